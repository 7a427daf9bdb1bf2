/**
 * Rough Fr NTT timings: the WebGPU NTT vs snarkjs's ffjavascript, for one forward NTT and for the whole Groth16
 * H step (3 ifft + 3 coset fft + joinABC).
 *   node --conditions=source --import tsx packages/prover/bench/ntt.ts [log2 sizes, default 10,12,14,16]
 * On a machine without a GPU this times Mesa llvmpipe (the shaders run on the CPU): a correctness platform,
 * not a performance one. Results are checked against ffjavascript before they are timed; the first GPU call of
 * a size (which builds the twiddle tables) is not timed.
 */
import { BN254_R } from '../src/field/constants.js';
import { bigintToBytesLE } from '../src/field/encoding.js';
import { acquireGpu } from '../src/gpu/device.js';
import { ffjsFrCurve, ffjsGroth16H, ffjsNtt } from '../src/ntt/ffjs.js';
import { GpuNtt } from '../src/ntt/gpu.js';

process.env.EGL_PLATFORM ??= 'surfaceless';
const sizes = (process.argv[2] ?? '10,12,14,16').split(',').map(Number);

let seed = 0x9e3779b9;
const rand32 = (): number => {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return seed >>> 0;
};
function randomFr(n: number): Uint8Array {
  const out = new Uint8Array(32 * n);
  for (let i = 0; i < n; i++) {
    let x = 0n;
    for (let k = 0; k < 8; k++) x = (x << 32n) | BigInt(rand32());
    bigintToBytesLE(x % BN254_R, out, 32 * i);
  }
  return out;
}

async function median(runs: number, f: () => Promise<unknown>): Promise<number> {
  const t: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await f();
    t.push(performance.now() - t0);
  }
  return t.sort((a, b) => a - b)[Math.floor(runs / 2)];
}

const equal = (a: Uint8Array, b: Uint8Array): boolean => Buffer.from(a).equals(Buffer.from(b));

const single = await ffjsFrCurve(true);
const multi = await ffjsFrCurve(false);
const gpu = await acquireGpu();
const engine = await GpuNtt.create(gpu);
console.log(`GPU: ${gpu.info.backend} — ${gpu.info.description || gpu.info.device}; ffjavascript: single thread and ${multi.tm.concurrency} workers`);
console.log('| n | op | WebGPU ms (host / GPU + readback) | ffjavascript 1 thread ms | ffjavascript workers ms |');
console.log('|---:|---|---:|---:|---:|');
for (const lg of sizes) {
  const n = 2 ** lg;
  const [a, b, c] = [randomFr(n), randomFr(n), randomFr(n)];

  const expectedNtt = await ffjsNtt(single, a, false);
  if (!equal(await engine.ntt(a), expectedNtt)) throw new Error(`NTT mismatch at n = 2^${lg}`);
  const tg = await median(3, () => engine.ntt(a));
  const sn = engine.lastStats!.ms;
  const t1 = await median(3, () => ffjsNtt(single, a, false));
  const tm = await median(3, () => ffjsNtt(multi, a, false));
  console.log(`| 2^${lg} | NTT | ${tg.toFixed(0)} (${sn.host.toFixed(0)} / ${sn.gpu.toFixed(0)}) | ${t1.toFixed(0)} | ${tm.toFixed(0)} |`);

  const expectedH = await ffjsGroth16H(single, a, b, c, lg);
  if (!equal(await engine.groth16H(a, b, c), expectedH)) throw new Error(`H mismatch at n = 2^${lg}`);
  const hg = await median(3, () => engine.groth16H(a, b, c));
  const sh = engine.lastStats!.ms;
  const h1 = await median(3, () => ffjsGroth16H(single, a, b, c, lg));
  const hm = await median(3, () => ffjsGroth16H(multi, a, b, c, lg));
  console.log(`| 2^${lg} | Groth16 H | ${hg.toFixed(0)} (${sh.host.toFixed(0)} / ${sh.gpu.toFixed(0)}) | ${h1.toFixed(0)} | ${hm.toFixed(0)} |`);
}
await engine.close();
gpu.destroy();
await multi.terminate();
