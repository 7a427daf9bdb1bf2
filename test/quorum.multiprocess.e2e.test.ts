/**
 * A 3-of-4 chain as a real network (issue 5, docs/CONSENSUS.md): four validator processes and one full node
 * process (`bin.ts`, each with its own data directory and libp2p host on 127.0.0.1, joined through a bootstrap
 * address), a real Hardhat L1, and a watcher (the library) re-executing every committed block from the full node.
 * A transaction sent to any node is included; a validator SIGKILLed, the chain goes on; the proposer of the next
 * height SIGKILLed as a transaction arrives, the next proposer takes over; a killed node restarts and syncs.
 */
import { appendFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEther } from 'ethers';
import { proposerOf, type Address, type Hex } from '@plasma-tree/core';
import { spawnNodeProcess, type NodeProcess } from '@plasma-tree/node';
import { Watcher } from '@plasma-tree/watcher';
import { ETH, User, depositETH, mine, rpc, spawnChain, startL1, tempDir, txJson, validatorKey, waitFor, type L1 } from '../packages/node/test/helpers.js';

let l1: L1;
let chainId: Awaited<ReturnType<typeof spawnChain>>;
let validators: Address[];
const keys: Hex[] = [];
const dirs: Awaited<ReturnType<typeof tempDir>>[] = [];
const procs: (NodeProcess | undefined)[] = [];
let watcher: Watcher;
let user: User;
let slot: number;
let nonce = 0n;

/** Node i: validators 0-3, the full node 4. */
async function start(i: number): Promise<NodeProcess> {
  // Every live node is a bootstrap peer (as a deployment lists several): a restarted node 0 must not dial itself.
  const bootstrap = i === 0 && live().length === 0 ? [] : (await Promise.all(live().map(async (p) => (await info(p.rpcUrl)).p2p.addresses as string[]))).flat();
  const proc = await spawnNodeProcess({
    options: {
      dataDir: dirs[i].path,
      l1RpcUrl: l1.hardhat.url,
      rootContract: l1.rootAddress,
      chainId,
      validatorKeys: i < 4 ? [keys[i]] : [],
      rpc: { port: 0 },
      blockTimeMs: 100,
      l1Confirmations: 0,
      l1PollMs: 100,
      signatureWorkers: 0,
      roundTimeoutMs: 1000,
      logLevel: process.env.QUORUM_LOGS ? 'debug' : 'warn',
      p2p: { bootstrap },
    },
    ...(process.env.QUORUM_LOGS ? { onLog: (line: string) => appendFileSync(`${process.env.QUORUM_LOGS}/node-${i}.log`, `${line}\n`) } : {}),
  });
  procs[i] = proc;
  return proc;
}

const info = (url: string) => rpc(url, 'pt_chainInfo');
const live = () => procs.filter((p): p is NodeProcess => p !== undefined);
const newUser = () => new User(chainId, l1.l1ChainId, l1.rootAddress);

async function kill(i: number): Promise<void> {
  const proc = procs[i]!;
  procs[i] = undefined;
  proc.child.kill('SIGKILL');
  await proc.exited;
}

/** Sends the next transfer of `user` to node `i`; resolves once every live node holds the block that includes it. */
async function transferVia(i: number): Promise<void> {
  const bob = newUser();
  const { hash } = await rpc<{ hash: Hex }>(procs[i]!.rpcUrl, 'pt_sendTransaction', [txJson(user.transfer(slot, bob.address, 1000n, nonce++))]);
  await waitFor(`transfer ${hash.slice(0, 10)} on every live node`, async () => {
    const receipts = await Promise.all(live().map((p) => rpc(p.rpcUrl, 'pt_getReceipt', [hash])));
    return receipts.every((r) => r?.status === 'included' || r?.status === 'committed');
  }, 45_000);
}

/** Every live node at the same head. */
async function converged(): Promise<{ number: number; hash: Hex }> {
  return waitFor('every live node at one head', async () => {
    const heads = await Promise.all(live().map(async (p) => (await info(p.rpcUrl)).head as { number: number; hash: Hex }));
    return heads.every((h) => h.hash === heads[0].hash) ? heads[0] : undefined;
  }, 45_000);
}

beforeAll(async () => {
  l1 = await startL1();
  for (let i = 0; i < 4; i++) keys.push(validatorKey(l1, 1 + i));
  chainId = await spawnChain(l1, keys, 3);
  for (let i = 0; i < 5; i++) dirs.push(await tempDir('plasma-quorum-proc-'));
  const first = await start(0);
  await Promise.all([1, 2, 3, 4].map((i) => start(i)));
  validators = (await info(first.rpcUrl)).validators;
  const watcherDir = await tempDir('plasma-quorum-watcher-');
  dirs.push(watcherDir);
  watcher = await Watcher.init({
    l1RpcUrl: l1.hardhat.url,
    rootContract: l1.rootAddress,
    chains: [{ chainId, name: 'Q', nodes: [procs[4]!.rpcUrl] }],
    dataDir: watcherDir.path,
    confirmations: 0,
    pollMs: 200,
    status: { port: 0 },
  });

  user = newUser();
  await depositETH(l1, chainId, user.address, parseEther('1'));
  await mine(l1, 1);
  await waitFor('the deposit on every node', async () => (await Promise.all(live().map((p) => rpc(p.rpcUrl, 'pt_getBalance', [user.address, ETH])))).every((b) => BigInt(b) === parseEther('1')), 45_000);
  slot = (await rpc<{ slot: number }>(procs[0]!.rpcUrl, 'pt_getAccount', [user.address, ETH])).slot;
}, 180_000);

afterAll(async () => {
  await watcher?.close();
  for (const p of procs) await p?.stop(2000);
  for (const dir of dirs) await dir.remove();
  await l1?.stop();
});

describe('four validator processes and a full node on 127.0.0.1', () => {
  it('a transaction sent to any node, the full node included, is included everywhere', async () => {
    for (const i of [0, 1, 2, 3, 4]) await transferVia(i);
    const head = await converged();
    expect(head.number).toBeGreaterThanOrEqual(3);
    for (const p of live()) expect((await info(p.rpcUrl)).p2p.peers).toBeGreaterThanOrEqual(1);
  }, 120_000);

  it('commits the blocks on L1 with three validators\' seals, and the watcher verifies them all as valid', async () => {
    const head = await converged();
    await waitFor('every block committed on L1', async () => Number((await l1.root.chainInfo(chainId)).headNumber) >= head.number, 45_000);
    await waitFor('the watcher verified them', () => {
      const chain = watcher.status().chains.find((c) => c.name === 'Q')!;
      return chain.headVerified >= head.number ? chain : undefined;
    }, 45_000);
    const chain = watcher.status().chains.find((c) => c.name === 'Q')!;
    expect(chain.findings).toHaveLength(0);
    expect(chain.haltedAt).toBeUndefined();
  }, 120_000);

  it('one validator SIGKILLed, the chain goes on with the other three', async () => {
    await kill(2);
    for (const i of [0, 1, 3, 4, 0]) await transferVia(i);
    await converged();
  }, 120_000);

  it('the proposer of the next height SIGKILLed as a transaction arrives: the next proposer takes over', async () => {
    await start(2);
    await converged();
    const head = (await info(procs[0]!.rpcUrl)).head.number as number;
    const proposer = validators.indexOf(proposerOf(validators, BigInt(head + 1), 0));
    const bob = newUser();
    const via = proposer === 4 ? 0 : (proposer + 1) % 4;
    const sent = rpc<{ hash: Hex }>(procs[via]!.rpcUrl, 'pt_sendTransaction', [txJson(user.transfer(slot, bob.address, 1000n, nonce++))]);
    await kill(proposer);
    const { hash } = await sent;
    await waitFor('included without the proposer', async () => {
      const receipts = await Promise.all(live().map((p) => rpc(p.rpcUrl, 'pt_getReceipt', [hash])));
      return receipts.every((r) => r?.status === 'included' || r?.status === 'committed');
    }, 45_000);
    // The block was decided in a round above 0: the killed proposer did not make it.
    await converged();
    await start(proposer);
    const head2 = await converged();
    expect(head2.number).toBeGreaterThan(head);
  }, 120_000);

  it('a node killed and restarted syncs every block it missed from its peers', async () => {
    await kill(4);
    for (const i of [0, 1, 2]) await transferVia(i);
    const target = await converged();
    const full = await start(4);
    await waitFor('the full node caught up', async () => (await info(full.rpcUrl)).head.number >= target.number, 45_000);
    expect((await rpc(full.rpcUrl, 'pt_getBlockByNumber', [target.number])).hash).toBe(target.hash);
    await transferVia(4);
  }, 120_000);
});
