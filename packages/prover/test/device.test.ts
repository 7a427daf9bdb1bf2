import { describe, expect, it } from 'vitest';
import { ProverError, isProverError } from '../src/errors.js';
import { acquireGpu, planChunks } from '../src/gpu/device.js';

describe('planChunks', () => {
  it('covers every item once, in order, within the byte and item limits, with near-equal chunks', () => {
    for (const [total, per, max, maxItems] of [
      [0, 64, 1024, Infinity],
      [1, 64, 64, Infinity],
      [1000, 64, 64 * 300, Infinity],
      [1001, 96, 1 << 20, 100],
      [(1 << 21) + 3, 64, 128 << 20, Infinity],
    ] as const) {
      const chunks = planChunks(total, per, max, maxItems);
      let next = 0;
      for (const c of chunks) {
        expect(c.start).toBe(next);
        expect(c.count).toBeGreaterThan(0);
        expect(c.count * per).toBeLessThanOrEqual(max);
        expect(c.count).toBeLessThanOrEqual(maxItems);
        next += c.count;
      }
      expect(next).toBe(total);
      if (chunks.length > 1) {
        const sizes = chunks.map((c) => c.count);
        expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
      }
    }
    expect(planChunks((1 << 21) + 3, 64, 128 << 20)).toHaveLength(2); // 2^21 points × 64 B = 128 MiB: one over
  });

  it('refuses an item larger than the limit', () => {
    expect(() => planChunks(3, 200, 100)).toThrow(ProverError);
  });
});

describe('acquireGpu errors', () => {
  it('an unknown backend is NO_GPU_ADAPTER with a hint naming the valid ones', async () => {
    const err = await acquireGpu({ backend: 'metal-on-linux' as never }).catch((e: unknown) => e);
    expect(isProverError(err, 'NO_GPU_ADAPTER')).toBe(true);
    const e = err as ProverError;
    expect(e.hint).toMatch(/auto, default, vulkan, opengl/);
    expect(e.toJSON()).toMatchObject({ code: 'NO_GPU_ADAPTER', data: { backend: 'metal-on-linux' } });
  });

  it('PLASMA_TREE_GPU_BACKEND is honoured', async () => {
    const saved = process.env.PLASMA_TREE_GPU_BACKEND;
    process.env.PLASMA_TREE_GPU_BACKEND = 'bogus';
    try {
      await expect(acquireGpu()).rejects.toSatisfy((e: unknown) => isProverError(e, 'NO_GPU_ADAPTER') && /bogus/.test((e as Error).message));
    } finally {
      if (saved === undefined) delete process.env.PLASMA_TREE_GPU_BACKEND;
      else process.env.PLASMA_TREE_GPU_BACKEND = saved;
    }
  });
});
