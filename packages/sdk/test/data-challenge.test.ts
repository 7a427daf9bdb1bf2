/**
 * DataChallengeClient against a real Hardhat L1 (docs/FRAUD.md §9): a block whose data nobody has is challenged by a
 * holder with the SDK, refused what the module refuses before anything is sent, and convicted once the deadline passed
 * with nothing published.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JsonRpcProvider, Wallet, parseEther } from 'ethers';
import { deployRoot, startTestL1, type HardhatNode } from '@plasma-tree/contracts';
import { FraudKind, PlasmaError, commitmentDigest, hashHeader, keccak256, bytesToHex, plasmaDomain, secp256k1Scheme, type Address, type ChainId, type Header, type Hex } from '@plasma-tree/core';
import { DataChallengeClient, spawnChain } from '../src/index.js';
import { plasmaRoot } from '../src/l1.js';
import { rejection } from './helpers.js';

const WINDOW = 40;

let hh: HardhatNode;
let provider: JsonRpcProvider;
let root: Address;
let chainId: ChainId;
let validator: Wallet;
let holder: Wallet;


const word = (label: string) => bytesToHex(keccak256(new TextEncoder().encode(label))) as Hex;

/** Commits block `number` on PlasmaRoot with roots nobody has the data of (the validator keeps it to itself). */
async function commitWithheld(number: bigint, parent: Header | null): Promise<Header> {
  const latest = await provider.getBlock('latest');
  const header: Header = {
    chainId, number, parentHash: parent ? hashHeader(parent) : (`0x${'00'.repeat(32)}` as Hex), txRoot: word(`txs ${number}`),
    stateRoot: word(`state ${number}`), exitRoot: word(`exits ${number}`), depositNonce: 0n, timestamp: BigInt(latest!.timestamp),
  };
  const digest = commitmentDigest(plasmaDomain(31337n, root), chainId, number, hashHeader(header));
  const signature = secp256k1Scheme.sign(digest, validator.privateKey as Hex);
  await (await (plasmaRoot(root, validator) as any).commit(chainId, header, signature)).wait();
  return header;
}

beforeAll(async () => {
  hh = await startTestL1();
  provider = new JsonRpcProvider(hh.url, undefined, { cacheTimeout: -1 });
  const deployer = new Wallet(hh.accounts[0].privateKey, provider);
  holder = new Wallet(hh.accounts[1].privateKey, provider);
  validator = new Wallet(hh.accounts[2].privateKey, provider);
  root = (await deployRoot(deployer)).address.toLowerCase() as Address;
  chainId = (await spawnChain(deployer, root, { validators: [validator.address], threshold: 1, challengeWindow: WINDOW, bond: parseEther('0.2') })).chainId;
});

afterAll(async () => {
  provider?.destroy();
  await hh?.stop();
});

describe('DataChallengeClient', () => {
  it('challenges a withheld block, is refused what the module refuses, and resolves it into a conviction after the deadline', async () => {
    const b1 = await commitWithheld(1n, null);
    const b2 = await commitWithheld(2n, b1);
    const client = new DataChallengeClient({ l1: holder, rootContract: root, pollMs: 20 });

    const before = await client.status(chainId, 2);
    expect(before).toMatchObject({ number: 2, published: false, status: 'none', canChallenge: true, canResolve: false, canReclaim: false });
    expect(before.challengeBefore).toBe(before.windowEnd - WINDOW / 2);
    expect(hashHeader(b2)).toBe(((await plasmaRoot(root, provider).queryFilter(plasmaRoot(root, provider).filters.Committed(chainId, 2)))[0] as any).args.blockHash.toLowerCase());

    const balance = await provider.getBalance(holder.address);
    const { txHash, deadline } = await client.challenge(chainId, 2);
    const receipt = await provider.getTransactionReceipt(txHash);
    // The bond (0.2 ETH) left the holder with the gas.
    expect(balance - (await provider.getBalance(holder.address))).toBe(parseEther('0.2') + receipt!.gasUsed * receipt!.gasPrice);
    const open = await client.status(chainId, 2);
    expect(open).toMatchObject({ status: 'open', challenger: holder.address.toLowerCase(), deadline, canChallenge: false, canResolve: false });
    expect(deadline - Number((await provider.getBlock(receipt!.blockNumber))!.timestamp)).toBe(WINDOW / 4);

    // Refused before anything is sent: a second challenge, a resolution before the deadline, an unknown block, no signer.
    const sent = await provider.getTransactionCount(holder.address);
    expect((await rejection(client.challenge(chainId, 2))).code).toBe('ALREADY_CHALLENGED');
    expect((await rejection(client.resolve(chainId, 2))).code).toBe('RESPONSE_WINDOW_OPEN');
    expect((await rejection(client.reclaim(chainId, 2))).code).toBe('CHALLENGE_STILL_RESOLVABLE');
    expect((await rejection(client.status(chainId, 7))).code).toBe('UNKNOWN_COMMITMENT');
    expect((await rejection(new DataChallengeClient({ l1: provider, rootContract: root }).challenge(chainId, 1))).code).toBe('NO_SIGNER');
    expect(await provider.getTransactionCount(holder.address)).toBe(sent);

    // Nothing published by the deadline: anyone resolves it; block 2 is convicted (kind 8), the chain frozen at 1.
    await provider.send('evm_increaseTime', [WINDOW / 4 + 1]);
    await provider.send('evm_mine', []);
    expect(await client.status(chainId, 2)).toMatchObject({ status: 'open', canResolve: true });
    const resolver = new DataChallengeClient({ l1: validator, rootContract: root, pollMs: 20 });
    await resolver.resolve(chainId, 2);
    const r = plasmaRoot(root, provider);
    const [proven] = await r.queryFilter(r.filters.FraudProven(chainId));
    const args = (proven as unknown as { args: { number: bigint; kind: bigint; challenger: string } }).args;
    expect([args.number, args.kind, args.challenger]).toEqual([2n, BigInt(FraudKind.UnavailableData), holder.address]);
    expect((await r.chainInfo(chainId)).headNumber).toBe(1n);
    expect(await client.status(chainId, 2)).toMatchObject({ status: 'convicted', canChallenge: false, canResolve: false, canReclaim: false });
    expect((await rejection(client.reclaim(chainId, 2))).code).toBe('NO_OPEN_CHALLENGE');
  });
});
