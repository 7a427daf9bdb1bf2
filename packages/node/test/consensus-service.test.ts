/**
 * ConsensusService's event routing (docs/CONSENSUS.md §4), on core's real engine and signed messages, with the chain,
 * producer, importer and network reduced to what routing reads: a message for the next height that arrives between an
 * import and the loop's entry into that height must reach the new height's engine. Two conflicting PREPAREs of one
 * validator are the probe: the engine reports them as an equivocation, which the service keeps as evidence.
 */
import { describe, expect, it } from 'vitest';
import { ROOT_CHAIN_ID, chainIdOf, plasmaDomain, proposerOf, secp256k1Scheme, signPrepare, type Address, type Hex } from '@plasma-tree/core';
import { ConsensusService, type ConsensusComponents } from '../src/consensus/service.js';
import { createNodeMetrics } from '../src/metrics.js';
import { silentLogger } from '../src/logger.js';

const keys = ['01', '02', '03', '04'].map((b) => `0x${b.repeat(32)}` as Hex);
const validators = keys.map((k) => secp256k1Scheme.addressOf(k)).sort() as Address[];
const keyOf = (address: Address): Hex => keys.find((k) => secp256k1Scheme.addressOf(k) === address)!;
const chainId = chainIdOf(ROOT_CHAIN_ID, 0);
const domain = plasmaDomain(31337n, '0x5fbdb2315678afecb367f032d93f642f64180aa3');

function service(self: Address) {
  const head = { number: 0 };
  const chain = {
    params: { chainId, validators, threshold: 3 },
    domain,
    head,
    store: { getConsensusRecord: async () => undefined, putConsensusRecord: async () => {} },
  };
  const published: Uint8Array[] = [];
  const components = {
    chain,
    producer: { hasWork: () => false },
    deposits: {},
    importer: { onImported: () => {}, exclusive: async <T>(f: () => Promise<T>) => f() },
    network: { publishConsensus: (bytes: Uint8Array) => published.push(bytes), publishCertificate: () => {} },
    key: { address: self, privateKey: keyOf(self) },
    behind: () => {},
    logger: silentLogger,
    metrics: createNodeMetrics(),
  };
  return { consensus: new ConsensusService(components as unknown as ConsensusComponents, { roundTimeoutMs: 60_000, blockTimeMs: 0 }), head };
}

const until = async (what: string, ok: () => boolean, ms = 5_000) => {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
};

describe('ConsensusService routing', () => {
  it('keeps a message for the next height that arrives between the import and the entry into that height', async () => {
    // Neither validator is height 2's round-0 proposer: nothing is built, and only the PREPAREs drive the engine.
    const proposer = proposerOf(validators, 2n, 0);
    const [self, peer] = validators.filter((v) => v !== proposer);
    const { consensus, head } = service(self);
    const abort = new AbortController();
    const running = consensus.run(abort.signal);
    try {
      await new Promise((r) => setTimeout(r, 20)); // height 1 entered
      // Block 1 is imported; before the loop runs again, the peer's two PREPAREs for height 2 come in.
      head.number = 1;
      const prepare = (blockHash: Hex) => signPrepare(keyOf(peer), { chainId, height: 2n, round: 0, blockHash });
      expect(consensus.receive(prepare(`0x${'aa'.repeat(32)}`))).toBe('accept');
      expect(consensus.receive(prepare(`0x${'bb'.repeat(32)}`))).toBe('accept');
      await until('the equivocation reported at height 2', () => consensus.evidence.length > 0);
      expect(consensus.evidence[0]).toMatchObject({ kind: 'PREPARE', signer: peer, height: 2, round: 0, blocks: [`0x${'aa'.repeat(32)}`, `0x${'bb'.repeat(32)}`] });
    } finally {
      abort.abort();
      await running;
    }
  });
});
