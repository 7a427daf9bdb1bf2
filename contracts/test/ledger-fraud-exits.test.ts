/**
 * Transition proofs of kind 11 ESCAPE_CHILD_EXIT at the root (docs/LEDGER-PROOFS.md §4, docs/FRAUD.md §8) on the tree
 * of ./ledgerFraudFixture.ts plus K3, a third child of A: spawned with a stall limit of its window, funded by two
 * deposits (alice 2 ETH, bob 1 ETH), one block committed by A, then frozen for its stall once that block is final.
 * K3's validator lies in that block: its state root also holds 100 ETH for mallory that no deposit brought (a lie
 * that became final pays no more than the subtree put in: SUBTREE_BALANCE_EXCEEDED). Every escape core's STF accepts
 * or refuses is judged by PlasmaLedgerExits as core does; bad witnesses revert; last, a lying A that pays mallory's
 * escape is convicted on the root.
 */
import * as core from '@plasma-tree/core';
import { ZeroHash, id, parseEther } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectRevert, increaseTime, latestTimestamp } from './helpers.js';
import {
  ETH, K_WINDOW, aliceNonce, buildLedgerTree, commitA, commitChildTx, convictAtRoot, expectBlockTxParity, expectParity, forgeA, proofOf,
  rootArgs, signTx, t, expectCoreWitnessError
} from './ledgerFraudFixture.js';

type Hex = core.Hex;
const lower = (s: string): Hex => s.toLowerCase() as Hex;
const ESCAPE = core.TxKind.EscapeChildExit;

/** K3, its head (block 1, the only one) with its windowEnd in A's ledger, and the head's state (the lie included). */
const k3 = {} as { id: Hex; head: core.Header; windowEnd: bigint; state: core.ChainState; bob: Hex; mallory: Hex };
const ALICE_SLOT = 0;
const BOB_SLOT = 1;
const MALLORY_SLOT = 2;

beforeAll(async () => {
  await buildLedgerTree();
  const { alice } = t;
  k3.bob = lower(t.f.wallets[2].address);
  k3.mallory = lower(t.f.wallets[3].address);
  // Like K2: a stall limit of its window, so it can be frozen once its only block is final.
  k3.id = core.chainIdOf(t.A.chainId, t.A.state.ledger.childCount);
  await commitA((b) => {
    b.addSignedTx(signTx(alice, {
      kind: core.TxKind.SpawnChild, chainId: t.A.chainId, ...aliceNonce(), validators: [lower(t.kValidator.address)], threshold: 1,
      challengeWindow: K_WINDOW, stallLimit: K_WINDOW, bond: core.MIN_BOND,
    } as core.UnsignedTx));
  });
  expect(t.A.state.ledger.childInfo(k3.id)).toBeDefined();
  const funding = await commitA((b) => {
    for (const [to, amount] of [[lower(alice.address), parseEther('2')], [k3.bob, parseEther('1')]] as const) {
      b.addSignedTx(signTx(alice, { kind: core.TxKind.DepositToChild, chainId: t.A.chainId, ...aliceNonce(), child: k3.id, to, token: ETH, amount }));
    }
  });

  // K3's block 1 applies both deposits; the header its validator signs claims a state where mallory holds 100 ETH too.
  k3.state = new core.ChainState(k3.id);
  const ctx: core.BlockContext = { chainId: k3.id, domain: t.A.domain, depositRecord: core.childDepositRecords(t.A.state.ledger, k3.id), parentChainId: t.A.chainId };
  const kb = new core.BlockBuilder({ parent: null, state: k3.state, ctx, timestamp: funding.header.timestamp });
  kb.addDeposit({ chainId: k3.id, nonce: 1n, from: lower(alice.address), to: lower(alice.address), token: ETH, amount: parseEther('2') });
  kb.addDeposit({ chainId: k3.id, nonce: 2n, from: lower(alice.address), to: k3.bob, token: ETH, amount: parseEther('1') });
  const honest = kb.seal();
  expect([k3.state.slotOf(lower(alice.address), ETH), k3.state.slotOf(k3.bob, ETH)]).toEqual([ALICE_SLOT, BOB_SLOT]);
  k3.state.accounts.put(MALLORY_SLOT, { owner: k3.mallory, token: ETH, balance: parseEther('100'), nonce: 0n });
  k3.head = { ...honest.header, stateRoot: k3.state.root };
  const committed = await commitA((b) => b.addSignedTx(commitChildTx(k3.id, k3.head)));
  k3.windowEnd = committed.header.timestamp + K_WINDOW;

  // Past its window and its stall limit: K3's head is final and K3 frozen.
  await increaseTime(t.f.provider, K_WINDOW + 10n);
  await commitA((b) => b.addSignedTx({ kind: core.TxKind.FreezeStalledChild, chainId: t.A.chainId, child: k3.id }));
  expect(t.A.state.ledger.childStatus(k3.id).status).toBe(core.ChainStatus.FrozenStalled);
  expect(t.A.state.ledger.subtreeBalance(k3.id, ETH)).toBe(parseEther('3'));
  expect(t.A.head!.timestamp).toBeGreaterThan(k3.windowEnd);
}, 180_000);

afterAll(async () => {
  await t.f?.stop();
});

/** ESCAPE_CHILD_EXIT of slot `slot` of K3's head (`over` changes any field). */
function escapeTx(slot: number, over: Partial<core.EscapeChildExitTx> = {}): core.EscapeChildExitTx {
  return { kind: ESCAPE, chainId: t.A.chainId, child: k3.id, head: k3.head, windowEnd: k3.windowEnd, ...core.buildEscapeExitProof(k3.state, slot), ...over };
}

/** escapeTx's account witness with `over` (the words still repeat it: placeSignedTx copies them from it). */
function escapeAccount(slot: number, over: Partial<core.AccountWitness>): Partial<core.EscapeChildExitTx> {
  return { account: { ...core.buildEscapeExitProof(k3.state, slot).account, ...over } };
}

describe('PlasmaLedgerExits judges kind 11 (ESCAPE_CHILD_EXIT) as core does', () => {
  const refusals: [string, () => core.SignedTx, string, (() => bigint)?][] = [
    ['an escape from a live child', () => escapeTx(ALICE_SLOT, { child: t.K }), 'CHAIN_NOT_FROZEN'],
    ['an escape from no child', () => escapeTx(ALICE_SLOT, { child: core.chainIdOf(t.A.chainId, 9) }), 'UNKNOWN_CHAIN'],
    ['an escape from a block above the head', () => escapeTx(ALICE_SLOT, { head: { ...k3.head, number: 2n } }), 'NOT_THE_HEAD'],
    ['an escape from a frozen child with no block (K2)', () => escapeTx(ALICE_SLOT, { child: t.K2, head: { ...k3.head, chainId: t.K2, number: 0n } }), 'NOT_THE_HEAD'],
    ['an escape under another windowEnd', () => escapeTx(ALICE_SLOT, { windowEnd: k3.windowEnd + 1n }), 'UNKNOWN_COMMITMENT'],
    ['an escape from a head that was not committed (another state root)', () => escapeTx(ALICE_SLOT, { head: { ...k3.head, stateRoot: ZeroHash as Hex } }), 'UNKNOWN_COMMITMENT'],
    ['an escape before the head is final', () => escapeTx(ALICE_SLOT), 'CHALLENGE_WINDOW_OPEN', () => k3.windowEnd - 1n],
    ['an escape of nothing', () => escapeTx(ALICE_SLOT, escapeAccount(ALICE_SLOT, { balance: 0n })), 'ZERO_AMOUNT'],
    ['an escape of more than the slot holds', () => escapeTx(ALICE_SLOT, escapeAccount(ALICE_SLOT, { balance: parseEther('5') })), 'INVALID_ACCOUNT_PROOF'],
    ['an escape under another ledger root', () => escapeTx(ALICE_SLOT, { ledgerRoot: id('another ledger') as Hex }), 'INVALID_ACCOUNT_PROOF'],
    ['an escape with a proof of another slot', () => escapeTx(ALICE_SLOT, escapeAccount(ALICE_SLOT, { proof: core.buildEscapeExitProof(k3.state, BOB_SLOT).account.proof })), 'INVALID_ACCOUNT_PROOF'],
    ['the escape of the 100 ETH the lying head minted (3 ETH in the subtree)', () => escapeTx(MALLORY_SLOT), 'SUBTREE_BALANCE_EXCEEDED'],
  ];
  for (const [what, tx, code, at] of refusals) {
    it(`refuses ${what}: ${code}`, () => expectParity(tx(), code, at === undefined ? {} : { timestamp: at() }));
  }

  it('refuses an escape whose words do not repeat the account (MALFORMED_TX)', async () => {
    const placed = core.placeSignedTx(t.A.state, escapeTx(ALICE_SLOT), t.A.ctx);
    await expectBlockTxParity({ ...placed, amount: placed.amount - 1n }, 'MALFORMED_TX');
    await expectBlockTxParity({ ...placed, to: k3.bob }, 'MALFORMED_TX');
  });

  it("refuses an escape credited to someone else's slot (SLOT_OCCUPIED)", async () => {
    const placed = core.placeSignedTx(t.A.state, escapeTx(BOB_SLOT), t.A.ctx);
    await expectBlockTxParity({ ...placed, toSlot: aliceNonce().slot }, 'SLOT_OCCUPIED');
  });

  it("recomputes core's post-state root of an escape into an existing slot (alice's) and an empty one (bob's), and convicts a wrong one", async () => {
    expect(core.placeSignedTx(t.A.state, escapeTx(ALICE_SLOT), t.A.ctx).toSlot).toBe(aliceNonce().slot);
    await expectParity(escapeTx(ALICE_SLOT), undefined);
    expect(t.A.state.get(core.placeSignedTx(t.A.state, escapeTx(BOB_SLOT), t.A.ctx).toSlot)).toBeUndefined();
    await expectParity(escapeTx(BOB_SLOT), undefined);
  });

  it('reverts on witnesses that do not fold: a forged subtree balance, a live child claimed frozen, one missing', async () => {
    const { block } = forgeA(escapeTx(ALICE_SLOT));
    const proof = proofOf(block);
    const richer = core.bytesToHex(core.encodeWords(['uint256'], [parseEther('1000')]));
    const forged = { ...proof, ledger: { ...proof.ledger, entries: proof.ledger.entries.map((e, i) => (i === 4 ? { ...e, value: richer } : e)) } };
    await expectRevert(t.verifier.ledgerTransition(t.domainSeparator, ZeroHash, ESCAPE, rootArgs(forged)), 'InvalidLedgerWitness', [4n]);
    expectCoreWitnessError(rootArgs(forged), 'INVALID_LEDGER_WITNESS', 4n);

    // t.K is live (no ChildStatus entry): a witness saying it is frozen cannot fold, even on the refusal path.
    const live = forgeA(escapeTx(ALICE_SLOT, { child: t.K }));
    const liveProof = proofOf(live.block);
    const frozen = core.bytesToHex(core.encodeWords(['uint8', 'uint64'], [core.ChainStatus.FrozenStalled, 1n]));
    const claimed = { ...liveProof, ledger: { ...liveProof.ledger, entries: liveProof.ledger.entries.map((e, i) => (i === 1 ? { ...e, value: frozen } : e)) } };
    await expectRevert(t.verifier.ledgerTransition(t.domainSeparator, ZeroHash, ESCAPE, rootArgs(claimed)), 'InvalidLedgerWitness', [1n]);
    expectCoreWitnessError(rootArgs(claimed), 'INVALID_LEDGER_WITNESS', 1n);

    const bare = { ...liveProof, ledger: { entries: [], extra: '0x' as Hex } };
    await expectRevert(t.verifier.ledgerTransition(t.domainSeparator, ZeroHash, ESCAPE, rootArgs(bare)), 'MissingLedgerWitness', [0n]);
    expectCoreWitnessError(rootArgs(bare), 'MISSING_LEDGER_WITNESS', 0n);
  });

  it('refuses the second escape of a slot (ALREADY_ESCAPED) once A applied the first', async () => {
    await commitA((b) => b.addSignedTx(escapeTx(ALICE_SLOT)));
    expect(t.A.state.ledger.isEscaped(k3.id, ALICE_SLOT)).toBe(true);
    expect(t.A.state.ledger.subtreeBalance(k3.id, ETH)).toBe(parseEther('1'));
    await expectParity(escapeTx(ALICE_SLOT), 'ALREADY_ESCAPED');
    // bob's slot still escapes: the whole remaining subtree balance.
    await expectParity(escapeTx(BOB_SLOT), undefined);
  });
});

describe('PlasmaRoot convicts a chain whose escape is invalid', () => {
  it("convicts a lying post-state root of bob's valid escape (the valid shape: 5 keys, 2 written), then undoes it", async () => {
    const snapshot = (await t.f.provider.send('evm_snapshot', [])) as string;
    try {
      const timestamp = await latestTimestamp(t.f.provider);
      const { honest } = forgeA(escapeTx(BOB_SLOT), { timestamp });
      const { block } = forgeA(escapeTx(BOB_SLOT), { timestamp, postRoot: core.bytesToHex(core.keccak256(core.hexToBytes(honest!))) });
      const receipt = await convictAtRoot(block, 'POST_ROOT_MISMATCH');
      console.log(`[ledger-fraud-exits] proveInvalidTransition (kind 11, POST_ROOT_MISMATCH): ${receipt.gasUsed} gas`);
    } finally {
      await t.f.provider.send('evm_revert', [snapshot]);
    }
  });

  it("convicts A for paying the minted escape of K3's lying head (FraudProven kind 10)", async () => {
    const { block, refusal } = forgeA(escapeTx(MALLORY_SLOT), { timestamp: await latestTimestamp(t.f.provider) });
    expect(refusal).toBe('SUBTREE_BALANCE_EXCEEDED');
    const receipt = await convictAtRoot(block, 'SUBTREE_BALANCE_EXCEEDED');
    console.log(`[ledger-fraud-exits] proveInvalidTransition (kind 11, SUBTREE_BALANCE_EXCEEDED): ${receipt.gasUsed} gas`);
  });
});
