import type { Wallet } from 'ethers';
import { packSignatures } from '@plasma-tree/contracts';
import type { Hex } from '@plasma-tree/core';
import type { Chain } from '../chain.js';
import { nodeError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { NodeMetrics } from '../metrics.js';
import { pollLoop } from '../util/loop.js';
import type { CommittedEvent, RootContract } from './rootContract.js';
import { withSigners, type SignatureCollector } from './signatureCollector.js';

export interface CommitterComponents {
  root: Pick<RootContract, 'chainInfo' | 'committedEvents' | 'commit'>;
  chain: Chain;
  /**
   * Submission: who pays for `commit` and where the signatures come from. Without it the committer only
   * tracks which blocks the L1 holds (what receipts and withdrawal proofs need).
   */
  submit?: { sender: Wallet; collector: SignatureCollector };
  logger: Logger;
  metrics: NodeMetrics;
}

export interface CommitterOptions {
  pollMs: number;
}

/**
 * Keeps the root contract's commitments of this chain and the store in step: records the windowEnd of
 * every committed block (from the `Committed` event), follows an L1 reorg that drops commitments, and, with
 * `submit`, commits the next blocks in order. State lives on L1 and in the store, so a restart resumes from
 * the contract's head.
 */
export class Committer {
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
    const onChain = (await this.c.root.chainInfo(chain.params.chainId)).headNumber;
    await this.reconcile(onChain);
    if (!this.c.submit) return;
    for (let number = onChain + 1; number <= chain.head.number && !signal.aborted; number++) {
      await this.commitBlock(number, signal);
    }
  }

  private async reconcile(onChain: number): Promise<void> {
    const { store } = this.c.chain;
    const local = store.committed.number;
    if (onChain < local) {
      this.c.logger.warn('commitments disappeared from L1 (reorg); they will be committed again', { from: onChain + 1, to: local });
      await store.rollbackCommitments(onChain);
    }
    if (onChain > this.c.chain.head.number) {
      throw nodeError('COMMITMENT_CONFLICT', `the root contract holds commitments up to block ${onChain}, this node's chain ends at block ${this.c.chain.head.number}`,
        'this data directory is behind the chain (or belongs to another run of it): restore it, or sync it from a validator', { onChain, head: this.c.chain.head.number });
    }
    while (store.committed.number < onChain) {
      const from = store.committed.number + 1;
      const events = await this.c.root.committedEvents(this.c.chain.params.chainId, from, onChain);
      for (const event of events.sort((a, b) => a.number - b.number)) {
        if (event.number === store.committed.number + 1) await this.record(event, await store.getBlockHash(event.number));
      }
      if (store.committed.number < from) throw new Error(`no Committed event found for block ${from} (is the L1 node still indexing?)`);
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
    const event = await this.c.root.commit(submit!.sender, header, packSignatures(signatures) as Hex);
    await this.record(event, hash);
    this.c.metrics.commitments.inc();
    this.c.logger.info('block committed', { number, hash, windowEnd: event.windowEnd, l1Tx: event.l1TxHash });
  }

  /** Stores a commitment after checking that L1 committed the block this node holds at that height. */
  private async record(event: CommittedEvent, localHash: Hex | undefined): Promise<void> {
    if (localHash !== event.blockHash) {
      throw nodeError('COMMITMENT_CONFLICT', `L1 committed block ${event.number} as ${event.blockHash}, this node holds ${localHash ?? 'no such block'}`,
        'another producer signed a different block at this height: stop this node and investigate before it signs anything else',
        { number: event.number, committed: event.blockHash, local: localHash });
    }
    await this.c.chain.store.putCommitment(event.number, { blockHash: event.blockHash, windowEnd: event.windowEnd, l1TxHash: event.l1TxHash });
    this.c.metrics.committedNumber.set(event.number);
  }
}
