/**
 * The Fr NTT on WebGPU: standalone forward/inverse transforms (batched) and snarkjs's Groth16 H step fused into
 * one submission (three polynomials per dispatch: ifft → coset scaling → fft → a·b − c). Bit-identical to the
 * bigint reference (`cpu.ts`) and to ffjavascript's `Fr.fft`/`Fr.ifft`.
 *
 * Flow of `groth16H` (see `plan.ts` and `kernels.ts`):
 *   host   upload A | B | C, chunk by chunk (one chunk of each polynomial per buffer)
 *   GPU    inverse NTT by DIF (first pass reduces the inputs mod r; the last pass multiplies position j by
 *          inc^rev(j)·R/n: the 1/n, the coset shift and the move into Montgomery form in one product)
 *   GPU    forward NTT by DIT (bit-reversed in, natural out)
 *   GPU    h = a·b − c, out of Montgomery form; read back
 * Twiddle and coset tables are built on the GPU (one product per entry from two small CPU-made tables) and kept
 * for the next call of the same size.
 */
import { ProverError } from '../errors.js';
import { FIELD_BYTES } from '../field/constants.js';
import { Fr } from '../field/fields.js';
import {
  type ProverGpu,
  createStorageBuffer,
  encodeDispatch,
  getPipeline,
  readBuffer,
  uploadStorageBuffer,
  withErrorScopes,
} from '../gpu/device.js';
import { type MulVariant, defaultMulVariant } from '../gpu/wgsl/field.js';
import { GPU_MONT_BITS, WORDS_PER_FP, assertLittleEndian, writeWords } from '../gpu/wgsl/repr.js';
import { wordsOf } from '../msm/scalars.js';
import { frElementCount, groth16CosetShift, nttLogSize, rootOfUnity } from './cpu.js';
import {
  FLAG_DIF,
  FLAG_REDUCE,
  POST_CONST,
  POST_NONE,
  POST_TABLE,
  POWERS_BITREV,
  POWERS_TWIDDLE,
  blockKernel,
  crossKernel,
  joinKernel,
  permuteKernel,
  powersKernel,
} from './kernels.js';
import { type NttPass, blockWorkgroups, chunkLog, planPasses } from './plan.js';

export interface GpuNttOptions {
  /** `fr_mul` code variant (default: per backend). */
  mul?: MulVariant;
  /** Bytes of twiddle/coset tables kept between calls (default 512 MiB; least recently used go first). */
  tableCacheBytes?: number;
}

export interface NttStats {
  elements: number;
  polynomials: number;
  /** Elements per chunk (= elements when a polynomial fits one binding). */
  chunkElements: number;
  dispatches: number;
  tablesBuilt: number;
  /** host: checks, staging and recording up to the submit; gpu: from the submit to the read-back data. */
  ms: { host: number; gpu: number; total: number };
}

interface Pipelines {
  permute: GPUComputePipeline;
  block: GPUComputePipeline;
  cross: GPUComputePipeline;
  powers: GPUComputePipeline;
  join: GPUComputePipeline;
}

type TableKind = 'fwd' | 'inv' | 'coset';

interface Table {
  key: string;
  chunks: GPUBuffer[];
  bytes: number;
}

/** One call's recording state: the encoder, the buffers to free afterwards, counters. */
interface Rec {
  enc: GPUCommandEncoder;
  temp: GPUBuffer[];
  stats: NttStats;
  /** Tables this call built: cached only once the call has succeeded (until then they may be garbage). */
  built: Map<string, Table>;
}

const W = WORDS_PER_FP;

function toGpuMontFr(x: bigint): bigint {
  return Fr.toMont(x, GPU_MONT_BITS);
}

const REV8 = Uint8Array.from({ length: 256 }, (_, i) => {
  let r = 0;
  for (let b = 0; b < 8; b++) r |= ((i >> b) & 1) << (7 - b);
  return r;
});

function rev(j: number, bits: number): number {
  if (bits === 0) return 0;
  const r = (REV8[j & 255] << 24) | (REV8[(j >>> 8) & 255] << 16) | (REV8[(j >>> 16) & 255] << 8) | REV8[j >>> 24];
  return (r >>> (32 - bits)) >>> 0;
}

/** Element j of the result = element rev(j) of `src` (8 words each). */
function bitReversed(src: Uint32Array, logN: number): Uint32Array {
  const n = 2 ** logN;
  const out = new Uint32Array(n * W);
  for (let j = 0; j < n; j++) {
    const s = rev(j, logN) * W;
    const d = j * W;
    for (let k = 0; k < W; k++) out[d + k] = src[s + k];
  }
  return out;
}

export class GpuNtt {
  /** Statistics of the last call. */
  lastStats: NttStats | undefined;
  private readonly tables = new Map<string, Table>();
  private readonly dummy: GPUBuffer;
  private closed = false;
  private queue: Promise<unknown> = Promise.resolve();
  /** Cached tables the running call has used. */
  private readonly lastUsed = new Set<string>();

  private constructor(
    readonly gpu: ProverGpu,
    private readonly pipelines: Pipelines,
    private readonly opts: GpuNttOptions,
  ) {
    this.dummy = createStorageBuffer(gpu, 32, 'ntt.dummy');
  }

  /** Compiles the kernels for `gpu` (on llvmpipe the machine code is built at the first dispatch). */
  static async create(gpu: ProverGpu, opts: GpuNttOptions = {}): Promise<GpuNtt> {
    assertLittleEndian();
    const mul = opts.mul ?? defaultMulVariant(gpu.info.backend);
    const [permute, block, cross, powers, join] = await Promise.all([
      getPipeline(gpu, permuteKernel(), 'main', 'ntt.bitrev'),
      getPipeline(gpu, blockKernel(mul), 'main', 'ntt.block'),
      getPipeline(gpu, crossKernel(mul), 'main', 'ntt.cross'),
      getPipeline(gpu, powersKernel(mul), 'main', 'ntt.powers'),
      getPipeline(gpu, joinKernel(mul), 'main', 'ntt.join'),
    ]);
    return new GpuNtt(gpu, { permute, block, cross, powers, join }, opts);
  }

  /** NTT (or inverse) of standard-form 32-byte little-endian elements; values ≥ r are reduced. */
  async ntt(values: Uint8Array, opts: { inverse?: boolean } = {}): Promise<Uint8Array> {
    return (await this.nttBatch([values], opts))[0];
  }

  /** The same transform of several polynomials of one size, batched into the same dispatches. */
  async nttBatch(polys: readonly Uint8Array[], opts: { inverse?: boolean } = {}): Promise<Uint8Array[]> {
    const inverse = opts.inverse ?? false;
    if (!Array.isArray(polys) || polys.length === 0) throw new ProverError('INVALID_INPUT', 'nttBatch needs at least one polynomial', { hint: 'pass an array of Uint8Array' });
    const n = frElementCount(polys[0], 'polynomial 0');
    polys.forEach((p, i) => {
      if (frElementCount(p, `polynomial ${i}`) !== n) {
        throw new ProverError('INVALID_INPUT', `polynomial ${i} has ${p.byteLength / FIELD_BYTES} elements, polynomial 0 has ${n}`, {
          data: { index: i },
          hint: 'a batch transforms polynomials of one size',
        });
      }
    });
    const logN = nttLogSize(n, 'polynomial 0');
    const batch = polys.length;
    return this.run('GPU NTT', n, batch, async (rec, logM) => {
      // DIT (forward) wants bit-reversed input; DIF (inverse) returns bit-reversed output. When a polynomial
      // fits one binding a GPU pass permutes (into a second buffer); split over several, the host does it while
      // staging the upload or assembling the result.
      const onGpu = logM === logN;
      const staged = inverse || onGpu ? polys : polys.map((p) => bitReversed(wordsOf(p), logN));
      let chunks = this.upload(rec, staged, logN, logM);
      if (onGpu && !inverse) chunks = [this.permute(rec, chunks[0], logN, batch)];
      let post: PostOp = { mode: POST_NONE };
      if (inverse) {
        const f = new Uint32Array(W);
        writeWords(toGpuMontFr(Fr.inv(BigInt(n))), f, 0);
        const buf = uploadStorageBuffer(this.gpu, f, 'ntt.inv-n');
        rec.temp.push(buf);
        post = { mode: POST_CONST, fac: () => buf };
      }
      this.encodeTransform(rec, chunks, logN, logM, batch, inverse, true, post);
      if (onGpu && inverse) chunks = [this.permute(rec, chunks[0], logN, batch)];
      return async () => {
        const m = 2 ** logM;
        const parts = await Promise.all(chunks.flatMap((buf) => polys.map((_, p) => readBuffer(this.gpu, buf, m * FIELD_BYTES, p * m * FIELD_BYTES))));
        return polys.map((_, p) => {
          const out = new Uint8Array(n * FIELD_BYTES);
          if (!inverse || onGpu) {
            for (let c = 0; c < chunks.length; c++) out.set(parts[c * batch + p], c * m * FIELD_BYTES);
            return out;
          }
          const words = new Uint32Array(out.buffer);
          for (let c = 0; c < chunks.length; c++) {
            const part = parts[c * batch + p];
            const src = new Uint32Array(part.buffer, part.byteOffset, m * W);
            for (let i = 0; i < m; i++) {
              const d = rev(c * m + i, logN) * W;
              for (let k = 0; k < W; k++) words[d + k] = src[i * W + k];
            }
          }
          return out;
        });
      };
    });
  }

  /**
   * snarkjs's H scalars: for evaluations A, B, C over the 2^k domain (standard form; values ≥ r reduced),
   * h_i = A'_i·B'_i − C'_i where X' = fft(ifft(X) ⊙ inc^i), inc = `groth16CosetShift(k)`. Standard form out.
   */
  async groth16H(a: Uint8Array, b: Uint8Array, c: Uint8Array): Promise<Uint8Array> {
    const n = frElementCount(a, 'A');
    const nb = frElementCount(b, 'B');
    const nc = frElementCount(c, 'C');
    if (nb !== n || nc !== n) {
      throw new ProverError('INVALID_INPUT', `A, B, C have ${n}, ${nb}, ${nc} elements; they must be equal`, {
        data: { a: n, b: nb, c: nc },
        hint: 'A, B, C are the evaluations of the three QAP polynomials over the same domain',
      });
    }
    const logN = nttLogSize(n, 'A');
    return this.run('GPU Groth16 H', n, 3, async (rec, logM) => {
      const chunks = this.upload(rec, [a, b, c], logN, logM);
      const coset = this.table(rec, 'coset', logN, logM);
      this.encodeTransform(rec, chunks, logN, logM, 3, true, true, { mode: POST_TABLE, fac: (ci) => coset.chunks[ci] });
      this.encodeTransform(rec, chunks, logN, logM, 3, false, false, { mode: POST_NONE });
      const m = 2 ** logM;
      for (const buf of chunks) this.dispatch(rec, this.pipelines.join, [buf], m, [], 'ntt.join');
      return async () => {
        const parts = await Promise.all(chunks.map((buf) => readBuffer(this.gpu, buf, m * FIELD_BYTES)));
        const out = new Uint8Array(n * FIELD_BYTES);
        parts.forEach((p, ci) => out.set(p, ci * m * FIELD_BYTES));
        return out;
      };
    });
  }

  /** Waits for calls in flight, then frees the cached tables (the device belongs to the caller). */
  async close(): Promise<void> {
    await this.queue;
    this.destroy();
  }

  /** Frees the cached tables now (calls in flight fail). */
  destroy(): void {
    this.closed = true;
    for (const t of this.tables.values()) for (const b of t.chunks) b.destroy();
    this.tables.clear();
    this.dummy.destroy();
  }

  /** Bytes held by cached tables. */
  get cachedTableBytes(): number {
    let s = 0;
    for (const t of this.tables.values()) s += t.bytes;
    return s;
  }

  // ------------------------------------------------------------------ internals

  /**
   * Records a call with `record` (which returns the read-back step), submits it and reads back, inside the
   * device's error scopes. Temporary buffers are freed whatever happens.
   */
  private run<T>(what: string, n: number, batch: number, record: (rec: Rec, logM: number) => Promise<() => Promise<T>>): Promise<T> {
    // Calls on one engine run one after another, so that the table cache changes only between calls.
    const run = this.queue.then(() => this.runNow(what, n, batch, record));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async runNow<T>(what: string, n: number, batch: number, record: (rec: Rec, logM: number) => Promise<() => Promise<T>>): Promise<T> {
    if (this.closed) throw new ProverError('GPU_DEVICE_ERROR', `${what}: this NTT engine was closed`, { hint: 'create a new one' });
    this.lastUsed.clear();
    const t0 = performance.now();
    const logM = chunkLog(Math.log2(n), batch, this.gpu.maxBindingBytes);
    const stats: NttStats = { elements: n, polynomials: batch, chunkElements: 2 ** logM, dispatches: 0, tablesBuilt: 0, ms: { host: 0, gpu: 0, total: 0 } };
    const built = new Map<string, Table>();
    let out: T;
    try {
      out = await withErrorScopes(this.gpu, what, async () => {
        const rec: Rec = { enc: this.gpu.device.createCommandEncoder({ label: what }), temp: [], stats, built };
        try {
          const read = await record(rec, logM);
          const cmd = rec.enc.finish();
          stats.ms.host = performance.now() - t0;
          this.gpu.device.queue.submit([cmd]);
          return await read();
        } finally {
          for (const b of rec.temp) b.destroy();
        }
      });
    } catch (e) {
      for (const t of built.values()) for (const b of t.chunks) b.destroy();
      throw e;
    }
    // The error scopes came back clean: the new tables hold what they should.
    for (const t of built.values()) this.tables.set(t.key, t);
    this.evict(new Set([...built.keys(), ...this.lastUsed]));
    stats.ms.total = performance.now() - t0;
    stats.ms.gpu = stats.ms.total - stats.ms.host;
    this.lastStats = stats;
    return out;
  }

  private dispatch(rec: Rec, pipeline: GPUComputePipeline, buffers: GPUBuffer[], threads: number, params: number[], label: string): void {
    const u = encodeDispatch(this.gpu, rec.enc, pipeline, buffers, threads, params, label);
    if (u) {
      rec.temp.push(u);
      rec.stats.dispatches++;
    }
  }

  /** A new buffer with every polynomial of `src` (one chunk holding whole polynomials) bit-reversed. */
  private permute(rec: Rec, src: GPUBuffer, logN: number, batch: number): GPUBuffer {
    const n = 2 ** logN;
    const dst = createStorageBuffer(this.gpu, batch * n * FIELD_BYTES, 'ntt.permuted');
    rec.temp.push(dst);
    this.dispatch(rec, this.pipelines.permute, [src, dst], batch * n, [logN], 'ntt.bitrev');
    return dst;
  }

  /** Chunk buffers holding, for each chunk, m elements of every polynomial (polynomial p at p·m). */
  private upload(rec: Rec, polys: ReadonlyArray<Uint8Array | Uint32Array>, logN: number, logM: number): GPUBuffer[] {
    const m = 2 ** logM;
    const chunkCount = 2 ** (logN - logM);
    const bytes = m * FIELD_BYTES;
    const chunks: GPUBuffer[] = [];
    for (let c = 0; c < chunkCount; c++) {
      const buf = createStorageBuffer(this.gpu, polys.length * bytes, `ntt.data[${c}]`);
      rec.temp.push(buf);
      polys.forEach((p, i) => {
        const src = new Uint8Array(p.buffer as ArrayBuffer, p.byteOffset + c * bytes, bytes);
        this.gpu.device.queue.writeBuffer(buf, i * bytes, src);
      });
      chunks.push(buf);
    }
    return chunks;
  }

  /**
   * Records one transform of every polynomial in `chunks`: inverse → DIF with ω⁻¹ (natural → bit-reversed),
   * forward → DIT with ω (bit-reversed → natural). `reduce`: the first pass reduces its loads mod r. `post`: the
   * last pass multiplies every element by a factor (a block pass of 0 stages is added if the last is a cross).
   */
  private encodeTransform(rec: Rec, chunks: GPUBuffer[], logN: number, logM: number, batch: number, inverse: boolean, reduce: boolean, post: PostOp): void {
    const tw = this.table(rec, inverse ? 'inv' : 'fwd', logN, logM);
    const passes: NttPass[] = planPasses(logN, logM, inverse ? 'dif' : 'dit');
    if (post.mode !== POST_NONE && passes[passes.length - 1].kind === 'cross') passes.push({ kind: 'block', s0: 0, t: 0 });
    const m = 2 ** logM;
    const dif = inverse ? FLAG_DIF : 0;
    passes.forEach((pass, i) => {
      const red = reduce && i === 0 ? FLAG_REDUCE : 0;
      if (pass.kind === 'block') {
        const mode = i === passes.length - 1 ? post.mode : POST_NONE;
        if (pass.t === 0 && !red && mode === POST_NONE) return; // nothing to do (the H step's forward NTT at n = 1)
        const wpp = blockWorkgroups(logM, pass.t);
        const total = wpp * batch;
        chunks.forEach((buf, c) => {
          const fac = mode === POST_NONE || !post.fac ? this.dummy : post.fac(c);
          this.dispatch(rec, this.pipelines.block, [buf, tw.chunks[0], fac], total * 64, [pass.s0, pass.t, dif | red | (mode << 2), m, wpp, total], `ntt.block s${pass.s0}+${pass.t}`);
        });
        return;
      }
      const hm = 2 ** pass.stage / m; // chunks between partners
      for (let blk = 0; blk < chunks.length; blk += 2 * hm) {
        for (let j = 0; j < hm; j++) {
          this.dispatch(rec, this.pipelines.cross, [chunks[blk + j], chunks[blk + j + hm], tw.chunks[hm + j]], batch * m, [dif | red, m], `ntt.cross s${pass.stage}`);
        }
      }
    });
  }

  /**
   * A table in chunks of m entries, from the cache or recorded into `rec` (the dispatches run before the passes
   * that read it: same encoder). `fwd`/`inv`: per-stage twiddles of ω/ω⁻¹ (entry h + k = ω_{2h}^k);
   * `coset`: entry j = inc^rev(j)·R/n, Montgomery form (see `gpu.ts` header).
   */
  private table(rec: Rec, kind: TableKind, logN: number, logM: number): Table {
    const key = `${kind}:${logN}:${logM}`;
    const hit = this.tables.get(key) ?? rec.built.get(key);
    if (hit) {
      if (this.tables.delete(key)) this.tables.set(key, hit); // most recently used last
      this.lastUsed.add(key);
      return hit;
    }
    const n = 2 ** logN;
    const m = 2 ** logM;
    // Exponents: e < n/2 for twiddles, e < n for the coset; split into lo (L bits) and hi parts.
    const bits = kind === 'coset' ? logN : Math.max(0, logN - 1);
    const L = Math.ceil(bits / 2);
    const H = bits - L;
    let base: bigint;
    let first = 1n;
    if (kind === 'coset') {
      base = groth16CosetShift(logN);
      first = Fr.mul(Fr.mod(1n << BigInt(GPU_MONT_BITS)), Fr.inv(BigInt(n)));
    } else {
      base = kind === 'fwd' ? rootOfUnity(logN) : Fr.inv(rootOfUnity(logN));
    }
    if (2 ** L * FIELD_BYTES > this.gpu.maxBindingBytes) {
      throw new ProverError('GPU_LIMIT_EXCEEDED', `the ${kind} table of 2^${logN} entries needs a ${2 ** L * FIELD_BYTES}-byte binding for its factors, over the ${this.gpu.maxBindingBytes}-byte limit`, {
        data: { logN, maxBindingBytes: this.gpu.maxBindingBytes },
        hint: 'the binding limit is far below any real device (a 2^28 NTT needs 512 KiB); raise it or use the ffjavascript backend',
      });
    }
    const powers = (count: number, start: bigint, step: bigint, label: string): GPUBuffer => {
      const words = new Uint32Array(count * W);
      let x = start;
      for (let i = 0; i < count; i++) {
        writeWords(toGpuMontFr(x), words, i * W);
        x = Fr.mul(x, step);
      }
      const buf = uploadStorageBuffer(this.gpu, words, label);
      rec.temp.push(buf);
      return buf;
    };
    const lo = powers(2 ** L, first, base, `ntt.${kind}.lo`);
    const hi = powers(2 ** H, 1n, Fr.pow(base, 1n << BigInt(L)), `ntt.${kind}.hi`);
    const chunks: GPUBuffer[] = [];
    const table: Table = { key, chunks, bytes: n * FIELD_BYTES };
    try {
      for (let c = 0; c < n / m; c++) {
        const buf = createStorageBuffer(this.gpu, m * FIELD_BYTES, `ntt.${kind}[${c}]`);
        chunks.push(buf);
        this.dispatch(rec, this.pipelines.powers, [buf, lo, hi], m, [c * m, kind === 'coset' ? POWERS_BITREV : POWERS_TWIDDLE, logN, L], `ntt.${kind}`);
      }
    } catch (e) {
      for (const b of chunks) b.destroy();
      throw e;
    }
    rec.stats.tablesBuilt++;
    rec.built.set(key, table);
    return table;
  }

  /** Drops least recently used tables beyond the budget, except those of the call that just ended. */
  private evict(keep: Set<string>): void {
    this.lastUsed.clear();
    const budget = this.opts.tableCacheBytes ?? 512 * 2 ** 20;
    let total = this.cachedTableBytes;
    for (const [key, t] of this.tables) {
      if (total <= budget) break;
      if (keep.has(key)) continue;
      // Work that used it has completed: calls are serialised and awaited.
      for (const b of t.chunks) b.destroy();
      this.tables.delete(key);
      total -= t.bytes;
    }
  }
}

interface PostOp {
  mode: number;
  /** The factor buffer for chunk c (one element for POST_CONST, the chunk's table for POST_TABLE). */
  fac?: (chunk: number) => GPUBuffer;
}
