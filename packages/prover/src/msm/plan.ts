/**
 * The CPU half of the GPU bucket MSM: turns scalars into an explicit list of GPU dispatches. Pure (no GPU), so
 * every index it produces is checked by tests on any machine.
 *
 * Shape of one chunk of input (one set of bases that fits a storage binding):
 * 1. `scanScalars`: drop zero scalars and infinity points, reduce mod r, negate to s' ≤ (r − 1)/2.
 * 2. Repeated scalars: k inputs sharing s' with ≥ 2 nonzero digits become one *group*: their points (signed)
 *    are summed first (phase A) and the sum enters the MSM once, costing (k − 1) + digits additions instead of
 *    k·digits. Scalars with a single nonzero digit (1, −1, 2, small values, powers of two) are not grouped: each
 *    of their points already costs one bucket addition.
 * 3. Signed c-bit digits: each term adds ±(its point) to bucket (window w, |d|) for each nonzero digit d
 *    (phase B). 2^(c−1) buckets per window.
 * 4. Both phases are *keyed segmented sums*: entries sorted by key (counting sort), runs cut into segments of at
 *    most K entries, one GPU thread per segment. A key with one segment writes its final slot directly; a key
 *    with several writes partial sums to a temporary buffer and is reduced again, K partials per thread, until
 *    one is left. So a bucket holding 100,000 equal-digit points (real witnesses) is summed by a tree of
 *    threads, not by one thread, and no thread ever does more than K additions per level.
 *    A thread that writes a final slot starts from that slot's current value, so chunks accumulate into the
 *    same buckets.
 */
import { ProverError } from '../errors.js';
import { type ScalarScan, forEachSignedDigit, groupEqualScalars, signedDigitCount } from './scalars.js';

/** Bit 31 of a segment's `out`: write (accumulate into) the final buffer, not the temporary one. */
export const FINAL = 0x80000000;
/** Bit 31 of an entry: negate the point. */
export const NEGATE = 0x80000000;
export const MAX_WINDOW_BITS = 16;

export interface LevelDispatch {
  /** 0: level 0 (reads the sources' entries); ≥ 1: reads the previous level's temporary output. */
  level: number;
  /** Which input: `affine` (level 0 of an affine source), `proj-indirect` (level 0 of a projective source), `proj-contiguous` (levels ≥ 1). */
  mode: 'affine' | 'proj-indirect' | 'proj-contiguous';
  /** Source index for level-0 dispatches. */
  source: number;
  /** (start, len, out) triples. */
  segments: Uint32Array;
}

export interface ReductionPlan {
  dispatches: LevelDispatch[];
  /** Temporary slots written per level (level ℓ writes tmp[ℓ % 2]); the max over levels sizes each buffer. */
  tmpSlots: [number, number];
  /** Keys that received at least one entry. */
  usedKeys: number;
}

export interface KeyedSource {
  /** Entries sorted by key: point/term index | NEGATE. */
  entries: Uint32Array;
  /** Per key: first entry and entry count. */
  offsets: Uint32Array;
  counts: Uint32Array;
  projective: boolean;
}

function pushSegments(out: number[], start: number, len: number, k: number): number {
  let n = 0;
  for (let s = 0; s < len; s += k) {
    out.push(start + s, Math.min(k, len - s), 0);
    n++;
  }
  return n;
}

/**
 * Plans the segmented reduction of `sources` (each sorted by key over `numKeys` keys) into one value per key,
 * with at most `k` additions per thread and level.
 */
export function planReduction(sources: readonly KeyedSource[], numKeys: number, k: number): ReductionPlan {
  if (!(k >= 2)) throw new RangeError('segment size must be at least 2');
  const dispatches: LevelDispatch[] = [];
  const tmpSlots: [number, number] = [0, 0];
  // Level 0: one segment list per source; a key's segments get consecutive temporary slots across sources.
  const segs = sources.map(() => [] as number[]);
  let pendingKey: number[] = [];
  let pendingStart: number[] = [];
  let pendingLen: number[] = [];
  let slot = 0;
  let usedKeys = 0;
  for (let key = 0; key < numKeys; key++) {
    const firstIdx = segs.map((s) => s.length);
    let total = 0;
    for (let j = 0; j < sources.length; j++) {
      const src = sources[j];
      if (src.counts[key] > 0) total += pushSegments(segs[j], src.offsets[key], src.counts[key], k);
    }
    if (total === 0) continue;
    usedKeys++;
    if (total === 1) {
      for (let j = 0; j < sources.length; j++) if (segs[j].length > firstIdx[j]) segs[j][firstIdx[j] + 2] = (FINAL | key) >>> 0;
      continue;
    }
    pendingKey.push(key);
    pendingStart.push(slot);
    pendingLen.push(total);
    for (let j = 0; j < sources.length; j++) for (let i = firstIdx[j]; i < segs[j].length; i += 3) segs[j][i + 2] = slot++;
  }
  tmpSlots[0] = slot;
  sources.forEach((src, j) => {
    if (segs[j].length > 0) {
      dispatches.push({ level: 0, mode: src.projective ? 'proj-indirect' : 'affine', source: j, segments: Uint32Array.from(segs[j]) });
    }
  });
  // Levels ≥ 1: reduce each pending key's contiguous partials.
  let level = 1;
  while (pendingKey.length > 0) {
    const seg: number[] = [];
    const nextKey: number[] = [];
    const nextStart: number[] = [];
    const nextLen: number[] = [];
    slot = 0;
    for (let i = 0; i < pendingKey.length; i++) {
      const first = seg.length;
      const n = pushSegments(seg, pendingStart[i], pendingLen[i], k);
      if (n === 1) {
        seg[first + 2] = (FINAL | pendingKey[i]) >>> 0;
        continue;
      }
      nextKey.push(pendingKey[i]);
      nextStart.push(slot);
      nextLen.push(n);
      for (let j = first; j < seg.length; j += 3) seg[j + 2] = slot++;
    }
    const parity = level % 2;
    tmpSlots[parity] = Math.max(tmpSlots[parity], slot);
    dispatches.push({ level, mode: 'proj-contiguous', source: -1, segments: Uint32Array.from(seg) });
    pendingKey = nextKey;
    pendingStart = nextStart;
    pendingLen = nextLen;
    level++;
  }
  return { dispatches, tmpSlots, usedKeys };
}

/** Counting sort of (key, value) pairs produced by `fill` into a `KeyedSource`. */
function keyedSource(numKeys: number, total: number, projective: boolean, fill: (emit: (key: number, value: number) => void) => void): KeyedSource {
  const counts = new Uint32Array(numKeys);
  fill((key) => counts[key]++);
  const offsets = new Uint32Array(numKeys);
  let acc = 0;
  for (let key = 0; key < numKeys; key++) {
    offsets[key] = acc;
    acc += counts[key];
  }
  if (acc !== total) throw new Error('internal: entry count mismatch');
  const cursor = offsets.slice();
  const entries = new Uint32Array(total);
  fill((key, value) => {
    entries[cursor[key]++] = value;
  });
  return { entries, offsets, counts, projective };
}

export interface MsmPlanOptions {
  /** Window size c (2..16); default from a cost model. */
  windowBits?: number;
  /** Additions per thread and level (default 32). */
  segmentSize?: number;
  /** Sum points sharing a scalar first (default true). */
  groupRepeated?: boolean;
}

/**
 * Window size minimising windows × (terms + 2·buckets): bucket additions plus the bucket reduction's running
 * sums. Deterministic; `maxBits` is the largest s' (small-valued witnesses get fewer windows).
 */
export function chooseWindowBits(terms: number, maxBits: number): number {
  let best = 2;
  let bestCost = Infinity;
  for (let c = 2; c <= MAX_WINDOW_BITS; c++) {
    const windows = Math.ceil((maxBits + 1) / c);
    const cost = windows * (terms + 2 * (1 << (c - 1)));
    if (cost < bestCost) {
      bestCost = cost;
      best = c;
    }
  }
  return best;
}

export interface ChunkPlan {
  windowBits: number;
  windows: number;
  /** Buckets per window, 2^(c−1). */
  bucketsPerWindow: number;
  /** Phase A: groups of points sharing a scalar (keys = group ids), or undefined when there are none. */
  groups?: { count: number; source: KeyedSource; reduction: ReductionPlan };
  /** Phase B: sources[0] = single points (affine, index into the chunk), sources[1] = group sums (projective). */
  buckets: { sources: KeyedSource[]; reduction: ReductionPlan };
  stats: { live: number; terms: number; groups: number; groupedPoints: number; bucketEntries: number; zeroScalars: number; infinityPoints: number };
}

/**
 * Plans one chunk. Every chunk of an MSM shares the bucket buffer, so the window size and count are chosen once
 * by the caller (`chooseWindowBits` over all inputs) and must hold this chunk's largest scalar.
 */
export function planChunk(
  scan: ScalarScan,
  opts: { windowBits: number; windows: number; segmentSize?: number; groupRepeated?: boolean },
): ChunkPlan {
  const c = opts.windowBits;
  const windows = opts.windows;
  if (!Number.isInteger(c) || c < 2 || c > MAX_WINDOW_BITS) throw new ProverError('INVALID_INPUT', `window size ${c} is not in 2..${MAX_WINDOW_BITS}`);
  if (!Number.isInteger(windows) || windows < 1 || c * windows < scan.maxBits + 1) {
    throw new ProverError('INVALID_INPUT', `${windows} windows of ${c} bits cannot hold ${scan.maxBits}-bit scalars`);
  }
  const k = opts.segmentSize ?? 32;
  const bucketsPerWindow = 1 << (c - 1);
  const numKeys = windows * bucketsPerWindow;
  const live = scan.live;
  // Entries carry the negate flag in bit 31, so point and group indices must stay below 2^31.
  if (live > 0 && scan.index[live - 1] >= NEGATE) throw new ProverError('INVALID_INPUT', 'a chunk holds at most 2^31 − 1 bases');
  const s = scan.scalar;

  // Terms: a single input (affine point, its own sign) or a group (projective sum, sign folded into members).
  const isGroupedInput = new Uint8Array(live);
  let groupCount = 0;
  let groupedPoints = 0;
  let groupTermInput = new Uint32Array(0); // group id → one member (whose s' is the group's scalar)
  let distinctInfo: ReturnType<typeof groupEqualScalars> | undefined;
  let groupId = new Int32Array(0); // distinct value → group id, or −1
  if (opts.groupRepeated ?? true) {
    distinctInfo = groupEqualScalars(scan);
    groupId = new Int32Array(distinctInfo.distinct).fill(-1);
    const reps: number[] = [];
    for (let d = 0; d < distinctInfo.distinct; d++) {
      if (distinctInfo.count[d] < 2) continue;
      if (signedDigitCount(s, distinctInfo.first[d] * 8, c, windows) < 2) continue;
      groupId[d] = groupCount++;
      reps.push(distinctInfo.first[d]);
      groupedPoints += distinctInfo.count[d];
    }
    groupTermInput = Uint32Array.from(reps);
    if (groupCount > 0) for (let i = 0; i < live; i++) if (groupId[distinctInfo.distinctOf[i]] >= 0) isGroupedInput[i] = 1;
  }

  let groups: ChunkPlan['groups'];
  if (groupCount > 0 && distinctInfo) {
    const info = distinctInfo;
    const source = keyedSource(groupCount, groupedPoints, false, (emit) => {
      for (let i = 0; i < live; i++) {
        if (!isGroupedInput[i]) continue;
        emit(groupId[info.distinctOf[i]], (scan.index[i] | (scan.neg[i] ? NEGATE : 0)) >>> 0);
      }
    });
    groups = { count: groupCount, source, reduction: planReduction([source], groupCount, k) };
  }

  let singleEntries = 0;
  let groupEntries = 0;
  for (let i = 0; i < live; i++) if (!isGroupedInput[i]) singleEntries += signedDigitCount(s, i * 8, c, windows);
  for (let g = 0; g < groupCount; g++) groupEntries += signedDigitCount(s, groupTermInput[g] * 8, c, windows);

  const singles = keyedSource(numKeys, singleEntries, false, (emit) => {
    for (let i = 0; i < live; i++) {
      if (isGroupedInput[i]) continue;
      const ref = scan.index[i];
      const neg = scan.neg[i];
      forEachSignedDigit(s, i * 8, c, windows, (w, d) => {
        emit(w * bucketsPerWindow + Math.abs(d) - 1, (ref | ((d < 0) !== (neg === 1) ? NEGATE : 0)) >>> 0);
      });
    }
  });
  const groupTerms = keyedSource(numKeys, groupEntries, true, (emit) => {
    for (let g = 0; g < groupCount; g++) {
      forEachSignedDigit(s, groupTermInput[g] * 8, c, windows, (w, d) => {
        emit(w * bucketsPerWindow + Math.abs(d) - 1, (g | (d < 0 ? NEGATE : 0)) >>> 0);
      });
    }
  });
  const sources = [singles, groupTerms];
  return {
    windowBits: c,
    windows,
    bucketsPerWindow,
    groups,
    buckets: { sources, reduction: planReduction(sources, numKeys, k) },
    stats: {
      live,
      terms: live - groupedPoints + groupCount,
      groups: groupCount,
      groupedPoints,
      bucketEntries: singleEntries + groupEntries,
      zeroScalars: scan.zeroScalars,
      infinityPoints: scan.infinityPoints,
    },
  };
}
