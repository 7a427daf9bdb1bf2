// The one place where the SDK touches core's EIP-712 definitions.
import type { TypedDataDomain, TypedDataField } from 'ethers';
import { plasmaDomain, signedTxDigest, signedTxTypedData, type Address, type Hex, type UnsignedTx } from '@plasma-tree/core';

export type { UnsignedTx };

/** The EIP-712 domain of a root contract on an L1 (docs/SPEC.md), in ethers' shape. */
export function domainFor(l1ChainId: bigint | number, rootContract: Address): TypedDataDomain {
  return plasmaDomain(l1ChainId, rootContract);
}

/** Domain, the single primary type's field list and the message of a user transaction, for `signTypedData`. */
export function typedDataFor(l1ChainId: bigint | number, rootContract: Address, tx: UnsignedTx): {
  domain: TypedDataDomain;
  primaryType: 'Transfer' | 'Withdraw' | 'DepositToChild' | 'SpawnChild';
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
