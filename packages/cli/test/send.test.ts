/**
 * `plasma-tree send` as a real process: argument errors (before any key or network), then routes on a devnet
 * this test starts (root → A, B; A → A1, A2): L1 → A1, and A1 → A2 interrupted with Ctrl-C and resumed.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JsonRpcProvider, Wallet, parseUnits } from 'ethers';
import { startDevnet, type Devnet } from '@plasma-tree/devnet';
import { TreeClient, readRouteState } from '@plasma-tree/sdk';
import { startTestL1 } from '@plasma-tree/contracts';

const BIN = fileURLToPath(new URL('../bin/plasma-tree.js', import.meta.url));

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

const env = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => {
  const e: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', ...extra };
  for (const k of ['FORCE_COLOR', 'PLASMA_TREE_PRIVATE_KEY', 'PLASMA_TREE_PASSWORD', 'PLASMA_TREE_NODES', 'PLASMA_TREE_DEVNET_DIR']) delete e[k];
  return e;
};

function cli(args: string[], cwd: string): Promise<Result> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env: env(), cwd, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

let work: string;
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'pt-cli-send-'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('plasma-tree send: arguments', () => {
  it('says what is missing or wrong before asking for a key or the network', async () => {
    const nowhere = ['--l1', 'http://127.0.0.1:9', '--root', '0x5FbDB2315678afecb367f032d93F642f64180aa3'];
    const missing = await cli(['send', ...nowhere], work);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^error INVALID_ARGUMENTS: missing --from, --to, --amount/m);
    expect(missing.stderr).toMatch(/hint: pass --from <chain> --to <chain> --amount <n>/);

    const same = await cli(['send', '--from', 'A', '--to', 'A', '--amount', '1', ...nowhere], work);
    expect(same.stderr).toMatch(/INVALID_ARGUMENTS: --from and --to are the same chain/);
    expect(same.stderr).toMatch(/plasma-tree transfer/);

    const mixed = await cli(['send', '--resume', 'x.json', '--from', 'A', '--amount', '1'], work);
    expect(mixed.stderr).toMatch(/INVALID_ARGUMENTS: --resume takes the route from its state file; it cannot be combined with --from, --amount/);

    const gone = await cli(['send', '--resume', 'nope.json'], work);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toMatch(/^error ROUTE_STATE_NOT_FOUND: no route state file .*nope\.json/m);

    writeFileSync(join(work, 'broken.json'), '{"type":');
    expect((await cli(['send', '--resume', 'broken.json'], work)).stderr).toMatch(/ROUTE_STATE_CORRUPT/);
    const taken = await cli(['send', '--from', 'A', '--to', 'B', '--amount', '1', '--state', 'broken.json', ...nowhere], work);
    expect(taken.stderr).toMatch(/INVALID_ARGUMENTS: the state file broken\.json exists already/);
    expect(taken.stderr).toMatch(/--resume broken\.json/);

    // Past the arguments: the key, then the network.
    const noKey = await cli(['send', '--from', 'A', '--to', 'B', '--amount', '1', ...nowhere], work);
    expect(noKey.stderr).toMatch(/^error NO_ACCOUNT/m);
    const help = await cli(['send', '--help'], work);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--resume <file>');
    expect(help.stdout).toContain('Examples:');
  });
});

describe('plasma-tree send on a devnet', () => {
  let devnet: Devnet;
  let provider: JsonRpcProvider;
  let tree: TreeClient;
  let devnetDir: string;

  beforeAll(async () => {
    devnetDir = join(work, 'devnet');
    devnet = await startDevnet({
      dataDir: devnetDir,
      startL1: startTestL1,
      chains: [{ name: 'A' }, { name: 'B' }, { name: 'A1', parent: 'A' }, { name: 'A2', parent: 'A' }],
      challengeWindow: 2,
      blockTimeMs: 100,
      fundAccounts: 2,
      l1Port: 0,
      rpcPort: 0,
    });
    provider = new JsonRpcProvider(devnet.l1.url, undefined, { cacheTimeout: -1 });
    tree = TreeClient.fromDevnet(devnet, new Wallet(devnet.accounts[0].privateKey, provider));
  }, 120_000);

  afterAll(async () => {
    provider?.destroy();
    await devnet?.close();
  });

  const run = (args: string[]) => cli([...args, '--devnet-dir', devnetDir, '--account', 'dev0'], work);
  const dev = (chain: string) => tree.balance(chain, devnet.token.address);

  it('sends L1 → A1 (two deposits), printing each hop, and A1 → A2 interrupted by Ctrl-C then resumed', async () => {
    const l1Before = await dev('L1');
    const down = await run(['send', '--from', 'L1', '--to', 'A1', '--amount', '10', '--token', 'DEV', '--state', 'down.json']);
    expect(down.code, down.stderr).toBe(0);
    expect(down.stdout).toMatch(/Route L1 → A1/);
    expect(down.stdout).toMatch(/done: 10 DEV arrived on A1/);
    expect(down.stderr).toMatch(/hop 1\/2 ↓ L1 → A: deposited into A on L1 \(deposit #\d+/);
    expect(down.stderr).toMatch(/hop 2\/2 ↓ A → A1: A1 applied deposit #1/);
    expect(readRouteState(join(work, 'down.json')).done).toBe(true);
    expect(await dev('A1')).toBe(parseUnits('10', 18));
    expect(l1Before - (await dev('L1'))).toBe(parseUnits('10', 18));

    // A1 → A → A2, stopped by SIGINT once the withdrawal is in a block.
    const args = ['send', '--from', 'A1', '--to', 'A2', '--amount', '4', '--token', 'DEV', '--state', 'up.json', '--devnet-dir', devnetDir, '--account', 'dev0'];
    const child = spawn(process.execPath, [BIN, ...args], { env: env(), cwd: work });
    let stderr = '';
    let interrupted = false;
    const exited = new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? -1)));
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (!interrupted && /withdrawn on A1 in block/.test(stderr)) {
        interrupted = true;
        child.kill('SIGINT');
      }
    });
    expect(await exited).toBe(1);
    expect(stderr).toMatch(/^error ABORTED: the route stopped at hop 1 of 2/m);
    expect(stderr).toMatch(/send --resume .*up\.json/);
    const stopped = readRouteState(join(work, 'up.json'));
    expect(stopped.hops[0].step).not.toBe('pending');
    expect(stopped.done).toBe(false);

    const resumed = await run(['send', '--resume', 'up.json']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toMatch(/resuming 4 DEV/);
    expect(resumed.stdout).toMatch(/done: 4 DEV arrived on A2/);
    expect(resumed.stderr).toMatch(/hop 1\/2 ↑ A1 → A: paid to 0x[0-9a-f]{40} on A/);
    expect(await dev('A1')).toBe(parseUnits('6', 18));
    expect(await dev('A2')).toBe(parseUnits('4', 18));
    expect(await dev('A')).toBe(0n);
    expect(existsSync(join(work, 'up.json'))).toBe(true);
  }, 60_000);
});
