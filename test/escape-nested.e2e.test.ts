/**
 * The escape of holders inside a frozen chain's children end to end (docs/FRAUD.md §4b, PlasmaNestedEscape): A is a
 * child of the root with a short stall limit, K a child of A, each run by a real validator node. alice deposits to A
 * on L1, then into K on A; on K she pays bob and withdraws (an exit A never pays); once A's clock is past that
 * block's window, bob pays alice back a little in K's next block, which A commits and never sees final; K stops; a
 * deposit to K is made on A that K never applies (in flight); A commits to L1 and stops. Anyone freezes A on the root after its stall limit; its head is final. Then K's holders
 * leave on L1 with the inputs read offline from A's and K's data directories (node `nestedEscapeSourceFromDataDirs`):
 * alice through the SDK's NestedEscapeClient (her slot, her exit, her deposit in flight), bob through the CLI
 * (`plasma-tree escape nested`); a second escape is refused (ALREADY_ESCAPED, from the SDK's check and from the
 * module's custom error). Both are paid their balances in K's last final block, not in K's head.
 *
 * Then the escape of holders two levels below a frozen child of the root, on a tree of its own (docs/FRAUD.md §4b "As implemented" 6,
 * PlasmaNestedEscape's paths): A is a child of the root with a short stall limit, K a child of A, J a child of K, each
 * run by a real validator node. alice deposits to A on L1, into K on A, into J on K; on J she pays bob and withdraws (an
 * exit K never pays); once K's clock is past J's head window, J stops and a deposit to J is made on K that J never
 * applies (in flight: K's block that records it is the one that makes J's head final); once A's clock is past that K
 * block's window, K stops, A makes one more block, commits to L1 and stops. Anyone freezes A on the root after its stall
 * limit. Then J's holders leave on L1 along the path A → K → J, the inputs read offline from the three data directories
 * (node `nestedEscapeSourceFromDataDirs` with `viaDataDirs`): alice through the SDK's NestedEscapeClient (her slot, her
 * exit, her deposit in flight), bob through the CLI (`plasma-tree escape nested J --via-data-dir <K's dir>`); what went
 * out is counted against both caps (J's in K's ledger, K's in A's).
 *
 * Last, the same inside a chain parent's ledger (docs/FRAUD.md §4c, NESTED_ESCAPE_CALL): P a child of the root, A a
 * child of P with a short stall limit, K a child of A. A stops and is frozen on P (FREEZE_STALLED_CHILD) while P runs
 * on; K's holders are paid on P, free, with the same inputs: alice through the SDK's ChainNestedEscapeClient, bob
 * through the CLI (`--host-node <P's node>`), out of what P holds for A.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type JsonRpcProvider } from 'ethers';
import { encodeEscapeNestedExitCall, type Address, type ChainId } from '@plasma-tree/core';
import { ChainEscapeClient, ChainNestedEscapeClient, EscapeClient, NestedEscapeClient, childOf, mapL1Error } from '@plasma-tree/sdk';
import { nestedEscapeSourceFromDataDirs } from '@plasma-tree/node';
import type { ChainSpec } from '@plasma-tree/devnet';
import { ETH, Tree, expectCode, newSigner, waitForWallClock } from './helpers/tree.js';
import { runCli, startTreeWithCli, type CliResult } from './helpers/cli.js';

const ETHER = 10n ** 18n;
/** A's challenge window and stall limit on the root (L1 seconds). */
const A_WINDOW = 5;
const A_STALL = 10;
/** K's challenge window on A (A's clock), J's on K (K's clock): the wall clock. */
const K_WINDOW = 4;
const J_WINDOW = 4;

let tree: Tree;
let provider: JsonRpcProvider;
let cliDir: string;

/** Starts `chains` for the tests of the describe this is called in (the variables above point at it), stops it after. */
function withTree(chains: ChainSpec[], tag: string): void {
  let close: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    ({ tree, dir: cliDir, close } = await startTreeWithCli(chains, { challengeWindow: A_WINDOW }, tag));
    provider = tree.provider;
  }, 60_000);
  afterAll(() => close?.(), 30_000);
}

const A_SPEC: ChainSpec = { name: 'A', challengeWindow: A_WINDOW, stallLimit: A_STALL };
const K_SPEC: ChainSpec = { name: 'K', parent: 'A', challengeWindow: K_WINDOW, parentFinality: 'committed' };

/** `plasma-tree escape nested …` as a real process, dev0 paying the gas (no devnet.json: ids and directories by hand). */
function cli(args: string[]): Promise<CliResult> {
  return runCli(tree, cliDir, ['escape', 'nested', ...args], { key: tree.account(0).key, timeoutMs: 60_000 });
}

describe('PlasmaNestedEscape end to end: K\'s holders leave on L1 once A is frozen', () => {
  withTree([A_SPEC, K_SPEC], 'escape-nested');

  it("alice (SDK) and bob (CLI) are paid K's last final block, alice's exit and her deposit in flight; once", async () => {
    const t0 = Date.now();
    const A = tree.chain('A');
    const K = tree.chain('K');
    const alice = tree.account(1);
    const bob = newSigner('bob');
    const payer = tree.l1Wallet(tree.account(0));

    // alice: 2 ETH into A on L1, 1 ETH into K on A; on K 0.25 to bob and a 0.1 withdrawal (committed on A, never paid).
    await tree.waitApplied(await tree.deposit('A', alice, ETH, 2n * ETHER));
    await tree.waitApplied(await tree.deposit('K', alice, ETH, ETHER));
    await tree.transfer('K', alice, bob, ETH, ETHER / 4n);
    await tree.withdraw('K', alice, alice, ETH, ETHER / 10n);
    const { head: kHead } = await tree.settle('K');
    const kInfo = (await A.node.getChildInfo(K.chainId))!;
    expect(kInfo.headNumber).toBe(kHead);
    // A's clock passes the window of K's block kHead (final from now on in A's ledger), then K's block kHead + 1 (bob
    // pays alice 0.05) is committed on A and never becomes final: A stops inside its window.
    await waitForWallClock(Number(kInfo.headWindowEnd));
    await tree.transfer('K', bob, alice, ETH, ETHER / 20n);
    expect((await tree.settle('K')).head).toBe(kHead + 1);
    await tree.stopNode('K');
    // In flight: recorded on A for K, never applied.
    const inFlight = await tree.deposit('K', alice, ETH, (3n * ETHER) / 10n);
    await tree.settle('A');
    await tree.stopNode('A');
    console.log(`nested escape e2e: tree built and stopped in ${Date.now() - t0} ms`);

    // Anyone freezes A once its stall limit passed (L1 time moved on); its head is final.
    const escape = new EscapeClient({ l1: payer, rootContract: tree.devnet.rootContract, pollMs: 50 });
    const nested = new NestedEscapeClient({ l1: payer, rootContract: tree.devnet.rootContract, pollMs: 50 });
    const live = await escape.getChainStatus(A.chainId);
    await provider.send('evm_increaseTime', [live.secondsUntilStallable + 1]);
    await provider.send('evm_mine', []);
    await escape.freezeStalled(A.chainId);
    expect(await escape.getChainStatus(A.chainId)).toMatchObject({ status: 'frozen-stalled', headFinal: true });

    // The inputs, offline, from A's and K's data directories.
    const source = await nestedEscapeSourceFromDataDirs({ parentDataDir: A.dataDir, childDataDir: K.dataDir, child: K.chainId, owner: alice.address });
    expect(source.parentChainId).toBe(A.chainId);
    expect(Number(source.head.number)).toBe(live.headNumber);
    // K's last final block is kHead (block kHead + 1's window was open at A's head): its `next` is proven too, and K's
    // state at kHead is re-executed from K's stored blocks (its store's head is kHead + 1).
    expect(source.finalNumber, `A's head at ${source.T}, K's block ${kHead + 1} window end ${source.blocks.get(BigInt(kHead + 1))?.windowEnd}`).toBe(BigInt(kHead));
    expect(source.final.record.headNumber).toBe(BigInt(kHead + 1));
    expect(source.final.nextWindowEnd).toBeGreaterThan(source.T);
    const aliceInK = ETHER - ETHER / 4n - ETHER / 10n;
    expect(source.accounts.map((p) => p.account.balance)).toEqual([aliceInK]);
    expect(source.exits.map((p) => [p.exit.recipient, p.exit.amount])).toEqual([[alice.address, ETHER / 10n]]);
    expect(source.deposits.map((p) => [p.nonce, p.amount])).toEqual([[BigInt(inFlight.nonce), (3n * ETHER) / 10n]]);
    const inputs = { frozen: source.frozen, via: source.via, final: source.final };

    const status = await nested.status(A.chainId, K.chainId as ChainId, { inputs, caps: new Map([[ETH, source.parentState.ledger.subtreeBalance(K.chainId, ETH)]]) });
    expect(status).toMatchObject({ status: 'frozen-stalled', headFinal: true, inputsMatchRoot: true, lastFinalBlock: kHead, childHeadNumber: kHead + 1 });
    expect(status.tokens).toEqual([{ token: ETH, cap: ETHER + (3n * ETHER) / 10n, paid: 0n, left: ETHER + (3n * ETHER) / 10n }]);

    // alice through the SDK: her slot, her exit, her deposit in flight.
    const before = await provider.getBalance(alice.address);
    const r = await nested.escapeAll(inputs, source);
    expect(r.paid.map((p) => [p.kind, p.amount])).toEqual([['account', aliceInK], ['exit', ETHER / 10n], ['deposit', (3n * ETHER) / 10n]]);
    expect(await provider.getBalance(alice.address)).toBe(before + aliceInK + ETHER / 10n + (3n * ETHER) / 10n);

    // A second escape: refused by the SDK's check, and by the module (its custom error mapped to the same code).
    await expectCode(nested.escape(inputs, source.accounts[0]), 'ALREADY_ESCAPED');
    const data = encodeEscapeNestedExitCall(inputs, source.accounts[0]);
    const err = await payer.call({ to: await nested.module(), data }).then(() => undefined, (e: unknown) => mapL1Error(e, 'escapeNestedExit'));
    expect(err?.code).toBe('ALREADY_ESCAPED');
    expect(err?.hint).not.toBe('');
    expect((await nested.escapeAll(inputs, source)).skipped.map((s) => s.code)).toEqual(['ALREADY_ESCAPED', 'ALREADY_WITHDRAWN', 'ALREADY_RECLAIMED']);

    // bob through the CLI: his 0.25 ETH of K's last final block.
    const paid = await cli([K.chainId, '--parent-data-dir', A.dataDir, '--data-dir', K.dataDir, '--owner', bob.address]);
    expect(paid.code, paid.stderr).toBe(0);
    expect(paid.stdout).toMatch(/account\s+slot \d+\s+0x[0-9a-f]{40}\s+0\.25 ETH/);
    expect(await provider.getBalance(bob.address)).toBe(ETHER / 4n);
    const again = await cli([K.chainId, '--parent-data-dir', A.dataDir, '--data-dir', K.dataDir, '--owner', bob.address, '--json']);
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ paid: [], skipped: [{ code: 'ALREADY_ESCAPED' }] });
    const nothing = await cli([K.chainId, '--parent-data-dir', A.dataDir, '--data-dir', K.dataDir, '--owner', newSigner('eve').address]);
    expect(nothing.stderr).toContain('NOTHING_TO_ESCAPE');

    // K's cap in A's ledger: what was paid out of it, and nothing more.
    expect((await nested.status(A.chainId, K.chainId as ChainId, { tokens: [ETH] })).tokens[0].paid).toBe(aliceInK + ETHER / 10n + (3n * ETHER) / 10n + ETHER / 4n);
    console.log(`nested escape e2e: done in ${Date.now() - t0} ms`);
  }, 120_000);
});

describe("PlasmaNestedEscape end to end, two levels down: J's holders leave along A → K → J once A is frozen", () => {
  withTree([A_SPEC, K_SPEC, { name: 'J', parent: 'K', challengeWindow: J_WINDOW, parentFinality: 'committed' }], 'escape-nested-path');

  it("alice (SDK) and bob (CLI) are paid J's last final block, alice's exit and her deposit in flight; once", async () => {
    const t0 = Date.now();
    const A = tree.chain('A');
    const K = tree.chain('K');
    const J = tree.chain('J');
    const alice = tree.account(1);
    const bob = newSigner('bob');
    const carol = newSigner('carol');
    const payer = tree.l1Wallet(tree.account(0));

    // alice: 3 ETH into A on L1, 2 ETH into K on A, 1 ETH into J on K; on J 0.25 to bob and a 0.1 withdrawal (never paid).
    await tree.waitApplied(await tree.deposit('A', alice, ETH, 3n * ETHER));
    await tree.waitApplied(await tree.deposit('K', alice, ETH, 2n * ETHER));
    await tree.waitApplied(await tree.deposit('J', alice, ETH, ETHER));
    await tree.transfer('J', alice, bob, ETH, ETHER / 4n);
    await tree.withdraw('J', alice, alice, ETH, ETHER / 10n);
    const { head: jHead } = await tree.settle('J');
    const jInfo = (await K.node.getChildInfo(J.chainId))!;
    expect(jInfo.headNumber).toBe(jHead);
    // K's clock passes J's head window; J stops; K records a deposit to J that J never applies (in flight), in a block
    // after that window: the block that makes J's head final in K's ledger.
    await waitForWallClock(Number(jInfo.headWindowEnd));
    await tree.stopNode('J');
    const inFlight = await tree.deposit('J', alice, ETH, (3n * ETHER) / 10n);
    await tree.settle('K');
    const kInfo = (await A.node.getChildInfo(K.chainId))!;
    // A's clock passes K's head window; K stops; A makes one more block (alice pays carol on A) and stops.
    await waitForWallClock(Number(kInfo.headWindowEnd));
    await tree.stopNode('K');
    await tree.transfer('A', alice, carol, ETH, ETHER / 10n);
    await tree.settle('A');
    await tree.stopNode('A');
    console.log(`nested escape (path) e2e: tree built and stopped in ${Date.now() - t0} ms`);

    // Anyone freezes A once its stall limit passed; its head is final.
    const escape = new EscapeClient({ l1: payer, rootContract: tree.devnet.rootContract, pollMs: 50 });
    const nested = new NestedEscapeClient({ l1: payer, rootContract: tree.devnet.rootContract, pollMs: 50 });
    const live = await escape.getChainStatus(A.chainId);
    await provider.send('evm_increaseTime', [live.secondsUntilStallable + 1]);
    await provider.send('evm_mine', []);
    await escape.freezeStalled(A.chainId);
    expect(await escape.getChainStatus(A.chainId)).toMatchObject({ status: 'frozen-stalled', headFinal: true });

    // The inputs, offline, from A's, K's and J's data directories.
    const source = await nestedEscapeSourceFromDataDirs({ parentDataDir: A.dataDir, viaDataDirs: [K.dataDir], childDataDir: J.dataDir, child: J.chainId, owner: alice.address });
    expect(source.path.levels.map((l) => l.child)).toEqual([K.chainId, J.chainId].map((c) => c.toLowerCase()));
    expect(source.via).toHaveLength(1);
    expect(source.via[0].child.block.number).toBeGreaterThanOrEqual(BigInt(kInfo.headNumber)); // K's last final block in A's ledger
    expect(source.finalNumber).toBe(BigInt(jHead)); // J's head is final by K's clock at that block
    expect(childOf(source)).toBe(J.chainId.toLowerCase());
    const aliceInJ = ETHER - ETHER / 4n - ETHER / 10n;
    expect(source.accounts.map((p) => p.account.balance)).toEqual([aliceInJ]);
    expect(source.exits.map((p) => [p.exit.recipient, p.exit.amount])).toEqual([[alice.address, ETHER / 10n]]);
    expect(source.deposits.map((p) => [p.nonce, p.amount])).toEqual([[BigInt(inFlight.nonce), (3n * ETHER) / 10n]]);
    const jCap = ETHER + (3n * ETHER) / 10n; // J's subtree balance in K's ledger
    const kCap = source.parentState.ledger.subtreeBalance(K.chainId.toLowerCase() as ChainId, ETH); // K's in A's ledger
    expect(kCap).toBeGreaterThanOrEqual(2n * ETHER);
    expect(source.accounts[0].caps.map((c) => c.amount)).toEqual([kCap, jCap]);

    // alice through the SDK: her slot, her exit, her deposit in flight, along the path.
    const before = await provider.getBalance(alice.address);
    const r = await nested.escapeAll(source, source);
    expect(r.paid.map((p) => [p.kind, p.amount])).toEqual([['account', aliceInJ], ['exit', ETHER / 10n], ['deposit', (3n * ETHER) / 10n]]);
    expect(await provider.getBalance(alice.address)).toBe(before + aliceInJ + ETHER / 10n + (3n * ETHER) / 10n);
    await expectCode(nested.escape(source, source.accounts[0]), 'ALREADY_ESCAPED');

    // bob through the CLI: his 0.25 ETH of J's last final block.
    const paid = await cli([J.chainId, '--parent-data-dir', A.dataDir, '--via-data-dir', K.dataDir, '--data-dir', J.dataDir, '--owner', bob.address]);
    expect(paid.code, paid.stderr).toBe(0);
    expect(paid.stdout).toMatch(/account\s+slot \d+\s+0x[0-9a-f]{40}\s+0\.25 ETH/);
    expect(await provider.getBalance(bob.address)).toBe(ETHER / 4n);
    const again = await cli([J.chainId, '--parent-data-dir', A.dataDir, '--via-data-dir', K.dataDir, '--data-dir', J.dataDir, '--owner', bob.address, '--json']);
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ path: [A.chainId, K.chainId, J.chainId].map((c) => c.toLowerCase()), paid: [], skipped: [{ code: 'ALREADY_ESCAPED' }] });

    // Both caps counted what went out: J's in K's ledger (all of it) and K's in A's.
    const out = aliceInJ + ETHER / 10n + (3n * ETHER) / 10n + ETHER / 4n;
    expect(out).toBe(jCap);
    expect((await nested.status(A.chainId, J.chainId as ChainId, { tokens: [ETH] })).tokens[0].paid).toBe(out);
    expect((await nested.status(A.chainId, K.chainId as ChainId, { tokens: [ETH] })).tokens[0].paid).toBe(out);
    console.log(`nested escape (path) e2e: done in ${Date.now() - t0} ms`);
  }, 150_000);
});

describe("the nested escape inside a chain parent's ledger: K's holders leave on P once A is frozen there (NESTED_ESCAPE_CALL, docs/FRAUD.md §4c)", () => {
  withTree([
    { name: 'P' },
    { name: 'A', parent: 'P', challengeWindow: A_WINDOW, stallLimit: A_STALL, parentFinality: 'committed' },
    { name: 'K', parent: 'A', challengeWindow: K_WINDOW, parentFinality: 'committed' },
  ], 'escape-nested-chain');

  it("alice (SDK) and bob (CLI) are paid on P K's last final block, alice's exit and her deposit in flight; once", async () => {
    const t0 = Date.now();
    const [P, A, K] = [tree.chain('P'), tree.chain('A'), tree.chain('K')];
    const alice = tree.account(1);
    const bob = newSigner('bob');
    const onP = async (who: { address: Address }) => (await P.node.getAccount(who.address, ETH)).balance;

    // alice: 3 ETH into P on L1, 2 into A on P, 1 into K on A; on K 0.25 to bob and a 0.1 withdrawal (never paid by A).
    await tree.waitApplied(await tree.deposit('P', alice, ETH, 3n * ETHER));
    await tree.waitApplied(await tree.deposit('A', alice, ETH, 2n * ETHER));
    await tree.waitApplied(await tree.deposit('K', alice, ETH, ETHER));
    await tree.transfer('K', alice, bob, ETH, ETHER / 4n);
    await tree.withdraw('K', alice, alice, ETH, ETHER / 10n);
    const { head: kHead } = await tree.settle('K');
    // A's clock passes the window of K's head; K stops; A records a deposit to K that K never applies (in flight), in
    // the block that makes K's head final in A's ledger; A commits it on P and stops.
    await waitForWallClock(Number((await A.node.getChildInfo(K.chainId))!.headWindowEnd));
    await tree.stopNode('K');
    const inFlight = await tree.deposit('K', alice, ETH, (3n * ETHER) / 10n);
    await tree.settle('A');
    await tree.stopNode('A');

    // Anyone freezes A on P once P's clock (the wall clock) is past A's stall limit; its head is then final on P.
    const hatch = new ChainEscapeClient({ parentNode: P.nodeUrl, pollMs: 50 });
    await waitForWallClock((await hatch.getChainStatus(A.chainId)).stallableAt! + 1);
    await hatch.freezeStalled(A.chainId);
    const frozen = await hatch.getChainStatus(A.chainId);
    expect(frozen.status).toBe('frozen-stalled');
    await waitForWallClock(frozen.headWindowEnd + 1);

    // The inputs, offline, from A's and K's data directories: the same as for a child of the root.
    const source = await nestedEscapeSourceFromDataDirs({ parentDataDir: A.dataDir, childDataDir: K.dataDir, child: K.chainId, owner: alice.address });
    expect([Number(source.head.number), source.finalNumber]).toEqual([frozen.headNumber, BigInt(kHead)]);
    const aliceInK = ETHER - ETHER / 4n - ETHER / 10n;
    expect(source.deposits.map((p) => [p.nonce, p.amount])).toEqual([[BigInt(inFlight.nonce), (3n * ETHER) / 10n]]);
    const inputs = { frozen: source.frozen, via: source.via, final: source.final };
    const nested = new ChainNestedEscapeClient({ parentNode: P.nodeUrl, pollMs: 50 });
    const cap = source.parentState.ledger.subtreeBalance(K.chainId, ETH);
    const status = await nested.status(A.chainId, K.chainId as ChainId, { inputs, caps: new Map([[ETH, cap]]) });
    expect(status).toMatchObject({ host: 'chain', hostChainId: P.chainId, inputsMatchHost: true, lastFinalBlock: kHead, frozen: { status: 'frozen-stalled', headFinal: true } });
    expect(status.tokens).toEqual([{ token: ETH, cap, paid: 0n, left: cap }]);

    // alice through the SDK: three NESTED_ESCAPE_CALL txs on P, free; P's subtree balance of A pays them.
    const [before, heldForA] = [await onP(alice), await P.node.getSubtreeBalance(A.chainId, ETH)];
    const r = await nested.escapeAll(inputs, source);
    expect(r.paid.map((p) => [p.kind, p.amount])).toEqual([['account', aliceInK], ['exit', ETHER / 10n], ['deposit', (3n * ETHER) / 10n]]);
    const aliceOut = aliceInK + ETHER / 10n + (3n * ETHER) / 10n;
    expect(await onP(alice)).toBe(before + aliceOut);
    expect(await P.node.getSubtreeBalance(A.chainId, ETH)).toBe(heldForA - aliceOut);
    // Once: the SDK's checks read P's ledger marks.
    expect((await nested.escapeAll(inputs, source)).skipped.map((s) => s.code)).toEqual(['ALREADY_ESCAPED', 'ALREADY_WITHDRAWN', 'ALREADY_RECLAIMED']);

    // bob through the CLI: its 0.25 ETH of K's last final block, paid on P (the host node from --host-node).
    const paid = await cli([K.chainId, '--parent-data-dir', A.dataDir, '--data-dir', K.dataDir, '--owner', bob.address, '--host-node', P.nodeUrl]);
    expect(paid.code, paid.stderr).toBe(0);
    expect(paid.stdout).toMatch(/account\s+slot \d+\s+0x[0-9a-f]{40}\s+0\.25 ETH/);
    expect(await onP(bob)).toBe(ETHER / 4n);
    expect(await nested.paid(K.chainId as ChainId, ETH)).toBe(aliceOut + ETHER / 4n);
    console.log(`nested escape in a chain parent e2e: done in ${Date.now() - t0} ms`);
  }, 120_000);
});
