import type { FfjsCurve } from 'ffjavascript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { G1_GENERATOR, G1_INFINITY, g1Mul } from '../src/field/g1.js';
import { encodeG1AffineLEM, readG1AffineLEM, writeG1AffineLEM } from '../src/field/encoding.js';
import { isProverError } from '../src/errors.js';
import { msmNaive, msmPippenger, msmReferenceLEM } from '../src/msm/cpu.js';
import { createG1Msm } from '../src/msm/index.js';
import { degenerateCases, edgeCase, encodeCase, randomCase } from './helpers/cases.js';
import { ffjsCurve, ffjsMsm } from './helpers/ffjs.js';
import { Rng } from './helpers/rng.js';

const rng = new Rng(2);
let curve: FfjsCurve;

beforeAll(async () => {
  curve = await ffjsCurve();
});
afterAll(async () => {
  await curve?.terminate();
});

describe('encoding matches ffjavascript', () => {
  it('reads ffjavascript’s generator and affine zero', () => {
    expect(readG1AffineLEM(curve.G1.toAffine(curve.G1.g))).toEqual(G1_GENERATOR);
    expect(readG1AffineLEM(curve.G1.zeroAffine)).toEqual(G1_INFINITY);
  });

  it('writes points ffjavascript reads back (k·G computed both ways)', () => {
    for (let i = 0; i < 4; i++) {
      const k = rng.scalar();
      const ours = g1Mul(G1_GENERATOR, k);
      const theirs = curve.G1.toAffine(curve.G1.timesScalar(curve.G1.g, k));
      expect(Buffer.from(writeG1AffineLEM(ours)).toString('hex')).toBe(Buffer.from(theirs).toString('hex'));
    }
  });
});

describe('CPU reference MSM', () => {
  it('Pippenger = naive = ffjavascript on degenerate cases', async () => {
    for (const c of degenerateCases(rng)) {
      const { bases, scalars } = encodeCase(c);
      const expected = await ffjsMsm(curve, bases, scalars);
      expect(msmNaive(c.points, c.scalars), c.name).toEqual(expected);
      expect(msmPippenger(c.points, c.scalars), c.name).toEqual(expected);
      expect(msmReferenceLEM(bases, scalars), c.name).toEqual(expected);
    }
  });

  it('Pippenger = naive = ffjavascript at 1, 2, 7 and 64 points with edge cases, several window sizes', async () => {
    for (const n of [1, 2, 7, 64]) {
      for (const c of [randomCase(rng, n), edgeCase(rng, n)]) {
        const { bases, scalars } = encodeCase(c);
        const expected = await ffjsMsm(curve, bases, scalars);
        expect(msmNaive(c.points, c.scalars), c.name).toEqual(expected);
        for (const w of [2, 5, 8]) expect(msmPippenger(c.points, c.scalars, w), `${c.name} c=${w}`).toEqual(expected);
      }
    }
  });

  it('Pippenger = ffjavascript at 1000 points with edge cases', async () => {
    const c = edgeCase(rng, 1000);
    const { bases, scalars } = encodeCase(c);
    expect(msmPippenger(c.points, c.scalars)).toEqual(await ffjsMsm(curve, bases, scalars));
  });

  it('rejects mismatched lengths', () => {
    expect(() => msmNaive([G1_GENERATOR], [])).toThrow(/1 points but 0 scalars/);
    expect(() => msmReferenceLEM(encodeG1AffineLEM([G1_GENERATOR]), new Uint8Array(31))).toThrow(/1 bases need 32 bytes of scalars, got 31/);
  });
});

describe('createG1Msm CPU backends', () => {
  it('ffjavascript (through snarkjs) and reference agree on edge cases and reject bad lengths alike', async () => {
    const [ff, ref] = await Promise.all([createG1Msm({ backend: 'ffjavascript', singleThread: true }), createG1Msm({ backend: 'reference' })]);
    try {
      expect(ff.backend).toBe('ffjavascript');
      for (const c of [...degenerateCases(rng), edgeCase(rng, 40)]) {
        const { bases, scalars } = encodeCase(c);
        expect(await ff.msm(bases, scalars), c.name).toEqual(await ref.msm(bases, scalars));
      }
      for (const m of [ff, ref]) {
        await expect(m.msm(new Uint8Array(64), new Uint8Array(33))).rejects.toSatisfy((e: unknown) => isProverError(e, 'INVALID_INPUT'));
      }
    } finally {
      await Promise.all([ff.close(), ref.close()]);
    }
  });
});
