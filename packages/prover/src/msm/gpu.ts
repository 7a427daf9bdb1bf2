/**
 * G1 multi-scalar multiplication on WebGPU: Σ s_i·P_i for ffjavascript-format inputs, bit-identical (as an
 * affine point) to snarkjs's `G1.multiExpAffine`.
 *
 * Flow (see `plan.ts` for the bucket layout):
 *   CPU   split the input into chunks that fit a storage binding; per chunk scan/reduce/negate the scalars,
 *         group repeated scalars, cut signed digits, counting-sort into buckets, plan the segmented sums
 *   GPU   per chunk: convert + check the points (LEM → Montgomery-2^260), phase A (group sums), phase B
 *         (bucket sums, accumulated across chunks in one bucket buffer)
 *   GPU   bucket reduction: per window, T threads each return Σ (b+1)·B_b over their range of buckets
 *   CPU   sum the T partials per window, combine the windows (Horner), normalise to affine
 */
import { ProverError } from '../errors.js';
import { G1_AFFINE_BYTES } from '../field/constants.js';
import { type G1Affine, type G1Projective, PROJ_INFINITY, projAdd, projDouble, projToAffine, G1_INFINITY } from '../field/g1.js';
import {
  type ProverGpu,
  createStorageBuffer,
  encodeDispatch,
  getPipeline,
  planChunks,
  readBuffer,
  uploadStorageBuffer,
  withErrorScopes,
} from '../gpu/device.js';
import { type MulVariant, defaultMulVariant } from '../gpu/wgsl/field.js';
import { BYTES_PER_PROJ, WORDS_PER_PROJ, assertLittleEndian, readProjGpu } from '../gpu/wgsl/repr.js';
import { accumulateKernel, bucketReduceKernel, convertKernel, fillInfinityKernel } from './kernels.js';
import { type ChunkPlan, type MsmPlanOptions, MAX_WINDOW_BITS, chooseWindowBits, planChunk } from './plan.js';
import { msmInputSize } from './input.js';
import { type ScalarScan, scanScalars, wordsOf } from './scalars.js';

export interface GpuMsmOptions extends MsmPlanOptions {
  /** `fp_mul` code variant (default: per backend). */
  mul?: MulVariant;
  /** At most this many bases per chunk (default: as many as fit the binding limit). */
  maxChunkPoints?: number;
  /** Threads the bucket reduction aims for (default 2048). */
  reduceThreads?: number;
}

export interface MsmStats {
  points: number;
  chunks: number;
  windowBits: number;
  windows: number;
  live: number;
  zeroScalars: number;
  infinityPoints: number;
  terms: number;
  groups: number;
  groupedPoints: number;
  bucketEntries: number;
  dispatches: number;
  ms: { plan: number; gpu: number; finish: number; total: number };
}

interface Pipelines {
  convert: GPUComputePipeline;
  fill: GPUComputePipeline;
  accAffine: GPUComputePipeline;
  accProj: GPUComputePipeline;
  reduce: GPUComputePipeline;
}

interface PlannedChunk {
  start: number;
  count: number;
  plan: ChunkPlan;
}

const BAD_NONE = 0xffffffff;

export class GpuMsm {
  /** Statistics of the last `msm` call. */
  lastStats: MsmStats | undefined;

  private constructor(
    readonly gpu: ProverGpu,
    private readonly pipelines: Pipelines,
    private readonly opts: GpuMsmOptions,
  ) {}

  /** Compiles the kernels for `gpu` (on llvmpipe the machine code is built at the first dispatch). */
  static async create(gpu: ProverGpu, opts: GpuMsmOptions = {}): Promise<GpuMsm> {
    assertLittleEndian();
    const mul = opts.mul ?? defaultMulVariant(gpu.info.backend);
    const [convert, fill, accAffine, accProj, reduce] = await Promise.all([
      getPipeline(gpu, convertKernel(mul), 'main', 'msm.convert'),
      getPipeline(gpu, fillInfinityKernel(mul), 'main', 'msm.fill'),
      getPipeline(gpu, accumulateKernel(mul, 'affine'), 'main', 'msm.accumulate-affine'),
      getPipeline(gpu, accumulateKernel(mul, 'projective'), 'main', 'msm.accumulate-projective'),
      getPipeline(gpu, bucketReduceKernel(mul), 'main', 'msm.bucket-reduce'),
    ]);
    return new GpuMsm(gpu, { convert, fill, accAffine, accProj, reduce }, opts);
  }

  /**
   * Σ s_i·P_i. `bases`: n affine points, 64 bytes each, LEM (ffjavascript/.zkey form, infinity = zeros);
   * `scalars`: n 32-byte little-endian integers (any value < 2^256; reduced mod r). Bases of every chunk that
   * reaches the GPU are checked on the curve. `windowBits` is lowered if the buckets would not fit a binding.
   */
  async msm(bases: Uint8Array, scalars: Uint8Array): Promise<G1Affine> {
    const t0 = performance.now();
    const n = msmInputSize(bases, scalars);
    const pointWords = wordsOf(bases);
    const scalarWords = wordsOf(scalars);
    const limit = this.gpu.maxBindingBytes;

    // Scan every chunk first: the window size depends on the whole input.
    let pending: Array<{ start: number; count: number; scan: ScalarScan }> = planChunks(n, G1_AFFINE_BYTES, limit, this.opts.maxChunkPoints).map((c) => ({
      ...c,
      scan: scanScalars(pointWords, scalarWords, c.start, c.count),
    }));
    let live = 0;
    let maxBits = 0;
    for (const p of pending) {
      live += p.scan.live;
      maxBits = Math.max(maxBits, p.scan.maxBits);
    }
    let c = this.opts.windowBits ?? chooseWindowBits(live, maxBits);
    if (!Number.isInteger(c) || c < 2 || c > MAX_WINDOW_BITS) throw new ProverError('INVALID_INPUT', `window size ${c} is not in 2..${MAX_WINDOW_BITS}`);
    const windowsFor = (bits: number): number => Math.max(1, Math.ceil((Math.max(maxBits, 1) + 1) / bits));
    while (c > 2 && windowsFor(c) * (1 << (c - 1)) * BYTES_PER_PROJ > limit) c--;
    const windows = windowsFor(c);
    const buckets = windows * (1 << (c - 1));
    if (buckets * BYTES_PER_PROJ > limit) {
      throw new ProverError('GPU_LIMIT_EXCEEDED', `${buckets} buckets do not fit the ${limit}-byte binding limit`, {
        data: { buckets, maxBindingBytes: limit },
        hint: 'the device (or withBindingLimit) allows too small storage bindings for an MSM',
      });
    }

    const stats: MsmStats = {
      points: n,
      chunks: 0,
      windowBits: c,
      windows,
      live,
      zeroScalars: 0,
      infinityPoints: 0,
      terms: 0,
      groups: 0,
      groupedPoints: 0,
      bucketEntries: 0,
      dispatches: 0,
      ms: { plan: 0, gpu: 0, finish: 0, total: 0 },
    };
    for (const p of pending) {
      stats.zeroScalars += p.scan.zeroScalars;
      stats.infinityPoints += p.scan.infinityPoints;
    }
    if (live === 0) {
      stats.ms.total = performance.now() - t0;
      this.lastStats = stats;
      return G1_INFINITY;
    }

    // Plan each chunk; split any chunk whose buffers would exceed the binding limit.
    const planned: PlannedChunk[] = [];
    while (pending.length > 0) {
      const next: typeof pending = [];
      for (const p of pending) {
        const plan = planChunk(p.scan, { windowBits: c, windows, segmentSize: this.opts.segmentSize, groupRepeated: this.opts.groupRepeated });
        if (fitsBinding(plan, p.count, limit)) {
          planned.push({ start: p.start, count: p.count, plan });
        } else if (p.count > 1) {
          const half = Math.ceil(p.count / 2);
          for (const [start, count] of [[p.start, half], [p.start + half, p.count - half]]) {
            next.push({ start, count, scan: scanScalars(pointWords, scalarWords, start, count) });
          }
        } else {
          throw new ProverError('GPU_LIMIT_EXCEEDED', `one base does not fit the ${limit}-byte binding limit with ${c}-bit windows`);
        }
      }
      pending = next;
    }
    planned.sort((a, b) => a.start - b.start);
    stats.chunks = planned.length;
    for (const p of planned) {
      stats.terms += p.plan.stats.terms;
      stats.groups += p.plan.stats.groups;
      stats.groupedPoints += p.plan.stats.groupedPoints;
      stats.bucketEntries += p.plan.stats.bucketEntries;
    }
    const t1 = performance.now();
    stats.ms.plan = t1 - t0;

    const partials = await withErrorScopes(this.gpu, 'GPU MSM', () => this.runGpu(bases, planned, windows, buckets, stats));
    const t2 = performance.now();
    stats.ms.gpu = t2 - t1;

    // Sum each window's partials, then Horner over the windows.
    const perWindow = partials.length / windows;
    let acc: G1Projective = PROJ_INFINITY;
    for (let w = windows - 1; w >= 0; w--) {
      if (w < windows - 1) for (let i = 0; i < c; i++) acc = projDouble(acc);
      for (let j = 0; j < perWindow; j++) acc = projAdd(acc, partials[w * perWindow + j]);
    }
    const result = projToAffine(acc);
    const t3 = performance.now();
    stats.ms.finish = t3 - t2;
    stats.ms.total = t3 - t0;
    this.lastStats = stats;
    return result;
  }

  private async runGpu(bases: Uint8Array, chunks: PlannedChunk[], windows: number, bucketCount: number, stats: MsmStats): Promise<G1Projective[]> {
    const gpu = this.gpu;
    const { device } = gpu;
    const p = this.pipelines;
    const keep: GPUBuffer[] = [];
    const track = (b: GPUBuffer | undefined): GPUBuffer | undefined => {
      if (b) keep.push(b);
      return b;
    };
    try {
      const bucketBuf = createStorageBuffer(gpu, bucketCount * BYTES_PER_PROJ, 'msm.buckets');
      keep.push(bucketBuf);
      const status = uploadStorageBuffer(gpu, new Uint32Array([BAD_NONE]), 'msm.status');
      keep.push(status);
      {
        const enc = device.createCommandEncoder();
        track(encodeDispatch(gpu, enc, p.fill, [bucketBuf], bucketCount, [], 'msm.fill-buckets'));
        device.queue.submit([enc.finish()]);
      }

      for (const chunk of chunks) {
        const local: GPUBuffer[] = [];
        const mk = (b: GPUBuffer): GPUBuffer => {
          local.push(b);
          return b;
        };
        const plan = chunk.plan;
        try {
          const enc = device.createCommandEncoder();
          const pts = mk(uploadStorageBuffer(gpu, bases.subarray(chunk.start * G1_AFFINE_BYTES, (chunk.start + chunk.count) * G1_AFFINE_BYTES), 'msm.points'));
          const dispatch = (pipeline: GPUComputePipeline, buffers: GPUBuffer[], threads: number, params: number[], label: string): void => {
            const u = encodeDispatch(gpu, enc, pipeline, buffers, threads, params, label);
            if (u) {
              local.push(u);
              stats.dispatches++;
            }
          };
          dispatch(p.convert, [pts, status], chunk.count, [chunk.start], 'msm.convert');

          const tmpSlots = Math.max(plan.buckets.reduction.tmpSlots[0], plan.buckets.reduction.tmpSlots[1], plan.groups?.reduction.tmpSlots[0] ?? 0, plan.groups?.reduction.tmpSlots[1] ?? 0);
          const tmp = [mk(createStorageBuffer(gpu, tmpSlots * BYTES_PER_PROJ, 'msm.tmp0')), mk(createStorageBuffer(gpu, tmpSlots * BYTES_PER_PROJ, 'msm.tmp1'))];
          const noEntries = mk(createStorageBuffer(gpu, 16, 'msm.no-entries'));

          // Phase A: sums of points sharing a scalar.
          let groupSums = mk(createStorageBuffer(gpu, 16, 'msm.no-groups'));
          if (plan.groups) {
            const g = plan.groups;
            groupSums = mk(createStorageBuffer(gpu, g.count * BYTES_PER_PROJ, 'msm.group-sums'));
            dispatch(p.fill, [groupSums], g.count, [], 'msm.fill-groups');
            const entries = mk(uploadStorageBuffer(gpu, g.source.entries, 'msm.group-entries'));
            for (const d of g.reduction.dispatches) {
              const segs = mk(uploadStorageBuffer(gpu, d.segments, 'msm.segments'));
              const threads = d.segments.length / 3;
              if (d.level === 0) dispatch(p.accAffine, [pts, entries, segs, tmp[0], groupSums], threads, [], 'msm.groups-l0');
              else dispatch(p.accProj, [tmp[(d.level - 1) % 2], noEntries, segs, tmp[d.level % 2], groupSums], threads, [0], `msm.groups-l${d.level}`);
            }
          }

          // Phase B: buckets.
          const [singles, groupTerms] = plan.buckets.sources;
          const singleEntries = mk(uploadStorageBuffer(gpu, singles.entries, 'msm.single-entries'));
          const groupEntries = mk(uploadStorageBuffer(gpu, groupTerms.entries, 'msm.group-term-entries'));
          for (const d of plan.buckets.reduction.dispatches) {
            const segs = mk(uploadStorageBuffer(gpu, d.segments, 'msm.segments'));
            const threads = d.segments.length / 3;
            if (d.mode === 'affine') dispatch(p.accAffine, [pts, singleEntries, segs, tmp[0], bucketBuf], threads, [], 'msm.buckets-l0');
            else if (d.mode === 'proj-indirect') dispatch(p.accProj, [groupSums, groupEntries, segs, tmp[0], bucketBuf], threads, [1], 'msm.buckets-l0-groups');
            else dispatch(p.accProj, [tmp[(d.level - 1) % 2], noEntries, segs, tmp[d.level % 2], bucketBuf], threads, [0], `msm.buckets-l${d.level}`);
          }
          device.queue.submit([enc.finish()]);
          await device.queue.onSubmittedWorkDone();
        } finally {
          for (const b of local) b.destroy();
        }
      }

      // Bucket reduction.
      const perWindow = bucketCount / windows;
      const target = this.opts.reduceThreads ?? 2048;
      // A thread also pays ~2·log2(lo) additions for lo·S, so give it at least ~2c buckets.
      const perThread = Math.min(perWindow, Math.max(2 * Math.log2(perWindow) + 2, Math.ceil(bucketCount / target)));
      const threadsPerWindow = Math.ceil(perWindow / perThread);
      const outCount = windows * threadsPerWindow;
      const out = createStorageBuffer(gpu, outCount * BYTES_PER_PROJ, 'msm.window-partials');
      keep.push(out);
      const enc = device.createCommandEncoder();
      track(encodeDispatch(gpu, enc, p.reduce, [bucketBuf, out], outCount, [perWindow, threadsPerWindow, perThread], 'msm.bucket-reduce'));
      device.queue.submit([enc.finish()]);
      stats.dispatches += 2;
      const [outBytes, statusBytes] = await Promise.all([readBuffer(gpu, out, outCount * BYTES_PER_PROJ), readBuffer(gpu, status, 4)]);
      const bad = new Uint32Array(statusBytes.buffer, statusBytes.byteOffset, 1)[0];
      if (bad !== BAD_NONE) {
        throw new ProverError('INVALID_POINT', `base ${bad} is not on BN254 G1`, {
          data: { index: bad },
          hint: 'bases must be affine points in ffjavascript LEM form (x, y Montgomery with R = 2^256), infinity as 64 zero bytes',
        });
      }
      const words = new Uint32Array(outBytes.buffer, outBytes.byteOffset, outCount * WORDS_PER_PROJ);
      const partials: G1Projective[] = [];
      for (let i = 0; i < outCount; i++) partials.push(readProjGpu(words, i * WORDS_PER_PROJ));
      return partials;
    } finally {
      for (const b of keep) b.destroy();
    }
  }
}

function fitsBinding(plan: ChunkPlan, points: number, limit: number): boolean {
  const sizes: number[] = [points * G1_AFFINE_BYTES];
  const addReduction = (r: ChunkPlan['buckets']['reduction']): void => {
    sizes.push(r.tmpSlots[0] * BYTES_PER_PROJ, r.tmpSlots[1] * BYTES_PER_PROJ);
    for (const d of r.dispatches) sizes.push(d.segments.byteLength);
  };
  for (const s of plan.buckets.sources) sizes.push(s.entries.byteLength);
  addReduction(plan.buckets.reduction);
  if (plan.groups) {
    sizes.push(plan.groups.count * BYTES_PER_PROJ, plan.groups.source.entries.byteLength);
    addReduction(plan.groups.reduction);
  }
  return sizes.every((s) => s <= limit);
}
