/**
 * Edge functions in the node without an L1 (docs/EDGE.md): the producer applies the parent's down stream with
 * edge events between deposits (kind 8, a failing receive half consumed as failed), the mempool admits kind-7
 * calls with dry runs (the functions' own refusals), the store keeps every ledger key the functions wrote (the
 * ledger's write log) and the up events in the blocks' exit lists (store format 3), and the RPC serves
 * deliveries, the inbox, function storage and exit proofs of up events. Also: the format-2 → 3 upgrade, and
 * edge modules.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Level } from 'level';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  MESSAGE_FN,
  TxKind,
  ZERO_BYTES32,
  bytesToHex,
  chainIdOf,
  computeMerkleRoot,
  edgeDownRecord,
  edgeFunctionId,
  encodeMessagePayload,
  exitTreeLeaf,
  hexToBytes,
  isPlasmaError,
  type Address,
  type Hex,
  type SignedTx,
} from '@plasma-tree/core';
import { Chain } from '../src/chain.js';
import { STORE_FORMAT_VERSION, encodeStoredBlock } from '../src/db/codec.js';
import { createDryRun } from '../src/dryRun.js';
import { toValidatorKeys } from '../src/l1/signatureCollector.js';
import { ChainStore, Mempool, SignaturePool, createNodeMetrics, loadEdgeModule, optionsFromArgs, resolveNodeOptions, silentLogger } from '../src/index.js';
import { BlockProducer } from '../src/producer.js';
import { createRpcMethods } from '../src/rpc/methods.js';
import { APP, TOTAL, counter, note, registry, word } from './fixtures/edges.js';
import { ETH, FakeDeposits, User, localChain, signTx, tempDir } from './helpers.js';

const validator = toValidatorKeys([`0x${'a1'.repeat(32)}` as Hex]);

let dir: Awaited<ReturnType<typeof tempDir>>;
let pool: SignaturePool;
beforeEach(async () => {
  dir = await tempDir();
  pool = await SignaturePool.start(0, silentLogger);
});
afterEach(async () => {
  await pool.close();
  await dir.remove();
});

function setup(chain: Chain) {
  const metrics = createNodeMetrics();
  const mempool = new Mempool(
    { chainId: chain.params.chainId, domain: chain.domain, account: (slot) => chain.state.get(slot), recoverSigners: (items) => pool.recover(items), dryRun: createDryRun(chain), metrics },
    { maxTxs: 1000 },
  );
  const deposits = new FakeDeposits(chain.params.chainId);
  const producer = new BlockProducer({ chain, mempool, deposits, validatorKeys: validator, logger: silentLogger, metrics }, { blockTimeMs: 1000, maxBlockTxs: 100 });
  const rpc = createRpcMethods({ chain, mempool });
  const user = () => new User(chain.params.chainId, chain.params.l1ChainId, chain.params.rootContract);
  return { mempool, deposits, producer, rpc, user };
}

const codeOf = (result: { hash: Hex } | { error: { code: string } }) => ('error' in result ? result.error.code : 'ok');
const rpcCode = (p: unknown) =>
  Promise.resolve(p).then(
    () => 'ok',
    (e: unknown) => (isPlasmaError(e) ? e.code : String(e)),
  );

describe('edge functions in the node', () => {
  it('applies down events between deposits, admits edge calls with dry runs, and keeps everything across a reopen', async () => {
    let chain = await localChain(dir.path, [validator[0].address], registry);
    const { mempool, deposits, producer, rpc, user } = setup(chain);
    const chainId = chain.params.chainId;
    const alice = user();
    const parentSender = `0x${'5e'.repeat(20)}` as Address;

    // The parent's stream: a deposit, a counter event, one over the limit (its half throws), another deposit,
    // an event of a function this chain does not run, and a message for APP.
    deposits.add(alice.address, 100n);
    deposits.addEdge(counter.fn, parentSender, word(5n));
    deposits.addEdge(counter.fn, parentSender, word(5000n));
    deposits.add(alice.address, 7n);
    deposits.addEdge(edgeFunctionId('node-test/unknown/v1'), parentSender, '0x');
    deposits.addEdge(MESSAGE_FN, parentSender, encodeMessagePayload({ target: APP, data: '0xc0ffee' }));
    const block1 = (await producer.produce())!;
    expect(block1.txs.map((tx) => [tx.kind, tx.nonce])).toEqual([[0, 1n], [8, 2n], [8, 3n], [0, 4n], [8, 5n], [8, 6n]]);
    expect(block1.header.depositNonce).toBe(6n);
    expect(chain.state.get(0)).toMatchObject({ owner: alice.address, balance: 107n });
    // Kind 8 is filed under the parent's record, as deposits are.
    const record2 = edgeDownRecord({ fn: counter.fn, child: chainId, nonce: 2n, sender: parentSender, payload: word(5n) });
    expect(await rpc.pt_getReceipt([record2])).toMatchObject({ status: 'included', blockNumber: 1, index: 1, kind: 'edgeFromParent' });
    expect(await rpc.pt_getEdgeDelivery([2])).toEqual({ nonce: 2, fn: counter.fn, status: 'delivered' });
    expect(await rpc.pt_getEdgeDelivery([3])).toEqual({ nonce: 3, fn: counter.fn, status: 'failed' });
    expect(await rpc.pt_getEdgeDelivery([5])).toMatchObject({ status: 'failed' });
    expect(await rpc.pt_getEdgeDelivery([7])).toBeNull();
    // The failed delivery's write (5000 added before the throw) was undone.
    expect(await rpc.pt_getEdgeStorage([counter.fn, TOTAL])).toBe(word(5n));
    expect(await rpc.pt_getEdgeStorage([counter.fn, '0x00'])).toBeNull();
    expect(await rpc.pt_getInbox([])).toEqual([{ index: 1, sourceChain: chain.params.parentChainId, sender: parentSender, target: APP, data: '0xc0ffee' }]);
    expect(await rpc.pt_getInbox([2, 10])).toEqual([]);
    expect(await rpc.pt_getEdgeStorage([MESSAGE_FN, `0x01${APP.slice(2)}01`])).toBe('0xc0ffee');

    // Kind 7 through the mempool: refusals of the dry run, then an up note and a withdrawal in one block.
    const call = (fn: Hex, child: Hex, payload: Hex, nonce: bigint): SignedTx => signTx(alice, { kind: TxKind.EdgeSend, chainId, slot: 0, fn, child, payload, nonce });
    const refused = await mempool.submit([
      call(edgeFunctionId('node-test/unknown/v1'), ZERO_BYTES32, '0x01', 0n),
      call(counter.fn, ZERO_BYTES32, word(1n), 0n), // a down function called up
      call(note.fn, ZERO_BYTES32, '0x', 0n), // the send half refuses
      call(counter.fn, chainIdOf(chainId, 0), word(1n), 0n), // no such child
      call(note.fn, ZERO_BYTES32, '0x01', 1n), // nonce gap
    ]);
    expect(refused.map(codeOf)).toEqual(['UNKNOWN_EDGE_FUNCTION', 'EDGE_DIRECTION_MISMATCH', 'EMPTY_NOTE', 'UNKNOWN_CHAIN', 'NONCE_MISMATCH']);
    const [up] = await mempool.submit([call(note.fn, ZERO_BYTES32, '0xabcd', 0n)]);
    // The dry run of a second call sees the first one's send half (it wrote the note already): admitted too.
    const [up2] = await mempool.submit([call(note.fn, ZERO_BYTES32, '0xabce', 1n)]);
    const [withdrawal] = await mempool.submit([alice.withdraw(0, alice.address, 3n, 2n)]);
    const [upHash, up2Hash, withdrawalHash] = [up, up2, withdrawal].map((r) => (r as { hash: Hex }).hash);
    const block2 = (await producer.produce())!;
    expect(block2.txs.map((tx) => tx.kind)).toEqual([TxKind.EdgeSend, TxKind.EdgeSend, TxKind.Withdraw]);
    expect(block2.exits).toEqual([
      { fn: note.fn, sourceChain: chainId, sender: alice.address, payload: '0xabcd' },
      { fn: note.fn, sourceChain: chainId, sender: alice.address, payload: '0xabce' },
      { recipient: alice.address, token: ETH, amount: 3n },
    ]);
    expect(await rpc.pt_getReceipt([upHash])).toMatchObject({ status: 'included', kind: 'edgeSend', exitIndex: 0 });
    expect(await rpc.pt_getReceipt([withdrawalHash])).toMatchObject({ exitIndex: 2 });
    expect(await rpc.pt_getEdgeStorage([note.fn, '0xabce'])).toBe('0x01');

    // Exit proofs: none before the block is committed, then one per leaf, withdrawals keeping their own method.
    expect(await rpcCode(rpc.pt_getExitProof([up2Hash]))).toBe('EXIT_NOT_COMMITTED');
    expect(await rpcCode(rpc.pt_getExitProof([record2]))).toBe('NOT_AN_EXIT');
    expect(await rpcCode(rpc.pt_getExitProof([`0x${'77'.repeat(32)}`]))).toBe('UNKNOWN_TX');
    await chain.store.putCommitment(1, { blockHash: block1.hash, windowEnd: 10, l1TxHash: block1.hash });
    await chain.store.putCommitment(2, { blockHash: block2.hash, windowEnd: 20, l1TxHash: block2.hash });
    const proof = (await rpc.pt_getExitProof([up2Hash])) as { leaf: object; index: number; proof: Hex[]; windowEnd: number; header: { exitRoot: Hex } };
    expect(proof).toMatchObject({ chainId, blockNumber: 2, windowEnd: 20, index: 1, leaf: { kind: 'edge', fn: note.fn, sourceChain: chainId, sender: alice.address, payload: '0xabce' } });
    expect(bytesToHex(computeMerkleRoot(exitTreeLeaf(block2.exits[1]), 1, proof.proof))).toBe(proof.header.exitRoot);
    expect(await rpc.pt_getExitProof([withdrawalHash])).toMatchObject({ index: 2, leaf: { kind: 'exit', recipient: alice.address, token: ETH, amount: '3' } });
    expect(await rpc.pt_getWithdrawalProof([withdrawalHash])).toMatchObject({ index: 2, exit: { recipient: alice.address, amount: '3' } });
    expect(await rpcCode(rpc.pt_getWithdrawalProof([upHash]))).toBe('NOT_A_WITHDRAWAL');

    // Reopened (the restart path): storage, deliveries, inbox and blocks with up events come back from the store.
    const root = chain.state.root;
    await chain.store.close();
    chain = await localChain(dir.path, [], registry);
    expect(chain.state.root).toBe(root);
    expect(chain.state.ledger.edgeStorage(counter.fn, TOTAL)).toBe(word(5n));
    expect(chain.state.ledger.edgeDelivery(3n)).toMatchObject({ fn: counter.fn, status: 2 });
    expect((await chain.store.getBlock(2))?.block).toEqual(block2);
    const reopened = createRpcMethods({ chain, mempool });
    expect(await reopened.pt_getInbox([1, 1])).toHaveLength(1);
    expect(await reopened.pt_getExitProof([upHash])).toMatchObject({ index: 0 });
    await chain.store.close();
  });

  it('builds the registry from the options or an edge module, one way only', async () => {
    const base = { dataDir: dir.path, l1RpcUrl: 'http://127.0.0.1:8545', rootContract: `0x${'5f'.repeat(20)}`, chainId: `0x${'c1'.repeat(32)}`, validatorKeys: [] as Hex[] } as const;
    expect(resolveNodeOptions(base).edges).toBeUndefined();
    const fromFunctions = resolveNodeOptions({ ...base, edgeFunctions: [counter, note], messageHandlers: { [APP]: () => {} } }).edges!;
    expect(fromFunctions.functions.map((f) => f.name)).toEqual(['plasma-tree/message/v1', counter.name, note.name]);
    expect(resolveNodeOptions({ ...base, edges: registry }).edges).toBe(registry);
    const code = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return isPlasmaError(e) ? [e.code, (e.data as { field?: string }).field] : e;
      }
      return 'ok';
    };
    expect(code(() => resolveNodeOptions({ ...base, edgeFunctions: [counter, counter] }))).toEqual(['BAD_CONFIG', 'edgeFunctions']);
    expect(code(() => resolveNodeOptions({ ...base, edges: registry, edgeFunctions: [counter] }))).toEqual(['BAD_CONFIG', 'edges, edgeFunctions']);
    expect(code(() => resolveNodeOptions({ ...base, edgeModule: './x.mjs', messageHandlers: {} }))).toEqual(['BAD_CONFIG', 'messageHandlers, edgeModule']);
    expect(resolveNodeOptions({ ...base, messageHandlers: { [APP]: () => {} } }).edges!.functions).toHaveLength(1);

    // A config file's edgeModule is relative to the file; the flag's to the current directory.
    const config = join(dir.path, 'node.json');
    writeFileSync(config, JSON.stringify({ ...base, edgeModule: './edges.mjs' }));
    expect(optionsFromArgs(['--config', config], {}).edgeModule).toBe(join(dir.path, 'edges.mjs'));
    expect(optionsFromArgs(['--config', config, '--edge-module', 'other.mjs'], {}).edgeModule).toBe('other.mjs');

    const module = fileURLToPath(new URL('./fixtures/edges.ts', import.meta.url));
    const loaded = await loadEdgeModule(module);
    expect(loaded.functions.map((f) => f.fn)).toEqual(registry.functions.map((f) => f.fn));
    const missing = await loadEdgeModule(join(dir.path, 'nope.mjs')).catch((e: unknown) => e);
    expect(missing).toMatchObject({ code: 'BAD_CONFIG', data: { field: 'edgeModule' } });
  });
});

describe('store format 3', () => {
  it('upgrades a format-2 store in place, refuses format 1 and newer formats', async () => {
    const chain = await localChain(dir.path, [validator[0].address]);
    const { deposits, producer, mempool, user } = setup(chain);
    const alice = user();
    deposits.add(alice.address, 10n);
    await producer.produce();
    await mempool.submit([alice.withdraw(0, alice.address, 4n, 0n)]);
    const block2 = (await producer.produce())!;
    const stored2 = (await chain.store.getBlock(2))!;
    const { chainId, rootContract } = chain.params;
    await chain.store.close();

    // What a format-2 node left behind: its identity, its blocks (untagged token exits), deposit records without kind.
    const location = join(dir.path, 'chain');
    const setFormat = async (version: number, rewriteBlocks: boolean) => {
      const db = new Level<Buffer, Buffer>(location, { keyEncoding: 'buffer', valueEncoding: 'buffer' });
      const identityKey = Buffer.from('Midentity');
      const identity = JSON.parse((await db.get(identityKey))!.toString());
      await db.put(identityKey, Buffer.from(JSON.stringify({ ...identity, version })));
      if (rewriteBlocks) {
        const key = Buffer.alloc(9);
        key[0] = 0x42;
        key.writeBigUInt64BE(2n, 1);
        await db.put(key, Buffer.from(encodeStoredBlock(stored2, 2)));
      }
      await db.close();
    };
    await setFormat(2, true);
    const upgraded = await ChainStore.open(dir.path, { chainId, rootContract });
    expect(upgraded.upgradedFrom).toBe(2);
    expect((await upgraded.getBlock(2))?.block).toEqual(block2);
    await upgraded.close();
    const again = await ChainStore.open(dir.path, { chainId, rootContract });
    expect(again.upgradedFrom).toBeUndefined();
    await again.close();
    // The state still checks against the head's stateRoot.
    const reloaded = await localChain(dir.path);
    expect(reloaded.head.number).toBe(2);
    await reloaded.store.close();

    for (const [version, hint] of [[1, /predates the persisted ledger.*empty dataDir/], [STORE_FORMAT_VERSION + 1, /newer node/]] as const) {
      await setFormat(version, false);
      const error = await ChainStore.open(dir.path, { chainId, rootContract }).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'STORE_FORMAT', data: { found: version, expected: STORE_FORMAT_VERSION } });
      expect((error as { hint: string }).hint).toMatch(hint);
    }
    // Format 2 cannot hold up edge events.
    expect(() => encodeStoredBlock({ block: { ...block2, exits: [{ fn: note.fn, sourceChain: chainId, sender: alice.address, payload: '0x' }] }, txHashes: [] }, 2)).toThrow(/format 2/);
    expect(hexToBytes(bytesToHex(encodeStoredBlock(stored2)))[0]).toBe(3);
  });
});
