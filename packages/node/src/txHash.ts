import {
  blockTxDigest,
  bytesToHex,
  decodeEdgeFromChildData,
  decodeEdgeFromParentData,
  decodeReclaimChildDepositData,
  edgeDownRecord,
  concatBytes,
  encodeCommitChildData,
  encodeEdgeFromChildData,
  encodeFinalizeChildExitData,
  encodeEscapeChildExitData,
  encodeFreezeStalledChildData,
  encodeChildDataCallData,
  encodeNestedEscapeCallData,
  encodeProveChildFraudData,
  hashDeposit,
  hexToBytes,
  keccak256,
  normalizeAddress,
  TxKind,
  type BlockTx,
  type ChainId,
  type Eip712Domain,
  type CommitChildTx,
  type EdgeFromChildTx,
  type EscapeChildExitTx,
  type FinalizeChildExitTx,
  type FreezeStalledChildTx,
  type ChildDataCallTx,
  type NestedEscapeCallTx,
  type Hex,
  type ProveChildFraudTx,
  type ReclaimChildDepositTx,
} from '@plasma-tree/core';

/**
 * The hash of a transaction nobody signs (COMMIT_CHILD, FINALIZE_CHILD_EXIT, EDGE_FROM_CHILD), by which the node
 * files it (pt_sendTransaction's answer, pt_getReceipt, a block's `txHashes`): docs/SPEC.md "Node JSON-RPC",
 * `keccak256(abi.encodePacked(uint8 kind, bytes32 chainId, bytes data))` where `data` is the tx's canonical
 * block `data` (docs/SPEC.md "Transactions inside a block"); EDGE_FROM_CHILD carries its sender in the block
 * form's `from`, outside `data`, so its hash is `keccak256(abi.encodePacked(uint8 9, bytes32 chainId, address
 * sender, bytes data))`; RECLAIM_CHILD_DEPOSIT's words are the deposit, so its hash is `keccak256(abi.encodePacked(
 * uint8 12, bytes32 chainId, bytes32 depositHash))` (the child's depositHash names the deposit and the child); FREEZE_STALLED_CHILD
 * is the plain form (kind 13, `abi.encode(bytes32 child)`: one hash per child, and a child is frozen once). It does
 * not depend on the state (unlike the block form's toSlot), so the same
 * submission always has the same hash.
 */
export function unsignedTxHash(
  tx: CommitChildTx | FinalizeChildExitTx | EdgeFromChildTx | ProveChildFraudTx | EscapeChildExitTx | ReclaimChildDepositTx | FreezeStalledChildTx | ChildDataCallTx | NestedEscapeCallTx,
): Hex {
  const child = (tx.kind === TxKind.NestedEscapeCall ? tx.frozen : tx.child).toLowerCase() as ChainId;
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
    case TxKind.EscapeChildExit: {
      const a = tx.account;
      const account = { ...a, owner: normalizeAddress(a.owner), token: normalizeAddress(a.token), proof: a.proof.map(lower) };
      data = encodeEscapeChildExitData({ child, head: tx.head, windowEnd: tx.windowEnd, ledgerRoot: lower(tx.ledgerRoot), account });
      break;
    }
    case TxKind.ReclaimChildDeposit:
      data = hashDeposit({ chainId: child, nonce: tx.nonce, from: normalizeAddress(tx.from), to: normalizeAddress(tx.to), token: normalizeAddress(tx.token), amount: tx.amount });
      break;
    case TxKind.FreezeStalledChild:
      data = encodeFreezeStalledChildData(child);
      break;
    case TxKind.ChildDataCall:
      // Who is paid is part of the hash, as a fraud proof's: the same chunk for two publishers is two transactions.
      prefix = concatBytes(prefix, hexToBytes(normalizeAddress(tx.to), 20));
      data = encodeChildDataCallData({ child, call: lower(tx.call) });
      break;
    case TxKind.NestedEscapeCall:
      // The plain form: the call fixes who is paid, so one call is one transaction.
      data = encodeNestedEscapeCallData({ frozen: child, call: lower(tx.call) });
      break;
  }
  return bytesToHex(keccak256(concatBytes(Uint8Array.of(tx.kind), prefix, hexToBytes(data))));
}

/**
 * The hash a node files a block tx under (StoredBlock.txHashes), recomputed from the block form alone: what a
 * node importing a peer's block indexes receipts by. It equals what the producer filed: the user's EIP-712 digest
 * (kinds 1-3, 6, 7), the parent's record (kind 0 `hashDeposit`, kind 8 `edgeDownRecord`), `unsignedTxHash` for the
 * kinds nobody signs (their block `data` is the canonical data it hashes; kind 9's without the effect it states).
 */
export function blockTxHash(tx: BlockTx, chainId: ChainId, domain: Eip712Domain): Hex {
  const chain = hexToBytes(chainId, 32);
  const hashed = (...parts: Uint8Array[]) => bytesToHex(keccak256(concatBytes(Uint8Array.of(tx.kind), chain, ...parts)));
  switch (tx.kind) {
    case TxKind.Deposit:
      return hashDeposit({ chainId, nonce: tx.nonce, from: tx.from, to: tx.to, token: tx.token, amount: tx.amount });
    case TxKind.EdgeFromParent: {
      const { fn, payload } = decodeEdgeFromParentData(tx.data);
      return edgeDownRecord({ fn, child: chainId, nonce: tx.nonce, sender: tx.from, payload });
    }
    case TxKind.Transfer:
    case TxKind.Withdraw:
    case TxKind.DepositToChild:
    case TxKind.SpawnChild:
    case TxKind.EdgeSend:
    case TxKind.ChallengeChildData:
      return blockTxDigest(domain, chainId, tx);
    case TxKind.EdgeFromChild:
      // Without the effect the producer stated (docs/SPEC.md "Edge effects"): the hash of what was submitted.
      return hashed(hexToBytes(tx.from, 20), hexToBytes(encodeEdgeFromChildData({ ...decodeEdgeFromChildData(tx.data), writes: [] })));
    case TxKind.ProveChildFraud:
    case TxKind.ChildDataCall:
      return hashed(hexToBytes(tx.to, 20), hexToBytes(tx.data));
    case TxKind.ReclaimChildDeposit: {
      const child = decodeReclaimChildDepositData(tx.data);
      return hashed(hexToBytes(hashDeposit({ chainId: child, nonce: tx.nonce, from: tx.from, to: tx.to, token: tx.token, amount: tx.amount })));
    }
    default:
      // COMMIT_CHILD, FINALIZE_CHILD_EXIT, ESCAPE_CHILD_EXIT, FREEZE_STALLED_CHILD, NESTED_ESCAPE_CALL: the block data is the canonical data.
      return hashed(hexToBytes(tx.data));
  }
}
