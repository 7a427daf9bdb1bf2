/**
 * Hot-path figures of @plasma-tree/core:
 *   node --conditions=source --import tsx packages/core/bench/stf.bench.ts [--accounts 100000] [--txs 20000] [--workers 2]
 *
 * Single-core figures first, then the node's pipeline on real threads: worker(s) recover senders while the main
 * thread places and applies them (BlockBuilder, per-tx trace kept) and seals the block. This file is also the
 * workers' script.
 */
import { availableParallelism, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import {
  AccountState,
  BlockBuilder,
  ChainState,
  NATIVE_TOKEN,
  ROOT_CHAIN_ID,
  SparseMerkleTree,
  TxKind,
  ZERO_BYTES32,
  applyTx,
  bytesToHex,
  chainIdOf,
  initCore,
  keccak256,
  keccakHasher,
  nobleKeccakHasher,
  nobleSecp256k1Scheme,
  placeSignedTx,
  plasmaDomain,
  recoverSender,
  secp256k1Scheme,
  signedTxDigest,
  type Address,
  type Header,
  type Hex,
  type SpendTx,
  type StfContext,
} from '../src/index.js';

const CHAIN_ID = chainIdOf(ROOT_CHAIN_ID, 0);
const DOMAIN = plasmaDomain(31337n, '0x5fbdb2315678afecb367f032d93f642f64180aa3');
const CTX: StfContext = { chainId: CHAIN_ID, domain: DOMAIN, lastDepositNonce: 0n, timestamp: 1n };
/** Accounts owned by real keys (the senders); the rest of the state is filler. */
const SIGNERS = 1_000;

// ---- measuring ------------------------------------------------------------------------------------------
// Rates per wall-clock second and per CPU second (all threads of the process). On a shared machine the wall
// figure drops with contention; the CPU figure does not, so it is the one to project from.

interface Rate {
  wall: number;
  cpu: number;
}

function timed(n: number, fn: () => void): Rate {
  const cpuStart = process.cpuUsage();
  const start = performance.now();
  fn();
  const wallSeconds = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpuStart);
  return { wall: n / wallSeconds, cpu: n / ((cpu.user + cpu.system) / 1e6) };
}

/** Rate of `fn(i)` over `n` iterations, after a warm-up. */
function measure(n: number, fn: (i: number) => void, warmup = Math.min(n, 2_000)): Rate {
  for (let i = 0; i < warmup; i++) fn(i);
  return timed(n, () => {
    for (let i = 0; i < n; i++) fn(i);
  });
}

const format = (value: number) => Math.round(value).toLocaleString('en-US').padStart(11);

function report(name: string, rate: Rate): void {
  console.log(`${name.padEnd(56)} ${format(rate.wall)} ${format(rate.cpu)}`);
}

/** xorshift32: the same workload on every run. */
function randomGenerator(seed = 0x2545f491): (max: number) => number {
  return (max) => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) % max;
  };
}

// ---- workload -------------------------------------------------------------------------------------------

interface Workload {
  /** A fresh state of `accounts` accounts (the first SIGNERS owned by real keys). */
  buildState(): ChainState;
  /** Transfers from the signers' slots to random accounts, nonces in order. */
  signed: SpendTx[];
  senders: Address[];
}

function makeWorkload(accounts: number, txs: number): Workload {
  const random = randomGenerator();
  const keys: Hex[] = Array.from({ length: SIGNERS }, (_, i) => bytesToHex(keccak256(new TextEncoder().encode(`bench key ${i}`))));
  const owners: Address[] = Array.from({ length: accounts }, (_, slot) =>
    slot < SIGNERS ? secp256k1Scheme.addressOf(keys[slot]) : (`0x${(slot + 1).toString(16).padStart(40, '0')}` as Address),
  );
  const buildState = () =>
    new ChainState(CHAIN_ID, {
      accounts: AccountState.fromEntries(owners.map((owner, slot) => [slot, { owner, token: NATIVE_TOKEN, balance: 10n ** 30n, nonce: 0n }] as const)),
    });
  const nonces = new Array<bigint>(SIGNERS).fill(0n);
  const signed = Array.from({ length: txs }, (_, i): SpendTx => {
    const slot = random(SIGNERS);
    let toSlot = random(accounts);
    if (toSlot === slot) toSlot = (toSlot + 1) % accounts;
    const tx = { kind: TxKind.Transfer as const, chainId: CHAIN_ID, slot, to: owners[toSlot], token: NATIVE_TOKEN, amount: 1_000n + BigInt(i), nonce: nonces[slot]++ };
    return { ...tx, signature: secp256k1Scheme.sign(signedTxDigest(DOMAIN, tx), keys[slot]) };
  });
  return { buildState, signed, senders: signed.map((tx) => recoverSender(tx, CTX)) };
}

/** A parent block whose post-state is `state` (so a BlockBuilder can start from it). */
function parentOf(state: ChainState): Header {
  return { chainId: CHAIN_ID, number: 41n, parentHash: ZERO_BYTES32, txRoot: ZERO_BYTES32, stateRoot: state.root, exitRoot: ZERO_BYTES32, depositNonce: 0n, timestamp: 0n };
}

// ---- single core ----------------------------------------------------------------------------------------

function benchKeccak(): void {
  const data = new Uint8Array(64).fill(7);
  const [left, right] = [data.subarray(0, 32), data.subarray(32)];
  report('keccak256 of 64 bytes (hash-wasm)', measure(1_000_000, () => keccak256(data)));
  report('keccak hashPair (hash-wasm)', measure(1_000_000, () => keccakHasher.hashPair(left, right)));
  report('keccak hashPair (noble, reference)', measure(200_000, () => nobleKeccakHasher.hashPair(left, right)));
}

function benchSmt(accounts: number): void {
  const random = randomGenerator();
  const leaves = Array.from({ length: accounts }, (_, i) => keccak256(new Uint8Array(new Uint32Array([i, 1]).buffer)));
  const tree = new SparseMerkleTree();
  report(`SMT bulk load of ${accounts} leaves, one root (leaves/s)`, timed(accounts, () => {
    leaves.forEach((leaf, i) => tree.set(i, leaf));
    void tree.root;
  }));
  report(`SMT set + root, ${accounts} leaves (sets/s)`, measure(50_000, (i) => {
    tree.set(random(accounts), leaves[i % accounts]);
    void tree.root;
  }));
  report('SMT 2 sets + root, as in a transfer (pairs/s)', measure(25_000, (i) => {
    tree.set(random(accounts), leaves[i % accounts]);
    tree.set(random(accounts), leaves[(i + 1) % accounts]);
    void tree.root;
  }));
}

function benchSignatures(): void {
  const digest = keccak256(new Uint8Array(64));
  const key = bytesToHex(keccak256(new Uint8Array([1])));
  const signature = secp256k1Scheme.sign(digest, key);
  report(`secp256k1 recover, ${secp256k1Scheme.name}`, measure(20_000, () => secp256k1Scheme.recover(digest, signature), 500));
  report(`secp256k1 recover, ${nobleSecp256k1Scheme.name}`, measure(500, () => nobleSecp256k1Scheme.recover(digest, signature), 50));
}

/** Returns the rate of the serial part of the node's pipeline (BlockBuilder.addSignedTx with the sender known). */
function benchStf(work: Workload, accounts: number): Rate {
  let state = work.buildState();
  const placed = work.signed.map((tx, i) => placeSignedTx(state, tx, CTX, work.senders[i]));
  report(`applyTx transfer, signature pre-checked, ${accounts} accts`, timed(placed.length, () => {
    for (const tx of placed) applyTx(state, tx, CTX, { signatureChecked: true });
  }));

  report('recoverSender (EIP-712 digest + native recover)', timed(work.signed.length, () => {
    for (const tx of work.signed) recoverSender(tx, CTX);
  }));

  state = work.buildState();
  report('one core: recover + place + apply', timed(work.signed.length, () => {
    for (const tx of work.signed) {
      const from = recoverSender(tx, CTX);
      applyTx(state, placeSignedTx(state, tx, CTX, from), CTX, { signatureChecked: true });
    }
  }));

  state = work.buildState();
  const builder = new BlockBuilder({ parent: parentOf(state), state, ctx: CTX, timestamp: 1n });
  const serial = timed(work.signed.length, () => {
    work.signed.forEach((tx, i) => builder.addSignedTx(tx, work.senders[i]));
  });
  report('BlockBuilder.addSignedTx, sender pre-recovered', serial);
  const start = performance.now();
  const block = builder.seal();
  console.log(`BlockBuilder.seal of ${block.txs.length} txs: ${Math.round(performance.now() - start)} ms (tx tree, exit tree, header)`);
  return serial;
}

// ---- the node's pipeline on real threads ----------------------------------------------------------------

// Node 20 does not carry `--import tsx` into workers: the worker registers tsx itself, then loads this file.
const WORKER_BOOT = `
  import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))})
    .then(({ register }) => { register(); return import(${JSON.stringify(import.meta.url)}); });
`;
const BATCH = 256;

/** Signed txs in, sealed block out: senders recovered on `workers` threads, applied in order on this one. */
async function benchPipeline(work: Workload, workers: number): Promise<Rate> {
  const pool = Array.from({ length: workers }, () => new Worker(WORKER_BOOT, { eval: true }));
  await Promise.all(pool.map((worker) => new Promise((resolve) => worker.once('message', resolve))));
  const batches: SpendTx[][] = [];
  for (let i = 0; i < work.signed.length; i += BATCH) batches.push(work.signed.slice(i, i + BATCH));
  const senders: (Address[] | undefined)[] = new Array(batches.length);
  const state = work.buildState();
  const builder = new BlockBuilder({ parent: parentOf(state), state, ctx: CTX, timestamp: 1n });

  const cpuStart = process.cpuUsage();
  const start = performance.now();
  await new Promise<void>((resolve, reject) => {
    let next = 0;
    for (const worker of pool) {
      worker.on('error', reject);
      worker.on('message', ({ id, batchSenders }: { id: number; batchSenders: Address[] }) => {
        senders[id] = batchSenders;
        // Apply strictly in order: a batch waits for the ones before it.
        for (; next < batches.length && senders[next] !== undefined; next++) {
          batches[next].forEach((tx, i) => builder.addSignedTx(tx, senders[next]![i]));
        }
        if (next === batches.length) resolve();
      });
    }
    batches.forEach((txs, id) => pool[id % workers].postMessage({ id, txs }));
  });
  const block = builder.seal();
  const seconds = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpuStart);
  await Promise.all(pool.map((worker) => worker.terminate()));
  if (block.txs.length !== work.signed.length) throw new Error(`applied ${block.txs.length} of ${work.signed.length} txs`);
  const n = block.txs.length;
  const rate = { wall: n / seconds, cpu: n / ((cpu.user + cpu.system) / 1e6) };
  report(`pipeline: ${workers} recovery worker(s) + main applies + seal`, rate);
  return rate;
}

function serveRecoveries(): void {
  parentPort!.on('message', ({ id, txs }: { id: number; txs: SpendTx[] }) => {
    parentPort!.postMessage({ id, batchSenders: txs.map((tx) => recoverSender(tx, CTX)) });
  });
  parentPort!.postMessage('ready');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      accounts: { type: 'string', default: '100000' },
      txs: { type: 'string', default: '20000' },
      workers: { type: 'string', default: '2' },
    },
  });
  const [accounts, txs, maxWorkers] = [Number(values.accounts), Number(values.txs), Number(values.workers)];
  const backends = await initCore();
  console.log(`backends ${JSON.stringify(backends)}, node ${process.version}, ${availableParallelism()} cores, load ${loadavg()[0].toFixed(2)}\n`);
  console.log(`${''.padEnd(56)} ${'per wall s'.padStart(11)} ${'per CPU s'.padStart(11)}`);
  benchKeccak();
  benchSmt(accounts);
  benchSignatures();
  console.log(`\n${txs} signed transfers on a state of ${accounts} accounts:`);
  const work = makeWorkload(accounts, txs);
  const serial = benchStf(work, accounts);
  let best = 0;
  for (let workers = 1; workers <= maxWorkers; workers++) best = Math.max(best, (await benchPipeline(work, workers)).cpu);
  // Two dedicated cores: bounded by the total CPU per tx, and by the serial apply thread.
  const projected = Math.min(2 * best, serial.cpu);
  console.log(`\nprojected on 2 dedicated cores, every signature checked, trace kept: ${format(projected).trim()} tx/s`);
}

if (isMainThread) await main();
else serveRecoveries();
