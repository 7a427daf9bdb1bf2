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
