/**
 * The size rule of block data (docs/LEDGER-PROOFS.md "A size rule for block data"): a tx takes at most M = 64 KiB in a
 * publication call at every depth (a form rule: MALFORMED_TX), a data chunk of depth d at most B(d) (B(1) = 120 KiB,
 * B(d) = M − (d − 1) · O below, O = 1,440 bytes: exactly what the wrapping adds), so a chunk of depth d + 1 wrapped in a CHILD_DATA_CALL is one tx of depth d
 * that fits a chunk of its own. BlockBuilder ends a chunk (CHUNK_FULL, TX_TOO_LARGE); verifyBlock refuses a block with a
 * chunk over its budget (CHUNK_OVER_BUDGET).
 */
import { describe, expect, it } from 'vitest';
import {
  BlockBuilder,
  CHILD_DATA_CHALLENGE_BOND,
  CHUNK_WRAPPING_BYTES,
  ChainState,
  DATA_CHUNK_SIZE,
  DataChallengeStatus,
  EMPTY_TX,
  MAX_CHAIN_DEPTH,
  MAX_TX_DATA_BYTES,
  MAX_TX_PUBLICATION_BYTES,
  PUBLICATION_CALL_FIXED_BYTES,
  PUBLISHED_TX_FIXED_BYTES,
  PlasmaError,
  ROOT_CHILD_CHUNK_BYTES,
  TxKind,
  blockDataChunks,
  bytesToHex,
  checkBlockTxForm,
  chunkByteBudget,
  chunkSizes,
  computeTxRoot,
  encodeChildDataCallData,
  encodeProveChildFraudData,
  encodePublishBlockDataCall,
  hashHeader,
  isMalformedTx,
  placeSignedTx,
  publicationSize,
  verifyBlock,
  type Block,
  type BlockTx,
  type ChildDataCallTx,
  type Header,
  type Hex,
  type InvalidBlockData,
} from '../src/index.js';
import { CHAIN_ID, ETH, FakeParent, alice, blockContext, bob, carol, signTx, user } from './fixtures.js';
import { expectRefused, sign, spend, submit, validatorsA1 } from './treeHarness.js';
import { buildDataTree, dave } from './dataTree.js';

const KIB = 1024;
const bytesOf = (hex: Hex) => (hex.length - 2) / 2;
const toHex = (bytes: Uint8Array) => bytesToHex(bytes);
const zeros = (n: number) => `0x${'00'.repeat(n)}` as Hex;

/** A PROVE_CHILD_FRAUD in block form (well formed but for its size) whose data is `dataBytes` long (a multiple of 32, ≥ 128). */
function fraudTxOfDataSize(dataBytes: number): BlockTx {
  const data = encodeProveChildFraudData({ child: CHAIN_ID, fraudKind: 3, args: zeros(dataBytes - 128) });
  expect(bytesOf(data)).toBe(dataBytes);
  return { ...EMPTY_TX, kind: TxKind.ProveChildFraud, to: alice.address, data };
}

/** `count` deposits into one block of CHAIN_ID (each 512 bytes in a publication), built without a budget. */
function depositBlock(count: number) {
  const parent = new FakeParent();
  const ctx = blockContext(parent);
  const state = new ChainState(CHAIN_ID);
  const b = new BlockBuilder({ parent: null, state, ctx, timestamp: 1_000n });
  for (let i = 0; i < count; i++) b.addDeposit(parent.deposit(user(`depositor ${i % 8}`).address, ETH, BigInt(i + 1)));
  return { block: b.seal(), ctx, parent };
}

describe('the size rule: M, B(d), publicationSize', () => {
  it('the constants: M = 64 KiB (data ≤ 65,024), B(1) = 120 KiB, B(d) = M − (d − 1) · 1,440 down to B(45) = 2,176', () => {
    expect(MAX_TX_PUBLICATION_BYTES).toBe(65_536);
    expect(PUBLISHED_TX_FIXED_BYTES).toBe(512);
    expect(MAX_TX_DATA_BYTES).toBe(65_024);
    expect(MAX_TX_DATA_BYTES % 32).toBe(0);
    expect(ROOT_CHILD_CHUNK_BYTES).toBe(120 * KIB);
    expect(CHUNK_WRAPPING_BYTES).toBe(1_440);
    expect(chunkByteBudget(1)).toBe(122_880);
    expect(chunkByteBudget(2)).toBe(64_096);
    expect(chunkByteBudget(3)).toBe(62_656);
    expect(MAX_CHAIN_DEPTH).toBe(45);
    expect(chunkByteBudget(45)).toBe(2_176);
    for (const depth of [0, 46, 1.5, -1, Number.NaN]) expect(() => chunkByteBudget(depth), String(depth)).toThrow(expect.objectContaining({ code: 'INVALID_DEPTH' }));
  });

  it('publicationSize is what a tx adds to publishBlockData; a plain transfer is 512 bytes, 64 of them fit a chunk at depths 1 and 2', () => {
    expect(publicationSize({ data: '0x' })).toBe(512);
    expect(publicationSize({ data: '0x01' })).toBe(544);
    expect(publicationSize({ data: zeros(32) })).toBe(544);
    expect(publicationSize({ data: zeros(33) })).toBe(576);
    // A block with transfers, deposits and data-carrying txs: each chunk's call is the fixed part plus its txs' sizes.
    const { block } = depositBlock(70);
    const txs: BlockTx[] = [...block.txs.slice(0, 66), fraudTxOfDataSize(1_024), { ...fraudTxOfDataSize(160), data: `${fraudTxOfDataSize(160).data}ab` as Hex }];
    const postRoots = txs.map((_, i) => block.postRoots[i % block.postRoots.length]);
    const header: Header = { ...block.header, txRoot: toHex(computeTxRoot(txs, postRoots)) };
    const chunks = blockDataChunks({ header, txs, postRoots });
    expect(chunks.map((c) => c.txs.length)).toEqual([64, 4]);
    const sizes = chunkSizes(txs);
    expect(sizes).toEqual([64 * 512, 2 * 512 + (512 + 1_024) + (512 + 192)]);
    chunks.forEach((c, i) => expect(bytesOf(encodePublishBlockDataCall(CHAIN_ID, header, 99n, c))).toBe(PUBLICATION_CALL_FIXED_BYTES + sizes[i]));
    expect(PUBLICATION_CALL_FIXED_BYTES).toBe(804);

    // How many plain transfers a chunk's budget holds: more than the chunk's 64 positions at depths 1 and 2.
    const transfer = placeSignedTx(stateWithAlice(), signTx(alice, { slot: 0, to: bob.address, amount: 1n, nonce: 0n }), blockContext(new FakeParent()));
    expect(publicationSize(transfer)).toBe(512);
    expect(Math.floor(chunkByteBudget(1) / publicationSize(transfer))).toBe(240);
    expect(Math.floor(chunkByteBudget(2) / publicationSize(transfer))).toBe(125);
    expect(DATA_CHUNK_SIZE * publicationSize(transfer)).toBeLessThanOrEqual(chunkByteBudget(2));
  });

  it('a chunk of depth d + 1 at its budget, wrapped in a CHILD_DATA_CALL, is one tx of at most M that fits a chunk of depth d: exactly, below depth 1', () => {
    for (let d = 1; d < MAX_CHAIN_DEPTH; d++) {
      const call = zeros(PUBLICATION_CALL_FIXED_BYTES + chunkByteBudget(d + 1));
      const wrapped = { data: encodeChildDataCallData({ child: CHAIN_ID, call }) };
      expect(publicationSize(wrapped) - chunkByteBudget(d + 1)).toBe(CHUNK_WRAPPING_BYTES);
      if (d > 1) expect(publicationSize(wrapped), `depth ${d}`).toBe(chunkByteBudget(d));
      expect(publicationSize(wrapped), `depth ${d}`).toBeLessThanOrEqual(chunkByteBudget(d));
      expect(publicationSize(wrapped), `depth ${d}`).toBeLessThanOrEqual(MAX_TX_PUBLICATION_BYTES);
    }
  });

  it("the grandchild attack, bounded: a chunk over B(d + 1) wrapped as a CHILD_DATA_CALL is TX_TOO_LARGE for its parent's producer (d ≥ 2)", () => {
    const parent = new FakeParent();
    for (const d of [2, 3, 17, MAX_CHAIN_DEPTH - 1]) {
      const atBudget = { ...EMPTY_TX, kind: TxKind.ChildDataCall, to: alice.address, data: encodeChildDataCallData({ child: CHAIN_ID, call: zeros(PUBLICATION_CALL_FIXED_BYTES + chunkByteBudget(d + 1)) }) };
      const over = { ...atBudget, data: encodeChildDataCallData({ child: CHAIN_ID, call: zeros(PUBLICATION_CALL_FIXED_BYTES + chunkByteBudget(d + 1) + 32) }) };
      expect(publicationSize(over)).toBe(chunkByteBudget(d) + 32);
      // The host of depth d: the wrapped chunk at B(d + 1) passes the size check (and goes on to the STF's own
      // checks of the call); 32 bytes more are refused before anything else, so honest validators never carry it.
      const state = new ChainState(CHAIN_ID);
      const host = new BlockBuilder({ parent: null, state, ctx: blockContext(parent), timestamp: 1n, chunkBudget: chunkByteBudget(d) });
      expect(() => host.add(atBudget)).not.toThrow(expect.objectContaining({ code: expect.stringMatching(/^(TX_TOO_LARGE|CHUNK_FULL)$/) }));
      expectRefused(state, 'TX_TOO_LARGE', () => host.add(over));
    }
  });

  it('a tx exactly at M is well formed, one over is MALFORMED_TX (data field, bytes and max in its data)', () => {
    const atBound = fraudTxOfDataSize(MAX_TX_DATA_BYTES);
    expect(publicationSize(atBound)).toBe(MAX_TX_PUBLICATION_BYTES);
    expect(() => checkBlockTxForm(atBound)).not.toThrow();
    expect(isMalformedTx(atBound)).toBe(false);
    // The next canonical encoding (one more byte of args: a word more of data) and a raw byte more.
    const over = fraudTxOfDataSize(MAX_TX_DATA_BYTES + 32);
    expect(() => checkBlockTxForm(over)).toThrow(expect.objectContaining({ code: 'MALFORMED_TX', data: { field: 'data', bytes: MAX_TX_DATA_BYTES + 32, max: MAX_TX_DATA_BYTES } }));
    expect(() => checkBlockTxForm(over)).toThrow(/tx.data must be at most 65024 bytes/);
    expect(isMalformedTx(over)).toBe(true);
    expect(isMalformedTx({ ...atBound, data: `${atBound.data}00` as Hex })).toBe(true);
    // A kind-15 call at the bound likewise (the form's size check comes before the canonical decoding of the call).
    const call = { ...EMPTY_TX, kind: TxKind.ChildDataCall, to: alice.address, data: encodeChildDataCallData({ child: CHAIN_ID, call: zeros(MAX_TX_DATA_BYTES - 96 + 1) }) };
    expect(() => checkBlockTxForm(call)).toThrow(expect.objectContaining({ code: 'MALFORMED_TX', data: expect.objectContaining({ field: 'data' }) }));
  });
});

function stateWithAlice(): ChainState {
  const parent = new FakeParent();
  const state = new ChainState(CHAIN_ID);
  const b = new BlockBuilder({ parent: null, state, ctx: blockContext(parent), timestamp: 1n });
  b.addDeposit(parent.deposit(alice.address, ETH, 100n));
  b.seal();
  return state;
}

describe('BlockBuilder with a chunk budget', () => {
  it('fills a chunk to its budget exactly, refuses the tx that would pass it (CHUNK_FULL, nothing changed), and starts over at the next chunk', () => {
    const parent = new FakeParent();
    const deposits = Array.from({ length: 70 }, (_, i) => parent.deposit(user(`d${i % 8}`).address, ETH, BigInt(i + 1)));
    // Budget 64 deposits exactly: all 70 go in (the 65th starts chunk 1).
    const full = new BlockBuilder({ parent: null, state: new ChainState(CHAIN_ID), ctx: blockContext(parent), timestamp: 1n, chunkBudget: 64 * 512 });
    deposits.forEach((d, i) => {
      full.addDeposit(d);
      expect(full.currentChunkBytes).toBe(((i + 1) % 64) * 512);
    });
    expect(full.seal().txs).toHaveLength(70);
    // One byte less: the 64th deposit does not fit chunk 0; the block keeps 63.
    const state = new ChainState(CHAIN_ID);
    const b = new BlockBuilder({ parent: null, state, ctx: { ...blockContext(parent), chunkBudget: 64 * 512 - 1 }, timestamp: 1n });
    expect(b.chunkBudget).toBe(64 * 512 - 1);
    for (const d of deposits.slice(0, 63)) b.addDeposit(d);
    const error = expectRefused(state, 'CHUNK_FULL', () => b.addDeposit(deposits[63]));
    expect(error.data).toMatchObject({ size: 512, budget: 64 * 512 - 1, chunk: 0, chunkBytes: 63 * 512, txIndex: 63 });
    expect(error.hint).toMatch(/next block/);
    expect(b.txCount).toBe(63);
    expect(b.depositNonce).toBe(63n);
    const block = b.seal();
    expect(block.header.depositNonce).toBe(63n);
    // The next block takes it first.
    const next = new BlockBuilder({ parent: block.header, state, ctx: blockContext(parent), timestamp: 2n, chunkBudget: 64 * 512 - 1 });
    next.addDeposit(deposits[63]);
    expect(next.seal().txs).toHaveLength(1);
  });

  it('a tx over the budget on its own: TX_TOO_LARGE; over M: MALFORMED_TX whatever the budget', () => {
    const parent = new FakeParent();
    const state = new ChainState(CHAIN_ID);
    const b = new BlockBuilder({ parent: null, state, ctx: blockContext(parent), timestamp: 1n, chunkBudget: 2_048 });
    expectRefused(state, 'TX_TOO_LARGE', () => b.add(fraudTxOfDataSize(2_048)));
    const wide = new BlockBuilder({ parent: null, state: new ChainState(CHAIN_ID), ctx: blockContext(parent), timestamp: 1n, chunkBudget: chunkByteBudget(1) });
    expect(() => wide.add(fraudTxOfDataSize(MAX_TX_DATA_BYTES + 32))).toThrow(expect.objectContaining({ code: 'MALFORMED_TX', data: expect.objectContaining({ field: 'data' }) }));
    expect(() => new BlockBuilder({ parent: null, state: new ChainState(CHAIN_ID), ctx: blockContext(parent), timestamp: 1n, chunkBudget: 0 })).toThrow(PlasmaError);
  });

  it('a big CHILD_DATA_CALL that does not fit the rest of the chunk waits (CHUNK_FULL) and goes in first in the next block', () => {
    // A (a child of the root) spawns K; K's blocks are committed on A; carol challenges the data of K's block 2 on A.
    const { A, K, tick, windowEnd } = buildDataTree();
    const kBlock = K.blocks[1];
    A.block(tick(), (b) => submit(b, sign(carol, {
      kind: TxKind.ChallengeChildData, chainId: A.id, slot: A.slotOf(carol, ETH), child: K.id, header: kBlock.header, windowEnd, bond: CHILD_DATA_CHALLENGE_BOND, nonce: A.nonce(carol, ETH),
    })));
    const [chunk] = blockDataChunks(kBlock);
    const call: ChildDataCallTx = { kind: TxKind.ChildDataCall, chainId: A.id, child: K.id, call: encodePublishBlockDataCall(K.id, kBlock.header, windowEnd, chunk), to: validatorsA1[0].address };
    const callSize = PUBLISHED_TX_FIXED_BYTES + bytesOf(encodeChildDataCallData({ child: K.id, call: call.call }));
    expect(callSize).toBe(512 + 96 + Math.ceil((PUBLICATION_CALL_FIXED_BYTES + 2 * 512) / 32) * 32);
    // A budget of the call and one transfer: two transfers, then the call does not fit.
    const budget = callSize + 512;
    const budgeted = (fill: (b: BlockBuilder) => void): Block => {
      const b = new BlockBuilder({ parent: A.head, state: A.state, ctx: A.ctx, timestamp: tick(), chunkBudget: budget });
      fill(b);
      const block = b.seal();
      verifyBlock(block, A.head, A.watcher, A.ctx, { chunkBudget: budget });
      A.head = block.header;
      A.blocks.push(block);
      return block;
    };
    const first = budgeted((b) => {
      submit(b, spend(A, alice, TxKind.Transfer, dave, ETH, 1n));
      submit(b, spend(A, carol, TxKind.Transfer, dave, ETH, 1n));
      const error = expectRefused(A.state, 'CHUNK_FULL', () => b.addSignedTx(call));
      expect(error.data).toMatchObject({ size: callSize, budget, chunkBytes: 1_024, txIndex: 2 });
      expect(b.currentChunkBytes).toBe(1_024);
    });
    expect(first.txs.map((tx) => tx.kind)).toEqual([TxKind.Transfer, TxKind.Transfer]);
    expect(A.state.ledger.dataChallenge(K.id, kBlock.header.number)).toMatchObject({ txsPublished: false, status: DataChallengeStatus.Open });
    const second = budgeted((b) => {
      b.addSignedTx(call);
      // The chunk now holds the call: a transfer still fits, a second one does not.
      submit(b, spend(A, alice, TxKind.Transfer, dave, ETH, 1n));
      expectRefused(A.state, 'CHUNK_FULL', () => submit(b, spend(A, carol, TxKind.Transfer, dave, ETH, 1n)));
    });
    expect(second.txs.map((tx) => tx.kind)).toEqual([TxKind.ChildDataCall, TxKind.Transfer]);
    expect(chunkSizes(second.txs)).toEqual([budget]);
    expect(A.state.ledger.dataChallenge(K.id, kBlock.header.number)).toMatchObject({ txsPublished: true });
  });
});

describe('verifyBlock with a chunk budget', () => {
  const reasonOf = (run: () => void): InvalidBlockData | undefined => {
    try {
      run();
    } catch (e) {
      expect(e).toBeInstanceOf(PlasmaError);
      expect((e as PlasmaError).code).toBe('INVALID_BLOCK');
      return (e as PlasmaError<string, InvalidBlockData>).data;
    }
    return undefined;
  };

  it('refuses a block with a chunk over the budget (CHUNK_OVER_BUDGET, the state untouched); the same block passes at its size or without one', () => {
    const { block, ctx } = depositBlock(70);
    expect(chunkSizes(block.txs)).toEqual([64 * 512, 6 * 512]);
    const state = () => new ChainState(CHAIN_ID);
    const s = state();
    const data = reasonOf(() => verifyBlock(block, null, s, ctx, { chunkBudget: 64 * 512 - 1 }));
    expect(data).toMatchObject({ reason: 'CHUNK_OVER_BUDGET', chunk: 0, txIndex: 0, expected: `<= ${64 * 512 - 1} bytes`, found: `${64 * 512} bytes`, blockNumber: '1' });
    expect(s.size).toBe(0);
    // From the context too (what a node passes for every block it verifies).
    expect(reasonOf(() => verifyBlock(block, null, state(), { ...ctx, chunkBudget: 6 * 512 - 1 }))).toMatchObject({ reason: 'CHUNK_OVER_BUDGET', chunk: 0 });
    // The option wins over the context.
    expect(reasonOf(() => verifyBlock(block, null, state(), { ...ctx, chunkBudget: 1 }, { chunkBudget: 64 * 512, dryRun: true }))).toBeUndefined();
    // Unchecked without a budget (existing callers), and valid at its exact size.
    expect(reasonOf(() => verifyBlock(block, null, state(), ctx))).toBeUndefined();
    expect(reasonOf(() => verifyBlock(block, null, state(), ctx, { chunkBudget: 64 * 512 }))).toBeUndefined();
  });

  it('only the chunk over the budget is named: a big tx in chunk 1', () => {
    const { block, ctx } = depositBlock(64);
    // The 64 deposits and, at index 64 (chunk 1), a tx of 40,000 bytes of data (the STF would refuse it, but the size
    // check is stateless and comes before re-execution).
    const txs = [...block.txs, fraudTxOfDataSize(40_000)];
    const postRoots = [...block.postRoots, block.postRoots[0]];
    const header = { ...block.header, txRoot: toHex(computeTxRoot(txs, postRoots)) };
    const withBig: Block = { ...block, header, hash: hashHeader(header), txs, postRoots };
    expect(chunkSizes(withBig.txs)).toEqual([64 * 512, 512 + 40_000]);
    expect(reasonOf(() => verifyBlock(withBig, null, new ChainState(CHAIN_ID), ctx, { chunkBudget: 64 * 512 }))).toMatchObject({ reason: 'CHUNK_OVER_BUDGET', chunk: 1, txIndex: 64 });
    // Without the budget, the STF refuses the tx itself.
    expect(reasonOf(() => verifyBlock(withBig, null, new ChainState(CHAIN_ID), ctx))).toMatchObject({ reason: 'INVALID_TX', txIndex: 64 });
  });
});
