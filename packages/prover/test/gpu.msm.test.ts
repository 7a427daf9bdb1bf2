/**
 * The WebGPU bucket MSM against the CPU reference and against snarkjs's own `G1.multiExpAffine` (ffjavascript),
 * at 1, 2, 7, 64 and 1000 points, with the edge cases of real witnesses and zkeys, and with the chunking,
 * window and tree-depth paths forced on small inputs.
 */
import type { FfjsCurve } from 'ffjavascript';
import { afterAll, expect, it } from 'vitest';
import { isProverError } from '../src/errors.js';
import { BN254_P, BN254_R } from '../src/field/constants.js';
import { bigintFromBytesLE, bigintToBytesLE, encodeG1AffineLEM, encodeScalarsLE } from '../src/field/encoding.js';
import { G1_INFINITY } from '../src/field/g1.js';
import { type ProverGpu, withBindingLimit } from '../src/gpu/device.js';
import { msmPippenger } from '../src/msm/cpu.js';
import { GpuMsm } from '../src/msm/gpu.js';
import { createG1Msm } from '../src/msm/index.js';
import { type MsmCase, degenerateCases, edgeCase, encodeCase, randomCase } from './helpers/cases.js';
import { ffjsCurve, ffjsMsm } from './helpers/ffjs.js';
import { describeGpu, suiteSetup, testGpu } from './helpers/gpu.js';
import { Rng } from './helpers/rng.js';

const rng = new Rng(5);

describeGpu('GPU MSM = CPU reference = snarkjs (ffjavascript multiExpAffine)', () => {
  let gpu: ProverGpu;
  let msm: GpuMsm;
  let curve: FfjsCurve;

  suiteSetup(async () => {
    [gpu, curve] = await Promise.all([testGpu(), ffjsCurve()]);
    msm = await GpuMsm.create(gpu);
  });
  afterAll(async () => {
    gpu?.destroy();
    await curve?.terminate();
  });

  async function check(c: MsmCase, engine: GpuMsm = msm): Promise<void> {
    const { bases, scalars } = encodeCase(c);
    const [ours, theirs] = await Promise.all([engine.msm(bases, scalars), ffjsMsm(curve, bases, scalars)]);
    expect(ours, `${c.name}: GPU vs ffjavascript`).toEqual(theirs);
    expect(ours, `${c.name}: GPU vs CPU reference`).toEqual(msmPippenger(c.points, c.scalars));
  }

  it('degenerate inputs: empty, single point, cancellations, all-zero scalars, all-infinity bases', async () => {
    for (const c of degenerateCases(rng)) await check(c);
  });

  it('1, 2, 7 and 64 points: random and edge-case inputs', async () => {
    for (const n of [1, 2, 7, 64]) {
      await check(randomCase(rng, n));
      await check(edgeCase(rng, n));
    }
  });

  it('1000 points: random, edge-case, and witness-like (mostly 0, 1, −1 and a few repeated values)', async () => {
    await check(randomCase(rng, 1000));
    await check(edgeCase(rng, 1000));
    const w = randomCase(rng, 1000, 'witness-like 1000');
    const common = [0n, 1n, BN254_R - 1n, rng.scalar(), rng.scalar()];
    w.scalars = w.scalars.map((s, i) => (i % 5 === 4 ? s : common[rng.int(common.length)]));
    await check(w);
    const stats = msm.lastStats!;
    expect(stats.groups).toBeGreaterThan(0); // the two repeated random scalars were grouped
    expect(stats.zeroScalars).toBeGreaterThan(100);
  });

  it('hot buckets: 1000 points with the same scalar, and with scalar 1', async () => {
    const c = randomCase(rng, 1000, 'all equal');
    const s = rng.scalar();
    await check({ ...c, scalars: c.scalars.map(() => s) });
    expect(msm.lastStats!.groups).toBe(1);
    await check({ ...c, name: 'all ones', scalars: c.scalars.map(() => 1n) });
    expect(msm.lastStats!.bucketEntries).toBe(1000);
  });

  it('forced paths: window sizes 2 and 12, segment size 2 (deep trees), grouping off, many chunks', async () => {
    const c = edgeCase(rng, 300);
    for (const opts of [{ windowBits: 2 }, { windowBits: 12 }, { segmentSize: 2 }, { groupRepeated: false }, { maxChunkPoints: 37, segmentSize: 3 }]) {
      const engine = await GpuMsm.create(gpu, opts);
      await check({ ...c, name: `edge 300 ${JSON.stringify(opts)}` }, engine);
    }
  });

  it('inputs larger than one storage binding are split into chunks (64 KiB binding limit)', async () => {
    const small = withBindingLimit(gpu, 64 * 1024);
    const engine = await GpuMsm.create(small);
    await check(edgeCase(rng, 1000, 'edge 1000, 64 KiB bindings'), engine);
    expect(engine.lastStats!.chunks).toBeGreaterThan(1);
  });

  it('accepts non-canonical coordinate words (x + p) like ffjavascript and reduces them', async () => {
    const c = randomCase(rng, 5);
    const { bases, scalars } = encodeCase(c);
    const bumped = bases.slice();
    const x0 = bigintFromBytesLE(bumped, 0);
    if (x0 + BN254_P < 1n << 256n) bigintToBytesLE(x0 + BN254_P, bumped, 0);
    expect(await msm.msm(bumped, scalars)).toEqual(await msm.msm(bases, scalars));
  });

  it('rejects a base that is not on the curve (INVALID_POINT with its index) and mismatched lengths', async () => {
    const c = randomCase(rng, 10);
    const { bases, scalars } = encodeCase(c);
    bases[7 * 64 + 3] ^= 1;
    await expect(msm.msm(bases, scalars)).rejects.toSatisfy((e: unknown) => isProverError(e, 'INVALID_POINT') && (e.data as { index: number }).index === 7);
    await expect(msm.msm(bases, scalars.subarray(0, 32 * 9))).rejects.toSatisfy((e: unknown) => isProverError(e, 'INVALID_INPUT'));
    await expect(msm.msm(bases.subarray(1), scalars)).rejects.toSatisfy((e: unknown) => isProverError(e, 'INVALID_INPUT'));
  });

  it('unaligned input views work (scalars at an odd byte offset)', async () => {
    const c = randomCase(rng, 9);
    const bases = encodeG1AffineLEM(c.points);
    const raw = new Uint8Array(9 * 32 + 1);
    raw.set(encodeScalarsLE(c.scalars), 1);
    expect(await msm.msm(bases, raw.subarray(1))).toEqual(msmPippenger(c.points, c.scalars));
    expect(await msm.msm(new Uint8Array(0), new Uint8Array(0))).toEqual(G1_INFINITY);
  });

  it('concurrent calls on one engine are serialised and each gets its own result', async () => {
    const cases = [randomCase(rng, 50), edgeCase(rng, 70), randomCase(rng, 3)];
    const results = await Promise.all(cases.map((c) => msm.msm(encodeCase(c).bases, encodeCase(c).scalars)));
    results.forEach((r, i) => expect(r, cases[i].name).toEqual(msmPippenger(cases[i].points, cases[i].scalars)));
  });

  it('createG1Msm: auto picks WebGPU when an adapter exists; a borrowed device is left open', async () => {
    const m = await createG1Msm({ backend: 'auto', gpu });
    expect(m.backend).toBe('webgpu');
    const c = edgeCase(rng, 20);
    expect(await m.msm(encodeCase(c).bases, encodeCase(c).scalars)).toEqual(msmPippenger(c.points, c.scalars));
    await m.close();
    expect(gpu.lostReason()).toBeUndefined();
  });

  it('a lost device is GPU_DEVICE_ERROR, not a hang or a wrong answer', async () => {
    const other = await testGpu();
    const engine = await GpuMsm.create(other);
    other.destroy();
    await other.lost;
    const c = randomCase(rng, 4);
    await expect(engine.msm(encodeCase(c).bases, encodeCase(c).scalars)).rejects.toSatisfy((e: unknown) => isProverError(e, 'GPU_DEVICE_ERROR'));
  });
});
