/**
 * Data-availability challenges at the root (docs/FRAUD.md §9) against a real Hardhat node: PlasmaRoot's module
 * PlasmaDataAvailability takes a challenge with its bond in the first half of a block's window, takes the block's
 * transactions chunk by chunk (core's blockDataChunks and encoders) and pays the bond to whoever completes them in time,
 * and has the root convict the block when nobody does: rollback, slash (half to the challenger), freeze, the challenger's
 * bond back; the escape hatch works after it. Every rule and error of the module is exercised.
 */
import * as core from '@plasma-tree/core';
import { Contract, Wallet, getCreateAddress, parseEther, type TransactionReceipt } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deployContract } from '../deploy.js';
import { ChildChain, type Hex } from '../fraud-scenario.js';
import { dataAvailabilityOf } from '../gas-da.js';
import { eventsOf, expectRevert, increaseTime, latestTimestamp, mined, setup, type Fixture } from './helpers.js';

const WINDOW = 1_000n; // challenges before windowEnd - 500; deadline = challenge + 250
const BOND = parseEther('1');
const DA_BOND = core.DATA_CHALLENGE_BOND;
const DEAD = '0x000000000000000000000000000000000000dEaD';
const ETH = core.NATIVE_TOKEN;
const { Open, Answered, Convicted, Lapsed } = core.DataChallengeStatus;

let f: Fixture;
let root: Contract;
let da: Contract;
let daAddress: string;
let alice: Wallet;
let bob: Wallet;
let challenger: Wallet;
let publisher: Wallet;
let resolver: Wallet;
let quorum: Wallet[];

const lower = (a: string): core.Address => a.toLowerCase() as core.Address;

beforeAll(async () => {
  f = await setup();
  root = f.root;
  [, alice, bob] = f.wallets;
  challenger = f.wallets[6];
  publisher = f.wallets[7];
  resolver = f.wallets[8];
  quorum = f.wallets.slice(10, 14);
  da = await dataAvailabilityOf(root, f.wallets[0]);
  daAddress = await da.getAddress();
}, 60_000);

afterAll(async () => {
  await f?.stop();
});

/** A new chain (3 of 4) with block 1 committed: deposits 1 (alice, 10 ETH) and 2 (bob, 5 ETH) in slots 0 and 1. */
async function fresh(stallLimit?: bigint): Promise<ChildChain> {
  const chain = await ChildChain.spawn({ root, provider: f.provider, validators: quorum, threshold: 3, window: WINDOW, bond: BOND, spawner: f.wallets[0], stallLimit });
  await chain.deposit(alice, alice.address, parseEther('10'));
  await chain.deposit(bob, bob.address, parseEther('5'));
  await chain.commit(chain.build(await latestTimestamp(f.provider), (b) => chain.pendingDeposits(b)));
  return chain;
}

/** `count` signed transfers of 1 wei from alice to bob, nonces from `first`. */
const transfers = (chain: ChildChain, count: number, first = 0) =>
  Array.from({ length: count }, (_, i) => chain.sign(alice, { kind: core.TxKind.Transfer, slot: 0, to: lower(bob.address), token: ETH, amount: 1n, nonce: BigInt(first + i) }));

/** Builds, applies and commits the next block holding `count` transfers; returns it with its windowEnd. */
async function nextBlock(chain: ChildChain, count: number, first = 0): Promise<{ block: core.Block; windowEnd: bigint }> {
  const block = chain.build(await latestTimestamp(f.provider), (b) => transfers(chain, count, first).forEach((t) => b.addSignedTx(t)));
  return { block, windowEnd: await chain.commit(block) };
}

/**
 * Commits a forged block after the chain's head, or after `parent` (never applied to the chain's state: the data nobody
 * will publish).
 */
async function forgedBlock(chain: ChildChain, parent?: core.Header): Promise<{ block: core.Block; windowEnd: bigint }> {
  const after = parent ? { number: parent.number + 1n, parentHash: core.hashHeader(parent) } : {};
  const block = chain.forge([], [], { ...after, timestamp: await latestTimestamp(f.provider), stateRoot: core.bytesToHex(core.keccak256(new TextEncoder().encode('withheld'))) });
  return { block, windowEnd: await chain.commit(block, { valid: false }) };
}

async function send(from: Wallet, data: Hex, value = 0n): Promise<TransactionReceipt> {
  const receipt = await (await from.sendTransaction({ to: daAddress, data, value })).wait();
  if (!receipt) throw new Error('no receipt');
  return receipt;
}

/** Sends with a fixed gas limit, so that the call is mined (at a timestamp set before) and its revert read back. */
async function sendMined(from: Wallet, data: Hex, value = 0n): Promise<TransactionReceipt> {
  const receipt = await (await from.sendTransaction({ to: daAddress, data, value, gasLimit: 1_000_000 })).wait();
  if (!receipt) throw new Error('no receipt');
  return receipt;
}

const challenge = (chain: ChildChain, header: core.Header, windowEnd: bigint, from = challenger, value = DA_BOND) =>
  send(from, core.encodeChallengeDataCall(chain.chainId, header, windowEnd), value);
const publish = (chain: ChildChain, block: core.Block, windowEnd: bigint, chunk: core.BlockDataChunk, from = publisher) =>
  send(from, core.encodePublishBlockDataCall(chain.chainId, block.header, windowEnd, chunk));
const publishExits = (chain: ChildChain, block: core.Block, windowEnd: bigint, chunk: core.ExitDataChunk, from = publisher) =>
  send(from, core.encodePublishExitDataCall(chain.chainId, block.header, windowEnd, chunk));
const resolve = (chain: ChildChain, header: core.Header, windowEnd: bigint, from = resolver) => {
  const prev = header.number === 1n ? null : chain.headers.get(header.number - 1n)!;
  return send(from, core.encodeResolveDataChallengeCall(chain.chainId, header, windowEnd, prev, chain.windowEnds.get(header.number - 1n) ?? 0n));
};
const gasCost = (r: TransactionReceipt) => r.gasUsed * r.gasPrice;
const balance = (a: string) => f.provider.getBalance(a);

async function challengeOf(chain: ChildChain, number: bigint) {
  const [who, deadline, status] = await da.challengeOf(chain.chainId, number);
  return { challenger: who as string, deadline: deadline as bigint, status: Number(status) };
}

describe('wiring', () => {
  it('PlasmaRoot creates the module in its constructor; only the module may convict for unavailable data', async () => {
    expect(daAddress).toBe(getCreateAddress({ from: f.rootAddress, nonce: 1 })); // the root's first creation
    expect(await da.root()).toBe(f.rootAddress);
    expect(await da.DATA_CHALLENGE_BOND()).toBe(DA_BOND);
    expect([await da.CHUNK_LEVEL(), await da.CHUNK_SIZE(), await da.CHUNK_COUNT()]).toEqual([
      BigInt(core.DATA_CHUNK_LEVEL), BigInt(core.DATA_CHUNK_SIZE), BigInt(core.DATA_CHUNK_COUNT),
    ]);
    const chain = await fresh();
    await expect(root.convictUnavailable.staticCall(chain.chainId, 1n, 0n, 0n, alice.address)).rejects.toThrow();
    await expect(mined((root.connect(alice) as Contract).convictUnavailable(chain.chainId, 1n, 0n, 0n, alice.address, { gasLimit: 200_000 }))).rejects.toThrow();
    expect((await root.chainStatus(chain.chainId))[0]).toBe(0n);
  });
});

describe('challengeData', () => {
  it('takes exactly the bond, for a committed block at most the head of a live chain', async () => {
    const chain = await fresh();
    const { block, windowEnd } = await nextBlock(chain, 1);
    const h = block.header;
    await expectRevert(challenge(chain, h, windowEnd, challenger, 0n), 'WrongBond', [0n, DA_BOND]);
    await expectRevert(challenge(chain, h, windowEnd, challenger, DA_BOND + 1n), 'WrongBond', [DA_BOND + 1n, DA_BOND]);
    const unknown = core.chainIdOf(core.ROOT_CHAIN_ID, 999n);
    await expectRevert(send(challenger, core.encodeChallengeDataCall(unknown, h, windowEnd), DA_BOND), 'UnknownChain', [unknown]);
    await expectRevert(challenge(chain, h, windowEnd + 1n), 'UnknownCommitment', [chain.chainId, 2n]);
    await expectRevert(challenge(chain, { ...h, stateRoot: core.ZERO_BYTES32 }, windowEnd), 'UnknownCommitment', [chain.chainId, 2n]);
    await expectRevert(challenge(chain, { ...h, number: 0n }, windowEnd), 'UnknownCommitment', [chain.chainId, 0n]);
    await expectRevert(challenge(chain, { ...h, number: 3n }, windowEnd), 'UnknownCommitment', [chain.chainId, 3n]); // above the head

    const before = await balance(daAddress);
    const receipt = await challenge(chain, h, windowEnd);
    const ts = BigInt((await f.provider.getBlock(receipt.blockNumber))!.timestamp);
    const [event] = eventsOf(da, receipt as never, 'DataChallenged');
    expect([event.chainId, event.number, event.challenger, event.deadline]).toEqual([chain.chainId, 2n, challenger.address, ts + WINDOW / 4n]);
    expect(await challengeOf(chain, 2n)).toEqual({ challenger: challenger.address, deadline: ts + WINDOW / 4n, status: Open });
    expect((await balance(daAddress)) - before).toBe(DA_BOND);
    // one challenge per block
    await expectRevert(challenge(chain, h, windowEnd, publisher), 'AlreadyChallenged', [chain.chainId, 2n, challenger.address]);
  });

  it('only in the first half of the block\'s window', async () => {
    const chain = await fresh();
    const a = await nextBlock(chain, 1);
    const b = await nextBlock(chain, 1, 1);
    const lastA = a.windowEnd - WINDOW / 2n - 1n; // challengeBefore - 1
    await f.provider.send('evm_setNextBlockTimestamp', [Number(lastA)]);
    await sendMined(challenger, core.encodeChallengeDataCall(chain.chainId, a.block.header, a.windowEnd), DA_BOND);
    expect((await challengeOf(chain, 2n)).status).toBe(Open);
    const cutoff = b.windowEnd - WINDOW / 2n;
    await f.provider.send('evm_setNextBlockTimestamp', [Number(cutoff)]);
    await expectRevert(sendMined(challenger, core.encodeChallengeDataCall(chain.chainId, b.block.header, b.windowEnd), DA_BOND), 'TooLateToChallenge', [cutoff, cutoff]);
    expect((await challengeOf(chain, 3n)).status).toBe(0);
  });

  it('is refused on a frozen chain', async () => {
    const chain = await fresh(WINDOW); // stall limit = window
    await increaseTime(f.provider, WINDOW + 1n);
    await mined(root.freezeStalled(chain.chainId));
    await expectRevert(challenge(chain, chain.head!, chain.windowEnds.get(1n)!), 'ChainIsFrozen', [chain.chainId, 2n]);
  });
});

describe('publishBlockData', () => {
  it('takes a block of 130 transfers as chunks 0, 1, 2 in order, each proven against txRoot; readers decode the calldata', async () => {
    const chain = await fresh();
    const { block, windowEnd } = await nextBlock(chain, 130);
    const chunks = core.blockDataChunks(block);
    expect(chunks.map((c) => [c.chunk, c.txs.length, c.complete])).toEqual([[0, 64, false], [1, 64, false], [2, 2, true]]);
    const id = [chain.chainId, 2n] as const;

    await expectRevert(publish(chain, block, windowEnd, chunks[1]), 'ChunkOutOfOrder', [1n, 0n]);
    await expectRevert(publish(chain, block, windowEnd, { ...chunks[0], proof: chunks[1].proof }), 'InvalidChunkProof', [...id, 0n]);
    const tampered = { ...chunks[0], txs: chunks[0].txs.map((p, i) => (i === 5 ? { ...p, tx: { ...p.tx, amount: 2n } } : p)) };
    await expectRevert(publish(chain, block, windowEnd, tampered), 'InvalidChunkProof', [...id, 0n]);
    const wrongExitIndex = { ...chunks[0], txs: chunks[0].txs.map((p, i) => (i === 5 ? { ...p, exitIndex: 1 } : p)) };
    await expectRevert(publish(chain, block, windowEnd, wrongExitIndex), 'InvalidChunkProof', [...id, 0n]);
    await expectRevert(publish(chain, block, windowEnd, { ...chunks[0], proof: chunks[0].proof.slice(1) }), 'BadProofLength', [9n, 10n]);
    await expectRevert(publish(chain, block, windowEnd, { ...chunks[0], txs: [...chunks[0].txs, chunks[1].txs[0]] }), 'TooManyTxs', [65n, 64n]);
    await expectRevert(publish(chain, block, windowEnd + 1n, chunks[0]), 'UnknownCommitment', [...id]);

    const receipts: TransactionReceipt[] = [];
    for (const c of chunks) {
      const r = await publish(chain, block, windowEnd, c);
      const [event] = eventsOf(da, r as never, 'BlockDataPublished');
      expect([event.chainId, event.number, event.chunk, event.complete]).toEqual([...id, BigInt(c.chunk), c.complete]);
      expect(await da.publication(...id)).toEqual(c.complete ? [2n, true] : [BigInt(c.chunk + 1), false]);
      receipts.push(r);
    }
    // The transactions alone are not the block's data: its exit tree is published too (here: no exits, one empty chunk).
    expect(await da.isPublished(...id)).toBe(false);
    const [exits] = core.blockExitChunks(block);
    expect([exits.chunk, exits.leaves.length, exits.complete]).toEqual([0, 0, true]);
    const exitReceipt = await publishExits(chain, block, windowEnd, exits);
    expect(eventsOf(da, exitReceipt as never, 'ExitDataPublished').map((e) => [e.chunk, e.complete])).toEqual([[0n, true]]);
    expect(await da.exitPublication(...id)).toEqual([256n, true]);
    expect(await da.isPublished(...id)).toBe(true);
    await expectRevert(publish(chain, block, windowEnd, chunks[2]), 'DataAlreadyPublished', [...id]);
    await expectRevert(publishExits(chain, block, windowEnd, exits), 'ExitDataAlreadyPublished', [...id]);
    await expectRevert(challenge(chain, block.header, windowEnd), 'DataAlreadyPublished', [...id]);
    console.log(`publishBlockData gas: full chunk of 64 transfers ${receipts[0].gasUsed}, last chunk of 2 ${receipts[2].gasUsed}`);

    // What a reader does: the inputs of the transactions that emitted BlockDataPublished, decoded, reassembled.
    const decoded = await Promise.all(receipts.map(async (r) => core.decodePublishBlockDataCall((await f.provider.getTransaction(r.hash))!.data as Hex)));
    expect(decoded.map((d) => [d.chainId, d.header.number, d.windowEnd, d.chunk])).toEqual(chunks.map((c) => [chain.chainId, 2n, windowEnd, c.chunk]));
    const rebuilt = core.blockFromPublishedData(block.header, decoded);
    expect(core.blockToJson(rebuilt)).toEqual(core.blockToJson(block));
    const exitInput = core.decodePublishExitDataCall((await f.provider.getTransaction(exitReceipt.hash))!.data as Hex);
    expect(core.exitLeavesFromPublishedData(block.header, [exitInput])).toEqual([]);
  });

  it('refuses a chunk whose txs take more than B(1) = 122,880 bytes of the call (ChunkOverBudget): the size rule at the root', async () => {
    const chain = await fresh();
    // 64 txs of 1,408 bytes of data take 64 × (512 + 1,408) = 122,880 bytes: exactly the budget; 32 more are over.
    const placed = transfers(chain, 64).map((t) => chain.place(t, alice));
    const sized = (extra: number) => placed.map((tx, i) => ({ ...tx, data: `0x${'ab'.repeat(1_408 + (i === 63 ? extra : 0))}` as Hex }));
    const post = placed.map((_, i) => core.bytesToHex(core.keccak256(new TextEncoder().encode(`post ${i}`))));
    const commitForged = async (txs: core.BlockTx[], parent?: core.Header) => {
      const after = parent ? { number: parent.number + 1n, parentHash: core.hashHeader(parent) } : {};
      const block = chain.forge(txs, post, { ...after, timestamp: await latestTimestamp(f.provider) });
      return { block, windowEnd: await chain.commit(block, { valid: false }) };
    };
    const at = await commitForged(sized(0));
    expect(core.chunkSizes(at.block.txs)).toEqual([core.ROOT_CHILD_CHUNK_BYTES]);
    expect(await da.CHUNK_BYTE_BUDGET()).toBe(BigInt(core.chunkByteBudget(1)));
    const taken = await publish(chain, at.block, at.windowEnd, core.blockDataChunks(at.block)[0]);
    expect(await da.publication(chain.chainId, at.block.header.number)).toEqual([1n, false]);
    console.log(`publishBlockData gas: a chunk of 64 txs at the byte budget ${taken.gasUsed}`);

    const over = await commitForged(sized(32), at.block.header);
    expect(core.chunkSizes(over.block.txs)).toEqual([core.ROOT_CHILD_CHUNK_BYTES + 32]);
    await expectRevert(publish(chain, over.block, over.windowEnd, core.blockDataChunks(over.block)[0]), 'ChunkOverBudget', [BigInt(core.ROOT_CHILD_CHUNK_BYTES + 32), BigInt(core.ROOT_CHILD_CHUNK_BYTES)]);
  });

  it('a block of exactly 64 transactions ends with an empty chunk 1; an empty block with an empty chunk 0', async () => {
    const chain = await fresh();
    const { block, windowEnd } = await nextBlock(chain, 64);
    const chunks = core.blockDataChunks(block);
    expect(chunks.map((c) => [c.chunk, c.txs.length, c.complete])).toEqual([[0, 64, false], [1, 0, true]]);
    await publish(chain, block, windowEnd, chunks[0]);
    expect(await da.isPublished(chain.chainId, 2n)).toBe(false);
    const last = await publish(chain, block, windowEnd, chunks[1]);
    console.log(`publishBlockData gas: the empty last chunk ${last.gasUsed}`);
    expect(await da.publication(chain.chainId, 2n)).toEqual([1n, true]);
    const exitsReceipt = await publishExits(chain, block, windowEnd, core.blockExitChunks(block)[0]);
    console.log(`publishExitData gas: the empty exit tree ${exitsReceipt.gasUsed}`);
    expect(await da.isPublished(chain.chainId, 2n)).toBe(true);

    const empty = await nextBlock(chain, 0);
    const [only] = core.blockDataChunks(empty.block);
    expect([only.chunk, only.txs.length, only.complete]).toEqual([0, 0, true]);
    await publish(chain, empty.block, empty.windowEnd, only);
    await publishExits(chain, empty.block, empty.windowEnd, core.blockExitChunks(empty.block)[0]);
    expect(await da.isPublished(chain.chainId, 3n)).toBe(true);
  });

  it('a tree with leaves after a short chunk cannot be completed (LeavesAfterLastChunk)', async () => {
    const chain = await fresh();
    // txs 0..9 and 64 of a forged tree: a short chunk 0 would pass for the whole block.
    const placed = transfers(chain, 11).map((t) => chain.place(t, alice));
    const post = placed.map((_, i) => core.bytesToHex(core.keccak256(new TextEncoder().encode(`post ${i}`))));
    const leaves: Uint8Array[] = Array.from({ length: 65 }, () => new Uint8Array(32));
    for (let i = 0; i < 10; i++) leaves[i] = core.txLeaf(placed[i], post[i], 0);
    leaves[64] = core.txLeaf(placed[10], post[10], 0);
    const tree = new core.MerkleTree(leaves, core.TX_TREE_DEPTH);
    const block = chain.forge(placed.slice(0, 10), post.slice(0, 10), { timestamp: await latestTimestamp(f.provider), txRoot: core.bytesToHex(tree.root) });
    const windowEnd = await chain.commit(block, { valid: false });
    const chunk: core.BlockDataChunk = {
      chunk: 0,
      txs: placed.slice(0, 10).map((tx, i) => ({ tx, postStateRoot: post[i], exitIndex: 0 })),
      proof: tree.proof(0).slice(core.DATA_CHUNK_LEVEL).map(core.bytesToHex),
      complete: true,
    };
    expect(core.verifyDataChunk(chunk, block.header.txRoot)).toBe(false);
    await expectRevert(publish(chain, block, windowEnd, chunk), 'LeavesAfterLastChunk', [chain.chainId, 2n, 0n]);
  });

  it('completing the data in time answers the challenge: the bond goes to the publisher', async () => {
    const chain = await fresh();
    const { block, windowEnd } = await nextBlock(chain, 3);
    await challenge(chain, block.header, windowEnd);
    const before = await balance(publisher.address);
    const [chunk] = core.blockDataChunks(block);
    const txsReceipt = await publish(chain, block, windowEnd, chunk);
    expect(eventsOf(da, txsReceipt as never, 'DataChallengeSettled')).toEqual([]); // the exit tree is still missing
    expect((await challengeOf(chain, 2n)).status).toBe(Open);
    const receipt = await publishExits(chain, block, windowEnd, core.blockExitChunks(block)[0]);
    expect((await balance(publisher.address)) - before).toBe(DA_BOND - gasCost(txsReceipt) - gasCost(receipt));
    const [settled] = eventsOf(da, receipt as never, 'DataChallengeSettled');
    expect([settled.chainId, settled.number, settled.status, settled.bondTo]).toEqual([chain.chainId, 2n, BigInt(Answered), publisher.address]);
    expect((await challengeOf(chain, 2n)).status).toBe(Answered);
    expect(await da.isPublished(chain.chainId, 2n)).toBe(true);
    await expectRevert(resolve(chain, block.header, windowEnd), 'NoOpenChallenge', [chain.chainId, 2n]);
    expect((await root.chainStatus(chain.chainId))[0]).toBe(0n);
  });

  it('publishExitData: exit chunks in order, proven against exitRoot; a lying exit tree, once published, is proven from the L1 data alone', async () => {
    const chain = await fresh();
    // Block 2: one withdrawal, and a header whose exit tree also pays the operator 1000 ETH (bad-exit-root).
    const withdrawal = chain.place(chain.sign(alice, { kind: core.TxKind.Withdraw, slot: 0, to: lower(alice.address), token: ETH, amount: 1n, nonce: 0n }), alice);
    const lie = [{ recipient: lower(alice.address), token: ETH, amount: 1n }, { recipient: lower(quorum[0].address), token: ETH, amount: parseEther('1000') }];
    const timestamp = await latestTimestamp(f.provider);
    chain.state.checkpoint();
    const post = core.applyTx(chain.state, withdrawal, { ...chain.ctx, lastDepositNonce: 2n, timestamp }).postRoot;
    chain.state.revert();
    const forged = chain.forge([withdrawal], [post], { timestamp, exitRoot: core.bytesToHex(core.computeExitRoot(lie)) });
    const block = { ...forged, exits: lie };
    const windowEnd = await chain.commit(block, { valid: false });
    const id = [chain.chainId, 2n] as const;
    await challenge(chain, block.header, windowEnd);

    // The transactions alone cannot be published as the whole block's exits: their exit tree is not the header's.
    expect(() => core.blockExitChunks({ ...block, exits: core.exitsOfTxs(chain.chainId, block.txs) })).toThrow(expect.objectContaining({ code: 'DATA_MISMATCH' }));
    const [exits] = core.blockExitChunks(block);
    expect(exits.leaves).toHaveLength(2);
    await expectRevert(publishExits(chain, block, windowEnd, { ...exits, chunk: 1 }), 'ChunkOutOfOrder', [1n, 0n]);
    await expectRevert(publishExits(chain, block, windowEnd, { ...exits, leaves: exits.leaves.slice(0, 1) }), 'InvalidExitChunkProof', [...id, 0n]);
    await expectRevert(publishExits(chain, block, windowEnd, { ...exits, proof: exits.proof.slice(1) }), 'BadProofLength', [7n, 8n]);
    await expectRevert(publishExits(chain, block, windowEnd, { ...exits, leaves: Array(257).fill(core.ZERO_BYTES32) }), 'TooManyExitLeaves', [257n, 256n]);
    const exitReceipt = await publishExits(chain, block, windowEnd, exits);
    const txReceipt = await publish(chain, block, windowEnd, core.blockDataChunks(block)[0]);
    expect((await challengeOf(chain, 2n)).status).toBe(Answered);

    // A reader with nothing but L1: the transactions and the exit leaves from the publications' inputs, then the proof.
    const input = async (r: TransactionReceipt) => (await f.provider.getTransaction(r.hash))!.data as Hex;
    const rebuilt = core.blockFromPublishedData(block.header, [core.decodePublishBlockDataCall(await input(txReceipt))]);
    const exitLeaves = core.exitLeavesFromPublishedData(block.header, [core.decodePublishExitDataCall(await input(exitReceipt))]);
    const found = core.findFraud(rebuilt, chain.head, chain.state, { ...chain.ctx, exitLeaves });
    expect(found).toMatchObject({ provable: true, kind: core.FraudKind.InvalidExits });
    // Without the published leaves, the derived exits are not the header's tree: nothing to prove against.
    expect(core.findFraud(rebuilt, chain.head, chain.state, chain.ctx)).toMatchObject({ provable: false, reason: 'EXIT_TREE_UNAVAILABLE' });
    const proven = (await (await resolver.sendTransaction({ to: await root.getAddress(), data: chain.calldata((found as { proof: core.FraudProof }).proof) })).wait())!;
    const [event] = eventsOf(root, proven as never, 'FraudProven');
    expect([event.chainId, event.number, event.kind]).toEqual([chain.chainId, 2n, BigInt(core.FraudKind.InvalidExits)]);
  });

  it('a last exit chunk must show nothing after it (ExitLeavesAfterLastChunk)', async () => {
    const chain = await fresh();
    const leaves: Uint8Array[] = Array.from({ length: 257 }, () => new Uint8Array(32));
    leaves[0] = core.keccak256(new TextEncoder().encode('an exit'));
    leaves[256] = core.keccak256(new TextEncoder().encode('a hidden exit'));
    const tree = new core.MerkleTree(leaves, core.EXIT_TREE_DEPTH);
    const block = chain.forge([], [], { timestamp: await latestTimestamp(f.provider), exitRoot: core.bytesToHex(tree.root) });
    const windowEnd = await chain.commit(block, { valid: false });
    const short: core.ExitDataChunk = { chunk: 0, leaves: [core.bytesToHex(leaves[0])], proof: tree.proof(0).slice(core.EXIT_DATA_CHUNK_LEVEL).map(core.bytesToHex), complete: true };
    expect(core.verifyExitChunk(short, block.header.exitRoot)).toBe(false);
    await expectRevert(publishExits(chain, block, windowEnd, short), 'ExitLeavesAfterLastChunk', [chain.chainId, 2n, 0n]);
  });

  it('after the deadline of an open challenge, publishing is refused (ResponseWindowClosed)', async () => {
    const chain = await fresh();
    const { block, windowEnd } = await nextBlock(chain, 1);
    await challenge(chain, block.header, windowEnd);
    const { deadline } = await challengeOf(chain, 2n);
    await f.provider.send('evm_setNextBlockTimestamp', [Number(deadline) + 1]); // the deadline itself is still in time
    const [chunk] = core.blockDataChunks(block);
    await expectRevert(sendMined(publisher, core.encodePublishBlockDataCall(chain.chainId, block.header, windowEnd, chunk)), 'ResponseWindowClosed', [deadline, deadline + 1n]);
  });
});

describe('resolveDataChallenge', () => {
  it('an unanswered challenge convicts the block: rollback, slash (half to the challenger), freeze, bond back; then the escape hatch', async () => {
    const chain = await fresh();
    const { block, windowEnd } = await forgedBlock(chain);
    const h = block.header;
    await expectRevert(resolve(chain, h, windowEnd), 'NoOpenChallenge', [chain.chainId, 2n]);
    await challenge(chain, h, windowEnd);
    const { deadline } = await challengeOf(chain, 2n);
    await f.provider.send('evm_setNextBlockTimestamp', [Number(deadline)]);
    await expectRevert(sendMined(resolver, core.encodeResolveDataChallengeCall(chain.chainId, h, windowEnd, chain.head, chain.windowEnds.get(1n)!)), 'ResponseWindowOpen', [deadline, deadline]);
    await expectRevert(resolve(chain, { ...h, stateRoot: core.ZERO_BYTES32 }, windowEnd), 'UnknownCommitment', [chain.chainId, 2n]);
    const wrongPrev = core.encodeResolveDataChallengeCall(chain.chainId, h, windowEnd, { ...chain.head!, timestamp: 1n }, chain.windowEnds.get(1n)!);
    await expectRevert(send(resolver, wrongPrev), 'WrongPrevHeader', [2n]);

    const before = { challenger: await balance(challenger.address), dead: await balance(DEAD), module: await balance(daAddress), resolver: await balance(resolver.address) };
    const receipt = await resolve(chain, h, windowEnd, challenger);
    const [proven] = eventsOf(root, receipt as never, 'FraudProven');
    expect([proven.chainId, proven.number, proven.kind, proven.challenger, proven.reward]).toEqual([chain.chainId, 2n, BigInt(core.FraudKind.UnavailableData), challenger.address, BOND / 2n]);
    const [frozen] = eventsOf(root, receipt as never, 'ChainFrozen');
    expect([frozen.chainId, frozen.status]).toEqual([chain.chainId, BigInt(core.ChainStatus.FrozenFraud)]);
    const [settled] = eventsOf(da, receipt as never, 'DataChallengeSettled');
    expect([settled.number, settled.status, settled.bondTo]).toEqual([2n, BigInt(Convicted), challenger.address]);

    const info = await root.chainInfo(chain.chainId);
    expect([info.headNumber, info.headWindowEnd, info.headDepositNonce, info.bond]).toEqual([1n, chain.windowEnds.get(1n)!, 2n, 0n]);
    expect((await root.chainStatus(chain.chainId))[0]).toBe(BigInt(core.ChainStatus.FrozenFraud));
    expect((await balance(challenger.address)) - before.challenger).toBe(BOND / 2n + DA_BOND - gasCost(receipt));
    expect((await balance(DEAD)) - before.dead).toBe(BOND - BOND / 2n);
    expect(before.module - (await balance(daAddress))).toBe(DA_BOND);
    expect((await challengeOf(chain, 2n)).status).toBe(Convicted);
    await expectRevert(resolve(chain, h, windowEnd), 'NoOpenChallenge', [chain.chainId, 2n]);
    await expectRevert(root.commit(chain.chainId, h, chain.signatures(h)), 'ChainIsFrozen', [chain.chainId, 1n]);

    // The escape hatch from the rolled-back head (block 1) once it is final: alice leaves with her 10 ETH.
    await expectRevert(send(challenger, core.encodeChallengeDataCall(chain.chainId, chain.head!, chain.windowEnds.get(1n)!), DA_BOND), 'ChainIsFrozen', [chain.chainId, 1n]);
    const now = await latestTimestamp(f.provider);
    if (now < chain.windowEnds.get(1n)!) await increaseTime(f.provider, chain.windowEnds.get(1n)! - now);
    const aliceBefore = await balance(alice.address);
    const escape = core.encodeEscapeExitCall(chain.chainId, chain.head!, chain.windowEnds.get(1n)!, core.buildEscapeExitProof(chain.state, 0));
    const paid = await (await resolver.sendTransaction({ to: f.rootAddress, data: escape })).wait();
    expect(eventsOf(root, paid as never, 'EscapeExit')[0].amount).toBe(parseEther('10'));
    expect((await balance(alice.address)) - aliceBefore).toBe(parseEther('10'));
  });

  it('block 1: the previous header is the all-zero one; anyone may resolve, the reward and bond still go to the challenger', async () => {
    const chain = await ChildChain.spawn({ root, provider: f.provider, validators: quorum, threshold: 3, window: WINDOW, bond: BOND, spawner: f.wallets[0] });
    const { block, windowEnd } = await forgedBlock(chain);
    await challenge(chain, block.header, windowEnd);
    await increaseTime(f.provider, WINDOW / 4n + 1n);
    const before = await balance(challenger.address);
    const receipt = await resolve(chain, block.header, windowEnd, resolver);
    expect(eventsOf(root, receipt as never, 'FraudProven')[0].challenger).toBe(challenger.address);
    expect((await balance(challenger.address)) - before).toBe(BOND / 2n + DA_BOND);
    const info = await root.chainInfo(chain.chainId);
    expect([info.headNumber, info.headWindowEnd, info.headDepositNonce]).toEqual([0n, 0n, 0n]);
  });

  it('a challenger that cannot take ETH cannot block the conviction: the resolver is paid instead', async () => {
    const chain = await fresh();
    const { block, windowEnd } = await forgedBlock(chain);
    const { contract: refusing } = await deployContract(f.wallets[0], 'src/test/DataChallengers.sol:RefusingChallenger');
    await mined((refusing.connect(challenger) as Contract).forward(daAddress, core.encodeChallengeDataCall(chain.chainId, block.header, windowEnd), { value: DA_BOND }));
    expect((await challengeOf(chain, 2n)).challenger).toBe(await refusing.getAddress());
    await increaseTime(f.provider, WINDOW / 4n + 1n);
    const before = await balance(resolver.address);
    const receipt = await resolve(chain, block.header, windowEnd, resolver);
    expect(eventsOf(root, receipt as never, 'FraudProven')[0].challenger).toBe(resolver.address);
    expect(eventsOf(da, receipt as never, 'DataChallengeSettled')[0].bondTo).toBe(resolver.address);
    expect((await balance(resolver.address)) - before).toBe(BOND / 2n + DA_BOND - gasCost(receipt));
    expect((await root.chainStatus(chain.chainId))[0]).toBe(BigInt(core.ChainStatus.FrozenFraud));
  });

  it('a challenge nobody resolved in the window lapses: ChallengeWindowClosed, and the bond goes back (reclaimChallengeBond)', async () => {
    const chain = await fresh();
    const { block, windowEnd } = await forgedBlock(chain);
    await challenge(chain, block.header, windowEnd);
    const reclaim = core.encodeReclaimChallengeBondCall(chain.chainId, block.header, windowEnd);
    await expectRevert(send(resolver, reclaim), 'ChallengeStillResolvable', [chain.chainId, 2n, windowEnd]);
    await increaseTime(f.provider, WINDOW);
    await expectRevert(resolve(chain, block.header, windowEnd), 'ChallengeWindowClosed');
    await expectRevert(send(resolver, core.encodeReclaimChallengeBondCall(chain.chainId, block.header, windowEnd + 1n)), 'UnknownCommitment', [chain.chainId, 2n]);
    const before = await balance(challenger.address);
    const receipt = await send(resolver, reclaim);
    expect((await balance(challenger.address)) - before).toBe(DA_BOND);
    expect(eventsOf(da, receipt as never, 'DataChallengeSettled')[0].status).toBe(BigInt(Lapsed));
    expect((await challengeOf(chain, 2n)).status).toBe(Lapsed);
    await expectRevert(send(resolver, reclaim), 'NoOpenChallenge', [chain.chainId, 2n]);
    expect((await root.chainStatus(chain.chainId))[0]).toBe(0n); // final: nothing happened to the chain
  });

  it('a challenged block rolled back by another conviction cannot be resolved; its bond goes back at once', async () => {
    const chain = await fresh();
    const two = await forgedBlock(chain);
    const three = await forgedBlock(chain, two.block.header);
    await challenge(chain, two.block.header, two.windowEnd);
    await challenge(chain, three.block.header, three.windowEnd, publisher);
    await increaseTime(f.provider, WINDOW / 4n + 1n);
    await resolve(chain, two.block.header, two.windowEnd);
    expect((await root.chainInfo(chain.chainId)).headNumber).toBe(1n);
    await expectRevert(resolve(chain, three.block.header, three.windowEnd), 'UnknownCommitment', [chain.chainId, 3n]);
    const before = await balance(publisher.address);
    await send(resolver, core.encodeReclaimChallengeBondCall(chain.chainId, three.block.header, three.windowEnd));
    expect((await balance(publisher.address)) - before).toBe(DA_BOND);
  });
});
