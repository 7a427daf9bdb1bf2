/**
 * Every error Plasma Tree raises carries a stable `code`, typed `data` and a `hint` that tells the user what
 * to do. Codes are part of the public API (JSON-RPC returns them as `data.reason`).
 */
export class PlasmaError<Code extends string = string, Data extends object = Record<string, unknown>> extends Error {
  readonly code: Code;
  readonly data: Data;
  readonly hint: string;

  constructor(code: Code, message: string, opts: { data?: Data; hint?: string; cause?: unknown } = {}) {
    super(opts.hint ? `${message} — ${opts.hint}` : message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'PlasmaError';
    this.code = code;
    this.data = (opts.data ?? {}) as Data;
    this.hint = opts.hint ?? '';
  }

  toJSON(): { code: Code; message: string; data: Data } {
    return { code: this.code, message: this.message, data: this.data };
  }
}

export function isPlasmaError(e: unknown, code?: string): e is PlasmaError {
  return e instanceof PlasmaError && (code === undefined || e.code === code);
}
