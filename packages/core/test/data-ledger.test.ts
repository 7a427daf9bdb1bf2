/**
 * Data availability below a chain (docs/FRAUD.md §9b): a chain parent's ledger runs PlasmaDataAvailability's rules
 * for its children. CHALLENGE_CHILD_DATA (kind 14, signed) bonds CHILD_DATA_CHALLENGE_BOND from the challenger's native
 * slot; CHILD_DATA_CALL (kind 15, unsigned) carries one module call: a chunk of the block's transactions or exit tree
 * (completing both answers the challenge and pays the bond to `to`), a resolve after the deadline (the block is
 * convicted, kind 8, the challenger takes the reward and its bond back) or a reclaim once it can no longer be resolved.
 */
import { describe, expect, it } from 'vitest';
import {
  BURN_ADDRESS,
  CHILD_DATA_CHALLENGE_BOND,
  ChainStatus,
  DataChallengeStatus,
  EXIT_DATA_CHUNK_COUNT,
  FraudKind,
  LedgerKind,
  MIN_BOND,
  TxKind,
  ZERO_BYTES32,
  blockDataChunks,
  blockExitChunks,
  chainIdOf,
  checkBlockTxForm,
  checkSubtreeInvariant,
  decodeChildDataCallData,
  decodeDataAvailabilityCall,
  encodeChallengeChildDataData,
  encodeChallengeDataCall,
  encodeChildDataCallData,
  encodePublishBlockDataCall,
  encodePublishExitDataCall,
  encodeReclaimChallengeBondCall,
  encodeResolveDataChallengeCall,
  ledgerKeys,
  signedTxFromJson,
  signedTxToJson,
  type Address,
  type Block,
  type ChildDataCallTx,
  type Header,
  type Hex,
  type SignedTx,
} from '../src/index.js';
import { ETH, carol } from './fixtures.js';
import { buildDataTree, dave, publisher } from './dataTree.js';
import { TestChain, WINDOW, expectRefused, sign, submit } from './treeHarness.js';


function challengeTx(A: TestChain, K: TestChain, challenger: typeof carol, header: Header, windowEnd: bigint, bond = CHILD_DATA_CHALLENGE_BOND, child = K.id): SignedTx {
  return sign(challenger, {
    kind: TxKind.ChallengeChildData, chainId: A.id, slot: A.slotOf(challenger, ETH), child, header, windowEnd, bond, nonce: A.nonce(challenger, ETH),
  });
}

function callTx(A: TestChain, K: TestChain, call: Hex, to: Address): ChildDataCallTx {
  return { kind: TxKind.ChildDataCall, chainId: A.id, child: K.id, call, to };
}

/** Every publication call of `block` (its transaction chunks, then its exit chunks). */
function publicationCalls(K: TestChain, block: Block, windowEnd: bigint): Hex[] {
  return [
    ...blockDataChunks(block).map((c) => encodePublishBlockDataCall(K.id, block.header, windowEnd, c)),
    ...blockExitChunks(block).map((c) => encodePublishExitDataCall(K.id, block.header, windowEnd, c)),
  ];
}

describe('data challenges on a chain parent (CHALLENGE_CHILD_DATA, CHILD_DATA_CALL)', () => {
  it('a challenge answered in time: the bond moves into the ledger, the publisher that completes both trees takes it', () => {
    const { A, K, tick, windowEnd, expectConserved } = buildDataTree();
    const [, block] = K.blocks;
    const number = block.header.number;
    const before = A.balance(carol, ETH);
    const at = tick();
    A.block(at, (b) => submit(b, challengeTx(A, K, carol, block.header, windowEnd)));
    expect(A.balance(carol, ETH)).toBe(before - CHILD_DATA_CHALLENGE_BOND);
    expect(A.state.ledger.dataChallenge(K.id, number)).toMatchObject({
      kind: LedgerKind.DataChallenge, challenger: carol.address, deadline: at + WINDOW / 4n, status: DataChallengeStatus.Open, bond: CHILD_DATA_CHALLENGE_BOND,
    });
    expect(A.state.ledger.openDataChallenges(K.id).map((c) => c.number)).toEqual([number]);
    // The bond is held by the ledger: the invariant counts it with the children's bonds.
    expect(checkSubtreeInvariant(A.state, ETH).bonds).toBe(MIN_BOND + CHILD_DATA_CHALLENGE_BOND);
    expectConserved();

    // One challenge per block, and a wrong bond is refused before anything else.
    expectRefused(A.state, 'ALREADY_CHALLENGED', () => A.block(tick(), (b) => submit(b, challengeTx(A, K, dave, block.header, windowEnd))));
    expectRefused(A.state, 'WRONG_BOND', () => A.block(tick(), (b) => submit(b, challengeTx(A, K, dave, block.header, windowEnd, MIN_BOND + 1n))));

    const calls = publicationCalls(K, block, windowEnd);
    expect(calls).toHaveLength(2); // one transaction chunk (2 txs), one exit chunk (the withdrawal)
    // Chunks go in order: the exit chunk first is fine (its own counter), a second exit chunk 0 is not.
    const [txChunk, exitChunk] = calls;
    const publisherBefore = A.balance(publisher, ETH);
    A.block(tick(), (b) => submit(b, callTx(A, K, exitChunk, publisher.address)));
    expect(A.state.ledger.dataChallenge(K.id, number)).toMatchObject({ nextExitChunk: EXIT_DATA_CHUNK_COUNT, txsPublished: false, status: DataChallengeStatus.Open });
    expectRefused(A.state, 'EXIT_DATA_ALREADY_PUBLISHED', () => A.block(tick(), (b) => submit(b, callTx(A, K, exitChunk, dave.address))));
    expect(A.balance(publisher, ETH)).toBe(publisherBefore);
    // The transaction chunk completes the block: answered, the bond to `to`.
    A.block(tick(), (b) => submit(b, callTx(A, K, txChunk, publisher.address)));
    expect(A.state.ledger.dataChallenge(K.id, number)).toMatchObject({ status: DataChallengeStatus.Answered, bond: 0n, txsPublished: true });
    expect(A.balance(publisher, ETH)).toBe(publisherBefore + CHILD_DATA_CHALLENGE_BOND);
    expect(A.state.ledger.openDataChallenges(K.id)).toEqual([]);
    expect(A.state.ledger.childStatus(K.id).status).toBe(ChainStatus.Live);
    expectConserved();
    // Published: no second challenge, no second publication.
    expectRefused(A.state, 'DATA_ALREADY_PUBLISHED', () => A.block(tick(), (b) => submit(b, challengeTx(A, K, dave, block.header, windowEnd))));
    expectRefused(A.state, 'DATA_ALREADY_PUBLISHED', () => A.block(tick(), (b) => submit(b, callTx(A, K, txChunk, dave.address))));
  });

  it('an unanswered challenge is resolved after its deadline: K rolls back, is slashed and frozen; the challenger takes the reward and its bond', () => {
    const { A, K, tick, now, windowEnd, expectConserved } = buildDataTree();
    const [first, block] = K.blocks;
    A.block(tick(), (b) => submit(b, challengeTx(A, K, carol, block.header, windowEnd)));
    const { deadline } = A.state.ledger.dataChallenge(K.id, 2n);
    const resolve = encodeResolveDataChallengeCall(K.id, block.header, windowEnd, first.header, windowEnd);
    // Up to the deadline the validators may still publish: RESPONSE_WINDOW_OPEN.
    expectRefused(A.state, 'RESPONSE_WINDOW_OPEN', () => A.block(deadline, (b) => submit(b, callTx(A, K, resolve, carol.address))));
    expect(now()).toBeLessThan(deadline);
    const late = deadline + 1n;
    // A publication after the deadline is too late.
    const [txChunk] = publicationCalls(K, block, windowEnd);
    expectRefused(A.state, 'RESPONSE_WINDOW_CLOSED', () => A.block(late, (b) => submit(b, callTx(A, K, txChunk, publisher.address))));
    // Only the challenger is paid: `to` must be it.
    expectRefused(A.state, 'NOT_THE_CHALLENGER', () => A.block(late, (b) => submit(b, callTx(A, K, resolve, dave.address))));
    // The previous header must be block 1 as committed (both blocks were committed in one A block: same windowEnd).
    const wrongPrev = encodeResolveDataChallengeCall(K.id, block.header, windowEnd, block.header, windowEnd);
    expectRefused(A.state, 'WRONG_PREV_HEADER', () => A.block(late, (b) => submit(b, callTx(A, K, wrongPrev, carol.address))));

    const carolBefore = A.balance(carol, ETH);
    A.block(late, (b) => submit(b, callTx(A, K, resolve, carol.address)));
    expect(A.balance(carol, ETH)).toBe(carolBefore + MIN_BOND / 2n + CHILD_DATA_CHALLENGE_BOND);
    expect(A.balance({ address: BURN_ADDRESS } as typeof carol, ETH)).toBe(MIN_BOND - MIN_BOND / 2n);
    expect(A.state.ledger.childInfo(K.id)).toMatchObject({ headNumber: 1n, bond: 0n });
    expect(A.state.ledger.childStatus(K.id)).toEqual({ status: ChainStatus.FrozenFraud, frozenAt: late });
    expect(A.state.ledger.dataChallenge(K.id, 2n)).toMatchObject({ status: DataChallengeStatus.Convicted, bond: 0n });
    expect(A.state.ledger.entry(ledgerKeys.dataChallenge(K.id, 2n))).toBeDefined();
    expectConserved();
    // Settled: nothing more to resolve or reclaim; K is frozen, so no new challenge.
    expectRefused(A.state, 'NO_OPEN_CHALLENGE', () => A.block(late + 1n, (b) => submit(b, callTx(A, K, resolve, carol.address))));
    expectRefused(A.state, 'CHAIN_IS_FROZEN', () => A.block(late + 1n, (b) => submit(b, challengeTx(A, K, dave, first.header, windowEnd))));
    expect(FraudKind.UnavailableData).toBe(8);
  });

  it('a challenge nobody resolves lapses at windowEnd: the bond goes back with reclaimChallengeBond, the block is final', () => {
    const { A, K, tick, windowEnd, expectConserved } = buildDataTree();
    const [, block] = K.blocks;
    // The first half of the window only.
    expectRefused(A.state, 'TOO_LATE_TO_CHALLENGE', () => A.block(windowEnd - WINDOW / 2n, (b) => submit(b, challengeTx(A, K, carol, block.header, windowEnd))));
    A.block(tick(), (b) => submit(b, challengeTx(A, K, carol, block.header, windowEnd)));
    const reclaim = encodeReclaimChallengeBondCall(K.id, block.header, windowEnd);
    expectRefused(A.state, 'CHALLENGE_STILL_RESOLVABLE', () => A.block(windowEnd - 1n, (b) => submit(b, callTx(A, K, reclaim, carol.address))));
    const carolBefore = A.balance(carol, ETH);
    A.block(windowEnd, (b) => submit(b, callTx(A, K, reclaim, carol.address)));
    expect(A.balance(carol, ETH)).toBe(carolBefore + CHILD_DATA_CHALLENGE_BOND);
    expect(A.state.ledger.dataChallenge(K.id, 2n)).toMatchObject({ status: DataChallengeStatus.Lapsed, bond: 0n });
    expect(A.state.ledger.childStatus(K.id).status).toBe(ChainStatus.Live);
    expect(A.state.ledger.childInfo(K.id).headNumber).toBe(2n);
    expectConserved();
  });

  it('refuses what the module refuses: an unknown chain or commitment, a chunk out of order or not in the block, a short chunk before the end', () => {
    const { A, K, tick, windowEnd } = buildDataTree();
    const [, block] = K.blocks;
    const other = chainIdOf(A.id, 5);
    expectRefused(A.state, 'UNKNOWN_CHAIN', () => A.block(tick(), (b) => submit(b, challengeTx(A, K, carol, block.header, windowEnd, CHILD_DATA_CHALLENGE_BOND, other))));
    // The signature covers the header's hash and windowEnd: changed after signing, it recovers someone else.
    expectRefused(A.state, 'SLOT_OWNER_MISMATCH', () => A.block(tick(), (b) => submit(b, { ...challengeTx(A, K, carol, block.header, windowEnd), windowEnd: windowEnd + 1n } as SignedTx)));
    const forged = { ...block.header, txRoot: ZERO_BYTES32 };
    expectRefused(A.state, 'UNKNOWN_COMMITMENT', () => A.block(tick(), (b) => submit(b, challengeTx(A, K, carol, forged, windowEnd))));
    expectRefused(A.state, 'UNKNOWN_COMMITMENT', () => A.block(tick(), (b) => submit(b, challengeTx(A, K, carol, block.header, windowEnd + 1n))));

    const [chunk] = blockDataChunks(block);
    const call = (c: typeof chunk) => encodePublishBlockDataCall(K.id, block.header, windowEnd, c);
    expectRefused(A.state, 'CHUNK_OUT_OF_ORDER', () => A.block(tick(), (b) => submit(b, callTx(A, K, call({ ...chunk, chunk: 1 }), publisher.address))));
    expectRefused(A.state, 'INVALID_CHUNK_PROOF', () => A.block(tick(), (b) => submit(b, callTx(A, K, call({ ...chunk, txs: chunk.txs.slice().reverse() }), publisher.address))));
    // The first transaction alone proves against another subtree root: not in the block either.
    expectRefused(A.state, 'INVALID_CHUNK_PROOF', () => A.block(tick(), (b) => submit(b, callTx(A, K, call({ ...chunk, txs: chunk.txs.slice(0, 1) }), publisher.address))));
    expectRefused(A.state, 'BAD_PROOF_LENGTH', () => A.block(tick(), (b) => submit(b, callTx(A, K, call({ ...chunk, proof: chunk.proof.slice(1) }), publisher.address))));
    // A call for another chain than the transaction names is malformed, and so is a call the ledger does not run.
    expectRefused(A.state, 'MALFORMED_TX', () => A.block(tick(), (b) => submit(b, { ...callTx(A, K, call(chunk), publisher.address), child: other })));
    expectRefused(A.state, 'MALFORMED_TX', () => A.block(tick(), (b) => submit(b, callTx(A, K, encodeChallengeDataCall(K.id, block.header, windowEnd), publisher.address))));
    // Publishing unchallenged is allowed (the data is then on A for anyone); no bond is paid.
    const before = A.balance(publisher, ETH);
    A.block(tick(), (b) => submit(b, callTx(A, K, call(chunk), publisher.address)));
    expect(A.state.ledger.dataChallenge(K.id, 2n)).toMatchObject({ status: DataChallengeStatus.None, txsPublished: true });
    expect(A.balance(publisher, ETH)).toBe(before);
  });

  it('forms and codecs: kinds 14 and 15 round-trip through JSON, the block form is checked word by word, the call decodes strictly', () => {
    const { A, K, windowEnd } = buildDataTree();
    const [, block] = K.blocks;
    const challenge = challengeTx(A, K, carol, block.header, windowEnd);
    expect(signedTxFromJson(JSON.parse(JSON.stringify(signedTxToJson(challenge))))).toEqual(challenge);
    const [txCall] = publicationCalls(K, block, windowEnd);
    const call = callTx(A, K, txCall, publisher.address);
    expect(signedTxFromJson(JSON.parse(JSON.stringify(signedTxToJson(call))))).toEqual(call);
    expect(decodeDataAvailabilityCall(txCall)).toMatchObject({ method: 'publishBlockData', chainId: K.id, chunk: 0 });
    expect(decodeChildDataCallData(encodeChildDataCallData({ child: K.id, call: txCall }))).toEqual({ child: K.id, call: txCall });
    // A non-canonical call (a trailing byte) is refused.
    expect(() => decodeDataAvailabilityCall(`${txCall}00` as Hex)).toThrow(/canonical/);
    const data = encodeChildDataCallData({ child: K.id, call: txCall });
    const form = { kind: TxKind.ChildDataCall, slot: 0, toSlot: 3, from: ETH, to: publisher.address, token: ETH, amount: 0n, nonce: 0n, r: ZERO_BYTES32, s: ZERO_BYTES32, v: 0, data } as const;
    expect(() => checkBlockTxForm({ ...form })).not.toThrow();
    expect(() => checkBlockTxForm({ ...form, to: ETH })).toThrow(/to must be a non-zero recipient/);
    expect(() => checkBlockTxForm({ ...form, amount: 1n })).toThrow(/amount/);
    // The data is part of the form: its kind's one canonical encoding.
    expect(() => checkBlockTxForm({ ...form, data: `${data}00` })).toThrow(/canonical abi.encode\(bytes32 child, bytes call\)/);
    const challengeData = encodeChallengeChildDataData({ child: K.id, header: block.header, windowEnd });
    const challengeForm = { ...form, kind: TxKind.ChallengeChildData, to: ETH, toSlot: 0, from: carol.address, data: challengeData };
    expect(() => checkBlockTxForm(challengeForm)).not.toThrow();
    expect(() => checkBlockTxForm({ ...challengeForm, to: carol.address })).toThrow(/tx.to/);
    expect(() => checkBlockTxForm({ ...challengeForm, data })).toThrow(/canonical/);
  });
});
