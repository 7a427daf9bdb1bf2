/**
 * Every edge of a three-level tree end to end, through the SDK's TreeClient, on a real devnet (Hardhat L1, root
 * contract, validator nodes): root → A, B; A → A1, A2 (A1 and A2 follow A's node), 2 s challenge windows.
 * - deposits L1 → A (root contract) → A1 (DEPOSIT_TO_CHILD on A), balances on every chain, a SPAWN_CHILD on A1;
 * - a route A1 → A → A2 run step by step: stopped (AbortSignal) after every step, the invariant checked, resumed;
 * - a route A2 → A → L1 stopped after its first step and resumed: one withdrawal per hop, the amounts exact;
 * - a route L1 → A → A1 whose state file is rolled back after each deposit (a crash between sending and
 *   recording): resuming finds the deposit instead of making a second one.
 * After every step, for every parent P, child C and token: P's subtree balance for C equals what C's subtree holds
 * (accounts on C and below, bonds held by C) plus what is in flight on the edges (exits not paid yet, deposits not
 * applied yet).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Contract, JsonRpcProvider, Wallet, parseEther, parseUnits } from 'ethers';
import { NATIVE_TOKEN, PlasmaError, ROOT_CHAIN_ID, chainIdOf, ledgerKeys, type Address, type ChainId, type Hex } from '@plasma-tree/core';
import { loadArtifact } from '@plasma-tree/contracts';
import { startDevnet, type Devnet } from '@plasma-tree/devnet';
import { TreeClient, readRouteState, type RouteProgress, type RouteState } from '@plasma-tree/sdk';

const ETH = NATIVE_TOKEN;
let DEV: Address;
let devnet: Devnet;
let dir: string;
let provider: JsonRpcProvider;
let root: Contract;
let alice: Wallet;
let bob: Wallet;
let tree: TreeClient;
const id: Record<string, ChainId> = {};
const url: Record<string, string> = {};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pt-tree-route-'));
  devnet = await startDevnet({
    dataDir: join(dir, 'devnet'),
    chains: [{ name: 'A' }, { name: 'B' }, { name: 'A1', parent: 'A' }, { name: 'A2', parent: 'A' }],
    challengeWindow: 2,
    blockTimeMs: 100,
    fundAccounts: 2,
    l1Port: 0,
    rpcPort: 0,
    writeConfig: false,
  });
  provider = new JsonRpcProvider(devnet.l1.url, undefined, { cacheTimeout: -1, pollingInterval: 200 });
  root = new Contract(devnet.rootContract, loadArtifact('PlasmaRoot').abi, provider);
  alice = new Wallet(devnet.accounts[0].privateKey, provider);
  bob = new Wallet(devnet.accounts[1].privateKey, provider);
  DEV = devnet.token.address;
  for (const c of devnet.chains) {
    id[c.name] = c.chainId;
    url[c.name] = c.nodeUrl;
  }
  tree = TreeClient.fromDevnet(devnet, alice, { pollMs: 100 });
}, 120_000);

afterAll(async () => {
  provider?.destroy();
  await devnet?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

// ------------------------------------------------------------------------------------------------ invariant

const rpc = async (nodeUrl: string, method: string, params: unknown[] = []): Promise<any> => {
  const res = await fetch(nodeUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) });
  const body = (await res.json()) as { result?: unknown; error?: { message: string } };
  if (body.error) throw new Error(`${method}: ${body.error.message}`);
  return body.result;
};

/** What a scan of a chain's blocks found: everyone who ever held something there, its exits, and its withdrawals by sender. */
interface ChainScan {
  scanned: number;
  holders: Set<Address>;
  exits: Array<{ number: number; index: number; token: Address; amount: bigint; spent: boolean }>;
  withdrawals: Map<Address, number>;
}
const scans = new Map<string, ChainScan>();

async function scan(name: string): Promise<ChainScan> {
  let s = scans.get(name);
  if (!s) scans.set(name, (s = { scanned: 0, holders: new Set(), exits: [], withdrawals: new Map() }));
  const head = (await rpc(url[name], 'pt_chainInfo')).head.number as number;
  for (let n = s.scanned + 1; n <= head; n++) {
    const block = await rpc(url[name], 'pt_getBlockByNumber', [n]);
    for (const tx of block.txs) {
      for (const a of [tx.from, tx.to]) if (a && !/^0x0{40}$/.test(a)) s.holders.add(a.toLowerCase());
      if (tx.kind === 'withdraw') s.withdrawals.set(tx.from.toLowerCase(), (s.withdrawals.get(tx.from.toLowerCase()) ?? 0) + 1);
    }
    (block.exits as Array<{ token?: string; amount?: string }>).forEach((e, index) => {
      if (e.token !== undefined) s!.exits.push({ number: n, index, token: e.token.toLowerCase() as Address, amount: BigInt(e.amount!), spent: false });
    });
    s.scanned = n;
  }
  return s;
}

const parentOf: Record<string, string> = { A: 'L1', B: 'L1', A1: 'A', A2: 'A' };
const childrenOf = (name: string) => Object.keys(parentOf).filter((c) => parentOf[c] === name);

/** Exits of `child` of `token` not paid yet on its parent. */
async function unpaidExits(child: string, token: Address): Promise<bigint> {
  const s = await scan(child);
  let sum = 0n;
  for (const e of s.exits) {
    if (e.token !== token || e.spent) continue;
    const parent = parentOf[child];
    e.spent = parent === 'L1'
      ? ((await root.isWithdrawn(id[child], e.number, e.index)) as boolean)
      : (await rpc(url[parent], 'pt_getLedgerProof', [ledgerKeys.spentExit(id[child], BigInt(e.number), e.index)])).entry !== null;
    if (!e.spent) sum += e.amount;
  }
  return sum;
}

/** Deposits of `token` the parent of `child` recorded for it that `child` has not applied yet. */
async function unappliedDeposits(child: string, token: Address): Promise<bigint> {
  const applied = BigInt((await rpc(url[child], 'pt_chainInfo')).depositNonce);
  const parent = parentOf[child];
  let sum = 0n;
  if (parent === 'L1') {
    const logs = await root.queryFilter(root.filters.Deposited(id[child]), 0, 'latest');
    for (const log of logs) {
      const a = (log as any).args;
      if (BigInt(a.nonce) > applied && a.token.toLowerCase() === token) sum += BigInt(a.amount);
    }
    return sum;
  }
  const count = (await rpc(url[parent], 'pt_getChildInfo', [id[child]])).depositCount as number;
  if (count <= Number(applied)) return 0n;
  for (const d of await rpc(url[parent], 'pt_getChildDeposits', [id[child], Number(applied) + 1, count])) {
    if (d.token.toLowerCase() === token) sum += BigInt(d.amount);
  }
  return sum;
}

/**
 * Everything held in `chain`'s subtree: its accounts, the bonds it holds, and its children's subtrees and edges (a
 * child with no node running, e.g. one spawned by a test, counts with what its parent records for it).
 */
async function heldIn(chain: string, token: Address): Promise<bigint> {
  const s = await scan(chain);
  let sum = 0n;
  for (const h of s.holders) sum += BigInt((await rpc(url[chain], 'pt_getAccount', [h, token])).balance);
  for (const childId of (await rpc(url[chain], 'pt_getChildren')) as ChainId[]) {
    if (token === ETH) sum += BigInt((await rpc(url[chain], 'pt_getChildInfo', [childId])).bond);
    const child = childrenOf(chain).find((c) => id[c] === childId);
    if (child) sum += (await heldIn(child, token)) + (await unpaidExits(child, token)) + (await unappliedDeposits(child, token));
    else sum += BigInt(await rpc(url[chain], 'pt_getSubtreeBalance', [childId, token]));
  }
  return sum;
}

/** One reading of every edge; the mismatches (empty when the invariant holds). */
async function readInvariant(): Promise<string[]> {
  const bad: string[] = [];
  for (const child of Object.keys(parentOf)) {
    for (const token of [ETH, DEV]) {
      const recorded = await tree.subtreeBalance(id[child], token);
      const accounted = (await heldIn(child, token)) + (await unpaidExits(child, token)) + (await unappliedDeposits(child, token));
      if (recorded !== accounted) bad.push(`${parentOf[child]} → ${child} ${token === ETH ? 'ETH' : 'DEV'}: subtree balance ${recorded}, accounted ${accounted}`);
    }
  }
  return bad;
}

/**
 * The invariant at every level. Reads over several nodes are not one atomic snapshot while a deposit or a commit
 * is still moving, so a mismatch is read again (the system settles within a second or two).
 */
async function expectInvariant(label: string): Promise<void> {
  let bad: string[] = [];
  for (let attempt = 0; attempt < 20; attempt++) {
    bad = await readInvariant();
    if (bad.length === 0) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  expect(bad, `subtree invariant after ${label}`).toEqual([]);
}

// ------------------------------------------------------------------------------------------------ helpers

const balance = (chain: string, token: Address, who: Wallet = alice) => tree.balance(chain, token, who.address);

async function balances(token: Address, who: Wallet = alice): Promise<Record<string, bigint>> {
  const out: Record<string, bigint> = {};
  for (const c of ['L1', 'A', 'B', 'A1', 'A2']) out[c] = await balance(c, token, who);
  return out;
}

/**
 * Runs a route one step at a time: the signal aborts it right after each step, the invariant is checked, and the
 * route is resumed from its state file, until it is done. Returns the steps seen.
 */
async function runStepwise(start: (opts: { signal: AbortSignal; onProgress: (p: RouteProgress) => void }) => Promise<unknown>, stateFile: string): Promise<string[]> {
  const steps: string[] = [];
  let first = true;
  for (let round = 0; round < 40; round++) {
    const ac = new AbortController();
    const onProgress = (p: RouteProgress) => {
      if (p.type !== 'step') return;
      steps.push(`${p.hopIndex}:${p.step}`);
      ac.abort();
    };
    try {
      if (first) await start({ signal: ac.signal, onProgress });
      else await tree.resumeRoute(stateFile, { signal: ac.signal, onProgress });
      return steps;
    } catch (e) {
      if (!(e instanceof PlasmaError) || e.code !== 'ABORTED') throw e;
      expect(e.hint).toContain(stateFile);
    } finally {
      first = false;
    }
    await expectInvariant(`step ${steps.at(-1)}`);
  }
  throw new Error('the route did not finish in 40 steps');
}

// ------------------------------------------------------------------------------------------------ tests

describe('TreeClient on a three-level devnet (root → A, B; A → A1, A2)', () => {
  it('deposits L1 → A through the root contract and A → A1 as DEPOSIT_TO_CHILD, keeping the invariant at every level', async () => {
    await expectInvariant('start');
    expect(await tree.parentOf('A')).toBe(ROOT_CHAIN_ID);
    expect(await tree.parentOf('A1')).toBe(id.A);

    const ethA = await tree.deposit({ to: 'A', token: ETH, amount: parseEther('3') });
    expect(ethA).toMatchObject({ on: 'l1', chainId: id.A, parentChainId: ROOT_CHAIN_ID });
    const devA = await tree.deposit({ to: 'A', token: DEV, amount: parseUnits('1000', 18) });
    expect(devA.nonce).toBe(ethA.nonce + 1n);
    await tree.waitForDeposit(devA, { timeoutMs: 30_000 });
    await expectInvariant('deposits into A');

    const ethA1 = await tree.deposit({ to: 'A1', token: ETH, amount: parseEther('1') });
    expect(ethA1).toMatchObject({ on: 'chain', chainId: id.A1, parentChainId: id.A, amount: parseEther('1') });
    await expectInvariant('the ETH deposit into A1 (maybe not applied yet)');
    const devA1 = await tree.deposit({ to: 'A1', token: DEV, amount: parseUnits('400', 18) });
    expect(devA1.nonce).toBe(ethA1.nonce + 1n);
    await tree.waitForDeposit(devA1, { timeoutMs: 30_000 });

    // alice had no ETH on A before (the devnet's bond deposits were spent on the spawns).
    expect(await balance('A', ETH)).toBe(parseEther('2'));
    expect(await balance('A', DEV)).toBe(parseUnits('600', 18));
    expect(await balance('A1', ETH)).toBe(parseEther('1'));
    expect(await balance('A1', DEV)).toBe(parseUnits('400', 18));
    expect(await tree.subtreeBalance('A1', DEV)).toBe(parseUnits('400', 18));
    expect(await tree.subtreeBalance('A', DEV)).toBe(parseUnits('1000', 18));
    await expectInvariant('deposits into A1');

    // Balances on every chain of the tree, L1 first.
    const all = await tree.balances({ token: DEV });
    expect(all.map((b) => [b.name, b.depth])).toEqual([['L1', 0], ['A', 1], ['A1', 2], ['A2', 2], ['B', 1]]);
    expect(all.find((b) => b.name === 'A1')!.balance).toBe(parseUnits('400', 18));

    // A1 becomes a parent: SPAWN_CHILD on A1, the bond from alice's ETH there, kept in A1's ledger.
    const validator = Wallet.createRandom().address;
    const spawned = await tree.spawnChild({ parent: 'A1', validators: [validator], threshold: 1, challengeWindow: 60, bond: parseEther('0.01') });
    expect(spawned).toMatchObject({ chainId: chainIdOf(id.A1, 0), parentChainId: id.A1, index: 0, threshold: 1, challengeWindow: 60, bond: parseEther('0.01') });
    expect(spawned.validators).toEqual([validator.toLowerCase()]);
    expect(await rpc(url.A1, 'pt_getChildren')).toEqual([spawned.chainId]);
    expect(await balance('A1', ETH)).toBe(parseEther('0.99'));
    await expectInvariant('a SPAWN_CHILD on A1');

    // Errors say what to do.
    const e = await tree.deposit({ to: 'A2', token: DEV, amount: parseUnits('1', 30) }).catch((x: unknown) => x as PlasmaError);
    expect(e).toMatchObject({ code: 'INSUFFICIENT_BALANCE' });
    expect((e as PlasmaError).hint).toMatch(/deposit/);
    expect(() => tree.chainId('Z9')).toThrow(/unknown chain/);
  });

  it('moves DEV A1 → A → A2 with executeRoute, stopped and resumed after every step, the invariant checked at each', async () => {
    const route = await tree.planRoute('A1', 'A2');
    expect(route.hops.map((h) => [h.kind, h.from, h.to])).toEqual([['up', id.A1, id.A], ['down', id.A, id.A2]]);
    const before = await balances(DEV);
    const amount = parseUnits('150', 18);
    const stateFile = join(dir, 'a1-a2.json');
    const steps = await runStepwise((o) => tree.executeRoute(route, { token: DEV, amount, stateFile, ...o }), stateFile);
    expect(steps).toEqual(['0:withdraw-signed', '0:withdrawn', '0:finalize-sent', '0:done', '1:deposit-signed', '1:deposited', '1:done']);

    const after = await balances(DEV);
    expect(after.A1).toBe(before.A1 - amount);
    expect(after.A).toBe(before.A);
    expect(after.A2).toBe(before.A2 + amount);
    expect(after.L1).toBe(before.L1);
    const state = readRouteState(stateFile);
    expect(state).toMatchObject({ done: true, hopIndex: 2 });
    expect(state.hops.map((h) => h.step)).toEqual(['done', 'done']);
    expect(state.hops[1].depositNonce).toBe('1');
    // Running it again with the same state file does nothing.
    const again = await tree.executeRoute(route, { token: DEV, amount, stateFile });
    expect(again.resumed).toBe(true);
    expect((await balances(DEV)).A2).toBe(after.A2);
    await expectInvariant('route A1 → A2');
  });

  it('moves DEV A2 → A → L1 to bob: stopped after its first step, resumed, one withdrawal per hop and exact amounts', async () => {
    const route = await tree.planRoute('A2', 'L1');
    expect(route.hops.map((h) => [h.kind, h.from, h.to])).toEqual([['up', id.A2, id.A], ['up', id.A, ROOT_CHAIN_ID]]);
    const amount = parseUnits('100', 18);
    const stateFile = join(dir, 'a2-l1.json');
    const [aliceBefore, bobBefore] = [await balances(DEV), await balances(DEV, bob)];
    const withdrawalsBefore = { A2: (await scan('A2')).withdrawals.get(alice.address.toLowerCase() as Address) ?? 0, A: (await scan('A')).withdrawals.get(alice.address.toLowerCase() as Address) ?? 0 };

    const ac = new AbortController();
    const seen: RouteProgress[] = [];
    const stopped = await tree.executeRoute(route, {
      token: DEV, amount, recipient: bob.address, stateFile, signal: ac.signal,
      onProgress: (p) => {
        seen.push(p);
        if (p.type === 'step') ac.abort();
      },
    }).catch((e: unknown) => e);
    expect(stopped).toMatchObject({ code: 'ABORTED' });
    expect(readRouteState(stateFile).hops.map((h) => h.step)).toEqual(['withdraw-signed', 'pending']);
    // Signed and recorded, not sent: nothing moved yet.
    expect(await balance('A2', DEV)).toBe(aliceBefore.A2);
    await expectInvariant('a withdrawal signed, not sent');

    const waits: RouteProgress[] = [];
    const done = await tree.resumeRoute(stateFile, { onProgress: (p) => (p.type === 'wait' ? waits.push(p) : seen.push(p)) });
    expect(done.resumed).toBe(true);
    expect(done.state.hops.map((h) => h.step)).toEqual(['done', 'done']);
    // The windows were reported with the seconds left (on A's clock, then on L1's; a 2 s window may be over by the
    // time a commitment is seen, so not necessarily both).
    const windowWaits = waits.filter((w) => w.withdrawalState === 'challenge-window');
    expect(windowWaits.length).toBeGreaterThan(0);
    expect(windowWaits.every((w) => (w.secondsLeft ?? 0) > 0 && w.secondsLeft! <= 2)).toBe(true);
    expect(waits.filter((w) => w.hopIndex === 1).some((w) => w.withdrawalState === 'finalizable')).toBe(true);

    const [aliceAfter, bobAfter] = [await balances(DEV), await balances(DEV, bob)];
    expect(aliceAfter.A2).toBe(aliceBefore.A2 - amount);
    expect(aliceAfter.A).toBe(aliceBefore.A);
    expect(bobAfter.L1).toBe(bobBefore.L1 + amount);
    expect(bobAfter.A).toBe(bobBefore.A);
    expect((await scan('A2')).withdrawals.get(alice.address.toLowerCase() as Address)).toBe(withdrawalsBefore.A2 + 1);
    expect((await scan('A')).withdrawals.get(alice.address.toLowerCase() as Address)).toBe(withdrawalsBefore.A + 1);
    const state = readRouteState(stateFile);
    expect(state.hops[0].finalizeTxHash).toMatch(/^0x[0-9a-f]{64}$/);
    expect(await tree.withdrawalStatus('A', state.hops[1].withdrawTxHash!)).toMatchObject({ state: 'finalized', parentChainId: ROOT_CHAIN_ID });
    expect(await tree.withdrawalStatus('A2', state.hops[0].withdrawTxHash!)).toMatchObject({ state: 'finalized', parentChainId: id.A });
    await expectInvariant('route A2 → L1');
  });

  it('moves ETH L1 → A → A1: a state file rolled back to before each deposit was recorded never makes a second deposit', async () => {
    const route = await tree.planRoute('L1', 'A1');
    const amount = parseEther('0.25');
    const stateFile = join(dir, 'l1-a1.json');
    const before = await balances(ETH);
    const [countA, countA1] = [Number((await root.chainInfo(id.A)).depositCount), (await rpc(url.A, 'pt_getChildInfo', [id.A1])).depositCount as number];
    const snapshots = new Map<string, string>();
    const runUntil = async (stopAt: string, run: (o: { signal: AbortSignal; onProgress: (p: RouteProgress) => void }) => Promise<unknown>) => {
      const ac = new AbortController();
      const r = await run({
        signal: ac.signal,
        onProgress: (p) => {
          if (p.type !== 'step') return;
          snapshots.set(`${p.hopIndex}:${p.step}`, JSON.stringify(p.state));
          if (`${p.hopIndex}:${p.step}` === stopAt) ac.abort();
        },
      }).catch((e: unknown) => e);
      expect(r).toMatchObject({ code: 'ABORTED' });
    };

    // Hop 1 (L1 → A): the L1 nonce is recorded, the deposit sent and recorded; then "crash" back to before the send was recorded.
    await runUntil('0:deposited', (o) => tree.executeRoute(route, { token: ETH, amount, stateFile, ...o }));
    expect(Number((await root.chainInfo(id.A)).depositCount)).toBe(countA + 1);
    writeFileSync(stateFile, snapshots.get('0:deposit-prepared')!);
    expect(readRouteState(stateFile).hops[0].step).toBe('deposit-prepared');

    // Resuming finds the deposit by its L1 nonce. Hop 2 (A → A1): signed, sent, included; then back to "signed only".
    await runUntil('1:deposited', (o) => tree.resumeRoute(stateFile, o));
    expect(Number((await root.chainInfo(id.A)).depositCount)).toBe(countA + 1);
    const rolledBack = JSON.parse(snapshots.get('1:deposit-signed')!) as RouteState;
    expect(rolledBack.hops[0].step).toBe('done');
    writeFileSync(stateFile, JSON.stringify(rolledBack));

    const done = await tree.resumeRoute(stateFile);
    expect(done.state.done).toBe(true);
    expect(Number((await root.chainInfo(id.A)).depositCount)).toBe(countA + 1);
    expect((await rpc(url.A, 'pt_getChildInfo', [id.A1])).depositCount).toBe(countA1 + 1);
    const after = await balances(ETH);
    expect(after.A1).toBe(before.A1 + amount);
    expect(after.A).toBe(before.A);
    expect(before.L1 - after.L1).toBeGreaterThanOrEqual(amount);
    expect(before.L1 - after.L1).toBeLessThan(amount + parseEther('0.01')); // + gas, once
    expect(JSON.parse(readFileSync(stateFile, 'utf8')).hops[0].depositTxHash).toMatch(/^0x[0-9a-f]{64}$/);
    await expectInvariant('route L1 → A1');
  });
});
