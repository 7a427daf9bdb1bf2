/**
 * The arguments of PlasmaNestedEscape (docs/FRAUD.md §4b) built from a tree in core: A frozen at its head H,
 * K a child of A. K's last final block in A's ledger at T = H.timestamp, every ledger proof folding to H's ledger root,
 * and the three calls' calldata equal to what ethers' ABI coder makes of the same values.
 */
import { Interface } from 'ethers';
import { describe, expect, it } from 'vitest';
import {
  LedgerKind,
  NESTED_ESCAPE_SIGNATURES,
  ROOT_CHAIN_ID,
  TxKind,
  ZERO_BYTES32,
  ZERO_HEADER,
  buildFinalChild,
  buildNestedAccountProof,
  buildNestedDepositProof,
  buildNestedExitProof,
  buildNestedPath,
  chainIdOf,
  encodeEscapeNestedExitCall,
  encodeExitNestedCall,
  encodeReclaimNestedCall,
  exitProof,
  frozenHead,
  hashCommitmentRecord,
  hashHeader,
  lastFinalChildBlock,
  nestedChildOf,
  ledgerEntryLeaf,
  ledgerKeys,
  ChainState,
  verifyBlock,
  verifyLedgerProof,
  type Block,
  type CommittedChildBlock,
  type Header,
} from '../src/index.js';
import { ETH, FakeParent, alice, bob, carol } from './fixtures.js';
import { TestChain, WINDOW, commitTx, depositToChild, spawnChild, spend, submit, validatorsA1 } from './treeHarness.js';

function tree() {
  let now = 1_000n;
  const tick = (s = 5n) => (now += s);
  const root = new FakeParent();
  const A = new TestChain(chainIdOf(ROOT_CHAIN_ID, 0), 'A', root.depositRecord);
  A.block(tick(), (b) => {
    for (const who of [alice, carol]) b.addDeposit(root.deposit(who.address, ETH, 10n ** 18n));
  });
  let K!: TestChain;
  A.block(tick(), (b) => {
    K = spawnChild(b, A, alice, validatorsA1, 2, 'K');
  });
  A.block(tick(), (b) => depositToChild(b, A, K, alice, bob, ETH, 1_000n));
  const k1 = K.block(tick(), (b) => {
    K.applyInbox(b);
    submit(b, spend(K, bob, TxKind.Transfer, carol, ETH, 100n));
    submit(b, spend(K, bob, TxKind.Withdraw, bob, ETH, 50n));
  });
  const windowEnds = new Map<bigint, bigint>();
  const commit = (block: Block) => {
    const at = tick();
    A.block(at, (b) => submit(b, commitTx(A, K, block)));
    windowEnds.set(block.header.number, at + WINDOW);
  };
  commit(k1);
  // A deposit K never applies in a final block (in flight), then K's block 2, committed too late to be final.
  A.block(tick(), (b) => depositToChild(b, A, K, carol, carol, ETH, 7n));
  tick(WINDOW);
  const k2 = K.block(tick(), (b) => K.applyInbox(b));
  commit(k2);
  const head = A.head!;
  const blockOf = (n: bigint): CommittedChildBlock => ({ header: K.blocks[Number(n) - 1].header, windowEnd: windowEnds.get(n)! });
  return { A, K, k1, k2, head, T: head.timestamp, blockOf, windowEnds };
}

describe('PlasmaNestedEscape arguments, built in core', () => {
  it("K's last final block at T, and every ledger proof folds to the frozen head's ledger root", () => {
    const { A, K, head, T, blockOf, windowEnds } = tree();
    const ledger = A.state.ledger;
    expect(ledger.childInfo(K.id).headNumber).toBe(2n);
    expect(windowEnds.get(1n)! <= T && windowEnds.get(2n)! > T).toBe(true);
    expect(lastFinalChildBlock(ledger, K.id, T, blockOf)).toBe(1n);
    expect(lastFinalChildBlock(ledger, K.id, windowEnds.get(2n)!, blockOf)).toBe(2n);
    expect(lastFinalChildBlock(ledger, K.id, windowEnds.get(1n)! - 1n, blockOf)).toBe(0n);

    const a = frozenHead(A.state, head, 1n << 40n);
    const c = buildFinalChild(ledger, K.id, T, blockOf);
    const root = a.ledgerRoot;
    expect(c.block).toEqual(K.blocks[0].header);
    expect(verifyLedgerProof(ledgerKeys.child(K.id), ledgerEntryLeaf(ledger.entry(ledgerKeys.child(K.id))!), c.recordProof, root)).toBe(true);
    const recordLeaf = (h: Header, windowEnd: bigint) => ledgerEntryLeaf({ kind: LedgerKind.Commitment, child: K.id, number: h.number, record: hashCommitmentRecord(hashHeader(h), windowEnd) });
    expect(verifyLedgerProof(ledgerKeys.commitment(K.id, 1n), recordLeaf(c.block, c.windowEnd), c.blockProof, root)).toBe(true);
    expect(c.nextHash).toBe(K.blocks[1].hash);
    expect(verifyLedgerProof(ledgerKeys.commitment(K.id, 2n), recordLeaf(K.blocks[1].header, c.nextWindowEnd), c.nextProof, root)).toBe(true);
    // Nothing final: the zero header, no next proof needed beyond block 1's.
    const none = buildFinalChild(ledger, K.id, windowEnds.get(1n)! - 1n, blockOf);
    expect([none.block, none.windowEnd, none.nextHash]).toEqual([ZERO_HEADER, 0n, K.blocks[0].hash]);
    // A state that is not the head's is refused.
    expect(() => frozenHead(new ChainState(A.id), head, 0n)).toThrow(/not block/);
  });

  it("the account, exit and deposit proofs: K's state at block 1, bob's unpaid exit, carol's deposit in flight", () => {
    const { A, K, k1, head, T, blockOf } = tree();
    const ledger = A.state.ledger;
    const path = buildNestedPath(frozenHead(A.state, head, 99n), ledger, [{ child: K.id, blockOf }]);
    expect(path.final).toEqual(buildFinalChild(ledger, K.id, T, blockOf));
    expect([path.via, path.levels.map((l) => l.child), nestedChildOf(path)]).toEqual([[], [K.id], K.id]);
    const atBlock1 = new ChainState(K.id);
    verifyBlock(k1, null, atBlock1, K.ctx);
    const slot = atBlock1.slotOf(bob.address, ETH)!;
    const account = buildNestedAccountProof(path, atBlock1, slot);
    expect(account.account).toMatchObject({ owner: bob.address, token: ETH, balance: 1_000n - 100n - 50n });
    expect(account.caps.map((c) => c.amount)).toEqual([1_007n]);
    expect(verifyLedgerProof(ledgerKeys.subtreeBalance(K.id, ETH), ledgerEntryLeaf({ kind: LedgerKind.SubtreeBalance, child: K.id, token: ETH, amount: 1_007n }), account.caps[0].proof, ledger.root)).toBe(true);
    expect(() => buildNestedAccountProof(path, K.state, slot)).toThrow(/not its block 1/);

    const exit = buildNestedExitProof(path, blockOf(1n), { recipient: bob.address, token: ETH, amount: 50n }, 0n, exitProof(k1, 0));
    expect(verifyLedgerProof(ledgerKeys.spentExit(K.id, 1n, 0n), null, exit.spentProof, ledger.root)).toBe(true);

    const deposit = buildNestedDepositProof(path, { nonce: 2n, from: carol.address, to: carol.address, token: ETH, amount: 7n });
    expect(deposit.record).not.toBe(ZERO_BYTES32);
    expect(verifyLedgerProof(ledgerKeys.deposit(K.id, 2n), ledgerEntryLeaf({ kind: LedgerKind.Deposit, child: K.id, nonce: 2n, depositHash: deposit.record }), deposit.depositProof, ledger.root)).toBe(true);

    // The calldata is the ABI encoding ethers makes of the same values.
    const iface = new Interface(Object.values(NESTED_ESCAPE_SIGNATURES).map((s) => `function ${s}`));
    for (const [name, data] of [
      ['escapeNestedExit', encodeEscapeNestedExitCall(path, account)],
      ['exitNested', encodeExitNestedCall(path, exit)],
      ['reclaimNested', encodeReclaimNestedCall(path, deposit)],
    ] as const) {
      const decoded = iface.decodeFunctionData(name, data);
      expect(iface.encodeFunctionData(name, decoded as unknown as unknown[]), name).toBe(data);
    }
    const args = iface.decodeFunctionData('reclaimNested', encodeReclaimNestedCall(path, deposit));
    expect([args[3], args[4].toLowerCase(), args[7]]).toEqual([2n, carol.address, 7n]);
    // no level between A and K; K's Child record: its index among A's children (0) and its head (2).
    expect(args[1]).toHaveLength(0);
    expect([args[2][0][0], args[2][0][6]]).toEqual([0n, 2n]);
  });
});
