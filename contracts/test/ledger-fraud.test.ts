/**
 * Transition proofs of the ledger kinds at the root (docs/LEDGER-PROOFS.md) on the tree of ./ledgerFraudFixture.ts:
 * every tx of kinds 5 (FINALIZE_CHILD_EXIT), 12 (RECLAIM_CHILD_DEPOSIT) and 13 (FREEZE_STALLED_CHILD) that core's STF
 * accepts or refuses is judged by the contract's ledger modules: the refusal they name is core's error code, the
 * post-state root they recompute is core's; bad witnesses revert. Last, a lying A includes the double withdrawal of
 * one exit and the root convicts it (FraudProven kind 10), after refusing the proof of a valid finalize (NotFraud).
 */
import * as core from '@plasma-tree/core';
import { encodeBytes32String, parseEther, ZeroHash } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendCall } from '../fraud-scenario.js';
import { expectRevert, latestTimestamp } from './helpers.js';
import { ETH, K_WINDOW, buildLedgerTree, convictAtRoot, expectParity, finalizeTx, forgeA, judge, proofOf, rootArgs, t, expectCoreWitnessError } from './ledgerFraudFixture.js';

type Hex = core.Hex;

beforeAll(async () => {
  await buildLedgerTree();
}, 120_000);

afterAll(async () => {
  await t.f?.stop();
});

describe('the ledger modules judge kinds 5, 12 and 13 as core does', () => {
  const refusals: [string, () => core.SignedTx, string, bigint?][] = [
    ['a second payment of a paid exit', () => finalizeTx(0), 'ALREADY_WITHDRAWN'],
    ['the exit a lying child minted (100 ETH against 2.5)', () => finalizeTx(0, { header: t.kBlock2.header, exit: t.kBlock2.exit, index: 0n, proof: t.kBlock2.proof }), 'SUBTREE_BALANCE_EXCEEDED'],
    ['an exit of a block committed under another windowEnd', () => finalizeTx(1, { windowEnd: t.kWindowEnd + 1n }), 'UNKNOWN_COMMITMENT'],
    ['an exit of a block above the head', () => finalizeTx(1, { header: { ...t.kBlock1.header, number: 3n } }), 'UNKNOWN_COMMITMENT'],
    ['an exit inside its window', () => finalizeTx(1), 'CHALLENGE_WINDOW_OPEN', -1n],
    ['an exit with another amount than the tree holds', () => finalizeTx(1, { exit: { ...(t.kBlock1.exits[1] as core.Exit), amount: 1n } }), 'INVALID_EXIT_PROOF'],
    ['an exit at an index past the tree', () => finalizeTx(1, { index: 1n << 16n }), 'EXIT_INDEX_OUT_OF_RANGE'],
    ['an exit with a short proof', () => finalizeTx(1, { proof: core.exitProof(t.kBlock1, 1).slice(1) }), 'BAD_PROOF_LENGTH'],
    ['an exit of nothing', () => finalizeTx(1, { exit: { ...(t.kBlock1.exits[1] as core.Exit), amount: 0n } }), 'ZERO_AMOUNT'],
    ['the freeze of a child that is not stalled', () => ({ kind: core.TxKind.FreezeStalledChild, chainId: t.A.chainId, child: t.K }), 'NOT_STALLED'],
    ['the freeze of a frozen child', () => ({ kind: core.TxKind.FreezeStalledChild, chainId: t.A.chainId, child: t.K2 }), 'CHAIN_IS_FROZEN'],
    ['the freeze of no child', () => ({ kind: core.TxKind.FreezeStalledChild, chainId: t.A.chainId, child: core.chainIdOf(t.A.chainId, 9) }), 'UNKNOWN_CHAIN'],
    ['a reclaim from a live child', () => ({ ...t.k2Deposit, kind: core.TxKind.ReclaimChildDeposit, chainId: t.A.chainId, child: t.K, nonce: 1n, amount: parseEther('3') }), 'CHAIN_NOT_FROZEN'],
    ['a reclaim of a deposit never made', () => ({ ...t.k2Deposit, kind: core.TxKind.ReclaimChildDeposit, chainId: t.A.chainId, child: t.K2, amount: parseEther('5') }), 'UNKNOWN_DEPOSIT'],
    ['a reclaim from no child', () => ({ ...t.k2Deposit, kind: core.TxKind.ReclaimChildDeposit, chainId: t.A.chainId, child: core.chainIdOf(t.A.chainId, 9) }), 'UNKNOWN_CHAIN'],
  ];
  for (const [what, tx, code, shift] of refusals) {
    // An early exit is judged at a time before t.K's window ends (the block's timestamp is the STF's clock).
    it(`refuses ${what}: ${code}`, () => expectParity(tx(), code, shift === undefined ? {} : { timestamp: t.kWindowEnd + shift }));
  }

  const valid: [string, () => core.SignedTx][] = [
    ['the payment of an unpaid final exit', () => finalizeTx(1)],
    ['the reclaim of a frozen child\'s deposit', () => ({ ...t.k2Deposit, kind: core.TxKind.ReclaimChildDeposit, chainId: t.A.chainId, child: t.K2 })],
  ];
  for (const [what, tx] of valid) {
    it(`recomputes core's post-state root of ${what}, and convicts a wrong one`, () => expectParity(tx(), undefined));
  }

  it('recomputes the freeze of a stalled child (kind 13 writes ChildStatus)', async () => {
    // t.K stalls once its default stall limit has passed since its last commit.
    const limit = t.A.state.ledger.stallLimit(t.K);
    await expectParity({ kind: core.TxKind.FreezeStalledChild, chainId: t.A.chainId, child: t.K }, undefined, { timestamp: t.kWindowEnd - K_WINDOW + limit + 1n });
  });
  it('reverts on witnesses that do not fold: a forged value, a proof against the wrong root, one missing', async () => {
    const { block } = forgeA(finalizeTx(1));
    const proof = proofOf(block);
    const entries = proof.ledger.entries;
    // The subtree balance claimed higher than it is.
    const richer = core.bytesToHex(core.encodeWords(['uint256'], [parseEther('1000')]));
    const forged = { ...proof, ledger: { ...proof.ledger, entries: entries.map((e, i) => (i === 3 ? { ...e, value: richer } : e)) } };
    await expectRevert(t.verifier.ledgerTransition(t.domainSeparator, ZeroHash, 5, rootArgs(forged)), 'InvalidLedgerWitness', [3n]);
    expectCoreWitnessError(rootArgs(forged), 'INVALID_LEDGER_WITNESS', 3n);
    // The last key's proof taken against the pre-state root, not the root after the spent mark.
    t.A.state.checkpoint();
    const stale = { ...proof, ledger: { ...proof.ledger, entries: entries.map((e, i) => (i === 3 ? { ...e, proof: t.A.state.ledger.proof(core.ledgerKeys.subtreeBalance(t.K, ETH)) } : e)) } };
    t.A.state.revert();
    await expectRevert(t.verifier.ledgerTransition(t.domainSeparator, ZeroHash, 5, rootArgs(stale)), 'InvalidLedgerWitness', [3n]);
    expectCoreWitnessError(rootArgs(stale), 'INVALID_LEDGER_WITNESS', 3n);
    // A refusal needs the witnesses its checks read: none given.
    const double = forgeA(finalizeTx(0));
    const bare = { ...proofOf(double.block), ledger: { entries: [], extra: '0x' as Hex } };
    await expectRevert(t.verifier.ledgerTransition(t.domainSeparator, ZeroHash, 5, rootArgs(bare)), 'MissingLedgerWitness', [0n]);
    expectCoreWitnessError(rootArgs(bare), 'MISSING_LEDGER_WITNESS', 0n);
  });
});

describe('PlasmaRoot convicts a chain whose ledger tx is invalid', () => {
  it('refuses the proof of a valid finalize (NotFraud), then convicts the double withdrawal of an exit (FraudProven kind 10)', async () => {
    // A's block 6, valid: exit 1 paid. Its proof is taken on the state before it, then A applies it.
    const timestamp = await latestTimestamp(t.f.provider);
    const honest = forgeA(finalizeTx(1), { timestamp });
    const validProof = proofOf(honest.block);
    await t.A.commit(honest.block, { valid: false });
    await expectRevert(sendCall(t.relayer, t.f.rootAddress, t.A.calldata(validProof)), 'NotFraud', [5n, encodeBytes32String('TX_VALID')]);
    const a6 = t.A.build(timestamp, (b) => b.addSignedTx(finalizeTx(1)));
    expect(a6.hash).toBe(honest.block.hash);
    t.A.head = a6.header;

    // A's block 7, a lie: exit 0 paid a second time, 0.5 ETH minted to alice on A.
    const { block, refusal } = forgeA(finalizeTx(0), { timestamp: await latestTimestamp(t.f.provider) });
    expect(refusal).toBe('ALREADY_WITHDRAWN');
    await convictAtRoot(block, 'ALREADY_WITHDRAWN', 'ledger-fraud', 'kind 5, ALREADY_WITHDRAWN');
    expect((await t.root.chainInfo(t.A.chainId)).headNumber).toBe(a6.header.number);
  });
});
