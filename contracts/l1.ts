/**
 * Asking an L1 node for its chain id with plain fetch (bounded by a 10 s timeout), so that an unreachable L1 fails
 * fast instead of in ethers' endless network detection. Shared by the node and the watcher, which each turn the
 * failure into their own coded error with their own hint.
 */
export type L1Probe =
  | { ok: true; chainId: bigint }
  /** `unreachable`: no HTTP answer; `no-result`: an answer that is not an eth_chainId result. */
  | { ok: false; reason: 'unreachable' | 'no-result'; message: string };

export async function probeL1ChainId(url: string, signal?: AbortSignal): Promise<L1Probe> {
  let body: { result?: unknown; error?: { message?: string } };
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] }),
      signal: signal ? AbortSignal.any([signal, AbortSignal.timeout(10_000)]) : AbortSignal.timeout(10_000),
    });
    body = (await res.json()) as typeof body;
  } catch (e) {
    return { ok: false, reason: 'unreachable', message: (e as Error).message };
  }
  if (typeof body.result !== 'string') return { ok: false, reason: 'no-result', message: body.error?.message ?? 'no result' };
  return { ok: true, chainId: BigInt(body.result) };
}
