/**
 * Binary forms of what the ChainStore keeps. This is the node's private storage format, not a protocol
 * encoding (those are core's): fields are packed without ABI padding, which halves the bytes a block writes.
 */
import { SIGNATURE_BYTES, bytesToHex, hexToBytes, isEdgeUpEvent, writeHex, writeUint256, type Account, type Address, type Block, type BlockTx, type ExitTreeLeaf, type Header, type Hex, type LedgerEntry } from '@plasma-tree/core';
import { nodeError } from '../errors.js';

/**
 * Bumped when a stored layout changes. Format 2 (state v2): each tx carries its `data`, and the ParentLedger's
 * entries are stored beside the accounts. Format 3 (edge functions): a block's exit list holds up edge events
 * beside token exits (each leaf tagged), and the index of records served to children holds down edge events
 * beside deposits. Every stored block starts with the format it was written in, so a format-2 store is read as
 * it is and upgraded in place (ChainStore.open); format 1 is refused.
 */
export const STORE_FORMAT_VERSION = 3;
/** The oldest format this node reads (and upgrades to STORE_FORMAT_VERSION). */
export const OLDEST_READABLE_STORE_FORMAT = 2;

const HEADER_BYTES = 32 + 8 + 32 * 4 + 8 + 8;
/** kind, slot, toSlot, from, to, token, amount, nonce, r, s, v, postRoot, tx hash, data length (data follows). */
const TX_BYTES = 1 + 4 + 4 + 20 * 3 + 32 + 8 + 32 + 32 + 1 + 32 + 32 + 4;
const EXIT_BYTES = 20 + 20 + 32;
/** Format 3 exit leaves: a tag, then a token exit (EXIT_BYTES) or an up edge event (fn, sourceChain, sender, payload length, payload). */
const LEAF_EXIT = 0;
const LEAF_EDGE = 1;
const EDGE_LEAF_BYTES = 32 + 32 + 20 + 4;
const ACCOUNT_BYTES = 20 + 20 + 32 + 8;

/** A block as stored: core's Block plus, per transaction, the hash users look it up by. */
export interface StoredBlock {
  block: Block;
  /** EIP-712 digest for user transactions, depositHash for deposits. */
  txHashes: Hex[];
}

class Writer {
  readonly bytes: Uint8Array;
  private readonly view: DataView;
  private pos = 0;
  constructor(size: number) {
    this.bytes = new Uint8Array(size);
    this.view = new DataView(this.bytes.buffer);
  }
  u8(v: number): void {
    this.view.setUint8(this.pos, v);
    this.pos += 1;
  }
  u32(v: number): void {
    this.view.setUint32(this.pos, v);
    this.pos += 4;
  }
  u64(v: bigint): void {
    this.view.setBigUint64(this.pos, v);
    this.pos += 8;
  }
  u256(v: bigint): void {
    writeUint256(this.bytes, this.pos, v);
    this.pos += 32;
  }
  hex(v: string, length: number): void {
    writeHex(this.bytes, this.pos, v, length);
    this.pos += length;
  }
  raw(v: Uint8Array): void {
    this.bytes.set(v, this.pos);
    this.pos += v.length;
  }
}

class Reader {
  private readonly view: DataView;
  private pos = 0;
  constructor(private readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  u8(): number {
    return this.view.getUint8(this.pos++);
  }
  get done(): boolean {
    return this.pos === this.bytes.length;
  }
  u32(): number {
    const v = this.view.getUint32(this.pos);
    this.pos += 4;
    return v;
  }
  u64(): bigint {
    const v = this.view.getBigUint64(this.pos);
    this.pos += 8;
    return v;
  }
  u256(): bigint {
    let v = 0n;
    for (let i = 0; i < 4; i++) v = (v << 64n) | this.u64();
    return v;
  }
  hex(length: number): Hex {
    if (this.pos + length > this.bytes.length) throw new RangeError('read past the end');
    const v = bytesToHex(this.bytes.subarray(this.pos, this.pos + length));
    this.pos += length;
    return v;
  }
}

/** A StoredBlock in store format `format` (the current one; 2 only for tests of the upgrade: it holds no up edge events). */
export function encodeStoredBlock({ block, txHashes }: StoredBlock, format: number = STORE_FORMAT_VERSION): Uint8Array {
  if (format !== STORE_FORMAT_VERSION && format !== 2) throw new Error(`encodeStoredBlock: cannot write store format ${format}`);
  let dataBytes = 0;
  const data: (Uint8Array | undefined)[] = block.txs.map((tx) => {
    if (tx.data === '0x') return undefined;
    const bytes = hexToBytes(tx.data);
    dataBytes += bytes.length;
    return bytes;
  });
  const payloads: (Uint8Array | undefined)[] = block.exits.map((leaf) => {
    if (!isEdgeUpEvent(leaf)) return undefined;
    if (format === 2) throw new Error(`encodeStoredBlock: block ${block.header.number} has an up edge event, which store format 2 cannot hold`);
    const bytes = hexToBytes(leaf.payload);
    dataBytes += bytes.length;
    return bytes;
  });
  const leafBytes = block.exits.reduce((sum, leaf) => sum + (format === 2 ? 0 : 1) + (isEdgeUpEvent(leaf) ? EDGE_LEAF_BYTES : EXIT_BYTES), 0);
  const w = new Writer(1 + 32 + HEADER_BYTES + 8 + block.txs.length * TX_BYTES + dataBytes + leafBytes);
  w.u8(format);
  w.hex(block.hash, 32);
  writeHeader(w, block.header);
  w.u32(block.txs.length);
  w.u32(block.exits.length);
  for (let i = 0; i < block.txs.length; i++) {
    const tx = block.txs[i];
    w.u8(tx.kind);
    w.u32(tx.slot);
    w.u32(tx.toSlot);
    w.hex(tx.from, 20);
    w.hex(tx.to, 20);
    w.hex(tx.token, 20);
    w.u256(tx.amount);
    w.u64(tx.nonce);
    w.hex(tx.r, 32);
    w.hex(tx.s, 32);
    w.u8(tx.v);
    w.hex(block.postRoots[i], 32);
    w.hex(txHashes[i], 32);
    const bytes = data[i];
    w.u32(bytes?.length ?? 0);
    if (bytes) w.raw(bytes);
  }
  block.exits.forEach((leaf, i) => {
    if (isEdgeUpEvent(leaf)) {
      w.u8(LEAF_EDGE);
      w.hex(leaf.fn, 32);
      w.hex(leaf.sourceChain, 32);
      w.hex(leaf.sender, 20);
      const payload = payloads[i]!;
      w.u32(payload.length);
      w.raw(payload);
    } else {
      if (format !== 2) w.u8(LEAF_EXIT);
      w.hex(leaf.recipient, 20);
      w.hex(leaf.token, 20);
      w.u256(leaf.amount);
    }
  });
  return w.bytes;
}

export function decodeStoredBlock(bytes: Uint8Array): StoredBlock {
  const r = new Reader(bytes);
  const version = r.u8();
  if (version < OLDEST_READABLE_STORE_FORMAT || version > STORE_FORMAT_VERSION) {
    throw nodeError('STORE_CORRUPT', `a stored block has format ${version}, this node reads formats ${OLDEST_READABLE_STORE_FORMAT}-${STORE_FORMAT_VERSION}`, 'restore the data directory from a backup, or start from an empty one');
  }
  const hash = r.hex(32);
  const header = readHeader(r);
  const txCount = r.u32();
  const exitCount = r.u32();
  const txs: BlockTx[] = new Array(txCount);
  const postRoots: Hex[] = new Array(txCount);
  const txHashes: Hex[] = new Array(txCount);
  for (let i = 0; i < txCount; i++) {
    txs[i] = {
      kind: r.u8(),
      slot: r.u32(),
      toSlot: r.u32(),
      from: r.hex(20),
      to: r.hex(20),
      token: r.hex(20),
      amount: r.u256(),
      nonce: r.u64(),
      r: r.hex(32),
      s: r.hex(32),
      v: r.u8(),
      data: '0x',
    };
    postRoots[i] = r.hex(32);
    txHashes[i] = r.hex(32);
    const dataLength = r.u32();
    if (dataLength > 0) txs[i].data = r.hex(dataLength);
  }
  const exits: ExitTreeLeaf[] = new Array(exitCount);
  for (let i = 0; i < exitCount; i++) {
    // Format 2 holds token exits only, untagged.
    const tag = version === 2 ? LEAF_EXIT : r.u8();
    if (tag === LEAF_EXIT) exits[i] = { recipient: r.hex(20), token: r.hex(20), amount: r.u256() };
    else if (tag === LEAF_EDGE) exits[i] = { fn: r.hex(32), sourceChain: r.hex(32), sender: r.hex(20), payload: r.hex(r.u32()) };
    else throw nodeError('STORE_CORRUPT', `block ${header.number} has an exit leaf of unknown tag ${tag}`, 'restore the data directory from a backup, or start from an empty one');
  }
  if (!r.done) throw nodeError('STORE_CORRUPT', `block ${header.number} is stored with trailing bytes`, 'restore the data directory from a backup, or start from an empty one');
  return { block: { header, hash, txs, postRoots, exits }, txHashes };
}

/** The block hash of an encoded StoredBlock (it follows the format byte). */
export function storedBlockHash(bytes: Uint8Array): Hex {
  return bytesToHex(bytes.subarray(1, 33));
}

function writeHeader(w: Writer, h: Header): void {
  w.hex(h.chainId, 32);
  w.u64(h.number);
  w.hex(h.parentHash, 32);
  w.hex(h.txRoot, 32);
  w.hex(h.stateRoot, 32);
  w.hex(h.exitRoot, 32);
  w.u64(h.depositNonce);
  w.u64(h.timestamp);
}

function readHeader(r: Reader): Header {
  return {
    chainId: r.hex(32),
    number: r.u64(),
    parentHash: r.hex(32),
    txRoot: r.hex(32),
    stateRoot: r.hex(32),
    exitRoot: r.hex(32),
    depositNonce: r.u64(),
    timestamp: r.u64(),
  };
}

export function encodeAccount(a: Account): Uint8Array {
  const w = new Writer(ACCOUNT_BYTES);
  w.hex(a.owner, 20);
  w.hex(a.token, 20);
  w.u256(a.balance);
  w.u64(a.nonce);
  return w.bytes;
}

export function decodeAccount(bytes: Uint8Array): Account {
  const r = new Reader(bytes);
  return { owner: r.hex(20) as Address, token: r.hex(20) as Address, balance: r.u256(), nonce: r.u64() };
}

/** Where a transaction sits: block number, position, and position in the block's exit tree (withdrawals and up edge calls). */
export interface TxLocation {
  blockNumber: number;
  index: number;
  exitIndex: number | null;
}

export function encodeTxLocation(loc: TxLocation): Uint8Array {
  const w = new Writer(16);
  w.u64(BigInt(loc.blockNumber));
  w.u32(loc.index);
  w.u32(loc.exitIndex === null ? 0xffffffff : loc.exitIndex);
  return w.bytes;
}

export function decodeTxLocation(bytes: Uint8Array): TxLocation {
  const r = new Reader(bytes);
  const blockNumber = Number(r.u64());
  const index = r.u32();
  const exitIndex = r.u32();
  return { blockNumber, index, exitIndex: exitIndex === 0xffffffff ? null : exitIndex };
}

export function encodeSignatures(signatures: Hex[]): Uint8Array {
  const w = new Writer(signatures.length * SIGNATURE_BYTES);
  for (const sig of signatures) w.hex(sig, SIGNATURE_BYTES);
  return w.bytes;
}

export function decodeSignatures(bytes: Uint8Array): Hex[] {
  const out: Hex[] = [];
  for (let pos = 0; pos < bytes.length; pos += SIGNATURE_BYTES) out.push(bytesToHex(bytes.subarray(pos, pos + SIGNATURE_BYTES)));
  return out;
}

/**
 * A ParentLedger entry as stored: its JSON with bigints as `"n:<decimal>"` strings (entries are few and small:
 * edge operations are rare next to transfers).
 */
export function encodeLedgerEntry(entry: Readonly<LedgerEntry>): Uint8Array {
  return Buffer.from(JSON.stringify(entry, (_k, v: unknown) => (typeof v === 'bigint' ? `n:${v}` : v)));
}

export function decodeLedgerEntry(bytes: Uint8Array): LedgerEntry {
  return JSON.parse(Buffer.from(bytes).toString('utf8'), (_k, v: unknown) =>
    typeof v === 'string' && v.startsWith('n:') ? BigInt(v.slice(2)) : v) as LedgerEntry;
}
