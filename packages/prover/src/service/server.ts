/**
 * The prover service on HTTP (node:http, JSON, Server-Sent Events). See README.md, "Prover service".
 *
 * No authentication: it listens on 127.0.0.1 by default. To share it across machines put it behind a reverse
 * proxy that terminates TLS and checks credentials.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { ProverError, type ProverErrorCode } from '../errors.js';
import {
  DEFAULT_PROVER_HOST,
  DEFAULT_PROVER_PORT,
  HTTP_STATUS,
  JOB_STATES,
  errorBody,
  isTerminal,
  parseSubmitRequest,
  type JobEvent,
  type JobState,
} from './protocol.js';
import { ProverService, type ProverServiceOptions } from './service.js';

export interface ProverServerOptions extends ProverServiceOptions {
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** Default 8547; 0: any free port (read it from `port` / `url`). */
  readonly port?: number;
  /** Largest request body (default 64 MiB: a base64 .wtns of ~1.5 M signals); larger: 413. */
  readonly maxBodyBytes?: number;
  /** Comment lines on event streams this often (default 15 s), so that idle proxies and clients see life. */
  readonly sseHeartbeatMs?: number;
}

export interface ProverServer {
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly service: ProverService;
  /** Stops accepting jobs, then cancels (default) or drains them, then closes every connection. */
  close(opts?: { drain?: boolean; signal?: AbortSignal }): Promise<void>;
}

/** An error with an HTTP status of its own (413, 404 route, 405). */
class HttpError extends ProverError {
  constructor(readonly status: number, code: ProverErrorCode, message: string, hint?: string) {
    super(code, message, hint ? { hint } : {});
  }
}

/** The request ended before its body did (client gone): nothing can be answered. */
class ClientGone extends Error {}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const tooLarge = () => new HttpError(413, 'INVALID_INPUT', `the request body is larger than ${limit} bytes`, 'send a smaller witness, or raise the service\'s body limit (maxBodyBytes)');
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return Promise.reject(tooLarge());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const settle = (f: () => void) => {
      if (settled) return;
      settled = true;
      f();
    };
    req.on('data', (chunk: Buffer) => {
      if (settled) return;
      size += chunk.length;
      if (size > limit) settle(() => reject(tooLarge()));
      else chunks.push(chunk);
    });
    req.on('end', () => settle(() => resolve(Buffer.concat(chunks))));
    req.on('error', () => settle(() => reject(new ClientGone())));
    req.on('close', () => settle(() => reject(new ClientGone())));
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store', ...headers });
  res.end(text);
}

function sendError(res: ServerResponse, e: unknown): void {
  if (e instanceof ClientGone) return;
  if (!(e instanceof ProverError)) {
    sendJson(res, 500, { error: { code: 'PROVE_FAILED', message: `internal error: ${(e as Error)?.message ?? String(e)}`, hint: 'a bug in the prover service; see its log' } });
    return;
  }
  let status = e instanceof HttpError ? e.status : HTTP_STATUS[e.code] ?? 500;
  const headers: Record<string, string> = {};
  const data = e.data as { retryAfterS?: number; scope?: string };
  if (e.code === 'QUEUE_FULL' && data.scope === 'client') status = 429;
  if (typeof data.retryAfterS === 'number') headers['retry-after'] = String(data.retryAfterS);
  // After a 413 the rest of the upload is not read: close the connection instead of draining it.
  if (status === 413) headers.connection = 'close';
  sendJson(res, status, errorBody(e), headers);
}

const notFound = (method: string, path: string) =>
  new HttpError(404, 'INVALID_INPUT', `no endpoint ${method} ${path}`, 'endpoints: POST/GET /v1/jobs, GET/DELETE /v1/jobs/:id, GET /v1/jobs/:id/events, GET /v1/circuits, GET /healthz, GET /metrics');

const methodNotAllowed = (method: string, path: string, allowed: string) =>
  new HttpError(405, 'INVALID_INPUT', `${method} is not allowed on ${path}`, `use ${allowed}`);

export async function startProverServer(opts: ProverServerOptions): Promise<ProverServer> {
  if (opts.port !== undefined && (!Number.isInteger(opts.port) || opts.port < 0 || opts.port > 65_535)) {
    throw new ProverError('INVALID_INPUT', `port must be an integer in [0, 65535], got ${JSON.stringify(opts.port)}`, { hint: '0 picks any free port' });
  }
  for (const k of ['maxBodyBytes', 'sseHeartbeatMs'] as const) {
    const v = opts[k];
    if (v !== undefined && (!Number.isInteger(v) || v < 1)) throw new ProverError('INVALID_INPUT', `${k} must be a positive integer, got ${JSON.stringify(v)}`);
  }
  const service = await ProverService.create(opts);
  const maxBody = opts.maxBodyBytes ?? 64 * 1024 * 1024;
  const heartbeatMs = opts.sseHeartbeatMs ?? 15_000;
  const streams = new Set<ServerResponse>();

  const route = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname.replace(/\/+$/, '') || '/';
    let seg: string[];
    try {
      seg = path.split('/').filter(Boolean).map(decodeURIComponent);
    } catch {
      throw new HttpError(400, 'INVALID_INPUT', `bad percent-encoding in ${path}`, 'encode path segments with encodeURIComponent');
    }

    if (path === '/healthz') {
      if (method !== 'GET' && method !== 'HEAD') throw methodNotAllowed(method, path, 'GET');
      const h = service.health();
      return sendJson(res, h.status === 'ok' ? 200 : 503, h);
    }
    if (path === '/metrics') {
      if (method !== 'GET') throw methodNotAllowed(method, path, 'GET');
      const text = service.metrics();
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8', 'content-length': Buffer.byteLength(text) });
      res.end(text);
      return;
    }
    if (seg[0] !== 'v1') throw notFound(method, path);

    if (seg[1] === 'circuits') {
      if (method !== 'GET') throw methodNotAllowed(method, path, 'GET');
      if (seg.length === 2) return sendJson(res, 200, { circuits: service.circuits() });
      if (seg.length === 3) {
        service.circuit(seg[2]);
        return sendJson(res, 200, service.circuits().find((c) => c.name === seg[2]));
      }
      if (seg.length === 4 && seg[3] === 'vkey') {
        const vk = await service.verificationKey(seg[2]).catch((e) => {
          throw e instanceof ProverError ? e : new ProverError('INVALID_ZKEY', `cannot read the verification key: ${(e as Error).message}`, { cause: e });
        });
        return sendJson(res, 200, vk);
      }
      throw notFound(method, path);
    }

    if (seg[1] !== 'jobs' || seg.length > 4 || (seg.length === 4 && seg[3] !== 'events')) throw notFound(method, path);

    if (seg.length === 2) {
      if (method === 'POST') {
        const raw = await readBody(req, maxBody);
        let body: unknown;
        try {
          body = JSON.parse(raw.toString('utf8'));
        } catch (e) {
          throw new ProverError('INVALID_INPUT', `the body is not JSON: ${(e as Error).message}`, { hint: 'send Content-Type: application/json with a JSON object' });
        }
        const accepted = service.submit(parseSubmitRequest(body));
        return sendJson(res, 202, accepted, { location: `/v1/jobs/${accepted.id}` });
      }
      if (method === 'GET') {
        const state = url.searchParams.get('state') ?? undefined;
        if (state !== undefined && !JOB_STATES.includes(state as JobState)) {
          throw new ProverError('INVALID_INPUT', `unknown state ${JSON.stringify(state)}`, { hint: `one of ${JOB_STATES.join(', ')}` });
        }
        const limit = Number(url.searchParams.get('limit') ?? 100);
        if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new ProverError('INVALID_INPUT', 'limit must be an integer in [1, 1000]');
        const client = url.searchParams.get('client') ?? undefined;
        return sendJson(res, 200, { jobs: service.list({ ...(client !== undefined ? { client } : {}), ...(state !== undefined ? { state: state as JobState } : {}), limit }) });
      }
      throw methodNotAllowed(method, path, 'POST (submit) or GET (list)');
    }

    const id = seg[2];
    if (seg.length === 3) {
      if (method === 'GET') return sendJson(res, 200, service.get(id));
      if (method === 'DELETE') return sendJson(res, 200, service.cancel(id));
      throw methodNotAllowed(method, path, 'GET or DELETE');
    }

    // GET /v1/jobs/:id/events
    if (method !== 'GET') throw methodNotAllowed(method, path, 'GET');
    const first = service.get(id);
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    const send = (e: JobEvent) => {
      if (!res.destroyed && !res.writableEnded) res.write(`event: ${e.event}\ndata: ${JSON.stringify(e.data)}\n\n`);
    };
    send({ event: 'job', data: first });
    if (isTerminal(first.state)) return void res.end();
    streams.add(res);
    let unsubscribe = () => {};
    const heartbeat = setInterval(() => {
      if (!res.destroyed && !res.writableEnded) res.write(': keepalive\n\n');
    }, heartbeatMs);
    heartbeat.unref();
    const cleanup = () => {
      clearInterval(heartbeat);
      unsubscribe();
      streams.delete(res);
    };
    // A client that goes away only loses its stream: the job goes on.
    res.on('close', cleanup);
    unsubscribe = service.subscribe(id, (e) => {
      send(e);
      if (e.event === 'job' && isTerminal(e.data.state)) {
        cleanup();
        res.end();
      }
    });
  };

  const server: Server = createServer((req, res) => {
    route(req, res).catch((e) => sendError(res, e));
  });
  // A socket error (a client resetting mid-request) must never take the service down.
  server.on('clientError', (err, socket: Socket) => {
    if (socket.writable && !(err as NodeJS.ErrnoException).code?.startsWith('ECONN')) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });

  const host = opts.host ?? DEFAULT_PROVER_HOST;
  await new Promise<void>((resolve, reject) => {
    const onError = (e: NodeJS.ErrnoException) => {
      void service.close();
      reject(new ProverError('SERVICE_UNAVAILABLE', `cannot listen on ${host}:${opts.port ?? DEFAULT_PROVER_PORT}: ${e.message}`, {
        hint: e.code === 'EADDRINUSE' ? 'another process uses the port: pick another with --port (0: any free port)' : 'check --host and --port',
        cause: e,
      }));
    };
    server.once('error', onError);
    server.listen(opts.port ?? DEFAULT_PROVER_PORT, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '[::1]' : host;

  let closing: Promise<void> | undefined;
  return {
    url: `http://${urlHost}:${port}`,
    host,
    port,
    service,
    close(closeOpts = {}) {
      closing ??= (async () => {
        // Still listening while draining: waiters keep getting progress and results; submissions get 503.
        await service.close(closeOpts);
        for (const res of streams) res.end();
        streams.clear();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeIdleConnections();
          // Connections in the middle of a request get a moment to finish it.
          setTimeout(() => server.closeAllConnections(), 1000).unref();
        });
      })();
      return closing;
    },
  };
}
