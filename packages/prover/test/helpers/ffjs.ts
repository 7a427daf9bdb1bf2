import { type FfjsCurve, buildBn128 } from 'ffjavascript';
import { G1_AFFINE_BYTES } from '../../src/field/constants.js';
import { type G1Affine } from '../../src/field/g1.js';
import { readG1AffineLEM } from '../../src/field/encoding.js';

/** ffjavascript's BN254 in-process (no worker threads): the implementation snarkjs proves with. */
export function ffjsCurve(): Promise<FfjsCurve> {
  return buildBn128(true);
}

/** snarkjs's `G1.multiExpAffine` over the same buffers, as an affine point. */
export async function ffjsMsm(curve: FfjsCurve, bases: Uint8Array, scalars: Uint8Array): Promise<G1Affine> {
  if (bases.length === 0) return readG1AffineLEM(new Uint8Array(G1_AFFINE_BYTES));
  const r = await curve.G1.multiExpAffine(bases, scalars);
  return readG1AffineLEM(curve.G1.toAffine(r));
}
