/**
 * ffjavascript's BN254 engine, as snarkjs hands it out. The multi-threaded engine is a process-wide singleton
 * (`globalThis.curve_bn128`) that snarkjs itself uses, and `terminate()` stops its workers for everyone. So users
 * here are counted: the last release terminates it only if this module created it (someone who made it before,
 * e.g. a snarkjs call, keeps it); a singleton replaced behind our back (another user terminated it) is noticed
 * and re-acquired instead of hanging on dead workers.
 */
import { type SnarkjsCurve, curves } from 'snarkjs';

interface Shared {
  curve: SnarkjsCurve;
  refs: number;
  created: boolean;
}

let shared: Shared | undefined;
let pending: Promise<Shared> | undefined;

const globalCurve = (): unknown => (globalThis as { curve_bn128?: unknown }).curve_bn128;

async function sharedCurve(): Promise<Shared> {
  if (shared && globalCurve() === shared.curve) return shared;
  pending ??= (async () => {
    const created = !globalCurve();
    const curve = await curves.getCurveFromName('bn128', { singleThread: false });
    // A stale entry (terminated by someone else) keeps its count: those users now share the new engine.
    shared = { curve, refs: shared?.refs ?? 0, created: created || (shared?.created ?? false) };
    return shared;
  })().finally(() => {
    pending = undefined;
  });
  return pending;
}

export interface CurveLease {
  /** The live engine (re-fetched if the singleton was replaced since the lease was taken). */
  get(): Promise<SnarkjsCurve>;
  release(): Promise<void>;
}

/**
 * A lease on ffjavascript's engine: the shared multi-threaded one, or a private in-process one
 * (`singleThread`, no workers, nothing to stop).
 */
export async function leaseCurve(singleThread = false): Promise<CurveLease> {
  if (singleThread) {
    const curve = await curves.getCurveFromName('bn128', { singleThread: true });
    return { get: async () => curve, release: async () => {} };
  }
  const s = await sharedCurve();
  s.refs++;
  let released = false;
  return {
    get: async () => (await sharedCurve()).curve,
    release: async () => {
      if (released) return;
      released = true;
      const cur = shared;
      if (!cur) return;
      cur.refs--;
      if (cur.refs > 0) return;
      shared = undefined;
      if (cur.created && globalCurve() === cur.curve) await cur.curve.terminate();
    },
  };
}
