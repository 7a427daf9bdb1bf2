/**
 * A child chain of PlasmaRoot run by core (docs/FRAUD.md tests and gas): its state is a core ChainState, its blocks are
 * built with core's BlockBuilder (or forged from core types), its validators sign the Commitment with core and the
 * header is committed on a real PlasmaRoot; deposits are real L1 deposits whose records the chain reads.
 */
import * as core from '@plasma-tree/core';
import { Contract, type JsonRpcProvider, type Log, type LogDescription, type TransactionReceipt, type Wallet } from 'ethers';

export type Hex = core.Hex;

const lower = (s: string): Hex => s.toLowerCase() as Hex;

export interface ChildChainOptions {
  root: Contract;
  provider: JsonRpcProvider;
  /** The chain's validators, signing with their private keys (ethers Wallets). */
  validators: readonly Wallet[];
  threshold: number;
  window: bigint;
  bond: bigint;
  /** Set to spawn with spawnChainWithLimits. */
  stallLimit?: bigint;
  /** Who pays the bond. */
  spawner: Wallet;
}

export class ChildChain {
  /** The state after the last valid block committed (forged blocks never touch it). */
  readonly state: core.ChainState;
  /** Committed headers by number, and their windowEnds. */
  readonly headers = new Map<bigint, core.Header>();
  readonly windowEnds = new Map<bigint, bigint>();
  /** The parent's down stream as L1 recorded it: deposits, and down edge events (messages) under the same nonces. */
  readonly deposits = new Map<bigint, core.Deposit>();
  readonly edgeEvents = new Map<bigint, core.EdgeDownEvent>();
  /** The last valid block committed (the parent of the next one). */
  head: core.Header | null = null;
  readonly domain: core.Eip712Domain;

  private constructor(
    readonly chainId: core.ChainId,
    readonly opts: ChildChainOptions,
    rootAddress: string,
    l1ChainId: bigint,
  ) {
    this.state = new core.ChainState(chainId);
    this.domain = core.plasmaDomain(l1ChainId, lower(rootAddress));
  }

  static async spawn(opts: ChildChainOptions): Promise<ChildChain> {
    const root = opts.root.connect(opts.spawner) as Contract;
    const addresses = opts.validators.map((v) => v.address);
    const args = opts.stallLimit === undefined ? [addresses, opts.threshold, opts.window] : [addresses, opts.threshold, opts.window, opts.stallLimit];
    const fn = opts.stallLimit === undefined ? 'spawnChain' : 'spawnChainWithLimits';
    const chainId = (await root[fn].staticCall(...args, { value: opts.bond })) as string;
    await (await root[fn](...args, { value: opts.bond })).wait();
    const network = await opts.provider.getNetwork();
    return new ChildChain(lower(chainId), opts, await opts.root.getAddress(), network.chainId);
  }

  get ctx(): core.BlockContext {
    return {
      chainId: this.chainId,
      domain: this.domain,
      depositRecord: (nonce) => {
        if (this.deposits.has(nonce)) return core.hashDeposit(this.deposits.get(nonce)!);
        const event = this.edgeEvents.get(nonce);
        return event && core.edgeDownRecord({ ...event, child: this.chainId });
      },
    };
  }

  /** depositETH on L1 by `from` for `to`; the chain learns the record. */
  async deposit(from: Wallet, to: string, amount: bigint): Promise<core.Deposit> {
    const receipt = (await (await (this.opts.root.connect(from) as Contract).depositETH(this.chainId, to, { value: amount })).wait())!;
    const event = receipt.logs.map((l: Log) => this.opts.root.interface.parseLog(l)).find((e: LogDescription | null) => e?.name === 'Deposited')!;
    const deposit: core.Deposit = { chainId: this.chainId, nonce: event.args.nonce as bigint, from: lower(from.address), to: lower(to), token: core.NATIVE_TOKEN, amount };
    this.deposits.set(deposit.nonce, deposit);
    return deposit;
  }

  /** sendMessage on L1 by `from` to `target` on this chain; the chain learns the down edge event. */
  async sendMessage(from: Wallet, target: string, data: Hex): Promise<core.EdgeDownEvent> {
    const receipt = (await (await (this.opts.root.connect(from) as Contract).sendMessage(this.chainId, target, data)).wait())!;
    const event = receipt.logs.map((l: Log) => this.opts.root.interface.parseLog(l)).find((e: LogDescription | null) => e?.name === 'EdgeEventSent')!;
    const sent: core.EdgeDownEvent = { nonce: event.args.nonce as bigint, fn: lower(event.args.fn), sender: lower(from.address), payload: lower(event.args.payload) };
    this.edgeEvents.set(sent.nonce, sent);
    return sent;
  }

  /** A user's signed transfer or withdrawal on this chain, from slot `slot`. */
  sign(signer: Wallet, tx: Omit<core.SpendTx, 'chainId' | 'signature'>): core.SpendTx {
    const unsigned = { ...tx, chainId: this.chainId } as core.SpendTx;
    return { ...unsigned, signature: core.secp256k1Scheme.sign(core.signedTxDigest(this.domain, unsigned as core.UnsignedTx), signer.privateKey as Hex) };
  }

  /** The block form of a signed spend, placed on the current state (the signature is not checked). */
  place(tx: core.SpendTx, from: Wallet): core.BlockTx {
    return core.placeSignedTx(this.state, tx, this.ctx, lower(from.address));
  }

  /** A valid block on the current state at `timestamp`: `fill` adds its transactions. Applies it to the state. */
  build(timestamp: bigint, fill: (b: core.BlockBuilder) => void): core.Block {
    const b = new core.BlockBuilder({ parent: this.head, state: this.state, ctx: this.ctx, timestamp });
    try {
      fill(b);
    } catch (e) {
      b.abort();
      throw e;
    }
    return b.seal();
  }

  /** The next block's down-stream txs: every recorded deposit and down edge event after the head's depositNonce, in nonce order. */
  pendingDeposits(b: core.BlockBuilder): void {
    const nonces = [...this.deposits.keys(), ...this.edgeEvents.keys()].sort((x, y) => (x < y ? -1 : 1));
    for (const nonce of nonces) {
      if (nonce <= b.depositNonce) continue;
      const deposit = this.deposits.get(nonce);
      if (deposit) b.addDeposit(deposit);
      else b.addEdgeFromParent(this.edgeEvents.get(nonce)!);
    }
  }

  /**
   * A block with exactly these txs and post roots (forged: nothing is checked), the next one after the head unless
   * `over` says otherwise. The state root is the last post root (or the parent's), the exit root empty.
   */
  forge(txs: core.BlockTx[], postRoots: Hex[], over: Partial<core.Header> = {}): core.Block {
    const parent = this.head;
    const header: core.Header = {
      chainId: this.chainId,
      number: (parent?.number ?? 0n) + 1n,
      parentHash: parent === null ? core.ZERO_BYTES32 : core.hashHeader(parent),
      txRoot: core.bytesToHex(core.computeTxRoot(txs, postRoots)),
      stateRoot: postRoots[postRoots.length - 1] ?? parent?.stateRoot ?? core.EMPTY_STATE_ROOT,
      exitRoot: core.bytesToHex(core.computeExitRoot([])),
      depositNonce: parent?.depositNonce ?? 0n,
      timestamp: parent?.timestamp ?? 0n,
      ...over,
    };
    return { header, hash: core.hashHeader(header), txs, postRoots, exits: [] };
  }

  /** The validators' packed Commitment signatures of `header` (by signer ascending). */
  signatures(header: core.Header, signers: readonly Wallet[] = this.opts.validators.slice(0, this.opts.threshold)): Hex {
    const digest = core.commitmentDigest(this.domain, this.chainId, header.number, core.hashHeader(header));
    const sorted = [...signers].sort((x, y) => (BigInt(x.address) < BigInt(y.address) ? -1 : 1));
    return core.bytesToHex(core.concatBytes(...sorted.map((s) => core.hexToBytes(core.secp256k1Scheme.sign(digest, s.privateKey as Hex)))));
  }

  /**
   * Commits `block` on PlasmaRoot. A valid block (`valid`, default: built by {@link build}) becomes the head the next
   * block builds on; a forged one is committed but the local state stays at its parent.
   */
  async commit(block: core.Block, options: { valid?: boolean; signers?: readonly Wallet[] } = {}): Promise<bigint> {
    const receipt = (await (await this.opts.root.commit(this.chainId, block.header, this.signatures(block.header, options.signers))).wait())!;
    const event = receipt.logs.map((l: Log) => this.opts.root.interface.parseLog(l)).find((e: LogDescription | null) => e?.name === 'Committed')!;
    const windowEnd = event.args.windowEnd as bigint;
    this.headers.set(block.header.number, block.header);
    this.windowEnds.set(block.header.number, windowEnd);
    if (options.valid ?? true) this.head = block.header;
    return windowEnd;
  }

  /** The root's windowEnds of block `number` and of its parent (0 for block 1). */
  windows(number: bigint): core.ProofWindows {
    return { windowEnd: this.windowEnds.get(number) ?? 0n, prevWindowEnd: number <= 1n ? 0n : this.windowEnds.get(number - 1n)! };
  }

  /** Calldata of the PlasmaRoot call that submits `proof` (windows from the records). */
  calldata(proof: core.FraudProof, windows: core.ProofWindows = this.windows(proof.header.number)): Hex {
    return core.encodeFraudProofCall(this.chainId, proof, windows);
  }
}

/** Sends raw calldata to the root from `from`; resolves with the receipt (rejects on a revert, with its data). */
export async function sendCall(from: Wallet, to: string, data: string): Promise<TransactionReceipt> {
  const receipt = await (await from.sendTransaction({ to, data })).wait();
  if (!receipt) throw new Error('no receipt');
  return receipt;
}
