import type { ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { PlasmaError, type Address } from '@plasma-tree/core';
import { faultWarning, resolveNodeOptions, silentLogger, spawnNodeProcess, type FaultPlan, type LogLevel, type NodeOptions, type NodeProcess } from '@plasma-tree/node';
import type { DevnetChain, DevnetNode } from './config.js';

/**
 * Every node process any devnet of this process started and has not seen exit: killed (SIGKILL) when this
 * process exits, so a devnet that is not closed (an uncaught error, process.exit) leaves no orphans behind.
 */
const liveChildren = new Set<ChildProcess>();
let exitHook = false;
function track(child: ChildProcess): void {
  liveChildren.add(child);
  child.once('exit', () => liveChildren.delete(child));
  if (exitHook) return;
  exitHook = true;
  process.once('exit', () => {
    for (const c of liveChildren) {
      try {
        c.kill('SIGKILL');
      } catch {
        /* gone */
      }
    }
  });
}

/**
 * Preloaded into every validator process: it closes itself (SIGTERM: a clean close) once the devnet process that
 * started it is gone, however that died (even SIGKILL, where no exit hook runs). `spawnNodeProcess` gives the
 * child no stdin to watch, so it polls its parent's pid.
 */
const EXIT_WITH_PARENT =
  'data:text/javascript,const p=process.ppid;const t=setInterval(()=>{try{process.kill(p,0)}catch(e){if(e.code!=="EPERM"){clearInterval(t);process.kill(process.pid,"SIGTERM")}}},1000);t.unref();';

/** A fault plan as JSON can carry it (NodeOptions `faults` accepts atBlock as a decimal string). */
function jsonFaultPlan(plan: FaultPlan): FaultPlan {
  return plan.atBlock === undefined ? { ...plan } : { ...plan, atBlock: String(plan.atBlock) };
}

/** How long a validator process gets to close after SIGTERM before it is SIGKILLed. */
const STOP_GRACE_MS = 5_000;
/** How long a validator process may take to serve (tsx compiles the node on start; 2 cores, many processes). */
const START_TIMEOUT_MS = 120_000;
/** How long the validators of a chain may take to find `threshold - 1` peers each. */
const PEERS_TIMEOUT_MS = 60_000;

export interface ChainProcessesContext {
  l1Url: string;
  rootContract: Address;
  /** The parent chain's node that validator `i` follows (undefined for a child of the root). */
  parentUrl: (i: number) => string | undefined;
  parentFinality: 'committed' | 'final';
  blockTimeMs: number;
  l1Confirmations: number;
  logLevel: LogLevel;
  edgeModule?: string;
  /** JSON-RPC port of each validator (0 = any free port; the chosen one is kept for restarts). */
  ports: number[];
  threshold: number;
  /**
   * FAULT INJECTION (tests only): the fault plan (NodeOptions `faults`) and the one validator whose process gets it
   * (ChainSpec `faultyValidator`); every other validator of the chain runs honest.
   */
  faults?: { validator: number; plan: FaultPlan };
  progress: (message: string) => void;
  /** Called whenever a node started or stopped (devnet.json is rewritten). */
  onChange: () => void;
}

/**
 * The validators of one chain, each its own node process (`spawnNodeProcess`) with its own data dir
 * (`<chain dataDir>/validator<i>`), libp2p host on 127.0.0.1, JSON-RPC port and log file; the first started
 * validator is the bootstrap peer of the others (a restarted one dials every live one).
 */
export class ChainProcesses {
  private readonly procs: (NodeProcess | undefined)[];
  private readonly logs: (WriteStream | undefined)[];
  private readonly stopping: (Promise<void> | undefined)[];
  private readonly starting: (Promise<void> | undefined)[];
  private readonly ports: number[];

  constructor(
    private readonly chain: DevnetChain,
    private readonly ctx: ChainProcessesContext,
  ) {
    const n = chain.validators.length;
    this.procs = new Array(n).fill(undefined);
    this.logs = new Array(n).fill(undefined);
    this.stopping = new Array(n).fill(undefined);
    this.starting = new Array(n).fill(undefined);
    this.ports = [...ctx.ports];
    chain.nodes = chain.validators.map((v, i): DevnetNode => {
      const dataDir = join(chain.dataDir, `validator${i}`);
      return { index: i, validator: v.address, rpcUrl: '', peerId: '', p2p: [], dataDir, logFile: join(dataDir, 'node.log') };
    });
  }

  get size(): number {
    return this.procs.length;
  }

  isRunning(i: number): boolean {
    return this.procs[i] !== undefined;
  }

  /**
   * Starts every validator that is not running: the first one alone when none runs (the others need its
   * address), then the rest side by side; then waits until each has `threshold - 1` peers (the chain can decide).
   * A validator that fails to start leaves the others running (close() stops them) and the error is thrown.
   */
  async startAll(): Promise<void> {
    const todo = this.procs.map((p, i) => (p === undefined ? i : -1)).filter((i) => i >= 0);
    if (todo.length === 0) return;
    if (todo.length === this.size) await this.start(todo.shift()!);
    const results = await Promise.allSettled(todo.map((i) => this.start(i)));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    await this.waitForPeers();
  }

  /** Starts validator `i` (no-op when it runs), bootstrapping from every running validator of the chain. */
  start(i: number): Promise<void> {
    this.check(i);
    const starting = (this.starting[i] ??= this.doStart(i).finally(() => {
      this.starting[i] = undefined;
    }));
    return starting;
  }

  private async doStart(i: number): Promise<void> {
    await this.stopping[i];
    if (this.procs[i]) return;
    const node = this.chain.nodes![i];
    const bootstrap = (await Promise.all(this.procs.map(async (p, k) => (p && k !== i ? (await this.info(p.rpcUrl)).p2p?.addresses ?? [] : [])))).flat();
    mkdirSync(node.dataDir, { recursive: true });
    const log = createWriteStream(node.logFile, { flags: 'a' });
    const parentUrl = this.ctx.parentUrl(i);
    const options: Omit<NodeOptions, 'logger'> = {
      dataDir: node.dataDir,
      l1RpcUrl: this.ctx.l1Url,
      rootContract: this.ctx.rootContract,
      chainId: this.chain.chainId,
      validatorKeys: [this.chain.validators[i].privateKey],
      rpc: { host: '127.0.0.1', port: this.ports[i] },
      blockTimeMs: this.ctx.blockTimeMs,
      l1Confirmations: this.ctx.l1Confirmations,
      l1PollMs: 250,
      // One process per validator on a laptop: recover signatures on the main thread (no worker per process).
      signatureWorkers: 0,
      logLevel: this.ctx.logLevel,
      parent: parentUrl === undefined ? { kind: 'root' } : { kind: 'child', nodeUrl: parentUrl, finality: this.ctx.parentFinality },
      p2p: { listen: ['/ip4/127.0.0.1/tcp/0'], bootstrap },
      ...(this.ctx.edgeModule !== undefined ? { edgeModule: this.ctx.edgeModule } : {}),
      ...(this.ctx.faults?.validator === i ? { faults: jsonFaultPlan(this.ctx.faults.plan) } : {}),
    };
    if (options.faults !== undefined) {
      // The plan travels in the node's JSON config file; the node validates it there (resolveNodeOptions): the same
      // check here first turns a bad plan into a BAD_CONFIG rather than a process that exits before serving.
      try {
        resolveNodeOptions({ ...options, logger: silentLogger });
      } catch (e) {
        log.end();
        throw e;
      }
      this.ctx.progress(`chain ${this.chain.name} validator ${i}: ${faultWarning(options.faults.kind)} (tests only)`);
    }
    let proc: NodeProcess;
    try {
      proc = await spawnNodeProcess({ options, onLog: (line) => void log.write(`${line}\n`), startTimeoutMs: START_TIMEOUT_MS, nodeFlags: ['--import', EXIT_WITH_PARENT] });
    } catch (e) {
      // spawnNodeProcess SIGKILLed the process already.
      log.end();
      throw new PlasmaError('DEVNET_FAILED', `validator ${i} of chain ${this.chain.name} did not start: ${(e as Error).message.split('\n')[0]}`, {
        data: { chain: this.chain.name, validator: i },
        hint: `see ${node.logFile}`,
        cause: e,
      });
    }
    track(proc.child);
    this.procs[i] = proc;
    this.logs[i] = log;
    this.ports[i] = Number(new URL(proc.rpcUrl).port);
    const info = await this.info(proc.rpcUrl).catch(() => undefined);
    Object.assign(node, { rpcUrl: proc.rpcUrl, peerId: info?.p2p?.peerId ?? '', p2p: info?.p2p?.addresses ?? [], pid: proc.child.pid });
    if (i === 0) this.chain.nodeUrl = proc.rpcUrl;
    // A validator that dies on its own (a crash) is no longer running.
    void proc.exited.then((code) => {
      if (this.procs[i] !== proc) return;
      this.procs[i] = undefined;
      delete node.pid;
      this.logs[i]?.end();
      this.logs[i] = undefined;
      // Code 0: closed by a signal it got directly (Ctrl-C reaches the whole process group); else it failed.
      if (code !== 0) this.ctx.progress(`chain ${this.chain.name} validator ${i} (pid ${proc.child.pid}) exited on its own (code ${code}); see ${node.logFile}`);
      this.ctx.onChange();
    });
    this.ctx.progress(`chain ${this.chain.name} validator ${i} (pid ${proc.child.pid}, peer …${node.peerId.slice(-8)}) serves JSON-RPC at ${proc.rpcUrl}`);
    this.ctx.onChange();
  }

  /** SIGTERM, then SIGKILL after a grace period; resolves once validator `i`'s process is gone. Idempotent. */
  async stop(i: number): Promise<void> {
    this.check(i);
    // A start in flight finishes first (its process is then stopped, not left behind).
    await this.starting[i]?.catch(() => {});
    const proc = this.procs[i];
    if (!proc) return this.stopping[i];
    this.procs[i] = undefined;
    const node = this.chain.nodes![i];
    return (this.stopping[i] = (async () => {
      await proc.stop(STOP_GRACE_MS);
      const log = this.logs[i];
      this.logs[i] = undefined;
      if (log) await new Promise<void>((r) => log.end(() => r()));
      delete node.pid;
      this.stopping[i] = undefined;
      this.ctx.onChange();
    })());
  }

  /** Stops every validator process of the chain, side by side. */
  async stopAll(): Promise<void> {
    await Promise.all(this.procs.map((_, i) => this.stop(i)));
  }

  private async waitForPeers(): Promise<void> {
    const want = Math.min(this.ctx.threshold, this.size) - 1;
    if (want <= 0) return;
    const deadline = Date.now() + PEERS_TIMEOUT_MS;
    for (;;) {
      const running = this.procs.filter((p): p is NodeProcess => p !== undefined);
      const peers = await Promise.all(running.map(async (p) => (await this.info(p.rpcUrl).catch(() => undefined))?.p2p?.peers ?? 0));
      if (peers.every((x) => x >= want)) return;
      if (Date.now() > deadline) {
        throw new PlasmaError('DEVNET_FAILED', `the validators of chain ${this.chain.name} did not connect within ${PEERS_TIMEOUT_MS / 1000} s (peers: ${peers.join(', ')}; each needs ${want})`, {
          data: { chain: this.chain.name },
          hint: `see the logs in ${this.chain.dataDir}/validator*/node.log`,
        });
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  private check(i: number): void {
    if (!Number.isInteger(i) || i < 0 || i >= this.size) {
      throw new PlasmaError('UNKNOWN_VALIDATOR', `chain ${this.chain.name} has no validator ${i}`, { data: { chain: this.chain.name, validator: i }, hint: `validators are 0..${this.size - 1}` });
    }
  }

  private async info(url: string): Promise<{ p2p?: { peerId: string; addresses: string[]; peers: number } }> {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'pt_chainInfo', params: [] }) });
    const body = (await res.json()) as { result?: { p2p?: { peerId: string; addresses: string[]; peers: number } }; error?: { message: string } };
    if (body.error || !body.result) throw new Error(`pt_chainInfo on ${url}: ${body.error?.message ?? 'no result'}`);
    return body.result;
  }
}
