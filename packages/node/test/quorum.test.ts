/**
 * Quorum consensus in one process (docs/CONSENSUS.md): four validator nodes of a 3-of-4 chain, each with its own
 * key, data directory and libp2p host on 127.0.0.1, plus a full node. Blocks are decided by 3 seals, committed on
 * the real Hardhat L1 with those seals, and every node holds the same chain; with one validator stopped the
 * others go on (its turns as proposer time out); a full node follows through gossip and sync.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEther } from 'ethers';
import type { Hex } from '@plasma-tree/core';
import { PlasmaNode } from '../src/index.js';
import { ETH, User, depositETH, mine, nodeOptions, rpc, spawnChain, startL1, tempDir, txJson, validatorKey, waitFor, type L1 } from './helpers.js';

let l1: L1;
let chainId: Awaited<ReturnType<typeof spawnChain>>;
const keys: Hex[] = [];
const dirs: Awaited<ReturnType<typeof tempDir>>[] = [];
const nodes: (PlasmaNode | undefined)[] = [];

async function startValidator(i: number, bootstrap: string[]): Promise<PlasmaNode> {
  const node = await PlasmaNode.init(nodeOptions(l1, chainId, dirs[i].path, { validatorKeys: [keys[i]], p2p: { bootstrap }, roundTimeoutMs: 800, l1Confirmations: 0 }));
  nodes[i] = node;
  return node;
}

const info = (node: PlasmaNode) => rpc(node.rpcUrl, 'pt_chainInfo');
const heads = async () => Promise.all(nodes.filter((n): n is PlasmaNode => n !== undefined).map(async (n) => (await info(n)).head));

beforeAll(async () => {
  l1 = await startL1();
  for (let i = 0; i < 4; i++) keys.push(validatorKey(l1, 1 + i));
  chainId = await spawnChain(l1, keys, 3);
  for (let i = 0; i < 5; i++) dirs.push(await tempDir('plasma-quorum-'));
  const first = await startValidator(0, []);
  const boot = (await info(first)).p2p.addresses as string[];
  for (let i = 1; i < 4; i++) await startValidator(i, boot);
}, 120_000);

afterAll(async () => {
  for (const node of nodes) await node?.close();
  for (const dir of dirs) await dir.remove();
  await l1?.stop();
});

describe('a 3-of-4 chain of four validator processes', () => {
  const alice = () => new User(chainId, l1.l1ChainId, l1.rootAddress);
  let user: User;
  let slot: number;

  it('decides a deposit block with three seals, commits it on L1 and every validator holds the same block', async () => {
    user = alice();
    await depositETH(l1, chainId, user.address, parseEther('1'));
    await mine(l1, 1);
    await waitFor('block 1 everywhere', async () => (await heads()).every((h) => h.number >= 1), 30_000);
    const [first, ...others] = await heads();
    for (const head of others) expect(head.hash).toBe(first.hash);
    const block = await rpc(nodes[0]!.rpcUrl, 'pt_getBlockByNumber', [1]);
    expect(block.txs).toHaveLength(1);
    await waitFor('block 1 committed on L1', async () => Number((await l1.root.chainInfo(chainId)).headNumber) >= 1, 30_000);
    slot = (await rpc<{ slot: number }>(nodes[0]!.rpcUrl, 'pt_getAccount', [user.address, ETH])).slot;
  });

  it('a transaction sent to any validator is included and seen by all', async () => {
    const bob = alice();
    const tx = user.transfer(slot, bob.address, parseEther('0.1'), 0n);
    await rpc(nodes[2]!.rpcUrl, 'pt_sendTransaction', [txJson(tx)]);
    await waitFor('bob credited everywhere', async () => {
      const balances = await Promise.all(nodes.map((n) => rpc<string>(n!.rpcUrl, 'pt_getBalance', [bob.address, ETH])));
      return balances.every((b) => BigInt(b) === parseEther('0.1'));
    }, 30_000);
  });

  it('with one validator stopped, the other three go on (its proposer turns time out)', async () => {
    await nodes[3]!.close();
    nodes[3] = undefined;
    const start = (await info(nodes[0]!)).head.number;
    for (let nonce = 1n; nonce <= 4n; nonce++) {
      const tx = user.transfer(slot, alice().address, parseEther('0.01'), nonce);
      await rpc(nodes[Number(nonce) % 3]!.rpcUrl, 'pt_sendTransaction', [txJson(tx)]);
      await waitFor(`transfer ${nonce} included`, async () => (await rpc(nodes[0]!.rpcUrl, 'pt_getAccount', [user.address, ETH])).nonce >= Number(nonce) + 1, 30_000);
    }
    // A validator may import the newest block a few ms after another: wait until all hold one head.
    const hs = await waitFor('one head everywhere', async () => {
      const now = await heads();
      return new Set(now.map((h) => h.hash)).size === 1 ? now : undefined;
    }, 30_000);
    expect(hs[0].number).toBeGreaterThan(start);
  }, 90_000);

  it('a stopped validator restarts, syncs the blocks it missed and takes part again', async () => {
    const boot = (await info(nodes[0]!)).p2p.addresses as string[];
    const node = await startValidator(3, boot);
    const target = (await info(nodes[0]!)).head;
    await waitFor('validator 3 synced', async () => (await info(node)).head.number >= target.number, 30_000);
    expect((await rpc(node.rpcUrl, 'pt_getBlockByNumber', [target.number])).hash).toBe(target.hash);
  }, 60_000);

  it('a full node follows the chain through gossip and sync, never signing', async () => {
    const boot = (await info(nodes[1]!)).p2p.addresses as string[];
    const full = await PlasmaNode.init(nodeOptions(l1, chainId, dirs[4].path, { p2p: { bootstrap: boot }, l1Confirmations: 0 }));
    nodes.push(full);
    expect((await info(full)).p2p.mode).toBe('follower');
    const target = (await info(nodes[0]!)).head;
    await waitFor('full node synced', async () => (await info(full)).head.number >= target.number, 30_000);
    const tx = user.transfer(slot, alice().address, parseEther('0.01'), 5n);
    await rpc(full.rpcUrl, 'pt_sendTransaction', [txJson(tx)]);
    await waitFor('tx sent to the full node included', async () => (await rpc(full.rpcUrl, 'pt_getAccount', [user.address, ETH])).nonce >= 6, 30_000);
  }, 60_000);
});
