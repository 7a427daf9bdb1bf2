import { afterEach, describe, expect, it } from 'vitest';
import { PlasmaError, isPlasmaError } from '@plasma-tree/core';
import { NodeClient, errorNameToCode, bareMessage } from '@plasma-tree/sdk';
import { closedPort, fakeNode, type FakeNode } from './helpers.js';

async function rejection(p: Promise<unknown>): Promise<PlasmaError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(PlasmaError);
    return e as PlasmaError;
  }
  throw new Error('expected a rejection');
}

describe('NodeClient', () => {
  let node: FakeNode | undefined;
  afterEach(async () => {
    await node?.close();
    node = undefined;
  });

  it('says NODE_UNREACHABLE, with the URL and how to start a node, when nothing listens', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const e = await rejection(new NodeClient(url).chainInfo());
    expect(e.code).toBe('NODE_UNREACHABLE');
    expect(e.hint).toContain(`is the node running at ${url}?`);
    expect(e.hint).toContain('plasma-tree node start');
    expect(e.hint).toContain('plasma-tree devnet');
    expect(e.data).toMatchObject({ url, method: 'pt_chainInfo' });
  });

  it('maps a JSON-RPC domain error back to a PlasmaError with the same reason code', async () => {
    node = await fakeNode({
      pt_sendTransaction: () => {
        throw { code: -32000, message: 'nonce 3 expected, got 2 — resend it', data: { reason: 'NONCE_MISMATCH', expected: 3, got: 2, hint: 'resend it' } };
      },
    });
    const client = new NodeClient(node.url);
    const e = await rejection(client.request('pt_sendTransaction', [{}]));
    expect(e.code).toBe('NONCE_MISMATCH');
    expect(bareMessage(e)).toBe('nonce 3 expected, got 2');
    expect(e.hint).toBe('resend it');
    expect(e.data).toMatchObject({ expected: 3, got: 2, rpcCode: -32000, method: 'pt_sendTransaction' });
    expect(isPlasmaError(e, 'NONCE_MISMATCH')).toBe(true);
  });

  it('fills in a hint for known codes the node sent without one', async () => {
    node = await fakeNode({ pt_getAccount: () => { throw { code: -32000, message: 'balance too low', data: { reason: 'INSUFFICIENT_BALANCE' } }; } });
    const e = await rejection(new NodeClient(node.url).getAccount('0x' + '11'.repeat(20) as any, '0x' + '00'.repeat(20) as any));
    expect(e.code).toBe('INSUFFICIENT_BALANCE');
    expect(e.hint).toMatch(/plasma-tree balance/);
  });

  it('reports unknown methods, HTTP errors and non-JSON answers', async () => {
    node = await fakeNode({});
    expect((await rejection(new NodeClient(node.url).chainInfo())).code).toBe('METHOD_NOT_FOUND');
    await node.close();
    node = await fakeNode({}, { raw: () => ({ status: 502, body: 'bad gateway' }) });
    expect((await rejection(new NodeClient(node.url).chainInfo())).code).toBe('NODE_HTTP_ERROR');
    await node.close();
    node = await fakeNode({}, { raw: () => ({ status: 200, body: '<html>' }) });
    expect((await rejection(new NodeClient(node.url).chainInfo())).code).toBe('BAD_RESPONSE');
  });

  it('times out with NODE_TIMEOUT', async () => {
    node = await fakeNode({ pt_chainInfo: () => new Promise((r) => setTimeout(r, 2_000)) });
    const e = await rejection(new NodeClient({ url: node.url, timeoutMs: 100 }).chainInfo());
    expect(e.code).toBe('NODE_TIMEOUT');
  });

  it('refuses a malformed URL with BAD_URL', () => {
    expect(() => new NodeClient('not a url')).toThrowError(PlasmaError);
  });

  it('decodes amounts as bigint and nulls as null', async () => {
    node = await fakeNode({
      pt_getAccount: () => ({ slot: 7, balance: '1000000000000000000000', nonce: 2, pendingNonce: 3 }),
      pt_getBalance: () => '42',
      pt_getReceipt: ([h]) => (h === '0x01' ? null : { txHash: h, status: 'committed', blockNumber: 4, index: 1, exitIndex: 0, windowEnd: 1700000000 }),
      pt_getBlockByNumber: () => null,
    });
    const c = new NodeClient(node.url);
    expect(await c.getAccount('0x' + '11'.repeat(20) as any, '0x' + '00'.repeat(20) as any)).toEqual({ slot: 7, balance: 10n ** 21n, nonce: 2n, pendingNonce: 3n });
    expect(await c.getBalance('0x' + '11'.repeat(20) as any, '0x' + '00'.repeat(20) as any)).toBe(42n);
    expect(await c.getReceipt('0x01')).toBeNull();
    expect(await c.getReceipt('0x02')).toMatchObject({ status: 'committed', blockNumber: 4, exitIndex: 0, windowEnd: 1700000000 });
    expect(await c.getBlockByNumber('latest')).toBeNull();
  });
});

describe('errorNameToCode', () => {
  it('turns Solidity custom error names into SCREAMING_SNAKE codes', () => {
    expect(errorNameToCode('AlreadyWithdrawn')).toBe('ALREADY_WITHDRAWN');
    expect(errorNameToCode('SubtreeBalanceExceeded')).toBe('SUBTREE_BALANCE_EXCEEDED');
    expect(errorNameToCode('ChallengeWindowOpen')).toBe('CHALLENGE_WINDOW_OPEN');
    expect(errorNameToCode('ERC20InsufficientBalance')).toBe('ERC20_INSUFFICIENT_BALANCE');
    expect(errorNameToCode('SignatureBadV')).toBe('SIGNATURE_BAD_V');
  });
});
