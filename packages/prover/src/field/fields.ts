import { BN254_P, BN254_R } from './constants.js';
import { PrimeField } from './prime.js';

/** BN254 base field (coordinates of G1 points). */
export const Fp = new PrimeField(BN254_P);
/** BN254 scalar field (witness values, MSM scalars). */
export const Fr = new PrimeField(BN254_R);
