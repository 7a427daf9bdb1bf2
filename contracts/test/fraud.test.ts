/**
 * Fraud proofs at the root (docs/FRAUD.md §3, phase 1) against a real Hardhat node: for every phase-1 kind a block is
 * built with core, forged with core types, signed by the chain's quorum and committed on PlasmaRoot; core's
 * findFraud/build*Proof make the proof, encoded by core, and PlasmaRoot convicts: rollback, slash, freeze, nothing
 * else touched. Then the attacks on the proofs themselves.
 */
import * as core from '@plasma-tree/core';
import { Contract, Wallet, id, parseEther } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChildChain, sendCall, type Hex } from '../fraud-scenario.js';
import { eventsOf, expectRevert, increaseTime, latestTimestamp, mined, setup, type Fixture } from './helpers.js';

const WINDOW = 1_000n;
const BOND = parseEther('1');
const DEAD = '0x000000000000000000000000000000000000dEaD';
const ETH = core.NATIVE_TOKEN;

let f: Fixture;
let root: Contract;
let alice: Wallet;
let bob: Wallet;
let mallory: Wallet;
let challenger: Wallet;
let quorum: Wallet[]; // 4 validators, threshold 3
/** A bystander chain: its subtree, head and a pending withdrawal must survive every conviction. */
let other: ChildChain;
let otherBlock: core.Block;

const lowerAddr = (w: Wallet): core.Address => w.address.toLowerCase() as core.Address;
const junk = (s: string): Hex => id(s) as Hex;

beforeAll(async () => {
  f = await setup();
  root = f.root;
  [, alice, bob, mallory] = f.wallets;
  challenger = f.wallets[6];
  quorum = f.wallets.slice(10, 14);
  other = await fresh();
  const t = other.sign(alice, { kind: core.TxKind.Withdraw, slot: 0, to: lowerAddr(alice), token: ETH, amount: parseEther('2'), nonce: 0n });
  otherBlock = other.build(await latestTimestamp(f.provider), (b) => b.addSignedTx(t));
  await other.commit(otherBlock);
});

afterAll(async () => {
  await f?.stop();
});

/** A new chain with block 1 committed: deposits 1 (alice, 10 ETH) and 2 (bob, 5 ETH) in slots 0 and 1. */
async function fresh(): Promise<ChildChain> {
  const chain = await ChildChain.spawn({ root, provider: f.provider, validators: quorum, threshold: 3, window: WINDOW, bond: BOND, spawner: f.wallets[0] });
  await chain.deposit(alice, alice.address, parseEther('10'));
  await chain.deposit(bob, bob.address, parseEther('5'));
  const b1 = chain.build(await latestTimestamp(f.provider), (b) => chain.pendingDeposits(b));
  await chain.commit(b1);
  return chain;
}

/** The post roots `txs` give when applied in order on the chain's state (signatures unchecked), then undone. */
function postRootsOf(chain: ChildChain, txs: core.BlockTx[], timestamp: bigint): Hex[] {
  const stf: core.StfContext = { ...chain.ctx, lastDepositNonce: chain.head!.depositNonce, timestamp };
  chain.state.checkpoint();
  try {
    return txs.map((tx) => {
      const outcome = core.applyTx(chain.state, tx, stf, { signatureChecked: true });
      if (outcome.downNonce !== undefined) stf.lastDepositNonce = outcome.downNonce;
      return outcome.postRoot;
    });
  } finally {
    chain.state.revert();
  }
}

function transfer(chain: ChildChain, from: Wallet, signer: Wallet, to: Wallet, amount: bigint, nonce = 0n, slot = 0): core.BlockTx {
  return chain.place(chain.sign(signer, { kind: core.TxKind.Transfer, slot, to: lowerAddr(to), token: ETH, amount, nonce }), from);
}

function depositTx(chain: ChildChain, d: core.Deposit): core.BlockTx {
  return core.placeDeposit(chain.state, d);
}

/** Commits a forged block 2 and returns it with the first fault findFraud finds in it. */
async function commitForged(chain: ChildChain, block: core.Block) {
  await chain.commit(block, { valid: false });
  const finding = core.findFraud(block, chain.head, chain.state, chain.ctx);
  return { block, finding };
}

async function balances(chain: ChildChain) {
  return {
    challenger: await f.provider.getBalance(challenger.address),
    dead: await f.provider.getBalance(DEAD),
    root: await f.provider.getBalance(f.rootAddress),
    otherEth: (await root.subtreeBalance(other.chainId, ETH)) as bigint,
    otherHead: (await root.chainInfo(other.chainId)).headNumber as bigint,
    chainEth: (await root.subtreeBalance(chain.chainId, ETH)) as bigint,
  };
}

/**
 * Submits `calldata` from the challenger and checks the conviction of block `number`: FraudProven and ChainFrozen,
 * the head back to `number - 1`, bond/2 to the challenger and the rest burned, the chain frozen (commit, deposits
 * and messages refused), its subtree balance and every other chain untouched.
 */
async function expectConviction(chain: ChildChain, calldata: Hex, number: bigint, kind: core.FraudKind, replay = 'UnknownCommitment') {
  const before = await balances(chain);
  const receipt = await sendCall(challenger, f.rootAddress, calldata);
  const gasCost = receipt.gasUsed * receipt.gasPrice;
  const after = await balances(chain);
  const [proven] = eventsOf(root, receipt as never, 'FraudProven');
  expect([proven.chainId, proven.number, proven.kind, proven.challenger, proven.reward]).toEqual([chain.chainId, number, BigInt(kind), challenger.address, BOND / 2n]);
  const [frozen] = eventsOf(root, receipt as never, 'ChainFrozen');
  expect([frozen.chainId, frozen.status]).toEqual([chain.chainId, BigInt(core.ChainStatus.FrozenFraud)]);

  const info = await root.chainInfo(chain.chainId);
  const prev = chain.headers.get(number - 1n);
  expect([info.headNumber, info.headWindowEnd, info.headDepositNonce, info.bond]).toEqual([
    number - 1n, chain.windowEnds.get(number - 1n) ?? 0n, prev?.depositNonce ?? 0n, 0n,
  ]);
  const [status, frozenAt] = await root.chainStatus(chain.chainId);
  expect(status).toBe(BigInt(core.ChainStatus.FrozenFraud));
  expect(frozenAt).toBe(BigInt((await f.provider.getBlock(receipt.blockNumber))!.timestamp));

  expect(after.challenger - before.challenger).toBe(BOND / 2n - gasCost);
  expect(after.dead - before.dead).toBe(BOND - BOND / 2n);
  expect(before.root - after.root).toBe(BOND);
  expect(after.chainEth).toBe(before.chainEth); // the frozen chain's holders keep their claim
  expect([after.otherEth, after.otherHead]).toEqual([before.otherEth, before.otherHead]);

  const frozenArgs = [chain.chainId, BigInt(core.ChainStatus.FrozenFraud)];
  const next = chain.forge([], [], { number, parentHash: prev ? core.hashHeader(prev) : core.ZERO_BYTES32 });
  await expectRevert(root.commit(chain.chainId, next.header, chain.signatures(next.header)), 'ChainIsFrozen', frozenArgs);
  await expectRevert((root.connect(alice) as Contract).depositETH(chain.chainId, alice.address, { value: 1n }), 'ChainIsFrozen', frozenArgs);
  await expectRevert((root.connect(alice) as Contract).sendMessage(chain.chainId, alice.address, '0x'), 'ChainIsFrozen', frozenArgs);
  await expectRevert((root.connect(alice) as Contract).sendEdgeEvent(chain.chainId, junk('fn'), '0x'), 'ChainIsFrozen', frozenArgs);
  // replaying the proof: the block is above the head now (an equivocation has nothing left to undo or slash)
  await expectRevert(sendCall(challenger, f.rootAddress, calldata), replay, replay === 'UnknownCommitment' ? [chain.chainId, number] : [chain.chainId]);
  return receipt;
}

describe('InvalidTransfer', () => {
  it('a signature that does not recover the sender', async () => {
    const chain = await fresh();
    const ts = await latestTimestamp(f.provider);
    const forgedTx = transfer(chain, alice, mallory, bob, parseEther('1'));
    const block = chain.forge([forgedTx], postRootsOf(chain, [forgedTx], ts), { timestamp: ts });
    const { finding } = await commitForged(chain, block);
    expect(finding).toMatchObject({ provable: true, kind: core.FraudKind.InvalidTransfer, txIndex: 0, reason: 'BadSignature' });
    const proof = finding!.provable ? (finding!.proof as core.TransitionProof) : undefined;
    expect(proof!.accounts.map((a) => a.slot)).toEqual([0, 1]);
    await expectConviction(chain, chain.calldata(proof!), 2n, core.FraudKind.InvalidTransfer);
  });

  it('a wrong nonce', async () => {
    const chain = await fresh();
    const ts = await latestTimestamp(f.provider);
    const block = chain.forge([transfer(chain, alice, alice, bob, parseEther('1'), 5n)], [junk('post')], { timestamp: ts });
    const { finding } = await commitForged(chain, block);
    expect(finding).toMatchObject({ kind: core.FraudKind.InvalidTransfer, reason: 'NonceMismatch' });
    await expectConviction(chain, chain.calldata((finding as { proof: core.FraudProof }).proof), 2n, core.FraudKind.InvalidTransfer);
  });

  it('an overspend', async () => {
    const chain = await fresh();
    const ts = await latestTimestamp(f.provider);
    const block = chain.forge([transfer(chain, alice, alice, bob, parseEther('11'))], [junk('post')], { timestamp: ts });
    const { finding } = await commitForged(chain, block);
    expect(finding).toMatchObject({ kind: core.FraudKind.InvalidTransfer, reason: 'InsufficientBalance' });
    await expectConviction(chain, chain.calldata((finding as { proof: core.FraudProof }).proof), 2n, core.FraudKind.InvalidTransfer);
  });

  it('a credit that is not the debit (bob gets 2 ETH of alice\'s 1), as the second tx of the block', async () => {
    const chain = await fresh();
    const ts = await latestTimestamp(f.provider);
    const first = transfer(chain, bob, bob, alice, parseEther('1'), 0n, 1);
    const [afterFirst] = postRootsOf(chain, [first], ts);
    const cheat = transfer(chain, alice, alice, bob, parseEther('1'), 0n, 0);
    // alice -1, bob +2 (after the first transfer: bob 4 → 6, alice 11 → 10)
    chain.state.checkpoint();
    chain.state.accounts.put(1, { owner: lowerAddr(bob), token: ETH, balance: parseEther('6'), nonce: 1n });
    chain.state.accounts.put(0, { owner: lowerAddr(alice), token: ETH, balance: parseEther('10'), nonce: 1n });
    const lie = chain.state.root;
    chain.state.revert();
    const block = chain.forge([first, cheat], [afterFirst, lie], { timestamp: ts });
    const { finding } = await commitForged(chain, block);
    expect(finding).toMatchObject({ kind: core.FraudKind.InvalidTransfer, txIndex: 1, reason: 'PostRootMismatch' });
    const proof = (finding as { proof: core.TransitionProof }).proof;
    expect(proof.preTx.index).toBe(0);
    await expectConviction(chain, chain.calldata(proof), 2n, core.FraudKind.InvalidTransfer);
  });
});

describe('InvalidWithdraw', () => {
  it('a wrong post-state root; the rolled-back block\'s exit is never paid', async () => {
    const chain = await fresh();
    const ts = await latestTimestamp(f.provider);
    const w = chain.place(chain.sign(alice, { kind: core.TxKind.Withdraw, slot: 0, to: lowerAddr(alice), token: ETH, amount: parseEther('3'), nonce: 0n }), alice);
    const exit: core.Exit = { recipient: lowerAddr(alice), token: ETH, amount: parseEther('3') };
    const block = chain.forge([w], [junk('wrong root')], { timestamp: ts, exitRoot: core.bytesToHex(core.computeExitRoot([exit])) });
    block.exits.push(exit);
    const { finding } = await commitForged(chain, block);
    expect(finding).toMatchObject({ kind: core.FraudKind.InvalidWithdraw, reason: 'PostRootMismatch' });
    await expectConviction(chain, chain.calldata((finding as { proof: core.FraudProof }).proof), 2n, core.FraudKind.InvalidWithdraw);
    const windowEnd = chain.windowEnds.get(2n)!;
    await increaseTime(f.provider, WINDOW);
    await expectRevert(root.finalizeWithdrawal(chain.chainId, block.header, windowEnd, exit, 0n, core.exitProof(block, 0)), 'UnknownCommitment', [chain.chainId, 2n]);
    await expectRevert(
      root.relayMessage(chain.chainId, block.header, windowEnd, alice.address, alice.address, '0x', 0n, core.exitProof(block, 0)),
      'UnknownCommitment',
      [chain.chainId, 2n],
    );
  });
});

describe('InvalidDeposit', () => {
  it('a forged deposit (the amount the root did not record)', async () => {
    const chain = await fresh();
    const d3 = await chain.deposit(alice, alice.address, parseEther('1'));
    const ts = await latestTimestamp(f.provider);
    const forgedTx = depositTx(chain, { ...d3, amount: parseEther('100') });
    const block = chain.forge([forgedTx], [junk('post')], { timestamp: ts, depositNonce: 3n });
    const { finding } = await commitForged(chain, block);
    expect(finding).toMatchObject({ kind: core.FraudKind.InvalidDeposit, txIndex: 0, reason: 'DepositMismatch' });
    await expectConviction(chain, chain.calldata((finding as { proof: core.FraudProof }).proof), 2n, core.FraudKind.InvalidDeposit);
  });

  it('a deposit applied twice', async () => {
    const chain = await fresh();
    const ts = await latestTimestamp(f.provider);
    const again = depositTx(chain, chain.deposits.get(2n)!);
    const block = chain.forge([again], [junk('post')], { timestamp: ts, depositNonce: 2n });
    const { finding } = await commitForged(chain, block);
    expect(finding).toMatchObject({ kind: core.FraudKind.InvalidDeposit, reason: 'DepositOutOfOrder' });
    await expectConviction(chain, chain.calldata((finding as { proof: core.FraudProof }).proof), 2n, core.FraudKind.InvalidDeposit);
  });

  it('deposits out of order (4 before 3)', async () => {
    const chain = await fresh();
    const d3 = await chain.deposit(alice, bob.address, parseEther('1'));
    const d4 = await chain.deposit(alice, alice.address, parseEther('2'));
    const ts = await latestTimestamp(f.provider);
    const block = chain.forge([depositTx(chain, d4), depositTx(chain, d3)], [junk('a'), junk('b')], { timestamp: ts, depositNonce: 4n });
    const { finding } = await commitForged(chain, block);
    // the first fault: position 0 does not hold event 3
    expect(finding).toMatchObject({ kind: core.FraudKind.MissingDownEvent, txIndex: 0 });
    const proof = core.buildTransitionProof(block, 0, chain.head, chain.state, chain.ctx);
    expect(proof.fault).toBe(core.TransitionFault.DepositOutOfOrder);
    await expectConviction(chain, chain.calldata(proof), 2n, core.FraudKind.InvalidDeposit);
  });

  it('a deposit beyond the header\'s depositNonce', async () => {
    const chain = await fresh();
    const d3 = await chain.deposit(alice, alice.address, parseEther('1'));
    const ts = await latestTimestamp(f.provider);
    const tx = depositTx(chain, d3);
    const block = chain.forge([tx], postRootsOf(chain, [tx], ts), { timestamp: ts, depositNonce: 2n });
    const { finding } = await commitForged(chain, block);
    expect(finding).toMatchObject({ kind: core.FraudKind.InvalidDeposit, reason: 'DepositBeyondHeader' });
    await expectConviction(chain, chain.calldata((finding as { proof: core.FraudProof }).proof), 2n, core.FraudKind.InvalidDeposit);
  });
});

describe('MissingDownEvent', () => {
  it('a header that claims a deposit its first tx is not', async () => {
    const chain = await fresh();
    await chain.deposit(alice, alice.address, parseEther('1'));
    const ts = await latestTimestamp(f.provider);
    const tx = transfer(chain, alice, alice, bob, parseEther('1'));
    const block = chain.forge([tx], postRootsOf(chain, [tx], ts), { timestamp: ts, depositNonce: 3n });
    const { finding } = await commitForged(chain, block);
    expect(finding).toMatchObject({ kind: core.FraudKind.MissingDownEvent, txIndex: 0 });
    await expectConviction(chain, chain.calldata((finding as { proof: core.FraudProof }).proof), 2n, core.FraudKind.MissingDownEvent);
  });

  it('a header that claims a deposit at an empty position (the zero leaf)', async () => {
    const chain = await fresh();
    await chain.deposit(alice, alice.address, parseEther('1'));
    const ts = await latestTimestamp(f.provider);
    const block = chain.forge([], [], { timestamp: ts, depositNonce: 3n });
    const { finding } = await commitForged(chain, block);
    expect(finding).toMatchObject({ kind: core.FraudKind.MissingDownEvent, txIndex: 0 });
    const proof = (finding as { proof: core.MissingDownEventProof }).proof;
    expect(proof.tx.tx).toEqual(core.EMPTY_TX);
    await expectConviction(chain, chain.calldata(proof), 2n, core.FraudKind.MissingDownEvent);
  });
});

describe('MalformedTx', () => {
  it('a withdrawal with a recipient slot', async () => {
    const chain = await fresh();
    const ts = await latestTimestamp(f.provider);
    const w = chain.place(chain.sign(alice, { kind: core.TxKind.Withdraw, slot: 0, to: lowerAddr(alice), token: ETH, amount: 1n, nonce: 0n }), alice);
    const block = chain.forge([{ ...w, toSlot: 7 }], [junk('post')], { timestamp: ts });
    const { finding } = await commitForged(chain, block);
    expect(finding).toMatchObject({ kind: core.FraudKind.MalformedTx, txIndex: 0 });
    await expectConviction(chain, chain.calldata((finding as { proof: core.FraudProof }).proof), 2n, core.FraudKind.MalformedTx);
  });

  it('a kind above 13 (an unknown kind), after a valid transfer', async () => {
    const chain = await fresh();
    const ts = await latestTimestamp(f.provider);
    const t = transfer(chain, alice, alice, bob, 1n);
    const [post] = postRootsOf(chain, [t], ts);
    const block = chain.forge([t, { ...core.EMPTY_TX, kind: 14 as core.TxKind }], [post, post], { timestamp: ts });
    const { finding } = await commitForged(chain, block);
    expect(finding).toMatchObject({ kind: core.FraudKind.MalformedTx, txIndex: 1 });
    await expectConviction(chain, chain.calldata((finding as { proof: core.FraudProof }).proof), 2n, core.FraudKind.MalformedTx);
  });
});

describe('BadTimestamp', () => {
  it('a timestamp before the parent\'s', async () => {
    const chain = await fresh();
    const block = chain.forge([], [], { timestamp: chain.head!.timestamp - 1n });
    const { finding } = await commitForged(chain, block);
    expect(finding).toMatchObject({ kind: core.FraudKind.BadTimestamp });
    await expectConviction(chain, chain.calldata((finding as { proof: core.FraudProof }).proof), 2n, core.FraudKind.BadTimestamp);
  });

  it('a timestamp after the commit', async () => {
    const chain = await fresh();
    const block = chain.forge([], [], { timestamp: (await latestTimestamp(f.provider)) + 3_600n });
    await chain.commit(block, { valid: false });
    const commitTime = chain.windowEnds.get(2n)! - WINDOW;
    expect(core.findFraud(block, chain.head, chain.state, chain.ctx)).toBeUndefined(); // without the commit time
    const finding = core.findFraud(block, chain.head, chain.state, { ...chain.ctx, commitTime });
    expect(finding).toMatchObject({ kind: core.FraudKind.BadTimestamp });
    await expectConviction(chain, chain.calldata((finding as { proof: core.FraudProof }).proof), 2n, core.FraudKind.BadTimestamp);
  });
});

describe('Equivocation', () => {
  it('two headers signed for the committed height: rollback, slash, freeze (3-of-4 quorum, 4 validators)', async () => {
    const chain = await fresh();
    const ts = await latestTimestamp(f.provider);
    const h1 = chain.forge([], [], { timestamp: ts });
    const h2 = chain.forge([], [], { timestamp: ts + 1n });
    await chain.commit(h1, { valid: false });
    const proof = core.buildEquivocationProof(h1.header, chain.signatures(h1.header), h2.header, chain.signatures(h2.header, quorum.slice(1)), chain.head);
    await expectConviction(chain, chain.calldata(proof, chain.windows(2n)), 2n, core.FraudKind.Equivocation, 'AlreadyConvicted');
  });

  it('two headers signed above the head: slash and freeze without a rollback; then nothing left to convict', async () => {
    const chain = await fresh();
    const h1 = chain.forge([], [], { number: 5n, timestamp: 1n });
    const h2 = chain.forge([], [], { number: 5n, timestamp: 2n });
    const proof = core.buildEquivocationProof(h1.header, chain.signatures(h1.header), h2.header, chain.signatures(h2.header));
    const calldata = chain.calldata(proof, { windowEnd: 0n, prevWindowEnd: 0n });
    const receipt = await sendCall(challenger, f.rootAddress, calldata);
    const [proven] = eventsOf(root, receipt as never, 'FraudProven');
    expect([proven.number, proven.kind, proven.reward]).toEqual([5n, BigInt(core.FraudKind.Equivocation), BOND / 2n]);
    expect((await root.chainInfo(chain.chainId)).headNumber).toBe(1n);
    expect((await root.chainStatus(chain.chainId))[0]).toBe(BigInt(core.ChainStatus.FrozenFraud));
    await expectRevert(sendCall(challenger, f.rootAddress, calldata), 'AlreadyConvicted', [chain.chainId]);
  });

  it('refuses one header twice, a signature short of the quorum, and an outsider\'s quorum', async () => {
    const chain = await fresh();
    const h1 = chain.forge([], [], { timestamp: 1n });
    const h2 = chain.forge([], [], { timestamp: 2n });
    const same = { ...core.buildEquivocationProof(h1.header, chain.signatures(h1.header), h2.header, chain.signatures(h2.header)), header2: h1.header, signatures2: chain.signatures(h1.header) };
    await expectRevert(sendCall(challenger, f.rootAddress, chain.calldata(same, { windowEnd: 0n, prevWindowEnd: 0n })), 'NotFraud', [
      BigInt(core.FraudKind.Equivocation), core.bytesToHex(new TextEncoder().encode('SAME_HEADER'.padEnd(32, '\0'))),
    ]);
    const short = core.buildEquivocationProof(h1.header, chain.signatures(h1.header), h2.header, chain.signatures(h2.header, quorum.slice(0, 2)));
    await expectRevert(sendCall(challenger, f.rootAddress, chain.calldata(short, { windowEnd: 0n, prevWindowEnd: 0n })), 'NotEnoughSignatures', [2n, 3n]);
    const outsiders = core.buildEquivocationProof(h1.header, chain.signatures(h1.header), h2.header, chain.signatures(h2.header, [alice, bob, mallory]));
    await expectRevert(sendCall(challenger, f.rootAddress, chain.calldata(outsiders, { windowEnd: 0n, prevWindowEnd: 0n })), 'SignerNotValidator');
    expect((await root.chainStatus(chain.chainId))[0]).toBe(0n);
  });
});

describe('attacks on the proofs', () => {
  let chain: ChildChain;
  let block: core.Block;
  let proof: core.TransitionProof;

  beforeAll(async () => {
    chain = await fresh();
    const ts = await latestTimestamp(f.provider);
    block = chain.forge([transfer(chain, alice, alice, bob, parseEther('11'))], [junk('post')], { timestamp: ts });
    await chain.commit(block, { valid: false });
    proof = core.buildTransitionProof(block, 0, chain.head, chain.state, chain.ctx);
  });

  const submit = (p: core.FraudProof, windows?: core.ProofWindows) => sendCall(challenger, f.rootAddress, chain.calldata(p, windows));

  it('a proof against a valid tx: NotFraud', async () => {
    const valid = await fresh();
    const t = valid.sign(alice, { kind: core.TxKind.Transfer, slot: 0, to: lowerAddr(bob), token: ETH, amount: parseEther('1'), nonce: 0n });
    const b2 = valid.build(await latestTimestamp(f.provider), (b) => b.addSignedTx(t));
    const pre = new core.ChainState(valid.chainId);
    const b1 = valid.headers.get(1n)!;
    core.verifyBlock(chainBlock1(valid), null, pre, valid.ctx);
    await valid.commit(b2);
    expect(core.findFraud(b2, b1, pre, valid.ctx)).toBeUndefined();
    expect(() => core.buildTransitionProof(b2, 0, b1, pre, valid.ctx)).toThrow(/valid/);
    const p = core.buildTransitionProof(b2, 0, b1, pre, valid.ctx, { allowValid: true });
    await expectRevert(sendCall(challenger, f.rootAddress, valid.calldata(p)), 'NotFraud', [1n, core.bytesToHex(new TextEncoder().encode('TX_VALID'.padEnd(32, '\0')))]);
  });

  it('a wrong previous header', async () => {
    await expectRevert(submit({ ...proof, prev: { ...proof.prev, timestamp: proof.prev.timestamp + 1n } }), 'WrongPrevHeader', [2n]);
    await expectRevert(submit(proof, { ...chain.windows(2n), prevWindowEnd: chain.windows(2n).prevWindowEnd + 1n }), 'WrongPrevHeader', [2n]);
  });

  it('a header or windowEnd that was not committed', async () => {
    await expectRevert(submit({ ...proof, header: { ...proof.header, timestamp: proof.header.timestamp + 1n } }), 'UnknownCommitment', [chain.chainId, 2n]);
    await expectRevert(submit(proof, { ...chain.windows(2n), windowEnd: chain.windows(2n).windowEnd + 1n }), 'UnknownCommitment', [chain.chainId, 2n]);
  });

  it('a tx witness from another block', async () => {
    const fromBlock1 = core.txWitness(chainBlock1(chain), 0);
    await expectRevert(submit({ ...proof, tx: fromBlock1 }), 'TxNotInBlock', [0n]);
  });

  it('an account witness with a bad proof, or for another slot', async () => {
    const bad = { ...proof.accounts[0], proof: proof.accounts[0].proof.map((p, i) => (i === 3 ? junk('sibling') : p)) };
    await expectRevert(submit({ ...proof, accounts: [bad] }), 'InvalidAccountProof', [0n]);
    const rich = { ...proof.accounts[0], balance: parseEther('100') };
    await expectRevert(submit({ ...proof, accounts: [rich] }), 'InvalidAccountProof', [0n]);
    await expectRevert(submit({ ...proof, accounts: [{ ...proof.accounts[0], slot: 1 }] }), 'WrongWitnessSlot', [0n, 1n, 0n]);
    await expectRevert(submit({ ...proof, accounts: [] }), 'MissingAccountWitness', [0n]);
  });

  it('a pre-state that does not split into the given roots', async () => {
    await expectRevert(submit({ ...proof, ledgerRoot: junk('ledger') }), 'PreStateMismatch');
  });

  it('a kind no module proves', async () => {
    // Every kind 3-16 has its ledger module (docs/LEDGER-PROOFS.md); kind 17 is none (a malformed tx: proveMalformedTx).
    await expectRevert(submit({ ...proof, tx: { ...proof.tx, tx: { ...proof.tx.tx, kind: 17 as core.TxKind } } }), 'ProofKindNotSupported', [17n]);
  });

  it('after the challenge window: ChallengeWindowClosed, and the block is final', async () => {
    await increaseTime(f.provider, WINDOW);
    const windowEnd = chain.windowEnds.get(2n)!;
    const args = await expectRevert(submit(proof), 'ChallengeWindowClosed');
    expect(args[0]).toBe(windowEnd);
    expect((await root.chainStatus(chain.chainId))[0]).toBe(0n);
  });

  it('leaves the bystander chain\'s withdrawal payable after all of this', async () => {
    const exit = otherBlock.exits[0] as core.Exit;
    const before = (await root.subtreeBalance(other.chainId, ETH)) as bigint;
    await mined(root.finalizeWithdrawal(other.chainId, otherBlock.header, other.windowEnds.get(otherBlock.header.number)!, exit, 0n, core.exitProof(otherBlock, 0)));
    expect(await root.subtreeBalance(other.chainId, ETH)).toBe(before - parseEther('2'));
  });
});

/** Block 1 of a chain made by {@link fresh}, rebuilt from its deposits (the same bytes: BlockBuilder is deterministic). */
function chainBlock1(chain: ChildChain): core.Block {
  const state = new core.ChainState(chain.chainId);
  const b = new core.BlockBuilder({ parent: null, state, ctx: chain.ctx, timestamp: chain.headers.get(1n)!.timestamp });
  for (const nonce of [1n, 2n]) b.addDeposit(chain.deposits.get(nonce)!);
  const block = b.seal();
  expect(block.header).toEqual(chain.headers.get(1n));
  return block;
}
