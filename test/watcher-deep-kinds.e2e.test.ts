/**
 * The watcher below the root, for the fault kinds test/watcher-deep.e2e.test.ts does not cover one level deep (docs/
 * FRAUD.md §7, packages/watcher): one real Hardhat L1, A a child of the root, and under A one chain per fault (its only
 * validator node lies) and an honest sibling S. One watcher (the library, in this process) follows A and its children:
 * every faulty child is convicted on A by a PROVE_CHILD_FRAUD the watcher sends to A's node, with the FraudKind
 * PlasmaRoot convicts the same lie with one level up (test/watcher.e2e.test.ts's PROVABLE table); the reward (bond / 2)
 * lands in the watcher's account on A; A's other holders and S are untouched. The reaction time (A blocks from the
 * commit to the objection) is logged.
 *
 * Block 1 of every faulty chain holds its deposits (DEPOSIT_TO_CHILD txs of alice on A); the deposit lies get two of
 * them in one A block, so that deposit-out-of-order has the two deposits it needs in the child's block 1, as the
 * root-level scenario does (packages/watcher/test/helpers.ts depositAll). The transfer lies are in block 2.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Wallet } from 'ethers';
import { ChainStatus, FraudKind, TxKind, decodeProveChildFraudData, type Address, type Hex, type SignedTx } from '@plasma-tree/core';
import type { FaultKind } from '@plasma-tree/node';
import type { ChainStatusJson, Watcher, WatcherStatus } from '@plasma-tree/watcher';
import { startTreeWatcher, type TreeWatcher } from './helpers/watcher.js';
import { ETH, Tree, newSigner, waitFor, type Signer } from './helpers/tree.js';

const ETHER = 10n ** 18n;
/**
 * [chain, fault, what triggers it, the FraudKind it is convicted as, the faulty block]. The FraudKind and block are
 * test/watcher.e2e.test.ts's PROVABLE rows for these kinds: one level deeper, the same lie is the same fraud.
 */
const FAULTY: ReadonlyArray<readonly [string, FaultKind, 'transfer' | 'deposits', FraudKind, number]> = [
  ['B1', 'bad-signature', 'transfer', FraudKind.InvalidTransfer, 2],
  ['B2', 'bad-nonce', 'transfer', FraudKind.InvalidTransfer, 2],
  ['B3', 'wrong-amount', 'transfer', FraudKind.InvalidTransfer, 2],
  ['B4', 'bad-post-root', 'deposits', FraudKind.InvalidDeposit, 1],
  ['B5', 'duplicate-deposit', 'deposits', FraudKind.InvalidDeposit, 1],
  // Position 0 holds deposit 2: findFraud checks the down-stream-first rule before the transition, so it proves it so.
  ['B6', 'deposit-out-of-order', 'deposits', FraudKind.MissingDownEvent, 1],
  ['B7', 'missing-down-event', 'deposits', FraudKind.MissingDownEvent, 1],
];

/** K's challenge window and stall limit on A (seconds): the deadline of a deposit A recorded for it. */
const SKIP_LIMIT = 10;

let tree: Tree;
let watcher: Watcher;
let treeWatcher: TreeWatcher | undefined;
const watcherKey = Wallet.createRandom().privateKey as Hex;
const watcherAddress = new Wallet(watcherKey).address.toLowerCase() as Address;
const alice = () => tree.account(0);
const holders = new Map<string, Signer>();
/** What each child's holder got on it (0.1 ETH per deposit). */
const deposited = new Map<string, bigint>();

beforeAll(async () => {
  tree = await Tree.start(
    [
      { name: 'A', challengeWindow: 30 },
      ...FAULTY.map(([name, kind]) => ({ name, parent: 'A', challengeWindow: 60, parentFinality: 'committed' as const, faults: { kind } })),
      { name: 'S', parent: 'A', challengeWindow: 60, parentFinality: 'committed' },
      // Leaves every deposit out; its deadline on A is its stall limit (docs/FRAUD.md §3, kind 9).
      { name: 'K', parent: 'A', challengeWindow: SKIP_LIMIT, stallLimit: SKIP_LIMIT, parentFinality: 'committed', faults: { kind: 'skip-deposit' as const } },
    ],
    { challengeWindow: 30, watcher: false },
  );
  treeWatcher = await startTreeWatcher(tree, { key: watcherKey });
  watcher = treeWatcher.watcher;
  await tree.waitApplied(await tree.deposit('A', alice(), ETH, 2n * ETHER));
}, 90_000);

afterAll(async () => {
  await treeWatcher?.close();
  await tree?.close();
}, 60_000);

const chainOf = (s: WatcherStatus, name: string): ChainStatusJson => s.chains.find((c) => c.name === name)!;

/**
 * Deposits of alice on A to a fresh holder of each chain (its block 1): one for each of `single`, two for each of
 * `double`; all of them DEPOSIT_TO_CHILD txs at alice's consecutive nonces in one pt_sendTransactions, so that the
 * two deposits of a chain land in one A block (checked) and so in one block of the child.
 */
async function deposits(single: string[], double: string[]): Promise<void> {
  const A = tree.chain('A');
  const account = await A.node.getAccount(alice().address, ETH);
  if (account.slot === null) throw new Error('alice holds nothing on A');
  const txs: SignedTx[] = [];
  const of: string[] = [];
  for (const name of [...single, ...double]) {
    const bob = newSigner(`bob-${name}`);
    holders.set(name, bob);
    const count = double.includes(name) ? 2 : 1;
    deposited.set(name, BigInt(count) * (ETHER / 10n));
    for (let i = 0; i < count; i++) {
      txs.push(tree.sign(alice(), {
        kind: TxKind.DepositToChild, chainId: A.chainId, slot: account.slot, nonce: account.pendingNonce + BigInt(txs.length),
        child: tree.chain(name).chainId, to: bob.address, token: ETH, amount: ETHER / 10n,
      } as never) as SignedTx);
      of.push(name);
    }
  }
  const sent = await A.node.sendTransactions(txs);
  const hashes = sent.map((r, i) => {
    if ('error' in r) throw new Error(`A refused alice's deposit ${i} (to ${of[i]}): ${r.error.code} ${r.error.message}`);
    return r.hash;
  });
  const receipts = await Promise.all(hashes.map((h) => tree.receipt('A', h)));
  for (const name of double) {
    const blocks = new Set(receipts.filter((_, i) => of[i] === name).map((r) => r.blockNumber));
    expect(blocks.size, `both deposits to ${name} in one A block`).toBe(1);
  }
  await Promise.all([...single, ...double].map(async (name) => {
    const records = await tree.childDeposits('A', name);
    await tree.waitApplied({ chain: name, nonce: Math.max(...records.map((d) => d.nonce)) });
  }));
}

/** A transfer by the holder of `name` (block 2). */
async function transfer(name: string): Promise<void> {
  await tree.send(name, await tree.signFromSlot(name, holders.get(name)!, { kind: TxKind.Transfer, to: newSigner('carol').address, token: ETH, amount: ETHER / 100n }));
}

const injected = (name: string) => waitFor(`${name} injects its fault`, async () => (await tree.chain(name).node.request<{ faults?: { injected: number[] } }>('pt_chainInfo', [])).faults?.injected[0], 30_000);

describe('the watcher convicts chains below a chain on their parent (PROVE_CHILD_FRAUD): the other kinds', () => {
  it(`${FAULTY.map(([, kind]) => kind).join(', ')} under A: convicted on A by the watcher with PlasmaRoot's FraudKind; S and A's holders untouched`, async () => {
    const t0 = Date.now();
    const A = tree.chain('A');
    const bonds = new Map<string, bigint>();
    for (const [name] of FAULTY) bonds.set(name, (await A.node.getChildInfo(tree.chain(name).chainId))!.bond);
    await deposits(
      [...FAULTY.filter(([, , what]) => what === 'transfer').map(([name]) => name), 'S'],
      FAULTY.filter(([, , what]) => what === 'deposits').map(([name]) => name),
    );
    await Promise.all([...FAULTY.filter(([, , what]) => what === 'transfer').map(([name]) => transfer(name)), transfer('S')]);
    const aliceOnA = await tree.balance('A', alice(), ETH);

    const failures: string[] = [];
    for (const [name, kind, , fraudKind, expectedBlock] of FAULTY) {
      try {
        const c = tree.chain(name);
        const n = await injected(name);
        expect(n, `${kind}: the faulty block`).toBe(expectedBlock);
        const info = await waitFor(`${name} (${kind}) frozen on A`, async () => {
          const i = (await A.node.getChildInfo(c.chainId))!;
          return i.status === ChainStatus.FrozenFraud && i;
        }, 45_000);
        expect(info, kind).toMatchObject({ headNumber: n - 1, bond: 0n });
        const s = await waitFor(`the watcher's record of ${name} (${kind})`, () => {
          const ch = chainOf(watcher.status(), name);
          return ch.findings.find((f) => f.height === n && f.objection?.status === 'convicted') && ch;
        }, 20_000);
        const f = s.findings.find((x) => x.height === n)!;
        expect(s, kind).toMatchObject({ parent: A.chainId, status: 'frozen-fraud', headVerified: n - 1 });
        expect(f, kind).toMatchObject({ kind: 'invalid_block', provable: true, objection: { host: A.chainId, status: 'convicted' } });
        // The finding names the FraudKind it proves (`<FraudKind>: <core's reason>`).
        expect(f.reason.split(':')[0], `${kind}: the finding's reason ${f.reason}`).toBe(FraudKind[fraudKind]);
        // The objection is a kind-10 tx against c, to the watcher's address, in A's block; the FraudKind A convicted
        // with is the one in its data (A's ledger keeps the conviction's status and time, not its kind).
        const block = (await A.node.getBlockByNumber(f.objection!.l1Block!))!;
        const objections = block.txs.filter((tx) => tx.kind === TxKind.ProveChildFraud && tx.to === watcherAddress && decodeProveChildFraudData(tx.data).child.toLowerCase() === c.chainId);
        expect(objections, `${kind}: the kind-10 tx in A block ${f.objection!.l1Block}`).toHaveLength(1);
        expect(FraudKind[decodeProveChildFraudData(objections[0].data).fraudKind], `${kind}: the FraudKind convicted on A`).toBe(FraudKind[fraudKind]);
        console.log(`[watcher-deep-kinds] ${kind} (${name}): ${FraudKind[fraudKind]} (${f.reason}); block ${n} committed in A block ${f.commitL1Block}, objection in A block ${f.objection!.l1Block}: ${f.objection!.reactionL1Blocks} A blocks`);
      } catch (e) {
        const status = JSON.stringify(chainOf(watcher.status(), name));
        failures.push(`${kind} (${name}): ${(e as Error).message}; the watcher's status of it: ${status}`);
      }
    }
    // Every kind is tried before failing, so that one failure does not hide another.
    expect(failures, failures.join('\n')).toEqual([]);

    // bond / 2 per conviction to the watcher on A.
    const rewards = [...bonds.values()].reduce((a, b) => a + b / 2n, 0n);
    expect(await tree.balance('A', watcherAddress, ETH)).toBe(rewards);
    // S: live, verified, its holder's balance as it was; alice on A untouched; A live on L1.
    const S = tree.chain('S');
    expect((await A.node.getChildInfo(S.chainId))!.status).toBe(ChainStatus.Live);
    const sHead = (await A.node.getChildInfo(S.chainId))!.headNumber;
    await waitFor('S verified', () => chainOf(watcher.status(), 'S').headVerified >= sHead || undefined, 20_000);
    expect(chainOf(watcher.status(), 'S')).toMatchObject({ status: 'live', findings: [], parent: A.chainId });
    expect(await tree.balance('S', holders.get('S')!, ETH)).toBe(deposited.get('S')! - ETHER / 100n);
    expect(await tree.balance('A', alice(), ETH)).toBe(aliceOnA);
    expect(Number((await tree.root.chainStatus(A.chainId))[0])).toBe(ChainStatus.Live);
    expect(chainOf(watcher.status(), 'A')).toMatchObject({ parent: 'root', status: 'live', findings: [] });
    expect(watcher.metrics.prometheus()).toContain(`plasma_watcher_objections_total{status="convicted"} ${FAULTY.length}`);
    console.log(`[watcher-deep-kinds] ${FAULTY.length} convictions on A in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }, 90_000);

  it('skip-deposit under A: K leaves alice\'s deposit out past its stall limit on A and is convicted by kind 9 (SkippedDeposit)', async () => {
    const A = tree.chain('A');
    const K = tree.chain('K');
    const bob = newSigner('bob-K');
    const account = await A.node.getAccount(alice().address, ETH);
    const [sent] = await A.node.sendTransactions([tree.sign(alice(), {
      kind: TxKind.DepositToChild, chainId: A.chainId, slot: account.slot!, nonce: account.pendingNonce, child: K.chainId, to: bob.address, token: ETH, amount: ETHER / 10n,
    } as never) as SignedTx]);
    if ('error' in sent) throw new Error(`A refused the deposit to K: ${sent.error.code} ${sent.error.message}`);
    const recordedIn = await tree.receipt('A', sent.hash);
    const info = await waitFor('K frozen on A', async () => {
      const i = (await A.node.getChildInfo(K.chainId))!;
      return i.status === ChainStatus.FrozenFraud && i;
    }, 45_000);
    // Rolled back to a head that applies nothing: the deposit stays A's record, in flight (kind 12 gives it back).
    expect(info).toMatchObject({ bond: 0n, headDepositNonce: 0, depositCount: 1 });
    const f = await waitFor('the watcher\'s record of K', () => chainOf(watcher.status(), 'K').findings.find((x) => x.objection?.status === 'convicted'), 20_000);
    expect(f).toMatchObject({ kind: 'invalid_block', provable: true, objection: { host: A.chainId, status: 'convicted' } });
    expect(f.reason).toMatch(/^SkippedDeposit/);
    expect(info.headNumber).toBe(f.height - 1);
    const block = (await A.node.getBlockByNumber(f.objection!.l1Block!))!;
    const objection = block.txs.find((tx) => tx.kind === TxKind.ProveChildFraud && decodeProveChildFraudData(tx.data).child.toLowerCase() === K.chainId)!;
    expect(decodeProveChildFraudData(objection.data).fraudKind).toBe(FraudKind.SkippedDeposit);
    // The convicted block was committed on A more than the limit after the deposit's A block.
    const recorded = (await A.node.getBlockByNumber(recordedIn.blockNumber!))!.header.timestamp;
    const committed = (await A.node.getBlockByNumber(f.commitL1Block!))!.header.timestamp;
    expect(committed).toBeGreaterThan(recorded + BigInt(SKIP_LIMIT));
    console.log(`[watcher-deep-kinds] skip-deposit (K): block ${f.height} committed ${committed - recorded} s after the deposit (limit ${SKIP_LIMIT} s), objection ${f.objection!.reactionL1Blocks} A blocks later`);
  }, 60_000);
});
