/**
 * How an NTT of 2^logN elements is cut into dispatches. Shared by the WebGPU driver (`gpu.ts`) and the CPU
 * simulation of it in the tests, so the index arithmetic of the kernels is checked without a GPU.
 *
 * ## Algorithm: radix-2, decimation in frequency for the inverse and in time for the forward transform
 * Radix-2 keeps one Montgomery product per butterfly and one `fr_mul` call site per kernel (every call is
 * inlined, and llvmpipe compiles each one for a long time). Radix-4 saves no products over Fr: its ×ω₄ is a full
 * product here, not the free ×i of a complex FFT, so it needs 4 products per 4 elements and 2 stages, as radix-2
 * does; its real gain, fewer passes over memory, the workgroup-memory blocks below give as well. Stockham avoids
 * the bit reversal but needs a second buffer per polynomial (no in-place update). Instead the H step uses the
 * classic pairing that needs no permutation at all:
 *   inverse NTT by DIF (natural order in → bit-reversed out), the coset scaling applied in bit-reversed order,
 *   forward NTT by DIT (bit-reversed in → natural out).
 * The standalone `ntt()` bit-reverses on the host while it stages the upload (forward) or reads back (inverse).
 *
 * ## Passes
 * - `block`: one workgroup loads 256 elements into workgroup memory and runs up to 8 consecutive stages
 *   [s0, s0 + t) on them (rows 2^s0 apart, 2^(8−t) adjacent columns so that loads stay contiguous where they
 *   can), so a 2^20 NTT is 3 passes over memory instead of 20. Stages whose pairs lie in one chunk only.
 * - `cross`: one stage whose pairs lie in two different chunks (only when a polynomial is split over several
 *   bindings): a plain radix-2 pass binding both chunks.
 *
 * ## Twiddles
 * Per-stage layout: entry h + k = ω_{2h}^k (k < h) for h = 1, 2, …, n/2; n entries in all (entry 0 unused), in
 * Montgomery form, one table for ω and one for ω⁻¹. A stage reads a contiguous range, and the range a cross
 * stage needs for chunk pair j is exactly table chunk h/m + j — so tables split into chunks like the data.
 */
import { ProverError } from '../errors.js';
import { FIELD_BYTES } from '../field/constants.js';

/** log2 of the elements a workgroup holds in workgroup memory (256 × 32 bytes = 8 KiB). */
export const BLOCK_LOG = 8;
export const BLOCK_ELEMENTS = 1 << BLOCK_LOG;

export type NttPass = { kind: 'block'; s0: number; t: number } | { kind: 'cross'; stage: number };

/**
 * Passes for an NTT of 2^logN elements held in chunks of 2^logM: DIT runs stages 0 … logN−1 (block passes
 * first, then cross-chunk stages), DIF runs them in reverse. Stages within a chunk are split into as few block
 * passes as possible, as evenly as possible. There is always at least one block pass (possibly of 0 stages),
 * so the load-time reduction and the store-time scaling always have a pass to ride on.
 */
export function planPasses(logN: number, logM: number, order: 'dit' | 'dif'): NttPass[] {
  if (!(logM >= 0 && logM <= logN)) throw new RangeError(`chunk of 2^${logM} does not divide 2^${logN}`);
  const groups = Math.max(1, Math.ceil(logM / BLOCK_LOG));
  const blocks: NttPass[] = [];
  let s0 = 0;
  for (let i = 0; i < groups; i++) {
    const t = Math.floor(logM / groups) + (i < logM % groups ? 1 : 0);
    blocks.push({ kind: 'block', s0, t });
    s0 += t;
  }
  const cross: NttPass[] = [];
  for (let s = logM; s < logN; s++) cross.push({ kind: 'cross', stage: s });
  return order === 'dit' ? [...blocks, ...cross] : [...cross.reverse(), ...blocks.reverse()];
}

/**
 * log2 of the chunk size: the largest power of two m ≤ n with batch·m·32 bytes within one binding (the data
 * of one chunk of every polynomial of the batch share a buffer), and m·32 within it for the tables.
 */
export function chunkLog(logN: number, batch: number, maxBindingBytes: number): number {
  const fit = Math.floor(maxBindingBytes / (batch * FIELD_BYTES));
  if (fit < 1) {
    throw new ProverError('GPU_LIMIT_EXCEEDED', `one element of ${batch} polynomials (${batch * FIELD_BYTES} bytes) exceeds the ${maxBindingBytes}-byte binding limit`, {
      data: { batch, maxBindingBytes },
      hint: 'the device (or withBindingLimit) allows too small storage bindings for an NTT; use the ffjavascript backend',
    });
  }
  return Math.min(logN, Math.floor(Math.log2(fit)));
}

/**
 * Index (within its chunk) of row r of column x in a block pass over stages [s0, s0 + t): x's low s0 bits,
 * then r, then the rest of x. Mirrors `block_index` in the WGSL.
 */
export function blockIndex(x: number, r: number, s0: number, t: number): number {
  const lo = x & ((1 << s0) - 1);
  const hi = Math.floor(x / 2 ** s0) * 2 ** (s0 + t);
  return hi + (r << s0) + lo;
}

/** Workgroups one polynomial needs in a block pass of t stages over a chunk of 2^logM elements. */
export function blockWorkgroups(logM: number, t: number): number {
  const columns = 2 ** (logM - t);
  return Math.ceil(columns / 2 ** (BLOCK_LOG - t));
}
