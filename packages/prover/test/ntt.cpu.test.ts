/**
 * The NTT's CPU side: ffjavascript's roots of unity, the bigint reference against a naive DFT, the pass
 * planner, and the whole GPU algorithm (block and cross passes, chunks, batches, tables, coset scaling, join)
 * simulated on the CPU with the kernels' index arithmetic — so a planner or indexing bug shows here, without a
 * GPU, on inputs where the forced chunk sizes reach every path.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isProverError } from '../src/errors.js';
import { BN254_R } from '../src/field/constants.js';
import { Fr } from '../src/field/fields.js';
import {
  FR_NQR,
  FR_SHIFT,
  FR_TWO_ADICITY,
  bitReverse,
  groth16CosetShift,
  groth16HReference,
  nttReference,
  rootOfUnity,
} from '../src/ntt/cpu.js';
import { type FfjsFrCurve } from '../src/ntt/ffjs.js';
import { BLOCK_ELEMENTS, BLOCK_LOG, type NttPass, blockIndex, blockWorkgroups, chunkLog, planPasses } from '../src/ntt/plan.js';
import { ffjsCurve } from './helpers/ffjs.js';
import { Rng } from './helpers/rng.js';

const rng = new Rng(28);
const randomVector = (n: number): bigint[] => Array.from({ length: n }, () => rng.scalar());

function naiveDft(x: readonly bigint[], inverse: boolean): bigint[] {
  const n = x.length;
  const logN = Math.log2(n);
  const w = inverse ? Fr.inv(rootOfUnity(logN)) : rootOfUnity(logN);
  const out = x.map((_, k) => x.reduce((acc, xi, i) => Fr.add(acc, Fr.mul(Fr.mod(xi), Fr.pow(w, BigInt(i * k)))), 0n));
  return inverse ? out.map((v) => Fr.mul(v, Fr.inv(BigInt(n)))) : out;
}

describe('Fr roots of unity = ffjavascript', () => {
  let curve: FfjsFrCurve;
  beforeAll(async () => {
    curve = (await ffjsCurve()) as unknown as FfjsFrCurve;
  });
  afterAll(async () => {
    await curve?.terminate();
  });

  it('nqr, 2-adicity, shift and every w[k] match ffjavascript', () => {
    expect(FR_TWO_ADICITY).toBe(28);
    expect(curve.Fr.s).toBe(28);
    expect(FR_NQR).toBe(5n);
    expect(FR_SHIFT).toBe(curve.Fr.toObject(curve.Fr.shift));
    for (let k = 0; k <= 28; k++) expect(rootOfUnity(k), `w[${k}]`).toBe(curve.Fr.toObject(curve.Fr.w[k]));
  });

  it('w[k] has order exactly 2^k; the H coset shift is w[k+1], or nqr² at k = 28', () => {
    for (let k = 1; k <= 28; k++) expect(Fr.pow(rootOfUnity(k), 1n << BigInt(k - 1))).toBe(BN254_R - 1n);
    expect(groth16CosetShift(0)).toBe(BN254_R - 1n);
    expect(groth16CosetShift(10)).toBe(rootOfUnity(11));
    expect(groth16CosetShift(28)).toBe(25n);
    expect(() => rootOfUnity(29)).toThrow(RangeError);
  });
});

describe('bigint reference NTT', () => {
  it('= the naive O(n²) DFT at n = 1, 2, 4, 8, 32, forward and inverse, and round-trips', () => {
    for (const n of [1, 2, 4, 8, 32]) {
      const x = randomVector(n);
      expect(nttReference(x), `n = ${n}`).toEqual(naiveDft(x, false));
      expect(nttReference(x, true), `n = ${n} inverse`).toEqual(naiveDft(x, true));
      expect(nttReference(nttReference(x), true)).toEqual(x);
    }
  });

  it('reduces inputs ≥ r and rejects sizes that are not powers of two', () => {
    const x = [BN254_R + 3n, (1n << 256n) - 1n, BN254_R, 7n];
    expect(nttReference(x)).toEqual(nttReference(x.map((v) => Fr.mod(v))));
    for (const n of [0, 3, 6, 12]) {
      let err: unknown;
      try {
        nttReference(randomVector(n));
      } catch (e) {
        err = e;
      }
      expect(isProverError(err, 'INVALID_INPUT'), `n = ${n}`).toBe(true);
    }
  });

  it('bitReverse', () => {
    expect(bitReverse(1, 3)).toBe(4);
    expect(bitReverse(6, 3)).toBe(3);
    expect(bitReverse(0, 0)).toBe(0);
    expect(bitReverse(1, 28)).toBe(1 << 27);
  });
});

describe('NTT pass planning', () => {
  it('covers every stage once, in order (DIT up, DIF down), ≤ 8 per block pass, cross stages above the chunk', () => {
    for (let logN = 0; logN <= 28; logN++) {
      for (let logM = 0; logM <= logN; logM++) {
        for (const order of ['dit', 'dif'] as const) {
          const passes = planPasses(logN, logM, order);
          const stages: number[] = [];
          for (const p of passes) {
            if (p.kind === 'block') {
              expect(p.t).toBeLessThanOrEqual(BLOCK_LOG);
              expect(p.s0 + p.t).toBeLessThanOrEqual(logM);
              const run = Array.from({ length: p.t }, (_, i) => p.s0 + i);
              stages.push(...(order === 'dit' ? run : run.reverse()));
            } else {
              expect(p.stage).toBeGreaterThanOrEqual(logM);
              stages.push(p.stage);
            }
          }
          const all = Array.from({ length: logN }, (_, i) => i);
          expect(stages).toEqual(order === 'dit' ? all : all.reverse());
          expect(passes.filter((p) => p.kind === 'block').length).toBe(Math.max(1, Math.ceil(logM / BLOCK_LOG)));
        }
      }
    }
    expect(planPasses(20, 20, 'dit')).toEqual([
      { kind: 'block', s0: 0, t: 7 },
      { kind: 'block', s0: 7, t: 7 },
      { kind: 'block', s0: 14, t: 6 },
    ]);
  });

  it('chunk size: the largest power of two whose batch fits one binding; an element that cannot fit is GPU_LIMIT_EXCEEDED', () => {
    expect(chunkLog(20, 3, 128 * 2 ** 20)).toBe(20);
    expect(chunkLog(22, 3, 128 * 2 ** 20)).toBe(20);
    expect(chunkLog(10, 3, 8192)).toBe(6);
    expect(chunkLog(0, 1, 1024)).toBe(0);
    let err: unknown;
    try {
      chunkLog(4, 64, 1024);
    } catch (e) {
      err = e;
    }
    expect(isProverError(err, 'GPU_LIMIT_EXCEEDED')).toBe(true);
  });

  it('blockIndex enumerates every element of a chunk exactly once per pass', () => {
    for (const [logM, s0, t] of [[10, 0, 5], [10, 5, 5], [12, 3, 8], [6, 2, 4], [3, 0, 3], [0, 0, 0]]) {
      const seen = new Set<number>();
      for (let x = 0; x < 2 ** (logM - t); x++) for (let r = 0; r < 2 ** t; r++) seen.add(blockIndex(x, r, s0, t));
      expect(seen.size).toBe(2 ** logM);
      expect(Math.max(...seen)).toBe(2 ** logM - 1);
    }
  });
});

// ---------------------------------------------------------------- the GPU algorithm, simulated

/** Per-stage twiddles: entry h + k = ω_{2h}^k (ω⁻¹ for the inverse); entry 0 = 1. */
function twiddleTable(logN: number, inverse: boolean): bigint[] {
  const n = 2 ** logN;
  const t = new Array<bigint>(n).fill(1n);
  for (let h = 1; h < n; h *= 2) {
    const w = rootOfUnity(Math.log2(2 * h));
    const base = inverse ? Fr.inv(w) : w;
    for (let k = 0; k < h; k++) t[h + k] = Fr.pow(base, BigInt(k));
  }
  return t;
}

/**
 * Runs the passes exactly as the kernels index them: chunk buffers of batch × m elements, block passes per
 * workgroup and slot (64 threads, 256 slots, rows/columns as in the WGSL), cross passes pairing chunk
 * blk + j with blk + j + h/m and reading table chunk h/m + j. Values stay standard form (the real kernels
 * multiply by Montgomery constants; the linear algebra is the same). `post(c, g)` is the store-time factor.
 */
function simulateTransform(chunks: bigint[][], logN: number, logM: number, batch: number, inverse: boolean, post?: (c: number, g: number) => bigint): void {
  const m = 2 ** logM;
  const table = twiddleTable(logN, inverse);
  const tableChunk = (c: number): bigint[] => table.slice(c * m, (c + 1) * m);
  const passes: NttPass[] = planPasses(logN, logM, inverse ? 'dif' : 'dit');
  if (post && passes[passes.length - 1].kind === 'cross') passes.push({ kind: 'block', s0: 0, t: 0 });
  const butterfly = (a: bigint, b: bigint, w: bigint): [bigint, bigint] => {
    if (inverse) return [Fr.add(a, b), Fr.mul(Fr.sub(a, b), w)];
    const p = Fr.mul(b, w);
    return [Fr.add(a, p), Fr.sub(a, p)];
  };
  passes.forEach((pass, pi) => {
    if (pass.kind === 'cross') {
      const hm = 2 ** pass.stage / m;
      for (let blk = 0; blk < chunks.length; blk += 2 * hm) {
        for (let j = 0; j < hm; j++) {
          const [x, y, tw] = [chunks[blk + j], chunks[blk + j + hm], tableChunk(hm + j)];
          for (let id = 0; id < batch * m; id++) [x[id], y[id]] = butterfly(x[id], y[id], tw[id % m]);
        }
      }
      return;
    }
    const { s0, t } = pass;
    const wpp = blockWorkgroups(logM, t);
    const colBits = BLOCK_LOG - t;
    const cols = 2 ** colBits;
    const columns = m >> t;
    const tw = tableChunk(0);
    const last = pi === passes.length - 1;
    chunks.forEach((data, c) => {
      for (let W = 0; W < wpp * batch; W++) {
        const poly = Math.floor(W / wpp);
        const firstCol = (W % wpp) * cols;
        const base = poly * m;
        const sh = new Array<bigint | undefined>(BLOCK_ELEMENTS);
        for (let e = 0; e < BLOCK_ELEMENTS; e++) {
          const x = firstCol + (e & (cols - 1));
          if (x < columns) sh[e] = data[base + blockIndex(x, e >> colBits, s0, t)];
        }
        for (let d = 0; d < t; d++) {
          const rel = inverse ? t - 1 - d : d;
          const h = 2 ** (s0 + rel);
          for (let u = 0; u < BLOCK_ELEMENTS / 2; u++) {
            const q = u & (cols - 1);
            const rr = u >> colBits;
            const r = ((rr >> rel) << (rel + 1)) | (rr & ((1 << rel) - 1));
            const x = firstCol + q;
            if (x >= columns) continue;
            const k = blockIndex(x, r, s0, t) & (h - 1);
            const e0 = (r << colBits) | q;
            const e1 = ((r + (1 << rel)) << colBits) | q;
            [sh[e0], sh[e1]] = butterfly(sh[e0]!, sh[e1]!, tw[h + k]);
          }
        }
        for (let e = 0; e < BLOCK_ELEMENTS; e++) {
          const x = firstCol + (e & (cols - 1));
          if (x >= columns) continue;
          const g = blockIndex(x, e >> colBits, s0, t);
          data[base + g] = last && post ? Fr.mul(sh[e]!, post(c, g)) : sh[e]!;
        }
      }
    });
  });
}

function toChunks(polys: bigint[][], logM: number): bigint[][] {
  const m = 2 ** logM;
  const count = polys[0].length / m;
  return Array.from({ length: count }, (_, c) => polys.flatMap((p) => p.slice(c * m, (c + 1) * m).map((v) => Fr.mod(v))));
}

function simulateNtt(polys: bigint[][], logM: number, inverse: boolean): bigint[][] {
  const n = polys[0].length;
  const logN = Math.log2(n);
  const m = 2 ** logM;
  const staged = inverse ? polys : polys.map((p) => p.map((_, j) => p[bitReverse(j, logN)]));
  const chunks = toChunks(staged, logM);
  const nInv = Fr.inv(BigInt(n));
  simulateTransform(chunks, logN, logM, polys.length, inverse, inverse ? () => nInv : undefined);
  return polys.map((_, p) => {
    const flat = chunks.flatMap((ch) => ch.slice(p * m, (p + 1) * m));
    return inverse ? flat.map((_, j) => flat[bitReverse(j, logN)]) : flat;
  });
}

function simulateH(a: bigint[], b: bigint[], c: bigint[], logM: number): bigint[] {
  const n = a.length;
  const logN = Math.log2(n);
  const m = 2 ** logM;
  const inc = groth16CosetShift(logN);
  const nInv = Fr.inv(BigInt(n));
  const coset = Array.from({ length: n }, (_, j) => Fr.mul(nInv, Fr.pow(inc, BigInt(bitReverse(j, logN)))));
  const chunks = toChunks([a, b, c], logM);
  simulateTransform(chunks, logN, logM, 3, true, (ci, g) => coset[ci * m + g]);
  simulateTransform(chunks, logN, logM, 3, false);
  return chunks.flatMap((ch) => Array.from({ length: m }, (_, i) => Fr.sub(Fr.mul(ch[i], ch[m + i]), ch[2 * m + i])));
}

describe('the GPU NTT algorithm simulated on the CPU = reference', () => {
  it('standalone NTTs: one chunk and forced small chunks (cross stages), batches of 1 and 3, forward and inverse', () => {
    for (const [logN, logM] of [[0, 0], [1, 1], [3, 3], [5, 2], [9, 9], [9, 4], [10, 0], [10, 7], [12, 12], [11, 3]]) {
      for (const batch of [1, 3]) {
        const polys = Array.from({ length: batch }, () => randomVector(2 ** logN));
        for (const inverse of [false, true]) {
          expect(simulateNtt(polys, logM, inverse), `2^${logN} in chunks of 2^${logM}, batch ${batch}, inverse ${inverse}`).toEqual(
            polys.map((p) => nttReference(p, inverse)),
          );
        }
      }
    }
  });

  it('Groth16 H: one chunk and forced small chunks', () => {
    for (const [logN, logM] of [[0, 0], [1, 0], [2, 2], [4, 1], [8, 8], [9, 3], [10, 10], [10, 5]]) {
      const n = 2 ** logN;
      const [a, b, c] = [randomVector(n), randomVector(n), randomVector(n)];
      expect(simulateH(a, b, c, logM), `2^${logN} in chunks of 2^${logM}`).toEqual(groth16HReference(a, b, c));
    }
  });
});
