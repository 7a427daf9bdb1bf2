/**
 * A chain parent judges its child's ledger-kind txs (fraud kind 10, docs/LEDGER-PROOFS.md "Item 10"): a four-level
 * tree in core (root → A → A1 → A1a). A1 is itself a parent; its quorum commits on A a block whose DEPOSIT_TO_CHILD
 * raises A1a's subtree balance with tokens dave does not have (a subtree that mints). findFraud proves it, and a
 * PROVE_CHILD_FRAUD of fraud kind 10 on A, whose STF judges the proof with core's ledger verifier (what
 * PlasmaLedgerChildFraud runs at the root), convicts A1. A proof against A1's honest ledger txs is refused
 * (NOT_FRAUD), and so is one whose witnesses are short or forged, with the verifier's witness codes.
 */
import { describe, expect, it } from 'vitest';
import {
  ChainState,
  ChainStatus,
  FraudKind,
  MIN_BOND,
  TxKind,
  buildLedgerTransitionProof,
  encodeFraudProofArgs,
  findFraud,
  ledgerTransitionFault,
  placeSignedTx,
  TransitionFault,
  EMPTY_STATE_ROOT,
  type Block,
  type FraudProofData,
  type LedgerTransitionProof,
  type ProveChildFraudTx,
} from '../src/index.js';
import { DOMAIN, ETH, TOKEN, alice, carol, user } from './fixtures.js';
import { buildConvictableTree, dave, forgedBlock, watcher } from './convictTree.js';
import { TestChain, commitTx, depositToChild, expectRefused, sign, spawnChild, submit } from './treeHarness.js';

function proveTx(A: TestChain, child: TestChain, proof: FraudProofData, windowEnd: bigint, prevWindowEnd: bigint): ProveChildFraudTx {
  return { kind: TxKind.ProveChildFraud, chainId: A.id, child: child.id, fraudKind: proof.kind, args: encodeFraudProofArgs(proof, { windowEnd, prevWindowEnd }), to: watcher.address };
}

/** The convictable tree with A1 made a parent: its block 2 spawns A1a (carol's bond) and dave deposits 50 into it. */
function buildParentTree() {
  const tree = buildConvictableTree(() => {});
  const { A, A1, a1Block1, tick } = tree;
  A.block(tick(), (b) => depositToChild(b, A, A1, alice, carol, ETH, 2n * MIN_BOND));
  // A1's state after its block 1, for proofs against block 2's txs.
  const a1After1 = { accounts: [...A1.state.accounts.entries()], ledger: [...A1.state.ledger.entries()] };
  let A1a!: TestChain;
  const a1Block2 = A1.block(tick(), (b) => {
    A1.applyInbox(b);
    A1a = spawnChild(b, A1, carol, [user('v9')], 1, 'A1a');
    depositToChild(b, A1, A1a, dave, dave, TOKEN, 50n);
  });
  A.block(tick(), (b) => submit(b, commitTx(A, A1, a1Block2)));
  const block2WindowEnd = A.state.ledger.childInfo(A1.id).headWindowEnd;
  return { ...tree, A1a, a1Block1, a1Block2, a1After1, block2WindowEnd };
}

/** A1's block 3 as its quorum forges it: dave deposits 1,000 tokens into A1a with only 50 left (INSUFFICIENT_BALANCE). */
function mintingBlock(A1: TestChain, A1a: TestChain, parent: Block, timestamp: bigint): Block {
  const tx = placeSignedTx(A1.state, sign(dave, {
    kind: TxKind.DepositToChild, chainId: A1.id, slot: A1.slotOf(dave, TOKEN), child: A1a.id, to: dave.address, token: TOKEN, amount: 1_000n, nonce: A1.nonce(dave, TOKEN),
  }), A1.ctx);
  return forgedBlock(parent.header, [tx], [parent.header.stateRoot], parent.header.stateRoot, timestamp);
}

describe('fraud kind 10: a chain parent convicts its child of a lie in a ledger-kind tx', () => {
  it('A convicts A1 of a deposit into A1a from tokens dave does not have; A1 rolled back, slashed, frozen', () => {
    const { A, A1, A1a, a1Block2, block2WindowEnd, tick } = buildParentTree();
    const bad = mintingBlock(A1, A1a, a1Block2, tick());
    A.block(tick(), (b) => submit(b, commitTx(A, A1, bad)));
    const windowEnd = A.state.ledger.childInfo(A1.id).headWindowEnd;

    const finding = findFraud(bad, a1Block2.header, A1.watcher, A1.ctx);
    expect(finding).toMatchObject({ provable: true, kind: FraudKind.InvalidLedgerTx, txIndex: 0, reason: 'INSUFFICIENT_BALANCE' });
    if (!finding?.provable) throw new Error('unreachable');
    const proof = finding.proof as LedgerTransitionProof;
    expect(proof.refusal).toBe('INSUFFICIENT_BALANCE');

    const convictedAt = tick();
    A.block(convictedAt, (b) => submit(b, proveTx(A, A1, proof, windowEnd, block2WindowEnd)));
    expect(A.state.ledger.childInfo(A1.id)).toMatchObject({ headNumber: 2n, headWindowEnd: block2WindowEnd, bond: 0n });
    expect(A.state.ledger.childStatus(A1.id)).toEqual({ status: ChainStatus.FrozenFraud, frozenAt: convictedAt });
    expect(A.balance(watcher, ETH)).toBe(MIN_BOND / 2n);
    // A1a's subtree balance in A1's final state is the 50 dave really deposited: the 1,000 never counts.
    expect(A1.state.ledger.subtreeBalance(A1a.id, TOKEN)).toBe(50n);
  });

  it('A convicts A1 of a wrong post-state root after an honest ledger tx (POST_ROOT_MISMATCH)', () => {
    const { A, A1, A1a, a1Block2, block2WindowEnd, tick } = buildParentTree();
    // dave's honest deposit of 10 into A1a, under a post root that also credits him 1,000 on A1.
    const tx = placeSignedTx(A1.state, sign(dave, {
      kind: TxKind.DepositToChild, chainId: A1.id, slot: A1.slotOf(dave, TOKEN), child: A1a.id, to: dave.address, token: TOKEN, amount: 10n, nonce: A1.nonce(dave, TOKEN),
    }), A1.ctx);
    const bad = forgedBlock(a1Block2.header, [tx], [EMPTY_STATE_ROOT], EMPTY_STATE_ROOT, tick());
    A.block(tick(), (b) => submit(b, commitTx(A, A1, bad)));
    const finding = findFraud(bad, a1Block2.header, A1.watcher, A1.ctx);
    expect(finding).toMatchObject({ provable: true, kind: FraudKind.InvalidLedgerTx, txIndex: 0, reason: 'POST_ROOT_MISMATCH' });
    if (!finding?.provable) throw new Error('unreachable');
    A.block(tick(), (b) => submit(b, proveTx(A, A1, finding.proof, A.state.ledger.childInfo(A1.id).headWindowEnd, block2WindowEnd)));
    expect(A.state.ledger.childStatus(A1.id).status).toBe(ChainStatus.FrozenFraud);
  });

  it("refuses a proof against A1's honest spawn and deposit (NOT_FRAUD), and short or forged witnesses", () => {
    const { A, A1, a1Block1, a1Block2, a1After1, block1WindowEnd, block2WindowEnd, tick } = buildParentTree();
    const windows = { windowEnd: block2WindowEnd, prevWindowEnd: block1WindowEnd };
    const pre = () => ChainState.fromEntries(A1.id, a1After1.accounts, a1After1.ledger);
    for (const index of [1, 2]) {
      const kind = a1Block2.txs[index].kind;
      expect([TxKind.SpawnChild, TxKind.DepositToChild]).toContain(kind);
      const proof = buildLedgerTransitionProof(a1Block2, index, a1Block1.header, pre(), A1.ctx, { allowValid: true });
      expect(proof.refusal).toBeUndefined();
      expect(ledgerTransitionFault(inputOf(A1, a1Block2, a1Block1), proof).fault).toBe(TransitionFault.Valid);
      const refused = A.block(tick(), (b) => {
        const e = expectRefused(A.state, 'NOT_FRAUD', () => submit(b, proveTx(A, A1, proof, windows.windowEnd, windows.prevWindowEnd)));
        expect(e.data).toMatchObject({ kind: String(FraudKind.InvalidLedgerTx) });
        if (index === 1) {
          const short = { ...proof, ledger: { ...proof.ledger, entries: proof.ledger.entries.slice(0, -1) } };
          expectRefused(A.state, 'MISSING_LEDGER_WITNESS', () => submit(b, proveTx(A, A1, short, windows.windowEnd, windows.prevWindowEnd)));
          const forged = { ...proof, ledger: { ...proof.ledger, entries: proof.ledger.entries.map((e, i) => (i === 0 ? { ...e, value: `0x${'00'.repeat(31)}07` as const } : e)) } };
          expectRefused(A.state, 'INVALID_LEDGER_WITNESS', () => submit(b, proveTx(A, A1, forged, windows.windowEnd, windows.prevWindowEnd)));
        }
      });
      expect(refused.txs).toHaveLength(0);
    }
    expect(A.state.ledger.childStatus(A1.id).status).toBe(ChainStatus.Live);
  });
});

function inputOf(A1: TestChain, block: Block, parent: Block) {
  return {
    domain: DOMAIN, chainId: A1.id, txRoot: block.header.txRoot, prevStateRoot: parent.header.stateRoot, prevDepositNonce: parent.header.depositNonce,
    depositNonce: block.header.depositNonce, depositRecord: `0x${'00'.repeat(32)}` as const,
  };
}
