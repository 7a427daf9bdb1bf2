/**
 * NESTED_ESCAPE_CALL (kind 16, docs/FRAUD.md §4c): P's child A is frozen in P's ledger (it stalled); the holders of
 * A's child K leave on P with the PlasmaNestedEscape calls they would send the root: carol's account in K's last final
 * block, her exit of that block, and bob's deposit to K in flight. Each is paid once, capped by what P holds for A;
 * every refusal leaves P's state as it was, and a watcher re-executing P's blocks agrees (TestChain.block).
 */
import { describe, expect, it } from 'vitest';
import {
  ChainStatus,
  LedgerKind,
  ROOT_CHAIN_ID,
  TxKind,
  buildNestedAccountProof,
  buildNestedDepositProof,
  buildNestedExitProof,
  buildNestedPath,
  chainIdOf,
  decodeNestedEscapeCall,
  encodeEscapeNestedExitCall,
  encodeExitNestedCall,
  encodeNestedEscapeCall,
  encodeReclaimNestedCall,
  exitProof,
  applyTx,
  buildLedgerTransitionProof,
  ChainState,
  findFraud,
  ledgerTransitionFault,
  TransitionFault,
  ZERO_BYTES32,
  type Block,
  type LedgerTransitionProof,
  FraudKind,
  placeSignedTx,
  frozenHead,
  ledgerKeys,
  nestedCallTouches,
  type CommittedChildBlock,
  type NestedEscapeCallTx,
  type NestedPath,
} from '../src/index.js';
import { DOMAIN, ETH, FakeParent, alice, bob, carol } from './fixtures.js';
import { forgedBlock } from './convictTree.js';
import { TestChain, WINDOW, commitPending, commitTx, depositToChild, expectRefused, spawnChild, spend, submit, validatorsA1, validatorsA2 } from './treeHarness.js';

const DAY = 86_400n;
const ETHER = 10n ** 18n;

/** P → A → K: K's block 1 final in A's ledger at A's head; A committed to P, then frozen there for stalling. */
function tree() {
  let now = 1_000n;
  const tick = (s = 5n) => (now += s);
  const root = new FakeParent();
  const P = new TestChain(chainIdOf(ROOT_CHAIN_ID, 0), 'P', root.depositRecord);
  P.block(tick(), (b) => {
    for (const who of [alice, carol]) b.addDeposit(root.deposit(who.address, ETH, ETHER));
  });
  let A!: TestChain;
  P.block(tick(), (b) => {
    A = spawnChild(b, P, alice, validatorsA1, 2, 'A');
  });
  P.block(tick(), (b) => depositToChild(b, P, A, alice, bob, ETH, ETHER / 10n));
  A.block(tick(), (b) => A.applyInbox(b));
  let K!: TestChain;
  A.block(tick(), (b) => {
    K = spawnChild(b, A, bob, validatorsA2, 1, 'K');
  });
  A.block(tick(), (b) => depositToChild(b, A, K, bob, carol, ETH, 1_000n));
  const k1 = K.block(tick(), (b) => {
    K.applyInbox(b);
    submit(b, spend(K, carol, TxKind.Transfer, alice, ETH, 100n));
    submit(b, spend(K, carol, TxKind.Withdraw, carol, ETH, 50n));
  });
  A.block(tick(), (b) => submit(b, commitTx(A, K, k1)));
  const k1WindowEnd = A.state.ledger.childInfo(K.id).headWindowEnd;
  // A deposit K never applies (in flight), then A's head, after K's block 1 is final by A's clock.
  A.block(tick(), (b) => depositToChild(b, A, K, bob, bob, ETH, 7n));
  tick(WINDOW);
  A.block(tick());
  P.block(tick(), (b) => commitPending(b, P, A));
  const aWindowEnd = P.state.ledger.childInfo(A.id).headWindowEnd;
  const blockOf = (n: bigint): CommittedChildBlock => ({ header: K.blocks[Number(n) - 1].header, windowEnd: k1WindowEnd });
  const path = (): NestedPath => buildNestedPath(frozenHead(A.state, A.head!, aWindowEnd), A.state.ledger, [{ child: K.id, blockOf }]);
  const freeze = () => {
    tick(7n * DAY);
    P.block(tick(), (b) => submit(b, { kind: TxKind.FreezeStalledChild, chainId: P.id, child: A.id }));
    expect(P.state.ledger.childStatus(A.id).status).toBe(ChainStatus.FrozenStalled);
  };
  return { P, A, K, k1, tick, path, freeze };
}

const escapeTx = (P: TestChain, A: TestChain, call: string): NestedEscapeCallTx => ({ kind: TxKind.NestedEscapeCall, chainId: P.id, frozen: A.id, call: call as `0x${string}` });

describe('NESTED_ESCAPE_CALL: the holders of a frozen chain\'s child leave on its chain parent (docs/FRAUD.md §4c)', () => {
  it('pays carol\'s account and exit and bob\'s deposit in flight once each, capped, and refuses what PlasmaNestedEscape refuses', () => {
    const { P, A, K, k1, tick, path, freeze } = tree();
    const p = path();
    const account = buildNestedAccountProof(p, K.state, K.slotOf(carol, ETH));
    const exit = buildNestedExitProof(p, { header: k1.header, windowEnd: p.final.windowEnd }, { recipient: carol.address, token: ETH, amount: 50n }, 0n, exitProof(k1, 0));
    const deposit = buildNestedDepositProof(p, { nonce: 2n, from: bob.address, to: bob.address, token: ETH, amount: 7n });
    const calls = { escape: encodeEscapeNestedExitCall(p, account), exit: encodeExitNestedCall(p, exit), reclaim: encodeReclaimNestedCall(p, deposit) };
    for (const call of Object.values(calls)) expect(encodeNestedEscapeCall(decodeNestedEscapeCall(call))).toBe(call);
    expect(nestedCallTouches(decodeNestedEscapeCall(calls.escape))).toEqual({
      children: [K.id], token: ETH, mark: { kind: LedgerKind.NestedEscaped, child: K.id, slot: account.account.slot },
    });

    // A is live on P: the hatch is closed.
    P.block(tick(), (b) => {
      expect(expectRefused(P.state, 'CHAIN_NOT_FROZEN', () => submit(b, escapeTx(P, A, calls.escape))).data).toEqual({ chainId: A.id });
    });
    freeze();

    const before = { carol: P.balance(carol, ETH), bob: P.balance(bob, ETH), subtree: P.state.ledger.subtreeBalance(A.id, ETH) };
    P.block(tick(), (b) => {
      // Not PlasmaNestedEscape calls P can read, or about another chain: MALFORMED_TX.
      expectRefused(P.state, 'MALFORMED_TX', () => submit(b, escapeTx(P, A, `${calls.escape}00`)));
      expectRefused(P.state, 'MALFORMED_TX', () => submit(b, escapeTx(P, A, `0xdeadbeef${calls.escape.slice(10)}`)));
      expectRefused(P.state, 'MALFORMED_TX', () => submit(b, escapeTx(P, K, calls.escape)));
      // Proofs that do not hold, as the root's module refuses them.
      const bad = decodeNestedEscapeCall(calls.escape);
      if (bad.method !== 'escapeNestedExit') throw new Error('escape');
      expectRefused(P.state, 'INVALID_ACCOUNT_PROOF', () => submit(b, escapeTx(P, A, encodeNestedEscapeCall({ ...bad, childLedgerRoot: bad.route.frozen.ledgerRoot }))));
      expectRefused(P.state, 'INVALID_LEDGER_ROOT', () => submit(b, escapeTx(P, A, encodeNestedEscapeCall({ ...bad, route: { ...bad.route, frozen: { ...bad.route.frozen, accountsRoot: bad.route.frozen.ledgerRoot } } }))));
      expectRefused(P.state, 'INVALID_LEDGER_PROOF', () => submit(b, escapeTx(P, A, encodeNestedEscapeCall({ ...bad, caps: [{ ...bad.caps[0], amount: bad.caps[0].amount + 1n }] }))));
      expectRefused(P.state, 'BAD_PROOF_LENGTH', () => submit(b, escapeTx(P, A, encodeNestedEscapeCall({ ...bad, caps: [...bad.caps, ...bad.caps] }))));
      expectRefused(P.state, 'NOT_THE_HEAD', () => submit(b, escapeTx(P, A, encodeNestedEscapeCall({ ...bad, route: { ...bad.route, frozen: { ...bad.route.frozen, head: A.blocks[0].header } } }))));
      expectRefused(P.state, 'UNKNOWN_COMMITMENT', () => submit(b, escapeTx(P, A, encodeNestedEscapeCall({ ...bad, route: { ...bad.route, frozen: { ...bad.route.frozen, windowEnd: bad.route.frozen.windowEnd + 1n } } }))));
      // The deposit K applied in its last final block is in carol's account: DEPOSIT_APPLIED.
      expectRefused(P.state, 'DEPOSIT_APPLIED', () => submit(b, escapeTx(P, A, encodeReclaimNestedCall(p, buildNestedDepositProof(p, { nonce: 1n, from: bob.address, to: carol.address, token: ETH, amount: 1_000n })))));

      for (const call of Object.values(calls)) submit(b, escapeTx(P, A, call));
      // Once each.
      expectRefused(P.state, 'ALREADY_ESCAPED', () => submit(b, escapeTx(P, A, calls.escape)));
      expectRefused(P.state, 'ALREADY_WITHDRAWN', () => submit(b, escapeTx(P, A, calls.exit)));
      expectRefused(P.state, 'UNKNOWN_DEPOSIT', () => submit(b, escapeTx(P, A, calls.reclaim)));
    });
    expect(P.balance(carol, ETH)).toBe(before.carol + 850n + 50n);
    expect(P.balance(bob, ETH)).toBe(before.bob + 7n);
    expect(P.state.ledger.subtreeBalance(A.id, ETH)).toBe(before.subtree - 907n);
    expect(P.state.ledger.nestedPaid(K.id, ETH)).toBe(907n);
    expect(P.state.ledger.entry(ledgerKeys.nestedEscaped(K.id, account.account.slot))).toBeDefined();
    expect(P.state.ledger.entry(ledgerKeys.nestedExitPaid(K.id, 1n, 0n))).toBeDefined();
    expect(P.state.ledger.entry(ledgerKeys.nestedReclaimed(K.id, 2n))).toBeDefined();
  });

  it('a chain that pays a nested escape without lowering what it holds for A is convicted on that one tx (fraud kind 10)', () => {
    const { P, A, K, tick, path, freeze } = tree();
    freeze();
    const p = path();
    const call = encodeEscapeNestedExitCall(p, buildNestedAccountProof(p, K.state, K.slotOf(carol, ETH)));
    const tx = placeSignedTx(P.state, escapeTx(P, A, call), P.ctx);
    // The lie: carol is paid, but P's ledger still holds as much for A's subtree (a mint of 850).
    const held = P.state.ledger.subtreeBalance(A.id, ETH);
    const at = tick();
    P.state.checkpoint();
    applyTx(P.state, tx, { ...P.ctx, timestamp: at, lastDepositNonce: P.head!.depositNonce });
    P.state.ledger.unsafeWrite({ kind: LedgerKind.SubtreeBalance, child: A.id, token: ETH, amount: held });
    const lie = P.state.root;
    P.state.revert();
    const bad = forgedBlock(P.head!, [tx], [lie], lie, at);
    const finding = findFraud(bad, P.head, P.watcher, P.ctx);
    expect(finding?.provable).toBe(true);
    if (!finding?.provable) return;
    expect([finding.kind, finding.txIndex, finding.reason]).toEqual([FraudKind.InvalidLedgerTx, 0, 'POST_ROOT_MISMATCH']);
    const prev = P.head!;
    const input = (block: Block) => ({
      domain: DOMAIN, chainId: P.id, txRoot: block.header.txRoot, prevStateRoot: prev.stateRoot, prevDepositNonce: prev.depositNonce,
      depositNonce: block.header.depositNonce, depositRecord: ZERO_BYTES32,
    });
    // The judge of a chain parent of P re-runs kind 16 on the proof's witnesses alone (ledgerVerifier): the lie is a
    // wrong post root, the honest block's tx is valid.
    const proof = finding.proof as LedgerTransitionProof;
    expect(proof.ledger.entries.length).toBe(6); // Child, ChildStatus, Commitment of A; the mark; K's paid sum; A's subtree balance
    const judged = ledgerTransitionFault(input(bad), proof);
    expect(judged.fault).toBe(TransitionFault.PostRootMismatch);
    expect(judged.postStateRoot).not.toBe(lie);
    const pre = ChainState.fromEntries(P.id, [...P.state.accounts.entries()], [...P.state.ledger.entries()]);
    const honest = P.block(at, (b) => submit(b, escapeTx(P, A, call)));
    const valid = buildLedgerTransitionProof(honest, 0, prev, pre, P.ctx, { allowValid: true });
    expect(ledgerTransitionFault(input(honest), valid)).toEqual({ fault: TransitionFault.Valid, postStateRoot: honest.postRoots[0] });
    expect(honest.postRoots[0]).toBe(judged.postStateRoot);
  });
});
