/**
 * The ffjavascript backend: snarkjs's own wasm `Fr.fft`/`Fr.ifft`, `batchApplyKey` and `qap_joinABC`, called
 * step for step as `groth16_prove.js` does. It is the CPU path without an adapter and the numbers snarkjs would
 * produce. ffjavascript keeps Fr in Montgomery form (R = 2^256); the conversions at both ends reduce any 256-bit
 * input mod r.
 */
import { FIELD_BYTES } from '../field/constants.js';

/** The part of ffjavascript's curve (reached through snarkjs's `curves`, untyped) that the NTT uses. */
export interface FfjsFr {
  readonly n8: number;
  readonly s: number;
  readonly w: readonly Uint8Array[];
  readonly shift: Uint8Array;
  readonly one: Uint8Array;
  e(x: number | bigint | string): Uint8Array;
  toObject(a: Uint8Array): bigint;
  fft(buff: Uint8Array): Promise<Uint8Array>;
  ifft(buff: Uint8Array): Promise<Uint8Array>;
  batchApplyKey(buff: Uint8Array, first: Uint8Array, inc: Uint8Array): Promise<Uint8Array>;
  batchToMontgomery(buff: Uint8Array): Promise<Uint8Array>;
  batchFromMontgomery(buff: Uint8Array): Promise<Uint8Array>;
}

export interface FfjsTask {
  cmd: string;
  [k: string]: unknown;
}

export interface FfjsFrCurve {
  readonly Fr: FfjsFr;
  readonly tm: { readonly concurrency: number; queueAction(task: FfjsTask[]): Promise<Uint8Array[]> };
  terminate(): Promise<void>;
}

/** ffjavascript's BN254 as snarkjs builds it. */
export async function ffjsFrCurve(singleThread: boolean): Promise<FfjsFrCurve> {
  const { curves } = await import('snarkjs');
  return (await curves.getCurveFromName('bn128', { singleThread })) as unknown as FfjsFrCurve;
}

/** NTT of standard-form elements (any 256-bit values) with ffjavascript; standard-form, canonical result. */
export async function ffjsNtt(curve: FfjsFrCurve, values: Uint8Array, inverse: boolean): Promise<Uint8Array> {
  const Fr = curve.Fr;
  const mont = await Fr.batchToMontgomery(values);
  const out = inverse ? await Fr.ifft(mont) : await Fr.fft(mont);
  return Fr.batchFromMontgomery(out);
}

/**
 * snarkjs's H step on standard-form A, B, C (each n elements, n = 2^power): ifft, `batchApplyKey(·, 1, inc)`,
 * fft for each, then its `joinABC` (a·b − c and out of Montgomery form, in chunks of 2^22 like snarkjs).
 */
export async function ffjsGroth16H(curve: FfjsFrCurve, a: Uint8Array, b: Uint8Array, c: Uint8Array, power: number): Promise<Uint8Array> {
  const Fr = curve.Fr;
  const inc = power === Fr.s ? Fr.shift : Fr.w[power + 1];
  const odd = async (evals: Uint8Array): Promise<Uint8Array> => {
    const coeffs = await Fr.ifft(await Fr.batchToMontgomery(evals));
    return Fr.fft(await Fr.batchApplyKey(coeffs, Fr.e(1), inc));
  };
  const A = await odd(a);
  const B = await odd(b);
  const C = await odd(c);
  return ffjsJoinABC(curve, A, B, C);
}

/** snarkjs's `joinABC` (groth16_prove.js), verbatim: Montgomery a, b, c → standard-form a·b − c. */
export async function ffjsJoinABC(curve: FfjsFrCurve, a: Uint8Array, b: Uint8Array, c: Uint8Array): Promise<Uint8Array> {
  const MAX_CHUNK_SIZE = 1 << 22;
  const n8 = FIELD_BYTES;
  const nElements = Math.floor(a.byteLength / n8);
  const promises: Array<Promise<Uint8Array[]>> = [];
  for (let i = 0; i < nElements; i += MAX_CHUNK_SIZE) {
    const n = Math.min(nElements - i, MAX_CHUNK_SIZE);
    const task: FfjsTask[] = [];
    task.push({ cmd: 'ALLOCSET', var: 0, buff: a.slice(i * n8, (i + n) * n8) });
    task.push({ cmd: 'ALLOCSET', var: 1, buff: b.slice(i * n8, (i + n) * n8) });
    task.push({ cmd: 'ALLOCSET', var: 2, buff: c.slice(i * n8, (i + n) * n8) });
    task.push({ cmd: 'ALLOC', var: 3, len: n * n8 });
    task.push({ cmd: 'CALL', fnName: 'qap_joinABC', params: [{ var: 0 }, { var: 1 }, { var: 2 }, { val: n }, { var: 3 }] });
    task.push({ cmd: 'CALL', fnName: 'frm_batchFromMontgomery', params: [{ var: 3 }, { val: n }, { var: 3 }] });
    task.push({ cmd: 'GET', out: 0, var: 3, len: n * n8 });
    promises.push(curve.tm.queueAction(task));
  }
  const result = await Promise.all(promises);
  const out = new Uint8Array(a.byteLength);
  let p = 0;
  for (const r of result) {
    out.set(r[0], p);
    p += r[0].byteLength;
  }
  return out;
}
