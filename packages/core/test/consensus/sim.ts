/**
 * A deterministic in-memory network for HeightConsensus: one queue of events delivered in a seeded random order
 * (that is the random delay), crashes, drops and simple Byzantine behaviours; timeouts fire when the test says so
 * (or when nothing else is in flight). Every message travels through the binary codec.
 */
import { expect } from 'vitest';
import {
  COMMIT,
  HeightConsensus,
  PROPOSAL,
  bytesToHex,
  decodeConsensusMessage,
  encodeConsensusMessage,
  isPlasmaError,
  keccak256,
  plasmaDomain,
  secp256k1Scheme,
  signCommit,
  signPrepare,
  signProposal,
  verifyCertificate,
  type Address,
  type Certificate,
  type ChainId,
  type ConsensusAction,
  type ConsensusMessage,
  type Hex,
  type PreparedCertificate,
  type Proposal,
} from '../../src/index.js';

export const CHAIN: ChainId = `0x${'c1'.repeat(32)}`;
export const DOMAIN = plasmaDomain(31337n, '0x5fbdb2315678afecb367f032d93f642f64180aa3');
export const utf8 = (s: string) => new TextEncoder().encode(s);

export interface Validator {
  key: Hex;
  address: Address;
}

export function validators(n: number): Validator[] {
  return Array.from({ length: n }, (_, i) => {
    const key = bytesToHex(keccak256(utf8(`consensus validator ${i}`)));
    return { key, address: secp256k1Scheme.addressOf(key) };
  });
}

export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const hashOf = (block: Uint8Array): Hex => bytesToHex(keccak256(block));

type Event =
  | { kind: 'msg'; from: number; to: number; bytes: Uint8Array }
  | { kind: 'built'; to: number; round: number }
  | { kind: 'checked'; to: number; proposal: Proposal }
  | { kind: 'cert'; to: number; cert: Certificate };

export interface SimOptions {
  n: number;
  t: number;
  seed: number;
  height?: bigint;
  /** Validators that never run. */
  down?: number[];
  /** Validators whose proposals equivocate (a different block to about half the peers) and that prepare and commit every proposal they see. */
  byzantine?: number[];
  /** A message from → to that is lost. */
  drop?: (from: number, to: number, msg: ConsensusMessage) => boolean;
  /** Restored certificates (a restart). */
  prepared?: (PreparedCertificate | undefined)[];
  /** Blocks the honest check refuses. */
  invalid?: Set<Hex>;
  roundTimeoutMs?: number;
  /** Each message is lost with this probability while the run is asynchronous (run's asyncSteps). */
  loss?: number;
}

export class Sim {
  readonly vals: Validator[];
  readonly height: bigint;
  readonly engines: (HeightConsensus | undefined)[];
  readonly decisions: (Certificate | undefined)[];
  /** How each decision came: the engine's own decide, or a certificate from a peer (sync). */
  readonly decidedBy: ('engine' | 'sync' | undefined)[];
  readonly persisted: (PreparedCertificate | undefined)[];
  /** Every PROPOSAL an honest engine broadcast. */
  readonly honestProposals: Proposal[] = [];
  /** Each node's pending timer: its round and its deadline on the virtual clock. */
  readonly timers = new Map<number, { round: number; at: number }>();
  /** Virtual time (ms): messages take none, timers fire in deadline order once nothing is in flight. */
  now = 0;
  readonly rejected: { to: number; code: string }[] = [];
  /** Validators that are down (from the start or crashed): liveness is asked of the others only. */
  readonly crashed = new Set<number>();
  queue: Event[] = [];
  steps = 0;
  private asyncUntil = 0;
  private readonly rng: () => number;
  private readonly byz: Set<number>;
  /** Called after each action an engine returned (a test crashes a node there). */
  onAction?: (node: number, action: ConsensusAction) => void;

  constructor(readonly opts: SimOptions) {
    this.vals = validators(opts.n);
    this.height = opts.height ?? 5n;
    this.rng = mulberry32(opts.seed);
    this.byz = new Set(opts.byzantine ?? []);
    this.decisions = Array(opts.n).fill(undefined);
    this.decidedBy = Array(opts.n).fill(undefined);
    this.persisted = opts.prepared ? [...opts.prepared] : Array(opts.n).fill(undefined);
    this.engines = this.vals.map((_, i) => (opts.down?.includes(i) ? undefined : this.makeEngine(i)));
    for (const i of opts.down ?? []) this.crashed.add(i);
  }

  makeEngine(i: number, prepared?: PreparedCertificate): HeightConsensus {
    return new HeightConsensus({
      chainId: CHAIN,
      domain: DOMAIN,
      validators: this.vals.map((v) => v.address),
      threshold: this.opts.t,
      height: this.height,
      self: { address: this.vals[i].address, privateKey: this.vals[i].key },
      prepared: prepared ?? this.persisted[i],
      roundTimeoutMs: this.opts.roundTimeoutMs ?? 1000,
    });
  }

  get ctx() {
    return { chainId: CHAIN, domain: DOMAIN, validators: this.vals.map((v) => v.address), threshold: this.opts.t };
  }

  blockFor(node: number, round: number, tag = ''): Uint8Array {
    return utf8(`block h=${this.height} r=${round} by=${node} seed=${this.opts.seed}${tag}`);
  }

  alive(i: number): boolean {
    return this.engines[i] !== undefined;
  }

  honest(i: number): boolean {
    return !this.byz.has(i);
  }

  start(): void {
    this.engines.forEach((e, i) => e && this.apply(i, e.start()));
  }

  crash(i: number, keepInFlight = 1): void {
    this.engines[i] = undefined;
    this.crashed.add(i);
    this.timers.delete(i);
    // What it already sent may still arrive, or not.
    this.queue = this.queue.filter((e) => e.to !== i && (e.kind !== 'msg' || e.from !== i || this.rng() < keepInFlight));
  }

  restart(i: number): void {
    const engine = this.makeEngine(i);
    this.engines[i] = engine;
    this.crashed.delete(i);
    this.apply(i, engine.start());
  }

  send(from: number, to: number, msg: ConsensusMessage): void {
    if (to === from || !this.alive(to) || this.opts.drop?.(from, to, msg)) return;
    if (this.steps < this.asyncUntil && this.rng() < (this.opts.loss ?? 0)) return;
    this.queue.push({ kind: 'msg', from, to, bytes: encodeConsensusMessage(msg) });
  }

  broadcast(from: number, msg: ConsensusMessage): void {
    for (let j = 0; j < this.opts.n; j++) this.send(from, j, msg);
  }

  apply(i: number, actions: ConsensusAction[]): void {
    const engine = this.engines[i];
    for (const a of actions) {
      if (!engine || this.engines[i] !== engine) return; // crashed (or restarted) by a hook
      switch (a.type) {
        case 'broadcast': {
          const m = a.message;
          if (m.type === COMMIT) {
            // The certificate must be on disk before the COMMIT leaves.
            expect(this.persisted[i]?.blockHash).toBe(m.blockHash);
            this.seal(m.blockHash, m.signer);
          }
          if (m.type === PROPOSAL && this.byz.has(i)) this.equivocate(i, m);
          else {
            if (m.type === PROPOSAL) this.honestProposals.push(m);
            this.broadcast(i, m);
          }
          break;
        }
        case 'schedule-timeout':
          expect(a.ms).toBe((this.opts.roundTimeoutMs ?? 1000) * (1 + a.round));
          this.timers.set(i, { round: a.round, at: this.now + a.ms });
          break;
        case 'build-block':
          this.queue.push({ kind: 'built', to: i, round: a.round });
          break;
        case 'check-proposal':
          this.queue.push({ kind: 'checked', to: i, proposal: a.proposal });
          break;
        case 'persist-prepared':
          this.persisted[i] = a.prepared;
          break;
        case 'decide':
          this.decide(i, a.certificate, 'engine');
          break;
      }
      this.onAction?.(i, a);
    }
  }

  private decide(i: number, cert: Certificate, by: 'engine' | 'sync'): void {
    expect(verifyCertificate(cert, this.ctx).length).toBeGreaterThanOrEqual(this.opts.t);
    expect(hashOf(cert.block)).toBe(cert.blockHash);
    if (this.decisions[i]) return;
    this.decisions[i] = cert;
    this.decidedBy[i] = by;
    this.timers.delete(i);
    this.engines[i] = undefined; // the node goes to the next height
    // §4.4: the certificate is gossiped; a node that missed the decision imports it (sync, §6).
    for (let j = 0; j < this.opts.n; j++) if (j !== i) this.queue.push({ kind: 'cert', to: j, cert });
  }

  /** A Byzantine proposer: a second block to about half the peers. */
  private equivocate(i: number, p: Proposal): void {
    const block = this.blockFor(i, p.round, ' evil');
    const other = signProposal(this.vals[i].key, { ...p, blockHash: hashOf(block), block });
    for (let j = 0; j < this.opts.n; j++) this.send(i, j, this.rng() < 0.5 ? p : other);
  }

  step(): boolean {
    if (this.queue.length === 0) return false;
    const k = Math.floor(this.rng() * this.queue.length);
    const ev = this.queue[k];
    this.queue[k] = this.queue[this.queue.length - 1];
    this.queue.pop();
    this.steps++;
    const engine = this.engines[ev.to];
    if (ev.kind === 'cert') {
      if (this.alive(ev.to) && this.honest(ev.to)) this.decide(ev.to, ev.cert, 'sync');
      return true;
    }
    if (!engine) return true;
    if (ev.kind === 'built') {
      const block = this.blockFor(ev.to, ev.round);
      this.apply(ev.to, engine.onBlockBuilt(ev.round, hashOf(block), block));
    } else if (ev.kind === 'checked') {
      const p = ev.proposal;
      const valid = hashOf(p.block) === p.blockHash && !this.opts.invalid?.has(p.blockHash);
      this.apply(ev.to, engine.onProposalChecked(p.round, p.blockHash, valid));
    } else {
      const msg = decodeConsensusMessage(ev.bytes);
      let actions: ConsensusAction[];
      try {
        actions = engine.onMessage(msg);
      } catch (e) {
        if (!isPlasmaError(e)) throw e;
        this.rejected.push({ to: ev.to, code: e.code });
        return true;
      }
      this.apply(ev.to, actions);
      if (this.byz.has(ev.to) && msg.type === PROPOSAL) this.voteForEverything(ev.to, msg);
    }
    return true;
  }

  /** A Byzantine validator prepares and commits every proposal it sees. */
  private voteForEverything(i: number, p: Proposal): void {
    const f = { chainId: CHAIN, height: this.height, round: p.round, blockHash: p.blockHash };
    this.broadcast(i, signPrepare(this.vals[i].key, f));
    this.broadcast(i, signCommit(this.vals[i].key, DOMAIN, f));
    this.seal(p.blockHash, this.vals[i].address);
  }

  /** Who sealed which block (honest and Byzantine alike): the safety property is about these. */
  readonly sealers = new Map<Hex, Set<Address>>();

  private seal(blockHash: Hex, signer: Address): void {
    const set = this.sealers.get(blockHash) ?? new Set<Address>();
    set.add(signer);
    this.sealers.set(blockHash, set);
  }

  /** Blocks that gathered t seals anywhere in the network: never more than one (docs/CONSENSUS.md §1). */
  sealedBlocks(): Hex[] {
    return [...this.sealers].filter(([, s]) => s.size >= this.opts.t).map(([h]) => h);
  }

  /** Fires one node's timer now (early, as a slow network makes it look), or every timer due at the earliest deadline. */
  fireTimeouts(only?: number): void {
    if (only === undefined) {
      if (this.timers.size === 0) return;
      this.now = Math.max(this.now, Math.min(...[...this.timers.values()].map((t) => t.at)));
    }
    for (const [i, { round, at }] of [...this.timers]) {
      if (only !== undefined ? i !== only : at > this.now) continue;
      this.timers.delete(i);
      const e = this.engines[i];
      if (e) this.apply(i, e.onTimeout(round));
    }
  }

  /** Delivers until nothing is in flight; then advances the clock to the next timers, `maxTimeouts` times at most. */
  run({ maxSteps = 50_000, maxTimeouts = 200, prematureTimeouts = 0, asyncSteps = 0 } = {}): void {
    let timeouts = 0;
    this.asyncUntil = asyncSteps;
    while (this.steps < maxSteps) {
      if (this.steps < asyncSteps && this.rng() < prematureTimeouts) {
        const live = [...this.timers.keys()];
        if (live.length) this.fireTimeouts(live[Math.floor(this.rng() * live.length)]);
      }
      if (this.step()) continue;
      if (this.allHonestDecided() || timeouts++ >= maxTimeouts || this.timers.size === 0) return;
      this.fireTimeouts();
    }
  }

  allHonestDecided(): boolean {
    return this.vals.every((_, i) => !this.honest(i) || this.crashed.has(i) || this.decisions[i] !== undefined);
  }

  /** Safety: every decision (engine or sync) is of one block, and no other block ever had t seals. */
  decidedHashes(): Set<Hex> {
    return new Set(this.decisions.filter((d): d is Certificate => d !== undefined).map((d) => d.blockHash));
  }
}
