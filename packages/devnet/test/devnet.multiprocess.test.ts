/**
 * The devnet in processes mode: every validator of every chain is its own node process with its own data dir,
 * libp2p host on 127.0.0.1 and JSON-RPC port. Chain A is 3-of-4 under the root, A1 a 2-of-3 child of A (its
 * validators follow A's validators). A transfer sent to one validator is included on all and committed on the
 * parent; one validator stopped, the chain goes on; close() leaves no process alive.
 */
import { mkdtempSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JsonRpcProvider, Wallet, parseEther } from 'ethers';
import { NATIVE_TOKEN, type Hex } from '@plasma-tree/core';
import { PlasmaClient } from '@plasma-tree/sdk';
import { startDevnet, readDevnetInfo, isPortFree, type Devnet, type DevnetChain } from '@plasma-tree/devnet';

let dir: string;
let devnet: Devnet;
let provider: JsonRpcProvider;
let pids: number[] = [];
const progress: string[] = [];

const rpc = async (url: string, method: string, params: unknown[] = []): Promise<any> => {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) });
  return ((await res.json()) as { result: unknown }).result;
};

async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe().catch(() => undefined);
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** Resolves once every running validator of `chain` holds `hash` in a block. */
async function includedOnAll(chain: DevnetChain, hash: Hex, skip: number[] = []): Promise<void> {
  await waitFor(`${hash.slice(0, 10)} on every validator of ${chain.name}`, async () => {
    const receipts = await Promise.all(chain.nodes!.filter((n) => !skip.includes(n.index)).map((n) => rpc(n.rpcUrl, 'pt_getReceipt', [hash])));
    return receipts.every((r) => r?.status === 'included' || r?.status === 'committed');
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'plasma-devnet-procs-'));
  devnet = await startDevnet({
    dataDir: dir,
    processes: true,
    l1Port: 0,
    rpcPort: 0,
    challengeWindow: 3,
    blockTimeMs: 200,
    fundAccounts: 2,
    watcher: false,
    chains: [{ name: 'A', validators: 4, threshold: 3 }, { name: 'A1', parent: 'A', validators: 3, threshold: 2 }],
    onProgress: (p) => progress.push(`${p.step}: ${p.message}`),
  });
  provider = new JsonRpcProvider(devnet.l1.url, undefined, { cacheTimeout: -1 });
  pids = devnet.chains.flatMap((c) => c.nodes!.map((n) => n.pid!));
}, 400_000);

afterAll(async () => {
  provider?.destroy();
  await devnet?.close();
  for (const pid of pids) if (alive(pid)) process.kill(pid, 'SIGKILL');
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('startDevnet({ processes: true })', () => {
  it('runs every validator as its own process, peer and port, and lists them in devnet.json', async () => {
    expect(devnet.mode).toBe('processes');
    const info = readDevnetInfo(dir)!;
    expect(info.mode).toBe('processes');
    for (const chain of devnet.chains) {
      const n = chain.validators.length;
      const nodes = chain.nodes!;
      expect(nodes).toHaveLength(n);
      expect(chain.nodeUrl).toBe(nodes[0].rpcUrl);
      expect(new Set(nodes.map((x) => x.pid)).size).toBe(n);
      expect(new Set(nodes.map((x) => x.peerId)).size).toBe(n);
      expect(new Set(nodes.map((x) => x.rpcUrl)).size).toBe(n);
      expect(nodes.map((x) => x.pid)).not.toContain(process.pid);
      for (const [i, node] of nodes.entries()) {
        expect(node).toMatchObject({ index: i, validator: chain.validators[i].address, dataDir: join(dir, 'chains', chain.name, `validator${i}`) });
        expect(alive(node.pid!)).toBe(true);
        expect(existsSync(node.logFile)).toBe(true);
        expect(node.p2p.length).toBeGreaterThan(0);
        for (const a of node.p2p) expect(a).toMatch(new RegExp(`^/ip4/127\\.0\\.0\\.1/tcp/\\d+/p2p/${node.peerId}$`));
        const ci = await rpc(node.rpcUrl, 'pt_chainInfo');
        expect(ci.chainId).toBe(chain.chainId);
        expect(ci.p2p).toMatchObject({ peerId: node.peerId, mode: 'quorum' });
        expect(ci.p2p.peers).toBeGreaterThanOrEqual(chain.threshold - 1);
      }
      // devnet.json lists the same nodes.
      expect(info.chains.find((c) => c.name === chain.name)!.nodes).toEqual(nodes);
    }
    expect(new Set(pids).size).toBe(7);
    expect(progress.some((p) => /validator 3 \(pid \d+/.test(p))).toBe(true);
  });

  it('a transfer sent to validator 2 of A is included on every validator and committed on L1', async () => {
    const [dev0, dev1] = devnet.accounts;
    const a = devnet.chains[0];
    const client = new PlasmaClient({ l1: new Wallet(dev0.privateKey, provider), rootContract: devnet.rootContract, chainId: a.chainId, nodeUrl: a.nodes![2].rpcUrl, pollMs: 250 });
    const d = await client.depositETH(parseEther('2'));
    await client.waitForDeposit(d, { timeoutMs: 60_000 });
    const t = await client.transfer({ to: dev1.address, token: NATIVE_TOKEN, amount: parseEther('0.5') });
    await includedOnAll(a, t.hash);
    const r = await client.waitForReceipt(t.hash, 'committed', { timeoutMs: 90_000 });
    expect(r.blockNumber).toBeGreaterThan(0);
    for (const node of a.nodes!) expect(BigInt(await rpc(node.rpcUrl, 'pt_getBalance', [dev1.address, NATIVE_TOKEN]))).toBe(parseEther('0.5'));
  }, 180_000);

  it('the nested 2-of-3 chain A1 includes a transfer on all its validators and commits it on A', async () => {
    const [dev0, dev1] = devnet.accounts;
    const [a, a1] = devnet.chains;
    const client = new PlasmaClient({ l1: new Wallet(dev0.privateKey, provider), rootContract: devnet.rootContract, chainId: a1.chainId, nodeUrl: a1.nodes![1].rpcUrl, parentNode: a.nodes![1].rpcUrl, pollMs: 250 });
    const d = await client.deposit(NATIVE_TOKEN, parseEther('0.2'));
    await client.waitForDeposit(d, { timeoutMs: 90_000 });
    const t = await client.transfer({ to: dev1.address, token: NATIVE_TOKEN, amount: parseEther('0.1') });
    await includedOnAll(a1, t.hash);
    const r = await client.waitForReceipt(t.hash, 'committed', { timeoutMs: 90_000 });
    await waitFor('A1\'s commitment on every validator of A', async () => {
      const cs = await Promise.all(a.nodes!.map((n) => rpc(n.rpcUrl, 'pt_getCommitment', [a1.chainId, r.blockNumber])));
      return cs.every((c) => c?.blockHash);
    });
  }, 240_000);

  it('stopValidator: with validator 1 of A stopped, A goes on; restartValidator brings it back in sync', async () => {
    const [dev0, dev1] = devnet.accounts;
    const a = devnet.chains[0];
    const pid = a.nodes![1].pid!;
    await devnet.stopValidator('A', 1);
    expect(alive(pid)).toBe(false);
    expect(a.nodes![1].pid).toBeUndefined();
    expect(readDevnetInfo(dir)!.chains[0].nodes![1].pid).toBeUndefined();
    const client = new PlasmaClient({ l1: new Wallet(dev0.privateKey, provider), rootContract: devnet.rootContract, chainId: a.chainId, nodeUrl: a.nodes![3].rpcUrl, pollMs: 250 });
    for (let k = 0; k < 3; k++) {
      const t = await client.transfer({ to: dev1.address, token: NATIVE_TOKEN, amount: 1n });
      await includedOnAll(a, t.hash, [1]);
    }
    await devnet.restartValidator('A', 1);
    const node = a.nodes![1];
    expect(node.pid).not.toBe(pid);
    pids.push(node.pid!);
    expect(alive(node.pid!)).toBe(true);
    const head = (await rpc(a.nodeUrl, 'pt_chainInfo')).head;
    await waitFor('validator 1 synced', async () => (await rpc(node.rpcUrl, 'pt_chainInfo')).head.number >= head.number);
  }, 240_000);
});

describe('close', () => {
  it('stops every validator process and the L1, frees the ports and removes devnet.json', async () => {
    const urls = devnet.chains.flatMap((c) => c.nodes!.map((n) => n.rpcUrl));
    const l1Port = Number(new URL(devnet.l1.url).port);
    provider.destroy();
    await devnet.close();
    await devnet.close();
    for (const pid of pids) expect(alive(pid), `pid ${pid}`).toBe(false);
    expect(existsSync(join(dir, 'devnet.json'))).toBe(false);
    for (const url of urls) expect(await isPortFree(Number(new URL(url).port))).toBe(true);
    expect(await isPortFree(l1Port)).toBe(true);
  }, 60_000);
});
