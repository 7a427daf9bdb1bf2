/**
 * Crash safety: the node runs as its own process (bin.ts) under a stream of transfers and is SIGKILLed
 * several times while it produces blocks. After each restart every receipt that was 'included' before the
 * kill must still be there, in the same block with the same hash, and the state must be consistent (the node
 * checks the stored state against the head's stateRoot when it starts; here the total balance is checked too).
 * Every transaction the node answered with a hash is included in the end: the mempool's journal brings back
 * those accepted but not yet in a block when the node died.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseEther } from 'ethers';
import type { Hex } from '@plasma-tree/core';
import { spawnNodeProcess, type NodeProcess } from '../src/nodeProcess.js';
import { ETH, User, depositETH, mine, rpc, spawnChain, startL1, tempDir, txJson, validatorKey, waitFor, type L1 } from './helpers.js';

const ACCOUNTS = 40;
const KILLS = 4;
const FUNDING = parseEther('1');

let l1: L1;
beforeAll(async () => {
  l1 = await startL1();
});
afterAll(async () => {
  await l1?.stop();
});

/** JSON-RPC batch requests: one HTTP round trip per 500 calls (the server takes at most 1000 per batch). */
async function rpcBatch<T>(url: string, calls: [method: string, params: unknown[]][]): Promise<T[]> {
  const out: T[] = [];
  for (let from = 0; from < calls.length; from += 500) {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(calls.slice(from, from + 500).map(([method, params], id) => ({ jsonrpc: '2.0', id, method, params }))),
    });
    const answers = (await res.json()) as { id: number; result: T }[];
    out.push(...answers.sort((a, b) => a.id - b.id).map((a) => a.result));
  }
  return out;
}

interface IncludedReceipt {
  blockNumber: number;
  index: number;
  blockHash: Hex;
}

it('loses no included transaction when SIGKILLed while producing blocks', { timeout: 180_000 }, async () => {
  const key = validatorKey(l1, 1);
  const chainId = await spawnChain(l1, [key]);
  const dir = await tempDir('plasma-crash-');
  const users = Array.from({ length: ACCOUNTS }, () => new User(chainId, l1.l1ChainId, l1.rootAddress));
  for (const user of users) await depositETH(l1, chainId, user.address, FUNDING);
  await mine(l1, 1);

  const start = (): Promise<NodeProcess> =>
    spawnNodeProcess({
      options: {
        dataDir: dir.path,
        l1RpcUrl: l1.hardhat.url,
        rootContract: l1.rootAddress,
        chainId,
        validatorKeys: [key],
        rpc: { port: 0 },
        blockTimeMs: 20,
        maxBlockTxs: 200,
        l1Confirmations: 0,
        l1PollMs: 50,
        logLevel: 'warn',
      },
    });

  const included = new Map<Hex, IncludedReceipt>();
  /** Every hash the node answered, across all kills. */
  const accepted: Hex[] = [];
  let node = await start();
  let slots: number[] = [];
  try {
    slots = await waitFor('deposits applied', async () => {
      const accounts = await rpcBatch<{ slot: number | null }>(node.rpcUrl, users.map((u) => ['pt_getAccount', [u.address, ETH]]));
      return accounts.every((a) => a.slot !== null) ? accounts.map((a) => a.slot!) : undefined;
    });

    for (let kill = 0; kill < KILLS; kill++) {
      const url = node.rpcUrl;
      const nonces = (await rpcBatch<{ pendingNonce: number }>(url, users.map((u) => ['pt_getAccount', [u.address, ETH]]))).map((a) => BigInt(a.pendingNonce));
      const sent: Hex[] = [];
      let streaming = true;
      // The stream: every account sends 1 wei to the next one, batch after batch, until the node dies.
      const stream = (async () => {
        while (streaming) {
          // The amount differs per round: a transaction lost at a kill cannot come back as the same signed bytes.
          const batch = users.map((u, i) => txJson(u.transfer(slots[i], users[(i + 1) % ACCOUNTS].address, BigInt(kill + 1), nonces[i])));
          let results: ({ hash: Hex } | { error: unknown })[];
          try {
            results = await rpc(url, 'pt_sendTransactions', [batch]);
          } catch {
            return; // killed
          }
          results.forEach((r, i) => {
            if ('hash' in r) {
              sent.push(r.hash);
              accepted.push(r.hash);
              nonces[i]++;
            }
          });
        }
      })();

      const headAtStart = (await rpc(url, 'pt_chainInfo')).head.number;
      await waitFor('blocks under load', async () => (await rpc(url, 'pt_chainInfo')).head.number >= headAtStart + 3);
      // Everything 'included' now must survive the kill that follows while blocks keep coming.
      const hashes = sent.slice();
      const receipts = await rpcBatch<{ status: string; blockNumber: number; index: number } | null>(url, hashes.map((h) => ['pt_getReceipt', [h]]));
      const blockNumbers = [...new Set(receipts.filter((r) => r && r.status !== 'pending').map((r) => r!.blockNumber))];
      const blocks = await rpcBatch<{ hash: Hex }>(url, blockNumbers.map((n) => ['pt_getBlockByNumber', [n]]));
      const blockHash = new Map(blockNumbers.map((n, i) => [n, blocks[i].hash]));
      receipts.forEach((r, i) => {
        if (r && (r.status === 'included' || r.status === 'committed')) {
          included.set(hashes[i], { blockNumber: r.blockNumber, index: r.index, blockHash: blockHash.get(r.blockNumber)! });
        }
      });

      await new Promise((r) => setTimeout(r, 30 + Math.random() * 200));
      node.child.kill('SIGKILL');
      expect(await node.exited).toBe(null); // died by the signal
      streaming = false;
      await stream;

      node = await start();
      // Every receipt seen 'included' is still there, in the same block, and the block has the same hash.
      const entries = [...included];
      const after = await rpcBatch<{ status: string; blockNumber: number; index: number } | null>(node.rpcUrl, entries.map(([h]) => ['pt_getReceipt', [h]]));
      const lost = entries.filter(([, want], i) => !after[i] || after[i]!.blockNumber !== want.blockNumber || after[i]!.index !== want.index);
      expect(lost).toEqual([]);
      const numbers = [...new Set(entries.map(([, r]) => r.blockNumber))];
      const restored = await rpcBatch<{ hash: Hex }>(node.rpcUrl, numbers.map((n) => ['pt_getBlockByNumber', [n]]));
      numbers.forEach((n, i) => expect(restored[i].hash).toBe(entries.find(([, r]) => r.blockNumber === n)![1].blockHash));
    }

    // The state the node restored is consistent: transfers moved value around, none appeared or vanished.
    const balances = await rpcBatch<string>(node.rpcUrl, users.map((u) => ['pt_getBalance', [u.address, ETH]]));
    expect(balances.reduce((sum, b) => sum + BigInt(b), 0n)).toBe(FUNDING * BigInt(ACCOUNTS));
    expect(included.size).toBeGreaterThan(KILLS * ACCOUNTS);
    // Accepted means kept: every hash the node answered ends up in a block, those it held at a kill included.
    await waitFor('every accepted transaction included', async () => {
      const receipts = await rpcBatch<{ status: string } | null>(node.rpcUrl, accepted.map((h) => ['pt_getReceipt', [h]]));
      return receipts.every((r) => r?.status === 'included' || r?.status === 'committed');
    }, 30_000);
    // And the committer resumes from the contract's head until L1 holds every block.
    await waitFor('all blocks committed', async () => {
      const info = await rpc(node.rpcUrl, 'pt_chainInfo');
      return info.committed.number === info.head.number;
    }, 60_000);
    expect(await node.stop()).toBe(0); // SIGTERM: a clean close
  } finally {
    await node.stop();
    await dir.remove();
  }
});
