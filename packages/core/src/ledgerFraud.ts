/**
 * Which ledger entries and account slots a tx of kind 3-15 touches (docs/LEDGER-PROOFS.md §4): the touch plans that
 * fraud.ts's `buildLedgerTransitionProof` builds witnesses from, one per kind a contract module proves. The keys are
 * in the kind's touch order, the order in which PlasmaLedger{Registry,Exits,...} read them, which is the order in
 * which ParentLedger's checks first touch them; every key the kind writes is in the list (a test compares the list
 * with the keys ParentLedger writes, so a new write cannot slip by unproven).
 */
import { ledgerKeys } from './ledgerEntries.js';
import type { ParentLedger } from './parentLedger.js';
import { decodeFinalizeChildExitData, decodeFreezeStalledChildData, decodeReclaimChildDepositData } from './txData.js';
import { TxKind, type BlockTx, type Hex } from './types.js';

/** The tx kinds 3-15 whose transition PlasmaRoot can judge (the others: PROOF_KIND_NOT_SUPPORTED, §7). */
export const PROVABLE_LEDGER_KINDS: ReadonlySet<TxKind> = new Set([TxKind.FinalizeChildExit, TxKind.ReclaimChildDeposit, TxKind.FreezeStalledChild]);

export interface LedgerTouchPlan {
  /** The ledger keys, in touch order. */
  keys: Hex[];
  /** The account slots opened, in order, each in the accounts root after the previous one's update. */
  slots: number[];
  /** The kind's extra witness (kind 4: the child's validators; most kinds: none). */
  extra: Hex;
}

/**
 * The plan of `tx` (well-formed: its data decodes) on `ledger` before it, or undefined when its kind is not provable
 * at the root yet.
 */
export function ledgerTouchPlan(tx: BlockTx, _ledger: ParentLedger): LedgerTouchPlan | undefined {
  switch (tx.kind) {
    case TxKind.FinalizeChildExit: {
      const { child, header, index } = decodeFinalizeChildExitData(tx.data);
      return {
        keys: [ledgerKeys.child(child), ledgerKeys.commitment(child, header.number), ledgerKeys.spentExit(child, header.number, index), ledgerKeys.subtreeBalance(child, tx.token)],
        slots: [tx.toSlot],
        extra: '0x',
      };
    }
    case TxKind.ReclaimChildDeposit: {
      const child = decodeReclaimChildDepositData(tx.data);
      return {
        keys: [ledgerKeys.child(child), ledgerKeys.childStatus(child), ledgerKeys.deposit(child, tx.nonce), ledgerKeys.subtreeBalance(child, tx.token)],
        slots: [tx.toSlot],
        extra: '0x',
      };
    }
    case TxKind.FreezeStalledChild: {
      const child = decodeFreezeStalledChildData(tx.data);
      return { keys: [ledgerKeys.child(child), ledgerKeys.childStatus(child)], slots: [], extra: '0x' };
    }
    default:
      return undefined;
  }
}
