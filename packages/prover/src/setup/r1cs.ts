/**
 * circom's constraint system (.r1cs, iden3 binfile "r1cs" v1):
 *   1 header: n8 u32 ‖ prime ‖ nWires u32 ‖ nPubOut u32 ‖ nPubIn u32 ‖ nPrvIn u32 ‖ nLabels u64 ‖ nConstraints u32
 *   2 constraints: per constraint, for A, B, C: nTerms u32, nTerms × (wire u32 ‖ coefficient n8 bytes LE)
 * Wires are the witness indices: 0 is the constant 1, then public outputs, public inputs, the rest.
 */
import { readFile } from 'node:fs/promises';
import { ProverError } from '../errors.js';
import { BN254_R, FIELD_BYTES } from '../field/constants.js';
import { BinFileError, dataView, parseBinFile, readUintLE, uniqueSection } from '../groth16/binfile.js';

export interface R1cs {
  readonly nVars: number;
  readonly nOutputs: number;
  readonly nPubInputs: number;
  readonly nPrvInputs: number;
  readonly nConstraints: number;
  /** Public signals: outputs + public inputs (not counting the constant 1). */
  readonly nPublic: number;
  /** Section 2, raw. */
  readonly constraints: Uint8Array;
}

const failed = (message: string, hint: string, cause?: unknown): ProverError => new ProverError('SETUP_FAILED', message, { hint, cause });

export function parseR1cs(bytes: Uint8Array): R1cs {
  let header: Uint8Array;
  let constraints: Uint8Array;
  try {
    const file = parseBinFile(bytes, 'r1cs', 1);
    header = uniqueSection(file, 1, 'header');
    constraints = uniqueSection(file, 2, 'constraints');
  } catch (e) {
    if (e instanceof BinFileError) throw failed(`cannot read the .r1cs: ${e.message}`, 'pass the .r1cs circom wrote (compileCircuit or circom --r1cs)', e);
    throw e;
  }
  const v = dataView(header);
  const n8 = header.length >= 4 ? v.getUint32(0, true) : 0;
  if (n8 !== FIELD_BYTES || header.length < 4 + n8 + 28) throw failed(`the .r1cs has ${n8}-byte field elements: not BN254`, 'compile the circuit for bn128 (circom\'s default prime)');
  if (readUintLE(header, 4, n8) !== BN254_R) throw failed('the .r1cs is over another prime than BN254\'s scalar field', 'compile the circuit with circom -p bn128');
  const o = 4 + n8;
  const r: R1cs = {
    nVars: v.getUint32(o, true),
    nOutputs: v.getUint32(o + 4, true),
    nPubInputs: v.getUint32(o + 8, true),
    nPrvInputs: v.getUint32(o + 12, true),
    nConstraints: v.getUint32(o + 24, true),
    nPublic: 0,
    constraints,
  };
  return { ...r, nPublic: r.nOutputs + r.nPubInputs };
}

export async function loadR1cs(source: string | Uint8Array): Promise<R1cs> {
  if (typeof source !== 'string') return parseR1cs(source);
  let bytes: Uint8Array;
  try {
    bytes = await readFile(source);
  } catch (e) {
    throw failed(`cannot read the .r1cs at ${source}: ${(e as Error).message}`, 'check the path', e);
  }
  return parseR1cs(bytes);
}

/**
 * Walks every constraint: `visit(constraint, matrix (0 = A, 1 = B, 2 = C), wire, coefficient offset)`. Checks
 * the structure (wire indices, lengths) as it goes.
 */
export function forEachTerm(r1cs: R1cs, visit: (constraint: number, matrix: 0 | 1 | 2, wire: number, coefOffset: number) => void): void {
  const bytes = r1cs.constraints;
  const v = dataView(bytes);
  let p = 0;
  const bad = (why: string): never => {
    throw failed(`the .r1cs constraint section is malformed: ${why}`, 'recompile the circuit');
  };
  for (let c = 0; c < r1cs.nConstraints; c++) {
    for (const m of [0, 1, 2] as const) {
      if (p + 4 > bytes.length) bad(`constraint ${c} is truncated`);
      const n = v.getUint32(p, true);
      p += 4;
      if (p + n * (4 + FIELD_BYTES) > bytes.length) bad(`constraint ${c} is truncated`);
      for (let i = 0; i < n; i++) {
        const wire = v.getUint32(p, true);
        if (wire >= r1cs.nVars) bad(`constraint ${c} uses wire ${wire} of ${r1cs.nVars}`);
        visit(c, m, wire, p + 4);
        p += 4 + FIELD_BYTES;
      }
    }
  }
  if (p !== bytes.length) bad(`${bytes.length - p} bytes follow the last constraint`);
}
