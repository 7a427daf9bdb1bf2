/**
 * The root edge end to end, on a real Hardhat node with real validator nodes (embedded devnet):
 * deposits (ETH, ERC-20) → transfers on the child → withdrawal → finalize refused before the window →
 * time advanced → finalize pays → a second finalize refused; plus the attacks on every path that moves value:
 * a forged exit, a lying quorum that tries to take out more than the subtree holds, and a signature replayed
 * on a second child chain.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Contract, JsonRpcProvider, Wallet, parseEther, parseUnits } from 'ethers';
import {
  MerkleTree,
  NATIVE_TOKEN,
  PlasmaError,
  EXIT_TREE_DEPTH,
  TxKind,
  bytesToHex,
  exitLeaf,
  hashHeader,
  type Hex,
  type Header,
} from '@plasma-tree/core';
import { loadArtifact, signCommitment } from '@plasma-tree/contracts';
import { startDevnet, type Devnet } from '@plasma-tree/devnet';
import { NodeClient, PlasmaClient, spawnChain } from '@plasma-tree/sdk';

let devnet: Devnet;
let dataDir: string;
let provider: JsonRpcProvider;
let root: Contract;
let alice: Wallet;
let bob: Wallet;
let aliceA: PlasmaClient;
let bobA: PlasmaClient;
let aliceB: PlasmaClient;
let DEV: Hex;

const WINDOW = 3_600; // long enough that only an explicit time jump can end it

async function advanceL1Time(seconds: number): Promise<void> {
  await provider.send('evm_increaseTime', [seconds]);
  await provider.send('evm_mine', []);
}

async function expectCode(p: Promise<unknown>, code: string): Promise<PlasmaError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, `expected ${code}`).toBeInstanceOf(PlasmaError);
  expect((err as PlasmaError).code).toBe(code);
  return err as PlasmaError;
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'pt-e2e-'));
  devnet = await startDevnet({
    dataDir,
    chains: [{ name: 'A' }, { name: 'B' }],
    validators: 4,
    threshold: 3,
    challengeWindow: WINDOW,
    blockTimeMs: 300,
    l1Port: 0,
    rpcPort: 0,
    writeConfig: false,
  });
  provider = new JsonRpcProvider(devnet.l1.url, undefined, { cacheTimeout: -1 });
  root = new Contract(devnet.rootContract, loadArtifact('PlasmaRoot').abi, provider);
  alice = new Wallet(devnet.accounts[0].privateKey, provider);
  bob = new Wallet(devnet.accounts[1].privateKey, provider);
  const [A, B] = devnet.chains;
  const common = { rootContract: devnet.rootContract, pollMs: 200 };
  aliceA = new PlasmaClient({ ...common, l1: alice, chainId: A.chainId, nodeUrl: A.nodeUrl });
  bobA = new PlasmaClient({ ...common, l1: bob, chainId: A.chainId, nodeUrl: A.nodeUrl });
  aliceB = new PlasmaClient({ ...common, l1: alice, chainId: B.chainId, nodeUrl: B.nodeUrl });
  DEV = devnet.token.address;
}, 120_000);

afterAll(async () => {
  await devnet?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('root edge end to end (3-of-4 validators, real Hardhat node)', () => {
  it('deposits ETH and ERC-20: the child credits them and the root tracks the subtree balance', async () => {
    const eth = await aliceA.depositETH(parseEther('2'));
    const dev = await aliceA.depositERC20(DEV, parseUnits('1000', 18));
    expect(dev.nonce).toBe(eth.nonce + 1n);
    await aliceA.waitForDeposit(dev, { timeoutMs: 60_000 });

    expect(await aliceA.balance(NATIVE_TOKEN)).toBe(parseEther('2'));
    expect(await aliceA.balance(DEV)).toBe(parseUnits('1000', 18));
    expect(await aliceA.subtreeBalance(NATIVE_TOKEN)).toBe(parseEther('2'));
    expect(await aliceA.subtreeBalance(DEV)).toBe(parseUnits('1000', 18));
  });

  it('transfers on the child chain move balances and are committed on L1 by the quorum', async () => {
    const t1 = await aliceA.transfer({ to: bob.address, token: DEV, amount: parseUnits('400', 18) });
    const t2 = await aliceA.transfer({ to: bob.address, token: NATIVE_TOKEN, amount: parseEther('0.5') });
    const r2 = await aliceA.waitForReceipt(t2.hash, 'committed', { timeoutMs: 60_000 });
    const r1 = await aliceA.waitForReceipt(t1.hash, 'committed', { timeoutMs: 60_000 });
    expect(r1.blockNumber).toBeLessThanOrEqual(r2.blockNumber!);

    expect(await bobA.balance(DEV)).toBe(parseUnits('400', 18));
    expect(await aliceA.balance(DEV)).toBe(parseUnits('600', 18));
    expect(await bobA.balance(NATIVE_TOKEN)).toBe(parseEther('0.5'));
    // The commitment on L1 holds the block the receipt names.
    const info = await root.chainInfo(devnet.chains[0].chainId);
    expect(Number(info.headNumber)).toBeGreaterThanOrEqual(r2.blockNumber!);
  });

  it('a withdrawal pays out only after the window, exactly once, and lowers the subtree balance', async () => {
    const amount = parseUnits('150', 18);
    const w = await bobA.withdraw({ token: DEV, amount });
    await bobA.waitForReceipt(w.hash, 'committed', { timeoutMs: 60_000 });
    expect(await bobA.balance(DEV)).toBe(parseUnits('250', 18));

    const status = await bobA.withdrawalStatus(w.hash);
    expect(status.state).toBe('challenge-window');
    expect(status.secondsLeft).toBeGreaterThan(WINDOW - 120);
    const early = await expectCode(bobA.finalizeWithdrawal(w.hash), 'CHALLENGE_WINDOW_OPEN');
    expect(Number(early.data.secondsLeft)).toBeGreaterThan(0);

    // The contract refuses too, not only the SDK's pre-check.
    const proof = await bobA.getWithdrawalProof(w.hash);
    const h = proof.header;
    const args = [proof.chainId, [h.chainId, h.number, h.parentHash, h.txRoot, h.stateRoot, h.exitRoot, h.depositNonce, h.timestamp], proof.windowEnd, [proof.exit.recipient, proof.exit.token, proof.exit.amount], proof.index, proof.proof] as const;
    await expect((root.connect(bob) as Contract).finalizeWithdrawal.staticCall(...args)).rejects.toThrow(/ChallengeWindowOpen|0x/);

    await advanceL1Time(WINDOW + 1);
    expect((await bobA.withdrawalStatus(w.hash)).state).toBe('finalizable');

    const devToken = new Contract(DEV, ['function balanceOf(address) view returns (uint256)'], provider);
    const before = (await devToken.balanceOf(bob.address)) as bigint;
    const subtreeBefore = await bobA.subtreeBalance(DEV);
    const paid = await bobA.finalizeWithdrawal(w.hash);
    expect(paid.amount).toBe(amount);
    expect((await devToken.balanceOf(bob.address)) as bigint).toBe(before + amount);
    expect(await bobA.subtreeBalance(DEV)).toBe(subtreeBefore - amount);

    await expectCode(bobA.finalizeWithdrawal(w.hash), 'ALREADY_WITHDRAWN');
    // Another account submitting the same exit is refused as well: the leaf, not the caller, is spent.
    await expectCode(aliceA.finalizeWithdrawal(proof), 'ALREADY_WITHDRAWN');
  });

  it('an ETH withdrawal finalizes after the window', async () => {
    const w = await aliceA.withdraw({ token: NATIVE_TOKEN, amount: parseEther('1') });
    await aliceA.waitForReceipt(w.hash, 'committed', { timeoutMs: 60_000 });
    await advanceL1Time(WINDOW + 1);
    const before = await provider.getBalance(alice.address);
    const res = await aliceA.finalizeWithdrawal(w.hash);
    const receipt = await provider.getTransactionReceipt(res.l1TxHash);
    const fee = receipt!.gasUsed * receipt!.gasPrice;
    expect(await provider.getBalance(alice.address)).toBe(before + parseEther('1') - fee);
    expect(await aliceA.subtreeBalance(NATIVE_TOKEN)).toBe(parseEther('1'));
  });

  it('a forged withdrawal (exit not in the committed exit root) is refused', async () => {
    const w = await bobA.withdraw({ token: DEV, amount: parseUnits('10', 18) });
    await bobA.waitForReceipt(w.hash, 'committed', { timeoutMs: 60_000 });
    await advanceL1Time(WINDOW + 1);
    const proof = await bobA.getWithdrawalProof(w.hash);

    // Same proof, larger amount: the leaf is not in the root.
    await expectCode(bobA.finalizeWithdrawal({ ...proof, exit: { ...proof.exit, amount: parseUnits('250', 18) } }), 'INVALID_EXIT_PROOF');
    // Same proof, another recipient.
    await expectCode(aliceA.finalizeWithdrawal({ ...proof, exit: { ...proof.exit, recipient: alice.address.toLowerCase() as Hex } }), 'INVALID_EXIT_PROOF');
    // Same exit at another index of the tree.
    await expectCode(bobA.finalizeWithdrawal({ ...proof, index: proof.index + 1 }), 'INVALID_EXIT_PROOF');
    // The genuine one still pays.
    const paid = await bobA.finalizeWithdrawal(proof);
    expect(paid.amount).toBe(parseUnits('10', 18));
  });

  it('a transfer signed for chain A is refused on chain B, signature replayed or chain id rewritten', async () => {
    // Alice holds ETH on B too, at a slot with the same nonce, so only the chain binding can stop a replay.
    const d = await aliceB.depositETH(parseEther('1'));
    await aliceB.waitForDeposit(d, { timeoutMs: 60_000 });
    const onB = await aliceB.account(NATIVE_TOKEN);
    expect(onB.slot).not.toBeNull();

    const signedForA = await aliceA.signTx({
      kind: TxKind.Transfer,
      chainId: devnet.chains[0].chainId,
      slot: onB.slot!,
      to: bob.address.toLowerCase() as Hex,
      token: NATIVE_TOKEN,
      amount: parseEther('0.1'),
      nonce: onB.pendingNonce,
    });
    const nodeB = new NodeClient(devnet.chains[1].nodeUrl);
    await expectCode(nodeB.sendTransaction(signedForA), 'WRONG_CHAIN');
    // Rewriting the chain id changes the signed digest: the signature now recovers some unrelated address,
    // which does not own Alice's slot.
    const rewritten = await nodeB.sendTransaction({ ...signedForA, chainId: devnet.chains[1].chainId }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(rewritten).toBeInstanceOf(PlasmaError);
    expect(['BAD_SIGNATURE', 'SLOT_OWNER_MISMATCH']).toContain((rewritten as PlasmaError).code);
    expect(await aliceB.balance(NATIVE_TOKEN)).toBe(parseEther('1'));
  });

  it('a quorum that signs a lying block cannot take out more than its subtree holds; other chains keep every token', async () => {
    // A rogue chain whose 3-of-4 validators are all in on it.
    const rogueValidators = Array.from({ length: 4 }, () => Wallet.createRandom());
    const spawner = new Wallet(devnet.accounts[2].privateKey, provider);
    const { chainId } = await spawnChain(spawner, devnet.rootContract, {
      validators: rogueValidators.map((v) => v.address),
      threshold: 3,
      challengeWindow: 60,
      bond: parseEther('0.2'),
    });
    const rogue = new PlasmaClient({ l1: spawner, rootContract: devnet.rootContract, chainId, nodeUrl: devnet.chains[0].nodeUrl });
    await (root.connect(spawner) as Contract).depositETH(chainId, spawner.address, { value: parseEther('1') }).then((tx) => tx.wait());
    expect(await rogue.subtreeBalance(NATIVE_TOKEN)).toBe(parseEther('1'));

    // Block 1 claims an exit of 50 ETH that nobody ever deposited.
    const exit = { recipient: spawner.address.toLowerCase() as Hex, token: NATIVE_TOKEN, amount: parseEther('50') };
    const tree = new MerkleTree([exitLeaf(exit)], EXIT_TREE_DEPTH);
    const header: Header = {
      chainId,
      number: 1n,
      parentHash: `0x${'00'.repeat(32)}`,
      txRoot: `0x${'11'.repeat(32)}`,
      stateRoot: `0x${'22'.repeat(32)}`,
      exitRoot: bytesToHex(tree.root),
      depositNonce: 1n,
      timestamp: BigInt((await provider.getBlock('latest'))!.timestamp),
    };
    const blockHash = hashHeader(header);
    const domain = { name: 'PlasmaTree', version: '1', chainId: (await provider.getNetwork()).chainId, verifyingContract: devnet.rootContract };
    const sigs = await signCommitment(rogueValidators.slice(0, 3), domain, { chainId, number: 1n, blockHash });
    const headerArgs = [header.chainId, header.number, header.parentHash, header.txRoot, header.stateRoot, header.exitRoot, header.depositNonce, header.timestamp];
    const commitTx = await (root.connect(spawner) as Contract).commit(chainId, headerArgs, sigs);
    const receipt = await commitTx.wait();
    const committed = root.interface.parseLog(receipt.logs.find((l: { address: string }) => l.address.toLowerCase() === devnet.rootContract.toLowerCase()))!;
    const windowEnd = committed.args.windowEnd as bigint;
    await advanceL1Time(61);

    const subtreeA = await aliceA.subtreeBalance(NATIVE_TOKEN);
    const rootEth = await provider.getBalance(devnet.rootContract);
    const err = await expectCode(
      rogue.finalizeWithdrawal({
        chainId,
        blockNumber: 1,
        header,
        windowEnd: Number(windowEnd),
        exit,
        index: 0,
        proof: tree.proof(0).map(bytesToHex),
      }),
      'SUBTREE_BALANCE_EXCEEDED',
    );
    expect(err.message).toMatch(/subtree|balance/i);
    // Nothing moved: the root still holds every wei, chain A's subtree is untouched, Alice can still withdraw.
    expect(await provider.getBalance(devnet.rootContract)).toBe(rootEth);
    expect(await aliceA.subtreeBalance(NATIVE_TOKEN)).toBe(subtreeA);
    expect(await rogue.subtreeBalance(NATIVE_TOKEN)).toBe(parseEther('1'));
  });
});
