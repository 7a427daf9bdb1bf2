/**
 * Two watchers with their own keys race to object to the same invalid block (issue 4 §3: anyone may object). The
 * root convicts once: one FraudProven, one reward. The other watcher must end in a settled state (its objection
 * failed, "convicted first by" the winner, or refused by the contract), must not retry, and must not have paid more
 * than the gas of a refused objection.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChainStatus, FraudKind, type Hex } from '@plasma-tree/core';
import { Watcher } from '../src/index.js';
import {
  BOND,
  chainStatus,
  depositAll,
  faultyBlock,
  keyAddress,
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
} from './helpers.js';

let l1: L1;
let chain: RunningChain;
const watchers: { watcher: Watcher; key: Hex; dir: Awaited<ReturnType<typeof tempDir>>; before: bigint }[] = [];

beforeAll(async () => {
  l1 = await startL1();
  chain = await startChain(l1, 'racy', 1, { kind: 'overspend' });
  for (const index of [18, 19]) {
    const key = validatorKey(l1, index);
    const dir = await tempDir();
    const before = await l1.provider.getBalance(keyAddress(key));
    const watcher = await Watcher.init(watcherOptions(l1, [chain], dir.path, { key, status: false }));
    watchers.push({ watcher, key, dir, before });
  }
  await depositAll(l1, [chain]);
  await spendAll([chain]);
}, 90_000);

afterAll(async () => {
  for (const w of watchers) {
    await w.watcher.close();
    await w.dir.remove();
  }
  if (chain) await stopChain(chain);
  await l1?.stop();
}, 60_000);

describe('two watchers object to the same block', () => {
  it('one conviction, one reward; the other watcher settles without retrying or paying more than a refused objection', async () => {
    const n = await faultyBlock(l1, chain);
    // Both settle: every finding of block n has a final objection status.
    const settled = await waitFor('both watchers settled', () => {
      const findings = watchers.map((w) => chainStatus(w.watcher, 'racy').findings.find((f) => f.height === n));
      const done = findings.every((f) => f?.objection && (f.objection.status === 'convicted' || f.objection.status === 'failed'));
      return done ? findings.map((f) => f!) : undefined;
    }, 30_000);

    const events = await l1.root.queryFilter(l1.root.filters.FraudProven(chain.chainId));
    expect(events).toHaveLength(1);
    const winnerAddress = String((events[0] as unknown as { args: { challenger: string } }).args.challenger).toLowerCase();
    const winner = settled.findIndex((f) => f.objection!.status === 'convicted');
    expect(winner).toBeGreaterThanOrEqual(0);
    expect(keyAddress(watchers[winner].key)).toBe(winnerAddress);
    const loser = settled[1 - winner];
    expect(loser.objection!.status).toBe('failed');
    // Either it saw the conviction before sending, or the root refused its late proof (the head moved back).
    expect(loser.objection!.reason ?? '').toMatch(new RegExp(`convicted first by ${winnerAddress}|UnknownCommitment|ChallengeWindowClosed|revert`, 'i'));
    expect(Number((await l1.root.chainStatus(chain.chainId))[0])).toBe(ChainStatus.FrozenFraud);
    expect((await l1.root.chainInfo(chain.chainId)).headNumber).toBe(BigInt(n - 1));
    expect(Number((events[0] as unknown as { args: { kind: bigint } }).args.kind)).toBe(FraudKind.InvalidTransfer);

    // Money: the winner earned bond / 2 less its gas; the loser paid at most the gas of its refused objection.
    const paid = async (i: number) => {
      const f = settled[i];
      if (!f.objection?.tx) return 0n;
      const r = await l1.provider.getTransactionReceipt(f.objection.tx);
      return r ? r.gasUsed * r.gasPrice : 0n;
    };
    const after = await Promise.all(watchers.map((w) => l1.provider.getBalance(keyAddress(w.key))));
    expect(after[winner] - watchers[winner].before + (await paid(winner))).toBe(BOND / 2n);
    const loserSpent = watchers[1 - winner].before - after[1 - winner];
    expect(loserSpent).toBe(await paid(1 - winner));
    expect(loserSpent).toBeLessThan(BOND / 100n);

    // Settled means settled: a few more rounds change nothing.
    const objectionsBefore = watchers.map((w) => w.watcher.metrics.prometheus().match(/plasma_watcher_objections_total\{status="sent"\} (\d+)/)?.[1] ?? '0');
    await new Promise((r) => setTimeout(r, 1_500));
    const objectionsAfter = watchers.map((w) => w.watcher.metrics.prometheus().match(/plasma_watcher_objections_total\{status="sent"\} (\d+)/)?.[1] ?? '0');
    expect(objectionsAfter).toEqual(objectionsBefore);
    for (const w of watchers) expect(chainStatus(w.watcher, 'racy')).toMatchObject({ status: 'frozen-fraud', headVerified: n - 1 });
  }, 60_000);
});
