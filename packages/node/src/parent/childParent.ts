import { ConfirmedDeposits, depositEvent, downEventRecord, edgeEvent, type DownEvent } from './confirmedDeposits.js';
import {
  PlasmaError,
  ROOT_CHAIN_ID,
  TxKind,
  recordIs,
  signedTxToJson,
  type Address,
  type ChainId,
  type CommitChildTx,
  type Header,
  type Hex,
} from '@plasma-tree/core';
import type { ChainParams } from '../chain.js';
import { isPlasmaError, nodeError } from '../errors.js';
import { unsignedTxHash } from '../txHash.js';
import { Backoff, sleep } from '../util/abort.js';
import { pollLoop } from '../util/loop.js';
import type { ParentChain, ParentCommitment, ParentDeposits, ParentDepositsComponents } from './parentChain.js';

/** When a deposit recorded on the parent chain is applied here (docs/TREE.md §4 "down"). */
export type ParentFinality = 'committed' | 'final';

export interface ChildParentOptions {
  /** JSON-RPC URL of the parent chain's node. */
  nodeUrl: string;
  /** 'final' (default): the parent block holding a deposit is committed on the parent's own parent and its
   * challenge window has passed there; 'committed': it is committed there. */
  finality: ParentFinality;
  /** The root contract this node was configured with: the parent must belong to the same tree. */
  rootContract: Address;
  pollMs: number;
}

const ZERO_HASH = `0x${'00'.repeat(32)}` as Hex;
/** Most deposits asked for per poll (the parent answers at most 1000). */
const MAX_DEPOSITS_PER_POLL = 500;
/** Most commitments read per `commitments` call. */
const MAX_COMMITMENTS_PER_CALL = 100;

/**
 * A small JSON-RPC client of the parent chain's node. A network failure or a 5xx answer is retried with
 * backoff (`attempts` times) and then reported as PARENT_UNREACHABLE; a JSON-RPC error comes back as a
 * PlasmaError with the parent's `data.reason` as its code.
 */
export class ParentNodeClient {
  private id = 0;
  constructor(readonly url: string, private readonly opts: { attempts: number; timeoutMs: number } = { attempts: 4, timeoutMs: 10_000 }) {}

  async call<T = any>(method: string, params: unknown[] = [], signal?: AbortSignal): Promise<T> {
    const backoff = new Backoff(100, 2_000);
    let lastError = '';
    for (let attempt = 0; attempt < this.opts.attempts; attempt++) {
      if (attempt > 0) await sleep(backoff.next(), signal);
      signal?.throwIfAborted();
      let body: { result?: T; error?: { code: number; message: string; data?: { reason?: string } & Record<string, unknown> } };
      try {
        const timeout = AbortSignal.timeout(this.opts.timeoutMs);
        const res = await fetch(this.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ jsonrpc: '2.0', id: ++this.id, method, params }),
          signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
        });
        if (res.status >= 502) throw new Error(`HTTP ${res.status}`);
        body = (await res.json()) as typeof body;
      } catch (e) {
        signal?.throwIfAborted();
        lastError = (e as Error).message;
        continue;
      }
      if (body.error) {
        const reason = body.error.data?.reason ?? 'PARENT_RPC_ERROR';
        throw new PlasmaError(reason, `the parent node answered ${method} with: ${body.error.message}`, { data: { ...body.error.data, method, url: this.url } });
      }
      if (!('result' in body)) {
        throw nodeError('PARENT_UNREACHABLE', `the parent node at ${this.url} sent no result for ${method}`,
          'check that parent.nodeUrl is the JSON-RPC endpoint of a Plasma Tree node', { url: this.url, method });
      }
      return body.result as T;
    }
    throw nodeError('PARENT_UNREACHABLE', `cannot reach the parent chain's node at ${this.url} (${method}: ${lastError})`,
      "is the parent chain's node running and is parent.nodeUrl right?", { url: this.url, method });
  }
}

interface ChildInfoJson {
  chainId: ChainId;
  parentChainId: ChainId;
  validators: Address[];
  threshold: number;
  challengeWindow: number;
  headNumber: number;
}

interface ParentChainInfoJson {
  chainId: ChainId;
  /** The parent's own parent (ROOT_CHAIN_ID: the parent is a child of the root, depth 1). */
  parentChainId?: ChainId;
  /** The parent's depth in the tree (1: a child of the root); older nodes leave it out. */
  depth?: number;
  l1ChainId: number;
  rootContract: Address;
  committed: { number: number; hash: Hex };
  final?: { number: number; hash: Hex };
}

/** A record of `pt_getChildDeposits`: a DEPOSIT_TO_CHILD (`kind` 'deposit', or absent from older nodes) or a down edge call. */
type DepositRecordJson =
  | { kind?: 'deposit'; child: ChainId; nonce: number; from: Address; to: Address; token: Address; amount: string; depositHash: Hex; blockNumber: number }
  | { kind: 'edge'; child: ChainId; nonce: number; fn: Hex; sender: Address; payload: Hex; depositHash: Hex; blockNumber: number };

interface CommitmentJson {
  number: number;
  blockHash: Hex;
  windowEnd: number;
}

/**
 * The parent chain's depth in the tree, from its pt_chainInfo: `depth`, or 1 when it only says that its own parent is
 * the root. A chain's chunk budget shrinks with depth (core chunkByteBudget), so a depth that cannot be known is an error.
 */
function parentDepth(parent: ParentChainInfoJson, url: string): number {
  if (parent.depth !== undefined) {
    if (!Number.isInteger(parent.depth) || parent.depth < 1) {
      throw nodeError('BAD_CONFIG', `the parent node at ${url} reports depth ${JSON.stringify(parent.depth)}`, 'parent.nodeUrl must be a Plasma Tree node', { depth: parent.depth });
    }
    return parent.depth;
  }
  if (parent.parentChainId !== undefined && parent.parentChainId.toLowerCase() === ROOT_CHAIN_ID) return 1;
  throw nodeError('BAD_CONFIG', `the parent node at ${url} does not report its depth in the tree (pt_chainInfo.depth)`,
    'upgrade the parent chain\'s node: a chain below a chain takes its chunk budget from its depth', { url });
}

/**
 * A child chain as the parent: its node's JSON-RPC (docs/SPEC.md "Serving children"). Deposits come from
 * `pt_getChildDeposits` once the parent block holding them is final there (`finality`); commitments are
 * submitted as COMMIT_CHILD transactions and confirmed with `pt_getCommitment`.
 */
export class ChildParent implements ParentChain {
  readonly kind = 'child';
  readonly canSubmit = true;
  readonly client: ParentNodeClient;
  private parentChainId: ChainId | undefined;

  constructor(private readonly opts: ChildParentOptions) {
    this.client = new ParentNodeClient(opts.nodeUrl);
  }

  get url(): string {
    return this.opts.nodeUrl;
  }

  async chainParams(chainId: ChainId): Promise<ChainParams> {
    const parent = await this.client.call<ParentChainInfoJson>('pt_chainInfo');
    if (parent.rootContract.toLowerCase() !== this.opts.rootContract.toLowerCase()) {
      throw nodeError('BAD_CONFIG', `the parent node at ${this.url} belongs to root contract ${parent.rootContract}, this node is configured with ${this.opts.rootContract}`,
        'check parent.nodeUrl and rootContract: a chain and its parent are in the same tree', { parentRootContract: parent.rootContract, rootContract: this.opts.rootContract });
    }
    const info = await this.client.call<ChildInfoJson | null>('pt_getChildInfo', [chainId]);
    if (!info) {
      throw nodeError('UNKNOWN_CHAIN', `chain ${parent.chainId} (the parent node at ${this.url}) has no child ${chainId}`,
        'check chainId and parent.nodeUrl: the chain must have been spawned on that parent (SPAWN_CHILD; see pt_getChildren)', { chainId, parentChainId: parent.chainId });
    }
    this.parentChainId = parent.chainId.toLowerCase() as ChainId;
    const depth = parentDepth(parent, this.url) + 1;
    return {
      chainId,
      parentChainId: this.parentChainId,
      l1ChainId: BigInt(parent.l1ChainId),
      rootContract: parent.rootContract.toLowerCase() as Address,
      validators: info.validators.map((v) => v.toLowerCase() as Address),
      threshold: info.threshold,
      challengeWindow: Number(info.challengeWindow),
      depth,
    };
  }

  deposits(c: ParentDepositsComponents): ParentDeposits {
    return new ChildDepositFollower(this.client, c, { finality: this.opts.finality, pollMs: this.opts.pollMs });
  }

  async headNumber(chainId: ChainId): Promise<number> {
    const info = await this.client.call<ChildInfoJson | null>('pt_getChildInfo', [chainId]);
    if (!info) throw nodeError('UNKNOWN_CHAIN', `the parent node at ${this.url} no longer knows chain ${chainId}`, 'check parent.nodeUrl', { chainId });
    return Number(info.headNumber);
  }

  async commitments(chainId: ChainId, from: number, to: number): Promise<ParentCommitment[]> {
    const out: ParentCommitment[] = [];
    for (let number = from; number <= Math.min(to, from + MAX_COMMITMENTS_PER_CALL - 1); number++) {
      const c = await this.client.call<CommitmentJson | null>('pt_getCommitment', [chainId, number]);
      if (!c) break;
      out.push({ number: c.number, blockHash: c.blockHash.toLowerCase() as Hex, windowEnd: c.windowEnd, txHash: ZERO_HASH });
    }
    return out;
  }

  /** Sends COMMIT_CHILD to the parent and waits until its block holds the commitment. */
  async submitCommitment(header: Header, packedSignatures: Hex, signal: AbortSignal): Promise<ParentCommitment> {
    if (!this.parentChainId) throw new Error('ChildParent.submitCommitment before chainParams');
    const tx: CommitChildTx = { kind: TxKind.CommitChild, chainId: this.parentChainId, child: header.chainId, header, signatures: packedSignatures };
    let hash = unsignedTxHash(tx);
    try {
      hash = (await this.client.call<{ hash: Hex }>('pt_sendTransaction', [signedTxToJson(tx)], signal)).hash;
    } catch (e) {
      // Sent before (a retried round): wait for the one already waiting on the parent.
      if (!(isPlasmaError(e) && e.code === 'TX_KNOWN')) throw e;
    }
    for (;;) {
      signal.throwIfAborted();
      const c = await this.client.call<CommitmentJson | null>('pt_getCommitment', [header.chainId, Number(header.number)], signal);
      if (c) return { number: c.number, blockHash: c.blockHash.toLowerCase() as Hex, windowEnd: c.windowEnd, txHash: hash };
      const receipt = await this.client.call<{ status: string; reason?: string; message?: string } | null>('pt_getReceipt', [hash], signal);
      if (receipt?.status === 'rejected') {
        throw new PlasmaError(receipt.reason ?? 'COMMIT_REJECTED', `the parent chain rejected the commitment of block ${header.number}: ${receipt.message ?? ''}`, {
          data: { number: Number(header.number), txHash: hash },
        });
      }
      await sleep(this.opts.pollMs, signal);
    }
  }

  async time(): Promise<number> {
    return Number(await this.client.call<number>('pt_time'));
  }

  close(): void {}
}

/**
 * Follows the down stream a parent chain recorded for this chain (`pt_getChildDeposits`: its DEPOSIT_TO_CHILDs
 * and down EDGE_SENDs, one nonce stream), taking in those whose parent block is final there ('committed' or
 * 'final', from the parent's `pt_chainInfo`), each checked against its record: `hashDeposit` (a deposit) or
 * `edgeDownRecord` (an edge event) of the served fields must be the served `depositHash`, with consecutive nonces.
 */
export class ChildDepositFollower implements ParentDeposits {
  private readonly deposits = new ConfirmedDeposits();

  constructor(
    private readonly client: ParentNodeClient,
    private readonly c: ParentDepositsComponents,
    private readonly opts: { finality: ParentFinality; pollMs: number },
  ) {}

  run(signal: AbortSignal): Promise<void> {
    return pollLoop(
      signal,
      { task: "read deposits from the parent chain's node", intervalMs: this.opts.pollMs, logger: this.c.logger, onError: () => this.c.metrics.l1Errors.inc(1, 'depositFollower') },
      () => this.poll(),
    );
  }

  next(afterNonce: bigint, max: number): DownEvent[] {
    return this.deposits.next(afterNonce, max);
  }

  confirmedAt(nonce: bigint): number | undefined {
    return this.deposits.confirmedAt(nonce);
  }

  record(nonce: bigint): Hex | undefined {
    return this.deposits.record(nonce);
  }

  get confirmedNonce(): bigint {
    return this.deposits.confirmedNonce(this.c.appliedNonce());
  }

  /** Parent block height up to which deposits are final, per `finality`. */
  private async finalHeight(): Promise<number> {
    const info = await this.client.call<ParentChainInfoJson>('pt_chainInfo');
    if (this.opts.finality === 'committed') return info.committed.number;
    if (!info.final) {
      throw nodeError('PARENT_UNREACHABLE', `the parent node at ${this.client.url} does not report its final height (pt_chainInfo.final)`,
        "upgrade the parent chain's node, or run this node with parent.finality 'committed'", { url: this.client.url });
    }
    return info.final.number;
  }

  async poll(): Promise<void> {
    const applied = this.c.appliedNonce();
    this.deposits.dropApplied(applied);
    const height = await this.finalHeight();
    const known = this.confirmedNonce;
    const records = await this.client.call<DepositRecordJson[]>('pt_getChildDeposits', [this.c.chainId, Number(known + 1n), Number(known + BigInt(MAX_DEPOSITS_PER_POLL))]);
    let expected = known + 1n;
    for (const r of records) {
      if (BigInt(r.nonce) !== expected || r.blockNumber > height) break;
      const nonce = BigInt(r.nonce);
      const event: DownEvent =
        r.kind === 'edge'
          ? edgeEvent({ nonce, fn: r.fn.toLowerCase() as Hex, sender: r.sender.toLowerCase() as Address, payload: r.payload.toLowerCase() as Hex })
          : depositEvent({
              chainId: this.c.chainId,
              nonce,
              from: r.from.toLowerCase() as Address,
              to: r.to.toLowerCase() as Address,
              token: r.token.toLowerCase() as Address,
              amount: BigInt(r.amount),
            });
      const record = downEventRecord(this.c.chainId, event);
      if (r.child.toLowerCase() !== this.c.chainId || !recordIs(r.depositHash as Hex, record)) {
        throw nodeError('PARENT_UNREACHABLE', `the parent node served ${event.kind === 'edge' ? 'edge event' : 'deposit'} ${r.nonce} with a record that does not match its fields`,
          "the parent chain's node answers nonsense: check parent.nodeUrl", { nonce: r.nonce, served: r.depositHash, computed: record });
      }
      this.deposits.add(event, record);
      expected++;
    }
    const confirmed = this.confirmedNonce;
    this.c.metrics.depositsConfirmed.set(Number(confirmed));
    if (confirmed > known) this.c.logger.debug('parent deposits final', { from: known + 1n, to: confirmed, parentHeight: height });
  }
}
