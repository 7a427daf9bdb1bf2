import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PlasmaError } from '@plasma-tree/core';
import { silentLogger } from '../src/index.js';
import { JsonRpcServer, invalidParams } from '../src/rpc/server.js';

let server: JsonRpcServer;
let url: string;
const order: number[] = [];

beforeAll(async () => {
  server = new JsonRpcServer(
    {
      echo: (params) => params,
      slowEcho: async (params) => {
        await new Promise((r) => setTimeout(r, 20));
        return params[0];
      },
      record: (params) => {
        order.push(params[0] as number);
        return null;
      },
      domainError: () => {
        throw new PlasmaError('NONCE_MISMATCH', 'slot 3 expects nonce 1', { data: { slot: 3 }, hint: 'sign again' });
      },
      badParams: () => {
        throw invalidParams('params[0] must be a number');
      },
      bug: () => {
        throw new TypeError('cannot read properties of undefined');
      },
    },
    { host: '127.0.0.1', port: 0, maxBodyBytes: 1024, maxBatchCalls: 3, logger: silentLogger },
  );
  url = await server.listen();
});
afterAll(() => server.close());

async function post(body: string): Promise<{ status: number; json: any }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : undefined };
}

const call = (method: string, params?: unknown, id: number | string | null = 1) => ({ jsonrpc: '2.0', id, method, params });

describe('JsonRpcServer', () => {
  it('answers a call with its id', async () => {
    expect((await post(JSON.stringify(call('echo', [1, 'a'], 'x')))).json).toEqual({ jsonrpc: '2.0', id: 'x', result: [1, 'a'] });
  });

  it('answers a batch in order, starting its calls in request order, and skips notifications', async () => {
    order.length = 0;
    const batch = [call('slowEcho', ['a'], 1), { jsonrpc: '2.0', method: 'record', params: [1] }, call('record', [2], 2)];
    const { json } = await post(JSON.stringify(batch));
    expect(json).toEqual([
      { jsonrpc: '2.0', id: 1, result: 'a' },
      { jsonrpc: '2.0', id: 2, result: null },
    ]);
    expect(order).toEqual([1, 2]);
  });

  it('maps failures to JSON-RPC error codes', async () => {
    const errorOf = async (body: unknown) => (await post(typeof body === 'string' ? body : JSON.stringify(body))).json.error;
    expect(await errorOf('{oops')).toMatchObject({ code: -32700 });
    expect(await errorOf({ id: 1, method: 'echo' })).toMatchObject({ code: -32600 });
    expect(await errorOf([])).toMatchObject({ code: -32600 });
    expect(await errorOf(call('nope'))).toMatchObject({ code: -32601, message: 'method not found: nope' });
    expect(await errorOf(call('echo', { a: 1 }))).toMatchObject({ code: -32602 });
    expect(await errorOf(call('badParams', []))).toEqual({ code: -32602, message: 'params[0] must be a number' });
    expect(await errorOf(call('domainError', []))).toEqual({
      code: -32000,
      message: 'slot 3 expects nonce 1 — sign again',
      data: { reason: 'NONCE_MISMATCH', slot: 3, hint: 'sign again' },
    });
    expect(await errorOf(call('bug', []))).toEqual({ code: -32603, message: 'internal error (see the node log)' });
    expect(await errorOf(call('hasOwnProperty', []))).toMatchObject({ code: -32601 });
  });

  it('refuses oversized bodies and batches', async () => {
    const big = await post(JSON.stringify(call('echo', ['x'.repeat(2000)])));
    expect(big.status).toBe(413);
    expect(big.json.error.code).toBe(-32600);
    const { json } = await post(JSON.stringify([call('echo', [], 1), call('echo', [], 2), call('echo', [], 3), call('echo', [], 4)]));
    expect(json.error).toMatchObject({ code: -32600, message: 'batch of 4 calls; at most 3' });
  });

  it('only takes POST', async () => {
    expect((await fetch(url)).status).toBe(405);
  });
});
