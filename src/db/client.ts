import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import { endSpan, startSpan, tracing } from '../observability/tracing.js';
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
 * Drizzle asks postgres.js for unnamed statements, and postgres.js runs an unnamed statement
 * with parameters in two round trips (parse and describe it, wait, then bind and execute); a
 * named one is described once per connection and then costs one. Our SQL text is fixed (values
 * are always parameters), so the statements per connection stay few. This client, and the
 * transaction and savepoint clients it hands out, ask for named statements.
 */
function preparingStatements(client: postgres.Sql): postgres.Sql {
  return new Proxy(client, {
    get(target, property, receiver) {
      if (property === 'unsafe') {
        return (
          query: string,
          parameters?: postgres.ParameterOrJSON<never>[],
          queryOptions?: postgres.UnsafeQueryOptions,
        ) => {
          const pending = target.unsafe(query, parameters, { ...queryOptions, prepare: true });
          if (tracing) traceStatement(query, pending);
          return pending;
        };
      }
      if (property === 'begin' || property === 'savepoint') {
        return (...args: unknown[]) => {
          const callback = args.pop() as (inner: postgres.Sql) => unknown;
          const open = Reflect.get(target, property, receiver) as (...rest: unknown[]) => Promise<unknown>;
          return open(...args, (inner: postgres.Sql) => callback(preparingStatements(inner)));
        };
      }
      return Reflect.get(target, property, receiver);
    },
  });
}

/**
 * A span for one statement, from its call to its answer. (postgres.js starts a query a tick
 * after the first `then`, so drizzle's synchronous `.values()` still applies.)
 */
function traceStatement(query: string, pending: Promise<unknown>) {
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
    const client = postgres(options.databaseUrl, {
      max: options.poolSize ?? 10,
      onnotice: () => {},
      connection: { application_name: 'checkout-gateway' },
    });
    const db = drizzlePostgres(preparingStatements(client), { schema, logger }) as unknown as Db;
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
        await client.end({ timeout: 5 });
      },
    };
  }

  if (options.dataDir) mkdirSync(options.dataDir, { recursive: true });
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
