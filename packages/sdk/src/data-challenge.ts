/**
 * Data-availability challenges at the root for anyone, not only a watcher (docs/FRAUD.md §9): a holder who cannot get
 * a committed block's data challenges it on PlasmaRoot's module with the bond, in the first half of the block's window;
 * its validators must publish the block on L1 by the deadline, or anyone resolves the challenge and the block is
 * convicted (FraudProven kind 8, half the validators' bond to the challenger, the chain frozen).
 *
 * The committed header is read back from the input of its commit transaction (PlasmaRoot.commit takes the whole
 * header), so nothing but the L1 is needed.
 */
import { Contract, Interface, type Provider, type Signer } from 'ethers';
import { loadArtifact } from '@plasma-tree/contracts';
import {
  DATA_CHALLENGE_BOND,
  encodeChallengeDataCall,
  encodeReclaimChallengeBondCall,
  encodeResolveDataChallengeCall,
  hashHeader,
  normalizeAddress,
  type Address,
  type ChainId,
  type Header,
  type Hex,
} from '@plasma-tree/core';
import { plasmaError } from './errors.js';
import { plasmaRoot, plasmaRootInterface, readL1, readL1Time, sendChecked } from './l1.js';

export type DataChallengeStatusName = 'none' | 'open' | 'answered' | 'convicted' | 'lapsed';
const STATUS_NAMES: readonly DataChallengeStatusName[] = ['none', 'open', 'answered', 'convicted', 'lapsed'];

export interface DataChallengeClientOptions {
  /** A signer to challenge and resolve (pays the bond and the gas); a provider only reads. */
  l1: Signer | Provider;
  rootContract: string;
  /** Receipt polling (ms). Default 250. */
  pollMs?: number;
}

/** What the L1 says about block `number` of `chainId`'s data. */
export interface DataChallengeView {
  chainId: ChainId;
  number: number;
  /** Both trees (transactions and exit leaves) are on L1. */
  published: boolean;
  status: DataChallengeStatusName;
  /** The challenger (zero when none). */
  challenger: Address;
  /** The validators must publish by then (0 when none). */
  deadline: number;
  /** The block's windowEnd: exits are final from then on. */
  windowEnd: number;
  /** A challenge is accepted while now < challengeBefore (the first half of the window). */
  challengeBefore: number;
  now: number;
  /** Whether `challenge` would be accepted now (not published, no challenge, in time, block not rolled back). */
  canChallenge: boolean;
  /** Whether `resolve` would convict now (open, past the deadline, inside the window). */
  canResolve: boolean;
  /** Whether `reclaim` would give the bond back now (open, and no longer resolvable: the window ended or the block was rolled back). */
  canReclaim: boolean;
}

/**
 * Data-availability challenges by hand wherever a chain's blocks are committed: `DataChallengeClient` on L1 for a child
 * of the root, `ChainDataChallengeClient` on the parent chain for a chain under a chain (`TreeClient.dataChallenge`
 * hands out the one that hosts a chain). Each refuses before sending what its host would refuse, with the host's codes.
 */
export interface DataChallenger {
  readonly host: 'l1' | 'chain';
  status(chainId: ChainId, number: number): Promise<DataChallengeView>;
  /** Challenges block `number` with the host's bond; its validators must publish it by the returned deadline. */
  challenge(chainId: ChainId, number: number): Promise<{ txHash: Hex; deadline: number }>;
  /** After the deadline, an unanswered challenge (anyone's) convicts the block. */
  resolve(chainId: ChainId, number: number): Promise<{ txHash: Hex }>;
  /** An open challenge that can no longer be resolved (the window ended, or the block was rolled back): its bond back to the challenger. */
  reclaim(chainId: ChainId, number: number): Promise<{ txHash: Hex }>;
}

export class DataChallengeClient implements DataChallenger {
  readonly host = 'l1' as const;
  readonly rootContract: Address;
  private readonly provider: Provider;
  private readonly signer: Signer | undefined;
  private readonly pollMs: number;
  private module: Contract | undefined;
  private readonly iface = new Interface((loadArtifact('PlasmaDataAvailability') as { abi: any }).abi);

  constructor(opts: DataChallengeClientOptions) {
    this.rootContract = normalizeAddress(opts.rootContract);
    const asSigner = opts.l1 as Signer;
    this.signer = typeof asSigner.signTransaction === 'function' ? asSigner : undefined;
    const provider = this.signer ? this.signer.provider : (opts.l1 as Provider);
    if (!provider) throw plasmaError('NO_PROVIDER', 'the L1 signer has no provider', {}, undefined, 'connect the signer to a provider: new Wallet(key, provider)');
    this.provider = provider;
    this.pollMs = opts.pollMs ?? 250;
  }

  async status(chainId: ChainId, number: number): Promise<DataChallengeView> {
    const { windowEnd } = await this.committed(chainId, number);
    const module = await this.dataModule();
    const [[challenger, deadline, status], published, info, now] = await this.read('reading the data challenge', () =>
      Promise.all([module.challengeOf(chainId, number), module.isPublished(chainId, number), plasmaRoot(this.rootContract, this.provider).chainInfo(chainId), readL1Time(this.provider)]),
    );
    const challengeWindow = Number(info.challengeWindow);
    const challengeBefore = windowEnd - Math.floor(challengeWindow / 2);
    const name = STATUS_NAMES[Number(status)] ?? 'none';
    const live = number <= Number(info.headNumber);
    return {
      chainId,
      number,
      published: Boolean(published),
      status: name,
      challenger: normalizeAddress(String(challenger)),
      deadline: Number(deadline),
      windowEnd,
      challengeBefore,
      now,
      canChallenge: live && !published && name === 'none' && now < challengeBefore,
      canResolve: live && name === 'open' && now > Number(deadline) && now < windowEnd,
      canReclaim: name === 'open' && (!live || now >= windowEnd),
    };
  }

  /** challengeData with DATA_CHALLENGE_BOND (0.2 ETH): refused before anything is sent when the module would refuse. */
  async challenge(chainId: ChainId, number: number): Promise<{ txHash: Hex; deadline: number }> {
    const signer = this.requireSigner('challengeData');
    const { header, windowEnd } = await this.committed(chainId, number);
    const to = await (await this.dataModule()).getAddress();
    const tx = { to, data: encodeChallengeDataCall(chainId, header, windowEnd), value: DATA_CHALLENGE_BOND };
    const receipt = await sendChecked(this.provider, this.pollMs, 'challengeData', () => signer.call(tx), () => signer.sendTransaction(tx));
    const { deadline } = await this.status(chainId, number);
    return { txHash: receipt.hash as Hex, deadline };
  }

  /** resolveDataChallenge: after the deadline, an unanswered challenge convicts the block (anyone's challenge). */
  async resolve(chainId: ChainId, number: number): Promise<{ txHash: Hex }> {
    const signer = this.requireSigner('resolveDataChallenge');
    const { header, windowEnd } = await this.committed(chainId, number);
    const prev = number === 1 ? null : await this.committed(chainId, number - 1);
    const to = await (await this.dataModule()).getAddress();
    const tx = { to, data: encodeResolveDataChallengeCall(chainId, header, windowEnd, prev?.header ?? null, prev?.windowEnd ?? 0) };
    const receipt = await sendChecked(this.provider, this.pollMs, 'resolveDataChallenge', () => signer.call(tx), () => signer.sendTransaction(tx));
    return { txHash: receipt.hash as Hex };
  }

  /**
   * reclaimChallengeBond: an open challenge nobody resolved, once the block's window ended (or another proof rolled the
   * chain back below it), gives its bond back to the challenger (anyone may send it; --account pays the gas).
   */
  async reclaim(chainId: ChainId, number: number): Promise<{ txHash: Hex }> {
    const signer = this.requireSigner('reclaimChallengeBond');
    const { header, windowEnd } = await this.committed(chainId, number);
    const to = await (await this.dataModule()).getAddress();
    const tx = { to, data: encodeReclaimChallengeBondCall(chainId, header, windowEnd) };
    const receipt = await sendChecked(this.provider, this.pollMs, 'reclaimChallengeBond', () => signer.call(tx), () => signer.sendTransaction(tx));
    return { txHash: receipt.hash as Hex };
  }

  /** Block `number`'s header and windowEnd, from its Committed event and the input of its commit transaction. */
  private async committed(chainId: ChainId, number: number): Promise<{ header: Header; windowEnd: number }> {
    const root = plasmaRoot(this.rootContract, this.provider);
    const events = await this.read('reading the commitment', () => root.queryFilter(root.filters.Committed(chainId, number)));
    // After a rollback the number may have been committed again: the last commit is the one on record.
    const event = events.at(-1) as (typeof events)[number] & { args?: { blockHash: string; windowEnd: bigint } } | undefined;
    if (!event?.args) {
      throw plasmaError('UNKNOWN_COMMITMENT', `block ${number} of chain ${chainId} was never committed on L1`, { chainId, number }, undefined,
        'check the chain and the block number (`plasma-tree status`)');
    }
    const tx = await this.read('reading the commit transaction', () => this.provider.getTransaction(event.transactionHash));
    const parsed = tx ? plasmaRootInterface().parseTransaction({ data: tx.data }) : null;
    const h = parsed?.name === 'commit' ? parsed.args[1] : undefined;
    const header: Header | undefined = h && {
      chainId: String(h.chainId).toLowerCase() as ChainId, number: BigInt(h.number), parentHash: String(h.parentHash).toLowerCase() as Hex, txRoot: String(h.txRoot).toLowerCase() as Hex,
      stateRoot: String(h.stateRoot).toLowerCase() as Hex, exitRoot: String(h.exitRoot).toLowerCase() as Hex, depositNonce: BigInt(h.depositNonce), timestamp: BigInt(h.timestamp),
    };
    if (!header || hashHeader(header) !== event.args.blockHash.toLowerCase()) {
      throw plasmaError('HEADER_UNAVAILABLE', `the header of block ${number} is not in the input of its commit transaction ${event.transactionHash}`, { chainId, number, l1TxHash: event.transactionHash }, undefined,
        'it was committed through another contract: pass the header yourself with core encodeChallengeDataCall');
    }
    return { header, windowEnd: Number(event.args.windowEnd) };
  }

  private async dataModule(): Promise<Contract> {
    if (!this.module) {
      const address = String(await this.read('reading the data-availability module', () => plasmaRoot(this.rootContract, this.provider).dataAvailability()));
      this.module = new Contract(address, this.iface, this.provider);
    }
    return this.module;
  }

  private requireSigner(action: string): Signer {
    if (!this.signer) throw plasmaError('NO_SIGNER', `${action} needs an L1 signer`, { action }, undefined, 'pass a Wallet connected to the L1 (`--account`)');
    return this.signer;
  }

  private read<T>(action: string, fn: () => Promise<T>): Promise<T> {
    return readL1(action, fn);
  }
}

