import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PlasmaError } from '@plasma-tree/core';
import { P2PHost, loadOrCreatePeerKey, peerIdOf } from '../src/index.js';
import { Hosts, waitFor } from './helpers.js';

const hosts = new Hosts();
const dirs: string[] = [];
afterEach(async () => {
  await hosts.closeAll();
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'p2p-test-'));
  dirs.push(dir);
  return dir;
}

async function rejection(promise: Promise<unknown>): Promise<PlasmaError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(PlasmaError);
  return error as PlasmaError;
}

describe('peer key', () => {
  it('is created once (0600) and loaded again with the same peer id', async () => {
    const path = join(await tempDir(), 'sub', 'peer.key');
    const key = await loadOrCreatePeerKey(path);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    const again = await loadOrCreatePeerKey(path);
    expect(peerIdOf(again)).toBe(peerIdOf(key));
    const host = await hosts.start({ privateKey: again });
    expect(host.peerId).toBe(peerIdOf(key));
    expect(host.addresses[0]).toMatch(new RegExp(`^/ip4/127\\.0\\.0\\.1/tcp/\\d+/p2p/${host.peerId}$`));
  });

  it('refuses a corrupt key file with a hint to delete it', async () => {
    const path = join(await tempDir(), 'peer.key');
    await writeFile(path, 'not a key');
    const error = await rejection(loadOrCreatePeerKey(path));
    expect(error.code).toBe('P2P_BAD_KEY');
    expect(error.hint).toContain(`delete ${path}`);
  });
});

describe('host options', () => {
  it('refuses bad addresses with the expected form in the hint', async () => {
    const bad = await rejection(P2PHost.start({ listen: ['localhost:4001'] }));
    expect(bad).toMatchObject({ code: 'P2P_BAD_ADDRESS', data: { address: 'localhost:4001', kind: 'listen' } });
    expect(bad.hint).toContain('/ip4/0.0.0.0/tcp/4001');
    const noPeer = await rejection(P2PHost.start({ bootstrap: ['/ip4/127.0.0.1/tcp/4001'] }));
    expect(noPeer).toMatchObject({ code: 'P2P_BAD_ADDRESS', data: { kind: 'bootstrap' } });
    expect(noPeer.hint).toContain('/p2p/');
    const udp = await rejection(P2PHost.start({ listen: ['/ip4/127.0.0.1/udp/4001'] }));
    expect(udp.code).toBe('P2P_BAD_ADDRESS');
  });

  it('reports a port in use', async () => {
    const a = await hosts.start();
    const port = a.addresses[0].split('/')[4];
    const error = await rejection(P2PHost.start({ listen: [`/ip4/127.0.0.1/tcp/${port}`] }));
    expect(error.code).toBe('P2P_LISTEN_FAILED');
    expect(error.hint).toContain('another port');
  });

  it('reports peers joining and leaving, and closes on abort', async () => {
    const a = await hosts.start();
    const joined: string[] = [];
    const left: string[] = [];
    a.on('peer:connect', (id) => void joined.push(id));
    const off = a.on('peer:disconnect', (id) => void left.push(id));
    const controller = new AbortController();
    const b = await P2PHost.start({ bootstrap: a.addresses }, controller.signal);
    await waitFor('B to connect', () => joined.includes(b.peerId));
    expect(a.peers).toEqual([b.peerId]);
    controller.abort();
    await waitFor('B to leave', () => left.includes(b.peerId));
    off();
    await expect(b.request(a.peerId, '/x/1', new Uint8Array())).rejects.toMatchObject({ code: 'P2P_CLOSED' });
    await b.close(); // idempotent
  });
});
