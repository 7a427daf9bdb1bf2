/**
 * What a parent-kind transaction (3-6, docs/TREE.md §3) did to this chain's ParentLedger, read right after it was
 * applied: the ledger keys it wrote (persisted with the block, docs/SPEC.md "Node storage") and the deposit or
 * commitment it recorded (indexed for the children's nodes: pt_getDepositRecord, pt_getCommitment).
 */
import {
  chainIdOf,
  decodeCommitChildData,
  decodeDepositToChildData,
  decodeFinalizeChildExitData,
  hashHeader,
  ledgerKeys,
  TxKind,
  type BlockTx,
  type ChainId,
  type Hex,
  type ParentLedger,
} from '@plasma-tree/core';

export interface LedgerEffects {
  keys: Hex[];
  deposit?: { child: ChainId; nonce: bigint; from: Hex; to: Hex; token: Hex; amount: bigint; depositHash: Hex };
  commitment?: { child: ChainId; number: bigint; blockHash: Hex; windowEnd: bigint };
}

/** The effects of `tx`, applied last to `ledger`; undefined for kinds 0-2 (they never touch the ledger). */
export function ledgerEffects(tx: BlockTx, ledger: ParentLedger): LedgerEffects | undefined {
  switch (tx.kind) {
    case TxKind.DepositToChild: {
      const child = decodeDepositToChildData(tx.data);
      const nonce = ledger.childInfo(child).depositCount;
      const depositHash = ledger.depositRecord(child, nonce);
      return {
        keys: [ledgerKeys.child(child), ledgerKeys.subtreeBalance(child, tx.token), ledgerKeys.deposit(child, nonce)],
        deposit: { child, nonce, from: tx.from, to: tx.to, token: tx.token, amount: tx.amount, depositHash },
      };
    }
    case TxKind.CommitChild: {
      const { child, header } = decodeCommitChildData(tx.data);
      const windowEnd = ledger.childInfo(child).headWindowEnd;
      return {
        keys: [ledgerKeys.child(child), ledgerKeys.commitment(child, header.number)],
        commitment: { child, number: header.number, blockHash: hashHeader(header), windowEnd },
      };
    }
    case TxKind.FinalizeChildExit: {
      const { child, header, exit, index } = decodeFinalizeChildExitData(tx.data);
      return { keys: [ledgerKeys.spentExit(child, header.number, index), ledgerKeys.subtreeBalance(child, exit.token)] };
    }
    case TxKind.SpawnChild: {
      const child = chainIdOf(ledger.selfId, ledger.childCount - 1n);
      return { keys: [ledgerKeys.childCount(), ledgerKeys.child(child)] };
    }
    default:
      return undefined;
  }
}
