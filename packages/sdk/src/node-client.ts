import {
  PlasmaError,
  blockFromJson,
  edgeUpEventFromJson,
  exitFromJson,
  headerFromJson,
  isHex,
  signedTxToJson,
  type Address,
  type Block,
  type ChainId,
  type EdgeUpEvent,
  type Exit,
  type Header,
  type Hex,
  type SignedTx,
} from '@plasma-tree/core';
import { plasmaError, hintFor } from './errors.js';

/** `pt_chainInfo`, with numbers that can exceed 2^53 as bigint. */
export interface ChainInfo {
  chainId: ChainId;
  parentChainId: ChainId;
  /** Depth in the tree: 1 for a child of the root (docs/SPEC.md "Size"). */
  depth: number;
  /** The most bytes one data chunk of a block may hold (core chunkByteBudget(depth)): a tx's publicationSize must fit it. */
  chunkBudget: number;
  l1ChainId: number;
  rootContract: Address;
  validators: Address[];
  threshold: number;
  /** Seconds. */
  challengeWindow: number;
  head: { number: number; hash: Hex };
  committed: { number: number; hash: Hex };
  /** The newest committed block whose challenge window has ended by the parent's clock (docs/SPEC.md). */
  final: { number: number; hash: Hex };
  depositNonce: number;
  mempoolSize: number;
}

/** `pt_getAccount`. `slot` is null while the (owner, token) pair has no state slot yet. */
export interface AccountInfo {
  slot: number | null;
  balance: bigint;
  nonce: bigint;
  /** The nonce the next transaction must carry (counts transactions waiting in the mempool). */
  pendingNonce: bigint;
}

/** `rejected`: the node accepted the transaction, then the block producer refused it (see `reason`). */
export type ReceiptStatus = 'pending' | 'included' | 'committed' | 'rejected';

/** `pt_getReceipt`. */
export interface Receipt {
  txHash: Hex;
  status: ReceiptStatus;
  blockNumber: number | null;
  index: number | null;
  /** Position among the block's exits, for a withdrawal; null otherwise. */
  exitIndex: number | null;
  /** L1 timestamp (seconds) when the challenge window of the committed block ends; null until committed. */
  windowEnd: number | null;
  /** For a rejected transaction: the error code (e.g. NONCE_MISMATCH) and message. */
  reason?: string;
  message?: string;
}

/** `pt_getWithdrawalProof`: everything `PlasmaRoot.finalizeWithdrawal` needs. */
export interface WithdrawalProof {
  chainId: ChainId;
  blockNumber: number;
  header: Header;
  windowEnd: number;
  exit: Exit;
  index: number;
  proof: Hex[];
}

/** `pt_getChildInfo`: a child chain as this chain's parent ledger records it. */
export interface ChildChainInfo {
  chainId: ChainId;
  parentChainId: ChainId;
  index: number;
  spawner: Address;
  bond: bigint;
  validators: Address[];
  threshold: number;
  /** Seconds, by this chain's clock (`pt_time`). */
  challengeWindow: number;
  headNumber: number;
  headWindowEnd: number;
  headDepositNonce: number;
  depositCount: number;
  /** 0 live, 1 frozen by a PROVE_CHILD_FRAUD (docs/FRAUD.md §7), 2 by a FREEZE_STALLED_CHILD (§8); 0 from a node that predates it. */
  status: number;
  /** The parent's time of the freeze (0 while live). */
  frozenAt: number;
  /** The parent's time of the spawn (docs/FRAUD.md §8); null from a node that predates the stall rule. */
  spawnedAt: number | null;
  /** Seconds without a commit after which anyone may freeze the child (FREEZE_STALLED_CHILD); null from an older node. */
  stallLimit: number | null;
  /** The head's commit time on the parent (headWindowEnd − challengeWindow), or spawnedAt before block 1; null from an older node. */
  lastActivity: number | null;
}

/** `pt_getCommitment`: a child's block committed on this chain. */
export interface ChildCommitment {
  child: ChainId;
  number: number;
  /** keccak256(abi.encode(blockHash, uint64 windowEnd)). */
  record: Hex;
  blockHash: Hex;
  /** This chain's time (s) at which the challenge window ends. */
  windowEnd: number;
  /** The block of this chain holding the COMMIT_CHILD, and its timestamp. */
  blockNumber: number;
  timestamp: number;
}

/**
 * `pt_getDepositRecord` / `pt_getChildDeposits`: what this chain's ledger recorded under one nonce of a child's
 * stream: a DEPOSIT_TO_CHILD (`kind` 'deposit'), or a down edge event (`kind` 'edge', an EDGE_SEND to the child:
 * `fn` and `sender` set, `to`/`token` zero and `amount` 0).
 */
export interface ChildDepositRecord {
  /** 'deposit' (tokens) or 'edge' (a down edge event); a node that does not say is taken as 'deposit'. */
  kind: 'deposit' | 'edge';
  child: ChainId;
  /** The child's deposit nonce (1, 2, …). */
  nonce: bigint;
  /** The depositor, or the caller of the edge function. */
  from: Address;
  to: Address;
  token: Address;
  amount: bigint;
  /** The record under the nonce: the depositHash, or the edge event's edgeDownRecord. */
  depositHash: Hex;
  /** A down edge event's function, sender and payload (when the node sends it). */
  fn?: Hex;
  sender?: Address;
  payload?: Hex;
  /** The block of this chain holding the DEPOSIT_TO_CHILD or EDGE_SEND, and its position there. */
  blockNumber: number;
  index: number;
}

/** `pt_getEdgeDelivery`: what became of a down edge event on the child (null while it has not arrived). */
export interface EdgeDeliveryRecord {
  nonce: bigint;
  fn: Hex;
  /** 'failed': the receive half threw or the chain does not run `fn`; the event is consumed all the same. */
  status: 'delivered' | 'failed';
}

/** `pt_getInbox`: a message this chain received (docs/EDGE.md `message`), 1-based in order of arrival. */
export interface InboxEntry {
  index: bigint;
  /** The chain it came from: the parent (ROOT_CHAIN_ID for L1) or a child. */
  sourceChain: ChainId;
  sender: Address;
  target: Address;
  data: Hex;
}

/** The leaf an exit proof proves: a token exit, or an up edge event (`pt_getExitProof`). */
export type ExitProofLeaf = ({ kind: 'exit' } & Exit) | ({ kind: 'edge' } & EdgeUpEvent);

/** `pt_getExitProof`: any leaf of a committed block's exit tree with its Merkle proof. */
export interface ExitProof {
  /** The chain whose block holds the leaf. */
  chainId: ChainId;
  blockNumber: number;
  header: Header;
  /** The block's window end on the parent (the parent's clock). */
  windowEnd: number;
  leaf: ExitProofLeaf;
  index: number;
  proof: Hex[];
}

/**
 * `pt_getDataChallenge` (docs/FRAUD.md §9b): a data challenge of a child's block on this chain, and the block's
 * publication here (all zero / false when nobody challenged or published it).
 */
export interface DataChallengeRecord {
  child: ChainId;
  number: number;
  /** Zero address when none. */
  challenger: Address;
  /** This chain's time by which the child's validators must publish (0 when none). */
  deadline: number;
  /** core DataChallengeStatus: 0 none, 1 open, 2 answered, 3 convicted, 4 lapsed. */
  status: number;
  /** What an open challenge holds (CHILD_DATA_CHALLENGE_BOND), 0 once settled. */
  bond: bigint;
  nextChunk: number;
  txsPublished: boolean;
  nextExitChunk: number;
  exitPublished: boolean;
  /** Both trees (transactions and exit leaves) are published here. */
  published: boolean;
}

/** `pt_getLedgerProof`: a ledger-tree entry (null when empty) with its proof against this chain's state root. */
export interface LedgerProof {
  key: Hex;
  entry: Record<string, unknown> | null;
  leaf: Hex;
  bitmap: Hex;
  siblings: Hex[];
  ledgerRoot: Hex;
  accountsRoot: Hex;
  stateRoot: Hex;
  blockNumber: number;
}

export type SendResult = { hash: Hex } | { error: { code: string; message: string } };

export interface NodeClientOptions {
  url: string;
  /** Per-request timeout, ms (default 15 000). */
  timeoutMs?: number;
  /** Custom fetch (tests, proxies). */
  fetch?: typeof fetch;
}

const big = (v: unknown, field: string): bigint => {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number' && Number.isSafeInteger(v)) return BigInt(v);
  if (typeof v === 'string' && /^(0x[0-9a-fA-F]+|\d+)$/.test(v)) return BigInt(v);
  throw plasmaError('BAD_RESPONSE', `the node sent an invalid number for ${field}: ${JSON.stringify(v)}`, { field }, undefined, 'is the URL a Plasma Tree node of a compatible version?');
};
const num = (v: unknown, field: string): number => Number(big(v, field));
const numOrNull = (v: unknown, field: string): number | null => (v === null || v === undefined ? null : num(v, field));

const ZERO_ADDRESS = `0x${'00'.repeat(20)}` as Address;
const lowerOr = (v: unknown, fallback: Address): Address => (typeof v === 'string' ? (v.toLowerCase() as Address) : fallback);

function depositRecord(r: any): ChildDepositRecord {
  const edge = r.kind === 'edge' || (r.kind === undefined && r.fn !== undefined);
  const sender = r.sender ?? r.from;
  return {
    kind: edge ? 'edge' : 'deposit',
    child: String(r.child).toLowerCase() as ChainId,
    nonce: big(r.nonce, 'nonce'),
    from: lowerOr(r.from ?? r.sender, ZERO_ADDRESS),
    to: lowerOr(r.to, ZERO_ADDRESS),
    token: lowerOr(r.token, ZERO_ADDRESS),
    amount: big(r.amount ?? 0, 'amount'),
    depositHash: r.depositHash ?? r.record,
    ...(edge && typeof r.fn === 'string' ? { fn: r.fn.toLowerCase() as Hex } : {}),
    ...(edge && typeof sender === 'string' ? { sender: sender.toLowerCase() as Address } : {}),
    ...(edge && typeof r.payload === 'string' ? { payload: r.payload.toLowerCase() as Hex } : {}),
    blockNumber: num(r.blockNumber, 'blockNumber'),
    index: num(r.index, 'index'),
  };
}

function dataChallengeRecord(r: any): DataChallengeRecord {
  if (!r || typeof r !== 'object') throw malformed('data challenge', JSON.stringify(r)?.slice(0, 80) ?? 'nothing');
  const txsPublished = Boolean(r.txsPublished);
  const exitPublished = Boolean(r.exitPublished);
  return {
    child: String(r.child).toLowerCase() as ChainId,
    number: num(r.number, 'number'),
    challenger: lowerOr(r.challenger, ZERO_ADDRESS),
    deadline: num(r.deadline ?? 0, 'deadline'),
    status: num(r.status ?? 0, 'status'),
    bond: big(r.bond ?? 0, 'bond'),
    nextChunk: num(r.nextChunk ?? 0, 'nextChunk'),
    txsPublished,
    nextExitChunk: num(r.nextExitChunk ?? 0, 'nextExitChunk'),
    exitPublished,
    published: r.published === undefined ? txsPublished && exitPublished : Boolean(r.published),
  };
}

const malformed = (what: string, detail: string) =>
  plasmaError('BAD_RESPONSE', `the node sent a malformed ${what}: ${detail}`, { what }, undefined, 'is the URL a Plasma Tree node of a compatible version?');

function hexField(v: unknown, what: string, field: string, bytes?: number): Hex {
  if (!isHex(v, bytes)) throw malformed(what, `${field} is ${JSON.stringify(v)?.slice(0, 80)}`);
  return v.toLowerCase() as Hex;
}

function inboxEntry(r: any): InboxEntry {
  if (!r || typeof r !== 'object') throw malformed('inbox', `entry ${JSON.stringify(r)?.slice(0, 80)}`);
  return {
    index: big(r.index, 'index'),
    sourceChain: hexField(r.sourceChain, 'inbox', 'sourceChain', 32),
    sender: hexField(r.sender, 'inbox', 'sender', 20),
    target: hexField(r.target, 'inbox', 'target', 20),
    data: hexField(r.data, 'inbox', 'data'),
  };
}

function exitProofLeaf(r: any): ExitProofLeaf {
  if (!r || typeof r !== 'object') throw malformed('exit proof', `leaf ${JSON.stringify(r)?.slice(0, 80)}`);
  const { kind, ...leaf } = r;
  const edge = kind === 'edge' || (kind === undefined && leaf.fn !== undefined);
  return edge
    ? { kind: 'edge', ...decode('exit proof', () => edgeUpEventFromJson(leaf, 'proof.leaf')) }
    : { kind: 'exit', ...decode('exit proof', () => exitFromJson(leaf, 'proof.leaf')) };
}

/** Decodes with core's strict JSON decoders; a malformed answer is the node's fault: BAD_RESPONSE. */
function decode<T>(what: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    throw plasmaError('BAD_RESPONSE', `the node sent a malformed ${what}: ${(e as Error).message}`, { what }, e, 'is the URL a Plasma Tree node of a compatible version?');
  }
}

function isConnectionError(e: unknown): boolean {
  const seen = new Set<unknown>();
  let cur: any = e;
  while (cur && !seen.has(cur)) {
    seen.add(cur);
    const code = cur.code ?? cur.errno;
    if (['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT'].includes(code)) return true;
    if (Array.isArray(cur.errors) && cur.errors.some(isConnectionError)) return true;
    cur = cur.cause;
  }
  return e instanceof TypeError && /fetch failed/.test(e.message);
}

/**
 * Typed JSON-RPC client of a Plasma Tree child node. Every method of docs/SPEC.md "Node JSON-RPC".
 * Failures are `PlasmaError`s: NODE_UNREACHABLE, NODE_TIMEOUT, NODE_HTTP_ERROR, BAD_RESPONSE, or the node's
 * own `data.reason` code (BAD_SIGNATURE, NONCE_MISMATCH, INSUFFICIENT_BALANCE, …).
 */
export class NodeClient {
  readonly url: string;
  readonly timeoutMs: number;
  private readonly fetchFn: typeof fetch;
  private nextId = 1;

  constructor(opts: string | NodeClientOptions) {
    const o = typeof opts === 'string' ? { url: opts } : opts;
    try {
      this.url = new URL(o.url).toString().replace(/\/$/, '');
    } catch {
      throw plasmaError('BAD_URL', `not a valid node URL: ${JSON.stringify(o.url)}`, { url: o.url }, undefined, 'pass an http URL, e.g. http://127.0.0.1:8645');
    }
    this.timeoutMs = o.timeoutMs ?? 15_000;
    this.fetchFn = o.fetch ?? globalThis.fetch;
  }

  /** Raw JSON-RPC call. Prefer the typed methods. */
  async request<T = unknown>(method: string, params: unknown[] = []): Promise<T> {
    const id = this.nextId++;
    let res: Response;
    try {
      res = await this.fetchFn(this.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id, method, params }),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (e) {
      if ((e as Error)?.name === 'TimeoutError') {
        throw plasmaError('NODE_TIMEOUT', `the node at ${this.url} did not answer ${method} within ${this.timeoutMs} ms`, { url: this.url, method }, e);
      }
      if (isConnectionError(e)) {
        throw plasmaError('NODE_UNREACHABLE', `cannot reach the node at ${this.url}`, { url: this.url, method }, e,
          `is the node running at ${this.url}? start it with \`plasma-tree node start\` or \`plasma-tree devnet\``);
      }
      throw plasmaError('NODE_UNREACHABLE', `request to ${this.url} failed: ${(e as Error)?.message ?? e}`, { url: this.url, method }, e,
        `is the node running at ${this.url}? start it with \`plasma-tree node start\` or \`plasma-tree devnet\``);
    }
    const text = await res.text();
    let body: any;
    try {
      body = JSON.parse(text);
    } catch {
      if (!res.ok) {
        throw plasmaError('NODE_HTTP_ERROR', `the node at ${this.url} answered HTTP ${res.status} ${res.statusText}`, { url: this.url, status: res.status, method }, undefined,
          'check the URL: it must be the JSON-RPC endpoint of a Plasma Tree node');
      }
      throw plasmaError('BAD_RESPONSE', `the node at ${this.url} did not answer JSON-RPC (got ${JSON.stringify(text.slice(0, 80))})`, { url: this.url, method }, undefined,
        'check the URL: it must be the JSON-RPC endpoint of a Plasma Tree node');
    }
    if (body?.error) throw NodeClient.toPlasmaError(body.error, method, this.url);
    if (!res.ok) {
      throw plasmaError('NODE_HTTP_ERROR', `the node at ${this.url} answered HTTP ${res.status} ${res.statusText}`, { url: this.url, status: res.status, method });
    }
    if (!body || typeof body !== 'object' || !('result' in body)) {
      throw plasmaError('BAD_RESPONSE', `the node at ${this.url} sent a JSON-RPC answer without result for ${method}`, { url: this.url, method });
    }
    return body.result as T;
  }

  /** Maps a JSON-RPC error object `{code, message, data}` back to the PlasmaError the node raised. */
  static toPlasmaError(err: { code?: number; message?: string; data?: any }, method: string, url: string): PlasmaError {
    const data = err?.data && typeof err.data === 'object' ? err.data : {};
    const reason: string | undefined = typeof data.reason === 'string' ? data.reason : undefined;
    const message = err?.message ?? 'unknown error';
    if (reason) {
      const { reason: _r, hint: nodeHint, ...rest } = data;
      const hint = typeof nodeHint === 'string' && nodeHint ? nodeHint : hintFor(reason);
      // The node's PlasmaError message already ends with " — hint": keep the bare message.
      const suffix = typeof nodeHint === 'string' && nodeHint ? ` — ${nodeHint}` : '';
      const bare = suffix && message.endsWith(suffix) ? message.slice(0, -suffix.length) : message;
      return new PlasmaError(reason, bare, { data: { ...rest, rpcCode: err.code, method }, hint });
    }
    if (err?.code === -32601) {
      return plasmaError('METHOD_NOT_FOUND', `the node at ${url} does not support ${method}`, { rpcCode: err.code, method }, undefined,
        'is this a Plasma Tree node of a compatible version?');
    }
    if (err?.code === -32602) return plasmaError('INVALID_PARAMS', `${method}: ${message}`, { rpcCode: err.code, method });
    return plasmaError('RPC_ERROR', `${method}: ${message}`, { rpcCode: err?.code, method, data: err?.data });
  }

  async chainInfo(): Promise<ChainInfo> {
    const r = await this.request<any>('pt_chainInfo');
    return {
      chainId: r.chainId,
      parentChainId: r.parentChainId,
      depth: Number(r.depth),
      chunkBudget: Number(r.chunkBudget),
      l1ChainId: num(r.l1ChainId, 'l1ChainId'),
      rootContract: r.rootContract,
      validators: r.validators ?? [],
      threshold: num(r.threshold, 'threshold'),
      challengeWindow: num(r.challengeWindow, 'challengeWindow'),
      head: { number: num(r.head?.number ?? 0, 'head.number'), hash: r.head?.hash },
      committed: { number: num(r.committed?.number ?? 0, 'committed.number'), hash: r.committed?.hash },
      final: { number: num(r.final?.number ?? 0, 'final.number'), hash: r.final?.hash },
      depositNonce: num(r.depositNonce ?? 0, 'depositNonce'),
      mempoolSize: num(r.mempoolSize ?? 0, 'mempoolSize'),
    };
  }

  async sendTransaction(tx: SignedTx): Promise<{ hash: Hex }> {
    const r = await this.request<{ hash: Hex }>('pt_sendTransaction', [signedTxToJson(tx)]);
    return { hash: r.hash };
  }

  async sendTransactions(txs: SignedTx[]): Promise<SendResult[]> {
    return this.request<SendResult[]>('pt_sendTransactions', [txs.map(signedTxToJson)]);
  }

  async getAccount(owner: Address, token: Address): Promise<AccountInfo> {
    const r = await this.request<any>('pt_getAccount', [owner, token]);
    return {
      slot: r.slot === null || r.slot === undefined ? null : num(r.slot, 'slot'),
      balance: big(r.balance ?? 0, 'balance'),
      nonce: big(r.nonce ?? 0, 'nonce'),
      pendingNonce: big(r.pendingNonce ?? r.nonce ?? 0, 'pendingNonce'),
    };
  }

  async getBalance(owner: Address, token: Address): Promise<bigint> {
    return big(await this.request('pt_getBalance', [owner, token]), 'balance');
  }

  async getBlockByNumber(number: number | bigint | 'latest'): Promise<Block | null> {
    const r = await this.request('pt_getBlockByNumber', [typeof number === 'bigint' ? Number(number) : number]);
    return r === null || r === undefined ? null : decode('block', () => blockFromJson(r));
  }

  async getBlockByHash(hash: Hex): Promise<Block | null> {
    const r = await this.request('pt_getBlockByHash', [hash]);
    return r === null || r === undefined ? null : decode('block', () => blockFromJson(r));
  }

  async getReceipt(txHash: Hex): Promise<Receipt | null> {
    const r = await this.request<any>('pt_getReceipt', [txHash]);
    if (!r) return null;
    return {
      txHash: r.txHash ?? txHash,
      status: r.status,
      blockNumber: numOrNull(r.blockNumber, 'blockNumber'),
      index: numOrNull(r.index, 'index'),
      exitIndex: numOrNull(r.exitIndex, 'exitIndex'),
      windowEnd: numOrNull(r.windowEnd, 'windowEnd'),
      ...(typeof r.reason === 'string' ? { reason: r.reason } : {}),
      ...(typeof r.message === 'string' ? { message: r.message } : {}),
    };
  }

  async getWithdrawalProof(txHash: Hex): Promise<WithdrawalProof> {
    const r = await this.request<any>('pt_getWithdrawalProof', [txHash]);
    if (!r) {
      throw plasmaError('UNKNOWN_TX', `the node at ${this.url} has no withdrawal proof for ${txHash}`, { txHash });
    }
    return {
      chainId: r.chainId,
      blockNumber: num(r.blockNumber, 'blockNumber'),
      header: decode('withdrawal proof', () => headerFromJson(r.header, 'proof.header')),
      windowEnd: num(r.windowEnd, 'windowEnd'),
      exit: decode('withdrawal proof', () => exitFromJson(r.exit, 'proof.exit')),
      index: num(r.index, 'index'),
      proof: r.proof,
    };
  }

  /**
   * `pt_getExitProof`: the leaf a transaction added to its block's exit tree (a withdrawal's exit or an up edge
   * event), with its Merkle proof, once the block is committed. UNKNOWN_TX when the node has none.
   */
  async getExitProof(txHash: Hex): Promise<ExitProof> {
    const r = await this.request<any>('pt_getExitProof', [txHash]);
    if (!r) throw plasmaError('UNKNOWN_TX', `the node at ${this.url} has no exit proof for ${txHash}`, { txHash }, undefined,
      'only a withdrawal or an up edge call has one, once its block is committed: check the hash and wait for the commitment');
    if (!Array.isArray(r.proof) || !r.proof.every((x: unknown) => isHex(x, 32))) throw malformed('exit proof', 'proof');
    return {
      chainId: hexField(r.chainId, 'exit proof', 'chainId', 32),
      blockNumber: num(r.blockNumber, 'blockNumber'),
      header: decode('exit proof', () => headerFromJson(r.header, 'proof.header')),
      windowEnd: num(r.windowEnd, 'windowEnd'),
      leaf: exitProofLeaf(r.leaf),
      index: num(r.index, 'index'),
      proof: r.proof.map((x: string) => x.toLowerCase() as Hex),
    };
  }

  // ---------------------------------------------------------------------------------------- edge functions

  /** `pt_getEdgeDelivery`: what became of down edge event `nonce` on this chain; null until it arrived. */
  async getEdgeDelivery(nonce: number | bigint): Promise<EdgeDeliveryRecord | null> {
    const r = await this.request<any>('pt_getEdgeDelivery', [Number(nonce)]);
    if (r === null || r === undefined) return null;
    if (r.status !== 'delivered' && r.status !== 'failed') throw malformed('edge delivery', `status ${JSON.stringify(r.status)}`);
    return { nonce: big(r.nonce ?? nonce, 'nonce'), fn: hexField(r.fn, 'edge delivery', 'fn', 32), status: r.status };
  }

  /** `pt_getInbox`: the messages this chain received, from 1-based `fromIndex` (default 1), at most `limit`. */
  async getInbox(fromIndex?: number | bigint, limit?: number): Promise<InboxEntry[]> {
    const params: unknown[] = [];
    if (fromIndex !== undefined || limit !== undefined) params.push(Number(fromIndex ?? 1));
    if (limit !== undefined) params.push(limit);
    const r = await this.request<unknown>('pt_getInbox', params);
    if (!Array.isArray(r)) throw malformed('inbox', JSON.stringify(r)?.slice(0, 80) ?? 'nothing');
    return r.map(inboxEntry);
  }

  /** `pt_getEdgeStorage`: the value edge function `fn` stored under `key` on this chain, null when unset. */
  async getEdgeStorage(fn: Hex, key: Hex): Promise<Hex | null> {
    const r = await this.request<unknown>('pt_getEdgeStorage', [fn, key]);
    if (r === null || r === undefined || r === '0x') return null;
    return hexField(r, 'edge storage value', 'value');
  }

  // ---------------------------------------------------------------------------------------- ledger (serving children)

  /** `pt_time`: the head block's timestamp (s), the clock of the challenge windows of this chain's children (0 before block 1). */
  async time(): Promise<number> {
    return num(await this.request('pt_time'), 'time');
  }

  /** `pt_getChildren`: the child chain ids this chain hosts, in spawn order. */
  async getChildren(): Promise<ChainId[]> {
    const r = await this.request<unknown>('pt_getChildren');
    if (!Array.isArray(r) || !r.every((x) => typeof x === 'string' && /^0x[0-9a-fA-F]{64}$/.test(x))) {
      throw plasmaError('BAD_RESPONSE', `the node sent a malformed child list: ${JSON.stringify(r)?.slice(0, 80)}`, { what: 'children' }, undefined, 'is the URL a Plasma Tree node of a compatible version?');
    }
    return r.map((x: string) => x.toLowerCase() as ChainId);
  }

  /** `pt_getChildInfo`: null when this chain hosts no such child. */
  async getChildInfo(child: ChainId): Promise<ChildChainInfo | null> {
    const r = await this.request<any>('pt_getChildInfo', [child]);
    if (r === null || r === undefined) return null;
    return {
      chainId: String(r.chainId).toLowerCase() as ChainId,
      parentChainId: String(r.parentChainId).toLowerCase() as ChainId,
      index: num(r.index, 'index'),
      spawner: String(r.spawner).toLowerCase() as Address,
      bond: big(r.bond ?? 0, 'bond'),
      validators: ((r.validators ?? []) as string[]).map((v) => v.toLowerCase() as Address),
      threshold: num(r.threshold, 'threshold'),
      challengeWindow: num(r.challengeWindow, 'challengeWindow'),
      headNumber: num(r.headNumber ?? 0, 'headNumber'),
      headWindowEnd: num(r.headWindowEnd ?? 0, 'headWindowEnd'),
      headDepositNonce: num(r.headDepositNonce ?? 0, 'headDepositNonce'),
      depositCount: num(r.depositCount ?? 0, 'depositCount'),
      status: num(r.status ?? 0, 'status'),
      frozenAt: num(r.frozenAt ?? 0, 'frozenAt'),
      spawnedAt: r.spawnedAt === undefined || r.spawnedAt === null ? null : num(r.spawnedAt, 'spawnedAt'),
      stallLimit: r.stallLimit === undefined || r.stallLimit === null ? null : num(r.stallLimit, 'stallLimit'),
      lastActivity: r.lastActivity === undefined || r.lastActivity === null ? null : num(r.lastActivity, 'lastActivity'),
    };
  }

  /** `pt_getSubtreeBalance`: what this chain holds of `token` for `child` and its descendants. */
  async getSubtreeBalance(child: ChainId, token: Address): Promise<bigint> {
    return big(await this.request('pt_getSubtreeBalance', [child, token]), 'subtreeBalance');
  }

  /** `pt_getDepositRecord`: the deposit `nonce` of `child` recorded here, or null. */
  async getDepositRecord(child: ChainId, nonce: number | bigint): Promise<ChildDepositRecord | null> {
    const r = await this.request<any>('pt_getDepositRecord', [child, Number(nonce)]);
    return r === null || r === undefined ? null : depositRecord(r);
  }

  /** `pt_getChildDeposits`: the deposits of `child` with `fromNonce <= nonce <= toNonce`, in nonce order (at most 1000). */
  async getChildDeposits(child: ChainId, fromNonce: number | bigint, toNonce: number | bigint): Promise<ChildDepositRecord[]> {
    const r = await this.request<unknown>('pt_getChildDeposits', [child, Number(fromNonce), Number(toNonce)]);
    if (!Array.isArray(r)) throw plasmaError('BAD_RESPONSE', 'the node sent a malformed deposit list', { what: 'childDeposits' }, undefined, 'is the URL a Plasma Tree node of a compatible version?');
    return r.map(depositRecord);
  }

  /** `pt_getLedgerProof`: the ledger entry under `key` (see core's `ledgerKeys`) and its proof. */
  async getLedgerProof(key: Hex): Promise<LedgerProof> {
    const r = await this.request<any>('pt_getLedgerProof', [key]);
    if (!r || typeof r !== 'object') throw plasmaError('BAD_RESPONSE', 'the node sent a malformed ledger proof', { what: 'ledgerProof' }, undefined, 'is the URL a Plasma Tree node of a compatible version?');
    return { ...r, entry: r.entry ?? null, blockNumber: num(r.blockNumber ?? 0, 'blockNumber') };
  }

  /** `pt_getDataChallenge`: block `number` of `child`'s data challenge and publication here (docs/FRAUD.md §9b). */
  async getDataChallenge(child: ChainId, number: number | bigint): Promise<DataChallengeRecord> {
    return dataChallengeRecord(await this.request<any>('pt_getDataChallenge', [child, Number(number)]));
  }

  /** `pt_getDataChallenges`: the open data challenges of `child`'s blocks, by number. */
  async getDataChallenges(child: ChainId): Promise<DataChallengeRecord[]> {
    const r = await this.request<unknown>('pt_getDataChallenges', [child]);
    if (!Array.isArray(r)) throw malformed('data challenge list', JSON.stringify(r)?.slice(0, 80) ?? 'nothing');
    return r.map(dataChallengeRecord);
  }

  /** `pt_getCommitment`: null when block `number` of `child` is not committed here. */
  async getCommitment(child: ChainId, number: number | bigint): Promise<ChildCommitment | null> {
    const r = await this.request<any>('pt_getCommitment', [child, Number(number)]);
    if (r === null || r === undefined) return null;
    return {
      child: String(r.child ?? child).toLowerCase() as ChainId,
      number: num(r.number, 'number'),
      record: r.record,
      blockHash: String(r.blockHash).toLowerCase() as Hex,
      windowEnd: num(r.windowEnd, 'windowEnd'),
      blockNumber: num(r.blockNumber ?? 0, 'blockNumber'),
      timestamp: num(r.timestamp ?? 0, 'timestamp'),
    };
  }
}
