/**
 * The escape of holders inside a frozen chain's descendants (docs/FRAUD.md §4b): A is a frozen child of the root whose
 * head H is final; K is a descendant of A, reached along a path A → K1 → … → K (K1 a child of A, each next chain a child
 * of the one before; K = K1 when it is A's child). K's holders leave on L1 through PlasmaRoot's PlasmaNestedEscape
 * module from K's last final block in its parent's ledger, each level judged at its parent's last final block: their
 * accounts (escapeNestedExit), K's exits its parent never paid (exitNested) and the deposits the parent recorded for K
 * that K never applied (reclaimNested), each capped at every level by that level's SubtreeBalance in its parent's ledger.
 *
 * The client takes core's builder outputs (core nestedEscape.ts: `frozenHead`, `buildNestedPath`,
 * `buildNestedAccountProof`, `buildNestedExitProof`, `buildNestedDepositProof`); `@plasma-tree/node`'s
 * `nestedEscapeSourceFromDataDirs` builds them from stopped nodes' data directories (the SDK never loads the node's
 * database code: the CLI joins them). Every call is checked against the root and the module before gas is spent.
 */
import { AbiCoder, Contract, Interface, keccak256 as ethersKeccak, type Provider, type Signer, type TransactionReceipt, type TransactionResponse } from 'ethers';
import {
  encodeEscapeNestedExitCall,
  encodeExitNestedCall,
  encodeReclaimNestedCall,
  hashHeader,
  nestedChildOf,
  normalizeAddress,
  type Address,
  type ChainId,
  type Hex,
  type NestedAccountProof,
  type NestedDepositProof,
  type NestedExitProof,
  type NestedRoute,
  type PlasmaError,
} from '@plasma-tree/core';
import { loadArtifact } from '@plasma-tree/contracts';
import { plasmaError } from './errors.js';
import { plasmaRoot, readL1, readL1Time, sendChecked } from './l1.js';
import type { ChainStatusName } from './escape.js';

const STATUS_NAMES: readonly ChainStatusName[] = ['live', 'frozen-fraud', 'frozen-stalled'];
const abi = AbiCoder.defaultAbiCoder();

/**
 * What every call of the module starts with (core's NestedRoute, e.g. a `buildNestedPath`): A at its final head, the
 * levels between A and K (`via`, empty when K is A's child) and K's last final block in its parent's ledger (`final`).
 */
export type NestedEscapeInputs = NestedRoute;

/** What a holder of K reads before leaving: A's status on the root, K's last final block, the caps and what was paid. */
export interface NestedEscapeStatus {
  parentChainId: ChainId;
  child: ChainId;
  /** PlasmaNestedEscape's address (PlasmaRoot.nestedEscape()). */
  module: Address;
  status: ChainStatusName;
  frozenAt: number | null;
  /** A's head on the root, its windowEnd, and whether it is final (now >= windowEnd). */
  headNumber: number;
  headWindowEnd: number;
  headFinal: boolean;
  secondsUntilFinal: number;
  now: number;
  /** From the inputs (when given): whether they are the root's head with its windowEnd (else they are stale). */
  inputsMatchRoot: boolean | null;
  /** K's last final block in its parent's ledger (from the inputs; null without them), and K's head there. */
  lastFinalBlock: number | null;
  childHeadNumber: number | null;
  /** Per token: SubtreeBalance(K) in its parent's ledger (when given), what the module paid through K so far, what is left. */
  tokens: { token: Address; cap: bigint | null; paid: bigint; left: bigint | null }[];
}

export interface NestedEscapeClientOptions {
  /** A Signer to send (anyone may: the payee is fixed by the proof), or a Provider to read. */
  l1: Signer | Provider;
  rootContract: string;
  /** Receipt polling, ms (default 250). */
  pollMs?: number;
}

interface Paid {
  txHash: Hex;
  token: Address;
  amount: bigint;
  gasUsed: bigint;
  blockNumber: number;
}

export interface NestedAccountResult extends Paid {
  kind: 'account';
  slot: number;
  /** The payee: the slot's owner. */
  to: Address;
}

export interface NestedExitResult extends Paid {
  kind: 'exit';
  number: bigint;
  index: bigint;
  /** The payee: the exit's recipient. */
  to: Address;
}

export interface NestedReclaimResult extends Paid {
  kind: 'deposit';
  nonce: bigint;
  /** The payee: the depositor. */
  to: Address;
}

export type NestedPayment = NestedAccountResult | NestedExitResult | NestedReclaimResult;

/** What `escapeAll` did: each payment, and what it left out (already paid, with the code that says so). */
export interface NestedEscapeAllResult {
  paid: NestedPayment[];
  skipped: { kind: NestedPayment['kind']; what: string; code: string; message: string }[];
}

const nestedError = (code: string, message: string, data: Record<string, unknown> = {}, hint?: string): PlasmaError => plasmaError(code, message, data, undefined, hint);

let moduleIface: Interface | undefined;
function nestedEscapeInterface(): Interface {
  if (!moduleIface) {
    try {
      moduleIface = new Interface((loadArtifact('PlasmaNestedEscape') as { abi: any }).abi);
    } catch (e) {
      throw plasmaError('ARTIFACT_MISSING', 'the PlasmaNestedEscape contract artifact is not built', {}, e, 'compile the contracts first: `npm run build:contracts` at the repository root');
    }
  }
  return moduleIface;
}

export class NestedEscapeClient {
  readonly rootContract: Address;
  private readonly provider: Provider;
  private readonly signer: Signer | undefined;
  private readonly pollMs: number;
  private moduleAddress: Address | undefined;

  constructor(opts: NestedEscapeClientOptions) {
    this.rootContract = normalizeAddress(opts.rootContract);
    const asSigner = opts.l1 as Signer;
    this.signer = typeof asSigner.signTransaction === 'function' ? asSigner : undefined;
    const provider = this.signer ? this.signer.provider : (opts.l1 as Provider);
    if (!provider) throw nestedError('NO_PROVIDER', 'the L1 signer has no provider', {}, 'connect the signer to a provider: new Wallet(key, provider)');
    this.provider = provider;
    this.pollMs = opts.pollMs ?? 250;
  }

  /** PlasmaRoot.nestedEscape(): the module's address. */
  async module(): Promise<Address> {
    if (!this.moduleAddress) {
      const address = await readL1('reading PlasmaRoot.nestedEscape', () => plasmaRoot(this.rootContract, this.provider).nestedEscape());
      this.moduleAddress = normalizeAddress(String(address));
    }
    return this.moduleAddress;
  }

  private async contract(): Promise<Contract> {
    return new Contract(await this.module(), nestedEscapeInterface(), this.provider);
  }

  // ---------------------------------------------------------------------------------------------- status

  /**
   * A's status on the root (frozen? head final?), and for K (A's child or a deeper descendant): its last final block
   * and head in its parent's ledger (from `inputs`), and per token the cap (`caps`: SubtreeBalance(K, token) in its
   * parent's ledger at the path's snapshot), what the module paid through K
   * (nestedPaid) and what is left.
   */
  async status(parentChainId: ChainId, child: ChainId, opts: { inputs?: NestedEscapeInputs; caps?: ReadonlyMap<Address, bigint>; tokens?: readonly string[] } = {}): Promise<NestedEscapeStatus> {
    const root = plasmaRoot(this.rootContract, this.provider);
    const [statusTuple, info, now] = await readL1('reading the frozen chain', () => Promise.all([root.chainStatus(parentChainId), root.chainInfo(parentChainId), readL1Time(this.provider)]));
    const code = Number(statusTuple[0]);
    const headNumber = Number(info.headNumber);
    const headWindowEnd = Number(info.headWindowEnd);
    let inputsMatchRoot: boolean | null = null;
    if (opts.inputs) inputsMatchRoot = await this.matchesRoot(parentChainId, opts.inputs, headNumber, headWindowEnd);
    const module = await this.contract();
    const tokens = new Set<Address>([...(opts.tokens ?? []).map(normalizeAddress), ...(opts.caps?.keys() ?? [])].map((t) => normalizeAddress(t)));
    const rows: NestedEscapeStatus['tokens'] = [];
    for (const token of tokens) {
      const paid = BigInt(await readL1('reading nestedPaid', () => module.nestedPaid(parentChainId, child, token)));
      const cap = opts.caps?.get(token) ?? null;
      rows.push({ token, cap, paid, left: cap === null ? null : cap > paid ? cap - paid : 0n });
    }
    return {
      parentChainId,
      child,
      module: await this.module(),
      status: STATUS_NAMES[code] ?? 'live',
      frozenAt: code === 0 ? null : Number(statusTuple[1]),
      headNumber,
      headWindowEnd,
      headFinal: headNumber > 0 && now >= headWindowEnd,
      secondsUntilFinal: Math.max(0, headWindowEnd - now),
      now,
      inputsMatchRoot,
      lastFinalBlock: opts.inputs ? Number(opts.inputs.final.block.number) : null,
      childHeadNumber: opts.inputs ? Number(opts.inputs.final.record.headNumber) : null,
      tokens: rows,
    };
  }

  async isEscaped(parentChainId: ChainId, child: ChainId, slot: number): Promise<boolean> {
    const module = await this.contract();
    return Boolean(await readL1('reading isNestedEscaped', () => module.isNestedEscaped(parentChainId, child, slot)));
  }

  async isExitPaid(parentChainId: ChainId, child: ChainId, number: bigint, index: bigint): Promise<boolean> {
    const module = await this.contract();
    return Boolean(await readL1('reading isNestedExitPaid', () => module.isNestedExitPaid(parentChainId, child, number, index)));
  }

  async isReclaimed(parentChainId: ChainId, child: ChainId, nonce: bigint): Promise<boolean> {
    const module = await this.contract();
    return Boolean(await readL1('reading isNestedReclaimed', () => module.isNestedReclaimed(parentChainId, child, nonce)));
  }

  // ---------------------------------------------------------------------------------------------- the three calls

  /** escapeNestedExit: pays a slot of K's last final block to its owner (ALREADY_ESCAPED when paid before). */
  async escape(inputs: NestedEscapeInputs, proof: NestedAccountProof): Promise<NestedAccountResult> {
    const { A, K } = await this.ready(inputs);
    if (inputs.final.block.number === 0n) {
      throw nestedError('NOTHING_FINAL', `no block of ${K} is final in its parent's ledger (below ${A}'s final head): no account to escape from`, { parentChainId: A, child: K });
    }
    const slot = proof.account.slot;
    if (await this.isEscaped(A, K, slot)) {
      throw nestedError('ALREADY_ESCAPED', `slot ${slot} of ${K} (${proof.account.owner}, ${proof.account.token}) was already paid by escapeNestedExit`, { parentChainId: A, child: K, slot });
    }
    const receipt = await this.send('escapeNestedExit', encodeEscapeNestedExitCall(inputs, proof));
    return { kind: 'account', slot, to: normalizeAddress(proof.account.owner), token: normalizeAddress(proof.account.token), amount: proof.account.balance, ...paid(receipt) };
  }

  /** exitNested: pays an exit of a final block of K that A never paid to its recipient (ALREADY_WITHDRAWN when paid before). */
  async exit(inputs: NestedEscapeInputs, proof: NestedExitProof): Promise<NestedExitResult> {
    const { A, K } = await this.ready(inputs);
    const number = proof.exitBlock.header.number;
    if (await this.isExitPaid(A, K, number, proof.index)) {
      throw nestedError('ALREADY_WITHDRAWN', `exit ${proof.index} of block ${number} of ${K} was already paid by exitNested`, { parentChainId: A, child: K, number: number.toString(), index: proof.index.toString() });
    }
    const receipt = await this.send('exitNested', encodeExitNestedCall(inputs, proof));
    return { kind: 'exit', number, index: proof.index, to: normalizeAddress(proof.exit.recipient), token: normalizeAddress(proof.exit.token), amount: proof.exit.amount, ...paid(receipt) };
  }

  /** reclaimNested: gives a deposit in flight back to its depositor (ALREADY_RECLAIMED when given back before). */
  async reclaim(inputs: NestedEscapeInputs, proof: NestedDepositProof): Promise<NestedReclaimResult> {
    const { A, K } = await this.ready(inputs);
    if (await this.isReclaimed(A, K, proof.nonce)) {
      throw nestedError('ALREADY_RECLAIMED', `deposit ${proof.nonce} to ${K} was already given back by reclaimNested`, { parentChainId: A, child: K, nonce: proof.nonce.toString() });
    }
    const receipt = await this.send('reclaimNested', encodeReclaimNestedCall(inputs, proof));
    return { kind: 'deposit', nonce: proof.nonce, to: normalizeAddress(proof.from), token: normalizeAddress(proof.token), amount: proof.amount, ...paid(receipt) };
  }

  /**
   * Every account, exit and deposit given, one call each, skipping what the module paid already (payAll).
   */
  async escapeAll(inputs: NestedEscapeInputs, proofs: NestedProofs): Promise<NestedEscapeAllResult> {
    return payAll(this, inputs, proofs);
  }

  // ---------------------------------------------------------------------------------------------- internals

  /** A frozen on the root, the inputs its head as committed, the head final: CHAIN_NOT_FROZEN, PROOF_MISMATCH, HEAD_NOT_FINAL otherwise. */
  private async ready(inputs: NestedEscapeInputs): Promise<{ A: ChainId; K: ChainId }> {
    this.requireSigner();
    const A = inputs.frozen.chainId.toLowerCase() as ChainId;
    const K = childOf(inputs);
    const s = await this.status(A, K);
    if (s.status === 'live') {
      throw nestedError('CHAIN_NOT_FROZEN', `chain ${A} is live: its children's holders leave through it (withdraw on it), the nested escape opens once it is frozen`, { chainId: A },
        'if its validators stay silent, freeze it after its stall limit: `plasma-tree escape freeze <chain>`');
    }
    if (!(await this.matchesRoot(A, inputs, s.headNumber, s.headWindowEnd))) {
      throw nestedError('PROOF_MISMATCH', `the inputs are for block ${inputs.frozen.head.number} of ${A} (windowEnd ${inputs.frozen.windowEnd}); the root's head is block ${s.headNumber} (windowEnd ${s.headWindowEnd})`,
        { chainId: A, headNumber: s.headNumber }, "rebuild them from a data directory of the frozen chain at the root's head (a fraud proof may have rolled it back)");
    }
    if (!s.headFinal) {
      throw nestedError('HEAD_NOT_FINAL', `the head (block ${s.headNumber}) of chain ${A} is still inside its challenge window: ${s.secondsUntilFinal} s left`,
        { chainId: A, headWindowEnd: s.headWindowEnd, secondsLeft: s.secondsUntilFinal }, `a fraud proof may still roll it back: escape after L1 time ${s.headWindowEnd} (${s.secondsUntilFinal} s)`);
    }
    return { A, K };
  }

  private async matchesRoot(A: ChainId, inputs: NestedEscapeInputs, headNumber: number, headWindowEnd: number): Promise<boolean> {
    if (Number(inputs.frozen.head.number) !== headNumber || Number(inputs.frozen.windowEnd) !== headWindowEnd) return false;
    const record = String(await readL1('reading the commitment record', () => plasmaRoot(this.rootContract, this.provider).commitmentRecord(A, headNumber))).toLowerCase();
    return record === ethersKeccak(abi.encode(['bytes32', 'uint64'], [hashHeader(inputs.frozen.head), headWindowEnd])).toLowerCase();
  }

  private requireSigner(): Signer {
    if (!this.signer) throw nestedError('SIGNER_REQUIRED', 'the nested escape sends L1 transactions: the client has a provider only', {}, 'pass a Signer as `l1` (any account may pay the gas)');
    return this.signer;
  }

  /** Dry run (its revert decoded to a code and a hint, the module's errors included), then send and wait (l1.ts sendChecked). */
  private async send(action: string, data: Hex): Promise<TransactionReceipt> {
    const signer = this.requireSigner();
    const to = await this.module();
    return sendChecked(this.provider, this.pollMs, action, () => signer.call({ to, data }), (): Promise<TransactionResponse> => signer.sendTransaction({ to, data }));
  }
}

/** The accounts, exits and deposits a holder leaves with (core's builders, or nestedEscapeSourceFromDataDirs). */
export interface NestedProofs {
  accounts?: readonly NestedAccountProof[];
  exits?: readonly NestedExitProof[];
  deposits?: readonly NestedDepositProof[];
}

/** Who pays a nested escape: the root's module (NestedEscapeClient) or a chain parent's ledger (ChainNestedEscapeClient). */
export interface NestedEscapeHost {
  escape(inputs: NestedEscapeInputs, proof: NestedAccountProof): Promise<NestedAccountResult>;
  exit(inputs: NestedEscapeInputs, proof: NestedExitProof): Promise<NestedExitResult>;
  reclaim(inputs: NestedEscapeInputs, proof: NestedDepositProof): Promise<NestedReclaimResult>;
}

/**
 * Every account, exit and deposit given, one call each on `host`, skipping what it paid already (a second run pays
 * nothing and says why); any other refusal throws.
 */
export async function payAll(host: NestedEscapeHost, inputs: NestedEscapeInputs, proofs: NestedProofs): Promise<NestedEscapeAllResult> {
  const out: NestedEscapeAllResult = { paid: [], skipped: [] };
  const run = async <T extends NestedPayment>(kind: T['kind'], what: string, call: () => Promise<T>): Promise<void> => {
    try {
      out.paid.push(await call());
    } catch (e) {
      const err = e as PlasmaError;
      if (!['ALREADY_ESCAPED', 'ALREADY_WITHDRAWN', 'ALREADY_RECLAIMED'].includes(err?.code)) throw e;
      out.skipped.push({ kind, what, code: err.code, message: err.message });
    }
  };
  for (const p of proofs.accounts ?? []) await run('account', `slot ${p.account.slot}`, () => host.escape(inputs, p));
  for (const p of proofs.exits ?? []) await run('exit', `exit ${p.index} of block ${p.exitBlock.header.number}`, () => host.exit(inputs, p));
  for (const p of proofs.deposits ?? []) await run('deposit', `deposit ${p.nonce}`, () => host.reclaim(inputs, p));
  return out;
}

/** K: the holder's chain of the path, A's descendant through each level's Child record index. */
export function childOf(inputs: NestedEscapeInputs): ChainId {
  return nestedChildOf(inputs);
}

function paid(receipt: TransactionReceipt): { txHash: Hex; gasUsed: bigint; blockNumber: number } {
  return { txHash: receipt.hash as Hex, gasUsed: receipt.gasUsed, blockNumber: receipt.blockNumber };
}
