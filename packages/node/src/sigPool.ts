import { Worker } from 'node:worker_threads';
import { SIGNATURE_BYTES, secp256k1Scheme, writeHex, type Address, type Hex } from '@plasma-tree/core';
import type { Logger } from './logger.js';

/** One signature to check: the 32-byte digest that was signed and the 65-byte signature. */
export interface RecoveryItem {
  digest: Uint8Array;
  signature: Hex;
}

/** Per item: the recovered signer, or why no signer recovers (core's BAD_SIGNATURE message). */
export type RecoveryResult = { signer: Address } | { error: string };

const DIGEST_BYTES = 32;
const RECOVERY_ITEM_BYTES = DIGEST_BYTES + SIGNATURE_BYTES;
/** Below this many items a batch is not split between workers: messaging would cost more than it saves. */
const MIN_ITEMS_PER_WORKER = 64;

/** Main thread → worker: `count` items packed as digest ‖ signature (the buffer is transferred, not copied). */
export interface RecoveryRequest {
  id: number;
  packed: ArrayBuffer;
  count: number;
}

/** Worker → main thread: signers in item order; null where recovery failed, with the reason in `errors`. */
export interface RecoveryResponse {
  id: number;
  signers: (Address | null)[];
  errors: Record<number, string>;
}

/** Recovers every item of a packed batch; runs in the workers, and inline when the pool has none. */
export function recoverPacked(packed: Uint8Array, count: number): Omit<RecoveryResponse, 'id'> {
  const signers: (Address | null)[] = new Array(count);
  const errors: Record<number, string> = {};
  for (let i = 0; i < count; i++) {
    const offset = i * RECOVERY_ITEM_BYTES;
    try {
      signers[i] = secp256k1Scheme.recover(
        packed.subarray(offset, offset + DIGEST_BYTES),
        packed.subarray(offset + DIGEST_BYTES, offset + RECOVERY_ITEM_BYTES),
      );
    } catch (e) {
      signers[i] = null;
      errors[i] = (e as Error).message;
    }
  }
  return { signers, errors };
}

function pack(items: readonly RecoveryItem[], from: number, to: number): Uint8Array {
  const packed = new Uint8Array((to - from) * RECOVERY_ITEM_BYTES);
  for (let i = from; i < to; i++) {
    const offset = (i - from) * RECOVERY_ITEM_BYTES;
    packed.set(items[i].digest, offset);
    try {
      writeHex(packed, offset + DIGEST_BYTES, items[i].signature, SIGNATURE_BYTES);
    } catch {
      // Left zeroed (v = 0), which core refuses with BAD_SIGNATURE. JSON-RPC input cannot get here: its decoder
      // already checked the 65 bytes.
    }
  }
  return packed;
}

interface PendingTask {
  resolve(response: RecoveryResponse): void;
  reject(error: Error): void;
}

class SignatureWorker {
  private readonly pending = new Map<number, PendingTask>();
  readonly ready: Promise<void>;
  private failure: Error | undefined;

  constructor(private readonly worker: Worker, logger: Logger) {
    this.ready = new Promise((resolve, reject) => {
      worker.once('message', () => resolve());
      worker.once('error', reject);
    });
    worker.on('message', (message: RecoveryResponse | 'ready') => {
      if (message === 'ready') return;
      const task = this.pending.get(message.id);
      this.pending.delete(message.id);
      task?.resolve(message);
    });
    worker.on('error', (e) => {
      logger.error('signature worker failed', { error: e });
      this.fail(e);
    });
    worker.on('exit', (code) => this.fail(new Error(`signature worker exited with code ${code}`)));
  }

  get load(): number {
    return this.pending.size;
  }

  get failed(): boolean {
    return this.failure !== undefined;
  }

  run(id: number, packed: Uint8Array, count: number): Promise<RecoveryResponse> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      const request: RecoveryRequest = { id, packed: packed.buffer as ArrayBuffer, count };
      this.worker.postMessage(request, [request.packed]);
    });
  }

  async terminate(): Promise<void> {
    this.fail(new Error('signature pool closed'));
    await this.worker.terminate();
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const task of this.pending.values()) task.reject(error);
    this.pending.clear();
  }
}

/**
 * Recovers transaction signers in `worker_threads`, so that signature checks (the dominant cost of admitting
 * a transaction) run beside the main thread's block building instead of in turn with it. A batch is split
 * evenly across the workers; with zero workers it is recovered inline.
 */
export class SignaturePool {
  private nextId = 1;

  private constructor(private readonly workers: SignatureWorker[]) {}

  /** Starts `size` workers and waits until each has loaded core. */
  static async start(size: number, logger: Logger): Promise<SignaturePool> {
    const workers = Array.from({ length: size }, () => new SignatureWorker(spawnSignatureWorker(), logger));
    const pool = new SignaturePool(workers);
    try {
      await Promise.all(workers.map((w) => w.ready));
    } catch (e) {
      await pool.close();
      throw e;
    }
    return pool;
  }

  get size(): number {
    return this.workers.length;
  }

  async recover(items: readonly RecoveryItem[]): Promise<RecoveryResult[]> {
    const live = this.workers.filter((w) => !w.failed);
    if (live.length === 0 || items.length === 0) {
      return toResults(recoverPacked(pack(items, 0, items.length), items.length));
    }
    const parts = Math.max(1, Math.min(live.length, Math.floor(items.length / MIN_ITEMS_PER_WORKER)));
    // Least-loaded workers first, so concurrent batches spread out.
    const chosen = [...live].sort((a, b) => a.load - b.load).slice(0, parts);
    const chunk = Math.ceil(items.length / parts);
    const responses = await Promise.all(
      chosen.map((worker, p) => {
        const from = p * chunk;
        const to = Math.min(items.length, from + chunk);
        const packed = pack(items, from, to);
        // A worker that died mid-batch costs speed, not answers: recover its part here.
        return worker.run(this.nextId++, packed.slice(), to - from).catch(() => ({ id: 0, ...recoverPacked(packed, to - from) }));
      }),
    );
    return responses.flatMap(toResults);
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

function toResults({ signers, errors }: Omit<RecoveryResponse, 'id'>): RecoveryResult[] {
  return signers.map((signer, i) => (signer === null ? { error: errors[i] } : { signer }));
}

/** `--conditions=source` resolves the workspace packages to their TypeScript sources, as in the main thread. */
function spawnSignatureWorker(): Worker {
  return new Worker(new URL('./sigWorker.boot.mjs', import.meta.url), { execArgv: ['--conditions=source'] });
}
