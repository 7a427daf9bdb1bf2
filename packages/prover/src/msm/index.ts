/**
 * G1 MSM behind one interface, on the best backend available:
 * - `webgpu`: the bucket MSM of `gpu.ts` (a GPU, or llvmpipe);
 * - `ffjavascript`: snarkjs's own wasm `G1.multiExpAffine` (worker threads) — the CPU path for machines with
 *   no adapter, and the same numbers snarkjs would produce;
 * - `reference`: the bigint Pippenger of `cpu.ts` (slow; for checks).
 * `auto` takes `webgpu` and falls back to `ffjavascript` only when no adapter exists (`NO_GPU_ADAPTER`); any
 * other GPU failure is an error, not a silent downgrade.
 */
import { isProverError } from '../errors.js';
import { readG1AffineLEM } from '../field/encoding.js';
import { G1_INFINITY, type G1Affine } from '../field/g1.js';
import { type AcquireGpuOptions, type ProverGpu, acquireGpu } from '../gpu/device.js';
import { msmReferenceLEM } from './cpu.js';
import { msmInputSize } from './input.js';
import { GpuMsm, type GpuMsmOptions } from './gpu.js';

export type MsmBackend = 'webgpu' | 'ffjavascript' | 'reference';

export interface G1Msm {
  readonly backend: MsmBackend;
  /** Human-readable: the adapter, or why `auto` fell back. */
  readonly description: string;
  /** Σ s_i·P_i over ffjavascript-format buffers (64-byte LEM bases, 32-byte little-endian scalars). */
  msm(bases: Uint8Array, scalars: Uint8Array): Promise<G1Affine>;
  /** Releases the device or the worker threads. */
  close(): Promise<void>;
}

export interface CreateG1MsmOptions {
  backend?: 'auto' | MsmBackend;
  /** How to acquire the GPU, or an already acquired one (then `close()` leaves it alone). */
  gpu?: AcquireGpuOptions | ProverGpu;
  /** GPU MSM tuning. */
  msm?: GpuMsmOptions;
  /** ffjavascript without worker threads. */
  singleThread?: boolean;
}

function isProverGpu(g: AcquireGpuOptions | ProverGpu | undefined): g is ProverGpu {
  return g !== undefined && 'device' in g;
}

async function webgpuMsm(opts: CreateG1MsmOptions): Promise<G1Msm> {
  const owned = !isProverGpu(opts.gpu);
  const gpu = isProverGpu(opts.gpu) ? opts.gpu : await acquireGpu(opts.gpu);
  try {
    const engine = await GpuMsm.create(gpu, opts.msm);
    return {
      backend: 'webgpu',
      description: `WebGPU ${gpu.info.backend}: ${gpu.info.description || gpu.info.device || gpu.info.vendor}`,
      msm: (bases, scalars) => engine.msm(bases, scalars),
      close: async () => {
        if (owned) gpu.destroy();
      },
    };
  } catch (e) {
    if (owned) gpu.destroy();
    throw e;
  }
}

async function ffjavascriptMsm(opts: CreateG1MsmOptions, why = ''): Promise<G1Msm> {
  // Loaded on demand: snarkjs (and its wasm) is only needed without a GPU.
  const { curves } = await import('snarkjs');
  const curve = await curves.getCurveFromName('bn128', { singleThread: opts.singleThread ?? false });
  return {
    backend: 'ffjavascript',
    description: `ffjavascript (snarkjs) on the CPU${why ? ` — ${why}` : ''}`,
    msm: async (bases, scalars) => {
      if (msmInputSize(bases, scalars) === 0) return G1_INFINITY;
      return readG1AffineLEM(curve.G1.toAffine(await curve.G1.multiExpAffine(bases, scalars)));
    },
    // The multi-threaded curve is ffjavascript's process-wide singleton (snarkjs uses it too): closing it stops
    // its workers for every user in the process, as snarkjs's own CLI does on exit.
    close: () => curve.terminate(),
  };
}

export async function createG1Msm(opts: CreateG1MsmOptions = {}): Promise<G1Msm> {
  const backend = opts.backend ?? 'auto';
  switch (backend) {
    case 'webgpu':
      return webgpuMsm(opts);
    case 'ffjavascript':
      return ffjavascriptMsm(opts);
    case 'reference':
      return {
        backend: 'reference',
        description: 'bigint reference Pippenger (slow)',
        msm: async (bases, scalars) => msmReferenceLEM(bases, scalars),
        close: async () => {},
      };
    case 'auto':
      try {
        return await webgpuMsm(opts);
      } catch (e) {
        if (!isProverError(e, 'NO_GPU_ADAPTER')) throw e;
        return ffjavascriptMsm(opts, `no GPU adapter: ${e.message}`);
      }
  }
}

export { GpuMsm, type GpuMsmOptions, type MsmStats } from './gpu.js';
export { msmNaive, msmPippenger, msmReferenceLEM } from './cpu.js';
export { chooseWindowBits, planChunk, planReduction, type ChunkPlan, type MsmPlanOptions, type ReductionPlan } from './plan.js';
