import { describe, expect, it } from 'vitest';
import {
  ZERO_BYTES32,
  bytesToHex,
  checkJustification,
  commitmentDigest,
  consensusDigest,
  decodeCertificate,
  decodeConsensusMessage,
  decodePreparedCertificate,
  encodeCertificate,
  encodeConsensusMessage,
  encodePreparedCertificate,
  encodeWords,
  keccak256,
  messageDigest,
  proposerOf,
  quorum,
  secp256k1Scheme,
  signCommit,
  signPrepare,
  signProposal,
  signRoundChange,
  verifyCertificate,
  verifyConsensusMessage,
  type ConsensusMessage,
  type Hex,
  type PreparedCertificate,
  type Proposal,
  type RoundChange,
} from '../../src/index.js';
import { CHAIN, DOMAIN, hashOf, utf8, validators } from './sim.js';

const V = validators(4);
const ctx = { chainId: CHAIN, domain: DOMAIN, validators: V.map((v) => v.address) };
const H = 7n;
const blockX = utf8('block X');
const X = hashOf(blockX);
const blockY = utf8('block Y');
const Y = hashOf(blockY);

function cert(round: number, hash: Hex, block: Uint8Array, signers = [0, 1, 2]): PreparedCertificate {
  return { round, blockHash: hash, block, prepares: signers.map((i) => signPrepare(V[i].key, { chainId: CHAIN, height: H, round, blockHash: hash })) };
}

function rc(i: number, round: number, prepared?: PreparedCertificate): RoundChange {
  return signRoundChange(V[i].key, { chainId: CHAIN, height: H, round, prepared });
}

/** The proposal of (H, round) by its proposer. */
function proposal(round: number, block: Uint8Array, justification: RoundChange[]): Proposal {
  const p = Number((H + BigInt(round)) % 4n);
  return signProposal(V[p].key, { chainId: CHAIN, height: H, round, blockHash: hashOf(block), block, justification });
}

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return (e as { code: string }).code;
  }
  return 'no error';
}

const samples = (): ConsensusMessage[] => [
  proposal(0, blockX, []),
  proposal(2, blockX, [rc(0, 2, cert(1, X, blockX)), rc(1, 2), rc(2, 2, cert(0, Y, blockY))]),
  signPrepare(V[1].key, { chainId: CHAIN, height: H, round: 3, blockHash: X }),
  signCommit(V[2].key, DOMAIN, { chainId: CHAIN, height: H, round: 1, blockHash: X }),
  rc(3, 4),
  rc(3, 4, cert(2, X, blockX)),
];

describe('consensus digests and signatures', () => {
  it('signs the §3 digest and binds each message kind', () => {
    const tag = keccak256(utf8('plasma-tree/consensus/v1'));
    const words = encodeWords(['bytes32', 'bytes32', 'uint8', 'uint64', 'uint32', 'bytes32', 'bytes32'], [tag, CHAIN, 2, H, 3, X, ZERO_BYTES32]);
    const prepare = signPrepare(V[1].key, { chainId: CHAIN, height: H, round: 3, blockHash: X });
    expect(messageDigest(prepare)).toBe(bytesToHex(keccak256(words)));
    expect(consensusDigest(CHAIN, 2, H, 3, X, ZERO_BYTES32)).toBe(messageDigest(prepare));
    expect(secp256k1Scheme.recover(messageDigest(prepare), prepare.signature)).toBe(V[1].address);

    const p = proposal(0, blockX, []);
    expect(messageDigest(p)).toBe(consensusDigest(CHAIN, 1, H, 0, X, keccak256(blockX)));
    const withCert = rc(0, 2, cert(1, X, blockX));
    expect(messageDigest(withCert)).toBe(consensusDigest(CHAIN, 4, H, 2, ZERO_BYTES32, keccak256(encodeWords(['uint32', 'bytes32'], [1, X]))));
    expect(messageDigest(rc(0, 2))).toBe(consensusDigest(CHAIN, 4, H, 2, ZERO_BYTES32, ZERO_BYTES32));

    const commit = signCommit(V[2].key, DOMAIN, { chainId: CHAIN, height: H, round: 1, blockHash: X });
    expect(secp256k1Scheme.recover(commitmentDigest(DOMAIN, CHAIN, H, X), commit.seal)).toBe(V[2].address);
  });

  it('verifies every sample, nested messages included', () => {
    for (const m of samples()) expect(() => verifyConsensusMessage(m, ctx)).not.toThrow();
  });

  it('refuses tampered fields, other chains, outsiders and wrong proposers', () => {
    const p = proposal(0, blockX, []);
    expect(code(() => verifyConsensusMessage({ ...p, block: blockY }, ctx))).toBe('CONSENSUS_BAD_SIGNATURE');
    expect(code(() => verifyConsensusMessage({ ...p, blockHash: Y }, ctx))).toBe('CONSENSUS_BAD_SIGNATURE');
    expect(code(() => verifyConsensusMessage({ ...p, signer: V[2].address }, ctx))).toBe('CONSENSUS_BAD_SIGNATURE');
    expect(code(() => verifyConsensusMessage({ ...p, signature: `0x${'00'.repeat(65)}` }, ctx))).toBe('CONSENSUS_BAD_SIGNATURE');
    expect(code(() => verifyConsensusMessage(p, { ...ctx, chainId: `0x${'22'.repeat(32)}` }))).toBe('CONSENSUS_WRONG_CHAIN');
    expect(code(() => verifyConsensusMessage(p, { ...ctx, validators: ctx.validators.filter((a) => a !== p.signer) }))).toBe('CONSENSUS_NOT_VALIDATOR');
    // Round 1's proposer is V[0], not V[3].
    const wrong = signProposal(V[3].key, { chainId: CHAIN, height: H, round: 1, blockHash: X, block: blockX, justification: [] });
    expect(code(() => verifyConsensusMessage(wrong, ctx))).toBe('CONSENSUS_WRONG_PROPOSER');

    const commit = signCommit(V[2].key, DOMAIN, { chainId: CHAIN, height: H, round: 1, blockHash: X });
    expect(code(() => verifyConsensusMessage({ ...commit, blockHash: Y }, ctx))).toBe('CONSENSUS_BAD_SIGNATURE');
    expect(code(() => verifyConsensusMessage({ ...commit, height: H + 1n }, ctx))).toBe('CONSENSUS_BAD_SIGNATURE');
    // The round of a COMMIT is not signed: seals of any round add up.
    expect(() => verifyConsensusMessage({ ...commit, round: 9 }, ctx)).not.toThrow();

    const r = rc(1, 2, cert(1, X, blockX));
    expect(code(() => verifyConsensusMessage({ ...r, prepared: { ...r.prepared!, round: 0 } }, ctx))).toBe('CONSENSUS_BAD_SIGNATURE');
    // A forged PREPARE inside a certificate inside a justification.
    const forged = { ...cert(1, X, blockX) };
    forged.prepares = [...forged.prepares.slice(0, 2), { ...forged.prepares[2], signer: V[3].address }];
    const nested = proposal(2, blockX, [rc(0, 2, forged), rc(1, 2), rc(2, 2)]);
    expect(code(() => verifyConsensusMessage(nested, ctx))).toBe('CONSENSUS_BAD_SIGNATURE');
    const outsider = validators(5)[4];
    const foreign = proposal(2, blockX, [rc(0, 2), rc(1, 2), signRoundChange(outsider.key, { chainId: CHAIN, height: H, round: 2 })]);
    expect(code(() => verifyConsensusMessage(foreign, ctx))).toBe('CONSENSUS_NOT_VALIDATOR');
  });

  it('refuses malformed objects with a hint', () => {
    const prepare = signPrepare(V[1].key, { chainId: CHAIN, height: H, round: 3, blockHash: X });
    for (const bad of [
      { ...prepare, type: 9 },
      { ...prepare, round: -1 },
      { ...prepare, round: 2 ** 32 },
      { ...prepare, height: 1n << 64n },
      { ...prepare, height: 7 },
      { ...prepare, blockHash: '0x12' },
      { ...prepare, signer: V[1].address.toUpperCase() },
      { ...proposal(0, blockX, []), justification: [prepare] },
    ]) {
      try {
        verifyConsensusMessage(bad as ConsensusMessage, ctx);
        expect.unreachable();
      } catch (e) {
        expect((e as { code: string }).code).toBe('CONSENSUS_MALFORMED');
        expect((e as { hint: string }).hint).not.toBe('');
      }
    }
  });
});

describe('consensus codec', () => {
  it('round-trips every kind byte for byte', () => {
    for (const m of samples()) {
      const bytes = encodeConsensusMessage(m);
      const decoded = decodeConsensusMessage(bytes);
      expect(decoded).toEqual(m);
      expect(encodeConsensusMessage(decoded)).toEqual(bytes);
      expect(() => verifyConsensusMessage(decoded, ctx)).not.toThrow();
    }
  });

  it('refuses every truncation and any trailing byte', () => {
    for (const m of samples()) {
      const bytes = encodeConsensusMessage(m);
      for (let n = 0; n < bytes.length; n++) expect(code(() => decodeConsensusMessage(bytes.subarray(0, n)))).toBe('CONSENSUS_MALFORMED');
      const longer = new Uint8Array(bytes.length + 1);
      longer.set(bytes);
      expect(code(() => decodeConsensusMessage(longer))).toBe('CONSENSUS_MALFORMED');
    }
  });

  it('refuses unknown types, flags, nested kinds and oversized counts', () => {
    const prepare = encodeConsensusMessage(signPrepare(V[1].key, { chainId: CHAIN, height: H, round: 3, blockHash: X }));
    for (const type of [0, 5, 255]) {
      const bad = prepare.slice();
      bad[0] = type;
      expect(code(() => decodeConsensusMessage(bad))).toBe('CONSENSUS_MALFORMED');
    }
    // A commit where a PREPARE belongs (inside a round change's certificate): same size, type byte 3.
    const r = encodeConsensusMessage(rc(3, 4, cert(2, X, blockX)));
    const prepared = r.slice();
    const firstPrepare = 45 + 1 + 4 + 32 + 4 + blockX.length + 2;
    expect(prepared[firstPrepare]).toBe(2);
    prepared[firstPrepare] = 3;
    expect(code(() => decodeConsensusMessage(prepared))).toBe('CONSENSUS_MALFORMED');
    const flag = r.slice();
    flag[45] = 2;
    expect(code(() => decodeConsensusMessage(flag))).toBe('CONSENSUS_MALFORMED');

    const big = proposal(2, blockX, [rc(0, 2), rc(1, 2), rc(2, 2)]);
    const bytes = encodeConsensusMessage(big);
    expect(decodeConsensusMessage(bytes, { maxEntries: 3 })).toEqual(big);
    expect(code(() => decodeConsensusMessage(bytes, { maxEntries: 2 }))).toBe('CONSENSUS_MALFORMED');
    expect(code(() => decodeConsensusMessage(bytes, { maxBlockBytes: blockX.length - 1 }))).toBe('CONSENSUS_MALFORMED');
    expect(code(() => decodeConsensusMessage(r, { maxEntries: 2 }))).toBe('CONSENSUS_MALFORMED');
    // A proposal nested in a justification.
    const inner = encodeConsensusMessage(proposal(0, blockX, []));
    const nest = encodeConsensusMessage(proposal(2, blockX, [rc(0, 2)]));
    const at = 45 + 32 + 4 + blockX.length + 2;
    const forged = new Uint8Array([...nest.subarray(0, at), 0, 0, inner.length >> 8, inner.length & 0xff, ...inner, ...nest.subarray(at + 4 + encodeConsensusMessage(rc(0, 2)).length)]);
    expect(code(() => decodeConsensusMessage(forged))).toBe('CONSENSUS_MALFORMED');
  });

  it('round-trips prepared certificates and block certificates, refusing malformed ones', () => {
    const c = cert(2, X, blockX);
    const pc = encodePreparedCertificate(c);
    expect(decodePreparedCertificate(pc)).toEqual(c);
    for (let n = 0; n < pc.length; n++) expect(code(() => decodePreparedCertificate(pc.subarray(0, n)))).toBe('CONSENSUS_MALFORMED');
    expect(code(() => decodePreparedCertificate(new Uint8Array([...pc, 0])))).toBe('CONSENSUS_MALFORMED');

    const digest = commitmentDigest(DOMAIN, CHAIN, H, X);
    const block = { height: H, blockHash: X, block: blockX, seals: [0, 1, 2].map((i) => secp256k1Scheme.sign(digest, V[i].key)) };
    const bytes = encodeCertificate(block);
    expect(decodeCertificate(bytes)).toEqual(block);
    for (let n = 0; n < bytes.length; n++) expect(code(() => decodeCertificate(bytes.subarray(0, n)))).toBe('CONSENSUS_MALFORMED');
    expect(code(() => decodeCertificate(new Uint8Array([...bytes, 1])))).toBe('CONSENSUS_MALFORMED');
    expect(code(() => decodeCertificate(bytes, { maxEntries: 2 }))).toBe('CONSENSUS_MALFORMED');
  });
});

describe('certificates, justifications, proposers', () => {
  const digest = commitmentDigest(DOMAIN, CHAIN, H, X);
  const seal = (i: number, d = digest) => secp256k1Scheme.sign(d, V[i].key);
  const cctx = { ...ctx, threshold: 3 };

  it('verifies t distinct validators seals over (chainId, height, blockHash)', () => {
    expect(verifyCertificate({ height: H, blockHash: X, block: blockX, seals: [seal(0), seal(2), seal(3)] }, cctx)).toEqual([V[0].address, V[2].address, V[3].address]);
    const bad = (seals: Hex[], height = H) => code(() => verifyCertificate({ height, blockHash: X, block: blockX, seals }, cctx));
    expect(bad([seal(0), seal(2)])).toBe('CONSENSUS_CERTIFICATE_INVALID');
    expect(bad([seal(0), seal(2), seal(2)])).toBe('CONSENSUS_CERTIFICATE_INVALID');
    expect(bad([seal(0), seal(1), seal(2)], H + 1n)).toBe('CONSENSUS_CERTIFICATE_INVALID');
    expect(bad([seal(0), seal(1), secp256k1Scheme.sign(digest, validators(5)[4].key)])).toBe('CONSENSUS_CERTIFICATE_INVALID');
    expect(bad([seal(0), seal(1), `0x${'00'.repeat(65)}`])).toBe('CONSENSUS_CERTIFICATE_INVALID');
    expect(bad([seal(0), seal(1), seal(2, commitmentDigest(DOMAIN, CHAIN, H, Y))])).toBe('CONSENSUS_CERTIFICATE_INVALID');
  });

  it('checks justifications as §4.2 says', () => {
    const ok = (p: Proposal) => expect(() => checkJustification(p, 3)).not.toThrow();
    const refused = (p: Proposal) => expect(code(() => checkJustification(p, 3))).toBe('CONSENSUS_BAD_JUSTIFICATION');
    ok(proposal(0, blockY, []));
    refused(proposal(0, blockY, [rc(0, 0), rc(1, 0), rc(2, 0)]));
    ok(proposal(2, blockY, [rc(0, 2), rc(1, 2), rc(2, 2)]));
    refused(proposal(2, blockY, [rc(0, 2), rc(1, 2)]));
    refused(proposal(2, blockY, [rc(0, 2), rc(1, 2), rc(1, 2)]));
    refused(proposal(2, blockY, [rc(0, 2), rc(1, 2), rc(2, 1)]));
    // The highest certificate's block must be re-proposed.
    ok(proposal(2, blockX, [rc(0, 2, cert(1, X, blockX)), rc(1, 2, cert(0, Y, blockY)), rc(2, 2)]));
    refused(proposal(2, blockY, [rc(0, 2, cert(1, X, blockX)), rc(1, 2, cert(0, Y, blockY)), rc(2, 2)]));
    // Certificates: too few PREPAREs, PREPAREs of another block or round, one of the RC's own round.
    refused(proposal(2, blockX, [rc(0, 2, cert(1, X, blockX, [0, 1])), rc(1, 2), rc(2, 2)]));
    refused(proposal(2, blockX, [rc(0, 2, cert(1, X, blockX, [0, 1, 1])), rc(1, 2), rc(2, 2)]));
    const mixed = cert(1, X, blockX);
    mixed.prepares[2] = signPrepare(V[2].key, { chainId: CHAIN, height: H, round: 1, blockHash: Y });
    refused(proposal(2, blockX, [rc(0, 2, mixed), rc(1, 2), rc(2, 2)]));
    refused(proposal(2, blockX, [rc(0, 2, cert(2, X, blockX)), rc(1, 2), rc(2, 2)]));
    // Two different blocks prepared in one round cannot both be certificates.
    refused(proposal(2, blockX, [rc(0, 2, cert(1, X, blockX)), rc(1, 2, cert(1, Y, blockY)), rc(2, 2)]));
  });

  it('rotates proposers and sizes quorums', () => {
    const addrs = V.map((v) => v.address);
    expect(proposerOf(addrs, 5n, 0)).toBe(addrs[1]);
    expect(proposerOf(addrs, 5n, 3)).toBe(addrs[0]);
    expect(quorum(4, 3)).toEqual({ n: 4, threshold: 3, roundSkip: 2, faultTolerance: 1 });
    expect(quorum(1, 1)).toEqual({ n: 1, threshold: 1, roundSkip: 1, faultTolerance: 0 });
    expect(code(() => quorum(4, 5))).toBe('BAD_THRESHOLD');
    expect(code(() => quorum(4, 0))).toBe('BAD_THRESHOLD');
  });
});
