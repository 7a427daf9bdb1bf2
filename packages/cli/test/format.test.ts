import { describe, expect, it } from 'vitest';
import { PlasmaError } from '@plasma-tree/core';
import { formatAmount, formatDuration, compactDuration, table, formatError, parseAmount, resolveToken, renderTree, renderRoute } from '@plasma-tree/cli';
import { planRoute, type TreeNode } from '@plasma-tree/sdk';

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

describe('tree pictures', () => {
  const ETH = '0x0000000000000000000000000000000000000000';
  const DEV = '0xe7f1725e7734ce288f8367e1bb143e90bb3f0512';
  const id = (n: number) => `0x${n.toString(16).padStart(4, '0')}${'00'.repeat(28)}${n.toString(16).padStart(4, '0')}` as `0x${string}`;
  const node = (n: number, name: string, depth: number, extra: Partial<TreeNode> = {}): TreeNode => ({
    chainId: id(n), name, parentId: null, depth, validators: ['0x01', '0x02', '0x03'], threshold: 2, challengeWindow: 600,
    headNumber: 0, headWindowEnd: 0, subtreeBalances: new Map(), openWindows: [], openWindowCount: 0, children: [], ...extra,
  });
  //  L1 ─┬─ A ─┬─ A1 ── A1a
  //      │     └─ A2
  //      └─ B
  const a1a = node(4, 'A1a', 3, { headNumber: 3, headWindowEnd: 1300 });
  const a1 = node(3, 'A1', 2, { children: [a1a] });
  const a2 = node(5, 'A2', 2, { headNumber: 9, headWindowEnd: 1_000, subtreeBalances: new Map([[ETH, 10n ** 17n]]) });
  const a = node(1, 'A', 1, {
    headNumber: 12, headWindowEnd: 1_500, subtreeBalances: new Map([[ETH, 15n * 10n ** 17n], [DEV, 500n * 10n ** 18n]]),
    openWindows: [10, 11].map((number) => ({ number, windowEnd: 1000 + number, secondsLeft: 240 + number })), openWindowCount: 3, children: [a1, a2],
  });
  const b = node(2, 'B', 1, { headNumber: 1, headWindowEnd: 1_100, openWindows: [{ number: 1, windowEnd: 1_100, secondsLeft: 3_700 }], openWindowCount: 1 });
  const tree = node(0, 'L1', 0, { validators: [], threshold: 0, challengeWindow: 0, headNumber: 57, subtreeBalances: new Map([[ETH, 152n * 10n ** 16n], [DEV, 500n * 10n ** 18n]]), children: [a, b] });
  a1.children = [a1a];

  it('draws the chains from L1 down with aligned columns and a countdown per open window', () => {
    const out = plain(renderTree(tree, { tokens: [{ address: ETH, symbol: 'ETH', decimals: 18 }, { address: DEV, symbol: 'DEV', decimals: 18 }], l1ChainId: 31337, maxWindows: 2 }));
    expect(out.split('\n')).toEqual([
      '  chain         id           validators  head   ETH  DEV  challenge windows',
      '  ────────────  ───────────  ──────────  ────  ────  ───  ────────────────────────────────────────',
      '  L1            chain 31337  —            #57  1.52  500',
      '  ├─ A          0x0001…0001  2-of-3       #12   1.5  500  window #10 ends in 4m 10s',
      '  │  │                                                    window #11 ends in 4m 11s',
      '  │  │                                                    + 1 more, the last (#12) ends in 12m 20s',
      '  │  ├─ A1      0x0003…0003  2-of-3        #0     0    0  no blocks committed yet',
      '  │  │  └─ A1a  0x0004…0004  2-of-3        #3     0    0  all committed blocks final',
      '  │  └─ A2      0x0005…0005  2-of-3        #9   0.1    0  all committed blocks final',
      '  └─ B          0x0002…0002  2-of-3        #1     0    0  window #1 ends in 1h 1m',
    ]);
  });

  it('prints a route as a table of hops with a total', () => {
    const out = plain(renderRoute(planRoute(tree, id(4), id(2), { commitSeconds: 5, l1FinalitySeconds: 24 }), tree)).split('\n');
    expect(out.slice(0, 9)).toEqual([
      'Route A1a → B  via L1 · 4 hops · about 30m 39s',
      '',
      '  #  hop     from → to  waits for                                          expected',
      '  ─  ──────  ─────────  ─────────────────────────────────────────────────  ────────',
      '  1  ↑ up    A1a → A1   commit to A1 (5s) + challenge window of A1a (10m)    10m 5s',
      '  2  ↑ up    A1 → A     commit to A (5s) + challenge window of A1 (10m)      10m 5s',
      '  3  ↑ up    A → L1     commit to L1 (5s) + challenge window of A (10m)      10m 5s',
      '  4  ↓ down  L1 → B     L1 confirmations (24s)                                  24s',
      '                        total                                               30m 39s',
    ]);
    expect(out[10]).toBe('  1. withdraw on A1a; once its block is committed to A1 and the challenge window has passed, finalize on A1');
  });

  it('formats countdowns in their two largest units', () => {
    expect([0, 7, 250, 3600, 3660, 7 * 86_400 + 5].map(compactDuration)).toEqual(['0s', '7s', '4m 10s', '1h', '1h 1m', '7d']);
  });
});
