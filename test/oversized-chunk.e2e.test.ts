/**
 * The size rule end to end (docs/LEDGER-PROOFS.md "A size rule for block data"): one Hardhat L1, a real validator node
 * with fault oversized-chunk, a watcher as the library. The validator packs 30 messages of 3,900 bytes in one block,
 * so its first chunk takes more than B(1) = 122,880 bytes: the block is valid to the STF and served by the node, but
 * its data can never be published on L1 (PlasmaDataAvailability refuses it: ChunkOverBudget). The watcher challenges
 * it at once (its grace for missing data is 60 s here: not waited), nobody can answer, the watcher resolves it after
 * the deadline: FraudProven kind UnavailableData to the watcher, rollback, slash, freeze; bob, who sent nothing,
 * escapes with every token he held.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Contract, Wallet, parseEther } from 'ethers';
import { loadArtifact } from '@plasma-tree/contracts';
import { ChainStatus, DataChallengeStatus, FraudKind, MESSAGE_FN, TxKind, ZERO_BYTES32, blockFromJson, chunkByteBudget, chunkSizes, encodeMessagePayload, signedTxToJson, type Hex } from '@plasma-tree/core';
import { EscapeClient } from '@plasma-tree/sdk';
import { Watcher } from '@plasma-tree/watcher';
import { signTx } from '../packages/node/test/helpers.js';
import {
  BOND,
  ETH,
  WINDOW,
  chainStatus,
  commitBlockOf,
  depositAll,
  fraudProven,
  info,
  keyAddress,
  rpc,
  startChain,
  startL1,
  stopChain,
  tempDir,
  validatorKey,
  waitFor,
  watcherOptions,
  type L1,
  type RunningChain,
} from '../packages/watcher/test/helpers.js';

let l1: L1;
let chain: RunningChain;
let watcher: Watcher;
let watcherKey: Hex;
let module: Contract;
let dir: Awaited<ReturnType<typeof tempDir>>;

const increaseTime = async (seconds: number) => {
  await l1.provider.send('evm_increaseTime', [seconds]);
  await l1.provider.send('evm_mine', []);
};

beforeAll(async () => {
  l1 = await startL1();
  // A slow block time: the 30 messages of one batch are all queued when the faulty block is built.
  chain = await startChain(l1, 'oversized', 1, { kind: 'oversized-chunk' }, { blockTimeMs: 1_500 });
  module = new Contract(await l1.root.dataAvailability(), loadArtifact('PlasmaDataAvailability').abi, l1.provider);
  watcherKey = validatorKey(l1, 19);
  dir = await tempDir();
  watcher = await Watcher.init(watcherOptions(l1, [chain], dir.path, { key: watcherKey, unavailableGraceSec: 60, status: false }));
  await depositAll(l1, [chain]);
}, 60_000);

afterAll(async () => {
  await watcher?.close();
  if (chain) await stopChain(chain);
  await dir?.remove();
  await l1?.stop();
}, 60_000);

describe('a chunk over the size rule', () => {
  it('is challenged at once, cannot be published, and convicts: rollback, slash, freeze; an honest holder escapes', async () => {
    const { alice } = chain;
    const { slot } = await rpc<{ slot: number }>(chain.node.rpcUrl, 'pt_getAccount', [alice.address, ETH]);
    const payload = encodeMessagePayload({ target: alice.address, data: `0x${'5a'.repeat(3_900)}` });
    const messages = Array.from({ length: 30 }, (_, i) => signedTxToJson(signTx(alice, { kind: TxKind.EdgeSend, chainId: chain.chainId, slot, fn: MESSAGE_FN, child: ZERO_BYTES32, payload, nonce: BigInt(i) })));
    await rpc(chain.node.rpcUrl, 'pt_sendTransactions', [messages]);

    const n = await waitFor('the oversized block', async () => (await info(chain)).faults.injected[0] as number | undefined, 20_000);
    // The injection is recorded before its block is stored.
    const block = blockFromJson(await waitFor(`block ${n} stored`, async () => (await rpc(chain.node.rpcUrl, 'pt_getBlockByNumber', [n])) ?? undefined, 10_000));
    const [bytes] = chunkSizes(block.txs);
    expect(bytes).toBeGreaterThan(chunkByteBudget(1));
    const committedIn = await waitFor(`block ${n} committed`, async () => commitBlockOf(l1, chain.chainId, n), 30_000);

    // Challenged well inside the 60 s grace for missing data: the block is served, it just can never be published.
    const finding = await waitFor('the data challenge', () => chainStatus(watcher, 'oversized').findings.find((f) => f.kind === 'unavailable_data' && f.objection?.status === 'mined'), 20_000);
    expect(finding).toMatchObject({ height: n, provable: true, objection: { host: 'root', dataChallenge: { deadline: expect.any(Number) } } });
    expect(finding.reason).toBe(`chunk 0 takes ${bytes} bytes, over this chain's budget of ${chunkByteBudget(1)}: it can never be published`);
    const reaction = finding.objection!.reactionL1Blocks!;
    expect(reaction).toBeGreaterThanOrEqual(0);
    console.log(`watcher challenged the over-budget block ${reaction} L1 blocks after its commit (L1 block ${committedIn})`);
    expect(Number((await module.challengeOf(chain.chainId, n))[2])).toBe(DataChallengeStatus.Open);

    // The validator's node tries to answer and cannot: past the deadline the challenge is still open, then resolved.
    await increaseTime(WINDOW / 4 + 1);
    const proven = await fraudProven(l1, chain.chainId);
    expect(proven).toMatchObject({ number: BigInt(n), kind: FraudKind.UnavailableData, challenger: keyAddress(watcherKey), reward: BOND / 2n });
    expect(await module.isPublished(chain.chainId, n)).toBe(false);
    expect(await module.queryFilter(module.filters.BlockDataPublished(chain.chainId, n))).toHaveLength(0);
    const root = await l1.root.chainInfo(chain.chainId);
    expect([root.headNumber, root.bond]).toEqual([BigInt(n - 1), 0n]);
    expect(Number((await l1.root.chainStatus(chain.chainId))[0])).toBe(ChainStatus.FrozenFraud);

    // bob sent nothing: once block n - 1 is final he leaves with all he held (1 ETH).
    await increaseTime(WINDOW + 1);
    const escape = new EscapeClient({ l1: new Wallet(validatorKey(l1, 16), l1.provider), rootContract: l1.rootAddress, pollMs: 50 });
    const before = await l1.provider.getBalance(chain.bob.address);
    await escape.escapeExit({ chainId: chain.chainId, owner: chain.bob.address, token: ETH, proofSource: chain.node.rpcUrl });
    expect((await l1.provider.getBalance(chain.bob.address)) - before).toBe(parseEther('1'));
  }, 90_000);
});
