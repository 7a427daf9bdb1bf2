/**
 * The generated Fr (BN254 scalar field) WGSL against the bigint oracle, bit for bit on the packed words: the
 * same generator as Fp with r as modulus. Inputs are raw words so edge values (0, 1, r − 1, words ≥ r where a
 * function takes any 256-bit word) reach the shader as such. The conversions are also tied to ffjavascript's
 * own Montgomery bytes (R = 2^256).
 */
import type { FfjsCurve } from 'ffjavascript';
import { afterAll, describe, expect, it } from 'vitest';
import { BN254_P, BN254_R } from '../src/field/constants.js';
import { bigintFromBytesLE } from '../src/field/encoding.js';
import { Fr } from '../src/field/fields.js';
import { type ProverGpu } from '../src/gpu/device.js';
import { FP_FIELD, fieldAccessors, fieldConversionsWgsl, fieldWgsl, fpAccessors } from '../src/gpu/wgsl/field.js';
import { GPU_MONT_BITS, readWords, writeWords } from '../src/gpu/wgsl/repr.js';
import type { FfjsFrCurve } from '../src/ntt/ffjs.js';
import { FR_FIELD } from '../src/ntt/kernels.js';
import { type FrOp, runFrOp } from '../src/ntt/ops.js';
import { ffjsCurve } from './helpers/ffjs.js';
import { describeGpu, suiteSetup, testGpu } from './helpers/gpu.js';
import { Rng } from './helpers/rng.js';

const rng = new Rng(13);
const R = BN254_R;
const toMont = (x: bigint): bigint => Fr.toMont(x, GPU_MONT_BITS);
const fromMont = (x: bigint): bigint => Fr.fromMont(x, GPU_MONT_BITS);

/** Canonical raw values that stress carries, borrows and the final subtraction. */
const EDGE: readonly bigint[] = [
  0n,
  1n,
  2n,
  R - 1n,
  R - 2n,
  (R - 1n) / 2n,
  (R + 1n) / 2n,
  (1n << 13n) - 1n,
  1n << 13n,
  (1n << 253n) + 12345n,
  R - (1n << 13n),
  Fr.mod(1n << 260n), // Montgomery 1
  Fr.mod((1n << 256n) - 1n),
  Fr.inv(Fr.mod(1n << 260n)),
];
/** Any 256-bit words, for the functions that reduce. */
const WORDS: readonly bigint[] = [0n, 1n, R - 1n, R, R + 1n, 2n * R, 5n * R, 5n * R + 7n, (1n << 256n) - 1n, (1n << 255n) + 3n, BN254_P];

function pack(values: readonly bigint[]): Uint32Array {
  const out = new Uint32Array(values.length * 8);
  values.forEach((v, i) => writeWords(v, out, i * 8));
  return out;
}
const unpack = (words: Uint32Array): bigint[] => Array.from({ length: words.length / 8 }, (_, i) => readWords(words, 8 * i));

function operands(): { a: bigint[]; b: bigint[] } {
  const a: bigint[] = [];
  const b: bigint[] = [];
  for (const x of EDGE) {
    for (const y of EDGE) {
      a.push(x);
      b.push(y);
    }
  }
  for (let i = 0; i < 200; i++) {
    a.push(rng.scalar());
    b.push(rng.scalar());
  }
  return { a, b };
}

describe('field generator', () => {
  it('fieldWgsl(mul) is the Fp library of fieldWgsl({ prefix: "fp", modulus: p }); accessors likewise', () => {
    for (const mul of ['rolled', 'unrolled'] as const) expect(fieldWgsl(mul)).toBe(fieldWgsl({ ...FP_FIELD, mul }));
    expect(fieldWgsl()).toBe(fieldWgsl({ ...FP_FIELD, mul: 'unrolled' }));
    expect(fpAccessors('x', true)).toBe(fieldAccessors(FP_FIELD, 'x', true));
  });

  it('the Fr library has only fr_ names, r as modulus, and no curve constant', () => {
    const fr = fieldWgsl({ ...FR_FIELD, mul: 'rolled' }) + fieldConversionsWgsl(FR_FIELD);
    expect(fr).not.toMatch(/\bfp_|\bFp\b|FP_/);
    expect(fr).toMatch(/fn fr_mul\(a: Fr, b: Fr\) -> Fr/);
    expect(fr).not.toMatch(/mul_b3/);
    expect(fieldWgsl({ ...FR_FIELD, limbConstants: false })).not.toMatch(/const LIMB_BITS/);
    expect(() => fieldWgsl({ prefix: 'Fr', modulus: R })).toThrow(RangeError);
    expect(() => fieldWgsl({ prefix: 'fq', modulus: 1n << 255n })).toThrow(RangeError);
  });
});

describeGpu('WGSL Fr arithmetic = bigint oracle (bit for bit)', () => {
  let gpu: ProverGpu;
  let curve: FfjsFrCurve;
  suiteSetup(async () => {
    [gpu, curve] = await Promise.all([testGpu(), ffjsCurve() as Promise<FfjsCurve> as unknown as Promise<FfjsFrCurve>]);
  });
  afterAll(async () => {
    gpu?.destroy();
    await curve?.terminate();
  });

  const run = async (op: FrOp, a: readonly bigint[], b?: readonly bigint[]): Promise<bigint[]> => unpack(await runFrOp(gpu, op, pack(a), b ? pack(b) : undefined));

  it('Fp and Fr libraries compile together in one module (shared limb constants once)', async () => {
    const code = `${fieldWgsl('rolled')}\n${fieldWgsl({ ...FR_FIELD, mul: 'rolled', limbConstants: false })}\n${fieldConversionsWgsl(FR_FIELD)}
@compute @workgroup_size(1) fn main() { let x = fr_mul(FR_ONE, fr_to_mont(fp_pack(fp_mul(FP_ONE, FP_ONE)))); }`;
    const info = await gpu.device.createShaderModule({ code }).getCompilationInfo();
    expect(info.messages.filter((m) => m.type === 'error').map((m) => m.message)).toEqual([]);
  });

  const { a, b } = operands();
  const cases: Array<[FrOp, (x: bigint, y: bigint) => bigint]> = [
    ['fr_add', (x, y) => Fr.add(x, y)],
    ['fr_sub', (x, y) => Fr.sub(x, y)],
    ['fr_neg', (x) => Fr.neg(x)],
    ['fr_mul', (x, y) => Fr.montMul(x, y, GPU_MONT_BITS)],
    ['fr_sqr', (x) => Fr.montMul(x, x, GPU_MONT_BITS)],
    ['fr_from_mont', (x) => fromMont(x)],
    ['fr_to_ffjs', (x) => Fr.toMont(fromMont(x), 256)],
  ];
  for (const [op, oracle] of cases) {
    it(`${op} on ${a.length} operands (edge × edge + random)`, async () => {
      const out = await run(op, a, ['fr_add', 'fr_sub', 'fr_mul'].includes(op) ? b : undefined);
      const bad = out.flatMap((v, i) => (v === oracle(a[i], b[i]) ? [] : [`${op}(${a[i]}, ${b[i]}) = ${v}, expected ${oracle(a[i], b[i])}`]));
      expect(bad.slice(0, 5)).toEqual([]);
    });
  }

  it('fr_to_mont, fr_from_ffjs and fr_reduce_word take any 256-bit word (≥ r included) and reduce it', async () => {
    const words = [...WORDS, ...EDGE, ...Array.from({ length: 60 }, () => rng.bits(256))];
    expect(await run('fr_to_mont', words)).toEqual(words.map((w) => toMont(Fr.mod(w))));
    expect(await run('fr_from_ffjs', words)).toEqual(words.map((w) => toMont(Fr.fromMont(w, 256))));
    expect(await run('fr_reduce_word', words)).toEqual(words.map((w) => Fr.mod(w)));
  });

  it("conversions agree with ffjavascript's own Montgomery bytes (R = 2^256) both ways", async () => {
    const xs = [0n, 1n, R - 1n, (R + 1n) / 2n, ...Array.from({ length: 40 }, () => rng.scalar())];
    const ffjs = xs.map((x) => bigintFromBytesLE(curve.Fr.e(x)));
    // ffjavascript → GPU Montgomery → standard form = x
    expect(await run('fr_from_mont', await run('fr_from_ffjs', ffjs))).toEqual(xs);
    // standard form → GPU Montgomery → ffjavascript bytes = Fr.e(x)
    expect(await run('fr_to_ffjs', await run('fr_to_mont', xs))).toEqual(ffjs);
  });

  it('fr_mul: the unrolled and rolled code variants agree bit for bit', async () => {
    const [u, r] = await Promise.all([
      runFrOp(gpu, 'fr_mul', pack(a), pack(b), { mul: 'unrolled', ops: ['fr_mul'] }),
      runFrOp(gpu, 'fr_mul', pack(a), pack(b), { mul: 'rolled' }),
    ]);
    expect(Buffer.from(u.buffer).equals(Buffer.from(r.buffer))).toBe(true);
    expect(unpack(u)).toEqual(a.map((x, i) => Fr.montMul(x, b[i], GPU_MONT_BITS)));
  });
});
