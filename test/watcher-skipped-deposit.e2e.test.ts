/**
 * The skipped-deposit deadline end to end (issue 4 §1, docs/FRAUD.md §3): a chain must apply each down event its
 * parent records within its stall limit. A validator node with fault `skip-deposit` applies alice's deposit (block
 * 1) and then leaves bob's out of every block while it goes on committing. Its blocks are valid to the STF; the
 * watcher convicts the first one committed more than the stall limit after bob's deposit was recorded, with
 * proveSkippedDeposit (FraudProven kind 9): rollback, slash, freeze. Then every holder keeps every token: bob's
 * deposit comes back with reclaimDeposit and alice leaves through the escape hatch, with no validator's help.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Wallet, parseEther } from 'ethers';
import { ChainStatus, FraudKind, recordTime, type ChainId, type Hex } from '@plasma-tree/core';
import { PlasmaNode, dataDirEscapeProofSource } from '@plasma-tree/node';
import { EscapeClient } from '@plasma-tree/sdk';
import { Watcher } from '@plasma-tree/watcher';
import { nodeOptions } from '../packages/node/test/helpers.js';
import {
  BOND,
  ETH,
  User,
  chainStatus,
  commitBlockOf,
  fraudProven,
  info,
  keyAddress,
  rpc,
  startL1,
  tempDir,
  validatorKey,
  waitFor,
  watcherOptions,
  type L1,
  type RunningChain,
} from '../packages/watcher/test/helpers.js';

/** The chain's challenge window and stall limit (seconds): the deadline of a recorded deposit is the stall limit. */
const WINDOW = 10;
const STALL_LIMIT = 10;

let l1: L1;
let chain: RunningChain;
let watcher: Watcher;
let watcherKey: Hex;
let watcherDir: Awaited<ReturnType<typeof tempDir>>;

beforeAll(async () => {
  l1 = await startL1();
  const key = validatorKey(l1, 1);
  const validators = [new Wallet(key).address];
  const chainId = ((await l1.root.spawnChainWithLimits.staticCall(validators, 1, WINDOW, STALL_LIMIT, { value: BOND })) as string).toLowerCase() as ChainId;
  await (await l1.root.spawnChainWithLimits(validators, 1, WINDOW, STALL_LIMIT, { value: BOND })).wait();
  const dir = await tempDir('plasma-skip-deposit-node-');
  const faults = { kind: 'skip-deposit' as const, atBlock: 2 };
  const node = await PlasmaNode.init(nodeOptions(l1, chainId, dir.path, { validatorKeys: [key], l1Confirmations: 0, blockTimeMs: 200, l1PollMs: 250, faults }));
  chain = { name: 'skipper', chainId, node, dir, faults, alice: new User(chainId, l1.l1ChainId, l1.rootAddress), bob: new User(chainId, l1.l1ChainId, l1.rootAddress) };
  watcherKey = validatorKey(l1, 19);
  watcherDir = await tempDir();
  watcher = await Watcher.init(watcherOptions(l1, [chain], watcherDir.path, { key: watcherKey }));
}, 60_000);

afterAll(async () => {
  await watcher?.close();
  await chain?.node.close();
  await chain?.dir.remove();
  await watcherDir?.remove();
  await l1?.stop();
}, 60_000);

describe('a chain that skips a recorded deposit past its deadline', () => {
  it('is convicted by the watcher (kind 9) on the first block committed after the deadline; bob reclaims, alice escapes', async () => {
    await (await l1.root.depositETH(chain.chainId, chain.alice.address, { value: parseEther('1') })).wait();
    await waitFor('alice\'s deposit applied in block 1', async () => (await info(chain)).head.number >= 1, 30_000);
    const skipped = await (await l1.root.depositETH(chain.chainId, chain.bob.address, { value: parseEther('0.5') })).wait();
    const nonce = 2n;
    const recordedAt = recordTime((await l1.root.depositRecord(chain.chainId, nonce)) as Hex);
    expect(recordedAt).toBe(BigInt((await l1.provider.getBlock(skipped!.blockNumber))!.timestamp));

    // The node goes on committing blocks that leave bob's deposit out; the watcher convicts the first late one.
    const proven = await fraudProven(l1, chain.chainId);
    expect(proven).toMatchObject({ kind: FraudKind.SkippedDeposit, challenger: keyAddress(watcherKey), reward: BOND / 2n });
    const n = Number(proven.number);
    expect(n).toBeGreaterThanOrEqual(2);
    const commitTime = async (number: number) => {
      const [event] = await l1.root.queryFilter(l1.root.filters.Committed(chain.chainId, number));
      return BigInt((await l1.provider.getBlock(event.blockNumber))!.timestamp);
    };
    // Block n came after the deadline and left the deposit out; block n - 1 was still within it.
    expect(await commitTime(n)).toBeGreaterThan(recordedAt + BigInt(STALL_LIMIT));
    expect(await commitTime(n - 1)).toBeLessThanOrEqual(recordedAt + BigInt(STALL_LIMIT));
    const block = await rpc<{ header: { depositNonce: string } }>(chain.node.rpcUrl, 'pt_getBlockByNumber', [n]);
    expect(BigInt(block.header.depositNonce)).toBe(1n);

    // Rolled back to n - 1, slashed, frozen; the watcher's record says the same.
    const root = await l1.root.chainInfo(chain.chainId);
    expect(root.headNumber).toBe(BigInt(n - 1));
    expect(root.headDepositNonce).toBe(1n);
    expect(root.bond).toBe(0n);
    expect(Number((await l1.root.chainStatus(chain.chainId))[0])).toBe(ChainStatus.FrozenFraud);
    const finding = await waitFor('the finding convicted', () => chainStatus(watcher, 'skipper').findings.find((f) => f.height === n && f.objection?.status === 'convicted'), 20_000);
    expect(finding).toMatchObject({ kind: 'invalid_block', provable: true, reason: expect.stringMatching(/^SkippedDeposit/) });
    const reaction = finding.objection!.reactionL1Blocks!;
    expect(reaction).toBe(proven.blockNumber - (await commitBlockOf(l1, chain.chainId, n))!);
    console.log(`watcher reaction skip-deposit: block ${n} committed ${(await commitTime(n)) - recordedAt} s after the deposit (limit ${STALL_LIMIT} s), objection ${reaction} L1 blocks later`);

    // Every holder keeps every token, with no validator online.
    await chain.node.close();
    const escape = new EscapeClient({ l1: l1.deployer, rootContract: l1.rootAddress, pollMs: 50 });
    const bobBefore = await l1.provider.getBalance(chain.bob.address);
    const [reclaimed] = await escape.reclaimDeposits({ chainId: chain.chainId, depositor: l1.deployer.address });
    expect(reclaimed).toMatchObject({ nonce: nonce, amount: parseEther('0.5') });
    expect(await l1.provider.getBalance(chain.bob.address)).toBe(bobBefore); // the depositor (deployer) gets it back, not bob
    expect(await l1.root.subtreeBalance(chain.chainId, ETH)).toBe(parseEther('1'));

    // Alice's 1 ETH from head n - 1 once it is final, its witness read offline from the stopped node's data.
    await l1.provider.send('evm_increaseTime', [WINDOW + 1]);
    await l1.provider.send('evm_mine', []);
    const aliceBefore = await l1.provider.getBalance(chain.alice.address);
    await escape.escapeExit({ chainId: chain.chainId, owner: chain.alice.address, token: ETH, proofSource: dataDirEscapeProofSource(chain.dir.path) });
    expect(await l1.provider.getBalance(chain.alice.address)).toBe(aliceBefore + parseEther('1'));
    expect(await l1.root.subtreeBalance(chain.chainId, ETH)).toBe(0n);
  }, 90_000);
});
