/**
 * Circuits the service proves for. They are registered by the operator (options, CLI flags, a config file),
 * never by a job: a job names a circuit, so no client can make the service read a path of its choosing.
 */
import { open, readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { BN254_P, BN254_R } from '../field/constants.js';
import { ProverError } from '../errors.js';
import { LABEL_RE } from './protocol.js';

export interface CircuitConfig {
  /** What jobs call it: a label (letters, digits, `._:@/-`). */
  readonly name: string;
  /** The Groth16 proving key (.zkey, BN254). */
  readonly zkey: string;
  /** circom's witness generator (`<name>_js/<name>.wasm`); without it jobs must send a `.wtns`. */
  readonly wasm?: string;
}

export interface ZkeyInfo {
  nVars: number;
  nPublic: number;
  domainSize: number;
}

export interface Circuit extends CircuitConfig, ZkeyInfo {}

const badZkey = (path: string, why: string) =>
  new ProverError('INVALID_ZKEY', `${path}: ${why}`, { hint: 'pass a Groth16 BN254 .zkey made by snarkjs (`snarkjs groth16 setup` / `zkey contribute`)' });

function leBigInt(b: Uint8Array): bigint {
  let v = 0n;
  for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
  return v;
}

/** Reads the Groth16 header of a .zkey (a few hundred bytes, not the key) and checks the curve. */
export async function readZkeyInfo(path: string): Promise<ZkeyInfo> {
  let fh;
  try {
    fh = await open(path, 'r');
  } catch (e) {
    throw new ProverError('INVALID_ZKEY', `cannot open ${path}: ${(e as Error).message}`, { hint: 'check the path of the circuit\'s .zkey', cause: e });
  }
  try {
    const read = async (pos: number, len: number): Promise<Buffer> => {
      const b = Buffer.alloc(len);
      const { bytesRead } = await fh.read(b, 0, len, pos);
      if (bytesRead !== len) throw badZkey(path, 'truncated');
      return b;
    };
    const head = await read(0, 12);
    if (head.toString('latin1', 0, 4) !== 'zkey') throw badZkey(path, 'not a .zkey (no "zkey" magic)');
    const nSections = head.readUInt32LE(8);
    let pos = 12;
    const sections = new Map<number, { pos: number; size: number }>();
    for (let i = 0; i < nSections; i++) {
      const h = await read(pos, 12);
      const size = Number(h.readBigUInt64LE(4));
      sections.set(h.readUInt32LE(0), { pos: pos + 12, size });
      pos += 12 + size;
    }
    const s1 = sections.get(1);
    const s2 = sections.get(2);
    if (!s1 || !s2) throw badZkey(path, 'no header sections');
    if ((await read(s1.pos, 4)).readUInt32LE(0) !== 1) throw badZkey(path, 'not a Groth16 key (PLONK or FFLONK?)');
    const n8q = (await read(s2.pos, 4)).readUInt32LE(0);
    const q = leBigInt(await read(s2.pos + 4, n8q));
    const n8r = (await read(s2.pos + 4 + n8q, 4)).readUInt32LE(0);
    const r = leBigInt(await read(s2.pos + 8 + n8q, n8r));
    if (q !== BN254_P || r !== BN254_R) throw badZkey(path, 'not over BN254 (bn128)');
    const rest = await read(s2.pos + 8 + n8q + n8r, 12);
    return { nVars: rest.readUInt32LE(0), nPublic: rest.readUInt32LE(4), domainSize: rest.readUInt32LE(8) };
  } finally {
    await fh.close();
  }
}

/** Checks a circuit's name and files, and reads its key's header. */
export async function loadCircuit(c: CircuitConfig): Promise<Circuit> {
  if (typeof c.name !== 'string' || !LABEL_RE.test(c.name)) {
    throw new ProverError('INVALID_INPUT', `bad circuit name ${JSON.stringify(c.name)}`, { hint: `names match ${LABEL_RE.source}` });
  }
  if (typeof c.zkey !== 'string' || !c.zkey) throw new ProverError('INVALID_INPUT', `circuit ${c.name} has no zkey path`, { hint: 'give {name, zkey, wasm?}' });
  const zkey = resolve(c.zkey);
  const info = await readZkeyInfo(zkey);
  let wasm: string | undefined;
  if (c.wasm !== undefined) {
    wasm = resolve(c.wasm);
    let head: Buffer;
    try {
      head = (await readFile(wasm)).subarray(0, 4);
    } catch (e) {
      throw new ProverError('INVALID_INPUT', `cannot read the wasm of circuit ${c.name}: ${(e as Error).message}`, { hint: 'pass circom\'s <name>_js/<name>.wasm, or leave it out (jobs then send a .wtns)', cause: e });
    }
    if (!head.equals(Buffer.from([0, 0x61, 0x73, 0x6d]))) {
      throw new ProverError('INVALID_INPUT', `${wasm} is not a WebAssembly module`, { hint: 'pass circom\'s <name>_js/<name>.wasm (compiled with --wasm)' });
    }
  }
  return { name: c.name, zkey, ...(wasm ? { wasm } : {}), ...info };
}

/** `name=zkeyPath[:wasmPath]` (the CLI's --circuit). */
export function parseCircuitSpec(spec: string): CircuitConfig {
  const eq = spec.indexOf('=');
  if (eq <= 0 || eq === spec.length - 1) {
    throw new ProverError('INVALID_INPUT', `bad circuit ${JSON.stringify(spec)}`, { hint: 'use name=path/to/circuit.zkey or name=path/to/circuit.zkey:path/to/circuit.wasm' });
  }
  const name = spec.slice(0, eq);
  const paths = spec.slice(eq + 1);
  // Split on the last ':' before a path ending in .wasm, so that a zkey path holding ':' still works.
  const m = /^(.*):([^:]+\.wasm)$/.exec(paths);
  return m ? { name, zkey: m[1], wasm: m[2] } : { name, zkey: paths };
}

export interface ServiceConfigFile {
  host?: string;
  port?: number;
  backend?: string;
  concurrency?: number;
  maxQueue?: number;
  maxQueuedPerClient?: number;
  maxBodyBytes?: number;
  circuits?: CircuitConfig[];
}

/** A JSON config file; circuit paths in it are relative to the file (it travels with them). */
export async function readServiceConfig(file: string): Promise<ServiceConfigFile> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch (e) {
    throw new ProverError('INVALID_INPUT', `cannot read the prover config ${file}: ${(e as Error).message}`, {
      hint: 'pass a JSON file: {"port": 8547, "circuits": [{"name": "transfer", "zkey": "transfer.zkey", "wasm": "transfer_js/transfer.wasm"}]}',
      cause: e,
    });
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new ProverError('INVALID_INPUT', `${file} is not a JSON object`, { hint: 'see `plasma-tree prover start --help`' });
  const cfg = raw as ServiceConfigFile;
  if (cfg.circuits !== undefined && !Array.isArray(cfg.circuits)) throw new ProverError('INVALID_INPUT', `${file}: "circuits" is not an array`, { hint: 'give [{"name", "zkey", "wasm"?}, …]' });
  const base = dirname(resolve(file));
  return {
    ...cfg,
    ...(cfg.circuits ? {
      circuits: cfg.circuits.map((c) => ({
        ...c,
        zkey: typeof c.zkey === 'string' ? resolve(base, c.zkey) : c.zkey,
        ...(typeof c.wasm === 'string' ? { wasm: resolve(base, c.wasm) } : {}),
      })),
    } : {}),
  };
}
