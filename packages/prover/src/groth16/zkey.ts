/**
 * snarkjs Groth16 proving keys (.zkey), as `zkey_new.js` / `zkey_utils.js` write them:
 *   1 header: protocol u32 (1 = Groth16)
 *   2 Groth16 header: n8q, q, n8r, r, nVars, nPublic, domainSize, α₁, β₁, β₂, γ₂, δ₁, δ₂ (points LEM, affine)
 *   3 IC: nPublic + 1 G1 points          4 coefficients: count u32, count × (matrix u32, constraint u32,
 *   5 A: nVars G1                          signal u32, value·R² mod r (32 bytes LE))
 *   6 B1: nVars G1                       7 B2: nVars G2 (128 bytes)
 *   8 C: nVars − nPublic − 1 G1          9 H: domainSize G1          10 contributions (MPC transcript)
 * The point sections stay views into the file bytes: the MSMs take exactly that layout, so a cached key is
 * never converted again.
 */
import { stat, readFile } from 'node:fs/promises';
import { ProverError } from '../errors.js';
import { BN254_P, BN254_R, FIELD_BYTES, G1_AFFINE_BYTES } from '../field/constants.js';
import { BinFileError, type BinFile, dataView, parseBinFile, readUintLE, uniqueSection } from './binfile.js';

export const G2_AFFINE_BYTES = 128;
/** Bytes of one entry of section 4. */
export const COEF_BYTES = 12 + FIELD_BYTES;
const GROTH16_PROTOCOL_ID = 1;
const HEADER_BYTES = 4 + 32 + 4 + 32 + 12 + 3 * G1_AFFINE_BYTES + 3 * G2_AFFINE_BYTES;

export interface Groth16Zkey {
  readonly nVars: number;
  /** Public signals (outputs then inputs), not counting the constant 1. */
  readonly nPublic: number;
  readonly domainSize: number;
  /** log2(domainSize). */
  readonly power: number;
  /** Verification-key points, affine LEM. */
  readonly vk: {
    readonly alpha1: Uint8Array;
    readonly beta1: Uint8Array;
    readonly beta2: Uint8Array;
    readonly gamma2: Uint8Array;
    readonly delta1: Uint8Array;
    readonly delta2: Uint8Array;
  };
  readonly ic: Uint8Array;
  /** Section 4 without its count: nCoeffs × 44 bytes. */
  readonly coeffs: Uint8Array;
  readonly nCoeffs: number;
  readonly pointsA: Uint8Array;
  readonly pointsB1: Uint8Array;
  readonly pointsB2: Uint8Array;
  readonly pointsC: Uint8Array;
  readonly pointsH: Uint8Array;
  /** Bytes of the whole file (the sections are views into it). */
  readonly byteLength: number;
}

function invalid(message: string, hint = 'regenerate the .zkey (snarkjs groth16 setup, or devSetup/setupFromPtau)', data: Record<string, unknown> = {}, cause?: unknown): ProverError {
  return new ProverError('INVALID_ZKEY', message, { hint, data, cause });
}

function expectSize(section: Uint8Array, expected: number, name: string): void {
  if (section.length !== expected) throw invalid(`section ${name} has ${section.length} bytes, the header implies ${expected}`, 'the .zkey is truncated or corrupted: regenerate it', { section: name });
}

/** Parses and validates a Groth16 BN254 .zkey. Throws `ProverError('INVALID_ZKEY')`. */
export function parseZkey(bytes: Uint8Array): Groth16Zkey {
  let file: BinFile;
  try {
    file = parseBinFile(bytes, 'zkey', 2);
  } catch (e) {
    if (e instanceof BinFileError) throw invalid(`cannot read the .zkey: ${e.message}`, e.hint || 'the file is not a snarkjs .zkey, or it is truncated', {}, e);
    throw e;
  }
  const section = (id: number, name: string): Uint8Array => {
    try {
      return uniqueSection(file, id, name);
    } catch (e) {
      if (e instanceof BinFileError) throw invalid(e.message, 'the .zkey is incomplete or corrupted: regenerate it', { section: id }, e);
      throw e;
    }
  };

  const s1 = section(1, 'header');
  if (s1.length < 4) throw invalid('the header section is empty');
  const protocol = dataView(s1).getUint32(0, true);
  if (protocol !== GROTH16_PROTOCOL_ID) {
    const name = protocol === 2 ? 'PLONK' : protocol === 10 ? 'FFLONK' : `protocol ${protocol}`;
    throw invalid(`the .zkey is for ${name}, not Groth16`, 'make a Groth16 key (snarkjs groth16 setup)', { protocol });
  }

  const s2 = section(2, 'groth16 header');
  if (s2.length < 4) throw invalid('the Groth16 header is empty');
  const v = dataView(s2);
  const n8q = v.getUint32(0, true);
  if (n8q !== FIELD_BYTES || s2.length < 8 + n8q) throw invalid(`base field elements of ${n8q} bytes: not BN254`, 'only BN254 (bn128) keys are supported', { n8q });
  const q = readUintLE(s2, 4, n8q);
  if (q !== BN254_P) throw invalid('the .zkey is not over BN254 (base field modulus differs)', 'only BN254 (bn128) keys are supported; BLS12-381 circuits need another prover', { q: q.toString() });
  const n8r = v.getUint32(36, true);
  if (n8r !== FIELD_BYTES) throw invalid(`scalars of ${n8r} bytes: not BN254`, 'only BN254 (bn128) keys are supported', { n8r });
  const r = readUintLE(s2, 40, n8r);
  if (r !== BN254_R) throw invalid('the .zkey is not over BN254 (scalar field modulus differs)', 'only BN254 (bn128) keys are supported', { r: r.toString() });
  expectSize(s2, HEADER_BYTES, '2 (groth16 header)');
  const nVars = v.getUint32(72, true);
  const nPublic = v.getUint32(76, true);
  const domainSize = v.getUint32(80, true);
  if (nVars < 1 || nPublic >= nVars) throw invalid(`nVars ${nVars} and nPublic ${nPublic} are inconsistent`, undefined, { nVars, nPublic });
  if (domainSize < 2 || (domainSize & (domainSize - 1)) !== 0 || domainSize > 2 ** 28) {
    throw invalid(`domain size ${domainSize} is not a power of two in 2..2^28`, undefined, { domainSize });
  }
  const power = Math.log2(domainSize);
  let p = 84;
  const take = (n: number): Uint8Array => s2.subarray(p, (p += n));
  const vk = {
    alpha1: take(G1_AFFINE_BYTES),
    beta1: take(G1_AFFINE_BYTES),
    beta2: take(G2_AFFINE_BYTES),
    gamma2: take(G2_AFFINE_BYTES),
    delta1: take(G1_AFFINE_BYTES),
    delta2: take(G2_AFFINE_BYTES),
  };

  const ic = section(3, 'IC');
  expectSize(ic, (nPublic + 1) * G1_AFFINE_BYTES, '3 (IC)');
  const s4 = section(4, 'coefficients');
  if (s4.length < 4) throw invalid('the coefficient section is empty', 'the .zkey is truncated or corrupted: regenerate it');
  const nCoeffs = dataView(s4).getUint32(0, true);
  expectSize(s4, 4 + nCoeffs * COEF_BYTES, '4 (coefficients)');
  const coeffs = s4.subarray(4);
  // Indices out of range would make the QAP kernel write outside its buffers: check every entry.
  const cv = dataView(coeffs);
  for (let i = 0, o = 0; i < nCoeffs; i++, o += COEF_BYTES) {
    const m = cv.getUint32(o, true);
    const c = cv.getUint32(o + 4, true);
    const s = cv.getUint32(o + 8, true);
    if (m > 1 || c >= domainSize || s >= nVars) {
      throw invalid(`coefficient ${i} is out of range (matrix ${m}, constraint ${c}, signal ${s})`, 'the .zkey is corrupted: regenerate it', { index: i });
    }
  }
  const pointsA = section(5, 'A');
  expectSize(pointsA, nVars * G1_AFFINE_BYTES, '5 (A)');
  const pointsB1 = section(6, 'B1');
  expectSize(pointsB1, nVars * G1_AFFINE_BYTES, '6 (B1)');
  const pointsB2 = section(7, 'B2');
  expectSize(pointsB2, nVars * G2_AFFINE_BYTES, '7 (B2)');
  const pointsC = section(8, 'C');
  expectSize(pointsC, (nVars - nPublic - 1) * G1_AFFINE_BYTES, '8 (C)');
  const pointsH = section(9, 'H');
  expectSize(pointsH, domainSize * G1_AFFINE_BYTES, '9 (H)');

  return { nVars, nPublic, domainSize, power, vk, ic, coeffs, nCoeffs, pointsA, pointsB1, pointsB2, pointsC, pointsH, byteLength: bytes.length };
}

/**
 * Parsed keys per path (checked against the file's size and mtime, so a replaced file is re-read) and per
 * byte array (by identity). At most `max` paths are kept, least recently used first out.
 */
export class ZkeyCache {
  private readonly byPath = new Map<string, { size: number; mtimeMs: number; zkey: Groth16Zkey }>();
  private readonly byBytes = new WeakMap<Uint8Array, Groth16Zkey>();
  /** Parses done (not cache hits): lets tests check that a second proof reused the key. */
  parses = 0;

  constructor(private readonly max = 8) {}

  async load(source: string | Uint8Array): Promise<Groth16Zkey> {
    if (typeof source !== 'string') {
      let z = this.byBytes.get(source);
      if (!z) {
        z = parseZkey(source);
        this.parses++;
        this.byBytes.set(source, z);
      }
      return z;
    }
    let st;
    try {
      st = await stat(source);
    } catch (e) {
      throw invalid(`cannot read the .zkey at ${source}: ${(e as Error).message}`, 'check the path', { path: source }, e);
    }
    const hit = this.byPath.get(source);
    if (hit && hit.size === st.size && hit.mtimeMs === st.mtimeMs) {
      this.byPath.delete(source);
      this.byPath.set(source, hit);
      return hit.zkey;
    }
    let bytes: Uint8Array;
    try {
      bytes = await readFile(source);
    } catch (e) {
      throw invalid(`cannot read the .zkey at ${source}: ${(e as Error).message}`, 'check the path', { path: source }, e);
    }
    const zkey = parseZkey(bytes);
    this.parses++;
    this.byPath.delete(source);
    this.byPath.set(source, { size: st.size, mtimeMs: st.mtimeMs, zkey });
    while (this.byPath.size > this.max) this.byPath.delete(this.byPath.keys().next().value as string);
    return zkey;
  }

  clear(): void {
    this.byPath.clear();
  }
}
