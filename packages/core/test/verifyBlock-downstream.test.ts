/**
 * The down stream first (docs/FRAUD.md §3): a block's kind 0 and 8 transactions are its first
 * `depositNonce − parent.depositNonce` transactions, in nonce order. Each bad block below is otherwise consistent
 * (post roots, tx/exit/state roots, hash recomputed over its own txs), so the rule is the only thing that fails.
 */
import { describe, expect, it } from 'vitest';
import {
  BlockBuilder,
  ChainState,
  PlasmaError,
  TxKind,
  applyTx,
  bytesToHex,
  computeExitRoot,
  computeTxRoot,
  hashHeader,
  placeDeposit,
  placeSignedTx,
  verifyBlock,
  type Block,
  type BlockContext,
  type BlockTx,
  type ExitTreeLeaf,
  type Header,
  type Hex,
  type InvalidBlockData,
} from '../src/index.js';
import { CHAIN_ID, ETH, FakeParent, alice, blockContext, bob, carol, signTx } from './fixtures.js';

/** Block 1 (alice and bob funded) and the state after it; the parent has recorded deposits 1-2 and 3-4 waits. */
function setup() {
  const parent = new FakeParent();
  const ctx = blockContext(parent);
  const state = new ChainState(CHAIN_ID);
  const b1 = new BlockBuilder({ parent: null, state, ctx, timestamp: 100n });
  b1.addDeposit(parent.deposit(alice.address, ETH, 1000n));
  b1.addDeposit(parent.deposit(bob.address, ETH, 1000n));
  const block1 = b1.seal();
  const d3 = parent.deposit(carol.address, ETH, 30n);
  const d4 = parent.deposit(alice.address, ETH, 40n);
  return { parent, ctx, state, block1, d3, d4 };
}

/**
 * What a lying producer would seal: `txs` applied in the given order without the block-level rules, the trace
 * and every root recomputed, `depositNonce` as claimed. `state` is left as it was.
 */
function forge(txs: BlockTx[], parent: Header, state: ChainState, ctx: BlockContext, depositNonce: bigint): Block {
  const postRoots: Hex[] = [];
  const exits: ExitTreeLeaf[] = [];
  state.checkpoint();
  try {
    for (const tx of txs) {
      // Each tx is checked against the nonce it carries: the STF alone cannot see its position in the block.
      const outcome = applyTx(state, tx, { ...ctx, lastDepositNonce: tx.kind === TxKind.Deposit ? tx.nonce - 1n : parent.depositNonce, timestamp: parent.timestamp + 1n });
      postRoots.push(outcome.postRoot);
      if (outcome.exit) exits.push(outcome.exit);
    }
    const header: Header = {
      chainId: CHAIN_ID,
      number: parent.number + 1n,
      parentHash: hashHeader(parent),
      txRoot: bytesToHex(computeTxRoot(txs, postRoots)),
      stateRoot: state.root,
      exitRoot: bytesToHex(computeExitRoot(exits)),
      depositNonce,
      timestamp: parent.timestamp + 1n,
    };
    return { header, hash: hashHeader(header), txs, postRoots, exits };
  } finally {
    state.revert();
  }
}

function refusal(fn: () => void): InvalidBlockData {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(PlasmaError);
    expect((e as PlasmaError).code).toBe('INVALID_BLOCK');
    return (e as PlasmaError<string, InvalidBlockData>).data;
  }
  throw new Error('the block was accepted');
}

describe('verifyBlock: the down stream first', () => {
  it('accepts the blocks the producer builds (down events first, in nonce order)', () => {
    const { ctx, state, block1, d3, d4 } = setup();
    const watcher = new ChainState(CHAIN_ID);
    verifyBlock(block1, null, watcher, ctx);
    const b2 = new BlockBuilder({ parent: block1.header, state, ctx, timestamp: 101n });
    b2.addDeposit(d3);
    b2.addDeposit(d4);
    b2.addSignedTx(signTx(alice, { slot: 0, to: bob.address, amount: 5n, nonce: 0n }));
    const block2 = b2.seal();
    verifyBlock(block2, block1.header, watcher, ctx);
    expect(watcher.root).toBe(block2.header.stateRoot);
  });

  it('refuses a deposit after a transfer', () => {
    const { ctx, state, block1, d3 } = setup();
    const transfer = placeSignedTx(state, signTx(alice, { slot: 0, to: bob.address, amount: 5n, nonce: 0n }), ctx);
    const block = forge([transfer, placeDeposit(state, d3)], block1.header, state, ctx, 3n);
    const before = state.root;
    expect(refusal(() => verifyBlock(block, block1.header, state, ctx))).toMatchObject({ reason: 'DOWN_STREAM_NOT_FIRST', txIndex: 1, blockNumber: '2' });
    expect(state.root).toBe(before);
    expect(state.checkpointDepth).toBe(0);
    // The same transactions, the deposit first: valid.
    verifyBlock(forge([placeDeposit(state, d3), transfer], block1.header, state, ctx, 3n), block1.header, state, ctx, { dryRun: true });
  });

  it('refuses a deposit applied again after the down stream, or beyond what the header claims', () => {
    const { ctx, state, block1, d3 } = setup();
    const deposit = placeDeposit(state, d3);
    expect(refusal(() => verifyBlock(forge([deposit, deposit], block1.header, state, ctx, 3n), block1.header, state, ctx))).toMatchObject({ reason: 'DOWN_STREAM_NOT_FIRST', txIndex: 1 });
    // The header claims none: the deposit is beyond it.
    expect(refusal(() => verifyBlock(forge([deposit], block1.header, state, ctx, 2n), block1.header, state, ctx))).toMatchObject({ reason: 'DOWN_STREAM_NOT_FIRST', txIndex: 0 });
  });

  it('refuses a header that claims down events the block does not apply', () => {
    const { ctx, state, block1, d3 } = setup();
    const transfer = placeSignedTx(state, signTx(alice, { slot: 0, to: bob.address, amount: 5n, nonce: 0n }), ctx);
    expect(refusal(() => verifyBlock(forge([placeDeposit(state, d3), transfer], block1.header, state, ctx, 4n), block1.header, state, ctx))).toMatchObject({ reason: 'MISSING_DOWN_EVENT', txIndex: 1 });
    expect(refusal(() => verifyBlock(forge([], block1.header, state, ctx, 3n), block1.header, state, ctx))).toMatchObject({ reason: 'MISSING_DOWN_EVENT', txIndex: 0 });
  });

  it('refuses down events out of nonce order (the STF), and a depositNonce below the parent', () => {
    const { ctx, state, block1, d3, d4 } = setup();
    const swapped = forge([placeDeposit(state, d4), placeDeposit(state, d3)], block1.header, state, ctx, 4n);
    expect(refusal(() => verifyBlock(swapped, block1.header, state, ctx))).toMatchObject({ reason: 'INVALID_TX', txIndex: 0, code: 'DEPOSIT_OUT_OF_ORDER' });
    expect(refusal(() => verifyBlock(forge([], block1.header, state, ctx, 1n), block1.header, state, ctx))).toMatchObject({ reason: 'DEPOSIT_NONCE_MISMATCH' });
  });

  it('BlockBuilder refuses a down event after another transaction, and stays usable', () => {
    const { ctx, state, block1, d3 } = setup();
    const b = new BlockBuilder({ parent: block1.header, state, ctx, timestamp: 101n });
    b.addSignedTx(signTx(alice, { slot: 0, to: bob.address, amount: 5n, nonce: 0n }));
    const root = state.root;
    expect(() => b.addDeposit(d3)).toThrow(expect.objectContaining({ code: 'INVALID_BLOCK', data: expect.objectContaining({ reason: 'DOWN_STREAM_NOT_FIRST', txIndex: 1 }) }));
    expect(state.root).toBe(root);
    const block = b.seal();
    expect(block.header.depositNonce).toBe(2n);
    verifyBlock(block, block1.header, replay(block1, ctx), ctx);
  });
});

/** A watcher's state after block 1. */
function replay(block1: Block, ctx: BlockContext): ChainState {
  const watcher = new ChainState(CHAIN_ID);
  verifyBlock(block1, null, watcher, ctx);
  return watcher;
}
