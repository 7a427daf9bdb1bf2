/**
 * Transition proofs of PROVE_CHILD_FRAUD (tx kind 10, docs/LEDGER-PROOFS.md §4; docs/FRAUD.md §7) on the tree of
 * ./ledgerFraudFixture.ts: a chain A convicts its child with the proof PlasmaRoot would take, and PlasmaLedgerChildFraud
 * judges A's conviction as core's STF does (the refusal's code, the post-state root). The attack it closes: A's quorum
 * "convicts" an honest child (its bond is A's to take) and nobody could prove the lie at the root.
 *
 * The story: K's block 1 is honest (alice's deposit and two withdrawals), block 2 a lie (an exit of 100 ETH from
 * nothing). Every proof against block 1 is refused whatever its kind; the proof against block 2 is valid: half of K's
 * bond to alice, half burned at the tx's `slot` (§4.2), and the module recomputes the post root. Then A spawns K3,
 * commits its honest block 1 and a lying block 2, and convicts block 2 (K3's bond is gone): an equivocation at height
 * 1 is then a valid conviction that burns nothing. Last, A "convicts" an honest child inside its window and PlasmaRoot
 * convicts A.
 */
import * as core from '@plasma-tree/core';
import { parseEther } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  K_WINDOW, aliceNonce, buildLedgerTree, commitA, commitChildTx, convictAtRoot, expectBlockTxParity, expectParity, findLie, forgeA,
  signTx, spawnHonestChild, t, verifierGas,
} from './ledgerFraudFixture.js';

type Hex = core.Hex;
const lower = (s: string): Hex => s.toLowerCase() as Hex;
const LIE = core.bytesToHex(core.keccak256(new TextEncoder().encode('lie')));

beforeAll(async () => {
  await buildLedgerTree();
}, 120_000);

afterAll(async () => {
  await t.f?.stop();
});

/** A PROVE_CHILD_FRAUD of `child` with `proof` under `windows`, its reward to alice. */
function convictTx(child: Hex, proof: core.FraudProofData, windows: core.ProofWindows, over: Partial<core.ProveChildFraudTx> = {}): core.SignedTx {
  return {
    kind: core.TxKind.ProveChildFraud, chainId: t.A.chainId, child, fraudKind: core.fraudKindOf(proof), args: core.encodeFraudProofArgs(proof, windows),
    to: lower(t.alice.address), ...over,
  } as core.SignedTx;
}

/** K's block 1 (its parent the zero header, committed with kWindowEnd). */
const k1Windows = () => ({ windowEnd: t.kWindowEnd, prevWindowEnd: 0n });
/** A's clock inside K's window (the fixture's head is past it). */
const inWindow = () => ({ timestamp: t.kWindowEnd - 1n });
const transitionProof = (index: number) => core.buildTransitionProof(t.kBlock1, index, null, new core.ChainState(t.K), t.kctx, { allowValid: true });

describe('kind 10 PROVE_CHILD_FRAUD against an honest block: every proof is refused as core refuses it', () => {
  it('refuses a transition proof against a valid withdrawal: NOT_FRAUD (A cannot take an honest bond)', async () => {
    const tx = convictTx(t.K, transitionProof(1), k1Windows());
    await expectParity(tx, 'NOT_FRAUD', inWindow());
    await verifierGas('ledger-fraud-child', 'kind 10 transition proof, NOT_FRAUD', tx, t.kWindowEnd - 1n);
  });

  it("refuses a deposit proof against a deposit the parent recorded (the record read from A's ledger): NOT_FRAUD", () =>
    expectParity(convictTx(t.K, transitionProof(0), k1Windows()), 'NOT_FRAUD', inWindow()));

  it('refuses a missing-down-event proof at the position that holds it: NOT_FRAUD', () => {
    const proof: core.FraudProofData = { kind: core.FraudKind.MissingDownEvent, header: t.kBlock1.header, prev: core.ZERO_HEADER, tx: core.txWitness(t.kBlock1, 0) };
    return expectParity(convictTx(t.K, proof, k1Windows()), 'NOT_FRAUD', inWindow());
  });

  it('refuses a malformed-tx proof against a well-formed tx: NOT_FRAUD', () => {
    const proof: core.FraudProofData = { kind: core.FraudKind.MalformedTx, header: t.kBlock1.header, prev: core.ZERO_HEADER, tx: core.txWitness(t.kBlock1, 1) };
    return expectParity(convictTx(t.K, proof, k1Windows()), 'NOT_FRAUD', inWindow());
  });

  it('refuses a bad-timestamp proof against a block in time, and a skipped-deposit proof when nothing is overdue: NOT_FRAUD', async () => {
    const plain = { header: t.kBlock1.header, prev: core.ZERO_HEADER };
    await expectParity(convictTx(t.K, { kind: core.FraudKind.BadTimestamp, ...plain }, k1Windows()), 'NOT_FRAUD', inWindow());
    await expectParity(convictTx(t.K, { kind: core.FraudKind.SkippedDeposit, ...plain }, k1Windows()), 'NOT_FRAUD', inWindow());
  });

  it("refuses an invalid-exits proof against the exit a withdrawal made: NOT_FRAUD", () => {
    const exit = { leaf: core.exitLeafOfTx(t.kBlock1.txs[1]!, t.K)!, index: 0, proof: core.exitProof(t.kBlock1, 0) };
    const proof: core.FraudProofData = {
      kind: core.FraudKind.InvalidExits, header: t.kBlock1.header, prev: core.ZERO_HEADER, tx: core.txWitness(t.kBlock1, 1), next: core.txWitness(t.kBlock1, 2), exit,
    };
    return expectParity(convictTx(t.K, proof, k1Windows()), 'NOT_FRAUD', inWindow());
  });

  const malformed: [string, () => core.SignedTx][] = [
    ['args that do not decode', () => ({ ...convictTx(t.K, transitionProof(1), k1Windows()), args: '0x1234' as Hex }) as core.SignedTx],
    ['args with a byte more', () => ({ ...convictTx(t.K, transitionProof(1), k1Windows()), args: `${core.encodeFraudProofArgs(transitionProof(1), k1Windows())}00` as Hex }) as core.SignedTx],
    ['fraud kind 8 (a data challenge is no proof)', () => ({ ...convictTx(t.K, transitionProof(1), k1Windows()), fraudKind: 8 }) as core.SignedTx],
    ['a withdrawal proof under fraud kind 1', () => ({ ...convictTx(t.K, transitionProof(1), k1Windows()), fraudKind: 1 }) as core.SignedTx],
  ];
  for (const [what, tx] of malformed) {
    it(`refuses ${what}: MALFORMED_TX`, () => expectParity(tx(), 'MALFORMED_TX', inWindow()));
  }

  it('refuses a proof against no child, another windowEnd or a block above the head: UNKNOWN_COMMITMENT', async () => {
    await expectParity(convictTx(core.chainIdOf(t.A.chainId, 9), transitionProof(1), k1Windows()), 'UNKNOWN_COMMITMENT', inWindow());
    await expectParity(convictTx(t.K, transitionProof(1), { ...k1Windows(), windowEnd: t.kWindowEnd + 1n }), 'UNKNOWN_COMMITMENT', inWindow());
    const above = { ...t.kBlock2.header, number: 3n };
    await expectParity(convictTx(t.K, { kind: core.FraudKind.BadTimestamp, header: above, prev: t.kBlock2.header }, { windowEnd: t.kWindowEnd, prevWindowEnd: t.kWindowEnd }), 'UNKNOWN_COMMITMENT', inWindow());
  });

  it('refuses a proof after the window: CHALLENGE_WINDOW_CLOSED', () => expectParity(convictTx(t.K, transitionProof(1), k1Windows()), 'CHALLENGE_WINDOW_CLOSED'));

  it("refuses a proof whose previous header is not the committed one: WRONG_PREV_HEADER", () =>
    expectParity(convictTx(t.K, { kind: core.FraudKind.BadTimestamp, header: t.kBlock2.header, prev: t.kBlock1.header }, { windowEnd: t.kWindowEnd, prevWindowEnd: t.kWindowEnd + 5n }), 'WRONG_PREV_HEADER', inWindow()));

  it("refuses a transition proof whose witness is not in the block, or of a ledger kind: TX_NOT_IN_BLOCK, PROOF_KIND_NOT_SUPPORTED", async () => {
    const proof = transitionProof(1);
    const forged = { ...proof, tx: { ...proof.tx, tx: { ...proof.tx.tx, amount: proof.tx.tx.amount + 1n } } };
    await expectParity(convictTx(t.K, forged, k1Windows()), 'TX_NOT_IN_BLOCK', inWindow());
    const ledgerKind = { ...proof, tx: { ...proof.tx, tx: { ...proof.tx.tx, kind: core.TxKind.DepositToChild } } };
    await expectParity(convictTx(t.K, ledgerKind, k1Windows(), { fraudKind: core.FraudKind.InvalidWithdraw }), 'PROOF_KIND_NOT_SUPPORTED', inWindow());
  });

  it('refuses a transition proof whose account witness opens another slot: WRONG_WITNESS_SLOT', () => {
    const proof = transitionProof(1);
    return expectParity(convictTx(t.K, { ...proof, accounts: [{ ...proof.accounts[0]!, slot: 7 }] }, k1Windows()), 'WRONG_WITNESS_SLOT', inWindow());
  });

  it('refuses equivocations that are none: UNKNOWN_CHAIN, NOT_FRAUD, CHAIN_ID_MISMATCH, SIGNER_NOT_VALIDATOR', async () => {
    const h1 = t.kBlock1.header;
    const other = { ...h1, timestamp: h1.timestamp + 1n };
    const sign = (h: core.Header, w = t.kValidator) => core.secp256k1Scheme.sign(core.commitmentDigest(t.A.domain, h.chainId, h.number, core.hashHeader(h)), w.privateKey as Hex);
    const equivocation = (a: core.Header, b: core.Header, sigs: Hex): core.FraudProofData => ({ kind: core.FraudKind.Equivocation, header: a, signatures: '0x', header2: b, signatures2: sigs, prev: core.ZERO_HEADER });
    await expectParity(convictTx(core.chainIdOf(t.A.chainId, 9), equivocation(h1, other, sign(other)), k1Windows()), 'UNKNOWN_CHAIN', inWindow());
    await expectParity(convictTx(t.K, equivocation(h1, { ...other, number: 2n }, sign(other)), k1Windows()), 'NOT_FRAUD', inWindow());
    await expectParity(convictTx(t.K, equivocation(h1, h1, '0x'), k1Windows()), 'NOT_FRAUD', inWindow());
    await expectParity(convictTx(t.K, equivocation(h1, { ...other, chainId: t.K2 }, sign(other)), k1Windows()), 'CHAIN_ID_MISMATCH', inWindow());
    await expectParity(convictTx(t.K, equivocation(h1, other, sign(other, t.alice)), k1Windows()), 'SIGNER_NOT_VALIDATOR', inWindow());
  });

  it('refuses a reward to a slot another holds: SLOT_OCCUPIED (before the proof is read)', () => {
    const placed = core.placeSignedTx(t.A.state, convictTx(t.K, transitionProof(1), k1Windows(), { to: lower(t.relayer.address) }), t.A.ctx);
    return expectBlockTxParity({ ...placed, toSlot: aliceNonce().slot }, 'SLOT_OCCUPIED', t.kWindowEnd - 1n);
  });
});

describe('a valid conviction: burned halves stay phase 2, a slashed child is provable', () => {
  it("recomputes core's post-state root of the conviction of K's lying block 2 (half K's bond to alice, half burned at the tx's slot)", async () => {
    const lie = { header: t.kBlock2.header, hash: core.hashHeader(t.kBlock2.header), txs: [], postRoots: [], exits: [t.kBlock2.exit] };
    const tx = convictTx(t.K, core.buildInvalidExitsProof(lie, t.kBlock1.header), { windowEnd: t.kWindowEnd, prevWindowEnd: t.kWindowEnd });
    const placed = core.placeSignedTx(t.A.state, tx, t.A.ctx);
    expect(placed.slot).not.toBe(0);
    expect(placed.slot).not.toBe(placed.toSlot);
    await expectParity(tx, undefined, inWindow());
    // The burn slot is a word now: one another holds is refused, and so is a slot named when nothing burns.
    await expectBlockTxParity({ ...placed, slot: aliceNonce().slot }, 'SLOT_OCCUPIED', t.kWindowEnd - 1n);
    await verifierGas('ledger-fraud-child', 'kind 10 invalid exits, valid, burns', tx, t.kWindowEnd - 1n);
  });

  /** K3: spawned by alice (K's validator), block 1 honest and empty, block 2 a lie; A convicts block 2. */
  const k3 = {} as { chain: Hex; block1: core.Header; block2: core.Header; windowEnd: bigint };
  const sign = (h: core.Header) => core.secp256k1Scheme.sign(core.commitmentDigest(t.A.domain, h.chainId, h.number, core.hashHeader(h)), t.kValidator.privateKey as Hex);
  /** An equivocation at `number` of K3: its committed header, and another one K's validator signed. */
  const equivocationTx = (header: core.Header, over: Partial<core.ProveChildFraudTx> = {}) => {
    const other = { ...header, timestamp: header.timestamp + 1n };
    const proof = core.buildEquivocationProof(header, '0x', other, sign(other), header.number === 1n ? null : k3.block1);
    return convictTx(k3.chain, proof, { windowEnd: k3.windowEnd, prevWindowEnd: header.number === 1n ? 0n : k3.windowEnd }, over);
  };

  beforeAll(async () => {
    await commitA((b) => b.addSignedTx(signTx(t.alice, {
      kind: core.TxKind.SpawnChild, chainId: t.A.chainId, ...aliceNonce(), validators: [lower(t.kValidator.address)], threshold: 1, challengeWindow: K_WINDOW,
      bond: core.MIN_BOND,
    } as core.UnsignedTx)));
    k3.chain = core.chainIdOf(t.A.chainId, 2);
    const kb = new core.BlockBuilder({ parent: null, state: new core.ChainState(k3.chain), ctx: { ...t.kctx, chainId: k3.chain }, timestamp: t.A.head!.timestamp });
    k3.block1 = kb.seal().header;
    const mint: core.Exit = { recipient: lower(t.alice.address), token: core.NATIVE_TOKEN, amount: parseEther('100') };
    k3.block2 = { ...k3.block1, number: 2n, parentHash: core.hashHeader(k3.block1), exitRoot: core.bytesToHex(core.computeExitRoot([mint])) };
    const a = await commitA((b) => [k3.block1, k3.block2].forEach((h) => b.addSignedTx(commitChildTx(k3.chain, h))));
    k3.windowEnd = a.header.timestamp + K_WINDOW;
    const lie = { header: k3.block2, hash: core.hashHeader(k3.block2), txs: [], postRoots: [], exits: [mint] };
    await commitA((b) => b.addSignedTx(convictTx(k3.chain, core.buildInvalidExitsProof(lie, k3.block1), { windowEnd: k3.windowEnd, prevWindowEnd: k3.windowEnd })));
    expect(t.A.state.ledger.childInfo(k3.chain)).toMatchObject({ headNumber: 1n, bond: 0n });
    expect(t.A.state.ledger.childStatus(k3.chain).status).toBe(core.ChainStatus.FrozenFraud);
    expect(t.A.head!.timestamp).toBeLessThan(k3.windowEnd - 1n);
  }, 60_000);

  it("recomputes core's post-state root of a conviction that burns nothing (K3 rolled back to 0), and convicts a wrong one", async () => {
    const tx = equivocationTx(k3.block1);
    await expectParity(tx, undefined);
    expect(findLie(tx)).toMatchObject({ provable: true, kind: core.FraudKind.InvalidLedgerTx, reason: 'POST_ROOT_MISMATCH' });
    await verifierGas('ledger-fraud-child', 'kind 10 equivocation, valid', tx);
  });

  it('refuses an equivocation above the head of a child convicted before: ALREADY_CONVICTED', () => expectParity(equivocationTx(k3.block2), 'ALREADY_CONVICTED'));

  it('refuses a burn slot when the bond is gone: BURN_SLOT_UNUSED', async () => {
    const placed = core.placeSignedTx(t.A.state, equivocationTx(k3.block1), t.A.ctx);
    expect(placed.slot).toBe(0);
    await expectBlockTxParity({ ...placed, slot: 5 }, 'BURN_SLOT_UNUSED');
  });

  it('PlasmaRoot convicts A when it convicts an honest child with a deposit proof (NOT_FRAUD, FraudProven kind 10)', async () => {
    const honest = await spawnHonestChild();
    const nested = core.buildTransitionProof(honest.block, 0, null, new core.ChainState(honest.chain), honest.ctx, { allowValid: true });
    const tx = convictTx(honest.chain, nested, { windowEnd: honest.windowEnd, prevWindowEnd: 0n });
    await expectParity(tx, 'NOT_FRAUD');
    // The largest nested proof: a transfer, two account witnesses.
    const transfer = core.buildTransitionProof(honest.block, 1, null, new core.ChainState(honest.chain), honest.ctx, { allowValid: true });
    expect(transfer.accounts).toHaveLength(2);
    await expectParity(convictTx(honest.chain, transfer, { windowEnd: honest.windowEnd, prevWindowEnd: 0n }), 'NOT_FRAUD');
    // A applies it anyway: the child frozen, half its bond to alice.
    const { block } = forgeA(tx, { postRoot: LIE, timestamp: t.A.head!.timestamp + 1n });
    await convictAtRoot(block, 'NOT_FRAUD', 'ledger-fraud-child', 'kind 10 deposit proof against an honest child, NOT_FRAUD');
  });
});
