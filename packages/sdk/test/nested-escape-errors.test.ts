/**
 * mapL1Error on PlasmaNestedEscape's reverts (docs/FRAUD.md §4b): every custom error of the module, encoded with its
 * own ABI and handed over as ethers does (a CALL_EXCEPTION from a contract of the module's ABI, and of PlasmaRoot's,
 * which does not know the module-only errors), maps to its SCREAMING_SNAKE code with its arguments and a hint.
 */
import { describe, expect, it } from 'vitest';
import { Interface, type ErrorFragment } from 'ethers';
import { loadArtifact } from '@plasma-tree/contracts';
import { ERROR_HINTS, bareMessage, errorNameToCode, mapL1Error } from '../src/index.js';

const moduleIface = new Interface(loadArtifact('PlasmaNestedEscape').abi);
const rootIface = new Interface(loadArtifact('PlasmaRoot').abi);
const CHAIN = '0x' + 'c4'.repeat(32);
const ADDR = '0x' + 'aa'.repeat(20);

const errors: ErrorFragment[] = [];
moduleIface.forEachError((f) => errors.push(f));
const sampleArgs = (f: ErrorFragment): unknown[] => f.inputs.map((input, i) => (input.type === 'bytes32' ? CHAIN : input.type === 'address' ? ADDR : BigInt(i + 3)));

describe('mapL1Error: PlasmaNestedEscape', () => {
  it('every error of the module: its code, its arguments by name, a message without holes and a hint', () => {
    expect(errors.length).toBeGreaterThanOrEqual(20);
    for (const via of [moduleIface, rootIface]) {
      for (const f of errors) {
        const data = moduleIface.encodeErrorResult(f.name, sampleArgs(f));
        const e = mapL1Error(via.makeError(data, { to: ADDR, from: ADDR, data: '0x12345678' }), 'escapeNestedExit');
        const where = f.format('sighash');
        expect(e.code, where).toBe(errorNameToCode(f.name));
        expect(e.data.contractError, where).toBe(f.name);
        expect(bareMessage(e), where).toMatch(new RegExp(`^escapeNestedExit reverted: ${f.name}`));
        expect(bareMessage(e), where).not.toMatch(/undefined|NaN/);
        expect(e.hint, where).not.toBe('');
      }
    }
  });

  it('AlreadyEscaped → ALREADY_ESCAPED; InvalidLedgerProof names the ledger entry', () => {
    const escaped = mapL1Error(moduleIface.makeError(moduleIface.encodeErrorResult('AlreadyEscaped', [CHAIN, 3]), { to: ADDR, from: ADDR, data: '0x' }), 'escapeNestedExit');
    expect(escaped.code).toBe('ALREADY_ESCAPED');
    expect(escaped.hint).toBe(ERROR_HINTS.ALREADY_ESCAPED);
    const proof = mapL1Error(moduleIface.makeError(moduleIface.encodeErrorResult('InvalidLedgerProof', [CHAIN, 9]), { to: ADDR, from: ADDR, data: '0x' }), 'escapeNestedExit');
    expect(proof.code).toBe('INVALID_LEDGER_PROOF');
    expect(bareMessage(proof)).toContain('EscapedSlot entry');
  });
});
