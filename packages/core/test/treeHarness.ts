/**
 * A tree of chains purely in core, for the tree and edge-function tests: each chain is a ChainState whose blocks
 * a BlockBuilder seals, a watcher re-executes through their JSON form (verifyBlock), and whose parent commits them
 * with real quorum signatures (COMMIT_CHILD).
 */
import { expect } from 'vitest';
import {
  BlockBuilder,
  ChainState,
  MIN_BOND,
  PlasmaError,
  ROOT_CHAIN_ID,
  TxKind,
  blockFromJson,
  blockToJson,
  bytesToHex,
  chainIdOf,
  childDepositRecords,
  commitmentDigest,
  concatBytes,
  exitProof,
  hexToBytes,
  isEdgeUpEvent,
  secp256k1Scheme,
  signedTxDigest,
  signedTxFromJson,
  signedTxToJson,
  verifyBlock,
  type Address,
  type Block,
  type BlockContext,
  type ChainId,
  type CommitChildTx,
  type Deposit,
  type EdgeDownEvent,
  type EdgeRegistry,
  type Exit,
  type FinalizeChildExitTx,
  type Header,
  type Hex,
  type SignedTx,
  type UnsignedTx,
} from '../src/index.js';
import { DOMAIN, ETH, user, type TestUser } from './fixtures.js';

/** The challenge window of every child in these trees (seconds of the parent's block clock). */
export const WINDOW = 100n;
export const validatorsA1 = [user('v1'), user('v2'), user('v3')];
export const validatorsA2 = [user('v4')];

/** One chain of the tree: its state, a watcher re-executing its blocks, its blocks, and its inbox from the parent. */
export class TestChain {
  readonly state: ChainState;
  readonly watcher: ChainState;
  readonly blocks: Block[] = [];
  /** Deposits its parent recorded for it, by nonce (the parent half of transferToChild). */
  readonly inbox: Deposit[] = [];
  /** Down edge events its parent recorded for it (they share the nonce stream with the deposits). */
  readonly events: EdgeDownEvent[] = [];
  readonly children: TestChain[] = [];
  head: Header | null = null;

  constructor(
    readonly id: ChainId,
    readonly name: string,
    readonly depositRecord: (nonce: bigint) => Hex | undefined,
    readonly parent?: TestChain,
    readonly validators: TestUser[] = [],
    /** The edge functions this chain runs (its children inherit them); the built-ins when undefined. */
    readonly edges?: EdgeRegistry,
  ) {
    this.state = new ChainState(id);
    this.watcher = new ChainState(id);
  }

  get ctx(): BlockContext {
    return { chainId: this.id, domain: DOMAIN, depositRecord: this.depositRecord, parentChainId: this.parent?.id ?? ROOT_CHAIN_ID, edges: this.edges };
  }

  /** Builds a block at `timestamp`, then has the watcher re-execute it from its JSON form. */
  block(timestamp: bigint, fill: (b: BlockBuilder) => void = () => {}): Block {
    const builder = new BlockBuilder({ parent: this.head, state: this.state, ctx: this.ctx, timestamp });
    try {
      fill(builder);
    } catch (e) {
      builder.abort();
      throw e;
    }
    const block = builder.seal();
    const decoded = blockFromJson(JSON.parse(JSON.stringify(blockToJson(block))));
    expect(decoded).toEqual(block);
    verifyBlock(decoded, this.head, this.watcher, this.ctx);
    expect(this.watcher.root).toBe(this.state.root);
    expect(block.header.stateRoot).toBe(this.state.root);
    this.head = block.header;
    this.blocks.push(block);
    return block;
  }

  /** Applies, in nonce order, every deposit and down edge event of the inbox after the builder's deposit nonce. */
  applyInbox(b: BlockBuilder): void {
    const stream = [...this.inbox.map((deposit) => ({ nonce: deposit.nonce, deposit })), ...this.events.map((event) => ({ nonce: event.nonce, event }))];
    for (const item of stream.sort((x, y) => (x.nonce < y.nonce ? -1 : 1))) {
      if (item.nonce <= b.depositNonce) continue;
      if ('deposit' in item) b.addDeposit(item.deposit);
      else b.addEdgeFromParent(item.event);
    }
  }

  slotOf(owner: TestUser, token: Address): number {
    const slot = this.state.slotOf(owner.address, token);
    if (slot === undefined) throw new Error(`${owner.address} holds no ${token} on ${this.name}`);
    return slot;
  }

  balance(owner: TestUser, token: Address): bigint {
    const slot = this.state.slotOf(owner.address, token);
    return slot === undefined ? 0n : this.state.get(slot)!.balance;
  }

  nonce(owner: TestUser, token: Address): bigint {
    return this.state.get(this.slotOf(owner, token))!.nonce;
  }
}

/** A user's transaction, signed with EIP-712 over the tree's shared domain. */
export function sign(signer: TestUser, tx: UnsignedTx): SignedTx {
  return { ...tx, signature: secp256k1Scheme.sign(signedTxDigest(DOMAIN, tx), signer.key) } as SignedTx;
}

/** Submits a tx as a node would receive it: through its JSON form. */
export function submit(b: BlockBuilder, tx: SignedTx): void {
  b.addSignedTx(signedTxFromJson(JSON.parse(JSON.stringify(signedTxToJson(tx)))));
}

/** Expects `run` to be refused with `code`, leaving the state root as it was. */
export function expectRefused(state: ChainState, code: string, run: () => unknown): PlasmaError {
  const root = state.root;
  let error: unknown;
  try {
    run();
  } catch (e) {
    error = e;
  }
  expect(error, `expected ${code}`).toBeInstanceOf(PlasmaError);
  expect((error as PlasmaError).code).toBe(code);
  expect(state.root).toBe(root);
  return error as PlasmaError;
}

export function spend(chain: TestChain, from: TestUser, kind: TxKind.Transfer | TxKind.Withdraw, to: TestUser, token: Address, amount: bigint): SignedTx {
  return sign(from, { kind, chainId: chain.id, slot: chain.slotOf(from, token), to: to.address, token, amount, nonce: chain.nonce(from, token) });
}

/** DEPOSIT_TO_CHILD on `parent`, and the event the child will apply (its inbox). */
export function depositToChild(b: BlockBuilder, parent: TestChain, child: TestChain, from: TestUser, to: TestUser, token: Address, amount: bigint): void {
  submit(b, sign(from, { kind: TxKind.DepositToChild, chainId: parent.id, slot: parent.slotOf(from, token), child: child.id, to: to.address, token, amount, nonce: parent.nonce(from, token) }));
  const nonce = parent.state.ledger.childInfo(child.id).depositCount;
  child.inbox.push({ chainId: child.id, nonce, from: from.address, to: to.address, token, amount });
}

/**
 * SPAWN_CHILD on `parent` by `spawner` (bond from its native slot); returns the child, wired to the parent's ledger,
 * running `edges` (the parent's by default).
 */
export function spawnChild(
  b: BlockBuilder,
  parent: TestChain,
  spawner: TestUser,
  validators: TestUser[],
  threshold: number,
  name: string,
  edges = parent.edges,
): TestChain {
  const index = parent.state.ledger.childCount;
  submit(b, sign(spawner, {
    kind: TxKind.SpawnChild,
    chainId: parent.id,
    slot: parent.slotOf(spawner, ETH),
    validators: validators.map((v) => v.address),
    threshold,
    challengeWindow: WINDOW,
    bond: MIN_BOND,
    nonce: parent.nonce(spawner, ETH),
  }));
  const id = chainIdOf(parent.id, index);
  expect(parent.state.ledger.children()).toContain(id);
  const child = new TestChain(id, name, childDepositRecords(parent.state.ledger, id), parent, validators, edges);
  parent.children.push(child);
  return child;
}

/** The child's validators (`signers`) sign the Commitment of `block`; packed by signer address ascending. */
export function commitTx(parent: TestChain, child: TestChain, block: Block, signers: TestUser[] = child.validators): CommitChildTx {
  const digest = commitmentDigest(DOMAIN, child.id, block.header.number, block.hash);
  const sorted = [...signers].sort((x, y) => (x.address < y.address ? -1 : 1));
  const signatures = bytesToHex(concatBytes(...sorted.map((s) => hexToBytes(secp256k1Scheme.sign(digest, s.key)))));
  return { kind: TxKind.CommitChild, chainId: parent.id, child: child.id, header: block.header, signatures };
}

/** Commits, in order, every block of `child` its parent has not committed yet. */
export function commitPending(b: BlockBuilder, parent: TestChain, child: TestChain): void {
  const head = Number(parent.state.ledger.childInfo(child.id).headNumber);
  for (const block of child.blocks.slice(head)) submit(b, commitTx(parent, child, block));
}

/** FINALIZE_CHILD_EXIT of exit `index` of `block`; windowEnd defaults to the head's (the last block committed). */
export function exitTx(parent: TestChain, child: TestChain, block: Block, index: number, windowEnd = parent.state.ledger.childInfo(child.id).headWindowEnd): FinalizeChildExitTx {
  return {
    kind: TxKind.FinalizeChildExit,
    chainId: parent.id,
    child: child.id,
    header: block.header,
    windowEnd,
    exit: tokenExit(block, index),
    index: BigInt(index),
    proof: exitProof(block, index),
  };
}

/** Leaf `index` of `block`'s exit tree, which must be a token exit. */
export function tokenExit(block: Block, index: number): Exit {
  const leaf = block.exits[index];
  if (isEdgeUpEvent(leaf)) throw new Error(`leaf ${index} of block ${block.header.number} is an edge event`);
  return leaf;
}
