import type { Logger } from '../logger.js';
import { Backoff, sleep } from './abort.js';

export interface PollLoopOptions {
  /** What the loop does, for logs ("read deposits from L1"). */
  task: string;
  intervalMs: number;
  /** Longest wait between retries after failures. Default 30 s. */
  maxBackoffMs?: number;
  logger: Logger;
  /** Called on every failed round (metrics). */
  onError?: (error: unknown) => void;
}

/**
 * Runs `round` every `intervalMs` until `signal` aborts. A failing round is retried with exponential backoff
 * and a warning; the loop itself never throws, so a flaky dependency (an L1 RPC that is down) cannot bring
 * the node down.
 */
export async function pollLoop(signal: AbortSignal, opts: PollLoopOptions, round: () => Promise<void>): Promise<void> {
  const backoff = new Backoff(Math.max(opts.intervalMs, 250), opts.maxBackoffMs ?? 30_000);
  while (!signal.aborted) {
    try {
      await round();
      if (backoff.failures > 0) opts.logger.info(`${opts.task}: working again`, { failedRounds: backoff.failures });
      backoff.reset();
      await sleep(opts.intervalMs, signal);
    } catch (error) {
      if (signal.aborted) return;
      opts.onError?.(error);
      const retryInMs = backoff.next();
      opts.logger.warn(`cannot ${opts.task}; retrying`, { error, retryInMs, failedRounds: backoff.failures });
      await sleep(retryInMs, signal);
    }
  }
}
