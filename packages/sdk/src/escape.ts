/**
 * The escape hatch for holders (docs/FRAUD.md §2, §4): read a child of the root's status, freeze a chain that
 * stalled, leave a frozen chain with one's exact balance at its final head (PlasmaRoot.escapeExit) and take back
 * deposits the chain never applied (PlasmaRoot.reclaimDeposit). No validator is needed: the account witness comes
 * from any node that holds the chain (pt_getEscapeProof) or, offline, from a node's data directory.
 */
import { AbiCoder, keccak256 as ethersKeccak, type Provider, type Signer, type TransactionReceipt, type TransactionResponse } from 'ethers';
import {
  PlasmaError,
  accountLeaf,
  bytesToHex,
  chainStateRoot,
  computeMerkleRoot,
  encodeEscapeExitCall,
  encodeReclaimDepositCall,
  hashDeposit,
  hashHeader,
  headerFromJson,
  normalizeAddress,
  recordIs,
  ROOT_CHAIN_ID,
  type AccountWitness,
  type Address,
  type ChainId,
  type Header,
  type Hex,
} from '@plasma-tree/core';
import { plasmaError } from './errors.js';
import { mapL1Error, plasmaRoot, plasmaRootInterface, readL1, readL1Time, sendChecked } from './l1.js';
import { NodeClient } from './node-client.js';

export type ChainStatusName = 'live' | 'frozen-fraud' | 'frozen-stalled';
const STATUS_NAMES: readonly ChainStatusName[] = ['live', 'frozen-fraud', 'frozen-stalled'];

/**
 * A frozen-or-live chain as the escape hatch of its parent (its *host*) sees it, by the host's clock `now`: L1 time
 * for a child of the root (`EscapeClient`), the parent chain's block clock for a child of a chain
 * (`ChainEscapeClient`, docs/FRAUD.md §8). The stall fields are the host's rule on both (PlasmaRoot's, or the parent
 * chain ledger's FREEZE_STALLED_CHILD); on a chain host they are null only from a parent node that predates it.
 */
export interface EscapeHatchStatus {
  chainId: ChainId;
  /** Where the hatch is: 'l1' (PlasmaRoot) or 'chain' (kinds 11/12 on the parent chain). */
  host: 'l1' | 'chain';
  /** The host: ROOT_CHAIN_ID for L1. */
  parentChainId: ChainId;
  status: ChainStatusName;
  frozenAt: number | null;
  stallLimit: number | null;
  challengeWindow: number;
  lastActivity: number | null;
  stallableAt: number | null;
  secondsUntilStallable: number | null;
  headNumber: number;
  headWindowEnd: number;
  headFinal: boolean;
  secondsUntilFinal: number;
  headDepositNonce: number;
  depositCount: number;
  now: number;
}

/**
 * The escape hatch of one host, for the chains it hosts: `EscapeClient` on L1 (children of the root), or
 * `ChainEscapeClient` on a parent chain's node (children of that chain). `TreeClient.escape(chain)` picks one.
 */
export interface EscapeHatch {
  readonly host: 'l1' | 'chain';
  readonly parentChainId: ChainId;
  getChainStatus(chainId: ChainId): Promise<EscapeHatchStatus>;
  subtreeBalances(chainId: ChainId, tokens: readonly string[]): Promise<Map<Address, bigint>>;
  isEscaped(chainId: ChainId, slot: number): Promise<boolean>;
  /** PlasmaRoot.freezeStalled on L1, a FREEZE_STALLED_CHILD (kind 13) on a chain host: freezes a chain past its stall limit. */
  freezeStalled(chainId: ChainId): Promise<{ txHash: Hex; frozenAt: number }>;
  getEscapeProof(args: EscapeExitArgs): Promise<{ proof: EscapeProofAnswer; windowEnd: number; status: EscapeHatchStatus }>;
  escapeExit(args: EscapeExitArgs): Promise<EscapeExitResult>;
  reclaimableDeposits(args: { chainId: ChainId; depositor?: string; fromBlock?: number }): Promise<ReclaimableDeposit[]>;
  reclaimDeposits(args: { chainId: ChainId; depositor?: string; fromBlock?: number }): Promise<ReclaimResult[]>;
}

/** A child of the root as the escape hatch sees it, by L1 time `now`. */
export interface EscapeChainStatus extends EscapeHatchStatus {
  chainId: ChainId;
  host: 'l1';
  status: ChainStatusName;
  /** L1 time of the freeze; null while live. */
  frozenAt: number | null;
  /** Seconds without a commit after which anyone may freeze the chain. */
  stallLimit: number;
  challengeWindow: number;
  /** The head's commit time, or the spawn before block 1. */
  lastActivity: number;
  /** The first L1 time at which freezeStalled succeeds (lastActivity + stallLimit + 1). */
  stallableAt: number;
  /** 0 once stallable (or frozen). */
  secondsUntilStallable: number;
  headNumber: number;
  headWindowEnd: number;
  /** The head can no longer be rolled back (now >= headWindowEnd); escapeExit needs it (and a frozen chain). */
  headFinal: boolean;
  secondsUntilFinal: number;
  /** Deposits applied by the head, and deposits recorded on the root: those in between can be reclaimed once frozen. */
  headDepositNonce: number;
  depositCount: number;
  now: number;
}

/** What escapeExit needs of one account: a block of the chain, its ledger root, and the account's witness. */
export interface EscapeProofAnswer {
  chainId: ChainId;
  head: Header;
  /** The block's windowEnd as the source knows it (null: it did not see the commitment); the root's is used. */
  windowEnd: number | null;
  ledgerRoot: Hex;
  account: AccountWitness;
}

/** Where a witness comes from. `@plasma-tree/node` has one reading a data directory (`dataDirEscapeProofSource`). */
export interface EscapeProofSource {
  /** A short description for messages ("node http://…", "data dir …"). */
  readonly description: string;
  escapeProof(query: { chainId: ChainId; owner: Address; token: Address; number: number }): Promise<EscapeProofAnswer>;
}

export interface EscapeClientOptions {
  /** A Signer for freezeStalled / escapeExit / reclaimDeposits (anyone may send them), or a Provider to read. */
  l1: Signer | Provider;
  rootContract: string;
  /** Receipt polling, ms (default 250). */
  pollMs?: number;
}

export interface EscapeExitArgs {
  chainId: ChainId;
  owner: string;
  token: string;
  /** A node URL (http…), or a source of one's own (e.g. `dataDirEscapeProofSource(dir)` of @plasma-tree/node). */
  proofSource: string | EscapeProofSource;
}

export interface EscapeExitResult {
  txHash: Hex;
  slot: number;
  owner: Address;
  token: Address;
  amount: bigint;
  headNumber: number;
  /** L1 gas of escapeExit; 0 on a chain host (kind 11 is unsigned and costs nothing). */
  gasUsed: bigint;
  host: 'l1' | 'chain';
  /** The L1 block, or the parent chain's block, holding it. */
  blockNumber: number;
}

/** A deposit recorded on the root that the frozen chain never applied. */
export interface ReclaimableDeposit {
  chainId: ChainId;
  nonce: bigint;
  from: Address;
  to: Address;
  token: Address;
  amount: bigint;
}

export interface ReclaimResult extends ReclaimableDeposit {
  txHash: Hex;
  /** The L1 block, or the parent chain's block, holding it (0 when unknown). */
  blockNumber?: number;
}

const abi = AbiCoder.defaultAbiCoder();

/** What the SDK raises for the escape hatch, with a hint per code. */
const escapeError = (code: string, message: string, data: Record<string, unknown> = {}, hint?: string, cause?: unknown): PlasmaError => plasmaError(code, message, data, cause, hint);

export class EscapeClient implements EscapeHatch {
  readonly host = 'l1' as const;
  readonly parentChainId = ROOT_CHAIN_ID;
  readonly rootContract: Address;
  private readonly provider: Provider;
  private readonly signer: Signer | undefined;
  private readonly pollMs: number;

  constructor(opts: EscapeClientOptions) {
    this.rootContract = normalizeAddress(opts.rootContract);
    const asSigner = opts.l1 as Signer;
    this.signer = typeof asSigner.signTransaction === 'function' ? asSigner : undefined;
    const provider = this.signer ? this.signer.provider : (opts.l1 as Provider);
    if (!provider) throw escapeError('NO_PROVIDER', 'the L1 signer has no provider', {}, 'connect the signer to a provider: new Wallet(key, provider)');
    this.provider = provider;
    this.pollMs = opts.pollMs ?? 250;
  }

  // ---------------------------------------------------------------------------------------------- status

  async getChainStatus(chainId: ChainId): Promise<EscapeChainStatus> {
    const root = plasmaRoot(this.rootContract, this.provider);
    const [statusTuple, stall, info, now] = await this.read('reading the chain status', () =>
      Promise.all([root.chainStatus(chainId), root.stallLimit(chainId), root.chainInfo(chainId), readL1Time(this.provider)]),
    );
    const code = Number(statusTuple[0]);
    const headNumber = Number(info.headNumber);
    const headWindowEnd = Number(info.headWindowEnd);
    const challengeWindow = Number(info.challengeWindow);
    const lastActivity = headNumber === 0 ? await this.spawnTime(chainId) : headWindowEnd - challengeWindow;
    const stallLimit = Number(stall);
    const stallableAt = lastActivity + stallLimit + 1;
    const status = STATUS_NAMES[code] ?? 'live';
    return {
      chainId,
      host: 'l1',
      parentChainId: ROOT_CHAIN_ID,
      status,
      frozenAt: code === 0 ? null : Number(statusTuple[1]),
      stallLimit,
      challengeWindow,
      lastActivity,
      stallableAt,
      secondsUntilStallable: status === 'live' ? Math.max(0, stallableAt - now) : 0,
      headNumber,
      headWindowEnd,
      headFinal: headNumber > 0 && now >= headWindowEnd,
      secondsUntilFinal: Math.max(0, headWindowEnd - now),
      headDepositNonce: Number(info.headDepositNonce),
      depositCount: Number(info.depositCount),
      now,
    };
  }

  /** What the root holds for the chain's subtree, per token (the cap on every exit and escape). */
  async subtreeBalances(chainId: ChainId, tokens: readonly string[]): Promise<Map<Address, bigint>> {
    const root = plasmaRoot(this.rootContract, this.provider);
    const out = new Map<Address, bigint>();
    for (const t of tokens) {
      const token = normalizeAddress(t);
      out.set(token, BigInt(await this.read('reading a subtree balance', () => root.subtreeBalance(chainId, token))));
    }
    return out;
  }

  /** Whether account slot `slot` of a frozen chain was paid by escapeExit. */
  async isEscaped(chainId: ChainId, slot: number): Promise<boolean> {
    return Boolean(await this.read('reading isEscaped', () => plasmaRoot(this.rootContract, this.provider).isEscaped(chainId, slot)));
  }

  // ---------------------------------------------------------------------------------------------- freeze

  /** Freezes a live chain that committed nothing for longer than its stall limit (anyone may). */
  async freezeStalled(chainId: ChainId): Promise<{ txHash: Hex; frozenAt: number }> {
    const signer = this.requireSigner('freezeStalled');
    const status = await this.getChainStatus(chainId);
    if (status.status !== 'live') {
      throw escapeError('CHAIN_IS_FROZEN', `chain ${chainId} is already frozen (${status.status})`, { chainId, status: status.status, frozenAt: status.frozenAt },
        'nothing to freeze: its holders can escape now (`plasma-tree escape exit`)');
    }
    const root = plasmaRoot(this.rootContract, signer);
    const receipt = await this.sendChecked('freezeStalled', () => root.freezeStalled.staticCall(chainId), () => root.freezeStalled(chainId), (err) => {
      if (err.code === 'NOT_STALLED') return this.notStalled(chainId, status);
      return err;
    });
    const after = await this.getChainStatus(chainId);
    return { txHash: receipt.hash as Hex, frozenAt: after.frozenAt ?? 0 };
  }

  // ---------------------------------------------------------------------------------------------- escape

  /**
   * The witness of (owner, token) at the frozen chain's head from `proofSource`, checked against the root before
   * any gas is spent: the header is the head the root committed (same hash and windowEnd), the witness opens the
   * owner's slot of its state root. CHAIN_NOT_FROZEN, NOTHING_TO_ESCAPE, PROOF_MISMATCH otherwise.
   */
  async getEscapeProof(args: EscapeExitArgs): Promise<{ proof: EscapeProofAnswer; windowEnd: number; status: EscapeChainStatus }> {
    const owner = normalizeAddress(args.owner);
    const token = normalizeAddress(args.token);
    const status = await this.getChainStatus(args.chainId);
    if (status.headNumber === 0) {
      throw escapeError('NOTHING_TO_ESCAPE', `chain ${args.chainId} never committed a block: no account to escape from`, { chainId: args.chainId },
        'its deposits were never applied: take them back with `plasma-tree escape reclaim`');
    }
    const source = escapeProofSource(args.proofSource);
    let proof: EscapeProofAnswer;
    try {
      proof = await source.escapeProof({ chainId: args.chainId, owner, token, number: status.headNumber });
    } catch (e) {
      if (e instanceof PlasmaError && e.code === 'NOTHING_TO_ESCAPE') throw e;
      throw escapeError(e instanceof PlasmaError ? e.code : 'PROOF_UNAVAILABLE', `${source.description} cannot give the escape proof of ${owner}: ${(e as Error).message}`, { source: source.description },
        e instanceof PlasmaError ? e.hint || undefined : 'check the node URL or data directory', e);
    }
    await this.checkProof(args.chainId, status, proof, { owner, token }, source.description);
    return { proof, windowEnd: status.headWindowEnd, status };
  }

  /**
   * Pays `owner`'s whole balance of `token` at the frozen chain's final head to `owner` on L1 (any signer may send
   * it). Checks first, with clear errors: CHAIN_NOT_FROZEN (with the time until it can be frozen), HEAD_NOT_FINAL
   * (with the seconds left), NOTHING_TO_ESCAPE, ALREADY_ESCAPED; the contract's own refusals map the same way.
   */
  async escapeExit(args: EscapeExitArgs): Promise<EscapeExitResult> {
    const signer = this.requireSigner('escapeExit');
    const pre = await this.getChainStatus(args.chainId);
    this.requireFrozen(pre);
    if (!pre.headFinal && pre.headNumber > 0) throw this.headNotFinal(pre);
    const { proof, windowEnd, status } = await this.getEscapeProof(args);
    const slot = proof.account.slot;
    if (await this.isEscaped(args.chainId, slot)) {
      throw escapeError('ALREADY_ESCAPED', `slot ${slot} of chain ${args.chainId} (${proof.account.owner}, ${proof.account.token}) was already paid by escapeExit`,
        { chainId: args.chainId, slot }, 'each account leaves once: check the owner\'s L1 balance');
    }
    const data = encodeEscapeExitCall(args.chainId, proof.head, BigInt(windowEnd), proof);
    const receipt = await this.sendChecked('escapeExit', () => signer.call({ to: this.rootContract, data }), () => signer.sendTransaction({ to: this.rootContract, data }),
      (err) => (err.code === 'CHALLENGE_WINDOW_OPEN' ? this.headNotFinal(status) : err));
    return { txHash: receipt.hash as Hex, slot, owner: proof.account.owner, token: proof.account.token, amount: proof.account.balance, headNumber: status.headNumber, gasUsed: receipt.gasUsed, host: 'l1', blockNumber: receipt.blockNumber };
  }

  // ---------------------------------------------------------------------------------------------- reclaim

  /**
   * Deposits of a frozen (or live) chain that its head never applied (nonce > head.depositNonce) and whose record is
   * still on the root (not reclaimed yet), from the root's Deposited events; only `depositor`'s when given.
   */
  async reclaimableDeposits(args: { chainId: ChainId; depositor?: string; fromBlock?: number }): Promise<ReclaimableDeposit[]> {
    const root = plasmaRoot(this.rootContract, this.provider);
    const status = await this.getChainStatus(args.chainId);
    const depositor = args.depositor === undefined ? undefined : normalizeAddress(args.depositor);
    const logs = await this.read('reading Deposited events', () => this.provider.getLogs({
      address: this.rootContract,
      topics: [plasmaRootInterface().getEvent('Deposited')!.topicHash, args.chainId],
      fromBlock: args.fromBlock ?? 0,
      toBlock: 'latest',
    }));
    const out: ReclaimableDeposit[] = [];
    for (const log of logs) {
      const e = plasmaRootInterface().parseLog(log)!;
      const d: ReclaimableDeposit = {
        chainId: args.chainId,
        nonce: BigInt(e.args.nonce),
        from: normalizeAddress(e.args.from),
        to: normalizeAddress(e.args.to),
        token: normalizeAddress(e.args.token),
        amount: BigInt(e.args.amount),
      };
      if (d.nonce <= BigInt(status.headDepositNonce) || (depositor !== undefined && d.from !== depositor)) continue;
      // A reclaimed deposit's record is deleted: only those still recorded can be paid.
      const record = String(await this.read('reading a deposit record', () => root.depositRecord(args.chainId, d.nonce))).toLowerCase();
      if (recordIs(record as Hex, hashDeposit(d))) out.push(d);
    }
    return out;
  }

  /** Returns every reclaimable deposit (of `depositor` when given) to its depositor; NOTHING_TO_RECLAIM if none. */
  async reclaimDeposits(args: { chainId: ChainId; depositor?: string; fromBlock?: number }): Promise<ReclaimResult[]> {
    const signer = this.requireSigner('reclaimDeposit');
    this.requireFrozen(await this.getChainStatus(args.chainId));
    const deposits = await this.reclaimableDeposits(args);
    if (deposits.length === 0) {
      throw escapeError('NOTHING_TO_RECLAIM', `chain ${args.chainId} has no unapplied deposit${args.depositor ? ` of ${args.depositor}` : ''} left to reclaim`, { chainId: args.chainId, depositor: args.depositor ?? null });
    }
    const out: ReclaimResult[] = [];
    for (const d of deposits) {
      const data = encodeReclaimDepositCall(d);
      const receipt = await this.sendChecked('reclaimDeposit', () => signer.call({ to: this.rootContract, data }), () => signer.sendTransaction({ to: this.rootContract, data }));
      out.push({ ...d, txHash: receipt.hash as Hex, blockNumber: receipt.blockNumber });
    }
    return out;
  }

  // ---------------------------------------------------------------------------------------------- internals

  private async checkProof(chainId: ChainId, status: EscapeChainStatus, proof: EscapeProofAnswer, want: { owner: Address; token: Address }, from: string): Promise<void> {
    const mismatch = (what: string, data: Record<string, unknown> = {}) =>
      escapeError('PROOF_MISMATCH', `the escape proof from ${from} ${what}`, { source: from, ...data }, 'the source holds another chain, or blocks the root never committed: use another node or data directory');
    if (proof.chainId.toLowerCase() !== chainId.toLowerCase() || proof.head.chainId.toLowerCase() !== chainId.toLowerCase()) throw mismatch(`is for chain ${proof.head.chainId}`);
    if (Number(proof.head.number) !== status.headNumber) throw mismatch(`is for block ${proof.head.number}, the root's head is ${status.headNumber}`);
    const record = String(await this.read('reading the commitment record', () => plasmaRoot(this.rootContract, this.provider).commitmentRecord(chainId, status.headNumber))).toLowerCase();
    const expected = ethersKeccak(abi.encode(['bytes32', 'uint64'], [hashHeader(proof.head), status.headWindowEnd])).toLowerCase();
    if (record !== expected) throw mismatch(`has a header the root did not commit as block ${status.headNumber}`, { headNumber: status.headNumber });
    checkWitness(proof, want, status.headNumber, mismatch);
  }

  private requireFrozen(status: EscapeChainStatus): void {
    if (status.status !== 'live') return;
    const wait = status.secondsUntilStallable;
    throw escapeError('CHAIN_NOT_FROZEN', `chain ${status.chainId} is live: the escape hatch opens once it is frozen`,
      { chainId: status.chainId, secondsUntilStallable: wait, stallableAt: status.stallableAt },
      wait > 0
        ? `if its validators stay silent it can be frozen in ${wait} s (at L1 time ${status.stallableAt}); until then withdraw normally`
        : 'it has stalled: freeze it first with `plasma-tree escape freeze <chain>`');
  }

  private headNotFinal(status: EscapeChainStatus): PlasmaError {
    return escapeError('HEAD_NOT_FINAL', `the head (block ${status.headNumber}) of chain ${status.chainId} is still inside its challenge window: ${status.secondsUntilFinal} s left`,
      { chainId: status.chainId, headWindowEnd: status.headWindowEnd, secondsLeft: status.secondsUntilFinal },
      `a fraud proof may still roll it back: escape after L1 time ${status.headWindowEnd} (${status.secondsUntilFinal} s)`);
  }

  private notStalled(chainId: ChainId, status: EscapeChainStatus): PlasmaError {
    return escapeError('NOT_STALLED', `chain ${chainId} committed within its stall limit: it can be frozen in ${status.secondsUntilStallable} s`,
      { chainId, stallableAt: status.stallableAt, secondsLeft: status.secondsUntilStallable, lastActivity: status.lastActivity, stallLimit: status.stallLimit },
      `retry after L1 time ${status.stallableAt} if it stays silent`);
  }

  private async spawnTime(chainId: ChainId): Promise<number> {
    const logs = await this.read('reading ChainSpawned', () => this.provider.getLogs({
      address: this.rootContract,
      topics: [plasmaRootInterface().getEvent('ChainSpawned')!.topicHash, chainId],
      fromBlock: 0,
      toBlock: 'latest',
    }));
    if (logs.length === 0) return 0;
    const block = await this.read('reading a block', () => this.provider.getBlock(logs[0].blockNumber));
    return block?.timestamp ?? 0;
  }

  private requireSigner(action: string): Signer {
    if (!this.signer) throw escapeError('SIGNER_REQUIRED', `${action} sends an L1 transaction: the client has a provider only`, { action }, 'pass a Signer as `l1` (any account may pay the gas)');
    return this.signer;
  }

  private read<T>(action: string, fn: () => Promise<T>): Promise<T> {
    return readL1(action, fn);
  }

  /** Dry run (its revert decoded to a code and a hint), then send and wait for the receipt (l1.ts sendChecked). */
  private sendChecked(action: string, dryRun: () => Promise<unknown>, send: () => Promise<TransactionResponse>, remap: (err: PlasmaError) => PlasmaError = (e) => e): Promise<TransactionReceipt> {
    return sendChecked(this.provider, this.pollMs, action, dryRun, send, remap);
  }
}

/** The witness opens (owner, token)'s slot of the head's state root (both hosts check it before sending). */
export function checkWitness(proof: EscapeProofAnswer, want: { owner: Address; token: Address }, headNumber: number, mismatch: (what: string, data?: Record<string, unknown>) => PlasmaError): void {
  const a = proof.account;
  if (a.owner.toLowerCase() !== want.owner || a.token.toLowerCase() !== want.token) throw mismatch(`opens the slot of (${a.owner}, ${a.token})`);
  const leaf = accountLeaf({ owner: a.owner, token: a.token, balance: a.balance, nonce: a.nonce });
  const accountsRoot = computeMerkleRoot(leaf, a.slot, a.proof);
  if (chainStateRoot(accountsRoot, proof.ledgerRoot) !== proof.head.stateRoot.toLowerCase()) {
    throw mismatch(`does not open slot ${a.slot} of block ${headNumber}'s state root`, { slot: a.slot, accountsRoot: bytesToHex(accountsRoot) });
  }
}

/**
 * A proof source from a node URL or a source object. A data directory is read by `@plasma-tree/node`'s
 * `dataDirEscapeProofSource` (the SDK never loads the node's database code).
 */
export function escapeProofSource(source: string | EscapeProofSource): EscapeProofSource {
  if (typeof source !== 'string') return source;
  if (/^https?:\/\//i.test(source)) return nodeProofSource(source);
  throw escapeError('BAD_PROOF_SOURCE', `"${source}" is not a node URL`, { source }, "give a node's http(s) URL, or pass dataDirEscapeProofSource(dir) from @plasma-tree/node for a data directory");
}

/** pt_getEscapeProof of a running node (a full node, a watcher, a validator). */
export function nodeProofSource(node: string | NodeClient): EscapeProofSource {
  const client = typeof node === 'string' ? new NodeClient({ url: node }) : node;
  return {
    description: `node ${client.url}`,
    async escapeProof({ owner, token, number }) {
      return escapeProofFromJson(await client.request<unknown>('pt_getEscapeProof', [owner, token, number]));
    },
  };
}

/** pt_getEscapeProof's JSON answer, decoded. */
export function escapeProofFromJson(json: unknown): EscapeProofAnswer {
  const j = json as { chainId: ChainId; head: unknown; windowEnd: number | null; ledgerRoot: Hex; account: { slot: number; owner: string; token: string; balance: string; nonce: string | number; proof: Hex[] } };
  if (!j || typeof j !== 'object' || !j.account || !Array.isArray(j.account.proof) || j.account.proof.length !== 32) {
    throw escapeError('BAD_RESPONSE', 'the escape proof answer is malformed', {}, 'the node may run another version: ask another node');
  }
  return {
    chainId: j.chainId.toLowerCase() as ChainId,
    head: headerFromJson(j.head),
    windowEnd: j.windowEnd,
    ledgerRoot: j.ledgerRoot,
    account: {
      slot: Number(j.account.slot),
      owner: normalizeAddress(j.account.owner),
      token: normalizeAddress(j.account.token),
      balance: BigInt(j.account.balance),
      nonce: BigInt(j.account.nonce),
      proof: j.account.proof,
    },
  };
}
