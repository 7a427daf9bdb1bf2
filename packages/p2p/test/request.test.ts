import { afterEach, describe, expect, it } from 'vitest';
import { PlasmaError } from '@plasma-tree/core';
import type { P2PHost, ProtocolSpec } from '../src/index.js';
import { Hosts, text, untext, waitFor } from './helpers.js';

const hosts = new Hosts();
afterEach(() => hosts.closeAll());

const limits = { maxRequestBytes: 64, maxResponseBytes: 1000, ratePerSecond: 1000, burst: 1000 };
const echo: ProtocolSpec = { ...limits, handler: async (req) => req };

/** Expects `promise` to fail with a PlasmaError of `code` whose data matches `data`. */
async function failsWith(promise: Promise<unknown>, code: string, data: object = {}): Promise<PlasmaError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(PlasmaError);
  expect(error).toMatchObject({ code, data });
  return error as PlasmaError;
}

async function pair(serverOptions: { maxStrikes?: number } = {}): Promise<{ server: P2PHost; client: P2PHost }> {
  const server = await hosts.start(serverOptions);
  const client = await hosts.start({ bootstrap: server.addresses });
  await waitFor('the client connected', () => client.peers.includes(server.peerId));
  return { server, client };
}

describe('request/response', () => {
  it('round-trips, and passes a handler error back as a coded failure', async () => {
    const { server, client } = await pair();
    await server.handle('/echo/1', echo);
    await server.handle('/coded/1', { ...limits, handler: async () => { throw new PlasmaError('UNKNOWN_BLOCK', 'no block 7', { hint: 'ask later' }); } });
    await server.handle('/buggy/1', { ...limits, handler: async () => { throw new Error('secret internals'); } });
    await server.handle('/big/1', { ...limits, handler: async () => new Uint8Array(2000) });

    expect(untext(await client.request(server.peerId, '/echo/1', text('ping')))).toBe('ping');
    expect(await client.request(server.peerId, '/echo/1', new Uint8Array(0))).toHaveLength(0);

    const coded = { peer: server.peerId, protocol: '/coded/1', reason: 'UNKNOWN_BLOCK' };
    const error = await failsWith(client.request(server.peerId, '/coded/1', text('7')), 'P2P_REQUEST_FAILED', coded);
    expect(error.data.remoteMessage).toContain('no block 7');
    const buggy = await failsWith(client.request(server.peerId, '/buggy/1', text('x')), 'P2P_REQUEST_FAILED', { reason: 'P2P_HANDLER_FAILED' });
    expect(buggy.message).not.toContain('secret');
    // The server refuses to send more than its maxResponseBytes; the client enforces its own limit.
    await failsWith(client.request(server.peerId, '/big/1', text('x')), 'P2P_REQUEST_FAILED', { reason: 'P2P_RESPONSE_TOO_LARGE' });
    await failsWith(client.request(server.peerId, '/echo/1', new Uint8Array(50), { maxResponseBytes: 10 }), 'P2P_RESPONSE_TOO_LARGE', { peer: server.peerId, protocol: '/echo/1' });
    await failsWith(client.request(server.peerId, '/nothing/1', text('x')), 'P2P_REQUEST_FAILED', { protocol: '/nothing/1' });
    expect(server.strikes(client.peerId)).toBe(0); // handler failures are not the caller's fault
  });

  it('times out, and aborts the handler', async () => {
    const { server, client } = await pair();
    let handlerAborted = false;
    await server.handle('/slow/1', {
      ...limits,
      handler: (_req, _from, signal) => new Promise((_resolve, reject) => signal.addEventListener('abort', () => { handlerAborted = true; reject(new Error('aborted')); })),
    });
    const started = Date.now();
    await failsWith(client.request(server.peerId, '/slow/1', text('x'), { timeoutMs: 300 }), 'P2P_REQUEST_TIMEOUT', { peer: server.peerId, protocol: '/slow/1' });
    expect(Date.now() - started).toBeLessThan(2000);
    await waitFor('the handler to see the caller go', () => handlerAborted);

    const controller = new AbortController();
    const pending = client.request(server.peerId, '/slow/1', text('x'), { signal: controller.signal });
    controller.abort(new Error('caller gave up'));
    await expect(pending).rejects.toThrow('caller gave up');
  });

  it('refuses oversize requests and requests over the rate, with strikes, then bans', async () => {
    const { server, client } = await pair({ maxStrikes: 4 });
    await server.handle('/echo/1', echo);
    await server.handle('/limited/1', { ...echo, ratePerSecond: 1, burst: 2 });

    await failsWith(client.request(server.peerId, '/echo/1', new Uint8Array(65)), 'P2P_REQUEST_FAILED', { reason: 'P2P_REQUEST_TOO_LARGE' });
    expect(server.strikes(client.peerId)).toBe(1);
    expect(await client.request(server.peerId, '/echo/1', new Uint8Array(64))).toHaveLength(64); // the limit itself is fine

    const results = await Promise.allSettled([1, 2, 3].map(() => client.request(server.peerId, '/limited/1', text('x'))));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(2);
    const refused = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(refused.reason).toMatchObject({ code: 'P2P_REQUEST_FAILED', data: { reason: 'P2P_RATE_LIMITED' } });
    expect(server.strikes(client.peerId)).toBe(2);
    expect(server.stats().rejected).toBe(2);

    // Two more strikes reach maxStrikes: banned, disconnected, and requests to it are refused here at once.
    await Promise.allSettled([1, 2].map(() => client.request(server.peerId, '/echo/1', new Uint8Array(100))));
    expect(server.isBanned(client.peerId)).toBe(true);
    await waitFor('the banned client disconnected', () => !server.peers.includes(client.peerId));
    await failsWith(server.request(client.peerId, '/echo/1', text('x')), 'P2P_PEER_BANNED', { peer: client.peerId, protocol: '/echo/1' });
  });
});

describe('handle', () => {
  it('throws at once on a duplicate protocol', async () => {
    const host = await hosts.start();
    void host.handle('/echo/1', echo);
    expect(() => host.handle('/echo/1', echo)).toThrow(expect.objectContaining({ code: 'P2P_DUPLICATE_HANDLER' }));
  });
});
