/**
 * The `webgpu` and `cpu` provers: our pipeline (`prove.ts`) on its engines. Not re-exported from the package
 * index except through `createGroth16Prover`; `proveWithFixedRandomness` is for tests only.
 */
import { ProverError } from '../errors.js';
import { type AcquireGpuOptions, type ProverGpu, acquireGpu } from '../gpu/device.js';
import { type G1Msm, createG1Msm } from '../msm/index.js';
import { createFrNtt } from '../ntt/index.js';
import type { Groth16Prover, ProveOptions, ProveResult, WitnessSource, ZkeySource } from './api.js';
import { type CurveLease, leaseCurve } from './curve.js';
import { type FixedRandomness, type PipelineEngines, provePipeline } from './prove.js';
import { type Groth16H, cpuGroth16H } from './qap.js';
import { ZkeyCache } from './zkey.js';

export interface PipelineProverOptions {
  gpu?: AcquireGpuOptions | ProverGpu;
  singleThread?: boolean;
  zkeyCacheSize?: number;
}

/** A prover running our pipeline (`webgpu` or `cpu`). */
export interface Groth16PipelineProver extends Groth16Prover {
  readonly backend: 'webgpu' | 'cpu';
  /** The parsed-key cache (`zkeys.parses` counts the parses that were not cache hits). */
  readonly zkeys: ZkeyCache;
}

function isProverGpu(g: AcquireGpuOptions | ProverGpu | undefined): g is ProverGpu {
  return g !== undefined && 'device' in g;
}

interface HStep {
  readonly h: Groth16H;
  readonly description: string;
  close(): Promise<void>;
}

/**
 * The H step of a backend: `webgpu` runs the WebGPU NTT (`createFrNtt`) on the MSM's device; `cpu` runs
 * snarkjs's ffjavascript FFTs on the leased engine.
 */
async function createHStep(backend: 'webgpu' | 'cpu', gpu: ProverGpu | undefined, curve: CurveLease): Promise<HStep> {
  if (backend === 'webgpu') {
    const ntt = await createFrNtt({ backend: 'webgpu', gpu });
    return { h: ntt, description: `H on ${ntt.description}`, close: () => ntt.close() };
  }
  return { h: cpuGroth16H(() => curve.get()), description: 'H on ffjavascript FFTs', close: async () => {} };
}

export class PipelineProver implements Groth16PipelineProver {
  private closed = false;
  private readonly inflight = new Set<Promise<ProveResult>>();

  constructor(
    readonly backend: 'webgpu' | 'cpu',
    readonly description: string,
    private readonly engines: PipelineEngines,
    private readonly onClose: () => Promise<void>,
  ) {}

  get zkeys(): ZkeyCache {
    return this.engines.zkeys;
  }

  /** `fixed`: test-only blinding factors (r, s); proofs made with known r and s are not zero-knowledge. */
  async prove(zkey: ZkeySource, witness: WitnessSource, opts: ProveOptions = {}, fixed?: FixedRandomness): Promise<ProveResult> {
    if (this.closed) throw new ProverError('PROVE_FAILED', 'the prover is closed', { hint: 'create a new prover' });
    const p = provePipeline(this.engines, zkey, witness, opts, fixed);
    this.inflight.add(p);
    try {
      return await p;
    } finally {
      this.inflight.delete(p);
    }
  }

  /** Waits for the proofs in flight (abort them first to be quick): stopping the engines under them would hang them. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled([...this.inflight]);
    this.engines.zkeys.clear();
    await this.onClose();
  }
}

export async function cpuProver(opts: PipelineProverOptions, why = ''): Promise<PipelineProver> {
  const singleThread = opts.singleThread ?? false;
  const curve = await leaseCurve(singleThread);
  try {
    const hStep = await createHStep('cpu', undefined, curve);
    // createG1Msm's ffjavascript backend holds the engine it was made with: make a new one if it was replaced.
    let msm: { curve: unknown; msm: G1Msm } | undefined;
    const engines: PipelineEngines = {
      curve,
      h: hStep.h,
      overlapG2: false,
      zkeys: new ZkeyCache(opts.zkeyCacheSize),
      async g1Msm(c) {
        if (msm?.curve !== c) msm = { curve: c, msm: await createG1Msm({ backend: 'ffjavascript', singleThread }) };
        return msm.msm;
      },
    };
    const c = await curve.get();
    const threads = singleThread ? 'in-process' : `${c.tm.concurrency} worker threads`;
    return new PipelineProver('cpu', `ffjavascript (snarkjs's wasm) MSMs and FFTs on the CPU, ${threads}${why ? ` — ${why}` : ''}`, engines, async () => {
      await hStep.close();
      // Not msm.close(): it would stop ffjavascript's shared workers under other users; the lease decides.
      await curve.release();
    });
  } catch (e) {
    await curve.release();
    throw e;
  }
}

export async function webgpuProver(opts: PipelineProverOptions): Promise<PipelineProver> {
  const owned = !isProverGpu(opts.gpu);
  const gpu = isProverGpu(opts.gpu) ? opts.gpu : await acquireGpu(opts.gpu);
  let curve: CurveLease | undefined;
  try {
    const msm = await createG1Msm({ backend: 'webgpu', gpu });
    curve = await leaseCurve(opts.singleThread ?? false);
    const lease = curve;
    const hStep = await createHStep('webgpu', gpu, lease);
    const engines: PipelineEngines = {
      curve: lease,
      h: hStep.h,
      overlapG2: true,
      zkeys: new ZkeyCache(opts.zkeyCacheSize),
      g1Msm: async () => msm,
    };
    return new PipelineProver('webgpu', `G1 MSMs and H NTTs on ${msm.description}; G2 MSM on ffjavascript's workers`, engines, async () => {
      await hStep.close();
      await msm.close();
      await lease.release();
      if (owned) gpu.destroy();
    });
  } catch (e) {
    await curve?.release();
    if (owned) gpu.destroy();
    throw e;
  }
}

/**
 * Tests only: a proof with the given blinding factors r and s, so that it can be compared byte for byte with
 * snarkjs's. A proof whose r and s are known is not zero-knowledge.
 */
export function proveWithFixedRandomness(prover: Groth16Prover, zkey: ZkeySource, witness: WitnessSource, fixed: FixedRandomness, opts?: ProveOptions): Promise<ProveResult> {
  if (!(prover instanceof PipelineProver)) throw new ProverError('INVALID_INPUT', `the ${prover.backend} backend takes no fixed randomness`);
  return prover.prove(zkey, witness, opts, fixed);
}
