import { describe, expect, it } from 'vitest';
import { AccountState, EMPTY_ACCOUNTS_ROOT, SparseMerkleTree, accountLeaf, bytesToHex, verifySmtProof, type Account } from '../src/index.js';
import { ETH, TOKEN, alice, bob, carol } from './fixtures.js';

const account = (owner = alice.address, balance = 100n, nonce = 0n, token = ETH): Account => ({ owner, token, balance, nonce });

describe('AccountState', () => {
  it('starts empty at the genesis state root', () => {
    const state = new AccountState();
    expect(state.root).toBe(EMPTY_ACCOUNTS_ROOT);
    expect(state.size).toBe(0);
    expect(state.nextFreeSlot()).toBe(0);
    expect(state.get(0)).toBeUndefined();
  });

  it('stores accounts, indexes (owner, token), and its root is the SMT of account hashes', () => {
    const state = new AccountState();
    state.put(0, account(alice.address, 5n));
    state.put(1, account(alice.address, 6n, 0n, TOKEN));
    state.put(2, account(bob.address, 7n));
    expect(state.get(1)).toEqual(account(alice.address, 6n, 0n, TOKEN));
    expect(state.slotOf(alice.address, ETH)).toBe(0);
    expect(state.slotOf(alice.address, TOKEN)).toBe(1);
    expect(state.slotOf(bob.address.toUpperCase().replace('0X', '0x') as never, ETH)).toBe(2);
    expect(state.slotOf(carol.address, ETH)).toBeUndefined();
    expect(state.size).toBe(3);
    const tree = new SparseMerkleTree();
    for (const [slot, a] of state.entries()) tree.set(slot, accountLeaf(a));
    expect(state.root).toBe(bytesToHex(tree.root));
    const proof = state.proof(1);
    expect(verifySmtProof(accountLeaf(state.get(1)!), 1, proof, state.root)).toBe(true);
    expect(verifySmtProof(null, 3, state.proof(3), state.root)).toBe(true);
  });

  it('hands out the lowest free slot', () => {
    const state = new AccountState();
    state.put(0, account());
    state.put(2, account(bob.address));
    expect(state.nextFreeSlot()).toBe(1);
    state.put(1, account(carol.address));
    expect(state.nextFreeSlot()).toBe(3);
    expect(new AccountState({ depth: 1 }).nextFreeSlot()).toBe(0);
    const full = new AccountState({ depth: 1 });
    full.put(0, account());
    full.put(1, account(bob.address));
    expect(() => full.nextFreeSlot()).toThrow(expect.objectContaining({ code: 'STATE_FULL' }));
  });

  it('keeps its own copy of what it stores', () => {
    const state = new AccountState();
    const mine = account();
    state.put(0, mine);
    const root = state.root;
    mine.balance = 1n;
    expect(state.get(0)!.balance).toBe(100n);
    expect(state.root).toBe(root);
  });

  it('refuses non-canonical accounts and slots out of range', () => {
    const state = new AccountState();
    const bad: [number, Account][] = [
      [0, account(alice.address.toUpperCase().replace('0X', '0x') as never)],
      [0, { ...account(), token: '0x12' as never }],
      [0, account(alice.address, -1n)],
      [0, account(alice.address, 1n, 2n ** 64n)],
      [2 ** 32, account()],
      [-1, account()],
    ];
    for (const [slot, a] of bad) expect(() => state.put(slot, a)).toThrow(expect.objectContaining({ code: 'INVALID_ACCOUNT' }));
    expect(state.size).toBe(0);
  });

  it('reverts and commits nested checkpoints, restoring root, accounts, index and free slots', () => {
    const state = new AccountState();
    state.put(0, account(alice.address, 10n));
    const root0 = state.root;

    state.checkpoint();
    state.put(0, account(alice.address, 9n, 1n));
    state.put(1, account(bob.address, 1n));
    const root1 = state.root;

    state.checkpoint();
    state.put(1, account(bob.address, 2n));
    state.put(2, account(carol.address, 3n));
    expect(state.checkpointDepth).toBe(2);
    state.revert();
    expect(state.root).toBe(root1);
    expect(state.get(2)).toBeUndefined();
    expect(state.slotOf(carol.address, ETH)).toBeUndefined();
    expect(state.nextFreeSlot()).toBe(2);

    state.checkpoint();
    state.put(2, account(carol.address, 3n));
    state.commit(); // folds into the outer checkpoint
    expect(state.get(2)!.balance).toBe(3n);

    state.revert();
    expect(state.root).toBe(root0);
    expect(state.size).toBe(1);
    expect(state.get(0)).toEqual(account(alice.address, 10n));
    expect(state.slotOf(bob.address, ETH)).toBeUndefined();
    expect(state.nextFreeSlot()).toBe(1);
    expect(state.checkpointDepth).toBe(0);
    expect(() => state.revert()).toThrow(expect.objectContaining({ code: 'NO_CHECKPOINT' }));
    expect(() => state.commit()).toThrow(expect.objectContaining({ code: 'NO_CHECKPOINT' }));
  });

  it('rebuilds the same state from its entries', () => {
    const state = new AccountState();
    for (let slot = 0; slot < 200; slot++) state.put(slot, account(slot % 2 ? alice.address : bob.address, BigInt(slot), 0n, slot % 3 ? ETH : TOKEN));
    const copy = AccountState.fromEntries([...state.entries()]);
    expect(copy.root).toBe(state.root);
    expect(copy.size).toBe(200);
    expect(copy.nextFreeSlot()).toBe(200);
  });
});
