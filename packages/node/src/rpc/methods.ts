import {
  EXIT_DATA_CHUNK_COUNT,
  EdgeDeliveryStatus,
  PlasmaError,
  blockToJson,
  blockTxToJson,
  bytesToHex,
  exitProof,
  exitToJson,
  headerToJson,
  isEdgeUpEvent,
  isHex,
  isPlasmaError,
  ledgerEntryLeaf,
  normalizeAddress,
  readMessageInbox,
  signedTxFromJson,
  type Address,
  type ChainId,
  type DataChallengeEntry,
  type Exit,
  type Hex,
  type SignedTx,
} from '@plasma-tree/core';
import type { Chain } from '../chain.js';
import type { ChildDepositRecord, StoredBlock, TxLocation } from '../db/chainStore.js';
import { nodeError } from '../errors.js';
import { buildEscapeProof, escapeProofToJson } from '../escape.js';
import { faultRpcMethods, type FaultInjector } from '../faults/index.js';
import type { Mempool } from '../mempool.js';
import type { EquivocationRecord } from '../consensus/service.js';
import { RpcError, RpcErrorCode, invalidParams, type RpcMethods } from './server.js';

export interface RpcComponents {
  chain: Chain;
  mempool: Mempool;
  /** Fault injection (NodeOptions `faults`): reported in pt_chainInfo, withheld blocks, pt_getEquivocation. */
  faults?: FaultInjector;
  /** The chain's network, when the node has one (NodeOptions `p2p`): reported in pt_chainInfo. */
  p2p?: () => { peerId: string; addresses: string[]; peers: number; mode: 'quorum' | 'local' | 'follower' };
  /** Equivocations this validator's consensus saw (pt_consensusEvidence); absent on a node outside a quorum. */
  evidence?: () => readonly EquivocationRecord[];
}

/** Most transactions in one `pt_sendTransactions` call. */
export const MAX_TXS_PER_CALL = 10_000;

type ReceiptStatus = 'pending' | 'included' | 'committed' | 'rejected';

/**
 * The node's JSON-RPC methods (docs/SPEC.md "Node JSON-RPC"): amounts as decimal strings, byte strings as
 * 0x-hex, counters as JSON numbers. Domain errors are PlasmaErrors (answered as -32000 with `data.reason`);
 * malformed parameters are -32602.
 */
export function createRpcMethods({ chain, mempool, faults, p2p, evidence }: RpcComponents): RpcMethods {
  const { store, state, params } = chain;

  const blockJson = ({ block, txHashes }: StoredBlock) => ({ ...blockToJson(block), txHashes });
  /** A block as pt_getBlockBy* serve it: null when unknown, or withheld by a faulty node. */
  const served = (stored: StoredBlock | undefined) => (stored && !faults?.withholds(Number(stored.block.header.number)) ? blockJson(stored) : null);

  /**
   * The location, block and windowEnd of a transaction that added an exit-tree leaf (a withdrawal, an up edge
   * call), once its block is committed on the parent; UNKNOWN_TX, NOT_A_WITHDRAWAL / NOT_AN_EXIT,
   * WITHDRAWAL_NOT_COMMITTED / EXIT_NOT_COMMITTED otherwise (`what` picks the codes).
   */
  const committedExit = async (txHash: Hex, what: 'withdrawal' | 'exit') => {
    const notCommitted = what === 'withdrawal' ? 'WITHDRAWAL_NOT_COMMITTED' : 'EXIT_NOT_COMMITTED';
    const location: TxLocation | undefined = await store.getTxLocation(txHash);
    if (!location) {
      if (mempool.has(txHash)) {
        throw nodeError(notCommitted, `transaction ${txHash} is still waiting for a block`,
          'wait until its block is committed on the parent (pt_getReceipt says "committed"), then ask again', { txHash, blockNumber: null });
      }
      throw nodeError('UNKNOWN_TX', `no transaction ${txHash} in this chain`, 'check the hash (pt_getReceipt); a node only knows transactions it received or included', { txHash });
    }
    const { blockNumber, index, exitIndex } = location;
    if (exitIndex === null) {
      if (what === 'withdrawal') throw nodeError('NOT_A_WITHDRAWAL', `transaction ${txHash} is not a withdrawal`, 'only withdrawals have exits to finalize on L1', { txHash, blockNumber, index });
      throw nodeError('NOT_AN_EXIT', `transaction ${txHash} added no leaf to its block's exit tree`, 'only withdrawals and up edge calls (EDGE_SEND with child 0) have exit proofs', { txHash, blockNumber, index });
    }
    const commitment = blockNumber <= store.committed.number ? await store.getCommitment(blockNumber) : undefined;
    if (!commitment) {
      throw nodeError(notCommitted, `block ${blockNumber} with transaction ${txHash} is not committed on the parent yet (committed up to block ${store.committed.number})`,
        'wait until pt_getReceipt says "committed", then ask again', { txHash, blockNumber, committedNumber: store.committed.number });
    }
    const { block } = (await store.getBlock(blockNumber))!;
    return { location, block, windowEnd: commitment.windowEnd };
  };

  return {
    pt_chainInfo: () => ({
      chainId: params.chainId,
      parentChainId: params.parentChainId,
      l1ChainId: Number(params.l1ChainId),
      rootContract: params.rootContract,
      validators: params.validators,
      threshold: params.threshold,
      challengeWindow: params.challengeWindow,
      // The size rule (docs/LEDGER-PROOFS.md): a child of this chain is one deeper, its chunk budget smaller.
      depth: chain.depth,
      chunkBudget: chain.chunkBudget,
      head: chain.head,
      committed: store.committed,
      final: chain.final,
      depositNonce: Number(chain.depositNonce),
      mempoolSize: mempool.size,
      edgeFunctions: chain.edges.functions.map(({ name, fn, direction }) => ({ name, fn, direction })),
      ...(faults ? { faults: faults.info() } : {}),
      ...(p2p ? { p2p: p2p() } : {}),
    }),

    pt_sendTransaction: async (p) => {
      const tx = parseSignedTx(param(p, 0, 'tx'));
      const [result] = await mempool.submit([tx]);
      if ('error' in result) throw result.error;
      return { hash: result.hash };
    },

    pt_sendTransactions: async (p) => {
      const list = param(p, 0, 'txs');
      if (!Array.isArray(list)) throw invalidParams('params[0] must be an array of signed transactions');
      if (list.length > MAX_TXS_PER_CALL) throw invalidParams(`at most ${MAX_TXS_PER_CALL} transactions per call, got ${list.length}: split the batch`);
      const answers: ({ hash: Hex } | { error: { code: string; message: string } })[] = new Array(list.length);
      const txs: SignedTx[] = [];
      const positions: number[] = [];
      list.forEach((json, i) => {
        try {
          txs.push(signedTxFromJson(json));
          positions.push(i);
        } catch (e) {
          answers[i] = { error: itemError(e) };
        }
      });
      const results = await mempool.submit(txs);
      results.forEach((result, k) => {
        answers[positions[k]] = 'error' in result ? { error: itemError(result.error) } : { hash: result.hash };
      });
      return answers;
    },

    pt_getAccount: (p) => {
      const owner = addressParam(p, 0, 'owner');
      const token = addressParam(p, 1, 'token');
      const slot = state.slotOf(owner, token);
      const account = slot === undefined ? undefined : state.get(slot);
      if (slot === undefined || !account) return { slot: null, balance: '0', nonce: 0, pendingNonce: 0 };
      return {
        slot,
        balance: account.balance.toString(),
        nonce: Number(account.nonce),
        pendingNonce: Number(mempool.pendingNonce(slot) ?? account.nonce),
      };
    },

    pt_getBalance: (p) => {
      const slot = state.slotOf(addressParam(p, 0, 'owner'), addressParam(p, 1, 'token'));
      return (slot === undefined ? 0n : (state.get(slot)?.balance ?? 0n)).toString();
    },

    pt_getBlockByNumber: async (p) => {
      const which = param(p, 0, 'number');
      let number: number;
      if (which === 'latest') number = chain.head.number;
      else if (typeof which === 'number' && Number.isSafeInteger(which) && which >= 0) number = which;
      else throw invalidParams(`params[0] must be a block number or "latest", got ${JSON.stringify(which)}`);
      return served(await store.getBlock(number));
    },

    pt_getBlockByHash: async (p) => served(await store.getBlockByHash(hashParam(p, 0, 'hash'))),

    pt_getReceipt: async (p) => {
      const txHash = hashParam(p, 0, 'txHash');
      const receipt = (status: ReceiptStatus, extra: Record<string, unknown> = {}) => ({
        txHash,
        status,
        blockNumber: null,
        index: null,
        exitIndex: null,
        windowEnd: null,
        ...extra,
      });
      if (mempool.has(txHash)) return receipt('pending');
      const location = await store.getTxLocation(txHash);
      if (location) {
        const commitment = location.blockNumber <= store.committed.number ? await store.getCommitment(location.blockNumber) : undefined;
        const stored = await store.getBlock(location.blockNumber);
        const tx = stored ? blockTxToJson(stored.block.txs[location.index]) : undefined;
        return receipt(commitment ? 'committed' : 'included', { ...location, windowEnd: commitment?.windowEnd ?? null, kind: tx?.kind ?? null, data: tx?.data ?? null });
      }
      const rejection = await store.getRejection(txHash);
      if (rejection) return receipt('rejected', { reason: rejection.reason, message: rejection.message });
      return null;
    },

    // ---- the ledger of this chain's children (docs/SPEC.md "Serving children") ----------------------------

    pt_time: () => Number(chain.headHeader?.timestamp ?? 0n),
    /** Validators this node saw signing two blocks in one round, with both signed messages (docs/CONSENSUS.md §4.5). */
    pt_consensusEvidence: () => evidence?.() ?? [],

    pt_getChildren: () => state.ledger.children(),

    pt_getChildInfo: (p) => {
      const child = hashParam(p, 0, 'child') as ChainId;
      if (!state.ledger.hasChild(child)) return null;
      const info = state.ledger.childInfo(child);
      return {
        chainId: info.chainId,
        parentChainId: info.parentChainId,
        index: Number(info.index),
        spawner: info.spawner,
        bond: info.bond.toString(),
        validators: info.validators,
        threshold: info.threshold,
        challengeWindow: Number(info.challengeWindow),
        headNumber: Number(info.headNumber),
        headWindowEnd: Number(info.headWindowEnd),
        headDepositNonce: Number(info.headDepositNonce),
        depositCount: Number(info.depositCount),
        // docs/FRAUD.md §8: the stall rule (PlasmaRoot.stallLimit, spawnedAt): FREEZE_STALLED_CHILD succeeds once this
        // chain's clock is past lastActivity + stallLimit (lastActivity: the head's commit time, or spawnedAt before block 1).
        spawnedAt: Number(info.spawnedAt),
        stallLimit: Number(info.stallLimit),
        lastActivity: Number(state.ledger.lastActivity(child)),
        // docs/FRAUD.md §7, §8: 0 live, 1 frozen by a PROVE_CHILD_FRAUD, 2 by a FREEZE_STALLED_CHILD (PlasmaRoot.chainStatus).
        ...(() => {
          const { status, frozenAt } = state.ledger.childStatus(child);
          return { status, frozenAt: Number(frozenAt) };
        })(),
      };
    },

    /**
     * docs/FRAUD.md §9b: block `number` of `child`'s data challenge and publication on this chain (ParentLedger.dataChallenge;
     * all zero when nobody challenged or published it). status: DataChallengeStatus (0 none, 1 open, 2 answered, 3
     * convicted, 4 lapsed); the bond is what an open challenge holds.
     */
    pt_getDataChallenge: (p) => dataChallengeJson(state.ledger.dataChallenge(hashParam(p, 0, 'child') as ChainId, uintParam(p, 1, 'number'))),

    /** The open data challenges of `child`'s blocks, by number: what its validators must answer before each deadline. */
    pt_getDataChallenges: (p) => state.ledger.openDataChallenges(hashParam(p, 0, 'child') as ChainId).map(dataChallengeJson),

    pt_getSubtreeBalance: (p) => state.ledger.subtreeBalance(hashParam(p, 0, 'child') as ChainId, addressParam(p, 1, 'token')).toString(),

    pt_getDepositRecord: async (p) => {
      const record = await store.getChildDeposit(hashParam(p, 0, 'child') as ChainId, uintParam(p, 1, 'nonce'));
      return record ? depositJson(record) : null;
    },

    pt_getChildDeposits: async (p) => {
      const child = hashParam(p, 0, 'child') as ChainId;
      const from = uintParam(p, 1, 'fromNonce');
      const to = uintParam(p, 2, 'toNonce');
      if (to >= from && to - from >= BigInt(MAX_DEPOSITS_PER_CALL)) {
        throw invalidParams(`at most ${MAX_DEPOSITS_PER_CALL} deposits per call: ask for a smaller range`);
      }
      return (await store.getChildDeposits(child, from, to)).map(depositJson);
    },

    pt_getCommitment: async (p) => {
      const child = hashParam(p, 0, 'child') as ChainId;
      const number = uintParam(p, 1, 'number');
      const record = state.ledger.commitmentRecord(child, number);
      const indexed = await store.getChildCommitment(child, number);
      if (!indexed || record === ZERO_HASH) return null;
      return {
        child,
        number: Number(number),
        record,
        blockHash: indexed.blockHash,
        windowEnd: Number(indexed.windowEnd),
        blockNumber: indexed.blockNumber,
        timestamp: Number(indexed.timestamp),
      };
    },

    pt_getLedgerProof: (p) => {
      const key = hashParam(p, 0, 'key');
      const proof = state.ledger.proof(key);
      const entry = state.ledger.entry(key);
      return {
        key,
        entry: entry ? jsonSafe(entry) : null,
        leaf: entry ? bytesToHex(ledgerEntryLeaf(entry)) : ZERO_HASH,
        bitmap: proof.bitmap,
        siblings: proof.siblings,
        ledgerRoot: state.ledger.root,
        accountsRoot: state.accounts.root,
        stateRoot: state.root,
        blockNumber: chain.head.number,
      };
    },

    pt_getWithdrawalProof: async (p) => {
      const txHash = hashParam(p, 0, 'txHash');
      const { location, block, windowEnd } = await committedExit(txHash, 'withdrawal');
      const leaf = block.exits[location.exitIndex!];
      if (isEdgeUpEvent(leaf)) {
        throw nodeError('NOT_A_WITHDRAWAL', `transaction ${txHash} is an up edge call, not a withdrawal`, 'ask pt_getExitProof for the proof of an up edge event', { txHash, blockNumber: location.blockNumber, index: location.index });
      }
      return {
        chainId: params.chainId,
        blockNumber: location.blockNumber,
        header: headerToJson(block.header),
        windowEnd,
        exit: exitToJson(leaf as Exit),
        index: location.exitIndex,
        proof: exitProof(block, location.exitIndex!),
      };
    },

    pt_getExitProof: async (p) => {
      const txHash = hashParam(p, 0, 'txHash');
      const { location, block, windowEnd } = await committedExit(txHash, 'exit');
      const leaf = block.exits[location.exitIndex!];
      return {
        chainId: params.chainId,
        blockNumber: location.blockNumber,
        header: headerToJson(block.header),
        windowEnd,
        leaf: isEdgeUpEvent(leaf)
          ? { kind: 'edge', fn: leaf.fn, sourceChain: leaf.sourceChain, sender: leaf.sender, payload: leaf.payload }
          : { kind: 'exit', ...exitToJson(leaf) },
        index: location.exitIndex,
        proof: exitProof(block, location.exitIndex!),
      };
    },

    // ---- the escape hatch (docs/FRAUD.md §4): a holder's witness against a committed block -----------------

    pt_getEscapeProof: async (p) => {
      const owner = addressParam(p, 0, 'owner');
      const token = addressParam(p, 1, 'token');
      // Default: the newest block this node knows the parent committed (never a block only this node saw).
      const number = p.length > 2 && p[2] !== null ? Number(uintParam(p, 2, 'number')) : undefined;
      const proof = await buildEscapeProof(
        { store, chainId: params.chainId, rootContract: params.rootContract, parentChainId: params.parentChainId, edges: chain.edges, headState: state },
        { owner, token, number },
      );
      return escapeProofToJson(proof);
    },

    // ---- this chain's side of its edge functions (docs/EDGE.md) -------------------------------------------

    pt_getEdgeDelivery: (p) => {
      const nonce = uintParam(p, 0, 'nonce');
      const delivery = state.ledger.edgeDelivery(nonce);
      if (!delivery) return null;
      return { nonce: Number(nonce), fn: delivery.fn, status: delivery.status === EdgeDeliveryStatus.Delivered ? 'delivered' : 'failed' };
    },

    pt_getInbox: (p) => {
      const from = p.length > 0 && p[0] !== null ? uintParam(p, 0, 'fromIndex') : 1n;
      const limit = p.length > 1 && p[1] !== null ? uintParam(p, 1, 'limit') : BigInt(MAX_INBOX_PER_CALL);
      if (limit > BigInt(MAX_INBOX_PER_CALL)) throw invalidParams(`at most ${MAX_INBOX_PER_CALL} messages per call: ask for a smaller limit`);
      return readMessageInbox(state.ledger, from)
        .slice(0, Number(limit))
        .map((m) => ({ index: Number(m.index), sourceChain: m.sourceChain, sender: m.sender, target: m.target, data: m.data }));
    },

    pt_getEdgeStorage: (p) => {
      const fn = hashParam(p, 0, 'fn');
      const key = param(p, 1, 'key');
      if (!isHex(key)) throw invalidParams(`params[1] (key) must be 0x-hex bytes, got ${JSON.stringify(key)}`);
      return state.ledger.edgeStorage(fn, key) ?? null;
    },

    ...(faults ? faultRpcMethods(faults, chain) : {}),
  };
}

/** Most deposits in one `pt_getChildDeposits` answer. */
export const MAX_DEPOSITS_PER_CALL = 1000;
/** Most messages in one `pt_getInbox` answer (also its default limit). */
export const MAX_INBOX_PER_CALL = 1000;

const ZERO_HASH = `0x${'00'.repeat(32)}`;

function depositJson(d: ChildDepositRecord) {
  if (d.kind === 'edge') {
    return { kind: 'edge', child: d.child, nonce: Number(d.nonce), fn: d.fn, sender: d.sender, payload: d.payload, depositHash: d.depositHash, blockNumber: d.blockNumber, index: d.index };
  }
  return {
    kind: 'deposit',
    child: d.child,
    nonce: Number(d.nonce),
    from: d.from,
    to: d.to,
    token: d.token,
    amount: d.amount.toString(),
    depositHash: d.depositHash,
    blockNumber: d.blockNumber,
    index: d.index,
  };
}

/** A value with its bigints as decimal strings and its byte arrays as 0x-hex. */
function jsonSafe(value: unknown): any {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Uint8Array) return bytesToHex(value);
  if (Array.isArray(value)) return value.map(jsonSafe);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, jsonSafe(v)]));
  return value;
}

function uintParam(p: unknown[], index: number, name: string): bigint {
  const value = param(p, index, name);
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return BigInt(value);
  if (typeof value === 'string' && /^(0|[1-9][0-9]*)$/.test(value) && value.length <= 20) return BigInt(value);
  throw invalidParams(`params[${index}] (${name}) must be a non-negative integer, got ${JSON.stringify(value)}`);
}

function param(p: unknown[], index: number, name: string): unknown {
  if (index >= p.length) throw invalidParams(`missing params[${index}] (${name})`);
  return p[index];
}

function addressParam(p: unknown[], index: number, name: string): Address {
  const value = param(p, index, name);
  try {
    return normalizeAddress(value as string);
  } catch (e) {
    throw invalidParams(`params[${index}] (${name}): ${(e as Error).message}`);
  }
}

function hashParam(p: unknown[], index: number, name: string): Hex {
  const value = param(p, index, name);
  if (!isHex(value, 32)) throw invalidParams(`params[${index}] (${name}) must be 32 bytes of 0x-hex, got ${JSON.stringify(value)}`);
  return value.toLowerCase() as Hex;
}

/** A malformed transaction is an invalid parameter (-32602), still with `data.reason` for clients. */
function parseSignedTx(json: unknown): SignedTx {
  try {
    return signedTxFromJson(json);
  } catch (e) {
    if (isPlasmaError(e)) throw new RpcError(RpcErrorCode.INVALID_PARAMS, e.message, { reason: e.code, ...e.data });
    throw e;
  }
}

/** Per-transaction error of `pt_sendTransactions`: the core/node code and its message. */
function itemError(e: unknown): { code: string; message: string } {
  if (e instanceof PlasmaError) return { code: e.code, message: e.message };
  return { code: 'MALFORMED_TX', message: (e as Error)?.message ?? String(e) };
}

/** A DataChallenge ledger entry in JSON-RPC form (integers as numbers, the bond as a decimal string). */
function dataChallengeJson(d: Readonly<DataChallengeEntry>) {
  const exitPublished = d.nextExitChunk === EXIT_DATA_CHUNK_COUNT;
  return {
    child: d.child,
    number: Number(d.number),
    challenger: d.challenger,
    deadline: Number(d.deadline),
    status: d.status,
    bond: d.bond.toString(),
    nextChunk: d.nextChunk,
    txsPublished: d.txsPublished,
    nextExitChunk: exitPublished ? 0 : d.nextExitChunk,
    exitPublished,
    published: d.txsPublished && exitPublished,
  };
}
