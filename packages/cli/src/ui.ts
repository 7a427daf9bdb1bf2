/**
 * Terminal output: colors (only on a TTY, honoring NO_COLOR / FORCE_COLOR), tables, a spinner and a progress
 * bar. Progress goes to stderr so that stdout stays clean for `--json` and pipes.
 */

export interface Out {
  write(s: string): void;
  isTTY?: boolean;
  columns?: number;
}

function colorEnabled(stream: Out): boolean {
  if (process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '') return false;
  if (process.env.FORCE_COLOR !== undefined && process.env.FORCE_COLOR !== '0') return true;
  return !!stream.isTTY && process.env.TERM !== 'dumb';
}

const useColor = { stdout: colorEnabled(process.stdout), stderr: colorEnabled(process.stderr) };
const wrap = (open: number, close: number, which: 'stdout' | 'stderr' = 'stdout') => (s: string) =>
  useColor[which] ? `\x1b[${open}m${s}\x1b[${close}m` : s;

export const c = {
  bold: wrap(1, 22),
  dim: wrap(2, 22),
  red: wrap(31, 39),
  green: wrap(32, 39),
  yellow: wrap(33, 39),
  cyan: wrap(36, 39),
};
/** The same colors, decided for stderr. */
export const ce = {
  bold: wrap(1, 22, 'stderr'),
  dim: wrap(2, 22, 'stderr'),
  red: wrap(31, 39, 'stderr'),
  green: wrap(32, 39, 'stderr'),
  yellow: wrap(33, 39, 'stderr'),
  cyan: wrap(36, 39, 'stderr'),
};

// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;]*m/g;
export const visibleLength = (s: string): number => s.replace(ANSI, '').length;
const pad = (s: string, w: number, right = false) => {
  const fill = ' '.repeat(Math.max(0, w - visibleLength(s)));
  return right ? fill + s : s + fill;
};

export interface TableOptions {
  /** Column titles (printed bold, underlined with ─). */
  head?: string[];
  /** Right-align these columns (numbers). */
  alignRight?: number[];
  /** Indent of every line (default 2). */
  indent?: number;
  /** A title line above the table. */
  title?: string;
}

/** A plain, aligned table: no borders, two spaces between columns, a rule under the header. */
export function table(rows: string[][], opts: TableOptions = {}): string {
  const all = opts.head ? [opts.head, ...rows] : rows;
  const cols = Math.max(0, ...all.map((r) => r.length));
  const widths = Array.from({ length: cols }, (_, i) => Math.max(0, ...all.map((r) => visibleLength(r[i] ?? ''))));
  const ind = ' '.repeat(opts.indent ?? 2);
  const line = (r: string[], style: (s: string) => string = (s) => s) =>
    ind + r.map((cell, i) => style(pad(cell ?? '', i === r.length - 1 && !opts.alignRight?.includes(i) ? 0 : widths[i], opts.alignRight?.includes(i)))).join('  ').trimEnd();
  const out: string[] = [];
  if (opts.title) out.push(c.bold(opts.title));
  if (opts.head) {
    out.push(line(opts.head, c.bold));
    out.push(ind + c.dim(widths.map((w) => '─'.repeat(w)).join('  ')));
  }
  for (const r of rows) out.push(line(r));
  return out.join('\n');
}

/** Key/value lines: `  key   value`. */
export function kv(rows: Array<[string, string]>, opts: { indent?: number; title?: string } = {}): string {
  return table(rows.map(([k, v]) => [c.dim(k), v]), opts);
}

function formatUnits(v: bigint, decimals: number): string {
  if (decimals === 0) return v.toString();
  const base = 10n ** BigInt(decimals);
  return `${v / base}.${(v % base).toString().padStart(decimals, '0')}`;
}

/** 1234567.5 (as base units) → "1,234,567.5"; trailing zeros dropped, at most `maxDecimals` shown. */
export function formatAmount(value: bigint, decimals: number, maxDecimals = 6): string {
  const neg = value < 0n;
  const s = formatUnits(neg ? -value : value, decimals);
  let [whole, frac = ''] = s.split('.');
  whole = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  frac = frac.replace(/0+$/, '');
  if (frac.length > maxDecimals && /[1-9]/.test(frac.slice(0, maxDecimals))) {
    frac = frac.slice(0, maxDecimals).replace(/0+$/, '');
    return `${neg ? '-' : ''}${whole}${frac ? `.${frac}` : ''}…`;
  }
  return `${neg ? '-' : ''}${whole}${frac ? `.${frac}` : ''}`;
}

export function shortHex(h: string, keep = 6): string {
  return h.length <= 2 + keep * 2 + 1 ? h : `${h.slice(0, 2 + keep)}…${h.slice(-keep)}`;
}


/** 30 → "30 s", 300 → "5 min", 7200 → "2 h", 604800 → "7 days". */
export function humanDuration(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 120) return `${s} s`;
  if (s < 2 * 3600) return `${+(s / 60).toFixed(1)} min`;
  if (s < 2 * 86_400) return `${+(s / 3600).toFixed(1)} h`;
  return `${+(s / 86_400).toFixed(1)} days`;
}

/** 75 → "1:15", 3700 → "1:01:40", 7 days → "7d 0:00:00". */
export function formatDuration(seconds: number): string {
  const total = Math.max(0, Math.ceil(seconds));
  const days = Math.floor(total / 86_400);
  if (days > 0) {
    const r = total % 86_400;
    const two = (n: number) => String(n).padStart(2, '0');
    return `${days}d ${two(Math.floor(r / 3600))}:${two(Math.floor((r % 3600) / 60))}:${two(r % 60)}`;
  }
  const s = total;
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  return h ? `${h}:${String(m).padStart(2, '0')}:${String(sec).padStart(2, '0')}` : `${m}:${String(sec).padStart(2, '0')}`;
}

/** A countdown in its two largest units, zeros dropped: 7 → "7s", 250 → "4m 10s", 3660 → "1h 1m", 7 days → "7d". */
export function compactDuration(seconds: number): string {
  const total = Math.max(0, Math.ceil(seconds));
  const units: Array<[string, number]> = [['d', 86_400], ['h', 3600], ['m', 60], ['s', 1]];
  const parts: string[] = [];
  let rest = total;
  for (const [unit, size] of units) {
    const n = Math.floor(rest / size);
    rest -= n * size;
    if (parts.length === 0 && n === 0 && size > 1) continue;
    parts.push(`${n}${unit}`);
    if (parts.length === 2) break;
  }
  return parts.filter((p, i) => i === 0 || !p.startsWith('0')).join(' ');
}

/** JSON with bigints as decimal strings. */
export function toJson(v: unknown): string {
  return JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? x.toString() : x), 2);
}

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/**
 * A one-line status on stderr: animated on a TTY; elsewhere each new text is printed once (at most every
 * `minIntervalMs` when only numbers change), so logs of CI runs stay readable.
 */
export class Spinner {
  private text = '';
  private phase: string | undefined;
  private frame = 0;
  private timer: NodeJS.Timeout | undefined;
  private lastPrinted = '';
  private lastPrintedAt = 0;
  private readonly tty: boolean;
  private readonly t0 = Date.now();

  constructor(private readonly stream: NodeJS.WriteStream = process.stderr, private readonly opts: { quiet?: boolean; minIntervalMs?: number } = {}) {
    this.tty = !!stream.isTTY && process.env.TERM !== 'dumb';
  }

  start(text: string): this {
    this.text = text;
    if (this.opts.quiet) return this;
    if (this.tty) {
      this.render();
      this.timer = setInterval(() => this.render(), 80);
      this.timer.unref();
    } else {
      this.printPlain(true);
    }
    return this;
  }

  /** New text. Off a TTY it is printed when its `phase` changes (default: the text without numbers and bars). */
  update(text: string, phase?: string): void {
    const phaseOf = (t: string) => t.replace(ANSI, '').replace(/[\d:.,█░]+/g, '');
    const changedKind = (phase ?? phaseOf(text)) !== (this.phase ?? phaseOf(this.text));
    this.phase = phase;
    this.text = text;
    if (this.opts.quiet) return;
    if (this.tty) this.render();
    else this.printPlain(changedKind);
  }

  private printPlain(force: boolean): void {
    const now = Date.now();
    if (this.text === this.lastPrinted) return;
    if (!force && now - this.lastPrintedAt < (this.opts.minIntervalMs ?? 5000)) return;
    this.stream.write(`… ${this.text}\n`);
    this.lastPrinted = this.text;
    this.lastPrintedAt = now;
  }

  private render(): void {
    const cols = this.stream.columns || 100;
    const line = `${ce.cyan(FRAMES[this.frame++ % FRAMES.length])} ${this.text}`;
    const clipped = visibleLength(line) > cols - 1 ? `${line.replace(ANSI, '').slice(0, cols - 2)}…` : line;
    this.stream.write(`\r\x1b[2K${clipped}`);
  }

  private clear(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (this.tty && !this.opts.quiet) this.stream.write('\r\x1b[2K');
  }

  /** Ends with a ✓ line (kept), e.g. "deposited 1 ETH (2.1 s)". */
  succeed(text: string = this.text): void {
    this.clear();
    if (!this.opts.quiet) this.stream.write(`${ce.green('✓')} ${text} ${ce.dim(`(${((Date.now() - this.t0) / 1000).toFixed(1)} s)`)}\n`);
  }

  /** Ends without a line. */
  stop(): void {
    this.clear();
  }

  fail(text: string = this.text): void {
    this.clear();
    if (!this.opts.quiet) this.stream.write(`${ce.red('✗')} ${text}\n`);
  }
}

/** `███████░░░░░░░` for a fraction in [0, 1]. */
export function bar(fraction: number, width = 24): string {
  const f = Math.min(1, Math.max(0, fraction));
  const full = Math.round(f * width);
  return ce.green('█'.repeat(full)) + ce.dim('░'.repeat(width - full));
}
