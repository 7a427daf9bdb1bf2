/**
 * The MSM planner, checked without a GPU: scalar scan, signed digits, grouping, and the segmented-reduction
 * plans executed on the CPU by a simulator that does what the kernels do (with the bigint projective formulas).
 */
import { describe, expect, it } from 'vitest';
import { BN254_R } from '../src/field/constants.js';
import { Fp } from '../src/field/fields.js';
import { type G1Affine, type G1Projective, PROJ_INFINITY, projAdd, projAddMixed, projDouble, projNeg, projToAffine } from '../src/field/g1.js';
import { msmPippenger } from '../src/msm/cpu.js';
import { type ChunkPlan, FINAL, NEGATE, type ReductionPlan, chooseWindowBits, planChunk, planReduction } from '../src/msm/plan.js';
import { forEachSignedDigit, groupEqualScalars, scanScalars, wordsOf } from '../src/msm/scalars.js';
import { degenerateCases, edgeCase, encodeCase, randomCase, SPECIAL_SCALARS } from './helpers/cases.js';
import { Rng } from './helpers/rng.js';

const rng = new Rng(3);

function wordsToBigint(w: Uint32Array, o: number): bigint {
  let x = 0n;
  for (let i = 7; i >= 0; i--) x = (x << 32n) | BigInt(w[o + i]);
  return x;
}

/** Runs a reduction plan like the GPU: level 0 reads `inputs`, levels ≥ 1 the previous level's partials. */
function runReduction(
  plan: ReductionPlan,
  sources: Array<{ entries: Uint32Array; read: (ref: number) => G1Projective | G1Affine; affine: boolean }>,
  final: G1Projective[],
  k: number,
): void {
  const tmp: G1Projective[][] = [[], []];
  const finalWrites = new Map<number, number>();
  for (const d of plan.dispatches) {
    const segs = d.segments;
    for (let s = 0; s < segs.length; s += 3) {
      const [start, len, out] = [segs[s], segs[s + 1], segs[s + 2]];
      expect(len).toBeGreaterThan(0);
      expect(len).toBeLessThanOrEqual(k);
      const isFinal = (out & FINAL) !== 0;
      const slot = out & ~FINAL;
      let acc = isFinal ? final[slot] : PROJ_INFINITY;
      for (let i = 0; i < len; i++) {
        if (d.level === 0) {
          const src = sources[d.source];
          const e = src.entries[start + i];
          const neg = (e & NEGATE) !== 0;
          const v = src.read(e & ~NEGATE);
          if (src.affine) {
            const a = v as G1Affine;
            acc = projAddMixed(acc, neg ? { x: a.x, y: Fp.neg(a.y) } : a);
          } else {
            const p = v as G1Projective;
            acc = projAdd(acc, neg ? projNeg(p) : p);
          }
        } else {
          const p = tmp[(d.level - 1) % 2][start + i];
          expect(p, `level ${d.level} reads an unwritten partial`).toBeDefined();
          acc = projAdd(acc, p);
        }
      }
      if (isFinal) {
        final[slot] = acc;
        finalWrites.set(slot, (finalWrites.get(slot) ?? 0) + 1);
      } else {
        tmp[d.level % 2][slot] = acc;
      }
    }
    if (d.level > 0) tmp[(d.level - 1) % 2] = [];
  }
  for (const [slot, n] of finalWrites) expect(n, `key ${slot} written ${n} times`).toBe(1);
  expect(finalWrites.size).toBe(plan.usedKeys);
}

/** The whole GPU algorithm on the CPU: chunks → groups → buckets → window sums → Horner. */
function simulateMsm(points: G1Affine[], bases: Uint8Array, scalars: Uint8Array, opts: { chunk: number; c?: number; k: number; group: boolean }): G1Affine {
  const pw = wordsOf(bases);
  const sw = wordsOf(scalars);
  const n = points.length;
  const scans = [];
  for (let s = 0; s < n; s += opts.chunk) scans.push({ start: s, scan: scanScalars(pw, sw, s, Math.min(opts.chunk, n - s)) });
  const live = scans.reduce((a, s) => a + s.scan.live, 0);
  const maxBits = Math.max(0, ...scans.map((s) => s.scan.maxBits));
  const c = opts.c ?? chooseWindowBits(live, maxBits);
  const windows = Math.max(1, Math.ceil((Math.max(maxBits, 1) + 1) / c));
  const perWindow = 1 << (c - 1);
  const buckets: G1Projective[] = new Array<G1Projective>(windows * perWindow).fill(PROJ_INFINITY);
  for (const { start, scan } of scans) {
    const plan: ChunkPlan = planChunk(scan, { windowBits: c, windows, segmentSize: opts.k, groupRepeated: opts.group });
    const groupSums: G1Projective[] = new Array<G1Projective>(plan.groups?.count ?? 0).fill(PROJ_INFINITY);
    if (plan.groups) {
      runReduction(plan.groups.reduction, [{ entries: plan.groups.source.entries, read: (i) => points[start + i], affine: true }], groupSums, opts.k);
    }
    const [singles, groupTerms] = plan.buckets.sources;
    runReduction(
      plan.buckets.reduction,
      [
        { entries: singles.entries, read: (i) => points[start + i], affine: true },
        { entries: groupTerms.entries, read: (g) => groupSums[g], affine: false },
      ],
      buckets,
      opts.k,
    );
  }
  let acc = PROJ_INFINITY;
  for (let w = windows - 1; w >= 0; w--) {
    if (w < windows - 1) for (let i = 0; i < c; i++) acc = projDouble(acc);
    let running = PROJ_INFINITY;
    let sum = PROJ_INFINITY;
    for (let b = perWindow - 1; b >= 0; b--) {
      running = projAdd(running, buckets[w * perWindow + b]);
      sum = projAdd(sum, running);
    }
    acc = projAdd(acc, sum);
  }
  return projToAffine(acc);
}

describe('scalar scan', () => {
  it('reduces mod r, negates above (r − 1)/2, drops zero scalars and infinity bases', () => {
    const p = rng.point();
    const c = { points: [...SPECIAL_SCALARS.map(() => p), { x: 0n, y: 0n }], scalars: [...SPECIAL_SCALARS, 5n] };
    const { bases, scalars } = encodeCase(c);
    const scan = scanScalars(wordsOf(bases), wordsOf(scalars), 0, c.points.length);
    const zeros = SPECIAL_SCALARS.filter((s) => s % BN254_R === 0n).length;
    expect(scan.zeroScalars).toBe(zeros);
    expect(scan.infinityPoints).toBe(1);
    expect(scan.live).toBe(SPECIAL_SCALARS.length - zeros);
    for (let i = 0; i < scan.live; i++) {
      const s = SPECIAL_SCALARS[scan.index[i]] % BN254_R;
      const v = wordsToBigint(scan.scalar, 8 * i);
      expect(v).toBeLessThanOrEqual((BN254_R - 1n) / 2n);
      expect(scan.neg[i] ? BN254_R - v : v).toBe(s);
    }
    expect(scan.maxBits).toBe(253);
  });

  it('signed digits reconstruct the scalar for every window size', () => {
    for (let t = 0; t < 30; t++) {
      const s = t < SPECIAL_SCALARS.length ? SPECIAL_SCALARS[t] % ((BN254_R + 1n) / 2n) : rng.below((BN254_R + 1n) / 2n);
      const w = new Uint32Array(8);
      for (let i = 0; i < 8; i++) w[i] = Number((s >> BigInt(32 * i)) & 0xffffffffn);
      for (let c = 2; c <= 16; c++) {
        const windows = Math.ceil(254 / c);
        let acc = 0n;
        forEachSignedDigit(w, 0, c, windows, (win, d) => {
          expect(Math.abs(d)).toBeLessThanOrEqual(1 << (c - 1));
          acc += BigInt(d) << BigInt(win * c);
        });
        expect(acc).toBe(s);
      }
    }
  });

  it('groups equal scalars', () => {
    const sc = [5n, 7n, 5n, BN254_R - 5n, 9n, 7n];
    const { bases, scalars } = encodeCase({ points: sc.map(() => rng.point()), scalars: sc });
    const g = groupEqualScalars(scanScalars(wordsOf(bases), wordsOf(scalars), 0, sc.length));
    expect(g.distinct).toBe(3);
    expect([...g.distinctOf]).toEqual([0, 1, 0, 0, 2, 1]);
    expect([...g.count]).toEqual([3, 2, 1]);
  });

  it('chooses larger windows for more terms and fewer windows for small scalars', () => {
    expect(chooseWindowBits(1, 253)).toBe(2);
    expect(chooseWindowBits(1 << 10, 253)).toBeLessThan(chooseWindowBits(1 << 16, 253));
    expect(chooseWindowBits(1 << 20, 253)).toBeLessThanOrEqual(16);
  });
});

describe('segmented reduction plan', () => {
  it('caps work per thread and reduces every key to exactly one final write', () => {
    for (const k of [2, 3, 32]) {
      // Key 0 gets 1 entry, key 1 nothing, key 2 many (a hot bucket), key 3 entries in both sources.
      const counts0 = Uint32Array.from([1, 0, 200, 3]);
      const counts1 = Uint32Array.from([0, 0, 0, 5]);
      const offs = (c: Uint32Array): Uint32Array => Uint32Array.from(c, (_, i) => c.slice(0, i).reduce((a, b) => a + b, 0));
      const total0 = counts0.reduce((a, b) => a + b, 0);
      const total1 = counts1.reduce((a, b) => a + b, 0);
      const plan = planReduction(
        [
          { entries: Uint32Array.from({ length: total0 }, (_, i) => i), offsets: offs(counts0), counts: counts0, projective: false },
          { entries: Uint32Array.from({ length: total1 }, (_, i) => i), offsets: offs(counts1), counts: counts1, projective: true },
        ],
        4,
        k,
      );
      expect(plan.usedKeys).toBe(3);
      // Count entries per key by simulating with integers.
      const sums: G1Projective[] = new Array<G1Projective>(4).fill(PROJ_INFINITY);
      const one = { x: 1n, y: 2n };
      runReduction(plan, [{ entries: new Uint32Array(total0), read: () => one, affine: true }, { entries: new Uint32Array(total1), read: () => ({ x: 1n, y: 2n, z: 1n }), affine: false }], sums, k);
      const times = (n: number): G1Affine => projToAffine([...Array(n)].reduce((a: G1Projective) => projAddMixed(a, one), PROJ_INFINITY));
      expect(projToAffine(sums[0])).toEqual(times(1));
      expect(projToAffine(sums[1])).toEqual(times(0));
      expect(projToAffine(sums[2])).toEqual(times(200));
      expect(projToAffine(sums[3])).toEqual(times(8));
      if (k === 2) expect(plan.dispatches.length).toBeGreaterThan(5); // a tree, not one long thread
    }
  });
});

describe('whole-MSM plan simulation (CPU) = reference Pippenger', () => {
  it('degenerate cases', () => {
    for (const c of degenerateCases(rng)) {
      const { bases, scalars } = encodeCase(c);
      expect(simulateMsm(c.points, bases, scalars, { chunk: 4, k: 2, group: true }), c.name).toEqual(msmPippenger(c.points, c.scalars));
    }
  });

  it('random and edge inputs, several chunkings, window and segment sizes, grouping on and off', () => {
    const cases = [randomCase(rng, 7), edgeCase(rng, 7), edgeCase(rng, 64), edgeCase(rng, 150)];
    for (const c of cases) {
      const { bases, scalars } = encodeCase(c);
      const expected = msmPippenger(c.points, c.scalars);
      for (const opts of [
        { chunk: 1000, k: 32, group: true },
        { chunk: 5, k: 2, group: true },
        { chunk: 17, c: 3, k: 3, group: false },
        { chunk: 64, c: 9, k: 4, group: true },
      ]) {
        expect(simulateMsm(c.points, bases, scalars, opts), `${c.name} ${JSON.stringify(opts)}`).toEqual(expected);
      }
    }
  });

  it('repeated multi-digit scalars are grouped, single-digit ones are not', () => {
    const p = Array.from({ length: 6 }, () => rng.point());
    const big = rng.scalar();
    const sc = [big, big, BN254_R - big, 1n, 1n, 4n];
    const { bases, scalars } = encodeCase({ points: p, scalars: sc });
    const scan = scanScalars(wordsOf(bases), wordsOf(scalars), 0, 6);
    const plan = planChunk(scan, { windowBits: 4, windows: 64 });
    expect(plan.stats.groups).toBe(1);
    expect(plan.stats.groupedPoints).toBe(3);
    expect(plan.stats.terms).toBe(4);
    expect(simulateMsm(p, bases, scalars, { chunk: 6, c: 4, k: 2, group: true })).toEqual(msmPippenger(p, sc));
  });
});
