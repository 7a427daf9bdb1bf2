/**
 * Transition proofs of the registry kinds at the root (docs/LEDGER-PROOFS.md §4) on the tree of ./ledgerFraudFixture.ts:
 * txs of kinds 3 (DEPOSIT_TO_CHILD), 4 (COMMIT_CHILD) and 6 (SPAWN_CHILD) that core's STF accepts or refuses are judged
 * by PlasmaLedgerRegistry: the refusal it names is core's error code, the post-state root it recomputes is core's, a
 * wrong claimed root is FAULT_POST_ROOT_MISMATCH; bad witnesses (the ledger values, kind 4's validator set, kind 6's
 * sort) revert. Besides the fixture's K (threshold 1, two blocks) and K2 (frozen), A spawns K3 here: three validators,
 * threshold 2, no block yet (block 1 reads no parent commitment; quorums of several signers). Last, the root convicts A
 * for a COMMIT_CHILD of a header K's validators never signed.
 */
import * as core from '@plasma-tree/core';
import { Interface, ZeroAddress, id, parseEther, type Wallet, ZeroHash } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadArtifact } from '../index.js';
import { expectRevert, latestTimestamp } from './helpers.js';
import {
  convictAtRoot, expectBlockTxParity, ETH, FAULT_LEDGER_REFUSED, K_WINDOW, aliceNonce, buildLedgerTree, commitA, commitChildTx, expectParity, judge, proofOf, reexecute, rootArgs, signTx, t, expectCoreWitnessError
} from './ledgerFraudFixture.js';

type Hex = core.Hex;
const lower = (s: string): Hex => s.toLowerCase() as Hex;
const CURVE_ORDER = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const DAY = 86_400n;

/** K3: spawned here by alice, validators k3Validators, threshold 2, no block committed. */
let K3: Hex;
let k3Validators: Wallet[];

beforeAll(async () => {
  await buildLedgerTree();
  k3Validators = [t.kValidator, t.f.wallets[15], t.f.wallets[16]];
  await commitA((b) => b.addSignedTx(spawnTx({ validators: k3Validators.map((w) => lower(w.address)), threshold: 2 })));
  K3 = core.chainIdOf(t.A.chainId, 2);
  expect(t.A.state.ledger.childInfo(K3).threshold).toBe(2);
}, 120_000);

afterAll(async () => {
  await t.f?.stop();
});

// ---- txs ------------------------------------------------------------------------------------------------------

function depositTx(over: Record<string, unknown> = {}, signer: Wallet = t.alice): core.SignedTx {
  return signTx(signer, {
    kind: core.TxKind.DepositToChild, chainId: t.A.chainId, ...aliceNonce(), child: t.K, to: lower(t.alice.address), token: ETH, amount: parseEther('1'), ...over,
  } as core.UnsignedTx);
}

function spawnTx(over: Record<string, unknown> = {}, signer: Wallet = t.alice): core.SignedTx {
  // Deliberately not ascending: the module sorts them with the permutation core gives as the extra witness.
  const validators = [t.f.wallets[16], t.kValidator, t.f.wallets[15]].map((w) => lower(w.address));
  return signTx(signer, {
    kind: core.TxKind.SpawnChild, chainId: t.A.chainId, ...aliceNonce(), validators, threshold: 2, challengeWindow: K_WINDOW, bond: core.MIN_BOND, ...over,
  } as core.UnsignedTx);
}

/** The Commitment signatures of `signers` over block `header` of `child`, in the order given. */
function signaturesOf(child: Hex, header: core.Header, signers: readonly Wallet[]): Hex {
  const digest = core.commitmentDigest(t.A.domain, child, header.number, core.hashHeader(header));
  return core.bytesToHex(core.concatBytes(...signers.map((s) => core.hexToBytes(core.secp256k1Scheme.sign(digest, s.privateKey as Hex)))));
}

const ascending = (ws: readonly Wallet[]): Wallet[] => [...ws].sort((x, y) => (BigInt(x.address) < BigInt(y.address) ? -1 : 1));

/** COMMIT_CHILD of `header` of `child` with `signatures` (default: K's validator alone). */
function commitTx(child: Hex, header: core.Header, signatures?: Hex): core.CommitChildTx {
  const tx = commitChildTx(child, header);
  return signatures === undefined ? tx : { ...tx, signatures };
}

/** K's block 3 on its committed block 2. */
function k3Header(over: Partial<core.Header> = {}): core.Header {
  return { ...t.kBlock2.header, number: 3n, parentHash: core.hashHeader(t.kBlock2.header), ...over };
}

/** K3's block 1. */
function k3Block1(over: Partial<core.Header> = {}): core.Header {
  return { ...t.kBlock1.header, chainId: K3, number: 1n, parentHash: core.ZERO_BYTES32, depositNonce: 0n, ...over };
}

/** K's validator's signature of `header`, with its bytes changed by `edit`. */
function editedSignature(header: core.Header, edit: (sig: Uint8Array) => void): Hex {
  const sig = core.hexToBytes(signaturesOf(t.K, header, [t.kValidator]));
  edit(sig);
  return core.bytesToHex(sig);
}

// ---- verdicts ---------------------------------------------------------------------------------------------------

const place = (tx: core.SignedTx): core.BlockTx => core.placeSignedTx(t.A.state, tx, t.A.ctx);

/** The proof of `tx` in a forged block, with its ledger witness changed by `edit`. */
function editedProof(tx: core.SignedTx, edit: (ledger: core.LedgerTransitionProof['ledger']) => core.LedgerTransitionProof['ledger']): Hex {
  const { block } = forgeBlock(tx);
  const proof = proofOf(block);
  return rootArgs({ ...proof, ledger: edit(proof.ledger) });
}

function forgeBlock(tx: core.SignedTx): { block: core.Block } {
  const timestamp = t.A.head!.timestamp + 1n;
  const blockTx = place(tx);
  const { honest } = reexecute(blockTx, timestamp);
  return { block: t.A.forge([blockTx], [honest ?? t.A.state.root], { timestamp }) };
}

const registry = new Interface(loadArtifact('PlasmaLedgerRegistry').abi);

/** The call reverts with PlasmaLedgerRegistry's custom error `name` (helpers' decoder does not list the module). */
async function expectRegistryRevert(p: Promise<unknown>, name: string): Promise<void> {
  let error: unknown;
  try {
    await p;
  } catch (e) {
    error = e;
  }
  expect(error, `expected a revert with ${name}`).toBeDefined();
  const data = (error as { data?: string }).data ?? (error as { info?: { error?: { data?: string } } }).info?.error?.data;
  expect(registry.parseError(data!)?.name).toBe(name);
}

const uint16Array = (order: number[]): Hex =>
  core.bytesToHex(core.concatBytes(core.encodeWords(['uint256', 'uint256'], [32n, BigInt(order.length)]), ...order.map((i) => core.encodeWords(['uint256'], [BigInt(i)]))));

/** The permutation in kind 6's extra witness, abi.encode(uint16[] order). */
const orderOf = (extra: Hex): number[] => {
  const bytes = core.hexToBytes(extra);
  return Array.from({ length: bytes.length / 32 - 2 }, (_, i) => Number(BigInt(core.bytesToHex(bytes.subarray(64 + i * 32, 96 + i * 32)))));
};

// ---- kind 3 -----------------------------------------------------------------------------------------------------

describe('kind 3 DEPOSIT_TO_CHILD: PlasmaLedgerRegistry judges as core does', () => {
  it("recomputes core's post-state root of a deposit into K, and convicts a wrong one", () => expectParity(depositTx(), undefined));
  it("recomputes core's post-state root of a deposit into K3 (its first: nonce 1, no subtree balance yet)", () => expectParity(depositTx({ child: K3 }), undefined));

  const refusals: [string, () => core.SignedTx, string][] = [
    ['a deposit of nothing', () => depositTx({ amount: 0n }), 'ZERO_AMOUNT'],
    ['a deposit from an empty slot', () => depositTx({ slot: 999 }), 'UNKNOWN_SLOT'],
    ["a deposit from alice's slot signed by bob", () => depositTx({}, t.f.wallets[2]), 'SLOT_OWNER_MISMATCH'],
    ['a deposit of a token the slot does not hold', () => depositTx({ token: '0x00000000000000000000000000000000000000aa' }), 'SLOT_TOKEN_MISMATCH'],
    ['a deposit with a used nonce', () => depositTx({ nonce: aliceNonce().nonce - 1n }), 'NONCE_MISMATCH'],
    ['a deposit above the balance', () => depositTx({ amount: parseEther('1000') }), 'INSUFFICIENT_BALANCE'],
    ['a deposit into no child', () => depositTx({ child: core.chainIdOf(t.A.chainId, 9) }), 'UNKNOWN_CHAIN'],
    ['a deposit into a frozen child', () => depositTx({ child: t.K2 }), 'CHAIN_IS_FROZEN'],
    ['a deposit to the zero address', () => depositTx({ to: ZeroAddress }), 'ZERO_RECIPIENT'],
  ];
  for (const [what, tx, code] of refusals) it(`refuses ${what}: ${code}`, () => expectParity(tx(), code));

  it('refuses a deposit whose signature is not its sender\'s: BAD_SIGNATURE', async () => {
    const tx = place(depositTx());
    await expectBlockTxParity({ ...tx, amount: tx.amount - 1n }, 'BAD_SIGNATURE');
  });
  it('refuses a deposit stamped at a time past 40 bits: VALUE_OUT_OF_RANGE', () => expectParity(depositTx(), 'VALUE_OUT_OF_RANGE', { timestamp: 1n << 40n }));

  it('reverts on a subtree balance claimed other than it is, and on a deposit slot that is not empty', async () => {
    const word = (v: bigint): Hex => core.bytesToHex(core.encodeWords(['uint256'], [v]));
    const richer = editedProof(depositTx(), (l) => ({ ...l, entries: l.entries.map((e, i) => (i === 2 ? { ...e, value: word(1n) } : e)) }));
    await expectRevert(t.verifier.ledgerTransition(t.domainSeparator, ZeroHash, 3, richer), 'InvalidLedgerWitness', [2n]);
    expectCoreWitnessError(richer, 'INVALID_LEDGER_WITNESS', 2n);
    const taken = editedProof(depositTx(), (l) => ({ ...l, entries: l.entries.map((e, i) => (i === 3 ? { ...e, value: word(7n) } : e)) }));
    await expectRevert(t.verifier.ledgerTransition(t.domainSeparator, ZeroHash, 3, taken), 'InvalidLedgerWitness', [3n]);
    expectCoreWitnessError(taken, 'INVALID_LEDGER_WITNESS', 3n);
  });
});

// ---- kind 4 -----------------------------------------------------------------------------------------------------

describe('kind 4 COMMIT_CHILD: PlasmaLedgerRegistry judges as core does', () => {
  it("recomputes core's post-state root of K's block 3 (on its head's commitment), and convicts a wrong one", () => expectParity(commitTx(t.K, k3Header()), undefined));
  it("recomputes core's post-state root of K3's block 1 signed 2 of 3 (no parent commitment read)", () =>
    expectParity(commitTx(K3, k3Block1(), signaturesOf(K3, k3Block1(), ascending(k3Validators.slice(1)))), undefined));

  const refusals: [string, () => core.SignedTx, string, bigint?][] = [
    ['a commit to no child', () => commitTx(core.chainIdOf(t.A.chainId, 9), { ...k3Header(), chainId: core.chainIdOf(t.A.chainId, 9) }), 'UNKNOWN_CHAIN'],
    ['a commit to a frozen child', () => commitTx(t.K2, { ...k3Header(), chainId: t.K2, number: 1n, parentHash: core.ZERO_BYTES32 }), 'CHAIN_IS_FROZEN'],
    ["a header of another chain", () => commitTx(t.K, k3Header({ chainId: t.K2 })), 'CHAIN_ID_MISMATCH'],
    ['a block after the next', () => commitTx(t.K, k3Header({ number: 4n })), 'WRONG_BLOCK_NUMBER'],
    ['a block the head already has', () => commitTx(t.K, k3Header({ number: 2n })), 'WRONG_BLOCK_NUMBER'],
    ['a block 3 on block 1', () => commitTx(t.K, k3Header({ parentHash: core.hashHeader(t.kBlock1.header) })), 'WRONG_PARENT_HASH'],
    ['a block 1 with a parent', () => commitTx(K3, k3Block1({ parentHash: core.hashHeader(t.kBlock1.header) })), 'WRONG_PARENT_HASH'],
    ['a block applying a deposit never made', () => commitTx(t.K, k3Header({ depositNonce: 2n })), 'DEPOSIT_NONCE_OUT_OF_RANGE'],
    ['a block applying fewer deposits than its head', () => commitTx(t.K, k3Header({ depositNonce: 0n })), 'DEPOSIT_NONCE_OUT_OF_RANGE'],
    ['a block with a cut signature', () => commitTx(t.K, k3Header(), editedSignature(k3Header(), () => {}).slice(0, -2) as Hex), 'BAD_SIGNATURES_LENGTH'],
    ['a block nobody signed', () => commitTx(t.K, k3Header(), '0x'), 'NOT_ENOUGH_SIGNATURES'],
    ['a block signed by 1 of K3\'s threshold 2', () => commitTx(K3, k3Block1(), signaturesOf(K3, k3Block1(), [t.kValidator])), 'NOT_ENOUGH_SIGNATURES'],
    ['a signature with v = 29', () => commitTx(t.K, k3Header(), editedSignature(k3Header(), (s) => { s[64] = 29; })), 'SIGNATURE_BAD_V'],
    ['a signature with a high s', () => commitTx(t.K, k3Header(), editedSignature(k3Header(), (s) => {
      s.set(core.hexToBytes(core.bytesToHex(core.encodeWords(['uint256'], [CURVE_ORDER - BigInt(core.bytesToHex(s.subarray(32, 64)))]))), 32);
      s[64] = s[64] === 27 ? 28 : 27;
    })), 'SIGNATURE_HIGH_S'],
    ['a signature that recovers nobody (r = 0)', () => commitTx(t.K, k3Header(), editedSignature(k3Header(), (s) => s.fill(0, 0, 32))), 'INVALID_SIGNATURE'],
    ['a block signed by alice', () => commitTx(t.K, k3Header(), signaturesOf(t.K, k3Header(), [t.alice])), 'SIGNER_NOT_VALIDATOR'],
    ['a block signed by a validator and alice', () => commitTx(K3, k3Block1(), signaturesOf(K3, k3Block1(), ascending([t.alice, t.kValidator]))), 'SIGNER_NOT_VALIDATOR'],
    ['signers in descending order', () => commitTx(K3, k3Block1(), signaturesOf(K3, k3Block1(), ascending(k3Validators.slice(1)).reverse())), 'SIGNERS_NOT_SORTED'],
    ['one signer twice', () => commitTx(K3, k3Block1(), signaturesOf(K3, k3Block1(), [t.kValidator, t.kValidator])), 'SIGNERS_NOT_SORTED'],
    ['a window ending past 40 bits', () => commitTx(t.K, k3Header()), 'SAFE_CAST_OVERFLOWED_UINT_DOWNCAST', (1n << 40n) - 1n],
  ];
  for (const [what, tx, code, timestamp] of refusals) {
    it(`refuses ${what}: ${code}`, () => expectParity(tx(), code, timestamp === undefined ? {} : { timestamp }));
  }

  it('reverts on a validator set other than the child\'s (BadValidatorWitness), and on a forged head', async () => {
    const extra = (validators: Hex[]): Hex => core.bytesToHex(core.concatBytes(
      core.encodeWords(['uint256', 'uint256'], [32n, BigInt(validators.length)]), ...validators.map((v) => core.encodeWords(['address'], [v])),
    ));
    // alice claims to be K's validator set: her own signature would then be a quorum.
    const tx = commitTx(t.K, k3Header(), signaturesOf(t.K, k3Header(), [t.alice]));
    const aliceSet = editedProof(tx, (l) => ({ ...l, extra: extra([lower(t.alice.address)]) }));
    await expectRegistryRevert(t.verifier.ledgerTransition(t.domainSeparator, ZeroHash, 4, aliceSet), 'BadValidatorWitness');
    expectCoreWitnessError(aliceSet, 'BAD_VALIDATOR_WITNESS');
    const none = editedProof(tx, (l) => ({ ...l, extra: extra([]) }));
    await expectRegistryRevert(t.verifier.ledgerTransition(t.domainSeparator, ZeroHash, 4, none), 'BadValidatorWitness');
    expectCoreWitnessError(none, 'BAD_VALIDATOR_WITNESS');
    // K's head claimed at block 3: block 4 would be next; the Child witness no longer folds.
    const info = t.A.state.ledger.childInfo(t.K);
    const { chainId: _c, parentChainId: _p, validators, ...rest } = info;
    const forged = core.bytesToHex(core.ledgerEntryValue({ kind: core.LedgerKind.Child, child: t.K, ...rest, validators, headNumber: 3n }));
    const ahead = editedProof(commitTx(t.K, k3Header({ number: 4n })), (l) => ({ ...l, entries: l.entries.map((e, i) => (i === 0 ? { ...e, value: forged } : e)) }));
    await expectRevert(t.verifier.ledgerTransition(t.domainSeparator, ZeroHash, 4, ahead), 'InvalidLedgerWitness', [0n]);
    expectCoreWitnessError(ahead, 'INVALID_LEDGER_WITNESS', 0n);
  });
});

// ---- kind 6 -----------------------------------------------------------------------------------------------------

describe('kind 6 SPAWN_CHILD: PlasmaLedgerRegistry judges as core does', () => {
  it("recomputes core's post-state root of a spawn (unsorted validators, the default stall limit), and convicts a wrong one", () => expectParity(spawnTx(), undefined));
  it("recomputes core's post-state root of a spawn with its own stall limit and the whole bond of a larger one", () =>
    expectParity(spawnTx({ stallLimit: 3n * DAY, threshold: 3, bond: parseEther('0.5') }), undefined));
  it("recomputes core's post-state root of a spawn whose window is above the default stall limit", () =>
    expectParity(spawnTx({ challengeWindow: 8n * DAY, threshold: 1, validators: [lower(t.kValidator.address)] }), undefined));

  const many = () => Array.from({ length: 257 }, (_, i) => core.bytesToHex(core.encodeWords(['uint256'], [BigInt(i + 1)])).replace(/^0x0{24}/, '0x') as Hex);
  const refusals: [string, () => core.SignedTx, string, bigint?][] = [
    ['a spawn from an empty slot', () => spawnTx({ slot: 999 }), 'UNKNOWN_SLOT'],
    ["a spawn from alice's slot signed by bob", () => spawnTx({}, t.f.wallets[2]), 'SLOT_OWNER_MISMATCH'],
    ['a spawn with a used nonce', () => spawnTx({ nonce: aliceNonce().nonce + 1n }), 'NONCE_MISMATCH'],
    ['a bond above the balance', () => spawnTx({ bond: parseEther('1000') }), 'INSUFFICIENT_BALANCE'],
    ['a bond below the minimum', () => spawnTx({ bond: core.MIN_BOND - 1n }), 'BOND_TOO_LOW'],
    ['no validators', () => spawnTx({ validators: [] }), 'EMPTY_VALIDATOR_SET'],
    ['257 validators', () => spawnTx({ validators: many(), threshold: 1 }), 'TOO_MANY_VALIDATORS'],
    ['threshold 0', () => spawnTx({ threshold: 0 }), 'BAD_THRESHOLD'],
    ['a threshold above the set', () => spawnTx({ threshold: 4 }), 'BAD_THRESHOLD'],
    ['a window of 0', () => spawnTx({ challengeWindow: 0n }), 'BAD_CHALLENGE_WINDOW'],
    ['a window above 30 days', () => spawnTx({ challengeWindow: 30n * DAY + 1n }), 'BAD_CHALLENGE_WINDOW'],
    ['a stall limit below the window', () => spawnTx({ stallLimit: K_WINDOW - 1n }), 'BAD_STALL_LIMIT'],
    ['a stall limit above 30 days', () => spawnTx({ stallLimit: 30n * DAY + 1n }), 'BAD_STALL_LIMIT'],
    ['the zero address among the validators', () => spawnTx({ validators: [lower(t.kValidator.address), ZeroAddress as Hex, lower(t.alice.address)] }), 'ZERO_ADDRESS_VALIDATOR'],
    ['the zero address twice', () => spawnTx({ validators: [ZeroAddress as Hex, lower(t.kValidator.address), ZeroAddress as Hex] }), 'ZERO_ADDRESS_VALIDATOR'],
    ['a validator twice', () => spawnTx({ validators: [lower(t.kValidator.address), lower(t.alice.address), lower(t.kValidator.address)] }), 'DUPLICATE_VALIDATOR'],
    ['a spawn at a time past 40 bits', () => spawnTx(), 'SAFE_CAST_OVERFLOWED_UINT_DOWNCAST', 1n << 40n],
  ];
  for (const [what, tx, code, timestamp] of refusals) {
    it(`refuses ${what}: ${code}`, () => expectParity(tx(), code, timestamp === undefined ? {} : { timestamp }));
  }

  it("refuses a spawn whose signature is not its sender's: BAD_SIGNATURE", async () => {
    const tx = place(spawnTx());
    await expectBlockTxParity({ ...tx, amount: tx.amount + 1n }, 'BAD_SIGNATURE');
  });

  it('reverts on an order that is no sort (BadSortWitness), and on a forged child count', async () => {
    // core's order for [w16, kValidator, w15]; reversed it still names each index once but does not ascend.
    const { block } = forgeBlock(spawnTx());
    const order = orderOf(proofOf(block).ledger.extra);
    for (const bad of [[...order].reverse(), [order[0]!, order[0]!, order[1]!], order.slice(1), [0, 1, 3]]) {
      const args = editedProof(spawnTx(), (l) => ({ ...l, extra: uint16Array(bad) }));
      await expectRegistryRevert(t.verifier.ledgerTransition(t.domainSeparator, ZeroHash, 6, args), 'BadSortWitness');
      expectCoreWitnessError(args, 'BAD_SORT_WITNESS');
    }
    // A duplicate hidden by a witness that is no sort still reverts (the order is checked before the duplicates).
    const twice = spawnTx({ validators: [lower(t.kValidator.address), lower(t.alice.address), lower(t.kValidator.address)] });
    const unsorted = editedProof(twice, (l) => ({ ...l, extra: uint16Array(orderOf(l.extra).reverse()) }));
    await expectRegistryRevert(t.verifier.ledgerTransition(t.domainSeparator, ZeroHash, 6, unsorted), 'BadSortWitness');
    expectCoreWitnessError(unsorted, 'BAD_SORT_WITNESS');
    // The child count claimed 1: the spawn would overwrite K2's record.
    const one = core.bytesToHex(core.encodeWords(['uint256'], [1n]));
    const recount = editedProof(spawnTx(), (l) => ({ ...l, entries: l.entries.map((e, i) => (i === 0 ? { ...e, value: one } : e)) }));
    await expectRevert(t.verifier.ledgerTransition(t.domainSeparator, ZeroHash, 6, recount), 'InvalidLedgerWitness', [0n]);
    expectCoreWitnessError(recount, 'INVALID_LEDGER_WITNESS', 0n);
  });
});

// ---- gas ------------------------------------------------------------------------------------------------------

describe('the gas of the valid shapes (every key folded, the written ones updated)', () => {
  it('logs the gas of PlasmaFraudVerifier.ledgerTransition for a valid tx of kinds 3, 4 (1 and 2 signatures) and 6', async () => {
    const txs: [string, () => core.SignedTx][] = [
      ['kind 3 deposit', () => depositTx()],
      ['kind 4 commit, 1 of 1', () => commitTx(t.K, k3Header())],
      ['kind 4 commit, 2 of 3', () => commitTx(K3, k3Block1(), signaturesOf(K3, k3Block1(), ascending(k3Validators.slice(1))))],
      ['kind 6 spawn, 3 validators', () => spawnTx()],
    ];
    for (const [what, tx] of txs) {
      const { block } = forgeBlock(tx());
      const gas = await t.verifier.ledgerTransition.estimateGas(t.domainSeparator, ZeroHash, block.txs[0]!.kind, rootArgs(proofOf(block)));
      expect(gas).toBeLessThan(500_000n);
      console.log(`[ledger-fraud-registry] ledgerTransition (${what}, valid): ${gas} gas (a call of its own: intrinsic and calldata included)`);
    }
  });
});

// ---- at the root ------------------------------------------------------------------------------------------------

describe('PlasmaRoot convicts a chain whose COMMIT_CHILD is invalid', () => {
  it('convicts a commit of a header only alice signed (FraudProven kind 10)', async () => {
    const { block, refusal } = (() => {
      const timestamp = t.A.head!.timestamp + 1n;
      const blockTx = place(commitTx(t.K, k3Header(), signaturesOf(t.K, k3Header(), [t.alice])));
      const r = reexecute(blockTx, timestamp);
      return { block: t.A.forge([blockTx], [t.A.state.root], { timestamp }), refusal: r.refusal };
    })();
    expect(refusal).toBe('SIGNER_NOT_VALIDATOR');
    expect(block.header.timestamp).toBeLessThanOrEqual(await latestTimestamp(t.f.provider));
    await convictAtRoot(block, 'SIGNER_NOT_VALIDATOR', 'ledger-fraud-registry', 'kind 4, SIGNER_NOT_VALIDATOR');
  });
});
