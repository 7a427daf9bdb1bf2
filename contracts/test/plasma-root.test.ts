/**
 * PlasmaRoot against a real `hardhat node`: every revert path and the happy paths of the child registry, deposits,
 * commitments and withdrawals, including the subtree-balance cap against a lying validator quorum.
 */
import { Contract, MaxUint256, TypedDataEncoder, Wallet, getAddress, hexlify, parseEther, randomBytes, toBeHex, zeroPadValue } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rootMinBond } from '@plasma-tree/core';
import { deployContract, deployRoot } from '../index.js';
import {
  COMMITMENT_TYPES,
  ETH_TOKEN,
  FixedMerkleTree,
  ROOT_CHAIN_ID,
  ZERO_BYTES32,
  childChainId,
  commitmentRecord,
  hashDeposit,
  hashExit,
  hashHeader,
  plasmaDomain,
  stampRecord,
  type ExitStruct,
  type HeaderStruct,
} from '../encoding.js';
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
  word,
  type Fixture,
} from './helpers.js';

const randomAddresses = (n: number): string[] => Array.from({ length: n }, () => getAddress(hexlify(randomBytes(20))));
const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const ONE_DAY = 86_400n;

let f: Fixture;
let root: Contract;
let alice: Wallet;
let bob: Wallet;
let carol: Wallet;
let quorum: Wallet[]; // 4 validators, threshold 3
let solo: Wallet; // a 1-of-1 validator
let outsider: Wallet;

beforeAll(async () => {
  f = await setup();
  root = f.root;
  [, alice, bob, carol] = f.wallets;
  quorum = f.wallets.slice(10, 14);
  solo = f.wallets[14];
  outsider = f.wallets[15];
  // alice holds test tokens and lets the root pull them
  await mined((f.token.connect(alice) as Contract).mint(alice.address, parseEther('1000000')));
  await mined((f.token.connect(alice) as Contract).approve(f.rootAddress, MaxUint256));
});

afterAll(async () => {
  await f?.stop();
});

const asAlice = (): Contract => root.connect(alice) as Contract;

/** Signs `h` with `signers` (sorted by address) and commits it; returns the record data. */
async function commitBlock(chainId: string, signers: Wallet[], h: HeaderStruct) {
  const sigs = sortBySigner(await rawCommitmentSigs(signers, f.domain, h));
  const receipt = await mined(root.commit(chainId, h, pack(sigs)));
  const [event] = eventsOf(root, receipt, 'Committed');
  return { receipt, event, blockHash: hashHeader(h), windowEnd: event.windowEnd as bigint };
}

async function packedSigs(signers: Wallet[], h: HeaderStruct, domain = f.domain): Promise<string> {
  return pack(sortBySigner(await rawCommitmentSigs(signers, domain, h)));
}

describe('spawnChain', () => {
  it('registers a child whose id is keccak(abi.encode(0, index)) and stores its configuration', async () => {
    const before = (await root.childCount()) as bigint;
    const unsorted = [quorum[2], quorum[0], quorum[3], quorum[1]].map((w) => w.address);
    const receipt = await mined(root.spawnChain(unsorted, 3, ONE_DAY, { value: parseEther('1.5') }));
    const chainId = childChainId(ROOT_CHAIN_ID, before);
    const sorted = [...unsorted].sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1));

    const [event] = eventsOf(root, receipt, 'ChainSpawned');
    expect(event.chainId).toBe(chainId);
    expect(event.index).toBe(before);
    expect(event.spawner).toBe(f.wallets[0].address);
    expect([...event.validators]).toEqual(sorted);
    expect(event.threshold).toBe(3n);
    expect(event.challengeWindow).toBe(ONE_DAY);
    expect(event.bond).toBe(parseEther('1.5'));

    expect(await root.childCount()).toBe(before + 1n);
    expect(await root.childAt(before)).toBe(chainId);
    expect(await root.chainExists(chainId)).toBe(true);
    expect([...(await root.validators(chainId))]).toEqual(sorted);
    for (const v of quorum) expect(await root.isValidator(chainId, v.address)).toBe(true);
    expect(await root.isValidator(chainId, outsider.address)).toBe(false);

    const info = await root.chainInfo(chainId);
    expect(info.parentChainId).toBe(ROOT_CHAIN_ID);
    expect(info.index).toBe(before);
    expect(info.spawner).toBe(f.wallets[0].address);
    expect(info.bond).toBe(parseEther('1.5'));
    expect(info.threshold).toBe(3n);
    expect(info.challengeWindow).toBe(ONE_DAY);
    expect(info.validatorCount).toBe(4n);
    expect(info.headNumber).toBe(0n);
    expect(info.headWindowEnd).toBe(0n);
    expect(info.headDepositNonce).toBe(0n);
    expect(info.depositCount).toBe(0n);
    // The validator set lives in contract code at a CREATE2 address, not in storage.
    const store = await root.validatorSetAddress(chainId);
    expect((await f.provider.getCode(store)).length).toBe(2 + 2 * (1 + 4 * 32));
    expect(await root.pendingValidatorSet()).toEqual([]);
  });

  it('numbers children 0, 1, 2, ... and accepts the largest set and window', async () => {
    const index = (await root.childCount()) as bigint;
    // sorted input keeps the on-chain insertion sort linear (a reversed 256-set costs ~6M gas in all, still allowed)
    const many = randomAddresses(256).sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1));
    const id = await spawn(root, many, 200, 30n * ONE_DAY);
    expect(id).toBe(childChainId(ROOT_CHAIN_ID, index));
    expect((await root.validators(id)).length).toBe(256);
    expect(await spawn(root, [solo], 1)).toBe(childChainId(ROOT_CHAIN_ID, index + 1n));
  });

  it('rejects a bond below the minimum', async () => {
    const min = (await root.MIN_BOND()) as bigint;
    expect(min).toBe(parseEther('0.2'));
    await expectRevert(root.spawnChain([solo.address], 1, 100, { value: min - 1n }), 'BondTooLow', [min - 1n, min]);
  });

  it('scales the minimum with the threshold: MIN_BOND per started 32 signatures (half of it pays two quorums)', async () => {
    const min = (await root.MIN_BOND()) as bigint;
    const set = Array.from({ length: 64 }, () => Wallet.createRandom().address);
    for (const [threshold, minimum] of [[31, min], [32, 2n * min], [63, 2n * min], [64, 3n * min]] as const) {
      expect(rootMinBond(threshold)).toBe(minimum);
      await expectRevert(root.spawnChain(set, threshold, 100, { value: minimum - 1n }), 'BondTooLow', [minimum - 1n, minimum]);
    }
    const id = await root.spawnChain.staticCall(set, 64, 100, { value: 3n * min });
    await mined(root.spawnChain(set, 64, 100, { value: 3n * min }));
    expect((await root.chainInfo(id)).bond).toBe(3n * min);
  });

  it('rejects an empty, oversized, zero-address or duplicated validator set', async () => {
    const value = parseEther('0.2');
    await expectRevert(root.spawnChain([], 1, 100, { value }), 'EmptyValidatorSet', []);
    const tooMany = randomAddresses(257);
    await expectRevert(root.spawnChain(tooMany, 1, 100, { value }), 'TooManyValidators', [257n, 256n]);
    await expectRevert(root.spawnChain([solo.address, ETH_TOKEN], 1, 100, { value }), 'ZeroAddressValidator', []);
    await expectRevert(
      root.spawnChain([solo.address, outsider.address, solo.address], 2, 100, { value }),
      'DuplicateValidator',
      [solo.address],
    );
  });

  it('rejects a threshold of 0 or above the set size', async () => {
    const value = parseEther('0.2');
    await expectRevert(root.spawnChain([solo.address], 0, 100, { value }), 'BadThreshold', [0n, 1n]);
    await expectRevert(root.spawnChain([solo.address, outsider.address], 3, 100, { value }), 'BadThreshold', [3n, 2n]);
  });

  it('rejects a challenge window of 0 or above 30 days', async () => {
    const value = parseEther('0.2');
    const max = 30n * ONE_DAY;
    await expectRevert(root.spawnChain([solo.address], 1, 0, { value }), 'BadChallengeWindow', [0n, max]);
    await expectRevert(root.spawnChain([solo.address], 1, max + 1n, { value }), 'BadChallengeWindow', [max + 1n, max]);
  });

  it('answers UnknownChain for the views of an unknown chain', async () => {
    const unknown = childChainId(ROOT_CHAIN_ID, 999_999n);
    expect(await root.chainExists(unknown)).toBe(false);
    await expectRevert(root.chainInfo(unknown), 'UnknownChain', [unknown]);
    await expectRevert(root.validators(unknown), 'UnknownChain', [unknown]);
    expect(await root.isValidator(unknown, solo.address)).toBe(false);
  });
});

describe('deposits', () => {
  let chainId: string;
  beforeAll(async () => {
    chainId = await spawn(root, quorum, 3);
  });

  const timeOf = async (r: { blockNumber: number }) => BigInt((await f.provider.getBlock(r.blockNumber))!.timestamp);

  it('records ETH deposits with nonces 1, 2, ... and raises the subtree balance', async () => {
    const before = await f.provider.getBalance(f.rootAddress);
    const r1 = await mined(asAlice().depositETH(chainId, bob.address, { value: parseEther('1') }));
    const r2 = await mined(asAlice().depositETH(chainId, carol.address, { value: parseEther('2') }));
    const [e1] = eventsOf(root, r1, 'Deposited');
    const [e2] = eventsOf(root, r2, 'Deposited');
    expect([e1.chainId, e1.nonce, e1.from, e1.to, e1.token, e1.amount]).toEqual([
      chainId, 1n, alice.address, bob.address, ETH_TOKEN, parseEther('1'),
    ]);
    expect(e2.nonce).toBe(2n);
    // Each record is the depositHash stamped with its block's time (the skipped-deposit deadline counts from it).
    expect(await root.depositRecord(chainId, 1n)).toBe(
      stampRecord(hashDeposit({ chainId, nonce: 1n, from: alice.address, to: bob.address, token: ETH_TOKEN, amount: parseEther('1') }), await timeOf(r1)),
    );
    expect(await root.depositRecord(chainId, 2n)).toBe(
      stampRecord(hashDeposit({ chainId, nonce: 2n, from: alice.address, to: carol.address, token: ETH_TOKEN, amount: parseEther('2') }), await timeOf(r2)),
    );
    expect(await root.depositRecord(chainId, 3n)).toBe(ZERO_BYTES32);
    expect(await root.subtreeBalance(chainId, ETH_TOKEN)).toBe(parseEther('3'));
    expect(await f.provider.getBalance(f.rootAddress)).toBe(before + parseEther('3'));
    expect((await root.chainInfo(chainId)).depositCount).toBe(2n);
  });

  it('records ERC-20 deposits in the same nonce sequence and pulls the tokens', async () => {
    const before = (await f.token.balanceOf(f.rootAddress)) as bigint;
    const receipt = await mined(asAlice().depositERC20(chainId, f.tokenAddress, bob.address, 500n));
    const [event] = eventsOf(root, receipt, 'Deposited');
    expect([event.nonce, event.from, event.to, event.token, event.amount]).toEqual([3n, alice.address, bob.address, f.tokenAddress, 500n]);
    expect(await root.depositRecord(chainId, 3n)).toBe(
      stampRecord(hashDeposit({ chainId, nonce: 3n, from: alice.address, to: bob.address, token: f.tokenAddress, amount: 500n }), await timeOf(receipt)),
    );
    expect(await root.subtreeBalance(chainId, f.tokenAddress)).toBe(500n);
    expect(await root.subtreeBalance(chainId, ETH_TOKEN)).toBe(parseEther('3'));
    expect(await f.token.balanceOf(f.rootAddress)).toBe(before + 500n);
  });

  it('keeps nonces and balances per chain', async () => {
    const other = await spawn(root, [solo], 1);
    await mined(asAlice().depositETH(other, bob.address, { value: 7n }));
    expect(await root.depositRecord(other, 1n)).not.toBe(ZERO_BYTES32);
    expect(await root.subtreeBalance(other, ETH_TOKEN)).toBe(7n);
    expect((await root.chainInfo(chainId)).depositCount).toBe(3n);
  });

  it('rejects a zero amount, an unknown chain and a zero recipient', async () => {
    const unknown = childChainId(ROOT_CHAIN_ID, 424_242n);
    await expectRevert(asAlice().depositETH(chainId, bob.address, { value: 0n }), 'ZeroAmount', []);
    await expectRevert(asAlice().depositETH(unknown, bob.address, { value: 1n }), 'UnknownChain', [unknown]);
    await expectRevert(asAlice().depositETH(chainId, ETH_TOKEN, { value: 1n }), 'ZeroRecipient', []);
    await expectRevert(asAlice().depositERC20(chainId, f.tokenAddress, bob.address, 0n), 'ZeroAmount', []);
    await expectRevert(asAlice().depositERC20(unknown, f.tokenAddress, bob.address, 1n), 'UnknownChain', [unknown]);
    await expectRevert(asAlice().depositERC20(chainId, f.tokenAddress, ETH_TOKEN, 1n), 'ZeroRecipient', []);
  });

  it('sends ETH through depositETH only', async () => {
    await expectRevert(asAlice().depositERC20(chainId, ETH_TOKEN, bob.address, 1n), 'NotAnERC20', [ETH_TOKEN]);
    await expect(alice.sendTransaction({ to: f.rootAddress, value: 1n })).rejects.toThrow();
  });

  it('rejects a token pull that fails: no allowance, or no token contract at all', async () => {
    await expectRevert((root.connect(bob) as Contract).depositERC20(chainId, f.tokenAddress, bob.address, 1n), 'ERC20InsufficientAllowance', [
      f.rootAddress, 0n, 1n,
    ]);
    await expectRevert(asAlice().depositERC20(chainId, carol.address, bob.address, 1n), 'SafeERC20FailedOperation', [carol.address]);
    expect((await root.chainInfo(chainId)).depositCount).toBe(3n); // nothing recorded
  });
});

describe('commit', () => {
  let chainId: string;
  beforeAll(async () => {
    chainId = await spawn(root, quorum, 3, 100n);
    await mined(asAlice().depositETH(chainId, bob.address, { value: 10n }));
    await mined(asAlice().depositETH(chainId, bob.address, { value: 10n }));
  });

  it('stores one record per block with a 3-of-4 quorum and links blocks by parent hash', async () => {
    const h1 = header({ chainId, number: 1n, depositNonce: 1n });
    const c1 = await commitBlock(chainId, quorum.slice(0, 3), h1);
    const t1 = BigInt((await f.provider.getBlock(c1.receipt.blockNumber))!.timestamp);
    expect(c1.windowEnd).toBe(t1 + 100n);
    expect([c1.event.chainId, c1.event.number, c1.event.blockHash, c1.event.stateRoot, c1.event.exitRoot]).toEqual([
      chainId, 1n, c1.blockHash, h1.stateRoot, h1.exitRoot,
    ]);
    expect(await root.commitmentRecord(chainId, 1n)).toBe(commitmentRecord(c1.blockHash, c1.windowEnd));

    // a different 3 of the 4, and all 4 (more than the threshold is fine)
    const h2 = header({ chainId, number: 2n, parentHash: c1.blockHash, depositNonce: 2n });
    const c2 = await commitBlock(chainId, quorum.slice(1), h2);
    const h3 = header({ chainId, number: 3n, parentHash: c2.blockHash, depositNonce: 2n });
    const c3 = await commitBlock(chainId, quorum, h3);
    expect(await root.commitmentRecord(chainId, 3n)).toBe(commitmentRecord(c3.blockHash, c3.windowEnd));

    const info = await root.chainInfo(chainId);
    expect([info.headNumber, info.headWindowEnd, info.headDepositNonce, info.depositCount]).toEqual([3n, c3.windowEnd, 2n, 2n]);
    expect([info.threshold, info.challengeWindow, info.validatorCount]).toEqual([3n, 100n, 4n]);
  });

  describe('rejections', () => {
    let head: HeaderStruct;
    let headHash: string;
    beforeAll(async () => {
      const info = await root.chainInfo(chainId);
      expect(info.headNumber).toBe(3n);
      // rebuild block 3 exactly as committed above
      const h1 = header({ chainId, number: 1n, depositNonce: 1n });
      const h2 = header({ chainId, number: 2n, parentHash: hashHeader(h1), depositNonce: 2n });
      head = header({ chainId, number: 3n, parentHash: hashHeader(h2), depositNonce: 2n });
      headHash = hashHeader(head);
    });
    const next = (over: Partial<HeaderStruct> = {}): HeaderStruct =>
      header({ chainId, number: 4n, parentHash: headHash, depositNonce: 2n, ...over });

    it('an unknown chain', async () => {
      const unknown = childChainId(ROOT_CHAIN_ID, 777_777n);
      const h = header({ chainId: unknown, number: 1n });
      await expectRevert(root.commit(unknown, h, await packedSigs(quorum.slice(0, 3), h)), 'UnknownChain', [unknown]);
    });

    it('a header of another chain', async () => {
      const other = childChainId(ROOT_CHAIN_ID, 888_888n);
      const h = next({ chainId: other });
      await expectRevert(root.commit(chainId, h, await packedSigs(quorum.slice(0, 3), h)), 'ChainIdMismatch', [chainId, other]);
    });

    it('a block number other than head + 1', async () => {
      for (const n of [3n, 5n, 0n]) {
        const h = next({ number: n });
        await expectRevert(root.commit(chainId, h, await packedSigs(quorum.slice(0, 3), h)), 'WrongBlockNumber', [4n, n]);
      }
    });

    it('a parent hash that is not the head (and a non-zero parent for block 1)', async () => {
      const h = next({ parentHash: hashHeader({ ...head, timestamp: head.timestamp + 1n }) });
      await expectRevert(root.commit(chainId, h, await packedSigs(quorum.slice(0, 3), h)), 'WrongParentHash', [4n, h.parentHash]);
      const fresh = await spawn(root, [solo], 1);
      const b1 = header({ chainId: fresh, number: 1n, parentHash: word(1n) });
      await expectRevert(root.commit(fresh, b1, await packedSigs([solo], b1)), 'WrongParentHash', [1n, word(1n)]);
    });

    it('a deposit nonce below the head or above the deposit count', async () => {
      const low = next({ depositNonce: 1n });
      await expectRevert(root.commit(chainId, low, await packedSigs(quorum.slice(0, 3), low)), 'DepositNonceOutOfRange', [1n, 2n, 2n]);
      const high = next({ depositNonce: 3n });
      await expectRevert(root.commit(chainId, high, await packedSigs(quorum.slice(0, 3), high)), 'DepositNonceOutOfRange', [3n, 2n, 2n]);
    });

    it('a signature blob whose length is not a multiple of 65', async () => {
      const h = next();
      const sigs = await packedSigs(quorum.slice(0, 3), h);
      await expectRevert(root.commit(chainId, h, sigs.slice(0, -2)), 'BadSignaturesLength', [194n]);
    });

    it('fewer signatures than the threshold', async () => {
      const h = next();
      await expectRevert(root.commit(chainId, h, await packedSigs(quorum.slice(0, 2), h)), 'NotEnoughSignatures', [2n, 3n]);
      await expectRevert(root.commit(chainId, h, '0x'), 'NotEnoughSignatures', [0n, 3n]);
    });

    it('a v other than 27 or 28', async () => {
      const h = next();
      const sigs = sortBySigner(await rawCommitmentSigs(quorum.slice(0, 3), f.domain, h));
      for (const v of [0, 1, 29]) {
        sigs[1] = { ...sigs[1], v };
        await expectRevert(root.commit(chainId, h, pack(sigs)), 'SignatureBadV', [1n, BigInt(v)]);
      }
    });

    it('a malleable high-s twin of a valid signature', async () => {
      const h = next();
      const sigs = sortBySigner(await rawCommitmentSigs(quorum.slice(0, 3), f.domain, h));
      const s = BigInt(sigs[2].s);
      sigs[2] = { ...sigs[2], s: zeroPadValue(toBeHex(SECP256K1_N - s), 32), v: sigs[2].v === 27 ? 28 : 27 };
      await expectRevert(root.commit(chainId, h, pack(sigs)), 'SignatureHighS', [2n]);
    });

    it('a signature that recovers no address', async () => {
      const h = next();
      const sigs = sortBySigner(await rawCommitmentSigs(quorum.slice(0, 3), f.domain, h));
      sigs[0] = { ...sigs[0], r: ZERO_BYTES32 };
      await expectRevert(root.commit(chainId, h, pack(sigs)), 'InvalidSignature', [0n]);
    });

    it('signers out of ascending order, or the same signer twice', async () => {
      const h = next();
      const sigs = sortBySigner(await rawCommitmentSigs(quorum.slice(0, 3), f.domain, h));
      await expectRevert(root.commit(chainId, h, pack([sigs[1], sigs[0], sigs[2]])), 'SignersNotSorted', [1n, sigs[1].signer, sigs[0].signer]);
      await expectRevert(root.commit(chainId, h, pack([sigs[0], sigs[0], sigs[1]])), 'SignersNotSorted', [1n, sigs[0].signer, sigs[0].signer]);
    });

    it('a signer outside the validator set', async () => {
      const h = next();
      const sigs = sortBySigner(await rawCommitmentSigs([...quorum.slice(0, 2), outsider], f.domain, h));
      const at = sigs.findIndex((s) => s.signer === outsider.address);
      await expectRevert(root.commit(chainId, h, pack(sigs)), 'SignerNotValidator', [BigInt(at), outsider.address]);
    });

    it('a signature replayed from another chain with the same validator', async () => {
      const a = await spawn(root, [solo], 1);
      const b = await spawn(root, [solo], 1);
      const hb = header({ chainId: b, number: 1n });
      const sigB = await packedSigs([solo], hb);
      await expectRevert(root.commit(a, hb, sigB), 'ChainIdMismatch', [a, b]);
      // the same block contents relabelled for chain a: the signed message names chain b, so the signer is garbage
      const args = await expectRevert(root.commit(a, { ...hb, chainId: a }, sigB), 'SignerNotValidator');
      expect(args[1]).not.toBe(solo.address);
      await mined(root.commit(b, hb, sigB)); // where it belongs, it is fine
    });

    it('a signature made for another root contract (another EIP-712 domain)', async () => {
      const { address: otherRoot } = await deployRoot(f.wallets[0]);
      const a = await spawn(root, [solo], 1);
      const h = header({ chainId: a, number: 1n });
      const sig = await packedSigs([solo], h, plasmaDomain(31337n, otherRoot));
      await expectRevert(root.commit(a, h, sig), 'SignerNotValidator');
    });

    it('leaves the head untouched after all of these', async () => {
      const info = await root.chainInfo(chainId);
      expect(info.headNumber).toBe(3n);
      await commitBlock(chainId, quorum.slice(0, 3), next());
    });
  });
});

describe('finalizeWithdrawal', () => {
  let chainId: string;
  let h: HeaderStruct;
  let windowEnd: bigint;
  let tree: FixedMerkleTree;
  let rejecter: string;
  let reentrant: Contract;
  const exits: ExitStruct[] = [];

  beforeAll(async () => {
    chainId = await spawn(root, quorum, 3, 100n);
    await mined(asAlice().depositETH(chainId, alice.address, { value: parseEther('3') }));
    await mined(asAlice().depositERC20(chainId, f.tokenAddress, alice.address, parseEther('100')));
    rejecter = (await deployContract(f.wallets[0], 'EthRejecter')).address;
    reentrant = (await deployContract(f.wallets[0], 'ReentrantRecipient')).contract;
    exits.push(
      { recipient: bob.address, token: ETH_TOKEN, amount: parseEther('1') }, // 0
      { recipient: carol.address, token: f.tokenAddress, amount: parseEther('40') }, // 1
      { recipient: rejecter, token: ETH_TOKEN, amount: parseEther('0.1') }, // 2
      { recipient: bob.address, token: ETH_TOKEN, amount: 0n }, // 3
      { recipient: await reentrant.getAddress(), token: ETH_TOKEN, amount: parseEther('0.2') }, // 4
      { recipient: carol.address, token: ETH_TOKEN, amount: parseEther('0.3') }, // 5
    );
    tree = new FixedMerkleTree(exits.map(hashExit));
    h = header({ chainId, number: 1n, depositNonce: 2n, exitRoot: tree.root });
    ({ windowEnd } = await commitBlock(chainId, quorum.slice(0, 3), h));
  });

  const finalize = (i: number, over: { exit?: ExitStruct; index?: bigint; proof?: string[]; h?: HeaderStruct; windowEnd?: bigint; chainId?: string } = {}) =>
    root.finalizeWithdrawal(
      over.chainId ?? chainId,
      over.h ?? h,
      over.windowEnd ?? windowEnd,
      over.exit ?? exits[i],
      over.index ?? BigInt(i),
      over.proof ?? tree.proof(i),
    );

  it('is refused while the challenge window is open', async () => {
    const args = await expectRevert(finalize(0), 'ChallengeWindowOpen');
    expect(args[0]).toBe(windowEnd);
    expect(args[1] as bigint).toBeLessThan(windowEnd);
  });

  it('pays an ETH exit once the window has passed, and only once', async () => {
    await increaseTime(f.provider, 100n);
    expect(await latestTimestamp(f.provider)).toBeGreaterThanOrEqual(windowEnd);
    const before = await f.provider.getBalance(bob.address);
    const receipt = await mined((root.connect(carol) as Contract).finalizeWithdrawal(chainId, h, windowEnd, exits[0], 0n, tree.proof(0)));
    expect(await f.provider.getBalance(bob.address)).toBe(before + parseEther('1')); // carol paid the gas, bob got the ETH
    const [event] = eventsOf(root, receipt, 'WithdrawalFinalized');
    expect([event.chainId, event.number, event.index, event.recipient, event.token, event.amount]).toEqual([
      chainId, 1n, 0n, bob.address, ETH_TOKEN, parseEther('1'),
    ]);
    expect(await root.isWithdrawn(chainId, 1n, 0n)).toBe(true);
    expect(await root.isWithdrawn(chainId, 1n, 1n)).toBe(false);
    expect(await root.subtreeBalance(chainId, ETH_TOKEN)).toBe(parseEther('2'));
    await expectRevert(finalize(0), 'AlreadyWithdrawn', [chainId, 1n, 0n]);
  });

  it('pays an ERC-20 exit', async () => {
    const before = (await f.token.balanceOf(carol.address)) as bigint;
    await mined(finalize(1));
    expect(await f.token.balanceOf(carol.address)).toBe(before + parseEther('40'));
    expect(await root.subtreeBalance(chainId, f.tokenAddress)).toBe(parseEther('60'));
    await expectRevert(finalize(1), 'AlreadyWithdrawn', [chainId, 1n, 1n]);
  });

  it('refuses a forged exit: changed amount, recipient, token, or a proof for another index', async () => {
    for (const exit of [
      { ...exits[5], amount: exits[5].amount + 1n },
      { ...exits[5], recipient: alice.address },
      { ...exits[5], token: f.tokenAddress },
    ]) {
      await expectRevert(finalize(5, { exit }), 'InvalidExitProof', [chainId, 1n, 5n]);
    }
    await expectRevert(finalize(5, { index: 4n }), 'InvalidExitProof', [chainId, 1n, 4n]);
    const otherTree = new FixedMerkleTree([hashExit({ ...exits[5], amount: parseEther('2') })]);
    await expectRevert(finalize(5, { exit: { ...exits[5], amount: parseEther('2') }, index: 0n, proof: otherTree.proof(0) }), 'InvalidExitProof', [
      chainId, 1n, 0n,
    ]);
  });

  it('refuses an index of 2^16 or more (it would alias index mod 2^16) and a proof of the wrong length', async () => {
    await expectRevert(finalize(5, { index: 65_536n + 5n }), 'ExitIndexOutOfRange', [65_541n]);
    await expectRevert(finalize(5, { proof: tree.proof(5).slice(0, 15) }), 'BadProofLength', [15n, 16n]);
    await expectRevert(finalize(5, { proof: [...tree.proof(5), ZERO_BYTES32] }), 'BadProofLength', [17n, 16n]);
    expect(await root.isWithdrawn(chainId, 1n, 65_541n)).toBe(false);
  });

  it('refuses a header, windowEnd, block or chain that was not committed', async () => {
    await expectRevert(finalize(5, { windowEnd: windowEnd + 1n }), 'UnknownCommitment', [chainId, 1n]);
    await expectRevert(finalize(5, { h: { ...h, timestamp: h.timestamp + 1n } }), 'UnknownCommitment', [chainId, 1n]);
    await expectRevert(finalize(5, { h: { ...h, number: 2n } }), 'UnknownCommitment', [chainId, 2n]);
    await expectRevert(finalize(5, { h: { ...h, number: 0n } }), 'UnknownCommitment', [chainId, 0n]);
    const unknown = childChainId(ROOT_CHAIN_ID, 31_337n);
    await expectRevert(finalize(5, { chainId: unknown }), 'UnknownCommitment', [unknown, 1n]);
  });

  it('refuses a zero-amount exit', async () => {
    await expectRevert(finalize(3), 'ZeroAmount', []);
  });

  it('reverts with EthTransferFailed when the recipient refuses ETH, and leaves the exit claimable', async () => {
    await expectRevert(finalize(2), 'EthTransferFailed', [rejecter, parseEther('0.1')]);
    expect(await root.isWithdrawn(chainId, 1n, 2n)).toBe(false);
  });

  it('stops a recipient that re-enters during its payout', async () => {
    const inner = root.interface.encodeFunctionData('finalizeWithdrawal', [chainId, h, windowEnd, exits[5], 5n, tree.proof(5)]);
    await mined(reentrant.arm(f.rootAddress, inner));
    const before = await f.provider.getBalance(await reentrant.getAddress());
    await mined(finalize(4));
    expect(await f.provider.getBalance(await reentrant.getAddress())).toBe(before + parseEther('0.2'));
    expect(await reentrant.reentered()).toBe(true);
    expect(await reentrant.reentrySucceeded()).toBe(false);
    expect(root.interface.parseError(await reentrant.reentryResult())?.name).toBe('ReentrancyGuardReentrantCall');
    expect(await root.isWithdrawn(chainId, 1n, 5n)).toBe(false);
    await mined(finalize(5)); // still claimable normally
    expect(await root.isWithdrawn(chainId, 1n, 5n)).toBe(true);
  });

  it('never pays a chain more than its subtree holds, even when its whole quorum signs a lie', async () => {
    const liar = await spawn(root, quorum, 3, 100n);
    await mined(asAlice().depositETH(liar, alice.address, { value: parseEther('1') }));
    const mallory = outsider.address;
    const lies: ExitStruct[] = [
      { recipient: mallory, token: ETH_TOKEN, amount: parseEther('5') }, // more than was ever deposited into `liar`
      { recipient: mallory, token: f.tokenAddress, amount: 1n }, // a token `liar` never received
      { recipient: mallory, token: ETH_TOKEN, amount: parseEther('1') }, // exactly its own deposits
    ];
    const lieTree = new FixedMerkleTree(lies.map(hashExit));
    const lie = header({ chainId: liar, number: 1n, depositNonce: 1n, exitRoot: lieTree.root });
    const { windowEnd: lieEnd } = await commitBlock(liar, quorum.slice(0, 3), lie);
    await increaseTime(f.provider, 100n);

    const rootEth = await f.provider.getBalance(f.rootAddress);
    expect(rootEth).toBeGreaterThan(parseEther('5')); // the contract could pay: only the cap stops it
    const claim = (i: number) => root.finalizeWithdrawal(liar, lie, lieEnd, lies[i], BigInt(i), lieTree.proof(i));
    await expectRevert(claim(0), 'SubtreeBalanceExceeded', [liar, ETH_TOKEN, parseEther('5'), parseEther('1')]);
    await expectRevert(claim(1), 'SubtreeBalanceExceeded', [liar, f.tokenAddress, 1n, 0n]);
    // the worst a lying quorum can do is take its own chain's deposits; other chains keep theirs
    const otherEth = (await root.subtreeBalance(chainId, ETH_TOKEN)) as bigint;
    await mined(claim(2));
    expect(await root.subtreeBalance(liar, ETH_TOKEN)).toBe(0n);
    expect(await root.subtreeBalance(chainId, ETH_TOKEN)).toBe(otherEth);
    expect(await f.provider.getBalance(f.rootAddress)).toBe(rootEth - parseEther('1'));
  });
});

describe('EIP-712 views', () => {
  it('exposes the domain separator and the commitment digest validators sign', async () => {
    expect(await root.domainSeparator()).toBe(TypedDataEncoder.hashDomain(f.domain));
    const message = { chainId: childChainId(ROOT_CHAIN_ID, 1n), number: 9n, blockHash: word(123n) };
    expect(await root.commitmentDigest(message.chainId, message.number, message.blockHash)).toBe(
      TypedDataEncoder.hash(f.domain, COMMITMENT_TYPES, message),
    );
    const domain = await root.eip712Domain();
    expect([domain.name, domain.version, domain.chainId, domain.verifyingContract]).toEqual(['PlasmaTree', '1', 31337n, f.rootAddress]);
  });
});
