import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PlasmaError } from '@plasma-tree/core';

export interface FakeNode {
  url: string;
  calls: Array<{ method: string; params: unknown[] }>;
  close(): Promise<void>;
}

/** A JSON-RPC server whose methods are plain functions; a thrown `{code,message,data}` becomes a JSON-RPC error. */
export async function fakeNode(methods: Record<string, (params: any[]) => unknown>, opts: { raw?: (req: IncomingMessage) => { status: number; body: string } | undefined } = {}): Promise<FakeNode> {
  const calls: FakeNode['calls'] = [];
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = opts.raw?.(req);
    if (raw) {
      res.writeHead(raw.status, { 'content-type': 'text/plain' }).end(raw.body);
      return;
    }
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    calls.push({ method: body.method, params: body.params });
    const fn = methods[body.method];
    let answer: unknown;
    if (!fn) answer = { jsonrpc: '2.0', id: body.id, error: { code: -32601, message: `method not found: ${body.method}` } };
    else {
      try {
        answer = { jsonrpc: '2.0', id: body.id, result: await fn(body.params) };
      } catch (e) {
        answer = { jsonrpc: '2.0', id: body.id, error: e };
      }
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    close: () => new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
  };
}

/** A port nothing listens on. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

/** The PlasmaError `p` rejects with (anything else is rethrown; a resolution fails the test). */
export async function rejection(p: Promise<unknown>): Promise<PlasmaError> {
  try {
    await p;
  } catch (e) {
    if (!(e instanceof PlasmaError)) throw e;
    return e;
  }
  throw new Error('expected a rejection');
}
