/**
 * EIP-712 digests of what users and validators sign (docs/SPEC.md). The types are in the shape ethers'
 * `signTypedData(domain, types, value)` takes, so any wallet produces signatures the node accepts.
 */
import { WORD, writeAddressWord, writeBytes32Word, writeUintWord } from './abi.js';
import { bytesToHex } from './bytes.js';
import { edgePayloadHash, hashHeader } from './encoding.js';
import { PlasmaError } from './errors.js';
import { keccak256 } from './hash.js';
import { validatorSetHash } from './ledgerEntries.js';
import { TxKind, type Address, type ChainId, type Hex, type UserSignedTx } from './types.js';

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

export const DEPOSIT_TO_CHILD_TYPES: { DepositToChild: TypedField[] } = freezeTypes({
  DepositToChild: [
    { name: 'chainId', type: 'bytes32' },
    { name: 'slot', type: 'uint32' },
    { name: 'child', type: 'bytes32' },
    { name: 'to', type: 'address' },
    { name: 'token', type: 'address' },
    { name: 'amount', type: 'uint256' },
    { name: 'nonce', type: 'uint64' },
  ],
});

export const SPAWN_CHILD_TYPES: { SpawnChild: TypedField[] } = freezeTypes({
  SpawnChild: [
    { name: 'chainId', type: 'bytes32' },
    { name: 'slot', type: 'uint32' },
    { name: 'validatorsHash', type: 'bytes32' },
    { name: 'threshold', type: 'uint8' },
    { name: 'challengeWindow', type: 'uint64' },
    /** Seconds; 0 = the default, max(7 days, challengeWindow) (docs/FRAUD.md §8). */
    { name: 'stallLimit', type: 'uint64' },
    { name: 'bond', type: 'uint256' },
    { name: 'nonce', type: 'uint64' },
  ],
});

/** A call of an edge function (docs/EDGE.md); `child` is zero for an up call, `payloadHash` = keccak256(payload). */
export const EDGE_CALL_TYPES: { EdgeCall: TypedField[] } = freezeTypes({
  EdgeCall: [
    { name: 'chainId', type: 'bytes32' },
    { name: 'slot', type: 'uint32' },
    { name: 'fn', type: 'bytes32' },
    { name: 'child', type: 'bytes32' },
    { name: 'payloadHash', type: 'bytes32' },
    { name: 'nonce', type: 'uint64' },
  ],
});

/**
 * A challenge of a child's block data (docs/FRAUD.md §9b): the commitment is named by its number, block hash and
 * windowEnd (the Commitment ledger entry), the bond is what the signer's native slot pays.
 */
export const CHALLENGE_CHILD_DATA_TYPES: { ChallengeChildData: TypedField[] } = freezeTypes({
  ChallengeChildData: [
    { name: 'chainId', type: 'bytes32' },
    { name: 'slot', type: 'uint32' },
    { name: 'child', type: 'bytes32' },
    { name: 'number', type: 'uint64' },
    { name: 'blockHash', type: 'bytes32' },
    { name: 'windowEnd', type: 'uint64' },
    { name: 'bond', type: 'uint256' },
    { name: 'nonce', type: 'uint64' },
  ],
});

/**
 * Every primary type (for `eth_signTypedData_v4`, which names the primary type). ethers'
 * `signTypedData` wants exactly one primary type per call: pass TRANSFER_TYPES etc., or use
 * `signedTxTypedData`.
 */
export const EIP712_TYPES = Object.freeze({
  ...TRANSFER_TYPES,
  ...WITHDRAW_TYPES,
  ...COMMITMENT_TYPES,
  ...DEPOSIT_TO_CHILD_TYPES,
  ...SPAWN_CHILD_TYPES,
  ...EDGE_CALL_TYPES,
  ...CHALLENGE_CHILD_DATA_TYPES,
});

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
const DEPOSIT_TO_CHILD_TYPEHASH = keccak256(utf8.encode(encodeType('DepositToChild')));
const SPAWN_CHILD_TYPEHASH = keccak256(utf8.encode(encodeType('SpawnChild')));
const EDGE_CALL_TYPEHASH = keccak256(utf8.encode(encodeType('EdgeCall')));
const CHALLENGE_CHILD_DATA_TYPEHASH = keccak256(utf8.encode(encodeType('ChallengeChildData')));

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

const structScratch = new Uint8Array(9 * WORD);
const digestScratch = new Uint8Array(2 + 2 * WORD);
digestScratch[0] = 0x19;
digestScratch[1] = 0x01;

/** keccak256(0x1901 ‖ domainSeparator ‖ structHash) of the struct already written in structScratch. */
function finishDigest(domain: Eip712Domain, structBytes: number): Uint8Array {
  digestScratch.set(domainSeparatorBytes(domain), 2);
  digestScratch.set(keccak256(structScratch.subarray(0, structBytes)), 2 + WORD);
  return keccak256(digestScratch);
}

type Unsigned<T> = T extends unknown ? Omit<T, 'signature'> : never;

/**
 * What a user signs: the signed fields of a user-signed tx (`to` is the recipient, on the parent for a
 * withdrawal, on the child for a deposit to a child).
 */
export type UnsignedTx = Unsigned<UserSignedTx>;

export interface TransferMessage {
  chainId: ChainId;
  slot: number;
  to: Address;
  token: Address;
  amount: bigint;
  nonce: bigint;
}

export interface DepositToChildMessage {
  chainId: ChainId;
  slot: number;
  child: ChainId;
  to: Address;
  token: Address;
  amount: bigint;
  nonce: bigint;
}

export interface SpawnChildMessage {
  chainId: ChainId;
  slot: number;
  /** validatorSetHash(validators): keccak256 of one left-padded word per validator, in the order of the tx. */
  validatorsHash: Hex;
  threshold: number;
  challengeWindow: bigint;
  /** 0 = the default stall limit. */
  stallLimit: bigint;
  bond: bigint;
  nonce: bigint;
}

export interface EdgeCallMessage {
  chainId: ChainId;
  slot: number;
  fn: Hex;
  /** Zero for an up call. */
  child: ChainId;
  payloadHash: Hex;
  nonce: bigint;
}

export interface ChallengeChildDataMessage {
  chainId: ChainId;
  slot: number;
  child: ChainId;
  number: bigint;
  /** hashHeader of the challenged header. */
  blockHash: Hex;
  windowEnd: bigint;
  bond: bigint;
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

function depositToChildDigestBytes(domain: Eip712Domain, m: DepositToChildMessage): Uint8Array {
  structScratch.set(DEPOSIT_TO_CHILD_TYPEHASH, 0);
  writeBytes32Word(structScratch, 32, m.chainId);
  writeUintWord(structScratch, 64, m.slot, 32);
  writeBytes32Word(structScratch, 96, m.child);
  writeAddressWord(structScratch, 128, m.to);
  writeAddressWord(structScratch, 160, m.token);
  writeUintWord(structScratch, 192, m.amount, 256);
  writeUintWord(structScratch, 224, m.nonce, 64);
  return finishDigest(domain, 8 * WORD);
}

function spawnChildDigestBytes(domain: Eip712Domain, m: SpawnChildMessage): Uint8Array {
  structScratch.set(SPAWN_CHILD_TYPEHASH, 0);
  writeBytes32Word(structScratch, 32, m.chainId);
  writeUintWord(structScratch, 64, m.slot, 32);
  writeBytes32Word(structScratch, 96, m.validatorsHash);
  writeUintWord(structScratch, 128, m.threshold, 8);
  writeUintWord(structScratch, 160, m.challengeWindow, 64);
  writeUintWord(structScratch, 192, m.stallLimit, 64);
  writeUintWord(structScratch, 224, m.bond, 256);
  writeUintWord(structScratch, 256, m.nonce, 64);
  return finishDigest(domain, 9 * WORD);
}

function edgeCallDigestBytes(domain: Eip712Domain, m: EdgeCallMessage): Uint8Array {
  structScratch.set(EDGE_CALL_TYPEHASH, 0);
  writeBytes32Word(structScratch, 32, m.chainId);
  writeUintWord(structScratch, 64, m.slot, 32);
  writeBytes32Word(structScratch, 96, m.fn);
  writeBytes32Word(structScratch, 128, m.child);
  writeBytes32Word(structScratch, 160, m.payloadHash);
  writeUintWord(structScratch, 192, m.nonce, 64);
  return finishDigest(domain, 7 * WORD);
}

function challengeChildDataDigestBytes(domain: Eip712Domain, m: ChallengeChildDataMessage): Uint8Array {
  structScratch.set(CHALLENGE_CHILD_DATA_TYPEHASH, 0);
  writeBytes32Word(structScratch, 32, m.chainId);
  writeUintWord(structScratch, 64, m.slot, 32);
  writeBytes32Word(structScratch, 96, m.child);
  writeUintWord(structScratch, 128, m.number, 64);
  writeBytes32Word(structScratch, 160, m.blockHash);
  writeUintWord(structScratch, 192, m.windowEnd, 64);
  writeUintWord(structScratch, 224, m.bond, 256);
  writeUintWord(structScratch, 256, m.nonce, 64);
  return finishDigest(domain, 9 * WORD);
}

export function challengeChildDataDigest(domain: Eip712Domain, m: ChallengeChildDataMessage): Hex {
  return bytesToHex(challengeChildDataDigestBytes(domain, m));
}

/** The ChallengeChildData message of a challenge (its header hashed). */
function challengeMessage(tx: Unsigned<Extract<UserSignedTx, { kind: TxKind.ChallengeChildData }>>): ChallengeChildDataMessage {
  return {
    chainId: tx.chainId,
    slot: tx.slot,
    child: tx.child,
    number: tx.header.number,
    blockHash: hashHeader(tx.header),
    windowEnd: tx.windowEnd,
    bond: tx.bond,
    nonce: tx.nonce,
  };
}

export function edgeCallDigest(domain: Eip712Domain, m: EdgeCallMessage): Hex {
  return bytesToHex(edgeCallDigestBytes(domain, m));
}

export function depositToChildDigest(domain: Eip712Domain, m: DepositToChildMessage): Hex {
  return bytesToHex(depositToChildDigestBytes(domain, m));
}

export function spawnChildDigest(domain: Eip712Domain, m: SpawnChildMessage): Hex {
  return bytesToHex(spawnChildDigestBytes(domain, m));
}

/** The SpawnChild message of a spawn transaction (its validators hashed in the order given). */
function spawnMessage(tx: Unsigned<Extract<UserSignedTx, { kind: TxKind.SpawnChild }>>): SpawnChildMessage {
  return {
    chainId: tx.chainId,
    slot: tx.slot,
    validatorsHash: validatorSetHash(tx.validators),
    threshold: tx.threshold,
    challengeWindow: tx.challengeWindow,
    stallLimit: tx.stallLimit ?? 0n,
    bond: tx.bond,
    nonce: tx.nonce,
  };
}

/** The EdgeCall message of an edge call (its payload hashed). */
function edgeCallMessage(tx: Unsigned<Extract<UserSignedTx, { kind: TxKind.EdgeSend }>>): EdgeCallMessage {
  return { chainId: tx.chainId, slot: tx.slot, fn: tx.fn, child: tx.child, payloadHash: edgePayloadHash(tx.payload), nonce: tx.nonce };
}

/** The digest a user-signed tx's signature covers, as bytes (the signature-check hot path). */
export function signedTxDigestBytes(domain: Eip712Domain, tx: UnsignedTx): Uint8Array {
  switch (tx.kind) {
    case TxKind.Transfer:
      return transferLikeDigest(domain, TRANSFER_TYPEHASH, tx.chainId, tx.slot, tx.to, tx.token, tx.amount, tx.nonce);
    case TxKind.Withdraw:
      return transferLikeDigest(domain, WITHDRAW_TYPEHASH, tx.chainId, tx.slot, tx.to, tx.token, tx.amount, tx.nonce);
    case TxKind.DepositToChild:
      return depositToChildDigestBytes(domain, tx);
    case TxKind.SpawnChild:
      return spawnChildDigestBytes(domain, spawnMessage(tx));
    case TxKind.EdgeSend:
      return edgeCallDigestBytes(domain, edgeCallMessage(tx));
    case TxKind.ChallengeChildData:
      return challengeChildDataDigestBytes(domain, challengeMessage(tx));
    default:
      throw new PlasmaError('MALFORMED_TX', `kind ${String((tx as { kind: unknown }).kind)} is not signed by a user`, {
        hint: 'users sign transfers, withdrawals, deposits to a child, spawns, edge calls and data challenges; commitments carry validator signatures, exits and events from children a proof',
        data: { field: 'kind' },
      });
  }
}

/** The digest a user-signed tx's signature covers; it is also the transaction's hash in the node's JSON-RPC. */
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
  switch (tx.kind) {
    case TxKind.Withdraw: {
      const { chainId, slot, to, token, amount, nonce } = tx;
      const message: WithdrawMessage = { chainId, slot, recipient: to, token, amount, nonce };
      return { domain, types: WITHDRAW_TYPES, primaryType: 'Withdraw' as const, message };
    }
    case TxKind.DepositToChild: {
      const { chainId, slot, child, to, token, amount, nonce } = tx;
      const message: DepositToChildMessage = { chainId, slot, child, to, token, amount, nonce };
      return { domain, types: DEPOSIT_TO_CHILD_TYPES, primaryType: 'DepositToChild' as const, message };
    }
    case TxKind.SpawnChild:
      return { domain, types: SPAWN_CHILD_TYPES, primaryType: 'SpawnChild' as const, message: spawnMessage(tx) };
    case TxKind.EdgeSend:
      return { domain, types: EDGE_CALL_TYPES, primaryType: 'EdgeCall' as const, message: edgeCallMessage(tx) };
    case TxKind.ChallengeChildData:
      return { domain, types: CHALLENGE_CHILD_DATA_TYPES, primaryType: 'ChallengeChildData' as const, message: challengeMessage(tx) };
    default: {
      const { chainId, slot, to, token, amount, nonce } = tx;
      const message: TransferMessage = { chainId, slot, to, token, amount, nonce };
      return { domain, types: TRANSFER_TYPES, primaryType: 'Transfer' as const, message };
    }
  }
}
