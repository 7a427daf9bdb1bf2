import { describe, expect, it } from 'vitest';
import {
  COMMIT,
  HeightConsensus,
  PREPARE,
  PROPOSAL,
  ROUND_CHANGE,
  signCommit,
  signPrepare,
  signProposal,
  signRoundChange,
  type ConsensusAction,
  type ConsensusMessage,
  type Hex,
  type PreparedCertificate,
  type RoundChange,
} from '../../src/index.js';
import { CHAIN, DOMAIN, Sim, hashOf, utf8, validators } from './sim.js';

const V = validators(4);
const H = 5n; // proposer(5, r) = V[(5 + r) % 4]: round 0 → 1, round 1 → 2, round 2 → 3
const blockX = utf8('block X');
const X = hashOf(blockX);
const blockY = utf8('block Y');
const Y = hashOf(blockY);

function engine(i: number | undefined, prepared?: PreparedCertificate): HeightConsensus {
  return new HeightConsensus({
    chainId: CHAIN,
    domain: DOMAIN,
    validators: V.map((v) => v.address),
    threshold: 3,
    height: H,
    self: i === undefined ? undefined : { address: V[i].address, privateKey: V[i].key },
    prepared,
    roundTimeoutMs: 100,
  });
}

const prep = (i: number, round: number, hash: Hex) => signPrepare(V[i].key, { chainId: CHAIN, height: H, round, blockHash: hash });
const cert = (round: number, hash: Hex, block: Uint8Array, signers = [0, 1, 2]): PreparedCertificate => ({ round, blockHash: hash, block, prepares: signers.map((i) => prep(i, round, hash)) });
const rc = (i: number, round: number, prepared?: PreparedCertificate) => signRoundChange(V[i].key, { chainId: CHAIN, height: H, round, prepared });
const propose = (round: number, block: Uint8Array, justification: RoundChange[], blockHash = hashOf(block)) =>
  signProposal(V[Number((H + BigInt(round)) % 4n)].key, { chainId: CHAIN, height: H, round, blockHash, block, justification });
const sent = (actions: ConsensusAction[]) => actions.flatMap((a) => (a.type === 'broadcast' ? [a.message] : []));
const types = (actions: ConsensusAction[]) => actions.map((a) => (a.type === 'broadcast' ? `broadcast:${a.message.type}` : a.type));

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return (e as { code: string }).code;
  }
  return 'no error';
}

describe('HeightConsensus, one engine', () => {
  it('decides at once as a 1-of-1 validator', () => {
    const [solo] = validators(1);
    const e = new HeightConsensus({ chainId: CHAIN, domain: DOMAIN, validators: [solo.address], threshold: 1, height: 1n, self: { address: solo.address, privateKey: solo.key }, roundTimeoutMs: 2000 });
    expect(e.start()).toEqual([{ type: 'schedule-timeout', round: 0, ms: 2000 }, { type: 'build-block', round: 0 }]);
    const actions = e.onBlockBuilt(0, X, blockX);
    expect(types(actions)).toEqual(['broadcast:1', 'broadcast:2', 'persist-prepared', 'broadcast:3', 'decide']);
    const decide = actions.at(-1) as Extract<ConsensusAction, { type: 'decide' }>;
    expect(decide.certificate).toMatchObject({ height: 1n, blockHash: X, block: blockX });
    expect(decide.certificate.seals).toHaveLength(1);
    expect(e.decision).toBe(decide.certificate);
    expect(e.onTimeout(0)).toEqual([]);
  });

  it('prepares only after the block checked valid, commits after t PREPAREs (persisting first), decides on t seals', () => {
    const e = engine(0);
    expect(types(e.start())).toEqual(['schedule-timeout']);
    const p = propose(0, blockX, []);
    expect(e.onMessage(p)).toEqual([{ type: 'check-proposal', proposal: p }]);
    expect(e.onMessage(p)).toEqual([]); // duplicate
    expect(e.onProposalChecked(0, Y, true)).toEqual([]); // not the proposal's block
    expect(e.onProposalChecked(0, X, false)).toEqual([]);
    const prepared = e.onProposalChecked(0, X, true);
    expect(types(prepared)).toEqual(['broadcast:2']);
    expect(e.onProposalChecked(0, X, true)).toEqual([]); // one PREPARE per round
    expect(e.onMessage(prep(1, 0, X))).toEqual([]);
    expect(e.onMessage(prep(1, 0, X))).toEqual([]);
    expect(e.onMessage(prep(0, 0, X))).toEqual([]); // its own, fed back: a duplicate
    const commit = e.onMessage(prep(2, 0, X));
    expect(types(commit)).toEqual(['persist-prepared', 'broadcast:3']);
    expect(e.preparedCertificate).toMatchObject({ round: 0, blockHash: X, block: blockX });
    expect(e.preparedCertificate!.prepares.map((q) => q.signer).sort()).toEqual([V[0].address, V[1].address, V[2].address].sort());
    // A seal from another round counts the same.
    const c1 = sent(commit)[0];
    expect(c1.type).toBe(COMMIT);
    const sealOf = (i: number, round: number) => ({ ...c1, round, signer: V[i].address, seal: signCommitSeal(i) });
    expect(e.onMessage(sealOf(3, 7))).toEqual([]);
    const decided = e.onMessage(sealOf(1, 0));
    expect(types(decided)).toEqual(['decide']);
    expect(e.onMessage(sealOf(2, 0))).toEqual([]);
  });

  it('ignores other heights, stale rounds and a second proposal of one round', () => {
    const e = engine(0);
    e.start();
    const other = signPrepare(V[1].key, { chainId: CHAIN, height: H + 1n, round: 0, blockHash: X });
    expect(e.onMessage(other)).toEqual([]);
    expect(e.onMessage(propose(0, blockX, []))).toHaveLength(1);
    // The proposer's second block of the round is not taken; it is reported as equivocation.
    expect(types(e.onMessage(propose(0, blockY, [])))).toEqual(['equivocation']);
    e.onTimeout(0);
    expect(e.round).toBe(1);
    expect(e.onTimeout(0)).toEqual([]);
    expect(e.onProposalChecked(0, X, true)).toEqual([]); // too late to prepare in round 0
  });

  it('reports a validator that signs two blocks in one round (PROPOSAL, PREPARE, COMMIT), once each, with both messages', () => {
    const e = engine(0);
    e.start();
    const proposals = [propose(0, blockX, []), propose(0, blockY, [])];
    e.onMessage(proposals[0]);
    const [proposal] = e.onMessage(proposals[1]);
    expect(proposal).toMatchObject({ type: 'equivocation', evidence: { kind: 'PROPOSAL', signer: V[1].address, height: H, round: 0, first: proposals[0], second: proposals[1] } });
    expect(e.onMessage(propose(0, blockY, []))).toEqual([]); // reported once

    expect(e.onMessage(prep(2, 0, X)).filter((a) => a.type === 'equivocation')).toEqual([]);
    expect(e.onMessage(prep(2, 0, X))).toEqual([]); // a duplicate is no equivocation
    const [prepare] = e.onMessage(prep(2, 0, Y));
    expect(prepare).toMatchObject({ type: 'equivocation', evidence: { kind: 'PREPARE', signer: V[2].address, round: 0 } });
    // Another validator's vote for X is no equivocation.
    expect(e.onMessage(prep(3, 0, X)).filter((a) => a.type === 'equivocation')).toEqual([]);

    e.onMessage(commitOf(3, X));
    const equivocations = e.onMessage(commitOf(3, Y)).filter((a) => a.type === 'equivocation');
    expect(equivocations).toHaveLength(1);
    expect(equivocations[0]).toMatchObject({ evidence: { kind: 'COMMIT', signer: V[3].address, round: 0 } });
  });

  it('a PREPARE of its own from before a restart binds it: no PREPARE for another block in that round', () => {
    // Validator 0 prepared X in round 0, then restarted; the node feeds its persisted PREPARE back first.
    const e = engine(0);
    e.onMessage(prep(0, 0, X));
    e.start();
    const actions = e.onMessage(propose(0, blockY, []));
    expect(types(actions)).toEqual(['check-proposal']);
    expect(sent(e.onProposalChecked(0, Y, true)).filter((m) => m.type === PREPARE)).toEqual([]);
    // Without it, the same validator would prepare Y.
    const fresh = engine(0);
    fresh.start();
    fresh.onMessage(propose(0, blockY, []));
    expect(sent(fresh.onProposalChecked(0, Y, true)).map((m) => m.type)).toContain(PREPARE);
  });

  it('refuses bad messages by throwing, without changing its state', () => {
    const e = engine(0);
    e.start();
    const p = propose(0, blockX, []);
    expect(codeOf(() => e.onMessage({ ...p, blockHash: Y }))).toBe('CONSENSUS_BAD_SIGNATURE');
    const outsider = validators(5)[4];
    expect(codeOf(() => e.onMessage(signPrepare(outsider.key, { chainId: CHAIN, height: H, round: 0, blockHash: X })))).toBe('CONSENSUS_NOT_VALIDATOR');
    expect(codeOf(() => e.onMessage(signPrepare(V[1].key, { chainId: `0x${'33'.repeat(32)}`, height: H, round: 0, blockHash: X })))).toBe('CONSENSUS_WRONG_CHAIN');
    // The honest proposal is still accepted afterwards.
    expect(e.onMessage(p)).toEqual([{ type: 'check-proposal', proposal: p }]);
  });

  it('round 0: the proposer builds; round r > 0: waits for t ROUND_CHANGEs, then builds when none prepared', () => {
    const e = engine(1); // proposer of round 0
    expect(types(e.start())).toEqual(['schedule-timeout', 'build-block']);
    expect(e.onBlockBuilt(1, X, blockX)).toEqual([]); // not the round it asked for
    const t0 = e.onTimeout(0);
    expect(types(t0)).toEqual(['schedule-timeout', 'broadcast:4']);
    expect(e.onBlockBuilt(0, X, blockX)).toEqual([]); // round 0 is over
    const p2 = engine(2); // proposer of round 1
    p2.start();
    expect(types(p2.onTimeout(0))).toEqual(['schedule-timeout', 'broadcast:4']);
    expect(p2.onMessage(rc(0, 1))).toEqual([]);
    expect(types(p2.onMessage(rc(3, 1)))).toEqual(['build-block']);
    const proposal = p2.onBlockBuilt(1, Y, blockY);
    expect(types(proposal)).toEqual(['broadcast:1', 'broadcast:2']);
    const msg = sent(proposal)[0];
    expect(msg.type === PROPOSAL && msg.justification.map((j) => j.signer).sort()).toEqual([V[0].address, V[2].address, V[3].address].sort());
  });

  it('re-proposes the highest prepared block, through the node check (its bytes are unsigned)', () => {
    const e = engine(3); // proposer of round 2
    e.start();
    e.onMessage(rc(0, 2, cert(0, Y, blockY)));
    expect(e.round).toBe(0);
    const skipped = e.onMessage(rc(1, 2, cert(1, X, blockX))); // n - t + 1 = 2 validators ahead: skip
    expect(e.round).toBe(2);
    expect(types(skipped)).toEqual(['schedule-timeout', 'broadcast:4', 'broadcast:1', 'check-proposal']);
    const proposal = sent(skipped)[1];
    expect(proposal.type === PROPOSAL && proposal.blockHash).toBe(X);
    expect(proposal.type === PROPOSAL && proposal.justification[0].prepared?.blockHash).toBe(X);
    expect(types(e.onProposalChecked(2, X, true))).toEqual(['broadcast:2']);
  });

  it('skips rounds only on n - t + 1 ROUND_CHANGEs above its own', () => {
    const e = engine(0);
    e.start();
    expect(e.onMessage(rc(1, 5))).toEqual([]);
    expect(e.onMessage(rc(1, 5))).toEqual([]);
    expect(e.round).toBe(0);
    const actions = e.onMessage(rc(2, 3));
    expect(e.round).toBe(3); // the lowest of the two
    expect(actions[0]).toEqual({ type: 'schedule-timeout', round: 3, ms: 400 });
    const own = sent(actions)[0];
    expect(own.type === ROUND_CHANGE && own.round).toBe(3);
  });

  it('moves to a later round on a justified proposal, refuses forged justifications', () => {
    const e = engine(0);
    e.start();
    const refused = (m: ConsensusMessage, code: string) => {
      expect(codeOf(() => e.onMessage(m))).toBe(code);
      expect(e.round).toBe(0);
    };
    // Too few ROUND_CHANGEs, or one signer twice.
    refused(propose(2, blockY, [rc(0, 2), rc(1, 2)]), 'CONSENSUS_BAD_JUSTIFICATION');
    refused(propose(2, blockY, [rc(0, 2), rc(1, 2), rc(1, 2)]), 'CONSENSUS_BAD_JUSTIFICATION');
    // A ROUND_CHANGE whose signature does not match its signer.
    refused(propose(2, blockY, [rc(0, 2), rc(1, 2), { ...rc(2, 2), signer: V[3].address }]), 'CONSENSUS_BAD_SIGNATURE');
    // A certificate with a forged PREPARE.
    const forged = cert(1, X, blockX);
    forged.prepares[2] = { ...prep(3, 1, X), signer: V[2].address };
    refused(propose(2, blockX, [rc(0, 2, forged), rc(1, 2), rc(2, 2)]), 'CONSENSUS_BAD_SIGNATURE');
    // A certificate of too few PREPAREs.
    refused(propose(2, blockX, [rc(0, 2, cert(1, X, blockX, [0, 1])), rc(1, 2), rc(2, 2)]), 'CONSENSUS_BAD_JUSTIFICATION');
    // Re-proposing a block that is not the highest certificate's, or a fresh one despite a certificate.
    refused(propose(2, blockY, [rc(0, 2, cert(1, X, blockX)), rc(1, 2, cert(0, Y, blockY)), rc(2, 2)]), 'CONSENSUS_BAD_JUSTIFICATION');
    refused(propose(2, utf8('fresh'), [rc(0, 2, cert(1, X, blockX)), rc(1, 2), rc(2, 2)]), 'CONSENSUS_BAD_JUSTIFICATION');
    // A ROUND_CHANGE alone with a bad certificate is refused too (it would poison a justification).
    refused(rc(1, 1, cert(0, X, blockX, [0, 1])), 'CONSENSUS_BAD_JUSTIFICATION');
    // The right one: moves to round 2 and asks for the check.
    const good = propose(2, blockX, [rc(0, 2, cert(1, X, blockX)), rc(1, 2, cert(0, Y, blockY)), rc(2, 2)]);
    expect(types(e.onMessage(good))).toEqual(['schedule-timeout', 'check-proposal']);
    expect(e.round).toBe(2);
  });

  it('a non-validator tracks the height and decides without signing', () => {
    const e = engine(undefined);
    expect(types(e.start())).toEqual(['schedule-timeout']);
    e.onMessage(propose(0, blockX, []));
    expect(e.onProposalChecked(0, X, true)).toEqual([]);
    expect(e.onTimeout(0).every((a) => a.type !== 'broadcast')).toBe(true);
    for (const i of [0, 1]) expect(e.onMessage(commitOf(i, X))).toEqual([]);
    expect(types(e.onMessage(commitOf(3, X)))).toEqual(['decide']);
  });

  it('keeps what arrives before start() and replays it', () => {
    const e = engine(0);
    const p = propose(0, blockX, []);
    expect(e.onMessage(p)).toEqual([]);
    expect(types(e.start())).toEqual(['schedule-timeout', 'check-proposal']);
  });

  it('resumes from a restored certificate: same round, COMMIT again, never another block there', () => {
    const restored = cert(1, X, blockX);
    const e = engine(0, restored);
    const actions = e.start();
    expect(e.round).toBe(1);
    expect(types(actions)).toEqual(['schedule-timeout', 'broadcast:3']);
    // The proposer of round 1 (a faulty one) offers another block in that round: no PREPARE.
    const other = propose(1, blockY, [rc(0, 1), rc(1, 1), rc(3, 1)]);
    const answer = e.onMessage(other);
    expect(answer.map((a) => a.type)).toEqual(['check-proposal']);
    expect(e.onProposalChecked(1, Y, true).filter((a) => a.type === 'broadcast')).toEqual([]);
    // Its next ROUND_CHANGE carries the certificate.
    const next = sent(e.onTimeout(1))[0];
    expect(next.type === ROUND_CHANGE && next.prepared?.blockHash).toBe(X);
    // A certificate that does not hold is refused at construction.
    expect(codeOf(() => engine(0, cert(1, X, blockX, [0, 1])))).toBe('CONSENSUS_BAD_JUSTIFICATION');
  });
});

function signCommitSeal(i: number): Hex {
  return (commitOf(i, X) as { seal: Hex }).seal;
}

function commitOf(i: number, hash: Hex): ConsensusMessage {
  return signCommit(V[i].key, DOMAIN, { chainId: CHAIN, height: H, round: 0, blockHash: hash });
}

describe('HeightConsensus on a simulated 3-of-4 network', () => {
  const decidedOnce = (sim: Sim) => {
    const hashes = sim.decidedHashes();
    expect(hashes.size).toBeLessThanOrEqual(1);
    const sealed = sim.sealedBlocks();
    expect(sealed.length).toBeLessThanOrEqual(1);
    if (hashes.size) expect(sealed).toEqual([...hashes]);
    return [...hashes][0];
  };

  it('decides at round 0 when all are well', () => {
    const sim = new Sim({ n: 4, t: 3, seed: 1 });
    sim.start();
    sim.run({ maxTimeouts: 0 });
    expect(sim.allHonestDecided()).toBe(true);
    expect(decidedOnce(sim)).toBe(hashOf(sim.blockFor(1, 0)));
    expect(sim.decidedBy.includes('engine')).toBe(true);
    expect(sim.rejected).toEqual([]);
  });

  it('a crashed proposer: round 1 decides the next proposer block', () => {
    const sim = new Sim({ n: 4, t: 3, seed: 2, down: [1] });
    sim.start();
    sim.run();
    expect(sim.allHonestDecided()).toBe(true);
    expect(decidedOnce(sim)).toBe(hashOf(sim.blockFor(2, 1)));
  });

  it('a proposer crashing after some validators prepared X: later rounds re-propose X only', () => {
    // PREPAREs of round 0 reach only validators 1 and 3; only 3's COMMIT leaves, and only to 0.
    const drop = (from: number, to: number, m: ConsensusMessage) =>
      m.round === 0 && ((m.type === PREPARE && to !== 1 && to !== 3) || (m.type === COMMIT && !(from === 3 && to === 0)));
    for (let seed = 0; seed < 20; seed++) {
      const sim = new Sim({ n: 4, t: 3, seed, drop });
      sim.onAction = (i, a) => i === 1 && a.type === 'persist-prepared' && sim.crash(i);
      sim.start();
      sim.run();
      const x = hashOf(sim.blockFor(1, 0));
      expect(sim.crashed.has(1)).toBe(true);
      expect(sim.persisted[3]?.blockHash).toBe(x);
      expect(sim.allHonestDecided()).toBe(true);
      expect(decidedOnce(sim)).toBe(x);
      expect(sim.honestProposals.filter((p) => p.round > 0).every((p) => p.blockHash === x)).toBe(true);
    }
  });

  it('an equivocating proposer: at most one block decided, all honest agree', () => {
    let decided = 0;
    for (let seed = 0; seed < 40; seed++) {
      const sim = new Sim({ n: 4, t: 3, seed, byzantine: [1] });
      sim.start();
      sim.run({ prematureTimeouts: 0.02, asyncSteps: 200 });
      decidedOnce(sim);
      expect(sim.allHonestDecided()).toBe(true);
      if (sim.decisions[0]) decided++;
    }
    expect(decided).toBe(40);
  });

  it('200 random schedules (random order, 15% loss and early timeouts while asynchronous) with one crash: one block, and every live validator decides', () => {
    for (let seed = 0; seed < 200; seed++) {
      const sim = new Sim({ n: 4, t: 3, seed, loss: 0.15 });
      const victim = seed % 4;
      const at = (seed * 7919) % 120;
      sim.onAction = () => {
        if (sim.steps >= at && !sim.crashed.has(victim) && !sim.decisions[victim]) sim.crash(victim, 0.5);
      };
      sim.start();
      sim.run({ prematureTimeouts: 0.03, asyncSteps: 300 });
      decidedOnce(sim);
      expect(sim.allHonestDecided(), `seed ${seed}`).toBe(true);
    }
  });

  it('100 random schedules with one Byzantine validator (equivocates, votes for everything): safety holds', () => {
    for (let seed = 0; seed < 100; seed++) {
      const sim = new Sim({ n: 4, t: 3, seed: 1000 + seed, byzantine: [seed % 4], loss: 0.15 });
      sim.start();
      sim.run({ prematureTimeouts: 0.05, asyncSteps: 400 });
      decidedOnce(sim);
      expect(sim.allHonestDecided(), `seed ${seed}`).toBe(true);
    }
  });

  it('validators restarted from their persisted certificates keep safety', () => {
    for (let seed = 0; seed < 30; seed++) {
      // Round 0: only 2 and 3 get t PREPAREs; no COMMIT gets through. Each restarts right after persisting.
      const drop = (_from: number, to: number, m: ConsensusMessage) => m.round === 0 && ((m.type === PREPARE && to < 2) || m.type === COMMIT);
      const sim = new Sim({ n: 4, t: 3, seed, drop });
      const restarted = new Set<number>();
      sim.onAction = (i, a) => {
        if (a.type === 'persist-prepared' && a.prepared.round === 0 && !restarted.has(i)) {
          restarted.add(i);
          sim.crash(i);
          sim.restart(i);
        }
      };
      sim.start();
      sim.run();
      expect([...restarted].sort()).toEqual([2, 3]);
      const x = hashOf(sim.blockFor(1, 0));
      expect(sim.allHonestDecided()).toBe(true);
      expect(decidedOnce(sim)).toBe(x);
      expect(sim.honestProposals.filter((p) => p.round > 0).every((p) => p.blockHash === x)).toBe(true);
    }
  });
});
