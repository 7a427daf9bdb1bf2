/**
 * Edge events at the root (docs/EDGE.md "Root contract") against a real `hardhat node`: down events share the
 * deposits' nonce stream and record exactly core's `edgeDownRecord`; messages up are relayed from a real committed
 * block whose exit tree mixes token exits (`exitLeaf`) and message leaves (`edgeUpLeaf`), built with core's Merkle
 * tree, under the checks of finalizeWithdrawal and its spent set.
 */
import * as core from '@plasma-tree/core';
import { AbiCoder, Contract, Wallet, getAddress, id, keccak256, parseEther, toBeHex, zeroPadValue } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deployContract } from '../index.js';
import { ETH_TOKEN, ROOT_CHAIN_ID, ZERO_BYTES32, childChainId, hashDeposit, type ExitStruct, type HeaderStruct } from '../encoding.js';
import {
  eventsOf,
  expectRevert,
  header,
  increaseTime,
  latestTimestamp,
  mined,
  pack,
  rawCommitmentSigs,
  setup,
  sortBySigner,
  spawn,
  type Fixture,
} from './helpers.js';

const COUNTER_FN = core.edgeFunctionId('example/counter/v1');
const bytesOf = (n: number, seed = 0): core.Hex => core.bytesToHex(Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed + 1) & 0xff));
const lower = (a: string): core.Address => a.toLowerCase() as core.Address;
/** The time of the L1 block a receipt is in: what a down-stream record is stamped with. */
const timeOf = async (r: { blockNumber: number }) => BigInt((await f.provider.getBlock(r.blockNumber))!.timestamp);

let f: Fixture;
let root: Contract;
let alice: Wallet;
let bob: Wallet;
let carol: Wallet;
let quorum: Wallet[]; // 4 validators, threshold 3

beforeAll(async () => {
  f = await setup();
  root = f.root;
  [, alice, bob, carol] = f.wallets;
  quorum = f.wallets.slice(10, 14);
  await mined((f.token.connect(alice) as Contract).mint(alice.address, 1_000n));
  await mined((f.token.connect(alice) as Contract).approve(f.rootAddress, 1_000n));
});

afterAll(async () => {
  await f?.stop();
});

const as = (w: Wallet): Contract => root.connect(w) as Contract;

async function commitBlock(chainId: string, h: HeaderStruct): Promise<bigint> {
  const sigs = sortBySigner(await rawCommitmentSigs(quorum.slice(0, 3), f.domain, h));
  const [event] = eventsOf(root, await mined(root.commit(chainId, h, pack(sigs))), 'Committed');
  return event.windowEnd as bigint;
}

describe('sendEdgeEvent and sendMessage (down)', () => {
  let chainId: string;
  beforeAll(async () => {
    chainId = await spawn(root, quorum, 3);
  });

  it('records core.edgeDownRecord under the next nonce, interleaved with deposits, and emits the payload', async () => {
    const r1 = await mined(as(alice).depositETH(chainId, bob.address, { value: 5n })); // nonce 1

    const payload = bytesOf(33);
    expect(await as(bob).sendEdgeEvent.staticCall(chainId, COUNTER_FN, payload)).toBe(2n);
    const r2 = await mined(as(bob).sendEdgeEvent(chainId, COUNTER_FN, payload)); // nonce 2
    const [e2] = eventsOf(root, r2, 'EdgeEventSent');
    expect([e2.chainId, e2.nonce, e2.fn, e2.sender, e2.payload]).toEqual([chainId, 2n, COUNTER_FN, bob.address, payload]);
    expect(await root.depositRecord(chainId, 2n)).toBe(
      core.stampRecord(core.edgeDownRecord({ fn: COUNTER_FN, child: chainId as core.Hex, nonce: 2n, sender: lower(bob.address), payload }), await timeOf(r2)),
    );

    const data = bytesOf(5, 9);
    expect(await as(carol).sendMessage.staticCall(chainId, alice.address, data)).toBe(3n);
    const r3 = await mined(as(carol).sendMessage(chainId, alice.address, data)); // nonce 3
    const messagePayload = core.encodeMessagePayload({ target: lower(alice.address), data });
    const [e3] = eventsOf(root, r3, 'EdgeEventSent');
    expect([e3.chainId, e3.nonce, e3.fn, e3.sender, e3.payload]).toEqual([chainId, 3n, core.MESSAGE_FN, carol.address, messagePayload]);
    expect(await root.depositRecord(chainId, 3n)).toBe(
      core.stampRecord(core.edgeDownRecord({ fn: core.MESSAGE_FN, child: chainId as core.Hex, nonce: 3n, sender: lower(carol.address), payload: messagePayload }), await timeOf(r3)),
    );

    const r4 = await mined(as(alice).depositERC20(chainId, f.tokenAddress, carol.address, 7n)); // nonce 4
    expect(eventsOf(root, r4, 'Deposited')[0].nonce).toBe(4n);
    expect(await root.depositRecord(chainId, 1n)).toBe(
      core.stampRecord(hashDeposit({ chainId, nonce: 1n, from: alice.address, to: bob.address, token: ETH_TOKEN, amount: 5n }) as core.Hex, await timeOf(r1)),
    );
    expect(await root.depositRecord(chainId, 4n)).toBe(
      core.stampRecord(hashDeposit({ chainId, nonce: 4n, from: alice.address, to: carol.address, token: f.tokenAddress, amount: 7n }) as core.Hex, await timeOf(r4)),
    );
    expect((await root.chainInfo(chainId)).depositCount).toBe(4n);
    // events carry no value
    expect(await root.subtreeBalance(chainId, ETH_TOKEN)).toBe(5n);
    expect(await root.subtreeBalance(chainId, f.tokenAddress)).toBe(7n);
  });

  it('lets a block apply events like deposits: depositNonce may reach any nonce sent so far', async () => {
    const h = header({ chainId, number: 1n, depositNonce: 4n });
    await commitBlock(chainId, h);
    expect((await root.chainInfo(chainId)).headDepositNonce).toBe(4n);
  });

  it('takes payloads of 0 to MAX_EDGE_PAYLOAD bytes and refuses a longer one with PayloadTooLarge', async () => {
    const max = core.MAX_EDGE_PAYLOAD;
    for (const n of [0, 1, 32, max]) {
      const payload = bytesOf(n);
      const receipt = await mined(as(alice).sendEdgeEvent(chainId, COUNTER_FN, payload));
      const [event] = eventsOf(root, receipt, 'EdgeEventSent');
      expect(event.payload).toBe(payload);
      expect(await root.depositRecord(chainId, event.nonce)).toBe(
        core.stampRecord(core.edgeDownRecord({ fn: COUNTER_FN, child: chainId as core.Hex, nonce: event.nonce, sender: lower(alice.address), payload }), await timeOf(receipt)),
      );
    }
    const count = (await root.chainInfo(chainId)).depositCount as bigint;
    await expectRevert(as(alice).sendEdgeEvent(chainId, COUNTER_FN, bytesOf(max + 1)), 'PayloadTooLarge', [BigInt(max + 1), BigInt(max)]);
    // a message's limit is on its whole payload: 96 bytes of encoding, then the data padded to words
    await mined(as(alice).sendMessage(chainId, bob.address, bytesOf(max - 96)));
    await expectRevert(as(alice).sendMessage(chainId, bob.address, bytesOf(max - 95)), 'PayloadTooLarge', [BigInt(max + 32), BigInt(max)]);
    expect((await root.chainInfo(chainId)).depositCount).toBe(count + 1n);
  });

  it('refuses an unknown chain (after the payload size) and any value', async () => {
    const unknown = childChainId(ROOT_CHAIN_ID, 515_151n);
    await expectRevert(as(alice).sendEdgeEvent(unknown, COUNTER_FN, '0x01'), 'UnknownChain', [unknown]);
    await expectRevert(as(alice).sendMessage(unknown, bob.address, '0x'), 'UnknownChain', [unknown]);
    await expectRevert(as(alice).sendEdgeEvent(unknown, COUNTER_FN, bytesOf(4097)), 'PayloadTooLarge', [4097n, 4096n]);
    // non-payable: the contract itself refuses ETH (raw calls, past ethers' own check), with no error data
    const withValue = (name: string, args: unknown[]) =>
      f.provider.call({ from: alice.address, to: f.rootAddress, data: root.interface.encodeFunctionData(name, args), value: 1n });
    expect(await withValue('sendEdgeEvent', [chainId, COUNTER_FN, '0x']).catch((e) => e)).toMatchObject({ code: 'CALL_EXCEPTION', data: '0x' });
    expect(await withValue('sendMessage', [chainId, bob.address, '0x']).catch((e) => e)).toMatchObject({ code: 'CALL_EXCEPTION', data: '0x' });
  });

  it('shares the deposits\' overflow at 2^48 nonces', async () => {
    const full = await spawn(root, [quorum[0]], 1);
    const slot = await chainStateSlot(full);
    const state = BigInt(await f.provider.getStorage(f.rootAddress, slot));
    const maxCount = 2n ** 48n - 1n;
    const filled = (state & ~(maxCount << 152n)) | ((maxCount - 1n) << 152n);
    await f.provider.send('hardhat_setStorageAt', [f.rootAddress, slot, zeroPadValue(toBeHex(filled), 32)]);
    expect((await root.chainInfo(full)).depositCount).toBe(maxCount - 1n);

    await mined(as(alice).sendMessage(full, bob.address, '0x')); // takes the last nonce
    expect((await root.chainInfo(full)).depositCount).toBe(maxCount);
    await expectRevert(as(alice).sendEdgeEvent(full, COUNTER_FN, '0x'), 'Panic', [0x11n]);
    await expectRevert(as(alice).depositETH(full, bob.address, { value: 1n }), 'Panic', [0x11n]);
  });
});

/** The storage slot of `chainId`'s packed ChainState: the first slot of its Chain in the `_chains` mapping. */
async function chainStateSlot(chainId: string): Promise<string> {
  const coder = AbiCoder.defaultAbiCoder();
  for (let position = 0; position < 8; position++) {
    const slot = keccak256(coder.encode(['bytes32', 'uint256'], [chainId, position]));
    const value = BigInt(await f.provider.getStorage(f.rootAddress, slot));
    if (((value >> 232n) & 0xffn) !== 0n) return slot; // the threshold byte: set for every known chain
  }
  throw new Error('ChainState slot not found');
}

describe('relayMessage (up)', () => {
  let chainId: string;
  let h: HeaderStruct;
  let windowEnd: bigint;
  let tree: core.MerkleTree;
  let receiver: Contract;
  let receiverAddress: string;
  let reentrant: Contract;
  let reentrantAddress: string;

  interface Message {
    sender: string;
    target: string;
    data: core.Hex;
  }
  // index -> what the block's exit tree holds there
  const exits = new Map<number, ExitStruct>();
  const messages = new Map<number, Message>();

  beforeAll(async () => {
    chainId = await spawn(root, quorum, 3, 100n);
    await mined(as(alice).depositETH(chainId, alice.address, { value: parseEther('2') }));
    ({ address: receiverAddress, contract: receiver } = await deployContract(f.wallets[0], 'RecordingReceiver'));
    ({ address: reentrantAddress, contract: reentrant } = await deployContract(f.wallets[0], 'ReentrantReceiver'));

    exits.set(0, { recipient: bob.address, token: ETH_TOKEN, amount: parseEther('1') });
    messages.set(1, { sender: alice.address, target: receiverAddress, data: '0xdeadbeef' });
    messages.set(2, { sender: carol.address, target: receiverAddress, data: '0x' });
    exits.set(3, { recipient: carol.address, token: ETH_TOKEN, amount: parseEther('0.5') });
    messages.set(4, { sender: bob.address, target: reentrantAddress, data: bytesOf(32) });
    messages.set(5, { sender: bob.address, target: receiverAddress, data: bytesOf(100, 3) });
    messages.set(6, { sender: alice.address, target: getAddress(`0x${'5e'.repeat(20)}`), data: '0x' }); // no code there
    messages.set(7, { sender: alice.address, target: receiverAddress, data: '0x0102' });
    messages.set(8, { sender: carol.address, target: reentrantAddress, data: '0x' });
    messages.set(9, { sender: bob.address, target: receiverAddress, data: '0x09' });
    messages.set(300, { sender: carol.address, target: receiverAddress, data: bytesOf(33, 5) }); // another bitmap word

    const leaves: Uint8Array[] = Array.from({ length: 301 }, () => new Uint8Array(32));
    for (const [i, e] of exits) leaves[i] = core.exitLeaf({ recipient: lower(e.recipient), token: lower(e.token), amount: e.amount });
    for (const [i, m] of messages) leaves[i] = core.hexToBytes(messageLeaf(m));
    tree = new core.MerkleTree(leaves, 16);
    h = header({ chainId, number: 1n, depositNonce: 1n, exitRoot: core.bytesToHex(tree.root) });
    windowEnd = await commitBlock(chainId, h);
  });

  function messageLeaf(m: Message): core.Hex {
    const payload = core.encodeMessagePayload({ target: lower(m.target), data: m.data });
    return core.edgeUpLeaf({ fn: core.MESSAGE_FN, sourceChain: chainId as core.Hex, sender: lower(m.sender), payload });
  }

  const proof = (i: number): string[] => tree.proof(i).map((p) => core.bytesToHex(p));

  const relay = (
    i: number,
    over: Partial<Message> & { index?: bigint; proof?: string[]; h?: HeaderStruct; windowEnd?: bigint; chainId?: string } = {},
  ) => {
    const m = { ...messages.get(i)!, ...over };
    return as(carol).relayMessage( // anyone may relay: carol pays for everybody's messages here
      over.chainId ?? chainId,
      over.h ?? h,
      over.windowEnd ?? windowEnd,
      m.sender,
      m.target,
      m.data,
      over.index ?? BigInt(i),
      over.proof ?? proof(i),
    );
  };
  const relayData = (i: number): string => {
    const m = messages.get(i)!;
    return root.interface.encodeFunctionData('relayMessage', [chainId, h, windowEnd, m.sender, m.target, m.data, i, proof(i)]);
  };

  it('is refused while the challenge window is open, and for a block that was not committed', async () => {
    const args = await expectRevert(relay(1), 'ChallengeWindowOpen');
    expect(args[0]).toBe(windowEnd);
    expect(args[1] as bigint).toBeLessThan(windowEnd);
    await expectRevert(relay(1, { windowEnd: windowEnd + 1n }), 'UnknownCommitment', [chainId, 1n]);
    await expectRevert(relay(1, { h: { ...h, stateRoot: ZERO_BYTES32 } }), 'UnknownCommitment', [chainId, 1n]);
    await expectRevert(relay(1, { h: { ...h, number: 2n } }), 'UnknownCommitment', [chainId, 2n]);
    const unknown = childChainId(ROOT_CHAIN_ID, 626_262n);
    await expectRevert(relay(1, { chainId: unknown }), 'UnknownCommitment', [unknown, 1n]);
  });

  it('calls target.onPlasmaMessage(child, sender, data) once the window has passed, and only once', async () => {
    await increaseTime(f.provider, 100n);
    expect(await latestTimestamp(f.provider)).toBeGreaterThanOrEqual(windowEnd);

    const receipt = await mined(relay(1)); // carol relays alice's message
    expect(await receiver.callCount()).toBe(1n);
    const call = await receiver.callAt(0n);
    expect([call.caller, call.sourceChain, call.sender, call.data]).toEqual([f.rootAddress, chainId, alice.address, '0xdeadbeef']);
    const [event] = eventsOf(root, receipt, 'MessageRelayed');
    expect([event.chainId, event.number, event.index, event.sender, event.target]).toEqual([chainId, 1n, 1n, alice.address, receiverAddress]);
    expect(await root.isWithdrawn(chainId, 1n, 1n)).toBe(true);

    await expectRevert(relay(1), 'AlreadyWithdrawn', [chainId, 1n, 1n]);
    expect(await receiver.callCount()).toBe(1n);
  });

  it('delivers empty data and leaves in any bitmap word', async () => {
    await mined(relay(2));
    await mined(relay(300));
    expect(await receiver.callCount()).toBe(3n);
    const [empty, later] = [await receiver.callAt(1n), await receiver.callAt(2n)];
    expect([empty.sender, empty.data]).toEqual([carol.address, '0x']);
    expect([later.sender, later.data]).toEqual([carol.address, messages.get(300)!.data]);
    expect(await root.isWithdrawn(chainId, 1n, 300n)).toBe(true);
  });

  it('refuses a wrong proof, a wrong index and a forged sender, target or data', async () => {
    const m = messages.get(5)!;
    const bent = proof(5);
    bent[3] = id('not a sibling');
    await expectRevert(relay(5, { proof: bent }), 'InvalidExitProof', [chainId, 1n, 5n]);
    await expectRevert(relay(5, { proof: proof(4) }), 'InvalidExitProof', [chainId, 1n, 5n]);
    await expectRevert(relay(5, { index: 4n }), 'InvalidExitProof', [chainId, 1n, 4n]);
    await expectRevert(relay(5, { index: 7n }), 'InvalidExitProof', [chainId, 1n, 7n]);
    await expectRevert(relay(5, { sender: alice.address }), 'InvalidExitProof', [chainId, 1n, 5n]);
    await expectRevert(relay(5, { target: reentrantAddress }), 'InvalidExitProof', [chainId, 1n, 5n]);
    await expectRevert(relay(5, { data: `${m.data}00` as core.Hex }), 'InvalidExitProof', [chainId, 1n, 5n]);
    await expectRevert(relay(5, { index: 65_536n + 5n }), 'ExitIndexOutOfRange', [65_541n]);
    await expectRevert(relay(5, { proof: proof(5).slice(0, 15) }), 'BadProofLength', [15n, 16n]);
    expect(await root.isWithdrawn(chainId, 1n, 5n)).toBe(false);
  });

  it('keeps token exits and messages apart, in one spent set', async () => {
    const e = exits.get(0)!;
    // a token exit cannot be relayed as a message, whatever words are put in
    await expectRevert(relay(0, { sender: e.recipient, target: receiverAddress, data: '0x', proof: proof(0) }), 'InvalidExitProof', [chainId, 1n, 0n]);
    // a message cannot be finalized as a withdrawal
    const m = messages.get(5)!;
    const asExit: ExitStruct = { recipient: m.target, token: ETH_TOKEN, amount: 1n };
    await expectRevert(root.finalizeWithdrawal(chainId, h, windowEnd, asExit, 5n, proof(5)), 'InvalidExitProof', [chainId, 1n, 5n]);
    // the exit is still payable, the message still deliverable, each once
    await mined(root.finalizeWithdrawal(chainId, h, windowEnd, e, 0n, proof(0)));
    expect(await root.subtreeBalance(chainId, ETH_TOKEN)).toBe(parseEther('1'));
    await mined(relay(5));
    expect(await root.subtreeBalance(chainId, ETH_TOKEN)).toBe(parseEther('1')); // messages move no tokens
    expect(await root.isWithdrawn(chainId, 1n, 0n)).toBe(true);
    expect(await root.isWithdrawn(chainId, 1n, 5n)).toBe(true);
    await expectRevert(root.finalizeWithdrawal(chainId, h, windowEnd, e, 0n, proof(0)), 'AlreadyWithdrawn', [chainId, 1n, 0n]);
    await expectRevert(relay(5), 'AlreadyWithdrawn', [chainId, 1n, 5n]);
  });

  it('reverts with the receiver\'s error while it refuses, spends nothing, and delivers on a later retry', async () => {
    const before = (await receiver.callCount()) as bigint;
    await mined(receiver.setRefusing(true));
    await expectRevert(relay(7), 'MessageRefused', [chainId, alice.address]);
    expect(await root.isWithdrawn(chainId, 1n, 7n)).toBe(false);
    expect(await receiver.callCount()).toBe(before);

    await mined(receiver.setRefusing(false));
    await mined(relay(7));
    expect(await receiver.callCount()).toBe(before + 1n);
    const call = await receiver.callAt(before);
    expect([call.sourceChain, call.sender, call.data]).toEqual([chainId, alice.address, '0x0102']);
    expect(await root.isWithdrawn(chainId, 1n, 7n)).toBe(true);
  });

  it('reverts, spending nothing, for a target without code', async () => {
    // Solidity's code check before the call: empty revert data, every check of the root having passed
    await expect(relay(6)).rejects.toMatchObject({ code: 'CALL_EXCEPTION', data: '0x' });
    expect(await root.isWithdrawn(chainId, 1n, 6n)).toBe(false);
  });

  it('refuses a receiver that re-enters relayMessage; the message it tried stays deliverable', async () => {
    await mined(reentrant.arm(f.rootAddress, relayData(9)));
    await mined(relay(4));
    expect(await reentrant.reentered()).toBe(true);
    expect(await reentrant.reentrySucceeded()).toBe(false);
    expect(root.interface.parseError(await reentrant.reentryResult())?.name).toBe('ReentrancyGuardReentrantCall');
    expect(await root.isWithdrawn(chainId, 1n, 4n)).toBe(true);
    expect(await root.isWithdrawn(chainId, 1n, 9n)).toBe(false);
    await mined(relay(9));
    expect(await root.isWithdrawn(chainId, 1n, 9n)).toBe(true);
  });

  it('lets a receiver answer with a message down, sent in its own name', async () => {
    const count = (await root.chainInfo(chainId)).depositCount as bigint;
    const answer = root.interface.encodeFunctionData('sendMessage', [chainId, bob.address, '0xabcd']);
    await mined(reentrant.arm(f.rootAddress, answer));
    const relayed = await mined(relay(8));
    expect(await reentrant.reentrySucceeded()).toBe(true);
    const nonce = count + 1n;
    expect(AbiCoder.defaultAbiCoder().decode(['uint64'], await reentrant.reentryResult())[0]).toBe(nonce);
    const payload = core.encodeMessagePayload({ target: lower(bob.address), data: '0xabcd' });
    expect(await root.depositRecord(chainId, nonce)).toBe(
      core.stampRecord(core.edgeDownRecord({ fn: core.MESSAGE_FN, child: chainId as core.Hex, nonce, sender: lower(reentrantAddress), payload }), await timeOf(relayed)),
    );
  });
});
