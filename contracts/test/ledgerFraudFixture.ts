/**
 * The tree the transition proofs of the ledger kinds are tested on (docs/LEDGER-PROOFS.md), one per test file, on a
 * real PlasmaRoot on a Hardhat node: A, a child of the root run by core (ChildChain), is a parent itself. It spawns K
 * and K2 (K2 with a stall limit of its window), alice deposits 3 ETH into K and 1 ETH into K2, A commits two blocks of
 * K: block 1 honest (alice's exits of 0.5 and 0.25 ETH), block 2 a lie of K's validator (an exit of 100 ETH from
 * nothing: a subtree that mints). Past K's window A pays exit 0 and freezes K2 for its stall. Then {@link forgeA}
 * puts any tx in a block of A on its head (not applied to A's state), and {@link judge} asks the contract what it
 * says of it: the ledger module's refusal and post-state root, the verifier's fault code.
 */
import * as core from '@plasma-tree/core';
import { Contract, ZeroHash, id, parseEther, type Wallet } from 'ethers';
import { expect } from 'vitest';
import { loadArtifact } from '../index.js';
import { ChildChain } from '../fraud-scenario.js';
import { increaseTime, latestTimestamp, setup, type Fixture } from './helpers.js';

type Hex = core.Hex;

export const A_WINDOW = 1000n; // A's challenge window at the root (L1 seconds)
export const K_WINDOW = 100n; // K's and K2's in A's ledger (A's clock)
export const ETH = core.NATIVE_TOKEN;
export const FAULT_POST_ROOT_MISMATCH = 12;
export const FAULT_LEDGER_REFUSED = 16;
const lower = (s: string): Hex => s.toLowerCase() as Hex;

export interface LedgerTree {
  f: Fixture;
  root: Contract;
  verifier: Contract;
  domainSeparator: Hex;
  alice: Wallet;
  relayer: Wallet;
  /** K's and K2's validator (threshold 1). */
  kValidator: Wallet;
  A: ChildChain;
  K: Hex;
  K2: Hex;
  /** K's block 1 (honest: alice's exits 0.5 and 0.25 ETH) and block 2 (a lie: an exit of 100 ETH), as A committed them. */
  kBlock1: core.Block;
  kBlock2: { header: core.Header; exit: core.Exit; proof: Hex[] };
  /** The windowEnd of both of K's blocks in A's ledger. */
  kWindowEnd: bigint;
  /** alice's deposit into K2, never applied (K2 never committed). */
  k2Deposit: core.Deposit;
}

/** The fixture of this file's tests, once {@link buildLedgerTree} has run. */
export const t = {} as LedgerTree;

export function signTx(w: Wallet, tx: core.UnsignedTx): core.SignedTx {
  return { ...tx, signature: core.secp256k1Scheme.sign(core.signedTxDigest(t.A.domain, tx), w.privateKey as Hex) } as core.SignedTx;
}

/** alice's native slot on A and its next nonce. */
export function aliceNonce(): { slot: number; nonce: bigint } {
  const slot = t.A.state.slotOf(lower(t.alice.address), ETH)!;
  return { slot, nonce: t.A.state.get(slot)!.nonce };
}

/** Builds a valid block of A on its head at the L1 time, applies it and commits it on the root. */
export async function commitA(fill: (b: core.BlockBuilder) => void): Promise<core.Block> {
  const block = t.A.build(await latestTimestamp(t.f.provider), fill);
  await t.A.commit(block);
  return block;
}

/** COMMIT_CHILD of `header` of `child`, signed by K's validator over the root's domain. */
export function commitChildTx(child: Hex, header: core.Header): core.CommitChildTx {
  const digest = core.commitmentDigest(t.A.domain, child, header.number, core.hashHeader(header));
  return { kind: core.TxKind.CommitChild, chainId: t.A.chainId, child, header, signatures: core.secp256k1Scheme.sign(digest, t.kValidator.privateKey as Hex) };
}

export async function buildLedgerTree(): Promise<LedgerTree> {
  const f = await setup();
  Object.assign(t, { f, root: f.root, alice: f.wallets[1], relayer: f.wallets[7], kValidator: f.wallets[14] });
  t.verifier = new Contract(await f.root.fraudVerifier(), loadArtifact('PlasmaFraudVerifier').abi, t.relayer);
  t.domainSeparator = core.domainSeparator(f.domain as core.Eip712Domain);
  const { alice, kValidator } = t;
  t.A = await ChildChain.spawn({ root: f.root, provider: f.provider, validators: f.wallets.slice(10, 11), threshold: 1, window: A_WINDOW, bond: core.ROOT_MIN_BOND, spawner: f.wallets[0] });
  await t.A.deposit(alice, alice.address, parseEther('10'));
  await commitA((b) => t.A.pendingDeposits(b));
  // alice spawns K (the default stall limit) and K2 (stall limit = its window).
  await commitA((b) => {
    for (const stallLimit of [undefined, K_WINDOW]) {
      b.addSignedTx(signTx(alice, {
        kind: core.TxKind.SpawnChild, chainId: t.A.chainId, ...aliceNonce(), validators: [lower(kValidator.address)], threshold: 1,
        challengeWindow: K_WINDOW, ...(stallLimit === undefined ? {} : { stallLimit }), bond: core.MIN_BOND,
      } as core.UnsignedTx));
    }
  });
  [t.K, t.K2] = [0, 1].map((i) => core.chainIdOf(t.A.chainId, i));
  const { K, K2 } = t;
  const a3 = await commitA((b) => {
    for (const [child, amount] of [[K, parseEther('3')], [K2, parseEther('1')]] as const) {
      b.addSignedTx(signTx(alice, { kind: core.TxKind.DepositToChild, chainId: t.A.chainId, ...aliceNonce(), child, to: lower(alice.address), token: ETH, amount }));
    }
  });
  t.k2Deposit = { chainId: K2, nonce: 1n, from: lower(alice.address), to: lower(alice.address), token: ETH, amount: parseEther('1') };

  // K's block 1: the deposit, alice withdraws 0.5 ETH (exit 0) and 0.25 ETH (exit 1).
  const kState = new core.ChainState(K);
  const kctx: core.BlockContext = { chainId: K, domain: t.A.domain, depositRecord: core.childDepositRecords(t.A.state.ledger, K), parentChainId: t.A.chainId };
  const kb = new core.BlockBuilder({ parent: null, state: kState, ctx: kctx, timestamp: a3.header.timestamp });
  kb.addDeposit({ chainId: K, nonce: 1n, from: lower(alice.address), to: lower(alice.address), token: ETH, amount: parseEther('3') });
  for (const [amount, nonce] of [[parseEther('0.5'), 0n], [parseEther('0.25'), 1n]] as const) {
    kb.addSignedTx(signTx(alice, { kind: core.TxKind.Withdraw, chainId: K, slot: 0, to: lower(alice.address), token: ETH, amount, nonce }));
  }
  t.kBlock1 = kb.seal();
  expect(t.kBlock1.exits).toHaveLength(2);
  // K's block 2, a lie K's validator signs: one exit of 100 ETH to alice, from nothing.
  const mint: core.Exit = { recipient: lower(alice.address), token: ETH, amount: parseEther('100') };
  const k2Header: core.Header = {
    ...t.kBlock1.header, number: 2n, parentHash: core.hashHeader(t.kBlock1.header), txRoot: core.bytesToHex(core.computeTxRoot([], [])),
    exitRoot: core.bytesToHex(core.computeExitRoot([mint])),
  };
  const a4 = await commitA((b) => {
    b.addSignedTx(commitChildTx(K, t.kBlock1.header));
    b.addSignedTx(commitChildTx(K, k2Header));
  });
  t.kWindowEnd = a4.header.timestamp + K_WINDOW;
  t.kBlock2 = { header: k2Header, exit: mint, proof: core.exitProof({ header: k2Header, hash: core.hashHeader(k2Header), txs: [], postRoots: [], exits: [mint] }, 0) };

  // Past K's window: exit 0 paid on A, K2 (silent since its spawn) frozen.
  await increaseTime(f.provider, K_WINDOW + 10n);
  await commitA((b) => {
    b.addSignedTx(finalizeTx(0));
    b.addSignedTx({ kind: core.TxKind.FreezeStalledChild, chainId: t.A.chainId, child: K2 });
  });
  expect(t.A.state.ledger.isWithdrawn(K, 1n, 0)).toBe(true);
  expect(t.A.state.ledger.childStatus(K2).status).toBe(core.ChainStatus.FrozenStalled);
  expect(t.A.state.ledger.subtreeBalance(K, ETH)).toBe(parseEther('2.5'));
  return t;
}

/** FINALIZE_CHILD_EXIT of exit `index` of K's block 1 (`over` changes any field). */
export function finalizeTx(index: number, over: Partial<core.FinalizeChildExitTx> = {}): core.FinalizeChildExitTx {
  return {
    kind: core.TxKind.FinalizeChildExit, chainId: t.A.chainId, child: t.K, header: t.kBlock1.header, windowEnd: t.kWindowEnd,
    exit: t.kBlock1.exits[index] as core.Exit, index: BigInt(index), proof: core.exitProof(t.kBlock1, index), ...over,
  };
}

/**
 * A block of A on its head holding only `tx` (placed on A's state), claiming `postRoot` (default: what core's STF
 * computes, or the pre-state root when it refuses the tx). A's state is left as it was.
 */
export function forgeA(tx: core.SignedTx, options: { postRoot?: Hex; timestamp?: bigint } = {}): { block: core.Block; honest?: Hex; refusal?: string } {
  const blockTx = core.placeSignedTx(t.A.state, tx, t.A.ctx);
  const timestamp = options.timestamp ?? t.A.head!.timestamp + 1n;
  const { honest, refusal } = reexecute(blockTx, timestamp);
  const block = t.A.forge([blockTx], [options.postRoot ?? honest ?? t.A.state.root], { timestamp });
  return { block, honest, refusal };
}

/** Core's STF on A's head state at `timestamp`: the post-state root, or the error code. */
export function reexecute(tx: core.BlockTx, timestamp: bigint): { honest?: Hex; refusal?: string } {
  t.A.state.checkpoint();
  try {
    return { honest: core.applyTx(t.A.state, tx, { ...t.A.ctx, lastDepositNonce: t.A.head!.depositNonce, timestamp }).postRoot };
  } catch (e) {
    if (!core.isPlasmaError(e)) throw e;
    return { refusal: e.code };
  } finally {
    t.A.state.revert();
  }
}

export function proofOf(block: core.Block): core.LedgerTransitionProof {
  return core.buildLedgerTransitionProof(block, 0, t.A.head, t.A.state, t.A.ctx, { allowValid: true });
}

/** The proof's arguments as PlasmaRoot forwards them (its calldata without the selector). */
export function rootArgs(proof: core.FraudProofData): Hex {
  const windows = { windowEnd: 0n, prevWindowEnd: t.A.windowEnds.get(t.A.head!.number)! };
  return `0x${core.encodeFraudProofCall(t.A.chainId, proof, windows).slice(10)}`;
}

function transitionInput(block: core.Block) {
  return {
    domainSeparator: t.domainSeparator, chainId: t.A.chainId, txRoot: block.header.txRoot, prevStateRoot: t.A.head!.stateRoot,
    prevDepositNonce: t.A.head!.depositNonce, depositNonce: block.header.depositNonce, depositRecord: ZeroHash,
  };
}

/** What the contract says of the forged block's tx: the module's refusal and post root, the verifier's fault code. */
export async function judge(block: core.Block, proof: core.FraudProofData = proofOf(block)) {
  const args = rootArgs(proof);
  const [refusal, postStateRoot] = (await t.verifier.ledgerTransition(t.domainSeparator, block.txs[0].kind, args)) as [string, string];
  const [fault] = (await t.verifier.transitionFault(transitionInput(block), args)) as [bigint, string];
  return { refusal, postStateRoot: postStateRoot.toLowerCase(), fault: Number(fault) };
}

/**
 * The parity check of one tx: core refuses it with `code` (or accepts it when `code` is undefined) and the contract
 * says the same: the refusal's hash and FAULT_LEDGER_REFUSED, or core's post-state root and no fault; then, for an
 * accepted tx, the same tx under a wrong post root is FAULT_POST_ROOT_MISMATCH with core's root still recomputed.
 */
export async function expectParity(tx: core.SignedTx, code: string | undefined, options: { timestamp?: bigint } = {}): Promise<void> {
  const { block, honest, refusal } = forgeA(tx, options);
  expect(refusal).toBe(code);
  const proof = proofOf(block);
  expect(proof.refusal).toBe(code);
  const verdict = await judge(block, proof);
  if (code !== undefined) {
    expect(verdict.refusal).toBe(id(code));
    expect(verdict.fault).toBe(FAULT_LEDGER_REFUSED);
    return;
  }
  expect(verdict).toEqual({ refusal: ZeroHash, postStateRoot: honest, fault: 0 });
  const lie = forgeA(tx, { ...options, postRoot: core.bytesToHex(core.keccak256(core.hexToBytes(honest!))) });
  expect(await judge(lie.block)).toEqual({ refusal: ZeroHash, postStateRoot: honest, fault: FAULT_POST_ROOT_MISMATCH });
}
