import { Contract, Interface, JsonRpcProvider, Network, Wallet, type Log } from 'ethers';
import { loadArtifact, probeL1ChainId } from '@plasma-tree/contracts';
import type { Address, ChainId, Header, Hex } from '@plasma-tree/core';
import { nodeError } from '../errors.js';
import { depositEvent, edgeEvent, type DownEvent } from '../parent/confirmedDeposits.js';

/** A chain's configuration and head as the root contract reports it (`PlasmaRoot.chainInfo`). */
export interface RootChainInfo {
  parentChainId: ChainId;
  threshold: number;
  /** Seconds. */
  challengeWindow: number;
  headNumber: number;
  headWindowEnd: number;
  headDepositNonce: bigint;
  depositCount: bigint;
}

/** A `Deposited` or `EdgeEventSent` event (the chain's down stream) with where it was seen. */
export interface DownStreamLog {
  event: DownEvent;
  l1Block: number;
}

/** A `Committed` event. */
export interface CommittedEvent {
  number: number;
  blockHash: Hex;
  windowEnd: number;
  l1TxHash: Hex;
}

/** Nonces (or block numbers) per eth_getLogs topic list. */
const NONCES_PER_QUERY = 500;

/** Name of the custom error a call reverted with (ethers decodes it from the ABI), if it did. */
export function revertName(e: unknown): string | undefined {
  return (e as { revert?: { name?: string } } | undefined)?.revert?.name;
}

const lower = <T extends string>(value: string): T => value.toLowerCase() as T;

/**
 * Typed access to `PlasmaRoot` over ethers v6 for the node's services: the reads they need, pinned to a block
 * tag where consistency matters, and `commit`. Addresses come back lowercase (canonical in Plasma Tree).
 */
export class RootContract {
  readonly provider: JsonRpcProvider;
  private readonly iface: Interface;
  private readonly contract: Contract;
  private readonly depositedTopic: string;
  private readonly edgeEventTopic: string;
  private readonly committedTopic: string;

  constructor(readonly url: string, readonly address: Address, readonly l1ChainId: bigint, pollMs: number) {
    // staticNetwork: no eth_chainId before every call, and no retry loop of ethers' own while the L1 is down;
    // cacheTimeout -1: a poll must see the L1 as it is now, not as it was 250 ms ago; pollingInterval: a
    // commitment's receipt is awaited at the node's pace, not ethers' default 4 s.
    this.provider = new JsonRpcProvider(url, undefined, { staticNetwork: Network.from(l1ChainId), cacheTimeout: -1, pollingInterval: pollMs });
    this.iface = new Interface(loadArtifact('PlasmaRoot').abi);
    this.contract = new Contract(address, this.iface, this.provider);
    this.depositedTopic = this.iface.getEvent('Deposited')!.topicHash;
    this.edgeEventTopic = this.iface.getEvent('EdgeEventSent')!.topicHash;
    this.committedTopic = this.iface.getEvent('Committed')!.topicHash;
  }

  /**
   * Asks the L1 node for its chain id (the EIP-712 domain needs it), with plain fetch so that an unreachable L1
   * fails fast with a clear error instead of ethers' endless network detection.
   */
  static async connect(url: string, address: Address, pollMs: number, signal?: AbortSignal): Promise<RootContract> {
    const probe = await probeL1ChainId(url, signal);
    if (!probe.ok && probe.reason === 'unreachable') {
      throw nodeError('L1_UNREACHABLE', `cannot reach the L1 node at ${url}: ${probe.message}`, 'is the L1 node running and is l1RpcUrl right?', { url });
    }
    if (!probe.ok) {
      throw nodeError('L1_UNREACHABLE', `the L1 node at ${url} did not answer eth_chainId (${probe.message})`, 'check that l1RpcUrl is an Ethereum JSON-RPC endpoint', { url });
    }
    return new RootContract(url, address, probe.chainId, pollMs);
  }

  destroy(): void {
    this.provider.destroy();
  }

  async blockNumber(): Promise<number> {
    return this.provider.getBlockNumber();
  }

  async hasCode(): Promise<boolean> {
    return (await this.provider.getCode(this.address)) !== '0x';
  }

  async chainExists(chainId: ChainId): Promise<boolean> {
    return (await this.contract.chainExists(chainId)) as boolean;
  }

  async chainInfo(chainId: ChainId, blockTag?: number): Promise<RootChainInfo> {
    const info = await this.contract.chainInfo(chainId, { blockTag });
    return {
      parentChainId: lower(info.parentChainId),
      threshold: Number(info.threshold),
      challengeWindow: Number(info.challengeWindow),
      headNumber: Number(info.headNumber),
      headWindowEnd: Number(info.headWindowEnd),
      headDepositNonce: info.headDepositNonce as bigint,
      depositCount: info.depositCount as bigint,
    };
  }

  /** Deposits made to `chainId` as of L1 block `blockTag` (0 if the chain did not exist yet). */
  async depositCount(chainId: ChainId, blockTag: number): Promise<bigint> {
    try {
      return (await this.chainInfo(chainId, blockTag)).depositCount;
    } catch (e) {
      if (revertName(e) === 'UnknownChain') return 0n;
      throw e;
    }
  }

  async validators(chainId: ChainId): Promise<Address[]> {
    return ((await this.contract.validators(chainId)) as string[]).map((v) => lower<Address>(v));
  }

  /** The parent's record under `nonce` (a depositHash or an edge event's record; zero if none) as of L1 block `blockTag`. */
  async depositRecord(chainId: ChainId, nonce: bigint, blockTag: number): Promise<Hex> {
    return lower<Hex>(await this.contract.depositRecord(chainId, nonce, { blockTag }));
  }

  /**
   * The down stream of `chainId` with the given nonces in L1 blocks [fromBlock, toBlock]: `Deposited` and
   * `EdgeEventSent` events (one nonce stream, the same topics layout chainId/nonce), one eth_getLogs per
   * NONCES_PER_QUERY nonces for both event kinds.
   */
  async downEvents(chainId: ChainId, nonces: readonly bigint[], fromBlock: number, toBlock: number): Promise<DownStreamLog[]> {
    const out: DownStreamLog[] = [];
    for (let i = 0; i < nonces.length; i += NONCES_PER_QUERY) {
      const nonceTopics = nonces.slice(i, i + NONCES_PER_QUERY).map((n) => `0x${n.toString(16).padStart(64, '0')}`);
      const logs = await this.provider.getLogs({ address: this.address, topics: [[this.depositedTopic, this.edgeEventTopic], chainId, nonceTopics], fromBlock, toBlock });
      for (const log of logs) {
        const { args } = this.iface.parseLog(log)!;
        const event: DownEvent =
          log.topics[0] === this.depositedTopic
            ? depositEvent({
                chainId: lower(args.chainId),
                nonce: args.nonce as bigint,
                from: lower(args.from),
                to: lower(args.to),
                token: lower(args.token),
                amount: args.amount as bigint,
              })
            : edgeEvent({ nonce: args.nonce as bigint, fn: lower(args.fn), sender: lower(args.sender), payload: lower(args.payload) });
        out.push({ event, l1Block: log.blockNumber });
      }
    }
    return out;
  }

  /**
   * `Committed` events of `chainId` for block numbers in [fromNumber, toNumber] (at most NONCES_PER_QUERY),
   * searched over the whole L1 history: the indexed number makes that one cheap bloom-filtered query.
   */
  async committedEvents(chainId: ChainId, fromNumber: number, toNumber: number): Promise<CommittedEvent[]> {
    const numbers: string[] = [];
    for (let n = fromNumber; n <= Math.min(toNumber, fromNumber + NONCES_PER_QUERY - 1); n++) numbers.push(`0x${n.toString(16).padStart(64, '0')}`);
    const logs = await this.provider.getLogs({ address: this.address, topics: [this.committedTopic, chainId, numbers], fromBlock: 0, toBlock: 'latest' });
    return logs.map((log) => this.toCommittedEvent(log, log.transactionHash));
  }

  /**
   * Sends `commit(chainId, header, signatures)` from `sender`, waits for it to be mined and returns its
   * `Committed` event. A revert surfaces as ethers' CALL_EXCEPTION with the decoded custom error in `revert`.
   */
  async commit(sender: Wallet, header: Header, packedSignatures: Hex): Promise<CommittedEvent> {
    const tx = await (this.contract.connect(sender) as Contract).commit(header.chainId, header, packedSignatures);
    const receipt = await tx.wait();
    const log = (receipt.logs as Log[]).find((l) => l.topics[0] === this.committedTopic);
    if (!log) throw new Error(`commit transaction ${receipt.hash} was mined without a Committed event`);
    return this.toCommittedEvent(log, receipt.hash);
  }

  private toCommittedEvent(log: Log, l1TxHash: string): CommittedEvent {
    const { args } = this.iface.parseLog(log)!;
    return { number: Number(args.number), blockHash: lower(args.blockHash), windowEnd: Number(args.windowEnd), l1TxHash: lower(l1TxHash) };
  }
}
