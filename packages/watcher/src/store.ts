import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Level } from 'level';
import type { Account, Address, BlockJson, ChainId, Hex, HeaderJson, LedgerEntry } from '@plasma-tree/core';
import { watcherError } from './errors.js';
import type { Finding } from './types.js';

/** The newest block the watcher re-executed and found valid (number 0 = none yet). */
export interface VerifiedHead {
  number: number;
  hash: Hex;
  header: HeaderJson | null;
}

/** A `Committed` event, as confirmed on L1. */
export interface CommitRecord {
  number: number;
  blockHash: Hex;
  windowEnd: number;
  l1Block: number;
  l1BlockHash: Hex;
  l1TxHash: Hex;
}

/** The newest L1 block whose events were processed, and a few before it (to find the fork point of a reorg). */
export interface L1Cursor {
  number: number;
  hash: Hex;
  recent: { number: number; hash: Hex }[];
}

export interface StoredChain {
  verified: VerifiedHead;
  accounts: [number, Account][];
  ledger: LedgerEntry[];
  commitments: CommitRecord[];
  findings: Finding[];
}

const STORE_VERSION = 1;
const pad = (n: number, width = 12) => String(n).padStart(width, '0');
const bigJson = (value: unknown): string => JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? `n:${v}` : v));
const bigParse = <T>(text: string): T => JSON.parse(text, (_k, v: unknown) => (typeof v === 'string' && /^n:-?\d+$/.test(v) ? BigInt(v.slice(2)) : v)) as T;

type Op = { type: 'put'; key: string; value: string } | { type: 'del'; key: string };

/** Keys of one chain: `c/<chainId>/<record>/…`, each record kind one ordered range. */
const k = {
  identity: 'meta/identity',
  cursor: 'meta/cursor',
  verified: (c: ChainId) => `c/${c}/verified`,
  account: (c: ChainId, slot: number) => `c/${c}/acct/${pad(slot, 10)}`,
  ledger: (c: ChainId, key: Hex) => `c/${c}/ledger/${key}`,
  block: (c: ChainId, n: number) => `c/${c}/block/${pad(n)}`,
  commit: (c: ChainId, n: number) => `c/${c}/commit/${pad(n)}`,
  finding: (c: ChainId, id: string) => `c/${c}/finding/${id}`,
};
const range = (prefix: string) => ({ gte: prefix, lt: `${prefix}\xff` });

/** Writes gathered for one atomic batch (one verified block, one L1 round of one chain, one finding update). */
export class Batch {
  readonly ops: Op[] = [];
  constructor(private readonly chainId: ChainId) {}

  verified(head: VerifiedHead): this {
    return this.put(k.verified(this.chainId), head);
  }
  account(slot: number, account: Account): this {
    return this.put(k.account(this.chainId, slot), account);
  }
  ledger(key: Hex, entry: Readonly<LedgerEntry> | undefined): this {
    if (entry === undefined) this.ops.push({ type: 'del', key: k.ledger(this.chainId, key) });
    else this.put(k.ledger(this.chainId, key), entry);
    return this;
  }
  block(n: number, json: BlockJson): this {
    return this.put(k.block(this.chainId, n), json);
  }
  dropBlock(n: number): this {
    this.ops.push({ type: 'del', key: k.block(this.chainId, n) });
    return this;
  }
  commit(record: CommitRecord): this {
    return this.put(k.commit(this.chainId, record.number), record);
  }
  dropCommit(n: number): this {
    this.ops.push({ type: 'del', key: k.commit(this.chainId, n) });
    return this;
  }
  finding(f: Finding): this {
    return this.put(k.finding(this.chainId, f.id), f);
  }
  dropFinding(id: string): this {
    this.ops.push({ type: 'del', key: k.finding(this.chainId, id) });
    return this;
  }
  private put(key: string, value: unknown): this {
    this.ops.push({ type: 'put', key, value: bigJson(value) });
    return this;
  }
}

/**
 * The watcher's database (`level`, under `<dataDir>/watcher`): per chain the verified head, its state (accounts and
 * ledger entries), the verified blocks (replayed after a rollback), the confirmed commitments and the findings with
 * their objections; globally the L1 cursor. Each verified block is one atomic batch, so a restart resumes from the
 * last complete one.
 */
export class WatcherStore {
  private constructor(private readonly db: Level<string, string>) {}

  static async open(dataDir: string, identity: { rootContract: Address; l1ChainId: string }): Promise<WatcherStore> {
    const location = join(dataDir, 'watcher');
    await mkdir(location, { recursive: true });
    const db = new Level<string, string>(location);
    try {
      await db.open();
    } catch (e) {
      const locked = (e as { cause?: { code?: string } }).cause?.code === 'LEVEL_LOCKED';
      throw watcherError('STORE_UNAVAILABLE', locked ? `the database at ${location} is in use by another process` : `cannot open the database at ${location}: ${(e as Error).message}`,
        locked ? 'another watcher runs on this data directory: stop it, or choose another --data-dir' : 'check that the data directory is writable', { location });
    }
    const store = new WatcherStore(db);
    const expected = { version: STORE_VERSION, ...identity };
    const found = await db.get(k.identity);
    if (found === undefined) {
      await db.put(k.identity, JSON.stringify(expected));
    } else {
      const f = JSON.parse(found) as typeof expected;
      if (f.version !== expected.version || f.rootContract !== expected.rootContract || f.l1ChainId !== expected.l1ChainId) {
        await db.close();
        throw watcherError('STORE_MISMATCH', `the database at ${location} belongs to PlasmaRoot ${f.rootContract} on L1 ${f.l1ChainId} (format ${f.version})`,
          'point --data-dir at this root contract\'s own directory, or at an empty one', { location, found: f, expected });
      }
    }
    return store;
  }

  async close(): Promise<void> {
    if (this.db.status === 'open' || this.db.status === 'opening') await this.db.close();
  }

  async cursor(): Promise<L1Cursor> {
    const v = await this.db.get(k.cursor);
    return v === undefined ? { number: -1, hash: '0x' as Hex, recent: [] } : bigParse<L1Cursor>(v);
  }

  /** Writes `batches` (of any chains) and, if given, the L1 cursor, in one atomic batch. */
  async write(batches: readonly Batch[], cursor?: L1Cursor): Promise<void> {
    const ops: Op[] = batches.flatMap((b) => b.ops);
    if (cursor) ops.push({ type: 'put', key: k.cursor, value: bigJson(cursor) });
    if (ops.length > 0) await this.db.batch(ops);
  }

  async loadChain(chainId: ChainId): Promise<StoredChain> {
    const verified = await this.db.get(k.verified(chainId));
    return {
      verified: verified === undefined ? { number: 0, hash: `0x${'00'.repeat(32)}` as Hex, header: null } : bigParse<VerifiedHead>(verified),
      accounts: (await this.values<Account>(`c/${chainId}/acct/`, true)).map(([key, a]) => [Number(key.slice(-10)), a]),
      ledger: (await this.values<LedgerEntry>(`c/${chainId}/ledger/`)).map(([, e]) => e),
      commitments: (await this.values<CommitRecord>(`c/${chainId}/commit/`)).map(([, c]) => c),
      findings: (await this.values<Finding>(`c/${chainId}/finding/`)).map(([, f]) => f),
    };
  }

  async block(chainId: ChainId, n: number): Promise<BlockJson | undefined> {
    const v = await this.db.get(k.block(chainId, n));
    return v === undefined ? undefined : bigParse<BlockJson>(v);
  }

  /** A batch that replaces the chain's stored state by `accounts` and `ledger` (after a rollback's replay). */
  async replaceState(chainId: ChainId, batch: Batch, accounts: Iterable<[number, Account]>, ledger: Iterable<Readonly<LedgerEntry>>, ledgerKey: (e: Readonly<LedgerEntry>) => Hex): Promise<void> {
    for await (const key of this.db.keys(range(`c/${chainId}/acct/`))) batch.ops.push({ type: 'del', key });
    for await (const key of this.db.keys(range(`c/${chainId}/ledger/`))) batch.ops.push({ type: 'del', key });
    for (const [slot, a] of accounts) batch.account(slot, a);
    for (const e of ledger) batch.ledger(ledgerKey(e), e);
  }

  private async values<T>(prefix: string, _ordered = false): Promise<[string, T][]> {
    const out: [string, T][] = [];
    for await (const [key, v] of this.db.iterator(range(prefix))) out.push([key, bigParse<T>(v)]);
    return out;
  }
}
