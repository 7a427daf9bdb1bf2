/**
 * The prover service's wire format (HTTP JSON + Server-Sent Events), shared by the server and `ProverClient`.
 * Everything here is plain data: a node in another language can speak it with an HTTP client.
 */
import type { Groth16Proof, ProveStage, ProverBackend } from '../groth16/api.js';
import { ProverError, type ProverErrorCode } from '../errors.js';

export const SERVICE_API_VERSION = 'v1';
export const DEFAULT_PROVER_PORT = 8547;
export const DEFAULT_PROVER_HOST = '127.0.0.1';
export const DEFAULT_PROVER_URL = `http://${DEFAULT_PROVER_HOST}:${DEFAULT_PROVER_PORT}`;

export const JOB_STATES = ['queued', 'running', 'done', 'failed', 'cancelled'] as const;
export type JobState = (typeof JOB_STATES)[number];
export const isTerminal = (s: JobState): boolean => s === 'done' || s === 'failed' || s === 'cancelled';

/** Labels (client, circuit names): short, printable, safe in metrics labels and logs. */
export const LABEL_RE = /^[A-Za-z0-9][A-Za-z0-9._:@/-]{0,63}$/;
export const DEFAULT_CLIENT = 'anonymous';
export const MIN_PRIORITY = -100;
export const MAX_PRIORITY = 100;

/** `POST /v1/jobs`: inputs (the server computes the witness with the circuit's wasm) or a snarkjs `.wtns`. */
export type SubmitRequest = {
  circuit: string;
  /** Chain id / node name: the unit of fairness and of the per-client queue limit. */
  client?: string;
  /** Higher first, among this client's own queued jobs only (default 0). */
  priority?: number;
} & ({ input: Record<string, unknown>; wtns?: never } | { wtns: string; input?: never });

export interface SubmitResponse {
  id: string;
  /** Jobs that start before this one (0: next). */
  position: number;
  state: JobState;
  /** The service instance now holding the job (see {@link JobInfo.instance}). */
  instance: string;
}

export interface JobProgress {
  stage: ProveStage;
  /** 0..1 over the whole job, monotone. */
  fraction: number;
}

export interface JobError {
  code: ProverErrorCode;
  message: string;
  hint?: string;
}

export interface JobTimings {
  /** Milliseconds from submission to start (or to now / cancellation while queued). */
  queuedMs?: number;
  /** Witness computation (when the service computes it). */
  witnessMs?: number;
  /** The prover's `prove` call. */
  proveMs?: number;
  /** Submission to end. */
  totalMs?: number;
  /** The prover's own per-stage split. */
  stages?: Partial<Record<ProveStage, number>>;
}

export interface JobInfo {
  id: string;
  circuit: string;
  client: string;
  priority: number;
  state: JobState;
  /** Jobs that start before this one, while queued. */
  position?: number;
  progress?: JobProgress;
  /** ISO times. */
  createdAt: string;
  startedAt?: string;
  finishedAt?: string;
  timings: JobTimings;
  result?: { proof: Groth16Proof; publicSignals: string[] };
  error?: JobError;
  /** The service instance that holds the job: a different one after a restart (jobs live in memory). */
  instance: string;
}

export interface CircuitInfo {
  name: string;
  /** Whether jobs may send `input` (the service has the circuit's witness-generator wasm). */
  acceptsInput: boolean;
  nPublic: number;
  nVars: number;
  domainSize: number;
  /** Jobs submitted / done / failed since the service started. */
  jobs: { submitted: number; done: number; failed: number; cancelled: number };
}

export interface HealthInfo {
  status: 'ok' | 'draining';
  instance: string;
  backend: ProverBackend;
  description: string;
  uptimeS: number;
  concurrency: number;
  running: number;
  queued: number;
  maxQueue: number;
  maxQueuedPerClient: number;
  circuits: string[];
}

/** Error body of every non-2xx answer. */
export interface ErrorBody {
  error: { code: ProverErrorCode; message: string; hint?: string; data?: Record<string, unknown> };
}

/**
 * SSE events of `GET /v1/jobs/:id/events`: `job` (a full {@link JobInfo}: first, on every state or position
 * change, and last), `progress` ({@link JobProgress}); the stream ends after the terminal `job` event.
 * Comment lines (`: keepalive`) arrive every `sseHeartbeatMs` so that either side notices a dead connection.
 */
export type JobEvent = { event: 'job'; data: JobInfo } | { event: 'progress'; data: JobProgress };

export const HTTP_STATUS: Partial<Record<ProverErrorCode, number>> = {
  INVALID_INPUT: 400,
  INVALID_WITNESS: 400,
  JOB_NOT_FOUND: 404,
  CIRCUIT_NOT_FOUND: 404,
  QUEUE_FULL: 503,
  SERVICE_UNAVAILABLE: 503,
};

export function errorBody(e: ProverError): ErrorBody {
  const data = e.data && Object.keys(e.data).length ? (e.data as Record<string, unknown>) : undefined;
  const suffix = e.hint ? ` — ${e.hint}` : '';
  const message = suffix && e.message.endsWith(suffix) ? e.message.slice(0, -suffix.length) : e.message;
  return { error: { code: e.code, message, ...(e.hint ? { hint: e.hint } : {}), ...(data ? { data } : {}) } };
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype;

const bad = (message: string, hint: string) => new ProverError('INVALID_INPUT', message, { hint });

/** Validates a `POST /v1/jobs` body (already JSON-parsed); the witness bytes are decoded by the caller. */
export function parseSubmitRequest(body: unknown): SubmitRequest {
  const shape = 'send {"circuit": "<name>", "input": {…}} or {"circuit": "<name>", "wtns": "<base64 .wtns>"}, optionally "client" and "priority"';
  if (!isPlainObject(body)) throw bad('the body is not a JSON object', shape);
  const known = new Set(['circuit', 'client', 'priority', 'input', 'wtns']);
  const unknown = Object.keys(body).filter((k) => !known.has(k));
  if (unknown.length) throw bad(`unknown field${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => JSON.stringify(k)).join(', ')}`, shape);
  const { circuit, client, priority, input, wtns } = body;
  if (typeof circuit !== 'string' || !circuit) throw bad('"circuit" must be a non-empty string', `${shape}; GET /v1/circuits lists the names`);
  if (client !== undefined && (typeof client !== 'string' || !LABEL_RE.test(client))) {
    throw bad(`"client" must match ${LABEL_RE.source}`, 'use a short label such as the chain id or the node name');
  }
  if (priority !== undefined && (typeof priority !== 'number' || !Number.isInteger(priority) || priority < MIN_PRIORITY || priority > MAX_PRIORITY)) {
    throw bad(`"priority" must be an integer in [${MIN_PRIORITY}, ${MAX_PRIORITY}]`, 'higher runs first among your own queued jobs; it does not jump other clients');
  }
  if ((input === undefined) === (wtns === undefined)) throw bad('send exactly one of "input" and "wtns"', shape);
  const common = { circuit, ...(client !== undefined ? { client } : {}), ...(priority !== undefined ? { priority } : {}) };
  if (input !== undefined) {
    if (!isPlainObject(input)) throw bad('"input" must be a JSON object of signal names to values', 'e.g. {"a": "3", "b": ["1", "2"]}');
    return { ...common, input };
  }
  if (typeof wtns !== 'string' || !wtns) throw bad('"wtns" must be a base64 string', 'base64 of the bytes of a snarkjs .wtns file');
  return { ...common, wtns };
}

const BASE64_RE = /^[A-Za-z0-9+/]*={0,2}$/;

/** Decodes a base64 `.wtns` and checks its magic, so a garbled upload fails at submission, not in the queue. */
export function decodeWtns(b64: string): Uint8Array {
  const s = b64.replace(/\s+/g, '');
  if (s.length % 4 !== 0 || !BASE64_RE.test(s)) {
    throw new ProverError('INVALID_WITNESS', '"wtns" is not valid base64', { hint: 'send base64 (RFC 4648, with padding) of a .wtns file' });
  }
  const bytes = new Uint8Array(Buffer.from(s, 'base64'));
  if (bytes.length < 12 || String.fromCharCode(...bytes.subarray(0, 4)) !== 'wtns') {
    throw new ProverError('INVALID_WITNESS', '"wtns" is not a snarkjs .wtns file (no "wtns" magic)', { hint: 'compute it with `snarkjs wtns calculate` or the circuit\'s generate_witness.js' });
  }
  return bytes;
}
