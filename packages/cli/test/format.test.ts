import { describe, expect, it } from 'vitest';
import { PlasmaError } from '@plasma-tree/core';
import { formatAmount, formatDuration, table, formatError, parseAmount, resolveToken } from '@plasma-tree/cli';

// eslint-disable-next-line no-control-regex
const plain = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, '');

describe('output formatting', () => {
  it('formats amounts with grouping, without trailing zeros, and never hides a tiny amount', () => {
    expect(formatAmount(10n ** 24n, 18)).toBe('1,000,000');
    expect(formatAmount(25n * 10n ** 16n, 18)).toBe('0.25');
    expect(formatAmount(123456789012345678901234n, 18)).toBe('123,456.789012…');
    expect(formatAmount(5n, 18)).toBe('0.000000000000000005');
    expect(formatAmount(0n, 6)).toBe('0');
  });

  it('formats durations as clocks', () => {
    expect(formatDuration(0)).toBe('0:00');
    expect(formatDuration(75)).toBe('1:15');
    expect(formatDuration(3700)).toBe('1:01:40');
    expect(formatDuration(7 * 86_400 + 61)).toBe('7d 00:01:01');
  });

  it('aligns table columns, numbers to the right', () => {
    const t = plain(table([['ETH', '0.75'], ['DEV', '1,000,000']], { head: ['token', 'balance'], alignRight: [1] })).split('\n');
    expect(t).toEqual(['  token    balance', '  ─────  ─────────', '  ETH         0.75', '  DEV    1,000,000']);
  });

  it('prints errors as `error CODE: message` with the hint on the next line', () => {
    const out = plain(formatError(new PlasmaError('NODE_UNREACHABLE', 'cannot reach the node at http://x', { hint: 'is it running?' })));
    expect(out).toBe('error NODE_UNREACHABLE: cannot reach the node at http://x\n  hint: is it running?\n');
    expect(plain(formatError(new Error('boom')))).toMatch(/^error INTERNAL: boom\n  hint: /);
  });
});

describe('arguments', () => {
  it('parses decimal amounts in token units and refuses nonsense', () => {
    expect(parseAmount('1.5', 18, 'ETH')).toBe(15n * 10n ** 17n);
    expect(parseAmount('.5', 6, 'USDC')).toBe(500_000n);
    for (const bad of ['-1', '1e18', 'abc', '0', '1.0000001']) {
      expect(() => parseAmount(bad, bad === '1.0000001' ? 6 : 18, 'X'), bad).toThrow(PlasmaError);
    }
  });

  it('resolves ETH, the devnet token symbol and addresses', () => {
    const devnet = { token: { symbol: 'DEV', address: '0xe7f1725e7734ce288f8367e1bb143e90bb3f0512' } } as any;
    expect(resolveToken('eth', undefined)).toBe('0x0000000000000000000000000000000000000000');
    expect(resolveToken('DEV', devnet)).toBe(devnet.token.address);
    expect(resolveToken('0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512', undefined)).toBe(devnet.token.address);
    expect(() => resolveToken('DEV', undefined)).toThrow(/unknown token/);
  });
});
