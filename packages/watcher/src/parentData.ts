/**
 * Data-availability challenges below a chain (docs/FRAUD.md §9b): a chain P with children runs PlasmaDataAvailability's
 * rules in its ledger, so a block of P's child K that no node serves is challenged on P with a CHALLENGE_CHILD_DATA
 * (tx kind 14, signed with the watcher's key, the bond CHILD_DATA_CHALLENGE_BOND from its native slot on P), its
 * publication is read back from P's blocks (the CHILD_DATA_CALL transactions, kind 15, that carry the chunks), and an
 * unanswered challenge is resolved after its deadline with a CHILD_DATA_CALL `resolveDataChallenge` paying the
 * challenger (its bond back and half K's bond). The conviction shows up as K's head going back in P's ledger
 * (ParentFollower, ParentHost.findConviction). Everything goes over P's nodes' JSON-RPC (`pt_getDataChallenge`,
 * `pt_getAccount`, `pt_getBlockByNumber`, `pt_sendTransaction`).
 */
import { formatEther } from 'ethers';
import {
  CHILD_DATA_CHALLENGE_BOND,
  DataChallengeStatus,
  NATIVE_TOKEN,
  TxKind,
  blockFromJson,
  blockFromPublishedData,
  decodeChildDataCallData,
  decodeCommitChildData,
  decodeDataAvailabilityCall,
  encodeReclaimChallengeBondCall,
  encodeResolveDataChallengeCall,
  exitLeavesFromPublishedData,
  hashHeader,
  plasmaDomain,
  secp256k1Scheme,
  signedTxDigest,
  signedTxToJson,
  type Address,
  type ChainId,
  type DecodedExitPublication,
  type DecodedPublication,
  type Header,
  type Hex,
  type SignedTx,
  type UnsignedTx,
} from '@plasma-tree/core';
import type { DataAvailabilityHost, DataChallengeView, PublishedBlock } from './dataAvailability.js';
import { watcherError } from './errors.js';
import type { ParentHost } from './parent.js';
import type { SendResult, SentHook } from './root.js';
import type { CommitRecord } from './store.js';

/** P's blocks searched for a publication at most (from the commit on). */
const MAX_SCAN = 5_000;

const lower = <T extends string>(v: string): T => v.toLowerCase() as T;

/** pt_getDataChallenge's answer (node rpc/methods.ts). */
interface DataChallengeJson {
  challenger: string;
  deadline: number;
  status: number;
  published: boolean;
}

/** P's ledger as the data-availability host of its children (docs/FRAUD.md §9b). */
export class ParentDataAvailability implements DataAvailabilityHost {
  readonly host: ChainId;
  readonly where: string;
  readonly bond = CHILD_DATA_CHALLENGE_BOND;
  /** Committed headers by hash, read from the COMMIT_CHILD in P's block. */
  private readonly headers = new Map<Hex, Header>();
  /** Blocks rebuilt from their publication, by hash (a publication never changes). */
  private readonly published = new Map<Hex, PublishedBlock>();

  constructor(private readonly p: ParentHost) {
    this.host = p.id;
    this.where = `chain ${p.name}`;
  }

  /** The header of `commit`, from the COMMIT_CHILD in P's block that recorded it, checked against the committed hash. */
  async headerOf(commit: CommitRecord): Promise<Header | null | undefined> {
    const cached = this.headers.get(commit.blockHash);
    if (cached) return cached;
    const json = await this.p.nodes.request('pt_getBlockByNumber', [commit.l1Block]);
    if (!json) return undefined;
    for (const tx of blockFromJson(json).txs) {
      if (tx.kind !== TxKind.CommitChild) continue;
      let header: Header;
      try {
        header = decodeCommitChildData(tx.data).header;
      } catch {
        continue;
      }
      if (hashHeader(header) !== commit.blockHash) continue;
      this.headers.set(commit.blockHash, header);
      return header;
    }
    return null;
  }

  private challengeJson(chainId: ChainId, number: number): Promise<DataChallengeJson> {
    return this.p.nodes.request<DataChallengeJson>('pt_getDataChallenge', [chainId, number]);
  }

  async challengeOf(chainId: ChainId, number: number): Promise<DataChallengeView> {
    const d = await this.challengeJson(chainId, number);
    return { challenger: lower(d.challenger), deadline: d.deadline, status: d.status as DataChallengeStatus };
  }

  /**
   * Block `commit.number` rebuilt from the CHILD_DATA_CALLs of P's blocks that published it (from the commit's block
   * on), once P's ledger says both trees are in; undefined before.
   */
  async publishedBlock(chainId: ChainId, commit: CommitRecord): Promise<PublishedBlock | undefined> {
    const cached = this.published.get(commit.blockHash);
    if (cached) return cached;
    if (!(await this.challengeJson(chainId, commit.number)).published) return undefined;
    const chunks = new Map<number, DecodedPublication>();
    const exitChunks = new Map<number, DecodedExitPublication>();
    let header: Header | undefined;
    const head = (await this.p.head()).number;
    for (let b = commit.l1Block; b <= Math.min(head, commit.l1Block + MAX_SCAN); b++) {
      const json = await this.p.nodes.request('pt_getBlockByNumber', [b]);
      if (!json) throw watcherError('NODE_UNREACHABLE', `chain ${this.p.name} serves no block ${b} below its head ${head}`, 'the next round tries again');
      for (const tx of blockFromJson(json).txs) {
        if (tx.kind !== TxKind.ChildDataCall) continue;
        const { child, call: input } = decodeChildDataCallData(tx.data);
        if (child.toLowerCase() !== chainId) continue;
        const call = decodeDataAvailabilityCall(input);
        if (call.method !== 'publishBlockData' && call.method !== 'publishExitData') continue;
        if (hashHeader(call.header) !== commit.blockHash) continue;
        if (call.method === 'publishBlockData') {
          header = call.header;
          chunks.set(call.chunk, call);
        } else exitChunks.set(call.chunk, call);
      }
    }
    if (!header) throw watcherError('NODE_UNREACHABLE', `block ${commit.number} is published on ${this.where} but no publication of it was found in its blocks ${commit.l1Block}..${head}`, 'the next round tries again');
    const block = { ...blockFromPublishedData(header, [...chunks.values()]), exitLeaves: exitLeavesFromPublishedData(header, [...exitChunks.values()]) };
    this.published.set(commit.blockHash, block);
    return block;
  }

  /** The watcher's native slot on P, when it holds one. */
  private async account(): Promise<{ slot: number | null; balance: bigint; pendingNonce: number }> {
    const a = await this.p.nodes.request<{ slot: number | null; balance: string; pendingNonce: number }>('pt_getAccount', [this.p.sender, NATIVE_TOKEN]);
    return { slot: a.slot, balance: BigInt(a.balance), pendingNonce: a.pendingNonce };
  }

  async cannotBond(): Promise<string | undefined> {
    if (!this.p.sender || !this.p.key) return 'the watcher has no key';
    const { balance } = await this.account();
    if (balance >= this.bond) return undefined;
    return `no funds to bond a data challenge on ${this.where}: the watcher holds ${formatEther(balance)} of its native coin, a challenge bonds ${formatEther(this.bond)}; ` +
      `deposit at least ${formatEther(this.bond - balance)} of the native coin to ${this.p.sender} on ${this.where} (${this.p.id}); the watcher challenges once it is there`;
  }

  async challenge(chainId: ChainId, header: Header, windowEnd: number, onSent: SentHook): Promise<SendResult> {
    if (!this.p.sender || !this.p.key) return { mined: false, reason: 'the watcher has no key' };
    const account = await this.account();
    if (account.slot === null || account.balance < this.bond) return { mined: false, reason: (await this.cannotBond()) ?? 'no native slot' };
    const unsigned = {
      kind: TxKind.ChallengeChildData, chainId: this.p.id, slot: account.slot, child: chainId, header, windowEnd: BigInt(windowEnd), bond: this.bond, nonce: BigInt(account.pendingNonce),
    } as UnsignedTx;
    const signature = secp256k1Scheme.sign(signedTxDigest(plasmaDomain(this.p.l1ChainId, this.p.address), unsigned), this.p.key);
    return this.p.send(signedTxToJson({ ...unsigned, signature } as SignedTx), 'data challenge', onSent);
  }

  /** A CHILD_DATA_CALL resolveDataChallenge: P pays `challenger` (`to` must be it), whoever sends it. */
  resolve(chainId: ChainId, header: Header, windowEnd: number, prev: Header | null, prevWindowEnd: number, challenger: Address, onSent: SentHook): Promise<SendResult> {
    return this.call(chainId, encodeResolveDataChallengeCall(chainId, header, windowEnd, prev, prevWindowEnd), challenger, 'data challenge resolution', onSent);
  }

  reclaim(chainId: ChainId, header: Header, windowEnd: number, challenger: Address, onSent: SentHook): Promise<SendResult> {
    return this.call(chainId, encodeReclaimChallengeBondCall(chainId, header, windowEnd), challenger, 'challenge bond reclaim', onSent);
  }

  taken(reason: string): boolean {
    return /^(ALREADY_CHALLENGED|DATA_ALREADY_PUBLISHED)\b/.test(reason);
  }

  private call(chainId: ChainId, call: Hex, to: Address, what: string, onSent: SentHook): Promise<SendResult> {
    return this.p.send({ kind: 'childDataCall', chainId: this.p.id, child: chainId, call, to }, what, onSent);
  }
}
