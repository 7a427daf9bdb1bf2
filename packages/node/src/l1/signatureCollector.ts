import { PlasmaError, commitmentDigest, secp256k1Scheme, type Address, type ChainId, type Eip712Domain, type Hex } from '@plasma-tree/core';

/** One validator's signature over a block's Commitment(chainId, number, blockHash). */
export interface ValidatorSignature {
  signer: Address;
  signature: Hex;
}

/** A block to be committed, as the signature collectors see it. */
export interface CommitmentSubject {
  chainId: ChainId;
  number: bigint;
  blockHash: Hex;
}

/**
 * Gathers the validator signatures a commitment needs. The seam where peer-to-peer collection (gossip of
 * signatures among the validators) will plug in; for now `LocalSignatureCollector` serves a node that holds
 * `threshold` keys itself.
 */
export interface SignatureCollector {
  /**
   * Signatures of at least `threshold` distinct validators over `subject`, given the ones this node made.
   * Resolves when enough are known; throws NOT_ENOUGH_SIGNATURES when they cannot be had.
   */
  collect(subject: CommitmentSubject, own: readonly ValidatorSignature[], signal: AbortSignal): Promise<ValidatorSignature[]>;
}

/** Commits with this node's own signatures only. */
export class LocalSignatureCollector implements SignatureCollector {
  constructor(private readonly threshold: number) {}

  async collect(subject: CommitmentSubject, own: readonly ValidatorSignature[]): Promise<ValidatorSignature[]> {
    if (own.length < this.threshold) {
      throw new PlasmaError('NOT_ENOUGH_SIGNATURES', `block ${subject.number} has ${own.length} validator signatures, the chain needs ${this.threshold}`, {
        hint: 'run the node with at least `threshold` validator keys (peer signature collection is not available yet)',
        data: { number: String(subject.number), have: own.length, threshold: this.threshold },
      });
    }
    return [...own];
  }
}

/** A validator key this node signs with. */
export interface ValidatorKey {
  address: Address;
  privateKey: Hex;
}

export function toValidatorKeys(privateKeys: readonly Hex[]): ValidatorKey[] {
  return privateKeys.map((privateKey) => ({ address: secp256k1Scheme.addressOf(privateKey), privateKey }));
}

/** Every key's signature over `subject` (EIP-712 Commitment digest). */
export function signCommitment(keys: readonly ValidatorKey[], domain: Eip712Domain, subject: CommitmentSubject): ValidatorSignature[] {
  const digest = commitmentDigest(domain, subject.chainId, subject.number, subject.blockHash);
  return keys.map((key) => ({ signer: key.address, signature: secp256k1Scheme.sign(digest, key.privateKey) }));
}

/** Signers of stored signatures over `subject`: signatures are stored without them. */
export function withSigners(domain: Eip712Domain, subject: CommitmentSubject, signatures: readonly Hex[]): ValidatorSignature[] {
  const digest = commitmentDigest(domain, subject.chainId, subject.number, subject.blockHash);
  return signatures.map((signature) => ({ signer: secp256k1Scheme.recover(digest, signature), signature }));
}
