/**
 * The validator's answer to data-availability challenges inside a chain (docs/FRAUD.md §9b): on a node whose parent
 * is a chain P, asks P's node for this chain's open challenges (`pt_getDataChallenges`) and publishes each challenged
 * block's transactions, then its exit tree, from the store, one chunk at a time (core's blockDataChunks /
 * blockExitChunks and encodePublishBlockDataCall / encodePublishExitDataCall), as CHILD_DATA_CALL transactions sent to
 * P's node, before the challenge's deadline (P's block clock). `to` is this node's validator address: the call that
 * completes both trees takes the challenger's bond. The counterpart of `dataResponder.ts` (challenges on L1).
 *
 * Restart-safe without state of its own: every round reads the open challenges and each one's progress
 * (`pt_getDataChallenge`: nextChunk / txsPublished / nextExitChunk / exitPublished) from P, and sends the next chunk
 * only once the previous one is in a block of P (chunks are applied in order there). Several validators of the chain
 * answering the same challenge only race for chunks: a chunk published (or queued) already is refused by P with
 * CHUNK_OUT_OF_ORDER, DATA_ALREADY_PUBLISHED or EXIT_DATA_ALREADY_PUBLISHED, which counts as done, and the next round
 * reads the progress again.
 */
import {
  DataChallengeStatus,
  TxKind,
  blockDataChunks,
  blockExitChunks,
  encodePublishBlockDataCall,
  encodePublishExitDataCall,
  isPlasmaError,
  signedTxToJson,
  type Address,
  type ChainId,
  type ChildDataCallTx,
  type Hex,
} from '@plasma-tree/core';
import type { Chain } from './chain.js';
import { nodeError } from './errors.js';
import type { Logger } from './logger.js';
import type { Counter } from './metrics.js';
import type { ParentNodeClient } from './parent/childParent.js';
import { unsignedTxHash } from './txHash.js';
import { sleep } from './util/abort.js';
import { pollLoop } from './util/loop.js';

export interface ChildDataResponderComponents {
  /** JSON-RPC client of the parent chain's node (ChildParent.client). */
  parent: Pick<ParentNodeClient, 'call' | 'url'>;
  /** This chain (its params name the parent chain; its store holds the blocks). */
  chain: Chain;
  /** Who takes the bond of an answered challenge: the node's validator address (the key it commits with). */
  publisher: Address;
  /** Fault injection (`withhold-data`): a withheld block is not published either (that is the fault). */
  faults?: { withholds(number: number): boolean };
  logger: Logger;
  /** Chunks this node published on the parent (included in a block there), by tree. */
  published?: Counter<'txs' | 'exits'>;
}

export interface ChildDataResponderOptions {
  pollMs: number;
  /** Longest wait for one chunk to be included in a block of the parent before the next round tries again. Default 60 s. */
  inclusionTimeoutMs?: number;
}

/** pt_getDataChallenge(s) of the parent's node (rpc/methods.ts dataChallengeJson). */
export interface DataChallengeJson {
  child: ChainId;
  number: number;
  challenger: Address;
  deadline: number;
  status: number;
  bond: string;
  nextChunk: number;
  txsPublished: boolean;
  nextExitChunk: number;
  exitPublished: boolean;
  published: boolean;
}

interface CommitmentJson {
  number: number;
  blockHash: Hex;
  windowEnd: number;
}

interface ReceiptJson {
  status: 'pending' | 'included' | 'committed' | 'rejected';
  blockNumber: number | null;
  reason?: string;
  message?: string;
}

/** Refusals that mean "published already" (by another validator, or by this node's own send that is still queued). */
const ALREADY_DONE = new Set(['CHUNK_OUT_OF_ORDER', 'DATA_ALREADY_PUBLISHED', 'EXIT_DATA_ALREADY_PUBLISHED', 'TX_KNOWN']);
/** Refusals that end the challenge for this node: it can no longer be answered (or needs no answer). */
const TOO_LATE = new Set(['RESPONSE_WINDOW_CLOSED', 'NO_OPEN_CHALLENGE', 'UNKNOWN_COMMITMENT', 'CHAIN_IS_FROZEN']);

/** What one round did for one challenge. */
type Outcome = 'answered' | 'pending' | 'skipped' | 'closed';

export class ChildDataResponder {
  /** Challenges this node will not (or can no longer) answer, and refusals: logged once per block and reason. */
  private readonly logged = new Set<string>();

  constructor(private readonly c: ChildDataResponderComponents, private readonly opts: ChildDataResponderOptions) {}

  run(signal: AbortSignal): Promise<void> {
    return pollLoop(signal, { task: "answer the parent chain's data-availability challenges", intervalMs: this.opts.pollMs, logger: this.c.logger }, () => this.round(signal));
  }

  /** Reads this chain's open challenges on the parent and publishes what each one still lacks. */
  async round(signal: AbortSignal): Promise<void> {
    const chainId = this.c.chain.params.chainId;
    const open = await this.c.parent.call<DataChallengeJson[]>('pt_getDataChallenges', [chainId], signal);
    for (const challenge of open) {
      if (signal.aborted) return;
      if (challenge.status !== DataChallengeStatus.Open || challenge.published) continue;
      await this.answer(challenge, signal);
    }
  }

  /** Publishes the rest of one challenged block, chunk after chunk, each once the previous one is in a block of the parent. */
  async answer(challenge: DataChallengeJson, signal: AbortSignal): Promise<Outcome> {
    const chainId = this.c.chain.params.chainId;
    const { number, deadline } = challenge;
    if (this.c.faults?.withholds(number)) {
      this.logOnce(`${number}:withheld`, 'FAULT INJECTED: withhold-data: the challenged block is not published on the parent either', { number, deadline });
      return 'skipped';
    }
    const stored = await this.c.chain.store.getBlock(number);
    const commitment = await this.c.parent.call<CommitmentJson | null>('pt_getCommitment', [chainId, number], signal);
    if (!stored || !commitment || commitment.blockHash.toLowerCase() !== stored.block.hash.toLowerCase()) {
      const error = nodeError('DATA_NOT_HELD', `block ${number} is challenged for its data on the parent chain, but this node does not hold the block that was committed`,
        'another validator (or any holder of the block) must publish it before the deadline', { number, deadline, committed: commitment?.blockHash ?? null, held: stored?.block.hash ?? null });
      this.logOnce(`${number}:not-held`, error.message, { error });
      return 'skipped';
    }
    const { block } = stored;
    const windowEnd = BigInt(commitment.windowEnd);
    let announced = false;
    for (;;) {
      if (signal.aborted) return 'pending';
      const progress = await this.c.parent.call<DataChallengeJson>('pt_getDataChallenge', [chainId, number], signal);
      if (progress.published) {
        if (announced) this.c.logger.warn(`the data challenge of block ${number} is answered: its data is on the parent chain`, { number, status: progress.status });
        return 'answered';
      }
      if (progress.status !== DataChallengeStatus.Open) return 'closed';
      const now = await this.c.parent.call<number>('pt_time', [], signal);
      if (now > deadline) {
        this.logOnce(`${number}:late`, `the data challenge of block ${number} was not answered before its deadline`, { number, deadline, now });
        return 'closed';
      }
      const exits = progress.txsPublished;
      let call: Hex;
      let chunk: number;
      let size: number;
      if (!exits) {
        const c = blockDataChunks(block)[progress.nextChunk];
        if (!c) return this.refused(number, 'BAD_PROGRESS', `the parent expects transaction chunk ${progress.nextChunk}, the block has fewer`);
        call = encodePublishBlockDataCall(chainId, block.header, windowEnd, c);
        [chunk, size] = [c.chunk, c.txs.length];
      } else {
        const c = blockExitChunks(block)[progress.nextExitChunk];
        if (!c) return this.refused(number, 'BAD_PROGRESS', `the parent expects exit chunk ${progress.nextExitChunk}, the block has fewer`);
        call = encodePublishExitDataCall(chainId, block.header, windowEnd, c);
        [chunk, size] = [c.chunk, c.leaves.length];
      }
      if (!announced) {
        this.c.logger.warn(`block ${number} is challenged for its data: publishing it on the parent chain`, {
          number, deadline, challenger: challenge.challenger, fromChunk: progress.nextChunk, txsPublished: progress.txsPublished, fromExitChunk: progress.nextExitChunk,
        });
        announced = true;
      }
      const tx: ChildDataCallTx = { kind: TxKind.ChildDataCall, chainId: this.c.chain.params.parentChainId, child: chainId, call, to: this.c.publisher };
      let hash: Hex;
      try {
        hash = (await this.c.parent.call<{ hash: Hex }>('pt_sendTransaction', [signedTxToJson(tx)], signal)).hash;
      } catch (e) {
        if (!isPlasmaError(e) || e.code === 'PARENT_UNREACHABLE') throw e;
        // Queued by this node before (a retried round): wait for that one. Another validator's chunk: done here.
        if (e.code === 'TX_KNOWN') hash = unsignedTxHash(tx);
        else return this.refused(number, e.code, e.message, { chunk, exits });
      }
      const receipt = await this.included(hash, signal);
      if (!receipt) return 'pending';
      if (receipt.status === 'rejected') return this.refused(number, receipt.reason ?? 'REJECTED', receipt.message ?? '', { chunk, exits, txHash: hash });
      this.c.published?.inc(1, exits ? 'exits' : 'txs');
      this.c.logger.info(`published ${exits ? 'exit ' : ''}chunk ${chunk} of block ${number} on the parent chain`, {
        number, chunk, [exits ? 'exits' : 'txs']: size, txHash: hash, parentBlock: receipt.blockNumber,
      });
    }
  }

  /** Waits until the parent includes (or rejects) `hash`; undefined after inclusionTimeoutMs or an abort. */
  private async included(hash: Hex, signal: AbortSignal): Promise<ReceiptJson | undefined> {
    const until = Date.now() + (this.opts.inclusionTimeoutMs ?? 60_000);
    while (!signal.aborted && Date.now() < until) {
      const receipt = await this.c.parent.call<ReceiptJson | null>('pt_getReceipt', [hash], signal);
      if (receipt && receipt.status !== 'pending') return receipt;
      await sleep(this.opts.pollMs, signal);
    }
    return undefined;
  }

  /** A refused chunk: published already (the next round reads the progress again), too late, or an error, logged once. */
  private refused(number: number, code: string, message: string, context: Record<string, unknown> = {}): Outcome {
    if (ALREADY_DONE.has(code)) {
      this.c.logger.debug(`a chunk of block ${number} is published already (${code}); reading the progress again next round`, { number, code, ...context });
      return 'pending';
    }
    if (TOO_LATE.has(code)) {
      this.logOnce(`${number}:${code}`, `the data challenge of block ${number} can no longer be answered: ${message}`, { number, code, ...context });
      return 'closed';
    }
    this.logOnce(`${number}:${code}`, `the parent chain refused a data chunk of block ${number}: ${message}`, { number, code, ...context });
    return 'pending';
  }

  private logOnce(key: string, message: string, context: Record<string, unknown>): void {
    if (this.logged.has(key)) return;
    this.logged.add(key);
    this.c.logger.error(message, context);
  }
}
