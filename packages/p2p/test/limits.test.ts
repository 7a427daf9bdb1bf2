import { describe, expect, it } from 'vitest';
import { PeerBook, RateLimits } from '../src/limits.js';

describe('limits', () => {
  it('token buckets allow a burst, then the rate', () => {
    const limits = new RateLimits();
    const take = (now: number) => limits.take('t', 'p', 2, 3, now);
    expect([take(0), take(0), take(0), take(0)]).toEqual([true, true, true, false]);
    expect([take(500), take(500)]).toEqual([true, false]); // 2/s → one token per 500 ms
    expect(limits.take('t', 'other', 2, 3, 500)).toBe(true); // per peer
    expect(limits.take('u', 'p', 2, 3, 500)).toBe(true); // per scope
    limits.prune(10_000);
    expect([take(10_000), take(10_000), take(10_000), take(10_000)]).toEqual([true, true, true, false]);
  });

  it('strikes within banMs ban for banMs, and old strikes are forgotten', () => {
    const book = new PeerBook({ banMs: 1000, maxStrikes: 3 });
    expect([book.strike('p', 0), book.strike('p', 100)]).toEqual([false, false]);
    expect(book.strikesOf('p', 100)).toBe(2);
    expect(book.strike('p', 2000)).toBe(false); // the window restarted
    expect(book.strikesOf('p', 2000)).toBe(1);
    expect([book.strike('p', 2100), book.strike('p', 2200)]).toEqual([false, true]);
    expect(book.isBanned('p', 2500)).toBe(true);
    expect(book.bannedCount(2500)).toBe(1);
    expect(book.strike('p', 2600)).toBe(false); // no strikes while banned
    expect(book.isBanned('p', 3200)).toBe(false);
    expect(book.strikesOf('p', 3200)).toBe(0);
  });
});
