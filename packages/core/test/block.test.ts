import { describe, expect, it } from 'vitest';
import {
  BlockBuilder,
  ChainState,
  EMPTY_STATE_ROOT,
  EXIT_TREE_DEPTH,
  PlasmaError,
  TX_TREE_DEPTH,
  TxKind,
  ZERO_BYTES32,
  blockFromJson,
  blockToJson,
  bytesToHex,
  exitProof,
  exitTreeLeaf,
  hashHeader,
  merkleRoot,
  txExitIndexes,
  txLeaf,
  txProof,
  verifyBlock,
  verifyMerkleProof,
  zeroHashes,
  type Block,
  type Exit,
  type Header,
  type InvalidBlockData,
} from '../src/index.js';
import { CHAIN_ID, ETH, FakeParent, OTHER_CHAIN_ID, TOKEN, alice, blockContext, bob, carol, signTx } from './fixtures.js';

/** Block 1: three deposits. Block 2: a deposit (the down stream first), transfers, withdrawals, and a refused tx left out. */
function buildChain() {
  const parent = new FakeParent();
  const ctx = blockContext(parent);
  const state = new ChainState(CHAIN_ID);

  const b1 = new BlockBuilder({ parent: null, state, ctx, timestamp: 1_000n });
  b1.addDeposit(parent.deposit(alice.address, ETH, 1000n));
  b1.addDeposit(parent.deposit(bob.address, TOKEN, 500n));
  b1.addDeposit(parent.deposit(alice.address, ETH, 1n, carol.address));
  const block1 = b1.seal();

  const b2 = new BlockBuilder({ parent: block1.header, state, ctx, timestamp: 1_012n });
  b2.addDeposit(parent.deposit(carol.address, TOKEN, 7n));
  b2.addSignedTx(signTx(alice, { slot: 0, to: bob.address, amount: 100n, nonce: 0n }));
  b2.addSignedTx(signTx(bob, { kind: TxKind.Withdraw, slot: 1, to: carol.address, token: TOKEN, amount: 20n, nonce: 0n }));
  expect(() => b2.addSignedTx(signTx(alice, { slot: 0, to: bob.address, amount: 1n, nonce: 0n }))).toThrow(
    expect.objectContaining({ code: 'NONCE_MISMATCH' }),
  );
  b2.addSignedTx(signTx(alice, { slot: 0, to: carol.address, amount: 50n, nonce: 1n }));
  b2.addSignedTx(signTx(alice, { kind: TxKind.Withdraw, slot: 0, to: alice.address, amount: 30n, nonce: 2n }));
  const block2 = b2.seal();
  return { parent, ctx, state, block1, block2 };
}

function withHeader(block: Block, patch: Partial<Header>): Block {
  const header = { ...block.header, ...patch };
  return { ...block, header, hash: hashHeader(header) };
}

describe('BlockBuilder', () => {
  it('seals blocks whose header follows the SPEC', () => {
    const { state, block1, block2 } = buildChain();
    expect(block1.header).toMatchObject({ chainId: CHAIN_ID, number: 1n, parentHash: ZERO_BYTES32, depositNonce: 3n, timestamp: 1_000n });
    expect(block1.hash).toBe(hashHeader(block1.header));
    expect(block1.header.exitRoot).toBe(bytesToHex(zeroHashes(EXIT_TREE_DEPTH)[EXIT_TREE_DEPTH]));
    expect(block2.header).toMatchObject({ number: 2n, parentHash: block1.hash, depositNonce: 4n, stateRoot: state.root });
    expect(block2.txs.map((tx) => tx.kind)).toEqual([TxKind.Deposit, TxKind.Transfer, TxKind.Withdraw, TxKind.Transfer, TxKind.Withdraw]);
    expect(block2.postRoots).toHaveLength(5);
    expect(block2.postRoots[4]).toBe(block2.header.stateRoot);
    expect(block2.exits).toEqual([
      { recipient: carol.address, token: TOKEN, amount: 20n },
      { recipient: alice.address, token: ETH, amount: 30n },
    ]);
    // Each leaf carries its exit index: the exits of the txs before it (two withdrawals here).
    const exitIndexes = txExitIndexes(block2.txs);
    expect(exitIndexes[0]).toBe(0);
    expect(exitIndexes.at(-1)).toBe(block2.txs.slice(0, -1).filter((tx) => tx.kind === TxKind.Withdraw).length);
    expect(block2.header.txRoot).toBe(bytesToHex(merkleRoot(block2.txs.map((tx, i) => txLeaf(tx, block2.postRoots[i], exitIndexes[i])), TX_TREE_DEPTH)));
    expect(block2.header.exitRoot).toBe(bytesToHex(merkleRoot(block2.exits.map((e) => exitTreeLeaf(e)), EXIT_TREE_DEPTH)));
    // Accounts: alice 1000+1-100-50-30, bob ETH 100 and TOKEN 480, carol ETH 50 and TOKEN 7.
    expect(state.get(state.slotOf(alice.address, ETH)!)).toMatchObject({ balance: 821n, nonce: 3n });
    expect(state.get(state.slotOf(bob.address, TOKEN)!)).toMatchObject({ balance: 480n, nonce: 1n });
    expect(state.get(state.slotOf(carol.address, TOKEN)!)).toMatchObject({ balance: 7n });
  });

  it('gives proofs of exits and transactions against the header roots', () => {
    const { block2 } = buildChain();
    block2.exits.forEach((exit, i) => {
      expect(verifyMerkleProof(exitTreeLeaf(exit), i, exitProof(block2, i), block2.header.exitRoot, EXIT_TREE_DEPTH)).toBe(true);
    });
    expect(verifyMerkleProof(exitTreeLeaf(block2.exits[0]), 1, exitProof(block2, 0), block2.header.exitRoot, EXIT_TREE_DEPTH)).toBe(false);
    expect(() => exitProof(block2, 2)).toThrow(expect.objectContaining({ code: 'INVALID_MERKLE_INPUT' }));
    const leaf = txLeaf(block2.txs[3], block2.postRoots[3], txExitIndexes(block2.txs)[3]);
    expect(verifyMerkleProof(leaf, 3, txProof(block2, 3), block2.header.txRoot, TX_TREE_DEPTH)).toBe(true);
  });

  it('abort() returns the state to the parent, and a closed builder refuses more work', () => {
    const parent = new FakeParent();
    const state = new ChainState(CHAIN_ID);
    const builder = new BlockBuilder({ parent: null, state, ctx: blockContext(parent), timestamp: 1n });
    builder.addDeposit(parent.deposit(alice.address, ETH, 5n));
    expect(state.size).toBe(1);
    builder.abort();
    expect(state.root).toBe(EMPTY_STATE_ROOT);
    expect(state.checkpointDepth).toBe(0);
    expect(() => builder.seal()).toThrow(expect.objectContaining({ code: 'INVALID_BLOCK' }));
  });

  it('refuses to start from a state that is not the parent state', () => {
    const { ctx, state, block1 } = buildChain();
    const timestamp = 2_000n;
    expect(() => new BlockBuilder({ parent: block1.header, state, ctx, timestamp })).toThrow(expect.objectContaining({ code: 'STATE_ROOT_MISMATCH' }));
    expect(() => new BlockBuilder({ parent: null, state, ctx, timestamp })).toThrow(expect.objectContaining({ code: 'STATE_ROOT_MISMATCH' }));
    expect(() => new BlockBuilder({ parent: block1.header, state, ctx: { ...ctx, chainId: OTHER_CHAIN_ID }, timestamp })).toThrow(
      expect.objectContaining({ code: 'WRONG_CHAIN' }),
    );
    expect(() => new BlockBuilder({ parent: null, state: new ChainState(OTHER_CHAIN_ID), ctx, timestamp })).toThrow(
      expect.objectContaining({ code: 'WRONG_CHAIN' }),
    );
  });

  it('takes its timestamp at the start, never before the parent one', () => {
    const { ctx, state, block2 } = buildChain();
    expect(() => new BlockBuilder({ parent: block2.header, state, ctx, timestamp: 1_011n })).toThrow(
      expect.objectContaining({ code: 'INVALID_BLOCK', data: expect.objectContaining({ reason: 'WRONG_TIMESTAMP' }) }),
    );
    const same = new BlockBuilder({ parent: block2.header, state, ctx, timestamp: 1_012n });
    expect(same.timestamp).toBe(1_012n);
    expect(same.seal().header.timestamp).toBe(1_012n);
  });

  it('seals an empty block', () => {
    const state = new ChainState(CHAIN_ID);
    const block = new BlockBuilder({ parent: null, state, ctx: blockContext(new FakeParent()), timestamp: 5n }).seal();
    expect(block.header.stateRoot).toBe(EMPTY_STATE_ROOT);
    expect(block.header.txRoot).toBe(bytesToHex(zeroHashes(TX_TREE_DEPTH)[TX_TREE_DEPTH]));
    verifyBlock(block, null, new ChainState(CHAIN_ID), blockContext(new FakeParent()));
  });
});

describe('verifyBlock', () => {
  it('re-executes valid blocks and ends at the same state', () => {
    const { ctx, state, block1, block2 } = buildChain();
    const watcher = new ChainState(CHAIN_ID);
    verifyBlock(block1, null, watcher, ctx);
    verifyBlock(block2, block1.header, watcher, ctx);
    expect(watcher.root).toBe(state.root);
    expect([...watcher.accounts.entries()]).toEqual([...state.accounts.entries()]);
  });

  it('survives a JSON round trip', () => {
    const { ctx, block1, block2 } = buildChain();
    const watcher = new ChainState(CHAIN_ID);
    for (const [block, parentHeader] of [[block1, null], [block2, block1.header]] as const) {
      const decoded = blockFromJson(JSON.parse(JSON.stringify(blockToJson(block))));
      expect(decoded).toEqual(block);
      verifyBlock(decoded, parentHeader, watcher, ctx);
    }
  });

  it('dryRun checks without advancing the state', () => {
    const { ctx, block1 } = buildChain();
    const watcher = new ChainState(CHAIN_ID);
    verifyBlock(block1, null, watcher, ctx, { dryRun: true });
    expect(watcher.root).toBe(EMPTY_STATE_ROOT);
  });

  function expectInvalid(block: Block, reason: InvalidBlockData['reason'], extra: Partial<InvalidBlockData> = {}) {
    const { ctx, block1 } = buildChain();
    const watcher = new ChainState(CHAIN_ID);
    verifyBlock(block1, null, watcher, ctx);
    const before = watcher.root;
    let error: unknown;
    try {
      verifyBlock(block, block1.header, watcher, ctx);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PlasmaError);
    expect((error as PlasmaError).code).toBe('INVALID_BLOCK');
    expect((error as PlasmaError<string, InvalidBlockData>).data).toMatchObject({ reason, blockNumber: String(block.header.number), ...extra });
    expect(watcher.root).toBe(before);
    expect(watcher.checkpointDepth).toBe(0);
  }

  it('catches a tampered post-state root', () => {
    const { block2 } = buildChain();
    const postRoots = block2.postRoots.slice();
    postRoots[2] = `0x${'12'.repeat(32)}`;
    expectInvalid({ ...block2, postRoots }, 'POST_ROOT_MISMATCH', { txIndex: 2 });
  });

  it('catches a tampered state root (with a consistent hash)', () => {
    const { block2 } = buildChain();
    expectInvalid(withHeader(block2, { stateRoot: block2.postRoots[3] }), 'STATE_ROOT_MISMATCH');
  });

  it('catches tampered exits', () => {
    const { block2 } = buildChain();
    const exits = block2.exits.map((e) => ({ ...e }) as Exit);
    exits[1].amount += 1n;
    expectInvalid({ ...block2, exits }, 'EXIT_MISMATCH');
    expectInvalid({ ...block2, exits: exits.slice(0, 1) }, 'EXIT_MISMATCH');
    const swapped = [block2.exits[1], block2.exits[0]];
    expectInvalid({ ...block2, exits: swapped }, 'EXIT_MISMATCH');
    expectInvalid(withHeader(block2, { exitRoot: block2.header.txRoot }), 'EXIT_ROOT_MISMATCH');
  });

  it('catches a tampered transaction, tx root, deposit nonce, number, parent and hash', () => {
    const { block2 } = buildChain();
    const txs = block2.txs.slice();
    txs[1] = { ...txs[1], amount: 101n };
    expectInvalid({ ...block2, txs }, 'INVALID_TX', { txIndex: 1, code: 'BAD_SIGNATURE' });
    expectInvalid({ ...block2, txs: [...block2.txs, block2.txs[1]], postRoots: [...block2.postRoots, block2.postRoots[1]] }, 'INVALID_TX', {
      txIndex: 5,
      code: 'NONCE_MISMATCH',
    });
    expectInvalid(withHeader(block2, { txRoot: block2.header.exitRoot }), 'TX_ROOT_MISMATCH');
    // The header's depositNonce fixes how many txs open the block with the down stream (docs/FRAUD.md §3).
    expectInvalid(withHeader(block2, { depositNonce: 2n }), 'DEPOSIT_NONCE_MISMATCH');
    expectInvalid(withHeader(block2, { depositNonce: 3n }), 'DOWN_STREAM_NOT_FIRST', { txIndex: 0 });
    expectInvalid(withHeader(block2, { depositNonce: 5n }), 'MISSING_DOWN_EVENT', { txIndex: 1 });
    expectInvalid(withHeader(block2, { number: 3n }), 'WRONG_NUMBER');
    expectInvalid(withHeader(block2, { parentHash: ZERO_BYTES32 }), 'WRONG_PARENT');
    expectInvalid(withHeader(block2, { timestamp: 999n }), 'WRONG_TIMESTAMP');
    expectInvalid(withHeader(block2, { chainId: OTHER_CHAIN_ID }), 'WRONG_CHAIN');
    expectInvalid({ ...block2, hash: block2.header.txRoot }, 'HASH_MISMATCH');
    expectInvalid({ ...block2, postRoots: block2.postRoots.slice(1) }, 'TRACE_LENGTH_MISMATCH');
  });

  it('a deposit not yet known on the parent is DEPOSIT_UNKNOWN, not fraud', () => {
    const { ctx, block1 } = buildChain();
    const unsynced = { ...ctx, depositRecord: () => undefined };
    expect(() => verifyBlock(block1, null, new ChainState(CHAIN_ID), unsynced)).toThrow(expect.objectContaining({ code: 'DEPOSIT_UNKNOWN' }));
  });

  it('refuses to verify on a state that is not the parent state', () => {
    const { ctx, block2 } = buildChain();
    expect(() => verifyBlock(block2, null, new ChainState(CHAIN_ID), ctx)).toThrow(expect.objectContaining({ code: 'INVALID_BLOCK' }));
    const { block1 } = buildChain();
    expect(() => verifyBlock(block2, block1.header, new ChainState(CHAIN_ID), ctx)).toThrow(expect.objectContaining({ code: 'STATE_ROOT_MISMATCH' }));
  });
});
