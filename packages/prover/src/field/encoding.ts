/**
 * Byte encodings shared with snarkjs/ffjavascript.
 *
 * - Field elements: 32 bytes little-endian. In .zkey point sections and in ffjavascript's wasm memory, Fp
 *   coordinates are in Montgomery form with R = 2^256 ("LEM": little-endian Montgomery).
 * - Affine G1 point: x ‖ y, 64 bytes LEM; infinity is 64 zero bytes.
 * - Jacobian G1 point (ffjavascript's internal result of `multiExpAffine`): x ‖ y ‖ z, 96 bytes LEM; Z = 0 is
 *   infinity.
 * - Scalars (.wtns values, `multiExpAffine` scalars): 32 bytes little-endian, standard form, not reduced.
 * - snarkjs JSON (proof.json): decimal strings, affine points as [x, y, "1"], infinity as ["0", "1", "0"].
 */
import { FFJS_MONT_BITS, FIELD_BYTES, G1_AFFINE_BYTES, G1_JACOBIAN_BYTES } from './constants.js';
import { Fp } from './fields.js';
import { G1_INFINITY, type G1Affine, isInfinity, jacToAffine } from './g1.js';

/** Unsigned little-endian integer from `len` bytes (no reduction). */
export function bigintFromBytesLE(bytes: Uint8Array, offset = 0, len = FIELD_BYTES): bigint {
  if (offset < 0 || offset + len > bytes.length) throw new RangeError(`read of ${len} bytes at ${offset} is out of bounds`);
  let x = 0n;
  for (let i = offset + len - 1; i >= offset; i--) x = (x << 8n) | BigInt(bytes[i]);
  return x;
}

/** Writes x (0 ≤ x < 2^(8·len)) as `len` little-endian bytes. */
export function bigintToBytesLE(x: bigint, out: Uint8Array = new Uint8Array(FIELD_BYTES), offset = 0, len = FIELD_BYTES): Uint8Array {
  if (x < 0n || x >> BigInt(8 * len) !== 0n) throw new RangeError(`value does not fit in ${len} bytes`);
  let v = x;
  for (let i = 0; i < len; i++) {
    out[offset + i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

/** Fp element from LEM bytes (Montgomery, R = 2^256), as a canonical standard-form bigint. */
export function readFpLEM(bytes: Uint8Array, offset = 0): bigint {
  return Fp.fromMont(bigintFromBytesLE(bytes, offset), FFJS_MONT_BITS);
}

export function writeFpLEM(x: bigint, out: Uint8Array, offset = 0): void {
  bigintToBytesLE(Fp.toMont(x, FFJS_MONT_BITS), out, offset);
}

function allZero(bytes: Uint8Array, offset: number, len: number): boolean {
  for (let i = offset; i < offset + len; i++) if (bytes[i] !== 0) return false;
  return true;
}

/** Affine point from 64 LEM bytes (the .zkey / `multiExpAffine` base format). Does not check the curve. */
export function readG1AffineLEM(bytes: Uint8Array, offset = 0): G1Affine {
  if (offset + G1_AFFINE_BYTES > bytes.length) throw new RangeError('G1 point read out of bounds');
  if (allZero(bytes, offset, G1_AFFINE_BYTES)) return G1_INFINITY;
  return { x: readFpLEM(bytes, offset), y: readFpLEM(bytes, offset + FIELD_BYTES) };
}

export function writeG1AffineLEM(p: G1Affine, out: Uint8Array = new Uint8Array(G1_AFFINE_BYTES), offset = 0): Uint8Array {
  if (isInfinity(p)) {
    out.fill(0, offset, offset + G1_AFFINE_BYTES);
  } else {
    writeFpLEM(p.x, out, offset);
    writeFpLEM(p.y, out, offset + FIELD_BYTES);
  }
  return out;
}

/** Affine points → one contiguous LEM buffer (64 bytes each). */
export function encodeG1AffineLEM(points: readonly G1Affine[]): Uint8Array {
  const out = new Uint8Array(points.length * G1_AFFINE_BYTES);
  points.forEach((p, i) => writeG1AffineLEM(p, out, i * G1_AFFINE_BYTES));
  return out;
}

export function decodeG1AffineLEM(bytes: Uint8Array): G1Affine[] {
  if (bytes.length % G1_AFFINE_BYTES !== 0) throw new RangeError('length is not a multiple of 64');
  const out: G1Affine[] = [];
  for (let o = 0; o < bytes.length; o += G1_AFFINE_BYTES) out.push(readG1AffineLEM(bytes, o));
  return out;
}

/** ffjavascript's 96-byte Jacobian point (e.g. what `G1.multiExpAffine` resolves to) → affine. */
export function readG1JacobianLEM(bytes: Uint8Array, offset = 0): G1Affine {
  if (offset + G1_JACOBIAN_BYTES > bytes.length) throw new RangeError('G1 point read out of bounds');
  const z = readFpLEM(bytes, offset + 2 * FIELD_BYTES);
  return jacToAffine({ x: readFpLEM(bytes, offset), y: readFpLEM(bytes, offset + FIELD_BYTES), z });
}

/** Scalars → one contiguous buffer of 32-byte little-endian integers (values < 2^256, not reduced). */
export function encodeScalarsLE(scalars: readonly bigint[]): Uint8Array {
  const out = new Uint8Array(scalars.length * FIELD_BYTES);
  scalars.forEach((s, i) => bigintToBytesLE(s, out, i * FIELD_BYTES));
  return out;
}

export function decodeScalarsLE(bytes: Uint8Array): bigint[] {
  if (bytes.length % FIELD_BYTES !== 0) throw new RangeError('length is not a multiple of 32');
  const out: bigint[] = [];
  for (let o = 0; o < bytes.length; o += FIELD_BYTES) out.push(bigintFromBytesLE(bytes, o));
  return out;
}

/** snarkjs proof.json form of a G1 point: ["x", "y", "1"], infinity ["0", "1", "0"]. */
export function g1ToSnarkjs(p: G1Affine): [string, string, string] {
  return isInfinity(p) ? ['0', '1', '0'] : [p.x.toString(), p.y.toString(), '1'];
}

/**
 * Inverse of `g1ToSnarkjs`. Like ffjavascript's `fromObject`, a third coordinate other than 0 or 1 is read as
 * Jacobian Z (x/Z², y/Z³).
 */
export function g1FromSnarkjs(o: readonly string[]): G1Affine {
  if (o.length !== 2 && o.length !== 3) throw new RangeError('a G1 point has 2 or 3 coordinates');
  const x = Fp.mod(BigInt(o[0]));
  const y = Fp.mod(BigInt(o[1]));
  const z = o.length === 3 ? Fp.mod(BigInt(o[2])) : 1n;
  if (z === 0n) return G1_INFINITY;
  if (z === 1n) return { x, y };
  return jacToAffine({ x, y, z });
}
