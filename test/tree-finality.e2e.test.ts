/**
 * When a child of a child chain applies a deposit (docs/TREE.md §4 "down", NodeOptions `parent.finality`), end
 * to end on a real Hardhat node with real validator nodes: root → A; A → A1 (its node follows A with
 * `parentFinality: 'final'`) and A → A2 (`'committed'`). A DEPOSIT_TO_CHILD on A into each: A2 applies its deposit
 * once A's block holding it is committed on L1; A1 only once that commitment is final (A's challenge window on
 * L1 has passed), never while it is merely committed. The delays are measured and logged.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseUnits } from 'ethers';
import type { Address } from '@plasma-tree/core';
import { ETH, Tree, expectTreeInvariant, newSigner, sleep, type DepositRef } from './helpers/tree.js';

/**
 * A's challenge window on L1 (seconds of L1 time). L1 mines a block every second and one per transaction, each
 * at least a second after the previous one, so the window ends by itself, a little sooner in wall-clock time
 * when the tree is busy committing.
 */
const A_WINDOW = 8;
const dev = (n: number) => parseUnits(String(n), 18);

let tree: Tree;
let DEV: Address;

beforeAll(async () => {
  const t0 = Date.now();
  tree = await Tree.start([
    { name: 'A', challengeWindow: A_WINDOW },
    { name: 'A1', parent: 'A', parentFinality: 'final' },
    { name: 'A2', parent: 'A', parentFinality: 'committed' },
  ], { challengeWindow: 2 });
  DEV = tree.dev;
  console.log(`[tree-finality] devnet up in ${Date.now() - t0} ms`);
}, 90_000);

afterAll(async () => {
  await tree?.close();
});

/** When (wall clock, ms since the epoch) each thing was first seen, and L1's latest timestamp then (s). */
interface Seen {
  included: number;
  committed?: number;
  final?: number;
  applied?: number;
  l1AtApplied?: number;
}

describe("parentFinality on a child of a child chain ('final' against 'committed')", () => {
  it("applies a deposit A → A1 only once A's block is final on L1, and a deposit A → A2 ('committed') as soon as it is committed there", async () => {
    const alice = tree.account(1);
    const onA1 = newSigner('x');
    const onA2 = newSigner('y');
    await tree.waitApplied(await tree.deposit('A', alice, DEV, dev(100)));
    await tree.settle('A');

    // Two DEPOSIT_TO_CHILD on A, one into each child.
    const refs: Record<'A1' | 'A2', DepositRef> = {} as never;
    const seen: Record<'A1' | 'A2', Seen> = {} as never;
    refs.A1 = await tree.deposit('A1', alice, DEV, dev(10), onA1);
    seen.A1 = { included: Date.now() };
    refs.A2 = await tree.deposit('A2', alice, DEV, dev(20), onA2);
    seen.A2 = { included: Date.now() };

    // Sample until both are applied (and A2's block is final too): the children's balances first, then A's committed and final heights. A
    // height read after a balance is at least what it was when the balance was read, so a credit seen while A's
    // final height is still below the deposit's block is a deposit applied before it was final.
    let windowOpenSamples = 0;
    const deadline = Date.now() + 45_000;
    const done = () => seen.A1.applied !== undefined && seen.A2.applied !== undefined && seen.A2.final !== undefined;
    while (!done() && Date.now() < deadline) {
      const credited = { A1: (await tree.balance('A1', onA1, DEV)) > 0n, A2: (await tree.balance('A2', onA2, DEV)) > 0n };
      const info = await tree.chain('A').node.request<{ committed: { number: number }; final: { number: number } }>('pt_chainInfo');
      const l1Now = (await tree.provider.getBlock('latest'))!.timestamp;
      const now = Date.now();
      for (const name of ['A1', 'A2'] as const) {
        const block = refs[name].blockNumber!;
        if (info.committed.number >= block) seen[name].committed ??= now;
        if (info.final.number >= block) seen[name].final ??= now;
        if (credited[name] && seen[name].applied === undefined) Object.assign(seen[name], { applied: now, l1AtApplied: l1Now });
      }
      if (credited.A1) expect(info.final.number, 'A1 applied a deposit whose block is not final on A').toBeGreaterThanOrEqual(refs.A1.blockNumber!);
      if (credited.A2) expect(info.committed.number, 'A2 applied a deposit whose block is not committed on A').toBeGreaterThanOrEqual(refs.A2.blockNumber!);
      if (info.committed.number >= refs.A1.blockNumber! && info.final.number < refs.A1.blockNumber! && !credited.A1) windowOpenSamples++;
      await sleep(50);
    }
    expect(seen.A1.applied, 'A1 never applied its deposit').toBeDefined();
    expect(seen.A2.applied, 'A2 never applied its deposit').toBeDefined();
    expect(seen.A2.final, "A's block holding the deposit into A2 never became final").toBeDefined();
    const a1 = seen.A1 as Required<Seen>;
    const a2 = seen.A2 as Required<Seen>;

    // While A's block was committed on L1 but its window open, A1 had not applied the deposit (seen many times);
    // A2, following 'committed', had applied its own before A's block holding it was final.
    expect(windowOpenSamples).toBeGreaterThan(5);
    expect(a1.applied).toBeGreaterThanOrEqual(a1.final);
    expect(a2.applied).toBeLessThan(a2.final);
    // The window is A's on L1: the commitment of A's block holding the deposit into A1 ends its window at
    // windowEnd (L1 time), and L1 had reached it when A1 applied the deposit; A2 applied its own before that.
    const commitment = await tree.root.queryFilter(tree.root.filters.Committed(tree.chain('A').chainId, refs.A1.blockNumber!));
    expect(commitment).toHaveLength(1);
    const windowEnd = Number((commitment[0] as unknown as { args: { windowEnd: bigint } }).args.windowEnd);
    expect(a1.l1AtApplied).toBeGreaterThanOrEqual(windowEnd);
    expect(a2.l1AtApplied).toBeLessThan(windowEnd);
    const delayA1 = a1.applied - a1.included;
    const delayA2 = a2.applied - a2.included;
    expect(delayA1 - delayA2).toBeGreaterThanOrEqual(1_000);
    console.log(`[tree-finality] deposit A → A1 ('final'): applied ${delayA1} ms after its inclusion on A (A's block committed on L1 after ${a1.committed - a1.included} ms, final after ${a1.final - a1.included} ms: a window of ${A_WINDOW} s of L1 time)`);
    console.log(`[tree-finality] deposit A → A2 ('committed'): applied ${delayA2} ms after its inclusion on A (committed on L1 after ${a2.committed - a2.included} ms): ${delayA1 - delayA2} ms sooner than 'final'`);

    expect(await tree.balance('A1', onA1, DEV)).toBe(dev(10));
    expect(await tree.balance('A2', onA2, DEV)).toBe(dev(20));
    await expectTreeInvariant(tree, [ETH, DEV]);
  }, 60_000);
});
