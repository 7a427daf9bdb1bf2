/**
 * The SIGKILL stress run of issue 5 (docs/CONSENSUS.md): a 3-of-4 chain as five real processes (four validators,
 * one full node) on 127.0.0.1 over a real Hardhat L1, a steady stream of transfers sent to random live nodes, and
 * a killer that SIGKILLs a random node at a random moment, lets it lie dead a random while and restarts it on
 * its data directory, `kills` times. Then it checks, on every node, that:
 * - no block was lost or replaced: every (height, hash) any node ever reported is the block every node holds;
 * - no accepted transaction was lost: every hash a node answered is included (the mempool journal at work);
 * - value is conserved, and L1 holds a commitment of the final head.
 * Used by `test/quorum.kill-stress.multiprocess.e2e.test.ts` (20 kills) and `scripts/kill-stress.ts` (any number).
 */
import { parseEther } from 'ethers';
import { signedTxDigest, type Address, type ChainId, type Hex } from '@plasma-tree/core';
import { spawnNodeProcess, type NodeProcess } from '@plasma-tree/node';
import { mulberry32 } from '../../packages/core/test/consensus/sim.js';
import { ETH, User, depositETH, mine, spawnChain, startL1, tempDir, txJson, validatorKey, waitFor, type L1 } from '../../packages/node/test/helpers.js';

export interface KillStressOptions {
  kills: number;
  /** Senders streaming transfers, each one transfer in flight at a time (default 6). */
  senders?: number;
  /** Progress lines. */
  log?: (line: string) => void;
  /** Directory for per-node debug logs (node-<i>.log); none by default. */
  logDir?: string;
  /** Seed of the killer's choices, so a failing run can be replayed (default: random). */
  seed?: number;
}

export interface KillStressReport {
  seed: number;
  kills: { node: number; role: 'validator' | 'full node'; atHeight: number; downMs: number }[];
  accepted: number;
  blocks: number;
  /** Every accepted hash included on every node (must equal `accepted`). */
  includedEverywhere: number;
  /** Accepted transactions not included on every node, with each node's receipt (must be empty). */
  missing: { hash: Hex; acceptedBy?: string; receipts: { node: number; receipt: unknown }[] }[];
  /** (height, hash) pairs seen during the run that a node does not hold at the end (must be empty). */
  lostBlocks: { height: number; hash: Hex; node: number }[];
  /** Two nodes reported different blocks at one height during the run (must be empty). */
  forks: { height: number; hashes: Hex[] }[];
  /** Sum of the senders' and recipients' balances equals what was deposited. */
  conserved: boolean;
  committedOnL1: number;
  durationMs: number;
}

const NODES = 5;
const VALIDATORS = 4;

/** JSON-RPC with a timeout: a killed node must fail the call, not hang it. */
async function call<T = any>(url: string, method: string, params: unknown[] = []): Promise<T> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
    signal: AbortSignal.timeout(5000),
  });
  const body = (await res.json()) as { result?: T; error?: { message: string; data?: { reason?: string } } };
  if (body.error) throw Object.assign(new Error(`${method}: ${body.error.message}`), { rpc: body.error });
  return body.result as T;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function runKillStress(opts: KillStressOptions): Promise<KillStressReport> {
  const log = opts.log ?? (() => {});
  const seed = opts.seed ?? Math.floor(Math.random() * 2 ** 31);
  const random = mulberry32(seed);
  const senderCount = opts.senders ?? 6;
  const t0 = Date.now();
  log(`seed ${seed}: ${opts.kills} kills, ${senderCount} senders, ${VALIDATORS} validators (3-of-4) + 1 full node`);

  const l1: L1 = await startL1();
  const dirs: Awaited<ReturnType<typeof tempDir>>[] = [];
  const procs: (NodeProcess | undefined)[] = new Array(NODES).fill(undefined);
  const live = () => procs.map((p, i) => ({ p, i })).filter((x): x is { p: NodeProcess; i: number } => x.p !== undefined);
  try {
    const keys = Array.from({ length: VALIDATORS }, (_, i) => validatorKey(l1, 1 + i));
    const chainId: ChainId = await spawnChain(l1, keys, 3);
    for (let i = 0; i < NODES; i++) dirs.push(await tempDir('plasma-stress-'));

    const start = async (i: number): Promise<NodeProcess> => {
      const bootstrap = (await Promise.all(live().filter((x) => x.i !== i).map(async ({ p }) => {
        try {
          return (await call(p.rpcUrl, 'pt_chainInfo')).p2p.addresses as string[];
        } catch {
          return [];
        }
      }))).flat();
      const proc = await spawnNodeProcess({
        options: {
          dataDir: dirs[i].path,
          l1RpcUrl: l1.hardhat.url,
          rootContract: l1.rootAddress,
          chainId,
          validatorKeys: i < VALIDATORS ? [keys[i]] : [],
          rpc: { port: 0 },
          blockTimeMs: 200,
          l1Confirmations: 0,
          l1PollMs: 100,
          signatureWorkers: 0,
          roundTimeoutMs: 1000,
          logLevel: opts.logDir ? 'debug' : 'warn',
          p2p: { bootstrap },
        },
        ...(opts.logDir ? { onLog: (line: string) => void import('node:fs').then((fs) => fs.appendFileSync(`${opts.logDir}/node-${i}.log`, `${line}\n`)) } : {}),
      });
      procs[i] = proc;
      return proc;
    };
    await start(0);
    for (let i = 1; i < NODES; i++) await start(i);

    // Senders, each with one deposit; recipients are fresh addresses so the total is easy to check.
    const senders = Array.from({ length: senderCount }, () => new User(chainId, l1.l1ChainId, l1.rootAddress));
    const deposit = parseEther('1');
    for (const s of senders) await depositETH(l1, chainId, s.address, deposit);
    await mine(l1, 1);
    const slots = await waitFor('the deposits on every node', async () => {
      const accounts = await Promise.all(live().map(({ p }) => Promise.all(senders.map((s) => call<{ slot: number | null }>(p.rpcUrl, 'pt_getAccount', [s.address, ETH])))));
      return accounts.every((list) => list.every((a) => a.slot !== null)) ? accounts[0].map((a) => a.slot!) : undefined;
    }, 60_000);
    const recipients = Array.from({ length: 8 }, () => new User(chainId, l1.l1ChainId, l1.rootAddress).address);
    log(`${NODES} nodes up, ${senderCount} senders funded (${Date.now() - t0} ms)`);

    // ---- observation: every head any node reports, to catch a lost or forked block
    const seen = new Map<number, Map<Hex, number>>();
    const observe = async () => {
      await Promise.all(live().map(async ({ p, i }) => {
        try {
          const head = (await call(p.rpcUrl, 'pt_chainInfo')).head as { number: number; hash: Hex };
          if (head.number === 0) return;
          const at = seen.get(head.number) ?? new Map<Hex, number>();
          at.set(head.hash, i);
          seen.set(head.number, at);
        } catch {
          /* dead or starting */
        }
      }));
    };

    // ---- load: each sender sends its next transfer to a random live node until one accepts it (same bytes on retry)
    const accepted: Hex[] = [];
    /** How each accepted hash was learnt: the node that answered it, or that knew it after an error. */
    const acceptedBy = new Map<Hex, string>();
    let streaming = true;
    const load = senders.map(async (sender, k) => {
      let nonce = 0n;
      while (streaming) {
        const tx = sender.transfer(slots[k], recipients[Number(nonce) % recipients.length] as Address, 1000n + BigInt(k), nonce);
        const digest = signedTxDigest(sender.domain, tx) as Hex;
        let hash: Hex | undefined;
        while (streaming && hash === undefined) {
          const nodes = live();
          const target = nodes[Math.floor(Math.random() * nodes.length)];
          if (!target) {
            await sleep(100);
            continue;
          }
          try {
            hash = (await call<{ hash: Hex }>(target.p.rpcUrl, 'pt_sendTransaction', [txJson(tx)])).hash;
            acceptedBy.set(digest, `answered by node ${target.i}`);
          } catch {
            // Refused (its nonce is ahead of what this node has heard, or it is already held) or the node died
            // mid-call: if the node knows the tx it was accepted (an answer may be lost); else retry the same bytes.
            const known = await call<{ status: string } | null>(target.p.rpcUrl, 'pt_getReceipt', [digest]).catch(() => null);
            if (known && known.status !== 'rejected') {
              hash = digest;
              acceptedBy.set(digest, `known (${known.status}) by node ${target.i}`);
            } else await sleep(150);
          }
        }
        if (hash !== undefined) {
          accepted.push(hash);
          nonce++;
        }
      }
    });

    // ---- the killer
    const kills: KillStressReport['kills'] = [];
    for (let k = 0; k < opts.kills; k++) {
      await sleep(200 + random() * 1300);
      await observe();
      const victim = Math.floor(random() * NODES);
      const proc = procs[victim];
      if (!proc) continue;
      let atHeight = 0;
      try {
        atHeight = (await call(proc.rpcUrl, 'pt_chainInfo')).head.number;
      } catch { /* it may be busy */ }
      procs[victim] = undefined;
      proc.child.kill('SIGKILL');
      await proc.exited;
      const downMs = Math.round(random() * 1000);
      await sleep(downMs);
      await start(victim);
      kills.push({ node: victim, role: victim < VALIDATORS ? 'validator' : 'full node', atHeight, downMs });
      log(`kill ${k + 1}/${opts.kills}: node ${victim} (${victim < VALIDATORS ? 'validator' : 'full node'}) at height ${atHeight}, down ${downMs} ms; ${accepted.length} txs accepted so far`);
      await observe();
    }
    streaming = false;
    await Promise.all(load);
    log(`load stopped: ${accepted.length} transactions accepted; waiting for every node to include them`);

    // ---- the checks
    const missing: KillStressReport['missing'] = [];
    const includedEverywhere = await waitFor('every accepted transaction included on every node', async () => {
      const counts = await Promise.all(live().map(async ({ p }) => {
        let included = 0;
        for (let from = 0; from < accepted.length; from += 200) {
          const receipts = await Promise.all(accepted.slice(from, from + 200).map((h) => call(p.rpcUrl, 'pt_getReceipt', [h])));
          included += receipts.filter((r) => r?.status === 'included' || r?.status === 'committed').length;
        }
        return included;
      }));
      return counts.every((c) => c === accepted.length) ? accepted.length : undefined;
    }, 90_000).catch(async () => {
      // Report which are missing, with what every node says of them, rather than only a timeout.
      let included = 0;
      for (const hash of accepted) {
        const receipts = await Promise.all(live().map(({ p }) => call(p.rpcUrl, 'pt_getReceipt', [hash]).catch((e: Error) => ({ error: e.message }))));
        if (receipts.every((r) => r?.status === 'included' || r?.status === 'committed')) included++;
        else missing.push({ hash, acceptedBy: acceptedBy.get(hash), receipts: receipts.map((r, i) => ({ node: live()[i].i, receipt: r })) });
      }
      log(`missing: ${JSON.stringify(missing, null, 1)}`);
      return included;
    });
    const head = await waitFor('every node at one head', async () => {
      const heads = await Promise.all(live().map(async ({ p }) => (await call(p.rpcUrl, 'pt_chainInfo')).head as { number: number; hash: Hex }));
      return heads.every((h) => h.hash === heads[0].hash) ? heads[0] : undefined;
    }, 60_000);
    await observe();

    const forks = [...seen].filter(([, hashes]) => hashes.size > 1).map(([height, hashes]) => ({ height, hashes: [...hashes.keys()] }));
    const lostBlocks: KillStressReport['lostBlocks'] = [];
    for (const [height, hashes] of seen) {
      for (const { p, i } of live()) {
        const block = await call<{ hash: Hex } | null>(p.rpcUrl, 'pt_getBlockByNumber', [height]);
        for (const hash of hashes.keys()) if (block?.hash !== hash) lostBlocks.push({ height, hash, node: i });
      }
    }

    const url = live()[0].p.rpcUrl;
    const balances = await Promise.all([...senders.map((s) => s.address), ...recipients].map((a) => call<string>(url, 'pt_getBalance', [a, ETH])));
    const conserved = balances.reduce((sum, b) => sum + BigInt(b), 0n) === deposit * BigInt(senderCount);
    const committedOnL1 = await waitFor('the head committed on L1', async () => {
      const n = Number((await l1.root.chainInfo(chainId)).headNumber);
      return n >= head.number ? n : undefined;
    }, 60_000).catch(async () => Number((await l1.root.chainInfo(chainId)).headNumber));

    const report: KillStressReport = {
      seed,
      kills,
      accepted: accepted.length,
      blocks: head.number,
      includedEverywhere,
      missing,
      lostBlocks,
      forks,
      conserved,
      committedOnL1,
      durationMs: Date.now() - t0,
    };
    log(`done in ${(report.durationMs / 1000).toFixed(1)} s: ${report.kills.length} kills, ${report.blocks} blocks, ${report.accepted} accepted, ${report.includedEverywhere} included on every node, ${lostBlocks.length} lost blocks, ${forks.length} forks, committed on L1 up to ${committedOnL1}`);
    return report;
  } finally {
    await Promise.all(procs.map((p) => p?.stop(2000)));
    for (const dir of dirs) await dir.remove();
    await l1.stop();
  }
}
