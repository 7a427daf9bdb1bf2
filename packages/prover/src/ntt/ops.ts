/**
 * Element-wise Fr operations on the GPU, to check the generated Fr arithmetic bit for bit against the bigint
 * oracle (tests, and a known-answer self test on a new machine). One module holds every requested op behind a
 * switch, so the whole set costs one compilation.
 *
 * Words: 8 per element. Montgomery ops (`fr_add` … `fr_sqr`, `fr_from_mont`, `fr_to_ffjs`) take canonical GPU
 * Montgomery values (R = 2^260); `fr_to_mont` and `fr_reduce_word` take any 256-bit standard-form word,
 * `fr_from_ffjs` any 256-bit ffjavascript word (R = 2^256).
 */
import { ProverError } from '../errors.js';
import { type ProverGpu, createStorageBuffer, encodeDispatch, getPipeline, readBuffer, uploadStorageBuffer, withErrorScopes } from '../gpu/device.js';
import { type MulVariant, PARAMS_WGSL, defaultMulVariant, fieldAccessors, fieldConversionsWgsl, fieldWgsl } from '../gpu/wgsl/field.js';
import { FR_FIELD } from './kernels.js';

/** op → [arity, WGSL expression of the result]. */
export const FR_OPS = {
  fr_add: [2, 'fr_add(load_fr_in_a(o), load_fr_in_b(o))'],
  fr_sub: [2, 'fr_sub(load_fr_in_a(o), load_fr_in_b(o))'],
  fr_neg: [1, 'fr_neg(load_fr_in_a(o))'],
  fr_mul: [2, 'fr_mul(load_fr_in_a(o), load_fr_in_b(o))'],
  fr_sqr: [1, 'fr_sqr(load_fr_in_a(o))'],
  fr_to_mont: [1, 'fr_to_mont(load_raw_in_a(o))'],
  fr_from_mont: [1, 'fr_from_mont(load_fr_in_a(o))'],
  fr_from_ffjs: [1, 'fr_from_ffjs(load_raw_in_a(o))'],
  fr_to_ffjs: [1, 'fr_to_ffjs(load_fr_in_a(o))'],
  fr_reduce_word: [1, 'fr_reduce_word(load_raw_in_a(o))'],
} as const satisfies Record<string, readonly [number, string]>;

export type FrOp = keyof typeof FR_OPS;
const ALL_OPS = Object.keys(FR_OPS) as FrOp[];

export function frOpsModule(ops: readonly FrOp[], mul: MulVariant): string {
  const cases = ops.map((op, i) => `    case ${i}u: {\n      r = ${FR_OPS[op][1]};\n    }`).join('\n');
  return `${fieldWgsl({ ...FR_FIELD, mul })}
${fieldConversionsWgsl(FR_FIELD)}
${PARAMS_WGSL}
@group(0) @binding(0) var<storage, read> in_a: array<u32>;
@group(0) @binding(1) var<storage, read> in_b: array<u32>;
@group(0) @binding(2) var<storage, read_write> out: array<u32>;
@group(0) @binding(3) var<uniform> params: Params;
${fieldAccessors(FR_FIELD, 'in_a', false)}${fieldAccessors(FR_FIELD, 'in_b', false)}${fieldAccessors(FR_FIELD, 'out', true)}
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * params.stride_x;
  if (i >= params.count) {
    return;
  }
  let o = i * 8u;
  var r = FR_ZERO;
  switch (params.a0) {
${cases}
    default: {}
  }
  store_fr_out(o, r);
}
`;
}

/**
 * Runs `op` element-wise on packed words (`b` for binary ops). `ops`: the set compiled into the module (default
 * all; a smaller set compiles faster, e.g. the unrolled `fr_mul` alone). `mul`: the `fr_mul` code variant.
 */
export async function runFrOp(
  gpu: ProverGpu,
  op: FrOp,
  a: Uint32Array,
  b?: Uint32Array,
  opts: { mul?: MulVariant; ops?: readonly FrOp[] } = {},
): Promise<Uint32Array> {
  const ops = opts.ops ?? ALL_OPS;
  const index = ops.indexOf(op);
  if (!(op in FR_OPS) || index < 0) throw new ProverError('INVALID_INPUT', `unknown Fr op "${op}" (or not in the module's op set)`);
  if (a.length % 8 !== 0) throw new ProverError('INVALID_INPUT', `${op}: input a is not a whole number of 8-word elements`);
  const count = a.length / 8;
  const binary = FR_OPS[op][0] === 2;
  if (binary && (b === undefined || b.length !== a.length)) throw new ProverError('INVALID_INPUT', `${op}: input b must hold ${count} elements`);
  if (count === 0) return new Uint32Array(0);
  const mul = opts.mul ?? defaultMulVariant(gpu.info.backend);
  const pipeline = await getPipeline(gpu, frOpsModule(ops, mul), 'main', `fr ops (${mul} fr_mul)`);
  return withErrorScopes(gpu, `GPU op ${op}`, async () => {
    const bufA = uploadStorageBuffer(gpu, a, `${op}.a`);
    const bufB = uploadStorageBuffer(gpu, binary && b ? b : new Uint32Array(8), `${op}.b`);
    const bufOut = createStorageBuffer(gpu, a.byteLength, `${op}.out`);
    let uniform: GPUBuffer | undefined;
    try {
      const enc = gpu.device.createCommandEncoder();
      uniform = encodeDispatch(gpu, enc, pipeline, [bufA, bufB, bufOut], count, [index], op);
      gpu.device.queue.submit([enc.finish()]);
      const bytes = await readBuffer(gpu, bufOut, a.byteLength);
      return new Uint32Array(bytes.buffer, bytes.byteOffset, a.length);
    } finally {
      bufA.destroy();
      bufB.destroy();
      bufOut.destroy();
      uniform?.destroy();
    }
  });
}
