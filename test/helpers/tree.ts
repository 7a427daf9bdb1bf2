/**
 * Shared by the end-to-end tests of the tree (test/tree-*.e2e.test.ts): a nested devnet on a real Hardhat node
 * with real validator nodes, and what the tests do on it through the public APIs only (node JSON-RPC through
 * the SDK's NodeClient, the root contract through its ABI, transactions signed with core):
 * - moving tokens along an edge: deposits (L1 → chain, chain → child), withdrawals, finalizing an exit on the
 *   parent (the root contract, or a FINALIZE_CHILD_EXIT on a parent chain);
 * - acting as a chain's validators (their keys are the devnet's): signing a commitment of a header of our own;
 * - the subtree invariant on every edge of the tree, read from the outside (`expectTreeInvariant`).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { Contract, JsonRpcProvider, Wallet } from 'ethers';
import {
  NATIVE_TOKEN,
  PlasmaError,
  TxKind,
  commitmentDigest,
  ledgerKeys,
  plasmaDomain,
  secp256k1Scheme,
  signedTxDigest,
  type Address,
  type Block,
  type BlockTx,
  type ChainId,
  type CommitChildTx,
  type Eip712Domain,
  type Exit,
  type FinalizeChildExitTx,
  type Header,
  type Hex,
  type SignedTx,
  type UnsignedTx,
} from '@plasma-tree/core';
import { loadArtifact, packSignatures, startTestL1 } from '@plasma-tree/contracts';
import { WATCHER_NATIVE_FUNDS, startDevnet, type ChainSpec, type Devnet, type DevnetAccount, type DevnetChain, type DevnetOptions } from '@plasma-tree/devnet';
import { NodeClient, PlasmaClient, mapL1Error, type Receipt, type WithdrawalProof } from '@plasma-tree/sdk';
import type { ChainStatusJson, WatcherStatus } from '@plasma-tree/watcher';

export const ETH: Address = NATIVE_TOKEN;

type SlotTx =
  | { kind: TxKind.Transfer | TxKind.Withdraw; to: Address; token: Address; amount: bigint }
  | { kind: TxKind.DepositToChild; child: ChainId; to: Address; token: Address; amount: bigint };
export const ROOT = 'root';

/** Someone who signs transactions: a dev account (funded on L1) or a fresh key that only lives on child chains. */
export interface Signer {
  name: string;
  address: Address;
  key: Hex;
}

export function newSigner(name: string): Signer {
  const w = Wallet.createRandom();
  return { name, address: w.address.toLowerCase() as Address, key: w.privateKey as Hex };
}

export function devSigner(account: DevnetAccount): Signer {
  return { name: account.name, address: account.address.toLowerCase() as Address, key: account.privateKey };
}

export async function sleep(ms: number): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
}

/** Polls `probe` until it returns something other than undefined/false; throws after `timeoutMs`. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 30_000, pollMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value as T;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(pollMs);
  }
}

/** Expects `p` to fail with a PlasmaError of `code` (the node's admission answer, or the contract's custom error). */
export async function expectCode(p: Promise<unknown>, code: string): Promise<PlasmaError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, `expected ${code}`).toBeInstanceOf(PlasmaError);
  expect((err as PlasmaError).code, (err as Error).message).toBe(code);
  return err as PlasmaError;
}

/** One chain of the running tree. */
export interface TreeChain extends DevnetChain {
  node: NodeClient;
}

/** Where a deposit went: its nonce on the edge and, for a deposit made on a chain, the parent block holding it. */
export interface DepositRef {
  chain: string;
  nonce: number;
  /** The parent chain's block holding the DEPOSIT_TO_CHILD, and the signed transaction (undefined for an L1 deposit). */
  blockNumber?: number;
  tx?: SignedTx;
}

/**
 * A running nested devnet with its chains by name. Every chain has 1 validator unless its spec says otherwise;
 * nodes run in this process; the devnet's dev accounts are funded with ETH and DEV on L1.
 */
export class Tree {
  readonly provider: JsonRpcProvider;
  readonly root: Contract;
  readonly domain: Eip712Domain;
  /** The devnet's DEV test ERC-20. */
  readonly dev: Address;
  private readonly byName = new Map<string, TreeChain>();
  private readonly stopped = new Set<string>();
  private readonly blocks = new Map<string, Block[]>();

  private constructor(readonly devnet: Devnet, private readonly dataDir: string) {
    this.provider = new JsonRpcProvider(devnet.l1.url, undefined, { cacheTimeout: -1, staticNetwork: true, pollingInterval: 100 });
    this.root = new Contract(devnet.rootContract, loadArtifact('PlasmaRoot').abi, this.provider);
    this.domain = plasmaDomain(BigInt(devnet.l1.chainId), devnet.rootContract);
    this.dev = devnet.token.address.toLowerCase() as Address;
    for (const c of devnet.chains) this.byName.set(c.name, { ...c, node: new NodeClient({ url: c.nodeUrl, timeoutMs: 10_000 }) });
  }

  static async start(chains: ChainSpec[], opts: Partial<Omit<DevnetOptions, 'chains' | 'dataDir'>> = {}): Promise<Tree> {
    const dataDir = mkdtempSync(join(tmpdir(), 'pt-tree-e2e-'));
    try {
      const devnet = await startDevnet({
        dataDir,
        chains,
        l1Port: 0,
        startL1: startTestL1,
        rpcPort: 0,
        blockTimeMs: 100,
        fundAccounts: 4,
        writeConfig: false,
        // Tests that attack chains convict them on their own terms; a devnet watcher would race them (opt in).
        watcher: false,
        ...opts,
      });
      return new Tree(devnet, dataDir);
    } catch (e) {
      rmSync(dataDir, { recursive: true, force: true });
      throw e;
    }
  }

  async close(): Promise<void> {
    this.provider.destroy();
    try {
      await this.devnet.close();
    } finally {
      rmSync(this.dataDir, { recursive: true, force: true });
    }
  }

  chain(name: string): TreeChain {
    const c = this.byName.get(name);
    if (!c) throw new Error(`no chain ${name} in this tree`);
    return c;
  }

  get chains(): TreeChain[] {
    return [...this.byName.values()];
  }

  /** The devnet's dev account `i` (funded with ETH and DEV on L1). */
  account(i: number): Signer {
    return devSigner(this.devnet.accounts[i]);
  }

  /** An ethers wallet of a dev account, for L1 transactions. */
  l1Wallet(signer: Signer): Wallet {
    return new Wallet(signer.key, this.provider);
  }

  /** Stops the validator node of `name` (the devnet's): its edges are no longer checked by expectTreeInvariant. */
  async stopNode(name: string): Promise<void> {
    this.stopped.add(name);
    await this.devnet.stopNode(name);
  }

  isStopped(name: string): boolean {
    return this.stopped.has(name);
  }

  /** Waits until the devnet has funded its watcher on chain `name` (the bond of a data challenge of a child); its address. */
  async watcherFunded(name: string): Promise<Address> {
    if (!this.devnet.watcher) throw new Error('this tree runs no watcher: start it with { watcher: { port: 0 } }');
    const watcher = this.devnet.watcher.address.toLowerCase() as Address;
    await waitFor(`the watcher funded on ${name}`, async () => (await this.balance(name, watcher, NATIVE_TOKEN)) === WATCHER_NATIVE_FUNDS, 20_000);
    return watcher;
  }

  /** What the devnet's watcher reports of chain `name`, read from its status endpoint (started with `watcher: {...}`). */
  async watcherChain(name: string): Promise<ChainStatusJson> {
    if (!this.devnet.watcher) throw new Error('this tree runs no watcher: start it with { watcher: { port: 0 } }');
    const status = (await (await fetch(this.devnet.watcher.statusUrl)).json()) as WatcherStatus;
    const chain = status.chains.find((c) => c.name === name);
    if (!chain) throw new Error(`the watcher does not watch ${name}`);
    return chain;
  }

  // ------------------------------------------------------------------------------------------------ transactions

  sign(signer: Signer, tx: UnsignedTx): SignedTx {
    return { ...tx, signature: secp256k1Scheme.sign(signedTxDigest(this.domain, tx), signer.key) } as SignedTx;
  }

  async send(chain: string, tx: SignedTx): Promise<Hex> {
    return (await this.chain(chain).node.sendTransaction(tx)).hash;
  }

  /** Waits for a receipt in one of `statuses`; a `rejected` receipt throws. */
  async receipt(chain: string, hash: Hex, statuses: Receipt['status'][] = ['included', 'committed'], timeoutMs = 30_000): Promise<Receipt> {
    const node = this.chain(chain).node;
    return waitFor(`${chain} tx ${hash.slice(0, 10)} ${statuses.join('/')}`, async () => {
      const r = await node.getReceipt(hash);
      if (r?.status === 'rejected') throw new Error(`${chain} rejected ${hash}: ${r.reason} ${r.message ?? ''}`);
      return r && statuses.includes(r.status) ? r : undefined;
    }, timeoutMs, 50);
  }

  async balance(chain: string, owner: Signer | Address, token: Address): Promise<bigint> {
    return this.chain(chain).node.getBalance(typeof owner === 'string' ? owner : owner.address, token);
  }

  /** What `parent` (a chain's name, or 'root' for the root contract) holds for `child`'s subtree in `token`. */
  async subtreeBalance(parent: string, child: string, token: Address): Promise<bigint> {
    const c = this.chain(child);
    if (parent === ROOT) return BigInt(await this.root.subtreeBalance(c.chainId, token));
    return this.chain(parent).node.getSubtreeBalance(c.chainId, token);
  }

  /** A transfer, withdrawal or DEPOSIT_TO_CHILD of `signer` on `chain` from its (owner, token) slot, at its pending nonce. */
  async signFromSlot(chain: string, signer: Signer, tx: SlotTx): Promise<SignedTx> {
    const c = this.chain(chain);
    const account = await c.node.getAccount(signer.address, tx.token);
    if (account.slot === null) throw new Error(`${signer.name} holds no ${tx.token} on ${chain}`);
    return this.sign(signer, { ...tx, chainId: c.chainId, slot: account.slot, nonce: account.pendingNonce } as UnsignedTx) as SignedTx;
  }

  async transfer(chain: string, from: Signer, to: Signer | Address, token: Address, amount: bigint): Promise<Receipt> {
    const tx = await this.signFromSlot(chain, from, { kind: TxKind.Transfer, to: addr(to), token, amount });
    return this.receipt(chain, await this.send(chain, tx));
  }

  /**
   * Moves `amount` of `token` from `from` into `child` (to `to`, default `from`): an L1 deposit when the child's
   * parent is the root (ETH or ERC-20, by `from`'s L1 wallet), else a DEPOSIT_TO_CHILD on the parent chain.
   * Resolves once recorded on the parent; `waitApplied` then waits for the child.
   */
  async deposit(child: string, from: Signer, token: Address, amount: bigint, to: Signer | Address = from): Promise<DepositRef> {
    const c = this.chain(child);
    if (c.parent === ROOT) {
      const client = new PlasmaClient({ l1: this.l1Wallet(from), rootContract: this.devnet.rootContract, chainId: c.chainId, node: c.node, pollMs: 100 });
      const d = await client.deposit(token, amount, { to: addr(to) });
      return { chain: child, nonce: Number(d.nonce) };
    }
    const tx = await this.signFromSlot(c.parent, from, { kind: TxKind.DepositToChild, child: c.chainId, to: addr(to), token, amount });
    const r = await this.receipt(c.parent, await this.send(c.parent, tx));
    const records = await this.childDeposits(c.parent, child);
    const record = records.find((d) => d.blockNumber === r.blockNumber && d.index === r.index);
    if (!record) throw new Error(`no deposit record of block ${r.blockNumber} index ${r.index} on ${c.parent} for ${child}`);
    return { chain: child, nonce: record.nonce, blockNumber: r.blockNumber!, tx };
  }

  /** The first block the node of `name` injected its fault in (pt_chainInfo.faults), if any yet. */
  async injectedFault(name: string): Promise<number | undefined> {
    return (await this.chain(name).node.request<{ faults?: { injected: number[] } }>('pt_chainInfo', [])).faults?.injected[0];
  }

  /**
   * `parent` (its node runs `ledger-post-root`) freezes its stalled child `child` once the stall limit passed (a
   * FREEZE_STALLED_CHILD this sends); returns the block the node lied in, which must be that tx's, after checking the
   * lie (the operator holds 1000 ETH on `parent`).
   */
  async lieInFreezeOfStalledChild(parent: string, child: string, stallSeconds: number): Promise<number> {
    const P = this.chain(parent);
    const C = this.chain(child);
    expect(await this.injectedFault(parent)).toBeUndefined();
    await waitFor(`${child} stalled on ${parent}`, async () => {
      const info = (await P.node.getChildInfo(C.chainId))!;
      return Date.now() / 1000 > (info.lastActivity ?? 0) + (info.stallLimit ?? stallSeconds) + 1;
    }, 20_000, 250);
    const { blockNumber } = await this.receipt(parent, await this.send(parent, { kind: TxKind.FreezeStalledChild, chainId: P.chainId, child: C.chainId } as never));
    const n = await waitFor(`${parent} injects its fault`, () => this.injectedFault(parent));
    expect(n).toBe(blockNumber);
    expect(await this.balance(parent, P.validators[0].address.toLowerCase() as Address, ETH)).toBe(1000n * 10n ** 18n);
    return n;
  }

  /** The tx of `name`'s block `n` that a watcher finding's reason names (`… (tx i)`). */
  async txOfFinding(name: string, n: number, reason: string): Promise<BlockTx> {
    return (await this.chain(name).node.getBlockByNumber(n))!.txs[Number(/\(tx (\d+)\)/.exec(reason)![1])];
  }

  /** Waits until the child chain applied its parent's deposit `nonce` (its head's deposit nonce reached it). */
  async waitApplied(ref: DepositRef, timeoutMs = 30_000): Promise<void> {
    const node = this.chain(ref.chain).node;
    await waitFor(`${ref.chain} applies deposit ${ref.nonce}`, async () => (await node.chainInfo()).depositNonce >= ref.nonce, timeoutMs);
  }

  /** The deposit records `parent` (a chain) holds for `child`, from nonce `from` on. */
  async childDeposits(parent: string, child: string, from = 1): Promise<{ nonce: number; to: Address; token: Address; amount: bigint; blockNumber: number; index: number }[]> {
    const records = await this.chain(parent).node.request<any[]>('pt_getChildDeposits', [this.chain(child).chainId, from, from + 999]);
    return records.map((r) => ({ nonce: Number(r.nonce), to: r.to.toLowerCase(), token: r.token.toLowerCase(), amount: BigInt(r.amount), blockNumber: Number(r.blockNumber), index: Number(r.index) }));
  }

  /** A withdrawal on `chain` to `recipient` on its parent; resolves with its proof once committed on the parent. */
  async withdraw(chain: string, from: Signer, recipient: Signer | Address, token: Address, amount: bigint): Promise<WithdrawalProof> {
    const tx = await this.signFromSlot(chain, from, { kind: TxKind.Withdraw, to: addr(recipient), token, amount });
    const hash = await this.send(chain, tx);
    await this.receipt(chain, hash, ['committed']);
    return this.chain(chain).node.getWithdrawalProof(hash);
  }

  /** The FINALIZE_CHILD_EXIT of `proof` (an exit of `child`) on chain `on` (default: the child's parent). */
  finalizeTx(child: string, proof: WithdrawalProof, on = this.chain(child).parent): FinalizeChildExitTx {
    return {
      kind: TxKind.FinalizeChildExit,
      chainId: this.chain(on).chainId,
      child: this.chain(child).chainId,
      header: proof.header,
      windowEnd: BigInt(proof.windowEnd),
      exit: proof.exit,
      index: BigInt(proof.index),
      proof: proof.proof,
    };
  }

  /**
   * Pays an exit of `child` on its parent once the window has passed: on a parent chain (whose clock is its block
   * timestamps, the wall clock) waits for windowEnd and sends FINALIZE_CHILD_EXIT; on the root moves L1 time past
   * windowEnd and calls finalizeWithdrawal (gas paid by `payer`, default dev account 0).
   */
  async finalize(child: string, proof: WithdrawalProof, payer: Signer = this.account(0)): Promise<void> {
    const parent = this.chain(child).parent;
    if (parent === ROOT) {
      await this.advanceL1To(proof.windowEnd);
      await this.finalizeOnRoot(proof, payer);
      return;
    }
    await waitForWallClock(proof.windowEnd);
    await this.receipt(parent, await this.send(parent, this.finalizeTx(child, proof)));
  }

  /**
   * `PlasmaRoot.finalizeWithdrawal` of `proof` (an exit of a child of the root), straight on the contract (it needs
   * no node: the proof may be one the test built), sent by `payer`. A revert comes back as the PlasmaError of
   * its custom error (SUBTREE_BALANCE_EXCEEDED, ALREADY_WITHDRAWN, …) after a dry run.
   */
  async finalizeOnRoot(proof: WithdrawalProof, payer: Signer = this.account(0)): Promise<void> {
    const h = proof.header;
    const args = [
      proof.chainId,
      [h.chainId, h.number, h.parentHash, h.txRoot, h.stateRoot, h.exitRoot, h.depositNonce, h.timestamp],
      BigInt(proof.windowEnd),
      [proof.exit.recipient, proof.exit.token, proof.exit.amount],
      BigInt(proof.index),
      proof.proof,
    ];
    const fn = (this.root.connect(this.l1Wallet(payer)) as Contract).getFunction('finalizeWithdrawal');
    try {
      await fn.staticCall(...args, { blockTag: 'pending' });
    } catch (e) {
      throw mapL1Error(e, 'finalizeWithdrawal');
    }
    const receipt = await (await fn.send(...args)).wait();
    if (receipt?.status !== 1) throw new Error(`finalizeWithdrawal reverted on L1 (${receipt?.hash})`);
  }

  /** Moves L1 time to at least `timestamp` (evm_increaseTime + a block). */
  async advanceL1To(timestamp: number): Promise<void> {
    const latest = (await this.provider.getBlock('latest'))!.timestamp;
    if (latest >= timestamp) return;
    await this.provider.send('evm_increaseTime', [timestamp - latest + 1]);
    await this.provider.send('evm_mine', []);
  }

  /** `validators` of `chain` sign Commitment(chain, header.number, hash(header)): packed as COMMIT_CHILD wants them. */
  signCommitment(chain: string, number: bigint, blockHash: Hex, validators: readonly DevnetAccount[] = this.chain(chain).validators.slice(0, this.chain(chain).threshold)): Hex {
    const digest = commitmentDigest(this.domain, this.chain(chain).chainId, number, blockHash);
    return packSignatures(validators.map((v) => ({ signer: v.address, signature: secp256k1Scheme.sign(digest, v.privateKey) }))) as Hex;
  }

  commitTx(on: string, child: string, header: Header, signatures: Hex): CommitChildTx {
    return { kind: TxKind.CommitChild, chainId: this.chain(on).chainId, child: this.chain(child).chainId, header, signatures };
  }

  /** Waits until every block of `chain` is committed on its parent and its node has nothing left to apply. */
  async settle(chain: string, timeoutMs = 30_000): Promise<{ head: number }> {
    const c = this.chain(chain);
    return waitFor(`${chain} settled`, async () => {
      const info = await c.node.chainInfo();
      const deposits = c.parent === ROOT ? Number((await this.root.chainInfo(c.chainId)).depositCount) : (await this.chain(c.parent).node.getChildInfo(c.chainId))!.depositCount;
      return info.committed.number === info.head.number && info.depositNonce === deposits && info.mempoolSize === 0 ? { head: info.head.number } : undefined;
    }, timeoutMs);
  }

  // ------------------------------------------------------------------------------------------------ the invariant

  /** Blocks 1..head of `chain`, cached (blocks never change once sealed). */
  async chainBlocks(chain: string): Promise<Block[]> {
    const c = this.chain(chain);
    const cached = this.blocks.get(chain) ?? [];
    const head = (await c.node.chainInfo()).head.number;
    for (let n = cached.length + 1; n <= head; n++) {
      const block = await c.node.getBlockByNumber(n);
      if (!block) throw new Error(`${chain} has no block ${n} below its head ${head}`);
      cached.push(block);
    }
    this.blocks.set(chain, cached);
    return cached;
  }

  /**
   * Both sides of the edge parent → `child` for `token`, read from the outside:
   * `parentSays` = the parent's subtreeBalance(child, token);
   * `held` = the child's accounts (the balances of every owner its blocks ever named beside `token`) + its
   * children's subtree balances + (native token) its children's bonds;
   * `exits` = the child's exits the parent has not paid; `deposits` = the parent's deposits the child has not applied.
   */
  async edge(child: string, token: Address): Promise<EdgeReading> {
    const c = this.chain(child);
    const node = c.node;
    const before = (await node.chainInfo()).head.number;
    const blocks = await this.chainBlocks(child);
    const t = token.toLowerCase();

    // Every owner a block of the chain ever named beside this token (a deposit's, transfer's or paid exit's
    // recipient, a sender): an account can only hold what some transaction credited to it.
    const holders = new Set<Address>();
    for (const b of blocks) for (const tx of b.txs) {
      if (tx.token.toLowerCase() !== t) continue;
      holders.add(tx.to.toLowerCase() as Address);
      holders.add(tx.from.toLowerCase() as Address);
    }
    let accounts = 0n;
    for (const h of holders) accounts += await node.getBalance(h, token);
    let children = 0n;
    let bonds = 0n;
    for (const grandchild of await node.getChildren()) {
      children += await node.getSubtreeBalance(grandchild, token);
      if (t === ETH) bonds += (await node.getChildInfo(grandchild))!.bond;
    }

    let exits = 0n;
    for (const b of blocks) {
      for (const [i, leaf] of b.exits.entries()) {
        // Token exits only (an exit tree may also hold other leaves, e.g. edge events without a token).
        const exit = leaf as Partial<Exit>;
        if (typeof exit.token !== 'string' || exit.token.toLowerCase() !== t || exit.amount === undefined) continue;
        const paid = c.parent === ROOT
          ? ((await this.root.isWithdrawn(c.chainId, b.header.number, i)) as boolean)
          : (await this.chain(c.parent).node.request<{ entry: unknown }>('pt_getLedgerProof', [ledgerKeys.spentExit(c.chainId, b.header.number, i)])).entry !== null;
        if (!paid) exits += exit.amount;
      }
    }

    const applied = (await node.chainInfo()).depositNonce;
    let deposits = 0n;
    if (c.parent === ROOT) {
      for (const log of await this.root.queryFilter(this.root.filters.Deposited(c.chainId))) {
        const args = (log as unknown as { args: { nonce: bigint; token: string; amount: bigint } }).args;
        if (Number(args.nonce) > applied && args.token.toLowerCase() === t) deposits += args.amount;
      }
    } else {
      for (const d of await this.childDeposits(c.parent, child, applied + 1)) if (d.token === t) deposits += d.amount;
    }
    const parentSays = await this.subtreeBalance(c.parent, child, token);
    const after = (await node.chainInfo()).head.number;
    return { child, token, parentSays, accounts, children, bonds, held: accounts + children + bonds, exits, deposits, stable: before === after };
  }
}

export interface EdgeReading {
  child: string;
  token: Address;
  parentSays: bigint;
  accounts: bigint;
  children: bigint;
  bonds: bigint;
  held: bigint;
  exits: bigint;
  deposits: bigint;
  /** The child's head did not move while it was read. */
  stable: boolean;
}

const sides = (r: EdgeReading) => ({ parent: r.parentSays, childSide: r.held + r.exits + r.deposits });

/**
 * The subtree invariant on every edge of the tree (root → child and chain → child) whose two nodes run, for each
 * of `tokens`: parent.subtreeBalance(child) = what the child's subtree holds + its exits the parent has not paid
 * + the parent's deposits it has not applied. Nodes move on concurrently (commitments, deposits being applied),
 * so a reading that does not balance is taken again until one does or `timeoutMs` passes; then it fails with
 * the last reading. `skip`: chains whose edge to their parent is not checked (a compromised subtree).
 */
export async function expectTreeInvariant(tree: Tree, tokens: readonly Address[], opts: { skip?: readonly string[]; timeoutMs?: number } = {}): Promise<EdgeReading[]> {
  const out: EdgeReading[] = [];
  for (const c of tree.chains) {
    if (opts.skip?.includes(c.name) || tree.isStopped(c.name) || (c.parent !== ROOT && tree.isStopped(c.parent))) continue;
    for (const token of tokens) {
      const deadline = Date.now() + (opts.timeoutMs ?? 15_000);
      let reading = await tree.edge(c.name, token);
      while (!(reading.stable && sides(reading).parent === sides(reading).childSide) && Date.now() < deadline) {
        await sleep(150);
        reading = await tree.edge(c.name, token);
      }
      expect(sides(reading).childSide, `subtree invariant ${c.parent} → ${c.name} (${token === ETH ? 'ETH' : token}): ${JSON.stringify(reading, (_k, v) => (typeof v === 'bigint' ? v.toString() : v))}`).toBe(reading.parentSays);
      out.push(reading);
    }
  }
  return out;
}

/** Resolves once the wall clock (a chain's block timestamps) has reached `timestamp` (seconds). */
export async function waitForWallClock(timestamp: number): Promise<void> {
  const ms = timestamp * 1000 - Date.now();
  if (ms > 0) await sleep(ms + 50);
}

function addr(x: Signer | Address): Address {
  return (typeof x === 'string' ? x : x.address).toLowerCase() as Address;
}
