/** BlockProducer, ChainStore and Chain.load without an L1: blocks, atomic persistence, restart checks. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Wallet } from 'ethers';
import { TxKind, ZERO_BYTES32, chunkByteBudget, chunkSizes, commitmentDigest, isPlasmaError, publicationSize, secp256k1Scheme, type Account, type Address, type Hex, type SignedTx } from '@plasma-tree/core';
import { Chain } from '../src/chain.js';
import { toValidatorKeys } from '../src/l1/signatureCollector.js';
import { ChainStore, Mempool, SignaturePool, createNodeMetrics, silentLogger } from '../src/index.js';
import { BlockProducer } from '../src/producer.js';
import { createRpcMethods } from '../src/rpc/methods.js';
import { note as noteFn, registry } from './fixtures/edges.js';
import { ETH, FakeDeposits, User, localChain, signTx, tempDir } from './helpers.js';

const VALIDATOR_KEY = `0x${'a1'.repeat(32)}` as Hex;
const validator = toValidatorKeys([VALIDATOR_KEY]);

let dir: Awaited<ReturnType<typeof tempDir>>;
let pool: SignaturePool;
beforeEach(async () => {
  dir = await tempDir();
  pool = await SignaturePool.start(0, silentLogger);
});
afterEach(async () => {
  await pool.close();
  await dir.remove();
});

/** A producer over a fresh local chain; `account` overrides what the mempool believes the state is. */
function setup(chain: Chain, account?: (slot: number) => Readonly<Account> | undefined) {
  const metrics = createNodeMetrics();
  const mempool = new Mempool(
    { chainId: chain.params.chainId, domain: chain.domain, account: account ?? ((slot) => chain.state.get(slot)), recoverSigners: (items) => pool.recover(items), metrics },
    { maxTxs: 1000 },
  );
  const deposits = new FakeDeposits(chain.params.chainId);
  const producer = new BlockProducer({ chain, mempool, deposits, validatorKeys: validator, logger: silentLogger, metrics }, { blockTimeMs: 1000, maxBlockTxs: 100 });
  const user = () => new User(chain.params.chainId, chain.params.l1ChainId, chain.params.rootContract);
  return { mempool, deposits, producer, metrics, user };
}

describe('BlockProducer', () => {
  it('applies deposits first, in nonce order, then transactions in arrival order, and persists it all', async () => {
    const chain = await localChain(dir.path, [validator[0].address]);
    const { mempool, deposits, producer, user } = setup(chain);
    const alice = user();
    const bob = user();
    deposits.add(alice.address, 100n);
    await producer.produce();
    deposits.add(bob.address, 5n);
    const [sent] = await mempool.submit([alice.transfer(0, bob.address, 30n, 0n)]);
    const block = (await producer.produce())!;

    expect(block.txs.map((tx) => [tx.kind, tx.nonce])).toEqual([[TxKind.Deposit, 2n], [TxKind.Transfer, 0n]]);
    expect(block.header).toMatchObject({ number: 2n, depositNonce: 2n, stateRoot: chain.state.root });
    expect(chain.head).toEqual({ number: 2, hash: block.hash });
    expect(mempool.size).toBe(0);
    expect(await chain.store.getTxLocation((sent as { hash: Hex }).hash)).toEqual({ blockNumber: 2, index: 1, exitIndex: null });

    // The commitment is signed with the validator key.
    const [signature] = await chain.store.getSignatures(2);
    expect(secp256k1Scheme.recover(commitmentDigest(chain.domain, chain.params.chainId, 2n, block.hash), signature)).toBe(validator[0].address);

    // Reopened, the store yields the same state, checked against the head's stateRoot.
    await chain.store.close();
    const reopened = await localChain(dir.path);
    expect(reopened.head).toEqual(chain.head);
    expect(reopened.state.root).toBe(block.header.stateRoot);
    expect(reopened.state.get(1)).toEqual({ owner: bob.address, token: ETH, balance: 35n, nonce: 0n });
    expect((await reopened.store.getBlockByHash(block.hash))?.block).toEqual(block);
    await reopened.store.close();
  });

  it('drops a transaction that fails at block time, with a rejected receipt', async () => {
    const chain = await localChain(dir.path);
    // The mempool believes alice holds more than she does, so it admits what the STF will refuse.
    const { mempool, deposits, producer, metrics, user } = setup(chain, (slot) => {
      const real = chain.state.get(slot);
      return real && { ...real, balance: real.balance + 1000n };
    });
    const alice = user();
    const bob = user();
    deposits.add(alice.address, 10n);
    await producer.produce();

    const results = await mempool.submit([alice.transfer(0, bob.address, 5n, 0n), alice.transfer(0, bob.address, 50n, 1n), alice.transfer(0, bob.address, 1n, 2n)]);
    const [ok, overspend, afterGap] = results.map((r) => (r as { hash: Hex }).hash);
    const block = (await producer.produce())!;
    expect(block.txs).toHaveLength(1);

    const rpc = createRpcMethods({ chain, mempool });
    expect(await rpc.pt_getReceipt([ok])).toMatchObject({ status: 'included', blockNumber: 2, index: 0 });
    expect(await rpc.pt_getReceipt([overspend])).toMatchObject({ status: 'rejected', blockNumber: null, reason: 'INSUFFICIENT_BALANCE' });
    // Its successor now has a nonce gap: dropped too, and nothing is left counted as pending.
    expect(await rpc.pt_getReceipt([afterGap])).toMatchObject({ status: 'rejected', reason: 'NONCE_MISMATCH' });
    expect(mempool.pendingNonce(0)).toBe(1n);
    expect([metrics.txsDropped.get('INSUFFICIENT_BALANCE'), metrics.txsDropped.get('NONCE_MISMATCH'), metrics.blocks.get()]).toEqual([1, 1, 2]);

    // A block attempt where every transaction fails seals nothing but still records the rejections.
    const [again] = await mempool.submit([alice.transfer(0, bob.address, 500n, 1n)]);
    expect(await producer.produce()).toBeUndefined();
    expect(chain.head.number).toBe(2);
    expect(await rpc.pt_getReceipt([(again as { hash: Hex }).hash])).toMatchObject({ status: 'rejected', reason: 'INSUFFICIENT_BALANCE' });
    await chain.store.close();
  });
});

describe('BlockProducer and the chunk budget (docs/LEDGER-PROOFS.md "A size rule for block data")', () => {
  const note = (from: User, payload: Hex, nonce: bigint, slot = 0): SignedTx =>
    signTx(from, { kind: TxKind.EdgeSend, chainId: from.chainId, slot, fn: noteFn.fn, child: ZERO_BYTES32, payload, nonce });

  it('ends the block when the next tx would pass its chunk\'s budget: that tx and those after it wait in the mempool for the next block', async () => {
    // Depth 42: a chunk holds 65,536 − 41 · 1,440 = 6,496 bytes; a note of 4,000 bytes takes 4,864 with its effect.
    const chain = await localChain(dir.path, [validator[0].address], registry, 42);
    expect([chain.depth, chain.chunkBudget, chain.blockContext().chunkBudget]).toEqual([42, chunkByteBudget(42), 6_496]);
    const { mempool, deposits, producer, metrics, user } = setup(chain);
    const alice = user();
    const bob = user();
    deposits.add(alice.address, 100n);
    await producer.produce();

    const sent = await mempool.submit([
      note(alice, `0x${'11'.repeat(4_000)}`, 0n),
      alice.transfer(0, bob.address, 1n, 1n),
      note(alice, `0x${'22'.repeat(4_000)}`, 2n), // does not fit the rest of chunk 0
      alice.transfer(0, bob.address, 1n, 3n),
    ]);
    const hashes = sent.map((r) => (r as { hash: Hex }).hash);
    const block2 = (await producer.produce())!;
    expect(block2.txs.map((tx) => [tx.kind, tx.nonce])).toEqual([[TxKind.EdgeSend, 0n], [TxKind.Transfer, 1n]]);
    expect(publicationSize(block2.txs[0])).toBe(4_864);
    expect(chunkSizes(block2.txs)).toEqual([4_864 + 512]);
    // Still pending, in order, their nonces still counted; nothing dropped.
    expect(mempool.queued).toBe(2);
    expect(mempool.pendingNonce(0)).toBe(4n);
    const rpc = createRpcMethods({ chain, mempool });
    expect(await rpc.pt_getReceipt([hashes[2]])).toMatchObject({ status: 'pending' });
    expect(metrics.txsDropped.get('CHUNK_FULL')).toBe(0);
    expect(await rpc.pt_chainInfo([])).toMatchObject({ depth: 42, chunkBudget: 6_496 });

    const block3 = (await producer.produce())!;
    expect(block3.txs.map((tx) => [tx.kind, tx.nonce])).toEqual([[TxKind.EdgeSend, 2n], [TxKind.Transfer, 3n]]);
    expect(mempool.size).toBe(0);
    expect(await rpc.pt_getReceipt([hashes[2]])).toMatchObject({ status: 'included', blockNumber: 3, index: 0 });
    expect(await rpc.pt_getReceipt([hashes[3]])).toMatchObject({ status: 'included', blockNumber: 3, index: 1 });
    expect(chain.state.get(1)).toMatchObject({ owner: bob.address, balance: 2n });
    await chain.store.close();
  });

  it('drops a tx over the budget on its own (TX_TOO_LARGE) as it drops other invalid txs; a proposal stops at a full chunk too', async () => {
    // Depth 45 (the deepest): 2,176 bytes a chunk, four plain transfers.
    const chain = await localChain(dir.path, [validator[0].address], registry, 45);
    const { mempool, deposits, producer, metrics, user } = setup(chain);
    const alice = user();
    const bob = user();
    const carol = user();
    deposits.add(alice.address, 100n);
    deposits.add(bob.address, 100n);
    await producer.produce();

    const [big] = await mempool.submit([note(bob, `0x${'33'.repeat(2_000)}`, 0n, 1)]);
    expect(big).toHaveProperty('hash');
    await mempool.submit(Array.from({ length: 6 }, (_, i) => alice.transfer(0, carol.address, 1n, BigInt(i))));
    const block2 = (await producer.produce())!;
    expect(block2.txs.map((tx) => [tx.kind, tx.nonce])).toEqual([0n, 1n, 2n, 3n].map((n) => [TxKind.Transfer, n]));
    const rpc = createRpcMethods({ chain, mempool });
    expect(await rpc.pt_getReceipt([(big as { hash: Hex }).hash])).toMatchObject({ status: 'rejected', reason: 'TX_TOO_LARGE' });
    expect(metrics.txsDropped.get('TX_TOO_LARGE')).toBe(1);
    expect(mempool.queued).toBe(2);

    // A validator's proposal (a dry build) stops at the chunk's end too, and leaves the mempool as it was.
    await mempool.submit(Array.from({ length: 4 }, (_, i) => alice.transfer(0, carol.address, 1n, BigInt(6 + i))));
    const proposal = (await producer.propose())!;
    expect(proposal.txs.map((tx) => tx.nonce)).toEqual([4n, 5n, 6n, 7n]);
    expect(mempool.queued).toBe(6);
    expect((await producer.produce())!.txs.map((tx) => tx.nonce)).toEqual([4n, 5n, 6n, 7n]);
    expect((await producer.produce())!.txs.map((tx) => tx.nonce)).toEqual([8n, 9n]);
    expect(mempool.size).toBe(0);
    await chain.store.close();
  });
});

describe('ChainStore', () => {
  it('refuses a database that another process holds open', async () => {
    const chain = await localChain(dir.path);
    const error = await ChainStore.open(dir.path, { chainId: chain.params.chainId, rootContract: chain.params.rootContract }).catch((e: unknown) => e);
    expect(isPlasmaError(error, 'STORE_UNAVAILABLE')).toBe(true);
    expect((error as Error).message).toMatch(/in use by another process/);
    await chain.store.close();
  });

  it('refuses a database written for another chain', async () => {
    const chain = await localChain(dir.path);
    await chain.store.close();
    const error = await ChainStore.open(dir.path, { chainId: `0x${'c2'.repeat(32)}`, rootContract: chain.params.rootContract }).catch((e: unknown) => e);
    expect(isPlasmaError(error, 'STORE_MISMATCH')).toBe(true);
  });

  it('refuses to start from accounts that do not hash to the head stateRoot', async () => {
    const chain = await localChain(dir.path);
    const { deposits, producer } = setup(chain);
    const alice = Wallet.createRandom().address.toLowerCase() as Address;
    deposits.add(alice, 10n);
    const block = (await producer.produce())!;
    // A block 2 claiming the same state root while writing a different balance.
    const header = { ...block.header, number: 2n, parentHash: block.hash };
    await chain.store.putBlock({
      stored: { block: { ...block, header, hash: `0x${'99'.repeat(32)}`, txs: [], postRoots: [], exits: [] }, txHashes: [] },
      accounts: [[0, { owner: alice, token: ETH, balance: 11n, nonce: 0n }]],
      signatures: [],
      rejected: [],
    });
    await chain.store.close();
    const error = await localChain(dir.path).catch((e: unknown) => e);
    expect(isPlasmaError(error, 'STORE_CORRUPT')).toBe(true);
    expect((error as Error).message).toMatch(/hash to .* but head block 2 has stateRoot/);
  });

  it('keeps commitments in order and rolls them back after an L1 reorg', async () => {
    const chain = await localChain(dir.path);
    const { deposits, producer } = setup(chain);
    for (let i = 0; i < 3; i++) {
      deposits.add(Wallet.createRandom().address.toLowerCase() as Address, 1n);
      await producer.produce();
    }
    const hashes = await Promise.all([1, 2, 3].map((n) => chain.store.getBlockHash(n)));
    for (const [i, hash] of hashes.entries()) await chain.store.putCommitment(i + 1, { blockHash: hash!, windowEnd: 100 + i, l1TxHash: hash! });
    await expect(chain.store.putCommitment(5, { blockHash: hashes[0]!, windowEnd: 1, l1TxHash: hashes[0]! })).rejects.toThrow(/does not follow/);
    await chain.store.rollbackCommitments(1);
    expect(chain.store.committed).toEqual({ number: 1, hash: hashes[0] });
    expect(await chain.store.getCommitment(2)).toBeUndefined();
    await chain.store.close();
    const reopened = await localChain(dir.path);
    expect(reopened.store.committed).toEqual({ number: 1, hash: hashes[0] });
    await reopened.store.close();
  });
});
