import type { Logger } from './logger.js';

/** Resolves after `ms`, or at once when `signal` aborts (never rejects). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/**
 * Runs `round` every `intervalMs` until `signal` aborts; a failing round is retried with exponential backoff (up to
 * `maxBackoffMs`) and a warning. The loop never throws: an L1 or a node that is down must not stop the watcher.
 */
export async function pollLoop(
  signal: AbortSignal,
  opts: { task: string; intervalMs: number; maxBackoffMs?: number; logger: Logger; onError?: (e: unknown) => void },
  round: () => Promise<void>,
): Promise<void> {
  let failures = 0;
  while (!signal.aborted) {
    try {
      await round();
      if (failures > 0) opts.logger.info(`${opts.task}: working again`, { failedRounds: failures });
      failures = 0;
      await sleep(opts.intervalMs, signal);
    } catch (error) {
      if (signal.aborted) return;
      failures++;
      opts.onError?.(error);
      const retryInMs = Math.min(opts.maxBackoffMs ?? 10_000, Math.max(opts.intervalMs, 100) * 2 ** Math.min(failures - 1, 10));
      opts.logger.warn(`cannot ${opts.task}; retrying`, { error, retryInMs, failedRounds: failures });
      await sleep(retryInMs, signal);
    }
  }
}
