/**
 * The SPEC's encodings, each `abi.encode` of static words, and their keccak hashes. `hashX` returns the 0x-hex
 * identifier; `xLeaf` returns the same hash as bytes for the Merkle trees (no hex on the hot path).
 */
import { WORD, writeAddressWord, writeBytes32Word, writeUintWord } from './abi.js';
import { bytesToHex, hexToBytes, isHex, wordToBigint } from './bytes.js';
import { PlasmaError } from './errors.js';
import { keccak256, keccakHasher, type Hasher } from './hash.js';
import { isEdgeUpEvent, type Account, type Address, type BlockTx, type ChainId, type Deposit, type Exit, type ExitTreeLeaf, type Header, type Hex } from './types.js';

export const HEADER_BYTES = 8 * WORD;
export const BLOCK_TX_BYTES = 11 * WORD;

// Scratch buffers: encodings that are hashed straight away reuse one buffer (JS is single-threaded per isolate).
const accountScratch = new Uint8Array(4 * WORD);
const exitScratch = new Uint8Array(3 * WORD);
const txLeafScratch = new Uint8Array(BLOCK_TX_BYTES + 3 * WORD);

/** `abi.encode(bytes32 chainId, uint64 number, bytes32 parentHash, bytes32 txRoot, bytes32 stateRoot, bytes32 exitRoot, uint64 depositNonce, uint64 timestamp)` */
export function encodeHeader(header: Header): Uint8Array {
  const out = new Uint8Array(HEADER_BYTES);
  writeBytes32Word(out, 0, header.chainId);
  writeUintWord(out, 32, header.number, 64);
  writeBytes32Word(out, 64, header.parentHash);
  writeBytes32Word(out, 96, header.txRoot);
  writeBytes32Word(out, 128, header.stateRoot);
  writeBytes32Word(out, 160, header.exitRoot);
  writeUintWord(out, 192, header.depositNonce, 64);
  writeUintWord(out, 224, header.timestamp, 64);
  return out;
}

/** The block hash. */
export function hashHeader(header: Header): Hex {
  return bytesToHex(keccak256(encodeHeader(header)));
}

/** `keccak256(abi.encode(address owner, address token, uint256 balance, uint64 nonce))` as bytes. */
export function accountLeaf(account: Account, hasher: Hasher = keccakHasher): Uint8Array {
  writeAddressWord(accountScratch, 0, account.owner);
  writeAddressWord(accountScratch, 32, account.token);
  writeUintWord(accountScratch, 64, account.balance, 256);
  writeUintWord(accountScratch, 96, account.nonce, 64);
  return hasher.hash(accountScratch);
}

export function hashAccount(account: Account): Hex {
  return bytesToHex(accountLeaf(account));
}

/** `abi.encode(bytes32 chainId, uint64 nonce, address from, address to, address token, uint256 amount)` */
export function encodeDeposit(deposit: Deposit): Uint8Array {
  const out = new Uint8Array(6 * WORD);
  writeBytes32Word(out, 0, deposit.chainId);
  writeUintWord(out, 32, deposit.nonce, 64);
  writeAddressWord(out, 64, deposit.from);
  writeAddressWord(out, 96, deposit.to);
  writeAddressWord(out, 128, deposit.token);
  writeUintWord(out, 160, deposit.amount, 256);
  return out;
}

/** The parent's deposit record. */
export function hashDeposit(deposit: Deposit): Hex {
  return bytesToHex(keccak256(encodeDeposit(deposit)));
}

/**
 * A parent stores a down-stream record (a depositHash or an edgeDownRecord) with the time it was recorded in its low
 * RECORD_TIME_BITS bits (PlasmaEncoding.stampRecord, docs/SPEC.md §4): the skipped-deposit rule reads it there.
 */
export const RECORD_TIME_BITS = 40n;
const RECORD_TIME_MASK = (1n << RECORD_TIME_BITS) - 1n;

/** `hash` stamped with `time` (seconds, < 2^40): the record a parent keeps under a down nonce. */
export function stampRecord(hash: Hex, time: bigint): Hex {
  if (time < 0n || time > RECORD_TIME_MASK) throw new RangeError(`record time ${time} is outside 0..2^40-1`);
  return `0x${((BigInt(hash) & ~RECORD_TIME_MASK) | time).toString(16).padStart(64, '0')}` as Hex;
}

/** Whether `record` is `hash` recorded at some time (PlasmaEncoding.recordIs); an all-zero record is nobody's. */
export function recordIs(record: Hex, hash: Hex): boolean {
  return (BigInt(record) ^ BigInt(hash)) >> RECORD_TIME_BITS === 0n;
}

/** The time (seconds) a record was made: its low RECORD_TIME_BITS bits. */
export function recordTime(record: Hex): bigint {
  return BigInt(record) & RECORD_TIME_MASK;
}

/** `keccak256(abi.encode(address recipient, address token, uint256 amount))` as bytes. */
export function exitLeaf(exit: Exit, hasher: Hasher = keccakHasher): Uint8Array {
  writeAddressWord(exitScratch, 0, exit.recipient);
  writeAddressWord(exitScratch, 32, exit.token);
  writeUintWord(exitScratch, 64, exit.amount, 256);
  return hasher.hash(exitScratch);
}

export function hashExit(exit: Exit): Hex {
  return bytesToHex(exitLeaf(exit));
}

function writeBlockTx(out: Uint8Array, tx: BlockTx): void {
  writeUintWord(out, 0, tx.kind, 8);
  writeUintWord(out, 32, tx.slot, 32);
  writeUintWord(out, 64, tx.toSlot, 32);
  writeAddressWord(out, 96, tx.from);
  writeAddressWord(out, 128, tx.to);
  writeAddressWord(out, 160, tx.token);
  writeUintWord(out, 192, tx.amount, 256);
  writeUintWord(out, 224, tx.nonce, 64);
  writeBytes32Word(out, 256, tx.r);
  writeBytes32Word(out, 288, tx.s);
  writeUintWord(out, 320, tx.v, 8);
}

/** The 11 words of a transaction inside a block (its `data` is hashed separately into the leaf). */
export function encodeBlockTx(tx: BlockTx): Uint8Array {
  const out = new Uint8Array(BLOCK_TX_BYTES);
  writeBlockTx(out, tx);
  return out;
}

/** keccak256 of empty bytes: the data hash of kinds 0-2 (no hashing on the transfer hot path). */
export const EMPTY_DATA_HASH: Hex = '0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470';
const EMPTY_DATA_HASH_BYTES = hexToBytes(EMPTY_DATA_HASH, 32);

/** `keccak256(data)` of a transaction's payload, as bytes. */
export function txDataHash(data: Hex): Uint8Array {
  return data === '0x' ? EMPTY_DATA_HASH_BYTES : keccak256(hexToBytes(data));
}

/**
 * `keccak256(abi.encode(<the 11 BlockTx words>, bytes32 keccak256(data), bytes32 postStateRoot, uint256 exitIndex))`
 * as bytes: the transaction tree's leaf (14 words). `exitIndex` is the number of exit-tree leaves the block's earlier
 * transactions made (`txExitIndexes`): the leaf a withdrawal or an up edge call appends, so that an exit tree that is
 * not the transactions' exits is provable on one or two transactions (docs/FRAUD.md §3, InvalidExits).
 */
export function txLeaf(tx: BlockTx, postStateRoot: Hex | Uint8Array, exitIndex: number | bigint, hasher: Hasher = keccakHasher): Uint8Array {
  writeBlockTx(txLeafScratch, tx);
  writeBytes32Word(txLeafScratch, BLOCK_TX_BYTES, txDataHash(tx.data));
  writeBytes32Word(txLeafScratch, BLOCK_TX_BYTES + WORD, postStateRoot);
  writeUintWord(txLeafScratch, BLOCK_TX_BYTES + 2 * WORD, BigInt(exitIndex), 64);
  return hasher.hash(txLeafScratch);
}

export function hashTxLeaf(tx: BlockTx, postStateRoot: Hex | Uint8Array, exitIndex: number | bigint): Hex {
  return bytesToHex(txLeaf(tx, postStateRoot, exitIndex));
}

/**
 * Whether a block transaction appends a leaf to its block's exit tree, read from its words alone: a WITHDRAW (kind
 * 2), or an EDGE_SEND (kind 7) whose `data` names child 0 (an up call; its second word). A transaction the STF accepts
 * makes exactly this leaf; PlasmaFraudVerifier.makesExit is the same rule.
 */
export function makesExit(tx: Pick<BlockTx, 'kind' | 'data'>): boolean {
  if (tx.kind === 2) return true;
  if (tx.kind !== 7) return false;
  // data = abi.encode(bytes32 fn, bytes32 child, bytes payload): hex chars 2 + 64 .. 2 + 128 are `child`.
  return tx.data.length >= 2 + 128 && /^0+$/.test(tx.data.slice(2 + 64, 2 + 128));
}

/** Each transaction's exit index (the `exitIndex` word of its leaf): how many exit leaves the ones before it made. */
export function txExitIndexes(txs: readonly Pick<BlockTx, 'kind' | 'data'>[]): number[] {
  const out = new Array<number>(txs.length);
  let made = 0;
  for (let i = 0; i < txs.length; i++) {
    out[i] = made;
    if (makesExit(txs[i])) made++;
  }
  return out;
}

/** Id of the `index`-th (0-based) child of `parentId`: `keccak256(abi.encode(bytes32 parentId, uint256 index))`. */
export function chainIdOf(parentId: ChainId, index: bigint | number): ChainId {
  const out = new Uint8Array(2 * WORD);
  writeBytes32Word(out, 0, parentId);
  writeUintWord(out, 32, index, 256);
  return bytesToHex(keccak256(out));
}

// ---- edge events (docs/EDGE.md) -----------------------------------------------------------------------

/** Largest payload an edge event carries (PlasmaRoot.MAX_EDGE_PAYLOAD). */
export const MAX_EDGE_PAYLOAD = 4096;

/** An edge function's id: `keccak256(utf8(name))`. */
export function edgeFunctionId(name: string): Hex {
  return bytesToHex(keccak256(new TextEncoder().encode(name)));
}

/** The built-in cross-chain message function (PlasmaRoot.MESSAGE_FN). */
export const MESSAGE_FN_NAME = 'plasma-tree/message/v1';
export const MESSAGE_FN: Hex = edgeFunctionId(MESSAGE_FN_NAME);

/** `keccak256(payload)` of an edge event. */
export function edgePayloadHash(payload: Hex): Hex {
  return bytesToHex(keccak256(hexToBytes(payload)));
}

/**
 * What a parent records under a child's nonce for a down edge event (the counterpart of a depositHash):
 * `keccak256(abi.encode(bytes32 fn, bytes32 child, uint64 nonce, address sender, bytes32 keccak256(payload)))`.
 * 160 bytes are hashed, a deposit 192, so a record is unambiguously one or the other.
 */
export function edgeDownRecord(e: { fn: Hex; child: ChainId; nonce: bigint; sender: Hex; payload: Hex }): Hex {
  const out = new Uint8Array(5 * WORD);
  writeBytes32Word(out, 0, e.fn);
  writeBytes32Word(out, WORD, e.child);
  writeUintWord(out, 2 * WORD, e.nonce, 64);
  writeAddressWord(out, 3 * WORD, e.sender);
  writeBytes32Word(out, 4 * WORD, edgePayloadHash(e.payload));
  return bytesToHex(keccak256(out));
}

/**
 * The exit-tree leaf of an up edge event, beside token exits:
 * `keccak256(abi.encode(bytes32 fn, bytes32 sourceChain, address sender, bytes32 keccak256(payload)))`.
 * 128 bytes are hashed, a token exit 96, so a leaf is unambiguously one or the other.
 */
export function edgeUpLeaf(e: { fn: Hex; sourceChain: ChainId; sender: Hex; payload: Hex }): Hex {
  const out = new Uint8Array(4 * WORD);
  writeBytes32Word(out, 0, e.fn);
  writeBytes32Word(out, WORD, e.sourceChain);
  writeAddressWord(out, 2 * WORD, e.sender);
  writeBytes32Word(out, 3 * WORD, edgePayloadHash(e.payload));
  return bytesToHex(keccak256(out));
}

/** The message function's payload: `abi.encode(address target, bytes data)`. */
export function encodeMessagePayload(m: { target: Hex; data: Hex }): Hex {
  const data = hexToBytes(m.data);
  const padded = Math.ceil(data.length / WORD) * WORD;
  const out = new Uint8Array(3 * WORD + padded);
  writeAddressWord(out, 0, m.target);
  writeUintWord(out, WORD, 2 * WORD, 256);
  writeUintWord(out, 2 * WORD, data.length, 256);
  out.set(data, 3 * WORD);
  return bytesToHex(out);
}

/** Inverse of encodeMessagePayload; MALFORMED_EDGE_PAYLOAD unless `payload` is its one canonical encoding. */
export function decodeMessagePayload(payload: Hex): { target: Address; data: Hex } {
  const fail = (): never => {
    throw new PlasmaError('MALFORMED_EDGE_PAYLOAD', 'a message payload must be the canonical abi.encode(address target, bytes data)', {
      hint: 'build it with encodeMessagePayload (or sendMessage on L1)',
      data: { fn: MESSAGE_FN },
    });
  };
  if (!isHex(payload)) return fail();
  const bytes = hexToBytes(payload);
  if (bytes.length < 3 * WORD) return fail();
  const length = wordToBigint(bytes.subarray(2 * WORD, 3 * WORD));
  if (length > BigInt(bytes.length - 3 * WORD)) return fail();
  const message = {
    target: bytesToHex(bytes.subarray(WORD - 20, WORD)),
    data: bytesToHex(bytes.subarray(3 * WORD, 3 * WORD + Number(length))),
  };
  // Re-encoding catches dirty address bits, another offset and non-zero or missing padding.
  if (encodeMessagePayload(message) !== payload.toLowerCase()) return fail();
  return message;
}

/** The exit-tree leaf of a token exit (exitLeaf) or of an up edge event (edgeUpLeaf), as bytes. */
export function exitTreeLeaf(leaf: ExitTreeLeaf): Uint8Array {
  return isEdgeUpEvent(leaf) ? hexToBytes(edgeUpLeaf(leaf), 32) : exitLeaf(leaf);
}
