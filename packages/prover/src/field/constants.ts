/**
 * BN254 (a.k.a. alt_bn128, "bn128" in snarkjs/circom) parameters.
 *   E: y² = x³ + 3 over Fp, prime order r (cofactor 1), generator G1 = (1, 2).
 * Every curve point other than infinity lies in the order-r group, so k·P = (k mod r)·P for any integer k.
 */

/** Base field modulus p (254 bits). */
export const BN254_P = 21888242871839275222246405745257275088696311157297823662689037894645226208583n;
/** Scalar field modulus r = #E(Fp) (254 bits). */
export const BN254_R = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;
/** Curve coefficient b. */
export const BN254_B = 3n;
/** 3·b, the constant in the Renes–Costello–Batina complete formulas for a = 0. */
export const BN254_B3 = 9n;

/** Byte length of one field element in snarkjs/ffjavascript buffers (n8q = n8r = 32). */
export const FIELD_BYTES = 32;
/** Byte length of an affine G1 point in ffjavascript's LEM form (x ‖ y). */
export const G1_AFFINE_BYTES = 64;
/** Byte length of a Jacobian G1 point in ffjavascript's internal form (x ‖ y ‖ z). */
export const G1_JACOBIAN_BYTES = 96;
/** ffjavascript/snarkjs keep Fp elements in Montgomery form with R = 2^256. */
export const FFJS_MONT_BITS = 256;
