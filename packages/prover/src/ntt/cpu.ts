/**
 * Bigint reference NTT over Fr (BN254's scalar field), with ffjavascript's roots of unity, and the Groth16 H
 * step exactly as snarkjs computes it. The oracle the WebGPU NTT is checked against; slow (about a microsecond
 * per butterfly), fine up to 2^14 or so.
 *
 * Roots: ffjavascript (`WasmField1`) takes the smallest quadratic non-residue nqr ≥ 2 (5 for BN254 r), writes
 * r − 1 = 2^s·t with t odd (s = 28), sets w[s] = nqr^t and w[i] = w[i+1]², and `shift` = nqr². Its `fft` of size
 * 2^k is the plain DFT with ω = w[k] (X_j = Σ x_i·ω^(ij)), `ifft` the inverse (ω⁻¹, scaled by 1/n). The same
 * roots here make every backend agree byte for byte.
 */
import { ProverError } from '../errors.js';
import { BN254_R, FIELD_BYTES } from '../field/constants.js';
import { bigintFromBytesLE, bigintToBytesLE } from '../field/encoding.js';
import { Fr } from '../field/fields.js';

function computeRoots(): { nqr: bigint; s: number; w: bigint[]; shift: bigint } {
  const minusOne = BN254_R - 1n;
  let nqr = 2n;
  while (Fr.pow(nqr, minusOne / 2n) !== minusOne) nqr++;
  let t = minusOne;
  let s = 0;
  while ((t & 1n) === 0n) {
    t >>= 1n;
    s++;
  }
  const w: bigint[] = [];
  w[s] = Fr.pow(nqr, t);
  for (let i = s - 1; i >= 0; i--) w[i] = Fr.sqr(w[i + 1]);
  if (w[0] !== 1n) throw new Error('Fr roots of unity: w[0] ≠ 1');
  return { nqr, s, w, shift: Fr.sqr(nqr) };
}

const ROOTS = computeRoots();

/** Fr's 2-adicity: the largest power of two dividing r − 1 (28), hence the largest NTT. */
export const FR_TWO_ADICITY = ROOTS.s;
/** ffjavascript's `Fr.nqr` (5). */
export const FR_NQR = ROOTS.nqr;
/** ffjavascript's `Fr.shift` = nqr² (25), the coset shift snarkjs uses when the domain is 2^s. */
export const FR_SHIFT = ROOTS.shift;

/** ffjavascript's `Fr.w[k]`: a primitive 2^k-th root of unity (standard form). */
export function rootOfUnity(logN: number): bigint {
  if (!Number.isInteger(logN) || logN < 0 || logN > FR_TWO_ADICITY) throw new RangeError(`no 2^${logN}-th root of unity in Fr`);
  return ROOTS.w[logN];
}

/**
 * The coset shift of snarkjs's Groth16 prover for a domain of 2^logN points:
 * `power == Fr.s ? Fr.shift : Fr.w[power + 1]`. With w[power + 1] the coset is the odd points of the 2n domain.
 */
export function groth16CosetShift(logN: number): bigint {
  return logN === FR_TWO_ADICITY ? FR_SHIFT : rootOfUnity(logN + 1);
}

/** log2 n for n a power of two in [1, 2^28], else `INVALID_INPUT`. `what` names the input in the message. */
export function nttLogSize(n: number, what = 'input'): number {
  if (!Number.isSafeInteger(n) || n < 1 || (n & (n - 1)) !== 0 || n > 2 ** FR_TWO_ADICITY) {
    throw new ProverError('INVALID_INPUT', `${what} has ${n} elements: an NTT needs a power of two between 1 and 2^${FR_TWO_ADICITY}`, {
      data: { elements: n },
      hint: `pad the evaluations to the next power of two (a Groth16 domain is 2^k ≥ constraints + public inputs), at most 2^${FR_TWO_ADICITY} (Fr's 2-adicity)`,
    });
  }
  return Math.log2(n);
}

/** Number of 32-byte elements of an Fr buffer, checking the byte length. */
export function frElementCount(bytes: Uint8Array, what = 'input'): number {
  if (!(bytes instanceof Uint8Array)) throw new ProverError('INVALID_INPUT', `${what} must be a Uint8Array`, { hint: 'pass 32-byte little-endian Fr elements' });
  if (bytes.byteLength % FIELD_BYTES !== 0) {
    throw new ProverError('INVALID_INPUT', `${what} is ${bytes.byteLength} bytes, not a multiple of ${FIELD_BYTES}`, {
      data: { bytes: bytes.byteLength },
      hint: 'Fr elements are 32-byte little-endian integers in standard (not Montgomery) form',
    });
  }
  return bytes.byteLength / FIELD_BYTES;
}

/** The bit reversal of i over `bits` bits. */
export function bitReverse(i: number, bits: number): number {
  let r = 0;
  for (let b = 0; b < bits; b++) r |= ((i >>> b) & 1) << (bits - 1 - b);
  return r >>> 0;
}

/**
 * DFT of `values` (any integers; reduced mod r) with ω = w[log n]: X_j = Σ x_i·ω^(ij); `inverse`: ω⁻¹ and · 1/n.
 * Textbook radix-2: bit-reversal permutation, then log n decimation-in-time stages.
 */
export function nttReference(values: readonly bigint[], inverse = false): bigint[] {
  const n = values.length;
  const logN = nttLogSize(n);
  const a = new Array<bigint>(n);
  for (let i = 0; i < n; i++) a[bitReverse(i, logN)] = Fr.mod(values[i]);
  for (let s = 1; s <= logN; s++) {
    const len = 1 << s;
    const half = len >> 1;
    const root = inverse ? Fr.inv(rootOfUnity(s)) : rootOfUnity(s);
    const tw: bigint[] = [1n];
    for (let k = 1; k < half; k++) tw.push(Fr.mul(tw[k - 1], root));
    for (let i = 0; i < n; i += len) {
      for (let k = 0; k < half; k++) {
        const u = a[i + k];
        const v = Fr.mul(a[i + k + half], tw[k]);
        a[i + k] = Fr.add(u, v);
        a[i + k + half] = Fr.sub(u, v);
      }
    }
  }
  if (inverse && n > 1) {
    const nInv = Fr.inv(BigInt(n));
    for (let i = 0; i < n; i++) a[i] = Fr.mul(a[i], nInv);
  }
  return a;
}

/**
 * snarkjs's H step (groth16_prove.js) on standard-form values: for each of A, B, C: ifft, coefficient i times
 * inc^i (inc = `groth16CosetShift`), fft; then h_i = A'_i·B'_i − C'_i. These are the scalars of its H multiexp.
 */
export function groth16HReference(a: readonly bigint[], b: readonly bigint[], c: readonly bigint[]): bigint[] {
  const n = a.length;
  if (b.length !== n || c.length !== n) throw new ProverError('INVALID_INPUT', `A, B, C have ${a.length}, ${b.length}, ${c.length} elements; they must be equal`);
  const inc = groth16CosetShift(nttLogSize(n, 'A'));
  const odd = (evals: readonly bigint[]): bigint[] => {
    const coeffs = nttReference(evals, true);
    let f = 1n;
    for (let i = 0; i < n; i++) {
      coeffs[i] = Fr.mul(coeffs[i], f);
      f = Fr.mul(f, inc);
    }
    return nttReference(coeffs);
  };
  const [A, B, C] = [odd(a), odd(b), odd(c)];
  return A.map((x, i) => Fr.sub(Fr.mul(x, B[i]), C[i]));
}

/** 32-byte little-endian elements → bigints (not reduced). */
export function decodeFr(bytes: Uint8Array): bigint[] {
  const n = frElementCount(bytes);
  const out = new Array<bigint>(n);
  for (let i = 0; i < n; i++) out[i] = bigintFromBytesLE(bytes, i * FIELD_BYTES);
  return out;
}

/** Canonical elements → 32-byte little-endian bytes. */
export function encodeFr(values: readonly bigint[]): Uint8Array {
  const out = new Uint8Array(values.length * FIELD_BYTES);
  values.forEach((v, i) => bigintToBytesLE(v, out, i * FIELD_BYTES));
  return out;
}
