import { P2PHost, type P2PHostOptions } from '../src/index.js';

/** Hosts started by a test; `closeAll` in afterEach closes them. */
export class Hosts {
  private readonly hosts: P2PHost[] = [];

  async start(options: P2PHostOptions = {}): Promise<P2PHost> {
    const host = await P2PHost.start({ redialMs: 200, gossip: { heartbeatMs: 100 }, ...options });
    this.hosts.push(host);
    return host;
  }

  async closeAll(): Promise<void> {
    await Promise.all(this.hosts.splice(0).map((h) => h.close()));
  }
}

/** Polls `condition` every `intervalMs` until it holds; throws after `timeoutMs` with `what`. */
export async function waitFor(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 10_000, intervalMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/**
 * Publishes fresh messages (`${prefix}-${i}`) every `intervalMs` until `received` holds: meshes take a few
 * heartbeats to form, and a message published before that reaches nobody.
 */
export async function publishUntil(what: string, publish: (bytes: Uint8Array) => Promise<void>, prefix: string, received: () => boolean, timeoutMs = 10_000, intervalMs = 100): Promise<void> {
  let i = 0;
  await waitFor(what, async () => {
    if (received()) return true;
    await publish(text(`${prefix}-${i++}`));
    return false;
  }, timeoutMs, intervalMs);
}

export const text = (s: string): Uint8Array => new TextEncoder().encode(s);
export const untext = (b: Uint8Array): string => new TextDecoder().decode(b);
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Collects what a topic delivers on one host. */
export function inbox() {
  const got: { message: string; from: string }[] = [];
  return {
    got,
    messages: () => got.map((m) => m.message),
    has: (pred: (m: string) => boolean) => got.some((m) => pred(m.message)),
    onMessage: (message: string, from: string) => void got.push({ message, from }),
  };
}

/** A topic spec that accepts everything (limits generous), for hosts whose topic is not under test. */
export const open = { maxBytes: 4096, ratePerSecond: 1000, burst: 1000, decode: untext, validate: () => 'accept' as const };
