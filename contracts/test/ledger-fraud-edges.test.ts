/**
 * Transition proofs of the edge kinds at the root, as far as L1 can judge them (docs/LEDGER-PROOFS.md §4.1,
 * PlasmaLedgerEdges), on the tree of ./ledgerFraudFixture.ts:
 * - 8 EDGE_FROM_PARENT: a message the root sent to A (sendMessage) applied with another payload (a forged down event),
 *   out of order, or beyond the header's depositNonce: the refusal is core's, and the root convicts A;
 * - 9 EDGE_FROM_CHILD: an up message of K (an EDGE_SEND in K's block 3, committed on A and final) delivered on A a
 *   second time, early, under another commitment, or with a bad exit proof.
 * - 7 EDGE_SEND: a call forged in alice's name, replayed, from an empty slot, too large, or down to a frozen or unknown
 *   child.
 * A call or delivery that passes every check L1 can make is not judged: its edge halves are node configuration
 * (EdgeEffectNotProvable), and findFraud does not call it provable.
 */
import * as core from '@plasma-tree/core';
import { Wallet, id, ZeroHash } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectRevert, increaseTime, latestTimestamp } from './helpers.js';
import { FAULT_LEDGER_REFUSED, K_WINDOW, aliceNonce, buildLedgerTree, commitA, commitChildTx, convictAtRoot, judge, proofOf, rootArgs, signTx, t } from './ledgerFraudFixture.js';

type Hex = core.Hex;
const lower = (s: string): Hex => s.toLowerCase() as Hex;

/** The message the root sent to A, and where it stands in A's down stream. */
let message: core.EdgeDownEvent;
/** K's block 3, holding alice's up message, as A committed it. */
let kBlock3: core.Block;
let k3WindowEnd: bigint;
let upEvent: core.EdgeUpEvent;
const target = lower(Wallet.createRandom().address);

beforeAll(async () => {
  await buildLedgerTree();
  // The root sends A a message (down edge event, nonce 2 after alice's deposit); A's head has not applied it.
  message = await t.A.sendMessage(t.alice, target, '0x1234');
  // K's block 3 (on K's block 1 state, after the lie of block 2): alice sends a message up to A.
  const kb = new core.BlockBuilder({ parent: t.kBlock2.header, state: t.kState, ctx: t.kctx, timestamp: t.A.head!.timestamp });
  const payload = core.encodeMessagePayload({ target, data: '0xbeef' });
  kb.addSignedTx(signTx(t.alice, { kind: core.TxKind.EdgeSend, chainId: t.K, slot: 0, fn: core.MESSAGE_FN, child: core.ZERO_BYTES32, payload, nonce: 2n }));
  kBlock3 = kb.seal();
  expect(kBlock3.exits).toHaveLength(1);
  upEvent = kBlock3.exits[0] as core.EdgeUpEvent;
  // A applies the message from the root and commits K's block 3; K's window passes.
  const a = await commitA((b) => {
    t.A.pendingDeposits(b);
    b.addSignedTx(commitChildTx(t.K, kBlock3.header));
  });
  k3WindowEnd = a.header.timestamp + K_WINDOW;
  await increaseTime(t.f.provider, K_WINDOW + 10n);
}, 120_000);

afterAll(async () => {
  await t.f?.stop();
});

/** EDGE_FROM_CHILD of alice's up message of K's block 3 (`over` changes any field). */
function deliverTx(over: Partial<core.EdgeFromChildTx> = {}): core.EdgeFromChildTx {
  return {
    kind: core.TxKind.EdgeFromChild, chainId: t.A.chainId, child: t.K, header: kBlock3.header, windowEnd: k3WindowEnd,
    fn: upEvent.fn, sender: upEvent.sender, payload: upEvent.payload, index: 0n, proof: core.exitProof(kBlock3, 0), ...over,
  };
}

/** A block of A on its head holding `txs` (not applied), its header claiming `depositNonce`. */
function forge(txs: core.BlockTx[], options: { depositNonce?: bigint; timestamp?: bigint } = {}): core.Block {
  return t.A.forge(txs, txs.map(() => t.A.state.root), { timestamp: options.timestamp ?? t.A.head!.timestamp + 1n, ...(options.depositNonce === undefined ? {} : { depositNonce: options.depositNonce }) });
}

/** The block's tx 0 is refused with `code` by the proof core builds and by the contract; findFraud proves it. */
async function expectRefused(block: core.Block, code: string): Promise<void> {
  const proof = proofOf(block);
  expect(proof.refusal).toBe(code);
  const verdict = await judge(block, proof);
  expect(verdict.refusal).toBe(id(code));
  expect(verdict.fault).toBe(FAULT_LEDGER_REFUSED);
  const finding = core.findFraud(block, t.A.head, t.A.state, { ...t.A.ctx });
  expect(finding).toMatchObject({ provable: true, kind: core.FraudKind.InvalidLedgerTx, txIndex: 0, reason: code });
}

describe('8 EDGE_FROM_PARENT: the down stream against the root\'s records', () => {
  const downTx = (over: Partial<core.EdgeDownEvent> = {}) => core.placeEdgeFromParent({ ...message, ...over });

  it('a message the root sent with another payload (forged): DEPOSIT_MISMATCH', async () => {
    // A's head applied the message already (nonce 2); a second message from the root is the next event (nonce 3).
    const next = await t.A.sendMessage(t.alice, target, '0x5678');
    const forged = forge([core.placeEdgeFromParent({ ...next, payload: core.encodeMessagePayload({ target, data: '0xdead' }) })], { depositNonce: next.nonce });
    await expectRefused(forged, 'DEPOSIT_MISMATCH');
  });

  it('an event applied twice or out of order: DEPOSIT_OUT_OF_ORDER', async () => {
    await expectRefused(forge([downTx()], { depositNonce: message.nonce }), 'DEPOSIT_OUT_OF_ORDER');
  });

  it('an event the header does not claim: DEPOSIT_BEYOND_HEADER', async () => {
    const next = await t.A.sendMessage(t.alice, target, '0x9abc');
    // The header claims A's head's depositNonce: the event at position 0 is past it.
    const head = t.A.head!.depositNonce;
    expect(next.nonce).toBeGreaterThan(head + 1n); // two messages wait: the first is the one position 0 can hold
    const first = t.A.edgeEvents.get(head + 1n)!;
    await expectRefused(forge([core.placeEdgeFromParent(first)]), 'DEPOSIT_BEYOND_HEADER');
  });

  it('an honest delivery is not judged (EdgeEffectNotProvable)', async () => {
    const first = t.A.edgeEvents.get(t.A.head!.depositNonce + 1n)!;
    const block = forge([core.placeEdgeFromParent(first)], { depositNonce: first.nonce });
    expect(() => proofOf(block)).toThrow(/not provable|FRAUD_PROOF_UNAVAILABLE/);
    // The contract says the same of a proof of it (built by hand: core builds none): the witnesses of a refused one,
    // the honest block's header and tx.
    const refused = { ...proofOf(forge([downTx()], { depositNonce: message.nonce })), header: block.header, tx: core.txWitness(block, 0) };
    await expectRevert(t.verifier.ledgerTransition(t.domainSeparator, await t.root.depositRecord(t.A.chainId, first.nonce), 8, rootArgs(refused)), 'EdgeEffectNotProvable', [8n]);
  });
});

describe('7 EDGE_SEND: the sender, the signature, the payload and the child, against A\'s state', () => {
  /** alice's signed call of the message function on A (`child` 0: up to the root), placed as A would. */
  const call = (over: { slot?: number; nonce?: bigint; child?: Hex; payload?: Hex } = {}): core.BlockTx => {
    const { slot, nonce } = aliceNonce();
    const signed = signTx(t.alice, {
      kind: core.TxKind.EdgeSend, chainId: t.A.chainId, slot: over.slot ?? slot, fn: core.MESSAGE_FN, child: over.child ?? core.ZERO_BYTES32,
      payload: over.payload ?? core.encodeMessagePayload({ target, data: '0x01' }), nonce: over.nonce ?? nonce,
    });
    return core.placeSignedTx(t.A.state, signed, t.A.ctx);
  };

  it('a call whose payload is not the one alice signed: BAD_SIGNATURE', () => {
    const forged = { ...call(), data: core.encodeEdgeSendData({ fn: core.MESSAGE_FN, child: core.ZERO_BYTES32, payload: core.encodeMessagePayload({ target, data: '0x02' }) }) };
    return expectRefused(forge([forged]), 'BAD_SIGNATURE');
  });
  it('a call replayed (an old nonce): NONCE_MISMATCH', () => expectRefused(forge([call({ nonce: aliceNonce().nonce - 1n })]), 'NONCE_MISMATCH'));
  it('a call from an empty slot: UNKNOWN_SLOT', () => expectRefused(forge([call({ slot: 77 })]), 'UNKNOWN_SLOT'));
  it('a payload over 4096 bytes: PAYLOAD_TOO_LARGE', () => expectRefused(forge([call({ payload: `0x${'ab'.repeat(4097)}` })]), 'PAYLOAD_TOO_LARGE'));
  it('down to a frozen child: CHAIN_IS_FROZEN', () => expectRefused(forge([call({ child: t.K2 })]), 'CHAIN_IS_FROZEN'));
  it('down to no child: UNKNOWN_CHAIN', () => expectRefused(forge([call({ child: core.chainIdOf(t.A.chainId, 9) })]), 'UNKNOWN_CHAIN'));

  it('an honest call is not judged (EdgeEffectNotProvable)', async () => {
    const block = forge([call()]);
    expect(() => proofOf(block)).toThrow(/not provable/);
    expect(core.findFraud(block, t.A.head, t.A.state, { ...t.A.ctx })).toMatchObject({ provable: false, txIndex: 0, reason: 'POST_ROOT_MISMATCH' });
    const replayed = proofOf(forge([call({ nonce: aliceNonce().nonce - 1n })]));
    await expectRevert(t.verifier.ledgerTransition(t.domainSeparator, ZeroHash, 7, rootArgs({ ...replayed, header: block.header, tx: core.txWitness(block, 0) })), 'EdgeEffectNotProvable', [7n]);
  });
});

describe('9 EDGE_FROM_CHILD: the up event against A\'s ledger', () => {
  // Judged at the end of K's window unless `timestamp` says otherwise (the block's timestamp is the STF's clock).
  const deliver = (over: Partial<core.EdgeFromChildTx> = {}, timestamp = k3WindowEnd) => forge([core.placeSignedTx(t.A.state, deliverTx(over), t.A.ctx)], { timestamp });

  it('early: CHALLENGE_WINDOW_OPEN', () => expectRefused(deliver({}, k3WindowEnd - 1n), 'CHALLENGE_WINDOW_OPEN'));
  it('under another windowEnd: UNKNOWN_COMMITMENT', () => expectRefused(deliver({ windowEnd: k3WindowEnd + 1n }), 'UNKNOWN_COMMITMENT'));
  it('another payload than the child sent: INVALID_EXIT_PROOF', () => expectRefused(deliver({ payload: core.encodeMessagePayload({ target, data: '0xdead' }) }), 'INVALID_EXIT_PROOF'));
  it('an index past the tree: EXIT_INDEX_OUT_OF_RANGE', () => expectRefused(deliver({ index: 1n << 16n }), 'EXIT_INDEX_OUT_OF_RANGE'));
  it('a short proof: BAD_PROOF_LENGTH', () => expectRefused(deliver({ proof: core.exitProof(kBlock3, 0).slice(1) }), 'BAD_PROOF_LENGTH'));

  it('delivered twice: ALREADY_WITHDRAWN, and PlasmaRoot convicts A (FraudProven kind 10)', async () => {
    await commitA((b) => b.addSignedTx(deliverTx()));
    expect(t.A.state.ledger.isWithdrawn(t.K, kBlock3.header.number, 0)).toBe(true);
    const again = deliver({}, await latestTimestamp(t.f.provider));
    await expectRefused(again, 'ALREADY_WITHDRAWN');
    await convictAtRoot(again, 'ALREADY_WITHDRAWN', 'ledger-fraud-edges', 'kind 9, ALREADY_WITHDRAWN');
  });
});
