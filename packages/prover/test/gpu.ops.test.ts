/**
 * WGSL field and point arithmetic against the bigint oracle, bit for bit on the packed words the GPU writes.
 * Inputs are raw Montgomery values (R = 2^260) so that edge values (0, 1, p − 1, ...) are hit at the level the
 * shader sees them; point formulas commute with the Montgomery map, so GPU(mont(P)) must equal mont(oracle(P)).
 */
import { afterAll, expect, it } from 'vitest';
import { BN254_P } from '../src/field/constants.js';
import { Fp } from '../src/field/fields.js';
import {
  G1_INFINITY,
  type G1Affine,
  type G1Projective,
  PROJ_INFINITY,
  affineNeg,
  projAdd,
  projAddMixed,
  projDouble,
  projFromAffine,
  projNeg,
} from '../src/field/g1.js';
import { type ProverGpu, readBuffer, uploadChunked, withBindingLimit } from '../src/gpu/device.js';
import { type GpuOp, runGpuOp } from '../src/gpu/ops.js';
import { GPU_MONT_BITS, readWords, toGpuMont, writeWords } from '../src/gpu/wgsl/repr.js';
import { describeGpu, suiteSetup, testGpu } from './helpers/gpu.js';
import { Rng } from './helpers/rng.js';

const rng = new Rng(4);
const P = BN254_P;

/** Raw values that stress carries, borrows and the final subtraction. */
const EDGE: readonly bigint[] = [
  0n,
  1n,
  2n,
  P - 1n,
  P - 2n,
  (P - 1n) / 2n,
  (P + 1n) / 2n,
  (1n << 13n) - 1n,
  1n << 13n,
  (1n << 253n) + 12345n,
  P - (1n << 13n),
  Fp.mod(1n << 260n), // Montgomery 1
  Fp.mod((1n << 256n) - 1n),
  Fp.inv(Fp.mod(1n << 260n)),
];

function pack(values: readonly bigint[], wordsPer = 8): Uint32Array {
  const out = new Uint32Array(values.length * wordsPer);
  values.forEach((v, i) => writeWords(v, out, i * wordsPer));
  return out;
}

function unpack(words: Uint32Array, count: number): bigint[] {
  return Array.from({ length: count }, (_, i) => readWords(words, 8 * i));
}

function packProj(points: readonly G1Projective[]): Uint32Array {
  return pack(points.flatMap((p) => [toGpuMont(p.x), toGpuMont(p.y), toGpuMont(p.z)]));
}

function packAffine(points: readonly G1Affine[]): Uint32Array {
  return pack(points.flatMap((p) => [toGpuMont(p.x), toGpuMont(p.y)]));
}

function scaled(p: G1Affine, z: bigint): G1Projective {
  return p.x === 0n && p.y === 0n ? { x: 0n, y: z, z: 0n } : { x: Fp.mul(p.x, z), y: Fp.mul(p.y, z), z };
}

/** All pairs of edge values plus random pairs. */
function operands(): { a: bigint[]; b: bigint[] } {
  const a: bigint[] = [];
  const b: bigint[] = [];
  for (const x of EDGE) {
    for (const y of EDGE) {
      a.push(x);
      b.push(y);
    }
  }
  for (let i = 0; i < 300; i++) {
    a.push(rng.fp());
    b.push(rng.fp());
  }
  return { a, b };
}

describeGpu('WGSL arithmetic = bigint oracle (bit for bit)', () => {
  let gpu: ProverGpu;
  suiteSetup(async () => {
    gpu = await testGpu();
    console.info(`[gpu] ${gpu.info.backend}: ${gpu.info.description || gpu.info.device}`);
  });
  afterAll(() => gpu?.destroy());

  const { a, b } = operands();
  const fieldCases: Array<[GpuOp, (x: bigint, y: bigint) => bigint]> = [
    ['fp_add', (x, y) => Fp.add(x, y)],
    ['fp_sub', (x, y) => Fp.sub(x, y)],
    ['fp_mul', (x, y) => Fp.montMul(x, y, GPU_MONT_BITS)],
    ['fp_sqr', (x) => Fp.montMul(x, x, GPU_MONT_BITS)],
    ['fp_neg', (x) => Fp.neg(x)],
    ['fp_mul_b3', (x) => Fp.mul(9n, x)],
  ];

  for (const [op, oracle] of fieldCases) {
    it(`${op} on ${a.length} operand pairs (edge values × edge values + random)`, async () => {
      const unary = op === 'fp_sqr' || op === 'fp_neg' || op === 'fp_mul_b3';
      const out = unpack(await runGpuOp(gpu, op, pack(a), unary ? undefined : pack(b)), a.length);
      const expected = a.map((x, i) => oracle(x, b[i]));
      const bad = out.flatMap((v, i) => (v === expected[i] ? [] : [`${op}(${a[i]}, ${b[i]}) = ${v}, expected ${expected[i]}`]));
      expect(bad.slice(0, 5)).toEqual([]);
    });
  }

  it('fp_mul: the unrolled and rolled code variants agree bit for bit', async () => {
    const [u, r] = await Promise.all([runGpuOp(gpu, 'fp_mul', pack(a), pack(b), 'unrolled'), runGpuOp(gpu, 'fp_mul', pack(a), pack(b), 'rolled')]);
    expect(Buffer.from(u.buffer).equals(Buffer.from(r.buffer))).toBe(true);
    expect(unpack(u, a.length)).toEqual(a.map((x, i) => Fp.montMul(x, b[i], GPU_MONT_BITS)));
  });

  it('fp_from_ffjs converts any 256-bit ffjavascript word (R = 2^256) to canonical R = 2^260 form', async () => {
    const raw = [0n, 1n, P - 1n, P, P + 1n, 2n * P, 5n * P, 5n * P + 7n, (1n << 256n) - 1n, ...Array.from({ length: 50 }, () => rng.bits(256))];
    const out = unpack(await runGpuOp(gpu, 'fp_from_ffjs', pack(raw)), raw.length);
    expect(out).toEqual(raw.map((w) => toGpuMont(Fp.fromMont(w, 256))));
  });

  it('point add / mixed add / double / neg on random points, random Z, and every edge case', async () => {
    const pts = Array.from({ length: 24 }, () => rng.point());
    const lhs: G1Projective[] = [];
    const rhsProj: G1Projective[] = [];
    const rhsAff: G1Affine[] = [];
    const push = (x: G1Projective, y: G1Affine, zy = rng.fp() || 1n): void => {
      lhs.push(x);
      rhsAff.push(y);
      rhsProj.push(scaled(y, zy));
    };
    for (let i = 0; i + 1 < pts.length; i++) push(scaled(pts[i], rng.fp() || 1n), pts[i + 1]);
    for (const p of pts.slice(0, 6)) {
      const z = rng.fp() || 1n;
      push(scaled(p, z), p); // P + P
      push(scaled(p, z), affineNeg(p)); // P + (−P)
      push(PROJ_INFINITY, p); // ∞ + P
      push({ x: 0n, y: z, z: 0n }, p); // ∞ in another representation
    }
    const n = lhs.length;
    // Infinity on the right exists for the full addition only (mixed addition needs a finite affine point).
    const lhsInf = [...lhs, scaled(pts[0], 3n), PROJ_INFINITY];
    const rhsInf = [...rhsProj, projFromAffine(G1_INFINITY), PROJ_INFINITY];

    const [add, madd, dbl, neg] = await Promise.all([
      runGpuOp(gpu, 'pt_add', packProj(lhsInf), packProj(rhsInf)),
      runGpuOp(gpu, 'pt_madd', packProj(lhs), packAffine(rhsAff)),
      runGpuOp(gpu, 'pt_double', packProj(lhsInf)),
      runGpuOp(gpu, 'pt_neg', packProj(lhsInf)),
    ]);
    expect(Buffer.from(add.buffer).equals(Buffer.from(packProj(lhsInf.map((p, i) => projAdd(p, rhsInf[i]))).buffer))).toBe(true);
    expect(Buffer.from(madd.buffer).equals(Buffer.from(packProj(lhs.map((p, i) => projAddMixed(p, rhsAff[i]))).buffer))).toBe(true);
    expect(Buffer.from(dbl.buffer).equals(Buffer.from(packProj(lhsInf.map((p) => projDouble(p))).buffer))).toBe(true);
    expect(Buffer.from(neg.buffer).equals(Buffer.from(packProj(lhsInf.map((p) => projNeg(p))).buffer))).toBe(true);
    expect(n).toBeGreaterThan(40);
  });

  it('uploadChunked splits an input over several bindings below the limit, and it reads back intact', async () => {
    const small = withBindingLimit(gpu, 4096);
    const data = new Uint8Array(64 * 200).map((_, i) => (i * 7 + 3) & 0xff);
    const parts = uploadChunked(small, data, 64, 'test');
    try {
      expect(parts.length).toBe(Math.ceil(data.length / 4096));
      const back = await Promise.all(parts.map((p) => readBuffer(small, p.buffer, p.count * 64)));
      expect(Buffer.concat(back).equals(Buffer.from(data))).toBe(true);
      for (const p of parts) expect(p.count * 64).toBeLessThanOrEqual(4096);
    } finally {
      for (const p of parts) p.buffer.destroy();
    }
  });
});
