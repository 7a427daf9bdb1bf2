/**
 * The watcher below the root (docs/FRAUD.md §7, packages/watcher): one real Hardhat L1, A a child of the root, and
 * under A one chain per fault (their only validator node lies), an honest sibling S, and K for the crash test.
 * 1. One watcher (the library, in this process) follows A and its children: every faulty child is convicted on A by a
 *    PROVE_CHILD_FRAUD the watcher sends to A's node; the reward (bond / 2) lands in the watcher's account on A; A's
 *    other holders and S are untouched. The reaction time (A blocks from the commit to the objection) is logged.
 * 2. SIGKILL: `plasma-tree watch` as a child process, started once K's faulty block is committed on A and killed
 *    with SIGKILL as soon as its /status shows the finding; restarted on the same data dir it still convicts K inside
 *    the window, without re-verifying from block 1.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Wallet } from 'ethers';
import { ChainStatus, TxKind, type Address, type Hex } from '@plasma-tree/core';
import type { ChainStatusJson, Watcher, WatcherStatus } from '@plasma-tree/watcher';
import { startTreeWatcher, type TreeWatcher } from './helpers/watcher.js';
import { ETH, Tree, newSigner, waitFor, type Signer } from './helpers/tree.js';

const ETHER = 10n ** 18n;
const FAULTY = [
  // [chain, fault, what triggers it: a deposit only (block 1), or a transfer in block 2 too]
  ['A1', 'overspend', 'transfer'],
  ['A2', 'forged-deposit', 'deposit'],
  ['A3', 'bad-timestamp', 'transfer'],
  ['A4', 'equivocate', 'deposit'],
  ['A5', 'bad-exit-root', 'deposit'],
  ['A6', 'wrong-exit', 'withdraw'],
] as const;
const findingKind = (kind: string) => (kind === 'equivocate' ? 'equivocation' : kind === 'bad-exit-root' || kind === 'wrong-exit' ? 'invalid_exit' : 'invalid_block');

let tree: Tree;
let watcher: Watcher;
let treeWatcher: TreeWatcher | undefined;
const watcherKey = Wallet.createRandom().privateKey as Hex;
const watcherAddress = new Wallet(watcherKey).address.toLowerCase() as Address;
const alice = () => tree.account(0);
const holders = new Map<string, Signer>();

beforeAll(async () => {
  tree = await Tree.start(
    [
      { name: 'A', challengeWindow: 30 },
      ...FAULTY.map(([name, kind]) => ({ name, parent: 'A', challengeWindow: 60, parentFinality: 'committed' as const, faults: { kind } })),
      { name: 'S', parent: 'A', challengeWindow: 60, parentFinality: 'committed' },
      { name: 'K', parent: 'A', challengeWindow: 60, parentFinality: 'committed', faults: { kind: 'overspend' } },
    ],
    { challengeWindow: 30, watcher: false },
  );
  // Everything but K (the crash test's own watcher convicts K).
  treeWatcher = await startTreeWatcher(tree, { key: watcherKey, only: (c) => c.name !== 'K' });
  watcher = treeWatcher.watcher;
  await tree.waitApplied(await tree.deposit('A', alice(), ETH, 2n * ETHER));
}, 90_000);

afterAll(async () => {
  await treeWatcher?.close();
  await tree?.close();
}, 60_000);

/** A chain of a status document, by its devnet name (the in-process watcher's names) or id (the CLI's). */
const chainOf = (s: WatcherStatus, name: string): ChainStatusJson => s.chains.find((c) => c.name === name || c.chain === tree.chain(name).chainId)!;

/** Deposits (alice on A → a fresh holder of each chain: block 1), one after the other (alice's nonce on A). */
async function deposits(names: string[]): Promise<void> {
  const refs = [];
  for (const name of names) {
    const bob = newSigner(`bob-${name}`);
    holders.set(name, bob);
    refs.push(await tree.deposit(name, alice(), ETH, ETHER / 10n, bob.address));
  }
  for (const ref of refs) await tree.waitApplied(ref);
}

/** A withdrawal to A by the holder of `name` (block 2). */
async function withdraw(name: string): Promise<void> {
  const bob = holders.get(name)!;
  await tree.send(name, await tree.signFromSlot(name, bob, { kind: TxKind.Withdraw, to: bob.address, token: ETH, amount: ETHER / 100n }));
}

/** A transfer by the holder of `name` (block 2). */
async function transfer(name: string): Promise<void> {
  await tree.send(name, await tree.signFromSlot(name, holders.get(name)!, { kind: TxKind.Transfer, to: newSigner('carol').address, token: ETH, amount: ETHER / 100n }));
}

const injected = (name: string) => waitFor(`${name} injects its fault`, async () => (await tree.chain(name).node.request<{ faults?: { injected: number[] } }>('pt_chainInfo', [])).faults?.injected[0], 30_000);

describe('the watcher convicts chains below a chain on their parent (PROVE_CHILD_FRAUD)', () => {
  it('overspend, forged-deposit, bad-timestamp, equivocate, bad-exit-root, wrong-exit under A: convicted on A by the watcher; S and A\'s holders untouched', async () => {
    const A = tree.chain('A');
    const bonds = new Map<string, bigint>();
    for (const [name] of FAULTY) bonds.set(name, (await A.node.getChildInfo(tree.chain(name).chainId))!.bond);
    await deposits([...FAULTY.map(([name]) => name), 'S']);
    await Promise.all([
      ...FAULTY.filter(([, , what]) => what === 'transfer').map(([name]) => transfer(name)),
      ...FAULTY.filter(([, , what]) => what === 'withdraw').map(([name]) => withdraw(name)),
      transfer('S'),
    ]);
    const aliceOnA = await tree.balance('A', alice(), ETH);

    for (const [name, kind] of FAULTY) {
      const c = tree.chain(name);
      const n = await injected(name);
      const info = await waitFor(`${name} frozen on A`, async () => {
        const i = (await A.node.getChildInfo(c.chainId))!;
        return i.status === ChainStatus.FrozenFraud && i;
      }, 45_000);
      expect(info).toMatchObject({ headNumber: n - 1, bond: 0n });
      const s = await waitFor(`the watcher's record of ${name}`, () => {
        const ch = chainOf(watcher.status(), name);
        return ch.findings.find((f) => f.height === n && f.objection?.status === 'convicted') && ch;
      }, 20_000).catch((e: Error) => {
        throw new Error(`${e.message}; its status: ${JSON.stringify(chainOf(watcher.status(), name))}`);
      });
      const f = s.findings.find((x) => x.height === n)!;
      expect(s).toMatchObject({ parent: A.chainId, status: 'frozen-fraud', headVerified: n - 1 });
      expect(f).toMatchObject({ kind: findingKind(kind), provable: true, objection: { host: A.chainId, status: 'convicted' } });
      // The objection is a kind-10 tx to the watcher's address in A's block.
      const block = (await A.node.getBlockByNumber(f.objection!.l1Block!))!;
      expect(block.txs.some((tx) => tx.kind === TxKind.ProveChildFraud && tx.to === watcherAddress)).toBe(true);
      console.log(`[watcher-deep] ${kind} (${name}): block ${n} committed in A block ${f.commitL1Block}, objection in A block ${f.objection!.l1Block}: ${f.objection!.reactionL1Blocks} A blocks`);
    }

    // bond / 2 per conviction to the watcher on A.
    const rewards = [...bonds.values()].reduce((a, b) => a + b / 2n, 0n);
    expect(await tree.balance('A', watcherAddress, ETH)).toBe(rewards);
    // S: live, verified, its holder's balance as it was; alice on A untouched; A live on L1.
    const S = tree.chain('S');
    expect((await A.node.getChildInfo(S.chainId))!.status).toBe(ChainStatus.Live);
    const sHead = (await A.node.getChildInfo(S.chainId))!.headNumber;
    await waitFor('S verified', () => chainOf(watcher.status(), 'S').headVerified >= sHead || undefined, 20_000);
    expect(chainOf(watcher.status(), 'S')).toMatchObject({ status: 'live', findings: [], parent: A.chainId });
    expect(await tree.balance('S', holders.get('S')!, ETH)).toBe(ETHER / 10n - ETHER / 100n);
    expect(await tree.balance('A', alice(), ETH)).toBe(aliceOnA);
    expect(Number((await tree.root.chainStatus(A.chainId))[0])).toBe(ChainStatus.Live);
    expect(chainOf(watcher.status(), 'A')).toMatchObject({ parent: 'root', status: 'live', findings: [] });
    const metrics = watcher.metrics.prometheus();
    expect(metrics).toContain(`plasma_watcher_objections_total{status="convicted"} ${FAULTY.length}`);
  }, 80_000);

  it('SIGKILL after the finding, before (or while) it objects: restarted on its data dir, it convicts K without re-verifying', async () => {
    const A = tree.chain('A');
    const K = tree.chain('K');
    const bond = (await A.node.getChildInfo(K.chainId))!.bond;
    await deposits(['K']);
    await transfer('K');
    const n = await injected('K');
    await waitFor(`A commits K's block ${n}`, async () => ((await A.node.getChildInfo(K.chainId))?.headNumber ?? 0) >= n, 30_000);
    const key = Wallet.createRandom().privateKey as Hex;
    const address = new Wallet(key).address.toLowerCase();
    const dir = mkdtempSync(join(tmpdir(), 'pt-watcher-kill-'));
    const start = () => startCli(key, dir, [A, K].map((c) => `${c.chainId}=${c.nodeUrl}`));
    try {
      const first = await start();
      const seen = await waitFor('the first watcher finds K\'s block', async () => {
        const s = await status(first.url).catch(() => undefined);
        return s && chainOf(s, 'K')?.findings.find((f) => f.height === n) && s;
      }, 30_000, 20);
      first.child.kill('SIGKILL');
      await new Promise((r) => first.child.once('exit', r));
      const before = chainOf(seen, 'K');
      console.log(`[watcher-deep] SIGKILL with K's finding ${before.findings[0].objection ? `and its objection ${before.findings[0].objection.status}` : 'and no objection yet'}`);
      expect(before.headVerified).toBe(n - 1);

      const second = await start();
      try {
        const info = await waitFor('K frozen on A', async () => {
          const i = (await A.node.getChildInfo(K.chainId))!;
          return i.status === ChainStatus.FrozenFraud && i;
        }, 45_000);
        expect(info.headNumber).toBe(n - 1);
        expect(await tree.balance('A', address as Address, ETH)).toBe(bond / 2n);
        const after = await waitFor('the restarted watcher records the conviction', async () => {
          const s = chainOf(await status(second.url), 'K');
          return s.findings.find((f) => f.objection?.status === 'convicted') && s;
        }, 20_000);
        // Resumed from disk: block n - 1 was verified before the kill and is not verified again.
        expect(after).toMatchObject({ headVerified: n - 1, verifiedSinceStart: 0, status: 'frozen-fraud' });
        const metrics = await (await fetch(`${second.url}/metrics`)).text();
        expect(metrics).not.toMatch(/plasma_watcher_blocks_verified_total\{chain="K"\} [1-9]/);
      } finally {
        second.child.kill('SIGTERM');
        await new Promise((r) => second.child.once('exit', r));
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 80_000);
});

async function status(url: string): Promise<WatcherStatus> {
  return (await (await fetch(`${url}/status`)).json()) as WatcherStatus;
}

/** `plasma-tree watch` in a child process; resolves with its status URL (from its stderr). */
async function startCli(key: Hex, dataDir: string, chains: string[]): Promise<{ child: ChildProcess; url: string }> {
  const args = ['packages/cli/bin/plasma-tree.js', 'watch', '--rpc', tree.devnet.l1.url, '--root', tree.devnet.rootContract, ...chains.flatMap((c) => ['--chain', c]),
    '--data-dir', dataDir, '--port', '0', '--confirmations', '0', '--log-level', 'warn'];
  const child = spawn(process.execPath, args, { env: { ...process.env, PLASMA_TREE_PRIVATE_KEY: key }, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => (child.kill('SIGKILL'), reject(new Error(`plasma-tree watch did not start: ${err}`))), 30_000);
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      const m = /status at (http:\/\/[0-9.:]+)\/status/.exec(err);
      if (m) {
        clearTimeout(timer);
        resolve({ child, url: m[1] });
      }
    });
    child.once('exit', (code) => (clearTimeout(timer), reject(new Error(`plasma-tree watch exited (${code}): ${err}`))));
  });
}
