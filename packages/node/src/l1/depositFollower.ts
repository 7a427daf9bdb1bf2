import { ConfirmedDeposits, downEventRecord, type DownEvent } from '../parent/confirmedDeposits.js';
import { recordIs, type ChainId, type Hex } from '@plasma-tree/core';
import type { Logger } from '../logger.js';
import type { NodeMetrics } from '../metrics.js';
import { pollLoop } from '../util/loop.js';
import type { RootContract } from './rootContract.js';

/** Where the block producer takes the parent's down stream (deposits and down edge events) from. */
export interface DepositSource {
  /** Confirmed events with consecutive nonces `afterNonce + 1, afterNonce + 2, …`, at most `max`. */
  next(afterNonce: bigint, max: number): DownEvent[];
  /** The parent's record of a confirmed event (a depositHash or an edgeDownRecord: what the STF checks it against). */
  record(nonce: bigint): Hex | undefined;
  /** When this node first saw the event confirmed (ms), while it is not applied. */
  confirmedAt(nonce: bigint): number | undefined;
}

export interface DepositFollowerComponents {
  root: Pick<RootContract, 'blockNumber' | 'depositCount' | 'downEvents' | 'depositRecord'>;
  chainId: ChainId;
  /** Highest deposit nonce the chain has applied (deposits up to it are dropped). */
  appliedNonce: () => bigint;
  logger: Logger;
  metrics: NodeMetrics;
}

export interface DepositFollowerOptions {
  /** L1 blocks a deposit must be buried under. */
  confirmations: number;
  pollMs: number;
}

/** Most new events fetched per poll (bounds one eth_getLogs topic list and its eth_calls). */
const MAX_DEPOSITS_PER_POLL = 500;

/**
 * Follows the root contract's down stream of one chain: `Deposited` and `EdgeEventSent` events, which share
 * one nonce stream. Only the L1 up to `head - confirmations` is ever read, logs and contract state at the same
 * block number, and each event is checked against `depositRecord(chainId, nonce)` at that block (`hashDeposit`
 * of a deposit, core's `edgeDownRecord` of an edge event): an event that a reorg removes before it is confirmed
 * is never seen, and a different one that takes its nonce (a deposit or an edge event) is the one applied.
 */
export class DepositFollower implements DepositSource {
  /** Confirmed events not yet applied, by nonce, with their verified record. */
  private readonly deposits = new ConfirmedDeposits();
  /** L1 block of the newest verified deposit: later nonces cannot be in earlier blocks. */
  private searchFromBlock = 0;

  constructor(private readonly c: DepositFollowerComponents, private readonly opts: DepositFollowerOptions) {}

  /** Polls until `signal` aborts; L1 failures are retried with backoff, never thrown. */
  run(signal: AbortSignal): Promise<void> {
    return pollLoop(
      signal,
      { task: 'read deposits from L1', intervalMs: this.opts.pollMs, logger: this.c.logger, onError: () => this.c.metrics.l1Errors.inc(1, 'depositFollower') },
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

  /** Highest nonce up to which deposits are confirmed and waiting (or applied). */
  get confirmedNonce(): bigint {
    return this.deposits.confirmedNonce(this.c.appliedNonce());
  }

  /** One round: read the confirmed L1 and take in the deposits it holds beyond those known. */
  async poll(): Promise<void> {
    const head = await this.c.root.blockNumber();
    this.c.metrics.l1Head.set(head);
    const confirmedBlock = head - this.opts.confirmations;
    if (confirmedBlock < 0) return;

    const applied = this.c.appliedNonce();
    this.deposits.dropApplied(applied);

    const depositCount = await this.c.root.depositCount(this.c.chainId, confirmedBlock);
    this.forgetBeyond(depositCount);
    const known = this.confirmedNonce;
    if (depositCount <= known) return;

    const wanted: bigint[] = [];
    for (let n = known + 1n; n <= depositCount && wanted.length < MAX_DEPOSITS_PER_POLL; n++) wanted.push(n);
    const events = await this.c.root.downEvents(this.c.chainId, wanted, this.searchFromBlock, confirmedBlock);
    const records = await Promise.all(events.map((e) => this.c.root.depositRecord(this.c.chainId, e.event.nonce, confirmedBlock)));
    events.forEach(({ event, l1Block }, i) => {
      const expected = downEventRecord(this.c.chainId, event);
      if (!recordIs(records[i]!, expected)) {
        // The log and the contract state disagree: they were read from two forks. The next round rereads both.
        this.c.logger.warn(`${event.kind === 'deposit' ? 'deposit' : 'edge'} event does not match the contract record; will read it again`, { nonce: event.nonce, l1Block, record: records[i], expected });
        return;
      }
      this.deposits.add(event, expected);
      this.searchFromBlock = Math.max(this.searchFromBlock, l1Block);
    });
    const confirmed = this.confirmedNonce;
    this.c.metrics.depositsConfirmed.set(Number(confirmed));
    if (confirmed > known) this.c.logger.debug('deposits confirmed', { from: known + 1n, to: confirmed, l1Block: confirmedBlock });
  }

  /** A reorg deeper than `confirmations` took deposits back: forget them, and search their range again. */
  private forgetBeyond(depositCount: bigint): void {
    const forgotten = this.deposits.dropAbove(depositCount);
    if (forgotten > 0) {
      this.searchFromBlock = 0;
      this.c.logger.warn('confirmed deposits disappeared from L1 (reorg deeper than l1Confirmations); raise l1Confirmations', { forgotten, depositCount });
    }
  }
}
