/**
 * Objections one level down (docs/FRAUD.md §7): a three-level tree in core (root → A → A1, A2). A1's validators commit
 * an invalid block on A; a watcher finds the fault with findFraud, and a PROVE_CHILD_FRAUD (kind 10) on A built from
 * the finding convicts A1 in A's ledger: A1 rolled back and frozen, its bond half to the challenger and half to the
 * burn address on A, nobody else's tokens moved, and the subtree invariant an equality at every level. Every block of
 * A is re-executed by another validator's copy (TestChain.block: verifyBlock through the JSON form).
 */
import { describe, expect, it } from 'vitest';
import {
  BURN_ADDRESS,
  BlockBuilder,
  ChainState,
  ChainStatus,
  FraudKind,
  LedgerKind,
  MIN_BOND,
  TransitionFault,
  TxKind,
  blockFromJson,
  blockToJson,
  buildTransitionProof,
  bytesToHex,
  checkSubtreeInvariant,
  decodeProveChildFraudData,
  encodeFraudProofArgs,
  findFraud,
  MESSAGE_FN,
  encodeMessagePayload,
  ledgerKeys,
  verifyBlock,
  type FraudProofData,
  type Hex,
  type ProveChildFraudTx,
} from '../src/index.js';
import { ETH, TOKEN, alice, bob, carol } from './fixtures.js';
import { TOKENS, buildConvictableTree, erin, overspendBlock, watcher } from './convictTree.js';
import { TestChain, WINDOW, commitTx, depositToChild, expectRefused, sign, submit } from './treeHarness.js';


/** The parent's subtreeBalance of each child = what the child holds at its committed head + deposits it has not applied. */
function expectInvariant(chain: TestChain): void {
  for (const child of chain.children) {
    for (const token of TOKENS) {
      const applied = child.head?.depositNonce ?? 0n;
      const inFlight = child.inbox.filter((d) => d.nonce > applied && d.token === token).reduce((sum, d) => sum + d.amount, 0n);
      expect(chain.state.ledger.subtreeBalance(child.id, token), `${child.name} ${token}`).toBe(checkSubtreeInvariant(child.state, token).total + inFlight);
    }
    expectInvariant(child);
  }
}

/** The shared tree, checked once built. */
function buildTree() {
  const tree = buildConvictableTree(expectInvariant);
  tree.expectTree();
  return tree;
}

function proveTx(A: TestChain, child: TestChain, proof: FraudProofData, windowEnd: bigint, prevWindowEnd: bigint, to = watcher.address): ProveChildFraudTx {
  return { kind: TxKind.ProveChildFraud, chainId: A.id, child: child.id, fraudKind: proof.kind, args: encodeFraudProofArgs(proof, { windowEnd, prevWindowEnd }), to };
}

describe('PROVE_CHILD_FRAUD: A convicts its child A1 (docs/FRAUD.md §7)', () => {
  it('an overspend found by findFraud rolls A1 back, slashes and freezes it; nobody else loses a token', () => {
    const { A, A1, A2, a1Block1, block1WindowEnd, tick, now, expectTree } = buildTree();
    const before = { alice: A.balance(alice, TOKEN), bob: A.balance(bob, TOKEN), aliceEth: A.balance(alice, ETH), a2: A.state.ledger.subtreeBalance(A2.id, TOKEN) };

    // A1's quorum signs and commits the lie on A: A does not re-execute its children.
    const bad = overspendBlock(A1, a1Block1.header, tick());
    expect(() => verifyBlock(bad, a1Block1.header, A1.watcher, A1.ctx, { dryRun: true })).toThrow(expect.objectContaining({ code: 'INVALID_BLOCK' }));
    A.block(tick(), (b) => submit(b, commitTx(A, A1, bad)));
    const windowEnd = A.state.ledger.childInfo(A1.id).headWindowEnd;
    expect(A.state.ledger.childInfo(A1.id).headNumber).toBe(2n);

    // The watcher replays A1 from its blocks (its own copy is the state after block 1) and finds the fault.
    const finding = findFraud(bad, a1Block1.header, A1.watcher, A1.ctx);
    expect(finding).toMatchObject({ provable: true, kind: FraudKind.InvalidTransfer, txIndex: 0, reason: 'InsufficientBalance' });
    if (!finding?.provable) throw new Error('unreachable');
    const tx = proveTx(A, A1, finding.proof, windowEnd, block1WindowEnd);

    const convictedAt = tick();
    const block = A.block(convictedAt, (b) => submit(b, tx));
    // Another validator of A re-executes the block from its JSON form and reaches the same state (deterministic STF).
    const replica = A.watcher;
    expect(replica.root).toBe(A.state.root);
    const placed = block.txs[0];
    expect(placed).toMatchObject({ kind: TxKind.ProveChildFraud, from: '0x0000000000000000000000000000000000000000', to: watcher.address, token: ETH, amount: 0n, nonce: 0n });
    // The burned half's slot is a word of the tx (docs/LEDGER-PROOFS.md §4.2): 0xdead's account, where it went.
    expect(placed.slot).not.toBe(placed.toSlot);
    expect(A.state.get(placed.slot)).toMatchObject({ owner: BURN_ADDRESS, token: ETH });
    expect(decodeProveChildFraudData(placed.data)).toEqual({ child: A1.id, fraudKind: FraudKind.InvalidTransfer, args: tx.args });
    expect(blockFromJson(JSON.parse(JSON.stringify(blockToJson(block))))).toEqual(block);

    // A1: head back to block 1 (with its windowEnd), bond 0, frozen since the conviction.
    expect(A.state.ledger.childInfo(A1.id)).toMatchObject({ headNumber: 1n, headWindowEnd: block1WindowEnd, headDepositNonce: 1n, bond: 0n });
    expect(A.state.ledger.childStatus(A1.id)).toEqual({ status: ChainStatus.FrozenFraud, frozenAt: convictedAt });
    expect(A.state.ledger.entry(ledgerKeys.childStatus(A1.id))).toEqual({ kind: LedgerKind.ChildStatus, child: A1.id, status: 1, frozenAt: convictedAt });
    // The bond moved into A's accounts: half to the watcher, the rest to 0xdead.
    expect(A.balance(watcher, ETH)).toBe(MIN_BOND / 2n);
    expect(A.balance({ address: BURN_ADDRESS } as never, ETH)).toBe(MIN_BOND - MIN_BOND / 2n);
    // Holders on A and on A2 keep everything; A2 stays live with its bond.
    expect([A.balance(alice, TOKEN), A.balance(bob, TOKEN), A.balance(alice, ETH), A.state.ledger.subtreeBalance(A2.id, TOKEN)]).toEqual([before.alice, before.bob, before.aliceEth, before.a2]);
    expect(A.state.ledger.childInfo(A2.id).bond).toBe(MIN_BOND);
    expect(A.state.ledger.childStatus(A2.id).status).toBe(ChainStatus.Live);
    expect(A2.balance(erin, TOKEN)).toBe(200n);
    // The invariant is an equality at every level: A's total is still what the root holds; A1's head is block 1.
    expectTree();

    // Frozen: no commit, no deposit, no down event to A1; the proof cannot be replayed (block 2 is above the head).
    A.block(tick(), (b) => {
      expectRefused(A.state, 'CHAIN_IS_FROZEN', () => submit(b, commitTx(A, A1, bad)));
      const deposit = sign(alice, { kind: TxKind.DepositToChild, chainId: A.id, slot: A.slotOf(alice, TOKEN), child: A1.id, to: carol.address, token: TOKEN, amount: 1n, nonce: A.nonce(alice, TOKEN) });
      expect(expectRefused(A.state, 'CHAIN_IS_FROZEN', () => submit(b, deposit)).data).toEqual({ chainId: A1.id, status: '1' });
      const edge = sign(alice, { kind: TxKind.EdgeSend, chainId: A.id, slot: A.slotOf(alice, TOKEN), fn: MESSAGE_FN, child: A1.id, payload: encodeMessagePayload({ target: carol.address, data: '0x01' }), nonce: A.nonce(alice, TOKEN) });
      expectRefused(A.state, 'CHAIN_IS_FROZEN', () => submit(b, edge));
      expect(expectRefused(A.state, 'UNKNOWN_COMMITMENT', () => submit(b, tx)).data).toEqual({ chainId: A1.id, number: '2' });
      // A2 is untouched: it still commits.
      depositToChild(b, A, A2, bob, erin, TOKEN, 1n);
    });
    expectTree();
    expect(now()).toBeGreaterThan(convictedAt);
  });

  it('refuses a proof that proves nothing (NOT_FRAUD), after the window, and from a chain with no such child', () => {
    const { A, A1, a1Block1, block1WindowEnd, tick } = buildTree();
    // A valid tx of A1's block 1, proven with allowValid: the ledger re-executes it and finds nothing wrong.
    const pre = new ChainState(A1.id);
    const proof = buildTransitionProof(a1Block1, 1, null, pre, A1.ctx, { allowValid: true });
    expect(proof.fault).toBe(TransitionFault.Valid);
    const tx = proveTx(A, A1, proof, block1WindowEnd, 0n);
    const root = A.state.root;
    A.block(tick(), (b) => {
      const error = expectRefused(A.state, 'NOT_FRAUD', () => submit(b, tx));
      expect(error.data).toEqual({ kind: '1', reason: bytesToHex(new Uint8Array([...new TextEncoder().encode('TX_VALID'), ...new Uint8Array(24)])) });
      expect(error.message).toContain('TX_VALID');
      // A proof for another child (A2 has no block 1 with these txs) is an unknown commitment there.
      expectRefused(A.state, 'UNKNOWN_COMMITMENT', () => submit(b, { ...tx, child: A.children[1].id }));
      // args that are not the canonical encoding: MALFORMED_TX naming `data`.
      expect(expectRefused(A.state, 'MALFORMED_TX', () => submit(b, { ...tx, args: `${tx.args}00` as Hex })).data).toMatchObject({ field: 'data' });
      depositToChild(b, A, A.children[1], bob, erin, TOKEN, 1n);
    });
    expect(A.state.ledger.childStatus(A1.id).status).toBe(ChainStatus.Live);
    expect(root).not.toBe(A.state.root); // the deposit only
    // Past the window the block is final: CHALLENGE_WINDOW_CLOSED.
    tick(WINDOW);
    const bad = overspendBlock(A1, a1Block1.header, tick());
    A.block(tick(), (b) => submit(b, commitTx(A, A1, bad)));
    const windowEnd = A.state.ledger.childInfo(A1.id).headWindowEnd;
    const finding = findFraud(bad, a1Block1.header, A1.watcher, A1.ctx);
    if (!finding?.provable) throw new Error('expected a provable fault');
    const late = proveTx(A, A1, finding.proof, windowEnd, block1WindowEnd);
    tick(WINDOW);
    const builder = new BlockBuilder({ parent: A.head, state: A.state, ctx: A.ctx, timestamp: tick() });
    expect(expectRefused(A.state, 'CHALLENGE_WINDOW_CLOSED', () => builder.addSignedTx(late)).data).toMatchObject({ windowEnd: String(windowEnd) });
    builder.abort();
  });
});
