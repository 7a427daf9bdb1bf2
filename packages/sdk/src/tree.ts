/**
 * The tree of chains as data (docs/TREE.md): a reader that walks it from L1 down, and a route planner over it.
 *
 * Every parent, whether the root contract or (later) a child chain, answers the same questions about its
 * children through a `TreeSource`; `readTree` asks the root contract's source first, then whatever source
 * `sourceFor` gives for each child, so a child chain that hosts a ledger plugs in without changing the reader.
 */
import { getAddress, toBeHex, type Contract, type Provider } from 'ethers';
import { NATIVE_TOKEN, PlasmaError, ROOT_CHAIN_ID, type Address, type ChainId, type Hex } from '@plasma-tree/core';
import { erc20, mapL1Error, plasmaRoot, plasmaRootInterface, readL1Time } from './l1.js';
import { plasmaError } from './errors.js';
import { NodeClient, type NodeClientOptions } from './node-client.js';

// ------------------------------------------------------------------------------------------------ model

/** A committed block whose challenge window is still open, by the parent's clock. */
export interface OpenWindow {
  number: number;
  /** Parent time (s) at which the window ends. */
  windowEnd: number;
  /** `windowEnd - now`, > 0. */
  secondsLeft: number;
}

/** One chain of the tree. The root node is L1 itself. */
export interface TreeNode {
  /** `ROOT_CHAIN_ID` (bytes32 0) for L1; `keccak256(abi.encode(parentId, index))` below it. */
  chainId: ChainId;
  name?: string;
  /** null for L1. */
  parentId: ChainId | null;
  /** 0 for L1, 1 for a child of the root contract, … */
  depth: number;
  /** Validator set as the parent stores it (ascending); empty for L1. */
  validators: Address[];
  /** Signatures a commitment needs; 0 for L1. */
  threshold: number;
  /** Seconds; 0 for L1. */
  challengeWindow: number;
  /** Last block committed on the parent (0 = none). For L1: its latest block number. */
  headNumber: number;
  /** Parent time at which the head's window ends (0 = no commitment yet, or L1). */
  headWindowEnd: number;
  /**
   * Per token: what the parent holds for this chain and all its descendants (the cap on their exits). For L1:
   * what the root contract holds, which includes the validator bonds.
   */
  subtreeBalances: Map<Address, bigint>;
  /** Open windows, soonest-ending first; at most `maxOpenWindows` of them (see `openWindowCount`). */
  openWindows: OpenWindow[];
  /** How many committed blocks are still inside their window (may exceed `openWindows.length`). */
  openWindowCount: number;
  children: TreeNode[];
}

// ------------------------------------------------------------------------------------------------ sources

/** A child chain as its parent records it. */
export interface ChildRecord {
  chainId: ChainId;
  parentId: ChainId;
  /** Position among the parent's children. */
  index: number;
  validators: Address[];
  threshold: number;
  challengeWindow: number;
  headNumber: number;
  headWindowEnd: number;
  depositCount: number;
}

/** A commitment of a child's block on its parent. */
export interface CommitmentRecord {
  number: number;
  blockHash: Hex;
  windowEnd: number;
}

/**
 * What a parent knows about its children: the root contract (`RootContractSource`) or, later, a child chain
 * that exposes its ledger over JSON-RPC. Methods that name a chain the host does not know throw UNKNOWN_CHAIN.
 */
export interface TreeSource {
  /** The chain whose ledger this source reads: ROOT_CHAIN_ID for the root contract. */
  readonly hostId: ChainId;
  /** Ids of the children of `chainId` in spawn order ([] when the host records none for it). */
  children(chainId: ChainId): Promise<ChainId[]>;
  chainInfo(chainId: ChainId): Promise<ChildRecord>;
  /** What the host holds of `token` for `chainId` and its descendants. */
  subtreeBalance(chainId: ChainId, token: Address): Promise<bigint>;
  /**
   * Commitments of `chainId` with block numbers in `[from, to]`, ascending. A number with no commitment is
   * left out. Window ends never decrease with the number (same window, a clock that never goes back), which is
   * what lets the reader find the open ones without scanning the whole history.
   */
  commitments(chainId: ChainId, range: { from: number; to: number }): Promise<CommitmentRecord[]>;
  /** The host's clock (s): the time challenge windows are measured by. */
  time(): Promise<number>;
}

const lower = (a: string): Address => getAddress(a).toLowerCase() as Address;
const isBytes32 = (v: string) => /^0x[0-9a-fA-F]{64}$/.test(v);

/** Runs `fn` over `items` with at most `limit` calls in flight; results in input order. */
async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

export interface RootContractSourceOptions {
  provider: Provider;
  rootContract: string;
  /** First L1 block to search for `Committed` events (the deployment block; default 0). */
  fromBlock?: number;
  /** Most L1 calls in flight (default 8). */
  concurrency?: number;
}

/** The root contract on L1 as a `TreeSource`: the parent of the first level. */
export class RootContractSource implements TreeSource {
  readonly hostId: ChainId = ROOT_CHAIN_ID;
  readonly rootContract: Address;
  private readonly provider: Provider;
  private readonly root: Contract;
  private readonly fromBlock: number;
  private readonly concurrency: number;

  constructor(opts: RootContractSourceOptions) {
    this.provider = opts.provider;
    try {
      this.rootContract = lower(opts.rootContract);
    } catch {
      throw plasmaError('INVALID_ADDRESS', `rootContract is not an address: ${JSON.stringify(opts.rootContract)}`, {}, undefined, 'pass the PlasmaRoot contract address, 0x + 40 hex digits');
    }
    this.root = plasmaRoot(this.rootContract, this.provider);
    this.fromBlock = opts.fromBlock ?? 0;
    this.concurrency = opts.concurrency ?? 8;
  }

  private async call<T>(action: string, f: () => Promise<T>): Promise<T> {
    try {
      return await f();
    } catch (e) {
      throw mapL1Error(e, action);
    }
  }

  /** The root contract only records its own children; for any other chain it knows none. */
  async children(chainId: ChainId): Promise<ChainId[]> {
    if (chainId.toLowerCase() !== ROOT_CHAIN_ID) return [];
    const count = Number(await this.call('reading childCount from the root contract', () => this.root.childCount()));
    const indices = Array.from({ length: count }, (_, i) => i);
    return mapLimit(indices, this.concurrency, (i) =>
      this.call(`reading child ${i} of the root contract`, async () => String(await this.root.childAt(i)).toLowerCase() as ChainId));
  }

  async chainInfo(chainId: ChainId): Promise<ChildRecord> {
    const [i, validators] = await this.call(`reading chain ${chainId} from the root contract`, () => Promise.all([this.root.chainInfo(chainId), this.root.validators(chainId)]));
    return {
      chainId: chainId.toLowerCase() as ChainId,
      parentId: String(i.parentChainId).toLowerCase() as ChainId,
      index: Number(i.index),
      validators: (validators as string[]).map(lower),
      threshold: Number(i.threshold),
      challengeWindow: Number(i.challengeWindow),
      headNumber: Number(i.headNumber),
      headWindowEnd: Number(i.headWindowEnd),
      depositCount: Number(i.depositCount),
    };
  }

  async subtreeBalance(chainId: ChainId, token: Address): Promise<bigint> {
    return BigInt(await this.call('reading a subtree balance from the root contract', () => this.root.subtreeBalance(chainId, token)));
  }

  /**
   * From the `Committed` events, selected by their indexed chain id and, for a short range, block numbers (one
   * topic OR-list of at most 64: providers cap them); a long range takes every event of the chain.
   */
  async commitments(chainId: ChainId, range: { from: number; to: number }): Promise<CommitmentRecord[]> {
    const from = Math.max(1, range.from);
    if (range.to < from) return [];
    const iface = plasmaRootInterface();
    const numbers = range.to - from < 64 ? Array.from({ length: range.to - from + 1 }, (_, k) => toBeHex(from + k, 32)) : null;
    const logs = await this.call('reading commitments from L1', () => this.provider.getLogs({
      address: this.rootContract,
      topics: [iface.getEvent('Committed')!.topicHash, chainId.toLowerCase(), numbers],
      fromBlock: this.fromBlock,
      toBlock: 'latest',
    }));
    const out = new Map<number, CommitmentRecord>();
    for (const log of logs) {
      const parsed = iface.parseLog(log);
      const number = Number(parsed?.args.number ?? 0);
      if (!parsed || number < from || number > range.to) continue;
      out.set(number, { number, blockHash: String(parsed.args.blockHash).toLowerCase() as Hex, windowEnd: Number(parsed.args.windowEnd) });
    }
    return [...out.values()].sort((a, b) => a.number - b.number);
  }

  time(): Promise<number> {
    return readL1Time(this.provider);
  }
}

export interface NodeTreeSourceOptions {
  /** The hosting chain's node: a `NodeClient`, or what to build one from. */
  node: NodeClient | string | NodeClientOptions;
  /** The hosting chain's id (`NodeTreeSource.connect` asks the node for it). */
  hostId: ChainId;
  /** Most calls in flight (default 8). */
  concurrency?: number;
}

/**
 * A child chain that hosts children, read through its node's JSON-RPC ledger methods (docs/SPEC.md "Serving
 * children"): `pt_getChildren`, `pt_getChildInfo`, `pt_getSubtreeBalance`, `pt_getCommitment`, `pt_time`.
 */
export class NodeTreeSource implements TreeSource {
  readonly hostId: ChainId;
  readonly client: NodeClient;
  private readonly concurrency: number;

  constructor(opts: NodeTreeSourceOptions) {
    this.client = opts.node instanceof NodeClient ? opts.node : new NodeClient(opts.node);
    if (typeof opts.hostId !== 'string' || !isBytes32(opts.hostId)) {
      throw plasmaError('INVALID_CHAIN_ID', `hostId is not a chain id: ${JSON.stringify(opts.hostId)}`, {}, undefined, 'pass the hosting chain\'s id, 0x + 64 hex digits');
    }
    this.hostId = opts.hostId.toLowerCase() as ChainId;
    this.concurrency = opts.concurrency ?? 8;
  }

  /** A source for the chain the node at `node` runs, its id read from `pt_chainInfo`. */
  static async connect(node: NodeClient | string | NodeClientOptions, opts: { concurrency?: number } = {}): Promise<NodeTreeSource> {
    const client = node instanceof NodeClient ? node : new NodeClient(node);
    const info = await client.chainInfo();
    return new NodeTreeSource({ node: client, hostId: info.chainId, concurrency: opts.concurrency });
  }

  /** The host records only its own children; for any other chain it knows none. */
  async children(chainId: ChainId): Promise<ChainId[]> {
    if (chainId.toLowerCase() !== this.hostId) return [];
    return this.client.getChildren();
  }

  async chainInfo(chainId: ChainId): Promise<ChildRecord> {
    const info = await this.client.getChildInfo(chainId);
    if (!info) {
      throw plasmaError('UNKNOWN_CHAIN', `chain ${this.hostId} (node ${this.client.url}) hosts no child ${chainId}`, { chainId, hostId: this.hostId }, undefined,
        'list the chain\'s children with pt_getChildren, or check which node serves the parent');
    }
    return {
      chainId: info.chainId,
      parentId: info.parentChainId,
      index: info.index,
      validators: info.validators,
      threshold: info.threshold,
      challengeWindow: info.challengeWindow,
      headNumber: info.headNumber,
      headWindowEnd: info.headWindowEnd,
      depositCount: info.depositCount,
    };
  }

  subtreeBalance(chainId: ChainId, token: Address): Promise<bigint> {
    return this.client.getSubtreeBalance(chainId, token);
  }

  /** One `pt_getCommitment` per block number in the range (the reader asks for short ranges). */
  async commitments(chainId: ChainId, range: { from: number; to: number }): Promise<CommitmentRecord[]> {
    const from = Math.max(1, range.from);
    if (range.to < from) return [];
    const numbers = Array.from({ length: range.to - from + 1 }, (_, k) => from + k);
    const found = await mapLimit(numbers, this.concurrency, (n) => this.client.getCommitment(chainId, n));
    return found.flatMap((c) => (c ? [{ number: c.number, blockHash: c.blockHash, windowEnd: c.windowEnd }] : []));
  }

  time(): Promise<number> {
    return this.client.time();
  }
}

// ------------------------------------------------------------------------------------------------ reader

export interface ReadTreeOptions {
  /** An L1 provider. */
  provider: Provider;
  /** The PlasmaRoot contract. */
  rootContract: string;
  /** Tokens whose subtree balances to read (default: ETH only). */
  tokens?: readonly string[];
  /** Display names by chain id (devnet.json); L1 is "L1" unless named here under ROOT_CHAIN_ID. */
  names?: ReadonlyMap<string, string> | Readonly<Record<string, string>>;
  /** "Now" in seconds for every host's windows (default: each host's own clock, read once). */
  now?: number;
  /**
   * The source that hosts `node`'s children. Default: the root contract for L1, none below (children of
   * children come with the tree step, when a chain can host a ledger).
   */
  sourceFor?: (node: TreeNode, root: RootContractSource) => TreeSource | undefined | Promise<TreeSource | undefined>;
  /** Most open windows listed per chain (default 32; `openWindowCount` has them all). */
  maxOpenWindows?: number;
  /** Depth below which the reader stops (default 16), a guard against a source that loops. */
  maxDepth?: number;
  /** First L1 block holding `Committed` events (default 0). */
  fromBlock?: number;
  /** Most calls in flight per host (default 8). */
  concurrency?: number;
}

/**
 * Reads the whole tree from L1 down: L1 (depth 0, holding what the root contract holds), every child of the
 * root contract with its validators, committed head, subtree balances and open challenge windows, and, through
 * `sourceFor`, the children of those that host a ledger.
 */
export async function readTree(opts: ReadTreeOptions): Promise<TreeNode> {
  const provider = opts.provider;
  const rootSource = new RootContractSource({ provider, rootContract: opts.rootContract, fromBlock: opts.fromBlock, concurrency: opts.concurrency });
  const tokens = [...new Set((opts.tokens ?? [NATIVE_TOKEN]).map((t) => {
    try {
      return lower(t);
    } catch {
      throw plasmaError('INVALID_ADDRESS', `token is not an address: ${JSON.stringify(t)}`, {}, undefined, 'pass ERC-20 contract addresses, or address(0) for ETH');
    }
  }))];
  const names = new Map<string, string>();
  for (const [id, name] of opts.names instanceof Map ? opts.names : Object.entries(opts.names ?? {})) names.set(id.toLowerCase(), name);
  const maxDepth = opts.maxDepth ?? 16;
  const maxOpen = opts.maxOpenWindows ?? 32;
  const concurrency = opts.concurrency ?? 8;
  const sourceFor = opts.sourceFor ?? ((n: TreeNode, root: RootContractSource) => (n.chainId === ROOT_CHAIN_ID ? root : undefined));

  const [headNumber, holdings] = await Promise.all([
    provider.getBlockNumber().catch((e) => {
      throw mapL1Error(e, 'reading the L1 block number');
    }),
    mapLimit(tokens, concurrency, async (token) => {
      try {
        const held = token === NATIVE_TOKEN ? await provider.getBalance(rootSource.rootContract) : BigInt(await erc20(token, provider).balanceOf(rootSource.rootContract));
        return [token, held] as const;
      } catch (e) {
        throw mapL1Error(e, `reading the root contract's balance of ${token}`);
      }
    }),
  ]);
  const root: TreeNode = {
    chainId: ROOT_CHAIN_ID,
    name: names.get(ROOT_CHAIN_ID) ?? 'L1',
    parentId: null,
    depth: 0,
    validators: [],
    threshold: 0,
    challengeWindow: 0,
    headNumber,
    headWindowEnd: 0,
    subtreeBalances: new Map(holdings),
    openWindows: [],
    openWindowCount: 0,
    children: [],
  };

  const seen = new Set<string>([ROOT_CHAIN_ID]);
  const expand = async (parent: TreeNode): Promise<void> => {
    if (parent.depth >= maxDepth) return;
    const source = await sourceFor(parent, rootSource);
    if (!source) return;
    const [ids, now] = await Promise.all([source.children(parent.chainId), opts.now ?? source.time()]);
    const fresh: ChainId[] = [];
    for (const id of ids.map((x) => x.toLowerCase() as ChainId)) {
      if (seen.has(id)) continue; // a source that lists a chain twice, or an ancestor: never loop
      seen.add(id);
      fresh.push(id);
    }
    parent.children = await mapLimit(fresh, concurrency, async (chainId) => {
      const [info, balances] = await Promise.all([
        source.chainInfo(chainId),
        mapLimit(tokens, concurrency, async (token) => [token, await source.subtreeBalance(chainId, token)] as const),
      ]);
      const windows = await openWindowsOf(source, info, now, maxOpen);
      const node: TreeNode = {
        chainId,
        ...(names.has(chainId) ? { name: names.get(chainId) } : {}),
        parentId: parent.chainId,
        depth: parent.depth + 1,
        validators: info.validators,
        threshold: info.threshold,
        challengeWindow: info.challengeWindow,
        headNumber: info.headNumber,
        headWindowEnd: info.headWindowEnd,
        subtreeBalances: new Map(balances),
        openWindows: windows.list,
        openWindowCount: windows.count,
        children: [],
      };
      await expand(node);
      return node;
    });
  };
  await expand(root);
  return root;
}

/**
 * The committed blocks of `info.chainId` whose window is open at `now`: none when the head's window has ended
 * (window ends never decrease); otherwise the newest batch, and a binary search by block number for the oldest
 * open one when the batch does not reach it (a 7-day window over frequent commitments).
 */
async function openWindowsOf(source: TreeSource, info: ChildRecord, now: number, max: number): Promise<{ list: OpenWindow[]; count: number }> {
  const head = info.headNumber;
  if (head === 0 || info.headWindowEnd <= now) return { list: [], count: 0 };
  const open = (c: CommitmentRecord) => c.windowEnd > now;
  const batch = Math.max(1, max);
  let lo = Math.max(1, head - batch + 1);
  let records = await source.commitments(info.chainId, { from: lo, to: head });
  if (lo > 1 && records.length > 0 && records[0].number === lo && open(records[0])) {
    // The oldest open block is at or below `lo`: find it in [1, lo].
    let hi = lo;
    lo = 1;
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      const [c] = await source.commitments(info.chainId, { from: mid, to: mid });
      if (!c) {
        throw plasmaError('COMMITMENT_NOT_FOUND', `no commitment of block ${mid} of chain ${info.chainId} found on its parent`, { chainId: info.chainId, number: mid }, undefined,
          'the L1 node may have pruned old logs: use an archive node, or check the fromBlock option');
      }
      if (open(c)) hi = mid;
      else lo = mid + 1;
    }
    records = await source.commitments(info.chainId, { from: lo, to: Math.min(head, lo + batch - 1) });
    const list = records.filter(open).map((c) => ({ number: c.number, windowEnd: c.windowEnd, secondsLeft: c.windowEnd - now }));
    return { list, count: head - lo + 1 };
  }
  const list = records.filter(open).map((c) => ({ number: c.number, windowEnd: c.windowEnd, secondsLeft: c.windowEnd - now }));
  return { list: list.slice(0, max), count: list.length };
}

// ------------------------------------------------------------------------------------------------ helpers

/** Every node with its ancestors (root first), depth-first, children in order. */
export function* walkTree(tree: TreeNode, ancestors: readonly TreeNode[] = []): Generator<{ node: TreeNode; ancestors: readonly TreeNode[] }> {
  yield { node: tree, ancestors };
  const next = [...ancestors, tree];
  for (const child of tree.children) yield* walkTree(child, next);
}

/**
 * The chain named `nameOrId` in the tree: a display name (exact), a 32-byte id (any case), or "L1" / "root"
 * for the root. undefined when there is none.
 */
export function findChain(tree: TreeNode, nameOrId: string): TreeNode | undefined {
  const q = nameOrId.trim();
  if (/^(l1|root)$/i.test(q)) return tree;
  const id = isBytes32(q) ? q.toLowerCase() : undefined;
  for (const { node } of walkTree(tree)) {
    if (id ? node.chainId === id : node.name === q) return node;
  }
  return undefined;
}

/** A tree as plain JSON data: balances as `{ token: "decimal string" }`. */
export interface TreeNodeJson extends Omit<TreeNode, 'subtreeBalances' | 'children'> {
  subtreeBalances: Record<Address, string>;
  children: TreeNodeJson[];
}

export function treeToJson(tree: TreeNode): TreeNodeJson {
  return {
    ...tree,
    subtreeBalances: Object.fromEntries([...tree.subtreeBalances].map(([t, v]) => [t, v.toString()])),
    children: tree.children.map(treeToJson),
  };
}

// ------------------------------------------------------------------------------------------------ routes

export type HopKind = 'up' | 'down';

/** One edge crossing of a route. */
export interface RouteHop {
  /** up: child → parent (`transferToParent`); down: parent → child (`transferToChild`). */
  kind: HopKind;
  from: ChainId;
  to: ChainId;
  /** Seconds from starting the hop until the tokens are spendable on `to`. */
  expectedSeconds: number;
  /** What happens and what it waits for, in a sentence. */
  description: string;
  /** The waits that make up `expectedSeconds`. */
  waits: Array<{ what: string; seconds: number }>;
}

export interface Route {
  from: ChainId;
  to: ChainId;
  /** The lowest common ancestor: where the route turns from up to down. */
  via: ChainId;
  hops: RouteHop[];
  /** The sum of the hops' `expectedSeconds`. */
  expectedSeconds: number;
}

export interface RouteEstimates {
  /**
   * Seconds until an L1 block is final for the child chains that follow it (confirmations × block time).
   * Default 24: the node's 2 confirmations of 12 s.
   */
  l1FinalitySeconds?: number;
  /**
   * Seconds from a transaction on `chain` until its block is committed on the parent (a block time and the
   * commit transaction's inclusion). Default 30.
   */
  commitSeconds?: number | ((chain: TreeNode) => number);
}

export const DEFAULT_ROUTE_ESTIMATES = { l1FinalitySeconds: 24, commitSeconds: 30 } as const;

const shortId = (id: string) => `${id.slice(0, 6)}…${id.slice(-4)}`;
const label = (n: TreeNode) => n.name ?? shortId(n.chainId);

/**
 * Plans moving tokens from chain `from` to chain `to`: up to their lowest common ancestor, then down (docs/TREE.md
 * §6). An up hop waits for the child's block to be committed and its challenge window to end; a down hop waits for
 * the parent's block to be final for the child: L1 confirmations under the root, and under a child chain its
 * commitment and challenge window on its own parent (§4). Pure: it reads only `tree`.
 */
export function planRoute(tree: TreeNode, from: ChainId, to: ChainId, estimates: RouteEstimates = {}): Route {
  const parentOf = new Map<string, TreeNode | null>();
  const byId = new Map<string, TreeNode>();
  for (const { node, ancestors } of walkTree(tree)) {
    byId.set(node.chainId.toLowerCase(), node);
    parentOf.set(node.chainId.toLowerCase(), ancestors.at(-1) ?? null);
  }
  const lookup = (id: ChainId, which: 'from' | 'to'): TreeNode => {
    const node = typeof id === 'string' ? byId.get(id.toLowerCase()) : undefined;
    if (node) return node;
    const known = [...byId.values()].map((n) => (n.name ? `${n.name} (${shortId(n.chainId)})` : shortId(n.chainId))).join(', ');
    throw new PlasmaError('UNKNOWN_CHAIN', `the ${which} chain ${String(id)} is not in the tree`, {
      data: { chainId: id, which },
      hint: `pick one of the tree's chains: ${known} (see \`plasma-tree status\`)`,
    });
  };
  const a = lookup(from, 'from');
  const b = lookup(to, 'to');
  const l1Finality = estimates.l1FinalitySeconds ?? DEFAULT_ROUTE_ESTIMATES.l1FinalitySeconds;
  const commit = (n: TreeNode) => {
    const c = estimates.commitSeconds ?? DEFAULT_ROUTE_ESTIMATES.commitSeconds;
    return typeof c === 'function' ? c(n) : c;
  };

  const upPath: TreeNode[] = [];
  for (let n: TreeNode | null = a; n; n = parentOf.get(n.chainId) ?? null) upPath.push(n);
  const onUpPath = new Set(upPath.map((n) => n.chainId));
  const downPath: TreeNode[] = [];
  let lca: TreeNode | null = b;
  while (lca && !onUpPath.has(lca.chainId)) {
    downPath.push(lca);
    lca = parentOf.get(lca.chainId) ?? null;
  }
  // Both paths end at the root, so they always meet.
  const via = lca!;

  const hops: RouteHop[] = [];
  for (const child of upPath.slice(0, upPath.indexOf(via))) {
    const parent = parentOf.get(child.chainId)!;
    const waits = [
      { what: `commit to ${label(parent)}`, seconds: commit(child) },
      { what: `challenge window of ${label(child)}`, seconds: child.challengeWindow },
    ];
    hops.push({
      kind: 'up', from: child.chainId, to: parent.chainId, waits,
      expectedSeconds: waits.reduce((s, w) => s + w.seconds, 0),
      description: `withdraw on ${label(child)}; once its block is committed to ${label(parent)} and the challenge window has passed, finalize on ${label(parent)}`,
    });
  }
  for (const child of downPath.reverse()) {
    const parent = parentOf.get(child.chainId)!;
    const waits = parent.depth === 0
      ? [{ what: 'L1 confirmations', seconds: l1Finality }]
      : [
          { what: `commit to ${label(parentOf.get(parent.chainId)!)}`, seconds: commit(parent) },
          { what: `challenge window of ${label(parent)}`, seconds: parent.challengeWindow },
        ];
    hops.push({
      kind: 'down', from: parent.chainId, to: child.chainId, waits,
      expectedSeconds: waits.reduce((s, w) => s + w.seconds, 0),
      description: parent.depth === 0
        ? `deposit on L1; ${label(child)} credits it once the L1 block is confirmed`
        : `deposit on ${label(parent)}; ${label(child)} credits it once that block of ${label(parent)} is final on its parent`,
    });
  }
  return { from: a.chainId, to: b.chainId, via: via.chainId, hops, expectedSeconds: hops.reduce((s, h) => s + h.expectedSeconds, 0) };
}
