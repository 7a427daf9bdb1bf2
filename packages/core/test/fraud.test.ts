/**
 * core's side of the objections (docs/FRAUD.md): findFraud on valid blocks, on phase-2 faults and on each phase-1
 * kind, and the builders' refusals. The contract side (PlasmaRoot accepting these proofs) is contracts/test/fraud*.
 */
import { describe, expect, it } from 'vitest';
import {
  BlockBuilder,
  ChainState,
  EMPTY_TX,
  FraudKind,
  PlasmaError,
  TransitionFault,
  TxKind,
  ZERO_BYTES32,
  applyTx,
  buildBadTimestampProof,
  buildSkippedDepositProof,
  buildEquivocationProof,
  buildEscapeExitProof,
  buildMalformedTxProof,
  buildMissingDownEventProof,
  buildTransitionProof,
  computeExitRoot,
  computeTxRoot,
  bytesToHex,
  encodeDepositToChildData,
  encodeProveChildFraudData,
  findFraud,
  hashHeader,
  isSkippedDeposit,
  placeSignedTx,
  stampRecord,
  type Block,
  type BlockTx,
  type Header,
  type Hex,
} from '../src/index.js';
import { ETH, FakeParent, alice, blockContext, bob, signTx } from './fixtures.js';

/** Block 1 (alice 10, bob 5) built on a fresh state; returns the parent, the state after it and the context. */
function start() {
  const parent = new FakeParent();
  parent.deposit(alice.address, ETH, 10n);
  parent.deposit(bob.address, ETH, 5n);
  const ctx = blockContext(parent);
  const state = new ChainState(ctx.chainId);
  const b = new BlockBuilder({ parent: null, state, ctx, timestamp: 100n });
  for (const n of [1n, 2n]) b.addDeposit({ chainId: ctx.chainId, nonce: n, from: n === 1n ? alice.address : bob.address, to: n === 1n ? alice.address : bob.address, token: ETH, amount: n === 1n ? 10n : 5n });
  const block1 = b.seal();
  return { parent, ctx, state, head: block1.header };
}

function forge(head: Header, txs: BlockTx[], postRoots: Hex[], over: Partial<Header> = {}): Block {
  const header: Header = {
    chainId: head.chainId, number: head.number + 1n, parentHash: hashHeader(head), txRoot: bytesToHex(computeTxRoot(txs, postRoots)),
    stateRoot: postRoots[postRoots.length - 1] ?? head.stateRoot, exitRoot: bytesToHex(computeExitRoot([])), depositNonce: head.depositNonce, timestamp: head.timestamp, ...over,
  };
  return { header, hash: hashHeader(header), txs, postRoots, exits: [] };
}

function code(run: () => unknown): string {
  try {
    run();
  } catch (e) {
    expect(e).toBeInstanceOf(PlasmaError);
    return (e as PlasmaError).code;
  }
  throw new Error('expected a PlasmaError');
}

describe('findFraud', () => {
  it('finds nothing in a valid block and leaves the pre-state as it was', () => {
    const { ctx, state, head } = start();
    const root = state.root;
    const b = new BlockBuilder({ parent: head, state, ctx, timestamp: 200n });
    b.addSignedTx(signTx(alice, { slot: 0, to: bob.address, amount: 3n, nonce: 0n }));
    const block = b.seal();
    const pre = start().state;
    expect(findFraud(block, head, pre, ctx)).toBeUndefined();
    expect(pre.root).toBe(root);
    expect(code(() => buildTransitionProof(block, 0, head, pre, ctx))).toBe('NOT_FRAUD');
    expect(buildTransitionProof(block, 0, head, pre, ctx, { allowValid: true }).fault).toBe(TransitionFault.Valid);
    expect(pre.root).toBe(root);
  });

  it('reports the first fault, with the witnesses the contract needs', () => {
    const { ctx, state, head } = start();
    const ok = placeSignedTx(state, signTx(alice, { slot: 0, to: bob.address, amount: 1n, nonce: 0n }), ctx);
    const stf = { ...ctx, lastDepositNonce: 2n, timestamp: 100n };
    state.checkpoint();
    const post = applyTx(state, ok, stf).postRoot;
    state.revert();
    const overspend = placeSignedTx(state, signTx(bob, { slot: 1, to: alice.address, amount: 50n, nonce: 0n }), ctx);
    const block = forge(head, [ok, overspend], [post, ZERO_BYTES32]);
    const finding = findFraud(block, head, state, ctx);
    expect(finding).toMatchObject({ provable: true, kind: FraudKind.InvalidTransfer, txIndex: 1, reason: 'InsufficientBalance' });
    const proof = (finding as { proof: ReturnType<typeof buildTransitionProof> }).proof;
    expect(proof.preTx.index).toBe(0);
    expect(proof.preTx.postStateRoot).toBe(post);
    expect(proof.accounts.map((a) => a.slot)).toEqual([1]); // bob cannot pay: no recipient witness needed
  });

  it('proves a ledger-kind fault (InvalidLedgerTx: the root and a chain parent judge it alike), and calls the header\'s roots phase 2', () => {
    const { ctx, state, head } = start();
    const toUnknownChild: BlockTx = { ...placeSignedTx(state, signTx(alice, { slot: 0, to: bob.address, amount: 1n, nonce: 0n }), ctx), kind: TxKind.DepositToChild, toSlot: 0, data: encodeDepositToChildData(`0x${'77'.repeat(32)}`) };
    const block = forge(head, [toUnknownChild], [ZERO_BYTES32]);
    expect(findFraud(block, head, state, ctx)).toMatchObject({ provable: true, kind: FraudKind.InvalidLedgerTx, txIndex: 0, proof: { kind: FraudKind.InvalidLedgerTx } });
    // A fraud proof against a child (kind 10) whose args do not decode: refused, and the root proves the refusal.
    const objection: BlockTx = { ...EMPTY_TX, kind: TxKind.ProveChildFraud, toSlot: 7, to: bob.address, data: encodeProveChildFraudData({ child: `0x${'77'.repeat(32)}`, fraudKind: 1, args: '0x' }) };
    const lie = forge(head, [objection], [ZERO_BYTES32]);
    expect(findFraud(lie, head, state, ctx)).toMatchObject({ provable: true, kind: FraudKind.InvalidLedgerTx, txIndex: 0, reason: 'MALFORMED_TX' });
    expect(findFraud(forge(head, [], [], { stateRoot: `0x${'12'.repeat(32)}` }), head, state, ctx)).toEqual({ provable: false, kind: 'phase2', reason: 'STATE_ROOT_MISMATCH' });
  });

  it('finds a missing down event (a wrong tx, or none at all) and a malformed tx', () => {
    const { parent, ctx, state, head } = start();
    parent.deposit(alice.address, ETH, 1n);
    const empty = findFraud(forge(head, [], [], { depositNonce: 3n }), head, state, ctx);
    expect(empty).toMatchObject({ kind: FraudKind.MissingDownEvent, txIndex: 0 });
    expect((empty as { proof: { tx: { tx: BlockTx } } }).proof.tx.tx).toEqual(EMPTY_TX);
    const malformed = { ...EMPTY_TX, kind: TxKind.Withdraw, toSlot: 3 };
    expect(findFraud(forge(head, [malformed], [ZERO_BYTES32]), head, state, ctx)).toMatchObject({ kind: FraudKind.MalformedTx, txIndex: 0 });
    expect(code(() => buildMalformedTxProof(forge(head, [EMPTY_TX], [ZERO_BYTES32]), 0, head))).toBe('NOT_FRAUD');
    expect(code(() => buildMissingDownEventProof(forge(head, [], []), 0, head))).toBe('NOT_FRAUD');
  });

  it('finds a timestamp before the parent\'s, or after the commit when it is given', () => {
    const { ctx, state, head } = start();
    expect(findFraud(forge(head, [], [], { timestamp: 99n }), head, state, ctx)).toMatchObject({ kind: FraudKind.BadTimestamp });
    const late = forge(head, [], [], { timestamp: 500n });
    expect(findFraud(late, head, state, ctx)).toBeUndefined();
    expect(findFraud(late, head, state, { ...ctx, commitTime: 499n })).toMatchObject({ kind: FraudKind.BadTimestamp });
    expect(code(() => buildBadTimestampProof(late.header, head, 500n))).toBe('NOT_FRAUD');
  });

  it('finds a skipped deposit only when its record is older than the stall limit at the commit', () => {
    const { ctx, state, head } = start();
    const block = forge(head, [], [], { timestamp: 200n }); // leaves deposit 3 out
    const next = { record: stampRecord(`0x${'ab'.repeat(32)}`, 150n), stallLimit: 100n };
    expect(isSkippedDeposit(next, 250n)).toBe(false); // exactly at the deadline
    expect(isSkippedDeposit(next, 251n)).toBe(true);
    expect(isSkippedDeposit({ stallLimit: 100n }, 10_000n)).toBe(false); // nothing recorded after the header's
    expect(findFraud(block, head, state, { ...ctx, commitTime: 250n, nextDownRecord: next })).toBeUndefined();
    expect(findFraud(block, head, state, { ...ctx, nextDownRecord: next })).toBeUndefined(); // no commit time: no deadline
    const found = findFraud(block, head, state, { ...ctx, commitTime: 251n, nextDownRecord: next });
    expect(found).toMatchObject({ provable: true, kind: FraudKind.SkippedDeposit, reason: 'SKIPPED_DEPOSIT', proof: { kind: FraudKind.SkippedDeposit, header: block.header, prev: head } });
    expect(code(() => buildSkippedDepositProof(block.header, head, next, 250n))).toBe('NOT_FRAUD');
  });

  it('refuses a block whose transactions are not the header\'s, and a pre-state that is not the parent\'s', () => {
    const { ctx, state, head } = start();
    const block = forge(head, [], [], { txRoot: `0x${'34'.repeat(32)}` });
    expect(code(() => findFraud(block, head, state, ctx))).toBe('FRAUD_PROOF_UNAVAILABLE');
    expect(code(() => findFraud(forge(head, [EMPTY_TX], [ZERO_BYTES32], { depositNonce: 3n }), head, new ChainState(ctx.chainId), ctx))).toBe('FRAUD_PROOF_UNAVAILABLE');
  });
});

describe('other builders', () => {
  it('an equivocation needs two different headers of one height; an escape a slot with a balance', () => {
    const { state, head } = start();
    expect(code(() => buildEquivocationProof(head, '0x', head, '0x'))).toBe('NOT_FRAUD');
    expect(code(() => buildEquivocationProof(head, '0x', { ...head, number: 9n }, '0x'))).toBe('NOT_FRAUD');
    expect(buildEquivocationProof(head, '0x', { ...head, timestamp: 1n }, '0x').kind).toBe(FraudKind.Equivocation);
    expect(buildEscapeExitProof(state, 0).account).toMatchObject({ slot: 0, owner: alice.address, balance: 10n, nonce: 0n });
    expect(buildEscapeExitProof(state, 0).account.proof).toHaveLength(32);
    expect(code(() => buildEscapeExitProof(state, 5))).toBe('FRAUD_PROOF_UNAVAILABLE');
  });
});
