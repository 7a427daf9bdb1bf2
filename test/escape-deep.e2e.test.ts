/**
 * The escape hatch inside a chain (docs/FRAUD.md §8), end to end on a real Hardhat L1 with real validator nodes: A is a
 * child of the root, A1 a child of A whose only validator runs with the `overspend` fault. A1's faulty block is
 * committed on A, A1's validator is stopped, a deposit A → A1 is recorded on A that A1 never applies, and a watcher
 * (this test) convicts A1 on A with a PROVE_CHILD_FRAUD (kind 10) built as test/fraud-deep.e2e.test.ts builds it. Then
 * A1's holders exit on A through the SDK (`TreeClient.escape('A1')` → a `ChainEscapeClient` on A's node: ESCAPE_CHILD_EXIT,
 * kind 11), their witnesses read offline from the stopped validator's data directory (`dataDirEscapeProofSource`), and
 * the deposit in flight goes back to its depositor with RECLAIM_CHILD_DEPOSIT (kind 12, `reclaimDeposits`). The node's
 * own refusals are checked on hand-built transactions too. What A1's subtree held on A is paid out exactly; L1 sees
 * nothing of it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ChainState,
  ChainStatus,
  TxKind,
  encodeFraudProofArgs,
  findFraud,
  verifyBlock,
  type Block,
  type BlockContext,
  type EscapeChildExitTx,
  type Header,
  type Hex,
  type ReclaimChildDepositTx,
} from '@plasma-tree/core';
import { dataDirEscapeProofSource, escapeProofFromDataDir } from '@plasma-tree/node';
import { ChainEscapeClient, TreeClient, type EscapeProofAnswer } from '@plasma-tree/sdk';
import { ETH, Tree, expectCode, newSigner, waitFor, waitForWallClock } from './helpers/tree.js';

const ETHER = 10n ** 18n;
/** A1's challenge window on A (seconds of A's clock, the wall clock): time to object, and then to wait for finality. */
const A1_WINDOW = 12;

let tree: Tree;

beforeAll(async () => {
  tree = await Tree.start(
    [
      { name: 'A', challengeWindow: 30 },
      { name: 'A1', parent: 'A', challengeWindow: A1_WINDOW, parentFinality: 'committed', faults: { kind: 'overspend' } },
    ],
    { challengeWindow: 30 },
  );
}, 60_000);

afterAll(async () => {
  await tree?.close();
});

describe('ESCAPE_CHILD_EXIT and RECLAIM_CHILD_DEPOSIT on a chain parent (docs/FRAUD.md §8)', () => {
  it('A1 convicted on A and stopped: its holders exit on A from its data directory, the deposit in flight comes back', async () => {
    const t0 = Date.now();
    const A = tree.chain('A');
    const A1 = tree.chain('A1');
    const alice = tree.account(0);
    const [bob, carol, dave, watcher] = ['bob', 'carol', 'dave', 'watcher'].map(newSigner);
    // The holders' SDK: the hatch of A1 is on A (devnet.json knows A1's parent: A1's node is not asked).
    const sdk = TreeClient.fromDevnet(tree.devnet, tree.provider, { pollMs: 100 });
    const escape = await sdk.escape('A1');
    expect(escape).toBeInstanceOf(ChainEscapeClient);
    expect(escape).toMatchObject({ host: 'chain', parentChainId: A.chainId });

    // bob and carol hold on A1 (deposits from alice's A account); bob's transfer becomes the fault.
    await tree.waitApplied(await tree.deposit('A', alice, ETH, ETHER));
    await tree.deposit('A1', alice, ETH, ETHER / 10n, bob.address);
    await tree.waitApplied(await tree.deposit('A1', alice, ETH, ETHER / 20n, carol.address));
    const aOnL1 = await tree.subtreeBalance('root', 'A', ETH);
    await tree.send('A1', await tree.signFromSlot('A1', bob, { kind: TxKind.Transfer, to: carol.address, token: ETH, amount: ETHER / 100n }));
    const faulty = await waitFor('A1 injects its fault', async () => (await A1.node.request<{ faults?: { injected: number[] } }>('pt_chainInfo', [])).faults?.injected[0]);
    await waitFor(`A commits A1's block ${faulty}`, async () => ((await A.node.getChildInfo(A1.chainId))?.headNumber ?? 0) >= faulty);

    // The watcher reads what it needs from A1's node, then A1's validator goes away for good.
    const { finding, windowEnd, prevWindowEnd } = await watch(faulty);
    await tree.stopNode('A1');
    // In flight: recorded on A for A1, never applied (nobody runs A1 any more).
    const inFlight = await tree.deposit('A1', alice, ETH, ETHER / 50n, dave.address);
    const reclaim: ReclaimChildDepositTx = {
      kind: TxKind.ReclaimChildDeposit, chainId: A.chainId, child: A1.chainId, nonce: BigInt(inFlight.nonce), from: alice.address, to: dave.address, token: ETH, amount: ETHER / 50n,
    };
    // Live: the hatch is closed (the mempool's dry run refuses with the ledger's code; the SDK says so first).
    await expectCode(tree.send('A', reclaim), 'CHAIN_NOT_FROZEN');
    await expectCode(escape.reclaimDeposits({ chainId: A1.chainId }), 'CHAIN_NOT_FROZEN');
    await expectCode(escape.escapeExit({ chainId: A1.chainId, owner: bob.address, token: ETH, proofSource: dataDirEscapeProofSource(A1.dataDir) }), 'CHAIN_NOT_FROZEN');

    await tree.receipt('A', await tree.send('A', {
      kind: TxKind.ProveChildFraud, chainId: A.chainId, child: A1.chainId, fraudKind: finding.proof.kind,
      args: encodeFraudProofArgs(finding.proof, { windowEnd, prevWindowEnd }), to: watcher.address,
    }));
    const info = (await A.node.getChildInfo(A1.chainId))!;
    expect(info).toMatchObject({ headNumber: faulty - 1, status: ChainStatus.FrozenFraud });
    expect(await escape.getChainStatus(A1.chainId)).toMatchObject({ host: 'chain', parentChainId: A.chainId, status: 'frozen-fraud', frozenAt: info.frozenAt, headNumber: faulty - 1, stallLimit: 7 * 86_400 });
    const subtree = await tree.subtreeBalance('A', 'A1', ETH);
    expect(subtree).toBe(ETHER / 10n + ETHER / 20n + ETHER / 50n); // the head holds bob's and carol's; dave's is in flight

    // The witnesses, offline, from the stopped validator's data directory, at A1's head on A, checked by the SDK
    // against A's commitment record. One at a time: each opens the store read-only, and LevelDB's lock admits one opener.
    const head = faulty - 1;
    const source = dataDirEscapeProofSource(A1.dataDir);
    const proofs: EscapeProofAnswer[] = [];
    for (const s of [bob, carol]) proofs.push((await escape.getEscapeProof({ chainId: A1.chainId, owner: s.address, token: ETH, proofSource: source })).proof);
    // The same witness as the node's own reader gives.
    expect((await escapeProofFromDataDir(A1.dataDir, { owner: bob.address, token: ETH, number: head })).account).toEqual(proofs[0].account);
    const headWindowEnd = BigInt((await A.node.getCommitment(A1.chainId, head))!.windowEnd);
    expect(BigInt(info.headWindowEnd)).toBe(headWindowEnd);
    const exits: EscapeChildExitTx[] = proofs.map((p) => ({
      kind: TxKind.EscapeChildExit, chainId: A.chainId, child: A1.chainId, head: p.head, windowEnd: headWindowEnd, ledgerRoot: p.ledgerRoot, account: p.account,
    }));
    expect(proofs.map((p) => p.account.balance)).toEqual([ETHER / 10n, ETHER / 20n]);

    // The reclaim does not wait for finality; the applied deposit cannot be reclaimed, nor dave's twice.
    const aliceBefore = await tree.balance('A', alice, ETH);
    await expectCode(tree.send('A', { ...reclaim, nonce: 1n, to: bob.address, amount: ETHER / 10n }), 'DEPOSIT_APPLIED');
    expect(await escape.reclaimableDeposits({ chainId: A1.chainId })).toEqual([
      { chainId: A1.chainId, nonce: reclaim.nonce, from: alice.address.toLowerCase(), to: dave.address.toLowerCase(), token: ETH, amount: ETHER / 50n },
    ]);
    expect(await escape.reclaimableDeposits({ chainId: A1.chainId, depositor: bob.address })).toEqual([]);
    const reclaimed = await escape.reclaimDeposits({ chainId: A1.chainId, depositor: alice.address });
    expect(reclaimed).toMatchObject([{ nonce: reclaim.nonce, from: alice.address.toLowerCase(), amount: ETHER / 50n }]);
    expect(await tree.balance('A', alice, ETH)).toBe(aliceBefore + ETHER / 50n);
    await expectCode(tree.send('A', { ...reclaim, to: alice.address }), 'UNKNOWN_DEPOSIT');
    await expectCode(escape.reclaimDeposits({ chainId: A1.chainId }), 'NOTHING_TO_RECLAIM');

    // Escapes wait for the head to be final on A's clock.
    if (Date.now() / 1000 < Number(headWindowEnd) - 2) {
      await expectCode(tree.send('A', exits[0]), 'CHALLENGE_WINDOW_OPEN');
      await expectCode(escape.escapeExit({ chainId: A1.chainId, owner: bob.address, token: ETH, proofSource: source }), 'HEAD_NOT_FINAL');
    }
    await waitForWallClock(Number(headWindowEnd) + 1);
    for (const [s, amount] of [[bob, ETHER / 10n], [carol, ETHER / 20n]] as const) {
      const r = await escape.escapeExit({ chainId: A1.chainId, owner: s.address, token: ETH, proofSource: source });
      expect(r).toMatchObject({ host: 'chain', owner: s.address.toLowerCase(), token: ETH, amount, headNumber: head, gasUsed: 0n });
      expect(r.blockNumber).toBeGreaterThan(0);
    }
    expect(await tree.balance('A', bob.address, ETH)).toBe(ETHER / 10n);
    expect(await tree.balance('A', carol.address, ETH)).toBe(ETHER / 20n);
    await expectCode(tree.send('A', exits[0]), 'ALREADY_ESCAPED');
    await expectCode(escape.escapeExit({ chainId: A1.chainId, owner: bob.address, token: ETH, proofSource: source }), 'ALREADY_ESCAPED');
    expect(await escape.isEscaped(A1.chainId, proofs[1].account.slot)).toBe(true);

    // Totals: what A1's subtree held on A was paid out exactly; A's total on L1 did not move.
    expect(await tree.subtreeBalance('A', 'A1', ETH)).toBe(0n);
    expect(await tree.subtreeBalance('root', 'A', ETH)).toBe(aOnL1);
    const [status] = await tree.root.chainStatus(A.chainId);
    expect(Number(status)).toBe(ChainStatus.Live);
    console.log(`[escape-deep] A1 convicted, 2 holders escaped and 1 deposit reclaimed on A in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }, 60_000);
});

/** fraud-deep's watcher: A1's blocks from its node, its down stream from A's records, re-executed; findFraud on `faulty`. */
async function watch(faulty: number) {
  const P = tree.chain('A');
  const C = tree.chain('A1');
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
  const finding = findFraud(bad, prev, state, ctx);
  if (!finding?.provable) throw new Error(`expected a provable fault in A1's block ${faulty}, got ${JSON.stringify(finding)}`);
  const windowEnd = BigInt((await P.node.getCommitment(C.chainId, faulty))!.windowEnd);
  const prevWindowEnd = faulty === 1 ? 0n : BigInt((await P.node.getCommitment(C.chainId, faulty - 1))!.windowEnd);
  return { finding, windowEnd, prevWindowEnd };
}
