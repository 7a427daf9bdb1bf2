import { AbiCoder, getAddress, keccak256 as ethersKeccak } from 'ethers';
import { describe, expect, it } from 'vitest';
import {
  MAX_UINT256,
  MAX_EDGE_WRITES,
  MAX_EDGE_WRITE_BYTES,
  type EdgeWrite,
  ROOT_CHAIN_ID,
  TxKind,
  bigintToWord,
  bytesToHex,
  chainIdOf,
  concatBytes,
  decodeEdgeFromChildData,
  decodeEdgeFromParentData,
  decodeEdgeSendData,
  decodeMessagePayload,
  decodeWords,
  edgeDownRecord,
  edgeUpLeaf,
  encodeBlockTx,
  encodeEdgeFromChildData,
  encodeEdgeFromParentData,
  encodeEdgeSendData,
  encodeMessagePayload,
  exitTreeLeaf,
  encodeHeader,
  encodeWords,
  equalBytes,
  hashAccount,
  hashDeposit,
  hashExit,
  hashHeader,
  hashTxLeaf,
  EMPTY_DATA_HASH,
  hexToBytes,
  isEdgeUpEvent,
  isPlasmaError,
  keccak256,
  keccakBackend,
  keccakHasher,
  nobleKeccakHasher,
  normalizeAddress,
  toChecksumAddress,
  wordToBigint,
  type BlockTx,
  type Header,
  type Hex,
} from '../src/index.js';
import { CHAIN_ID, TOKEN, alice, bob, breakChecksum } from './fixtures.js';

const abi = AbiCoder.defaultAbiCoder();

const header: Header = {
  chainId: CHAIN_ID,
  number: 42n,
  parentHash: `0x${'11'.repeat(32)}`,
  txRoot: `0x${'22'.repeat(32)}`,
  stateRoot: `0x${'33'.repeat(32)}`,
  exitRoot: `0x${'44'.repeat(32)}`,
  depositNonce: 7n,
  timestamp: 1_700_000_000n,
};

const transfer: BlockTx = {
  kind: TxKind.Transfer,
  slot: 3,
  toSlot: 2 ** 32 - 1,
  from: alice.address,
  to: bob.address,
  token: TOKEN,
  amount: MAX_UINT256,
  nonce: 2n ** 64n - 1n,
  r: `0x${'5a'.repeat(32)}`,
  s: `0x${'6b'.repeat(32)}`,
  v: 28,
  data: '0x',
};

describe('keccak', () => {
  it('uses hash-wasm, and it agrees with noble and ethers', () => {
    expect(keccakBackend).toBe('hash-wasm');
    for (const length of [0, 1, 31, 32, 64, 135, 136, 137, 1000, 20_000]) {
      const data = Uint8Array.from({ length }, (_, i) => (i * 7 + length) & 0xff);
      expect(bytesToHex(keccak256(data))).toBe(ethersKeccak(data));
      expect(keccakHasher.hash(data)).toEqual(nobleKeccakHasher.hash(data));
    }
    const a = keccak256(new Uint8Array([1]));
    const b = keccak256(new Uint8Array([2]));
    expect(keccakHasher.hashPair(a, b)).toEqual(keccak256(concatBytes(a, b)));
    expect(nobleKeccakHasher.hashPair(a, b)).toEqual(keccak256(concatBytes(a, b)));
  });

  it('returns a fresh array each call', () => {
    const first = keccak256(new Uint8Array([1]));
    const copy = first.slice();
    keccak256(new Uint8Array([2]));
    expect(first).toEqual(copy);
  });
});

describe('bytes', () => {
  it('round-trips hex and rejects malformed hex', () => {
    expect(bytesToHex(hexToBytes('0x00ff10Ab'))).toBe('0x00ff10ab');
    expect(hexToBytes('0x')).toEqual(new Uint8Array());
    for (const bad of ['00ff', '0x0', '0xzz', '0x00', 'nope']) {
      expect(() => hexToBytes(bad, bad === '0x00' ? 2 : undefined)).toThrow(expect.objectContaining({ code: 'INVALID_HEX' }));
    }
  });

  it('converts words and compares bytes', () => {
    expect(bytesToHex(bigintToWord(0x1234n))).toBe(`0x${'00'.repeat(30)}1234`);
    expect(bytesToHex(bigintToWord(MAX_UINT256))).toBe(`0x${'ff'.repeat(32)}`);
    expect(wordToBigint(bigintToWord(123456789012345678901234567890n))).toBe(123456789012345678901234567890n);
    expect(() => bigintToWord(-1n)).toThrow(expect.objectContaining({ code: 'VALUE_OUT_OF_RANGE' }));
    expect(() => bigintToWord(MAX_UINT256 + 1n)).toThrow(expect.objectContaining({ code: 'VALUE_OUT_OF_RANGE' }));
    expect(equalBytes(new Uint8Array([1, 2]), new Uint8Array([1, 2]))).toBe(true);
    expect(equalBytes(new Uint8Array([1, 2]), new Uint8Array([1, 3]))).toBe(false);
    expect(equalBytes(new Uint8Array([1]), new Uint8Array([1, 0]))).toBe(false);
  });

  it('normalizes addresses and checks EIP-55 checksums like ethers', () => {
    const checksummed = getAddress(alice.address);
    expect(toChecksumAddress(alice.address)).toBe(checksummed);
    expect(normalizeAddress(checksummed)).toBe(alice.address);
    expect(normalizeAddress(alice.address.toUpperCase().replace('0X', '0x'))).toBe(alice.address);
    const broken = breakChecksum(checksummed);
    expect(() => normalizeAddress(broken)).toThrow(expect.objectContaining({ code: 'INVALID_ADDRESS' }));
    expect(() => normalizeAddress('0x1234')).toThrow(expect.objectContaining({ code: 'INVALID_ADDRESS' }));
  });
});

describe('abi words', () => {
  it('matches ethers AbiCoder and decodes back', () => {
    const types = ['uint8', 'uint32', 'uint64', 'uint256', 'address', 'bytes32'] as const;
    const values = [255, 2 ** 32 - 1, 2n ** 64n - 1n, MAX_UINT256, alice.address, CHAIN_ID] as const;
    const encoded = encodeWords(types, values);
    expect(bytesToHex(encoded)).toBe(abi.encode([...types], [...values]));
    expect(decodeWords(types, encoded)).toEqual([255n, 2n ** 32n - 1n, 2n ** 64n - 1n, MAX_UINT256, alice.address, CHAIN_ID]);
  });

  it('refuses values that do not fit their type', () => {
    const cases: [Parameters<typeof encodeWords>[0][number], unknown][] = [
      ['uint8', 256],
      ['uint32', 2 ** 32],
      ['uint64', 2n ** 64n],
      ['uint64', -1n],
      ['uint256', 1.5],
      ['address', '0x1234'],
      ['bytes32', '0x1234'],
    ];
    for (const [type, value] of cases) {
      expect(() => encodeWords([type], [value as never]), `${type} ${String(value)}`).toThrow();
    }
    const dirty = encodeWords(['uint256'], [256n]);
    expect(() => decodeWords(['uint8'], dirty)).toThrow(expect.objectContaining({ code: 'VALUE_OUT_OF_RANGE' }));
  });
});

describe('SPEC encodings match abi.encode + keccak256 (ethers)', () => {
  it('header and block hash', () => {
    const expected = abi.encode(
      ['bytes32', 'uint64', 'bytes32', 'bytes32', 'bytes32', 'bytes32', 'uint64', 'uint64'],
      [header.chainId, header.number, header.parentHash, header.txRoot, header.stateRoot, header.exitRoot, header.depositNonce, header.timestamp],
    );
    expect(bytesToHex(encodeHeader(header))).toBe(expected);
    expect(encodeHeader(header).length).toBe(256);
    expect(hashHeader(header)).toBe(ethersKeccak(expected));
  });

  it('account, deposit and exit hashes', () => {
    const account = { owner: alice.address, token: TOKEN, balance: 10n ** 30n, nonce: 5n };
    expect(hashAccount(account)).toBe(
      ethersKeccak(abi.encode(['address', 'address', 'uint256', 'uint64'], [account.owner, account.token, account.balance, account.nonce])),
    );
    const deposit = { chainId: CHAIN_ID, nonce: 9n, from: alice.address, to: bob.address, token: TOKEN, amount: 12345n };
    expect(hashDeposit(deposit)).toBe(
      ethersKeccak(
        abi.encode(
          ['bytes32', 'uint64', 'address', 'address', 'address', 'uint256'],
          [deposit.chainId, deposit.nonce, deposit.from, deposit.to, deposit.token, deposit.amount],
        ),
      ),
    );
    const exit = { recipient: bob.address, token: TOKEN, amount: 77n };
    expect(hashExit(exit)).toBe(ethersKeccak(abi.encode(['address', 'address', 'uint256'], [exit.recipient, exit.token, exit.amount])));
  });

  it('block tx (11 words) and tx leaf (14 words: the 11, keccak256(data), the post-state root, the exit index)', () => {
    const types = ['uint8', 'uint32', 'uint32', 'address', 'address', 'address', 'uint256', 'uint64', 'bytes32', 'bytes32', 'uint8'];
    const values = [transfer.kind, transfer.slot, transfer.toSlot, transfer.from, transfer.to, transfer.token, transfer.amount, transfer.nonce, transfer.r, transfer.s, transfer.v];
    expect(bytesToHex(encodeBlockTx(transfer))).toBe(abi.encode(types, values));
    const postRoot = `0x${'77'.repeat(32)}` as const;
    const leafTypes = [...types, 'bytes32', 'bytes32', 'uint64'];
    expect(EMPTY_DATA_HASH).toBe(ethersKeccak('0x'));
    expect(hashTxLeaf(transfer, postRoot, 0)).toBe(ethersKeccak(abi.encode(leafTypes, [...values, ethersKeccak('0x'), postRoot, 0])));
    expect(hashTxLeaf(transfer, hexToBytes(postRoot), 9n)).toBe(hashTxLeaf(transfer, postRoot, 9));
    expect(hashTxLeaf(transfer, postRoot, 9)).toBe(ethersKeccak(abi.encode(leafTypes, [...values, ethersKeccak('0x'), postRoot, 9])));
    const withData = { ...transfer, kind: TxKind.CommitChild, data: '0x0102ff' as const };
    expect(hashTxLeaf(withData, postRoot, 3)).toBe(ethersKeccak(abi.encode(leafTypes, [TxKind.CommitChild, ...values.slice(1), ethersKeccak('0x0102ff'), postRoot, 3])));
  });

  it('chain ids at any depth', () => {
    const child = chainIdOf(ROOT_CHAIN_ID, 0);
    expect(child).toBe(ethersKeccak(abi.encode(['bytes32', 'uint256'], [ROOT_CHAIN_ID, 0])));
    const grandchild = chainIdOf(child, 3n);
    expect(grandchild).toBe(ethersKeccak(abi.encode(['bytes32', 'uint256'], [child, 3])));
    expect(chainIdOf(child, 3)).toBe(grandchild);
    expect(grandchild).not.toBe(chainIdOf(ROOT_CHAIN_ID, 3));
  });

  it('refuses malformed fields instead of hashing garbage', () => {
    const bad = (patch: Partial<Header>) => () => hashHeader({ ...header, ...patch });
    expect(bad({ number: 2n ** 64n })).toThrow(expect.objectContaining({ code: 'VALUE_OUT_OF_RANGE' }));
    expect(bad({ txRoot: '0x1234' })).toThrow(expect.objectContaining({ code: 'INVALID_HEX' }));
    try {
      hashAccount({ owner: '0xnothex' as never, token: TOKEN, balance: 1n, nonce: 0n });
      expect.unreachable();
    } catch (e) {
      expect(isPlasmaError(e, 'INVALID_HEX')).toBe(true);
    }
  });
});

describe('edge encodings (docs/EDGE.md) match abi.encode (ethers)', () => {
  const fn = `0x${'fe'.repeat(32)}` as Hex;
  const HEADER_TUPLE = 'tuple(bytes32,uint64,bytes32,bytes32,bytes32,bytes32,uint64,uint64)';
  const headerValues = [header.chainId, header.number, header.parentHash, header.txRoot, header.stateRoot, header.exitRoot, header.depositNonce, header.timestamp];

  it('the data of kinds 7, 8 and 9 (their stated effect last), decoded strictly', () => {
    const payloads: Hex[] = ['0x', '0x01', bytesToHex(new Uint8Array(33).fill(7))];
    const WRITE = '(bytes32 keyHash, bytes value)[]';
    const writeSets: EdgeWrite[][] = [[], [{ keyHash: `0x${'0a'.repeat(32)}`, value: '0x' }, { keyHash: `0x${'0b'.repeat(32)}`, value: bytesToHex(new Uint8Array(33).fill(3)) }]];
    const tuples = (writes: EdgeWrite[]) => writes.map((w) => [w.keyHash, w.value]);
    for (const payload of payloads) {
      for (const writes of writeSets) {
        const send = encodeEdgeSendData({ fn, child: CHAIN_ID, payload, writes });
        expect(send).toBe(abi.encode(['bytes32', 'bytes32', 'bytes', WRITE], [fn, CHAIN_ID, payload, tuples(writes)]));
        expect(decodeEdgeSendData(send)).toEqual({ fn, child: CHAIN_ID, payload, writes });
        const fromParent = encodeEdgeFromParentData({ fn, payload, status: 1, writes });
        expect(fromParent).toBe(abi.encode(['bytes32', 'bytes', 'uint8', WRITE], [fn, payload, 1, tuples(writes)]));
        expect(decodeEdgeFromParentData(fromParent)).toEqual({ fn, payload, status: 1, writes });
        const proof = [`0x${'01'.repeat(32)}`, `0x${'02'.repeat(32)}`] as Hex[];
        const d = { child: CHAIN_ID, header, windowEnd: 1_700_000_100n, fn, payload, index: 5n, proof, writes };
        const fromChild = encodeEdgeFromChildData(d);
        expect(fromChild).toBe(
          abi.encode(['bytes32', HEADER_TUPLE, 'uint64', 'bytes32', 'bytes', 'uint256', 'bytes32[]', WRITE], [CHAIN_ID, headerValues, d.windowEnd, fn, payload, 5n, proof, tuples(writes)]),
        );
        expect(decodeEdgeFromChildData(fromChild)).toEqual(d);
      }
    }
    // Omitted, the effect encodes as none (and kind 8 as failed): what a producer fills in.
    expect(decodeEdgeFromParentData(encodeEdgeFromParentData({ fn, payload: '0x' }))).toEqual({ fn, payload: '0x', status: 2, writes: [] });
    const send = encodeEdgeSendData({ fn, child: CHAIN_ID, payload: '0x01' });
    const refused = (data: Hex, decode: (data: Hex) => unknown = decodeEdgeSendData) =>
      expect(() => decode(data)).toThrow(expect.objectContaining({ code: 'MALFORMED_TX', data: { field: 'data' } }));
    refused(`${send}00` as Hex); // a trailing byte
    refused(`${send.slice(0, -2)}01` as Hex); // dirty padding
    refused(send.slice(0, -64) as Hex); // cut short
    refused(`${send.slice(0, 130)}${word(0x40n).slice(2)}${send.slice(194)}` as Hex); // another offset
    // A status other than delivered (1) or failed (2), and more than MAX_EDGE_WRITES writes.
    refused(abi.encode(['bytes32', 'bytes', 'uint8', WRITE], [fn, '0x', 3, []]) as Hex, decodeEdgeFromParentData);
    const many = Array.from({ length: MAX_EDGE_WRITES + 1 }, (_, i) => [word(BigInt(i + 1)), '0x01']);
    refused(abi.encode(['bytes32', 'bytes32', 'bytes', WRITE], [fn, CHAIN_ID, '0x', many]) as Hex);
    expect(() => encodeEdgeSendData({ fn, child: CHAIN_ID, payload: '0x', writes: many.map(([keyHash, value]) => ({ keyHash, value }) as EdgeWrite) })).toThrow();
    // More than MAX_EDGE_WRITE_BYTES of values (at the bound it decodes).
    const big = (n: number) => [[word(1n), bytesToHex(new Uint8Array(n).fill(1))], [word(2n), '0x01']];
    expect(decodeEdgeSendData(abi.encode(['bytes32', 'bytes32', 'bytes', WRITE], [fn, CHAIN_ID, '0x', big(MAX_EDGE_WRITE_BYTES - 1)]) as Hex).writes).toHaveLength(2);
    refused(abi.encode(['bytes32', 'bytes32', 'bytes', WRITE], [fn, CHAIN_ID, '0x', big(MAX_EDGE_WRITE_BYTES)]) as Hex);
    // A key hash twice.
    refused(abi.encode(['bytes32', 'bytes32', 'bytes', WRITE], [fn, CHAIN_ID, '0x', [[word(1n), '0x01'], [word(1n), '0x02']]]) as Hex);
    // A write's value offset that is not the canonical one.
    const one = abi.encode(['bytes32', 'bytes32', 'bytes', WRITE], [fn, CHAIN_ID, '0x', [[word(1n), '0x01']]]);
    const at = one.indexOf(word(1n).slice(2));
    refused(`${one.slice(0, at + 64)}${word(0x60n).slice(2)}${one.slice(at + 128)}` as Hex);
  });

  it('the message payload: abi.encode(address target, bytes data), decoded strictly', () => {
    for (const data of ['0x', '0xc0ffee', bytesToHex(new Uint8Array(64).fill(9))] as Hex[]) {
      const payload = encodeMessagePayload({ target: bob.address, data });
      expect(payload).toBe(abi.encode(['address', 'bytes'], [bob.address, data]));
      expect(decodeMessagePayload(payload)).toEqual({ target: bob.address, data });
    }
    const payload = encodeMessagePayload({ target: bob.address, data: '0xc0ffee' });
    const refused = (bad: string) => expect(() => decodeMessagePayload(bad as Hex)).toThrow(expect.objectContaining({ code: 'MALFORMED_EDGE_PAYLOAD' }));
    refused(`${payload}00`);
    refused(payload.slice(0, -64));
    refused(`0x01${payload.slice(4)}`); // dirty bits above the address
    refused(`${payload.slice(0, -2)}01`); // dirty padding
    refused('0x1');
    expect(decodeMessagePayload(payload.toUpperCase().replace('0X', '0x') as Hex)).toEqual({ target: bob.address, data: '0xc0ffee' });
  });

  it('down record and up leaf hash the 160 and 128 bytes of docs/EDGE.md', () => {
    const payload: Hex = '0xabcdef';
    expect(edgeDownRecord({ fn, child: CHAIN_ID, nonce: 3n, sender: alice.address, payload })).toBe(
      ethersKeccak(abi.encode(['bytes32', 'bytes32', 'uint64', 'address', 'bytes32'], [fn, CHAIN_ID, 3n, alice.address, ethersKeccak(payload)])),
    );
    const event = { fn, sourceChain: CHAIN_ID, sender: alice.address, payload };
    expect(edgeUpLeaf(event)).toBe(ethersKeccak(abi.encode(['bytes32', 'bytes32', 'address', 'bytes32'], [fn, CHAIN_ID, alice.address, ethersKeccak(payload)])));
    expect(bytesToHex(exitTreeLeaf(event))).toBe(edgeUpLeaf(event));
    expect(isEdgeUpEvent(event)).toBe(true);
    const exit = { recipient: bob.address, token: TOKEN, amount: 1n };
    expect(isEdgeUpEvent(exit)).toBe(false);
    expect(bytesToHex(exitTreeLeaf(exit))).toBe(hashExit(exit));
  });
});

function word(n: bigint): Hex {
  return bytesToHex(bigintToWord(n));
}
