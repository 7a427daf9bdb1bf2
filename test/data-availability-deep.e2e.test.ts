/**
 * Data-availability challenges below a chain, end to end (docs/FRAUD.md §9b, packages/watcher): one Hardhat L1, A a
 * child of the root, K a child of A whose only validator node withholds block 2 (fault withhold-data: committed on A,
 * never served; it does not publish it either). The devnet's own watcher (funded by the devnet with native coins on A,
 * the parent of K) finds no node serving K's block 2, challenges it on A with a CHALLENGE_CHILD_DATA (tx kind 14,
 * CHILD_DATA_CHALLENGE_BOND from its native slot) in the first half of K's window, nobody publishes it, and after the
 * deadline it resolves the challenge with a CHILD_DATA_CALL (kind 15, `to` = itself): K is convicted on A (FraudKind 8,
 * UnavailableData): rolled back to block 1, frozen (pt_getChildInfo status 1), its bond slashed, half of it and the
 * challenge bond back to the watcher on A. The watcher's status shows the finding's lifecycle; its reaction time (A blocks
 * from K's commit to the challenge) is logged.
 * A second tree runs a watcher (the library) whose key holds nothing on A at first: the finding is reported only, with
 * what to deposit where; once funded it challenges, is closed and started again (same store) before the deadline, and
 * the new process resolves the challenge it did not send (one challenge, not two).
 * An honest sibling H's block, published on A by CHILD_DATA_CALLs (publishBlockData, publishExitData), is verified by a
 * watcher whose only node URL hides that block: rebuilt from A's blocks.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Wallet } from 'ethers';
import {
  CHILD_DATA_CHALLENGE_BOND,
  ChainStatus,
  DataChallengeStatus,
  TxKind,
  decodeChallengeChildDataData,
  decodeChildDataCallData,
  decodeDataAvailabilityCall,
  blockDataChunks,
  chunkByteBudget,
  blockExitChunks,
  encodePublishBlockDataCall,
  encodePublishExitDataCall,
  type Address,
  type SignedTx,
  type Hex,
} from '@plasma-tree/core';
import { WATCHER_NATIVE_FUNDS } from '@plasma-tree/devnet';
import { Watcher, type ChainStatusJson, type FindingStatus, type WatcherOptions, type WatcherStatus } from '@plasma-tree/watcher';
import { ETH, Tree, newSigner, waitFor } from './helpers/tree.js';

const ETHER = 10n ** 18n;
/** K's challenge window on A (seconds of A's block clock): a challenge in its first 10 s, answered within 5 s. */
const K_WINDOW = 20;

interface DataChallengeJson {
  challenger: Address;
  deadline: number;
  status: number;
  bond: string;
  published: boolean;
}

let tree: Tree;

beforeAll(async () => {
  tree = await Tree.start(
    [
      { name: 'A', challengeWindow: 30 },
      { name: 'K', parent: 'A', challengeWindow: K_WINDOW, parentFinality: 'committed', faults: { kind: 'withhold-data', atBlock: 2 } },
      // Honest: its block is published on A by the test, and read back from A's blocks by a watcher that cannot fetch it.
      { name: 'H', parent: 'A', challengeWindow: 60, parentFinality: 'committed' },
    ],
    // The devnet's watcher (off by default in these tests), with a grace period that fits K's short window.
    { challengeWindow: 30, watcher: { port: 0, unavailableGraceSec: 1 } },
  );
}, 90_000);

afterAll(async () => {
  await tree?.close();
}, 60_000);

const chainOf = (s: WatcherStatus, name: string): ChainStatusJson => s.chains.find((c) => c.name === name)!;

describe('data availability inside a chain: the watcher challenges and resolves on the parent (docs/FRAUD.md §9b)', () => {
  it('K withholds block 2: challenged on A by the devnet watcher, unanswered, resolved after the deadline; K rolled back, slashed and frozen on A', async () => {
    const t0 = Date.now();
    const A = tree.chain('A');
    const K = tree.chain('K');
    const alice = tree.account(0);
    const bob = newSigner('bob');

    // The devnet funded the watcher on A, the parent of K (an L1 deposit): the bond of a challenge.
    const watcher = await tree.watcherFunded('A');
    const kBond = (await A.node.getChildInfo(K.chainId))!.bond;

    // K's block 1: bob's deposit (served); block 2: bob's transfer, withheld.
    await tree.waitApplied(await tree.deposit('A', alice, ETH, ETHER));
    await tree.waitApplied(await tree.deposit('K', alice, ETH, ETHER / 10n, bob.address));
    const transfer = await tree.send('K', await tree.signFromSlot('K', bob, { kind: TxKind.Transfer, to: newSigner('carol').address, token: ETH, amount: ETHER / 100n }));
    const withheld = await waitFor('K withholds a block', async () => (await K.node.request<{ faults?: { injected: number[] } }>('pt_chainInfo', [])).faults?.injected[0], 30_000);
    expect(withheld).toBe(2);
    expect((await tree.receipt('K', transfer)).blockNumber, 'the withheld block holds the transfer').toBe(withheld);
    expect(await K.node.getBlockByNumber(withheld), 'K serves no block 2').toBeNull();
    const commitment = await waitFor(`A commits K's block ${withheld}`, async () => (await A.node.request<{ blockNumber: number; windowEnd: number } | null>('pt_getCommitment', [K.chainId, withheld])) ?? undefined, 30_000);
    expect(commitment.windowEnd).toBeGreaterThan(0);

    // The watcher raises unavailable_data@2 and challenges it on A with its bond, in the first half of K's window.
    const challenged = await waitFor('the watcher challenges block 2 on A', async () => {
      const f = (await tree.watcherChain('K')).findings.find((x) => x.id === `unavailable_data@${withheld}`);
      return f?.objection?.dataChallenge && f;
    }, 20_000);
    expect(challenged).toMatchObject({
      kind: 'unavailable_data', height: withheld, provable: true, deadline: commitment.windowEnd,
      objection: { status: 'mined', host: A.chainId },
    });
    expect(challenged.phase2).toBeUndefined();
    expect((await tree.watcherChain('K'))).toMatchObject({ headVerified: withheld - 1, haltedAt: { height: withheld, reason: 'data unavailable' } });
    const challengeTx = challenged.objection!.tx!;
    const challengeBlock = (await A.node.getBlockByNumber(challenged.objection!.l1Block!))!;
    const kind14 = challengeBlock.txs.filter((tx) => tx.kind === TxKind.ChallengeChildData && tx.from === watcher);
    expect(kind14, 'the CHALLENGE_CHILD_DATA in A\'s block').toHaveLength(1);
    expect(kind14[0]).toMatchObject({ amount: CHILD_DATA_CHALLENGE_BOND, token: ETH });
    expect(decodeChallengeChildDataData(kind14[0].data)).toMatchObject({ child: K.chainId, windowEnd: BigInt(commitment.windowEnd) });
    expect(Number(challengeBlock.header.timestamp), 'challenged in the first half of the window').toBeLessThan(commitment.windowEnd - K_WINDOW / 2);
    const reaction = challenged.objection!.reactionL1Blocks!;
    expect(reaction).toBe(challenged.objection!.l1Block! - commitment.blockNumber);
    expect(reaction).toBeGreaterThanOrEqual(0);
    expect((await tree.receipt('A', challengeTx)).blockNumber).toBe(challenged.objection!.l1Block);
    const deadline = challenged.objection!.dataChallenge!.deadline;
    const open = await A.node.request<DataChallengeJson>('pt_getDataChallenge', [K.chainId, withheld]);
    expect(open).toMatchObject({ challenger: watcher, deadline });
    expect([DataChallengeStatus.Open, DataChallengeStatus.Convicted]).toContain(open.status);

    // Nobody publishes: after the deadline the watcher resolves it; A convicts K.
    const info = await waitFor('K frozen on A', async () => {
      const i = (await A.node.getChildInfo(K.chainId))!;
      return i.status === ChainStatus.FrozenFraud && i;
    }, 30_000);
    expect(info).toMatchObject({ status: 1, headNumber: withheld - 1, bond: 0n });
    const settled = await A.node.request<DataChallengeJson>('pt_getDataChallenge', [K.chainId, withheld]);
    expect(settled).toMatchObject({ challenger: watcher, status: DataChallengeStatus.Convicted, bond: '0', published: false });

    const final: FindingStatus = await waitFor('the watcher records the conviction', async () => {
      const f = (await tree.watcherChain('K')).findings.find((x) => x.id === `unavailable_data@${withheld}`);
      return f?.objection?.status === 'convicted' && f;
    }, 20_000);
    expect(final.resolved).toBe(`convicted by this watcher (block ${withheld})`);
    const resolveTx = final.objection!.dataChallenge!.resolveTx as Hex;
    expect(resolveTx).toMatch(/^0x[0-9a-f]{64}$/);
    const resolved = await tree.receipt('A', resolveTx);
    const resolveBlock = (await A.node.getBlockByNumber(resolved.blockNumber!))!;
    expect(Number(resolveBlock.header.timestamp), 'resolved after the deadline').toBeGreaterThan(deadline);
    expect(Number(resolveBlock.header.timestamp), 'resolved inside the window').toBeLessThan(commitment.windowEnd);
    const calls = resolveBlock.txs.filter((tx) => tx.kind === TxKind.ChildDataCall && decodeChildDataCallData(tx.data).child.toLowerCase() === K.chainId);
    expect(calls).toHaveLength(1);
    expect(calls[0].to).toBe(watcher);
    expect(decodeDataAvailabilityCall(decodeChildDataCallData(calls[0].data).call)).toMatchObject({ method: 'resolveDataChallenge', chainId: K.chainId });
    const k = (await tree.watcherChain('K'));
    expect(k).toMatchObject({ parent: A.chainId, status: 'frozen-fraud', headVerified: withheld - 1 });
    expect(k.haltedAt).toBeUndefined();

    // The slash: half K's bond to the watcher on A, and its challenge bond back.
    await waitFor('the reward on A', async () => (await tree.balance('A', watcher, ETH)) === WATCHER_NATIVE_FUNDS + kBond / 2n, 10_000);
    const metrics = await (await fetch(tree.devnet.watcher!.metricsUrl)).text();
    expect(metrics).toContain('plasma_watcher_objections_total{status="convicted"} 1');
    expect(metrics).toContain('plasma_watcher_findings_total{kind="unavailable_data"} 1');
    // A and its holders are untouched.
    expect(Number((await tree.root.chainStatus(A.chainId))[0])).toBe(ChainStatus.Live);
    expect((await tree.watcherChain('A'))).toMatchObject({ status: 'live', findings: [] });

    const resolveLag = resolved.blockNumber! - commitment.blockNumber;
    console.log(`[data-availability-deep] K's block ${withheld} committed in A block ${commitment.blockNumber}; challenged in A block ${challenged.objection!.l1Block} ` +
      `(reaction ${reaction} A blocks, ${Number(challengeBlock.header.timestamp) - (commitment.windowEnd - K_WINDOW)} s), deadline ${deadline - (commitment.windowEnd - K_WINDOW)} s after the commit, ` +
      `resolved in A block ${resolved.blockNumber} (${resolveLag} A blocks after the commit); ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }, 90_000);
});

/** A JSON-RPC proxy of a node that answers null for block `number` (by number or hash): that block only on the parent. */
async function hidingProxy(target: string, number: number, hash: Hex): Promise<{ url: string; hidden: () => number; close(): Promise<void> }> {
  let hidden = 0;
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = JSON.parse(Buffer.concat(chunks).toString()) as { id: unknown; method: string; params?: unknown[] };
    const p = body.params?.[0];
    if ((body.method === 'pt_getBlockByNumber' && p === number) || (body.method === 'pt_getBlockByHash' && String(p).toLowerCase() === hash)) {
      hidden++;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', id: body.id, result: null }));
      return;
    }
    const answer = await fetch(target, { method: 'POST', headers: { 'content-type': 'application/json' }, body: Buffer.concat(chunks) });
    res.writeHead(answer.status, { 'content-type': 'application/json' }).end(Buffer.from(await answer.arrayBuffer()));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    hidden: () => hidden,
    close: () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))),
  };
}

describe('published data below a chain', () => {
  it('H\'s block published on A by CHILD_DATA_CALLs is verified by a watcher that no node serves it to', async () => {
    const A = tree.chain('A');
    const H = tree.chain('H');
    const alice = tree.account(1);
    const bob = newSigner('bob-H');
    await tree.waitApplied(await tree.deposit('A', alice, ETH, ETHER));
    await tree.waitApplied(await tree.deposit('H', alice, ETH, ETHER / 10n, bob.address));
    const r = await tree.receipt('H', await tree.send('H', await tree.signFromSlot('H', bob, { kind: TxKind.Transfer, to: newSigner('carol').address, token: ETH, amount: ETHER / 100n })));
    const n = r.blockNumber!;
    const block = (await H.node.getBlockByNumber(n))!;
    // Each chain knows its depth and its data chunks' size budget (docs/SPEC.md "Size"): H's chunk fits one kind-15 tx of A.
    expect(await A.node.chainInfo()).toMatchObject({ depth: 1, chunkBudget: chunkByteBudget(1) });
    expect(await H.node.chainInfo()).toMatchObject({ depth: 2, chunkBudget: chunkByteBudget(2) });
    const commitment = await waitFor(`A commits H's block ${n}`, async () => (await A.node.request<{ windowEnd: number } | null>('pt_getCommitment', [H.chainId, n])) ?? undefined, 30_000);

    // Published on A (nobody challenged it: publication is open to anyone), transactions then exit tree.
    const calls = [
      ...blockDataChunks(block).map((c) => encodePublishBlockDataCall(H.chainId, block.header, commitment.windowEnd, c)),
      ...blockExitChunks(block).map((c) => encodePublishExitDataCall(H.chainId, block.header, commitment.windowEnd, c)),
    ];
    for (const call of calls) {
      await tree.receipt('A', await tree.send('A', { kind: TxKind.ChildDataCall, chainId: A.chainId, child: H.chainId, call, to: alice.address } as SignedTx));
    }
    expect(await A.node.request<DataChallengeJson>('pt_getDataChallenge', [H.chainId, n])).toMatchObject({ status: DataChallengeStatus.None, published: true });

    const proxy = await hidingProxy(H.nodeUrl, n, block.hash.toLowerCase() as Hex);
    const dataDir = mkdtempSync(join(tmpdir(), 'pt-da-deep-reader-'));
    const w = await Watcher.init({
      l1RpcUrl: tree.devnet.l1.url, rootContract: tree.devnet.rootContract, dataDir, confirmations: 0, pollMs: 150, unavailableGraceSec: 1, status: false,
      chains: [{ chainId: A.chainId, name: 'A', nodes: [A.nodeUrl] }, { chainId: H.chainId, name: 'H-via-A', nodes: [proxy.url] }],
    });
    try {
      await waitFor(`H's block ${n} verified from A's blocks`, () => chainOf(w.status(), 'H-via-A').headVerified >= n || undefined, 20_000);
      expect(proxy.hidden()).toBeGreaterThan(0);
      expect(chainOf(w.status(), 'H-via-A').findings.filter((f) => !f.resolved)).toEqual([]);
    } finally {
      await w.close();
      await proxy.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('a watcher without funds on the parent, then restarted between its challenge and the deadline', () => {
  it('reports the block only until funded, challenges, and after a restart still resolves', async () => {
    const t0 = Date.now();
    const tree2 = await Tree.start(
      [
        { name: 'A', challengeWindow: 30 },
        { name: 'K2', parent: 'A', challengeWindow: 24, parentFinality: 'committed', faults: { kind: 'withhold-data', atBlock: 2 } },
      ],
      { challengeWindow: 30 },
    );
    const dataDir = mkdtempSync(join(tmpdir(), 'pt-da-deep-watcher-'));
    const key = Wallet.createRandom().privateKey as Hex;
    const me = new Wallet(key).address.toLowerCase() as Address;
    const options: WatcherOptions = {
      l1RpcUrl: tree2.devnet.l1.url, rootContract: tree2.devnet.rootContract, key, dataDir, confirmations: 0, pollMs: 150, unavailableGraceSec: 1, status: false,
      chains: tree2.chains.map((c) => ({ chainId: c.chainId, name: c.name, nodes: [c.nodeUrl] })),
    };
    let w = await Watcher.init(options);
    try {
      const A = tree2.chain('A');
      const K2 = tree2.chain('K2');
      const alice = tree2.account(0);
      const bob = newSigner('bob');
      const kBond = (await A.node.getChildInfo(K2.chainId))!.bond;
      await tree2.waitApplied(await tree2.deposit('A', alice, ETH, ETHER));
      await tree2.waitApplied(await tree2.deposit('K2', alice, ETH, ETHER / 10n, bob.address));
      await tree2.send('K2', await tree2.signFromSlot('K2', bob, { kind: TxKind.Transfer, to: newSigner('carol').address, token: ETH, amount: ETHER / 100n }));
      const n = await waitFor('K2 withholds a block', async () => (await K2.node.request<{ faults?: { injected: number[] } }>('pt_chainInfo', [])).faults?.injected[0], 30_000);
      const finding = (s: WatcherStatus) => chainOf(s, 'K2').findings.find((f) => f.id === `unavailable_data@${n}`);

      // No native coins on A: reported only, saying what to deposit where.
      const unfunded = await waitFor('the report-only finding', () => {
        const f = finding(w.status());
        return f?.phase2 !== undefined && f;
      }, 20_000);
      expect(unfunded).toMatchObject({ provable: false, objection: null });
      expect(unfunded.phase2).toContain(`deposit at least 0.01 of the native coin to ${me} on chain A`);

      // Funded (an L1 deposit to A): it challenges on its own.
      await tree2.deposit('A', alice, ETH, CHILD_DATA_CHALLENGE_BOND * 2n, me);
      const challenged = await waitFor('the challenge once funded', () => {
        const f = finding(w.status());
        return f?.objection?.dataChallenge && f;
      }, 20_000);
      expect(challenged).toMatchObject({ provable: true, objection: { status: 'mined', host: A.chainId } });
      expect(challenged.phase2).toBeUndefined();
      const deadline = challenged.objection!.dataChallenge!.deadline;

      // Closed and started again on the same store before the deadline: it takes the challenge up and resolves it.
      await w.close();
      expect(Date.now() / 1000, 'restarted before the deadline').toBeLessThan(deadline);
      w = await Watcher.init(options);
      expect(finding(w.status())!.objection).toEqual(challenged.objection);
      const info = await waitFor('K2 frozen on A', async () => {
        const i = (await A.node.getChildInfo(K2.chainId))!;
        return i.status === ChainStatus.FrozenFraud && i;
      }, 30_000);
      expect(info).toMatchObject({ headNumber: n - 1, bond: 0n });
      const convicted = await waitFor('the restarted watcher records the conviction', () => {
        const f = finding(w.status());
        return f?.objection?.status === 'convicted' && f;
      }, 20_000);
      expect(convicted.objection!.tx).toBe(challenged.objection!.tx); // one challenge, not two
      expect(convicted.objection!.dataChallenge!.resolveTx).toMatch(/^0x[0-9a-f]{64}$/);
      const challenges = [];
      for (let b = 1; b <= (await A.node.chainInfo()).head.number; b++) {
        challenges.push(...(await A.node.getBlockByNumber(b))!.txs.filter((tx) => tx.kind === TxKind.ChallengeChildData && tx.from === me));
      }
      expect(challenges).toHaveLength(1);
      expect(await tree2.balance('A', me, ETH)).toBe(CHILD_DATA_CHALLENGE_BOND * 2n + kBond / 2n);
      console.log(`[data-availability-deep] unfunded → funded → challenged (reaction ${challenged.objection!.reactionL1Blocks} A blocks) → restarted → resolved: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    } finally {
      await w.close();
      await tree2.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 90_000);
});
