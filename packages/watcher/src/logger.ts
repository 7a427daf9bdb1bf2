/**
 * Structured logs, one JSON object per line on stderr (the node's format: `{"time","level","module","msg",...}`),
 * so the watcher's and the nodes' logs can be read with the same tools. Any object with these methods will do.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogContext = Record<string, unknown>;

export interface Logger {
  debug(msg: string, context?: LogContext): void;
  info(msg: string, context?: LogContext): void;
  warn(msg: string, context?: LogContext): void;
  error(msg: string, context?: LogContext): void;
  child(module: string): Logger;
}

const RANK: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

export function createLogger(opts: { level?: LogLevel; module?: string; write?: (line: string) => void } = {}): Logger {
  const write = opts.write ?? ((line: string) => void process.stderr.write(line));
  const min = RANK[opts.level ?? 'info'];
  const make = (module: string | undefined): Logger => {
    const log = (level: LogLevel) => (msg: string, context?: LogContext) => {
      if (RANK[level] < min) return;
      write(`${JSON.stringify({ time: new Date().toISOString(), level, module, msg, ...context }, replacer)}\n`);
    };
    return { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error'), child: (m) => make(module ? `${module}/${m}` : m) };
  };
  return make(opts.module);
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => silentLogger };

function replacer(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Error) {
    const { code, data } = value as Error & { code?: unknown; data?: unknown };
    return { name: value.name, message: value.message, code, data };
  }
  return value;
}
