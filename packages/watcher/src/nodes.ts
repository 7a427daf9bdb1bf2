import { watcherError } from './errors.js';
import { blockFromJson, headerFromJson, type Block, type Header, type Hex } from '@plasma-tree/core';

/** What the nodes of a chain answered for one committed height. */
export interface BlockFetch {
  /** The block whose hash is the committed one, from the first URL that served it. */
  block?: Block;
  /** URLs that failed (down, timeout, bad answer): retried with backoff by the caller. */
  failed: string[];
  /** URLs that answered null or a block with another hash (withholding, or behind). */
  without: string[];
}

/** Two headers of one height with their signatures, as a node in fault mode (or any peer) serves them. */
export interface EquivocationEvidence {
  url: string;
  committed: { blockHash: Hex; header: Header; signatures: Hex[] };
  other: { blockHash: Hex; header: Header; signatures: Hex[] };
}

/** A JSON-RPC error answer of a node: an answer (the node's domain error in `data.reason`), not a failure. */
export class NodeRpcError extends Error {
  constructor(readonly code: number, message: string, readonly data?: { reason?: string; [k: string]: unknown }) {
    super(message);
  }
  /** The node's error code (`NOT_FRAUD`, `UNKNOWN_COMMITMENT`, …), else the JSON-RPC code. */
  get reason(): string {
    return this.data?.reason ?? String(this.code);
  }
}
const RpcError = NodeRpcError;

const METHOD_NOT_FOUND = -32601;

/**
 * JSON-RPC client of one chain's nodes: every call tries the URLs in order and takes the first good answer, so one
 * node that is down, lying or withholding does not blind the watcher as long as another serves the data.
 */
export class NodePool {
  /** URLs that have no pt_getEquivocation (honest nodes): not asked again. */
  private readonly noEquivocation = new Set<string>();

  constructor(readonly urls: readonly string[], private readonly opts: { timeoutMs: number; onFailure?: (url: string, e: unknown) => void }) {}

  /** Block `number` as committed (`hash`): from the first URL that serves exactly that block. */
  async block(number: number, hash: Hex, signal?: AbortSignal): Promise<BlockFetch> {
    const out: BlockFetch = { failed: [], without: [] };
    for (const url of this.urls) {
      try {
        const json = await this.call(url, 'pt_getBlockByNumber', [number], signal);
        const block = json === null ? undefined : blockFromJson(json);
        if (block && block.hash.toLowerCase() === hash) {
          out.block = block;
          return out;
        }
        out.without.push(url);
      } catch (e) {
        if (signal?.aborted) throw e;
        this.opts.onFailure?.(url, e);
        out.failed.push(url);
      }
    }
    return out;
  }

  /** A second signed header for height `number` served by any of the nodes (pt_getEquivocation), if one is. */
  async equivocation(number: number, signal?: AbortSignal): Promise<EquivocationEvidence | undefined> {
    for (const url of this.urls) {
      if (this.noEquivocation.has(url)) continue;
      let json: any;
      try {
        json = await this.call(url, 'pt_getEquivocation', [number], signal);
      } catch (e) {
        if (e instanceof RpcError && e.code === METHOD_NOT_FOUND) this.noEquivocation.add(url);
        continue;
      }
      if (!json) continue;
      const side = (s: any) => ({ blockHash: String(s.blockHash).toLowerCase() as Hex, header: headerFromJson(s.header), signatures: (s.signatures as string[]).map((x) => x.toLowerCase() as Hex) });
      return { url, committed: side(json.committed), other: side(json.other) };
    }
    return undefined;
  }

  /**
   * `method` on the first URL that answers: a JSON-RPC error answer is thrown as NodeRpcError (the node said no), a
   * URL that is down or times out is skipped; NODE_UNREACHABLE when none answered.
   */
  async request<T = any>(method: string, params: unknown[] = [], signal?: AbortSignal): Promise<T> {
    const failures: string[] = [];
    for (const url of this.urls) {
      try {
        return (await this.call(url, method, params, signal)) as T;
      } catch (e) {
        if (e instanceof NodeRpcError || signal?.aborted) throw e;
        this.opts.onFailure?.(url, e);
        failures.push(`${url}: ${(e as Error).message}`);
      }
    }
    throw watcherError('NODE_UNREACHABLE', `no node answered ${method} (${failures.join('; ')})`, `check the node URLs (${this.urls.join(', ')})`, { method, urls: [...this.urls] });
  }

  private async call(url: string, method: string, params: unknown[], signal?: AbortSignal): Promise<any> {
    const timeout = AbortSignal.timeout(this.opts.timeoutMs);
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
    });
    const body = (await res.json()) as { result?: unknown; error?: { code: number; message: string; data?: unknown } };
    if (body.error) throw new RpcError(body.error.code, `${method} on ${url}: ${body.error.message}`, (body.error as { data?: NodeRpcError['data'] }).data);
    return body.result;
  }
}
