/**
 * Scalar preprocessing for the bucket MSM, on 8 × u32 little-endian words (no bigint on the hot path).
 *
 * For every input i with a finite base point and s_i mod r ≠ 0 it keeps s'_i = s_i mod r, or r − (s_i mod r)
 * with the point negated when that is smaller, so s'_i ≤ (r − 1)/2 < 2^253. Inputs are 256-bit integers
 * (snarkjs does not reduce witness values), hence the reduction: k·P = (k mod r)·P on BN254 G1 (prime order,
 * cofactor 1). The negation makes "−1", "−2", ... (frequent in witnesses) as cheap as 1, 2, ...
 */
import { BN254_R } from '../field/constants.js';
import { ProverError } from '../errors.js';

const WORDS = 8;

function toWords(x: bigint): Uint32Array {
  const w = new Uint32Array(WORDS);
  for (let i = 0; i < WORDS; i++) w[i] = Number((x >> BigInt(32 * i)) & 0xffffffffn);
  return w;
}

const R_WORDS = toWords(BN254_R);
const HALF_R_WORDS = toWords((BN254_R - 1n) / 2n);

/** Compares s[o..o+8) with c (both little-endian words): −1, 0, 1. */
function cmp(s: Uint32Array, o: number, c: Uint32Array): number {
  for (let i = WORDS - 1; i >= 0; i--) {
    const a = s[o + i];
    const b = c[i];
    if (a !== b) return a < b ? -1 : 1;
  }
  return 0;
}

/** s[o..o+8) −= c (caller guarantees s ≥ c). */
function subInPlace(s: Uint32Array, o: number, c: Uint32Array): void {
  let borrow = 0;
  for (let i = 0; i < WORDS; i++) {
    const d = s[o + i] - c[i] - borrow;
    borrow = d < 0 ? 1 : 0;
    s[o + i] = d >>> 0;
  }
}

/** s[o..o+8) = c − s (caller guarantees c ≥ s). */
function rsubInPlace(s: Uint32Array, o: number, c: Uint32Array): void {
  let borrow = 0;
  for (let i = 0; i < WORDS; i++) {
    const d = c[i] - s[o + i] - borrow;
    borrow = d < 0 ? 1 : 0;
    s[o + i] = d >>> 0;
  }
}

function bitLength(s: Uint32Array, o: number): number {
  for (let i = WORDS - 1; i >= 0; i--) if (s[o + i] !== 0) return 32 * i + (32 - Math.clz32(s[o + i]));
  return 0;
}

/** Copies bytes into an aligned Uint32Array view when needed (scalar buffers may sit at any offset). */
export function wordsOf(bytes: Uint8Array): Uint32Array {
  if (bytes.byteOffset % 4 === 0 && bytes.byteLength % 4 === 0) return new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
  return new Uint32Array(bytes.slice().buffer, 0, Math.floor(bytes.byteLength / 4));
}

export interface ScalarScan {
  /** Inputs kept (finite point, nonzero scalar mod r). */
  live: number;
  /** Index of each kept input, relative to the scanned range. */
  index: Uint32Array;
  /** s' per kept input, 8 words each, s' ≤ (r − 1)/2. */
  scalar: Uint32Array;
  /** 1 where the base point is to be negated. */
  neg: Uint8Array;
  /** Largest bit length among the s' (0 when nothing is kept). */
  maxBits: number;
  /** Inputs skipped because the scalar is ≡ 0 (mod r). */
  zeroScalars: number;
  /** Inputs skipped because the base point is infinity (64 zero bytes). */
  infinityPoints: number;
}

/**
 * Scans `count` inputs from `start`: `points` are 64-byte affine LEM points, `scalars` 32-byte little-endian
 * integers (both the whole arrays, as views of words).
 */
export function scanScalars(pointWords: Uint32Array, scalarWords: Uint32Array, start: number, count: number): ScalarScan {
  if ((start + count) * 16 > pointWords.length || (start + count) * 8 > scalarWords.length) {
    throw new ProverError('INVALID_INPUT', 'scan range outside the inputs');
  }
  const index = new Uint32Array(count);
  const scalar = new Uint32Array(count * WORDS);
  const neg = new Uint8Array(count);
  let live = 0;
  let maxBits = 0;
  let zeroScalars = 0;
  let infinityPoints = 0;
  for (let k = 0; k < count; k++) {
    const i = start + k;
    let pz = 0;
    for (let j = 0; j < 16; j++) pz |= pointWords[16 * i + j];
    if (pz === 0) {
      infinityPoints++;
      continue;
    }
    const o = live * WORDS;
    let sz = 0;
    for (let j = 0; j < WORDS; j++) {
      const w = scalarWords[WORDS * i + j];
      scalar[o + j] = w;
      sz |= w;
    }
    if (sz === 0) {
      zeroScalars++;
      continue;
    }
    // 2^256 / r < 6: at most five subtractions.
    while (cmp(scalar, o, R_WORDS) >= 0) subInPlace(scalar, o, R_WORDS);
    if (bitLength(scalar, o) === 0) {
      zeroScalars++;
      continue;
    }
    if (cmp(scalar, o, HALF_R_WORDS) > 0) {
      rsubInPlace(scalar, o, R_WORDS);
      neg[live] = 1;
    }
    index[live] = k;
    const bits = bitLength(scalar, o);
    if (bits > maxBits) maxBits = bits;
    live++;
  }
  return {
    live,
    index: index.subarray(0, live),
    scalar: scalar.subarray(0, live * WORDS),
    neg: neg.subarray(0, live),
    maxBits,
    zeroScalars,
    infinityPoints,
  };
}

/** Bits [off, off + c) of the 256-bit value at s[o..o+8), c ≤ 16. */
export function scalarBits(s: Uint32Array, o: number, off: number, c: number): number {
  const word = off >>> 5;
  if (word >= WORDS) return 0;
  const sh = off & 31;
  let v = s[o + word] >>> sh;
  if (sh + c > 32 && word + 1 < WORDS) v |= s[o + word + 1] << (32 - sh);
  return v & ((1 << c) - 1);
}

/**
 * Signed c-bit digits: s = Σ d_w·2^(c·w) with d_w ∈ [−2^(c−1) + 1, 2^(c−1)]. Calls `emit(w, d)` for each
 * nonzero digit. `windows` must satisfy c·windows ≥ bitLength(s) + 1 so that the last carry is absorbed.
 */
export function forEachSignedDigit(s: Uint32Array, o: number, c: number, windows: number, emit: (w: number, d: number) => void): void {
  const half = 1 << (c - 1);
  const full = 1 << c;
  let carry = 0;
  for (let w = 0; w < windows; w++) {
    let d = scalarBits(s, o, w * c, c) + carry;
    if (d > half) {
      d -= full;
      carry = 1;
    } else {
      carry = 0;
    }
    if (d !== 0) emit(w, d);
  }
  if (carry !== 0) throw new Error(`internal: ${windows} windows of ${c} bits do not hold the scalar`);
}

/** Number of nonzero signed digits (the bucket additions a term costs). */
export function signedDigitCount(s: Uint32Array, o: number, c: number, windows: number): number {
  let n = 0;
  forEachSignedDigit(s, o, c, windows, () => n++);
  return n;
}

/**
 * Groups identical s' (open addressing over the 8 words). Returns, per kept input, the id of its distinct value,
 * and per distinct value the first kept input holding it and how many hold it.
 */
export function groupEqualScalars(scan: ScalarScan): { distinct: number; distinctOf: Uint32Array; first: Uint32Array; count: Uint32Array } {
  const n = scan.live;
  const s = scan.scalar;
  let cap = 16;
  while (cap < 2 * n) cap *= 2;
  const mask = cap - 1;
  const table = new Int32Array(cap).fill(-1);
  const distinctOf = new Uint32Array(n);
  const first = new Uint32Array(n);
  const count = new Uint32Array(n);
  let distinct = 0;
  for (let i = 0; i < n; i++) {
    const o = i * WORDS;
    let h = 0x811c9dc5;
    for (let j = 0; j < WORDS; j++) h = Math.imul(h ^ s[o + j], 0x01000193);
    h ^= h >>> 15;
    let slot = h & mask;
    for (;;) {
      const d = table[slot];
      if (d === -1) {
        table[slot] = distinct;
        first[distinct] = i;
        count[distinct] = 1;
        distinctOf[i] = distinct++;
        break;
      }
      const fo = first[d] * WORDS;
      let eq = true;
      for (let j = 0; j < WORDS; j++) {
        if (s[fo + j] !== s[o + j]) {
          eq = false;
          break;
        }
      }
      if (eq) {
        count[d]++;
        distinctOf[i] = d;
        break;
      }
      slot = (slot + 1) & mask;
    }
  }
  return { distinct, distinctOf, first: first.subarray(0, distinct), count: count.subarray(0, distinct) };
}
