/**
 * The watcher convicts a chain below a chain for an invalid tx of a ledger kind (fraud kind 10 on its parent,
 * docs/LEDGER-PROOFS.md "Item 10"), end to end: one real Hardhat L1 and a tree root → P → E → E1, P → F → F1. E and F
 * are chains under a chain that are parents themselves. E's validator node runs with `ledger-post-root` (it mints its
 * operator 1000 ETH after the FREEZE_STALLED_CHILD of E1 this test sends), F's with `false-conviction` (it "convicts"
 * its honest child F1 and takes the bond). One watcher (the library, in this process) follows the tree; it proves
 * each lie with a LedgerTransitionProof and sends P a PROVE_CHILD_FRAUD of fraud kind 10, whose STF judges it with
 * core's ledger verifier (what PlasmaLedgerChildFraud runs at the root): E and F are rolled back, slashed and frozen on
 * P, the reward in the watcher's account on P; P and its holders are untouched. The reaction (P blocks from the commit
 * to the objection) is logged.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Wallet } from 'ethers';
import { ChainStatus, FraudKind, TxKind, decodeProveChildFraudData, type Address, type Hex } from '@plasma-tree/core';
import type { ChainStatusJson, FindingStatus } from '@plasma-tree/watcher';
import { startTreeWatcher, type TreeWatcher } from './helpers/watcher.js';
import { ETH, Tree, waitFor } from './helpers/tree.js';

const ETHER = 10n ** 18n;
/** E1's challenge window and stall limit on E: E1 commits nothing after its spawn, so it is stalled this soon. */
const E1_STALL = 4;

let tree: Tree;
let treeWatcher: TreeWatcher | undefined;
const watcherKey = Wallet.createRandom().privateKey as Hex;
const watcherAddress = new Wallet(watcherKey).address.toLowerCase() as Address;

beforeAll(async () => {
  tree = await Tree.start(
    [
      { name: 'P', challengeWindow: 30 },
      // From block 3 on: past E's funding and its SPAWN_CHILD of E1, so that the lie is in the FREEZE_STALLED_CHILD.
      { name: 'E', parent: 'P', challengeWindow: 60, parentFinality: 'committed', faults: { kind: 'ledger-post-root', atBlock: 3 } },
      { name: 'E1', parent: 'E', challengeWindow: E1_STALL, stallLimit: E1_STALL, parentFinality: 'committed' },
      { name: 'F', parent: 'P', challengeWindow: 60, parentFinality: 'committed', faults: { kind: 'false-conviction' } },
      { name: 'F1', parent: 'F', parentFinality: 'committed' },
    ],
    { challengeWindow: 30, watcher: false },
  );
  treeWatcher = await startTreeWatcher(tree, { key: watcherKey });
}, 90_000);

afterAll(async () => {
  await treeWatcher?.close();
  await tree?.close();
}, 60_000);

const injected = (name: string) => tree.injectedFault(name);

/**
 * The conviction of `name`'s faulty block `n` on P: P's ledger has it rolled back to n − 1, slashed and frozen; the
 * watcher's finding names InvalidLedgerTx with `reason`, and its objection is a PROVE_CHILD_FRAUD of fraud kind 10 in
 * a block of P, to the watcher. Returns the finding.
 */
async function expectConvictedOnP(name: string, n: number, reason: string): Promise<FindingStatus> {
  const P = tree.chain('P');
  const { chainId } = tree.chain(name);
  const statusOf = (): ChainStatusJson => treeWatcher!.watcher.status().chains.find((c) => c.name === name)!;
  const info = await waitFor(`${name} frozen on P`, async () => {
    const i = (await P.node.getChildInfo(chainId))!;
    return i.status === ChainStatus.FrozenFraud && i;
  }, 45_000).catch((e: Error) => {
    throw new Error(`${e.message}; the watcher's status of ${name}: ${JSON.stringify(statusOf())}`);
  });
  expect(info).toMatchObject({ headNumber: n - 1, bond: 0n });
  const finding = await waitFor(`the watcher's record of ${name}`, () => statusOf().findings.find((f) => f.height === n && f.objection?.status === 'convicted'), 20_000);
  expect(finding).toMatchObject({ kind: 'invalid_block', provable: true, objection: { host: P.chainId, status: 'convicted' } });
  expect(finding.reason.startsWith(`${FraudKind[FraudKind.InvalidLedgerTx]}: ${reason} `), finding.reason).toBe(true);
  const block = (await P.node.getBlockByNumber(finding.objection!.l1Block!))!;
  const objections = block.txs.filter((tx) => tx.kind === TxKind.ProveChildFraud && tx.to === watcherAddress && decodeProveChildFraudData(tx.data).child.toLowerCase() === chainId);
  expect(objections, `the kind-10 tx in P block ${finding.objection!.l1Block}`).toHaveLength(1);
  expect(decodeProveChildFraudData(objections[0].data).fraudKind).toBe(FraudKind.InvalidLedgerTx);
  return finding;
}

describe('the watcher convicts a chain below a chain for an invalid ledger-kind tx (fraud kind 10 on its parent)', () => {
  it('ledger-post-root on E: E mints its operator 1000 ETH after a FREEZE_STALLED_CHILD, P convicts it (POST_ROOT_MISMATCH)', async () => {
    const t0 = Date.now();
    const P = tree.chain('P');
    const E = tree.chain('E');
    const bond = (await P.node.getChildInfo(E.chainId))!.bond;
    const n = await tree.lieInFreezeOfStalledChild('E', 'E1', E1_STALL);
    const finding = await expectConvictedOnP('E', n, 'POST_ROOT_MISMATCH');
    expect((await tree.txOfFinding('E', n, finding.reason)).kind).toBe(TxKind.FreezeStalledChild);
    expect(await tree.balance('P', watcherAddress, ETH)).toBe(bond / 2n);
    console.log(`[watcher-ledger-deep] ledger-post-root (E under P): block ${n} committed in P block ${finding.commitL1Block}, objection in P block ${finding.objection!.l1Block}: ${finding.objection!.reactionL1Blocks} P blocks (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  }, 90_000);

  it('false-conviction on F: F convicts its honest child F1 and takes its bond, P convicts F (NOT_FRAUD, a proof inside a proof)', async () => {
    const t0 = Date.now();
    const P = tree.chain('P');
    const F = tree.chain('F');
    const F1 = tree.chain('F1');
    const alice = tree.account(0);
    expect(await injected('F')).toBeUndefined();
    const before = await tree.balance('P', watcherAddress, ETH);
    const bond = (await P.node.getChildInfo(F.chainId))!.bond;
    // F1's first block (the deposit) is committed on F: the block F's node lies in.
    await tree.waitApplied(await tree.deposit('P', alice, ETH, ETHER));
    await tree.waitApplied(await tree.deposit('F', alice, ETH, ETHER / 2n));
    await tree.waitApplied(await tree.deposit('F1', alice, ETH, ETHER / 10n));
    const aliceOnP = await tree.balance('P', alice, ETH);
    const n = await waitFor('F injects its fault', () => injected('F'), 30_000);
    // F's node believes its own lie: F1 frozen by fraud on F, its bond gone.
    expect(await F.node.getChildInfo(F1.chainId)).toMatchObject({ status: ChainStatus.FrozenFraud, bond: 0n });
    const finding = await expectConvictedOnP('F', n, 'NOT_FRAUD');
    expect((await tree.txOfFinding('F', n, finding.reason)).kind).toBe(TxKind.ProveChildFraud);
    expect(await tree.balance('P', watcherAddress, ETH)).toBe(before + bond / 2n);
    // P's holders and P itself: untouched.
    expect(await tree.balance('P', alice, ETH)).toBe(aliceOnP);
    expect(Number((await tree.root.chainStatus(P.chainId))[0])).toBe(ChainStatus.Live);
    console.log(`[watcher-ledger-deep] false-conviction (F under P): block ${n} committed in P block ${finding.commitL1Block}, objection in P block ${finding.objection!.l1Block}: ${finding.objection!.reactionL1Blocks} P blocks (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  }, 90_000);
});
