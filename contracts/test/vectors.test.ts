/**
 * Cross-language test vectors (docs/SPEC.md): every hash is computed three ways and must agree byte for byte:
 *   sol  - EncodingHarness, i.e. the PlasmaEncoding / PlasmaMerkle libraries PlasmaRoot itself uses;
 *   core - @plasma-tree/core, the protocol implementation the nodes run;
 *   ref  - an independent reading of the SPEC with ethers' ABI coder and EIP-712 encoder.
 * A few results are also pinned as constants, so that a change to all three at once is still noticed.
 */
import * as core from '@plasma-tree/core';
import { AbiCoder, Contract, MaxUint256, TypedDataEncoder, getAddress, id, keccak256, toUtf8Bytes, type TypedDataDomain } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deployContract } from '../index.js';
import {
  COMMITMENT_TYPES,
  FixedMerkleTree,
  ROOT_CHAIN_ID,
  ZERO_HASHES,
  childChainId,
  commitmentRecord,
  MESSAGE_FN,
  computeMerkleRoot,
  edgeFunctionId,
  encodeMessagePayload,
  hashDeposit,
  hashEdgeDownRecord,
  hashEdgeUpLeaf,
  hashExit,
  hashHeader,
  plasmaDomain,
  stampRecord,
} from '../encoding.js';
import { expectRevert, setup, type Fixture } from './helpers.js';

const abi = AbiCoder.defaultAbiCoder();
const MAX_U64 = 2n ** 64n - 1n;
const ZERO_BYTES32_HEX = `0x${'00'.repeat(32)}` as core.Hex;
const hex = (b: Uint8Array): core.Hex => core.bytesToHex(b);
const addr = (s: string): core.Address => s.toLowerCase() as core.Address;

// Addresses with leading zero bytes and with every byte set catch padding mistakes.
const A1 = getAddress('0x00000000000000000000000000000000000000a1');
const A2 = getAddress('0xffffffffffffffffffffffffffffffffffffffff');
const A3 = getAddress('0x5b38da6a701c568545dcfcb03fcb875f56beddc4');
const CHAIN = childChainId(ROOT_CHAIN_ID, 0n);
const GRANDCHILD = childChainId(childChainId(CHAIN, 3n), 2n ** 64n);

const HEADERS: core.Header[] = [
  {
    chainId: CHAIN as core.Hex,
    number: 1n,
    parentHash: `0x${'00'.repeat(32)}`,
    txRoot: id('tx') as core.Hex,
    stateRoot: hex(core.zeroHashes(32)[32]),
    exitRoot: hex(core.zeroHashes(16)[16]),
    depositNonce: 0n,
    timestamp: 1_700_000_000n,
  },
  {
    chainId: GRANDCHILD as core.Hex,
    number: MAX_U64,
    parentHash: id('parent') as core.Hex,
    txRoot: id('txs') as core.Hex,
    stateRoot: id('state') as core.Hex,
    exitRoot: id('exits') as core.Hex,
    depositNonce: MAX_U64,
    timestamp: MAX_U64,
  },
];

const Z32 = `0x${'00'.repeat(32)}` as core.Hex;
const Z20 = `0x${'00'.repeat(20)}` as core.Address;
const SIGNATURES = `0x${'ab'.repeat(65)}${'cd'.repeat(65)}` as core.Hex;
const PROOF = Array.from({ length: 16 }, (_, i) => id(`sibling ${i}`) as core.Hex);

const BLOCK_TXS: core.BlockTx[] = [
  { kind: core.TxKind.Deposit, slot: 0, toSlot: 7, from: addr(A1), to: addr(A3), token: addr(A2), amount: 5n, nonce: 1n, r: Z32, s: Z32, v: 0, data: '0x' },
  { kind: core.TxKind.Transfer, slot: 2 ** 32 - 1, toSlot: 3, from: addr(A3), to: addr(A1), token: Z20, amount: MaxUint256, nonce: MAX_U64, r: id('r') as core.Hex, s: id('s') as core.Hex, v: 28, data: '0x' },
  { kind: core.TxKind.Withdraw, slot: 9, toSlot: 0, from: addr(A2), to: addr(A2), token: addr(A1), amount: 1n, nonce: 0n, r: id('r2') as core.Hex, s: id('s2') as core.Hex, v: 27, data: '0x' },
  { kind: core.TxKind.DepositToChild, slot: 4, toSlot: 0, from: addr(A3), to: addr(A1), token: addr(A2), amount: 9n, nonce: 2n, r: id('r3') as core.Hex, s: id('s3') as core.Hex, v: 27, data: core.encodeDepositToChildData(GRANDCHILD as core.Hex) },
  { kind: core.TxKind.CommitChild, slot: 0, toSlot: 0, from: Z20, to: Z20, token: Z20, amount: 0n, nonce: 0n, r: Z32, s: Z32, v: 0, data: core.encodeCommitChildData({ child: CHAIN as core.Hex, header: HEADERS[0], signatures: SIGNATURES }) },
  { kind: core.TxKind.FinalizeChildExit, slot: 0, toSlot: 11, from: Z20, to: addr(A2), token: addr(A3), amount: MaxUint256, nonce: 0n, r: Z32, s: Z32, v: 0, data: core.encodeFinalizeChildExitData({ child: GRANDCHILD as core.Hex, header: HEADERS[1], windowEnd: MAX_U64, exit: { recipient: addr(A2), token: addr(A3), amount: MaxUint256 }, index: 65_535n, proof: PROOF }) },
  { kind: core.TxKind.SpawnChild, slot: 1, toSlot: 0, from: addr(A1), to: Z20, token: Z20, amount: 10n ** 16n, nonce: 5n, r: id('r4') as core.Hex, s: id('s4') as core.Hex, v: 28, data: core.encodeSpawnChildData({ validators: [addr(A3), addr(A1)], threshold: 2, challengeWindow: 86_400n }) },
];

const EXITS: core.Exit[] = [
  { recipient: addr(A1), token: `0x${'00'.repeat(20)}`, amount: 1n },
  { recipient: addr(A2), token: addr(A3), amount: MaxUint256 },
  { recipient: addr(A3), token: addr(A1), amount: 10n ** 18n },
  { recipient: addr(A3), token: addr(A3), amount: 12_345n },
  { recipient: addr(A1), token: addr(A2), amount: 2n },
];

// Edge-event payloads: empty, one byte, exactly one word, one byte over a word, and the largest the root accepts.
const PAYLOADS: core.Hex[] = [0, 1, 32, 33, core.MAX_EDGE_PAYLOAD].map(
  (n) => hex(Uint8Array.from({ length: n }, (_, i) => (i * 151 + n + 7) & 0xff)),
);
const EDGE_FNS: core.Hex[] = [core.MESSAGE_FN, core.edgeFunctionId('example/counter/v1'), Z32, `0x${'ff'.repeat(32)}`];

const headerTuple = (h: core.Header) => [h.chainId, h.number, h.parentHash, h.txRoot, h.stateRoot, h.exitRoot, h.depositNonce, h.timestamp];
const blockTxTuple = (t: core.BlockTx) => [t.kind, t.slot, t.toSlot, t.from, t.to, t.token, t.amount, t.nonce, t.r, t.s, t.v];
const exitTuple = (e: core.Exit) => [e.recipient, e.token, e.amount];

let f: Fixture;
let harness: Contract;
let ethersDomain: TypedDataDomain;
let coreDomain: core.Eip712Domain;

beforeAll(async () => {
  f = await setup();
  harness = (await deployContract(f.wallets[0], 'EncodingHarness')).contract;
  ethersDomain = plasmaDomain(31337n, f.rootAddress);
  coreDomain = core.plasmaDomain(31337n, addr(f.rootAddress));
});

afterAll(async () => {
  await f?.stop();
});

describe('SPEC vectors: Solidity = core = reference', () => {
  it('chain ids, at any depth', async () => {
    for (const [parent, index] of [[ROOT_CHAIN_ID, 0n], [ROOT_CHAIN_ID, 7n], [CHAIN, 3n], [GRANDCHILD, MaxUint256]] as const) {
      const sol = await harness.childChainId(parent, index);
      expect(core.chainIdOf(parent as core.Hex, index)).toBe(sol);
      expect(childChainId(parent, index)).toBe(sol);
    }
  });

  it('accountHash', async () => {
    for (const a of [
      { owner: addr(A1), token: addr(A2), balance: 0n, nonce: 0n },
      { owner: addr(A2), token: addr(A3), balance: MaxUint256, nonce: MAX_U64 },
    ]) {
      const sol = await harness.accountHash(a.owner, a.token, a.balance, a.nonce);
      expect(core.hashAccount(a)).toBe(sol);
      expect(keccak256(abi.encode(['address', 'address', 'uint256', 'uint64'], [a.owner, a.token, a.balance, a.nonce]))).toBe(sol);
    }
  });

  it('depositHash', async () => {
    for (const d of [
      { chainId: CHAIN as core.Hex, nonce: 1n, from: addr(A1), to: addr(A2), token: `0x${'00'.repeat(20)}` as core.Hex, amount: 1n },
      { chainId: GRANDCHILD as core.Hex, nonce: MAX_U64, from: addr(A3), to: addr(A3), token: addr(A2), amount: MaxUint256 },
    ]) {
      const sol = await harness.depositHash(d.chainId, d.nonce, d.from, d.to, d.token, d.amount);
      expect(core.hashDeposit(d)).toBe(sol);
      expect(hashDeposit(d)).toBe(sol);
    }
  });

  it('down-stream records: the time stamped in the low 40 bits; recordIs ignores it and nothing else', async () => {
    const hash = core.hashDeposit({ chainId: CHAIN as core.Hex, nonce: 1n, from: addr(A1), to: addr(A2), token: `0x${'00'.repeat(20)}` as core.Hex, amount: 1n });
    for (const time of [0n, 1n, 1_700_000_000n, (1n << 40n) - 1n]) {
      const sol = await harness.stampRecord(hash, time);
      expect(core.stampRecord(hash, time)).toBe(sol);
      expect(stampRecord(hash, time)).toBe(sol);
      expect(core.recordTime(sol)).toBe(time);
      expect(await harness.recordIs(sol, hash)).toBe(true);
      expect(core.recordIs(sol, hash)).toBe(true);
    }
    // One bit above the time changes the hash part: not the same record, on either side.
    const other = `0x${(BigInt(hash) ^ (1n << 40n)).toString(16).padStart(64, '0')}` as core.Hex;
    expect(await harness.recordIs(core.stampRecord(hash, 5n), other)).toBe(false);
    expect(core.recordIs(core.stampRecord(hash, 5n), other)).toBe(false);
    // An empty record is no deposit's.
    expect(await harness.recordIs(ZERO_BYTES32_HEX, hash)).toBe(false);
    expect(core.recordIs(ZERO_BYTES32_HEX, hash)).toBe(false);
    expect(() => core.stampRecord(hash, 1n << 40n)).toThrow(RangeError);
  });

  it('exitHash', async () => {
    for (const e of EXITS) {
      const sol = await harness.exitHash(exitTuple(e));
      expect(core.hashExit(e)).toBe(sol);
      expect(hashExit(e)).toBe(sol);
    }
  });

  it('txLeafHash: the 11 BlockTx words, keccak256(data), the post-state root and the exit index', async () => {
    for (const [i, t] of BLOCK_TXS.entries()) {
      const post = id(`post ${i}`);
      const exitIndex = BigInt(i * 7919) % 2n ** 64n;
      const sol = await harness.txLeafHash(blockTxTuple(t), t.data, post, exitIndex);
      expect(core.hashTxLeaf(t, post as core.Hex, exitIndex)).toBe(sol);
      const words = ['uint8', 'uint32', 'uint32', 'address', 'address', 'address', 'uint256', 'uint64', 'bytes32', 'bytes32', 'uint8', 'bytes32', 'bytes32', 'uint64'];
      expect(keccak256(abi.encode(words, [...blockTxTuple(t), keccak256(t.data), post, exitIndex]))).toBe(sol);
    }
  });

  it('data of the tree kinds: Solidity abi.encode = core = ethers, and core decodes it back', async () => {
    const exit = { recipient: addr(A2), token: addr(A3), amount: MaxUint256 };
    const finalize = { child: GRANDCHILD as core.Hex, header: HEADERS[1], windowEnd: MAX_U64, exit, index: 65_535n, proof: PROOF };
    const commit = { child: CHAIN as core.Hex, header: HEADERS[0], signatures: SIGNATURES };
    const spawn = { validators: [addr(A3), addr(A1), addr(A2)], threshold: 255, challengeWindow: MAX_U64, stallLimit: MAX_U64 - 1n };
    const HEADER = 'tuple(bytes32,uint64,bytes32,bytes32,bytes32,bytes32,uint64,uint64)';

    const deposit = await harness.depositToChildData(GRANDCHILD);
    expect(core.encodeDepositToChildData(GRANDCHILD as core.Hex)).toBe(deposit);
    expect(core.decodeDepositToChildData(deposit)).toBe(GRANDCHILD);

    for (const c of [commit, { ...commit, signatures: '0x' as core.Hex }, { ...commit, signatures: `0x${'ee'.repeat(33)}` as core.Hex }]) {
      const sol = await harness.commitChildData(c.child, headerTuple(c.header), c.signatures);
      expect(core.encodeCommitChildData(c)).toBe(sol);
      expect(abi.encode(['bytes32', HEADER, 'bytes'], [c.child, headerTuple(c.header), c.signatures])).toBe(sol);
      expect(core.decodeCommitChildData(sol)).toEqual(c);
    }

    for (const f of [finalize, { ...finalize, proof: [] as core.Hex[], index: 0n }]) {
      const sol = await harness.finalizeChildExitData(f.child, headerTuple(f.header), f.windowEnd, exitTuple(f.exit), f.index, f.proof);
      expect(core.encodeFinalizeChildExitData(f)).toBe(sol);
      expect(abi.encode(['bytes32', HEADER, 'uint64', 'tuple(address,address,uint256)', 'uint256', 'bytes32[]'], [f.child, headerTuple(f.header), f.windowEnd, exitTuple(f.exit), f.index, f.proof])).toBe(sol);
      expect(core.decodeFinalizeChildExitData(sol)).toEqual(f);
      const decoded = await harness.decodeFinalizeChildExitData(sol);
      expect(decoded[0]).toBe(f.child);
      expect(decoded[2]).toBe(f.windowEnd);
      expect([...decoded[5]]).toEqual(f.proof);
    }

    for (const sp of [spawn, { ...spawn, validators: [] }]) {
      const sol = await harness.spawnChildData(sp.validators, sp.threshold, sp.challengeWindow, sp.stallLimit);
      expect(core.encodeSpawnChildData(sp)).toBe(sol);
      expect(abi.encode(['address[]', 'uint8', 'uint64', 'uint64'], [sp.validators, sp.threshold, sp.challengeWindow, sp.stallLimit])).toBe(sol);
      expect(core.decodeSpawnChildData(sol)).toEqual(sp);
    }
  });

  it('edge function ids: the message function is keccak256("plasma-tree/message/v1")', async () => {
    const sol = await harness.messageFn();
    expect(core.MESSAGE_FN).toBe(sol);
    expect(MESSAGE_FN).toBe(sol);
    expect(await f.root.MESSAGE_FN()).toBe(sol);
    expect(core.edgeFunctionId(core.MESSAGE_FN_NAME)).toBe(sol);
    expect(core.edgeFunctionId('example/counter/v1')).toBe(edgeFunctionId('example/counter/v1'));
    expect(await f.root.MAX_EDGE_PAYLOAD()).toBe(BigInt(core.MAX_EDGE_PAYLOAD));
  });

  it('down edge event record, for payloads of 0, 1, 32, 33 and 4096 bytes', async () => {
    const cases = PAYLOADS.flatMap((payload, i) => [
      { fn: EDGE_FNS[i % EDGE_FNS.length], child: CHAIN as core.Hex, nonce: BigInt(i + 1), sender: addr(A1), payload },
      { fn: EDGE_FNS[(i + 1) % EDGE_FNS.length], child: GRANDCHILD as core.Hex, nonce: MAX_U64 - BigInt(i), sender: addr(A2), payload },
    ]);
    const seen = new Set<string>();
    for (const e of cases) {
      const sol = await harness.edgeDownRecord(e.fn, e.child, e.nonce, e.sender, e.payload);
      expect(core.edgeDownRecord(e)).toBe(sol);
      expect(hashEdgeDownRecord(e)).toBe(sol);
      seen.add(sol);
    }
    expect(seen.size).toBe(cases.length);
  });

  it('up edge event leaf, for payloads of 0, 1, 32, 33 and 4096 bytes', async () => {
    const cases = PAYLOADS.flatMap((payload, i) => [
      { fn: EDGE_FNS[i % EDGE_FNS.length], sourceChain: CHAIN as core.Hex, sender: addr(A3), payload },
      { fn: EDGE_FNS[(i + 2) % EDGE_FNS.length], sourceChain: GRANDCHILD as core.Hex, sender: addr(A1), payload },
    ]);
    const seen = new Set<string>();
    for (const e of cases) {
      const sol = await harness.edgeUpLeaf(e.fn, e.sourceChain, e.sender, e.payload);
      expect(core.edgeUpLeaf(e)).toBe(sol);
      expect(hashEdgeUpLeaf(e)).toBe(sol);
      seen.add(sol);
    }
    expect(seen.size).toBe(cases.length);
  });

  it('message payload abi.encode(target, data) and its leaf as relayMessage computes it', async () => {
    for (const [i, data] of PAYLOADS.entries()) {
      const target = [A1, A2, A3][i % 3];
      const payload = await harness.messagePayload(target, data);
      expect(core.encodeMessagePayload({ target: addr(target), data })).toBe(payload);
      expect(encodeMessagePayload(target, data)).toBe(payload);
      expect((payload.length - 2) / 2).toBe(96 + Math.ceil((data.length - 2) / 64) * 32);
      const [decodedTarget, decodedData] = await harness.decodeMessagePayload(payload);
      expect([decodedTarget, decodedData]).toEqual([target, data]);

      const leaf = await harness.messageUpLeaf(CHAIN, A2, target, data);
      expect(core.edgeUpLeaf({ fn: core.MESSAGE_FN, sourceChain: CHAIN as core.Hex, sender: addr(A2), payload: core.encodeMessagePayload({ target: addr(target), data }) })).toBe(leaf);
      expect(await harness.edgeUpLeaf(core.MESSAGE_FN, CHAIN, A2, payload)).toBe(leaf);
    }
  });

  it('blockHash (256 bytes) and the commitment record', async () => {
    for (const h of HEADERS) {
      const sol = await harness.blockHash(headerTuple(h));
      expect(core.encodeHeader(h).length).toBe(256);
      expect(core.hashHeader(h)).toBe(sol);
      expect(hashHeader(h)).toBe(sol);
      for (const windowEnd of [0n, 1_700_000_100n, MAX_U64]) {
        expect(commitmentRecord(sol, windowEnd)).toBe(await harness.commitmentRecord(sol, windowEnd));
      }
    }
  });

  it('the ledger tree: keys, leaf nodes, and the roots a compact proof folds to before and after every write (PlasmaLedgerTree)', async () => {
    // Entries of every ledger kind, with keys near each other (one child, consecutive numbers) and far apart.
    const tree = new core.LedgerTree();
    const keys: core.Hex[] = [];
    for (let i = 0; i < 40; i++) {
      const key = core.ledgerKey(i % 11, CHAIN as core.ChainId, i % 3 === 0 ? ZERO_BYTES32_HEX : (id(`a ${i}`) as core.Hex), BigInt(i));
      expect(await harness.ledgerKey(i % 11, CHAIN, i % 3 === 0 ? ZERO_BYTES32_HEX : id(`a ${i}`), i)).toBe(key);
      keys.push(key);
    }
    expect(await harness.ledgerLeafNode(keys[0], id('leaf'))).toBe(hex(core.ledgerLeafNode(core.hexToBytes(keys[0], 32), core.hexToBytes(id('leaf') as core.Hex, 32))));
    // Every write, checked on both sides against core's tree: inserts (at empty endpoints and splits of another
    // entry's), updates, deletions (with a rising leaf or not), from the empty tree back to the empty tree.
    const write = async (key: core.Hex, leaf: core.Hex | null): Promise<void> => {
      const proof = tree.proof(key);
      const old = tree.get(key) ?? ZERO_BYTES32_HEX;
      const before = tree.root;
      expect(await harness.ledgerRootOfCalldata(key, old, proof.bitmap, proof.siblings), `read ${key}`).toBe(before);
      if (leaf === null) tree.delete(key);
      else tree.set(key, leaf);
      const [oldRoot, newRoot] = (await harness.ledgerUpdate(key, old, leaf ?? ZERO_BYTES32_HEX, proof.bitmap, proof.siblings)) as [string, string];
      expect(oldRoot).toBe(before);
      expect(newRoot, `write ${key}`).toBe(tree.root);
      const moved = core.ledgerProofUpdate(key, old, leaf, proof)!;
      expect([hex(moved.before), hex(moved.after)]).toEqual([oldRoot, newRoot]);
    };
    for (const [i, key] of keys.entries()) await write(key, id(`leaf ${i}`) as core.Hex);
    for (const [i, key] of keys.entries()) if (i % 4 === 0) await write(key, id(`leaf ${i} again`) as core.Hex);
    const absent = core.ledgerKey(3, CHAIN as core.ChainId, ZERO_BYTES32_HEX, 10_000n);
    await write(absent, null); // absent stays absent
    for (const [i, key] of keys.entries()) if (i % 2 === 0) await write(key, null);
    for (const [i, key] of keys.entries()) if (i % 2 === 1) await write(key, null);
    expect(tree.root).toBe(ZERO_BYTES32_HEX);
    // The empty tree: depth 0, no words, root 0.
    expect(await harness.ledgerRootOfCalldata(absent, ZERO_BYTES32_HEX, 1, [])).toBe(ZERO_BYTES32_HEX);

    // Refusals, the same on both sides: no endpoint, a word too many or too few, a false opening.
    for (const [i, key] of keys.entries()) tree.set(key, id(`leaf ${i}`) as core.Hex);
    const proof = tree.proof(keys[0]);
    const leaf = tree.get(keys[0])!;
    const words = proof.siblings.length;
    const refused = async (bitmap: core.Hex, siblings: core.Hex[], reason: bigint): Promise<void> => {
      expect(core.ledgerProofRoot(keys[0], leaf, { bitmap, siblings })).toBeUndefined();
      await expectRevert(harness.ledgerRootOfCalldata(keys[0], leaf, bitmap, siblings), 'BadLedgerProof', [reason, BigInt(siblings.length)]);
    };
    await refused(ZERO_BYTES32_HEX, proof.siblings, 1n);
    await refused(proof.bitmap, [...proof.siblings, id('extra') as core.Hex], 2n);
    await refused(proof.bitmap, proof.siblings.slice(1), 2n);
    await refused(proof.bitmap, [...proof.siblings.slice(0, -1), id('forged opening') as core.Hex], 3n);
    expect(words).toBeGreaterThan(2);
    // A wrong leaf folds to another root.
    expect(await harness.ledgerRootOfCalldata(keys[0], id('not it'), proof.bitmap, proof.siblings)).not.toBe(tree.root);
  });

  it('zero hashes 0..32', async () => {
    const sol = (await harness.zeroHashes(32)) as string[];
    expect(sol.length).toBe(33);
    expect(core.zeroHashes(32).map(hex)).toEqual([...sol]);
    expect([...ZERO_HASHES]).toEqual([...sol]);
    expect(await harness.zeroHash(16)).toBe(sol[16]);
  });

  it('exit-tree roots and depth-16 proofs', async () => {
    const coreTree = new core.MerkleTree(EXITS.map((e) => core.exitLeaf(e)), 16);
    const refTree = new FixedMerkleTree(EXITS.map(hashExit), 16);
    expect(refTree.root).toBe(hex(coreTree.root));
    for (let i = 0; i < EXITS.length; i++) {
      const proof = coreTree.proof(i).map(hex);
      expect(refTree.proof(i)).toEqual(proof);
      expect(await harness.merkleRoot(hashExit(EXITS[i]), i, proof)).toBe(refTree.root);
      expect(computeMerkleRoot(hashExit(EXITS[i]), i, proof)).toBe(refTree.root);
    }
    // an empty tree and a full-width index
    expect(new FixedMerkleTree([], 16).root).toBe(hex(core.zeroHashes(16)[16]));
    const last = 2 ** 16 - 1;
    const sparse = Array<string>(last + 1).fill(ZERO_HASHES[0]);
    sparse[last] = hashExit(EXITS[0]);
    const sparseTree = new FixedMerkleTree(sparse, 16);
    expect(await harness.merkleRoot(sparse[last], last, sparseTree.proof(last))).toBe(sparseTree.root);
    expect(await harness.hashPair(ZERO_HASHES[0], ZERO_HASHES[0])).toBe(ZERO_HASHES[1]);
  });

  it('EIP-712 type hashes and domain separator', async () => {
    expect(await harness.transferTypehash()).toBe(id('Transfer(bytes32 chainId,uint32 slot,address to,address token,uint256 amount,uint64 nonce)'));
    expect(await harness.withdrawTypehash()).toBe(id('Withdraw(bytes32 chainId,uint32 slot,address recipient,address token,uint256 amount,uint64 nonce)'));
    expect(await harness.commitmentTypehash()).toBe(id('Commitment(bytes32 chainId,uint64 number,bytes32 blockHash)'));
    expect(keccak256(toUtf8Bytes(core.encodeType('Transfer')))).toBe(await harness.transferTypehash());
    expect(keccak256(toUtf8Bytes(core.encodeType('Withdraw')))).toBe(await harness.withdrawTypehash());
    expect(keccak256(toUtf8Bytes(core.encodeType('Commitment')))).toBe(await harness.commitmentTypehash());
    expect(keccak256(toUtf8Bytes(core.encodeType('DepositToChild')))).toBe(await harness.depositToChildTypehash());
    expect(keccak256(toUtf8Bytes(core.encodeType('SpawnChild')))).toBe(await harness.spawnChildTypehash());

    const sol = await harness.domainSeparator(f.rootAddress);
    expect(await f.root.domainSeparator()).toBe(sol);
    expect(core.domainSeparator(coreDomain)).toBe(sol);
    expect(TypedDataEncoder.hashDomain(ethersDomain)).toBe(sol);
  });

  it('Transfer and Withdraw digests', async () => {
    const m = { chainId: GRANDCHILD as core.Hex, slot: 2 ** 32 - 1, token: addr(A2), amount: MaxUint256, nonce: MAX_U64 };
    const transfer = await harness.transferDigest(f.rootAddress, m.chainId, m.slot, A1, m.token, m.amount, m.nonce);
    expect(core.transferDigest(coreDomain, { ...m, to: addr(A1) })).toBe(transfer);
    expect(TypedDataEncoder.hash(ethersDomain, core.TRANSFER_TYPES, { ...m, to: A1 })).toBe(transfer);

    const withdraw = await harness.withdrawDigest(f.rootAddress, m.chainId, m.slot, A1, m.token, m.amount, m.nonce);
    expect(core.withdrawDigest(coreDomain, { ...m, recipient: addr(A1) })).toBe(withdraw);
    expect(TypedDataEncoder.hash(ethersDomain, core.WITHDRAW_TYPES, { ...m, recipient: A1 })).toBe(withdraw);
    expect(withdraw).not.toBe(transfer);
  });

  it('DepositToChild and SpawnChild digests (signed on a child chain that is a parent)', async () => {
    const m = { chainId: GRANDCHILD as core.Hex, slot: 2 ** 32 - 1, child: CHAIN as core.Hex, token: addr(A2), amount: MaxUint256, nonce: MAX_U64 };
    const deposit = await harness.depositToChildDigest(f.rootAddress, m.chainId, m.slot, m.child, A1, m.token, m.amount, m.nonce);
    expect(core.depositToChildDigest(coreDomain, { ...m, to: addr(A1) })).toBe(deposit);
    expect(TypedDataEncoder.hash(ethersDomain, core.DEPOSIT_TO_CHILD_TYPES, { ...m, to: A1 })).toBe(deposit);

    const validators = [addr(A3), addr(A1)];
    const validatorsHash = await harness.validatorsHash(validators);
    expect(core.validatorSetHash(validators)).toBe(validatorsHash);
    const s = { chainId: CHAIN as core.Hex, slot: 3, validatorsHash, threshold: 2, challengeWindow: MAX_U64, stallLimit: MAX_U64 - 1n, bond: MaxUint256, nonce: MAX_U64 };
    const spawn = await harness.spawnChildDigest(f.rootAddress, s.chainId, s.slot, s.validatorsHash, s.threshold, s.challengeWindow, s.stallLimit, s.bond, s.nonce);
    expect(core.spawnChildDigest(coreDomain, s)).toBe(spawn);
    expect(TypedDataEncoder.hash(ethersDomain, core.SPAWN_CHILD_TYPES, s)).toBe(spawn);
    const tx = { kind: core.TxKind.SpawnChild as const, chainId: s.chainId, slot: s.slot, validators, threshold: s.threshold, challengeWindow: s.challengeWindow, stallLimit: s.stallLimit, bond: s.bond, nonce: s.nonce };
    expect(core.signedTxDigest(coreDomain, tx)).toBe(spawn);
  });

  it('Commitment digest, as PlasmaRoot verifies it', async () => {
    for (const h of HEADERS) {
      const blockHash = core.hashHeader(h);
      const sol = await harness.commitmentDigest(f.rootAddress, h.chainId, h.number, blockHash);
      expect(await f.root.commitmentDigest(h.chainId, h.number, blockHash)).toBe(sol);
      expect(core.commitmentDigest(coreDomain, h.chainId, h.number, blockHash)).toBe(sol);
      expect(TypedDataEncoder.hash(ethersDomain, COMMITMENT_TYPES, { chainId: h.chainId, number: h.number, blockHash })).toBe(sol);
    }
  });

  it('pinned values', async () => {
    expect(ZERO_HASHES[1]).toBe('0xad3228b676f7d3cd4284a5443f17f1962b36e491b30a40b2405849e597ba5fb5');
    expect(ZERO_HASHES[16]).toBe(PINNED.zero16);
    expect(ZERO_HASHES[32]).toBe(PINNED.zero32);
    expect(childChainId(ROOT_CHAIN_ID, 0n)).toBe(PINNED.firstChild);
    expect(await harness.blockHash(headerTuple(HEADERS[0]))).toBe(PINNED.header0);
    expect(await harness.exitHash(exitTuple(EXITS[1]))).toBe(PINNED.exit1);
    expect(await harness.messageFn()).toBe(PINNED.messageFn);
  });
});

// zero[16] and zero[32] are the well-known keccak zero-subtree roots (e.g. of the eth2 deposit contract). The first
// child's id is keccak256(64 zero bytes), i.e. equal to zero[1]: harmless, chain ids and tree nodes never meet.
const PINNED = {
  zero16: '0x2733e50f526ec2fa19a22b31e8ed50f23cd1fdf94c9154ed3a7609a2f1ff981f',
  zero32: '0x27ae5ba08d7291c96c8cbddcc148bf48a6d68c7974b94356f53754ef6171d757',
  firstChild: '0xad3228b676f7d3cd4284a5443f17f1962b36e491b30a40b2405849e597ba5fb5',
  header0: '0x6b6cc97b0fd96c9866002e32fd7b061b13c0182f7b994f2f376d9d98fd4fed6a',
  exit1: '0x4bc14db88065d6444311ea8b7a37358739dd3dfac8c71dbe16491962123532a7',
  messageFn: '0x92b852a7564090f00b1203819621f82c510e0cf915b9108ce39e91bac51cb8fe',
};
