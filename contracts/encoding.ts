/**
 * The few docs/SPEC.md encodings the contract tooling needs (header hash, exit tree, edge events, commitment signatures),
 * written with ethers. `@plasma-tree/core` is the protocol's real implementation; this file exists so that the
 * contracts package, its tests and the gas benchmark stand on their own, and so that the vector tests can check
 * Solidity against an independent TypeScript reading of the SPEC.
 */
import { AbiCoder, concat, keccak256, toUtf8Bytes, type Signer, type TypedDataDomain } from 'ethers';

const coder = AbiCoder.defaultAbiCoder();

/** The root chain (L1 itself). */
export const ROOT_CHAIN_ID = `0x${'00'.repeat(32)}`;
export const ZERO_BYTES32 = ROOT_CHAIN_ID;
export const ETH_TOKEN = `0x${'00'.repeat(20)}`;
export const EXIT_TREE_DEPTH = 16;

/** A block header as the contract's `Header` tuple takes it. */
export interface HeaderStruct {
  chainId: string;
  number: bigint;
  parentHash: string;
  txRoot: string;
  stateRoot: string;
  exitRoot: string;
  depositNonce: bigint;
  timestamp: bigint;
}

/** An exit as the contract's `Exit` tuple takes it. */
export interface ExitStruct {
  recipient: string;
  token: string;
  amount: bigint;
}

const HEADER_WORDS = ['bytes32', 'uint64', 'bytes32', 'bytes32', 'bytes32', 'bytes32', 'uint64', 'uint64'];

/** `keccak256(abi.encode(parent, index))`: id of the `index`-th child of `parent`. */
export function childChainId(parent: string, index: bigint | number): string {
  return keccak256(coder.encode(['bytes32', 'uint256'], [parent, index]));
}

/** blockHash = keccak256 of the 8 header words (256 bytes). */
export function hashHeader(h: HeaderStruct): string {
  return keccak256(
    coder.encode(HEADER_WORDS, [h.chainId, h.number, h.parentHash, h.txRoot, h.stateRoot, h.exitRoot, h.depositNonce, h.timestamp]),
  );
}

export function hashExit(e: ExitStruct): string {
  return keccak256(coder.encode(['address', 'address', 'uint256'], [e.recipient, e.token, e.amount]));
}

export function hashDeposit(d: { chainId: string; nonce: bigint; from: string; to: string; token: string; amount: bigint }): string {
  return keccak256(
    coder.encode(['bytes32', 'uint64', 'address', 'address', 'address', 'uint256'], [d.chainId, d.nonce, d.from, d.to, d.token, d.amount]),
  );
}

/** A down-stream record as a parent stores it: `hash` with its low 40 bits replaced by the time it was recorded. */
export function stampRecord(hash: string, time: bigint): string {
  const mask = (1n << 40n) - 1n;
  return `0x${((BigInt(hash) & ~mask) | (time & mask)).toString(16).padStart(64, '0')}`;
}

/** `keccak256(utf8(name))`: the id of edge function `name` (docs/EDGE.md). */
export function edgeFunctionId(name: string): string {
  return keccak256(toUtf8Bytes(name));
}

/** The built-in message function's id. */
export const MESSAGE_FN = edgeFunctionId('plasma-tree/message/v1');

/** The message function's payload: `abi.encode(address target, bytes data)`. */
export function encodeMessagePayload(target: string, data: string): string {
  return coder.encode(['address', 'bytes'], [target, data]);
}

/** A down edge event's record: `keccak256(abi.encode(fn, child, uint64 nonce, sender, keccak256(payload)))`. */
export function hashEdgeDownRecord(e: { fn: string; child: string; nonce: bigint; sender: string; payload: string }): string {
  return keccak256(coder.encode(['bytes32', 'bytes32', 'uint64', 'address', 'bytes32'], [e.fn, e.child, e.nonce, e.sender, keccak256(e.payload)]));
}

/** An up edge event's exit-tree leaf: `keccak256(abi.encode(fn, sourceChain, sender, keccak256(payload)))`. */
export function hashEdgeUpLeaf(e: { fn: string; sourceChain: string; sender: string; payload: string }): string {
  return keccak256(coder.encode(['bytes32', 'bytes32', 'address', 'bytes32'], [e.fn, e.sourceChain, e.sender, keccak256(e.payload)]));
}

/** What the root stores per commitment: keccak256(abi.encode(blockHash, uint64 windowEnd)). */
export function commitmentRecord(blockHash: string, windowEnd: bigint): string {
  return keccak256(coder.encode(['bytes32', 'uint64'], [blockHash, windowEnd]));
}

export function hashPair(left: string, right: string): string {
  return keccak256(concat([left, right]));
}

/** zero[0..32]: zero[0] = 0, zero[i+1] = keccak(zero[i] ‖ zero[i]). */
export const ZERO_HASHES: readonly string[] = (() => {
  const zs = [ZERO_BYTES32];
  for (let i = 0; i < 32; i++) zs.push(hashPair(zs[i], zs[i]));
  return zs;
})();

/**
 * A fixed-depth Merkle tree over `leaves` (positions 0..n-1, the rest empty), as in the SPEC.
 * Only the non-empty part of each level is kept, so a depth-16 tree of a few leaves costs a few hashes.
 */
export class FixedMerkleTree {
  private readonly levels: string[][];

  constructor(leaves: readonly string[], readonly depth: number = EXIT_TREE_DEPTH) {
    if (leaves.length > 2 ** depth) throw new Error(`${leaves.length} leaves do not fit a depth-${depth} tree`);
    this.levels = [leaves.slice()];
    for (let level = 0; level < depth; level++) {
      const nodes = this.levels[level];
      const up: string[] = [];
      for (let i = 0; i < nodes.length; i += 2) up.push(hashPair(nodes[i], nodes[i + 1] ?? ZERO_HASHES[level]));
      this.levels.push(up);
    }
  }

  get root(): string {
    return this.levels[this.depth][0] ?? ZERO_HASHES[this.depth];
  }

  /** The `depth` siblings of leaf `index`, from the leaf upward, padded with zero hashes. */
  proof(index: number): string[] {
    const siblings: string[] = [];
    for (let level = 0; level < this.depth; level++) {
      const sibling = (index >> level) ^ 1;
      siblings.push(this.levels[level][sibling] ?? ZERO_HASHES[level]);
    }
    return siblings;
  }
}

/** Root of a tree holding `leaf` at `index`, from its siblings (what the contract computes). */
export function computeMerkleRoot(leaf: string, index: number, proof: readonly string[]): string {
  let node = leaf;
  proof.forEach((sibling, level) => {
    node = (index >> level) & 1 ? hashPair(sibling, node) : hashPair(node, sibling);
  });
  return node;
}

/** The Plasma Tree EIP-712 domain for the root contract at `rootAddress` on L1 `l1ChainId`. */
export function plasmaDomain(l1ChainId: bigint | number, rootAddress: string): TypedDataDomain {
  return { name: 'PlasmaTree', version: '1', chainId: l1ChainId, verifyingContract: rootAddress };
}

export const COMMITMENT_TYPES = {
  Commitment: [
    { name: 'chainId', type: 'bytes32' },
    { name: 'number', type: 'uint64' },
    { name: 'blockHash', type: 'bytes32' },
  ],
};

/**
 * Packs 65-byte signatures into the `bytes signatures` argument of `PlasmaRoot.commit`: sorted by signer address
 * ascending, concatenated without padding.
 */
export function packSignatures(sigs: readonly { signer: string; signature: string }[]): string {
  const sorted = [...sigs].sort((a, b) => {
    const x = BigInt(a.signer);
    const y = BigInt(b.signer);
    return x < y ? -1 : x > y ? 1 : 0;
  });
  return concat(sorted.map((s) => s.signature));
}

/** Has every signer sign Commitment(chainId, number, blockHash) and returns the packed signatures for `commit`. */
export async function signCommitment(
  signers: readonly Signer[],
  domain: TypedDataDomain,
  c: { chainId: string; number: bigint; blockHash: string },
): Promise<string> {
  const sigs = await Promise.all(
    signers.map(async (s) => ({ signer: await s.getAddress(), signature: await s.signTypedData(domain, COMMITMENT_TYPES, c) })),
  );
  return packSignatures(sigs);
}
