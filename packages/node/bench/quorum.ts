/**
 * A 3-of-4 chain on loopback, beside one single-validator node (issue 5, docs/CONSENSUS.md): throughput and the
 * time to a committed block, each node a real process (bin.ts, via spawnNodeProcess) with its own data directory,
 * and the validators' libp2p hosts on 127.0.0.1 (validator 0 is the others' bootstrap peer), on a real Hardhat L1.
 *
 * Settings, the same for every node of both chains: the node's defaults for a real deployment (blockTimeMs 1000,
 * roundTimeoutMs 2000, maxBlockTxs 10 000, signature workers = cores − 1) except, as in throughput.ts,
 * l1Confirmations 0 and l1PollMs 100: the L1 is a local automining Hardhat, so waiting for confirmations would only
 * measure the wait (on a real L1 add its block time and confirmations to every "committed on L1" figure), and
 * mempoolMaxTxs 200 000 so that a large run is never refused for room.
 *
 * Measured, in this order:
 * 1. Time to a committed block, 3-of-4: `samples` single transfers, one at a time, sent to validator 0. Before each
 *    send the bench waits a delay spread evenly over [0, blockTimeMs) (a fixed low-discrepancy sequence, the same
 *    for both chains), so the sends land at every phase of the block cadence as unsynchronized clients do. Per
 *    sample: send → the receipt is included (or committed) on all four validators (the block was decided by three
 *    seals and every validator imported it), and send → the root contract's chainInfo(chainId).headNumber reaches
 *    the block (its commitment with three seals is on L1). Polled every 20 ms.
 * 2. Throughput, 3-of-4: `txCount` pre-signed transfers from `accounts` senders (as throughput.ts: round r holds
 *    the transfer with nonce r of every account) sent to validator 0 alone in pt_sendTransactions batches; it
 *    gossips them to the other three. Timed from the first call until validator 0's mempool is empty and every
 *    validator holds its head (every transfer included on all four), then on until that head is committed on L1.
 * 3. Time to a committed block of one single-validator node (threshold 1, no p2p), as in 1, on a second chain of
 *    the same L1 once the four validators are stopped.
 * Every process (nodes and Hardhat) is stopped at the end, also on error, SIGINT or SIGTERM.
 *
 *   node --conditions=source --import tsx packages/node/bench/quorum.ts [txCount] [samples]
 */
import { appendFileSync, rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Contract, JsonRpcProvider, Wallet, parseEther } from 'ethers';
import { deployRoot, startHardhatNode } from '@plasma-tree/contracts';
import { NATIVE_TOKEN, TxKind, plasmaDomain, signedTxToJson, type Address, type ChainId, type Eip712Domain, type Hex, type SpendTx } from '@plasma-tree/core';
import { spawnNodeProcess, type NodeProcess } from '../src/nodeProcess.js';
import type { NodeOptions } from '../src/options.js';
import { call, fundAccounts, lower, sendPipelined, sign, signTransferBatches, waitForSlot } from './throughput.js';

export interface QuorumBenchOptions {
  /** Signed transfers of the throughput part (rounded up to whole rounds of `accounts`). */
  txCount: number;
  /** Single transfers timed one at a time, on each chain. Default 10. */
  samples?: number;
  /** Distinct sending accounts of the throughput part. Default min(1000, txCount). */
  accounts?: number;
  /** Transactions per pt_sendTransactions call. Default 500. */
  batchSize?: number;
  /** Calls in flight. Default 4 (never two holding the same account). */
  concurrency?: number;
  /** Every node's block time. Default 1000 ms (the node's default). */
  blockTimeMs?: number;
  /** Every validator's round-0 timeout. Default 2000 ms (the node's default). */
  roundTimeoutMs?: number;
  /** Leave out the single-validator latency (part 3). */
  skipSingle?: boolean;
  onProgress?: (message: string) => void;
}

export interface LatencyStats {
  /** Milliseconds, in sample order. */
  samples: number[];
  median: number;
  /** Nearest-rank 90th percentile. */
  p90: number;
  max: number;
}

export interface CommitLatency {
  /** Send → included on every node of the chain (all four validators, or the one node). */
  included: LatencyStats;
  /** Send → the block's commitment is on L1 (root contract chainInfo(chainId).headNumber). */
  committedL1: LatencyStats;
  /** The blocks the samples landed in. */
  blocks: number[];
}

export interface QuorumThroughput {
  submitted: number;
  accepted: number;
  refused: number;
  /** The refusals by error code (none expected). */
  refusals: Record<string, number>;
  /** accepted / seconds from the first call until every transfer is included on all four validators. */
  tps: number;
  /** accepted / seconds from the first call until the last block of the run is committed on L1. */
  committedTps: number;
  /** accepted / seconds from the first call to the last call's answer (validator 0's admission). */
  admissionTps: number;
  seconds: number;
  committedSeconds: number;
  blocks: number;
  txsPerBlock: { min: number; max: number; mean: number };
  accounts: number;
  batchSize: number;
  concurrency: number;
}

export interface QuorumBenchResult {
  validators: number;
  threshold: number;
  settings: { blockTimeMs: number; roundTimeoutMs: number; maxBlockTxs: number; l1Confirmations: number; l1PollMs: number };
  /** roundTimeouts: 'round timed out' lines of the four validators during each part (a round-0 proposal not decided in time). */
  threeOfFour: { latency: CommitLatency; throughput: QuorumThroughput; roundTimeouts: { latency: number; throughput: number } };
  single?: { latency: CommitLatency };
  /** Wall time of the whole benchmark, setup included. */
  seconds: number;
}

const GWEI = 10n ** 9n;
const POLL_MS = 20;
const VALIDATORS = 4;
const THRESHOLD = 3;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Runs the benchmark on a fresh Hardhat L1 and fresh nodes (all stopped and removed afterwards). */
export async function runQuorumBench(options: QuorumBenchOptions): Promise<QuorumBenchResult> {
  const began = performance.now();
  const progress = options.onProgress ?? (() => {});
  const samples = Math.max(1, options.samples ?? 10);
  const blockTimeMs = options.blockTimeMs ?? 1000;
  const roundTimeoutMs = options.roundTimeoutMs ?? 2000;
  const settings = { blockTimeMs, roundTimeoutMs, maxBlockTxs: 10_000, l1Confirmations: 0, l1PollMs: 100 };

  const procs = new Set<NodeProcess>();
  const dirs: string[] = [];
  // Should the bench die without reaching `finally` (process.exit, a signal), no node outlives it.
  const killAll = () => {
    for (const p of procs) p.child.kill('SIGKILL');
  };
  const onSignal = (signal: NodeJS.Signals) => {
    killAll();
    for (const dir of dirs) {
      try {
        rmSync(dir, { recursive: true, force: true });
      } catch {
        // a node still writing as it dies: the directory is left in the temp folder
      }
    }
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.on('exit', killAll);
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  // Nodes log at 'info' (their default): round timeouts are counted, warnings and errors shown.
  let roundTimeouts = 0;
  const onNodeLog = (name: string, line: string) => {
    if (process.env.BENCH_NODE_LOGS) appendFileSync(join(process.env.BENCH_NODE_LOGS, `${name}.log`), `${line}\n`);
    let entry: { level?: string; msg?: string };
    try {
      entry = JSON.parse(line) as { level?: string; msg?: string };
    } catch {
      progress(`${name}: ${line}`);
      return;
    }
    if (entry.msg === 'round timed out') roundTimeouts++;
    if (entry.level === 'warn' || entry.level === 'error') progress(`${name}: ${line}`);
  };

  const hardhat = await startHardhatNode();
  const provider = new JsonRpcProvider(hardhat.url, undefined, { cacheTimeout: -1, staticNetwork: true, pollingInterval: 50 });
  try {
    const deployer = new Wallet(hardhat.accounts[0].privateKey, provider);
    const { address, contract: root } = await deployRoot(deployer);
    const rootContract = lower(address);
    const domain = plasmaDomain((await provider.getNetwork()).chainId, rootContract);

    const spawnChain = async (keys: Hex[], threshold: number): Promise<ChainId> => {
      const args = [keys.map((k) => new Wallet(k).address), threshold, 3600, { value: parseEther('0.2') }] as const;
      const chainId = ((await root.spawnChain.staticCall(...args)) as string).toLowerCase() as ChainId;
      await (await root.spawnChain(...args)).wait();
      return chainId;
    };
    const startNode = async (name: string, chainId: ChainId, keys: Hex[], extra: Partial<NodeOptions> = {}): Promise<NodeProcess> => {
      const dataDir = await mkdtemp(join(tmpdir(), `plasma-bench-${name}-`));
      dirs.push(dataDir);
      const proc = await spawnNodeProcess({
        options: {
          dataDir,
          l1RpcUrl: hardhat.url,
          rootContract,
          chainId,
          validatorKeys: keys,
          rpc: { port: 0 },
          ...settings,
          mempoolMaxTxs: 200_000,
          logLevel: 'info',
          ...extra,
        },
        onLog: (line) => onNodeLog(name, line),
      });
      procs.add(proc);
      return proc;
    };

    // ---- the 3-of-4 chain ------------------------------------------------------------------------------------
    const keys = Array.from({ length: VALIDATORS }, (_, i) => hardhat.accounts[1 + i].privateKey as Hex);
    const quorumChain = await spawnChain(keys, THRESHOLD);
    progress(`starting ${VALIDATORS} validator processes (${THRESHOLD}-of-${VALIDATORS})`);
    const v0 = await startNode('v0', quorumChain, [keys[0]], { p2p: { bootstrap: [] } });
    const bootstrap = (await call<{ p2p: { addresses: string[] } }>(v0.rpcUrl, 'pt_chainInfo', [])).p2p.addresses;
    const validators = [v0, ...(await Promise.all([1, 2, 3].map((i) => startNode(`v${i}`, quorumChain, [keys[i]], { p2p: { bootstrap } }))))];
    const urls = validators.map((v) => v.rpcUrl);
    await waitUntil('every validator connected to the other three', 30_000, async () => {
      const peers = await Promise.all(urls.map(async (u) => (await call<{ p2p: { peers: number } }>(u, 'pt_chainInfo', [])).p2p.peers));
      return peers.every((n) => n >= VALIDATORS - 1);
    }).catch((e: Error) => progress(`warning: ${e.message}; going on`));

    const quorumLatency = await measureLatency({ name: '3-of-4', root, chainId: quorumChain, domain, urls, samples, blockTimeMs, progress });
    const latencyTimeouts = roundTimeouts;
    const throughput = await measureThroughput({ root, chainId: quorumChain, domain, urls, options, progress });
    const throughputTimeouts = roundTimeouts - latencyTimeouts;
    progress(`rounds timed out on the validators: ${latencyTimeouts} during the latency samples, ${throughputTimeouts} during the throughput run`);

    progress('stopping the validators');
    await Promise.all(validators.map(async (v) => {
      await v.stop(5000);
      procs.delete(v);
    }));

    // ---- one single-validator node -----------------------------------------------------------------------
    let single: QuorumBenchResult['single'];
    if (!options.skipSingle) {
      const key = hardhat.accounts[1 + VALIDATORS].privateKey as Hex;
      const singleChain = await spawnChain([key], 1);
      progress('starting one single-validator node');
      const node = await startNode('single', singleChain, [key]);
      single = { latency: await measureLatency({ name: 'single', root, chainId: singleChain, domain, urls: [node.rpcUrl], samples, blockTimeMs, progress }) };
    }

    const seconds = (performance.now() - began) / 1000;
    progress(`quorum bench done in ${seconds.toFixed(1)} s`);
    return { validators: VALIDATORS, threshold: THRESHOLD, settings, threeOfFour: { latency: quorumLatency, throughput, roundTimeouts: { latency: latencyTimeouts, throughput: throughputTimeouts } }, single, seconds };
  } finally {
    await Promise.all([...procs].map((p) => p.stop(5000).catch(() => p.child.kill('SIGKILL'))));
    killAll();
    provider.destroy();
    await hardhat.stop();
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
    process.off('exit', killAll);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

interface LatencyRun {
  name: string;
  root: Contract;
  chainId: ChainId;
  domain: Eip712Domain;
  /** Every node of the chain; transfers go to the first. */
  urls: string[];
  samples: number;
  blockTimeMs: number;
  progress: (message: string) => void;
}

/** Part 1 / 3: single transfers, one at a time, timed to inclusion on every node and to the commitment on L1. */
async function measureLatency({ name, root, chainId, domain, urls, samples, blockTimeMs, progress }: LatencyRun): Promise<CommitLatency> {
  const user = Wallet.createRandom();
  await (await root.depositETH(chainId, user.address, { value: parseEther('1') })).wait();
  const slot = await waitForSlot(urls[0], user.address);
  // The deposit's block on every node and on L1: the chain is idle when the first sample is sent.
  const depositHead = (await call<{ head: { number: number } }>(urls[0], 'pt_chainInfo', [])).head.number;
  await waitUntil(`${name}: the deposit's block everywhere and on L1`, 60_000, async () => {
    const heads = await Promise.all(urls.map(async (u) => (await call<{ head: { number: number } }>(u, 'pt_chainInfo', [])).head.number));
    return heads.every((h) => h >= depositHead) && Number((await root.chainInfo(chainId)).headNumber) >= depositHead;
  });

  const included: number[] = [];
  const committed: number[] = [];
  const blocks: number[] = [];
  for (let i = 0; i < samples; i++) {
    // An even spread over the block cadence (golden-ratio sequence), the same for every chain measured.
    await sleep(((i * 0.6180339887) % 1) * blockTimeMs);
    const tx = sign(user, domain, { kind: TxKind.Transfer, chainId, slot, to: lower(Wallet.createRandom().address), token: NATIVE_TOKEN, amount: GWEI, nonce: BigInt(i) });
    const sent = performance.now();
    const { hash } = await call<{ hash: Hex }>(urls[0], 'pt_sendTransaction', [signedTxToJson(tx)]);
    const seen = urls.map(() => false);
    let block: number | undefined;
    let includedAt: number | undefined;
    let committedAt: number | undefined;
    const deadline = Date.now() + 120_000;
    while (includedAt === undefined || committedAt === undefined) {
      if (Date.now() > deadline) throw new Error(`${name}: transfer ${i} (${hash}) not included and committed after 120 s`);
      await sleep(POLL_MS);
      const now = () => performance.now() - sent;
      if (includedAt === undefined) {
        await Promise.all(urls.map(async (url, k) => {
          if (seen[k]) return;
          const receipt = await call<{ status: string; blockNumber: number | null } | null>(url, 'pt_getReceipt', [hash]);
          if (receipt?.status === 'rejected') throw new Error(`${name}: transfer ${i} rejected: ${JSON.stringify(receipt)}`);
          if (receipt?.status === 'included' || receipt?.status === 'committed') {
            seen[k] = true;
            block = receipt.blockNumber!;
          }
        }));
        if (seen.every(Boolean)) includedAt = now();
      }
      if (committedAt === undefined && block !== undefined && Number((await root.chainInfo(chainId)).headNumber) >= block) committedAt = now();
    }
    included.push(Math.round(includedAt));
    committed.push(Math.round(committedAt));
    blocks.push(block!);
    progress(`${name} sample ${i + 1}/${samples}: block ${block}, included on ${urls.length === 1 ? 'the node' : `all ${urls.length}`} after ${Math.round(includedAt)} ms, on L1 after ${Math.round(committedAt)} ms`);
  }
  return { included: stats(included), committedL1: stats(committed), blocks };
}

interface ThroughputRun {
  root: Contract;
  chainId: ChainId;
  domain: Eip712Domain;
  urls: string[];
  options: QuorumBenchOptions;
  progress: (message: string) => void;
}

/** Part 2: pre-signed transfers to validator 0, until included on all four, then until committed on L1. */
async function measureThroughput({ root, chainId, domain, urls, options, progress }: ThroughputRun): Promise<QuorumThroughput> {
  const url = urls[0];
  const accounts = Math.max(2, options.accounts ?? Math.min(1000, options.txCount));
  const rounds = Math.max(1, Math.ceil(options.txCount / accounts));
  const batchSize = options.batchSize ?? 500;
  const batchesPerRound = Math.ceil(accounts / batchSize);
  const concurrency = Math.max(1, Math.min(options.concurrency ?? 4, batchesPerRound));

  progress(`funding ${accounts} accounts`);
  const { users, slots } = await fundAccounts({ root, chainId, domain, url, accounts, perAccount: BigInt(rounds) * GWEI });
  // Every validator holds the funded accounts, and the chain is idle on L1 too, before the clock starts.
  const fundedHead = (await call<{ head: { number: number } }>(url, 'pt_chainInfo', [])).head.number;
  await waitUntil('the funding on every validator and on L1', 60_000, async () => {
    const heads = await Promise.all(urls.map(async (u) => (await call<{ head: { number: number } }>(u, 'pt_chainInfo', [])).head.number));
    return heads.every((h) => h >= fundedHead) && Number((await root.chainInfo(chainId)).headNumber) >= fundedHead;
  });

  progress(`signing ${rounds * accounts} transfers`);
  const bodies = signTransferBatches({ users, slots, domain, chainId, rounds, batchSize });
  const submitted = rounds * accounts;
  const startHead = (await call<{ head: { number: number } }>(url, 'pt_chainInfo', [])).head.number;

  progress(`sending ${submitted} transfers to validator 0 in ${bodies.length} batches of ${batchSize}, ${concurrency} in flight`);
  const started = performance.now();
  const { accepted, refusals } = await sendPipelined(url, bodies, concurrency);
  const admitted = performance.now();
  const refused = submitted - accepted;
  progress(`validator 0 admitted ${accepted} in ${((admitted - started) / 1000).toFixed(1)} s${refused ? ` (refused ${refused}: ${JSON.stringify(refusals)})` : ''}; waiting for inclusion on all four`);

  // Validator 0's mempool empty at head h, then every other validator at h or above: all are included everywhere.
  let head = startHead;
  let lastReport = performance.now();
  const deadline = Date.now() + 600_000;
  for (;;) {
    if (Date.now() > deadline) throw new Error('the transfers were not included on all four validators within 10 minutes');
    const info = await call<{ head: { number: number }; mempoolSize: number }>(url, 'pt_chainInfo', []);
    if (info.mempoolSize === 0) {
      const heads = await Promise.all(urls.slice(1).map(async (u) => (await call<{ head: { number: number } }>(u, 'pt_chainInfo', [])).head.number));
      if (heads.every((h) => h >= info.head.number)) {
        head = info.head.number;
        break;
      }
    }
    if (performance.now() - lastReport > 5000) {
      lastReport = performance.now();
      progress(`  validator 0 at block ${info.head.number}, ${info.mempoolSize} transfers waiting`);
    }
    await sleep(POLL_MS);
  }
  const seconds = (performance.now() - started) / 1000;
  await waitUntil('the run committed on L1', 300_000, async () => Number((await root.chainInfo(chainId)).headNumber) >= head, POLL_MS);
  const committedSeconds = (performance.now() - started) / 1000;

  const sizes: number[] = [];
  for (let n = startHead + 1; n <= head; n++) sizes.push((await call<{ txs: unknown[] }>(url, 'pt_getBlockByNumber', [n])).txs.length);
  const included = sizes.reduce((a, b) => a + b, 0);
  if (included !== accepted) throw new Error(`${accepted} transfers were admitted but ${included} were included`);
  const hashes = await Promise.all(urls.map(async (u) => (await call<{ hash: Hex }>(u, 'pt_getBlockByNumber', [head])).hash));
  if (new Set(hashes).size !== 1) throw new Error(`the validators hold different blocks ${head}: ${hashes.join(', ')}`);

  const result: QuorumThroughput = {
    submitted,
    accepted,
    refused,
    refusals,
    tps: accepted / seconds,
    committedTps: accepted / committedSeconds,
    admissionTps: accepted / ((admitted - started) / 1000),
    seconds,
    committedSeconds,
    blocks: sizes.length,
    txsPerBlock: { min: Math.min(...sizes), max: Math.max(...sizes), mean: included / Math.max(1, sizes.length) },
    accounts,
    batchSize,
    concurrency,
  };
  progress(`3-of-4: ${Math.round(result.tps)} tx/s to inclusion on all four, ${Math.round(result.committedTps)} tx/s to L1 (${Math.round(result.admissionTps)} tx/s admitted), ${result.blocks} blocks`);
  return result;
}

function stats(ms: number[]): LatencyStats {
  const sorted = [...ms].sort((a, b) => a - b);
  const rank = (q: number) => sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)];
  const median = sorted.length % 2 === 1 ? sorted[(sorted.length - 1) / 2] : Math.round((sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2);
  return { samples: ms, median, p90: rank(0.9), max: sorted[sorted.length - 1] };
}

async function waitUntil(what: string, timeoutMs: number, check: () => Promise<boolean>, pollMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(pollMs);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const txCount = Number(process.argv[2] ?? 5000);
  const samples = process.argv[3] === undefined ? undefined : Number(process.argv[3]);
  runQuorumBench({ txCount, samples, onProgress: (m) => console.error(m) })
    .then((r) => console.log(JSON.stringify(r, null, 2)))
    .catch((e) => {
      console.error(e);
      process.exit(1);
    });
}
