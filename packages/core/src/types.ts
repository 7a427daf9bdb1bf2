/** 0x-prefixed hex string. */
export type Hex = `0x${string}`;
/** 20-byte address, 0x-prefixed, lowercase is canonical inside Plasma Tree. */
export type Address = Hex;
/** 32-byte chain id (see docs/SPEC.md "Identifiers"). The root chain is ROOT_CHAIN_ID. */
export type ChainId = Hex;

export const ROOT_CHAIN_ID: ChainId = `0x${'00'.repeat(32)}`;
export const ZERO_ADDRESS: Address = `0x${'00'.repeat(20)}`;
/** `address(0)` stands for the parent chain's native coin (ETH on the root chain). */
export const NATIVE_TOKEN: Address = ZERO_ADDRESS;

export const STATE_TREE_DEPTH = 32;
export const TX_TREE_DEPTH = 16;
export const EXIT_TREE_DEPTH = 16;
export const MAX_TXS_PER_BLOCK = 2 ** TX_TREE_DEPTH;

export enum TxKind {
  Deposit = 0,
  Transfer = 1,
  Withdraw = 2,
  /** A user moves tokens from this chain into a child chain (ParentLedger.deposit). */
  DepositToChild = 3,
  /** A quorum-signed header of a child chain is recorded (ParentLedger.commit). */
  CommitChild = 4,
  /** An exit of a child chain is paid out on this chain after its window (ParentLedger.finalizeExit). */
  FinalizeChildExit = 5,
  /** A user registers a new child chain of this chain, bonding native coins (ParentLedger.spawnChild). */
  SpawnChild = 6,
  /** A user calls an edge function: its send half runs here, the event goes down to a child or up to the parent (docs/EDGE.md). */
  EdgeSend = 7,
  /** A down edge event the parent recorded for this chain; its receive half runs here (the producer adds it, like a deposit). */
  EdgeFromParent = 8,
  /** An up edge event of a child's committed block, consumed here with its exit-tree proof; its receive half runs here. */
  EdgeFromChild = 9,
  /** A fraud proof against a child's committed block: rollback, slash, freeze (ParentLedger.proveFraud, docs/FRAUD.md §7). */
  ProveChildFraud = 10,
  /** A holder of a frozen child's final head is paid here from its account witness (ParentLedger.escapeExit, docs/FRAUD.md §8). */
  EscapeChildExit = 11,
  /** A deposit recorded for a frozen child that it never applied goes back to its depositor (ParentLedger.reclaimDeposit, §8). */
  ReclaimChildDeposit = 12,
  /** A child that committed nothing for longer than its stall limit is frozen (ParentLedger.freezeStalled, docs/FRAUD.md §8). */
  FreezeStalledChild = 13,
  /** A user challenges the availability of a child's committed block, bonding native coins (ParentLedger.challengeData, docs/FRAUD.md §9b). */
  ChallengeChildData = 14,
  /** A call of the chain's data-availability ledger: a chunk published, a challenge resolved or its bond reclaimed (docs/FRAUD.md §9b). */
  ChildDataCall = 15,
  /**
   * A holder of a frozen child's descendant is paid here with the PlasmaNestedEscape call it would send the root
   * (ParentLedger.nestedEscapeCall, docs/FRAUD.md §4c).
   */
  NestedEscapeCall = 16,
}

export interface Header {
  chainId: ChainId;
  number: bigint;
  parentHash: Hex;
  txRoot: Hex;
  stateRoot: Hex;
  exitRoot: Hex;
  /** Highest parent deposit nonce applied up to and including this block (0 = none). */
  depositNonce: bigint;
  timestamp: bigint;
}

/** The leaf of the state tree: one (owner, token) balance. */
export interface Account {
  owner: Address;
  token: Address;
  balance: bigint;
  nonce: bigint;
}

/** A deposit as recorded by the parent (parent half of transferToChild). */
export interface Deposit {
  chainId: ChainId;
  nonce: bigint;
  from: Address;
  to: Address;
  token: Address;
  amount: bigint;
}

/** A transfer or a withdrawal as a user signs it (EIP-712 `Transfer` / `Withdraw`). */
export interface SpendTx {
  kind: TxKind.Transfer | TxKind.Withdraw;
  chainId: ChainId;
  /** The sender's state slot. */
  slot: number;
  /** Recipient (on this chain for a transfer, on the parent for a withdrawal). */
  to: Address;
  token: Address;
  amount: bigint;
  nonce: bigint;
  /** 65 bytes r ‖ s ‖ v. */
  signature: Hex;
}

/** Tokens from the sender's slot into child chain `child` (EIP-712 `DepositToChild`). */
export interface DepositToChildTx {
  kind: TxKind.DepositToChild;
  chainId: ChainId;
  slot: number;
  child: ChainId;
  /** The recipient on the child chain. */
  to: Address;
  token: Address;
  amount: bigint;
  nonce: bigint;
  signature: Hex;
}

/** A new child chain of this chain; the bond comes from the signer's native-token slot (EIP-712 `SpawnChild`). */
export interface SpawnChildTx {
  kind: TxKind.SpawnChild;
  chainId: ChainId;
  /** The spawner's slot: it must hold the native token. */
  slot: number;
  /** The signed validatorsHash is validatorSetHash of this list, in this order. */
  validators: Address[];
  threshold: number;
  challengeWindow: bigint;
  /**
   * Seconds without a commit after which anyone may freeze the child (FREEZE_STALLED_CHILD): challengeWindow ..
   * MAX_CHALLENGE_WINDOW. 0 or absent = the default, max(DEFAULT_STALL_LIMIT, challengeWindow) (PlasmaRoot.spawnChain);
   * any other value is PlasmaRoot.spawnChainWithLimits'. Signed (EIP-712 `SpawnChild.stallLimit`, 0 for the default).
   */
  stallLimit?: bigint;
  bond: bigint;
  nonce: bigint;
  signature: Hex;
}

/** A child's block header with its validators' quorum (nobody signs the transaction itself). */
export interface CommitChildTx {
  kind: TxKind.CommitChild;
  chainId: ChainId;
  child: ChainId;
  header: Header;
  /** Packed 65-byte Commitment signatures, by signer address ascending. */
  signatures: Hex;
}

/** An exit of a child's committed block, paid to its recipient here (nobody signs: the proof is the authority). */
export interface FinalizeChildExitTx {
  kind: TxKind.FinalizeChildExit;
  chainId: ChainId;
  child: ChainId;
  header: Header;
  /** The block's windowEnd, as the commitment recorded it. */
  windowEnd: bigint;
  exit: Exit;
  /** Position among the block's exits. */
  index: bigint;
  /** EXIT_TREE_DEPTH siblings, from the leaf upward. */
  proof: Hex[];
}

/**
 * A call of edge function `fn` (EIP-712 `EdgeCall`): down to child `child`, or up to the parent when `child` is
 * the zero bytes32. The slot may hold any token: the signer must own it, and its nonce is the replay guard.
 */
export interface EdgeCallTx {
  kind: TxKind.EdgeSend;
  chainId: ChainId;
  slot: number;
  fn: Hex;
  /** The child the event goes down to; ZERO_BYTES32 for an up call. */
  child: ChainId;
  /** At most MAX_EDGE_PAYLOAD bytes. */
  payload: Hex;
  nonce: bigint;
  signature: Hex;
}

/** An up edge event of a child's committed block, delivered here (nobody signs: the proof is the authority). */
export interface EdgeFromChildTx {
  kind: TxKind.EdgeFromChild;
  chainId: ChainId;
  child: ChainId;
  header: Header;
  /** The block's windowEnd, as the commitment recorded it. */
  windowEnd: bigint;
  fn: Hex;
  /** Who called the function on the child. */
  sender: Address;
  payload: Hex;
  /** Position in the block's exit tree. */
  index: bigint;
  /** EXIT_TREE_DEPTH siblings, from the leaf upward. */
  proof: Hex[];
}

/**
 * A fraud proof against a committed block of child `child` (nobody signs: the proof is the authority, docs/FRAUD.md
 * §7). `args` is the ABI argument list of the matching PlasmaRoot entry point after its chainId
 * (`encodeFraudProofArgs`); half the child's bond goes to `to`.
 */
export interface ProveChildFraudTx {
  kind: TxKind.ProveChildFraud;
  chainId: ChainId;
  child: ChainId;
  /** FraudKind: 0-2 proveInvalidTransition (the disputed tx's kind), 3 missing down event, 4 malformed, 5 equivocation, 6 bad timestamp. */
  fraudKind: number;
  args: Hex;
  /** The reward's recipient on this chain. */
  to: Address;
}

/**
 * ESCAPE_CHILD_EXIT (docs/FRAUD.md §8): slot `account.slot` of frozen child `child`'s final head `head` is paid to its
 * owner on this chain. The fields are PlasmaRoot.escapeExit's arguments, `child` for its chainId; nobody signs.
 */
export interface EscapeChildExitTx {
  kind: TxKind.EscapeChildExit;
  chainId: ChainId;
  child: ChainId;
  /** The child's head as this chain's ledger holds it (childInfo.headNumber). */
  head: Header;
  windowEnd: bigint;
  /** The head's ledger root: keccak256(accounts root ‖ ledgerRoot) = head.stateRoot. */
  ledgerRoot: Hex;
  account: EscapeAccountWitness;
}

/** fraud.ts AccountWitness, repeated to keep this module free of imports. */
export interface EscapeAccountWitness {
  slot: number;
  owner: Address;
  token: Address;
  balance: bigint;
  nonce: bigint;
  /** 32 siblings, from the leaf upward. */
  proof: Hex[];
}

/** RECLAIM_CHILD_DEPOSIT (docs/FRAUD.md §8): PlasmaRoot.reclaimDeposit's arguments, `child` for its chainId; nobody signs. */
export interface ReclaimChildDepositTx {
  kind: TxKind.ReclaimChildDeposit;
  chainId: ChainId;
  child: ChainId;
  nonce: bigint;
  /** The depositor: paid back here. */
  from: Address;
  /** The deposit's recipient on the child. */
  to: Address;
  token: Address;
  amount: bigint;
}

/**
 * FREEZE_STALLED_CHILD (docs/FRAUD.md §8): child `child`, live and silent for longer than its stall limit, is frozen
 * (PlasmaRoot.freezeStalled's argument, `child` for its chainId); nobody signs, anyone may send it.
 */
export interface FreezeStalledChildTx {
  kind: TxKind.FreezeStalledChild;
  chainId: ChainId;
  child: ChainId;
}

/**
 * CHALLENGE_CHILD_DATA (docs/FRAUD.md §9b, EIP-712 `ChallengeChildData`): the signer cannot get the data of child
 * `child`'s committed block `header` and bonds CHILD_DATA_CHALLENGE_BOND native coins from its slot; the child's
 * validators must publish it on this chain (CHILD_DATA_CALL) by the challenge's deadline, or the block is convicted.
 */
export interface ChallengeChildDataTx {
  kind: TxKind.ChallengeChildData;
  chainId: ChainId;
  /** The challenger's native-token slot. */
  slot: number;
  child: ChainId;
  /** The challenged block's header, as committed here. */
  header: Header;
  /** Its windowEnd, as the commitment recorded it. */
  windowEnd: bigint;
  bond: bigint;
  nonce: bigint;
  signature: Hex;
}

/**
 * CHILD_DATA_CALL (docs/FRAUD.md §9b): one call of PlasmaDataAvailability run by this chain's ledger for child `child`
 * (its calldata, the child's id as chainId): `publishBlockData` / `publishExitData` (one chunk of a committed block),
 * `resolveDataChallenge` (an unanswered challenge after its deadline convicts the block) or `reclaimChallengeBond`.
 * Nobody signs. `to` is who is paid: the publisher that completes a challenged block's data takes the bond; for a
 * resolve or a reclaim it must be the challenger (the bond goes back to it, with the reward of a conviction).
 */
export interface ChildDataCallTx {
  kind: TxKind.ChildDataCall;
  chainId: ChainId;
  child: ChainId;
  /** The module call's calldata (core dataAvailability.ts `encode…Call` with chainId = child). */
  call: Hex;
  to: Address;
}

/** NESTED_ESCAPE_CALL (kind 16, docs/FRAUD.md §4c): unsigned; the call fixes who is paid, what and how much. */
export interface NestedEscapeCallTx {
  kind: TxKind.NestedEscapeCall;
  chainId: ChainId;
  /** The frozen child A whose descendants' holder is paid (the call's FrozenHead chain). */
  frozen: ChainId;
  /** A PlasmaNestedEscape call's calldata (core `encodeEscapeNestedExitCall`, `encodeExitNestedCall`, `encodeReclaimNestedCall`). */
  call: Hex;
}

/** The transactions a user signs with EIP-712. */
export type UserSignedTx = SpendTx | DepositToChildTx | SpawnChildTx | EdgeCallTx | ChallengeChildDataTx;

/** A transaction as submitted to a chain, before the block producer places it (chooses slots). */
export type SignedTx =
  | UserSignedTx
  | CommitChildTx
  | FinalizeChildExitTx
  | EdgeFromChildTx
  | ProveChildFraudTx
  | EscapeChildExitTx
  | ReclaimChildDepositTx
  | FreezeStalledChildTx
  | ChildDataCallTx
  | NestedEscapeCallTx;

/** The uniform form of every transaction inside a block: 11 words and `data` (docs/SPEC.md). */
export interface BlockTx {
  kind: TxKind;
  slot: number;
  toSlot: number;
  from: Address;
  to: Address;
  token: Address;
  amount: bigint;
  nonce: bigint;
  r: Hex;
  s: Hex;
  v: number;
  /** Kind-specific payload, hashed into the tx leaf as keccak256(data); '0x' for kinds 0-2. */
  data: Hex;
}

/** Child half of transferToParent: one leaf of a block's exit tree. */
export interface Exit {
  recipient: Address;
  token: Address;
  amount: bigint;
}

/** A down edge event as the parent recorded it for this chain (the counterpart of a Deposit). */
export interface EdgeDownEvent {
  /** Its nonce on this chain's stream from the parent, shared with deposits. */
  nonce: bigint;
  fn: Hex;
  /** Who called the function on the parent. */
  sender: Address;
  payload: Hex;
}

/** Child half of an up edge event: one leaf of a block's exit tree, beside token exits (docs/EDGE.md). */
export interface EdgeUpEvent {
  fn: Hex;
  /** The chain whose block holds the leaf: the parent consumes it only under this child. */
  sourceChain: ChainId;
  sender: Address;
  payload: Hex;
}

/** A leaf of a block's exit tree: a token exit or an up edge event. */
export type ExitTreeLeaf = Exit | EdgeUpEvent;

export function isEdgeUpEvent(leaf: ExitTreeLeaf): leaf is EdgeUpEvent {
  return 'fn' in leaf;
}

export interface Block {
  header: Header;
  hash: Hex;
  txs: BlockTx[];
  /** State root after each transaction (the per-transaction trace). */
  postRoots: Hex[];
  /** The exit tree's leaves in order: a leaf's index is its position here. */
  exits: ExitTreeLeaf[];
}
