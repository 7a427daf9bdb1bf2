/**
 * `createFrNtt` on every backend against snarkjs itself: single NTTs against ffjavascript's `Fr.fft`/`Fr.ifft`,
 * and `groth16H` against the H step of snarkjs's `groth16_prove.js` replayed call for call with ffjavascript
 * (ifft, batchApplyKey(·, 1, inc), fft, qap_joinABC + batchFromMontgomery) on the same inputs: random, all
 * zero, and edge values (0, 1, r − 1, and words ≥ r up to 2^256 − 1, which every backend reduces mod r).
 * The WebGPU part also forces chunking, batches, odd views, concurrency and device loss.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isProverError } from '../src/errors.js';
import { BN254_R } from '../src/field/constants.js';
import { type ProverGpu, withBindingLimit } from '../src/gpu/device.js';
import { decodeFr, encodeFr, nttReference } from '../src/ntt/cpu.js';
import type { FfjsFrCurve, FfjsTask } from '../src/ntt/ffjs.js';
import { GpuNtt } from '../src/ntt/gpu.js';
import { type FrNtt, type NttBackend, createFrNtt } from '../src/ntt/index.js';
import { ffjsCurve } from './helpers/ffjs.js';
import { describeGpu, suiteSetup, testGpu } from './helpers/gpu.js';
import { Rng } from './helpers/rng.js';

const rng = new Rng(2028);
const H_SIZES = [1, 2, 4, 16, 256, 4096];
const EDGE = [0n, 1n, 2n, BN254_R - 1n, BN254_R - 2n, BN254_R, BN254_R + 1n, 2n * BN254_R + 5n, (1n << 256n) - 1n, (BN254_R + 1n) / 2n, 1n << 253n];

const random = (n: number): Uint8Array => encodeFr(Array.from({ length: n }, () => rng.scalar()));
const edge = (n: number): Uint8Array => encodeFr(Array.from({ length: n }, () => (rng.int(3) === 0 ? rng.scalar() : EDGE[rng.int(EDGE.length)])));
const same = (a: Uint8Array, b: Uint8Array): boolean => Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

/** ffjavascript's fft/ifft on standard-form bytes. */
async function ffjsNttOracle(curve: FfjsFrCurve, x: Uint8Array, inverse: boolean): Promise<Uint8Array> {
  const m = await curve.Fr.batchToMontgomery(x);
  return curve.Fr.batchFromMontgomery(inverse ? await curve.Fr.ifft(m) : await curve.Fr.fft(m));
}

/** groth16_prove.js from buildABC1's output on: the evaluations in Montgomery form, then the H step. */
async function snarkjsH(curve: FfjsFrCurve, a: Uint8Array, b: Uint8Array, c: Uint8Array): Promise<Uint8Array> {
  const Fr = curve.Fr;
  const power = Math.log2(a.byteLength / 32);
  const [buffA_T, buffB_T, buffC_T] = [await Fr.batchToMontgomery(a), await Fr.batchToMontgomery(b), await Fr.batchToMontgomery(c)];
  const inc = power == Fr.s ? Fr.shift : Fr.w[power + 1];
  const buffA = await Fr.ifft(buffA_T);
  const buffAodd = await Fr.batchApplyKey(buffA, Fr.e(1), inc);
  const buffAodd_T = await Fr.fft(buffAodd);
  const buffB = await Fr.ifft(buffB_T);
  const buffBodd = await Fr.batchApplyKey(buffB, Fr.e(1), inc);
  const buffBodd_T = await Fr.fft(buffBodd);
  const buffC = await Fr.ifft(buffC_T);
  const buffCodd = await Fr.batchApplyKey(buffC, Fr.e(1), inc);
  const buffCodd_T = await Fr.fft(buffCodd);
  // joinABC (one chunk: n < 2^22)
  const n = buffAodd_T.byteLength / 32;
  const task: FfjsTask[] = [
    { cmd: 'ALLOCSET', var: 0, buff: buffAodd_T },
    { cmd: 'ALLOCSET', var: 1, buff: buffBodd_T },
    { cmd: 'ALLOCSET', var: 2, buff: buffCodd_T },
    { cmd: 'ALLOC', var: 3, len: n * 32 },
    { cmd: 'CALL', fnName: 'qap_joinABC', params: [{ var: 0 }, { var: 1 }, { var: 2 }, { val: n }, { var: 3 }] },
    { cmd: 'CALL', fnName: 'frm_batchFromMontgomery', params: [{ var: 3 }, { val: n }, { var: 3 }] },
    { cmd: 'GET', out: 0, var: 3, len: n * 32 },
  ];
  return (await curve.tm.queueAction(task))[0];
}

/** Every backend must reject these the same way. */
async function expectInvalid(ntt: FrNtt): Promise<void> {
  const x = random(4);
  const cases: Array<[string, () => Promise<unknown>]> = [
    ['ntt of 33 bytes', () => ntt.ntt(new Uint8Array(33))],
    ['ntt of 0 elements', () => ntt.ntt(new Uint8Array(0))],
    ['ntt of 3 elements', () => ntt.ntt(random(3))],
    ['ntt of 12 elements', () => ntt.ntt(random(12), { inverse: true })],
    ['H with B shorter', () => ntt.groth16H(x, random(2), x)],
    ['H with C of 100 bytes', () => ntt.groth16H(x, x, new Uint8Array(100))],
    ['H of 6 elements', () => ntt.groth16H(random(6), random(6), random(6))],
  ];
  for (const [what, f] of cases) {
    let err: unknown;
    try {
      await f();
    } catch (e) {
      err = e;
    }
    expect(isProverError(err, 'INVALID_INPUT'), `${ntt.backend}: ${what} → ${String(err)}`).toBe(true);
    expect((err as { hint: string }).hint.length, what).toBeGreaterThan(0);
  }
}

/** The shared checks: NTTs = ffjavascript, H = snarkjs step by step, zeros, edge values. */
function backendSuite(backend: NttBackend, getNtt: () => FrNtt, getCurve: () => FfjsFrCurve): void {
  it(`${backend}: ntt and inverse = ffjavascript Fr.fft / Fr.ifft (n = 1 … 4096, random and edge values)`, async () => {
    const ntt = getNtt();
    for (const n of [1, 2, 4, 8, 16, 256, 512, 4096]) {
      if (backend === 'reference' && n > 512) continue; // bigint: covered at 4096 by the H test below
      for (const x of [random(n), edge(n)]) {
        for (const inverse of [false, true]) {
          const ours = await ntt.ntt(x, { inverse });
          expect(same(ours, await ffjsNttOracle(getCurve(), x, inverse)), `n = ${n}, inverse ${inverse}`).toBe(true);
        }
      }
    }
  });

  it(`${backend}: groth16H = snarkjs's H step replayed with ffjavascript at n = ${H_SIZES.join(', ')}`, async () => {
    const ntt = getNtt();
    for (const n of H_SIZES) {
      const [a, b, c] = [random(n), random(n), random(n)];
      expect(same(await ntt.groth16H(a, b, c), await snarkjsH(getCurve(), a, b, c)), `n = ${n}`).toBe(true);
    }
  });

  it(`${backend}: groth16H on all-zero inputs, edge values (words ≥ r reduced), and A·B = C (h = 0 on the domain, not on the coset)`, async () => {
    const ntt = getNtt();
    const zero = new Uint8Array(64 * 32);
    expect(same(await ntt.groth16H(zero, zero, zero), zero)).toBe(true);
    for (const n of [1, 2, 16, 256]) {
      const [a, b, c] = [edge(n), edge(n), edge(n)];
      expect(same(await ntt.groth16H(a, b, c), await snarkjsH(getCurve(), a, b, c)), `edge n = ${n}`).toBe(true);
    }
    // A satisfied QAP: C = A·B pointwise, so A·B − C vanishes on the domain; H's scalars are its coset values.
    const n = 16;
    const av = decodeFr(random(n));
    const bv = decodeFr(random(n));
    const cv = av.map((v, i) => (v * bv[i]) % BN254_R);
    const [a, b, c] = [encodeFr(av), encodeFr(bv), encodeFr(cv)];
    const h = await ntt.groth16H(a, b, c);
    expect(same(h, await snarkjsH(getCurve(), a, b, c))).toBe(true);
    expect(decodeFr(h).some((v) => v !== 0n)).toBe(true);
  });

  it(`${backend}: rejects bad lengths with INVALID_INPUT and a hint; takes unaligned views and leaves them intact`, async () => {
    await expectInvalid(getNtt());
    const x = new Uint8Array(3 + 16 * 32 + 5).subarray(3, 3 + 16 * 32);
    x.set(edge(16));
    const copy = x.slice();
    expect(same(await getNtt().ntt(x, { inverse: true }), await ffjsNttOracle(getCurve(), copy, true))).toBe(true);
    expect(same(await getNtt().groth16H(x, copy, x), await snarkjsH(getCurve(), copy, copy, copy))).toBe(true);
    expect(same(x, copy)).toBe(true);
  });
}

describe('Fr NTT, CPU backends = snarkjs (ffjavascript)', () => {
  let curve: FfjsFrCurve;
  const engines: Partial<Record<NttBackend, FrNtt>> = {};
  beforeAll(async () => {
    curve = (await ffjsCurve()) as unknown as FfjsFrCurve;
    engines.reference = await createFrNtt({ backend: 'reference' });
    engines.ffjavascript = await createFrNtt({ backend: 'ffjavascript', singleThread: true });
  });
  afterAll(async () => {
    await engines.reference?.close();
    await engines.ffjavascript?.close();
    await curve?.terminate();
  });

  for (const backend of ['reference', 'ffjavascript'] as const) backendSuite(backend, () => engines[backend]!, () => curve);

  it('backend descriptions', () => {
    expect(engines.reference!.backend).toBe('reference');
    expect(engines.ffjavascript!.description).toMatch(/ffjavascript/);
  });
});

describeGpu('Fr NTT on WebGPU = reference = snarkjs (ffjavascript)', () => {
  let gpu: ProverGpu;
  let curve: FfjsFrCurve;
  let ntt: FrNtt;
  let engine: GpuNtt;

  suiteSetup(async () => {
    [gpu, curve] = await Promise.all([testGpu(), ffjsCurve() as unknown as Promise<FfjsFrCurve>]);
    ntt = await createFrNtt({ backend: 'webgpu', gpu });
    engine = await GpuNtt.create(gpu);
  });
  afterAll(async () => {
    await ntt?.close();
    await engine?.close();
    gpu?.destroy();
    await curve?.terminate();
  });

  backendSuite('webgpu', () => ntt, () => curve);

  it('webgpu: 2^17 (three block passes) = ffjavascript, forward and inverse', async () => {
    const x = random(2 ** 17);
    for (const inverse of [false, true]) expect(same(await engine.ntt(x, { inverse }), await ffjsNttOracle(curve, x, inverse)), `inverse ${inverse}`).toBe(true);
  });

  it('batches: 5 polynomials in one set of dispatches = 5 reference NTTs', async () => {
    const polys = Array.from({ length: 5 }, (_, i) => (i % 2 ? edge(256) : random(256)));
    for (const inverse of [false, true]) {
      const out = await engine.nttBatch(polys, { inverse });
      out.forEach((o, i) => expect(decodeFr(o), `poly ${i}, inverse ${inverse}`).toEqual(nttReference(decodeFr(polys[i]), inverse)));
    }
    expect(engine.lastStats!.polynomials).toBe(5);
    expect(engine.lastStats!.dispatches).toBeLessThanOrEqual(4);
  });

  it('polynomials split over several bindings (withBindingLimit): cross-chunk stages, host bit reversal', async () => {
    for (const limit of [4096, 8192]) {
      const small = await GpuNtt.create(withBindingLimit(gpu, limit));
      try {
        const x = edge(1024);
        for (const inverse of [false, true]) {
          expect(same(await small.ntt(x, { inverse }), await ffjsNttOracle(curve, x, inverse)), `limit ${limit}, inverse ${inverse}`).toBe(true);
          expect(small.lastStats!.chunkElements).toBeLessThan(1024);
        }
        const [a, b, c] = [random(1024), edge(1024), random(1024)];
        expect(same(await small.groth16H(a, b, c), await snarkjsH(curve, a, b, c)), `H, limit ${limit}`).toBe(true);
        expect(small.lastStats!.chunkElements * 3 * 32).toBeLessThanOrEqual(limit);
      } finally {
        await small.close();
      }
    }
  });

  it('a binding limit too small even for the factor tables is GPU_LIMIT_EXCEEDED with a clear message', async () => {
    const tiny = await GpuNtt.create(withBindingLimit(gpu, 1024));
    try {
      let err: unknown;
      try {
        await tiny.groth16H(random(4096), random(4096), random(4096));
      } catch (e) {
        err = e;
      }
      expect(isProverError(err, 'GPU_LIMIT_EXCEEDED'), String(err)).toBe(true);
      expect((err as Error).message).toMatch(/binding/);
      // The same engine still works where the tables fit.
      const x = random(64);
      expect(same(await tiny.ntt(x), await ffjsNttOracle(curve, x, false))).toBe(true);
    } finally {
      await tiny.close();
    }
  });

  it('unaligned input views, concurrent calls on one engine and on the shared device', async () => {
    const backing = new Uint8Array(1 + 3 * 256 * 32);
    const x = backing.subarray(1, 1 + 256 * 32);
    x.set(random(256));
    const y = random(256);
    const [fx, fy, hx, fxInv] = await Promise.all([ntt.ntt(x), engine.ntt(y), engine.groth16H(x, y, x), ntt.ntt(x, { inverse: true })]);
    expect(same(fx, await ffjsNttOracle(curve, x, false))).toBe(true);
    expect(same(fy, await ffjsNttOracle(curve, y, false))).toBe(true);
    expect(same(fxInv, await ffjsNttOracle(curve, x, true))).toBe(true);
    expect(same(hx, await snarkjsH(curve, x, y, x))).toBe(true);
  });

  it('twiddle tables are cached per size and dropped beyond the budget', async () => {
    const e = await GpuNtt.create(gpu, { tableCacheBytes: 64 * 1024 });
    try {
      await e.ntt(random(1024));
      expect(e.lastStats!.tablesBuilt).toBe(1);
      await e.ntt(random(1024));
      expect(e.lastStats!.tablesBuilt).toBe(0);
      await e.ntt(random(2048)); // 64 KiB: the 2^10 table goes
      expect(e.cachedTableBytes).toBeLessThanOrEqual(64 * 1024);
      const x = random(1024);
      expect(same(await e.ntt(x), await ffjsNttOracle(curve, x, false))).toBe(true);
      expect(e.lastStats!.tablesBuilt).toBe(1);
    } finally {
      await e.close();
    }
  });

  it('createFrNtt with a shared device leaves it usable after close; a lost device is GPU_DEVICE_ERROR', async () => {
    const shared = await createFrNtt({ gpu });
    expect(shared.backend).toBe('webgpu');
    await shared.close();
    const x = random(16);
    expect(same(await engine.ntt(x), await ffjsNttOracle(curve, x, false))).toBe(true);

    const own = await testGpu();
    const doomed = await GpuNtt.create(own);
    own.destroy();
    await own.lost;
    let err: unknown;
    try {
      await doomed.ntt(x);
    } catch (e) {
      err = e;
    }
    expect(isProverError(err, 'GPU_DEVICE_ERROR'), String(err)).toBe(true);
  });
});
