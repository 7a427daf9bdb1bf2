import { availableParallelism } from 'node:os';
import { MAX_TXS_PER_BLOCK, PlasmaError, type Address, type ChainId, type EdgeFunction, type EdgeRegistry, type Hex, type MessageHandler } from '@plasma-tree/core';
import { edgeRegistryOf } from './edges.js';
import { resolveFaultPlan, type FaultPlan, type ResolvedFaultPlan } from './faults/plan.js';
import { createLogger, LOG_LEVELS, type Logger, type LogLevel } from './logger.js';

export interface NodeOptions {
  /** Directory of the node's database (`<dataDir>/chain`); created if missing. */
  dataDir: string;
  /** HTTP(S) JSON-RPC endpoint of the L1 node that holds the root contract. */
  l1RpcUrl: string;
  rootContract: Address;
  /** The child chain this node runs (must be a child of the parent: the root contract, or `parent`'s chain). */
  chainId: ChainId;
  /**
   * The chain this chain is a child of (docs/TREE.md §5). Default `{ kind: 'root' }`: the root contract on L1.
   * `{ kind: 'child', nodeUrl }`: a child chain, followed through its node's JSON-RPC; `finality` says when a
   * deposit recorded there is applied here: 'final' (default) once the parent block holding it is committed on
   * the parent's own parent and its challenge window has passed, 'committed' once it is committed there.
   */
  parent?: ParentOption;
  /**
   * Private keys this process signs commitments with; empty = full node. The first key also pays the gas of
   * the commitments this node submits to L1.
   */
  validatorKeys: Hex[];
  rpc?: {
    /** Default 127.0.0.1. */
    host?: string;
    /** 0 = any free port (read the chosen one from `PlasmaNode.rpcUrl`). Default 8645. */
    port?: number;
  };
  /** A block is sealed at most this often when there is work. Default 1000. */
  blockTimeMs?: number;
  /** A block is sealed as soon as this many transactions are pending. Default 10 000. */
  maxBlockTxs?: number;
  /** L1 blocks a deposit must be buried under before the child chain applies it. Default 2. */
  l1Confirmations?: number;
  /** How often the L1 is polled for deposits and commitments. Default 500. */
  l1PollMs?: number;
  /** Most transactions waiting in the mempool; more are refused with MEMPOOL_FULL. Default 100 000. */
  mempoolMaxTxs?: number;
  /** Worker threads recovering signers; 0 recovers on the main thread. Default: cores − 1, at least 1. */
  signatureWorkers?: number;
  /**
   * The edge functions this chain runs (docs/EDGE.md), besides the built-in message function; every validator
   * of a chain must run the same. Give at most one of `edges`, `edgeFunctions` (with `messageHandlers`) and
   * `edgeModule`. Default: the built-ins only (messages are recorded in the inbox, no handler runs).
   */
  edgeFunctions?: EdgeFunction[];
  /** Handlers of incoming messages on this chain, by target address (with or without `edgeFunctions`). */
  messageHandlers?: Record<string, MessageHandler>;
  /** A registry made with core's `createEdgeRegistry` (instead of `edgeFunctions`/`messageHandlers`). */
  edges?: EdgeRegistry;
  /**
   * Path (relative to the current directory; in a config file, to the file's directory) or file: URL of an ESM
   * module exporting `edgeFunctions` and optionally `messageHandlers`, imported at start: the way a node process
   * (bin.ts, spawnNodeProcess) gets its edge functions, since a config file cannot hold functions.
   */
  edgeModule?: string;
  logger?: Logger;
  /** Level of the default logger (ignored when `logger` is given). Default 'info'. */
  logLevel?: LogLevel;
  /**
   * FAULT INJECTION, for tests only (docs/FRAUD.md §5): this validator produces, signs and commits a block with
   * the given fault (`{ kind, atBlock?, once? }`; kinds in `faults/plan.ts`); in a quorum (`p2p`, fewer than
   * `threshold` keys) it proposes that block, which the honest validators refuse. Off by default; needs validator keys.
   */
  faults?: FaultPlan;
  /**
   * The chain's peer-to-peer network (docs/CONSENSUS.md §5). Without it the node works alone: it must then hold
   * `threshold` validator keys to produce (or it is a full node that only serves its store). With it, a validator
   * holding fewer than `threshold` keys takes part in the quorum consensus, and every node gossips transactions
   * and decided blocks and syncs from its peers.
   */
  p2p?: P2POption;
  /** Round 0 of the quorum consensus lasts this long; round r lasts (1 + r) times as long. Default 2000. */
  roundTimeoutMs?: number;
}

export interface P2POption {
  /** Multiaddrs to listen on. Default ['/ip4/127.0.0.1/tcp/0'] (any free port on loopback). */
  listen?: string[];
  /** Peers to dial at start and whenever the node has lost them: full multiaddrs ending in /p2p/<peer id>. */
  bootstrap?: string[];
}

export type ParentOption = { kind: 'root' } | { kind: 'child'; nodeUrl: string; finality?: 'committed' | 'final' };

/** NodeOptions after validation, with every default filled in. */
export interface ResolvedNodeOptions {
  parent: { kind: 'root' } | { kind: 'child'; nodeUrl: string; finality: 'committed' | 'final' };
  dataDir: string;
  l1RpcUrl: string;
  rootContract: Address;
  chainId: ChainId;
  validatorKeys: Hex[];
  rpc: { host: string; port: number };
  blockTimeMs: number;
  maxBlockTxs: number;
  l1Confirmations: number;
  l1PollMs: number;
  mempoolMaxTxs: number;
  signatureWorkers: number;
  /** The registry from `edges` or `edgeFunctions`/`messageHandlers`; undefined when `edgeModule` gives it (loaded at init) or none is set. */
  edges: EdgeRegistry | undefined;
  edgeModule: string | undefined;
  logger: Logger;
  /** Undefined: no fault injection (the default). */
  faults: ResolvedFaultPlan | undefined;
  p2p: { listen: string[]; bootstrap: string[] } | undefined;
  roundTimeoutMs: number;
}

export const DEFAULT_RPC_PORT = 8645;

/** The options without a default, and what to do when one is missing or wrong. */
const hints = {
  dataDir: 'set dataDir to a directory the node may write its database to',
  l1RpcUrl: 'set l1RpcUrl to the http URL of an L1 node, e.g. http://127.0.0.1:8545',
  rootContract: 'set rootContract to the address PlasmaRoot was deployed at',
  chainId: 'set chainId to the id spawnChain returned (see docs/SPEC.md "Identifiers")',
} as const;

const ADDRESS = /^0x[0-9a-fA-F]{40}$/;
const BYTES32 = /^0x[0-9a-fA-F]{64}$/;

function badConfig(field: string, message: string, hint: string): PlasmaError {
  return new PlasmaError('BAD_CONFIG', `${field}: ${message}`, { data: { field }, hint });
}

function integer(field: string, value: unknown, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw badConfig(field, `expected an integer in [${min}, ${max}], got ${JSON.stringify(value)}`, `set ${field} to a whole number between ${min} and ${max}`);
  }
  return value;
}

/** Validates `opts` and fills in defaults; throws PlasmaError('BAD_CONFIG') naming the field at fault. */
export function resolveNodeOptions(opts: NodeOptions): ResolvedNodeOptions {
  if (typeof opts !== 'object' || opts === null) throw badConfig('options', 'expected an object', 'pass the node options as an object');
  for (const field of Object.keys(hints) as (keyof typeof hints)[]) {
    if (opts[field] === undefined || opts[field] === '') throw badConfig(field, 'missing', hints[field]);
  }
  if (typeof opts.dataDir !== 'string') throw badConfig('dataDir', 'expected a directory path', hints.dataDir);
  let l1Url: URL;
  try {
    l1Url = new URL(opts.l1RpcUrl);
  } catch {
    throw badConfig('l1RpcUrl', `not a URL: ${JSON.stringify(opts.l1RpcUrl)}`, hints.l1RpcUrl);
  }
  if (l1Url.protocol !== 'http:' && l1Url.protocol !== 'https:') {
    throw badConfig('l1RpcUrl', `unsupported protocol ${l1Url.protocol}`, 'use an http:// or https:// JSON-RPC endpoint');
  }
  if (typeof opts.rootContract !== 'string' || !ADDRESS.test(opts.rootContract)) {
    throw badConfig('rootContract', `not a 20-byte 0x address: ${JSON.stringify(opts.rootContract)}`, hints.rootContract);
  }
  if (typeof opts.chainId !== 'string' || !BYTES32.test(opts.chainId)) {
    throw badConfig('chainId', `not a 32-byte 0x hex chain id: ${JSON.stringify(opts.chainId)}`, hints.chainId);
  }
  if (!Array.isArray(opts.validatorKeys)) {
    throw badConfig('validatorKeys', 'expected an array of private keys', 'pass [] for a full node, or the validator keys this node signs with');
  }
  opts.validatorKeys.forEach((key, i) => {
    if (typeof key !== 'string' || !BYTES32.test(key)) {
      // Never echo the value: it may be a (mistyped) private key.
      throw badConfig(`validatorKeys[${i}]`, 'not a 32-byte 0x hex private key', 'each key must be 0x followed by 64 hex digits');
    }
  });
  if (opts.validatorKeys.length !== new Set(opts.validatorKeys.map((k) => k.toLowerCase())).size) {
    throw badConfig('validatorKeys', 'the same key is given twice', 'list every validator key once');
  }
  const host = opts.rpc?.host ?? '127.0.0.1';
  if (typeof host !== 'string' || host === '') throw badConfig('rpc.host', 'expected a host name or IP address', 'e.g. 127.0.0.1, or 0.0.0.0 to listen on every interface');
  if (opts.logLevel !== undefined && !LOG_LEVELS.includes(opts.logLevel)) {
    throw badConfig('logLevel', `unknown level ${JSON.stringify(opts.logLevel)}`, `use one of ${LOG_LEVELS.join(', ')}`);
  }

  const edgeFields = (['edges', 'edgeFunctions', 'messageHandlers', 'edgeModule'] as const).filter((field) => opts[field] !== undefined);
  const edgeWays = edgeFields.filter((field) => field !== 'messageHandlers').length + (opts.edgeFunctions === undefined && opts.messageHandlers !== undefined ? 1 : 0);
  if (edgeWays > 1) {
    throw badConfig(edgeFields.join(', '), 'give the edge functions one way only', 'use `edges` (a registry), or `edgeFunctions` with `messageHandlers`, or `edgeModule`');
  }
  if (opts.edgeModule !== undefined && (typeof opts.edgeModule !== 'string' || opts.edgeModule === '')) {
    throw badConfig('edgeModule', 'expected the path of an ESM module', 'set edgeModule to e.g. "./edges.mjs", a module exporting `edgeFunctions`');
  }
  if (opts.edges !== undefined && (typeof opts.edges?.get !== 'function' || !Array.isArray(opts.edges.functions))) {
    throw badConfig('edges', 'expected an EdgeRegistry', "make it with core's createEdgeRegistry(edgeFunctions, { messageHandlers })");
  }
  const faults = resolveFaultPlan(opts.faults);
  if (faults !== undefined && opts.validatorKeys.length === 0) {
    throw badConfig('faults', 'fault injection needs a validator: a full node produces no blocks', 'pass the validator keys of the chain, or leave faults out');
  }
  const edges = opts.edges ?? (opts.edgeFunctions !== undefined || opts.messageHandlers !== undefined ? edgeRegistryOf('edgeFunctions', opts.edgeFunctions, opts.messageHandlers) : undefined);

  return {
    parent: resolveParent(opts.parent),
    dataDir: opts.dataDir,
    l1RpcUrl: opts.l1RpcUrl,
    rootContract: opts.rootContract.toLowerCase() as Address,
    chainId: opts.chainId.toLowerCase() as ChainId,
    validatorKeys: opts.validatorKeys.map((k) => k.toLowerCase() as Hex),
    rpc: { host, port: integer('rpc.port', opts.rpc?.port, DEFAULT_RPC_PORT, 0, 65_535) },
    blockTimeMs: integer('blockTimeMs', opts.blockTimeMs, 1000, 1, 3_600_000),
    maxBlockTxs: integer('maxBlockTxs', opts.maxBlockTxs, 10_000, 1, MAX_TXS_PER_BLOCK),
    l1Confirmations: integer('l1Confirmations', opts.l1Confirmations, 2, 0, 1000),
    l1PollMs: integer('l1PollMs', opts.l1PollMs, 500, 1, 3_600_000),
    mempoolMaxTxs: integer('mempoolMaxTxs', opts.mempoolMaxTxs, 100_000, 1, 10_000_000),
    signatureWorkers: integer('signatureWorkers', opts.signatureWorkers, Math.max(1, availableParallelism() - 1), 0, 64),
    edges,
    edgeModule: opts.edgeModule,
    logger: opts.logger ?? createLogger({ level: opts.logLevel ?? 'info' }),
    faults,
    p2p: resolveP2P(opts.p2p),
    roundTimeoutMs: integer('roundTimeoutMs', opts.roundTimeoutMs, 2000, 50, 600_000),
  };
}

function resolveP2P(p2p: P2POption | undefined): ResolvedNodeOptions['p2p'] {
  if (p2p === undefined) return undefined;
  const list = (field: 'listen' | 'bootstrap', fallback: string[]): string[] => {
    const value = p2p[field] ?? fallback;
    if (!Array.isArray(value) || value.some((a) => typeof a !== 'string' || !a.startsWith('/'))) {
      throw badConfig(`p2p.${field}`, 'expected an array of multiaddrs', field === 'listen' ? 'e.g. ["/ip4/127.0.0.1/tcp/9100"]' : 'e.g. ["/ip4/127.0.0.1/tcp/9100/p2p/12D3KooW…"] (a peer\'s address as its log prints it)');
    }
    return value;
  };
  return { listen: list('listen', ['/ip4/127.0.0.1/tcp/0']), bootstrap: list('bootstrap', []) };
}

function resolveParent(parent: ParentOption | undefined): ResolvedNodeOptions['parent'] {
  if (parent === undefined) return { kind: 'root' };
  if (typeof parent !== 'object' || parent === null) throw badConfig('parent', 'expected { kind: "root" } or { kind: "child", nodeUrl }', 'leave parent out for a child of the root contract');
  if (parent.kind === 'root') return { kind: 'root' };
  if (parent.kind !== 'child') throw badConfig('parent.kind', `expected "root" or "child", got ${JSON.stringify((parent as { kind?: unknown }).kind)}`, 'use "child" with the nodeUrl of the parent chain\'s node');
  let url: URL;
  try {
    url = new URL(parent.nodeUrl);
  } catch {
    throw badConfig('parent.nodeUrl', `not a URL: ${JSON.stringify(parent.nodeUrl)}`, "set parent.nodeUrl to the JSON-RPC URL of the parent chain's node, e.g. http://127.0.0.1:8645");
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw badConfig('parent.nodeUrl', `unsupported protocol ${url.protocol}`, 'use an http:// or https:// URL');
  const finality = parent.finality ?? 'final';
  if (finality !== 'final' && finality !== 'committed') throw badConfig('parent.finality', `expected "final" or "committed", got ${JSON.stringify(finality)}`, 'use "final" (safe) or "committed" (faster)');
  return { kind: 'child', nodeUrl: parent.nodeUrl, finality };
}
