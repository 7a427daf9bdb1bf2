/**
 * Stall limits and the escape hatch (docs/FRAUD.md §2, §4) against a real Hardhat node: a chain that stops committing
 * is frozen by anyone after its stall limit; the holders of a frozen chain's final head leave with escapeExit (once
 * per slot, capped by the subtree balance) and unapplied deposits go back with reclaimDeposit.
 */
import * as core from '@plasma-tree/core';
import { Contract, Wallet, parseEther } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChildChain, sendCall } from '../fraud-scenario.js';
import { eventsOf, expectRevert, increaseTime, latestTimestamp, mined, setup, type Fixture } from './helpers.js';

const WINDOW = 100n;
const STALL = 1_000n;
const DAY = 86_400n;
const BOND = parseEther('0.5');
const ETH = core.NATIVE_TOKEN;

let f: Fixture;
let root: Contract;
let alice: Wallet;
let bob: Wallet;
let carol: Wallet;
let relayer: Wallet;
let quorum: Wallet[];

beforeAll(async () => {
  f = await setup();
  root = f.root;
  [, alice, bob, carol] = f.wallets;
  relayer = f.wallets[7];
  quorum = f.wallets.slice(10, 14);
});

afterAll(async () => {
  await f?.stop();
});

const spawn = (stallLimit?: bigint) =>
  ChildChain.spawn({ root, provider: f.provider, validators: quorum, threshold: 3, window: WINDOW, bond: BOND, spawner: f.wallets[0], stallLimit });

/** Deposits 1 (alice 10 ETH) and 2 (bob 5 ETH) applied in block 1, committed. */
async function withBlock1(chain: ChildChain): Promise<core.Block> {
  await chain.deposit(alice, alice.address, parseEther('10'));
  await chain.deposit(bob, bob.address, parseEther('5'));
  const b1 = chain.build(await latestTimestamp(f.provider), (b) => chain.pendingDeposits(b));
  await chain.commit(b1);
  return b1;
}

describe('stall limit', () => {
  it('is set at spawn: DEFAULT_STALL_LIMIT, at least the challenge window, at most 30 days', async () => {
    expect(await root.DEFAULT_STALL_LIMIT()).toBe(7n * DAY);
    const chain = await spawn();
    expect(await root.stallLimit(chain.chainId)).toBe(7n * DAY);
    const long = await ChildChain.spawn({ root, provider: f.provider, validators: quorum, threshold: 3, window: 10n * DAY, bond: BOND, spawner: f.wallets[0] });
    expect(await root.stallLimit(long.chainId)).toBe(10n * DAY);
    expect(await root.stallLimit((await spawn(STALL)).chainId)).toBe(STALL);
    const addresses = quorum.map((v) => v.address);
    await expectRevert(root.spawnChainWithLimits(addresses, 3, WINDOW, WINDOW - 1n, { value: BOND }), 'BadStallLimit', [WINDOW - 1n, WINDOW, 30n * DAY]);
    await expectRevert(root.spawnChainWithLimits(addresses, 3, WINDOW, 30n * DAY + 1n, { value: BOND }), 'BadStallLimit', [30n * DAY + 1n, WINDOW, 30n * DAY]);
    await expectRevert(root.spawnChainWithLimits(addresses, 3, WINDOW, STALL, { value: BOND - BOND }), 'BondTooLow', [0n, parseEther('0.2')]);
  });

  it('freezes a chain only once its last activity is older than the limit; no slash', async () => {
    const fresh = await spawn(STALL);
    const spawnedAt = await latestTimestamp(f.provider);
    await expectRevert(root.freezeStalled(fresh.chainId), 'NotStalled'); // before any commit: counted from the spawn
    const chain = await spawn(STALL);
    await withBlock1(chain);
    const committedAt = chain.windowEnds.get(1n)! - WINDOW;
    await f.provider.send('evm_setNextBlockTimestamp', [Number(committedAt + STALL)]);
    await expectRevert(mined(root.freezeStalled(chain.chainId, { gasLimit: 200_000 })), 'NotStalled', [chain.chainId, committedAt, STALL, committedAt + STALL]);
    const receipt = await mined((root.connect(carol) as Contract).freezeStalled(chain.chainId));
    const [frozen] = eventsOf(root, receipt, 'ChainFrozen');
    expect([frozen.chainId, frozen.status]).toEqual([chain.chainId, 2n]);
    expect(await root.chainStatus(chain.chainId)).toEqual([2n, committedAt + STALL + 1n]);
    expect((await root.chainInfo(chain.chainId)).bond).toBe(BOND); // a stall is not fraud
    expect((await root.chainInfo(chain.chainId)).headNumber).toBe(1n);
    const next = chain.forge([], []);
    await expectRevert(root.commit(chain.chainId, next.header, chain.signatures(next.header)), 'ChainIsFrozen', [chain.chainId, 2n]);
    await expectRevert((root.connect(alice) as Contract).depositETH(chain.chainId, alice.address, { value: 1n }), 'ChainIsFrozen', [chain.chainId, 2n]);
    await expectRevert(root.freezeStalled(chain.chainId), 'ChainIsFrozen', [chain.chainId, 2n]);
    // the chain that never committed is counted from its spawn
    expect(await latestTimestamp(f.provider)).toBeGreaterThan(spawnedAt + STALL);
    await mined(root.freezeStalled(fresh.chainId));
    await expectRevert(root.freezeStalled(childOf(999n)), 'UnknownChain');
  });
});

describe('escape hatch', () => {
  let chain: ChildChain;
  let live: ChildChain;
  let head: core.Block;
  let deposit3: core.Deposit;

  beforeAll(async () => {
    live = await spawn(STALL);
    await withBlock1(live);
    chain = await spawn(STALL);
    head = await withBlock1(chain);
    deposit3 = await chain.deposit(carol, carol.address, parseEther('2')); // never applied
  });

  const escape = (slot: number, over: { header?: core.Header; windowEnd?: bigint; account?: Partial<core.AccountWitness> } = {}) => {
    const proof = core.buildEscapeExitProof(chain.state, slot);
    const account = { ...proof.account, ...over.account };
    return sendCall(relayer, f.rootAddress, core.encodeEscapeExitCall(chain.chainId, over.header ?? head.header, over.windowEnd ?? chain.windowEnds.get(1n)!, { ...proof, account }));
  };

  it('is refused on a live chain', async () => {
    const proof = core.buildEscapeExitProof(live.state, 0);
    await expectRevert(sendCall(relayer, f.rootAddress, core.encodeEscapeExitCall(live.chainId, live.head!, live.windowEnds.get(1n)!, proof)), 'ChainNotFrozen', [live.chainId]);
    await expectRevert(root.reclaimDeposit(live.chainId, 1n, alice.address, alice.address, ETH, parseEther('10')), 'ChainNotFrozen', [live.chainId]);
  });

  it('pays each holder of the final head once, from the subtree balance', async () => {
    await increaseTime(f.provider, STALL + 1n);
    await mined(root.freezeStalled(chain.chainId));
    const subtree = (await root.subtreeBalance(chain.chainId, ETH)) as bigint;
    expect(subtree).toBe(parseEther('17'));
    const before = await f.provider.getBalance(alice.address);
    const receipt = await escape(0);
    expect(await f.provider.getBalance(alice.address)).toBe(before + parseEther('10'));
    const [event] = eventsOf(root, receipt as never, 'EscapeExit');
    expect([event.chainId, event.slot, event.owner, event.token, event.amount]).toEqual([chain.chainId, 0n, alice.address, ETH, parseEther('10')]);
    expect(await root.isEscaped(chain.chainId, 0)).toBe(true);
    expect(await root.isEscaped(chain.chainId, 1)).toBe(false);
    expect(await root.subtreeBalance(chain.chainId, ETH)).toBe(subtree - parseEther('10'));
    await expectRevert(escape(0), 'AlreadyEscaped', [chain.chainId, 0n]);
  });

  it('refuses a block that is not the head, a wrong windowEnd, a forged account, an empty slot', async () => {
    const forged = chain.forge([], [], { number: 2n });
    await expectRevert(escape(1, { header: forged.header }), 'NotTheHead', [2n, 1n]);
    await expectRevert(escape(1, { windowEnd: chain.windowEnds.get(1n)! + 1n }), 'UnknownCommitment', [chain.chainId, 1n]);
    await expectRevert(escape(1, { account: { balance: parseEther('6') } }), 'InvalidAccountProof', [chain.chainId, 1n]);
    await expectRevert(escape(1, { account: { owner: carol.address.toLowerCase() as core.Address } }), 'InvalidAccountProof', [chain.chainId, 1n]);
    expect(() => core.buildEscapeExitProof(chain.state, 2)).toThrow(/holds nothing/);
    const empty = core.accountWitness(chain.state, 2);
    await expectRevert(sendCall(relayer, f.rootAddress, core.encodeEscapeExitCall(chain.chainId, head.header, chain.windowEnds.get(1n)!, { ledgerRoot: chain.state.ledger.root, account: empty })), 'ZeroAmount', []);
    const before = await f.provider.getBalance(bob.address);
    await escape(1);
    expect(await f.provider.getBalance(bob.address)).toBe(before + parseEther('5'));
  });

  it('returns a deposit the chain never applied to its depositor, once', async () => {
    const d = deposit3;
    await expectRevert(root.reclaimDeposit(chain.chainId, 1n, alice.address, alice.address, ETH, parseEther('10')), 'DepositApplied', [chain.chainId, 1n, 2n]);
    await expectRevert(root.reclaimDeposit(chain.chainId, 3n, d.from, d.to, ETH, parseEther('3')), 'UnknownDeposit', [chain.chainId, 3n]);
    await expectRevert(root.reclaimDeposit(chain.chainId, 4n, d.from, d.to, ETH, d.amount), 'UnknownDeposit', [chain.chainId, 4n]);
    const before = await f.provider.getBalance(carol.address);
    const receipt = await sendCall(relayer, f.rootAddress, core.encodeReclaimDepositCall(d));
    expect(await f.provider.getBalance(carol.address)).toBe(before + parseEther('2'));
    const [event] = eventsOf(root, receipt as never, 'DepositReclaimed');
    expect([event.chainId, event.nonce, event.from, event.token, event.amount]).toEqual([chain.chainId, 3n, carol.address, ETH, parseEther('2')]);
    await expectRevert(sendCall(relayer, f.rootAddress, core.encodeReclaimDepositCall(d)), 'UnknownDeposit', [chain.chainId, 3n]);
    expect(await root.subtreeBalance(chain.chainId, ETH)).toBe(0n); // everyone is out
    expect(await root.subtreeBalance(live.chainId, ETH)).toBe(parseEther('15')); // the other chain is untouched
  });
});

describe('escape from a chain frozen by a fraud proof', () => {
  it('waits for the rolled-back head to be final; deposits of the rolled-back block are reclaimable', async () => {
    const chain = await spawn(STALL);
    const b1 = await withBlock1(chain);
    const d3 = await chain.deposit(carol, carol.address, parseEther('1'));
    const forgedTx = core.placeDeposit(chain.state, { ...d3, amount: parseEther('50') });
    const b2 = chain.forge([forgedTx], [core.ZERO_BYTES32], { timestamp: await latestTimestamp(f.provider), depositNonce: 3n });
    await chain.commit(b2, { valid: false });
    const finding = core.findFraud(b2, chain.head, chain.state, chain.ctx);
    expect(finding).toMatchObject({ provable: true, kind: core.FraudKind.InvalidDeposit });
    await sendCall(relayer, f.rootAddress, chain.calldata((finding as { proof: core.FraudProof }).proof));
    expect((await root.chainInfo(chain.chainId)).headNumber).toBe(1n);

    const proof = core.buildEscapeExitProof(chain.state, 0);
    const call = core.encodeEscapeExitCall(chain.chainId, b1.header, chain.windowEnds.get(1n)!, proof);
    const args = await expectRevert(sendCall(relayer, f.rootAddress, call), 'ChallengeWindowOpen');
    expect(args[0]).toBe(chain.windowEnds.get(1n));
    // deposit 3 was applied only by the rolled-back block: it is in flight again
    await mined(root.reclaimDeposit(chain.chainId, 3n, d3.from, d3.to, ETH, d3.amount));
    await increaseTime(f.provider, WINDOW);
    const before = await f.provider.getBalance(alice.address);
    await sendCall(relayer, f.rootAddress, call);
    expect(await f.provider.getBalance(alice.address)).toBe(before + parseEther('10'));
  });

  it('caps what a lying final head can pay by the subtree balance', async () => {
    const chain = await spawn(STALL);
    const d1 = await chain.deposit(alice, alice.address, parseEther('1'));
    // The quorum credits alice 100 ETH for a 1 ETH deposit; nobody objects in time.
    const lie = new core.ChainState(chain.chainId);
    lie.accounts.put(0, { owner: d1.to, token: ETH, balance: parseEther('100'), nonce: 0n });
    const b1 = chain.forge([core.placeDeposit(lie, { ...d1, amount: parseEther('100') })], [lie.root], { timestamp: await latestTimestamp(f.provider), depositNonce: 1n });
    await chain.commit(b1);
    await increaseTime(f.provider, STALL + 1n);
    await mined(root.freezeStalled(chain.chainId));
    const call = core.encodeEscapeExitCall(chain.chainId, b1.header, chain.windowEnds.get(1n)!, core.buildEscapeExitProof(lie, 0));
    await expectRevert(sendCall(relayer, f.rootAddress, call), 'SubtreeBalanceExceeded', [chain.chainId, ETH, parseEther('100'), parseEther('1')]);
    expect(await root.isEscaped(chain.chainId, 0)).toBe(false);
  });
});

function childOf(index: bigint): string {
  return core.chainIdOf(core.ROOT_CHAIN_ID, index);
}
