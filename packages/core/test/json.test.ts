import { getAddress } from 'ethers';
import { describe, expect, it } from 'vitest';
import {
  AccountState,
  BlockBuilder,
  MAX_UINT256,
  PlasmaError,
  TxKind,
  blockFromJson,
  blockToJson,
  headerFromJson,
  headerToJson,
  signedTxFromJson,
  signedTxToJson,
  type SignedTx,
} from '../src/index.js';
import { CHAIN_ID, ETH, FakeParent, TOKEN, alice, blockContext, bob, breakChecksum, signTx } from './fixtures.js';

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
  const tx: SignedTx = signTx(alice, { kind: TxKind.Withdraw, slot: 3, to: bob.address, token: TOKEN, amount: MAX_UINT256, nonce: 12n });

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

describe('Block JSON', () => {
  function block() {
    const parent = new FakeParent();
    const state = new AccountState();
    const builder = new BlockBuilder({ parent: null, state, ctx: blockContext(parent) });
    builder.addDeposit(parent.deposit(alice.address, ETH, 10n));
    builder.addSignedTx(signTx(alice, { kind: TxKind.Withdraw, slot: 0, to: bob.address, amount: 4n, nonce: 0n }));
    return builder.seal(1_700_000_000n);
  }

  it('round-trips', () => {
    const b = block();
    const json = JSON.parse(JSON.stringify(blockToJson(b)));
    expect(json.txs[0]).toMatchObject({ kind: 'deposit', amount: '10', nonce: 1 });
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

  it('refuses to encode counters a JSON number cannot hold exactly', () => {
    const b = block();
    expect(() => headerToJson({ ...b.header, timestamp: 2n ** 53n })).toThrow(expect.objectContaining({ code: 'VALUE_OUT_OF_RANGE' }));
  });
});
