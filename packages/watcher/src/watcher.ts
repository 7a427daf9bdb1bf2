import { createServer, type Server } from 'node:http';
import { Wallet } from 'ethers';
import { ROOT_CHAIN_ID, chunkByteBudget, initCore, isPlasmaError, type Address, type ChainId, type Hex } from '@plasma-tree/core';
import { ChainWatch, PHASE2_UNAVAILABLE, type ReorgRescan } from './chain.js';
import { RootDataAvailability } from './dataAvailability.js';
import { watcherError } from './errors.js';
import { silentLogger, type Logger } from './logger.js';
import { pollLoop } from './loop.js';
import { createWatcherMetrics, type WatcherMetrics } from './metrics.js';
import { NodePool } from './nodes.js';
import { ParentFollower, ParentHost } from './parent.js';
import { ParentDataAvailability } from './parentData.js';
import { RootReader, type RootEvent } from './root.js';
import { WatcherStore, type L1Cursor } from './store.js';
import { DEFAULT_STATUS_PORT, type WatcherOptions, type WatcherStatus } from './types.js';

/** Something `close()` tears down; services are closed in the reverse order of their start. */
interface Service {
  name: string;
  stop(): Promise<void>;
}

/** L1 blocks remembered behind the cursor to find the fork point of a reorg. */
const RECENT_L1_BLOCKS = 64;

/** The options with every default applied, checked. */
function resolveOptions(o: WatcherOptions) {
  const bad = (field: string, message: string, hint: string) => watcherError('BAD_CONFIG', `${field}: ${message}`, hint, { field });
  if (!o.l1RpcUrl) throw bad('l1RpcUrl', 'missing', 'pass the L1 JSON-RPC URL (--rpc)');
  if (!/^0x[0-9a-fA-F]{40}$/.test(o.rootContract ?? '')) throw bad('rootContract', `not an address: ${JSON.stringify(o.rootContract)}`, 'pass the PlasmaRoot address (--root)');
  if (!o.dataDir) throw bad('dataDir', 'missing', 'pass a directory for the watcher\'s progress (--data-dir)');
  if (!Array.isArray(o.chains) || o.chains.length === 0) throw bad('chains', 'no chain to watch', 'pass at least one chain with its node URLs (--chain <id>=<url>)');
  const seen = new Set<string>();
  for (const c of o.chains) {
    if (!/^0x[0-9a-fA-F]{64}$/.test(c.chainId ?? '')) throw bad('chains', `not a 32-byte chain id: ${JSON.stringify(c.chainId)}`, 'chain ids are 0x + 64 hex digits');
    if (seen.has(c.chainId.toLowerCase())) throw bad('chains', `chain ${c.chainId} given twice`, 'give each chain once, with all its node URLs');
    seen.add(c.chainId.toLowerCase());
    if (!c.nodes?.length) throw bad('chains', `chain ${c.name ?? c.chainId} has no node URL`, 'give at least one node JSON-RPC URL per chain (--chain <id>=<url>,<url>)');
  }
  let key: Hex | undefined;
  if (o.key !== undefined) {
    try {
      key = new Wallet(o.key).privateKey as Hex;
    } catch {
      throw bad('key', 'not a private key', 'pass a 32-byte hex private key (from a key file or the environment)');
    }
  }
  const confirmations = o.confirmations ?? 1;
  if (!Number.isInteger(confirmations) || confirmations < 0 || confirmations > 1000) throw bad('confirmations', `expected 0..1000, got ${confirmations}`, 'a devnet needs 1, mainnet ~12+');
  return {
    ...o,
    key,
    confirmations,
    pollMs: o.pollMs ?? 500,
    unavailableGraceSec: o.unavailableGraceSec ?? 10,
    freezeStalled: o.freezeStalled ?? false,
    nodeTimeoutMs: o.nodeTimeoutMs ?? 5_000,
    logger: o.logger ?? silentLogger,
    status: o.status === false ? (false as const) : { host: o.status?.host ?? '127.0.0.1', port: o.status?.port ?? DEFAULT_STATUS_PORT },
  };
}

/**
 * The watcher (issue 4 §3, phase 1): follows the chosen children of the root on L1 (Committed, FraudProven,
 * ChainFrozen, `confirmations` deep, reorgs rolled back), fetches every committed block from the chain's nodes,
 * re-executes it on its own copy of the state, and proves the faults phase 1 can prove to PlasmaRoot with its own
 * key. Progress is kept on disk, one atomic batch per block. `init()` starts the services in order, `close()` stops
 * them in reverse.
 *
 * ```ts
 * const w = await Watcher.init({ l1RpcUrl, rootContract, key, dataDir, chains: [{ chainId, nodes: [url] }] });
 * w.status(); // the GET /status document
 * await w.close();
 * ```
 */
export class Watcher {
  /** `http://host:port` of the status server (undefined with status: false). */
  readonly statusUrl: string | undefined;
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly services: Service[],
    private readonly chains: ChainWatch[],
    private readonly root: RootReader,
    private readonly l1: L1Follower,
    readonly metrics: WatcherMetrics,
    private readonly logger: Logger,
    statusUrl: string | undefined,
  ) {
    this.statusUrl = statusUrl;
  }

  /**
   * Opens the store, connects to L1, reads each chain's configuration (UNKNOWN_CHAIN; BAD_CONFIG for a chain below
   * a chain whose parent is not watched), then starts the L1 follower, one verifier per chain and the status server. Throws PlasmaError
   * (BAD_CONFIG, L1_UNREACHABLE, STORE_*, …) and leaves nothing running when a step fails.
   */
  static async init(options: WatcherOptions, signal?: AbortSignal): Promise<Watcher> {
    const o = resolveOptions(options);
    const logger = o.logger;
    const metrics = createWatcherMetrics();
    const services: Service[] = [];
    const startLoop = (name: string, run: (signal: AbortSignal) => Promise<void>): void => {
      const controller = new AbortController();
      const done = run(controller.signal).catch((error: unknown) => logger.error(`${name} stopped`, { error }));
      services.push({ name, stop: async () => (controller.abort(), await done) });
    };
    try {
      await initCore();
      const root = await RootReader.connect(o.l1RpcUrl, o.rootContract, { pollMs: o.pollMs, key: o.key }, signal);
      services.push({ name: 'L1 provider', stop: async () => root.destroy() });
      // An unfunded key would only show when its first objection is turned away: say so at start.
      if (root.sender !== undefined && (await root.keyBalance()) === 0n) {
        logger.warn(`the watcher's key ${root.sender} has no ETH on L1: it finds faults but cannot object until it is funded`, { address: root.sender });
      }
      const store = await WatcherStore.open(o.dataDir, { rootContract: root.address, l1ChainId: root.l1ChainId.toString() });
      services.push({ name: 'database', stop: () => store.close() });
      signal?.throwIfAborted();

      const l1 = new L1Follower(root, store, metrics, logger.child('l1'), o.confirmations, await store.cursor());
      l1.head = await root.block('latest');
      const shared = { root, store, metrics, logger, l1: () => ({ head: l1.head, synced: Math.max(0, l1.cursor.number) }), unavailableGraceSec: o.unavailableGraceSec, freezeStalled: o.freezeStalled };
      // Each chain's parent: the root (PlasmaRoot knows it), else the parent its own node names, which must be
      // watched too (ancestors first: a chain's parent is loaded before it).
      const configs = o.chains.map((c) => {
        const chainId = c.chainId.toLowerCase() as ChainId;
        const name = c.name ?? chainId.slice(0, 10);
        const nodes = new NodePool(c.nodes, { timeoutMs: o.nodeTimeoutMs, onFailure: (url, e) => {
          metrics.rpcFailures.inc({ target: 'node' });
          logger.debug('node RPC failed', { chain: name, url, error: e });
        } });
        return { chainId, name, nodes, parent: undefined as ChainId | 'root' | undefined };
      });
      for (const c of configs) c.parent = await parentOf(root, c.chainId, c.name, c.nodes);
      const byId = new Map(configs.map((c) => [c.chainId, c]));
      for (const c of configs) {
        if (c.parent !== 'root' && !byId.has(c.parent!)) {
          throw watcherError('BAD_CONFIG', `chain ${c.name} is a child of chain ${c.parent}, which is not watched`, 'watch its parent too (every ancestor up to the root), with its node URLs: --chain <parent id>=<url>', { field: 'chains', chainId: c.chainId, parent: c.parent });
        }
      }
      const depth = (c: (typeof configs)[number]): number => (c.parent === 'root' ? 1 : 1 + depth(byId.get(c.parent!)!));
      const chains: ChainWatch[] = [];
      const followers = new Map<ChainId, ParentFollower>();
      // Below a chain: challenged on the parent chain's ledger (CHALLENGE_CHILD_DATA, docs/FRAUD.md §9b), one host per parent.
      const parentDa = new Map<ChainId, ParentDataAvailability>();
      // Children of the root: unavailable data is challenged on PlasmaRoot's module (docs/FRAUD.md §9).
      const da = new RootDataAvailability(root);
      for (const c of [...configs].sort((a, b) => depth(a) - depth(b))) {
        if (c.parent === 'root') {
          chains.push(await ChainWatch.load(c.chainId, c.name, c.nodes, { ...shared, da, chunkBudget: chunkByteBudget(1), logger: logger.child(c.name) }, o.edges));
          continue;
        }
        const p = byId.get(c.parent!)!;
        let follower = followers.get(p.chainId);
        if (!follower) {
          const host = new ParentHost(p.chainId, p.name, p.nodes, root.l1ChainId, root.address, root.sender ?? (o.key ? (new Wallet(o.key).address.toLowerCase() as Address) : undefined), o.pollMs, o.key);
          follower = new ParentFollower(host, store, logger.child(`${p.name}/children`));
          follower.head = await host.head();
          followers.set(p.chainId, follower);
          parentDa.set(p.chainId, new ParentDataAvailability(host));
        }
        const f = follower;
        const hostShared = { ...shared, root: f.host, da: parentDa.get(p.chainId)!, chunkBudget: chunkByteBudget(depth(c)), l1: () => ({ head: f.head, synced: f.head.number }), logger: logger.child(c.name) };
        const chain = await ChainWatch.load(c.chainId, c.name, c.nodes, hostShared, o.edges);
        f.chains.push(chain);
        chains.push(chain);
      }
      l1.chains = chains.filter((c) => c.parentId === 'root');
      l1.parents = [...followers.values()];
      logger.info('watcher starting', { rootContract: root.address, watcher: root.sender ?? null, chains: chains.map((c) => ({ name: c.name, chainId: c.chainId, verified: c.headVerified })), confirmations: o.confirmations });

      const onError = (target: string) => () => metrics.rpcFailures.inc({ target });
      startLoop('L1 follower', (s) => pollLoop(s, { task: 'follow PlasmaRoot on L1', intervalMs: o.pollMs, logger: logger.child('l1'), onError: onError('l1') }, () => l1.round()));
      for (const f of followers.values()) {
        startLoop(`follower of ${f.host.name}`, (s) => pollLoop(s, { task: `follow chain ${f.host.name}'s children`, intervalMs: o.pollMs, logger: logger.child(f.host.name), onError: onError('node') }, () => f.round()));
      }
      for (const chain of chains) {
        startLoop(`verifier ${chain.name}`, (s) =>
          pollLoop(s, { task: `verify chain ${chain.name}`, intervalMs: o.pollMs, logger: logger.child(chain.name) }, () => chain.lock.run(() => chain.verifyRound(s))),
        );
      }

      let watcher: Watcher | undefined;
      let statusUrl: string | undefined;
      if (o.status !== false) {
        const server = createServer((req, res) => {
          const path = (req.url ?? '/').split('?')[0];
          if (req.method !== 'GET') return void res.writeHead(405, { allow: 'GET' }).end();
          if (path === '/status') return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(watcher?.status() ?? null, (_k, v) => (typeof v === 'bigint' ? v.toString() : v), 2));
          if (path === '/metrics') return void res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(metrics.prometheus());
          if (path === '/healthz') {
            const ok = watcher !== undefined && l1.healthy && [...followers.values()].every((f) => f.healthy);
            return void res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify({ ok, l1Synced: l1.cursor.number }));
          }
          res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'not found', paths: ['/status', '/metrics', '/healthz'] }));
        });
        statusUrl = await listen(server, o.status.host, o.status.port);
        services.push({ name: 'status server', stop: () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))) });
      }
      watcher = new Watcher(services, chains, root, l1, metrics, logger, statusUrl);
      logger.info('watcher started', { statusUrl });
      return watcher;
    } catch (e) {
      await stopServices(services, logger);
      throw e;
    }
  }

  /** The address objections come from (it receives the rewards), if the watcher has a key. */
  get address(): string | undefined {
    return this.root.sender;
  }

  /** The GET /status document. */
  status(): WatcherStatus {
    return {
      watcher: this.root.sender ?? null,
      watcherBalanceWei: this.root.lastKeyBalance?.toString() ?? null,
      rootContract: this.root.address,
      l1: { url: this.root.url, head: this.l1.head.number, synced: this.l1.cursor.number, confirmations: this.l1.confirmations, timestamp: this.l1.head.timestamp },
      chains: this.chains.map((c) => c.statusJson()),
      phase2: [
        `unavailable_data: ${PHASE2_UNAVAILABLE}`,
        'invalid_exit, a wrong state root or depositNonce, and an edge tx (kinds 7-9) whose stated effect is not what its halves did (EDGE_EFFECT_MISMATCH: L1 applies the stated effect) are reported with provable: false (phase 2 proofs)',
        'chains below a chain: a rollback of a parent chain on its own parent is not replayed into its children\'s progress',
      ],
    };
  }

  /** Stops every service in reverse start order, awaiting the running loops. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.logger.info('closing watcher');
      await stopServices(this.services, this.logger);
    })();
    return this.closing;
  }
}

/**
 * Reads PlasmaRoot's events of the watched chains up to `head − confirmations`, hands them to the chains, and keeps
 * the L1 cursor (with the last blocks' hashes: a cursor block that is no longer canonical is a reorg, rolled back
 * to the newest remembered block that still is).
 */
class L1Follower {
  chains: ChainWatch[] = [];
  parents: ParentFollower[] = [];
  head = { number: 0, hash: '0x' as Hex, timestamp: 0 };
  healthy = false;

  constructor(
    private readonly root: RootReader,
    private readonly store: WatcherStore,
    private readonly metrics: WatcherMetrics,
    private readonly logger: Logger,
    readonly confirmations: number,
    public cursor: L1Cursor,
  ) {}

  async round(): Promise<void> {
    try {
      await this.roundInner();
      this.healthy = true;
    } catch (e) {
      this.healthy = false;
      throw e;
    }
  }

  private async roundInner(): Promise<void> {
    this.head = await this.root.block('latest');
    if (this.cursor.number >= 0 && (await this.hashAt(this.cursor.number)) !== this.cursor.hash) await this.reorg();
    const target = this.head.number - this.confirmations;
    if (target > this.cursor.number) {
      const ids = this.chains.map((c) => c.chainId);
      // Before the events: a reorg between the two leaves a cursor hash of the old fork, found out next round.
      const targetBlock = await this.root.block(target);
      const events = await this.root.events(ids, this.cursor.number + 1, target);
      const byChain = new Map<ChainId, RootEvent[]>();
      for (const e of events) byChain.set(e.chainId, [...(byChain.get(e.chainId) ?? []), e]);
      const batches = [];
      for (const chain of this.chains) {
        const list = byChain.get(chain.chainId);
        if (list) batches.push(await chain.lock.run(() => chain.applyEvents(list)));
      }
      const recent = [...this.cursor.recent, { number: targetBlock.number, hash: targetBlock.hash }].slice(-RECENT_L1_BLOCKS);
      const cursor: L1Cursor = { number: targetBlock.number, hash: targetBlock.hash, recent };
      await this.store.write(batches, cursor);
      this.cursor = cursor;
      this.metrics.l1Synced.set(cursor.number);
    }
    for (const chain of this.chains) await chain.lock.run(() => chain.checkClock());
  }

  private async reorg(): Promise<void> {
    let fork = -1;
    for (const b of [...this.cursor.recent].reverse()) {
      if ((await this.hashAt(b.number)) === b.hash) {
        fork = b.number;
        break;
      }
    }
    this.logger.warn('L1 reorg: processed blocks are no longer canonical; rolling back', { cursor: this.cursor.number, forkPoint: fork,
      ...(fork < 0 ? { rescan: `no remembered L1 block (${this.cursor.recent.length}) is canonical any more: rescanning L1 from block 0, chains re-verified from block 1` } : {}) });
    const batches = [];
    for (const chain of this.chains) {
      // What the gone blocks had rolled back (a conviction) is read again from L1, as of the fork point.
      const rescan: ReorgRescan = {
        events: (from, to) => this.root.events([chain.chainId], from, to),
        headAt: async (l1Block) => (await this.root.chainInfo(chain.chainId, l1Block)).headNumber,
      };
      batches.push(await chain.lock.run(() => chain.reorg(fork, rescan)));
    }
    const kept = this.cursor.recent.filter((b) => b.number <= fork);
    const cursor: L1Cursor = fork < 0 ? { number: -1, hash: '0x' as Hex, recent: [] } : { number: fork, hash: kept.at(-1)!.hash, recent: kept };
    await this.store.write(batches, cursor);
    this.cursor = cursor;
  }

  /** The hash of L1 block `n`; undefined when the L1 has no such block. An RPC failure throws: it is not a reorg. */
  private async hashAt(n: number): Promise<Hex | undefined> {
    try {
      return (await this.root.block(n)).hash;
    } catch (e) {
      if (isPlasmaError(e, 'L1_UNREACHABLE')) return undefined; // RootReader.block: "the L1 has no block n"
      throw e;
    }
  }
}

function listen(server: Server, host: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) =>
      reject(e.code === 'EADDRINUSE'
        ? watcherError('BAD_CONFIG', `port ${port} of the status server is in use`, 'pick another --port (0: any free port), or stop the other watcher', { port })
        : e));
    server.listen(port, host, () => {
      const address = server.address() as { port: number };
      resolve(`http://${host}:${address.port}`);
    });
  });
}

async function stopServices(services: readonly Service[], logger: Logger): Promise<void> {
  for (const service of [...services].reverse()) {
    try {
      await service.stop();
    } catch (e) {
      logger.error(`failed to stop ${service.name}`, { error: e });
    }
  }
}

/**
 * `'root'` when PlasmaRoot knows the chain; else the parent chain its own nodes name (pt_chainInfo), which the
 * parent's ledger must know (checked when the chain is loaded). UNKNOWN_CHAIN when neither.
 */
async function parentOf(root: RootReader, chainId: ChainId, name: string, nodes: NodePool): Promise<ChainId | 'root'> {
  try {
    const info = await root.chainInfo(chainId);
    if (info.parentChainId === ROOT_CHAIN_ID) return 'root';
    return info.parentChainId;
  } catch (e) {
    if (!isPlasmaError(e, 'UNKNOWN_CHAIN')) throw e;
  }
  let info: { chainId?: string; parentChainId?: string };
  try {
    info = await nodes.request('pt_chainInfo');
  } catch (e) {
    throw watcherError('UNKNOWN_CHAIN', `PlasmaRoot knows no chain ${chainId} (${name}), and its nodes cannot say who its parent is: ${(e as Error).message}`, 'pass a chain spawned on this PlasmaRoot (or below one of its chains) with a reachable node URL', { chainId });
  }
  if (info.chainId?.toLowerCase() !== chainId || !info.parentChainId || info.parentChainId.toLowerCase() === ROOT_CHAIN_ID) {
    throw watcherError('UNKNOWN_CHAIN', `PlasmaRoot knows no chain ${chainId} (${name}), and its node serves ${info.chainId ?? 'no chain'}`, 'pass a chain spawned on this PlasmaRoot (or below one of its chains), with its own node URLs', { chainId });
  }
  return info.parentChainId.toLowerCase() as ChainId;
}
