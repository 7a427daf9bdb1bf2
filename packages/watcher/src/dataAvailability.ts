/**
 * Data-availability challenges at the root (docs/FRAUD.md §9): for a child of the root whose committed block no node
 * serves, the watcher challenges the block on PlasmaRoot's module (PlasmaDataAvailability) with its own key and bond in
 * the first half of the window, and follows the challenge: answered (the data is published on L1) → the block is
 * rebuilt from the calldata of its publication and verified like a block served by a node; unanswered after the
 * deadline → `resolveDataChallenge` (anyone's challenge: the reward goes to its challenger), and the conviction arrives
 * as a FraudProven event like every other kind. Below a chain the same flow runs on the parent chain's ledger
 * (docs/FRAUD.md §9b: CHALLENGE_CHILD_DATA and CHILD_DATA_CALL, `ParentDataAvailability` in ./parentData.ts): both
 * hosts implement `DataAvailabilityHost`, and `followDataChallenge` drives either.
 *
 * Restart-safe: the module's state (challengeOf, isPublished) is the truth every round reads; the finding's objection
 * (in the watcher's store) only remembers what this watcher sent, so a restart neither challenges twice nor loses a
 * challenge it made.
 */
import { Contract, Interface, type Log } from 'ethers';
import { loadArtifact } from '@plasma-tree/contracts';
import {
  DATA_CHALLENGE_BOND,
  DataChallengeStatus,
  blockFromPublishedData,
  decodePublishBlockDataCall,
  decodePublishExitDataCall,
  exitLeavesFromPublishedData,
  encodeChallengeDataCall,
  encodeReclaimChallengeBondCall,
  encodeResolveDataChallengeCall,
  hashHeader,
  type Address,
  type Block,
  type ChainId,
  type DecodedExitPublication,
  type DecodedPublication,
  type Header,
  type Hex,
} from '@plasma-tree/core';
import { watcherError } from './errors.js';
import type { Logger } from './logger.js';
import type { WatcherMetrics } from './metrics.js';
import type { RootReader, SendResult, SentHook } from './root.js';
import type { CommitRecord } from './store.js';
import type { Finding } from './types.js';

/** Blocks per eth_getLogs. */
const LOG_RANGE = 5_000;

const lower = <T extends string>(v: string): T => v.toLowerCase() as T;

/** A block rebuilt from its publication on L1, with the leaves of the exit tree its header commits to. */
export type PublishedBlock = Block & { exitLeaves: Hex[] };

/** PlasmaDataAvailability's record of a block's challenge. */
export interface DataChallengeView {
  challenger: Address;
  /** Unix seconds: the data must be published by then (inclusive). */
  deadline: number;
  status: DataChallengeStatus;
}

/**
 * Where a chain's block data is challenged, published and read back: PlasmaRoot's module on L1 for a child of the root
 * (RootDataAvailability), or the parent chain's ledger below a chain (ParentDataAvailability, docs/FRAUD.md §9b).
 * Refusals are answers (`mined: false` with the host's error), not failures; a network failure throws.
 */
export interface DataAvailabilityHost {
  /** The objection's `host`: `'root'`, or the parent chain's id. */
  readonly host: 'root' | ChainId;
  /** Where the data is published, for texts: `'L1'`, or `chain <name>`. */
  readonly where: string;
  /** What a challenge bonds (wei of L1 ETH, or of the parent chain's native coin). */
  readonly bond: bigint;
  /** The committed header (null: it cannot be read, so the block cannot be challenged; undefined: not yet, look again). */
  headerOf(commit: CommitRecord): Promise<Header | null | undefined>;
  challengeOf(chainId: ChainId, number: number): Promise<DataChallengeView>;
  /** The block rebuilt from its publication once complete (both trees); undefined before. */
  publishedBlock(chainId: ChainId, commit: CommitRecord): Promise<PublishedBlock | undefined>;
  challenge(chainId: ChainId, header: Header, windowEnd: number, onSent: SentHook): Promise<SendResult>;
  /** Resolves `challenger`'s open challenge after its deadline (the reward and its bond go to it). */
  resolve(chainId: ChainId, header: Header, windowEnd: number, prev: Header | null, prevWindowEnd: number, challenger: Address, onSent: SentHook): Promise<SendResult>;
  /** Gives `challenger` its bond back once the challenge can no longer convict. */
  reclaim(chainId: ChainId, header: Header, windowEnd: number, challenger: Address, onSent: SentHook): Promise<SendResult>;
  /** Whether a refusal of `challenge` means someone was first (challenged it, or published the data). */
  taken(reason: string): boolean;
  /**
   * Why this watcher cannot bond a challenge now (with what to do about it), undefined when it can. Checked before
   * every challenge: a watcher without funds reports the block only, and challenges once it has them.
   */
  cannotBond?(): Promise<string | undefined>;
}

/** PlasmaRoot's data-availability module as the watcher reads it and calls it with its key (RootReader's send queue). */
export class RootDataAvailability implements DataAvailabilityHost {
  readonly host = 'root' as const;
  readonly where = 'L1';
  readonly bond = DATA_CHALLENGE_BOND;
  private readonly iface = new Interface(loadArtifact('PlasmaDataAvailability').abi);
  private contract: Contract | undefined;
  /** Committed headers by hash, read from the input of their commit transactions. */
  private readonly headers = new Map<Hex, Header>();

  constructor(private readonly root: RootReader) {}

  private async module(): Promise<Contract> {
    if (!this.contract) {
      const address = (await new Contract(this.root.address, this.root.iface, this.root.provider).dataAvailability()) as string;
      this.contract = new Contract(address, this.iface, this.root.provider);
    }
    return this.contract;
  }

  async challengeOf(chainId: ChainId, number: number): Promise<DataChallengeView> {
    const [challenger, deadline, status] = (await (await this.module()).challengeOf(chainId, number)) as [string, bigint, bigint];
    return { challenger: lower(challenger), deadline: Number(deadline), status: Number(status) };
  }

  async isPublished(chainId: ChainId, number: number): Promise<boolean> {
    return (await (await this.module()).isPublished(chainId, number)) as boolean;
  }

  /**
   * The header committed by `commit`, from the input of its commit transaction (PlasmaRoot.commit takes the whole
   * header), checked against the committed hash; null when the input is not a direct `commit` call, undefined while the
   * L1 does not know the transaction (a reorg: the next round looks again).
   */
  async headerOf(commit: CommitRecord): Promise<Header | null | undefined> {
    const cached = this.headers.get(commit.blockHash);
    if (cached) return cached;
    const tx = await this.root.provider.getTransaction(commit.l1TxHash);
    if (!tx) return undefined;
    let header: Header;
    try {
      const parsed = this.root.iface.parseTransaction({ data: tx.data });
      if (parsed?.name !== 'commit') return null;
      const h = parsed.args[1];
      header = {
        chainId: lower(h.chainId), number: h.number as bigint, parentHash: lower(h.parentHash), txRoot: lower(h.txRoot), stateRoot: lower(h.stateRoot),
        exitRoot: lower(h.exitRoot), depositNonce: h.depositNonce as bigint, timestamp: h.timestamp as bigint,
      };
    } catch {
      return null;
    }
    if (hashHeader(header) !== commit.blockHash) return null;
    this.headers.set(commit.blockHash, header);
    return header;
  }

  /**
   * Block `commit.number` rebuilt from the inputs of the transactions that published it, once its publication is
   * complete; undefined before. A chunk published through another contract is not in a transaction's input:
   * MALFORMED_DATA_PUBLICATION (core), and the round fails until someone reads it otherwise.
   */
  async publishedBlock(chainId: ChainId, commit: CommitRecord): Promise<PublishedBlock | undefined> {
    if (!(await this.isPublished(chainId, commit.number))) return undefined;
    const chunks = new Map<number, DecodedPublication>();
    const exitChunks = new Map<number, DecodedExitPublication>();
    let header: Header | undefined;
    await this.publications(chainId, commit, 'BlockDataPublished', (input) => {
      const decoded = decodePublishBlockDataCall(input);
      if (decoded.chainId !== chainId || hashHeader(decoded.header) !== commit.blockHash) return;
      header = decoded.header;
      chunks.set(decoded.chunk, decoded);
    });
    await this.publications(chainId, commit, 'ExitDataPublished', (input) => {
      const decoded = decodePublishExitDataCall(input);
      if (decoded.chainId === chainId && hashHeader(decoded.header) === commit.blockHash) exitChunks.set(decoded.chunk, decoded);
    });
    if (!header) throw watcherError('L1_UNREACHABLE', `block ${commit.number} is published on L1 but no publication of it was found in the logs`, 'the L1 node may be syncing; the next round tries again');
    // The exit tree as published: the tree the header commits to, which findFraud proves against (docs/FRAUD.md §9).
    return { ...blockFromPublishedData(header, [...chunks.values()]), exitLeaves: exitLeavesFromPublishedData(header, [...exitChunks.values()]) };
  }

  /** The inputs of the transactions that emitted `event` for block `commit.number`, in L1 order. */
  private async publications(chainId: ChainId, commit: CommitRecord, event: 'BlockDataPublished' | 'ExitDataPublished', take: (input: Hex) => void): Promise<void> {
    const module = await this.module();
    const topic = this.iface.getEvent(event)!.topicHash;
    const numberTopic = `0x${commit.number.toString(16).padStart(64, '0')}`;
    const latest = await this.root.provider.getBlockNumber();
    for (let from = commit.l1Block; from <= latest; from += LOG_RANGE) {
      const logs: Log[] = await this.root.provider.getLogs({ address: await module.getAddress(), topics: [topic, chainId, numberTopic], fromBlock: from, toBlock: Math.min(latest, from + LOG_RANGE - 1) });
      for (const log of logs) {
        const tx = await this.root.provider.getTransaction(log.transactionHash);
        if (!tx) throw watcherError('L1_UNREACHABLE', `the L1 does not know transaction ${log.transactionHash}`, 'the next round tries again');
        take(tx.data as Hex);
      }
    }
  }

  challenge(chainId: ChainId, header: Header, windowEnd: number, onSent: SentHook): Promise<SendResult> {
    return this.send(encodeChallengeDataCall(chainId, header, windowEnd), DATA_CHALLENGE_BOND, onSent);
  }

  /** PlasmaDataAvailability pays the challenger itself: anyone's challenge is resolved from this watcher's key. */
  resolve(chainId: ChainId, header: Header, windowEnd: number, prev: Header | null, prevWindowEnd: number, _challenger: Address, onSent: SentHook): Promise<SendResult> {
    return this.send(encodeResolveDataChallengeCall(chainId, header, windowEnd, prev, prevWindowEnd), 0n, onSent);
  }

  reclaim(chainId: ChainId, header: Header, windowEnd: number, _challenger: Address, onSent: SentHook): Promise<SendResult> {
    return this.send(encodeReclaimChallengeBondCall(chainId, header, windowEnd), 0n, onSent);
  }

  taken(reason: string): boolean {
    return /^(AlreadyChallenged|DataAlreadyPublished)\(/.test(reason);
  }

  /** RootReader.sendTo's rules, to the module and with a value: a refusal is an answer (`mined: false`), not a failure. */
  private async send(data: Hex, value: bigint, onSent: SentHook): Promise<SendResult> {
    const to = await (await this.module()).getAddress();
    return this.root.sendTo({ to, data, value, errors: [this.iface, this.root.iface] }, onSent);
  }
}

/** What followDataChallenge needs of the ChainWatch stuck at the unavailable block. */
export interface DataChallengeContext {
  chainId: ChainId;
  name: string;
  finding: Finding;
  commit: CommitRecord;
  /** The block before it (the watcher's verified head; null for block 1) and its windowEnd (0 for block 1). */
  prev: Header | null;
  prevWindowEnd: number;
  challengeWindow: number;
  /** The host's clock: the newest L1 block's timestamp, or the parent chain's (ParentHost.head). */
  now: number;
  /** The watcher's address; undefined without a key (it then only reads published data: report only). */
  sender: Address | undefined;
  save(): Promise<void>;
  /** The fate of a transaction this watcher sent (the host's receipt). */
  receipt(tx: Hex): Promise<{ ok: boolean } | undefined>;
  metrics: WatcherMetrics;
  logger: Logger;
}

/**
 * One step of the challenge of an unavailable block (called every verifier round while the chain waits at it): file the
 * challenge, resolve it after its deadline, or take the bond back once it can no longer be resolved. The answered case
 * needs nothing here: the block is then published, and the verifier reads it back from there (dataAnswered).
 */
export async function followDataChallenge(da: DataAvailabilityHost, c: DataChallengeContext): Promise<void> {
  const f = c.finding;
  if (f.resolved || !c.sender) return;
  const n = c.commit.number;
  const header = await da.headerOf(c.commit);
  if (header === undefined) return;
  if (header === null) {
    if (!f.objection) {
      f.objection = { tx: null, status: 'failed', reason: `the header is not in its commit transaction on ${da.where}: the block cannot be challenged`, host: da.host };
      c.metrics.objections.inc({ status: 'failed' });
      await c.save();
    }
    return;
  }
  const challenge = await da.challengeOf(c.chainId, n);
  const mine = c.sender !== undefined && challenge.challenger === c.sender;
  switch (challenge.status) {
    case DataChallengeStatus.None:
      return fileChallenge(da, c, header);
    case DataChallengeStatus.Open:
      if (mine && !f.objection?.dataChallenge) {
        // Mined before a restart that lost the receipt: the module knows it.
        recordChallenge(da, c, { tx: f.objection?.tx ?? null, deadline: challenge.deadline });
        await c.save();
      }
      if (c.now >= c.commit.windowEnd) return lapse(da, c, header, challenge.challenger, mine);
      if (c.now > challenge.deadline) return resolve(da, c, header, challenge);
      return;
    case DataChallengeStatus.Lapsed:
      f.resolved = 'the data challenge lapsed: nobody resolved it inside the window';
      await c.save();
      return;
    default:
      // Answered: the data is published (the verifier reads it). Convicted: FraudProven follows (L1, or the parent's head going back).
      return;
  }
}

/** Sends challengeData with the bond, in the first half of the window, once per finding. */
async function fileChallenge(da: DataAvailabilityHost, c: DataChallengeContext, header: Header): Promise<void> {
  const f = c.finding;
  const o = f.objection;
  if (o?.status === 'failed' || o?.dataChallenge) return; // refused (not retried), or ours was taken back by a reorg
  if (o?.status === 'sent' && o.tx) {
    const sent = await c.receipt(o.tx);
    if (sent?.ok) return; // mined: the next round reads the open challenge
    if (sent) {
      f.objection = { ...o, status: 'failed', reason: 'reverted' };
      c.metrics.objections.inc({ status: 'failed' });
      await c.save();
      return;
    }
    // unknown to the L1 (dropped, or sent just before a restart): sent again
  }
  const challengeBefore = c.commit.windowEnd - Math.floor(c.challengeWindow / 2);
  if (c.now >= challengeBefore) {
    f.objection = { tx: null, status: 'failed', reason: `too late to challenge the data: only before ${challengeBefore} (the first half of the window)`, host: da.host };
    c.metrics.objections.inc({ status: 'failed' });
    await c.save();
    return;
  }
  // Below a chain the bond comes from the watcher's native slot on the parent: without it, report only (and retry).
  const unfunded = await da.cannotBond?.();
  if (unfunded !== undefined) {
    if (f.phase2 !== unfunded) {
      f.provable = false;
      f.phase2 = unfunded;
      c.logger.warn(`cannot challenge the data of block ${c.commit.number} of chain ${c.name}: reported only until the watcher can bond`, { why: unfunded });
      await c.save();
    }
    return;
  }
  if (!f.provable) {
    f.provable = true;
    delete f.phase2;
    c.logger.info(`the watcher can bond a data challenge on ${da.where} now: challenging block ${c.commit.number} of chain ${c.name}`);
  }
  const before = f.objection;
  const result = await da.challenge(c.chainId, header, c.commit.windowEnd, (tx) => {
    f.objection = tx ? { tx, status: 'sent', reason: 'challengeData', host: da.host } : before;
    if (tx) c.metrics.objections.inc({ status: 'sent' });
    void c.save();
  });
  if (result.mined) {
    const { deadline } = await da.challengeOf(c.chainId, c.commit.number);
    recordChallenge(da, c, { tx: result.txHash, deadline, l1Block: result.l1Block });
    c.logger.warn(`challenged the data of block ${c.commit.number} of chain ${c.name} on ${da.where}: the validators must publish it by ${deadline}`, { tx: result.txHash, deadline, bond: da.bond, reactionBlocks: f.objection?.reactionL1Blocks });
  } else if (da.taken(result.reason)) {
    f.objection = null; // someone else was first: the next round follows their challenge (or reads the data)
  } else {
    f.objection = { tx: result.txHash ?? null, status: 'failed', reason: result.reason, host: da.host };
    c.metrics.objections.inc({ status: 'failed' });
    c.logger.warn(`the data challenge of block ${c.commit.number} of chain ${c.name} was refused`, { reason: result.reason });
  }
  await c.save();
}

function recordChallenge(da: DataAvailabilityHost, c: DataChallengeContext, r: { tx: Hex | null; deadline: number; l1Block?: number }): void {
  const reaction = r.l1Block === undefined ? undefined : r.l1Block - c.commit.l1Block;
  c.finding.objection = {
    tx: r.tx, status: 'mined', reason: `data challenged: the validators must publish it on ${da.where} by ${r.deadline}`, host: da.host,
    ...(r.l1Block !== undefined ? { l1Block: r.l1Block, reactionL1Blocks: reaction } : {}),
    dataChallenge: { deadline: r.deadline },
  };
  c.metrics.objections.inc({ status: 'mined' });
  if (reaction !== undefined) {
    c.metrics.reactionL1Blocks.observe(reaction);
    c.metrics.lastReactionL1Blocks.set(reaction);
  }
}

/** After the deadline: resolveDataChallenge (anyone's challenge). A refusal is logged and the next round looks again. */
async function resolve(da: DataAvailabilityHost, c: DataChallengeContext, header: Header, challenge: DataChallengeView): Promise<void> {
  const f = c.finding;
  const pending = f.objection?.dataChallenge?.resolveTx;
  if (pending && (await c.receipt(pending))?.ok) return; // mined: FraudProven is on its way
  const before = f.objection;
  const result = await da.resolve(c.chainId, header, c.commit.windowEnd, c.prev, c.prevWindowEnd, challenge.challenger, (tx) => {
    f.objection = !tx ? before : f.objection?.dataChallenge
      ? { ...f.objection, dataChallenge: { ...f.objection.dataChallenge, resolveTx: tx } }
      : { tx: null, status: 'sent', reason: `resolving the data challenge of ${challenge.challenger}`, host: da.host, dataChallenge: { deadline: challenge.deadline, resolveTx: tx } };
    void c.save();
  });
  if (result.mined) c.logger.warn(`the data challenge of block ${c.commit.number} of chain ${c.name} went unanswered: resolved on ${da.where}, the chain is convicted`, { tx: result.txHash, block: result.l1Block });
  else c.logger.warn(`resolveDataChallenge of block ${c.commit.number} of chain ${c.name} was refused; trying again next round`, { reason: result.reason });
  await c.save();
}

/** The window ended with the challenge open: it can no longer convict; this watcher's bond comes back. */
async function lapse(da: DataAvailabilityHost, c: DataChallengeContext, header: Header, challenger: Address, mine: boolean): Promise<void> {
  const f = c.finding;
  if (mine) {
    const result = await da.reclaim(c.chainId, header, c.commit.windowEnd, challenger, () => {});
    if (!result.mined) {
      c.logger.warn(`reclaimChallengeBond of block ${c.commit.number} of chain ${c.name} was refused`, { reason: result.reason });
      return;
    }
  }
  f.resolved = 'the challenge window passed before the data challenge was resolved';
  if (f.objection?.dataChallenge) f.objection = { ...f.objection, status: 'failed', reason: 'lapsed: not resolved inside the window (the bond came back)', dataChallenge: { ...f.objection.dataChallenge, outcome: 'lapsed' } };
  await c.save();
}

/**
 * The data of the finding's block is published (on L1, or on the parent chain): an objection of this watcher was
 * answered in time, so its bond went to the publisher (a failed objection costs the objector its bond, docs/FRAUD.md §1).
 */
export function dataAnswered(f: Finding, metrics: WatcherMetrics, where = 'L1'): void {
  if (!f.objection?.dataChallenge || f.objection.status !== 'mined') return;
  f.objection = { ...f.objection, status: 'failed', reason: `answered: the data was published on ${where} in time (the bond went to the publisher)`, dataChallenge: { ...f.objection.dataChallenge, outcome: 'answered' } };
  metrics.objections.inc({ status: 'failed' });
}
