/**
 * The `data` payloads of the transaction kinds a parent chain runs (docs/TREE.md §3, docs/SPEC.md "Transactions
 * inside a block"). Each is a Solidity `abi.encode`, dynamic parts included, so a contract (a future fraud proof)
 * decodes it with `abi.decode`. Decoding is strict: the payload must be the one canonical encoding of what it
 * decodes to (decode, re-encode, compare), so a transaction has exactly one leaf.
 *
 * | kind | data |
 * |---|---|
 * | 3 DEPOSIT_TO_CHILD | `abi.encode(bytes32 child)` |
 * | 4 COMMIT_CHILD | `abi.encode(bytes32 child, Header header, bytes signatures)` |
 * | 5 FINALIZE_CHILD_EXIT | `abi.encode(bytes32 child, Header header, uint64 windowEnd, Exit exit, uint256 index, bytes32[] proof)` |
 * | 6 SPAWN_CHILD | `abi.encode(address[] validators, uint8 threshold, uint64 challengeWindow, uint64 stallLimit)`: `stallLimit` 0 = the default (max(7 days, challengeWindow)) |
 * | 7 EDGE_SEND | `abi.encode(bytes32 fn, bytes32 child, bytes payload, EdgeWrite[] writes)` |
 * | 8 EDGE_FROM_PARENT | `abi.encode(bytes32 fn, bytes payload, uint8 status, EdgeWrite[] writes)` |
 * | 9 EDGE_FROM_CHILD | `abi.encode(bytes32 child, Header header, uint64 windowEnd, bytes32 fn, bytes payload, uint256 index, bytes32[] proof, EdgeWrite[] writes)` |
 * | 10 PROVE_CHILD_FRAUD | `abi.encode(bytes32 child, uint8 fraudKind, bytes args)`: `args` = the PlasmaRoot entry point's arguments after its chainId (fraud.ts `encodeFraudProofArgs`) |
 * | 12 RECLAIM_CHILD_DEPOSIT, 13 FREEZE_STALLED_CHILD | `abi.encode(bytes32 child)` (kind 3's layout) |
 * | 14 CHALLENGE_CHILD_DATA | `abi.encode(bytes32 child, Header header, uint64 windowEnd)` (PlasmaDataAvailability.challengeData's arguments) |
 * | 15 CHILD_DATA_CALL | `abi.encode(bytes32 child, bytes call)`: `call` = the calldata of a PlasmaDataAvailability call with chainId = child |
 *
 * The edge kinds state their effect (docs/SPEC.md "Edge effects", SPEC v4): `writes` (`struct EdgeWrite { bytes32
 * keyHash; bytes value; }`) lists every key of the function's storage its half set or deleted, once (a key hash twice
 * is malformed), in the order of its first write, with the value it holds after the half ('0x' = deleted), at most MAX_EDGE_WRITES keys and MAX_EDGE_WRITE_BYTES of values; kind 8's `status` is the delivery's
 * EdgeDeliveryStatus (1 delivered, 2 failed). The producer fills them (the signed fields stay fn, child, payload); the
 * STF refuses a tx whose effect is not what its half did (EDGE_EFFECT_MISMATCH), and L1 computes the post-state root
 * from them without knowing the chain's edge registry.
 */
import { decodeWords, WORD, writeAddressWord, writeBytes32Word, writeUintWord, type StaticAbiType } from './abi.js';
import { bytesToHex, equalBytes, hexToBytes, isHex, wordToBigint } from './bytes.js';
import { bytes32Enc, bytesEnc, dynamicArrayEnc, headerEnc, tupleEnc, uintEnc, type Enc } from './abiEncoder.js';
import { encodeHeader, HEADER_BYTES } from './encoding.js';
import { PlasmaError } from './errors.js';
import type { Address, ChainId, Exit, Header, Hex } from './types.js';

export interface CommitChildData {
  child: ChainId;
  header: Header;
  /** Packed 65-byte signatures. */
  signatures: Hex;
}

export interface FinalizeChildExitData {
  child: ChainId;
  header: Header;
  windowEnd: bigint;
  exit: Exit;
  index: bigint;
  proof: Hex[];
}

export interface SpawnChildData {
  validators: Address[];
  threshold: number;
  challengeWindow: bigint;
  /** Seconds; 0 = the default, max(DEFAULT_STALL_LIMIT, challengeWindow). Absent encodes as 0; decoding always sets it. */
  stallLimit?: bigint;
}

/** One key of an edge function's storage as a half left it (the effect an edge tx states). */
export interface EdgeWrite {
  /** keccak256 of the storage key (ledgerEntries.ts edgeStorageKeyHash). */
  keyHash: Hex;
  /** The value after the half; '0x' = deleted. */
  value: Hex;
}

/** At most this many keys per half: each costs L1 a ledger witness (docs/SPEC.md "Edge effects"). */
export const MAX_EDGE_WRITES = 4;
/** At most this many bytes of values in one half's effect: the tx's data stays small enough to publish (DA) and prove. */
export const MAX_EDGE_WRITE_BYTES = 8192;

export interface EdgeSendData {
  fn: Hex;
  /** ZERO_BYTES32 for an up call. */
  child: ChainId;
  payload: Hex;
  /** The send half's effect; [] when omitted (the producer fills it). */
  writes?: EdgeWrite[];
}

export interface EdgeFromParentData {
  fn: Hex;
  payload: Hex;
  /** EdgeDeliveryStatus: 1 delivered, 2 failed; 2 when omitted (the producer fills it). */
  status?: number;
  /** The receive half's effect; [] when omitted. */
  writes?: EdgeWrite[];
}

export interface EdgeFromChildData {
  child: ChainId;
  header: Header;
  windowEnd: bigint;
  fn: Hex;
  payload: Hex;
  index: bigint;
  proof: Hex[];
  /** The receive half's effect; [] when omitted (the producer fills it). */
  writes?: EdgeWrite[];
}

export interface ProveChildFraudData {
  child: ChainId;
  /** FraudKind (0-6). */
  fraudKind: number;
  /** abi.encode of the PlasmaRoot entry point's arguments after chainId; decoded by ParentLedger.proveFraud. */
  args: Hex;
}

/** CHALLENGE_CHILD_DATA: the challenged commitment, as PlasmaDataAvailability.challengeData names it. */
export interface ChallengeChildDataData {
  child: ChainId;
  header: Header;
  windowEnd: bigint;
}

/** CHILD_DATA_CALL: the module call the ledger runs for `child` (selector included). */
export interface ChildDataCallData {
  child: ChainId;
  call: Hex;
}

const HEADER_WORDS: readonly StaticAbiType[] = ['bytes32', 'uint64', 'bytes32', 'bytes32', 'bytes32', 'bytes32', 'uint64', 'uint64'];
const EXIT_WORDS: readonly StaticAbiType[] = ['address', 'address', 'uint256'];
const EXIT_BYTES = 3 * WORD;

// ---- encoding ---------------------------------------------------------------------------------------------

/** `abi.encode(bytes32 child)` */
export function encodeDepositToChildData(child: ChainId): Hex {
  const out = new Uint8Array(WORD);
  writeBytes32Word(out, 0, child);
  return bytesToHex(out);
}

/** `abi.encode(bytes32 child, Header header, bytes signatures)` */
export function encodeCommitChildData(d: CommitChildData): Hex {
  const signatures = hexToBytes(d.signatures);
  const head = WORD + HEADER_BYTES + WORD;
  const out = new Uint8Array(head + WORD + padded(signatures.length));
  writeBytes32Word(out, 0, d.child);
  out.set(encodeHeader(d.header), WORD);
  writeUintWord(out, WORD + HEADER_BYTES, head, 256);
  writeUintWord(out, head, signatures.length, 256);
  out.set(signatures, head + WORD);
  return bytesToHex(out);
}

/** `abi.encode(bytes32 child, Header header, uint64 windowEnd, Exit exit, uint256 index, bytes32[] proof)` */
export function encodeFinalizeChildExitData(d: FinalizeChildExitData): Hex {
  const head = WORD + HEADER_BYTES + WORD + EXIT_BYTES + WORD + WORD;
  const out = new Uint8Array(head + WORD + d.proof.length * WORD);
  let at = 0;
  writeBytes32Word(out, at, d.child);
  out.set(encodeHeader(d.header), (at += WORD));
  writeUintWord(out, (at += HEADER_BYTES), d.windowEnd, 64);
  writeAddressWord(out, (at += WORD), d.exit.recipient);
  writeAddressWord(out, (at += WORD), d.exit.token);
  writeUintWord(out, (at += WORD), d.exit.amount, 256);
  writeUintWord(out, (at += WORD), d.index, 256);
  writeUintWord(out, (at += WORD), head, 256);
  writeUintWord(out, head, d.proof.length, 256);
  d.proof.forEach((sibling, i) => writeBytes32Word(out, head + WORD + i * WORD, sibling));
  return bytesToHex(out);
}

/** `abi.encode(address[] validators, uint8 threshold, uint64 challengeWindow, uint64 stallLimit)` */
export function encodeSpawnChildData(d: SpawnChildData): Hex {
  const head = 4 * WORD;
  const out = new Uint8Array(head + WORD + d.validators.length * WORD);
  writeUintWord(out, 0, head, 256);
  writeUintWord(out, WORD, d.threshold, 8);
  writeUintWord(out, 2 * WORD, d.challengeWindow, 64);
  writeUintWord(out, 3 * WORD, d.stallLimit ?? 0n, 64);
  writeUintWord(out, head, d.validators.length, 256);
  d.validators.forEach((validator, i) => writeAddressWord(out, head + WORD + i * WORD, validator));
  return bytesToHex(out);
}

/** `abi.encode(bytes32 fn, bytes32 child, bytes payload, EdgeWrite[] writes)` */
export function encodeEdgeSendData(d: EdgeSendData): Hex {
  return encoded([bytes32Enc(d.fn), bytes32Enc(d.child), bytesEnc(d.payload), writesEnc(d.writes)]);
}

/** `abi.encode(bytes32 fn, bytes payload, uint8 status, EdgeWrite[] writes)` */
export function encodeEdgeFromParentData(d: EdgeFromParentData): Hex {
  return encoded([bytes32Enc(d.fn), bytesEnc(d.payload), uintEnc(d.status ?? 2, 8), writesEnc(d.writes)]);
}

/** `abi.encode(bytes32 child, Header header, uint64 windowEnd, bytes32 fn, bytes payload, uint256 index, bytes32[] proof, EdgeWrite[] writes)` */
export function encodeEdgeFromChildData(d: EdgeFromChildData): Hex {
  const proof = dynamicArrayEnc(d.proof.map(bytes32Enc));
  return encoded([
    bytes32Enc(d.child), headerEnc(d.header), uintEnc(d.windowEnd, 64), bytes32Enc(d.fn), bytesEnc(d.payload), uintEnc(d.index, 256), proof, writesEnc(d.writes),
  ]);
}

/** `EdgeWrite[]`: each element the dynamic tuple (bytes32 keyHash, bytes value). */
function writesEnc(writes: readonly EdgeWrite[] = []): Enc {
  checkEffectSize(writes.length, writes.reduce((n, w) => n + hexToBytes(w.value).length, 0));
  if (new Set(writes.map((w) => w.keyHash.toLowerCase())).size !== writes.length) throw new Error('a key hash written twice');
  return dynamicArrayEnc(writes.map((w) => tupleEnc([bytes32Enc(w.keyHash), bytesEnc(w.value)])));
}

function encoded(parts: Enc[]): Hex {
  return bytesToHex(tupleEnc(parts).bytes);
}

/** `abi.encode(bytes32 child, uint8 fraudKind, bytes args)` */
export function encodeProveChildFraudData(d: ProveChildFraudData): Hex {
  const args = hexToBytes(d.args);
  const head = 3 * WORD;
  const out = new Uint8Array(head + WORD + padded(args.length));
  writeBytes32Word(out, 0, d.child);
  writeUintWord(out, WORD, d.fraudKind, 8);
  writeUintWord(out, 2 * WORD, head, 256);
  writeDynamicBytes(out, head, args);
  return bytesToHex(out);
}

/** `abi.encode(bytes32 child, Header header, uint64 windowEnd)` */
export function encodeChallengeChildDataData(d: ChallengeChildDataData): Hex {
  const out = new Uint8Array(WORD + HEADER_BYTES + WORD);
  writeBytes32Word(out, 0, d.child);
  out.set(encodeHeader(d.header), WORD);
  writeUintWord(out, WORD + HEADER_BYTES, d.windowEnd, 64);
  return bytesToHex(out);
}

/** `abi.encode(bytes32 child, bytes call)` */
export function encodeChildDataCallData(d: ChildDataCallData): Hex {
  return encoded([bytes32Enc(d.child), bytesEnc(d.call)]);
}

/** A `bytes` tail: its length word, then the bytes (the zero padding is already there). */
function writeDynamicBytes(out: Uint8Array, offset: number, bytes: Uint8Array): void {
  writeUintWord(out, offset, bytes.length, 256);
  out.set(bytes, offset + WORD);
}

// ---- decoding ---------------------------------------------------------------------------------------------

/** Inverse of encodeDepositToChildData; MALFORMED_TX (field `data`) unless `data` is its canonical form. */
export function decodeDepositToChildData(data: Hex): ChainId {
  return strictly(data, 'abi.encode(bytes32 child)', (bytes) => {
    if (bytes.length !== WORD) throw new Error('length');
    return bytesToHex(bytes) as ChainId;
  }, encodeDepositToChildData);
}

export function decodeCommitChildData(data: Hex): CommitChildData {
  return strictly(data, 'abi.encode(bytes32 child, Header header, bytes signatures)', (bytes) => {
    const child = bytesToHex(word(bytes, 0)) as ChainId;
    const header = decodeHeader(bytes, WORD);
    const signatures = bytesToHex(dynamicBytes(bytes, WORD + HEADER_BYTES));
    return { child, header, signatures };
  }, encodeCommitChildData);
}

export function decodeFinalizeChildExitData(data: Hex): FinalizeChildExitData {
  const layout = 'abi.encode(bytes32 child, Header header, uint64 windowEnd, Exit exit, uint256 index, bytes32[] proof)';
  return strictly(data, layout, (bytes) => {
    let at = 0;
    const child = bytesToHex(word(bytes, at)) as ChainId;
    const header = decodeHeader(bytes, (at += WORD));
    const [windowEnd] = decodeWords(['uint64'], word(bytes, (at += HEADER_BYTES))) as [bigint];
    const [recipient, token, amount] = decodeWords(EXIT_WORDS, slice(bytes, (at += WORD), EXIT_BYTES)) as [Address, Address, bigint];
    const index = wordToBigint(word(bytes, (at += EXIT_BYTES)));
    const proof = dynamicWords(bytes, (at += WORD)).map((w) => bytesToHex(w));
    return { child, header, windowEnd, exit: { recipient, token, amount }, index, proof };
  }, encodeFinalizeChildExitData);
}

export function decodeSpawnChildData(data: Hex): SpawnChildData & { stallLimit: bigint } {
  return strictly(data, 'abi.encode(address[] validators, uint8 threshold, uint64 challengeWindow, uint64 stallLimit)', (bytes) => {
    const [threshold, challengeWindow, stallLimit] = decodeWords(['uint8', 'uint64', 'uint64'], slice(bytes, WORD, 3 * WORD)) as [bigint, bigint, bigint];
    const validators = dynamicWords(bytes, 0).map((w) => decodeWords(['address'], w)[0] as Address);
    return { validators, threshold: Number(threshold), challengeWindow, stallLimit };
  }, encodeSpawnChildData);
}

export function decodeEdgeSendData(data: Hex): EdgeSendData & { writes: EdgeWrite[] } {
  return strictly(data, 'abi.encode(bytes32 fn, bytes32 child, bytes payload, EdgeWrite[] writes)', (bytes) => ({
    fn: bytesToHex(word(bytes, 0)),
    child: bytesToHex(word(bytes, WORD)) as ChainId,
    payload: bytesToHex(dynamicBytes(bytes, 2 * WORD)),
    writes: edgeWrites(bytes, 3 * WORD),
  }), encodeEdgeSendData);
}

export function decodeEdgeFromParentData(data: Hex): EdgeFromParentData & { status: number; writes: EdgeWrite[] } {
  return strictly(data, 'abi.encode(bytes32 fn, bytes payload, uint8 status, EdgeWrite[] writes)', (bytes) => {
    const [status] = decodeWords(['uint8'], word(bytes, 2 * WORD)) as [bigint];
    if (status !== 1n && status !== 2n) throw new Error('status must be 1 (delivered) or 2 (failed)');
    return { fn: bytesToHex(word(bytes, 0)), payload: bytesToHex(dynamicBytes(bytes, WORD)), status: Number(status), writes: edgeWrites(bytes, 3 * WORD) };
  }, encodeEdgeFromParentData);
}

export function decodeEdgeFromChildData(data: Hex): EdgeFromChildData & { writes: EdgeWrite[] } {
  const layout = 'abi.encode(bytes32 child, Header header, uint64 windowEnd, bytes32 fn, bytes payload, uint256 index, bytes32[] proof, EdgeWrite[] writes)';
  return strictly(data, layout, (bytes) => {
    let at = 0;
    const child = bytesToHex(word(bytes, at)) as ChainId;
    const header = decodeHeader(bytes, (at += WORD));
    const [windowEnd] = decodeWords(['uint64'], word(bytes, (at += HEADER_BYTES))) as [bigint];
    const fn = bytesToHex(word(bytes, (at += WORD)));
    const payload = bytesToHex(dynamicBytes(bytes, (at += WORD)));
    const index = wordToBigint(word(bytes, (at += WORD)));
    const proof = dynamicWords(bytes, (at += WORD)).map((w) => bytesToHex(w));
    const writes = edgeWrites(bytes, (at += WORD));
    return { child, header, windowEnd, fn, payload, index, proof, writes };
  }, encodeEdgeFromChildData);
}

/** The EdgeWrite[] a head word at `headOffset` points to (the strict re-encode checks every offset). */
function edgeWrites(bytes: Uint8Array, headOffset: number): EdgeWrite[] {
  const { start, length } = tail(bytes, headOffset);
  if (length > MAX_EDGE_WRITES) throw new Error(`at most ${MAX_EDGE_WRITES} edge writes`);
  const writes = Array.from({ length }, (_, i) => {
    const element = start + Number(wordToBigint(word(bytes, start + i * WORD)));
    const value = dynamicBytesAt(bytes, element, element + WORD);
    return { keyHash: bytesToHex(word(bytes, element)), value: bytesToHex(value) };
  });
  // Each key once: a half's effect lists a key at its first write only, and L1 walks one witness per key.
  if (new Set(writes.map((w) => w.keyHash)).size !== writes.length) throw new Error('a key hash written twice');
  checkEffectSize(writes.length, writes.reduce((n, w) => n + (w.value.length - 2) / 2, 0));
  return writes;
}

function checkEffectSize(count: number, bytes: number): void {
  if (count > MAX_EDGE_WRITES) throw new Error(`at most ${MAX_EDGE_WRITES} edge writes`);
  if (bytes > MAX_EDGE_WRITE_BYTES) throw new Error(`at most ${MAX_EDGE_WRITE_BYTES} bytes of edge write values`);
}

export function decodeProveChildFraudData(data: Hex): ProveChildFraudData {
  return strictly(data, 'abi.encode(bytes32 child, uint8 fraudKind, bytes args)', (bytes) => {
    const [fraudKind] = decodeWords(['uint8'], word(bytes, WORD)) as [bigint];
    return { child: bytesToHex(word(bytes, 0)) as ChainId, fraudKind: Number(fraudKind), args: bytesToHex(dynamicBytes(bytes, 2 * WORD)) };
  }, encodeProveChildFraudData);
}

export function decodeChallengeChildDataData(data: Hex): ChallengeChildDataData {
  return strictly(data, 'abi.encode(bytes32 child, Header header, uint64 windowEnd)', (bytes) => {
    if (bytes.length !== WORD + HEADER_BYTES + WORD) throw new Error('length');
    const [windowEnd] = decodeWords(['uint64'], word(bytes, WORD + HEADER_BYTES)) as [bigint];
    return { child: bytesToHex(word(bytes, 0)) as ChainId, header: decodeHeader(bytes, WORD), windowEnd };
  }, encodeChallengeChildDataData);
}

export function decodeChildDataCallData(data: Hex): ChildDataCallData {
  return strictly(data, 'abi.encode(bytes32 child, bytes call)', (bytes) => ({
    child: bytesToHex(word(bytes, 0)) as ChainId,
    call: bytesToHex(dynamicBytes(bytes, WORD)),
  }), encodeChildDataCallData);
}

/** NESTED_ESCAPE_CALL's data (kind 16, docs/FRAUD.md §4c): `abi.encode(bytes32 frozen, bytes call)`, kind 15's layout. */
export interface NestedEscapeCallData {
  frozen: ChainId;
  /** A PlasmaNestedEscape call with its selector (core nestedEscapeCall.ts decodes it). */
  call: Hex;
}

export function encodeNestedEscapeCallData(d: NestedEscapeCallData): Hex {
  return encodeChildDataCallData({ child: d.frozen, call: d.call });
}

export function decodeNestedEscapeCallData(data: Hex): NestedEscapeCallData {
  const { child, call } = decodeChildDataCallData(data);
  return { frozen: child, call };
}

/** RECLAIM_CHILD_DEPOSIT's data, `abi.encode(bytes32 child)` (kind 3's layout; the deposit itself is in the words). */
export const encodeReclaimChildDepositData = encodeDepositToChildData;
export const decodeReclaimChildDepositData = decodeDepositToChildData;

/** FREEZE_STALLED_CHILD's data, `abi.encode(bytes32 child)` (kind 3's layout; every word of the tx is 0). */
export const encodeFreezeStalledChildData = encodeDepositToChildData;
export const decodeFreezeStalledChildData = decodeDepositToChildData;

/** Decodes `data` with `decode`, then requires that `encode` gives `data` back byte for byte. */
function strictly<T>(data: Hex, layout: string, decode: (bytes: Uint8Array) => T, encode: (value: T) => Hex): T {
  const fail = (cause?: unknown): never => {
    throw new PlasmaError('MALFORMED_TX', `tx.data must be the canonical ${layout}`, {
      hint: 'build the transaction with placeSignedTx, or encode data with the encode…Data functions of core',
      data: { field: 'data' },
      cause,
    });
  };
  if (!isHex(data)) return fail();
  const bytes = hexToBytes(data);
  let value: T;
  try {
    value = decode(bytes);
  } catch (e) {
    return fail(e);
  }
  let again: Hex;
  try {
    again = encode(value);
  } catch (e) {
    return fail(e);
  }
  if (!equalBytes(hexToBytes(again), bytes)) fail();
  return value;
}

function slice(bytes: Uint8Array, offset: number, length: number): Uint8Array {
  if (offset + length > bytes.length) throw new Error('out of bounds');
  return bytes.subarray(offset, offset + length);
}

function word(bytes: Uint8Array, offset: number): Uint8Array {
  return slice(bytes, offset, WORD);
}

function decodeHeader(bytes: Uint8Array, offset: number): Header {
  const [chainId, number, parentHash, txRoot, stateRoot, exitRoot, depositNonce, timestamp] = decodeWords(HEADER_WORDS, slice(bytes, offset, HEADER_BYTES));
  return {
    chainId: chainId as Hex,
    number: number as bigint,
    parentHash: parentHash as Hex,
    txRoot: txRoot as Hex,
    stateRoot: stateRoot as Hex,
    exitRoot: exitRoot as Hex,
    depositNonce: depositNonce as bigint,
    timestamp: timestamp as bigint,
  };
}

/** The tail a head word at `headOffset` points to: its length word, as a safe count. */
function tail(bytes: Uint8Array, headOffset: number): { start: number; length: number } {
  const offset = wordToBigint(word(bytes, headOffset));
  if (offset > BigInt(bytes.length)) throw new Error('offset out of bounds');
  const length = wordToBigint(word(bytes, Number(offset)));
  if (length > BigInt(bytes.length)) throw new Error('length out of bounds');
  return { start: Number(offset) + WORD, length: Number(length) };
}

function dynamicBytes(bytes: Uint8Array, headOffset: number): Uint8Array {
  const { start, length } = tail(bytes, headOffset);
  return slice(bytes, start, length).slice();
}

/** A `bytes` inside a tuple that starts at `base`: its offset word at `headOffset` counts from `base`. */
function dynamicBytesAt(bytes: Uint8Array, base: number, headOffset: number): Uint8Array {
  const offset = wordToBigint(word(bytes, headOffset));
  if (offset > BigInt(bytes.length)) throw new Error('offset out of bounds');
  const at = base + Number(offset);
  const length = wordToBigint(word(bytes, at));
  if (length > BigInt(bytes.length)) throw new Error('length out of bounds');
  return slice(bytes, at + WORD, Number(length)).slice();
}

function dynamicWords(bytes: Uint8Array, headOffset: number): Uint8Array[] {
  const { start, length } = tail(bytes, headOffset);
  slice(bytes, start, length * WORD);
  return Array.from({ length }, (_, i) => word(bytes, start + i * WORD));
}

function padded(length: number): number {
  return Math.ceil(length / WORD) * WORD;
}
