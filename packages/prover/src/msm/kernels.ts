/**
 * WGSL kernels of the bucket MSM. Every kernel has a single `pt_add`/`pt_madd` call site: Mesa (and other
 * compilers) inline every call, so each extra call site is another ~20k instructions to compile.
 *
 * Buffers hold packed points (see `gpu/wgsl/repr.ts`): affine 16 words, projective 24 words.
 */
import { CURVE_WGSL, pointAccessors } from '../gpu/wgsl/curve.js';
import { type MulVariant, PARAMS_WGSL, fieldWgsl, fpAccessors } from '../gpu/wgsl/field.js';

const header = (mul: MulVariant): string => `${fieldWgsl(mul)}\n${CURVE_WGSL}\n${PARAMS_WGSL}\n`;
const threadId = `let id = gid.x + gid.y * params.stride_x;
  if (id >= params.count) {
    return;
  }`;

/**
 * In place: ffjavascript affine LEM points (R = 2^256) → canonical packed Montgomery (R = 2^260), and checks
 * y² = x³ + 3. Infinity (all zero) is left as is. params: a0 = index of the first point in the whole input
 * (for the error report). `status[0]` receives the smallest index of a point off the curve.
 */
export function convertKernel(mul: MulVariant): string {
  return `${header(mul)}
@group(0) @binding(0) var<storage, read_write> pts: array<u32>;
@group(0) @binding(1) var<storage, read_write> status: array<atomic<u32>>;
@group(0) @binding(2) var<uniform> params: Params;
${fpAccessors('pts', true)}
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  ${threadId}
  let o = id * 16u;
  let rx = load_raw_pts(o);
  let ry = load_raw_pts(o + 8u);
  var any = 0u;
  for (var k = 0u; k < 8u; k++) {
    any |= rx[k] | ry[k];
  }
  if (any == 0u) {
    return;
  }
  let x = fp_from_ffjs(rx);
  let y = fp_from_ffjs(ry);
  let three = fp_add(fp_add(FP_ONE, FP_ONE), FP_ONE);
  let rhs = fp_add(fp_mul(fp_sqr(x), x), three);
  if (!fp_eq(fp_sqr(y), rhs)) {
    atomicMin(&status[0], params.a0 + id);
  }
  store_fp_pts(o, x);
  store_fp_pts(o + 8u, y);
}
`;
}

/** Sets `count` projective points of `buf` to infinity (0 : 1 : 0). */
export function fillInfinityKernel(mul: MulVariant): string {
  return `${header(mul)}
@group(0) @binding(0) var<storage, read_write> buf: array<u32>;
@group(0) @binding(1) var<uniform> params: Params;
${fpAccessors('buf', true)}${pointAccessors('buf', true)}
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  ${threadId}
  store_proj_buf(id, pt_infinity());
}
`;
}

/**
 * One thread per segment (start, len, out): sums ±points, writes the sum to `tmp_out[out]`, or, when out has
 * bit 31 set, adds it into `fin[out & 0x7fffffff]` (starting from that slot's value).
 * - affine: `pts` are affine, `entries[start + k]` = index | negate-bit (mixed addition).
 * - projective: `pts` are projective; params.a0 = 1: indices come from `entries` as above, 0: the segment
 *   covers `pts[start .. start + len)` directly.
 */
export function accumulateKernel(mul: MulVariant, input: 'affine' | 'projective'): string {
  const affine = input === 'affine';
  return `${header(mul)}
@group(0) @binding(0) var<storage, read> pts: array<u32>;
@group(0) @binding(1) var<storage, read> entries: array<u32>;
@group(0) @binding(2) var<storage, read> segs: array<u32>;
@group(0) @binding(3) var<storage, read_write> tmp_out: array<u32>;
@group(0) @binding(4) var<storage, read_write> fin: array<u32>;
@group(0) @binding(5) var<uniform> params: Params;
${fpAccessors('pts', false)}${pointAccessors('pts', false)}
${fpAccessors('tmp_out', true)}${pointAccessors('tmp_out', true)}
${fpAccessors('fin', true)}${pointAccessors('fin', true)}
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  ${threadId}
  let start = segs[3u * id];
  let len = segs[3u * id + 1u];
  let out = segs[3u * id + 2u];
  let is_final = (out & 0x80000000u) != 0u;
  let slot = out & 0x7fffffffu;
  var acc = pt_infinity();
  if (is_final) {
    acc = load_proj_fin(slot);
  }
  for (var k = 0u; k < len; k++) {
${
  affine
    ? `    let e = entries[start + k];
    var q = load_aff_pts(e & 0x7fffffffu);
    if ((e >> 31u) != 0u) {
      q.y = fp_neg(q.y);
    }
    acc = pt_madd(acc, q);`
    : `    var idx = start + k;
    var negate = false;
    if (params.a0 != 0u) {
      let e = entries[start + k];
      idx = e & 0x7fffffffu;
      negate = (e >> 31u) != 0u;
    }
    var q = load_proj_pts(idx);
    if (negate) {
      q.y = fp_neg(q.y);
    }
    acc = pt_add(acc, q);`
}
  }
  if (is_final) {
    store_proj_fin(slot, acc);
  } else {
    store_proj_tmp_out(slot, acc);
  }
}
`;
}

/**
 * Bucket reduction. Thread (w, j) owns buckets [lo, hi) of window w (bucket b holds digit b + 1) and writes
 * Σ_{b∈[lo,hi)} (b + 1)·B_b = running-sum part + lo·S, where the running sums over b = hi−1 … lo give
 * T = Σ (b − lo + 1)·B_b and S = Σ B_b, and lo·S is a double-and-add. All additions go through one `pt_add`
 * call in a small state machine (doubling is pt_add(m, m): the formula is complete).
 * params: count = windows·T, a0 = buckets per window, a1 = T (threads per window), a2 = buckets per thread.
 */
export function bucketReduceKernel(mul: MulVariant): string {
  return `${header(mul)}
@group(0) @binding(0) var<storage, read> buckets: array<u32>;
@group(0) @binding(1) var<storage, read_write> out: array<u32>;
@group(0) @binding(2) var<uniform> params: Params;
${fpAccessors('buckets', false)}${pointAccessors('buckets', false)}
${fpAccessors('out', true)}${pointAccessors('out', true)}
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  ${threadId}
  let per_window = params.a0;
  let w = id / params.a1;
  let j = id % params.a1;
  let lo = min(j * params.a2, per_window);
  let hi = min(lo + params.a2, per_window);
  let n = hi - lo;
  let base = w * per_window;
  var s = pt_infinity();
  var t = pt_infinity();
  var m = pt_infinity();
  // phase 0: 2n steps (even: s += B[hi − 1 − k/2]; odd: t += s); phase 1: m = lo·s; phase 2: t += m.
  var phase = 0u;
  var k = 0u;
  var bit = 32u - countLeadingZeros(lo);
  var doubling = true;
  loop {
    var lhs: PointP;
    var rhs: PointP;
    if (phase == 0u) {
      if (k >= 2u * n) {
        phase = 1u;
        continue;
      }
      if ((k & 1u) == 0u) {
        lhs = s;
        rhs = load_proj_buckets(base + hi - 1u - k / 2u);
      } else {
        lhs = t;
        rhs = s;
      }
    } else if (phase == 1u) {
      if (bit == 0u) {
        phase = 2u;
        continue;
      }
      lhs = m;
      if (doubling) {
        rhs = m;
      } else {
        rhs = s;
      }
    } else {
      lhs = t;
      rhs = m;
    }
    let r = pt_add(lhs, rhs);
    if (phase == 0u) {
      if ((k & 1u) == 0u) {
        s = r;
      } else {
        t = r;
      }
      k += 1u;
    } else if (phase == 1u) {
      m = r;
      if (doubling && ((lo >> (bit - 1u)) & 1u) == 1u) {
        doubling = false;
      } else {
        doubling = true;
        bit -= 1u;
      }
    } else {
      t = r;
      break;
    }
  }
  store_proj_out(id, t);
}
`;
}
