/** Token buckets keyed by (scope, peer): `ratePerSecond` refill, at most `burst` tokens, one token per message. */
export class RateLimits {
  private readonly buckets = new Map<string, { tokens: number; at: number; idleMs: number }>();

  /** Takes one token from `peer`'s bucket in `scope`; false when the bucket is empty. */
  take(scope: string, peer: string, ratePerSecond: number, burst: number, now = Date.now()): boolean {
    const key = `${scope}\n${peer}`;
    let bucket = this.buckets.get(key);
    if (bucket === undefined) {
      // Time for an empty bucket to refill: after that it is indistinguishable from a new one and can be dropped.
      bucket = { tokens: burst, at: now, idleMs: Math.ceil((burst / Math.max(ratePerSecond, 1e-9)) * 1000) };
      this.buckets.set(key, bucket);
    }
    bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.at) / 1000) * ratePerSecond);
    bucket.at = now;
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }

  /** Forgets full buckets, so the map only holds peers that were active lately. */
  prune(now = Date.now()): void {
    for (const [key, bucket] of this.buckets) if (now - bucket.at >= bucket.idleMs) this.buckets.delete(key);
  }
}

/**
 * Strikes and bans. A strike is one rejected message or refused request; `maxStrikes` within `banMs` bans the
 * peer for `banMs`. Strikes older than `banMs` are forgotten, so an honest peer that now and then relays a
 * message we judge invalid (a nonce race, a stale vote) is never banned for it.
 */
export class PeerBook {
  private readonly strikes = new Map<string, { count: number; since: number }>();
  private readonly bans = new Map<string, number>();

  constructor(private readonly opts: { banMs: number; maxStrikes: number }) {}

  /** Records a strike; true when this strike bans the peer. */
  strike(peer: string, now = Date.now()): boolean {
    if (this.isBanned(peer, now)) return false;
    let entry = this.strikes.get(peer);
    if (entry === undefined || now - entry.since > this.opts.banMs) {
      entry = { count: 0, since: now };
      this.strikes.set(peer, entry);
    }
    entry.count++;
    if (entry.count < this.opts.maxStrikes) return false;
    this.strikes.delete(peer);
    this.bans.set(peer, now + this.opts.banMs);
    return true;
  }

  strikesOf(peer: string, now = Date.now()): number {
    const entry = this.strikes.get(peer);
    return entry === undefined || now - entry.since > this.opts.banMs ? 0 : entry.count;
  }

  isBanned(peer: string, now = Date.now()): boolean {
    const until = this.bans.get(peer);
    if (until === undefined) return false;
    if (now < until) return true;
    this.bans.delete(peer);
    return false;
  }

  bannedCount(now = Date.now()): number {
    let n = 0;
    for (const peer of [...this.bans.keys()]) if (this.isBanned(peer, now)) n++;
    return n;
  }

  prune(now = Date.now()): void {
    for (const [peer, entry] of this.strikes) if (now - entry.since > this.opts.banMs) this.strikes.delete(peer);
    this.bannedCount(now);
  }
}
