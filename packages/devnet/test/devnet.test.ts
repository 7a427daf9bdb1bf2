/**
 * The embedded devnet end to end: a real Hardhat node, PlasmaRoot, the DEV token, chain A with its validator
 * node, devnet.json — and the SDK's whole deposit → transfer → withdraw → wait → finalize flow against it.
 */
import { mkdtempSync, existsSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JsonRpcProvider, Wallet, parseEther, Contract } from 'ethers';
import { NATIVE_TOKEN, PlasmaError } from '@plasma-tree/core';
import { hardhatAccounts } from '@plasma-tree/contracts';
import { NodeClient, PlasmaClient, type WithdrawalStatus } from '@plasma-tree/sdk';
import { startDevnet, readDevnetInfo, isPortFree, type Devnet } from '@plasma-tree/devnet';

let dir: string;
let devnet: Devnet;
let provider: JsonRpcProvider;
const progress: string[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'plasma-devnet-'));
  devnet = await startDevnet({
    dataDir: dir,
    l1Port: 0,
    rpcPort: 0,
    challengeWindow: 3,
    blockTimeMs: 200,
    fundAccounts: 3,
    onProgress: (p) => progress.push(`${p.step}: ${p.message}`),
  });
  provider = new JsonRpcProvider(devnet.l1.url, undefined, { cacheTimeout: -1 });
}, 120_000);

afterAll(async () => {
  provider?.destroy();
  await devnet?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('startDevnet', () => {
  it('reports progress and writes devnet.json with endpoints, addresses and only well-known dev keys', async () => {
    expect(progress.some((p) => p.startsWith('ready:'))).toBe(true);
    const info = readDevnetInfo(dir)!;
    expect(info).toBeDefined();
    expect(info.pid).toBe(process.pid);
    expect(info.l1).toMatchObject({ url: devnet.l1.url, chainId: 31337 });
    expect(info.rootContract).toBe(devnet.rootContract);
    expect(info.token).toMatchObject({ symbol: 'DEV', decimals: 18 });
    expect(info.chains).toHaveLength(1);
    const [a] = info.chains;
    expect(a).toMatchObject({ name: 'A', parent: 'root', threshold: 1, challengeWindow: 3, nodeUrl: devnet.chains[0].nodeUrl });
    expect(a.chainId).toMatch(/^0x[0-9a-f]{64}$/);
    // Every key in the file is a Hardhat dev key (derived from the public mnemonic).
    const known = new Set(hardhatAccounts().map((x) => x.privateKey.toLowerCase()));
    for (const acc of [...info.accounts, ...a.validators]) {
      expect(known.has(acc.privateKey.toLowerCase())).toBe(true);
      expect(new Wallet(acc.privateKey).address.toLowerCase()).toBe(acc.address);
    }
    expect(info.accounts.map((x) => x.name)).toEqual(['dev0', 'dev1', 'dev2']);
  });

  it('funds the dev accounts with DEV and runs the chain\'s validator node', async () => {
    const token = new Contract(devnet.token.address, ['function balanceOf(address) view returns (uint256)'], provider);
    for (const acc of devnet.accounts) expect(await token.balanceOf(acc.address)).toBe(parseEther('1000000'));
    const info = await new NodeClient(devnet.chains[0].nodeUrl).chainInfo();
    expect(info).toMatchObject({ chainId: devnet.chains[0].chainId, rootContract: devnet.rootContract, threshold: 1, challengeWindow: 3, l1ChainId: 31337 });
    expect(info.validators).toEqual(devnet.chains[0].validators.map((v) => v.address));
  });

  it('refuses a busy port with PORT_IN_USE and a running data dir with DEVNET_RUNNING, starting nothing', async () => {
    const busy = createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', () => r()));
    const port = (busy.address() as { port: number }).port;
    try {
      const other = mkdtempSync(join(tmpdir(), 'plasma-devnet-'));
      await expect(startDevnet({ dataDir: other, l1Port: port, rpcPort: 0 })).rejects.toMatchObject({ code: 'PORT_IN_USE' });
      await expect(startDevnet({ dataDir: dir, l1Port: 0, rpcPort: 0 })).rejects.toMatchObject({ code: 'DEVNET_RUNNING' });
      rmSync(other, { recursive: true, force: true });
    } finally {
      busy.close();
    }
  });
});

describe('the SDK against the devnet', () => {
  it('deposit → transfer → withdraw → wait for the window → finalize', async () => {
    const [dev0, dev1] = devnet.accounts;
    const alice = new Wallet(dev0.privateKey, provider);
    const chain = devnet.chains[0];
    const client = new PlasmaClient({ l1: alice, rootContract: devnet.rootContract, chainId: chain.chainId, nodeUrl: chain.nodeUrl, pollMs: 250 });

    const d = await client.depositETH(parseEther('3'));
    await client.waitForDeposit(d, { timeoutMs: 30_000 });
    expect(await client.balance(NATIVE_TOKEN)).toBe(parseEther('3'));

    const dt = await client.depositERC20(devnet.token.address, parseEther('100'));
    await client.waitForDeposit(dt, { timeoutMs: 30_000 });
    expect(await client.balance(devnet.token.address)).toBe(parseEther('100'));

    const t = await client.transfer({ to: dev1.address, token: NATIVE_TOKEN, amount: parseEther('1') });
    const tr = await client.waitForReceipt(t.hash, 'included', { timeoutMs: 30_000 });
    expect(tr.blockNumber).toBeGreaterThan(0);
    expect(await client.balance(NATIVE_TOKEN, dev1.address)).toBe(parseEther('1'));

    const w = await client.withdraw({ token: NATIVE_TOKEN, amount: parseEther('0.5') });
    // Too early: refused with the seconds left, before any L1 transaction.
    const early = await client.finalizeWithdrawal(w.hash).then(() => undefined, (e: PlasmaError) => e);
    expect(early).toBeInstanceOf(PlasmaError);
    expect(['CHALLENGE_WINDOW_OPEN', 'WITHDRAWAL_NOT_COMMITTED']).toContain(early!.code);

    const seen: WithdrawalStatus[] = [];
    const s = await client.waitForWindow(w.hash, { onProgress: (p) => seen.push(p), timeoutMs: 60_000 });
    expect(s.state).toBe('finalizable');
    expect(seen.some((p) => p.state === 'challenge-window')).toBe(true);

    const before = await provider.getBalance(dev0.address);
    const r = await client.finalizeWithdrawal(w.hash);
    expect(r.amount).toBe(parseEther('0.5'));
    const after = await provider.getBalance(dev0.address);
    expect(after - before + r.gasUsed * 10n ** 10n).toBeGreaterThan(parseEther('0.49'));
    expect((await client.withdrawalStatus(w.hash)).state).toBe('finalized');
    expect(await client.subtreeBalance(NATIVE_TOKEN)).toBe(parseEther('2.5'));
    await expect(client.finalizeWithdrawal(w.hash)).rejects.toMatchObject({ code: 'ALREADY_WITHDRAWN' });
  }, 90_000);
});

describe('close', () => {
  it('stops the node and the L1, frees the ports and removes devnet.json', async () => {
    const nodePort = Number(new URL(devnet.chains[0].nodeUrl).port);
    const l1Port = Number(new URL(devnet.l1.url).port);
    provider.destroy();
    await devnet.close();
    await devnet.close(); // idempotent
    expect(existsSync(join(dir, 'devnet.json'))).toBe(false);
    expect(await isPortFree(nodePort)).toBe(true);
    expect(await isPortFree(l1Port)).toBe(true);
    const e = await new NodeClient(devnet.chains[0].nodeUrl).chainInfo().then(() => undefined, (x: PlasmaError) => x);
    expect(e?.code).toBe('NODE_UNREACHABLE');
  });
});
