/**
 * FAULT INJECTION in the process devnet (`startDevnet({ processes: true })`, docs/FRAUD.md §5): a 3-of-4 chain whose
 * spec has `faults` (overspend, `once: false`: it lies in every block it proposes that holds a transfer) on validator 1
 * only (ChainSpec `faultyValidator`). Only that validator's process gets the plan; the three honest ones refuse each of
 * its forged proposals, the round times out and an honest proposer's block is decided for that height. The chain keeps
 * making blocks and committing them to L1, no forged block is ever committed, every block PlasmaRoot holds passes core's
 * verifyBlock against PlasmaRoot's deposit records, and a `faultyValidator` outside the chain's validators is refused
 * before anything starts (BAD_LAYOUT).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Contract, JsonRpcProvider, Wallet, parseEther } from 'ethers';
import { ChainState, NATIVE_TOKEN, PlasmaError, blockFromJson, plasmaDomain, verifyBlock, type Address, type Block, type BlockContext, type Header, type Hex } from '@plasma-tree/core';
import { loadArtifact } from '@plasma-tree/contracts';
import { FAULTS_FILE } from '@plasma-tree/node';
import { PlasmaClient } from '@plasma-tree/sdk';
import { readDevnetInfo, startDevnet, type Devnet, type DevnetChain } from '@plasma-tree/devnet';
import { waitFor as waitForProbe } from './helpers/tree.js';

const FAULTY = 1;
const FAULTS = { kind: 'overspend', once: false } as const;

let dir: string;
let devnet: Devnet;
let chain: DevnetChain;
let provider: JsonRpcProvider;
let root: Contract;
let client: PlasmaClient;
let pids: number[] = [];

const rpc = async (url: string, method: string, params: unknown[] = []): Promise<any> => {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) });
  const body = (await res.json()) as { result?: unknown; error?: { message: string } };
  if (body.error) throw new Error(`${method}: ${body.error.message}`);
  return body.result;
};

/** The tree helpers' waitFor, with a probe that may fail while nodes start (an RPC not up yet counts as "not yet"). */
const waitFor = <T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 30_000): Promise<T> =>
  waitForProbe(what, () => probe().catch(() => undefined), timeoutMs);

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
};

const honest = () => chain.nodes!.filter((n) => n.index !== FAULTY);
const liar = () => chain.validators[FAULTY].address.toLowerCase() as Address;

/** The forged blocks the faulty validator recorded building (its faults.json; written at the first injection). */
function injected(): { kind: string; number: number; hash: Hex }[] {
  const file = join(chain.nodes![FAULTY].dataDir, FAULTS_FILE);
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { injected: { kind: string; number: number; hash: Hex }[] }).injected : [];
}

/** What the honest validators logged refusing the liar's proposals (their node.log, JSON lines). */
function refusals(): { height: string; signer: string; error: string }[] {
  const parse = (line: string) => {
    try {
      return [JSON.parse(line)];
    } catch {
      return []; // a line still being written
    }
  };
  return honest().flatMap((n) => readFileSync(n.logFile, 'utf8').split('\n').filter((l) => l.includes('refusing a proposal')).flatMap(parse));
}

/** Every validator, the liar included, at one head of at least `number`. */
async function converged(number: number): Promise<{ number: number; hash: Hex }> {
  return waitFor(`every validator at one head >= ${number}`, async () => {
    const heads = await Promise.all(chain.nodes!.map(async (n) => (await rpc(n.rpcUrl, 'pt_chainInfo')).head as { number: number; hash: Hex }));
    return heads.every((h) => h.number >= number && h.hash === heads[0].hash) ? heads[0] : undefined;
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'plasma-devnet-faults-'));
  devnet = await startDevnet({
    dataDir: dir,
    processes: true,
    l1Port: 0,
    rpcPort: 0,
    blockTimeMs: 200,
    fundAccounts: 1,
    watcher: false,
    chains: [{ name: 'F', validators: 4, threshold: 3, faults: FAULTS, faultyValidator: FAULTY }],
  });
  chain = devnet.chains[0];
  pids = chain.nodes!.map((n) => n.pid!);
  provider = new JsonRpcProvider(devnet.l1.url, undefined, { cacheTimeout: -1 });
  root = new Contract(devnet.rootContract, loadArtifact('PlasmaRoot').abi, provider);
  // The user talks to an honest validator (any would do: transactions are gossiped).
  client = new PlasmaClient({ l1: new Wallet(devnet.accounts[0].privateKey, provider), rootContract: devnet.rootContract, chainId: chain.chainId, nodeUrl: chain.nodes![0].rpcUrl, pollMs: 100 });
}, 180_000);

afterAll(async () => {
  provider?.destroy();
  await devnet?.close();
  for (const pid of pids) if (alive(pid)) process.kill(pid, 'SIGKILL');
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('process devnet: faults on one validator of a 3-of-4 chain', () => {
  it('only validator 1 runs the fault plan, and devnet.json says so', async () => {
    expect(chain.faultyValidator).toBe(FAULTY);
    expect(readDevnetInfo(dir)!.chains[0].faultyValidator).toBe(FAULTY);
    for (const node of chain.nodes!) {
      const info = await rpc(node.rpcUrl, 'pt_chainInfo');
      expect(info.p2p.mode).toBe('quorum');
      if (node.index === FAULTY) expect(info.faults).toMatchObject({ kind: 'overspend', once: false });
      else expect(info.faults).toBeUndefined();
    }
    expect(readFileSync(chain.nodes![FAULTY].logFile, 'utf8')).toContain('FAULT INJECTION ENABLED: overspend');
  });

  it('the liar\'s forged proposals are refused; the chain goes on and commits only valid blocks to L1', async () => {
    const deposit = parseEther('1');
    await client.waitForDeposit(await client.depositETH(deposit), { timeoutMs: 30_000 });
    const to = Wallet.createRandom().address.toLowerCase() as Address;
    const amount = parseEther('0.01');
    let sent = 0n;
    // One transfer per height: the proposer rotates over the four validators, so the liar gets turns.
    for (let k = 0; k < 16; k++) {
      const { hash } = await client.transfer({ to, token: NATIVE_TOKEN, amount });
      sent += amount;
      await waitFor(`transfer ${k} included on the honest validators`, async () => {
        const receipts = await Promise.all(honest().map((n) => rpc(n.rpcUrl, 'pt_getReceipt', [hash])));
        return receipts.every((r) => r?.status === 'included' || r?.status === 'committed');
      });
      const head = (await rpc(chain.nodes![0].rpcUrl, 'pt_chainInfo')).head.number as number;
      // Enough: the liar proposed a lie that was refused, and the chain made two more blocks after it.
      const lies = injected();
      if (head >= 8 && lies.length >= 1 && head >= Math.max(...lies.map((f) => f.number)) + 2 && refusals().some((r) => r.signer.toLowerCase() === liar())) break;
    }

    // The liar built forged blocks (in its proposals), and the honest validators refused them.
    const forged = injected();
    expect(forged.length).toBeGreaterThanOrEqual(1);
    expect(forged.every((f) => f.kind === 'overspend')).toBe(true);
    const refused = refusals().filter((r) => r.signer.toLowerCase() === liar());
    expect(refused.length).toBeGreaterThanOrEqual(1);
    expect(refused.some((r) => forged.some((f) => r.error.includes(f.hash)))).toBe(true);

    // Every validator, the liar too (it imports the decided blocks), holds one chain past several heights, the liar's
    // heights decided on honest proposals (no forged hash among them, below) ...
    const head = await converged(8);
    expect(head.number).toBeGreaterThanOrEqual(Math.max(...forged.map((f) => f.number)) + 2);
    // ... committed to L1.
    await waitFor('the head committed on L1', async () => Number((await root.chainInfo(chain.chainId)).headNumber) >= head.number, 30_000);
    const committed = new Map<number, Hex>();
    for (const event of await root.queryFilter(root.filters.Committed(chain.chainId))) {
      const { number, blockHash } = (event as unknown as { args: { number: bigint; blockHash: string } }).args;
      committed.set(Number(number), blockHash.toLowerCase() as Hex);
    }
    const records = new Map<bigint, Hex>();
    const count = (await root.chainInfo(chain.chainId)).depositCount as bigint;
    for (let n = 1n; n <= count; n++) records.set(n, (await root.depositRecord(chain.chainId, n)) as Hex);
    const ctx: BlockContext = { chainId: chain.chainId, domain: plasmaDomain(BigInt(devnet.l1.chainId), devnet.rootContract), depositRecord: (n) => records.get(n) };
    const forgedHashes = new Set(forged.map((f) => f.hash.toLowerCase()));
    const state = new ChainState(chain.chainId);
    let parent: Header | null = null;
    for (let n = 1; n <= head.number; n++) {
      const block: Block = blockFromJson(await rpc(chain.nodes![2].rpcUrl, 'pt_getBlockByNumber', [n]));
      expect(committed.get(n)).toBe(block.hash.toLowerCase());
      expect(forgedHashes.has(block.hash.toLowerCase())).toBe(false);
      verifyBlock(block, parent, state, ctx); // throws on an invalid block
      parent = block.header;
    }
    expect(state.root).toBe(parent!.stateRoot);
    // The lie (the sender's whole balance to the recipient) is nowhere: every transfer went in for what was signed.
    for (const node of chain.nodes!) {
      expect(BigInt(await rpc(node.rpcUrl, 'pt_getBalance', [to, NATIVE_TOKEN]))).toBe(sent);
      expect(BigInt(await rpc(node.rpcUrl, 'pt_getBalance', [devnet.accounts[0].address, NATIVE_TOKEN]))).toBe(deposit - sent);
    }
  }, 120_000);

  it('refuses a faultyValidator outside the chain\'s validators (BAD_LAYOUT) before starting anything', async () => {
    const other = mkdtempSync(join(tmpdir(), 'plasma-devnet-faults-bad-'));
    try {
      for (const faultyValidator of [4, -1]) {
        const err = await startDevnet({
          dataDir: other,
          processes: true,
          l1Port: 0,
          rpcPort: 0,
          watcher: false,
          chains: [{ name: 'F', validators: 4, threshold: 3, faults: FAULTS, faultyValidator }],
        }).then(() => undefined, (e: unknown) => e);
        expect(err).toBeInstanceOf(PlasmaError);
        expect((err as PlasmaError).code).toBe('BAD_LAYOUT');
        expect((err as PlasmaError).message).toContain('faultyValidator must be 0..3');
      }
      expect(existsSync(join(other, 'chains'))).toBe(false);
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });

  it('a fault plan the node would refuse is refused by the same check (BAD_CONFIG) before the validator is spawned', async () => {
    const other = mkdtempSync(join(tmpdir(), 'plasma-devnet-faults-bad-'));
    try {
      const err = await startDevnet({
        dataDir: other,
        processes: true,
        l1Port: 0,
        rpcPort: 0,
        watcher: false,
        fundAccounts: 1,
        chains: [{ name: 'F', validators: 2, threshold: 2, faults: { kind: 'overspend', atBlock: 0 }, faultyValidator: 1 }],
      }).then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(PlasmaError);
      expect((err as PlasmaError).code).toBe('BAD_CONFIG');
      expect((err as PlasmaError).message).toContain('faults.atBlock');
      // Validator 1 was never spawned (spawnNodeProcess writes its config file first).
      expect(existsSync(join(other, 'chains', 'F', 'validator1', 'node.config.json'))).toBe(false);
      expect(existsSync(join(other, 'chains', 'F', 'validator0', 'node.config.json'))).toBe(true);
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  }, 60_000);
});
