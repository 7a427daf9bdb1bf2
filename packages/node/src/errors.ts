import { PlasmaError } from '@plasma-tree/core';

/**
 * Codes the node raises on top of core's (`StfErrorCode` for transaction rejections). JSON-RPC carries the
 * code as `data.reason`.
 */
export type NodeErrorCode =
  /** NodeOptions or the config file is invalid. */
  | 'BAD_CONFIG'
  /** The root contract does not know the configured chain id. */
  | 'UNKNOWN_CHAIN'
  /** The L1 node cannot be reached or answers nonsense. */
  | 'L1_UNREACHABLE'
  /** The parent chain's node (NodeOptions.parent.nodeUrl) cannot be reached or answers nonsense. */
  | 'PARENT_UNREACHABLE'
  /** The database cannot be opened (locked by another process, not writable). */
  | 'STORE_UNAVAILABLE'
  /** The database on disk is inconsistent (its state does not hash to the head's stateRoot). */
  | 'STORE_CORRUPT'
  /** The database belongs to another chain or root contract. */
  | 'STORE_MISMATCH'
  /** The database was written in a store format this node cannot read (format 1, before the ledger was persisted; or a newer one). */
  | 'STORE_FORMAT'
  /** The root contract holds commitments this node's database does not agree with. */
  | 'COMMITMENT_CONFLICT'
  /** A peer's block does not follow this node's head (sync the blocks before it). */
  | 'BLOCK_NOT_NEXT'
  /** A peer's block (a proposal, a certificate, a sync answer) breaks a rule: it is not applied. */
  | 'INVALID_BLOCK'
  /** The same signed transaction is already waiting in the mempool. */
  | 'TX_KNOWN'
  /** The mempool holds `mempoolMaxTxs` transactions. */
  | 'MEMPOOL_FULL'
  /** Admitted transactions could not be written to the mempool's journal (the disk): no hash was promised. */
  | 'JOURNAL_WRITE_FAILED'
  /** No transaction with this hash is known to the node. */
  | 'UNKNOWN_TX'
  /** A withdrawal proof was asked for a transaction that is not a withdrawal. */
  | 'NOT_A_WITHDRAWAL'
  /** A withdrawal proof was asked for a block that is not committed on L1 yet. */
  | 'WITHDRAWAL_NOT_COMMITTED'
  /** An exit proof (pt_getExitProof) was asked for a transaction that added no exit-tree leaf. */
  | 'NOT_AN_EXIT'
  /** An exit proof was asked for a block that is not committed on the parent yet. */
  | 'EXIT_NOT_COMMITTED'
  /** The node is shutting down. */
  | 'NODE_CLOSING'
  /** A block challenged for its data on L1 or on the parent chain (docs/FRAUD.md §9, §9b) is not in this node's store as committed: it cannot publish it. */
  | 'DATA_NOT_HELD';

export function nodeError(code: NodeErrorCode, message: string, hint: string, data: Record<string, unknown> = {}): PlasmaError<NodeErrorCode> {
  return new PlasmaError(code, message, { data, hint });
}

export { PlasmaError, isPlasmaError } from '@plasma-tree/core';
