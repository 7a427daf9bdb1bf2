/**
 * Fault injection in the ledger kinds (docs/LEDGER-PROOFS.md §6.4) against a real Hardhat L1: a validator node of a
 * chain A (a child of the root) that is a parent lies in a tx it runs for its child A1. A1 has no node: its block is
 * built here with core and committed on A by hand (COMMIT_CHILD), as packages/node/test/ledger.test.ts does; one case
 * lies in the delivery of a message from L1 instead (an edge tx, kind 8). Per case, A's faulty block is read over RPC
 * and re-executed on the honest pre-state: verifyBlock refuses it, findFraud proves it as InvalidLedgerTx with the
 * lie's reason, and PlasmaRoot convicts A with that proof (FraudProven kind 10).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Wallet, parseEther } from 'ethers';
import {
  BlockBuilder,
  ChainState,
  ChainStatus,
  FraudKind,
  PROVABLE_LEDGER_KINDS,
  PlasmaError,
  TxKind,
  blockFromJson,
  chainIdOf,
  commitmentDigest,
  decodeEdgeFromParentData,
  encodeFraudProofCall,
  exitProof,
  findFraud,
  plasmaDomain,
  secp256k1Scheme,
  verifyBlock,
  type Address,
  type Block,
  type BlockContext,
  type ChainId,
  type Exit,
  type FraudProof,
  type Header,
  type Hex,
  type InvalidBlockData,
  type SignedTx,
} from '@plasma-tree/core';
import { PlasmaNode, type FaultKind } from '../src/index.js';
import { ETH, User, fund, nodeOptions, rpc, spawnChain, startL1, tempDir, validatorKey, waitFor, type L1, signTx as sign, sendTx as send, watcherContext, honestPreState, invalidBlockData } from './helpers.js';

let l1: L1;
beforeAll(async () => {
  l1 = await startL1();
}, 60_000);
afterAll(async () => {
  await l1?.stop();
});

/** A1's challenge window on A (seconds of A's block clock): the wait before its exit can be finalized. */
const A1_WINDOW = 3n;

/** A's validator node (threshold 1, confirmations 0, fast loops) on a fresh child of the root, with `kind`. */
async function startParent(kind: FaultKind) {
  const key = validatorKey(l1, 1);
  const chainId = await spawnChain(l1, [key]);
  const dir = await tempDir('plasma-faults-ledger-');
  const node = await PlasmaNode.init(nodeOptions(l1, chainId, dir.path, { validatorKeys: [key], l1Confirmations: 0, blockTimeMs: 50, l1PollMs: 40, faults: { kind } }));
  return { chainId, dir, node };
}
type Run = Awaited<ReturnType<typeof startParent>>;

const info = (run: Run) => rpc(run.node.rpcUrl, 'pt_chainInfo');

async function included(url: string, hash: Hex): Promise<{ blockNumber: number; index: number }> {
  return waitFor(`tx ${hash} included`, async () => {
    const receipt = await rpc(url, 'pt_getReceipt', [hash]);
    if (receipt?.status === 'rejected') throw new Error(`rejected: ${receipt.reason} ${receipt.message}`);
    return receipt && (receipt.status === 'included' || receipt.status === 'committed') ? receipt : undefined;
  });
}

/** alice funded on A, then A1 spawned by her (a SPAWN_CHILD, validated by a fresh key). */
async function spawnA1(run: Run) {
  const url = run.node.rpcUrl;
  const alice = new User(run.chainId, l1.l1ChainId, l1.rootAddress);
  const slot = await fund(l1, url, alice, parseEther('1'));
  const a1Validator = Wallet.createRandom();
  const spawn = sign(alice, { kind: TxKind.SpawnChild, chainId: run.chainId, slot, validators: [a1Validator.address.toLowerCase() as Address], threshold: 1, challengeWindow: A1_WINDOW, bond: 10n ** 16n, nonce: 0n });
  await included(url, await send(url, spawn));
  return { url, alice, slot, a1: chainIdOf(run.chainId, 0), a1Validator };
}

/**
 * Then alice deposits 1000 wei to bob on A1; A1's block 1 (built here) applies it and withdraws 400 to carol; it is
 * committed on A and, once its window has passed, carol's exit is finalized on A (FINALIZE_CHILD_EXIT).
 */
async function finalizeA1Exit(run: Run): Promise<void> {
  const { url, alice, slot, a1, a1Validator } = await spawnA1(run);
  const bob = new User(a1, l1.l1ChainId, l1.rootAddress);
  await included(url, await send(url, sign(alice, { kind: TxKind.DepositToChild, chainId: run.chainId, slot, child: a1, to: bob.address, token: ETH, amount: 1000n, nonce: 1n })));
  const record = await rpc(url, 'pt_getDepositRecord', [a1, 1]);
  const builder = new BlockBuilder({
    parent: null,
    state: new ChainState(a1),
    ctx: { chainId: a1, domain: bob.domain, depositRecord: (n) => (n === 1n ? record.depositHash : undefined) },
    timestamp: BigInt(Math.floor(Date.now() / 1000)),
  });
  const credited = builder.addDeposit({ chainId: a1, nonce: 1n, from: alice.address, to: bob.address, token: ETH, amount: 1000n });
  const carol = Wallet.createRandom().address.toLowerCase() as Address;
  builder.addSignedTx(bob.withdraw(credited.toSlot, carol, 400n, 0n));
  const block = builder.seal();
  const quorum = secp256k1Scheme.sign(commitmentDigest(bob.domain, a1, 1n, block.hash), a1Validator.privateKey as Hex);
  await included(url, await send(url, { kind: TxKind.CommitChild, chainId: run.chainId, child: a1, header: block.header, signatures: quorum } as SignedTx));
  const commitment = await rpc(url, 'pt_getCommitment', [a1, 1]);
  await waitFor('A1 block 1 final on A', () => Date.now() / 1000 >= commitment.windowEnd + 1, 10_000);
  const finalize = { kind: TxKind.FinalizeChildExit, chainId: run.chainId, child: a1, header: block.header, windowEnd: BigInt(commitment.windowEnd), exit: block.exits[0] as Exit, index: 0n, proof: exitProof(block, 0) };
  await included(url, await send(url, finalize as SignedTx));
}

/** A1 spawned, then its honest block 1 (empty, a few seconds old) committed on A (COMMIT_CHILD). */
async function commitA1Block1(run: Run): Promise<void> {
  const { url, alice, a1, a1Validator } = await spawnA1(run);
  const builder = new BlockBuilder({
    parent: null,
    state: new ChainState(a1),
    ctx: { chainId: a1, domain: alice.domain, depositRecord: () => undefined },
    // Before A's clock at the commit: the block's timestamp is in order, so a bad-timestamp proof proves nothing.
    timestamp: BigInt(Math.floor(Date.now() / 1000)) - 5n,
  });
  const block = builder.seal();
  const quorum = secp256k1Scheme.sign(commitmentDigest(alice.domain, a1, 1n, block.hash), a1Validator.privateKey as Hex);
  await included(url, await send(url, { kind: TxKind.CommitChild, chainId: run.chainId, child: a1, header: block.header, signatures: quorum } as SignedTx));
}

/** The block A's node reports it injected into, once it is committed on L1, with its windowEnd there. */
async function faultyBlock(run: Run): Promise<{ n: number; windowEnd: bigint }> {
  const n = await waitFor('the fault injected', async () => (await info(run)).faults.injected[0] as number | undefined, 30_000);
  await waitFor(`block ${n} committed`, async () => (await info(run)).committed.number >= n);
  return { n, windowEnd: await windowEndOnL1(run.chainId, n) };
}

async function windowEndOnL1(chainId: ChainId, n: number): Promise<bigint> {
  if (n === 0) return 0n;
  const [event] = await l1.root.queryFilter(l1.root.filters.Committed(chainId, n));
  return (event as unknown as { args: { windowEnd: bigint } }).args.windowEnd;
}

async function getBlock(run: Run, n: number): Promise<Block> {
  return blockFromJson(await rpc(run.node.rpcUrl, 'pt_getBlockByNumber', [n]));
}

/**
 * A message from L1 to A (PlasmaRoot.sendMessage) to an address with no handler there: A delivers it as an
 * EDGE_FROM_PARENT (kind 8) that keeps it in the message function's inbox, so the tx states writes (SPEC v4 "Edge
 * effects") and L1 recomputes its post-state root from them.
 */
async function messageFromL1(run: Run): Promise<void> {
  const target = Wallet.createRandom().address;
  await (await l1.root.sendMessage(run.chainId, target, '0xc0ffee')).wait();
}

/**
 * The cases, each a fault kind with what makes A run the tx, the kind of the tx the lie is about, what verifyBlock
 * says of it and findFraud's reason. ledger-post-root lies in the block's last tx of a kind PlasmaRoot proves
 * (PROVABLE_LEDGER_KINDS): in the finalize scenario an earlier kind (the SPAWN_CHILD) takes the lie; in the message
 * scenario the only one is the kind-8 delivery, whose post-state root L1 computes from the effect it states.
 */
interface Case {
  name: string;
  kind: FaultKind;
  scenario: (run: Run) => Promise<unknown>;
  txKind?: TxKind;
  refusal: Partial<InvalidBlockData>;
  reason: string;
}

const CASES: Case[] = [
  { name: 'double-finalize', kind: 'double-finalize', scenario: finalizeA1Exit, txKind: TxKind.FinalizeChildExit, refusal: { reason: 'INVALID_TX', code: 'ALREADY_WITHDRAWN' }, reason: 'ALREADY_WITHDRAWN' },
  { name: 'ledger-post-root', kind: 'ledger-post-root', scenario: finalizeA1Exit, refusal: { reason: 'POST_ROOT_MISMATCH' }, reason: 'POST_ROOT_MISMATCH' },
  { name: 'ledger-post-root on an edge tx (EDGE_FROM_PARENT)', kind: 'ledger-post-root', scenario: messageFromL1, txKind: TxKind.EdgeFromParent, refusal: { reason: 'POST_ROOT_MISMATCH' }, reason: 'POST_ROOT_MISMATCH' },
  { name: 'early-freeze', kind: 'early-freeze', scenario: spawnA1, txKind: TxKind.FreezeStalledChild, refusal: { reason: 'INVALID_TX', code: 'NOT_STALLED' }, reason: 'NOT_STALLED' },
  { name: 'false-conviction', kind: 'false-conviction', scenario: commitA1Block1, txKind: TxKind.ProveChildFraud, refusal: { reason: 'INVALID_TX', code: 'NOT_FRAUD' }, reason: 'NOT_FRAUD' },
];

describe('fault injection in the ledger kinds: A\'s faulty block is refused, proven as InvalidLedgerTx and convicted at the root', () => {
  for (const expected of CASES) {
    it(expected.name, async () => {
      const run = await startParent(expected.kind);
      try {
        await expected.scenario(run);
        const { n, windowEnd } = await faultyBlock(run);
        const block = await getBlock(run, n);
        const ctx = await watcherContext(l1, run.chainId);
        const { state, parent } = await honestPreState(run.node.rpcUrl, run.chainId, n, ctx);
        const root = state.root;
        const refused = invalidBlockData(() => verifyBlock(block, parent, state, ctx));
        expect(refused).toMatchObject({ ...expected.refusal, blockNumber: String(n) });
        expect(state.root).toBe(root);

        const finding = findFraud(block, parent, state, ctx);
        expect(finding).toMatchObject({ provable: true, kind: FraudKind.InvalidLedgerTx, reason: expected.reason, txIndex: refused.txIndex });
        expect(state.root).toBe(root);
        const txKind = block.txs[(finding as { txIndex: number }).txIndex].kind;
        expect(PROVABLE_LEDGER_KINDS.has(txKind)).toBe(true);
        if (expected.txKind !== undefined) expect(txKind).toBe(expected.txKind);
        if (txKind === TxKind.EdgeFromParent) {
          // The delivery states its effect: the message kept in the inbox (what L1 recomputes the post-state root from).
          const { status, writes } = decodeEdgeFromParentData(block.txs[(finding as { txIndex: number }).txIndex].data);
          expect(status).toBe(1);
          expect(writes.length).toBeGreaterThan(0);
        }

        // The proof PlasmaRoot takes: A convicted, rolled back to the block before and frozen.
        const windows = { windowEnd, prevWindowEnd: await windowEndOnL1(run.chainId, n - 1) };
        const call = encodeFraudProofCall(run.chainId, (finding as { proof: FraudProof }).proof, windows);
        const receipt = await (await l1.deployer.sendTransaction({ to: l1.rootAddress, data: call })).wait();
        const [proven] = receipt!.logs.map((log) => l1.root.interface.parseLog(log)).filter((e) => e?.name === 'FraudProven');
        expect(proven!.args.kind).toBe(BigInt(FraudKind.InvalidLedgerTx));
        expect(proven!.args.number).toBe(BigInt(n));
        expect(Number((await l1.root.chainStatus(run.chainId))[0])).toBe(ChainStatus.FrozenFraud);
        expect((await l1.root.chainInfo(run.chainId)).headNumber).toBe(BigInt(n - 1));
        console.log(`[faults-ledger] ${expected.name}: block ${n} tx ${refused.txIndex} (kind ${txKind}) ${finding!.reason}, convicted at the root for ${receipt!.gasUsed} gas`);
      } finally {
        await run.node.close();
        await run.dir.remove();
      }
    }, 60_000);
  }
});
