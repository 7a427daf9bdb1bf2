/**
 * The watcher's lifecycle against a real Hardhat L1 and real validator nodes: a restart resumes from disk (no
 * re-verification from block 1) and still objects inside the window; withheld data becomes an unavailable_data
 * finding, challenged on L1 with the watcher's bond (docs/FRAUD.md §9); a node URL that is down is skipped, and one that comes back is caught up with;
 * a stalled chain is reported and, with freezeStalled, frozen; bad options are refused with codes and hints.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Wallet, parseEther } from 'ethers';
import { ChainStatus, FraudKind, type ChainId, type Hex } from '@plasma-tree/core';
import { Watcher, createLogger } from '../src/index.js';
import {
  BOND,
  chainStatus,
  depositAll,
  faultyBlock,
  fraudProven,
  getJson,
  info,
  keyAddress,
  spendAll,
  startChain,
  startL1,
  startL1Proxy,
  stopChain,
  tempDir,
  validatorKey,
  waitFor,
  watcherOptions,
  type L1,
  type RunningChain,
} from './helpers.js';

const DEAD_URL = 'http://127.0.0.1:9';

describe('restart, withheld data, flaky node URLs', () => {
  let l1: L1;
  let restart: RunningChain;
  let withhold: RunningChain;
  let flaky: RunningChain;
  let proxy: Awaited<ReturnType<typeof startL1Proxy>>;
  const dirs: Array<Awaited<ReturnType<typeof tempDir>>> = [];
  const watchers: Watcher[] = [];

  beforeAll(async () => {
    l1 = await startL1();
    restart = await startChain(l1, 'restart', 1, { kind: 'bad-nonce' });
    withhold = await startChain(l1, 'withhold', 2, { kind: 'withhold-data' });
    flaky = await startChain(l1, 'flaky', 3);
    proxy = await startL1Proxy(flaky.node.rpcUrl);
    proxy.up = false;
  }, 60_000);

  afterAll(async () => {
    for (const w of watchers) await w.close();
    await proxy?.close();
    for (const c of [restart, withhold, flaky]) if (c) await stopChain(c);
    for (const d of dirs) await d.remove();
    await l1?.stop();
  }, 60_000);

  it('a watcher closed mid-way and started again resumes from disk and still convicts in time', async () => {
    const dir = await tempDir();
    dirs.push(dir);
    const key = validatorKey(l1, 19);
    const options = watcherOptions(l1, [restart], dir.path, { key, status: false });
    const first = await Watcher.init(options);
    watchers.push(first);
    const other = await Watcher.init({
      ...watcherOptions(l1, [withhold, flaky], (await tempDir()).path, { key: validatorKey(l1, 18), unavailableGraceSec: 1 }),
      chains: [
        { chainId: withhold.chainId, name: 'withhold', nodes: [withhold.node.rpcUrl] },
        { chainId: flaky.chainId, name: 'flaky', nodes: [DEAD_URL, proxy.url] },
      ],
    });
    watchers.push(other);

    await depositAll(l1, [restart, withhold, flaky]);
    await waitFor('block 1 verified', () => chainStatus(first, 'restart').headVerified >= 1 || undefined);
    expect(first.metrics.blocksVerified.get({ chain: 'restart' })).toBe(1);
    await first.close(); // the watcher is gone while the faulty block is committed

    await spendAll([restart, withhold, flaky]);
    const n = await faultyBlock(l1, restart);
    expect(n).toBe(2);
    const second = await Watcher.init(options);
    watchers.push(second);
    // Resumed from disk: block 1 is not verified again.
    expect(chainStatus(second, 'restart')).toMatchObject({ headVerified: 1, verifiedSinceStart: 0 });
    const proven = await fraudProven(l1, restart.chainId);
    expect(proven).toMatchObject({ number: 2n, kind: FraudKind.InvalidTransfer, challenger: keyAddress(key), reward: BOND / 2n });
    const finding = await waitFor('convicted', () => chainStatus(second, 'restart').findings.find((f) => f.objection?.status === 'convicted'));
    const objectionBlock = await l1.provider.getBlock(finding.objection!.l1Block!);
    expect(objectionBlock!.timestamp).toBeLessThan(finding.deadline);
    expect(second.metrics.blocksVerified.get({ chain: 'restart' })).toBe(0);
    expect(chainStatus(second, 'restart')).toMatchObject({ headVerified: 1, verifiedSinceStart: 0, status: 'frozen-fraud' });
    console.log(`watcher reaction after a restart: ${finding.objection!.reactionL1Blocks} L1 blocks (commit → objection)`);

    // withhold-data: block 1 is committed but no node serves it: its data is challenged on L1 (docs/FRAUD.md §9).
    const missing = await waitFor('unavailable_data', () => chainStatus(other, 'withhold').findings.find((f) => f.kind === 'unavailable_data' && f.objection?.status === 'mined'));
    expect(missing).toMatchObject({ height: 1, provable: true, objection: { host: 'root', dataChallenge: { deadline: expect.any(Number) } } });
    expect(missing.phase2).toBeUndefined();
    expect(missing.timeLeft).toBeGreaterThan(0);
    expect(chainStatus(other, 'withhold')).toMatchObject({ headVerified: 0, haltedAt: { height: 1, reason: 'data unavailable' } });
    expect(Number((await l1.root.chainStatus(withhold.chainId))[0])).toBe(ChainStatus.Live);

    // flaky: its only working URL is down; the watcher retries, then catches up once it is back.
    const committed = (await info(flaky)).committed.number;
    expect(committed).toBeGreaterThanOrEqual(2);
    await waitFor('node RPC failures counted', () => other.metrics.rpcFailures.get({ target: 'node' }) >= 2 || undefined);
    expect(chainStatus(other, 'flaky').headVerified).toBe(0);
    proxy.up = true;
    await waitFor('the flaky chain caught up', () => chainStatus(other, 'flaky').headVerified >= committed || undefined, 30_000);
    expect(chainStatus(other, 'flaky')).toMatchObject({ status: 'live', findings: [] });

    // The status server.
    const status = await getJson(`${other.statusUrl}/status`);
    expect(status.status).toBe(200);
    expect(status.body.chains.map((c: { name: string }) => c.name)).toEqual(['withhold', 'flaky']);
    expect(status.body.phase2.join(' ')).toMatch(/unavailable_data/);
    const metrics = await getJson<string>(`${other.statusUrl}/metrics`);
    expect(metrics.body).toContain('plasma_watcher_findings_total{kind="unavailable_data"} 1');
    expect(metrics.body).toMatch(/plasma_watcher_rpc_failures_total\{target="node"\} [1-9]/);
    expect(metrics.body).toContain('plasma_watcher_objections_total{status="mined"} 1'); // the data challenge
    expect((await getJson(`${other.statusUrl}/healthz`)).body).toMatchObject({ ok: true });
    expect((await getJson(`${other.statusUrl}/nope`)).status).toBe(404);
  }, 120_000);
});

describe('stalled chains and options', () => {
  let l1: L1;
  let dir: Awaited<ReturnType<typeof tempDir>>;
  beforeAll(async () => {
    l1 = await startL1();
    dir = await tempDir();
  }, 60_000);
  afterAll(async () => {
    await dir?.remove();
    await l1?.stop();
  });

  async function spawnStalling(window: number, stall: number): Promise<ChainId> {
    const validator = new Wallet(validatorKey(l1, 1)).address;
    const id = (await l1.root.spawnChainWithLimits.staticCall([validator], 1, window, stall, { value: parseEther('0.2') })) as string;
    await (await l1.root.spawnChainWithLimits([validator], 1, window, stall, { value: parseEther('0.2') })).wait();
    return id.toLowerCase() as ChainId;
  }

  it('a chain past its stall limit: stalled_chain, and with freezeStalled the watcher freezes it', async () => {
    const frozen = await spawnStalling(5, 5);
    const reported = await spawnStalling(5, 5);
    const chains = [{ chainId: frozen, name: 'frozen', nodes: [DEAD_URL] }];
    const freezer = await Watcher.init({ ...watcherOptions(l1, [], `${dir.path}/a`, { key: validatorKey(l1, 19), freezeStalled: true, status: false }), chains });
    const reporter = await Watcher.init({ ...watcherOptions(l1, [], `${dir.path}/b`, { status: false }), chains: [{ chainId: reported, name: 'reported', nodes: [DEAD_URL] }] });
    try {
      expect(chainStatus(freezer, 'frozen').findings).toEqual([]);
      await l1.provider.send('evm_increaseTime', [10]);
      await l1.provider.send('evm_mine', []);
      const f = await waitFor('frozen', () => chainStatus(freezer, 'frozen').findings.find((x) => x.kind === 'stalled_chain' && x.resolved === 'frozen'));
      expect(f).toMatchObject({ provable: true, height: 0, objection: { status: 'mined' } });
      expect(Number((await l1.root.chainStatus(frozen))[0])).toBe(ChainStatus.FrozenStalled);
      expect(chainStatus(freezer, 'frozen').status).toBe('frozen-stalled');
      // Without freezeStalled (and without a key) it is reported only.
      const g = await waitFor('reported', () => chainStatus(reporter, 'reported').findings.find((x) => x.kind === 'stalled_chain'));
      expect(g.objection).toBeNull();
      expect(Number((await l1.root.chainStatus(reported))[0])).toBe(ChainStatus.Live);
    } finally {
      await freezer.close();
      await reporter.close();
    }
  });

  it('an unfunded key: a warning at start, its balance in the status, KEY_UNFUNDED when it objects; funded, it does', async () => {
    const stalling = await spawnStalling(5, 5);
    const key = Wallet.createRandom().privateKey as Hex;
    const address = new Wallet(key).address.toLowerCase();
    const lines: string[] = [];
    const logger = createLogger({ level: 'warn', write: (line) => void lines.push(line) });
    const w = await Watcher.init({ ...watcherOptions(l1, [], `${dir.path}/c`, { key, freezeStalled: true, status: false }), chains: [{ chainId: stalling, name: 'stalling', nodes: [DEAD_URL] }], logger });
    try {
      expect(w.status()).toMatchObject({ watcher: address, watcherBalanceWei: '0' });
      expect(lines.some((l) => l.includes('has no ETH on L1'))).toBe(true);
      await l1.provider.send('evm_increaseTime', [10]);
      await l1.provider.send('evm_mine', []);
      // The freeze is turned away for want of gas money: the retried round says why and what to do.
      const unfunded = await waitFor('KEY_UNFUNDED', () => lines.find((l) => l.includes('KEY_UNFUNDED')));
      expect(unfunded).toContain(`send ETH to ${address}`);
      expect(Number((await l1.root.chainStatus(stalling))[0])).toBe(ChainStatus.Live);
      await (await l1.deployer.sendTransaction({ to: address, value: parseEther('1') })).wait();
      await waitFor('frozen once funded', async () => Number((await l1.root.chainStatus(stalling))[0]) === ChainStatus.FrozenStalled, 30_000);
      const balance = await waitFor('the balance read after the freeze', () => (w.status().watcherBalanceWei !== '0' ? w.status().watcherBalanceWei : undefined));
      expect(BigInt(balance!)).toBeLessThan(parseEther('1'));
    } finally {
      await w.close();
    }
  });

  it('refuses bad options and unknown chains with codes and hints', async () => {
    const base = watcherOptions(l1, [], `${dir.path}/c`, { status: false });
    const chain = { chainId: `0x${'ab'.repeat(32)}` as ChainId, nodes: [DEAD_URL] };
    const fail = (o: Partial<typeof base>) => Watcher.init({ ...base, chains: [chain], ...o }).catch((e: unknown) => e);
    expect(await fail({ chains: [] })).toMatchObject({ code: 'BAD_CONFIG', data: { field: 'chains' } });
    expect(await fail({ chains: [{ ...chain, nodes: [] }] })).toMatchObject({ code: 'BAD_CONFIG', data: { field: 'chains' } });
    expect(await fail({ key: '0x1234' as Hex })).toMatchObject({ code: 'BAD_CONFIG', data: { field: 'key' } });
    expect(await fail({ l1RpcUrl: DEAD_URL })).toMatchObject({ code: 'L1_UNREACHABLE' });
    const unknown = (await fail({})) as { code: string; hint: string };
    expect(unknown.code).toBe('UNKNOWN_CHAIN');
    expect(unknown.hint).toMatch(/spawned on this PlasmaRoot/);
  });
});
