/**
 * The tree the data-availability tests inside a chain share (docs/FRAUD.md §9b): A (funded by the root) spawns K; K
 * applies a deposit and makes a transfer and a withdrawal; A commits both of K's blocks.
 */
import { expect } from 'vitest';
import { ROOT_CHAIN_ID, TxKind, chainIdOf, checkSubtreeInvariant } from '../src/index.js';
import { ETH, FakeParent, alice, bob, carol, user } from './fixtures.js';
import { TestChain, WINDOW, commitTx, depositToChild, spawnChild, spend, submit, validatorsA1 } from './treeHarness.js';

export const dave = user('dave');
export const publisher = validatorsA1[0];

/** A (funded by the root) spawns K; K applies a deposit and makes a transfer and a withdrawal in block 1; A commits it. */
export function buildDataTree() {
  let now = 1_000n;
  const tick = (seconds = 5n) => (now += seconds);
  const root = new FakeParent();
  const A = new TestChain(chainIdOf(ROOT_CHAIN_ID, 0), 'A', root.depositRecord);
  A.block(tick(), (b) => {
    for (const who of [alice, carol, dave]) b.addDeposit(root.deposit(who.address, ETH, 10n ** 18n));
  });
  let K!: TestChain;
  A.block(tick(), (b) => {
    K = spawnChild(b, A, alice, validatorsA1, 2, 'K');
  });
  A.block(tick(), (b) => depositToChild(b, A, K, alice, bob, ETH, 1_000n));
  K.block(tick(), (b) => {
    K.applyInbox(b);
  });
  K.block(tick(), (b) => {
    submit(b, spend(K, bob, TxKind.Transfer, carol, ETH, 100n));
    submit(b, spend(K, bob, TxKind.Withdraw, bob, ETH, 50n));
  });
  const commitAll = () => {
    const at = tick();
    A.block(at, (b) => {
      const head = Number(A.state.ledger.childInfo(K.id).headNumber);
      for (const block of K.blocks.slice(head)) submit(b, commitTx(A, K, block));
    });
    return at;
  };
  const committedAt = commitAll();
  const windowEnd = committedAt + WINDOW;
  /** The invariant of A's ETH: what the root holds for A is all of A's holdings (accounts, K's subtree, bonds). */
  const expectConserved = () => expect(checkSubtreeInvariant(A.state, ETH).total).toBe(3n * 10n ** 18n);
  expectConserved();
  return { A, K, tick, now: () => now, windowEnd, commitAll, expectConserved };
}

