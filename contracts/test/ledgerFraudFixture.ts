/**
 * The parity tests' view of ../ledger-scenario.ts (the tree the transition proofs of the ledger kinds are tested on,
 * docs/LEDGER-PROOFS.md), one per test file: `t` holds the tree, the functions act on it, and {@link judge} asks the
 * contract what it says of a forged block's tx: the ledger module's refusal and post-state root, the verifier's fault.
 */
import * as core from '@plasma-tree/core';
import { Contract, ZeroHash, id, type Wallet } from 'ethers';
import { expect } from 'vitest';
import { loadArtifact } from '../index.js';
import { sendCall, type ChildChain } from '../fraud-scenario.js';
import { LedgerScenario } from '../ledger-scenario.js';
import { setup, type Fixture } from './helpers.js';

type Hex = core.Hex;

export { A_WINDOW, K_WINDOW } from '../ledger-scenario.js';
export const ETH = core.NATIVE_TOKEN;
/** PlasmaFraudVerifier's fault codes the ledger kinds end in (core TransitionFault). */
export const FAULT_POST_ROOT_MISMATCH = core.TransitionFault.PostRootMismatch;
export const FAULT_LEDGER_REFUSED = core.TransitionFault.LedgerRefused;

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
  /** K's state after its block 1, and its BlockContext (to build more of K's blocks). */
  kState: core.ChainState;
  kctx: core.BlockContext;
}

/** The fixture of this file's tests, once {@link buildLedgerTree} has run. */
export const t = {} as LedgerTree;
let scenario: LedgerScenario;

export const signTx = (w: Wallet, tx: core.UnsignedTx): core.SignedTx => scenario.signTx(w, tx);
/** alice's native slot on A and its next nonce. */
export const aliceNonce = () => scenario.aliceNonce();
/** Builds a valid block of A on its head at the L1 time, applies it and commits it on the root. */
export const commitA = (fill: (b: core.BlockBuilder) => void): Promise<core.Block> => scenario.commitA(fill);
/** COMMIT_CHILD of `header` of `child`, signed by K's validator over the root's domain. */
export const commitChildTx = (child: Hex, header: core.Header): core.CommitChildTx => scenario.commitChildTx(child, header);
/** Spawns another child of A and commits its honest block 1 (a deposit) inside its window (LedgerScenario). */
export const spawnHonestChild = () => scenario.spawnHonestChild();
/** FINALIZE_CHILD_EXIT of exit `index` of K's block 1 (`over` changes any field). */
export const finalizeTx = (index: number, over: Partial<core.FinalizeChildExitTx> = {}): core.FinalizeChildExitTx => scenario.finalizeTx(index, over);
/** A block of A on its head holding only `tx`, claiming `postRoot` (default: core's post root, or the pre-state root). */
export const forgeA = (tx: core.SignedTx, options: { postRoot?: Hex; timestamp?: bigint } = {}) => scenario.forgeA(tx, options);
/** Core's STF on A's head state at `timestamp`: the post-state root, or the error code. */
export const reexecute = (tx: core.BlockTx, timestamp: bigint) => scenario.reexecute(tx, timestamp);
export const proofOf = (block: core.Block): core.LedgerTransitionProof => scenario.proofOf(block);

export async function buildLedgerTree(): Promise<LedgerTree> {
  const f = await setup();
  const alice = f.wallets[1];
  const kValidator = f.wallets[14];
  scenario = await LedgerScenario.build({ provider: f.provider, root: f.root, spawner: f.wallets[0], aValidator: f.wallets[10], kValidator, alice });
  const { A, K, K2, kBlock1, kBlock2, kWindowEnd, k2Deposit, kState, kctx } = scenario;
  const relayer = f.wallets[7];
  const verifier = new Contract(await f.root.fraudVerifier(), loadArtifact('PlasmaFraudVerifier').abi, relayer);
  const domainSeparator = core.domainSeparator(f.domain as core.Eip712Domain);
  Object.assign(t, { f, root: f.root, verifier, domainSeparator, alice, relayer, kValidator, A, K, K2, kBlock1, kBlock2, kWindowEnd, k2Deposit, kState, kctx });
  return t;
}

/** The proof's arguments as PlasmaRoot forwards them (its calldata without the selector). */
export function rootArgs(proof: core.FraudProofData): Hex {
  const windows = { windowEnd: 0n, prevWindowEnd: t.A.windowEnds.get(t.A.head!.number)! };
  const args: Hex = `0x${core.encodeFraudProofCall(t.A.chainId, proof, windows).slice(10)}`;
  encoded.set(args, proof);
  return args;
}
/** The proof each rootArgs result encodes (its offsets count chainId's word: it does not decode as a kind 10's args). */
const encoded = new Map<Hex, core.FraudProofData>();

/** What PlasmaRoot hands its verifier for the block's tx 0: its records, the root's record under the tx's nonce. */
async function transitionInput(block: core.Block) {
  return {
    domainSeparator: t.domainSeparator, chainId: t.A.chainId, txRoot: block.header.txRoot, prevStateRoot: t.A.head!.stateRoot,
    prevDepositNonce: t.A.head!.depositNonce, depositNonce: block.header.depositNonce,
    depositRecord: (await t.root.depositRecord(t.A.chainId, block.txs[0].nonce)) as string,
  };
}

/**
 * What the contract says of the forged block's tx: the module's refusal and post root, the verifier's fault code.
 * Core's judge of the same proof (ledgerTransitionFault: what a chain parent runs on a PROVE_CHILD_FRAUD of fraud kind
 * 10) must say the same, word for word: every parity test of the ledger kinds is a parity test of it too.
 */
export async function judge(block: core.Block, proof: core.FraudProofData = proofOf(block)) {
  const args = rootArgs(proof);
  const input = await transitionInput(block);
  const [refusal, postStateRoot] = (await t.verifier.ledgerTransition(t.domainSeparator, input.depositRecord, block.txs[0].kind, args)) as [string, string];
  const [fault, faultRoot] = (await t.verifier.transitionFault(input, args)) as [bigint, string];
  const verdict = { refusal, postStateRoot: postStateRoot.toLowerCase(), fault: Number(fault) };
  expect(coreJudge(block, proof as core.LedgerTransitionProof, input.depositRecord as Hex)).toEqual({ ...verdict, faultRoot: faultRoot.toLowerCase() });
  return verdict;
}

/**
 * Core's judge of `args` (PlasmaRoot's argument list of a ledger-kind proof, as `rootArgs` gives it) throws the witness
 * error the module reverts with: `code` (core's name of the module's error) at `position` when given.
 */
export function expectCoreWitnessError(args: Hex, code: string, position?: bigint): void {
  const p = encoded.get(args) as core.LedgerTransitionProof;
  const input: core.TransitionInput = {
    domain: t.f.domain as core.Eip712Domain, chainId: t.A.chainId, txRoot: p.header.txRoot, prevStateRoot: p.prev.stateRoot,
    prevDepositNonce: p.prev.depositNonce, depositNonce: p.header.depositNonce, depositRecord: ZeroHash as Hex,
  };
  const data = position === undefined ? {} : { data: expect.objectContaining({ position: String(position) }) };
  expect(() => core.ledgerTransition(input, p)).toThrow(expect.objectContaining({ code, ...data }));
}

/** Core's verdict on `proof` in judge's shape (the refusal hashed as the module answers it). */
function coreJudge(block: core.Block, proof: core.LedgerTransitionProof, depositRecord: Hex) {
  const input: core.TransitionInput = {
    domain: t.f.domain as core.Eip712Domain, chainId: t.A.chainId, txRoot: block.header.txRoot, prevStateRoot: t.A.head!.stateRoot,
    prevDepositNonce: t.A.head!.depositNonce, depositNonce: block.header.depositNonce, depositRecord,
  };
  const verdict = core.ledgerTransition(input, proof);
  const { fault, postStateRoot } = core.ledgerTransitionFault(input, proof);
  return {
    refusal: verdict.refusal === undefined ? ZeroHash : id(verdict.refusal),
    postStateRoot: verdict.postStateRoot ?? ZeroHash,
    fault,
    faultRoot: postStateRoot,
  };
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

/** findFraud on a block of A holding only `tx` that claims a wrong post root (any tx: refused or not, it is a lie). */
export function findLie(tx: core.SignedTx, timestamp?: bigint) {
  const { block } = forgeA(tx, { postRoot: core.bytesToHex(core.keccak256(new TextEncoder().encode('lie'))), ...(timestamp === undefined ? {} : { timestamp }) });
  return core.findFraud(block, t.A.head, t.A.state, { ...t.A.ctx });
}

/** Logs (under `tag`) and returns the gas of PlasmaFraudVerifier.transitionFault (the module's work and the tx and pre-state checks) on the proof of `tx`. */
export async function verifierGas(tag: string, what: string, tx: core.SignedTx, timestamp?: bigint): Promise<bigint> {
  const { block } = forgeA(tx, timestamp === undefined ? {} : { timestamp });
  const input = {
    domainSeparator: t.domainSeparator, chainId: t.A.chainId, txRoot: block.header.txRoot, prevStateRoot: t.A.head!.stateRoot,
    prevDepositNonce: t.A.head!.depositNonce, depositNonce: block.header.depositNonce, depositRecord: core.ZERO_BYTES32,
  };
  const gas = (await t.verifier.transitionFault.estimateGas(input, rootArgs(proofOf(block)))) as bigint;
  console.log(`[${tag}] transitionFault (${what}): ${gas} gas`);
  return gas;
}

/**
 * Commits `block` (a lie of A) on the root, expects findFraud to prove it with `reason` and PlasmaRoot to convict A of
 * block `block.header.number` (FraudProven kind 10, A frozen); logs the gas under `tag`, `what` when given. The receipt.
 */
export async function convictAtRoot(block: core.Block, reason: string, tag?: string, what?: string) {
  await t.A.commit(block, { valid: false });
  const finding = core.findFraud(block, t.A.head, t.A.state, { ...t.A.ctx });
  expect(finding).toMatchObject({ provable: true, kind: core.FraudKind.InvalidLedgerTx, txIndex: 0, reason });
  const receipt = await sendCall(t.relayer, t.f.rootAddress, t.A.calldata((finding as { proof: core.FraudProof }).proof));
  const [proven] = receipt.logs.map((l) => t.root.interface.parseLog(l)).filter((e) => e?.name === 'FraudProven');
  expect(proven!.args.kind).toBe(10n);
  expect(proven!.args.number).toBe(block.header.number);
  expect(Number((await t.root.chainStatus(t.A.chainId)).status)).toBe(core.ChainStatus.FrozenFraud);
  if (tag !== undefined) console.log(`[${tag}] proveInvalidTransition (${what}): ${receipt.gasUsed} gas`);
  return receipt;
}

/** expectParity of a refusal on a block tx changed after placing (a slot rule or a signature broken by hand). */
export async function expectBlockTxParity(tx: core.BlockTx, code: string, timestamp = t.A.head!.timestamp + 1n): Promise<void> {
  expect(reexecute(tx, timestamp).refusal).toBe(code);
  const block = t.A.forge([tx], [t.A.state.root], { timestamp });
  const proof = proofOf(block);
  expect(proof.refusal).toBe(code);
  const verdict = await judge(block, proof);
  expect(verdict.refusal).toBe(id(code));
  expect(verdict.fault).toBe(FAULT_LEDGER_REFUSED);
}

/**
 * Edge tx `tx` (kind 7, 8 or 9, placed: its stated effect empty) as a producer seals it on A's head state at
 * `timestamp`: with the effect its half has there (withEdgeEffect; `edges`: A's edge registry, the built-ins when
 * absent), and core's post-state root of it. A's state is left as it was.
 */
export function withEffect(tx: core.BlockTx, timestamp: bigint, edges?: core.EdgeRegistry): { tx: core.BlockTx; postRoot: Hex; effect: core.EdgeEffect } {
  const { state } = t.A;
  state.checkpoint();
  try {
    const stf = { ...t.A.ctx, ...(edges === undefined ? {} : { edges }), lastDepositNonce: t.A.head!.depositNonce, timestamp };
    const outcome = core.applyTx(state, tx, stf, { edgeEffect: 'fill' });
    return { tx: core.withEdgeEffect(tx, outcome.edgeEffect!), postRoot: outcome.postRoot, effect: outcome.edgeEffect! };
  } finally {
    state.revert();
  }
}

/** The post-state root of edge tx `tx` on A's head state at `timestamp` as L1 computes it (its stated effect), then `change` made to it. */
export function statedRootWith(tx: core.BlockTx, timestamp: bigint, change: (state: core.ChainState) => void = () => {}): Hex {
  const { state } = t.A;
  state.checkpoint();
  try {
    core.applyTx(state, tx, { ...t.A.ctx, lastDepositNonce: t.A.head!.depositNonce, timestamp }, { edgeEffect: 'stated' });
    change(state);
    return state.root;
  } finally {
    state.revert();
  }
}

/** Logs (under `tag`) and returns the gas of PlasmaFraudVerifier.transitionFault on core's proof of `block`'s tx 0 (the root's record under its nonce). */
export async function blockVerifierGas(tag: string, what: string, block: core.Block): Promise<bigint> {
  const gas = (await t.verifier.transitionFault.estimateGas(await transitionInput(block), rootArgs(proofOf(block)))) as bigint;
  console.log(`[${tag}] transitionFault (${what}): ${gas} gas`);
  return gas;
}

/**
 * PlasmaFraudVerifier.transitionFault on core's proof of `block`'s tx 0 with only `gasLimit` gas: its fault code, or
 * 'reverted' (a starved proof must revert, never answer otherwise than with enough gas).
 */
export async function transitionFaultWithGas(block: core.Block, gasLimit: bigint): Promise<number | 'reverted'> {
  try {
    const [fault] = (await t.verifier.transitionFault.staticCall(await transitionInput(block), rootArgs(proofOf(block)), { gasLimit })) as [bigint, string];
    return Number(fault);
  } catch {
    return 'reverted';
  }
}

/** Runs `body` between an evm_snapshot and an evm_revert: a conviction that must not freeze A for the tests after it. */
export async function undone<T>(body: () => Promise<T>): Promise<T> {
  const snapshot = (await t.f.provider.send('evm_snapshot', [])) as string;
  try {
    return await body();
  } finally {
    await t.f.provider.send('evm_revert', [snapshot]);
  }
}
