import { createWriteStream, mkdirSync, rmSync, type WriteStream } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { Contract, HDNodeWallet, JsonRpcProvider, Wallet, formatEther, parseEther, parseUnits, type Signer } from 'ethers';
import {
  PlasmaError,
  ROOT_CHAIN_ID,
  TxKind,
  chainIdOf,
  plasmaDomain,
  secp256k1Scheme,
  signedTxDigest,
  type Address,
  type ChainId,
  type EdgeRegistry,
  type Eip712Domain,
  type Hex,
  type SignedTx,
  type UnsignedTx,
} from '@plasma-tree/core';
import { NodeClient } from '@plasma-tree/sdk';
import { deployRoot, deployTestToken, startHardhatNode, HARDHAT_MNEMONIC, type HardhatNode } from '@plasma-tree/contracts';
import { PlasmaNode, createLogger, loadEdgeModule, type LogLevel } from '@plasma-tree/node';
import { Watcher, DEFAULT_STATUS_PORT } from '@plasma-tree/watcher';
import { resolveLayout, ROOT, type ChainSpec, type ResolvedChainSpec } from './layout.js';
import { isDevnetRunning, readDevnetInfo, removeDevnetInfo, writeDevnetInfo, DEVNET_CONFIG_VERSION, type DevnetAccount, type DevnetChain, type DevnetInfo } from './config.js';
import { ChainProcesses } from './processes.js';

export { HARDHAT_MNEMONIC };
/** Hardhat pre-funds indices 0..19 of its mnemonic with 10 000 ETH. */
const HARDHAT_FUNDED = 20;

export interface DevnetProgress {
  step: 'l1' | 'deploy' | 'token' | 'spawn' | 'node' | 'fund' | 'watcher' | 'ready';
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
  /**
   * Starts the L1 node instead of `startHardhatNode` on `l1Port`: tests pass `startTestL1` (their worker's pooled
   * node, reset to genesis). The devnet stops what it returns when it closes.
   */
  startL1?: () => Promise<HardhatNode>;
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
  /**
   * When the node of a child of a child chain applies a deposit made on its parent chain (NodeOptions
   * `parent.finality`): 'committed' (default here, fast) or 'final' (after the parent's own challenge window).
   * A chain's own `parentFinality` (ChainSpec) overrides it.
   */
  parentFinality?: 'committed' | 'final';
  /**
   * Run each validator of each chain as its own OS process (`spawnNodeProcess`, docs/CONSENSUS.md): data dir
   * `<dataDir>/chains/<name>/validator<i>` (its node.log there), its own libp2p host on 127.0.0.1 bootstrapped
   * from the chain's validators already running, its own JSON-RPC port (the first validator of chain i keeps
   * `rpcPort + i`, the others count up after the last chain's). A validator of a child of a child chain follows
   * the parent's validator `i mod n`. Needs a threshold above 1 on chains of several validators, and `edgeModule`
   * rather than `edges`. A chain's `faults` (FAULT INJECTION, tests only) go to the process of its `faultyValidator`
   * only (ChainSpec; default validator 0): the others are honest and refuse its forged proposals.
   * Default false: one in-process node per chain holds all of its keys (and, with `faults`, lies with all of them).
   */
  processes?: boolean;
  /** Node log level; the logs go to `<dataDir>/chains/<name>/node.log` (default 'info'). */
  logLevel?: LogLevel;
  /** Whether to write `<dataDir>/devnet.json` (default true). */
  writeConfig?: boolean;
  /**
   * The edge functions every chain of the devnet runs (docs/EDGE.md), made with core's
   * `createEdgeRegistry(edgeFunctions, { messageHandlers })`. Default: the built-ins only.
   */
  edges?: EdgeRegistry;
  /**
   * Instead of `edges`: the path of an ESM module exporting `edgeFunctions` and optionally `messageHandlers`
   * (NodeOptions `edgeModule`), loaded by every chain's node.
   */
  edgeModule?: string;
  /**
   * The watcher (packages/watcher) over every chain (all levels): on by default, with its own funded key (the next dev
   * account after the validators) and data dir `<dataDir>/watcher`; its status URL goes into devnet.json. `false`
   * runs none. `port`: of its status server (default 8550, or any free port when rpcPort is 0). Its address also gets
   * WATCHER_NATIVE_FUNDS of the native coin on every chain that has children: the bond of a data challenge of a child's
   * block (docs/FRAUD.md §9b). `unavailableGraceSec`: WatcherOptions' (default 10 s; short challenge windows need less).
   */
  watcher?: boolean | { port?: number; freezeStalled?: boolean; unavailableGraceSec?: number };
  onProgress?: (p: DevnetProgress) => void;
}

export interface Devnet extends DevnetInfo {
  /** Path of devnet.json (undefined with writeConfig: false). */
  configFile: string | undefined;
  /**
   * Stops the validator node of one chain (by name; in processes mode, all of its validator processes) and leaves
   * everything else running: what tests need to act
   * as that chain's validators themselves (e.g. sign a block of their own) without racing the honest node. The
   * node's children lose their parent node (they keep retrying). Safe to call twice; `close()` skips it.
   */
  stopNode(name: string): Promise<void>;
  /**
   * Stops the validator node of one chain (in processes mode, all of them) and starts it again on the same data directory and
   * JSON-RPC port: a restart as after a crash or an upgrade (the node resumes from its store). Resolves once it
   * serves again.
   */
  restartNode(name: string): Promise<void>;
  /**
   * Processes mode only: stops the process of validator `index` of chain `name` (SIGTERM, then SIGKILL), leaving
   * the chain's other validators running (a chain of n, t goes on while t of them run). Safe to call twice.
   */
  stopValidator(name: string, index: number): Promise<void>;
  /** Processes mode only: starts validator `index` of chain `name` again (same data dir and port; it syncs from its peers). */
  restartValidator(name: string, index: number): Promise<void>;
  /** Stops the nodes (every node process: SIGTERM, then SIGKILL), then the L1, and removes devnet.json. Safe to call twice. */
  close(): Promise<void>;
}

/** Data dirs of the devnets running in this process (a second one must not wipe their databases). */
const activeDirs = new Set<string>();

/** How one chain's validators run: one in-process node, or (processes) one process per validator. */
interface ChainRunner {
  start(): Promise<void>;
  stop(): Promise<void>;
}

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
 * of the layout with their validator nodes (in this process, or with `processes` one node process per validator),
 * funded dev accounts, and `<dataDir>/devnet.json`.
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
  const processes = opts.processes ?? false;
  // Processes mode: validator 0 of each chain on the chain's port, the others after the last chain's.
  const validatorPorts = new Map<string, number[]>();
  if (processes) {
    if (opts.edges !== undefined) {
      throw new PlasmaError('BAD_CONFIG', 'edges (a registry of functions) cannot be passed to node processes', { hint: 'put the edge functions in an ESM module and pass its path as edgeModule (--edge-module)' });
    }
    let next = rpcPort + layout.length;
    for (const c of layout) {
      if (c.validators > 1 && c.threshold < 2) {
        // A validator process holding one key of a 1-of-n chain produces blocks alone: n producers, n forks.
        throw new PlasmaError('BAD_LAYOUT', `chain ${c.name}: ${c.threshold}-of-${c.validators} cannot run as separate validator processes (each would produce blocks alone)`, {
          data: { chain: c.name },
          hint: 'give the chain a threshold of 2 or more (--threshold), or one validator',
        });
      }
      validatorPorts.set(c.name, Array.from({ length: c.validators }, (_, i) => (i === 0 ? c.rpcPort : rpcPort === 0 ? 0 : next++)));
    }
  }
  if (!opts.startL1) await checkPort(l1Port, 'L1 node', '--l1-port');
  for (const c of layout) {
    for (const [i, port] of (validatorPorts.get(c.name) ?? [c.rpcPort]).entries()) {
      await checkPort(port, processes ? `validator ${i} of chain ${c.name}` : `node of chain ${c.name}`, '--rpc-port');
    }
  }
  const watcherOpts = opts.watcher === false ? undefined : { ...(typeof opts.watcher === 'object' ? opts.watcher : {}) };
  const watcherPort = watcherOpts?.port ?? (rpcPort === 0 ? 0 : DEFAULT_STATUS_PORT);
  if (watcherOpts) await checkPort(watcherPort, 'watcher status server', 'the watcher option (port)');

  if (opts.edges !== undefined && opts.edgeModule !== undefined) {
    throw new PlasmaError('BAD_CONFIG', 'give the devnet its edge functions one way: edges or edgeModule', { hint: 'pass a registry as `edges`, or a module path as `edgeModule`' });
  }
  activeDirs.add(dataDir);
  // The chain data belongs to the previous devnet's L1, which is gone: start from scratch.
  rmSync(join(dataDir, 'chains'), { recursive: true, force: true });
  rmSync(join(dataDir, 'watcher'), { recursive: true, force: true });
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
    const hh = opts.startL1 ? await opts.startL1() : await startHardhatNode(l1Port === 0 ? {} : { port: l1Port });
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
      'function spawnChainWithLimits(address[] validators, uint8 threshold, uint64 challengeWindow, uint64 stallLimit) payable returns (bytes32)',
      'event ChainSpawned(bytes32 indexed chainId, uint256 indexed index, address indexed spawner, address[] validators, uint8 threshold, uint64 challengeWindow, uint256 bond)'], deployer);
    const chains: DevnetChain[] = [];
    const ids = new Map<string, ChainId>([[ROOT, ROOT_CHAIN_ID]]);
    for (const spec of layout) {
      const validators = devAccounts(nextIndex, spec.validators, (i) => `${spec.name}/validator${i}`);
      nextIndex += spec.validators;
      for (const v of validators.filter((x) => x.hdIndex >= HARDHAT_FUNDED)) {
        await (await deployer.sendTransaction({ to: v.address, value: parseEther('100') })).wait();
      }
      // A child of a child chain is spawned later, on its parent's node (SPAWN_CHILD): its id is known already,
      // the parent's i-th child (the devnet spawns the children of a fresh chain in layout order).
      let chainId: ChainId;
      if (spec.parent === ROOT) {
        progress('spawn', `spawning chain ${spec.name}: ${spec.threshold}-of-${spec.validators} validators, ${spec.challengeWindow} s challenge window`);
        chainId = await spawn(rootC, spec, validators);
      } else {
        const index = layout.filter((c) => c.parent === spec.parent).indexOf(spec);
        chainId = chainIdOf(ids.get(spec.parent)!, index);
      }
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
        stallLimit: spec.stallLimit ?? Math.max(7 * 86_400, spec.challengeWindow),
        dataDir: join(dataDir, 'chains', spec.name),
        ...(processes && spec.faults !== undefined ? { faultyValidator: spec.faultyValidator ?? 0 } : {}),
      });
    }

    // ---- fund dev accounts (before the nodes start: their first blocks then already see everything)
    const devTokens = opts.devTokens ?? parseUnits('1000000', decimals);
    progress('fund', `minting ${fmtUnits(devTokens, decimals)} DEV to ${fundCount} dev accounts`);
    for (const a of accounts) {
      await (await token.mint(a.address, devTokens)).wait();
      if (a.hdIndex >= HARDHAT_FUNDED) await (await deployer.sendTransaction({ to: a.address, value: parseEther('1000') })).wait();
    }

    // ---- the watcher's key (the next dev account after the validators), and its native coins on each child of the root
    // that has children: there its data challenges bond CHILD_DATA_CHALLENGE_BOND (an L1 deposit, applied by the node
    // when it starts; deeper parents are funded once their parent runs, below).
    const watcherAccount = watcherOpts ? devAccounts(nextIndex++, 1, () => 'watcher')[0] : undefined;
    const hasChildren = (name: string) => layout.some((c) => c.parent === name);
    if (watcherAccount) {
      const depositETH = new Contract(rootContract, ['function depositETH(bytes32 chainId, address to) payable returns (uint64)'], deployer).getFunction('depositETH');
      for (const chain of chains.filter((c) => c.parent === ROOT && hasChildren(c.name))) {
        progress('fund', `depositing ${formatEther(WATCHER_NATIVE_FUNDS)} ETH for the watcher on chain ${chain.name} (data challenges of its children)`);
        await (await depositETH(chain.chainId, watcherAccount.address, { value: WATCHER_NATIVE_FUNDS })).wait();
      }
    }

    // L1 time must move on without traffic, or challenge windows never end on an idle devnet.
    const l1BlockTimeMs = opts.l1BlockTimeMs ?? 1000;
    if (l1BlockTimeMs > 0) await provider.send('evm_setIntervalMining', [l1BlockTimeMs]);

    // ---- nodes: one in-process node per chain holding all of its keys, or (processes) one process per validator
    let persist = () => {}; // rewrites devnet.json once it exists (a node process started or stopped)
    const runners = new Map<string, ChainRunner>();
    const procs = new Map<string, ChainProcesses>();
    const parentFinality = (spec: ResolvedChainSpec) => spec.parentFinality ?? opts.parentFinality ?? 'committed';
    const runnerOf = (chain: DevnetChain, spec: ResolvedChainSpec): ChainRunner => {
      const parent = spec.parent === ROOT ? undefined : chains.find((c) => c.name === spec.parent)!;
      if (processes) {
        const cp = new ChainProcesses(chain, {
          l1Url: hh.url,
          rootContract,
          // Validator i of a child chain follows the parent's validator i mod n: no single parent node serves them all.
          parentUrl: (i) => (parent ? (parent.nodes?.length ? parent.nodes[i % parent.nodes.length].rpcUrl : parent.nodeUrl) : undefined),
          parentFinality: parentFinality(spec),
          blockTimeMs: opts.blockTimeMs ?? 500,
          l1Confirmations: opts.l1Confirmations ?? 1,
          logLevel: opts.logLevel ?? 'info',
          ...(opts.edgeModule !== undefined ? { edgeModule: opts.edgeModule } : {}),
          ports: validatorPorts.get(chain.name)!,
          threshold: spec.threshold,
          ...(spec.faults !== undefined ? { faults: { validator: spec.faultyValidator ?? 0, plan: spec.faults } } : {}),
          progress: (m) => progress('node', m),
          onChange: () => persist(),
        });
        procs.set(chain.name, cp);
        return { start: () => cp.startAll(), stop: () => cp.stopAll() };
      }
      let port = spec.rpcPort;
      let stop: (() => Promise<void>) | undefined;
      return {
        start: async () => {
          const { node, logStream } = await startChainNode(chain, spec, { l1Url: hh.url, rootContract, opts, parentUrl: parent?.nodeUrl, port });
          let stopping: Promise<void> | undefined;
          stop = () => (stopping ??= (async () => {
            await node.close();
            await new Promise<void>((r) => logStream.end(() => r()));
          })());
          port = Number(new URL(node.rpcUrl).port);
          chain.nodeUrl = node.rpcUrl;
        },
        stop: async () => stop?.(),
      };
    };
    const nested = new NestedSpawner({ chains, deployer, rootContract, l1ChainId: BigInt(l1ChainId), dev0: accounts[0], progress });
    for (const [i, chain] of chains.entries()) {
      const spec = layout[i];
      if (spec.parent !== ROOT) await nested.spawn(chain, spec);
      const runner = runnerOf(chain, spec);
      runners.set(chain.name, runner);
      // Registered before it starts: a start that fails midway leaves no process behind.
      closers.push({ name: `node ${chain.name}`, close: () => runner.stop() });
      if (processes) {
        progress('node', `starting ${spec.validators} validator process${spec.validators === 1 ? '' : 'es'} of chain ${chain.name} (${spec.threshold}-of-${spec.validators}, libp2p on 127.0.0.1)`);
        await runner.start();
        progress('node', `chain ${chain.name} (${chain.chainId.slice(0, 10)}…): ${spec.validators} validator process${spec.validators === 1 ? '' : 'es'} connected; first at ${chain.nodeUrl}`);
      } else {
        progress('node', `starting the validator node of chain ${chain.name}`);
        await runner.start();
        progress('node', `chain ${chain.name} (${chain.chainId.slice(0, 10)}…) serves JSON-RPC at ${chain.nodeUrl}`);
      }
    }

    // ---- the watcher over every chain (its own key, so its rewards are visible on their own: on L1, and on parent chains)
    let watcherInfo: DevnetInfo['watcher'];
    if (watcherOpts && watcherAccount) {
      const account = watcherAccount;
      for (const chain of chains.filter((c) => c.parent !== ROOT && hasChildren(c.name))) {
        progress('fund', `depositing ${formatEther(WATCHER_NATIVE_FUNDS)} ETH for the watcher on chain ${chain.name} (data challenges of its children)`);
        await nested.depositFor(chain, account.address, WATCHER_NATIVE_FUNDS);
      }
      if (account.hdIndex >= HARDHAT_FUNDED) await (await deployer.sendTransaction({ to: account.address, value: parseEther('100') })).wait();
      const watcherDir = join(dataDir, 'watcher');
      mkdirSync(watcherDir, { recursive: true });
      const logStream = createWriteStream(join(watcherDir, 'watcher.log'), { flags: 'a' });
      // Every chain of the devnet, at every level: a chain below a chain is judged by its parent (PROVE_CHILD_FRAUD).
      const watched = chains;
      progress('watcher', `starting the watcher over ${watched.map((ch) => ch.name).join(', ') || 'no chain'}`);
      const watcher = await Watcher.init({
        l1RpcUrl: hh.url,
        rootContract,
        chains: watched.map((ch) => ({ chainId: ch.chainId, name: ch.name, nodes: ch.nodes?.length ? ch.nodes.map((n) => n.rpcUrl) : [ch.nodeUrl] })),
        key: account.privateKey,
        dataDir: watcherDir,
        confirmations: opts.l1Confirmations ?? 1,
        pollMs: 250,
        freezeStalled: watcherOpts.freezeStalled ?? false,
        ...(watcherOpts.unavailableGraceSec !== undefined ? { unavailableGraceSec: watcherOpts.unavailableGraceSec } : {}),
        status: { host: '127.0.0.1', port: watcherPort },
        // The watcher re-executes edge calls: it runs the chains' edge functions too.
        ...(opts.edges !== undefined ? { edges: opts.edges } : opts.edgeModule !== undefined ? { edges: await loadEdgeModule(opts.edgeModule) } : {}),
        logger: createLogger({ level: opts.logLevel ?? 'info', write: (line) => void logStream.write(line) }).child('watcher'),
      });
      closers.push({ name: 'watcher', close: async () => {
        await watcher.close();
        await new Promise<void>((r) => logStream.end(() => r()));
      } });
      watcherInfo = { statusUrl: `${watcher.statusUrl}/status`, metricsUrl: `${watcher.statusUrl}/metrics`, address: account.address, dataDir: watcherDir };
      progress('watcher', `watcher ${account.address} status at ${watcherInfo.statusUrl}`);
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
      ...(processes ? { mode: 'processes' as const } : {}),
      accounts,
      mnemonic: HARDHAT_MNEMONIC,
      ...(watcherInfo ? { watcher: watcherInfo } : {}),
    };
    const configFile = writeConfig ? writeDevnetInfo(dataDir, info) : undefined;
    if (configFile) {
      persist = () => {
        if (!closed) writeDevnetInfo(dataDir, info);
      };
    }
    progress('ready', `devnet ready in ${((Date.now() - t0) / 1000).toFixed(1)} s${configFile ? `; wrote ${configFile}` : ''}`);
    const chainIndex = (name: string): number => {
      const i = chains.findIndex((c) => c.name === name);
      if (i < 0) throw new PlasmaError('UNKNOWN_CHAIN', `the devnet has no chain named ${JSON.stringify(name)}`, { data: { name }, hint: `chains: ${chains.map((c) => c.name).join(', ')}` });
      return i;
    };
    const stopNode = async (name: string) => {
      chainIndex(name);
      await runners.get(name)!.stop();
    };
    const open = () => {
      if (closed) throw new PlasmaError('DEVNET_CLOSED', 'the devnet is closed', { hint: 'start a new devnet' });
    };
    const restartNode = async (name: string) => {
      chainIndex(name);
      open();
      await runners.get(name)!.stop();
      progress('node', processes ? `restarting the validator processes of chain ${name}` : `restarting the validator node of chain ${name}`);
      await runners.get(name)!.start();
    };
    const processesOf = (name: string): ChainProcesses => {
      chainIndex(name);
      const cp = procs.get(name);
      if (!cp) throw new PlasmaError('NOT_SUPPORTED', 'stopValidator/restartValidator need a devnet in processes mode', { hint: 'start it with processes: true (plasma-tree devnet --processes), or use stopNode/restartNode' });
      return cp;
    };
    const stopValidator = async (name: string, index: number) => {
      await processesOf(name).stop(index);
    };
    const restartValidator = async (name: string, index: number) => {
      const cp = processesOf(name);
      open();
      await cp.stop(index);
      progress('node', `restarting validator ${index} of chain ${name}`);
      await cp.start(index);
    };
    return { ...info, configFile, close: closeAll, stopNode, restartNode, stopValidator, restartValidator };
  } catch (e) {
    await closeAll().catch(() => {});
    throw e;
  }
}

async function spawn(root: Contract, spec: ResolvedChainSpec, validators: DevnetAccount[]): Promise<ChainId> {
  const set = validators.map((v) => v.address);
  const tx = spec.stallLimit === undefined
    ? await root.spawnChain(set, spec.threshold, spec.challengeWindow, { value: spec.bond })
    : await root.spawnChainWithLimits(set, spec.threshold, spec.challengeWindow, spec.stallLimit, { value: spec.bond });
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
  ctx: { l1Url: string; rootContract: Address; opts: DevnetOptions; parentUrl?: string; port: number },
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
      rpc: { host: '127.0.0.1', port: ctx.port },
      blockTimeMs: ctx.opts.blockTimeMs ?? 500,
      l1Confirmations: ctx.opts.l1Confirmations ?? 1,
      l1PollMs: 250,
      parent: ctx.parentUrl === undefined ? { kind: 'root' } : { kind: 'child', nodeUrl: ctx.parentUrl, finality: spec.parentFinality ?? ctx.opts.parentFinality ?? 'committed' },
      ...(ctx.opts.edges !== undefined ? { edges: ctx.opts.edges } : {}),
      ...(ctx.opts.edgeModule !== undefined ? { edgeModule: ctx.opts.edgeModule } : {}),
      // This one node holds every key of the chain: it is the faulty one whatever the spec's faultyValidator says.
      ...(spec.faults !== undefined ? { faults: spec.faults } : {}),
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

const NATIVE: Address = `0x${'00'.repeat(20)}`;

/** What the devnet's watcher gets on each chain with children (docs/FRAUD.md §9b: a data challenge bonds 0.01). */
export const WATCHER_NATIVE_FUNDS = parseEther('0.05');

/**
 * Spawns the children of child chains: dev account 0 brings the bond to the parent chain (an L1 deposit for a
 * child of the root, a DEPOSIT_TO_CHILD from the grandparent below that), then sends SPAWN_CHILD there.
 */
class NestedSpawner {
  private readonly domain: Eip712Domain;
  private readonly dev0: Address;

  constructor(
    private readonly c: {
      chains: DevnetChain[];
      deployer: Signer;
      rootContract: Address;
      l1ChainId: bigint;
      dev0: DevnetAccount;
      progress: (step: DevnetProgress['step'], message: string) => void;
    },
  ) {
    this.domain = plasmaDomain(c.l1ChainId, c.rootContract);
    this.dev0 = c.dev0.address.toLowerCase() as Address;
  }

  async spawn(chain: DevnetChain, spec: ResolvedChainSpec): Promise<void> {
    const parent = this.byName(spec.parent);
    this.c.progress('spawn', `spawning chain ${spec.name} on ${parent.name}: ${spec.threshold}-of-${spec.validators} validators, ${spec.challengeWindow} s challenge window`);
    await this.fund(parent, spec.bond);
    const client = new NodeClient(parent.nodeUrl);
    const account = await client.getAccount(this.dev0, NATIVE);
    const hash = await this.send(client, {
      kind: TxKind.SpawnChild,
      chainId: parent.chainId,
      slot: account.slot!,
      validators: chain.validators.map((v) => v.address.toLowerCase() as Address),
      threshold: spec.threshold,
      challengeWindow: BigInt(spec.challengeWindow),
      ...(spec.stallLimit === undefined ? {} : { stallLimit: BigInt(spec.stallLimit) }),
      bond: spec.bond,
      nonce: account.pendingNonce,
    });
    await this.included(client, hash, `SPAWN_CHILD of ${spec.name}`);
    const children = (await rpcCall<ChainId[]>(parent.nodeUrl, 'pt_getChildren')).map((id) => id.toLowerCase());
    if (!children.includes(chain.chainId)) {
      throw new PlasmaError('DEVNET_FAILED', `chain ${parent.name} spawned ${spec.name}, but not as ${chain.chainId} (children: ${children.join(', ')})`, { hint: 'start the devnet from an empty data dir' });
    }
  }

  /**
   * A DEPOSIT_TO_CHILD of `amount` wei of the native token from dev account 0 on `chain`'s parent chain to `to` on
   * `chain` (dev account 0 funded there first); resolves once the parent holds it, not when `chain` applies it.
   */
  async depositFor(chain: DevnetChain, to: Address, amount: bigint): Promise<void> {
    const parent = this.byName(chain.parent);
    await this.fund(parent, amount);
    const client = new NodeClient(parent.nodeUrl);
    const account = await client.getAccount(this.dev0, NATIVE);
    const hash = await this.send(client, {
      kind: TxKind.DepositToChild, chainId: parent.chainId, slot: account.slot!, child: chain.chainId, to: to.toLowerCase() as Address, token: NATIVE, amount, nonce: account.pendingNonce,
    });
    await this.included(client, hash, `DEPOSIT_TO_CHILD to ${to} on ${chain.name}`);
  }

  /** Makes dev account 0 hold at least `amount` wei of the native token on `chain` (funding its parents first). */
  private async fund(chain: DevnetChain, amount: bigint): Promise<void> {
    const client = new NodeClient(chain.nodeUrl);
    const balance = await client.getBalance(this.dev0, NATIVE);
    if (balance >= amount) return;
    const need = amount - balance;
    if (chain.parent === ROOT) {
      const root = new Contract(this.c.rootContract, ['function depositETH(bytes32 chainId, address to) payable returns (uint64)'], this.c.deployer);
      await (await root.depositETH(chain.chainId, this.dev0, { value: need })).wait();
    } else {
      const parent = this.byName(chain.parent);
      await this.fund(parent, need);
      const parentClient = new NodeClient(parent.nodeUrl);
      const account = await parentClient.getAccount(this.dev0, NATIVE);
      const hash = await this.send(parentClient, {
        kind: TxKind.DepositToChild,
        chainId: parent.chainId,
        slot: account.slot!,
        child: chain.chainId,
        to: this.dev0,
        token: NATIVE,
        amount: need,
        nonce: account.pendingNonce,
      });
      await this.included(parentClient, hash, `DEPOSIT_TO_CHILD to ${chain.name}`);
    }
    const deadline = Date.now() + 120_000;
    while ((await client.getBalance(this.dev0, NATIVE)) < amount) {
      if (Date.now() > deadline) {
        throw new PlasmaError('DEVNET_FAILED', `the deposit of dev account 0 to chain ${chain.name} was not applied within 120 s`, { hint: `see ${join(chain.dataDir, 'node.log')}` });
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  private async send(client: NodeClient, unsigned: UnsignedTx): Promise<Hex> {
    const signature = secp256k1Scheme.sign(signedTxDigest(this.domain, unsigned), this.c.dev0.privateKey);
    return (await client.sendTransaction({ ...unsigned, signature } as SignedTx)).hash;
  }

  private async included(client: NodeClient, hash: Hex, what: string): Promise<void> {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const receipt = await client.getReceipt(hash);
      if (receipt?.status === 'rejected') throw new PlasmaError('DEVNET_FAILED', `${what} was rejected: ${receipt.reason} ${receipt.message ?? ''}`, { hint: 'see the node logs' });
      if (receipt && (receipt.status === 'included' || receipt.status === 'committed')) return;
      if (Date.now() > deadline) throw new PlasmaError('DEVNET_FAILED', `${what} was not included within 60 s`, { hint: 'see the node logs' });
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  private byName(name: string): DevnetChain {
    return this.c.chains.find((c) => c.name === name)!;
  }
}

async function rpcCall<T>(url: string, method: string, params: unknown[] = []): Promise<T> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) });
  const body = (await res.json()) as { result?: T; error?: { message: string } };
  if (body.error) throw new PlasmaError('DEVNET_FAILED', `${method} on ${url}: ${body.error.message}`, { hint: 'see the node logs' });
  return body.result as T;
}
