/**
 * Building a block (producer) and re-executing one (watchers, tests): the same STF, the same roots.
 */
import { bytesToHex, ZERO_BYTES32 } from './bytes.js';
import { EMPTY_STATE_ROOT, type ChainState } from './chainState.js';
import { exitTreeLeaf, hashHeader, makesExit, txExitIndexes, txLeaf } from './encoding.js';
import { isPlasmaError, PlasmaError } from './errors.js';
import { DATA_CHUNK_SIZE, MAX_TX_PUBLICATION_BYTES, chunkSizes, publicationSize } from './dataAvailability.js';
import { MerkleTree, merkleRoot } from './merkle.js';
import { applyTx, checkBlockTxForm, placeDeposit, placeEdgeFromParent, placeSignedTx, withEdgeEffect, type ApplyOptions, type StfContext, type TxOutcome } from './stf.js';
import {
  EXIT_TREE_DEPTH,
  isEdgeUpEvent,
  MAX_TXS_PER_BLOCK,
  TX_TREE_DEPTH,
  TxKind,
  type Address,
  type Block,
  type BlockTx,
  type Deposit,
  type EdgeDownEvent,
  type ExitTreeLeaf,
  type Header,
  type Hex,
  type SignedTx,
} from './types.js';

/** What a block needs to know of its chain: the StfContext less what each block sets (deposit nonce, clock). */
export type BlockContext = Omit<StfContext, 'lastDepositNonce' | 'timestamp'> & {
  /**
   * The most bytes of txs one data chunk (DATA_CHUNK_SIZE txs, an aligned subtree of the tx tree) may hold: the sum
   * of its txs' publicationSize, `chunkByteBudget(depth)` of the chain (docs/LEDGER-PROOFS.md "A size rule for block
   * data"). BlockBuilder and verifyBlock enforce it when given (their own option first); absent, chunks are unbounded.
   */
  chunkBudget?: number;
};

export interface BlockBuilderOptions {
  /** The parent block's header; null for block 1. */
  parent: Header | null;
  /** The state after the parent block; the builder mutates it (revert with `abort()`). */
  state: ChainState;
  ctx: BlockContext;
  /**
   * The block's timestamp (seconds), fixed when the block starts: it is the clock of the transactions inside
   * (commitments of children, their challenge windows). Never before the parent's.
   */
  timestamp: bigint;
  /** The chunk byte budget (chunkByteBudget of the chain's depth); defaults to `ctx.chunkBudget`, absent: unbounded. */
  chunkBudget?: number;
}

interface BlockStart {
  number: bigint;
  parentHash: Hex;
  preStateRoot: Hex;
  depositNonce: bigint;
  /** The earliest timestamp the block may have: the parent's. */
  minTimestamp: bigint;
}

/** What each block starts from: number, parent hash, pre-state root, deposit nonce and earliest timestamp. */
function childOf(parent: Header | null): BlockStart {
  if (parent === null) return { number: 1n, parentHash: ZERO_BYTES32, preStateRoot: EMPTY_STATE_ROOT, depositNonce: 0n, minTimestamp: 0n };
  return {
    number: parent.number + 1n,
    parentHash: hashHeader(parent),
    preStateRoot: parent.stateRoot.toLowerCase() as Hex,
    depositNonce: parent.depositNonce,
    minTimestamp: parent.timestamp,
  };
}

/**
 * Applies transactions one by one to the state (each checked by the STF, the state root recorded after
 * each), then seals them into a block. The state is checkpointed at the start: `seal()` keeps the changes,
 * `abort()` undoes them.
 */
export class BlockBuilder {
  readonly number: bigint;
  readonly parentHash: Hex;
  readonly timestamp: bigint;
  private readonly state: ChainState;
  private readonly ctx: StfContext;
  private readonly txs: BlockTx[] = [];
  private readonly postRoots: Hex[] = [];
  private readonly exits: ExitTreeLeaf[] = [];
  /** Whether a transaction other than a down event (kinds 0, 8) is in: the down stream must come first. */
  private pastDownStream = false;
  private open = true;
  /** The chunk byte budget, if any (BlockBuilderOptions.chunkBudget). */
  readonly chunkBudget: number | undefined;
  /** Bytes of the current (last, open) chunk's txs: the sum of their publicationSize. */
  private chunkBytes = 0;

  constructor({ parent, state, ctx, timestamp, chunkBudget }: BlockBuilderOptions) {
    const start = childOf(parent);
    if (parent !== null && parent.chainId.toLowerCase() !== ctx.chainId.toLowerCase()) {
      throw new PlasmaError('WRONG_CHAIN', `the parent block is on chain ${parent.chainId}, the builder on ${ctx.chainId}`);
    }
    if (state.chainId !== ctx.chainId.toLowerCase()) {
      throw new PlasmaError('WRONG_CHAIN', `the state is chain ${state.chainId}'s, the builder builds chain ${ctx.chainId}`);
    }
    if (typeof timestamp !== 'bigint' || timestamp < start.minTimestamp || timestamp >= 1n << 64n) {
      throw new PlasmaError('INVALID_BLOCK', `block ${start.number} cannot have timestamp ${String(timestamp)}: the parent's is ${start.minTimestamp}`, {
        hint: "use the wall clock in seconds, or the parent's timestamp when the clock is behind it",
        data: { reason: 'WRONG_TIMESTAMP', expected: `>= ${start.minTimestamp}`, found: String(timestamp) },
      });
    }
    const root = state.root;
    if (root !== start.preStateRoot) {
      throw new PlasmaError('STATE_ROOT_MISMATCH', `the state root is ${root}, block ${start.number} starts from ${start.preStateRoot}`, {
        hint: 'pass the state as it was right after the parent block',
        data: { expected: start.preStateRoot, found: root },
      });
    }
    this.number = start.number;
    this.parentHash = start.parentHash;
    this.timestamp = timestamp;
    this.state = state;
    this.ctx = { ...ctx, lastDepositNonce: start.depositNonce, timestamp };
    const budget = chunkBudget ?? ctx.chunkBudget;
    if (budget !== undefined && (!Number.isSafeInteger(budget) || budget <= 0)) {
      throw new PlasmaError('INVALID_BLOCK', `the chunk budget must be a positive number of bytes, got ${String(budget)}`, {
        hint: 'use chunkByteBudget(depth) of the chain', data: { reason: 'BAD_CHUNK_BUDGET' },
      });
    }
    this.chunkBudget = budget;
    state.checkpoint();
  }

  get txCount(): number {
    return this.txs.length;
  }

  /** The transactions applied so far, in block order (placed: recipient slots chosen). */
  get transactions(): readonly BlockTx[] {
    return this.txs;
  }

  /** Highest nonce of the parent's down stream (deposits, edge events) applied so far (the parent block's until one is added). */
  get depositNonce(): bigint {
    return this.ctx.lastDepositNonce;
  }

  /** Bytes of the open chunk so far (the sum of its txs' publicationSize; 0 when the next tx starts a chunk). */
  get currentChunkBytes(): number {
    return this.chunkBytes;
  }

  /**
   * Applies a transaction in block form; on error nothing changes and the builder stays usable. With a chunk budget,
   * a tx that would push its chunk over it is refused CHUNK_FULL (it fits the next block, which starts a chunk), and
   * one over the budget on its own TX_TOO_LARGE.
   */
  add(tx: BlockTx, options?: ApplyOptions): TxOutcome {
    this.checkOpen();
    if (this.txs.length >= MAX_TXS_PER_BLOCK) {
      throw new PlasmaError('BLOCK_FULL', `a block holds at most ${MAX_TXS_PER_BLOCK} transactions`, {
        hint: 'seal this block and add the transaction to the next one',
      });
    }
    const down = isDownStreamTx(tx);
    if (down && this.pastDownStream) {
      throw new PlasmaError('INVALID_BLOCK', `block ${this.number}: a ${tx.kind === TxKind.Deposit ? 'deposit' : 'down edge event'} cannot follow other transactions`, {
        hint: "add the parent's down stream (addDeposit, addEdgeFromParent) before any other transaction",
        data: { reason: 'DOWN_STREAM_NOT_FIRST', txIndex: this.txs.length },
      });
    }
    if (this.chunkBudget !== undefined) this.checkChunkRoom(tx);
    if (this.chunkBudget === undefined || options?.edgeEffect !== 'fill') {
      const outcome = applyTx(this.state, tx, this.ctx, options);
      // A producer placing an edge tx ('fill') seals it with the effect its half had (docs/SPEC.md "Edge effects").
      const placed = options?.edgeEffect === 'fill' && outcome.edgeEffect !== undefined ? withEdgeEffect(tx, outcome.edgeEffect) : tx;
      return this.record(tx, placed, outcome);
    }
    // With a budget, an edge tx placed with 'fill' grows by the effect it states: checked again once applied, and
    // undone when it no longer fits.
    this.state.checkpoint();
    let outcome: TxOutcome;
    let placed: BlockTx;
    try {
      outcome = applyTx(this.state, tx, this.ctx, options);
      placed = outcome.edgeEffect !== undefined ? withEdgeEffect(tx, outcome.edgeEffect) : tx;
      this.checkChunkRoom(placed);
    } catch (e) {
      this.state.revert();
      throw e;
    }
    this.state.commit();
    return this.record(tx, placed, outcome);
  }

  private record(tx: BlockTx, placed: BlockTx, outcome: TxOutcome): TxOutcome {
    if (!isDownStreamTx(tx)) this.pastDownStream = true;
    this.txs.push(placed);
    this.postRoots.push(outcome.postRoot);
    if (outcome.exit !== undefined) this.exits.push(outcome.exit);
    if (outcome.downNonce !== undefined) this.ctx.lastDepositNonce = outcome.downNonce;
    this.chunkBytes = this.txs.length % DATA_CHUNK_SIZE === 0 ? 0 : this.chunkBytes + publicationSize(placed);
    return outcome;
  }

  /** CHUNK_FULL or TX_TOO_LARGE when `tx` does not fit the rest of the open chunk's budget. */
  private checkChunkRoom(tx: BlockTx): void {
    const budget = this.chunkBudget!;
    const size = publicationSize(tx);
    // Over M at any depth: the form's refusal (MALFORMED_TX), whatever the budget.
    if (size > MAX_TX_PUBLICATION_BYTES) checkBlockTxForm(tx);
    const index = this.txs.length;
    const chunk = Math.floor(index / DATA_CHUNK_SIZE);
    const data = { size, budget, chunk, chunkBytes: this.chunkBytes, txIndex: index };
    if (size > budget) {
      throw new PlasmaError('TX_TOO_LARGE', `block ${this.number}: the tx takes ${size} bytes in a publication call, over this chain's chunk budget of ${budget}`, {
        hint: 'no block of this chain can hold it (its data chunk could not be published): make it smaller',
        data,
      });
    }
    if (this.chunkBytes + size > budget) {
      throw new PlasmaError('CHUNK_FULL', `block ${this.number}: the tx (${size} bytes) would bring chunk ${chunk} to ${this.chunkBytes + size} bytes, over its budget of ${budget}`, {
        hint: 'seal this block: the tx waits for the next block, which starts a new chunk',
        data,
      });
    }
  }

  /** Places a tx (choosing the recipient slot) and applies it; `from` skips a user-signed tx's recovery when already done. */
  addSignedTx(tx: SignedTx, from?: Address): BlockTx {
    this.checkOpen();
    const placed = placeSignedTx(this.state, tx, this.ctx, from);
    this.add(placed, { signatureChecked: true, edgeEffect: 'fill' });
    return this.txs[this.txs.length - 1];
  }

  addDeposit(deposit: Deposit): BlockTx {
    this.checkOpen();
    const placed = placeDeposit(this.state, deposit);
    this.add(placed);
    return placed;
  }

  /** Applies the parent's next down edge event (a failing receive half is recorded as failed, not refused). */
  addEdgeFromParent(event: EdgeDownEvent): BlockTx {
    this.checkOpen();
    this.add(placeEdgeFromParent(event), { edgeEffect: 'fill' });
    return this.txs[this.txs.length - 1];
  }

  /** Closes the block (with the timestamp given at the start) and keeps its state changes. */
  seal(): Block {
    this.checkOpen();
    this.open = false;
    this.state.commit();
    const header: Header = {
      chainId: this.ctx.chainId.toLowerCase() as Hex,
      number: this.number,
      parentHash: this.parentHash,
      txRoot: bytesToHex(computeTxRoot(this.txs, this.postRoots)),
      stateRoot: this.state.root,
      exitRoot: bytesToHex(computeExitRoot(this.exits)),
      depositNonce: this.ctx.lastDepositNonce,
      timestamp: this.timestamp,
    };
    return { header, hash: hashHeader(header), txs: this.txs.slice(), postRoots: this.postRoots.slice(), exits: this.exits.slice() };
  }

  /** Discards the block: the state returns to the parent's. */
  abort(): void {
    this.checkOpen();
    this.open = false;
    this.state.revert();
  }

  private checkOpen(): void {
    if (!this.open) throw new PlasmaError('INVALID_BLOCK', `block ${this.number} is already sealed or aborted`, { data: { reason: 'CLOSED' } });
  }
}

/** The leaves of a block's transaction tree: each tx with its post-state root and its exit index. */
export function txLeaves(txs: readonly BlockTx[], postRoots: readonly Hex[]): Uint8Array[] {
  const exitIndexes = txExitIndexes(txs);
  return txs.map((tx, i) => txLeaf(tx, postRoots[i], exitIndexes[i]));
}

export function computeTxRoot(txs: readonly BlockTx[], postRoots: readonly Hex[]): Uint8Array {
  return merkleRoot(txLeaves(txs, postRoots), TX_TREE_DEPTH);
}

/** The root of the exit tree over token exits and up edge events, in block order. */
export function computeExitRoot(exits: readonly ExitTreeLeaf[]): Uint8Array {
  return merkleRoot(exits.map(exitTreeLeaf), EXIT_TREE_DEPTH);
}

/** Why `verifyBlock` refused a block (`data.reason` of its INVALID_BLOCK error). */
export type InvalidBlockReason =
  | 'WRONG_CHAIN'
  | 'WRONG_NUMBER'
  | 'WRONG_PARENT'
  | 'HASH_MISMATCH'
  | 'TOO_MANY_TXS'
  | 'TRACE_LENGTH_MISMATCH'
  | 'POST_ROOT_MISMATCH'
  | 'EXIT_MISMATCH'
  | 'TX_ROOT_MISMATCH'
  | 'EXIT_ROOT_MISMATCH'
  | 'STATE_ROOT_MISMATCH'
  /** `depositNonce` is below the parent's (the down stream never goes back). */
  | 'DEPOSIT_NONCE_MISMATCH'
  /**
   * A deposit or down edge event (kinds 0, 8) outside the block's first `depositNonce − parent.depositNonce`
   * transactions: after another kind, applied again, or beyond what the header claims (docs/FRAUD.md §3).
   */
  | 'DOWN_STREAM_NOT_FIRST'
  /** The header claims more down events than the block applies: `txIndex` should hold one and does not (or the block ends there). */
  | 'MISSING_DOWN_EVENT'
  /** The timestamp is before the parent's (the clock of a chain never runs backwards). */
  | 'WRONG_TIMESTAMP'
  /** A transaction the STF refuses; `data.code` holds the STF's code. */
  | 'INVALID_TX'
  /**
   * A data chunk (DATA_CHUNK_SIZE txs) holds more bytes than the chain's chunk budget (chunkByteBudget): it could not
   * be published in one tx of the host, so its validators would be convicted on a data challenge. `data.chunk`.
   */
  | 'CHUNK_OVER_BUDGET';

export interface InvalidBlockData {
  reason: InvalidBlockReason;
  blockNumber: string;
  txIndex?: number;
  /** The STF error code when reason = INVALID_TX. */
  code?: string;
  /** The chunk over its budget when reason = CHUNK_OVER_BUDGET. */
  chunk?: number;
  expected?: string;
  found?: string;
}

export interface VerifyBlockOptions {
  /** Re-execute and check, then undo the changes even when the block is valid. */
  dryRun?: boolean;
  /** Skip signature recovery (only for blocks this node verified before, e.g. replaying its own store). */
  trustSignatures?: boolean;
  /** The chunk byte budget (chunkByteBudget of the chain's depth); defaults to `ctx.chunkBudget`, absent: unchecked. */
  chunkBudget?: number;
}

/**
 * Re-executes `block` on `preState` (the state after `parent`) and checks every field and root. A valid block
 * leaves `preState` advanced to the block's post-state (unless `dryRun`); an invalid one leaves it as it was and
 * throws PlasmaError('INVALID_BLOCK', InvalidBlockData). A deposit or down edge event whose parent record is not
 * known yet throws DEPOSIT_UNKNOWN instead: that is not evidence of fraud.
 */
export function verifyBlock(block: Block, parent: Header | null, preState: ChainState, ctx: BlockContext, options: VerifyBlockOptions = {}): void {
  const { header } = block;
  const start = childOf(parent);
  const invalid = (data: Omit<InvalidBlockData, 'blockNumber'>, message: string): PlasmaError =>
    new PlasmaError('INVALID_BLOCK', `block ${header.number}: ${message}`, { data: { ...data, blockNumber: String(header.number) } });
  const mismatch = (reason: InvalidBlockReason, what: string, expected: string, found: string, txIndex?: number): PlasmaError =>
    invalid({ reason, txIndex, expected, found }, `${what} is ${found}, re-execution gives ${expected}`);

  const chainId = ctx.chainId.toLowerCase();
  if (header.chainId.toLowerCase() !== chainId) throw mismatch('WRONG_CHAIN', 'chainId', chainId, header.chainId);
  if (parent !== null && parent.chainId.toLowerCase() !== chainId) throw mismatch('WRONG_CHAIN', "the parent's chainId", chainId, parent.chainId);
  if (header.number !== start.number) throw mismatch('WRONG_NUMBER', 'number', String(start.number), String(header.number));
  if (header.parentHash.toLowerCase() !== start.parentHash) throw mismatch('WRONG_PARENT', 'parentHash', start.parentHash, header.parentHash);
  if (header.timestamp < start.minTimestamp) throw mismatch('WRONG_TIMESTAMP', 'timestamp', `>= ${start.minTimestamp}`, String(header.timestamp));
  const hash = hashHeader(header);
  if (block.hash.toLowerCase() !== hash) throw mismatch('HASH_MISMATCH', 'hash', hash, block.hash);
  if (block.txs.length > MAX_TXS_PER_BLOCK) throw mismatch('TOO_MANY_TXS', 'the tx count', `<= ${MAX_TXS_PER_BLOCK}`, String(block.txs.length));
  if (block.postRoots.length !== block.txs.length) {
    throw mismatch('TRACE_LENGTH_MISMATCH', 'the number of post-state roots', String(block.txs.length), String(block.postRoots.length));
  }
  if (preState.chainId !== chainId) {
    throw new PlasmaError('WRONG_CHAIN', `the state to verify on is chain ${preState.chainId}'s, the block is chain ${chainId}'s`, {
      hint: "verify a chain's blocks on that chain's state",
      data: { expected: chainId, found: preState.chainId },
    });
  }
  const preRoot = preState.root;
  if (preRoot !== start.preStateRoot) {
    throw new PlasmaError('STATE_ROOT_MISMATCH', `the state to verify on has root ${preRoot}, the parent's is ${start.preStateRoot}`, {
      hint: 'pass the state as it was right after the parent block',
      data: { expected: start.preStateRoot, found: preRoot },
    });
  }

  // The size rule (docs/LEDGER-PROOFS.md "A size rule for block data"): stateless, before re-execution.
  const chunkBudget = options.chunkBudget ?? ctx.chunkBudget;
  if (chunkBudget !== undefined) {
    chunkSizes(block.txs).forEach((bytes, chunk) => {
      if (bytes > chunkBudget) {
        throw invalid({ reason: 'CHUNK_OVER_BUDGET', chunk, txIndex: chunk * DATA_CHUNK_SIZE, expected: `<= ${chunkBudget} bytes`, found: `${bytes} bytes` },
          `data chunk ${chunk} (txs ${chunk * DATA_CHUNK_SIZE}..${Math.min(block.txs.length, (chunk + 1) * DATA_CHUNK_SIZE) - 1}) takes ${bytes} bytes in a publication call, over the chain's chunk budget of ${chunkBudget}: it could not be published on a data challenge`);
      }
    });
  }

  checkDownStreamFirst(block, start.depositNonce, invalid);

  const stfCtx: StfContext = { ...ctx, lastDepositNonce: start.depositNonce, timestamp: header.timestamp };
  const applyOptions: ApplyOptions = { signatureChecked: options.trustSignatures === true };
  const exits: ExitTreeLeaf[] = [];
  preState.checkpoint();
  try {
    block.txs.forEach((tx, txIndex) => {
      let outcome: TxOutcome;
      try {
        outcome = applyTx(preState, tx, stfCtx, applyOptions);
      } catch (e) {
        if (!isPlasmaError(e) || e.code === 'DEPOSIT_UNKNOWN') throw e;
        throw invalid({ reason: 'INVALID_TX', txIndex, code: e.code }, `tx ${txIndex} is refused: ${e.code}: ${e.message}`);
      }
      if (block.postRoots[txIndex].toLowerCase() !== outcome.postRoot) {
        throw mismatch('POST_ROOT_MISMATCH', `the post-state root of tx ${txIndex}`, outcome.postRoot, block.postRoots[txIndex], txIndex);
      }
      // The leaf's exitIndex word counts exits by the words' rule (makesExit): the STF must agree with it.
      if ((outcome.exit !== undefined) !== makesExit(tx)) {
        throw mismatch('EXIT_MISMATCH', `whether tx ${txIndex} makes an exit`, String(outcome.exit !== undefined), String(makesExit(tx)), txIndex);
      }
      if (outcome.exit !== undefined) exits.push(outcome.exit);
      if (outcome.downNonce !== undefined) stfCtx.lastDepositNonce = outcome.downNonce;
    });
    checkExits(block.exits, exits, (expected, found) => mismatch('EXIT_MISMATCH', 'the exit list', expected, found));
    const txRoot = bytesToHex(computeTxRoot(block.txs, block.postRoots));
    if (header.txRoot.toLowerCase() !== txRoot) throw mismatch('TX_ROOT_MISMATCH', 'txRoot', txRoot, header.txRoot);
    const exitRoot = bytesToHex(computeExitRoot(exits));
    if (header.exitRoot.toLowerCase() !== exitRoot) throw mismatch('EXIT_ROOT_MISMATCH', 'exitRoot', exitRoot, header.exitRoot);
    const stateRoot = preState.root;
    if (header.stateRoot.toLowerCase() !== stateRoot) throw mismatch('STATE_ROOT_MISMATCH', 'stateRoot', stateRoot, header.stateRoot);
    if (header.depositNonce !== stfCtx.lastDepositNonce) {
      throw mismatch('DEPOSIT_NONCE_MISMATCH', 'depositNonce', String(stfCtx.lastDepositNonce), String(header.depositNonce));
    }
  } catch (e) {
    preState.revert();
    throw e;
  }
  if (options.dryRun) preState.revert();
  else preState.commit();
}

/** Kinds 0 (DEPOSIT) and 8 (EDGE_FROM_PARENT): the parent's down stream. */
export function isDownStreamTx(tx: Pick<BlockTx, 'kind'>): boolean {
  return tx.kind === TxKind.Deposit || tx.kind === TxKind.EdgeFromParent;
}

/**
 * The down stream first: the block's kind 0 and 8 transactions are exactly its first `depositNonce − parent's`
 * (their nonce order is the STF's check). Stateless, so it runs before re-execution.
 */
function checkDownStreamFirst(block: Block, parentNonce: bigint, invalid: (data: Omit<InvalidBlockData, 'blockNumber'>, message: string) => PlasmaError): void {
  const claimed = block.header.depositNonce - parentNonce;
  if (claimed < 0n) {
    throw invalid({ reason: 'DEPOSIT_NONCE_MISMATCH', expected: `>= ${parentNonce}`, found: String(block.header.depositNonce) },
      `depositNonce ${block.header.depositNonce} is below the parent's ${parentNonce}`);
  }
  let downs = 0;
  for (let i = 0; i < block.txs.length; i++) {
    if (!isDownStreamTx(block.txs[i])) continue;
    if (BigInt(i) >= claimed) {
      throw invalid({ reason: 'DOWN_STREAM_NOT_FIRST', txIndex: i, expected: `down events at txs 0..${claimed - 1n}`, found: `kind ${block.txs[i].kind} at tx ${i}` },
        `tx ${i} is a down event (kind ${block.txs[i].kind}), but the header claims ${claimed} and they must come first`);
    }
    downs++;
  }
  if (BigInt(downs) < claimed) {
    const txIndex = block.txs.findIndex((tx) => !isDownStreamTx(tx));
    const at = txIndex < 0 ? block.txs.length : txIndex;
    throw invalid({ reason: 'MISSING_DOWN_EVENT', txIndex: at, expected: `${claimed} down events`, found: `${downs}` },
      `the header claims ${claimed} down events (depositNonce ${block.header.depositNonce}), the block applies ${downs}`);
  }
}

function checkExits(claimed: readonly ExitTreeLeaf[], derived: readonly ExitTreeLeaf[], fail: (expected: string, found: string) => PlasmaError): void {
  if (claimed.length !== derived.length) throw fail(`${derived.length} exits`, `${claimed.length} exits`);
  derived.forEach((leaf, i) => {
    const expected = describeLeaf(leaf);
    const found = describeLeaf(claimed[i]);
    if (found !== expected) throw fail(`exit ${i} = ${expected}`, found);
  });
}

/** One canonical line per leaf (lowercase hex, decimal amounts), so that comparing lines compares leaves. */
function describeLeaf(leaf: ExitTreeLeaf): string {
  if (isEdgeUpEvent(leaf)) return `edge event (${leaf.fn}, ${leaf.sourceChain}, ${leaf.sender}, ${leaf.payload})`.toLowerCase();
  return `(${leaf.recipient}, ${leaf.token}, ${leaf.amount})`.toLowerCase();
}

/**
 * Exit-tree proof of leaf `exitIndex` of `block`, a token exit or an up edge event (what finalizing a withdrawal,
 * or delivering the event, on the parent needs).
 */
export function exitProof(block: Block, exitIndex: number): Hex[] {
  if (!Number.isInteger(exitIndex) || exitIndex < 0 || exitIndex >= block.exits.length) {
    throw new PlasmaError('INVALID_MERKLE_INPUT', `block ${block.header.number} has ${block.exits.length} exits, no exit ${exitIndex}`);
  }
  return new MerkleTree(block.exits.map(exitTreeLeaf), EXIT_TREE_DEPTH).proof(exitIndex).map(bytesToHex);
}

/** Transaction-tree proof of tx `txIndex` of `block` (what a fraud proof about that tx needs). */
export function txProof(block: Block, txIndex: number): Hex[] {
  if (!Number.isInteger(txIndex) || txIndex < 0 || txIndex >= block.txs.length) {
    throw new PlasmaError('INVALID_MERKLE_INPUT', `block ${block.header.number} has ${block.txs.length} txs, no tx ${txIndex}`);
  }
  return new MerkleTree(txLeaves(block.txs, block.postRoots), TX_TREE_DEPTH).proof(txIndex).map(bytesToHex);
}
