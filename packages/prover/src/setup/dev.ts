/**
 * INSECURE development setup: a Groth16 .zkey made from toxic waste (τ, α, β, γ, δ) that this process draws and
 * KNOWS. Whoever knows it can forge proofs of anything for this key; it is for tests, devnets and benchmarks,
 * never for a key that protects value (use `setupFromPtau` with a public ceremony's .ptau for that).
 *
 * The key has exactly the layout and point sets snarkjs's `zkey_new.js` + contributions produce, computed
 * directly from the known scalars instead of from a powers-of-tau file (domain of size n = 2^k > constraints +
 * public signals, L_i the Lagrange basis of ⟨ω_n⟩ at τ, A_s/B_s/C_s the QAP polynomials at τ, public signal s
 * also in the extra constraint nConstraints + s of A):
 *   A_s·G1, B_s·G1, B_s·G2 for every signal s; IC_s = (β·A_s + α·B_s + C_s)/γ·G1 for s ≤ nPublic;
 *   C_s = (β·A_s + α·B_s + C_s)/δ·G1 otherwise; H_i = L'_(2i+1)(τ)/δ·G1 with L' the Lagrange basis of the 2n
 *   domain (its odd points are the coset the prover evaluates H on); coefficients value·R² mod r (section 4).
 * Section 10 holds a hash of the key and no contributions. The fixed-base multiplications run as a comb on
 * ffjavascript's wasm on worker threads (`fixedbase.ts`).
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { type SnarkjsCurve, curves, zKey } from 'snarkjs';
import { ProverError } from '../errors.js';
import { BN254_P, BN254_R, FIELD_BYTES } from '../field/constants.js';
import { Fr } from '../field/fields.js';
import { BinFileWriter, dataView, u32LE } from '../groth16/binfile.js';
import { fixedBaseMul } from './fixedbase.js';
import { forEachTerm, loadR1cs } from './r1cs.js';

export const DEV_SETUP_WARNING =
  'INSECURE dev setup: the toxic waste (tau, alpha, beta, gamma, delta) is known to this process, so anyone ' +
  'holding it can forge proofs for this key; use it for tests and devnets only, and setupFromPtau for real keys';

export interface DevSetupOptions {
  /** The circuit's .r1cs (path or bytes). */
  r1cs: string | Uint8Array;
  /** Where to write the .zkey (also returned as bytes). */
  out?: string;
  /** Derive the toxic waste from this seed (reproducible keys); default: fresh random bytes. */
  seed?: string | Uint8Array;
  /** Worker threads for the point multiplications (default: the machine's parallelism). */
  threads?: number;
  /** Receives the INSECURE warning line (default: console.warn). */
  log?: (line: string) => void;
}

/** The secrets of a dev key. Knowing them is exactly what makes the key insecure. */
export interface InsecureToxicWaste {
  readonly tau: bigint;
  readonly alpha: bigint;
  readonly beta: bigint;
  readonly gamma: bigint;
  readonly delta: bigint;
}

export interface DevSetupResult {
  /** The .zkey bytes (snarkjs format; `snarkjs groth16 prove` and our prover take it). */
  readonly zkey: Uint8Array;
  /** snarkjs's verification_key.json for it. */
  readonly verificationKey: Record<string, unknown>;
  readonly insecure: true;
  readonly warning: string;
  readonly insecureToxicWaste: InsecureToxicWaste;
  readonly nConstraints: number;
  readonly nVars: number;
  readonly nPublic: number;
  readonly domainSize: number;
  /** Milliseconds: QAP scalars at τ (bigint), G1 and G2 multiplications, encoding, verification key. */
  readonly timings: { scalars: number; g1: number; g2: number; encode: number; vk: number; total: number };
}

const R = BN254_R;
const mod = (x: bigint): bigint => {
  const m = x % R;
  return m < 0n ? m + R : m;
};

/** 32 bytes LE at `offset` as a bigint (four u64 reads). */
function readScalar(view: DataView, offset: number): bigint {
  return (
    view.getBigUint64(offset, true) |
    (view.getBigUint64(offset + 8, true) << 64n) |
    (view.getBigUint64(offset + 16, true) << 128n) |
    (view.getBigUint64(offset + 24, true) << 192n)
  );
}

const MASK64 = (1n << 64n) - 1n;
function writeScalar(view: DataView, offset: number, x: bigint): void {
  view.setBigUint64(offset, x & MASK64, true);
  view.setBigUint64(offset + 8, (x >> 64n) & MASK64, true);
  view.setBigUint64(offset + 16, (x >> 128n) & MASK64, true);
  view.setBigUint64(offset + 24, x >> 192n, true);
}

function encodeScalars(values: readonly bigint[]): Uint8Array {
  const out = new Uint8Array(values.length * FIELD_BYTES);
  const v = dataView(out);
  values.forEach((x, i) => writeScalar(v, i * FIELD_BYTES, x));
  return out;
}

/** Uniform-enough nonzero scalars from a seed (SHA-512, 512 bits reduced mod r) or from the OS. */
function drawToxicWaste(seed: string | Uint8Array | undefined, ok: (w: InsecureToxicWaste) => boolean): InsecureToxicWaste {
  for (let attempt = 0; ; attempt++) {
    const draw = (name: string): bigint => {
      const bytes = seed === undefined ? randomBytes(64) : createHash('sha512').update('plasma-tree dev setup\0').update(seed).update(`\0${name}\0${attempt}`).digest();
      const x = BigInt(`0x${Buffer.from(bytes).toString('hex')}`) % R;
      return x === 0n ? 1n : x;
    };
    const w = { tau: draw('tau'), alpha: draw('alpha'), beta: draw('beta'), gamma: draw('gamma'), delta: draw('delta') };
    if (ok(w)) return w;
  }
}

/**
 * L_(start + step·i)(τ) for i < count, the Lagrange basis of the size-N domain ⟨ω⟩ at τ:
 * L_j(τ) = ω^j·(τ^N − 1) / (N·(τ − ω^j)), with one batch inversion.
 */
function lagrangeAt(tau: bigint, N: number, omega: bigint, start: number, step: number, count: number): bigint[] {
  const z = mod((Fr.pow(tau, BigInt(N)) - 1n) * Fr.inv(BigInt(N)));
  const xs = new Array<bigint>(count);
  const prefix = new Array<bigint>(count);
  const stepW = Fr.pow(omega, BigInt(step));
  let x = Fr.pow(omega, BigInt(start));
  let acc = 1n;
  for (let i = 0; i < count; i++) {
    xs[i] = x;
    prefix[i] = acc;
    acc = (acc * mod(tau - x)) % R;
    x = (x * stepW) % R;
  }
  let inv = Fr.inv(acc);
  const out = new Array<bigint>(count);
  for (let i = count - 1; i >= 0; i--) {
    const d = mod(tau - xs[i]);
    out[i] = (((z * xs[i]) % R) * ((inv * prefix[i]) % R)) % R;
    inv = (inv * d) % R;
  }
  return out;
}

let engine: Promise<SnarkjsCurve> | undefined;
/**
 * One in-process ffjavascript engine (no workers) per process: the wasm module the fixed-base workers run and
 * the roots of unity the prover's FFTs use. Building it takes ~0.2 s, so it is kept.
 */
function inProcessCurve(): Promise<SnarkjsCurve> {
  engine ??= curves.getCurveFromName('bn128', { singleThread: true }).catch((e: unknown) => {
    engine = undefined;
    throw e;
  });
  return engine;
}

/** log2 of the domain snarkjs uses: the least 2^k > nConstraints + nPublic (zkey_new.js's cirPower). */
export function circuitPower(nConstraints: number, nPublic: number): number {
  const m = nConstraints + nPublic;
  return m <= 0 ? 1 : Math.floor(Math.log2(m)) + 1;
}

/** INSECURE: a .zkey from known toxic waste. See the module comment. */
export async function devSetup(opts: DevSetupOptions): Promise<DevSetupResult> {
  const t0 = performance.now();
  (opts.log ?? ((l: string) => console.warn(`[plasma-tree prover] ${l}`)))(DEV_SETUP_WARNING);
  const r1cs = await loadR1cs(opts.r1cs);
  const { nVars, nPublic, nConstraints } = r1cs;
  const power = circuitPower(nConstraints, nPublic);
  if (power >= 28) {
    throw new ProverError('SETUP_FAILED', `a circuit with ${nConstraints} constraints needs a 2^${power} domain; BN254's FFTs stop at 2^28`, {
      hint: 'split the circuit',
      data: { nConstraints, power },
    });
  }
  if (nPublic >= nVars) throw new ProverError('SETUP_FAILED', `the .r1cs has ${nPublic} public signals but ${nVars} wires`, { hint: 'recompile the circuit' });
  const n = 2 ** power;

  const curve = await inProcessCurve();
  const code = curve.tm.code;
  if (!code) throw new ProverError('SETUP_FAILED', 'ffjavascript did not expose its wasm module', { hint: 'check the installed ffjavascript version (0.3.x)' });
  const omegaN = curve.Fr.toObject(curve.Fr.w[power]);
  const omega2N = curve.Fr.toObject(curve.Fr.w[power + 1]);
  // τ must not be a point of the 2n domain (the Lagrange formula divides by τ − ω^j).
  const waste = drawToxicWaste(opts.seed, (w) => Fr.pow(w.tau, BigInt(2 * n)) !== 1n);
  const { tau, alpha, beta, gamma, delta } = waste;

  // QAP polynomials at τ, per signal, and the coefficient section.
  const L = lagrangeAt(tau, n, omegaN, 0, 1, n);
  const a = new Array<bigint>(nVars).fill(0n);
  const b = new Array<bigint>(nVars).fill(0n);
  const c = new Array<bigint>(nVars).fill(0n);
  const sums = [a, b, c];
  const cv = dataView(r1cs.constraints);
  const coefEntries: Array<[number, number, number, bigint]> = [];
  const R2 = Fr.pow(2n, 512n);
  forEachTerm(r1cs, (constraint, m, wire, off) => {
    const coef = readScalar(cv, off);
    const target = sums[m];
    target[wire] = (target[wire] + coef * L[constraint]) % R;
    if (m < 2) coefEntries.push([m, constraint, wire, mod(coef * R2)]);
  });
  // snarkjs's extra constraints: public signal s (and the constant 1) appears alone in A of row nConstraints + s.
  for (let s = 0; s <= nPublic; s++) {
    a[s] = (a[s] + L[nConstraints + s]) % R;
    coefEntries.push([0, nConstraints + s, s, R2 % R]);
  }
  const gammaInv = Fr.inv(gamma);
  const deltaInv = Fr.inv(delta);
  const ic: bigint[] = [];
  const cPts: bigint[] = [];
  for (let s = 0; s < nVars; s++) {
    const k = (beta * a[s] + alpha * b[s] + c[s]) % R;
    if (s <= nPublic) ic.push((k * gammaInv) % R);
    else cPts.push((k * deltaInv) % R);
  }
  const h = lagrangeAt(tau, 2 * n, omega2N, 1, 2, n).map((x) => (x * deltaInv) % R);
  const g1Scalars = encodeScalars([...a, ...b, ...ic, ...cPts, ...h, alpha, beta, delta]);
  const g2Scalars = encodeScalars([...b, beta, gamma, delta]);
  const t1 = performance.now();

  let g1: Uint8Array;
  let g2: Uint8Array;
  let t2: number;
  try {
    g1 = await fixedBaseMul({ code, group: 'g1', base: curve.G1.oneAffine, scalars: g1Scalars, threads: opts.threads });
    t2 = performance.now();
    g2 = await fixedBaseMul({ code, group: 'g2', base: curve.G2.oneAffine, scalars: g2Scalars, threads: opts.threads });
  } catch (e) {
    throw new ProverError('SETUP_FAILED', `point multiplication failed: ${(e as Error).message}`, { hint: 'an internal error: the cause has the details', cause: e });
  }
  const t3 = performance.now();

  // Slice the G1 results back into their sections (same order as g1Scalars).
  let p = 0;
  const takeG1 = (count: number): Uint8Array => g1.subarray(p * 64, (p += count) * 64);
  const ptsA = takeG1(nVars);
  const ptsB1 = takeG1(nVars);
  const ptsIC = takeG1(nPublic + 1);
  const ptsC = takeG1(nVars - nPublic - 1);
  const ptsH = takeG1(n);
  const [alpha1, beta1, delta1] = [takeG1(1), takeG1(1), takeG1(1)];
  const ptsB2 = g2.subarray(0, nVars * 128);
  const [beta2, gamma2, delta2] = [1, 2, 3].map((i) => g2.subarray((nVars + i - 1) * 128, (nVars + i) * 128));

  const header = new Uint8Array(4 + 32 + 4 + 32 + 12);
  const hv = dataView(header);
  hv.setUint32(0, 32, true);
  writeScalar(hv, 4, BN254_P);
  hv.setUint32(36, 32, true);
  writeScalar(hv, 40, BN254_R);
  hv.setUint32(72, nVars, true);
  hv.setUint32(76, nPublic, true);
  hv.setUint32(80, n, true);
  const coefs = new Uint8Array(4 + coefEntries.length * 44);
  const kv = dataView(coefs);
  kv.setUint32(0, coefEntries.length, true);
  coefEntries.forEach(([m, con, s, v], i) => {
    const o = 4 + i * 44;
    kv.setUint32(o, m, true);
    kv.setUint32(o + 4, con, true);
    kv.setUint32(o + 8, s, true);
    writeScalar(kv, o + 12, v);
  });
  const sections: Array<[number, Uint8Array[]]> = [
    [1, [u32LE(1)]],
    [2, [header, alpha1, beta1, beta2, gamma2, delta1, delta2]],
    [4, [coefs]],
    [3, [ptsIC]],
    [9, [ptsH]],
    [8, [ptsC]],
    [5, [ptsA]],
    [6, [ptsB1]],
    [7, [ptsB2]],
  ];
  // Not snarkjs's circuit hash (that one hashes the ceremony's τ powers, which do not exist here): a hash of
  // this key's sections, so that contributions on top of it have something to chain from.
  const hasher = createHash('blake2b512');
  for (const [, chunks] of sections) for (const ch of chunks) hasher.update(ch);
  const csHash = new Uint8Array(hasher.digest());
  const w = new BinFileWriter('zkey', 1);
  for (const [id, chunks] of sections) w.section(id, ...chunks);
  w.section(10, csHash, u32LE(0));
  const zkey = w.finish();
  if (opts.out) {
    await mkdir(dirname(opts.out), { recursive: true });
    await writeFile(opts.out, zkey);
  }
  const t4 = performance.now();
  const verificationKey = (await zKey.exportVerificationKey({ type: 'mem', data: zkey })) as Record<string, unknown>;
  const t5 = performance.now();
  return {
    zkey,
    verificationKey,
    insecure: true,
    warning: DEV_SETUP_WARNING,
    insecureToxicWaste: waste,
    nConstraints,
    nVars,
    nPublic,
    domainSize: n,
    timings: { scalars: t1 - t0, g1: t2 - t1, g2: t3 - t2, encode: t4 - t3, vk: t5 - t4, total: t5 - t0 },
  };
}
