import { describe, expect, it } from 'vitest';
import {
  ChainState,
  MAX_UINT256,
  PlasmaError,
  TxKind,
  ZERO_BYTES32,
  applyTx,
  placeDeposit,
  placeSignedTx,
  plasmaDomain,
  recoverSender,
  type BlockTx,
  type StfContext,
  type StfErrorCode,
} from '../src/index.js';
import { CHAIN_ID, DOMAIN, ETH, FakeParent, OTHER_CHAIN_ID, TOKEN, alice, bob, carol, signTx, stateWith, stfContext } from './fixtures.js';

/** alice: slot 0 (ETH 100), bob: slot 1 (ETH 50), carol: slot 2 (TOKEN 10). */
function setup() {
  const parent = new FakeParent();
  const state = stateWith([
    { slot: 0, owner: alice.address, balance: 100n },
    { slot: 1, owner: bob.address, balance: 50n },
    { slot: 2, owner: carol.address, token: TOKEN, balance: 10n },
  ]);
  return { parent, state, ctx: stfContext(parent) };
}

/** A signed transfer from alice's slot 0, placed in block form. */
function aliceTransfer(state: ChainState, ctx: StfContext, patch: Partial<Parameters<typeof signTx>[1]> = {}): BlockTx {
  return placeSignedTx(state, signTx(alice, { slot: 0, to: bob.address, amount: 10n, nonce: 0n, ...patch }), ctx);
}

function expectRefusal(run: () => unknown, state: ChainState, code: StfErrorCode, ...messageParts: string[]): PlasmaError {
  const root = state.root;
  const size = state.size;
  let error: unknown;
  try {
    run();
  } catch (e) {
    error = e;
  }
  expect(error, `expected ${code}`).toBeInstanceOf(PlasmaError);
  const plasmaError = error as PlasmaError;
  expect(plasmaError.code).toBe(code);
  for (const part of messageParts) expect(plasmaError.message).toContain(part);
  expect(plasmaError.hint.length, `${code} has a hint`).toBeGreaterThan(0);
  expect(() => JSON.stringify(plasmaError.toJSON())).not.toThrow();
  // Validated before mutating: nothing changed.
  expect(state.root).toBe(root);
  expect(state.size).toBe(size);
  return plasmaError;
}

describe('applyTx: valid transactions', () => {
  it('transfer to an existing account', () => {
    const { state, ctx } = setup();
    const tx = aliceTransfer(state, ctx);
    expect(tx.toSlot).toBe(1);
    const { postRoot, exit } = applyTx(state, tx, ctx);
    expect(postRoot).toBe(state.root);
    expect(exit).toBeUndefined();
    expect(state.get(0)).toEqual({ owner: alice.address, token: ETH, balance: 90n, nonce: 1n });
    expect(state.get(1)).toEqual({ owner: bob.address, token: ETH, balance: 60n, nonce: 0n });
  });

  it('transfer to a new address or token takes the lowest free slot', () => {
    const { state, ctx } = setup();
    const tx = aliceTransfer(state, ctx, { to: carol.address });
    expect(tx.toSlot).toBe(3);
    applyTx(state, tx, ctx);
    expect(state.get(3)).toEqual({ owner: carol.address, token: ETH, balance: 10n, nonce: 0n });
    expect(state.slotOf(carol.address, ETH)).toBe(3);
    expect(state.slotOf(carol.address, TOKEN)).toBe(2);
  });

  it('the whole balance can be sent', () => {
    const { state, ctx } = setup();
    applyTx(state, aliceTransfer(state, ctx, { amount: 100n }), ctx);
    expect(state.get(0)!.balance).toBe(0n);
  });

  it('withdrawal debits the sender and yields the exit', () => {
    const { state, ctx } = setup();
    const signed = signTx(carol, { kind: TxKind.Withdraw, slot: 2, to: alice.address, token: TOKEN, amount: 4n, nonce: 0n });
    const tx = placeSignedTx(state, signed, ctx);
    expect(tx.toSlot).toBe(0);
    const { exit } = applyTx(state, tx, ctx);
    expect(exit).toEqual({ recipient: alice.address, token: TOKEN, amount: 4n });
    expect(state.get(2)).toEqual({ owner: carol.address, token: TOKEN, balance: 6n, nonce: 1n });
    expect(state.get(0)!.balance).toBe(100n);
  });

  it('deposits credit a new or the existing slot, in nonce order', () => {
    const { parent, state, ctx } = setup();
    const first = placeDeposit(state, parent.deposit(carol.address, ETH, 7n, alice.address));
    expect(first).toMatchObject({ kind: TxKind.Deposit, slot: 0, toSlot: 3, from: alice.address, r: ZERO_BYTES32, s: ZERO_BYTES32, v: 0 });
    applyTx(state, first, ctx);
    const second = placeDeposit(state, parent.deposit(bob.address, ETH, 5n));
    expect(second.toSlot).toBe(1);
    applyTx(state, second, { ...ctx, lastDepositNonce: 1n });
    expect(state.get(3)).toEqual({ owner: carol.address, token: ETH, balance: 7n, nonce: 0n });
    expect(state.get(1)!.balance).toBe(55n);
  });

  it('the caller may check the signature itself (worker pool): recoverSender + signatureChecked', () => {
    const { state, ctx } = setup();
    const signed = signTx(alice, { slot: 0, to: bob.address, amount: 10n, nonce: 0n });
    const from = recoverSender(signed, ctx);
    expect(from).toBe(alice.address);
    applyTx(state, placeSignedTx(state, signed, ctx, from), ctx, { signatureChecked: true });
    expect(state.get(0)!.nonce).toBe(1n);
  });

  it('is deterministic: the same transactions give the same roots', () => {
    const run = () => {
      const { parent, state, ctx } = setup();
      const roots: string[] = [];
      roots.push(applyTx(state, placeDeposit(state, parent.deposit(carol.address, ETH, 3n)), ctx).postRoot);
      for (let nonce = 0n; nonce < 5n; nonce++) {
        roots.push(applyTx(state, aliceTransfer(state, ctx, { nonce, amount: 1n + nonce, to: nonce % 2n ? carol.address : bob.address }), ctx).postRoot);
      }
      return roots;
    };
    const first = run();
    expect(new Set(first).size).toBe(first.length);
    expect(run()).toEqual(first);
  });
});

describe('applyTx: every refusal, state untouched', () => {
  it('BAD_SIGNATURE: signed by someone else than `from`', () => {
    const { state, ctx } = setup();
    const byBob = placeSignedTx(state, signTx(bob, { slot: 0, to: bob.address, amount: 1n, nonce: 0n }), ctx);
    expectRefusal(() => applyTx(state, { ...byBob, from: alice.address }, ctx), state, 'BAD_SIGNATURE', 'recovers to', bob.address, alice.address);
  });

  it('BAD_SIGNATURE: a field changed after signing', () => {
    const { state, ctx } = setup();
    const tx = aliceTransfer(state, ctx);
    expectRefusal(() => applyTx(state, { ...tx, amount: 11n }, ctx), state, 'BAD_SIGNATURE');
  });

  it('BAD_SIGNATURE: malformed v', () => {
    const { state, ctx } = setup();
    const tx = aliceTransfer(state, ctx);
    expectRefusal(() => applyTx(state, { ...tx, v: 1 }, ctx), state, 'BAD_SIGNATURE', 'v must be 27 or 28');
  });

  it('WRONG_CHAIN: a tx signed for another chain', () => {
    const { state, ctx } = setup();
    const signed = signTx(alice, { slot: 0, to: bob.address, amount: 1n, nonce: 0n, chainId: OTHER_CHAIN_ID });
    expectRefusal(() => placeSignedTx(state, signed, ctx), state, 'WRONG_CHAIN', OTHER_CHAIN_ID, CHAIN_ID);
    expectRefusal(() => recoverSender(signed, ctx), state, 'WRONG_CHAIN');
  });

  it('NONCE_MISMATCH, and a replay of an applied tx', () => {
    const { state, ctx } = setup();
    expectRefusal(() => applyTx(state, aliceTransfer(state, ctx, { nonce: 1n }), ctx), state, 'NONCE_MISMATCH', 'expects nonce 0', 'has 1');
    const tx = aliceTransfer(state, ctx);
    applyTx(state, tx, ctx);
    expectRefusal(() => applyTx(state, tx, ctx), state, 'NONCE_MISMATCH', 'expects nonce 1');
  });

  it('INSUFFICIENT_BALANCE', () => {
    const { state, ctx } = setup();
    expectRefusal(() => applyTx(state, aliceTransfer(state, ctx, { amount: 101n }), ctx), state, 'INSUFFICIENT_BALANCE', 'holds 100', 'spends 101');
  });

  it('ZERO_AMOUNT', () => {
    const { state, ctx } = setup();
    expectRefusal(() => applyTx(state, aliceTransfer(state, ctx, { amount: 0n }), ctx), state, 'ZERO_AMOUNT');
  });

  it('UNKNOWN_SLOT: the sender slot is empty', () => {
    const { state, ctx } = setup();
    expectRefusal(() => applyTx(state, aliceTransfer(state, ctx, { slot: 9 }), ctx), state, 'UNKNOWN_SLOT', 'slot 9 is empty');
  });

  it("SLOT_OWNER_MISMATCH: signing with someone else's slot", () => {
    const { state, ctx } = setup();
    expectRefusal(() => applyTx(state, aliceTransfer(state, ctx, { slot: 1, to: carol.address }), ctx), state, 'SLOT_OWNER_MISMATCH', bob.address, alice.address);
  });

  it('SLOT_TOKEN_MISMATCH: spending a token the slot does not hold', () => {
    const { state, ctx } = setup();
    const tx = aliceTransfer(state, ctx, { token: TOKEN });
    expectRefusal(() => applyTx(state, tx, ctx), state, 'SLOT_TOKEN_MISMATCH', TOKEN, ETH);
  });

  it('SELF_TRANSFER: toSlot equals slot', () => {
    const { state, ctx } = setup();
    const tx = aliceTransfer(state, ctx, { to: alice.address });
    expect(tx.toSlot).toBe(0);
    expectRefusal(() => applyTx(state, tx, ctx), state, 'SELF_TRANSFER');
  });

  it('SLOT_OCCUPIED: the recipient slot holds another owner or token', () => {
    const { parent, state, ctx } = setup();
    const tx = aliceTransfer(state, ctx);
    expectRefusal(() => applyTx(state, { ...tx, toSlot: 2 }, ctx), state, 'SLOT_OCCUPIED', 'slot 2', carol.address);
    const deposit = placeDeposit(state, parent.deposit(bob.address, ETH, 1n));
    expectRefusal(() => applyTx(state, { ...deposit, toSlot: 0 }, ctx), state, 'SLOT_OCCUPIED', alice.address);
  });

  it('DEPOSIT_OUT_OF_ORDER: skipped or repeated nonces', () => {
    const { parent, state, ctx } = setup();
    parent.deposit(bob.address, ETH, 1n);
    const second = placeDeposit(state, parent.deposit(bob.address, ETH, 2n));
    expectRefusal(() => applyTx(state, second, ctx), state, 'DEPOSIT_OUT_OF_ORDER', 'nonce 2', 'next one is 1');
    expectRefusal(() => applyTx(state, second, { ...ctx, lastDepositNonce: 2n }), state, 'DEPOSIT_OUT_OF_ORDER', 'next one is 3');
  });

  it("DEPOSIT_MISMATCH: fields differ from the parent's record", () => {
    const { parent, state, ctx } = setup();
    const tx = placeDeposit(state, parent.deposit(bob.address, ETH, 5n));
    for (const patch of [{ amount: 6n }, { to: carol.address, toSlot: 3 }, { token: TOKEN, toSlot: 3 }, { from: carol.address }] as Partial<BlockTx>[]) {
      expectRefusal(() => applyTx(state, { ...tx, ...patch }, ctx), state, 'DEPOSIT_MISMATCH', 'the parent recorded');
    }
    // The same deposit record for another chain id does not match either.
    expectRefusal(() => applyTx(state, tx, { ...ctx, chainId: OTHER_CHAIN_ID }), state, 'DEPOSIT_MISMATCH');
  });

  it('DEPOSIT_UNKNOWN: the parent record is not known yet', () => {
    const { state, ctx } = setup();
    const tx = placeDeposit(state, { chainId: CHAIN_ID, nonce: 1n, from: bob.address, to: bob.address, token: ETH, amount: 1n });
    expectRefusal(() => applyTx(state, tx, ctx), state, 'DEPOSIT_UNKNOWN', 'deposit 1');
    expectRefusal(() => applyTx(state, tx, { ...ctx, depositRecord: undefined }), state, 'DEPOSIT_UNKNOWN');
  });

  it('BALANCE_OVERFLOW: a credit beyond 2^256-1', () => {
    const parent = new FakeParent();
    const ctx = stfContext(parent);
    const state = stateWith([
      { slot: 0, owner: alice.address, balance: 100n },
      { slot: 1, owner: bob.address, balance: MAX_UINT256 - 5n },
    ]);
    expectRefusal(() => applyTx(state, aliceTransfer(state, ctx, { amount: 6n }), ctx), state, 'BALANCE_OVERFLOW', 'slot 1');
    const deposit = placeDeposit(state, parent.deposit(bob.address, ETH, 6n));
    expectRefusal(() => applyTx(state, deposit, ctx), state, 'BALANCE_OVERFLOW');
    applyTx(state, aliceTransfer(state, ctx, { amount: 5n }), ctx);
    expect(state.get(1)!.balance).toBe(MAX_UINT256);
  });

  it('MALFORMED_TX: fields outside the 11-word form, naming the field', () => {
    const { parent, state, ctx } = setup();
    const tx = aliceTransfer(state, ctx);
    const deposit = placeDeposit(state, parent.deposit(bob.address, ETH, 1n));
    const cases: [BlockTx, string][] = [
      [{ ...tx, kind: 17 as TxKind }, 'kind'], // 10-16: PROVE_CHILD_FRAUD … NESTED_ESCAPE_CALL
      [{ ...tx, data: '0x00' }, 'data'],
      [{ ...tx, data: 'zz' as never }, 'data'],
      [{ ...tx, slot: -1 }, 'slot'],
      [{ ...tx, toSlot: 2 ** 32 }, 'toSlot'],
      [{ ...tx, slot: 1.5 }, 'slot'],
      [{ ...tx, from: alice.address.toUpperCase().replace('0X', '0x') as never }, 'from'],
      [{ ...tx, to: '0x1234' as never }, 'to'],
      [{ ...tx, amount: -1n }, 'amount'],
      [{ ...tx, amount: 10 as never }, 'amount'],
      [{ ...tx, nonce: 2n ** 64n }, 'nonce'],
      [{ ...tx, r: '0x00' as never }, 'r'],
      [{ ...tx, v: 256 }, 'v'],
      [{ ...deposit, slot: 1 }, 'slot'],
      [{ ...deposit, v: 27 }, 'v'],
      [{ ...deposit, r: tx.r }, 'r'],
      [{ ...tx, kind: TxKind.Withdraw, toSlot: 1 }, 'toSlot'],
    ];
    for (const [bad, field] of cases) {
      const error = expectRefusal(() => applyTx(state, bad, ctx), state, 'MALFORMED_TX', `tx.${field}`);
      expect(error.data).toEqual({ field });
    }
  });
});

describe('replay protection', () => {
  it('a transfer signed for one chain is refused on another chain', () => {
    const { state, ctx } = setup();
    const tx = aliceTransfer(state, ctx);
    // Same slots and accounts on a sibling chain: the signature binds CHAIN_ID.
    const sibling = setup();
    const siblingCtx = { ...sibling.ctx, chainId: OTHER_CHAIN_ID };
    expectRefusal(() => applyTx(sibling.state, tx, siblingCtx), sibling.state, 'BAD_SIGNATURE');
    applyTx(state, tx, ctx);
  });

  it('a transfer signed under another EIP-712 domain (L1 chain id or root contract) is refused', () => {
    const { state, ctx } = setup();
    for (const domain of [plasmaDomain(1n, DOMAIN.verifyingContract), plasmaDomain(DOMAIN.chainId, carol.address)]) {
      const signed = signTx(alice, { slot: 0, to: bob.address, amount: 1n, nonce: 0n }, domain);
      const tx = placeSignedTx(state, signed, ctx, alice.address); // the producer trusted a wrong `from`
      expectRefusal(() => applyTx(state, tx, ctx), state, 'BAD_SIGNATURE', 'EIP-712 domain');
      expect(recoverSender(signed, ctx)).not.toBe(alice.address);
    }
  });
});
