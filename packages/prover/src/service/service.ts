/**
 * The proving service without its HTTP layer: circuits, the fair queue, the job lifecycle, progress events,
 * metrics and eviction. `server.ts` puts it on HTTP; tests and embedders can drive it directly.
 *
 * Jobs live in memory: a restart loses them (clients see JOB_NOT_FOUND from a new `instance` and resubmit).
 */
import { randomUUID } from 'node:crypto';
import { ProverError } from '../errors.js';
import type { Groth16Prover, ProverBackend, ProveResult } from '../groth16/api.js';
import type { CreateGroth16ProverOptions } from '../groth16/index.js';
import { PROVE_STAGES } from '../groth16/api.js';
import { loadCircuit, type Circuit, type CircuitConfig } from './circuits.js';
import { Counter, Histogram, gauge } from './metrics.js';
import {
  DEFAULT_CLIENT,
  JOB_STATES,
  decodeWtns,
  isTerminal,
  type CircuitInfo,
  type HealthInfo,
  type JobError,
  type JobEvent,
  type JobInfo,
  type JobProgress,
  type JobState,
  type SubmitRequest,
  type SubmitResponse,
} from './protocol.js';
import { FairQueue } from './queue.js';
import { WitnessPool } from './witness.js';

export type BackendChoice = 'auto' | ProverBackend;
export type ProverFactory = () => Groth16Prover | Promise<Groth16Prover>;

/** What happens to jobs, for logs (the CLI prints one line per event). */
export type ServiceEvent =
  | { type: 'submitted'; job: JobInfo }
  | { type: 'started'; job: JobInfo }
  | { type: 'finished'; job: JobInfo };

export interface ProverServiceOptions {
  readonly circuits: readonly CircuitConfig[];
  /** A prover, or a factory the service calls once (and closes on `close`). Default: `backend`. */
  readonly prover?: Groth16Prover | ProverFactory;
  /** When no `prover` is given: `createGroth16Prover({ backend, gpu })` (default `auto`). */
  readonly backend?: BackendChoice;
  /** Passed to `createGroth16Prover` as is. */
  readonly gpu?: CreateGroth16ProverOptions['gpu'];
  /** Jobs proving at once on the prover (default 1: one proof saturates a GPU or the CPU's cores). */
  readonly concurrency?: number;
  /** Queued jobs, all clients together (default 64); beyond: QUEUE_FULL (HTTP 503). */
  readonly maxQueue?: number;
  /** Queued jobs of one client label (default 16); beyond: QUEUE_FULL (HTTP 429). */
  readonly maxQueuedPerClient?: number;
  /** Finished jobs are kept this long for status queries (default 15 min)… */
  readonly finishedTtlMs?: number;
  /** …and at most this many (default 1000; oldest evicted first). */
  readonly maxFinished?: number;
  /** A running job is failed (PROVE_FAILED) after this long (default 0: no limit). */
  readonly jobTimeoutMs?: number;
  /**
   * After a running job is cancelled or timed out, its slot is freed when the prover returns, or after this
   * long if it does not (a hung backend must not stall the queue). Default 30 s.
   */
  readonly abortGraceMs?: number;
  /**
   * `worker` (default): the service computes witnesses from `input` in worker threads (the HTTP loop stays
   * responsive and a cancelled witness stops at once), then passes the `.wtns` to the prover.
   * `prover`: passes `{ input, wasm }` to the prover.
   */
  readonly witness?: 'worker' | 'prover';
  readonly onEvent?: (e: ServiceEvent) => void;
}

interface Job {
  readonly id: string;
  readonly client: string;
  readonly priority: number;
  readonly circuit: Circuit;
  state: JobState;
  readonly createdAt: number;
  startedAt?: number;
  finishedAt?: number;
  witnessMs?: number;
  proveMs?: number;
  stages?: ProveResult['timings'];
  progress?: JobProgress;
  result?: { proof: ProveResult['proof']; publicSignals: string[] };
  error?: JobError;
  /** Dropped when the job ends (it can be megabytes). */
  witness?: { input: Record<string, unknown> } | { wtns: Uint8Array };
  abort?: AbortController;
  position?: number;
  readonly listeners: Set<(e: JobEvent) => void>;
}

const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

function toJobError(e: unknown): JobError {
  if (e instanceof ProverError) {
    const suffix = e.hint ? ` — ${e.hint}` : '';
    const message = suffix && e.message.endsWith(suffix) ? e.message.slice(0, -suffix.length) : e.message;
    return { code: e.code, message, ...(e.hint ? { hint: e.hint } : {}) };
  }
  return { code: 'PROVE_FAILED', message: `the prover failed: ${(e as Error)?.message ?? String(e)}`, hint: 'a prover bug, or a .zkey that does not match the witness; see the service log' };
}

/** `createGroth16Prover`, loaded on first use: embedders that inject a prover never load the GPU pipeline. */
async function defaultProver(backend: BackendChoice, gpu: CreateGroth16ProverOptions['gpu']): Promise<Groth16Prover> {
  const { createGroth16Prover } = await import('../groth16/index.js');
  return createGroth16Prover({ backend, ...(gpu !== undefined ? { gpu } : {}) });
}

export class ProverService {
  /** Changes on every start: a client that sees another instance knows its jobs are gone. */
  readonly instance = randomUUID();
  readonly startedAt = Date.now();
  readonly concurrency: number;
  readonly maxQueue: number;
  readonly maxQueuedPerClient: number;

  private readonly circuitMap: Map<string, Circuit>;
  private readonly jobs = new Map<string, Job>();
  private readonly queue = new FairQueue<Job>();
  /** Finished job ids in finish order, for eviction. */
  private finished: string[] = [];
  private busy = 0;
  private readonly pool: WitnessPool;
  private readonly sweeper: NodeJS.Timeout;
  private readonly idleWaiters = new Set<() => void>();
  private closing: Promise<void> | undefined;
  private draining = false;

  private readonly mSubmitted = new Counter('plasma_prover_jobs_submitted_total', 'Jobs accepted, by circuit');
  private readonly mFinished = new Counter('plasma_prover_jobs_finished_total', 'Jobs ended, by circuit and final state');
  private readonly mRejected = new Counter('plasma_prover_jobs_rejected_total', 'Submissions refused, by reason');
  private readonly mErrors = new Counter('plasma_prover_job_errors_total', 'Failed jobs, by circuit and error code');
  private readonly mDuration = new Histogram('plasma_prover_proof_duration_seconds', 'Run time of successful jobs (witness + proof), by circuit');
  private readonly mWait = new Histogram('plasma_prover_queue_wait_seconds', 'Time jobs waited in the queue before starting, by circuit');

  private constructor(
    private readonly prover: Groth16Prover,
    private readonly ownsProver: boolean,
    circuits: Circuit[],
    private readonly opts: ProverServiceOptions,
  ) {
    this.circuitMap = new Map(circuits.map((c) => [c.name, c]));
    this.concurrency = opts.concurrency ?? 1;
    this.maxQueue = opts.maxQueue ?? 64;
    this.maxQueuedPerClient = opts.maxQueuedPerClient ?? 16;
    this.pool = new WitnessPool(this.concurrency);
    const ttl = opts.finishedTtlMs ?? 15 * 60_000;
    this.sweeper = setInterval(() => this.evict(), Math.max(50, Math.min(ttl / 2, 30_000)));
    this.sweeper.unref();
  }

  static async create(opts: ProverServiceOptions): Promise<ProverService> {
    for (const [k, min] of [['concurrency', 1], ['maxQueue', 1], ['maxQueuedPerClient', 1], ['maxFinished', 0], ['finishedTtlMs', 0], ['jobTimeoutMs', 0], ['abortGraceMs', 0]] as const) {
      const v = opts[k];
      if (v !== undefined && (!Number.isInteger(v) || v < min)) throw new ProverError('INVALID_INPUT', `${k} must be an integer ≥ ${min}, got ${v}`);
    }
    if (!opts.circuits?.length) throw new ProverError('INVALID_INPUT', 'no circuits to prove', { hint: 'register at least one: --circuit name=path.zkey[:path.wasm] or "circuits" in --config' });
    const circuits: Circuit[] = [];
    for (const c of opts.circuits) {
      if (circuits.some((x) => x.name === c.name)) throw new ProverError('INVALID_INPUT', `circuit ${c.name} is registered twice`, { hint: 'give each circuit its own name' });
      circuits.push(await loadCircuit(c));
    }
    let prover: Groth16Prover;
    let owns = true;
    if (opts.prover === undefined) prover = await defaultProver(opts.backend ?? 'auto', opts.gpu);
    else if (typeof opts.prover === 'function') prover = await opts.prover();
    else {
      prover = opts.prover;
      owns = false;
    }
    return new ProverService(prover, owns, circuits, opts);
  }

  get backend(): ProverBackend {
    return this.prover.backend;
  }

  get description(): string {
    return this.prover.description;
  }

  get accepting(): boolean {
    return !this.draining && !this.closing;
  }

  circuits(): CircuitInfo[] {
    return [...this.circuitMap.values()].map((c) => ({
      name: c.name,
      acceptsInput: c.wasm !== undefined,
      nPublic: c.nPublic,
      nVars: c.nVars,
      domainSize: c.domainSize,
      jobs: {
        submitted: this.mSubmitted.get({ circuit: c.name }),
        done: this.mFinished.get({ circuit: c.name, state: 'done' }),
        failed: this.mFinished.get({ circuit: c.name, state: 'failed' }),
        cancelled: this.mFinished.get({ circuit: c.name, state: 'cancelled' }),
      },
    }));
  }

  circuit(name: string): Circuit {
    const c = this.circuitMap.get(name);
    if (!c) {
      throw new ProverError('CIRCUIT_NOT_FOUND', `no circuit named ${JSON.stringify(name)}`, {
        hint: `this service proves: ${[...this.circuitMap.keys()].join(', ')}`,
        data: { circuits: [...this.circuitMap.keys()] },
      });
    }
    return c;
  }

  private readonly vkeys = new Map<string, Promise<unknown>>();

  /** The circuit's verification key (snarkjs's verification_key.json), read from its .zkey once. */
  verificationKey(name: string): Promise<unknown> {
    const c = this.circuit(name);
    let p = this.vkeys.get(name);
    if (!p) {
      p = import('snarkjs').then(({ zKey }) => zKey.exportVerificationKey(c.zkey));
      // A failed read is not cached: the next request tries again.
      p.catch(() => this.vkeys.delete(name));
      this.vkeys.set(name, p);
    }
    return p;
  }

  /** Seconds a client should wait before resubmitting to a full queue: the queue's expected drain time. */
  retryAfterS(): number {
    const mean = this.mDuration.mean() ?? 5;
    return Math.min(300, Math.max(1, Math.ceil((mean * Math.max(1, this.queue.size)) / this.concurrency)));
  }

  submit(req: SubmitRequest): SubmitResponse {
    if (!this.accepting) {
      this.mRejected.inc({ reason: 'shutting_down' });
      throw new ProverError('SERVICE_UNAVAILABLE', 'the prover service is shutting down', { hint: 'retry against the restarted service', data: { retryAfterS: 5 } });
    }
    let circuit: Circuit;
    try {
      circuit = this.circuit(req.circuit);
    } catch (e) {
      this.mRejected.inc({ reason: 'circuit_not_found' });
      throw e;
    }
    const client = req.client ?? DEFAULT_CLIENT;
    let witness: Job['witness'];
    if (req.input !== undefined) {
      if (!circuit.wasm) {
        this.mRejected.inc({ reason: 'invalid' });
        throw new ProverError('INVALID_INPUT', `circuit ${circuit.name} has no witness generator registered, so it takes "wtns", not "input"`, {
          hint: 'send {"wtns": base64 of a .wtns}, or register the circuit with its wasm (name=zkey:wasm)',
        });
      }
      witness = { input: req.input };
    } else {
      try {
        witness = { wtns: decodeWtns(req.wtns!) };
      } catch (e) {
        this.mRejected.inc({ reason: 'invalid' });
        throw e;
      }
    }
    if (this.queue.size >= this.maxQueue) {
      this.mRejected.inc({ reason: 'queue_full' });
      throw new ProverError('QUEUE_FULL', `the queue is full (${this.maxQueue} jobs)`, {
        hint: 'retry after the Retry-After delay, or run another prover service',
        data: { scope: 'service', limit: this.maxQueue, retryAfterS: this.retryAfterS() },
      });
    }
    if (this.queue.sizeOf(client) >= this.maxQueuedPerClient) {
      this.mRejected.inc({ reason: 'client_queue_full' });
      throw new ProverError('QUEUE_FULL', `client ${client} already has ${this.maxQueuedPerClient} jobs queued`, {
        hint: 'wait for some of them to finish (the limit keeps one client from filling the queue)',
        data: { scope: 'client', client, limit: this.maxQueuedPerClient, retryAfterS: this.retryAfterS() },
      });
    }
    const job: Job = {
      id: randomUUID(),
      client,
      priority: req.priority ?? 0,
      circuit,
      state: 'queued',
      createdAt: Date.now(),
      witness,
      listeners: new Set(),
    };
    this.jobs.set(job.id, job);
    this.queue.push(job);
    this.mSubmitted.inc({ circuit: circuit.name });
    const position = this.queue.positionOf(job.id)!;
    job.position = position;
    this.event({ type: 'submitted', job: this.info(job) });
    // Start on the next tick: the submitter gets its 202 with the position it had in the queue.
    setImmediate(() => this.pump());
    this.notifyPositions(job.id);
    return { id: job.id, position, state: 'queued', instance: this.instance };
  }

  private find(id: string): Job {
    const job = this.jobs.get(id);
    if (!job) {
      throw new ProverError('JOB_NOT_FOUND', `no job ${id}`, {
        hint: 'finished jobs are kept for a while only, and jobs do not survive a restart of the service: submit it again',
        data: { instance: this.instance },
      });
    }
    return job;
  }

  get(id: string): JobInfo {
    return this.info(this.find(id));
  }

  /** Newest first, without results. */
  list(filter: { client?: string; state?: JobState; limit?: number } = {}): JobInfo[] {
    const out: JobInfo[] = [];
    const positions = this.queue.positions();
    for (const j of [...this.jobs.values()].reverse()) {
      if (filter.client !== undefined && j.client !== filter.client) continue;
      if (filter.state !== undefined && j.state !== filter.state) continue;
      out.push(this.info(j, false, positions));
      if (out.length >= (filter.limit ?? 100)) break;
    }
    return out;
  }

  /** Cancels a queued job (removed from the queue) or a running one (aborted). Ended jobs are left as they are. */
  cancel(id: string, why = 'cancelled by a client'): JobInfo {
    const job = this.find(id);
    if (job.state === 'queued') {
      this.queue.remove(id);
      this.finish(job, 'cancelled', { error: { code: 'ABORTED', message: why } });
      this.notifyPositions();
    } else if (job.state === 'running') {
      job.abort?.abort();
      this.finish(job, 'cancelled', { error: { code: 'ABORTED', message: why } });
    }
    return this.info(job);
  }

  /**
   * Calls `listener` on every event of the job until it ends; returns the unsubscribe function. The caller
   * sends the current snapshot (`get`) first. An ended job has no further events: the function is a no-op.
   */
  subscribe(id: string, listener: (e: JobEvent) => void): () => void {
    const job = this.find(id);
    if (isTerminal(job.state)) return () => {};
    job.listeners.add(listener);
    return () => job.listeners.delete(listener);
  }

  health(): HealthInfo {
    return {
      status: this.accepting ? 'ok' : 'draining',
      instance: this.instance,
      backend: this.prover.backend,
      description: this.prover.description,
      uptimeS: Math.round((Date.now() - this.startedAt) / 1000),
      concurrency: this.concurrency,
      running: this.busy,
      queued: this.queue.size,
      maxQueue: this.maxQueue,
      maxQueuedPerClient: this.maxQueuedPerClient,
      circuits: [...this.circuitMap.keys()],
    };
  }

  metrics(): string {
    const byState = new Map<JobState, number>(JOB_STATES.map((s) => [s, 0]));
    for (const j of this.jobs.values()) byState.set(j.state, byState.get(j.state)! + 1);
    const perClient = new Map<string, number>();
    for (const j of this.queue.order()) perClient.set(j.client, (perClient.get(j.client) ?? 0) + 1);
    return [
      gauge('plasma_prover_info', 'The prover backend of this service', [[{ backend: this.prover.backend, instance: this.instance }, 1]]),
      gauge('plasma_prover_up', '1 while accepting jobs, 0 while shutting down', [[{}, this.accepting ? 1 : 0]]),
      gauge('plasma_prover_jobs', 'Jobs the service holds (finished ones until evicted), by state', [...byState].map(([s, v]) => [{ state: s }, v])),
      gauge('plasma_prover_queue_depth', 'Queued jobs', [[{}, this.queue.size]]),
      gauge('plasma_prover_queue_depth_by_client', 'Queued jobs per client label', [...perClient].map(([c, v]) => [{ client: c }, v])),
      gauge('plasma_prover_running', 'Proving slots in use', [[{}, this.busy]]),
      gauge('plasma_prover_concurrency', 'Proving slots', [[{}, this.concurrency]]),
      this.mSubmitted.render(),
      this.mFinished.render(),
      this.mErrors.render(),
      this.mRejected.render(),
      this.mDuration.render(),
      this.mWait.render(),
      '',
    ].join('\n');
  }

  private info(job: Job, withResult = true, positions?: Map<string, number>): JobInfo {
    const now = Date.now();
    const end = job.finishedAt ?? now;
    return {
      id: job.id,
      circuit: job.circuit.name,
      client: job.client,
      priority: job.priority,
      state: job.state,
      ...(job.state === 'queued' ? { position: positions ? positions.get(job.id) : this.queue.positionOf(job.id) } : {}),
      ...(job.progress ? { progress: { ...job.progress } } : {}),
      createdAt: iso(job.createdAt)!,
      ...(job.startedAt !== undefined ? { startedAt: iso(job.startedAt) } : {}),
      ...(job.finishedAt !== undefined ? { finishedAt: iso(job.finishedAt) } : {}),
      timings: {
        queuedMs: (job.startedAt ?? end) - job.createdAt,
        ...(job.witnessMs !== undefined ? { witnessMs: Math.round(job.witnessMs) } : {}),
        ...(job.proveMs !== undefined ? { proveMs: Math.round(job.proveMs) } : {}),
        ...(job.finishedAt !== undefined ? { totalMs: job.finishedAt - job.createdAt } : {}),
        ...(job.stages ? { stages: job.stages } : {}),
      },
      ...(withResult && job.result ? { result: job.result } : {}),
      ...(job.error ? { error: job.error } : {}),
      instance: this.instance,
    };
  }

  /** The embedder's log hook: its failure must not break a job's bookkeeping. */
  private event(e: ServiceEvent): void {
    try {
      this.opts.onEvent?.(e);
    } catch {
      // ignored: see above
    }
  }

  private emit(job: Job, e: JobEvent): void {
    for (const l of job.listeners) {
      try {
        l(e);
      } catch {
        // A listener's failure (a broken socket) is its own business, never the job's.
      }
    }
  }

  /** Tells queued jobs with listeners that their position changed (`except`: just told in its 202). */
  private notifyPositions(except?: string): void {
    let positions: Map<string, number> | undefined;
    for (const j of this.jobs.values()) {
      if (j.state !== 'queued' || j.id === except || !j.listeners.size) continue;
      positions ??= this.queue.positions();
      const p = positions.get(j.id);
      if (p !== j.position) {
        j.position = p;
        this.emit(j, { event: 'job', data: this.info(j, true, positions) });
      }
    }
  }

  private pump(): void {
    while (this.busy < this.concurrency && this.queue.size > 0 && !this.closingHard) {
      const job = this.queue.shift()!;
      this.busy++;
      void this.run(job);
    }
    this.notifyPositions();
    if (this.busy === 0 && this.queue.size === 0) for (const w of [...this.idleWaiters]) w();
  }

  private closingHard = false;

  private async run(job: Job): Promise<void> {
    const abort = new AbortController();
    job.abort = abort;
    job.state = 'running';
    job.startedAt = Date.now();
    job.position = undefined;
    job.progress = { stage: 'witness', fraction: 0 };
    this.mWait.observe({ circuit: job.circuit.name }, (job.startedAt - job.createdAt) / 1000);
    this.emit(job, { event: 'job', data: this.info(job) });
    this.event({ type: 'started', job: this.info(job) });

    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      this.busy--;
      this.pump();
    };
    let timeout: NodeJS.Timeout | undefined;
    let grace: NodeJS.Timeout | undefined;
    const startGrace = () => {
      grace ??= setTimeout(release, this.opts.abortGraceMs ?? 30_000);
      grace.unref?.();
    };
    abort.signal.addEventListener('abort', startGrace, { once: true });
    if (this.opts.jobTimeoutMs) {
      timeout = setTimeout(() => {
        if (isTerminal(job.state)) return;
        abort.abort();
        this.finish(job, 'failed', { error: { code: 'PROVE_FAILED', message: `the job ran longer than ${this.opts.jobTimeoutMs} ms and was stopped`, hint: 'raise the service\'s job timeout, or use a faster backend' } });
      }, this.opts.jobTimeoutMs);
    }

    const onProgress = (p: { stage: JobProgress['stage']; fraction: number }) => {
      if (isTerminal(job.state)) return;
      // Monotone in stage and fraction: the prover restarts at `witness` when the service computed the witness.
      const prev = job.progress;
      const fraction = Math.min(1, Math.max(prev?.fraction ?? 0, Number.isFinite(p.fraction) ? p.fraction : 0));
      const stage = prev && PROVE_STAGES.indexOf(p.stage) < PROVE_STAGES.indexOf(prev.stage) ? prev.stage : p.stage;
      if (prev && prev.stage === stage && prev.fraction === fraction) return;
      job.progress = { stage, fraction };
      this.emit(job, { event: 'progress', data: job.progress });
    };

    try {
      let w = job.witness!;
      if ('input' in w && this.opts.witness !== 'prover') {
        const t0 = performance.now();
        w = { wtns: await this.pool.compute(job.circuit.wasm!, w.input, abort.signal) };
        job.witnessMs = performance.now() - t0;
        onProgress({ stage: 'load', fraction: 0.05 });
      }
      const t1 = performance.now();
      const res = await this.prover.prove(job.circuit.zkey, 'input' in w ? { input: w.input, wasm: job.circuit.wasm! } : w, { signal: abort.signal, onProgress });
      job.proveMs = performance.now() - t1;
      if (!isTerminal(job.state)) {
        job.stages = res.timings;
        this.finish(job, 'done', { result: { proof: res.proof, publicSignals: res.publicSignals } });
      }
    } catch (e) {
      if (!isTerminal(job.state)) this.finish(job, 'failed', { error: toJobError(e) });
    } finally {
      clearTimeout(timeout);
      clearTimeout(grace);
      release();
    }
  }

  private finish(job: Job, state: 'done' | 'failed' | 'cancelled', out: { result?: Job['result']; error?: JobError }): void {
    job.state = state;
    job.finishedAt = Date.now();
    job.witness = undefined;
    if (out.result) job.result = out.result;
    if (out.error) job.error = out.error;
    if (state === 'done') job.progress = { stage: 'assemble', fraction: 1 };
    const circuit = job.circuit.name;
    this.mFinished.inc({ circuit, state });
    if (state === 'failed') this.mErrors.inc({ circuit, code: job.error?.code ?? 'PROVE_FAILED' });
    if (state === 'done' && job.startedAt !== undefined) this.mDuration.observe({ circuit }, (job.finishedAt - job.startedAt) / 1000);
    const info = this.info(job);
    this.emit(job, { event: 'job', data: info });
    job.listeners.clear();
    this.event({ type: 'finished', job: info });
    this.finished.push(job.id);
    this.evict();
  }

  private evict(): void {
    const ttl = this.opts.finishedTtlMs ?? 15 * 60_000;
    const max = this.opts.maxFinished ?? 1000;
    const now = Date.now();
    while (this.finished.length) {
      const j = this.jobs.get(this.finished[0]);
      if (j && this.finished.length <= max && now - j.finishedAt! < ttl) break;
      this.jobs.delete(this.finished.shift()!);
    }
  }

  private whenIdle(signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (this.busy === 0 && (this.queue.size === 0 || this.closingHard)) return resolve();
      const done = () => {
        this.idleWaiters.delete(check);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const check = () => {
        if (this.busy === 0 && (this.queue.size === 0 || this.closingHard)) done();
      };
      this.idleWaiters.add(check);
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  /**
   * Stops taking jobs. `drain: false` (default) cancels queued jobs and aborts running ones; `drain: true` lets
   * queued and running jobs finish first (until `signal` aborts, then as `drain: false`). Closes the prover
   * when the service created it.
   */
  close(opts: { drain?: boolean; signal?: AbortSignal } = {}): Promise<void> {
    this.closing ??= (async () => {
      this.draining = true;
      if (opts.drain) await this.whenIdle(opts.signal);
      this.closingHard = true;
      for (const j of this.queue.order()) this.cancel(j.id, 'the prover service shut down');
      for (const j of this.jobs.values()) if (j.state === 'running') this.cancel(j.id, 'the prover service shut down');
      // Running provers get until their next stage boundary (or the grace period) to return.
      const grace = AbortSignal.timeout(Math.min(this.opts.abortGraceMs ?? 30_000, 10_000));
      await this.whenIdle(grace);
      clearInterval(this.sweeper);
      await this.pool.close();
      if (this.ownsProver) await this.prover.close();
    })();
    return this.closing;
  }
}

/** A {@link ProverService} for `opts` (checks every circuit's files, creates the prover). */
export function createProverService(opts: ProverServiceOptions): Promise<ProverService> {
  return ProverService.create(opts);
}

