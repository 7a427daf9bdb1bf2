/**
 * Fixtures of the watcher tests: a real Hardhat L1 with PlasmaRoot (the node tests' helpers), real validator nodes
 * (with fault injection where a test wants a lie), the watcher as a library, and the scenario every faulty node runs.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Wallet, parseEther } from 'ethers';
import { FraudKind, type Address, type ChainId, type Hex } from '@plasma-tree/core';
import { PlasmaNode, type FaultPlan } from '@plasma-tree/node';
import { ETH, User, nodeOptions, rpc, spawnChain, startL1, txJson, validatorKey, waitFor, type L1 } from '../../node/test/helpers.js';
import { Watcher, type WatcherOptions, type WatcherStatus } from '../src/index.js';

export { ETH, User, rpc, spawnChain, startL1, validatorKey, waitFor, type L1 };
export { startL1Proxy, mine } from '../../node/test/helpers.js';

export const WINDOW = 60;
export const BOND = parseEther('0.2');

export async function tempDir(prefix = 'plasma-watcher-'): Promise<{ path: string; remove(): Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

/** One chain with its validator node (threshold 1; `faults` makes it lie), on Hardhat account `keyIndex`. */
export interface RunningChain {
  name: string;
  chainId: ChainId;
  node: PlasmaNode;
  dir: { path: string; remove(): Promise<void> };
  faults?: FaultPlan;
  alice: User;
  bob: User;
}

export async function startChain(l1: L1, name: string, keyIndex: number, faults?: FaultPlan, options: { blockTimeMs?: number } = {}): Promise<RunningChain> {
  const key = validatorKey(l1, keyIndex);
  const chainId = await spawnChain(l1, [key], 1, WINDOW);
  const dir = await tempDir(`plasma-watcher-node-${name}-`);
  const node = await PlasmaNode.init(nodeOptions(l1, chainId, dir.path, { validatorKeys: [key], l1Confirmations: 0, blockTimeMs: options.blockTimeMs ?? 200, l1PollMs: 250, ...(faults ? { faults } : {}) }));
  return { name, chainId, node, dir, faults, alice: new User(chainId, l1.l1ChainId, l1.rootAddress), bob: new User(chainId, l1.l1ChainId, l1.rootAddress) };
}

export async function stopChain(c: RunningChain): Promise<void> {
  await c.node.close();
  await c.dir.remove();
}

export const info = (c: RunningChain) => rpc(c.node.rpcUrl, 'pt_chainInfo');

/**
 * Block 1 of every chain: deposits to alice and bob, all in one L1 block (so each chain applies its two in one
 * block: deposit-out-of-order needs two). Resolves once every chain has applied them.
 */
export async function depositAll(l1: L1, chains: readonly RunningChain[], wei = parseEther('1')): Promise<void> {
  await l1.provider.send('evm_setAutomine', [false]);
  try {
    const sent = [];
    let nonce = await l1.deployer.getNonce();
    for (const c of chains) {
      for (const to of [c.alice.address, c.bob.address]) sent.push(await l1.root.depositETH(c.chainId, to, { value: wei, nonce: nonce++ }));
    }
    await l1.provider.send('evm_mine', []);
    for (const tx of sent) await tx.wait();
  } finally {
    await l1.provider.send('evm_setAutomine', [true]);
    // A commitment sent while automine was off waits in the mempool, and re-enabling automine does not mine it:
    // with every committer waiting on its receipt, nothing would ever be mined again.
    await l1.provider.send('evm_mine', []);
  }
  await Promise.all(chains.map((c) => waitFor(`block 1 of ${c.name}`, async () => (await info(c)).head.number >= 1, 30_000)));
}

/** Block 2: alice withdraws, then transfers to bob (the transfer last: a lie about it leaves nothing after it). */
export async function spendAll(chains: readonly RunningChain[]): Promise<void> {
  await Promise.all(chains.map(async (c) => {
    const { slot } = await rpc<{ slot: number }>(c.node.rpcUrl, 'pt_getAccount', [c.alice.address, ETH]);
    await rpc(c.node.rpcUrl, 'pt_sendTransactions', [[txJson(c.alice.withdraw(slot, c.alice.address, parseEther('0.05'), 0n)), txJson(c.alice.transfer(slot, c.bob.address, parseEther('0.1'), 1n))]]);
    await waitFor(`block 2 of ${c.name}`, async () => (await info(c)).head.number >= 2, 30_000);
  }));
}

/** The block a faulty node says it injected into, once committed on L1 (its Committed event: the watcher may have
 *  had the chain rolled back already). */
export async function faultyBlock(l1: L1, c: RunningChain): Promise<number> {
  const n = await waitFor(`the fault of ${c.name}`, async () => (await info(c)).faults.injected[0] as number | undefined, 30_000);
  await waitFor(`block ${n} of ${c.name} committed`, async () => (await commitBlockOf(l1, c.chainId, n)) !== undefined, 30_000);
  return n;
}

export function watcherOptions(l1: L1, chains: readonly RunningChain[], dataDir: string, extra: Partial<WatcherOptions> = {}): WatcherOptions {
  return {
    l1RpcUrl: l1.hardhat.url,
    rootContract: l1.rootAddress,
    chains: chains.map((c) => ({ chainId: c.chainId, name: c.name, nodes: [c.node.rpcUrl] })),
    dataDir,
    confirmations: 0,
    pollMs: 150,
    status: { port: 0 },
    ...extra,
  };
}

export const chainStatus = (w: Watcher, name: string) => w.status().chains.find((c) => c.name === name)!;

/** The FraudProven event of `chainId`, once PlasmaRoot emitted it. */
export async function fraudProven(l1: L1, chainId: ChainId): Promise<{ number: bigint; kind: FraudKind; challenger: Address; reward: bigint; blockNumber: number }> {
  return waitFor(`FraudProven on ${chainId.slice(0, 10)}`, async () => {
    const [event] = await l1.root.queryFilter(l1.root.filters.FraudProven(chainId));
    if (!event) return undefined;
    const args = (event as unknown as { args: { number: bigint; kind: bigint; challenger: string; reward: bigint } }).args;
    return { number: args.number, kind: Number(args.kind) as FraudKind, challenger: args.challenger.toLowerCase() as Address, reward: args.reward, blockNumber: event.blockNumber };
  }, 45_000);
}

/** The Committed event's L1 block of block `n`. */
export async function commitBlockOf(l1: L1, chainId: ChainId, n: number): Promise<number | undefined> {
  const [event] = await l1.root.queryFilter(l1.root.filters.Committed(chainId, n));
  return event?.blockNumber;
}

export const keyAddress = (key: Hex): Address => new Wallet(key).address.toLowerCase() as Address;

export async function getJson<T = any>(url: string): Promise<{ status: number; body: T }> {
  const res = await fetch(url);
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch { /* text */ }
  return { status: res.status, body: body as T };
}

export type { WatcherStatus };
