/**
 * Production setup: snarkjs's phase 2 on top of a powers-of-tau file from a public ceremony (e.g. the Hermez
 * `powersOfTau28_hez_final_<k>.ptau` files): `zKey.newZKey`, one contribution (fresh entropy) or a random beacon,
 * and the verification key. Security rests on the ceremony (one honest phase-1 participant) and on the phase-2
 * contribution made here being discarded; for a key that protects value, run a multi-party phase 2 on top.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { zKey } from 'snarkjs';
import { ProverError } from '../errors.js';
import { BN254_P, FIELD_BYTES } from '../field/constants.js';
import { readUintLE } from '../groth16/binfile.js';
import { circuitPower } from './dev.js';
import { loadR1cs } from './r1cs.js';

export interface SetupFromPtauOptions {
  /** The circuit's .r1cs path. */
  r1cs: string;
  /** A prepared (phase-2-ready) BN254 .ptau from a public ceremony, of power ≥ the circuit's. */
  ptau: string;
  /** Where to write the final .zkey. */
  out: string;
  /** Where to write verification_key.json (optional). */
  vkOut?: string;
  /** Entropy for the phase-2 contribution (default: 32 fresh random bytes). Ignored with `beacon`. */
  entropy?: string;
  /** A public random beacon instead of a private contribution (reproducible by anyone). */
  beacon?: { hash: string; iterationsExp: number };
  /** Contribution name in the transcript. */
  name?: string;
  /** snarkjs's progress lines (debug/info), off by default. */
  log?: (line: string) => void;
}

export interface SetupFromPtauResult {
  readonly zkey: string;
  readonly verificationKey: Record<string, unknown>;
  /** The contribution hash (hex), for the transcript. */
  readonly contributionHash: string;
  readonly nConstraints: number;
  readonly power: number;
  readonly ptauPower: number;
}

const failed = (message: string, hint: string, data: Record<string, unknown> = {}, cause?: unknown): ProverError =>
  new ProverError('SETUP_FAILED', message, { hint, data, cause });

/** Reads a .ptau's header and section list without loading it (public ceremony files are up to ~100 GB). */
export async function readPtauHeader(path: string): Promise<{ power: number; ceremonyPower: number; prepared: boolean }> {
  let fh;
  try {
    fh = await open(path, 'r');
  } catch (e) {
    throw failed(`cannot open the .ptau at ${path}: ${(e as Error).message}`, 'check the path', { path }, e);
  }
  try {
    const size = (await fh.stat()).size;
    const read = async (pos: number, len: number): Promise<Uint8Array> => {
      const buf = new Uint8Array(len);
      const { bytesRead } = await fh.read(buf, 0, len, pos);
      if (bytesRead !== len) throw failed(`the .ptau at ${path} is truncated`, 'download it again', { path });
      return buf;
    };
    const head = await read(0, 12);
    if (String.fromCharCode(...head.subarray(0, 4)) !== 'ptau') throw failed(`${path} is not a .ptau file`, 'pass a powers-of-tau file (snarkjs powersoftau)', { path });
    const nSections = new DataView(head.buffer).getUint32(8, true);
    let pos = 12;
    const sections = new Map<number, number>();
    for (let i = 0; i < nSections; i++) {
      const h = new DataView((await read(pos, 12)).buffer);
      const id = h.getUint32(0, true);
      const len = h.getUint32(4, true) + h.getUint32(8, true) * 0x1_0000_0000;
      sections.set(id, pos + 12);
      pos += 12 + len;
      if (pos > size) throw failed(`the .ptau at ${path} is truncated`, 'download it again', { path });
    }
    const p1 = sections.get(1);
    if (p1 === undefined) throw failed(`the .ptau at ${path} has no header`, 'download it again', { path });
    const hdr = await read(p1, 4 + FIELD_BYTES + 8);
    const hv = new DataView(hdr.buffer);
    if (hv.getUint32(0, true) !== FIELD_BYTES || readUintLE(hdr, 4, FIELD_BYTES) !== BN254_P) {
      throw failed(`the .ptau at ${path} is not for BN254`, 'use a BN254 (bn128) ceremony file', { path });
    }
    return { power: hv.getUint32(4 + FIELD_BYTES, true), ceremonyPower: hv.getUint32(8 + FIELD_BYTES, true), prepared: sections.has(12) };
  } finally {
    await fh.close();
  }
}

/** A .zkey from a public ceremony's .ptau plus one phase-2 contribution or beacon. */
export async function setupFromPtau(opts: SetupFromPtauOptions): Promise<SetupFromPtauResult> {
  const r1cs = await loadR1cs(opts.r1cs);
  const power = circuitPower(r1cs.nConstraints, r1cs.nPublic);
  const ptau = await readPtauHeader(opts.ptau);
  if (power > ptau.power) {
    throw failed(
      `the circuit (${r1cs.nConstraints} constraints + ${r1cs.nPublic} public signals) needs a powers-of-tau file of power ≥ ${power}; ${opts.ptau} has power ${ptau.power}`,
      `use a ptau of power ${power} or more, e.g. powersOfTau28_hez_final_${String(Math.max(power, 8)).padStart(2, '0')}.ptau from the Hermez ceremony`,
      { needed: power, ptauPower: ptau.power },
    );
  }
  if (!ptau.prepared) {
    throw failed(`${opts.ptau} is not prepared for phase 2`, 'run `snarkjs powersoftau prepare phase2` on it, or download a *_final_*.ptau', { path: opts.ptau });
  }

  const errors: string[] = [];
  const line = (level: string) => (m: unknown) => {
    if (level === 'error') errors.push(String(m));
    opts.log?.(`${level}: ${String(m)}`);
  };
  const logger = { error: line('error'), warn: line('warn'), info: line('info'), debug: line('debug') };

  const initial: { type: 'mem'; data?: Uint8Array } = { type: 'mem' };
  let csHash: unknown;
  try {
    csHash = await zKey.newZKey(opts.r1cs, opts.ptau, initial, logger);
  } catch (e) {
    throw failed(`snarkjs could not build the key: ${(e as Error).message}`, 'check that the .r1cs and the .ptau are intact', {}, e);
  }
  if (csHash === -1 || !initial.data) throw failed(`snarkjs could not build the key: ${errors.join('; ') || 'unknown error'}`, 'check that the .r1cs and the .ptau match (curve, size)');

  await mkdir(dirname(opts.out), { recursive: true });
  let hash: Uint8Array;
  try {
    hash = opts.beacon
      ? await zKey.beacon(initial, opts.out, opts.name ?? 'beacon', opts.beacon.hash, opts.beacon.iterationsExp, logger)
      : await zKey.contribute(initial, opts.out, opts.name ?? 'plasma-tree setup', opts.entropy ?? randomBytes(32).toString('hex'), logger);
  } catch (e) {
    await rm(opts.out, { force: true });
    throw failed(`the phase-2 ${opts.beacon ? 'beacon' : 'contribution'} failed: ${(e as Error).message}`, opts.beacon ? 'the beacon hash must be hex and iterationsExp in 10..63' : 'an internal error: the cause has the details', {}, e);
  }
  if (!(hash instanceof Uint8Array)) {
    await rm(opts.out, { force: true });
    throw failed(`the phase-2 ${opts.beacon ? 'beacon' : 'contribution'} failed: ${errors.join('; ') || 'unknown error'}`, opts.beacon ? 'the beacon hash must be hex and iterationsExp in 10..63' : 'check the logs');
  }
  const verificationKey = (await zKey.exportVerificationKey(opts.out, logger)) as Record<string, unknown>;
  if (opts.vkOut) {
    await mkdir(dirname(opts.vkOut), { recursive: true });
    await writeFile(opts.vkOut, JSON.stringify(verificationKey, null, 1));
  }
  return {
    zkey: opts.out,
    verificationKey,
    contributionHash: Buffer.from(hash).toString('hex'),
    nConstraints: r1cs.nConstraints,
    power,
    ptauPower: ptau.power,
  };
}
