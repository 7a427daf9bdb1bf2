/**
 * Witnesses computed in worker threads (`witness-worker.mjs`): the service's event loop stays free to answer
 * status requests and cancellations during a long witness, and cancelling one terminates its thread.
 */
import { Worker } from 'node:worker_threads';
import { ProverError } from '../errors.js';

const WORKER_URL = new URL('./witness-worker.mjs', import.meta.url);

interface Pending {
  resolve: (w: Uint8Array) => void;
  reject: (e: unknown) => void;
}

class WitnessWorker {
  readonly worker: Worker;
  private pending: Pending | undefined;
  private nextId = 0;
  dead = false;

  constructor() {
    // No execArgv: the parent's `--import tsx` / `--conditions` are not needed by a plain .mjs.
    this.worker = new Worker(WORKER_URL, { execArgv: [] });
    this.worker.unref();
    this.worker.on('message', (m: { id: number; wtns?: Uint8Array; error?: string }) => {
      const p = this.pending;
      this.pending = undefined;
      if (!p) return;
      if (m.wtns) p.resolve(m.wtns);
      else p.reject(new ProverError('INVALID_WITNESS', `the circuit rejected the input: ${m.error}`, {
        hint: 'check the input signals against the circuit (names, counts, constraints they must satisfy)',
      }));
    });
    const fail = (e: unknown) => {
      this.dead = true;
      const p = this.pending;
      this.pending = undefined;
      p?.reject(new ProverError('INVALID_WITNESS', `the witness generator crashed: ${(e as Error)?.message ?? e}`, {
        hint: 'the circuit\'s wasm may need more memory than a worker has, or be corrupt',
        cause: e,
      }));
    };
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => fail(new Error(`worker exited with code ${code}`)));
  }

  compute(wasm: string, input: Record<string, unknown>): Promise<Uint8Array> {
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
      this.worker.postMessage({ id: this.nextId++, wasm, input });
    });
  }

  async terminate(): Promise<void> {
    this.dead = true;
    await this.worker.terminate();
  }
}

export class WitnessPool {
  private idle: WitnessWorker[] = [];
  private readonly busy = new Set<WitnessWorker>();
  private closed = false;

  /** Keeps at most `maxIdle` threads warm between jobs (the service's concurrency). */
  constructor(private readonly maxIdle = 1) {}

  /** The `.wtns` bytes for `input`; rejects with `ABORTED` (thread terminated) or `INVALID_WITNESS`. */
  async compute(wasm: string, input: Record<string, unknown>, signal?: AbortSignal): Promise<Uint8Array> {
    if (this.closed) throw new ProverError('SERVICE_UNAVAILABLE', 'the witness pool is closed');
    if (signal?.aborted) throw aborted();
    const w = this.idle.pop() ?? new WitnessWorker();
    this.busy.add(w);
    const onAbort = () => void w.terminate();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      return await w.compute(wasm, input);
    } catch (e) {
      if (signal?.aborted) throw aborted();
      throw e;
    } finally {
      signal?.removeEventListener('abort', onAbort);
      this.busy.delete(w);
      if (!w.dead && !this.closed && this.idle.length < this.maxIdle) this.idle.push(w);
      else if (!w.dead) void w.terminate();
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.idle, ...this.busy];
    this.idle = [];
    await Promise.all(all.map((w) => w.terminate()));
  }
}

const aborted = () => new ProverError('ABORTED', 'witness computation cancelled', { hint: 'the job was cancelled' });
