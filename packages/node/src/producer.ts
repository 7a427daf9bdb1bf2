import { BURN_ADDRESS, BlockBuilder, NATIVE_TOKEN, TxKind, isPlasmaError, type Account, type Block, type BlockTx, type Hex, type LedgerEntry } from '@plasma-tree/core';
import type { Chain } from './chain.js';
import type { ChildCommitmentRecord, ChildDepositRecord, Rejection } from './db/chainStore.js';
import { ledgerEffects } from './ledgerEffects.js';
import type { FaultHook } from './faults/injector.js';
import type { DepositSource } from './l1/depositFollower.js';
import { downEventRecord } from './parent/confirmedDeposits.js';
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
  /** Fault injection (NodeOptions `faults`); undefined on an honest node. */
  faults?: FaultHook;
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
    const ctx = chain.blockContext((nonce) => this.c.deposits.record(nonce));
    const builder = new BlockBuilder({ parent: chain.headHeader, state: chain.state, ctx, timestamp: this.timestamp() });
    const txHashes: Hex[] = [];
    const touchedSlots = new Set<number>();
    const childDeposits: ChildDepositRecord[] = [];
    const childCommitments: ChildCommitmentRecord[] = [];
    let depositCount = 0;
    let edgeEventCount = 0;

    for (const event of this.c.deposits.next(builder.depositNonce, this.opts.maxBlockTxs)) {
      try {
        if (event.kind === 'deposit') {
          touchedSlots.add(builder.addDeposit(event.deposit).toSlot);
          depositCount++;
        } else {
          // A receive half that throws does not stop it: the event is consumed, its delivery recorded as failed.
          builder.addEdgeFromParent(event.event);
          edgeEventCount++;
        }
        // Filed under the parent's record (a depositHash, an edgeDownRecord), as pt_getReceipt finds it.
        txHashes.push(downEventRecord(chain.params.chainId, event));
      } catch (e) {
        // The down stream cannot be skipped (nonces are consecutive): later events wait behind this one.
        this.c.logger.error(`${event.kind === 'deposit' ? 'deposit' : 'edge event'} from the parent cannot be applied; the down stream is stalled`, { nonce: event.nonce, error: e });
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
            for (const slot of slotsWritten(placed)) touchedSlots.add(slot);
            // PROVE_CHILD_FRAUD: the reward's and the burned half's slots, where the STF wrote them (none for a 0 bond).
            if (placed.kind === TxKind.ProveChildFraud) {
              for (const slot of [placed.toSlot, chain.state.slotOf(BURN_ADDRESS, NATIVE_TOKEN)]) {
                if (slot !== undefined && chain.state.get(slot) !== undefined) touchedSlots.add(slot);
              }
            }
            const effects = ledgerEffects(placed, chain.state.ledger);
            if (effects) {
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

    // A faulty node (NodeOptions `faults`) may swap in a forged block here; an honest one always seals the builder's.
    const sealed = this.c.faults?.seal(builder, { parent: chain.headHeader, state: chain.state, ctx, txHashes, touchedSlots, childDeposits }) ??
      { block: builder.seal(), txHashes, touchedSlots, childDeposits };
    const { block } = sealed;
    const subject = { chainId: block.header.chainId, number: block.header.number, blockHash: block.hash };
    const signatures = signCommitment(this.c.validatorKeys, chain.domain, subject).map((s) => s.signature);
    const accounts = [...sealed.touchedSlots].map((slot): [number, Account] => [slot, chain.state.get(slot)!]);
    // Every key the block wrote (its parent kinds, its edge functions' storage and deliveries), from the
    // ledger's write log, with its entry now. The log may also list keys a reverted dry run touched: their
    // entries are unchanged, so writing them again is harmless.
    const ledger = chain.state.ledger.takeWrittenKeys().map((key): [Hex, LedgerEntry | undefined] => [key, chain.state.ledger.entry(key)]);
    await chain.append({ stored: { block, txHashes: sealed.txHashes }, accounts, ledger, childDeposits: sealed.childDeposits, childCommitments, signatures, rejected });
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
      edgeEvents: edgeEventCount,
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

/** The account slots a placed mempool transaction writes: its sender's (user-signed kinds), its recipient's. */
function slotsWritten(tx: BlockTx): number[] {
  switch (tx.kind) {
    case TxKind.Transfer:
      return [tx.slot, tx.toSlot];
    case TxKind.Withdraw:
    case TxKind.DepositToChild:
    case TxKind.SpawnChild:
    case TxKind.EdgeSend:
      return [tx.slot];
    case TxKind.FinalizeChildExit:
    case TxKind.EscapeChildExit:
    case TxKind.ReclaimChildDeposit:
      return [tx.toSlot];
    default:
      // COMMIT_CHILD, EDGE_FROM_CHILD: the ledger only; PROVE_CHILD_FRAUD: see the caller (the slots depend on the bond).
      return [];
  }
}
