import { PlasmaError } from '@plasma-tree/core';

/** Codes the watcher raises on top of core's (every one with a hint). */
export type WatcherErrorCode =
  /** WatcherOptions are invalid (a chain without node URLs, a bad key, …). */
  | 'BAD_CONFIG'
  /** The L1 node cannot be reached or answers nonsense. */
  | 'L1_UNREACHABLE'
  /** The root contract does not know a chain the watcher was asked to follow. */
  | 'UNKNOWN_CHAIN'
  /** No node URL of a chain answered. */
  | 'NODE_UNREACHABLE'
  /** The database cannot be opened (locked by another watcher, not writable). */
  | 'STORE_UNAVAILABLE'
  /** The database was written for another root contract or L1. */
  | 'STORE_MISMATCH'
  /** The database on disk is inconsistent (its state does not hash to the verified head's stateRoot). */
  | 'STORE_CORRUPT'
  /** The watcher's key has too little ETH on L1 to pay for an objection's gas (retried once it is funded). */
  | 'KEY_UNFUNDED';

export function watcherError(code: WatcherErrorCode, message: string, hint: string, data: Record<string, unknown> = {}): PlasmaError<WatcherErrorCode> {
  return new PlasmaError(code, message, { data, hint });
}
