/**
 * The escape hatch end to end (issue 4 §2, docs/FRAUD.md §4): "every validator is stopped and holders exit".
 * A child of the root spawned with spawnChainWithLimits (short stall limit) runs a real validator node; holders
 * deposit and transfer; a deposit is made after the last commit; the only validator stops; anyone freezes the
 * chain after the limit; each holder leaves with their exact balance through the SDK, the witness read offline
 * from the stopped validator's data directory or from a read-only node restarted on it (both agree); the
 * in-flight deposit goes back to its depositor; a second exit is refused; the live chain B is untouched.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Contract, Wallet, parseEther, type JsonRpcProvider } from 'ethers';
import { chainStateRoot, accountLeaf, computeMerkleRoot, encodeEscapeExitCall, type Address, type ChainId } from '@plasma-tree/core';
import { PlasmaNode, dataDirEscapeProofSource, escapeProofFromDataDir, silentLogger } from '@plasma-tree/node';
import { EscapeClient, NodeClient, PlasmaClient, mapL1Error, nodeProofSource, type EscapeProofAnswer } from '@plasma-tree/sdk';
import { ETH, Tree, expectCode, newSigner, waitFor, type Signer } from './helpers/tree.js';
import { runCli, type CliResult } from './helpers/cli.js';

const WINDOW = 5;
const STALL = 20;

let tree: Tree;
let provider: JsonRpcProvider;
let dir: string;
let F: ChainId;
let fDir: string;
let validator: PlasmaNode | undefined;
let reader: PlasmaNode | undefined;
let escape: EscapeClient;
let alice: Signer;
let bob: Signer;
let dave: Signer;
const carol = newSigner('carol');
let dev: Address;
let bWithdrawal: Awaited<ReturnType<Tree['withdraw']>>;

const nodeOptions = (keys: `0x${string}`[]) => ({
  dataDir: fDir, l1RpcUrl: tree.devnet.l1.url, rootContract: tree.devnet.rootContract as Address, chainId: F, validatorKeys: keys,
  rpc: { port: 0 }, blockTimeMs: 100, l1Confirmations: 1, l1PollMs: 100, signatureWorkers: 0, logger: silentLogger,
});
const fClient = (s: Signer) => new PlasmaClient({ l1: tree.l1Wallet(s), rootContract: tree.devnet.rootContract, chainId: F, nodeUrl: validator!.rpcUrl, pollMs: 100 });
const l1Balance = async (a: Address, token: Address = ETH) =>
  token === ETH ? provider.getBalance(a) : BigInt(await new Contract(token, ['function balanceOf(address) view returns (uint256)'], provider).balanceOf(a));


/** `plasma-tree escape …` as a real process, paying with dev0's key. */
function cli(args: string[]): Promise<CliResult> {
  return runCli(tree, dir, ['escape', ...args], { key: tree.account(0).key });
}

beforeAll(async () => {
  tree = await Tree.start([{ name: 'B' }], { challengeWindow: 10 });
  provider = tree.provider;
  dev = tree.dev;
  [alice, bob, dave] = [tree.account(1), tree.account(2), tree.account(3)];
  dir = mkdtempSync(join(tmpdir(), 'pt-escape-e2e-'));
  fDir = join(dir, 'F-validator');
  escape = new EscapeClient({ l1: tree.l1Wallet(tree.account(0)), rootContract: tree.devnet.rootContract, pollMs: 50 });

  // Chain B: a withdrawal committed before anything happens to F, finalized after F is frozen.
  await tree.waitApplied(await tree.deposit('B', dave, ETH, parseEther('1')));
  bWithdrawal = await tree.withdraw('B', dave, dave, ETH, parseEther('0.4'));

  // Chain F: one validator of our own, a short stall limit.
  const v = Wallet.createRandom().connect(provider);
  const payer = tree.l1Wallet(tree.account(0));
  await (await payer.sendTransaction({ to: v.address, value: parseEther('10') })).wait();
  const root = tree.root.connect(payer) as Contract;
  F = ((await root.spawnChainWithLimits.staticCall([v.address], 1, WINDOW, STALL, { value: parseEther('0.2') })) as string).toLowerCase() as ChainId;
  await (await root.spawnChainWithLimits([v.address], 1, WINDOW, STALL, { value: parseEther('0.2') })).wait();
  validator = await PlasmaNode.init(nodeOptions([v.privateKey as `0x${string}`]));

  await fClient(alice).waitForDeposit(await fClient(alice).depositETH(parseEther('1')), { timeoutMs: 30_000 });
  await fClient(bob).depositETH(parseEther('2'));
  await fClient(bob).waitForDeposit(await fClient(bob).depositERC20(dev, parseEther('50')), { timeoutMs: 30_000 });
  const t = await fClient(alice).transfer({ to: carol.address, token: ETH, amount: parseEther('0.25') });
  await fClient(alice).waitForReceipt(t.hash, 'committed', { timeoutMs: 30_000 });
  const node = new NodeClient(validator.rpcUrl);
  await waitFor('F settled', async () => {
    const info = await node.chainInfo();
    return info.committed.number === info.head.number && info.depositNonce === 3;
  });
}, 120_000);

afterAll(async () => {
  await reader?.close();
  await validator?.close();
  await tree?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The witness opens its slot of the header's state root (what escapeExit checks). */
function opensHead(p: EscapeProofAnswer): boolean {
  const a = p.account;
  const accountsRoot = computeMerkleRoot(accountLeaf(a), a.slot, a.proof);
  return chainStateRoot(accountsRoot, p.ledgerRoot) === p.head.stateRoot.toLowerCase();
}

describe('every validator of a chain is stopped and its holders exit', () => {
  const offline = new Map<string, EscapeProofAnswer>();
  let head: number;

  it('the chain is live until its stall limit; nothing escapes before the freeze', async () => {
    await validator!.close();
    validator = undefined;
    // After the last commit and with no validator left: this deposit is never applied.
    const wallet = tree.l1Wallet(dave);
    await (await (tree.root.connect(wallet) as Contract).depositETH(F, dave.address, { value: parseEther('0.7') })).wait();

    const live = await escape.getChainStatus(F);
    expect(live).toMatchObject({ status: 'live', frozenAt: null, stallLimit: STALL, challengeWindow: WINDOW, headDepositNonce: 3, depositCount: 4 });
    expect(live.secondsUntilStallable).toBeGreaterThan(0);
    head = live.headNumber;
    const notFrozen = await expectCode(escape.escapeExit({ chainId: F, owner: alice.address, token: ETH, proofSource: dataDirEscapeProofSource(fDir) }), 'CHAIN_NOT_FROZEN');
    expect(notFrozen.hint).toMatch(/can be frozen in \d+ s/);
    await expectCode(escape.freezeStalled(F), 'NOT_STALLED');
    await expectCode(escape.reclaimDeposits({ chainId: F }), 'CHAIN_NOT_FROZEN');
  });

  it('anyone freezes it after the limit; its head is final', async () => {
    const { secondsUntilStallable } = await escape.getChainStatus(F);
    await provider.send('evm_increaseTime', [secondsUntilStallable + 1]);
    await provider.send('evm_mine', []);
    const { frozenAt } = await escape.freezeStalled(F);
    const frozen = await escape.getChainStatus(F);
    expect(frozen).toMatchObject({ status: 'frozen-stalled', frozenAt, headNumber: head, headFinal: true, secondsUntilStallable: 0, secondsUntilFinal: 0 });
    await expectCode(escape.freezeStalled(F), 'CHAIN_IS_FROZEN');
    expect(await tree.root.chainStatus(tree.chain('B').chainId)).toEqual([0n, 0n]); // B stays live
  });

  it('reads every witness offline from the stopped validator\'s data directory', async () => {
    const source = dataDirEscapeProofSource(fDir);
    for (const [who, token] of [[alice, ETH], [bob, ETH], [bob, dev], [carol, ETH]] as const) {
      const p = await source.escapeProof({ chainId: F, owner: who.address, token, number: head });
      expect(Number(p.head.number)).toBe(head);
      expect(opensHead(p)).toBe(true);
      offline.set(`${who.address}/${token}`, p);
    }
    expect(offline.get(`${alice.address}/${ETH}`)!.account.balance).toBe(parseEther('0.75'));
    expect(offline.get(`${carol.address}/${ETH}`)!.account.balance).toBe(parseEther('0.25'));
    // The default height is the committed head; an older block is rebuilt from the stored blocks.
    const byDefault = await escapeProofFromDataDir(fDir, { owner: alice.address, token: ETH });
    expect(byDefault.account).toEqual(offline.get(`${alice.address}/${ETH}`)!.account);
    const older = await escapeProofFromDataDir(fDir, { owner: bob.address, token: ETH, number: head - 1 });
    expect(Number(older.head.number)).toBe(head - 1);
    expect(opensHead(older)).toBe(true);
    await expectCode(source.escapeProof({ chainId: F, owner: dave.address, token: ETH, number: head }), 'NOTHING_TO_ESCAPE');
  });

  it('alice escapes through the data directory: her exact balance, once', async () => {
    const before = await l1Balance(alice.address);
    const r = await escape.escapeExit({ chainId: F, owner: alice.address, token: ETH, proofSource: dataDirEscapeProofSource(fDir) });
    expect(r).toMatchObject({ owner: alice.address, token: ETH, amount: parseEther('0.75'), headNumber: head });
    expect(await l1Balance(alice.address)).toBe(before + parseEther('0.75')); // the payer paid the gas
    await expectCode(escape.escapeExit({ chainId: F, owner: alice.address, token: ETH, proofSource: dataDirEscapeProofSource(fDir) }), 'ALREADY_ESCAPED');
    // The contract refuses it too, and its custom error maps to the same code.
    const p = offline.get(`${alice.address}/${ETH}`)!;
    const data = encodeEscapeExitCall(F, p.head, BigInt((await escape.getChainStatus(F)).headWindowEnd), p);
    const err = await tree.l1Wallet(tree.account(0)).call({ to: tree.devnet.rootContract, data }).then(() => undefined, (e: unknown) => mapL1Error(e, 'escapeExit'));
    expect(err?.code).toBe('ALREADY_ESCAPED');
  });

  it('a read-only node restarted on the data directory serves the same witnesses', async () => {
    reader = await PlasmaNode.init(nodeOptions([]));
    const source = nodeProofSource(reader.rpcUrl);
    for (const [key, p] of offline) {
      const [owner, token] = key.split('/') as [Address, Address];
      expect(await source.escapeProof({ chainId: F, owner, token, number: head })).toEqual(p);
    }
    const node = new NodeClient(reader.rpcUrl);
    const older = await node.request<{ account: { balance: string } }>('pt_getEscapeProof', [bob.address, ETH, head - 1]);
    // LevelDB's lock: the offline path refuses a directory a node runs on (ask the node instead).
    await expectCode(escapeProofFromDataDir(fDir, { owner: bob.address, token: ETH }), 'STORE_UNAVAILABLE');
    expect(BigInt(older.account.balance)).toBe(parseEther('2'));
  });

  it('bob and carol escape through the node; dave reclaims his in-flight deposit', async () => {
    const url = reader!.rpcUrl;
    const bobEth = await l1Balance(bob.address);
    await escape.escapeExit({ chainId: F, owner: bob.address, token: ETH, proofSource: url });
    expect(await l1Balance(bob.address)).toBe(bobEth + parseEther('2'));
    // carol through the CLI: a table of the status, then the exit with the node as the proof source.
    const status = await cli(['status', F, '--json']);
    expect(status.code, status.stderr).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ status: 'frozen-stalled', headNumber: head, headFinal: true, reclaimableDeposits: [{ nonce: '4' }] });
    const table = await cli(['status', F]);
    expect(table.stdout).toMatch(/status\s+frozen-stalled/);
    expect(table.stdout).toMatch(/head final\s+yes/);
    const noSource = await cli(['exit', F, '--owner', carol.address]);
    expect(noSource.stderr).toContain('MISSING_PROOF_SOURCE');
    const exited = await cli(['exit', F, '--owner', carol.address, '--token', 'ETH', '--node', url]);
    expect(exited.code, exited.stderr).toBe(0);
    expect(exited.stdout).toContain('paid 0.25 ETH');
    expect(await l1Balance(carol.address)).toBe(parseEther('0.25'));
    const again = await cli(['exit', F, '--owner', carol.address, '--node', url]);
    expect(again.stderr).toMatch(/ALREADY_ESCAPED[\s\S]*hint/);

    const pending = await escape.reclaimableDeposits({ chainId: F });
    expect(pending).toEqual([{ chainId: F, nonce: 4n, from: dave.address, to: dave.address, token: ETH, amount: parseEther('0.7') }]);
    expect(await escape.reclaimableDeposits({ chainId: F, depositor: alice.address })).toEqual([]);
    const daveEth = await l1Balance(dave.address);
    const [reclaimed] = await escape.reclaimDeposits({ chainId: F, depositor: dave.address });
    expect(reclaimed.nonce).toBe(4n);
    expect(await l1Balance(dave.address)).toBe(daveEth + parseEther('0.7'));
    await expectCode(escape.reclaimDeposits({ chainId: F }), 'NOTHING_TO_RECLAIM');

    // The invariant: the root holds for F exactly what its holders who did not leave yet own (bob's DEV).
    expect(await escape.subtreeBalances(F, [ETH, dev])).toEqual(new Map([[ETH, 0n], [dev, parseEther('50')]]));
    const bobDev = await l1Balance(bob.address, dev);
    await escape.escapeExit({ chainId: F, owner: bob.address, token: dev, proofSource: url });
    expect(await l1Balance(bob.address, dev)).toBe(bobDev + parseEther('50'));
    expect(await escape.subtreeBalances(F, [ETH, dev])).toEqual(new Map([[ETH, 0n], [dev, 0n]]));
    await expectCode(escape.escapeExit({ chainId: F, owner: bob.address, token: dev, proofSource: url }), 'ALREADY_ESCAPED');
  });

  it('the other chain and its withdrawals are untouched', async () => {
    const before = await l1Balance(dave.address);
    await tree.finalize('B', bWithdrawal, tree.account(0));
    expect(await l1Balance(dave.address)).toBe(before + parseEther('0.4'));
    expect(await tree.subtreeBalance('root', 'B', ETH)).toBe(parseEther('0.6'));
    await tree.transfer('B', dave, carol, ETH, parseEther('0.1'));
    expect(await tree.balance('B', carol, ETH)).toBe(parseEther('0.1'));
  });
});
