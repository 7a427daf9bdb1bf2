/**
 * EIP-712 digests of what users and validators sign (docs/SPEC.md). The types are in the shape ethers'
 * `signTypedData(domain, types, value)` takes, so any wallet produces signatures the node accepts.
 */
import { WORD, writeAddressWord, writeBytes32Word, writeUintWord } from './abi.js';
import { bytesToHex } from './bytes.js';
import { PlasmaError } from './errors.js';
import { keccak256 } from './hash.js';
import { TxKind, type Address, type ChainId, type Hex, type SignedTx } from './types.js';

export interface Eip712Domain {
  name: 'PlasmaTree';
  version: '1';
  /** The L1 chain id (e.g. 1 for mainnet, 31337 for Hardhat). */
  chainId: bigint;
  /** The root contract. */
  verifyingContract: Address;
}

export function plasmaDomain(l1ChainId: bigint | number, rootContract: Address): Eip712Domain {
  return { name: 'PlasmaTree', version: '1', chainId: BigInt(l1ChainId), verifyingContract: rootContract };
}

export interface TypedField {
  readonly name: string;
  readonly type: string;
}

// Field arrays are typed mutable (ethers' parameter type is `Record<string, TypedDataField[]>`) but frozen.
export const TRANSFER_TYPES: { Transfer: TypedField[] } = freezeTypes({
  Transfer: [
    { name: 'chainId', type: 'bytes32' },
    { name: 'slot', type: 'uint32' },
    { name: 'to', type: 'address' },
    { name: 'token', type: 'address' },
    { name: 'amount', type: 'uint256' },
    { name: 'nonce', type: 'uint64' },
  ],
});

export const WITHDRAW_TYPES: { Withdraw: TypedField[] } = freezeTypes({
  Withdraw: [
    { name: 'chainId', type: 'bytes32' },
    { name: 'slot', type: 'uint32' },
    { name: 'recipient', type: 'address' },
    { name: 'token', type: 'address' },
    { name: 'amount', type: 'uint256' },
    { name: 'nonce', type: 'uint64' },
  ],
});

export const COMMITMENT_TYPES: { Commitment: TypedField[] } = freezeTypes({
  Commitment: [
    { name: 'chainId', type: 'bytes32' },
    { name: 'number', type: 'uint64' },
    { name: 'blockHash', type: 'bytes32' },
  ],
});

/**
 * All three primary types (for `eth_signTypedData_v4`, which names the primary type). ethers'
 * `signTypedData` wants exactly one primary type per call: pass TRANSFER_TYPES etc., or use
 * `signedTxTypedData`.
 */
export const EIP712_TYPES = Object.freeze({ ...TRANSFER_TYPES, ...WITHDRAW_TYPES, ...COMMITMENT_TYPES });

export type Eip712PrimaryType = keyof typeof EIP712_TYPES;

function freezeTypes<T extends Record<string, TypedField[]>>(types: T): T {
  for (const fields of Object.values(types)) {
    fields.forEach((field) => Object.freeze(field));
    Object.freeze(fields);
  }
  return Object.freeze(types);
}

/** The domain's fields, for `eth_signTypedData_v4` payloads (which list EIP712Domain among the types). */
export const EIP712_DOMAIN_FIELDS: TypedField[] = freezeTypes({
  EIP712Domain: [
    { name: 'name', type: 'string' },
    { name: 'version', type: 'string' },
    { name: 'chainId', type: 'uint256' },
    { name: 'verifyingContract', type: 'address' },
  ],
}).EIP712Domain;

export const EIP712_DOMAIN_TYPE = `EIP712Domain(${EIP712_DOMAIN_FIELDS.map((f) => `${f.type} ${f.name}`).join(',')})`;

/** `Name(type1 name1,type2 name2,...)`, derived from the field lists so they can never disagree. */
export function encodeType(name: Eip712PrimaryType): string {
  return `${name}(${EIP712_TYPES[name].map((f) => `${f.type} ${f.name}`).join(',')})`;
}

const utf8 = new TextEncoder();
const DOMAIN_TYPEHASH = keccak256(utf8.encode(EIP712_DOMAIN_TYPE));
const TRANSFER_TYPEHASH = keccak256(utf8.encode(encodeType('Transfer')));
const WITHDRAW_TYPEHASH = keccak256(utf8.encode(encodeType('Withdraw')));
const COMMITMENT_TYPEHASH = keccak256(utf8.encode(encodeType('Commitment')));

export function domainSeparator(domain: Eip712Domain): Hex {
  return bytesToHex(domainSeparatorBytes(domain));
}

// Every signature check needs the separator; domains are long-lived objects, so cache by identity.
const separatorCache = new WeakMap<Eip712Domain, { key: string; separator: Uint8Array }>();

function domainSeparatorBytes(domain: Eip712Domain): Uint8Array {
  const key = `${domain.name}\n${domain.version}\n${domain.chainId}\n${domain.verifyingContract}`;
  const cached = separatorCache.get(domain);
  if (cached && cached.key === key) return cached.separator;
  const out = new Uint8Array(5 * WORD);
  out.set(DOMAIN_TYPEHASH, 0);
  out.set(keccak256(utf8.encode(domain.name)), 32);
  out.set(keccak256(utf8.encode(domain.version)), 64);
  writeUintWord(out, 96, domain.chainId, 256);
  writeAddressWord(out, 128, domain.verifyingContract);
  const separator = keccak256(out);
  separatorCache.set(domain, { key, separator });
  return separator;
}

const structScratch = new Uint8Array(7 * WORD);
const digestScratch = new Uint8Array(2 + 2 * WORD);
digestScratch[0] = 0x19;
digestScratch[1] = 0x01;

/** keccak256(0x1901 ‖ domainSeparator ‖ structHash) of the struct already written in structScratch. */
function finishDigest(domain: Eip712Domain, structBytes: number): Uint8Array {
  digestScratch.set(domainSeparatorBytes(domain), 2);
  digestScratch.set(keccak256(structScratch.subarray(0, structBytes)), 2 + WORD);
  return keccak256(digestScratch);
}

/** What a user signs: the signed fields of a SignedTx (`to` is the recipient, on the parent for a withdrawal). */
export type UnsignedTx = Omit<SignedTx, 'signature'>;

export interface TransferMessage {
  chainId: ChainId;
  slot: number;
  to: Address;
  token: Address;
  amount: bigint;
  nonce: bigint;
}

export interface WithdrawMessage {
  chainId: ChainId;
  slot: number;
  recipient: Address;
  token: Address;
  amount: bigint;
  nonce: bigint;
}

function transferLikeDigest(
  domain: Eip712Domain,
  typeHash: Uint8Array,
  chainId: ChainId,
  slot: number,
  to: Address,
  token: Address,
  amount: bigint,
  nonce: bigint,
): Uint8Array {
  structScratch.set(typeHash, 0);
  writeBytes32Word(structScratch, 32, chainId);
  writeUintWord(structScratch, 64, slot, 32);
  writeAddressWord(structScratch, 96, to);
  writeAddressWord(structScratch, 128, token);
  writeUintWord(structScratch, 160, amount, 256);
  writeUintWord(structScratch, 192, nonce, 64);
  return finishDigest(domain, 7 * WORD);
}

export function transferDigest(domain: Eip712Domain, m: TransferMessage): Hex {
  return bytesToHex(transferLikeDigest(domain, TRANSFER_TYPEHASH, m.chainId, m.slot, m.to, m.token, m.amount, m.nonce));
}

export function withdrawDigest(domain: Eip712Domain, m: WithdrawMessage): Hex {
  return bytesToHex(
    transferLikeDigest(domain, WITHDRAW_TYPEHASH, m.chainId, m.slot, m.recipient, m.token, m.amount, m.nonce),
  );
}

/** The digest a SignedTx's signature covers, as bytes (the signature-check hot path). */
export function signedTxDigestBytes(domain: Eip712Domain, tx: UnsignedTx): Uint8Array {
  const typeHash = tx.kind === TxKind.Transfer ? TRANSFER_TYPEHASH : tx.kind === TxKind.Withdraw ? WITHDRAW_TYPEHASH : undefined;
  if (typeHash === undefined) {
    throw new PlasmaError('MALFORMED_TX', `only transfers and withdrawals are signed, got kind ${String(tx.kind)}`, {
      data: { field: 'kind' },
    });
  }
  return transferLikeDigest(domain, typeHash, tx.chainId, tx.slot, tx.to, tx.token, tx.amount, tx.nonce);
}

/** The digest a SignedTx's signature covers; it is also the transaction's hash in the node's JSON-RPC. */
export function signedTxDigest(domain: Eip712Domain, tx: UnsignedTx): Hex {
  return bytesToHex(signedTxDigestBytes(domain, tx));
}

/** What validators sign for a block. */
export function commitmentDigest(domain: Eip712Domain, chainId: ChainId, number: bigint, blockHash: Hex): Hex {
  structScratch.set(COMMITMENT_TYPEHASH, 0);
  writeBytes32Word(structScratch, 32, chainId);
  writeUintWord(structScratch, 64, number, 64);
  writeBytes32Word(structScratch, 96, blockHash);
  return bytesToHex(finishDigest(domain, 4 * WORD));
}

/** Typed data for a wallet: `signer.signTypedData(t.domain, t.types, t.message)` (ethers) signs `tx`. */
export function signedTxTypedData(domain: Eip712Domain, tx: UnsignedTx) {
  const common = { chainId: tx.chainId, slot: tx.slot, token: tx.token, amount: tx.amount, nonce: tx.nonce };
  if (tx.kind === TxKind.Withdraw) {
    return {
      domain,
      types: WITHDRAW_TYPES,
      primaryType: 'Withdraw' as const,
      message: { ...common, recipient: tx.to } satisfies WithdrawMessage,
    };
  }
  return {
    domain,
    types: TRANSFER_TYPES,
    primaryType: 'Transfer' as const,
    message: { ...common, to: tx.to } satisfies TransferMessage,
  };
}
