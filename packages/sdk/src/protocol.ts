// The one place where the SDK touches core's EIP-712 definitions.
import type { TypedDataDomain, TypedDataField } from 'ethers';
import {
  TxKind,
  bytesToHex,
  concatBytes,
  encodeFinalizeChildExitData,
  hexToBytes,
  keccak256,
  normalizeAddress,
  plasmaDomain,
  signedTxDigest,
  signedTxTypedData,
  type Address,
  type ChainId,
  type Eip712PrimaryType,
  type FinalizeChildExitTx,
  type Hex,
  type UnsignedTx,
} from '@plasma-tree/core';

export type { UnsignedTx };

/** The EIP-712 domain of a root contract on an L1 (docs/SPEC.md), in ethers' shape. */
export function domainFor(l1ChainId: bigint | number, rootContract: Address): TypedDataDomain {
  return plasmaDomain(l1ChainId, rootContract);
}

/** Domain, the single primary type's field list and the message of a user transaction, for `signTypedData`. */
export function typedDataFor(l1ChainId: bigint | number, rootContract: Address, tx: UnsignedTx): {
  domain: TypedDataDomain;
  primaryType: 'Transfer' | 'Withdraw' | 'DepositToChild' | 'SpawnChild' | 'EdgeCall' | 'ChallengeChildData';
  types: Record<string, TypedDataField[]>;
  message: Record<string, unknown>;
} {
  const t = signedTxTypedData(plasmaDomain(l1ChainId, rootContract), tx);
  return { domain: t.domain, primaryType: t.primaryType, types: t.types as unknown as Record<string, TypedDataField[]>, message: t.message as unknown as Record<string, unknown> };
}

/** The transaction hash (= EIP-712 digest) the node will report for `tx`. */
export function txHashOf(l1ChainId: bigint | number, rootContract: Address, tx: UnsignedTx): Hex {
  return signedTxDigest(plasmaDomain(l1ChainId, rootContract), tx);
}

/**
 * The hash a node files a FINALIZE_CHILD_EXIT under (docs/SPEC.md "Transaction hashes"):
 * `keccak256(abi.encodePacked(uint8 kind, bytes32 chainId, bytes data))` with the canonical block `data`. It does
 * not depend on the state, so the same exit submitted twice has the same hash.
 */
export function finalizeChildExitHash(tx: FinalizeChildExitTx): Hex {
  const data = encodeFinalizeChildExitData({
    child: tx.child.toLowerCase() as ChainId,
    header: tx.header,
    windowEnd: tx.windowEnd,
    exit: { recipient: normalizeAddress(tx.exit.recipient), token: normalizeAddress(tx.exit.token), amount: tx.exit.amount },
    index: tx.index,
    proof: tx.proof,
  });
  return bytesToHex(keccak256(concatBytes(Uint8Array.of(TxKind.FinalizeChildExit), hexToBytes(tx.chainId, 32), hexToBytes(data))));
}
