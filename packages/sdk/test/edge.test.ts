/**
 * Edge calls in the SDK without a chain: argument checks and encodings (function refs, payloads, messages, the
 * EDGE_FROM_CHILD hash), the JSON-RPC methods of edge functions against a scripted node, and PlasmaClient /
 * TreeClient refusing bad calls before anything is signed or sent. The real thing is test/edge-sdk.e2e.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JsonRpcProvider, Network, Wallet } from 'ethers';
import {
  MAX_EDGE_PAYLOAD,
  MESSAGE_FN,
  PlasmaError,
  ROOT_CHAIN_ID,
  TxKind,
  ZERO_BYTES32,
  bytesToHex,
  chainIdOf,
  concatBytes,
  defineEdgeFunction,
  edgeFunctionId,
  encodeEdgeFromChildData,
  encodeMessagePayload,
  hexToBytes,
  keccak256,
  message,
  plasmaDomain,
  secp256k1Scheme,
  signedTxDigest,
  signedTxFromJson,
  transferToChild,
  type Address,
  type ChainId,
  type EdgeCallTx,
  type EdgeFromChildTx,
  type Header,
  type Hex,
} from '@plasma-tree/core';
import {
  NodeClient,
  PlasmaClient,
  TreeClient,
  checkEdgeCall,
  checkEdgePayload,
  edgeFromChildHash,
  edgeFromChildTx,
  messageOfProof,
  messagePayload,
  resolveEdgeFunction,
  type ExitProof,
} from '@plasma-tree/sdk';
import { fakeNode, type FakeNode } from './helpers.js';

async function rejection(p: Promise<unknown> | (() => unknown)): Promise<PlasmaError> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    if (!(e instanceof PlasmaError)) throw e;
    return e;
  }
  throw new Error('expected a rejection');
}

const counter = defineEdgeFunction({
  name: 'test/counter/v1',
  direction: 'down',
  decode: (payload: Hex) => {
    if (payload.length !== 66) throw new Error('the payload is one uint256');
    return BigInt(payload);
  },
  receive: () => {},
});
const ping = defineEdgeFunction({ name: 'test/ping/v1', direction: 'up', receive: () => {} });

const word = (n: bigint): Hex => bytesToHex(hexToBytes(`0x${n.toString(16).padStart(64, '0')}`, 32));
const header: Header = {
  chainId: chainIdOf(ROOT_CHAIN_ID, 0),
  number: 3n,
  parentHash: `0x${'01'.repeat(32)}`,
  txRoot: `0x${'02'.repeat(32)}`,
  stateRoot: `0x${'03'.repeat(32)}`,
  exitRoot: `0x${'04'.repeat(32)}`,
  depositNonce: 2n,
  timestamp: 1_700_000_000n,
};

describe('edge call arguments', () => {
  it('resolves a function by id, name or definition, and refuses what names none or two', async () => {
    expect(resolveEdgeFunction({ fn: 'test/counter/v1' }).fn).toBe(counter.fn);
    expect(resolveEdgeFunction({ fn: counter.fn.toUpperCase().replace('0X', '0x') as Hex }).fn).toBe(counter.fn);
    expect(resolveEdgeFunction({ edge: counter })).toMatchObject({ fn: counter.fn, name: 'test/counter/v1', direction: 'down' });
    expect(resolveEdgeFunction({ edge: message }).fn).toBe(MESSAGE_FN);
    expect(resolveEdgeFunction({ fn: counter.fn, edge: counter }).fn).toBe(counter.fn);

    expect((await rejection(() => resolveEdgeFunction({}))).code).toBe('INVALID_ARGUMENTS');
    expect((await rejection(() => resolveEdgeFunction({ fn: ping.fn, edge: counter }))).code).toBe('FN_MISMATCH');
    expect((await rejection(() => resolveEdgeFunction({ fn: '0x1234' }))).code).toBe('INVALID_ARGUMENTS');
    expect((await rejection(() => resolveEdgeFunction({ fn: '' }))).code).toBe('INVALID_ARGUMENTS');
    expect((await rejection(() => resolveEdgeFunction({ edge: { name: 'x', fn: counter.fn, direction: 'down' } }))).code).toBe('INVALID_ARGUMENTS');
    const token = await rejection(() => resolveEdgeFunction({ edge: transferToChild }));
    expect(token.code).toBe('NOT_AN_EDGE_CALL');
    expect(token.hint).toMatch(/deposit/);
  });

  it('checks payloads: hex bytes, at most MAX_EDGE_PAYLOAD, the function\'s own decode, the direction', async () => {
    expect(checkEdgePayload('0xABCD')).toBe('0xabcd');
    expect(checkEdgePayload(new Uint8Array([1, 2]))).toBe('0x0102');
    expect(checkEdgePayload('0x')).toBe('0x');
    expect(checkEdgePayload(`0x${'00'.repeat(MAX_EDGE_PAYLOAD)}`)).toHaveLength(2 + 2 * MAX_EDGE_PAYLOAD);
    for (const bad of ['abcd', '0xabc', '0xzz', 12, undefined]) expect((await rejection(() => checkEdgePayload(bad))).code, String(bad)).toBe('INVALID_PAYLOAD');
    const big = await rejection(() => checkEdgePayload(`0x${'00'.repeat(MAX_EDGE_PAYLOAD + 1)}`));
    expect(big.code).toBe('PAYLOAD_TOO_LARGE');
    expect(big.data).toMatchObject({ length: MAX_EDGE_PAYLOAD + 1, maximum: MAX_EDGE_PAYLOAD });

    const f = resolveEdgeFunction({ edge: counter });
    expect(checkEdgeCall(f, 'down', word(7n))).toBe(word(7n));
    const refused = await rejection(() => checkEdgeCall(f, 'down', '0x01'));
    expect(refused.code).toBe('EDGE_CALL_REFUSED');
    expect(refused.message).toMatch(/one uint256/);
    const up = await rejection(() => checkEdgeCall(f, 'up', word(7n)));
    expect(up.code).toBe('EDGE_DIRECTION_MISMATCH');
    expect(up.hint).toMatch(/child/);
    expect((await rejection(() => checkEdgeCall(resolveEdgeFunction({ edge: ping }), 'down', '0x'))).code).toBe('EDGE_DIRECTION_MISMATCH');
    // The message function runs both ways; its decode refuses a payload that is not abi.encode(address, bytes).
    const m = resolveEdgeFunction({ edge: message });
    const payload = messagePayload('0x' + '11'.repeat(20), '0xbeef');
    expect(checkEdgeCall(m, 'up', payload)).toBe(payload);
    expect(checkEdgeCall(m, 'down', payload)).toBe(payload);
    expect((await rejection(() => checkEdgeCall(m, 'down', '0x1234'))).code).toBe('MALFORMED_EDGE_PAYLOAD');
    // By id only, nothing is known of the function: the chain decides.
    expect(checkEdgeCall(resolveEdgeFunction({ fn: counter.fn }), 'up', '0x01')).toBe('0x01');
  });

  it('encodes messages as abi.encode(address target, bytes data) and refuses bad targets and data', async () => {
    const target = '0x' + 'AB'.repeat(20);
    expect(messagePayload(target, '0xBEEF')).toBe(encodeMessagePayload({ target: target.toLowerCase() as Address, data: '0xbeef' }));
    expect(messagePayload(target, new Uint8Array([0xbe, 0xef]))).toBe(messagePayload(target, '0xbeef'));
    expect((await rejection(() => messagePayload('0x1234', '0x'))).code).toBe('INVALID_ADDRESS');
    expect((await rejection(() => messagePayload(target, 'hello'))).code).toBe('INVALID_PAYLOAD');
    // 96 bytes of head: data of MAX_EDGE_PAYLOAD - 96 bytes is the most a message carries.
    expect(messagePayload(target, `0x${'00'.repeat(MAX_EDGE_PAYLOAD - 96)}`)).toHaveLength(2 + 2 * MAX_EDGE_PAYLOAD);
    expect((await rejection(() => messagePayload(target, `0x${'00'.repeat(MAX_EDGE_PAYLOAD - 95)}`))).code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('builds the EDGE_FROM_CHILD of an exit proof and its hash (kind ‖ chainId ‖ sender ‖ data)', async () => {
    const parent = `0x${'aa'.repeat(32)}` as ChainId;
    const sender = `0x${'5e'.repeat(20)}` as Address;
    const payload = messagePayload(`0x${'11'.repeat(20)}`, '0x01');
    const proof: ExitProof = {
      chainId: header.chainId, blockNumber: 3, header, windowEnd: 1_700_000_100, index: 1, proof: Array.from({ length: 16 }, (_, i) => word(BigInt(i))),
      leaf: { kind: 'edge', fn: MESSAGE_FN, sourceChain: header.chainId, sender, payload },
    };
    const tx = edgeFromChildTx(parent, proof);
    expect(tx).toMatchObject({ kind: TxKind.EdgeFromChild, chainId: parent, child: header.chainId, windowEnd: 1_700_000_100n, index: 1n, fn: MESSAGE_FN, sender, payload });
    const data = encodeEdgeFromChildData({ child: tx.child, header, windowEnd: tx.windowEnd, fn: tx.fn, payload, index: 1n, proof: tx.proof });
    const expected = bytesToHex(keccak256(concatBytes(Uint8Array.of(9), hexToBytes(parent, 32), hexToBytes(sender, 20), hexToBytes(data))));
    expect(edgeFromChildHash(tx)).toBe(expected);
    // Another sender is another transaction.
    expect(edgeFromChildHash({ ...tx, sender: `0x${'5f'.repeat(20)}` as Address })).not.toBe(expected);
    // The same event with checksummed / uppercase fields hashes the same.
    expect(edgeFromChildHash({ ...tx, fn: tx.fn.toUpperCase().replace('0X', '0x') as Hex })).toBe(expected);

    expect(messageOfProof(proof)).toEqual({ target: `0x${'11'.repeat(20)}`, data: '0x01' });
    const own = { ...proof, leaf: { ...proof.leaf, fn: ping.fn } } as ExitProof;
    expect((await rejection(() => messageOfProof(own))).code).toBe('NOT_A_MESSAGE');
    const exit = { ...proof, leaf: { kind: 'exit', recipient: sender, token: `0x${'00'.repeat(20)}`, amount: 1n } } as ExitProof;
    expect((await rejection(() => edgeFromChildTx(parent, exit))).code).toBe('NOT_AN_EDGE_EVENT');
    expect((await rejection(() => messageOfProof(exit))).code).toBe('NOT_AN_EDGE_EVENT');
  });
});

// ------------------------------------------------------------------------------------------------ scripted nodes

const ROOT = '0x5fbdb2315678afecb367f032d93f642f64180aa3' as Address;
const A = chainIdOf(ROOT_CHAIN_ID, 0);
const A1 = chainIdOf(A, 0);
const B = chainIdOf(ROOT_CHAIN_ID, 1);
const user = new Wallet(`0x${'42'.repeat(32)}`);
const me = user.address.toLowerCase() as Address;
const domain = plasmaDomain(31337, ROOT);

function info(chainId: ChainId, parentChainId: ChainId, extra: Record<string, unknown> = {}) {
  return {
    chainId, parentChainId, l1ChainId: 31337, rootContract: ROOT, validators: [], threshold: 1, challengeWindow: 5,
    head: { number: 4, hash: ZERO_BYTES32 }, committed: { number: 4, hash: ZERO_BYTES32 }, final: { number: 0, hash: ZERO_BYTES32 },
    depositNonce: 0, mempoolSize: 0, ...extra,
  };
}

let l1: FakeNode;
let provider: JsonRpcProvider;
let signer: Wallet;

beforeAll(async () => {
  l1 = await fakeNode({ eth_chainId: () => '0x7a69' });
  const network = Network.from(31337);
  provider = new JsonRpcProvider(l1.url, network, { staticNetwork: network });
  signer = user.connect(provider);
});
afterAll(async () => {
  provider?.destroy();
  await l1?.close();
});

describe('NodeClient: the JSON-RPC methods of edge functions', () => {
  it('decodes deliveries, inboxes, storage, exit proofs and edge records; malformed answers are BAD_RESPONSE', async () => {
    let inbox: unknown = [{ index: 1, sourceChain: ROOT_CHAIN_ID, sender: me, target: `0x${'11'.repeat(20)}`, data: '0xBEEF' }];
    const node = await fakeNode({
      pt_getEdgeDelivery: ([nonce]) => (nonce === 3 ? { nonce: 3, fn: counter.fn, status: 'failed' } : nonce === 4 ? { nonce: 4, fn: counter.fn, status: 'lost' } : null),
      pt_getInbox: () => inbox,
      pt_getEdgeStorage: ([fn, key]) => (fn === counter.fn && key === '0x01' ? '0x' + '00'.repeat(31) + '07' : null),
      pt_getExitProof: () => ({
        chainId: A, blockNumber: 3, header: { chainId: A, number: 3, parentHash: ZERO_BYTES32, txRoot: ZERO_BYTES32, stateRoot: ZERO_BYTES32, exitRoot: ZERO_BYTES32, depositNonce: 0, timestamp: 10 },
        windowEnd: 20, leaf: { kind: 'edge', fn: ping.fn, sourceChain: A, sender: me, payload: '0x' }, index: 0, proof: Array(16).fill(ZERO_BYTES32),
      }),
      pt_getChildDeposits: () => [
        { kind: 'deposit', child: A1, nonce: 1, from: me, to: me, token: `0x${'00'.repeat(20)}`, amount: '5', depositHash: ZERO_BYTES32, blockNumber: 2, index: 0 },
        { kind: 'edge', child: A1, nonce: 2, fn: counter.fn, sender: me, payload: word(1n), depositHash: ZERO_BYTES32, blockNumber: 3, index: 1 },
      ],
    });
    try {
      const c = new NodeClient(node.url);
      expect(await c.getEdgeDelivery(3n)).toEqual({ nonce: 3n, fn: counter.fn, status: 'failed' });
      expect(await c.getEdgeDelivery(9)).toBeNull();
      expect((await rejection(c.getEdgeDelivery(4))).code).toBe('BAD_RESPONSE');
      expect(await c.getInbox()).toEqual([{ index: 1n, sourceChain: ROOT_CHAIN_ID, sender: me, target: `0x${'11'.repeat(20)}`, data: '0xbeef' }]);
      await c.getInbox(2, 10);
      expect(node.calls.filter((x) => x.method === 'pt_getInbox').map((x) => x.params)).toEqual([[], [2, 10]]);
      inbox = [{ index: 1, sourceChain: '0x12', sender: me, target: me, data: '0x' }];
      expect((await rejection(c.getInbox())).code).toBe('BAD_RESPONSE');
      expect(await c.getEdgeStorage(counter.fn, '0x01')).toBe('0x' + '00'.repeat(31) + '07');
      expect(await c.getEdgeStorage(counter.fn, '0x02')).toBeNull();
      const p = await c.getExitProof(`0x${'ee'.repeat(32)}`);
      expect(p.leaf).toEqual({ kind: 'edge', fn: ping.fn, sourceChain: A, sender: me, payload: '0x' });
      expect(p.header.number).toBe(3n);
      const [d, e] = await c.getChildDeposits(A1, 1, 2);
      expect(d).toMatchObject({ kind: 'deposit', nonce: 1n, amount: 5n });
      expect(e).toMatchObject({ kind: 'edge', nonce: 2n, fn: counter.fn, sender: me, from: me, amount: 0n, payload: word(1n), blockNumber: 3, index: 1 });
    } finally {
      await node.close();
    }
  });
});

describe('PlasmaClient: edge calls', () => {
  it('signs a down call as EIP-712 EdgeCall from the caller\'s slot, sends it and finds its nonce on the child\'s stream', async () => {
    let sent: any;
    const node = await fakeNode({
      pt_chainInfo: () => info(A, ROOT_CHAIN_ID),
      pt_getAccount: () => ({ slot: 3, balance: '0', nonce: 4, pendingNonce: 5 }),
      pt_getChildInfo: ([child]) => (child === A1 ? { chainId: A1, parentChainId: A, index: 0, spawner: me, bond: '1', validators: [], threshold: 1, challengeWindow: 5, depositCount: 7 } : null),
      pt_sendTransaction: ([tx]) => {
        sent = tx;
        return { hash: signedTxDigest(domain, signedTxFromJson(tx) as EdgeCallTx) };
      },
      pt_getReceipt: ([hash]) => ({ txHash: hash, status: 'included', blockNumber: 9, index: 2, exitIndex: null, windowEnd: null }),
      pt_getChildDeposits: () => [{ kind: 'edge', child: A1, nonce: 7, fn: counter.fn, sender: me, payload: word(5n), depositHash: ZERO_BYTES32, blockNumber: 9, index: 2 }],
    });
    try {
      const a = new PlasmaClient({ l1: signer, rootContract: ROOT, chainId: A, nodeUrl: node.url, pollMs: 10 });
      const r = await a.callEdge({ edge: counter, child: A1, payload: word(5n) });
      const tx = signedTxFromJson(sent) as EdgeCallTx;
      expect(sent.kind).toBe('edgeSend');
      expect(tx).toMatchObject({ kind: TxKind.EdgeSend, chainId: A, slot: 3, fn: counter.fn, child: A1, payload: word(5n), nonce: 5n });
      const digest = signedTxDigest(domain, tx);
      expect(secp256k1Scheme.recover(digest, tx.signature)).toBe(me);
      expect(r).toMatchObject({ direction: 'down', on: 'chain', chainId: A, peer: A1, fn: counter.fn, sender: me, txHash: digest, blockNumber: 9, nonce: 7n });
    } finally {
      await node.close();
    }
  });

  it('refuses before signing: payload, direction, unknown child, no slot, an own function up to L1', async () => {
    let account: any = { slot: null, balance: '0', nonce: 0, pendingNonce: 0 };
    const node = await fakeNode({
      pt_chainInfo: () => info(A, ROOT_CHAIN_ID),
      pt_getAccount: () => account,
      pt_getChildInfo: () => null,
      pt_sendTransaction: () => {
        throw new Error('must not be called');
      },
    });
    try {
      const a = new PlasmaClient({ l1: signer, rootContract: ROOT, chainId: A, nodeUrl: node.url });
      expect((await rejection(a.callEdge({ edge: counter, child: A1, payload: '0x01' }))).code).toBe('EDGE_CALL_REFUSED');
      expect((await rejection(a.callEdge({ edge: counter, payload: word(1n) }))).code).toBe('EDGE_DIRECTION_MISMATCH');
      expect((await rejection(a.callEdge({ fn: counter.fn, child: 'A1', payload: '0x' }))).code).toBe('INVALID_CHAIN_ID');
      expect((await rejection(a.callEdge({ fn: counter.fn, child: A1, payload: 'nope' as Hex }))).code).toBe('INVALID_PAYLOAD');
      const unknown = await rejection(a.callEdge({ fn: counter.fn, child: A1, payload: '0x' }));
      expect(unknown.code).toBe('UNKNOWN_CHAIN');
      const own = await rejection(a.callEdge({ edge: ping, payload: '0x' }));
      expect(own.code).toBe('NO_RECEIVE_HALF');
      expect(own.hint).toMatch(/message/);
      // A message up to L1 passes those checks; without a slot there is nothing to sign with.
      const noSlot = await rejection(a.callEdge({ fn: MESSAGE_FN, payload: messagePayload(me, '0x') }));
      expect(noSlot.code).toBe('UNKNOWN_ACCOUNT');
      expect(noSlot.hint).toMatch(/token/);
      account = { slot: 0, balance: '0', nonce: 0, pendingNonce: 0 };
      const readOnly = new PlasmaClient({ l1: provider, rootContract: ROOT, chainId: A, nodeUrl: node.url, account: me });
      expect((await rejection(readOnly.callEdge({ fn: MESSAGE_FN, payload: messagePayload(me, '0x') }))).code).toBe('NO_SIGNER');
      expect(node.calls.filter((c) => c.method === 'pt_sendTransaction')).toHaveLength(0);
    } finally {
      await node.close();
    }
  });

  it('waits for a down event on the child: delivered or failed, and NOT_AN_EDGE_EVENT for a token deposit', async () => {
    let depositNonce = 1;
    const node = await fakeNode({
      pt_chainInfo: () => info(A1, A, { depositNonce: depositNonce++ }),
      pt_getEdgeDelivery: ([nonce]) => (nonce === 3 ? { nonce: 3, fn: counter.fn, status: 'failed' } : null),
    });
    try {
      const a1 = new PlasmaClient({ l1: signer, rootContract: ROOT, chainId: A1, nodeUrl: node.url, pollMs: 5 });
      const seen: number[] = [];
      expect(await a1.waitForEdgeDelivery(3n, { pollMs: 5, onProgress: (p) => seen.push(p.depositNonce) })).toEqual({ direction: 'down', chainId: A1, nonce: 3n, fn: counter.fn, status: 'failed' });
      expect(seen).toEqual([1, 2, 3]);
      expect((await rejection(a1.waitForEdgeDelivery(2n, { pollMs: 5 }))).code).toBe('NOT_AN_EDGE_EVENT');
      expect((await rejection(a1.waitForEdgeDelivery(100n, { pollMs: 5, timeoutMs: 30 }))).code).toBe('TIMEOUT');
    } finally {
      await node.close();
    }
  });

  it('delivers an up event on a parent chain as EDGE_FROM_CHILD, after the window by the parent\'s clock, once', async () => {
    let windowEnd = Math.floor(Date.now() / 1000) + 3600;
    let spent = false;
    let sent: any;
    const a1Node = await fakeNode({
      pt_chainInfo: () => info(A1, A),
      pt_getExitProof: () => ({
        chainId: A1, blockNumber: 3, header: { chainId: A1, number: 3, parentHash: ZERO_BYTES32, txRoot: ZERO_BYTES32, stateRoot: ZERO_BYTES32, exitRoot: ZERO_BYTES32, depositNonce: 0, timestamp: 10 },
        windowEnd, leaf: { kind: 'edge', fn: ping.fn, sourceChain: A1, sender: me, payload: '0xabcd' }, index: 0, proof: Array(16).fill(ZERO_BYTES32),
      }),
    });
    const aNode = await fakeNode({
      pt_chainInfo: () => info(A, ROOT_CHAIN_ID),
      pt_time: () => 100,
      pt_getLedgerProof: () => ({ key: ZERO_BYTES32, entry: spent ? { kind: 5 } : null, blockNumber: 1 }),
      pt_sendTransaction: ([tx]) => {
        sent = tx;
        return { hash: edgeFromChildHash(signedTxFromJson(tx) as EdgeFromChildTx) };
      },
      pt_getReceipt: ([hash]) => ({ txHash: hash, status: 'included', blockNumber: 12, index: 0, exitIndex: null, windowEnd: null }),
    });
    try {
      const tree = new TreeClient({ l1: signer, rootContract: ROOT, nodes: { [A]: aNode.url, [A1]: a1Node.url }, names: { [A]: 'A', [A1]: 'A1' }, pollMs: 5 });
      const hash = `0x${'ee'.repeat(32)}` as Hex;
      const open = await rejection(tree.relayUp('A1', hash));
      expect(open.code).toBe('CHALLENGE_WINDOW_OPEN');
      expect(Number(open.data.secondsLeft)).toBeGreaterThan(3500);
      expect(open.hint).toMatch(/message relay .* --wait/);
      windowEnd = 150;
      const r = await tree.relayUp('A1', hash);
      expect(sent.kind).toBe('edgeFromChild');
      const tx = signedTxFromJson(sent) as EdgeFromChildTx;
      expect(tx).toMatchObject({ chainId: A, child: A1, fn: ping.fn, sender: me, payload: '0xabcd', index: 0n, windowEnd: 150n });
      expect(r).toMatchObject({ on: 'chain', parentChainId: A, txHash: edgeFromChildHash(tx), blockNumber: 12, chainId: A1, sourceBlock: 3, index: 0, fn: ping.fn, sender: me });
      spent = true;
      expect((await rejection(tree.deliverToParent('A1', hash))).code).toBe('ALREADY_DELIVERED');
      expect(aNode.calls.filter((c) => c.method === 'pt_sendTransaction')).toHaveLength(1);
    } finally {
      await a1Node.close();
      await aNode.close();
    }
  });

  it('refuses to relay to L1 what L1 cannot run, and an exit that is not an event', async () => {
    let leaf: any = { kind: 'edge', fn: ping.fn, sourceChain: A, sender: me, payload: '0x' };
    const node = await fakeNode({
      pt_chainInfo: () => info(A, ROOT_CHAIN_ID),
      pt_getExitProof: () => ({
        chainId: A, blockNumber: 3, header: { chainId: A, number: 3, parentHash: ZERO_BYTES32, txRoot: ZERO_BYTES32, stateRoot: ZERO_BYTES32, exitRoot: ZERO_BYTES32, depositNonce: 0, timestamp: 10 },
        windowEnd: 20, leaf, index: 0, proof: Array(16).fill(ZERO_BYTES32),
      }),
    });
    try {
      const a = new PlasmaClient({ l1: signer, rootContract: ROOT, chainId: A, nodeUrl: node.url });
      const hash = `0x${'ee'.repeat(32)}` as Hex;
      expect((await rejection(a.deliverToParent(hash))).code).toBe('NOT_A_MESSAGE');
      leaf = { kind: 'exit', recipient: me, token: `0x${'00'.repeat(20)}`, amount: '1' };
      expect((await rejection(a.deliverToParent(hash))).code).toBe('NOT_AN_EDGE_EVENT');
      const b = new PlasmaClient({ l1: signer, rootContract: ROOT, chainId: B, nodeUrl: node.url });
      expect((await rejection(b.deliverToParent(hash))).code).toBe('WRONG_CHAIN');
    } finally {
      await node.close();
    }
  });
});

describe('TreeClient: messages and calls on any edge', () => {
  it('refuses messages between chains that are not parent and child, and calls on L1 that go nowhere', async () => {
    const aNode = await fakeNode({ pt_chainInfo: () => info(A, ROOT_CHAIN_ID), pt_getChildInfo: () => null });
    const a1Node = await fakeNode({ pt_chainInfo: () => info(A1, A), pt_getChildInfo: () => null });
    try {
      const tree = new TreeClient({ l1: signer, rootContract: ROOT, nodes: { [A]: aNode.url, [A1]: a1Node.url }, names: { [A]: 'A', [A1]: 'A1', [B]: 'B' } });
      const target = `0x${'11'.repeat(20)}`;
      const far = await rejection(tree.sendMessage({ from: 'A1', to: 'L1', target, data: '0x' }));
      expect(far.code).toBe('NOT_AN_EDGE');
      expect(far.message).toMatch(/L1 is neither the parent nor a child of A1/);
      expect((await rejection(tree.sendMessage({ from: 'A', to: 'B', target, data: '0x' }))).code).toBe('NOT_AN_EDGE');
      expect((await rejection(tree.sendMessage({ from: 'A', to: 'A', target, data: '0x' }))).code).toBe('NOT_AN_EDGE');
      expect((await rejection(tree.sendMessage({ from: 'A', to: 'L1', target: 'bob', data: '0x' }))).code).toBe('INVALID_ADDRESS');
      expect((await rejection(tree.sendMessage({ from: 'A', to: 'Z', target, data: '0x' }))).code).toBe('UNKNOWN_CHAIN');
      expect((await rejection(tree.callEdge({ chain: 'L1', fn: counter.fn, payload: '0x' }))).code).toBe('EDGE_DIRECTION_MISMATCH');
      expect((await rejection(tree.callEdge({ chain: 'A', child: 'L1', fn: counter.fn, payload: '0x' }))).code).toBe('INVALID_ARGUMENTS');
      expect((await rejection(tree.callEdge({ chain: 'L1', child: 'A', edge: counter, payload: '0x01' }))).code).toBe('EDGE_CALL_REFUSED');
      expect((await rejection(tree.edgeStorage('A', counter, 'key' as Hex))).code).toBe('INVALID_KEY');
      expect(edgeFunctionId('test/counter/v1')).toBe(counter.fn);
    } finally {
      await aNode.close();
      await a1Node.close();
    }
  });
});
