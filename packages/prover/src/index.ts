/**
 * @plasma-tree/prover — Groth16 proving over BN254 with WebGPU MSMs (and, later, NTTs).
 * This release: the bigint field/curve oracle, WebGPU device handling, WGSL field and curve arithmetic, and
 * the G1 bucket MSM with its CPU fallbacks. See README.md for what is left.
 */
export * from './errors.js';
export * from './field/index.js';
export {
  type AcquireGpuOptions,
  type Chunk,
  type GpuBackend,
  type GpuInfo,
  type ProverGpu,
  acquireGpu,
  planChunks,
  withBindingLimit,
} from './gpu/device.js';
export { GPU_OPS, type GpuOp, runGpuOp } from './gpu/ops.js';
export { type MulVariant } from './gpu/wgsl/field.js';
export * from './msm/index.js';
export * from './ntt/index.js';
export * from './groth16/index.js';
export * from './setup/index.js';
export * from './service/index.js';
