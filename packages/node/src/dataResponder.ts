/**
 * The validator's answer to data-availability challenges at the root (docs/FRAUD.md §9): follows PlasmaDataAvailability's
 * `DataChallenged` events for this chain and publishes the challenged block's transactions from the store, chunk by
 * chunk (core's blockDataChunks and encodePublishBlockDataCall), before the deadline. The completing chunk earns the
 * challenger's bond. Runs on validators that commit to L1 (they hold an L1 key that pays gas).
 *
 * Restart-safe without state of its own: it reads the chain's challenges from L1 (on start, those young enough to be open) and
 * each open one's progress from the module (`publication`), so a node restarted mid-publication goes on from the next
 * chunk. Several validators answering the same challenge only race for chunks: a chunk published already is refused at
 * estimateGas (no gas spent) and the next round reads the progress again.
 */
import { Contract, Interface, Wallet, type Log } from 'ethers';
import { loadArtifact } from '@plasma-tree/contracts';
import { DataChallengeStatus, blockDataChunks, blockExitChunks, encodePublishBlockDataCall, encodePublishExitDataCall, type ChainId, type Hex } from '@plasma-tree/core';
import type { Chain } from './chain.js';
import { nodeError } from './errors.js';
import type { RootContract } from './l1/rootContract.js';
import type { Logger } from './logger.js';
import { pollLoop } from './util/loop.js';

export interface DataResponderComponents {
  /** PlasmaRoot on L1 (its provider; the module is its immutable `dataAvailability`). */
  root: RootContract;
  /** The key that pays the publications (the node's committing validator key). */
  senderKey: Hex;
  chain: Chain;
  /** Fault injection (`withhold-data`): a withheld block is not published either (that is the fault). */
  faults?: { withholds(number: number): boolean };
  logger: Logger;
}

export interface DataResponderOptions {
  pollMs: number;
}

/** L1 blocks per eth_getLogs. */
const LOG_RANGE = 5_000;
/**
 * How far back a start looks for challenges: one still open is younger than its deadline (a quarter of a window of at
 * most 30 days: 7.5 days, 54,000 blocks of 12 s); an older one can no longer be answered.
 */
const LOOKBACK_BLOCKS = 100_000;
/** L1 blocks read again every round: a challenge an L1 reorg moved to another block is still found. */
const REORG_OVERLAP = 64;

export class DataResponder {
  private readonly iface = new Interface(loadArtifact('PlasmaDataAvailability').abi);
  private readonly sender: Wallet;
  private module: Contract | undefined;
  /** The next L1 block to read DataChallenged events from (undefined: LOOKBACK_BLOCKS before the first round's). */
  private fromBlock: number | undefined;
  /** Challenged blocks (number → deadline) whose answer is not settled yet. */
  private readonly challenged = new Map<number, number>();
  /** Challenges this node will not answer (withheld by a fault, not held): logged once. */
  private readonly skipped = new Set<number>();

  constructor(private readonly c: DataResponderComponents, private readonly opts: DataResponderOptions) {
    this.sender = new Wallet(c.senderKey, c.root.provider);
  }

  run(signal: AbortSignal): Promise<void> {
    return pollLoop(signal, { task: 'answer data-availability challenges', intervalMs: this.opts.pollMs, logger: this.c.logger }, () => this.round(signal));
  }

  /** Reads new challenges of this chain, then publishes what each open one still lacks. */
  async round(signal: AbortSignal): Promise<void> {
    const module = await this.moduleContract();
    const chainId = this.c.chain.params.chainId;
    const latest = await this.c.root.provider.getBlockNumber();
    const topic = this.iface.getEvent('DataChallenged')!.topicHash;
    const start = this.fromBlock === undefined ? latest - LOOKBACK_BLOCKS : this.fromBlock - REORG_OVERLAP;
    for (let from = Math.max(0, start); from <= latest; from += LOG_RANGE) {
      const to = Math.min(latest, from + LOG_RANGE - 1);
      const logs: Log[] = await this.c.root.provider.getLogs({ address: await module.getAddress(), topics: [topic, chainId], fromBlock: from, toBlock: to });
      for (const log of logs) {
        const { args } = this.iface.parseLog(log)!;
        this.challenged.set(Number(args.number), Number(args.deadline));
      }
      this.fromBlock = to + 1;
    }
    for (const [number, deadline] of [...this.challenged]) {
      if (signal.aborted) return;
      if (await this.answer(module, chainId, number, deadline, signal)) this.challenged.delete(number);
    }
  }

  /** Publishes the rest of block `number`; true once there is nothing left to do for it. */
  private async answer(module: Contract, chainId: ChainId, number: number, deadline: number, signal: AbortSignal): Promise<boolean> {
    const [, , status] = (await module.challengeOf(chainId, number)) as [string, bigint, bigint];
    if (Number(status) !== DataChallengeStatus.Open) return true;
    if (this.c.faults?.withholds(number)) {
      this.skipOnce(number, 'FAULT INJECTED: withhold-data: the challenged block is not published either', { number });
      return false;
    }
    const now = (await this.c.root.provider.getBlock('latest'))!.timestamp;
    if (now > deadline) {
      this.c.logger.error(`the data challenge of block ${number} was not answered before its deadline`, { number, deadline });
      return true;
    }
    const stored = await this.c.chain.store.getBlock(number);
    const commitment = stored && (await this.committed(chainId, number));
    if (!stored || !commitment || commitment.blockHash !== stored.block.hash.toLowerCase()) {
      const error = nodeError('DATA_NOT_HELD', `block ${number} is challenged for its data, but this node does not hold the block that was committed`,
        'another validator (or any holder of the block) must publish it before the deadline', { number, deadline, committed: commitment?.blockHash ?? null, held: stored?.block.hash ?? null });
      this.skipOnce(number, error.message, { error });
      return false;
    }
    const [nextChunk, txsDone] = (await module.publication(chainId, number)) as [bigint, boolean];
    const [nextExitChunk, exitsDone] = (await module.exitPublication(chainId, number)) as [bigint, boolean];
    if (txsDone && exitsDone) return true;
    // The transactions, then the exit tree: both are the block's data (a challenge is answered once both are on L1).
    const calls = [
      ...(txsDone ? [] : blockDataChunks(stored.block).slice(Number(nextChunk)).map((chunk) => ({ chunk: chunk.chunk, txs: chunk.txs.length, complete: chunk.complete, data: encodePublishBlockDataCall(chainId, stored.block.header, commitment.windowEnd, chunk) }))),
      ...(exitsDone ? [] : blockExitChunks(stored.block).slice(Number(nextExitChunk)).map((chunk) => ({ chunk: chunk.chunk, exits: chunk.leaves.length, complete: chunk.complete, data: encodePublishExitDataCall(chainId, stored.block.header, commitment.windowEnd, chunk) }))),
    ];
    this.c.logger.warn(`block ${number} is challenged for its data: publishing it on L1`, { number, deadline, calls: calls.length, fromChunk: Number(nextChunk), fromExitChunk: Number(nextExitChunk) });
    for (const { data, ...chunk } of calls) {
      if (signal.aborted) return false;
      let receipt;
      try {
        receipt = await (await this.sender.sendTransaction({ to: await module.getAddress(), data })).wait();
      } catch (e) {
        // Refused (another validator published this chunk first, the deadline passed): the next round reads the
        // progress again. Anything else (the L1 is down) fails the round.
        if ((e as { code?: string }).code !== 'CALL_EXCEPTION') throw e;
        this.c.logger.warn(`chunk ${chunk.chunk} of block ${number} was refused; reading the progress again next round`, { number, error: (e as Error).message });
        return false;
      }
      this.c.logger.info(`published ${'exits' in chunk ? 'exit ' : ''}chunk ${chunk.chunk} of block ${number}`, { number, ...chunk, gasUsed: receipt?.gasUsed });
    }
    this.c.logger.warn(`the data challenge of block ${number} is answered: its data is on L1`, { number });
    return true;
  }

  /** The windowEnd and hash the root recorded for block `number` (the store's record, else the Committed event). */
  private async committed(chainId: ChainId, number: number): Promise<{ blockHash: Hex; windowEnd: number } | undefined> {
    const record = await this.c.chain.store.getCommitment(number);
    if (record) return { blockHash: record.blockHash.toLowerCase() as Hex, windowEnd: record.windowEnd };
    const [event] = await this.c.root.committedEvents(chainId, number, number);
    return event && { blockHash: event.blockHash, windowEnd: event.windowEnd };
  }

  private skipOnce(number: number, message: string, context: Record<string, unknown>): void {
    if (this.skipped.has(number)) return;
    this.skipped.add(number);
    this.c.logger.error(message, context);
  }

  private async moduleContract(): Promise<Contract> {
    if (!this.module) {
      const root = new Contract(this.c.root.address, loadArtifact('PlasmaRoot').abi, this.c.root.provider);
      const address = (await root.dataAvailability()) as string;
      this.module = new Contract(address, this.iface, this.c.root.provider);
    }
    return this.module;
  }
}
