/**
 * Transition proofs of the data challenges inside a chain (docs/LEDGER-PROOFS.md §4 kinds 14, 15; docs/FRAUD.md §9b)
 * on the tree of ./ledgerFraudFixture.ts: every CHALLENGE_CHILD_DATA and every CHILD_DATA_CALL (publishBlockData,
 * publishExitData, reclaimChallengeBond, resolveDataChallenge) that core's STF accepts or refuses is judged by
 * PlasmaLedgerObjections as core judges it (the refusal's code, the post-state root), a resolve that burns half the
 * child's bond at the tx's `slot` (§4.2) included.
 *
 * The story: A commits K's blocks 3, 4 and 5 (empty, so anyone can publish them) inside their window W; alice
 * challenges 3 and 4, K5's data is published, and K4's txs (its exit tree then answers the challenge). Then the
 * challenge calls are judged against it; A resolves 4 (the burn, K rolled back to 3, slashed and frozen), after which
 * the resolve of 3 burns nothing.
 */
import * as core from '@plasma-tree/core';
import { id, parseEther, toBeHex, zeroPadValue, ZeroHash } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectRevert, increaseTime, latestTimestamp } from './helpers.js';
import {
  FAULT_LEDGER_REFUSED, K_WINDOW, aliceNonce, buildLedgerTree, commitA, commitChildTx, expectParity, forgeA, judge, proofOf,
  convictAtRoot, expectBlockTxParity, findLie, reexecute, rootArgs, signTx, verifierGas, t, expectCoreWitnessError
} from './ledgerFraudFixture.js';

type Hex = core.Hex;
const lower = (s: string): Hex => s.toLowerCase() as Hex;

/** K's blocks 3-5 (empty txs and exits), A's timestamps of their commit and of the challenges, the deadline. */
const k: { blocks: core.Header[]; windowEnd: bigint; committedAt: bigint; deadline: bigint } = { blocks: [], windowEnd: 0n, committedAt: 0n, deadline: 0n };
const kHeader = (number: bigint) => k.blocks[Number(number) - 3]!;

beforeAll(async () => {
  await buildLedgerTree();
  let parent = t.kBlock2.header;
  for (const number of [3n, 4n, 5n]) {
    const header: core.Header = {
      ...parent, number, parentHash: core.hashHeader(parent), txRoot: core.bytesToHex(core.computeTxRoot([], [])), exitRoot: core.bytesToHex(core.computeExitRoot([])),
    };
    k.blocks.push(header);
    parent = header;
  }
  const a = await commitA((b) => k.blocks.forEach((h) => b.addSignedTx(commitChildTx(t.K, h))));
  k.committedAt = a.header.timestamp;
  k.windowEnd = a.header.timestamp + K_WINDOW;
}, 120_000);

afterAll(async () => {
  await t.f?.stop();
});

function challengeTx(over: Partial<core.ChallengeChildDataTx> = {}, signer = t.alice): core.SignedTx {
  const unsigned = { kind: core.TxKind.ChallengeChildData, chainId: t.A.chainId, ...aliceNonce(), child: t.K, header: kHeader(3n), windowEnd: k.windowEnd, bond: core.CHILD_DATA_CHALLENGE_BOND, ...over };
  return signTx(signer, unsigned as core.UnsignedTx);
}

function callTx(call: Hex, over: Partial<core.ChildDataCallTx> = {}): core.ChildDataCallTx {
  return { kind: core.TxKind.ChildDataCall, chainId: t.A.chainId, child: t.K, call, to: lower(t.alice.address), ...over };
}

const reclaimTx = (number: bigint, over: { windowEnd?: bigint; to?: Hex } = {}) =>
  callTx(core.encodeReclaimChallengeBondCall(t.K, kHeader(number), over.windowEnd ?? k.windowEnd), over.to === undefined ? {} : { to: over.to });

const resolveTx = (number: bigint, over: { windowEnd?: bigint; to?: Hex; prev?: core.Header; prevWindowEnd?: bigint } = {}) =>
  callTx(
    core.encodeResolveDataChallengeCall(t.K, kHeader(number), over.windowEnd ?? k.windowEnd, over.prev ?? (number === 3n ? t.kBlock2.header : kHeader(number - 1n)), over.prevWindowEnd ?? (number === 3n ? t.kWindowEnd : k.windowEnd)),
    over.to === undefined ? {} : { to: over.to },
  );

describe('kind 14 CHALLENGE_CHILD_DATA: PlasmaLedgerObjections judges it as core does', () => {
  it("recomputes core's post-state root of a challenge (the bond into the ledger), and convicts a wrong one", async () => {
    await expectParity(challengeTx(), undefined);
    await verifierGas('ledger-fraud-objections', 'kind 14, valid', challengeTx());
  });

  const refusals: [string, () => core.SignedTx, string, (() => bigint)?][] = [
    ['a challenge from an empty slot', () => challengeTx({ slot: 99 }), 'UNKNOWN_SLOT'],
    ["a challenge signed by another than the slot's owner", () => challengeTx({}, t.relayer), 'SLOT_OWNER_MISMATCH'],
    ['a challenge with a stale nonce', () => challengeTx({ nonce: aliceNonce().nonce + 1n }), 'NONCE_MISMATCH'],
    ['a bond the slot does not hold', () => challengeTx({ bond: parseEther('1000') }), 'INSUFFICIENT_BALANCE'],
    ['a bond of another amount', () => challengeTx({ bond: core.CHILD_DATA_CHALLENGE_BOND + 1n }), 'WRONG_BOND'],
    ['a challenge of no child', () => challengeTx({ child: core.chainIdOf(t.A.chainId, 9) }), 'UNKNOWN_CHAIN'],
    ['a challenge of a frozen child', () => challengeTx({ child: t.K2 }), 'CHAIN_IS_FROZEN'],
    ['a challenge under another windowEnd', () => challengeTx({ windowEnd: k.windowEnd + 1n }), 'UNKNOWN_COMMITMENT'],
    ['a challenge of a block above the head', () => challengeTx({ header: { ...kHeader(5n), number: 6n } }), 'UNKNOWN_COMMITMENT'],
    ['a challenge of block 0', () => challengeTx({ header: { ...kHeader(3n), number: 0n } }), 'UNKNOWN_COMMITMENT'],
    ['a challenge in the second half of the window', () => challengeTx(), 'TOO_LATE_TO_CHALLENGE', () => k.windowEnd - K_WINDOW / 2n],
    ['a challenge of a final block', () => challengeTx({ header: t.kBlock1.header, windowEnd: t.kWindowEnd }), 'TOO_LATE_TO_CHALLENGE'],
  ];
  for (const [what, tx, code, at] of refusals) {
    it(`refuses ${what}: ${code}`, () => expectParity(tx(), code, at === undefined ? {} : { timestamp: at() }));
  }

  it('refuses a signature that recovers another signer: BAD_SIGNATURE', async () => {
    const placed = core.placeSignedTx(t.A.state, challengeTx(), t.A.ctx);
    await expectBlockTxParity({ ...placed, v: placed.v === 27 ? 28 : 27 }, 'BAD_SIGNATURE', t.A.head!.timestamp + 1n);
  });

  it('(A challenges K3 and K4, and K5 is published)', async () => {
    const published = { header: kHeader(5n), hash: core.hashHeader(kHeader(5n)), txs: [], postRoots: [], exits: [] };
    const [txChunk] = core.blockDataChunks(published);
    const [exitChunk] = core.blockExitChunks(published);
    const a = await commitA((b) => {
      b.addSignedTx(challengeTx());
      b.addSignedTx(challengeTx({ header: kHeader(4n) }));
      b.addSignedTx(callTx(core.encodePublishBlockDataCall(t.K, kHeader(5n), k.windowEnd, txChunk!)));
      b.addSignedTx(callTx(core.encodePublishExitDataCall(t.K, kHeader(5n), k.windowEnd, exitChunk!)));
      // K4's txs too (not its exit tree): the challenge stays open, and its exit chunk is the one that answers it.
      b.addSignedTx(callTx(core.encodePublishBlockDataCall(t.K, kHeader(4n), k.windowEnd, core.blockDataChunks({ ...published, header: kHeader(4n) })[0]!)));
    });
    k.deadline = a.header.timestamp + K_WINDOW / 4n;
    expect(t.A.state.ledger.dataChallenge(t.K, 3n)).toMatchObject({ status: core.DataChallengeStatus.Open, bond: core.CHILD_DATA_CHALLENGE_BOND, deadline: k.deadline });
    expect(a.header.timestamp).toBeLessThan(k.windowEnd - K_WINDOW / 2n);
  });

  it('refuses a second challenge: ALREADY_CHALLENGED', () => expectParity(challengeTx(), 'ALREADY_CHALLENGED'));
  it('refuses the challenge of a published block: DATA_ALREADY_PUBLISHED', () => expectParity(challengeTx({ header: kHeader(5n) }), 'DATA_ALREADY_PUBLISHED'));
});

describe('kind 15 CHILD_DATA_CALL reclaimChallengeBond and its decoding', () => {
  it("recomputes core's post-state root of a reclaim once the window passed, and convicts a wrong one", async () => {
    await expectParity(reclaimTx(3n), undefined, { timestamp: k.windowEnd });
    await verifierGas('ledger-fraud-objections', 'kind 15 reclaimChallengeBond, valid', reclaimTx(3n), k.windowEnd);
  });

  const refusals: [string, () => core.SignedTx, string, (() => bigint)?][] = [
    ['the reclaim of an unchallenged block', () => reclaimTx(5n), 'NO_OPEN_CHALLENGE', () => k.windowEnd],
    ['a reclaim under another windowEnd', () => reclaimTx(3n, { windowEnd: k.windowEnd + 1n }), 'UNKNOWN_COMMITMENT', () => k.windowEnd],
    ['a reclaim inside the window', () => reclaimTx(3n), 'CHALLENGE_STILL_RESOLVABLE'],
    ['a reclaim that pays another than the challenger', () => reclaimTx(3n, { to: lower(t.relayer.address) }), 'NOT_THE_CHALLENGER', () => k.windowEnd],
    ['a call for another child than the tx names', () => callTx(core.encodeReclaimChallengeBondCall(t.K2, kHeader(3n), k.windowEnd)), 'MALFORMED_TX'],
    ['a call with a byte after its arguments', () => callTx(`${core.encodeReclaimChallengeBondCall(t.K, kHeader(3n), k.windowEnd)}00` as Hex), 'MALFORMED_TX'],
    ['a call whose windowEnd is not a uint64', () => {
      const call = core.encodeReclaimChallengeBondCall(t.K, kHeader(3n), k.windowEnd);
      // word 9 after the selector: windowEnd
      const at = 2 + 8 + 9 * 64;
      return callTx(`${call.slice(0, at)}${zeroPadValue(toBeHex(1n << 64n), 32).slice(2)}${call.slice(at + 64)}` as Hex);
    }, 'MALFORMED_TX'],
    ['a call the ledger does not run (challengeData)', () => callTx(core.encodeChallengeDataCall(t.K, kHeader(3n), k.windowEnd)), 'MALFORMED_TX'],
    ['a call of no method', () => callTx('0x12'), 'MALFORMED_TX'],
  ];
  for (const [what, tx, code, at] of refusals) {
    it(`refuses ${what}: ${code}`, () => expectParity(tx(), code, at === undefined ? {} : { timestamp: at() }));
  }

  it('refuses a payment to a slot another account holds: SLOT_OCCUPIED', async () => {
    const placed = core.placeSignedTx(t.A.state, reclaimTx(3n, { to: lower(t.relayer.address) }), t.A.ctx);
    await expectBlockTxParity({ ...placed, toSlot: aliceNonce().slot }, 'SLOT_OCCUPIED', k.windowEnd);
  });

  it('reverts on a forged DataChallenge (a bigger bond) and on a missing witness', async () => {
    const { block } = forgeA(reclaimTx(3n), { timestamp: k.windowEnd });
    const proof = proofOf(block);
    const entries = proof.ledger.entries;
    const d = t.A.state.ledger.dataChallenge(t.K, 3n);
    const richer = core.bytesToHex(core.ledgerEntryValue({ ...d, bond: parseEther('5') }));
    const forged = { ...proof, ledger: { ...proof.ledger, entries: entries.map((e, i) => (i === 0 ? { ...e, value: richer } : e)) } };
    await expectRevert(t.verifier.ledgerTransition(t.domainSeparator, ZeroHash, 15, rootArgs(forged)), 'InvalidLedgerWitness', [0n]);
    expectCoreWitnessError(rootArgs(forged), 'INVALID_LEDGER_WITNESS', 0n);
    const bare = { ...proof, ledger: { entries: entries.slice(0, 2), extra: '0x' as Hex } };
    await expectRevert(t.verifier.ledgerTransition(t.domainSeparator, ZeroHash, 15, rootArgs(bare)), 'MissingLedgerWitness', [2n]);
    expectCoreWitnessError(rootArgs(bare), 'MISSING_LEDGER_WITNESS', 2n);
  });

  describe('the publish calls', () => {
    const emptyBlock = (number: bigint) => ({ header: kHeader(number), hash: core.hashHeader(kHeader(number)), txs: [], postRoots: [], exits: [] });
    const txChunk = (number: bigint) => core.blockDataChunks(emptyBlock(number))[0]!;
    const exitChunk = (number: bigint) => core.blockExitChunks(emptyBlock(number))[0]!;
    const publishTxs = (number: bigint, over: Partial<ReturnType<typeof txChunk>> = {}, windowEnd = k.windowEnd) =>
      callTx(core.encodePublishBlockDataCall(t.K, kHeader(number), windowEnd, { ...txChunk(number), ...over }));
    const publishExits = (number: bigint, over: Partial<ReturnType<typeof exitChunk>> = {}) =>
      callTx(core.encodePublishExitDataCall(t.K, kHeader(number), k.windowEnd, { ...exitChunk(number), ...over }));

    it("recomputes core's post-state root of a chunk of a challenged block's txs, and convicts a wrong one", async () => {
      await expectParity(publishTxs(3n), undefined);
      await verifierGas('ledger-fraud-objections', 'kind 15 publishBlockData, an empty chunk, valid', publishTxs(3n));
    });

    const refusals: [string, () => core.SignedTx, string][] = [
      ['the txs of a published block', () => publishTxs(5n), 'DATA_ALREADY_PUBLISHED'],
      ['the exit tree of a published block', () => publishExits(5n), 'EXIT_DATA_ALREADY_PUBLISHED'],
      ['a chunk out of order', () => publishTxs(3n, { chunk: 1 }), 'CHUNK_OUT_OF_ORDER'],
      ['a chunk whose proof does not reach the txRoot', () => publishTxs(3n, { proof: [core.bytesToHex(core.keccak256(new Uint8Array(1))), ...txChunk(3n).proof.slice(1)] }), 'INVALID_CHUNK_PROOF'],
      ['an exit chunk whose proof does not reach the exitRoot', () => publishExits(3n, { leaves: [core.bytesToHex(core.keccak256(new Uint8Array(1)))] }), 'INVALID_EXIT_CHUNK_PROOF'],
      ['a proof of the wrong length', () => publishTxs(3n, { proof: txChunk(3n).proof.slice(1) }), 'BAD_PROOF_LENGTH'],
      ['a block under another windowEnd', () => publishTxs(3n, {}, k.windowEnd + 1n), 'UNKNOWN_COMMITMENT'],
      ['a chunk past the last one (core cannot decode it)', () => publishTxs(3n, { chunk: core.DATA_CHUNK_COUNT }), 'MALFORMED_TX'],
      ['a proof longer than the tree (core cannot decode it)', () => publishTxs(3n, { proof: [...txChunk(3n).proof, ...txChunk(3n).proof] }), 'MALFORMED_TX'],
    ];
    for (const [what, tx, code] of refusals) {
      it(`refuses ${what}: ${code}`, () => expectParity(tx(), code));
    }

    it('refuses a chunk of a challenged block after its deadline: RESPONSE_WINDOW_CLOSED', () => expectParity(publishTxs(3n), 'RESPONSE_WINDOW_CLOSED', { timestamp: k.deadline + 1n }));

    it('refuses a burn slot in a publish call: BURN_SLOT_UNUSED', () => expectBlockTxParity({ ...core.placeSignedTx(t.A.state, publishTxs(3n), t.A.ctx), slot: 5 }, 'BURN_SLOT_UNUSED'));

    it("recomputes core's post-state root of the chunk that answers a challenge (its bond to `to`)", async () => {
      // K4's txs went in with the challenges: its exit tree completes it, by the deadline.
      expect(t.A.state.ledger.dataChallenge(t.K, 4n)).toMatchObject({ status: core.DataChallengeStatus.Open, txsPublished: true });
      const answer = publishExits(4n);
      await expectParity(answer, undefined, { timestamp: k.deadline });
      expect(forgeA(answer, { timestamp: k.deadline }).honest).not.toBe(forgeA(publishExits(3n), { timestamp: k.deadline }).honest);
      await verifierGas('ledger-fraud-objections', 'kind 15 publishExitData that answers a challenge, valid', answer, k.deadline);
    });
  });
});

describe('kind 15 CHILD_DATA_CALL resolveDataChallenge', () => {
  const refusals: [string, () => core.SignedTx, string, (() => bigint)?][] = [
    ['the resolve of an unchallenged block', () => resolveTx(5n), 'NO_OPEN_CHALLENGE', () => k.deadline + 1n],
    ['a resolve up to the deadline', () => resolveTx(3n), 'RESPONSE_WINDOW_OPEN', () => k.deadline],
    ['a resolve under another windowEnd', () => resolveTx(3n, { windowEnd: k.windowEnd + 1n }), 'UNKNOWN_COMMITMENT', () => k.deadline + 1n],
    ['a resolve once the window passed', () => resolveTx(3n), 'CHALLENGE_WINDOW_CLOSED', () => k.windowEnd],
    ['a resolve with the wrong previous header', () => resolveTx(3n, { prev: t.kBlock1.header }), 'WRONG_PREV_HEADER', () => k.deadline + 1n],
    ['a resolve that pays another than the challenger', () => resolveTx(3n, { to: lower(t.relayer.address) }), 'NOT_THE_CHALLENGER', () => k.deadline + 1n],
  ];
  for (const [what, tx, code, at] of refusals) {
    it(`refuses ${what}: ${code}`, () => expectParity(tx(), code, at === undefined ? {} : { timestamp: at() }));
  }

  it('a refused resolve of a bonded child is provable (findFraud)', () => {
    expect(findLie(resolveTx(3n, { to: lower(t.relayer.address) }), k.deadline + 1n)).toMatchObject({ provable: true, kind: core.FraudKind.InvalidLedgerTx, reason: 'NOT_THE_CHALLENGER' });
  });

  it("recomputes core's post-state root of a resolve that burns half the bond at the tx's slot (§4.2), and refuses a burn slot another holds", async () => {
    const at = k.deadline + 1n;
    expect(reexecute(core.placeSignedTx(t.A.state, resolveTx(4n), t.A.ctx), at).refusal).toBeUndefined();
    await expectParity(resolveTx(4n), undefined, { timestamp: at });
    expect(findLie(resolveTx(4n), at)).toMatchObject({ provable: true, kind: core.FraudKind.InvalidLedgerTx, reason: 'POST_ROOT_MISMATCH' });
    const placed = core.placeSignedTx(t.A.state, resolveTx(4n), t.A.ctx);
    expect(placed.slot).not.toBe(placed.toSlot);
    await expectBlockTxParity({ ...placed, slot: aliceNonce().slot }, 'SLOT_OCCUPIED', at);
    await verifierGas('ledger-fraud-objections', 'kind 15 resolveDataChallenge that burns, valid', resolveTx(4n), at);
  });

  it("recomputes core's post-state root of a resolve of a slashed child (nothing burned), and convicts a wrong one", async () => {
    // A resolves K4 past its deadline: K rolled back to 3, its bond slashed (half burned), frozen.
    const now = await latestTimestamp(t.f.provider);
    if (now <= k.deadline) await increaseTime(t.f.provider, k.deadline + 1n - now);
    await commitA((b) => b.addSignedTx(resolveTx(4n)));
    expect(t.A.head!.timestamp).toBeLessThan(k.windowEnd);
    expect(t.A.state.ledger.childInfo(t.K)).toMatchObject({ headNumber: 3n, bond: 0n });
    expect(t.A.state.ledger.childStatus(t.K).status).toBe(core.ChainStatus.FrozenFraud);
    // K3's resolve now pays the challenger its bond only and burns nothing.
    await expectParity(resolveTx(3n), undefined);
    await verifierGas('ledger-fraud-objections', 'kind 15 resolveDataChallenge, valid', resolveTx(3n));
    expect(findLie(resolveTx(3n))).toMatchObject({ provable: true, kind: core.FraudKind.InvalidLedgerTx, reason: 'POST_ROOT_MISMATCH' });
    // Nothing burns now: the tx must name no burn slot.
    expect(core.placeSignedTx(t.A.state, resolveTx(3n), t.A.ctx).slot).toBe(0);
    await expectBlockTxParity({ ...core.placeSignedTx(t.A.state, resolveTx(3n), t.A.ctx), slot: 5 }, 'BURN_SLOT_UNUSED');
  });

  it('refuses a challenge of a child frozen by the resolve: CHAIN_IS_FROZEN', () => expectParity(challengeTx({ header: kHeader(3n) }), 'CHAIN_IS_FROZEN'));
});

describe('PlasmaRoot convicts a chain whose data call is invalid', () => {
  it('convicts a block whose resolve claims a wrong post root (FraudProven kind 10)', async () => {
    const { block } = forgeA(resolveTx(3n), { postRoot: core.bytesToHex(core.keccak256(new TextEncoder().encode('lie'))), timestamp: await latestTimestamp(t.f.provider) });
    await convictAtRoot(block, 'POST_ROOT_MISMATCH', 'ledger-fraud-objections', 'kind 15 resolveDataChallenge, POST_ROOT_MISMATCH');
  });
});
