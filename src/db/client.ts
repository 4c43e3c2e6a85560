import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import { trackPool } from '../observability/metrics.js';
import { activeSpanRecording, endSpan, startSpan, tracing } from '../observability/tracing.js';
import { seedFromTemplate } from './pglite-template.js';
import * as schema from './schema.js';

type Schema = typeof schema;
export type Db = PgDatabase<PgQueryResultHKT, Schema>;
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];
/** Either the database or an open transaction: domain functions that only read take this. */
export type Executor = Db | Tx;

export interface Database {
  kind: 'postgres' | 'pglite';
  db: Db;
  /** Applies pending migrations; safe when several processes start at once. */
  migrate(): Promise<void>;
  /** Calls `onMessage` for each NOTIFY on `channel` (delivered only after the sender commits). */
  listen(channel: string, onMessage: (payload: string) => void): Promise<() => Promise<void>>;
  /** True when the database answers a trivial query. */
  ping(): Promise<boolean>;
  /** Number of SQL statements issued through drizzle since start; tests use it against N+1. */
  statementCount(): number;
  close(): Promise<void>;
}

const migrationsFolder = fileURLToPath(new URL('../../drizzle', import.meta.url));
/** Arbitrary constant: the advisory lock that serialises migrations across processes. */
const MIGRATION_LOCK_ID = 72_110_301;

export interface DatabaseOptions {
  databaseUrl: string | undefined;
  /** Embedded database directory; null keeps it in memory. */
  dataDir: string | null;
  poolSize?: number;
}

/**
 * How busy a postgres.js pool is, counted where our statements enter it (postgres.js does not
 * expose its pool): a statement outside a transaction holds a connection until it is answered,
 * a transaction holds one from its start to its end (its own statements are on that
 * connection). Beyond `max` in flight, the rest wait for a connection.
 */
interface PoolCounter {
  inFlight: number;
}

/**
 * Drizzle asks postgres.js for unnamed statements, and postgres.js runs an unnamed statement
 * with parameters in two round trips (parse and describe it, wait, then bind and execute); a
 * named one is described once per connection and then costs one. Our SQL text is fixed (values
 * are always parameters), so the statements per connection stay few. This client, and the
 * transaction and savepoint clients it hands out, ask for named statements. The pool's own
 * client (`pool` given) also counts what holds a connection; the clients inside a transaction
 * do not, their connection being counted already.
 */
function preparingStatements(client: postgres.Sql, pool?: PoolCounter): postgres.Sql {
  return new Proxy(client, {
    get(target, property, receiver) {
      if (property === 'unsafe') {
        return (
          query: string,
          parameters?: postgres.ParameterOrJSON<never>[],
          queryOptions?: postgres.UnsafeQueryOptions,
        ) => {
          const pending = target.unsafe(query, parameters, { ...queryOptions, prepare: true });
          if (pool) holdWhile(pool, pending);
          if (tracing) traceStatement(query, pending);
          return pending;
        };
      }
      if (property === 'begin' || property === 'savepoint') {
        return (...args: unknown[]) => {
          const callback = args.pop() as (inner: postgres.Sql) => unknown;
          const open = Reflect.get(target, property, receiver) as (...rest: unknown[]) => Promise<unknown>;
          const done = open(...args, (inner: postgres.Sql) => callback(preparingStatements(inner)));
          if (pool && property === 'begin') holdWhile(pool, done);
          return done;
        };
      }
      return Reflect.get(target, property, receiver);
    },
  });
}

/**
 * Counts `pending` as holding (or waiting for) a connection until it settles. (postgres.js
 * starts a query a tick after the first `then`, so drizzle's synchronous `.values()` still
 * applies.)
 */
function holdWhile(pool: PoolCounter, pending: Promise<unknown>) {
  pool.inFlight += 1;
  const release = () => {
    pool.inFlight -= 1;
  };
  pending.then(release, release);
}

/**
 * A span for one statement, from its call to its answer, as a child of the span in progress
 * (the request's, a webhook attempt's). A statement outside any recorded span (a worker's poll,
 * a request the sampler left out) makes none: a trace per poll would only be noise.
 */
function traceStatement(query: string, pending: Promise<unknown>) {
  if (!activeSpanRecording()) return;
  const span = startSpan('db.query', {
    'db.system.name': 'postgresql',
    'db.query.text': query.length > 2000 ? `${query.slice(0, 2000)}…` : query,
  });
  pending.then(
    () => endSpan(span),
    (error: unknown) => endSpan(span, error),
  );
}

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  let statements = 0;
  const logger = {
    logQuery() {
      statements += 1;
    },
  };

  if (options.databaseUrl) {
    const max = options.poolSize ?? 10;
    const client = postgres(options.databaseUrl, {
      max,
      onnotice: () => {},
      connection: { application_name: 'checkout-gateway' },
    });
    const pool: PoolCounter = { inFlight: 0 };
    const untrackPool = trackPool(() => ({ inFlight: pool.inFlight, max }));
    const db = drizzlePostgres(preparingStatements(client, pool), { schema, logger }) as unknown as Db;
    return {
      kind: 'postgres',
      db,
      async migrate() {
        const lock = await client.reserve();
        try {
          await lock`select pg_advisory_lock(${MIGRATION_LOCK_ID})`;
          await migratePostgres(drizzlePostgres(client), { migrationsFolder });
        } finally {
          await lock`select pg_advisory_unlock(${MIGRATION_LOCK_ID})`.catch(() => {});
          lock.release();
        }
      },
      async listen(channel, onMessage) {
        const subscription = await client.listen(channel, onMessage);
        return () => subscription.unlisten();
      },
      async ping() {
        try {
          await client`select 1`;
          return true;
        } catch {
          return false;
        }
      },
      statementCount: () => statements,
      async close() {
        untrackPool();
        await client.end({ timeout: 5 });
      },
    };
  }

  // A new data directory starts as a copy of the build's initialised one, when there is one.
  if (options.dataDir && !seedFromTemplate(options.dataDir)) mkdirSync(options.dataDir, { recursive: true });
  const client = options.dataDir ? new PGlite(options.dataDir) : new PGlite();
  await client.waitReady;
  const db = drizzlePglite(client, { schema, logger }) as unknown as Db;
  return {
    kind: 'pglite',
    db,
    async migrate() {
      await migratePglite(drizzlePglite(client), { migrationsFolder });
    },
    async listen(channel, onMessage) {
      return client.listen(channel, onMessage);
    },
    async ping() {
      try {
        await client.query('select 1');
        return true;
      } catch {
        return false;
      }
    },
    statementCount: () => statements,
    async close() {
      await client.close();
    },
  };
}
