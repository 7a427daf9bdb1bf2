/**
 * Throughput of one node: signed transfers per second from submission (JSON-RPC batches) until every one is
 * in a block that is committed on L1, with every signature checked and the per-transaction trace kept.
 *
 * Setup (not timed): a Hardhat L1 with PlasmaRoot, a chain with one validator (threshold 1), the node in its
 * own process (bin.ts), a few deposits whose owners fan the funds out to `accounts` accounts, and `txCount`
 * transfers pre-signed and pre-serialized: round r holds the transfer with nonce r of every account, to the
 * next account in a ring. Timed: batches are sent with up to `concurrency` calls in flight (never two holding
 * the same account, so no nonce can overtake another), then the chain is polled until the mempool is empty
 * and the head is committed. The node runs with its defaults (1 s blocks of up to 10 000 transactions, one
 * signature worker per spare core) except l1Confirmations 0 and l1PollMs 100: the L1 is a local automining
 * Hardhat, so waiting on it would only measure the wait.
 *
 *   node --conditions=source --import tsx packages/node/bench/throughput.ts [txCount] [blockTimeMs]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { JsonRpcProvider, Wallet, parseEther, type Contract, type HDNodeWallet } from 'ethers';
import { deployRoot, startHardhatNode } from '@plasma-tree/contracts';
import {
  NATIVE_TOKEN,
  TxKind,
  plasmaDomain,
  secp256k1Scheme,
  signedTxDigest,
  signedTxToJson,
  type Address,
  type ChainId,
  type Eip712Domain,
  type Hex,
  type SpendTx,
} from '@plasma-tree/core';
import { spawnNodeProcess, type NodeProcess } from '../src/nodeProcess.js';

export interface ThroughputOptions {
  /** Signed transfers to push through (rounded up to whole rounds of `accounts`). */
  txCount: number;
  /** Distinct sending accounts. Default min(4000, txCount). */
  accounts?: number;
  /** Transactions per pt_sendTransactions call. Default 500. */
  batchSize?: number;
  /** Calls in flight. Default 4 (bounded so that no two in-flight calls hold the same account). */
  concurrency?: number;
  /** The node's block size limit. Default 10 000 (the node's default). */
  maxBlockTxs?: number;
  /** The node's block time. Default 1000 ms (the node's default). */
  blockTimeMs?: number;
  /** Extra Node.js flags of the node process, e.g. ['--cpu-prof'] to profile it. */
  nodeFlags?: string[];
  onProgress?: (message: string) => void;
}

export interface ThroughputResult {
  /** Transfers sent. */
  submitted: number;
  /** Transfers the mempool admitted (the rest are counted in `refused`). */
  accepted: number;
  refused: number;
  /** accepted / seconds from the first call to the commitment of the last block. */
  tps: number;
  /** accepted / seconds from the first call to the last call's answer. */
  admissionTps: number;
  seconds: number;
  /** Blocks sealed during the run, with their transaction counts. */
  blocks: number;
  txsPerBlock: { min: number; max: number; mean: number };
  /** Blocks committed on L1 at the end (every block of the run). */
  committedHead: number;
  accounts: number;
  batchSize: number;
  concurrency: number;
}

const GWEI = 10n ** 9n;

/** Runs the benchmark on a fresh Hardhat L1 and node (both stopped and removed afterwards). */
export async function runThroughputBench(options: ThroughputOptions): Promise<ThroughputResult> {
  const progress = options.onProgress ?? (() => {});
  const accounts = Math.max(2, options.accounts ?? Math.min(4000, options.txCount));
  const rounds = Math.ceil(options.txCount / accounts);
  const batchSize = options.batchSize ?? 500;
  const batchesPerRound = Math.ceil(accounts / batchSize);
  const concurrency = Math.max(1, Math.min(options.concurrency ?? 4, batchesPerRound));

  const hardhat = await startHardhatNode();
  const provider = new JsonRpcProvider(hardhat.url, undefined, { cacheTimeout: -1, staticNetwork: true, pollingInterval: 50 });
  const dataDir = await mkdtemp(join(tmpdir(), 'plasma-bench-'));
  let node: NodeProcess | undefined;
  try {
    const deployer = new Wallet(hardhat.accounts[0].privateKey, provider);
    const validator = new Wallet(hardhat.accounts[1].privateKey);
    const { address, contract: root } = await deployRoot(deployer);
    const rootContract = address.toLowerCase() as Address;
    const spawnArgs = [[validator.address], 1, 3600, { value: parseEther('0.2') }] as const;
    const chainId = ((await root.spawnChain.staticCall(...spawnArgs)) as string).toLowerCase() as ChainId;
    await (await root.spawnChain(...spawnArgs)).wait();
    const domain = plasmaDomain((await provider.getNetwork()).chainId, rootContract);

    node = await spawnNodeProcess({
      options: {
        dataDir,
        l1RpcUrl: hardhat.url,
        rootContract,
        chainId,
        validatorKeys: [validator.privateKey as Hex],
        rpc: { port: 0 },
        maxBlockTxs: options.maxBlockTxs ?? 10_000,
        blockTimeMs: options.blockTimeMs ?? 1000,
        l1Confirmations: 0,
        l1PollMs: 100,
        mempoolMaxTxs: 200_000,
        logLevel: 'warn',
      },
      onLog: (line) => progress(`node: ${line}`),
      nodeFlags: options.nodeFlags,
    });
    const url = node.rpcUrl;
    progress(`node serving at ${url}; funding ${accounts} accounts`);

    const { users, slots } = await fundAccounts({ root, chainId, domain, url, accounts, perAccount: BigInt(rounds) * GWEI });

    progress(`signing ${rounds * accounts} transfers`);
    const bodies = signTransferBatches({ users, slots, domain, chainId, rounds, batchSize });
    const submitted = rounds * accounts;
    const startHead = (await call<{ head: { number: number } }>(url, 'pt_chainInfo', [])).head.number;

    progress(`sending ${submitted} transfers in ${bodies.length} batches of ${batchSize}, ${concurrency} in flight`);
    const started = performance.now();
    const { accepted } = await sendPipelined(url, bodies, concurrency);
    const admitted = performance.now();

    let info: { head: { number: number }; committed: { number: number }; mempoolSize: number };
    for (;;) {
      info = await call(url, 'pt_chainInfo', []);
      if (info.mempoolSize === 0 && info.committed.number === info.head.number) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const seconds = (performance.now() - started) / 1000;

    const sizes: number[] = [];
    for (let n = startHead + 1; n <= info.head.number; n++) {
      sizes.push(((await call<{ txs: unknown[] }>(url, 'pt_getBlockByNumber', [n])).txs).length);
    }
    const included = sizes.reduce((a, b) => a + b, 0);
    if (included !== accepted) throw new Error(`${accepted} transfers were admitted but ${included} were included`);
    const result: ThroughputResult = {
      submitted,
      accepted,
      refused: submitted - accepted,
      tps: accepted / seconds,
      admissionTps: accepted / ((admitted - started) / 1000),
      seconds,
      blocks: sizes.length,
      txsPerBlock: { min: Math.min(...sizes), max: Math.max(...sizes), mean: included / sizes.length },
      committedHead: info.committed.number,
      accounts,
      batchSize,
      concurrency,
    };
    progress(`${Math.round(result.tps)} tx/s end to end (${Math.round(result.admissionTps)} tx/s admitted), ${result.blocks} blocks`);
    return result;
  } finally {
    await node?.stop();
    provider.destroy();
    await hardhat.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

export const lower = (address: string): Address => address.toLowerCase() as Address;

export function sign(wallet: { privateKey: string }, domain: Eip712Domain, tx: Omit<SpendTx, 'signature'>): SpendTx {
  return { ...tx, signature: secp256k1Scheme.sign(signedTxDigest(domain, tx), wallet.privateKey as Hex) };
}

export async function call<T = unknown>(url: string, method: string, params: unknown[]): Promise<T> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) });
  const body = (await res.json()) as { result?: T; error?: { message: string } };
  if (body.error) throw new Error(`${method}: ${body.error.message}`);
  return body.result as T;
}

export function expectAccepted(results: unknown, what: string): void {
  const refused = (results as ({ hash: Hex } | { error: { code: string; message: string } })[]).filter((r) => 'error' in r);
  if (refused.length > 0) throw new Error(`${what}: ${refused.length} transactions refused, first: ${JSON.stringify(refused[0])}`);
}

export async function waitForSlot(url: string, owner: string): Promise<number> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const { slot } = await call<{ slot: number | null }>(url, 'pt_getAccount', [owner, NATIVE_TOKEN]);
    if (slot !== null) return slot;
    if (Date.now() > deadline) throw new Error(`no slot for ${owner} after 60 s`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const txCount = Number(process.argv[2] ?? 20_000);
  const blockTimeMs = process.argv[3] === undefined ? undefined : Number(process.argv[3]);
  runThroughputBench({ txCount, blockTimeMs, onProgress: (m) => console.error(m) })
    .then((r) => console.log(JSON.stringify(r, null, 2)))
    .catch((e) => {
      console.error(e);
      process.exit(1);
    });
}

/**
 * `rounds` transfers per user (user i pays half a gwei to user i + 1, nonce = round), signed and packed as
 * `pt_sendTransactions` request bodies of `batchSize`, round after round so that nonces arrive in order.
 */
export function signTransferBatches(o: { users: { address: string; privateKey: string }[]; slots: number[]; domain: Eip712Domain; chainId: ChainId; rounds: number; batchSize: number }): string[] {
  const { users, slots, domain, chainId, rounds, batchSize } = o;
  const accounts = users.length;
  const bodies: string[] = [];
  for (let round = 0; round < rounds; round++) {
    for (let from = 0; from < accounts; from += batchSize) {
      const txs: SpendTx[] = [];
      for (let i = from; i < Math.min(accounts, from + batchSize); i++) {
        const to = lower(users[(i + 1) % accounts].address);
        txs.push(sign(users[i], domain, { kind: TxKind.Transfer, chainId, slot: slots[i], to, token: NATIVE_TOKEN, amount: GWEI / 2n, nonce: BigInt(round) }));
      }
      bodies.push(JSON.stringify({ jsonrpc: '2.0', id: bodies.length, method: 'pt_sendTransactions', params: [txs.map(signedTxToJson)] }));
    }
  }
  return bodies;
}

/**
 * Sends `pt_sendTransactions` bodies with `concurrency` calls in flight; batch k goes once batch k - concurrency is
 * answered, so the calls in flight lie within fewer than one round and no two of them hold the same account.
 * Returns how many transactions were admitted and the refusals by code.
 */
export async function sendPipelined(url: string, bodies: string[], concurrency: number): Promise<{ accepted: number; refusals: Record<string, number> }> {
  let accepted = 0;
  const refusals: Record<string, number> = {};
  let next = 0;
  const answered: Promise<void>[] = [];
  const worker = async (): Promise<void> => {
    while (next < bodies.length) {
      const k = next++;
      let done!: () => void;
      answered[k] = new Promise((resolve) => (done = resolve));
      if (k >= concurrency) await answered[k - concurrency];
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: bodies[k] });
      const { result, error } = (await res.json()) as { result?: ({ hash: Hex } | { error: { code: string } })[]; error?: unknown };
      if (!result) throw new Error(`pt_sendTransactions failed: ${JSON.stringify(error)}`);
      for (const r of result) {
        if ('hash' in r) accepted++;
        else refusals[r.error.code] = (refusals[r.error.code] ?? 0) + 1;
      }
      done();
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { accepted, refusals };
}

/**
 * `accounts` fresh wallets holding `perAccount` wei each on the chain: a few L1 deposits, each owner fanning out to
 * its share of the accounts in one batch. Resolves once the node at `url` shows every slot.
 */
export async function fundAccounts(o: { root: Contract; chainId: ChainId; domain: Eip712Domain; url: string; accounts: number; perAccount: bigint }): Promise<{ users: HDNodeWallet[]; slots: number[] }> {
  const { root, chainId, domain, url, accounts, perAccount } = o;
  const users = Array.from({ length: accounts }, () => Wallet.createRandom());
  const funders = Array.from({ length: Math.min(8, accounts) }, () => Wallet.createRandom());
  const share = Math.ceil(accounts / funders.length);
  for (const funder of funders) {
    await (await root.depositETH(chainId, funder.address, { value: perAccount * BigInt(share) + GWEI })).wait();
  }
  const funderSlots = await Promise.all(funders.map((f) => waitForSlot(url, f.address)));
  for (const [f, funder] of funders.entries()) {
    const batch = users.slice(f * share, (f + 1) * share).map((user, i) =>
      sign(funder, domain, { kind: TxKind.Transfer, chainId, slot: funderSlots[f], to: lower(user.address), token: NATIVE_TOKEN, amount: perAccount, nonce: BigInt(i) }),
    );
    expectAccepted(await call(url, 'pt_sendTransactions', [batch.map(signedTxToJson)]), 'fan-out');
  }
  const slots = await Promise.all(users.map((u) => waitForSlot(url, u.address)));
  return { users, slots };
}
