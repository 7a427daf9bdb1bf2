/**
 * Importing a peer's block (blockImport.ts): a second node replays the blocks a producer sealed and ends with the
 * same store (state root, receipt hashes recomputed by `blockTxHash` equal to the producer's), while a tampered
 * block, a deposit this node has not seen and a block that does not follow the head are refused without changing
 * anything.
 */
import { afterEach, beforeEach, expect, it } from 'vitest';
import { isPlasmaError, type Block, type Hex } from '@plasma-tree/core';
import { DOWN_EVENT_GRACE_MS, checkBlock, checkDownStream, importBlock } from '../src/blockImport.js';
import { toValidatorKeys } from '../src/l1/signatureCollector.js';
import { Mempool, SignaturePool, createNodeMetrics, silentLogger } from '../src/index.js';
import { BlockProducer } from '../src/producer.js';
import { BlockImporter } from '../src/net/blockImporter.js';
import { encodeStoredBlock } from '../src/db/codec.js';
import { FakeDeposits, User, localChain, tempDir } from './helpers.js';

const validator = toValidatorKeys([`0x${'a1'.repeat(32)}` as Hex]);
let dirs: Awaited<ReturnType<typeof tempDir>>[];
let pool: SignaturePool;
beforeEach(async () => {
  dirs = [await tempDir(), await tempDir()];
  pool = await SignaturePool.start(0, silentLogger);
});
afterEach(async () => {
  await pool.close();
  for (const dir of dirs) await dir.remove();
});

async function refusal(run: () => unknown): Promise<string> {
  try {
    await run();
  } catch (e) {
    if (isPlasmaError(e)) return e.code;
    throw e;
  }
  throw new Error('expected a refusal');
}

it('replays a producer\'s blocks to the same store, and refuses tampered, unknown-deposit and out-of-order blocks', async () => {
  const producing = await localChain(dirs[0].path, [validator[0].address]);
  const importing = await localChain(dirs[1].path, [validator[0].address]);
  const metrics = createNodeMetrics();
  const mempool = new Mempool({ chainId: producing.params.chainId, domain: producing.domain, account: (slot) => producing.state.get(slot), recoverSigners: (items) => pool.recover(items), metrics }, { maxTxs: 100 });
  const deposits = new FakeDeposits(producing.params.chainId);
  const producer = new BlockProducer({ chain: producing, mempool, deposits, validatorKeys: validator, logger: silentLogger, metrics }, { blockTimeMs: 1000, maxBlockTxs: 100 });
  const user = () => new User(producing.params.chainId, producing.params.l1ChainId, producing.params.rootContract);
  const alice = user();
  const bob = user();

  deposits.add(alice.address, 100n);
  deposits.add(bob.address, 7n);
  const blocks: Block[] = [(await producer.produce())!];
  await mempool.submit([alice.transfer(0, bob.address, 30n, 0n), alice.withdraw(0, alice.address, 5n, 1n)]);
  blocks.push((await producer.produce())!);
  const record = (nonce: bigint) => deposits.record(nonce);

  // Block 2 before block 1: it does not follow the head.
  expect(await refusal(() => importBlock(importing, blocks[1], [], record))).toBe('BLOCK_NOT_NEXT');
  // Deposits this node's view of the parent does not hold yet: retryable, nothing applied.
  expect(await refusal(() => checkBlock(importing, blocks[0], () => undefined))).toBe('DEPOSIT_UNKNOWN');
  // A block whose header does not match its transactions.
  const lying = { ...blocks[0], header: { ...blocks[0].header, depositNonce: 1n } };
  expect(await refusal(() => importBlock(importing, lying, [], record))).toBe('INVALID_BLOCK');
  expect(importing.head.number).toBe(0);
  expect(importing.state.checkpointDepth).toBe(0);

  for (const block of blocks) {
    const hashes = await importBlock(importing, block, [], record);
    expect(hashes).toEqual((await producing.store.getBlock(Number(block.header.number)))!.txHashes);
  }
  expect(importing.head).toEqual(producing.head);
  expect(importing.state.root).toBe(producing.state.root);

  // A transfer inflated after signing: the STF refuses it at its index.
  await mempool.submit([alice.transfer(0, bob.address, 1n, 2n)]);
  const next = (await producer.produce())!;
  const inflated = { ...next, txs: next.txs.map((tx) => ({ ...tx, amount: 60n })) };
  expect(await refusal(() => importBlock(importing, inflated, [], record))).toBe('INVALID_BLOCK');
  expect(importing.state.root).toBe(blocks[1].header.stateRoot);
  // Checked once (its signatures remembered), the block's tx with another signature is still recovered and refused.
  checkBlock(importing, next, record);
  const resigned = { ...next, txs: next.txs.map((tx) => ({ ...tx, s: `0x${'11'.repeat(32)}` as Hex })) };
  const why = await (async () => {
    try {
      await importBlock(importing, resigned, [], record);
    } catch (e) {
      return isPlasmaError(e) ? (e.data as { reason?: string }).reason : String(e);
    }
    return 'imported';
  })();
  expect(why).not.toBe('imported');
  expect(why).not.toBe('HEADER_MISMATCH'); // the STF refused the transaction, before the header was compared
  expect(importing.state.root).toBe(blocks[1].header.stateRoot);
  await importBlock(importing, next, [], record);
  expect(importing.state.root).toBe(producing.state.root);

  // A certificate's genuine seals on altered block bytes: refused before anything would relay or replay it.
  const importer = new BlockImporter({ chain: importing, deposits, mempool, logger: silentLogger, metrics });
  const stored = (await producing.store.getBlock(Number(next.header.number)))!;
  const seals = await producing.store.getSignatures(Number(next.header.number));
  const cert = { height: next.header.number, blockHash: next.hash, block: encodeStoredBlock(stored), seals };
  expect(importer.verify(cert).hash).toBe(next.hash);
  const altered = encodeStoredBlock({ ...stored, block: { ...stored.block, header: { ...stored.block.header, timestamp: stored.block.header.timestamp + 1n } } });
  expect(await refusal(() => importer.verify({ ...cert, block: altered }))).toBe('INVALID_BLOCK');

  await producing.store.close();
  await importing.store.close();
});

it('refuses a proposal that leaves out a down event this validator has seen confirmed for longer than the grace', async () => {
  const chain = await localChain(dirs[0].path, [validator[0].address]);
  const metrics = createNodeMetrics();
  const mempool = new Mempool({ chainId: chain.params.chainId, domain: chain.domain, account: (slot) => chain.state.get(slot), recoverSigners: (items) => pool.recover(items), metrics }, { maxTxs: 100 });
  const deposits = new FakeDeposits(chain.params.chainId);
  const producer = new BlockProducer({ chain, mempool, deposits, validatorKeys: validator, logger: silentLogger, metrics }, { blockTimeMs: 1000, maxBlockTxs: 100 });
  const alice = new User(chain.params.chainId, chain.params.l1ChainId, chain.params.rootContract);
  deposits.add(alice.address, 100n);
  const block1 = (await producer.produce())!; // applies deposit 1: its header's depositNonce is 1
  expect(block1.header.depositNonce).toBe(1n);
  const now = 1_000_000;
  const seen = (at: number | undefined) => (nonce: bigint) => (nonce === 2n ? at : undefined);
  // Nothing after it confirmed here, or deposit 2 confirmed within the grace: the proposer may not have it yet.
  expect(() => checkDownStream(block1, seen(undefined), now)).not.toThrow();
  expect(() => checkDownStream(block1, seen(now - DOWN_EVENT_GRACE_MS), now)).not.toThrow();
  // Past the grace: a block that skips it is what SkippedDeposit convicts once late; an honest validator never signs it.
  let error: unknown;
  try {
    checkDownStream(block1, seen(now - DOWN_EVENT_GRACE_MS - 1), now);
  } catch (e) {
    error = e;
  }
  expect(isPlasmaError(error, 'INVALID_BLOCK')).toBe(true);
  expect((error as { data: { reason: string } }).data.reason).toBe('SKIPS_DOWN_EVENT');
});

it('refuses a peer\'s block with a data chunk over this chain\'s budget (CHUNK_OVER_BUDGET), nothing applied', async () => {
  // The producer runs as a child of the root (120 KiB a chunk), the importer knows the chain is at depth 45 (2,176
  // bytes: four deposits): a block of five deposits could not be published there on a data challenge.
  const producing = await localChain(dirs[0].path, [validator[0].address]);
  const importing = await localChain(dirs[1].path, [validator[0].address], undefined, 45);
  expect([producing.chunkBudget, importing.chunkBudget]).toEqual([120 * 1024, 2_176]);
  const metrics = createNodeMetrics();
  const mempool = new Mempool({ chainId: producing.params.chainId, domain: producing.domain, account: (slot) => producing.state.get(slot), recoverSigners: (items) => pool.recover(items), metrics }, { maxTxs: 100 });
  const deposits = new FakeDeposits(producing.params.chainId);
  const producer = new BlockProducer({ chain: producing, mempool, deposits, validatorKeys: validator, logger: silentLogger, metrics }, { blockTimeMs: 1000, maxBlockTxs: 100 });
  const user = () => new User(producing.params.chainId, producing.params.l1ChainId, producing.params.rootContract);
  const record = (nonce: bigint) => deposits.record(nonce);
  for (let i = 0; i < 4; i++) deposits.add(user().address, 1n);
  const fits = (await producer.produce())!;
  await importBlock(importing, fits, [], record);
  for (let i = 0; i < 5; i++) deposits.add(user().address, 1n);
  const over = (await producer.produce())!;
  expect(over.txs).toHaveLength(5);
  const error = await (async () => {
    try {
      await importBlock(importing, over, [], record);
    } catch (e) {
      return e;
    }
  })();
  expect(isPlasmaError(error, 'INVALID_BLOCK')).toBe(true);
  expect((error as { data: unknown }).data).toMatchObject({ reason: 'CHUNK_OVER_BUDGET', txIndex: 4 });
  expect(importing.head.number).toBe(1);
  expect(importing.state.root).toBe(fits.header.stateRoot);
  expect(importing.state.checkpointDepth).toBe(0);
  await producing.store.close();
  await importing.store.close();
});
