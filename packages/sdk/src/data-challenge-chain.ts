/**
 * Data-availability challenges one level down (docs/FRAUD.md §9b): a chain K whose parent P is a chain commits its
 * blocks on P, and P's ledger runs PlasmaDataAvailability's rules. A holder who cannot get a committed block of K
 * challenges it on P with a CHALLENGE_CHILD_DATA (kind 14, signed EIP-712 `ChallengeChildData`, the bond
 * CHILD_DATA_CHALLENGE_BOND from the signer's native slot on P) in the first half of the block's window; K's
 * validators must publish it on P (CHILD_DATA_CALL, kind 15) by the deadline, or anyone resolves the challenge
 * (a kind 15 `resolveDataChallenge` paying the challenger) and the block is convicted: K rolled back and frozen on P.
 * A challenge nobody resolved gives its bond back once the block's window passed (`reclaimChallengeBond`).
 *
 * `ChainDataChallengeClient` has `DataChallengeClient`'s interface (`DataChallenger`), with P's node in place of the
 * root contract and P's block clock in place of L1 time, the way `ChainEscapeClient` mirrors `EscapeClient`. The
 * committed header is read back from P's block holding the COMMIT_CHILD (`pt_getCommitment` names it), as the root
 * client reads it from the L1 commit transaction: nothing of K is needed.
 */
import { Signature, type Signer } from 'ethers';
import {
  CHILD_DATA_CHALLENGE_BOND,
  NATIVE_TOKEN,
  PlasmaError,
  TxKind,
  decodeCommitChildData,
  encodeReclaimChallengeBondCall,
  encodeResolveDataChallengeCall,
  hashHeader,
  type Address,
  type ChainId,
  type ChallengeChildDataTx,
  type ChildDataCallTx,
  type Header,
  type Hex,
  type SignedTx,
  type UnsignedTx,
} from '@plasma-tree/core';
import { plasmaError } from './errors.js';
import { mapL1Error } from './l1.js';
import { NodeClient, type DataChallengeRecord, type Receipt } from './node-client.js';
import { txHashOf, typedDataFor } from './protocol.js';
import type { DataChallengeStatusName, DataChallengeView, DataChallenger } from './data-challenge.js';
import type { ChainStatusName } from './escape.js';

const STATUS_NAMES: readonly DataChallengeStatusName[] = ['none', 'open', 'answered', 'convicted', 'lapsed'];
const CHAIN_STATUS_NAMES: readonly ChainStatusName[] = ['live', 'frozen-fraud', 'frozen-stalled'];
const err = (code: string, message: string, data: Record<string, unknown> = {}, hint?: string, cause?: unknown): PlasmaError => plasmaError(code, message, data, cause, hint);

export interface ChainDataChallengeClientOptions {
  /** A node of the parent chain P (its URL or a NodeClient): it holds K's commitments and takes kinds 14 and 15. */
  parentNode: string | NodeClient;
  /**
   * Signs the CHALLENGE_CHILD_DATA (EIP-712, so any wallet can): its native-token slot on P pays the bond. Resolving
   * and reclaiming are unsigned and free (anyone may send them): a read-only client does them too.
   */
  signer?: Signer;
  /** P's chain id (default: read from the node's pt_chainInfo). */
  parentChainId?: ChainId;
  /** Receipt polling, ms (default 250). */
  pollMs?: number;
  /** How long to wait for inclusion, ms (default 120 000). */
  timeoutMs?: number;
  /**
   * The wall clock, in seconds (default Date.now). P's next block is stamped no earlier than it, so `now` (what the
   * deadlines are judged by) is max(pt_time, clock()), as P's node dry-runs kinds 14 and 15.
   */
  clock?: () => number;
}

/** Block `number` of a chain under a chain, as its parent's ledger sees its data (by the parent's clock). */
export interface ChainDataChallengeView extends DataChallengeView {
  host: 'chain';
  parentChainId: ChainId;
  /** What the open challenge holds (0 when none or settled). */
  bond: bigint;
  /** The publication's progress on P: next transaction chunk, next exit chunk, each tree complete. */
  nextChunk: number;
  txsPublished: boolean;
  nextExitChunk: number;
  exitPublished: boolean;
  /** The chain's head on P, and its status there (a conviction rolls it back and freezes it). */
  headNumber: number;
  chainStatus: ChainStatusName;
  /** P's block holding the COMMIT_CHILD of this block. */
  commitBlock: number;
  /** P's head timestamp (`pt_time`); `now` is the later of it and the wall clock. */
  parentTime: number;
}

export class ChainDataChallengeClient implements DataChallenger {
  readonly host = 'chain' as const;
  readonly node: NodeClient;
  private readonly signer: Signer | undefined;
  private parentId: ChainId | undefined;
  private domain: { l1ChainId: number; rootContract: Address } | undefined;
  private readonly pollMs: number;
  private readonly timeoutMs: number;
  private readonly clock: () => number;

  constructor(opts: ChainDataChallengeClientOptions) {
    this.node = typeof opts.parentNode === 'string' ? new NodeClient(opts.parentNode) : opts.parentNode;
    this.signer = opts.signer;
    this.parentId = opts.parentChainId?.toLowerCase() as ChainId | undefined;
    this.pollMs = opts.pollMs ?? 250;
    this.timeoutMs = opts.timeoutMs ?? 120_000;
    this.clock = opts.clock ?? (() => Math.floor(Date.now() / 1000));
  }

  /** P's chain id ('' until known: pass `parentChainId`, or call `status` first). */
  get parentChainId(): ChainId {
    return this.parentId ?? ('' as ChainId);
  }

  // ---------------------------------------------------------------------------------------------- status

  /**
   * What P's ledger says about block `number` of `chainId`'s data: its challenge (pt_getDataChallenge), the
   * publication's progress, the deadlines by P's clock, and what `challenge` / `resolve` / `reclaim` would do now.
   * UNKNOWN_CHAIN when P hosts no such child, UNKNOWN_COMMITMENT when P never recorded the block.
   */
  async status(chainId: ChainId, number: number): Promise<ChainDataChallengeView> {
    const child = chainId.toLowerCase() as ChainId;
    checkNumber(number);
    const [info, commitment, record, parentTime, parentChainId] = await Promise.all([
      this.node.getChildInfo(child),
      this.node.getCommitment(child, number),
      this.record(child, number),
      this.node.time(),
      this.parent(),
    ]);
    if (!info) throw unknownChain(child, parentChainId, this.node.url);
    if (!commitment) throw unknownCommitment(child, number, parentChainId, info.headNumber);
    const now = Math.max(parentTime, this.clock());
    const windowEnd = commitment.windowEnd;
    const challengeBefore = windowEnd - Math.floor(info.challengeWindow / 2);
    const status = STATUS_NAMES[record.status] ?? 'none';
    const chainStatus = CHAIN_STATUS_NAMES[info.status] ?? 'frozen-fraud';
    // A rollback keeps the record of a number above the head: such a block can no longer be challenged or convicted.
    const live = number <= info.headNumber;
    const open = status === 'open';
    return {
      chainId: child,
      number,
      host: 'chain',
      parentChainId,
      published: record.published,
      status,
      challenger: record.challenger,
      deadline: record.deadline,
      windowEnd,
      challengeBefore,
      now,
      canChallenge: chainStatus === 'live' && live && !record.published && status === 'none' && now < challengeBefore,
      canResolve: live && open && now > record.deadline && now < windowEnd,
      canReclaim: open && (!live || now >= windowEnd),
      bond: record.bond,
      nextChunk: record.nextChunk,
      txsPublished: record.txsPublished,
      nextExitChunk: record.nextExitChunk,
      exitPublished: record.exitPublished,
      headNumber: info.headNumber,
      chainStatus,
      commitBlock: commitment.blockNumber,
      parentTime,
    };
  }

  /** The open data challenges of `chainId`'s blocks on P (what its validators must answer), by number. */
  async openChallenges(chainId: ChainId): Promise<DataChallengeRecord[]> {
    return this.supported(() => this.node.getDataChallenges(chainId.toLowerCase() as ChainId));
  }

  // ---------------------------------------------------------------------------------------------- challenge

  /**
   * Challenges block `number` of `chainId` on P: a CHALLENGE_CHILD_DATA signed by the signer (EIP-712), bonding
   * CHILD_DATA_CHALLENGE_BOND of its native coin on P, sent to P's node and waited for until P includes it. Refused
   * before anything is signed with P's ledger's codes: CHAIN_IS_FROZEN, UNKNOWN_COMMITMENT, TOO_LATE_TO_CHALLENGE,
   * DATA_ALREADY_PUBLISHED, ALREADY_CHALLENGED; INSUFFICIENT_BALANCE when the signer holds less than the bond on P.
   */
  async challenge(chainId: ChainId, number: number): Promise<{ txHash: Hex; deadline: number; blockNumber: number }> {
    const signer = this.requireSigner('a data challenge');
    const s = await this.status(chainId, number);
    const where = `chain ${s.parentChainId}`;
    if (s.chainStatus !== 'live') {
      throw err('CHAIN_IS_FROZEN', `chain ${s.chainId} is frozen (${s.chainStatus}) on ${where}: its blocks can no longer be challenged`, { chainId: s.chainId, status: s.chainStatus },
        'nothing to challenge: its holders leave with `plasma-tree escape exit`');
    }
    if (number > s.headNumber) throw unknownCommitment(s.chainId, number, s.parentChainId, s.headNumber);
    if (s.now >= s.challengeBefore) throw tooLate(s);
    if (s.published) {
      throw err('DATA_ALREADY_PUBLISHED', `the data of block ${number} of chain ${s.chainId} is published on ${where} already`, { chainId: s.chainId, number },
        `read it back from the CHILD_DATA_CALL transactions in ${where}'s blocks (core decodeDataAvailabilityCall, blockFromPublishedData)`);
    }
    if (s.status !== 'none') throw alreadyChallenged(s);

    const { header, windowEnd } = await this.committed(s.chainId, number);
    const from = (await signer.getAddress()).toLowerCase() as Address;
    const account = await this.node.getAccount(from, NATIVE_TOKEN);
    if (account.slot === null || account.balance < CHILD_DATA_CHALLENGE_BOND) {
      throw err('INSUFFICIENT_BALANCE', `${from} holds ${account.balance} of the native coin on ${where}, the challenge bonds ${CHILD_DATA_CHALLENGE_BOND}`,
        { owner: from, balance: account.balance.toString(), required: CHILD_DATA_CHALLENGE_BOND.toString(), parentChainId: s.parentChainId },
        `deposit at least ${CHILD_DATA_CHALLENGE_BOND} wei of ETH into chain ${s.parentChainId} first (\`plasma-tree deposit --chain <parent> --token ETH\`); the bond comes back if the block is convicted or the challenge lapses`);
    }
    const { l1ChainId, rootContract } = await this.signingDomain();
    const unsigned: UnsignedTx = {
      kind: TxKind.ChallengeChildData, chainId: s.parentChainId, slot: account.slot, child: s.chainId, header, windowEnd: BigInt(windowEnd),
      bond: CHILD_DATA_CHALLENGE_BOND, nonce: account.pendingNonce,
    };
    const { domain, types, message } = typedDataFor(l1ChainId, rootContract, unsigned);
    let sig: string;
    try {
      sig = await signer.signTypedData(domain, types, message);
    } catch (e) {
      throw mapL1Error(e, 'signing the data challenge');
    }
    const tx = { ...unsigned, signature: Signature.from(sig).serialized as Hex } as ChallengeChildDataTx;
    const expected = txHashOf(l1ChainId, rootContract, unsigned);
    const receipt = await this.submit('CHALLENGE_CHILD_DATA', tx, (e) => {
      // P's clock may run ahead of the estimate: its block time decides.
      if (e.code === 'TOO_LATE_TO_CHALLENGE') return tooLate(s, e);
      if (e.code === 'ALREADY_CHALLENGED') return alreadyChallenged(s, e);
      return e;
    }, expected);
    const after = await this.status(s.chainId, number);
    return { txHash: receipt.txHash, deadline: after.deadline, blockNumber: receipt.blockNumber ?? 0 };
  }

  // ---------------------------------------------------------------------------------------------- resolve / reclaim

  /**
   * After the deadline, an unanswered challenge (anyone's) convicts the block: a CHILD_DATA_CALL running
   * `resolveDataChallenge` on P, paying the challenger (the reward, half the chain's bond, and its bond back); the
   * chain is rolled back to `number − 1` and frozen on P. Unsigned and free. NO_OPEN_CHALLENGE, RESPONSE_WINDOW_OPEN,
   * UNKNOWN_COMMITMENT, CHALLENGE_WINDOW_CLOSED before sending.
   */
  async resolve(chainId: ChainId, number: number): Promise<{ txHash: Hex; blockNumber: number }> {
    const s = await this.status(chainId, number);
    if (s.status !== 'open') throw noOpenChallenge(s);
    if (s.now <= s.deadline) throw responseWindowOpen(s);
    if (number > s.headNumber) throw unknownCommitment(s.chainId, number, s.parentChainId, s.headNumber);
    if (s.now >= s.windowEnd) {
      throw err('CHALLENGE_WINDOW_CLOSED', `the window of block ${number} of chain ${s.chainId} ended at ${s.windowEnd} (${s.parentChainId}'s time, now ${s.now}): the block is final`,
        { chainId: s.chainId, number, windowEnd: s.windowEnd, now: s.now }, 'nobody resolved the challenge in time: the challenger takes its bond back with `plasma-tree challenge reclaim`');
    }
    const { header, windowEnd } = await this.committed(s.chainId, number);
    const prev = number === 1 ? null : await this.committed(s.chainId, number - 1);
    const call = encodeResolveDataChallengeCall(s.chainId, header, windowEnd, prev?.header ?? null, prev?.windowEnd ?? 0);
    const tx: ChildDataCallTx = { kind: TxKind.ChildDataCall, chainId: s.parentChainId, child: s.chainId, call, to: s.challenger };
    const r = await this.submit('CHILD_DATA_CALL (resolveDataChallenge)', tx, (e) => {
      if (e.code === 'RESPONSE_WINDOW_OPEN') return responseWindowOpen(s, e);
      if (e.code === 'NO_OPEN_CHALLENGE') return noOpenChallenge(s, e);
      return e;
    });
    return { txHash: r.txHash, blockNumber: r.blockNumber ?? 0 };
  }

  /**
   * An open challenge nobody resolved, once it can no longer be (the block's window ended on P, or another proof rolled
   * the chain back below it): a CHILD_DATA_CALL running `reclaimChallengeBond`, the bond back to the challenger.
   * Unsigned and free. NO_OPEN_CHALLENGE, CHALLENGE_STILL_RESOLVABLE before sending.
   */
  async reclaim(chainId: ChainId, number: number): Promise<{ txHash: Hex; blockNumber: number }> {
    const s = await this.status(chainId, number);
    if (s.status !== 'open') throw noOpenChallenge(s);
    if (!s.canReclaim) throw stillResolvable(s);
    const { header, windowEnd } = await this.committed(s.chainId, number);
    const tx: ChildDataCallTx = { kind: TxKind.ChildDataCall, chainId: s.parentChainId, child: s.chainId, call: encodeReclaimChallengeBondCall(s.chainId, header, windowEnd), to: s.challenger };
    const r = await this.submit('CHILD_DATA_CALL (reclaimChallengeBond)', tx, (e) => {
      if (e.code === 'CHALLENGE_STILL_RESOLVABLE') return stillResolvable(s, e);
      if (e.code === 'NO_OPEN_CHALLENGE') return noOpenChallenge(s, e);
      return e;
    });
    return { txHash: r.txHash, blockNumber: r.blockNumber ?? 0 };
  }

  // ---------------------------------------------------------------------------------------------- internals

  /**
   * Block `number`'s header as P committed it, and its windowEnd: P's commitment record names the block of P holding the
   * COMMIT_CHILD (kind 4), whose data carries the whole header; it is checked against the recorded block hash.
   */
  async committed(chainId: ChainId, number: number): Promise<{ header: Header; windowEnd: number }> {
    const child = chainId.toLowerCase() as ChainId;
    const c = await this.node.getCommitment(child, number);
    if (!c) throw unknownCommitment(child, number, await this.parent(), null);
    const block = await this.node.getBlockByNumber(c.blockNumber);
    for (const tx of block?.txs ?? []) {
      if (tx.kind !== TxKind.CommitChild) continue;
      let header: Header;
      try {
        const d = decodeCommitChildData(tx.data);
        if (d.child.toLowerCase() !== child) continue;
        header = d.header;
      } catch {
        continue;
      }
      if (header.number === BigInt(number) && hashHeader(header).toLowerCase() === c.blockHash) return { header, windowEnd: c.windowEnd };
    }
    throw err('HEADER_UNAVAILABLE', `block ${c.blockNumber} of chain ${await this.parent()} (node ${this.node.url}) holds no COMMIT_CHILD of block ${number} of chain ${child} with block hash ${c.blockHash}`,
      { chainId: child, number, parentBlock: c.blockNumber, blockHash: c.blockHash }, "ask another node of the parent chain (one that keeps its blocks), or build the CHALLENGE_CHILD_DATA yourself with the header");
  }

  private async record(child: ChainId, number: number): Promise<DataChallengeRecord> {
    return this.supported(() => this.node.getDataChallenge(child, number));
  }

  /** A node of P that predates §9b answers METHOD_NOT_FOUND: DATA_CHALLENGES_NOT_SUPPORTED. */
  private async supported<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      if (e instanceof PlasmaError && e.code === 'METHOD_NOT_FOUND') {
        throw err('DATA_CHALLENGES_NOT_SUPPORTED', `the node of the parent chain (${this.node.url}) does not serve data challenges (pt_getDataChallenge)`, { url: this.node.url },
          "upgrade the parent chain's node (docs/FRAUD.md §9b)", e);
      }
      throw e;
    }
  }

  private async parent(): Promise<ChainId> {
    this.parentId ??= (await this.node.chainInfo()).chainId.toLowerCase() as ChainId;
    return this.parentId;
  }

  /** The tree's EIP-712 domain (the L1 chain id and the root contract), from P's pt_chainInfo. */
  private async signingDomain(): Promise<{ l1ChainId: number; rootContract: Address }> {
    if (!this.domain) {
      const info = await this.node.chainInfo();
      this.parentId ??= info.chainId.toLowerCase() as ChainId;
      this.domain = { l1ChainId: info.l1ChainId, rootContract: info.rootContract.toLowerCase() as Address };
    }
    return this.domain;
  }

  private requireSigner(action: string): Signer {
    if (!this.signer) {
      throw err('NO_SIGNER', `${action} needs a signer: its native slot on the parent chain pays the bond`, { action },
        'pass an ethers Signer as `signer` (CLI: --account <name> or PLASMA_TREE_PRIVATE_KEY)');
    }
    return this.signer;
  }

  /** Sends a kind 14/15 to P's node (its dry run refuses with the ledger's code) and waits until P includes it. */
  private async submit(what: string, tx: SignedTx, remap: (e: PlasmaError) => PlasmaError, expectedHash?: Hex): Promise<Receipt> {
    const parentChainId = await this.parent();
    let hash: Hex;
    try {
      hash = (await this.node.sendTransaction(tx)).hash;
    } catch (e) {
      if (e instanceof PlasmaError && e.code === 'TX_KNOWN' && expectedHash) hash = expectedHash;
      else throw e instanceof PlasmaError ? remap(e) : e;
    }
    const start = Date.now();
    for (;;) {
      const r = await this.node.getReceipt(hash);
      if (r?.status === 'rejected') {
        const code = r.reason ?? 'TX_REJECTED';
        throw remap(err(code, `chain ${parentChainId} rejected the ${what} ${hash}: ${r.message ?? code}`, { txHash: hash, parentChainId }));
      }
      if (r && (r.status === 'included' || r.status === 'committed')) return r;
      if (Date.now() - start > this.timeoutMs) {
        throw err('TIMEOUT', `${what} ${hash} not included by chain ${parentChainId} after ${Math.round(this.timeoutMs / 1000)} s`, { txHash: hash },
          "is the parent chain producing blocks? check its node's pt_getReceipt later: the transaction may still be included");
      }
      await new Promise((res) => setTimeout(res, this.pollMs));
    }
  }
}

function checkNumber(number: number): void {
  if (!Number.isSafeInteger(number) || number < 1) {
    throw err('INVALID_BLOCK_NUMBER', `invalid block number ${JSON.stringify(number)}`, { number }, 'pass a committed block number, 1 or more');
  }
}

function unknownChain(child: ChainId, parentChainId: ChainId, url: string): PlasmaError {
  return err('UNKNOWN_CHAIN', `chain ${child} is not a child of chain ${parentChainId} (node ${url})`, { chainId: child, parentChainId },
    "ask a node of the chain's parent: the devnet file or `plasma-tree status` shows each chain's parent");
}

function unknownCommitment(child: ChainId, number: number, parentChainId: ChainId, headNumber: number | null): PlasmaError {
  return err('UNKNOWN_COMMITMENT', `block ${number} of chain ${child} is not a live commitment on chain ${parentChainId}${headNumber === null ? '' : ` (its head there is ${headNumber})`}`,
    { chainId: child, number, parentChainId, headNumber }, 'check the block number against the chain\'s head on its parent (`plasma-tree escape status <chain>`): it is not committed yet, or a conviction rolled the chain back below it');
}

function tooLate(s: ChainDataChallengeView, cause?: unknown): PlasmaError {
  return err('TOO_LATE_TO_CHALLENGE', `block ${s.number} of chain ${s.chainId} can be challenged until ${s.challengeBefore} (chain ${s.parentChainId}'s time), now ${s.now}`,
    { chainId: s.chainId, number: s.number, challengeBefore: s.challengeBefore, now: s.now, windowEnd: s.windowEnd },
    `only the first half of the block's window takes a challenge: fetch the block from another node, and if nobody serves it, exit while the window is open (it ends at ${s.windowEnd})`, cause);
}

function alreadyChallenged(s: ChainDataChallengeView, cause?: unknown): PlasmaError {
  return err('ALREADY_CHALLENGED', `block ${s.number} of chain ${s.chainId} was challenged already by ${s.challenger} on chain ${s.parentChainId} (${s.status})`,
    { chainId: s.chainId, number: s.number, challenger: s.challenger, status: s.status, deadline: s.deadline },
    s.status === 'open'
      ? `follow that challenge (\`plasma-tree challenge status\`): its validators must publish by ${s.deadline}; after that anyone resolves it (\`plasma-tree challenge resolve\`)`
      : 'a block is challenged once: `plasma-tree challenge status` shows how that challenge ended', cause);
}

function noOpenChallenge(s: ChainDataChallengeView, cause?: unknown): PlasmaError {
  return err('NO_OPEN_CHALLENGE', `block ${s.number} of chain ${s.chainId} has no open data challenge on chain ${s.parentChainId} (${s.status})`,
    { chainId: s.chainId, number: s.number, status: s.status },
    s.status === 'none' ? 'challenge it first (`plasma-tree challenge file`)' : `its challenge is settled (${s.status}): nothing left to resolve or reclaim`, cause);
}

function responseWindowOpen(s: ChainDataChallengeView, cause?: unknown): PlasmaError {
  return err('RESPONSE_WINDOW_OPEN', `the validators of chain ${s.chainId} may publish block ${s.number} until ${s.deadline} (chain ${s.parentChainId}'s time, now ${s.now}): ${Math.max(0, s.deadline - s.now) + 1} s left`,
    { chainId: s.chainId, number: s.number, deadline: s.deadline, now: s.now, secondsLeft: Math.max(0, s.deadline - s.now) + 1 },
    `resolve it once the parent's clock passes ${s.deadline}`, cause);
}

function stillResolvable(s: ChainDataChallengeView, cause?: unknown): PlasmaError {
  return err('CHALLENGE_STILL_RESOLVABLE', `the challenge of block ${s.number} of chain ${s.chainId} can still convict it until ${s.windowEnd} (chain ${s.parentChainId}'s time, now ${s.now})`,
    { chainId: s.chainId, number: s.number, deadline: s.deadline, windowEnd: s.windowEnd, now: s.now },
    s.now > s.deadline ? 'resolve it (`plasma-tree challenge resolve`): the block is convicted and the bond comes back with the reward' : `wait for the deadline (${s.deadline}): if the data is not published by then, resolve it; the bond is reclaimed only once the window ended unresolved`, cause);
}
