import { packSignatures } from '@plasma-tree/contracts';
import type { Hex } from '@plasma-tree/core';
import type { Chain } from '../chain.js';
import { nodeError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { NodeMetrics } from '../metrics.js';
import { pollLoop } from '../util/loop.js';
import type { ParentChain, ParentCommitment } from '../parent/parentChain.js';
import { withSigners, type SignatureCollector } from './signatureCollector.js';

export interface CommitterComponents {
  /** Where this chain's blocks are committed: the root contract, or the parent chain's node. */
  parent: Pick<ParentChain, 'headNumber' | 'commitments' | 'submitCommitment' | 'time'>;
  chain: Chain;
  /**
   * Submission: where the signatures come from (the parent pays or needs no gas). Without it the committer
   * only tracks which blocks the parent holds (what receipts and withdrawal proofs need).
   */
  submit?: {
    collector: SignatureCollector;
    /**
     * When this node may submit block `number` (ms since the epoch): with several validator processes, each
     * waits its turn after the block's designated submitter so that one commitment is paid for, not n.
     */
    readyAt?(number: number): number;
  };
  logger: Logger;
  metrics: NodeMetrics;
  /**
   * The node syncs blocks from peers (it runs on a p2p network): a parent ahead of its head means it is behind,
   * which sync mends, not a data directory to restore. Without it that is a COMMITMENT_CONFLICT.
   */
  syncsFromPeers?: boolean;
}

export interface CommitterOptions {
  pollMs: number;
}

/**
 * Keeps the parent's commitments of this chain and the store in step: records the windowEnd of every
 * committed block (the root contract's `Committed` event, or the parent node's `pt_getCommitment`), follows an
 * L1 reorg that drops commitments, and, with `submit`, commits the next blocks in order. State lives on the
 * parent and in the store, so a restart resumes from the parent's head. Each round also moves the chain's
 * final head (`Chain.final`): the newest committed block whose window has passed on the parent's clock.
 */
export class Committer {
  /** Whether the last round found the parent ahead of this node's head (logged once per episode). */
  private behind = false;

  constructor(private readonly c: CommitterComponents, private readonly opts: CommitterOptions) {}

  run(signal: AbortSignal): Promise<void> {
    return pollLoop(
      signal,
      { task: 'commit blocks to L1', intervalMs: this.opts.pollMs, logger: this.c.logger, onError: () => this.c.metrics.l1Errors.inc(1, 'committer') },
      () => this.round(signal),
    );
  }

  /** Brings the store in line with the contract, then commits every block above the contract's head. */
  async round(signal: AbortSignal): Promise<void> {
    const { chain } = this.c;
    const onChain = await this.c.parent.headNumber(chain.params.chainId);
    await this.reconcile(onChain);
    if (this.c.submit) {
      for (let number = onChain + 1; number <= chain.head.number && !signal.aborted; number++) {
        if ((this.c.submit.readyAt?.(number) ?? 0) > Date.now()) break;
        await this.commitBlock(number, signal);
      }
    }
    await this.updateFinal();
  }

  /**
   * Moves `chain.final` to the newest committed block whose windowEnd the parent's clock has reached. windowEnds
   * never decrease with the block number (parent timestamps never do), so a binary search finds it.
   */
  private async updateFinal(): Promise<void> {
    const { chain } = this.c;
    const { store } = chain;
    if (chain.final.number > store.committed.number) chain.final = store.committed;
    if (store.committed.number === chain.final.number) return;
    const now = await this.c.parent.time();
    // Invariant: block `lo` is final (or lo is the current final head); blocks above `hi` are not.
    let lo = chain.final.number;
    let hi = store.committed.number;
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      const record = await store.getCommitment(mid);
      if (record && record.windowEnd <= now) lo = mid;
      else hi = mid - 1;
    }
    if (lo > chain.final.number) chain.final = { number: lo, hash: (await store.getCommitment(lo))!.blockHash };
  }

  private async reconcile(onChain: number): Promise<void> {
    const { store } = this.c.chain;
    const local = store.committed.number;
    if (onChain < local) {
      this.c.logger.warn('commitments disappeared from the parent (reorg); they will be committed again', { from: onChain + 1, to: local });
      await store.rollbackCommitments(onChain);
      if (this.c.chain.final.number > onChain) this.c.chain.final = store.committed;
    }
    const head = this.c.chain.head.number;
    if (onChain > head && !this.c.syncsFromPeers) {
      throw nodeError('COMMITMENT_CONFLICT', `the parent holds commitments up to block ${onChain}, this node's chain ends at block ${head}`,
        'this data directory is behind the chain (or belongs to another run of it): restore it, or run the node with p2p so it syncs from the chain\'s validators', { onChain, head });
    }
    if ((onChain > head) !== this.behind) {
      this.behind = onChain > head;
      if (this.behind) this.c.logger.info('the parent holds commitments above this node\'s head: syncing from peers before recording them', { onChain, head });
      else this.c.logger.info('caught up with the parent\'s commitments', { onChain, head });
    }
    // Commitments of blocks this node does not hold yet are recorded once sync brought them.
    const upTo = Math.min(onChain, head);
    while (store.committed.number < upTo) {
      const from = store.committed.number + 1;
      const events = await this.c.parent.commitments(this.c.chain.params.chainId, from, upTo);
      for (const event of events.sort((a, b) => a.number - b.number)) {
        if (event.number === store.committed.number + 1) await this.record(event, await store.getBlockHash(event.number));
      }
      if (store.committed.number < from) throw new Error(`the parent reports no commitment of block ${from} (is the L1 node still indexing?)`);
    }
  }

  private async commitBlock(number: number, signal: AbortSignal): Promise<void> {
    const { chain, submit } = this.c;
    const stored = await chain.store.getBlock(number);
    if (!stored) throw new Error(`block ${number} is not in the store`);
    const { header, hash } = stored.block;
    const subject = { chainId: header.chainId, number: header.number, blockHash: hash };
    const own = withSigners(chain.domain, subject, await chain.store.getSignatures(number));
    const signatures = await submit!.collector.collect(subject, own, signal);
    const event = await this.c.parent.submitCommitment(header, packSignatures(signatures) as Hex, signal);
    await this.record(event, hash);
    this.c.metrics.commitments.inc();
    this.c.logger.info('block committed', { number, hash, windowEnd: event.windowEnd, parentTx: event.txHash });
  }

  /** Stores a commitment after checking that the parent committed the block this node holds at that height. */
  private async record(event: ParentCommitment, localHash: Hex | undefined): Promise<void> {
    if (localHash !== event.blockHash) {
      throw nodeError('COMMITMENT_CONFLICT', `the parent committed block ${event.number} as ${event.blockHash}, this node holds ${localHash ?? 'no such block'}`,
        'another producer signed a different block at this height: stop this node and investigate before it signs anything else',
        { number: event.number, committed: event.blockHash, local: localHash });
    }
    await this.c.chain.store.putCommitment(event.number, { blockHash: event.blockHash, windowEnd: event.windowEnd, l1TxHash: event.txHash });
    this.c.metrics.committedNumber.set(event.number);
  }
}
