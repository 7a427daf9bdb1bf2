/**
 * What a node needs from its parent chain (docs/TREE.md §5): the chain parameters the parent records for this
 * chain, the deposits it recorded for this chain once final there, submitting a commitment and learning its
 * windowEnd, this chain's committed head on the parent, and the parent's clock. `RootParent` is the root
 * contract on L1; `ChildParent` is the node of a parent child chain (JSON-RPC).
 */
import type { ChainId, Header, Hex } from '@plasma-tree/core';
import type { ChainParams } from '../chain.js';
import type { DepositSource } from '../l1/depositFollower.js';
import type { Logger } from '../logger.js';
import type { NodeMetrics } from '../metrics.js';

/** A commitment of one of this chain's blocks, as the parent recorded it. */
export interface ParentCommitment {
  number: number;
  blockHash: Hex;
  /** Parent-clock seconds from which the block's exits may be finalized. */
  windowEnd: number;
  /** The parent transaction that committed it: an L1 tx hash, or the COMMIT_CHILD tx hash (zero when not known). */
  txHash: Hex;
}

/** A deposit source that follows the parent until `signal` aborts (parent failures are retried, never thrown). */
export interface ParentDeposits extends DepositSource {
  run(signal: AbortSignal): Promise<void>;
}

export interface ParentDepositsComponents {
  chainId: ChainId;
  /** Highest deposit nonce the chain has applied. */
  appliedNonce: () => bigint;
  logger: Logger;
  metrics: NodeMetrics;
}

export interface ParentChain {
  readonly kind: 'root' | 'child';
  /** Where the parent is, for logs and errors (the L1 URL, or the parent node's URL). */
  readonly url: string;
  /** This chain's parameters as the parent records them; throws UNKNOWN_CHAIN when it has no such child. */
  chainParams(chainId: ChainId): Promise<ChainParams>;
  /** The deposits recorded for `chainId` that are final on the parent, in nonce order, with their records. */
  deposits(components: ParentDepositsComponents): ParentDeposits;
  /** Number of this chain's newest block committed on the parent (0 = none). */
  headNumber(chainId: ChainId): Promise<number>;
  /** The parent's commitments of blocks `from..to` of `chainId` (those it holds; at most a few hundred). */
  commitments(chainId: ChainId, from: number, to: number): Promise<ParentCommitment[]>;
  /** Whether `submitCommitment` can be called (the root needs a funded sender). */
  readonly canSubmit: boolean;
  /** Submits `header` with packed validator signatures; resolves with the recorded commitment. */
  submitCommitment(header: Header, packedSignatures: Hex, signal: AbortSignal): Promise<ParentCommitment>;
  /** The parent's time (seconds): the clock of this chain's challenge windows. */
  time(): Promise<number>;
  close(): void;
}
