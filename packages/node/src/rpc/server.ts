import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isPlasmaError } from '@plasma-tree/core';
import type { Logger } from '../logger.js';

/** JSON-RPC 2.0 error codes (https://www.jsonrpc.org/specification#error_object). */
export const RpcErrorCode = {
  PARSE_ERROR: -32700,
  INVALID_REQUEST: -32600,
  METHOD_NOT_FOUND: -32601,
  INVALID_PARAMS: -32602,
  INTERNAL_ERROR: -32603,
  /** Domain errors: `data.reason` holds the PlasmaError code. */
  SERVER_ERROR: -32000,
} as const;

export interface RpcErrorObject {
  code: number;
  message: string;
  data?: Record<string, unknown>;
}

/** An error a handler throws to answer with a specific JSON-RPC code. */
export class RpcError extends Error {
  constructor(readonly code: number, message: string, readonly data?: Record<string, unknown>) {
    super(message);
    this.name = 'RpcError';
  }
}

export function invalidParams(message: string): RpcError {
  return new RpcError(RpcErrorCode.INVALID_PARAMS, message);
}

/** Handlers get the request's `params` array and return a JSON-ready result (amounts already strings). */
export type RpcHandler = (params: unknown[]) => unknown;
export type RpcMethods = Record<string, RpcHandler>;

export interface JsonRpcServerOptions {
  host: string;
  port: number;
  /** Requests with a larger body are refused with HTTP 413. Default 32 MiB (a 10 000-tx batch is ~4 MiB). */
  maxBodyBytes?: number;
  /** Most calls in one batch request. Default 1000. */
  maxBatchCalls?: number;
  logger: Logger;
}

interface JsonRpcRequest {
  jsonrpc: '2.0';
  id?: string | number | null;
  method: string;
  params?: unknown;
}

type JsonRpcResponse =
  | { jsonrpc: '2.0'; id: string | number | null; result: unknown }
  | { jsonrpc: '2.0'; id: string | number | null; error: RpcErrorObject };

/** Maps anything a handler throws to a JSON-RPC error object; PlasmaErrors become -32000 with `data.reason`. */
export function toRpcError(e: unknown, logger: Logger, method?: string): RpcErrorObject {
  if (e instanceof RpcError) return e.data ? { code: e.code, message: e.message, data: e.data } : { code: e.code, message: e.message };
  if (isPlasmaError(e)) {
    const hint = e.hint ? { hint: e.hint } : {};
    return { code: RpcErrorCode.SERVER_ERROR, message: e.message, data: { reason: e.code, ...e.data, ...hint } };
  }
  logger.error('RPC handler failed', { method, error: e, stack: (e as Error)?.stack });
  return { code: RpcErrorCode.INTERNAL_ERROR, message: 'internal error (see the node log)' };
}

/**
 * JSON-RPC 2.0 over HTTP POST with batch support, on node:http. Calls of a batch are started in request
 * order (handlers that enqueue work synchronously keep that order) and answered together.
 */
export class JsonRpcServer {
  private readonly server: Server;
  private readonly maxBodyBytes: number;
  private readonly maxBatchCalls: number;
  private readonly logger: Logger;
  private url_: string | undefined;

  constructor(private readonly methods: RpcMethods, private readonly opts: JsonRpcServerOptions) {
    this.maxBodyBytes = opts.maxBodyBytes ?? 32 * 1024 * 1024;
    this.maxBatchCalls = opts.maxBatchCalls ?? 1000;
    this.logger = opts.logger;
    this.server = createServer((req, res) => void this.onRequest(req, res));
    this.server.keepAliveTimeout = 30_000;
  }

  /** `http://host:port` once listening. */
  get url(): string {
    if (!this.url_) throw new Error('JsonRpcServer: not listening');
    return this.url_;
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.opts.port, this.opts.host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    const { port } = this.server.address() as AddressInfo;
    const host = this.opts.host.includes(':') ? `[${this.opts.host}]` : this.opts.host;
    this.url_ = `http://${host}:${port}`;
    this.logger.info('JSON-RPC listening', { url: this.url_ });
    return this.url_;
  }

  async close(): Promise<void> {
    if (!this.server.listening) return;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
  }

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'POST') {
      res.writeHead(405, { allow: 'POST', 'content-type': 'text/plain' }).end('JSON-RPC: use POST\n');
      return;
    }
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > this.maxBodyBytes) return this.tooLarge(req, res);

    const chunks: Buffer[] = [];
    let size = 0;
    try {
      for await (const chunk of req as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (size > this.maxBodyBytes) return this.tooLarge(req, res);
        chunks.push(chunk);
      }
    } catch {
      return; // client went away mid-request
    }

    let body: unknown;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      return this.send(res, this.errorResponse(null, { code: RpcErrorCode.PARSE_ERROR, message: 'parse error: the body is not valid JSON' }));
    }

    if (Array.isArray(body)) {
      if (body.length === 0) return this.send(res, this.errorResponse(null, { code: RpcErrorCode.INVALID_REQUEST, message: 'empty batch' }));
      if (body.length > this.maxBatchCalls) {
        return this.send(res, this.errorResponse(null, { code: RpcErrorCode.INVALID_REQUEST, message: `batch of ${body.length} calls; at most ${this.maxBatchCalls}` }));
      }
      const answers = await Promise.all(body.map((call) => this.call(call)));
      const responses = answers.filter((a): a is JsonRpcResponse => a !== undefined);
      if (responses.length === 0) {
        res.writeHead(204).end();
        return;
      }
      return this.send(res, responses);
    }
    const answer = await this.call(body);
    if (answer === undefined) {
      res.writeHead(204).end();
      return;
    }
    this.send(res, answer);
  }

  /** One call; undefined for a notification (no `id`), which gets no answer. */
  private async call(request: unknown): Promise<JsonRpcResponse | undefined> {
    if (!isRequest(request)) {
      const id = typeof request === 'object' && request !== null && 'id' in request ? normalizeId((request as { id: unknown }).id) : null;
      return this.errorResponse(id, { code: RpcErrorCode.INVALID_REQUEST, message: 'invalid request: expected {jsonrpc: "2.0", method, params?, id?}' });
    }
    const isNotification = !('id' in request);
    const id = normalizeId(request.id);
    const handler = Object.hasOwn(this.methods, request.method) ? this.methods[request.method] : undefined;
    if (!handler) {
      return isNotification ? undefined : this.errorResponse(id, { code: RpcErrorCode.METHOD_NOT_FOUND, message: `method not found: ${request.method}` });
    }
    const params = request.params ?? [];
    if (!Array.isArray(params)) {
      return isNotification ? undefined : this.errorResponse(id, { code: RpcErrorCode.INVALID_PARAMS, message: 'params must be an array' });
    }
    try {
      const result = await handler(params);
      return isNotification ? undefined : { jsonrpc: '2.0', id, result: result === undefined ? null : result };
    } catch (e) {
      return isNotification ? undefined : this.errorResponse(id, toRpcError(e, this.logger, request.method));
    }
  }

  private errorResponse(id: string | number | null, error: RpcErrorObject): JsonRpcResponse {
    return { jsonrpc: '2.0', id, error };
  }

  private send(res: ServerResponse, payload: JsonRpcResponse | JsonRpcResponse[]): void {
    if (res.destroyed) return;
    const body = JSON.stringify(payload);
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body);
  }

  private tooLarge(req: IncomingMessage, res: ServerResponse): void {
    const body = JSON.stringify(this.errorResponse(null, {
      code: RpcErrorCode.INVALID_REQUEST,
      message: `request body larger than ${this.maxBodyBytes} bytes: split the batch`,
    }));
    // Close the connection: the rest of the oversized body is not worth reading.
    res.writeHead(413, { 'content-type': 'application/json', connection: 'close' }).end(body, () => req.destroy());
  }
}

function isRequest(x: unknown): x is JsonRpcRequest {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) return false;
  const r = x as Record<string, unknown>;
  return r.jsonrpc === '2.0' && typeof r.method === 'string';
}

function normalizeId(id: unknown): string | number | null {
  return typeof id === 'string' || typeof id === 'number' ? id : null;
}
