import {
  BUILT_IN_EDGES,
  chunkSizes,
  computeExitRoot,
  exitsOfTxs,
  ChainState,
  ChainStatus,
  FraudKind,
  ROOT_CHAIN_ID,
  TxKind,
  blockFromJson,
  blockToJson,
  buildEquivocationProof,
  buildSkippedDepositProof,
  commitmentDigest,
  concatBytes,
  bytesToHex,
  hexToBytes,
  findFraud,
  isSkippedDeposit,
  hashHeader,
  headerFromJson,
  headerToJson,
  isPlasmaError,
  ledgerEntryKey,
  plasmaDomain,
  secp256k1Scheme,
  verifyBlock,
  type Block,
  type BlockContext,
  type ChainId,
  type Eip712Domain,
  type FraudProof,
  type Header,
  type Hex,
  type LedgerEntry,
} from '@plasma-tree/core';
import { watcherError } from './errors.js';
import { dataAnswered, followDataChallenge, type DataAvailabilityHost, type PublishedBlock } from './dataAvailability.js';
import type { Logger } from './logger.js';
import type { WatcherMetrics } from './metrics.js';
import type { NodePool } from './nodes.js';
import type { Host } from './host.js';
import type { RootChainInfo, RootEvent } from './root.js';
import { Batch, type CommitRecord, type VerifiedHead, type WatcherStore } from './store.js';
import type { ChainStatusJson, Finding, FindingKind, FindingStatus, Objection } from './types.js';

/**
 * The exit list a node serves is not covered by the block hash: a node could serve a wrong one with a right header and
 * halt the watcher on a valid block. When the transactions' own exits are the header's tree, those are the block's.
 */
function withOwnExits<B extends Block>(block: B | undefined): B | undefined {
  if (!block) return block;
  const exitRoot = block.header.exitRoot.toLowerCase();
  if (bytesToHex(computeExitRoot(block.exits)) === exitRoot) return block;
  const own = exitsOfTxs(block.header.chainId, block.txs);
  return bytesToHex(computeExitRoot(own)) === exitRoot ? { ...block, exits: own } : block;
}

/** Blocks verified per round at most, so one chain far behind does not starve the L1 follower. */
const MAX_BLOCKS_PER_ROUND = 50;
/** Below this share of the challenge window left, an open finding is urgent (log, `urgent`, metric). */
const URGENT_SHARE = 0.25;

/**
 * Data nobody serves is challenged with a bond where the chain is judged (docs/FRAUD.md §9, §9b); without a key, or below a
 * chain without the bond in the watcher's native slot on the parent, it is reported only.
 */
export const PHASE2_UNAVAILABLE = 'challenged with the watcher\'s bond: on PlasmaRoot\'s data-availability module for a child of the root (docs/FRAUD.md §9), with a CHALLENGE_CHILD_DATA (tx kind 14) on the parent chain below a chain (§9b: the watcher\'s address needs CHILD_DATA_CHALLENGE_BOND of the native coin there); without a key or that bond, reported only (holders should exit while they can)';
const PHASE2_PROOF = 'phase 2: PlasmaRoot cannot prove this kind yet (docs/FRAUD.md §3); reported only';
/** `resolved` of a finding whose commitment an L1 reorg took back. */
const REORGED_OUT = 'its commit was reorged out of L1';
/** `resolved` of a finding closed by a conviction (FraudProven), by anyone: `convicted by … (block n)`. */
const CONVICTED_BY = 'convicted by ';
const closedByConviction = (f: Finding): boolean => f.resolved?.startsWith(CONVICTED_BY) === true;

/**
 * PlasmaRoot as an L1 reorg reads it again (the L1 follower's RootReader): this chain's events in L1 blocks
 * [from, to], and its head (chainInfo.headNumber) as of an L1 block, the ground truth of its commitments.
 */
export interface ReorgRescan {
  events(from: number, to: number): Promise<RootEvent[]>;
  headAt(l1Block: number): Promise<number>;
}

interface Shared {
  /** Where the chain is judged: PlasmaRoot (a child of the root) or its parent chain's ledger (over its nodes). */
  root: Host;
  store: WatcherStore;
  metrics: WatcherMetrics;
  logger: Logger;
  /** The newest L1 block seen (its timestamp is the L1 clock) and the newest processed (events read up to it). */
  l1: () => { head: { number: number; timestamp: number }; synced: number };
  unavailableGraceSec: number;
  freezeStalled: boolean;
  /**
   * Data-availability challenges where the chain is judged: PlasmaRoot's module (docs/FRAUD.md §9) or the parent chain's
   * ledger (§9b); undefined: unavailable data reported only.
   */
  da?: DataAvailabilityHost;
  /**
   * The chain's chunk byte budget, B(depth) (docs/LEDGER-PROOFS.md "A size rule for block data"): a block with a chunk
   * over it can never be published where the chain is judged, so it is challenged at once. Undefined: not checked.
   */
  chunkBudget?: number;
}

/** A tiny mutex: the L1 follower and the verifier of one chain take turns on its state. */
class Lock {
  private tail: Promise<unknown> = Promise.resolve();
  run<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.tail.then(fn, fn);
    this.tail = next.catch(() => {});
    return next;
  }
}

/**
 * One watched chain: its confirmed commitments (from PlasmaRoot's events), its state as the watcher re-executes it,
 * its findings and their objections. The L1 follower feeds it events (`applyEvents`), the verifier loop calls
 * `verifyRound`; both run under the chain's lock.
 */
export class ChainWatch {
  readonly lock = new Lock();
  readonly domain: Eip712Domain;
  private readonly commitments = new Map<number, CommitRecord>();
  private readonly findings = new Map<string, Finding>();
  /** Parent records of the down stream (never change for a live chain, but an L1 reorg clears them). */
  private readonly records = new Map<bigint, Hex>();
  /** The proof of the open objection of the halted height, rebuilt after a restart by re-verifying. */
  private pending: { finding: Finding; proof?: FraudProof; data?: Hex } | undefined;
  private halted: { height: number; reason: string } | undefined;
  /** When this process first saw the data of a committed height missing (unix s, L1 clock). */
  private missingSince = new Map<number, number>();
  status: number;
  verifiedSinceStart = 0;

  private constructor(
    readonly chainId: ChainId,
    readonly name: string,
    readonly nodes: NodePool,
    readonly info: RootChainInfo,
    readonly stallLimit: number,
    readonly spawnTime: number,
    private state: ChainState,
    private verified: VerifiedHead,
    private readonly edges: NonNullable<BlockContext['edges']>,
    private readonly s: Shared,
    status: number,
  ) {
    this.domain = plasmaDomain(s.root.l1ChainId, s.root.address);
    this.status = status;
  }

  static async load(chainId: ChainId, name: string, nodes: NodePool, s: Shared, edges = BUILT_IN_EDGES): Promise<ChainWatch> {
    const info = await s.root.chainInfo(chainId);
    const expectedParent = s.root.id === 'root' ? ROOT_CHAIN_ID : s.root.id;
    if (info.parentChainId !== expectedParent) {
      throw watcherError('UNKNOWN_CHAIN', `chain ${chainId} is not a child of ${s.root.id} (its parent is ${info.parentChainId})`, 'watch the chain\'s parent too, with its node URLs', { chainId, parent: info.parentChainId });
    }
    const [stallLimit, spawnTime, status, stored] = await Promise.all([s.root.stallLimit(chainId), s.root.spawnTime(chainId), s.root.chainStatus(chainId), s.store.loadChain(chainId)]);
    let state: ChainState;
    try {
      state = ChainState.fromEntries(chainId, stored.accounts, stored.ledger);
    } catch (e) {
      throw watcherError('STORE_CORRUPT', `the stored state of chain ${chainId} cannot be rebuilt: ${(e as Error).message}`, 'delete the watcher data directory: it re-verifies from block 1');
    }
    const w = new ChainWatch(chainId, name, nodes, info, stallLimit, spawnTime, state, stored.verified, edges, s, status);
    for (const c of stored.commitments) w.commitments.set(c.number, c);
    for (const f of stored.findings) w.findings.set(f.id, f);
    const expected = stored.verified.header ? headerFromJson(stored.verified.header).stateRoot.toLowerCase() : new ChainState(chainId).root;
    if (state.root !== expected) {
      s.logger.warn('the stored state does not hash to the verified head; replaying the stored blocks', { chain: name, verified: stored.verified.number });
      await w.rollbackTo(stored.verified.number, true);
    }
    s.metrics.headVerified.set(w.verified.number, { chain: name });
    return w;
  }

  /** `'root'`, or the parent chain that judges this chain. */
  get parentId(): 'root' | ChainId {
    return this.s.root.id;
  }

  get headVerified(): number {
    return this.verified.number;
  }

  get headCommitted(): number {
    let n = 0;
    for (const k of this.commitments.keys()) n = Math.max(n, k);
    return n;
  }

  // ---- L1 events ------------------------------------------------------------------------------------------------

  /** Takes in the confirmed events of one L1 round (L1 order); persisted in one batch. */
  async applyEvents(events: readonly RootEvent[]): Promise<Batch> {
    const batch = new Batch(this.chainId);
    await this.apply(events, batch);
    this.s.metrics.headCommitted.set(this.headCommitted, { chain: this.name });
    return batch;
  }

  /** Takes in `events` (L1 order): new commitments, convictions and freezes, into `batch`. */
  private async apply(events: readonly RootEvent[], batch: Batch): Promise<void> {
    for (const e of events) {
      if (e.type === 'Committed') {
        const record: CommitRecord = { number: e.number, blockHash: e.blockHash, windowEnd: e.windowEnd, l1Block: e.l1Block, l1BlockHash: e.l1BlockHash, l1TxHash: e.l1TxHash };
        this.commitments.set(e.number, record);
        batch.commit(record);
        this.recommitted(record, batch);
      } else if (e.type === 'FraudProven') {
        await this.convicted(e, batch);
      } else {
        this.status = e.status;
        this.s.logger.warn(`chain ${this.name} frozen`, { status: ChainStatus[e.status] ?? e.status, l1Block: e.l1Block });
        for (const f of this.findings.values()) {
          if (f.kind === 'stalled_chain' && !f.resolved) {
            f.resolved = 'frozen';
            if (f.objection && f.objection.status !== 'failed') f.objection.status = 'mined';
            batch.finding(f);
          }
        }
      }
    }
  }

  /** PlasmaRoot convicted block `number`: its commitments from there on are dead, our progress goes back before it. */
  private async convicted(e: Extract<RootEvent, { type: 'FraudProven' }>, batch: Batch): Promise<void> {
    const mine = e.challenger === this.s.root.sender;
    this.s.logger.warn(`chain ${this.name} convicted of block ${e.number}`, { kind: FraudKind[e.kind] ?? e.kind, challenger: e.challenger, reward: e.reward, byThisWatcher: mine });
    for (const n of [...this.commitments.keys()]) {
      if (n >= e.number) {
        this.commitments.delete(n);
        batch.dropCommit(n);
      }
    }
    for (const f of this.findings.values()) {
      if (f.resolved || f.height < e.number || f.kind === 'stalled_chain') continue;
      f.resolved = `${CONVICTED_BY}${mine ? 'this watcher' : e.challenger} (block ${e.number})`;
      if (f.height === e.number && f.objection && mine) {
        f.objection.status = 'convicted';
        this.s.metrics.objections.inc({ status: 'convicted' });
      } else if (f.objection && f.objection.status !== 'failed' && f.objection.status !== 'convicted') {
        f.objection.status = 'failed';
        f.objection.reason = `convicted first by ${e.challenger}`;
      } else if (!f.objection && f.provable) {
        f.objection = { tx: null, status: 'failed', reason: `convicted first by ${e.challenger}` };
      }
      this.s.metrics.timeLeft.remove({ chain: this.name, kind: f.kind, height: f.height });
      batch.finding(f);
    }
    if (this.pending && this.pending.finding.height >= e.number) this.pending = undefined;
    if (this.halted && this.halted.height >= e.number) this.halted = undefined;
    if (this.verified.number >= e.number) await this.rollbackTo(e.number - 1, false, batch);
  }

  /**
   * L1 reorg: commitments seen in L1 blocks after `forkBlock` are gone; progress past the last surviving
   * commitment is rolled back. So are the convictions (FraudProven) and freezes (ChainFrozen) seen there: a commitment
   * a gone conviction had taken away is read again from L1 (`l1`: PlasmaRoot's head as of the fork point is the
   * ground truth; the chain's events from the last kept commitment up to it), its finding opens again and is objected
   * to anew; an objection mined in a gone block is followed up again (looked up, sent again if the L1 lost it).
   */
  async reorg(forkBlock: number, l1?: ReorgRescan): Promise<Batch> {
    const batch = new Batch(this.chainId);
    for (const [n, c] of [...this.commitments]) {
      if (c.l1Block > forkBlock) {
        this.commitments.delete(n);
        batch.dropCommit(n);
      }
    }
    for (const f of this.findings.values()) {
      const commitGone = f.commitL1Block !== undefined && f.commitL1Block > forkBlock;
      // A conviction comes after the commit it convicts: with the commit gone, so is the conviction (a commit of
      // the same block again reopens the finding, see recommitted).
      if (commitGone && (!f.resolved || closedByConviction(f))) {
        f.resolved = REORGED_OUT;
        batch.finding(f);
      } else if (!f.resolved && f.objection?.tx && f.objection.status === 'mined' && !f.objection.dataChallenge
        && (f.objection.host ?? 'root') === 'root' && f.objection.l1Block !== undefined && f.objection.l1Block > forkBlock) {
        f.objection = { tx: f.objection.tx, status: 'sent', reason: null, host: f.objection.host };
        batch.finding(f);
      }
    }
    // The parent's records were read on the old fork: a deposit nonce may hold another deposit on the new one.
    this.records.clear();
    this.status = await this.s.root.chainStatus(this.chainId);
    if (this.status === ChainStatus.Live) {
      // Live now, so live at the fork point (a freeze is final): a freeze that closed a stalled_chain finding is gone,
      // and so is a freezeStalled of this watcher that was mined (it may be sent again).
      for (const f of this.findings.values()) {
        if (f.kind !== 'stalled_chain' || f.resolved !== 'frozen') continue;
        delete f.resolved;
        if (f.objection?.status === 'mined') f.objection = null;
        batch.finding(f);
      }
    }
    const contiguous = () => {
      let n = 0;
      while (this.commitments.has(n + 1)) n++;
      return n;
    };
    let keep = contiguous();
    if (l1 && forkBlock >= 0) {
      const head = await l1.headAt(forkBlock);
      if (head > keep) {
        // PlasmaRoot's head is past ours at the fork point: a conviction that took commitments away is gone. They
        // were committed after the last one kept: its events are read again from there (the commits come back, their
        // findings open again; a conviction still there closes them again).
        const from = this.commitments.get(keep)?.l1Block ?? 0;
        this.s.logger.warn(`chain ${this.name}: a rollback by a conviction was reorged out; reading its commitments again from L1`, { headCommitted: keep, l1Head: head, fromL1Block: from, forkPoint: forkBlock });
        await this.apply(await l1.events(from, forkBlock), batch);
        keep = contiguous();
        if (keep !== head) this.s.logger.warn(`chain ${this.name}: after the rescan, ${keep} commitments are known but PlasmaRoot's head was ${head}`, { forkPoint: forkBlock });
      }
    }
    if (this.verified.number > keep) await this.rollbackTo(keep, false, batch);
    this.halted = undefined;
    this.pending = undefined;
    this.s.metrics.headCommitted.set(this.headCommitted, { chain: this.name });
    return batch;
  }

  /**
   * A commitment at a height whose finding a reorg closed (its commit, or the conviction that closed it, reorged out):
   * the same block committed again (its commit tx re-included, a commit found again by the rescan after a gone
   * conviction, or the rescan after a reorg deeper than the remembered L1 blocks) opens the finding again, in the new
   * commit's window, and an objection that never reached L1 is tried again; another block drops it (it is raised anew
   * if need be). A conviction still on L1 comes after its commit in the same rescan and closes the finding again.
   */
  private recommitted(c: CommitRecord, batch: Batch): void {
    for (const f of [...this.findings.values()]) {
      if ((f.resolved !== REORGED_OUT && !closedByConviction(f)) || f.height !== c.number) continue;
      if (f.blockHash !== c.blockHash) {
        this.findings.delete(f.id);
        batch.dropFinding(f.id);
        continue;
      }
      delete f.resolved;
      f.deadline = c.windowEnd;
      f.commitL1Block = c.l1Block;
      if (f.objection) f.objection = f.objection.tx ? { tx: f.objection.tx, status: 'sent', reason: null, host: f.objection.host } : null;
      batch.finding(f);
    }
  }

  /** Rebuilds the state at block `number` by replaying the stored verified blocks (a rollback, or a state repair). */
  async rollbackTo(number: number, repair: boolean, batch = new Batch(this.chainId)): Promise<void> {
    const state = new ChainState(this.chainId);
    let parent: Header | null = null;
    let hash = `0x${'00'.repeat(32)}` as Hex;
    for (let n = 1; n <= number; n++) {
      const json = await this.s.store.block(this.chainId, n);
      if (!json) throw watcherError('STORE_CORRUPT', `verified block ${n} of chain ${this.chainId} is not stored`, 'delete the watcher data directory: it re-verifies from block 1');
      const block = blockFromJson(json);
      verifyBlock(block, parent, state, this.ctx(), { trustSignatures: true });
      parent = block.header;
      hash = block.hash;
    }
    for (let n = number + 1; n <= this.verified.number; n++) batch.dropBlock(n);
    this.state = state;
    this.verified = { number, hash, header: parent ? headerToJson(parent) : null };
    batch.verified(this.verified);
    await this.s.store.replaceState(this.chainId, batch, state.accounts.entries(), state.ledger.entries(), (e) => ledgerEntryKey(e as LedgerEntry));
    if (repair) await this.s.store.write([batch]);
    this.s.metrics.headVerified.set(number, { chain: this.name });
    this.s.logger.warn(`chain ${this.name}: progress rolled back to block ${number}`, { repair });
  }

  // ---- verification ---------------------------------------------------------------------------------------------

  private ctx(): BlockContext {
    return { chainId: this.chainId, domain: this.domain, edges: this.edges, parentChainId: this.info.parentChainId, depositRecord: (nonce) => this.records.get(nonce) };
  }

  /** The skipped-deposit proof against `header` if the parent's next record after its depositNonce was overdue at the commit. */
  private async skippedDeposit(header: Header, parent: Header | null, commit: CommitRecord): Promise<FraudProof | undefined> {
    const commitTime = BigInt(commit.windowEnd - this.info.challengeWindow);
    const next = { record: await this.s.root.depositRecord(this.chainId, header.depositNonce + 1n, this.s.l1().synced), stallLimit: BigInt(this.stallLimit) };
    return isSkippedDeposit(next, commitTime) ? buildSkippedDepositProof(header, parent, next, commitTime) : undefined;
  }

  /** Reads the parent's records of the down events `block` applies, as of the confirmed L1 block. */
  private async loadRecords(block: Block): Promise<void> {
    const synced = this.s.l1().synced;
    for (const tx of block.txs) {
      if ((tx.kind !== TxKind.Deposit && tx.kind !== TxKind.EdgeFromParent) || this.records.has(tx.nonce)) continue;
      const record = await this.s.root.depositRecord(this.chainId, tx.nonce, synced);
      if (record !== undefined) this.records.set(tx.nonce, record);
    }
  }

  /** One round: verifies the next committed blocks, raises findings, sends (or follows up) objections. */
  async verifyRound(signal: AbortSignal): Promise<void> {
    if (this.pending) {
      await this.object(this.pending);
      return;
    }
    for (let i = 0; i < MAX_BLOCKS_PER_ROUND && !signal.aborted; i++) {
      if (this.halted) return;
      const n = this.verified.number + 1;
      const commit = this.commitments.get(n);
      if (!commit) return;
      if (!(await this.verifyNext(commit, signal))) return;
    }
  }

  /** Fetches, checks and re-executes block `commit.number`; false when the chain cannot move on this round. */
  private async verifyNext(commit: CommitRecord, signal: AbortSignal): Promise<boolean> {
    const n = commit.number;
    const fetched = await this.nodes.block(n, commit.blockHash, signal);
    // No node serves it: its data may be published where the chain is judged, in answer to a challenge (docs/FRAUD.md §9, §9b).
    const block = withOwnExits(fetched.block ?? (await this.s.da?.publishedBlock(this.chainId, commit)));
    if (!block) {
      if (fetched.failed.length === this.nodes.urls.length) {
        throw watcherError('NODE_UNREACHABLE', `no node of chain ${this.name} answered for block ${n}`, `check the node URLs (${this.nodes.urls.join(', ')})`, { chain: this.chainId, number: n });
      }
      await this.dataMissing(commit);
      return false;
    }
    // The size rule: a chunk over the budget cannot be published on a challenge, so the validators who made it lose one.
    const over = this.s.chunkBudget === undefined ? -1 : chunkSizes(block.txs).findIndex((bytes) => bytes > this.s.chunkBudget!);
    if (over >= 0) {
      const bytes = chunkSizes(block.txs)[over];
      await this.challengeData(commit, `chunk ${over} takes ${bytes} bytes, over this chain's budget of ${this.s.chunkBudget}: it can never be published`);
      return false;
    }
    const unavailable = this.findings.get(`unavailable_data@${n}`);
    if (unavailable && !unavailable.resolved) {
      const where = this.s.da?.where ?? 'L1';
      unavailable.resolved = fetched.block ? 'the data was served after all' : `the data was published on ${where}`;
      if (!fetched.block) dataAnswered(unavailable, this.s.metrics, where);
      await this.s.store.write([new Batch(this.chainId).finding(unavailable)]);
      this.s.metrics.timeLeft.remove({ chain: this.name, kind: 'unavailable_data', height: n });
    }
    const parent = this.verified.header ? headerFromJson(this.verified.header) : null;

    const evidence = await this.nodes.equivocation(n, signal);
    if (evidence && evidence.other.blockHash !== evidence.committed.blockHash && [evidence.other.blockHash, evidence.committed.blockHash].includes(commit.blockHash)) {
      // The side recorded on the host had its quorum checked by commit, and the proof does not read it again: its
      // signatures are left out (~1,300 gas of calldata each).
      const sigs = (side: typeof evidence.committed) => (side.blockHash === commit.blockHash ? '0x' : this.pack(side));
      const proof = buildEquivocationProof(evidence.committed.header, sigs(evidence.committed), evidence.other.header, sigs(evidence.other), parent);
      const finding = await this.raise('equivocation', commit, true, `two headers signed for height ${n} (served by ${evidence.url})`);
      this.halted = { height: n, reason: 'equivocation' };
      this.pending = { finding, proof };
      await this.object(this.pending);
      return false;
    }

    // A block the STF accepts may still have left a recorded down event out past its deadline (docs/FRAUD.md §3).
    const skipped = await this.skippedDeposit(block.header, parent, commit);
    if (skipped) {
      const finding = await this.raise('invalid_block', commit, true, `SkippedDeposit: down event ${block.header.depositNonce + 1n} was recorded more than the stall limit (${this.stallLimit} s) before the commit`);
      this.halted = { height: n, reason: 'SKIPPED_DEPOSIT' };
      this.pending = { finding, proof: skipped };
      await this.object(this.pending);
      return false;
    }

    await this.loadRecords(block);
    const ctx = this.ctx();
    try {
      verifyBlock(block, parent, this.state, ctx);
    } catch (verifyError) {
      if (!isPlasmaError(verifyError)) throw verifyError;
      await this.invalid(block, parent, commit, verifyError);
      return false;
    }
    const batch = new Batch(this.chainId).block(n, blockToJson(block));
    const slots = new Set<number>();
    for (const tx of block.txs) slots.add(tx.slot).add(tx.toSlot);
    for (const slot of slots) {
      const account = this.state.get(slot);
      if (account) batch.account(slot, account);
    }
    for (const key of this.state.ledger.takeWrittenKeys()) batch.ledger(key, this.state.ledger.entry(key));
    const verified: VerifiedHead = { number: n, hash: block.hash.toLowerCase() as Hex, header: headerToJson(block.header) };
    await this.s.store.write([batch.verified(verified)]);
    // Only once it is on disk: what the status reports as verified survives a crash.
    this.verified = verified;
    this.verifiedSinceStart++;
    this.s.metrics.blocksVerified.inc({ chain: this.name });
    this.s.metrics.headVerified.set(n, { chain: this.name });
    this.s.logger.debug('block verified', { chain: this.name, number: n, txs: block.txs.length });
    return true;
  }

  /** The committed block `block` was refused by verifyBlock: find the provable fault, or report it. */
  private async invalid(block: Block, parent: Header | null, commit: CommitRecord, verifyError: { code: string; message: string; data: Record<string, unknown> }): Promise<void> {
    const commitTime = BigInt(commit.windowEnd - this.info.challengeWindow);
    let fraud;
    try {
      // A block rebuilt from L1 carries the exit leaves its header commits to (docs/FRAUD.md §9).
      const exitLeaves = (block as Partial<PublishedBlock>).exitLeaves;
      fraud = findFraud(block, parent, this.state, { ...this.ctx(), commitTime, ...(exitLeaves ? { exitLeaves } : {}) });
    } catch (e) {
      // A record the L1 view does not hold yet: not evidence, try again next round.
      if (isPlasmaError(e, 'FRAUD_PROOF_UNAVAILABLE') && /sync the parent/.test(e.message)) throw e;
      fraud = { provable: false as const, kind: 'phase2' as const, reason: isPlasmaError(e) ? `${e.code}: ${e.message}` : String(e) };
    }
    if (fraud === undefined && verifyError.code !== 'INVALID_BLOCK') throw verifyError as unknown as Error;
    const reasonOfVerify = String(verifyError.data.reason ?? verifyError.code);
    this.halted = { height: commit.number, reason: fraud?.reason ?? reasonOfVerify };
    if (fraud?.provable) {
      const kind: FindingKind = fraud.kind === FraudKind.InvalidExits ? 'invalid_exit' : 'invalid_block';
      const finding = await this.raise(kind, commit, true, `${FraudKind[fraud.kind]}: ${fraud.reason}${fraud.txIndex !== undefined ? ` (tx ${fraud.txIndex})` : ''}`);
      this.pending = { finding, proof: fraud.proof };
      await this.object(this.pending);
      return;
    }
    // The served exits are not the tree the header commits to: nobody can prove against leaves nobody serves.
    const kind: FindingKind = fraud?.reason === 'EXIT_TREE_UNAVAILABLE' ? 'unavailable_data' : reasonOfVerify === 'EXIT_ROOT_MISMATCH' ? 'invalid_exit' : 'invalid_block';
    await this.raise(kind, commit, false, fraud ? fraud.reason : reasonOfVerify, PHASE2_PROOF);
  }

  /** No node serves the committed block: after the grace period, it is challenged (challengeData). */
  private async dataMissing(commit: CommitRecord): Promise<void> {
    // Wall clock of this process: the L1 clock may stand still between blocks (a devnet without traffic).
    const now = Date.now() / 1000;
    const since = this.missingSince.get(commit.number) ?? now;
    this.missingSince.set(commit.number, since);
    if (now - since < this.s.unavailableGraceSec) return;
    await this.challengeData(commit, `no node of ${this.nodes.urls.length} serves block ${commit.number} (${commit.blockHash})`);
  }

  /**
   * An unavailable_data finding at `commit`, challenged and followed where the chain is judged (./dataAvailability.ts);
   * reported only without a data-availability host. Called every round while the chain waits at that block.
   */
  private async challengeData(commit: CommitRecord, reason: string): Promise<void> {
    const da = this.s.da;
    const existing = this.findings.get(`unavailable_data@${commit.number}`);
    if (!da) {
      if (!existing) await this.raise('unavailable_data', commit, false, reason, PHASE2_UNAVAILABLE);
      return;
    }
    // Challenged with this watcher's bond (on L1, or on the parent chain), and followed (./dataAvailability.ts).
    const finding = existing ?? (await this.raise('unavailable_data', commit, true, reason));
    await followDataChallenge(da, {
      chainId: this.chainId, name: this.name, finding, commit,
      prev: this.verified.header ? headerFromJson(this.verified.header) : null,
      prevWindowEnd: commit.number === 1 ? 0 : (this.commitments.get(commit.number - 1)?.windowEnd ?? 0),
      challengeWindow: this.info.challengeWindow, now: this.s.l1().head.timestamp, sender: this.s.root.sender,
      save: () => this.save(finding), receipt: (tx) => this.s.root.receipt(tx), metrics: this.s.metrics, logger: this.s.logger,
    });
  }

  /** Records a finding (once per kind and height; a restart finds its objection again). */
  private async raise(kind: FindingKind, commit: CommitRecord, provable: boolean, reason: string, phase2?: string): Promise<Finding> {
    const id = `${kind}@${commit.number}`;
    const existing = this.findings.get(id);
    if (existing) return existing;
    const finding: Finding = {
      id,
      kind,
      chain: this.chainId,
      height: commit.number,
      blockHash: commit.blockHash,
      deadline: commit.windowEnd,
      provable,
      reason,
      ...(phase2 ? { phase2 } : {}),
      commitL1Block: commit.l1Block,
      detectedAt: this.s.l1().head.timestamp,
      objection: null,
    };
    this.findings.set(id, finding);
    await this.s.store.write([new Batch(this.chainId).finding(finding)]);
    this.s.metrics.findings.inc({ kind });
    this.s.logger.error(`FINDING ${kind} on chain ${this.name} at block ${commit.number}`, { reason, provable, deadline: commit.windowEnd, ...(phase2 ? { phase2 } : {}) });
    return finding;
  }

  /** Commitment signatures in the order `commit` wants them: by signer address, ascending. */
  private pack(side: { header: Header; signatures: Hex[] }): Hex {
    const blockHash = hashHeader(side.header);
    const signed = side.signatures.map((sig) => ({ sig, signer: BigInt(secp256k1Scheme.recover(commitmentDigest(this.domain, this.chainId, side.header.number, blockHash), sig)) }));
    signed.sort((a, b) => (a.signer < b.signer ? -1 : a.signer > b.signer ? 1 : 0));
    return bytesToHex(concatBytes(...signed.map((s) => hexToBytes(s.sig))));
  }

  /**
   * Sends (or follows up) the objection of `pending`: once per finding. A refusal by the contract is recorded and not
   * retried; a network failure throws and the next round tries again (a tx already sent is looked up first).
   */
  private async object(pending: { finding: Finding; proof?: FraudProof }): Promise<void> {
    const f = pending.finding;
    const done = (o: Objection | null) => o !== null && o.status !== 'sent';
    if (f.resolved || done(f.objection)) {
      this.pending = undefined;
      return;
    }
    const commit = this.commitments.get(f.height);
    if (!commit || !pending.proof) {
      this.pending = undefined;
      return;
    }
    if (!this.s.root.sender) {
      f.objection = { tx: null, status: 'failed', reason: 'the watcher has no key' };
      this.pending = undefined;
      await this.save(f);
      return;
    }
    if (f.objection?.tx) {
      const receipt = await this.s.root.receipt(f.objection.tx);
      if (receipt) {
        this.recordMined(f, commit, receipt.ok ? { l1Block: receipt.l1Block } : { reason: 'reverted' });
        this.pending = undefined;
        await this.save(f);
        return;
      }
      this.s.logger.warn('objection sent before a restart is unknown to the L1; sending it again', { chain: this.name, tx: f.objection.tx });
    }
    if (this.s.l1().head.timestamp >= commit.windowEnd) {
      f.objection = { tx: null, status: 'failed', reason: 'the challenge window closed before the objection was sent' };
      this.s.metrics.objections.inc({ status: 'failed' });
      this.pending = undefined;
      await this.save(f);
      return;
    }
    const prevWindowEnd = f.height === 1 ? 0 : (this.commitments.get(f.height - 1)?.windowEnd ?? 0);
    const before = f.objection;
    const result = await this.s.root.sendProof(this.chainId, pending.proof, { windowEnd: BigInt(commit.windowEnd), prevWindowEnd: BigInt(prevWindowEnd) }, (tx) => {
      f.objection = tx ? { tx, status: 'sent', reason: null, host: this.s.root.id } : before;
      if (tx) this.s.metrics.objections.inc({ status: 'sent' });
      void this.save(f);
    });
    if (result.mined) this.recordMined(f, commit, { l1Block: result.l1Block, tx: result.txHash });
    else {
      f.objection = { tx: result.txHash ?? null, status: 'failed', reason: result.reason, host: this.s.root.id };
      this.s.metrics.objections.inc({ status: 'failed' });
      this.s.logger.warn(`objection to block ${f.height} of chain ${this.name} refused`, { reason: result.reason });
    }
    this.pending = undefined;
    await this.save(f);
  }

  private recordMined(f: Finding, commit: CommitRecord, r: { l1Block: number; tx?: Hex } | { reason: string }): void {
    if ('reason' in r) {
      f.objection = { tx: f.objection?.tx ?? null, status: 'failed', reason: r.reason, host: this.s.root.id };
      this.s.metrics.objections.inc({ status: 'failed' });
      return;
    }
    const reaction = r.l1Block - commit.l1Block;
    f.objection = { tx: r.tx ?? f.objection?.tx ?? null, status: 'mined', reason: null, host: this.s.root.id, l1Block: r.l1Block, reactionL1Blocks: reaction };
    this.s.metrics.objections.inc({ status: 'mined' });
    this.s.metrics.reactionL1Blocks.observe(reaction);
    this.s.metrics.lastReactionL1Blocks.set(reaction);
    this.s.logger.info(`objection to block ${f.height} of chain ${this.name} mined`, { host: this.s.root.id, tx: f.objection.tx, l1Block: r.l1Block, reactionL1Blocks: reaction });
  }

  /** The confirmed commitment of height `n`, if known. */
  commitAt(n: number): CommitRecord | undefined {
    return this.commitments.get(n);
  }

  /** Objections in a parent chain's blocks: marks those whose block the parent has committed on its own parent. */
  async followHostCommitment(batch: Batch): Promise<void> {
    if (this.s.root.id === 'root') return;
    for (const f of this.findings.values()) {
      const o = f.objection;
      if (!o?.tx || o.hostCommitted || (o.status !== 'mined' && o.status !== 'convicted')) continue;
      const r = await this.s.root.receipt(o.tx);
      if (r?.committed) {
        o.hostCommitted = true;
        this.s.logger.info(`the objection to block ${f.height} of chain ${this.name} is committed by ${this.s.root.id} on its parent`, { tx: o.tx, block: r.l1Block });
        batch.finding(f);
      }
    }
  }

  private async save(f: Finding): Promise<void> {
    await this.s.store.write([new Batch(this.chainId).finding(f)]);
  }

  // ---- clock-driven checks (every L1 round) ---------------------------------------------------------------------

  /** Stall limit and deadline warnings, on the L1 clock. */
  async checkClock(): Promise<void> {
    const now = this.s.l1().head.timestamp;
    if (this.status === ChainStatus.Live) await this.checkStall(now);
    for (const f of this.findings.values()) {
      if (f.resolved || f.kind === 'stalled_chain' || (f.objection && f.objection.status !== 'sent')) {
        this.s.metrics.timeLeft.remove({ chain: this.name, kind: f.kind, height: f.height });
        continue;
      }
      const left = f.deadline - now;
      if (left <= 0) {
        f.resolved = 'the challenge window passed';
        this.s.metrics.timeLeft.remove({ chain: this.name, kind: f.kind, height: f.height });
        await this.save(f);
        continue;
      }
      this.s.metrics.timeLeft.set(left, { chain: this.name, kind: f.kind, height: f.height });
      if (!f.urgent && left < URGENT_SHARE * this.info.challengeWindow) {
        f.urgent = true;
        this.s.metrics.deadlineWarnings.inc({ chain: this.name, kind: f.kind });
        this.s.logger.warn(`${f.kind} on chain ${this.name} at block ${f.height}: ${left} s left to object (< 25 % of the window)`, { deadline: f.deadline, objection: f.objection });
        await this.save(f);
      }
    }
  }

  private async checkStall(now: number): Promise<void> {
    const head = this.commitments.get(this.headCommitted);
    const lastActivity = head ? head.windowEnd - this.info.challengeWindow : this.spawnTime;
    const freezableAt = lastActivity + this.stallLimit;
    if (now <= freezableAt) return;
    const id = `stalled_chain@${this.headCommitted}`;
    let f = this.findings.get(id);
    if (!f) {
      f = {
        id, kind: 'stalled_chain', chain: this.chainId, height: this.headCommitted, deadline: freezableAt, provable: true,
        reason: `no commit since ${new Date(lastActivity * 1000).toISOString()} (stall limit ${this.stallLimit} s)`, detectedAt: now, objection: null,
      };
      this.findings.set(id, f);
      this.s.metrics.findings.inc({ kind: 'stalled_chain' });
      this.s.logger.error(`FINDING stalled_chain: chain ${this.name} committed nothing for longer than its stall limit`, { lastActivity, stallLimit: this.stallLimit });
      await this.save(f);
    }
    if (!this.s.freezeStalled || f.objection || !this.s.root.sender || !this.s.root.freezeStalled) return;
    const result = await this.s.root.freezeStalled(this.chainId);
    f.objection = result.mined
      ? { tx: result.txHash, status: 'mined', reason: 'freezeStalled', l1Block: result.l1Block }
      : { tx: result.txHash ?? null, status: 'failed', reason: result.reason };
    this.s.metrics.objections.inc({ status: f.objection.status });
    await this.save(f);
  }

  // ---- status ---------------------------------------------------------------------------------------------------

  private haltedAt(): { height: number; reason: string } | undefined {
    if (this.halted) return this.halted;
    const missing = this.findings.get(`unavailable_data@${this.verified.number + 1}`);
    return missing && !missing.resolved ? { height: missing.height, reason: 'data unavailable' } : undefined;
  }

  statusJson(): ChainStatusJson {
    const now = this.s.l1().head.timestamp;
    const findings: FindingStatus[] = [...this.findings.values()]
      .sort((a, b) => a.height - b.height || a.kind.localeCompare(b.kind))
      .map((f) => ({ ...f, timeLeft: f.kind === 'stalled_chain' ? 0 : Math.max(0, f.deadline - now) }));
    const committed = this.headCommitted;
    return {
      chain: this.chainId,
      name: this.name,
      parent: this.s.root.id,
      status: this.status === ChainStatus.FrozenFraud ? 'frozen-fraud' : this.status === ChainStatus.FrozenStalled ? 'frozen-stalled' : 'live',
      headVerified: this.verified.number,
      headCommitted: committed,
      lag: Math.max(0, committed - this.verified.number),
      verifiedSinceStart: this.verifiedSinceStart,
      ...(this.haltedAt() ? { haltedAt: this.haltedAt() } : {}),
      challengeWindow: this.info.challengeWindow,
      nodes: [...this.nodes.urls],
      findings,
    };
  }
}
