/**
 * A nested devnet layout: root → A, B; A → A1, A2; A1 → A1x. Children of child chains are spawned with
 * SPAWN_CHILD on their parent's node (dev account 0 brings the bond there first) and their nodes follow the
 * parent's node (`parent: { kind: 'child' }`).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chainIdOf, ROOT_CHAIN_ID } from '@plasma-tree/core';
import { NodeClient } from '@plasma-tree/sdk';
import { startDevnet, WATCHER_NATIVE_FUNDS, type Devnet } from '@plasma-tree/devnet';

let dir: string;
let devnet: Devnet;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'plasma-devnet-nested-'));
  devnet = await startDevnet({
    dataDir: dir,
    l1Port: 0,
    rpcPort: 0,
    challengeWindow: 3,
    blockTimeMs: 100,
    fundAccounts: 1,
    writeConfig: false,
    chains: [{ name: 'A' }, { name: 'B' }, { name: 'A1', parent: 'A' }, { name: 'A2', parent: 'A' }, { name: 'A1x', parent: 'A1' }],
  });
}, 120_000);

afterAll(async () => {
  await devnet?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const rpc = async (url: string, method: string, params: unknown[] = []): Promise<any> => {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) });
  return ((await res.json()) as { result: unknown }).result;
};

describe('startDevnet with a nested layout', () => {
  it('spawns children of child chains on their parent and runs their nodes against the parent node', async () => {
    const byName = Object.fromEntries(devnet.chains.map((c) => [c.name, c]));
    expect(devnet.chains.map((c) => c.name)).toEqual(['A', 'B', 'A1', 'A2', 'A1x']);
    expect(byName.A.parentChainId).toBe(ROOT_CHAIN_ID);
    expect(byName.A1.chainId).toBe(chainIdOf(byName.A.chainId, 0));
    expect(byName.A2.chainId).toBe(chainIdOf(byName.A.chainId, 1));
    expect(byName.A1x.chainId).toBe(chainIdOf(byName.A1.chainId, 0));
    expect(await rpc(byName.A.nodeUrl, 'pt_getChildren')).toEqual([byName.A1.chainId, byName.A2.chainId]);
    expect(await rpc(byName.A1.nodeUrl, 'pt_getChildren')).toEqual([byName.A1x.chainId]);
    for (const name of ['A1', 'A2', 'A1x']) {
      const chain = byName[name];
      const info = await new NodeClient(chain.nodeUrl).chainInfo();
      expect(info).toMatchObject({ chainId: chain.chainId, parentChainId: chain.parentChainId, rootContract: devnet.rootContract, threshold: 1, challengeWindow: 3 });
      expect(info.validators).toEqual(chain.validators.map((v) => v.address.toLowerCase()));
    }
    // A1 applied the deposit that brought A1x's bond, and committed its blocks on A.
    const a1Head = (await rpc(byName.A1.nodeUrl, 'pt_chainInfo')).head.number;
    expect(a1Head).toBeGreaterThan(0);
    const committed = await (async () => {
      const deadline = Date.now() + 20_000;
      for (;;) {
        const info = await rpc(byName.A.nodeUrl, 'pt_getChildInfo', [byName.A1.chainId]);
        if (info.headNumber >= a1Head || Date.now() > deadline) return info.headNumber;
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    expect(committed).toBeGreaterThanOrEqual(a1Head);
    // The devnet's watcher holds native coins on every chain with children (the bond of a data challenge, docs/FRAUD.md
    // §9b): an L1 deposit on A, a DEPOSIT_TO_CHILD on A1; none on the leaves.
    const watcher = devnet.watcher!.address.toLowerCase();
    const balanceOn = async (name: string) => BigInt(await rpc(byName[name].nodeUrl, 'pt_getBalance', [watcher, `0x${'00'.repeat(20)}`]));
    for (const name of ['A', 'A1']) {
      const deadline = Date.now() + 20_000;
      while ((await balanceOn(name)) < WATCHER_NATIVE_FUNDS && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(await balanceOn(name), `the watcher's native coins on ${name}`).toBe(WATCHER_NATIVE_FUNDS);
    }
    for (const name of ['B', 'A2', 'A1x']) expect(await balanceOn(name), `the watcher's native coins on ${name}`).toBe(0n);
  });
});
