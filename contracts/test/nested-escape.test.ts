/**
 * The escape of holders inside a frozen chain's children (docs/FRAUD.md §4b, PlasmaNestedEscape) against a
 * real PlasmaRoot on a Hardhat node. A is a child of the root run by core (ChildChain: its blocks built by core's
 * BlockBuilder, committed on the root); A spawns K, K2 and K3 (SPAWN_CHILD), deposits into them (DEPOSIT_TO_CHILD),
 * and commits K's and K2's blocks (COMMIT_CHILD, signed by their validators over the root's EIP-712 domain). K's
 * block 1 is final by A's head time T, its block 2 is not (so n = 1 < headNumber = 2 and the `next` proof is
 * exercised); a deposit to K is in flight; K2 lies (its final block credits alice 100 ETH for a 1 ETH deposit) and is
 * frozen on A, which pays one of its slots there (an EscapedSlot entry); K3 has no block (n = 0). A is then convicted
 * (bad timestamp) and frozen; once its head is final, K's holders leave through the module: accounts of K's block 1,
 * alice's exit of block 1, the deposit in flight, every refusal the draft names that a test can reach, and A's own
 * escapeExit alongside.
 */
import * as core from '@plasma-tree/core';
import { Contract, Wallet, ZeroHash, id, parseEther, type ContractTransactionReceipt } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadArtifact } from '../index.js';
import { ChildChain, sendCall } from '../fraud-scenario.js';
import { eventsOf, expectRevert, increaseTime, latestTimestamp, mined, setup, type Fixture } from './helpers.js';

type Hex = core.Hex;

const A_WINDOW = 100n; // A's challenge window at the root (L1 seconds)
const K_WINDOW = 100n; // K's, K2's and K3's in A's ledger (A's clock)
const ETH = core.NATIVE_TOKEN;
const EMPTY_PROOF = { bitmap: 1n, siblings: [] as Hex[] }; // depth 0, no words: well formed, folds to nothing here
const lower = (s: string): Hex => s.toLowerCase() as Hex;

interface Committed {
  header: core.Header;
  windowEnd: bigint;
}

let f: Fixture;
let root: Contract;
let module_: Contract;
let alice: Wallet;
let bob: Wallet;
let carol: Wallet;
let dave: Wallet;
let relayer: Wallet;
let TST: Hex;

let A: ChildChain;
let K: Hex;
let K2: Hex;
let K3: Hex;
/** K's blocks as A's ledger committed them. */
const kBlocks = new Map<bigint, Committed>();
let kBlock1: core.Block;
let k2Block: Committed;
/** Witnesses of K's state after block 1 and after block 2, and K's ledger root after block 1. */
let kState1: { ledgerRoot: Hex; witness: (owner: Wallet, token: Hex) => core.AccountWitness; empty: core.AccountWitness };
let kState2: { witness: (owner: Wallet, token: Hex) => core.AccountWitness };
let k2Lie: core.ChainState;
let T: bigint;
const gas: Record<string, number> = {};

beforeAll(async () => {
  f = await setup();
  root = f.root;
  [, alice, bob, carol, dave] = f.wallets;
  relayer = f.wallets[7];
  TST = lower(f.tokenAddress);
  module_ = new Contract(await root.nestedEscape(), loadArtifact('PlasmaNestedEscape').abi, relayer);
  await buildTree();
}, 120_000);

afterAll(async () => {
  await f?.stop();
});

// ---- the tree --------------------------------------------------------------------------------------------------

function signTx(w: Wallet, tx: core.UnsignedTx): core.SignedTx {
  return { ...tx, signature: core.secp256k1Scheme.sign(core.signedTxDigest(A.domain, tx), w.privateKey as Hex) } as core.SignedTx;
}

function slotNonce(state: core.ChainState, w: Wallet, token: Hex): { slot: number; nonce: bigint } {
  const slot = state.slotOf(lower(w.address), token);
  if (slot === undefined) throw new Error(`${w.address} holds no ${token}`);
  return { slot, nonce: state.get(slot)!.nonce };
}

/** COMMIT_CHILD of `header` of `child`, signed by `signers` (the child's validators) over the root's domain. */
function commitChild(child: Hex, header: core.Header, signers: Wallet[]): core.CommitChildTx {
  const digest = core.commitmentDigest(A.domain, child, header.number, core.hashHeader(header));
  const sorted = [...signers].sort((x, y) => (BigInt(x.address) < BigInt(y.address) ? -1 : 1));
  const signatures = core.bytesToHex(core.concatBytes(...sorted.map((s) => core.hexToBytes(core.secp256k1Scheme.sign(digest, s.privateKey as Hex)))));
  return { kind: core.TxKind.CommitChild, chainId: A.chainId, child, header, signatures };
}

async function buildTree(): Promise<void> {
  const quorum = f.wallets.slice(10, 14);
  const kValidators = f.wallets.slice(14, 17);
  A = await ChildChain.spawn({ root, provider: f.provider, validators: quorum, threshold: 3, window: A_WINDOW, bond: core.ROOT_MIN_BOND, spawner: f.wallets[0] });

  // Root deposits to A: alice 10 ETH, dave 2 ETH, alice 1000 TST.
  await A.deposit(alice, alice.address, parseEther('10'));
  await A.deposit(dave, dave.address, parseEther('2'));
  await mined((f.token.connect(alice) as Contract).mint(alice.address, 1_000n));
  await mined((f.token.connect(alice) as Contract).approve(f.rootAddress, 1_000n));
  const receipt = await mined((root.connect(alice) as Contract).depositERC20(A.chainId, TST, alice.address, 1_000n));
  const nonce = eventsOf(root, receipt, 'Deposited')[0].nonce as bigint;
  A.deposits.set(nonce, { chainId: A.chainId, nonce, from: lower(alice.address), to: lower(alice.address), token: TST, amount: 1_000n });
  const commitA = async (fill: (b: core.BlockBuilder) => void) => {
    const block = A.build(await latestTimestamp(f.provider), fill);
    await A.commit(block);
    return block;
  };
  await commitA((b) => A.pendingDeposits(b));

  // A's block 2: alice spawns K (2 of 3), K2 (2 of 3, stall limit = its window) and K3.
  await commitA((b) => {
    for (const stallLimit of [undefined, K_WINDOW, undefined]) {
      const { slot, nonce } = slotNonce(A.state, alice, ETH);
      b.addSignedTx(signTx(alice, {
        kind: core.TxKind.SpawnChild, chainId: A.chainId, slot, validators: kValidators.map((v) => lower(v.address)), threshold: 2,
        challengeWindow: K_WINDOW, ...(stallLimit === undefined ? {} : { stallLimit }), bond: core.MIN_BOND, nonce,
      } as core.UnsignedTx));
    }
  });
  [K, K2, K3] = [0, 1, 2].map((i) => core.chainIdOf(A.chainId, i));
  expect(A.state.ledger.children()).toEqual([K, K2, K3]);

  // A's block 3: alice deposits 3 ETH and 100 TST to herself on K, 1 ETH on K2, 0.5 ETH on K3.
  const kDeposits: core.Deposit[] = [];
  const k2Deposits: core.Deposit[] = [];
  const toChild = (b: core.BlockBuilder, child: Hex, token: Hex, amount: bigint, to: Wallet = alice): core.Deposit => {
    const { slot, nonce } = slotNonce(A.state, alice, token);
    b.addSignedTx(signTx(alice, { kind: core.TxKind.DepositToChild, chainId: A.chainId, slot, child, to: lower(to.address), token, amount, nonce }));
    return { chainId: child, nonce: A.state.ledger.childInfo(child).depositCount, from: lower(alice.address), to: lower(to.address), token, amount };
  };
  const a3 = await commitA((b) => {
    kDeposits.push(toChild(b, K, ETH, parseEther('3')), toChild(b, K, TST, 100n));
    k2Deposits.push(toChild(b, K2, ETH, parseEther('1')));
    toChild(b, K3, ETH, parseEther('0.5'));
  });

  // K's block 1 (K's clock = A's): both deposits, alice sends bob 1 ETH, alice withdraws 0.5 ETH (exit 0), bob 0.25 (exit 1).
  const kState = new core.ChainState(K);
  const kctx: core.BlockContext = { chainId: K, domain: A.domain, depositRecord: core.childDepositRecords(A.state.ledger, K), parentChainId: A.chainId };
  const kSpend = (w: Wallet, kind: core.TxKind.Transfer | core.TxKind.Withdraw, to: Wallet, amount: bigint) =>
    signTx(w, { kind, chainId: K, ...slotNonce(kState, w, ETH), to: lower(to.address), token: ETH, amount } as core.UnsignedTx);
  let kb = new core.BlockBuilder({ parent: null, state: kState, ctx: kctx, timestamp: a3.header.timestamp });
  for (const d of kDeposits) kb.addDeposit(d);
  kb.addSignedTx(kSpend(alice, core.TxKind.Transfer, bob, parseEther('1')));
  kb.addSignedTx(kSpend(alice, core.TxKind.Withdraw, alice, parseEther('0.5')));
  kb.addSignedTx(kSpend(bob, core.TxKind.Withdraw, bob, parseEther('0.25')));
  kBlock1 = kb.seal();
  expect(kBlock1.exits).toHaveLength(2);
  const witnessesOf = (state: core.ChainState) => (owner: Wallet, token: Hex) => core.accountWitness(state, state.slotOf(lower(owner.address), token)!);
  // the witnesses of block 1 are read before block 2 changes the state
  const w1 = new Map<string, core.AccountWitness>();
  for (const [w, token] of [[alice, ETH], [alice, TST], [bob, ETH]] as const) w1.set(`${w.address}:${token}`, witnessesOf(kState)(w, token));
  kState1 = { ledgerRoot: kState.ledger.root, witness: (w, token) => w1.get(`${w.address}:${token}`)!, empty: core.accountWitness(kState, 9) };

  // K2's block 1 lies: alice 100 ETH and carol 0.4 ETH for alice's 1 ETH deposit (K2's validators sign anyway).
  k2Lie = new core.ChainState(K2);
  k2Lie.accounts.put(0, { owner: lower(alice.address), token: ETH, balance: parseEther('100'), nonce: 0n });
  k2Lie.accounts.put(1, { owner: lower(carol.address), token: ETH, balance: parseEther('0.4'), nonce: 0n });
  const k2Header: core.Header = {
    chainId: K2, number: 1n, parentHash: core.ZERO_BYTES32, txRoot: core.bytesToHex(core.computeTxRoot([], [])), stateRoot: k2Lie.root,
    exitRoot: core.bytesToHex(core.computeExitRoot([])), depositNonce: k2Deposits[0].nonce, timestamp: a3.header.timestamp,
  };

  // A's block 4 commits K's block 1 and K2's block 1: their windows end at t4 + K_WINDOW in A's clock.
  const a4 = await commitA((b) => {
    b.addSignedTx(commitChild(K, kBlock1.header, kValidators.slice(0, 2)));
    b.addSignedTx(commitChild(K2, k2Header, kValidators.slice(1, 3)));
  });
  kBlocks.set(1n, { header: kBlock1.header, windowEnd: a4.header.timestamp + K_WINDOW });
  k2Block = { header: k2Header, windowEnd: a4.header.timestamp + K_WINDOW };
  expect(A.state.ledger.childInfo(K).headWindowEnd).toBe(kBlocks.get(1n)!.windowEnd);

  // K's block 2: bob sends alice 0.1 ETH (it changes both slots); applies no new deposit.
  kb = new core.BlockBuilder({ parent: kBlock1.header, state: kState, ctx: kctx, timestamp: a4.header.timestamp });
  kb.addSignedTx(kSpend(bob, core.TxKind.Transfer, alice, parseEther('0.1')));
  const kBlock2 = kb.seal();
  kState2 = { witness: witnessesOf(kState) };

  // A's block 5 (the head H), past K's block-1 window: bob's exit 1 paid on A; alice deposits 2 ETH for carol on K (in
  // flight); K2 frozen for its stall and carol's K2 slot paid on A; K's block 2 committed (final only after T).
  await increaseTime(f.provider, K_WINDOW + 50n);
  const a5 = await commitA((b) => {
    b.addSignedTx({
      kind: core.TxKind.FinalizeChildExit, chainId: A.chainId, child: K, header: kBlock1.header, windowEnd: kBlocks.get(1n)!.windowEnd,
      exit: kBlock1.exits[1] as core.Exit, index: 1n, proof: core.exitProof(kBlock1, 1),
    });
    kDeposits.push(toChild(b, K, ETH, parseEther('2'), carol));
    b.addSignedTx({ kind: core.TxKind.FreezeStalledChild, chainId: A.chainId, child: K2 });
    b.addSignedTx({
      kind: core.TxKind.EscapeChildExit, chainId: A.chainId, child: K2, head: k2Header, windowEnd: k2Block.windowEnd, ledgerRoot: k2Lie.ledger.root,
      account: core.accountWitness(k2Lie, 1),
    });
    b.addSignedTx(commitChild(K, kBlock2.header, kValidators.slice(0, 2)));
  });
  kBlocks.set(2n, { header: kBlock2.header, windowEnd: a5.header.timestamp + K_WINDOW });
  T = a5.header.timestamp;
  expect(kBlocks.get(1n)!.windowEnd).toBeLessThanOrEqual(T);
  expect(kBlocks.get(2n)!.windowEnd).toBeGreaterThan(T);
  const ledger = A.state.ledger;
  expect(ledger.childInfo(K)).toMatchObject({ headNumber: 2n, headDepositNonce: 2n, depositCount: 3n });
  expect(ledger.subtreeBalance(K, ETH)).toBe(parseEther('4.75')); // 3 + 2 - bob's 0.25 paid on A
  expect(ledger.subtreeBalance(K, TST)).toBe(100n);
  expect(ledger.subtreeBalance(K2, ETH)).toBe(parseEther('0.6')); // 1 - carol's 0.4 paid on A
  expect(ledger.isEscaped(K2, 1)).toBe(true);
  expect(ledger.childStatus(K2).status).toBe(2);
}

// ---- the module's arguments, from A's state at its head (core's ledger proofs) -----------------------------------

function frozenHead(over: Partial<{ chainId: Hex; head: core.Header; windowEnd: bigint; accountsRoot: Hex; ledgerRoot: Hex }> = {}) {
  return {
    chainId: A.chainId,
    head: A.head!,
    windowEnd: A.windowEnds.get(A.head!.number)!,
    accountsRoot: A.state.accounts.root,
    ledgerRoot: A.state.ledger.root,
    ...over,
  };
}

function childRecord(child: Hex, ledger: core.ParentLedger = A.state.ledger) {
  const entry = ledger.entry(core.ledgerKeys.child(child));
  if (entry?.kind !== core.LedgerKind.Child) throw new Error('no such child');
  return {
    index: entry.index, spawner: entry.spawner, bond: entry.bond, threshold: entry.threshold, challengeWindow: entry.challengeWindow,
    validatorSetHash: core.validatorSetHash(entry.validators), headNumber: entry.headNumber, headWindowEnd: entry.headWindowEnd,
    headDepositNonce: entry.headDepositNonce, depositCount: entry.depositCount, spawnedAt: entry.spawnedAt, stallLimit: entry.stallLimit,
  };
}

/** FinalChild of `child` in `ledger` (A's by default) claiming block `n` as its last final one (`blocks`: the child's committed blocks). */
function finalChild(child: Hex, n: bigint, blocks: Map<bigint, Committed>, over: Record<string, unknown> = {}, ledger: core.ParentLedger = A.state.ledger) {
  const record = childRecord(child, ledger);
  const block = blocks.get(n);
  const next = n < record.headNumber ? blocks.get(n + 1n)! : undefined;
  return {
    record,
    recordProof: ledger.proof(core.ledgerKeys.child(child)),
    block: block?.header ?? core.ZERO_HEADER,
    windowEnd: block?.windowEnd ?? 0n,
    blockProof: n > 0n ? ledger.proof(core.ledgerKeys.commitment(child, n)) : EMPTY_PROOF,
    nextHash: next ? core.hashHeader(next.header) : ZeroHash,
    nextWindowEnd: next?.windowEnd ?? 0n,
    nextProof: next ? ledger.proof(core.ledgerKeys.commitment(child, n + 1n)) : EMPTY_PROOF,
    ...over,
  };
}

function cap(child: Hex, token: Hex, amount = A.state.ledger.subtreeBalance(child, token)) {
  return { amount, proof: A.state.ledger.proof(core.ledgerKeys.subtreeBalance(child, token)) };
}

const kFinal = (over: Record<string, unknown> = {}) => finalChild(K, 1n, kBlocks, over);
const escapedProof = (child: Hex, slot: number) => A.state.ledger.proof(core.ledgerKeys.escapedSlot(child, slot));

function escapeArgs(account: core.AccountWitness, over: { a?: object; c?: object; childLedgerRoot?: Hex; escaped?: object; cap?: object } = {}) {
  return [
    over.a ?? frozenHead(),
    [],
    over.c ?? kFinal(),
    over.childLedgerRoot ?? kState1.ledgerRoot,
    account,
    over.escaped ?? escapedProof(K, account.slot),
    [over.cap ?? cap(K, account.token)],
  ] as const;
}

function exitArgs(index: number, over: { a?: object; c?: object; block?: Committed; exit?: core.Exit; index?: bigint; proof?: Hex[]; spent?: object; blockProof?: object } = {}) {
  const block = over.block ?? kBlocks.get(1n)!;
  const exit = over.exit ?? (kBlock1.exits[index] as core.Exit);
  const i = over.index ?? BigInt(index);
  return [
    over.a ?? frozenHead(),
    [],
    over.c ?? kFinal(),
    block.header,
    block.windowEnd,
    over.blockProof ?? A.state.ledger.proof(core.ledgerKeys.commitment(K, block.header.number)),
    exit,
    i,
    over.proof ?? core.exitProof(kBlock1, index),
    over.spent ?? A.state.ledger.proof(core.ledgerKeys.spentExit(K, block.header.number, i)),
    [cap(K, exit.token)],
  ] as const;
}

function reclaimArgs(child: Hex, nonce: bigint, c: object, over: { amount?: bigint; record?: Hex; proof?: object } = {}) {
  const record = A.state.ledger.depositRecord(child, nonce);
  const d = depositOf(child, nonce);
  return [
    frozenHead(),
    [],
    c,
    nonce,
    d.from,
    d.to,
    d.token,
    over.amount ?? d.amount,
    over.record ?? record,
    over.proof ?? A.state.ledger.proof(core.ledgerKeys.deposit(child, nonce)),
    [cap(child, d.token)],
  ] as const;
}

/** The deposit A recorded for `child` under `nonce` (read back from the tree's known deposits). */
function depositOf(child: Hex, nonce: bigint): { from: Hex; to: Hex; token: Hex; amount: bigint } {
  const known: Record<string, { from: Wallet; to: Wallet; token: Hex; amount: bigint }> = {
    [`${K}:1`]: { from: alice, to: alice, token: ETH, amount: parseEther('3') },
    [`${K}:2`]: { from: alice, to: alice, token: TST, amount: 100n },
    [`${K}:3`]: { from: alice, to: carol, token: ETH, amount: parseEther('2') },
    [`${K3}:1`]: { from: alice, to: alice, token: ETH, amount: parseEther('0.5') },
  };
  const d = known[`${child}:${nonce}`];
  return { from: lower(d.from.address), to: lower(d.to.address), token: d.token, amount: d.amount };
}

const send = async (method: string, args: readonly unknown[]): Promise<ContractTransactionReceipt> => mined(module_[method](...args));
// The topmost listed sibling of a present key's proof (the deepest is checked by the opening: BadLedgerProof).
const tamper = (p: core.LedgerProof) => {
  const topmost = p.siblings.length - 3;
  if (topmost < 1) throw new Error('tamper needs a proof with two listed siblings');
  return { ...p, siblings: p.siblings.map((s, i) => (i === topmost ? id('not a sibling') : s)) };
};

// ---- the tests ---------------------------------------------------------------------------------------------------

describe('PlasmaNestedEscape', () => {
  it('is created by the root, which only it may ask to pay', async () => {
    expect(await module_.root()).toBe(f.rootAddress);
    let error: unknown;
    try {
      await (root.connect(dave) as Contract).payNested.staticCall(A.chainId, ETH, dave.address, 1n);
    } catch (e) {
      error = e;
    }
    expect(error).toBeDefined();
  });

  it('refuses while A is live (ChainNotFrozen), then while its head can still be rolled back (ChallengeWindowOpen)', async () => {
    const alices = kState1.witness(alice, ETH);
    await expectRevert(module_.escapeNestedExit.staticCall(...escapeArgs(alices)), 'ChainNotFrozen', [A.chainId]);
    await expectRevert(module_.reclaimNested.staticCall(...reclaimArgs(K, 3n, kFinal())), 'ChainNotFrozen', [A.chainId]);

    // A's validators commit a block 6 older than its parent; anyone proves it: A rolls back to 5 and freezes.
    const forged = A.forge([], [], { timestamp: A.head!.timestamp - 1n });
    await A.commit(forged, { valid: false });
    await sendCall(relayer, f.rootAddress, A.calldata(core.buildBadTimestampProof(forged.header, A.head)));
    expect((await root.chainStatus(A.chainId))[0]).toBe(1n);
    expect((await root.chainInfo(A.chainId)).headNumber).toBe(5n);
    const args = await expectRevert(module_.escapeNestedExit.staticCall(...escapeArgs(alices)), 'ChallengeWindowOpen');
    expect(args[0]).toBe(A.windowEnds.get(5n));
    await expectRevert(module_.exitNested.staticCall(...exitArgs(0)), 'ChallengeWindowOpen');
    await expectRevert(module_.reclaimNested.staticCall(...reclaimArgs(K, 3n, kFinal())), 'ChallengeWindowOpen');
    await increaseTime(f.provider, A_WINDOW);
  });

  it("refuses a wrong frozen head: unknown chain, not the head, a wrong windowEnd, a wrong split of its state root", async () => {
    const bobs = kState1.witness(bob, ETH);
    const other = core.chainIdOf(core.ROOT_CHAIN_ID, 99n);
    await expectRevert(module_.escapeNestedExit.staticCall(...escapeArgs(bobs, { a: frozenHead({ chainId: other }) })), 'UnknownChain', [other]);
    await expectRevert(module_.escapeNestedExit.staticCall(...escapeArgs(bobs, { a: frozenHead({ head: A.headers.get(4n)! }) })), 'NotTheHead', [4n, 5n]);
    await expectRevert(module_.escapeNestedExit.staticCall(...escapeArgs(bobs, { a: frozenHead({ windowEnd: A.windowEnds.get(5n)! + 1n }) })), 'UnknownCommitment', [A.chainId, 5n]);
    await expectRevert(module_.escapeNestedExit.staticCall(...escapeArgs(bobs, { a: frozenHead({ accountsRoot: id('accounts') as Hex }) })), 'InvalidLedgerRoot', [A.chainId]);
  });

  it("refuses a block that is not K's last final one, and wrong ledger proofs", async () => {
    const bobs = kState1.witness(bob, ETH);
    const we2 = kBlocks.get(2n)!.windowEnd;
    // block 2 (K's head in A's ledger) was not final at T
    await expectRevert(module_.escapeNestedExit.staticCall(...escapeArgs(bobs, { c: finalChild(K, 2n, kBlocks) })), 'NotFinal', [K, 2n, we2, T]);
    // nothing final claimed while block 1 was; a block above the head
    await expectRevert(module_.escapeNestedExit.staticCall(...escapeArgs(bobs, { c: finalChild(K, 0n, kBlocks) })), 'NotLastFinal', [K, 0n]);
    await expectRevert(module_.escapeNestedExit.staticCall(...escapeArgs(bobs, { c: kFinal({ block: { ...kBlocks.get(2n)!.header, number: 3n } }) })), 'NotLastFinal', [K, 3n]);
    // a wrong `next`: its windowEnd, its proof, or none at all
    await expectRevert(module_.escapeNestedExit.staticCall(...escapeArgs(bobs, { c: kFinal({ nextWindowEnd: T }) })), 'InvalidLedgerProof', [K, 3n]);
    await expectRevert(module_.escapeNestedExit.staticCall(...escapeArgs(bobs, { c: kFinal({ nextProof: tamper(A.state.ledger.proof(core.ledgerKeys.commitment(K, 2n))) }) })), 'InvalidLedgerProof', [K, 3n]);
    await expectRevert(module_.escapeNestedExit.staticCall(...escapeArgs(bobs, { c: kFinal({ nextHash: ZeroHash, nextWindowEnd: 0n, nextProof: EMPTY_PROOF }) })), 'InvalidLedgerProof', [K, 3n]);
    // block n's record: another windowEnd, another chain's header
    await expectRevert(module_.escapeNestedExit.staticCall(...escapeArgs(bobs, { c: kFinal({ windowEnd: kBlocks.get(1n)!.windowEnd - 1n }) })), 'InvalidLedgerProof', [K, 3n]);
    await expectRevert(module_.escapeNestedExit.staticCall(...escapeArgs(bobs, { c: kFinal({ block: { ...kBlock1.header, chainId: K2 } }) })), 'UnknownCommitment', [K, 1n]);
    // K's Child entry: a tampered proof, a record that is not A's (the head moved)
    await expectRevert(module_.escapeNestedExit.staticCall(...escapeArgs(bobs, { c: kFinal({ recordProof: tamper(A.state.ledger.proof(core.ledgerKeys.child(K))) }) })), 'InvalidLedgerProof', [K, 0n]);
    await expectRevert(module_.escapeNestedExit.staticCall(...escapeArgs(bobs, { c: kFinal({ record: { ...childRecord(K), headNumber: 1n } }) })), 'InvalidLedgerProof', [K, 0n]);
    // the cap: a larger amount, a tampered proof; a proof with a surplus sibling is malformed
    await expectRevert(module_.escapeNestedExit.staticCall(...escapeArgs(bobs, { cap: cap(K, ETH, parseEther('100')) })), 'InvalidLedgerProof', [K, 1n]);
    const capProof = A.state.ledger.proof(core.ledgerKeys.subtreeBalance(K, ETH));
    await expectRevert(module_.escapeNestedExit.staticCall(...escapeArgs(bobs, { cap: { amount: parseEther('4.75'), proof: tamper(capProof) } })), 'InvalidLedgerProof', [K, 1n]);
    await expectRevert(module_.escapeNestedExit.staticCall(...escapeArgs(bobs, { cap: { amount: parseEther('4.75'), proof: { ...capProof, siblings: [...capProof.siblings, ZeroHash] } } })), 'BadLedgerProof');
    // an opening that does not hash to the deepest sibling is malformed too
    await expectRevert(module_.escapeNestedExit.staticCall(...escapeArgs(bobs, { cap: { amount: parseEther('4.75'), proof: { ...capProof, siblings: [...capProof.siblings.slice(0, -1), ZeroHash] } } })), 'BadLedgerProof');
  });

  it("core's builders and encoders (nestedEscape.ts) make exactly these calls: the same calldata, byte for byte", async () => {
    const blockOf = (n: bigint) => kBlocks.get(n)!;
    const a = core.frozenHead(A.state, A.head!, A.windowEnds.get(A.head!.number)!);
    const path = core.buildNestedPath(a, A.state.ledger, [{ child: K, blockOf }]);
    expect(path.via).toEqual([]);
    expect(core.nestedChildOf(path)).toBe(K);
    expect(core.lastFinalChildBlock(A.state.ledger, K, T, blockOf)).toBe(1n);
    // K's state at block 1, replayed from the block (the deposit records are A's ledger's).
    const atBlock1 = new core.ChainState(K);
    core.verifyBlock(kBlock1, null, atBlock1, { chainId: K, domain: A.domain, depositRecord: core.childDepositRecords(A.state.ledger, K), parentChainId: A.chainId });
    const bobs = kState1.witness(bob, ETH);
    const account = core.buildNestedAccountProof(path, atBlock1, bobs.slot);
    expect(core.encodeEscapeNestedExitCall(path, account)).toBe(module_.interface.encodeFunctionData('escapeNestedExit', escapeArgs(bobs)));
    const exit = core.buildNestedExitProof(path, blockOf(1n), kBlock1.exits[0] as core.Exit, 0n, core.exitProof(kBlock1, 0));
    expect(core.encodeExitNestedCall(path, exit)).toBe(module_.interface.encodeFunctionData('exitNested', exitArgs(0)));
    const deposit = core.buildNestedDepositProof(path, { nonce: 3n, ...depositOf(K, 3n) });
    expect(core.encodeReclaimNestedCall(path, deposit)).toBe(module_.interface.encodeFunctionData('reclaimNested', reclaimArgs(K, 3n, kFinal())));
    for (const [name, signature] of Object.entries(core.NESTED_ESCAPE_SIGNATURES)) expect(module_.interface.getFunction(name)!.format('sighash'), name).toBe(signature);
    // What the builders refuse before anything is sent: a slot or an exit A already paid itself.
    expect(() => core.buildNestedExitProof(path, blockOf(1n), kBlock1.exits[1] as core.Exit, 1n, core.exitProof(kBlock1, 1))).toThrow(/paid on its parent chain/);
    expect(() => core.buildNestedAccountProof(core.buildNestedPath(a, A.state.ledger, [{ child: K2, blockOf: () => k2Block }]), k2Lie, 1)).toThrow(/paid on its parent chain/);
  });

  it("pays the accounts of K's last final block once each (ETH and ERC-20), from K's cap", async () => {
    const bobs = kState1.witness(bob, ETH);
    // an account proof against the wrong root: block 2's witness, or another ledger root
    await expectRevert(module_.escapeNestedExit.staticCall(...escapeArgs(kState2.witness(bob, ETH))), 'InvalidAccountProof', [K, BigInt(bobs.slot)]);
    await expectRevert(module_.escapeNestedExit.staticCall(...escapeArgs(bobs, { childLedgerRoot: id('ledger') as Hex })), 'InvalidAccountProof', [K, BigInt(bobs.slot)]);
    await expectRevert(module_.escapeNestedExit.staticCall(...escapeArgs({ ...bobs, balance: parseEther('1') })), 'InvalidAccountProof', [K, BigInt(bobs.slot)]);
    await expectRevert(module_.escapeNestedExit.staticCall(...escapeArgs(kState1.empty)), 'ZeroAmount', []);
    // the EscapedSlot proof must show the entry absent: another slot's proof does not fold
    await expectRevert(module_.escapeNestedExit.staticCall(...escapeArgs(bobs, { escaped: escapedProof(K2, 1) })), 'InvalidLedgerProof', [K, 9n]);

    const before = await f.provider.getBalance(bob.address);
    const receipt = await send('escapeNestedExit', escapeArgs(bobs));
    gas.escapeNestedExit = Number(receipt.gasUsed);
    expect(await f.provider.getBalance(bob.address)).toBe(before + parseEther('0.75'));
    const [event] = eventsOf(module_, receipt, 'NestedEscapeExit');
    expect([event.chainId, event.child, event.slot, event.owner, event.token, event.amount]).toEqual([A.chainId, K, BigInt(bobs.slot), bob.address, ETH, parseEther('0.75')]);
    expect(await module_.isNestedEscaped(A.chainId, K, bobs.slot)).toBe(true);
    expect(await module_.nestedPaid(A.chainId, K, ETH)).toBe(parseEther('0.75'));
    await expectRevert(module_.escapeNestedExit.staticCall(...escapeArgs(bobs)), 'AlreadyEscaped', [K, BigInt(bobs.slot)]);

    const alices = kState1.witness(alice, ETH);
    const aliceBefore = await f.provider.getBalance(alice.address);
    await send('escapeNestedExit', escapeArgs(alices));
    expect(await f.provider.getBalance(alice.address)).toBe(aliceBefore + parseEther('1.5')); // 3 - 1 - 0.5

    const tokens = kState1.witness(alice, TST);
    const tokenBefore = (await f.token.balanceOf(alice.address)) as bigint;
    const r = await send('escapeNestedExit', escapeArgs(tokens));
    expect(await f.token.balanceOf(alice.address)).toBe(tokenBefore + 100n);
    expect(eventsOf(module_, r, 'NestedEscapeExit')[0].token).toBe(f.tokenAddress);
    expect(await module_.nestedPaid(A.chainId, K, TST)).toBe(100n);
    expect(await module_.isNestedEscaped(A.chainId, K, alices.slot)).toBe(true);
    expect(await module_.isNestedEscaped(A.chainId, K, 7)).toBe(false);
  });

  it("pays an exit of a final block of K that A never paid, once; refuses one A paid, one not final, a wrong proof", async () => {
    const exit0 = kBlock1.exits[0] as core.Exit;
    await expectRevert(module_.exitNested.staticCall(...exitArgs(0, { block: kBlocks.get(2n)! })), 'NotFinal', [K, 2n, kBlocks.get(2n)!.windowEnd, T]);
    await expectRevert(module_.exitNested.staticCall(...exitArgs(0, { block: { header: { ...kBlock1.header, number: 0n }, windowEnd: 0n } })), 'NotFinal', [K, 0n, 0n, T]);
    await expectRevert(module_.exitNested.staticCall(...exitArgs(0, { block: { ...kBlocks.get(1n)!, windowEnd: kBlocks.get(1n)!.windowEnd + 1n } })), 'InvalidLedgerProof', [K, 3n]);
    await expectRevert(module_.exitNested.staticCall(...exitArgs(0, { proof: core.exitProof(kBlock1, 0).slice(1) })), 'BadProofLength', [15n, 16n]);
    await expectRevert(module_.exitNested.staticCall(...exitArgs(0, { index: 1n << 16n })), 'ExitIndexOutOfRange', [1n << 16n]);
    await expectRevert(module_.exitNested.staticCall(...exitArgs(0, { exit: { ...exit0, amount: exit0.amount + 1n } })), 'InvalidExitProof', [K, 1n, 0n]);
    // bob's exit 1 was paid on A (FINALIZE_CHILD_EXIT): its SpentExit entry is there
    await expectRevert(module_.exitNested.staticCall(...exitArgs(1)), 'InvalidLedgerProof', [K, 4n]);
    await expectRevert(module_.exitNested.staticCall(...exitArgs(0, { spent: A.state.ledger.proof(core.ledgerKeys.spentExit(K, 1n, 1n)) })), 'InvalidLedgerProof', [K, 4n]);

    const before = await f.provider.getBalance(alice.address);
    const receipt = await send('exitNested', exitArgs(0));
    gas.exitNested = Number(receipt.gasUsed);
    expect(await f.provider.getBalance(alice.address)).toBe(before + parseEther('0.5'));
    const [event] = eventsOf(module_, receipt, 'NestedExitPaid');
    expect([event.chainId, event.child, event.number, event.index, event.recipient, event.token, event.amount]).toEqual([A.chainId, K, 1n, 0n, alice.address, ETH, parseEther('0.5')]);
    expect(await module_.isNestedExitPaid(A.chainId, K, 1n, 0n)).toBe(true);
    expect(await module_.isNestedExitPaid(A.chainId, K, 1n, 1n)).toBe(false);
    await expectRevert(module_.exitNested.staticCall(...exitArgs(0)), 'AlreadyWithdrawn', [K, 1n, 0n]);
  });

  it('gives back a deposit in flight to its depositor, once; refuses one K applied and a wrong record', async () => {
    await expectRevert(module_.reclaimNested.staticCall(...reclaimArgs(K, 1n, kFinal())), 'DepositApplied', [K, 1n, 2n]);
    await expectRevert(module_.reclaimNested.staticCall(...reclaimArgs(K, 3n, kFinal(), { amount: parseEther('3') })), 'UnknownDeposit', [K, 3n]);
    await expectRevert(module_.reclaimNested.staticCall(...reclaimArgs(K, 3n, kFinal(), { proof: tamper(A.state.ledger.proof(core.ledgerKeys.deposit(K, 3n))) })), 'UnknownDeposit', [K, 3n]);
    // the record without its stamp (the leaf is the stamped record's)
    const record = A.state.ledger.depositRecord(K, 3n);
    const unstamped = core.hashDeposit({ chainId: K, nonce: 3n, ...depositOf(K, 3n) });
    expect(unstamped).not.toBe(record);
    await expectRevert(module_.reclaimNested.staticCall(...reclaimArgs(K, 3n, kFinal(), { record: unstamped })), 'UnknownDeposit', [K, 3n]);

    const before = await f.provider.getBalance(alice.address);
    const receipt = await send('reclaimNested', reclaimArgs(K, 3n, kFinal()));
    gas.reclaimNested = Number(receipt.gasUsed);
    expect(await f.provider.getBalance(alice.address)).toBe(before + parseEther('2'));
    const [event] = eventsOf(module_, receipt, 'NestedDepositReclaimed');
    expect([event.chainId, event.child, event.nonce, event.from, event.token, event.amount]).toEqual([A.chainId, K, 3n, alice.address, ETH, parseEther('2')]);
    expect(await module_.isNestedReclaimed(A.chainId, K, 3n)).toBe(true);
    await expectRevert(module_.reclaimNested.staticCall(...reclaimArgs(K, 3n, kFinal())), 'UnknownDeposit', [K, 3n]);
    // K's cap is spent exactly: 0.75 + 1.5 + 0.5 + 2 = 4.75
    expect(await module_.nestedPaid(A.chainId, K, ETH)).toBe(parseEther('4.75'));
  });

  it('with nothing of a child final (n = 0): no account escape, every deposit in flight', async () => {
    const none = finalChild(K3, 0n, new Map());
    const some = core.accountWitness(k2Lie, 0);
    await expectRevert(module_.escapeNestedExit.staticCall(frozenHead(), [], none, ZeroHash, some, escapedProof(K3, 0), [cap(K3, ETH)]), 'NothingFinal', [K3]);
    const before = await f.provider.getBalance(alice.address);
    await send('reclaimNested', reclaimArgs(K3, 1n, none));
    expect(await f.provider.getBalance(alice.address)).toBe(before + parseEther('0.5'));
  });

  it("caps a lying child's final block by its subtree balance in A's ledger; a slot A paid is not paid again", async () => {
    const k2Blocks = new Map([[1n, k2Block]]);
    const c = finalChild(K2, 1n, k2Blocks);
    const args = (slot: number) => [frozenHead(), [], c, k2Lie.ledger.root, core.accountWitness(k2Lie, slot), escapedProof(K2, slot), [cap(K2, ETH)]] as const;
    // carol's slot was paid on A (ESCAPE_CHILD_EXIT): the EscapedSlot entry is in A's ledger
    await expectRevert(module_.escapeNestedExit.staticCall(...args(1)), 'InvalidLedgerProof', [K2, 9n]);
    // alice's 100 ETH against the 0.6 left of K2's subtree balance
    await expectRevert(module_.escapeNestedExit.staticCall(...args(0)), 'SubtreeBalanceExceeded', [K2, ETH, parseEther('100'), parseEther('0.6')]);
    expect(await module_.isNestedEscaped(A.chainId, K2, 0)).toBe(false);
  });

  it("leaves A's own escape hatch working; A's subtree balance at the root ends at what is left", async () => {
    const paidOut = async (w: Wallet, token: Hex) => {
      const proof = core.buildEscapeExitProof(A.state, A.state.slotOf(lower(w.address), token)!);
      const before = await f.provider.getBalance(w.address);
      await sendCall(relayer, f.rootAddress, core.encodeEscapeExitCall(A.chainId, A.head!, A.windowEnds.get(5n)!, proof));
      return (await f.provider.getBalance(w.address)) - before;
    };
    expect(await paidOut(dave, ETH)).toBe(parseEther('2'));
    expect(await paidOut(bob, ETH)).toBe(parseEther('0.25')); // the exit A paid bob from K's block 1
    // 12 ETH in: 4.75 (K's holders) + 0.5 (K3's deposit) + 2 (dave) + 0.25 (bob) out; left: alice's A account (3.47),
    // carol's (0.4, paid on A from K2), K2's 0.6 and the three bonds (0.03)
    expect(A.state.get(A.state.slotOf(lower(alice.address), ETH)!)!.balance).toBe(parseEther('3.47'));
    expect(await root.subtreeBalance(A.chainId, ETH)).toBe(parseEther('4.5'));
    expect(await root.subtreeBalance(A.chainId, TST)).toBe(900n);
  });

  it('reports its gas (each under 500,000)', () => {
    console.log('PlasmaNestedEscape gas', gas);
    for (const name of ['escapeNestedExit', 'exitNested', 'reclaimNested']) {
      expect(gas[name], name).toBeGreaterThan(21_000);
      expect(gas[name], name).toBeLessThan(500_000);
    }
  });
});

// ---- two levels down: root → A → K → J ---------------------------------------------------------------------------
//
// A second tree on the same node: A2 (a child of the root) spawns K (A2's block 2) and deposits 6 ETH into it; K's
// block 1 applies it, spawns J and deposits 2 ETH into J; J's block 1 applies that, alice sends bob 0.5 ETH, alice
// withdraws 0.5 (exit 0), bob 0.25 (exit 1), and J's validators lie: dave holds 5 ETH (J's subtree balance in K's
// ledger is never more than 3). K's block 2 commits J's block 1 and deposits 1 ETH for carol on J (in flight for ever);
// K's block 3 comes after J's block-1 window (J's block 1 is final by K's clock), pays bob's exit 1 of J on K and
// commits J's block 2 (not final at K's block 3). A2 commits K's blocks 1-3, its head comes after K's block-3 window
// (K's last final block is its head, 3), and A2 is frozen for its stall. J's holders leave along A2 → K → J.

const J_WINDOW = 100n; // J's in K's ledger (K's clock)

describe('PlasmaNestedEscape, two levels down: the holders of J (root → A → K → J) leave along the path', () => {
  let A2: ChildChain;
  let K: Hex;
  let J: Hex;
  let kState: core.ChainState; // K after its block 3: its last final block in A2's ledger
  let jState: core.ChainState; // J after its block 1 (the lie included): its last final block in K's ledger
  let jBlock1: core.Block; // as J built it (its exits); the header K committed is jBlocks.get(1n)
  const kBlocks = new Map<bigint, Committed>();
  const jBlocks = new Map<bigint, Committed>();
  let TA: bigint; // A2's clock at its head
  let TK: bigint; // K's clock at its block 3
  const gas2: Record<string, number> = {};
  const LIE = 7; // dave's slot in J's lying state

  beforeAll(async () => {
    const quorum = f.wallets.slice(10, 14);
    const kValidators = f.wallets.slice(14, 17);
    const jValidators = [0, 1, 2].map(() => new Wallet(Wallet.createRandom().privateKey));
    A2 = await ChildChain.spawn({ root, provider: f.provider, validators: quorum, threshold: 3, window: A_WINDOW, bond: core.ROOT_MIN_BOND, stallLimit: 10n * A_WINDOW, spawner: f.wallets[0] });
    const sign = (w: Wallet, tx: core.UnsignedTx): core.SignedTx => ({ ...tx, signature: core.secp256k1Scheme.sign(core.signedTxDigest(A2.domain, tx), w.privateKey as Hex) }) as core.SignedTx;
    const commitTx = (parent: Hex, child: Hex, header: core.Header, signers: Wallet[]): core.CommitChildTx => {
      const digest = core.commitmentDigest(A2.domain, child, header.number, core.hashHeader(header));
      const sorted = [...signers].sort((x, y) => (BigInt(x.address) < BigInt(y.address) ? -1 : 1));
      const signatures = core.bytesToHex(core.concatBytes(...sorted.map((s) => core.hexToBytes(core.secp256k1Scheme.sign(digest, s.privateKey as Hex)))));
      return { kind: core.TxKind.CommitChild, chainId: parent, child, header, signatures };
    };
    const commitA = async (fill: (b: core.BlockBuilder) => void) => {
      const block = A2.build(await latestTimestamp(f.provider), fill);
      await A2.commit(block);
      return block;
    };
    const spawn = (b: core.BlockBuilder, state: core.ChainState, validators: Wallet[], window: bigint) =>
      b.addSignedTx(sign(alice, {
        kind: core.TxKind.SpawnChild, chainId: state.chainId, ...slotNonce(state, alice, ETH), validators: validators.map((v) => lower(v.address)), threshold: 2,
        challengeWindow: window, bond: core.MIN_BOND,
      } as core.UnsignedTx));
    const toChild = (b: core.BlockBuilder, state: core.ChainState, child: Hex, amount: bigint, to: Wallet): core.Deposit => {
      b.addSignedTx(sign(alice, { kind: core.TxKind.DepositToChild, chainId: state.chainId, ...slotNonce(state, alice, ETH), child, to: lower(to.address), token: ETH, amount }));
      return { chainId: child, nonce: state.ledger.childInfo(child).depositCount, from: lower(alice.address), to: lower(to.address), token: ETH, amount };
    };

    // A2: alice's 10 ETH; K spawned; 6 ETH to K.
    await A2.deposit(alice, alice.address, parseEther('10'));
    await commitA((b) => A2.pendingDeposits(b));
    await commitA((b) => spawn(b, A2.state, kValidators, K_WINDOW));
    K = core.chainIdOf(A2.chainId, 0);
    let toK!: core.Deposit;
    const a3 = await commitA((b) => {
      toK = toChild(b, A2.state, K, parseEther('6'), alice);
    });

    // K's block 1: the 6 ETH, J spawned, 2 ETH to J.
    kState = new core.ChainState(K);
    const kctx: core.BlockContext = { chainId: K, domain: A2.domain, depositRecord: core.childDepositRecords(A2.state.ledger, K), parentChainId: A2.chainId };
    const kBlock = (parent: core.Header | null, timestamp: bigint, fill: (b: core.BlockBuilder) => void) => {
      const b = new core.BlockBuilder({ parent, state: kState, ctx: kctx, timestamp });
      fill(b);
      return b.seal();
    };
    let toJ!: core.Deposit;
    const k1 = kBlock(null, a3.header.timestamp, (b) => {
      b.addDeposit(toK);
      spawn(b, kState, jValidators, J_WINDOW);
      J = core.chainIdOf(K, 0);
      toJ = toChild(b, kState, J, parseEther('2'), alice);
    });

    // J's block 1: the 2 ETH, a transfer, two withdrawals; then the lie (dave's 5 ETH) in the state root K commits.
    jState = new core.ChainState(J);
    const jctx: core.BlockContext = { chainId: J, domain: A2.domain, depositRecord: core.childDepositRecords(kState.ledger, J), parentChainId: K };
    const jb = new core.BlockBuilder({ parent: null, state: jState, ctx: jctx, timestamp: k1.header.timestamp });
    const jSpend = (w: Wallet, kind: core.TxKind.Transfer | core.TxKind.Withdraw, to: Wallet, amount: bigint) =>
      sign(w, { kind, chainId: J, ...slotNonce(jState, w, ETH), to: lower(to.address), token: ETH, amount } as core.UnsignedTx);
    jb.addDeposit(toJ);
    jb.addSignedTx(jSpend(alice, core.TxKind.Transfer, bob, parseEther('0.5')));
    jb.addSignedTx(jSpend(alice, core.TxKind.Withdraw, alice, parseEther('0.5')));
    jb.addSignedTx(jSpend(bob, core.TxKind.Withdraw, bob, parseEther('0.25')));
    jBlock1 = jb.seal();
    jState.accounts.put(LIE, { owner: lower(dave.address), token: ETH, balance: parseEther('5'), nonce: 0n });
    const jHeader1: core.Header = { ...jBlock1.header, stateRoot: jState.root };

    // K's block 2 commits J's block 1 (window from K's block-2 time) and sends carol 1 ETH on J (never applied).
    const k2 = kBlock(k1.header, await latestTimestamp(f.provider), (b) => {
      b.addSignedTx(commitTx(K, J, jHeader1, jValidators.slice(0, 2)));
      toChild(b, kState, J, parseEther('1'), carol);
    });
    jBlocks.set(1n, { header: jHeader1, windowEnd: k2.header.timestamp + J_WINDOW });
    // A2's block 4 commits K's blocks 1 and 2.
    const a4 = await commitA((b) => {
      b.addSignedTx(commitTx(A2.chainId, K, k1.header, kValidators.slice(0, 2)));
      b.addSignedTx(commitTx(A2.chainId, K, k2.header, kValidators.slice(1, 3)));
    });
    kBlocks.set(1n, { header: k1.header, windowEnd: a4.header.timestamp + K_WINDOW });
    kBlocks.set(2n, { header: k2.header, windowEnd: a4.header.timestamp + K_WINDOW });

    // Past J's block-1 window: K's block 3 pays bob's exit 1 of J on K and commits J's block 2 (final only after TK).
    await increaseTime(f.provider, J_WINDOW + 10n);
    const jBlock2 = new core.BlockBuilder({ parent: jHeader1, state: jState, ctx: jctx, timestamp: k2.header.timestamp }).seal();
    const k3 = kBlock(k2.header, await latestTimestamp(f.provider), (b) => {
      b.addSignedTx({
        kind: core.TxKind.FinalizeChildExit, chainId: K, child: J, header: jHeader1, windowEnd: jBlocks.get(1n)!.windowEnd,
        exit: jBlock1.exits[1] as core.Exit, index: 1n, proof: core.exitProof(jBlock1, 1),
      });
      b.addSignedTx(commitTx(K, J, jBlock2.header, jValidators.slice(1, 3)));
    });
    jBlocks.set(2n, { header: jBlock2.header, windowEnd: k3.header.timestamp + J_WINDOW });
    TK = k3.header.timestamp;
    const a5 = await commitA((b) => b.addSignedTx(commitTx(A2.chainId, K, k3.header, kValidators.slice(0, 2))));
    kBlocks.set(3n, { header: k3.header, windowEnd: a5.header.timestamp + K_WINDOW });

    // A2's head comes after K's block-3 window; then A2 stalls, is frozen, and its head's window passes.
    await increaseTime(f.provider, K_WINDOW + 10n);
    await commitA(() => {});
    TA = A2.head!.timestamp;
    await increaseTime(f.provider, 10n * A_WINDOW + 1n);
    await mined((root.connect(relayer) as Contract).freezeStalled(A2.chainId));

    expect(jState.root).toBe(jHeader1.stateRoot); // J's block 2 changed nothing
    expect(kBlocks.get(3n)!.windowEnd).toBeLessThanOrEqual(TA);
    expect(jBlocks.get(1n)!.windowEnd).toBeLessThanOrEqual(TK);
    expect(jBlocks.get(2n)!.windowEnd).toBeGreaterThan(TK);
    expect(A2.state.ledger.childInfo(K)).toMatchObject({ headNumber: 3n, depositCount: 1n });
    expect(kState.ledger.childInfo(J)).toMatchObject({ headNumber: 2n, headDepositNonce: 1n, depositCount: 2n });
    expect(A2.state.ledger.subtreeBalance(K, ETH)).toBe(parseEther('6'));
    expect(kState.ledger.subtreeBalance(J, ETH)).toBe(parseEther('2.75')); // 2 + 1 in flight - bob's 0.25 paid on K
    expect(kState.ledger.isWithdrawn(J, 1n, 1n)).toBe(true);
  }, 120_000);

  // ---- the arguments: A2's head, the level K (its FinalChild in A2's ledger and the halves of block 3's state root), J

  const aHead = (over: Record<string, unknown> = {}) => ({
    chainId: A2.chainId, head: A2.head!, windowEnd: A2.windowEnds.get(A2.head!.number)!, accountsRoot: A2.state.accounts.root, ledgerRoot: A2.state.ledger.root, ...over,
  });

  const finalIn = (ledger: core.ParentLedger, child: Hex, n: bigint, blocks: Map<bigint, Committed>, over: Record<string, unknown> = {}) =>
    finalChild(child, n, blocks, over, ledger);

  const kLevel = (over: Record<string, unknown> = {}) => ({
    child: finalIn(A2.state.ledger, K, 3n, kBlocks), accountsRoot: kState.accounts.root, ledgerRoot: kState.ledger.root, ...over,
  });
  const jFinal = (over: Record<string, unknown> = {}) => finalIn(kState.ledger, J, 1n, jBlocks, over);
  const capIn = (ledger: core.ParentLedger, child: Hex, amount = ledger.subtreeBalance(child, ETH)) => ({ amount, proof: ledger.proof(core.ledgerKeys.subtreeBalance(child, ETH)) });
  const caps = () => [capIn(A2.state.ledger, K), capIn(kState.ledger, J)];
  const jWitness = (slot: number) => core.accountWitness(jState, slot);
  const jSlot = (w: Wallet) => jState.slotOf(lower(w.address), ETH)!;

  function escape2(slot: number, over: { via?: object[]; c?: object; childLedgerRoot?: Hex; escaped?: object; caps?: object[] } = {}) {
    return [aHead(), over.via ?? [kLevel()], over.c ?? jFinal(), over.childLedgerRoot ?? jState.ledger.root, jWitness(slot),
      over.escaped ?? kState.ledger.proof(core.ledgerKeys.escapedSlot(J, slot)), over.caps ?? caps()] as const;
  }
  function exit2(index: number, over: { via?: object[]; c?: object } = {}) {
    const block = jBlocks.get(1n)!;
    return [aHead(), over.via ?? [kLevel()], over.c ?? jFinal(), block.header, block.windowEnd, kState.ledger.proof(core.ledgerKeys.commitment(J, 1n)),
      jBlock1.exits[index] as core.Exit, BigInt(index), core.exitProof(jBlock1, index), kState.ledger.proof(core.ledgerKeys.spentExit(J, 1n, BigInt(index))), caps()] as const;
  }
  function reclaim2(nonce: bigint, d: { from: Wallet; to: Wallet; amount: bigint }) {
    return [aHead(), [kLevel()], jFinal(), nonce, lower(d.from.address), lower(d.to.address), ETH, d.amount, kState.ledger.depositRecord(J, nonce),
      kState.ledger.proof(core.ledgerKeys.deposit(J, nonce)), caps()] as const;
  }
  const carolsDeposit = () => ({ from: alice, to: carol, amount: parseEther('1') });

  it("core's path builder and encoders make exactly these two-level calls, byte for byte", () => {
    const a = core.frozenHead(A2.state, A2.head!, A2.windowEnds.get(A2.head!.number)!);
    const path = core.buildNestedPath(a, A2.state.ledger, [
      { child: K, blockOf: (n) => kBlocks.get(n)!, stateAt: (n) => (n === 3n ? kState : new core.ChainState(K)) },
      { child: J, blockOf: (n) => jBlocks.get(n)! },
    ]);
    expect(path.via.map((l) => l.child.block.number)).toEqual([3n]);
    expect(path.final.block.number).toBe(1n);
    expect(core.nestedChildOf(path)).toBe(J);
    expect(path.levels.map((l) => l.child)).toEqual([K, J]);
    const alices = core.buildNestedAccountProof(path, jState, jSlot(alice));
    expect(alices.caps.map((c) => c.amount)).toEqual([parseEther('6'), parseEther('2.75')]);
    expect(core.encodeEscapeNestedExitCall(path, alices)).toBe(module_.interface.encodeFunctionData('escapeNestedExit', escape2(jSlot(alice))));
    const exit = core.buildNestedExitProof(path, jBlocks.get(1n)!, jBlock1.exits[0] as core.Exit, 0n, core.exitProof(jBlock1, 0));
    expect(core.encodeExitNestedCall(path, exit)).toBe(module_.interface.encodeFunctionData('exitNested', exit2(0)));
    const deposit = core.buildNestedDepositProof(path, { nonce: 2n, from: lower(alice.address), to: lower(carol.address), token: ETH, amount: parseEther('1') });
    expect(core.encodeReclaimNestedCall(path, deposit)).toBe(module_.interface.encodeFunctionData('reclaimNested', reclaim2(2n, carolsDeposit())));
    // What the builders refuse: bob's exit 1 (paid on K), a level's state that is not its block's, J's block 2 as a level.
    expect(() => core.buildNestedExitProof(path, jBlocks.get(1n)!, jBlock1.exits[1] as core.Exit, 1n, core.exitProof(jBlock1, 1))).toThrow(/paid on its parent chain/);
    expect(() => core.buildNestedPath(a, A2.state.ledger, [{ child: K, blockOf: (n) => kBlocks.get(n)!, stateAt: () => jState }, { child: J, blockOf: (n) => jBlocks.get(n)! }])).toThrow(/not block 3/);
    expect(() => core.buildNestedPath(a, A2.state.ledger, [{ child: J, blockOf: (n) => jBlocks.get(n)! }])).toThrow(/not a child/);
  });

  it('refuses a path that is not one: a child that is not the outer chain\'s, a forged inner ledger, J\'s block 2 (not final by K\'s clock)', async () => {
    const alices = jSlot(alice);
    // J proved in A2's ledger (K skipped): the module reads index 0 of A2, which is K, and J's record does not fold there
    await expectRevert(module_.escapeNestedExit.staticCall(...escape2(alices, { via: [], caps: [capIn(A2.state.ledger, K)] })), 'InvalidLedgerProof', [K, 0n]);
    // K's own record as the child of K: its id is J's, its record is not J's in K's ledger
    await expectRevert(module_.escapeNestedExit.staticCall(...escape2(alices, { c: finalIn(A2.state.ledger, K, 3n, kBlocks) })), 'InvalidLedgerProof', [J, 0n]);
    // a forged inner ledger: K's split that is not block 3's state root; J's record proved with a tampered proof
    await expectRevert(module_.escapeNestedExit.staticCall(...escape2(alices, { via: [kLevel({ ledgerRoot: id('ledger') })] })), 'InvalidLedgerRoot', [K]);
    await expectRevert(module_.escapeNestedExit.staticCall(...escape2(alices, { via: [kLevel({ accountsRoot: A2.state.accounts.root })] })), 'InvalidLedgerRoot', [K]);
    await expectRevert(module_.escapeNestedExit.staticCall(...escape2(alices, { c: jFinal({ recordProof: tamper(kState.ledger.proof(core.ledgerKeys.child(J))) }) })), 'InvalidLedgerProof', [J, 0n]);
    // J's cap claimed larger than K's ledger holds, or proved against A2's ledger
    await expectRevert(module_.escapeNestedExit.staticCall(...escape2(alices, { caps: [capIn(A2.state.ledger, K), capIn(kState.ledger, J, parseEther('100'))] })), 'InvalidLedgerProof', [J, 1n]);
    await expectRevert(module_.escapeNestedExit.staticCall(...escape2(alices, { caps: [capIn(A2.state.ledger, K), capIn(A2.state.ledger, K)] })), 'InvalidLedgerProof', [J, 1n]);
    // one cap per level
    await expectRevert(module_.escapeNestedExit.staticCall(...escape2(alices, { caps: [capIn(kState.ledger, J)] })), 'BadProofLength', [1n, 2n]);
    // J's block 2 was committed by K's block 3: its window ends after K's clock at 3
    await expectRevert(module_.escapeNestedExit.staticCall(...escape2(alices, { c: finalIn(kState.ledger, J, 2n, jBlocks) })), 'NotFinal', [J, 2n, jBlocks.get(2n)!.windowEnd, TK]);
    // K's block 2 as K's last final one (3 was final by A2's clock)
    await expectRevert(module_.escapeNestedExit.staticCall(...escape2(alices, { via: [kLevel({ child: finalIn(A2.state.ledger, K, 2n, kBlocks) })] })), 'NotLastFinal', [K, 2n]);
  });

  it("caps J's lying block at J's subtree balance in K's ledger (the inner level), under K's in A2's", async () => {
    await expectRevert(module_.escapeNestedExit.staticCall(...escape2(LIE)), 'SubtreeBalanceExceeded', [J, ETH, parseEther('5'), parseEther('2.75')]);
  });

  it("pays J's accounts at its last final block, once each; both caps count", async () => {
    const slot = jSlot(bob);
    const before = await f.provider.getBalance(bob.address);
    const receipt = await send('escapeNestedExit', escape2(slot));
    gas2.escapeNestedExit = Number(receipt.gasUsed);
    expect(await f.provider.getBalance(bob.address)).toBe(before + parseEther('0.25'));
    const [event] = eventsOf(module_, receipt, 'NestedEscapeExit');
    expect([event.chainId, event.child, event.slot, event.owner, event.amount]).toEqual([A2.chainId, J, BigInt(slot), bob.address, parseEther('0.25')]);
    expect(await module_.isNestedEscaped(A2.chainId, J, slot)).toBe(true);
    expect(await module_.isNestedEscaped(A2.chainId, K, slot)).toBe(false);
    // the same slot twice, along the same path
    await expectRevert(module_.escapeNestedExit.staticCall(...escape2(slot)), 'AlreadyEscaped', [J, BigInt(slot)]);
    const aliceBefore = await f.provider.getBalance(alice.address);
    await send('escapeNestedExit', escape2(jSlot(alice)));
    expect(await f.provider.getBalance(alice.address)).toBe(aliceBefore + parseEther('1')); // 2 - 0.5 - 0.5
    expect(await module_.nestedPaid(A2.chainId, J, ETH)).toBe(parseEther('1.25'));
    expect(await module_.nestedPaid(A2.chainId, K, ETH)).toBe(parseEther('1.25'));
  });

  it("pays an exit of J's final block that K never paid, once; refuses the one K paid", async () => {
    await expectRevert(module_.exitNested.staticCall(...exit2(1)), 'InvalidLedgerProof', [J, 4n]);
    const before = await f.provider.getBalance(alice.address);
    const receipt = await send('exitNested', exit2(0));
    gas2.exitNested = Number(receipt.gasUsed);
    expect(await f.provider.getBalance(alice.address)).toBe(before + parseEther('0.5'));
    const [event] = eventsOf(module_, receipt, 'NestedExitPaid');
    expect([event.chainId, event.child, event.number, event.index, event.recipient, event.amount]).toEqual([A2.chainId, J, 1n, 0n, alice.address, parseEther('0.5')]);
    expect(await module_.isNestedExitPaid(A2.chainId, J, 1n, 0n)).toBe(true);
    await expectRevert(module_.exitNested.staticCall(...exit2(0)), 'AlreadyWithdrawn', [J, 1n, 0n]);
  });

  it('gives back a deposit K sent J that J never applied, to its depositor, once', async () => {
    await expectRevert(module_.reclaimNested.staticCall(...reclaim2(1n, { from: alice, to: alice, amount: parseEther('2') })), 'DepositApplied', [J, 1n, 1n]);
    const before = await f.provider.getBalance(alice.address);
    const receipt = await send('reclaimNested', reclaim2(2n, carolsDeposit()));
    gas2.reclaimNested = Number(receipt.gasUsed);
    expect(await f.provider.getBalance(alice.address)).toBe(before + parseEther('1'));
    const [event] = eventsOf(module_, receipt, 'NestedDepositReclaimed');
    expect([event.chainId, event.child, event.nonce, event.from, event.amount]).toEqual([A2.chainId, J, 2n, alice.address, parseEther('1')]);
    await expectRevert(module_.reclaimNested.staticCall(...reclaim2(2n, carolsDeposit())), 'UnknownDeposit', [J, 2n]);
    // J's cap is spent exactly (0.25 + 1 + 0.5 + 1 = 2.75); the lie is now refused at the outer level first (the caps are
    // checked A2's child first): 5 ETH against the 6 - 2.75 left of K's
    expect(await module_.nestedPaid(A2.chainId, J, ETH)).toBe(parseEther('2.75'));
    await expectRevert(module_.escapeNestedExit.staticCall(...escape2(LIE)), 'SubtreeBalanceExceeded', [K, ETH, parseEther('5'), parseEther('3.25')]);
  });

  it("K's own holders leave along the one-level path, from the same cap of K in A2's ledger", async () => {
    const kWitness = core.accountWitness(kState, kState.slotOf(lower(bob.address), ETH)!); // bob's exit 1 of J, paid on K
    const c = finalIn(A2.state.ledger, K, 3n, kBlocks);
    const args = [aHead(), [], c, kState.ledger.root, kWitness, A2.state.ledger.proof(core.ledgerKeys.escapedSlot(K, kWitness.slot)), [capIn(A2.state.ledger, K)]] as const;
    const before = await f.provider.getBalance(bob.address);
    await send('escapeNestedExit', args);
    expect(await f.provider.getBalance(bob.address)).toBe(before + parseEther('0.25'));
    expect(await module_.nestedPaid(A2.chainId, K, ETH)).toBe(parseEther('3')); // J's 2.75 and bob's 0.25
    expect(await module_.nestedPaid(A2.chainId, J, ETH)).toBe(parseEther('2.75'));
  });

  it('reports the gas of the two-level calls (each under 500,000; a third level would not be)', () => {
    console.log('PlasmaNestedEscape gas, two levels (A → K → J)', gas2);
    for (const name of ['escapeNestedExit', 'exitNested', 'reclaimNested']) {
      expect(gas2[name], name).toBeGreaterThan(gas[name] ?? 21_000); // more than the one-level call
      expect(gas2[name], name).toBeLessThan(500_000);
    }
  });
});
