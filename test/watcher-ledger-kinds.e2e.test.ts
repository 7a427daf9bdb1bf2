/**
 * The watcher convicts a chain at the root for an invalid tx of a ledger kind (docs/LEDGER-PROOFS.md §6.4), end to
 * end: one real Hardhat L1 and a tree root → A → A1, root → B → B1, root → C → C1, root → D. A's validator node runs
 * with `double-finalize`, B's and D's with `ledger-post-root`, C's with `false-conviction`; A1, B1 and C1 are honest.
 * A holder withdraws on A1; once A1's block is final on A, the exit is finalized on A (FINALIZE_CHILD_EXIT) and A's
 * node pays it twice. B's node lies in the FREEZE_STALLED_CHILD of B1 (stalled on purpose: it commits nothing after
 * its spawn) that this test sends. C's node "convicts" C1 of its honest block 1 with a proof that proves nothing and
 * takes its bond. D's node lies in the EDGE_FROM_PARENT (kind 8) that delivers a message this test sends it from L1
 * (PlasmaRoot.sendMessage): L1 recomputes an edge tx's post-state root from the effect it states (docs/SPEC.md "Edge
 * effects"), so that lie is provable at the root. One watcher (the library, in this process) follows A, B, C and D
 * from the root: it re-executes their blocks, objects on L1, and PlasmaRoot emits FraudProven kind 10
 * (InvalidLedgerTx) for each faulty block; A, B, C and D are frozen. The reaction time (commit → objection, in L1
 * blocks) is logged.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Wallet, type Contract } from 'ethers';
import { ChainStatus, FraudKind, TxKind, decodeEdgeFromParentData, type Address, type Hex } from '@plasma-tree/core';
import type { ChainStatusJson, FindingStatus } from '@plasma-tree/watcher';
import { startTreeWatcher, type TreeWatcher } from './helpers/watcher.js';
import { ETH, ROOT, Tree, newSigner, waitFor } from './helpers/tree.js';

const ETHER = 10n ** 18n;
/** A1's challenge window on A (seconds of A's clock, the wall clock): the wait before its exit is paid on A. */
const A1_WINDOW = 5;
/** B1's challenge window and stall limit on B: B1 commits nothing after its spawn, so it is stalled this soon. */
const B1_STALL = 4;

let tree: Tree;
let treeWatcher: TreeWatcher | undefined;
const watcherKey = Wallet.createRandom().privateKey as Hex;
const watcherAddress = new Wallet(watcherKey).address.toLowerCase() as Address;

beforeAll(async () => {
  tree = await Tree.start(
    [
      { name: 'A', faults: { kind: 'double-finalize' } },
      { name: 'A1', parent: 'A', challengeWindow: A1_WINDOW, parentFinality: 'committed' },
      // From block 3 on: past B's funding and its SPAWN_CHILD of B1 (blocks 1-2), so that the lie is in the
      // FREEZE_STALLED_CHILD this test sends, whatever other kinds the root proves by then.
      { name: 'B', faults: { kind: 'ledger-post-root', atBlock: 3 } },
      { name: 'B1', parent: 'B', challengeWindow: B1_STALL, stallLimit: B1_STALL, parentFinality: 'committed' },
      { name: 'C', faults: { kind: 'false-conviction' } },
      { name: 'C1', parent: 'C', parentFinality: 'committed' },
      // Its first block with a tx of a kind the root proves is the delivery of the message the test sends it.
      { name: 'D', faults: { kind: 'ledger-post-root' } },
    ],
    // The root's window on A, B, C and D: room to object.
    { challengeWindow: 60 },
  );
  // Its objections are L1 transactions: gas from a dev account the test does not otherwise use.
  await (await tree.l1Wallet(tree.account(3)).sendTransaction({ to: watcherAddress, value: ETHER })).wait();
  treeWatcher = await startTreeWatcher(tree, { key: watcherKey, only: (c) => c.parent === ROOT });
}, 60_000);

afterAll(async () => {
  await treeWatcher?.close();
  await tree?.close();
}, 60_000);

const injected = (name: string) => tree.injectedFault(name);

/** PlasmaRoot's FraudProven of `name`, with the L1 block it was emitted in. */
async function fraudProven(name: string): Promise<{ number: bigint; kind: number; challenger: Address; blockNumber: number }> {
  const { chainId } = tree.chain(name);
  return waitFor(`FraudProven of ${name}`, async () => {
    const [event] = await tree.root.queryFilter(tree.root.filters.FraudProven(chainId));
    if (!event) return undefined;
    const args = (event as unknown as { args: { number: bigint; kind: bigint; challenger: string } }).args;
    return { number: args.number, kind: Number(args.kind), challenger: args.challenger.toLowerCase() as Address, blockNumber: event.blockNumber };
  }, 45_000);
}

/**
 * The conviction of `name`'s faulty block `n` at the root: FraudProven kind 10 by the watcher, the chain rolled back
 * and frozen, the watcher's finding convicted and naming InvalidLedgerTx with `reason`; returns the finding.
 */
async function expectConvicted(name: string, n: number, reason: string): Promise<FindingStatus> {
  const { chainId } = tree.chain(name);
  const statusOf = () => treeWatcher!.watcher.status().chains.find((c) => c.name === name)!;
  const proven = await fraudProven(name).catch((e: Error) => {
    throw new Error(`${e.message}; the watcher's status of ${name}: ${JSON.stringify(statusOf())}`);
  });
  expect(proven).toMatchObject({ number: BigInt(n), kind: FraudKind.InvalidLedgerTx, challenger: watcherAddress });
  expect(Number((await tree.root.chainStatus(chainId))[0])).toBe(ChainStatus.FrozenFraud);
  expect((await tree.root.chainInfo(chainId)).headNumber).toBe(BigInt(n - 1));
  const finding = await waitFor(`the watcher's record of ${name}`, () => {
    const status: ChainStatusJson = statusOf();
    return status.findings.find((f) => f.height === n && f.objection?.status === 'convicted');
  }, 20_000);
  expect(finding).toMatchObject({ kind: 'invalid_block', provable: true, objection: { host: 'root', status: 'convicted', l1Block: proven.blockNumber } });
  // `<FraudKind>: <core's reason> (tx i)`.
  expect(finding.reason.startsWith(`${FraudKind[FraudKind.InvalidLedgerTx]}: ${reason} `), finding.reason).toBe(true);
  const [committed] = await tree.root.queryFilter(tree.root.filters.Committed(chainId, n));
  expect(finding.objection!.reactionL1Blocks).toBe(proven.blockNumber - committed.blockNumber);
  return finding;
}

describe('the watcher convicts a chain at the root for an invalid ledger-kind tx (FraudProven kind 10)', () => {
  it('double-finalize on A: A1\'s exit paid twice on A, A convicted (ALREADY_WITHDRAWN)', async () => {
    const t0 = Date.now();
    const A = tree.chain('A');
    const alice = tree.account(0);
    const [bob, carol] = ['bob', 'carol'].map(newSigner);
    await tree.waitApplied(await tree.deposit('A', alice, ETH, ETHER));
    await tree.waitApplied(await tree.deposit('A1', alice, ETH, ETHER / 10n, bob.address));
    const proof = await tree.withdraw('A1', bob, carol, ETH, ETHER / 20n);
    expect(await injected('A')).toBeUndefined();
    await tree.finalize('A1', proof);

    const n = await waitFor('A injects its fault', () => injected('A'));
    const block = (await A.node.getBlockByNumber(n))!;
    const finalizes = block.txs.map((tx, i) => [tx, i] as const).filter(([tx]) => tx.kind === TxKind.FinalizeChildExit);
    expect(finalizes.map(([, i]) => i), 'the finalize and its copy, back to back').toEqual([finalizes[0][1], finalizes[0][1] + 1]);
    // A's node believes its own lie: carol holds the exit twice on A.
    expect(await tree.balance('A', carol, ETH)).toBe(ETHER / 10n);

    const finding = await expectConvicted('A', n, 'ALREADY_WITHDRAWN');
    console.log(`watcher reaction double-finalize: A block ${n} committed in L1 block ${finding.commitL1Block}, objection in L1 block ${finding.objection!.l1Block}: ${finding.objection!.reactionL1Blocks} L1 blocks (${((Date.now() - t0) / 1000).toFixed(1)} s from the first deposit)`);
  }, 60_000);

  it('ledger-post-root on B: the operator mints itself 1000 ETH after a ledger-kind tx, B convicted (POST_ROOT_MISMATCH)', async () => {
    const n = await tree.lieInFreezeOfStalledChild('B', 'B1', B1_STALL);
    const finding = await expectConvicted('B', n, 'POST_ROOT_MISMATCH');
    expect((await tree.txOfFinding('B', n, finding.reason)).kind).toBe(TxKind.FreezeStalledChild);
    console.log(`watcher reaction ledger-post-root: B block ${n} committed in L1 block ${finding.commitL1Block}, objection in L1 block ${finding.objection!.l1Block}: ${finding.objection!.reactionL1Blocks} L1 blocks`);
  }, 60_000);

  it('false-conviction on C: C convicts its honest child C1 and takes its bond, C convicted (NOT_FRAUD)', async () => {
    const C = tree.chain('C');
    const C1 = tree.chain('C1');
    const alice = tree.account(0);
    expect(await injected('C')).toBeUndefined();
    // C1's first block (the deposit) is committed on C: the block C's node lies in.
    await tree.waitApplied(await tree.deposit('C', alice, ETH, ETHER));
    await tree.waitApplied(await tree.deposit('C1', alice, ETH, ETHER / 10n));
    const n = await waitFor('C injects its fault', () => injected('C'));
    const block = (await C.node.getBlockByNumber(n))!;
    const kinds = block.txs.map((tx) => tx.kind);
    expect(kinds.indexOf(TxKind.ProveChildFraud), 'the conviction right after the commit of C1\'s block 1').toBe(kinds.indexOf(TxKind.CommitChild) + 1);
    // C's node believes its own lie: C1 frozen by fraud on C, its bond gone.
    expect(await C.node.getChildInfo(C1.chainId)).toMatchObject({ status: ChainStatus.FrozenFraud, bond: 0n });
    const finding = await expectConvicted('C', n, 'NOT_FRAUD');
    console.log(`watcher reaction false-conviction: C block ${n} committed in L1 block ${finding.commitL1Block}, objection in L1 block ${finding.objection!.l1Block}: ${finding.objection!.reactionL1Blocks} L1 blocks`);
  }, 60_000);

  it('ledger-post-root on D\'s edge tx: the operator mints itself 1000 ETH after the delivery of a message from L1, D convicted (POST_ROOT_MISMATCH)', async () => {
    const t0 = Date.now();
    const D = tree.chain('D');
    expect(await injected('D')).toBeUndefined();
    // To an address with no handler on D: the message is kept in D's inbox, a write the kind-8 tx states.
    const root = tree.root.connect(tree.l1Wallet(tree.account(0))) as Contract;
    await (await root.getFunction('sendMessage')(D.chainId, Wallet.createRandom().address, '0xc0ffee')).wait();
    const n = await waitFor('D injects its fault', () => injected('D'));
    // D's node believes its own lie: the operator holds 1000 ETH on D.
    expect(await tree.balance('D', D.validators[0].address.toLowerCase() as Address, ETH)).toBe(1000n * ETHER);
    const finding = await expectConvicted('D', n, 'POST_ROOT_MISMATCH');
    const tx = await tree.txOfFinding('D', n, finding.reason);
    expect(tx.kind).toBe(TxKind.EdgeFromParent);
    const { status, writes } = decodeEdgeFromParentData(tx.data);
    expect({ status, written: writes.length > 0 }).toEqual({ status: 1, written: true });
    console.log(`watcher reaction ledger-post-root (edge tx): D block ${n} committed in L1 block ${finding.commitL1Block}, objection in L1 block ${finding.objection!.l1Block}: ${finding.objection!.reactionL1Blocks} L1 blocks (${((Date.now() - t0) / 1000).toFixed(1)} s from the message)`);
  }, 60_000);
});
