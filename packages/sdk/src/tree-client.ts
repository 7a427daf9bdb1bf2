/**
 * The client of a whole tree of chains (docs/TREE.md): one signer, the root contract, and a way to find each
 * chain's node. Every edge works at every depth: a deposit into a child of the root goes through the root contract
 * on L1, a deposit into a child of a chain is a DEPOSIT_TO_CHILD on the parent chain; a withdrawal is measured and
 * finalized on its chain's parent (L1, or a FINALIZE_CHILD_EXIT on the parent chain). Routes (`planRoute`) run hop
 * by hop with a resumable state file (`executeRoute`, `resumeRoute`).
 *
 * It composes one `PlasmaClient` per chain (`client(chain)`), each told how to reach its parent's node.
 */
import { getAddress, type Provider, type Signer } from 'ethers';
import { MESSAGE_FN, NATIVE_TOKEN, PlasmaError, ROOT_CHAIN_ID, decodeMessagePayload, type Address, type ChainId, type Hex } from '@plasma-tree/core';
import {
  PlasmaClient,
  spawnChain,
  type DepositOptions,
  type DepositResult,
  type EdgeCallArgs,
  type EdgeCallResult,
  type EdgeDelivery,
  type EdgeRelayResult,
  type EdgeUpStatus,
  type ExitPayout,
  type FinalizeOptions,
  type SpawnChildResult,
  type TxResult,
  type WaitOptions,
  type WithdrawalStatus,
} from './client.js';
import { NodeClient, type ChainInfo, type EdgeDeliveryRecord, type ExitProof, type InboxEntry, type WithdrawalProof } from './node-client.js';
import { checkEdgeCall, messagePayload, resolveEdgeFunction, sendEdgeEventL1, type EdgeFunctionRef, type L1EdgeEvent } from './edge.js';
import { erc20, mapL1Error, plasmaRoot } from './l1.js';
import { plasmaError } from './errors.js';
import { NodeTreeSource, findChain, planRoute, readTree, walkTree, type Route, type RouteEstimates, type TreeNode } from './tree.js';
import { EscapeClient, type EscapeHatch } from './escape.js';
import { ChainEscapeClient } from './escape-chain.js';
import { DataChallengeClient, type DataChallenger } from './data-challenge.js';
import { ChainDataChallengeClient } from './data-challenge-chain.js';
import { executeRoute, resumeRoute, type ExecuteRouteOptions, type ResumeRouteOptions, type RouteResult } from './route-exec.js';

/** Where each chain's node is: chain id → JSON-RPC URL, as a record, a map, or a function. */
export type NodeResolver = Readonly<Record<string, string>> | ReadonlyMap<string, string> | ((chainId: ChainId) => string | undefined);

export interface TreeClientOptions {
  /** An ethers Signer connected to the L1 provider (for writes), or a Provider for a read-only client. */
  l1: Signer | Provider;
  /** The PlasmaRoot contract. */
  rootContract: string;
  /** A node of each chain the client will touch (`treeConfigFromDevnet` builds it from devnet.json). */
  nodes: NodeResolver;
  /** Display names by chain id; a name can stand for its chain in every method (e.g. 'A1'). */
  names?: Readonly<Record<string, string>>;
  /** The account to read for a read-only client (a Signer brings its own). */
  account?: string;
  /** Poll interval of every wait, ms (default 1000). */
  pollMs?: number;
  /**
   * Each chain's parent (chain id → parent id, ROOT_CHAIN_ID / 'L1' for a child of the root), when known without
   * asking the chain's node: `escape(chain)` needs it for a chain whose validators are gone (devnet.json has it).
   */
  parents?: Readonly<Record<string, string>>;
}

/** A chain: its 32-byte id, a name given in `names`, or 'L1' / 'root' for L1 itself. */
export type ChainRef = string;

/** The part of devnet.json (`@plasma-tree/devnet`'s DevnetInfo) the tree client needs. */
export interface DevnetDescription {
  rootContract: string;
  chains: ReadonlyArray<{ name: string; chainId: string; nodeUrl: string; parentChainId?: string }>;
}

/** `rootContract`, `nodes` and `names` of a devnet, from its devnet.json. */
export function treeConfigFromDevnet(info: DevnetDescription): { rootContract: Address; nodes: Record<ChainId, string>; names: Record<ChainId, string>; parents?: Record<ChainId, ChainId> } {
  const nodes: Record<ChainId, string> = {};
  const names: Record<ChainId, string> = {};
  const parents: Record<ChainId, ChainId> = {};
  for (const c of info.chains) {
    const id = c.chainId.toLowerCase() as ChainId;
    if (c.nodeUrl) nodes[id] = c.nodeUrl;
    names[id] = c.name;
    if (c.parentChainId) parents[id] = c.parentChainId.toLowerCase() as ChainId;
  }
  return { rootContract: info.rootContract.toLowerCase() as Address, nodes, names, ...(Object.keys(parents).length ? { parents } : {}) };
}

export interface TreeDepositArgs {
  /** The child chain that receives the deposit (any depth). */
  to: ChainRef;
  /** Default ETH (`address(0)`). */
  token?: string;
  amount: bigint;
  /** Recipient on the child chain (default: the signer). */
  recipient?: string;
  /** Called once the parent's transaction is sent. */
  onSent?: DepositOptions['onSent'];
}

export interface TreeSpawnArgs {
  /** The parent: a chain (SPAWN_CHILD there), or 'L1' (PlasmaRoot.spawnChain). */
  parent: ChainRef;
  validators: string[];
  threshold: number;
  /** Seconds, by the parent's clock. */
  challengeWindow: number;
  /**
   * Seconds without a commit after which anyone may freeze the child (`escape(chain).freezeStalled`, docs/FRAUD.md §2,
   * §8): challengeWindow .. 30 days. Default: max(7 days, challengeWindow). On L1 it picks spawnChainWithLimits.
   */
  stallLimit?: number;
  /** Wei (at least 0.2 ETH for a child of L1, PlasmaRoot.MIN_BOND; 0.01 ETH for a child of a chain). */
  bond: bigint;
}

/** An edge call anywhere in the tree (`TreeClient.callEdge`). */
export interface TreeEdgeCallArgs extends Omit<EdgeCallArgs, 'child'> {
  /** Where the send half runs: a chain, or 'L1' (the root contract's `sendEdgeEvent`, down only). */
  chain: ChainRef;
  /** A down call: the child of `chain` the event goes to. Leave it out for an up call (to `chain`'s parent). */
  child?: ChainRef;
}

/** A message across one edge of the tree (`TreeClient.sendMessage`). */
export interface TreeMessageArgs {
  /** Where it is sent: a chain or 'L1'. */
  from: ChainRef;
  /** Where it arrives: the parent or a child of `from`. */
  to: ChainRef;
  /** The receiver: an IPlasmaMessageReceiver contract on L1, or the address of a message handler on a chain. */
  target: string;
  /** The message's bytes (0x-hex or a Uint8Array; '0x' is empty). */
  data: Hex | Uint8Array;
  /** On a chain: the caller's slot of this token signs (default the native one; see EdgeCallArgs.token). */
  token?: string;
}

/** A balance on one chain of the tree (L1 included). */
export interface ChainBalance {
  chainId: ChainId;
  name?: string;
  depth: number;
  balance: bigint;
}

const lower = (a: string): Address => getAddress(a).toLowerCase() as Address;

export class TreeClient {
  readonly rootContract: Address;
  readonly signer: Signer | null;
  readonly provider: Provider;
  readonly pollMs: number;
  private readonly l1: Signer | Provider;
  private readonly resolve: (chainId: ChainId) => string | undefined;
  private readonly names = new Map<string, string>();
  private readonly byName = new Map<string, ChainId>();
  private readonly account?: string;
  private readonly clients = new Map<ChainId, PlasmaClient>();
  private readonly nodeClients = new Map<string, NodeClient>();
  private readonly parents = new Map<ChainId, ChainId>();

  constructor(opts: TreeClientOptions) {
    try {
      this.rootContract = lower(opts.rootContract);
    } catch {
      throw plasmaError('INVALID_ADDRESS', `rootContract is not an address: ${JSON.stringify(opts.rootContract)}`, {}, undefined, 'pass the PlasmaRoot contract address, 0x + 40 hex digits');
    }
    const l1 = opts.l1 as any;
    const isSigner = typeof l1?.signTypedData === 'function' && typeof l1?.getAddress === 'function';
    this.signer = isSigner ? (l1 as Signer) : null;
    const provider = isSigner ? (l1 as Signer).provider : (l1 as Provider);
    if (!provider) throw plasmaError('INVALID_OPTIONS', 'the L1 signer is not connected to a provider', {}, undefined, 'use `wallet.connect(new JsonRpcProvider(url))`');
    this.provider = provider;
    this.l1 = opts.l1;
    this.pollMs = opts.pollMs ?? 1000;
    this.account = opts.account;
    const nodes = opts.nodes;
    if (typeof nodes === 'function') this.resolve = nodes;
    else {
      const m = new Map<string, string>(nodes instanceof Map ? [...nodes] : Object.entries(nodes as Record<string, string>));
      const byId = new Map([...m].map(([k, v]) => [k.toLowerCase(), v]));
      this.resolve = (id) => byId.get(id.toLowerCase());
    }
    for (const [id, parent] of Object.entries(opts.parents ?? {})) {
      this.parents.set(id.toLowerCase() as ChainId, /^(l1|root)$/i.test(parent) ? ROOT_CHAIN_ID : (parent.toLowerCase() as ChainId));
    }
    for (const [id, name] of Object.entries(opts.names ?? {})) {
      this.names.set(id.toLowerCase(), name);
      this.byName.set(name, id.toLowerCase() as ChainId);
    }
  }

  /** A tree client for a devnet (its devnet.json) and an L1 signer. */
  static fromDevnet(info: DevnetDescription, l1: Signer | Provider, opts: { pollMs?: number; account?: string } = {}): TreeClient {
    return new TreeClient({ l1, ...treeConfigFromDevnet(info), ...opts });
  }

  // ------------------------------------------------------------------------------------------ chains

  /** The chain id of a reference: an id, a name from `names`, or 'L1' / 'root' (ROOT_CHAIN_ID). UNKNOWN_CHAIN otherwise. */
  chainId(ref: ChainRef): ChainId {
    const q = String(ref).trim();
    if (/^(l1|root)$/i.test(q)) return ROOT_CHAIN_ID;
    if (/^0x[0-9a-fA-F]{64}$/.test(q)) return q.toLowerCase() as ChainId;
    const id = this.byName.get(q);
    if (id) return id;
    throw plasmaError('UNKNOWN_CHAIN', `unknown chain ${JSON.stringify(ref)}`, { chain: ref }, undefined,
      this.byName.size ? `use a chain id, L1, or one of ${[...this.byName.keys()].join(', ')}` : 'pass a 32-byte chain id (0x + 64 hex digits) or L1');
  }

  /** A chain's display name (from `names`), 'L1' for the root, else a short id. */
  nameOf(ref: ChainRef): string {
    const id = this.chainId(ref);
    if (id === ROOT_CHAIN_ID) return 'L1';
    return this.names.get(id) ?? `${id.slice(0, 6)}…${id.slice(-4)}`;
  }

  /** The node URL of a chain; NO_NODE when the resolver has none. */
  nodeUrl(ref: ChainRef): string {
    const id = this.chainId(ref);
    if (id === ROOT_CHAIN_ID) throw plasmaError('NOT_A_CHAIN', 'L1 has no Plasma node', {}, undefined, 'pass a child chain');
    const url = this.resolve(id);
    if (!url) {
      throw plasmaError('NO_NODE', `no node known for chain ${this.nameOf(id)} (${id})`, { chainId: id }, undefined,
        'add its node URL to the `nodes` option (CLI: run on a devnet, or pass --nodes <chain>=<url>)');
    }
    return url;
  }

  /** The JSON-RPC client of a chain's node. */
  node(ref: ChainRef): NodeClient {
    const url = this.nodeUrl(ref);
    let c = this.nodeClients.get(url);
    if (!c) {
      c = new NodeClient(url);
      this.nodeClients.set(url, c);
    }
    return c;
  }

  /**
   * The `PlasmaClient` of one chain (cached), wired to its parent's node: what every per-chain operation below
   * runs on. Use it directly for what the tree client does not wrap (receipts, proofs, `signTx`, …).
   */
  client(ref: ChainRef): PlasmaClient {
    const id = this.chainId(ref);
    let c = this.clients.get(id);
    if (!c) {
      c = new PlasmaClient({
        l1: this.l1,
        rootContract: this.rootContract,
        chainId: id,
        node: this.node(id),
        parentNode: (parentId) => this.node(parentId),
        ...(this.account ? { account: this.account } : {}),
        pollMs: this.pollMs,
      });
      this.clients.set(id, c);
    }
    return c;
  }

  /** The account this client acts for (lowercase). */
  async address(): Promise<Address> {
    if (this.signer) return lower(await this.signer.getAddress());
    if (this.account) return lower(this.account);
    throw plasmaError('NO_ACCOUNT', 'this client has no signer and no account', {}, undefined, 'pass an ethers Signer as `l1`, or `account` for a read-only client');
  }

  /** The parent of a chain (ROOT_CHAIN_ID for a child of the root), from its node. */
  parentOf(ref: ChainRef): Promise<ChainId> {
    return this.client(ref).parentChainId();
  }

  /**
   * The escape hatch that hosts `chain` (docs/FRAUD.md §4, §8): an `EscapeClient` on L1 for a child of the root, a
   * `ChainEscapeClient` on the parent chain's node for a child of a chain. The parent is found without the chain's
   * own node when it can be (its validators may be gone): the `parents` option (devnet.json), else the chain's
   * node, else the tree read from L1 down through the parents' nodes.
   */
  async escape(ref: ChainRef): Promise<EscapeHatch> {
    const id = this.chainId(ref);
    if (id === ROOT_CHAIN_ID) throw plasmaError('NOT_A_CHAIN', 'L1 has no escape hatch: it is the root', {}, undefined, 'pass a child chain');
    const parent = await this.escapeParentOf(id);
    if (parent === ROOT_CHAIN_ID) return new EscapeClient({ l1: this.l1, rootContract: this.rootContract, pollMs: Math.min(this.pollMs, 250) });
    return new ChainEscapeClient({ parentNode: this.node(parent), parentChainId: parent, pollMs: Math.min(this.pollMs, 250) });
  }

  /**
   * Data-availability challenges of `chain`'s blocks by hand (docs/FRAUD.md §9, §9b), where its blocks are committed: a
   * `DataChallengeClient` on L1 for a child of the root, a `ChainDataChallengeClient` on the parent chain's node for a
   * child of a chain (the signer signs the CHALLENGE_CHILD_DATA there). The parent is found as for `escape`.
   */
  async dataChallenge(ref: ChainRef): Promise<DataChallenger> {
    const id = this.chainId(ref);
    if (id === ROOT_CHAIN_ID) throw plasmaError('NOT_A_CHAIN', 'L1 commits no blocks to a parent: nothing to challenge', {}, undefined, 'pass a child chain');
    const parent = await this.escapeParentOf(id);
    if (parent === ROOT_CHAIN_ID) return new DataChallengeClient({ l1: this.l1, rootContract: this.rootContract, pollMs: Math.min(this.pollMs, 250) });
    const l1 = this.l1 as Signer;
    const signer = typeof l1.signTypedData === 'function' ? l1 : undefined;
    return new ChainDataChallengeClient({ parentNode: this.node(parent), parentChainId: parent, ...(signer ? { signer } : {}), pollMs: Math.min(this.pollMs, 250) });
  }

  private async escapeParentOf(id: ChainId): Promise<ChainId> {
    const known = this.parents.get(id);
    if (known) return known;
    if (this.resolve(id)) {
      try {
        const p = await this.parentOf(id);
        this.parents.set(id, p);
        return p;
      } catch {
        // its node is gone: look it up from L1 down
      }
    }
    const found = findChain(await this.readTree({ tokens: [] }), id);
    if (!found?.parentId) {
      throw plasmaError('UNKNOWN_CHAIN', `chain ${this.nameOf(id)} (${id}) is not in the tree as far as the known nodes tell`, { chainId: id }, undefined,
        'pass its parent in the `parents` option (CLI: run on a devnet), or add a node of its parent to `nodes`');
    }
    this.parents.set(id, found.parentId);
    return found.parentId;
  }

  /** `pt_chainInfo` of a chain's node. */
  chainInfo(ref: ChainRef): Promise<ChainInfo> {
    return this.node(ref).chainInfo();
  }

  // ------------------------------------------------------------------------------------------ edges

  /**
   * Deposits into `args.to` from its parent: on L1 through the root contract when the parent is the root
   * (approving an ERC-20 first when needed), else as a signed DEPOSIT_TO_CHILD on the parent chain's node, paid
   * from the signer's balance there. Resolves once the parent recorded it, with the child's deposit nonce.
   */
  deposit(args: TreeDepositArgs): Promise<DepositResult> {
    return this.client(args.to).deposit(args.token ?? NATIVE_TOKEN, args.amount, { to: args.recipient, onSent: args.onSent });
  }

  /** Waits until the child applied the deposit (its deposit nonce reached the deposit's). */
  waitForDeposit(deposit: DepositResult | { chainId: ChainRef; nonce: bigint }, opts: Parameters<PlasmaClient['waitForDeposit']>[1] = {}): Promise<ChainInfo> {
    return this.client(deposit.chainId).waitForDeposit(deposit.nonce, opts);
  }

  /** A transfer on `chain`. */
  transfer(args: { chain: ChainRef; to: string; token?: string; amount: bigint }): Promise<TxResult> {
    return this.client(args.chain).transfer({ to: args.to, token: args.token, amount: args.amount });
  }

  /** A withdrawal on `chain` to `recipient` (default: the signer) on its parent. */
  withdraw(args: { chain: ChainRef; token?: string; amount: bigint; recipient?: string }): Promise<TxResult> {
    return this.client(args.chain).withdraw({ token: args.token, amount: args.amount, to: args.recipient });
  }

  /** Where a withdrawal on `chain` stands, by its parent's clock (L1 time or the parent chain's). */
  withdrawalStatus(chain: ChainRef, txHash: Hex): Promise<WithdrawalStatus> {
    return this.client(chain).withdrawalStatus(txHash);
  }

  /** Waits until a withdrawal on `chain` can be finalized on its parent (or already was). */
  waitForWindow(chain: ChainRef, txHash: Hex, opts: Parameters<PlasmaClient['waitForWindow']>[1] = {}): Promise<WithdrawalStatus> {
    return this.client(chain).waitForWindow(txHash, opts);
  }

  /** Pays a withdrawal of `chain` on its parent: L1 finalizeWithdrawal, or FINALIZE_CHILD_EXIT on the parent chain. */
  finalizeWithdrawal(chain: ChainRef, txHashOrProof: Hex | WithdrawalProof, opts: Parameters<PlasmaClient['finalizeExit']>[1] = {}): Promise<ExitPayout> {
    return this.client(chain).finalizeExit(txHashOrProof, opts);
  }

  /**
   * Spawns a child of `args.parent`: SPAWN_CHILD on a chain (the bond comes from the signer's ETH there), or
   * `PlasmaRoot.spawnChain` on L1. Its validators must then run a node for it.
   */
  async spawnChild(args: TreeSpawnArgs, opts: WaitOptions = {}): Promise<SpawnChildResult> {
    const parent = this.chainId(args.parent);
    const { validators, threshold, challengeWindow, stallLimit, bond } = args;
    const limit = stallLimit === undefined ? {} : { stallLimit };
    if (parent !== ROOT_CHAIN_ID) return this.client(parent).spawnChild({ validators, threshold, challengeWindow, bond, ...limit }, opts);
    if (!this.signer) throw plasmaError('NO_SIGNER', 'spawnChild needs a signer, this client is read-only', {}, undefined, 'create the client with an ethers Signer as `l1`');
    const r = await spawnChain(this.signer, this.rootContract, { validators, threshold, challengeWindow, bond, ...limit });
    const receipt = await this.provider.getTransactionReceipt(r.l1TxHash).catch((e) => {
      throw mapL1Error(e, 'reading the spawnChain receipt');
    });
    return { chainId: r.chainId, parentChainId: ROOT_CHAIN_ID, index: r.index, txHash: r.l1TxHash, blockNumber: receipt?.blockNumber ?? 0, validators: r.validators, threshold: r.threshold, challengeWindow: r.challengeWindow, stallLimit: r.stallLimit, bond: r.bond };
  }

  // ------------------------------------------------------------------------------------------ edge functions

  /**
   * Calls an edge function (docs/EDGE.md) on any edge: `chain` runs the send half, `child` makes it a down call
   * into that child, none an up call to `chain`'s parent. On L1 (`chain: 'L1'`, down only) through the root
   * contract's `sendEdgeEvent`; on a chain as a signed EDGE_SEND (kind 7). Resolves once the send half ran, with
   * what `waitForEdgeDelivery` needs (a down event's nonce, an up event's block).
   */
  async callEdge(args: TreeEdgeCallArgs, opts: WaitOptions & { onSent?: (txHash: Hex) => void | Promise<void> } = {}): Promise<EdgeCallResult> {
    const chain = this.chainId(args.chain);
    const child = args.child === undefined ? undefined : this.chainId(args.child);
    if (child === ROOT_CHAIN_ID) throw plasmaError('INVALID_ARGUMENTS', 'L1 is no chain\'s child', {}, undefined, 'to call up to L1, leave `child` out and call on a child of the root');
    if (chain !== ROOT_CHAIN_ID) return this.client(chain).callEdge({ ...args, child }, opts);
    const f = resolveEdgeFunction(args);
    if (child === undefined) {
      throw plasmaError('EDGE_DIRECTION_MISMATCH', 'L1 has no parent: a call on L1 goes down to a child of the root', {}, undefined, 'pass `child` (a child of the root), or call on a chain');
    }
    const payload = checkEdgeCall(f, 'down', args.payload);
    return this.fromL1(child, { fn: f.fn, payload }, opts);
  }

  /** The down parent half on L1 into `child` (a child of the root). */
  private async fromL1(child: ChainId, args: { fn: Hex; payload: Hex; message?: { target: Address; data: Hex } }, opts: { onSent?: (txHash: Hex) => void | Promise<void> }): Promise<EdgeCallResult> {
    if (!this.signer) throw plasmaError('NO_SIGNER', 'a call on L1 needs a signer, this client is read-only', {}, undefined, 'create the client with an ethers Signer as `l1`');
    let event: L1EdgeEvent;
    try {
      event = await sendEdgeEventL1(this.signer, this.rootContract, { child, ...args }, opts);
    } catch (e) {
      if (e instanceof PlasmaError && e.code === 'UNKNOWN_CHAIN') {
        throw plasmaError('UNKNOWN_CHAIN', `${this.nameOf(child)} is not a child of the root contract: L1 sends down only to its own children`, { chainId: child }, e,
          'call on the parent chain of that chain instead (see `plasma-tree status`)');
      }
      throw e;
    }
    return {
      direction: 'down', on: 'l1', chainId: ROOT_CHAIN_ID, peer: child, fn: event.fn, sender: event.sender, payload: event.payload,
      txHash: event.l1TxHash, blockNumber: event.l1BlockNumber, nonce: event.nonce, ...(args.message ? { message: args.message } : {}),
    };
  }

  /**
   * Sends a message (the built-in message function) across one edge: `from` L1 to a child of the root through
   * `PlasmaRoot.sendMessage`; from a chain to one of its children (down) or to its parent (up) as an EDGE_SEND.
   * On a chain a handler registered for `target` runs (the message is in the inbox either way); on L1 `target` is
   * an IPlasmaMessageReceiver, called when the message is relayed (`relayUp`). NOT_AN_EDGE for chains that are
   * not parent and child.
   */
  async sendMessage(args: TreeMessageArgs, opts: WaitOptions & { onSent?: (txHash: Hex) => void | Promise<void> } = {}): Promise<EdgeCallResult> {
    const from = this.chainId(args.from);
    const to = this.chainId(args.to);
    const payload = messagePayload(args.target, args.data);
    const message = decodeMessagePayload(payload);
    if (from === to) throw plasmaError('NOT_AN_EDGE', `from and to are the same chain (${this.nameOf(from)})`, { from, to }, undefined, 'a message crosses one edge: from a chain to its parent or to one of its children');
    const notAnEdge = () => plasmaError('NOT_AN_EDGE', `${this.nameOf(to)} is neither the parent nor a child of ${this.nameOf(from)}: a message crosses one edge`, { from, to }, undefined,
      'send it to the next chain on the way and forward it from there with a handler, or see `plasma-tree status` for the tree');
    const token = args.token ? { token: args.token } : {};
    // L1 sends down only to its own children (the root contract refuses any other chain: UNKNOWN_CHAIN).
    if (from === ROOT_CHAIN_ID) return this.fromL1(to, { fn: MESSAGE_FN, payload, message }, opts);
    let down: boolean;
    if (to === ROOT_CHAIN_ID) down = false;
    else if (await this.node(from).getChildInfo(to)) down = true;
    else down = false;
    if (!down && (await this.parentOf(from)) !== to) throw notAnEdge();
    const sent = await this.client(from).callEdge({ fn: MESSAGE_FN, payload, ...(down ? { child: to } : {}), ...token }, opts);
    return { ...sent, message };
  }

  /**
   * Waits for what `callEdge` / `sendMessage` sent: down, until the child applied the event's nonce, then says
   * whether its receive half ran ('delivered') or threw ('failed', the event consumed all the same); up, until the
   * block's challenge window passed on the parent ('ready': deliver it with `relayUp`), or it was delivered.
   */
  waitForEdgeDelivery(sent: Pick<EdgeCallResult, 'direction' | 'chainId' | 'peer' | 'txHash' | 'nonce'>, opts: WaitOptions = {}): Promise<EdgeDelivery> {
    if (sent.direction === 'down') {
      if (sent.nonce === undefined) throw plasmaError('INVALID_ARGUMENTS', 'a down event to wait for needs its nonce', {}, undefined, 'pass what callEdge / sendMessage returned');
      return this.client(sent.peer).waitForEdgeDelivery(sent.nonce, opts);
    }
    return this.client(sent.chainId).waitForEdgeUp(sent.txHash, opts);
  }

  /** Where an up edge event of `chain` stands on its parent (pending … challenge-window → ready → delivered). */
  edgeUpStatus(chain: ChainRef, txHash: Hex): Promise<EdgeUpStatus> {
    return this.client(chain).edgeUpStatus(txHash);
  }

  /**
   * Delivers an up edge event of `chain` on its parent once its window passed: on L1 `relayMessage` (messages to
   * an IPlasmaMessageReceiver), on a parent chain an EDGE_FROM_CHILD (its receive half runs there). Anyone may
   * deliver; each event once (ALREADY_DELIVERED).
   */
  relayUp(chain: ChainRef, txHashOrProof: Hex | ExitProof, opts: FinalizeOptions = {}): Promise<EdgeRelayResult> {
    return this.client(chain).deliverToParent(txHashOrProof, opts);
  }

  /** The same as `relayUp`. */
  deliverToParent(chain: ChainRef, txHashOrProof: Hex | ExitProof, opts: FinalizeOptions = {}): Promise<EdgeRelayResult> {
    return this.relayUp(chain, txHashOrProof, opts);
  }

  /** The messages `chain` received, in order (1-based `index`). */
  inbox(chain: ChainRef, opts: { fromIndex?: bigint | number; limit?: number } = {}): Promise<InboxEntry[]> {
    return this.client(chain).inbox(opts);
  }

  /** What edge function `fn` (id, name or the function) stored under `key` on `chain`; null when unset. */
  edgeStorage(chain: ChainRef, fn: EdgeFunctionRef, key: Hex | Uint8Array): Promise<Hex | null> {
    return this.client(chain).edgeStorage(fn, key);
  }

  /** What the message handler of `target` stored under `key` on `chain`. */
  messageHandlerStorage(chain: ChainRef, target: string, key: Hex | Uint8Array): Promise<Hex | null> {
    return this.client(chain).messageHandlerStorage(target, key);
  }

  /** What became of down edge event `nonce` on `chain`; null while it has not arrived. */
  edgeDelivery(chain: ChainRef, nonce: bigint | number): Promise<EdgeDeliveryRecord | null> {
    return this.client(chain).edgeDelivery(nonce);
  }

  // ------------------------------------------------------------------------------------------ balances

  /** Balance of `owner` (default: the signer) on `chain`; on 'L1', the L1 balance (ETH or an ERC-20). */
  async balance(chain: ChainRef, token: string = NATIVE_TOKEN, owner?: string): Promise<bigint> {
    const id = this.chainId(chain);
    const who = owner ? lower(owner) : await this.address();
    const t = lower(token);
    if (id !== ROOT_CHAIN_ID) return this.client(id).balance(t, who);
    try {
      return t === NATIVE_TOKEN ? await this.provider.getBalance(who) : BigInt(await erc20(t, this.provider).balanceOf(who));
    } catch (e) {
      throw mapL1Error(e, 'reading the L1 balance');
    }
  }

  /** Balances of `owner` (default: the signer) on every chain of the tree (L1 first, depth-first). */
  async balances(opts: { token?: string; owner?: string } = {}): Promise<ChainBalance[]> {
    const tree = await this.readTree({ tokens: [] });
    const nodes = [...walkTree(tree)].map(({ node }) => node);
    return Promise.all(nodes.map(async (n) => ({
      chainId: n.chainId,
      ...(n.name ? { name: n.name } : {}),
      depth: n.depth,
      balance: n.depth > 0 && !this.resolve(n.chainId) ? 0n : await this.balance(n.chainId, opts.token, opts.owner),
    })));
  }

  /**
   * What `child`'s parent holds of `token` for `child` and its descendants (the cap on their exits): the root
   * contract's `subtreeBalance`, or `pt_getSubtreeBalance` on the parent chain's node.
   */
  async subtreeBalance(child: ChainRef, token: string = NATIVE_TOKEN): Promise<bigint> {
    const id = this.chainId(child);
    const t = lower(token);
    const parent = await this.parentOf(id);
    if (parent !== ROOT_CHAIN_ID) return this.node(parent).getSubtreeBalance(id, t);
    try {
      return BigInt(await plasmaRoot(this.rootContract, this.provider).subtreeBalance(id, t));
    } catch (e) {
      throw mapL1Error(e, 'reading the subtree balance');
    }
  }

  // ------------------------------------------------------------------------------------------ routes

  /** The tree from L1 down, reading each parent chain's ledger through its node. */
  readTree(opts: { tokens?: readonly string[]; now?: number } = {}): Promise<TreeNode> {
    return readTree({
      provider: this.provider,
      rootContract: this.rootContract,
      tokens: opts.tokens,
      now: opts.now,
      names: Object.fromEntries(this.names),
      sourceFor: async (n, root) => {
        if (n.depth === 0) return root;
        const url = this.resolve(n.chainId);
        if (!url) return undefined;
        const source = new NodeTreeSource({ node: this.node(n.chainId), hostId: n.chainId });
        const children = await source.client.getChildren().catch(() => []);
        return children.length ? source : undefined;
      },
    });
  }

  /** Plans moving tokens from `from` to `to` (names, ids or 'L1'): up to the common ancestor, then down. */
  async planRoute(from: ChainRef, to: ChainRef, estimates?: RouteEstimates): Promise<Route> {
    const tree = await this.readTree({ tokens: [] });
    const find = (ref: ChainRef, which: string) => {
      const node = findChain(tree, this.chainId(ref));
      if (!node) throw new PlasmaError('UNKNOWN_CHAIN', `the ${which} chain ${ref} is not in the tree`, { data: { chain: ref }, hint: 'see `plasma-tree status` for the chains; is its parent\'s node known (`nodes`)?' });
      return node.chainId;
    };
    return planRoute(tree, find(from, 'from'), find(to, 'to'), estimates);
  }

  /**
   * Runs `route` hop by hop (up: withdraw, wait for the commitment and the window on the parent, finalize there;
   * down: deposit, wait until the child applied it), writing its progress to `opts.stateFile` after every step.
   * With an existing state file of the same route it resumes instead (see `resumeRoute`).
   */
  executeRoute(route: Route, opts: ExecuteRouteOptions): Promise<RouteResult> {
    return executeRoute(this, route, opts);
  }

  /** Continues the route of a state file exactly where it stopped; a step that happened is never repeated. */
  resumeRoute(stateFile: string, opts: ResumeRouteOptions = {}): Promise<RouteResult> {
    return resumeRoute(this, stateFile, opts);
  }

  /** The L1 chain id of the provider. */
  async l1ChainId(): Promise<bigint> {
    try {
      return (await this.provider.getNetwork()).chainId;
    } catch (e) {
      throw mapL1Error(e, 'reading the L1 chain id');
    }
  }
}
