/**
 * The consensus messages of docs/CONSENSUS.md §3: their types, signatures, checks and binary codec, the block
 * certificate (a block and `t` commit seals) and the quorum arithmetic. Pure: no I/O, no clock.
 */
import { encodeWords } from '../abi.js';
import { bytesToHex, hexToBytes, isCanonicalAddress, isHex, ZERO_BYTES32 } from '../bytes.js';
import { commitmentDigest, type Eip712Domain } from '../eip712.js';
import { PlasmaError } from '../errors.js';
import { keccak256 } from '../hash.js';
import { MAX_VALIDATORS } from '../parentLedger.js';
import { secp256k1Scheme, SIGNATURE_BYTES } from '../signature.js';
import type { Address, ChainId, Hex } from '../types.js';

export const PROPOSAL = 1;
export const PREPARE = 2;
export const COMMIT = 3;
export const ROUND_CHANGE = 4;

export type ConsensusErrorCode =
  | 'CONSENSUS_BAD_SIGNATURE'
  | 'CONSENSUS_NOT_VALIDATOR'
  | 'CONSENSUS_WRONG_CHAIN'
  | 'CONSENSUS_MALFORMED'
  /** A PROPOSAL signed by someone else than proposer(h, r). */
  | 'CONSENSUS_WRONG_PROPOSER'
  /** A PROPOSAL's ROUND_CHANGEs do not justify it, or a ROUND_CHANGE's prepared certificate is not one (§4.2). */
  | 'CONSENSUS_BAD_JUSTIFICATION'
  | 'CONSENSUS_CERTIFICATE_INVALID';

export interface Proposal {
  type: 1;
  chainId: ChainId;
  height: bigint;
  round: number;
  blockHash: Hex;
  /** The block's bytes, opaque here: the node encodes and decodes blocks and checks blockHash against them. */
  block: Uint8Array;
  /** For round > 0: `t` ROUND_CHANGE of this round from distinct validators. Empty for round 0. */
  justification: RoundChange[];
  signer: Address;
  signature: Hex;
}

export interface Prepare {
  type: 2;
  chainId: ChainId;
  height: bigint;
  round: number;
  blockHash: Hex;
  signer: Address;
  signature: Hex;
}

/** Its only signature is the seal: the EIP-712 Commitment(chainId, height, blockHash); `round` is not signed. */
export interface Commit {
  type: 3;
  chainId: ChainId;
  height: bigint;
  round: number;
  blockHash: Hex;
  seal: Hex;
  signer: Address;
}

/** `t` PREPARE of (height, round, blockHash) and the block: what a validator records before its COMMIT. */
export interface PreparedCertificate {
  round: number;
  blockHash: Hex;
  block: Uint8Array;
  prepares: Prepare[];
}

export interface RoundChange {
  type: 4;
  chainId: ChainId;
  height: bigint;
  /** The round the signer moves to. */
  round: number;
  prepared?: PreparedCertificate;
  signer: Address;
  signature: Hex;
}

export type ConsensusMessage = Proposal | Prepare | Commit | RoundChange;

/** A decided block: `t` commit seals over (chainId, height, blockHash) and the block's bytes. */
export interface Certificate {
  height: bigint;
  blockHash: Hex;
  block: Uint8Array;
  seals: Hex[];
}

export interface ConsensusContext {
  chainId: ChainId;
  domain: Eip712Domain;
  /** V[0..n-1] in the parent's order (lowercase). */
  validators: readonly Address[];
}

export interface VerifyOptions {
  /** Digest+signature pairs already recovered to their signer (the engine reuses one across messages). */
  cache?: Set<string>;
}

function fail(code: ConsensusErrorCode, message: string, hint: string, data: Record<string, unknown> = {}): PlasmaError {
  return new PlasmaError(code, message, { hint, data });
}

const MALFORMED_HINT = 'the sender runs an incompatible or faulty node: drop the message and lower its peer score';

function malformed(message: string, data: Record<string, unknown> = {}): PlasmaError {
  return fail('CONSENSUS_MALFORMED', message, MALFORMED_HINT, data);
}

// ---- quorums and proposers --------------------------------------------------------------------------------

export interface Quorum {
  n: number;
  /** Signatures a block needs; also PREPAREs for a certificate and ROUND_CHANGEs for a justification. */
  threshold: number;
  /** ROUND_CHANGEs for higher rounds that make a validator skip ahead (§4.5): at least one is honest. */
  roundSkip: number;
  /** Faulty validators safety tolerates: 2t - n - 1 (§1), 0 or less when none. */
  faultTolerance: number;
}

export function quorum(n: number, threshold: number): Quorum {
  if (!Number.isSafeInteger(n) || !Number.isSafeInteger(threshold) || n < 1 || threshold < 1 || threshold > n) {
    throw new PlasmaError('BAD_THRESHOLD', `threshold ${threshold} of ${n} validators`, { hint: 'use 1 <= t <= n', data: { n, threshold } });
  }
  return { n, threshold, roundSkip: n - threshold + 1, faultTolerance: 2 * threshold - n - 1 };
}

/** proposer(h, r) = V[(h + r) mod n] (§2). */
export function proposerOf(validators: readonly Address[], height: bigint, round: number): Address {
  return validators[Number((height + BigInt(round)) % BigInt(validators.length))];
}

// ---- digests and signing ----------------------------------------------------------------------------------

const DOMAIN_TAG = keccak256(new TextEncoder().encode('plasma-tree/consensus/v1'));

/** keccak256(abi.encode(keccak256("plasma-tree/consensus/v1"), chainId, type, height, round, blockHash, extraHash)). */
export function consensusDigest(chainId: ChainId, type: number, height: bigint, round: number, blockHash: Hex, extraHash: Hex | Uint8Array): Hex {
  const words = encodeWords(
    ['bytes32', 'bytes32', 'uint8', 'uint64', 'uint32', 'bytes32', 'bytes32'],
    [DOMAIN_TAG, chainId, type, height, round, blockHash, extraHash],
  );
  return bytesToHex(keccak256(words));
}

/** What the signature of a PROPOSAL, PREPARE or ROUND_CHANGE covers (a COMMIT's seal covers commitmentDigest). */
export function messageDigest(msg: Proposal | Prepare | RoundChange): Hex {
  switch (msg.type) {
    case PROPOSAL:
      return consensusDigest(msg.chainId, PROPOSAL, msg.height, msg.round, msg.blockHash, keccak256(msg.block));
    case PREPARE:
      return consensusDigest(msg.chainId, PREPARE, msg.height, msg.round, msg.blockHash, ZERO_BYTES32);
    case ROUND_CHANGE: {
      // The certificate's block and PREPAREs are not signed here: the PREPAREs carry their own signatures and
      // the block is checked against blockHash by whoever uses it.
      const extra = msg.prepared
        ? keccak256(encodeWords(['uint32', 'bytes32'], [msg.prepared.round, msg.prepared.blockHash]))
        : ZERO_BYTES32;
      return consensusDigest(msg.chainId, ROUND_CHANGE, msg.height, msg.round, ZERO_BYTES32, extra);
    }
  }
}

const addressCache = new Map<string, Address>();

function signerOf(privateKey: Hex): Address {
  let address = addressCache.get(privateKey);
  if (!address) {
    address = secp256k1Scheme.addressOf(privateKey);
    if (addressCache.size > 64) addressCache.clear();
    addressCache.set(privateKey, address);
  }
  return address;
}

export function signProposal(privateKey: Hex, f: Omit<Proposal, 'type' | 'signer' | 'signature'>): Proposal {
  const unsigned = { type: PROPOSAL, ...f, signer: signerOf(privateKey) } as const;
  return { ...unsigned, signature: secp256k1Scheme.sign(messageDigest({ ...unsigned, signature: '0x' }), privateKey) };
}

export function signPrepare(privateKey: Hex, f: Omit<Prepare, 'type' | 'signer' | 'signature'>): Prepare {
  const unsigned = { type: PREPARE, ...f, signer: signerOf(privateKey) } as const;
  return { ...unsigned, signature: secp256k1Scheme.sign(messageDigest({ ...unsigned, signature: '0x' }), privateKey) };
}

export function signRoundChange(privateKey: Hex, f: Omit<RoundChange, 'type' | 'signer' | 'signature'>): RoundChange {
  const unsigned: Omit<RoundChange, 'signature'> = { type: ROUND_CHANGE, chainId: f.chainId, height: f.height, round: f.round, signer: signerOf(privateKey) };
  if (f.prepared) unsigned.prepared = f.prepared;
  return { ...unsigned, signature: secp256k1Scheme.sign(messageDigest({ ...unsigned, signature: '0x' }), privateKey) };
}

/** The seal is the validator's Commitment signature: exactly what the parent checks at commit time. */
export function signCommit(privateKey: Hex, domain: Eip712Domain, f: Omit<Commit, 'type' | 'signer' | 'seal'>): Commit {
  const seal = secp256k1Scheme.sign(commitmentDigest(domain, f.chainId, f.height, f.blockHash), privateKey);
  return { type: COMMIT, ...f, seal, signer: signerOf(privateKey) };
}

// ---- checks -----------------------------------------------------------------------------------------------

const MAX_UINT64 = (1n << 64n) - 1n;

function isRound(x: unknown): x is number {
  return typeof x === 'number' && Number.isSafeInteger(x) && x >= 0 && x <= 0xffffffff;
}

/** The fields' types and sizes (a message built by hand or by a peer's JSON could hold anything). */
function checkShape(msg: ConsensusMessage, depth = 0): void {
  const m = msg as unknown as Record<string, unknown>;
  if (typeof m !== 'object' || m === null) throw malformed('a consensus message must be an object');
  if (m.type !== PROPOSAL && m.type !== PREPARE && m.type !== COMMIT && m.type !== ROUND_CHANGE) {
    throw malformed(`unknown consensus message type ${String(m.type)}`, { field: 'type' });
  }
  if (!isHex(m.chainId, 32)) throw malformed('chainId must be 32 bytes of 0x-hex', { field: 'chainId' });
  if (typeof m.height !== 'bigint' || m.height < 0n || m.height > MAX_UINT64) throw malformed('height must be a uint64', { field: 'height' });
  if (!isRound(m.round)) throw malformed('round must be a uint32', { field: 'round' });
  if (!isCanonicalAddress(m.signer)) throw malformed('signer must be a lowercase 0x-address', { field: 'signer' });
  if (msg.type !== ROUND_CHANGE && !isHex(m.blockHash, 32)) throw malformed('blockHash must be 32 bytes', { field: 'blockHash' });
  if (!isHex(msg.type === COMMIT ? msg.seal : msg.signature, SIGNATURE_BYTES)) throw malformed('a signature must be 65 bytes', { field: 'signature' });
  if (msg.type === PROPOSAL) {
    if (!(msg.block instanceof Uint8Array)) throw malformed('block must be bytes', { field: 'block' });
    if (!Array.isArray(msg.justification) || depth > 0) throw malformed('justification must be an array', { field: 'justification' });
    for (const rc of msg.justification) {
      if (rc?.type !== ROUND_CHANGE) throw malformed('a justification holds ROUND_CHANGEs only', { field: 'justification' });
      checkShape(rc, depth + 1);
    }
  }
  if (msg.type === ROUND_CHANGE && msg.prepared !== undefined) {
    const p = msg.prepared;
    if (typeof p !== 'object' || p === null || !isRound(p.round) || !isHex(p.blockHash, 32) || !(p.block instanceof Uint8Array) || !Array.isArray(p.prepares)) {
      throw malformed('a prepared certificate is { round, blockHash, block, prepares }', { field: 'prepared' });
    }
    for (const prepare of p.prepares) {
      if (prepare?.type !== PREPARE) throw malformed('a prepared certificate holds PREPAREs only', { field: 'prepared' });
      checkShape(prepare, depth + 1);
    }
  }
}

function recoverOnce(digest: Hex, signature: Hex, signer: Address, opts: VerifyOptions): void {
  const key = digest + signature;
  if (opts.cache?.has(key)) return;
  let recovered: Address;
  try {
    recovered = secp256k1Scheme.recover(digest, signature);
  } catch (cause) {
    throw fail('CONSENSUS_BAD_SIGNATURE', `unrecoverable signature from ${signer}`, 'drop the message: it was not signed by a validator key', { signer, cause: String(cause) });
  }
  if (recovered !== signer) {
    throw fail('CONSENSUS_BAD_SIGNATURE', `the signature recovers to ${recovered}, not ${signer}`, 'drop the message: its signer field is not who signed it', { signer, recovered });
  }
  if (opts.cache) {
    if (opts.cache.size > 4096) opts.cache.clear();
    opts.cache.add(key);
  }
}

function verifyOne(msg: ConsensusMessage, ctx: ConsensusContext, opts: VerifyOptions): void {
  if (msg.chainId.toLowerCase() !== ctx.chainId.toLowerCase()) {
    throw fail('CONSENSUS_WRONG_CHAIN', `a message of chain ${msg.chainId}, not ${ctx.chainId}`, 'the peer routed a message of another chain: drop it', { chainId: msg.chainId });
  }
  if (!ctx.validators.some((v) => v.toLowerCase() === msg.signer)) {
    throw fail('CONSENSUS_NOT_VALIDATOR', `${msg.signer} is not a validator of ${ctx.chainId}`, 'only the validators the parent recorded at spawn time take part', { signer: msg.signer });
  }
  if (msg.type === COMMIT) recoverOnce(commitmentDigest(ctx.domain, msg.chainId, msg.height, msg.blockHash), msg.seal, msg.signer, opts);
  else recoverOnce(messageDigest(msg), msg.signature, msg.signer, opts);
  if (msg.type === PROPOSAL) {
    const proposer = proposerOf(ctx.validators, msg.height, msg.round).toLowerCase();
    if (msg.signer !== proposer) {
      throw fail('CONSENSUS_WRONG_PROPOSER', `${msg.signer} proposed for (${msg.height}, ${msg.round}) whose proposer is ${proposer}`, 'drop it: the proposer rotates as V[(h + r) mod n]', { signer: msg.signer, proposer });
    }
    for (const rc of msg.justification) verifyOne(rc, ctx, opts);
  }
  if (msg.type === ROUND_CHANGE && msg.prepared) for (const p of msg.prepared.prepares) verifyOne(p, ctx, opts);
}

/**
 * Authenticity of a message and of every message nested in it: shape, chain, signer ∈ validators, signature
 * (the seal for a COMMIT), and for a PROPOSAL its signer is proposer(h, r). Whether a justification justifies
 * is checkJustification's business (it needs the threshold). Throws a PlasmaError with a CONSENSUS_* code.
 */
export function verifyConsensusMessage(msg: ConsensusMessage, ctx: ConsensusContext, opts: VerifyOptions = {}): void {
  checkShape(msg);
  verifyOne(msg, ctx, opts);
}

function badJustification(message: string, data: Record<string, unknown> = {}): PlasmaError {
  return fail('CONSENSUS_BAD_JUSTIFICATION', message, 'drop the message: its sender is faulty (IBFT 2.0 justification rules, docs/CONSENSUS.md §4)', data);
}

/**
 * A prepared certificate for `height` (signatures already verified): at least `threshold` PREPAREs from
 * distinct validators, all of (height, cert.round, cert.blockHash).
 */
export function checkPreparedCertificate(cert: PreparedCertificate, height: bigint, threshold: number): void {
  const signers = new Set<Address>();
  for (const p of cert.prepares) {
    if (p.height !== height || p.round !== cert.round || p.blockHash !== cert.blockHash) {
      throw badJustification(`a PREPARE of (${p.height}, ${p.round}, ${p.blockHash}) in a certificate of (${height}, ${cert.round}, ${cert.blockHash})`);
    }
    if (signers.has(p.signer)) throw badJustification(`two PREPAREs of ${p.signer} in one certificate`);
    signers.add(p.signer);
  }
  if (signers.size < threshold) throw badJustification(`a prepared certificate with ${signers.size} PREPAREs, ${threshold} needed`);
}

/** The highest-round prepared certificate among ROUND_CHANGEs; two different blocks at that round are refused. */
export function highestPrepared(rcs: readonly RoundChange[]): PreparedCertificate | undefined {
  let best: PreparedCertificate | undefined;
  for (const rc of rcs) {
    const p = rc.prepared;
    if (!p) continue;
    if (!best || p.round > best.round) best = p;
    else if (p.round === best.round && p.blockHash !== best.blockHash) {
      // Impossible with at most f faults (two quorums of one round share an honest validator).
      throw badJustification(`two prepared certificates of round ${p.round} for different blocks`);
    }
  }
  return best;
}

/** A ROUND_CHANGE's own rules (signatures already verified): its certificate is valid and of an earlier round. */
export function checkRoundChange(rc: RoundChange, threshold: number): void {
  if (!rc.prepared) return;
  if (rc.prepared.round >= rc.round) throw badJustification(`a certificate of round ${rc.prepared.round} in a ROUND_CHANGE to ${rc.round}`);
  checkPreparedCertificate(rc.prepared, rc.height, threshold);
}

/**
 * §4.2: round 0 needs no justification; round r > 0 needs `threshold` ROUND_CHANGE of (height, r) from distinct
 * validators, each prepared certificate valid and of a lower round, and the block of the highest one re-proposed
 * (same blockHash: the node checks the bytes against it). Signatures must have been verified
 * (verifyConsensusMessage). Throws CONSENSUS_BAD_JUSTIFICATION.
 */
export function checkJustification(proposal: Proposal, threshold: number): void {
  const { height, round, justification } = proposal;
  if (round === 0) {
    if (justification.length > 0) throw badJustification('a round-0 PROPOSAL carries no ROUND_CHANGEs');
    return;
  }
  const signers = new Set<Address>();
  for (const rc of justification) {
    if (rc.height !== height || rc.round !== round) throw badJustification(`a ROUND_CHANGE of (${rc.height}, ${rc.round}) justifies (${height}, ${round})`);
    if (signers.has(rc.signer)) throw badJustification(`two ROUND_CHANGEs of ${rc.signer}`);
    signers.add(rc.signer);
    checkRoundChange(rc, threshold);
  }
  if (signers.size < threshold) throw badJustification(`${signers.size} ROUND_CHANGEs justify round ${round}, ${threshold} needed`);
  const best = highestPrepared(justification);
  if (best && best.blockHash !== proposal.blockHash) {
    throw badJustification(`round ${round} must re-propose ${best.blockHash} (prepared in round ${best.round}), not ${proposal.blockHash}`);
  }
}

/**
 * A block certificate: at least `threshold` seals of distinct validators over (chainId, height, blockHash).
 * The caller checks blockHash against the decoded block. Returns the signers in seal order.
 */
export function verifyCertificate(cert: Certificate, ctx: ConsensusContext & { threshold: number }): Address[] {
  const invalid = (message: string, data: Record<string, unknown> = {}) =>
    fail('CONSENSUS_CERTIFICATE_INVALID', message, 'ask another peer for the block: this certificate does not prove it', { height: String(cert.height), ...data });
  if (!isHex(cert.blockHash, 32) || !Array.isArray(cert.seals)) throw invalid('a certificate is { height, blockHash, block, seals }');
  const digest = commitmentDigest(ctx.domain, ctx.chainId, cert.height, cert.blockHash);
  const signers: Address[] = [];
  for (const seal of cert.seals) {
    let signer: Address;
    try {
      signer = secp256k1Scheme.recover(digest, seal);
    } catch {
      throw invalid(`an unrecoverable seal ${seal}`);
    }
    if (!ctx.validators.some((v) => v.toLowerCase() === signer)) throw invalid(`a seal of ${signer}, not a validator`, { signer });
    if (signers.includes(signer)) throw invalid(`two seals of ${signer}`, { signer });
    signers.push(signer);
  }
  if (signers.length < ctx.threshold) throw invalid(`${signers.length} seals, ${ctx.threshold} needed`);
  return signers;
}

// ---- binary codec -----------------------------------------------------------------------------------------
// Big-endian, fixed order, no optional padding: one encoding per message. Nested ROUND_CHANGEs are
// length-prefixed full encodings, nested PREPAREs fixed-size full encodings.

export interface DecodeLimits {
  /** Most ROUND_CHANGEs in a justification, PREPAREs in a certificate, seals in a block certificate. */
  maxEntries?: number;
  /** Most bytes of a block. */
  maxBlockBytes?: number;
}

const DEFAULT_MAX_BLOCK = 16 * 1024 * 1024;
const HEADER = 1 + 32 + 8 + 4; // type, chainId, height, round
const PREPARE_BYTES = HEADER + 32 + 20 + SIGNATURE_BYTES;

class Writer {
  private parts: Uint8Array[] = [];
  length = 0;
  bytes(b: Uint8Array): this {
    this.parts.push(b);
    this.length += b.length;
    return this;
  }
  hex(h: string, size: number): this {
    if (!isHex(h, size)) throw malformed(`expected ${size} bytes of 0x-hex`);
    return this.bytes(hexToBytes(h, size));
  }
  uint(value: number | bigint, size: number): this {
    const out = new Uint8Array(size);
    let v = BigInt(value);
    if (v < 0n || v >= 1n << BigInt(8 * size)) throw malformed(`${value} does not fit in ${size} bytes`);
    for (let i = size - 1; i >= 0; i--, v >>= 8n) out[i] = Number(v & 0xffn);
    return this.bytes(out);
  }
  finish(): Uint8Array {
    const out = new Uint8Array(this.length);
    let offset = 0;
    for (const p of this.parts) {
      out.set(p, offset);
      offset += p.length;
    }
    return out;
  }
}

class Reader {
  offset = 0;
  constructor(private readonly data: Uint8Array) {}
  take(n: number, what: string): Uint8Array {
    if (n > this.data.length - this.offset) throw malformed(`truncated: ${what} needs ${n} bytes, ${this.data.length - this.offset} left`, { offset: this.offset });
    const out = this.data.subarray(this.offset, this.offset + n);
    this.offset += n;
    return out;
  }
  hex(n: number, what: string): Hex {
    return bytesToHex(this.take(n, what));
  }
  uint(n: number, what: string): bigint {
    let v = 0n;
    for (const b of this.take(n, what)) v = (v << 8n) | BigInt(b);
    return v;
  }
  int(n: number, what: string): number {
    return Number(this.uint(n, what));
  }
  end(): void {
    if (this.offset !== this.data.length) throw malformed(`${this.data.length - this.offset} trailing bytes`, { offset: this.offset });
  }
}

function writeMessage(w: Writer, msg: ConsensusMessage): void {
  checkShape(msg);
  w.uint(msg.type, 1).hex(msg.chainId, 32).uint(msg.height, 8).uint(msg.round, 4);
  switch (msg.type) {
    case PROPOSAL:
      w.hex(msg.blockHash, 32).uint(msg.block.length, 4).bytes(msg.block).uint(msg.justification.length, 2);
      for (const rc of msg.justification) {
        const inner = encodeConsensusMessage(rc);
        w.uint(inner.length, 4).bytes(inner);
      }
      return void w.hex(msg.signer, 20).hex(msg.signature, SIGNATURE_BYTES);
    case PREPARE:
      return void w.hex(msg.blockHash, 32).hex(msg.signer, 20).hex(msg.signature, SIGNATURE_BYTES);
    case COMMIT:
      return void w.hex(msg.blockHash, 32).hex(msg.signer, 20).hex(msg.seal, SIGNATURE_BYTES);
    case ROUND_CHANGE: {
      const p = msg.prepared;
      if (!p) w.uint(0, 1);
      else {
        w.uint(1, 1).uint(p.round, 4).hex(p.blockHash, 32).uint(p.block.length, 4).bytes(p.block).uint(p.prepares.length, 2);
        for (const prepare of p.prepares) writeMessage(w, prepare);
      }
      return void w.hex(msg.signer, 20).hex(msg.signature, SIGNATURE_BYTES);
    }
  }
}

export function encodeConsensusMessage(msg: ConsensusMessage): Uint8Array {
  const w = new Writer();
  writeMessage(w, msg);
  return w.finish();
}

function count(r: Reader, what: string, max: number): number {
  const n = r.int(2, what);
  if (n > max) throw malformed(`${n} ${what}, at most ${max}`, { field: what, count: n, maximum: max });
  return n;
}

function blockOf(r: Reader, maxBlock: number): Uint8Array {
  const length = r.int(4, 'block length');
  if (length > maxBlock) throw malformed(`a block of ${length} bytes, at most ${maxBlock}`, { field: 'block' });
  return r.take(length, 'block').slice();
}

function readMessage(r: Reader, limits: Required<DecodeLimits>, depth: number): ConsensusMessage {
  const type = r.int(1, 'type');
  const chainId = r.hex(32, 'chainId');
  const height = r.uint(8, 'height');
  const round = r.int(4, 'round');
  switch (type) {
    case PROPOSAL: {
      if (depth > 0) throw malformed('a PROPOSAL nested in a message');
      const blockHash = r.hex(32, 'blockHash');
      const block = blockOf(r, limits.maxBlockBytes);
      const justification: RoundChange[] = [];
      for (let i = count(r, 'justification', limits.maxEntries); i > 0; i--) {
        const inner = new Reader(r.take(r.int(4, 'round change length'), 'round change'));
        const rc = readMessage(inner, limits, depth + 1);
        inner.end();
        if (rc.type !== ROUND_CHANGE) throw malformed(`a message of type ${rc.type} in a justification`, { field: 'justification' });
        justification.push(rc);
      }
      return { type, chainId, height, round, blockHash, block, justification, signer: r.hex(20, 'signer'), signature: r.hex(SIGNATURE_BYTES, 'signature') };
    }
    case PREPARE:
      return { type, chainId, height, round, blockHash: r.hex(32, 'blockHash'), signer: r.hex(20, 'signer'), signature: r.hex(SIGNATURE_BYTES, 'signature') };
    case COMMIT:
      if (depth > 0) throw malformed('a COMMIT nested in a message');
      return { type, chainId, height, round, blockHash: r.hex(32, 'blockHash'), signer: r.hex(20, 'signer'), seal: r.hex(SIGNATURE_BYTES, 'seal') };
    case ROUND_CHANGE: {
      if (depth > 1) throw malformed('a ROUND_CHANGE nested too deep');
      const flag = r.int(1, 'prepared flag');
      if (flag > 1) throw malformed(`prepared flag ${flag}`, { field: 'prepared' });
      let prepared: PreparedCertificate | undefined;
      if (flag === 1) {
        const pRound = r.int(4, 'prepared round');
        const blockHash = r.hex(32, 'prepared blockHash');
        const block = blockOf(r, limits.maxBlockBytes);
        const prepares: Prepare[] = [];
        for (let i = count(r, 'prepares', limits.maxEntries); i > 0; i--) {
          const inner = new Reader(r.take(PREPARE_BYTES, 'prepare'));
          const p = readMessage(inner, limits, depth + 1);
          if (p.type !== PREPARE) throw malformed(`a message of type ${p.type} in a prepared certificate`, { field: 'prepares' });
          prepares.push(p);
        }
        prepared = { round: pRound, blockHash, block, prepares };
      }
      const rc: RoundChange = { type, chainId, height, round, signer: r.hex(20, 'signer'), signature: r.hex(SIGNATURE_BYTES, 'signature') };
      if (prepared) rc.prepared = prepared;
      return rc;
    }
    default:
      throw malformed(`unknown consensus message type ${type}`, { field: 'type' });
  }
}

function limitsOf(limits: DecodeLimits): Required<DecodeLimits> {
  return { maxEntries: limits.maxEntries ?? MAX_VALIDATORS, maxBlockBytes: limits.maxBlockBytes ?? DEFAULT_MAX_BLOCK };
}

/** Inverse of encodeConsensusMessage; throws CONSENSUS_MALFORMED on anything it would not have written. */
export function decodeConsensusMessage(bytes: Uint8Array, limits: DecodeLimits = {}): ConsensusMessage {
  const r = new Reader(bytes);
  const msg = readMessage(r, limitsOf(limits), 0);
  r.end();
  return msg;
}

/** A prepared certificate on its own (what a validator persists before its COMMIT, §4.3). */
export function encodePreparedCertificate(cert: PreparedCertificate): Uint8Array {
  const w = new Writer().uint(cert.round, 4).hex(cert.blockHash, 32).uint(cert.block.length, 4).bytes(cert.block).uint(cert.prepares.length, 2);
  for (const prepare of cert.prepares) writeMessage(w, prepare);
  return w.finish();
}

export function decodePreparedCertificate(bytes: Uint8Array, limits: DecodeLimits = {}): PreparedCertificate {
  const l = limitsOf(limits);
  const r = new Reader(bytes);
  const round = r.int(4, 'round');
  const blockHash = r.hex(32, 'blockHash');
  const block = blockOf(r, l.maxBlockBytes);
  const prepares: Prepare[] = [];
  for (let i = count(r, 'prepares', l.maxEntries); i > 0; i--) {
    const p = readMessage(new Reader(r.take(PREPARE_BYTES, 'prepare')), l, 1);
    if (p.type !== PREPARE) throw malformed(`a message of type ${p.type} in a prepared certificate`, { field: 'prepares' });
    prepares.push(p);
  }
  r.end();
  return { round, blockHash, block, prepares };
}

export function encodeCertificate(cert: Certificate): Uint8Array {
  const w = new Writer().uint(cert.height, 8).hex(cert.blockHash, 32).uint(cert.block.length, 4).bytes(cert.block).uint(cert.seals.length, 2);
  for (const seal of cert.seals) w.hex(seal, SIGNATURE_BYTES);
  return w.finish();
}

export function decodeCertificate(bytes: Uint8Array, limits: DecodeLimits = {}): Certificate {
  const l = limitsOf(limits);
  const r = new Reader(bytes);
  const height = r.uint(8, 'height');
  const blockHash = r.hex(32, 'blockHash');
  const block = blockOf(r, l.maxBlockBytes);
  const seals: Hex[] = [];
  for (let i = count(r, 'seals', l.maxEntries); i > 0; i--) seals.push(r.hex(SIGNATURE_BYTES, 'seal'));
  r.end();
  return { height, blockHash, block, seals };
}
