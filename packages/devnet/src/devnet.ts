import { createWriteStream, mkdirSync, rmSync, type WriteStream } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { Contract, HDNodeWallet, JsonRpcProvider, Wallet, parseEther, parseUnits, type Signer } from 'ethers';
import { PlasmaError, ROOT_CHAIN_ID, type Address, type ChainId, type Hex } from '@plasma-tree/core';
import { deployRoot, deployTestToken, startHardhatNode, HARDHAT_MNEMONIC } from '@plasma-tree/contracts';
import { PlasmaNode, createLogger, type LogLevel } from '@plasma-tree/node';
import { resolveLayout, ROOT, type ChainSpec, type ResolvedChainSpec } from './layout.js';
import { isDevnetRunning, readDevnetInfo, removeDevnetInfo, writeDevnetInfo, DEVNET_CONFIG_VERSION, type DevnetAccount, type DevnetChain, type DevnetInfo } from './config.js';

export { HARDHAT_MNEMONIC };
/** Hardhat pre-funds indices 0..19 of its mnemonic with 10 000 ETH. */
const HARDHAT_FUNDED = 20;

export interface DevnetProgress {
  step: 'l1' | 'deploy' | 'token' | 'spawn' | 'node' | 'fund' | 'ready';
  message: string;
  /** ms since startDevnet was called. */
  elapsedMs: number;
}

export interface DevnetOptions {
  /** Directory for devnet.json and the nodes' databases (created; its `chains/` is wiped at start). */
  dataDir: string;
  /** The tree of chains, as data. Default: one child of the root named 'A'. */
  chains?: ChainSpec[];
  /** Validators per chain, for chains that do not say (default 1). */
  validators?: number;
  /** Signatures per commitment, for chains that do not say (default: a 2/3 majority). */
  threshold?: number;
  /** Challenge window in seconds (default 30). */
  challengeWindow?: number;
  /** Child-chain block time, ms (default 500). */
  blockTimeMs?: number;
  /** Port of the Hardhat node (default 8545; 0 = any free port). */
  l1Port?: number;
  /** L1 block time, ms: Hardhat mines on every transaction and also every this often, so L1 time moves on
   * (challenge windows end without traffic). 0 = only on transactions. Default 1000. */
  l1BlockTimeMs?: number;
  /** JSON-RPC port of the first chain's node; chain i gets rpcPort + i (default 8645; 0 = any free port). */
  rpcPort?: number;
  /** Dev accounts funded with DEV tokens (and ETH, which Hardhat gives them anyway). Default 5. */
  fundAccounts?: number;
  /** DEV tokens minted to each dev account (default 1 000 000 DEV). */
  devTokens?: bigint;
  /** L1 confirmations before a node applies a deposit (default 1). */
  l1Confirmations?: number;
  /** Node log level; the logs go to `<dataDir>/chains/<name>/node.log` (default 'info'). */
  logLevel?: LogLevel;
  /** Whether to write `<dataDir>/devnet.json` (default true). */
  writeConfig?: boolean;
  onProgress?: (p: DevnetProgress) => void;
}

export interface Devnet extends DevnetInfo {
  /** Path of devnet.json (undefined with writeConfig: false). */
  configFile: string | undefined;
  /** Stops the nodes, then the L1, and removes devnet.json. Safe to call twice. */
  close(): Promise<void>;
}

/** Data dirs of the devnets running in this process (a second one must not wipe their databases). */
const activeDirs = new Set<string>();

interface Closer {
  name: string;
  close: () => Promise<void> | void;
}

/** Whether `port` on 127.0.0.1 can be listened on. */
export function isPortFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolvePromise) => {
    const srv = createServer();
    srv.once('error', () => resolvePromise(false));
    srv.listen(port, host, () => srv.close(() => resolvePromise(true)));
  });
}

/** A port the OS says is free right now. */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, host, () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolvePromise(port));
    });
  });
}

async function checkPort(port: number, what: string, flag: string): Promise<void> {
  if (port !== 0 && !(await isPortFree(port))) {
    throw new PlasmaError('PORT_IN_USE', `port ${port} (${what}) is already in use`, {
      data: { port },
      hint: `is another devnet running? stop it (Ctrl-C), or pick another port with ${flag} (0 = any free port)`,
    });
  }
}

const toHex = (a: string) => a.toLowerCase() as Address;

/** Derives well-known Hardhat dev accounts (the same keys `hardhat node` prints, and more past index 19). */
export function devAccounts(from: number, count: number, namer: (i: number) => string = (i) => `dev${i}`): DevnetAccount[] {
  const root = HDNodeWallet.fromPhrase(HARDHAT_MNEMONIC, undefined, "m/44'/60'/0'/0");
  return Array.from({ length: count }, (_, k) => {
    const w = root.deriveChild(from + k);
    return { name: namer(k), address: toHex(w.address), privateKey: w.privateKey as Hex, hdIndex: from + k };
  });
}

/**
 * Starts the embedded devnet: a real Hardhat node on 127.0.0.1, PlasmaRoot and a `DEV` test ERC-20, the chains
 * of the layout with their validator nodes (in this process), funded dev accounts, and `<dataDir>/devnet.json`.
 * On failure everything already started is stopped again before the error is thrown.
 */
export async function startDevnet(opts: DevnetOptions): Promise<Devnet> {
  const t0 = Date.now();
  const progress = (step: DevnetProgress['step'], message: string) => opts.onProgress?.({ step, message, elapsedMs: Date.now() - t0 });
  const dataDir = resolve(opts.dataDir);
  const writeConfig = opts.writeConfig ?? true;
  const fundCount = opts.fundAccounts ?? 5;
  if (!Number.isInteger(fundCount) || fundCount < 1 || fundCount > 100) {
    throw new PlasmaError('BAD_CONFIG', `fundAccounts must be 1..100, got ${fundCount}`, { hint: 'pass a number of dev accounts between 1 and 100' });
  }
  const l1Port = opts.l1Port ?? 8545;
  const rpcPort = opts.rpcPort ?? 8645;
  const layout = resolveLayout(opts.chains ?? [{ name: 'A' }], {
    validators: opts.validators,
    threshold: opts.threshold,
    challengeWindow: opts.challengeWindow ?? 30,
    rpcPort,
  });
  const nested = layout.filter((c) => c.parent !== ROOT);
  if (nested.length) {
    throw new PlasmaError('NOT_SUPPORTED', `chains below a child chain (${nested.map((c) => `${c.name} under ${c.parent}`).join(', ')}) are not supported yet`, {
      data: { chains: nested.map((c) => c.name) },
      hint: 'this version spawns children of the root only: give every chain parent "root"',
    });
  }

  if (activeDirs.has(dataDir)) {
    throw new PlasmaError('DEVNET_RUNNING', `a devnet of this process is already running with data dir ${dataDir}`, {
      data: { pid: process.pid, dataDir },
      hint: 'close it first (devnet.close()), or use another dataDir',
    });
  }
  if (writeConfig) {
    const existing = (() => {
      try {
        return readDevnetInfo(dataDir);
      } catch {
        return undefined; // broken file: overwrite it
      }
    })();
    if (existing && existing.pid !== process.pid && isDevnetRunning(existing)) {
      throw new PlasmaError('DEVNET_RUNNING', `a devnet (pid ${existing.pid}) is already running with data dir ${dataDir}`, {
        data: { pid: existing.pid, dataDir },
        hint: 'stop it first (Ctrl-C in its terminal), or pass another --dir',
      });
    }
  }
  await checkPort(l1Port, 'L1 node', '--l1-port');
  for (const c of layout) await checkPort(c.rpcPort, `node of chain ${c.name}`, '--rpc-port');

  activeDirs.add(dataDir);
  // The chain data belongs to the previous devnet's L1, which is gone: start from scratch.
  rmSync(join(dataDir, 'chains'), { recursive: true, force: true });
  mkdirSync(join(dataDir, 'chains'), { recursive: true });

  const closers: Closer[] = [];
  let closed = false;
  const closeAll = async () => {
    if (closed) return;
    closed = true;
    const errors: unknown[] = [];
    for (const c of closers.reverse()) {
      try {
        await c.close();
      } catch (e) {
        errors.push(e);
      }
    }
    if (writeConfig) removeDevnetInfo(dataDir);
    activeDirs.delete(dataDir);
    if (errors.length) throw new PlasmaError('DEVNET_CLOSE_FAILED', `stopping the devnet failed: ${errors.map((e) => (e as Error)?.message ?? e).join('; ')}`, { data: {}, hint: 'kill the leftover processes (hardhat node) by hand if any', cause: errors[0] });
  };

  try {
    // ---- L1
    progress('l1', `starting Hardhat node on 127.0.0.1:${l1Port || '(any free port)'}`);
    // Port 0: startHardhatNode picks a free port itself (and retries if another process takes it first).
    const hh = await startHardhatNode(l1Port === 0 ? {} : { port: l1Port });
    closers.push({ name: 'hardhat', close: () => hh.stop() });
    const provider = new JsonRpcProvider(hh.url, undefined, { cacheTimeout: -1, pollingInterval: 250 });
    closers.push({ name: 'provider', close: () => provider.destroy() });
    const l1ChainId = Number((await provider.getNetwork()).chainId);
    progress('l1', `L1 ready at ${hh.url} (chain id ${l1ChainId})`);

    // ---- accounts: dev0..devN-1 for users (dev0 also deploys), validators after them
    const accounts = devAccounts(0, fundCount);
    const deployer: Signer = new Wallet(accounts[0].privateKey, provider);
    let nextIndex = Math.max(10, fundCount);

    // ---- contracts
    progress('deploy', 'deploying PlasmaRoot');
    const rootContract = toHex((await deployRoot(deployer)).address);
    progress('deploy', `PlasmaRoot at ${rootContract}`);
    const tokenAddress = toHex((await deployTestToken(deployer, 'Plasma Tree Dev Token', 'DEV')).address);
    const token = new Contract(tokenAddress, ['function mint(address to, uint256 amount)', 'function decimals() view returns (uint8)'], deployer);
    const decimals = Number(await token.decimals());
    progress('token', `DEV token at ${tokenAddress}`);

    // ---- chains
    const rootC = new Contract(rootContract, ['function spawnChain(address[] validators, uint8 threshold, uint64 challengeWindow) payable returns (bytes32)',
      'event ChainSpawned(bytes32 indexed chainId, uint256 indexed index, address indexed spawner, address[] validators, uint8 threshold, uint64 challengeWindow, uint256 bond)'], deployer);
    const chains: DevnetChain[] = [];
    const ids = new Map<string, ChainId>([[ROOT, ROOT_CHAIN_ID]]);
    for (const spec of layout) {
      const validators = devAccounts(nextIndex, spec.validators, (i) => `${spec.name}/validator${i}`);
      nextIndex += spec.validators;
      for (const v of validators.filter((x) => x.hdIndex >= HARDHAT_FUNDED)) {
        await (await deployer.sendTransaction({ to: v.address, value: parseEther('100') })).wait();
      }
      progress('spawn', `spawning chain ${spec.name}: ${spec.threshold}-of-${spec.validators} validators, ${spec.challengeWindow} s challenge window`);
      const chainId = await spawn(rootC, spec, validators);
      ids.set(spec.name, chainId);
      chains.push({
        name: spec.name,
        parent: spec.parent,
        chainId,
        parentChainId: ids.get(spec.parent)!,
        nodeUrl: '',
        validators,
        threshold: spec.threshold,
        challengeWindow: spec.challengeWindow,
        dataDir: join(dataDir, 'chains', spec.name),
      });
    }

    // ---- fund dev accounts (before the nodes start: their first blocks then already see everything)
    const devTokens = opts.devTokens ?? parseUnits('1000000', decimals);
    progress('fund', `minting ${fmtUnits(devTokens, decimals)} DEV to ${fundCount} dev accounts`);
    for (const a of accounts) {
      await (await token.mint(a.address, devTokens)).wait();
      if (a.hdIndex >= HARDHAT_FUNDED) await (await deployer.sendTransaction({ to: a.address, value: parseEther('1000') })).wait();
    }

    // L1 time must move on without traffic, or challenge windows never end on an idle devnet.
    const l1BlockTimeMs = opts.l1BlockTimeMs ?? 1000;
    if (l1BlockTimeMs > 0) await provider.send('evm_setIntervalMining', [l1BlockTimeMs]);

    // ---- nodes (in this process for now; the layout is what a multi-process launcher would need too)
    for (const [i, chain] of chains.entries()) {
      const spec = layout[i];
      progress('node', `starting the validator node of chain ${chain.name}`);
      const { node, logStream } = await startChainNode(chain, spec, { l1Url: hh.url, rootContract, opts });
      closers.push({ name: `node ${chain.name}`, close: async () => {
        await node.close();
        await new Promise<void>((r) => logStream.end(() => r()));
      } });
      chain.nodeUrl = node.rpcUrl;
      progress('node', `chain ${chain.name} (${chain.chainId.slice(0, 10)}…) serves JSON-RPC at ${node.rpcUrl}`);
    }

    const info: DevnetInfo = {
      version: DEVNET_CONFIG_VERSION,
      pid: process.pid,
      startedAt: new Date().toISOString(),
      dataDir,
      l1: { url: hh.url, chainId: l1ChainId, blockTimeMs: l1BlockTimeMs },
      rootContract,
      token: { address: tokenAddress, name: 'Plasma Tree Dev Token', symbol: 'DEV', decimals, perAccount: devTokens.toString() },
      chains,
      accounts,
      mnemonic: HARDHAT_MNEMONIC,
    };
    const configFile = writeConfig ? writeDevnetInfo(dataDir, info) : undefined;
    progress('ready', `devnet ready in ${((Date.now() - t0) / 1000).toFixed(1)} s${configFile ? `; wrote ${configFile}` : ''}`);
    return { ...info, configFile, close: closeAll };
  } catch (e) {
    await closeAll().catch(() => {});
    throw e;
  }
}

async function spawn(root: Contract, spec: ResolvedChainSpec, validators: DevnetAccount[]): Promise<ChainId> {
  const tx = await root.spawnChain(validators.map((v) => v.address), spec.threshold, spec.challengeWindow, { value: spec.bond });
  const receipt = await tx.wait();
  for (const log of receipt.logs) {
    try {
      const parsed = root.interface.parseLog(log);
      if (parsed?.name === 'ChainSpawned') return (parsed.args.chainId as string).toLowerCase() as ChainId;
    } catch { /* not ours */ }
  }
  throw new PlasmaError('DEVNET_FAILED', `spawnChain for ${spec.name} emitted no ChainSpawned event`, { hint: 'is the PlasmaRoot artifact up to date? run `npm run build:contracts`' });
}

async function startChainNode(
  chain: DevnetChain,
  spec: ResolvedChainSpec,
  ctx: { l1Url: string; rootContract: Address; opts: DevnetOptions },
): Promise<{ node: PlasmaNode; logStream: WriteStream }> {
  mkdirSync(chain.dataDir, { recursive: true });
  const logStream = createWriteStream(join(chain.dataDir, 'node.log'), { flags: 'a' });
  const logger = createLogger({ level: ctx.opts.logLevel ?? 'info', write: (line) => void logStream.write(line) }).child(chain.name);
  try {
    const node = await PlasmaNode.init({
      dataDir: chain.dataDir,
      l1RpcUrl: ctx.l1Url,
      rootContract: ctx.rootContract,
      chainId: chain.chainId,
      validatorKeys: chain.validators.map((v) => v.privateKey),
      rpc: { host: '127.0.0.1', port: spec.rpcPort },
      blockTimeMs: ctx.opts.blockTimeMs ?? 500,
      l1Confirmations: ctx.opts.l1Confirmations ?? 1,
      l1PollMs: 250,
      logger,
    });
    return { node, logStream };
  } catch (e) {
    logStream.end();
    throw e;
  }
}

function fmtUnits(v: bigint, decimals: number): string {
  const whole = v / 10n ** BigInt(decimals);
  return whole.toLocaleString('en-US');
}
