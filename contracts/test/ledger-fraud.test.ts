/**
 * Transition proofs of the ledger kinds at the root (docs/LEDGER-PROOFS.md), against a real PlasmaRoot on a Hardhat
 * node: A, a child of the root run by core (ChildChain), is a parent itself. It spawns K and K2, deposits into both,
 * and commits two blocks of K, the second one a lie of K's validators (an exit of 100 ETH against a subtree holding
 * 3): a subtree that mints. K2 never commits and is frozen for its stall. Then, on top of A's head, every tx of kinds
 * 5 (FINALIZE_CHILD_EXIT), 12 (RECLAIM_CHILD_DEPOSIT) and 13 (FREEZE_STALLED_CHILD) that core's STF accepts or refuses
 * is judged by the contract's ledger modules: the refusal they name is core's error code, the post-state root they
 * recompute is core's; bad witnesses revert. Last, a lying A includes the double withdrawal of one exit and the
 * root convicts it (FraudProven kind 10), after refusing the proof of a valid finalize (NotFraud).
 */
import * as core from '@plasma-tree/core';
import { Contract, Wallet, ZeroHash, encodeBytes32String, id, parseEther } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadArtifact } from '../index.js';
import { ChildChain, sendCall } from '../fraud-scenario.js';
import { expectRevert, increaseTime, latestTimestamp, setup, type Fixture } from './helpers.js';

type Hex = core.Hex;

const A_WINDOW = 1000n; // A's challenge window at the root (L1 seconds)
const K_WINDOW = 100n; // K's and K2's in A's ledger (A's clock)
const ETH = core.NATIVE_TOKEN;
const lower = (s: string): Hex => s.toLowerCase() as Hex;

let f: Fixture;
let root: Contract;
let verifier: Contract;
let domainSeparator: Hex;
let alice: Wallet;
let relayer: Wallet;
let A: ChildChain;
let K: Hex;
let K2: Hex;
/** K's block 1 (honest: alice's exits 0.5 and 0.25 ETH) and block 2 (a lie: an exit of 100 ETH), as A committed them. */
let kBlock1: core.Block;
let kBlock2: { header: core.Header; exit: core.Exit; proof: Hex[] };
let kWindowEnd: bigint;
let k2Deposit: core.Deposit;

beforeAll(async () => {
  f = await setup();
  root = f.root;
  [, alice] = f.wallets;
  relayer = f.wallets[7];
  verifier = new Contract(await root.fraudVerifier(), loadArtifact('PlasmaFraudVerifier').abi, relayer);
  domainSeparator = core.domainSeparator(f.domain as core.Eip712Domain);
  await buildTree();
}, 120_000);

afterAll(async () => {
  await f?.stop();
});

function signTx(w: Wallet, tx: core.UnsignedTx): core.SignedTx {
  return { ...tx, signature: core.secp256k1Scheme.sign(core.signedTxDigest(A.domain, tx), w.privateKey as Hex) } as core.SignedTx;
}

function aliceNonce(): { slot: number; nonce: bigint } {
  const slot = A.state.slotOf(lower(alice.address), ETH)!;
  return { slot, nonce: A.state.get(slot)!.nonce };
}

async function buildTree(): Promise<void> {
  const kValidator = f.wallets[14];
  A = await ChildChain.spawn({ root, provider: f.provider, validators: f.wallets.slice(10, 11), threshold: 1, window: A_WINDOW, bond: core.ROOT_MIN_BOND, spawner: f.wallets[0] });
  await A.deposit(alice, alice.address, parseEther('10'));
  const commitA = async (fill: (b: core.BlockBuilder) => void) => {
    const block = A.build(await latestTimestamp(f.provider), fill);
    await A.commit(block);
    return block;
  };
  await commitA((b) => A.pendingDeposits(b));
  // alice spawns K (the default stall limit) and K2 (stall limit = its window).
  await commitA((b) => {
    for (const stallLimit of [undefined, K_WINDOW]) {
      b.addSignedTx(signTx(alice, {
        kind: core.TxKind.SpawnChild, chainId: A.chainId, ...aliceNonce(), validators: [lower(kValidator.address)], threshold: 1,
        challengeWindow: K_WINDOW, ...(stallLimit === undefined ? {} : { stallLimit }), bond: core.MIN_BOND,
      } as core.UnsignedTx));
    }
  });
  [K, K2] = [0, 1].map((i) => core.chainIdOf(A.chainId, i));
  const a3 = await commitA((b) => {
    for (const [child, amount] of [[K, parseEther('3')], [K2, parseEther('1')]] as const) {
      b.addSignedTx(signTx(alice, { kind: core.TxKind.DepositToChild, chainId: A.chainId, ...aliceNonce(), child, to: lower(alice.address), token: ETH, amount }));
    }
  });
  k2Deposit = { chainId: K2, nonce: 1n, from: lower(alice.address), to: lower(alice.address), token: ETH, amount: parseEther('1') };

  // K's block 1: the deposit, alice withdraws 0.5 ETH (exit 0) and 0.25 ETH (exit 1).
  const kState = new core.ChainState(K);
  const kctx: core.BlockContext = { chainId: K, domain: A.domain, depositRecord: core.childDepositRecords(A.state.ledger, K), parentChainId: A.chainId };
  const kb = new core.BlockBuilder({ parent: null, state: kState, ctx: kctx, timestamp: a3.header.timestamp });
  kb.addDeposit({ chainId: K, nonce: 1n, from: lower(alice.address), to: lower(alice.address), token: ETH, amount: parseEther('3') });
  for (const [amount, nonce] of [[parseEther('0.5'), 0n], [parseEther('0.25'), 1n]] as const) {
    kb.addSignedTx(signTx(alice, { kind: core.TxKind.Withdraw, chainId: K, slot: 0, to: lower(alice.address), token: ETH, amount, nonce }));
  }
  kBlock1 = kb.seal();
  expect(kBlock1.exits).toHaveLength(2);
  // K's block 2, a lie K's validator signs: one exit of 100 ETH to alice, from nothing.
  const mint: core.Exit = { recipient: lower(alice.address), token: ETH, amount: parseEther('100') };
  const k2Header: core.Header = {
    ...kBlock1.header, number: 2n, parentHash: core.hashHeader(kBlock1.header), txRoot: core.bytesToHex(core.computeTxRoot([], [])),
    exitRoot: core.bytesToHex(core.computeExitRoot([mint])),
  };
  const commitChild = (header: core.Header): core.CommitChildTx => {
    const digest = core.commitmentDigest(A.domain, K, header.number, core.hashHeader(header));
    return { kind: core.TxKind.CommitChild, chainId: A.chainId, child: K, header, signatures: core.secp256k1Scheme.sign(digest, kValidator.privateKey as Hex) };
  };
  const a4 = await commitA((b) => {
    b.addSignedTx(commitChild(kBlock1.header));
    b.addSignedTx(commitChild(k2Header));
  });
  kWindowEnd = a4.header.timestamp + K_WINDOW;
  kBlock2 = { header: k2Header, exit: mint, proof: core.exitProof({ header: k2Header, hash: core.hashHeader(k2Header), txs: [], postRoots: [], exits: [mint] }, 0) };

  // Past K's window: exit 0 paid on A, K2 (silent since its spawn) frozen.
  await increaseTime(f.provider, K_WINDOW + 10n);
  await commitA((b) => {
    b.addSignedTx(finalizeTx(0));
    b.addSignedTx({ kind: core.TxKind.FreezeStalledChild, chainId: A.chainId, child: K2 });
  });
  expect(A.state.ledger.isWithdrawn(K, 1n, 0)).toBe(true);
  expect(A.state.ledger.childStatus(K2).status).toBe(core.ChainStatus.FrozenStalled);
  expect(A.state.ledger.subtreeBalance(K, ETH)).toBe(parseEther('2.5'));
}

/** FINALIZE_CHILD_EXIT of exit `index` of K's block 1 (or of the minted exit of block 2). */
function finalizeTx(index: number, over: Partial<core.FinalizeChildExitTx> = {}): core.FinalizeChildExitTx {
  return {
    kind: core.TxKind.FinalizeChildExit, chainId: A.chainId, child: K, header: kBlock1.header, windowEnd: kWindowEnd,
    exit: kBlock1.exits[index] as core.Exit, index: BigInt(index), proof: core.exitProof(kBlock1, index), ...over,
  };
}

/** A block of A on its head holding only `tx`, claiming `postRoot` (default: what core's STF computes, or the pre-state root). */
function forgeA(tx: core.SignedTx, options: { postRoot?: Hex; timestamp?: bigint } = {}): { block: core.Block; honest?: Hex; refusal?: string } {
  const blockTx = core.placeSignedTx(A.state, tx, A.ctx);
  const timestamp = options.timestamp ?? A.head!.timestamp + 1n;
  const { honest, refusal } = reexecute(blockTx, timestamp);
  const block = A.forge([blockTx], [options.postRoot ?? honest ?? A.state.root], { timestamp });
  return { block, honest, refusal };
}

/** Core's STF on A's head state: the post-state root, or the error code. */
function reexecute(tx: core.BlockTx, timestamp: bigint): { honest?: Hex; refusal?: string } {
  A.state.checkpoint();
  try {
    return { honest: core.applyTx(A.state, tx, { ...A.ctx, lastDepositNonce: A.head!.depositNonce, timestamp }).postRoot };
  } catch (e) {
    if (!core.isPlasmaError(e)) throw e;
    return { refusal: e.code };
  } finally {
    A.state.revert();
  }
}

function proofOf(block: core.Block): core.LedgerTransitionProof {
  return core.buildLedgerTransitionProof(block, 0, A.head, A.state, A.ctx, { allowValid: true });
}

/** The proof's arguments as PlasmaRoot forwards them (its calldata without the selector). */
function rootArgs(proof: core.FraudProofData): Hex {
  const windows = { windowEnd: 0n, prevWindowEnd: A.windowEnds.get(A.head!.number)! };
  return `0x${core.encodeFraudProofCall(A.chainId, proof, windows).slice(10)}`;
}

function transitionInput(block: core.Block) {
  return {
    domainSeparator, chainId: A.chainId, txRoot: block.header.txRoot, prevStateRoot: A.head!.stateRoot,
    prevDepositNonce: A.head!.depositNonce, depositNonce: block.header.depositNonce, depositRecord: ZeroHash,
  };
}

/** What the contract says of the forged block's tx: the module's refusal and post root, the verifier's fault code. */
async function judge(block: core.Block, proof: core.FraudProofData = proofOf(block)) {
  const args = rootArgs(proof);
  const [refusal, postStateRoot] = (await verifier.ledgerTransition(domainSeparator, block.txs[0].kind, args)) as [string, string];
  const [fault] = (await verifier.transitionFault(transitionInput(block), args)) as [bigint, string];
  return { refusal, postStateRoot: postStateRoot.toLowerCase(), fault: Number(fault) };
}

const FAULT_POST_ROOT_MISMATCH = 12;
const FAULT_LEDGER_REFUSED = 16;

describe('the ledger modules judge kinds 5, 12 and 13 as core does', () => {
  const refusals: [string, () => core.SignedTx, string, bigint?][] = [
    ['a second payment of a paid exit', () => finalizeTx(0), 'ALREADY_WITHDRAWN'],
    ['the exit a lying child minted (100 ETH against 2.5)', () => finalizeTx(0, { header: kBlock2.header, exit: kBlock2.exit, index: 0n, proof: kBlock2.proof }), 'SUBTREE_BALANCE_EXCEEDED'],
    ['an exit of a block committed under another windowEnd', () => finalizeTx(1, { windowEnd: kWindowEnd + 1n }), 'UNKNOWN_COMMITMENT'],
    ['an exit of a block above the head', () => finalizeTx(1, { header: { ...kBlock1.header, number: 3n } }), 'UNKNOWN_COMMITMENT'],
    ['an exit inside its window', () => finalizeTx(1), 'CHALLENGE_WINDOW_OPEN', -1n],
    ['an exit with another amount than the tree holds', () => finalizeTx(1, { exit: { ...(kBlock1.exits[1] as core.Exit), amount: 1n } }), 'INVALID_EXIT_PROOF'],
    ['an exit at an index past the tree', () => finalizeTx(1, { index: 1n << 16n }), 'EXIT_INDEX_OUT_OF_RANGE'],
    ['an exit with a short proof', () => finalizeTx(1, { proof: core.exitProof(kBlock1, 1).slice(1) }), 'BAD_PROOF_LENGTH'],
    ['an exit of nothing', () => finalizeTx(1, { exit: { ...(kBlock1.exits[1] as core.Exit), amount: 0n } }), 'ZERO_AMOUNT'],
    ['the freeze of a child that is not stalled', () => ({ kind: core.TxKind.FreezeStalledChild, chainId: A.chainId, child: K }), 'NOT_STALLED'],
    ['the freeze of a frozen child', () => ({ kind: core.TxKind.FreezeStalledChild, chainId: A.chainId, child: K2 }), 'CHAIN_IS_FROZEN'],
    ['the freeze of no child', () => ({ kind: core.TxKind.FreezeStalledChild, chainId: A.chainId, child: core.chainIdOf(A.chainId, 9) }), 'UNKNOWN_CHAIN'],
    ['a reclaim from a live child', () => ({ ...k2Deposit, kind: core.TxKind.ReclaimChildDeposit, chainId: A.chainId, child: K, nonce: 1n, amount: parseEther('3') }), 'CHAIN_NOT_FROZEN'],
    ['a reclaim of a deposit never made', () => ({ ...k2Deposit, kind: core.TxKind.ReclaimChildDeposit, chainId: A.chainId, child: K2, amount: parseEther('5') }), 'UNKNOWN_DEPOSIT'],
    ['a reclaim from no child', () => ({ ...k2Deposit, kind: core.TxKind.ReclaimChildDeposit, chainId: A.chainId, child: core.chainIdOf(A.chainId, 9) }), 'UNKNOWN_CHAIN'],
  ];
  for (const [what, tx, code, shift] of refusals) {
    it(`refuses ${what}: ${code}`, async () => {
      // An early exit is judged at a time before K's window ends (the block's timestamp is the STF's clock).
      const { block, refusal } = forgeA(tx(), shift === undefined ? {} : { timestamp: kWindowEnd + shift });
      expect(refusal).toBe(code);
      const proof = proofOf(block);
      expect(proof.refusal).toBe(code);
      const verdict = await judge(block, proof);
      expect(verdict.refusal).toBe(id(code));
      expect(verdict.fault).toBe(FAULT_LEDGER_REFUSED);
    });
  }

  const valid: [string, () => core.SignedTx][] = [
    ['the payment of an unpaid final exit', () => finalizeTx(1)],
    ['the reclaim of a frozen child\'s deposit', () => ({ ...k2Deposit, kind: core.TxKind.ReclaimChildDeposit, chainId: A.chainId, child: K2 })],
  ];
  for (const [what, tx] of valid) {
    it(`recomputes core's post-state root of ${what}, and convicts a wrong one`, async () => {
      const { block, honest, refusal } = forgeA(tx());
      expect(refusal).toBeUndefined();
      const verdict = await judge(block);
      expect(verdict).toEqual({ refusal: ZeroHash, postStateRoot: honest, fault: 0 });
      // The same tx under a post root that mints 1 wei to alice's slot: the module's root is still core's.
      const lie = forgeA(tx(), { postRoot: core.bytesToHex(core.keccak256(core.hexToBytes(honest!))) });
      const lied = await judge(lie.block);
      expect(lied).toEqual({ refusal: ZeroHash, postStateRoot: honest, fault: FAULT_POST_ROOT_MISMATCH });
    });
  }

  it('recomputes the freeze of a stalled child (kind 13 writes ChildStatus)', async () => {
    // K stalls once its default stall limit has passed since its last commit.
    const limit = A.state.ledger.stallLimit(K);
    const { block, honest, refusal } = forgeA({ kind: core.TxKind.FreezeStalledChild, chainId: A.chainId, child: K }, { timestamp: kWindowEnd - K_WINDOW + limit + 1n });
    expect(refusal).toBeUndefined();
    expect(await judge(block)).toEqual({ refusal: ZeroHash, postStateRoot: honest, fault: 0 });
  });

  it('reverts on witnesses that do not fold: a forged value, a proof against the wrong root, one missing', async () => {
    const { block } = forgeA(finalizeTx(1));
    const proof = proofOf(block);
    const entries = proof.ledger.entries;
    // The subtree balance claimed higher than it is.
    const richer = core.bytesToHex(core.encodeWords(['uint256'], [parseEther('1000')]));
    const forged = { ...proof, ledger: { ...proof.ledger, entries: entries.map((e, i) => (i === 3 ? { ...e, value: richer } : e)) } };
    await expectRevert(verifier.ledgerTransition(domainSeparator, 5, rootArgs(forged)), 'InvalidLedgerWitness', [3n]);
    // The last key's proof taken against the pre-state root, not the root after the spent mark.
    A.state.checkpoint();
    const stale = { ...proof, ledger: { ...proof.ledger, entries: entries.map((e, i) => (i === 3 ? { ...e, proof: A.state.ledger.proof(core.ledgerKeys.subtreeBalance(K, ETH)) } : e)) } };
    A.state.revert();
    await expectRevert(verifier.ledgerTransition(domainSeparator, 5, rootArgs(stale)), 'InvalidLedgerWitness', [3n]);
    // A refusal needs the witnesses its checks read: none given.
    const double = forgeA(finalizeTx(0));
    const bare = { ...proofOf(double.block), ledger: { entries: [], extra: '0x' as Hex } };
    await expectRevert(verifier.ledgerTransition(domainSeparator, 5, rootArgs(bare)), 'MissingLedgerWitness', [0n]);
  });
});

describe('PlasmaRoot convicts a chain whose ledger tx is invalid', () => {
  it('refuses the proof of a valid finalize (NotFraud), then convicts the double withdrawal of an exit (FraudProven kind 10)', async () => {
    // A's block 6, valid: exit 1 paid. Its proof is taken on the state before it, then A applies it.
    const timestamp = await latestTimestamp(f.provider);
    const honest = forgeA(finalizeTx(1), { timestamp });
    const validProof = proofOf(honest.block);
    await A.commit(honest.block, { valid: false });
    await expectRevert(sendCall(relayer, f.rootAddress, A.calldata(validProof)), 'NotFraud', [5n, encodeBytes32String('TX_VALID')]);
    const a6 = A.build(timestamp, (b) => b.addSignedTx(finalizeTx(1)));
    expect(a6.hash).toBe(honest.block.hash);
    A.head = a6.header;

    // A's block 7, a lie: exit 0 paid a second time, 0.5 ETH minted to alice on A.
    const { block, refusal } = forgeA(finalizeTx(0), { timestamp: await latestTimestamp(f.provider) });
    expect(refusal).toBe('ALREADY_WITHDRAWN');
    await A.commit(block, { valid: false });
    const finding = core.findFraud(block, A.head, A.state, { ...A.ctx });
    expect(finding).toMatchObject({ provable: true, kind: core.FraudKind.InvalidLedgerTx, txIndex: 0, reason: 'ALREADY_WITHDRAWN' });
    const receipt = await sendCall(relayer, f.rootAddress, A.calldata((finding as { proof: core.FraudProof }).proof));
    const [proven] = receipt.logs.map((l) => root.interface.parseLog(l)).filter((e) => e?.name === 'FraudProven');
    expect(proven!.args.kind).toBe(10n);
    expect(proven!.args.number).toBe(block.header.number);
    expect(Number((await root.chainStatus(A.chainId)).status)).toBe(core.ChainStatus.FrozenFraud);
    expect((await root.chainInfo(A.chainId)).headNumber).toBe(a6.header.number);
    console.log(`[ledger-fraud] proveInvalidTransition (kind 5, ALREADY_WITHDRAWN): ${receipt.gasUsed} gas`);
  });
});
