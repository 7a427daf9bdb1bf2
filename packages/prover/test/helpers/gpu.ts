/**
 * GPU test gate. GPU tests FAIL when no adapter can be created — CI runs them on llvmpipe, so a missing adapter
 * is a broken machine, not a reason to pass. On a machine that is known to have none, set PLASMA_TREE_NO_GPU=1:
 * the suites are then skipped, and say why in their names.
 */
import { beforeAll, beforeEach, describe } from 'vitest';
import { type AcquireGpuOptions, type ProverGpu, acquireGpu } from '../../src/gpu/device.js';

// Dawn's OpenGL backend on Mesa needs a surfaceless EGL platform (no display). Set before any adapter request.
process.env.EGL_PLATFORM ??= 'surfaceless';

export const NO_GPU = process.env.PLASMA_TREE_NO_GPU === '1';
export const NO_GPU_REASON = 'skipped: PLASMA_TREE_NO_GPU=1 (no WebGPU adapter on this machine)';

if (NO_GPU) console.warn(`[prover tests] GPU suites ${NO_GPU_REASON}`);

/** `describe` for suites that need a GPU adapter (llvmpipe counts). */
export function describeGpu(name: string, fn: () => void): void {
  if (NO_GPU) describe.skip(`${name} — ${NO_GPU_REASON}`, fn);
  else describe(name, fn);
}

/** Acquires the test device, turning a failure into a message that says what to do. */
export async function testGpu(opts: AcquireGpuOptions = {}): Promise<ProverGpu> {
  try {
    return await acquireGpu(opts);
  } catch (e) {
    throw new Error(
      `GPU tests need a WebGPU adapter (llvmpipe is enough) and none could be created: ${(e as Error).message}. ` +
        'On a machine known to have no adapter, set PLASMA_TREE_NO_GPU=1 to skip the GPU suites.',
      { cause: e },
    );
  }
}

/**
 * Runs `setup` once for the suite (typically: acquire the GPU). If it fails, every test of the suite fails with
 * its error — not only the hook — so a machine without an adapter shows N failed tests, never N skipped.
 */
export function suiteSetup(setup: () => Promise<void>): void {
  let error: unknown;
  beforeAll(async () => {
    try {
      await setup();
    } catch (e) {
      error = e;
    }
  });
  beforeEach(() => {
    if (error !== undefined) throw error;
  });
}
