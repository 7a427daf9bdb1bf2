import { Contract, Interface, JsonRpcProvider, Network, Wallet, formatEther, isError, keccak256, type Log, type TransactionReceipt } from 'ethers';
import { loadArtifact, probeL1ChainId } from '@plasma-tree/contracts';
import { ZERO_BYTES32, encodeFraudProofCall, type Address, type ChainId, type FraudProof, type Hex } from '@plasma-tree/core';
import type { Host } from './host.js';
import { watcherError } from './errors.js';

/** An L1 block the watcher has seen: number, hash (reorg detection) and timestamp (the L1 clock). */
export interface L1Block {
  number: number;
  hash: Hex;
  timestamp: number;
}

/** The PlasmaRoot events the watcher acts on, in L1 order. */
export type RootEvent =
  | { type: 'Committed'; chainId: ChainId; number: number; blockHash: Hex; windowEnd: number; l1Block: number; l1BlockHash: Hex; l1TxHash: Hex }
  | { type: 'FraudProven'; chainId: ChainId; number: number; kind: number; challenger: Address; reward: bigint; l1Block: number; l1BlockHash: Hex; l1TxHash: Hex }
  | { type: 'ChainFrozen'; chainId: ChainId; status: number; l1Block: number; l1BlockHash: Hex; l1TxHash: Hex };

export interface RootChainInfo {
  parentChainId: ChainId;
  threshold: number;
  challengeWindow: number;
  headNumber: number;
  headWindowEnd: number;
  bond: bigint;
  depositCount: bigint;
}

/** What an objection transaction came to: mined (with its receipt) or reverted before it was sent (with the error). */
export type SendResult = { mined: true; txHash: Hex; l1Block: number; gasUsed: bigint } | { mined: false; txHash?: Hex; reason: string };

const lower = <T extends string>(v: string): T => v.toLowerCase() as T;
/** How long an objection may wait to be mined before the round gives up on it (the next round follows it up). */
const SEND_TIMEOUT_MS = 120_000;
/** Blocks per eth_getLogs (Hardhat and most providers accept far more; public endpoints often cap at 10k). */
const LOG_RANGE = 5_000;

/**
 * PlasmaRoot as the watcher reads it (ethers v6): events by chain, chain info and status, deposit records pinned to
 * a confirmed L1 block, and the objection transactions sent with the watcher's key.
 */
export class RootReader implements Host {
  readonly id = 'root' as const;
  readonly provider: JsonRpcProvider;
  readonly iface: Interface;
  private readonly contract: Contract;
  private readonly topics: { committed: string; proven: string; frozen: string; spawned: string };

  private constructor(readonly url: string, readonly address: Address, readonly l1ChainId: bigint, pollMs: number, private readonly wallet?: Wallet) {
    // staticNetwork: no eth_chainId before every call and no detection loop while the L1 is down; cacheTimeout -1:
    // every poll sees the L1 as it is now.
    this.provider = new JsonRpcProvider(url, undefined, { staticNetwork: Network.from(l1ChainId), cacheTimeout: -1, pollingInterval: pollMs });
    this.iface = new Interface(loadArtifact('PlasmaRoot').abi);
    this.contract = new Contract(address, this.iface, this.provider);
    this.wallet = wallet?.connect(this.provider);
    this.topics = {
      committed: this.iface.getEvent('Committed')!.topicHash,
      proven: this.iface.getEvent('FraudProven')!.topicHash,
      frozen: this.iface.getEvent('ChainFrozen')!.topicHash,
      spawned: this.iface.getEvent('ChainSpawned')!.topicHash,
    };
  }

  /** Asks eth_chainId first (probeL1ChainId), so that an unreachable L1 fails fast with a clear error. */
  static async connect(url: string, address: Address, opts: { pollMs: number; key?: Hex }, signal?: AbortSignal): Promise<RootReader> {
    const probe = await probeL1ChainId(url, signal);
    if (!probe.ok && probe.reason === 'unreachable') {
      throw watcherError('L1_UNREACHABLE', `cannot reach the L1 node at ${url}: ${probe.message}`, 'is the L1 node running and is --rpc right?', { url });
    }
    if (!probe.ok) {
      throw watcherError('L1_UNREACHABLE', `the L1 node at ${url} did not answer eth_chainId (${probe.message})`, 'check that --rpc is an Ethereum JSON-RPC endpoint', { url });
    }
    const reader = new RootReader(url, lower(address), probe.chainId, opts.pollMs, opts.key === undefined ? undefined : new Wallet(opts.key));
    if ((await reader.provider.getCode(address)) === '0x') {
      reader.destroy();
      throw watcherError('BAD_CONFIG', `no contract at ${address} on the L1 at ${url}`, 'pass the PlasmaRoot address of this L1 (--root)', { address });
    }
    return reader;
  }

  /** The watcher's own address (its objections come from it), if it has a key. */
  get sender(): Address | undefined {
    return this.wallet && lower<Address>(this.wallet.address);
  }

  destroy(): void {
    this.provider.destroy();
  }

  async block(tag: number | 'latest'): Promise<L1Block> {
    const b = await this.provider.getBlock(tag);
    if (!b || !b.hash) throw watcherError('L1_UNREACHABLE', `the L1 has no block ${tag}`, 'the L1 node may be syncing or have been reset');
    return { number: b.number, hash: lower(b.hash), timestamp: b.timestamp };
  }

  /** The chain's configuration and head, as of L1 block `blockTag` (default: the latest). */
  async chainInfo(chainId: ChainId, blockTag?: number): Promise<RootChainInfo> {
    let info;
    try {
      info = await this.contract.chainInfo(chainId, blockTag === undefined ? {} : { blockTag });
    } catch (e) {
      if ((e as { revert?: { name?: string } }).revert?.name === 'UnknownChain') {
        throw watcherError('UNKNOWN_CHAIN', `PlasmaRoot ${this.address} knows no chain ${chainId}`, 'phase 1 watches children of the root: pass a chain id spawned on this PlasmaRoot', { chainId });
      }
      throw e;
    }
    return {
      parentChainId: lower(info.parentChainId),
      threshold: Number(info.threshold),
      challengeWindow: Number(info.challengeWindow),
      headNumber: Number(info.headNumber),
      headWindowEnd: Number(info.headWindowEnd),
      bond: info.bond as bigint,
      depositCount: info.depositCount as bigint,
    };
  }

  async chainStatus(chainId: ChainId): Promise<number> {
    const [status] = (await this.contract.chainStatus(chainId)) as [bigint, bigint];
    return Number(status);
  }

  async stallLimit(chainId: ChainId): Promise<number> {
    return Number(await this.contract.stallLimit(chainId));
  }

  /** The L1 timestamp of the chain's spawn (its last activity before block 1). */
  async spawnTime(chainId: ChainId): Promise<number> {
    const [log] = await this.provider.getLogs({ address: this.address, topics: [this.topics.spawned, chainId], fromBlock: 0, toBlock: 'latest' });
    return log ? (await this.block(log.blockNumber)).timestamp : 0;
  }

  /** The root's record under `nonce` of the chain's down stream as of L1 block `blockTag`; undefined if none. */
  async depositRecord(chainId: ChainId, nonce: bigint, blockTag: number): Promise<Hex | undefined> {
    const record = lower<Hex>(await this.contract.depositRecord(chainId, nonce, { blockTag }));
    return record === ZERO_BYTES32 ? undefined : record;
  }

  /** Committed, FraudProven and ChainFrozen events of `chains` in L1 blocks [from, to], in L1 order. */
  async events(chains: readonly ChainId[], from: number, to: number): Promise<RootEvent[]> {
    const out: RootEvent[] = [];
    for (let start = from; start <= to; start += LOG_RANGE) {
      const logs = await this.provider.getLogs({
        address: this.address,
        topics: [[this.topics.committed, this.topics.proven, this.topics.frozen], [...chains]],
        fromBlock: start,
        toBlock: Math.min(to, start + LOG_RANGE - 1),
      });
      for (const log of logs) out.push(this.parse(log));
    }
    return out;
  }

  private parse(log: Log): RootEvent {
    const { args, name } = this.iface.parseLog(log)!;
    const at = { chainId: lower<ChainId>(args.chainId), l1Block: log.blockNumber, l1BlockHash: lower<Hex>(log.blockHash), l1TxHash: lower<Hex>(log.transactionHash) };
    if (name === 'Committed') return { type: 'Committed', ...at, number: Number(args.number), blockHash: lower(args.blockHash), windowEnd: Number(args.windowEnd) };
    if (name === 'FraudProven') return { type: 'FraudProven', ...at, number: Number(args.number), kind: Number(args.kind), challenger: lower(args.challenger), reward: args.reward as bigint };
    return { type: 'ChainFrozen', ...at, status: Number(args.status) };
  }

  sendProof(chainId: ChainId, proof: FraudProof, windows: { windowEnd: bigint; prevWindowEnd: bigint }, onSent?: SentHook): Promise<SendResult> {
    return this.send(encodeFraudProofCall(chainId, proof, windows), onSent);
  }

  freezeStalled(chainId: ChainId): Promise<SendResult> {
    return this.send(this.iface.encodeFunctionData('freezeStalled', [chainId]) as Hex);
  }

  /** `data` to PlasmaRoot from the watcher's key: see `sendTo`. */
  send(data: Hex, onSent?: SentHook): Promise<SendResult> {
    return this.sendTo({ to: this.address, data }, onSent);
  }

  /**
   * Sends a transaction from the watcher's key and waits for it to be mined. A call the contract refuses
   * (estimateGas reverts, or the mined tx reverted) comes back as `{ mined: false, reason }` with the custom error's
   * name, read with `errors` (PlasmaRoot's ABI by default): that is an answer, not a failure to retry. Network
   * errors throw (the caller retries).
   */
  sendTo(tx: { to: string; data: Hex; value?: bigint; errors?: Interface[] }, onSent?: SentHook): Promise<SendResult> {
    const wallet = this.wallet;
    if (!wallet) return Promise.reject(watcherError('BAD_CONFIG', 'the watcher has no key to send objections with', 'pass a key (WatcherOptions.key, --key)'));
    // One at a time: the chains' verifiers share the key, and concurrent sends would race for its nonce.
    const next = this.sending.then(() => this.sendNow(wallet, tx, tx.errors ?? [this.iface], onSent));
    this.sending = next.catch(() => {});
    return next;
  }

  private sending: Promise<unknown> = Promise.resolve();

  private async sendNow(wallet: Wallet, tx: { to: string; data: Hex; value?: bigint }, errors: Interface[], onSent?: SentHook): Promise<SendResult> {
    let signed: string;
    try {
      // estimateGas runs here: a refusal by the contract before anything is sent costs nothing.
      signed = await wallet.signTransaction(await wallet.populateTransaction({ to: tx.to, data: tx.data, value: tx.value ?? 0n }));
    } catch (e) {
      const reason = revertReason(e, errors);
      if (reason !== undefined) return { mined: false, reason };
      throw await this.unfundedOr(e);
    }
    // The hash is recorded before the broadcast: a tx that reverts on the way in (a node that mines at once and
    // answers the send with the revert, as Hardhat does) or a crash right after sending is still known and followed.
    const txHash = lower<Hex>(keccak256(signed));
    onSent?.(txHash);
    let receipt: TransactionReceipt | null;
    try {
      await this.provider.broadcastTransaction(signed);
      // Bounded: a tx dropped from the mempool must not hold the chain's lock for ever. On timeout the next round
      // looks the hash up and sends again if the L1 does not know it.
      receipt = await this.provider.waitForTransaction(txHash, 1, SEND_TIMEOUT_MS);
      if (receipt && receipt.status !== 1) return { mined: false, txHash, reason: await this.minedRevertReason(txHash, tx, errors) };
    } catch (e) {
      const reason = revertReason(e, errors);
      if (reason !== undefined) return { mined: false, txHash, reason };
      // Turned away at the door (no funds for gas, a stale nonce): the L1 does not know it, so nothing was sent.
      if (onSent && !(await this.knows(txHash))) onSent(null);
      throw await this.unfundedOr(e);
    }
    if (!receipt) throw watcherError('L1_UNREACHABLE', `objection ${txHash} was not mined within ${SEND_TIMEOUT_MS / 1000} s`, 'the next round looks it up and sends it again if the L1 dropped it');
    void this.keyBalance().catch(() => {});
    return { mined: true, txHash, l1Block: receipt.blockNumber, gasUsed: receipt.gasUsed };
  }

  /** The watcher key's L1 balance in wei when it was last read (at start, after each objection), for the status. */
  lastKeyBalance: bigint | undefined;

  /** Reads the watcher key's L1 balance in wei (undefined without a key). */
  async keyBalance(): Promise<bigint | undefined> {
    if (!this.wallet) return undefined;
    this.lastKeyBalance = await this.provider.getBalance(this.wallet.address);
    return this.lastKeyBalance;
  }

  /**
   * `e`, or KEY_UNFUNDED when the L1 turned the objection away for want of gas money: a failure that says what to do
   * (the caller retries every round, so funding the key is enough to resume).
   */
  private async unfundedOr(e: unknown): Promise<unknown> {
    const message = e instanceof Error ? e.message : String(e);
    if (!isError(e, 'INSUFFICIENT_FUNDS') && !/insufficient funds|enough funds/i.test(message)) return e;
    const address = lower<Address>(this.wallet!.address);
    const balance = await this.keyBalance().catch(() => undefined);
    return watcherError('KEY_UNFUNDED', `the watcher's key ${address} has ${balance === undefined ? 'too little' : `${formatEther(balance)} ETH`} on L1: not enough to pay an objection's gas`, `send ETH to ${address} on L1 (an objection costs up to ~500,000 gas); the watcher retries every round`, { address, balance: balance?.toString() ?? null });
  }

  /** Whether the L1 knows `txHash` (pending or mined); an L1 that does not answer counts as knowing it (the safe side). */
  private async knows(txHash: Hex): Promise<boolean> {
    try {
      return (await this.provider.getTransaction(txHash)) !== null;
    } catch {
      return true;
    }
  }

  /** Why a mined objection reverted: the same call replayed at its block's parent state gives the custom error. */
  private async minedRevertReason(txHash: Hex, call: { to: string; data: Hex; value?: bigint }, errors: Interface[]): Promise<string> {
    try {
      const tx = await this.provider.getTransaction(txHash);
      await this.provider.call({ to: call.to, from: tx?.from, data: call.data, value: call.value ?? 0n, blockTag: tx?.blockNumber ? tx.blockNumber - 1 : 'latest' });
    } catch (e) {
      return revertReason(e, errors) ?? 'reverted';
    }
    return 'reverted';
  }

  /** The receipt of an objection sent before a restart: mined (block) or reverted (status 0), undefined if unknown. */
  async receipt(txHash: Hex): Promise<{ l1Block: number; ok: boolean } | undefined> {
    const r = await this.provider.getTransactionReceipt(txHash);
    return r ? { l1Block: r.blockNumber, ok: r.status === 1 } : undefined;
  }
}

/**
 * Called with the tx hash just before the broadcast, and with `null` if the L1 then turned the tx away and does
 * not know it (nothing was sent: the record of it is to be undone).
 */
export type SentHook = (txHash: Hex | null) => void;

/** A contract's refusal as `Name(args)` from any of `errors`; 'reverted' if unnamed; undefined if `e` is no revert. */
function revertReason(e: unknown, errors: Interface[]): string | undefined {
  const err = e as { code?: string; revert?: { name?: string; args?: unknown[] }; data?: string; info?: { error?: { data?: string } } };
  if (err.code !== 'CALL_EXCEPTION') return undefined;
  if (err.revert?.name) return `${err.revert.name}(${(err.revert.args ?? []).map(String).join(', ')})`;
  const data = err.data ?? err.info?.error?.data;
  if (typeof data === 'string' && data.length >= 10) {
    for (const iface of errors) {
      try {
        const parsed = iface.parseError(data);
        if (parsed) return `${parsed.name}(${parsed.args.map(String).join(', ')})`;
      } catch { /* not this ABI */ }
    }
  }
  return 'reverted';
}
