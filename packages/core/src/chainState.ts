/**
 * A chain's whole state (docs/SPEC.md "State", docs/TREE.md §2): its accounts (the depth-32 state tree) and, for
 * a chain that is a parent, its ParentLedger (the depth-256 ledger tree). The state root commits to both:
 * `stateRoot = keccak256(accountsRoot ‖ ledgerRoot)`; a chain without children has the empty ledger root.
 * Checkpoints span both, so a block producer undoes a partial block across accounts and ledger at once.
 */
import { bytesToHex, hexToBytes, ZERO_BYTES32 } from './bytes.js';
import { PlasmaError } from './errors.js';
import { keccak256 } from './hash.js';
import type { LedgerEntry } from './ledgerEntries.js';
import { LedgerTree } from './ledgerTree.js';
import { zeroHashes } from './merkle.js';
import { ParentLedger } from './parentLedger.js';
import { AccountState, type AccountStateOptions } from './state.js';
import { NATIVE_TOKEN, STATE_TREE_DEPTH, type Account, type Address, type ChainId, type Hex } from './types.js';

const rootScratch = new Uint8Array(64);

/** `keccak256(accountsRoot ‖ ledgerRoot)`: a chain's state root. */
export function chainStateRoot(accountsRoot: Hex | Uint8Array, ledgerRoot: Hex | Uint8Array): Hex {
  return bytesToHex(chainStateRootBytes(toRoot(accountsRoot), toRoot(ledgerRoot)));
}

function chainStateRootBytes(accountsRoot: Uint8Array, ledgerRoot: Uint8Array): Uint8Array {
  rootScratch.set(accountsRoot, 0);
  rootScratch.set(ledgerRoot, 32);
  return keccak256(rootScratch);
}

function toRoot(root: Hex | Uint8Array): Uint8Array {
  return typeof root === 'string' ? hexToBytes(root, 32) : root;
}

/** The root of an empty account tree: zero[32]. */
export const EMPTY_ACCOUNTS_ROOT: Hex = bytesToHex(zeroHashes(STATE_TREE_DEPTH)[STATE_TREE_DEPTH]);

/** The state root before block 1: an empty account tree and an empty ledger. */
export const EMPTY_STATE_ROOT: Hex = chainStateRoot(EMPTY_ACCOUNTS_ROOT, new LedgerTree().root);

export interface ChainStateOptions {
  /** The accounts; a new empty AccountState by default. */
  accounts?: AccountState;
  /** The ledger; a new empty ParentLedger of `chainId` by default. */
  ledger?: ParentLedger;
  /** For a new AccountState. */
  accountOptions?: AccountStateOptions;
}

export class ChainState {
  readonly chainId: ChainId;
  readonly accounts: AccountState;
  readonly ledger: ParentLedger;
  /** The ledger root last read, as hex and as bytes (it changes on edge operations only). */
  private ledgerRootHex: Hex | undefined;
  private ledgerRootBytes: Uint8Array = new Uint8Array(32);

  constructor(chainId: ChainId, options: ChainStateOptions = {}) {
    this.chainId = chainId.toLowerCase() as ChainId;
    this.accounts = options.accounts ?? new AccountState(options.accountOptions);
    this.ledger = options.ledger ?? new ParentLedger(this.chainId);
    if (this.ledger.selfId !== this.chainId) {
      throw new PlasmaError('WRONG_CHAIN', `the ledger belongs to chain ${this.ledger.selfId}, the state to ${this.chainId}`, {
        hint: 'give a chain the ledger of its own children',
        data: { expected: this.chainId, found: this.ledger.selfId },
      });
    }
    if (this.accounts.checkpointDepth !== this.ledger.checkpointDepth) {
      throw new PlasmaError('NO_CHECKPOINT', 'the accounts and the ledger have different open checkpoints', {
        hint: 'compose a ChainState from parts without open checkpoints',
      });
    }
  }

  /** Rebuilds a state from persisted accounts and ledger entries (see AccountState/ParentLedger.fromEntries). */
  static fromEntries(
    chainId: ChainId,
    accounts: Iterable<readonly [number, Account]>,
    ledgerEntries: Iterable<Readonly<LedgerEntry>> = [],
    accountOptions?: AccountStateOptions,
  ): ChainState {
    return new ChainState(chainId, {
      accounts: AccountState.fromEntries(accounts, accountOptions),
      ledger: ParentLedger.fromEntries(chainId, ledgerEntries),
    });
  }

  /** `keccak256(accounts.root ‖ ledger.root)`. */
  get root(): Hex {
    return bytesToHex(this.rootBytes);
  }

  get rootBytes(): Uint8Array {
    const ledgerRoot = this.ledger.root;
    if (ledgerRoot !== this.ledgerRootHex) {
      this.ledgerRootBytes = hexToBytes(ledgerRoot, 32);
      this.ledgerRootHex = ledgerRoot;
    }
    return chainStateRootBytes(this.accounts.rootBytes, this.ledgerRootBytes);
  }

  // ---- the accounts' read side, for callers that only deal with accounts ---------------------------------

  /** State tree depth (SPEC: 32). */
  get depth(): number {
    return this.accounts.depth;
  }

  /** Number of occupied account slots. */
  get size(): number {
    return this.accounts.size;
  }

  get(slot: number): Readonly<Account> | undefined {
    return this.accounts.get(slot);
  }

  slotOf(owner: Address, token: Address): number | undefined {
    return this.accounts.slotOf(owner, token);
  }

  nextFreeSlot(): number {
    return this.accounts.nextFreeSlot();
  }

  // ---- checkpoints (both parts) ---------------------------------------------------------------------------

  /** Opens a checkpoint on the accounts and the ledger; checkpoints nest. */
  checkpoint(): void {
    this.accounts.checkpoint();
    this.ledger.checkpoint();
  }

  /** Keeps every change since the matching checkpoint. */
  commit(): void {
    this.checkBalanced('commit');
    this.accounts.commit();
    this.ledger.commitCheckpoint();
  }

  /** Undoes every change since the matching checkpoint, in accounts and ledger. */
  revert(): void {
    this.checkBalanced('revert');
    this.accounts.revert();
    this.ledger.revert();
  }

  get checkpointDepth(): number {
    return this.accounts.checkpointDepth;
  }

  private checkBalanced(operation: string): void {
    if (this.accounts.checkpointDepth !== this.ledger.checkpointDepth) {
      throw new PlasmaError('NO_CHECKPOINT', `${operation}(): the accounts and the ledger have different open checkpoints`, {
        hint: 'open checkpoints on the ChainState, not on its parts',
      });
    }
  }
}

/** What a chain holds of `token`, by where it sits (see checkSubtreeInvariant). */
export interface SubtreeHoldings {
  /** Sum of the account balances of `token`. */
  accounts: bigint;
  /** Sum over the children of their subtree balance of `token` in this chain's ledger. */
  children: bigint;
  /** Bonds of the children and of open data challenges, held by this chain's ledger (native token only, 0 otherwise). */
  bonds: bigint;
  /** accounts + children + bonds. */
  total: bigint;
}

/**
 * What a chain and its subtree hold of `token`: the accounts, what its children hold (their subtree balances
 * here) and, for the native token, the bonds of its children. The parent's subtreeBalance of this chain for
 * `token` must equal `total` plus the exits of this chain not yet finalized on the parent: a watcher compares the
 * two; a test checks it after every step.
 */
export function checkSubtreeInvariant(state: ChainState, token: Address): SubtreeHoldings {
  const t = token.toLowerCase();
  let accounts = 0n;
  for (const [, account] of state.accounts.entries()) if (account.token === t) accounts += account.balance;
  let children = 0n;
  let bonds = 0n;
  for (const child of state.ledger.children()) {
    children += state.ledger.subtreeBalance(child, t as Address);
    if (t === NATIVE_TOKEN) {
      bonds += state.ledger.childInfo(child).bond;
      // An open data challenge's bond is held by the ledger too (docs/FRAUD.md §9b).
      for (const challenge of state.ledger.openDataChallenges(child)) bonds += challenge.bond;
    }
  }
  return { accounts, children, bonds, total: accounts + children + bonds };
}

/**
 * The parent's deposit records for one child, in the form the child's STF reads them (StfContext.depositRecord):
 * `(nonce) => depositHash`, undefined while the parent holds no record for that nonce. For a child of a child
 * chain, pass the parent's ledger (a node reads it from the parent's state once final there).
 */
export function childDepositRecords(ledger: ParentLedger, child: ChainId): (nonce: bigint) => Hex | undefined {
  return (nonce) => {
    const record = ledger.depositRecord(child, nonce);
    return record === ZERO_BYTES32 ? undefined : record;
  };
}
