/**
 * Stall limits below the root (docs/FRAUD.md §8, FREEZE_STALLED_CHILD, kind 13), end to end on a real Hardhat L1 with
 * real validator nodes: A is a child of the root; A1 and A2 are children of A spawned by the devnet with a short stall
 * limit (signed in their SPAWN_CHILD). Both commit a block holding a deposit, then their validators stop for good. Once
 * A's clock is past their last commit + stall limit, A1 is frozen by a holder through the SDK (`TreeClient.escape('A1')
 * .freezeStalled`), A2 by a watcher running with `freezeStalled` (its `stalled_chain` finding, the kind 13 it sends to
 * A's node). Then A1's holder escapes on A (kind 11, the witness read offline from the stopped validator's data
 * directory) and the deposit in flight comes back (kind 12). Nothing is slashed; L1 sees nothing of it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Wallet } from 'ethers';
import { ChainStatus, TxKind, type Address, type Hex } from '@plasma-tree/core';
import { dataDirEscapeProofSource } from '@plasma-tree/node';
import { ChainEscapeClient, TreeClient } from '@plasma-tree/sdk';
import { ETH, Tree, expectCode, newSigner, waitFor, waitForWallClock } from './helpers/tree.js';
import { runCli, type CliResult } from './helpers/cli.js';
import { startTreeWatcher, type TreeWatcher } from './helpers/watcher.js';

const ETHER = 10n ** 18n;
/** The children's challenge window and stall limit on A (seconds of A's clock, the wall clock). */
const WINDOW = 3;
const STALL = 9;

let tree: Tree;
let treeWatcher: TreeWatcher | undefined;
const watcherKey = Wallet.createRandom().privateKey as Hex;

beforeAll(async () => {
  tree = await Tree.start(
    [
      { name: 'A', challengeWindow: 30 },
      { name: 'A1', parent: 'A', challengeWindow: WINDOW, stallLimit: STALL, parentFinality: 'committed' },
      { name: 'A2', parent: 'A', challengeWindow: WINDOW, stallLimit: STALL, parentFinality: 'committed' },
    ],
    { challengeWindow: 30 },
  );
  // A watcher over A and A2 that freezes stalled chains (A1 is left to the holder's SDK).
  treeWatcher = await startTreeWatcher(tree, { key: watcherKey, only: (c) => c.name !== 'A1', freezeStalled: true });
}, 60_000);

const cliDir = mkdtempSync(join(tmpdir(), 'pt-stall-deep-cli-'));

/** `plasma-tree escape …` as a real process, for a chain below A (`--parent-node`: no devnet.json, no account). */
function cli(args: string[]): Promise<CliResult> {
  return runCli(tree, cliDir, ['escape', ...args], { extra: ['--parent-node', tree.chain('A').nodeUrl] });
}

/** The block form of A's transaction `hash` (kind 13: every word 0, data = the child), with its block number. */
async function txOnA(hash: Hex) {
  const r = await tree.receipt('A', hash);
  const block = (await tree.chain('A').node.getBlockByNumber(r.blockNumber!))!;
  return { ...block.txs[r.index!], blockNumber: r.blockNumber };
}

afterAll(async () => {
  await treeWatcher?.close();
  await tree?.close();
  rmSync(cliDir, { recursive: true, force: true });
}, 30_000);

describe('FREEZE_STALLED_CHILD: a chain under a chain frozen once it stalled, its holders escape on the parent', () => {
  it('A1 frozen through the SDK, A2 by the watcher; A1\'s holder paid on A, the deposit in flight reclaimed', async () => {
    const t0 = Date.now();
    const A = tree.chain('A');
    const A1 = tree.chain('A1');
    const A2 = tree.chain('A2');
    const alice = tree.account(0);
    const [bob, carol, dave] = ['bob', 'carol', 'dave'].map(newSigner);
    const sdk = TreeClient.fromDevnet(tree.devnet, tree.provider, { pollMs: 100 });
    const escape = await sdk.escape('A1');
    expect(escape).toBeInstanceOf(ChainEscapeClient);

    // The signed limit is in A's ledger, with the spawn time.
    for (const c of [A1, A2]) expect(await A.node.getChildInfo(c.chainId)).toMatchObject({ challengeWindow: WINDOW, stallLimit: STALL, status: ChainStatus.Live });
    expect(A1.stallLimit).toBe(STALL);

    // bob holds on A1, carol on A2; both chains commit those blocks on A, then their validators stop.
    await tree.waitApplied(await tree.deposit('A', alice, ETH, ETHER));
    const refs = [await tree.deposit('A1', alice, ETH, ETHER / 10n, bob.address), await tree.deposit('A2', alice, ETH, ETHER / 20n, carol.address)];
    for (const ref of refs) await tree.waitApplied(ref);
    for (const c of [A1, A2]) await waitFor(`A commits ${c.name}'s deposit`, async () => ((await A.node.getChildInfo(c.chainId))?.headDepositNonce ?? 0) >= 1);
    await tree.stopNode('A1');
    await tree.stopNode('A2');
    const inFlight = await tree.deposit('A1', alice, ETH, ETHER / 50n, dave.address);
    const aOnL1 = await tree.subtreeBalance('root', 'A', ETH);

    // Live and not stalled yet: the SDK refuses before sending, A's node refuses a hand-built kind 13 (its dry run).
    const live = await escape.getChainStatus(A1.chainId);
    const info = (await A.node.getChildInfo(A1.chainId))!;
    expect(live).toMatchObject({ status: 'live', stallLimit: STALL, lastActivity: info.headWindowEnd - WINDOW, stallableAt: info.headWindowEnd - WINDOW + STALL + 1 });
    expect(info.lastActivity).toBe(live.lastActivity);
    const stallableAt = live.stallableAt!;
    const early = Date.now() / 1000 < stallableAt - 4;
    if (early) {
      const e = await expectCode(escape.freezeStalled(A1.chainId), 'NOT_STALLED');
      expect(e.data).toMatchObject({ stallableAt, lastActivity: live.lastActivity, stallLimit: STALL });
      await expectCode(tree.send('A', { kind: TxKind.FreezeStalledChild, chainId: A.chainId, child: A1.chainId }), 'NOT_STALLED');
      await expectCode(escape.escapeExit({ chainId: A1.chainId, owner: bob.address, token: ETH, proofSource: dataDirEscapeProofSource(A1.dataDir) }), 'CHAIN_NOT_FROZEN');
      // The CLI at any depth: the status with the stall fields, and the same refusal.
      const [status, refused] = await Promise.all([cli(['status', A1.chainId, '--json']), cli(['freeze', A1.chainId])]);
      expect(status.code, status.stderr).toBe(0);
      expect(JSON.parse(status.stdout)).toMatchObject({ host: 'chain', parentChainId: A.chainId, status: 'live', stallLimit: STALL, stallableAt });
      expect(refused.code).not.toBe(0);
      expect(refused.stderr).toContain('NOT_STALLED');
    }

    // Past the limit by A's clock (an idle A makes no blocks: its next block, and its node's dry run, take the wall
    // clock): anyone freezes it, for free (no slash: the bond stays).
    await waitForWallClock(stallableAt);
    const frozen = await escape.freezeStalled(A1.chainId);
    const after = (await A.node.getChildInfo(A1.chainId))!;
    expect(after).toMatchObject({ status: ChainStatus.FrozenStalled, frozenAt: frozen.frozenAt, headNumber: info.headNumber, bond: info.bond });
    expect(frozen.frozenAt).toBeGreaterThanOrEqual(stallableAt);
    expect(await txOnA(frozen.txHash)).toMatchObject({ kind: TxKind.FreezeStalledChild, data: A1.chainId });
    expect(await escape.getChainStatus(A1.chainId)).toMatchObject({ status: 'frozen-stalled', frozenAt: frozen.frozenAt, headFinal: true, secondsUntilStallable: 0 });
    await expectCode(escape.freezeStalled(A1.chainId), 'CHAIN_IS_FROZEN');
    const again = await cli(['freeze', A1.chainId]);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toContain('CHAIN_IS_FROZEN');
    await expectCode(tree.send('A', { kind: TxKind.FreezeStalledChild, chainId: A.chainId, child: A1.chainId }), 'CHAIN_IS_FROZEN');

    // bob leaves on A from A1's head (the stall limit is at least the window: the head is final), offline witness.
    const paid = await escape.escapeExit({ chainId: A1.chainId, owner: bob.address, token: ETH, proofSource: dataDirEscapeProofSource(A1.dataDir) });
    expect(paid).toMatchObject({ host: 'chain', owner: bob.address.toLowerCase(), amount: ETHER / 10n, headNumber: info.headNumber });
    expect(await tree.balance('A', bob.address, ETH)).toBe(ETHER / 10n);
    const reclaimed = await escape.reclaimDeposits({ chainId: A1.chainId, depositor: alice.address });
    expect(reclaimed).toMatchObject([{ nonce: BigInt(inFlight.nonce), from: alice.address.toLowerCase(), amount: ETHER / 50n }]);
    expect(await tree.subtreeBalance('A', 'A1', ETH)).toBe(0n);

    // A2: the watcher's stalled_chain finding, and its FREEZE_STALLED_CHILD included in A's block.
    const watcher = treeWatcher!.watcher;
    const finding = await waitFor('the watcher freezes A2', () => {
      const c = watcher.status().chains.find((x) => x.name === 'A2');
      const f = c?.findings.find((x) => x.kind === 'stalled_chain');
      return c?.status === 'frozen-stalled' && f?.resolved === 'frozen' ? f : undefined;
    }, 20_000);
    expect(finding.objection).toMatchObject({ status: 'mined', reason: 'freezeStalled' });
    const a2 = (await A.node.getChildInfo(A2.chainId))!;
    expect(a2.status).toBe(ChainStatus.FrozenStalled);
    expect(await txOnA(finding.objection!.tx as Hex)).toMatchObject({ kind: TxKind.FreezeStalledChild, data: A2.chainId, blockNumber: finding.objection!.l1Block });
    expect(a2.frozenAt).toBeGreaterThan(a2.lastActivity! + STALL);
    // The watcher's address got nothing for it (no reward for a stall), and A's total on L1 did not move.
    expect(await tree.balance('A', new Wallet(watcherKey).address.toLowerCase() as Address, ETH)).toBe(0n);
    expect(await tree.subtreeBalance('root', 'A', ETH)).toBe(aOnL1);
    console.log(`[stall-deep] A1 frozen by the SDK (NOT_STALLED checked before: ${early}), A2 by the watcher, 1 holder escaped and 1 deposit reclaimed in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }, 60_000);
});
