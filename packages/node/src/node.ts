import { BUILT_IN_EDGES, initCore } from '@plasma-tree/core';
import { Chain, type ChainParams } from './chain.js';
import { ChainStore, type ChainHead } from './db/chainStore.js';
import { STORE_FORMAT_VERSION } from './db/codec.js';
import { nodeError } from './errors.js';
import { Committer } from './l1/committer.js';
import { DataResponder } from './dataResponder.js';
import { ChildDataResponder } from './childDataResponder.js';
import { ChildParent } from './parent/childParent.js';
import type { ParentChain } from './parent/parentChain.js';
import { RootParent } from './parent/rootParent.js';
import { LocalSignatureCollector, toValidatorKeys } from './l1/signatureCollector.js';
import type { Logger } from './logger.js';
import { createDryRun } from './dryRun.js';
import { FaultInjector, faultWarning } from './faults/index.js';
import { loadEdgeModule } from './edges.js';
import { Mempool } from './mempool.js';
import { createNodeMetrics, type NodeMetrics } from './metrics.js';
import { resolveNodeOptions, type NodeOptions } from './options.js';
import { BlockProducer } from './producer.js';
import { createRpcMethods } from './rpc/methods.js';
import { JsonRpcServer } from './rpc/server.js';
import { SignaturePool } from './sigPool.js';
import { join } from 'node:path';
import { P2PHost, loadOrCreatePeerKey } from '@plasma-tree/p2p';
import type { Address, Hex } from '@plasma-tree/core';
import { ConsensusService } from './consensus/service.js';
import { encodeStoredBlock } from './db/codec.js';
import { BlockImporter } from './net/blockImporter.js';
import { ChainNetwork } from './net/chainNetwork.js';
import { SyncService } from './net/sync.js';
import { runRegossip } from './net/regossip.js';

/** Something `close()` tears down; services are closed in the reverse order of their start. */
interface Service {
  name: string;
  stop(): Promise<void>;
}

/**
 * A Plasma Tree child-chain node: a validator when it holds validator keys (it produces, signs and commits
 * blocks), a full node otherwise. `init()` starts the services in dependency order; `close()` stops them in
 * reverse.
 *
 * ```ts
 * const node = await PlasmaNode.init({ dataDir, l1RpcUrl, rootContract, chainId, validatorKeys: [key] });
 * console.log(node.rpcUrl);
 * await node.close();
 * ```
 */
export class PlasmaNode {
  /** The JSON-RPC endpoint, e.g. http://127.0.0.1:8645. */
  readonly rpcUrl: string;
  /** Resolves once the node is closed, by `close()` or after a fatal error (see `failure`). */
  readonly closed: Promise<void>;
  private closing: Promise<void> | undefined;
  private resolveClosed!: () => void;
  private failure_: unknown;

  private constructor(
    private readonly services: Service[],
    private readonly chain_: Chain,
    readonly metrics: NodeMetrics,
    private readonly logger: Logger,
    rpcUrl: string,
    private readonly p2pInfo?: () => { peerId: string; addresses: string[]; peers: number; mode: 'quorum' | 'local' | 'follower' },
  ) {
    this.rpcUrl = rpcUrl;
    this.closed = new Promise((resolve) => (this.resolveClosed = resolve));
  }

  /**
   * Opens the database, reads the chain's parameters from its parent (`options.parent`: the root contract, or
   * the parent chain's node), restores state and head, then starts the mempool, the parent's deposit follower,
   * the block producer (with validator keys), the committer and the JSON-RPC server. Throws PlasmaError
   * (BAD_CONFIG, UNKNOWN_CHAIN, L1_UNREACHABLE, PARENT_UNREACHABLE, STORE_CORRUPT,
   * STORE_MISMATCH, STORE_FORMAT, …) and leaves nothing running when a step fails.
   */
  static async init(options: NodeOptions, signal?: AbortSignal): Promise<PlasmaNode> {
    const opts = resolveNodeOptions(options);
    const logger = opts.logger;
    const metrics = createNodeMetrics();
    const services: Service[] = [];
    // A loop that fails closes the node; one that fails before the node exists does so once it does.
    let node: PlasmaNode | undefined;
    let earlyFailure: { name: string; error: unknown } | undefined;
    const startLoop = (name: string, run: (signal: AbortSignal) => Promise<void>): void => {
      const controller = new AbortController();
      const done = run(controller.signal).catch((error: unknown) => {
        if (node) node.fail(name, error);
        else earlyFailure ??= { name, error };
      });
      services.push({ name, stop: async () => (controller.abort(), await done) });
    };

    try {
      const backends = await initCore();
      logger.info('starting node', { chainId: opts.chainId, rootContract: opts.rootContract, parent: opts.parent, validatorKeys: opts.validatorKeys.length, crypto: backends });
      if (opts.faults) logger.warn(faultWarning(opts.faults.kind), { faults: { ...opts.faults, atBlock: opts.faults.atBlock?.toString() ?? null } });

      const edges = opts.edgeModule !== undefined ? await loadEdgeModule(opts.edgeModule) : (opts.edges ?? BUILT_IN_EDGES);
      signal?.throwIfAborted();

      const store = await ChainStore.open(opts.dataDir, { chainId: opts.chainId, rootContract: opts.rootContract });
      services.push({ name: 'database', stop: () => store.close() });
      if (store.upgradedFrom !== undefined) logger.info('store upgraded', { from: store.upgradedFrom, to: STORE_FORMAT_VERSION });
      signal?.throwIfAborted();

      const keys = toValidatorKeys(opts.validatorKeys);
      const parent: ParentChain =
        opts.parent.kind === 'root'
          ? await RootParent.connect({ l1RpcUrl: opts.l1RpcUrl, rootContract: opts.rootContract, l1PollMs: opts.l1PollMs, l1Confirmations: opts.l1Confirmations, senderKey: keys[0]?.privateKey }, signal)
          : new ChildParent({ nodeUrl: opts.parent.nodeUrl, finality: opts.parent.finality, rootContract: opts.rootContract, pollMs: opts.l1PollMs });
      services.push({ name: opts.parent.kind === 'root' ? 'L1 provider' : 'parent client', stop: async () => parent.close() });
      const params = await parent.chainParams(opts.chainId);
      for (const key of keys) {
        if (!params.validators.includes(key.address)) {
          throw nodeError('BAD_CONFIG', `validator key of ${key.address} is not a validator of chain ${params.chainId}`,
            `the chain's validators are ${params.validators.join(', ')}: remove the key or use a validator's`, { address: key.address });
        }
      }
      signal?.throwIfAborted();

      const chain = await Chain.load(params, store, edges);
      metrics.headNumber.set(chain.head.number);
      logger.info('chain restored', {
        head: chain.head,
        committed: store.committed,
        accounts: chain.state.size,
        stateRoot: chain.state.root,
        edgeFunctions: edges.functions.map((f) => f.name),
      });

      // The network comes before the mempool's first gossip; its handlers reach services built below.
      let network: ChainNetwork | undefined;
      let consensus: ConsensusService | undefined;
      let sync: SyncService | undefined;
      let importer: BlockImporter | undefined;
      let host: P2PHost | undefined;
      const quorum = opts.p2p !== undefined && keys.length > 0 && keys.length < params.threshold;
      const mode: 'quorum' | 'local' | 'follower' | undefined = opts.p2p === undefined ? undefined : quorum ? 'quorum' : keys.length > 0 ? 'local' : 'follower';

      const pool = await SignaturePool.start(opts.signatureWorkers, logger.child('sigPool'));
      services.push({ name: 'signature pool', stop: () => pool.close() });
      const mempool = new Mempool(
        {
          chainId: params.chainId,
          domain: chain.domain,
          account: (slot) => chain.state.get(slot),
          recoverSigners: (items) => pool.recover(items),
          dryRun: createDryRun(chain, undefined, { discardWriteLog: keys.length === 0 }),
          metrics,
          onAdmitted: (txs) => network?.publishTxs(txs),
          journal: (admitted) => store.journalTxs(admitted),
          // A networked node replays blocks of transactions it holds (checks, imports); a lone producer never does.
          ...(opts.p2p !== undefined ? { signatures: chain.signatures } : {}),
        },
        { maxTxs: opts.mempoolMaxTxs },
      );
      await restoreMempool(store, mempool, logger);

      const follower = parent.deposits({ chainId: params.chainId, appliedNonce: () => chain.depositNonce, logger: logger.child('deposits'), metrics });
      startLoop('deposit follower', (s) => follower.run(s));

      if (opts.p2p !== undefined) {
        const p2pHost = await P2PHost.start(
          { listen: opts.p2p.listen, bootstrap: opts.p2p.bootstrap, privateKey: await loadOrCreatePeerKey(join(opts.dataDir, 'p2p-key')), logger: logger.child('p2p') },
          signal,
        );
        host = p2pHost;
        services.push({ name: 'p2p host', stop: () => p2pHost.close() });
        const blockImporter = new BlockImporter({ chain, deposits: follower, mempool, logger: logger.child('import'), metrics });
        importer = blockImporter;
        network = new ChainNetwork({ host: p2pHost, chain, mempool, logger: logger.child('net'), metrics }, {
          consensus: (message) => consensus?.receive(message) ?? 'ignore',
          certificate: (cert) => {
            try {
              blockImporter.verify(cert);
            } catch {
              return 'reject';
            }
            const next = chain.head.number + 1;
            if (cert.height < BigInt(next)) return 'ignore';
            if (cert.height > BigInt(next)) sync?.behind(Number(cert.height));
            else blockImporter.import(cert).catch((e: unknown) => logger.warn('a gossiped block cannot be imported', { height: String(cert.height), error: (e as Error).message }));
            return 'accept';
          },
        });
        const syncService = new SyncService({ host: p2pHost, chain, importer: blockImporter, protocol: network.syncProtocol, logger: logger.child('sync') }, { intervalMs: 2000 });
        sync = syncService;
        logger.info('p2p network up', { peerId: p2pHost.peerId, addresses: p2pHost.addresses, bootstrap: opts.p2p.bootstrap, mode });
        if (quorum && params.validators.length - params.threshold < 1) {
          logger.warn('this chain stops when any one validator is down: n - t < 1', { validators: params.validators.length, threshold: params.threshold });
        }
      }

      // What stays queued is gossiped again, the journal's transactions too (accepted before a stop, perhaps never
      // gossiped): once a peer listens.
      if (network) {
        const net = network;
        startLoop('tx regossip', (s) => runRegossip({ mempool, publish: (txs, at) => net.publishTxs(txs, at), listeners: () => net.txPeers, logger: logger.child('net'), metrics }, s));
      }

      const faults = opts.faults && new FaultInjector(opts.faults, { chain, dataDir: opts.dataDir, keys, logger: logger.child('faults') });
      if (sync) startLoop('sync', (s) => sync.run(s));
      if (keys.length > 0) {
        const producer = new BlockProducer(
          {
            chain,
            mempool,
            deposits: follower,
            validatorKeys: keys,
            logger: logger.child('producer'),
            metrics,
            faults,
            onSealed: (stored, seals) => network?.publishCertificate({ height: stored.block.header.number, blockHash: stored.block.hash, block: encodeStoredBlock(stored), seals }),
          },
          { blockTimeMs: opts.blockTimeMs, maxBlockTxs: opts.maxBlockTxs },
        );
        if (quorum) {
          const service = new ConsensusService(
            { chain, producer, deposits: follower, importer: importer!, network: network!, key: keys[0], behind: (height) => sync?.behind(height), logger: logger.child('consensus'), metrics },
            { roundTimeoutMs: opts.roundTimeoutMs, blockTimeMs: opts.blockTimeMs },
          );
          consensus = service;
          startLoop('consensus', (s) => service.run(s));
        } else {
          startLoop('block producer', (s) => producer.run(s));
        }
      }

      const canCommit = (quorum || keys.length >= params.threshold) && parent.canSubmit;
      if (keys.length > 0 && !canCommit) {
        logger.warn('this node holds fewer validator keys than the threshold: it produces and signs blocks but cannot commit them alone', { keys: keys.length, threshold: params.threshold });
      }
      const committer = new Committer(
        {
          parent,
          chain,
          submit: canCommit ? { collector: new LocalSignatureCollector(params.threshold), readyAt: quorum ? submitterTurn(params, keys[0].address, importer!) : undefined } : undefined,
          logger: logger.child('committer'),
          metrics,
          syncsFromPeers: sync !== undefined,
        },
        { pollMs: opts.l1PollMs },
      );
      startLoop('committer', (s) => committer.run(s));
      // Data-availability challenges at the root (docs/FRAUD.md §9): a validator that commits to L1 publishes what is
      // challenged (a withheld block, fault withhold-data, is not).
      if (canCommit && parent instanceof RootParent) {
        const responder = new DataResponder({ root: parent.root, senderKey: keys[0].privateKey, chain, faults, logger: logger.child('data') }, { pollMs: opts.l1PollMs });
        startLoop('data responder', (s) => responder.run(s));
      }
      // Data-availability challenges inside a chain (docs/FRAUD.md §9b): a validator that commits to a parent chain
      // publishes what is challenged there as CHILD_DATA_CALL transactions, the bond to its own address.
      if (canCommit && parent instanceof ChildParent) {
        const responder = new ChildDataResponder(
          { parent: parent.client, chain, publisher: keys[0].address, faults, logger: logger.child('data'), published: metrics.dataChunksPublished },
          { pollMs: opts.l1PollMs },
        );
        startLoop('child data responder', (s) => responder.run(s));
      }

      const p2pInfo = host && (() => ({ peerId: host.peerId, addresses: host.addresses, peers: host.peers.length, mode: mode! }));
      const server = new JsonRpcServer(createRpcMethods({ chain, mempool, faults, p2p: p2pInfo, evidence: consensus && (() => consensus!.evidence) }), { host: opts.rpc.host, port: opts.rpc.port, logger: logger.child('rpc') });
      const rpcUrl = await server.listen();
      services.push({ name: 'JSON-RPC server', stop: () => server.close() });

      node = new PlasmaNode(services, chain, metrics, logger, rpcUrl, p2pInfo);
      logger.info('node started', { rpcUrl, head: chain.head, producer: keys.length > 0, committer: canCommit });
      if (earlyFailure) node.fail(earlyFailure.name, earlyFailure.error);
      return node;
    } catch (e) {
      await stopServices(services, logger);
      throw e;
    }
  }

  /** The node's peer-to-peer identity and mode (NodeOptions `p2p`); undefined when it runs alone. */
  get p2p(): { peerId: string; addresses: string[]; peers: number; mode: 'quorum' | 'local' | 'follower' } | undefined {
    return this.p2pInfo?.();
  }

  /** The chain's parameters, as read from the root contract at start. */
  get chain(): ChainParams {
    return this.chain_.params;
  }

  /** The newest persisted block. */
  get head(): ChainHead {
    return this.chain_.head;
  }

  /** The newest block known to be committed on L1. */
  get committed(): ChainHead {
    return this.chain_.store.committed;
  }

  /** Why the node closed itself, if it did (a block could not be persisted, …); undefined otherwise. */
  get failure(): unknown {
    return this.failure_;
  }

  /** Stops every service in reverse start order, awaiting running loops. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.logger.info('closing node');
      await stopServices(this.services, this.logger);
      this.logger.info('node closed');
      this.resolveClosed();
    })();
    return this.closing;
  }

  private fail(name: string, error: unknown): void {
    this.failure_ ??= error;
    this.logger.error(`${name} failed; closing the node`, { error, stack: (error as Error)?.stack });
    void this.close();
  }
}

/** Milliseconds each validator waits after the one before it in a block's submission order (docs/CONSENSUS.md). */
const SUBMIT_STAGGER_MS = 4000;

/**
 * The validator proposing a height at round 0 submits its commitment; the next in rotation does if it is not on
 * the parent SUBMIT_STAGGER_MS after this node imported the block, and so on: one commitment paid for, not n.
 */
function submitterTurn(params: ChainParams, self: Address, importer: BlockImporter): (number: number) => number {
  const importedAt = new Map<number, number>();
  importer.onImported((cert) => {
    importedAt.set(Number(cert.height), Date.now());
    for (const n of importedAt.keys()) if (n < Number(cert.height) - 256) importedAt.delete(n);
  });
  const n = params.validators.length;
  const index = params.validators.indexOf(self);
  return (number) => {
    const distance = (((index - (number % n)) % n) + n) % n;
    return (importedAt.get(number) ?? 0) + distance * SUBMIT_STAGGER_MS;
  };
}

/**
 * Re-admits the journalled transactions (accepted before the node last stopped) in their admission order; those
 * the state now refuses (included in a block meanwhile, or made invalid) leave the journal.
 */
async function restoreMempool(store: ChainStore, mempool: Mempool, logger: Logger): Promise<void> {
  const journalled = await store.pendingTxs();
  if (journalled.length === 0) return;
  const results = await mempool.submit(journalled.map(({ tx }) => tx), 'restore');
  let held = 0;
  const refused: Hex[] = [];
  const reasons: Record<string, number> = {};
  results.forEach((result, i) => {
    if ('hash' in result) held++;
    else {
      refused.push(journalled[i].hash);
      reasons[result.error.code] = (reasons[result.error.code] ?? 0) + 1;
    }
  });
  await store.unjournalTxs(refused);
  logger.info('mempool restored from its journal', { held, refused: refused.length, reasons });
}

/** Stops `services` in reverse start order; a service that fails to stop does not keep the others running. */
async function stopServices(services: readonly Service[], logger: Logger): Promise<void> {
  for (const service of [...services].reverse()) {
    try {
      await service.stop();
    } catch (e) {
      logger.error(`failed to stop ${service.name}`, { error: e });
    }
  }
}
