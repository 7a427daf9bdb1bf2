import { isPlasmaError, type Block, type BlockBuilder, type Hex } from '@plasma-tree/core';
import { BlockAssembly } from './blockAssembly.js';
import type { Chain } from './chain.js';
import type { Rejection } from './db/chainStore.js';
import type { FaultHook } from './faults/injector.js';
import type { DepositSource } from './l1/depositFollower.js';
import { signCommitment, type ValidatorKey } from './l1/signatureCollector.js';
import type { Logger } from './logger.js';
import type { Mempool, PendingTx } from './mempool.js';
import type { NodeMetrics } from './metrics.js';
import { sleep } from './util/abort.js';

export interface BlockProducerComponents {
  chain: Chain;
  mempool: Mempool;
  deposits: DepositSource;
  /** Keys that sign each block's commitment (at least one: a node without keys produces nothing). */
  validatorKeys: readonly ValidatorKey[];
  /** Unix seconds (the block timestamp). */
  now?: () => bigint;
  logger: Logger;
  metrics: NodeMetrics;
  /** Fault injection (NodeOptions `faults`); undefined on an honest node. */
  faults?: FaultHook;
  /** Told of each block sealed and persisted, with its signatures (the network gossips its certificate). */
  onSealed?(stored: { block: Block; txHashes: Hex[] }, signatures: Hex[]): void;
}

export interface BlockProducerOptions {
  blockTimeMs: number;
  maxBlockTxs: number;
}

/** How often the loop looks for work between blocks: a full mempool is sealed within this delay. */
const MAX_IDLE_CHECK_MS = 20;
/** Transactions applied between two yields to the event loop while a block is built (~25 ms of work). */
const BUILD_CHUNK = 500;

/**
 * Seals blocks: the parent's down stream first (confirmed deposits and down edge events, in nonce order: kinds 0
 * and 8), then mempool transactions in arrival order, through core's BlockBuilder with the chain's edge
 * functions. A transaction the STF refuses at this point is dropped with a 'rejected' receipt. Each block, its
 * receipts index, its changed accounts and ledger entries, and this node's commitment signatures are persisted
 * in one atomic write.
 */
export class BlockProducer {
  constructor(private readonly c: BlockProducerComponents, private readonly opts: BlockProducerOptions) {}

  /**
   * Seals a block every `blockTimeMs` while there is work, or as soon as `maxBlockTxs` transactions wait.
   * Resolves when `signal` aborts (after the block in progress is persisted). Rejects when a block cannot be
   * built or persisted for a reason other than a transaction's own fault: the node must stop then, since the
   * chain in memory may be ahead of the disk.
   */
  async run(signal: AbortSignal): Promise<void> {
    // Block times are measured start to start, so the cadence does not stretch by the time a block takes.
    let lastStarted = performance.now();
    const checkMs = Math.min(this.opts.blockTimeMs, MAX_IDLE_CHECK_MS);
    while (!signal.aborted) {
      const now = performance.now();
      if (this.c.mempool.queued >= this.opts.maxBlockTxs || (now - lastStarted >= this.opts.blockTimeMs && this.hasWork())) {
        lastStarted = now;
        await this.produce();
      }
      await sleep(checkMs, signal);
    }
  }

  hasWork(): boolean {
    return this.c.mempool.queued > 0 || this.c.deposits.next(this.c.chain.depositNonce, 1).length > 0;
  }

  /** Builds, signs and persists one block from the work at hand; undefined when there was none to include. */
  async produce(): Promise<Block | undefined> {
    const started = performance.now();
    const { chain, mempool, metrics } = this.c;
    const unbudgeted = this.c.faults?.ignoresChunkBudget((chain.headHeader?.number ?? 0n) + 1n) ?? false;
    const assembly = new BlockAssembly(chain, (nonce) => this.c.deposits.record(nonce), this.timestamp(), unbudgeted);
    const { builder } = assembly;
    // A data chunk at its byte budget (CHUNK_FULL) ends the block: what did not fit waits for the next one.
    let full = this.addDownStream(assembly);

    // Taken in chunks with a yield in between: RPC keeps admitting (and the signature workers keep working)
    // while a large block is built, and what arrives meanwhile can still join the block.
    const taken: Hex[] = [];
    const rejected: [Hex, Omit<Rejection, 'blockNumber'>][] = [];
    try {
      while (!full) {
        const chunk = mempool.take(this.chunkSize(builder));
        if (chunk.length === 0) break;
        for (let i = 0; i < chunk.length; i++) {
          const pending = chunk[i];
          try {
            assembly.addPending(pending);
          } catch (e) {
            if (!isPlasmaError(e)) throw e;
            if (e.code === 'CHUNK_FULL') {
              // Not the tx's fault: it and those taken after it go back to the queue's front, in order, still
              // pending (per-slot nonces keep their order), for the next block, which starts a new chunk.
              mempool.requeue(chunk.slice(i));
              full = true;
              break;
            }
            rejected.push([pending.hash, { reason: e.code, message: e.message }]);
            metrics.txsDropped.inc(1, e.code);
          }
          taken.push(pending.hash);
          // In the same tick as the state change: admission sees either the tx pending or applied, never both.
          mempool.settle(pending);
        }
        if (!full) await new Promise((resolve) => setImmediate(resolve));
      }
    } catch (e) {
      // Not a transaction's fault but a bug or a broken state: stop rather than build on it.
      builder.abort();
      throw e;
    }

    if (builder.txCount === 0) {
      builder.abort();
      if (rejected.length > 0) await chain.store.putRejections(rejected);
      mempool.release(taken);
      return undefined;
    }

    // A faulty node (NodeOptions `faults`) may swap in a forged block here; an honest one always seals the builder's.
    const { txHashes, touchedSlots, childDeposits } = assembly;
    const sealed = this.c.faults?.seal(builder, { parent: chain.headHeader, state: chain.state, ctx: chain.blockContext((nonce) => this.c.deposits.record(nonce)), txHashes, touchedSlots, childDeposits }) ??
      { block: builder.seal(), txHashes, touchedSlots, childDeposits };
    const { block } = sealed;
    const subject = { chainId: block.header.chainId, number: block.header.number, blockHash: block.hash };
    const signatures = signCommitment(this.c.validatorKeys, chain.domain, subject).map((s) => s.signature);
    const write = assembly.write(sealed, signatures, rejected);
    await chain.append(write);
    mempool.release(taken);
    this.c.onSealed?.(write.stored, signatures);
    this.logSealed(block, assembly, rejected.length, started);
    return block;
  }

  /**
   * A validator of a networked chain proposes: builds a block from the down stream and the mempool on the head
   * as `produce` would, then reverts the state (the block counts only once a quorum decides it, and is then
   * imported like any other). The mempool keeps its transactions; those the STF refused are dropped with a
   * 'rejected' receipt. At most `maxTxs` transactions (the consensus service keeps a proposal checkable within a
   * round). Undefined when there is nothing to propose.
   */
  async propose(signal?: AbortSignal, maxTxs = this.opts.maxBlockTxs): Promise<Block | undefined> {
    const { chain, mempool, metrics } = this.c;
    signal?.throwIfAborted();
    const rejected: PendingTx[] = [];
    const errors: [Hex, Omit<Rejection, 'blockNumber'>][] = [];
    let block: Block | undefined;
    // Synchronous from checkpoint to revert: the mempool's admission, a proposal's check and an import all read this
    // state, and must never see a dry build halfway (admission would count a transaction twice, or not at all).
    const depth = chain.state.checkpointDepth;
    chain.state.checkpoint();
    try {
      const assembly = new BlockAssembly(chain, (nonce) => this.c.deposits.record(nonce), this.timestamp());
      const { builder } = assembly;
      const full = this.addDownStream(assembly);
      for (const pending of full ? [] : mempool.peek(Math.min(maxTxs, this.opts.maxBlockTxs) - builder.txCount)) {
        try {
          assembly.addPending(pending);
        } catch (e) {
          if (!isPlasmaError(e)) throw e;
          // Its chunk is at its byte budget: the proposal ends here, the rest waits in the mempool.
          if (e.code === 'CHUNK_FULL') break;
          rejected.push(pending);
          errors.push([pending.hash, { reason: e.code, message: e.message }]);
          metrics.txsDropped.inc(1, e.code);
        }
      }
      if (builder.txCount === 0) builder.abort();
      else {
        // A faulty validator (NodeOptions `faults`) proposes its forged block, as a lying member of a quorum would;
        // the others re-execute every proposal before they PREPARE it (ConsensusService.check) and refuse it.
        const { txHashes, touchedSlots, childDeposits } = assembly;
        const forged = this.c.faults?.seal(builder, { parent: chain.headHeader, state: chain.state, ctx: chain.blockContext((nonce) => this.c.deposits.record(nonce)), txHashes, touchedSlots, childDeposits });
        block = forged?.block ?? builder.seal();
      }
    } finally {
      // Back to the head's state whatever happened (an open builder's checkpoint included).
      while (chain.state.checkpointDepth > depth) chain.state.revert();
    }
    if (rejected.length > 0) {
      mempool.drop(rejected);
      await chain.store.putRejections(errors);
    }
    return block;
  }

  /**
   * The parent's down stream first (confirmed deposits and down edge events, in nonce order: kinds 0 and 8). True
   * when a data chunk reached its byte budget (CHUNK_FULL): the block ends there, the rest of the stream waits.
   */
  private addDownStream(assembly: BlockAssembly): boolean {
    for (const event of this.c.deposits.next(assembly.builder.depositNonce, this.opts.maxBlockTxs)) {
      try {
        assembly.addDownEvent(event);
      } catch (e) {
        if (isPlasmaError(e, 'CHUNK_FULL')) return true;
        // The down stream cannot be skipped (nonces are consecutive): later events wait behind this one.
        this.c.logger.error(`${event.kind === 'deposit' ? 'deposit' : 'edge event'} from the parent cannot be applied; the down stream is stalled`, { nonce: event.nonce, error: e });
        break;
      }
    }
    return false;
  }

  private logSealed(block: Block, assembly: BlockAssembly, rejected: number, started: number): void {
    const ms = performance.now() - started;
    const { metrics } = this.c;
    metrics.blocks.inc();
    metrics.txsIncluded.inc(block.txs.length);
    metrics.blockBuildMs.observe(ms);
    metrics.headNumber.set(Number(block.header.number));
    this.c.logger.info('block sealed', {
      number: Number(block.header.number),
      hash: block.hash,
      txs: block.txs.length,
      deposits: assembly.depositCount,
      edgeEvents: assembly.edgeEventCount,
      rejected,
      ms: Math.round(ms),
    });
  }

  /** How many transactions to take next: a chunk, but never beyond the block's limit. */
  private chunkSize(builder: BlockBuilder): number {
    return Math.min(BUILD_CHUNK, this.opts.maxBlockTxs - builder.txCount);
  }

  /** Wall-clock seconds, never before the parent's timestamp. */
  private timestamp(): bigint {
    const now = this.c.now?.() ?? BigInt(Math.floor(Date.now() / 1000));
    const parent = this.c.chain.headHeader?.timestamp ?? 0n;
    return now > parent ? now : parent;
  }
}
