/**
 * CPU reference MSMs (bigint). Deliberately plain and independent of the GPU path: Jacobian coordinates with
 * the textbook special-cased formulas (the GPU uses complete projective formulas), unsigned windows, no scalar
 * negation, no grouping. Agreement between the two is evidence, not tautology.
 */
import { BN254_R } from '../field/constants.js';
import { decodeG1AffineLEM, decodeScalarsLE } from '../field/encoding.js';
import { type G1Affine, type G1Jacobian, JAC_INFINITY, jacAdd, jacAddAffine, jacDouble, jacFromAffine, jacMul, jacToAffine } from '../field/g1.js';
import { ProverError } from '../errors.js';
import { msmInputSize } from './input.js';

function checkLengths(points: readonly unknown[], scalars: readonly unknown[]): void {
  if (points.length !== scalars.length) throw new ProverError('INVALID_INPUT', `${points.length} points but ${scalars.length} scalars`);
}

/** Σ s_i·P_i by one double-and-add per term. For tiny inputs and for checking the others. */
export function msmNaive(points: readonly G1Affine[], scalars: readonly bigint[]): G1Affine {
  checkLengths(points, scalars);
  let acc = JAC_INFINITY;
  for (let i = 0; i < points.length; i++) acc = jacAdd(acc, jacMul(jacFromAffine(points[i]), scalars[i]));
  return jacToAffine(acc);
}

/** Σ s_i·P_i by Pippenger's bucket method with unsigned c-bit windows over s_i mod r. */
export function msmPippenger(points: readonly G1Affine[], scalars: readonly bigint[], windowBits?: number): G1Affine {
  checkLengths(points, scalars);
  const n = points.length;
  if (n === 0) return jacToAffine(JAC_INFINITY);
  const c = windowBits ?? Math.max(2, Math.min(16, Math.round(Math.log2(n)) - 2));
  const reduced = scalars.map((s) => ((s % BN254_R) + BN254_R) % BN254_R);
  const windows = Math.ceil(254 / c);
  const mask = (1n << BigInt(c)) - 1n;
  let acc: G1Jacobian = JAC_INFINITY;
  for (let w = windows - 1; w >= 0; w--) {
    for (let i = 0; i < c; i++) acc = jacDouble(acc);
    const buckets: G1Jacobian[] = new Array<G1Jacobian>(1 << c).fill(JAC_INFINITY);
    const shift = BigInt(w * c);
    for (let i = 0; i < n; i++) {
      const d = Number((reduced[i] >> shift) & mask);
      if (d !== 0) buckets[d] = jacAddAffine(buckets[d], points[i]);
    }
    let running: G1Jacobian = JAC_INFINITY;
    let sum: G1Jacobian = JAC_INFINITY;
    for (let d = (1 << c) - 1; d >= 1; d--) {
      running = jacAdd(running, buckets[d]);
      sum = jacAdd(sum, running);
    }
    acc = jacAdd(acc, sum);
  }
  return jacToAffine(acc);
}

/** `msmPippenger` over ffjavascript-format buffers (64-byte LEM bases, 32-byte LE scalars). */
export function msmReferenceLEM(bases: Uint8Array, scalars: Uint8Array): G1Affine {
  msmInputSize(bases, scalars);
  return msmPippenger(decodeG1AffineLEM(bases), decodeScalarsLE(scalars));
}
