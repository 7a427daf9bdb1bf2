/**
 * Fault injection (NodeOptions `faults`, docs/FRAUD.md §5) against a real Hardhat L1: for every kind, a validator
 * node with that fault runs one scenario (block 1: two deposits in one L1 block; block 2: a withdrawal and a
 * transfer), its faulty block is read over RPC and re-executed by core's verifyBlock on the honest pre-state
 * (every block before it passes), which refuses it with the fault's reason, while PlasmaRoot holds the block's
 * commitment. The same scenario without faults gives valid blocks only.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AbiCoder, Wallet, id, keccak256, parseEther } from 'ethers';
import {
  ChainState,
  PlasmaError,
  MESSAGE_FN,
  TxKind,
  ZERO_BYTES32,
  blockDataChunks,
  blockFromJson,
  chunkByteBudget,
  chunkSizes,
  encodeMessagePayload,
  encodePublishBlockDataCall,
  signedTxToJson,
  commitmentDigest,
  headerFromJson,
  plasmaDomain,
  secp256k1Scheme,
  verifyBlock,
  findFraud,
  type Address,
  type Block,
  type BlockContext,
  type ChainId,
  type Header,
  type Hex,
  type InvalidBlockData,
} from '@plasma-tree/core';
import { FAULTS_FILE, PlasmaNode, faultWarning, optionsFromArgs, parseFaultSpec, resolveNodeOptions, type FaultKind, type FaultPlan } from '../src/index.js';
import { ETH, User, nodeOptions, recordingLogger, rpc, rpcError, signTx, spawnChain, startL1, tempDir, txJson, validatorKey, waitFor, type L1, watcherContext, honestPreState, invalidBlockData } from './helpers.js';

let l1: L1;
beforeAll(async () => {
  l1 = await startL1();
});
afterAll(async () => {
  await l1?.stop();
});

const KEY_INDEX = 1;

/** A validator node (threshold 1, confirmations 0, fast loops) on a fresh chain, with `faults`. */
async function startChain(faults?: FaultPlan, extra: Parameters<typeof nodeOptions>[3] = {}) {
  const key = validatorKey(l1, KEY_INDEX);
  const chainId = await spawnChain(l1, [key]);
  const dir = await tempDir('plasma-faults-');
  const options = nodeOptions(l1, chainId, dir.path, { validatorKeys: [key], l1Confirmations: 0, blockTimeMs: 50, l1PollMs: 40, ...(faults ? { faults } : {}), ...extra });
  const node = await PlasmaNode.init(options);
  return { chainId, dir, options, node, operator: new Wallet(key).address.toLowerCase() as Address };
}
type Run = Awaited<ReturnType<typeof startChain>>;

/** Deposits to each of `to` in one L1 block (so the chain applies them in one block). */
async function depositsInOneL1Block(chainId: ChainId, to: Address[], wei: bigint): Promise<void> {
  await l1.provider.send('evm_setAutomine', [false]);
  try {
    const sent = [];
    for (const address of to) sent.push(await l1.root.depositETH(chainId, address, { value: wei }));
    await l1.provider.send('evm_mine', []);
    for (const tx of sent) await tx.wait();
  } finally {
    await l1.provider.send('evm_setAutomine', [true]);
    // A commitment sent while automine was off waits in the mempool, and re-enabling automine does not mine it:
    // with every committer waiting on its receipt, nothing would ever be mined again.
    await l1.provider.send('evm_mine', []);
  }
}

const info = (run: Run) => rpc(run.node.rpcUrl, 'pt_chainInfo');

/**
 * Block 1: deposits to alice and bob. Block 2: alice withdraws, then transfers to bob (the transfer last, so a lie
 * about it leaves nothing after it to fail).
 */
async function scenario(run: Run): Promise<{ alice: User; bob: User }> {
  const alice = new User(run.chainId, l1.l1ChainId, l1.rootAddress);
  const bob = new User(run.chainId, l1.l1ChainId, l1.rootAddress);
  await depositsInOneL1Block(run.chainId, [alice.address, bob.address], parseEther('1'));
  await waitFor('block 1', async () => (await info(run)).head.number >= 1);
  const { slot } = await rpc<{ slot: number }>(run.node.rpcUrl, 'pt_getAccount', [alice.address, ETH]);
  await rpc(run.node.rpcUrl, 'pt_sendTransactions', [[txJson(alice.withdraw(slot, alice.address, parseEther('0.05'), 0n)), txJson(alice.transfer(slot, bob.address, parseEther('0.1'), 1n))]]);
  await waitFor('the transactions included', async () => (await info(run)).mempoolSize === 0 && (await info(run)).head.number >= 2);
  return { alice, bob };
}

/** The block a faulty node reports it injected into, once it is committed on L1. */
async function faultyBlockNumber(run: Run): Promise<number> {
  const n = await waitFor('the fault injected', async () => (await info(run)).faults.injected[0] as number | undefined);
  await waitFor(`block ${n} committed`, async () => (await info(run)).committed.number >= n);
  return n;
}

async function getBlock(run: Run, n: number): Promise<Block | null> {
  const json = await rpc(run.node.rpcUrl, 'pt_getBlockByNumber', [n]);
  return json === null ? null : blockFromJson(json);
}

/** What PlasmaRoot recorded for block `n`: the Committed event's hash, checked against `commitmentRecord`. */
async function committedOnL1(chainId: ChainId, n: number): Promise<Hex> {
  const [event] = await l1.root.queryFilter(l1.root.filters.Committed(chainId, n));
  const { blockHash, windowEnd } = (event as unknown as { args: { blockHash: string; windowEnd: bigint } }).args;
  const record = await l1.root.commitmentRecord(chainId, n);
  expect(record).toBe(keccak256(AbiCoder.defaultAbiCoder().encode(['bytes32', 'uint64'], [blockHash, windowEnd])));
  return blockHash.toLowerCase() as Hex;
}




const lastOf = (block: Block, kind: TxKind) => block.txs.map((tx) => tx.kind).lastIndexOf(kind);

/** Per kind: the refusal verifyBlock gives, from the faulty block (block 1: [deposit, deposit]; block 2: [withdraw, transfer]).
 *  skip-deposit's blocks are valid to the STF: only its deadline convicts (test/watcher-skipped-deposit.e2e.test.ts).
 *  The ledger kinds' lies need a chain with a child: faults-ledger.test.ts. */
type LedgerFaultKind = 'double-finalize' | 'ledger-post-root' | 'early-freeze' | 'false-conviction';
const EXPECTED: Record<Exclude<FaultKind, 'equivocate' | 'withhold-data' | 'oversized-chunk' | 'skip-deposit' | LedgerFaultKind>, { block: number; refusal: (b: Block) => Partial<InvalidBlockData> }> = {
  'bad-signature': { block: 2, refusal: (b) => ({ reason: 'INVALID_TX', code: 'BAD_SIGNATURE', txIndex: lastOf(b, TxKind.Transfer) }) },
  'bad-nonce': { block: 2, refusal: (b) => ({ reason: 'INVALID_TX', code: 'NONCE_MISMATCH', txIndex: lastOf(b, TxKind.Transfer) }) },
  overspend: { block: 2, refusal: (b) => ({ reason: 'INVALID_TX', code: 'INSUFFICIENT_BALANCE', txIndex: lastOf(b, TxKind.Transfer) }) },
  'wrong-amount': { block: 2, refusal: (b) => ({ reason: 'POST_ROOT_MISMATCH', txIndex: lastOf(b, TxKind.Transfer) }) },
  'bad-post-root': { block: 1, refusal: () => ({ reason: 'POST_ROOT_MISMATCH', txIndex: 1 }) },
  'forged-deposit': { block: 1, refusal: () => ({ reason: 'INVALID_TX', code: 'DEPOSIT_MISMATCH', txIndex: 1 }) },
  'duplicate-deposit': { block: 1, refusal: () => ({ reason: 'DOWN_STREAM_NOT_FIRST', txIndex: 2 }) },
  'deposit-out-of-order': { block: 1, refusal: () => ({ reason: 'INVALID_TX', code: 'DEPOSIT_OUT_OF_ORDER', txIndex: 0 }) },
  'missing-down-event': { block: 1, refusal: () => ({ reason: 'MISSING_DOWN_EVENT', txIndex: 1 }) },
  'bad-exit-root': { block: 1, refusal: () => ({ reason: 'EXIT_MISMATCH', expected: '0 exits', found: '1 exits' }) },
  'wrong-exit': { block: 2, refusal: () => ({ reason: 'EXIT_MISMATCH' }) },
  'bad-timestamp': { block: 2, refusal: () => ({ reason: 'WRONG_TIMESTAMP' }) },
};

describe('fault injection: every faulty block is committed and refused by verifyBlock', () => {
  for (const [kind, expected] of Object.entries(EXPECTED) as [keyof typeof EXPECTED, (typeof EXPECTED)[keyof typeof EXPECTED]][]) {
    it(kind, async () => {
      const run = await startChain({ kind });
      try {
        await scenario(run);
        const n = await faultyBlockNumber(run);
        expect(n).toBe(expected.block);
        const block = (await getBlock(run, n))!;
        expect(await committedOnL1(run.chainId, n)).toBe(block.hash);
        const ctx = await watcherContext(l1, run.chainId);
        const { state, parent } = await honestPreState(run.node.rpcUrl, run.chainId, n, ctx);
        const root = state.root;
        expect(invalidBlockData(() => verifyBlock(block, parent, state, ctx))).toMatchObject({ ...expected.refusal(block), blockNumber: String(n) });
        expect(state.root).toBe(root);
        // Every injected kind is provable on one tx or one fact, from what the node serves.
        expect(findFraud(block, parent, state, ctx)).toMatchObject({ provable: true });
        expect(state.root).toBe(root);
        // Once: the node carries on from its faulty block, honestly.
        expect((await info(run)).faults).toEqual({ kind, atBlock: null, once: true, injected: [n] });
      } finally {
        await run.node.close();
        await run.dir.remove();
      }
    });
  }

  it('equivocate: two different blocks for one height, each signed by the quorum; the committed one is served', async () => {
    const run = await startChain({ kind: 'equivocate' });
    try {
      await scenario(run);
      const n = await faultyBlockNumber(run);
      const proof = await rpc(run.node.rpcUrl, 'pt_getEquivocation', [n]);
      const domain = plasmaDomain(l1.l1ChainId, l1.rootAddress);
      const first = headerFromJson(proof.committed.header);
      const second = headerFromJson(proof.other.header);
      expect(first.number).toBe(BigInt(n));
      expect(second.number).toBe(BigInt(n));
      expect(proof.committed.blockHash).not.toBe(proof.other.blockHash);
      expect(proof.committed.blockHash).toBe(await committedOnL1(run.chainId, n));
      for (const side of [proof.committed, proof.other]) {
        const signers = side.signatures.map((sig: Hex) => secp256k1Scheme.recover(commitmentDigest(domain, run.chainId, BigInt(n), side.blockHash), sig));
        expect(signers).toEqual([run.operator]); // threshold 1: a quorum
      }
      // Each block is valid on its own: the fraud is signing both.
      const ctx = await watcherContext(l1, run.chainId);
      const { state, parent } = await honestPreState(run.node.rpcUrl, run.chainId, n, ctx);
      verifyBlock(blockFromJson(proof.other.block), parent, state, ctx, { dryRun: true });
      verifyBlock((await getBlock(run, n))!, parent, state, ctx);
      expect(await rpc(run.node.rpcUrl, 'pt_getEquivocation', [n + 1])).toBeNull();
    } finally {
      await run.node.close();
      await run.dir.remove();
    }
  });

  it('withhold-data: the block is committed on L1 but never served, by number or by hash', async () => {
    const run = await startChain({ kind: 'withhold-data' });
    try {
      await scenario(run);
      const n = await faultyBlockNumber(run);
      const hash = await committedOnL1(run.chainId, n);
      expect(await rpc(run.node.rpcUrl, 'pt_getBlockByNumber', [n])).toBeNull();
      expect(await rpc(run.node.rpcUrl, 'pt_getBlockByHash', [hash])).toBeNull();
      expect((await info(run)).head.number).toBeGreaterThanOrEqual(n);
      // The blocks around it are served.
      expect(await getBlock(run, n + 1)).not.toBeNull();
      // Only the equivocating node has pt_getEquivocation.
      expect((await rpcError(run.node.rpcUrl, 'pt_getEquivocation', [n])).code).toBe(-32601);
    } finally {
      await run.node.close();
      await run.dir.remove();
    }
  });

  it('oversized-chunk: every queued message goes in one block, its chunk over the budget: valid to the STF, refused by the size rule, its data never publishable on L1', async () => {
    // A slow block time, so the 30 messages of one batch are all queued when the block is built.
    const run = await startChain({ kind: 'oversized-chunk' }, { blockTimeMs: 1_500 });
    try {
      const alice = new User(run.chainId, l1.l1ChainId, l1.rootAddress);
      await depositsInOneL1Block(run.chainId, [alice.address], parseEther('1'));
      await waitFor('block 1', async () => (await info(run)).head.number >= 1);
      const { slot } = await rpc<{ slot: number }>(run.node.rpcUrl, 'pt_getAccount', [alice.address, ETH]);
      const payload = encodeMessagePayload({ target: alice.address, data: `0x${'5a'.repeat(3_900)}` });
      const message = (nonce: bigint) => signTx(alice, { kind: TxKind.EdgeSend, chainId: run.chainId, slot, fn: MESSAGE_FN, child: ZERO_BYTES32, payload, nonce });
      await rpc(run.node.rpcUrl, 'pt_sendTransactions', [Array.from({ length: 30 }, (_, i) => signedTxToJson(message(BigInt(i))))]);
      const n = await faultyBlockNumber(run);
      const block = (await getBlock(run, n))!;
      expect(await committedOnL1(run.chainId, n)).toBe(block.hash);
      const [first] = chunkSizes(block.txs);
      expect(first).toBeGreaterThan(chunkByteBudget(1));
      expect(block.txs.filter((tx) => tx.kind === TxKind.EdgeSend)).toHaveLength(30);
      // The STF takes it; only the size rule refuses it (a validator's import and the watcher check it).
      const ctx = await watcherContext(l1, run.chainId);
      const unbudgeted = await honestPreState(run.node.rpcUrl, run.chainId, n, ctx);
      expect(() => verifyBlock(block, unbudgeted.parent, unbudgeted.state, { ...ctx, chunkBudget: undefined })).not.toThrow();
      const { state, parent } = await honestPreState(run.node.rpcUrl, run.chainId, n, ctx);
      expect(invalidBlockData(() => verifyBlock(block, parent, state, { ...ctx, chunkBudget: chunkByteBudget(1) }))).toMatchObject({ reason: 'CHUNK_OVER_BUDGET', chunk: 0, found: `${first} bytes` });
      // On L1 its first chunk cannot be published: a data challenge of it can only convict.
      const [event] = await l1.root.queryFilter(l1.root.filters.Committed(run.chainId, n));
      const call = encodePublishBlockDataCall(run.chainId, block.header, (event as unknown as { args: { windowEnd: bigint } }).args.windowEnd, blockDataChunks(block)[0]);
      const refused = await l1.provider.call({ to: (await l1.root.dataAvailability()) as string, data: call }).then(() => '0x', (e: { data?: string }) => e.data ?? 'no revert data');
      expect(refused.slice(0, 10)).toBe(id('ChunkOverBudget(uint256,uint256)').slice(0, 10));
      // Once: the next blocks keep to the budget again.
      expect((await info(run)).faults).toEqual({ kind: 'oversized-chunk', atBlock: null, once: true, injected: [n] });
    } finally {
      await run.node.close();
      await run.dir.remove();
    }
  });
});

describe('fault injection: options and lifecycle', () => {
  it('off by default: the same scenario gives valid blocks only, and pt_chainInfo has no faults', async () => {
    const run = await startChain();
    try {
      await scenario(run);
      await waitFor('committed', async () => (await info(run)).committed.number >= 2);
      const ctx = await watcherContext(l1, run.chainId);
      const head = (await info(run)).head.number;
      const { state } = await honestPreState(run.node.rpcUrl, run.chainId, head + 1, ctx);
      expect(state.root).toBe((await getBlock(run, head))!.header.stateRoot);
      expect((await info(run)).faults).toBeUndefined();
      expect((await rpcError(run.node.rpcUrl, 'pt_getEquivocation', [1])).code).toBe(-32601);
    } finally {
      await run.node.close();
      await run.dir.remove();
    }
  });

  it('warns at start, and a restart resumes on top of the faulty block without injecting again', async () => {
    const { logger, lines } = recordingLogger();
    const run = await startChain({ kind: 'bad-post-root', atBlock: 2 }, { logger });
    try {
      expect(lines.some((l) => l.level === 'warn' && l.msg === faultWarning('bad-post-root'))).toBe(true);
      const { alice, bob } = await scenario(run);
      const n = await faultyBlockNumber(run);
      expect(n).toBe(2);
      // The operator's lie is the node's state now (1000 ETH it minted itself).
      expect(await rpc(run.node.rpcUrl, 'pt_getBalance', [run.operator, ETH])).toBe(parseEther('1000').toString());
      await run.node.close();

      const node = await PlasmaNode.init(run.options);
      run.node = node;
      expect((await info(run)).faults.injected).toEqual([2]);
      expect(await rpc(node.rpcUrl, 'pt_getBalance', [run.operator, ETH])).toBe(parseEther('1000').toString());
      const { slot } = await rpc<{ slot: number }>(node.rpcUrl, 'pt_getAccount', [bob.address, ETH]);
      await rpc(node.rpcUrl, 'pt_sendTransaction', [txJson(bob.transfer(slot, alice.address, 1n, 0n))]);
      await waitFor('block 3 committed', async () => (await info(run)).committed.number >= 3);
      const block3 = (await getBlock(run, 3))!;
      expect(block3.header.parentHash).toBe((await getBlock(run, 2))!.hash);
      expect((await info(run)).faults.injected).toEqual([2]);
    } finally {
      await run.node.close();
      await run.dir.remove();
    }
  });

  it('refuses a bad plan, and a plan on a full node; parses the CLI form', async () => {
    const chainId = await spawnChain(l1, [validatorKey(l1, KEY_INDEX)]);
    const dir = await tempDir('plasma-faults-');
    try {
      const init = (faults: unknown, keys: Hex[] = [validatorKey(l1, KEY_INDEX)]) =>
        PlasmaNode.init(nodeOptions(l1, chainId, dir.path, { validatorKeys: keys, faults: faults as FaultPlan })).catch((e: unknown) => e);
      expect(await init({ kind: 'steal-everything' })).toMatchObject({ code: 'BAD_CONFIG', data: { field: 'faults.kind' } });
      expect(await init({ kind: 'overspend', atBlock: 0 })).toMatchObject({ code: 'BAD_CONFIG', data: { field: 'faults.atBlock' } });
      expect(await init({ kind: 'overspend' }, [])).toMatchObject({ code: 'BAD_CONFIG', data: { field: 'faults' } });
      expect(parseFaultSpec('overspend@3')).toEqual({ kind: 'overspend', atBlock: 3n });
      expect(parseFaultSpec('withhold-data')).toEqual({ kind: 'withhold-data' });
      expect(() => parseFaultSpec('overspend@x')).toThrow(expect.objectContaining({ code: 'BAD_CONFIG' }));
      // The node process (bin.ts) takes the same form, and a config file's JSON form resolves alike.
      const args = ['--data-dir', dir.path, '--l1', l1.hardhat.url, '--root', l1.rootAddress, '--chain', chainId, '--inject-fault', 'bad-nonce@2'];
      expect(optionsFromArgs(args, {}).faults).toEqual({ kind: 'bad-nonce', atBlock: 2n });
      expect(optionsFromArgs(args.slice(0, -2), {}).faults).toBeUndefined();
      const resolved = resolveNodeOptions({ ...nodeOptions(l1, chainId, dir.path, { validatorKeys: [validatorKey(l1, KEY_INDEX)] }), faults: JSON.parse('{"kind":"equivocate","atBlock":4,"once":false}') });
      expect(resolved.faults).toEqual({ kind: 'equivocate', atBlock: 4n, once: false });
      expect(resolveNodeOptions(nodeOptions(l1, chainId, dir.path)).faults).toBeUndefined();
      expect(FAULTS_FILE).toBe('faults.json');
    } finally {
      await dir.remove();
    }
  });
});
