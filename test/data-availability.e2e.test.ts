/**
 * Data-availability challenges end to end (docs/FRAUD.md §9): one Hardhat L1, real validator nodes, watchers as the
 * library.
 * (a) A chain whose validator withholds block 2 (fault withhold-data): the watcher challenges it on L1 with its own key
 *     and bond, nobody answers, the watcher resolves it after the deadline, PlasmaRoot convicts (FraudProven kind 8 to
 *     the watcher, rollback to block 1, slash, freeze), and a holder escapes from block 1 once it is final.
 * (b) An honest chain challenged by a griefer for a block of 70 transfers: its validator node publishes the block's
 *     transactions on L1 (two chunks), the griefer's bond goes to the validator, and a watcher whose only source for
 *     that block is the L1 calldata (its node URL hides the block) verifies it and moves on.
 */
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Contract, Wallet, parseEther } from 'ethers';
import { loadArtifact } from '@plasma-tree/contracts';
import { ChainStatus, DATA_CHALLENGE_BOND, DATA_CHUNK_SIZE, DataChallengeStatus, FraudKind, blockFromJson, signedTxToJson, type Hex } from '@plasma-tree/core';
import { EscapeClient } from '@plasma-tree/sdk';
import { Watcher } from '@plasma-tree/watcher';
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
  spendAll,
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
let withhold: RunningChain;
let honest: RunningChain;
let watcher: Watcher;
let watcherKey: Hex;
/** The watcher's L1 balance before it sent anything. */
let watcherBalance: bigint;
let module: Contract;
const dirs: Array<Awaited<ReturnType<typeof tempDir>>> = [];
const watchers: Watcher[] = [];
let proxy: { url: string; hidden: number; close(): Promise<void> } | undefined;

const increaseTime = async (seconds: number) => {
  await l1.provider.send('evm_increaseTime', [seconds]);
  await l1.provider.send('evm_mine', []);
};

/** The windowEnd PlasmaRoot recorded for block `n` of `chainId`. */
async function windowEndOf(chainId: string, n: number): Promise<bigint> {
  const [event] = await l1.root.queryFilter(l1.root.filters.Committed(chainId, n));
  return (event as unknown as { args: { windowEnd: bigint } }).args.windowEnd;
}

/** A JSON-RPC proxy of a node that answers null for block `number` (by number or hash): that block only on L1. */
async function hidingProxy(target: string, number: number, hash: Hex): Promise<{ url: string; hidden: number; close(): Promise<void> }> {
  const state = { hidden: 0 };
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = JSON.parse(Buffer.concat(chunks).toString()) as { id: unknown; method: string; params?: unknown[] };
    const p = body.params?.[0];
    if ((body.method === 'pt_getBlockByNumber' && p === number) || (body.method === 'pt_getBlockByHash' && String(p).toLowerCase() === hash)) {
      state.hidden++;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', id: body.id, result: null }));
      return;
    }
    const answer = await fetch(target, { method: 'POST', headers: { 'content-type': 'application/json' }, body: Buffer.concat(chunks) });
    res.writeHead(answer.status, { 'content-type': 'application/json' }).end(Buffer.from(await answer.arrayBuffer()));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    get hidden() {
      return state.hidden;
    },
    close: () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))),
  };
}

beforeAll(async () => {
  l1 = await startL1();
  withhold = await startChain(l1, 'withhold', 1, { kind: 'withhold-data', atBlock: 2 });
  honest = await startChain(l1, 'honest', 2);
  module = new Contract(await l1.root.dataAvailability(), loadArtifact('PlasmaDataAvailability').abi, l1.provider);
  watcherKey = validatorKey(l1, 19);
  watcherBalance = await l1.provider.getBalance(keyAddress(watcherKey));
  const dir = await tempDir();
  dirs.push(dir);
  watcher = await Watcher.init(watcherOptions(l1, [withhold, honest], dir.path, { key: watcherKey, unavailableGraceSec: 1, status: false }));
  watchers.push(watcher);
  await depositAll(l1, [withhold, honest]);
  await spendAll([withhold, honest]);
}, 60_000);

afterAll(async () => {
  for (const w of watchers) await w.close();
  await proxy?.close();
  for (const c of [withhold, honest]) if (c) await stopChain(c);
  for (const d of dirs) await d.remove();
  await l1?.stop();
}, 60_000);

describe('data-availability challenges at the root', () => {
  it('(b) a griefer challenges an honest block: the node publishes it, the bond goes to the publisher, an L1-only watcher verifies it', async () => {
    // A block of more than one chunk: 70 transfers from bob in one call.
    const { slot } = await rpc<{ slot: number }>(honest.node.rpcUrl, 'pt_getAccount', [honest.bob.address, ETH]);
    const transfers = Array.from({ length: 70 }, (_, i) => signedTxToJson(honest.bob.transfer(slot, honest.alice.address, 1n, BigInt(i))));
    await rpc(honest.node.rpcUrl, 'pt_sendTransactions', [transfers]);
    const n = await waitFor('the block of 70 transfers', async () => {
      const head = (await info(honest)).head.number;
      for (let k = 3; k <= head; k++) if ((await rpc(honest.node.rpcUrl, 'pt_getBlockByNumber', [k])).txs.length > DATA_CHUNK_SIZE) return k;
      return undefined;
    }, 20_000);
    await waitFor(`block ${n} of honest committed`, async () => (await commitBlockOf(l1, honest.chainId, n)) !== undefined, 30_000);
    const block = blockFromJson(await rpc(honest.node.rpcUrl, 'pt_getBlockByNumber', [n]));
    const windowEnd = await windowEndOf(honest.chainId, n);
    const griefer = new Wallet(validatorKey(l1, 15), l1.provider);
    const challenge = await (await (module.connect(griefer) as Contract).challengeData(honest.chainId, block.header, windowEnd, { value: DATA_CHALLENGE_BOND })).wait();
    const challengedAt = (await l1.provider.getBlock(challenge!.blockNumber))!.timestamp;

    // The validator node answers from its store.
    await waitFor('the honest block published', async () => (await module.isPublished(honest.chainId, n)) as boolean, 20_000);
    expect(await module.queryFilter(module.filters.BlockDataPublished(honest.chainId, n))).toHaveLength(2);
    const [settled] = await module.queryFilter(module.filters.DataChallengeSettled(honest.chainId, n));
    const validator = keyAddress(validatorKey(l1, 2));
    expect((settled as unknown as { args: { status: bigint; bondTo: string } }).args.status).toBe(BigInt(DataChallengeStatus.Answered));
    expect((settled as unknown as { args: { bondTo: string } }).args.bondTo.toLowerCase()).toBe(validator);
    const [, deadline, status] = await module.challengeOf(honest.chainId, n);
    expect(Number(status)).toBe(DataChallengeStatus.Answered);
    expect(settled.blockNumber).toBeGreaterThan(challenge!.blockNumber);
    expect((await l1.provider.getBlock(settled.blockNumber))!.timestamp).toBeLessThanOrEqual(Number(deadline));
    console.log(`honest node answered the data challenge in ${settled.blockNumber - challenge!.blockNumber} L1 blocks (deadline ${Number(deadline) - challengedAt} s after the challenge)`);

    // A watcher that cannot get the block from any node reads it from the calldata of its publication.
    proxy = await hidingProxy(honest.node.rpcUrl, n, block.hash.toLowerCase() as Hex);
    const dir = await tempDir();
    dirs.push(dir);
    const l1Only = await Watcher.init({ ...watcherOptions(l1, [], dir.path, { unavailableGraceSec: 0.5, status: false }), chains: [{ chainId: honest.chainId, name: 'honest-l1', nodes: [proxy.url] }] });
    watchers.push(l1Only);
    await waitFor(`block ${n} verified from L1`, () => chainStatus(l1Only, 'honest-l1').headVerified >= n || undefined, 20_000);
    expect(proxy.hidden).toBeGreaterThan(0);
    expect(chainStatus(l1Only, 'honest-l1')).toMatchObject({ status: 'live' });
    expect(chainStatus(l1Only, 'honest-l1').findings.filter((f) => !f.resolved)).toEqual([]);
    // The watcher with a key never challenged the honest chain.
    expect(chainStatus(watcher, 'honest').findings).toEqual([]);
    expect(Number((await l1.root.chainStatus(honest.chainId))[0])).toBe(ChainStatus.Live);
  }, 60_000);

  it('(a) withheld data: the watcher challenges, nobody answers, the watcher resolves; rollback, slash, freeze; a holder escapes', async () => {
    await waitFor('block 2 of withhold committed', async () => (await commitBlockOf(l1, withhold.chainId, 2)) !== undefined, 30_000);
    const watcherAddress = keyAddress(watcherKey);
    const finding = await waitFor('the data challenge', () => chainStatus(watcher, 'withhold').findings.find((f) => f.kind === 'unavailable_data' && f.objection?.status === 'mined'), 20_000);
    expect(finding).toMatchObject({ height: 2, provable: true, objection: { host: 'root', dataChallenge: { deadline: expect.any(Number) } } });
    expect(finding.phase2).toBeUndefined();
    const [challenger, deadline, status] = await module.challengeOf(withhold.chainId, 2);
    expect([challenger.toLowerCase(), Number(status), Number(deadline)]).toEqual([watcherAddress, DataChallengeStatus.Open, finding.objection!.dataChallenge!.deadline]);
    expect(await module.isPublished(withhold.chainId, 2)).toBe(false);
    expect(chainStatus(watcher, 'withhold')).toMatchObject({ headVerified: 1, haltedAt: { height: 2, reason: 'data unavailable' } });

    // A restart between the challenge and its resolution: the new process takes the challenge up from its store and L1.
    await watcher.close();
    watcher = await Watcher.init(watcherOptions(l1, [withhold, honest], dirs[0].path, { key: watcherKey, unavailableGraceSec: 1, status: false }));
    watchers.push(watcher);
    expect(chainStatus(watcher, 'withhold').findings.find((f) => f.height === 2)!.objection).toEqual(finding.objection);

    // Past the deadline (a quarter of the window): the watcher resolves it.
    await increaseTime(WINDOW / 4 + 1);
    const proven = await fraudProven(l1, withhold.chainId);
    expect(proven).toMatchObject({ number: 2n, kind: FraudKind.UnavailableData, challenger: watcherAddress, reward: BOND / 2n });
    const info = await l1.root.chainInfo(withhold.chainId);
    expect([info.headNumber, info.bond]).toEqual([1n, 0n]);
    expect(Number((await l1.root.chainStatus(withhold.chainId))[0])).toBe(ChainStatus.FrozenFraud);
    expect(Number((await module.challengeOf(withhold.chainId, 2))[2])).toBe(DataChallengeStatus.Convicted);
    const convicted = await waitFor('the finding convicted', () => chainStatus(watcher, 'withhold').findings.find((f) => f.height === 2 && f.objection?.status === 'convicted'), 20_000);
    expect(convicted.objection!.dataChallenge!.resolveTx).toMatch(/^0x/);
    expect(convicted.objection!.tx).toBe(finding.objection!.tx); // one challenge, not two
    expect(chainStatus(watcher, 'withhold')).toMatchObject({ status: 'frozen-fraud', headVerified: 1 });

    // The watcher's bond came back with half the chain's bond: its balance moved by BOND / 2 less its gas.
    let gas = 0n;
    for (const tx of [convicted.objection!.tx!, convicted.objection!.dataChallenge!.resolveTx!]) {
      const r = await l1.provider.getTransactionReceipt(tx);
      gas += r!.gasUsed * r!.gasPrice;
    }
    expect((await l1.provider.getBalance(watcherAddress)) - watcherBalance + gas).toBe(BOND / 2n);

    // The escape hatch from block 1 once it is final: alice leaves with what she held there (1 ETH).
    await increaseTime(WINDOW + 1);
    const payer = new Wallet(validatorKey(l1, 16), l1.provider);
    const escape = new EscapeClient({ l1: payer, rootContract: l1.rootAddress, pollMs: 50 });
    const aliceBefore = await l1.provider.getBalance(withhold.alice.address);
    await escape.escapeExit({ chainId: withhold.chainId, owner: withhold.alice.address, token: ETH, proofSource: withhold.node.rpcUrl });
    expect((await l1.provider.getBalance(withhold.alice.address)) - aliceBefore).toBe(parseEther('1'));
  }, 60_000);
});
