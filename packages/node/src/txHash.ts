import {
  bytesToHex,
  concatBytes,
  encodeCommitChildData,
  encodeEdgeFromChildData,
  encodeFinalizeChildExitData,
  encodeProveChildFraudData,
  hexToBytes,
  keccak256,
  normalizeAddress,
  TxKind,
  type ChainId,
  type CommitChildTx,
  type EdgeFromChildTx,
  type FinalizeChildExitTx,
  type Hex,
  type ProveChildFraudTx,
} from '@plasma-tree/core';

/**
 * The hash of a transaction nobody signs (COMMIT_CHILD, FINALIZE_CHILD_EXIT, EDGE_FROM_CHILD), by which the node
 * files it (pt_sendTransaction's answer, pt_getReceipt, a block's `txHashes`): docs/SPEC.md "Node JSON-RPC",
 * `keccak256(abi.encodePacked(uint8 kind, bytes32 chainId, bytes data))` where `data` is the tx's canonical
 * block `data` (docs/SPEC.md "Transactions inside a block"); EDGE_FROM_CHILD carries its sender in the block
 * form's `from`, outside `data`, so its hash is `keccak256(abi.encodePacked(uint8 9, bytes32 chainId, address
 * sender, bytes data))`. It does not depend on the state (unlike the block form's toSlot), so the same
 * submission always has the same hash.
 */
export function unsignedTxHash(tx: CommitChildTx | FinalizeChildExitTx | EdgeFromChildTx | ProveChildFraudTx): Hex {
  const child = tx.child.toLowerCase() as ChainId;
  const lower = (hex: Hex) => hex.toLowerCase() as Hex;
  let prefix = hexToBytes(tx.chainId, 32);
  let data: Hex;
  switch (tx.kind) {
    case TxKind.CommitChild:
      data = encodeCommitChildData({ child, header: tx.header, signatures: tx.signatures });
      break;
    case TxKind.FinalizeChildExit:
      data = encodeFinalizeChildExitData({
        child,
        header: tx.header,
        windowEnd: tx.windowEnd,
        exit: { recipient: normalizeAddress(tx.exit.recipient), token: normalizeAddress(tx.exit.token), amount: tx.exit.amount },
        index: tx.index,
        proof: tx.proof,
      });
      break;
    case TxKind.EdgeFromChild:
      prefix = concatBytes(prefix, hexToBytes(normalizeAddress(tx.sender), 20));
      data = encodeEdgeFromChildData({ child, header: tx.header, windowEnd: tx.windowEnd, fn: lower(tx.fn), payload: lower(tx.payload), index: tx.index, proof: tx.proof });
      break;
    case TxKind.ProveChildFraud:
      prefix = concatBytes(prefix, hexToBytes(normalizeAddress(tx.to), 20));
      data = encodeProveChildFraudData({ child, fraudKind: tx.fraudKind, args: lower(tx.args) });
      break;
  }
  return bytesToHex(keccak256(concatBytes(Uint8Array.of(tx.kind), prefix, hexToBytes(data))));
}
