/**
 * The ledger tree (compact sparse Merkle tree, its proofs and one-proof writes) and ParentLedger, the child-chain host of
 * PlasmaRoot's parent rules: every refusal, in the contract's order, with the contract's arguments as data.
 * contracts/test/ledger-parity.test.ts runs the same rules against PlasmaRoot itself.
 */
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_STALL_LIMIT,
  EXIT_TREE_DEPTH,
  EdgeDeliveryStatus,
  LEDGER_TREE_DEPTH,
  LedgerKind,
  LedgerTree,
  MAX_CHALLENGE_WINDOW,
  MAX_EDGE_PAYLOAD,
  MAX_UINT256,
  MIN_BOND,
  MerkleTree,
  ParentLedger,
  PlasmaError,
  SparseMerkleTree,
  ZERO_ADDRESS,
  ZERO_BYTES32,
  bigintToWord,
  bytesToHex,
  chainIdOf,
  commitmentDigest,
  concatBytes,
  edgeDownRecord,
  stampRecord,
  edgeUpLeaf,
  encodeWords,
  exitLeaf,
  hashCommitmentRecord,
  hashDeposit,
  hashHeader,
  hexToBytes,
  keccak256,
  keccakHasher,
  ledgerEntryKey,
  ledgerEntryLeaf,
  ledgerKey,
  ledgerKeys,
  nobleKeccakHasher,
  plasmaDomain,
  secp256k1Scheme,
  validatorSetHash,
  ledgerProofUpdate,
  verifyLedgerProof,
  zeroHashes,
  type Address,
  type ChainId,
  type Exit,
  type Header,
  type Hex,
  type LedgerEntry,
  type LedgerProof,
} from '../src/index.js';
import { CHAIN_ID, DOMAIN, ETH, TOKEN, expectLedgerRefusal, alice, bob, carol, user, type TestUser } from './fixtures.js';

const text = (s: string): Hex => bytesToHex(keccak256(new TextEncoder().encode(s)));
const word = (n: bigint): Hex => bytesToHex(bigintToWord(n));
const TOP = 1n << 255n;

// ---- an independent reading of the ledger tree: recursion over the key set; the verifier on noble keccak ----

const ZERO32 = new Uint8Array(32);
const leafNodeOf = (key: bigint, leaf: Uint8Array): Uint8Array => {
  const preimage = new Uint8Array(65);
  preimage.set(hexToBytes(word(key), 32), 0);
  preimage.set(leaf, 32);
  preimage[64] = 1;
  return nobleKeccakHasher.hash(preimage);
};

/** The compact tree's definition, read literally: 0, one entry's leafNode at any depth, or the pair of halves. */
function referenceRoot(entries: ReadonlyMap<bigint, Uint8Array>): Hex {
  const subtree = (items: [bigint, Uint8Array][], depth: number): Uint8Array => {
    if (items.length === 0) return ZERO32;
    if (items.length === 1) return leafNodeOf(items[0][0], items[0][1]);
    const bit = 1n << BigInt(255 - depth);
    const left = items.filter(([key]) => (key & bit) === 0n);
    const right = items.filter(([key]) => (key & bit) !== 0n);
    return nobleKeccakHasher.hashPair(subtree(left, depth + 1), subtree(right, depth + 1));
  };
  return bytesToHex(subtree([...entries], 0));
}

/** A read as ledgerTree.ts documents the proof for Solidity (bigint key and bitmap, the opening checked). */
function referenceVerify(key: bigint, leaf: Uint8Array | null, proof: LedgerProof, root: Hex): boolean {
  const bitmap = BigInt(proof.bitmap);
  if (bitmap === 0n) return false;
  const depth = bitmap.toString(2).length - 1;
  const words = proof.siblings.map((s) => hexToBytes(s, 32));
  const listed = [...bitmap.toString(2)].filter((c) => c === '1').length - 1;
  const opened = leaf !== null ? depth > 0 : words.length === listed + 2;
  if (words.length !== listed + (opened ? 2 : 0)) return false;
  let node: Uint8Array;
  if (leaf !== null) {
    node = leafNodeOf(key, leaf);
    if (opened) {
      const deepest = bitmap & 1n ? words[0] : ZERO32;
      const [a, b] = [words[listed], words[listed + 1]];
      if (bytesToHex(leafNodeOf(BigInt(bytesToHex(a)), b)) !== bytesToHex(deepest) && bytesToHex(nobleKeccakHasher.hashPair(a, b)) !== bytesToHex(deepest)) return false;
    }
  } else if (opened) {
    if (BigInt(bytesToHex(words[listed])) === key) return false;
    node = leafNodeOf(BigInt(bytesToHex(words[listed])), words[listed + 1]);
  } else node = ZERO32;
  let used = 0;
  for (let j = 0; j < depth; j++) {
    const sibling = (bitmap >> BigInt(j)) & 1n ? words[used++] : ZERO32;
    node = (key >> BigInt(256 - depth + j)) & 1n ? nobleKeccakHasher.hashPair(sibling, node) : nobleKeccakHasher.hashPair(node, sibling);
  }
  return bytesToHex(node) === root;
}

const keyHex = (key: bigint): Hex => word(key);
const leafOf = (n: number): Uint8Array => keccak256(encodeWords(['uint256'], [BigInt(n) + 1n]));
const depthOf = (proof: LedgerProof): number => BigInt(proof.bitmap).toString(2).length - 1;

/**
 * Keys that stress the radix structure: extremes, long shared prefixes (0 and 2 agree on 254 bits: leaves at depth
 * 255, the deepest a proof names), neighbours at bit 1 and bit 255.
 */
const EDGE_KEYS = [0n, 2n, 4n, 6n, TOP, TOP + 2n, MAX_UINT256, MAX_UINT256 - 2n, 1n << 128n, (1n << 128n) + 2n, 0xffn << 100n];
const RANDOM_KEYS = Array.from({ length: 24 }, (_, i) => BigInt(text(`ledger key ${i}`)));

describe('LedgerTree', () => {
  it('is empty at 0 and knows nothing', () => {
    const tree = new LedgerTree();
    expect(tree.root).toBe(ZERO_BYTES32);
    expect(tree.size).toBe(0);
    expect(tree.get(keyHex(5n))).toBeNull();
    expect(tree.delete(keyHex(5n))).toBe(false);
    expect([...tree.entries()]).toEqual([]);
    expect(tree.proof(keyHex(5n))).toEqual({ bitmap: word(1n), siblings: [] });
  });

  it('has the root of the plain recursive definition after every insert, update and delete', () => {
    const tree = new LedgerTree();
    const reference = new Map<bigint, Uint8Array>();
    const keys = [...EDGE_KEYS, ...RANDOM_KEYS];
    keys.forEach((key, i) => {
      tree.set(keyHex(key), leafOf(i));
      reference.set(key, leafOf(i));
      expect(tree.root).toBe(referenceRoot(reference));
    });
    for (const [i, key] of keys.entries()) {
      if (i % 3 !== 0) continue;
      tree.set(keyHex(key), leafOf(1000 + i));
      reference.set(key, leafOf(1000 + i));
    }
    expect(tree.root).toBe(referenceRoot(reference));
    for (const [i, key] of keys.entries()) {
      if (i % 2 !== 0) continue;
      expect(tree.delete(keyHex(key))).toBe(true);
      reference.delete(key);
      expect(tree.root).toBe(referenceRoot(reference));
    }
    expect(tree.size).toBe(reference.size);
    for (const key of [...reference.keys()]) tree.set(keyHex(key), ZERO_BYTES32); // a zero leaf empties the key
    expect(tree.size).toBe(0);
    expect(tree.root).toBe(ZERO_BYTES32);
  });

  it('holds one entry as its leafNode at the root, whatever the key', () => {
    const tree = new LedgerTree();
    tree.set(keyHex(TOP + 9n), leafOf(0));
    expect(tree.root).toBe(bytesToHex(leafNodeOf(TOP + 9n, leafOf(0))));
    const proof = tree.proof(keyHex(TOP + 9n));
    expect(proof).toEqual({ bitmap: word(1n), siblings: [] }); // depth 0, no sibling, no opening
    expect(verifyLedgerProof(keyHex(TOP + 9n), leafOf(0), proof, tree.root)).toBe(true);
    // An absent key ends at the same endpoint: the other entry is its opening.
    const absent = tree.proof(keyHex(5n));
    expect(absent).toEqual({ bitmap: word(1n), siblings: [keyHex(TOP + 9n), bytesToHex(leafOf(0))] });
    expect(verifyLedgerProof(keyHex(5n), null, absent, tree.root)).toBe(true);
  });

  it('refuses a key that agrees with another on its first 255 bits (its leaf would be at depth 256)', () => {
    const tree = new LedgerTree();
    tree.set(keyHex(6n), leafOf(0));
    expect(() => tree.set(keyHex(7n), leafOf(1))).toThrow(/first 255 bits/);
    expect(tree.get(keyHex(7n))).toBeNull();
    expect(tree.size).toBe(1);
  });

  it('does not depend on the order of writes; entries() come in key order and rebuild the tree', () => {
    const keys = [...RANDOM_KEYS, ...EDGE_KEYS];
    const a = new LedgerTree();
    const b = new LedgerTree();
    keys.forEach((key, i) => a.set(keyHex(key), leafOf(i)));
    [...keys.entries()].reverse().forEach(([i, key]) => b.set(keyHex(key), leafOf(i)));
    expect(b.root).toBe(a.root);
    const entries = [...a.entries()];
    expect(entries.map(([key]) => BigInt(key))).toEqual([...keys].sort((x, y) => (x < y ? -1 : 1)));
    expect(LedgerTree.fromEntries(entries).root).toBe(a.root);
    expect(a.get(keyHex(TOP))).toBe(bytesToHex(leafOf(keys.indexOf(TOP))));
  });

  it('proves inclusion of every leaf and exclusion of absent keys in about log2(entries) levels', () => {
    const tree = new LedgerTree();
    RANDOM_KEYS.forEach((key, i) => tree.set(keyHex(key), leafOf(i)));
    const root = tree.root;
    RANDOM_KEYS.forEach((key, i) => {
      const proof = tree.proof(keyHex(key));
      expect(verifyLedgerProof(keyHex(key), leafOf(i), proof, root)).toBe(true);
      expect(referenceVerify(key, leafOf(i), proof, root)).toBe(true);
      expect(verifyLedgerProof(keyHex(key), null, proof, root)).toBe(false);
      expect(verifyLedgerProof(keyHex(key), leafOf(i + 1), proof, root)).toBe(false);
      expect(depthOf(proof)).toBeLessThan(12); // 24 random keys: ~log2(24) levels, not 256
      // the set bits below the sentinel name the listed siblings; then the opening's two words
      expect(proof.siblings.length).toBe([...BigInt(proof.bitmap).toString(2)].filter((c) => c === '1').length - 1 + 2);
    });
    for (const absent of [4n, TOP + 2n, MAX_UINT256 - 2n, 12345n << 77n, BigInt(text('not a key'))]) {
      const proof = tree.proof(keyHex(absent));
      expect(verifyLedgerProof(keyHex(absent), null, proof, root)).toBe(true);
      expect(referenceVerify(absent, null, proof, root)).toBe(true);
      expect(verifyLedgerProof(keyHex(absent), leafOf(0), proof, root)).toBe(false);
    }
  });

  it('proves keys with long shared prefixes: single-child levels are unset bits, the depth reaches 255', () => {
    const tree = new LedgerTree();
    const keys = [...EDGE_KEYS, ...RANDOM_KEYS];
    keys.forEach((key, i) => tree.set(keyHex(key), leafOf(i)));
    const root = tree.root;
    keys.forEach((key, i) => {
      const proof = tree.proof(keyHex(key));
      expect(verifyLedgerProof(keyHex(key), leafOf(i), proof, root)).toBe(true);
      expect(referenceVerify(key, leafOf(i), proof, root)).toBe(true);
    });
    expect(depthOf(tree.proof(keyHex(0n)))).toBe(255);
    expect(depthOf(tree.proof(keyHex(2n)))).toBe(255);
    // 0 and 2 are each other's deepest sibling: the opening is the other's (key, leaf)
    expect(tree.proof(keyHex(0n)).siblings.slice(-2)).toEqual([keyHex(2n), bytesToHex(leafOf(1))]);
    for (const absent of [1n, 3n, 8n, TOP + 4n, MAX_UINT256 - 4n, (1n << 128n) + 4n]) {
      const proof = tree.proof(keyHex(absent));
      expect(verifyLedgerProof(keyHex(absent), null, proof, root)).toBe(true);
      expect(referenceVerify(absent, null, proof, root)).toBe(true);
    }
  });

  it('moves the root exactly as the tree does for every write from one proof: insert, split, update, delete, rise', () => {
    const tree = new LedgerTree();
    const keys = [...EDGE_KEYS, ...RANDOM_KEYS];
    const write = (key: bigint, leaf: Uint8Array | null): void => {
      const before = tree.root;
      const old = tree.get(keyHex(key));
      const proof = tree.proof(keyHex(key));
      const moved = ledgerProofUpdate(keyHex(key), old, leaf, proof);
      if (leaf === null) tree.delete(keyHex(key));
      else tree.set(keyHex(key), leaf);
      expect(moved, `key ${key}`).toBeDefined();
      expect(bytesToHex(moved!.before)).toBe(before);
      expect(bytesToHex(moved!.after), `key ${key}`).toBe(tree.root);
    };
    keys.forEach((key, i) => write(key, leafOf(i))); // inserts at empty endpoints and at other entries' (splits)
    keys.forEach((key, i) => i % 3 === 0 && write(key, leafOf(500 + i))); // updates
    write(BigInt(text('never written')), null); // absent stays absent
    keys.forEach((key, i) => i % 2 === 0 && write(key, null)); // deletions, some letting a leaf rise
    keys.forEach((key, i) => i % 2 === 1 && write(key, null));
    expect(tree.root).toBe(ZERO_BYTES32);
  });

  it('refuses tampered proofs: bitmap, sentinel, sibling, opening, surplus or missing word, another key, another root', () => {
    const tree = new LedgerTree();
    RANDOM_KEYS.forEach((key, i) => tree.set(keyHex(key), leafOf(i)));
    const key = RANDOM_KEYS[3];
    const leaf = leafOf(3);
    const proof = tree.proof(keyHex(key));
    const root = tree.root;
    const flip = (bitmap: Hex, level: number): Hex => word(BigInt(bitmap) ^ (1n << BigInt(level)));
    const depth = depthOf(proof);
    const tampered: LedgerProof[] = [
      { ...proof, bitmap: flip(proof.bitmap, 0) },
      { ...proof, bitmap: flip(proof.bitmap, depth) },
      { ...proof, bitmap: ZERO_BYTES32 },
      { ...proof, siblings: [text('forged'), ...proof.siblings.slice(1)] },
      { ...proof, siblings: [...proof.siblings.slice(0, -1), text('forged opening')] },
      { ...proof, siblings: [...proof.siblings, ZERO_BYTES32] },
      { ...proof, siblings: proof.siblings.slice(0, -1) },
      { ...proof, bitmap: flip(proof.bitmap, 200) },
    ];
    expect(verifyLedgerProof(keyHex(key), leaf, proof, root)).toBe(true);
    for (const bad of tampered) {
      expect(verifyLedgerProof(keyHex(key), leaf, bad, root)).toBe(false);
      expect(referenceVerify(key, leaf, bad, root)).toBe(false);
    }
    expect(verifyLedgerProof(keyHex(key ^ 1n), leaf, proof, root)).toBe(false);
    expect(verifyLedgerProof(keyHex(key), leaf, proof, text('another root'))).toBe(false);
    // A present key's own leaf passed off as "another entry at the endpoint" cannot prove it absent.
    const single = new LedgerTree();
    single.set(keyHex(key), leaf);
    expect(verifyLedgerProof(keyHex(key), null, { bitmap: word(1n), siblings: [keyHex(key), bytesToHex(leaf)] }, single.root)).toBe(false);
    expect(ledgerProofUpdate(keyHex(key), null, leafOf(9), { bitmap: word(1n), siblings: [keyHex(key), bytesToHex(leaf)] })).toBeUndefined();
  });

  it('refuses keys and leaves that are not 32 bytes', () => {
    const tree = new LedgerTree();
    expect(() => tree.set('0x1234', leafOf(0))).toThrow(PlasmaError);
    expect(() => tree.set(keyHex(1n), new Uint8Array(31))).toThrow(PlasmaError);
    expect(() => tree.get(new Uint8Array(33))).toThrow(PlasmaError);
  });

  it('ledgerKey is keccak256(abi.encode(uint8 kind, bytes32 child, bytes32 a, uint256 b))', () => {
    const child = chainIdOf(CHAIN_ID, 7);
    const packed = concatBytes(bigintToWord(4n), hexToBytes(child, 32), bigintToWord(9n), bigintToWord(65_535n));
    expect(ledgerKey(4, child, word(9n), 65_535n)).toBe(bytesToHex(keccak256(packed)));
    expect(ledgerKeys.spentExit(child, 9n, 65_535)).toBe(ledgerKey(LedgerKind.SpentExit, child, word(9n), 65_535n));
    const tokenWord = `0x${'00'.repeat(12)}${TOKEN.slice(2)}` as Hex;
    expect(ledgerKeys.subtreeBalance(child, TOKEN)).toBe(ledgerKey(LedgerKind.SubtreeBalance, child, tokenWord, 0n));
    expect(new Set([ledgerKeys.child(child), ledgerKeys.deposit(child, 0n), ledgerKeys.commitment(child, 0n), ledgerKeys.childCount()]).size).toBe(4);
  });
});

// ---- ParentLedger -----------------------------------------------------------------------------------------

const VALIDATORS: TestUser[] = [0, 1, 2, 3].map((i) => user(`validator ${i}`));
const BY_ADDRESS = [...VALIDATORS].sort((a, b) => (a.address < b.address ? -1 : 1));
const OUTSIDER = user('outsider');
const SPAWNER = alice.address;
const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const WINDOW = 100n;
/** The host clock of the deposits and edge events below (stamped into their records). */
const NOW = 1_000n;
const EMPTY_EXIT_ROOT = bytesToHex(zeroHashes(EXIT_TREE_DEPTH)[EXIT_TREE_DEPTH]);

/** A ledger on CHAIN_ID (itself a child of the root) with one 3-of-4 child. */
function setup(): { ledger: ParentLedger; child: ChainId } {
  const ledger = new ParentLedger(CHAIN_ID);
  const child = ledger.spawnChild({ validators: VALIDATORS.map((v) => v.address), threshold: 3, challengeWindow: WINDOW, bond: MIN_BOND, spawner: SPAWNER, now: NOW });
  return { ledger, child };
}

function header(chainId: ChainId, number: bigint, over: Partial<Header> = {}): Header {
  return {
    chainId,
    number,
    parentHash: ZERO_BYTES32,
    txRoot: text(`tx ${number}`),
    stateRoot: text(`state ${number}`),
    exitRoot: EMPTY_EXIT_ROOT,
    depositNonce: 0n,
    timestamp: 1_700_000_000n + number,
    ...over,
  };
}

interface RawSig {
  signer: Address;
  bytes: Uint8Array;
}

function sign(signers: readonly TestUser[], h: Header, domain = DOMAIN): RawSig[] {
  const digest = commitmentDigest(domain, h.chainId, h.number, hashHeader(h));
  return signers
    .map((s) => ({ signer: s.address, bytes: hexToBytes(secp256k1Scheme.sign(digest, s.key), 65) }))
    .sort((a, b) => (a.signer < b.signer ? -1 : 1));
}

const pack = (sigs: readonly RawSig[]): Hex => bytesToHex(concatBytes(...sigs.map((s) => s.bytes)));
const quorum = (h: Header, signers = BY_ADDRESS.slice(0, 3)): Hex => pack(sign(signers, h));

const expectRefusal = expectLedgerRefusal;

describe('ParentLedger: spawnChild', () => {
  it('registers children chainIdOf(selfId, 0), 1, ... with their configuration', () => {
    const { ledger, child } = setup();
    expect(child).toBe(chainIdOf(CHAIN_ID, 0));
    const info = ledger.childInfo(child);
    expect(info).toEqual({
      chainId: child,
      parentChainId: CHAIN_ID,
      index: 0n,
      spawner: SPAWNER,
      bond: MIN_BOND,
      threshold: 3,
      challengeWindow: WINDOW,
      validators: BY_ADDRESS.map((v) => v.address),
      headNumber: 0n,
      headWindowEnd: 0n,
      headDepositNonce: 0n,
      depositCount: 0n,
      spawnedAt: NOW,
      stallLimit: DEFAULT_STALL_LIMIT,
    });
    const upper = [bob.address.toUpperCase().replace('0X', '0x') as Address];
    const second = ledger.spawnChild({ validators: upper, threshold: 1, challengeWindow: MAX_CHALLENGE_WINDOW, bond: 10n ** 18n, spawner: carol.address, now: NOW });
    expect(second).toBe(chainIdOf(CHAIN_ID, 1));
    expect(ledger.childInfo(second).validators).toEqual([bob.address]);
    expect(ledger.children()).toEqual([child, second]);
    expect(ledger.childCount).toBe(2n);
    expect(ledger.hasChild(second)).toBe(true);
    expect(ledger.hasChild(chainIdOf(CHAIN_ID, 2))).toBe(false);
  });

  it('accepts the largest set (256, threshold up to 255: a uint8)', () => {
    const ledger = new ParentLedger(CHAIN_ID);
    const many = Array.from({ length: 256 }, (_, i) => `0x${(i + 1).toString(16).padStart(40, '0')}` as Address).reverse();
    const child = ledger.spawnChild({ validators: many, threshold: 255, challengeWindow: 1n, bond: MIN_BOND, spawner: SPAWNER, now: NOW });
    expect(ledger.childInfo(child).validators).toEqual([...many].reverse());
  });

  it('refuses what PlasmaRoot.spawnChain refuses, in the same order and with the same arguments', () => {
    const ledger = new ParentLedger(CHAIN_ID);
    const one = [bob.address];
    const ok = { validators: one, threshold: 1, challengeWindow: WINDOW, bond: MIN_BOND, spawner: SPAWNER, now: NOW };
    const spawn = (over: Partial<typeof ok>) => () => ledger.spawnChild({ ...ok, ...over });
    expectRefusal(ledger, spawn({ bond: MIN_BOND - 1n }), 'BOND_TOO_LOW', { bond: String(MIN_BOND - 1n), minimum: String(MIN_BOND) });
    expectRefusal(ledger, spawn({ bond: 0n, validators: [] }), 'BOND_TOO_LOW'); // the bond is checked first
    expectRefusal(ledger, spawn({ validators: [] }), 'EMPTY_VALIDATOR_SET', {});
    const tooMany = Array.from({ length: 257 }, (_, i) => `0x${(i + 1).toString(16).padStart(40, '0')}` as Address);
    expectRefusal(ledger, spawn({ validators: tooMany }), 'TOO_MANY_VALIDATORS', { count: '257', maximum: '256' });
    expectRefusal(ledger, spawn({ threshold: 0 }), 'BAD_THRESHOLD', { threshold: '0', validatorCount: '1' });
    expectRefusal(ledger, spawn({ threshold: 3, validators: [bob.address, carol.address] }), 'BAD_THRESHOLD', { threshold: '3', validatorCount: '2' });
    expectRefusal(ledger, spawn({ challengeWindow: 0n }), 'BAD_CHALLENGE_WINDOW', { challengeWindow: '0', maximum: String(MAX_CHALLENGE_WINDOW) });
    expectRefusal(ledger, spawn({ challengeWindow: MAX_CHALLENGE_WINDOW + 1n }), 'BAD_CHALLENGE_WINDOW', {
      challengeWindow: String(MAX_CHALLENGE_WINDOW + 1n),
      maximum: String(MAX_CHALLENGE_WINDOW),
    });
    expectRefusal(ledger, spawn({ validators: [bob.address, ZERO_ADDRESS], threshold: 2 }), 'ZERO_ADDRESS_VALIDATOR', {});
    expectRefusal(ledger, spawn({ validators: [ZERO_ADDRESS, ZERO_ADDRESS], threshold: 2 }), 'ZERO_ADDRESS_VALIDATOR'); // before duplicates
    const [low, high] = [bob.address, carol.address].sort();
    expectRefusal(ledger, spawn({ validators: [high, low, high, low], threshold: 2 }), 'DUPLICATE_VALIDATOR', { validator: low }); // the lowest one
    expectRefusal(ledger, spawn({ bond: 1n << 96n }), 'SAFE_CAST_OVERFLOWED_UINT_DOWNCAST', { bits: '96', value: String(1n << 96n) });
    // forms the contract's ABI decoder refuses before any rule runs
    expectRefusal(ledger, spawn({ threshold: 256 }), 'VALUE_OUT_OF_RANGE');
    expectRefusal(ledger, spawn({ validators: ['0x1234' as Address] }), 'INVALID_ADDRESS');
    expect(ledger.childCount).toBe(0n);
  });
});

describe('ParentLedger: deposit', () => {
  it('numbers deposits 1, 2, ... per child and raises the subtree balance per token', () => {
    const { ledger, child } = setup();
    const other = ledger.spawnChild({ validators: [bob.address], threshold: 1, challengeWindow: WINDOW, bond: MIN_BOND, spawner: SPAWNER, now: NOW });
    const d1 = ledger.deposit({ child, from: alice.address, to: bob.address, token: ETH, amount: 10n, now: NOW });
    const d2 = ledger.deposit({ child, from: alice.address, to: carol.address, token: TOKEN, amount: 5n, now: NOW });
    const d3 = ledger.deposit({ child, from: bob.address, to: bob.address, token: ETH, amount: 1n, now: NOW });
    const o1 = ledger.deposit({ child: other, from: alice.address, to: bob.address, token: ETH, amount: 7n, now: NOW });
    expect([d1.nonce, d2.nonce, d3.nonce, o1.nonce]).toEqual([1n, 2n, 3n, 1n]);
    expect(d2.depositHash).toBe(hashDeposit({ chainId: child, nonce: 2n, from: alice.address, to: carol.address, token: TOKEN, amount: 5n }));
    // The record is the hash stamped with the host's time (the skipped-deposit deadline counts from it).
    expect(d2.record).toBe(stampRecord(d2.depositHash, NOW));
    expect(ledger.depositRecord(child, 2n)).toBe(d2.record);
    expect(ledger.depositRecord(child, 4n)).toBe(ZERO_BYTES32);
    expect(ledger.subtreeBalance(child, ETH)).toBe(11n);
    expect(ledger.subtreeBalance(child, TOKEN)).toBe(5n);
    expect(ledger.subtreeBalance(other, ETH)).toBe(7n);
    expect(ledger.subtreeBalance(other, TOKEN)).toBe(0n);
    expect(ledger.childInfo(child).depositCount).toBe(3n);
  });

  it('refuses a zero amount, then an unknown child, then a zero recipient', () => {
    const { ledger, child } = setup();
    const unknown = chainIdOf(CHAIN_ID, 9);
    const ok = { child, from: alice.address, to: bob.address, token: ETH, amount: 1n };
    expectRefusal(ledger, () => ledger.deposit({ ...ok, amount: 0n, child: unknown, now: NOW }), 'ZERO_AMOUNT', {});
    expectRefusal(ledger, () => ledger.deposit({ ...ok, child: unknown, to: ZERO_ADDRESS, now: NOW }), 'UNKNOWN_CHAIN', { chainId: unknown });
    expectRefusal(ledger, () => ledger.deposit({ ...ok, to: ZERO_ADDRESS, now: NOW }), 'ZERO_RECIPIENT', {});
    expectRefusal(ledger, () => ledger.deposit({ ...ok, amount: -1n, now: NOW }), 'VALUE_OUT_OF_RANGE');
    expectRefusal(ledger, () => ledger.deposit({ ...ok, child: '0x12' as ChainId, now: NOW }), 'INVALID_HEX');
  });

  it('refuses what would overflow PlasmaRoot (Panic 0x11): a subtree balance past 2^256-1, a 2^48-th deposit', () => {
    const { ledger, child } = setup();
    ledger.deposit({ child, from: alice.address, to: bob.address, token: TOKEN, amount: MAX_UINT256, now: NOW });
    expectRefusal(ledger, () => ledger.deposit({ child, from: alice.address, to: bob.address, token: TOKEN, amount: 1n, now: NOW }), 'ARITHMETIC_OVERFLOW', {
      counter: 'subtreeBalance',
    });
    const entries = [...ledger.entries()].map((e): LedgerEntry => (e.kind === LedgerKind.Child ? { ...e, depositCount: (1n << 48n) - 1n } : e));
    const full = ParentLedger.fromEntries(CHAIN_ID, entries);
    expectRefusal(full, () => full.deposit({ child, from: alice.address, to: bob.address, token: ETH, amount: 1n, now: NOW }), 'ARITHMETIC_OVERFLOW', {
      counter: 'depositCount',
    });
  });
});

describe('ParentLedger: commit', () => {
  /** The 3-of-4 child with two deposits and blocks 1..3 committed at now = 1000, 1001, 1002. */
  function committed() {
    const { ledger, child } = setup();
    ledger.deposit({ child, from: alice.address, to: bob.address, token: ETH, amount: 10n, now: NOW });
    ledger.deposit({ child, from: alice.address, to: bob.address, token: ETH, amount: 10n, now: NOW });
    const h1 = header(child, 1n, { depositNonce: 1n });
    const c1 = ledger.commit({ child, header: h1, signatures: quorum(h1), now: 1000n, domain: DOMAIN });
    const h2 = header(child, 2n, { parentHash: c1.blockHash, depositNonce: 2n });
    const c2 = ledger.commit({ child, header: h2, signatures: quorum(h2, BY_ADDRESS.slice(1)), now: 1001n, domain: DOMAIN });
    const h3 = header(child, 3n, { parentHash: c2.blockHash, depositNonce: 2n });
    const c3 = ledger.commit({ child, header: h3, signatures: quorum(h3, BY_ADDRESS), now: 1002n, domain: DOMAIN });
    const next = (over: Partial<Header> = {}) => header(child, 4n, { parentHash: c3.blockHash, depositNonce: 2n, ...over });
    const commit = (h: Header, signatures: Hex = quorum(h), now = 2000n) => () => ledger.commit({ child, header: h, signatures, now, domain: DOMAIN });
    return { ledger, child, results: [c1, c2, c3], next, commit };
  }

  it('stores one record per block, links blocks by parent hash and tracks the head', () => {
    const { ledger, child, results, next, commit } = committed();
    expect(results.map((r) => r.windowEnd)).toEqual([1100n, 1101n, 1102n]);
    results.forEach((r, i) => expect(ledger.commitmentRecord(child, BigInt(i + 1))).toBe(hashCommitmentRecord(r.blockHash, r.windowEnd)));
    expect(ledger.commitmentRecord(child, 4n)).toBe(ZERO_BYTES32);
    const info = ledger.childInfo(child);
    expect([info.headNumber, info.headWindowEnd, info.headDepositNonce, info.depositCount]).toEqual([3n, 1102n, 2n, 2n]);
    const c4 = commit(next())() as { windowEnd: bigint; blockHash: Hex };
    expect(c4).toEqual({ blockHash: hashHeader(next()), windowEnd: 2100n });
  });

  it('refuses an unknown child, a header of another chain, and a number other than head + 1', () => {
    const { ledger, child, next, commit } = committed();
    const unknown = chainIdOf(CHAIN_ID, 5);
    const h = header(unknown, 1n);
    expectRefusal(ledger, () => ledger.commit({ child: unknown, header: h, signatures: quorum(h), now: 1n, domain: DOMAIN }), 'UNKNOWN_CHAIN', {
      chainId: unknown,
    });
    const other = chainIdOf(CHAIN_ID, 77);
    expectRefusal(ledger, commit(next({ chainId: other })), 'CHAIN_ID_MISMATCH', { chainId: child, headerChainId: other });
    for (const n of [3n, 5n, 0n]) {
      expectRefusal(ledger, commit(next({ number: n })), 'WRONG_BLOCK_NUMBER', { expected: '4', actual: String(n) });
    }
  });

  it('refuses a parent other than the head (and a non-zero parent for block 1)', () => {
    const { ledger, next, commit } = committed();
    const wrong = next({ parentHash: text('not the head') });
    expectRefusal(ledger, commit(wrong), 'WRONG_PARENT_HASH', { number: '4', parentHash: text('not the head') });
    const fresh = ledger.spawnChild({ validators: [bob.address], threshold: 1, challengeWindow: WINDOW, bond: MIN_BOND, spawner: SPAWNER, now: NOW });
    const b1 = header(fresh, 1n, { parentHash: word(1n) });
    expectRefusal(ledger, () => ledger.commit({ child: fresh, header: b1, signatures: '0x', now: 1n, domain: DOMAIN }), 'WRONG_PARENT_HASH', {
      number: '1',
      parentHash: word(1n),
    });
  });

  it('refuses a deposit nonce below the head or above the deposit count', () => {
    const { ledger, next, commit } = committed();
    expectRefusal(ledger, commit(next({ depositNonce: 1n })), 'DEPOSIT_NONCE_OUT_OF_RANGE', { depositNonce: '1', minimum: '2', maximum: '2' });
    expectRefusal(ledger, commit(next({ depositNonce: 3n })), 'DEPOSIT_NONCE_OUT_OF_RANGE', { depositNonce: '3', minimum: '2', maximum: '2' });
  });

  it('refuses a signature blob of a bad length, and fewer signatures than the threshold', () => {
    const { ledger, next, commit } = committed();
    const h = next();
    expectRefusal(ledger, commit(h, quorum(h).slice(0, -2) as Hex), 'BAD_SIGNATURES_LENGTH', { length: '194' });
    expectRefusal(ledger, commit(h, quorum(h, BY_ADDRESS.slice(0, 2))), 'NOT_ENOUGH_SIGNATURES', { count: '2', threshold: '3' });
    expectRefusal(ledger, commit(h, '0x'), 'NOT_ENOUGH_SIGNATURES', { count: '0', threshold: '3' });
  });

  it('refuses a bad v, a malleable high s, and a signature that recovers nothing', () => {
    const { ledger, next, commit } = committed();
    const h = next();
    for (const v of [0, 1, 29]) {
      const sigs = sign(BY_ADDRESS.slice(0, 3), h);
      sigs[1].bytes[64] = v;
      expectRefusal(ledger, commit(h, pack(sigs)), 'SIGNATURE_BAD_V', { position: '1', v: String(v) });
    }
    const sigs = sign(BY_ADDRESS.slice(0, 3), h);
    const s = BigInt(bytesToHex(sigs[2].bytes.subarray(32, 64)));
    sigs[2].bytes.set(bigintToWord(SECP256K1_N - s), 32);
    sigs[2].bytes[64] = sigs[2].bytes[64] === 27 ? 28 : 27;
    expectRefusal(ledger, commit(h, pack(sigs)), 'SIGNATURE_HIGH_S', { position: '2' });
    const zeroR = sign(BY_ADDRESS.slice(0, 3), h);
    zeroR[0].bytes.fill(0, 0, 32);
    expectRefusal(ledger, commit(h, pack(zeroR)), 'INVALID_SIGNATURE', { position: '0' });
  });

  it('refuses signers out of order or repeated, and signers outside the set', () => {
    const { ledger, child, next, commit } = committed();
    const h = next();
    const sigs = sign(BY_ADDRESS.slice(0, 3), h);
    const [a, b, c] = sigs;
    expectRefusal(ledger, commit(h, pack([b, a, c])), 'SIGNERS_NOT_SORTED', { position: '1', previous: b.signer, signer: a.signer });
    expectRefusal(ledger, commit(h, pack([a, a, b])), 'SIGNERS_NOT_SORTED', { position: '1', previous: a.signer, signer: a.signer });
    const withOutsider = sign([...BY_ADDRESS.slice(0, 2), OUTSIDER], h);
    const at = withOutsider.findIndex((sig) => sig.signer === OUTSIDER.address);
    expectRefusal(ledger, commit(h, pack(withOutsider)), 'SIGNER_NOT_VALIDATOR', { position: String(at), signer: OUTSIDER.address });
    // signed for another root contract, or for the same block number on another chain: the signers are garbage
    const otherDomain = pack(sign(BY_ADDRESS.slice(0, 3), h, plasmaDomain(31337n, bob.address)));
    expect(expectRefusal(ledger, commit(h, otherDomain), 'SIGNER_NOT_VALIDATOR').data.position).toBe('0');
    const otherChain = pack(sign(BY_ADDRESS.slice(0, 3), { ...h, chainId: chainIdOf(CHAIN_ID, 1) }));
    expectRefusal(ledger, commit(h, otherChain), 'SIGNER_NOT_VALIDATOR');
    expect(ledger.childInfo(child).headNumber).toBe(3n);
  });

  it('takes a header in any hex case, and refuses one the ABI could not encode', () => {
    const { ledger, child, next, commit } = committed();
    const h = next();
    const shouted = { ...h, chainId: h.chainId.toUpperCase().replace('0X', '0x'), parentHash: h.parentHash.toUpperCase().replace('0X', '0x') } as Header;
    expectRefusal(ledger, commit({ ...h, number: 4 as unknown as bigint }, quorum(h)), 'VALUE_OUT_OF_RANGE');
    expectRefusal(ledger, commit({ ...h, txRoot: '0x1234' }, quorum(h)), 'INVALID_HEX');
    expect(commit(shouted, quorum(h))()).toEqual({ blockHash: hashHeader(h), windowEnd: 2100n });
    expect(ledger.childInfo(child).headNumber).toBe(4n);
  });

  it('refuses a windowEnd too wide for PlasmaRoot (uint40)', () => {
    const { ledger, next, commit } = committed();
    const h = next();
    const now = (1n << 40n) - WINDOW;
    expectRefusal(ledger, commit(h, quorum(h), now), 'SAFE_CAST_OVERFLOWED_UINT_DOWNCAST', { bits: '40', value: String(1n << 40n) });
    expect(commit(h, quorum(h), now - 1n)()).toMatchObject({ windowEnd: (1n << 40n) - 1n });
  });
});

describe('ParentLedger: finalizeExit', () => {
  const mallory = user('mallory').address;
  const EXITS: Exit[] = [
    { recipient: bob.address, token: ETH, amount: 3n }, // 0
    { recipient: carol.address, token: TOKEN, amount: 40n }, // 1
    { recipient: bob.address, token: ETH, amount: 0n }, // 2
    { recipient: carol.address, token: ETH, amount: 6n }, // 3
    { recipient: mallory, token: ETH, amount: 100n }, // 4: more than the child ever received
    { recipient: mallory, token: text('never deposited').slice(0, 42) as Address, amount: 1n }, // 5
  ];

  function withExits() {
    const { ledger, child } = setup();
    ledger.deposit({ child, from: alice.address, to: alice.address, token: ETH, amount: 10n, now: NOW });
    ledger.deposit({ child, from: alice.address, to: alice.address, token: TOKEN, amount: 100n, now: NOW });
    const tree = new MerkleTree(EXITS.map((e) => exitLeaf(e)), EXIT_TREE_DEPTH);
    const h = header(child, 1n, { depositNonce: 2n, exitRoot: bytesToHex(tree.root) });
    const { windowEnd } = ledger.commit({ child, header: h, signatures: quorum(h), now: 1000n, domain: DOMAIN });
    const proof = (i: number): Hex[] => tree.proof(i).map(bytesToHex);
    type Over = Partial<{ child: ChainId; header: Header; windowEnd: bigint; exit: Exit; index: bigint | number; proof: Hex[]; now: bigint }>;
    const finalize = (i: number, over: Over = {}) => () =>
      ledger.finalizeExit({ child, header: h, windowEnd, exit: EXITS[i], index: i, proof: proof(i), now: windowEnd, ...over });
    return { ledger, child, h, windowEnd, proof, finalize };
  }

  it('refuses while the challenge window is open, then pays once and lowers the subtree balance', () => {
    const { ledger, child, windowEnd, finalize } = withExits();
    expect(windowEnd).toBe(1100n);
    expectRefusal(ledger, finalize(0, { now: 1099n }), 'CHALLENGE_WINDOW_OPEN', { windowEnd: '1100', now: '1099' });
    expect(finalize(0)()).toEqual(EXITS[0]);
    expect(ledger.isWithdrawn(child, 1n, 0)).toBe(true);
    expect(ledger.isWithdrawn(child, 1n, 1n)).toBe(false);
    expect(ledger.subtreeBalance(child, ETH)).toBe(7n);
    expectRefusal(ledger, finalize(0), 'ALREADY_WITHDRAWN', { chainId: child, number: '1', index: '0' });
    expect(finalize(1, { now: 5000n })()).toEqual(EXITS[1]);
    expect(ledger.subtreeBalance(child, TOKEN)).toBe(60n);
  });

  it('refuses a forged exit or a proof for another index', () => {
    const { ledger, child, proof, finalize } = withExits();
    for (const exit of [{ ...EXITS[3], amount: 7n }, { ...EXITS[3], recipient: alice.address }, { ...EXITS[3], token: TOKEN }]) {
      expectRefusal(ledger, finalize(3, { exit }), 'INVALID_EXIT_PROOF', { chainId: child, number: '1', index: '3' });
    }
    expectRefusal(ledger, finalize(3, { index: 1 }), 'INVALID_EXIT_PROOF', { chainId: child, number: '1', index: '1' });
    expectRefusal(ledger, finalize(3, { proof: proof(1) }), 'INVALID_EXIT_PROOF');
  });

  it('refuses an index of 2^16 or more and a proof of the wrong length', () => {
    const { ledger, child, proof, finalize } = withExits();
    expectRefusal(ledger, finalize(3, { index: 65_536n + 3n }), 'EXIT_INDEX_OUT_OF_RANGE', { index: '65539' });
    expectRefusal(ledger, finalize(3, { proof: proof(3).slice(0, 15) }), 'BAD_PROOF_LENGTH', { length: '15', expected: '16' });
    expectRefusal(ledger, finalize(3, { proof: [...proof(3), ZERO_BYTES32] }), 'BAD_PROOF_LENGTH', { length: '17', expected: '16' });
    expect(ledger.isWithdrawn(child, 1n, 65_539n)).toBe(false);
  });

  it('refuses a header, windowEnd, block or child that was not committed', () => {
    const { ledger, child, h, windowEnd, finalize } = withExits();
    expectRefusal(ledger, finalize(3, { windowEnd: windowEnd + 1n, now: windowEnd + 1n }), 'UNKNOWN_COMMITMENT', { chainId: child, number: '1' });
    expectRefusal(ledger, finalize(3, { header: { ...h, timestamp: h.timestamp + 1n } }), 'UNKNOWN_COMMITMENT');
    expectRefusal(ledger, finalize(3, { header: { ...h, number: 2n } }), 'UNKNOWN_COMMITMENT', { chainId: child, number: '2' });
    expectRefusal(ledger, finalize(3, { header: { ...h, number: 0n } }), 'UNKNOWN_COMMITMENT', { chainId: child, number: '0' });
    const unknown = chainIdOf(CHAIN_ID, 31_337);
    expectRefusal(ledger, finalize(3, { child: unknown }), 'UNKNOWN_COMMITMENT', { chainId: unknown, number: '1' });
  });

  it('refuses a zero-amount exit', () => {
    const { ledger, finalize } = withExits();
    expectRefusal(ledger, finalize(2), 'ZERO_AMOUNT', {});
  });

  it('never pays a child more than its subtree holds, even when its whole quorum signed a lie', () => {
    const { ledger, child, finalize } = withExits();
    expectRefusal(ledger, finalize(4), 'SUBTREE_BALANCE_EXCEEDED', { chainId: child, token: ETH, requested: '100', available: '10' });
    expectRefusal(ledger, finalize(5), 'SUBTREE_BALANCE_EXCEEDED', { chainId: child, token: EXITS[5].token, requested: '1', available: '0' });
    finalize(0)();
    finalize(3)();
    expect(ledger.subtreeBalance(child, ETH)).toBe(1n);
  });

  it('empties the balance leaf at zero, so the root depends on the state and not on its history', () => {
    const { ledger, child } = setup();
    const before = ledger.root;
    ledger.deposit({ child, from: alice.address, to: alice.address, token: TOKEN, amount: 40n, now: NOW });
    const tree = new MerkleTree([exitLeaf({ recipient: carol.address, token: TOKEN, amount: 40n })], EXIT_TREE_DEPTH);
    const h = header(child, 1n, { depositNonce: 1n, exitRoot: bytesToHex(tree.root) });
    const { windowEnd } = ledger.commit({ child, header: h, signatures: quorum(h), now: 1n, domain: DOMAIN });
    ledger.finalizeExit({ child, header: h, windowEnd, exit: { recipient: carol.address, token: TOKEN, amount: 40n }, index: 0, proof: tree.proof(0).map(bytesToHex), now: windowEnd });
    expect(ledger.root).not.toBe(before);
    const key = ledgerKeys.subtreeBalance(child, TOKEN);
    expect(verifyLedgerProof(key, null, ledger.proof(key), ledger.root)).toBe(true);
  });
});

describe('ParentLedger: edge events (docs/EDGE.md)', () => {
  const FN = text('test/fn/v1');
  const PAYLOAD: Hex = '0xc0ffee';

  it('records a down event on the deposits\' nonce stream, with its record and no balance change', () => {
    const { ledger, child } = setup();
    ledger.deposit({ child, from: alice.address, to: bob.address, token: ETH, amount: 10n, now: NOW });
    const root = ledger.root;
    const event = ledger.recordEdgeEvent({ child, fn: FN, sender: carol.address, payload: PAYLOAD, now: NOW });
    expect(event).toEqual({ nonce: 2n, record: stampRecord(edgeDownRecord({ fn: FN, child, nonce: 2n, sender: carol.address, payload: PAYLOAD }), NOW) });
    expect(ledger.root).not.toBe(root);
    expect(ledger.depositRecord(child, 2n)).toBe(event.record);
    expect(ledger.childInfo(child).depositCount).toBe(2n);
    expect(ledger.subtreeBalance(child, ETH)).toBe(10n);
    expect(ledger.deposit({ child, from: alice.address, to: bob.address, token: ETH, amount: 1n, now: NOW }).nonce).toBe(3n);
    // Mixed case in, canonical record out.
    expect(ledger.recordEdgeEvent({ child: child.toUpperCase().replace('0X', '0x') as ChainId, fn: FN, sender: carol.address, payload: '0xC0FFEE', now: NOW }).record).toBe(
      stampRecord(edgeDownRecord({ fn: FN, child, nonce: 4n, sender: carol.address, payload: PAYLOAD }), NOW),
    );
  });

  it('refuses a payload over MAX_EDGE_PAYLOAD first, then an unknown child, then a 2^48-th event', () => {
    const { ledger, child } = setup();
    const unknown = chainIdOf(CHAIN_ID, 9);
    const big = bytesToHex(new Uint8Array(MAX_EDGE_PAYLOAD + 1));
    expectRefusal(ledger, () => ledger.recordEdgeEvent({ child: unknown, fn: FN, sender: alice.address, payload: big, now: NOW }), 'PAYLOAD_TOO_LARGE', { length: '4097', maximum: '4096' });
    expectRefusal(ledger, () => ledger.recordEdgeEvent({ child: unknown, fn: FN, sender: alice.address, payload: PAYLOAD, now: NOW }), 'UNKNOWN_CHAIN', { chainId: unknown });
    expect(ledger.recordEdgeEvent({ child, fn: FN, sender: alice.address, payload: bytesToHex(new Uint8Array(MAX_EDGE_PAYLOAD)), now: NOW }).nonce).toBe(1n);
    const entries = [...ledger.entries()].map((e): LedgerEntry => (e.kind === LedgerKind.Child ? { ...e, depositCount: (1n << 48n) - 1n } : e));
    const full = ParentLedger.fromEntries(CHAIN_ID, entries);
    expectRefusal(full, () => full.recordEdgeEvent({ child, fn: FN, sender: alice.address, payload: PAYLOAD, now: NOW }), 'ARITHMETIC_OVERFLOW', { counter: 'depositCount' });
    expectRefusal(ledger, () => ledger.recordEdgeEvent({ child, fn: FN, sender: alice.address, payload: '0x1' as Hex, now: NOW }), 'INVALID_HEX');
  });

  /** A committed block of `child` whose exit tree holds a token exit, then two up events (one from another chain). */
  function withEvents() {
    const { ledger, child } = setup();
    ledger.deposit({ child, from: alice.address, to: alice.address, token: ETH, amount: 10n, now: NOW });
    const exit: Exit = { recipient: bob.address, token: ETH, amount: 3n };
    const events = [
      { fn: FN, sourceChain: child, sender: carol.address, payload: PAYLOAD },
      { fn: FN, sourceChain: chainIdOf(CHAIN_ID, 7), sender: carol.address, payload: PAYLOAD },
    ];
    const tree = new MerkleTree([exitLeaf(exit), ...events.map((e) => hexToBytes(edgeUpLeaf(e)))], EXIT_TREE_DEPTH);
    const h = header(child, 1n, { depositNonce: 1n, exitRoot: bytesToHex(tree.root) });
    const { windowEnd } = ledger.commit({ child, header: h, signatures: quorum(h), now: 1000n, domain: DOMAIN });
    const proof = (i: number): Hex[] => tree.proof(i).map(bytesToHex);
    type Over = Partial<{ child: ChainId; header: Header; windowEnd: bigint; fn: Hex; sender: Address; payload: Hex; index: bigint | number; proof: Hex[]; now: bigint }>;
    const consume = (over: Over = {}) => () =>
      ledger.consumeEdgeEvent({ child, header: h, windowEnd, fn: FN, sender: carol.address, payload: PAYLOAD, index: 1, proof: proof(1), now: windowEnd, ...over });
    return { ledger, child, h, windowEnd, exit, proof, consume };
  }

  it("consumes an up event with finalizeExit's checks in its order, once, sharing the spent set with token exits", () => {
    const { ledger, child, h, windowEnd, exit, proof, consume } = withEvents();
    const balance = ledger.subtreeBalance(child, ETH);
    expectRefusal(ledger, consume({ header: { ...h, number: 2n }, now: 0n, index: 1n << 16n, proof: [] }), 'UNKNOWN_COMMITMENT', { chainId: child, number: '2' });
    expectRefusal(ledger, consume({ now: windowEnd - 1n, index: 1n << 16n, proof: [] }), 'CHALLENGE_WINDOW_OPEN', { windowEnd: '1100', now: '1099' });
    expectRefusal(ledger, consume({ index: 1n << 16n, proof: [] }), 'EXIT_INDEX_OUT_OF_RANGE', { index: '65536' });
    expectRefusal(ledger, consume({ proof: [], payload: '0x' }), 'BAD_PROOF_LENGTH', { length: '0', expected: '16' });
    expectRefusal(ledger, consume({ payload: '0xc0fffe' }), 'INVALID_EXIT_PROOF', { chainId: child, number: '1', index: '1' });
    expectRefusal(ledger, consume({ sender: bob.address }), 'INVALID_EXIT_PROOF');
    expectRefusal(ledger, consume({ fn: text('another/fn') }), 'INVALID_EXIT_PROOF');
    // Leaf 2 is the same event from chain 7: under this child its leaf is another one.
    expectRefusal(ledger, consume({ index: 2, proof: proof(2) }), 'INVALID_EXIT_PROOF');
    // The token exit's position holds no event, and the event's position no token exit.
    expectRefusal(ledger, consume({ index: 0, proof: proof(0) }), 'INVALID_EXIT_PROOF');
    expectRefusal(ledger, () => ledger.finalizeExit({ child, header: h, windowEnd, exit, index: 1, proof: proof(1), now: windowEnd }), 'INVALID_EXIT_PROOF');
    expect(consume()()).toEqual({ fn: FN, sourceChain: child, sender: carol.address, payload: PAYLOAD });
    expect(ledger.isWithdrawn(child, 1n, 1)).toBe(true);
    expect(ledger.subtreeBalance(child, ETH)).toBe(balance);
    expectRefusal(ledger, consume(), 'ALREADY_WITHDRAWN', { chainId: child, number: '1', index: '1' });
    expect(ledger.finalizeExit({ child, header: h, windowEnd, exit, index: 0, proof: proof(0), now: windowEnd })).toEqual(exit);
    expect(ledger.subtreeBalance(child, ETH)).toBe(7n);
  });

  it('keeps edge storage and deliveries as ledger entries under the keys and values of the table', () => {
    const ledger = new ParentLedger(CHAIN_ID);
    const root = ledger.root;
    ledger.setEdgeStorage(FN, '0x6b6579', '0xABCD');
    expect(ledger.edgeStorage(FN, '0x6b6579')).toBe('0xabcd');
    expect(ledger.edgeStorage(text('other/fn'), '0x6b6579')).toBeUndefined();
    const storageKey = ledgerKey(LedgerKind.EdgeStorage, FN, keccak256(hexToBytes('0x6b6579')), 0n);
    expect(ledgerKeys.edgeStorage(FN, '0x6b6579')).toBe(storageKey);
    // abi.encode(bytes value): offset, length, the bytes padded.
    const storageLeaf = keccak256(hexToBytes(`${word(32n)}${word(2n).slice(2)}abcd${'00'.repeat(30)}`));
    expect(verifyLedgerProof(storageKey, storageLeaf, ledger.proof(storageKey), ledger.root)).toBe(true);

    ledger.recordEdgeDelivery(5n, FN, EdgeDeliveryStatus.Failed);
    expect(ledger.edgeDelivery(5n)).toEqual({ fn: FN, status: EdgeDeliveryStatus.Failed });
    expect(ledger.edgeDelivery(6n)).toBeUndefined();
    const deliveryKey = ledgerKey(LedgerKind.EdgeDelivery, ZERO_BYTES32, ZERO_BYTES32, 5n);
    expect(ledgerKeys.edgeDelivery(5n)).toBe(deliveryKey);
    const deliveryLeaf = keccak256(encodeWords(['bytes32', 'uint8'], [FN, 2]));
    expect(verifyLedgerProof(deliveryKey, deliveryLeaf, ledger.proof(deliveryKey), ledger.root)).toBe(true);

    expect(ParentLedger.fromEntries(CHAIN_ID, ledger.entries()).root).toBe(ledger.root);
    // The empty value is the default: setting it deletes the entry, so the root forgets the history.
    ledger.setEdgeStorage(FN, '0x6b6579', '0x');
    expect(ledger.edgeStorage(FN, '0x6b6579')).toBeUndefined();
    expect(verifyLedgerProof(storageKey, null, ledger.proof(storageKey), ledger.root)).toBe(true);
    ledger.checkpoint();
    ledger.setEdgeStorage(FN, '0x', '0x01');
    ledger.revert();
    expect(ledger.edgeStorage(FN, '0x')).toBeUndefined();
    expect(ledger.root).not.toBe(root); // the delivery stays
    expectRefusal(ledger, () => ledger.setEdgeStorage(FN, '0x6b6579', 'abcd' as Hex), 'INVALID_HEX');
  });
});

describe('ParentLedger: root, proofs, checkpoints, persistence', () => {
  /** A ledger that went through every kind of write. */
  function busy(): { ledger: ParentLedger; child: ChainId } {
    const { ledger, child } = setup();
    ledger.deposit({ child, from: alice.address, to: bob.address, token: ETH, amount: 9n, now: NOW });
    const exit = { recipient: bob.address, token: ETH, amount: 4n };
    const tree = new MerkleTree([exitLeaf(exit)], EXIT_TREE_DEPTH);
    const h = header(child, 1n, { depositNonce: 1n, exitRoot: bytesToHex(tree.root) });
    const { windowEnd } = ledger.commit({ child, header: h, signatures: quorum(h), now: 50n, domain: DOMAIN });
    ledger.finalizeExit({ child, header: h, windowEnd, exit, index: 0, proof: tree.proof(0).map(bytesToHex), now: windowEnd });
    return { ledger, child };
  }

  it('commits to every entry: each one is provable against the root, absent ones are provably absent', () => {
    const { ledger, child } = busy();
    const entries = [...ledger.entries()];
    expect(entries.map((e) => e.kind).sort()).toEqual([0, 1, 2, 3, 4, 5]);
    for (const entry of entries) {
      const key = ledgerEntryKey(entry);
      expect(verifyLedgerProof(key, ledgerEntryLeaf(entry), ledger.proof(key), ledger.root)).toBe(true);
    }
    const absent = ledgerKeys.deposit(child, 2n);
    expect(verifyLedgerProof(absent, null, ledger.proof(absent), ledger.root)).toBe(true);
    const config = entries.find((e) => e.kind === LedgerKind.Child)!;
    expect(ledgerEntryLeaf(config)).toEqual(
      keccak256(
        encodeWords(
          ['uint256', 'address', 'uint256', 'uint8', 'uint64', 'bytes32', 'uint64', 'uint64', 'uint64', 'uint64', 'uint64', 'uint64'],
          [0n, SPAWNER, MIN_BOND, 3, WINDOW, validatorSetHash(BY_ADDRESS.map((v) => v.address)), 1n, 150n, 1n, 1n, NOW, DEFAULT_STALL_LIMIT],
        ),
      ),
    );
  });

  it('is deterministic and rebuilds from its entries', () => {
    const a = busy();
    const b = busy();
    expect(b.ledger.root).toBe(a.ledger.root);
    const copy = ParentLedger.fromEntries(CHAIN_ID, a.ledger.entries());
    expect(copy.root).toBe(a.ledger.root);
    expect(copy.children()).toEqual(a.ledger.children());
    expect(copy.childInfo(a.child)).toEqual(a.ledger.childInfo(a.child));
    const next = { child: a.child, from: alice.address, to: bob.address, token: ETH, amount: 1n, now: NOW };
    expect(copy.deposit(next)).toEqual(a.ledger.deposit(next));
    expect(copy.root).toBe(a.ledger.root);
    expect(() => ParentLedger.fromEntries(chainIdOf(CHAIN_ID, 1), a.ledger.entries())).toThrow(/does not belong/);
  });

  it('undoes changes since a checkpoint; nested checkpoints fold into the outer one', () => {
    const { ledger, child } = busy();
    const root = ledger.root;
    const deposit = { child, from: alice.address, to: bob.address, token: TOKEN, amount: 3n, now: NOW };
    ledger.checkpoint();
    ledger.deposit(deposit);
    const spawned = ledger.spawnChild({ validators: [bob.address], threshold: 1, challengeWindow: 1n, bond: MIN_BOND, spawner: SPAWNER, now: NOW });
    ledger.checkpoint();
    ledger.deposit({ ...deposit, child: spawned });
    ledger.commitCheckpoint();
    expect(ledger.checkpointDepth).toBe(1);
    ledger.revert();
    expect(ledger.root).toBe(root);
    expect(ledger.children()).toEqual([child]);
    expect(ledger.hasChild(spawned)).toBe(false);
    expect(ledger.subtreeBalance(child, TOKEN)).toBe(0n);
    expect(ledger.depositRecord(child, 2n)).toBe(ZERO_BYTES32);
    expect(ledger.childInfo(child).depositCount).toBe(1n);
    // the same spawn again gets the same id
    expect(ledger.spawnChild({ validators: [bob.address], threshold: 1, challengeWindow: 1n, bond: MIN_BOND, spawner: SPAWNER, now: NOW })).toBe(spawned);
    expect(() => ledger.revert()).toThrow(PlasmaError);
    expect(() => ledger.commitCheckpoint()).toThrow(/without an open checkpoint/);
  });

  it('hands out frozen entries: a caller cannot change the ledger behind its root', () => {
    const { ledger } = busy();
    for (const entry of ledger.entries()) expect(Object.isFrozen(entry)).toBe(true);
    const config = [...ledger.entries()].find((e) => e.kind === LedgerKind.Child)!;
    expect(Object.isFrozen((config as { validators: readonly Address[] }).validators)).toBe(true);
  });
});
