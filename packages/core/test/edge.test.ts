/**
 * Edge functions (docs/EDGE.md) across a tree of three levels, A → A1 → A1a (and A2 beside A1), all in core:
 * user functions ("counter" down, "receipt" up) and the built-in message function, sent with EDGE_SEND, applied by
 * the child with EDGE_FROM_PARENT in the deposits' nonce stream, consumed by the parent with EDGE_FROM_CHILD after
 * the window. Every block goes through a watcher's verifyBlock via its JSON form (treeHarness).
 */
import { describe, expect, it } from 'vitest';
import {
  BUILT_IN_EDGES,
  BlockBuilder,
  ChainState,
  EXIT_TREE_DEPTH,
  EdgeDeliveryStatus,
  MAX_EDGE_PAYLOAD,
  MESSAGE_FN,
  PlasmaError,
  ROOT_CHAIN_ID,
  TxKind,
  ZERO_BYTES32,
  applyTx,
  bigintToWord,
  bytesToHex,
  chainIdOf,
  computeExitRoot,
  createEdgeRegistry,
  defineEdgeFunction,
  edgeDownRecord,
  decodeEdgeFromParentData,
  encodeEdgeFromParentData,
  decodeEdgeSendData,
  encodeEdgeSendData,
  computeTxRoot,
  findFraud,
  FraudKind,
  hexToBytes,
  keccak256,
  MAX_EDGE_WRITES,
  MAX_EDGE_WRITE_BYTES,
  type BlockTx,
  recordIs,
  edgeFunctionId,
  edgeUpLeaf,
  encodeMessagePayload,
  exitProof,
  exitTreeLeaf,
  hashHeader,
  isEdgeUpEvent,
  message,
  messageHandlerStorageOf,
  placeEdgeFromParent,
  placeSignedTx,
  readMessageInbox,
  toChecksumAddress,
  transferToChild,
  transferToParent,
  verifyBlock,
  verifyMerkleProof,
  zeroHashes,
  ZERO_ADDRESS,
  type Address,
  type Block,
  type ChainId,
  type EdgeCallTx,
  type EdgeContext,
  type EdgeFromChildTx,
  type EdgeFunction,
  type EdgeRegistry,
  type Header,
  type Hex,
  type InvalidBlockData,
  type Message,
} from '../src/index.js';
import { DOMAIN, ETH, FakeParent, TOKEN, alice, bob, carol, user, type TestUser } from './fixtures.js';
import { TestChain, WINDOW, commitPending, commitTx, depositToChild, exitTx, expectRefused, sign, spawnChild, spend, submit, validatorsA1, validatorsA2 } from './treeHarness.js';

const dave = user('dave');
const erin = user('erin');
const frank = user('frank');
const mallory = user('mallory');

const word = (n: bigint): Hex => bytesToHex(bigintToWord(n));
const SENT: Hex = '0x53454e54'; // "SENT"
const TOTAL: Hex = '0x544f54414c'; // "TOTAL"
const LAST: Hex = '0x4c415354'; // "LAST"

/** Down: the parent counts what it sent, the child adds it up; a child refuses amounts over 1000. */
const counter = defineEdgeFunction({
  name: 'test/counter/v1',
  direction: 'down',
  decode(payload) {
    if (payload.length !== 66) throw new Error('a counter payload is one uint256 word');
    return BigInt(payload);
  },
  send(ctx, n) {
    if (n === 0n) throw new Error('nothing to count');
    ctx.storage.set(SENT, word(BigInt(ctx.storage.get(SENT) ?? '0x0') + n));
  },
  receive(ctx, n) {
    // Written before the refusal below, so a failed delivery must undo it.
    ctx.storage.set(TOTAL, word(BigInt(ctx.storage.get(TOTAL) ?? '0x0') + n));
    ctx.storage.set(LAST, `${ctx.peer}${ctx.sender.slice(2)}${word(ctx.nonce!).slice(2)}`);
    if (n > 1000n) throw new Error(`${n} is over the limit`);
  },
});

/** Up: the child keeps what it issued, the parent records who sent each receipt; "0xdead" is refused upstairs. */
const receipt = defineEdgeFunction({
  name: 'test/receipt/v1',
  direction: 'up',
  send(ctx, payload) {
    if (payload === '0x') throw new PlasmaError('EMPTY_RECEIPT', 'a receipt needs content', { hint: 'send some bytes' });
    ctx.storage.set(payload, '0x01');
  },
  receive(ctx, payload) {
    if (payload === '0xdead') throw new Error('this receipt is refused');
    ctx.storage.set(payload, `${ctx.peer}${ctx.sender.slice(2)}`);
  },
});

/** Down, registered on A only: its events reach children that do not run it. */
const announce = defineEdgeFunction({ name: 'test/announce/v1', direction: 'down', receive() {} });

/** A contract-like target on every chain: it stores the last message and refuses "0xdead". */
const APP = user('inbox app').address;
const handled: { chainId: ChainId; peer: ChainId; sender: Address; nonce?: bigint; data: Hex }[] = [];
const messageHandlers = {
  // A checksummed key: the registry normalizes it.
  [toChecksumAddress(APP)]: (ctx: EdgeContext, msg: Message) => {
    if (msg.data === '0xdead') throw new Error('the app refuses this message');
    ctx.storage.set('0x01', msg.data);
    handled.push({ chainId: ctx.chainId, peer: ctx.peer, sender: ctx.sender, nonce: ctx.nonce, data: msg.data });
  },
};
const rootEdges = createEdgeRegistry([counter, receipt, announce], { messageHandlers });
const childEdges = createEdgeRegistry([counter, receipt], { messageHandlers });

/**
 * A (funded by root deposits) spawns A1 (2 of 3) and A2 (1 of 1), both running childEdges; users deposit into
 * both; A1 spawns A1a (the third level) and carol deposits into it.
 */
function buildEdgeTree() {
  const clock = { now: 1_000n };
  const tick = (seconds = 10n) => (clock.now += seconds);
  const root = new FakeParent();
  const A = new TestChain(chainIdOf(ROOT_CHAIN_ID, 0), 'A', root.depositRecord, undefined, [], rootEdges);
  A.block(tick(), (b) => {
    b.addDeposit(root.deposit(alice.address, ETH, 10n ** 18n));
    b.addDeposit(root.deposit(alice.address, TOKEN, 1_000n));
    b.addDeposit(root.deposit(bob.address, TOKEN, 500n));
  });
  let A1!: TestChain;
  let A2!: TestChain;
  A.block(tick(), (b) => {
    A1 = spawnChild(b, A, alice, validatorsA1, 2, 'A1', childEdges);
    A2 = spawnChild(b, A, alice, validatorsA2, 1, 'A2', childEdges);
  });
  A.block(tick(), (b) => {
    depositToChild(b, A, A1, alice, alice, ETH, 10n ** 17n);
    depositToChild(b, A, A1, alice, carol, TOKEN, 300n);
    depositToChild(b, A, A2, bob, erin, TOKEN, 200n);
  });
  A1.block(tick(), (b) => A1.applyInbox(b));
  A2.block(tick(), (b) => A2.applyInbox(b));
  let A1a!: TestChain;
  A1.block(tick(), (b) => {
    A1a = spawnChild(b, A1, alice, [user('v5')], 1, 'A1a');
    depositToChild(b, A1, A1a, carol, carol, TOKEN, 50n);
  });
  A1a.block(tick(), (b) => A1a.applyInbox(b));
  return { A, A1, A2, A1a, clock, tick };
}

/** EDGE_SEND on `chain` by `from` (from its slot of `token`); for a down call, the event the child will apply. */
function edgeCall(b: BlockBuilder, chain: TestChain, from: TestUser, fn: Hex, to: TestChain | 'up', payload: Hex, token: Address = TOKEN): void {
  const child = to === 'up' ? ZERO_BYTES32 : to.id;
  submit(b, sign(from, { kind: TxKind.EdgeSend, chainId: chain.id, slot: chain.slotOf(from, token), fn, child, payload, nonce: chain.nonce(from, token) }));
  if (to !== 'up') to.events.push({ nonce: chain.state.ledger.childInfo(to.id).depositCount, fn, sender: from.address, payload });
}

/** EDGE_FROM_CHILD of leaf `index` of `block`; windowEnd defaults to the head's (the last block committed). */
function relayTx(parent: TestChain, child: TestChain, block: Block, index: number, windowEnd = parent.state.ledger.childInfo(child.id).headWindowEnd): EdgeFromChildTx {
  const leaf = block.exits[index];
  if (!isEdgeUpEvent(leaf)) throw new Error(`leaf ${index} is a token exit`);
  const { fn, sender, payload } = leaf;
  return { kind: TxKind.EdgeFromChild, chainId: parent.id, child: child.id, header: block.header, windowEnd, fn, sender, payload, index: BigInt(index), proof: exitProof(block, index) };
}

/** The code a run is refused with, 'accepted' when it is not. */
function code(run: () => unknown): string {
  try {
    run();
  } catch (e) {
    return (e as PlasmaError).code;
  }
  return 'accepted';
}

/** A copy of `chain`'s watcher state, to re-verify (tampered versions of) its next block. */
function snapshot(chain: TestChain): ChainState {
  return ChainState.fromEntries(chain.id, [...chain.watcher.accounts.entries()], [...chain.watcher.ledger.entries()]);
}

function expectInvalid(run: () => void, reason: InvalidBlockData['reason'], code?: string): void {
  let error: unknown;
  try {
    run();
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(PlasmaError);
  expect((error as PlasmaError).code).toBe('INVALID_BLOCK');
  expect((error as PlasmaError<string, InvalidBlockData>).data).toMatchObject(code ? { reason, code } : { reason });
}

describe('edge functions down the tree', () => {
  it('delivers a message A → A1 in nonce order with deposits, runs its handler, and a counter A1 → A1a', () => {
    const { A, A1, A1a, tick } = buildEdgeTree();
    const toApp = encodeMessagePayload({ target: APP, data: '0xc0ffee' });
    const toBob = encodeMessagePayload({ target: bob.address, data: '0x01' });
    A.block(tick(), (b) => {
      edgeCall(b, A, bob, MESSAGE_FN, A1, toApp); // nonce 3 of A1's stream
      depositToChild(b, A, A1, alice, dave, TOKEN, 5n); // 4
      edgeCall(b, A, bob, MESSAGE_FN, A1, toBob); // 5
    });
    // The parent half: a record on the deposits' stream, no value moved, the caller's slot nonce consumed.
    expect(A.state.ledger.childInfo(A1.id).depositCount).toBe(5n);
    // Stamped with A's block time (recordIs compares the hash part).
    expect(recordIs(A.state.ledger.depositRecord(A1.id, 3n), edgeDownRecord({ fn: MESSAGE_FN, child: A1.id, nonce: 3n, sender: bob.address, payload: toApp }))).toBe(true);
    expect(A.state.ledger.subtreeBalance(A1.id, TOKEN)).toBe(305n);
    expect(A.balance(bob, TOKEN)).toBe(300n); // 500 less his deposit to A2
    expect(A.nonce(bob, TOKEN)).toBe(3n); // that deposit, then the two calls

    const block = A1.block(tick(), (b) => A1.applyInbox(b));
    expect(block.txs.map((tx) => tx.kind)).toEqual([TxKind.EdgeFromParent, TxKind.Deposit, TxKind.EdgeFromParent]);
    expect(block.header.depositNonce).toBe(5n);
    expect(A1.state.ledger.edgeDelivery(3n)).toEqual({ fn: MESSAGE_FN, status: EdgeDeliveryStatus.Delivered });
    expect(A1.state.ledger.edgeDelivery(4n)).toBeUndefined(); // a deposit
    expect(A1.state.ledger.edgeDelivery(5n)).toEqual({ fn: MESSAGE_FN, status: EdgeDeliveryStatus.Delivered });
    expect(A1.balance(dave, TOKEN)).toBe(5n);
    expect(readMessageInbox(A1.state.ledger)).toEqual([
      { index: 1n, sourceChain: A.id, sender: bob.address, target: APP, data: '0xc0ffee' },
      { index: 2n, sourceChain: A.id, sender: bob.address, target: bob.address, data: '0x01' },
    ]);
    expect(handled).toContainEqual({ chainId: A1.id, peer: A.id, sender: bob.address, nonce: 3n, data: '0xc0ffee' });
    expect(messageHandlerStorageOf(A1.state.ledger, APP).get('0x01')).toBe('0xc0ffee');
    expect(messageHandlerStorageOf(A1.state.ledger, bob.address).get('0x01')).toBeUndefined();

    // The third level: carol (a TOKEN slot on A1) counts 7 down to A1a, whose stream is at nonce 1 (her deposit).
    A1.block(tick(), (b) => edgeCall(b, A1, carol, counter.fn, A1a, word(7n)));
    expect(A1.state.ledger.edgeStorage(counter.fn, SENT)).toBe(word(7n));
    A1a.block(tick(), (b) => A1a.applyInbox(b));
    expect(A1a.state.ledger.edgeStorage(counter.fn, TOTAL)).toBe(word(7n));
    expect(A1a.state.ledger.edgeStorage(counter.fn, LAST)).toBe(`${A1.id}${carol.address.slice(2)}${word(2n).slice(2)}`);
    expect(A1a.head!.depositNonce).toBe(2n);
  });

  it('consumes a down event whose receive half fails, or whose function the child lacks, as failed; later deposits apply', () => {
    const { A, A1, tick } = buildEdgeTree();
    A.block(tick(), (b) => {
      edgeCall(b, A, alice, counter.fn, A1, word(5_000n)); // 3: the child's half throws
      edgeCall(b, A, alice, announce.fn, A1, '0x'); // 4: A1 does not run it
      edgeCall(b, A, alice, MESSAGE_FN, A1, encodeMessagePayload({ target: APP, data: '0xdead' })); // 5: the handler throws
      depositToChild(b, A, A1, alice, dave, TOKEN, 9n); // 6
      edgeCall(b, A, alice, counter.fn, A1, word(3n)); // 7
    });
    const block = A1.block(tick(), (b) => A1.applyInbox(b));
    expect(block.header.depositNonce).toBe(7n);
    expect(block.txs.map((tx) => tx.kind)).toEqual([TxKind.EdgeFromParent, TxKind.EdgeFromParent, TxKind.EdgeFromParent, TxKind.Deposit, TxKind.EdgeFromParent]);
    const status = (nonce: bigint) => A1.state.ledger.edgeDelivery(nonce)?.status;
    expect([3n, 4n, 5n, 7n].map(status)).toEqual([EdgeDeliveryStatus.Failed, EdgeDeliveryStatus.Failed, EdgeDeliveryStatus.Failed, EdgeDeliveryStatus.Delivered]);
    expect(A1.state.ledger.edgeDelivery(4n)).toEqual({ fn: announce.fn, status: EdgeDeliveryStatus.Failed });
    // The failed halves' writes are gone: the counter holds 3, the inbox nothing.
    expect(A1.state.ledger.edgeStorage(counter.fn, TOTAL)).toBe(word(3n));
    expect(readMessageInbox(A1.state.ledger)).toEqual([]);
    expect(A1.balance(dave, TOKEN)).toBe(9n);
  });

  it('refuses a forged down event: another payload, sender, function or nonce, or a record made for another child', () => {
    const { A, A1, A2, tick, clock } = buildEdgeTree();
    A.block(tick(), (b) => edgeCall(b, A, alice, counter.fn, A1, word(1n)));
    const event = A1.events[0];
    const b = new BlockBuilder({ parent: A1.head, state: A1.state, ctx: A1.ctx, timestamp: tick() });
    expectRefused(A1.state, 'DEPOSIT_MISMATCH', () => b.addEdgeFromParent({ ...event, payload: word(1_000_000n) }));
    expectRefused(A1.state, 'DEPOSIT_MISMATCH', () => b.addEdgeFromParent({ ...event, sender: mallory.address }));
    expectRefused(A1.state, 'DEPOSIT_MISMATCH', () => b.addEdgeFromParent({ ...event, fn: receipt.fn }));
    // The record is an edge event's: a deposit cannot pass for it.
    expectRefused(A1.state, 'DEPOSIT_MISMATCH', () => b.addDeposit({ chainId: A1.id, nonce: event.nonce, from: alice.address, to: alice.address, token: TOKEN, amount: 1n }));
    expectRefused(A1.state, 'DEPOSIT_OUT_OF_ORDER', () => b.addEdgeFromParent({ ...event, nonce: event.nonce + 1n }));
    b.addEdgeFromParent(event);
    expectRefused(A1.state, 'DEPOSIT_OUT_OF_ORDER', () => b.addEdgeFromParent(event));
    expectRefused(A1.state, 'DEPOSIT_UNKNOWN', () => b.addEdgeFromParent({ ...event, nonce: event.nonce + 1n }));
    b.abort();
    // A2 reading A1's records by mistake: the record binds A1's id, so the event does not apply on A2.
    const ctx = { ...A2.ctx, depositRecord: A1.depositRecord, lastDepositNonce: event.nonce - 1n, timestamp: clock.now };
    expectRefused(A2.state, 'DEPOSIT_MISMATCH', () => applyTx(A2.state, placeEdgeFromParent(event), ctx));
  });
});

describe('edge functions up the tree', () => {
  it('delivers a message A1 → A after the window, with its proof, once, and only under A1', () => {
    const { A, A1, A2, tick, clock } = buildEdgeTree();
    const up = encodeMessagePayload({ target: APP, data: '0xbeef' });
    const block = A1.block(tick(), (b) => edgeCall(b, A1, carol, MESSAGE_FN, 'up', up));
    expect(block.exits).toEqual([{ fn: MESSAGE_FN, sourceChain: A1.id, sender: carol.address, payload: up }]);
    expect(A1.nonce(carol, TOKEN)).toBe(2n); // her deposit into A1a, then the call
    A.block(tick(), (b) => commitPending(b, A, A1));
    const windowEnd = A.state.ledger.childInfo(A1.id).headWindowEnd;

    A.block((clock.now = windowEnd - 1n), (b) => expectRefused(A.state, 'CHALLENGE_WINDOW_OPEN', () => submit(b, relayTx(A, A1, block, 0))));
    A.block((clock.now = windowEnd), (b) => {
      expectRefused(A.state, 'UNKNOWN_COMMITMENT', () => submit(b, { ...relayTx(A, A1, block, 0), child: A2.id }));
      expectRefused(A.state, 'INVALID_EXIT_PROOF', () => submit(b, { ...relayTx(A, A1, block, 0), sender: bob.address }));
      expectRefused(A.state, 'INVALID_EXIT_PROOF', () => submit(b, { ...relayTx(A, A1, block, 0), payload: encodeMessagePayload({ target: APP, data: '0xbeee' }) }));
      submit(b, relayTx(A, A1, block, 0));
      expectRefused(A.state, 'ALREADY_WITHDRAWN', () => submit(b, relayTx(A, A1, block, 0)));
    });
    expect(A.state.ledger.isWithdrawn(A1.id, block.header.number, 0)).toBe(true);
    expect(readMessageInbox(A.state.ledger)).toEqual([{ index: 1n, sourceChain: A1.id, sender: carol.address, target: APP, data: '0xbeef' }]);
    expect(handled).toContainEqual({ chainId: A.id, peer: A1.id, sender: carol.address, nonce: undefined, data: '0xbeef' });
    A.block(tick(), (b) => expectRefused(A.state, 'ALREADY_WITHDRAWN', () => submit(b, relayTx(A, A1, block, 0))));
  });

  it("refuses an up event consumed under another child, even one whose quorum committed the event's leaf", () => {
    const { A, A1, A2, tick, clock } = buildEdgeTree();
    const up = encodeMessagePayload({ target: APP, data: '0x02' });
    const a1Block = A1.block(tick(), (b) => edgeCall(b, A1, carol, MESSAGE_FN, 'up', up));
    // A2's validator signs a block (no transactions) whose exit tree holds A1's leaf.
    const leaf = a1Block.exits[0];
    const a2Head = A2.head!;
    const header: Header = {
      chainId: A2.id,
      number: a2Head.number + 1n,
      parentHash: hashHeader(a2Head),
      txRoot: bytesToHex(zeroHashes(16)[16]),
      stateRoot: A2.state.root,
      exitRoot: bytesToHex(computeExitRoot([leaf])),
      depositNonce: a2Head.depositNonce,
      timestamp: tick(),
    };
    const forged: Block = { header, hash: hashHeader(header), txs: [], postRoots: [], exits: [leaf] };
    A.block(tick(), (b) => {
      commitPending(b, A, A1);
      commitPending(b, A, A2);
      submit(b, commitTx(A, A2, forged));
    });
    A.block((clock.now += WINDOW), (b) => {
      const underA2 = { ...relayTx(A, A1, a1Block, 0), child: A2.id, header: forged.header, windowEnd: A.state.ledger.childInfo(A2.id).headWindowEnd, proof: exitProof(forged, 0) };
      expectRefused(A.state, 'INVALID_EXIT_PROOF', () => submit(b, underA2));
      submit(b, relayTx(A, A1, a1Block, 0));
    });
    expect(readMessageInbox(A.state.ledger).map((m) => m.sourceChain)).toEqual([A1.id]);
  });

  it('keeps token exits and up events in one exit tree: indices are positions among all leaves', () => {
    const { A, A1, tick, clock } = buildEdgeTree();
    const up = encodeMessagePayload({ target: bob.address, data: '0x03' });
    const block = A1.block(tick(), (b) => {
      submit(b, spend(A1, carol, TxKind.Withdraw, carol, TOKEN, 10n)); // 0
      edgeCall(b, A1, carol, MESSAGE_FN, 'up', up); // 1
      submit(b, spend(A1, carol, TxKind.Withdraw, frank, TOKEN, 20n)); // 2
      edgeCall(b, A1, carol, receipt.fn, 'up', '0xfeed'); // 3
      edgeCall(b, A1, alice, receipt.fn, 'up', '0xdead', ETH); // 4: the parent's half will refuse it
    });
    expect(block.exits.map(isEdgeUpEvent)).toEqual([false, true, false, true, true]);
    expect(block.exits[3]).toEqual({ fn: receipt.fn, sourceChain: A1.id, sender: carol.address, payload: '0xfeed' });
    expect(bytesToHex(exitTreeLeaf(block.exits[3]))).toBe(edgeUpLeaf({ fn: receipt.fn, sourceChain: A1.id, sender: carol.address, payload: '0xfeed' }));
    block.exits.forEach((leaf, i) => {
      expect(verifyMerkleProof(exitTreeLeaf(leaf), i, exitProof(block, i), block.header.exitRoot, EXIT_TREE_DEPTH)).toBe(true);
    });
    expect(A1.state.ledger.edgeStorage(receipt.fn, '0xfeed')).toBe('0x01');

    A.block(tick(), (b) => commitPending(b, A, A1));
    A.block((clock.now += WINDOW), (b) => {
      // A leaf's index is its place in the tree, whatever kind its neighbours are.
      expectRefused(A.state, 'INVALID_EXIT_PROOF', () => submit(b, { ...exitTx(A, A1, block, 2), index: 1n }));
      expectRefused(A.state, 'INVALID_EXIT_PROOF', () => submit(b, { ...relayTx(A, A1, block, 1), index: 0n, proof: exitProof(block, 0) }));
      submit(b, exitTx(A, A1, block, 2));
      submit(b, relayTx(A, A1, block, 3));
      submit(b, relayTx(A, A1, block, 1));
      submit(b, exitTx(A, A1, block, 0));
      // The parent's half refuses: the whole relay is refused and nothing is spent (anyone may retry).
      const refusal = expectRefused(A.state, 'EDGE_CALL_REFUSED', () => submit(b, relayTx(A, A1, block, 4)));
      expect(refusal.data).toEqual({ fn: receipt.fn, name: receipt.name, half: 'receive' });
    });
    expect(A.balance(frank, TOKEN)).toBe(20n);
    expect(A.balance(carol, TOKEN)).toBe(10n);
    expect(A.state.ledger.subtreeBalance(A1.id, TOKEN)).toBe(270n);
    expect(A.state.ledger.edgeStorage(receipt.fn, '0xfeed')).toBe(`${A1.id}${carol.address.slice(2)}`);
    expect(readMessageInbox(A.state.ledger)).toEqual([{ index: 1n, sourceChain: A1.id, sender: carol.address, target: bob.address, data: '0x03' }]);
    expect([0, 1, 2, 3, 4].map((i) => A.state.ledger.isWithdrawn(A1.id, block.header.number, i))).toEqual([true, true, true, true, false]);
  });
});

describe('EDGE_SEND refusals', () => {
  it('refuses a call before anything is recorded: function, direction, payload, send half, child, sender', () => {
    const { A, A1, tick } = buildEdgeTree();
    const slot = A.slotOf(bob, TOKEN);
    const call = (fn: Hex, child: ChainId, payload: Hex, over: { slot?: number; nonce?: bigint; signer?: TestUser } = {}) =>
      sign(over.signer ?? bob, { kind: TxKind.EdgeSend, chainId: A.id, slot: over.slot ?? slot, fn, child, payload, nonce: over.nonce ?? A.nonce(bob, TOKEN) });
    // 96 bytes of head and length, then 4001 bytes padded to 4032: 4128 in all.
    const tooBig = encodeMessagePayload({ target: APP, data: bytesToHex(new Uint8Array(MAX_EDGE_PAYLOAD - 95)) });
    A.block(tick(), (b) => {
      const refused = (code: string, tx: ReturnType<typeof call>) => expectRefused(A.state, code, () => submit(b, tx));
      expect(refused('UNKNOWN_EDGE_FUNCTION', call(edgeFunctionId('nobody/v1'), A1.id, '0x')).data).toEqual({ fn: edgeFunctionId('nobody/v1') });
      expect(refused('EDGE_DIRECTION_MISMATCH', call(counter.fn, ZERO_BYTES32, word(1n))).data).toMatchObject({ expected: 'down', found: 'up' });
      expect(refused('EDGE_DIRECTION_MISMATCH', call(receipt.fn, A1.id, '0x01')).data).toMatchObject({ expected: 'up', found: 'down' });
      // The send half and decode: a plain Error is wrapped, a PlasmaError keeps its code.
      expect(refused('EDGE_CALL_REFUSED', call(counter.fn, A1.id, word(0n))).message).toContain('nothing to count');
      expect(refused('EDGE_CALL_REFUSED', call(counter.fn, A1.id, '0x01')).message).toContain('one uint256 word');
      refused('EMPTY_RECEIPT', call(receipt.fn, ZERO_BYTES32, '0x'));
      refused('MALFORMED_EDGE_PAYLOAD', call(MESSAGE_FN, A1.id, `${encodeMessagePayload({ target: APP, data: '0x01' })}00`));
      // At most MAX_EDGE_PAYLOAD bytes, down and up.
      expect(refused('PAYLOAD_TOO_LARGE', call(MESSAGE_FN, A1.id, tooBig)).data).toEqual({ length: '4128', maximum: '4096' });
      refused('PAYLOAD_TOO_LARGE', call(MESSAGE_FN, ZERO_BYTES32, tooBig));
      // The send half ran (and wrote) before the ledger refused the unknown child: its writes are undone too.
      refused('UNKNOWN_CHAIN', call(counter.fn, chainIdOf(A.id, 9), word(1n)));
      refused('SLOT_OWNER_MISMATCH', call(counter.fn, A1.id, word(1n), { signer: mallory }));
      refused('NONCE_MISMATCH', call(counter.fn, A1.id, word(1n), { nonce: 7n }));
      refused('UNKNOWN_SLOT', call(counter.fn, A1.id, word(1n), { slot: 999 }));
      // Any token will do: bob calls from his TOKEN slot, alice from her native one.
      submit(b, call(counter.fn, A1.id, word(2n)));
      submit(b, sign(alice, { kind: TxKind.EdgeSend, chainId: A.id, slot: A.slotOf(alice, ETH), fn: counter.fn, child: A1.id, payload: word(3n), nonce: A.nonce(alice, ETH) }));
    });
    expect(A.state.ledger.edgeStorage(counter.fn, SENT)).toBe(word(5n));
    expect(A.nonce(bob, TOKEN)).toBe(2n);
    expect(A.state.ledger.childInfo(A1.id).depositCount).toBe(4n);
  });

  it('binds the signature to fn, child and payload, and the block form to its fixed fields', () => {
    const { A, A1, clock } = buildEdgeTree();
    const ctx = { ...A.ctx, lastDepositNonce: A.head!.depositNonce, timestamp: clock.now };
    const signed = sign(bob, { kind: TxKind.EdgeSend, chainId: A.id, slot: A.slotOf(bob, TOKEN), fn: counter.fn, child: A1.id, payload: word(1n), nonce: A.nonce(bob, TOKEN) }) as EdgeCallTx;
    const placed = placeSignedTx(A.state, signed, ctx);
    expect(placed).toMatchObject({ kind: TxKind.EdgeSend, slot: A.slotOf(bob, TOKEN), toSlot: 0, from: bob.address, to: ZERO_ADDRESS, token: ZERO_ADDRESS, amount: 0n, nonce: 1n });
    const other = placeSignedTx(A.state, { ...signed, payload: word(2n) }, ctx, bob.address);
    expectRefused(A.state, 'BAD_SIGNATURE', () => applyTx(A.state, { ...placed, data: other.data }, ctx));
    const relay: EdgeFromChildTx = { kind: TxKind.EdgeFromChild, chainId: A.id, child: A1.id, header: A1.head!, windowEnd: 1n, fn: receipt.fn, sender: carol.address, payload: '0x', index: 0n, proof: [] };
    const relayed = placeSignedTx(A.state, relay, ctx);
    expect(relayed).toMatchObject({ kind: TxKind.EdgeFromChild, slot: 0, toSlot: 0, from: carol.address, to: ZERO_ADDRESS, nonce: 0n, v: 0 });
    const cases: [typeof placed, string][] = [
      [{ ...placed, amount: 1n }, 'amount'],
      [{ ...placed, toSlot: 1 }, 'toSlot'],
      [{ ...placed, token: TOKEN }, 'token'],
      [{ ...placed, data: `${placed.data}00` }, 'data'],
      [{ ...placeEdgeFromParent({ nonce: 1n, fn: counter.fn, sender: bob.address, payload: '0x' }), v: 27 }, 'v'],
      [{ ...placeEdgeFromParent({ nonce: 1n, fn: counter.fn, sender: bob.address, payload: '0x' }), slot: 1 }, 'slot'],
      [{ ...placeEdgeFromParent({ nonce: 1n, fn: counter.fn, sender: bob.address, payload: '0x' }), to: bob.address }, 'to'],
      [{ ...relayed, nonce: 1n }, 'nonce'],
      [{ ...relayed, amount: 1n }, 'amount'],
      [{ ...relayed, r: placed.r }, 'r'],
    ];
    for (const [tx, field] of cases) expect(expectRefused(A.state, 'MALFORMED_TX', () => applyTx(A.state, tx, ctx)).data).toEqual({ field });
  });
});

describe('verifyBlock with edge transactions', () => {
  it('re-executes kinds 7-9 and refuses tampered blocks; a chain must run its validators\' registry', () => {
    const { A, A1, tick, clock } = buildEdgeTree();
    A.block(tick(), (b) => {
      edgeCall(b, A, alice, counter.fn, A1, word(4n));
      edgeCall(b, A, alice, MESSAGE_FN, A1, encodeMessagePayload({ target: APP, data: '0x05' }));
    });
    const beforeDown = snapshot(A1);
    const downParent = A1.head;
    const down = A1.block(tick(), (b) => {
      A1.applyInbox(b);
      edgeCall(b, A1, carol, receipt.fn, 'up', '0xabcd');
    });
    expect(down.txs.map((tx) => tx.kind)).toEqual([TxKind.EdgeFromParent, TxKind.EdgeFromParent, TxKind.EdgeSend]);
    const verify = (block: Block, state = beforeDown, ctx = A1.ctx) => () => verifyBlock(block, downParent, state, ctx, { dryRun: true });
    verify(down)(); // the untampered block passes

    const txs = down.txs.slice();
    txs[0] = placeEdgeFromParent({ ...A1.events[0], payload: word(400n) });
    expectInvalid(verify({ ...down, txs }), 'INVALID_TX', 'DEPOSIT_MISMATCH');
    const exits = [{ ...down.exits[0], payload: '0xabce' as Hex }];
    expectInvalid(verify({ ...down, exits }), 'EXIT_MISMATCH');
    // A watcher without the counter records the delivery as failed: not the effect the block states.
    expectInvalid(verify(down, beforeDown, { ...A1.ctx, edges: BUILT_IN_EDGES }), 'INVALID_TX', 'EDGE_EFFECT_MISMATCH');
    // A stated effect that is not what the half did (a value, a dropped key, the status) is refused.
    const stated = decodeEdgeFromParentData(down.txs[0].data);
    expect(stated).toMatchObject({ status: EdgeDeliveryStatus.Delivered });
    expect(stated.writes.length).toBeGreaterThan(0);
    const restated = (d: Partial<typeof stated>) => {
      const tampered = down.txs.slice();
      tampered[0] = { ...down.txs[0], data: encodeEdgeFromParentData({ ...stated, ...d }) };
      return { ...down, txs: tampered };
    };
    expectInvalid(verify(restated({ writes: [{ ...stated.writes[0], value: word(5n) }, ...stated.writes.slice(1)] })), 'INVALID_TX', 'EDGE_EFFECT_MISMATCH');
    expectInvalid(verify(restated({ writes: stated.writes.slice(1) })), 'INVALID_TX', 'EDGE_EFFECT_MISMATCH');
    expectInvalid(verify(restated({ status: EdgeDeliveryStatus.Failed })), 'INVALID_TX', 'EDGE_EFFECT_MISMATCH');
    // L1's view ('stated': no registry, the stated writes) reaches the same post-state roots as the halves did.
    const viewed = ChainState.fromEntries(beforeDown.chainId, [...beforeDown.accounts.entries()], [...beforeDown.ledger.entries()]);
    const l1Ctx = { ...A1.ctx, edges: BUILT_IN_EDGES, timestamp: down.header.timestamp, lastDepositNonce: downParent!.depositNonce };
    down.txs.forEach((tx, i) => {
      const outcome = applyTx(viewed, tx, l1Ctx, { edgeEffect: 'stated' });
      expect(outcome.postRoot).toBe(down.postRoots[i].toLowerCase());
      if (outcome.downNonce !== undefined) l1Ctx.lastDepositNonce = outcome.downNonce;
    });

    // Kind 9 on A: re-executed by A's watcher (A.block), and refused when its proof is tampered.
    A.block(tick(), (b) => commitPending(b, A, A1));
    clock.now += WINDOW;
    const beforeUp = snapshot(A);
    const upParent = A.head;
    const up = A.block(clock.now, (b) => submit(b, relayTx(A, A1, down, 0)));
    expect(up.txs.map((tx) => tx.kind)).toEqual([TxKind.EdgeFromChild]);
    const relayed = placeSignedTx(beforeUp, { ...relayTx(A, A1, down, 0), sender: bob.address }, A.ctx);
    expectInvalid(() => verifyBlock({ ...up, txs: [relayed] }, upParent, beforeUp, A.ctx, { dryRun: true }), 'INVALID_TX', 'INVALID_EXIT_PROOF');
  });
});

describe('the edge registry', () => {
  it('always runs the message function, refuses duplicates, the token transfers and bad handlers', () => {
    expect(BUILT_IN_EDGES.functions.map((f) => f.name)).toEqual(['plasma-tree/message/v1']);
    expect(rootEdges.functions.map((f) => f.fn)).toEqual([MESSAGE_FN, counter.fn, receipt.fn, announce.fn]);
    expect(rootEdges.get(counter.fn.toUpperCase().replace('0X', '0x') as Hex)).toBe(counter);
    expect(message).toMatchObject({ fn: MESSAGE_FN, direction: 'both' });
    const again = defineEdgeFunction({ name: 'test/counter/v1', direction: 'up', receive() {} });
    expect(code(() => createEdgeRegistry([counter, again]))).toBe('DUPLICATE_EDGE_FUNCTION');
    expect(code(() => createEdgeRegistry([defineEdgeFunction({ name: 'plasma-tree/message/v1', direction: 'down', receive() {} })]))).toBe('DUPLICATE_EDGE_FUNCTION');
    expect(code(() => createEdgeRegistry([defineEdgeFunction({ name: transferToChild.name, direction: 'down', receive() {} })]))).toBe('DUPLICATE_EDGE_FUNCTION');
    expect(code(() => createEdgeRegistry([transferToParent as unknown as EdgeFunction]))).toBe('INVALID_EDGE_FUNCTION');
    expect(code(() => createEdgeRegistry([{ ...counter, fn: receipt.fn }]))).toBe('INVALID_EDGE_FUNCTION');
    expect(code(() => createEdgeRegistry([], { messageHandlers: { '0x1234': () => {} } }))).toBe('INVALID_EDGE_FUNCTION');
    const twice = { [APP]: () => {}, [toChecksumAddress(APP)]: () => {} };
    expect(code(() => createEdgeRegistry([], { messageHandlers: twice }))).toBe('DUPLICATE_EDGE_FUNCTION');
    expect(code(() => defineEdgeFunction({ name: '', direction: 'down', receive() {} }))).toBe('INVALID_EDGE_FUNCTION');
    expect(code(() => defineEdgeFunction({ name: 'x', direction: 'sideways' as 'down', receive() {} }))).toBe('INVALID_EDGE_FUNCTION');
    expect(code(() => defineEdgeFunction({ name: 'x', direction: 'down' } as never))).toBe('INVALID_EDGE_FUNCTION');
    expect(transferToChild).toMatchObject({ direction: 'down', fn: edgeFunctionId(transferToChild.name), kinds: { send: [TxKind.DepositToChild], receive: [TxKind.Deposit] } });
    expect(transferToParent).toMatchObject({ direction: 'up', kinds: { send: [TxKind.Withdraw], receive: [TxKind.FinalizeChildExit] } });
  });

  it('L1 judges an edge tx on the effect it states: a lying post root is provable, a lying effect alone is phase 2', () => {
    const { A, A1, tick } = buildEdgeTree();
    const before = snapshot(A);
    const parent = A.head!;
    const sent = A.block(tick(), (b) => edgeCall(b, A, alice, counter.fn, A1, word(7n)));
    const i = sent.txs.findIndex((tx) => tx.kind === TxKind.EdgeSend);
    const stated = decodeEdgeSendData(sent.txs[i].data);
    expect(stated.writes).toEqual([{ keyHash: bytesToHex(keccak256(hexToBytes(SENT))), value: word(7n) }]);
    const copy = () => ChainState.fromEntries(before.chainId, [...before.accounts.entries()], [...before.ledger.entries()]);
    const forged = (txs: BlockTx[], postRoots: Hex[]): Block => {
      const header = { ...sent.header, txRoot: bytesToHex(computeTxRoot(txs, postRoots)) };
      return { ...sent, header, hash: hashHeader(header), txs, postRoots };
    };
    const find = (block: Block) => findFraud(block, parent, copy(), A.ctx);
    expect(find(sent)).toBeUndefined();

    // (a) The half's effect as stated, the post root a lie: L1 recomputes it.
    const lyingRoot = `0x${'ab'.repeat(32)}` as Hex;
    const roots = (root: Hex) => sent.postRoots.map((r, j) => (j === i ? root : r));
    expect(find(forged(sent.txs, roots(lyingRoot)))).toMatchObject({ provable: true, kind: FraudKind.InvalidLedgerTx, reason: 'POST_ROOT_MISMATCH', txIndex: i });

    // (b) An effect the half did not have, the post root L1's: only re-execution sees it (fn's own storage).
    const lie = { ...sent.txs[i], data: encodeEdgeSendData({ ...stated, writes: [{ ...stated.writes[0], value: word(70n) }] }) };
    const txs = sent.txs.map((tx, j) => (j === i ? lie : tx));
    const ctx = { ...A.ctx, lastDepositNonce: parent.depositNonce, timestamp: sent.header.timestamp };
    const l1View = copy();
    sent.txs.slice(0, i).forEach((tx) => applyTx(l1View, tx, ctx));
    const l1Root = applyTx(l1View, lie, ctx, { edgeEffect: 'stated' }).postRoot;
    expect(l1Root).not.toBe(sent.postRoots[i].toLowerCase());
    expect(find(forged(txs, roots(l1Root)))).toMatchObject({ provable: false, kind: 'phase2', reason: 'EDGE_EFFECT_MISMATCH', txIndex: i });
    // (c) Both lies: the post root is still provable.
    expect(find(forged(txs, roots(lyingRoot)))).toMatchObject({ provable: true, kind: FraudKind.InvalidLedgerTx, reason: 'POST_ROOT_MISMATCH', txIndex: i });
  });

  it('an edge half sets at most MAX_EDGE_WRITES keys, each listed once at its first write: more fails the delivery', () => {
    const hog = defineEdgeFunction({
      name: 'test/hog/v1',
      direction: 'down',
      decode: (payload) => Number(BigInt(payload)),
      send(ctx, n) {
        for (let k = 0; k < n; k++) ctx.storage.set(word(BigInt(k)), '0x01');
      },
      receive(ctx, n) {
        for (let k = 0; k < n; k++) ctx.storage.set(word(BigInt(k)), '0x02');
        ctx.storage.set(word(0n), '0x'); // a key set twice (here deleted) is listed once, at its first write
      },
    });
    const state = new ChainState(chainIdOf(ROOT_CHAIN_ID, 0));
    const ctx = { chainId: state.chainId, domain: DOMAIN, lastDepositNonce: 0n, timestamp: 1n, edges: createEdgeRegistry([hog]) };
    const records = new Map<bigint, Hex>();
    const deliver = (nonce: bigint, n: number) => {
      const payload = word(BigInt(n));
      records.set(nonce, edgeDownRecord({ fn: hog.fn, child: state.chainId, nonce, sender: alice.address, payload }));
      const tx = placeEdgeFromParent({ nonce, fn: hog.fn, sender: alice.address, payload });
      return applyTx(state, tx, { ...ctx, lastDepositNonce: nonce - 1n, depositRecord: (k) => records.get(k) }, { edgeEffect: 'fill' }).edgeEffect!;
    };
    const full = deliver(1n, MAX_EDGE_WRITES);
    expect(full.status).toBe(EdgeDeliveryStatus.Delivered);
    expect(full.writes.map((w) => w.value)).toEqual(['0x', ...Array(MAX_EDGE_WRITES - 1).fill('0x02')]);
    expect(full.writes.map((w) => w.keyHash)).toEqual(Array.from({ length: MAX_EDGE_WRITES }, (_, k) => bytesToHex(keccak256(hexToBytes(word(BigInt(k)))))));
    const over = deliver(2n, MAX_EDGE_WRITES + 1);
    expect(over).toEqual({ status: EdgeDeliveryStatus.Failed, writes: [] });
    expect(state.ledger.edgeStorage(hog.fn, word(1n))).toBe('0x02'); // the failed delivery wrote nothing
    expect(state.ledger.edgeDelivery(2n)).toEqual({ fn: hog.fn, status: EdgeDeliveryStatus.Failed });
  });

  it('a send half past the bounds (a 5th key, more than MAX_EDGE_WRITE_BYTES of values) refuses the call: EDGE_EFFECT_TOO_LARGE', () => {
    const big = defineEdgeFunction({
      name: 'test/big/v1',
      direction: 'up',
      decode: (payload) => ({ keys: Number(BigInt(payload) >> 32n), bytes: Number(BigInt(payload) & 0xffffffffn) }),
      send(ctx, { keys, bytes }) {
        for (let k = 0; k < keys; k++) ctx.storage.set(word(BigInt(k)), bytesToHex(new Uint8Array(bytes).fill(1)));
      },
      receive() {},
    });
    const state = new ChainState(chainIdOf(ROOT_CHAIN_ID, 0));
    state.accounts.put(0, { owner: alice.address, token: ETH, balance: 0n, nonce: 0n });
    const ctx = { chainId: state.chainId, domain: DOMAIN, lastDepositNonce: 0n, timestamp: 1n, edges: createEdgeRegistry([big]) };
    const call = (keys: number, bytes: number) => {
      const payload = word((BigInt(keys) << 32n) | BigInt(bytes));
      const signed = sign(alice, { kind: TxKind.EdgeSend, chainId: state.chainId, slot: 0, fn: big.fn, child: ZERO_BYTES32, payload, nonce: state.accounts.get(0)!.nonce });
      return () => applyTx(state, placeSignedTx(state, signed, ctx), ctx, { edgeEffect: 'fill' });
    };
    const root = state.root;
    expect(code(call(MAX_EDGE_WRITES + 1, 1))).toBe('EDGE_EFFECT_TOO_LARGE');
    expect(code(call(2, MAX_EDGE_WRITE_BYTES / 2 + 1))).toBe('EDGE_EFFECT_TOO_LARGE');
    expect(state.root).toBe(root); // refused: nothing written, the nonce unmoved
    const done = call(2, MAX_EDGE_WRITE_BYTES / 2)();
    expect(done.edgeEffect!.writes.map((w) => (w.value.length - 2) / 2)).toEqual([MAX_EDGE_WRITE_BYTES / 2, MAX_EDGE_WRITE_BYTES / 2]);
  });

  it('gives each function its own storage, and each message handler its own part of the message storage', () => {
    const state = new ChainState(chainIdOf(ROOT_CHAIN_ID, 0));
    const registry: EdgeRegistry = createEdgeRegistry([counter], { messageHandlers });
    const ctx = { chainId: state.chainId, domain: DOMAIN, lastDepositNonce: 0n, timestamp: 1n, edges: registry };
    // Down events from the root (the parent by default): counter 2, then a message for APP.
    const records = new Map<bigint, Hex>();
    const deliver = (nonce: bigint, fn: Hex, payload: Hex) => {
      records.set(nonce, edgeDownRecord({ fn, child: state.chainId, nonce, sender: alice.address, payload }));
      applyTx(state, placeEdgeFromParent({ nonce, fn, sender: alice.address, payload }), { ...ctx, lastDepositNonce: nonce - 1n, depositRecord: (n) => records.get(n) }, { edgeEffect: 'fill' });
    };
    deliver(1n, counter.fn, word(2n));
    deliver(2n, MESSAGE_FN, encodeMessagePayload({ target: APP, data: '0x77' }));
    expect(state.ledger.edgeStorage(counter.fn, TOTAL)).toBe(word(2n));
    expect(state.ledger.edgeStorage(counter.fn, LAST)).toBe(`${ROOT_CHAIN_ID}${alice.address.slice(2)}${word(1n).slice(2)}`);
    expect(state.ledger.edgeStorage(MESSAGE_FN, TOTAL)).toBeUndefined();
    expect(state.ledger.edgeStorage(MESSAGE_FN, '0x01')).toBeUndefined(); // the handler's key is in its own part
    expect(messageHandlerStorageOf(state.ledger, APP).get('0x01')).toBe('0x77');
    // The storage is in the state root and survives a rebuild from the ledger's entries.
    const rebuilt = ChainState.fromEntries(state.chainId, [...state.accounts.entries()], [...state.ledger.entries()]);
    expect(rebuilt.root).toBe(state.root);
    expect(readMessageInbox(rebuilt.ledger)).toEqual(readMessageInbox(state.ledger));
  });
});
