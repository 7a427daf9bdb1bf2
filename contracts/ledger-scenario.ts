/**
 * The tree the transition proofs of the ledger kinds are measured and tested on (docs/LEDGER-PROOFS.md), on a real
 * PlasmaRoot: A, a child of the root run by core (ChildChain), is a parent itself. It spawns K and K2 (K2 with a stall
 * limit of its window), alice deposits 3 ETH into K and 1 ETH into K2, A commits two blocks of K: block 1 honest
 * (alice's exits of 0.5 and 0.25 ETH), block 2 a lie of K's validator (an exit of 100 ETH from nothing: a subtree that
 * mints). Past K's window A pays exit 0 and freezes K2 for its stall. Then {@link LedgerScenario.forgeA} puts any tx
 * in a block of A on its head (not applied to A's state) and {@link LedgerScenario.proofOf} builds core's proof of it.
 * Used by contracts/test/ledgerFraudFixture.ts (the parity tests) and ./gas-ledger.ts (the bench).
 */
import { strict as assert } from 'node:assert';
import { parseEther, type Contract, type JsonRpcProvider, type Wallet } from 'ethers';
import * as core from '@plasma-tree/core';
import { ChildChain } from './fraud-scenario.js';

type Hex = core.Hex;

export const A_WINDOW = 1000n; // A's challenge window at the root (L1 seconds)
export const K_WINDOW = 100n; // K's and K2's in A's ledger (A's clock)
const ETH = core.NATIVE_TOKEN;
const lower = (s: string): Hex => s.toLowerCase() as Hex;

export interface LedgerScenarioEnv {
  provider: JsonRpcProvider;
  root: Contract;
  /** Who spawns A and pays its bond. */
  spawner: Wallet;
  /** A's validator (threshold 1). */
  aValidator: Wallet;
  /** K's and K2's validator (threshold 1). */
  kValidator: Wallet;
  /** The holder on A and in its children. */
  alice: Wallet;
}

export class LedgerScenario {
  A!: ChildChain;
  K!: Hex;
  K2!: Hex;
  /** K's block 1 (honest: alice's exits 0.5 and 0.25 ETH) and block 2 (a lie: an exit of 100 ETH), as A committed them. */
  kBlock1!: core.Block;
  kBlock2!: { header: core.Header; exit: core.Exit; proof: Hex[] };
  /** The windowEnd of both of K's blocks in A's ledger. */
  kWindowEnd!: bigint;
  /** alice's deposit into K2, never applied (K2 never committed). */
  k2Deposit!: core.Deposit;
  /** K's state after its block 1 (block 2, the lie, claims another), and its BlockContext. */
  kState!: core.ChainState;
  kctx!: core.BlockContext;

  private constructor(readonly env: LedgerScenarioEnv) {}

  get alice(): Wallet {
    return this.env.alice;
  }

  get kValidator(): Wallet {
    return this.env.kValidator;
  }

  static async build(env: LedgerScenarioEnv): Promise<LedgerScenario> {
    const s = new LedgerScenario(env);
    await s.grow();
    return s;
  }

  async now(): Promise<bigint> {
    return BigInt((await this.env.provider.getBlock('latest'))!.timestamp);
  }

  async increaseTime(seconds: bigint): Promise<void> {
    await this.env.provider.send('evm_increaseTime', [Number(seconds)]);
    await this.env.provider.send('evm_mine', []);
  }

  signTx(w: Wallet, tx: core.UnsignedTx): core.SignedTx {
    return { ...tx, signature: core.secp256k1Scheme.sign(core.signedTxDigest(this.A.domain, tx), w.privateKey as Hex) } as core.SignedTx;
  }

  /** alice's native slot on A and its next nonce. */
  aliceNonce(): { slot: number; nonce: bigint } {
    const slot = this.A.state.slotOf(lower(this.alice.address), ETH)!;
    return { slot, nonce: this.A.state.get(slot)!.nonce };
  }

  /** Builds a valid block of A on its head at the L1 time, applies it and commits it on the root. */
  async commitA(fill: (b: core.BlockBuilder) => void): Promise<core.Block> {
    const block = this.A.build(await this.now(), fill);
    await this.A.commit(block);
    return block;
  }

  /** COMMIT_CHILD of `header` of `child`, signed by K's validator over the root's domain. */
  commitChildTx(child: Hex, header: core.Header): core.CommitChildTx {
    const digest = core.commitmentDigest(this.A.domain, child, header.number, core.hashHeader(header));
    return { kind: core.TxKind.CommitChild, chainId: this.A.chainId, child, header, signatures: core.secp256k1Scheme.sign(digest, this.kValidator.privateKey as Hex) };
  }

  /**
   * Spawns another child of A (K's validator, window K_WINDOW), has alice deposit 1 ETH into it and A commit its honest
   * block 1 (the deposit, then alice's transfer of 0.25 ETH to `to`) at the L1 time: a block still inside its window, for
   * proofs against an honest child.
   * Returns the child, its block 1, when A committed it and the windowEnd A recorded, and the child's BlockContext.
   */
  async spawnHonestChild(to: Hex = lower(this.kValidator.address)): Promise<{ chain: Hex; block: core.Block; committedAt: bigint; windowEnd: bigint; ctx: core.BlockContext }> {
    const { A, alice } = this;
    const chain = core.chainIdOf(A.chainId, Number(A.state.ledger.childCount));
    const amount = parseEther('1');
    const funded = await this.commitA((b) => {
      b.addSignedTx(this.signTx(alice, {
        kind: core.TxKind.SpawnChild, chainId: A.chainId, ...this.aliceNonce(), validators: [lower(this.kValidator.address)], threshold: 1,
        challengeWindow: K_WINDOW, bond: core.MIN_BOND,
      } as core.UnsignedTx));
      b.addSignedTx(this.signTx(alice, { kind: core.TxKind.DepositToChild, chainId: A.chainId, ...this.aliceNonce(), child: chain, to: lower(alice.address), token: ETH, amount }));
    });
    const ctx: core.BlockContext = { chainId: chain, domain: A.domain, depositRecord: core.childDepositRecords(A.state.ledger, chain), parentChainId: A.chainId };
    const kb = new core.BlockBuilder({ parent: null, state: new core.ChainState(chain), ctx, timestamp: funded.header.timestamp });
    kb.addDeposit({ chainId: chain, nonce: 1n, from: lower(alice.address), to: lower(alice.address), token: ETH, amount });
    kb.addSignedTx(this.signTx(alice, { kind: core.TxKind.Transfer, chainId: chain, slot: 0, to, token: ETH, amount: amount / 4n, nonce: 0n }));
    const block = kb.seal();
    const committed = await this.commitA((b) => b.addSignedTx(this.commitChildTx(chain, block.header)));
    return { chain, block, committedAt: committed.header.timestamp, windowEnd: committed.header.timestamp + K_WINDOW, ctx };
  }

  /** FINALIZE_CHILD_EXIT of exit `index` of K's block 1 (`over` changes any field). */
  finalizeTx(index: number, over: Partial<core.FinalizeChildExitTx> = {}): core.FinalizeChildExitTx {
    return {
      kind: core.TxKind.FinalizeChildExit, chainId: this.A.chainId, child: this.K, header: this.kBlock1.header, windowEnd: this.kWindowEnd,
      exit: this.kBlock1.exits[index] as core.Exit, index: BigInt(index), proof: core.exitProof(this.kBlock1, index), ...over,
    };
  }

  /**
   * A block of A on its head holding only `tx` (placed on A's state), claiming `postRoot` (default: what core's STF
   * computes, or the pre-state root when it refuses the tx). A's state is left as it was.
   */
  forgeA(tx: core.SignedTx, options: { postRoot?: Hex; timestamp?: bigint } = {}): { block: core.Block; honest?: Hex; refusal?: string } {
    const blockTx = core.placeSignedTx(this.A.state, tx, this.A.ctx);
    const timestamp = options.timestamp ?? this.A.head!.timestamp + 1n;
    const { honest, refusal } = this.reexecute(blockTx, timestamp);
    const block = this.A.forge([blockTx], [options.postRoot ?? honest ?? this.A.state.root], { timestamp });
    return { block, honest, refusal };
  }

  /** Core's STF on A's head state at `timestamp`: the post-state root, or the error code. */
  reexecute(tx: core.BlockTx, timestamp: bigint): { honest?: Hex; refusal?: string } {
    const { state } = this.A;
    state.checkpoint();
    try {
      return { honest: core.applyTx(state, tx, { ...this.A.ctx, lastDepositNonce: this.A.head!.depositNonce, timestamp }).postRoot };
    } catch (e) {
      if (!core.isPlasmaError(e)) throw e;
      return { refusal: e.code };
    } finally {
      state.revert();
    }
  }

  /** Core's proof of the block's tx 0 (the proof of a valid tx too: the contract must then find no fault). */
  proofOf(block: core.Block): core.LedgerTransitionProof {
    return core.buildLedgerTransitionProof(block, 0, this.A.head, this.A.state, this.A.ctx, { allowValid: true });
  }

  private async grow(): Promise<void> {
    const { env, alice, kValidator } = this;
    this.A = await ChildChain.spawn({ root: env.root, provider: env.provider, validators: [env.aValidator], threshold: 1, window: A_WINDOW, bond: core.ROOT_MIN_BOND, spawner: env.spawner });
    const A = this.A;
    await A.deposit(alice, alice.address, parseEther('10'));
    await this.commitA((b) => A.pendingDeposits(b));
    // alice spawns K (the default stall limit) and K2 (stall limit = its window).
    await this.commitA((b) => {
      for (const stallLimit of [undefined, K_WINDOW]) {
        b.addSignedTx(this.signTx(alice, {
          kind: core.TxKind.SpawnChild, chainId: A.chainId, ...this.aliceNonce(), validators: [lower(kValidator.address)], threshold: 1,
          challengeWindow: K_WINDOW, ...(stallLimit === undefined ? {} : { stallLimit }), bond: core.MIN_BOND,
        } as core.UnsignedTx));
      }
    });
    const [K, K2] = [0, 1].map((i) => core.chainIdOf(A.chainId, i));
    Object.assign(this, { K, K2 });
    const a3 = await this.commitA((b) => {
      for (const [child, amount] of [[K, parseEther('3')], [K2, parseEther('1')]] as const) {
        b.addSignedTx(this.signTx(alice, { kind: core.TxKind.DepositToChild, chainId: A.chainId, ...this.aliceNonce(), child, to: lower(alice.address), token: ETH, amount }));
      }
    });
    this.k2Deposit = { chainId: K2, nonce: 1n, from: lower(alice.address), to: lower(alice.address), token: ETH, amount: parseEther('1') };

    // K's block 1: the deposit, alice withdraws 0.5 ETH (exit 0) and 0.25 ETH (exit 1).
    const kState = new core.ChainState(K);
    const kctx: core.BlockContext = { chainId: K, domain: A.domain, depositRecord: core.childDepositRecords(A.state.ledger, K), parentChainId: A.chainId };
    const kb = new core.BlockBuilder({ parent: null, state: kState, ctx: kctx, timestamp: a3.header.timestamp });
    kb.addDeposit({ chainId: K, nonce: 1n, from: lower(alice.address), to: lower(alice.address), token: ETH, amount: parseEther('3') });
    for (const [amount, nonce] of [[parseEther('0.5'), 0n], [parseEther('0.25'), 1n]] as const) {
      kb.addSignedTx(this.signTx(alice, { kind: core.TxKind.Withdraw, chainId: K, slot: 0, to: lower(alice.address), token: ETH, amount, nonce }));
    }
    this.kBlock1 = kb.seal();
    Object.assign(this, { kState, kctx });
    assert.equal(this.kBlock1.exits.length, 2);
    // K's block 2, a lie K's validator signs: one exit of 100 ETH to alice, from nothing.
    const mint: core.Exit = { recipient: lower(alice.address), token: ETH, amount: parseEther('100') };
    const k2Header: core.Header = {
      ...this.kBlock1.header, number: 2n, parentHash: core.hashHeader(this.kBlock1.header), txRoot: core.bytesToHex(core.computeTxRoot([], [])),
      exitRoot: core.bytesToHex(core.computeExitRoot([mint])),
    };
    const a4 = await this.commitA((b) => {
      b.addSignedTx(this.commitChildTx(K, this.kBlock1.header));
      b.addSignedTx(this.commitChildTx(K, k2Header));
    });
    this.kWindowEnd = a4.header.timestamp + K_WINDOW;
    this.kBlock2 = { header: k2Header, exit: mint, proof: core.exitProof({ header: k2Header, hash: core.hashHeader(k2Header), txs: [], postRoots: [], exits: [mint] }, 0) };

    // Past K's window: exit 0 paid on A, K2 (silent since its spawn) frozen.
    await this.increaseTime(K_WINDOW + 10n);
    await this.commitA((b) => {
      b.addSignedTx(this.finalizeTx(0));
      b.addSignedTx({ kind: core.TxKind.FreezeStalledChild, chainId: A.chainId, child: K2 });
    });
    assert.equal(A.state.ledger.isWithdrawn(K, 1n, 0), true);
    assert.equal(A.state.ledger.childStatus(K2).status, core.ChainStatus.FrozenStalled);
    assert.equal(A.state.ledger.subtreeBalance(K, ETH), parseEther('2.5'));
  }
}
