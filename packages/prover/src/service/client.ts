/**
 * `ProverClient`: what a chain's node uses to get proofs from a prover service. Errors are `ProverError`s with
 * the service's code (`CIRCUIT_NOT_FOUND`, `QUEUE_FULL`, `INVALID_WITNESS`, …) or `SERVICE_UNAVAILABLE` when it
 * cannot be reached; `wait` rides out restarts and network blips with backoff.
 */
import { ProverError, isProverError, type ProverErrorCode } from '../errors.js';
import type { Groth16Proof } from '../groth16/api.js';
import {
  DEFAULT_PROVER_URL,
  isTerminal,
  type CircuitInfo,
  type ErrorBody,
  type HealthInfo,
  type JobInfo,
  type JobProgress,
  type JobState,
  type SubmitResponse,
} from './protocol.js';

export const ENV_PROVER_URL = 'PLASMA_TREE_PROVER_URL';

export interface ProverClientOptions {
  /** Default: env PLASMA_TREE_PROVER_URL, else http://127.0.0.1:8547. */
  readonly url?: string;
  /** The label jobs are submitted under (chain id / node name): the unit of fairness. */
  readonly client?: string;
  /** One request (not an event stream): default 30 s. */
  readonly requestTimeoutMs?: number;
  /** How long `wait`/`prove` keep retrying a service that cannot be reached before SERVICE_UNAVAILABLE (60 s). */
  readonly reconnectTimeoutMs?: number;
  /** `sse` (default): one event stream per wait; `poll`: GET the job every `pollIntervalMs`. */
  readonly transport?: 'sse' | 'poll';
  readonly pollIntervalMs?: number;
  /** An event stream silent this long (no event, no keepalive) is considered dead and reopened (45 s). */
  readonly streamIdleTimeoutMs?: number;
}

export type SubmitWitness = { readonly input: Record<string, unknown> } | { readonly wtns: Uint8Array | string };

export interface SubmitOptions {
  readonly priority?: number;
  /** Overrides the client's label for this job. */
  readonly client?: string;
  readonly signal?: AbortSignal;
}

export interface WaitOptions {
  readonly onProgress?: (p: JobProgress, job: JobInfo) => void;
  /** Every snapshot (state or queue position changes). */
  readonly onUpdate?: (job: JobInfo) => void;
  /** Stops waiting (rejects with ABORTED). The job itself goes on: use `cancel` to stop it. */
  readonly signal?: AbortSignal;
  /** The instance from `submit`: lets `wait` tell "lost in a restart" from "no such job". */
  readonly instance?: string;
}

export interface ProveOptions extends WaitOptions, SubmitOptions {
  /** Resubmit when the service restarted and lost the job (default 3 times; 0: never). */
  readonly resubmits?: number;
  /** On QUEUE_FULL, wait Retry-After and retry for up to this long (default 5 min; 0: fail at once). */
  readonly queueFullTimeoutMs?: number;
}

export interface ClientProveResult {
  readonly proof: Groth16Proof;
  readonly publicSignals: string[];
  readonly job: JobInfo;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(abortedError());
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(abortedError());
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });

const abortedError = () => new ProverError('ABORTED', 'aborted by the caller', { hint: 'the job itself was not cancelled (ProverClient.cancel does that)' });

/** Connection refused: the request surely never arrived, so even a submission may be retried. */
function refused(e: unknown): boolean {
  const c = (e as { cause?: { code?: string; errors?: Array<{ code?: string }> } })?.cause;
  return c?.code === 'ECONNREFUSED' || !!c?.errors?.some((x) => x.code === 'ECONNREFUSED');
}

const toBase64 = (w: Uint8Array | string) => (typeof w === 'string' ? w : Buffer.from(w.buffer, w.byteOffset, w.byteLength).toString('base64'));

export class ProverClient {
  readonly url: string;
  readonly clientLabel: string | undefined;
  private readonly requestTimeoutMs: number;
  private readonly reconnectTimeoutMs: number;
  private readonly transport: 'sse' | 'poll';
  private readonly pollIntervalMs: number;
  private readonly idleMs: number;

  constructor(opts: ProverClientOptions = {}) {
    const url = opts.url ?? process.env[ENV_PROVER_URL] ?? DEFAULT_PROVER_URL;
    try {
      new URL(url);
    } catch {
      throw new ProverError('INVALID_INPUT', `bad prover service URL ${JSON.stringify(url)}`, { hint: 'e.g. http://127.0.0.1:8547' });
    }
    this.url = url.replace(/\/+$/, '');
    this.clientLabel = opts.client;
    this.requestTimeoutMs = opts.requestTimeoutMs ?? 30_000;
    this.reconnectTimeoutMs = opts.reconnectTimeoutMs ?? 60_000;
    this.transport = opts.transport ?? 'sse';
    this.pollIntervalMs = opts.pollIntervalMs ?? 500;
    this.idleMs = opts.streamIdleTimeoutMs ?? 45_000;
  }

  private unavailable(cause: unknown, what = 'reach'): ProverError {
    const u = new URL(this.url);
    const port = u.port || (u.protocol === 'https:' ? '443' : '80');
    const why = (cause as { cause?: { code?: string; message?: string } })?.cause;
    const detail = why?.code ?? why?.message ?? (cause as Error)?.message ?? String(cause);
    return new ProverError('SERVICE_UNAVAILABLE', `cannot ${what} the prover service at ${this.url} (${detail})`, {
      hint: `is it running? start it with \`plasma-tree prover start --port ${port} --circuit <name>=<file.zkey>:<file.wasm>\`, or point --url / ${ENV_PROVER_URL} at it`,
      data: { url: this.url, retrySafe: refused(cause) },
      cause,
    });
  }

  private async request<T>(method: string, path: string, opts: { body?: unknown; signal?: AbortSignal; okStatus?: number } = {}): Promise<T> {
    const signal = AbortSignal.any([AbortSignal.timeout(this.requestTimeoutMs), ...(opts.signal ? [opts.signal] : [])]);
    let res: Response;
    let text: string;
    try {
      res = await fetch(`${this.url}${path}`, {
        method,
        signal,
        headers: opts.body !== undefined ? { 'content-type': 'application/json', accept: 'application/json' } : { accept: 'application/json' },
        ...(opts.body !== undefined ? { body: JSON.stringify(opts.body) } : {}),
      });
      text = await res.text();
    } catch (e) {
      if (opts.signal?.aborted) throw abortedError();
      throw this.unavailable(e);
    }
    if (res.ok || res.status === opts.okStatus) {
      try {
        return (text ? JSON.parse(text) : undefined) as T;
      } catch {
        throw new ProverError('PROVE_FAILED', `${this.url}${path} answered HTTP ${res.status} with something that is not JSON`, { hint: 'is the URL a prover service (plasma-tree prover start)?', data: { status: res.status, url: this.url } });
      }
    }
    throw this.httpError(res, text);
  }

  private httpError(res: Response, text: string): ProverError {
    let body: ErrorBody | undefined;
    try {
      body = JSON.parse(text) as ErrorBody;
    } catch {
      // Not ours (a proxy's error page): below.
    }
    const retryAfter = Number(res.headers.get('retry-after'));
    const extra = { status: res.status, url: this.url, ...(Number.isFinite(retryAfter) && retryAfter > 0 ? { retryAfterS: retryAfter } : {}) };
    if (body?.error?.code) {
      const { code, message, hint, data } = body.error;
      return new ProverError(code as ProverErrorCode, message, { data: { ...data, ...extra, ...(code === 'SERVICE_UNAVAILABLE' ? { retrySafe: true } : {}) }, ...(hint ? { hint } : {}) });
    }
    if (res.status === 502 || res.status === 503 || res.status === 504) return this.unavailable(new Error(`HTTP ${res.status}`), 'get an answer from');
    return new ProverError('PROVE_FAILED', `the prover service at ${this.url} answered HTTP ${res.status}: ${text.slice(0, 200)}`, { data: extra, hint: 'is the URL a prover service (plasma-tree prover start)?' });
  }

  /** Also while the service drains (it answers 503 then, with `status: 'draining'`). */
  health(opts: { signal?: AbortSignal } = {}): Promise<HealthInfo> {
    return this.request<HealthInfo>('GET', '/healthz', { ...opts, okStatus: 503 });
  }

  async circuits(opts: { signal?: AbortSignal } = {}): Promise<CircuitInfo[]> {
    return (await this.request<{ circuits: CircuitInfo[] }>('GET', '/v1/circuits', opts)).circuits;
  }

  /** snarkjs's verification_key.json of a circuit, for `snarkjs.groth16.verify`. */
  verificationKey(circuit: string, opts: { signal?: AbortSignal } = {}): Promise<Record<string, unknown>> {
    return this.request('GET', `/v1/circuits/${encodeURIComponent(circuit)}/vkey`, opts);
  }

  /** Newest first, without results. */
  async jobs(filter: { client?: string; state?: JobState; limit?: number; signal?: AbortSignal } = {}): Promise<JobInfo[]> {
    const q = new URLSearchParams();
    if (filter.client) q.set('client', filter.client);
    if (filter.state) q.set('state', filter.state);
    if (filter.limit) q.set('limit', String(filter.limit));
    const qs = q.toString();
    return (await this.request<{ jobs: JobInfo[] }>('GET', `/v1/jobs${qs ? `?${qs}` : ''}`, { signal: filter.signal })).jobs;
  }

  /** Queues a job; rejects with the service's code (CIRCUIT_NOT_FOUND, QUEUE_FULL with `data.retryAfterS`, …). */
  submit(circuit: string, witness: SubmitWitness, opts: SubmitOptions = {}): Promise<SubmitResponse> {
    const client = opts.client ?? this.clientLabel;
    const body = {
      circuit,
      ...('input' in witness ? { input: witness.input } : { wtns: toBase64(witness.wtns) }),
      ...(client !== undefined ? { client } : {}),
      ...(opts.priority !== undefined ? { priority: opts.priority } : {}),
    };
    return this.request<SubmitResponse>('POST', '/v1/jobs', { body, ...(opts.signal ? { signal: opts.signal } : {}) });
  }

  status(id: string, opts: { signal?: AbortSignal } = {}): Promise<JobInfo> {
    return this.request<JobInfo>('GET', `/v1/jobs/${encodeURIComponent(id)}`, opts);
  }

  /** Cancels the job (queued: removed; running: aborted). Resolves to its final snapshot. */
  cancel(id: string, opts: { signal?: AbortSignal } = {}): Promise<JobInfo> {
    return this.request<JobInfo>('DELETE', `/v1/jobs/${encodeURIComponent(id)}`, opts);
  }

  /**
   * Follows the job until it ends: resolves with the finished job (`result` set), rejects with its error
   * (`failed`: the job's code; `cancelled`: ABORTED). Reconnects with backoff while the service cannot be
   * reached, for up to `reconnectTimeoutMs`; a job lost in a restart rejects JOB_NOT_FOUND with `data.lost`.
   */
  async wait(id: string, opts: WaitOptions = {}): Promise<JobInfo & { result: NonNullable<JobInfo['result']> }> {
    let instance = opts.instance;
    let failingSince: number | undefined;
    let attempt = 0;
    let lastProgress = '';
    let latest: JobInfo | undefined;
    const progress = (p: JobProgress, job: JobInfo) => {
      const k = `${p.stage}:${p.fraction}`;
      if (k === lastProgress) return;
      lastProgress = k;
      opts.onProgress?.(p, job);
    };
    const seen = (job: JobInfo) => {
      failingSince = undefined;
      attempt = 0;
      instance ??= job.instance;
      opts.onUpdate?.(job);
      if (job.progress) progress(job.progress, job);
    };
    for (;;) {
      if (opts.signal?.aborted) throw abortedError();
      try {
        let final: JobInfo | undefined;
        if (this.transport === 'sse') {
          final = await this.follow(id, opts.signal, (job) => {
            latest = job;
            seen(job);
          }, (p) => {
            failingSince = undefined;
            if (latest) progress(p, { ...latest, progress: p });
          });
        } else {
          const job = await this.status(id, opts.signal ? { signal: opts.signal } : {});
          latest = job;
          seen(job);
          if (isTerminal(job.state)) final = job;
          else await sleep(this.pollIntervalMs, opts.signal);
        }
        if (final) return this.settle(final);
        // A stream that ended without the job ending (the service is shutting down): reconnect after a pause.
        if (this.transport === 'sse') {
          failingSince ??= Date.now();
          await sleep(Math.min(5000, 200 * 2 ** attempt++), opts.signal);
        }
      } catch (e) {
        if (opts.signal?.aborted) throw abortedError();
        if (isProverError(e, 'JOB_NOT_FOUND')) {
          const now = (e.data as { instance?: string }).instance;
          if (instance && now && now !== instance) {
            throw new ProverError('JOB_NOT_FOUND', `job ${id} was lost: the prover service at ${this.url} restarted (jobs are kept in memory only)`, {
              hint: 'submit it again (ProverClient.prove does so by itself)',
              data: { jobId: id, lost: true, instance: now, previousInstance: instance },
            });
          }
          throw new ProverError('JOB_NOT_FOUND', e.message, { hint: e.hint, data: { ...e.data, jobId: id } });
        }
        if (!isProverError(e, 'SERVICE_UNAVAILABLE')) throw e;
        failingSince ??= Date.now();
        if (Date.now() - failingSince > this.reconnectTimeoutMs) {
          throw new ProverError('SERVICE_UNAVAILABLE', `gave up waiting for job ${id}: ${e.message.split(' — ')[0]} for ${Math.round((Date.now() - failingSince) / 1000)} s`, {
            hint: e.hint,
            data: { ...e.data, jobId: id },
            cause: e,
          });
        }
        // Backoff with jitter, so that many clients of a restarted service do not reconnect in step.
        await sleep(Math.min(5000, 200 * 2 ** attempt++) * (0.75 + Math.random() * 0.5), opts.signal);
      }
    }
  }

  private settle(job: JobInfo): JobInfo & { result: NonNullable<JobInfo['result']> } {
    if (job.state === 'done' && job.result) return job as JobInfo & { result: NonNullable<JobInfo['result']> };
    if (job.state === 'cancelled') {
      throw new ProverError('ABORTED', `job ${job.id} was cancelled${job.error ? `: ${job.error.message}` : ''}`, { hint: 'submit it again if it is still needed', data: { jobId: job.id, job } });
    }
    const err = job.error ?? { code: 'PROVE_FAILED' as const, message: 'the job failed' };
    throw new ProverError(err.code, err.message, { ...(err.hint ? { hint: err.hint } : {}), data: { jobId: job.id, job } });
  }

  /** One event stream: resolves with the terminal snapshot, or undefined when the stream ends before it. */
  private async follow(id: string, signal: AbortSignal | undefined, onJob: (j: JobInfo) => void, onProgress: (p: JobProgress) => void): Promise<JobInfo | undefined> {
    const ctrl = new AbortController();
    const onAbort = () => ctrl.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    let idle: NodeJS.Timeout | undefined;
    let idleFired = false;
    const touch = () => {
      clearTimeout(idle);
      idle = setTimeout(() => {
        idleFired = true;
        ctrl.abort();
      }, this.idleMs);
    };
    try {
      touch();
      let res: Response;
      try {
        res = await fetch(`${this.url}/v1/jobs/${encodeURIComponent(id)}/events`, { headers: { accept: 'text/event-stream' }, signal: ctrl.signal });
      } catch (e) {
        throw this.unavailable(idleFired ? new Error('no answer') : e);
      }
      if (!res.ok) throw this.httpError(res, await res.text().catch(() => ''));
      const reader = res.body!.getReader();
      const decoder = new TextDecoder();
      let buf = '';
      for (;;) {
        let chunk: ReadableStreamReadResult<Uint8Array>;
        try {
          chunk = await reader.read();
        } catch (e) {
          throw this.unavailable(idleFired ? new Error(`the event stream was silent for ${this.idleMs} ms`) : e, 'keep following');
        }
        if (chunk.done) return undefined;
        touch();
        buf += decoder.decode(chunk.value, { stream: true });
        let cut: number;
        while ((cut = buf.search(/\r?\n\r?\n/)) >= 0) {
          const block = buf.slice(0, cut);
          buf = buf.slice(cut + (buf[cut] === '\r' ? 4 : 2));
          let event = 'message';
          const data: string[] = [];
          for (const line of block.split(/\r?\n/)) {
            if (line.startsWith(':')) continue;
            const colon = line.indexOf(':');
            const field = colon < 0 ? line : line.slice(0, colon);
            const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
            if (field === 'event') event = value;
            else if (field === 'data') data.push(value);
          }
          if (!data.length) continue;
          const payload = JSON.parse(data.join('\n'));
          if (event === 'job') {
            onJob(payload as JobInfo);
            if (isTerminal((payload as JobInfo).state)) {
              ctrl.abort();
              return payload as JobInfo;
            }
          } else if (event === 'progress') onProgress(payload as JobProgress);
        }
      }
    } finally {
      clearTimeout(idle);
      signal?.removeEventListener('abort', onAbort);
      ctrl.abort();
    }
  }

  /**
   * Submit + wait for the circuit's `input` signals. Retries a full queue after its Retry-After, a service that refused the connection, and
   * resubmits a job lost in a service restart. Aborting `signal` also cancels the job on the service.
   */
  prove(circuit: string, input: Record<string, unknown>, opts: ProveOptions = {}): Promise<ClientProveResult> {
    return this.proveWitness(circuit, { input }, opts);
  }

  /** {@link prove} with a `.wtns` (bytes or base64) or `{ input }`. */
  async proveWitness(circuit: string, w: SubmitWitness, opts: ProveOptions = {}): Promise<ClientProveResult> {
    const maxResubmits = opts.resubmits ?? 3;
    for (let round = 0; ; round++) {
      const sub = await this.submitPatiently(circuit, w, opts);
      const cancel = () => void this.cancel(sub.id).catch(() => {});
      opts.signal?.addEventListener('abort', cancel, { once: true });
      try {
        const job = await this.wait(sub.id, { ...opts, instance: sub.instance });
        return { proof: job.result.proof, publicSignals: job.result.publicSignals, job };
      } catch (e) {
        if (isProverError(e, 'JOB_NOT_FOUND') && (e.data as { lost?: boolean }).lost && round < maxResubmits) continue;
        throw e;
      } finally {
        opts.signal?.removeEventListener('abort', cancel);
      }
    }
  }

  private async submitPatiently(circuit: string, w: SubmitWitness, opts: ProveOptions): Promise<SubmitResponse> {
    const t0 = Date.now();
    let attempt = 0;
    for (;;) {
      try {
        return await this.submit(circuit, w, opts);
      } catch (e) {
        if (opts.signal?.aborted) throw abortedError();
        const elapsed = Date.now() - t0;
        if (isProverError(e, 'QUEUE_FULL') && elapsed < (opts.queueFullTimeoutMs ?? 300_000)) {
          await sleep(1000 * ((e.data as { retryAfterS?: number }).retryAfterS ?? 5), opts.signal);
          continue;
        }
        if (isProverError(e, 'SERVICE_UNAVAILABLE') && (e.data as { retrySafe?: boolean }).retrySafe && elapsed < this.reconnectTimeoutMs) {
          await sleep(Math.min(5000, 200 * 2 ** attempt++) * (0.75 + Math.random() * 0.5), opts.signal);
          continue;
        }
        throw e;
      }
    }
  }
}
