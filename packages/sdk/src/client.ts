import { getAddress, Signature, type Provider, type Signer, type TransactionReceipt, type TransactionResponse, type Contract } from 'ethers';
import { PlasmaError, TxKind, NATIVE_TOKEN, type Address, type ChainId, type Hex, type UserSignedTx } from '@plasma-tree/core';
import { NodeClient, type AccountInfo, type ChainInfo, type Receipt, type ReceiptStatus, type WithdrawalProof } from './node-client.js';
import { typedDataFor, type UnsignedTx } from './protocol.js';
import { erc20, mapL1Error, plasmaRoot, plasmaRootInterface, readL1Time, readTokenInfo, type TokenInfo } from './l1.js';
import { bareMessage, hintFor, plasmaError } from './errors.js';

export interface PlasmaClientOptions {
  /** An ethers Signer connected to a provider (for writes), or a Provider for a read-only client. */
  l1: Signer | Provider;
  /** Address of the PlasmaRoot contract on L1. */
  rootContract: string;
  /** The 32-byte id of the child chain. */
  chainId: ChainId;
  /** JSON-RPC URL of a node of that chain. */
  nodeUrl?: string;
  /** Or a ready NodeClient. */
  node?: NodeClient;
  /** The account to read for a read-only client (a Signer brings its own). */
  account?: string;
  /** Poll interval of every wait, ms (default 1000). */
  pollMs?: number;
}

export interface WaitOptions {
  signal?: AbortSignal;
  /** Give up after this many ms (default: never for windows, 120 s for receipts and deposits). */
  timeoutMs?: number;
  pollMs?: number;
}

export interface DepositResult {
  l1TxHash: Hex;
  l1BlockNumber: number;
  chainId: ChainId;
  /** The parent's deposit nonce for this chain (docs/SPEC.md "Deposits"). */
  nonce: bigint;
  from: Address;
  to: Address;
  token: Address;
  amount: bigint;
  /** L1 transaction hash of the ERC-20 approval, when one was needed. */
  approveTxHash?: Hex;
}

export interface TxResult {
  /** The transaction hash on the child chain (its EIP-712 digest). */
  hash: Hex;
  kind: 'transfer' | 'withdraw';
  chainId: ChainId;
  from: Address;
  slot: number;
  to: Address;
  token: Address;
  amount: bigint;
  nonce: bigint;
  signature: Hex;
}

export type WithdrawalState = 'pending' | 'included' | 'committed' | 'challenge-window' | 'finalizable' | 'finalized';

export interface WithdrawalStatus {
  state: WithdrawalState;
  txHash: Hex;
  blockNumber: number | null;
  /** L1 timestamp (s) at which the challenge window ends; null until the block is committed. */
  windowEnd: number | null;
  /** Seconds of the window left by L1 time; 0 once it ended; null until committed. */
  secondsLeft: number | null;
  /** The L1 time (s) this status was computed at. */
  l1Time: number;
}

export interface FinalizeResult {
  l1TxHash: Hex;
  l1BlockNumber: number;
  gasUsed: bigint;
  recipient: Address;
  token: Address;
  amount: bigint;
}

/** What the root contract stores about this chain (`PlasmaRoot.chainInfo`). */
export interface ParentChainState {
  index: number;
  spawner: Address;
  bond: bigint;
  threshold: number;
  challengeWindow: number;
  validators: Address[];
  /** Last committed block number (0 = none). */
  headNumber: number;
  headWindowEnd: number;
  headDepositNonce: number;
  /** Deposits made on L1 so far (= nonce of the last one). */
  depositCount: number;
}

/** A block commitment found on L1 (`Committed` event). */
export interface Commitment {
  number: number;
  blockHash: Hex;
  windowEnd: number;
  l1BlockNumber: number;
  l1TxHash: Hex;
}

export type { TokenInfo };

/** Errors worth retrying during a long wait. */
const TRANSIENT = new Set(['NODE_UNREACHABLE', 'NODE_TIMEOUT', 'NODE_HTTP_ERROR', 'L1_UNREACHABLE', 'L1_ERROR', 'NODE_CLOSING']);

const STATUS_RANK: Record<ReceiptStatus, number> = { pending: 0, included: 1, committed: 2, rejected: -1 };

function rejected(r: Receipt): PlasmaError {
  const code = r.reason ?? 'TX_REJECTED';
  return plasmaError(code, `transaction ${r.txHash} was rejected by the block producer${r.message ? `: ${r.message}` : ''}`, { txHash: r.txHash, rejected: true }, undefined,
    hintFor(code, 'check the balance and nonce, then send it again'));
}

const lower = (a: string): Address => getAddress(a).toLowerCase() as Address;

function checkAddress(a: string, what: string): Address {
  try {
    return lower(a);
  } catch {
    throw plasmaError('INVALID_ADDRESS', `${what} is not a valid address: ${JSON.stringify(a)}`, { value: a }, undefined, 'pass a 0x-prefixed 20-byte hex address');
  }
}

function checkAmount(amount: bigint): bigint {
  if (typeof amount !== 'bigint') {
    throw plasmaError('INVALID_AMOUNT', `amounts are bigint in base units, got ${typeof amount}`, {}, undefined, 'use parseEther("1.5") / parseUnits(x, decimals) from ethers');
  }
  if (amount <= 0n) throw plasmaError('INVALID_AMOUNT', `the amount must be positive, got ${amount}`, { amount: amount.toString() }, undefined, 'pass an amount > 0');
  return amount;
}

/** Resolves after `ms`, or rejects with PlasmaError ABORTED when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(aborted(signal));
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(aborted(signal!));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function aborted(signal: AbortSignal): PlasmaError {
  return plasmaError('ABORTED', 'the wait was aborted', { reason: String(signal.reason ?? '') }, signal.reason, 'nothing was lost: run the command again to go on waiting');
}

/**
 * The client a token holder uses: deposits on L1, transfers and withdrawals on the child chain (signed as
 * EIP-712 typed data by any ethers signer, so wallets can sign them), waiting for a challenge window, and
 * finalizing withdrawals on L1. Every failure is a `PlasmaError` with a code and a hint.
 */
export class PlasmaClient {
  readonly node: NodeClient;
  readonly chainId: ChainId;
  readonly rootContract: Address;
  readonly signer: Signer | null;
  readonly provider: Provider;
  readonly pollMs: number;
  private readonly fixedAccount: Address | null;
  private l1ChainIdP?: Promise<bigint>;
  private checkedNode?: Promise<ChainInfo>;
  private tokenCache = new Map<string, Promise<TokenInfo>>();

  constructor(opts: PlasmaClientOptions) {
    if (!opts.node && !opts.nodeUrl) throw plasmaError('INVALID_OPTIONS', 'PlasmaClient needs `nodeUrl` (or `node`)', {}, undefined, 'pass the JSON-RPC URL of a node of the chain');
    this.node = opts.node ?? new NodeClient(opts.nodeUrl!);
    this.rootContract = checkAddress(opts.rootContract, 'rootContract');
    if (!/^0x[0-9a-fA-F]{64}$/.test(opts.chainId)) {
      throw plasmaError('INVALID_CHAIN_ID', `a chain id is 32 bytes of hex, got ${JSON.stringify(opts.chainId)}`, { chainId: opts.chainId }, undefined, 'see `plasma-tree status` or devnet.json for the chain ids');
    }
    this.chainId = opts.chainId.toLowerCase() as ChainId;
    const l1 = opts.l1 as any;
    const isSigner = typeof l1?.signTypedData === 'function' && typeof l1?.getAddress === 'function';
    this.signer = isSigner ? (l1 as Signer) : null;
    const provider = isSigner ? (l1 as Signer).provider : (l1 as Provider);
    if (!provider) throw plasmaError('INVALID_OPTIONS', 'the L1 signer is not connected to a provider', {}, undefined, 'use `wallet.connect(new JsonRpcProvider(url))`');
    this.provider = provider;
    this.fixedAccount = opts.account ? checkAddress(opts.account, 'account') : null;
    this.pollMs = opts.pollMs ?? 1000;
  }

  // ---------------------------------------------------------------- basics

  /** The account this client acts for (lowercase). */
  async address(): Promise<Address> {
    if (this.signer) return lower(await this.signer.getAddress());
    if (this.fixedAccount) return this.fixedAccount;
    throw plasmaError('NO_ACCOUNT', 'this client has no signer and no account', {}, undefined, 'pass an ethers Signer as `l1`, or `account` for a read-only client');
  }

  private requireSigner(action: string): Signer {
    if (!this.signer) throw plasmaError('NO_SIGNER', `${action} needs a signer, this client is read-only`, {}, undefined, 'create the client with an ethers Signer as `l1` (CLI: --account <name> or PLASMA_TREE_PRIVATE_KEY)');
    return this.signer;
  }

  async l1ChainId(): Promise<bigint> {
    this.l1ChainIdP ??= this.provider.getNetwork().then((n) => n.chainId).catch((e) => {
      this.l1ChainIdP = undefined;
      throw mapL1Error(e, 'reading the L1 chain id');
    });
    return this.l1ChainIdP;
  }

  /** `pt_chainInfo` of the node. */
  chainInfo(): Promise<ChainInfo> {
    return this.node.chainInfo();
  }

  /**
   * Checks once that the node serves this chain under this root contract on this L1; a mismatch would make
   * every signature worthless, so it is an error (WRONG_NODE) before anything is signed.
   */
  async checkNode(): Promise<ChainInfo> {
    this.checkedNode ??= (async () => {
      const [info, l1ChainId] = await Promise.all([this.node.chainInfo(), this.l1ChainId()]);
      const problems: string[] = [];
      if (info.chainId.toLowerCase() !== this.chainId) problems.push(`it serves chain ${info.chainId}, not ${this.chainId}`);
      if (info.rootContract && info.rootContract.toLowerCase() !== this.rootContract) problems.push(`its root contract is ${info.rootContract}, not ${this.rootContract}`);
      if (info.l1ChainId && BigInt(info.l1ChainId) !== l1ChainId) problems.push(`it follows L1 chain ${info.l1ChainId}, the L1 provider is on ${l1ChainId}`);
      if (problems.length) {
        throw plasmaError('WRONG_NODE', `the node at ${this.node.url} does not match this client: ${problems.join('; ')}`, { nodeUrl: this.node.url, ...info } as any, undefined,
          'point --node / nodeUrl at a node of this chain, or fix --chain / --root / --l1');
      }
      return info;
    })().catch((e) => {
      this.checkedNode = undefined;
      throw e;
    });
    return this.checkedNode;
  }

  /** Symbol and decimals of a token (`address(0)` is ETH). */
  async tokenInfo(token: string): Promise<TokenInfo> {
    const address = checkAddress(token, 'token');
    let p = this.tokenCache.get(address);
    if (!p) {
      p = readTokenInfo(this.provider, address);
      this.tokenCache.set(address, p);
    }
    return p;
  }

  /** This chain as the root contract sees it: validators, threshold, window, committed head, deposit count. */
  async parentChainState(): Promise<ParentChainState> {
    const root = plasmaRoot(this.rootContract, this.provider);
    try {
      const [i, validators] = await Promise.all([root.chainInfo(this.chainId), root.validators(this.chainId)]);
      return {
        index: Number(i.index),
        spawner: lower(i.spawner),
        bond: BigInt(i.bond),
        threshold: Number(i.threshold),
        challengeWindow: Number(i.challengeWindow),
        validators: (validators as string[]).map(lower),
        headNumber: Number(i.headNumber),
        headWindowEnd: Number(i.headWindowEnd),
        headDepositNonce: Number(i.headDepositNonce),
        depositCount: Number(i.depositCount),
      };
    } catch (e) {
      throw mapL1Error(e, 'reading the chain from the root contract');
    }
  }

  /** Commitments of this chain on L1, newest last (`Committed` events of the last `lookbackBlocks` L1 blocks). */
  async commitments(opts: { lookbackBlocks?: number } = {}): Promise<Commitment[]> {
    const root = plasmaRoot(this.rootContract, this.provider);
    try {
      const latest = await this.provider.getBlockNumber();
      const fromBlock = Math.max(0, latest - (opts.lookbackBlocks ?? 10_000));
      const logs = await root.queryFilter(root.filters.Committed(this.chainId), fromBlock, latest);
      return logs.map((log) => {
        const args = (log as any).args;
        return {
          number: Number(args.number),
          blockHash: args.blockHash as Hex,
          windowEnd: Number(args.windowEnd),
          l1BlockNumber: log.blockNumber,
          l1TxHash: log.transactionHash as Hex,
        };
      });
    } catch (e) {
      throw mapL1Error(e, 'reading commitments from L1');
    }
  }

  /** Committed blocks whose challenge window is still open, with the seconds left by L1 time. */
  async openWindows(opts: { lookbackBlocks?: number } = {}): Promise<Array<Commitment & { secondsLeft: number }>> {
    const [all, now] = await Promise.all([this.commitments(opts), this.l1Time()]);
    return all.filter((c) => c.windowEnd > now).map((c) => ({ ...c, secondsLeft: c.windowEnd - now }));
  }

  // ---------------------------------------------------------------- balances

  /** Balance on the child chain (head state of the node). */
  async balance(token: string = NATIVE_TOKEN, owner?: string): Promise<bigint> {
    const who = owner ? checkAddress(owner, 'owner') : await this.address();
    return this.node.getBalance(who, checkAddress(token, 'token'));
  }

  /** The child-chain account of (owner, token): slot, balance, nonce, pending nonce. */
  async account(token: string = NATIVE_TOKEN, owner?: string): Promise<AccountInfo> {
    const who = owner ? checkAddress(owner, 'owner') : await this.address();
    return this.node.getAccount(who, checkAddress(token, 'token'));
  }

  /** Balance on L1 (ETH or an ERC-20). */
  async l1Balance(token: string = NATIVE_TOKEN, owner?: string): Promise<bigint> {
    const who = owner ? checkAddress(owner, 'owner') : await this.address();
    const t = checkAddress(token, 'token');
    try {
      if (t === NATIVE_TOKEN) return await this.provider.getBalance(who);
      return BigInt(await erc20(t, this.provider).balanceOf(who));
    } catch (e) {
      throw mapL1Error(e, 'reading the L1 balance');
    }
  }

  /** What the root contract holds for this chain's whole subtree in `token` (the cap on all its exits). */
  async subtreeBalance(token: string = NATIVE_TOKEN): Promise<bigint> {
    try {
      return BigInt(await plasmaRoot(this.rootContract, this.provider).subtreeBalance(this.chainId, checkAddress(token, 'token')));
    } catch (e) {
      throw mapL1Error(e, 'reading the subtree balance');
    }
  }

  // ---------------------------------------------------------------- deposits (L1 → child)

  /** Deposits ETH from the signer's L1 account to `to` (default: itself) on the child chain. */
  async depositETH(amount: bigint, opts: { to?: string } = {}): Promise<DepositResult> {
    const signer = this.requireSigner('depositETH');
    checkAmount(amount);
    const from = await this.address();
    const to = opts.to ? checkAddress(opts.to, 'to') : from;
    const root = plasmaRoot(this.rootContract, signer);
    const tx = await this.send(() => root.depositETH(this.chainId, to, { value: amount }), 'depositETH');
    return this.depositResult(tx, { from, to, token: NATIVE_TOKEN, amount });
  }

  /** Deposits an ERC-20; sends an `approve` first when the allowance is too low. */
  async depositERC20(token: string, amount: bigint, opts: { to?: string } = {}): Promise<DepositResult> {
    const signer = this.requireSigner('depositERC20');
    checkAmount(amount);
    const t = checkAddress(token, 'token');
    if (t === NATIVE_TOKEN) return this.depositETH(amount, opts);
    const from = await this.address();
    const to = opts.to ? checkAddress(opts.to, 'to') : from;
    const erc = erc20(t, signer);
    let approveTxHash: Hex | undefined;
    let allowance: bigint;
    try {
      allowance = BigInt(await erc.allowance(from, this.rootContract));
    } catch (e) {
      throw mapL1Error(e, `reading the allowance of ${t}`);
    }
    if (allowance < amount) {
      const approve = await this.send(() => erc.approve(this.rootContract, amount), 'approve');
      approveTxHash = approve.hash as Hex;
    }
    const root = plasmaRoot(this.rootContract, signer);
    const tx = await this.send(() => root.depositERC20(this.chainId, t, to, amount), 'depositERC20');
    return { ...(await this.depositResult(tx, { from, to, token: t, amount })), ...(approveTxHash ? { approveTxHash } : {}) };
  }

  /** Deposit of `token` (`address(0)` = ETH), dispatching to depositETH / depositERC20. */
  deposit(token: string, amount: bigint, opts: { to?: string } = {}): Promise<DepositResult> {
    return checkAddress(token, 'token') === NATIVE_TOKEN ? this.depositETH(amount, opts) : this.depositERC20(token, amount, opts);
  }

  /**
   * Waits until the child chain has applied the deposit (its head's deposit nonce reached the deposit's).
   * Returns the child's chain info at that point.
   */
  async waitForDeposit(deposit: DepositResult | bigint, opts: WaitOptions & { onProgress?: (info: { depositNonce: number; target: bigint; elapsedMs: number }) => void } = {}): Promise<ChainInfo> {
    const target = typeof deposit === 'bigint' ? deposit : deposit.nonce;
    const start = Date.now();
    const timeoutMs = opts.timeoutMs ?? 120_000;
    for (;;) {
      const info = await this.node.chainInfo();
      opts.onProgress?.({ depositNonce: info.depositNonce, target, elapsedMs: Date.now() - start });
      if (BigInt(info.depositNonce) >= target) return info;
      if (Date.now() - start > timeoutMs) {
        throw plasmaError('TIMEOUT', `the child chain has not applied deposit #${target} after ${Math.round(timeoutMs / 1000)} s (it is at #${info.depositNonce})`, { depositNonce: info.depositNonce, target: target.toString() }, undefined,
          'the node applies a deposit after its L1 confirmations; is the node following L1 (see its log)?');
      }
      await sleep(opts.pollMs ?? Math.min(this.pollMs, 500), opts.signal);
    }
  }

  // ---------------------------------------------------------------- child-chain transactions

  /** Signs (EIP-712, with the ethers signer) and submits a transfer on the child chain. */
  async transfer(args: { to: string; token?: string; amount: bigint }): Promise<TxResult> {
    const to = checkAddress(args.to, 'to');
    const from = await this.address();
    if (to === from) throw plasmaError('SELF_TRANSFER', 'a transfer to yourself changes nothing', { to }, undefined, 'pass another recipient with --to');
    return this.signAndSend(TxKind.Transfer, to, args.token ?? NATIVE_TOKEN, args.amount);
  }

  /** Signs and submits a withdrawal: burns on the child chain, creates an exit paid on L1 to `to` (default: itself). */
  async withdraw(args: { token?: string; amount: bigint; to?: string }): Promise<TxResult> {
    const to = args.to ? checkAddress(args.to, 'to') : await this.address();
    return this.signAndSend(TxKind.Withdraw, to, args.token ?? NATIVE_TOKEN, args.amount);
  }

  /** Signs a transaction without sending it (EIP-712 typed data, `signer.signTypedData`). */
  async signTx(tx: UnsignedTx): Promise<UserSignedTx> {
    const signer = this.requireSigner('signing');
    const { domain, types, message } = typedDataFor(await this.l1ChainId(), this.rootContract, tx);
    let sig: string;
    try {
      sig = await signer.signTypedData(domain, types, message);
    } catch (e) {
      throw mapL1Error(e, 'signing the transaction');
    }
    // Canonical 65-byte r ‖ s ‖ v with v ∈ {27, 28} and low s, whatever the wallet returned.
    return { ...tx, signature: Signature.from(sig).serialized as Hex };
  }

  private async signAndSend(kind: TxKind.Transfer | TxKind.Withdraw, to: Address, token: string, amount: bigint): Promise<TxResult> {
    this.requireSigner(kind === TxKind.Transfer ? 'transfer' : 'withdraw');
    checkAmount(amount);
    const t = checkAddress(token, 'token');
    const from = await this.address();
    const [, account] = await Promise.all([this.checkNode(), this.node.getAccount(from, t)]);
    const { symbol } = await this.tokenInfo(t).catch(() => ({ symbol: t }));
    if (account.slot === null) {
      throw plasmaError('UNKNOWN_ACCOUNT', `${from} holds no ${symbol} on chain ${this.chainId}`, { owner: from, token: t }, undefined,
        'deposit first (`plasma-tree deposit`), or wait until the node applied your deposit');
    }
    if (account.balance < amount) {
      throw plasmaError('INSUFFICIENT_BALANCE', `balance ${account.balance} ${symbol} is less than the amount ${amount}`, { balance: account.balance.toString(), amount: amount.toString(), token: t }, undefined,
        'check with `plasma-tree balance`, or deposit more with `plasma-tree deposit`');
    }
    const unsigned: UnsignedTx = { kind, chainId: this.chainId, slot: account.slot, to, token: t, amount, nonce: account.pendingNonce };
    const signed = await this.signTx(unsigned);
    const { hash } = await this.node.sendTransaction(signed);
    return { hash, kind: kind === TxKind.Transfer ? 'transfer' : 'withdraw', chainId: this.chainId, from, slot: account.slot, to, token: t, amount, nonce: account.pendingNonce, signature: signed.signature };
  }

  /** Receipt of a child-chain transaction, or null when the node does not know it. */
  getReceipt(txHash: Hex): Promise<Receipt | null> {
    return this.node.getReceipt(txHash);
  }

  /** Waits until the transaction reached `status` ('included' by default, or 'committed' on L1). */
  async waitForReceipt(txHash: Hex, status: ReceiptStatus = 'included', opts: WaitOptions & { onProgress?: (r: Receipt | null) => void } = {}): Promise<Receipt> {
    const start = Date.now();
    const timeoutMs = opts.timeoutMs ?? 120_000;
    for (;;) {
      const r = await this.node.getReceipt(txHash);
      opts.onProgress?.(r);
      if (r?.status === 'rejected') throw rejected(r);
      if (r && STATUS_RANK[r.status] >= STATUS_RANK[status]) return r;
      if (Date.now() - start > timeoutMs) {
        throw plasmaError('TIMEOUT', `transaction ${txHash} is ${r ? r.status : 'unknown to the node'} after ${Math.round(timeoutMs / 1000)} s, not ${status}`, { txHash, status: r?.status ?? null }, undefined,
          r ? 'check the node: is it producing and committing blocks?' : 'the node dropped it or never saw it: check the hash, or send it again');
      }
      await sleep(opts.pollMs ?? Math.min(this.pollMs, 250), opts.signal);
    }
  }

  // ---------------------------------------------------------------- withdrawals (child → L1)

  /**
   * The current L1 time in seconds: the timestamp of the pending block where the node offers one (that is the
   * time a transaction sent now executes at, and it moves on even when no block is mined), else the latest.
   */
  async l1Time(): Promise<number> {
    return readL1Time(this.provider);
  }

  /** Where a withdrawal stands: pending → included → committed → challenge-window → finalizable → finalized. */
  async withdrawalStatus(txHash: Hex): Promise<WithdrawalStatus> {
    const receipt = await this.node.getReceipt(txHash);
    if (!receipt) {
      throw plasmaError('UNKNOWN_TX', `the node at ${this.node.url} does not know transaction ${txHash}`, { txHash }, undefined,
        'check the hash (it is printed by `plasma-tree withdraw`), and that --node points at a node of the right chain');
    }
    if (receipt.status === 'rejected') throw rejected(receipt);
    const base = { txHash, blockNumber: receipt.blockNumber, windowEnd: receipt.windowEnd };
    if (receipt.status !== 'pending' && receipt.exitIndex === null) {
      throw plasmaError('NOT_A_WITHDRAWAL', `transaction ${txHash} is not a withdrawal (it has no exit)`, { txHash });
    }
    if (receipt.status === 'pending' || receipt.status === 'included') {
      return { ...base, state: receipt.status, secondsLeft: null, l1Time: await this.l1Time() };
    }
    const l1Time = await this.l1Time();
    if (receipt.windowEnd === null) return { ...base, state: 'committed', secondsLeft: null, l1Time };
    if (l1Time < receipt.windowEnd) return { ...base, state: 'challenge-window', secondsLeft: receipt.windowEnd - l1Time, l1Time };
    // The window has ended by L1 time: has the exit been paid out already?
    let withdrawn: boolean;
    try {
      withdrawn = await plasmaRoot(this.rootContract, this.provider).isWithdrawn(this.chainId, receipt.blockNumber, receipt.exitIndex);
    } catch (e) {
      throw mapL1Error(e, 'reading the withdrawal state on L1');
    }
    return { ...base, state: withdrawn ? 'finalized' : 'finalizable', secondsLeft: 0, l1Time };
  }

  /**
   * Waits until the withdrawal can be finalized (or already was), reporting each poll to `onProgress`
   * (state, seconds left by L1 time). Abort with `signal`.
   */
  async waitForWindow(
    txHash: Hex,
    opts: WaitOptions & { onProgress?: (s: WithdrawalStatus) => void; onRetry?: (e: PlasmaError, attempt: number) => void } = {},
  ): Promise<WithdrawalStatus> {
    const start = Date.now();
    let failures = 0;
    for (;;) {
      let s: WithdrawalStatus;
      try {
        s = await this.withdrawalStatus(txHash);
        failures = 0;
      } catch (e) {
        // A window can last days: ride out a node or L1 that is briefly away (10 polls in a row at most).
        if (!(e instanceof PlasmaError) || !TRANSIENT.has(e.code) || ++failures > 10) throw e;
        opts.onRetry?.(e, failures);
        await sleep(opts.pollMs ?? this.pollMs, opts.signal);
        continue;
      }
      opts.onProgress?.(s);
      if (s.state === 'finalizable' || s.state === 'finalized') return s;
      if (opts.timeoutMs !== undefined && Date.now() - start > opts.timeoutMs) {
        throw plasmaError('TIMEOUT', `withdrawal ${txHash} is still ${s.state} after ${Math.round(opts.timeoutMs / 1000)} s`, { ...s }, undefined,
          s.secondsLeft ? `the window ends in ${s.secondsLeft} s; wait again with \`plasma-tree finalize ${txHash} --wait\`` : 'check the node: is it committing blocks to L1?');
      }
      const pollMs = opts.pollMs ?? this.pollMs;
      await sleep(s.secondsLeft ? Math.min(pollMs, s.secondsLeft * 1000) : pollMs, opts.signal);
    }
  }

  /** The exit, its header, window end and Merkle proof, from the node. */
  async getWithdrawalProof(txHash: Hex): Promise<WithdrawalProof> {
    try {
      return await this.node.getWithdrawalProof(txHash);
    } catch (e) {
      if (e instanceof PlasmaError && e.code === 'WITHDRAWAL_NOT_COMMITTED') {
        throw plasmaError(e.code, bareMessage(e), e.data, e,
          `its block must be committed on L1 and its challenge window must pass: wait with \`plasma-tree finalize ${txHash} --wait\` (PlasmaClient.waitForWindow)`);
      }
      throw e;
    }
  }

  private finalizeCall(root: Contract, p: WithdrawalProof) {
    const h = p.header;
    const args = [
      p.chainId,
      [h.chainId, h.number, h.parentHash, h.txRoot, h.stateRoot, h.exitRoot, h.depositNonce, h.timestamp],
      BigInt(p.windowEnd),
      [p.exit.recipient, p.exit.token, p.exit.amount],
      BigInt(p.index),
      p.proof,
    ];
    const fn = root.getFunction('finalizeWithdrawal');
    return {
      // Dry run in the pending block: the context the real transaction will execute in (time included).
      staticCall: () => fn.staticCall(...args, { blockTag: 'pending' }),
      send: () => fn.send(...args) as Promise<TransactionResponse>,
    };
  }

  /**
   * Pays a withdrawal out on L1. Checks the challenge window first: while it is open this throws
   * CHALLENGE_WINDOW_OPEN (data: windowEnd, secondsLeft) instead of sending a transaction that must fail.
   * Contract errors come back as PlasmaErrors (ALREADY_WITHDRAWN, SUBTREE_BALANCE_EXCEEDED, …).
   */
  async finalizeWithdrawal(txHashOrProof: Hex | WithdrawalProof): Promise<FinalizeResult> {
    const signer = this.requireSigner('finalizeWithdrawal');
    const proof = typeof txHashOrProof === 'string' ? await this.getWithdrawalProof(txHashOrProof) : txHashOrProof;
    const l1Time = await this.l1Time();
    const root = plasmaRoot(this.rootContract, signer);
    const call = this.finalizeCall(root, proof);
    const windowOpen = (secondsLeft: number) =>
      plasmaError('CHALLENGE_WINDOW_OPEN', `the challenge window of block ${proof.blockNumber} is open for ${secondsLeft} more s (ends at L1 time ${proof.windowEnd})`,
        { windowEnd: proof.windowEnd, secondsLeft, blockNumber: proof.blockNumber }, undefined,
        typeof txHashOrProof === 'string' ? `wait and finalize then: \`plasma-tree finalize ${txHashOrProof} --wait\`` : 'wait for the window to end (PlasmaClient.waitForWindow), then finalize');
    if (l1Time < proof.windowEnd) throw windowOpen(proof.windowEnd - l1Time);
    try {
      await call.staticCall();
    } catch (e) {
      const err = mapL1Error(e, 'finalizeWithdrawal');
      if (err.code === 'CHALLENGE_WINDOW_OPEN' || err.code === 'WINDOW_OPEN') throw windowOpen(Math.max(1, proof.windowEnd - l1Time));
      throw err;
    }
    const tx = await this.send(() => call.send(), 'finalizeWithdrawal');
    const receipt = await this.waitL1(tx, 'finalizeWithdrawal');
    return {
      l1TxHash: tx.hash as Hex,
      l1BlockNumber: receipt.blockNumber,
      gasUsed: receipt.gasUsed,
      recipient: proof.exit.recipient,
      token: proof.exit.token,
      amount: proof.exit.amount,
    };
  }

  // ---------------------------------------------------------------- L1 plumbing

  private async send(fn: () => Promise<TransactionResponse>, action: string): Promise<TransactionResponse> {
    try {
      return await fn();
    } catch (e) {
      throw mapL1Error(e, action);
    }
  }

  /** Waits for an L1 transaction by polling its receipt (fast on local chains, no 4 s event polling). */
  private async waitL1(tx: TransactionResponse, action: string, timeoutMs = 300_000): Promise<TransactionReceipt> {
    const start = Date.now();
    for (;;) {
      let r: TransactionReceipt | null;
      try {
        r = await this.provider.getTransactionReceipt(tx.hash);
      } catch (e) {
        throw mapL1Error(e, action);
      }
      if (r) {
        if (r.status === 0) throw plasmaError('L1_REVERT', `${action} reverted on L1 (tx ${tx.hash})`, { l1TxHash: tx.hash }, undefined, 'inspect the transaction on L1; the dry run passed, so the state changed in between');
        return r;
      }
      if (Date.now() - start > timeoutMs) throw plasmaError('TIMEOUT', `${action}: L1 transaction ${tx.hash} not mined after ${timeoutMs / 1000} s`, { l1TxHash: tx.hash });
      await sleep(Math.min(this.pollMs, 250));
    }
  }

  private async depositResult(tx: TransactionResponse, d: { from: Address; to: Address; token: Address; amount: bigint }): Promise<DepositResult> {
    const receipt = await this.waitL1(tx, 'deposit');
    const iface = plasmaRootInterface();
    let nonce: bigint | undefined;
    for (const log of receipt.logs) {
      if (log.address.toLowerCase() !== this.rootContract) continue;
      try {
        const parsed = iface.parseLog(log);
        if (parsed?.name === 'Deposited') {
          const args = parsed.args as any;
          nonce = BigInt(args.nonce ?? args.depositNonce ?? args[1]);
        }
      } catch { /* other event */ }
    }
    if (nonce === undefined) throw plasmaError('BAD_RESPONSE', `deposit ${tx.hash} emitted no Deposited event`, { l1TxHash: tx.hash }, undefined, 'is rootContract the PlasmaRoot contract?');
    return { l1TxHash: tx.hash as Hex, l1BlockNumber: receipt.blockNumber, chainId: this.chainId, nonce, ...d };
  }
}

export interface SpawnChainArgs {
  validators: string[];
  threshold: number;
  /** Seconds. */
  challengeWindow: number;
  /** Validator bond in wei (at least PlasmaRoot.MIN_BOND = 0.01 ETH). */
  bond: bigint;
}

export interface SpawnChainResult {
  chainId: ChainId;
  index: number;
  l1TxHash: Hex;
  validators: Address[];
  threshold: number;
  challengeWindow: number;
  bond: bigint;
}

/** Registers a new child chain of the root contract (`PlasmaRoot.spawnChain`); `signer` pays the bond. */
export async function spawnChain(signer: Signer, rootContract: string, args: SpawnChainArgs): Promise<SpawnChainResult> {
  const root = plasmaRoot(checkAddress(rootContract, 'rootContract'), signer);
  const validators = args.validators.map((v, i) => checkAddress(v, `validator ${i + 1}`));
  let receipt: TransactionReceipt | null;
  try {
    const tx: TransactionResponse = await root.spawnChain(validators, args.threshold, args.challengeWindow, { value: args.bond });
    receipt = await tx.wait();
  } catch (e) {
    throw mapL1Error(e, 'spawnChain');
  }
  if (!receipt || receipt.status !== 1) throw plasmaError('L1_REVERT', 'spawnChain reverted on L1', {});
  for (const log of receipt.logs) {
    try {
      const parsed = root.interface.parseLog(log);
      if (parsed?.name === 'ChainSpawned') {
        return {
          chainId: String(parsed.args.chainId).toLowerCase() as ChainId,
          index: Number(parsed.args.index),
          l1TxHash: receipt.hash as Hex,
          validators,
          threshold: args.threshold,
          challengeWindow: args.challengeWindow,
          bond: args.bond,
        };
      }
    } catch { /* another event */ }
  }
  throw plasmaError('BAD_RESPONSE', `spawnChain ${receipt.hash} emitted no ChainSpawned event`, {}, undefined, 'is rootContract the PlasmaRoot contract?');
}
