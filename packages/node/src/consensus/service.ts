import {
  HeightConsensus,
  PREPARE,
  decodeConsensusMessage,
  decodePreparedCertificate,
  encodeConsensusMessage,
  encodePreparedCertificate,
  isPlasmaError,
  verifyConsensusMessage,
  bytesToHex,
  type Address,
  type Certificate,
  type ConsensusAction,
  type Equivocation,
  type ConsensusMessage,
  type Hex,
  type Proposal,
} from '@plasma-tree/core';
import { checkBlock, checkDownStream, isRetryableBlockError } from '../blockImport.js';
import type { Chain } from '../chain.js';
import { decodeStoredBlock, encodeStoredBlock } from '../db/codec.js';
import type { DepositSource } from '../l1/depositFollower.js';
import type { ValidatorKey } from '../l1/signatureCollector.js';
import type { Logger } from '../logger.js';
import type { NodeMetrics } from '../metrics.js';
import type { BlockProducer } from '../producer.js';
import type { BlockImporter } from '../net/blockImporter.js';
import type { ChainNetwork } from '../net/chainNetwork.js';
import { sleep } from '../util/abort.js';

export interface ConsensusOptions {
  /** Round 0's length; round r lasts roundTimeoutMs · (1 + r) (docs/CONSENSUS.md §2). */
  roundTimeoutMs: number;
  /** Least time between two blocks (start to start), as a single producer keeps. */
  blockTimeMs: number;
}

export interface ConsensusComponents {
  chain: Chain;
  producer: BlockProducer;
  deposits: DepositSource;
  importer: BlockImporter;
  network: ChainNetwork;
  /** This validator's key (one per process: a networked validator holds its own key only). */
  key: ValidatorKey;
  /** Told of a height above this node's next one (it syncs). */
  behind(height: number): void;
  logger: Logger;
  metrics: NodeMetrics;
}

type Event = { kind: 'message'; message: ConsensusMessage } | { kind: 'timeout'; height: number; round: number } | { kind: 'imported'; height: number };

/** Heights a message may be ahead of this node's next one and still be kept for later (beyond: ignored). */
const FUTURE_HEIGHTS = 16;
/** Messages kept per validator for a future height (a few rounds of its four kinds): a peer cannot fill memory. */
const FUTURE_MESSAGES_PER_VALIDATOR = 16;

/**
 * A validator's part in its chain's consensus (docs/CONSENSUS.md §4): one core `HeightConsensus` per height, fed
 * the chain's `consensus` gossip, this node's timeouts and the answers to what it asked (a block built, a proposal
 * checked); its actions are carried out in order (a prepared certificate reaches the disk before the COMMIT that
 * follows it is sent). A height ends when its block is imported, through the decision or through sync.
 */
export class ConsensusService {
  private engine: HeightConsensus | undefined;
  private height = 0;
  private readonly queue: Event[] = [];
  private readonly future = new Map<number, ConsensusMessage[]>();
  private notify: (() => void) | undefined;
  private lastDecidedAt = 0;
  /** Whether the current height's engine was started (round 0 timer running). */
  private started = false;
  /** Equivocations this validator saw, newest last (at most MAX_EVIDENCE): served by pt_consensusEvidence. */
  readonly evidence: EquivocationRecord[] = [];
  /** Milliseconds this node takes to check one transaction of a proposal (moving average): sizes its own proposals. */
  private msPerTx = INITIAL_MS_PER_TX;

  constructor(private readonly c: ConsensusComponents, private readonly opts: ConsensusOptions) {
    c.importer.onImported((cert) => this.push({ kind: 'imported', height: Number(cert.height) }));
  }

  /** The `consensus` topic's validator: signature and membership checked here; routed by height. */
  receive(message: ConsensusMessage): 'accept' | 'ignore' | 'reject' {
    const { params, domain } = this.c.chain;
    try {
      verifyConsensusMessage(message, { chainId: params.chainId, domain, validators: params.validators });
    } catch (e) {
      if (isPlasmaError(e)) return 'reject';
      throw e;
    }
    const height = Number(message.height);
    const next = this.c.chain.head.number + 1;
    if (height < next) return 'ignore';
    if (height > next + FUTURE_HEIGHTS) return 'ignore';
    if (height > next) {
      const kept = this.future.get(height) ?? [];
      if (kept.length < FUTURE_MESSAGES_PER_VALIDATOR * params.validators.length) kept.push(message);
      this.future.set(height, kept);
      this.c.behind(height);
      return 'accept';
    }
    this.push({ kind: 'message', message });
    return 'accept';
  }

  async run(signal: AbortSignal): Promise<void> {
    signal.addEventListener('abort', () => this.notify?.(), { once: true });
    while (!signal.aborted) {
      const height = this.c.chain.head.number + 1;
      if (height !== this.height) this.enter(height);
      // An idle chain makes no empty blocks: a height starts once there is work here or a peer's message for it.
      if (this.engine && !this.started && this.c.producer.hasWork()) await this.start(signal);
      // While the height's record is read the engine does not exist yet: its events wait, in their order.
      const event = this.engine === undefined ? undefined : this.queue.shift();
      if (!event) {
        await new Promise<void>((resolve) => {
          this.notify = resolve;
          setTimeout(resolve, IDLE_CHECK_MS);
        });
        this.notify = undefined;
        continue;
      }
      await this.handle(event, signal);
    }
  }

  private enter(height: number): void {
    const { params } = this.c.chain;
    this.height = height;
    // The head moved: events of the old height are dead, but a message for this one may have come in (receive routes by
    // the head) before this loop got here; dropping it would cost the height a round.
    const current = this.queue.filter((e) => e.kind === 'message' && Number(e.message.height) === height);
    this.queue.length = 0;
    this.queue.push(...current);
    for (const h of [...this.future.keys()]) if (h < height) this.future.delete(h);
    const pending = this.future.get(height) ?? [];
    this.future.delete(height);
    this.engine = undefined;
    this.started = false;
    void Promise.all([this.c.chain.store.getConsensusRecord(height), this.c.chain.store.getConsensusRecord(height, 'own-prepare')]).then(([record, ownPrepare]) => {
      if (this.height !== height) return;
      // The PREPARE it sent before a restart binds it as one sent now: the engine takes it as its own (§4).
      if (ownPrepare !== undefined) pending.unshift(decodeConsensusMessage(ownPrepare));
      this.engine = new HeightConsensus({
        chainId: params.chainId,
        domain: this.c.chain.domain,
        validators: params.validators,
        threshold: params.threshold,
        height: BigInt(height),
        self: { address: this.c.key.address, privateKey: this.c.key.privateKey },
        prepared: record === undefined ? undefined : decodePreparedCertificate(record),
        roundTimeoutMs: this.opts.roundTimeoutMs,
      });
      this.c.metrics.consensusHeight.set(height);
      this.queue.unshift(...pending.map((message): Event => ({ kind: 'message', message })));
      this.notify?.();
    });
  }

  private async start(signal: AbortSignal): Promise<void> {
    this.started = true;
    await this.execute(this.engine!.start(), signal);
  }

  private push(event: Event): void {
    this.queue.push(event);
    this.notify?.();
  }

  private async handle(event: Event, signal: AbortSignal): Promise<void> {
    const engine = this.engine!; // run() hands events only to an existing engine
    if (event.kind === 'imported') return; // run() enters the next height
    if (event.kind === 'timeout') {
      if (event.height === this.height && event.round === engine.round) {
        this.c.metrics.consensusRounds.inc();
        this.c.logger.info('round timed out', { height: this.height, round: event.round });
        await this.execute(engine.onTimeout(event.round), signal);
      }
      return;
    }
    if (!this.started) await this.start(signal);
    await this.execute(engine.onMessage(event.message), signal);
  }

  /** Carries out an engine's actions in order; what they answer goes back to the same engine if it is still current. */
  private async execute(actions: ConsensusAction[], signal: AbortSignal): Promise<void> {
    const engine = this.engine!;
    const height = this.height;
    for (const action of actions) {
      if (signal.aborted || this.engine !== engine) return;
      switch (action.type) {
        case 'broadcast': {
          const bytes = encodeConsensusMessage(action.message);
          // Its PREPARE reaches the disk first: restarted, it must not prepare another block in that round.
          if (action.message.type === PREPARE) await this.c.chain.store.putConsensusRecord(height, bytes, 'own-prepare');
          this.c.network.publishConsensus(bytes);
          break;
        }
        case 'schedule-timeout': {
          const onAbort = () => clearTimeout(timer);
          const timer = setTimeout(() => {
            signal.removeEventListener('abort', onAbort);
            this.push({ kind: 'timeout', height, round: action.round });
          }, action.ms);
          signal.addEventListener('abort', onAbort, { once: true });
          break;
        }
        case 'persist-prepared':
          await this.c.chain.store.putConsensusRecord(height, encodePreparedCertificate(action.prepared));
          break;
        case 'build-block':
          void this.build(engine, action.round, signal);
          break;
        case 'check-proposal':
          void this.check(engine, action.proposal, signal);
          break;
        case 'decide':
          await this.decide(action.certificate);
          break;
        case 'equivocation':
          this.recordEquivocation(action.evidence);
          break;
      }
    }
  }

  /** The proposer's block: once the block time has passed and there is work; abandoned when the round moves on. */
  private async build(engine: HeightConsensus, round: number, signal: AbortSignal): Promise<void> {
    try {
      const wait = this.lastDecidedAt + this.opts.blockTimeMs - performance.now();
      if (wait > 0) await sleep(wait, signal);
      for (;;) {
        if (this.engine !== engine || engine.round !== round) return;
        const block = this.c.producer.hasWork() ? await this.c.importer.exclusive(() => this.c.producer.propose(signal, this.proposalBudget())) : undefined;
        if (this.engine !== engine || engine.round !== round) return;
        // The head moved while this build waited its turn (a block of this height imported): it is for the next height.
        if (block && block.header.number !== engine.height) return;
        if (block) {
          this.c.logger.info('proposing block', { number: Number(block.header.number), round, hash: block.hash, txs: block.txs.length });
          const bytes = encodeStoredBlock({ block, txHashes: block.txs.map(() => ZERO_HASH) });
          await this.execute(engine.onBlockBuilt(round, block.hash, bytes), signal);
          return;
        }
        await sleep(20, signal);
      }
    } catch (e) {
      if (!signal.aborted) this.c.logger.error('building a proposal failed', { error: e });
    }
  }

  /** A proposal's block checked on this node's own state; a deposit not seen yet here is retried while the round lasts. */
  private async check(engine: HeightConsensus, proposal: Proposal, signal: AbortSignal): Promise<void> {
    let valid = false;
    try {
      const { block } = decodeStoredBlock(proposal.block);
      if (block.hash !== proposal.blockHash) throw new Error('the proposal names another hash than its block has');
      for (;;) {
        try {
          // Between imports: while a block is being written the state is already past the head it would check against.
          await this.c.importer.exclusive(async () => {
            const started = performance.now();
            checkBlock(this.c.chain, block, (nonce) => this.c.deposits.record(nonce));
            checkDownStream(block, (nonce) => this.c.deposits.confirmedAt(nonce));
            this.observeCheck(performance.now() - started, block.txs.length);
          });
          valid = true;
          break;
        } catch (e) {
          if (!isRetryableBlockError(e) || this.engine !== engine || engine.round !== proposal.round) throw e;
          await sleep(50, signal);
        }
      }
    } catch (e) {
      if (signal.aborted) return;
      this.c.logger.warn('refusing a proposal', { height: String(proposal.height), round: proposal.round, signer: proposal.signer, error: (e as Error).message });
    }
    if (this.engine === engine) await this.execute(engine.onProposalChecked(proposal.round, proposal.blockHash, valid), signal);
  }

  /**
   * Transactions this validator proposes at most: what the others can check in PROPOSAL_CHECK_SHARE of a round at
   * the rate this node checks theirs (validators run alike hardware). A proposal that cannot be checked within its
   * round times out, and the next round's proposer, with a fuller mempool, proposes a bigger block still.
   */
  private proposalBudget(): number {
    return Math.max(MIN_PROPOSAL_TXS, Math.floor((this.opts.roundTimeoutMs * PROPOSAL_CHECK_SHARE) / this.msPerTx));
  }

  private observeCheck(ms: number, txs: number): void {
    if (txs < 50) return; // a small block measures fixed costs, not the rate
    this.msPerTx = 0.7 * this.msPerTx + 0.3 * (ms / txs);
  }

  /** Keeps the evidence (both signed messages, encoded) and says so loudly: a validator signed two blocks in a round. */
  private recordEquivocation(e: Equivocation): void {
    const record: EquivocationRecord = {
      kind: e.kind,
      signer: e.signer,
      height: Number(e.height),
      round: e.round,
      blocks: [e.first.blockHash, e.second.blockHash],
      first: bytesToHex(encodeConsensusMessage(e.first)),
      second: bytesToHex(encodeConsensusMessage(e.second)),
      seenAt: new Date().toISOString(),
    };
    this.evidence.push(record);
    if (this.evidence.length > MAX_EVIDENCE) this.evidence.shift();
    this.c.metrics.consensusEquivocations.inc(1, e.kind);
    this.c.logger.warn(`validator ${e.signer} signed two blocks in one round (${e.kind})`, { height: record.height, round: e.round, blocks: record.blocks });
  }

  private async decide(certificate: Certificate): Promise<void> {
    try {
      await this.c.importer.import(certificate);
      this.lastDecidedAt = performance.now();
      this.c.network.publishCertificate(certificate);
    } catch (e) {
      if (!isPlasmaError(e)) throw e;
      // A decided block this node cannot apply (a deposit it has not seen): sync brings it in later.
      this.c.logger.warn('the decided block cannot be imported yet', { height: String(certificate.height), error: e.message });
    }
  }
}

const ZERO_HASH = `0x${'00'.repeat(32)}` as Hex;
/** Share of a round a proposal's check may take on the others (the rest: building, gossip, PREPARE, COMMIT). */
const PROPOSAL_CHECK_SHARE = 0.25;
/** The rate assumed before this node checked any proposal (a transfer with its signature recovered). */
const INITIAL_MS_PER_TX = 0.1;
/** Equivocations kept in memory for pt_consensusEvidence. */
const MAX_EVIDENCE = 64;

/** What pt_consensusEvidence serves: an equivocation with both signed messages (core `encodeConsensusMessage`). */
export interface EquivocationRecord {
  kind: Equivocation['kind'];
  signer: Address;
  height: number;
  round: number;
  blocks: [Hex, Hex];
  first: Hex;
  second: Hex;
  seenAt: string;
}

/** Proposals are never capped below this many transactions. */
const MIN_PROPOSAL_TXS = 200;
const IDLE_CHECK_MS = 20;
