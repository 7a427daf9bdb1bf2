/**
 * Route execution without a chain: the state file (atomic writes, validation), the pure resume decisions, the
 * executor's resume against a scripted node (a recorded withdrawal is sent again, never signed twice), and the
 * errors of TreeClient / executeRoute, each with its code and a hint.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JsonRpcProvider, Network, Wallet } from 'ethers';
import { NATIVE_TOKEN, PlasmaError, ROOT_CHAIN_ID, plasmaDomain, signedTxDigest, signedTxFromJson, signedTxToJson, type Address, type ChainId, type Hex, type SpendTx } from '@plasma-tree/core';
import {
  PlasmaClient,
  TreeClient,
  l1DepositDecision,
  newRouteState,
  nextAction,
  readRouteState,
  recordedTxDecision,
  sameRoute,
  treeConfigFromDevnet,
  writeRouteState,
  type Route,
  type RouteProgress,
  type RouteState,
} from '@plasma-tree/sdk';
import { fakeNode, type FakeNode } from './helpers.js';

const ROOT = ('0x' + '5f'.repeat(20)) as Address;
const A = ('0x' + 'aa'.repeat(32)) as ChainId;
const A1 = ('0x' + 'a1'.repeat(32)) as ChainId;
const A2 = ('0x' + 'a2'.repeat(32)) as ChainId;
const ME = ('0x' + '11'.repeat(20)) as Address;
const BOB = ('0x' + 'b0'.repeat(20)) as Address;
const DEV = ('0x' + 'de'.repeat(20)) as Address;

const hop = (kind: 'up' | 'down', from: ChainId, to: ChainId) => ({ kind, from, to, expectedSeconds: 1, description: '', waits: [] });
/** A1 → A → A2 → … and L1 → A. */
const A1_TO_A2: Route = { from: A1, to: A2, via: A, hops: [hop('up', A1, A), hop('down', A, A2)], expectedSeconds: 2 };
const A_TO_L1: Route = { from: A, to: ROOT_CHAIN_ID, via: ROOT_CHAIN_ID, hops: [hop('up', A, ROOT_CHAIN_ID)], expectedSeconds: 1 };

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'pt-route-state-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function expectCode(f: () => unknown, code: string): PlasmaError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(PlasmaError);
    expect((e as PlasmaError).code).toBe(code);
    expect((e as PlasmaError).hint).not.toBe('');
    return e as PlasmaError;
  }
  throw new Error(`expected ${code}`);
}

async function rejection(p: Promise<unknown>, code: string): Promise<PlasmaError> {
  const e = await p.then(() => undefined, (x: unknown) => x);
  expect(e, `expected ${code}`).toBeInstanceOf(PlasmaError);
  expect((e as PlasmaError).code).toBe(code);
  expect((e as PlasmaError).hint).not.toBe('');
  return e as PlasmaError;
}

const fresh = (route: Route = A1_TO_A2, recipient: Address = BOB): RouteState =>
  newRouteState({ route, l1ChainId: 31337, rootContract: ROOT, account: ME, token: DEV, amount: 150n, recipient });

describe('the route state file', () => {
  it('a new state: every hop pending, the recipient on the last hop only, where each parent half runs', () => {
    const s = fresh();
    expect(s).toMatchObject({ version: 1, type: 'plasma-tree/route', from: A1, to: A2, via: A, token: DEV, amount: '150', recipient: BOB, account: ME, hopIndex: 0, done: false });
    expect(s.hops).toEqual([
      { kind: 'up', from: A1, to: A, parentOn: 'chain', recipient: ME, step: 'pending' },
      { kind: 'down', from: A, to: A2, parentOn: 'chain', recipient: BOB, step: 'pending' },
    ]);
    expect(fresh(A_TO_L1).hops[0].parentOn).toBe('l1');
    expect(sameRoute(s, { route: A1_TO_A2, token: DEV, amount: 150n, recipient: BOB })).toBe(true);
    expect(sameRoute(s, { route: A1_TO_A2, token: DEV, amount: 151n, recipient: BOB })).toBe(false);
    expect(sameRoute(s, { route: A_TO_L1, token: DEV, amount: 150n, recipient: BOB })).toBe(false);
  });

  it('is written atomically: the file is whole after every write, no temporary file is left, a failed write keeps the old one', () => {
    const file = join(dir, 'nested', 'route.json');
    const s = fresh();
    writeRouteState(file, s);
    expect(readRouteState(file)).toEqual(s);
    for (let i = 0; i < 20; i++) {
      s.hops[0].step = i % 2 ? 'withdraw-signed' : 'pending';
      s.hops[0].withdrawTx = { kind: 'withdraw' } as never;
      s.hops[0].withdrawTxHash = `0x${String(i).padStart(64, '0')}` as Hex;
      writeRouteState(file, s);
      expect(JSON.parse(readFileSync(file, 'utf8')).hops[0].withdrawTxHash).toBe(s.hops[0].withdrawTxHash);
    }
    expect(readdirSync(join(dir, 'nested'))).toEqual(['route.json']);

    // The target is a directory: the rename fails, the temporary file is removed, the error says what to check.
    const target = join(dir, 'is-a-dir');
    mkdirSync(join(target, 'x'), { recursive: true });
    const e = expectCode(() => writeRouteState(target, s), 'ROUTE_STATE_WRITE_FAILED');
    expect(e.hint).toMatch(/permissions/);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('refuses a missing, broken, foreign, newer or inconsistent file', () => {
    expectCode(() => readRouteState(join(dir, 'nope.json')), 'ROUTE_STATE_NOT_FOUND');
    const file = join(dir, 'bad.json');
    writeFileSync(file, '{"type": "plasma-tree/route", "vers');
    expectCode(() => readRouteState(file), 'ROUTE_STATE_CORRUPT');
    writeFileSync(file, JSON.stringify({ hello: 'world' }));
    expectCode(() => readRouteState(file), 'ROUTE_STATE_CORRUPT');
    writeFileSync(file, JSON.stringify({ ...fresh(), version: 2 }));
    expectCode(() => readRouteState(file), 'ROUTE_STATE_VERSION');
    const s = fresh();
    s.hops[0].step = 'withdrawn'; // but no block recorded
    writeFileSync(file, JSON.stringify(s));
    expect(expectCode(() => readRouteState(file), 'ROUTE_STATE_CORRUPT').message).toMatch(/hop 1 is at step withdrawn but has no withdrawal block/);
    const t = fresh();
    t.hops[1].step = 'withdrawn' as never; // an up step on a down hop
    writeFileSync(file, JSON.stringify(t));
    expectCode(() => readRouteState(file), 'ROUTE_STATE_CORRUPT');
    writeFileSync(file, JSON.stringify({ ...fresh(), amount: '-5' }));
    expectCode(() => readRouteState(file), 'ROUTE_STATE_CORRUPT');
  });
});

describe('resume decisions', () => {
  it('the next action follows the first hop that is not done', () => {
    const s = fresh();
    const at = (steps: [string, string]) => {
      s.hops[0].step = steps[0] as never;
      s.hops[1].step = steps[1] as never;
      return nextAction(s);
    };
    expect(at(['pending', 'pending'])).toEqual({ type: 'withdraw', hopIndex: 0 });
    expect(at(['withdraw-signed', 'pending'])).toEqual({ type: 'confirm-withdraw', hopIndex: 0 });
    expect(at(['withdrawn', 'pending'])).toEqual({ type: 'finalize', hopIndex: 0 });
    expect(at(['finalize-sent', 'pending'])).toEqual({ type: 'confirm-finalize', hopIndex: 0 });
    expect(at(['done', 'pending'])).toEqual({ type: 'prepare-deposit', hopIndex: 1 });
    for (const step of ['deposit-prepared', 'deposit-signed', 'deposit-sent']) expect(at(['done', step])).toEqual({ type: 'confirm-deposit', hopIndex: 1 });
    expect(at(['done', 'deposited'])).toEqual({ type: 'wait-applied', hopIndex: 1 });
    expect(at(['done', 'done'])).toEqual({ type: 'done' });
  });

  it('a recorded signed transaction: sent again when unknown, awaited when pending, never signed anew unless rejected', () => {
    expect(recordedTxDecision(null)).toBe('send');
    expect(recordedTxDecision({ status: 'pending' })).toBe('wait');
    expect(recordedTxDecision({ status: 'included' })).toBe('confirmed');
    expect(recordedTxDecision({ status: 'committed' })).toBe('confirmed');
    expect(recordedTxDecision({ status: 'rejected' })).toBe('rejected');
  });

  it('an L1 deposit pinned to a nonce: found by its event, sent with that nonce, or prepared again once another tx took it', () => {
    expect(l1DepositDecision({ found: true, pendingTxKnown: false, minedNonceCount: 9, l1Nonce: 5 })).toBe('found');
    expect(l1DepositDecision({ found: false, pendingTxKnown: false, minedNonceCount: 5, l1Nonce: 5 })).toBe('send');
    expect(l1DepositDecision({ found: false, pendingTxKnown: true, minedNonceCount: 5, l1Nonce: 5 })).toBe('wait');
    expect(l1DepositDecision({ found: false, pendingTxKnown: false, minedNonceCount: 6, l1Nonce: 5 })).toBe('reprepare');
  });
});

// ------------------------------------------------------------------------------------------------ executor

const L1_CHAIN_ID = 31337;
const provider = new JsonRpcProvider('http://127.0.0.1:9', Network.from(L1_CHAIN_ID), { staticNetwork: Network.from(L1_CHAIN_ID) });
const wallet = Wallet.createRandom().connect(provider);
const me = wallet.address.toLowerCase() as Address;

/** A node of chain A (a child of the root) that scripts receipts and submissions. */
async function chainA(script: { receipt: (hash: string) => unknown; send: (tx: any) => unknown }): Promise<FakeNode> {
  return fakeNode({
    pt_chainInfo: () => ({
      chainId: A, parentChainId: ROOT_CHAIN_ID, l1ChainId: L1_CHAIN_ID, rootContract: ROOT, validators: [], threshold: 1, challengeWindow: 2,
      head: { number: 3, hash: '0x' + '00'.repeat(32) }, committed: { number: 0, hash: '0x' + '00'.repeat(32) }, depositNonce: 0, mempoolSize: 0,
    }),
    pt_getAccount: () => ({ slot: 4, balance: '1000', nonce: 7, pendingNonce: 7 }),
    pt_getReceipt: ([h]) => script.receipt(h),
    pt_sendTransaction: ([tx]) => script.send(tx),
  });
}

/** A state at `withdraw-signed` for the route A → L1, its withdrawal signed through the fake node. */
async function signedState(node: FakeNode, file: string): Promise<RouteState> {
  const client = new PlasmaClient({ l1: wallet, rootContract: ROOT, chainId: A, nodeUrl: node.url });
  const prepared = await client.prepareTx({ kind: 'withdraw', token: NATIVE_TOKEN, amount: 150n });
  const s = newRouteState({ route: A_TO_L1, l1ChainId: L1_CHAIN_ID, rootContract: ROOT, account: me, token: NATIVE_TOKEN, amount: 150n, recipient: me });
  s.hops[0] = { ...s.hops[0], step: 'withdraw-signed', withdrawTx: signedTxToJson(prepared.tx), withdrawTxHash: prepared.hash };
  writeRouteState(file, s);
  return s;
}

/** Resumes `file` and stops after the first step it records. */
async function resumeOneStep(tree: TreeClient, file: string): Promise<{ error: unknown; steps: RouteProgress[] }> {
  const ac = new AbortController();
  const steps: RouteProgress[] = [];
  const error = await tree.resumeRoute(file, {
    signal: ac.signal,
    onProgress: (p) => {
      if (p.type !== 'step') return;
      steps.push(p);
      ac.abort();
    },
  }).then(() => undefined, (e: unknown) => e);
  return { error, steps };
}

describe('resuming against a scripted node', () => {
  it('sends the recorded withdrawal again when the node does not know it: the same signature, once', async () => {
    const sent: any[] = [];
    let known = false;
    const node = await chainA({
      receipt: (h) => (known ? { txHash: h, status: 'included', blockNumber: 3, index: 0, exitIndex: 0, windowEnd: null } : null),
      send: (tx) => {
        sent.push(tx);
        known = true;
        return { hash: signedTxDigest(plasmaDomain(L1_CHAIN_ID, ROOT), signedTxFromJson(tx) as SpendTx) };
      },
    });
    try {
      const file = join(dir, 'resend.json');
      const s = await signedState(node, file);
      const tree = new TreeClient({ l1: wallet, rootContract: ROOT, nodes: { [A]: node.url }, names: { [A]: 'A' }, pollMs: 20 });
      const { error, steps } = await resumeOneStep(tree, file);
      expect(error).toMatchObject({ code: 'ABORTED' });
      expect((error as PlasmaError).hint).toContain(file);
      expect(sent).toHaveLength(1);
      expect(sent[0].signature).toBe((s.hops[0].withdrawTx as { signature: string }).signature);
      expect(steps.map((p) => p.step)).toEqual(['withdrawn']);
      expect(readRouteState(file).hops[0]).toMatchObject({ step: 'withdrawn', blockNumber: 3, exitIndex: 0, withdrawTxHash: s.hops[0].withdrawTxHash });
    } finally {
      await node.close();
    }
  });

  it('signs anew only when the recorded withdrawal can never be included (its nonce was used) or was rejected', async () => {
    const sent: any[] = [];
    let rejectedHash: string | undefined;
    const node = await chainA({
      receipt: (h) => (h === rejectedHash ? { txHash: h, status: 'rejected', blockNumber: null, index: null, exitIndex: null, windowEnd: null, reason: 'INSUFFICIENT_BALANCE', message: 'too little' } : null),
      send: (tx) => {
        sent.push(tx);
        throw { code: -32000, message: 'nonce mismatch', data: { reason: 'NONCE_MISMATCH' } };
      },
    });
    try {
      const file = join(dir, 'resign.json');
      const s = await signedState(node, file);
      const tree = new TreeClient({ l1: wallet, rootContract: ROOT, nodes: { [A]: node.url }, pollMs: 20 });
      const { error, steps } = await resumeOneStep(tree, file);
      expect(error).toMatchObject({ code: 'ABORTED' });
      expect(sent).toHaveLength(1);
      expect(steps[0]).toMatchObject({ step: 'pending' });
      expect(steps[0].message).toMatch(/can no longer be included/);
      expect(readRouteState(file).hops[0].step).toBe('pending');

      // Rejected by the block producer: nothing moved; the error keeps its reason, the state starts the hop over.
      writeRouteState(file, s);
      rejectedHash = s.hops[0].withdrawTxHash;
      const e = await rejection(tree.resumeRoute(file), 'INSUFFICIENT_BALANCE');
      expect(e.hint).toMatch(/resume/);
      expect(readRouteState(file).hops[0].step).toBe('pending');
    } finally {
      await node.close();
    }
  });
});

describe('errors say what to do', () => {
  const tree = new TreeClient({ l1: wallet, rootContract: ROOT, nodes: { [A]: 'http://127.0.0.1:9' }, names: { [A]: 'A', [A1]: 'A1' } });

  it('chains: unknown names, chains without a node, L1 as a node', () => {
    expect(tree.chainId('A')).toBe(A);
    expect(tree.chainId('l1')).toBe(ROOT_CHAIN_ID);
    expect(tree.chainId(A2.toUpperCase().replace('0X', '0x'))).toBe(A2);
    expect(expectCode(() => tree.chainId('Z'), 'UNKNOWN_CHAIN').hint).toMatch(/A, A1/);
    expect(expectCode(() => tree.nodeUrl('A1'), 'NO_NODE').hint).toMatch(/nodes/);
    expectCode(() => tree.nodeUrl('L1'), 'NOT_A_CHAIN');
    expect(tree.nameOf(A)).toBe('A');
    expect(tree.nameOf(ROOT_CHAIN_ID)).toBe('L1');
    expect(treeConfigFromDevnet({ rootContract: ROOT.toUpperCase().replace('0X', '0x'), chains: [{ name: 'A', chainId: A, nodeUrl: 'http://x' }] })).toEqual({ rootContract: ROOT, nodes: { [A]: 'http://x' }, names: { [A]: 'A' } });
  });

  it('executeRoute: an empty route, a bad amount, a read-only client, a state file of another route', async () => {
    await rejection(tree.executeRoute({ from: A, to: A, via: A, hops: [], expectedSeconds: 0 }, { amount: 1n }), 'EMPTY_ROUTE');
    await rejection(tree.executeRoute(A_TO_L1, { amount: 0n }), 'INVALID_AMOUNT');
    await rejection(tree.executeRoute(A_TO_L1, { amount: 1 as unknown as bigint }), 'INVALID_AMOUNT');
    const readOnly = new TreeClient({ l1: provider, rootContract: ROOT, nodes: {}, account: me });
    await rejection(readOnly.executeRoute(A_TO_L1, { amount: 1n }), 'NO_SIGNER');
    await rejection(readOnly.resumeRoute(join(dir, 'x.json')), 'NO_SIGNER');

    const file = join(dir, 'other-route.json');
    writeRouteState(file, newRouteState({ route: A1_TO_A2, l1ChainId: L1_CHAIN_ID, rootContract: ROOT, account: me, token: NATIVE_TOKEN, amount: 5n, recipient: me }));
    const e = await rejection(tree.executeRoute(A_TO_L1, { amount: 5n, stateFile: file }), 'ROUTE_STATE_MISMATCH');
    expect(e.hint).toMatch(/--resume/);
    await rejection(tree.resumeRoute(join(dir, 'missing.json')), 'ROUTE_STATE_NOT_FOUND');
  });

  it('resumeRoute: another key, another root contract or L1', async () => {
    const file = join(dir, 'theirs.json');
    writeRouteState(file, newRouteState({ route: A_TO_L1, l1ChainId: L1_CHAIN_ID, rootContract: ROOT, account: BOB, token: NATIVE_TOKEN, amount: 5n, recipient: BOB }));
    expect((await rejection(tree.resumeRoute(file), 'WRONG_ACCOUNT')).hint).toMatch(/same --account/);
    writeRouteState(file, newRouteState({ route: A_TO_L1, l1ChainId: 1, rootContract: ROOT, account: me, token: NATIVE_TOKEN, amount: 5n, recipient: me }));
    await rejection(tree.resumeRoute(file), 'WRONG_NETWORK');
    expect(existsSync(file)).toBe(true);
  });

  it('a chain whose parent is a chain needs the parent\'s node for its withdrawals', async () => {
    const node = await fakeNode({
      pt_chainInfo: () => ({ chainId: A1, parentChainId: A, l1ChainId: L1_CHAIN_ID, rootContract: ROOT, validators: [], threshold: 1, challengeWindow: 2, head: { number: 1 }, committed: { number: 1 }, depositNonce: 0, mempoolSize: 0 }),
      pt_getReceipt: ([h]) => ({ txHash: h, status: 'committed', blockNumber: 1, index: 0, exitIndex: 0, windowEnd: 10 }),
    });
    try {
      const client = new PlasmaClient({ l1: wallet, rootContract: ROOT, chainId: A1, nodeUrl: node.url });
      expect(await client.parentChainId()).toBe(A);
      const e = await rejection(client.withdrawalStatus(('0x' + '01'.repeat(32)) as Hex), 'PARENT_NODE_REQUIRED');
      expect(e.hint).toMatch(/parentNode/);
      await rejection(client.finalizeExit(('0x' + '01'.repeat(32)) as Hex), 'PARENT_NODE_REQUIRED');
      // Through a TreeClient that knows no node for A: the hint names the option to fill in.
      const tree2 = new TreeClient({ l1: wallet, rootContract: ROOT, nodes: { [A1]: node.url } });
      expect((await rejection(tree2.withdrawalStatus(A1, ('0x' + '01'.repeat(32)) as Hex), 'NO_NODE')).hint).toMatch(/nodes/);
    } finally {
      await node.close();
    }
  });
});
