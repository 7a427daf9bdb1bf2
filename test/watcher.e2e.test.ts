/**
 * The watcher end to end (issue 4 §3, phase 1): one real Hardhat L1, one chain per fault kind the node's fault mode
 * can produce (each with its own lying validator node), an honest bystander chain with holders, and one watcher (the
 * library) following all of them. For every phase-1 kind: the faulty validator commits its block, the watcher
 * re-executes it, objects with its own key, PlasmaRoot emits FraudProven, the chain's head is rolled back and its
 * bond slashed (half of it to the watcher), while the bystander chain goes on untouched. The exit-tree lies
 * (bad-exit-root, wrong-exit) are invalid_exit findings, convicted by proveInvalidExits. The reaction time (commit →
 * objection, in L1 blocks) is logged.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEther } from 'ethers';
import { ChainStatus, FraudKind, hashHeader, type Hex } from '@plasma-tree/core';
import type { FaultKind } from '@plasma-tree/node';
import { Watcher } from '@plasma-tree/watcher';
import {
  BOND,
  ETH,
  chainStatus,
  commitBlockOf,
  depositAll,
  faultyBlock,
  fraudProven,
  getJson,
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

/** The kinds PlasmaRoot convicts in phase 1, with the FraudProven kind and the block the scenario puts the lie in. */
const PROVABLE: Array<[FaultKind, FraudKind, number]> = [
  ['bad-signature', FraudKind.InvalidTransfer, 2],
  ['bad-nonce', FraudKind.InvalidTransfer, 2],
  ['overspend', FraudKind.InvalidTransfer, 2],
  ['wrong-amount', FraudKind.InvalidTransfer, 2],
  ['bad-post-root', FraudKind.InvalidDeposit, 1],
  ['forged-deposit', FraudKind.InvalidDeposit, 1],
  ['duplicate-deposit', FraudKind.InvalidDeposit, 1],
  // Position 0 holds deposit 2: findFraud checks the down-stream-first rule before the transition, so it proves it so.
  ['deposit-out-of-order', FraudKind.MissingDownEvent, 1],
  ['missing-down-event', FraudKind.MissingDownEvent, 1],
  ['bad-timestamp', FraudKind.BadTimestamp, 2],
  ['equivocate', FraudKind.Equivocation, 1],
  // An exit no tx made (after block 1's deposits), and a withdrawal's exit that pays the operator instead.
  ['bad-exit-root', FraudKind.InvalidExits, 1],
  ['wrong-exit', FraudKind.InvalidExits, 2],
];
const findingKind = (kind: FaultKind) => (kind === 'equivocate' ? 'equivocation' : kind === 'bad-exit-root' || kind === 'wrong-exit' ? 'invalid_exit' : 'invalid_block');

let l1: L1;
let watcher: Watcher;
let watcherKey: Hex;
let watcherDir: Awaited<ReturnType<typeof tempDir>>;
let balanceBefore: bigint;
const chains = new Map<string, RunningChain>();
let honest: RunningChain;
let honestHeadAtStart = 0;

beforeAll(async () => {
  l1 = await startL1();
  // Account 0 deploys and deposits; 1..13 validate the faulty chains, 14 the honest one; 19 is the watcher.
  const kinds: FaultKind[] = PROVABLE.map(([k]) => k);
  for (const [i, kind] of kinds.entries()) chains.set(kind, await startChain(l1, kind, i + 1, { kind }));
  honest = await startChain(l1, 'honest', 14);
  watcherKey = validatorKey(l1, 19);
  balanceBefore = await l1.provider.getBalance(keyAddress(watcherKey));
  watcherDir = await tempDir();
  watcher = await Watcher.init(watcherOptions(l1, [...chains.values(), honest], watcherDir.path, { key: watcherKey }));
  const all = [...chains.values(), honest];
  await depositAll(l1, all);
  await spendAll(all);
}, 120_000);

afterAll(async () => {
  await watcher?.close();
  for (const c of [...chains.values(), honest]) if (c) await stopChain(c);
  await watcherDir?.remove();
  await l1?.stop();
}, 60_000);

describe('the watcher convicts every phase-1 fault the node can inject', () => {
  for (const [kind, fraudKind, expectedBlock] of PROVABLE) {
    it(kind, async () => {
      const c = chains.get(kind)!;
      const n = await faultyBlock(l1, c);
      expect(n).toBe(expectedBlock);
      const proven = await fraudProven(l1, c.chainId);
      expect(proven).toMatchObject({ number: BigInt(n), kind: fraudKind, challenger: keyAddress(watcherKey), reward: BOND / 2n });

      // Rolled back, slashed, frozen.
      const root = await l1.root.chainInfo(c.chainId);
      expect(root.headNumber).toBe(BigInt(n - 1));
      expect(root.bond).toBe(0n);
      expect(Number((await l1.root.chainStatus(c.chainId))[0])).toBe(ChainStatus.FrozenFraud);

      // The watcher's record of it.
      const status = await waitFor('the finding convicted', () => {
        const s = chainStatus(watcher, kind);
        return s.findings.find((f) => f.height === n && f.objection?.status === 'convicted') && s;
      }, 20_000);
      const finding = status.findings.find((f) => f.height === n)!;
      expect(finding).toMatchObject({ kind: findingKind(kind), chain: c.chainId, provable: true });
      expect(finding.deadline).toBeGreaterThan(0);
      expect(status.status).toBe('frozen-fraud');
      expect(status.headVerified).toBe(n - 1);
      const commitBlock = await commitBlockOf(l1, c.chainId, n);
      const reaction = finding.objection!.reactionL1Blocks!;
      expect(finding.objection!.l1Block).toBe(proven.blockNumber);
      expect(reaction).toBe(proven.blockNumber - commitBlock!);
      console.log(`watcher reaction ${kind}: block ${n} committed in L1 block ${commitBlock}, objection in L1 block ${proven.blockNumber}: ${reaction} L1 blocks`);
      if (kind === 'equivocate') {
        // The committed header's quorum was checked by commit and is not read again: the watcher leaves it out.
        const input = (await l1.provider.getTransaction(finding.objection!.tx!))!.data;
        const [, h1, sigs1, h2, sigs2] = l1.root.interface.decodeFunctionData('proveEquivocation', input);
        const [event] = await l1.root.queryFilter(l1.root.filters.Committed(c.chainId, n));
        const committedHash = (event as unknown as { args: { blockHash: string } }).args.blockHash.toLowerCase();
        const hashOf = (h: { chainId: string; number: bigint; parentHash: string; txRoot: string; stateRoot: string; exitRoot: string; depositNonce: bigint; timestamp: bigint }) =>
          hashHeader({ chainId: h.chainId as Hex, number: h.number, parentHash: h.parentHash as Hex, txRoot: h.txRoot as Hex, stateRoot: h.stateRoot as Hex, exitRoot: h.exitRoot as Hex, depositNonce: h.depositNonce, timestamp: h.timestamp });
        const sides = [[hashOf(h1), sigs1], [hashOf(h2), sigs2]] as [string, string][];
        expect(sides.find(([hash]) => hash === committedHash)?.[1]).toBe('0x');
        expect(sides.find(([hash]) => hash !== committedHash)?.[1]).toHaveLength(2 + 130); // threshold 1: one signature
      }
    });
  }

  it('the honest chain is untouched; the watcher earned bond/2 per conviction; /status and /metrics say so', async () => {
    await waitFor('every conviction', () => watcher.status().chains.filter((c) => c.status === 'frozen-fraud').length === PROVABLE.length || undefined, 30_000);
    // Honest chain: live, full bond, verified by the watcher, its holders' balances as they were.
    expect(Number((await l1.root.chainStatus(honest.chainId))[0])).toBe(ChainStatus.Live);
    expect((await l1.root.chainInfo(honest.chainId)).bond).toBe(BOND);
    expect(await l1.root.subtreeBalance(honest.chainId, ETH)).toBe(parseEther('2'));
    expect(await rpc(honest.node.rpcUrl, 'pt_getBalance', [honest.bob.address, ETH])).toBe(parseEther('1.1').toString());
    const committed = (await info(honest)).committed.number;
    honestHeadAtStart = committed;
    await waitFor('the honest chain verified', () => chainStatus(watcher, 'honest').headVerified >= committed || undefined);
    expect(chainStatus(watcher, 'honest')).toMatchObject({ status: 'live', findings: [] });

    // bond/2 per conviction, less the gas of the watcher's own transactions.
    let gas = 0n;
    for (const c of watcher.status().chains) {
      for (const f of c.findings) {
        if (!f.objection?.tx) continue;
        const r = await l1.provider.getTransactionReceipt(f.objection.tx);
        gas += r!.gasUsed * r!.gasPrice;
      }
    }
    const after = await l1.provider.getBalance(keyAddress(watcherKey));
    expect(after - balanceBefore + gas).toBe(BigInt(PROVABLE.length) * (BOND / 2n));

    const { body: status } = await getJson(`${watcher.statusUrl}/status`);
    expect(status.chains).toHaveLength(PROVABLE.length + 1);
    expect(status.chains.find((c: { name: string }) => c.name === 'bad-nonce').findings[0]).toMatchObject({ kind: 'invalid_block', objection: { status: 'convicted' } });
    const { body: metrics } = await getJson(`${watcher.statusUrl}/metrics`);
    expect(metrics).toContain(`plasma_watcher_objections_total{status="convicted"} ${PROVABLE.length}`);
    expect(metrics).toContain(`plasma_watcher_reaction_l1_blocks_count ${PROVABLE.length}`);
    expect(metrics).toContain('plasma_watcher_findings_total{kind="invalid_exit"} 2');
    expect((await getJson(`${watcher.statusUrl}/healthz`)).status).toBe(200);
    expect(honestHeadAtStart).toBeGreaterThanOrEqual(2);
  });
});
