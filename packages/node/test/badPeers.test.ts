/**
 * Misbehaving peers on a 3-of-4 chain (issue 5: "a peer that gossips invalid blocks or floods transactions is
 * ignored and stalls nobody"). Four in-process validator nodes as in quorum.test.ts (real Hardhat L1, each with
 * its own key, data directory and libp2p host on 127.0.0.1), and for each case a fresh ADVERSARY: a raw P2PHost
 * that dials every validator, joins the chain's `tx`, `consensus` and `blocks` topics and publishes bytes crafted
 * with core's real codecs (well formed, but invalid) or plain garbage. Each case checks that every validator
 * strikes and bans the adversary (its p2p log), that no honest node is ever struck (nobody relays the junk),
 * that no head takes a bad block, and that honest transfers sent meanwhile are decided and committed on L1.
 * Cases: bad certificates on `blocks`; bad consensus messages (and a Byzantine validator key's proposal of a block
 * that does not replay, which costs one round); a flood of ignorable txs (banned by the rate limit) and of
 * malformed/badly signed ones (banned by strikes); txs that cost only signature recoveries (empty slots: dropped
 * before recovery; another key's spends of a live slot and oversized batches: struck).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Wallet, parseEther } from 'ethers';
import {
  commitmentDigest,
  decodeCertificate,
  encodeCertificate,
  encodeConsensusMessage,
  bytesToHex,
  plasmaDomain,
  proposerOf,
  secp256k1Scheme,
  signCommit,
  signPrepare,
  signProposal,
  signRoundChange,
  signedTxToJson,
  type Address,
  type Certificate,
  type Hex,
} from '@plasma-tree/core';
import { P2PHost, type GossipTopic } from '@plasma-tree/p2p';
import { PlasmaNode, type Logger } from '../src/index.js';
import { ETH, User, depositETH, mine, nodeOptions, rpc, spawnChain, startL1, tempDir, txJson, validatorKey, waitFor, type L1 } from './helpers.js';

let l1: L1;
let chainId: Awaited<ReturnType<typeof spawnChain>>;
const keys: Hex[] = [];
const dirs: Awaited<ReturnType<typeof tempDir>>[] = [];
const nodes: PlasmaNode[] = [];
const adversaries: Adversary[] = [];
/** Strikes at which the node's P2PHost bans a peer (P2PHost's default: the node does not set it). */
const MAX_STRIKES = 20;

// ---- what the validators logged (their p2p strikes and bans, refused proposals, warnings and errors) --------

interface Line {
  node: number;
  module: string;
  level: string;
  msg: string;
  ctx: Record<string, unknown>;
}
const lines: Line[] = [];
const WATCHED = new Set(['peer strike', 'peer banned', 'refusing a proposal', 'topic validator threw; message ignored', 'topic onMessage threw']);

/** Keeps the watched lines (debug included: strikes are debug) and every warning or error; cheap under a flood. */
function watchingLogger(node: number, module = ''): Logger {
  const log = (level: string) => (msg: string, ctx: Record<string, unknown> = {}) => {
    if (WATCHED.has(msg) || level === 'warn' || level === 'error') lines.push({ node, module, level, msg, ctx });
  };
  return { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error'), child: (m) => watchingLogger(node, module ? `${module}/${m}` : m) };
}

const strikesBy = (node: number, peer: string) => lines.filter((l) => l.node === node && l.msg === 'peer strike' && l.ctx.peer === peer);
const bannedBy = (node: number, peer: string) => lines.some((l) => l.node === node && l.msg === 'peer banned' && l.ctx.peer === peer);
const peerIds = () => nodes.map((n) => n.p2p!.peerId);

// ---- the adversary ----------------------------------------------------------------------------------------

const prefix = () => `/plasma-tree/1/${chainId}`;

/** A raw libp2p host on the chain's topics: publishes whatever bytes it is given, relays nothing. */
class Adversary {
  private constructor(
    readonly host: P2PHost,
    readonly tx: GossipTopic,
    readonly consensus: GossipTopic,
    readonly blocks: GossipTopic,
  ) {}

  get peerId(): string {
    return this.host.peerId;
  }

  static async start(): Promise<Adversary> {
    const host = await P2PHost.start({ peerExchange: false });
    const raw = { maxBytes: 16 << 20, ratePerSecond: 1e9, burst: 1e9, decode: (b: Uint8Array) => b, validate: () => 'ignore' as const };
    const adversary = new Adversary(host, host.topic(`${prefix()}/tx`, raw), host.topic(`${prefix()}/consensus`, raw), host.topic(`${prefix()}/blocks`, raw));
    adversaries.push(adversary);
    for (const node of nodes) await host.dial(node.p2p!.addresses[0]);
    // Publishing reaches a validator once the adversary knows it subscribes (gossipsub's subscription exchange).
    await waitFor('the adversary sees every validator on every topic', () =>
      [adversary.tx, adversary.consensus, adversary.blocks].every((t) => peerIds().every((p) => t.subscribers().includes(p))), 15_000);
    return adversary;
  }

  /** Real certificates (blocks with their t seals) from a validator's `sync` protocol. */
  async certificates(from: number, count: number): Promise<Certificate[]> {
    const body = new Uint8Array(12);
    new DataView(body.buffer).setBigUint64(0, BigInt(from));
    new DataView(body.buffer).setUint32(8, count);
    const answer = await this.host.request(nodes[0].p2p!.peerId, `${prefix()}/sync`, body);
    const view = new DataView(answer.buffer, answer.byteOffset, answer.byteLength);
    const certs: Certificate[] = [];
    for (let i = 0, at = 4; i < view.getUint32(0); i++) {
      const length = view.getUint32(at);
      certs.push(decodeCertificate(answer.subarray(at + 4, at + 4 + length)));
      at += 4 + length;
    }
    return certs;
  }

  /** Publishes every message (no await in between: as fast as the host takes them); failures are ignored. */
  async flood(topic: GossipTopic, messages: Uint8Array[], perTick = messages.length): Promise<void> {
    const sent: Promise<void>[] = [];
    for (let i = 0; i < messages.length; i++) {
      sent.push(topic.publish(messages[i]).catch(() => undefined));
      if ((i + 1) % perTick === 0) await new Promise((r) => setTimeout(r, 20));
    }
    await Promise.all(sent);
  }

  /** Every validator banned it: strikes reached MAX_STRIKES and its connections were closed. */
  async expectBannedEverywhere(timeoutMs = 15_000): Promise<void> {
    await waitFor(`every validator bans ${this.peerId}`, () => nodes.every((_, i) => bannedBy(i, this.peerId)), timeoutMs);
    // At least MAX_STRIKES: messages already past the ban check when it fell may still be struck.
    for (let i = 0; i < nodes.length; i++) expect(strikesBy(i, this.peerId).length, `strikes by validator ${i}`).toBeGreaterThanOrEqual(MAX_STRIKES);
    await waitFor('the banned adversary is disconnected', () => peerIds().every((p) => !this.host.peers.includes(p)), 10_000);
    // A new dial is refused: the gater closes the connection once noise has identified us, and it stays closed.
    await Promise.allSettled(nodes.map((n) => this.host.dial(n.p2p!.addresses[0])));
    await waitFor('the redial is refused', () => peerIds().every((p) => !this.host.peers.includes(p)), 10_000);
    await new Promise((r) => setTimeout(r, 500));
    expect(peerIds().filter((p) => this.host.peers.includes(p))).toEqual([]);
  }
}

// ---- the chain --------------------------------------------------------------------------------------------

const info = (node: PlasmaNode) => rpc(node.rpcUrl, 'pt_chainInfo');
const heads = () => Promise.all(nodes.map(async (n) => (await info(n)).head as { number: number; hash: Hex }));
const newUser = () => new User(chainId, l1.l1ChainId, l1.rootAddress);
let user: User;
let slot: number;
let nonce = 0n;

/** Sends a transfer of the funded user to validator `via`; resolves with its hash. */
async function transfer(via: number): Promise<Hex> {
  const tx = user.transfer(slot, newUser().address, parseEther('0.001'), nonce++);
  return (await rpc<{ hash: Hex }>(nodes[via].rpcUrl, 'pt_sendTransaction', [txJson(tx)])).hash;
}

/** Waits until every validator holds the tx in a block (the same one); returns its number. */
async function includedEverywhere(hash: Hex, timeoutMs = 20_000): Promise<number> {
  return waitFor(`tx ${hash} included on every validator`, async () => {
    const receipts = await Promise.all(nodes.map((n) => rpc(n.rpcUrl, 'pt_getReceipt', [hash])));
    if (!receipts.every((r) => r && (r.status === 'included' || r.status === 'committed'))) return undefined;
    expect(new Set(receipts.map((r) => r.blockNumber)).size).toBe(1);
    return receipts[0].blockNumber as number;
  }, timeoutMs);
}

async function committedOnL1(number: number): Promise<void> {
  await waitFor(`block ${number} committed on L1`, async () => Number((await l1.root.chainInfo(chainId)).headNumber) >= number, 20_000);
}

/** All validators on one head (the newest block may reach one a few ms after another), none of them `bad`. */
async function oneHead(bad: Hex[] = []): Promise<{ number: number; hash: Hex }> {
  const head = await waitFor('one head everywhere', async () => {
    const now = await heads();
    return new Set(now.map((h) => h.hash)).size === 1 ? now[0] : undefined;
  }, 15_000);
  for (let n = 1; n <= head.number; n++) {
    const block = await rpc(nodes[n % 4].rpcUrl, 'pt_getBlockByNumber', [n]);
    expect(bad).not.toContain(block.hash);
  }
  return head;
}

const randomKey = () => Wallet.createRandom().privateKey as Hex;
const randomBytes = (n: number) => crypto.getRandomValues(new Uint8Array(n));
const randomHash = () => bytesToHex(randomBytes(32)) as Hex;

beforeAll(async () => {
  l1 = await startL1();
  for (let i = 0; i < 4; i++) keys.push(validatorKey(l1, 1 + i));
  chainId = await spawnChain(l1, keys, 3);
  for (let i = 0; i < 4; i++) dirs.push(await tempDir('plasma-badpeers-'));
  let boot: string[] = [];
  for (let i = 0; i < 4; i++) {
    const node = await PlasmaNode.init(nodeOptions(l1, chainId, dirs[i].path, { validatorKeys: [keys[i]], p2p: { bootstrap: boot }, roundTimeoutMs: 800, l1Confirmations: 0, logger: watchingLogger(i) }));
    nodes.push(node);
    if (i === 0) boot = node.p2p!.addresses;
  }
  user = newUser();
  await depositETH(l1, chainId, user.address, parseEther('1'));
  await mine(l1, 1);
  await waitFor('the deposit block everywhere', async () => (await heads()).every((h) => h.number >= 1), 30_000);
  slot = (await rpc<{ slot: number }>(nodes[0].rpcUrl, 'pt_getAccount', [user.address, ETH])).slot;
}, 120_000);

afterAll(async () => {
  for (const adversary of adversaries) await adversary.host.close();
  for (const node of nodes) await node.close();
  for (const dir of dirs) await dir.remove();
  await l1?.stop();
});

describe('a 3-of-4 chain with a misbehaving peer', () => {
  it('invalid block certificates are refused, their sender is banned and the chain goes on', async () => {
    const adversary = await Adversary.start();
    const head = await oneHead();
    const [real] = await adversary.certificates(head.number, 1);
    expect(real.blockHash).toBe(head.hash);
    const domain = plasmaDomain(l1.l1ChainId, l1.rootAddress);
    const seal = (key: Hex, height: bigint, hash: Hex) => secp256k1Scheme.sign(commitmentDigest(domain, chainId, height, hash), key);
    const strangers = [randomKey(), randomKey(), randomKey()];
    const next = real.height + 1n;
    const fakeHash = randomHash();
    const bad: Certificate[] = [
      // The real block, sealed by three keys that are not validators.
      { ...real, seals: strangers.map((k) => seal(k, real.height, real.blockHash)) },
      // The real block with one genuine seal three times, and with two genuine seals only.
      { ...real, seals: [real.seals[0], real.seals[0], real.seals[0]] },
      { ...real, seals: real.seals.slice(0, 2) },
      // A new block for the next height (the real one relabelled) with the real seals of the last block.
      { height: next, blockHash: fakeHash, block: real.block, seals: real.seals },
      // The same sealed by strangers, and a certificate far in the future.
      { height: next, blockHash: fakeHash, block: real.block, seals: strangers.map((k) => seal(k, next, fakeHash)) },
      { height: 1_000_000n, blockHash: fakeHash, block: real.block, seals: strangers.map((k) => seal(k, 1_000_000n, fakeHash)) },
    ];
    const messages = bad.map(encodeCertificate);
    // Variations (other strangers, other heights) and garbage, each distinct (gossip ids hash the content).
    for (let i = 0; i < 12; i++) {
      const height = next + BigInt(i);
      const hash = randomHash();
      messages.push(encodeCertificate({ height, blockHash: hash, block: real.block, seals: strangers.map((k) => seal(k, height, hash)) }));
    }
    for (let i = 0; i < 12; i++) messages.push(randomBytes(16 + i * 50));

    const sent = adversary.flood(adversary.blocks, messages, 5);
    const hash = await transfer(1);
    await sent;
    await adversary.expectBannedEverywhere();
    for (let i = 0; i < 4; i++) expect(strikesBy(i, adversary.peerId).every((l) => String(l.ctx.topic).endsWith('/blocks'))).toBe(true);

    const number = await includedEverywhere(hash);
    await committedOnL1(number);
    const after = await oneHead([fakeHash]);
    expect(after.number).toBeGreaterThan(head.number);
  }, 60_000);

  it('invalid consensus messages are refused, a bad proposal costs one round, the chain keeps its latency', async () => {
    const adversary = await Adversary.start();
    const head = await oneHead();
    const [last] = await adversary.certificates(head.number, 1);
    const validators = nodes[0].chain.validators.map((v) => v.toLowerCase() as Address);
    const keyOf = (address: Address) => keys[keys.findIndex((k) => new Wallet(k).address.toLowerCase() === address)];
    const height = BigInt(head.number + 1);
    const evil = randomKey();
    const encode = encodeConsensusMessage;

    // A Byzantine validator (proposer of the next height at round 0; f = 1 is tolerated) proposes a block that
    // does not replay (the last block again, at the next height). It is validly signed, so it is relayed; every
    // validator refuses it when checking it, the round times out and the next proposer decides the transfer.
    const proposer = proposerOf(validators, height, 0);
    await adversary.consensus.publish(encode(signProposal(keyOf(proposer), { chainId, height, round: 0, blockHash: last.blockHash, block: last.block, justification: [] })));
    await waitFor('every validator refuses the Byzantine proposal', () =>
      [0, 1, 2, 3].every((i) => lines.some((l) => l.node === i && l.msg === 'refusing a proposal' && l.ctx.height === String(height) && l.ctx.signer === proposer)), 10_000);
    // It then proposes another block in the same round: every validator keeps the evidence, both messages signed.
    const second = signProposal(keyOf(proposer), { chainId, height, round: 0, blockHash: randomHash(), block: last.block, justification: [] });
    await adversary.consensus.publish(encode(second));
    const evidence = await waitFor('every validator reports the equivocation', async () => {
      const lists = await Promise.all(nodes.map((n) => rpc<{ kind: string; signer: Address; height: number; round: number; blocks: Hex[]; second: Hex }[]>(n.rpcUrl, 'pt_consensusEvidence')));
      return lists.every((list) => list.some((e) => e.kind === 'PROPOSAL' && e.height === Number(height))) ? lists : undefined;
    }, 10_000);
    for (const list of evidence) {
      const found = list.find((e) => e.kind === 'PROPOSAL')!;
      expect(found).toMatchObject({ signer: proposer, round: 0, blocks: [last.blockHash, second.blockHash] });
      expect(found.second).toBe(bytesToHex(encode(second)));
    }
    let started = performance.now();
    const number = await includedEverywhere(await transfer((validators.indexOf(proposer) + 1) % 4), 15_000);
    const afterBadRound = performance.now() - started;
    expect(number).toBe(Number(height));

    // Now the junk, which each validator must reject (and strike) at once.
    const now = height + 1n;
    const messages: Uint8Array[] = [];
    for (let round = 0; round < 4; round++) {
      const fields = { chainId, height: now, round, blockHash: last.blockHash, block: last.block, justification: [] };
      // A PROPOSAL of a non-validator, and one of a validator whose turn it is not.
      messages.push(encode(signProposal(evil, fields)));
      const notProposer = validators.find((v) => v !== proposerOf(validators, now, round))!;
      messages.push(encode(signProposal(keyOf(notProposer), fields)));
      // A PREPARE and a COMMIT that name a validator as signer but were signed by another key.
      messages.push(encode({ ...signPrepare(evil, { chainId, height: now, round, blockHash: randomHash() }), signer: validators[round] }));
      messages.push(encode({ ...signCommit(evil, plasmaDomain(l1.l1ChainId, l1.rootAddress), { chainId, height: now, round, blockHash: randomHash() }), signer: validators[round] }));
      // A ROUND_CHANGE of a non-validator, a PREPARE for another chain, and garbage.
      messages.push(encode(signRoundChange(evil, { chainId, height: now, round: round + 1 })));
      messages.push(encode(signPrepare(keyOf(validators[round]), { chainId: randomHash(), height: now, round, blockHash: randomHash() })));
      messages.push(randomBytes(40 + round));
    }
    expect(messages.length).toBeGreaterThanOrEqual(MAX_STRIKES + 4);
    const sent = adversary.flood(adversary.consensus, messages, 7);
    started = performance.now();
    const hash = await transfer(2);
    const included = await includedEverywhere(hash, 15_000);
    const withJunk = performance.now() - started;
    await sent;
    await adversary.expectBannedEverywhere();
    for (let i = 0; i < 4; i++) expect(strikesBy(i, adversary.peerId).every((l) => String(l.ctx.topic).endsWith('/consensus'))).toBe(true);
    await committedOnL1(included);
    // Normal latency: a round-0 decision (no round lost to the junk); generous for a loaded 2-core machine.
    expect(withJunk).toBeLessThan(6_000);
    expect(afterBadRound).toBeLessThan(10_000);
    await oneHead();
  }, 60_000);

  it('a transaction flood is rate limited and banned; honest transactions get through, the mempools stay clean', async () => {
    // 1. Valid-looking transactions the mempool only ignores (duplicates of an honest tx, validly signed spends
    //    of empty slots): nothing to reject but the rate (200 messages/s, burst 400 per peer).
    const flooder = await Adversary.start();
    // The honest tx is in before its duplicates arrive (a duplicate arriving first would be admitted and relayed:
    // it is a valid tx).
    const honest = user.transfer(slot, newUser().address, parseEther('0.001'), nonce++);
    const first = (await rpc<{ hash: Hex }>(nodes[3].rpcUrl, 'pt_sendTransaction', [txJson(honest)])).hash;
    const encoder = new TextEncoder();
    const copies = [JSON.stringify([signedTxToJson(honest)])];
    for (let k = 0; k < 40; k++) copies.push(JSON.stringify([signedTxToJson(newUser().transfer(1000 + k, user.address, parseEther('1'), 0n))]));
    const ignored: Uint8Array[] = [];
    for (let i = 0; i < 1500; i++) ignored.push(encoder.encode(copies[i % copies.length].replace('[', `[${' '.repeat(i)}`)));
    const mempools: number[] = [];
    const sampling = (async () => {
      for (let k = 0; k < 10; k++) {
        mempools.push(...(await Promise.all(nodes.map(async (n) => (await info(n)).mempoolSize as number))));
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    const flooded = flooder.flood(flooder.tx, ignored, 300);
    const second = await transfer(0);
    await flooded;
    await sampling;
    await flooder.expectBannedEverywhere();
    for (let i = 0; i < 4; i++) expect(strikesBy(i, flooder.peerId).map((l) => l.ctx.reason)).toContain('messages above the rate limit');
    // Only the honest transactions ever waited in a mempool.
    expect(Math.max(...mempools)).toBeLessThanOrEqual(2);
    await committedOnL1(Math.max(await includedEverywhere(first), await includedEverywhere(second)));

    // 2. Malformed messages and transactions with bad signatures: rejected one by one, banned long before the rate.
    const junk = await Adversary.start();
    const tx = signedTxToJson(newUser().transfer(slot, user.address, 1n, 0n));
    const templates = [
      JSON.stringify([{ ...tx, kind: 'nonsense' }]),
      JSON.stringify([{ ...tx, signature: `0x${'00'.repeat(65)}` }]), // unrecoverable
      JSON.stringify([{ ...tx, signature: `0x${'ff'.repeat(64)}1b` }]), // s above the curve order
      'not json',
    ];
    const messages: Uint8Array[] = [];
    for (let i = 0; i < 1000; i++) messages.push(encoder.encode(templates[i % templates.length].replace('[', `[${' '.repeat(i)}`) + ' '.repeat(i)));
    const sent = junk.flood(junk.tx, messages, 300);
    const third = await transfer(1);
    await sent;
    await junk.expectBannedEverywhere();
    for (let i = 0; i < 4; i++) expect(strikesBy(i, junk.peerId).map((l) => l.ctx.reason)).not.toContain('messages above the rate limit');
    await committedOnL1(await includedEverywhere(third));
    for (const node of nodes) expect((await info(node)).mempoolSize).toBe(0);
  }, 60_000);

  it('transactions that only cost signature checks are dropped before them or struck; oversized batches are refused', async () => {
    // One message is one token of the topic's rate but may hold many transactions, each a signature recovery.
    const amplifier = await Adversary.start();
    const signer = newUser();
    const encoder = new TextEncoder();
    const recovered = () => nodes.map((n) => n.metrics.txsRejected.get('UNKNOWN_SLOT'));
    const before = recovered();
    // 1. Validly signed spends of empty slots: refused whoever signs them, so dropped before any recovery (and not
    //    struck: nothing tells them from a spend of a slot this node has not seen yet).
    const empty = JSON.stringify(Array.from({ length: 1000 }, (_, k) => signedTxToJson(signer.transfer(5000 + k, user.address, parseEther('1'), 0n))));
    const hash = await transfer(3);
    await amplifier.flood(amplifier.tx, Array.from({ length: 10 }, (_, i) => encoder.encode(empty.replace('[', `[${' '.repeat(i)}`))));
    await includedEverywhere(hash);
    expect(recovered()).toEqual(before);
    for (let i = 0; i < 4; i++) expect(strikesBy(i, amplifier.peerId)).toEqual([]);
    // 2. A batch above what a node ever publishes in one message, and spends of the user's slot signed by another
    //    key (slot owners never change: no honest node admits, so none relays, such a tx): struck, then banned.
    const account = await rpc(nodes[0].rpcUrl, 'pt_getAccount', [user.address, ETH]);
    const oversized = JSON.stringify(Array.from({ length: 1001 }, () => signedTxToJson(signer.transfer(slot, user.address, 1n, BigInt(account.nonce)))));
    const messages = [encoder.encode(oversized)];
    // A nonce far ahead: the honest transfer sent meanwhile may be included first, and a spend of a used nonce is
    // dropped before any check (not struck); the owner check comes before the nonce check.
    for (let i = 0; i < MAX_STRIKES + 4; i++) messages.push(encoder.encode(JSON.stringify([signedTxToJson(signer.transfer(slot, newUser().address, BigInt(i + 1), BigInt(account.nonce) + 1000n))])));
    const sent = amplifier.flood(amplifier.tx, messages, 5);
    const last = await transfer(0);
    await sent;
    await amplifier.expectBannedEverywhere();
    for (let i = 0; i < 4; i++) expect(strikesBy(i, amplifier.peerId).map((l) => l.ctx.reason)).toContain('undecodable message');
    await committedOnL1(await includedEverywhere(last));
    for (const node of nodes) expect((await info(node)).mempoolSize).toBe(0);
  }, 60_000);

  it('no honest validator was ever struck, and nothing crashed', async () => {
    const honestPeers = peerIds();
    expect(lines.filter((l) => l.msg === 'peer strike' && honestPeers.includes(String(l.ctx.peer)))).toEqual([]);
    expect(lines.filter((l) => l.level === 'error')).toEqual([]);
    expect(lines.filter((l) => l.msg.startsWith('topic ') && l.msg.includes('threw'))).toEqual([]);
    for (const node of nodes) expect((await info(node)).p2p.peers).toBeGreaterThanOrEqual(3);
  });
});
