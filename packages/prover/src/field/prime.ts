/**
 * Reference arithmetic in a prime field with bigint. This is the CPU oracle the GPU code is checked against:
 * clarity over speed, every result canonical (in [0, p)).
 *
 * The fast methods (`add`, `sub`, `mul`, ...) require canonical inputs; `mod` accepts any bigint.
 */
export class PrimeField {
  readonly p: bigint;
  readonly bits: number;
  private readonly montCache = new Map<number, { r: bigint; rInv: bigint }>();

  constructor(p: bigint) {
    if (p < 3n || p % 2n === 0n) throw new RangeError('PrimeField needs an odd prime');
    this.p = p;
    this.bits = p.toString(2).length;
  }

  /** Canonical representative of any integer. */
  mod(a: bigint): bigint {
    const m = a % this.p;
    return m < 0n ? m + this.p : m;
  }

  isValid(a: bigint): boolean {
    return a >= 0n && a < this.p;
  }

  add(a: bigint, b: bigint): bigint {
    const s = a + b;
    return s >= this.p ? s - this.p : s;
  }

  sub(a: bigint, b: bigint): bigint {
    const d = a - b;
    return d < 0n ? d + this.p : d;
  }

  neg(a: bigint): bigint {
    return a === 0n ? 0n : this.p - a;
  }

  mul(a: bigint, b: bigint): bigint {
    return (a * b) % this.p;
  }

  sqr(a: bigint): bigint {
    return (a * a) % this.p;
  }

  /** a^e for e ≥ 0. */
  pow(a: bigint, e: bigint): bigint {
    if (e < 0n) throw new RangeError('negative exponent');
    let result = 1n;
    let base = this.mod(a);
    while (e > 0n) {
      if (e & 1n) result = (result * base) % this.p;
      base = (base * base) % this.p;
      e >>= 1n;
    }
    return result;
  }

  /** Multiplicative inverse (extended Euclid). Throws on 0. */
  inv(a: bigint): bigint {
    let r0 = this.p;
    let r1 = this.mod(a);
    if (r1 === 0n) throw new RangeError('inverse of zero');
    let t0 = 0n;
    let t1 = 1n;
    while (r1 !== 0n) {
      const q = r0 / r1;
      [r0, r1] = [r1, r0 - q * r1];
      [t0, t1] = [t1, t0 - q * t1];
    }
    return this.mod(t0);
  }

  /** A square root of a (the one returned is a^((p+1)/4)), or undefined if a is not a square. p ≡ 3 (mod 4) only. */
  sqrt(a: bigint): bigint | undefined {
    if (this.p % 4n !== 3n) throw new Error('sqrt is implemented for p ≡ 3 (mod 4) only');
    const s = this.pow(a, (this.p + 1n) / 4n);
    return (s * s) % this.p === this.mod(a) ? s : undefined;
  }

  private mont(rBits: number): { r: bigint; rInv: bigint } {
    let m = this.montCache.get(rBits);
    if (!m) {
      const r = this.mod(1n << BigInt(rBits));
      m = { r, rInv: this.inv(r) };
      this.montCache.set(rBits, m);
    }
    return m;
  }

  /** Montgomery form with R = 2^rBits: a·R mod p. */
  toMont(a: bigint, rBits: number): bigint {
    return (this.mod(a) * this.mont(rBits).r) % this.p;
  }

  /** Inverse of `toMont`: a·R⁻¹ mod p. Accepts any integer (e.g. a raw 256-bit word that is ≥ p). */
  fromMont(a: bigint, rBits: number): bigint {
    return (this.mod(a) * this.mont(rBits).rInv) % this.p;
  }

  /** Montgomery product a·b·R⁻¹ mod p: what a Montgomery multiplier with R = 2^rBits returns. */
  montMul(a: bigint, b: bigint, rBits: number): bigint {
    return (((a * b) % this.p) * this.mont(rBits).rInv) % this.p;
  }
}
