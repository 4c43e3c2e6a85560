/**
 * JSON-lines logger (pino) on stderr. Each line of a request carries its request id (from the
 * async context the request runs in); keys, secrets, card fields and credentials headers are
 * redacted by path; errors are logged with their stack and causes, without SQL parameters.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { createRequire } from 'node:module';
import { pino, type DestinationStream } from 'pino';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** What every line logged while handling one request carries (its id, its transport). */
export interface LogContext {
  requestId: string;
  transport?: string;
}
const logContext = new AsyncLocalStorage<LogContext>();

/** Runs `fn` (and everything it starts) as part of the request `context`. */
export function withLogContext<T>(context: LogContext, fn: () => T): T {
  return logContext.run(context, fn);
}

/**
 * Fields never written, wherever they appear in a line's fields (at the top or one level down):
 * the logger is not handed secrets on purpose; this is the net under that rule.
 */
const SECRET_FIELDS = [
  'apiKey',
  'adminApiKey',
  'key',
  'secret',
  'signingSecret',
  'previousSecret',
  'password',
  'token',
  'csrf',
  'cardNumber',
  'number',
  'cvc',
  'cvv',
  'securityCode',
  'expiry',
  'card',
];
const SECRET_HEADERS = ['authorization', 'cookie', 'set-cookie', 'x-api-key'];
const REDACT_PATHS = [
  ...SECRET_FIELDS,
  ...SECRET_FIELDS.map((field) => `*.${field}`),
  ...SECRET_HEADERS.flatMap((header) => [`headers["${header}"]`, `*.headers["${header}"]`]),
];

/** What PostgreSQL (postgres.js, PGlite) says about a failure: codes and names, never values. */
const DATABASE_ERROR_FIELDS = [
  'code',
  'severity',
  'detail',
  'hint',
  'routine',
  'schema',
  'schema_name',
  'table',
  'table_name',
  'column',
  'column_name',
  'constraint',
  'constraint_name',
  'dataType',
] as const;

/**
 * PostgreSQL's detail quotes the row or key values of a violated constraint (customer data,
 * an encrypted secret): keep its shape and columns, drop the values.
 */
function redactDetail(detail: string): string {
  return detail
    .replace(/^Failing row contains \(.*\)\.?$/s, 'Failing row contains (values not logged).')
    .replace(/\)=\(.*?\)( already exists| is not present| conflicts with)/s, ')=(values not logged)$1');
}

/**
 * An error as a log entry: its message, PostgreSQL's own fields, the stack's frames and its
 * causes. Drizzle wraps a failed statement in an error whose message lists every bound
 * parameter; those stay out: the statement's text (placeholders only) is kept.
 */
function serializeError(error: Error, depth = 0): Record<string, unknown> {
  const fields = error as unknown as Record<string, unknown>;
  let message = error.message;
  if (Array.isArray(fields.params) && typeof fields.query === 'string' && message.startsWith('Failed query: '))
    message = `Failed query: ${fields.query}`;
  const entry: Record<string, unknown> = { name: error.name, message };
  for (const field of DATABASE_ERROR_FIELDS) {
    const value = fields[field];
    if (typeof value === 'string' && value !== '') entry[field] = field === 'detail' ? redactDetail(value) : value;
  }
  // The stack's first lines repeat the message; only the frames are kept.
  const frames = error.stack?.split('\n').filter((line) => /^\s+at /.test(line));
  if (frames?.length) entry.stack = frames.join('\n');
  if (error.cause !== undefined && depth < 5) {
    entry.cause = error.cause instanceof Error ? serializeError(error.cause, depth + 1) : String(error.cause);
  }
  return entry;
}

function serialize(value: unknown): unknown {
  if (value instanceof Error) return serializeError(value);
  return value;
}

function prettyStream(): DestinationStream | undefined {
  // Development only, and only for a person at a terminal: anything else reads JSON lines.
  if (process.env.NODE_ENV === 'production' || !process.stderr.isTTY) return undefined;
  try {
    const pretty = createRequire(import.meta.url)('pino-pretty') as (options: object) => DestinationStream;
    return pretty({
      destination: 2,
      sync: true,
      messageKey: 'message',
      translateTime: 'SYS:HH:MM:ss.l',
      ignore: 'pid,hostname',
    });
  } catch {
    return undefined;
  }
}

/**
 * `write` replaces stderr (tests capture lines with it). Without it, lines go to stderr through
 * `process.stderr.write`, synchronously on files and pipes, so none is lost at exit.
 */
export function createLogger(level: LogLevel, write?: (line: string) => void): Logger {
  const destination: DestinationStream = write
    ? { write }
    : (prettyStream() ?? { write: (line: string) => process.stderr.write(line) });
  const base = pino(
    {
      level,
      messageKey: 'message',
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      mixin: () => logContext.getStore() ?? {},
    },
    destination,
  );
  const log =
    (at: Exclude<LogLevel, 'silent'>) =>
    (message: string, fields: Record<string, unknown> = {}) => {
      if (!base.isLevelEnabled(at)) return;
      const entry: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(fields)) entry[key] = serialize(value);
      base[at](entry, message);
    };
  return { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
}
