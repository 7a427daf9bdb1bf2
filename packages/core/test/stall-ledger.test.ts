/**
 * Stall limits below the root (docs/FRAUD.md §2, §8): a chain parent's ledger freezes a child that committed nothing
 * for longer than its stall limit, as PlasmaRoot.freezeStalled does at the root. The limit is set at the spawn
 * (SPAWN_CHILD's signed `stallLimit`, 0 = the default max(7 days, challengeWindow), PlasmaRoot.spawnChain /
 * spawnChainWithLimits), kept in the Child entry with the spawn time, and FREEZE_STALLED_CHILD (kind 13, unsigned)
 * freezes the child (status 2) once `now > lastActivity + stallLimit`; its holders then leave with kinds 11 and 12.
 * contracts/test/ledger-parity.test.ts compares the same rules with PlasmaRoot itself.
 */
import { describe, expect, it } from 'vitest';
import {
  ChainStatus,
  DEFAULT_STALL_LIMIT,
  FraudKind,
  LedgerKind,
  MAX_CHALLENGE_WINDOW,
  MIN_BOND,
  ParentLedger,
  PlasmaError,
  ROOT_CHAIN_ID,
  TxKind,
  ZERO_ADDRESS,
  ZERO_BYTES32,
  applyTx,
  buildEscapeExitProof,
  bytesToHex,
  chainIdOf,
  checkBlockTxForm,
  childDepositRecords,
  commitmentDigest,
  concatBytes,
  decodeFreezeStalledChildData,
  decodeSpawnChildData,
  defaultStallLimit,
  encodeFraudProofArgs,
  encodeSpawnChildData,
  encodeWords,
  hashHeader,
  hexToBytes,
  keccak256,
  ledgerEntryLeaf,
  ledgerKeys,
  placeSignedTx,
  secp256k1Scheme,
  signedTxFromJson,
  signedTxToJson,
  validatorSetHash,
  type BlockTx,
  type ChainId,
  type FreezeStalledChildTx,
  type Header,
  type Hex,
} from '../src/index.js';
import { CHAIN_ID, DOMAIN, ETH, FakeParent, TOKEN, expectLedgerRefusal, alice, bob, carol, user, type TestUser } from './fixtures.js';
import { TestChain, commitTx, depositToChild, expectRefused, sign, spend, submit } from './treeHarness.js';

const WINDOW = 100n;
const NOW = 1_000n;
const VALIDATORS = [user('s1'), user('s2'), user('s3')];
/** The previous header of block 1 in every proof: all zero. */
const ZERO_HEADER: Header = { chainId: ZERO_BYTES32, number: 0n, parentHash: ZERO_BYTES32, txRoot: ZERO_BYTES32, stateRoot: ZERO_BYTES32, exitRoot: ZERO_BYTES32, depositNonce: 0n, timestamp: 0n };

const expectRefusal = expectLedgerRefusal;

function spawn(ledger: ParentLedger, over: { stallLimit?: bigint; now?: bigint; challengeWindow?: bigint } = {}): ChainId {
  return ledger.spawnChild({ validators: VALIDATORS.map((v) => v.address), threshold: 2, challengeWindow: WINDOW, bond: MIN_BOND, spawner: alice.address, now: NOW, ...over });
}

function header(child: ChainId, number: bigint, parentHash: Hex, tag = ''): Header {
  const text = (s: string) => bytesToHex(keccak256(new TextEncoder().encode(s)));
  return { chainId: child, number, parentHash, txRoot: text(`tx ${number}${tag}`), stateRoot: text(`state ${number}${tag}`), exitRoot: ZERO_BYTES32, depositNonce: 0n, timestamp: number };
}

function quorum(h: Header, signers: TestUser[] = VALIDATORS.slice(0, 2)): Hex {
  const digest = commitmentDigest(DOMAIN, h.chainId, h.number, hashHeader(h));
  const sorted = [...signers].sort((a, b) => (a.address < b.address ? -1 : 1));
  return bytesToHex(concatBytes(...sorted.map((s) => hexToBytes(secp256k1Scheme.sign(digest, s.key), 65))));
}

/** Commits blocks 1..n of `child` at `times[i]`; returns the headers. */
function commitBlocks(ledger: ParentLedger, child: ChainId, times: bigint[]): Header[] {
  const headers: Header[] = [];
  let parentHash = ZERO_BYTES32;
  times.forEach((now, i) => {
    const h = header(child, BigInt(i + 1), parentHash);
    ledger.commit({ child, header: h, signatures: quorum(h), now, domain: DOMAIN });
    parentHash = hashHeader(h);
    headers.push(h);
  });
  return headers;
}

describe('ParentLedger: stall limits at the spawn (PlasmaRoot.spawnChain / spawnChainWithLimits)', () => {
  it('stores spawnedAt = now and the limit; the default is max(DEFAULT_STALL_LIMIT, challengeWindow); both are in the Child value', () => {
    const ledger = new ParentLedger(CHAIN_ID);
    expect(DEFAULT_STALL_LIMIT).toBe(7n * 86_400n);
    const a = spawn(ledger);
    expect(ledger.childInfo(a)).toMatchObject({ spawnedAt: NOW, stallLimit: DEFAULT_STALL_LIMIT });
    expect(ledger.stallLimit(a)).toBe(DEFAULT_STALL_LIMIT);
    expect(ledger.lastActivity(a)).toBe(NOW);
    // A window above 7 days gets itself as the default limit (still valid), as spawnChain gives it.
    const long = 10n * 86_400n;
    const b = spawn(ledger, { challengeWindow: long, now: NOW + 5n });
    expect(defaultStallLimit(long)).toBe(long);
    expect(ledger.childInfo(b)).toMatchObject({ challengeWindow: long, spawnedAt: NOW + 5n, stallLimit: long });
    // A chosen limit: the window itself and 30 days are the bounds, both allowed.
    const c = spawn(ledger, { stallLimit: WINDOW });
    const d = spawn(ledger, { stallLimit: MAX_CHALLENGE_WINDOW });
    expect([ledger.stallLimit(c), ledger.stallLimit(d)]).toEqual([WINDOW, MAX_CHALLENGE_WINDOW]);
    // The ledger root commits to both: the Child value is 12 words, spawnedAt and stallLimit last.
    const entry = ledger.entry(ledgerKeys.child(c))!;
    expect(entry.kind).toBe(LedgerKind.Child);
    expect(ledgerEntryLeaf(entry)).toEqual(
      keccak256(
        encodeWords(
          ['uint256', 'address', 'uint256', 'uint8', 'uint64', 'bytes32', 'uint64', 'uint64', 'uint64', 'uint64', 'uint64', 'uint64'],
          [2n, alice.address, MIN_BOND, 2, WINDOW, validatorSetHash([...VALIDATORS.map((v) => v.address)].sort()), 0n, 0n, 0n, 0n, NOW, WINDOW],
        ),
      ),
    );
    // Another limit or another spawn time is another ledger root.
    const other = new ParentLedger(CHAIN_ID);
    const mirror = new ParentLedger(CHAIN_ID);
    spawn(other, { stallLimit: WINDOW + 1n });
    spawn(mirror, { stallLimit: WINDOW });
    expect(other.root).not.toBe(mirror.root);
    const later = new ParentLedger(CHAIN_ID);
    spawn(later, { stallLimit: WINDOW, now: NOW + 1n });
    expect(later.root).not.toBe(mirror.root);
  });

  it('refuses a limit outside challengeWindow..MAX_CHALLENGE_WINDOW with BAD_STALL_LIMIT(stallLimit, minimum, maximum), in PlasmaRoot._spawn\'s order', () => {
    const ledger = new ParentLedger(CHAIN_ID);
    const bad = (stallLimit: bigint, minimum = WINDOW) => ({ stallLimit: String(stallLimit), minimum: String(minimum), maximum: String(MAX_CHALLENGE_WINDOW) });
    expectRefusal(ledger, () => spawn(ledger, { stallLimit: WINDOW - 1n }), 'BAD_STALL_LIMIT', bad(WINDOW - 1n));
    expectRefusal(ledger, () => spawn(ledger, { stallLimit: MAX_CHALLENGE_WINDOW + 1n }), 'BAD_STALL_LIMIT', bad(MAX_CHALLENGE_WINDOW + 1n));
    // 0 given to the ledger is spawnChainWithLimits(…, 0): refused (SPAWN_CHILD's 0 is "absent", see below).
    expectRefusal(ledger, () => spawn(ledger, { stallLimit: 0n }), 'BAD_STALL_LIMIT', bad(0n));
    // After the window's own check, before the validator set's.
    expectRefusal(ledger, () => spawn(ledger, { challengeWindow: 0n, stallLimit: 0n }), 'BAD_CHALLENGE_WINDOW');
    expectRefusal(ledger, () => ledger.spawnChild({ validators: [ZERO_ADDRESS], threshold: 1, challengeWindow: WINDOW, bond: MIN_BOND, spawner: alice.address, now: NOW, stallLimit: 1n }), 'BAD_STALL_LIMIT');
    // Forms: a limit or a clock the ABI could not carry; a spawn time too wide for PlasmaRoot's uint40.
    expectRefusal(ledger, () => spawn(ledger, { stallLimit: 1n << 64n }), 'VALUE_OUT_OF_RANGE');
    expectRefusal(ledger, () => spawn(ledger, { now: -1n }), 'VALUE_OUT_OF_RANGE');
    expectRefusal(ledger, () => ledger.spawnChild({ validators: [bob.address], threshold: 1, challengeWindow: WINDOW, bond: MIN_BOND, spawner: alice.address } as never), 'VALUE_OUT_OF_RANGE');
    expectRefusal(ledger, () => spawn(ledger, { now: 1n << 40n }), 'SAFE_CAST_OVERFLOWED_UINT_DOWNCAST', { bits: '40', value: String(1n << 40n) });
    expect(ledger.childCount).toBe(0n);
  });
});

describe('ParentLedger.freezeStalled (PlasmaRoot.freezeStalled)', () => {
  it('before block 1: NOT_STALLED(chainId, lastActivity = spawnedAt, stallLimit, now) up to spawnedAt + limit, frozen-stalled after', () => {
    const ledger = new ParentLedger(CHAIN_ID);
    const child = spawn(ledger, { stallLimit: 150n });
    const notStalled = (now: bigint) => ({ chainId: child, lastActivity: String(NOW), stallLimit: '150', now: String(now) });
    expectRefusal(ledger, () => ledger.freezeStalled({ child, now: NOW }), 'NOT_STALLED', notStalled(NOW));
    const refusal = expectRefusal(ledger, () => ledger.freezeStalled({ child, now: NOW + 150n }), 'NOT_STALLED', notStalled(NOW + 150n));
    expect(refusal.message).toContain(`after ${NOW + 150n}`);
    expect(ledger.childStatus(child)).toEqual({ status: ChainStatus.Live, frozenAt: 0n });

    const root = ledger.root;
    expect(ledger.freezeStalled({ child, now: NOW + 151n })).toEqual({ child, lastActivity: NOW, stallLimit: 150n, frozenAt: NOW + 151n });
    expect(ledger.childStatus(child)).toEqual({ status: ChainStatus.FrozenStalled, frozenAt: NOW + 151n });
    expect(ledger.root).not.toBe(root);
    // The ChildStatus entry (status 2, frozenAt); nothing else: no slash, the bond stays.
    expect(ledger.entry(ledgerKeys.childStatus(child))).toEqual({ kind: LedgerKind.ChildStatus, child, status: 2, frozenAt: NOW + 151n });
    expect(ledger.childInfo(child).bond).toBe(MIN_BOND);
    // Once frozen, a second freeze is CHAIN_IS_FROZEN with the status, as the root's _liveChain says.
    expectRefusal(ledger, () => ledger.freezeStalled({ child, now: NOW + 10_000n }), 'CHAIN_IS_FROZEN', { chainId: child, status: '2' });
  });

  it("after commits: the last activity is the head's commit time (headWindowEnd − challengeWindow)", () => {
    const ledger = new ParentLedger(CHAIN_ID);
    const child = spawn(ledger, { stallLimit: 150n });
    commitBlocks(ledger, child, [NOW + 10n, NOW + 140n]);
    expect(ledger.childInfo(child).headWindowEnd).toBe(NOW + 140n + WINDOW);
    expect(ledger.lastActivity(child)).toBe(NOW + 140n);
    // spawnedAt + limit has passed, but the child committed since.
    expectRefusal(ledger, () => ledger.freezeStalled({ child, now: NOW + 290n }), 'NOT_STALLED', { chainId: child, lastActivity: String(NOW + 140n), stallLimit: '150', now: String(NOW + 290n) });
    expect(ledger.freezeStalled({ child, now: NOW + 291n }).lastActivity).toBe(NOW + 140n);
    expect(ledger.childStatus(child).status).toBe(ChainStatus.FrozenStalled);
  });

  it('refuses an unknown child (UNKNOWN_CHAIN), a convicted one (CHAIN_IS_FROZEN, status 1), and inputs the ABI could not carry', () => {
    const ledger = new ParentLedger(CHAIN_ID);
    const child = spawn(ledger, { stallLimit: WINDOW });
    const unknown = chainIdOf(CHAIN_ID, 7);
    expectRefusal(ledger, () => ledger.freezeStalled({ child: unknown, now: 1n << 50n }), 'UNKNOWN_CHAIN', { chainId: unknown });
    expectRefusal(ledger, () => ledger.freezeStalled({ child: '0x12' as ChainId, now: NOW }), 'INVALID_HEX');
    expectRefusal(ledger, () => ledger.freezeStalled({ child, now: -1n }), 'VALUE_OUT_OF_RANGE');
    expectRefusal(ledger, () => ledger.stallLimit(unknown), 'UNKNOWN_CHAIN');
    // Convicted by an equivocation at height 1 (nothing committed: slash and freeze, status 1).
    const [h1, h2] = [header(child, 1n, ZERO_BYTES32, 'a'), header(child, 1n, ZERO_BYTES32, 'b')];
    const args = encodeFraudProofArgs({ kind: FraudKind.Equivocation, header: h1, signatures: quorum(h1), header2: h2, signatures2: quorum(h2), prev: ZERO_HEADER }, { windowEnd: 0n, prevWindowEnd: 0n });
    ledger.proveFraud({ child, fraudKind: FraudKind.Equivocation, args, now: NOW + 1n, domain: DOMAIN });
    expectRefusal(ledger, () => ledger.freezeStalled({ child, now: NOW + 10_000n }), 'CHAIN_IS_FROZEN', { chainId: child, status: '1' });
  });

  it('a stalled child takes no commit, deposit or down event; a proof still convicts it (status 1, bond slashed, frozenAt kept)', () => {
    const ledger = new ParentLedger(CHAIN_ID);
    const child = spawn(ledger, { stallLimit: WINDOW });
    ledger.freezeStalled({ child, now: NOW + WINDOW + 1n });
    const frozen = { chainId: child, status: '2' };
    const h = header(child, 1n, ZERO_BYTES32);
    expectRefusal(ledger, () => ledger.commit({ child, header: h, signatures: quorum(h), now: NOW + 200n, domain: DOMAIN }), 'CHAIN_IS_FROZEN', frozen);
    expectRefusal(ledger, () => ledger.deposit({ child, from: alice.address, to: bob.address, token: ETH, amount: 1n, now: NOW + 200n }), 'CHAIN_IS_FROZEN', frozen);
    expectRefusal(ledger, () => ledger.recordEdgeEvent({ child, fn: ZERO_BYTES32, sender: alice.address, payload: '0x', now: NOW + 200n }), 'CHAIN_IS_FROZEN', frozen);
    // Its validators signed two blocks for height 1: convicted, the bond taken, the freeze time that of the stall.
    const h2 = header(child, 1n, ZERO_BYTES32, 'b');
    const args = encodeFraudProofArgs({ kind: FraudKind.Equivocation, header: h, signatures: quorum(h), header2: h2, signatures2: quorum(h2), prev: ZERO_HEADER }, { windowEnd: 0n, prevWindowEnd: 0n });
    const result = ledger.proveFraud({ child, fraudKind: FraudKind.Equivocation, args, now: NOW + 300n, domain: DOMAIN });
    expect(result).toMatchObject({ frozen: true, rolledBack: false, reward: MIN_BOND / 2n });
    expect(ledger.childStatus(child)).toEqual({ status: ChainStatus.FrozenFraud, frozenAt: NOW + WINDOW + 1n });
    expect(ledger.childInfo(child).bond).toBe(0n);
  });
});

// ---- the transactions: SPAWN_CHILD's stallLimit and FREEZE_STALLED_CHILD (kind 13) ------------------------------

describe('SPAWN_CHILD with a stall limit and FREEZE_STALLED_CHILD through the STF (root → A → A1)', () => {
  const dave = user('dave');
  const A1_LIMIT = 150n;

  /** A holding alice's ETH and tokens; A1 spawned on A by a SPAWN_CHILD with A1_LIMIT; carol's 300 on A1 committed on A. */
  function tree() {
    let now = 1_000n;
    const tick = (seconds = 10n) => (now += seconds);
    const root = new FakeParent();
    const A = new TestChain(chainIdOf(ROOT_CHAIN_ID, 0), 'A', root.depositRecord);
    A.block(tick(), (b) => {
      b.addDeposit(root.deposit(alice.address, ETH, 10n ** 18n));
      b.addDeposit(root.deposit(alice.address, TOKEN, 1_000n));
    });
    const spawnTx = (stallLimit: bigint | undefined, challengeWindow = WINDOW) => sign(alice, {
      kind: TxKind.SpawnChild, chainId: A.id, slot: A.slotOf(alice, ETH), validators: VALIDATORS.map((v) => v.address), threshold: 2, challengeWindow,
      ...(stallLimit === undefined ? {} : { stallLimit }), bond: MIN_BOND, nonce: A.nonce(alice, ETH),
    });
    const spawnedAt = tick();
    A.block(spawnedAt, (b) => submit(b, spawnTx(A1_LIMIT)));
    const a1 = chainIdOf(A.id, 0);
    const A1 = new TestChain(a1, 'A1', childDepositRecords(A.state.ledger, a1), A, VALIDATORS);
    A.children.push(A1);
    A.block(tick(), (b) => depositToChild(b, A, A1, alice, carol, TOKEN, 300n));
    const a1Block1 = A1.block(tick(), (b) => {
      A1.applyInbox(b);
      submit(b, spend(A1, carol, TxKind.Transfer, dave, TOKEN, 100n));
    });
    const committedAt = tick();
    A.block(committedAt, (b) => submit(b, commitTx(A, A1, a1Block1)));
    return { A, A1, a1Block1, spawnTx, spawnedAt, committedAt, tick, now: () => now };
  }

  const freezeTx = (A: TestChain, child: ChainId): FreezeStalledChildTx => ({ kind: TxKind.FreezeStalledChild, chainId: A.id, child });

  it('SPAWN_CHILD: the signed limit lands in the ledger with the block time as spawnedAt; 0 or absent is the default; a bad one is BAD_STALL_LIMIT', () => {
    const { A, A1, spawnTx, spawnedAt, tick } = tree();
    expect(A.state.ledger.childInfo(A1.id)).toMatchObject({ stallLimit: A1_LIMIT, spawnedAt, challengeWindow: WINDOW });
    const spawnBlock = A.blocks[1];
    expect(decodeSpawnChildData(spawnBlock.txs[0].data)).toEqual({ validators: VALIDATORS.map((v) => v.address), threshold: 2, challengeWindow: WINDOW, stallLimit: A1_LIMIT });
    // The default: absent, or 0, in the tx.
    A.block(tick(), (b) => {
      submit(b, spawnTx(undefined));
      submit(b, spawnTx(0n));
    });
    expect([1, 2].map((i) => A.state.ledger.stallLimit(chainIdOf(A.id, i)))).toEqual([DEFAULT_STALL_LIMIT, DEFAULT_STALL_LIMIT]);
    // Refused in the STF with the ledger's code, the bond not spent.
    const before = A.balance(alice, ETH);
    expectRefused(A.state, 'BAD_STALL_LIMIT', () => A.block(tick(), (b) => submit(b, spawnTx(WINDOW - 1n))));
    expectRefused(A.state, 'BAD_STALL_LIMIT', () => A.block(tick(), (b) => submit(b, spawnTx(MAX_CHALLENGE_WINDOW + 1n))));
    expect(A.balance(alice, ETH)).toBe(before);
    expect(A.state.ledger.childCount).toBe(3n);
  });

  it('FREEZE_STALLED_CHILD: refused until the limit passed, then the holders escape (kind 11) and the deposit in flight comes back (kind 12)', () => {
    const { A, A1, a1Block1, committedAt } = tree();
    const freeze = freezeTx(A, A1.id);
    // Before the limit (and right at it) the refusal is NOT_STALLED with the activity judged by.
    const early = expectRefused(A.state, 'NOT_STALLED', () => A.block(committedAt + 10n, (b) => submit(b, freeze)));
    expect(early.data).toMatchObject({ chainId: A1.id, lastActivity: String(committedAt), stallLimit: String(A1_LIMIT) });
    expectRefused(A.state, 'NOT_STALLED', () => A.block(committedAt + A1_LIMIT, (b) => submit(b, freeze)));
    // A deposit on its way to A1 that A1 never applies (A1's validators are gone).
    A.block(committedAt + A1_LIMIT, (b) => depositToChild(b, A, A1, alice, bob, TOKEN, 40n));
    const inFlight = A1.inbox[A1.inbox.length - 1];

    // Anyone sends it; nothing is signed and no account moves: only the ChildStatus entry.
    const accountsBefore = A.state.accounts.root;
    const frozenAt = committedAt + A1_LIMIT + 1n;
    const block = A.block(frozenAt, (b) => submit(b, freeze));
    expect(block.txs[0]).toMatchObject({ kind: TxKind.FreezeStalledChild, slot: 0, toSlot: 0, from: ZERO_ADDRESS, to: ZERO_ADDRESS, amount: 0n, nonce: 0n, r: ZERO_BYTES32, v: 0 });
    expect(decodeFreezeStalledChildData(block.txs[0].data)).toBe(A1.id);
    expect(A.state.accounts.root).toBe(accountsBefore);
    expect(A.state.ledger.childStatus(A1.id)).toEqual({ status: ChainStatus.FrozenStalled, frozenAt });
    expectRefused(A.state, 'CHAIN_IS_FROZEN', () => A.block(frozenAt + 1n, (b) => submit(b, freeze)));
    expectRefused(A.state, 'CHAIN_IS_FROZEN', () => A.block(frozenAt + 1n, (b) => depositToChild(b, A, A1, alice, bob, TOKEN, 1n)));

    // The head is final (stallLimit >= challengeWindow): carol's and dave's slots are paid on A from A1's block 1.
    const head = a1Block1.header;
    const windowEnd = A.state.ledger.childInfo(A1.id).headWindowEnd;
    expect(windowEnd).toBeLessThan(frozenAt);
    A.block(frozenAt + 2n, (b) => {
      for (const owner of [carol, dave]) {
        const proof = buildEscapeExitProof(A1.state, A1.slotOf(owner, TOKEN));
        submit(b, { kind: TxKind.EscapeChildExit, chainId: A.id, child: A1.id, head, windowEnd, ...proof });
      }
      submit(b, { kind: TxKind.ReclaimChildDeposit, chainId: A.id, child: A1.id, nonce: inFlight.nonce, from: inFlight.from, to: inFlight.to, token: TOKEN, amount: 40n });
    });
    expect([A.balance(carol, TOKEN), A.balance(dave, TOKEN)]).toEqual([200n, 100n]);
    expect(A.balance(alice, TOKEN)).toBe(1_000n - 300n);
    expect(A.state.ledger.subtreeBalance(A1.id, TOKEN)).toBe(0n);
  });

  it('kind 13 has one form: every word 0, data abi.encode(bytes32 child); its JSON round-trips', () => {
    const { A, A1 } = tree();
    const placed = placeSignedTx(A.state, freezeTx(A, A1.id), A.ctx);
    expect(placed.data).toBe(A1.id);
    checkBlockTxForm(placed);
    const words: [keyof BlockTx, unknown][] = [
      ['slot', 1], ['toSlot', 1], ['from', alice.address], ['to', alice.address], ['token', TOKEN], ['amount', 1n], ['nonce', 1n], ['r', `0x${'11'.repeat(32)}`], ['v', 27],
    ];
    for (const [field, value] of words) {
      const bad = { ...placed, [field]: value } as BlockTx;
      expect(() => checkBlockTxForm(bad), field).toThrow(expect.objectContaining({ code: 'MALFORMED_TX', data: { field } }));
      expectRefused(A.state, 'MALFORMED_TX', () => applyTx(A.state, bad, { ...A.ctx, lastDepositNonce: 0n, timestamp: 1n << 30n }));
    }
    expectRefused(A.state, 'MALFORMED_TX', () => applyTx(A.state, { ...placed, data: `${A1.id}00` as Hex }, { ...A.ctx, lastDepositNonce: 0n, timestamp: 1n << 30n }));
    const json = signedTxToJson(freezeTx(A, A1.id));
    expect(json).toEqual({ kind: 'freezeStalledChild', chainId: A.id, child: A1.id });
    expect(signedTxFromJson(json)).toEqual(freezeTx(A, A1.id));
    expect(() => signedTxFromJson({ ...json, to: alice.address })).toThrow(expect.objectContaining({ code: 'MALFORMED_TX', data: { field: 'tx.to' } }));
  });

  it("SPAWN_CHILD's data carries the limit as a fourth word; the old three-word layout is refused", () => {
    const d = { validators: [alice.address, bob.address], threshold: 2, challengeWindow: WINDOW, stallLimit: 3_600n };
    const data = encodeSpawnChildData(d);
    expect(decodeSpawnChildData(data)).toEqual(d);
    expect(decodeSpawnChildData(encodeSpawnChildData({ ...d, stallLimit: undefined }))).toEqual({ ...d, stallLimit: 0n });
    const threeWords = bytesToHex(concatBytes(...[96n, 2n, WINDOW, 2n].map((w) => hexToBytes(`0x${w.toString(16).padStart(64, '0')}`)), ...d.validators.map((v) => hexToBytes(`0x${v.slice(2).padStart(64, '0')}`))));
    expect(() => decodeSpawnChildData(threeWords)).toThrow(expect.objectContaining({ code: 'MALFORMED_TX' }));
    // The JSON form: stallLimit optional, a JSON number.
    const tx = sign(alice, { kind: TxKind.SpawnChild, chainId: CHAIN_ID, slot: 0, validators: d.validators, threshold: 2, challengeWindow: WINDOW, stallLimit: 3_600n, bond: MIN_BOND, nonce: 0n });
    expect(signedTxToJson(tx)).toMatchObject({ kind: 'spawnChild', stallLimit: 3_600 });
    expect(signedTxFromJson(signedTxToJson(tx))).toEqual(tx);
    expect(() => signedTxFromJson({ ...signedTxToJson(tx), stallLimit: '3600' })).toThrow(expect.objectContaining({ code: 'MALFORMED_TX', data: { field: 'tx.stallLimit' } }));
  });
});
