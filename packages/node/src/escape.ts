/**
 * The escape hatch's proof source (docs/FRAUD.md §4): the account witness PlasmaRoot.escapeExit needs, against
 * the state of a block the parent committed, read from a node's store. Served by a running node
 * (pt_getEscapeProof) and, with no process running, from a stopped node's data directory or a backup
 * (`escapeProofFromDataDir`). Both go through `buildEscapeProof`, so they answer the same witness.
 *
 * The store keeps the accounts after its head only. When the requested block is the head (the usual case: a
 * validator commits every block it seals) the stored state is used as is; for an older block (the node sealed
 * blocks the parent never saw, or a fraud proof rolled the parent's head back) the state is rebuilt by
 * re-executing the stored blocks 1..n from genesis, and checked against block n's stateRoot.
 */
import {
  BUILT_IN_EDGES,
  ChainState,
  PlasmaError,
  TxKind,
  accountWitness,
  decodeEdgeFromParentData,
  edgeDownRecord,
  hashDeposit,
  headerToJson,
  normalizeAddress,
  plasmaDomain,
  verifyBlock,
  type Account,
  type AccountWitness,
  type LedgerEntry,
  type Address,
  type Block,
  type ChainId,
  type EdgeRegistry,
  type Header,
  type HeaderJson,
  type Hex,
} from '@plasma-tree/core';
import {
  ZERO_HEADER,
  buildNestedAccountProof,
  buildNestedDepositProof,
  buildNestedExitProof,
  buildNestedPath,
  decodeCommitChildData,
  exitProof as coreExitProof,
  frozenHead as coreFrozenHead,
  hashCommitmentRecord,
  hashHeader,
  recordIs,
  type CommittedChildBlock,
  type FinalChild,
  type FrozenHead,
  type NestedAccountProof,
  type NestedDepositProof,
  type NestedExitProof,
  type NestedLevel,
  type NestedPath,
  type NestedStep,
  type ParentLedger,
} from '@plasma-tree/core';
import { ChainStore } from './db/chainStore.js';

/** What PlasmaRoot.escapeExit needs for one account of a committed block (pt_getEscapeProof's answer, decoded). */
export interface EscapeProof {
  chainId: ChainId;
  /** The block the witness is against, and its windowEnd on the parent (null when this store never saw the commitment). */
  head: Header;
  windowEnd: number | null;
  /** keccak256(accountsRoot ‖ ledgerRoot) is head.stateRoot. */
  ledgerRoot: Hex;
  account: AccountWitness;
}

export interface EscapeProofJson {
  chainId: ChainId;
  head: HeaderJson;
  windowEnd: number | null;
  ledgerRoot: Hex;
  account: { slot: number; owner: Address; token: Address; balance: string; nonce: string; proof: Hex[] };
}

export interface EscapeProofQuery {
  owner: Address;
  token: Address;
  /**
   * The block to prove against. Default: the newest block this store knows to be committed on the parent. The
   * SDK passes the parent's head (PlasmaRoot.chainInfo.headNumber), which escapeExit requires.
   */
  number?: number;
}

/** A store and (optionally) the live state after its head, which spares a rebuild when the head is asked for. */
export interface EscapeProofStore {
  store: ChainStore;
  chainId: ChainId;
  /** The state after `store.head`; read from the store when absent. */
  headState?: ChainState;
  /** The chain's edge functions, to re-execute blocks holding edge calls (default: the built-ins). */
  edges?: EdgeRegistry;
  /** The chain's parent (the peer of its edge events); default the root. */
  parentChainId?: ChainId;
  /** For the EIP-712 domain of a re-execution (signatures are not re-checked, but the context wants one). */
  rootContract: Address;
}

const escapeError = (code: string, message: string, hint: string, data: Record<string, unknown> = {}) => new PlasmaError(code, message, { hint, data });

/** Builds the escape witness of (owner, token) at block `query.number` (default: the committed head). */
export async function buildEscapeProof(src: EscapeProofStore, query: EscapeProofQuery): Promise<EscapeProof> {
  const { store } = src;
  const owner = normalizeAddress(query.owner);
  const token = normalizeAddress(query.token);
  const committed = store.committed.number;
  const number = query.number ?? committed;
  if (!Number.isSafeInteger(number) || number < 1) {
    throw escapeError('NOTHING_COMMITTED', `no block of chain ${src.chainId} is committed on its parent${query.number === undefined ? ' as far as this store knows' : ''}`,
      'with no committed block there is no state to escape from: reclaim your deposits instead (`plasma-tree escape reclaim`)', { number });
  }
  if (number > store.head.number) {
    throw escapeError('BLOCK_NOT_STORED', `block ${number} is above this store's head ${store.head.number}`,
      'ask a node (or data directory) that holds the chain up to the parent\'s head', { number, head: store.head.number });
  }
  const stored = await store.getBlock(number);
  if (!stored) throw escapeError('STORE_CORRUPT', `the store names head ${store.head.number} but does not hold block ${number}`, 'restore the data directory from a backup', { number });
  const head = stored.block.header;
  const commitment = await store.getCommitment(number);
  if (commitment && commitment.blockHash.toLowerCase() !== stored.block.hash.toLowerCase()) {
    throw escapeError('COMMITMENT_CONFLICT', `the commitment recorded for block ${number} is ${commitment.blockHash}, the stored block is ${stored.block.hash}`,
      'this store holds blocks the parent never committed: ask another node', { number });
  }

  const expected = head.stateRoot.toLowerCase();
  let state = number === store.head.number ? (src.headState ?? (await storedHeadState(src))) : undefined;
  // A running node's producer advances its state just before it persists the block: then (or for an older
  // block) the state is rebuilt from the immutable stored blocks.
  if (state === undefined || state.root !== expected) state = await replayTo(src, number);
  // From here on no await: the live state cannot move between the root check and the witness.
  if (state.root !== expected) {
    throw escapeError('STORE_CORRUPT', `the state of block ${number} hashes to ${state.root}, its header says ${head.stateRoot}`, 'restore the data directory from a backup', { number });
  }
  const slot = state.slotOf(owner, token);
  const balance = slot === undefined ? 0n : (state.get(slot)?.balance ?? 0n);
  if (slot === undefined || balance === 0n) {
    throw escapeError('NOTHING_TO_ESCAPE', `${owner} holds no ${token} on chain ${src.chainId} at block ${number}`,
      'check the owner and token; an unapplied deposit is reclaimed instead (`plasma-tree escape reclaim`)', { owner, token, number });
  }
  return { chainId: src.chainId, head, windowEnd: commitment?.windowEnd ?? null, ledgerRoot: state.ledger.root, account: accountWitness(state, slot) };
}

/** The state after the store's head, from the stored accounts and ledger entries. */
async function storedHeadState(src: EscapeProofStore): Promise<ChainState> {
  const accounts: [number, Account][] = [];
  for await (const entry of src.store.accounts()) accounts.push(entry);
  const ledger: LedgerEntry[] = [];
  for await (const entry of src.store.ledgerEntries()) ledger.push(entry);
  return ChainState.fromEntries(src.chainId, accounts, ledger);
}

/** The state after block `number`, re-executed from genesis over the stored blocks. */
async function replayTo(src: EscapeProofStore, number: number): Promise<ChainState> {
  const { store } = src;
  const state = new ChainState(src.chainId);
  // The EIP-712 domain's L1 chain id only matters to signature checks, which a replay of verified blocks skips.
  const domain = plasmaDomain(1n, src.rootContract);
  let parent: Header | null = null;
  for (let n = 1; n <= number; n++) {
    const stored = await store.getBlock(n);
    if (!stored) throw escapeError('STORE_CORRUPT', `the store does not hold block ${n}`, 'restore the data directory from a backup', { number: n });
    const block = stored.block;
    // These blocks were verified against the parent's records when stored; the records are the blocks' own.
    const records = downRecords(src.chainId, block);
    verifyBlock(block, parent, state, { chainId: src.chainId, domain, edges: src.edges ?? BUILT_IN_EDGES, ...(src.parentChainId ? { parentChainId: src.parentChainId } : {}), depositRecord: (nonce) => records.get(nonce) }, { trustSignatures: true });
    parent = block.header;
  }
  return state;
}

/** The parent's records of the down-stream events `block` applies, as the block itself states them. */
function downRecords(chainId: ChainId, block: Block): Map<bigint, Hex> {
  const out = new Map<bigint, Hex>();
  for (const tx of block.txs) {
    if (tx.kind === TxKind.Deposit) out.set(tx.nonce, hashDeposit({ chainId, nonce: tx.nonce, from: tx.from, to: tx.to, token: tx.token, amount: tx.amount }));
    else if (tx.kind === TxKind.EdgeFromParent) {
      const { fn, payload } = decodeEdgeFromParentData(tx.data);
      out.set(tx.nonce, edgeDownRecord({ fn, child: chainId, nonce: tx.nonce, sender: tx.from, payload }));
    }
  }
  return out;
}

export function escapeProofToJson(p: EscapeProof): EscapeProofJson {
  const a = p.account;
  return {
    chainId: p.chainId,
    head: headerToJson(p.head),
    windowEnd: p.windowEnd,
    ledgerRoot: p.ledgerRoot,
    account: { slot: a.slot, owner: a.owner, token: a.token, balance: a.balance.toString(), nonce: a.nonce.toString(), proof: a.proof },
  };
}

/**
 * The escape witness of (owner, token) read from a node's data directory (`<dataDir>/chain`), with no node
 * running: a holder's own full node, a stopped validator's directory, a backup. Opens the store without writing
 * and closes it before returning.
 */
export async function escapeProofFromDataDir(dataDir: string, query: EscapeProofQuery & { chainId?: ChainId; edges?: EdgeRegistry }): Promise<EscapeProof> {
  const { store, chainId, rootContract } = await ChainStore.openReadOnly(dataDir);
  try {
    if (query.chainId !== undefined && query.chainId.toLowerCase() !== chainId.toLowerCase()) {
      throw escapeError('STORE_MISMATCH', `the data directory ${dataDir} holds chain ${chainId}, not ${query.chainId}`, 'point at the data directory of that chain\'s node', { found: chainId, expected: query.chainId });
    }
    return await buildEscapeProof({ store, chainId, rootContract, edges: query.edges }, query);
  } finally {
    await store.close();
  }
}

/**
 * The SDK's `EscapeProofSource` over a stopped node's data directory (or a backup): the structural type is
 * repeated here because the node and the SDK never import each other; the CLI and the tests join them.
 */
export function dataDirEscapeProofSource(dataDir: string, opts: { edges?: EdgeRegistry } = {}): {
  readonly description: string;
  escapeProof(query: { chainId: ChainId; owner: Address; token: Address; number: number }): Promise<Pick<EscapeProof, 'chainId' | 'head' | 'windowEnd' | 'ledgerRoot' | 'account'>>;
} {
  return {
    description: `data dir ${dataDir}`,
    async escapeProof(query) {
      const p = await escapeProofFromDataDir(dataDir, { ...query, edges: opts.edges });
      return { chainId: p.chainId, head: p.head, windowEnd: p.windowEnd, ledgerRoot: p.ledgerRoot, account: p.account };
    },
  };
}

// ---- the escape of holders inside a frozen chain's children (docs/FRAUD.md §4b, PlasmaNestedEscape) -------------

/**
 * What `nestedEscapeSourceFromDataDirs` reads: A's data directory (the frozen child of the root), those of the chains
 * between A and K when K is deeper (`viaDataDirs`), and K's.
 */
export interface NestedEscapeSourceQuery {
  /** A stopped node's data directory of A (or a backup): A's state at its head, its COMMIT_CHILD index of its children. */
  parentDataDir: string;
  /**
   * The data directories of the chains between A and K, A's child first (default none: K is A's child). Each chain is
   * read at its last final block in its parent's ledger: its state there (re-executed when it is below the store's head)
   * holds the ledger the next chain is proved in, and its store's index of its children's commitments and deposits.
   */
  viaDataDirs?: readonly string[];
  /** A stopped node's data directory of K: K's state at its last final block, its exits. Optional when nothing of K is final. */
  childDataDir?: string;
  /** K: a child of A, or of the last chain of `viaDataDirs`. */
  child: ChainId;
  /** A's head to prove against: the root's `chainInfo(A).headNumber` (default: the newest block A's store knows committed). */
  parentNumber?: number;
  /** Only this owner's slots, the exits paid to it and its deposits in flight (default: everyone's). */
  owner?: Address;
  /** The chains' edge functions, to re-execute their blocks when a state at n is rebuilt (default: the built-ins). */
  edges?: EdgeRegistry;
}

/**
 * Everything core's nestedEscape builders need, and what they built: A's state at its head H (accounts and ledger,
 * root = H.stateRoot), H and its windowEnd on the root, K's committed blocks as A's ledger recorded them, K's last
 * final block n at T = H.timestamp and K's state there; `frozen` / `final` and the proofs of every slot, unpaid exit
 * and deposit in flight (of `owner` when given) are ready for the SDK's NestedEscapeClient.
 */
export interface NestedEscapeSource {
  parentChainId: ChainId;
  child: ChainId;
  /** A's state at H: its root is H.stateRoot. */
  parentState: ChainState;
  head: Header;
  /** H's windowEnd on the root (L1 time). */
  windowEnd: bigint;
  /** The clock of K's parent (A's at H, or the last via chain's at its last final block): K's blocks whose windowEnd <= T are final. */
  T: bigint;
  /** K's committed blocks 1..min(n + 1, K's head in A's ledger), header and windowEnd as A's ledger records them. */
  blocks: Map<bigint, CommittedChildBlock>;
  /** K's last final block (0: nothing of K is final). */
  finalNumber: bigint;
  /** K's state at block n (undefined when n = 0). */
  childState: ChainState | undefined;
  frozen: FrozenHead;
  /** The levels between A and K (one per `viaDataDirs`). With `frozen` and `final`, the SDK's NestedEscapeInputs. */
  via: NestedLevel[];
  final: FinalChild;
  /** The route and the ledgers core's builders read (the last: K's parent's ledger at the path's snapshot). */
  path: NestedPath;
  /** escapeNestedExit's proofs: every slot of K at n with a balance (of `owner`), minus the slots A paid itself. */
  accounts: NestedAccountProof[];
  /** exitNested's proofs: token exits of K's blocks 1..n (to `owner`) that A never paid. */
  exits: NestedExitProof[];
  /** reclaimNested's proofs: token deposits A recorded for K above block n's depositNonce (of `owner`), still in A's ledger. */
  deposits: NestedDepositProof[];
  /** What was left out, and why (a slot or an exit A paid itself: it leaves with A's own escapeExit). */
  skipped: { what: string; reason: string }[];
}

/** A store's state after block `number`: the stored head state when it is the head, else re-executed from genesis. */
async function stateAt(src: EscapeProofStore, number: number): Promise<{ state: ChainState; header: Header }> {
  const { store } = src;
  if (number > store.head.number) {
    throw escapeError('BLOCK_NOT_STORED', `block ${number} of chain ${src.chainId} is above this store's head ${store.head.number}`,
      'read a data directory (or backup) that holds the chain up to that block', { chainId: src.chainId, number, head: store.head.number });
  }
  const stored = await store.getBlock(number);
  if (!stored) throw escapeError('STORE_CORRUPT', `the store of chain ${src.chainId} does not hold block ${number}`, 'restore the data directory from a backup', { number });
  const header = stored.block.header;
  let state = number === store.head.number ? await storedHeadState(src) : undefined;
  if (state === undefined || state.root !== header.stateRoot.toLowerCase()) state = await replayTo(src, number);
  if (state.root !== header.stateRoot.toLowerCase()) {
    throw escapeError('STORE_CORRUPT', `the state of block ${number} of chain ${src.chainId} hashes to ${state.root}, its header says ${header.stateRoot}`, 'restore the data directory from a backup', { number });
  }
  return { state, header };
}

/** K's header of committed block `m` (hash `blockHash`): from K's store, else from A's COMMIT_CHILD in A's block `aBlock`. */
async function childHeader(parent: ChainStore, child: ChainStore | undefined, K: ChainId, m: bigint, blockHash: Hex, aBlock: number): Promise<Header> {
  const own = await child?.getBlock(Number(m));
  if (own && own.block.hash.toLowerCase() === blockHash.toLowerCase()) return own.block.header;
  const holder = await parent.getBlock(aBlock);
  for (const tx of holder?.block.txs ?? []) {
    if (tx.kind !== TxKind.CommitChild) continue;
    const { child: c, header } = decodeCommitChildData(tx.data);
    if (c.toLowerCase() === K && header.number === m && hashHeader(header) === blockHash.toLowerCase()) return header;
  }
  throw escapeError('STORE_CORRUPT', `neither store holds the header of block ${m} of ${K} (${blockHash}) that A committed in its block ${aBlock}`,
    "pass the child's data directory, or restore the parent's", { child: K, number: m.toString(), blockHash });
}

/** A parent on the path at the path's snapshot: its store, its block `number` there, its ledger and clock. */
interface PathParent {
  store: ChainStore;
  chainId: ChainId;
  dir: string;
  number: number;
  ledger: ParentLedger;
  T: bigint;
}

/** `child`'s committed blocks as `at`'s ledger records them (its store's COMMIT_CHILD index), its last final block n. */
async function committedChildBlocks(at: PathParent, K: ChainId, childStore: ChainStore | undefined) {
  const { ledger, store, number } = at;
  const info = ledger.childInfo(K);
  const windowEnds = new Map<bigint, { blockHash: Hex; windowEnd: bigint; aBlock: number }>();
  for (let m = 1n; m <= info.headNumber; m++) {
    const rec = await store.getChildCommitment(K, m);
    if (!rec || rec.blockNumber > number || ledger.commitmentRecord(K, m) !== hashCommitmentRecord(rec.blockHash, rec.windowEnd)) {
      throw escapeError('COMMITMENT_UNKNOWN', `${at.dir} does not index the commitment of block ${m} of ${K} that ${at.chainId}'s ledger holds at its block ${number}`,
        `restore the data directory of ${at.chainId} (a node that applied every block up to ${number})`, { child: K, number: m.toString() });
    }
    windowEnds.set(m, { blockHash: rec.blockHash.toLowerCase() as Hex, windowEnd: rec.windowEnd, aBlock: rec.blockNumber });
  }
  let n = 0n;
  for (let m = info.headNumber; m > 0n; m--) if (windowEnds.get(m)!.windowEnd <= at.T) { n = m; break; }
  const blocks = new Map<bigint, CommittedChildBlock>();
  for (let m = 1n; m <= n + 1n && m <= info.headNumber; m++) {
    const w = windowEnds.get(m)!;
    blocks.set(m, { header: await childHeader(store, childStore, K, m, w.blockHash, w.aBlock), windowEnd: w.windowEnd });
  }
  // Blocks above n + 1 are only read for their windowEnd (core's lastFinalChildBlock).
  const blockOf = (m: bigint): CommittedChildBlock => blocks.get(m) ?? { header: { ...ZERO_HEADER, chainId: K, number: m }, windowEnd: windowEnds.get(m)!.windowEnd };
  return { info, n, blocks, windowEnds, blockOf };
}

/** Refuses a chain that is not a child of `at` at the snapshot. */
function requireChild(at: PathParent, K: ChainId): void {
  if (!at.ledger.hasChild(K)) throw escapeError('UNKNOWN_CHAIN', `chain ${K} is not a child of ${at.chainId} at its block ${at.number}`, 'name a child of the frozen chain (or of the last --via chain)', { child: K });
}

/**
 * The nested escape's inputs (docs/FRAUD.md §4b) from stopped nodes' data directories: A's (`parentDataDir`, the frozen
 * child of the root), the chains' between A and K (`viaDataDirs`, each read at its last final block in its parent's
 * ledger) and K's (`childDataDir`). Opens each store read-only (LevelDB admits one opener per directory), and closes
 * them before returning. Refuses a state that does not hash to its header, blocks that the parent's ledger did not
 * commit, a via chain with no final block, and (core) a slot or an exit K's parent paid itself.
 */
export async function nestedEscapeSourceFromDataDirs(query: NestedEscapeSourceQuery): Promise<NestedEscapeSource> {
  const K = query.child.toLowerCase() as ChainId;
  const owner = query.owner === undefined ? undefined : normalizeAddress(query.owner);
  const parent = await ChainStore.openReadOnly(query.parentDataDir);
  const opened: { store: ChainStore }[] = [];
  let child: Awaited<ReturnType<typeof ChainStore.openReadOnly>> | undefined;
  try {
    const parentSrc: EscapeProofStore = { store: parent.store, chainId: parent.chainId, rootContract: parent.rootContract };
    const number = query.parentNumber ?? parent.store.committed.number;
    if (!Number.isSafeInteger(number) || number < 1) {
      throw escapeError('NOTHING_COMMITTED', `no block of chain ${parent.chainId} is committed on the root as far as ${query.parentDataDir} knows`,
        'with no committed block of the frozen chain its children hold nothing in its ledger: reclaim the deposits to it (`plasma-tree escape reclaim`)', { number });
    }
    const { state: parentState, header: head } = await stateAt(parentSrc, number);
    const commitment = await parent.store.getCommitment(number);
    if (!commitment || commitment.blockHash.toLowerCase() !== hashHeader(head)) {
      throw escapeError('COMMITMENT_UNKNOWN', `${query.parentDataDir} does not know block ${number} of ${parent.chainId} as committed on the root with its stored hash`,
        "read the data directory of a node that followed the root up to the chain's head", { number });
    }
    const windowEnd = BigInt(commitment.windowEnd);
    const frozen = coreFrozenHead(parentState, head, windowEnd);

    // The chains between A and K, each at its last final block in its parent's ledger.
    let at: PathParent = { store: parent.store, chainId: parent.chainId.toLowerCase() as ChainId, dir: query.parentDataDir, number, ledger: parentState.ledger, T: head.timestamp };
    const steps: NestedStep[] = [];
    for (const dir of query.viaDataDirs ?? []) {
      const level = await ChainStore.openReadOnly(dir);
      opened.push(level);
      const id = level.chainId.toLowerCase() as ChainId;
      requireChild(at, id);
      const { n, blocks, blockOf } = await committedChildBlocks(at, id, level.store);
      if (n === 0n) {
        throw escapeError('NOTHING_FINAL', `no block of ${id} is final in ${at.chainId}'s ledger at its block ${at.number}: nothing below it can leave`,
          `its own deposits in flight are reclaimed with a path that ends at it (drop the --via chains from ${dir} on)`, { child: id });
      }
      const src: EscapeProofStore = { store: level.store, chainId: id, rootContract: level.rootContract, parentChainId: at.chainId, edges: query.edges };
      const final = await stateAt(src, Number(n));
      if (hashHeader(final.header) !== hashHeader(blocks.get(n)!.header)) {
        throw escapeError('COMMITMENT_CONFLICT', `${dir} holds another block ${n} of ${id} than ${at.chainId} committed`, 'read the data directory of an honest node of that chain', { number: n.toString() });
      }
      steps.push({ child: id, blockOf, stateAt: () => final.state });
      at = { store: level.store, chainId: id, dir, number: Number(n), ledger: final.state.ledger, T: final.header.timestamp };
    }

    const ledger = at.ledger;
    requireChild(at, K);
    const T = at.T;
    if (query.childDataDir !== undefined) {
      child = await ChainStore.openReadOnly(query.childDataDir);
      if (child.chainId.toLowerCase() !== K) {
        throw escapeError('STORE_MISMATCH', `the data directory ${query.childDataDir} holds chain ${child.chainId}, not ${K}`, "point at the data directory of that chain's node", { found: child.chainId, expected: K });
      }
    }
    // K's committed blocks as its parent recorded them (its COMMIT_CHILD index, checked against the ledger).
    const { info, n, blocks, windowEnds, blockOf } = await committedChildBlocks(at, K, child?.store);
    const path = buildNestedPath(frozen, parentState.ledger, [...steps, { child: K, blockOf }]);
    const final = path.final;

    const skipped: NestedEscapeSource['skipped'] = [];
    const accounts: NestedAccountProof[] = [];
    const exits: NestedExitProof[] = [];
    let childState: ChainState | undefined;
    if (n > 0n) {
      if (!child) {
        throw escapeError('CHILD_DATA_DIR_REQUIRED', `block ${n} of ${K} is final in ${at.chainId}'s ledger: its accounts and exits are read from a data directory of ${K}`,
          `pass the data directory of a node of ${K} (--data-dir)`, { child: K, number: n.toString() });
      }
      const childSrc: EscapeProofStore = { store: child.store, chainId: K, rootContract: child.rootContract, parentChainId: at.chainId, edges: query.edges };
      const kAt = await stateAt(childSrc, Number(n));
      if (hashHeader(kAt.header) !== hashHeader(blocks.get(n)!.header)) {
        throw escapeError('COMMITMENT_CONFLICT', `${query.childDataDir} holds another block ${n} of ${K} than ${at.chainId} committed`, 'read the data directory of an honest node of the child', { number: n.toString() });
      }
      childState = kAt.state;
      for (const [slot, account] of childState.accounts.entries()) {
        if (account.balance === 0n || (owner !== undefined && account.owner.toLowerCase() !== owner)) continue;
        if (ledger.isEscaped(K, slot)) {
          skipped.push({ what: `slot ${slot} (${account.owner}, ${account.token})`, reason: `paid on ${at.chainId} already (ESCAPE_CHILD_EXIT): it leaves one level up, as that chain's (escapeExit when it is A)` });
          continue;
        }
        accounts.push(buildNestedAccountProof(path, childState, slot));
      }
      for (let m = 1n; m <= n; m++) {
        const stored = await child.store.getBlock(Number(m));
        if (!stored || stored.block.hash.toLowerCase() !== windowEnds.get(m)!.blockHash) {
          throw escapeError('COMMITMENT_CONFLICT', `${query.childDataDir} does not hold block ${m} of ${K} as ${at.chainId} committed it`, 'read the data directory of an honest node of the child', { number: m.toString() });
        }
        stored.block.exits.forEach((leaf, i) => {
          if (!('recipient' in leaf) || leaf.amount === 0n || (owner !== undefined && leaf.recipient.toLowerCase() !== owner)) return;
          if (ledger.isWithdrawn(K, m, BigInt(i))) {
            skipped.push({ what: `exit ${i} of block ${m}`, reason: `paid on ${at.chainId} already (FINALIZE_CHILD_EXIT)` });
            return;
          }
          exits.push(buildNestedExitProof(path, blocks.get(m)!, { recipient: leaf.recipient, token: leaf.token, amount: leaf.amount }, BigInt(i), coreExitProof(stored.block, i)));
        });
      }
    }

    // Deposits in flight: recorded by K's parent for K above block n's depositNonce, their record still in its ledger.
    const deposits: NestedDepositProof[] = [];
    const applied = n > 0n ? blocks.get(n)!.header.depositNonce : 0n;
    if (info.depositCount > applied) {
      for (const d of await at.store.getChildDeposits(K, applied + 1n, info.depositCount)) {
        if (d.kind !== 'deposit' || d.blockNumber > at.number || (owner !== undefined && d.from.toLowerCase() !== owner)) continue;
        const deposit = { nonce: d.nonce, from: normalizeAddress(d.from), to: normalizeAddress(d.to), token: normalizeAddress(d.token), amount: d.amount };
        if (!recordIs(ledger.depositRecord(K, d.nonce), hashDeposit({ chainId: K, ...deposit }))) {
          skipped.push({ what: `deposit ${d.nonce}`, reason: `its record is gone from ${at.chainId}'s ledger (given back there already)` });
          continue;
        }
        deposits.push(buildNestedDepositProof(path, deposit));
      }
    }
    return { parentChainId: parent.chainId, child: K, parentState, head, windowEnd, T, blocks, finalNumber: n, childState, frozen, via: path.via, final, path, accounts, exits, deposits, skipped };
  } finally {
    await child?.store.close();
    for (const level of opened.reverse()) await level.store.close();
    await parent.store.close();
  }
}
