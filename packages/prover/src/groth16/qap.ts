/**
 * The QAP side of a Groth16 proof, exactly as snarkjs 0.7 computes it (`groth16_prove.js`):
 *
 * - `buildAbc`: A·w and B·w evaluated on the domain from the .zkey's coefficient section, C = A∘B (snarkjs's
 *   `buildABC1`; the key holds no C matrix). A coefficient is stored as value·R² mod r (R = 2^256), so one
 *   Montgomery product with a standard-form witness value gives value·w·R, the Montgomery form of value·w: the
 *   sums come out in Montgomery form. We run wasmcurves' `qap_buildABC` (the same multiply-add, per coefficient)
 *   on ffjavascript's workers, one output range per worker, and return standard form.
 * - `Groth16H`: from the evaluations on the domain to the H scalars, i.e. (A·B − C) evaluated on the odd coset
 *   ω_2n·⟨ω_n⟩, standard form: the scalars snarkjs feeds its H multiexp. `cpuGroth16H` is snarkjs's code path
 *   (Fr.ifft, Fr.batchApplyKey(·, 1, ω_2n), Fr.fft, qap_joinABC, fromMontgomery); the WebGPU NTT implements the
 *   same interface.
 */
import type { SnarkjsCurve, SnarkjsTaskCmd } from 'snarkjs';
import { FIELD_BYTES } from '../field/constants.js';
import type { Witness } from './witness.js';
import type { Groth16Zkey } from './zkey.js';

/**
 * The H step behind one interface. a, b, c: domain evaluations (n × 32 bytes LE, standard form, n a power of
 * two); returns h: n × 32 bytes LE standard form.
 */
export interface Groth16H {
  groth16H(a: Uint8Array, b: Uint8Array, c: Uint8Array): Promise<Uint8Array>;
}

/** A·w, B·w and their product on the domain, standard form (domainSize × 32 bytes each). */
export interface AbcEvaluations {
  readonly a: Uint8Array;
  readonly b: Uint8Array;
  readonly c: Uint8Array;
}

export async function buildAbc(curve: SnarkjsCurve, zkey: Groth16Zkey, witness: Witness): Promise<AbcEvaluations> {
  const n = zkey.domainSize;
  const n8 = FIELD_BYTES;
  // Copies: a task's buffers are structured-cloned to the worker, and a view would clone the whole .zkey.
  const coeffs = zkey.coeffs.slice();
  const values = witness.values.slice();
  const parts = Math.max(1, Math.min(curve.tm.concurrency, Math.floor(n / 1024) || 1));
  const per = Math.ceil(n / parts);
  const tasks: Array<Promise<Uint8Array[]>> = [];
  for (let start = 0; start < n; start += per) {
    const count = Math.min(per, n - start);
    const task: SnarkjsTaskCmd[] = [
      { cmd: 'ALLOCSET', var: 0, buff: coeffs },
      { cmd: 'ALLOCSET', var: 1, buff: values },
      { cmd: 'ALLOC', var: 2, len: count * n8 },
      { cmd: 'ALLOC', var: 3, len: count * n8 },
      { cmd: 'ALLOC', var: 4, len: count * n8 },
      {
        cmd: 'CALL',
        fnName: 'qap_buildABC',
        params: [{ var: 0 }, { val: zkey.nCoeffs }, { var: 1 }, { var: 2 }, { var: 3 }, { var: 4 }, { val: start }, { val: count }, { val: 0 }, { val: witness.nWitness }],
      },
    ];
    for (const v of [2, 3, 4]) task.push({ cmd: 'CALL', fnName: 'frm_batchFromMontgomery', params: [{ var: v }, { val: count }, { var: v }] });
    task.push({ cmd: 'GET', out: 0, var: 2, len: count * n8 }, { cmd: 'GET', out: 1, var: 3, len: count * n8 }, { cmd: 'GET', out: 2, var: 4, len: count * n8 });
    tasks.push(curve.tm.queueAction(task));
  }
  const results = await Promise.all(tasks);
  const out = [new Uint8Array(n * n8), new Uint8Array(n * n8), new Uint8Array(n * n8)];
  results.forEach((r, i) => {
    for (let m = 0; m < 3; m++) out[m].set(r[m], i * per * n8);
  });
  return { a: out[0], b: out[1], c: out[2] };
}

/** ffjavascript may return a BigBuffer for large outputs: always hand back one Uint8Array. */
export function asBytes(buff: Uint8Array | { buffers: Uint8Array[]; byteLength: number }): Uint8Array {
  if (buff instanceof Uint8Array) return buff;
  const out = new Uint8Array(buff.byteLength);
  let p = 0;
  for (const b of buff.buffers) {
    out.set(b, p);
    p += b.length;
  }
  return out;
}

function log2Exact(n: number): number {
  const p = Math.log2(n);
  if (!Number.isInteger(p) || p < 1) throw new RangeError(`the domain size ${n} is not a power of two ≥ 2`);
  return p;
}

/** snarkjs's H computation on ffjavascript (wasm, its worker threads). */
export function cpuGroth16H(getCurve: () => Promise<SnarkjsCurve>): Groth16H {
  return {
    async groth16H(a, b, c) {
      const curve = await getCurve();
      const Fr = curve.Fr;
      const n = a.length / FIELD_BYTES;
      if (!Number.isInteger(n) || b.length !== a.length || c.length !== a.length) throw new RangeError('a, b and c must be n × 32 bytes each');
      const power = log2Exact(n);
      const inc = power === Fr.s ? Fr.shift : Fr.w[power + 1];
      const oddCoset = async (evals: Uint8Array): Promise<Uint8Array> => {
        const coeffs = await Fr.ifft(asBytes(await Fr.batchToMontgomery(evals)), '', '');
        return asBytes(await Fr.fft(asBytes(await Fr.batchApplyKey(asBytes(coeffs), Fr.e(1), inc)), '', ''));
      };
      const aOdd = await oddCoset(a);
      const bOdd = await oddCoset(b);
      const cOdd = await oddCoset(c);
      return joinAbc(curve, aOdd, bOdd, cOdd);
    },
  };
}

/** (a·b − c) then out of Montgomery form: snarkjs's `joinABC` (chunks of 2^22 elements). */
async function joinAbc(curve: SnarkjsCurve, a: Uint8Array, b: Uint8Array, c: Uint8Array): Promise<Uint8Array> {
  const n8 = FIELD_BYTES;
  const n = a.length / n8;
  const chunk = Math.max(1024, Math.min(1 << 22, Math.ceil(n / curve.tm.concurrency)));
  const tasks: Array<Promise<Uint8Array[]>> = [];
  for (let i = 0; i < n; i += chunk) {
    const m = Math.min(chunk, n - i);
    tasks.push(
      curve.tm.queueAction([
        { cmd: 'ALLOCSET', var: 0, buff: a.slice(i * n8, (i + m) * n8) },
        { cmd: 'ALLOCSET', var: 1, buff: b.slice(i * n8, (i + m) * n8) },
        { cmd: 'ALLOCSET', var: 2, buff: c.slice(i * n8, (i + m) * n8) },
        { cmd: 'ALLOC', var: 3, len: m * n8 },
        { cmd: 'CALL', fnName: 'qap_joinABC', params: [{ var: 0 }, { var: 1 }, { var: 2 }, { val: m }, { var: 3 }] },
        { cmd: 'CALL', fnName: 'frm_batchFromMontgomery', params: [{ var: 3 }, { val: m }, { var: 3 }] },
        { cmd: 'GET', out: 0, var: 3, len: m * n8 },
      ]),
    );
  }
  const parts = await Promise.all(tasks);
  const out = new Uint8Array(n * n8);
  parts.forEach((p, k) => out.set(p[0], k * chunk * n8));
  return out;
}
