/**
 * One logging interface for the whole engine: a fields object first, then the message. Fields carry
 * identifiers and counts only. Never pass key material, listKeys responses or whole Secret objects.
 */

/** Structured fields attached to a log line: identifiers and counts, never secret values. */
export type LogFields = Record<string, string | number | boolean | undefined | null | readonly string[]>;

/** The logger every engine component receives. */
export interface Logger {
  debug(fields: LogFields, message: string): void;
  info(fields: LogFields, message: string): void;
  warn(fields: LogFields, message: string): void;
  error(fields: LogFields, message: string): void;
}

/** Log levels in increasing severity. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

const order: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** A sink receiving one formatted line per log call. */
export type LogSink = (level: LogLevel, line: string) => void;

/**
 * Creates a logger that writes one JSON line per call to `sink`.
 * @param sink - where lines go (stderr by default)
 * @param minLevel - lines below this level are dropped
 * @returns the logger
 */
export function createJsonLogger(
  sink: LogSink = (_l, line) => process.stderr.write(line + '\n'),
  minLevel: LogLevel = 'info',
): Logger {
  const emit = (level: LogLevel, fields: LogFields, message: string): void => {
    if (order[level] < order[minLevel]) return;
    sink(level, JSON.stringify({ time: new Date().toISOString(), level, msg: message, ...fields }));
  };
  return {
    debug: (f, m) => emit('debug', f, m),
    info: (f, m) => emit('info', f, m),
    warn: (f, m) => emit('warn', f, m),
    error: (f, m) => emit('error', f, m),
  };
}

/** A logger that drops everything (for callers that do not care). */
export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/**
 * Describes an error for a log line: its name, code and message chain. Messages the engine builds never carry
 * key material; SDK error messages are reduced to their code and status.
 * @param err - anything thrown
 * @returns log fields
 */
export function errorFields(err: unknown): LogFields {
  if (!(err instanceof Error)) return { error: typeof err };
  const e = err as Error & { code?: unknown; statusCode?: unknown; retryable?: unknown };
  return {
    error: e.name,
    errorCode: typeof e.code === 'string' ? e.code : undefined,
    statusCode: typeof e.statusCode === 'number' ? e.statusCode : undefined,
    retryable: typeof e.retryable === 'boolean' ? e.retryable : undefined,
    errorMessage: e.message,
  };
}
