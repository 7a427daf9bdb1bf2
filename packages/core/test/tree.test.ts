/**
 * A tree of chains, purely in core (docs/TREE.md §2-§3): chain A is a ChainState whose ledger hosts children;
 * each child is another ChainState whose deposits are A's ledger records. Every block is re-executed by a
 * watcher through its JSON form (verifyBlock with the tree kinds), and after every step the subtree invariant
 * holds at every parent: the parent's subtreeBalance of a child = what the child holds (checkSubtreeInvariant)
 * + its exits not yet paid by the parent + the deposits the parent recorded that the child has not applied yet.
 */
import { concat, keccak256 } from 'ethers';
import { describe, expect, it } from 'vitest';
import {
  BlockBuilder,
  ChainState,
  EMPTY_ACCOUNTS_ROOT,
  EMPTY_STATE_ROOT,
  LedgerTree,
  MIN_BOND,
  ParentLedger,
  ROOT_CHAIN_ID,
  TxKind,
  applyTx,
  bytesToHex,
  chainIdOf,
  chainStateRoot,
  checkSubtreeInvariant,
  computeExitRoot,
  hashHeader,
  isEdgeUpEvent,
  placeSignedTx,
  verifyBlock,
  zeroHashes,
  type Address,
  type Block,
  type Exit,
  type Header,
  type Hex,
} from '../src/index.js';
import { ETH, FakeParent, TOKEN, alice, bob, carol, user } from './fixtures.js';
import {
  TestChain,
  WINDOW,
  commitPending,
  commitTx,
  depositToChild,
  exitTx,
  expectRefused,
  sign,
  spawnChild,
  spend,
  submit,
  tokenExit,
  validatorsA1,
  validatorsA2,
} from './treeHarness.js';

const TOKENS = [ETH, TOKEN] as const;

const dave = user('dave');
const erin = user('erin');
const frank = user('frank');
const mallory = user('mallory');


/** Exits of `child`'s blocks that its parent has not paid yet. */
function exitsInFlight(child: TestChain, token: Address): bigint {
  let total = 0n;
  for (const block of child.blocks) {
    block.exits.forEach((exit, i) => {
      if (isEdgeUpEvent(exit)) return;
      if (exit.token === token && !child.parent!.state.ledger.isWithdrawn(child.id, block.header.number, i)) total += exit.amount;
    });
  }
  return total;
}

/** Deposits the parent recorded for `child` that the child has not applied yet. */
function depositsInFlight(child: TestChain, token: Address): bigint {
  const applied = child.head?.depositNonce ?? 0n;
  return child.inbox.filter((d) => d.nonce > applied && d.token === token).reduce((sum, d) => sum + d.amount, 0n);
}

/**
 * The subtree invariant at `chain` and below: for each child, the parent's subtreeBalance equals what the child
 * holds plus what is in flight between them. `skip` leaves out a compromised subtree.
 */
function expectInvariant(chain: TestChain, skip: readonly TestChain[] = []): void {
  for (const child of chain.children) {
    if (skip.includes(child)) continue;
    for (const token of TOKENS) {
      const held = checkSubtreeInvariant(child.state, token).total;
      expect(chain.state.ledger.subtreeBalance(child.id, token), `${child.name} ${token}`).toBe(held + exitsInFlight(child, token) + depositsInFlight(child, token));
    }
    expectInvariant(child, skip);
  }
}

/**
 * Steps 1-4 of the scenario: A (a child of the root, funded by root deposits) spawns A1 and A2; users deposit into
 * both; A1 applies its deposit, then a transfer and two withdrawals, and seals block 1.
 */
function buildTree() {
  let now = 1_000n;
  const tick = (seconds = 10n) => (now += seconds);
  const root = new FakeParent();
  const A = new TestChain(chainIdOf(ROOT_CHAIN_ID, 0), 'A', root.depositRecord);
  /** What the root holds for A: A's own invariant is against these totals. */
  const rootHolds = { [ETH]: 10n ** 18n, [TOKEN]: 1_500n } as Record<Address, bigint>;
  const expectTree = (skip: readonly TestChain[] = []) => {
    for (const token of TOKENS) expect(checkSubtreeInvariant(A.state, token).total, `A ${token}`).toBe(rootHolds[token]);
    expectInvariant(A, skip);
  };

  // 1. A's block 1: deposits from the root.
  A.block(tick(), (b) => {
    b.addDeposit(root.deposit(alice.address, ETH, 10n ** 18n));
    b.addDeposit(root.deposit(alice.address, TOKEN, 1_000n));
    b.addDeposit(root.deposit(bob.address, TOKEN, 500n));
  });
  expectTree();

  // 2. alice spawns A1 (2 of 3 validators) and A2 (1 of 1), bonding from her native slot.
  let A1!: TestChain;
  let A2!: TestChain;
  A.block(tick(), (b) => {
    A1 = spawnChild(b, A, alice, validatorsA1, 2, 'A1');
    A2 = spawnChild(b, A, alice, validatorsA2, 1, 'A2');
  });
  expect([A1.id, A2.id]).toEqual([chainIdOf(A.id, 0), chainIdOf(A.id, 1)]);
  expect(A.balance(alice, ETH)).toBe(10n ** 18n - 2n * MIN_BOND);
  expect(checkSubtreeInvariant(A.state, ETH)).toEqual({ accounts: 10n ** 18n - 2n * MIN_BOND, children: 0n, bonds: 2n * MIN_BOND, total: 10n ** 18n });
  expect(A.state.ledger.childInfo(A1.id)).toMatchObject({ threshold: 2, challengeWindow: WINDOW, bond: MIN_BOND, spawner: alice.address });
  expectTree();

  // 3. Deposits into the children (DEPOSIT_TO_CHILD on A): the parent halves.
  A.block(tick(), (b) => {
    depositToChild(b, A, A1, alice, carol, TOKEN, 300n);
    depositToChild(b, A, A2, bob, erin, TOKEN, 200n);
  });
  expect(A.balance(alice, TOKEN)).toBe(700n);
  expect(A.state.ledger.subtreeBalance(A1.id, TOKEN)).toBe(300n);
  expectTree();

  // 4. The child halves: A1 and A2 apply them (kind 0, A's ledger as the record source); A1 transfers and withdraws.
  const a1Block1 = A1.block(tick(), (b) => {
    A1.applyInbox(b);
    submit(b, spend(A1, carol, TxKind.Transfer, dave, TOKEN, 100n));
    submit(b, spend(A1, dave, TxKind.Withdraw, frank, TOKEN, 40n));
    submit(b, spend(A1, carol, TxKind.Withdraw, carol, TOKEN, 60n));
  });
  expect(a1Block1.exits).toEqual([
    { recipient: frank.address, token: TOKEN, amount: 40n },
    { recipient: carol.address, token: TOKEN, amount: 60n },
  ]);
  expectTree();
  A2.block(tick(), (b) => A2.applyInbox(b));
  expect(A2.balance(erin, TOKEN)).toBe(200n);
  expectTree();

  return { A, A1, A2, a1Block1, root, rootHolds, tick, now: () => now, expectTree };
}

describe('ChainState: accounts and ledger under one root', () => {
  it('root = keccak256(accountsRoot ‖ ledgerRoot); the genesis root is pinned', () => {
    const state = new ChainState(chainIdOf(ROOT_CHAIN_ID, 0));
    expect(EMPTY_STATE_ROOT).toBe('0xa116e19a7984f21055d07b606c55628a5ffbf8ae1261c1e9f4e3a61620cf810a');
    expect(state.root).toBe(EMPTY_STATE_ROOT);
    expect(EMPTY_STATE_ROOT).toBe(keccak256(concat([EMPTY_ACCOUNTS_ROOT, new LedgerTree().root])));
    state.accounts.put(0, { owner: alice.address, token: ETH, balance: 10n ** 18n, nonce: 0n });
    state.ledger.spawnChild({ validators: [bob.address], threshold: 1, challengeWindow: WINDOW, bond: MIN_BOND, spawner: alice.address, now: 1n });
    expect(state.root).toBe(keccak256(concat([state.accounts.root, state.ledger.root])));
    expect(state.root).toBe(chainStateRoot(state.accounts.root, state.ledger.root));
  });

  it('checkpoints span accounts and ledger', () => {
    const state = new ChainState(chainIdOf(ROOT_CHAIN_ID, 0));
    state.accounts.put(0, { owner: alice.address, token: ETH, balance: 5n, nonce: 0n });
    const before = state.root;
    state.checkpoint();
    state.accounts.put(1, { owner: bob.address, token: ETH, balance: 1n, nonce: 0n });
    state.checkpoint();
    const child = state.ledger.spawnChild({ validators: [bob.address], threshold: 1, challengeWindow: WINDOW, bond: MIN_BOND, spawner: alice.address, now: 1n });
    state.ledger.deposit({ child, from: alice.address, to: bob.address, token: TOKEN, amount: 9n, now: 1n });
    const inner = state.root;
    state.commit();
    expect(state.root).toBe(inner);
    expect(state.checkpointDepth).toBe(1);
    state.revert();
    expect(state.root).toBe(before);
    expect(state.ledger.childCount).toBe(0n);
    expect(state.size).toBe(1);
    expect(() => state.commit()).toThrow(expect.objectContaining({ code: 'NO_CHECKPOINT' }));
    state.ledger.checkpoint(); // a checkpoint opened on one part only is refused, not half-applied
    expect(() => state.revert()).toThrow(expect.objectContaining({ code: 'NO_CHECKPOINT' }));
  });

  it("rebuilds from persisted entries, and refuses another chain's ledger", () => {
    const { A } = buildTree();
    const copy = ChainState.fromEntries(A.id, [...A.state.accounts.entries()], [...A.state.ledger.entries()]);
    expect(copy.root).toBe(A.state.root);
    expect(() => new ChainState(A.id, { ledger: new ParentLedger(chainIdOf(A.id, 0)) })).toThrow(expect.objectContaining({ code: 'WRONG_CHAIN' }));
  });
});

describe('a tree of chains in core: A spawns A1 and A2', () => {
  it('commits a child block on A and pays its exits once, after the window', () => {
    const { A, A1, A2, a1Block1, tick, now, expectTree } = buildTree();

    // 5-6. A1's validators (2 of 3) sign block 1; COMMIT_CHILD on A at A's block timestamp.
    const committedAt = tick();
    A.block(committedAt, (b) => submit(b, commitTx(A, A1, a1Block1, [validatorsA1[2], validatorsA1[0]])));
    expect(A.state.ledger.childInfo(A1.id)).toMatchObject({ headNumber: 1n, headWindowEnd: committedAt + WINDOW, headDepositNonce: 1n });
    expectTree();

    // 7. Before the window ends (A's clock is its block timestamps): refused, nothing changes, the block goes on.
    A.block(committedAt + WINDOW - 1n, (b) => {
      expectRefused(A.state, 'CHALLENGE_WINDOW_OPEN', () => submit(b, exitTx(A, A1, a1Block1, 0)));
    });
    expectTree();

    // 8. From windowEnd on: paid into the recipient's slot on A (new slots: frank and carol hold no TOKEN on A).
    A.block(committedAt + WINDOW, (b) => {
      submit(b, exitTx(A, A1, a1Block1, 0));
      submit(b, exitTx(A, A1, a1Block1, 1));
      // The same exit a second time, in the same block and (below) in a later one.
      expectRefused(A.state, 'ALREADY_WITHDRAWN', () => submit(b, exitTx(A, A1, a1Block1, 0)));
    });
    expect(A.balance(frank, TOKEN)).toBe(40n);
    expect(A.balance(carol, TOKEN)).toBe(60n);
    expect(A.state.ledger.subtreeBalance(A1.id, TOKEN)).toBe(200n);
    expect(A.state.ledger.isWithdrawn(A1.id, 1n, 0)).toBe(true);
    expectTree();
    tick(WINDOW);
    A.block(now(), (b) => expectRefused(A.state, 'ALREADY_WITHDRAWN', () => submit(b, exitTx(A, A1, a1Block1, 1))));

    // A2 is untouched by all of it.
    expect(A.state.ledger.subtreeBalance(A2.id, TOKEN)).toBe(200n);
    expect(A2.balance(erin, TOKEN)).toBe(200n);
    expectTree();
  });

  it("the seed's attack: A1's validators sign a block that mints; A pays at most A1's subtree balance", () => {
    const { A, A1, A2, a1Block1, tick, now, expectTree } = buildTree();
    A.block(tick(), (b) => submit(b, commitTx(A, A1, a1Block1)));
    const block1WindowEnd = A.state.ledger.childInfo(A1.id).headWindowEnd;
    const aliceBefore = A.balance(alice, TOKEN);
    const bobBefore = A.balance(bob, TOKEN);

    // A block no honest execution gives: no transactions, but exits of 1,000,000 and of 300 tokens to mallory.
    const exits: Exit[] = [
      { recipient: mallory.address, token: TOKEN, amount: 1_000_000n },
      { recipient: mallory.address, token: TOKEN, amount: 300n },
    ];
    const header: Header = {
      chainId: A1.id,
      number: 2n,
      parentHash: a1Block1.hash,
      txRoot: bytesToHex(zeroHashes(16)[16]),
      stateRoot: A1.state.root,
      exitRoot: bytesToHex(computeExitRoot(exits)),
      depositNonce: 1n,
      timestamp: now(),
    };
    const minted: Block = { header, hash: hashHeader(header), txs: [], postRoots: [], exits };
    // A watcher of A1 sees the fraud at once ...
    expect(() => verifyBlock(minted, a1Block1.header, A1.watcher, A1.ctx, { dryRun: true })).toThrow(
      expect.objectContaining({ code: 'INVALID_BLOCK', data: expect.objectContaining({ reason: 'EXIT_MISMATCH' }) }),
    );
    // ... but A does not re-execute its children: a quorum is all a commitment needs.
    A.block(tick(), (b) => submit(b, commitTx(A, A1, minted)));
    tick(WINDOW);
    A.block(now(), (b) => {
      const error = expectRefused(A.state, 'SUBTREE_BALANCE_EXCEEDED', () => submit(b, exitTx(A, A1, minted, 0)));
      expect(error.data).toMatchObject({ requested: '1000000', available: '300' });
      submit(b, exitTx(A, A1, minted, 1)); // the most it can take: all of A1's subtree balance (its 200 + 100 in exits)
    });
    expect(A.balance(mallory, TOKEN)).toBe(300n);
    expect(A.state.ledger.subtreeBalance(A1.id, TOKEN)).toBe(0n);
    // The loss stays inside A1's subtree: its honest exits now find nothing left.
    A.block(tick(), (b) => {
      expectRefused(A.state, 'SUBTREE_BALANCE_EXCEEDED', () => submit(b, exitTx(A, A1, minted, 0)));
      expectRefused(A.state, 'SUBTREE_BALANCE_EXCEEDED', () => submit(b, exitTx(A, A1, a1Block1, 0, block1WindowEnd)));
    });

    // Holders on A and on A2 keep everything: A's total is what the root holds, A2's subtree is whole.
    expect(A.balance(alice, TOKEN)).toBe(aliceBefore);
    expect(A.balance(bob, TOKEN)).toBe(bobBefore);
    expect(A.state.ledger.subtreeBalance(A2.id, TOKEN)).toBe(200n);
    expect(A2.balance(erin, TOKEN)).toBe(200n);
    expectTree([A1]);
  });

  it('refuses an edge event replayed, or consumed on the wrong chain', () => {
    const { A, A1, A2, a1Block1, tick, now } = buildTree();
    const a1Deposit = A1.inbox[0];

    // The same deposit nonce twice: A1 already applied nonce 1.
    const next = new BlockBuilder({ parent: A1.head, state: A1.state, ctx: A1.ctx, timestamp: now() });
    expectRefused(A1.state, 'DEPOSIT_OUT_OF_ORDER', () => next.addDeposit(a1Deposit));
    next.abort();

    // A2 consuming A1's deposit: under A2's own records (nonce 1 is bob's deposit) ...
    const a2State = new ChainState(A2.id);
    const a2 = new BlockBuilder({ parent: null, state: a2State, ctx: A2.ctx, timestamp: 1n });
    expectRefused(a2State, 'DEPOSIT_MISMATCH', () => a2.addDeposit({ ...a1Deposit, chainId: A2.id }));
    // ... or wired to A1's records by mistake: the record binds A1's chain id.
    const misWiredState = new ChainState(A2.id);
    const misWired = new BlockBuilder({ parent: null, state: misWiredState, ctx: { ...A2.ctx, depositRecord: A1.depositRecord }, timestamp: 1n });
    expectRefused(misWiredState, 'DEPOSIT_MISMATCH', () => misWired.addDeposit({ ...a1Deposit, chainId: A2.id }));
    // A2's own deposit applies; a nonce the parent never recorded is not fraud, just not known yet.
    a2.addDeposit(A2.inbox[0]);
    expectRefused(a2State, 'DEPOSIT_UNKNOWN', () => a2.addDeposit({ ...A2.inbox[0], nonce: 2n }));

    // A1's block committed as A2's, A1's exit claimed from A2.
    A.block(tick(), (b) => {
      expectRefused(A.state, 'CHAIN_ID_MISMATCH', () => submit(b, { ...commitTx(A, A1, a1Block1), child: A2.id }));
      submit(b, commitTx(A, A1, a1Block1));
    });
    tick(WINDOW);
    A.block(now(), (b) => {
      expectRefused(A.state, 'UNKNOWN_COMMITMENT', () => submit(b, { ...exitTx(A, A1, a1Block1, 0), child: A2.id }));
      // A proof of another exit's position, or a changed amount, does not verify.
      expectRefused(A.state, 'INVALID_EXIT_PROOF', () => submit(b, { ...exitTx(A, A1, a1Block1, 0), index: 1n }));
      expectRefused(A.state, 'INVALID_EXIT_PROOF', () => submit(b, { ...exitTx(A, A1, a1Block1, 0), exit: { ...tokenExit(a1Block1, 0), amount: 41n } }));
      submit(b, exitTx(A, A1, a1Block1, 0));
    });

    // A user's signed DEPOSIT_TO_CHILD binds the chain it was signed for: replayed on A2 (same slot layout), refused.
    const signed = sign(alice, { kind: TxKind.DepositToChild, chainId: A.id, slot: A.slotOf(alice, TOKEN), child: A1.id, to: carol.address, token: TOKEN, amount: 1n, nonce: A.nonce(alice, TOKEN) });
    const placed = placeSignedTx(A.state, signed, A.ctx);
    const twin = new ChainState(A2.id);
    twin.accounts.put(placed.slot, A.state.get(placed.slot)!);
    expectRefused(twin, 'BAD_SIGNATURE', () => applyTx(twin, placed, { ...A2.ctx, lastDepositNonce: 0n, timestamp: now() }));
    expectRefused(twin, 'WRONG_CHAIN', () => placeSignedTx(twin, signed, A2.ctx));
  });

  it('checks the block form and the data of the tree kinds', () => {
    const { A, A1, a1Block1, now } = buildTree();
    const ctx = { ...A.ctx, lastDepositNonce: A.head!.depositNonce, timestamp: now() };
    const commit = placeSignedTx(A.state, commitTx(A, A1, a1Block1), ctx);
    const deposit = placeSignedTx(A.state, sign(alice, { kind: TxKind.DepositToChild, chainId: A.id, slot: A.slotOf(alice, TOKEN), child: A1.id, to: carol.address, token: TOKEN, amount: 1n, nonce: A.nonce(alice, TOKEN) }), ctx);
    const cases: [typeof commit, string][] = [
      [{ ...commit, amount: 1n }, 'amount'],
      [{ ...commit, from: alice.address }, 'from'],
      [{ ...commit, v: 27 }, 'v'],
      [{ ...commit, data: `${commit.data}00` }, 'data'], // not the canonical encoding
      [{ ...commit, data: commit.data.slice(0, -64) as Hex }, 'data'],
      [{ ...deposit, toSlot: 3 }, 'toSlot'],
      [{ ...deposit, data: '0x' }, 'data'],
    ];
    for (const [tx, field] of cases) {
      const error = expectRefused(A.state, 'MALFORMED_TX', () => applyTx(A.state, tx, ctx));
      expect(error.data).toEqual({ field });
    }
    // A signed deposit whose child is changed in the block form no longer matches its signature.
    expectRefused(A.state, 'BAD_SIGNATURE', () => applyTx(A.state, { ...deposit, data: chainIdOf(A.id, 1) }, ctx));
  });

  it('runs the same code four levels deep (A → A1 → A1a → A1a-i), down and back up', () => {
    const DEPTH = 4; // chains in the path, A included: nothing below depends on it
    let now = 10_000n;
    const tick = (seconds = 10n) => (now += seconds);
    const root = new FakeParent();
    const A = new TestChain(chainIdOf(ROOT_CHAIN_ID, 0), 'A', root.depositRecord);
    A.block(tick(), (b) => {
      b.addDeposit(root.deposit(alice.address, ETH, 10n ** 18n));
      b.addDeposit(root.deposit(alice.address, TOKEN, 10_000n));
    });

    // Down: each chain spawns the next and alice moves native coins (for the next bond) and tokens into it.
    const path = [A];
    for (let level = 1; level < DEPTH; level++) {
      const parent = path[level - 1];
      let child!: TestChain;
      parent.block(tick(), (b) => {
        child = spawnChild(b, parent, alice, [validatorsA1[level % 3]], 1, `${parent.name}/${level}`);
        depositToChild(b, parent, child, alice, alice, ETH, parent.balance(alice, ETH) / 2n);
        depositToChild(b, parent, child, alice, alice, TOKEN, parent.balance(alice, TOKEN) / 2n);
      });
      child.block(tick(), (b) => child.applyInbox(b));
      expect(child.id).toBe(chainIdOf(parent.id, 0));
      path.push(child);
      expectInvariant(A);
    }
    const deepest = path[DEPTH - 1];
    expect(deepest.balance(alice, TOKEN)).toBe(10_000n / 2n ** BigInt(DEPTH - 1));

    // Up: at each level alice withdraws to the level above; it commits and pays after the window.
    let amount = deepest.balance(alice, TOKEN);
    deepest.block(tick(), (b) => submit(b, spend(deepest, alice, TxKind.Transfer, bob, TOKEN, 1n)));
    amount -= 1n;
    for (let level = DEPTH - 1; level >= 1; level--) {
      const child = path[level];
      const parent = path[level - 1];
      const before = parent.balance(alice, TOKEN);
      const block = child.block(tick(), (b) => submit(b, spend(child, alice, TxKind.Withdraw, alice, TOKEN, amount)));
      expectInvariant(A);
      parent.block(tick(), (b) => commitPending(b, parent, child));
      expect(parent.state.ledger.childInfo(child.id).headNumber).toBe(block.header.number);
      tick(WINDOW);
      parent.block(now, (b) => submit(b, exitTx(parent, child, block, 0)));
      expect(parent.balance(alice, TOKEN)).toBe(before + amount);
      expectInvariant(A);
      amount = parent.balance(alice, TOKEN);
    }
    expect(A.balance(alice, TOKEN)).toBe(10_000n - 1n);
    expect(checkSubtreeInvariant(A.state, TOKEN).total).toBe(10_000n);
    expect(checkSubtreeInvariant(A.state, ETH).total).toBe(10n ** 18n);
  });
});
