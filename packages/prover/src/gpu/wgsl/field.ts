/**
 * WGSL for the BN254 fields, generated from the bigint constants (no hand-copied magic numbers): the base field
 * Fp (`fieldWgsl(mul)`, functions `fp_*`) and, with the same code shape, the scalar field Fr
 * (`fieldWgsl({ prefix: 'fr', modulus: BN254_R })`, functions `fr_*`, used by the NTT). Everything below holds
 * for any odd modulus below 2^254 (both p and r are 254-bit).
 *
 * ## Limb choice: 20 limbs × 13 bits in u32 lanes, Montgomery R = 2^260
 * WGSL has no 64-bit integers and no high-half multiply, so a limb product must fit in a u32.
 * - 16 × 16-bit limbs: a product is 32 bits, so every multiply-accumulate needs a carry split (mask + shift +
 *   add) right away: ~5 ops per inner step, 2·16² + 16 = 528 steps per Montgomery product → ~2,600 ops.
 * - 20 × 13-bit limbs: a product is < 2^26, so a column can absorb up to 64 of them before a u32 overflows. In
 *   the interleaved (CIOS-style) Montgomery product below, a result column receives at most 20 products of
 *   a·b and 20 of m·p plus one carry: 40·(2^13 − 1)² + 2^19 < 2^32 — so no carry is propagated inside the
 *   loops at all; only column i's carry is pushed into column i+1 once its low 13 bits are cleared. About
 *   2·20² multiply-adds → ~1,700 ops, i.e. ~35 % fewer than 16-bit limbs. This is the 13-bit choice of the
 *   ZPrize 2023 WebGPU MSM winners (Derei & Koh), re-derived here for BN254.
 * - 260 bits leave 6 spare bits above p (254 bits), so R = 2^260 > 4p and sums of two canonical values never
 *   overflow the top limb.
 *
 * Every function returns canonical values (limbs < 2^13, value < p). That costs a conditional subtraction per
 * operation but makes results unique, so "bit-identical to the CPU oracle" is a meaningful check at every
 * step. Everything is straight-line code (generated), so there is no dynamic array indexing for a compiler to
 * spill to memory.
 */
import { BN254_P } from '../../field/constants.js';
import { PrimeField } from '../../field/prime.js';
import { GPU_MONT_BITS, LIMB_BITS, LIMB_MASK, NUM_LIMBS, WORDS_PER_FP, toLimbs } from './repr.js';

/** Which field to generate: WGSL names are `${prefix}_add`, type `${Prefix}`, constants `${PREFIX}_ONE`. */
export interface FieldSpec {
  /** Lower-case identifier prefix, e.g. `fp`, `fr`. */
  prefix: string;
  /** Odd modulus < 2^254 (the carry-free product bound and the 5-subtraction ffjavascript reduction need it). */
  modulus: bigint;
}

export const FP_FIELD: FieldSpec = { prefix: 'fp', modulus: BN254_P };

/** Per-field constants and name helpers. */
interface Gen {
  prefix: string;
  /** WGSL type alias (`Fp`, `Fr`). */
  T: string;
  /** Upper-case constant prefix (`FP`, `FR`). */
  C: string;
  modulus: bigint;
  field: PrimeField;
  limbs: number[];
  /** −m⁻¹ mod 2^13, for the Montgomery reduction digit. */
  invNeg: number;
}

const gens = new Map<string, Gen>();
function gen(spec: FieldSpec): Gen {
  const key = `${spec.prefix}:${spec.modulus}`;
  let g = gens.get(key);
  if (!g) {
    if (!/^[a-z][a-z0-9]*$/.test(spec.prefix)) throw new RangeError(`field prefix "${spec.prefix}" is not a lower-case identifier`);
    if (spec.modulus < 3n || spec.modulus % 2n === 0n || spec.modulus >> 254n !== 0n) throw new RangeError('the modulus must be odd and below 2^254');
    const b = 1n << BigInt(LIMB_BITS);
    g = {
      prefix: spec.prefix,
      T: spec.prefix[0].toUpperCase() + spec.prefix.slice(1),
      C: spec.prefix.toUpperCase(),
      modulus: spec.modulus,
      field: new PrimeField(spec.modulus),
      limbs: toLimbs(spec.modulus),
      invNeg: Number(b - modInverse(spec.modulus % b, b)),
    };
    gens.set(key, g);
  }
  return g;
}

function modInverse(a: bigint, m: bigint): bigint {
  for (let x = 1n; x < m; x++) if ((a * x) % m === 1n) return x;
  throw new Error('no inverse');
}

const u = (n: number): string => `${n}u`;
const limbConst = (limbs: readonly number[]): string => `array<u32, ${NUM_LIMBS}>(${limbs.map(u).join(', ')})`;
const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
/** The modulus' letter in comments: p for `fp`, r for `fr`. */
const modName = (g: Gen): string => (/^f[a-z]$/.test(g.prefix) ? g.prefix[1] : 'm');

function genAdd(g: Gen): string {
  const { prefix: f, T } = g;
  const lines = [`fn ${f}_add(a: ${T}, b: ${T}) -> ${T} {`, `  var r: ${T};`, `  var v: u32 = a[0] + b[0];`, `  r[0] = v & LIMB_MASK;`];
  for (let i = 1; i < NUM_LIMBS; i++) lines.push(`  v = a[${i}] + b[${i}] + (v >> LIMB_BITS);`, `  r[${i}] = v & LIMB_MASK;`);
  lines.push(`  return ${f}_reduce_once(r);`, `}`);
  return lines.join('\n');
}

/** a − m if a ≥ m, else a; for 0 ≤ a < 2^260 (computes a + ~m + 1 limb-wise and keeps it if no borrow). */
function genReduceOnce(g: Gen): string {
  const { prefix: f, T } = g;
  const lines = [`fn ${f}_reduce_once(a: ${T}) -> ${T} {`, `  var d: ${T};`, `  var v: u32;`, `  var c: u32 = 1u;`];
  for (let i = 0; i < NUM_LIMBS; i++) {
    lines.push(`  v = a[${i}] + ${u(LIMB_MASK - g.limbs[i])} + c;`, `  d[${i}] = v & LIMB_MASK;`, `  c = v >> LIMB_BITS;`);
  }
  lines.push(`  // c = 1: no borrow, a ≥ ${modName(g)}, keep d.`, `  let m = 0u - c;`, `  var r: ${T};`);
  for (let i = 0; i < NUM_LIMBS; i++) lines.push(`  r[${i}] = (d[${i}] & m) | (a[${i}] & ~m);`);
  lines.push(`  return r;`, `}`);
  return lines.join('\n');
}

/** a − b mod m for canonical a, b: limb-wise a + ~b + 1, then + m when it borrowed. */
function genSub(g: Gen): string {
  const { prefix: f, T } = g;
  const lines = [`fn ${f}_sub(a: ${T}, b: ${T}) -> ${T} {`, `  var d: ${T};`, `  var v: u32;`, `  var c: u32 = 1u;`];
  for (let i = 0; i < NUM_LIMBS; i++) {
    lines.push(`  v = a[${i}] + (LIMB_MASK - b[${i}]) + c;`, `  d[${i}] = v & LIMB_MASK;`, `  c = v >> LIMB_BITS;`);
  }
  lines.push(`  // c = 0: a < b, add ${modName(g)} (the carry out of the top limb cancels the borrow).`, `  let m = c - 1u;`, `  c = 0u;`, `  var r: ${T};`);
  for (let i = 0; i < NUM_LIMBS; i++) {
    lines.push(`  v = d[${i}] + (${u(g.limbs[i])} & m) + c;`, `  r[${i}] = v & LIMB_MASK;`, `  c = v >> LIMB_BITS;`);
  }
  lines.push(`  return r;`, `}`);
  return lines.join('\n');
}

/**
 * Montgomery product a·b·2^-260 mod m, interleaved (CIOS) with lazy carries. Column k is the local `t{k}`:
 * step i adds a·b_i into columns i..i+19, picks m_i so that column i becomes ≡ 0 (mod 2^13), adds m_i·m into
 * the same columns and moves column i's carry into column i+1. Columns 20..39 then hold (a·b + M·m)/2^260 <
 * 2m (M = Σ m_i·2^13i) in non-normalised form; one carry pass and a conditional subtraction make it canonical.
 * The bound only needs limbs < 2^13 and a·b < m·2^260, so `a` may be any 260-bit value when `b` is canonical
 * (used to reduce and convert raw 256-bit words in one product).
 */
function genMul(g: Gen): string {
  const { prefix: f, T } = g;
  const lines = [`fn ${f}_mul(a: ${T}, b: ${T}) -> ${T} {`];
  for (const j of range(NUM_LIMBS)) lines.push(`  let a${j} = a[${j}];`);
  const declared = new Set<number>();
  for (const i of range(NUM_LIMBS)) {
    lines.push(`  // step ${i}`, `  let b${i} = b[${i}];`);
    for (const j of range(NUM_LIMBS)) {
      const k = i + j;
      if (declared.has(k)) lines.push(`  t${k} += a${j} * b${i};`);
      else {
        lines.push(`  var t${k}: u32 = a${j} * b${i};`);
        declared.add(k);
      }
    }
    lines.push(`  let m${i} = (t${i} * ${u(g.invNeg)}) & LIMB_MASK;`);
    for (const j of range(NUM_LIMBS)) lines.push(`  t${i + j} += m${i} * ${u(g.limbs[j])};`);
    lines.push(`  t${i + 1} += t${i} >> LIMB_BITS;`);
  }
  // Columns 20..38 hold the result (column 39 is empty); normalise to 13-bit limbs.
  lines.push(`  var r: ${T};`, `  var v: u32 = t${NUM_LIMBS};`, `  r[0] = v & LIMB_MASK;`);
  for (let j = 1; j < NUM_LIMBS; j++) {
    const col = NUM_LIMBS + j;
    lines.push(col < 2 * NUM_LIMBS - 1 ? `  v = t${col} + (v >> LIMB_BITS);` : `  v = v >> LIMB_BITS;`, `  r[${j}] = v & LIMB_MASK;`);
  }
  lines.push(`  return ${f}_reduce_once(r);`, `}`);
  return lines.join('\n');
}

/**
 * The same product with the step loop kept rolled: the body of one step is straight-line (constant indices,
 * so it stays in registers) and the 20 columns shift down by one limb per step instead of being renamed.
 * Roughly 1/9 of the code of `genMul`, which matters where every call is inlined and compiled by LLVM on the CPU
 * (Mesa llvmpipe): a point addition compiles in about a second instead of several.
 */
function genMulRolled(g: Gen): string {
  const { prefix: f, T } = g;
  const n = NUM_LIMBS;
  const lines = [`fn ${f}_mul(a: ${T}, b: ${T}) -> ${T} {`];
  for (const j of range(n)) lines.push(`  let a${j} = a[${j}];`);
  for (const j of range(n)) lines.push(`  var t${j}: u32 = 0u;`);
  lines.push(`  for (var i = 0u; i < ${u(n)}; i++) {`, `    let bi = b[i];`);
  for (const j of range(n)) lines.push(`    t${j} += a${j} * bi;`);
  lines.push(`    let m = (t0 * ${u(g.invNeg)}) & LIMB_MASK;`);
  for (const j of range(n)) lines.push(`    t${j} += m * ${u(g.limbs[j])};`);
  lines.push(`    let c = t0 >> LIMB_BITS;`);
  for (let j = 0; j < n - 1; j++) lines.push(`    t${j} = t${j + 1};`);
  lines.push(`    t${n - 1} = 0u;`, `    t0 += c;`, `  }`);
  lines.push(`  var r: ${T};`, `  var v: u32 = t0;`, `  r[0] = v & LIMB_MASK;`);
  for (let j = 1; j < n; j++) lines.push(`  v = t${j} + (v >> LIMB_BITS);`, `  r[${j}] = v & LIMB_MASK;`);
  lines.push(`  return ${f}_reduce_once(r);`, `}`);
  return lines.join('\n');
}

/** 256-bit packed words → limbs (no reduction). Limb i is bits [13i, 13i + 13). */
function genUnpack(g: Gen): string {
  const { prefix: f, T } = g;
  const lines = [`fn ${f}_unpack(w: array<u32, ${WORDS_PER_FP}>) -> ${T} {`, `  var r: ${T};`];
  for (const i of range(NUM_LIMBS)) {
    const bit = LIMB_BITS * i;
    const word = Math.floor(bit / 32);
    const shift = bit % 32;
    if (word >= WORDS_PER_FP) {
      lines.push(`  r[${i}] = 0u;`);
      continue;
    }
    let expr = shift === 0 ? `w[${word}]` : `(w[${word}] >> ${u(shift)})`;
    if (shift + LIMB_BITS > 32 && word + 1 < WORDS_PER_FP) expr += ` | (w[${word + 1}] << ${u(32 - shift)})`;
    lines.push(`  r[${i}] = (${expr}) & LIMB_MASK;`);
  }
  lines.push(`  return r;`, `}`);
  return lines.join('\n');
}

/** Limbs of a value < 2^256 → 8 packed words. */
function genPack(g: Gen): string {
  const { prefix: f, T } = g;
  const lines = [`fn ${f}_pack(a: ${T}) -> array<u32, ${WORDS_PER_FP}> {`, `  var w: array<u32, ${WORDS_PER_FP}>;`];
  for (const k of range(WORDS_PER_FP)) {
    const parts: string[] = [];
    for (const i of range(NUM_LIMBS)) {
      const lo = LIMB_BITS * i;
      const hi = lo + LIMB_BITS;
      if (hi <= 32 * k || lo >= 32 * (k + 1)) continue;
      const sh = lo - 32 * k;
      parts.push(sh >= 0 ? (sh === 0 ? `a[${i}]` : `(a[${i}] << ${u(sh)})`) : `(a[${i}] >> ${u(-sh)})`);
    }
    lines.push(`  w[${k}] = ${parts.join(' | ')};`);
  }
  lines.push(`  return w;`, `}`);
  return lines.join('\n');
}

function genIsZero(g: Gen): string {
  return [`fn ${g.prefix}_is_zero(a: ${g.T}) -> bool {`, `  return (${range(NUM_LIMBS).map((i) => `a[${i}]`).join(' | ')}) == 0u;`, `}`].join('\n');
}

function genEq(g: Gen): string {
  return [`fn ${g.prefix}_eq(a: ${g.T}, b: ${g.T}) -> bool {`, `  return (${range(NUM_LIMBS).map((i) => `(a[${i}] ^ b[${i}])`).join(' | ')}) == 0u;`, `}`].join('\n');
}

/**
 * How `fp_mul` is emitted. Both return the same canonical values; they differ in code size and register use.
 * - `unrolled`: 20 × 40 straight-line multiply-adds, no data movement. For real GPUs (Vulkan).
 * - `rolled`: one step's body in a 20-iteration loop. For llvmpipe, where compile time dominates.
 */
export type MulVariant = 'unrolled' | 'rolled';

/** The variant for a backend: `rolled` on OpenGL (llvmpipe), `unrolled` elsewhere. */
export function defaultMulVariant(backend: string): MulVariant {
  return backend === 'opengl' ? 'rolled' : 'unrolled';
}

export interface FieldWgslOptions extends FieldSpec {
  mul?: MulVariant;
  /**
   * Emit the shared `LIMB_BITS`/`LIMB_MASK` constants (default true). Pass false for a second field in a module
   * that already has them (e.g. Fp and Fr together).
   */
  limbConstants?: boolean;
}

/**
 * The field library: constants, add/sub/neg/mul, pack/unpack, the ffjavascript conversion; for Fp also ×3b
 * (the curve constant). `fieldWgsl(mul)` is BN254 Fp, as before the generator took a field.
 */
export function fieldWgsl(opts: MulVariant | FieldWgslOptions = 'unrolled'): string {
  const o: FieldWgslOptions = typeof opts === 'string' ? { ...FP_FIELD, mul: opts } : opts;
  const g = gen(o);
  const { prefix: f, T, C } = g;
  const m = modName(g);
  const mul = o.mul ?? 'unrolled';
  const consts =
    o.limbConstants === false ? '' : `const LIMB_BITS: u32 = ${u(LIMB_BITS)};\nconst LIMB_MASK: u32 = ${u(LIMB_MASK)};\n`;
  // 3b·a for the curve y² = x³ + 3 lives with the base field only.
  const mulB3 =
    o.modulus === BN254_P
      ? `// 3b·a = 9a with additions (cheaper than a Montgomery product by a constant).
fn ${f}_mul_b3(a: ${T}) -> ${T} {
  let a2 = ${f}_add(a, a);
  let a4 = ${f}_add(a2, a2);
  let a8 = ${f}_add(a4, a4);
  return ${f}_add(a8, a);
}

`
      : '';
  return `// ---- BN254 ${T}: ${NUM_LIMBS} × ${LIMB_BITS}-bit limbs, Montgomery R = 2^${GPU_MONT_BITS} (generated by src/gpu/wgsl/field.ts)
alias ${T} = array<u32, ${NUM_LIMBS}>;
${consts}const ${C}_ZERO: ${T} = ${limbConst(range(NUM_LIMBS).map(() => 0))};
const ${C}_ONE: ${T} = ${limbConst(toLimbs(g.field.toMont(1n, GPU_MONT_BITS)))};

${genReduceOnce(g)}

${genAdd(g)}

${genSub(g)}

fn ${f}_neg(a: ${T}) -> ${T} {
  return ${f}_sub(${C}_ZERO, a);
}

${mul === 'unrolled' ? genMul(g) : genMulRolled(g)}

fn ${f}_sqr(a: ${T}) -> ${T} {
  return ${f}_mul(a, a);
}

${mulB3}${genIsZero(g)}

${genEq(g)}

${genUnpack(g)}

${genPack(g)}

// An ffjavascript/.zkey coordinate (Montgomery with R = 2^256, any 256-bit word) → canonical Montgomery with
// R = 2^260: reduce mod ${m} (a 256-bit word is < 6${m}, so five conditional subtractions), then · 2^4.
fn ${f}_from_ffjs(w: array<u32, ${WORDS_PER_FP}>) -> ${T} {
  var a = ${f}_unpack(w);
  a = ${f}_reduce_once(a);
  a = ${f}_reduce_once(a);
  a = ${f}_reduce_once(a);
  a = ${f}_reduce_once(a);
  a = ${f}_reduce_once(a);
  a = ${f}_add(a, a);
  a = ${f}_add(a, a);
  a = ${f}_add(a, a);
  return ${f}_add(a, a);
}
`;
}

/**
 * Conversions between the GPU's Montgomery form and the other forms an element arrives in (needs `fieldWgsl`
 * of the same field in the module). Kept out of `fieldWgsl` so that the Fp library stays as it was.
 * - `${f}_to_mont(w)`: standard form, any 256-bit word (reduced) → canonical Montgomery (R = 2^260): one
 *   product by R² mod m, which the product's bound allows for any 260-bit left operand.
 * - `${f}_from_mont(a)`: Montgomery → canonical standard form (a product by the raw integer 1).
 * - `${f}_to_ffjs(a)`: Montgomery R = 2^260 → ffjavascript's R = 2^256 (a product by raw 2^256 mod m).
 * - `${f}_reduce_word(w)`: any 256-bit word → canonical limbs, form unchanged (five conditional subtractions).
 */
export function fieldConversionsWgsl(spec: FieldSpec): string {
  const g = gen(spec);
  const { prefix: f, T, C } = g;
  const r2 = toLimbs(g.field.mod(1n << BigInt(2 * GPU_MONT_BITS)));
  const r256 = toLimbs(g.field.mod(1n << 256n));
  return `// ---- ${T} form conversions (generated by src/gpu/wgsl/field.ts)
const ${C}_R2: ${T} = ${limbConst(r2)};
const ${C}_RAW_ONE: ${T} = ${limbConst(toLimbs(1n))};
const ${C}_RAW_2_256: ${T} = ${limbConst(r256)};

fn ${f}_to_mont(w: array<u32, ${WORDS_PER_FP}>) -> ${T} {
  return ${f}_mul(${f}_unpack(w), ${C}_R2);
}

fn ${f}_from_mont(a: ${T}) -> ${T} {
  return ${f}_mul(a, ${C}_RAW_ONE);
}

fn ${f}_to_ffjs(a: ${T}) -> ${T} {
  return ${f}_mul(a, ${C}_RAW_2_256);
}

fn ${f}_reduce_word(w: array<u32, ${WORDS_PER_FP}>) -> ${T} {
  var a = ${f}_unpack(w);
  for (var k = 0u; k < 5u; k++) {
    a = ${f}_reduce_once(a);
  }
  return a;
}
`;
}

/** The uniform every kernel takes: (count, strideX) set by `encodeDispatch`, then six kernel arguments. */
export const PARAMS_WGSL = `struct Params { count: u32, stride_x: u32, a0: u32, a1: u32, a2: u32, a3: u32, a4: u32, a5: u32 }`;

/** Load/store functions for a `array<u32>` storage binding named `buf` (stores only when writable). */
export function fpAccessors(buf: string, writable: boolean): string {
  return fieldAccessors(FP_FIELD, buf, writable);
}

/**
 * `load_${f}_${buf}`, `load_raw_${buf}` and (writable) `store_${f}_${buf}` for the field's packed elements. One
 * field per buffer name (`load_raw_${buf}` would be declared twice).
 */
export function fieldAccessors(spec: Pick<FieldSpec, 'prefix'>, buf: string, writable: boolean): string {
  const f = spec.prefix;
  const T = f[0].toUpperCase() + f.slice(1);
  const words = range(WORDS_PER_FP);
  let s = `fn load_${f}_${buf}(o: u32) -> ${T} {
  return ${f}_unpack(array<u32, ${WORDS_PER_FP}>(${words.map((k) => `${buf}[o + ${u(k)}]`).join(', ')}));
}
fn load_raw_${buf}(o: u32) -> array<u32, ${WORDS_PER_FP}> {
  return array<u32, ${WORDS_PER_FP}>(${words.map((k) => `${buf}[o + ${u(k)}]`).join(', ')});
}
`;
  if (writable) {
    s += `fn store_${f}_${buf}(o: u32, a: ${T}) {
  let w = ${f}_pack(a);
${words.map((k) => `  ${buf}[o + ${u(k)}] = w[${k}];`).join('\n')}
}
`;
  }
  return s;
}
