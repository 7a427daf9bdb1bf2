/**
 * The parent's down stream with edge events beside deposits (docs/EDGE.md, docs/SPEC.md "Following the
 * parent"): the L1 follower reads `Deposited` and `EdgeEventSent` logs in one query and checks each against the
 * contract's record (reorg-safe as deposits are), the child-chain follower takes edge records from
 * `pt_getChildDeposits`, and a node on a real Hardhat L1 applies them in nonce order (kind 8), with its edge
 * module loaded at start and its edge storage kept across a restart.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import {
  MESSAGE_FN,
  chainIdOf,
  edgeDownRecord,
  encodeMessagePayload,
  hashDeposit,
  type Address,
  type ChainId,
  type Hex,
} from '@plasma-tree/core';
import { PlasmaNode, createNodeMetrics, silentLogger } from '../src/index.js';
import { DepositFollower } from '../src/l1/depositFollower.js';
import type { DownStreamLog } from '../src/l1/rootContract.js';
import { ChildDepositFollower, type ParentNodeClient } from '../src/parent/childParent.js';
import { depositEvent, edgeEvent, type DownEvent } from '../src/parent/confirmedDeposits.js';
import { APP, TOTAL, counter, word } from './fixtures/edges.js';
import { ETH, mine, nodeOptions, rpc, spawnChain, startL1, tempDir, validatorKey, waitFor, type L1 } from './helpers.js';

const child = chainIdOf(`0x${'aa'.repeat(32)}` as ChainId, 0);
const who = `0x${'0b'.repeat(20)}` as Address;
const deposit = (nonce: number, amount = 5n) => depositEvent({ chainId: child, nonce: BigInt(nonce), from: who, to: who, token: ETH, amount });
const edge = (nonce: number, payload: Hex = word(1n)) => edgeEvent({ nonce: BigInt(nonce), fn: counter.fn, sender: who, payload });
const recordOf = (e: DownEvent): Hex =>
  e.kind === 'deposit' ? hashDeposit(e.deposit) : edgeDownRecord({ fn: e.event.fn, child, nonce: e.nonce, sender: e.event.sender, payload: e.event.payload });
const kinds = (events: DownEvent[]) => events.map((e) => [e.nonce, e.kind]);

describe('DepositFollower (L1) with edge events', () => {
  /** A root contract whose logs and records the test sets: `records` is the contract state, `logs` what eth_getLogs returns. */
  function fakeRoot(state: { count: bigint; logs: DownStreamLog[]; records: Map<bigint, Hex> }) {
    return {
      blockNumber: async () => 100,
      depositCount: async () => state.count,
      downEvents: async (_chainId: ChainId, nonces: readonly bigint[]) => state.logs.filter((l) => nonces.includes(l.event.nonce)),
      depositRecord: async (_chainId: ChainId, nonce: bigint) => state.records.get(nonce) ?? (`0x${'00'.repeat(32)}` as Hex),
    };
  }
  const follower = (root: ReturnType<typeof fakeRoot>, applied = () => 0n) =>
    new DepositFollower({ root, chainId: child, appliedNonce: applied, logger: silentLogger, metrics: createNodeMetrics() }, { confirmations: 1, pollMs: 10 });

  it('takes deposits and edge events of one stream in nonce order, each checked against the contract record', async () => {
    const events = [deposit(1), edge(2), edge(3, word(9n)), deposit(4)];
    const state = { count: 4n, logs: events.map((event) => ({ event, l1Block: 10 })), records: new Map(events.map((e) => [e.nonce, recordOf(e)])) };
    const f = follower(fakeRoot(state));
    await f.poll();
    expect(kinds(f.next(0n, 10))).toEqual([[1n, 'deposit'], [2n, 'edge'], [3n, 'edge'], [4n, 'deposit']]);
    expect(f.record(3n)).toBe(recordOf(events[2]));
    expect(f.next(1n, 2).map((e) => e.nonce)).toEqual([2n, 3n]);
  });

  it('is reorg-safe: a log that disagrees with the record is not taken, and a shrinking count drops what it took', async () => {
    // The log of nonce 2 comes from a fork where it was an edge event; the contract (read at the same height) says
    // a deposit took nonce 2: the follower waits and reads both again.
    const replaced = deposit(2, 7n);
    const state = { count: 3n, logs: [{ event: deposit(1), l1Block: 10 }, { event: edge(2), l1Block: 11 }, { event: edge(3), l1Block: 12 }], records: new Map<bigint, Hex>() };
    state.records.set(1n, recordOf(deposit(1)));
    state.records.set(2n, recordOf(replaced));
    state.records.set(3n, recordOf(edge(3)));
    const f = follower(fakeRoot(state));
    await f.poll();
    expect(kinds(f.next(0n, 10))).toEqual([[1n, 'deposit']]); // 3 waits behind the gap at 2
    state.logs[1] = { event: replaced, l1Block: 11 };
    await f.poll();
    expect(kinds(f.next(0n, 10))).toEqual([[1n, 'deposit'], [2n, 'deposit'], [3n, 'edge']]);
    expect(f.confirmedNonce).toBe(3n);

    // A reorg deeper than the confirmations takes nonce 3 back: it is forgotten, and its replacement is taken.
    state.count = 2n;
    await f.poll();
    expect(f.confirmedNonce).toBe(2n);
    state.count = 3n;
    state.logs[2] = { event: edge(3, word(4n)), l1Block: 13 };
    state.records.set(3n, recordOf(edge(3, word(4n))));
    await f.poll();
    expect(f.next(2n, 10)).toEqual([edge(3, word(4n))]);
  });
});

describe('ChildDepositFollower with edge events', () => {
  const json = (e: DownEvent, blockNumber: number) =>
    e.kind === 'deposit'
      ? { kind: 'deposit', child, nonce: Number(e.nonce), from: who, to: who, token: ETH, amount: e.deposit.amount.toString(), depositHash: recordOf(e), blockNumber, index: 0 }
      : { kind: 'edge', child, nonce: Number(e.nonce), fn: e.event.fn, sender: e.event.sender, payload: e.event.payload, depositHash: recordOf(e), blockNumber, index: 0 };
  const fakeParent = (records: object[], committed = 10) =>
    ({
      url: 'http://parent.test',
      call: async (method: string) => {
        if (method === 'pt_chainInfo') return { committed: { number: committed }, final: { number: 0 } };
        if (method === 'pt_getChildDeposits') return records;
        throw new Error(`unexpected ${method}`);
      },
    }) as unknown as ParentNodeClient;
  const follower = (client: ParentNodeClient) =>
    new ChildDepositFollower(client, { chainId: child, appliedNonce: () => 0n, logger: silentLogger, metrics: createNodeMetrics() }, { finality: 'committed', pollMs: 10 });

  it("takes the parent's down edge calls between its deposits, once their block is final there", async () => {
    // An older parent node serves deposits without `kind`: still deposits.
    const { kind: _kind, ...legacy } = json(deposit(1), 1);
    const f = follower(fakeParent([legacy, json(edge(2), 2), json(deposit(3), 3), json(edge(4), 11)]));
    await f.poll();
    expect(kinds(f.next(0n, 10))).toEqual([[1n, 'deposit'], [2n, 'edge'], [3n, 'deposit']]);
    expect(f.record(2n)).toBe(recordOf(edge(2)));
  });

  it('refuses an edge record that does not match its fields', async () => {
    const forged = { ...json(edge(1), 1), payload: word(2n) };
    await expect(follower(fakeParent([forged])).poll()).rejects.toMatchObject({ code: 'PARENT_UNREACHABLE' });
  });
});

describe('a node following L1 edge events', () => {
  let l1: L1;
  beforeAll(async () => {
    l1 = await startL1();
  }, 60_000);
  afterAll(async () => {
    await l1?.stop();
  });

  it('applies sendEdgeEvent/sendMessage between deposits in nonce order, survives a reorg of one, and keeps them across a restart', async () => {
    const key = validatorKey(l1, 1);
    const chainId = await spawnChain(l1, [key]);
    const dir = await tempDir();
    const edgeModule = fileURLToPath(new URL('./fixtures/edges.ts', import.meta.url));
    const options = nodeOptions(l1, chainId, dir.path, { validatorKeys: [key], l1Confirmations: 2, edgeModule });
    let node = await PlasmaNode.init(options);
    try {
      const url = node.rpcUrl;
      const alice = `0x${'a1'.repeat(20)}` as Address;
      const sender = (await l1.deployer.getAddress()).toLowerCase() as Address;
      // Nonces 1-4: a deposit, a counter event, a message for APP, a counter event over the limit (failed).
      await (await l1.root.depositETH(chainId, alice, { value: 100n })).wait();
      await (await l1.root.sendEdgeEvent(chainId, counter.fn, word(5n))).wait();
      await (await l1.root.sendMessage(chainId, APP, '0xc0ffee')).wait();
      await (await l1.root.sendEdgeEvent(chainId, counter.fn, word(5000n))).wait();
      await mine(l1, 2);
      // Applied and committed: the node sends nothing more to L1 (its commits would bury the fork below).
      await waitFor('nonces 1-4 applied and committed', async () => (await rpc(url, 'pt_chainInfo')).depositNonce === 4 && node.committed.number === node.head.number);

      // Nonce 5 on a fork that vanishes: an edge event; on the L1 that stays, a deposit takes nonce 5.
      const snapshot = await l1.provider.send('evm_snapshot', []);
      await (await l1.root.sendEdgeEvent(chainId, counter.fn, word(7n))).wait();
      await new Promise((r) => setTimeout(r, 300));
      await l1.provider.send('evm_revert', [snapshot]);
      await (await l1.root.depositETH(chainId, alice, { value: 11n })).wait();
      await mine(l1, 2);

      await waitFor('the stream applied', async () => (await rpc(url, 'pt_chainInfo')).depositNonce === 5);
      expect(await rpc(url, 'pt_getBalance', [alice, ETH])).toBe('111');
      expect(await rpc(url, 'pt_getEdgeStorage', [counter.fn, TOTAL])).toBe(word(5n));
      expect(await rpc(url, 'pt_getEdgeDelivery', [2])).toEqual({ nonce: 2, fn: counter.fn, status: 'delivered' });
      expect(await rpc(url, 'pt_getEdgeDelivery', [4])).toEqual({ nonce: 4, fn: counter.fn, status: 'failed' });
      expect(await rpc(url, 'pt_getEdgeDelivery', [5])).toBeNull(); // nonce 5 is the deposit
      expect(await rpc(url, 'pt_getInbox', [])).toEqual([{ index: 1, sourceChain: `0x${'00'.repeat(32)}`, sender, target: APP, data: '0xc0ffee' }]);
      const record3 = edgeDownRecord({ fn: MESSAGE_FN, child: chainId, nonce: 3n, sender, payload: encodeMessagePayload({ target: APP, data: '0xc0ffee' }) });
      expect(await rpc(url, 'pt_getReceipt', [record3])).toMatchObject({ kind: 'edgeFromParent' });
      // The contract accepts the blocks applying them (their depositNonce matches its count).
      await waitFor('committed', () => node.committed.number === node.head.number && node.head.number > 0);

      // Restart: storage, deliveries and the inbox come back from the store.
      await node.close();
      node = await PlasmaNode.init(options);
      const url2 = node.rpcUrl;
      expect(await rpc(url2, 'pt_getEdgeStorage', [counter.fn, TOTAL])).toBe(word(5n));
      expect(await rpc(url2, 'pt_getEdgeDelivery', [4])).toMatchObject({ status: 'failed' });
      expect(await rpc(url2, 'pt_getInbox', [1, 1])).toHaveLength(1);
      expect(await rpc(url2, 'pt_getEdgeStorage', [MESSAGE_FN, `0x01${APP.slice(2)}01`])).toBe('0xc0ffee');
      // And the stream goes on after the restart.
      await (await l1.root.sendEdgeEvent(chainId, counter.fn, word(1n))).wait();
      await mine(l1, 2);
      await waitFor('nonce 6 applied', async () => (await rpc(url2, 'pt_getEdgeStorage', [counter.fn, TOTAL])) === word(6n));
    } finally {
      await node.close();
      await dir.remove();
    }
  }, 60_000);
});
