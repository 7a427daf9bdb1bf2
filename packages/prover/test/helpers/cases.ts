/**
 * MSM inputs with the edge cases real witnesses and zkeys produce: zero scalars, 1 and −1, scalars equal to and
 * above r (up to 2^256 − 1: snarkjs does not reduce), infinity bases (unused wires in a zkey), repeated bases,
 * P and −P, repeated scalars.
 */
import { BN254_R } from '../../src/field/constants.js';
import { G1_INFINITY, type G1Affine, affineNeg } from '../../src/field/g1.js';
import { encodeG1AffineLEM, encodeScalarsLE } from '../../src/field/encoding.js';
import { Rng } from './rng.js';

export interface MsmCase {
  name: string;
  points: G1Affine[];
  scalars: bigint[];
}

export const SPECIAL_SCALARS: readonly bigint[] = [
  0n,
  1n,
  2n,
  BN254_R - 1n,
  BN254_R - 2n,
  BN254_R,
  BN254_R + 1n,
  2n * BN254_R + 3n,
  (BN254_R - 1n) / 2n,
  (BN254_R + 1n) / 2n,
  (1n << 253n) - 1n,
  (1n << 256n) - 1n,
  1n << 255n,
  0xffffn,
  1n << 128n,
];

export function randomCase(rng: Rng, n: number, name = `random ${n}`): MsmCase {
  return { name, points: Array.from({ length: n }, () => rng.point()), scalars: Array.from({ length: n }, () => rng.scalar()) };
}

/**
 * n inputs mixing everything: random and special scalars, repeated scalars, infinity, repeated points, P and −P.
 * A pool of distinct points is drawn first and reused, so that repeated points are common.
 */
export function edgeCase(rng: Rng, n: number, name = `edge ${n}`): MsmCase {
  const pool = Array.from({ length: Math.max(1, Math.ceil(n / 3)) }, () => rng.point());
  const repeated = [rng.scalar(), rng.scalar(), 7n, BN254_R - 7n];
  const points: G1Affine[] = [];
  const scalars: bigint[] = [];
  for (let i = 0; i < n; i++) {
    const kind = rng.int(10);
    const base = pool[rng.int(pool.length)];
    points.push(kind === 0 ? G1_INFINITY : kind === 1 ? affineNeg(base) : base);
    const sk = rng.int(4);
    scalars.push(sk === 0 ? SPECIAL_SCALARS[rng.int(SPECIAL_SCALARS.length)] : sk === 1 ? repeated[rng.int(repeated.length)] : sk === 2 ? rng.bits(256) : rng.scalar());
  }
  return { name, points, scalars };
}

/** Cases that must cancel or vanish exactly. */
export function degenerateCases(rng: Rng): MsmCase[] {
  const p = rng.point();
  const q = rng.point();
  const s = rng.scalar();
  return [
    { name: 'empty', points: [], scalars: [] },
    { name: 'single point, scalar 1', points: [p], scalars: [1n] },
    { name: 'single point, scalar r − 1', points: [p], scalars: [BN254_R - 1n] },
    { name: 'single point, scalar 2^256 − 1', points: [p], scalars: [(1n << 256n) - 1n] },
    { name: 'single point, scalar 0', points: [p], scalars: [0n] },
    { name: 'single point, scalar r', points: [p], scalars: [BN254_R] },
    { name: 'single infinity', points: [G1_INFINITY], scalars: [s] },
    { name: 'P·s + (−P)·s = ∞', points: [p, affineNeg(p)], scalars: [s, s] },
    { name: 'P·s + P·(r − s) = ∞', points: [p, p], scalars: [s, BN254_R - s] },
    { name: 'P + P (same bucket doubles)', points: [p, p], scalars: [s, s] },
    { name: 'all zero scalars', points: [p, q, p], scalars: [0n, BN254_R, 2n * BN254_R] },
    { name: 'all infinity', points: [G1_INFINITY, G1_INFINITY], scalars: [s, 1n] },
    { name: 'ones and minus ones', points: [p, q, p, q, p], scalars: [1n, 1n, BN254_R - 1n, 1n, 1n] },
  ];
}

export function encodeCase(c: Pick<MsmCase, 'points' | 'scalars'>): { bases: Uint8Array; scalars: Uint8Array } {
  return { bases: encodeG1AffineLEM(c.points), scalars: encodeScalarsLE(c.scalars) };
}
