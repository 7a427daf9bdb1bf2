/**
 * Rough G1 MSM timings: the WebGPU bucket MSM vs snarkjs's ffjavascript `multiExpAffine`.
 *   node --conditions=source --import tsx packages/prover/bench/msm.ts [log2 sizes, default 10,11,12]
 * On a machine without a GPU this times Mesa llvmpipe (the shaders run on the CPU): a correctness platform,
 * not a performance one. Results are checked against ffjavascript before they are timed.
 */
import { buildBn128 } from 'ffjavascript';
import { BN254_R } from '../src/field/constants.js';
import { bigintToBytesLE, readG1AffineLEM } from '../src/field/encoding.js';
import { acquireGpu } from '../src/gpu/device.js';
import { GpuMsm } from '../src/msm/gpu.js';

process.env.EGL_PLATFORM ??= 'surfaceless';
const sizes = (process.argv[2] ?? '10,11,12').split(',').map(Number);
const maxN = 1 << Math.max(...sizes);

let seed = 0x12345678;
const rand32 = (): number => {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return seed >>> 0;
};
const randScalar = (): bigint => {
  let x = 0n;
  for (let i = 0; i < 8; i++) x = (x << 32n) | BigInt(rand32());
  return x % BN254_R;
};

async function median(runs: number, f: () => Promise<unknown>): Promise<number> {
  const t: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await f();
    t.push(performance.now() - t0);
  }
  return t.sort((a, b) => a - b)[Math.floor(runs / 2)];
}

const single = await buildBn128(true);
const multi = await buildBn128(false);
const bases = new Uint8Array(64 * maxN);
{
  // Distinct points: P_i = P_{i−1} + k·G for a random k.
  const step = single.G1.timesScalar(single.G1.g, randScalar());
  let p = step;
  for (let i = 0; i < maxN; i++) {
    bases.set(single.G1.toAffine(p), 64 * i);
    p = single.G1.add(p, step);
  }
}
const kinds: Record<string, (i: number) => bigint> = {
  random: () => randScalar(),
  // Witness-like: 40 % zero, 30 % one, 10 % −1, 10 % a few repeated values, 10 % random.
  witness: (i) => {
    const r = rand32() % 10;
    return r < 4 ? 0n : r < 7 ? 1n : r === 7 ? BN254_R - 1n : r === 8 ? [12345n, BN254_R - 99n, randScalar()][i % 2] : randScalar();
  },
};

const gpu = await acquireGpu();
const engine = await GpuMsm.create(gpu);
console.log(`GPU: ${gpu.info.backend} — ${gpu.info.description || gpu.info.device}; ffjavascript: single thread and ${multi.tm.concurrency} workers`);
console.log('| n | scalars | WebGPU ms (plan / gpu / finish) | ffjavascript 1 thread ms | ffjavascript workers ms |');
console.log('|---:|---|---:|---:|---:|');
for (const lg of sizes) {
  const n = 1 << lg;
  for (const [kind, gen] of Object.entries(kinds)) {
    const scalars = new Uint8Array(32 * n);
    for (let i = 0; i < n; i++) bigintToBytesLE(gen(i), scalars, 32 * i);
    const b = bases.subarray(0, 64 * n);
    const expected = readG1AffineLEM(single.G1.toAffine(await single.G1.multiExpAffine(b, scalars)));
    const got = await engine.msm(b, scalars); // also warms the shaders
    if (got.x !== expected.x || got.y !== expected.y) throw new Error(`mismatch at n = ${n} (${kind})`);
    const tg = await median(3, () => engine.msm(b, scalars));
    const s = engine.lastStats!.ms;
    const t1 = await median(3, () => single.G1.multiExpAffine(b, scalars));
    const tm = await median(3, () => multi.G1.multiExpAffine(b, scalars));
    console.log(`| 2^${lg} | ${kind} | ${tg.toFixed(0)} (${s.plan.toFixed(0)} / ${s.gpu.toFixed(0)} / ${s.finish.toFixed(0)}) | ${t1.toFixed(0)} | ${tm.toFixed(0)} |`);
  }
}
gpu.destroy();
await single.terminate();
await multi.terminate();
