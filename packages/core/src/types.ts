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

/** A transaction as a user signs it (EIP-712), before the block producer places it. */
export interface SignedTx {
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

/** The uniform 11-word form of every transaction inside a block (docs/SPEC.md). */
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
}

/** Child half of transferToParent: one leaf of a block's exit tree. */
export interface Exit {
  recipient: Address;
  token: Address;
  amount: bigint;
}

export interface Block {
  header: Header;
  hash: Hex;
  txs: BlockTx[];
  /** State root after each transaction (the per-transaction trace). */
  postRoots: Hex[];
  exits: Exit[];
}
