import { describe, expect, it } from 'vitest';
import { PlasmaError } from '@plasma-tree/core';
import { resolveLayout, defaultThreshold, MIN_BOND, ROOT_MIN_BOND } from '@plasma-tree/devnet';

const defaults = { challengeWindow: 30, rpcPort: 8645 };

function code(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(PlasmaError);
    return (e as PlasmaError).code;
  }
  throw new Error('expected an error');
}

describe('chain layout (data, not code)', () => {
  it('fills in defaults: parent root, 2/3 threshold, window, bond, consecutive RPC ports', () => {
    expect(resolveLayout([{ name: 'A' }, { name: 'B', validators: 4 }], defaults)).toEqual([
      { name: 'A', parent: 'root', validators: 1, threshold: 1, challengeWindow: 30, bond: ROOT_MIN_BOND, rpcPort: 8645 },
      { name: 'B', parent: 'root', validators: 4, threshold: 3, challengeWindow: 30, bond: ROOT_MIN_BOND, rpcPort: 8646 },
    ]);
    // PlasmaRoot.MIN_BOND (0.2 ETH) for a child of the root, a chain's SPAWN_CHILD minimum (0.01 ETH) below that
    expect(ROOT_MIN_BOND).toBe(2n * 10n ** 17n);
    expect(resolveLayout([{ name: 'A' }, { name: 'A1', parent: 'A' }], defaults)[1].bond).toBe(MIN_BOND);
    expect([1, 2, 3, 4, 7].map(defaultThreshold)).toEqual([1, 2, 3, 3, 5]);
    expect(resolveLayout([{ name: 'A' }], { ...defaults, rpcPort: 0 })[0].rpcPort).toBe(0);
  });

  it('orders a tree parents first (root → A, B; A → A1, A2)', () => {
    const tree = resolveLayout([{ name: 'A1', parent: 'A' }, { name: 'A' }, { name: 'A2', parent: 'A' }, { name: 'B' }], { ...defaults, validators: 3, threshold: 2 });
    expect(tree.map((c) => `${c.parent}>${c.name}`)).toEqual(['root>A', 'root>B', 'A>A1', 'A>A2']);
    expect(tree.every((c) => c.validators === 3 && c.threshold === 2)).toBe(true);
  });

  it('refuses bad layouts with BAD_LAYOUT', () => {
    expect(code(() => resolveLayout([], defaults))).toBe('BAD_LAYOUT');
    expect(code(() => resolveLayout([{ name: 'A' }, { name: 'A' }], defaults))).toBe('BAD_LAYOUT');
    expect(code(() => resolveLayout([{ name: 'A', parent: 'Z' }], defaults))).toBe('BAD_LAYOUT');
    expect(code(() => resolveLayout([{ name: 'A', parent: 'B' }, { name: 'B', parent: 'A' }], defaults))).toBe('BAD_LAYOUT');
    expect(code(() => resolveLayout([{ name: 'A', validators: 2, threshold: 3 }], defaults))).toBe('BAD_LAYOUT');
    expect(code(() => resolveLayout([{ name: 'root' }], defaults))).toBe('BAD_LAYOUT');
    expect(code(() => resolveLayout([{ name: 'a b' }], defaults))).toBe('BAD_LAYOUT');
    expect(code(() => resolveLayout([{ name: 'A', bond: 1n }], defaults))).toBe('BAD_LAYOUT');
    expect(code(() => resolveLayout([{ name: 'A', bond: ROOT_MIN_BOND - 1n }], defaults))).toBe('BAD_LAYOUT');
    expect(code(() => resolveLayout([{ name: 'A' }, { name: 'A1', parent: 'A', bond: MIN_BOND - 1n }], defaults))).toBe('BAD_LAYOUT');
  });

  it('a stall limit (docs/FRAUD.md §8): kept when given, the challenge window .. 30 days, else BAD_LAYOUT', () => {
    const [a, a1] = resolveLayout([{ name: 'A', stallLimit: 30 }, { name: 'A1', parent: 'A', challengeWindow: 5, stallLimit: 8 }], defaults);
    expect([a.stallLimit, a1.stallLimit]).toEqual([30, 8]);
    expect(resolveLayout([{ name: 'A' }], defaults)[0]).not.toHaveProperty('stallLimit');
    expect(code(() => resolveLayout([{ name: 'A', stallLimit: 29 }], defaults))).toBe('BAD_LAYOUT');
    expect(code(() => resolveLayout([{ name: 'A', stallLimit: 30 * 86_400 + 1 }], defaults))).toBe('BAD_LAYOUT');
    expect(code(() => resolveLayout([{ name: 'A' }, { name: 'A1', parent: 'A', challengeWindow: 5, stallLimit: 4.5 }], defaults))).toBe('BAD_LAYOUT');
  });

  it('faultyValidator (FAULT INJECTION): kept with faults (default 0), an index 0..validators-1, else BAD_LAYOUT', () => {
    const faults = { kind: 'overspend' as const, once: false };
    const [a, b, c] = resolveLayout([{ name: 'A', validators: 4, faults, faultyValidator: 3 }, { name: 'B', validators: 4, faults }, { name: 'C', validators: 4 }], defaults);
    expect(a).toMatchObject({ faults, faultyValidator: 3 });
    expect(b).toMatchObject({ faults, faultyValidator: 0 });
    expect(c).not.toHaveProperty('faults');
    expect(c).not.toHaveProperty('faultyValidator');
    for (const bad of [4, -1, 1.5, Number.NaN, '1', 1n] as unknown[]) {
      expect(code(() => resolveLayout([{ name: 'A', validators: 4, faults, faultyValidator: bad as number }], defaults))).toBe('BAD_LAYOUT');
    }
    // A single validator: only index 0; the devnet's default validators count too.
    expect(code(() => resolveLayout([{ name: 'A', faults, faultyValidator: 1 }], defaults))).toBe('BAD_LAYOUT');
    expect(resolveLayout([{ name: 'A', faults, faultyValidator: 2 }], { ...defaults, validators: 3, threshold: 2 })[0].faultyValidator).toBe(2);
    // Without faults it would silently do nothing: refused.
    expect(code(() => resolveLayout([{ name: 'A', validators: 4, faultyValidator: 1 }], defaults))).toBe('BAD_LAYOUT');
    const err = (() => {
      try {
        resolveLayout([{ name: 'A', validators: 4, faults, faultyValidator: 4 }], defaults);
      } catch (e) {
        return e as PlasmaError;
      }
      throw new Error('expected an error');
    })();
    expect(err.message).toContain('faultyValidator must be 0..3');
    expect(err.hint).toMatch(/0 to 3/);
  });
});
