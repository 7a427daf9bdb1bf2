/**
 * The Fr NTT behind one interface, on the best backend available (mirrors `createG1Msm`):
 * - `webgpu`: the kernels of `gpu.ts` (a GPU, or llvmpipe);
 * - `ffjavascript`: snarkjs's wasm `Fr.fft`/`Fr.ifft` and `qap_joinABC`, the numbers snarkjs would produce;
 * - `reference`: the bigint NTT of `cpu.ts` (slow; for checks).
 * `auto` takes `webgpu` and falls back to `ffjavascript` only when no adapter exists (`NO_GPU_ADAPTER`).
 *
 * All backends take and return standard-form (not Montgomery) 32-byte little-endian Fr elements. Inputs ≥ r
 * (any 256-bit value) are reduced mod r, as ffjavascript's own conversion does; outputs are canonical.
 */
import { ProverError, isProverError } from '../errors.js';
import { type AcquireGpuOptions, type ProverGpu, acquireGpu } from '../gpu/device.js';
import { decodeFr, encodeFr, frElementCount, groth16HReference, nttLogSize, nttReference } from './cpu.js';
import { ffjsFrCurve, ffjsGroth16H, ffjsNtt } from './ffjs.js';
import { GpuNtt, type GpuNttOptions } from './gpu.js';

export type NttBackend = 'webgpu' | 'ffjavascript' | 'reference';

export interface FrNtt {
  readonly backend: NttBackend;
  /** Human-readable: the adapter, or why `auto` fell back. */
  readonly description: string;
  /** NTT over the 2^k domain of ffjavascript's `Fr.w[k]` (inverse: ω⁻¹ and 1/n): n·32 bytes in and out. */
  ntt(values: Uint8Array, opts?: { inverse?: boolean }): Promise<Uint8Array>;
  /** The scalars snarkjs feeds to its H multiexp, from the evaluations A, B, C (n·32 bytes each). */
  groth16H(a: Uint8Array, b: Uint8Array, c: Uint8Array): Promise<Uint8Array>;
  /** Releases the device (if acquired here) or the worker threads. */
  close(): Promise<void>;
}

export interface CreateFrNttOptions {
  backend?: 'auto' | NttBackend;
  /** How to acquire the GPU, or an already acquired one, e.g. the MSM's (then `close()` leaves it alone). */
  gpu?: AcquireGpuOptions | ProverGpu;
  /** GPU NTT options. */
  ntt?: GpuNttOptions;
  /** ffjavascript without worker threads (default: with, as snarkjs runs). */
  singleThread?: boolean;
}

function isProverGpu(g: AcquireGpuOptions | ProverGpu | undefined): g is ProverGpu {
  return g !== undefined && 'device' in g;
}

/** Length checks shared by the CPU backends (the GPU engine makes the same ones). */
function checkH(a: Uint8Array, b: Uint8Array, c: Uint8Array): number {
  const n = frElementCount(a, 'A');
  const nb = frElementCount(b, 'B');
  const nc = frElementCount(c, 'C');
  if (nb !== n || nc !== n) {
    throw new ProverError('INVALID_INPUT', `A, B, C have ${n}, ${nb}, ${nc} elements; they must be equal`, {
      data: { a: n, b: nb, c: nc },
      hint: 'A, B, C are the evaluations of the three QAP polynomials over the same domain',
    });
  }
  return nttLogSize(n, 'A');
}

async function webgpuNtt(opts: CreateFrNttOptions): Promise<FrNtt> {
  const owned = !isProverGpu(opts.gpu);
  const gpu = isProverGpu(opts.gpu) ? opts.gpu : await acquireGpu(opts.gpu);
  try {
    const engine = await GpuNtt.create(gpu, opts.ntt);
    return {
      backend: 'webgpu',
      description: `WebGPU ${gpu.info.backend}: ${gpu.info.description || gpu.info.device || gpu.info.vendor}`,
      ntt: (values, o) => engine.ntt(values, o),
      groth16H: (a, b, c) => engine.groth16H(a, b, c),
      close: async () => {
        await engine.close();
        if (owned) gpu.destroy();
      },
    };
  } catch (e) {
    if (owned) gpu.destroy();
    throw e;
  }
}

async function ffjavascriptNtt(opts: CreateFrNttOptions, why = ''): Promise<FrNtt> {
  const singleThread = opts.singleThread ?? false;
  const curve = await ffjsFrCurve(singleThread);
  return {
    backend: 'ffjavascript',
    description: `ffjavascript (snarkjs) on the CPU${singleThread ? ', one thread' : ''}${why ? ` — ${why}` : ''}`,
    ntt: async (values, o) => {
      nttLogSize(frElementCount(values));
      return ffjsNtt(curve, values, o?.inverse ?? false);
    },
    groth16H: async (a, b, c) => ffjsGroth16H(curve, a, b, c, checkH(a, b, c)),
    // The multi-threaded curve is ffjavascript's process-wide singleton (snarkjs and the MSM use it too):
    // closing it stops its workers for every user in the process.
    close: () => curve.terminate(),
  };
}

function referenceNtt(): FrNtt {
  return {
    backend: 'reference',
    description: 'bigint reference NTT (slow)',
    ntt: async (values, o) => encodeFr(nttReference(decodeFr(values), o?.inverse ?? false)),
    groth16H: async (a, b, c) => {
      checkH(a, b, c);
      return encodeFr(groth16HReference(decodeFr(a), decodeFr(b), decodeFr(c)));
    },
    close: async () => {},
  };
}

export async function createFrNtt(opts: CreateFrNttOptions = {}): Promise<FrNtt> {
  const backend = opts.backend ?? 'auto';
  switch (backend) {
    case 'webgpu':
      return webgpuNtt(opts);
    case 'ffjavascript':
      return ffjavascriptNtt(opts);
    case 'reference':
      return referenceNtt();
    case 'auto':
      try {
        return await webgpuNtt(opts);
      } catch (e) {
        if (!isProverError(e, 'NO_GPU_ADAPTER')) throw e;
        return ffjavascriptNtt(opts, `no GPU adapter: ${e.message}`);
      }
    default:
      throw new ProverError('INVALID_INPUT', `unknown NTT backend "${String(backend)}"`, { hint: 'use auto, webgpu, ffjavascript or reference' });
  }
}

export { GpuNtt, type GpuNttOptions, type NttStats } from './gpu.js';
export {
  FR_NQR,
  FR_SHIFT,
  FR_TWO_ADICITY,
  bitReverse,
  decodeFr,
  encodeFr,
  groth16CosetShift,
  groth16HReference,
  nttReference,
  rootOfUnity,
} from './cpu.js';
export { runFrOp, FR_OPS, type FrOp } from './ops.js';
