/**
 * Data availability at the root (docs/FRAUD.md §9): a committed block's transactions published on L1 as the calldata
 * of `PlasmaDataAvailability.publishBlockData`, one chunk (an aligned subtree of DATA_CHUNK_SIZE leaves of the block's
 * transaction tree) per call, in order; the encoders of the module's calls; the decoder of a `publishBlockData`
 * transaction's input; and the reassembly of a block from its published chunks (what a watcher verifies when no node
 * serves the block).
 */
import { WORD, decodeWords, type StaticAbiType } from './abi.js';
import { bytesToHex, hexToBytes } from './bytes.js';
import { encodeBlockTx, exitTreeLeaf, hashHeader, txExitIndexes, txLeaf } from './encoding.js';
import { PlasmaError } from './errors.js';
import { bytes32Enc, bytesEnc, callData, dynamicArrayEnc, headerEnc, selectorOf, tupleEnc, uintEnc, type Enc } from './abiEncoder.js';
import { ZERO_HEADER, exitOfTx } from './fraud.js';
import { MerkleTree, computeMerkleRoot, zeroHashes } from './merkle.js';
import { EXIT_TREE_DEPTH, MAX_TXS_PER_BLOCK, TX_TREE_DEPTH, type Block, type BlockTx, type ChainId, type ExitTreeLeaf, type Header, type Hex } from './types.js';

/** A chunk is the aligned subtree of 2^DATA_CHUNK_LEVEL leaves (PlasmaDataAvailability.CHUNK_LEVEL). */
export const DATA_CHUNK_LEVEL = 6;
/** Transactions per chunk (PlasmaDataAvailability.CHUNK_SIZE). */
export const DATA_CHUNK_SIZE = 2 ** DATA_CHUNK_LEVEL;
/** Chunks of a full transaction tree (PlasmaDataAvailability.CHUNK_COUNT). */
export const DATA_CHUNK_COUNT = 2 ** (TX_TREE_DEPTH - DATA_CHUNK_LEVEL);
/** Siblings from a chunk's subtree root up to the transaction root. */
export const DATA_CHUNK_PROOF_LENGTH = TX_TREE_DEPTH - DATA_CHUNK_LEVEL;
/** An exit chunk is the aligned subtree of 2^EXIT_DATA_CHUNK_LEVEL leaves of the exit tree (EXIT_CHUNK_LEVEL). */
export const EXIT_DATA_CHUNK_LEVEL = 8;
/** Exit leaves per exit chunk (PlasmaDataAvailability.EXIT_CHUNK_SIZE). */
export const EXIT_DATA_CHUNK_SIZE = 2 ** EXIT_DATA_CHUNK_LEVEL;
/** Exit chunks of a full exit tree (PlasmaDataAvailability.EXIT_CHUNK_COUNT). */
export const EXIT_DATA_CHUNK_COUNT = 2 ** (EXIT_TREE_DEPTH - EXIT_DATA_CHUNK_LEVEL);
/** Siblings from an exit chunk's subtree root up to the exit root. */
export const EXIT_DATA_CHUNK_PROOF_LENGTH = EXIT_TREE_DEPTH - EXIT_DATA_CHUNK_LEVEL;
/** What a data-availability challenge takes (PlasmaDataAvailability.DATA_CHALLENGE_BOND): 0.2 ether. */
export const DATA_CHALLENGE_BOND = 2n * 10n ** 17n;

// ---- the size rule of block data (docs/LEDGER-PROOFS.md "A size rule for block data") ---------------------------

/**
 * A tx's size is its encoding in a publication call (`publishBlockData`'s PublishedTx[] argument, what
 * `encodePublishBlockDataCall` writes for it): the array's offset word, the tuple's head (the 11 BlockTx words, the
 * data's offset, postStateRoot, exitIndex: 14 words), the data's length word, then the data zero-padded to whole
 * words. Only `data` varies: publicationSize(tx) = PUBLISHED_TX_FIXED_BYTES + ceil(data.length / 32) * 32.
 */
export const PUBLISHED_TX_FIXED_BYTES = 16 * 32;
/** M: the most bytes a tx may take in a publication call, at every depth (a form rule: a bigger tx is MALFORMED_TX). */
export const MAX_TX_PUBLICATION_BYTES = 64 * 1024;
/**
 * The bound of M on `data` alone (the other words are fixed): 65,536 − 512 = 65,024 bytes, a multiple of 32, so
 * `data.length <= MAX_TX_DATA_BYTES` is exactly `publicationSize(tx) <= MAX_TX_PUBLICATION_BYTES`
 * (PlasmaFraudVerifier.MAX_TX_DATA_BYTES, isMalformed).
 */
export const MAX_TX_DATA_BYTES = MAX_TX_PUBLICATION_BYTES - PUBLISHED_TX_FIXED_BYTES;
/** B(1): the most bytes of txs in one chunk of a child of the root (one L1 transaction carries the call). */
export const ROOT_CHILD_CHUNK_BYTES = 120 * 1024;
/**
 * O: what wrapping a chunk in a CHILD_DATA_CALL (kind 15) on the parent chain adds, exactly. The call's fixed part is
 * 804 bytes (selector, chainId, header, windowEnd, chunk, two offsets, the txs' count, the proof's 10 siblings and its
 * length: PUBLICATION_CALL_FIXED_BYTES), the kind-15 data's `abi.encode(bytes32 child, bytes call)` adds 96 and pads
 * the call to 832, and the tx itself PUBLISHED_TX_FIXED_BYTES: 1,440 bytes. Exact, so a chunk of depth d + 1 at its
 * budget wraps to exactly B(d) (d ≥ 2), and one byte over it wraps to a tx its parent's producer refuses (TX_TOO_LARGE).
 */
export const CHUNK_WRAPPING_BYTES = 1_440;
/** The bytes of a `publishBlockData` call besides its txs' encodings (the proof has DATA_CHUNK_PROOF_LENGTH siblings). */
export const PUBLICATION_CALL_FIXED_BYTES = 4 + 13 * 32 + 32 + 32 + DATA_CHUNK_PROOF_LENGTH * 32;
/** The deepest chain the rule leaves a budget of at least CHUNK_WRAPPING_BYTES to: B(45) = 2,176 (B(46) would be 736). */
export const MAX_CHAIN_DEPTH = Math.floor((MAX_TX_PUBLICATION_BYTES - CHUNK_WRAPPING_BYTES) / CHUNK_WRAPPING_BYTES) + 1;

/** The bytes `tx` takes in a publication call (PUBLISHED_TX_FIXED_BYTES + its data padded to whole words). */
export function publicationSize(tx: Pick<BlockTx, 'data'>): number {
  // Not hex at all: the fixed part only (the form check refuses the tx anyway, MALFORMED_TX).
  const bytes = typeof tx.data === 'string' ? Math.max(0, tx.data.length - 2) / 2 : 0;
  return PUBLISHED_TX_FIXED_BYTES + Math.ceil(bytes / 32) * 32;
}

/**
 * B(d): the most bytes of txs (the sum of their publicationSize) one chunk of a chain at depth `depth` may hold: a
 * child of the root (depth 1) ROOT_CHILD_CHUNK_BYTES, deeper M − (d − 1) · O, so that a chunk of depth d + 1 wrapped in
 * a CHILD_DATA_CALL (≤ B(d + 1) + O = B(d) ≤ M) is one tx of depth d that fits a chunk of its own.
 */
export function chunkByteBudget(depth: number): number {
  if (!Number.isInteger(depth) || depth < 1 || depth > MAX_CHAIN_DEPTH) {
    throw new PlasmaError('INVALID_DEPTH', `a chain's depth is an integer in 1..${MAX_CHAIN_DEPTH}, got ${String(depth)}`, {
      hint: 'a child of the root is depth 1, a child of a chain one deeper than its parent',
      data: { depth: String(depth) },
    });
  }
  return depth === 1 ? ROOT_CHILD_CHUNK_BYTES : MAX_TX_PUBLICATION_BYTES - (depth - 1) * CHUNK_WRAPPING_BYTES;
}

/** The size of each chunk of a block holding `txs` (the sum of its txs' publicationSize; a trailing empty chunk not listed). */
export function chunkSizes(txs: readonly Pick<BlockTx, 'data'>[]): number[] {
  const sizes: number[] = [];
  txs.forEach((tx, i) => {
    const chunk = Math.floor(i / DATA_CHUNK_SIZE);
    sizes[chunk] = (sizes[chunk] ?? 0) + publicationSize(tx);
  });
  return sizes;
}

/** PlasmaDataAvailability's challenge status (challengeOf). */
export enum DataChallengeStatus {
  None = 0,
  /** Waiting for the data until its deadline. */
  Open = 1,
  /** The data was published in time; the bond went to the publisher. */
  Answered = 2,
  /** Unanswered: resolveDataChallenge had the root convict the block. */
  Convicted = 3,
  /** Unanswered and unresolved until it could no longer be (reclaimChallengeBond gave the bond back). */
  Lapsed = 4,
}

/** Why a publication cannot be read or does not belong to the block (`code` of the PlasmaError). */
export type DataAvailabilityErrorCode =
  /** The input is not a `publishBlockData` call the module could have accepted (selector, ABI, bounds). */
  | 'MALFORMED_DATA_PUBLICATION'
  /** The chunks do not hash to the block's transaction root, or are not 0..k with only the last one short. */
  | 'DATA_MISMATCH';

function daError(code: DataAvailabilityErrorCode, message: string, hint: string, data: Record<string, unknown> = {}): PlasmaError<DataAvailabilityErrorCode> {
  return new PlasmaError(code, message, { hint, data });
}

/** One transaction as published: exactly the preimage of its transaction-tree leaf (`data` is `tx.data`). */
export interface PublishedTx {
  tx: BlockTx;
  postStateRoot: Hex;
  /** Exit-tree leaves made by the block's transactions before this one (the leaf's exitIndex word). */
  exitIndex: number;
}

/** What one `publishBlockData` call carries for a block. */
export interface BlockDataChunk {
  chunk: number;
  /** At most DATA_CHUNK_SIZE; fewer only in the last chunk. */
  txs: PublishedTx[];
  /** DATA_CHUNK_PROOF_LENGTH siblings of the chunk's subtree root, upward. */
  proof: Hex[];
  /** Whether this chunk ends the block (it is not full, or it is chunk DATA_CHUNK_COUNT - 1). */
  complete: boolean;
}

/** How many chunks publish a block of `txCount` transactions (a block of k * DATA_CHUNK_SIZE ends with an empty one). */
export function dataChunkCount(txCount: number): number {
  return txCount >= MAX_TXS_PER_BLOCK ? DATA_CHUNK_COUNT : Math.floor(txCount / DATA_CHUNK_SIZE) + 1;
}

/**
 * The chunks that publish `block`'s transactions, in the order publishBlockData takes them. DATA_MISMATCH if the
 * transactions do not hash to the header's txRoot (the module would refuse every chunk).
 */
export function blockDataChunks(block: Pick<Block, 'header' | 'txs' | 'postRoots'>): BlockDataChunk[] {
  const exitIndexes = txExitIndexes(block.txs);
  const published: PublishedTx[] = block.txs.map((tx, i) => ({ tx, postStateRoot: block.postRoots[i].toLowerCase() as Hex, exitIndex: exitIndexes[i] }));
  const tree = new MerkleTree(published.map(leafOf), TX_TREE_DEPTH);
  if (bytesToHex(tree.root) !== block.header.txRoot.toLowerCase()) {
    throw daError('DATA_MISMATCH', `block ${block.header.number}'s transactions hash to ${bytesToHex(tree.root)}, its header says ${block.header.txRoot}`, 'publish the block as it was committed', { number: String(block.header.number) });
  }
  const count = dataChunkCount(block.txs.length);
  return Array.from({ length: count }, (_, chunk) => {
    const txs = published.slice(chunk * DATA_CHUNK_SIZE, (chunk + 1) * DATA_CHUNK_SIZE);
    // The siblings of the chunk's subtree root are the upper levels of any of its leaves' proof.
    const proof = tree.proof(chunk * DATA_CHUNK_SIZE).slice(DATA_CHUNK_LEVEL).map(bytesToHex);
    return { chunk, txs, proof, complete: chunk === count - 1 };
  });
}

/** The transaction-tree leaf of a published transaction (the module's `_leaf`). */
function leafOf(p: PublishedTx): Uint8Array {
  return txLeaf(p.tx, p.postStateRoot, p.exitIndex);
}

/** Root of a chunk's subtree (height DATA_CHUNK_LEVEL): its leaves, then empty ones. */
export function chunkRoot(txs: readonly PublishedTx[]): Uint8Array {
  if (txs.length > DATA_CHUNK_SIZE) throw daError('DATA_MISMATCH', `a chunk holds at most ${DATA_CHUNK_SIZE} transactions, got ${txs.length}`, 'split the block with blockDataChunks');
  return new MerkleTree(txs.map(leafOf), DATA_CHUNK_LEVEL).root;
}

/**
 * Whether `chunk` is chunk `chunk.chunk` of the transaction tree with root `txRoot` (the module's checks: its root and
 * proof give txRoot; a last chunk leaves only empty subtrees after it).
 */
export function verifyDataChunk(chunk: Pick<BlockDataChunk, 'chunk' | 'txs' | 'proof'>, txRoot: Hex): boolean {
  if (chunk.txs.length > DATA_CHUNK_SIZE || chunk.proof.length !== DATA_CHUNK_PROOF_LENGTH) return false;
  if (!Number.isInteger(chunk.chunk) || chunk.chunk < 0 || chunk.chunk >= DATA_CHUNK_COUNT) return false;
  if (bytesToHex(computeMerkleRoot(chunkRoot(chunk.txs), chunk.chunk, chunk.proof)) !== txRoot.toLowerCase()) return false;
  const last = chunk.txs.length < DATA_CHUNK_SIZE || chunk.chunk === DATA_CHUNK_COUNT - 1;
  if (!last) return true;
  const zeros = zeroHashes(TX_TREE_DEPTH);
  return chunk.proof.every((sibling, level) => ((chunk.chunk >> level) & 1) === 1 || sibling.toLowerCase() === bytesToHex(zeros[DATA_CHUNK_LEVEL + level]));
}

/**
 * The block whose header is `header`, rebuilt from its published chunks (0, 1, …, the last one complete): its
 * transactions and post-state roots as published, its exit leaves derived from the transactions (a WITHDRAW's exit, an
 * up EDGE_SEND's event), for verifyBlock to re-execute like a block served by a node. DATA_MISMATCH unless the chunks
 * are the whole transaction tree of `header`.
 */
export function blockFromPublishedData(header: Header, chunks: readonly Pick<BlockDataChunk, 'chunk' | 'txs' | 'proof'>[]): Block {
  const sorted = [...chunks].sort((a, b) => a.chunk - b.chunk);
  const txs: BlockTx[] = [];
  const postRoots: Hex[] = [];
  sorted.forEach((c, i) => {
    const where = { number: String(header.number), chunk: c.chunk };
    if (c.chunk !== i) throw daError('DATA_MISMATCH', `block ${header.number}: chunk ${i} is missing (found ${c.chunk})`, 'gather every BlockDataPublished of the block', where);
    if (!verifyDataChunk(c, header.txRoot)) throw daError('DATA_MISMATCH', `block ${header.number}: chunk ${c.chunk} is not a chunk of its transaction tree`, 'read the chunks of this commitment only', where);
    const last = c.txs.length < DATA_CHUNK_SIZE || c.chunk === DATA_CHUNK_COUNT - 1;
    if (last !== (i === sorted.length - 1)) {
      throw daError('DATA_MISMATCH', `block ${header.number}: chunk ${c.chunk} ${last ? 'ends the block but more follow' : 'is full but nothing follows it'}`, 'wait until the publication is complete (isPublished)', where);
    }
    for (const p of c.txs) {
      txs.push(p.tx);
      postRoots.push(p.postStateRoot);
    }
  });
  if (sorted.length === 0) throw daError('DATA_MISMATCH', `block ${header.number}: no chunk`, 'wait until the publication is complete (isPublished)', { number: String(header.number) });
  return { header, hash: hashHeader(header), txs, postRoots, exits: exitsOfTxs(header.chainId, txs) };
}

/**
 * The exit-tree leaves `txs` make, read from their words (makesExit): what the STF appends for transactions it accepts.
 * An up EDGE_SEND whose data does not decode makes none here (the STF refuses it: verifyBlock says so).
 */
export function exitsOfTxs(chainId: ChainId, txs: readonly BlockTx[]): ExitTreeLeaf[] {
  const out: ExitTreeLeaf[] = [];
  for (const tx of txs) {
    try {
      const exit = exitOfTx(tx, chainId);
      if (exit !== undefined) out.push(exit);
    } catch {
      /* refused by the STF */
    }
  }
  return out;
}

// ---- the exit tree ------------------------------------------------------------------------------------------------

/**
 * What one `publishExitData` call carries: leaves `chunk * EXIT_DATA_CHUNK_SIZE ..` of the block's exit tree (32-byte
 * leaf hashes), the siblings of the chunk's subtree root up to `exitRoot`, and whether it ends the tree. The exit tree
 * is published beside the transactions because a header may commit to an exit no transaction made: proveInvalidExits
 * needs the leaves of the tree the header commits to, not the ones the transactions imply (docs/FRAUD.md §9).
 */
export interface ExitDataChunk {
  chunk: number;
  leaves: Hex[];
  proof: Hex[];
  complete: boolean;
}

/** How many exit chunks publish an exit tree of `leafCount` leaves. */
export function exitDataChunkCount(leafCount: number): number {
  return leafCount >= 2 ** EXIT_TREE_DEPTH ? EXIT_DATA_CHUNK_COUNT : Math.floor(leafCount / EXIT_DATA_CHUNK_SIZE) + 1;
}

/** The chunks that publish `block`'s exit tree (its `exits`, which must hash to the header's exitRoot: DATA_MISMATCH). */
export function blockExitChunks(block: Pick<Block, 'header' | 'exits'>): ExitDataChunk[] {
  const leaves = block.exits.map(exitTreeLeaf);
  const tree = new MerkleTree(leaves, EXIT_TREE_DEPTH);
  if (bytesToHex(tree.root) !== block.header.exitRoot.toLowerCase()) {
    throw daError('DATA_MISMATCH', `block ${block.header.number}'s exit leaves hash to ${bytesToHex(tree.root)}, its header says ${block.header.exitRoot}`, 'publish the exit tree the block was committed with', { number: String(block.header.number) });
  }
  const hex = leaves.map(bytesToHex);
  const count = exitDataChunkCount(hex.length);
  return Array.from({ length: count }, (_, chunk) => ({
    chunk,
    leaves: hex.slice(chunk * EXIT_DATA_CHUNK_SIZE, (chunk + 1) * EXIT_DATA_CHUNK_SIZE),
    proof: tree.proof(chunk * EXIT_DATA_CHUNK_SIZE).slice(EXIT_DATA_CHUNK_LEVEL).map(bytesToHex),
    complete: chunk === count - 1,
  }));
}

/** The module's checks of an exit chunk: its root and proof give `exitRoot`; a last chunk leaves only empty subtrees after it. */
export function verifyExitChunk(chunk: Pick<ExitDataChunk, 'chunk' | 'leaves' | 'proof'>, exitRoot: Hex): boolean {
  if (chunk.leaves.length > EXIT_DATA_CHUNK_SIZE || chunk.proof.length !== EXIT_DATA_CHUNK_PROOF_LENGTH) return false;
  if (!Number.isInteger(chunk.chunk) || chunk.chunk < 0 || chunk.chunk >= EXIT_DATA_CHUNK_COUNT) return false;
  const root = new MerkleTree(chunk.leaves.map((l) => hexToBytes(l, 32)), EXIT_DATA_CHUNK_LEVEL).root;
  if (bytesToHex(computeMerkleRoot(root, chunk.chunk, chunk.proof)) !== exitRoot.toLowerCase()) return false;
  const last = chunk.leaves.length < EXIT_DATA_CHUNK_SIZE || chunk.chunk === EXIT_DATA_CHUNK_COUNT - 1;
  if (!last) return true;
  const zeros = zeroHashes(EXIT_TREE_DEPTH);
  return chunk.proof.every((sibling, level) => ((chunk.chunk >> level) & 1) === 1 || sibling.toLowerCase() === bytesToHex(zeros[EXIT_DATA_CHUNK_LEVEL + level]));
}

/**
 * The leaves of `header`'s exit tree from its published exit chunks (0..k, only the last one short, each proven
 * against exitRoot, else DATA_MISMATCH): what findFraud's `exitLeaves` takes to prove an exit tree wrong.
 */
export function exitLeavesFromPublishedData(header: Header, chunks: readonly Pick<ExitDataChunk, 'chunk' | 'leaves' | 'proof'>[]): Hex[] {
  const sorted = [...chunks].sort((a, b) => a.chunk - b.chunk);
  if (sorted.length === 0) throw daError('DATA_MISMATCH', `block ${header.number}: no exit chunk`, 'wait until the publication is complete (isPublished)', { number: String(header.number) });
  const out: Hex[] = [];
  sorted.forEach((c, i) => {
    const where = { number: String(header.number), chunk: c.chunk };
    if (c.chunk !== i) throw daError('DATA_MISMATCH', `block ${header.number}: exit chunk ${i} is missing (found ${c.chunk})`, 'gather every ExitDataPublished of the block', where);
    if (!verifyExitChunk(c, header.exitRoot)) throw daError('DATA_MISMATCH', `block ${header.number}: exit chunk ${c.chunk} is not a chunk of its exit tree`, 'read the chunks of this commitment only', where);
    const last = c.leaves.length < EXIT_DATA_CHUNK_SIZE || c.chunk === EXIT_DATA_CHUNK_COUNT - 1;
    if (last !== (i === sorted.length - 1)) throw daError('DATA_MISMATCH', `block ${header.number}: exit chunk ${c.chunk} ${last ? 'ends the tree but more follow' : 'is full but nothing follows it'}`, 'wait until the publication is complete', where);
    out.push(...c.leaves.map((l) => l.toLowerCase() as Hex));
  });
  return out;
}

// ---- ABI ----------------------------------------------------------------------------------------------------------

const HEADER_T = '(bytes32,uint64,bytes32,bytes32,bytes32,bytes32,uint64,uint64)';
const PUBLISHED_TX_T = '((uint8,uint32,uint32,address,address,address,uint256,uint64,bytes32,bytes32,uint8),bytes,bytes32,uint64)';

/** The Solidity signatures of PlasmaDataAvailability's calls. */
export const DATA_AVAILABILITY_SIGNATURES = Object.freeze({
  challengeData: `challengeData(bytes32,${HEADER_T},uint64)`,
  publishBlockData: `publishBlockData(bytes32,${HEADER_T},uint64,uint256,${PUBLISHED_TX_T}[],bytes32[])`,
  resolveDataChallenge: `resolveDataChallenge(bytes32,${HEADER_T},uint64,${HEADER_T},uint64)`,
  reclaimChallengeBond: `reclaimChallengeBond(bytes32,${HEADER_T},uint64)`,
  publishExitData: `publishExitData(bytes32,${HEADER_T},uint64,uint256,bytes32[],bytes32[])`,
});

const PUBLISH_SELECTOR = bytesToHex(selectorOf(DATA_AVAILABILITY_SIGNATURES.publishBlockData));
const PUBLISH_EXITS_SELECTOR = bytesToHex(selectorOf(DATA_AVAILABILITY_SIGNATURES.publishExitData));

/** `publishExitData(chainId, header, windowEnd, chunk, leaves, proof)` of one exit chunk (blockExitChunks). */
export function encodePublishExitDataCall(chainId: ChainId, header: Header, windowEnd: bigint | number, chunk: Pick<ExitDataChunk, 'chunk' | 'leaves' | 'proof'>): Hex {
  return publicationCall(DATA_AVAILABILITY_SIGNATURES.publishExitData, chainId, header, windowEnd, chunk.chunk, chunk.leaves.map(bytes32Enc), chunk.proof);
}

/** `(chainId, header, windowEnd, chunk, items[], proof)`: the arguments of both publication calls. */
function publicationCall(signature: string, chainId: ChainId, header: Header, windowEnd: bigint | number, chunk: number, items: Enc[], proof: readonly Hex[]): Hex {
  return callData(signature, [bytes32Enc(chainId), headerEnc(header), uintEnc(windowEnd, 64), uintEnc(chunk, 256), dynamicArrayEnc(items), dynamicArrayEnc(proof.map(bytes32Enc))]);
}

export interface DecodedExitPublication extends Pick<ExitDataChunk, 'chunk' | 'leaves' | 'proof'> {
  chainId: ChainId;
  header: Header;
  windowEnd: bigint;
}

/** Inverse of encodePublishExitDataCall on a transaction's input (MALFORMED_DATA_PUBLICATION otherwise). */
export function decodePublishExitDataCall(input: Hex): DecodedExitPublication {
  const args = callArgs(input, PUBLISH_EXITS_SELECTOR, 'publishExitData');
  try {
    const r = new Reader(args);
    const [chainId] = r.words(['bytes32'], 0) as [Hex];
    const header = r.header(WORD);
    const [windowEnd, chunk] = r.words(['uint64', 'uint256'], 9 * WORD) as [bigint, bigint];
    if (chunk >= BigInt(EXIT_DATA_CHUNK_COUNT)) throw new Error(`exit chunk ${chunk} out of range`);
    const words = (at: number, max: number): Hex[] => {
      const length = r.length(at);
      if (length > max) throw new Error(`${length} words`);
      return Array.from({ length }, (_, i) => r.words(['bytes32'], at + WORD + i * WORD)[0] as Hex);
    };
    const leaves = words(r.offset(0, 11 * WORD), EXIT_DATA_CHUNK_SIZE);
    const proof = words(r.offset(0, 12 * WORD), EXIT_TREE_DEPTH);
    return { chainId, header, windowEnd, chunk: Number(chunk), leaves, proof };
  } catch (e) {
    throw malformed((e as Error).message, e);
  }
}

const publishedTxEnc = (p: PublishedTx): Enc =>
  tupleEnc([{ dynamic: false, bytes: encodeBlockTx(p.tx) }, bytesEnc(p.tx.data), bytes32Enc(p.postStateRoot), uintEnc(p.exitIndex, 64)]);


/** `challengeData(chainId, header, windowEnd)` (send DATA_CHALLENGE_BOND with it). */
export function encodeChallengeDataCall(chainId: ChainId, header: Header, windowEnd: bigint | number): Hex {
  return callData(DATA_AVAILABILITY_SIGNATURES.challengeData, [bytes32Enc(chainId), headerEnc(header), uintEnc(windowEnd, 64)]);
}

/** `publishBlockData(chainId, header, windowEnd, chunk, txs, proof)` of one chunk (blockDataChunks). */
export function encodePublishBlockDataCall(chainId: ChainId, header: Header, windowEnd: bigint | number, chunk: Pick<BlockDataChunk, 'chunk' | 'txs' | 'proof'>): Hex {
  return publicationCall(DATA_AVAILABILITY_SIGNATURES.publishBlockData, chainId, header, windowEnd, chunk.chunk, chunk.txs.map(publishedTxEnc), chunk.proof);
}

/** `resolveDataChallenge(chainId, header, windowEnd, prev, prevWindowEnd)`; `prev` null (block 1): the all-zero header and 0. */
export function encodeResolveDataChallengeCall(chainId: ChainId, header: Header, windowEnd: bigint | number, prev: Header | null, prevWindowEnd: bigint | number): Hex {
  return callData(DATA_AVAILABILITY_SIGNATURES.resolveDataChallenge, [
    bytes32Enc(chainId),
    headerEnc(header),
    uintEnc(windowEnd, 64),
    headerEnc(prev ?? ZERO_HEADER),
    uintEnc(prev === null ? 0 : prevWindowEnd, 64),
  ]);
}

/** `reclaimChallengeBond(chainId, header, windowEnd)`. */
export function encodeReclaimChallengeBondCall(chainId: ChainId, header: Header, windowEnd: bigint | number): Hex {
  return callData(DATA_AVAILABILITY_SIGNATURES.reclaimChallengeBond, [bytes32Enc(chainId), headerEnc(header), uintEnc(windowEnd, 64)]);
}

/** A `publishBlockData` call as decoded from a transaction's input. */
export interface DecodedPublication extends Pick<BlockDataChunk, 'chunk' | 'txs' | 'proof'> {
  chainId: ChainId;
  header: Header;
  windowEnd: bigint;
}

const BLOCK_TX_WORDS: readonly StaticAbiType[] = ['uint8', 'uint32', 'uint32', 'address', 'address', 'address', 'uint256', 'uint64', 'bytes32', 'bytes32', 'uint8'];
const HEADER_WORDS: readonly StaticAbiType[] = ['bytes32', 'uint64', 'bytes32', 'bytes32', 'bytes32', 'bytes32', 'uint64', 'uint64'];

/**
 * Decodes the input of a transaction that called `publishBlockData` directly (as Solidity's decoder reads it: offsets
 * followed, bounds and word ranges checked). MALFORMED_DATA_PUBLICATION for anything else. The chunk is not checked
 * against its header here: blockFromPublishedData (or verifyDataChunk) does that.
 */
export function decodePublishBlockDataCall(input: Hex): DecodedPublication {
  const args = callArgs(input, PUBLISH_SELECTOR, 'publishBlockData');
  try {
    const r = new Reader(args);
    const [chainId] = r.words(['bytes32'], 0) as [Hex];
    const header = r.header(WORD);
    const [windowEnd, chunk] = r.words(['uint64', 'uint256'], 9 * WORD) as [bigint, bigint];
    if (chunk >= BigInt(DATA_CHUNK_COUNT)) throw new Error(`chunk ${chunk} out of range`);
    const txsAt = r.offset(0, 11 * WORD);
    const count = r.length(txsAt);
    if (count > DATA_CHUNK_SIZE) throw new Error(`${count} transactions in a chunk`);
    const txs: PublishedTx[] = [];
    for (let i = 0; i < count; i++) {
      const base = txsAt + WORD;
      const at = r.offset(base, base + i * WORD);
      const w = r.words(BLOCK_TX_WORDS, at);
      const [kind, slot, toSlot, from, to, token, amount, nonce, rr, s, v] = w;
      const data = r.bytes(r.offset(at, at + 11 * WORD));
      const postStateRoot = r.words(['bytes32'], at + 12 * WORD)[0] as Hex;
      const [exitIndex] = r.words(['uint64'], at + 13 * WORD) as [bigint];
      if (exitIndex > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error('exitIndex');
      const tx = { kind: Number(kind), slot: Number(slot), toSlot: Number(toSlot), from, to, token, amount, nonce, r: rr, s, v: Number(v), data } as BlockTx;
      txs.push({ tx, postStateRoot, exitIndex: Number(exitIndex) });
    }
    const proofAt = r.offset(0, 12 * WORD);
    const length = r.length(proofAt);
    if (length > TX_TREE_DEPTH) throw new Error(`${length} siblings`);
    const proof = Array.from({ length }, (_, i) => r.words(['bytes32'], proofAt + WORD + i * WORD)[0] as Hex);
    return { chainId, header, windowEnd, chunk: Number(chunk), txs, proof };
  } catch (e) {
    throw malformed((e as Error).message, e);
  }
}

/** The arguments of a call of `name` (its selector checked), or MALFORMED_DATA_PUBLICATION. */
function callArgs(input: Hex, selector: Hex, name: string): Uint8Array {
  let bytes: Uint8Array;
  try {
    bytes = hexToBytes(input);
  } catch (e) {
    throw malformed('not hex', e);
  }
  if (bytes.length < 4 || bytesToHex(bytes.subarray(0, 4)) !== selector) throw malformed(`not a ${name} call`);
  return bytes.subarray(4);
}

function malformed(why: string, cause?: unknown): PlasmaError {
  return new PlasmaError('MALFORMED_DATA_PUBLICATION', `the transaction's input is not a publication of the module (${why})`, {
    hint: 'read the input of the transaction that emitted BlockDataPublished or ExitDataPublished; a publication made through another contract is not in its input',
    cause,
  });
}

/** A bounds-checked reader of one ABI blob (offsets relative to the tuple or array that holds them). */
class Reader {
  constructor(private readonly b: Uint8Array) {}

  private slice(at: number, length: number): Uint8Array {
    if (!Number.isSafeInteger(at) || at < 0 || length < 0 || at + length > this.b.length) throw new Error('out of bounds');
    return this.b.subarray(at, at + length);
  }

  words(types: readonly StaticAbiType[], at: number) {
    return decodeWords(types, this.slice(at, types.length * WORD));
  }

  uint(at: number): bigint {
    return BigInt(bytesToHex(this.slice(at, WORD)));
  }

  offset(base: number, at: number): number {
    const offset = this.uint(at);
    if (offset > BigInt(this.b.length)) throw new Error('offset out of bounds');
    return base + Number(offset);
  }

  length(at: number): number {
    const length = this.uint(at);
    if (length > BigInt(this.b.length)) throw new Error('length out of bounds');
    return Number(length);
  }

  bytes(at: number): Hex {
    return bytesToHex(this.slice(at + WORD, this.length(at)));
  }

  header(at: number): Header {
    const [chainId, number, parentHash, txRoot, stateRoot, exitRoot, depositNonce, timestamp] = this.words(HEADER_WORDS, at);
    return { chainId, number, parentHash, txRoot, stateRoot, exitRoot, depositNonce, timestamp } as Header;
  }
}

// ---- the module's calls run by a chain's own ledger (CHILD_DATA_CALL, docs/FRAUD.md §9b) ----------------------

/** A PlasmaDataAvailability call that a chain parent's ledger runs for one of its children (CHILD_DATA_CALL). */
export type DataAvailabilityCall =
  | ({ method: 'publishBlockData' } & DecodedPublication)
  | ({ method: 'publishExitData' } & DecodedExitPublication)
  | { method: 'resolveDataChallenge'; chainId: ChainId; header: Header; windowEnd: bigint; prev: Header; prevWindowEnd: bigint }
  | { method: 'reclaimChallengeBond'; chainId: ChainId; header: Header; windowEnd: bigint };

const RESOLVE_SELECTOR = bytesToHex(selectorOf(DATA_AVAILABILITY_SIGNATURES.resolveDataChallenge));
const RECLAIM_SELECTOR = bytesToHex(selectorOf(DATA_AVAILABILITY_SIGNATURES.reclaimChallengeBond));

/**
 * The call `input` makes, strictly: one of the four calls a chain's ledger runs, in the one canonical encoding its
 * encoder gives (decoded, encoded again, compared), so a CHILD_DATA_CALL has exactly one tx leaf.
 * MALFORMED_DATA_PUBLICATION otherwise (challengeData is a transaction kind of its own, CHALLENGE_CHILD_DATA).
 */
export function decodeDataAvailabilityCall(input: Hex): DataAvailabilityCall {
  const selector = input.slice(0, 10).toLowerCase();
  let call: DataAvailabilityCall;
  let again: Hex;
  if (selector === PUBLISH_SELECTOR) {
    const d = decodePublishBlockDataCall(input);
    call = { method: 'publishBlockData', ...d };
    again = encodePublishBlockDataCall(d.chainId, d.header, d.windowEnd, d);
  } else if (selector === PUBLISH_EXITS_SELECTOR) {
    const d = decodePublishExitDataCall(input);
    call = { method: 'publishExitData', ...d };
    again = encodePublishExitDataCall(d.chainId, d.header, d.windowEnd, d);
  } else if (selector === RESOLVE_SELECTOR) {
    const args = callArgs(input, RESOLVE_SELECTOR, 'resolveDataChallenge');
    try {
      const r = new Reader(args);
      const [windowEnd] = r.words(['uint64'], 9 * WORD) as [bigint];
      const [prevWindowEnd] = r.words(['uint64'], 18 * WORD) as [bigint];
      call = { method: 'resolveDataChallenge', chainId: r.words(['bytes32'], 0)[0] as Hex, header: r.header(WORD), windowEnd, prev: r.header(10 * WORD), prevWindowEnd };
    } catch (e) {
      throw malformed((e as Error).message, e);
    }
    again = callData(DATA_AVAILABILITY_SIGNATURES.resolveDataChallenge, [
      bytes32Enc(call.chainId), headerEnc(call.header), uintEnc(call.windowEnd, 64), headerEnc(call.prev), uintEnc(call.prevWindowEnd, 64),
    ]);
  } else if (selector === RECLAIM_SELECTOR) {
    const args = callArgs(input, RECLAIM_SELECTOR, 'reclaimChallengeBond');
    try {
      const r = new Reader(args);
      const [windowEnd] = r.words(['uint64'], 9 * WORD) as [bigint];
      call = { method: 'reclaimChallengeBond', chainId: r.words(['bytes32'], 0)[0] as Hex, header: r.header(WORD), windowEnd };
    } catch (e) {
      throw malformed((e as Error).message, e);
    }
    again = encodeReclaimChallengeBondCall(call.chainId, call.header, call.windowEnd);
  } else {
    throw malformed('not publishBlockData, publishExitData, resolveDataChallenge or reclaimChallengeBond');
  }
  if (again.toLowerCase() !== input.toLowerCase()) throw malformed('not the canonical encoding of its arguments');
  return call;
}

/** Whether a data chunk's subtree root with its siblings gives `root` (the module's InvalidChunkProof check). */
export function chunkProofHolds(subtreeRoot: Uint8Array, chunk: number, proof: readonly Hex[], root: Hex): boolean {
  return bytesToHex(computeMerkleRoot(subtreeRoot, chunk, proof)) === root.toLowerCase();
}

/** The module's `_emptyAfter`: wherever the chunk's path goes left, the sibling is the empty subtree of its height. */
export function emptyAfterChunk(chunk: number, proof: readonly Hex[], chunkLevel: number, depth: number): boolean {
  const zeros = zeroHashes(depth);
  return proof.every((sibling, level) => ((chunk >> level) & 1) === 1 || sibling.toLowerCase() === bytesToHex(zeros[chunkLevel + level]));
}

/** Root of an exit chunk's subtree (height EXIT_DATA_CHUNK_LEVEL): its leaves, then empty ones. */
export function exitChunkRoot(leaves: readonly Hex[]): Uint8Array {
  return new MerkleTree(leaves.map((l) => hexToBytes(l, 32)), EXIT_DATA_CHUNK_LEVEL).root;
}
