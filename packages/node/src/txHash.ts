import {
  bytesToHex,
  concatBytes,
  encodeCommitChildData,
  encodeFinalizeChildExitData,
  hexToBytes,
  keccak256,
  normalizeAddress,
  TxKind,
  type ChainId,
  type CommitChildTx,
  type FinalizeChildExitTx,
  type Hex,
} from '@plasma-tree/core';

/**
 * The hash of a transaction nobody signs (COMMIT_CHILD, FINALIZE_CHILD_EXIT), by which the node files it
 * (pt_sendTransaction's answer, pt_getReceipt, a block's `txHashes`): docs/SPEC.md "Node JSON-RPC",
 * `keccak256(abi.encodePacked(uint8 kind, bytes32 chainId, bytes data))` where `data` is the tx's canonical
 * block `data` (docs/SPEC.md "Transactions inside a block"). It does not depend on the state (unlike the block
 * form's toSlot), so the same submission always has the same hash.
 */
export function unsignedTxHash(tx: CommitChildTx | FinalizeChildExitTx): Hex {
  const child = tx.child.toLowerCase() as ChainId;
  const data =
    tx.kind === TxKind.CommitChild
      ? encodeCommitChildData({ child, header: tx.header, signatures: tx.signatures })
      : encodeFinalizeChildExitData({
          child,
          header: tx.header,
          windowEnd: tx.windowEnd,
          exit: { recipient: normalizeAddress(tx.exit.recipient), token: normalizeAddress(tx.exit.token), amount: tx.exit.amount },
          index: tx.index,
          proof: tx.proof,
        });
  return bytesToHex(keccak256(concatBytes(Uint8Array.of(tx.kind), hexToBytes(tx.chainId, 32), hexToBytes(data))));
}
