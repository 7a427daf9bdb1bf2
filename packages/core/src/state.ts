/**
 * The account state: the sparse state tree plus the accounts behind its leaves, an (owner, token) → slot index,
 * and a journal so a block producer can undo a partially applied block.
 */
import { bytesToHex, isCanonicalAddress, MAX_UINT256 } from './bytes.js';
import { accountLeaf } from './encoding.js';
import { PlasmaError } from './errors.js';
import type { Hasher } from './hash.js';
import { SparseMerkleTree } from './smt.js';
import type { Account, Address, Hex } from './types.js';

const MAX_UINT64 = (1n << 64n) - 1n;

export interface AccountStateOptions {
  /** State tree depth (SPEC: 32). */
  depth?: number;
  hasher?: Hasher;
}

/** Undo log of one checkpoint: each slot's account before its first write since the checkpoint. */
type Journal = Map<number, Readonly<Account> | undefined>;

export class AccountState {
  private readonly tree: SparseMerkleTree;
  private readonly accounts = new Map<number, Readonly<Account>>();
  private readonly slotIndex = new Map<string, number>();
  /** Every slot below this one is occupied. */
  private lowestFree = 0;
  private readonly journals: Journal[] = [];

  constructor(options: AccountStateOptions = {}) {
    this.tree = new SparseMerkleTree(options);
  }

  /** Rebuilds a state from persisted entries (one tree rehash at the end, not one per account). */
  static fromEntries(entries: Iterable<readonly [number, Account]>, options?: AccountStateOptions): AccountState {
    const state = new AccountState(options);
    for (const [slot, account] of entries) state.put(slot, account);
    return state;
  }

  get depth(): number {
    return this.tree.depth;
  }

  /** Number of occupied slots. */
  get size(): number {
    return this.accounts.size;
  }

  get root(): Hex {
    return bytesToHex(this.tree.root);
  }

  get rootBytes(): Uint8Array {
    return this.tree.root;
  }

  /** The account in `slot`; treat it as immutable (every write stores a new object). */
  get(slot: number): Readonly<Account> | undefined {
    return this.accounts.get(slot);
  }

  /** The slot holding (owner, token), if any. */
  slotOf(owner: Address, token: Address): number | undefined {
    return this.slotIndex.get(pairKey(owner.toLowerCase(), token.toLowerCase()));
  }

  /** The lowest empty slot: where a block producer places a new (owner, token) pair. */
  nextFreeSlot(): number {
    if (this.lowestFree >= 2 ** this.depth) {
      throw new PlasmaError('STATE_FULL', `all 2^${this.depth} slots of the state tree are occupied`);
    }
    return this.lowestFree;
  }

  /** Writes `account` into `slot`. Addresses must be canonical (lowercase, see normalizeAddress). */
  put(slot: number, account: Account): void {
    if (!Number.isInteger(slot) || slot < 0 || slot >= 2 ** this.depth) {
      throw new PlasmaError('INVALID_ACCOUNT', `slot ${slot} is outside 0..2^${this.depth}-1`, { data: { slot } });
    }
    checkAccount(slot, account);
    const previous = this.accounts.get(slot);
    const journal = this.journals[this.journals.length - 1];
    if (journal !== undefined && !journal.has(slot)) journal.set(slot, previous);
    this.write(slot, account, previous);
  }

  /** Siblings proving the slot's leaf (or its emptiness) against `root`. */
  proof(slot: number): Hex[] {
    return this.tree.proof(slot).map(bytesToHex);
  }

  /** Occupied slots, for persistence; rebuild with `AccountState.fromEntries`. */
  entries(): IterableIterator<[number, Readonly<Account>]> {
    return this.accounts.entries();
  }

  /** Opens a checkpoint; checkpoints nest. */
  checkpoint(): void {
    this.journals.push(new Map());
  }

  /** Keeps every write since the matching checkpoint. */
  commit(): void {
    const journal = this.popJournal('commit');
    const outer = this.journals[this.journals.length - 1];
    if (outer === undefined) return;
    for (const [slot, previous] of journal) if (!outer.has(slot)) outer.set(slot, previous);
  }

  /** Undoes every write since the matching checkpoint. */
  revert(): void {
    const journal = this.popJournal('revert');
    for (const [slot, previous] of journal) {
      const current = this.accounts.get(slot);
      if (previous === undefined) this.remove(slot, current);
      else this.write(slot, previous, current);
    }
  }

  /** Number of open checkpoints. */
  get checkpointDepth(): number {
    return this.journals.length;
  }

  private write(slot: number, account: Readonly<Account>, previous: Readonly<Account> | undefined): void {
    // Store our own copy: callers may keep mutating the object they passed.
    const stored: Readonly<Account> = {
      owner: account.owner,
      token: account.token,
      balance: account.balance,
      nonce: account.nonce,
    };
    this.tree.set(slot, accountLeaf(stored, this.tree.hasher));
    this.accounts.set(slot, stored);
    // Balance updates (the hot path) keep the pair: the index only changes when the slot changes hands.
    if (previous !== undefined && previous.owner === stored.owner && previous.token === stored.token) return;
    if (previous !== undefined) {
      const previousKey = pairKey(previous.owner, previous.token);
      if (this.slotIndex.get(previousKey) === slot) this.slotIndex.delete(previousKey);
    }
    // The SPEC lets a block place a pair in a second slot; the index keeps the first one.
    const key = pairKey(stored.owner, stored.token);
    if (!this.slotIndex.has(key)) this.slotIndex.set(key, slot);
    if (slot === this.lowestFree) {
      while (this.accounts.has(this.lowestFree)) this.lowestFree++;
    }
  }

  private remove(slot: number, current: Readonly<Account> | undefined): void {
    if (current === undefined) return;
    this.tree.set(slot, new Uint8Array(32));
    this.accounts.delete(slot);
    const key = pairKey(current.owner, current.token);
    if (this.slotIndex.get(key) === slot) this.slotIndex.delete(key);
    if (slot < this.lowestFree) this.lowestFree = slot;
  }

  private popJournal(operation: string): Journal {
    const journal = this.journals.pop();
    if (journal === undefined) {
      throw new PlasmaError('NO_CHECKPOINT', `${operation}() without an open checkpoint()`, {
        hint: 'pair every commit() or revert() with an earlier checkpoint()',
      });
    }
    return journal;
  }
}

function pairKey(owner: string, token: string): string {
  return owner + token;
}

function checkAccount(slot: number, account: Account): void {
  const problem = !isCanonicalAddress(account.owner)
    ? `owner ${String(account.owner)} is not a lowercase 0x address`
    : !isCanonicalAddress(account.token)
      ? `token ${String(account.token)} is not a lowercase 0x address`
      : typeof account.balance !== 'bigint' || account.balance < 0n || account.balance > MAX_UINT256
        ? `balance ${String(account.balance)} is not a uint256`
        : typeof account.nonce !== 'bigint' || account.nonce < 0n || account.nonce > MAX_UINT64
          ? `nonce ${String(account.nonce)} is not a uint64`
          : undefined;
  if (problem !== undefined) {
    throw new PlasmaError('INVALID_ACCOUNT', `cannot store slot ${slot}: ${problem}`, { data: { slot } });
  }
}
