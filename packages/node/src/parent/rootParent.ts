import { Wallet } from 'ethers';
import type { ChainId, Header, Hex } from '@plasma-tree/core';
import type { ChainParams } from '../chain.js';
import { isPlasmaError, nodeError } from '../errors.js';
import { DepositFollower } from '../l1/depositFollower.js';
import { RootContract } from '../l1/rootContract.js';
import type { ParentChain, ParentCommitment, ParentDeposits, ParentDepositsComponents } from './parentChain.js';

export interface RootParentOptions {
  l1RpcUrl: string;
  rootContract: `0x${string}`;
  l1PollMs: number;
  l1Confirmations: number;
  /** Key that pays the gas of `commit` (the node's first validator key); none = this node does not commit. */
  senderKey?: Hex;
}

/** The root contract on L1 as the parent: the L1 deposit follower (confirmations, reorgs) and `commit`. */
export class RootParent implements ParentChain {
  readonly kind = 'root';
  private readonly sender: Wallet | undefined;

  private constructor(readonly root: RootContract, private readonly opts: RootParentOptions) {
    this.sender = opts.senderKey ? new Wallet(opts.senderKey, root.provider) : undefined;
  }

  static async connect(opts: RootParentOptions, signal?: AbortSignal): Promise<RootParent> {
    return new RootParent(await RootContract.connect(opts.l1RpcUrl, opts.rootContract, opts.l1PollMs, signal), opts);
  }

  get url(): string {
    return this.opts.l1RpcUrl;
  }

  get canSubmit(): boolean {
    return this.sender !== undefined;
  }

  /** Reads the chain's configuration from the root contract; refuses an unknown chain id. */
  async chainParams(chainId: ChainId): Promise<ChainParams> {
    const { root, opts } = this;
    let exists: boolean;
    try {
      if (!(await root.hasCode())) {
        throw nodeError('BAD_CONFIG', `there is no contract at rootContract ${opts.rootContract} on the L1 at ${opts.l1RpcUrl}`,
          'check rootContract and l1RpcUrl (was the L1 restarted without redeploying?)', { rootContract: opts.rootContract });
      }
      exists = await root.chainExists(chainId);
    } catch (e) {
      if (isPlasmaError(e)) throw e;
      throw nodeError('L1_UNREACHABLE', `cannot read the root contract at ${opts.rootContract}: ${(e as Error).message}`, 'is the L1 node running and is l1RpcUrl right?', { url: opts.l1RpcUrl });
    }
    if (!exists) {
      throw nodeError('UNKNOWN_CHAIN', `the root contract ${opts.rootContract} has no chain ${chainId}`,
        'check chainId: it is the id spawnChain returned (see `plasma-tree status`)', { chainId, rootContract: opts.rootContract });
    }
    const [info, validators] = await Promise.all([root.chainInfo(chainId), root.validators(chainId)]);
    return {
      chainId,
      parentChainId: info.parentChainId,
      l1ChainId: root.l1ChainId,
      rootContract: root.address,
      validators,
      threshold: info.threshold,
      challengeWindow: info.challengeWindow,
      // The root contract's chains are its children (spawnChain): depth 1.
      depth: 1,
    };
  }

  deposits(c: ParentDepositsComponents): ParentDeposits {
    return new DepositFollower({ root: this.root, ...c }, { confirmations: this.opts.l1Confirmations, pollMs: this.opts.l1PollMs });
  }

  async headNumber(chainId: ChainId): Promise<number> {
    return (await this.root.chainInfo(chainId)).headNumber;
  }

  async commitments(chainId: ChainId, from: number, to: number): Promise<ParentCommitment[]> {
    return (await this.root.committedEvents(chainId, from, to)).map(({ l1TxHash, ...rest }) => ({ ...rest, txHash: l1TxHash }));
  }

  async submitCommitment(header: Header, packedSignatures: Hex): Promise<ParentCommitment> {
    if (!this.sender) throw new Error('RootParent.submitCommitment: no sender key');
    const { l1TxHash, ...rest } = await this.root.commit(this.sender, header, packedSignatures);
    return { ...rest, txHash: l1TxHash };
  }

  /** Timestamp of the newest L1 block (the clock of the root contract's challenge windows). */
  async time(): Promise<number> {
    const block = await this.root.provider.getBlock('latest');
    if (!block) throw new Error('the L1 node returned no latest block');
    return block.timestamp;
  }

  close(): void {
    this.root.destroy();
  }
}
