/**
 * Which ledger entries and account slots a tx of kind 3-15 touches (docs/LEDGER-PROOFS.md §4): the touch plans that
 * fraud.ts's `buildLedgerTransitionProof` builds witnesses from, one per kind a contract module proves. The keys are
 * in the kind's touch order, the order in which PlasmaLedger{Registry,Exits,Objections,Edges} read them, which is the
 * order in which ParentLedger's checks first touch them; every key the kind writes is in the list (the parity tests,
 * contracts/test/ledger-fraud*.test.ts, compare the module's post-state root with core's: a write missing here fails
 * them). Also which txs of those kinds PlasmaRoot can judge: isProvableLedgerTx, edgeLedgerRefusal (the edge kinds are
 * judged on the effect they state, SPEC v4: fraud.ts applies it with the STF's `edgeEffect: 'stated'`).
 */
import { addressEnc, dynamicArrayEnc, tupleEnc, uintEnc } from './abiEncoder.js';
import { bytesToHex, ZERO_BYTES32 } from './bytes.js';
import type { ChainState } from './chainState.js';
import { decodeDataAvailabilityCall, type DataAvailabilityCall } from './dataAvailability.js';
import { chainIdOf, edgeDownRecord, RECORD_TIME_BITS, recordIs } from './encoding.js';
import { isPlasmaError, PlasmaError } from './errors.js';
// fraud.ts imports this module too: a cycle, harmless as neither uses the other at load time.
import { ChainStatus, decodeEscapeChildExitData, decodeFraudProofArgs, FraudKind, type DecodedFraudProof, type TxWitness } from './fraud.js';
import { isUnknownValidators, ledgerEntryKey, LedgerKind, type LedgerKeyRef } from './ledgerEntries.js';
import { checkEdgePayload, MAX_VALIDATORS, type ParentLedger } from './parentLedger.js';
import { checkBlockTxSigner, checkSender, type StfContext } from './stf.js';
import {
  decodeChallengeChildDataData,
  decodeChildDataCallData,
  decodeCommitChildData,
  decodeDepositToChildData,
  decodeEdgeFromChildData,
  decodeEdgeSendData,
  decodeEdgeFromParentData,
  decodeFinalizeChildExitData,
  decodeFreezeStalledChildData,
  decodeProveChildFraudData,
  decodeReclaimChildDepositData,
  decodeSpawnChildData,
  decodeNestedEscapeCallData,
  type EdgeWrite,
} from './txData.js';
import { decodeNestedEscapeCall, nestedCallTouches, type NestedEscapeCall } from './nestedEscapeCall.js';
import { TxKind, type Address, type BlockTx, type Header, type Hex } from './types.js';

/** A child's down stream is a uint48 nonce in PlasmaRoot (ParentLedger's nextDownNonce). */
const DOWN_NONCE_BITS = 48n;

/** The tx kinds 3-15 whose transition PlasmaRoot can judge (the others: PROOF_KIND_NOT_SUPPORTED, §7). */
export const PROVABLE_LEDGER_KINDS: ReadonlySet<TxKind> = new Set([
  TxKind.DepositToChild, TxKind.CommitChild, TxKind.SpawnChild, TxKind.FinalizeChildExit, TxKind.EscapeChildExit, TxKind.ReclaimChildDeposit,
  TxKind.FreezeStalledChild, TxKind.ChallengeChildData, TxKind.ChildDataCall, TxKind.ProveChildFraud,
  // Judged without the edge registry (§4.1): edgeLedgerRefusal's refusals, else the post root of the stated effect.
  TxKind.EdgeSend, TxKind.EdgeFromParent, TxKind.EdgeFromChild,
  TxKind.NestedEscapeCall,
]);

export interface LedgerTouchPlan {
  /** The ledger keys, in touch order. */
  keys: Hex[];
  /** The entries under them (what each key's witness value decodes to: ledgerEntryFromValue). */
  refs: LedgerKeyRef[];
  /** The account slots opened, in order, each in the accounts root after the previous one's update. */
  slots: number[];
  /**
   * A conviction's payment to `tx.to` at slots[0] before slots[1] (the burn slot) is opened: the accounts root that
   * slot's witness is taken in (docs/LEDGER-PROOFS.md §4.2). Absent: slots[0] is not written before.
   */
  paidFirst?: bigint;
  /** The kind's extra witness (kind 4: the child's validators; most kinds: none). */
  extra: Hex;
}

/**
 * The plan of `tx` (well-formed: its data decodes) on `ledger` before it, or undefined when its kind is not provable
 * at the root yet.
 */
export function ledgerTouchPlan(tx: BlockTx, ledger: ParentLedger): LedgerTouchPlan | undefined {
  const plan = touchPlan(tx, ledger);
  return plan === undefined ? undefined : { ...plan, keys: plan.refs.map(ledgerEntryKey) };
}

function touchPlan(tx: BlockTx, ledger: ParentLedger): Omit<LedgerTouchPlan, 'keys'> | undefined {
  switch (tx.kind) {
    case TxKind.DepositToChild: {
      const child = decodeDepositToChildData(tx.data);
      // The deposit's nonce is the child's next one (none known: the module refuses before it reads that key).
      const nonce = ledger.hasChild(child) ? ledger.childInfo(child).depositCount + 1n : 1n;
      return {
        refs: [ref.child(child), ref.childStatus(child), ref.subtreeBalance(child, tx.token), ref.deposit(child, nonce)],
        slots: [tx.slot],
        extra: '0x',
      };
    }
    case TxKind.CommitChild: {
      const { child, header } = decodeCommitChildData(tx.data);
      // The head's commitment is read only above block 1; the module reads it once the number is headNumber + 1.
      const parent = header.number > 1n ? [ref.commitment(child, header.number - 1n)] : [];
      const validators = knownValidators(ledger, child);
      return {
        refs: [ref.child(child), ref.childStatus(child), ...parent, ref.commitment(child, header.number)],
        slots: [],
        extra: bytesToHex(tupleEnc([dynamicArrayEnc(validators.map(addressEnc))]).bytes),
      };
    }
    case TxKind.SpawnChild: {
      const { validators } = decodeSpawnChildData(tx.data);
      // The permutation that sorts the validators (too many: refused before the module sorts).
      const lowered = validators.map((v) => v.toLowerCase());
      const order = lowered.length > MAX_VALIDATORS ? [] : lowered.map((_, i) => i).sort((i, j) => (lowered[i]! < lowered[j]! ? -1 : lowered[i]! > lowered[j]! ? 1 : i - j));
      return {
        refs: [ref.childCount(), ref.child(chainIdOf(ledger.selfId, ledger.childCount))],
        slots: [tx.slot],
        extra: bytesToHex(tupleEnc([dynamicArrayEnc(order.map((i) => uintEnc(i, 16)))]).bytes),
      };
    }
    // The edge kinds (§4.1): the fixed entries first, then each key of the stated effect, in its order.
    case TxKind.EdgeSend: {
      // A down call reads its child's registry entry and status and stamps its record; the sender's nonce moves.
      const { fn, child, writes } = decodeEdgeSendData(tx.data);
      // An up call (child 0) reads no registry entry.
      const nonce = () => (ledger.hasChild(child) ? ledger.childInfo(child).depositCount + 1n : 1n);
      const fixed = child === ZERO_BYTES32 ? [] : [ref.child(child), ref.childStatus(child), ref.deposit(child, nonce())];
      return { refs: [...fixed, ...edgeWriteKeys(fn, writes)], slots: [tx.slot], extra: '0x' };
    }
    case TxKind.EdgeFromParent: {
      // The down stream is the root's records; the delivery's record is this chain's.
      const { fn, writes } = decodeEdgeFromParentData(tx.data);
      return { refs: [ref.edgeDelivery(tx.nonce), ...edgeWriteKeys(fn, writes)], slots: [], extra: '0x' };
    }
    case TxKind.EdgeFromChild: {
      const { child, header, index, fn, writes } = decodeEdgeFromChildData(tx.data);
      const fixed = [ref.child(child), ref.commitment(child, header.number), ref.spentExit(child, header.number, index)];
      return { refs: [...fixed, ...edgeWriteKeys(fn, writes)], slots: [], extra: '0x' };
    }
    case TxKind.FinalizeChildExit: {
      const { child, header, index } = decodeFinalizeChildExitData(tx.data);
      return {
        refs: [ref.child(child), ref.commitment(child, header.number), ref.spentExit(child, header.number, index), ref.subtreeBalance(child, tx.token)],
        slots: [tx.toSlot],
        extra: '0x',
      };
    }
    case TxKind.EscapeChildExit: {
      const { child, head, account } = decodeEscapeChildExitData(tx.data);
      return {
        refs: [
          ref.child(child), ref.childStatus(child), ref.commitment(child, head.number),
          ref.escapedSlot(child, account.slot), ref.subtreeBalance(child, account.token),
        ],
        slots: [tx.toSlot],
        extra: '0x',
      };
    }
    case TxKind.NestedEscapeCall: {
      // A call that does not decode (or is about another chain) is refused (MALFORMED_TX) before any key is read.
      const call = nestedCallOf(tx);
      if (call === undefined) return { refs: [], slots: [tx.toSlot], extra: '0x' };
      const a = call.route.frozen.chainId.toLowerCase() as Hex;
      const { children, mark, token } = nestedCallTouches(call);
      return {
        refs: [
          ref.child(a), ref.childStatus(a), ref.commitment(a, call.route.frozen.head.number), mark,
          ...children.map((c) => ref.nestedPaid(c, token)), ref.subtreeBalance(a, token),
        ],
        slots: [tx.toSlot],
        extra: '0x',
      };
    }
    case TxKind.ReclaimChildDeposit: {
      const child = decodeReclaimChildDepositData(tx.data);
      return {
        refs: [ref.child(child), ref.childStatus(child), ref.deposit(child, tx.nonce), ref.subtreeBalance(child, tx.token)],
        slots: [tx.toSlot],
        extra: '0x',
      };
    }
    case TxKind.ProveChildFraud: {
      const { child, fraudKind, args } = decodeProveChildFraudData(tx.data);
      const proof = fraudProofOf(fraudKind, args);
      // Args that do not decode are refused (MALFORMED_TX) before any key is read; the reward's slot is checked first.
      if (proof === undefined) return { refs: [], slots: [tx.toSlot, tx.slot], extra: '0x' };
      // PlasmaLedgerChildFraud reads the whole list up front: the disputed block's commitment and its parent's, the
      // down record a deposit proof (0) or a skipped-deposit proof (9) reads, the child's status.
      const { number } = proof.proof.header;
      // A ledger-kind proof (fraud kind 10) against an EDGE_FROM_PARENT reads its down record as a deposit proof does.
      const nested = proof.proof.kind === FraudKind.InvalidLedgerTx && proof.proof.tx.tx.kind === TxKind.EdgeFromParent;
      const deposit = proof.proof.kind === FraudKind.InvalidDeposit || nested ? [ref.deposit(child, (proof.proof as { tx: TxWitness }).tx.tx.nonce)]
        : proof.proof.kind === FraudKind.SkippedDeposit ? [ref.deposit(child, proof.proof.header.depositNonce + 1n)]
        : [];
      const validators = fraudKind === FraudKind.Equivocation ? knownValidators(ledger, child) : [];
      return {
        refs: [
          ref.child(child), ref.commitment(child, number), ...(number >= 2n ? [ref.commitment(child, number - 1n)] : []),
          ...deposit, ref.childStatus(child),
        ],
        // The reward's slot, then the burn slot in the accounts root after the reward's credit.
        slots: [tx.toSlot, tx.slot],
        paidFirst: ledger.hasChild(child) ? ledger.childInfo(child).bond / 2n : 0n,
        extra: bytesToHex(tupleEnc([dynamicArrayEnc(validators.map(addressEnc))]).bytes),
      };
    }
    case TxKind.FreezeStalledChild: {
      const child = decodeFreezeStalledChildData(tx.data);
      return { refs: [ref.child(child), ref.childStatus(child)], slots: [], extra: '0x' };
    }
    case TxKind.ChallengeChildData: {
      const { child, header } = decodeChallengeChildDataData(tx.data);
      return {
        refs: [ref.child(child), ref.childStatus(child), ref.commitment(child, header.number), ref.dataChallenge(child, header.number)],
        slots: [tx.slot],
        extra: '0x',
      };
    }
    case TxKind.ChildDataCall: {
      const { child } = decodeChildDataCallData(tx.data);
      const call = dataCallOf(tx);
      // A call that does not decode is refused (MALFORMED_TX) before any key is read.
      if (call === undefined) return { refs: [], slots: [tx.toSlot], extra: '0x' };
      const { number } = call.header;
      switch (call.method) {
        case 'reclaimChallengeBond':
          return { refs: [ref.dataChallenge(child, number), ref.commitment(child, number), ref.child(child)], slots: [tx.toSlot], extra: '0x' };
        case 'resolveDataChallenge':
          // Block 1's previous commitment is Commitment(C, 0), never written: the module folds it as empty.
          return {
            refs: [
              ref.dataChallenge(child, number), ref.child(child), ref.commitment(child, number),
              ref.commitment(child, number > 0n ? number - 1n : 0n), ref.childStatus(child),
            ],
            slots: [tx.toSlot, tx.slot],
            // The reward (half the bond) and the challenge's bond, then the burn.
            paidFirst: (ledger.hasChild(child) ? ledger.childInfo(child).bond / 2n : 0n) + ledger.dataChallenge(child, number).bond,
            extra: '0x',
          };
        default:
          // publishBlockData, publishExitData.
          return { refs: [ref.child(child), ref.commitment(child, number), ref.dataChallenge(child, number)], slots: [tx.toSlot], extra: '0x' };
      }
    }
    default:
      return undefined;
  }
}

/** The ledger entries of an edge tx's stated writes: `fn`'s storage under each key hash. */
function edgeWriteKeys(fn: Hex, writes: readonly EdgeWrite[]): LedgerKeyRef[] {
  return writes.map((w) => ({ kind: LedgerKind.EdgeStorage, fn, keyHash: w.keyHash }));
}

/** The child's validators, or none when it is unknown or its entry was rebuilt from a value (a proof's witness). */
function knownValidators(ledger: ParentLedger, child: Hex): readonly Address[] {
  if (!ledger.hasChild(child)) return [];
  const { validators } = ledger.childInfo(child);
  return isUnknownValidators(validators) ? [] : validators;
}

/** The entries a touch plan names, as ledgerKeys names their keys. */
const ref = Object.freeze({
  child: (child: Hex): LedgerKeyRef => ({ kind: LedgerKind.Child, child }),
  subtreeBalance: (child: Hex, token: Address): LedgerKeyRef => ({ kind: LedgerKind.SubtreeBalance, child, token }),
  deposit: (child: Hex, nonce: bigint): LedgerKeyRef => ({ kind: LedgerKind.Deposit, child, nonce }),
  commitment: (child: Hex, number: bigint): LedgerKeyRef => ({ kind: LedgerKind.Commitment, child, number }),
  spentExit: (child: Hex, number: bigint, index: bigint | number): LedgerKeyRef => ({ kind: LedgerKind.SpentExit, child, number, index }),
  childCount: (): LedgerKeyRef => ({ kind: LedgerKind.ChildCount }),
  edgeDelivery: (nonce: bigint): LedgerKeyRef => ({ kind: LedgerKind.EdgeDelivery, nonce }),
  childStatus: (child: Hex): LedgerKeyRef => ({ kind: LedgerKind.ChildStatus, child }),
  escapedSlot: (child: Hex, slot: number): LedgerKeyRef => ({ kind: LedgerKind.EscapedSlot, child, slot }),
  dataChallenge: (child: Hex, number: bigint): LedgerKeyRef => ({ kind: LedgerKind.DataChallenge, child, number }),
  nestedPaid: (child: Hex, token: Address): LedgerKeyRef => ({ kind: LedgerKind.NestedPaid, child, token }),
});

/** A NESTED_ESCAPE_CALL's call, or undefined when it does not decode or names another frozen chain (MALFORMED_TX). */
function nestedCallOf(tx: BlockTx): NestedEscapeCall | undefined {
  try {
    const { frozen, call } = decodeNestedEscapeCallData(tx.data);
    const decoded = decodeNestedEscapeCall(call);
    return decoded.route.frozen.chainId.toLowerCase() === frozen.toLowerCase() ? decoded : undefined;
  } catch {
    return undefined;
  }
}

/** A PROVE_CHILD_FRAUD's proof, or undefined when its args do not decode (the STF refuses it: MALFORMED_TX). */
function fraudProofOf(fraudKind: number, args: Hex): DecodedFraudProof | undefined {
  try {
    return decodeFraudProofArgs(fraudKind, args);
  } catch {
    return undefined;
  }
}

/** A CHILD_DATA_CALL's call, or undefined when it does not decode (the STF refuses it: MALFORMED_TX). */
function dataCallOf(tx: BlockTx): DataAvailabilityCall | undefined {
  try {
    return decodeDataAvailabilityCall(decodeChildDataCallData(tx.data).call);
  } catch {
    return undefined;
  }
}

/**
 * Whether PlasmaRoot can judge `tx` whatever its outcome: its kind is in PROVABLE_LEDGER_KINDS and is not an edge kind
 * (L1 judges those without the edge registry: edgeLedgerRefusal's refusals and the post-state root of the effect
 * they state, not whether the halves had that effect).
 */
export function isProvableLedgerTx(tx: BlockTx): boolean {
  return PROVABLE_LEDGER_KINDS.has(tx.kind) && !isEdgeKind(tx.kind);
}

/** The edge kinds 7-9: L1 judges their registry-independent checks (edgeLedgerRefusal) and their stated effect. */
export function isEdgeKind(kind: TxKind): boolean {
  return kind === TxKind.EdgeSend || kind === TxKind.EdgeFromParent || kind === TxKind.EdgeFromChild;
}

/**
 * The refusal L1 can prove of an edge tx (kind 7, 8 or 9, docs/LEDGER-PROOFS.md §4.1: a check that does not depend on
 * the chain's edge registry), as PlasmaLedgerEdges runs it, or undefined when the tx passes them all (then L1 computes
 * the post-state root of the effect the tx states). `state` is the state before tx `txIndex` of the block whose header
 * is `header` (left as it was), `prev` the previous header.
 * - 8 EDGE_FROM_PARENT, the down stream as kind 0 deposits: DEPOSIT_OUT_OF_ORDER (not event prev + index + 1),
 *   DEPOSIT_BEYOND_HEADER, DEPOSIT_MISMATCH (not what the parent recorded under its nonce);
 * - 9 EDGE_FROM_CHILD: ParentLedger.consumeEdgeEvent's refusals (the commitment, the window, the exit proof, spent);
 * - 7 EDGE_SEND: the sender's slot and nonce, the signature, the payload's size, and for a down call its child (known,
 *   live, a down nonce left): a call forged in a user's name or replayed.
 */
export function edgeLedgerRefusal(tx: BlockTx, txIndex: number, header: Header, prev: Header, state: ChainState, stf: StfContext): string | undefined {
  if (tx.kind === TxKind.EdgeFromParent) {
    if (tx.nonce !== prev.depositNonce + BigInt(txIndex) + 1n) return 'DEPOSIT_OUT_OF_ORDER';
    if (tx.nonce > header.depositNonce) return 'DEPOSIT_BEYOND_HEADER';
    const record = stf.depositRecord?.(tx.nonce);
    if (record === undefined) {
      throw new PlasmaError('FRAUD_PROOF_UNAVAILABLE', `the parent's record of event ${tx.nonce} is not known here`, { hint: 'sync the parent chain first: a missing record is not evidence' });
    }
    const { fn, payload } = decodeEdgeFromParentData(tx.data);
    return recordIs(record, edgeDownRecord({ fn, child: state.chainId, nonce: tx.nonce, sender: tx.from, payload })) ? undefined : 'DEPOSIT_MISMATCH';
  }
  if (tx.kind === TxKind.EdgeSend) {
    const { child, payload } = decodeEdgeSendData(tx.data);
    const sender = state.accounts.get(tx.slot);
    try {
      // Any token will do: the call spends nothing, and the slot's nonce is the replay guard (stf.ts applyEdgeSend).
      checkSender(tx.slot, sender, { from: tx.from, token: sender?.token ?? tx.token, nonce: tx.nonce, amount: 0n });
      checkBlockTxSigner(tx, stf);
      checkEdgePayload(payload);
    } catch (e) {
      if (!isPlasmaError(e)) throw e;
      return e.code;
    }
    if (child === ZERO_BYTES32) return undefined;
    const { ledger } = state;
    if (!ledger.hasChild(child)) return 'UNKNOWN_CHAIN';
    if (ledger.childStatus(child).status !== ChainStatus.Live) return 'CHAIN_IS_FROZEN';
    if ((ledger.childInfo(child).depositCount + 1n) >> DOWN_NONCE_BITS !== 0n) return 'ARITHMETIC_OVERFLOW';
    // recordEdgeEvent stamps the record with the clock, a uint40 (uintInput): PlasmaLedgerEdges refuses a wider one.
    if (stf.timestamp >> RECORD_TIME_BITS !== 0n) return 'VALUE_OUT_OF_RANGE';
    return undefined;
  }
  if (tx.kind === TxKind.EdgeFromChild) {
    const { child, header: h, windowEnd, fn, payload, index, proof } = decodeEdgeFromChildData(tx.data);
    state.checkpoint();
    try {
      state.ledger.consumeEdgeEvent({ child, header: h, windowEnd, fn, sender: tx.from, payload, index, proof, now: stf.timestamp });
      return undefined;
    } catch (e) {
      if (!isPlasmaError(e)) throw e;
      return e.code;
    } finally {
      state.revert();
    }
  }
  return undefined;
}
