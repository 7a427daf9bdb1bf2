/**
 * mapL1Error on fraud-proof and data-availability reverts (docs/FRAUD.md §3, §9): the revert data is encoded with the
 * contracts' own ABIs (their artifacts) and wrapped the way ethers hands it over (a CALL_EXCEPTION from a contract of
 * PlasmaRoot's ABI, which does not know the modules' errors; one from the module's own ABI; Hardhat's nested JSON-RPC
 * error), then checked for its code, message, data and hint.
 */
import { describe, expect, it } from 'vitest';
import { Interface, encodeBytes32String, getAddress, type ErrorFragment } from 'ethers';
import { loadArtifact } from '@plasma-tree/contracts';
import { FraudKind, PlasmaError } from '@plasma-tree/core';
import { ERROR_HINTS, bareMessage, decodeRevert, errorNameToCode, mapL1Error } from '../src/index.js';

const rootIface = new Interface(loadArtifact('PlasmaRoot').abi);
const verifierIface = new Interface(loadArtifact('PlasmaFraudVerifier').abi);
const daIface = new Interface(loadArtifact('PlasmaDataAvailability').abi);
const ledgerIfaces = ['PlasmaLedgerRegistry', 'PlasmaLedgerExits', 'PlasmaLedgerObjections', 'PlasmaLedgerEdges', 'PlasmaLedgerChildFraud'].map((n) => new Interface(loadArtifact(n).abi));

const ROOT = '0x' + '11'.repeat(20);
const CHAIN = '0x' + 'c4'.repeat(32);
const CHALLENGER = '0x' + 'aa'.repeat(20);

/** The error ethers throws when a call to `to` through a contract of ABI `via` reverts with `data`. */
function callException(via: Interface, data: string): unknown {
  return via.makeError(data, { to: ROOT, from: CHALLENGER, data: '0x12345678' });
}

/** The revert data of `name(args)` in `iface`, and the error mapped as if PlasmaRoot's ABI had received it. */
function mapped(iface: Interface, name: string, args: unknown[], action = 'proveFraud'): PlasmaError {
  return mapL1Error(callException(rootIface, iface.encodeErrorResult(name, args)), action);
}

/** Sample arguments for an error's inputs. */
function sampleArgs(f: ErrorFragment): unknown[] {
  return f.inputs.map((input, i) =>
    input.type === 'bytes32' ? CHAIN : input.type === 'bytes4' ? '0x12345678' : input.type === 'address' ? CHALLENGER : input.type.startsWith('uint') ? BigInt(i + 3) : input.type === 'string' ? 'x' : null);
}

const errorsOf = (iface: Interface): ErrorFragment[] => {
  const out: ErrorFragment[] = [];
  iface.forEachError((f) => out.push(f));
  return out;
};

describe('mapL1Error: fraud proofs', () => {
  it('NotFraud: the kind and the reason word spelled out, the raw word kept', () => {
    const e = mapped(rootIface, 'NotFraud', [FraudKind.InvalidTransfer, encodeBytes32String('TX_VALID')], 'proveInvalidTransition');
    expect(e).toBeInstanceOf(PlasmaError);
    expect(e.code).toBe('NOT_FRAUD');
    expect(bareMessage(e)).toBe('proveInvalidTransition reverted: NotFraud: the proof does not prove fraud: InvalidTransfer (kind 1), TX_VALID');
    expect(e.data).toEqual({ kind: '1', reason: encodeBytes32String('TX_VALID'), reasonText: 'TX_VALID', kindName: 'InvalidTransfer', contractError: 'NotFraud' });
    expect(e.hint).toBe(ERROR_HINTS.NOT_FRAUD);
    expect(e.hint).toMatch(/re-verify/);
    // Equivocation's reasons too.
    const same = mapped(rootIface, 'NotFraud', [FraudKind.Equivocation, encodeBytes32String('SAME_HEADER')]);
    expect(same.data).toMatchObject({ kind: '5', kindName: 'Equivocation', reasonText: 'SAME_HEADER' });
    expect(bareMessage(same)).toMatch(/Equivocation \(kind 5\), SAME_HEADER$/);
  });

  it("PlasmaRoot's proof checks: UnknownCommitment, ChallengeWindowClosed, WrongPrevHeader, ProofKindNotSupported, AlreadyConvicted", () => {
    const unknown = mapped(rootIface, 'UnknownCommitment', [CHAIN, 4n]);
    expect(unknown.code).toBe('UNKNOWN_COMMITMENT');
    expect(unknown.data).toEqual({ chainId: CHAIN, number: '4', contractError: 'UnknownCommitment' });
    expect(bareMessage(unknown)).toBe(`proveFraud reverted: UnknownCommitment: block 4 of chain ${CHAIN} is not a live commitment with this header and windowEnd (not committed, block 0, or above the head: a conviction rolled the chain back below it)`);
    expect(unknown.hint).toMatch(/convicted already/);

    const closed = mapped(rootIface, 'ChallengeWindowClosed', [1_700_000_060n, 1_700_000_061n]);
    expect(closed.code).toBe('CHALLENGE_WINDOW_CLOSED');
    expect(closed.data).toEqual({ windowEnd: '1700000060', now: '1700000061', contractError: 'ChallengeWindowClosed' });
    expect(bareMessage(closed)).toBe('proveFraud reverted: ChallengeWindowClosed: the challenge window closed at 1700000060 (now 1700000061): the block is final');
    expect(closed.hint).toMatch(/final/);

    const prev = mapped(rootIface, 'WrongPrevHeader', [7n]);
    expect(prev).toMatchObject({ code: 'WRONG_PREV_HEADER', data: { number: '7', contractError: 'WrongPrevHeader' } });
    expect(bareMessage(prev)).toMatch(/not committed block 6 with that windowEnd$/);
    expect(prev.hint).toMatch(/all-zero header/);

    const kind = mapped(verifierIface, 'ProofKindNotSupported', [7]);
    expect(kind).toMatchObject({ code: 'PROOF_KIND_NOT_SUPPORTED', data: { kind: '7' } });
    expect(bareMessage(kind)).toMatch(/tx of kind 7: no ledger module proves that kind/);

    const convicted = mapped(rootIface, 'AlreadyConvicted', [CHAIN]);
    expect(convicted).toMatchObject({ code: 'ALREADY_CONVICTED', data: { chainId: CHAIN, contractError: 'AlreadyConvicted' } });
    expect(convicted.hint).toMatch(/escape exit/);
  });

  it("PlasmaFraudVerifier's witness errors come through PlasmaRoot's ABI undecoded and are decoded with the verifier's", () => {
    const data = verifierIface.encodeErrorResult('ExitNotInBlock', [12n]);
    const raw = callException(rootIface, data) as { revert: unknown; data: string };
    expect(raw.revert).toBeNull(); // PlasmaRoot's ABI does not know it
    expect(raw.data).toBe(data);
    const e = mapL1Error(raw, 'proveInvalidExits');
    expect(e.code).toBe('EXIT_NOT_IN_BLOCK');
    expect(bareMessage(e)).toBe("proveInvalidExits reverted: ExitNotInBlock: the exit witness at index 12 does not open the block's exitRoot");
    expect(e.data).toEqual({ index: '12', contractError: 'ExitNotInBlock' });
    expect(e.hint).toBe(ERROR_HINTS.EXIT_NOT_IN_BLOCK);

    const pre = mapped(verifierIface, 'PreStateMismatch', ['0x' + '01'.repeat(32), '0x' + '02'.repeat(32), '0x' + '03'.repeat(32)]);
    expect(pre).toMatchObject({ code: 'PRE_STATE_MISMATCH', data: { preStateRoot: '0x' + '01'.repeat(32), accountsRoot: '0x' + '02'.repeat(32), ledgerRoot: '0x' + '03'.repeat(32) } });
    const slot = mapped(verifierIface, 'WrongWitnessSlot', [1n, 9, 4]);
    expect(slot).toMatchObject({ code: 'WRONG_WITNESS_SLOT', data: { position: '1', slot: '9', expected: '4' } });
    expect(bareMessage(slot)).toMatch(/position 1 opens slot 9, the tx touches slot 4 there$/);
    const tx = mapped(verifierIface, 'TxNotInBlock', [3n]);
    expect(tx).toMatchObject({ code: 'TX_NOT_IN_BLOCK', data: { index: '3' } });
    expect(tx.hint).toMatch(/buildTransitionProof/);
  });

  it("InvalidAccountProof: the verifier's (a proof's witness) and the escape hatch's get their own hints", () => {
    const proof = mapped(verifierIface, 'InvalidAccountProof', [7]);
    const escape = mapped(rootIface, 'InvalidAccountProof', [CHAIN, 7], 'escapeExit');
    expect(proof.code).toBe('INVALID_ACCOUNT_PROOF');
    expect(escape.code).toBe('INVALID_ACCOUNT_PROOF');
    expect(proof.data).toEqual({ slot: '7', contractError: 'InvalidAccountProof' });
    expect(escape.data).toEqual({ chainId: CHAIN, slot: '7', contractError: 'InvalidAccountProof' });
    expect(bareMessage(proof)).toMatch(/the witness of slot 7 does not open the accounts root of the state before the tx$/);
    expect(bareMessage(escape)).toBe('escapeExit reverted: InvalidAccountProof');
    expect(proof.hint).toMatch(/disputed tx/);
    expect(escape.hint).toBe(ERROR_HINTS.INVALID_ACCOUNT_PROOF);
    expect(proof.hint).not.toBe(escape.hint);
  });
});

describe('mapL1Error: data availability', () => {
  it('challengeData: WrongBond, TooLateToChallenge, AlreadyChallenged, DataAlreadyPublished', () => {
    const bond = mapped(daIface, 'WrongBond', [1n, 100_000_000_000_000_000n], 'challengeData');
    expect(bond.code).toBe('WRONG_BOND');
    expect(bond.data).toEqual({ value: '1', required: '100000000000000000', contractError: 'WrongBond' });
    expect(bareMessage(bond)).toBe('challengeData reverted: WrongBond: the challenge was sent with 1 wei; a data challenge takes exactly 100000000000000000');
    expect(bond.hint).toMatch(/DATA_CHALLENGE_BOND/);

    const late = mapped(daIface, 'TooLateToChallenge', [1_700_000_030n, 1_700_000_031n], 'challengeData');
    expect(late.code).toBe('TOO_LATE_TO_CHALLENGE');
    expect(late.data).toEqual({ challengeBefore: '1700000030', now: '1700000031', contractError: 'TooLateToChallenge' });
    expect(bareMessage(late)).toBe('challengeData reverted: TooLateToChallenge: data may be challenged only in the first half of the window, before 1700000030 (now 1700000031)');
    expect(late.hint).toMatch(/first half/);

    const twice = mapped(daIface, 'AlreadyChallenged', [CHAIN, 2n, CHALLENGER], 'challengeData');
    expect(twice.code).toBe('ALREADY_CHALLENGED');
    expect(twice.data).toEqual({ chainId: CHAIN, number: '2', challenger: getAddress(CHALLENGER), contractError: 'AlreadyChallenged' });
    expect(bareMessage(twice)).toBe(`challengeData reverted: AlreadyChallenged: block 2 of chain ${CHAIN} was challenged already, by ${getAddress(CHALLENGER)}`);
    expect(twice.hint).toMatch(/challengeOf/);

    const published = mapped(daIface, 'DataAlreadyPublished', [CHAIN, 2n], 'challengeData');
    expect(published).toMatchObject({ code: 'DATA_ALREADY_PUBLISHED', data: { chainId: CHAIN, number: '2', contractError: 'DataAlreadyPublished' } });
    expect(bareMessage(published)).toBe(`challengeData reverted: DataAlreadyPublished: the data of block 2 of chain ${CHAIN} is published on L1 already`);
    expect(published.hint).toMatch(/blockFromPublishedData/);
  });

  it('publication and resolution: ChunkOutOfOrder, ResponseWindowClosed, NoOpenChallenge, ResponseWindowOpen, ChallengeStillResolvable', () => {
    expect(mapped(daIface, 'ChunkOutOfOrder', [3n, 1n], 'publishBlockData')).toMatchObject({ code: 'CHUNK_OUT_OF_ORDER', data: { chunk: '3', expected: '1' } });
    const closed = mapped(daIface, 'ResponseWindowClosed', [1_700_000_015n, 1_700_000_016n], 'publishBlockData');
    expect(closed).toMatchObject({ code: 'RESPONSE_WINDOW_CLOSED', data: { deadline: '1700000015', now: '1700000016' } });
    expect(closed.hint).toMatch(/resolve/);
    expect(mapped(daIface, 'NoOpenChallenge', [CHAIN, 2n], 'resolveDataChallenge')).toMatchObject({ code: 'NO_OPEN_CHALLENGE', data: { chainId: CHAIN, number: '2' } });
    const early = mapped(daIface, 'ResponseWindowOpen', [1_700_000_015n, 1_700_000_010n], 'resolveDataChallenge');
    expect(bareMessage(early)).toBe('resolveDataChallenge reverted: ResponseWindowOpen: the validators may publish until 1700000015 (now 1700000010): the challenge cannot be resolved yet');
    const still = mapped(daIface, 'ChallengeStillResolvable', [CHAIN, 2n, 1_700_000_060n], 'reclaimChallengeBond');
    expect(still).toMatchObject({ code: 'CHALLENGE_STILL_RESOLVABLE', data: { chainId: CHAIN, number: '2', windowEnd: '1700000060' } });
    expect(still.hint).toMatch(/resolveDataChallenge/);
  });

  it("decoded by ethers with the module's ABI (a contract of PlasmaDataAvailability's ABI), and from Hardhat's nested JSON-RPC error", () => {
    const data = daIface.encodeErrorResult('TooLateToChallenge', [10n, 11n]);
    const viaModule = callException(daIface, data) as { revert: { name: string; signature: string } };
    expect(viaModule.revert).toMatchObject({ name: 'TooLateToChallenge', signature: 'TooLateToChallenge(uint64,uint256)' });
    expect(decodeRevert(viaModule)).toEqual({ name: 'TooLateToChallenge', args: { challengeBefore: 10n, now: 11n }, signature: 'TooLateToChallenge(uint64,uint256)' });
    expect(mapL1Error(viaModule, 'challengeData')).toMatchObject({ code: 'TOO_LATE_TO_CHALLENGE', data: { challengeBefore: '10', now: '11', contractError: 'TooLateToChallenge' } });

    const nested = { code: 'UNKNOWN_ERROR', error: { code: -32603, message: 'Error: VM Exception while processing transaction', data: { message: 'reverted', data: verifierIface.encodeErrorResult('BadNextTx', [4n, 3n]) } } };
    const e = mapL1Error(nested, 'proveInvalidExits');
    expect(e).toMatchObject({ code: 'BAD_NEXT_TX', data: { index: '4', expected: '3', contractError: 'BadNextTx' } });
    expect(bareMessage(e)).toBe('proveInvalidExits reverted: BadNextTx: the next-position witness is tx 4, the position after the disputed tx is 3');
  });
});

describe('mapL1Error: every error of the fraud verifier and the data-availability module', () => {
  const fraudErrorsOfRoot = ['UnknownCommitment', 'ChallengeWindowClosed', 'WrongPrevHeader', 'NotFraud', 'AlreadyConvicted', 'BadProofLength', 'ExitIndexOutOfRange'];
  const all = [
    ...errorsOf(verifierIface).map((f) => ({ iface: verifierIface, f })),
    ...errorsOf(daIface).map((f) => ({ iface: daIface, f })),
    // The ledger modules' own (their account-witness errors are the verifier's, decoded above).
    ...ledgerIfaces.flatMap((iface) => errorsOf(iface).filter((f) => verifierIface.getError(f.name) === null).map((f) => ({ iface, f }))),
    ...errorsOf(rootIface).filter((f) => fraudErrorsOfRoot.includes(f.name)).map((f) => ({ iface: rootIface, f })),
  ];

  it('decodes to its SCREAMING_SNAKE code with its arguments, a message without holes and a hint', () => {
    expect(all.length).toBeGreaterThan(35);
    for (const { iface, f } of all) {
      const args = sampleArgs(f);
      const e = mapped(iface, f.name, args);
      const where = f.format('sighash');
      expect(e.code, where).toBe(errorNameToCode(f.name));
      expect(e.data.contractError, where).toBe(f.name);
      f.inputs.forEach((input, i) => expect(e.data[input.name], `${where} ${input.name}`).toBe(typeof args[i] === 'bigint' ? String(args[i]) : input.type === 'address' ? getAddress(String(args[i])) : args[i]));
      expect(bareMessage(e), where).toMatch(new RegExp(`^proveFraud reverted: ${f.name}`));
      expect(bareMessage(e), where).not.toMatch(/undefined|NaN/);
      expect(e.hint, where).not.toBe('');
    }
  });
});
