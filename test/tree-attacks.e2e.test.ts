/**
 * The tree end to end, on a real Hardhat node with real validator nodes (a nested devnet: root → A, B;
 * A → A1, A2; A1 → A1x), through the nodes' JSON-RPC and the root contract only:
 * - four levels: DEV goes L1 → A → A1 → A1x, moves on A1x and comes back A1x → A1 → A → L1, with the subtree
 *   invariant checked on every edge after every step;
 * - replays and wrong chains: an exit paid twice, an exit or a commitment of A1 taken to B or claimed for A2, a
 *   signed DEPOSIT_TO_CHILD replayed, and a deposit record of A1 served to a node of A2;
 * - the seed's attack: A1's validators sign a block of A1 that mints and commit it on A (no fraud proofs yet, so A
 *   accepts it); A pays at most A1's subtree balance, L1 pays at most A's, and every holder outside A1's subtree
 *   keeps every token.
 * The tests run in this order on one devnet; the attack comes last because it stops A1's (and then A's) node.
 */
import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Contract, keccak256, parseUnits, toUtf8Bytes } from 'ethers';
import {
  TxKind,
  bytesToHex,
  computeExitRoot,
  computeTxRoot,
  exitProof,
  hashHeader,
  type Address,
  type Block,
  type Exit,
  type Header,
  type Hex,
  type SignedTx,
} from '@plasma-tree/core';
import { PlasmaNode, createLogger } from '@plasma-tree/node';
import { NodeClient, type WithdrawalProof } from '@plasma-tree/sdk';
import { ETH, ROOT, Tree, expectCode, expectTreeInvariant, newSigner, waitFor, waitForWallClock } from './helpers/tree.js';

const DEV_UNIT = 10n ** 18n;
const dev = (n: number | string) => parseUnits(String(n), 18);
/** L1 challenge window of A and B (seconds): only evm_increaseTime ends it. */
const L1_WINDOW = 30;
/** Challenge window of the children of child chains: their parent's clock is its block timestamps (wall clock). */
const CHILD_WINDOW = 2;

let tree: Tree;
let DEV: Address;
let TOKENS: Address[];
let erc20: Contract;

beforeAll(async () => {
  const t0 = Date.now();
  tree = await Tree.start(
    [
      { name: 'A', challengeWindow: L1_WINDOW },
      { name: 'B', challengeWindow: L1_WINDOW },
      { name: 'A1', parent: 'A', validators: 3, threshold: 2 },
      { name: 'A2', parent: 'A' },
      { name: 'A1x', parent: 'A1' },
    ],
    { challengeWindow: CHILD_WINDOW },
  );
  DEV = tree.dev;
  TOKENS = [ETH, DEV];
  erc20 = new Contract(DEV, ['function balanceOf(address) view returns (uint256)'], tree.provider);
  console.log(`[tree-attacks] devnet with ${tree.chains.length} chains up in ${Date.now() - t0} ms`);
}, 90_000);

afterAll(async () => {
  await tree?.close();
});

/** Logs how long a test took (the durations the brief asks for). */
async function timed<T>(what: string, run: () => Promise<T>): Promise<T> {
  const t0 = Date.now();
  try {
    return await run();
  } finally {
    console.log(`[tree-attacks] ${what}: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }
}

describe('a tree of chains on real nodes (root → A, B; A → A1, A2; A1 → A1x)', () => {
  it('four levels: L1 → A → A1 → A1x, a transfer on A1x, and back A1x → A1 → A → L1, the invariant on every edge after every step', async () => {
    await timed('four levels', async () => {
      const alice = tree.account(1);
      const bob = newSigner('bob');
      const check = () => expectTreeInvariant(tree, TOKENS);
      await check();

      // Down, one level at a time; the invariant is also read while a deposit is recorded but not applied yet.
      const down: [string, bigint][] = [['A', dev(1000)], ['A1', dev(600)], ['A1x', dev(300)]];
      for (const [chain, amount] of down) {
        const ref = await tree.deposit(chain, alice, DEV, amount);
        await check();
        await tree.waitApplied(ref);
        expect(await tree.balance(chain, alice, DEV)).toBe(amount);
        await check();
      }
      expect(await tree.balance('A', alice, DEV)).toBe(dev(400));
      expect(await tree.balance('A1', alice, DEV)).toBe(dev(300));
      expect(await tree.subtreeBalance(ROOT, 'A', DEV)).toBe(dev(1000));
      expect(await tree.subtreeBalance('A', 'A1', DEV)).toBe(dev(600));
      expect(await tree.subtreeBalance('A1', 'A1x', DEV)).toBe(dev(300));

      // A transfer on the deepest chain.
      await tree.transfer('A1x', alice, bob, DEV, dev(50));
      expect(await tree.balance('A1x', bob, DEV)).toBe(dev(50));
      await check();

      // Up: at each level alice withdraws everything she holds there; the exit is in flight (committed, not
      // paid) until the parent pays it after the window.
      const up: [string, string][] = [['A1x', 'A1'], ['A1', 'A'], ['A', ROOT]];
      for (const [chain, parent] of up) {
        const amount = await tree.balance(chain, alice, DEV);
        const parentBefore = parent === ROOT ? ((await erc20.balanceOf(alice.address)) as bigint) : await tree.balance(parent, alice, DEV);
        const subtreeBefore = await tree.subtreeBalance(parent, chain, DEV);
        const proof = await tree.withdraw(chain, alice, alice, DEV, amount);
        expect(proof.exit).toEqual({ recipient: alice.address, token: DEV, amount });
        expect(await tree.subtreeBalance(parent, chain, DEV)).toBe(subtreeBefore);
        await check();
        await tree.finalize(chain, proof, alice);
        const parentAfter = parent === ROOT ? ((await erc20.balanceOf(alice.address)) as bigint) : await tree.balance(parent, alice, DEV);
        expect(parentAfter).toBe(parentBefore + amount);
        expect(await tree.subtreeBalance(parent, chain, DEV)).toBe(subtreeBefore - amount);
        await check();
      }

      // What bob holds on A1x is all that is left under A, at every level.
      expect(await tree.subtreeBalance('A1', 'A1x', DEV)).toBe(dev(50));
      expect(await tree.subtreeBalance('A', 'A1', DEV)).toBe(dev(50));
      expect(await tree.subtreeBalance(ROOT, 'A', DEV)).toBe(dev(50));
      expect(await tree.balance('A', alice, DEV)).toBe(0n);
    });
  }, 60_000);

  it('refuses replays and wrong chains: an exit paid twice, an exit or a commitment of A1 taken to B or claimed for A2, a deposit of A1 replayed on A2', async () => {
    await timed('replay and wrong chain', async () => {
      const alice = tree.account(1);
      const dave = newSigner('dave');
      const [A, A1, A2] = [tree.chain('A'), tree.chain('A1'), tree.chain('A2')];
      const send = (chain: string, tx: SignedTx) => tree.send(chain, tx);
      await tree.waitApplied(await tree.deposit('A', alice, DEV, dev(100)));
      const toDave = await tree.deposit('A1', alice, DEV, dev(20), dave);
      await tree.waitApplied(toDave);
      expect(await tree.balance('A1', dave, DEV)).toBe(dev(20));

      // The signed DEPOSIT_TO_CHILD once more on A: its nonce is used, nothing is recorded twice; its child
      // rewritten to A2: the signature binds the child, so it recovers some address that does not own alice's slot.
      const a2Deposits = (await A.node.getChildInfo(A2.chainId))!.depositCount;
      const a1Deposits = (await A.node.getChildInfo(A1.chainId))!.depositCount;
      await expectCode(send('A', toDave.tx!), 'NONCE_MISMATCH');
      await expectCode(send('A', { ...toDave.tx!, child: A2.chainId } as SignedTx), 'SLOT_OWNER_MISMATCH');
      expect((await A.node.getChildInfo(A2.chainId))!.depositCount).toBe(a2Deposits);
      expect((await A.node.getChildInfo(A1.chainId))!.depositCount).toBe(a1Deposits);

      // An exit of A1 paid on A once; the same exit a second time is ALREADY_WITHDRAWN.
      const a1Subtree = await tree.subtreeBalance('A', 'A1', DEV);
      const proof = await tree.withdraw('A1', dave, dave, DEV, dev(5));
      await tree.finalize('A1', proof);
      expect(await tree.balance('A', dave, DEV)).toBe(dev(5));
      expect(await tree.subtreeBalance('A', 'A1', DEV)).toBe(a1Subtree - dev(5));
      await expectCode(send('A', tree.finalizeTx('A1', proof)), 'ALREADY_WITHDRAWN');
      // The exit of A1 taken to B (B has no child A1), or claimed on A as an exit of A2 (no such commitment of A2).
      expect(await tree.chain('B').node.getChildren()).toEqual([]);
      await expectCode(send('B', tree.finalizeTx('A1', proof, 'B')), 'UNKNOWN_COMMITMENT');
      await expectCode(send('A', { ...tree.finalizeTx('A1', proof), child: A2.chainId }), 'UNKNOWN_COMMITMENT');

      // A1's commitment of that block (a real quorum) sent to B, claimed for A2 on A, and replayed on A.
      const a1Block = (await A1.node.getBlockByNumber(proof.blockNumber))!;
      const quorum = tree.signCommitment('A1', a1Block.header.number, a1Block.hash);
      await expectCode(send('B', tree.commitTx('B', 'A1', a1Block.header, quorum)), 'UNKNOWN_CHAIN');
      await expectCode(send('A', tree.commitTx('A', 'A2', a1Block.header, quorum)), 'CHAIN_ID_MISMATCH');
      await expectCode(send('A', tree.commitTx('A', 'A1', a1Block.header, quorum)), 'WRONG_BLOCK_NUMBER');
      expect((await A.node.getCommitment(A2.chainId, a1Block.header.number))).toBeNull();

      // A1's deposit records served to a node of A2 as if they were A2's (a parent node that lies, or a replay):
      // the record binds the chain id (depositHash), so the node refuses them and credits nothing.
      const rogue = await replayA1DepositsToA2Node();
      try {
        await waitFor('the A2 node refuses the replayed records', () => rogue.logs.some((l) => /served deposit 1 with a record that does not match/.test(l)), 15_000);
        expect(rogue.served).toBeGreaterThanOrEqual(2); // the bond of A1x (devnet start) and dave's
        const info = await rogue.client.chainInfo();
        expect(info).toMatchObject({ chainId: A2.chainId, depositNonce: 0, head: { number: 0 } });
        expect(await rogue.client.getBalance(dave.address, DEV)).toBe(0n);
        expect(await rogue.client.getBalance(alice.address, DEV)).toBe(0n);
      } finally {
        await rogue.close();
      }
      expect(await tree.balance('A2', dave, DEV)).toBe(0n);
      expect((await A2.node.chainInfo()).depositNonce).toBe(a2Deposits);
      await expectTreeInvariant(tree, TOKENS);
    });
  }, 60_000);

  it("the seed's attack: A1's validators commit a block that mints; A pays at most A1's subtree balance, L1 at most A's, and everyone outside A1 keeps every token", async () => {
    await timed("the seed's attack", async () => {
      const alice = tree.account(1);
      const carol = tree.account(2);
      const bob = newSigner('bob');
      const erin = newSigner('erin');
      const mallory = newSigner('mallory');
      const [A, A1, A2] = [tree.chain('A'), tree.chain('A1'), tree.chain('A2')];
      const send = (chain: string, tx: SignedTx) => tree.send(chain, tx);

      // Honest money everywhere: on A (bob), on B (carol), on A2 (erin), and more on A1 (alice).
      const toA = await tree.deposit('A', alice, DEV, dev(1000));
      const toB = await tree.deposit('B', carol, DEV, dev(100));
      await tree.waitApplied(toA);
      await tree.transfer('A', alice, bob, DEV, dev(100));
      const toA2 = await tree.deposit('A2', alice, DEV, dev(100), erin);
      const toA1 = await tree.deposit('A1', alice, DEV, dev(200));
      await Promise.all([tree.waitApplied(toB), tree.waitApplied(toA2), tree.waitApplied(toA1)]);
      await expectTreeInvariant(tree, TOKENS);
      const honest = async () => ({
        bobOnA: await tree.balance('A', bob, DEV),
        erinOnA2: await tree.balance('A2', erin, DEV),
        carolOnB: await tree.balance('B', carol, DEV),
        a2OnA: await tree.subtreeBalance('A', 'A2', DEV),
        bOnRoot: await tree.subtreeBalance(ROOT, 'B', DEV),
      });
      const before = await honest();
      expect(before).toEqual({ bobOnA: dev(100), erinOnA2: dev(100), carolOnB: dev(100), a2OnA: dev(100), bOnRoot: dev(100) });

      // A1's validators go rogue. Their honest node is stopped once all its blocks are committed on A, so that
      // the next height is theirs.
      await tree.settle('A1');
      const head = (await A1.node.getBlockByNumber('latest'))!;
      expect((await A.node.getChildInfo(A1.chainId))!.headNumber).toBe(Number(head.header.number));
      await tree.stopNode('A1');
      const a1Subtree = await tree.subtreeBalance('A', 'A1', DEV);
      // alice's 200, and (after the tests above) bob's 50 on A1x and dave's 15 on A1.
      expect(a1Subtree).toBeGreaterThanOrEqual(dev(200));

      // Block N+1 of A1: no transactions and a state root no execution gives, but an exit root that pays mallory
      // a million DEV that nobody ever deposited, and then exactly all of A1's subtree balance.
      const exits: Exit[] = [
        { recipient: mallory.address, token: DEV, amount: 1_000_000n * DEV_UNIT },
        { recipient: mallory.address, token: DEV, amount: a1Subtree },
      ];
      const header: Header = {
        chainId: A1.chainId,
        number: head.header.number + 1n,
        parentHash: head.hash,
        txRoot: bytesToHex(computeTxRoot([], [])),
        stateRoot: keccak256(toUtf8Bytes('not the state after any valid block')) as Hex,
        exitRoot: bytesToHex(computeExitRoot(exits)),
        depositNonce: head.header.depositNonce,
        timestamp: BigInt(Math.floor(Date.now() / 1000)),
      };
      const minted: Block = { header, hash: hashHeader(header), txs: [], postRoots: [], exits };
      // One validator is not A1's quorum (2 of 3); two are, and A does not re-execute its children's blocks.
      const one = tree.signCommitment('A1', header.number, minted.hash, A1.validators.slice(0, 1));
      await expectCode(send('A', tree.commitTx('A', 'A1', header, one)), 'NOT_ENOUGH_SIGNATURES');
      await tree.receipt('A', await send('A', tree.commitTx('A', 'A1', header, tree.signCommitment('A1', header.number, minted.hash, A1.validators.slice(1, 3)))));
      const commitment = (await A.node.getCommitment(A1.chainId, header.number))!;
      expect(commitment.blockHash).toBe(minted.hash);

      // After the window: the million is more than A1's subtree holds; exactly its subtree balance is paid (that
      // is A1's own money: the cap), and nothing is left for anything else of A1.
      const claim = (index: number): SignedTx => ({
        kind: TxKind.FinalizeChildExit,
        chainId: A.chainId,
        child: A1.chainId,
        header,
        windowEnd: BigInt(commitment.windowEnd),
        exit: exits[index],
        index: BigInt(index),
        proof: exitProof(minted, index),
      });
      await waitForWallClock(commitment.windowEnd);
      const exceeded = await expectCode(send('A', claim(0)), 'SUBTREE_BALANCE_EXCEEDED');
      expect(exceeded.data).toMatchObject({ requested: exits[0].amount.toString(), available: a1Subtree.toString() });
      await tree.receipt('A', await send('A', claim(1)));
      expect(await tree.balance('A', mallory, DEV)).toBe(a1Subtree);
      expect(await tree.subtreeBalance('A', 'A1', DEV)).toBe(0n);
      await expectCode(send('A', claim(0)), 'SUBTREE_BALANCE_EXCEEDED');
      await expectCode(send('A', claim(1)), 'ALREADY_WITHDRAWN');
      expect(await honest()).toEqual(before);
      await expectTreeInvariant(tree, TOKENS, { skip: ['A1'] });

      // Mallory takes it to L1: more than she holds on A is refused by A; what she holds is paid, out of A's
      // subtree balance on the root, which the minted block never raised.
      const rootA = await tree.subtreeBalance(ROOT, 'A', DEV);
      const over = await tree.signFromSlot('A', mallory, { kind: TxKind.Withdraw, to: mallory.address, token: DEV, amount: a1Subtree + 1n });
      await expectCode(send('A', over), 'INSUFFICIENT_BALANCE');
      const out = await tree.withdraw('A', mallory, mallory, DEV, a1Subtree);
      await tree.finalize('A', out);
      expect((await erc20.balanceOf(mallory.address)) as bigint).toBe(a1Subtree);
      expect(await tree.subtreeBalance(ROOT, 'A', DEV)).toBe(rootA - a1Subtree);
      // L1 never pays out more than was deposited under A: subtreeBalance(A) = deposits - withdrawals, on L1's books.
      expect(await tree.subtreeBalance(ROOT, 'A', DEV)).toBe((await l1Flows('A', DEV)).deposited - (await l1Flows('A', DEV)).paid);
      expect(await honest()).toEqual(before);
      await expectTreeInvariant(tree, TOKENS, { skip: ['A1'] });

      // Even A's own quorum cannot make L1 pay more than A's subtree balance: they commit a block of A (its honest
      // node stopped first) exiting one wei more than the root holds for A; the root refuses it.
      await tree.settle('A');
      const aHead = (await A.node.getBlockByNumber('latest'))!;
      await tree.stopNode('A');
      const rootDevBefore = (await erc20.balanceOf(tree.devnet.rootContract)) as bigint;
      const cap = await tree.subtreeBalance(ROOT, 'A', DEV);
      const lie: Exit[] = [{ recipient: mallory.address, token: DEV, amount: cap + 1n }];
      const aHeader: Header = {
        ...aHead.header,
        number: aHead.header.number + 1n,
        parentHash: aHead.hash,
        txRoot: bytesToHex(computeTxRoot([], [])),
        stateRoot: keccak256(toUtf8Bytes('A lies too')) as Hex,
        exitRoot: bytesToHex(computeExitRoot(lie)),
        timestamp: BigInt((await tree.provider.getBlock('latest'))!.timestamp),
      };
      const aLie: Block = { header: aHeader, hash: hashHeader(aHeader), txs: [], postRoots: [], exits: lie };
      const h = aHeader;
      const rootAsDev0 = tree.root.connect(tree.l1Wallet(tree.account(0))) as Contract;
      await (await rootAsDev0.commit(A.chainId, [h.chainId, h.number, h.parentHash, h.txRoot, h.stateRoot, h.exitRoot, h.depositNonce, h.timestamp], tree.signCommitment('A', h.number, aLie.hash))).wait();
      const onRoot = await tree.root.chainInfo(A.chainId);
      expect(Number(onRoot.headNumber)).toBe(Number(h.number));
      const lieProof: WithdrawalProof = { chainId: A.chainId, blockNumber: Number(h.number), header: h, windowEnd: Number(onRoot.headWindowEnd), exit: lie[0], index: 0, proof: exitProof(aLie, 0) };
      await tree.advanceL1To(lieProof.windowEnd);
      const refused = await expectCode(tree.finalizeOnRoot(lieProof), 'SUBTREE_BALANCE_EXCEEDED');
      expect(refused.data).toMatchObject({ contractError: 'SubtreeBalanceExceeded' });
      expect((await erc20.balanceOf(tree.devnet.rootContract)) as bigint).toBe(rootDevBefore);
      expect(await tree.subtreeBalance(ROOT, 'A', DEV)).toBe(cap);
      expect(await tree.subtreeBalance(ROOT, 'B', DEV)).toBe(before.bOnRoot);
      expect(await tree.balance('B', carol, DEV)).toBe(before.carolOnB);
      await expectTreeInvariant(tree, TOKENS, { skip: ['A', 'A1', 'A2', 'A1x'] });
    });
  }, 60_000);
});

/** What L1 took in (Deposited) and paid out (WithdrawalFinalized) for chain `name` in `token`. */
async function l1Flows(name: string, token: Address): Promise<{ deposited: bigint; paid: bigint }> {
  const chainId = tree.chain(name).chainId;
  let deposited = 0n;
  let paid = 0n;
  for (const log of await tree.root.queryFilter(tree.root.filters.Deposited(chainId))) {
    const args = (log as unknown as { args: { token: string; amount: bigint } }).args;
    if (args.token.toLowerCase() === token) deposited += args.amount;
  }
  for (const log of await tree.root.queryFilter(tree.root.filters.WithdrawalFinalized(chainId))) {
    const args = (log as unknown as { args: { token: string; amount: bigint } }).args;
    if (args.token.toLowerCase() === token) paid += args.amount;
  }
  return { deposited, paid };
}

/**
 * A second node of A2 (A2's validator keys, a fresh database) whose parent node is a proxy of A's node that
 * answers `pt_getChildDeposits` for A2 with A1's records, relabelled as A2's: a replay of A1's deposits on A2.
 */
async function replayA1DepositsToA2Node(): Promise<{ client: NodeClient; logs: string[]; served: number; close(): Promise<void> }> {
  const [A, A1, A2] = [tree.chain('A'), tree.chain('A1'), tree.chain('A2')];
  const state = { served: 0 };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      let answer: unknown;
      try {
        if (body.method === 'pt_getChildDeposits' && String(body.params[0]).toLowerCase() === A2.chainId) {
          const records = await A.node.request<{ child: string }[]>('pt_getChildDeposits', [A1.chainId, body.params[1], body.params[2]]);
          state.served = Math.max(state.served, records.length);
          answer = { jsonrpc: '2.0', id: body.id, result: records.map((r) => ({ ...r, child: A2.chainId })) };
        } else {
          const r = await fetch(A.nodeUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
          answer = await r.json();
        }
      } catch (e) {
        answer = { jsonrpc: '2.0', id: body.id, error: { code: -32603, message: (e as Error).message } };
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(answer));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const proxyUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'pt-rogue-a2-'));
  const logs: string[] = [];
  let node: PlasmaNode | undefined;
  const close = async () => {
    await node?.close();
    await new Promise<void>((r) => server.close(() => r()));
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    node = await PlasmaNode.init({
      dataDir,
      l1RpcUrl: tree.devnet.l1.url,
      rootContract: tree.devnet.rootContract,
      chainId: A2.chainId,
      validatorKeys: A2.validators.map((v) => v.privateKey),
      rpc: { host: '127.0.0.1', port: 0 },
      blockTimeMs: 100,
      l1PollMs: 100,
      signatureWorkers: 1,
      parent: { kind: 'child', nodeUrl: proxyUrl, finality: 'committed' },
      logger: createLogger({ level: 'warn', write: (line) => void logs.push(line) }),
    });
  } catch (e) {
    await close();
    throw e;
  }
  return {
    client: new NodeClient(node.rpcUrl),
    logs,
    get served() {
      return state.served;
    },
    close,
  };
}

