/**
 * Batches of single field and point operations on the GPU, element-wise over packed inputs. They exist to check
 * the WGSL arithmetic bit for bit against the bigint oracle (tests, and a known-answer self test a prover can
 * run on a new machine before trusting it), not to be fast.
 *
 * Inputs and outputs use the storage layout of `wgsl/repr.ts`: 8 words per Fp element (canonical Montgomery,
 * R = 2^260), 16 per affine point, 24 per projective point. `fp_from_ffjs` takes raw ffjavascript words
 * (Montgomery with R = 2^256, any 256-bit value) instead.
 */
import { ProverError } from '../errors.js';
import { type ProverGpu, createStorageBuffer, encodeDispatch, getPipeline, readBuffer, uploadStorageBuffer, withErrorScopes } from './device.js';
import { CURVE_WGSL, pointAccessors } from './wgsl/curve.js';
import { type MulVariant, PARAMS_WGSL, defaultMulVariant, fieldWgsl, fpAccessors } from './wgsl/field.js';
import { WORDS_PER_AFFINE, WORDS_PER_FP, WORDS_PER_PROJ } from './wgsl/repr.js';

interface OpSpec {
  /** Words per element of input a, of input b (0: unary), of the output. */
  a: number;
  b: number;
  out: number;
  /** WGSL statements for element `i`. */
  body: string;
}

const F = WORDS_PER_FP;
const A = WORDS_PER_AFFINE;
const Pj = WORDS_PER_PROJ;
const fpBinary = (fn: string): OpSpec => ({ a: F, b: F, out: F, body: `store_fp_out(i * ${F}u, ${fn}(load_fp_in_a(i * ${F}u), load_fp_in_b(i * ${F}u)));` });
const fpUnary = (fn: string): OpSpec => ({ a: F, b: 0, out: F, body: `store_fp_out(i * ${F}u, ${fn}(load_fp_in_a(i * ${F}u)));` });

export const GPU_OPS = {
  fp_add: fpBinary('fp_add'),
  fp_sub: fpBinary('fp_sub'),
  fp_mul: fpBinary('fp_mul'),
  fp_sqr: fpUnary('fp_sqr'),
  fp_neg: fpUnary('fp_neg'),
  fp_mul_b3: fpUnary('fp_mul_b3'),
  fp_from_ffjs: { a: F, b: 0, out: F, body: `store_fp_out(i * ${F}u, fp_from_ffjs(load_raw_in_a(i * ${F}u)));` },
  pt_add: { a: Pj, b: Pj, out: Pj, body: `store_proj_out(i, pt_add(load_proj_in_a(i), load_proj_in_b(i)));` },
  pt_madd: { a: Pj, b: A, out: Pj, body: `store_proj_out(i, pt_madd(load_proj_in_a(i), load_aff_in_b(i)));` },
  pt_double: { a: Pj, b: 0, out: Pj, body: `store_proj_out(i, pt_double(load_proj_in_a(i)));` },
  pt_neg: { a: Pj, b: 0, out: Pj, body: `store_proj_out(i, pt_neg(load_proj_in_a(i)));` },
} satisfies Record<string, OpSpec>;

export type GpuOp = keyof typeof GPU_OPS;

export function opModule(op: GpuOp, mul: MulVariant): string {
  const spec: OpSpec = GPU_OPS[op];
  const binary = spec.b > 0;
  const outBinding = binary ? 2 : 1;
  return `${fieldWgsl(mul)}
${CURVE_WGSL}
${PARAMS_WGSL}
@group(0) @binding(0) var<storage, read> in_a: array<u32>;
${binary ? '@group(0) @binding(1) var<storage, read> in_b: array<u32>;' : ''}
@group(0) @binding(${outBinding}) var<storage, read_write> out: array<u32>;
@group(0) @binding(${outBinding + 1}) var<uniform> params: Params;
${fpAccessors('in_a', false)}${pointAccessors('in_a', false)}
${binary ? fpAccessors('in_b', false) + pointAccessors('in_b', false) : ''}
${fpAccessors('out', true)}${pointAccessors('out', true)}
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * params.stride_x;
  if (i >= params.count) {
    return;
  }
  ${spec.body}
}
`;
}

/**
 * Runs `op` element-wise. `a` (and `b` for binary ops) hold `count` elements in the op's layout; returns the
 * `count` results as packed words. `mul` picks the `fp_mul` code variant (both must agree bit for bit).
 */
export async function runGpuOp(
  gpu: ProverGpu,
  op: GpuOp,
  a: Uint32Array,
  b?: Uint32Array,
  mul: MulVariant = defaultMulVariant(gpu.info.backend),
): Promise<Uint32Array> {
  const spec: OpSpec = GPU_OPS[op];
  if (a.length % spec.a !== 0) throw new ProverError('INVALID_INPUT', `${op}: input a is not a whole number of elements`);
  const count = a.length / spec.a;
  if (spec.b > 0 && (b === undefined || b.length !== count * spec.b)) {
    throw new ProverError('INVALID_INPUT', `${op}: input b must hold ${count} elements of ${spec.b} words`);
  }
  if (count === 0) return new Uint32Array(0);
  const pipeline = await getPipeline(gpu, opModule(op, mul), 'main', `op ${op} (${mul} fp_mul)`);
  return withErrorScopes(gpu, `GPU op ${op}`, async () => {
    const bufA = uploadStorageBuffer(gpu, a, `${op}.a`);
    const bufB = spec.b > 0 && b ? uploadStorageBuffer(gpu, b, `${op}.b`) : undefined;
    const outBytes = count * spec.out * 4;
    const bufOut = createStorageBuffer(gpu, outBytes, `${op}.out`);
    let uniform: GPUBuffer | undefined;
    try {
      const enc = gpu.device.createCommandEncoder();
      uniform = encodeDispatch(gpu, enc, pipeline, bufB ? [bufA, bufB, bufOut] : [bufA, bufOut], count, [], op);
      gpu.device.queue.submit([enc.finish()]);
      const bytes = await readBuffer(gpu, bufOut, outBytes);
      return new Uint32Array(bytes.buffer, bytes.byteOffset, count * spec.out);
    } finally {
      bufA.destroy();
      bufB?.destroy();
      bufOut.destroy();
      uniform?.destroy();
    }
  });
}
