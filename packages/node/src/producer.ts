import { BlockBuilder, TxKind, hashDeposit, isPlasmaError, type Account, type Block, type Hex, type LedgerEntry } from '@plasma-tree/core';
import type { Chain } from './chain.js';
import type { ChildCommitmentRecord, ChildDepositRecord, Rejection } from './db/chainStore.js';
import { ledgerEffects } from './ledgerEffects.js';
import type { DepositSource } from './l1/depositFollower.js';
import { signCommitment, type ValidatorKey } from './l1/signatureCollector.js';
import type { Logger } from './logger.js';
import type { Mempool } from './mempool.js';
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
 * Seals blocks: deposits first (confirmed ones, in nonce order), then mempool transactions in arrival order,
 * through core's BlockBuilder. A transaction the STF refuses at this point is dropped with a 'rejected'
 * receipt. Each block, its receipts index, its changed accounts and this node's commitment signatures are
 * persisted in one atomic write.
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
    const builder = new BlockBuilder({
      parent: chain.headHeader,
      state: chain.state,
      ctx: { chainId: chain.params.chainId, domain: chain.domain, depositRecord: (nonce) => this.c.deposits.record(nonce) },
      timestamp: this.timestamp(),
    });
    const txHashes: Hex[] = [];
    const touchedSlots = new Set<number>();
    const ledgerKeysTouched = new Set<Hex>();
    const childDeposits: ChildDepositRecord[] = [];
    const childCommitments: ChildCommitmentRecord[] = [];
    let depositCount = 0;

    for (const deposit of this.c.deposits.next(builder.depositNonce, this.opts.maxBlockTxs)) {
      try {
        const placed = builder.addDeposit(deposit);
        txHashes.push(hashDeposit(deposit));
        touchedSlots.add(placed.toSlot);
        depositCount++;
      } catch (e) {
        // Deposits cannot be skipped (nonces are consecutive): later ones wait behind this one.
        this.c.logger.error('deposit cannot be applied; deposits are stalled', { nonce: deposit.nonce, error: e });
        break;
      }
    }

    // Taken in chunks with a yield in between: RPC keeps admitting (and the signature workers keep working)
    // while a large block is built, and what arrives meanwhile can still join the block.
    const taken: Hex[] = [];
    const rejected: [Hex, Omit<Rejection, 'blockNumber'>][] = [];
    try {
      for (let chunk = mempool.take(this.chunkSize(builder)); chunk.length > 0; chunk = mempool.take(this.chunkSize(builder))) {
        for (const pending of chunk) {
          taken.push(pending.hash);
          try {
            const placed = builder.addSignedTx(pending.tx, pending.signer);
            txHashes.push(pending.hash);
            if (placed.kind !== TxKind.CommitChild && placed.kind !== TxKind.FinalizeChildExit) touchedSlots.add(placed.slot);
            if (placed.kind === TxKind.Transfer || placed.kind === TxKind.FinalizeChildExit) touchedSlots.add(placed.toSlot);
            const effects = ledgerEffects(placed, chain.state.ledger);
            if (effects) {
              for (const key of effects.keys) ledgerKeysTouched.add(key);
              const at = { blockNumber: Number(builder.number) };
              if (effects.deposit) childDeposits.push({ ...effects.deposit, ...at, index: builder.txCount - 1 });
              if (effects.commitment) childCommitments.push({ ...effects.commitment, ...at, timestamp: builder.timestamp });
            }
          } catch (e) {
            if (!isPlasmaError(e)) throw e;
            rejected.push([pending.hash, { reason: e.code, message: e.message }]);
            metrics.txsDropped.inc(1, e.code);
          }
          // In the same tick as the state change: admission sees either the tx pending or applied, never both.
          mempool.settle(pending);
        }
        await new Promise((resolve) => setImmediate(resolve));
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

    const block = builder.seal();
    const subject = { chainId: block.header.chainId, number: block.header.number, blockHash: block.hash };
    const signatures = signCommitment(this.c.validatorKeys, chain.domain, subject).map((s) => s.signature);
    const accounts = [...touchedSlots].map((slot): [number, Account] => [slot, chain.state.get(slot)!]);
    const ledger = [...ledgerKeysTouched].map((key): [Hex, LedgerEntry | undefined] => [key, chain.state.ledger.entry(key)]);
    await chain.append({ stored: { block, txHashes }, accounts, ledger, childDeposits, childCommitments, signatures, rejected });
    mempool.release(taken);

    const ms = performance.now() - started;
    metrics.blocks.inc();
    metrics.txsIncluded.inc(block.txs.length);
    metrics.blockBuildMs.observe(ms);
    metrics.headNumber.set(Number(block.header.number));
    this.c.logger.info('block sealed', {
      number: Number(block.header.number),
      hash: block.hash,
      txs: block.txs.length,
      deposits: depositCount,
      rejected: rejected.length,
      ms: Math.round(ms),
    });
    return block;
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
