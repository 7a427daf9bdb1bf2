/**
 * `plasma-tree …` as a real process against a test tree's L1 and root (no devnet.json: ids and directories by hand),
 * in its own working directory, without colours. What the e2e tests of the CLI share.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ChainSpec } from '@plasma-tree/devnet';
import { Tree } from './tree.js';

const BIN = fileURLToPath(new URL('../../packages/cli/bin/plasma-tree.js', import.meta.url));

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `plasma-tree <args> --l1 … --root … --devnet-dir <dir>` in `dir`; `key` (hex) pays L1 gas
 * (PLASMA_TREE_PRIVATE_KEY), `extra` are more connection flags (e.g. `--parent-node`).
 */
export function runCli(tree: Tree, dir: string, args: string[], opts: { key?: string; extra?: string[]; timeoutMs?: number } = {}): Promise<CliResult> {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', ...(opts.key === undefined ? {} : { PLASMA_TREE_PRIVATE_KEY: opts.key }) };
  delete env.FORCE_COLOR;
  const conn = ['--l1', tree.devnet.l1.url, '--root', tree.devnet.rootContract, '--devnet-dir', dir, ...(opts.extra ?? [])];
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args, ...conn], { env, cwd: dir, timeout: opts.timeoutMs ?? 30_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

/**
 * A test tree (Tree.start) and a scratch directory for the CLI to run in (its working and devnet directory);
 * `close` stops the tree and removes the directory.
 */
export async function startTreeWithCli(chains: ChainSpec[], opts: Parameters<typeof Tree.start>[1], tag: string): Promise<{ tree: Tree; dir: string; close(): Promise<void> }> {
  const tree = await Tree.start(chains, opts);
  const dir = mkdtempSync(join(tmpdir(), `pt-${tag}-cli-`));
  return {
    tree,
    dir,
    async close() {
      try {
        await tree.close();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
