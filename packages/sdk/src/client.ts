import { getAddress, Signature, type Provider, type Signer, type TransactionReceipt, type TransactionResponse, type Contract } from 'ethers';
import {
  PlasmaError,
  TxKind,
  MESSAGE_FN,
  NATIVE_TOKEN,
  ROOT_CHAIN_ID,
  ZERO_BYTES32,
  bytesToHex,
  chainIdOf,
  isHex,
  ledgerKeys,
  type Address,
  type ChainId,
  type EdgeFromChildTx,
  type FinalizeChildExitTx,
  type Hex,
  type UserSignedTx,
} from '@plasma-tree/core';
import {
  NodeClient,
  type AccountInfo,
  type ChainInfo,
  type ChildDepositRecord,
  type EdgeDeliveryRecord,
  type ExitProof,
  type InboxEntry,
  type Receipt,
  type ReceiptStatus,
  type WithdrawalProof,
} from './node-client.js';
import { checkEdgeCall, edgeFromChildHash, edgeFromChildTx, messageOfProof, relayMessageL1, resolveEdgeFunction, type EdgeFunctionRef } from './edge.js';
import { finalizeChildExitHash, txHashOf, typedDataFor, type UnsignedTx } from './protocol.js';
import { erc20, mapL1Error, plasmaRoot, plasmaRootInterface, readL1Time, readTokenInfo, type TokenInfo } from './l1.js';
import { bareMessage, hintFor, plasmaError } from './errors.js';

export interface PlasmaClientOptions {
  /** An ethers Signer connected to a provider (for writes), or a Provider for a read-only client. */
  l1: Signer | Provider;
  /** Address of the PlasmaRoot contract on L1. */
  rootContract: string;
  /** The 32-byte id of the child chain. */
  chainId: ChainId;
  /** JSON-RPC URL of a node of that chain. */
  nodeUrl?: string;
  /** Or a ready NodeClient. */
  node?: NodeClient;
  /** The account to read for a read-only client (a Signer brings its own). */
  account?: string;
  /** Poll interval of every wait, ms (default 1000). */
  pollMs?: number;
  /**
   * A node of the parent chain, for a chain whose parent is another chain rather than L1 (docs/TREE.md): deposits
   * into this chain are then DEPOSIT_TO_CHILD transactions on the parent chain, and withdrawals are measured by
   * the parent's clock and finalized there (FINALIZE_CHILD_EXIT). Without it, deposits go through the root
   * contract and withdrawal methods refuse a chain whose parent is a chain (PARENT_NODE_REQUIRED). A function
   * gets the parent's id (read from this chain's node) and returns its node.
   */
  parentNode?: NodeClient | string | ((parentChainId: ChainId) => NodeClient | string | undefined);
}

export interface WaitOptions {
  signal?: AbortSignal;
  /** Give up after this many ms (default: never for windows, 120 s for receipts and deposits). */
  timeoutMs?: number;
  pollMs?: number;
}

export interface DepositResult {
  /** Where the parent half ran: 'l1' (the root contract) or 'chain' (a DEPOSIT_TO_CHILD on the parent chain). */
  on: 'l1' | 'chain';
  /** The parent's transaction: the L1 tx hash, or the DEPOSIT_TO_CHILD's hash on the parent chain. */
  txHash: Hex;
  /** The L1 block, or the parent chain's block, holding it. */
  blockNumber: number;
  /** For a deposit on L1: the same as txHash and blockNumber. */
  l1TxHash?: Hex;
  l1BlockNumber?: number;
  /** The chain that received the deposit (this chain) and its parent (ROOT_CHAIN_ID for L1). */
  chainId: ChainId;
  parentChainId: ChainId;
  /** The parent's deposit nonce for this chain (docs/SPEC.md "Deposits"). */
  nonce: bigint;
  from: Address;
  to: Address;
  token: Address;
  amount: bigint;
  /** L1 transaction hash of the ERC-20 approval, when one was needed. */
  approveTxHash?: Hex;
}

/** A deposit through the root contract on L1 (depositETH / depositERC20). */
export interface L1DepositResult extends DepositResult {
  on: 'l1';
  l1TxHash: Hex;
  l1BlockNumber: number;
}

export interface TxResult {
  /** The transaction hash on the child chain (its EIP-712 digest). */
  hash: Hex;
  kind: 'transfer' | 'withdraw' | 'depositToChild';
  /** For a DEPOSIT_TO_CHILD: the child chain receiving it (`to` is the recipient there). */
  child?: ChainId;
  chainId: ChainId;
  from: Address;
  slot: number;
  to: Address;
  token: Address;
  amount: bigint;
  nonce: bigint;
  signature: Hex;
}

export type WithdrawalState = 'pending' | 'included' | 'committed' | 'challenge-window' | 'finalizable' | 'finalized';

export interface WithdrawalStatus {
  state: WithdrawalState;
  txHash: Hex;
  blockNumber: number | null;
  /** The parent's time (s) at which the challenge window ends (L1 time, or the parent chain's); null until committed. */
  windowEnd: number | null;
  /** Seconds of the window left by the parent's clock; 0 once it ended; null until committed. */
  secondsLeft: number | null;
  /** The parent (ROOT_CHAIN_ID for L1) and its time (s) this status was computed at (see `PlasmaClient.chainTime`). */
  parentChainId: ChainId;
  parentTime: number;
  /** For a chain whose parent is L1: the same as parentTime. */
  l1Time?: number;
}

/** An exit paid on the parent (`finalizeExit`): on L1, or by a FINALIZE_CHILD_EXIT on the parent chain. */
export interface ExitPayout {
  /** Where it was paid: 'l1' (PlasmaRoot.finalizeWithdrawal) or 'chain' (a FINALIZE_CHILD_EXIT on the parent chain). */
  on: 'l1' | 'chain';
  parentChainId: ChainId;
  /** The L1 tx hash, or the FINALIZE_CHILD_EXIT's hash on the parent chain. */
  txHash: Hex;
  /** The L1 block or parent-chain block holding it. */
  blockNumber: number;
  /** On L1 only: the same as txHash / blockNumber, and the gas used. */
  l1TxHash?: Hex;
  l1BlockNumber?: number;
  gasUsed?: bigint;
  recipient: Address;
  token: Address;
  amount: bigint;
}

/** A withdrawal paid out on L1 (`finalizeWithdrawal`). */
export interface FinalizeResult extends ExitPayout {
  on: 'l1';
  l1TxHash: Hex;
  l1BlockNumber: number;
  gasUsed: bigint;
}

/** What the root contract stores about this chain (`PlasmaRoot.chainInfo`). */
export interface ParentChainState {
  index: number;
  spawner: Address;
  bond: bigint;
  threshold: number;
  challengeWindow: number;
  validators: Address[];
  /** Last committed block number (0 = none). */
  headNumber: number;
  headWindowEnd: number;
  headDepositNonce: number;
  /** Deposits made on L1 so far (= nonce of the last one). */
  depositCount: number;
}

/** A block commitment found on L1 (`Committed` event). */
export interface Commitment {
  number: number;
  blockHash: Hex;
  windowEnd: number;
  l1BlockNumber: number;
  l1TxHash: Hex;
}

export type { TokenInfo };

/** A user transaction to sign on this chain (`prepareTx`). Amounts in base units; tokens default to ETH. */
export type TxRequest =
  | { kind: 'transfer'; to: string; token?: string; amount: bigint }
  | { kind: 'withdraw'; to?: string; token?: string; amount: bigint }
  | { kind: 'depositToChild'; child: string; to?: string; token?: string; amount: bigint }
  | { kind: 'spawnChild'; validators: string[]; threshold: number; challengeWindow: number; stallLimit?: number; bond: bigint };

/**
 * A user transaction signed and hashed but maybe not sent yet. Persist it before sending and a crash can never
 * make a second one: sending the same transaction again is refused (TX_KNOWN while it waits, NONCE_MISMATCH once
 * it is in a block), and its hash finds its receipt.
 */
export interface PreparedTx {
  /** The hash the node files it under (its EIP-712 digest). */
  hash: Hex;
  tx: UserSignedTx;
  from: Address;
}

/** Options of a finalization. */
export interface FinalizeOptions extends WaitOptions {
  /** Called with the parent transaction's hash once it is sent (before it is mined or included). */
  onSent?: (txHash: Hex) => void | Promise<void>;
}

/** Options of a deposit. */
export interface DepositOptions {
  /** Recipient on this chain (default: the signer). */
  to?: string;
  /** L1 deposits only: the L1 account nonce to send with (resumable flows pin it; see TreeClient.executeRoute). */
  nonce?: number;
  /** Called once the parent's transaction is sent, before it is mined or included (to record its hash). */
  onSent?: (sent: { txHash: Hex; nonce?: number }) => void | Promise<void>;
}

/** A FINALIZE_CHILD_EXIT ready to send to this chain (the parent of the exit's chain). */
export interface PreparedFinalize {
  hash: Hex;
  tx: FinalizeChildExitTx;
}

export interface SpawnChildArgs {
  validators: string[];
  threshold: number;
  /** Seconds, by this chain's clock. */
  challengeWindow: number;
  /**
   * Seconds without a commit after which anyone may freeze the child (FREEZE_STALLED_CHILD, docs/FRAUD.md §8):
   * challengeWindow .. 30 days (BAD_STALL_LIMIT otherwise). Default (absent or 0): max(7 days, challengeWindow).
   */
  stallLimit?: number;
  /** Validator bond in wei of this chain's native token (at least 0.01 ETH). */
  bond: bigint;
}

export interface SpawnChildResult {
  chainId: ChainId;
  parentChainId: ChainId;
  index: number;
  /** The SPAWN_CHILD's hash on the parent chain, and the block holding it. */
  txHash: Hex;
  blockNumber: number;
  validators: Address[];
  threshold: number;
  challengeWindow: number;
  /** The stall limit the parent recorded (the default when none was asked for); null from a parent node that predates it. */
  stallLimit: number | null;
  bond: bigint;
}

/** An edge call on a chain (`PlasmaClient.callEdge`): its send half runs there (EDGE_SEND, kind 7). */
export interface EdgeCallArgs {
  /** The function: its 32-byte id or its name (the id is keccak256 of the name). */
  fn?: EdgeFunctionRef;
  /**
   * Or the function itself (what `defineEdgeFunction` returned): then its direction is checked and its `decode`
   * runs on the payload first, so a payload the function refuses is refused before anything is signed.
   */
  edge?: EdgeFunctionRef;
  /** The child chain the event goes down to; leave it out for an up call (to the parent). */
  child?: string;
  /** The arguments as bytes, at most MAX_EDGE_PAYLOAD (4096); 0x-hex or a Uint8Array. */
  payload: Hex | Uint8Array;
  /**
   * Which of the caller's slots on this chain signs the call: the slot of this token (default the native one).
   * The call moves nothing; the slot's nonce is its replay guard, so any token the caller holds here will do.
   */
  token?: string;
}

/** An edge event sent: what `callEdge` / `sendMessage` return and `waitForEdgeDelivery` takes. */
export interface EdgeCallResult {
  /** 'down': parent → child; 'up': child → parent. */
  direction: 'down' | 'up';
  /** Where the send half ran: 'l1' (the root contract) or 'chain' (an EDGE_SEND on a chain). */
  on: 'l1' | 'chain';
  /** The chain where the send half ran (ROOT_CHAIN_ID for L1). */
  chainId: ChainId;
  /** The chain where the receive half runs: the child of a down event, the parent of an up one (ROOT_CHAIN_ID for L1). */
  peer: ChainId;
  fn: Hex;
  /** The caller: the signer's address. */
  sender: Address;
  payload: Hex;
  /** The EDGE_SEND's hash on the chain, or the L1 transaction's hash. */
  txHash: Hex;
  /** The chain's block (or the L1 block) holding it. */
  blockNumber: number;
  /** A down event's nonce on the child's stream (shared with deposits): the child applies it in this order. */
  nonce?: bigint;
  /** An up event's position in its block's exit tree, when the node reports it (else read from its exit proof). */
  exitIndex?: number | null;
  /** For a message: its target and data. */
  message?: { target: Address; data: Hex };
}

/** What became of a down edge event on the child. */
export interface EdgeDownDelivery {
  direction: 'down';
  /** The child chain. */
  chainId: ChainId;
  nonce: bigint;
  fn: Hex;
  /** 'failed': the receive half threw, or the child does not run `fn`; the event is consumed either way. */
  status: 'delivered' | 'failed';
}

/** Where an up edge event stands, measured on the parent (its clock, its spent set). */
export type EdgeUpState = 'pending' | 'included' | 'committed' | 'challenge-window' | 'ready' | 'delivered';

export interface EdgeUpStatus {
  state: EdgeUpState;
  txHash: Hex;
  blockNumber: number | null;
  /** Position in the block's exit tree; null until known. */
  exitIndex: number | null;
  /** The parent's time (s) at which the block's window ends; null until committed. */
  windowEnd: number | null;
  secondsLeft: number | null;
  /** The parent (ROOT_CHAIN_ID for L1) and its time (s) this status was computed at. */
  parentChainId: ChainId;
  parentTime: number;
}

/** An up edge event whose window passed on the parent ('ready': deliver it with `deliverToParent`) or that was delivered. */
export interface EdgeUpDelivery extends EdgeUpStatus {
  direction: 'up';
  /** The chain the event comes from. */
  chainId: ChainId;
  status: 'ready' | 'delivered';
}

export type EdgeDelivery = EdgeDownDelivery | EdgeUpDelivery;

/** An up edge event delivered on the parent: `relayMessage` on L1, or an EDGE_FROM_CHILD on the parent chain. */
export interface EdgeRelayResult {
  on: 'l1' | 'chain';
  parentChainId: ChainId;
  /** The L1 tx hash, or the EDGE_FROM_CHILD's hash on the parent chain. */
  txHash: Hex;
  blockNumber: number;
  /** On L1 only: the gas used. */
  gasUsed?: bigint;
  /** The chain the event came from, its block and position in the exit tree. */
  chainId: ChainId;
  sourceBlock: number;
  index: number;
  fn: Hex;
  sender: Address;
  payload: Hex;
  /** For a message: its target and data (on L1, the target's onPlasmaMessage ran with them). */
  message?: { target: Address; data: Hex };
}

/** An EDGE_FROM_CHILD ready to send to this chain (the parent of the event's chain), with its hash. */
export interface PreparedEdgeFromChild {
  hash: Hex;
  tx: EdgeFromChildTx;
}

/** Errors worth retrying during a long wait. */
const TRANSIENT = new Set(['NODE_UNREACHABLE', 'NODE_TIMEOUT', 'NODE_HTTP_ERROR', 'L1_UNREACHABLE', 'L1_ERROR', 'NODE_CLOSING']);

const STATUS_RANK: Record<ReceiptStatus, number> = { pending: 0, included: 1, committed: 2, rejected: -1 };

function rejected(r: Receipt): PlasmaError {
  const code = r.reason ?? 'TX_REJECTED';
  return plasmaError(code, `transaction ${r.txHash} was rejected by the block producer${r.message ? `: ${r.message}` : ''}`, { txHash: r.txHash, rejected: true }, undefined,
    hintFor(code, 'check the balance and nonce, then send it again'));
}

const lower = (a: string): Address => getAddress(a).toLowerCase() as Address;

function checkAddress(a: string, what: string): Address {
  try {
    return lower(a);
  } catch {
    throw plasmaError('INVALID_ADDRESS', `${what} is not a valid address: ${JSON.stringify(a)}`, { value: a }, undefined, 'pass a 0x-prefixed 20-byte hex address');
  }
}

function checkChainId(id: string, what: string): ChainId {
  if (typeof id !== 'string' || !/^0x[0-9a-fA-F]{64}$/.test(id)) {
    throw plasmaError('INVALID_CHAIN_ID', `${what} is not a chain id (32 bytes of hex): ${JSON.stringify(id)}`, { value: id }, undefined, 'see `plasma-tree status` or devnet.json for the chain ids');
  }
  return id.toLowerCase() as ChainId;
}

function checkAmount(amount: bigint): bigint {
  if (typeof amount !== 'bigint') {
    throw plasmaError('INVALID_AMOUNT', `amounts are bigint in base units, got ${typeof amount}`, {}, undefined, 'use parseEther("1.5") / parseUnits(x, decimals) from ethers');
  }
  if (amount <= 0n) throw plasmaError('INVALID_AMOUNT', `the amount must be positive, got ${amount}`, { amount: amount.toString() }, undefined, 'pass an amount > 0');
  return amount;
}

/** A withdrawal's status in the terms of any exit-tree leaf ('finalizable' is 'ready', 'finalized' 'delivered'). */
function toLeafStatus(w: WithdrawalStatus): EdgeUpStatus {
  const { l1Time: _, state, ...rest } = w;
  return { ...rest, exitIndex: null, state: state === 'finalizable' ? 'ready' : state === 'finalized' ? 'delivered' : state };
}

/** A storage key: 0x-hex (or bytes). */
function checkKey(key: unknown, what = 'key'): Hex {
  const k = key instanceof Uint8Array ? bytesToHex(key) : key;
  if (!isHex(k)) {
    throw plasmaError('INVALID_KEY', `the storage ${what} must be 0x-hex bytes, got ${JSON.stringify(key)?.slice(0, 40) ?? String(key)}`, { key: String(key) }, undefined,
      'pass the key the function uses with ctx.storage, 0x-hex (e.g. ethers\' hexlify(toUtf8Bytes(name)))');
  }
  return k.toLowerCase() as Hex;
}

/** Resolves after `ms`, or rejects with PlasmaError ABORTED when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(aborted(signal));
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(aborted(signal!));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function aborted(signal: AbortSignal): PlasmaError {
  return plasmaError('ABORTED', 'the wait was aborted', { reason: String(signal.reason ?? '') }, signal.reason, 'nothing was lost: run the command again to go on waiting');
}

/**
 * The client a token holder uses: deposits on L1, transfers and withdrawals on the child chain (signed as
 * EIP-712 typed data by any ethers signer, so wallets can sign them), waiting for a challenge window, and
 * finalizing withdrawals on L1. Every failure is a `PlasmaError` with a code and a hint.
 */
export class PlasmaClient {
  readonly node: NodeClient;
  readonly chainId: ChainId;
  readonly rootContract: Address;
  readonly signer: Signer | null;
  readonly provider: Provider;
  readonly pollMs: number;
  /** Finds the parent chain's node (option `parentNode`); null without the option. */
  private readonly parentNodeFor: ((parentChainId: ChainId) => NodeClient | string | undefined) | null;
  private readonly fixedAccount: Address | null;
  private l1ChainIdP?: Promise<bigint>;
  private checkedNode?: Promise<ChainInfo>;
  private parentIdP?: Promise<ChainId>;
  private parentClient?: PlasmaClient;
  private tokenCache = new Map<string, Promise<TokenInfo>>();

  constructor(opts: PlasmaClientOptions) {
    if (!opts.node && !opts.nodeUrl) throw plasmaError('INVALID_OPTIONS', 'PlasmaClient needs `nodeUrl` (or `node`)', {}, undefined, 'pass the JSON-RPC URL of a node of the chain');
    this.node = opts.node ?? new NodeClient(opts.nodeUrl!);
    this.rootContract = checkAddress(opts.rootContract, 'rootContract');
    if (!/^0x[0-9a-fA-F]{64}$/.test(opts.chainId)) {
      throw plasmaError('INVALID_CHAIN_ID', `a chain id is 32 bytes of hex, got ${JSON.stringify(opts.chainId)}`, { chainId: opts.chainId }, undefined, 'see `plasma-tree status` or devnet.json for the chain ids');
    }
    this.chainId = opts.chainId.toLowerCase() as ChainId;
    const l1 = opts.l1 as any;
    const isSigner = typeof l1?.signTypedData === 'function' && typeof l1?.getAddress === 'function';
    this.signer = isSigner ? (l1 as Signer) : null;
    const provider = isSigner ? (l1 as Signer).provider : (l1 as Provider);
    if (!provider) throw plasmaError('INVALID_OPTIONS', 'the L1 signer is not connected to a provider', {}, undefined, 'use `wallet.connect(new JsonRpcProvider(url))`');
    this.provider = provider;
    this.fixedAccount = opts.account ? checkAddress(opts.account, 'account') : null;
    this.pollMs = opts.pollMs ?? 1000;
    const pn = opts.parentNode;
    this.parentNodeFor = pn === undefined ? null : typeof pn === 'function' ? pn : () => pn;
  }

  // ---------------------------------------------------------------- the parent

  /** The parent chain's id (ROOT_CHAIN_ID when the parent is L1), from the node's `pt_chainInfo`, read once. */
  async parentChainId(): Promise<ChainId> {
    this.parentIdP ??= this.node.chainInfo().then(
      (info) => (info.parentChainId ?? ROOT_CHAIN_ID).toLowerCase() as ChainId,
      (e) => {
        this.parentIdP = undefined;
        throw e;
      },
    );
    return this.parentIdP;
  }

  /**
   * A client of the parent chain (same signer and options), or null when the parent is L1. A chain whose parent
   * is a chain needs the `parentNode` option: PARENT_NODE_REQUIRED otherwise.
   */
  async parent(): Promise<PlasmaClient | null> {
    if (this.parentClient) return this.parentClient;
    const id = await this.parentChainId();
    if (id === ROOT_CHAIN_ID) return null;
    const found = this.parentNodeFor?.(id);
    if (!found) {
      throw plasmaError('PARENT_NODE_REQUIRED', `the parent of chain ${this.chainId} is chain ${id}, not L1: its deposits and withdrawals go through a node of the parent chain`,
        { chainId: this.chainId, parentChainId: id }, undefined,
        'pass `parentNode` (a node URL of the parent chain), or use TreeClient, which knows every chain\'s node (CLI: run it on a devnet, or pass --nodes)');
    }
    this.parentClient = new PlasmaClient({
      l1: this.signer ?? this.provider,
      rootContract: this.rootContract,
      chainId: id,
      node: typeof found === 'string' ? new NodeClient(found) : found,
      ...(this.fixedAccount ? { account: this.fixedAccount } : {}),
      pollMs: this.pollMs,
    });
    return this.parentClient;
  }

  /**
   * This chain's clock as a parent of its own children: the time (s) a transaction sent to it now executes at,
   * i.e. its next block's timestamp, which is the wall clock but never before the head's (docs/SPEC.md "Block
   * header"). Challenge windows of its children are measured by it. Assumes a clock in sync with the node's.
   */
  async chainTime(): Promise<number> {
    const head = await this.node.time();
    return Math.max(head, Math.floor(Date.now() / 1000));
  }

  // ---------------------------------------------------------------- basics

  /** The account this client acts for (lowercase). */
  async address(): Promise<Address> {
    if (this.signer) return lower(await this.signer.getAddress());
    if (this.fixedAccount) return this.fixedAccount;
    throw plasmaError('NO_ACCOUNT', 'this client has no signer and no account', {}, undefined, 'pass an ethers Signer as `l1`, or `account` for a read-only client');
  }

  private requireSigner(action: string): Signer {
    if (!this.signer) throw plasmaError('NO_SIGNER', `${action} needs a signer, this client is read-only`, {}, undefined, 'create the client with an ethers Signer as `l1` (CLI: --account <name> or PLASMA_TREE_PRIVATE_KEY)');
    return this.signer;
  }

  async l1ChainId(): Promise<bigint> {
    this.l1ChainIdP ??= this.provider.getNetwork().then((n) => n.chainId).catch((e) => {
      this.l1ChainIdP = undefined;
      throw mapL1Error(e, 'reading the L1 chain id');
    });
    return this.l1ChainIdP;
  }

  /** `pt_chainInfo` of the node. */
  chainInfo(): Promise<ChainInfo> {
    return this.node.chainInfo();
  }

  /**
   * Checks once that the node serves this chain under this root contract on this L1; a mismatch would make
   * every signature worthless, so it is an error (WRONG_NODE) before anything is signed.
   */
  async checkNode(): Promise<ChainInfo> {
    this.checkedNode ??= (async () => {
      const [info, l1ChainId] = await Promise.all([this.node.chainInfo(), this.l1ChainId()]);
      const problems: string[] = [];
      if (info.chainId.toLowerCase() !== this.chainId) problems.push(`it serves chain ${info.chainId}, not ${this.chainId}`);
      if (info.rootContract && info.rootContract.toLowerCase() !== this.rootContract) problems.push(`its root contract is ${info.rootContract}, not ${this.rootContract}`);
      if (info.l1ChainId && BigInt(info.l1ChainId) !== l1ChainId) problems.push(`it follows L1 chain ${info.l1ChainId}, the L1 provider is on ${l1ChainId}`);
      if (problems.length) {
        throw plasmaError('WRONG_NODE', `the node at ${this.node.url} does not match this client: ${problems.join('; ')}`, { nodeUrl: this.node.url, ...info } as any, undefined,
          'point --node / nodeUrl at a node of this chain, or fix --chain / --root / --l1');
      }
      return info;
    })().catch((e) => {
      this.checkedNode = undefined;
      throw e;
    });
    return this.checkedNode;
  }

  /** Symbol and decimals of a token (`address(0)` is ETH). */
  async tokenInfo(token: string): Promise<TokenInfo> {
    const address = checkAddress(token, 'token');
    let p = this.tokenCache.get(address);
    if (!p) {
      p = readTokenInfo(this.provider, address);
      this.tokenCache.set(address, p);
    }
    return p;
  }

  /** This chain as the root contract sees it: validators, threshold, window, committed head, deposit count. */
  async parentChainState(): Promise<ParentChainState> {
    const root = plasmaRoot(this.rootContract, this.provider);
    try {
      const [i, validators] = await Promise.all([root.chainInfo(this.chainId), root.validators(this.chainId)]);
      return {
        index: Number(i.index),
        spawner: lower(i.spawner),
        bond: BigInt(i.bond),
        threshold: Number(i.threshold),
        challengeWindow: Number(i.challengeWindow),
        validators: (validators as string[]).map(lower),
        headNumber: Number(i.headNumber),
        headWindowEnd: Number(i.headWindowEnd),
        headDepositNonce: Number(i.headDepositNonce),
        depositCount: Number(i.depositCount),
      };
    } catch (e) {
      throw mapL1Error(e, 'reading the chain from the root contract');
    }
  }

  /** Commitments of this chain on L1, newest last (`Committed` events of the last `lookbackBlocks` L1 blocks). */
  async commitments(opts: { lookbackBlocks?: number } = {}): Promise<Commitment[]> {
    const root = plasmaRoot(this.rootContract, this.provider);
    try {
      const latest = await this.provider.getBlockNumber();
      const fromBlock = Math.max(0, latest - (opts.lookbackBlocks ?? 10_000));
      const logs = await root.queryFilter(root.filters.Committed(this.chainId), fromBlock, latest);
      return logs.map((log) => {
        const args = (log as any).args;
        return {
          number: Number(args.number),
          blockHash: args.blockHash as Hex,
          windowEnd: Number(args.windowEnd),
          l1BlockNumber: log.blockNumber,
          l1TxHash: log.transactionHash as Hex,
        };
      });
    } catch (e) {
      throw mapL1Error(e, 'reading commitments from L1');
    }
  }

  /** Committed blocks whose challenge window is still open, with the seconds left by L1 time. */
  async openWindows(opts: { lookbackBlocks?: number } = {}): Promise<Array<Commitment & { secondsLeft: number }>> {
    const [all, now] = await Promise.all([this.commitments(opts), this.l1Time()]);
    return all.filter((c) => c.windowEnd > now).map((c) => ({ ...c, secondsLeft: c.windowEnd - now }));
  }

  // ---------------------------------------------------------------- balances

  /** Balance on the child chain (head state of the node). */
  async balance(token: string = NATIVE_TOKEN, owner?: string): Promise<bigint> {
    const who = owner ? checkAddress(owner, 'owner') : await this.address();
    return this.node.getBalance(who, checkAddress(token, 'token'));
  }

  /** The child-chain account of (owner, token): slot, balance, nonce, pending nonce. */
  async account(token: string = NATIVE_TOKEN, owner?: string): Promise<AccountInfo> {
    const who = owner ? checkAddress(owner, 'owner') : await this.address();
    return this.node.getAccount(who, checkAddress(token, 'token'));
  }

  /** Balance on L1 (ETH or an ERC-20). */
  async l1Balance(token: string = NATIVE_TOKEN, owner?: string): Promise<bigint> {
    const who = owner ? checkAddress(owner, 'owner') : await this.address();
    const t = checkAddress(token, 'token');
    try {
      if (t === NATIVE_TOKEN) return await this.provider.getBalance(who);
      return BigInt(await erc20(t, this.provider).balanceOf(who));
    } catch (e) {
      throw mapL1Error(e, 'reading the L1 balance');
    }
  }

  /** What the root contract holds for this chain's whole subtree in `token` (the cap on all its exits). */
  async subtreeBalance(token: string = NATIVE_TOKEN): Promise<bigint> {
    try {
      return BigInt(await plasmaRoot(this.rootContract, this.provider).subtreeBalance(this.chainId, checkAddress(token, 'token')));
    } catch (e) {
      throw mapL1Error(e, 'reading the subtree balance');
    }
  }

  // ---------------------------------------------------------------- deposits (parent → this chain)

  /** Deposits ETH from the signer's L1 account to `to` (default: itself) on this chain, a child of the root. */
  async depositETH(amount: bigint, opts: DepositOptions = {}): Promise<L1DepositResult> {
    const signer = this.requireSigner('depositETH');
    checkAmount(amount);
    const from = await this.address();
    const to = opts.to ? checkAddress(opts.to, 'to') : from;
    const root = plasmaRoot(this.rootContract, signer);
    const overrides = { value: amount, ...(opts.nonce !== undefined ? { nonce: opts.nonce } : {}) };
    const tx = await this.send(() => root.depositETH(this.chainId, to, overrides), 'depositETH');
    await opts.onSent?.({ txHash: tx.hash as Hex, nonce: tx.nonce });
    return this.depositResult(tx, { from, to, token: NATIVE_TOKEN, amount });
  }

  /**
   * Deposits an ERC-20 on L1; sends an `approve` first when the allowance is too low (with `opts.nonce`, call
   * `ensureAllowance` first: the pinned nonce is the deposit's).
   */
  async depositERC20(token: string, amount: bigint, opts: DepositOptions = {}): Promise<L1DepositResult> {
    const signer = this.requireSigner('depositERC20');
    checkAmount(amount);
    const t = checkAddress(token, 'token');
    if (t === NATIVE_TOKEN) return this.depositETH(amount, opts);
    const from = await this.address();
    const to = opts.to ? checkAddress(opts.to, 'to') : from;
    let approveTxHash: Hex | undefined;
    if ((await this.allowance(t)) < amount) {
      if (opts.nonce !== undefined) {
        throw plasmaError('ALLOWANCE_TOO_LOW', `the root contract may not spend ${amount} of ${t} yet, and the deposit's L1 nonce is pinned`, { token: t, amount: amount.toString() }, undefined,
          'call ensureAllowance(token, amount) before a deposit with a pinned nonce');
      }
      const approve = await this.send(() => erc20(t, signer).approve(this.rootContract, amount), 'approve');
      approveTxHash = approve.hash as Hex;
    }
    const root = plasmaRoot(this.rootContract, signer);
    const overrides = opts.nonce !== undefined ? { nonce: opts.nonce } : {};
    const tx = await this.send(() => root.depositERC20(this.chainId, t, to, amount, overrides), 'depositERC20');
    await opts.onSent?.({ txHash: tx.hash as Hex, nonce: tx.nonce });
    return { ...(await this.depositResult(tx, { from, to, token: t, amount })), ...(approveTxHash ? { approveTxHash } : {}) };
  }

  /** What the root contract may spend of the signer's `token` on L1. */
  async allowance(token: string): Promise<bigint> {
    const t = checkAddress(token, 'token');
    if (t === NATIVE_TOKEN) return 2n ** 256n - 1n;
    const from = await this.address();
    try {
      return BigInt(await erc20(t, this.provider).allowance(from, this.rootContract));
    } catch (e) {
      throw mapL1Error(e, `reading the allowance of ${t}`);
    }
  }

  /** Approves the root contract for `amount` of `token` on L1 when its allowance is lower; waits until mined. */
  async ensureAllowance(token: string, amount: bigint): Promise<Hex | undefined> {
    const signer = this.requireSigner('approve');
    const t = checkAddress(token, 'token');
    if (t === NATIVE_TOKEN || (await this.allowance(t)) >= amount) return undefined;
    const tx = await this.send(() => erc20(t, signer).approve(this.rootContract, amount), 'approve');
    await this.waitL1(tx, 'approve');
    return tx.hash as Hex;
  }

  /**
   * Deposit of `token` (`address(0)` = ETH) into this chain from its parent: on L1 through the root contract
   * (depositETH / depositERC20), or, with `parentNode` and a parent that is a chain, as a DEPOSIT_TO_CHILD signed
   * on the parent chain (the signer's balance there pays; waits until a block holds it, to learn its nonce).
   */
  async deposit(token: string, amount: bigint, opts: DepositOptions = {}): Promise<DepositResult> {
    const t = checkAddress(token, 'token');
    const parent = this.parentNodeFor ? await this.parent() : null;
    if (!parent) return t === NATIVE_TOKEN ? this.depositETH(amount, opts) : this.depositERC20(t, amount, opts);
    const sent = await parent.depositToChild({ child: this.chainId, to: opts.to, token: t, amount });
    await opts.onSent?.({ txHash: sent.hash });
    const receipt = await parent.waitForReceipt(sent.hash, 'included');
    const record = await parent.findChildDeposit(this.chainId, { blockNumber: receipt.blockNumber!, index: receipt.index! });
    return {
      on: 'chain', txHash: sent.hash, blockNumber: receipt.blockNumber!, chainId: this.chainId, parentChainId: parent.chainId,
      nonce: record.nonce, from: sent.from, to: sent.to, token: t, amount,
    };
  }

  /**
   * Waits until this chain has applied the deposit (its head's deposit nonce reached the deposit's).
   * Returns the chain info at that point.
   */
  async waitForDeposit(deposit: DepositResult | bigint, opts: WaitOptions & { onProgress?: (info: { depositNonce: number; target: bigint; elapsedMs: number }) => void } = {}): Promise<ChainInfo> {
    const target = typeof deposit === 'bigint' ? deposit : deposit.nonce;
    const start = Date.now();
    const timeoutMs = opts.timeoutMs ?? 120_000;
    for (;;) {
      const info = await this.node.chainInfo();
      opts.onProgress?.({ depositNonce: info.depositNonce, target, elapsedMs: Date.now() - start });
      if (BigInt(info.depositNonce) >= target) return info;
      if (Date.now() - start > timeoutMs) {
        throw plasmaError('TIMEOUT', `the child chain has not applied deposit #${target} after ${Math.round(timeoutMs / 1000)} s (it is at #${info.depositNonce})`, { depositNonce: info.depositNonce, target: target.toString() }, undefined,
          'the node applies a deposit once the parent\'s block holding it is final for it (L1 confirmations, or the parent chain\'s commitment); is the node following its parent (see its log)?');
      }
      await sleep(opts.pollMs ?? Math.min(this.pollMs, 500), opts.signal);
    }
  }

  /**
   * Finds this chain's L1 deposit into it sent by `from` with L1 account nonce `l1Nonce` (Deposited events from
   * L1 block `fromBlock` on); undefined when there is none. Lets a resumable flow learn whether a deposit it may
   * have sent before a crash did happen.
   */
  async findL1Deposit(q: { from: string; l1Nonce: number; fromBlock: number }): Promise<L1DepositResult | undefined> {
    const from = checkAddress(q.from, 'from');
    const root = plasmaRoot(this.rootContract, this.provider);
    let logs;
    try {
      logs = await root.queryFilter(root.filters.Deposited(this.chainId), q.fromBlock, 'latest');
    } catch (e) {
      throw mapL1Error(e, 'reading deposits from L1');
    }
    for (const log of logs) {
      const args = (log as any).args;
      if (String(args.from).toLowerCase() !== from) continue;
      let tx: TransactionResponse | null;
      try {
        tx = await this.provider.getTransaction(log.transactionHash);
      } catch (e) {
        throw mapL1Error(e, 'reading an L1 deposit transaction');
      }
      if (!tx || tx.nonce !== q.l1Nonce) continue;
      return {
        on: 'l1', txHash: log.transactionHash as Hex, blockNumber: log.blockNumber, l1TxHash: log.transactionHash as Hex, l1BlockNumber: log.blockNumber,
        chainId: this.chainId, parentChainId: ROOT_CHAIN_ID, nonce: BigInt(args.nonce),
        from, to: lower(args.to), token: lower(args.token), amount: BigInt(args.amount),
      };
    }
    return undefined;
  }

  // ---------------------------------------------------------------- child-chain transactions

  /** Signs (EIP-712, with the ethers signer) and submits a transfer on this chain. */
  async transfer(args: { to: string; token?: string; amount: bigint }): Promise<TxResult> {
    return this.sendPrepared(await this.prepareTx({ kind: 'transfer', ...args }));
  }

  /** Signs and submits a withdrawal: burns on this chain, creates an exit paid on the parent to `to` (default: itself). */
  async withdraw(args: { token?: string; amount: bigint; to?: string }): Promise<TxResult> {
    return this.sendPrepared(await this.prepareTx({ kind: 'withdraw', ...args }));
  }

  /**
   * Signs and submits a DEPOSIT_TO_CHILD on this chain: moves tokens from the signer's balance here into child
   * chain `child` for `to` (default: the signer). The child credits it once this chain's block holding it is final
   * for the child's node. `TreeClient.deposit` / the child's `PlasmaClient.deposit` also wait for the nonce.
   */
  async depositToChild(args: { child: string; to?: string; token?: string; amount: bigint }): Promise<TxResult> {
    return this.sendPrepared(await this.prepareTx({ kind: 'depositToChild', ...args }));
  }

  /** Signs a transaction without sending it (EIP-712 typed data, `signer.signTypedData`). */
  async signTx(tx: UnsignedTx): Promise<UserSignedTx> {
    const signer = this.requireSigner('signing');
    const { domain, types, message } = typedDataFor(await this.l1ChainId(), this.rootContract, tx);
    let sig: string;
    try {
      sig = await signer.signTypedData(domain, types, message);
    } catch (e) {
      throw mapL1Error(e, 'signing the transaction');
    }
    // Canonical 65-byte r ‖ s ‖ v with v ∈ {27, 28} and low s, whatever the wallet returned.
    return { ...tx, signature: Signature.from(sig).serialized as Hex };
  }

  /**
   * Checks and signs a transaction on this chain without sending it: the sender's slot and pending nonce come from
   * the node, the balance is checked first (UNKNOWN_ACCOUNT, INSUFFICIENT_BALANCE). Send it with `sendPrepared`.
   */
  async prepareTx(req: TxRequest): Promise<PreparedTx> {
    this.requireSigner(req.kind);
    const from = await this.address();
    let unsigned: UnsignedTx;
    if (req.kind === 'spawnChild') {
      if (!Array.isArray(req.validators) || req.validators.length === 0) throw plasmaError('EMPTY_VALIDATOR_SET', 'a child chain needs at least one validator', {});
      const validators = req.validators.map((v, i) => checkAddress(v, `validator ${i + 1}`));
      checkAmount(req.bond);
      const account = await this.spendable(from, NATIVE_TOKEN, req.bond);
      if (req.stallLimit !== undefined && (!Number.isSafeInteger(req.stallLimit) || req.stallLimit < 0)) {
        throw plasmaError('BAD_STALL_LIMIT', `a stall limit of ${req.stallLimit} is not a whole number of seconds`, { stallLimit: req.stallLimit }, undefined,
          'pass seconds between the challenge window and 30 days, or leave it out for the default (7 days, or the window when longer)');
      }
      unsigned = {
        kind: TxKind.SpawnChild, chainId: this.chainId, slot: account.slot!, validators, threshold: req.threshold,
        challengeWindow: BigInt(req.challengeWindow), ...(req.stallLimit ? { stallLimit: BigInt(req.stallLimit) } : {}), bond: req.bond, nonce: account.pendingNonce,
      };
    } else {
      checkAmount(req.amount);
      const token = checkAddress(req.token ?? NATIVE_TOKEN, 'token');
      const to = req.to ? checkAddress(req.to, 'to') : from;
      if (req.kind === 'transfer' && to === from) throw plasmaError('SELF_TRANSFER', 'a transfer to yourself changes nothing', { to }, undefined, 'pass another recipient with --to');
      const account = await this.spendable(from, token, req.amount);
      const common = { chainId: this.chainId, slot: account.slot!, to, token, amount: req.amount, nonce: account.pendingNonce };
      if (req.kind === 'depositToChild') {
        const child = checkChainId(req.child, 'child');
        unsigned = { kind: TxKind.DepositToChild, child, ...common };
      } else {
        unsigned = { kind: req.kind === 'transfer' ? TxKind.Transfer : TxKind.Withdraw, ...common };
      }
    }
    const tx = await this.signTx(unsigned);
    return { hash: txHashOf(await this.l1ChainId(), this.rootContract, unsigned), tx, from };
  }

  /** The sender's account of `token`, checked to hold at least `amount` (after what its waiting transactions spend). */
  private async spendable(from: Address, token: Address, amount: bigint): Promise<AccountInfo> {
    const [, account] = await Promise.all([this.checkNode(), this.node.getAccount(from, token)]);
    const { symbol } = await this.tokenInfo(token).catch(() => ({ symbol: token }));
    if (account.slot === null) {
      throw plasmaError('UNKNOWN_ACCOUNT', `${from} holds no ${symbol} on chain ${this.chainId}`, { owner: from, token }, undefined,
        'deposit first (`plasma-tree deposit`), or wait until the node applied your deposit');
    }
    if (account.balance < amount) {
      throw plasmaError('INSUFFICIENT_BALANCE', `balance ${account.balance} ${symbol} on chain ${this.chainId} is less than the amount ${amount}`, { balance: account.balance.toString(), amount: amount.toString(), token, chainId: this.chainId }, undefined,
        'check with `plasma-tree balance`, or deposit more into that chain with `plasma-tree deposit` (or bring it there with `plasma-tree send`)');
    }
    return account;
  }

  /**
   * Sends a prepared transaction. Sending the same one again is harmless: while it waits the node answers TX_KNOWN
   * (taken as success); once a block holds it, NONCE_MISMATCH (look its receipt up by `prepared.hash`).
   */
  async sendPrepared(prepared: PreparedTx): Promise<TxResult> {
    const { tx } = prepared;
    if (tx.kind === TxKind.SpawnChild) throw plasmaError('INVALID_OPTIONS', 'send a SPAWN_CHILD with spawnChild()', {}, undefined, 'use spawnChild({ validators, threshold, challengeWindow, bond })');
    if (tx.kind === TxKind.EdgeSend) throw plasmaError('INVALID_OPTIONS', 'sendPrepared does not send edge calls (EDGE_SEND)', {}, undefined, 'submit a signed EDGE_SEND with the node client (sendTransaction)');
    if (tx.kind === TxKind.ChallengeChildData) throw plasmaError('INVALID_OPTIONS', 'sendPrepared does not send data challenges (CHALLENGE_CHILD_DATA)', {}, undefined, 'use ChainDataChallengeClient.challenge');
    await this.submit(prepared);
    return {
      hash: prepared.hash,
      kind: tx.kind === TxKind.Transfer ? 'transfer' : tx.kind === TxKind.Withdraw ? 'withdraw' : 'depositToChild',
      ...(tx.kind === TxKind.DepositToChild ? { child: tx.child } : {}),
      chainId: this.chainId, from: prepared.from, slot: tx.slot, to: tx.to, token: tx.token, amount: tx.amount, nonce: tx.nonce, signature: tx.signature,
    };
  }

  private async submit(prepared: { hash: Hex; tx: UserSignedTx | FinalizeChildExitTx | EdgeFromChildTx }): Promise<void> {
    try {
      const { hash } = await this.node.sendTransaction(prepared.tx);
      if (hash.toLowerCase() !== prepared.hash.toLowerCase()) {
        throw plasmaError('BAD_RESPONSE', `the node filed the transaction as ${hash}, expected ${prepared.hash}`, { hash, expected: prepared.hash }, undefined,
          'is the node on the same L1 and root contract as this client (`checkNode`)?');
      }
    } catch (e) {
      if (e instanceof PlasmaError && e.code === 'TX_KNOWN') return;
      throw e;
    }
  }

  /**
   * Spawns a child chain of this chain (SPAWN_CHILD, docs/TREE.md §3): the bond comes from the signer's ETH here
   * and stays in this chain's ledger. Waits until a block holds it and returns the new chain's id
   * (`keccak256(abi.encode(thisChain, index))`). A validator node must then run for the child.
   */
  async spawnChild(args: SpawnChildArgs, opts: WaitOptions = {}): Promise<SpawnChildResult> {
    const before = new Set(await this.node.getChildren());
    const prepared = await this.prepareTx({ kind: 'spawnChild', ...args });
    await this.submit(prepared);
    const receipt = await this.waitForReceipt(prepared.hash, 'included', opts);
    const tx = prepared.tx as Extract<UserSignedTx, { kind: TxKind.SpawnChild }>;
    const want = [...tx.validators].sort().join(',');
    const children = await this.node.getChildren();
    for (const [index, chainId] of children.entries()) {
      if (before.has(chainId)) continue;
      const info = await this.node.getChildInfo(chainId);
      if (!info || info.spawner !== prepared.from || [...info.validators].sort().join(',') !== want || info.threshold !== tx.threshold || info.challengeWindow !== args.challengeWindow) continue;
      if (args.stallLimit && info.stallLimit !== null && info.stallLimit !== args.stallLimit) continue;
      return {
        chainId, parentChainId: this.chainId, index, txHash: prepared.hash, blockNumber: receipt.blockNumber!,
        validators: info.validators, threshold: info.threshold, challengeWindow: info.challengeWindow, stallLimit: info.stallLimit, bond: info.bond,
      };
    }
    // The index is the child count before the block; a chain id is a function of it (docs/SPEC.md "Identifiers").
    throw plasmaError('BAD_RESPONSE', `SPAWN_CHILD ${prepared.hash} is in block ${receipt.blockNumber}, but the node lists no new child that matches it`, { txHash: prepared.hash, children }, undefined,
      `check pt_getChildren on ${this.node.url}; chain ids are chainIdOf(${this.chainId}, index)`);
  }

  /** The id of this chain's `index`-th child (0-based): `keccak256(abi.encode(chainId, index))`. */
  childId(index: number): ChainId {
    return chainIdOf(this.chainId, index);
  }

  /**
   * The FINALIZE_CHILD_EXIT that pays the exit of `proof` (an exit of a child of this chain) here, with the hash
   * the node will file it under. Nobody signs it: the proof is the authority, anyone may send it.
   */
  prepareFinalizeChildExit(proof: WithdrawalProof): PreparedFinalize {
    const tx: FinalizeChildExitTx = {
      kind: TxKind.FinalizeChildExit,
      chainId: this.chainId,
      child: proof.chainId.toLowerCase() as ChainId,
      header: proof.header,
      windowEnd: BigInt(proof.windowEnd),
      exit: proof.exit,
      index: BigInt(proof.index),
      proof: proof.proof,
    };
    return { hash: finalizeChildExitHash(tx), tx };
  }

  /** Sends a prepared FINALIZE_CHILD_EXIT (again: TX_KNOWN is success; a spent exit is ALREADY_WITHDRAWN). */
  async sendFinalizeChildExit(prepared: PreparedFinalize): Promise<Hex> {
    await this.submit(prepared);
    return prepared.hash;
  }

  /** Whether exit `index` of block `number` of child `child` was already paid here (its spent-exit ledger entry). */
  async isExitSpent(child: ChainId, number: number | bigint, index: number): Promise<boolean> {
    const proof = await this.node.getLedgerProof(ledgerKeys.spentExit(child, BigInt(number), index));
    return proof.entry !== null;
  }

  /**
   * The DEPOSIT_TO_CHILD into `child` that block `at.blockNumber` of this chain holds at position `at.index` (a
   * receipt's place), from the ledger's deposit index: it gives the deposit's nonce on the child.
   */
  async findChildDeposit(child: ChainId, at: { blockNumber: number; index: number }): Promise<ChildDepositRecord> {
    const info = await this.node.getChildInfo(child);
    if (!info) throw plasmaError('UNKNOWN_CHAIN', `chain ${this.chainId} hosts no child ${child}`, { chainId: child, hostId: this.chainId });
    for (let hi = info.depositCount; hi >= 1;) {
      const lo = Math.max(1, hi - 999);
      const records = await this.node.getChildDeposits(child, lo, hi);
      const hit = records.find((r) => r.blockNumber === at.blockNumber && r.index === at.index);
      if (hit) return hit;
      if (records.length > 0 && records[0].blockNumber < at.blockNumber) break;
      hi = lo - 1;
    }
    throw plasmaError('DEPOSIT_NOT_FOUND', `block ${at.blockNumber} of chain ${this.chainId} holds no deposit into ${child} at position ${at.index}`, { child, ...at }, undefined,
      'is the transaction a DEPOSIT_TO_CHILD into this child? check its receipt');
  }

  /** Receipt of a child-chain transaction, or null when the node does not know it. */
  getReceipt(txHash: Hex): Promise<Receipt | null> {
    return this.node.getReceipt(txHash);
  }

  /** Waits until the transaction reached `status` ('included' by default, or 'committed' on L1). */
  async waitForReceipt(txHash: Hex, status: ReceiptStatus = 'included', opts: WaitOptions & { onProgress?: (r: Receipt | null) => void } = {}): Promise<Receipt> {
    const start = Date.now();
    const timeoutMs = opts.timeoutMs ?? 120_000;
    for (;;) {
      const r = await this.node.getReceipt(txHash);
      opts.onProgress?.(r);
      if (r?.status === 'rejected') throw rejected(r);
      if (r && STATUS_RANK[r.status] >= STATUS_RANK[status]) return r;
      if (Date.now() - start > timeoutMs) {
        throw plasmaError('TIMEOUT', `transaction ${txHash} is ${r ? r.status : 'unknown to the node'} after ${Math.round(timeoutMs / 1000)} s, not ${status}`, { txHash, status: r?.status ?? null }, undefined,
          r ? 'check the node: is it producing and committing blocks?' : 'the node dropped it or never saw it: check the hash, or send it again');
      }
      await sleep(opts.pollMs ?? Math.min(this.pollMs, 250), opts.signal);
    }
  }

  // ---------------------------------------------------------------- withdrawals (this chain → its parent)

  /**
   * The current L1 time in seconds: the timestamp of the pending block where the node offers one (that is the
   * time a transaction sent now executes at, and it moves on even when no block is mined), else the latest.
   */
  async l1Time(): Promise<number> {
    return readL1Time(this.provider);
  }

  /**
   * Where a withdrawal stands: pending → included → committed → challenge-window → finalizable → finalized,
   * measured on the parent: L1 time and `PlasmaRoot.isWithdrawn` for a child of the root; the parent chain's clock
   * (`chainTime`) and its spent-exit ledger entry for a chain whose parent is a chain (`parentNode`).
   */
  async withdrawalStatus(txHash: Hex): Promise<WithdrawalStatus> {
    const s = await this.exitLeafStatus(txHash, 'withdrawal');
    const { exitIndex: _, ...rest } = s;
    const state = s.state === 'ready' ? 'finalizable' : s.state === 'delivered' ? 'finalized' : s.state;
    return { ...rest, state, ...(s.parentChainId === ROOT_CHAIN_ID ? { l1Time: s.parentTime } : {}) };
  }

  /**
   * Where a leaf of this chain's exit tree stands on the parent (a withdrawal's exit or an up edge event; both
   * share the spent set): pending → included → committed → challenge-window → ready → delivered (paid / relayed).
   */
  private async exitLeafStatus(txHash: Hex, what: 'withdrawal' | 'edge'): Promise<EdgeUpStatus> {
    const receipt = await this.node.getReceipt(txHash);
    if (!receipt) {
      throw plasmaError('UNKNOWN_TX', `the node at ${this.node.url} does not know transaction ${txHash}`, { txHash }, undefined,
        what === 'withdrawal'
          ? 'check the hash (it is printed by `plasma-tree withdraw`), and that --node points at a node of the right chain'
          : 'check the hash (callEdge / `plasma-tree message send` print it), and that it is a transaction of this chain');
    }
    if (receipt.status === 'rejected') throw rejected(receipt);
    let exitIndex = receipt.exitIndex;
    if (receipt.status !== 'pending' && exitIndex === null) {
      // A node may leave exitIndex out for edge events: the exit proof has it once the block is committed.
      if (what === 'edge' && receipt.status === 'committed') exitIndex = (await this.getExitProof(txHash)).index;
      else if (what === 'withdrawal') throw plasmaError('NOT_A_WITHDRAWAL', `transaction ${txHash} is not a withdrawal (it has no exit)`, { txHash });
    }
    const parent = await this.parent();
    const parentChainId = parent?.chainId ?? ROOT_CHAIN_ID;
    // A parent chain is asked for the commitment itself (pt_getCommitment): its windowEnd, by its own clock.
    let windowEnd = receipt.windowEnd;
    if (parent && receipt.status === 'committed') windowEnd = (await parent.node.getCommitment(this.chainId, receipt.blockNumber!))?.windowEnd ?? null;
    const base = { txHash, blockNumber: receipt.blockNumber, exitIndex, windowEnd, parentChainId };
    const parentTime = parent ? await parent.chainTime() : await this.l1Time();
    if (receipt.status === 'pending' || receipt.status === 'included') return { ...base, state: receipt.status, secondsLeft: null, parentTime };
    if (windowEnd === null || exitIndex === null) return { ...base, state: 'committed', secondsLeft: null, parentTime };
    if (parentTime < windowEnd) return { ...base, state: 'challenge-window', secondsLeft: windowEnd - parentTime, parentTime };
    // The window has ended by the parent's clock: has the leaf been consumed already?
    const spent = await this.isWithdrawn(parent, receipt.blockNumber!, exitIndex);
    return { ...base, state: spent ? 'delivered' : 'ready', secondsLeft: 0, parentTime };
  }

  /** Whether exit `index` of this chain's block `number` was paid on the parent (`parent` null: L1). */
  private async isWithdrawn(parent: PlasmaClient | null, number: number, index: number): Promise<boolean> {
    if (parent) return parent.isExitSpent(this.chainId, number, index);
    try {
      return await plasmaRoot(this.rootContract, this.provider).isWithdrawn(this.chainId, number, index);
    } catch (e) {
      throw mapL1Error(e, 'reading the withdrawal state on L1');
    }
  }

  /**
   * Waits until the withdrawal can be finalized (or already was), reporting each poll to `onProgress`
   * (state, seconds left by the parent's clock). Abort with `signal`.
   */
  async waitForWindow(
    txHash: Hex,
    opts: WaitOptions & { onProgress?: (s: WithdrawalStatus) => void; onRetry?: (e: PlasmaError, attempt: number) => void } = {},
  ): Promise<WithdrawalStatus> {
    let last: WithdrawalStatus | undefined;
    const read = async () => toLeafStatus((last = await this.withdrawalStatus(txHash)));
    await this.pollExitLeaf(txHash, 'withdrawal', { ...opts, onProgress: () => opts.onProgress?.(last!) }, read);
    return last!;
  }

  /**
   * Polls where a leaf of this chain's exit tree stands until it is 'ready' or 'delivered' on the parent, riding
   * out a node or L1 that is briefly away (10 polls in a row at most).
   */
  private async pollExitLeaf(
    txHash: Hex,
    what: 'withdrawal' | 'edge',
    opts: WaitOptions & { onProgress?: (s: EdgeUpStatus) => void; onRetry?: (e: PlasmaError, attempt: number) => void },
    read: () => Promise<EdgeUpStatus> = () => this.exitLeafStatus(txHash, what),
  ): Promise<EdgeUpStatus> {
    const start = Date.now();
    let failures = 0;
    for (;;) {
      let s: EdgeUpStatus;
      try {
        s = await read();
        failures = 0;
      } catch (e) {
        // A window can last days: ride out a node or L1 that is briefly away (10 polls in a row at most).
        if (!(e instanceof PlasmaError) || !TRANSIENT.has(e.code) || ++failures > 10) throw e;
        opts.onRetry?.(e, failures);
        await sleep(opts.pollMs ?? this.pollMs, opts.signal);
        continue;
      }
      opts.onProgress?.(s);
      if (s.state === 'ready' || s.state === 'delivered') return s;
      if (opts.timeoutMs !== undefined && Date.now() - start > opts.timeoutMs) {
        const again = what === 'withdrawal' ? `plasma-tree finalize ${txHash} --wait` : `plasma-tree message relay ${txHash} --wait`;
        throw plasmaError('TIMEOUT', `${what === 'withdrawal' ? 'withdrawal' : 'up edge event'} ${txHash} is still ${s.state} after ${Math.round(opts.timeoutMs / 1000)} s`, { ...s }, undefined,
          s.secondsLeft ? `the window ends in ${s.secondsLeft} s; wait again with \`${again}\`` : 'check the node: is it committing blocks to its parent?');
      }
      const pollMs = opts.pollMs ?? this.pollMs;
      await sleep(s.secondsLeft ? Math.min(pollMs, s.secondsLeft * 1000) : pollMs, opts.signal);
    }
  }

  /** The exit, its header, window end and Merkle proof, from the node. */
  async getWithdrawalProof(txHash: Hex): Promise<WithdrawalProof> {
    try {
      return await this.node.getWithdrawalProof(txHash);
    } catch (e) {
      if (e instanceof PlasmaError && e.code === 'WITHDRAWAL_NOT_COMMITTED') {
        throw plasmaError(e.code, bareMessage(e), e.data, e,
          `its block must be committed on L1 and its challenge window must pass: wait with \`plasma-tree finalize ${txHash} --wait\` (PlasmaClient.waitForWindow)`);
      }
      throw e;
    }
  }

  private finalizeCall(root: Contract, p: WithdrawalProof) {
    const h = p.header;
    const args = [
      p.chainId,
      [h.chainId, h.number, h.parentHash, h.txRoot, h.stateRoot, h.exitRoot, h.depositNonce, h.timestamp],
      BigInt(p.windowEnd),
      [p.exit.recipient, p.exit.token, p.exit.amount],
      BigInt(p.index),
      p.proof,
    ];
    const fn = root.getFunction('finalizeWithdrawal');
    return {
      // Dry run in the pending block: the context the real transaction will execute in (time included).
      staticCall: () => fn.staticCall(...args, { blockTag: 'pending' }),
      send: () => fn.send(...args) as Promise<TransactionResponse>,
    };
  }

  /**
   * Pays a withdrawal out on the parent, whatever it is: `finalizeWithdrawal` on L1 for a child of the root, or a
   * FINALIZE_CHILD_EXIT on the parent chain (`parentNode`), waiting until a block there holds it. Checks the
   * challenge window first by the parent's clock: while it is open this throws CHALLENGE_WINDOW_OPEN (data:
   * windowEnd, secondsLeft) instead of sending a transaction that must fail. A paid exit is ALREADY_WITHDRAWN.
   * `onSent` gets the parent transaction's hash once it is sent.
   */
  async finalizeExit(txHashOrProof: Hex | WithdrawalProof, opts: FinalizeOptions = {}): Promise<ExitPayout> {
    const parent = await this.parent();
    if (!parent) return this.finalizeWithdrawal(txHashOrProof, opts);
    this.requireSigner('finalizeExit');
    const proof = typeof txHashOrProof === 'string' ? await this.getWithdrawalProof(txHashOrProof) : txHashOrProof;
    const now = await parent.chainTime();
    const windowOpen = (secondsLeft: number) => this.windowOpen(proof, secondsLeft, txHashOrProof, 'parent-chain');
    if (now < proof.windowEnd) throw windowOpen(proof.windowEnd - now);
    if (await parent.isExitSpent(this.chainId, proof.blockNumber, proof.index)) {
      throw plasmaError('ALREADY_WITHDRAWN', `exit ${proof.index} of block ${proof.blockNumber} was already paid on chain ${parent.chainId}`, { blockNumber: proof.blockNumber, index: proof.index });
    }
    const prepared = parent.prepareFinalizeChildExit(proof);
    try {
      await parent.sendFinalizeChildExit(prepared);
    } catch (e) {
      if (e instanceof PlasmaError && e.code === 'CHALLENGE_WINDOW_OPEN') throw windowOpen(Math.max(1, proof.windowEnd - now));
      throw e;
    }
    await opts.onSent?.(prepared.hash);
    const receipt = await parent.waitForReceipt(prepared.hash, 'included', opts);
    return { on: 'chain', parentChainId: parent.chainId, txHash: prepared.hash, blockNumber: receipt.blockNumber!, recipient: proof.exit.recipient, token: proof.exit.token, amount: proof.exit.amount };
  }

  private windowOpen(proof: WithdrawalProof, secondsLeft: number, txHashOrProof: Hex | WithdrawalProof, clock: string): PlasmaError {
    return plasmaError('CHALLENGE_WINDOW_OPEN', `the challenge window of block ${proof.blockNumber} is open for ${secondsLeft} more s (ends at ${clock} time ${proof.windowEnd})`,
      { windowEnd: proof.windowEnd, secondsLeft, blockNumber: proof.blockNumber }, undefined,
      typeof txHashOrProof === 'string' ? `wait and finalize then: \`plasma-tree finalize ${txHashOrProof} --wait\`` : 'wait for the window to end (PlasmaClient.waitForWindow), then finalize');
  }

  /**
   * Pays a withdrawal out on L1 (`PlasmaRoot.finalizeWithdrawal`), for a child of the root; `finalizeExit` works
   * for any parent. Checks the challenge window first: while it is open this throws CHALLENGE_WINDOW_OPEN (data:
   * windowEnd, secondsLeft) instead of sending a transaction that must fail. Contract errors come back as
   * PlasmaErrors (ALREADY_WITHDRAWN, SUBTREE_BALANCE_EXCEEDED, …).
   */
  async finalizeWithdrawal(txHashOrProof: Hex | WithdrawalProof, opts: FinalizeOptions = {}): Promise<FinalizeResult> {
    const signer = this.requireSigner('finalizeWithdrawal');
    const proof = typeof txHashOrProof === 'string' ? await this.getWithdrawalProof(txHashOrProof) : txHashOrProof;
    const l1Time = await this.l1Time();
    const windowOpen = (secondsLeft: number) => this.windowOpen(proof, secondsLeft, txHashOrProof, 'L1');
    if (l1Time < proof.windowEnd) throw windowOpen(proof.windowEnd - l1Time);
    const root = plasmaRoot(this.rootContract, signer);
    const call = this.finalizeCall(root, proof);
    try {
      await call.staticCall();
    } catch (e) {
      const err = mapL1Error(e, 'finalizeWithdrawal');
      if (err.code === 'CHALLENGE_WINDOW_OPEN' || err.code === 'WINDOW_OPEN') throw windowOpen(Math.max(1, proof.windowEnd - l1Time));
      if ((err.code === 'UNKNOWN_CHAIN' || err.code === 'UNKNOWN_COMMITMENT') && (await this.parentChainId().catch(() => ROOT_CHAIN_ID)) !== ROOT_CHAIN_ID) {
        throw plasmaError('PARENT_IS_CHAIN', `chain ${this.chainId} is not a child of the root contract: its exits are paid on its parent chain`, { chainId: this.chainId }, err,
          'use finalizeExit (with the parentNode option) or TreeClient.finalizeWithdrawal');
      }
      throw err;
    }
    const tx = await this.send(() => call.send(), 'finalizeWithdrawal');
    await opts.onSent?.(tx.hash as Hex);
    const receipt = await this.waitL1(tx, 'finalizeWithdrawal');
    return {
      on: 'l1', parentChainId: ROOT_CHAIN_ID, txHash: tx.hash as Hex, blockNumber: receipt.blockNumber,
      l1TxHash: tx.hash as Hex, l1BlockNumber: receipt.blockNumber, gasUsed: receipt.gasUsed,
      recipient: proof.exit.recipient, token: proof.exit.token, amount: proof.exit.amount,
    };
  }

  /** Waits for an L1 transaction sent earlier (by hash); null when the L1 node does not know it (dropped). */
  async waitForL1Tx(txHash: Hex, action = 'L1 transaction'): Promise<TransactionReceipt | null> {
    let tx: TransactionResponse | null;
    try {
      tx = await this.provider.getTransaction(txHash);
    } catch (e) {
      throw mapL1Error(e, action);
    }
    return tx ? this.waitL1(tx, action) : null;
  }

  // ---------------------------------------------------------------- edge functions (docs/EDGE.md)

  /**
   * Checks and signs an edge call on this chain without sending it (EIP-712 `EdgeCall`, kind 7): `child` set is a
   * down call into that child of this chain, none an up call to the parent. Refused before signing: a bad payload
   * (INVALID_PAYLOAD, PAYLOAD_TOO_LARGE, EDGE_CALL_REFUSED by the function's own decode), the wrong direction
   * (EDGE_DIRECTION_MISMATCH), a child this chain does not host (UNKNOWN_CHAIN), an up call of a function of your own from a
   * child of the root (NO_RECEIVE_HALF: L1 runs only the message function), a caller without a slot here
   * (UNKNOWN_ACCOUNT). Send it with `sendEdgeCall`.
   */
  async prepareEdgeCall(args: EdgeCallArgs): Promise<PreparedTx> {
    this.requireSigner('an edge call');
    const f = resolveEdgeFunction(args);
    const child = args.child === undefined || args.child === null ? null : checkChainId(args.child, 'child');
    if (child === ZERO_BYTES32) throw plasmaError('INVALID_ARGUMENTS', 'child is the zero id', {}, undefined, 'leave `child` out for an up call');
    const payload = checkEdgeCall(f, child ? 'down' : 'up', args.payload);
    const token = checkAddress(args.token ?? NATIVE_TOKEN, 'token');
    const from = await this.address();
    const [, account] = await Promise.all([this.checkNode(), this.node.getAccount(from, token)]);
    if (child) {
      if (child === this.chainId) throw plasmaError('NOT_AN_EDGE', 'a chain is not its own child', { child }, undefined, 'pass a child of this chain (see `plasma-tree status`), or leave `child` out for an up call');
      if (!(await this.node.getChildInfo(child))) {
        throw plasmaError('UNKNOWN_CHAIN', `chain ${this.chainId} hosts no child ${child}`, { chainId: child, hostId: this.chainId }, undefined,
          'a down call goes from a chain to one of its own children: see `plasma-tree status` for the tree');
      }
    } else if (f.fn !== MESSAGE_FN && (await this.parentChainId()) === ROOT_CHAIN_ID) {
      throw plasmaError('NO_RECEIVE_HALF', `the parent of chain ${this.chainId} is L1, which runs only the message function's up half, not ${f.name ?? f.fn}`, { fn: f.fn }, undefined,
        'send a message to an IPlasmaMessageReceiver contract on L1 instead (sendMessage), and act on it there');
    }
    if (account.slot === null) {
      const { symbol } = await this.tokenInfo(token).catch(() => ({ symbol: token }));
      throw plasmaError('UNKNOWN_ACCOUNT', `${from} has no ${symbol} slot on chain ${this.chainId} to sign the call with`, { owner: from, token }, undefined,
        'an edge call is signed from a slot the caller owns (it moves nothing; its nonce guards replays): deposit something first, or pass `token` for a token you hold there');
    }
    const unsigned: UnsignedTx = { kind: TxKind.EdgeSend, chainId: this.chainId, slot: account.slot, fn: f.fn, child: child ?? ZERO_BYTES32, payload, nonce: account.pendingNonce };
    const tx = await this.signTx(unsigned);
    return { hash: txHashOf(await this.l1ChainId(), this.rootContract, unsigned), tx, from };
  }

  /** Sends a prepared edge call (again is harmless: TX_KNOWN while it waits is success). */
  async sendEdgeCall(prepared: PreparedTx): Promise<Hex> {
    if (prepared.tx.kind !== TxKind.EdgeSend) throw plasmaError('INVALID_OPTIONS', 'sendEdgeCall sends edge calls (EDGE_SEND) only', {}, undefined, 'send other transactions with sendPrepared');
    await this.submit(prepared);
    return prepared.hash;
  }

  /**
   * Calls edge function `fn` (or `edge`) on this chain: signs and sends the EDGE_SEND, waits until a block holds
   * it (its send half ran there; a refusal is the receipt's rejection, e.g. the function's own error), and returns
   * the event: for a down call its nonce on the child's stream, for an up call its block. Then
   * `waitForEdgeDelivery` (down, on the child's client) or `waitForEdgeUp` + `deliverToParent` (up, here).
   */
  async callEdge(args: EdgeCallArgs, opts: WaitOptions & { onSent?: (txHash: Hex) => void | Promise<void> } = {}): Promise<EdgeCallResult> {
    const prepared = await this.prepareEdgeCall(args);
    await this.sendEdgeCall(prepared);
    await opts.onSent?.(prepared.hash);
    const receipt = await this.waitForReceipt(prepared.hash, 'included', opts);
    const tx = prepared.tx as Extract<UserSignedTx, { kind: TxKind.EdgeSend }>;
    const base = { on: 'chain' as const, chainId: this.chainId, fn: tx.fn, sender: prepared.from, payload: tx.payload, txHash: prepared.hash, blockNumber: receipt.blockNumber! };
    if (tx.child !== ZERO_BYTES32) {
      const record = await this.findChildDeposit(tx.child, { blockNumber: receipt.blockNumber!, index: receipt.index! });
      return { direction: 'down', ...base, peer: tx.child, nonce: record.nonce };
    }
    return { direction: 'up', ...base, peer: await this.parentChainId(), exitIndex: receipt.exitIndex };
  }

  /** What became of down edge event `nonce` on this chain (`pt_getEdgeDelivery`); null while it has not arrived. */
  edgeDelivery(nonce: bigint | number): Promise<EdgeDeliveryRecord | null> {
    return this.node.getEdgeDelivery(nonce);
  }

  /**
   * Waits until this chain applied down edge event `nonce` (its deposit nonce reached it) and returns what
   * became of it: 'delivered', or 'failed' (the receive half threw or this chain does not run the function; the
   * event is consumed all the same, so later deposits are not held up). NOT_AN_EDGE_EVENT when the nonce is a deposit.
   */
  async waitForEdgeDelivery(nonce: bigint | number, opts: WaitOptions & { onProgress?: (p: { depositNonce: number; target: bigint; elapsedMs: number }) => void } = {}): Promise<EdgeDownDelivery> {
    const target = BigInt(nonce);
    await this.waitForDeposit(target, { timeoutMs: 120_000, ...opts });
    const delivery = await this.node.getEdgeDelivery(target);
    if (!delivery) {
      throw plasmaError('NOT_AN_EDGE_EVENT', `nonce ${target} of chain ${this.chainId} was applied, but it is not an edge event (a token deposit?)`, { nonce: target.toString() }, undefined,
        'pass the nonce an edge call returned (callEdge / sendMessage: result.nonce)');
    }
    return { direction: 'down', chainId: this.chainId, nonce: target, fn: delivery.fn, status: delivery.status };
  }

  /** Where an up edge event of this chain (an up callEdge's txHash) stands, by its parent's clock and spent set. */
  edgeUpStatus(txHash: Hex): Promise<EdgeUpStatus> {
    return this.exitLeafStatus(txHash, 'edge');
  }

  /** Waits until an up edge event can be delivered on the parent ('ready': its window passed) or was ('delivered'). */
  async waitForEdgeUp(
    txHash: Hex,
    opts: WaitOptions & { onProgress?: (s: EdgeUpStatus) => void; onRetry?: (e: PlasmaError, attempt: number) => void } = {},
  ): Promise<EdgeUpDelivery> {
    const s = await this.pollExitLeaf(txHash, 'edge', opts);
    return { direction: 'up', chainId: this.chainId, ...s, status: s.state as 'ready' | 'delivered' };
  }

  /** `pt_getExitProof`: the leaf of an up edge event (or a withdrawal) with its proof, once its block is committed. */
  async getExitProof(txHash: Hex): Promise<ExitProof> {
    try {
      return await this.node.getExitProof(txHash);
    } catch (e) {
      if (e instanceof PlasmaError && (e.code === 'EXIT_NOT_COMMITTED' || e.code === 'WITHDRAWAL_NOT_COMMITTED')) {
        throw plasmaError(e.code, bareMessage(e), e.data, e, 'its block must be committed on the parent first: wait with waitForEdgeUp (`plasma-tree message relay <tx> --wait`)');
      }
      throw e;
    }
  }

  /**
   * The EDGE_FROM_CHILD that delivers the up edge event of `proof` (an event of a child of this chain) here, with
   * the hash the node will file it under. Nobody signs it: the proof is the authority, anyone may send it.
   */
  prepareEdgeFromChild(proof: ExitProof): PreparedEdgeFromChild {
    const tx = edgeFromChildTx(this.chainId, proof);
    return { hash: edgeFromChildHash(tx), tx };
  }

  /**
   * Delivers an up edge event of this chain (an up callEdge's txHash, or its exit proof) on the parent: on L1
   * `PlasmaRoot.relayMessage` (messages only: the target's onPlasmaMessage runs), on a parent chain an
   * EDGE_FROM_CHILD there (the function's receive half runs), waiting until a block holds it. Checks the window
   * by the parent's clock first (CHALLENGE_WINDOW_OPEN) and the spent set (ALREADY_DELIVERED). A receive half or
   * target that refuses leaves the event unspent: fix the cause and deliver again. Anyone may deliver: the proof is
   * the authority (on L1 the signer pays the gas; on a parent chain nothing is signed, a read-only client will do).
   */
  async deliverToParent(txHashOrProof: Hex | ExitProof, opts: FinalizeOptions = {}): Promise<EdgeRelayResult> {
    const proof = typeof txHashOrProof === 'string' ? await this.getExitProof(txHashOrProof) : txHashOrProof;
    if (proof.chainId.toLowerCase() !== this.chainId) {
      throw plasmaError('WRONG_CHAIN', `the exit proof is of chain ${proof.chainId}, this client is of ${this.chainId}`, { chainId: proof.chainId }, undefined, 'deliver it with the client of the chain it comes from');
    }
    if (proof.leaf.kind !== 'edge') {
      throw plasmaError('NOT_AN_EDGE_EVENT', `exit ${proof.index} of block ${proof.blockNumber} is a token exit, not an edge event`, { blockNumber: proof.blockNumber, index: proof.index }, undefined,
        'pay a withdrawal with finalizeExit (`plasma-tree finalize`)');
    }
    const { fn, sender, payload } = proof.leaf;
    const parent = await this.parent();
    const clock = parent ? 'parent-chain' : 'L1';
    // On L1 only messages have an up half: refuse anything else before reading L1.
    const message = parent ? undefined : messageOfProof(proof);
    const now = parent ? await parent.chainTime() : await this.l1Time();
    const windowOpen = (secondsLeft: number) => plasmaError('CHALLENGE_WINDOW_OPEN', `the challenge window of block ${proof.blockNumber} is open for ${secondsLeft} more s (ends at ${clock} time ${proof.windowEnd})`,
      { windowEnd: proof.windowEnd, secondsLeft, blockNumber: proof.blockNumber }, undefined,
      typeof txHashOrProof === 'string' ? `wait and deliver then: \`plasma-tree message relay ${txHashOrProof} --wait\`` : 'wait for the window to end (waitForEdgeUp), then deliver');
    const delivered = () => plasmaError('ALREADY_DELIVERED', `the up event at index ${proof.index} of block ${proof.blockNumber} of chain ${this.chainId} was already delivered on its parent`,
      { blockNumber: proof.blockNumber, index: proof.index }, undefined, 'nothing to do: each up event is delivered once');
    const source = { chainId: this.chainId, sourceBlock: proof.blockNumber, index: proof.index, fn, sender, payload };
    if (!parent) {
      if (now < proof.windowEnd) throw windowOpen(proof.windowEnd - now);
      let relay;
      try {
        relay = await relayMessageL1(this.requireSigner('relaying a message on L1'), this.rootContract, proof, { onSent: opts.onSent });
      } catch (e) {
        if (e instanceof PlasmaError && (e.code === 'CHALLENGE_WINDOW_OPEN' || e.code === 'WINDOW_OPEN')) throw windowOpen(Math.max(1, proof.windowEnd - now));
        if (e instanceof PlasmaError && e.code === 'ALREADY_WITHDRAWN') throw delivered();
        if (e instanceof PlasmaError && e.code === 'L1_REVERT') {
          throw plasmaError('MESSAGE_REFUSED', `the target ${message!.target} refused the message (onPlasmaMessage reverted${e.data.reason ? `: ${String(e.data.reason)}` : ''})`, { target: message!.target }, e,
            'nothing was spent: relay it again once the target accepts it (is it an IPlasmaMessageReceiver? is it paused?)');
        }
        throw e;
      }
      return { on: 'l1', parentChainId: ROOT_CHAIN_ID, txHash: relay.l1TxHash, blockNumber: relay.l1BlockNumber, gasUsed: relay.gasUsed, ...source, message };
    }
    if (now < proof.windowEnd) throw windowOpen(proof.windowEnd - now);
    if (await parent.isExitSpent(this.chainId, proof.blockNumber, proof.index)) throw delivered();
    const prepared = parent.prepareEdgeFromChild(proof);
    let hash: Hex;
    try {
      hash = await parent.sendEdgeFromChild(prepared);
    } catch (e) {
      if (e instanceof PlasmaError && e.code === 'CHALLENGE_WINDOW_OPEN') throw windowOpen(Math.max(1, proof.windowEnd - now));
      if (e instanceof PlasmaError && e.code === 'ALREADY_WITHDRAWN') throw delivered();
      throw e;
    }
    await opts.onSent?.(hash);
    const receipt = await parent.waitForReceipt(hash, 'included', opts);
    return { on: 'chain', parentChainId: parent.chainId, txHash: hash, blockNumber: receipt.blockNumber!, ...source, ...(fn === MESSAGE_FN ? { message: messageOfProof(proof) } : {}) };
  }

  /** Sends a prepared EDGE_FROM_CHILD to this chain; resolves to the hash the node files it under. */
  async sendEdgeFromChild(prepared: PreparedEdgeFromChild): Promise<Hex> {
    await this.submit(prepared);
    return prepared.hash;
  }

  /** The messages this chain received (`pt_getInbox`), 1-based in order of arrival. */
  inbox(opts: { fromIndex?: bigint | number; limit?: number } = {}): Promise<InboxEntry[]> {
    return this.node.getInbox(opts.fromIndex, opts.limit);
  }

  /** What edge function `fn` (id, name or the function) stored under `key` on this chain; null when unset. */
  async edgeStorage(fn: EdgeFunctionRef, key: Hex | Uint8Array): Promise<Hex | null> {
    return this.node.getEdgeStorage(resolveEdgeFunction({ fn }).fn, checkKey(key));
  }

  /** What the message handler of `target` stored under `key` on this chain (its part of the message function's storage). */
  async messageHandlerStorage(target: string, key: Hex | Uint8Array): Promise<Hex | null> {
    const t = checkAddress(target, 'target');
    return this.node.getEdgeStorage(MESSAGE_FN, `0x01${t.slice(2)}${checkKey(key).slice(2)}` as Hex);
  }

  // ---------------------------------------------------------------- L1 plumbing

  private async send(fn: () => Promise<TransactionResponse>, action: string): Promise<TransactionResponse> {
    try {
      return await fn();
    } catch (e) {
      throw mapL1Error(e, action);
    }
  }

  /** Waits for an L1 transaction by polling its receipt (fast on local chains, no 4 s event polling). */
  private async waitL1(tx: TransactionResponse, action: string, timeoutMs = 300_000): Promise<TransactionReceipt> {
    const start = Date.now();
    for (;;) {
      let r: TransactionReceipt | null;
      try {
        r = await this.provider.getTransactionReceipt(tx.hash);
      } catch (e) {
        throw mapL1Error(e, action);
      }
      if (r) {
        if (r.status === 0) throw plasmaError('L1_REVERT', `${action} reverted on L1 (tx ${tx.hash})`, { l1TxHash: tx.hash }, undefined, 'inspect the transaction on L1; the dry run passed, so the state changed in between');
        return r;
      }
      if (Date.now() - start > timeoutMs) throw plasmaError('TIMEOUT', `${action}: L1 transaction ${tx.hash} not mined after ${timeoutMs / 1000} s`, { l1TxHash: tx.hash });
      await sleep(Math.min(this.pollMs, 250));
    }
  }

  private async depositResult(tx: TransactionResponse, d: { from: Address; to: Address; token: Address; amount: bigint }): Promise<L1DepositResult> {
    const receipt = await this.waitL1(tx, 'deposit');
    const iface = plasmaRootInterface();
    let nonce: bigint | undefined;
    for (const log of receipt.logs) {
      if (log.address.toLowerCase() !== this.rootContract) continue;
      try {
        const parsed = iface.parseLog(log);
        if (parsed?.name === 'Deposited') {
          const args = parsed.args as any;
          nonce = BigInt(args.nonce ?? args.depositNonce ?? args[1]);
        }
      } catch { /* other event */ }
    }
    if (nonce === undefined) throw plasmaError('BAD_RESPONSE', `deposit ${tx.hash} emitted no Deposited event`, { l1TxHash: tx.hash }, undefined, 'is rootContract the PlasmaRoot contract?');
    const hash = tx.hash as Hex;
    return { on: 'l1', txHash: hash, blockNumber: receipt.blockNumber, l1TxHash: hash, l1BlockNumber: receipt.blockNumber, chainId: this.chainId, parentChainId: ROOT_CHAIN_ID, nonce, ...d };
  }
}

export interface SpawnChainArgs {
  validators: string[];
  threshold: number;
  /** Seconds. */
  challengeWindow: number;
  /** Seconds (PlasmaRoot.spawnChainWithLimits): challengeWindow .. 30 days. Absent or 0: spawnChain's default, max(7 days, challengeWindow). */
  stallLimit?: number;
  /** Validator bond in wei (at least PlasmaRoot.MIN_BOND = 0.2 ETH). */
  bond: bigint;
}

export interface SpawnChainResult {
  chainId: ChainId;
  index: number;
  l1TxHash: Hex;
  validators: Address[];
  threshold: number;
  challengeWindow: number;
  /** PlasmaRoot.stallLimit(chainId) as spawned. */
  stallLimit: number;
  bond: bigint;
}

/** Registers a new child chain of the root contract (`PlasmaRoot.spawnChain`, or `spawnChainWithLimits` with a stall limit); `signer` pays the bond. */
export async function spawnChain(signer: Signer, rootContract: string, args: SpawnChainArgs): Promise<SpawnChainResult> {
  const root = plasmaRoot(checkAddress(rootContract, 'rootContract'), signer);
  const validators = args.validators.map((v, i) => checkAddress(v, `validator ${i + 1}`));
  let receipt: TransactionReceipt | null;
  try {
    const tx: TransactionResponse = args.stallLimit
      ? await root.spawnChainWithLimits(validators, args.threshold, args.challengeWindow, args.stallLimit, { value: args.bond })
      : await root.spawnChain(validators, args.threshold, args.challengeWindow, { value: args.bond });
    receipt = await tx.wait();
  } catch (e) {
    throw mapL1Error(e, 'spawnChain');
  }
  if (!receipt || receipt.status !== 1) throw plasmaError('L1_REVERT', 'spawnChain reverted on L1', {});
  for (const log of receipt.logs) {
    try {
      const parsed = root.interface.parseLog(log);
      if (parsed?.name === 'ChainSpawned') {
        return {
          chainId: String(parsed.args.chainId).toLowerCase() as ChainId,
          index: Number(parsed.args.index),
          l1TxHash: receipt.hash as Hex,
          validators,
          threshold: args.threshold,
          challengeWindow: args.challengeWindow,
          stallLimit: args.stallLimit || Math.max(7 * 86_400, args.challengeWindow),
          bond: args.bond,
        };
      }
    } catch { /* another event */ }
  }
  throw plasmaError('BAD_RESPONSE', `spawnChain ${receipt.hash} emitted no ChainSpawned event`, {}, undefined, 'is rootContract the PlasmaRoot contract?');
}
