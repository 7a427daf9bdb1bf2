/**
 * The escape hatch on a chain parent (`ChainEscapeClient`, docs/FRAUD.md §8) against a fake parent node: its checks
 * before anything is sent (CHAIN_NOT_FROZEN, HEAD_NOT_FINAL, NOTHING_TO_ESCAPE, PROOF_MISMATCH, ALREADY_ESCAPED,
 * NOTHING_TO_RECLAIM, UNKNOWN_CHAIN), the node's refusals mapped, the kinds 11/12 it sends, the stall rule (status fields,
 * `freezeStalled`: NOT_STALLED, CHAIN_IS_FROZEN, the FREEZE_STALLED_CHILD it sends, STALL_FREEZE_NOT_SUPPORTED from an
 * older node), and `TreeClient.escape` picking the host.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { JsonRpcProvider } from 'ethers';
import {
  PlasmaError,
  ROOT_CHAIN_ID,
  accountLeaf,
  chainStateRoot,
  computeMerkleRoot,
  hashDeposit,
  hashHeader,
  ledgerKeys,
  type Address,
  type ChainId,
  type Header,
  type Hex,
} from '@plasma-tree/core';
import { AbiCoder, keccak256 as ethersKeccak } from 'ethers';
import { ChainEscapeClient, EscapeClient, TreeClient, type EscapeProofAnswer, type EscapeProofSource } from '../src/index.js';
import { fakeNode, type FakeNode } from './helpers.js';

const P = `0x${'11'.repeat(32)}` as ChainId;
const C = `0x${'22'.repeat(32)}` as ChainId;
const OWNER = `0x${'aa'.repeat(20)}` as Address;
const DEPOSITOR = `0x${'bb'.repeat(20)}` as Address;
const ETH = `0x${'00'.repeat(20)}` as Address;
const NOW = 1_800_000_000;
const ZERO32 = `0x${'00'.repeat(32)}` as Hex;

/** A head of C with one account (OWNER, ETH, `balance`) at slot 3, its witness, and P's commitment record. */
function fixture(balance = 5n, windowEnd = NOW - 10) {
  const account = { slot: 3, owner: OWNER, token: ETH, balance, nonce: 1n, proof: Array<Hex>(32).fill(ZERO32) };
  const ledgerRoot = `0x${'06'.repeat(32)}` as Hex;
  const accountsRoot = computeMerkleRoot(accountLeaf(account), account.slot, account.proof);
  const head: Header = { chainId: C, number: 4n, parentHash: `0x${'01'.repeat(32)}` as Hex, txRoot: ZERO32, stateRoot: chainStateRoot(accountsRoot, ledgerRoot), exitRoot: ZERO32, depositNonce: 2n, timestamp: BigInt(NOW - 100) };
  const blockHash = hashHeader(head);
  const record = ethersKeccak(AbiCoder.defaultAbiCoder().encode(['bytes32', 'uint64'], [blockHash, windowEnd])) as Hex;
  const proof: EscapeProofAnswer = { chainId: C, head, windowEnd, ledgerRoot, account };
  return { proof, blockHash, record, windowEnd };
}

interface ParentState {
  status: number;
  headNumber: number;
  headWindowEnd: number;
  headDepositNonce: number;
  depositCount: number;
  escaped: Set<number>;
  /** nonce → record still in the ledger */
  deposits: Array<{ kind: 'deposit' | 'edge'; nonce: number; from: Address; to: Address; token: Address; amount: bigint; live: boolean }>;
  commitment: { blockHash: Hex; record: Hex; windowEnd: number } | null;
  sendError?: { code: number; message: string; data: Record<string, unknown> };
  receipt: { status: string; reason?: string; message?: string };
  sent: any[];
  childKnown: boolean;
  /** P's stall rule for C (docs/FRAUD.md §8); null: a node that predates it (no such fields). */
  stall: { stallLimit: number; spawnedAt: number } | null;
}

let node: FakeNode | undefined;
afterEach(async () => {
  await node?.close();
  node = undefined;
});

const depositHashOf = (d: ParentState['deposits'][number]) => hashDeposit({ chainId: C, nonce: BigInt(d.nonce), from: d.from, to: d.to, token: d.token, amount: d.amount });

async function parent(over: Partial<ParentState> = {}): Promise<{ client: ChainEscapeClient; s: ParentState; node: FakeNode }> {
  const f = fixture();
  const s: ParentState = {
    status: 1, headNumber: 4, headWindowEnd: f.windowEnd, headDepositNonce: 2, depositCount: 2, escaped: new Set(), deposits: [],
    commitment: { blockHash: f.blockHash, record: f.record, windowEnd: f.windowEnd }, receipt: { status: 'included' }, sent: [], childKnown: true,
    stall: { stallLimit: 100, spawnedAt: NOW - 1_000 }, ...over,
  };
  node = await fakeNode({
    pt_time: () => NOW - 30,
    pt_getChildInfo: ([child]) => s.childKnown && child === C ? {
      chainId: C, parentChainId: P, index: 0, spawner: OWNER, bond: '0', validators: [], threshold: 1, challengeWindow: 20,
      headNumber: s.headNumber, headWindowEnd: s.headWindowEnd, headDepositNonce: s.headDepositNonce, depositCount: s.depositCount, status: s.status, frozenAt: s.status ? NOW - 50 : 0,
      ...(s.stall ? { ...s.stall, lastActivity: s.headNumber === 0 ? s.stall.spawnedAt : s.headWindowEnd - 20 } : {}),
    } : null,
    pt_getCommitment: ([, n]) => (s.commitment && n === s.headNumber ? { child: C, number: n, ...s.commitment, blockNumber: 9, timestamp: NOW - 60 } : null),
    pt_getLedgerProof: ([k]) => {
      const key = String(k).toLowerCase();
      for (const slot of s.escaped) if (key === ledgerKey('escaped', slot)) return { key, entry: { kind: 9, child: C, slot }, blockNumber: 1 };
      for (const d of s.deposits) if (key === ledgerKey('deposit', d.nonce)) return { key, entry: d.live ? { kind: 2, child: C, nonce: String(d.nonce), depositHash: depositHashOf(d) } : null, blockNumber: 1 };
      return { key, entry: null, blockNumber: 1 };
    },
    pt_getChildDeposits: ([, from, to]) => s.deposits.filter((d) => d.nonce >= from && d.nonce <= to).map((d) => ({
      kind: d.kind, child: C, nonce: d.nonce, from: d.from, to: d.to, token: d.token, amount: d.amount.toString(), depositHash: depositHashOf(d), blockNumber: 2, index: 0,
    })),
    pt_sendTransaction: ([tx]) => {
      if (s.sendError) throw s.sendError;
      s.sent.push(tx);
      if (tx.kind === 'freezeStalledChild' && s.receipt.status !== 'rejected') s.status = 2;
      return { hash: keccak256Hex(JSON.stringify(tx)) };
    },
    pt_getReceipt: ([hash]) => ({ txHash: hash, blockNumber: 12, index: 0, exitIndex: null, windowEnd: null, ...s.receipt }),
    pt_getSubtreeBalance: () => '7',
  });
  return { client: new ChainEscapeClient({ parentNode: node.url, parentChainId: P, pollMs: 5, timeoutMs: 2000, clock: () => NOW }), s, node };
}

const ledgerKey = (what: 'escaped' | 'deposit', n: number): Hex => (what === 'escaped' ? ledgerKeys.escapedSlot(C, n) : ledgerKeys.deposit(C, BigInt(n))).toLowerCase() as Hex;
const keccak256Hex = (s: string): Hex => ethersKeccak(new TextEncoder().encode(s)) as Hex;

const source = (p: EscapeProofAnswer | (() => never)): EscapeProofSource => ({
  description: 'test source',
  escapeProof: async () => (typeof p === 'function' ? p() : p),
});

async function code(p: Promise<unknown>): Promise<PlasmaError> {
  const e = await p.then(() => undefined, (err: unknown) => err);
  expect(e).toBeInstanceOf(PlasmaError);
  return e as PlasmaError;
}

describe('ChainEscapeClient: refusals before anything is sent', () => {
  it('status by the parent clock, with the stall rule; a live chain: CHAIN_NOT_FROZEN, with a hint on how a chain under a chain is frozen', async () => {
    const { client, s } = await parent({ status: 0 });
    // lastActivity = the head's commit time (headWindowEnd − window 20); stallable once P's clock is past it + 100.
    const lastActivity = s.headWindowEnd - 20;
    expect(await client.getChainStatus(C)).toMatchObject({
      host: 'chain', parentChainId: P, status: 'live', frozenAt: null, headFinal: true, now: NOW, parentTime: NOW - 30,
      stallLimit: 100, lastActivity, stallableAt: lastActivity + 101, secondsUntilStallable: lastActivity + 101 - NOW,
    });
    const args = { chainId: C, owner: OWNER, token: ETH, proofSource: source(fixture().proof) };
    for (const p of [client.escapeExit(args), client.reclaimDeposits({ chainId: C })]) {
      const e = await code(p);
      expect(e.code).toBe('CHAIN_NOT_FROZEN');
      expect(e.data).toMatchObject({ secondsUntilStallable: lastActivity + 101 - NOW, stallableAt: lastActivity + 101 });
      expect(e.hint).toMatch(/can be frozen in \d+ s/);
    }
    expect(s.sent).toEqual([]);
    // A parent node that predates the stall rule: null stall fields, and the fraud-proof hint.
    await node!.close();
    const old = await parent({ status: 0, stall: null });
    expect(await old.client.getChainStatus(C)).toMatchObject({ stallLimit: null, stallableAt: null, secondsUntilStallable: null, lastActivity });
    expect((await code(old.client.escapeExit(args))).hint).toMatch(/fraud proof/);
  });

  it('HEAD_NOT_FINAL with the seconds left by the parent clock; NOTHING_TO_ESCAPE before block 1 or for a zero balance', async () => {
    const late = fixture(5n, NOW + 40);
    let { client } = await parent({ headWindowEnd: late.windowEnd, commitment: { blockHash: late.blockHash, record: late.record, windowEnd: late.windowEnd } });
    const e = await code(client.escapeExit({ chainId: C, owner: OWNER, token: ETH, proofSource: source(late.proof) }));
    expect(e.code).toBe('HEAD_NOT_FINAL');
    expect(e.data).toMatchObject({ secondsLeft: 40, headWindowEnd: NOW + 40 });
    await node!.close();
    ({ client } = await parent({ headNumber: 0, headWindowEnd: 0, commitment: null }));
    expect((await code(client.escapeExit({ chainId: C, owner: OWNER, token: ETH, proofSource: source(fixture().proof) }))).code).toBe('NOTHING_TO_ESCAPE');
    await node!.close();
    const empty = fixture(0n);
    ({ client } = await parent({ commitment: { blockHash: empty.blockHash, record: empty.record, windowEnd: empty.windowEnd } }));
    expect((await code(client.escapeExit({ chainId: C, owner: OWNER, token: ETH, proofSource: source(empty.proof) }))).code).toBe('NOTHING_TO_ESCAPE');
  });

  it("PROOF_MISMATCH for a header the parent did not commit, another owner's slot, or a witness that does not open the root", async () => {
    const { client, s } = await parent();
    const f = fixture();
    const other = { ...f.proof, head: { ...f.proof.head, timestamp: f.proof.head.timestamp + 1n } };
    expect((await code(client.escapeExit({ chainId: C, owner: OWNER, token: ETH, proofSource: source(other) }))).code).toBe('PROOF_MISMATCH');
    expect((await code(client.escapeExit({ chainId: C, owner: DEPOSITOR, token: ETH, proofSource: source(f.proof) }))).code).toBe('PROOF_MISMATCH');
    const lie = { ...f.proof, account: { ...f.proof.account, balance: 6n } };
    const e = await code(client.escapeExit({ chainId: C, owner: OWNER, token: ETH, proofSource: source(lie) }));
    expect(e.code).toBe('PROOF_MISMATCH');
    expect(e.message).toMatch(/does not open slot 3/);
    expect(s.sent).toEqual([]);
  });

  it('ALREADY_ESCAPED from the EscapedSlot entry; a failing source keeps its code', async () => {
    const { client, s } = await parent({ escaped: new Set([3]) });
    expect(await client.isEscaped(C, 3)).toBe(true);
    expect((await code(client.escapeExit({ chainId: C, owner: OWNER, token: ETH, proofSource: source(fixture().proof) }))).code).toBe('ALREADY_ESCAPED');
    const failing = source(() => {
      throw new PlasmaError('STORE_UNAVAILABLE', 'locked', { hint: 'ask that node instead' });
    });
    const e = await code(client.escapeExit({ chainId: C, owner: OWNER, token: ETH, proofSource: failing }));
    expect(e.code).toBe('STORE_UNAVAILABLE');
    expect(e.hint).toBe('ask that node instead');
    expect(s.sent).toEqual([]);
  });

  it('UNKNOWN_CHAIN for a chain the parent does not host (status and freezeStalled)', async () => {
    const { client, s } = await parent({ childKnown: false });
    expect((await code(client.getChainStatus(C))).code).toBe('UNKNOWN_CHAIN');
    const e = await code(client.freezeStalled(C));
    expect(e.code).toBe('UNKNOWN_CHAIN');
    expect(e.hint).not.toBe('');
    expect(s.sent).toEqual([]);
  });
});

describe('ChainEscapeClient.freezeStalled: FREEZE_STALLED_CHILD (kind 13) on the parent', () => {
  it('NOT_STALLED before the limit has passed by the parent clock, CHAIN_IS_FROZEN once frozen; nothing sent', async () => {
    let { client, s } = await parent({ status: 0, headNumber: 0, headWindowEnd: 0, commitment: null, stall: { stallLimit: 100, spawnedAt: NOW - 60 } });
    const e = await code(client.freezeStalled(C));
    expect(e.code).toBe('NOT_STALLED');
    // Before block 1 the last activity is the spawn: stallable at spawnedAt + 100 + 1.
    expect(e.data).toMatchObject({ chainId: C, parentChainId: P, lastActivity: NOW - 60, stallLimit: 100, stallableAt: NOW + 41, secondsLeft: 41 });
    expect(e.hint).toContain(String(NOW + 41));
    expect(s.sent).toEqual([]);
    await node!.close();
    ({ client, s } = await parent({ status: 1 }));
    expect((await code(client.freezeStalled(C))).code).toBe('CHAIN_IS_FROZEN');
    expect(s.sent).toEqual([]);
  });

  it('sends the unsigned kind 13 for the child once stallable, waits for inclusion and reads the freeze back', async () => {
    // The head committed at NOW - 130 (windowEnd NOW - 110, window 20): stallable since NOW - 29.
    const { client, s } = await parent({ status: 0, headWindowEnd: NOW - 110 });
    expect(await client.getChainStatus(C)).toMatchObject({ status: 'live', lastActivity: NOW - 130, stallableAt: NOW - 29, secondsUntilStallable: 0 });
    const r = await client.freezeStalled(C);
    expect(s.sent).toEqual([{ kind: 'freezeStalledChild', chainId: P, child: C }]);
    expect(r).toEqual({ txHash: keccak256Hex(JSON.stringify(s.sent[0])), frozenAt: NOW - 50 });
    expect(await client.getChainStatus(C)).toMatchObject({ status: 'frozen-stalled', frozenAt: NOW - 50, secondsUntilStallable: 0 });
  });

  it("the parent's refusals keep their codes (NOT_STALLED remapped with the seconds left); an older parent node: STALL_FREEZE_NOT_SUPPORTED", async () => {
    let { client, s } = await parent({ status: 0, headWindowEnd: NOW - 110, sendError: { code: -32000, message: 'not stalled', data: { reason: 'NOT_STALLED' } } });
    let e = await code(client.freezeStalled(C));
    expect(e.code).toBe('NOT_STALLED');
    expect(e.data).toMatchObject({ chainId: C, stallableAt: NOW - 29 });
    await node!.close();
    ({ client, s } = await parent({ status: 0, headWindowEnd: NOW - 110, receipt: { status: 'rejected', reason: 'CHAIN_IS_FROZEN', message: 'frozen' } }));
    e = await code(client.freezeStalled(C));
    expect(e.code).toBe('CHAIN_IS_FROZEN');
    expect(s.sent).toHaveLength(1);
    await node!.close();
    ({ client, s } = await parent({ status: 0, headWindowEnd: NOW - 110, stall: null }));
    e = await code(client.freezeStalled(C));
    expect(e.code).toBe('STALL_FREEZE_NOT_SUPPORTED');
    expect(e.hint).not.toBe('');
    expect(s.sent).toEqual([]);
  });
});

describe('ChainEscapeClient: kinds 11 and 12 sent to the parent', () => {
  it('escapeExit sends an ESCAPE_CHILD_EXIT of the checked witness and waits for inclusion', async () => {
    const { client, s } = await parent();
    const r = await client.escapeExit({ chainId: C, owner: OWNER, token: ETH, proofSource: source(fixture().proof) });
    expect(r).toMatchObject({ host: 'chain', slot: 3, owner: OWNER, amount: 5n, headNumber: 4, gasUsed: 0n, blockNumber: 12 });
    expect(s.sent).toHaveLength(1);
    expect(s.sent[0]).toMatchObject({ kind: 'escapeChildExit', chainId: P, child: C, ledgerRoot: fixture().proof.ledgerRoot });
  });

  it("the node's refusals keep their codes: CHALLENGE_WINDOW_OPEN is HEAD_NOT_FINAL, a rejected receipt its reason", async () => {
    let { client } = await parent({ sendError: { code: -32000, message: 'window open', data: { reason: 'CHALLENGE_WINDOW_OPEN' } } });
    expect((await code(client.escapeExit({ chainId: C, owner: OWNER, token: ETH, proofSource: source(fixture().proof) }))).code).toBe('HEAD_NOT_FINAL');
    await node!.close();
    ({ client } = await parent({ receipt: { status: 'rejected', reason: 'SUBTREE_BALANCE_EXCEEDED', message: 'cap' } }));
    const e = await code(client.escapeExit({ chainId: C, owner: OWNER, token: ETH, proofSource: source(fixture().proof) }));
    expect(e.code).toBe('SUBTREE_BALANCE_EXCEEDED');
    expect(e.hint).not.toBe('');
  });

  it('reclaimDeposits sends a RECLAIM_CHILD_DEPOSIT per unapplied, still recorded token deposit; NOTHING_TO_RECLAIM after', async () => {
    const d = (nonce: number, extra: Partial<ParentState['deposits'][number]> = {}) => ({ kind: 'deposit' as const, nonce, from: DEPOSITOR, to: OWNER, token: ETH, amount: BigInt(nonce), live: true, ...extra });
    const { client, s } = await parent({
      depositCount: 6,
      deposits: [d(1), d(2), d(3), d(4, { kind: 'edge', amount: 0n }), d(5, { live: false }), d(6, { from: OWNER })],
    });
    expect((await client.reclaimableDeposits({ chainId: C })).map((x) => x.nonce)).toEqual([3n, 6n]);
    const r = await client.reclaimDeposits({ chainId: C, depositor: DEPOSITOR });
    expect(r).toMatchObject([{ nonce: 3n, from: DEPOSITOR, amount: 3n, blockNumber: 12 }]);
    expect(s.sent).toMatchObject([{ kind: 'reclaimChildDeposit', chainId: P, child: C, nonce: 3, from: DEPOSITOR }]);
    s.deposits[2].live = false;
    expect((await code(client.reclaimDeposits({ chainId: C, depositor: DEPOSITOR }))).code).toBe('NOTHING_TO_RECLAIM');
  });
});

describe('TreeClient.escape picks the host by the parent', () => {
  it('a child of a chain: the parent chain node; a child of the root: L1; L1 itself: NOT_A_CHAIN', async () => {
    const provider = new JsonRpcProvider('http://127.0.0.1:9', 31337, { staticNetwork: true });
    try {
      const A = `0x${'33'.repeat(32)}` as ChainId;
      const tree = new TreeClient({
        l1: provider, rootContract: `0x${'44'.repeat(20)}`, nodes: { [P]: 'http://127.0.0.1:1', [A]: 'http://127.0.0.1:2' }, names: { [P]: 'P', [C]: 'C', [A]: 'A' }, parents: { [C]: P, [P]: 'L1', [A]: ROOT_CHAIN_ID },
      });
      const c = await tree.escape('C');
      expect(c).toBeInstanceOf(ChainEscapeClient);
      expect(c).toMatchObject({ host: 'chain', parentChainId: P });
      expect((c as ChainEscapeClient).node.url).toBe('http://127.0.0.1:1');
      expect(await tree.escape('P')).toBeInstanceOf(EscapeClient);
      expect((await tree.escape('A')).host).toBe('l1');
      expect((await code(tree.escape('L1'))).code).toBe('NOT_A_CHAIN');
    } finally {
      provider.destroy();
    }
  });
});
