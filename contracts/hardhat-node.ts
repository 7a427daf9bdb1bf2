/** A real `hardhat node` process for tests, benchmarks and the devnet. */
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { HDNodeWallet } from 'ethers';
import { CONTRACTS_DIR } from './deploy.js';

const require = createRequire(import.meta.url);

export const HARDHAT_CONFIG_PATH = join(CONTRACTS_DIR, 'hardhat.config.cjs');

// ---------------------------------------------------------------------------------------------------------------
// Hardhat node
// ---------------------------------------------------------------------------------------------------------------

/** The mnemonic of Hardhat's 20 default accounts (10,000 ETH each on a fresh node). */
export const HARDHAT_MNEMONIC = 'test test test test test test test test test test test junk';

export interface DevAccount {
  address: string;
  privateKey: string;
}

let devAccounts: DevAccount[] | undefined;

/** Hardhat's default accounts m/44'/60'/0'/0/i, i < 20 (well-known keys: never use them outside a dev chain). */
export function hardhatAccounts(): DevAccount[] {
  if (!devAccounts) {
    const parent = HDNodeWallet.fromPhrase(HARDHAT_MNEMONIC, '', "m/44'/60'/0'/0");
    devAccounts = Array.from({ length: 20 }, (_, i) => {
      const w = parent.deriveChild(i);
      return { address: w.address, privateKey: w.privateKey };
    });
  }
  return devAccounts.map((a) => ({ ...a }));
}

export interface HardhatNode {
  /** http://127.0.0.1:<port> */
  url: string;
  port: number;
  accounts: DevAccount[];
  /** Kills the node and waits for it to exit. Idempotent. */
  stop(): Promise<void>;
}

export interface StartHardhatNodeOptions {
  /** Port to listen on; a free one by default. */
  port?: number;
  /** true: echo the node's output to stderr; a function: receive it line by line. Off by default. */
  log?: boolean | ((line: string) => void);
  /** How long to wait for the node to answer eth_chainId (default 60 s). */
  timeoutMs?: number;
}

/** Every node this process started, killed on exit so that no orphan keeps a port. */
const liveNodes = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of liveNodes) child.kill('SIGKILL');
  });
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function answersChainId(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] }),
      signal: AbortSignal.timeout(1_000),
    });
    const body = (await res.json()) as { result?: string };
    return typeof body.result === 'string';
  } catch {
    return false;
  }
}

// Preloaded into the node process: it exits when our end of its stdin closes, i.e. when this process dies in any
// way (even SIGKILL, where no exit hook runs).
const EXIT_WITH_PARENT = 'data:text/javascript,process.stdin.on("end",()=>process.exit(0)).on("error",()=>process.exit(0)).resume();';

/**
 * Spawns a real `hardhat node` (chain id 31337, this package's config) on 127.0.0.1 and resolves once it answers
 * JSON-RPC. One per test file is the intended use; call `stop()` in afterAll.
 */
export async function startHardhatNode(options: StartHardhatNodeOptions = {}): Promise<HardhatNode> {
  const attempts = options.port === undefined ? 3 : 1; // a picked free port can be taken before the node binds it
  let lastError: unknown;
  for (let attempt = 0; attempt < attempts; attempt++) {
    try {
      return await startOnce(options.port ?? (await freePort()), options);
    } catch (e) {
      lastError = e;
    }
  }
  throw lastError;
}

// ---------------------------------------------------------------------------------------------------------------
// A pooled node for test files (the test runner's setup registers one per worker)
// ---------------------------------------------------------------------------------------------------------------

/** This process's pooled node (usePooledL1), kept on globalThis so that every copy of this module sees the same one. */
const POOL = Symbol.for('plasma-tree.pooledL1');
interface PooledL1 {
  url: string;
  port: number;
  busy: boolean;
}
const poolSlot = globalThis as { [POOL]?: PooledL1 };

/**
 * Makes startTestL1 hand out the node at `url` (a `hardhat node` this process did not start and must not stop) instead
 * of spawning one: the test runner's setup calls it with its worker's node (test/setup/l1-pool.ts).
 */
export function usePooledL1(url: string): void {
  poolSlot[POOL] = { url, port: Number(new URL(url).port), busy: false };
}

/**
 * A fresh L1 for a test: the pooled node (usePooledL1) reset to its genesis with `hardhat_reset` (~50 ms: balances,
 * nonces, clock and mining mode as a new node's) when there is one and nobody in this process holds it, else a
 * new node (startHardhatNode, ~2 s). `stop()` of a pooled node hands it back without killing it: a test that needs
 * its L1 to die calls startHardhatNode.
 */
export async function startTestL1(): Promise<HardhatNode> {
  const pooled = poolSlot[POOL];
  if (!pooled || pooled.busy) return startHardhatNode();
  pooled.busy = true;
  try {
    await resetNode(pooled.url);
  } catch (e) {
    pooled.busy = false;
    throw new Error(`the pooled hardhat node at ${pooled.url} did not reset: ${(e as Error).message}`);
  }
  let held = true;
  return {
    url: pooled.url,
    port: pooled.port,
    accounts: hardhatAccounts(),
    stop: async () => {
      if (held) pooled.busy = held = false;
    },
  };
}

async function resetNode(url: string): Promise<void> {
  await rpcCall(url, 'hardhat_reset', []);
  // A reset node's clock restarts at its first genesis: it would lag the wall clock by the node's age (minutes, late
  // in a run), where a new node's is about now. Move it forward by the lag, as a new node would be.
  const pending = (await rpcCall(url, 'eth_getBlockByNumber', ['pending', false])) as { timestamp: string };
  const lag = Math.floor(Date.now() / 1000) - Number(pending.timestamp);
  if (lag > 0) await rpcCall(url, 'evm_increaseTime', [lag]);
}

async function rpcCall(url: string, method: string, params: unknown[]): Promise<unknown> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
    signal: AbortSignal.timeout(10_000),
  });
  const body = (await res.json()) as { result?: unknown; error?: { message?: string } };
  if (body.error || body.result === undefined) throw new Error(`${method}: ${body.error?.message ?? `unexpected answer ${JSON.stringify(body)}`}`);
  return body.result;
}

async function startOnce(port: number, options: StartHardhatNodeOptions): Promise<HardhatNode> {
  const cli = require.resolve('hardhat/internal/cli/cli.js');
  const child = spawn(
    process.execPath,
    ['--import', EXIT_WITH_PARENT, cli, '--config', HARDHAT_CONFIG_PATH, 'node', '--hostname', '127.0.0.1', '--port', String(port)],
    {
      cwd: CONTRACTS_DIR,
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, HARDHAT_DISABLE_TELEMETRY_PROMPT: 'true', NO_COLOR: '1' },
    },
  );
  liveNodes.add(child);
  installExitHook();

  // Always drain the pipes (a full pipe would block the node); keep a tail for error messages.
  let tail = '';
  const sink = typeof options.log === 'function' ? options.log : options.log ? (line: string) => process.stderr.write(`[hardhat] ${line}\n`) : undefined;
  let partial = '';
  const onData = (chunk: Buffer): void => {
    const text = chunk.toString('utf8');
    tail = (tail + text).slice(-4_000);
    if (!sink) return;
    const lines = (partial + text).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) sink(line);
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);

  let exited = false;
  const exitPromise = new Promise<void>((resolve) =>
    child.once('exit', () => {
      exited = true;
      liveNodes.delete(child);
      resolve();
    }),
  );

  const stop = async (): Promise<void> => {
    if (!exited) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exitPromise;
      clearTimeout(timer);
    }
  };

  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  while (!(await answersChainId(url))) {
    if (exited) throw new Error(`hardhat node exited before answering on ${url}:\n${tail}`);
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`hardhat node did not answer on ${url} within ${options.timeoutMs ?? 60_000} ms:\n${tail}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { url, port, accounts: hardhatAccounts(), stop };
}

