/**
 * How BN254 Fp elements and G1 points look on the GPU, and host-side conversions to and from that form.
 *
 * In registers: 20 limbs of 13 bits, each in a u32 (see `field.ts` for why), Montgomery form with R = 2^260.
 * In storage buffers: the same canonical Montgomery value packed into 8 little-endian u32 words (256 bits; the
 * value is < p < 2^254). Packing keeps buffers as small as ffjavascript's (32 bytes per coordinate instead of
 * 80) and the unpack is a few shifts per limb.
 *   affine point     = x ‖ y       16 words (64 bytes)
 *   projective point = X ‖ Y ‖ Z   24 words (96 bytes); infinity = (0 : 1 : 0)
 */
import { BN254_P } from '../../field/constants.js';
import { Fp } from '../../field/fields.js';
import type { G1Affine, G1Projective } from '../../field/g1.js';

export const LIMB_BITS = 13;
export const NUM_LIMBS = 20;
export const LIMB_MASK = (1 << LIMB_BITS) - 1;
/** R = 2^(13·20) for the GPU's Montgomery multiplication. */
export const GPU_MONT_BITS = LIMB_BITS * NUM_LIMBS;
export const WORDS_PER_FP = 8;
export const WORDS_PER_AFFINE = 2 * WORDS_PER_FP;
export const WORDS_PER_PROJ = 3 * WORDS_PER_FP;
export const BYTES_PER_AFFINE = 4 * WORDS_PER_AFFINE;
export const BYTES_PER_PROJ = 4 * WORDS_PER_PROJ;

/** The 13-bit limbs of 0 ≤ x < 2^260, least significant first. */
export function toLimbs(x: bigint): number[] {
  if (x < 0n || x >> BigInt(GPU_MONT_BITS) !== 0n) throw new RangeError('value does not fit in 20 × 13-bit limbs');
  const limbs: number[] = [];
  for (let i = 0; i < NUM_LIMBS; i++) limbs.push(Number((x >> BigInt(LIMB_BITS * i)) & BigInt(LIMB_MASK)));
  return limbs;
}

export function fromLimbs(limbs: readonly number[]): bigint {
  let x = 0n;
  for (let i = limbs.length - 1; i >= 0; i--) x = (x << BigInt(LIMB_BITS)) + BigInt(limbs[i]);
  return x;
}

/** x·2^260 mod p. */
export function toGpuMont(x: bigint): bigint {
  return Fp.toMont(x, GPU_MONT_BITS);
}

/** x·2^-260 mod p. */
export function fromGpuMont(x: bigint): bigint {
  return Fp.fromMont(x, GPU_MONT_BITS);
}

/** Writes 0 ≤ x < 2^256 as 8 little-endian u32 words. */
export function writeWords(x: bigint, out: Uint32Array, offset: number): void {
  if (x < 0n || x >> 256n !== 0n) throw new RangeError('value does not fit in 256 bits');
  let v = x;
  for (let i = 0; i < WORDS_PER_FP; i++) {
    out[offset + i] = Number(v & 0xffffffffn);
    v >>= 32n;
  }
}

export function readWords(words: Uint32Array, offset: number): bigint {
  let x = 0n;
  for (let i = WORDS_PER_FP - 1; i >= 0; i--) x = (x << 32n) | BigInt(words[offset + i]);
  return x;
}

/** Standard-form Fp element → the GPU's packed Montgomery words. */
export function writeFpGpu(x: bigint, out: Uint32Array, offset: number): void {
  if (!Fp.isValid(x)) throw new RangeError('not a canonical Fp element');
  writeWords(toGpuMont(x), out, offset);
}

/** Packed Montgomery words → standard-form Fp element (must be canonical, as every GPU output is). */
export function readFpGpu(words: Uint32Array, offset: number): bigint {
  const m = readWords(words, offset);
  if (m >= BN254_P) throw new RangeError(`GPU value at word ${offset} is not canonical`);
  return fromGpuMont(m);
}

/** Affine point (must be finite) → 16 words. */
export function writeAffineGpu(p: G1Affine, out: Uint32Array, offset: number): void {
  writeFpGpu(p.x, out, offset);
  writeFpGpu(p.y, out, offset + WORDS_PER_FP);
}

export function writeProjGpu(p: G1Projective, out: Uint32Array, offset: number): void {
  writeFpGpu(p.x, out, offset);
  writeFpGpu(p.y, out, offset + WORDS_PER_FP);
  writeFpGpu(p.z, out, offset + 2 * WORDS_PER_FP);
}

export function readProjGpu(words: Uint32Array, offset: number): G1Projective {
  return {
    x: readFpGpu(words, offset),
    y: readFpGpu(words, offset + WORDS_PER_FP),
    z: readFpGpu(words, offset + 2 * WORDS_PER_FP),
  };
}

/** A little-endian-platform check: the packed layouts are read through typed-array views. */
export function assertLittleEndian(): void {
  if (new Uint8Array(new Uint32Array([1]).buffer)[0] !== 1) throw new Error('@plasma-tree/prover needs a little-endian host');
}
