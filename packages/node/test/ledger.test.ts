/**
 * A node hosting a ParentLedger (docs/TREE.md §2-3): kinds 3-6 through pt_sendTransaction with the ledger's
 * refusals, the JSON-RPC views children read (docs/SPEC.md "Serving children"), and the ledger surviving a
 * restart (store format 2).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Wallet, parseEther } from 'ethers';
import { Level } from 'level';
import { join } from 'node:path';
import {
  BlockBuilder,
  ChainState,
  TxKind,
  bytesToHex,
  chainIdOf,
  commitmentDigest,
  computeExitRoot,
  exitProof,
  ledgerKeys,
  secp256k1Scheme,
  signedTxDigest,
  signedTxToJson,
  ZERO_BYTES32,
  type Address,
  type ChainId,
  type Exit,
  type Header,
  type Hex,
  type SignedTx,
  type UnsignedTx,
} from '@plasma-tree/core';
import { PlasmaNode } from '../src/index.js';
import { ETH, User, fund, nodeOptions, rpc, rpcError, spawnChain, startL1, tempDir, validatorKey, waitFor, type L1, signTx as sign, sendTx as send, sendTxReason as sendError } from './helpers.js';

let l1: L1;
beforeAll(async () => {
  l1 = await startL1();
}, 60_000);
afterAll(async () => {
  await l1?.stop();
});


async function included(url: string, hash: Hex): Promise<{ blockNumber: number; index: number; kind: string; data: Hex }> {
  return waitFor(`tx ${hash} included`, async () => {
    const receipt = await rpc(url, 'pt_getReceipt', [hash]);
    if (receipt?.status === 'rejected') throw new Error(`rejected: ${receipt.reason} ${receipt.message}`);
    return receipt && (receipt.status === 'included' || receipt.status === 'committed') ? receipt : undefined;
  });
}

describe('a node hosting children', () => {
  it('admits kinds 3-6 over RPC, refuses doomed ones with the ledger codes, serves the ledger and keeps it across a restart', async () => {
    const key = validatorKey(l1, 1);
    const chainA = await spawnChain(l1, [key]);
    const dir = await tempDir();
    const options = nodeOptions(l1, chainA, dir.path, { validatorKeys: [key] });
    let node = await PlasmaNode.init(options);
    try {
      const url = node.rpcUrl;
      const alice = new User(chainA, l1.l1ChainId, l1.rootAddress);
      const slot = await fund(l1, url, alice, parseEther('1'));
      const childValidator = Wallet.createRandom();
      const window = 3n;

      // SPAWN_CHILD (kind 6): a refused one (bad threshold), then A1.
      const badSpawn = sign(alice, { kind: TxKind.SpawnChild, chainId: chainA, slot, validators: [childValidator.address.toLowerCase() as Address], threshold: 2, challengeWindow: window, bond: 10n ** 16n, nonce: 0n });
      expect(await sendError(url, badSpawn)).toBe('BAD_THRESHOLD');
      const spawn = sign(alice, { ...badSpawn, threshold: 1 } as UnsignedTx);
      const spawnReceipt = await included(url, await send(url, spawn));
      expect(spawnReceipt.kind).toBe('spawnChild');
      expect(spawnReceipt.data).not.toBe('0x');
      const a1 = chainIdOf(chainA, 0);
      expect(await rpc(url, 'pt_getChildren')).toEqual([a1]);
      const info = await rpc(url, 'pt_getChildInfo', [a1]);
      expect(info).toMatchObject({ chainId: a1, parentChainId: chainA, threshold: 1, challengeWindow: 3, headNumber: 0, depositCount: 0, bond: (10n ** 16n).toString() });
      expect(await rpc(url, 'pt_getChildInfo', [chainIdOf(chainA, 5)])).toBeNull();
      // The stall rule (docs/FRAUD.md §8): the default limit, the spawn block's time as the last activity; a stall
      // freeze of a child that is not stalled and a limit below the window are refused at submission (the ledger's codes).
      const spawnBlock = await rpc(url, 'pt_getBlockByNumber', [spawnReceipt.blockNumber]);
      expect(info).toMatchObject({ stallLimit: 7 * 86_400, spawnedAt: spawnBlock.header.timestamp, lastActivity: spawnBlock.header.timestamp, status: 0, frozenAt: 0 });
      expect(await sendError(url, { kind: TxKind.FreezeStalledChild, chainId: chainA, child: a1 })).toBe('NOT_STALLED');
      expect(await sendError(url, { kind: TxKind.FreezeStalledChild, chainId: chainA, child: chainIdOf(chainA, 5) })).toBe('UNKNOWN_CHAIN');
      expect(await sendError(url, sign(alice, { ...badSpawn, threshold: 1, stallLimit: window - 1n, nonce: 1n } as UnsignedTx))).toBe('BAD_STALL_LIMIT');

      // DEPOSIT_TO_CHILD (kind 3): to an unknown child is refused, to A1 recorded.
      const bob = new User(a1, l1.l1ChainId, l1.rootAddress);
      const toNowhere = sign(alice, { kind: TxKind.DepositToChild, chainId: chainA, slot, child: chainIdOf(chainA, 7), to: bob.address, token: ETH, amount: 1000n, nonce: 1n });
      expect(await sendError(url, toNowhere)).toBe('UNKNOWN_CHAIN');
      const deposit = sign(alice, { ...toNowhere, child: a1 } as UnsignedTx);
      const depositReceipt = await included(url, await send(url, deposit));
      expect(await rpc(url, 'pt_getSubtreeBalance', [a1, ETH])).toBe('1000');
      const record = await rpc(url, 'pt_getDepositRecord', [a1, 1]);
      expect(record).toMatchObject({ child: a1, nonce: 1, from: alice.address, to: bob.address, token: ETH, amount: '1000', blockNumber: depositReceipt.blockNumber, index: depositReceipt.index });
      expect(await rpc(url, 'pt_getChildDeposits', [a1, 1, 10])).toEqual([record]);
      expect(await rpc(url, 'pt_getDepositRecord', [a1, 2])).toBeNull();

      // A1's blocks, built here with core: block 1 applies the deposit and withdraws 400 to carol; block 2 is a
      // forged header claiming an exit far above what A1 holds on A.
      const carol = Wallet.createRandom().address.toLowerCase() as Address;
      const a1State = new ChainState(a1);
      const builder = new BlockBuilder({
        parent: null,
        state: a1State,
        ctx: { chainId: a1, domain: bob.domain, depositRecord: (n) => (n === 1n ? record.depositHash : undefined) },
        timestamp: BigInt(Math.floor(Date.now() / 1000)),
      });
      const credited = builder.addDeposit({ chainId: a1, nonce: 1n, from: alice.address, to: bob.address, token: ETH, amount: 1000n });
      builder.addSignedTx(bob.withdraw(credited.toSlot, carol, 400n, 0n));
      const block1 = builder.seal();
      const forged: Header = {
        ...block1.header,
        number: 2n,
        parentHash: block1.hash,
        exitRoot: bytesToHex(computeExitRoot([{ recipient: carol, token: ETH, amount: 10n ** 6n }])),
      };
      const quorum = (header: Header, hash: Hex) =>
        secp256k1Scheme.sign(commitmentDigest(bob.domain, a1, header.number, hash), childValidator.privateKey as Hex);
      const { hashHeader } = await import('@plasma-tree/core');

      // COMMIT_CHILD (kind 4): without signatures refused; blocks 1 and 2 admitted back to back.
      const commit = (header: Header, signatures: Hex): SignedTx => ({ kind: TxKind.CommitChild, chainId: chainA, child: a1, header, signatures });
      expect(await sendError(url, commit(block1.header, '0x'))).toBe('NOT_ENOUGH_SIGNATURES');
      const commit1 = await send(url, commit(block1.header, quorum(block1.header, block1.hash)));
      const commit2 = await send(url, commit(forged, quorum(forged, hashHeader(forged))));
      const commitReceipt = await included(url, commit1);
      expect(commitReceipt.kind).toBe('commitChild');
      await included(url, commit2);
      const commitment = await rpc(url, 'pt_getCommitment', [a1, 1]);
      expect(commitment).toMatchObject({ child: a1, number: 1, blockHash: block1.hash, blockNumber: commitReceipt.blockNumber });
      expect(commitment.windowEnd).toBe(commitment.timestamp + 3);
      const block = await rpc(url, 'pt_getBlockByNumber', [commitReceipt.blockNumber]);
      expect(block.txs[commitReceipt.index]).toMatchObject({ kind: 'commitChild', data: commitReceipt.data });
      expect(await rpc(url, 'pt_getChildInfo', [a1])).toMatchObject({ headNumber: 2, headDepositNonce: 1 });
      expect(await rpc(url, 'pt_time')).toBeGreaterThanOrEqual(commitment.timestamp);

      // FINALIZE_CHILD_EXIT (kind 5): too early, then paid once, then spent; the forged exit hits the cap.
      const finalize = (header: Header, windowEnd: bigint, exit: { recipient: Address; token: Address; amount: bigint }, proof: Hex[]): SignedTx =>
        ({ kind: TxKind.FinalizeChildExit, chainId: chainA, child: a1, header, windowEnd, exit, index: 0n, proof });
      const payout = finalize(block1.header, BigInt(commitment.windowEnd), block1.exits[0] as Exit, exitProof(block1, 0));
      expect(await sendError(url, payout)).toBe('CHALLENGE_WINDOW_OPEN');
      const commitment2 = await rpc(url, 'pt_getCommitment', [a1, 2]);
      await waitFor('windows passed', () => Date.now() / 1000 >= commitment2.windowEnd + 1, 10_000);
      const paid = await included(url, await send(url, payout));
      expect(paid.kind).toBe('finalizeChildExit');
      expect(await rpc(url, 'pt_getBalance', [carol, ETH])).toBe('400');
      expect(await rpc(url, 'pt_getSubtreeBalance', [a1, ETH])).toBe('600');
      expect(await sendError(url, payout)).toBe('ALREADY_WITHDRAWN');
      const forgedExit = { recipient: carol, token: ETH, amount: 10n ** 6n };
      const { MerkleTree, exitLeaf, EXIT_TREE_DEPTH } = await import('@plasma-tree/core');
      const forgedProof = new MerkleTree([exitLeaf(forgedExit)], EXIT_TREE_DEPTH).proof(0).map(bytesToHex);
      expect(await sendError(url, finalize(forged, BigInt(commitment2.windowEnd), forgedExit, forgedProof))).toBe('SUBTREE_BALANCE_EXCEEDED');

      // A ledger proof of A1's entry, against the served roots.
      const proof = await rpc(url, 'pt_getLedgerProof', [ledgerKeys.child(a1)]);
      expect(proof.entry).toMatchObject({ child: a1, headNumber: '2' });
      expect(proof.leaf).not.toBe(ZERO_BYTES32);

      // Restart: the ledger comes back from the store, and the head's stateRoot checks it.
      const head = node.head;
      await node.close();
      node = await PlasmaNode.init(options);
      expect(node.head).toEqual(head);
      expect(await rpc(node.rpcUrl, 'pt_getChildInfo', [a1])).toMatchObject({ headNumber: 2, depositCount: 1 });
      expect(await rpc(node.rpcUrl, 'pt_getSubtreeBalance', [a1, ETH])).toBe('600');
      expect(await rpc(node.rpcUrl, 'pt_getCommitment', [a1, 1])).toEqual(commitment);
      expect(await rpc(node.rpcUrl, 'pt_getDepositRecord', [a1, 1])).toEqual(record);
      const reread = await rpc(node.rpcUrl, 'pt_getBlockByNumber', [commitReceipt.blockNumber]);
      expect(reread.txs[commitReceipt.index]).toMatchObject({ kind: 'commitChild', data: commitReceipt.data });
      expect(await sendError(node.rpcUrl, payout)).toBe('ALREADY_WITHDRAWN');
      await node.close();

      // A format-1 store is refused with STORE_FORMAT.
      const db = new Level<string, string>(join(dir.path, 'chain'), { keyEncoding: 'utf8', valueEncoding: 'utf8' });
      const identity = JSON.parse((await db.get('Midentity'))!);
      await db.put('Midentity', JSON.stringify({ ...identity, version: 1 }));
      await db.close();
      const error = await PlasmaNode.init(options).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'STORE_FORMAT' });
      expect((error as { hint?: string }).hint).toMatch(/empty dataDir/);
    } finally {
      await node.close();
      await dir.remove();
    }
  }, 90_000);
});
