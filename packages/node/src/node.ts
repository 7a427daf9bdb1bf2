import { Wallet } from 'ethers';
import { initCore } from '@plasma-tree/core';
import { Chain, type ChainParams } from './chain.js';
import { ChainStore, type ChainHead } from './db/chainStore.js';
import { isPlasmaError, nodeError } from './errors.js';
import { Committer } from './l1/committer.js';
import { DepositFollower } from './l1/depositFollower.js';
import { RootContract } from './l1/rootContract.js';
import { LocalSignatureCollector, toValidatorKeys } from './l1/signatureCollector.js';
import type { Logger } from './logger.js';
import { createDryRun } from './dryRun.js';
import { Mempool } from './mempool.js';
import { createNodeMetrics, type NodeMetrics } from './metrics.js';
import { resolveNodeOptions, type NodeOptions, type ResolvedNodeOptions } from './options.js';
import { BlockProducer } from './producer.js';
import { createRpcMethods } from './rpc/methods.js';
import { JsonRpcServer } from './rpc/server.js';
import { SignaturePool } from './sigPool.js';

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
  ) {
    this.rpcUrl = rpcUrl;
    this.closed = new Promise((resolve) => (this.resolveClosed = resolve));
  }

  /**
   * Opens the database, reads the chain's parameters from the root contract, restores state and head, then
   * starts the mempool, the L1 deposit follower, the block producer (with validator keys), the committer and
   * the JSON-RPC server. Throws PlasmaError (BAD_CONFIG, UNKNOWN_CHAIN, L1_UNREACHABLE, STORE_CORRUPT,
   * STORE_MISMATCH, …) and leaves nothing running when a step fails.
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
      logger.info('starting node', { chainId: opts.chainId, rootContract: opts.rootContract, validatorKeys: opts.validatorKeys.length, crypto: backends });

      const store = await ChainStore.open(opts.dataDir, { chainId: opts.chainId, rootContract: opts.rootContract });
      services.push({ name: 'database', stop: () => store.close() });
      signal?.throwIfAborted();

      const root = await RootContract.connect(opts.l1RpcUrl, opts.rootContract, opts.l1PollMs, signal);
      services.push({ name: 'L1 provider', stop: async () => root.destroy() });
      const params = await loadChainParams(root, opts);
      const keys = toValidatorKeys(opts.validatorKeys);
      for (const key of keys) {
        if (!params.validators.includes(key.address)) {
          throw nodeError('BAD_CONFIG', `validator key of ${key.address} is not a validator of chain ${params.chainId}`,
            `the chain's validators are ${params.validators.join(', ')}: remove the key or use a validator's`, { address: key.address });
        }
      }
      signal?.throwIfAborted();

      const chain = await Chain.load(params, store);
      metrics.headNumber.set(chain.head.number);
      logger.info('chain restored', { head: chain.head, committed: store.committed, accounts: chain.state.size, stateRoot: chain.state.root });

      const pool = await SignaturePool.start(opts.signatureWorkers, logger.child('sigPool'));
      services.push({ name: 'signature pool', stop: () => pool.close() });
      const mempool = new Mempool(
        {
          chainId: params.chainId,
          domain: chain.domain,
          account: (slot) => chain.state.get(slot),
          recoverSigners: (items) => pool.recover(items),
          dryRun: createDryRun(chain),
          metrics,
        },
        { maxTxs: opts.mempoolMaxTxs },
      );

      const follower = new DepositFollower(
        { root, chainId: params.chainId, appliedNonce: () => chain.depositNonce, logger: logger.child('deposits'), metrics },
        { confirmations: opts.l1Confirmations, pollMs: opts.l1PollMs },
      );
      startLoop('deposit follower', (s) => follower.run(s));

      if (keys.length > 0) {
        const producer = new BlockProducer(
          { chain, mempool, deposits: follower, validatorKeys: keys, logger: logger.child('producer'), metrics },
          { blockTimeMs: opts.blockTimeMs, maxBlockTxs: opts.maxBlockTxs },
        );
        startLoop('block producer', (s) => producer.run(s));
      }

      const canCommit = keys.length >= params.threshold;
      if (keys.length > 0 && !canCommit) {
        logger.warn('this node holds fewer validator keys than the threshold: it produces and signs blocks but cannot commit them alone', { keys: keys.length, threshold: params.threshold });
      }
      const committer = new Committer(
        {
          root,
          chain,
          submit: canCommit ? { sender: new Wallet(keys[0].privateKey, root.provider), collector: new LocalSignatureCollector(params.threshold) } : undefined,
          logger: logger.child('committer'),
          metrics,
        },
        { pollMs: opts.l1PollMs },
      );
      startLoop('committer', (s) => committer.run(s));

      const server = new JsonRpcServer(createRpcMethods({ chain, mempool }), { host: opts.rpc.host, port: opts.rpc.port, logger: logger.child('rpc') });
      const rpcUrl = await server.listen();
      services.push({ name: 'JSON-RPC server', stop: () => server.close() });

      node = new PlasmaNode(services, chain, metrics, logger, rpcUrl);
      logger.info('node started', { rpcUrl, head: chain.head, producer: keys.length > 0, committer: canCommit });
      if (earlyFailure) node.fail(earlyFailure.name, earlyFailure.error);
      return node;
    } catch (e) {
      await stopServices(services, logger);
      throw e;
    }
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

/** Reads the chain's configuration from the root contract; refuses an unknown chain id. */
async function loadChainParams(root: RootContract, opts: ResolvedNodeOptions): Promise<ChainParams> {
  let exists: boolean;
  try {
    if (!(await root.hasCode())) {
      throw nodeError('BAD_CONFIG', `there is no contract at rootContract ${opts.rootContract} on the L1 at ${opts.l1RpcUrl}`,
        'check rootContract and l1RpcUrl (was the L1 restarted without redeploying?)', { rootContract: opts.rootContract });
    }
    exists = await root.chainExists(opts.chainId);
  } catch (e) {
    if (isPlasmaError(e)) throw e;
    throw nodeError('L1_UNREACHABLE', `cannot read the root contract at ${opts.rootContract}: ${(e as Error).message}`, 'is the L1 node running and is l1RpcUrl right?', { url: opts.l1RpcUrl });
  }
  if (!exists) {
    throw nodeError('UNKNOWN_CHAIN', `the root contract ${opts.rootContract} has no chain ${opts.chainId}`,
      'check chainId: it is the id spawnChain returned (see `plasma-tree status`)', { chainId: opts.chainId, rootContract: opts.rootContract });
  }
  const [info, validators] = await Promise.all([root.chainInfo(opts.chainId), root.validators(opts.chainId)]);
  return {
    chainId: opts.chainId,
    parentChainId: info.parentChainId,
    l1ChainId: root.l1ChainId,
    rootContract: opts.rootContract,
    validators,
    threshold: info.threshold,
    challengeWindow: info.challengeWindow,
  };
}
