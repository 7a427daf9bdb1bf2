/**
 * The judge of a transition proof against a ledger-kind tx (kinds 3-15, docs/LEDGER-PROOFS.md) in TypeScript: what
 * PlasmaFraudVerifier.transitionFault and its ledger modules say of a LedgerTransitionProof, so that a chain parent
 * convicts its child of a lie in a ledger kind (PROVE_CHILD_FRAUD with fraud kind 10, ParentLedger.proveFraud) exactly
 * as PlasmaRoot convicts a child of the root.
 *
 * No port of the modules: core's STF is the specification they mirror, so this re-runs `applyTx` (edge kinds: the
 * registry-independent refusals, then the stated effect, as L1 judges them) on a ChainState backed by the proof's
 * witnesses alone. The touch plan (ledgerTouchPlan) names the entry under each witness; an entry is decoded from its
 * witness value when the STF first reads it, an account slot opened in the accounts root where the module opens it.
 * A read no witness covers is a witness error, as the module's revert is. Then the witnesses the STF reached are
 * walked as the module's `_refuse` (each folds to the pre-state ledger root) or `_valid` (each old leaf folds to the
 * running root, the entry after the tx moves it) do, and the post-state root is compared with the claimed one.
 *
 * Witness errors (MISSING_LEDGER_WITNESS, INVALID_LEDGER_WITNESS, BAD_VALIDATOR_WITNESS, MISSING_ACCOUNT_WITNESS,
 * WRONG_WITNESS_SLOT, INVALID_ACCOUNT_PROOF, and the tx and pre-state checks) throw: the proof is bad, not the tx. The
 * same errors raised by a proof nested in the tx (a PROVE_CHILD_FRAUD of a grandchild) are that tx's refusal, as
 * PlasmaLedgerChildFraud maps its nested call's reverts.
 */
import { decodeWords } from './abi.js';
import { bytesToHex, hexToBytes, ZERO_BYTES32 } from './bytes.js';
import { ChainState, chainStateRoot } from './chainState.js';
import { accountLeaf } from './encoding.js';
import { isPlasmaError, PlasmaError, type ParentLedgerErrorCode } from './errors.js';
import { TransitionFault, type AccountWitness, type LedgerTransitionProof } from './fraud.js';
import { accountsRootOf, accountsRootWith, checkPreState, isEmpty, isMalformed, verifierError, WITNESS_HINT, type TransitionInput } from './fraudVerifier.js';
import { keccak256 } from './hash.js';
import { isDefaultLedgerEntry, ledgerEntryFromValue, ledgerEntryLeaf, LedgerKind, unknownValidators, validatorSetHash, type LedgerEntry, type LedgerKeyRef } from './ledgerEntries.js';
import { edgeLedgerRefusal, isEdgeKind, ledgerTouchPlan } from './ledgerFraud.js';
import { ledgerProofRoot, ledgerProofUpdate } from './ledgerTree.js';
import { ParentLedger } from './parentLedger.js';
import { AccountState } from './state.js';
import { applyTx, type StfContext } from './stf.js';
import { decodeSpawnChildData } from './txData.js';
import { TxKind, type Account, type Address, type Hex } from './types.js';

/** The highest tx kind (CHILD_DATA_CALL): a kind past it has no module (ProofKindNotSupported). */
const LAST_TX_KIND = TxKind.NestedEscapeCall;

/** A witness error of one judgement: the proof is bad (a module reverts), not the tx. */
export class LedgerWitnessError extends PlasmaError {
  constructor(
    readonly judgement: object,
    code: ParentLedgerErrorCode,
    message: string,
    data: Record<string, string>,
  ) {
    super(code, message, { data, hint: WITNESS_HINT });
  }
}

/** What the module says of a proof: the STF's refusal, or the post-state root re-executing the tx gives. */
export type LedgerVerdict = { refusal: string; postStateRoot?: undefined } | { refusal?: undefined; postStateRoot: Hex };

/**
 * PlasmaFraudVerifier.transitionFault for a tx of kind 3-15: the tx and pre-state checks (which throw), the tx's form
 * (TransitionFault.Malformed), then the ledger module's verdict: LedgerRefused, PostRootMismatch with the recomputed
 * root, or Valid. `input.depositRecord` is the host's record under the tx's nonce (kind 8 reads it).
 */
export function ledgerTransitionFault(input: TransitionInput, proof: Omit<LedgerTransitionProof, 'refusal'>): { fault: TransitionFault; postStateRoot: Hex } {
  const { tx } = proof.tx;
  if (tx.kind <= TxKind.Withdraw || tx.kind > LAST_TX_KIND) {
    throw verifierError('PROOF_KIND_NOT_SUPPORTED', `no ledger module proves a tx of kind ${tx.kind}`, { kind: tx.kind }, 'a ledger-kind proof is against a tx of kind 3-15');
  }
  checkPreState(input, proof.tx, proof.preTx, proof.accountsRoot, proof.ledgerRoot);
  if (isMalformed(proof.tx)) return { fault: TransitionFault.Malformed, postStateRoot: ZERO_BYTES32 };
  const verdict = ledgerTransition(input, proof);
  if (verdict.refusal !== undefined) return { fault: TransitionFault.LedgerRefused, postStateRoot: ZERO_BYTES32 };
  if (verdict.postStateRoot !== proof.tx.postStateRoot.toLowerCase()) return { fault: TransitionFault.PostRootMismatch, postStateRoot: verdict.postStateRoot };
  return { fault: TransitionFault.Valid, postStateRoot: verdict.postStateRoot };
}

/**
 * PlasmaLedgerModule.ledgerTransition: re-executes the proof's tx on its witnesses. It does not check the tx against
 * the block (ledgerTransitionFault does, before).
 */
export function ledgerTransition(input: TransitionInput, proof: Omit<LedgerTransitionProof, 'refusal'>): LedgerVerdict {
  const judgement = {};
  const witnessError = (code: ParentLedgerErrorCode, message: string, data: Record<string, string | number>) =>
    new LedgerWitnessError(judgement, code, message, Object.fromEntries(Object.entries(data).map(([k, v]) => [k, String(v)])));
  const { header: h, prev } = proof;
  const t = proof.tx;
  const tx = t.tx;
  const chainId = input.chainId.toLowerCase() as Hex;
  const entries = proof.ledger.entries;
  const extraValidators = validatorsOf(tx.kind, proof.ledger.extra);
  // The set is read where the module reads it: an extra that does not decode is its decoder's revert, another set its BadValidatorWitness.
  const unknown = unknownValidators(() => extraValidators === null
    ? witnessError('INVALID_LEDGER_WITNESS', "the extra does not decode as the child's validator set (address[])", { position: entries.length })
    : witnessError('BAD_VALIDATOR_WITNESS', "the child's validator set is needed and the extra gives another", {}));
  const decode = (ref: LedgerKeyRef, position: number): Readonly<LedgerEntry> | undefined => {
    let entry: Readonly<LedgerEntry> | undefined;
    try {
      entry = ledgerEntryFromValue(ref, entries[position].value);
    } catch (e) {
      if (!isPlasmaError(e)) throw e;
      throw witnessError('INVALID_LEDGER_WITNESS', `ledger witness ${position} is not an entry's value`, { position });
    }
    if (entry?.kind !== LedgerKind.Child) return entry;
    const known = extraValidators !== undefined && extraValidators !== null && validatorSetHash(extraValidators) === entry.validatorSetHash;
    return { ...entry, validators: known ? extraValidators : unknown };
  };
  const stf: StfContext = {
    chainId,
    domain: input.domain,
    ...(input.scheme === undefined ? {} : { scheme: input.scheme }),
    // The down stream comes first in a block: a kind 8 at `index` follows the events before it.
    lastDepositNonce: prev.depositNonce + BigInt(t.index),
    timestamp: h.timestamp,
    depositRecord: (nonce) => (nonce === tx.nonce ? input.depositRecord : undefined),
  };

  // The plan's first entries never depend on the ledger, and the later ones only on those: a plan on an empty
  // ledger names them, and the plan on the witnesses of those names the rest.
  const draft = ledgerTouchPlan(tx, new ParentLedger(chainId))!;
  const plan = ledgerTouchPlan(tx, new ParentLedger(chainId, { store: new WitnessEntries(draft.refs, draft.keys, entries.length, decode, witnessError) }))!;
  const store = new WitnessEntries(plan.refs, plan.keys, entries.length, decode, witnessError);
  const accounts = new WitnessAccounts(plan.slots, proof.accounts, proof.accountsRoot, witnessError);
  const state = new ChainState(chainId, { accounts, ledger: new ParentLedger(chainId, { store }) });

  let refusal: string | undefined;
  try {
    if (isEdgeKind(tx.kind)) refusal = edgeLedgerRefusal(tx, t.index, h, prev, state, stf);
    if (refusal === undefined) applyTx(state, tx, stf, isEdgeKind(tx.kind) ? { edgeEffect: 'stated' } : {});
  } catch (e) {
    if (!isPlasmaError(e) || (e instanceof LedgerWitnessError && e.judgement === judgement)) throw e;
    refusal = e.code;
  }
  // A spawn's checks reach the validators' sort (the witness's order) once the configuration passed.
  if (tx.kind === TxKind.SpawnChild && (refusal === undefined || AFTER_THE_SORT.has(refusal))) {
    const sorts = sortsValidators(tx.data, proof.ledger.extra);
    if (sorts === undefined) throw witnessError('INVALID_LEDGER_WITNESS', 'the extra does not decode as a sort order (uint16[])', { position: entries.length });
    if (!sorts) throw witnessError('BAD_SORT_WITNESS', "the extra is not the permutation that sorts the spawn's validators", {});
  }

  const ledgerRoot = hexToBytes(proof.ledgerRoot, 32);
  if (refusal !== undefined) {
    // _refuse: every value read folds to the pre-state ledger root.
    for (let i = 0; i < store.read; i++) {
      const root = ledgerProofRoot(plan.keys[i], leafOfValue(entries[i].value), entries[i].proof);
      if (root === undefined || bytesToHex(root) !== bytesToHex(ledgerRoot)) throw invalidLedgerWitness(witnessError, i);
    }
    return { refusal };
  }
  // _valid: each old leaf folds to the running root, each entry as the tx left it moves it.
  let root: Uint8Array = ledgerRoot;
  for (let i = 0; i < store.read; i++) {
    const after = store.current(plan.keys[i]);
    const newLeaf = after === undefined || isDefaultLedgerEntry(after) ? null : ledgerEntryLeaf(after);
    const moved = ledgerProofUpdate(plan.keys[i], leafOfValue(entries[i].value), newLeaf, entries[i].proof);
    if (moved === undefined || bytesToHex(moved.before) !== bytesToHex(root)) throw invalidLedgerWitness(witnessError, i);
    root = moved.after;
  }
  return { postStateRoot: chainStateRoot(accounts.postRoot(), root) };
}

type WitnessErrorOf = (code: ParentLedgerErrorCode, message: string, data: Record<string, string | number>) => LedgerWitnessError;

function invalidLedgerWitness(witnessError: WitnessErrorOf, position: number): LedgerWitnessError {
  return witnessError('INVALID_LEDGER_WITNESS', `ledger witness ${position} does not fold to the root it must`, { position });
}

/** The leaf of a witness value: '0x' is the empty leaf (PlasmaLedgerModule._leaf). */
function leafOfValue(value: Hex): Uint8Array | null {
  const bytes = hexToBytes(value);
  return bytes.length === 0 ? null : keccak256(bytes);
}

/** A spawn's refusals PlasmaLedgerRegistry reaches after sorting the validators with the witness's order. */
const AFTER_THE_SORT: ReadonlySet<string> = new Set(['ZERO_ADDRESS_VALIDATOR', 'DUPLICATE_VALIDATOR', 'SAFE_CAST_OVERFLOWED_UINT_DOWNCAST']);

const MAX_UINT64 = (1n << 64n) - 1n;

/**
 * Solidity's `abi.decode(extra, (uintN[]))` (an address is a uint160): undefined where the decoder reverts (a head
 * or an array past the data, a word wider than `bits`); bytes after the array are ignored, as it ignores them.
 */
function decodeWordArray(extra: Hex, bits: number): bigint[] | undefined {
  const bytes = hexToBytes(extra);
  const word = (at: bigint): bigint => BigInt(bytesToHex(bytes.subarray(Number(at), Number(at) + 32)));
  const length = BigInt(bytes.length);
  if (length < 32n) return undefined;
  const offset = word(0n);
  if (offset > MAX_UINT64 || offset + 32n > length) return undefined;
  const count = word(offset);
  if (count > MAX_UINT64 || offset + 32n + count * 32n > length) return undefined;
  const out: bigint[] = [];
  for (let i = 0n; i < count; i++) {
    const value = word(offset + 32n + i * 32n);
    if (value >> BigInt(bits) !== 0n) return undefined;
    out.push(value);
  }
  return out;
}

/** Whether `extra`, abi.encode(uint16[] order), lists each validator of the spawn once, in ascending address order (undefined: it does not decode). */
function sortsValidators(data: Hex, extra: Hex): boolean | undefined {
  const order = decodeWordArray(extra, 16)?.map(Number);
  if (order === undefined) return undefined;
  const { validators } = decodeSpawnChildData(data);
  if (order.length !== validators.length || new Set(order).size !== order.length || order.some((j) => j >= validators.length)) return false;
  return order.every((j, i) => i === 0 || validators[order[i - 1]].toLowerCase() <= validators[j].toLowerCase());
}

/**
 * Kinds 4 (COMMIT_CHILD) and 10 (an equivocation) give the child's validators in `extra`: abi.encode(address[]);
 * null when it does not decode (the module's decoder reverts), undefined for the other kinds.
 */
function validatorsOf(kind: TxKind, extra: Hex): readonly Address[] | null | undefined {
  if (kind !== TxKind.CommitChild && kind !== TxKind.ProveChildFraud) return undefined;
  const words = decodeWordArray(extra, 160);
  return words === undefined ? null : words.map((w) => `0x${w.toString(16).padStart(40, '0')}` as Address);
}

/**
 * The ledger's entries as the proof's witnesses give them: the entry under plan key i is decoded from witness i when
 * the STF first reads it; a key outside the plan, or past the witnesses given, is MISSING_LEDGER_WITNESS. `read` is
 * the number of positions the STF reached (PlasmaLedgerModule's Ctx.read).
 */
class WitnessEntries extends Map<Hex, Readonly<LedgerEntry>> {
  read = 0;
  private readonly decoded = new Set<number>();

  constructor(
    private readonly refs: readonly LedgerKeyRef[],
    private readonly planKeys: readonly Hex[],
    private readonly available: number,
    private readonly decode: (ref: LedgerKeyRef, position: number) => Readonly<LedgerEntry> | undefined,
    private readonly witnessError: WitnessErrorOf,
  ) {
    super();
  }

  override get(key: Hex): Readonly<LedgerEntry> | undefined {
    this.open(key);
    return super.get(key);
  }

  override has(key: Hex): boolean {
    this.open(key);
    return super.has(key);
  }

  override set(key: Hex, entry: Readonly<LedgerEntry>): this {
    this.open(key);
    return super.set(key, entry);
  }

  override delete(key: Hex): boolean {
    this.open(key);
    return super.delete(key);
  }

  override values(): MapIterator<Readonly<LedgerEntry>> {
    throw this.witnessError('MISSING_LEDGER_WITNESS', 'the tx reads every entry of the ledger: no proof opens them all', { position: this.planKeys.length });
  }

  /** The entry under `key` now, without counting a read. */
  current(key: Hex): Readonly<LedgerEntry> | undefined {
    return super.get(key);
  }

  private open(key: Hex): void {
    const position = this.planKeys.indexOf(key.toLowerCase() as Hex);
    if (position < 0 || position >= this.available) {
      const at = position < 0 ? this.planKeys.length : position;
      throw this.witnessError('MISSING_LEDGER_WITNESS', `the tx reads ledger entry ${at}, which the proof does not open`, { position: at });
    }
    if (position + 1 > this.read) this.read = position + 1;
    if (this.decoded.has(position)) return;
    this.decoded.add(position);
    const entry = this.decode(this.refs[position], position);
    if (entry !== undefined) super.set(this.planKeys[position], entry);
  }
}

/**
 * The accounts as the proof's witnesses give them: the plan's slot j is opened (its witness checked) when the STF
 * first reads it, in the accounts root after the slots before it were written (PlasmaLedgerModule._account).
 */
class WitnessAccounts extends AccountState {
  private readonly opened: boolean[] = [];

  constructor(
    private readonly slots: readonly number[],
    private readonly witnesses: readonly AccountWitness[],
    private readonly preRoot: Hex,
    private readonly witnessError: WitnessErrorOf,
  ) {
    super();
    // The values are in place from the start (a checkpoint the STF reverts must not lose them); each is checked when opened.
    const seen = new Set<number>();
    slots.forEach((slot, j) => {
      const w = witnesses[j];
      if (seen.has(slot) || w === undefined || w.slot !== slot || isEmpty(w)) return;
      seen.add(slot);
      super.put(slot, { owner: w.owner, token: w.token, balance: w.balance, nonce: w.nonce });
    });
  }

  override get(slot: number): Readonly<Account> | undefined {
    const j = this.slots.indexOf(slot);
    if (j < 0 || j >= this.witnesses.length) {
      const at = j < 0 ? this.slots.length : j;
      throw this.witnessError('MISSING_ACCOUNT_WITNESS', `account witness ${at} is missing`, { position: at });
    }
    if (!this.opened[j]) {
      const w = this.witnesses[j];
      if (w.slot !== slot) throw this.witnessError('WRONG_WITNESS_SLOT', `account witness ${j} opens slot ${w.slot}, the tx needs ${slot}`, { position: j, slot: w.slot, expected: slot });
      if (accountsRootOf(w) !== this.rootBefore(j)) throw this.witnessError('INVALID_ACCOUNT_PROOF', `the witness of slot ${slot} does not open the accounts root`, { slot });
      this.opened[j] = true;
    }
    return super.get(slot);
  }

  /** The accounts root after the tx: the last slot opened, with its value now, in the root its witness was taken in. */
  postRoot(): Hex {
    return this.rootBefore(this.slots.length);
  }

  /** The accounts root in which slot j's witness opens: the pre-state's, moved by each slot opened before it. */
  private rootBefore(j: number): Hex {
    for (let i = j - 1; i >= 0; i--) {
      if (!this.opened[i]) continue;
      const w = this.witnesses[i];
      const now = super.get(w.slot);
      return accountsRootWith(w, now === undefined ? new Uint8Array(32) : accountLeaf(now));
    }
    return this.preRoot.toLowerCase() as Hex;
  }
}
export type { TransitionInput } from './fraudVerifier.js';
