/**
 * core's side of data availability (docs/FRAUD.md §9): a block cut into chunks of DATA_CHUNK_SIZE leaves with their
 * proofs, the publishBlockData calldata and its decoder, and a block rebuilt from its chunks (exit leaves derived from
 * the transactions). The contract side is contracts/test/data-availability.test.ts.
 */
import { describe, expect, it } from 'vitest';
import {
  DATA_CHUNK_COUNT,
  DATA_CHUNK_SIZE,
  EMPTY_TX,
  TxKind,
  ZERO_BYTES32,
  blockDataChunks,
  blockFromPublishedData,
  blockToJson,
  bytesToHex,
  computeExitRoot,
  computeTxRoot,
  dataChunkCount,
  decodePublishBlockDataCall,
  encodeChallengeDataCall,
  encodeEdgeSendData,
  encodePublishBlockDataCall,
  hashHeader,
  isPlasmaError,
  keccak256,
  txExitIndexes,
  verifyDataChunk,
  type Block,
  type BlockTx,
  type Header,
  type Hex,
} from '../src/index.js';

const CHAIN = `0x${'ab'.repeat(32)}` as Hex;
const word = (s: string) => bytesToHex(keccak256(new TextEncoder().encode(s)));
const addr = (n: number) => `0x${n.toString(16).padStart(40, '0')}` as Hex;

/** A block of `count` transactions (not valid ones: only their leaves matter here); tx 3 a withdrawal, tx 70 an up call. */
function blockOf(count: number): Block {
  const txs: BlockTx[] = Array.from({ length: count }, (_, i) => ({ ...EMPTY_TX, kind: TxKind.Transfer, slot: i, toSlot: i + 1, from: addr(i + 1), to: addr(i + 2), amount: BigInt(i + 1), nonce: BigInt(i), r: word(`r${i}`), s: word(`s${i}`), v: 27 }));
  if (count > 3) txs[3] = { ...txs[3], kind: TxKind.Withdraw, toSlot: 0 };
  if (count > 70) txs[70] = { ...txs[70], kind: TxKind.EdgeSend, data: encodeEdgeSendData({ fn: word('fn'), child: ZERO_BYTES32, payload: '0x1234' }) };
  const postRoots = txs.map((_, i) => word(`post ${i}`));
  const header: Header = {
    chainId: CHAIN, number: 7n, parentHash: word('parent'), txRoot: bytesToHex(computeTxRoot(txs, postRoots)), stateRoot: postRoots.at(-1) ?? word('state'),
    exitRoot: ZERO_BYTES32, depositNonce: 0n, timestamp: 1_700_000_000n,
  };
  const block: Block = { header, hash: hashHeader(header), txs, postRoots, exits: [] };
  return block;
}

const expectCode = (fn: () => unknown, code: string) => {
  try {
    fn();
  } catch (e) {
    expect(isPlasmaError(e, code), String(e)).toBe(true);
    return;
  }
  throw new Error(`expected ${code}`);
};

describe('chunks', () => {
  it('a block of n txs takes floor(n / 64) + 1 chunks, the last one short (possibly empty)', () => {
    expect([0, 1, 63, 64, 65, 128, 130, 65_535, 65_536].map(dataChunkCount)).toEqual([1, 1, 1, 2, 2, 3, 3, 1024, 1024]);
    expect(DATA_CHUNK_COUNT * DATA_CHUNK_SIZE).toBe(65_536);
  });

  it('cuts a block into proven chunks and rebuilds it from them (txs, post roots, derived exits)', () => {
    const block = blockOf(130);
    const chunks = blockDataChunks(block);
    expect(chunks.map((c) => [c.chunk, c.txs.length, c.complete, c.proof.length])).toEqual([[0, 64, false, 10], [1, 64, false, 10], [2, 2, true, 10]]);
    const exitIndexes = txExitIndexes(block.txs);
    expect(chunks.flatMap((c) => c.txs.map((p) => p.exitIndex))).toEqual(exitIndexes);
    expect(exitIndexes[71]).toBe(2);
    for (const c of chunks) expect(verifyDataChunk(c, block.header.txRoot)).toBe(true);
    expect(verifyDataChunk({ ...chunks[0], chunk: 1 }, block.header.txRoot)).toBe(false);

    const rebuilt = blockFromPublishedData(block.header, [...chunks].reverse());
    expect(rebuilt.txs).toEqual(block.txs);
    expect(rebuilt.postRoots).toEqual(block.postRoots);
    expect(rebuilt.exits).toEqual([
      { recipient: addr(5), token: block.txs[3].token, amount: 4n },
      { fn: word('fn'), sourceChain: CHAIN, sender: addr(71), payload: '0x1234' },
    ]);
    expect(bytesToHex(computeExitRoot(rebuilt.exits))).not.toBe(ZERO_BYTES32);

    expectCode(() => blockFromPublishedData(block.header, chunks.slice(0, 2)), 'DATA_MISMATCH'); // nothing ends it
    expectCode(() => blockFromPublishedData(block.header, [chunks[0], chunks[2]]), 'DATA_MISMATCH'); // chunk 1 missing
    expectCode(() => blockFromPublishedData(block.header, []), 'DATA_MISMATCH');
    const tampered = { ...chunks[2], txs: [{ ...chunks[2].txs[0], postStateRoot: ZERO_BYTES32 }, chunks[2].txs[1]] };
    expectCode(() => blockFromPublishedData(block.header, [chunks[0], chunks[1], tampered]), 'DATA_MISMATCH');
    expectCode(() => blockDataChunks({ ...block, header: { ...block.header, txRoot: ZERO_BYTES32 } }), 'DATA_MISMATCH');
  });

  it('a block of exactly 64 txs ends with an empty chunk; an empty block is one empty chunk', () => {
    const full = blockOf(64);
    const chunks = blockDataChunks(full);
    expect(chunks.map((c) => [c.txs.length, c.complete])).toEqual([[64, false], [0, true]]);
    expect(blockFromPublishedData(full.header, chunks).txs).toHaveLength(64);
    const empty = blockOf(0);
    const [only] = blockDataChunks(empty);
    expect([only.chunk, only.txs.length, only.complete]).toEqual([0, 0, true]);
    expect(blockToJson(blockFromPublishedData(empty.header, [only]))).toEqual(blockToJson(empty));
  });
});

describe('calldata', () => {
  it('publishBlockData round-trips through its decoder; anything else is MALFORMED_DATA_PUBLICATION', () => {
    const block = blockOf(80);
    const chunks = blockDataChunks(block);
    for (const c of chunks) {
      const input = encodePublishBlockDataCall(CHAIN, block.header, 1234n, c);
      const d = decodePublishBlockDataCall(input);
      expect([d.chainId, d.header, d.windowEnd, d.chunk, d.txs, d.proof]).toEqual([CHAIN, block.header, 1234n, c.chunk, c.txs, c.proof]);
    }
    const input = encodePublishBlockDataCall(CHAIN, block.header, 1234n, chunks[1]);
    expectCode(() => decodePublishBlockDataCall(encodeChallengeDataCall(CHAIN, block.header, 1234n)), 'MALFORMED_DATA_PUBLICATION');
    expectCode(() => decodePublishBlockDataCall(input.slice(0, input.length - 64) as Hex), 'MALFORMED_DATA_PUBLICATION');
    expectCode(() => decodePublishBlockDataCall('0x12' as Hex), 'MALFORMED_DATA_PUBLICATION');
    // a dirty high byte in a uint8 word (the tx kind) is refused, as Solidity's decoder refuses it
    // (the head: chainId, 8 header words, windowEnd, chunk, two offsets; then the array's length and element offsets)
    const kindAt = 2 + 8 + 64 * (13 + 1 + chunks[1].txs.length);
    expect(input.slice(kindAt, kindAt + 64)).toBe(`${'00'.repeat(31)}01`);
    const dirty = `${input.slice(0, kindAt)}ff${input.slice(kindAt + 2)}` as Hex;
    expectCode(() => decodePublishBlockDataCall(dirty), 'MALFORMED_DATA_PUBLICATION');
  });
});
