/**
 * A node whose parent is a child chain (docs/TREE.md §5, `parent: { kind: 'child' }`): node A follows the root
 * contract on a real Hardhat L1, node A1 follows A's node over JSON-RPC. Money goes L1 → A → A1 (deposits,
 * applied once final on the parent), moves on A1, and comes back A1 → A (COMMIT_CHILD by A1's committer,
 * FINALIZE_CHILD_EXIT on A after A1's window), with the subtree invariant checked on both edges.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Wallet, parseEther } from 'ethers';
import {
  TxKind,
  chainIdOf,
  checkSubtreeInvariant,
  chunkByteBudget,
  commitmentDigest,
  headerFromJson,
  secp256k1Scheme,
  signedTxDigest,
  signedTxToJson,
  hashDeposit,
  type Address,
  type ChainId,
  type ChainState,
  type Hex,
  type SignedTx,
  type UnsignedTx,
} from '@plasma-tree/core';
import { PlasmaNode, createNodeMetrics, silentLogger } from '../src/index.js';
import { ChildDepositFollower, type ParentNodeClient } from '../src/parent/childParent.js';
import { ETH, User, fund, mine, nodeOptions, rpc, rpcError, spawnChain, startL1, tempDir, txJson, validatorKey, waitFor, type L1, signTx as sign, sendTx as send, sendTxReason as sendError } from './helpers.js';

let l1: L1;
beforeAll(async () => {
  l1 = await startL1();
}, 60_000);
afterAll(async () => {
  await l1?.stop();
});


async function receipt(url: string, hash: Hex, statuses: string[] = ['included', 'committed'], timeoutMs = 20_000): Promise<any> {
  return waitFor(`tx ${hash} ${statuses.join('/')}`, async () => {
    const r = await rpc(url, 'pt_getReceipt', [hash]);
    if (r?.status === 'rejected') throw new Error(`rejected: ${r.reason} ${r.message}`);
    return r && statuses.includes(r.status) ? r : undefined;
  }, timeoutMs);
}

/** The node's state in memory (tests only): what checkSubtreeInvariant reads. */
const stateOf = (node: PlasmaNode): ChainState => (node as unknown as { chain_: { state: ChainState } }).chain_.state;

describe('a node whose parent is a child chain', () => {
  it('follows deposits A → A1, commits A1 on A, pays A1 exits on A, and keeps the subtree invariant', async () => {
    const keyA = validatorKey(l1, 1);
    const chainA = await spawnChain(l1, [keyA]);
    const dirA = await tempDir();
    const dirA1 = await tempDir();
    const nodeA = await PlasmaNode.init(nodeOptions(l1, chainA, dirA.path, { validatorKeys: [keyA] }));
    let nodeA1: PlasmaNode | undefined;
    try {
      const urlA = nodeA.rpcUrl;
      const alice = new User(chainA, l1.l1ChainId, l1.rootAddress);
      const slot = await fund(l1, urlA, alice, parseEther('1'));

      // SPAWN_CHILD on A: A1, one validator (it needs no gas: its parent is a chain), 2 s window.
      const a1Validator = Wallet.createRandom();
      const spawn = sign(alice, { kind: TxKind.SpawnChild, chainId: chainA, slot, validators: [a1Validator.address.toLowerCase() as Address], threshold: 1, challengeWindow: 2n, bond: 10n ** 16n, nonce: 0n });
      await receipt(urlA, await send(urlA, spawn));
      const a1 = chainIdOf(chainA, 0);

      // A node for a chain A does not have is refused; so is an unreachable parent.
      const childOpts = (chainId: ChainId, nodeUrl: string, dataDir: string) =>
        nodeOptions(l1, chainId, dataDir, { validatorKeys: [a1Validator.privateKey as Hex], parent: { kind: 'child', nodeUrl, finality: 'committed' } });
      const scratch = await tempDir();
      expect(await PlasmaNode.init(childOpts(chainIdOf(chainA, 5), urlA, `${scratch.path}/x`)).catch((e: unknown) => e)).toMatchObject({ code: 'UNKNOWN_CHAIN' });
      const unreachable = await PlasmaNode.init(childOpts(a1, 'http://127.0.0.1:9', `${scratch.path}/y`)).catch((e: unknown) => e);
      await scratch.remove();
      expect(unreachable).toMatchObject({ code: 'PARENT_UNREACHABLE' });
      expect((unreachable as { hint: string }).hint).toMatch(/parent\.nodeUrl/);

      nodeA1 = await PlasmaNode.init(childOpts(a1, urlA, dirA1.path));
      const urlA1 = nodeA1.rpcUrl;
      expect(nodeA1.chain).toMatchObject({ chainId: a1, parentChainId: chainA, threshold: 1, challengeWindow: 2, l1ChainId: l1.l1ChainId, rootContract: l1.rootAddress });

      // DEPOSIT_TO_CHILD A → A1: applied by A1 once A's block holding it is committed on L1.
      const bob = new User(a1, l1.l1ChainId, l1.rootAddress);
      const deposit = sign(alice, { kind: TxKind.DepositToChild, chainId: chainA, slot, child: a1, to: bob.address, token: ETH, amount: parseEther('0.1'), nonce: 1n });
      const depositReceipt = await receipt(urlA, await send(urlA, deposit));
      await waitFor('deposit applied on A1', async () => (await rpc(urlA1, 'pt_getBalance', [bob.address, ETH])) === parseEther('0.1').toString());
      expect((await rpc(urlA, 'pt_chainInfo')).committed.number).toBeGreaterThanOrEqual(depositReceipt.blockNumber);
      const bobSlot = (await rpc<{ slot: number }>(urlA1, 'pt_getAccount', [bob.address, ETH])).slot;

      // The deposit cannot be replayed: the signed DEPOSIT_TO_CHILD is refused on A, A1 applied nonce 1 once.
      expect(await sendError(urlA, deposit)).toBe('NONCE_MISMATCH');
      expect(await rpc(urlA, 'pt_getChildInfo', [a1])).toMatchObject({ depositCount: 1 });

      // A transfer on A1, then a withdrawal to dave on A.
      const carol = Wallet.createRandom().address.toLowerCase() as Address;
      await receipt(urlA1, (await rpc<{ hash: Hex }>(urlA1, 'pt_sendTransaction', [txJson(bob.transfer(bobSlot, carol, parseEther('0.03'), 0n))])).hash);
      expect(await rpc(urlA1, 'pt_getBalance', [carol, ETH])).toBe(parseEther('0.03').toString());
      const dave = Wallet.createRandom().address.toLowerCase() as Address;
      const withdrawal = (await rpc<{ hash: Hex }>(urlA1, 'pt_sendTransaction', [txJson(bob.withdraw(bobSlot, dave, parseEther('0.02'), 1n))])).hash;

      // A1's committer commits its blocks on A as COMMIT_CHILD; A1 learns the windowEnd from pt_getCommitment.
      const committed = await receipt(urlA1, withdrawal, ['committed']);
      const commitment = await rpc(urlA, 'pt_getCommitment', [a1, committed.blockNumber]);
      const a1Block = await rpc(urlA1, 'pt_getBlockByNumber', [committed.blockNumber]);
      expect(commitment).toMatchObject({ child: a1, number: committed.blockNumber, blockHash: a1Block.hash, windowEnd: committed.windowEnd });
      expect(commitment.windowEnd).toBe(commitment.timestamp + 2);
      const commitTx = (await rpc(urlA, 'pt_getBlockByNumber', [commitment.blockNumber])).txs.find((t: { kind: string }) => t.kind === 'commitChild');
      expect(commitTx).toBeDefined();
      expect(await rpc(urlA, 'pt_getChildInfo', [a1])).toMatchObject({ headNumber: committed.blockNumber, headDepositNonce: 1 });
      expect((await rpc(urlA1, 'pt_chainInfo')).committed.number).toBe(committed.blockNumber);
      // The size rule (docs/LEDGER-PROOFS.md): A is a child of the root, A1 one deeper, with a smaller chunk budget.
      expect(await rpc(urlA, 'pt_chainInfo')).toMatchObject({ depth: 1, chunkBudget: chunkByteBudget(1) });
      expect(chunkByteBudget(1)).toBe(120 * 1024);
      expect(await rpc(urlA1, 'pt_chainInfo')).toMatchObject({ depth: 2, chunkBudget: chunkByteBudget(2) });
      expect(chunkByteBudget(2)).toBeLessThan(chunkByteBudget(1));

      // A COMMIT_CHILD of A1's block for another child is refused; so is A1's block committed a second time.
      const a1Header = headerFromJson(a1Block.header);
      const quorum = secp256k1Scheme.sign(commitmentDigest(bob.domain, a1, a1Header.number, a1Block.hash), a1Validator.privateKey as Hex);
      const commitFor = (child: ChainId): SignedTx => ({ kind: TxKind.CommitChild, chainId: chainA, child, header: a1Header, signatures: quorum });
      expect(await sendError(urlA, commitFor(chainIdOf(chainA, 1)))).toBe('UNKNOWN_CHAIN');
      const spawn2 = sign(alice, { kind: TxKind.SpawnChild, chainId: chainA, slot, validators: [a1Validator.address.toLowerCase() as Address], threshold: 1, challengeWindow: 2n, bond: 10n ** 16n, nonce: 2n });
      await receipt(urlA, await send(urlA, spawn2));
      expect(await sendError(urlA, commitFor(chainIdOf(chainA, 1)))).toBe('CHAIN_ID_MISMATCH');
      expect(await sendError(urlA, commitFor(a1))).toBe('WRONG_BLOCK_NUMBER');

      // FINALIZE_CHILD_EXIT on A after A1's window (A's block timestamps are the clock) pays dave on A.
      const proof = await rpc(urlA1, 'pt_getWithdrawalProof', [withdrawal]);
      const finalize: SignedTx = {
        kind: TxKind.FinalizeChildExit,
        chainId: chainA,
        child: a1,
        header: headerFromJson(proof.header),
        windowEnd: BigInt(proof.windowEnd),
        exit: { recipient: proof.exit.recipient, token: proof.exit.token, amount: BigInt(proof.exit.amount) },
        index: BigInt(proof.index),
        proof: proof.proof,
      };
      await waitFor('A1 window passed', () => Date.now() / 1000 >= proof.windowEnd + 1, 10_000);
      await receipt(urlA, await send(urlA, finalize));
      expect(await rpc(urlA, 'pt_getBalance', [dave, ETH])).toBe(parseEther('0.02').toString());
      expect(await sendError(urlA, finalize)).toBe('ALREADY_WITHDRAWN');

      // The invariant on both edges: L1 → A (root.subtreeBalance) and A → A1 (A's ledger).
      const onA1 = checkSubtreeInvariant(stateOf(nodeA1), ETH);
      expect(onA1.total).toBe(parseEther('0.08'));
      expect(BigInt(await rpc(urlA, 'pt_getSubtreeBalance', [a1, ETH]))).toBe(onA1.total);
      const onA = checkSubtreeInvariant(stateOf(nodeA), ETH);
      expect(onA.children).toBe(onA1.total);
      expect(onA.bonds).toBe(2n * 10n ** 16n);
      expect((await l1.root.subtreeBalance(chainA, ETH)) as bigint).toBe(onA.total);

      // pt_chainInfo.final: A's blocks become final once L1's clock passes their window (60 s on L1).
      expect((await rpc(urlA, 'pt_chainInfo')).final.number).toBe(0);
      await l1.provider.send('evm_increaseTime', [120]);
      await mine(l1, 1);
      const headA = (await rpc(urlA, 'pt_chainInfo')).committed.number;
      await waitFor('A final', async () => (await rpc(urlA, 'pt_chainInfo')).final.number >= headA);
    } finally {
      await nodeA1?.close();
      await nodeA.close();
      await dirA1.remove();
      await dirA.remove();
    }
  }, 120_000);
});

describe('ChildDepositFollower', () => {
  const child = chainIdOf(`0x${'aa'.repeat(32)}` as ChainId, 0);
  const to = `0x${'0b'.repeat(20)}` as Address;
  const record = (nonce: number, blockNumber: number, amount = 5n) => {
    const deposit = { chainId: child, nonce: BigInt(nonce), from: to, to, token: ETH, amount };
    return { child, nonce, from: to, to, token: ETH, amount: amount.toString(), depositHash: hashDeposit(deposit), blockNumber, index: 0 };
  };
  const fakeParent = (answers: { committed: number; final: number; records: ReturnType<typeof record>[] }) =>
    ({
      url: 'http://parent.test',
      call: async (method: string) => {
        if (method === 'pt_chainInfo') return { committed: { number: answers.committed }, final: { number: answers.final } };
        if (method === 'pt_getChildDeposits') return answers.records;
        throw new Error(`unexpected ${method}`);
      },
    }) as unknown as ParentNodeClient;
  const follower = (client: ParentNodeClient, finality: 'committed' | 'final') =>
    new ChildDepositFollower(client, { chainId: child, appliedNonce: () => 0n, logger: silentLogger, metrics: createNodeMetrics() }, { finality, pollMs: 10 });

  it('takes deposits in nonce order once their parent block is committed or final, each nonce once', async () => {
    const answers = { committed: 3, final: 1, records: [record(1, 1), record(2, 3), record(2, 3, 7n), record(3, 4)] };
    const committed = follower(fakeParent(answers), 'committed');
    await committed.poll();
    expect(committed.next(0n, 10).map((d) => [d.nonce, d.kind === 'deposit' ? d.deposit.amount : undefined])).toEqual([[1n, 5n], [2n, 5n]]);
    expect(committed.record(2n)).toBe(answers.records[1].depositHash);
    const final = follower(fakeParent(answers), 'final');
    await final.poll();
    expect(final.next(0n, 10).map((d) => d.nonce)).toEqual([1n]);
  });

  it('refuses a record that does not match its deposit', async () => {
    const forged = { ...record(1, 1), amount: '6' };
    await expect(follower(fakeParent({ committed: 1, final: 1, records: [forged] }), 'committed').poll()).rejects.toMatchObject({ code: 'PARENT_UNREACHABLE' });
  });
});
