import { z } from 'zod';
import { parseSecretKey } from './domain/secrets.js';

/** Parses a duration such as `0`, `500ms`, `5s`, `5m`, `2h` into milliseconds. */
function parseDuration(text: string): number | undefined {
  const match = /^(\d+)(ms|s|m|h|d)?$/.exec(text.trim());
  if (!match) return undefined;
  const value = Number(match[1]);
  const unit = match[2] ?? 's';
  const factor = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[unit] ?? 1;
  return value * factor;
}

const DEFAULT_WEBHOOK_RETRY_SCHEDULE = '0,5s,5m,30m,2h,5h,10h,10h';

const durationList = z.string().transform((text, ctx) => {
  const parts = text.split(',').map((part) => part.trim());
  const delays: number[] = [];
  for (const part of parts) {
    const ms = parseDuration(part);
    if (ms === undefined) {
      ctx.addIssue({ code: 'custom', message: `"${part}" is not a duration like 0, 500ms, 5s, 5m or 2h` });
      return z.NEVER;
    }
    delays.push(ms);
  }
  return delays;
});

function positiveDuration(example: string) {
  return (text: string, ctx: z.RefinementCtx) => {
    const ms = parseDuration(text);
    if (ms === undefined || ms <= 0) {
      ctx.addIssue({ code: 'custom', message: `"${text}" is not a positive duration like ${example} or 500ms` });
      return z.NEVER;
    }
    return ms;
  };
}

const environmentSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: z.coerce.number({ error: 'must be a port number from 0 to 65535' }).int().min(0).max(65535).default(4000),
  HOST: z.string().default('0.0.0.0'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
    .optional(),
  DATA_DIR: z.string().default('./.data'),
  PUBLIC_URL: z.string().url().optional(),
  ADMIN_API_KEY: z.string().min(16, 'must be at least 16 characters').optional(),
  WEBHOOK_RETRY_SCHEDULE: z.string().default(DEFAULT_WEBHOOK_RETRY_SCHEDULE).pipe(durationList),
  /** Key that encrypts webhook signing secrets at rest (32 bytes, base64 or hex). */
  SECRET_ENCRYPTION_KEY: z
    .string()
    .refine((text) => parseSecretKey(text) !== undefined, 'must be 32 bytes, written as 64 hex digits or as base64')
    .optional(),
  /** How long a webhook attempt waits for a response; the contract's 15 s. Tests shorten it. */
  WEBHOOK_TIMEOUT: z
    .string()
    .default('15s')
    .transform((text, ctx) => {
      const ms = parseDuration(text);
      if (ms === undefined || ms <= 0) {
        ctx.addIssue({ code: 'custom', message: `"${text}" is not a positive duration like 15s or 500ms` });
        return z.NEVER;
      }
      return ms;
    }),
  WEBHOOK_ALLOW_PRIVATE_NETWORKS: z.enum(['true', 'false']).optional(),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  /** Server processes sharing the port (node:cluster); more than one needs PostgreSQL. */
  WEB_CONCURRENCY: z.coerce.number({ error: 'must be a whole number from 1 to 64' }).int().min(1).max(64).default(1),
  /** Requests a second per API key and process (0 turns the limit off), and the burst allowed. */
  RATE_LIMIT_PER_SECOND: z.coerce.number().min(0).default(100),
  RATE_LIMIT_BURST: z.coerce.number().int().min(1).default(200),
  /** Failed key look-ups a second per client address and process (0 turns the limit off), and the burst. */
  AUTH_FAILURE_RATE_PER_SECOND: z.coerce.number().min(0).default(1),
  AUTH_FAILURE_BURST: z.coerce.number().int().min(1).default(20),
  /** redis://… — rate limits shared by every process on every machine; unset: per machine (cluster) or process. */
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL')
    .optional(),
  /** Prefix of this gateway's keys in Redis, so that several deployments may share one Redis. */
  REDIS_KEY_PREFIX: z
    .string()
    .regex(/^[\w:.-]{1,100}$/, 'must be 1 to 100 letters, digits, _, :, . or -')
    .default('checkout-gateway'),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
  /** How long a key look-up is trusted: a revoked key's requests and streams end within it. */
  API_KEY_CACHE_TTL: z.string().default('10s').transform(positiveDuration('10s')),
  /** After SIGTERM, how long idle, half-sent and WebSocket connections are given before they are closed. */
  SHUTDOWN_TIMEOUT: z.string().default('10s').transform(positiveDuration('10s')),
  /** Browser origins allowed to call /graphql cross-origin (comma list); see corsPolicy. */
  CORS_ORIGINS: z
    .string()
    .transform((text, ctx) => {
      const origins = text
        .split(',')
        .map((part) => part.trim())
        .filter((part) => part !== '');
      for (const origin of origins) {
        let parsed: URL | undefined;
        try {
          parsed = new URL(origin);
        } catch {
          parsed = undefined;
        }
        if (!parsed || !/^https?:$/.test(parsed.protocol) || parsed.origin !== origin) {
          ctx.addIssue({
            code: 'custom',
            message: `"${origin}" is not an origin like https://shop.example.com (scheme, host, optional port; no path)`,
          });
          return z.NEVER;
        }
      }
      return origins;
    })
    .optional(),
  GRAPHIQL: z.enum(['true', 'false']).optional(),
  INTROSPECTION: z.enum(['true', 'false']).optional(),
  /** A persisted-documents manifest (JSON: document id → document) trusted for every account. */
  TRUSTED_DOCUMENTS_FILE: z.string().optional(),
  /** A port of its own for GET /metrics (no token there: keep it private). */
  METRICS_PORT: z.coerce.number({ error: 'must be a port number from 0 to 65535' }).int().min(0).max(65535).optional(),
  /** Serves GET /metrics on the main port to "Authorization: Bearer <token>". */
  METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
});

/** The parsed environment; read-only, so that what was checked at start stays what runs. */
export interface Config {
  readonly production: boolean;
  readonly port: number;
  readonly host: string;
  /** Unset: the embedded PGlite database, kept in `dataDir` (or in memory when `dataDir` is null). */
  readonly databaseUrl: string | undefined;
  readonly dataDir: string | null;
  readonly publicUrl: string | undefined;
  readonly adminApiKey: string | undefined;
  readonly webhookRetrySchedule: number[];
  readonly secretEncryptionKey: string | undefined;
  readonly webhookAllowPrivateNetworks: boolean;
  readonly webhookTimeoutMs: number;
  readonly databasePoolSize: number;
  readonly webConcurrency: number;
  readonly rateLimitPerSecond: number;
  readonly rateLimitBurst: number;
  readonly authFailuresPerSecond: number;
  readonly authFailureBurst: number;
  readonly redisUrl: string | undefined;
  readonly redisKeyPrefix: string;
  readonly logLevel: 'debug' | 'info' | 'warn' | 'error' | 'silent';
  readonly apiKeyCacheMs: number;
  readonly shutdownTimeoutMs: number;
  /**
   * Origins a browser may call /graphql from. `'localhost'` (the default outside production)
   * allows any http(s) origin on localhost, 127.0.0.1 or [::1]; production allows none unless listed.
   */
  readonly corsOrigins: string[] | 'localhost';
  /** Whether GET /graphql in a browser serves GraphiQL. */
  readonly graphiql: boolean;
  /** Whether introspection (`__schema`, `__type`) is answered. */
  readonly introspection: boolean;
  /** A persisted-documents manifest loaded at start, trusted for every account. */
  readonly trustedDocumentsFile: string | undefined;
  /** Where GET /metrics is served: its own port, or the main port behind a bearer token; neither: not served. */
  readonly metricsPort: number | undefined;
  readonly metricsToken: string | undefined;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** Reads the whole environment once; every problem is reported together. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const blankAsUnset = Object.fromEntries(
    Object.entries(env).filter(([, value]) => value !== undefined && value !== ''),
  );
  const parsed = environmentSchema.safeParse(blankAsUnset);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`));
  }
  const e = parsed.data;
  const production = e.NODE_ENV === 'production';
  const problems: string[] = [];
  if (production && !e.ADMIN_API_KEY) problems.push('ADMIN_API_KEY: required in production');
  if (production && !e.SECRET_ENCRYPTION_KEY) problems.push('SECRET_ENCRYPTION_KEY: required in production');
  if (e.WEB_CONCURRENCY > 1 && !e.DATABASE_URL) {
    problems.push(
      'WEB_CONCURRENCY: more than one process needs DATABASE_URL (the embedded database belongs to one process)',
    );
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return {
    production,
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    dataDir: e.DATA_DIR === ':memory:' ? null : e.DATA_DIR,
    publicUrl: e.PUBLIC_URL?.replace(/\/+$/, ''),
    adminApiKey: e.ADMIN_API_KEY,
    webhookRetrySchedule: e.WEBHOOK_RETRY_SCHEDULE,
    secretEncryptionKey: e.SECRET_ENCRYPTION_KEY,
    webhookAllowPrivateNetworks: e.WEBHOOK_ALLOW_PRIVATE_NETWORKS
      ? e.WEBHOOK_ALLOW_PRIVATE_NETWORKS === 'true'
      : !production,
    webhookTimeoutMs: e.WEBHOOK_TIMEOUT,
    databasePoolSize: e.DATABASE_POOL_SIZE,
    webConcurrency: e.WEB_CONCURRENCY,
    rateLimitPerSecond: e.RATE_LIMIT_PER_SECOND,
    rateLimitBurst: e.RATE_LIMIT_BURST,
    authFailuresPerSecond: e.AUTH_FAILURE_RATE_PER_SECOND,
    authFailureBurst: e.AUTH_FAILURE_BURST,
    redisUrl: e.REDIS_URL,
    redisKeyPrefix: e.REDIS_KEY_PREFIX,
    logLevel: e.LOG_LEVEL,
    apiKeyCacheMs: e.API_KEY_CACHE_TTL,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT,
    corsOrigins: e.CORS_ORIGINS ?? (production ? [] : 'localhost'),
    graphiql: e.GRAPHIQL ? e.GRAPHIQL === 'true' : !production,
    introspection: e.INTROSPECTION ? e.INTROSPECTION === 'true' : !production,
    trustedDocumentsFile: e.TRUSTED_DOCUMENTS_FILE,
    metricsPort: e.METRICS_PORT,
    metricsToken: e.METRICS_TOKEN,
  };
}
