/**
 * ChainDataChallengeClient against a real devnet (docs/FRAUD.md §9b): K and J are chains under A. A holder with ETH
 * on A challenges a committed block through the SDK (a signed CHALLENGE_CHILD_DATA on A, the bond from its native slot
 * there); what A's ledger would refuse is refused before anything is sent. Then either the chain's honest node answers
 * (a node-side responder publishes the block on A: the bond goes to the publisher) or, with nobody publishing by the
 * deadline, the holder resolves it and the chain is convicted on A (rolled back, frozen, half its bond to the
 * challenger, its bond back). K's node runs: the test accepts whichever of the two it produces and checks the bonds
 * and balances of that one. J's node is stopped once its block is committed: nobody answers, J is convicted.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JsonRpcProvider, Wallet, parseEther } from 'ethers';
import { BURN_ADDRESS, CHILD_DATA_CHALLENGE_BOND, ChainStatus, NATIVE_TOKEN, TxKind, decodeChallengeChildDataData, hashHeader, type Address } from '@plasma-tree/core';
import { startDevnet, type Devnet } from '@plasma-tree/devnet';
import { ChainDataChallengeClient, DataChallengeClient, NodeClient, PlasmaClient, TreeClient, sleep } from '../src/index.js';
import { rejection } from './helpers.js';
import { startTestL1 } from '@plasma-tree/contracts';

/** K's challenge window on A (seconds of A's clock): a challenge in the first 12 s, answered within 6 s. */
const W = 24;

let dir: string;
let devnet: Devnet;
let provider: JsonRpcProvider;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'plasma-dc-chain-'));
  devnet = await startDevnet({
    dataDir: dir, l1Port: 0, startL1: startTestL1, rpcPort: 0, writeConfig: false, challengeWindow: 60, blockTimeMs: 200, fundAccounts: 2,
    chains: [{ name: 'A' }, { name: 'K', parent: 'A', challengeWindow: W, parentFinality: 'committed' }, { name: 'J', parent: 'A', challengeWindow: W, parentFinality: 'committed' }],
  });
  provider = new JsonRpcProvider(devnet.l1.url, undefined, { cacheTimeout: -1 });
  // The holder brings ETH to A (the bonds come from there).
  holder = new Wallet(devnet.accounts[1].privateKey, provider);
  const A = chain('A');
  onA = new PlasmaClient({ l1: holder, rootContract: devnet.rootContract, chainId: A.chainId, nodeUrl: A.nodeUrl, pollMs: 100 });
  await onA.waitForDeposit(await onA.depositETH(parseEther('1')));
}, 120_000);

let holder: Wallet;
let onA: PlasmaClient;
const chain = (name: string) => devnet.chains.find((c) => c.name === name)!;

/** The holder sends ETH down to `name` on A: the chain applies it in a block and commits it on A. That block's number. */
async function committedBlockOf(name: string): Promise<number> {
  const { chainId } = chain(name);
  const a = new NodeClient(chain('A').nodeUrl);
  const head = (await a.getChildInfo(chainId))?.headNumber ?? 0;
  await onA.waitForReceipt((await onA.depositToChild({ child: chainId, amount: parseEther('0.1') })).hash);
  for (const start = Date.now(); ; await sleep(100)) {
    const n = (await a.getChildInfo(chainId))?.headNumber ?? 0;
    if (n > head) return n;
    expect(Date.now() - start, `${name} commits a block on A`).toBeLessThan(30_000);
  }
}

afterAll(async () => {
  provider?.destroy();
  await devnet?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('ChainDataChallengeClient', () => {
  it('the tree client hands out the client of the host: L1 for a child of the root, the parent\'s node below', async () => {
    const tree = TreeClient.fromDevnet(devnet, holder, { pollMs: 100 });
    expect(await tree.dataChallenge('A')).toBeInstanceOf(DataChallengeClient);
    const k = await tree.dataChallenge('K');
    expect(k).toBeInstanceOf(ChainDataChallengeClient);
    expect(k.host).toBe('chain');
    expect((await rejection(tree.dataChallenge('L1'))).code).toBe('NOT_A_CHAIN');
  });

  it('K (its node running): challenged on A, refused what the ledger refuses, then answered or convicted with the bonds where they belong', async () => {
    const outcome = await challengeScenario('K', await committedBlockOf('K'));
    expect(['answered', 'convicted']).toContain(outcome);
  }, 120_000);

  it('J (its node stopped once its block is committed): nobody publishes, the holder resolves it after the deadline and J is convicted on A', async () => {
    const n = await committedBlockOf('J');
    await devnet.stopNode('J');
    expect(await challengeScenario('J', n)).toBe('convicted');
  }, 120_000);
});

/** Challenges block `n` of chain `name` (under A) as the holder and follows it to its end; what it ended as. */
async function challengeScenario(name: string, n: number): Promise<'answered' | 'convicted'> {
  const [A, K] = [chain('A'), chain(name)];
  const a = new NodeClient(A.nodeUrl);
  const me = holder.address.toLowerCase() as Address;

  const client = new ChainDataChallengeClient({ parentNode: A.nodeUrl, signer: holder, pollMs: 100 });
  const before = await client.status(K.chainId, n);
  const commitment = (await a.getCommitment(K.chainId, n))!;
  expect(before).toMatchObject({
    host: 'chain', chainId: K.chainId, parentChainId: A.chainId, number: n, status: 'none', published: false, bond: 0n, chainStatus: 'live',
    windowEnd: commitment.windowEnd, challengeBefore: commitment.windowEnd - W / 2, commitBlock: commitment.blockNumber, canChallenge: true, canResolve: false, canReclaim: false,
  });
  // The header comes back from A's block holding the COMMIT_CHILD.
  const { header } = await client.committed(K.chainId, n);
  expect(hashHeader(header)).toBe(commitment.blockHash);

  // Refused before anything is signed: a block A never recorded, a signer with nothing on A, no signer at all.
  expect((await rejection(client.status(K.chainId, n + 50))).code).toBe('UNKNOWN_COMMITMENT');
  const broke = await rejection(new ChainDataChallengeClient({ parentNode: A.nodeUrl, signer: Wallet.createRandom() }).challenge(K.chainId, n));
  expect(broke.code).toBe('INSUFFICIENT_BALANCE');
  expect(broke.hint).toMatch(/deposit/);
  expect((await rejection(new ChainDataChallengeClient({ parentNode: A.nodeUrl }).challenge(K.chainId, n))).code).toBe('NO_SIGNER');

  const validators = K.validators.map((v) => v.address.toLowerCase() as Address);
  const balanceOf = (who: Address) => a.getBalance(who, NATIVE_TOKEN);
  const mine0 = await balanceOf(me);
  const validators0 = await Promise.all(validators.map(balanceOf));
  const burned0 = await balanceOf(BURN_ADDRESS);
  const k0 = (await a.getChildInfo(K.chainId))!;

  // The challenge: a signed kind 14 in A's block, the bond out of the holder's native slot on A.
  const { txHash, deadline, blockNumber } = await client.challenge(K.chainId, n);
  const block = (await a.getBlockByNumber(blockNumber))!;
  const tx = block.txs.find((t) => t.kind === TxKind.ChallengeChildData)!;
  expect(tx).toMatchObject({ from: me, amount: CHILD_DATA_CHALLENGE_BOND, token: NATIVE_TOKEN });
  expect(decodeChallengeChildDataData(tx.data)).toMatchObject({ child: K.chainId, windowEnd: BigInt(commitment.windowEnd) });
  expect(deadline).toBe(Number(block.header.timestamp) + W / 4);
  expect(await balanceOf(me)).toBe(mine0 - CHILD_DATA_CHALLENGE_BOND);
  const open = await client.status(K.chainId, n);
  expect(open).toMatchObject({ challenger: me, deadline, canChallenge: false });
  // Open with the bond in A's ledger, unless K's node answered already (then published, the bond paid out).
  if (open.status === 'open') expect(open).toMatchObject({ bond: CHILD_DATA_CHALLENGE_BOND, published: false });
  else expect(open).toMatchObject({ status: 'answered', bond: 0n, published: true });
  expect(txHash).toMatch(/^0x[0-9a-f]{64}$/);

  // Refused before anything is sent (the holder's nonce on A does not move): a second challenge; a resolve before
  // the deadline (or of an answered challenge); a reclaim while the challenge can still convict.
  const nonce = (await a.getAccount(me, NATIVE_TOKEN)).pendingNonce;
  expect((await rejection(client.challenge(K.chainId, n))).code).toBe(open.status === 'open' ? 'ALREADY_CHALLENGED' : 'DATA_ALREADY_PUBLISHED');
  const early = await rejection(client.resolve(K.chainId, n));
  if (early.code === 'RESPONSE_WINDOW_OPEN') expect(early.data).toMatchObject({ deadline });
  else expect([early.code, early.data.status]).toEqual(['NO_OPEN_CHALLENGE', 'answered']);
  const reclaim = await rejection(client.reclaim(K.chainId, n));
  expect(reclaim.code).toBe(early.code === 'RESPONSE_WINDOW_OPEN' ? 'CHALLENGE_STILL_RESOLVABLE' : 'NO_OPEN_CHALLENGE');
  expect((await a.getAccount(me, NATIVE_TOKEN)).pendingNonce).toBe(nonce);
  expect(await client.openChallenges(K.chainId)).toEqual((await client.status(K.chainId, n)).status === 'open' ? [expect.objectContaining({ number: n, challenger: me })] : []);

  // Until the deadline passes by A's clock, or K's validators publish the block on A.
  let s = await client.status(K.chainId, n);
  while (s.status === 'open' && !s.canResolve) {
    await sleep(250);
    s = await client.status(K.chainId, n);
  }

  if (s.status === 'answered') {
    // K's node published both trees in time: the bond went to the publisher (a validator of K), not back to the holder.
    expect(s).toMatchObject({ published: true, txsPublished: true, exitPublished: true, bond: 0n, chainStatus: 'live', canResolve: false, canReclaim: false });
    const gained = (await Promise.all(validators.map(balanceOf))).reduce((sum, b, i) => sum + b - validators0[i], 0n);
    expect(gained).toBe(CHILD_DATA_CHALLENGE_BOND);
    expect(await balanceOf(me)).toBe(mine0 - CHILD_DATA_CHALLENGE_BOND);
    expect((await a.getChildInfo(K.chainId))!).toMatchObject({ status: ChainStatus.Live, bond: k0.bond });
    expect((await rejection(client.resolve(K.chainId, n))).code).toBe('NO_OPEN_CHALLENGE');
  } else {
    // Nobody published by the deadline: anyone resolves it (a kind 15 paying the challenger); K is convicted on A.
    expect(s).toMatchObject({ status: 'open', canResolve: true, published: false });
    const r = await client.resolve(K.chainId, n);
    const resolved = (await a.getBlockByNumber(r.blockNumber))!.txs.find((t) => t.kind === TxKind.ChildDataCall)!;
    expect(resolved).toMatchObject({ to: me, amount: 0n });
    const after = await client.status(K.chainId, n);
    expect(after).toMatchObject({ status: 'convicted', bond: 0n, chainStatus: 'frozen-fraud', headNumber: n - 1, canChallenge: false, canResolve: false, canReclaim: false });
    expect((await a.getChildInfo(K.chainId))!).toMatchObject({ status: ChainStatus.FrozenFraud, headNumber: n - 1, bond: 0n });
    // The holder: its bond back and half K's bond; the other half burned; nothing to the validators.
    const reward = k0.bond / 2n;
    expect(await balanceOf(me)).toBe(mine0 + reward);
    expect(await balanceOf(BURN_ADDRESS)).toBe(burned0 + k0.bond - reward);
    expect(await Promise.all(validators.map(balanceOf))).toEqual(validators0);
    expect((await rejection(client.resolve(K.chainId, n))).code).toBe('NO_OPEN_CHALLENGE');
    expect((await rejection(client.challenge(K.chainId, n))).code).toBe('CHAIN_IS_FROZEN');
  }
  expect((await rejection(client.reclaim(K.chainId, n))).code).toBe('NO_OPEN_CHALLENGE');
  expect(await client.openChallenges(K.chainId)).toEqual([]);
  return s.status === 'answered' ? 'answered' : 'convicted';
}
