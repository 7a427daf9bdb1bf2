/**
 * WebGPU adapter/device acquisition through Dawn for Node (`webgpu`), and the buffer helpers every kernel
 * driver uses.
 *
 * Backends:
 * - `vulkan`  — Dawn's Vulkan backend: NVIDIA/AMD GPUs on Linux (the H100/H200 machines).
 * - `opengl`  — Dawn's OpenGL ES/GL backend in WebGPU *compatibility* mode: Mesa llvmpipe (CPU) on machines
 *               without a GPU, which is how CI checks the shaders. Needs `EGL_PLATFORM=surfaceless`; it is set
 *               here when unset.
 * - `default` — whatever Dawn picks first on this platform (Vulkan on Linux, Metal on macOS, D3D12 on Windows).
 * - `auto`    — `default`, then `opengl`.
 * The backend comes from the option, else `PLASMA_TREE_GPU_BACKEND`, else `auto`.
 */
import { create } from 'webgpu';
import { ProverError } from '../errors.js';

// WebGPU's numeric flags (fixed by the spec). Local copies so that nothing has to be put on globalThis.
export const BufferUsage = {
  MAP_READ: 0x1,
  MAP_WRITE: 0x2,
  COPY_SRC: 0x4,
  COPY_DST: 0x8,
  UNIFORM: 0x40,
  STORAGE: 0x80,
} as const;
const MAP_MODE_READ = 0x1;

export type GpuBackend = 'auto' | 'default' | 'vulkan' | 'opengl';
const BACKENDS: readonly GpuBackend[] = ['auto', 'default', 'vulkan', 'opengl'];

export interface AcquireGpuOptions {
  /** Which Dawn backend to use (default: `PLASMA_TREE_GPU_BACKEND`, else `auto`). */
  backend?: GpuBackend;
  /** Extra Dawn instance toggles, e.g. `enable-dawn-features=…`. */
  dawnFlags?: readonly string[];
  /**
   * Pretend the device's storage-binding limit is this many bytes (never more than the real limit). Lets tests
   * exercise the chunking paths with small inputs.
   */
  maxBindingBytes?: number;
}

export interface GpuInfo {
  backend: Exclude<GpuBackend, 'auto'>;
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** `core` or `compatibility`. */
  featureLevel: 'core' | 'compatibility';
}

/** An acquired device plus the limits the kernels plan with. */
export interface ProverGpu {
  readonly device: GPUDevice;
  readonly info: GpuInfo;
  /** Largest storage binding the planners may use, in bytes (a multiple of 256). */
  readonly maxBindingBytes: number;
  readonly maxBufferBytes: number;
  readonly maxWorkgroupsPerDimension: number;
  /** Resolves when the device is lost (after `destroy()` too). */
  readonly lost: Promise<string>;
  /** Why the device was lost, or undefined while it is usable. */
  lostReason(): string | undefined;
  destroy(): void;
}

const NO_ADAPTER_HINT =
  'without a GPU install Mesa llvmpipe (apt-get install -y libegl1 libegl-mesa0 libgles2 libgl1-mesa-dri) and use ' +
  'backend "opengl" (PLASMA_TREE_GPU_BACKEND=opengl, EGL_PLATFORM=surfaceless); on an NVIDIA machine check that ' +
  'libvulkan1 and the NVIDIA Vulkan ICD are installed (vulkaninfo); or use the CPU MSM backend';

const instances = new Map<string, GPU>();
function instance(flags: readonly string[]): GPU {
  const key = flags.join('\n');
  let gpu = instances.get(key);
  if (!gpu) {
    gpu = create([...flags]);
    instances.set(key, gpu);
  }
  return gpu;
}

function resolveBackend(opt?: GpuBackend): GpuBackend {
  const fromEnv = process.env.PLASMA_TREE_GPU_BACKEND;
  const b = opt ?? (fromEnv === undefined || fromEnv === '' ? 'auto' : fromEnv);
  if (!BACKENDS.includes(b as GpuBackend)) {
    throw new ProverError('NO_GPU_ADAPTER', `unknown GPU backend "${b}"`, {
      data: { backend: b },
      hint: `use one of ${BACKENDS.join(', ')}`,
    });
  }
  return b as GpuBackend;
}

async function tryAdapter(
  backend: Exclude<GpuBackend, 'auto'>,
  extra: readonly string[],
): Promise<{ adapter: GPUAdapter; featureLevel: 'core' | 'compatibility' } | undefined> {
  if (backend === 'opengl') {
    // Must be in the environment before Dawn initialises EGL (Node's process.env writes through to setenv).
    process.env.EGL_PLATFORM ??= 'surfaceless';
    const adapter = await instance(['backend=opengl', ...extra]).requestAdapter({ featureLevel: 'compatibility' });
    return adapter ? { adapter, featureLevel: 'compatibility' } : undefined;
  }
  const flags = backend === 'vulkan' ? ['backend=vulkan', ...extra] : [...extra];
  const adapter = await instance(flags).requestAdapter({ powerPreference: 'high-performance' });
  return adapter ? { adapter, featureLevel: 'core' } : undefined;
}

/** Limits the MSM/NTT kernels need raised above WebGPU's defaults (compatibility mode defaults are low). */
const RAISED_LIMITS = [
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxStorageBuffersPerShaderStage',
  'maxComputeWorkgroupsPerDimension',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX',
] as const;

/**
 * Acquires an adapter and a device. Throws `ProverError('NO_GPU_ADAPTER')` with a hint when no adapter exists
 * for the chosen backend(s), `GPU_DEVICE_ERROR` when the device cannot be created.
 */
export async function acquireGpu(opts: AcquireGpuOptions = {}): Promise<ProverGpu> {
  const backend = resolveBackend(opts.backend);
  const tried: Array<Exclude<GpuBackend, 'auto'>> = backend === 'auto' ? ['default', 'opengl'] : [backend];
  const extra = opts.dawnFlags ?? [];
  let found: { adapter: GPUAdapter; featureLevel: 'core' | 'compatibility'; backend: Exclude<GpuBackend, 'auto'> } | undefined;
  const failures: string[] = [];
  for (const b of tried) {
    try {
      const r = await tryAdapter(b, extra);
      if (r) {
        found = { ...r, backend: b };
        break;
      }
      failures.push(`${b}: no adapter`);
    } catch (e) {
      failures.push(`${b}: ${(e as Error).message}`);
    }
  }
  if (!found) {
    throw new ProverError('NO_GPU_ADAPTER', `no WebGPU adapter (tried ${failures.join('; ')})`, {
      data: { backend, tried },
      hint: NO_ADAPTER_HINT,
    });
  }

  const { adapter } = found;
  const requiredLimits: Record<string, number> = {};
  for (const name of RAISED_LIMITS) requiredLimits[name] = adapter.limits[name];
  let device: GPUDevice;
  try {
    device = await adapter.requestDevice({ requiredLimits, label: 'plasma-tree-prover' });
  } catch (e) {
    throw new ProverError('GPU_DEVICE_ERROR', `the adapter refused a device: ${(e as Error).message}`, {
      data: { backend: found.backend, requiredLimits },
      cause: e,
    });
  }

  const deviceLimit = Math.min(device.limits.maxStorageBufferBindingSize, device.limits.maxBufferSize);
  let maxBindingBytes = deviceLimit;
  if (opts.maxBindingBytes !== undefined) {
    if (!(opts.maxBindingBytes >= 1024)) throw new RangeError('maxBindingBytes must be at least 1024');
    maxBindingBytes = Math.min(deviceLimit, opts.maxBindingBytes);
  }
  maxBindingBytes -= maxBindingBytes % 256;

  const ai = adapter.info;
  let lostReason: string | undefined;
  const lost = device.lost.then((l) => (lostReason = `${l.reason}: ${l.message}`));
  return {
    device,
    info: {
      backend: found.backend,
      vendor: ai.vendor,
      architecture: ai.architecture,
      device: ai.device,
      description: ai.description,
      featureLevel: found.featureLevel,
    },
    maxBindingBytes,
    maxBufferBytes: device.limits.maxBufferSize,
    maxWorkgroupsPerDimension: device.limits.maxComputeWorkgroupsPerDimension,
    lost,
    lostReason: () => lostReason,
    destroy: () => device.destroy(),
  };
}

/**
 * The same device with a smaller binding limit for planning (kernels compiled for `gpu` are reused). For tests
 * of the chunking paths, and for leaving headroom to other users of the device.
 */
export function withBindingLimit(gpu: ProverGpu, maxBindingBytes: number): ProverGpu {
  if (!(maxBindingBytes >= 1024)) throw new RangeError('maxBindingBytes must be at least 1024');
  const limit = Math.min(gpu.maxBindingBytes, maxBindingBytes);
  return { ...gpu, maxBindingBytes: limit - (limit % 256) };
}

// ---------------------------------------------------------------- chunking

export interface Chunk {
  /** First item of the chunk. */
  start: number;
  /** Items in the chunk (> 0). */
  count: number;
}

/**
 * Splits `totalItems` items of `bytesPerItem` bytes into consecutive chunks of at most `maxBytes` bytes each
 * (and at most `maxItems` items). Chunks are as equal as possible, so no chunk is a tiny remainder.
 */
export function planChunks(totalItems: number, bytesPerItem: number, maxBytes: number, maxItems = Infinity): Chunk[] {
  if (!Number.isSafeInteger(totalItems) || totalItems < 0) throw new RangeError('totalItems must be a non-negative integer');
  if (!(bytesPerItem > 0)) throw new RangeError('bytesPerItem must be positive');
  const perChunk = Math.min(Math.floor(maxBytes / bytesPerItem), maxItems);
  if (perChunk < 1) {
    throw new ProverError('GPU_LIMIT_EXCEEDED', `one item of ${bytesPerItem} bytes exceeds the ${maxBytes}-byte binding limit`, {
      data: { bytesPerItem, maxBytes },
    });
  }
  if (totalItems === 0) return [];
  const n = Math.ceil(totalItems / perChunk);
  const base = Math.floor(totalItems / n);
  const extra = totalItems % n;
  const chunks: Chunk[] = [];
  let start = 0;
  for (let i = 0; i < n; i++) {
    const count = base + (i < extra ? 1 : 0);
    chunks.push({ start, count });
    start += count;
  }
  return chunks;
}

// ---------------------------------------------------------------- buffers

/** Storage bindings must be non-empty and their size a multiple of 4; 16 keeps vec4 alignment too. */
function paddedSize(byteLength: number): number {
  return Math.max(16, Math.ceil(byteLength / 16) * 16);
}

function checkBindingSize(gpu: ProverGpu, byteLength: number, label: string): void {
  if (byteLength > gpu.maxBindingBytes) {
    throw new ProverError('GPU_LIMIT_EXCEEDED', `buffer "${label}" needs ${byteLength} bytes, over the ${gpu.maxBindingBytes}-byte binding limit`, {
      data: { label, byteLength, maxBindingBytes: gpu.maxBindingBytes },
      hint: 'this is a planner bug: inputs must be split with planChunks before upload',
    });
  }
}

/** An uninitialised (zeroed, per WebGPU) storage buffer of at least `byteLength` bytes. */
export function createStorageBuffer(gpu: ProverGpu, byteLength: number, label: string, extraUsage = 0): GPUBuffer {
  checkBindingSize(gpu, byteLength, label);
  return gpu.device.createBuffer({
    label,
    size: paddedSize(byteLength),
    usage: BufferUsage.STORAGE | BufferUsage.COPY_SRC | BufferUsage.COPY_DST | extraUsage,
  });
}

/** A storage buffer holding a copy of `data`. */
export function uploadStorageBuffer(gpu: ProverGpu, data: ArrayBufferView, label: string): GPUBuffer {
  checkBindingSize(gpu, data.byteLength, label);
  const buffer = gpu.device.createBuffer({
    label,
    size: paddedSize(data.byteLength),
    usage: BufferUsage.STORAGE | BufferUsage.COPY_SRC | BufferUsage.COPY_DST,
    mappedAtCreation: true,
  });
  new Uint8Array(buffer.getMappedRange()).set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  buffer.unmap();
  return buffer;
}

/** Uploads a large array as consecutive storage buffers, each within the binding limit. */
export function uploadChunked(gpu: ProverGpu, data: Uint8Array, bytesPerItem: number, label: string): Array<Chunk & { buffer: GPUBuffer }> {
  if (data.byteLength % bytesPerItem !== 0) throw new RangeError(`${label}: length is not a multiple of ${bytesPerItem}`);
  return planChunks(data.byteLength / bytesPerItem, bytesPerItem, gpu.maxBindingBytes).map((c) => ({
    ...c,
    buffer: uploadStorageBuffer(gpu, data.subarray(c.start * bytesPerItem, (c.start + c.count) * bytesPerItem), `${label}[${c.start}..]`),
  }));
}

/** A 32-byte uniform buffer of eight u32 (the `Params` struct every kernel declares). */
export function uniformParams(gpu: ProverGpu, values: readonly number[], label = 'params'): GPUBuffer {
  if (values.length > 8) throw new RangeError('at most 8 params');
  const data = new Uint32Array(8);
  values.forEach((v, i) => {
    if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new RangeError(`param ${i} = ${v} is not a u32`);
    data[i] = v;
  });
  const buffer = gpu.device.createBuffer({ label, size: 32, usage: BufferUsage.UNIFORM | BufferUsage.COPY_DST, mappedAtCreation: true });
  new Uint32Array(buffer.getMappedRange()).set(data);
  buffer.unmap();
  return buffer;
}

/** Copies `byteLength` bytes of `buffer` back to the host. */
export async function readBuffer(gpu: ProverGpu, buffer: GPUBuffer, byteLength: number, offset = 0): Promise<Uint8Array> {
  const size = Math.ceil(byteLength / 4) * 4;
  const staging = gpu.device.createBuffer({ label: 'readback', size: Math.max(4, size), usage: BufferUsage.MAP_READ | BufferUsage.COPY_DST });
  try {
    const enc = gpu.device.createCommandEncoder();
    if (size > 0) enc.copyBufferToBuffer(buffer, offset, staging, 0, size);
    gpu.device.queue.submit([enc.finish()]);
    await staging.mapAsync(MAP_MODE_READ);
    return new Uint8Array(staging.getMappedRange(0, Math.max(4, size)).slice(0, byteLength));
  } finally {
    staging.destroy();
  }
}

// ---------------------------------------------------------------- pipelines and dispatch

export const WORKGROUP_SIZE = 64;

/** Workgroup grid for `threads` invocations: (x, y) with x ≤ the per-dimension limit; `strideX` = x · 64. */
export function dispatchGrid(gpu: ProverGpu, threads: number): { x: number; y: number; strideX: number } {
  const groups = Math.ceil(threads / WORKGROUP_SIZE);
  const x = Math.max(1, Math.min(groups, gpu.maxWorkgroupsPerDimension));
  const y = Math.max(1, Math.ceil(groups / x));
  if (y > gpu.maxWorkgroupsPerDimension) throw new ProverError('GPU_LIMIT_EXCEEDED', `${threads} invocations exceed one dispatch`);
  return { x, y, strideX: x * WORKGROUP_SIZE };
}

const pipelineCache = new WeakMap<GPUDevice, Map<string, Promise<GPUComputePipeline>>>();

/**
 * A compute pipeline for `entryPoint` of `code`, compiled once per device. Compilation errors become
 * `ProverError('GPU_SHADER_ERROR')` with the compiler's messages.
 */
export function getPipeline(gpu: ProverGpu, code: string, entryPoint: string, label: string): Promise<GPUComputePipeline> {
  let cache = pipelineCache.get(gpu.device);
  if (!cache) {
    cache = new Map();
    pipelineCache.set(gpu.device, cache);
  }
  const key = `${entryPoint}\n${code}`;
  let p = cache.get(key);
  if (!p) {
    p = compile(gpu, code, entryPoint, label);
    cache.set(key, p);
    p.catch(() => cache.delete(key));
  }
  return p;
}

async function compile(gpu: ProverGpu, code: string, entryPoint: string, label: string): Promise<GPUComputePipeline> {
  const module = gpu.device.createShaderModule({ code, label });
  const info = await module.getCompilationInfo();
  const errors = info.messages.filter((m) => m.type === 'error');
  if (errors.length > 0) {
    throw new ProverError('GPU_SHADER_ERROR', `WGSL "${label}" does not compile: ${errors.map((m) => `${m.lineNum}:${m.linePos} ${m.message}`).join('; ')}`, {
      data: { label, messages: errors.map((m) => m.message) },
    });
  }
  try {
    return await gpu.device.createComputePipelineAsync({ label, layout: 'auto', compute: { module, entryPoint } });
  } catch (e) {
    throw new ProverError('GPU_SHADER_ERROR', `pipeline "${label}" failed: ${(e as Error).message}`, { data: { label }, cause: e });
  }
}

/**
 * Records one dispatch of `pipeline` over `threads` invocations; `params[0..1]` are set to (threads, strideX).
 * Returns the uniform buffer it made (destroy it once the submission has completed), or undefined for 0 threads.
 */
export function encodeDispatch(
  gpu: ProverGpu,
  encoder: GPUCommandEncoder,
  pipeline: GPUComputePipeline,
  buffers: readonly GPUBuffer[],
  threads: number,
  params: readonly number[] = [],
  label = 'dispatch',
): GPUBuffer | undefined {
  if (threads === 0) return undefined;
  const grid = dispatchGrid(gpu, threads);
  const uniform = uniformParams(gpu, [threads, grid.strideX, ...params], `${label}.params`);
  const entries: GPUBindGroupEntry[] = buffers.map((buffer, binding) => ({ binding, resource: { buffer } }));
  entries.push({ binding: buffers.length, resource: { buffer: uniform } });
  const bindGroup = gpu.device.createBindGroup({ label, layout: pipeline.getBindGroupLayout(0), entries });
  const pass = encoder.beginComputePass({ label });
  pass.setPipeline(pipeline);
  pass.setBindGroup(0, bindGroup);
  pass.dispatchWorkgroups(grid.x, grid.y);
  pass.end();
  return uniform;
}

const deviceQueues = new WeakMap<GPUDevice, Promise<unknown>>();

/**
 * Runs `fn` with validation and out-of-memory error scopes open, and turns a captured error into
 * `ProverError('GPU_DEVICE_ERROR')` (WebGPU reports those asynchronously and otherwise silently). Calls on one
 * device run one after another: error scopes are a per-device stack, so interleaved calls would pop each
 * other's scopes. A lost device also becomes `GPU_DEVICE_ERROR`.
 */
export function withErrorScopes<T>(gpu: ProverGpu, what: string, fn: () => Promise<T>): Promise<T> {
  const previous = deviceQueues.get(gpu.device) ?? Promise.resolve();
  const run = previous.then(
    () => scoped(gpu, what, fn),
    () => scoped(gpu, what, fn),
  );
  deviceQueues.set(
    gpu.device,
    run.catch(() => undefined),
  );
  return run;
}

async function scoped<T>(gpu: ProverGpu, what: string, fn: () => Promise<T>): Promise<T> {
  const lost = gpu.lostReason();
  if (lost !== undefined) throw new ProverError('GPU_DEVICE_ERROR', `${what}: the GPU device was lost (${lost})`, { data: { what }, hint: 'acquire a new device' });
  gpu.device.pushErrorScope('out-of-memory');
  gpu.device.pushErrorScope('validation');
  let outcome: { ok: true; value: T } | { ok: false; error: unknown };
  try {
    outcome = { ok: true, value: await fn() };
  } catch (error) {
    outcome = { ok: false, error };
  }
  let validation: GPUError | null = null;
  let oom: GPUError | null = null;
  try {
    validation = await gpu.device.popErrorScope();
    oom = await gpu.device.popErrorScope();
  } catch {
    // A lost device may refuse to pop; reported below.
  }
  const err = validation ?? oom;
  if (err) {
    throw new ProverError('GPU_DEVICE_ERROR', `${what}: ${err.message}`, {
      data: { what, kind: validation ? 'validation' : 'out-of-memory' },
      hint: validation ? '' : "the input is too large for this GPU's memory: split it or use the CPU backend",
      cause: outcome.ok ? undefined : outcome.error,
    });
  }
  if (!outcome.ok) {
    const lostNow = gpu.lostReason();
    if (lostNow !== undefined && !(outcome.error instanceof ProverError)) {
      throw new ProverError('GPU_DEVICE_ERROR', `${what}: the GPU device was lost (${lostNow})`, { data: { what }, cause: outcome.error });
    }
    throw outcome.error;
  }
  return outcome.value;
}
