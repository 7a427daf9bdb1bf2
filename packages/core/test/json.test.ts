import { getAddress } from 'ethers';
import { describe, expect, it } from 'vitest';
import {
  BlockBuilder,
  ChainState,
  MAX_UINT256,
  PlasmaError,
  TxKind,
  blockFromJson,
  blockToJson,
  headerFromJson,
  headerToJson,
  signedTxFromJson,
  signedTxToJson,
  placeEdgeFromParent,
  ZERO_BYTES32,
  type Hex,
  type SignedTx,
  type SpendTx,
} from '../src/index.js';
import { CHAIN_ID, ETH, FakeParent, OTHER_CHAIN_ID, TOKEN, alice, blockContext, bob, breakChecksum, signTx } from './fixtures.js';

function expectMalformed(run: () => unknown, code: 'MALFORMED_TX' | 'MALFORMED_BLOCK', field: string): void {
  let error: unknown;
  try {
    run();
  } catch (e) {
    error = e;
  }
  expect(error, `${field} should be refused`).toBeInstanceOf(PlasmaError);
  expect((error as PlasmaError).code).toBe(code);
  expect((error as PlasmaError).data).toEqual({ field });
  expect((error as PlasmaError).message).toContain(field);
}

describe('SignedTx JSON', () => {
  const tx: SpendTx = signTx(alice, { kind: TxKind.Withdraw, slot: 3, to: bob.address, token: TOKEN, amount: MAX_UINT256, nonce: 12n });

  it('round-trips with amounts as decimal strings and counters as numbers', () => {
    const json = signedTxToJson(tx);
    expect(json).toEqual({
      kind: 'withdraw',
      chainId: CHAIN_ID,
      slot: 3,
      to: bob.address,
      token: TOKEN,
      amount: MAX_UINT256.toString(),
      nonce: 12,
      signature: tx.signature,
    });
    expect(signedTxFromJson(JSON.parse(JSON.stringify(json)))).toEqual(tx);
  });

  it('normalizes checksummed addresses and uppercase hex', () => {
    const json = { ...signedTxToJson(tx), to: getAddress(bob.address), signature: tx.signature.toUpperCase().replace('0X', '0x') };
    expect(signedTxFromJson(json)).toEqual(tx);
  });

  it('names the exact field that is wrong', () => {
    const good = signedTxToJson(tx) as unknown as Record<string, unknown>;
    const cases: [string, unknown][] = [
      ['kind', 'deposit'],
      ['kind', 1],
      ['chainId', '0x1234'],
      ['slot', -1],
      ['slot', 2 ** 32],
      ['slot', '3'],
      ['to', '0x1234'],
      ['to', breakChecksum(getAddress(bob.address))],
      ['token', undefined],
      ['amount', 5],
      ['amount', '-5'],
      ['amount', '05'],
      ['amount', '1e18'],
      ['amount', '1.5'],
      ['amount', (MAX_UINT256 + 1n).toString()],
      ['nonce', 1.5],
      ['nonce', '1'],
      ['nonce', 2 ** 53],
      ['signature', tx.signature.slice(0, -2)],
    ];
    for (const [field, value] of cases) {
      expectMalformed(() => signedTxFromJson({ ...good, [field]: value }), 'MALFORMED_TX', `tx.${field}`);
    }
    expectMalformed(() => signedTxFromJson({ ...good, from: alice.address }), 'MALFORMED_TX', 'tx.from');
    expectMalformed(() => signedTxFromJson(null), 'MALFORMED_TX', 'tx');
    expectMalformed(() => signedTxFromJson([good]), 'MALFORMED_TX', 'tx');
  });
});

describe('SignedTx JSON of the tree kinds', () => {
  const header = { chainId: OTHER_CHAIN_ID, number: 3n, parentHash: `0x${'11'.repeat(32)}`, txRoot: `0x${'22'.repeat(32)}`, stateRoot: `0x${'33'.repeat(32)}`, exitRoot: `0x${'44'.repeat(32)}`, depositNonce: 2n, timestamp: 1_700_000_000n } as const;
  const signature = `0x${'5a'.repeat(64)}1b` as const;
  const txs: SignedTx[] = [
    { kind: TxKind.DepositToChild, chainId: CHAIN_ID, slot: 2, child: OTHER_CHAIN_ID, to: bob.address, token: TOKEN, amount: MAX_UINT256, nonce: 4n, signature },
    { kind: TxKind.CommitChild, chainId: CHAIN_ID, child: OTHER_CHAIN_ID, header, signatures: `0x${'ab'.repeat(130)}` },
    { kind: TxKind.FinalizeChildExit, chainId: CHAIN_ID, child: OTHER_CHAIN_ID, header, windowEnd: 1_700_000_100n, exit: { recipient: bob.address, token: ETH, amount: 7n }, index: 3n, proof: Array.from({ length: 16 }, (_, i) => `0x${i.toString(16).padStart(64, '0')}` as const) },
    { kind: TxKind.SpawnChild, chainId: CHAIN_ID, slot: 0, validators: [alice.address, bob.address], threshold: 2, challengeWindow: 3_600n, bond: 10n ** 16n, nonce: 0n, signature },
    { kind: TxKind.EdgeSend, chainId: CHAIN_ID, slot: 5, fn: `0x${'fe'.repeat(32)}`, child: ZERO_BYTES32, payload: '0x0102', nonce: 9n, signature },
    { kind: TxKind.EdgeFromChild, chainId: CHAIN_ID, child: OTHER_CHAIN_ID, header, windowEnd: 1_700_000_100n, fn: `0x${'fe'.repeat(32)}`, sender: bob.address, payload: '0x', index: 1n, proof: [`0x${'01'.repeat(32)}`] },
  ];

  it('round-trip, kind by kind', () => {
    expect(txs.map((tx) => signedTxToJson(tx).kind)).toEqual(['depositToChild', 'commitChild', 'finalizeChildExit', 'spawnChild', 'edgeSend', 'edgeFromChild']);
    for (const tx of txs) expect(signedTxFromJson(JSON.parse(JSON.stringify(signedTxToJson(tx))))).toEqual(tx);
    const spawn = signedTxToJson(txs[3]);
    expect(spawn).toMatchObject({ bond: '10000000000000000', challengeWindow: 3600, validators: [alice.address, bob.address] });
  });

  it('name the exact field that is wrong, nested ones with their path', () => {
    const json = txs.map((tx) => JSON.parse(JSON.stringify(signedTxToJson(tx))));
    const cases: [number, string, (j: any) => void][] = [
      [0, 'tx.child', (j) => (j.child = '0x12')],
      [0, 'tx.slot', (j) => delete j.slot],
      [1, 'tx.header.number', (j) => (j.header.number = '3')],
      [1, 'tx.header.extra', (j) => (j.header.extra = 1)],
      [1, 'tx.signatures', (j) => (j.signatures = '0xabc')],
      [1, 'tx.slot', (j) => (j.slot = 0)],
      [2, 'tx.exit.amount', (j) => (j.exit.amount = 7)],
      [2, 'tx.proof[3]', (j) => (j.proof[3] = '0x00')],
      [2, 'tx.proof', (j) => (j.proof = '0x00')],
      [2, 'tx.windowEnd', (j) => (j.windowEnd = -1)],
      [3, 'tx.validators[1]', (j) => (j.validators[1] = 'bob')],
      [3, 'tx.threshold', (j) => (j.threshold = 256)],
      [3, 'tx.bond', (j) => (j.bond = 1)],
      [4, 'tx.payload', (j) => (j.payload = '0x1')],
      [4, 'tx.fn', (j) => (j.fn = '0x12')],
      [4, 'tx.amount', (j) => (j.amount = '0')],
      [5, 'tx.sender', (j) => (j.sender = 'carol')],
      [5, 'tx.proof[0]', (j) => (j.proof[0] = 1)],
      [5, 'tx.index', (j) => (j.index = '1')],
      // Events from the parent are not submitted: the producer takes them from the parent's records.
      [5, 'tx.kind', (j) => (j.kind = 'edgeFromParent')],
    ];
    for (const [i, field, mutate] of cases) {
      const bad = structuredClone(json[i]);
      mutate(bad);
      expectMalformed(() => signedTxFromJson(bad), 'MALFORMED_TX', field);
    }
  });
});

describe('Block JSON', () => {
  function block() {
    const parent = new FakeParent();
    const state = new ChainState(CHAIN_ID);
    const builder = new BlockBuilder({ parent: null, state, ctx: blockContext(parent), timestamp: 1_700_000_000n });
    builder.addDeposit(parent.deposit(alice.address, ETH, 10n));
    builder.addSignedTx(signTx(alice, { kind: TxKind.Withdraw, slot: 0, to: bob.address, amount: 4n, nonce: 0n }));
    return builder.seal();
  }

  it('round-trips', () => {
    const b = block();
    const json = JSON.parse(JSON.stringify(blockToJson(b)));
    expect(json.txs[0]).toMatchObject({ kind: 'deposit', amount: '10', nonce: 1, data: '0x' });
    expect(json.exits[0]).toEqual({ recipient: bob.address, token: ETH, amount: '4' });
    expect(blockFromJson(json)).toEqual(b);
    expect(headerFromJson(headerToJson(b.header))).toEqual(b.header);
  });

  it('names the exact field that is wrong, with its path', () => {
    const good = () => JSON.parse(JSON.stringify(blockToJson(block())));
    const cases: [string, (json: any) => void][] = [
      ['block.header.number', (j) => (j.header.number = -1)],
      ['block.header.timestamp', (j) => (j.header.timestamp = '1700000000')],
      ['block.header.stateRoot', (j) => (j.header.stateRoot = '0x12')],
      ['block.header', (j) => (j.header = null)],
      ['block.hash', (j) => delete j.hash],
      ['block.txs', (j) => (j.txs = {})],
      ['block.txs[1].kind', (j) => (j.txs[1].kind = 'mint')],
      ['block.txs[1].amount', (j) => (j.txs[1].amount = '4.0')],
      ['block.txs[0].toSlot', (j) => (j.txs[0].toSlot = 1.5)],
      ['block.txs[1].v', (j) => (j.txs[1].v = 256)],
      ['block.txs[1].r', (j) => (j.txs[1].r = 'ff')],
      ['block.txs[0].from', (j) => (j.txs[0].from = 'alice')],
      ['block.txs[0].data', (j) => delete j.txs[0].data],
      ['block.txs[1].data', (j) => (j.txs[1].data = '0x1')],
      ['block.postRoots[1]', (j) => (j.postRoots[1] = '0x')],
      ['block.postRoots', (j) => j.postRoots.pop()],
      ['block.exits[0].amount', (j) => (j.exits[0].amount = 4)],
      ['block.exits[0].recipient', (j) => (j.exits[0].recipient = '0x00')],
    ];
    for (const [field, mutate] of cases) {
      const json = good();
      mutate(json);
      expectMalformed(() => blockFromJson(json), 'MALFORMED_BLOCK', field);
    }
  });

  it('carries up edge events in the exit list, told apart from token exits by their fn', () => {
    const event = { fn: `0x${'fe'.repeat(32)}` as Hex, sourceChain: CHAIN_ID, sender: alice.address, payload: '0xabcd' as Hex };
    const b = { ...block(), exits: [...block().exits, event] };
    const json = JSON.parse(JSON.stringify(blockToJson(b)));
    expect(json.exits[1]).toEqual(event);
    expect(blockFromJson(json)).toEqual(b);
    const withTx = JSON.parse(JSON.stringify(blockToJson({ ...b, txs: [placeEdgeFromParent({ nonce: 2n, fn: event.fn, sender: bob.address, payload: '0x' })], postRoots: [b.postRoots[0]] })));
    expect(withTx.txs[0]).toMatchObject({ kind: 'edgeFromParent', nonce: 2, from: bob.address });
    expect(blockFromJson(withTx).txs[0].kind).toBe(TxKind.EdgeFromParent);
    const bad = (mutate: (j: any) => void, field: string) => {
      const j = structuredClone(json);
      mutate(j);
      expectMalformed(() => blockFromJson(j), 'MALFORMED_BLOCK', field);
    };
    bad((j) => (j.exits[1].sourceChain = '0x12'), 'block.exits[1].sourceChain');
    bad((j) => (j.exits[1].payload = 'abcd'), 'block.exits[1].payload');
    bad((j) => (j.exits[1].amount = '1'), 'block.exits[1].amount');
  });

  it('refuses to encode counters a JSON number cannot hold exactly', () => {
    const b = block();
    expect(() => headerToJson({ ...b.header, timestamp: 2n ** 53n })).toThrow(expect.objectContaining({ code: 'VALUE_OUT_OF_RANGE' }));
  });
});
