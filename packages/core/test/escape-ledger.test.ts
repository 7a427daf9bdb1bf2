/**
 * The escape hatch one level down (docs/FRAUD.md §8): a three-level tree in core (root → A → A1, A2). A1 is convicted
 * on A by a PROVE_CHILD_FRAUD (kind 10); once its rolled-back head is final on A's clock, its holders are paid on A
 * with ESCAPE_CHILD_EXIT (kind 11) from account witnesses of that head, and a deposit A recorded for A1 that A1 never
 * applied goes back to its depositor with RECLAIM_CHILD_DEPOSIT (kind 12). Every block of A is re-executed by another
 * validator's copy (TestChain.block: verifyBlock through the JSON form); A's total never moves (what the root holds),
 * and A's subtree balance of each child is what the child's head holds minus the escaped slots plus the deposits in
 * flight not reclaimed: an equality at every step (for children whose head tells the truth).
 */
import { describe, expect, it } from 'vitest';
import {
  ChainState,
  ChainStatus,
  LedgerKind,
  TxKind,
  ZERO_BYTES32,
  applyTx,
  buildBadTimestampProof,
  buildEscapeExitProof,
  checkSubtreeInvariant,
  decodeEscapeChildExitData,
  encodeFraudProofArgs,
  findFraud,
  ledgerKeys,
  placeSignedTx,
  verifyBlock,
  type Address,
  type Block,
  type Deposit,
  type EscapeChildExitTx,
  type Header,
  type ProveChildFraudTx,
  type ReclaimChildDepositTx,
} from '../src/index.js';
import { ETH, TOKEN, alice, bob, carol } from './fixtures.js';
import { TOKENS, buildConvictableTree, dave, erin, forgedBlock, mallory, overspendBlock, watcher } from './convictTree.js';
import { TestChain, WINDOW, commitTx, depositToChild, expectRefused, submit } from './treeHarness.js';


/**
 * A's subtree balance of each child = what the child's head state holds, less the slots escaped on A, plus the deposits
 * recorded above the head's depositNonce whose record is still there (not reclaimed).
 */
function expectInvariant(chain: TestChain): void {
  const ledger = chain.state.ledger;
  for (const child of chain.children) {
    const state = child.state;
    const applied = ledger.childInfo(child.id).headDepositNonce;
    for (const token of TOKENS) {
      let held = 0n;
      for (const [slot, account] of state.accounts.entries()) {
        if (account.token === token && !ledger.isEscaped(child.id, Number(slot))) held += account.balance;
      }
      const children = checkSubtreeInvariant(state, token).children;
      const inFlight = child.inbox
        .filter((d) => d.nonce > applied && d.token === token && ledger.depositRecord(child.id, d.nonce) !== ZERO_BYTES32)
        .reduce((sum, d) => sum + d.amount, 0n);
      expect(ledger.subtreeBalance(child.id, token), `${child.name} ${token}`).toBe(held + children + inFlight);
    }
  }
}

/** The shared tree, and bob's deposit to A1 (nonce 2) in flight: recorded on A, never applied by A1. */
function buildTree() {
  const tree = buildConvictableTree(expectInvariant);
  const { A, A1, tick } = tree;
  A.block(tick(), (b) => depositToChild(b, A, A1, bob, erin, TOKEN, 50n));
  tree.expectTree();
  return tree;
}

/** Slot `owner`'s `token` of `state` (the child's head state) escaped on A. */
function escapeTx(A: TestChain, child: TestChain, state: ChainState, owner: Address, head: Header, windowEnd: bigint): EscapeChildExitTx {
  const slot = state.slotOf(owner, TOKEN)!;
  return { kind: TxKind.EscapeChildExit, chainId: A.id, child: child.id, head, windowEnd, ...buildEscapeExitProof(state, slot) };
}

function reclaimTx(A: TestChain, child: TestChain, d: Deposit): ReclaimChildDepositTx {
  return { kind: TxKind.ReclaimChildDeposit, chainId: A.id, child: child.id, nonce: d.nonce, from: d.from, to: d.to, token: d.token, amount: d.amount };
}

function convictTx(A: TestChain, child: TestChain, proof: Parameters<typeof encodeFraudProofArgs>[0], windowEnd: bigint, prevWindowEnd: bigint): ProveChildFraudTx {
  return { kind: TxKind.ProveChildFraud, chainId: A.id, child: child.id, fraudKind: proof.kind, args: encodeFraudProofArgs(proof, { windowEnd, prevWindowEnd }), to: watcher.address };
}

describe('ESCAPE_CHILD_EXIT and RECLAIM_CHILD_DEPOSIT: holders of a frozen A1 leave on A (docs/FRAUD.md §8)', () => {
  it('A1 convicted; its holders exit on A from the final head, the deposit in flight goes back; refusals leave A as it was', () => {
    const { A, A1, A2, a1Block1, block1WindowEnd, tick, expectTree } = buildTree();
    const head = a1Block1.header;
    const [carolExit, daveExit] = [escapeTx(A, A1, A1.state, carol.address, head, block1WindowEnd), escapeTx(A, A1, A1.state, dave.address, head, block1WindowEnd)];
    const inFlight = A1.inbox[1];

    // Live: the hatch is closed.
    A.block(tick(), (b) => {
      expect(expectRefused(A.state, 'CHAIN_NOT_FROZEN', () => submit(b, carolExit)).data).toEqual({ chainId: A1.id });
      expectRefused(A.state, 'CHAIN_NOT_FROZEN', () => submit(b, reclaimTx(A, A1, inFlight)));
      depositToChild(b, A, A2, bob, erin, TOKEN, 1n);
    });

    // A1's quorum commits the overspend; a watcher convicts it with kind 10: head back to block 1, frozen.
    const bad = overspendBlock(A1, head, tick());
    A.block(tick(), (b) => submit(b, commitTx(A, A1, bad)));
    const badWindowEnd = A.state.ledger.childInfo(A1.id).headWindowEnd;
    const finding = findFraud(bad, head, A1.watcher, A1.ctx);
    if (!finding?.provable) throw new Error('expected a provable fault');
    A.block(tick(), (b) => submit(b, convictTx(A, A1, finding.proof, badWindowEnd, block1WindowEnd)));
    expect(A.state.ledger.childStatus(A1.id).status).toBe(ChainStatus.FrozenFraud);
    expect(A.state.ledger.childInfo(A1.id)).toMatchObject({ headNumber: 1n, headDepositNonce: 1n });
    expectTree();

    const bobOnA = A.balance(bob, TOKEN);
    A.block(tick(), (b) => {
      // The head's window is still open (A1's block 1 was committed moments ago on A's clock).
      expect(now(A)).toBeLessThan(block1WindowEnd);
      expect(expectRefused(A.state, 'CHALLENGE_WINDOW_OPEN', () => submit(b, carolExit)).data).toMatchObject({ windowEnd: String(block1WindowEnd) });
      // A reclaim does not wait: a frozen head only moves back. The applied deposit is in the accounts: DEPOSIT_APPLIED.
      expect(expectRefused(A.state, 'DEPOSIT_APPLIED', () => submit(b, reclaimTx(A, A1, A1.inbox[0]))).data).toEqual({ chainId: A1.id, nonce: '1', headDepositNonce: '1' });
      expectRefused(A.state, 'UNKNOWN_DEPOSIT', () => submit(b, reclaimTx(A, A1, { ...inFlight, amount: inFlight.amount + 1n })));
      submit(b, reclaimTx(A, A1, inFlight));
      expectRefused(A.state, 'UNKNOWN_DEPOSIT', () => submit(b, reclaimTx(A, A1, inFlight))); // once: its record is gone
    });
    expect(A.balance(bob, TOKEN)).toBe(bobOnA + 50n); // bob deposited it: bob gets it back, not erin
    expect(A.state.ledger.entry(ledgerKeys.deposit(A1.id, 2n))).toBeUndefined();
    expectTree();

    // Past the head's window: every holder of A1's head is paid on A, once per slot.
    tick(WINDOW);
    const before = { carol: A.balance(carol, TOKEN), dave: A.balance(dave, TOKEN), subtree: A.state.ledger.subtreeBalance(A1.id, TOKEN) };
    const block = A.block(tick(), (b) => {
      expectRefused(A.state, 'NOT_THE_HEAD', () => submit(b, { ...carolExit, head: bad.header, windowEnd: badWindowEnd }));
      expectRefused(A.state, 'UNKNOWN_COMMITMENT', () => submit(b, { ...carolExit, windowEnd: block1WindowEnd + 1n }));
      const lie = { ...carolExit, account: { ...carolExit.account, balance: carolExit.account.balance + 1n } };
      expect(expectRefused(A.state, 'INVALID_ACCOUNT_PROOF', () => submit(b, lie)).data).toEqual({ chainId: A1.id, slot: String(carolExit.account.slot) });
      submit(b, carolExit);
      expect(expectRefused(A.state, 'ALREADY_ESCAPED', () => submit(b, carolExit)).data).toEqual({ chainId: A1.id, slot: String(carolExit.account.slot) });
      submit(b, daveExit);
    });
    const placed = block.txs.filter((t) => t.kind === TxKind.EscapeChildExit);
    expect(placed.map((t) => [t.to, t.token, t.amount])).toEqual([[carol.address, TOKEN, 200n], [dave.address, TOKEN, 100n]]);
    expect(decodeEscapeChildExitData(placed[0].data)).toMatchObject({ child: A1.id, head, windowEnd: block1WindowEnd, account: carolExit.account });
    expect([A.balance(carol, TOKEN) - before.carol, A.balance(dave, TOKEN) - before.dave]).toEqual([200n, 100n]);
    expect(A.state.ledger.subtreeBalance(A1.id, TOKEN)).toBe(before.subtree - 300n);
    expect(A.state.ledger.subtreeBalance(A1.id, TOKEN)).toBe(0n);
    expect(A.state.ledger.entry(ledgerKeys.escapedSlot(A1.id, carolExit.account.slot))).toEqual({ kind: LedgerKind.EscapedSlot, child: A1.id, slot: carolExit.account.slot });
    expect(A.state.ledger.isEscaped(A1.id, daveExit.account.slot)).toBe(true);
    // A2 never noticed.
    expect(A.state.ledger.childStatus(A2.id).status).toBe(ChainStatus.Live);
    expectTree();
  });

  it('the words must repeat the witness; a slot held by another pair is refused (MALFORMED_TX, SLOT_OCCUPIED)', () => {
    const { A, A1, a1Block1, block1WindowEnd, tick } = buildTree();
    const bad = overspendBlock(A1, a1Block1.header, tick());
    A.block(tick(), (b) => submit(b, commitTx(A, A1, bad)));
    const finding = findFraud(bad, a1Block1.header, A1.watcher, A1.ctx);
    if (!finding?.provable) throw new Error('expected a provable fault');
    A.block(tick(), (b) => submit(b, convictTx(A, A1, finding.proof, A.state.ledger.childInfo(A1.id).headWindowEnd, block1WindowEnd)));
    tick(WINDOW);
    const ctx = { ...A.ctx, lastDepositNonce: A.head!.depositNonce, timestamp: tick() };
    const placed = placeSignedTx(A.state, escapeTx(A, A1, A1.state, carol.address, a1Block1.header, block1WindowEnd), A.ctx);
    expect(placed).toMatchObject({ kind: TxKind.EscapeChildExit, slot: 0, from: '0x0000000000000000000000000000000000000000', to: carol.address, token: TOKEN, amount: 200n, nonce: 0n });
    expect(expectRefused(A.state, 'MALFORMED_TX', () => applyTx(A.state, { ...placed, amount: 201n }, ctx)).data).toEqual({ field: 'data' });
    expectRefused(A.state, 'MALFORMED_TX', () => applyTx(A.state, { ...placed, to: dave.address }, ctx));
    expect(expectRefused(A.state, 'MALFORMED_TX', () => applyTx(A.state, { ...placed, nonce: 1n }, ctx)).data).toEqual({ field: 'nonce' });
    expectRefused(A.state, 'MALFORMED_TX', () => applyTx(A.state, { ...placed, data: `${placed.data}00` }, ctx));
    expectRefused(A.state, 'SLOT_OCCUPIED', () => applyTx(A.state, { ...placed, toSlot: A.slotOf(alice, TOKEN) }, ctx));
    const reclaim = placeSignedTx(A.state, reclaimTx(A, A1, A1.inbox[1]), A.ctx);
    expect(reclaim).toMatchObject({ kind: TxKind.ReclaimChildDeposit, from: bob.address, to: erin.address, token: TOKEN, amount: 50n, nonce: 2n, toSlot: A.slotOf(bob, TOKEN) });
    expectRefused(A.state, 'SLOT_OCCUPIED', () => applyTx(A.state, { ...reclaim, toSlot: A.slotOf(alice, TOKEN) }, ctx));
    expect(expectRefused(A.state, 'MALFORMED_TX', () => applyTx(A.state, { ...reclaim, v: 27 }, ctx)).data).toEqual({ field: 'v' });
    applyTx(A.state, reclaim, ctx);
    applyTx(A.state, placed, ctx);
    expect(A.balance(carol, TOKEN)).toBe(200n);
  });

  it('the cap: a lie that became final pays no more than the subtree put in (SUBTREE_BALANCE_EXCEEDED)', () => {
    const { A, A2, tick } = buildTree();
    // A2's single validator commits a block 2 that credits mallory 1,000 tokens out of nothing; nobody objects in time.
    const lie = new ChainState(A2.id);
    verifyBlock(A2.blocks[0], null, lie, A2.ctx);
    lie.accounts.put(lie.nextFreeSlot(), { owner: mallory.address, token: TOKEN, balance: 1_000n, nonce: 0n });
    const block2 = forgedBlock(A2.blocks[0].header, [], [], lie.root, tick());
    A.block(tick(), (b) => submit(b, commitTx(A, A2, block2)));
    const windowEnd2 = A.state.ledger.childInfo(A2.id).headWindowEnd;
    tick(WINDOW);
    // Block 3 goes back in time: convicted, A2's head goes back to the lie, which is final.
    const block3 = forgedBlock(block2.header, [], [], lie.root, block2.header.timestamp - 1n);
    A.block(tick(), (b) => submit(b, commitTx(A, A2, block3)));
    const windowEnd3 = A.state.ledger.childInfo(A2.id).headWindowEnd;
    A.block(tick(), (b) => submit(b, convictTx(A, A2, buildBadTimestampProof(block3.header, block2.header), windowEnd3, windowEnd2)));
    expect(A.state.ledger.childInfo(A2.id)).toMatchObject({ headNumber: 2n, bond: 0n });
    expect(A.state.ledger.childStatus(A2.id).status).toBe(ChainStatus.FrozenFraud);

    A.block(tick(), (b) => {
      const greedy = escapeTx(A, A2, lie, mallory.address, block2.header, windowEnd2);
      expect(expectRefused(A.state, 'SUBTREE_BALANCE_EXCEEDED', () => submit(b, greedy)).data).toEqual({ chainId: A2.id, token: TOKEN, requested: '1000', available: '200' });
      submit(b, escapeTx(A, A2, lie, erin.address, block2.header, windowEnd2));
    });
    expect(A.balance(erin, TOKEN)).toBe(200n);
    expect(A.state.ledger.subtreeBalance(A2.id, TOKEN)).toBe(0n);
    // A's total is untouched: mallory's tokens never existed on A (A2's own invariant is broken for good: its head lies).
    for (const token of TOKENS) expect(checkSubtreeInvariant(A.state, token).total).toBe(token === ETH ? 10n ** 18n : 1_500n);
  });
});

/** A's clock: its head's timestamp. */
function now(A: TestChain): bigint {
  return A.head!.timestamp;
}

