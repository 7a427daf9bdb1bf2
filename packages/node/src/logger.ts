/**
 * Structured logging: one JSON object per line (`{"time","level","module","msg",...context}`), written to
 * stderr by default so that stdout stays free for what a caller parses (the CLI prints the RPC URL there).
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export type LogContext = Record<string, unknown>;

export interface Logger {
  debug(msg: string, context?: LogContext): void;
  info(msg: string, context?: LogContext): void;
  warn(msg: string, context?: LogContext): void;
  error(msg: string, context?: LogContext): void;
  /** A logger whose lines carry `module` (nested modules are joined with `/`). */
  child(module: string): Logger;
}

export const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];
const RANK: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

export interface JsonLoggerOptions {
  level?: LogLevel;
  module?: string;
  /** Where lines go (default: process.stderr). */
  write?: (line: string) => void;
}

export function createLogger(opts: JsonLoggerOptions = {}): Logger {
  const write = opts.write ?? ((line: string) => void process.stderr.write(line));
  return new JsonLogger(RANK[opts.level ?? 'info'], opts.module, write);
}

/** A logger that drops everything (tests, embedding). */
export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child: () => silentLogger,
};

class JsonLogger implements Logger {
  constructor(
    private readonly minRank: number,
    private readonly module: string | undefined,
    private readonly write: (line: string) => void,
  ) {}

  debug(msg: string, context?: LogContext): void {
    this.log('debug', msg, context);
  }
  info(msg: string, context?: LogContext): void {
    this.log('info', msg, context);
  }
  warn(msg: string, context?: LogContext): void {
    this.log('warn', msg, context);
  }
  error(msg: string, context?: LogContext): void {
    this.log('error', msg, context);
  }

  child(module: string): Logger {
    return new JsonLogger(this.minRank, this.module ? `${this.module}/${module}` : module, this.write);
  }

  private log(level: LogLevel, msg: string, context?: LogContext): void {
    if (RANK[level] < this.minRank) return;
    const line = { time: new Date().toISOString(), level, module: this.module, msg, ...context };
    this.write(`${JSON.stringify(line, jsonReplacer)}\n`);
  }
}

/** bigint as a decimal string; an Error as its name, message, code and data (a PlasmaError's code says more than a stack). */
function jsonReplacer(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Error) {
    const { code, data } = value as Error & { code?: unknown; data?: unknown };
    return { name: value.name, message: value.message, code, data };
  }
  return value;
}
