/** The watcher as a library in the test's process, over the chains of a devnet tree (test/helpers/tree.ts). */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Hex } from '@plasma-tree/core';
import { Watcher } from '@plasma-tree/watcher';
import type { Tree, TreeChain } from './tree.js';

export interface TreeWatcher {
  watcher: Watcher;
  /** Closes the watcher and removes its data directory. */
  close(): Promise<void>;
}

/**
 * A watcher with its own key and a fresh data directory, following every chain of `tree` (or those `only` keeps) on
 * their devnet nodes: no confirmations, fast polls, its status server on any free port.
 */
export async function startTreeWatcher(tree: Tree, opts: { key: Hex; only?: (c: TreeChain) => boolean; freezeStalled?: boolean }): Promise<TreeWatcher> {
  const dataDir = mkdtempSync(join(tmpdir(), 'pt-tree-watcher-'));
  const watcher = await Watcher.init({
    l1RpcUrl: tree.devnet.l1.url,
    rootContract: tree.devnet.rootContract,
    chains: tree.chains.filter(opts.only ?? (() => true)).map((c) => ({ chainId: c.chainId, name: c.name, nodes: [c.nodeUrl] })),
    key: opts.key,
    dataDir,
    confirmations: 0,
    pollMs: 150,
    status: { port: 0 },
    ...(opts.freezeStalled === undefined ? {} : { freezeStalled: opts.freezeStalled }),
  });
  return {
    watcher,
    close: async () => {
      await watcher.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
