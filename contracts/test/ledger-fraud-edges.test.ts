/**
 * Transition proofs of the edge kinds at the root (docs/LEDGER-PROOFS.md §4.1, PlasmaLedgerEdges), on the tree of
 * ./ledgerFraudFixture.ts. L1 judges an edge tx without the chain's edge registry: the refusals of the checks that do
 * not depend on it, else the post-state root of the effect the tx states (SPEC v4 "Edge effects"):
 * - 8 EDGE_FROM_PARENT: a message the root sent to A (sendMessage) applied with another payload (a forged down event),
 *   out of order, or beyond the header's depositNonce: the refusal is core's, and the root convicts A; an honest
 *   delivery (the message function's inbox writes, a handler's, a failed delivery): the module's post-state root is
 *   core's, and a block hiding a mint in its post root is convicted;
 * - 9 EDGE_FROM_CHILD: an up message of K (an EDGE_SEND in K's block 3, committed on A and final) delivered on A a
 *   second time, early, under another commitment, or with a bad exit proof; delivered once: core's post-state root.
 * - 7 EDGE_SEND: a call forged in alice's name, replayed, from an empty slot, too large, or down to a frozen or unknown
 *   child; an honest call up (the message function) or down (a function of A's whose send half writes its storage,
 *   up to MAX_EDGE_WRITES keys): core's post-state root.
 */
import * as core from '@plasma-tree/core';
import { Wallet, id, parseEther, ZeroHash } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { increaseTime, latestTimestamp } from './helpers.js';
import {
  FAULT_LEDGER_REFUSED, FAULT_POST_ROOT_MISMATCH, K_WINDOW, aliceNonce, blockVerifierGas, buildLedgerTree, commitA, commitChildTx, convictAtRoot, judge, proofOf,
  signTx, statedRootWith, t, undone, withEffect,
} from './ledgerFraudFixture.js';

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

/**
 * Edge tx `tx`, sealed with its effect (withEffect, on `edges`), in a block of A at `timestamp` claiming core's post
 * root: core's proof of it finds it valid, and the contract recomputes that root (no refusal, no fault); under a wrong
 * post root the contract recomputes it still (FAULT_POST_ROOT_MISMATCH) and findFraud proves it (POST_ROOT_MISMATCH).
 * findFraud finds nothing in the honest block (`find`: not for an up call, whose exit a forged block does not hold).
 * Returns the honest block.
 */
async function expectHonest(
  placed: core.BlockTx,
  options: { timestamp: bigint; depositNonce?: bigint; edges?: core.EdgeRegistry; writes: number; find?: boolean },
): Promise<core.Block> {
  const { timestamp, edges } = options;
  const { tx, postRoot, effect } = withEffect(placed, timestamp, edges);
  expect(effect.writes).toHaveLength(options.writes);
  // L1's view (the stated effect, no half run) is the STF's.
  expect(statedRootWith(tx, timestamp)).toBe(postRoot);
  const at = { timestamp, ...(options.depositNonce === undefined ? {} : { depositNonce: options.depositNonce }) };
  const block = t.A.forge([tx], [postRoot], at);
  const proof = proofOf(block);
  expect(proof.refusal).toBeUndefined();
  expect(proof.ledger.entries).toHaveLength(core.ledgerTouchPlan(tx, t.A.state.ledger)!.keys.length);
  expect(await judge(block, proof)).toEqual({ refusal: ZeroHash, postStateRoot: postRoot, fault: 0 });
  const ctx = { ...t.A.ctx, ...(edges === undefined ? {} : { edges }) };
  if (options.find ?? true) expect(core.findFraud(block, t.A.head, t.A.state, ctx)).toBeUndefined();
  const lie = t.A.forge([tx], [core.bytesToHex(core.keccak256(core.hexToBytes(postRoot)))], at);
  expect(await judge(lie)).toEqual({ refusal: ZeroHash, postStateRoot: postRoot, fault: FAULT_POST_ROOT_MISMATCH });
  expect(core.findFraud(lie, t.A.head, t.A.state, ctx)).toMatchObject({ provable: true, kind: core.FraudKind.InvalidLedgerTx, txIndex: 0, reason: 'POST_ROOT_MISMATCH' });
  return block;
}

/** `block` (one tx, forged on A's head) again with its post root a lie. */
const lyingCopy = (block: core.Block): core.Block =>
  t.A.forge(block.txs, [core.bytesToHex(core.keccak256(core.hexToBytes(block.postRoots[0])))], { timestamp: block.header.timestamp, depositNonce: block.header.depositNonce });

/** The message function with a handler for `target` that sets `keys` keys of its storage (A's registry for some tests). */
const handlerEdges = (keys: number) => core.createEdgeRegistry([], {
  messageHandlers: { [target]: (ctx) => Array.from({ length: keys }, (_, i) => ctx.storage.set(`0x${i.toString(16).padStart(2, '0')}`, `0x${'ab'.repeat(i + 1)}`)) },
});

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

  /** The down event A's next block applies first, placed (its effect not stated yet). */
  const nextDelivery = () => {
    const first = t.A.edgeEvents.get(t.A.head!.depositNonce + 1n)!;
    return { first, placed: core.placeEdgeFromParent(first) };
  };

  it('an honest delivery (the inbox\'s 2 writes): the module\'s post-state root is core\'s', async () => {
    const { first, placed } = nextDelivery();
    const block = await expectHonest(placed, { timestamp: t.A.head!.timestamp + 1n, depositNonce: first.nonce, writes: 2 });
    expect(core.decodeEdgeFromParentData(block.txs[0].data).status).toBe(core.EdgeDeliveryStatus.Delivered);
  });

  it('a delivery whose handler writes too (4 writes), and one the handler fails (no write, status 2)', async () => {
    const { first, placed } = nextDelivery();
    const at = { timestamp: t.A.head!.timestamp + 1n, depositNonce: first.nonce };
    const four = await expectHonest(placed, { ...at, edges: handlerEdges(2), writes: 4 });
    await blockVerifierGas('ledger-fraud-edges', 'kind 8, valid, 4 writes', four);
    const failing = core.createEdgeRegistry([], { messageHandlers: { [target]: () => { throw new Error('the handler refuses'); } } });
    const failed = await expectHonest(placed, { ...at, edges: failing, writes: 0 });
    expect(core.decodeEdgeFromParentData(failed.txs[0].data).status).toBe(core.EdgeDeliveryStatus.Failed);
  });

  it(`the most writes a half may state (${core.MAX_EDGE_WRITES}: the inbox and ${core.MAX_EDGE_WRITES - 2} of the handler's)`, async () => {
    const { first, placed } = nextDelivery();
    const block = await expectHonest(placed, { timestamp: t.A.head!.timestamp + 1n, depositNonce: first.nonce, edges: handlerEdges(core.MAX_EDGE_WRITES - 2), writes: core.MAX_EDGE_WRITES });
    await blockVerifierGas('ledger-fraud-edges', `kind 8, valid, ${core.MAX_EDGE_WRITES} writes`, block);
  });

  it('a delivery whose post root hides a mint: POST_ROOT_MISMATCH, and PlasmaRoot convicts A (FraudProven kind 10)', async () => {
    const { first, placed } = nextDelivery();
    const timestamp = await latestTimestamp(t.f.provider);
    const { tx, postRoot } = withEffect(placed, timestamp, handlerEdges(2));
    const { slot } = aliceNonce();
    const minted = statedRootWith(tx, timestamp, (state) => {
      const account = state.get(slot)!;
      state.accounts.put(slot, { ...account, balance: account.balance + parseEther('100') });
    });
    expect(minted).not.toBe(postRoot);
    const block = t.A.forge([tx], [minted], { timestamp, depositNonce: first.nonce });
    expect(await judge(block)).toEqual({ refusal: ZeroHash, postStateRoot: postRoot, fault: FAULT_POST_ROOT_MISMATCH });
    // Undone after: the tests below build on A.
    await undone(() => convictAtRoot(block, 'POST_ROOT_MISMATCH', 'ledger-fraud-edges', 'kind 8, a mint hidden in the post root, 4 writes'));
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
  it('down, at a clock past the record\'s 40 bits: VALUE_OUT_OF_RANGE', () => expectRefused(forge([call({ child: t.K })], { timestamp: 1n << 40n }), 'VALUE_OUT_OF_RANGE'));
  it('down to no child: UNKNOWN_CHAIN', () => expectRefused(forge([call({ child: core.chainIdOf(t.A.chainId, 9) })]), 'UNKNOWN_CHAIN'));

  /**
   * A down function of A's whose send half sets as many keys of its storage as its payload (a uint8) says, then one
   * more it deletes again (stated as '0x').
   */
  const stamp = core.defineEdgeFunction({
    name: 'plasma-tree/test/stamp/v1',
    direction: 'down',
    send(ctx, payload) {
      const count = Number(BigInt(payload));
      for (let i = 0; i < count; i++) ctx.storage.set(`0x${i.toString(16).padStart(2, '0')}`, `0x${'cd'.repeat(i + 1)}${ctx.nonce!.toString(16).padStart(2, '0')}`);
      ctx.storage.set('0xff', '0x01');
      ctx.storage.delete('0xff');
    },
    receive() {},
  });
  const edges = core.createEdgeRegistry([stamp]);
  const stampCall = (count: number): core.BlockTx => {
    const signed = signTx(t.alice, { kind: core.TxKind.EdgeSend, chainId: t.A.chainId, ...aliceNonce(), fn: stamp.fn, child: t.K, payload: `0x${count.toString(16).padStart(2, '0')}` });
    return core.placeSignedTx(t.A.state, signed, t.A.ctx);
  };

  it('an honest call down (K\'s next down event recorded, 3 writes of the send half): the module\'s post-state root is core\'s', async () => {
    const block = await expectHonest(stampCall(2), { timestamp: t.A.head!.timestamp + 1n, edges, writes: 3 });
    const { writes } = core.decodeEdgeSendData(block.txs[0].data);
    expect(writes[2]).toEqual({ keyHash: core.edgeStorageKeyHash('0xff'), value: '0x' });
  });

  it(`an honest call down stating ${core.MAX_EDGE_WRITES} writes (every touch position, ${3 + core.MAX_EDGE_WRITES})`, async () => {
    const block = await expectHonest(stampCall(core.MAX_EDGE_WRITES - 1), { timestamp: t.A.head!.timestamp + 1n, edges, writes: core.MAX_EDGE_WRITES });
    expect(proofOf(block).ledger.entries).toHaveLength(3 + core.MAX_EDGE_WRITES);
    await blockVerifierGas('ledger-fraud-edges', `kind 7 down, valid, ${core.MAX_EDGE_WRITES} writes`, block);
    // The worst case of the edge kinds at the root: its post root a lie (docs/LEDGER-PROOFS.md, session 11).
    await undone(() => convictAtRoot(lyingCopy(block), 'POST_ROOT_MISMATCH', 'ledger-fraud-edges', `kind 7 down, a lying post root, ${core.MAX_EDGE_WRITES} writes`));
  });

  it('an honest call up (the message function: no send half, no write)', async () => {
    await expectHonest(call(), { timestamp: t.A.head!.timestamp + 1n, writes: 0, find: false });
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

  it('delivered once (the inbox\'s 2 writes): the module\'s post-state root is core\'s', async () => {
    await expectHonest(core.placeSignedTx(t.A.state, deliverTx(), t.A.ctx), { timestamp: k3WindowEnd, writes: 2 });
  });

  it(`delivered once with the most writes (${core.MAX_EDGE_WRITES}: the inbox and the handler's)`, async () => {
    const block = await expectHonest(core.placeSignedTx(t.A.state, deliverTx(), t.A.ctx), { timestamp: k3WindowEnd, edges: handlerEdges(core.MAX_EDGE_WRITES - 2), writes: core.MAX_EDGE_WRITES });
    await blockVerifierGas('ledger-fraud-edges', `kind 9, valid, ${core.MAX_EDGE_WRITES} writes`, block);
    await undone(() => convictAtRoot(lyingCopy(block), 'POST_ROOT_MISMATCH', 'ledger-fraud-edges', `kind 9, a lying post root, ${core.MAX_EDGE_WRITES} writes`));
  });

  it('delivered twice: ALREADY_WITHDRAWN, and PlasmaRoot convicts A (FraudProven kind 10)', async () => {
    await commitA((b) => b.addSignedTx(deliverTx()));
    expect(t.A.state.ledger.isWithdrawn(t.K, kBlock3.header.number, 0)).toBe(true);
    const again = deliver({}, await latestTimestamp(t.f.provider));
    await expectRefused(again, 'ALREADY_WITHDRAWN');
    await convictAtRoot(again, 'ALREADY_WITHDRAWN', 'ledger-fraud-edges', 'kind 9, ALREADY_WITHDRAWN');
  });
});
