/**
 * The three-level tree the objection tests inside a chain share (docs/FRAUD.md §7-§8): root → A → A1 (2 of 3), A2;
 * A1's block 1 (carol's deposit, carol → dave 100) and A2's block 1 committed on A; and A1's block 2 as the
 * `overspend` fault makes it (dave sends 1,000 tokens he does not have to mallory).
 */
import { expect } from 'vitest';
import {
  ROOT_CHAIN_ID,
  TxKind,
  bytesToHex,
  chainIdOf,
  checkSubtreeInvariant,
  computeExitRoot,
  computeTxRoot,
  hashHeader,
  placeSignedTx,
  type Address,
  type Block,
  type Header,
} from '../src/index.js';
import { ETH, FakeParent, TOKEN, alice, bob, carol, user } from './fixtures.js';
import { TestChain, commitTx, depositToChild, spawnChild, spend, submit, validatorsA1, validatorsA2 } from './treeHarness.js';

export const TOKENS = [ETH, TOKEN] as const;
export const dave = user('dave');
export const erin = user('erin');
export const mallory = user('mallory');
/** The watcher who objects: paid on A. */
export const watcher = user('watcher');

/** Builds the tree; `expectInvariant(A)` is the test's own view of A's subtree balances, checked by `expectTree`. */
export function buildConvictableTree(expectInvariant: (A: TestChain) => void) {
  let now = 1_000n;
  const tick = (seconds = 10n) => (now += seconds);
  const root = new FakeParent();
  const A = new TestChain(chainIdOf(ROOT_CHAIN_ID, 0), 'A', root.depositRecord);
  const rootHolds: Record<Address, bigint> = { [ETH]: 10n ** 18n, [TOKEN]: 1_500n };
  const expectTree = () => {
    // Nothing is created or destroyed on A: its total is what the root holds, whatever its children do.
    for (const token of TOKENS) expect(checkSubtreeInvariant(A.state, token).total, `A ${token}`).toBe(rootHolds[token]);
    expectInvariant(A);
  };
  A.block(tick(), (b) => {
    b.addDeposit(root.deposit(alice.address, ETH, 10n ** 18n));
    b.addDeposit(root.deposit(alice.address, TOKEN, 1_000n));
    b.addDeposit(root.deposit(bob.address, TOKEN, 500n));
  });
  let A1!: TestChain;
  let A2!: TestChain;
  A.block(tick(), (b) => {
    A1 = spawnChild(b, A, alice, validatorsA1, 2, 'A1');
    A2 = spawnChild(b, A, alice, validatorsA2, 1, 'A2');
  });
  A.block(tick(), (b) => {
    depositToChild(b, A, A1, alice, carol, TOKEN, 300n);
    depositToChild(b, A, A2, bob, erin, TOKEN, 200n);
  });
  const a1Block1 = A1.block(tick(), (b) => {
    A1.applyInbox(b);
    submit(b, spend(A1, carol, TxKind.Transfer, dave, TOKEN, 100n));
  });
  A2.block(tick(), (b) => A2.applyInbox(b));
  A.block(tick(), (b) => {
    submit(b, commitTx(A, A1, a1Block1));
    submit(b, commitTx(A, A2, A2.blocks[0]));
  });
  const block1WindowEnd = A.state.ledger.childInfo(A1.id).headWindowEnd;
  return { root, A, A1, A2, a1Block1, block1WindowEnd, tick, now: () => now, expectTree };
}

/** A1's block 2 with dave's overspend to mallory, and the post root of that lie (his slot left at 0). */
export function overspendBlock(A1: TestChain, parent: Header, timestamp: bigint): Block {
  const tx = placeSignedTx(A1.state, spend(A1, dave, TxKind.Transfer, mallory, TOKEN, 1_000n), A1.ctx);
  const state = A1.state;
  state.checkpoint();
  const sender = state.get(tx.slot)!;
  state.accounts.put(tx.slot, { ...sender, balance: 0n, nonce: sender.nonce + 1n });
  state.accounts.put(tx.toSlot, { owner: mallory.address, token: TOKEN, balance: 1_000n, nonce: 0n });
  const postRoot = state.root;
  state.revert();
  return forgedBlock(parent, [tx], [postRoot], postRoot, timestamp);
}

/** A block on `parent` with the given txs and roots, as a lying quorum would sign it. */
export function forgedBlock(parent: Header, txs: Block['txs'], postRoots: Block['postRoots'], stateRoot: Header['stateRoot'], timestamp: bigint): Block {
  const header: Header = {
    chainId: parent.chainId,
    number: parent.number + 1n,
    parentHash: hashHeader(parent),
    txRoot: bytesToHex(computeTxRoot(txs, postRoots)),
    stateRoot,
    exitRoot: bytesToHex(computeExitRoot([])),
    depositNonce: parent.depositNonce,
    timestamp,
  };
  return { header, hash: hashHeader(header), txs, postRoots, exits: [] };
}
