import { ProverError } from '../errors.js';
import { FIELD_BYTES, G1_AFFINE_BYTES } from '../field/constants.js';

/**
 * Checks an MSM's ffjavascript-format buffers (64-byte LEM bases, one 32-byte little-endian scalar per base)
 * and returns the number of terms. Every backend calls it, so all reject malformed input the same way.
 */
export function msmInputSize(bases: Uint8Array, scalars: Uint8Array): number {
  if (bases.byteLength % G1_AFFINE_BYTES !== 0) {
    throw new ProverError('INVALID_INPUT', `bases are ${bases.byteLength} bytes, not a multiple of ${G1_AFFINE_BYTES}`, { data: { baseBytes: bases.byteLength } });
  }
  const n = bases.byteLength / G1_AFFINE_BYTES;
  if (scalars.byteLength !== n * FIELD_BYTES) {
    throw new ProverError('INVALID_INPUT', `${n} bases need ${n * FIELD_BYTES} bytes of scalars, got ${scalars.byteLength}`, {
      data: { points: n, scalarBytes: scalars.byteLength },
    });
  }
  return n;
}
