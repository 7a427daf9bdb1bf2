/** The escape hatch's SDK parts that need no chain: error codes and hints, proof sources, the answer's decoding. */
import { describe, expect, it } from 'vitest';
import { PlasmaError } from '@plasma-tree/core';
import { errorNameToCode, escapeProofFromJson, escapeProofSource, hintFor, plasmaRootInterface } from '../src/index.js';

describe('escape hatch errors', () => {
  it("every PlasmaRoot escape error maps to a code with a hint", () => {
    const names = ['ChainIsFrozen', 'NotStalled', 'ChainNotFrozen', 'ChallengeWindowOpen', 'AlreadyEscaped', 'SubtreeBalanceExceeded', 'DepositApplied', 'UnknownDeposit', 'NotTheHead', 'InvalidAccountProof'];
    for (const name of names) {
      expect(plasmaRootInterface().getError(name), name).toBeTruthy();
      expect(hintFor(errorNameToCode(name)), name).not.toBe('');
    }
    for (const code of ['HEAD_NOT_FINAL', 'NOTHING_TO_ESCAPE', 'NOTHING_TO_RECLAIM', 'PROOF_MISMATCH']) expect(hintFor(code), code).not.toBe('');
  });
});

describe('escape proof sources', () => {
  it('a URL is a node; anything else is refused (a data directory is read by @plasma-tree/node)', () => {
    expect(escapeProofSource('http://127.0.0.1:8645').description).toBe('node http://127.0.0.1:8645');
    let err: unknown;
    try {
      escapeProofSource('/var/lib/plasma/A');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(PlasmaError);
    expect((err as PlasmaError).code).toBe('BAD_PROOF_SOURCE');
    expect((err as PlasmaError).hint).toMatch(/dataDirEscapeProofSource/);
  });

  it('decodes pt_getEscapeProof answers and refuses malformed ones', () => {
    const header = { chainId: `0x${'ab'.repeat(32)}`, number: 3, parentHash: `0x${'01'.repeat(32)}`, txRoot: `0x${'02'.repeat(32)}`, stateRoot: `0x${'03'.repeat(32)}`, exitRoot: `0x${'04'.repeat(32)}`, depositNonce: 2, timestamp: 1700000000 };
    const account = { slot: 1, owner: `0x${'AA'.repeat(20)}`, token: `0x${'00'.repeat(20)}`, balance: '750000000000000000', nonce: '1', proof: Array(32).fill(`0x${'05'.repeat(32)}`) };
    const p = escapeProofFromJson({ chainId: header.chainId, head: header, windowEnd: 1700000100, ledgerRoot: `0x${'06'.repeat(32)}`, account });
    expect(p.head.number).toBe(3n);
    expect(p.account).toMatchObject({ slot: 1, owner: `0x${'aa'.repeat(20)}`, balance: 750000000000000000n, nonce: 1n });
    expect(() => escapeProofFromJson({ chainId: header.chainId, head: header, windowEnd: null, ledgerRoot: `0x${'06'.repeat(32)}`, account: { ...account, proof: [] } })).toThrow(/malformed/);
  });
});
