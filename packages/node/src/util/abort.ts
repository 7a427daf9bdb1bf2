/** Waits `ms`, or less when `signal` aborts; never rejects, so loops read `while (!signal.aborted)`. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** Exponential backoff with full jitter (AWS style): a fleet of nodes does not hammer a recovering RPC in step. */
export class Backoff {
  private attempt = 0;
  constructor(private readonly baseMs: number, private readonly maxMs: number) {}

  /** Delay before the next retry; grows with every call until `reset()`. */
  next(): number {
    const ceiling = Math.min(this.maxMs, this.baseMs * 2 ** this.attempt);
    this.attempt++;
    return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
  }

  get failures(): number {
    return this.attempt;
  }

  reset(): void {
    this.attempt = 0;
  }
}
