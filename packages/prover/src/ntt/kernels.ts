/**
 * WGSL kernels of the Fr NTT (see `plan.ts` for the algorithm). Five kernels, each with at most two `fr_mul`
 * call sites (every call is inlined; llvmpipe compiles each for a long time):
 * - `permute`: bit-reversal permutation into a second buffer (standalone NTTs of polynomials in one binding);
 * - `block`: up to 8 radix-2 stages on 256 elements in workgroup memory; optional reduction on load (any
 *   256-bit word → canonical) and one product per element on store (a constant, or a per-element table entry);
 * - `cross`: one radix-2 stage between two chunks (polynomials larger than a binding);
 * - `powers`: builds twiddle and coset tables, one product per entry from two small CPU-made tables;
 * - `join`: h = a·b − c, out of Montgomery form.
 *
 * Values: the NTT is linear, so the butterflies (products by Montgomery twiddles, sums) keep whatever form the
 * data is in. Standard-form input therefore needs no conversion: it is reduced on load and stays standard form
 * until a store-time product by a Montgomery-form constant with an extra factor R moves it into Montgomery form
 * (the H step, before its products a·b) or scales it (1/n of the standalone inverse).
 *
 * Buffers hold 8 little-endian u32 per element (`gpu/wgsl/repr.ts`). A chunk buffer holds, for each polynomial
 * of the batch, m consecutive elements (polynomial p at p·m).
 */
import { type MulVariant, PARAMS_WGSL, fieldAccessors, fieldConversionsWgsl, fieldWgsl } from '../gpu/wgsl/field.js';
import { BN254_R } from '../field/constants.js';
import { BLOCK_ELEMENTS, BLOCK_LOG } from './plan.js';

export const FR_FIELD = { prefix: 'fr', modulus: BN254_R } as const;

/** Flags of the `block` and `cross` kernels (params.a2 / params.a0). */
export const FLAG_DIF = 1;
export const FLAG_REDUCE = 2;
/** Store-time product: none, by fac[0], by fac[index]. Bits 2–3 of the block kernel's flags. */
export const POST_NONE = 0;
export const POST_CONST = 1;
export const POST_TABLE = 2;

/** `powers` modes. */
export const POWERS_TWIDDLE = 0;
export const POWERS_BITREV = 1;

const header = (mul: MulVariant): string => `${fieldWgsl({ ...FR_FIELD, mul })}\n${fieldConversionsWgsl(FR_FIELD)}\n${PARAMS_WGSL}\n`;

/** DIT: (a + w·b, a − w·b). DIF: (a + b, (a − b)·w). One product either way. */
const BUTTERFLY = `fn butterfly(a: Fr, b: Fr, w: Fr, dif: bool) -> array<Fr, 2> {
  var s = b;
  if (dif) {
    s = fr_sub(a, b);
  }
  let p = fr_mul(s, w);
  var r: array<Fr, 2>;
  if (dif) {
    r[0] = fr_add(a, b);
    r[1] = p;
  } else {
    r[0] = fr_add(a, p);
    r[1] = fr_sub(a, p);
  }
  return r;
}`;

/**
 * Block pass. params: a0 = s0 (first stage), a1 = t (stages, ≤ 8), a2 = flags (DIF, REDUCE, post << 2),
 * a3 = m (elements per polynomial in this chunk), a4 = workgroups per polynomial, a5 = workgroups in all.
 * `tw`: twiddle table chunk 0 (entries < m). `fac`: the post-product factor(s) for this chunk.
 * Workgroup memory holds the block row-major: slot e = r·cols + q, so adjacent threads take adjacent columns.
 */
export function blockKernel(mul: MulVariant): string {
  const words = 8;
  return `${header(mul)}
@group(0) @binding(0) var<storage, read_write> data: array<u32>;
@group(0) @binding(1) var<storage, read> tw: array<u32>;
@group(0) @binding(2) var<storage, read> fac: array<u32>;
@group(0) @binding(3) var<uniform> params: Params;
${fieldAccessors(FR_FIELD, 'data', true)}${fieldAccessors(FR_FIELD, 'tw', false)}${fieldAccessors(FR_FIELD, 'fac', false)}
var<workgroup> sh: array<u32, ${BLOCK_ELEMENTS * words}>;

fn sh_load(e: u32) -> Fr {
  return fr_unpack(array<u32, ${words}>(${Array.from({ length: words }, (_, k) => `sh[e * ${words}u + ${k}u]`).join(', ')}));
}
fn sh_store(e: u32, a: Fr) {
  let w = fr_pack(a);
${Array.from({ length: words }, (_, k) => `  sh[e * ${words}u + ${k}u] = w[${k}];`).join('\n')}
}

// Row r of column x in a pass over stages [s0, s0 + t): x's low s0 bits, r, the rest of x (plan.ts blockIndex).
fn block_index(x: u32, r: u32, s0: u32, t: u32) -> u32 {
  return (x & ((1u << s0) - 1u)) | (r << s0) | ((x >> s0) << (s0 + t));
}

${BUTTERFLY}

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let W = wid.x + wid.y * nwg.x;
  if (W >= params.a5) {
    return;
  }
  let s0 = params.a0;
  let t = params.a1;
  let flags = params.a2;
  let m = params.a3;
  let dif = (flags & ${FLAG_DIF}u) != 0u;
  let post = (flags >> 2u) & 3u;
  let poly = W / params.a4;
  let first_col = (W % params.a4) << (${BLOCK_LOG}u - t);
  let col_bits = ${BLOCK_LOG}u - t;
  let cols = 1u << col_bits;
  let columns = m >> t;
  let base = poly * m;

  for (var j = 0u; j < ${BLOCK_ELEMENTS / 64}u; j++) {
    let e = j * 64u + lid;
    let x = first_col + (e & (cols - 1u));
    if (x < columns) {
      let o = (base + block_index(x, e >> col_bits, s0, t)) * ${words}u;
      if ((flags & ${FLAG_REDUCE}u) != 0u) {
        sh_store(e, fr_reduce_word(load_raw_data(o)));
      } else {
${Array.from({ length: words }, (_, k) => `        sh[e * ${words}u + ${k}u] = data[o + ${k}u];`).join('\n')}
      }
    }
  }
  workgroupBarrier();

  for (var d = 0u; d < t; d++) {
    // DIT runs the stages upwards, DIF downwards.
    var rel = d;
    if (dif) {
      rel = t - 1u - d;
    }
    let h = 1u << (s0 + rel);
    for (var j = 0u; j < ${BLOCK_ELEMENTS / 128}u; j++) {
      let u = j * 64u + lid;
      let q = u & (cols - 1u);
      let rr = u >> col_bits;
      let r = ((rr >> rel) << (rel + 1u)) | (rr & ((1u << rel) - 1u));
      let x = first_col + q;
      if (x < columns) {
        let k = block_index(x, r, s0, t) & (h - 1u);
        let e0 = (r << col_bits) | q;
        let e1 = ((r + (1u << rel)) << col_bits) | q;
        let y = butterfly(sh_load(e0), sh_load(e1), load_fr_tw((h + k) * ${words}u), dif);
        sh_store(e0, y[0]);
        sh_store(e1, y[1]);
      }
    }
    workgroupBarrier();
  }

  for (var j = 0u; j < ${BLOCK_ELEMENTS / 64}u; j++) {
    let e = j * 64u + lid;
    let x = first_col + (e & (cols - 1u));
    if (x < columns) {
      let g = block_index(x, e >> col_bits, s0, t);
      let o = (base + g) * ${words}u;
      if (post == ${POST_NONE}u) {
${Array.from({ length: words }, (_, k) => `        data[o + ${k}u] = sh[e * ${words}u + ${k}u];`).join('\n')}
      } else {
        var fo = 0u;
        if (post == ${POST_TABLE}u) {
          fo = g * ${words}u;
        }
        store_fr_data(o, fr_mul(sh_load(e), load_fr_fac(fo)));
      }
    }
  }
}
`;
}

/**
 * One stage across two chunks: element i of `x` pairs with element i of `y` (same offset, every polynomial of
 * the batch), twiddle `tw[i mod m]` (the table chunk for this chunk pair). params: count = batch·m,
 * a0 = flags (DIF, REDUCE), a1 = m.
 */
export function crossKernel(mul: MulVariant): string {
  return `${header(mul)}
@group(0) @binding(0) var<storage, read_write> x: array<u32>;
@group(0) @binding(1) var<storage, read_write> y: array<u32>;
@group(0) @binding(2) var<storage, read> tw: array<u32>;
@group(0) @binding(3) var<uniform> params: Params;
${fieldAccessors(FR_FIELD, 'x', true)}${fieldAccessors(FR_FIELD, 'y', true)}${fieldAccessors(FR_FIELD, 'tw', false)}
${BUTTERFLY}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let id = gid.x + gid.y * params.stride_x;
  if (id >= params.count) {
    return;
  }
  let o = id * 8u;
  var a: Fr;
  var b: Fr;
  if ((params.a0 & ${FLAG_REDUCE}u) != 0u) {
    a = fr_reduce_word(load_raw_x(o));
    b = fr_reduce_word(load_raw_y(o));
  } else {
    a = load_fr_x(o);
    b = load_fr_y(o);
  }
  let r = butterfly(a, b, load_fr_tw((id % params.a1) * 8u), (params.a0 & ${FLAG_DIF}u) != 0u);
  store_fr_x(o, r[0]);
  store_fr_y(o, r[1]);
}
`;
}

/**
 * Table entries: out[id] = lo[e mod 2^L] · hi[e >> L] (both Montgomery) for the exponent e of global entry
 * idx = a0 + id. Mode TWIDDLE: entry h + k (h the top bit of idx) → e = k·n/(2h), so entry = ω_{2h}^k when lo/hi
 * hold powers of ω_n; entry 0 → e = 0. Mode BITREV: e = bit reversal of idx over log n bits.
 * params: count = entries, a0 = first index, a1 = mode, a2 = log n, a3 = L.
 */
export function powersKernel(mul: MulVariant): string {
  return `${header(mul)}
@group(0) @binding(0) var<storage, read_write> out: array<u32>;
@group(0) @binding(1) var<storage, read> lo: array<u32>;
@group(0) @binding(2) var<storage, read> hi: array<u32>;
@group(0) @binding(3) var<uniform> params: Params;
${fieldAccessors(FR_FIELD, 'out', true)}${fieldAccessors(FR_FIELD, 'lo', false)}${fieldAccessors(FR_FIELD, 'hi', false)}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let id = gid.x + gid.y * params.stride_x;
  if (id >= params.count) {
    return;
  }
  let idx = params.a0 + id;
  let log_n = params.a2;
  var e = 0u;
  if (params.a1 == ${POWERS_TWIDDLE}u) {
    if (idx != 0u) {
      let lh = firstLeadingBit(idx);
      e = (idx - (1u << lh)) << (log_n - 1u - lh);
    }
  } else if (log_n != 0u) {
    e = reverseBits(idx) >> (32u - log_n);
  }
  let e_lo = e & ((1u << params.a3) - 1u);
  let e_hi = e >> params.a3;
  store_fr_out(id * 8u, fr_mul(load_fr_lo(e_lo * 8u), load_fr_hi(e_hi * 8u)));
}
`;
}

/**
 * h = a·b − c out of Montgomery form, for one chunk holding a, b, c (each m elements, Montgomery form); h
 * overwrites a. params: count = m.
 */
export function joinKernel(mul: MulVariant): string {
  return `${header(mul)}
@group(0) @binding(0) var<storage, read_write> abc: array<u32>;
@group(0) @binding(1) var<uniform> params: Params;
${fieldAccessors(FR_FIELD, 'abc', true)}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let id = gid.x + gid.y * params.stride_x;
  if (id >= params.count) {
    return;
  }
  let m = params.count;
  let ab = fr_mul(load_fr_abc(id * 8u), load_fr_abc((m + id) * 8u));
  store_fr_abc(id * 8u, fr_from_mont(fr_sub(ab, load_fr_abc((2u * m + id) * 8u))));
}
`;
}

/**
 * dst[p·n + j] = src[p·n + rev(j)] for every polynomial p of the batch: the bit-reversal permutation, out of
 * place (a gather: reads scattered, writes contiguous). params: count = batch·n, a0 = log n.
 */
export function permuteKernel(): string {
  return `${PARAMS_WGSL}
@group(0) @binding(0) var<storage, read> src: array<u32>;
@group(0) @binding(1) var<storage, read_write> dst: array<u32>;
@group(0) @binding(2) var<uniform> params: Params;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let id = gid.x + gid.y * params.stride_x;
  if (id >= params.count) {
    return;
  }
  let log_n = params.a0;
  var j = 0u;
  if (log_n != 0u) {
    j = reverseBits(id & ((1u << log_n) - 1u)) >> (32u - log_n);
  }
  let s = (((id >> log_n) << log_n) | j) * 8u;
  let d = id * 8u;
  for (var k = 0u; k < 8u; k++) {
    dst[d + k] = src[s + k];
  }
}
`;
}
