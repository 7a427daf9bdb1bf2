/**
 * BN254 G1 reference arithmetic (bigint, standard — not Montgomery — coordinates).
 *
 * Three coordinate systems, each with its own role:
 * - affine (x, y): the exchange format. Infinity is (0, 0), ffjavascript's convention ((0, 0) is not on the
 *   curve since 0 ≠ 3, so the encoding is unambiguous).
 * - Jacobian (X, Y, Z) ~ (X/Z², Y/Z³), infinity Z = 0: the CPU reference MSM (textbook EFD formulas with
 *   explicit special cases). Independent of the GPU's formulas, so agreement between the two means something.
 * - homogeneous projective (X, Y, Z) ~ (X/Z, Y/Z), infinity (0 : Y : 0): the GPU's coordinates. `projAdd`,
 *   `projAddMixed` and `projDouble` are the complete formulas of Renes–Costello–Batina 2015 (Algorithms 7, 8,
 *   9 for a = 0) written op by op exactly as the WGSL does them, so for the same inputs the GPU must return the
 *   same (X, Y, Z) bit for bit — not only the same point.
 */
import { BN254_B, BN254_B3, BN254_P, BN254_R } from './constants.js';
import { Fp } from './fields.js';

export interface G1Affine {
  readonly x: bigint;
  readonly y: bigint;
}
export interface G1Jacobian {
  readonly x: bigint;
  readonly y: bigint;
  readonly z: bigint;
}
export interface G1Projective {
  readonly x: bigint;
  readonly y: bigint;
  readonly z: bigint;
}

const P = BN254_P;
const add = (a: bigint, b: bigint): bigint => {
  const s = a + b;
  return s >= P ? s - P : s;
};
const sub = (a: bigint, b: bigint): bigint => {
  const d = a - b;
  return d < 0n ? d + P : d;
};
const mul = (a: bigint, b: bigint): bigint => (a * b) % P;
const sqr = (a: bigint): bigint => (a * a) % P;
const mulB3 = (a: bigint): bigint => (a * BN254_B3) % P;

export const G1_INFINITY: G1Affine = Object.freeze({ x: 0n, y: 0n });
export const G1_GENERATOR: G1Affine = Object.freeze({ x: 1n, y: 2n });
export const JAC_INFINITY: G1Jacobian = Object.freeze({ x: 1n, y: 1n, z: 0n });
export const PROJ_INFINITY: G1Projective = Object.freeze({ x: 0n, y: 1n, z: 0n });

// ---------------------------------------------------------------- affine

export function isInfinity(p: G1Affine): boolean {
  return p.x === 0n && p.y === 0n;
}

/** True for infinity and for canonical (x, y) with y² = x³ + 3. */
export function isOnCurve(p: G1Affine): boolean {
  if (isInfinity(p)) return true;
  if (!Fp.isValid(p.x) || !Fp.isValid(p.y)) return false;
  return sqr(p.y) === add(mul(sqr(p.x), p.x), BN254_B);
}

export function affineEq(a: G1Affine, b: G1Affine): boolean {
  return a.x === b.x && a.y === b.y;
}

export function affineNeg(p: G1Affine): G1Affine {
  return isInfinity(p) ? G1_INFINITY : { x: p.x, y: Fp.neg(p.y) };
}

/** Textbook chord-and-tangent addition with every special case spelled out. */
export function affineAdd(a: G1Affine, b: G1Affine): G1Affine {
  if (isInfinity(a)) return b;
  if (isInfinity(b)) return a;
  if (a.x === b.x) {
    if (a.y === b.y && a.y !== 0n) return affineDouble(a);
    return G1_INFINITY; // b = -a
  }
  const lambda = mul(sub(b.y, a.y), Fp.inv(sub(b.x, a.x)));
  const x = sub(sub(sqr(lambda), a.x), b.x);
  return { x, y: sub(mul(lambda, sub(a.x, x)), a.y) };
}

export function affineDouble(a: G1Affine): G1Affine {
  if (isInfinity(a) || a.y === 0n) return G1_INFINITY;
  const lambda = mul(mul(3n, sqr(a.x)), Fp.inv(add(a.y, a.y)));
  const x = sub(sqr(lambda), add(a.x, a.x));
  return { x, y: sub(mul(lambda, sub(a.x, x)), a.y) };
}

/** The point with x = `x` and the given parity of y, or undefined if x³ + 3 is not a square. */
export function pointFromX(x: bigint, yOdd: boolean): G1Affine | undefined {
  const xx = Fp.mod(x);
  let y = Fp.sqrt(add(mul(sqr(xx), xx), BN254_B));
  if (y === undefined) return undefined;
  if ((y & 1n) === 1n !== yOdd) y = Fp.neg(y);
  return { x: xx, y };
}

// ---------------------------------------------------------------- Jacobian

export function jacFromAffine(p: G1Affine): G1Jacobian {
  return isInfinity(p) ? JAC_INFINITY : { x: p.x, y: p.y, z: 1n };
}

export function jacIsInfinity(p: G1Jacobian): boolean {
  return p.z === 0n;
}

export function jacToAffine(p: G1Jacobian): G1Affine {
  if (p.z === 0n) return G1_INFINITY;
  const zInv = Fp.inv(p.z);
  const zInv2 = sqr(zInv);
  return { x: mul(p.x, zInv2), y: mul(p.y, mul(zInv2, zInv)) };
}

export function jacNeg(p: G1Jacobian): G1Jacobian {
  return { x: p.x, y: Fp.neg(p.y), z: p.z };
}

/** dbl-2009-l (a = 0). */
export function jacDouble(p: G1Jacobian): G1Jacobian {
  if (p.z === 0n || p.y === 0n) return JAC_INFINITY;
  const a = sqr(p.x);
  const b = sqr(p.y);
  const c = sqr(b);
  const t = sqr(add(p.x, b));
  const d0 = sub(sub(t, a), c);
  const d = add(d0, d0);
  const e = add(add(a, a), a);
  const f = sqr(e);
  const x3 = sub(f, add(d, d));
  const c8 = mul(8n, c);
  const y3 = sub(mul(e, sub(d, x3)), c8);
  const yz = mul(p.y, p.z);
  return { x: x3, y: y3, z: add(yz, yz) };
}

/** add-2007-bl with the special cases (infinity, P + P, P + (−P)). */
export function jacAdd(p: G1Jacobian, q: G1Jacobian): G1Jacobian {
  if (p.z === 0n) return q;
  if (q.z === 0n) return p;
  const z1z1 = sqr(p.z);
  const z2z2 = sqr(q.z);
  const u1 = mul(p.x, z2z2);
  const u2 = mul(q.x, z1z1);
  const s1 = mul(mul(p.y, q.z), z2z2);
  const s2 = mul(mul(q.y, p.z), z1z1);
  const h = sub(u2, u1);
  const rr = sub(s2, s1);
  if (h === 0n) return rr === 0n ? jacDouble(p) : JAC_INFINITY;
  const h2 = add(h, h);
  const i = sqr(h2);
  const j = mul(h, i);
  const r = add(rr, rr);
  const v = mul(u1, i);
  const x3 = sub(sub(sqr(r), j), add(v, v));
  const s1j = mul(s1, j);
  const y3 = sub(mul(r, sub(v, x3)), add(s1j, s1j));
  const z3 = mul(sub(sub(sqr(add(p.z, q.z)), z1z1), z2z2), h);
  return { x: x3, y: y3, z: z3 };
}

/** madd-2007-bl: Jacobian + affine, with the special cases. */
export function jacAddAffine(p: G1Jacobian, q: G1Affine): G1Jacobian {
  if (isInfinity(q)) return p;
  if (p.z === 0n) return jacFromAffine(q);
  const z1z1 = sqr(p.z);
  const u2 = mul(q.x, z1z1);
  const s2 = mul(mul(q.y, p.z), z1z1);
  const h = sub(u2, p.x);
  const rr = sub(s2, p.y);
  if (h === 0n) return rr === 0n ? jacDouble(p) : JAC_INFINITY;
  const hh = sqr(h);
  const i = add(add(hh, hh), add(hh, hh));
  const j = mul(h, i);
  const r = add(rr, rr);
  const v = mul(p.x, i);
  const x3 = sub(sub(sqr(r), j), add(v, v));
  const yj = mul(p.y, j);
  const y3 = sub(mul(r, sub(v, x3)), add(yj, yj));
  const z3 = sub(sub(sqr(add(p.z, h)), z1z1), hh);
  return { x: x3, y: y3, z: z3 };
}

/** k·P by double-and-add over k mod r (any k, negative included). */
export function jacMul(p: G1Jacobian, k: bigint): G1Jacobian {
  let e = ((k % BN254_R) + BN254_R) % BN254_R;
  let acc = JAC_INFINITY;
  let base = p;
  while (e > 0n) {
    if (e & 1n) acc = jacAdd(acc, base);
    base = jacDouble(base);
    e >>= 1n;
  }
  return acc;
}

export function g1Mul(p: G1Affine, k: bigint): G1Affine {
  return jacToAffine(jacMul(jacFromAffine(p), k));
}

// ---------------------------------------------------------------- homogeneous projective (the GPU's formulas)

export function projFromAffine(p: G1Affine): G1Projective {
  return isInfinity(p) ? PROJ_INFINITY : { x: p.x, y: p.y, z: 1n };
}

export function projIsInfinity(p: G1Projective): boolean {
  return p.z === 0n;
}

export function projToAffine(p: G1Projective): G1Affine {
  if (p.z === 0n) return G1_INFINITY;
  const zInv = Fp.inv(p.z);
  return { x: mul(p.x, zInv), y: mul(p.y, zInv) };
}

export function projNeg(p: G1Projective): G1Projective {
  return { x: p.x, y: Fp.neg(p.y), z: p.z };
}

/** Equality as points (cross-multiplied), not as representations. */
export function projEq(a: G1Projective, b: G1Projective): boolean {
  if (a.z === 0n || b.z === 0n) return a.z === 0n && b.z === 0n;
  return mul(a.x, b.z) === mul(b.x, a.z) && mul(a.y, b.z) === mul(b.y, a.z);
}

/** RCB15 Algorithm 7: complete addition, a = 0 (12M + 2·m_3b). Valid for every pair of inputs. */
export function projAdd(p: G1Projective, q: G1Projective): G1Projective {
  let t0 = mul(p.x, q.x);
  let t1 = mul(p.y, q.y);
  let t2 = mul(p.z, q.z);
  let t3 = add(p.x, p.y);
  let t4 = add(q.x, q.y);
  t3 = mul(t3, t4);
  t4 = add(t0, t1);
  t3 = sub(t3, t4);
  t4 = add(p.y, p.z);
  let x3 = add(q.y, q.z);
  t4 = mul(t4, x3);
  x3 = add(t1, t2);
  t4 = sub(t4, x3);
  x3 = add(p.x, p.z);
  let y3 = add(q.x, q.z);
  x3 = mul(x3, y3);
  y3 = add(t0, t2);
  y3 = sub(x3, y3);
  x3 = add(t0, t0);
  t0 = add(x3, t0);
  t2 = mulB3(t2);
  let z3 = add(t1, t2);
  t1 = sub(t1, t2);
  y3 = mulB3(y3);
  x3 = mul(t4, y3);
  t2 = mul(t3, t1);
  x3 = sub(t2, x3);
  y3 = mul(y3, t0);
  t1 = mul(t1, z3);
  y3 = add(t1, y3);
  t0 = mul(t0, t3);
  z3 = mul(z3, t4);
  z3 = add(z3, t0);
  return { x: x3, y: y3, z: z3 };
}

/**
 * RCB15 Algorithm 8: mixed addition, a = 0 (11M + 2·m_3b). `q` must be a finite affine point (Z = 1); `p` may
 * be anything, infinity included.
 */
export function projAddMixed(p: G1Projective, q: G1Affine): G1Projective {
  let t0 = mul(p.x, q.x);
  let t1 = mul(p.y, q.y);
  let t3 = add(q.x, q.y);
  let t4 = add(p.x, p.y);
  t3 = mul(t3, t4);
  t4 = add(t0, t1);
  t3 = sub(t3, t4);
  t4 = mul(q.y, p.z);
  t4 = add(t4, p.y);
  let y3 = mul(q.x, p.z);
  y3 = add(y3, p.x);
  let x3 = add(t0, t0);
  t0 = add(x3, t0);
  let t2 = mulB3(p.z);
  let z3 = add(t1, t2);
  t1 = sub(t1, t2);
  y3 = mulB3(y3);
  x3 = mul(t4, y3);
  t2 = mul(t3, t1);
  x3 = sub(t2, x3);
  y3 = mul(y3, t0);
  t1 = mul(t1, z3);
  y3 = add(t1, y3);
  t0 = mul(t0, t3);
  z3 = mul(z3, t4);
  z3 = add(z3, t0);
  return { x: x3, y: y3, z: z3 };
}

/** RCB15 Algorithm 9: doubling, a = 0 (6M + 2S + 1·m_3b). Valid for every input. */
export function projDouble(p: G1Projective): G1Projective {
  let t0 = sqr(p.y);
  let z3 = add(t0, t0);
  z3 = add(z3, z3);
  z3 = add(z3, z3);
  let t1 = mul(p.y, p.z);
  let t2 = sqr(p.z);
  t2 = mulB3(t2);
  let x3 = mul(t2, z3);
  let y3 = add(t0, t2);
  z3 = mul(t1, z3);
  t1 = add(t2, t2);
  t2 = add(t1, t2);
  t0 = sub(t0, t2);
  y3 = mul(t0, y3);
  y3 = add(x3, y3);
  t1 = mul(p.x, p.y);
  x3 = mul(t0, t1);
  x3 = add(x3, x3);
  return { x: x3, y: y3, z: z3 };
}
