/**
 * L1 reorgs under the watcher, played on a real Hardhat L1 with `evm_snapshot` / `evm_revert` (then other blocks are
 * mined, so the heights come back with other hashes). The child chains here have no node: the test builds their
 * blocks itself (BlockBuilder), signs and commits them on PlasmaRoot, and serves them to the watcher from a tiny
 * JSON-RPC server, so that which block is committed at which height on which fork is exactly under its control.
 *
 * 1. a verified commitment is reorged out and another block is committed at its height (with another deposit under
 *    the same deposit nonce): progress rolled back, the new block verified, the store and cursor on the new fork, a
 *    restart resumes quietly;
 * 2. a finding whose commitment is reorged out before its objection could be sent: resolved, nothing sent; the same
 *    invalid block committed again (the operator's commit tx re-included) is found and objected to again;
 * 3. a reorg deeper than the cursor's remembered history: the watcher rescans L1 from block 0 and re-verifies, and an
 *    open finding whose commitment survived is open again afterwards;
 * 4. an L1 RPC failure while checking the cursor is not a reorg;
 * 5. a conviction reorged out while the commit it convicted survives: the watcher rescans the chain's events, is back
 *    at the invalid block's height, and objects to it again on the new fork.
 */
import { createServer } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Contract, Wallet, parseEther } from 'ethers';
import {
  BUILT_IN_EDGES,
  BlockBuilder,
  ChainState,
  FraudKind,
  ROOT_CHAIN_ID,
  blockToJson,
  commitmentDigest,
  hashHeader,
  plasmaDomain,
  secp256k1Scheme,
  type Address,
  type Block,
  type ChainId,
  type Deposit,
  type Hex,
} from '@plasma-tree/core';
import { Watcher, createLogger, type WatcherOptions } from '../src/index.js';
import { WatcherStore } from '../src/store.js';
import { ETH, WINDOW, chainStatus, fraudProven, getJson, spawnChain, startL1, tempDir, validatorKey, waitFor, type L1 } from './helpers.js';

/** A JSON-RPC server playing a chain's node: serves `blocks` (pt_getBlockByNumber) and nothing else. */
async function startBlockServer(): Promise<{ url: string; blocks: Map<number, Block>; close(): Promise<void> }> {
  const blocks = new Map<number, Block>();
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const { id, method, params } = JSON.parse(Buffer.concat(chunks).toString()) as { id: number; method: string; params: unknown[] };
    const block = method === 'pt_getBlockByNumber' ? blocks.get(Number(params[0])) : undefined;
    const body = method === 'pt_getBlockByNumber'
      ? { jsonrpc: '2.0', id, result: block ? blockToJson(block) : null }
      : { jsonrpc: '2.0', id, error: { code: -32601, message: `no method ${method}` } };
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    blocks,
    close: () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))),
  };
}

/**
 * An HTTP proxy to the L1 that, while `failBlockLookups` is set, answers eth_getBlockByNumber of a numbered block
 * with a JSON-RPC error (an RPC provider's rate limit or hiccup); everything else, `latest` included, goes through.
 */
async function startFlakyL1(target: string): Promise<{ url: string; failBlockLookups: boolean; failed: number; close(): Promise<void> }> {
  const state = { failBlockLookups: false, failed: 0 };
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const answer = (await (await fetch(target, { method: 'POST', headers: { 'content-type': 'application/json' }, body: Buffer.concat(chunks) })).json()) as unknown;
    const request = JSON.parse(Buffer.concat(chunks).toString()) as unknown;
    const fail = (q: { id: unknown; method: string; params?: unknown[] }, a: unknown) => {
      if (!state.failBlockLookups || q.method !== 'eth_getBlockByNumber' || q.params?.[0] === 'latest') return a;
      state.failed++;
      return { jsonrpc: '2.0', id: q.id, error: { code: -32005, message: 'rate limited' } };
    };
    const out = Array.isArray(request)
      ? (request as Array<{ id: unknown; method: string; params?: unknown[] }>).map((q) => fail(q, (answer as Array<{ id: unknown }>).find((a) => a.id === q.id)))
      : fail(request as { id: unknown; method: string; params?: unknown[] }, answer);
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(out));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return Object.assign(state, {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    close: () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))),
  });
}

/** A chain with one validator (threshold 1) whose blocks the test builds and commits itself. */
interface TestChain {
  name: string;
  chainId: ChainId;
  key: Hex;
  server: Awaited<ReturnType<typeof startBlockServer>>;
}

/** What a block holds: its timestamp, the deposits it applies, and (for a lie) the timestamp its header claims. */
interface BlockSpec {
  timestamp: bigint;
  deposits?: Deposit[];
  claimTimestamp?: bigint;
}

let l1: L1;
const closers: Array<() => Promise<unknown>> = [];

beforeAll(async () => {
  l1 = await startL1();
}, 60_000);

afterAll(async () => {
  for (const close of closers.reverse()) await close().catch(() => {});
  await l1?.stop();
}, 30_000);

const send = <T = unknown>(method: string, params: unknown[] = []) => l1.provider.send(method, params) as Promise<T>;
const snapshot = () => send<string>('evm_snapshot');
async function revert(id: string): Promise<void> {
  expect(await send<boolean>('evm_revert', [id])).toBe(true);
}
const mine = (n: number) => send('hardhat_mine', [`0x${n.toString(16)}`]);
const l1Now = async () => BigInt((await l1.provider.getBlock('latest'))!.timestamp);
const hashAt = async (n: number) => (await l1.provider.getBlock(n))?.hash?.toLowerCase();

async function newChain(name: string, keyIndex: number, window = WINDOW): Promise<TestChain> {
  const key = validatorKey(l1, keyIndex);
  const chainId = await spawnChain(l1, [key], 1, window);
  const server = await startBlockServer();
  closers.push(() => server.close());
  return { name, chainId, key, server };
}

/** Blocks 1..specs.length of `c`, built from genesis (so that two forks share their common prefix exactly). */
async function build(c: TestChain, specs: BlockSpec[]): Promise<Block[]> {
  const records = new Map<bigint, Hex>();
  for (const s of specs) for (const d of s.deposits ?? []) records.set(d.nonce, ((await l1.root.depositRecord(c.chainId, d.nonce)) as string).toLowerCase() as Hex);
  const ctx = { chainId: c.chainId, domain: plasmaDomain(l1.l1ChainId, l1.rootAddress), edges: BUILT_IN_EDGES, parentChainId: ROOT_CHAIN_ID, depositRecord: (n: bigint) => records.get(n) };
  const state = new ChainState(c.chainId);
  const blocks: Block[] = [];
  for (const s of specs) {
    const builder = new BlockBuilder({ parent: blocks.at(-1)?.header ?? null, state, ctx, timestamp: s.timestamp });
    for (const d of s.deposits ?? []) builder.addDeposit(d);
    const block = builder.seal();
    if (s.claimTimestamp !== undefined) {
      block.header = { ...block.header, timestamp: s.claimTimestamp };
      block.hash = hashHeader(block.header);
    }
    blocks.push(block);
  }
  return blocks;
}

/** Commits `block` on PlasmaRoot with the validator's signature; the L1 block it was mined in. */
async function commit(c: TestChain, block: Block): Promise<number> {
  const sig = secp256k1Scheme.sign(commitmentDigest(plasmaDomain(l1.l1ChainId, l1.rootAddress), c.chainId, block.header.number, block.hash), c.key);
  const root = l1.root.connect(new Wallet(c.key, l1.provider)) as Contract;
  const receipt = await (await root.commit(c.chainId, block.header, sig)).wait();
  return receipt.blockNumber as number;
}

/** Serves `block` at its height and commits it. */
async function publish(c: TestChain, block: Block): Promise<number> {
  c.server.blocks.set(Number(block.header.number), block);
  return commit(c, block);
}

/** An ETH deposit from the deployer to `to`, mined; as the child chain applies it. */
async function deposit(c: TestChain, nonce: bigint, to: Address, amount: bigint): Promise<Deposit> {
  await (await l1.root.depositETH(c.chainId, to, { value: amount })).wait();
  return { chainId: c.chainId, nonce, from: l1.deployer.address.toLowerCase() as Address, to, token: ETH, amount };
}

/** A watcher on `chains`, keeping its log lines. */
async function startWatcher(chains: TestChain[], dataDir: string, extra: Partial<WatcherOptions> = {}) {
  const lines: Array<Record<string, unknown>> = [];
  const watcher = await Watcher.init({
    l1RpcUrl: l1.hardhat.url,
    rootContract: l1.rootAddress,
    chains: chains.map((c) => ({ chainId: c.chainId, name: c.name, nodes: [c.server.url] })),
    dataDir,
    confirmations: 0,
    pollMs: 50,
    status: false,
    logger: createLogger({ level: 'info', write: (line) => lines.push(JSON.parse(line) as Record<string, unknown>) }),
    ...extra,
  });
  closers.push(() => watcher.close());
  const logged = (msg: RegExp) => lines.filter((l) => msg.test(String(l.msg)));
  return { watcher, lines, logged };
}

/** Resolves once the watcher has processed L1 up to the current head (after mining one block, so there is news). */
async function synced(w: Watcher): Promise<void> {
  await mine(1);
  const head = await l1.provider.getBlockNumber();
  await waitFor(`the watcher synced to L1 block ${head}`, () => w.status().l1.synced >= head || undefined, 10_000);
}

const randomAddress = () => Wallet.createRandom().address.toLowerCase() as Address;

describe('L1 reorgs', () => {
  it('a verified commitment reorged out and replaced by another block: rolled back, the new block verified, store and cursor on the new fork, a restart is quiet', async () => {
    const c = await newChain('replaced', 1);
    const dir = await tempDir();
    closers.push(() => dir.remove());
    const t0 = (await l1Now()) - 1_000n;
    const { watcher, logged } = await startWatcher([c], dir.path, { status: { port: 0 } });

    const [b1] = await build(c, [{ timestamp: t0 }]);
    await publish(c, b1);
    await waitFor('block 1 verified', () => chainStatus(watcher, c.name).headVerified >= 1 || undefined);
    const fork = await snapshot();

    // Fork A: deposit 1 goes to alice, block 2 applies it, block 3 is empty.
    const alice = await deposit(c, 1n, randomAddress(), parseEther('1'));
    const forkA = await build(c, [{ timestamp: t0 }, { timestamp: t0 + 1n, deposits: [alice] }, { timestamp: t0 + 2n }]);
    expect(forkA[0].hash).toBe(b1.hash);
    await publish(c, forkA[1]);
    const oldTip = await publish(c, forkA[2]);
    await waitFor('fork A verified', () => chainStatus(watcher, c.name).headVerified >= 3 || undefined);
    expect(watcher.metrics.blocksVerified.get({ chain: c.name })).toBe(3);

    // The reorg: fork B has deposit 1 to bob (another amount), and another block 2; no block 3.
    await revert(fork);
    const bob = await deposit(c, 1n, randomAddress(), parseEther('2'));
    const forkB = await build(c, [{ timestamp: t0 }, { timestamp: t0 + 5n, deposits: [bob] }]);
    expect(forkB[1].hash).not.toBe(forkA[1].hash);
    c.server.blocks.delete(3);
    await publish(c, forkB[1]);
    await mine(Math.max(1, oldTip + 2 - (await l1.provider.getBlockNumber()))); // the old heights exist again, with other hashes
    expect(await l1.provider.getBlockNumber()).toBeGreaterThan(oldTip);

    await waitFor('block 2 of fork B verified', () => watcher.metrics.blocksVerified.get({ chain: c.name }) >= 4 || undefined);
    await synced(watcher);
    expect(logged(/L1 reorg/).length).toBeGreaterThanOrEqual(1);
    expect(logged(/progress rolled back to block 1/).length).toBe(1);
    expect(chainStatus(watcher, c.name)).toMatchObject({ headVerified: 2, headCommitted: 2, lag: 0, findings: [] });
    expect(chainStatus(watcher, c.name).haltedAt).toBeUndefined();
    expect(watcher.metrics.findings.get({ kind: 'invalid_block' })).toBe(0);
    const status = await getJson(`${watcher.statusUrl}/status`);
    expect(status.body.chains[0]).toMatchObject({ name: c.name, headVerified: 2, headCommitted: 2, findings: [] });
    await watcher.close();

    // On disk: the new block 2 and its commitment, no block 3, the cursor and its history on the canonical chain.
    const store = await WatcherStore.open(dir.path, { rootContract: l1.rootAddress, l1ChainId: l1.l1ChainId.toString() });
    try {
      const stored = await store.loadChain(c.chainId);
      expect(stored.verified).toMatchObject({ number: 2, hash: forkB[1].hash.toLowerCase() });
      expect(stored.commitments.map((r) => [r.number, r.blockHash])).toEqual([[1, b1.hash.toLowerCase()], [2, forkB[1].hash.toLowerCase()]]);
      expect(await store.block(c.chainId, 3)).toBeUndefined();
      expect((await store.block(c.chainId, 2))?.header).toMatchObject({ timestamp: Number(t0 + 5n) });
      const cursor = await store.cursor();
      expect(cursor.hash).toBe(await hashAt(cursor.number));
      expect(cursor.recent.at(-1)).toEqual({ number: cursor.number, hash: cursor.hash });
      for (const b of cursor.recent) expect(b.hash, `remembered L1 block ${b.number}`).toBe(await hashAt(b.number));
    } finally {
      await store.close();
    }

    // A restart resumes from the new fork: no reorg, nothing verified again, nothing reported.
    const again = await startWatcher([c], dir.path);
    expect(chainStatus(again.watcher, c.name)).toMatchObject({ headVerified: 2, verifiedSinceStart: 0 });
    await synced(again.watcher);
    await synced(again.watcher);
    expect(again.logged(/L1 reorg|rolled back|stopped|cannot/)).toEqual([]);
    expect(chainStatus(again.watcher, c.name)).toMatchObject({ headVerified: 2, headCommitted: 2, verifiedSinceStart: 0, findings: [] });
    expect(again.lines.filter((l) => l.level === 'error')).toEqual([]);
    await again.watcher.close();
  }, 40_000);

  it('a finding whose commitment is reorged out before the objection is sent: resolved, nothing sent; the same block committed again is objected to', async () => {
    const c = await newChain('reorged-fraud', 2);
    const dir = await tempDir();
    closers.push(() => dir.remove());
    // The watcher's key has no ETH yet: its objection cannot go out (sending fails, the verifier retries).
    const key = Wallet.createRandom().privateKey as Hex;
    const me = new Wallet(key).address;
    const t0 = (await l1Now()) - 1_000n;
    const { watcher, logged } = await startWatcher([c], dir.path, { key });

    const [b1, bad] = await build(c, [{ timestamp: t0 }, { timestamp: t0 + 10n, claimTimestamp: t0 - 10n }]); // block 2 claims a time before its parent's
    await publish(c, b1);
    await waitFor('block 1 verified', () => chainStatus(watcher, c.name).headVerified >= 1 || undefined);
    const fork = await snapshot();
    const commitBlock = await publish(c, bad);
    const finding = await waitFor('the finding', () => chainStatus(watcher, c.name).findings.find((f) => f.height === 2));
    expect(finding).toMatchObject({ kind: 'invalid_block', provable: true, blockHash: bad.hash.toLowerCase(), commitL1Block: commitBlock, objection: null });
    await waitFor('the objection failing to go out', () => logged(/cannot verify chain/).length > 0 || undefined);
    expect(chainStatus(watcher, c.name).haltedAt).toMatchObject({ height: 2 });
    // Turned away for want of gas money: the L1 does not know the tx, so no hash of it stays recorded as sent.
    expect(chainStatus(watcher, c.name).findings.find((f) => f.height === 2)?.objection).toBeNull();

    await revert(fork);
    await mine(3);
    const resolved = await waitFor('resolved by the reorg', () => {
      const s = chainStatus(watcher, c.name);
      return s.headCommitted === 1 && !s.haltedAt && s.findings.find((f) => f.height === 2 && f.resolved);
    });
    expect(resolved).toMatchObject({ id: 'invalid_block@2', resolved: 'its commit was reorged out of L1' });
    // A retry of the send may have run between the revert and the watcher noticing it: refused (estimateGas), not sent.
    if (resolved.objection !== null) expect(resolved.objection).toMatchObject({ tx: null, status: 'failed', reason: expect.stringMatching(/^UnknownCommitment/) });
    expect(chainStatus(watcher, c.name)).toMatchObject({ headCommitted: 1, headVerified: 1 });
    expect(chainStatus(watcher, c.name).haltedAt).toBeUndefined();

    // Now the key could pay: still nothing is sent for a block no longer committed.
    await send('hardhat_setBalance', [me, '0x8ac7230489e80000']);
    await waitFor('the verifier working again', () => logged(/verify chain .*: working again/).length > 0 || undefined, 15_000);
    await synced(watcher);
    expect(await l1.provider.getTransactionCount(me)).toBe(0);
    expect(chainStatus(watcher, c.name).findings).toMatchObject([{ id: 'invalid_block@2', resolved: 'its commit was reorged out of L1', objection: resolved.objection }]);

    // The operator's commit tx is included again on the new fork: the same invalid block, committed anew.
    const again = await publish(c, bad);
    const proven = await fraudProven(l1, c.chainId);
    expect(proven).toMatchObject({ number: 2n, kind: FraudKind.BadTimestamp, challenger: me.toLowerCase() });
    const convicted = await waitFor('convicted', () => chainStatus(watcher, c.name).findings.find((f) => f.height === 2 && f.objection?.status === 'convicted'));
    expect(convicted).toMatchObject({ commitL1Block: again, blockHash: bad.hash.toLowerCase() });
    expect(convicted.objection!.l1Block).toBe(proven.blockNumber);
    expect(await l1.provider.getTransactionCount(me)).toBe(1);
    expect(chainStatus(watcher, c.name).findings).toHaveLength(1);
    await watcher.close();
  }, 40_000);

  it('a conviction reorged out while the commit it convicted survives: the commit is found again, the finding reopened, the chain convicted again', async () => {
    const c = await newChain('unconvicted', 6);
    const dir = await tempDir();
    closers.push(() => dir.remove());
    const key = Wallet.createRandom().privateKey as Hex;
    const me = new Wallet(key).address.toLowerCase();
    await send('hardhat_setBalance', [me, '0x8ac7230489e80000']);
    const t0 = (await l1Now()) - 1_000n;
    // One confirmation: the watcher sees the bad commit only once the test mines past it, after the snapshot.
    const { watcher, logged } = await startWatcher([c], dir.path, { key, confirmations: 1 });

    const [b1, bad] = await build(c, [{ timestamp: t0 }, { timestamp: t0 + 10n, claimTimestamp: t0 - 10n }]); // block 2 claims a time before its parent's
    await publish(c, b1);
    await mine(1);
    await waitFor('block 1 verified', () => chainStatus(watcher, c.name).headVerified >= 1 || undefined);
    const commitBlock = await publish(c, bad);
    const fork = await snapshot(); // the commit is in; the watcher has not seen it yet
    expect(chainStatus(watcher, c.name).headCommitted).toBe(1);

    // Old fork: the watcher objects, the objection is mined, the conviction confirmed.
    await mine(1);
    const first = await waitFor('the first objection mined', () => chainStatus(watcher, c.name).findings.find((f) => f.height === 2 && f.objection?.status === 'mined'));
    expect(first).toMatchObject({ kind: 'invalid_block', blockHash: bad.hash.toLowerCase(), commitL1Block: commitBlock });
    expect(first.objection!.l1Block).toBeGreaterThan(commitBlock);
    await mine(1);
    await waitFor('convicted on the old fork', () => {
      const s = chainStatus(watcher, c.name);
      return s.headCommitted === 1 && s.status === 'frozen-fraud' && s.findings.find((f) => f.objection?.status === 'convicted');
    });

    // The reorg takes the conviction back; the commit (mined before the snapshot) stays.
    await revert(fork);
    expect(await l1.provider.getTransactionCount(me)).toBe(0);
    await mine(3);
    const reopened = await waitFor('the commit found again and the finding reopened', () => {
      const s = chainStatus(watcher, c.name);
      const f = s.findings.find((x) => x.height === 2);
      return s.headCommitted === 2 && s.status === 'live' && f && !f.resolved && f.objection?.status === 'mined' && f;
    }, 10_000);
    // The fork point is at or after the commit's L1 block: only the conviction was taken back, and read again.
    expect(logged(/L1 reorg/)[0]).toMatchObject({ forkPoint: expect.any(Number) });
    expect(logged(/L1 reorg/)[0].forkPoint as number).toBeGreaterThanOrEqual(commitBlock);
    expect(logged(/a rollback by a conviction was reorged out/)).toHaveLength(1);
    expect(reopened).toMatchObject({ id: 'invalid_block@2', blockHash: bad.hash.toLowerCase(), commitL1Block: commitBlock, deadline: first.deadline });
    expect(chainStatus(watcher, c.name)).toMatchObject({ headVerified: 1, haltedAt: { height: 2 } });
    // A new objection, mined on the new fork (the old one's block is gone).
    expect(await l1.provider.getTransactionCount(me)).toBe(1);
    expect(reopened.objection!.l1Block).toBeGreaterThan(commitBlock);

    await mine(1);
    const proven = await fraudProven(l1, c.chainId);
    expect(proven).toMatchObject({ number: 2n, kind: FraudKind.BadTimestamp, challenger: me });
    const convicted = await waitFor('convicted again on the new fork', () => {
      const s = chainStatus(watcher, c.name);
      return s.headCommitted === 1 && s.status === 'frozen-fraud' && s.findings.find((f) => f.height === 2 && f.objection?.status === 'convicted');
    });
    expect(convicted.objection!.l1Block).toBe(proven.blockNumber);
    expect(convicted.resolved).toMatch(/^convicted by this watcher/);
    expect(chainStatus(watcher, c.name).findings).toHaveLength(1);
    await watcher.close();
  }, 30_000);

  it('a reorg deeper than the remembered L1 history: rescans L1 from block 0, re-verifies, and an open finding whose commit survived stays open', async () => {
    const c = await newChain('deep', 3, 600); // the 70 L1 blocks below take 70 s of L1 time
    const dir = await tempDir();
    closers.push(() => dir.remove());
    const t0 = (await l1Now()) - 1_000n;
    const { watcher, logged } = await startWatcher([c], dir.path, { pollMs: 20, unavailableGraceSec: 0 });
    const [b1, b2] = await build(c, [{ timestamp: t0 }, { timestamp: t0 + 1n }]);
    await publish(c, b1);
    const beforeB2 = await snapshot();
    await commit(c, b2); // never served: unavailable_data@2 (phase 1 reports it)
    const missing = await waitFor('unavailable_data@2', () => chainStatus(watcher, c.name).findings.find((f) => f.id === 'unavailable_data@2'));
    expect(missing.resolved).toBeUndefined();
    expect(chainStatus(watcher, c.name)).toMatchObject({ headVerified: 1, headCommitted: 2, haltedAt: { height: 2, reason: 'data unavailable' } });

    const fork = await snapshot();
    // More L1 rounds than the cursor remembers (64), all of them reorged out below.
    for (let i = 0; i < 70; i++) await synced(watcher);
    await revert(fork);
    await mine(3);

    await waitFor('the deep reorg handled', () => logged(/L1 reorg/).length > 0 || undefined);
    expect(logged(/L1 reorg/)[0]).toMatchObject({ forkPoint: -1, rescan: expect.stringMatching(/rescanning L1 from block 0/) });
    await waitFor('block 1 verified again', () => watcher.metrics.blocksVerified.get({ chain: c.name }) >= 2 || undefined);
    await synced(watcher);
    const s = chainStatus(watcher, c.name);
    expect(s).toMatchObject({ headVerified: 1, headCommitted: 2, haltedAt: { height: 2, reason: 'data unavailable' } });
    expect(s.findings).toHaveLength(1);
    expect(s.findings[0]).toMatchObject({ id: 'unavailable_data@2', deadline: missing.deadline, commitL1Block: missing.commitL1Block });
    expect(s.findings[0].resolved).toBeUndefined();

    // Then a shallow reorg takes block 2's commit back, and another block 2, withheld too, is committed: a finding
    // of its own (the one of the old block does not hide it).
    await revert(beforeB2);
    await mine(2);
    await waitFor('resolved by the reorg', () => chainStatus(watcher, c.name).findings.find((f) => f.resolved === 'its commit was reorged out of L1'));
    const [, other] = await build(c, [{ timestamp: t0 }, { timestamp: t0 + 2n }]);
    await commit(c, other);
    const fresh = await waitFor('a finding for the other block 2', () => chainStatus(watcher, c.name).findings.find((f) => f.blockHash === other.hash.toLowerCase()));
    expect(fresh).toMatchObject({ id: 'unavailable_data@2', height: 2, objection: null });
    expect(fresh.resolved).toBeUndefined();
    expect(chainStatus(watcher, c.name)).toMatchObject({ headVerified: 1, headCommitted: 2, haltedAt: { height: 2, reason: 'data unavailable' } });
    expect(chainStatus(watcher, c.name).findings).toHaveLength(1);
    await watcher.close();
  }, 40_000);

  it('an L1 RPC failure while checking the cursor is not a reorg', async () => {
    const c = await newChain('hiccup', 4);
    const dir = await tempDir();
    closers.push(() => dir.remove());
    const proxy = await startFlakyL1(l1.hardhat.url);
    closers.push(() => proxy.close());
    const t0 = (await l1Now()) - 1_000n;
    const { watcher, logged } = await startWatcher([c], dir.path, { l1RpcUrl: proxy.url });
    const blocks = await build(c, [{ timestamp: t0 }, { timestamp: t0 + 1n }]);
    for (const b of blocks) await publish(c, b);
    await waitFor('blocks verified', () => chainStatus(watcher, c.name).headVerified >= 2 || undefined);
    await synced(watcher);

    proxy.failBlockLookups = true;
    await mine(1);
    await waitFor('rounds failing', () => watcher.metrics.rpcFailures.get({ target: 'l1' }) >= 2 || undefined);
    proxy.failBlockLookups = false;
    await synced(watcher);
    expect(proxy.failed).toBeGreaterThan(0);
    expect(logged(/L1 reorg|rolled back/)).toEqual([]);
    expect(watcher.metrics.blocksVerified.get({ chain: c.name })).toBe(2);
    expect(chainStatus(watcher, c.name)).toMatchObject({ headVerified: 2, headCommitted: 2, findings: [] });
    await watcher.close();
  }, 30_000);

  it('a node serving a wrong exit list with the right header does not halt the watcher (the list is not covered by the block hash)', async () => {
    const c = await newChain('lying-server', 5);
    const dir = await tempDir();
    closers.push(() => dir.remove());
    const { watcher } = await startWatcher([c], dir.path);
    const [b1] = await build(c, [{ timestamp: (await l1Now()) - 1_000n }]);
    // The committed block makes no exit; the server adds one to the list it serves.
    c.server.blocks.set(1, { ...b1, exits: [{ recipient: randomAddress(), token: ETH, amount: parseEther('1000') }] });
    await commit(c, b1);
    await waitFor('block 1 verified', () => chainStatus(watcher, c.name).headVerified >= 1 || undefined, 10_000);
    expect(chainStatus(watcher, c.name)).toMatchObject({ status: 'live', headVerified: 1, findings: [] });
    await watcher.close();
  }, 30_000);
});
