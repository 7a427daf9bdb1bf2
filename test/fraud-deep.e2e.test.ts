/**
 * Objections inside a chain (docs/FRAUD.md §7), end to end on a real Hardhat L1 with real validator nodes: A is a
 * child of the root, A1 a child of A whose only validator runs with the `overspend` fault. The test acts as a watcher:
 * it reads A1's blocks from A1's node and A1's deposit records from A's node, re-executes A1 from genesis, finds the
 * faulty block with findFraud and submits a PROVE_CHILD_FRAUD (kind 10) to A's node. A's block convicts A1 in A's
 * ledger: rolled back, frozen (pt_getChildInfo), its bond half to the watcher on A; a later COMMIT_CHILD of A1 is
 * refused. L1 sees only A's ordinary commitments, and A's holders keep every token.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BURN_ADDRESS,
  ChainState,
  ChainStatus,
  FraudKind,
  TxKind,
  decodeCommitChildData,
  encodeFraudProofArgs,
  findFraud,
  verifyBlock,
  type Block,
  type BlockContext,
  type Header,
  type Hex,
  type ProveChildFraudTx,
} from '@plasma-tree/core';
import { ETH, Tree, expectCode, newSigner, waitFor } from './helpers/tree.js';

const ETHER = 10n ** 18n;
/** A1's challenge window on A (seconds of A's block clock, the wall clock): time enough to object. */
const A1_WINDOW = 40;

let tree: Tree;

beforeAll(async () => {
  tree = await Tree.start(
    [
      { name: 'A', challengeWindow: 30 },
      { name: 'A1', parent: 'A', challengeWindow: A1_WINDOW, parentFinality: 'committed', faults: { kind: 'overspend' } },
      { name: 'A2', parent: 'A', challengeWindow: A1_WINDOW, parentFinality: 'committed', faults: { kind: 'forged-deposit' } },
    ],
    { challengeWindow: 30 },
  );
}, 90_000);

afterAll(async () => {
  await tree?.close();
});

describe('PROVE_CHILD_FRAUD on a chain parent (docs/FRAUD.md §7)', () => {
  it('a watcher convicts A1 on A: rollback, slash, freeze; L1 and A\'s holders see nothing of it', async () => {
    const t0 = Date.now();
    const A = tree.chain('A');
    const A1 = tree.chain('A1');
    const alice = tree.account(0);
    const bob = newSigner('bob');
    const carol = newSigner('carol');
    const watcher = newSigner('watcher');

    // Funds: alice on A (from L1), bob on A1 (DEPOSIT_TO_CHILD on A).
    await tree.waitApplied(await tree.deposit('A', alice, ETH, ETHER));
    await tree.waitApplied(await tree.deposit('A1', alice, ETH, ETHER / 10n, bob.address));
    const aliceOnA = await tree.balance('A', alice, ETH);
    const aOnL1 = await tree.subtreeBalance('root', 'A', ETH);

    // bob's transfer on A1: the faulty node turns it into an overspend, signs the block and commits it on A.
    await tree.send('A1', await tree.signFromSlot('A1', bob, { kind: TxKind.Transfer, to: carol.address, token: ETH, amount: ETHER / 100n }));
    const faulty = await waitFor('A1 injects its fault', async () => {
      const info = await A1.node.request<{ faults?: { injected: number[] } }>('pt_chainInfo', []);
      return info.faults?.injected[0];
    });
    await waitFor(`A commits A1's block ${faulty}`, async () => ((await A.node.getChildInfo(A1.chainId))?.headNumber ?? 0) >= faulty);
    const before = (await A.node.getChildInfo(A1.chainId))!;
    expect(before).toMatchObject({ status: ChainStatus.Live, frozenAt: 0 });

    const { finding, windowEnd, prevWindowEnd } = await watch('A', 'A1', faulty);
    expect(finding.kind).toBe(FraudKind.InvalidTransfer);

    // PROVE_CHILD_FRAUD to A's node: anyone may submit it, like a FINALIZE_CHILD_EXIT.
    const prove: ProveChildFraudTx = {
      kind: TxKind.ProveChildFraud,
      chainId: A.chainId,
      child: A1.chainId,
      fraudKind: finding.proof.kind,
      args: encodeFraudProofArgs(finding.proof, { windowEnd, prevWindowEnd }),
      to: watcher.address,
    };
    const receipt = await tree.receipt('A', await tree.send('A', prove), ['committed'], 45_000);
    const proofBlock = (await A.node.getBlockByNumber(receipt.blockNumber!))!;
    expect(proofBlock.txs[receipt.index!]).toMatchObject({ kind: TxKind.ProveChildFraud, to: watcher.address, amount: 0n });

    // A1 in A's ledger: rolled back to the block before, bond 0, frozen.
    const after = (await A.node.getChildInfo(A1.chainId))!;
    expect(after).toMatchObject({ headNumber: faulty - 1, bond: 0n, status: ChainStatus.FrozenFraud });
    expect(after.frozenAt).toBeGreaterThan(0);
    expect(await tree.balance('A', watcher.address, ETH)).toBe(before.bond / 2n);
    expect(await tree.balance('A', BURN_ADDRESS, ETH)).toBe(before.bond - before.bond / 2n);

    // A later COMMIT_CHILD of A1 (the faulty block again, with its quorum) is refused: A1 is frozen.
    const holding = (await A.node.getCommitment(A1.chainId, faulty))!;
    const aBlock = (await A.node.getBlockByNumber(holding.blockNumber))!;
    const commitTx = aBlock.txs.filter((tx) => tx.kind === TxKind.CommitChild).map((tx) => decodeCommitChildData(tx.data)).find((d) => d.child === A1.chainId && d.header.number === BigInt(faulty))!;
    await expectCode(tree.send('A', { kind: TxKind.CommitChild, chainId: A.chainId, ...commitTx }), 'CHAIN_IS_FROZEN');
    // The same proof again: block `faulty` is above the head now.
    await expectCode(tree.send('A', { ...prove, to: carol.address }), 'UNKNOWN_COMMITMENT');

    // L1 saw A's commitments only: A is live, its head moved on, the root holds for A what it held.
    const [status] = await tree.root.chainStatus(A.chainId);
    expect(Number(status)).toBe(ChainStatus.Live);
    expect(Number((await tree.root.chainInfo(A.chainId)).headNumber)).toBeGreaterThanOrEqual(receipt.blockNumber!);
    expect(await tree.subtreeBalance('root', 'A', ETH)).toBe(aOnL1);
    // A's holders keep every token.
    expect(await tree.balance('A', alice, ETH)).toBe(aliceOnA);
    console.log(`[fraud-deep] A1 convicted on A in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }, 60_000);

  it('a forged deposit in A2 (the deposit credited 1000 times): InvalidDeposit convicts A2; A1 and A are untouched', async () => {
    const A = tree.chain('A');
    const A2 = tree.chain('A2');
    const alice = tree.account(0);
    const erin = newSigner('erin');
    const a1Before = await A.node.getChildInfo(tree.chain('A1').chainId);
    await tree.deposit('A2', alice, ETH, ETHER / 100n, erin.address);
    const faulty = await waitFor('A2 injects its fault', async () => (await A2.node.request<{ faults?: { injected: number[] } }>('pt_chainInfo', [])).faults?.injected[0]);
    await waitFor(`A commits A2's block ${faulty}`, async () => ((await A.node.getChildInfo(A2.chainId))?.headNumber ?? 0) >= faulty);
    const bond = (await A.node.getChildInfo(A2.chainId))!.bond;
    const { finding, windowEnd, prevWindowEnd } = await watch('A', 'A2', faulty);
    expect(finding).toMatchObject({ kind: FraudKind.InvalidDeposit, reason: 'DepositMismatch' });
    const challenger = newSigner('watcher2');
    const prove: ProveChildFraudTx = {
      kind: TxKind.ProveChildFraud, chainId: A.chainId, child: A2.chainId, fraudKind: finding.proof.kind,
      args: encodeFraudProofArgs(finding.proof, { windowEnd, prevWindowEnd }), to: challenger.address,
    };
    await tree.receipt('A', await tree.send('A', prove));
    expect(await A.node.getChildInfo(A2.chainId)).toMatchObject({ headNumber: faulty - 1, bond: 0n, status: ChainStatus.FrozenFraud });
    expect(await tree.balance('A', challenger.address, ETH)).toBe(bond / 2n);
    // Frozen: a new deposit into A2 is refused; A1 (already frozen) did not change.
    const deposit = await tree.signFromSlot('A', alice, { kind: TxKind.DepositToChild, child: A2.chainId, to: erin.address, token: ETH, amount: 1n });
    await expectCode(tree.send('A', deposit), 'CHAIN_IS_FROZEN');
    expect(await A.node.getChildInfo(tree.chain('A1').chainId)).toEqual(a1Before);
  }, 60_000);
});

/**
 * The watcher's part: `child`'s blocks 1..faulty from its own node, its down stream from `parent`'s records, re-executed
 * from genesis (every block before `faulty` must verify); findFraud on block `faulty` and the windowEnds `parent` recorded.
 */
async function watch(parent: string, child: string, faulty: number) {
  const P = tree.chain(parent);
  const C = tree.chain(child);
  const records = new Map((await P.node.getChildDeposits(C.chainId, 1, 1000)).map((r) => [BigInt(r.nonce), r.depositHash.toLowerCase() as Hex]));
  const ctx: BlockContext = { chainId: C.chainId, domain: tree.domain, depositRecord: (n) => records.get(n), parentChainId: P.chainId };
  const state = new ChainState(C.chainId);
  let prev: Header | null = null;
  for (let n = 1; n < faulty; n++) {
    const block = (await C.node.getBlockByNumber(n))!;
    verifyBlock(block, prev, state, ctx);
    prev = block.header;
  }
  const bad: Block = (await C.node.getBlockByNumber(faulty))!;
  expect(() => verifyBlock(bad, prev, state, ctx, { dryRun: true })).toThrow(expect.objectContaining({ code: 'INVALID_BLOCK' }));
  const finding = findFraud(bad, prev, state, ctx);
  if (!finding?.provable) throw new Error(`expected a provable fault in ${child}'s block ${faulty}, got ${JSON.stringify(finding)}`);
  const windowEnd = BigInt((await P.node.getCommitment(C.chainId, faulty))!.windowEnd);
  const prevWindowEnd = faulty === 1 ? 0n : BigInt((await P.node.getCommitment(C.chainId, faulty - 1))!.windowEnd);
  return { finding, windowEnd, prevWindowEnd };
}
