import {
  FraudKind,
  TxKind,
  blockFromJson,
  decodeChildDataCallData,
  decodeDataAvailabilityCall,
  decodeProveChildFraudData,
  encodeFraudProofArgs,
  type Address,
  type ChainId,
  type FraudProof,
  type Hex,
} from '@plasma-tree/core';
import type { ChainWatch } from './chain.js';
import { watcherError } from './errors.js';
import type { Host } from './host.js';
import type { Logger } from './logger.js';
import { sleep } from './loop.js';
import { NodeRpcError, type NodePool } from './nodes.js';
import type { RootChainInfo, RootEvent, SendResult, SentHook } from './root.js';
import type { WatcherStore } from './store.js';

const lower = <T extends string>(v: string): T => v.toLowerCase() as T;
/** How long an objection may wait in the parent's mempool before the round gives up (the next round follows it up). */
const INCLUSION_TIMEOUT_MS = 30_000;
/** Parent blocks searched back for the transaction of a conviction. */
const MAX_SCAN = 5_000;

interface ChildInfoJson {
  chainId: string;
  parentChainId: string;
  bond: string;
  threshold: number;
  challengeWindow: number;
  headNumber: number;
  headWindowEnd: number;
  depositCount: number;
  status: number;
  frozenAt: number;
  /** The stall rule (docs/FRAUD.md §8); absent from a node that predates it. */
  spawnedAt?: number;
  stallLimit?: number;
}

interface ReceiptJson {
  status: 'pending' | 'included' | 'committed' | 'rejected';
  blockNumber: number | null;
  reason?: string;
  message?: string;
}

/**
 * A parent chain P as the judge of its children (docs/FRAUD.md §7), over P's nodes' JSON-RPC: the children's info and
 * status from P's ledger (`pt_getChildInfo`), their deposit records (`pt_getDepositRecord`), and objections sent as
 * PROVE_CHILD_FRAUD (kind 10) transactions with `pt_sendTransaction`, followed to inclusion in P's blocks
 * (`pt_getReceipt`). The reward goes to the watcher's address on P; the node's producer places it (`toSlot`: the
 * slot holding `(to, native)`, else the lowest free one, as for a FINALIZE_CHILD_EXIT). Nothing is signed: the
 * proof is the authority. A child silent for longer than its stall limit in P's ledger is frozen with a
 * FREEZE_STALLED_CHILD (kind 13, unsigned and free too), followed the same way.
 */
export class ParentHost implements Host {
  constructor(
    readonly id: ChainId,
    readonly name: string,
    readonly nodes: NodePool,
    readonly l1ChainId: bigint,
    readonly address: Address,
    readonly sender: Address | undefined,
    private readonly pollMs: number,
    /** The watcher's key: it signs what the watcher bonds on P (a CHALLENGE_CHILD_DATA, docs/FRAUD.md §9b). */
    readonly key?: Hex,
  ) {}

  async childInfo(chainId: ChainId): Promise<ChildInfoJson> {
    const info = await this.nodes.request<ChildInfoJson | null>('pt_getChildInfo', [chainId]);
    if (!info) throw watcherError('UNKNOWN_CHAIN', `chain ${this.name} (${this.id}) knows no child ${chainId}`, 'pass the chain\'s own node URLs and watch its parent chain too (the parent is read from the chain\'s node)', { chainId, parent: this.id });
    return info;
  }

  async chainInfo(chainId: ChainId): Promise<RootChainInfo> {
    const i = await this.childInfo(chainId);
    return {
      parentChainId: lower(i.parentChainId),
      threshold: i.threshold,
      challengeWindow: i.challengeWindow,
      headNumber: i.headNumber,
      headWindowEnd: i.headWindowEnd,
      bond: BigInt(i.bond),
      depositCount: BigInt(i.depositCount),
    };
  }

  async chainStatus(chainId: ChainId): Promise<number> {
    return (await this.childInfo(chainId)).status;
  }

  /** P's stall limit of the child (docs/FRAUD.md §8); a node of P that predates the stall rule: never stalled. */
  async stallLimit(chainId: ChainId): Promise<number> {
    return (await this.childInfo(chainId)).stallLimit ?? Number.MAX_SAFE_INTEGER;
  }

  /** P's time of the spawn: the child's last activity before its first commit. */
  async spawnTime(chainId: ChainId): Promise<number> {
    return (await this.childInfo(chainId)).spawnedAt ?? 0;
  }

  async depositRecord(chainId: ChainId, nonce: bigint): Promise<Hex | undefined> {
    const r = await this.nodes.request<{ depositHash: string } | null>('pt_getDepositRecord', [chainId, Number(nonce)]);
    return r ? lower<Hex>(r.depositHash) : undefined;
  }

  /**
   * P's head block number and P's clock (the windows and stall limits of P's children run on it): its head's timestamp,
   * or the wall clock when later. An idle P makes no blocks, and its next one is stamped with its producer's wall clock
   * (never before its head), which is also the time P's node dry-runs a transaction at: the time any transaction this
   * watcher sends there is judged by.
   */
  async head(): Promise<{ number: number; timestamp: number }> {
    const [info, time] = await Promise.all([this.nodes.request<{ head: { number: number } }>('pt_chainInfo'), this.nodes.request<number>('pt_time')]);
    return { number: info.head.number, timestamp: Math.max(time, Math.floor(Date.now() / 1000)) };
  }

  async commitment(chainId: ChainId, n: number): Promise<{ blockHash: Hex; windowEnd: number; blockNumber: number } | undefined> {
    const c = await this.nodes.request<{ blockHash: string; windowEnd: number; blockNumber: number } | null>('pt_getCommitment', [chainId, n]);
    return c ? { blockHash: lower(c.blockHash), windowEnd: c.windowEnd, blockNumber: c.blockNumber } : undefined;
  }

  /**
   * The newest conviction of `chainId` in P's blocks `from..to`: a PROVE_CHILD_FRAUD, or a CHILD_DATA_CALL that resolved
   * an unanswered data challenge (FraudKind.UnavailableData, docs/FRAUD.md §9b); who got the reward, in which block.
   */
  async findConviction(chainId: ChainId, from: number, to: number): Promise<{ challenger: Address; block: number; kind: number } | undefined> {
    for (let b = to; b >= Math.max(1, from, to - MAX_SCAN); b--) {
      const json = await this.nodes.request('pt_getBlockByNumber', [b]);
      if (!json) continue;
      for (const tx of blockFromJson(json).txs.slice().reverse()) {
        if (tx.kind === TxKind.ProveChildFraud) {
          const d = decodeProveChildFraudData(tx.data);
          if (d.child.toLowerCase() === chainId) return { challenger: lower(tx.to), block: b, kind: d.fraudKind };
        } else if (tx.kind === TxKind.ChildDataCall) {
          const d = decodeChildDataCallData(tx.data);
          if (d.child.toLowerCase() !== chainId) continue;
          let method: string;
          try {
            method = decodeDataAvailabilityCall(d.call).method;
          } catch {
            continue;
          }
          if (method === 'resolveDataChallenge') return { challenger: lower(tx.to), block: b, kind: FraudKind.UnavailableData };
        }
      }
    }
    return undefined;
  }

  async sendProof(chainId: ChainId, proof: FraudProof, windows: { windowEnd: bigint; prevWindowEnd: bigint }, onSent?: SentHook): Promise<SendResult> {
    if (!this.sender) throw watcherError('BAD_CONFIG', 'the watcher has no key: no address to credit the reward to', 'pass a key (WatcherOptions.key, --key)');
    const tx = { kind: 'proveChildFraud', chainId: this.id, child: chainId, fraudKind: proof.kind, args: encodeFraudProofArgs(proof, windows), to: this.sender };
    return this.send(tx, 'objection', onSent);
  }

  /** FREEZE_STALLED_CHILD (kind 13) of `chainId` on P, followed to inclusion; P's refusal (NOT_STALLED, CHAIN_IS_FROZEN) is an answer. */
  freezeStalled(chainId: ChainId): Promise<SendResult> {
    return this.send({ kind: 'freezeStalledChild', chainId: this.id, child: chainId }, 'stall freeze');
  }

  /** Sends a transaction (JSON, as pt_sendTransaction takes it) to P's nodes and waits until a block of P holds it (or P refused it). */
  async send(tx: object, what: string, onSent?: SentHook): Promise<SendResult> {
    let hash: Hex;
    try {
      hash = lower((await this.nodes.request<{ hash: string }>('pt_sendTransaction', [tx])).hash);
    } catch (e) {
      if (e instanceof NodeRpcError) return { mined: false, reason: `${e.reason}: ${e.message}` };
      throw e;
    }
    onSent?.(hash);
    const deadline = Date.now() + INCLUSION_TIMEOUT_MS;
    for (;;) {
      const r = await this.receiptJson(hash);
      if (r?.status === 'included' || r?.status === 'committed') return { mined: true, txHash: hash, l1Block: r.blockNumber!, gasUsed: 0n };
      if (r?.status === 'rejected') return { mined: false, txHash: hash, reason: `${r.reason}: ${r.message ?? ''}` };
      if (Date.now() > deadline) throw watcherError('NODE_UNREACHABLE', `${what} ${hash} is not in a block of ${this.name} after ${INCLUSION_TIMEOUT_MS / 1000} s`, 'is the parent chain producing blocks? the watcher follows it up next round', { tx: hash });
      await sleep(this.pollMs);
    }
  }

  private receiptJson(hash: Hex): Promise<ReceiptJson | null> {
    return this.nodes.request<ReceiptJson | null>('pt_getReceipt', [hash]);
  }

  async receipt(hash: Hex): Promise<{ l1Block: number; ok: boolean; committed?: boolean } | undefined> {
    const r = await this.receiptJson(hash);
    if (!r || r.status === 'pending') return undefined;
    if (r.status === 'rejected') return { l1Block: 0, ok: false };
    return { l1Block: r.blockNumber!, ok: true, committed: r.status === 'committed' };
  }
}

/**
 * Follows a parent chain P for its watched children, as the L1 follower does PlasmaRoot: each round reads P's head
 * and clock, every child's new commitments in P's ledger (`pt_getCommitment` up to `pt_getChildInfo.headNumber`), its
 * conviction (a head gone back: the PROVE_CHILD_FRAUD that did it is looked up in P's blocks) and its status, and
 * hands them to the chain as events, persisted in one batch per chain. P's blocks are final once its quorum signed
 * them; a conviction of P itself shows up as P's own status.
 */
export class ParentFollower {
  chains: ChainWatch[] = [];
  head = { number: 0, timestamp: 0 };
  healthy = false;

  constructor(readonly host: ParentHost, private readonly store: WatcherStore, private readonly logger: Logger) {}

  async round(): Promise<void> {
    try {
      this.head = await this.host.head();
      for (const chain of this.chains) {
        await chain.lock.run(async () => {
          const batch = await chain.applyEvents(await this.events(chain));
          await chain.followHostCommitment(batch);
          await this.store.write([batch]);
          await chain.checkClock();
        });
      }
      this.healthy = true;
    } catch (e) {
      this.healthy = false;
      throw e;
    }
  }

  private async events(chain: ChainWatch): Promise<RootEvent[]> {
    const info = await this.host.childInfo(chain.chainId);
    const out: RootEvent[] = [];
    const at = { chainId: chain.chainId, l1BlockHash: '0x' as Hex, l1TxHash: '0x' as Hex };
    const known = chain.headCommitted;
    if (info.headNumber < known) {
      const number = info.headNumber + 1;
      const from = chain.commitAt(number)?.l1Block ?? 1;
      // P's head read after the child's info: the block of the conviction is at most that.
      this.head = await this.host.head();
      const found = await this.host.findConviction(chain.chainId, from, this.head.number);
      this.logger.debug('conviction in the parent\'s ledger', { chain: chain.name, number, found });
      out.push({ type: 'FraudProven', ...at, number, kind: found?.kind ?? -1, challenger: found?.challenger ?? ('0x' as Address), reward: 0n, l1Block: found?.block ?? this.head.number });
    }
    for (let n = Math.min(known, info.headNumber) + 1; n <= info.headNumber; n++) {
      const c = await this.host.commitment(chain.chainId, n);
      if (!c) break;
      out.push({ type: 'Committed', ...at, number: n, blockHash: c.blockHash, windowEnd: c.windowEnd, l1Block: c.blockNumber });
    }
    if (info.status !== chain.status) out.push({ type: 'ChainFrozen', ...at, status: info.status, l1Block: this.head.number });
    return out;
  }
}
