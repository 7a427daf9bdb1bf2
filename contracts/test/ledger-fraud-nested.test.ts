/**
 * Transition proofs of kind 16 NESTED_ESCAPE_CALL at the root (docs/FRAUD.md §4c) on the tree of
 * ./ledgerFraudFixture.ts plus F, a child of A, and G, a child of F, both built in core: bob funds F, spawns G and
 * deposits into it for carol; G's block 1 (carol pays alice 100 and withdraws 50) is final in F's ledger at F's head;
 * a deposit to G is in flight; A commits F's blocks and freezes F for its stall. Every NESTED_ESCAPE_CALL core's STF
 * accepts or refuses on A is judged by PlasmaLedgerNested as core does (the fixture's `judge`: core and the contract
 * on the same proof), and a lying A that pays a nested escape without lowering what it holds for F is convicted.
 * PlasmaLedgerNested shares its path checks with PlasmaNestedEscape (lib/PlasmaNestedPaths.sol).
 */
import * as core from '@plasma-tree/core';
import { ZeroHash, parseEther, type Wallet } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { increaseTime } from './helpers.js';
import {
  ETH, K_WINDOW, aliceNonce, buildLedgerTree, commitA, commitChildTx, convictAtRoot, expectBlockTxParity, expectParity, forgeA, signTx, t, verifierGas,
} from './ledgerFraudFixture.js';

type Hex = core.Hex;
const lower = (s: string): Hex => s.toLowerCase() as Hex;
const NESTED = core.TxKind.NestedEscapeCall;

/** F (A's child, frozen on A) and G (F's child): their states at their heads, G's block 1 and its windowEnd in F's ledger. */
const s = {} as {
  F: Hex; G: Hex; fState: core.ChainState; gState: core.ChainState; fHead: core.Header; fWindowEnd: bigint; g1: core.Block; gWindowEnd: bigint;
  bob: Wallet; carol: Hex; path: core.NestedPath;
};

/** A chain built in core on its own clock: blocks sealed on `state` (each checked by re-execution). */
function seal(state: core.ChainState, ctx: core.BlockContext, parent: core.Header | null, timestamp: bigint, fill: (b: core.BlockBuilder) => void): core.Block {
  const b = new core.BlockBuilder({ parent, state, ctx, timestamp });
  fill(b);
  return b.seal();
}

beforeAll(async () => {
  await buildLedgerTree();
  s.bob = t.f.wallets[2];
  s.carol = lower(t.f.wallets[3].address);
  const bob = lower(s.bob.address);
  const validator = lower(t.kValidator.address);
  // F: a child of A with a stall limit of its window; bob gets 1 ETH in it.
  s.F = core.chainIdOf(t.A.chainId, t.A.state.ledger.childCount);
  await commitA((b) => {
    b.addSignedTx(signTx(t.alice, {
      kind: core.TxKind.SpawnChild, chainId: t.A.chainId, ...aliceNonce(), validators: [validator], threshold: 1, challengeWindow: K_WINDOW, stallLimit: K_WINDOW, bond: core.MIN_BOND,
    } as core.UnsignedTx));
  });
  const funding = await commitA((b) => b.addSignedTx(signTx(t.alice, { kind: core.TxKind.DepositToChild, chainId: t.A.chainId, ...aliceNonce(), child: s.F, to: bob, token: ETH, amount: parseEther('1') })));

  // F's blocks, in core: bob's deposit; bob spawns G and deposits 1000 wei for carol; G's block 1 committed; a deposit
  // in flight; then a block after G's window, F's head.
  let now = funding.header.timestamp;
  s.fState = new core.ChainState(s.F);
  const fctx: core.BlockContext = { chainId: s.F, domain: t.A.domain, depositRecord: core.childDepositRecords(t.A.state.ledger, s.F), parentChainId: t.A.chainId };
  const fBlocks: core.Block[] = [];
  const fBlock = (fill: (b: core.BlockBuilder) => void) => fBlocks.push(seal(s.fState, fctx, fBlocks.at(-1)?.header ?? null, (now += 5n), fill));
  const bobOnF = () => ({ slot: s.fState.slotOf(bob, ETH)!, nonce: s.fState.get(s.fState.slotOf(bob, ETH)!)!.nonce });
  fBlock((b) => b.addDeposit({ chainId: s.F, nonce: 1n, from: lower(t.alice.address), to: bob, token: ETH, amount: parseEther('1') }));
  s.G = core.chainIdOf(s.F, 0);
  fBlock((b) => {
    b.addSignedTx(signTx(s.bob, { kind: core.TxKind.SpawnChild, chainId: s.F, ...bobOnF(), validators: [validator], threshold: 1, challengeWindow: K_WINDOW, bond: core.MIN_BOND } as core.UnsignedTx));
    b.addSignedTx(signTx(s.bob, { kind: core.TxKind.DepositToChild, chainId: s.F, ...bobOnF(), child: s.G, to: s.carol, token: ETH, amount: 1_000n }));
  });
  s.gState = new core.ChainState(s.G);
  const gctx: core.BlockContext = { chainId: s.G, domain: t.A.domain, depositRecord: core.childDepositRecords(s.fState.ledger, s.G), parentChainId: s.F };
  const carolWallet = t.f.wallets[3];
  const carolOnG = () => ({ slot: s.gState.slotOf(s.carol, ETH)!, nonce: s.gState.get(s.gState.slotOf(s.carol, ETH)!)!.nonce });
  s.g1 = seal(s.gState, gctx, null, (now += 5n), (b) => {
    b.addDeposit({ chainId: s.G, nonce: 1n, from: bob, to: s.carol, token: ETH, amount: 1_000n });
    b.addSignedTx(signTx(carolWallet, { kind: core.TxKind.Transfer, chainId: s.G, ...carolOnG(), to: lower(t.alice.address), token: ETH, amount: 100n }));
    b.addSignedTx(signTx(carolWallet, { kind: core.TxKind.Withdraw, chainId: s.G, ...carolOnG(), to: s.carol, token: ETH, amount: 50n }));
  });
  fBlock((b) => b.addSignedTx({ ...commitChildTx(s.G, s.g1.header), chainId: s.F }));
  s.gWindowEnd = s.fState.ledger.childInfo(s.G).headWindowEnd;
  fBlock((b) => b.addSignedTx(signTx(s.bob, { kind: core.TxKind.DepositToChild, chainId: s.F, ...bobOnF(), child: s.G, to: bob, token: ETH, amount: 7n })));
  now = s.gWindowEnd;
  fBlock(() => {});
  s.fHead = fBlocks.at(-1)!.header;

  // A commits F's blocks once L1 time has passed F's clock, then freezes F past its stall limit.
  await increaseTime(t.f.provider, K_WINDOW * 2n);
  await commitA((b) => {
    for (const block of fBlocks) b.addSignedTx(commitChildTx(s.F, block.header));
  });
  s.fWindowEnd = t.A.state.ledger.childInfo(s.F).headWindowEnd;
  await increaseTime(t.f.provider, K_WINDOW + 10n);
  await commitA((b) => b.addSignedTx({ kind: core.TxKind.FreezeStalledChild, chainId: t.A.chainId, child: s.F }));
  expect(t.A.state.ledger.childStatus(s.F).status).toBe(core.ChainStatus.FrozenStalled);
  const blockOf = (): core.CommittedChildBlock => ({ header: s.g1.header, windowEnd: s.gWindowEnd });
  s.path = core.buildNestedPath(core.frozenHead(s.fState, s.fHead, s.fWindowEnd), s.fState.ledger, [{ child: s.G, blockOf }]);
}, 180_000);

afterAll(async () => {
  await t.f?.stop();
});

const tx = (call: Hex, over: Partial<core.NestedEscapeCallTx> = {}): core.NestedEscapeCallTx => ({ kind: NESTED, chainId: t.A.chainId, frozen: s.F, call, ...over });
const account = () => core.buildNestedAccountProof(s.path, s.gState, s.gState.slotOf(s.carol, ETH)!);
const escapeCall = (over: Partial<core.NestedAccountProof> = {}, route: core.NestedRoute = s.path) => core.encodeEscapeNestedExitCall(route, { ...account(), ...over });
const exitCall = (over: Partial<core.NestedExitProof> = {}) =>
  core.encodeExitNestedCall(s.path, { ...core.buildNestedExitProof(s.path, { header: s.g1.header, windowEnd: s.gWindowEnd }, { recipient: s.carol, token: ETH, amount: 50n }, 0n, core.exitProof(s.g1, 0)), ...over });
const reclaimCall = (nonce = 2n, amount = 7n, to: Hex = lower(s.bob.address)) =>
  core.encodeReclaimNestedCall(s.path, core.buildNestedDepositProof(s.path, { nonce, from: lower(s.bob.address), to, token: ETH, amount }));

describe('PlasmaLedgerNested judges kind 16 (NESTED_ESCAPE_CALL) as core does', () => {
  it("recomputes core's post-state root of carol's account, her exit and bob's deposit in flight, and finds a wrong one", async () => {
    for (const call of [escapeCall(), exitCall(), reclaimCall()]) await expectParity(tx(call), undefined);
  });

  const frozenHead = (over: Partial<core.FrozenHead>): core.NestedRoute => ({ ...s.path, frozen: { ...s.path.frozen, ...over } });
  const refusals: [string, () => core.SignedTx, string, (() => bigint)?][] = [
    ['an escape from a live chain (K)', () => tx(escapeCall({}, frozenHead({ chainId: t.K })), { frozen: t.K }), 'CHAIN_NOT_FROZEN'],
    ['an escape from no chain', () => tx(escapeCall({}, frozenHead({ chainId: core.chainIdOf(t.A.chainId, 9) })), { frozen: core.chainIdOf(t.A.chainId, 9) }), 'UNKNOWN_CHAIN'],
    ['an escape from a block below the head', () => tx(escapeCall({}, frozenHead({ head: { ...s.fHead, number: 2n } }))), 'NOT_THE_HEAD'],
    ['an escape under another windowEnd', () => tx(escapeCall({}, frozenHead({ windowEnd: s.fWindowEnd + 1n }))), 'UNKNOWN_COMMITMENT'],
    ['an escape before the head is final', () => tx(escapeCall()), 'CHALLENGE_WINDOW_OPEN', () => s.fWindowEnd - 1n],
    ["roots that are not the head's state root", () => tx(escapeCall({}, frozenHead({ accountsRoot: ZeroHash as Hex }))), 'INVALID_LEDGER_ROOT'],
    ['one cap too many', () => tx(escapeCall({ caps: [...account().caps, ...account().caps] })), 'BAD_PROOF_LENGTH'],
    ['a cap that does not fold', () => tx(escapeCall({ caps: [{ ...account().caps[0], amount: 1n }] })), 'INVALID_LEDGER_PROOF'],
    ['a cap proof of the wrong shape', () => tx(escapeCall({ caps: [{ ...account().caps[0], proof: { ...account().caps[0].proof, siblings: [] } }] })), 'BAD_LEDGER_PROOF'],
    ['an account of another ledger root', () => tx(escapeCall({ childLedgerRoot: core.bytesToHex(core.keccak256(new TextEncoder().encode('another ledger'))) })), 'INVALID_ACCOUNT_PROOF'], // (0 is G's own: its ledger is empty)
    ['an exit of another index', () => tx(exitCall({ index: 1n })), 'INVALID_EXIT_PROOF'],
    ['a deposit G applied', () => tx(reclaimCall(1n, 1_000n, s.carol)), 'DEPOSIT_APPLIED'],
    ['a deposit nobody made', () => tx(reclaimCall(2n, 8n)), 'UNKNOWN_DEPOSIT'],
  ];
  for (const [what, make, code, at] of refusals) {
    it(`refuses ${what}: ${code}`, () => expectParity(make(), code, at === undefined ? {} : { timestamp: at() }));
  }

  it('refuses a call that is not canonical, about another chain, or paying another payee (MALFORMED_TX)', async () => {
    const placed = core.placeSignedTx(t.A.state, tx(escapeCall()), t.A.ctx);
    const { frozen, call } = core.decodeNestedEscapeCallData(placed.data);
    await expectBlockTxParity({ ...placed, data: core.encodeNestedEscapeCallData({ frozen, call: `${call}00` }) }, 'MALFORMED_TX');
    await expectBlockTxParity({ ...placed, data: core.encodeNestedEscapeCallData({ frozen: t.K, call }) }, 'MALFORMED_TX');
    await expectBlockTxParity({ ...placed, amount: placed.amount + 1n }, 'MALFORMED_TX');
  });

  it('convicts a lying A that pays a nested escape without lowering what it holds for F (kind 10 at the root)', async () => {
    await verifierGas('ledger-fraud-nested', 'kind 16, one level, valid', tx(escapeCall()));
    const held = t.A.state.ledger.subtreeBalance(s.F, ETH);
    const { block } = forgeA(tx(exitCall()));
    t.A.state.checkpoint();
    core.applyTx(t.A.state, block.txs[0], { ...t.A.ctx, lastDepositNonce: t.A.head!.depositNonce, timestamp: block.header.timestamp });
    t.A.state.ledger.unsafeWrite({ kind: core.LedgerKind.SubtreeBalance, child: s.F, token: ETH, amount: held });
    const lie = t.A.state.root;
    t.A.state.revert();
    const lying = forgeA(tx(exitCall()), { postRoot: lie });
    await convictAtRoot(lying.block, 'POST_ROOT_MISMATCH', 'ledger-fraud-nested', 'kind 16, an exit paid without lowering the subtree balance');
  });
});
