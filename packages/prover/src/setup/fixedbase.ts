/**
 * Many multiples k_i·G of one fixed base G (the generator of G1 or G2), for the dev setup: a fixed-base comb on
 * ffjavascript's own wasm (wasmcurves' `g1m_*`/`g2m_*` functions), on worker threads.
 *
 * With w-bit windows, T[j][d] = d·2^(wj)·G for d in 1..2^w − 1 is built once per worker (Jacobian, then one
 * batch conversion to affine); then k·G = Σ_j T[j][digit_j(k)]: ⌈254/w⌉ mixed additions per scalar instead of
 * the ~254 doublings and ~127 additions of a generic scalar multiplication (ffjavascript's `timesFr`: ~230 µs
 * in G1, ~800 µs in G2 on this machine, vs ~20 µs and ~70 µs here). Results are affine LEM (the .zkey form),
 * infinity as zeros, exactly what snarkjs's `g1m_batchToAffine` writes.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';

export type FixedBaseGroup = 'g1' | 'g2';

/** Scalar bits: the scalars are reduced mod r < 2^254. */
const SCALAR_BITS = 254;

// Plain JavaScript, evaluated as a CommonJS worker (no loader, no file to resolve).
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { code, prefix, n8, gen, scalars, w } = workerData;
const aff = 2 * n8, jac = 3 * n8;
const memory = new WebAssembly.Memory({ initial: 32, maximum: 32767 });
const ex = new WebAssembly.Instance(new WebAssembly.Module(code), { env: { memory } }).exports;
const fn = (name) => ex[prefix + '_' + name];
const zero = fn('zero'), addMixed = fn('addMixed'), dbl = fn('double'), toAffine = fn('toAffine');
const toJacobian = fn('toJacobian'), copy = fn('copy'), batchToAffine = fn('batchToAffine');
const nW = Math.ceil(${SCALAR_BITS} / w), tSize = (1 << w) - 1, mask = tSize;
const CH = 2048;
// wasmcurves keeps its allocation pointer at address 0 and allocates temporaries above it without growing
// memory (batchToAffine: n field elements, its batch inversion as many again): leave room for them.
const SLACK = 4 * Math.max(tSize, CH) * n8 + (1 << 20);
function alloc(n) {
  const p = (new Uint32Array(memory.buffer, 0, 1)[0] + 63) & ~63;
  const need = p + n + SLACK - memory.buffer.byteLength;
  if (need > 0) memory.grow(Math.ceil(need / 65536));
  new Uint32Array(memory.buffer, 0, 1)[0] = p + n;
  return p;
}
const pGen = alloc(aff), pBase = alloc(jac), pBaseAff = alloc(aff);
const pTmp = alloc(tSize * jac), pTable = alloc(nW * tSize * aff);
const pAcc = alloc(CH * jac);
const m = scalars.length / 32;
const pOut = alloc(m * aff);
new Uint8Array(memory.buffer).set(gen, pGen);
toJacobian(pGen, pBase);
for (let j = 0; j < nW; j++) {
  toAffine(pBase, pBaseAff);
  copy(pBase, pTmp);
  for (let d = 1; d < tSize; d++) addMixed(pTmp + (d - 1) * jac, pBaseAff, pTmp + d * jac);
  batchToAffine(pTmp, tSize, pTable + j * tSize * aff);
  for (let k = 0; k < w; k++) dbl(pBase, pBase);
}
const sc = new Uint8Array(scalars.length + 4);
sc.set(scalars);
for (let i0 = 0; i0 < m; i0 += CH) {
  const cnt = Math.min(CH, m - i0);
  for (let i = 0; i < cnt; i++) {
    const acc = pAcc + i * jac;
    zero(acc);
    const base = (i0 + i) * 32;
    for (let j = 0; j < nW; j++) {
      const bit = j * w;
      const at = base + (bit >> 3);
      const word = (sc[at] | (sc[at + 1] << 8) | (sc[at + 2] << 16) | (sc[at + 3] << 24)) >>> (bit & 7);
      const avail = 256 - bit; // bits past this scalar's 32 bytes belong to the next one
      const d = word & (avail < w ? (1 << avail) - 1 : mask);
      if (d !== 0) addMixed(acc, pTable + (j * tSize + d - 1) * aff, acc);
    }
  }
  batchToAffine(pAcc, cnt, pOut + i0 * aff);
}
const out = new Uint8Array(memory.buffer, pOut, m * aff).slice();
parentPort.postMessage(out, [out.buffer]);
`;

/** The window minimising ⌈254/w⌉·(2^w + m): table building plus m scalars. */
export function chooseCombWindow(m: number): number {
  let best = 2;
  let bestCost = Infinity;
  for (let w = 2; w <= 16; w++) {
    const cost = Math.ceil(SCALAR_BITS / w) * (2 ** w + m);
    if (cost < bestCost) {
      best = w;
      bestCost = cost;
    }
  }
  return best;
}

function runWorker(data: Record<string, unknown>): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: data });
    let result: Uint8Array | undefined;
    worker.once('message', (m: Uint8Array) => {
      result = m;
    });
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (result) resolve(result);
      else reject(new Error(`fixed-base worker exited with code ${code} and no result`));
    });
  });
}

export interface FixedBaseOptions {
  /** ffjavascript's BN254 wasm module (a single-thread curve's `tm.code`). */
  code: Uint8Array;
  group: FixedBaseGroup;
  /** The base, affine LEM (64 bytes in G1, 128 in G2). */
  base: Uint8Array;
  /** m scalars, 32 bytes LE each, reduced mod r. */
  scalars: Uint8Array;
  /** Worker threads (default: the machine's parallelism). */
  threads?: number;
}

/** k_i·base for every scalar, affine LEM, in order. */
export async function fixedBaseMul(opts: FixedBaseOptions): Promise<Uint8Array> {
  const n8 = opts.group === 'g1' ? 32 : 64;
  const aff = 2 * n8;
  const m = opts.scalars.length / 32;
  if (!Number.isInteger(m)) throw new RangeError('scalars must be 32 bytes each');
  if (opts.base.length !== aff) throw new RangeError(`the base must be ${aff} bytes`);
  const out = new Uint8Array(m * aff);
  if (m === 0) return out;
  const threads = Math.max(1, Math.min(opts.threads ?? availableParallelism(), Math.ceil(m / 256)));
  const per = Math.ceil(m / threads);
  const w = chooseCombWindow(per);
  const parts: Array<Promise<void>> = [];
  for (let start = 0; start < m; start += per) {
    const count = Math.min(per, m - start);
    const scalars = opts.scalars.slice(start * 32, (start + count) * 32);
    parts.push(
      runWorker({ code: opts.code, prefix: opts.group === 'g1' ? 'g1m' : 'g2m', n8, gen: opts.base, scalars, w }).then((r) => {
        out.set(r, start * aff);
      }),
    );
  }
  await Promise.all(parts);
  return out;
}
