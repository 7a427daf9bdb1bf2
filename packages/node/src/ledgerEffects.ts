/**
 * What a transaction recorded in this chain's ParentLedger for its children's nodes, read right after it was
 * applied: the deposit or down edge event it recorded under a child's nonce (pt_getDepositRecord,
 * pt_getChildDeposits) or the commitment (pt_getCommitment). The ledger keys a block wrote come from the
 * ledger's own write log (ParentLedger.takeWrittenKeys), which also sees the keys edge functions choose.
 */
import {
  decodeCommitChildData,
  decodeDepositToChildData,
  decodeEdgeSendData,
  hashHeader,
  TxKind,
  ZERO_BYTES32,
  type Address,
  type BlockTx,
  type ChainId,
  type Hex,
  type ParentLedger,
} from '@plasma-tree/core';

export type DownRecordEffect =
  | { kind: 'deposit'; child: ChainId; nonce: bigint; from: Address; to: Address; token: Address; amount: bigint; depositHash: Hex }
  | { kind: 'edge'; child: ChainId; nonce: bigint; fn: Hex; sender: Address; payload: Hex; depositHash: Hex };

export interface LedgerEffects {
  /** A record under a child's next nonce: a DEPOSIT_TO_CHILD, or a down EDGE_SEND. */
  deposit?: DownRecordEffect;
  commitment?: { child: ChainId; number: bigint; blockHash: Hex; windowEnd: bigint };
}

/** The records `tx`, applied last to `ledger`, made for the children's nodes; undefined when it made none. */
export function ledgerEffects(tx: BlockTx, ledger: ParentLedger): LedgerEffects | undefined {
  switch (tx.kind) {
    case TxKind.DepositToChild: {
      const child = decodeDepositToChildData(tx.data);
      const nonce = ledger.childInfo(child).depositCount;
      const depositHash = ledger.depositRecord(child, nonce);
      return { deposit: { kind: 'deposit', child, nonce, from: tx.from, to: tx.to, token: tx.token, amount: tx.amount, depositHash } };
    }
    case TxKind.EdgeSend: {
      const { fn, child, payload } = decodeEdgeSendData(tx.data);
      if (child === ZERO_BYTES32) return undefined; // an up call: its leaf is in the block's exit tree
      const nonce = ledger.childInfo(child).depositCount;
      return { deposit: { kind: 'edge', child, nonce, fn, sender: tx.from, payload, depositHash: ledger.depositRecord(child, nonce) } };
    }
    case TxKind.CommitChild: {
      const { child, header } = decodeCommitChildData(tx.data);
      const windowEnd = ledger.childInfo(child).headWindowEnd;
      return { commitment: { child, number: header.number, blockHash: hashHeader(header), windowEnd } };
    }
    default:
      return undefined;
  }
}
