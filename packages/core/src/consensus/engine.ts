/**
 * HeightConsensus: the IBFT 2.0 rules of docs/CONSENSUS.md §4 for ONE height, as a pure synchronous state
 * machine. Every input returns the actions the node must carry out, in order; the engine never reads a clock,
 * a disk or the network, so a given sequence of inputs always yields the same actions.
 *
 * Conventions:
 * - `onMessage` verifies the message itself (signatures of everything nested, signer ∈ validators, proposer
 *   rotation, justification): it throws that PlasmaError for a provably bad message (the node may lower the
 *   sender's score) before touching any state. Messages of other heights, old rounds, duplicates and a second
 *   PROPOSAL of one round are ignored ([]).
 * - The engine's own messages are applied locally when it creates them (in the same call); the node only has
 *   to deliver `broadcast` to the others. Feeding them back too is harmless: they are duplicates.
 * - `persist-prepared` comes right before the COMMIT broadcast it protects: the node writes it to disk first.
 * - PREPAREs are not persisted: a restarted validator resumes at the round of its restored certificate and
 *   never prepares or commits another block there or below.
 */
import type { Eip712Domain } from '../eip712.js';
import { PlasmaError } from '../errors.js';
import { secp256k1Scheme } from '../signature.js';
import type { Address, ChainId, Hex } from '../types.js';
import {
  COMMIT,
  PREPARE,
  PROPOSAL,
  ROUND_CHANGE,
  checkJustification,
  checkPreparedCertificate,
  checkRoundChange,
  highestPrepared,
  proposerOf,
  quorum,
  signCommit,
  signPrepare,
  signProposal,
  signRoundChange,
  verifyConsensusMessage,
  type Certificate,
  type Commit,
  type ConsensusContext,
  type ConsensusMessage,
  type PreparedCertificate,
  type Prepare,
  type Proposal,
  type Quorum,
  type RoundChange,
} from './messages.js';

export type ConsensusAction =
  /** Send to every peer (the engine already applied it locally). */
  | { type: 'broadcast'; message: ConsensusMessage }
  /** Call onTimeout(round) after `ms` unless the height is decided first; an older round's timer may be dropped. */
  | { type: 'schedule-timeout'; round: number; ms: number }
  /** Build a new block on the head (down stream + mempool) and answer with onBlockBuilt(round, hash, bytes). */
  | { type: 'build-block'; round: number }
  /** Check blockHash against the decoded block and verifyBlock it; answer onProposalChecked(round, hash, valid). */
  | { type: 'check-proposal'; proposal: Proposal }
  /** Write to disk (replacing the previous one) BEFORE carrying out the actions after it. */
  | { type: 'persist-prepared'; prepared: PreparedCertificate }
  /** `t` seals over (height, blockHash) and the block: apply it with the seals, gossip it, go to height + 1. */
  | { type: 'decide'; certificate: Certificate }
  /** A validator signed two different blocks in one round (informational: safety does not depend on it). */
  | { type: 'equivocation'; evidence: Equivocation };

/**
 * Two messages of one kind, one signer, one height and one round naming different blocks: a PROPOSAL (the round's
 * proposer), a PREPARE or a COMMIT. Both carry their signatures, so anyone can check the evidence. Reported once
 * per (kind, signer, round).
 */
export interface Equivocation {
  kind: 'PROPOSAL' | 'PREPARE' | 'COMMIT';
  signer: Address;
  height: bigint;
  round: number;
  first: Proposal | Prepare | Commit;
  second: Proposal | Prepare | Commit;
}

/** Short alias of ConsensusAction. */
export type Action = ConsensusAction;

export interface HeightConsensusOptions {
  chainId: ChainId;
  domain: Eip712Domain;
  validators: readonly Address[];
  threshold: number;
  height: bigint;
  /** This validator's key; undefined for a full node that only tracks the height (it never signs). */
  self?: { address: Address; privateKey: Hex };
  /** The certificate this validator persisted at this height before a restart. */
  prepared?: PreparedCertificate;
  roundTimeoutMs: number;
}

/** Per signer, rounds kept of one message kind: a faulty validator cannot grow the engine without bound. */
const ROUNDS_PER_SIGNER = 16;
/** Distinct blocks one validator's seals are kept for. */
const SEALS_PER_SIGNER = 16;

/** Messages of one kind by (signer, round); the first counts (a second is a duplicate or an equivocation). */
class RoundBook<T> {
  private readonly bySigner = new Map<Address, Map<number, T>>();

  add(signer: Address, round: number, msg: T): boolean {
    let rounds = this.bySigner.get(signer);
    if (!rounds) this.bySigner.set(signer, (rounds = new Map()));
    if (rounds.has(round)) return false;
    if (rounds.size >= ROUNDS_PER_SIGNER) {
      // Keep the highest rounds: they are the ones that can still matter (round skip, future proposals).
      const lowest = Math.min(...rounds.keys());
      if (round < lowest) return false;
      rounds.delete(lowest);
    }
    rounds.set(round, msg);
    return true;
  }

  get(signer: Address, round: number): T | undefined {
    return this.bySigner.get(signer)?.get(round);
  }

  /** The messages of `round`, ordered by signer (deterministic certificates and justifications). */
  at(round: number): T[] {
    const out: [Address, T][] = [];
    for (const [signer, rounds] of this.bySigner) {
      const m = rounds.get(round);
      if (m !== undefined) out.push([signer, m]);
    }
    return out.sort((a, b) => (a[0] < b[0] ? -1 : 1)).map((e) => e[1]);
  }

  /** Each signer's highest round above `round`, highest first. */
  highestAbove(round: number): number[] {
    const highs: number[] = [];
    for (const rounds of this.bySigner.values()) {
      const high = Math.max(-1, ...rounds.keys());
      if (high > round) highs.push(high);
    }
    return highs.sort((a, b) => b - a);
  }

  prune(below: number): void {
    for (const rounds of this.bySigner.values()) for (const r of rounds.keys()) if (r < below) rounds.delete(r);
  }
}

export class HeightConsensus {
  readonly height: bigint;
  readonly quorum: Quorum;
  private readonly ctx: ConsensusContext;
  private readonly self?: { address: Address; privateKey: Hex };
  private readonly roundTimeoutMs: number;
  private readonly verifyCache = new Set<string>();

  private started = false;
  private currentRound = 0;
  private decided?: Certificate;
  private prepared?: PreparedCertificate;
  private readonly early: ConsensusMessage[] = [];
  /** The PROPOSAL accepted per round (justified, from the round's proposer). */
  private readonly proposals = new Map<number, Proposal>();
  /** The block this validator prepared per round: one PREPARE per round (§4.2). */
  private readonly prepareSent = new Map<number, Hex>();
  private readonly commitSent = new Set<number>();
  private proposedRound = -1;
  private pendingBuild?: { round: number; justification: RoundChange[] };
  private readonly prepares = new RoundBook<Prepare>();
  /** The first COMMIT per (signer, round), to notice a second one for another block. */
  private readonly commits = new RoundBook<Commit>();
  /** `kind:signer:round` of the equivocations reported. */
  private readonly reported = new Set<string>();
  private readonly roundChanges = new RoundBook<RoundChange>();
  /** Seals by block, any round (§3: they add up). */
  private readonly seals = new Map<Hex, Map<Address, Hex>>();
  private readonly sealedBy = new Map<Address, number>();
  /** Block bytes by hash; `checked` once the node confirmed them (preferred over a proposer's word). */
  private readonly blocks = new Map<Hex, { block: Uint8Array; checked: boolean }>();

  constructor(opts: HeightConsensusOptions) {
    this.quorum = quorum(opts.validators.length, opts.threshold);
    const validators = opts.validators.map((v) => v.toLowerCase() as Address);
    this.ctx = { chainId: opts.chainId.toLowerCase() as ChainId, domain: opts.domain, validators };
    this.height = opts.height;
    this.roundTimeoutMs = opts.roundTimeoutMs;
    if (opts.self) {
      const address = secp256k1Scheme.addressOf(opts.self.privateKey);
      if (address !== opts.self.address.toLowerCase() || !validators.includes(address)) {
        throw new PlasmaError('CONSENSUS_NOT_VALIDATOR', `${opts.self.address} is not a validator key of ${opts.chainId}`, {
          hint: 'run the node without a validator key to follow the chain as a full node',
        });
      }
      this.self = { address, privateKey: opts.self.privateKey };
    }
    if (opts.prepared) {
      // A restored certificate is trusted no more than a peer's.
      for (const p of opts.prepared.prepares) verifyConsensusMessage(p, this.ctx);
      checkPreparedCertificate(opts.prepared, this.height, this.quorum.threshold);
      this.prepared = opts.prepared;
    }
  }

  get round(): number {
    return this.currentRound;
  }

  get decision(): Certificate | undefined {
    return this.decided;
  }

  get preparedCertificate(): PreparedCertificate | undefined {
    return this.prepared;
  }

  start(): Action[] {
    if (this.started) return [];
    this.started = true;
    const out: Action[] = [];
    const restored = this.prepared;
    if (restored) {
      // It committed `restored` before its restart: resume in that round, never prepare anything else there,
      // and send its COMMIT again (RFC 6979 gives the same seal) for peers that missed it.
      this.prepareSent.set(restored.round, restored.blockHash);
      this.commitSent.add(restored.round);
      this.proposedRound = restored.round; // never a second proposal in a round we may have proposed in
      this.rememberBlock(restored.blockHash, restored.block, false);
      this.enterRound(restored.round, false, out);
      if (this.self) this.sendCommit(restored.blockHash, out);
    } else {
      this.enterRound(0, false, out);
    }
    for (const msg of this.early.splice(0)) {
      try {
        out.push(...this.onMessage(msg));
      } catch {
        // Verified on arrival; a justification refused now was refused then too.
      }
    }
    return out;
  }

  onMessage(msg: ConsensusMessage): Action[] {
    if (typeof msg?.height === 'bigint' && msg.height !== this.height) return []; // the node routes heights
    verifyConsensusMessage(msg, this.ctx, { cache: this.verifyCache });
    if (this.decided) return [];
    if (!this.started) {
      if (this.early.length < 16 * this.quorum.n) this.early.push(msg);
      return [];
    }
    const out: Action[] = [];
    switch (msg.type) {
      case PROPOSAL:
        this.onProposal(msg, out);
        break;
      case PREPARE:
        this.onPrepare(msg, out);
        break;
      case COMMIT:
        this.addSeal(msg, out);
        break;
      case ROUND_CHANGE:
        this.onRoundChange(msg, out);
        break;
    }
    return out;
  }

  /** The node's answer to check-proposal. `false` only when definitive: a retry may answer later in the round. */
  onProposalChecked(round: number, blockHash: Hex, valid: boolean): Action[] {
    const p = this.proposals.get(round);
    if (!valid || this.decided || !p || p.blockHash !== blockHash) return [];
    const out: Action[] = [];
    this.rememberBlock(blockHash, p.block, true);
    if (round === this.currentRound) this.prepare(p, out);
    this.tryDecide(blockHash, out);
    return out;
  }

  onTimeout(round: number): Action[] {
    if (!this.started || this.decided || round !== this.currentRound) return [];
    const out: Action[] = [];
    this.enterRound(round + 1, true, out);
    return out;
  }

  onBlockBuilt(round: number, blockHash: Hex, block: Uint8Array): Action[] {
    const pending = this.pendingBuild;
    if (this.decided || !pending || pending.round !== round || round !== this.currentRound) return [];
    this.pendingBuild = undefined;
    const out: Action[] = [];
    this.propose(blockHash, block, pending.justification, true, out);
    return out;
  }

  // ---- rules ----------------------------------------------------------------------------------------------

  private onProposal(p: Proposal, out: Action[]): void {
    if (p.round < this.currentRound) {
      // Too late to prepare, but its block may still be the one that gathers t seals.
      if (!this.blocks.has(p.blockHash)) {
        checkJustification(p, this.quorum.threshold);
        this.rememberBlock(p.blockHash, p.block, false);
        this.tryDecide(p.blockHash, out);
      }
      return;
    }
    const first = this.proposals.get(p.round);
    if (first) {
      // A duplicate, or an equivocating proposer's second block: the first one stands.
      if (first.blockHash !== p.blockHash) this.equivocation('PROPOSAL', first, p, out);
      return;
    }
    checkJustification(p, this.quorum.threshold);
    // A justified proposal of a later round proves t validators moved there (§4.2).
    if (p.round > this.currentRound) this.enterRound(p.round, false, out);
    this.accept(p, false, out);
  }

  private accept(p: Proposal, trusted: boolean, out: Action[]): void {
    this.proposals.set(p.round, p);
    this.rememberBlock(p.blockHash, p.block, trusted);
    if (trusted) this.prepare(p, out);
    else out.push({ type: 'check-proposal', proposal: p });
    this.tryDecide(p.blockHash, out);
  }

  private prepare(p: Proposal, out: Action[]): void {
    if (!this.self || this.prepareSent.has(p.round)) return;
    const prepare = signPrepare(this.self.privateKey, { chainId: this.ctx.chainId, height: this.height, round: p.round, blockHash: p.blockHash });
    this.prepareSent.set(p.round, p.blockHash);
    this.prepares.add(prepare.signer, prepare.round, prepare);
    out.push({ type: 'broadcast', message: prepare });
    this.tryCommit(out);
  }

  private onPrepare(p: Prepare, out: Action[]): void {
    if (p.round < this.currentRound) return;
    if (!this.prepares.add(p.signer, p.round, p)) {
      const first = this.prepares.get(p.signer, p.round);
      if (first && first.blockHash !== p.blockHash) this.equivocation('PREPARE', first, p, out);
      return;
    }
    // Our own PREPARE from before a restart: it binds us as much as one sent now.
    if (p.signer === this.self?.address && !this.prepareSent.has(p.round)) this.prepareSent.set(p.round, p.blockHash);
    if (p.round === this.currentRound) this.tryCommit(out);
  }

  /** §4.3: t PREPAREs for the block this validator prepared in the current round → certificate, then COMMIT. */
  private tryCommit(out: Action[]): void {
    const round = this.currentRound;
    const blockHash = this.prepareSent.get(round);
    if (!this.self || blockHash === undefined || this.commitSent.has(round)) return;
    const matching = this.prepares.at(round).filter((p) => p.blockHash === blockHash);
    const block = this.blocks.get(blockHash)?.block;
    if (matching.length < this.quorum.threshold || !block) return;
    this.prepared = { round, blockHash, block, prepares: matching.slice(0, this.quorum.threshold) };
    this.commitSent.add(round);
    out.push({ type: 'persist-prepared', prepared: this.prepared });
    this.sendCommit(blockHash, out);
  }

  private sendCommit(blockHash: Hex, out: Action[]): void {
    const self = this.self!;
    const commit = signCommit(self.privateKey, this.ctx.domain, { chainId: this.ctx.chainId, height: this.height, round: this.currentRound, blockHash });
    out.push({ type: 'broadcast', message: commit });
    this.addSeal(commit, out);
  }

  private addSeal(c: Commit, out: Action[]): void {
    if (!this.commits.add(c.signer, c.round, c)) {
      const first = this.commits.get(c.signer, c.round);
      if (first && first.blockHash !== c.blockHash) this.equivocation('COMMIT', first, c, out);
    }
    let bySigner = this.seals.get(c.blockHash);
    if (bySigner?.has(c.signer)) return;
    const count = this.sealedBy.get(c.signer) ?? 0;
    if (count >= SEALS_PER_SIGNER) return;
    if (!bySigner) this.seals.set(c.blockHash, (bySigner = new Map()));
    bySigner.set(c.signer, c.seal);
    this.sealedBy.set(c.signer, count + 1);
    this.tryDecide(c.blockHash, out);
  }

  private equivocation(kind: Equivocation['kind'], first: Proposal | Prepare | Commit, second: Proposal | Prepare | Commit, out: Action[]): void {
    const key = `${kind}:${second.signer}:${second.round}`;
    if (this.reported.has(key)) return;
    this.reported.add(key);
    out.push({ type: 'equivocation', evidence: { kind, signer: second.signer, height: this.height, round: second.round, first, second } });
  }

  /** §4.4: t seals over (height, H), any rounds, and H's bytes. */
  private tryDecide(blockHash: Hex, out: Action[]): void {
    const bySigner = this.seals.get(blockHash);
    const known = this.blocks.get(blockHash);
    if (this.decided || !bySigner || !known || bySigner.size < this.quorum.threshold) return;
    // Sorted by signer: the order PlasmaRoot's commit wants.
    const signers = [...bySigner.keys()].sort().slice(0, this.quorum.threshold);
    this.decided = { height: this.height, blockHash, block: known.block, seals: signers.map((s) => bySigner.get(s)!) };
    out.push({ type: 'decide', certificate: this.decided });
  }

  private onRoundChange(rc: RoundChange, out: Action[]): void {
    if (rc.round < this.currentRound) return;
    // Checked on arrival: a bad certificate in our justification would make our own proposal refused.
    checkRoundChange(rc, this.quorum.threshold);
    if (!this.roundChanges.add(rc.signer, rc.round, rc)) return;
    if (rc.round > this.currentRound) {
      // §4.5: n - t + 1 validators (one honest at least) are past us: join the lowest round among them.
      const highs = this.roundChanges.highestAbove(this.currentRound);
      if (highs.length >= this.quorum.roundSkip) this.enterRound(highs[this.quorum.roundSkip - 1], true, out);
    } else {
      this.tryPropose(out);
    }
  }

  private enterRound(round: number, sendRoundChange: boolean, out: Action[]): void {
    this.currentRound = round;
    this.pendingBuild = undefined;
    this.prepares.prune(round);
    this.roundChanges.prune(round);
    out.push({ type: 'schedule-timeout', round, ms: this.roundTimeoutMs * (1 + round) });
    if (sendRoundChange && this.self) {
      const rc = signRoundChange(this.self.privateKey, { chainId: this.ctx.chainId, height: this.height, round, prepared: this.prepared });
      this.roundChanges.add(rc.signer, round, rc);
      out.push({ type: 'broadcast', message: rc });
    }
    this.tryPropose(out);
  }

  /** §4.1: round 0 builds; round r > 0 waits for t ROUND_CHANGEs and re-proposes the highest prepared block. */
  private tryPropose(out: Action[]): void {
    const round = this.currentRound;
    if (!this.self || this.decided || this.proposedRound >= round) return;
    if (proposerOf(this.ctx.validators, this.height, round) !== this.self.address) return;
    if (round === 0) {
      this.proposedRound = 0;
      this.pendingBuild = { round, justification: [] };
      out.push({ type: 'build-block', round });
      return;
    }
    const rcs = this.roundChanges.at(round);
    if (rcs.length < this.quorum.threshold) return;
    let best: PreparedCertificate | undefined;
    try {
      best = highestPrepared(rcs);
    } catch {
      return; // two blocks prepared in one round: only faults plus restarts do that; let the round time out
    }
    // The RC carrying the highest certificate must be in the justification: receivers derive it from there.
    const carrier = best ? rcs.find((rc) => rc.prepared === best)! : undefined;
    const rest = rcs.filter((rc) => rc !== carrier);
    const justification = carrier ? [carrier, ...rest.slice(0, this.quorum.threshold - 1)] : rest.slice(0, this.quorum.threshold);
    this.proposedRound = round;
    if (!best) {
      this.pendingBuild = { round, justification };
      out.push({ type: 'build-block', round });
      return;
    }
    // The certificate's bytes are not signed by anyone: prefer bytes the node already checked.
    const known = this.blocks.get(best.blockHash);
    const trusted = known?.checked === true;
    this.propose(best.blockHash, trusted ? known.block : best.block, justification, trusted, out);
  }

  private propose(blockHash: Hex, block: Uint8Array, justification: RoundChange[], trusted: boolean, out: Action[]): void {
    const proposal = signProposal(this.self!.privateKey, { chainId: this.ctx.chainId, height: this.height, round: this.currentRound, blockHash, block, justification });
    out.push({ type: 'broadcast', message: proposal });
    this.accept(proposal, trusted, out);
  }

  private rememberBlock(blockHash: Hex, block: Uint8Array, checked: boolean): void {
    const known = this.blocks.get(blockHash);
    if (!known || (checked && !known.checked)) this.blocks.set(blockHash, { block, checked });
  }
}

