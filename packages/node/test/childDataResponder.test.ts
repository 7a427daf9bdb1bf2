/**
 * Data availability inside a chain (docs/FRAUD.md §9b), the node's answer: node A follows the root on a real Hardhat
 * L1, node A1 (a validator of A1, a child of A) follows A's node over JSON-RPC. A CHALLENGE_CHILD_DATA of A1's block on
 * A is answered by A1's ChildDataResponder: the block's transactions and exit tree published on A as CHILD_DATA_CALL
 * transactions before the deadline, the bond to A1's validator. A node withholding the block (`withhold-data`) does
 * not publish it, and the challenge convicts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Wallet, parseEther } from 'ethers';
import {
  CHILD_DATA_CHALLENGE_BOND,
  DataChallengeStatus,
  TxKind,
  blockFromPublishedData,
  chainIdOf,
  decodeChildDataCallData,
  decodeCommitChildData,
  decodeDataAvailabilityCall,
  encodePublishBlockDataCall,
  encodeResolveDataChallengeCall,
  exitLeavesFromPublishedData,
  headerFromJson,
  signedTxToJson,
  type Address,
  type ChainId,
  type Header,
  type Hex,
  type SignedTx,
} from '@plasma-tree/core';
import { PlasmaNode } from '../src/index.js';
import { ChildDataResponder, type DataChallengeJson } from '../src/childDataResponder.js';
import type { Chain } from '../src/chain.js';
import { ParentNodeClient } from '../src/parent/childParent.js';
import { ETH, User, fund, nodeOptions, recordingLogger, rpc, spawnChain, startL1, tempDir, validatorKey, waitFor, type L1, signTx as sign, sendTx as send, sendTxReason as sendError } from './helpers.js';

/** A1's challenge window (seconds): a challenge in its first half, answered within a quarter. */
const WINDOW = 16n;

let l1: L1;
let nodeA: PlasmaNode;
let dirA: Awaited<ReturnType<typeof tempDir>>;
let chainA: ChainId;
let alice: User;
let aliceSlot: number;

beforeAll(async () => {
  l1 = await startL1();
  const keyA = validatorKey(l1, 1);
  chainA = await spawnChain(l1, [keyA]);
  dirA = await tempDir();
  nodeA = await PlasmaNode.init(nodeOptions(l1, chainA, dirA.path, { validatorKeys: [keyA] }));
  alice = new User(chainA, l1.l1ChainId, l1.rootAddress);
  aliceSlot = await fund(l1, nodeA.rpcUrl, alice, parseEther('1'));
}, 60_000);
afterAll(async () => {
  await nodeA?.close();
  await dirA?.remove();
  await l1?.stop();
});

async function receipt(url: string, hash: Hex, statuses: string[] = ['included', 'committed'], timeoutMs = 20_000): Promise<any> {
  return waitFor(`tx ${hash} ${statuses.join('/')}`, async () => {
    const r = await rpc(url, 'pt_getReceipt', [hash]);
    if (r?.status === 'rejected') throw new Error(`rejected: ${r.reason} ${r.message}`);
    return r && statuses.includes(r.status) ? r : undefined;
  }, timeoutMs);
}

/** Alice's next nonce on A. */
const aliceNonce = async (): Promise<bigint> => BigInt((await rpc<{ pendingNonce: number }>(nodeA.rpcUrl, 'pt_getAccount', [alice.address, ETH])).pendingNonce);

/** Spawns a child of A validated by a fresh key and starts its node (parent: A's node); deposits `wei` to `user` there. */
async function startChild(index: number, overrides: Parameters<typeof nodeOptions>[3] = {}) {
  const urlA = nodeA.rpcUrl;
  const validator = Wallet.createRandom();
  const address = validator.address.toLowerCase() as Address;
  await receipt(urlA, await send(urlA, sign(alice, { kind: TxKind.SpawnChild, chainId: chainA, slot: aliceSlot, validators: [address], threshold: 1, challengeWindow: WINDOW, bond: 10n ** 16n, nonce: await aliceNonce() })));
  const chainId = chainIdOf(chainA, index);
  const dir = await tempDir();
  const node = await PlasmaNode.init(nodeOptions(l1, chainId, dir.path, { validatorKeys: [validator.privateKey as Hex], parent: { kind: 'child', nodeUrl: urlA, finality: 'committed' }, ...overrides }));
  return { chainId, validator: address, node, dir };
}

/** Signs and sends alice's CHALLENGE_CHILD_DATA of `child`'s block `header` on A; resolves with the challenge once included. */
async function challenge(child: ChainId, header: Header, windowEnd: number): Promise<DataChallengeJson> {
  const tx = sign(alice, { kind: TxKind.ChallengeChildData, chainId: chainA, slot: aliceSlot, child, header, windowEnd: BigInt(windowEnd), bond: CHILD_DATA_CHALLENGE_BOND, nonce: await aliceNonce() });
  await receipt(nodeA.rpcUrl, await send(nodeA.rpcUrl, tx));
  return rpc<DataChallengeJson>(nodeA.rpcUrl, 'pt_getDataChallenge', [child, Number(header.number)]);
}

/** The CHILD_DATA_CALL transactions of A's blocks `from`..head, decoded. */
async function childDataCalls(from: number) {
  const head = (await rpc(nodeA.rpcUrl, 'pt_getBlockByNumber', ['latest'])).header.number as number;
  const out = [];
  for (let n = from; n <= head; n++) {
    const block = await rpc(nodeA.rpcUrl, 'pt_getBlockByNumber', [n]);
    for (const tx of block.txs as { kind: string; data: Hex; to: Address }[]) {
      if (tx.kind !== 'childDataCall') continue;
      const { child, call } = decodeChildDataCallData(tx.data);
      out.push({ child, to: tx.to, call: decodeDataAvailabilityCall(call), block: n });
    }
  }
  return out;
}

describe('ChildDataResponder: a validator below a chain answers data challenges on its parent', () => {
  it('publishes a challenged block (transactions and exit tree) on A before the deadline and takes the bond', async () => {
    const started = Date.now();
    const urlA = nodeA.rpcUrl;
    const a1 = await startChild(0);
    try {
      const urlA1 = a1.node.rpcUrl;
      // Money for bob on A1, then a block of three transfers and a withdrawal (the exit tree is not empty).
      const bob = new User(a1.chainId, l1.l1ChainId, l1.rootAddress);
      await receipt(urlA, await send(urlA, sign(alice, { kind: TxKind.DepositToChild, chainId: chainA, slot: aliceSlot, child: a1.chainId, to: bob.address, token: ETH, amount: parseEther('0.1'), nonce: await aliceNonce() })));
      await waitFor('deposit applied on A1', async () => (await rpc(urlA1, 'pt_getBalance', [bob.address, ETH])) === parseEther('0.1').toString());
      const bobSlot = (await rpc<{ slot: number }>(urlA1, 'pt_getAccount', [bob.address, ETH])).slot;
      const carol = Wallet.createRandom().address.toLowerCase() as Address;
      const dave = Wallet.createRandom().address.toLowerCase() as Address;
      const txs: SignedTx[] = [0n, 1n, 2n].map((nonce) => bob.transfer(bobSlot, carol, 1000n + nonce, nonce));
      txs.push(bob.withdraw(bobSlot, dave, 5000n, 3n));
      const hashes = (await rpc<{ hash: Hex }[]>(urlA1, 'pt_sendTransactions', [txs.map(signedTxToJson)])).map((r) => r.hash);
      const committed = await receipt(urlA1, hashes[3], ['committed']);
      const number = committed.blockNumber as number;
      const served = await rpc(urlA1, 'pt_getBlockByNumber', [number]);
      const header = headerFromJson(served.header);
      const commitment = await rpc(urlA, 'pt_getCommitment', [a1.chainId, number]);
      expect(commitment).toMatchObject({ blockHash: served.hash, windowEnd: committed.windowEnd });
      expect(await rpc(urlA, 'pt_getBalance', [a1.validator, ETH])).toBe('0');
      const aliceBefore = BigInt(await rpc<string>(urlA, 'pt_getBalance', [alice.address, ETH]));

      // The challenge on A: the responder of A1's node sees it and publishes the block there.
      const filed = await challenge(a1.chainId, header, commitment.windowEnd);
      expect(filed).toMatchObject({ child: a1.chainId, number, challenger: alice.address });
      expect(filed.status === DataChallengeStatus.Open || filed.status === DataChallengeStatus.Answered).toBe(true);
      const answered = await waitFor('the challenge answered', async () => {
        const d = await rpc<DataChallengeJson>(urlA, 'pt_getDataChallenge', [a1.chainId, number]);
        return d.status === DataChallengeStatus.Answered ? d : undefined;
      }, 15_000);
      expect(answered).toMatchObject({ status: DataChallengeStatus.Answered, published: true, txsPublished: true, exitPublished: true, bond: '0', challenger: alice.address });
      expect(await rpc(urlA, 'pt_getDataChallenges', [a1.chainId])).toEqual([]);

      // The bond went to A1's validator (the publisher that completed the block), out of alice's slot.
      expect(await rpc(urlA, 'pt_getBalance', [a1.validator, ETH])).toBe(CHILD_DATA_CHALLENGE_BOND.toString());
      expect(BigInt(await rpc<string>(urlA, 'pt_getBalance', [alice.address, ETH]))).toBe(aliceBefore - CHILD_DATA_CHALLENGE_BOND);
      // (The responder counts a chunk once it sees the parent's receipt: a poll after the ledger shows it.)
      const chunks = () => [a1.node.metrics.dataChunksPublished.get('txs'), a1.node.metrics.dataChunksPublished.get('exits')];
      await waitFor('both chunks counted', () => chunks()[1] === 1, 5_000);
      expect(chunks()).toEqual([1, 1]);

      // What A's blocks hold is the block: its transactions rebuild it, its exit leaves are the withdrawal's; each
      // call pays A1's validator, chunks in order, the completing one in a block at or before the deadline.
      const calls = await childDataCalls(1);
      expect(calls.map((c) => [c.child, c.to, c.call.method])).toEqual([
        [a1.chainId, a1.validator, 'publishBlockData'],
        [a1.chainId, a1.validator, 'publishExitData'],
      ]);
      const txChunks = calls.flatMap((c) => (c.call.method === 'publishBlockData' ? [c.call] : []));
      const exitChunks = calls.flatMap((c) => (c.call.method === 'publishExitData' ? [c.call] : []));
      expect(blockFromPublishedData(header, txChunks).hash).toBe(served.hash);
      expect(exitLeavesFromPublishedData(header, exitChunks)).toHaveLength(1);
      const last = await rpc(urlA, 'pt_getBlockByNumber', [calls[1].block]);
      expect(last.header.timestamp).toBeLessThanOrEqual(answered.deadline);

      // Published once: the same chunk again is refused; a responder started afresh (no state of its own) reads the
      // progress from A and has nothing left to send.
      const again: SignedTx = { kind: TxKind.ChildDataCall, chainId: chainA, child: a1.chainId, call: encodePublishBlockDataCall(a1.chainId, header, BigInt(commitment.windowEnd), txChunks[0]), to: a1.validator };
      expect(await sendError(urlA, again)).toBe('DATA_ALREADY_PUBLISHED');
      const chain = (a1.node as unknown as { chain_: Chain }).chain_;
      const fresh = new ChildDataResponder({ parent: new ParentNodeClient(urlA), chain, publisher: a1.validator, logger: recordingLogger().logger }, { pollMs: 20 });
      expect(await fresh.answer({ ...answered, status: DataChallengeStatus.Open, published: false }, new AbortController().signal)).toBe('answered');
      await fresh.round(new AbortController().signal);
      // Another validator that read the progress before this one published (a stale view of A) sends a chunk A
      // refuses as published already: counted as done, logged at debug, the round goes on.
      const real = new ParentNodeClient(urlA);
      const stale = { ...answered, status: DataChallengeStatus.Open, published: false, txsPublished: false, exitPublished: false, nextChunk: 0, nextExitChunk: 0 };
      const staleParent = {
        url: urlA,
        call: (async (method: string, params: unknown[] = [], signal?: AbortSignal) =>
          method === 'pt_getDataChallenges' ? [stale] : method === 'pt_getDataChallenge' ? stale : real.call(method, params, signal)) as ParentNodeClient['call'],
      };
      const racerLog = recordingLogger();
      const racer = new ChildDataResponder({ parent: staleParent, chain, publisher: a1.validator, logger: racerLog.logger }, { pollMs: 20 });
      expect(await racer.answer(stale, new AbortController().signal)).toBe('pending');
      await racer.round(new AbortController().signal);
      expect(racerLog.lines.filter((l) => l.level === 'debug' && l.code === 'DATA_ALREADY_PUBLISHED')).toHaveLength(2);
      expect(racerLog.lines.filter((l) => l.level === 'error')).toEqual([]);
      expect((await childDataCalls(calls[1].block + 1)).length).toBe(0);
    } finally {
      await a1.node.close();
      await a1.dir.remove();
    }
    expect(Date.now() - started).toBeLessThan(60_000);
  }, 90_000);

  it('does not publish a block it withholds (withhold-data): the challenge stays open past its deadline and convicts', async () => {
    const urlA = nodeA.rpcUrl;
    const { logger, lines } = recordingLogger();
    const a2 = await startChild(1, { faults: { kind: 'withhold-data' }, logger });
    try {
      const urlA2 = a2.node.rpcUrl;
      // A2's first block (the deposit) is committed on A but never served.
      const erin = new User(a2.chainId, l1.l1ChainId, l1.rootAddress);
      await receipt(urlA, await send(urlA, sign(alice, { kind: TxKind.DepositToChild, chainId: chainA, slot: aliceSlot, child: a2.chainId, to: erin.address, token: ETH, amount: 1000n, nonce: await aliceNonce() })));
      const commitment = await waitFor('A2 block 1 committed on A', () => rpc(urlA, 'pt_getCommitment', [a2.chainId, 1]).then((c) => c ?? undefined));
      expect((await rpc(urlA2, 'pt_chainInfo')).faults.injected).toEqual([1]);
      expect(await rpc(urlA2, 'pt_getBlockByNumber', [1])).toBeNull();
      // The header, from A's COMMIT_CHILD (what a challenger reads when no node serves the block).
      const commitBlock = await rpc(urlA, 'pt_getBlockByNumber', [commitment.blockNumber]);
      const commitTx = (commitBlock.txs as { kind: string; data: Hex }[]).map((t) => t.kind === 'commitChild' && decodeCommitChildData(t.data)).find((d) => d && d.child === a2.chainId);
      const header = (commitTx as { header: Header }).header;
      expect(header.number).toBe(1n);

      const filed = await challenge(a2.chainId, header, commitment.windowEnd);
      expect(filed).toMatchObject({ status: DataChallengeStatus.Open, nextChunk: 0, published: false });
      expect((await rpc<DataChallengeJson[]>(urlA, 'pt_getDataChallenges', [a2.chainId])).map((d) => d.number)).toEqual([1]);
      // Past the deadline (A's clock is its blocks' wall-clock timestamps), nothing was published.
      await waitFor('deadline passed', () => Date.now() / 1000 > filed.deadline + 1, 10_000);
      expect(await rpc(urlA, 'pt_getDataChallenge', [a2.chainId, 1])).toMatchObject({ status: DataChallengeStatus.Open, nextChunk: 0, txsPublished: false, exitPublished: false, published: false });
      expect([a2.node.metrics.dataChunksPublished.get('txs'), a2.node.metrics.dataChunksPublished.get('exits')]).toEqual([0, 0]);
      expect((await childDataCalls(1)).filter((c) => c.child === a2.chainId)).toEqual([]);
      const faultLines = lines.filter((l) => String(l.msg).includes('withhold-data: the challenged block is not published'));
      expect(faultLines).toHaveLength(1);
      expect(faultLines[0]).toMatchObject({ level: 'error', number: 1 });

      // Anyone resolves it (to = the challenger): block 1 convicted, alice's bond back with the reward.
      const resolve: SignedTx = { kind: TxKind.ChildDataCall, chainId: chainA, child: a2.chainId, call: encodeResolveDataChallengeCall(a2.chainId, header, BigInt(commitment.windowEnd), null, 0n), to: alice.address };
      await receipt(urlA, await send(urlA, resolve));
      expect(await rpc(urlA, 'pt_getDataChallenge', [a2.chainId, 1])).toMatchObject({ status: DataChallengeStatus.Convicted, challenger: alice.address });
    } finally {
      await a2.node.close();
      await a2.dir.remove();
    }
  }, 60_000);
});
