/**
 * Tables that only grow are kept bounded: idempotency keys past 24 hours, and events past 30
 * days with their webhook deliveries and attempts, are deleted a batch at a time, by the domain
 * functions and by the workers of a running gateway; rows inside their retention stay.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database, type Db } from '../src/db/client.js';
import { pruneEventLog, pruneIdempotencyKeys } from '../src/domain/retention.js';
import { ownDatabase, type OwnDatabase } from './own-database.js';
import { startGateway } from './testkit.js';

let own: OwnDatabase;
let database: Database | undefined;
let db: Db;

beforeAll(async () => {
  own = await ownDatabase('retention');
  database = await openDatabase({ databaseUrl: own.databaseUrl, dataDir: own.databaseUrl ? null : own.dataDir });
  db = database.db;
  await database.migrate();
});

afterAll(async () => {
  await database?.close();
  await own?.drop();
});

/**
 * An account with two endpoints, and per age in `eventAges` (days) an event delivered to both
 * endpoints with three attempts each; per age in `keyAges` (hours) an idempotency key.
 */
async function seed(prefix: string, eventAges: number[], keyAges: number[]) {
  const account = `acct_${prefix}`;
  await db.execute(sql.raw(`insert into account (id, display_name) values ('${account}', 'Retention')`));
  await db.execute(
    sql.raw(`insert into webhook_endpoint (id, account_id, url, enabled_events, secrets, create_time, update_time)
             select 'we_${prefix}' || n, '${account}', 'https://example.com/' || n, '{*}', '[]', now(), now() from generate_series(1, 2) n`),
  );
  for (const [index, days] of eventAges.entries()) {
    const event = `evt_${prefix}${index}`;
    await db.execute(
      sql.raw(`insert into event (id, account_id, type, checkout_session_id, data, create_time)
               values ('${event}', '${account}', 'checkout_session.created', null, '{}', now() - interval '${days} days')`),
    );
    await db.execute(
      sql.raw(`insert into webhook_delivery (id, account_id, event_id, endpoint_id, state, attempt_count, create_time, update_time)
               select 'whd_${prefix}${index}_' || n, '${account}', '${event}', 'we_${prefix}' || n, 'SUCCEEDED', 3,
                      now() - interval '${days} days', now() - interval '${days} days'
               from generate_series(1, 2) n`),
    );
    await db.execute(
      sql.raw(`insert into webhook_attempt (id, delivery_id, attempt_number, start_time, duration_ms, status_code, succeeded)
               select 'wha_${prefix}${index}_' || n || '_' || a, 'whd_${prefix}${index}_' || n, a, now(), 10, 500, a = 3
               from generate_series(1, 2) n, generate_series(1, 3) a`),
    );
  }
  for (const [index, hours] of keyAges.entries()) {
    await db.execute(
      sql.raw(`insert into idempotency_key (account_id, operation, key, request_hash, resource_id, create_time)
               values ('${account}', 'createCheckoutSession', 'key-${index}', 'hash', 'cs_x', now() - interval '${hours} hours')`),
    );
  }
  return account;
}

async function count(query: string): Promise<number> {
  const result = await db.execute(sql.raw(`select count(*)::int as n from (${query}) rows`));
  const rows = (Array.isArray(result) ? result : (result as unknown as { rows: { n: number }[] }).rows) as {
    n: number;
  }[];
  return Number(rows[0]!.n);
}

/** What is left of the account's log and keys. */
async function remaining(account: string) {
  return {
    events: await count(`select id from event where account_id = '${account}'`),
    oldEvents: await count(
      `select id from event where account_id = '${account}' and create_time < now() - interval '30 days'`,
    ),
    deliveries: await count(`select id from webhook_delivery where account_id = '${account}'`),
    attempts: await count(
      `select a.id from webhook_attempt a join webhook_delivery d on d.id = a.delivery_id where d.account_id = '${account}'`,
    ),
    keys: await count(`select key from idempotency_key where account_id = '${account}'`),
    oldKeys: await count(
      `select key from idempotency_key where account_id = '${account}' and create_time < now() - interval '24 hours'`,
    ),
  };
}

describe('rows past their retention', () => {
  it('are deleted a bounded batch at a time, children first, and rows inside the retention stay', async () => {
    // Two events past 30 days, two inside; three keys past 24 hours, two inside.
    const account = await seed('ret_a', [31, 45, 29, 1], [25, 48, 200, 23, 1]);
    expect(await remaining(account)).toEqual({
      events: 4,
      oldEvents: 2,
      deliveries: 8,
      attempts: 24,
      keys: 5,
      oldKeys: 3,
    });

    const batches: number[] = [];
    for (let deleted = 5; deleted === 5; ) {
      deleted = await pruneEventLog(db, 5);
      batches.push(deleted);
      expect(batches.length).toBeLessThan(20);
    }
    // 12 attempts, 4 deliveries and 2 events, five at a time.
    expect(batches).toEqual([5, 5, 5, 3]);

    const keyBatches: number[] = [];
    for (let deleted = 2; deleted === 2; ) {
      deleted = await pruneIdempotencyKeys(db, 2);
      keyBatches.push(deleted);
    }
    expect(keyBatches).toEqual([2, 1]);

    // What is inside its retention is untouched: two events, their four deliveries and twelve attempts, two keys.
    expect(await remaining(account)).toEqual({
      events: 2,
      oldEvents: 0,
      deliveries: 4,
      attempts: 12,
      keys: 2,
      oldKeys: 0,
    });
  });

  it('are pruned by the workers of a running gateway', async () => {
    const account = await seed('ret_b', [40, 2], [30, 2]);
    // On PGlite the gateway opens the same directory: this handle must let go of it first.
    if (!own.databaseUrl) {
      await database!.close();
      database = undefined;
    }
    const gateway = await startGateway({ databaseUrl: own.databaseUrl, dataDir: own.databaseUrl ? null : own.dataDir });
    try {
      db = gateway.app.database.db;
      const deadline = Date.now() + 20_000;
      let left = await remaining(account);
      while ((left.oldEvents > 0 || left.oldKeys > 0) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        left = await remaining(account);
      }
      expect(left).toEqual({ events: 1, oldEvents: 0, deliveries: 2, attempts: 6, keys: 1, oldKeys: 0 });
    } finally {
      await gateway.stop();
    }
  });
});
