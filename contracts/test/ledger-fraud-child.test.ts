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
 *
 * Fraud kind 10 (a ledger-kind proof of the child's tx, docs/LEDGER-PROOFS.md item 10): K is a parent too (it spawns KC,
 * commits KC's block 1, receives A's message); A's proofs against K's honest ledger-kind txs are refused, against K's
 * lying spawn and K's false conviction of KC (the module judging itself one level down) they are valid convictions.
 */
import * as core from '@plasma-tree/core';
import { AbiCoder, parseEther } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  K_WINDOW, aliceNonce, buildLedgerTree, commitA, commitChildTx, convictAtRoot, expectBlockTxParity, expectParity, findLie, forgeA,
  signTx, spawnHonestChild, t, transitionFaultWithGas, undone, verifierGas,
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

  it("refuses a witness's tx index or exit index past 2^53 - 1 (core's decoder reads numbers): MALFORMED_TX, not an index out of range", async () => {
    const proof = transitionProof(1);
    const args = core.hexToBytes(core.encodeFraudProofArgs(proof, k1Windows()));
    const tAt = Number(BigInt(core.bytesToHex(args.subarray(18 * 32, 19 * 32))));
    // TxWitness: the BlockTx's 11 words, the data's offset, postStateRoot, exitIndex (word 13), index (word 14).
    for (const word of [13, 14]) {
      const patched = args.slice();
      patched.set(core.bigintToWord(1n << 60n), tAt + word * 32);
      await expectParity({ ...convictTx(t.K, proof, k1Windows()), args: core.bytesToHex(patched) } as core.SignedTx, 'MALFORMED_TX', inWindow());
    }
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

describe("fraud kind 10: A judges K's ledger-kind txs", () => {
  /**
   * K as a parent (root → A → K → KC). A sends K a message (alice's EDGE_SEND down: K's down event 2). K's block 3
   * (on block 1's state, after the lie of block 2) delivers it (EDGE_FROM_PARENT, kind 8: its record is A's Deposit(K,
   * 2)) and holds alice's SPAWN_CHILD of KC (kind 6, the bond from her K slot); K's block 4 commits KC's block 1 (kind 4)
   * and holds a second SPAWN_CHILD under a wrong post root (the header's state root is the true one); K's block 5
   * convicts KC's honest block 1 (a kind 10 core refuses: NOT_FRAUD). A commits blocks 3 to 5.
   */
  const k = {} as { block3: core.Block; lie4: core.Block; lie5: core.Block; kc: Hex; windowEnd: bigint };
  /** K's state after `blocks` (replayed after block 1; block 2 changed nothing but its exits; a lie's txs as the STF applies them). */
  const kStateAfter = (...blocks: core.Block[]): core.ChainState => {
    const state = new core.ChainState(t.K);
    core.verifyBlock(t.kBlock1, null, state, t.kctx);
    let lastDepositNonce = t.kBlock1.header.depositNonce;
    for (const block of blocks) {
      for (const tx of block.txs) {
        lastDepositNonce = core.applyTx(state, tx, { ...t.kctx, lastDepositNonce, timestamp: block.header.timestamp }).downNonce ?? lastDepositNonce;
      }
    }
    return state;
  };
  const spawnTx = (nonce: bigint): core.SignedTx => signTx(t.alice, {
    kind: core.TxKind.SpawnChild, chainId: t.K, slot: 0, nonce, validators: [lower(t.kValidator.address)], threshold: 1, challengeWindow: K_WINDOW, bond: core.MIN_BOND,
  } as core.UnsignedTx);
  /** core's ledger-kind proof of tx `index` of K's block 3 (0 the delivery, 1 the spawn), 4 (0 the commit, 1 the lying spawn) or 5. */
  const proof3 = (index = 1) => core.buildLedgerTransitionProof(k.block3, index, t.kBlock2.header, kStateAfter(), t.kctx, { allowValid: true });
  const proof4 = (index = 1) => core.buildLedgerTransitionProof(k.lie4, index, k.block3.header, kStateAfter(k.block3), t.kctx, { allowValid: true });
  const proof5 = () => core.buildLedgerTransitionProof(k.lie5, 0, k.lie4.header, kStateAfter(k.block3, k.lie4), t.kctx, { allowValid: true });
  const windows3 = () => ({ windowEnd: k.windowEnd, prevWindowEnd: t.kWindowEnd });
  const windows = () => ({ windowEnd: k.windowEnd, prevWindowEnd: k.windowEnd });

  beforeAll(async () => {
    expect(kStateAfter().get(0)).toMatchObject({ owner: lower(t.alice.address), nonce: 2n });
    expect(kStateAfter().get(0)!.balance).toBeGreaterThan(2n * core.MIN_BOND);
    const payload = core.encodeMessagePayload({ target: lower(t.relayer.address), data: '0xbeef' });
    await commitA((b) => b.addSignedTx(signTx(t.alice, { kind: core.TxKind.EdgeSend, chainId: t.A.chainId, ...aliceNonce(), fn: core.MESSAGE_FN, child: t.K, payload })));
    const nonce = t.A.state.ledger.childInfo(t.K).depositCount;
    expect(nonce).toBe(2n);
    const timestamp = t.A.head!.timestamp;
    const b3 = new core.BlockBuilder({ parent: t.kBlock2.header, state: kStateAfter(), ctx: t.kctx, timestamp });
    b3.addEdgeFromParent({ nonce, fn: core.MESSAGE_FN, sender: lower(t.alice.address), payload });
    b3.addSignedTx(spawnTx(2n));
    k.block3 = b3.seal();
    expect(k.block3.header.depositNonce).toBe(2n);
    // KC's block 1 (empty), committed by K in block 4 with a second spawn whose post root is a lie.
    k.kc = core.chainIdOf(t.K, 0);
    const kcCtx: core.BlockContext = { ...t.kctx, chainId: k.kc, parentChainId: t.K };
    const kc1 = new core.BlockBuilder({ parent: null, state: new core.ChainState(k.kc), ctx: kcCtx, timestamp }).seal();
    const after3 = kStateAfter(k.block3);
    const b4 = new core.BlockBuilder({ parent: k.block3.header, state: after3, ctx: t.kctx, timestamp });
    b4.addSignedTx({ ...commitChildTx(k.kc, kc1.header), chainId: t.K });
    b4.addSignedTx(spawnTx(3n));
    const honest4 = b4.seal();
    const postRoots4 = [honest4.postRoots[0]!, LIE];
    const header4 = { ...honest4.header, txRoot: core.bytesToHex(core.computeTxRoot(honest4.txs, postRoots4)) };
    k.lie4 = { header: header4, hash: core.hashHeader(header4), txs: honest4.txs, postRoots: postRoots4, exits: [] };
    // Block 5: K convicts KC's honest block 1 with a bad-timestamp proof (core refuses it: NOT_FRAUD), its state unchanged.
    const after4 = kStateAfter(k.block3, k.lie4);
    expect(after4.root).toBe(header4.stateRoot);
    const kcWindowEnd = after4.ledger.childInfo(k.kc).headWindowEnd;
    const convictKc = core.placeSignedTx(after4, {
      kind: core.TxKind.ProveChildFraud, chainId: t.K, child: k.kc, fraudKind: core.FraudKind.BadTimestamp,
      args: core.encodeFraudProofArgs({ kind: core.FraudKind.BadTimestamp, header: kc1.header, prev: core.ZERO_HEADER }, { windowEnd: kcWindowEnd, prevWindowEnd: 0n }),
      to: lower(t.alice.address),
    } as core.SignedTx, t.kctx);
    expect(() => core.applyTx(after4, convictKc, { ...t.kctx, lastDepositNonce: 2n, timestamp })).toThrow(/NOT_FRAUD|not at fault|valid/i);
    const header5: core.Header = {
      chainId: t.K, number: 5n, parentHash: k.lie4.hash, txRoot: core.bytesToHex(core.computeTxRoot([convictKc], [after4.root])), stateRoot: after4.root,
      exitRoot: core.bytesToHex(core.computeExitRoot([])), depositNonce: 2n, timestamp,
    };
    k.lie5 = { header: header5, hash: core.hashHeader(header5), txs: [convictKc], postRoots: [after4.root], exits: [] };
    const a = await commitA((b) => [k.block3.header, k.lie4.header, k.lie5.header].forEach((h) => b.addSignedTx(commitChildTx(t.K, h))));
    k.windowEnd = a.header.timestamp + K_WINDOW;
    expect(t.A.state.ledger.childInfo(t.K).headNumber).toBe(5n);
  }, 60_000);

  it("refuses a ledger-kind proof against K's honest spawn: NOT_FRAUD (core's STF and the module)", async () => {
    const proof = proof3();
    expect(proof.kind).toBe(core.FraudKind.InvalidLedgerTx);
    expect(proof.refusal).toBeUndefined();
    const tx = convictTx(t.K, proof, windows3());
    expect(tx).toMatchObject({ fraudKind: core.FraudKind.InvalidLedgerTx });
    await expectParity(tx, 'NOT_FRAUD');
    await verifierGas('ledger-fraud-child', 'kind 10 ledger-kind proof (K spawns a child), NOT_FRAUD', tx);
  });

  it("refuses a ledger-kind proof against K's honest delivery of A's message (kind 8: A's Deposit(K, 2) read as its record): NOT_FRAUD", async () => {
    const proof = proof3(0);
    expect(proof.tx.tx.kind).toBe(core.TxKind.EdgeFromParent);
    const tx = convictTx(t.K, proof, windows3());
    const placed = core.placeSignedTx(t.A.state, tx, t.A.ctx);
    // The touch list holds the down record at fraud kind 0's place: Child, Commitment(3), Commitment(2), Deposit(K, 2), ChildStatus.
    expect(core.ledgerTouchPlan(placed, t.A.state.ledger)!.keys).toHaveLength(5);
    await expectParity(tx, 'NOT_FRAUD');
  });

  it("refuses a ledger-kind proof against K's honest commit of KC's block 1 (kind 4, KC's validators in extra): NOT_FRAUD; a forged set: BAD_VALIDATOR_WITNESS", async () => {
    const proof = proof4(0);
    expect(proof.tx.tx.kind).toBe(core.TxKind.CommitChild);
    await expectParity(convictTx(t.K, proof, windows()), 'NOT_FRAUD');
    const extra = AbiCoder.defaultAbiCoder().encode(['address[]'], [[t.alice.address]]) as Hex;
    await expectParity(convictTx(t.K, { ...proof, ledger: { ...proof.ledger, extra } }, windows()), 'BAD_VALIDATOR_WITNESS');
  });

  it("recomputes core's post-state root of the conviction of K's lying block 4 (K rolled back to 3), and PlasmaRoot convicts a wrong one", async () => {
    const tx = convictTx(t.K, proof4(), windows());
    await expectParity(tx, undefined);
    expect(findLie(tx)).toMatchObject({ provable: true, kind: core.FraudKind.InvalidLedgerTx, reason: 'POST_ROOT_MISMATCH' });
    await verifierGas('ledger-fraud-child', 'kind 10 ledger-kind proof (K spawns a child), valid, burns', tx);
    await undone(async () => {
      const { block } = forgeA(tx, { postRoot: LIE, timestamp: t.A.head!.timestamp + 1n });
      await convictAtRoot(block, 'POST_ROOT_MISMATCH', 'ledger-fraud-child', 'kind 10 ledger-kind proof (K spawns), a valid conviction under a lying post root');
    });
  });

  it("recomputes core's post-state root of the conviction of K's block 5, itself a false conviction of KC (a kind 10 in a kind 10: the module judges itself)", async () => {
    const proof = proof5();
    expect(proof.tx.tx.kind).toBe(core.TxKind.ProveChildFraud);
    expect(proof.refusal).toBe('NOT_FRAUD'); // K's STF refuses its own tx: the block is at fault
    const tx = convictTx(t.K, proof, windows());
    await expectParity(tx, undefined);
    await verifierGas('ledger-fraud-child', 'kind 10 ledger-kind proof (K convicts KC falsely), valid, burns', tx);
    await undone(async () => {
      const { block } = forgeA(tx, { postRoot: LIE, timestamp: t.A.head!.timestamp + 1n });
      await convictAtRoot(block, 'POST_ROOT_MISMATCH', 'ledger-fraud-child', 'kind 10 of a kind 10 (root → A → K → KC), a valid conviction under a lying post root');
    });
  });

  it('a starved proof of a proof answers as with enough gas or reverts, at every gas limit from 100,000 to 900,000', async () => {
    const { block } = forgeA(convictTx(t.K, proof4(), windows()));
    const full = await transitionFaultWithGas(block, 10_000_000n);
    expect(full).toBe(0); // a valid conviction of K's lying spawn
    for (let gas = 100_000n; gas <= 900_000n; gas += 25_000n) {
      const answer = await transitionFaultWithGas(block, gas);
      expect([full, 'reverted'], `with ${gas} gas`).toContain(answer);
    }
  });

  it('refuses a tx of kind 0-2 under fraud kind 10: MALFORMED_TX', () => {
    const proof = proof3();
    const transfer = { ...proof, tx: { ...proof.tx, tx: { ...proof.tx.tx, kind: core.TxKind.Transfer } } };
    return expectParity(convictTx(t.K, transfer, windows3(), { fraudKind: core.FraudKind.InvalidLedgerTx }), 'MALFORMED_TX');
  });

  it('refuses a nested ledger witness left out or forged: MISSING_LEDGER_WITNESS, INVALID_LEDGER_WITNESS', async () => {
    const proof = proof3();
    const { entries } = proof.ledger;
    expect(entries).toHaveLength(2); // ChildCount, Child(KC)
    const missing = { ...proof, ledger: { ...proof.ledger, entries: entries.slice(0, -1) } };
    await expectParity(convictTx(t.K, missing, windows3()), 'MISSING_LEDGER_WITNESS');
    const withEntry0 = (change: Partial<core.LedgerEntryWitness>) => ({ ...proof, ledger: { ...proof.ledger, entries: [{ ...entries[0]!, ...change }, ...entries.slice(1)] } });
    // ChildCount (empty before K's first spawn) forged to 1, or 2 words long: values its proof does not fold.
    await expectParity(convictTx(t.K, withEntry0({ value: core.bytesToHex(core.bigintToWord(1n)) }), windows3()), 'INVALID_LEDGER_WITNESS');
    await expectParity(convictTx(t.K, withEntry0({ value: core.bytesToHex(new Uint8Array(64)) }), windows3()), 'INVALID_LEDGER_WITNESS');
    // A sibling more than the bitmap names (the module's BadLedgerProof; core folds it to nothing).
    const { proof: p0 } = entries[0]!;
    await expectParity(convictTx(t.K, withEntry0({ proof: { ...p0, siblings: [...p0.siblings, core.ZERO_BYTES32] } }), windows3()), 'INVALID_LEDGER_WITNESS');
    // More than MAX_LEDGER_PROOF_WORDS (257) words: core's decoder refuses the args; 257 decode (and do not fold).
    await expectParity(convictTx(t.K, withEntry0({ proof: { ...p0, siblings: Array<Hex>(core.MAX_LEDGER_PROOF_WORDS + 1).fill(core.ZERO_BYTES32) } }), windows3()), 'MALFORMED_TX');
    await expectParity(convictTx(t.K, withEntry0({ proof: { ...p0, siblings: Array<Hex>(core.MAX_LEDGER_PROOF_WORDS).fill(core.ZERO_BYTES32) } }), windows3()), 'INVALID_LEDGER_WITNESS');
  });

  it("refuses nested witnesses that do not decode at all (the module's decoder reverts): INVALID_LEDGER_WITNESS, so a lying A is still provable", async () => {
    // A value of 2 bytes where a word is read: the nested module's abi.decode reverts with no data, which the
    // judge of the nested proof takes as a witness error (out of gas is CheckOutOfGas at every level, never empty).
    const spawn = proof3();
    const short = { ...spawn, ledger: { ...spawn.ledger, entries: [{ ...spawn.ledger.entries[0]!, value: '0x0102' as Hex }, ...spawn.ledger.entries.slice(1)] } };
    await expectParity(convictTx(t.K, short, windows3()), 'INVALID_LEDGER_WITNESS');
    // A spawn's sort order and a commit's validator set that are no ABI arrays.
    await expectParity(convictTx(t.K, { ...spawn, ledger: { ...spawn.ledger, extra: '0x' } }, windows3()), 'INVALID_LEDGER_WITNESS');
    const commit = proof4(0);
    await expectParity(convictTx(t.K, { ...commit, ledger: { ...commit.ledger, extra: `0x${'00'.repeat(31)}20${'ff'.repeat(32)}` as Hex } }, windows()), 'INVALID_LEDGER_WITNESS');
    // The set with bytes after it: Solidity's decoder ignores them, and so does core (the same set: NOT_FRAUD).
    await expectParity(convictTx(t.K, { ...commit, ledger: { ...commit.ledger, extra: `${commit.ledger.extra}${'00'.repeat(32)}` as Hex } }, windows()), 'NOT_FRAUD');
    // And PlasmaRoot convicts an A that took K's bond with such a proof.
    await undone(async () => {
      const { block } = forgeA(convictTx(t.K, short, windows3()), { postRoot: LIE, timestamp: t.A.head!.timestamp + 1n });
      await convictAtRoot(block, 'INVALID_LEDGER_WITNESS');
    });
  });

  it("PlasmaRoot convicts A when it convicts K's honest spawn with a ledger-kind proof (NOT_FRAUD, FraudProven kind 10)", () =>
    undone(async () => {
      const { block } = forgeA(convictTx(t.K, proof3(), windows3()), { postRoot: LIE, timestamp: t.A.head!.timestamp + 1n });
      await convictAtRoot(block, 'NOT_FRAUD', 'ledger-fraud-child', 'kind 10 ledger-kind proof against an honest child, NOT_FRAUD');
    }));
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
