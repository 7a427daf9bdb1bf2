import { describe, expect, it } from 'vitest';
import { BN254_P, BN254_R } from '../src/field/constants.js';
import {
  bigintFromBytesLE,
  bigintToBytesLE,
  g1FromSnarkjs,
  g1ToSnarkjs,
  readG1AffineLEM,
  readG1JacobianLEM,
  writeG1AffineLEM,
  writeFpLEM,
} from '../src/field/encoding.js';
import { Fp, Fr } from '../src/field/fields.js';
import {
  G1_GENERATOR,
  G1_INFINITY,
  PROJ_INFINITY,
  affineAdd,
  affineDouble,
  affineEq,
  affineNeg,
  g1Mul,
  isOnCurve,
  jacAdd,
  jacAddAffine,
  jacDouble,
  jacFromAffine,
  jacToAffine,
  projAdd,
  projAddMixed,
  projDouble,
  projEq,
  projFromAffine,
  projToAffine,
  type G1Affine,
  type G1Projective,
} from '../src/field/g1.js';
import { Rng } from './helpers/rng.js';

const rng = new Rng(1);

/** A representation of p with a random Z (the formulas must not care). */
function scaled(p: G1Affine, z: bigint): G1Projective {
  return projFromAffine(p).z === 0n ? { x: 0n, y: z, z: 0n } : { x: Fp.mul(p.x, z), y: Fp.mul(p.y, z), z };
}

describe('BN254 parameters', () => {
  it('has p ≡ 3 (mod 4), 254-bit p and r, and G = (1, 2) on the curve with order r', () => {
    expect(BN254_P % 4n).toBe(3n);
    expect(Fp.bits).toBe(254);
    expect(Fr.bits).toBe(254);
    expect(isOnCurve(G1_GENERATOR)).toBe(true);
    expect(g1Mul(G1_GENERATOR, BN254_R)).toEqual(G1_INFINITY);
    expect(g1Mul(G1_GENERATOR, BN254_R - 1n)).toEqual(affineNeg(G1_GENERATOR));
    expect(g1Mul(G1_GENERATOR, BN254_R + 5n)).toEqual(g1Mul(G1_GENERATOR, 5n));
  });
});

describe('PrimeField', () => {
  it('add/sub/mul/neg agree with plain modular bigint arithmetic, including 0, 1, p − 1', () => {
    const values = [0n, 1n, 2n, BN254_P - 1n, BN254_P - 2n, (BN254_P - 1n) / 2n, ...Array.from({ length: 40 }, () => rng.fp())];
    for (const a of values) {
      for (const b of values.slice(0, 12)) {
        expect(Fp.add(a, b)).toBe((a + b) % BN254_P);
        expect(Fp.sub(a, b)).toBe((((a - b) % BN254_P) + BN254_P) % BN254_P);
        expect(Fp.mul(a, b)).toBe((a * b) % BN254_P);
      }
      expect(Fp.add(a, Fp.neg(a))).toBe(0n);
    }
  });

  it('inverts, and takes square roots of squares only', () => {
    for (let i = 0; i < 20; i++) {
      const a = rng.fp() || 1n;
      expect(Fp.mul(a, Fp.inv(a))).toBe(1n);
      expect(Fr.mul(a % BN254_R || 1n, Fr.inv(a % BN254_R || 1n))).toBe(1n);
      const s = Fp.sqrt(Fp.sqr(a));
      expect(s === a || s === Fp.neg(a)).toBe(true);
    }
    expect(() => Fp.inv(0n)).toThrow(RangeError);
    expect(Fp.sqrt(BN254_P - 1n)).toBeUndefined(); // −1 is a non-residue when p ≡ 3 (mod 4)
  });

  it('Montgomery helpers round-trip and montMul(aR, bR) = abR for R = 2^256 and 2^260', () => {
    for (const bits of [256, 260]) {
      for (let i = 0; i < 10; i++) {
        const a = rng.fp();
        const b = rng.fp();
        expect(Fp.fromMont(Fp.toMont(a, bits), bits)).toBe(a);
        expect(Fp.montMul(Fp.toMont(a, bits), Fp.toMont(b, bits), bits)).toBe(Fp.toMont(Fp.mul(a, b), bits));
      }
    }
  });
});

describe('G1 reference arithmetic', () => {
  const pts = Array.from({ length: 12 }, () => rng.point());

  it('random points are on the curve; off-curve and non-canonical points are not', () => {
    for (const p of pts) expect(isOnCurve(p)).toBe(true);
    expect(isOnCurve(G1_INFINITY)).toBe(true);
    expect(isOnCurve({ x: 1n, y: 3n })).toBe(false);
    expect(isOnCurve({ x: 1n + BN254_P, y: 2n })).toBe(false);
  });

  it('affine, Jacobian and projective (RCB) additions agree, edge cases included', () => {
    const cases: Array<[G1Affine, G1Affine]> = [];
    for (let i = 0; i + 1 < pts.length; i++) cases.push([pts[i], pts[i + 1]]);
    for (const p of pts.slice(0, 4)) {
      cases.push([p, p], [p, affineNeg(p)], [p, G1_INFINITY], [G1_INFINITY, p]);
    }
    cases.push([G1_INFINITY, G1_INFINITY]);
    for (const [a, b] of cases) {
      const expected = affineAdd(a, b);
      expect(jacToAffine(jacAdd(jacFromAffine(a), jacFromAffine(b)))).toEqual(expected);
      expect(jacToAffine(jacAddAffine(jacFromAffine(a), b))).toEqual(expected);
      const za = rng.fp() || 1n;
      const zb = rng.fp() || 1n;
      expect(projToAffine(projAdd(scaled(a, za), scaled(b, zb)))).toEqual(expected);
      if (!affineEq(b, G1_INFINITY)) expect(projToAffine(projAddMixed(scaled(a, za), b))).toEqual(expected);
    }
  });

  it('doublings agree and equal P + P', () => {
    for (const p of [...pts, G1_INFINITY]) {
      const expected = affineDouble(p);
      expect(affineAdd(p, p)).toEqual(expected);
      expect(jacToAffine(jacDouble(jacFromAffine(p)))).toEqual(expected);
      const z = rng.fp() || 1n;
      expect(projToAffine(projDouble(scaled(p, z)))).toEqual(expected);
      expect(projEq(projDouble(scaled(p, z)), projAdd(scaled(p, z), scaled(p, 1n)))).toBe(true);
    }
  });

  it('projective infinity in any representation (0 : Y : 0) is absorbed by the complete formulas', () => {
    const p = pts[0];
    for (const inf of [PROJ_INFINITY, { x: 0n, y: 12345n, z: 0n }]) {
      expect(projToAffine(projAdd(inf, projFromAffine(p)))).toEqual(p);
      expect(projToAffine(projAddMixed(inf, p))).toEqual(p);
      expect(projToAffine(projDouble(inf))).toEqual(G1_INFINITY);
      expect(projToAffine(projAdd(inf, inf))).toEqual(G1_INFINITY);
    }
  });

  it('scalar multiplication is linear: (a + b)·G = a·G + b·G, and reduces mod r', () => {
    for (let i = 0; i < 4; i++) {
      const a = rng.scalar();
      const b = rng.scalar();
      expect(g1Mul(G1_GENERATOR, a + b)).toEqual(affineAdd(g1Mul(G1_GENERATOR, a), g1Mul(G1_GENERATOR, b)));
      expect(g1Mul(pts[i], a + BN254_R)).toEqual(g1Mul(pts[i], a));
    }
    expect(g1Mul(pts[0], 0n)).toEqual(G1_INFINITY);
    expect(g1Mul(pts[0], 1n)).toEqual(pts[0]);
    expect(g1Mul(G1_INFINITY, 7n)).toEqual(G1_INFINITY);
  });
});

describe('encodings', () => {
  it('little-endian integers round-trip and reject overflow', () => {
    const x = rng.bits(256);
    expect(bigintFromBytesLE(bigintToBytesLE(x))).toBe(x);
    expect(bigintToBytesLE(1n)[0]).toBe(1);
    expect(() => bigintToBytesLE(1n << 256n)).toThrow(RangeError);
  });

  it('LEM points round-trip; infinity is 64 zero bytes', () => {
    const p = rng.point();
    expect(readG1AffineLEM(writeG1AffineLEM(p))).toEqual(p);
    expect(writeG1AffineLEM(G1_INFINITY).every((b) => b === 0)).toBe(true);
    expect(readG1AffineLEM(new Uint8Array(64))).toEqual(G1_INFINITY);
    // The generator's x in LEM is 2^256 mod p.
    expect(bigintFromBytesLE(writeG1AffineLEM(G1_GENERATOR))).toBe((1n << 256n) % BN254_P);
  });

  it('reads a 96-byte Jacobian LEM point (Z = 0 is infinity)', () => {
    const p = rng.point();
    const z = rng.fp() || 1n;
    const buf = new Uint8Array(96);
    writeFpLEM(Fp.mul(p.x, Fp.sqr(z)), buf, 0);
    writeFpLEM(Fp.mul(p.y, Fp.mul(Fp.sqr(z), z)), buf, 32);
    writeFpLEM(z, buf, 64);
    expect(readG1JacobianLEM(buf)).toEqual(p);
    buf.fill(0, 64);
    expect(readG1JacobianLEM(buf)).toEqual(G1_INFINITY);
  });

  it('snarkjs JSON form: [x, y, "1"], infinity ["0", "1", "0"]', () => {
    const p = rng.point();
    expect(g1ToSnarkjs(p)).toEqual([p.x.toString(), p.y.toString(), '1']);
    expect(g1FromSnarkjs(g1ToSnarkjs(p))).toEqual(p);
    expect(g1ToSnarkjs(G1_INFINITY)).toEqual(['0', '1', '0']);
    expect(g1FromSnarkjs(['0', '1', '0'])).toEqual(G1_INFINITY);
  });
});
