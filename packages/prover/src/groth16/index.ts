/**
 * `createGroth16Prover`: the Groth16 prover behind {@link Groth16Prover}, on one of three backends:
 * - `webgpu`: our pipeline with the G1 MSMs on WebGPU (`createG1Msm`), the G2 MSM on ffjavascript's workers
 *   overlapping them, the H step through the `Groth16H` interface;
 * - `cpu`: the same pipeline on ffjavascript's wasm (MSMs and FFTs on its worker threads), no adapter needed;
 * - `snarkjs`: `snarkjs.groth16.prove` itself.
 * `auto` takes `webgpu` and falls back to `cpu` only when no adapter exists (`NO_GPU_ADAPTER`).
 */
import { ProverError, isProverError } from '../errors.js';
import type { AcquireGpuOptions, ProverGpu } from '../gpu/device.js';
import type { Groth16Prover, ProverBackend } from './api.js';
import { cpuProver, webgpuProver } from './pipeline.js';
import { createSnarkjsProver } from './snarkjs.js';

export interface CreateGroth16ProverOptions {
  /** Default `auto`: `webgpu`, or `cpu` when no adapter exists. */
  backend?: 'auto' | ProverBackend;
  /** How to acquire the GPU, or an already acquired one (then `close()` leaves it alone). */
  gpu?: AcquireGpuOptions | ProverGpu;
  /** ffjavascript without worker threads (slower; for environments without them). */
  singleThread?: boolean;
  /** Parsed .zkey files kept per path (default 8). */
  zkeyCacheSize?: number;
}

/** A Groth16 prover (see the module comment for the backends). `close()` releases the device and workers. */
export async function createGroth16Prover(opts: CreateGroth16ProverOptions = {}): Promise<Groth16Prover> {
  const backend = opts.backend ?? 'auto';
  switch (backend) {
    case 'snarkjs':
      return createSnarkjsProver();
    case 'cpu':
      return cpuProver(opts);
    case 'webgpu':
      return webgpuProver(opts);
    case 'auto':
      try {
        return await webgpuProver(opts);
      } catch (e) {
        if (!isProverError(e, 'NO_GPU_ADAPTER')) throw e;
        return cpuProver(opts, `no GPU adapter: ${e.message}`);
      }
    default:
      throw new ProverError('INVALID_INPUT', `unknown prover backend "${String(backend)}"`, { hint: 'use auto, webgpu, cpu or snarkjs' });
  }
}

export * from './api.js';
export { computeWitnessWtns, createSnarkjsProver } from './snarkjs.js';
export { type Groth16Zkey, ZkeyCache, parseZkey } from './zkey.js';
export type { Groth16PipelineProver } from './pipeline.js';
export { type Witness, loadWitness, parseWtns } from './witness.js';
export { type AbcEvaluations, type Groth16H, buildAbc, cpuGroth16H } from './qap.js';
