/** JSON-lines logger. It is never handed card data or secrets; errors are logged with their stack. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

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
  if (Array.isArray(fields.params) && typeof fields.query === 'string' && message.startsWith('Failed query: ')) message = `Failed query: ${fields.query}`;
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

export function createLogger(level: LogLevel, write: (line: string) => void = (line) => process.stderr.write(line)): Logger {
  const log = (at: Exclude<LogLevel, 'silent'>) => (message: string, fields: Record<string, unknown> = {}) => {
    if (RANK[at] < RANK[level]) return;
    const entry: Record<string, unknown> = { time: new Date().toISOString(), level: at, message };
    for (const [key, value] of Object.entries(fields)) entry[key] = serialize(value);
    write(`${JSON.stringify(entry)}\n`);
  };
  return { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
}
