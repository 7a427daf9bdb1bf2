import type { Address, ChainId, EdgeRegistry, Hex } from '@plasma-tree/core';
import type { Logger } from './logger.js';

export type FindingKind = 'invalid_block' | 'unavailable_data' | 'invalid_exit' | 'stalled_chain' | 'equivocation';
export type ObjectionStatus = 'sent' | 'mined' | 'convicted' | 'failed';

/** What the watcher did about a finding on L1: a fraud proof (or `freezeStalled` for a stalled chain). */
export interface Objection {
  /** The L1 transaction; null when the call was refused before it was sent (estimateGas reverted). */
  tx: Hex | null;
  status: ObjectionStatus;
  /** Why it failed (the contract's error, "convicted first by 0x…", "window closed"), or what it did. */
  reason: string | null;
  /** Where it was sent: `'root'` (PlasmaRoot on L1) or the parent chain's id (a PROVE_CHILD_FRAUD on that chain). */
  host?: 'root' | ChainId;
  /** The host block it was mined in: an L1 block, or a block of the parent chain. */
  l1Block?: number;
  /** Host blocks (L1 or the parent chain's) from the faulty block's commit to this objection being mined. */
  reactionL1Blocks?: number;
  /** Parent-chain host only: the parent chain's block holding the objection is committed on its own parent. */
  hostCommitted?: boolean;
  /**
   * An unavailable_data objection (docs/FRAUD.md §9; below a chain §9b): `tx` is the challengeData (on the parent chain
   * a CHALLENGE_CHILD_DATA), `deadline` the host's (the data must be published there by then), `resolveTx` the
   * resolveDataChallenge this watcher sent after it (a CHILD_DATA_CALL on the parent chain), `outcome` how it ended when
   * not by a conviction (answered: the bond went to the publisher; lapsed: the bond came back).
   */
  dataChallenge?: { deadline: number; resolveTx?: Hex; outcome?: 'answered' | 'lapsed' };
}

/** Something wrong with a committed block or a chain (GET /status `findings`). */
export interface Finding {
  /** `<kind>@<height>`. */
  id: string;
  kind: FindingKind;
  chain: ChainId;
  /** The block concerned (for stalled_chain: the chain's head). */
  height: number;
  /** The block's hash as committed, when there is one. */
  blockHash?: Hex;
  /** Unix seconds: the end of the block's challenge window (stalled_chain: since when it can be frozen). */
  deadline: number;
  /** Whether phase 1 can prove it at the root (false: reported only, see `phase2`). */
  provable: boolean;
  /** What is wrong: core's fault reason (`NonceMismatch`, `EXIT_ROOT_MISMATCH`, …). */
  reason: string;
  /** Why there is no objection for a non-provable finding. */
  phase2?: string;
  /** The L1 block of the commit (reaction time is measured from it). */
  commitL1Block?: number;
  /** Unix seconds (L1 clock) when the watcher raised it. */
  detectedAt: number;
  /** Set once less than 25 % of the window is left while it is still open. */
  urgent?: boolean;
  /** Closed: the chain was convicted for it (by anyone), the data showed up, or the window passed. */
  resolved?: string;
  objection: Objection | null;
}

/** A finding as GET /status shows it: with the time left to object. */
export interface FindingStatus extends Finding {
  /** Seconds until `deadline` on the L1 clock (0 once passed). */
  timeLeft: number;
}

export interface ChainStatusJson {
  chain: ChainId;
  name: string;
  /** Who judges the chain: `'root'` (PlasmaRoot) or its parent chain's id (ParentLedger). */
  parent: 'root' | ChainId;
  status: 'live' | 'frozen-fraud' | 'frozen-stalled';
  headVerified: number;
  headCommitted: number;
  lag: number;
  /** Blocks verified since this watcher process started (a restart resumes, it does not start over). */
  verifiedSinceStart: number;
  /** Set when the next block cannot be verified: why (an invalid block, data nobody serves). */
  haltedAt?: { height: number; reason: string };
  challengeWindow: number;
  nodes: string[];
  findings: FindingStatus[];
}

export interface WatcherStatus {
  watcher: Address | null;
  /** The watcher key's L1 balance (wei, decimal) when last read: at start and after each objection; null without a key. */
  watcherBalanceWei: string | null;
  rootContract: Address;
  l1: { url: string; head: number; synced: number; confirmations: number; timestamp: number };
  chains: ChainStatusJson[];
  /** What phase 1 cannot do yet. */
  phase2: string[];
}

/**
 * One chain to watch, with the JSON-RPC URLs of its nodes (tried in order): a child of the root, or a chain below a
 * chain, whose parent chain must be watched too (its commitments, deposit records and clock are read from the parent's
 * nodes, and the objections go there).
 */
export interface WatchedChain {
  chainId: ChainId;
  /** For logs and the status (default: the id's first bytes). */
  name?: string;
  nodes: string[];
}

export interface WatcherOptions {
  l1RpcUrl: string;
  rootContract: Address;
  chains: WatchedChain[];
  /** The key objections are sent with (it needs ETH for gas; it receives half of a convicted chain's bond). */
  key?: Hex;
  /** Where the watcher keeps its progress (`<dataDir>/watcher`, level). */
  dataDir: string;
  /** L1 blocks an event must be buried under before the watcher acts on it (default 1). */
  confirmations?: number;
  /** How often the L1 and the nodes are polled (default 500 ms). */
  pollMs?: number;
  /** Seconds after a commit before a block no node serves is reported as unavailable_data (default 10). */
  unavailableGraceSec?: number;
  /** Call `freezeStalled` on a chain past its stall limit (default false). */
  freezeStalled?: boolean;
  /** The status server (GET /status, /metrics, /healthz); false: none. Default 127.0.0.1:8550. */
  status?: { host?: string; port?: number } | false;
  /** Timeout of one node RPC call (default 5000 ms). */
  nodeTimeoutMs?: number;
  /** The edge functions the watched chains run (default: the built-ins), as their nodes' `edgeFunctions`. */
  edges?: EdgeRegistry;
  logger?: Logger;
}

export const DEFAULT_STATUS_PORT = 8550;
