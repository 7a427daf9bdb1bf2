import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Level } from 'level';
import { ZERO_BYTES32, makesExit, signedTxFromJson, signedTxToJson, type Account, type Address, type BlockTx, type ChainId, type Hex, type LedgerEntry, type SignedTx } from '@plasma-tree/core';
import { nodeError } from '../errors.js';
import {
  OLDEST_READABLE_STORE_FORMAT,
  STORE_FORMAT_VERSION,
  decodeAccount,
  decodeLedgerEntry,
  decodeSignatures,
  decodeStoredBlock,
  decodeTxLocation,
  encodeAccount,
  encodeLedgerEntry,
  encodeSignatures,
  encodeStoredBlock,
  encodeTxLocation,
  storedBlockHash,
  type StoredBlock,
  type TxLocation,
} from './codec.js';

export type { StoredBlock, TxLocation } from './codec.js';

/** Newest block of the chain; number 0 (with a zero hash) before the first block. */
export interface ChainHead {
  number: number;
  hash: Hex;
}

/** A transaction admitted to the mempool that failed when its block was built. */
export interface Rejection {
  reason: string;
  message: string;
  /** The block during whose building it failed. */
  blockNumber: number;
}

/** What the root contract recorded for a committed block. */
export interface CommitmentRecord {
  blockHash: Hex;
  /** L1 timestamp (seconds) from which withdrawals of the block may be finalized. */
  windowEnd: number;
  /** The L1 transaction that committed it. */
  l1TxHash: Hex;
}

/**
 * What this chain recorded under a nonce of a child's down stream, as the child's node reads it
 * (pt_getDepositRecord, pt_getChildDeposits): a DEPOSIT_TO_CHILD or a down EDGE_SEND.
 */
export type ChildDepositRecord = ChildTokenDepositRecord | ChildEdgeEventRecord;

/** A DEPOSIT_TO_CHILD of this chain. */
export interface ChildTokenDepositRecord {
  kind: 'deposit';
  child: ChainId;
  nonce: bigint;
  from: Address;
  to: Address;
  token: Address;
  amount: bigint;
  depositHash: Hex;
  /** This chain's block holding the DEPOSIT_TO_CHILD. */
  blockNumber: number;
  /** Its position in that block. */
  index: number;
}

/** A down EDGE_SEND of this chain: the event its child applies as EDGE_FROM_PARENT. */
export interface ChildEdgeEventRecord {
  kind: 'edge';
  child: ChainId;
  nonce: bigint;
  fn: Hex;
  /** Who called the function here. */
  sender: Address;
  payload: Hex;
  /** The ledger's record under the nonce: core's edgeDownRecord. */
  depositHash: Hex;
  /** This chain's block holding the EDGE_SEND, and its position there. */
  blockNumber: number;
  index: number;
}

/** A COMMIT_CHILD this chain applied (pt_getCommitment). */
export interface ChildCommitmentRecord {
  child: ChainId;
  number: bigint;
  blockHash: Hex;
  windowEnd: bigint;
  /** This chain's block holding the COMMIT_CHILD, and its timestamp (the commitment's `now`). */
  blockNumber: number;
  timestamp: bigint;
}

/** Everything one block changes, written in a single atomic batch by `ChainStore.putBlock`. */
export interface BlockWrite {
  stored: StoredBlock;
  /** Every state slot the block changed, with its account after the block. */
  accounts: Iterable<[slot: number, account: Account]>;
  /** Every ledger key the block changed, with its entry after the block (undefined: back to the default). */
  ledger?: Iterable<[key: Hex, entry: Readonly<LedgerEntry> | undefined]>;
  /** The block's DEPOSIT_TO_CHILD, down EDGE_SEND and COMMIT_CHILD records, indexed for the children's nodes. */
  childDeposits?: Iterable<ChildDepositRecord>;
  childCommitments?: Iterable<ChildCommitmentRecord>;
  /** Commitment signatures of this node's validator keys (65-byte r ‖ s ‖ v). */
  signatures: Hex[];
  /** Admitted transactions dropped while building the block, by hash. */
  rejected: Iterable<[txHash: Hex, rejection: Omit<Rejection, 'blockNumber'>]>;
}

/** Decoded blocks kept in memory (a full block is a few MB decoded). */
const RECENT_BLOCKS = 8;

// One-byte key prefixes: each record kind is one contiguous, ordered key range.
const P = {
  META: 0x4d, // 'M' + name
  BLOCK: 0x42, // 'B' + u64 number → StoredBlock
  BLOCK_NUMBER: 0x4e, // 'N' + block hash → u64 number
  TX: 0x54, // 'T' + tx hash → TxLocation
  REJECTED: 0x58, // 'X' + tx hash → Rejection (JSON)
  ACCOUNT: 0x53, // 'S' + u32 slot → Account
  SIGNATURES: 0x47, // 'G' + u64 number → packed validator signatures
  COMMITMENT: 0x43, // 'C' + u64 number → CommitmentRecord (JSON)
  LEDGER: 0x4c, // 'L' + ledger key → LedgerEntry (JSON, bigints as "n:…")
  CHILD_DEPOSIT: 0x44, // 'D' + child + u64 nonce → ChildDepositRecord (JSON; format 2 wrote deposits without `kind`)
  CHILD_COMMITMENT: 0x4b, // 'K' + child + u64 number → ChildCommitmentRecord (JSON)
  PENDING_TX: 0x50, // 'P' + tx hash → JournalledTx (JSON): the mempool's journal, deleted with the block that includes or rejects it
} as const;

const META_IDENTITY = 'identity';
const META_HEAD = 'head';
const META_COMMITTED = 'committed';
/** The validator's consensus record for the height it is deciding (docs/CONSENSUS.md §4.3): only the newest matters. */
const META_CONSENSUS = 'consensus';
/** The last PREPARE this validator sent (height-tagged like META_CONSENSUS): one PREPARE per round, even across a restart. */
const META_OWN_PREPARE = 'own-prepare';

function key(prefix: number, body: Uint8Array | string): Buffer {
  const bodyBytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  const out = Buffer.allocUnsafe(1 + bodyBytes.length);
  out[0] = prefix;
  out.set(bodyBytes, 1);
  return out;
}

function u64Key(prefix: number, n: number): Buffer {
  const out = Buffer.allocUnsafe(9);
  out[0] = prefix;
  out.writeBigUInt64BE(BigInt(n), 1);
  return out;
}

function hashKey(prefix: number, hash: Hex): Buffer {
  const out = Buffer.allocUnsafe(33);
  out[0] = prefix;
  if (out.write(hash.slice(2), 1, 'hex') !== 32) throw new TypeError(`not a 32-byte hash: ${hash}`);
  return out;
}

function slotKey(slot: number): Buffer {
  const out = Buffer.allocUnsafe(5);
  out[0] = P.ACCOUNT;
  out.writeUInt32BE(slot, 1);
  return out;
}

function childKey(prefix: number, child: ChainId, n: bigint): Buffer {
  const out = Buffer.allocUnsafe(41);
  out[0] = prefix;
  if (out.write(child.slice(2), 1, 'hex') !== 32) throw new TypeError(`not a 32-byte chain id: ${child}`);
  out.writeBigUInt64BE(n, 33);
  return out;
}

const bigJson = (value: unknown): Buffer => Buffer.from(JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? `n:${v}` : v)));
const bigParse = <T>(bytes: Buffer): T =>
  JSON.parse(bytes.toString('utf8'), (_k, v: unknown) => (typeof v === 'string' && v.startsWith('n:') ? BigInt(v.slice(2)) : v)) as T;

/** A record of the children's index; format 2 wrote deposits without `kind`. */
const parseChildRecord = (bytes: Buffer): ChildDepositRecord => {
  const record = bigParse<ChildDepositRecord | Omit<ChildTokenDepositRecord, 'kind'>>(bytes);
  return 'kind' in record ? record : { kind: 'deposit', ...record };
};


/** A Buffer view of `bytes` (level's buffer encoding wants Buffers; no copy). */
const asBuffer = (bytes: Uint8Array): Buffer => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
const json = (value: unknown): Buffer => Buffer.from(JSON.stringify(value));
const parse = <T>(bytes: Buffer): T => JSON.parse(bytes.toString('utf8')) as T;

/**
 * The node's database (`level`, under `<dataDir>/chain`). Every block is written with everything it changes
 * in one atomic batch, so whatever kills the process, a restart finds the chain at its last complete block.
 */
export class ChainStore {
  private head_: ChainHead = { number: 0, hash: ZERO_BYTES32 };
  private committed_: ChainHead = { number: 0, hash: ZERO_BYTES32 };
  /** Recently written or read blocks, decoded (the committer and proof requests ask for fresh blocks). */
  private readonly recentBlocks = new Map<number, StoredBlock>();
  private upgradedFrom_: number | undefined;
  /** Admission order of the next journalled transaction: starts from the clock so it passes a previous run's. */
  private nextJournalSeq = Date.now() * 1000;

  private constructor(private readonly db: Level<Buffer, Buffer>) {}

  /**
   * Opens (or creates) the store of chain `chainId` under root contract `rootContract`; refuses a store that
   * was written for another chain, another contract, or in another format.
   */
  static async open(dataDir: string, identity: { chainId: ChainId; rootContract: Address }): Promise<ChainStore> {
    const location = join(dataDir, 'chain');
    await mkdir(location, { recursive: true });
    const db = new Level<Buffer, Buffer>(location, { keyEncoding: 'buffer', valueEncoding: 'buffer' });
    try {
      await db.open();
    } catch (e) {
      const locked = (e as { cause?: { code?: string } }).cause?.code === 'LEVEL_LOCKED';
      throw nodeError('STORE_UNAVAILABLE', locked ? `the database at ${location} is in use by another process` : `cannot open the database at ${location}: ${(e as Error).message}`,
        locked ? 'another node runs on this data directory: stop it, or choose another dataDir' : 'check that dataDir is writable', { location });
    }
    const store = new ChainStore(db);
    try {
      await store.load({ version: STORE_FORMAT_VERSION, ...identity }, location);
    } catch (e) {
      await db.close();
      throw e;
    }
    return store;
  }

  /**
   * Opens an existing store without writing to it (no identity, no format upgrade): what reads a stopped node's
   * data directory or a backup (the escape hatch's offline proof source). The chain and root contract are the
   * ones the store was written for. LevelDB still takes its lock: the node must not be running on `dataDir`.
   */
  static async openReadOnly(dataDir: string): Promise<{ store: ChainStore; chainId: ChainId; rootContract: Address }> {
    const location = join(dataDir, 'chain');
    const db = new Level<Buffer, Buffer>(location, { keyEncoding: 'buffer', valueEncoding: 'buffer', createIfMissing: false });
    try {
      await db.open();
    } catch (e) {
      const code = (e as { cause?: { code?: string } }).cause?.code;
      const locked = code === 'LEVEL_LOCKED';
      throw nodeError('STORE_UNAVAILABLE', locked ? `the database at ${location} is in use by another process` : `cannot open the database at ${location}: ${(e as Error).message}`,
        locked ? 'a node runs on this data directory: ask it over JSON-RPC instead, or stop it first' : 'point at a node\'s data directory (the one holding chain/)', { location });
    }
    try {
      const stored = await db.get(key(P.META, META_IDENTITY));
      if (stored === undefined) throw nodeError('STORE_CORRUPT', `the database at ${location} holds no chain`, 'point at a node\'s data directory (the one holding chain/)', { location });
      const found = parse<{ version: number; chainId: ChainId; rootContract: Address }>(stored);
      if (found.version < OLDEST_READABLE_STORE_FORMAT || found.version > STORE_FORMAT_VERSION) {
        throw nodeError('STORE_FORMAT', `the database at ${location} has store format ${found.version}, this reads formats ${OLDEST_READABLE_STORE_FORMAT}-${STORE_FORMAT_VERSION}`,
          'read it with the node version that wrote it', { location, found: found.version });
      }
      const store = new ChainStore(db);
      const head = await db.get(key(P.META, META_HEAD));
      if (head !== undefined) store.head_ = parse<ChainHead>(head);
      const committed = await db.get(key(P.META, META_COMMITTED));
      if (committed !== undefined) store.committed_ = parse<ChainHead>(committed);
      return { store, chainId: found.chainId, rootContract: found.rootContract };
    } catch (e) {
      await db.close();
      throw e;
    }
  }

  private async load(identity: { version: number; chainId: ChainId; rootContract: Address }, location: string): Promise<void> {
    const stored = await this.db.get(key(P.META, META_IDENTITY));
    if (stored === undefined) {
      await this.db.put(key(P.META, META_IDENTITY), json(identity), { sync: true });
    } else {
      const found = parse<typeof identity>(stored);
      if (found.version < OLDEST_READABLE_STORE_FORMAT || found.version > identity.version) {
        const newer = found.version > identity.version;
        throw nodeError('STORE_FORMAT', `the database at ${location} has store format ${found.version}, this node reads formats ${OLDEST_READABLE_STORE_FORMAT}-${identity.version}`,
          newer
            ? `it was written by a newer node: run that version, or start from an empty dataDir (or delete ${location})`
            : `format ${found.version} predates the persisted ledger and cannot be upgraded: start from an empty dataDir (or delete ${location}); the chain is rebuilt from its parent's deposits`,
          { location, found: found.version, expected: identity.version });
      }
      if (found.chainId !== identity.chainId || found.rootContract !== identity.rootContract) {
        throw nodeError('STORE_MISMATCH', `the database at ${location} was written for chain ${found.chainId} of root contract ${found.rootContract} (format ${found.version}), not chain ${identity.chainId} of ${identity.rootContract} (format ${identity.version})`,
          'point dataDir at this chain\'s own directory, or at an empty one to start from genesis', { location, found, expected: identity });
      }
      if (found.version !== identity.version) {
        // Format 2 → 3: nothing stored changes meaning. Old blocks keep their format byte (and hold no up edge
        // events), old deposit records have no `kind` (read as deposits); what is written from now on is format 3.
        await this.db.put(key(P.META, META_IDENTITY), json(identity), { sync: true });
        this.upgradedFrom_ = found.version;
      }
    }
    const head = await this.db.get(key(P.META, META_HEAD));
    if (head !== undefined) this.head_ = parse<ChainHead>(head);
    const committed = await this.db.get(key(P.META, META_COMMITTED));
    if (committed !== undefined) this.committed_ = parse<ChainHead>(committed);
  }

  /** The store format this store was upgraded from when it was opened (undefined: it was current). */
  get upgradedFrom(): number | undefined {
    return this.upgradedFrom_;
  }

  async close(): Promise<void> {
    if (this.db.status === 'open' || this.db.status === 'opening') await this.db.close();
  }

  /** The last complete block (number 0 before the first). */
  get head(): ChainHead {
    return this.head_;
  }

  /** The newest block known to be committed on L1 (number 0 = none). */
  get committed(): ChainHead {
    return this.committed_;
  }

  /**
   * Writes a block and everything it changes (tx index, rejections, changed accounts, signatures, head) in
   * one atomic batch. Blocks must come in order.
   */
  async putBlock(write: BlockWrite): Promise<void> {
    const { block, txHashes } = write.stored;
    const number = Number(block.header.number);
    if (number !== this.head_.number + 1) throw new Error(`ChainStore.putBlock: block ${number} does not follow head ${this.head_.number}`);

    const batch = this.db.batch();
    batch.put(u64Key(P.BLOCK, number), asBuffer(encodeStoredBlock(write.stored)));
    batch.put(hashKey(P.BLOCK_NUMBER, block.hash), u64Key(P.BLOCK, number).subarray(1));
    let exitIndex = 0;
    for (let i = 0; i < block.txs.length; i++) {
      const location = { blockNumber: number, index: i, exitIndex: makesExit(block.txs[i]) ? exitIndex++ : null };
      batch.put(hashKey(P.TX, txHashes[i]), asBuffer(encodeTxLocation(location)));
      batch.del(hashKey(P.PENDING_TX, txHashes[i]));
    }
    // More leaves than exits only in a block forged by fault injection (bad-exit-root); fewer is a bug.
    if (exitIndex > block.exits.length) throw new Error(`ChainStore.putBlock: block ${number} has ${block.exits.length} exit leaves but ${exitIndex} transactions that add one`);
    for (const [hash, rejection] of write.rejected) {
      batch.put(hashKey(P.REJECTED, hash), json({ ...rejection, blockNumber: number }));
      batch.del(hashKey(P.PENDING_TX, hash));
    }
    for (const [slot, account] of write.accounts) batch.put(slotKey(slot), asBuffer(encodeAccount(account)));
    for (const [ledgerKey, entry] of write.ledger ?? []) {
      if (entry === undefined) batch.del(hashKey(P.LEDGER, ledgerKey));
      else batch.put(hashKey(P.LEDGER, ledgerKey), asBuffer(encodeLedgerEntry(entry)));
    }
    for (const d of write.childDeposits ?? []) batch.put(childKey(P.CHILD_DEPOSIT, d.child, d.nonce), bigJson(d));
    for (const c of write.childCommitments ?? []) batch.put(childKey(P.CHILD_COMMITMENT, c.child, c.number), bigJson(c));
    if (write.signatures.length > 0) batch.put(u64Key(P.SIGNATURES, number), asBuffer(encodeSignatures(write.signatures)));
    const head: ChainHead = { number, hash: block.hash };
    batch.put(key(P.META, META_HEAD), json(head));
    // fsync before the block is signed or served: a validator must never commit to L1 a block that a power
    // cut could take from its disk (it could not answer a data-availability challenge). One sync per block.
    await batch.write({ sync: true });
    this.head_ = head;
    this.remember(number, write.stored);
  }

  /** Persists the rejections of a block attempt that ended up with no transaction (so no block). */
  /**
   * Records, synced to disk before the COMMIT it precedes is sent, the prepared certificate a validator holds for
   * `height` (encoded by the caller): a restarted validator must not forget it (docs/CONSENSUS.md §4).
   */
  async putConsensusRecord(height: number, record: Uint8Array, name: 'prepared' | 'own-prepare' = 'prepared'): Promise<void> {
    const value = new Uint8Array(8 + record.length);
    new DataView(value.buffer).setBigUint64(0, BigInt(height));
    value.set(record, 8);
    await this.db.put(key(P.META, name === 'prepared' ? META_CONSENSUS : META_OWN_PREPARE), asBuffer(value), { sync: true });
  }

  /**
   * The record `putConsensusRecord` stored for `height` under `name` (the prepared certificate, or the last PREPARE
   * this validator sent); undefined when the newest one is for another height.
   */
  async getConsensusRecord(height: number, name: 'prepared' | 'own-prepare' = 'prepared'): Promise<Uint8Array | undefined> {
    const value = await this.db.get(key(P.META, name === 'prepared' ? META_CONSENSUS : META_OWN_PREPARE));
    if (value === undefined) return undefined;
    const bytes = new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
    if (Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0)) !== height) return undefined;
    return bytes.slice(8);
  }

  async putRejections(rejected: Iterable<[txHash: Hex, rejection: Omit<Rejection, 'blockNumber'>]>): Promise<void> {
    const blockNumber = this.head_.number + 1;
    const batch = this.db.batch();
    for (const [hash, rejection] of rejected) {
      batch.put(hashKey(P.REJECTED, hash), json({ ...rejection, blockNumber }));
      batch.del(hashKey(P.PENDING_TX, hash));
    }
    await batch.write();
  }

  /**
   * Journals transactions the mempool admitted, before their submitter is answered: a node killed after saying
   * "accepted" finds them again at restart (`pendingTxs`). Not fsynced: LevelDB hands each write to the OS before
   * it returns, which is what survives a killed process; the block that includes or rejects a transaction deletes
   * its entry in the same batch.
   */
  async journalTxs(entries: readonly { hash: Hex; tx: SignedTx }[]): Promise<void> {
    if (entries.length === 0) return;
    const batch = this.db.batch();
    for (const { hash, tx } of entries) batch.put(hashKey(P.PENDING_TX, hash), json({ seq: this.nextJournalSeq++, tx: signedTxToJson(tx) }));
    await batch.write();
  }

  /** Forgets journalled transactions (refused when re-admitted at restart). */
  async unjournalTxs(hashes: Iterable<Hex>): Promise<void> {
    const batch = this.db.batch();
    for (const hash of hashes) batch.del(hashKey(P.PENDING_TX, hash));
    if (batch.length > 0) await batch.write();
    else await batch.close();
  }

  /** The journalled transactions, in the order they were admitted; an unreadable entry is dropped. */
  async pendingTxs(): Promise<{ hash: Hex; tx: SignedTx }[]> {
    const found: { seq: number; hash: Hex; tx: SignedTx }[] = [];
    const unreadable: Buffer[] = [];
    for await (const [k, v] of this.db.iterator({ gte: Buffer.from([P.PENDING_TX]), lt: Buffer.from([P.PENDING_TX + 1]) })) {
      try {
        const { seq, tx } = parse<{ seq: number; tx: unknown }>(v);
        found.push({ seq, hash: `0x${k.subarray(1).toString('hex')}` as Hex, tx: signedTxFromJson(tx) });
      } catch {
        unreadable.push(k);
      }
    }
    if (unreadable.length > 0) await this.db.batch(unreadable.map((k) => ({ type: 'del' as const, key: k })));
    found.sort((a, b) => a.seq - b.seq);
    this.nextJournalSeq = Math.max(this.nextJournalSeq, (found.at(-1)?.seq ?? -1) + 1);
    return found.map(({ hash, tx }) => ({ hash, tx }));
  }

  async getBlock(number: number): Promise<StoredBlock | undefined> {
    if (!Number.isSafeInteger(number) || number < 1 || number > this.head_.number) return undefined;
    const cached = this.recentBlocks.get(number);
    if (cached) return cached;
    const bytes = await this.db.get(u64Key(P.BLOCK, number));
    if (bytes === undefined) return undefined;
    const stored = decodeStoredBlock(bytes);
    this.remember(number, stored);
    return stored;
  }

  private remember(number: number, stored: StoredBlock): void {
    this.recentBlocks.delete(number);
    this.recentBlocks.set(number, stored);
    if (this.recentBlocks.size > RECENT_BLOCKS) this.recentBlocks.delete(this.recentBlocks.keys().next().value!);
  }

  /** Hash of block `number`, without decoding the block. */
  async getBlockHash(number: number): Promise<Hex | undefined> {
    if (!Number.isSafeInteger(number) || number < 1 || number > this.head_.number) return undefined;
    const cached = this.recentBlocks.get(number);
    if (cached) return cached.block.hash;
    const bytes = await this.db.get(u64Key(P.BLOCK, number));
    return bytes === undefined ? undefined : storedBlockHash(bytes);
  }

  async getBlockNumber(hash: Hex): Promise<number | undefined> {
    const bytes = await this.db.get(hashKey(P.BLOCK_NUMBER, hash));
    return bytes === undefined ? undefined : Number(bytes.readBigUInt64BE(0));
  }

  async getBlockByHash(hash: Hex): Promise<StoredBlock | undefined> {
    const number = await this.getBlockNumber(hash);
    return number === undefined ? undefined : this.getBlock(number);
  }

  async getTxLocation(txHash: Hex): Promise<TxLocation | undefined> {
    const bytes = await this.db.get(hashKey(P.TX, txHash));
    return bytes === undefined ? undefined : decodeTxLocation(bytes);
  }

  async getRejection(txHash: Hex): Promise<Rejection | undefined> {
    const bytes = await this.db.get(hashKey(P.REJECTED, txHash));
    return bytes === undefined ? undefined : parse<Rejection>(bytes);
  }

  async getSignatures(number: number): Promise<Hex[]> {
    const bytes = await this.db.get(u64Key(P.SIGNATURES, number));
    return bytes === undefined ? [] : decodeSignatures(bytes);
  }

  /** Every non-empty state slot, in slot order. */
  async *accounts(): AsyncGenerator<[slot: number, account: Account]> {
    const range = { gte: slotKey(0), lt: Buffer.from([P.ACCOUNT + 1]) };
    for await (const [k, v] of this.db.iterator(range)) yield [k.readUInt32BE(1), decodeAccount(v)];
  }

  /** Every stored ledger entry (ParentLedger.fromEntries rebuilds the ledger from them). */
  async *ledgerEntries(): AsyncGenerator<LedgerEntry> {
    const range = { gt: Buffer.from([P.LEDGER]), lt: Buffer.from([P.LEDGER + 1]) };
    for await (const [, v] of this.db.iterator(range)) yield decodeLedgerEntry(v);
  }

  async getChildDeposit(child: ChainId, nonce: bigint): Promise<ChildDepositRecord | undefined> {
    if (nonce < 0n || nonce >= 1n << 64n) return undefined;
    const bytes = await this.db.get(childKey(P.CHILD_DEPOSIT, child, nonce));
    return bytes === undefined ? undefined : parseChildRecord(bytes);
  }

  /** The deposits to `child` with nonces in [fromNonce, toNonce], in nonce order. */
  async getChildDeposits(child: ChainId, fromNonce: bigint, toNonce: bigint): Promise<ChildDepositRecord[]> {
    const out: ChildDepositRecord[] = [];
    if (toNonce < fromNonce) return out;
    const range = { gte: childKey(P.CHILD_DEPOSIT, child, fromNonce), lte: childKey(P.CHILD_DEPOSIT, child, toNonce) };
    for await (const [, v] of this.db.iterator(range)) out.push(parseChildRecord(v));
    return out;
  }

  async getChildCommitment(child: ChainId, number: bigint): Promise<ChildCommitmentRecord | undefined> {
    if (number < 0n || number >= 1n << 64n) return undefined;
    const bytes = await this.db.get(childKey(P.CHILD_COMMITMENT, child, number));
    return bytes === undefined ? undefined : bigParse<ChildCommitmentRecord>(bytes);
  }

  async getCommitment(number: number): Promise<CommitmentRecord | undefined> {
    const bytes = await this.db.get(u64Key(P.COMMITMENT, number));
    return bytes === undefined ? undefined : parse<CommitmentRecord>(bytes);
  }

  /** Records that block `number` (the next after `committed`) is committed on L1. */
  async putCommitment(number: number, record: CommitmentRecord): Promise<void> {
    if (number !== this.committed_.number + 1) {
      throw new Error(`ChainStore.putCommitment: block ${number} does not follow committed block ${this.committed_.number}`);
    }
    const committed: ChainHead = { number, hash: record.blockHash };
    await this.db.batch([
      { type: 'put', key: u64Key(P.COMMITMENT, number), value: json(record) },
      { type: 'put', key: key(P.META, META_COMMITTED), value: json(committed) },
    ]);
    this.committed_ = committed;
  }

  /** Forgets the commitments of blocks above `number` (their L1 transactions were reorged out). */
  async rollbackCommitments(number: number): Promise<void> {
    if (number >= this.committed_.number) return;
    const committed: ChainHead = number === 0 ? { number: 0, hash: ZERO_BYTES32 } : { number, hash: (await this.getCommitment(number))!.blockHash };
    const ops: Array<{ type: 'del'; key: Buffer } | { type: 'put'; key: Buffer; value: Buffer }> = [];
    for (let n = number + 1; n <= this.committed_.number; n++) ops.push({ type: 'del', key: u64Key(P.COMMITMENT, n) });
    ops.push({ type: 'put', key: key(P.META, META_COMMITTED), value: json(committed) });
    await this.db.batch(ops);
    this.committed_ = committed;
  }
}
