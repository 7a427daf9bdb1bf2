/**
 * snarkjs witnesses (.wtns, `wtns_utils.js`): section 1 = n8 u32 ‖ q (n8 bytes) ‖ nWitness u32, section 2 =
 * nWitness values, n8 bytes little-endian each, standard form. Witness element 0 is the constant 1, then the
 * public outputs, the public inputs, and the rest.
 */
import { readFile } from 'node:fs/promises';
import { ProverError } from '../errors.js';
import { BN254_R, FIELD_BYTES } from '../field/constants.js';
import type { WitnessSource } from './api.js';
import { BinFileError, type BinFile, dataView, parseBinFile, readUintLE, uniqueSection } from './binfile.js';
import { computeWitnessWtns } from './snarkjs.js';

export interface Witness {
  readonly nWitness: number;
  /** nWitness × 32 bytes LE, standard form (the MSM scalars as they are). */
  readonly values: Uint8Array;
}

function invalid(message: string, hint: string, data: Record<string, unknown> = {}, cause?: unknown): ProverError {
  return new ProverError('INVALID_WITNESS', message, { hint, data, cause });
}

/** Parses and validates a BN254 .wtns. Throws `ProverError('INVALID_WITNESS')`. */
export function parseWtns(bytes: Uint8Array): Witness {
  let file: BinFile;
  let s1: Uint8Array;
  let s2: Uint8Array;
  try {
    file = parseBinFile(bytes, 'wtns', 2);
    s1 = uniqueSection(file, 1, 'header');
    s2 = uniqueSection(file, 2, 'values');
  } catch (e) {
    if (e instanceof BinFileError) throw invalid(`cannot read the witness: ${e.message}`, e.hint || 'pass a .wtns written by snarkjs or circom\'s generate_witness', {}, e);
    throw e;
  }
  if (s1.length < 8) throw invalid('the witness header is truncated', 'regenerate the witness');
  const n8 = dataView(s1).getUint32(0, true);
  if (n8 !== FIELD_BYTES || s1.length !== 4 + n8 + 4) throw invalid(`witness elements of ${n8} bytes: not BN254`, 'compile the circuit for bn128 (circom\'s default prime)', { n8 });
  const q = readUintLE(s1, 4, n8);
  if (q !== BN254_R) throw invalid('the witness is over another field than BN254\'s scalar field', 'compile the circuit for bn128 (circom -p bn128)', { q: q.toString() });
  const nWitness = dataView(s1).getUint32(4 + n8, true);
  if (s2.length !== nWitness * n8) {
    throw invalid(`the witness header says ${nWitness} values but section 2 has ${s2.length / n8}`, 'the .wtns is truncated or corrupted: regenerate it', { nWitness, bytes: s2.length });
  }
  if (nWitness < 1) throw invalid('the witness is empty', 'regenerate the witness');
  return { nWitness, values: s2 };
}

/** A .wtns from its path or bytes, or computed from the circuit's inputs and witness-generator wasm. */
export async function loadWitness(source: WitnessSource): Promise<Witness> {
  const wtns = await computeWitnessWtns(source);
  if (typeof wtns !== 'string') return parseWtns(wtns);
  let bytes: Uint8Array;
  try {
    bytes = await readFile(wtns);
  } catch (e) {
    throw invalid(`cannot read the witness at ${wtns}: ${(e as Error).message}`, 'check the path', { path: wtns }, e);
  }
  return parseWtns(bytes);
}
