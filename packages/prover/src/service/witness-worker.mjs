// Witness generation for circom 2 circuits in a worker thread, so that a long witness never blocks the
// service's HTTP loop and a cancelled one can be stopped by terminating the thread.
//
// Plain JavaScript on purpose: a worker thread does not inherit tsx or vitest's TypeScript loaders. It does not
// use snarkjs either: ffjavascript's `web-worker` dependency takes over any worker thread that imports it.
// The wasm ABI and the .wtns layout follow circom_runtime's witness_calculator.js (Apache-2.0, 0KIMS).
import { readFileSync, statSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';

/** path → { key, module }: compiled once per file version. */
const modules = new Map();

function compile(path) {
  const st = statSync(path);
  const key = `${st.size}:${st.mtimeMs}`;
  const hit = modules.get(path);
  if (hit && hit.key === key) return hit.module;
  const module = new WebAssembly.Module(readFileSync(path));
  modules.set(path, { key, module });
  return module;
}

/** 64-bit FNV-1a of a signal name, as circom hashes input names: [msb32, lsb32]. */
function fnv(name) {
  let h = 0xcbf29ce484222325n;
  for (let i = 0; i < name.length; i++) {
    h ^= BigInt(name.charCodeAt(i));
    h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return [Number(h >> 32n), Number(h & 0xffffffffn)];
}

function flat(v, out = []) {
  if (Array.isArray(v)) for (const x of v) flat(x, out);
  else out.push(v);
  return out;
}

function toField(v, prime, name) {
  let n;
  try {
    if (typeof v === 'bigint') n = v;
    else if (typeof v === 'number' && Number.isSafeInteger(v)) n = BigInt(v);
    else if (typeof v === 'string' && /^\s*(-?\d+|0x[0-9a-fA-F]+)\s*$/.test(v)) n = v.trim().startsWith('-') ? -BigInt(v.trim().slice(1)) : BigInt(v.trim());
    else throw new Error('not an integer');
  } catch {
    throw new Error(`input signal ${name}: ${JSON.stringify(v)} is not an integer (use a decimal or 0x-hex string, or a safe integer)`);
  }
  n %= prime;
  return n < 0n ? n + prime : n;
}

function calculate(wasmPath, input) {
  let errors = '';
  let instance;
  const message = () => {
    let s = '';
    for (let c = instance.exports.getMessageChar(); c !== 0; c = instance.exports.getMessageChar()) s += String.fromCharCode(c);
    return s;
  };
  const reasons = { 1: 'Signal not found', 2: 'Too many signals set', 3: 'Signal already set', 4: 'Assert Failed', 5: 'Not enough memory', 6: 'Input signal array access exceeds the size' };
  instance = new WebAssembly.Instance(compile(wasmPath), {
    runtime: {
      exceptionHandler(code) {
        throw new Error(`${reasons[code] ?? `Unknown error ${code}`}. ${errors.trim()}`.trim());
      },
      printErrorMessage() {
        errors += `${message()}\n`;
      },
      // log() output of the circuit: dropped (a service has no console to show it on).
      writeBufferMessage() {
        message();
      },
      showSharedRWMemory() {},
    },
  });
  const x = instance.exports;
  if (typeof x.getVersion !== 'function' || x.getVersion() !== 2) throw new Error('not a circom 2 witness generator (only circom 2 wasm is supported; send a .wtns instead)');
  const n32 = x.getFieldNumLen32();
  const readShared = () => {
    let v = 0n;
    for (let j = n32 - 1; j >= 0; j--) v = (v << 32n) | BigInt(x.readSharedRWMemory(j) >>> 0);
    return v;
  };
  x.getRawPrime();
  const prime = readShared();
  x.init(0);

  let set = 0;
  for (const [name, value] of Object.entries(input)) {
    const [msb, lsb] = fnv(name);
    const values = flat(value);
    const size = x.getInputSignalSize(msb, lsb);
    if (size < 0) throw new Error(`Signal ${name} is not an input of the circuit`);
    if (values.length !== size) throw new Error(`input signal ${name} takes ${size} value${size === 1 ? '' : 's'}, got ${values.length}`);
    values.forEach((v, i) => {
      let f = toField(v, prime, name);
      for (let j = 0; j < n32; j++) {
        x.writeSharedRWMemory(j, Number(f & 0xffffffffn));
        f >>= 32n;
      }
      x.setInputSignal(msb, lsb, i);
      set++;
    });
  }
  if (set < x.getInputSize()) throw new Error(`Not all inputs have been set: ${set} of ${x.getInputSize()} values given`);

  // .wtns v2: "wtns", version 2, 2 sections; section 1: n8, prime, witness size; section 2: the witness.
  const witnessSize = x.getWitnessSize();
  const n8 = n32 * 4;
  const buf32 = new Uint32Array(11 + n32 + witnessSize * n32);
  const buf = new Uint8Array(buf32.buffer);
  buf.set([0x77, 0x74, 0x6e, 0x73]);
  buf32[1] = 2;
  buf32[2] = 2;
  buf32[3] = 1;
  buf32[4] = 8 + n8; // section lengths are u64 LE; the high words stay 0 below 4 GiB
  buf32[6] = n8;
  x.getRawPrime();
  let pos = 7;
  for (let j = 0; j < n32; j++) buf32[pos + j] = x.readSharedRWMemory(j);
  pos += n32;
  buf32[pos++] = witnessSize;
  buf32[pos++] = 2;
  const len2 = n8 * witnessSize;
  buf32[pos++] = len2 >>> 0;
  buf32[pos++] = Math.floor(len2 / 2 ** 32);
  for (let i = 0; i < witnessSize; i++) {
    x.getWitness(i);
    for (let j = 0; j < n32; j++) buf32[pos + j] = x.readSharedRWMemory(j);
    pos += n32;
  }
  return buf;
}

parentPort.on('message', ({ id, wasm, input }) => {
  try {
    const wtns = calculate(wasm, input);
    parentPort.postMessage({ id, wtns }, [wtns.buffer]);
  } catch (e) {
    parentPort.postMessage({ id, error: e instanceof Error ? e.message : String(e) });
  }
});
