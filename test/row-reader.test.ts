/**
 * The fast row path (src/db/rows.ts) against drizzle's own: every table a RowReader reads is
 * read both ways, from rows with every column filled and with every nullable column null, and
 * must come out identical (bigints, timestamps, jsonb, arrays, nulls), on the database and in a
 * transaction under a time zone whose offset has minutes. The tables a RowWriter writes are
 * written by it and read back by drizzle. The prepared-statement shortcut reaches into drizzle's
 * session, so this test is what tells a drizzle upgrade broke it.
 */
import { eq, sql, type InferSelectModel } from 'drizzle-orm';
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database, type Executor } from '../src/db/client.js';
import { PreparedStatement, RowReader, RowWriter } from '../src/db/rows.js';
import {
  accountTable,
  checkoutSessionTable,
  eventTable,
  paymentIntentTable,
  webhookAttemptTable,
  webhookDeliveryTable,
  webhookEndpointTable,
} from '../src/db/schema.js';
import { newId } from '../src/domain/ids.js';
import { testDatabaseUrl } from './testkit.js';

let database: Database;

beforeAll(async () => {
  database = await openDatabase({ databaseUrl: testDatabaseUrl() || undefined, dataDir: null, poolSize: 2 });
  await database.migrate();
}, 60_000);

afterAll(async () => {
  await database?.close();
});

const at = (text: string) => new Date(text);
const accountId = newId('acct');
const [fullSession, bareSession] = [newId('cs'), newId('cs')];
const [fullIntent, bareIntent] = [newId('pi'), newId('pi')];
const [fullEvent, bareEvent] = [newId('evt'), newId('evt')];
const [fullEndpoint, bareEndpoint] = [newId('we'), newId('we')];
const [fullDelivery, bareDelivery] = [newId('whd'), newId('whd')];
const [fullAttempt, bareAttempt] = [newId('wha'), newId('wha')];

/** Rows of every table a RowReader reads: one with every column filled, one with every nullable null. */
async function seed() {
  const db = database.db;
  await db.insert(accountTable).values({ id: accountId, displayName: 'Row reader' });
  await db.insert(checkoutSessionTable).values([
    {
      id: fullSession,
      accountId,
      state: 'COMPLETE',
      amount: 999_999_999_999n,
      currency: 'GBP',
      clientReferenceId: 'order-1',
      successUrl: 'https://example.com/done?s={CHECKOUT_SESSION_ID}',
      cancelUrl: 'https://example.com/back',
      metadata: { __proto__: 'a key, not a prototype', 'ü ✓': 'x'.repeat(500) },
      paymentIntentId: fullIntent,
      expireTime: at('2026-11-25T19:13:18.123Z'),
      createTime: at('1999-12-31T23:59:59.999Z'),
      updateTime: at('2026-01-01T00:00:00.000Z'),
    },
    {
      id: bareSession,
      accountId,
      state: 'OPEN',
      amount: 1n,
      currency: 'JPY',
      clientReferenceId: null,
      successUrl: null,
      cancelUrl: null,
      metadata: {},
      paymentIntentId: bareIntent,
      expireTime: at('2026-11-25T19:13:18.100Z'),
      createTime: at('2026-11-25T19:13:18.010Z'),
      updateTime: at('2026-11-25T19:13:18.001Z'),
    },
  ]);
  await db.insert(paymentIntentTable).values([
    {
      id: fullIntent,
      accountId,
      checkoutSessionId: fullSession,
      state: 'SUCCEEDED',
      amount: 999_999_999_999n,
      currency: 'GBP',
      cardBrand: 'visa',
      cardLast4: '4242',
      lastErrorCode: 'card_declined',
      lastErrorMessage: 'Your card was declined.',
      createTime: at('2026-02-28T12:00:00.500Z'),
      updateTime: at('2026-03-01T00:00:00.000Z'),
    },
    {
      id: bareIntent,
      accountId,
      checkoutSessionId: bareSession,
      state: 'REQUIRES_PAYMENT_METHOD',
      amount: 1n,
      currency: 'JPY',
      cardBrand: null,
      cardLast4: null,
      lastErrorCode: null,
      lastErrorMessage: null,
      createTime: at('2026-11-25T19:13:18.010Z'),
      updateTime: at('2026-11-25T19:13:18.010Z'),
    },
  ]);
  await db.insert(eventTable).values([
    {
      id: fullEvent,
      accountId,
      type: 'checkout_session.paid',
      checkoutSessionId: fullSession,
      sessionSequence: 2,
      data: { checkout_session: { amount: '10', nested: [1, null, true] } },
      createTime: at('2026-11-25T19:13:18.123Z'),
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
    },
    {
      id: bareEvent,
      accountId,
      type: 'checkout_session.created',
      checkoutSessionId: null,
      sessionSequence: null,
      data: {},
      createTime: at('2026-11-25T19:13:18.000Z'),
      traceparent: null,
    },
  ]);
  await db.insert(webhookEndpointTable).values([
    {
      id: fullEndpoint,
      accountId,
      url: 'https://example.com/hooks',
      description: 'Orders',
      enabledEvents: ['checkout_session.paid', 'checkout_session.expired'],
      disabled: true,
      disabledReason: 'failing for five days',
      secrets: [
        { ciphertext: 'abc', expireTime: '2026-11-26T00:00:00Z' },
        { ciphertext: 'def', expireTime: null },
      ],
      failingSince: at('2026-11-20T08:30:00.250Z'),
      createTime: at('2026-11-01T00:00:00.000Z'),
      updateTime: at('2026-11-25T19:13:18.123Z'),
      query: 'subscription { event { id } }',
    },
    {
      id: bareEndpoint,
      accountId,
      url: 'https://example.com/other',
      description: null,
      enabledEvents: [],
      disabled: false,
      disabledReason: null,
      secrets: [],
      failingSince: null,
      createTime: at('2026-11-01T00:00:00.001Z'),
      updateTime: at('2026-11-01T00:00:00.001Z'),
      query: null,
    },
  ]);
  await db.insert(webhookDeliveryTable).values([
    {
      id: fullDelivery,
      accountId,
      eventId: fullEvent,
      endpointId: fullEndpoint,
      state: 'FAILED',
      attemptCount: 8,
      nextAttemptTime: at('2026-11-25T20:00:00.000Z'),
      leaseExpireTime: at('2026-11-25T19:14:18.123Z'),
      createTime: at('2026-11-25T19:13:18.123Z'),
      updateTime: at('2026-11-25T19:13:19.000Z'),
    },
    {
      id: bareDelivery,
      accountId,
      eventId: bareEvent,
      endpointId: bareEndpoint,
      state: 'PENDING',
      attemptCount: 0,
      nextAttemptTime: null,
      leaseExpireTime: null,
      createTime: at('2026-11-25T19:13:18.000Z'),
      updateTime: at('2026-11-25T19:13:18.000Z'),
    },
  ]);
  await db.insert(webhookAttemptTable).values([
    {
      id: fullAttempt,
      deliveryId: fullDelivery,
      attemptNumber: 1,
      startTime: at('2026-11-25T19:13:18.456Z'),
      durationMs: 2_147_483_647,
      statusCode: 500,
      error: 'Internal Server Error',
      succeeded: false,
    },
    {
      id: bareAttempt,
      deliveryId: bareDelivery,
      attemptNumber: 1,
      startTime: at('2026-11-25T19:13:18.000Z'),
      durationMs: 0,
      statusCode: null,
      error: null,
      succeeded: true,
    },
  ]);
}

interface TableWithId extends PgTable {
  id: PgColumn;
}

/** Each table a RowReader reads, with the ids of its two seeded rows. */
const readTables: [string, TableWithId, string[]][] = [
  ['checkout_session', checkoutSessionTable, [fullSession, bareSession]],
  ['payment_intent', paymentIntentTable, [fullIntent, bareIntent]],
  ['event', eventTable, [fullEvent, bareEvent]],
  ['webhook_endpoint', webhookEndpointTable, [fullEndpoint, bareEndpoint]],
  ['webhook_delivery', webhookDeliveryTable, [fullDelivery, bareDelivery]],
  ['webhook_attempt', webhookAttemptTable, [fullAttempt, bareAttempt]],
];

/** The row read the fast way: a prepared select of `reader.columns`, decoded by the reader. */
function fastSelect<T extends TableWithId>(table: T) {
  const reader = new RowReader(table);
  const statement = new PreparedStatement<{ id: string }>(
    sql`select ${reader.columns} from ${table} where ${table.id} = ${sql.placeholder('id')}`,
  );
  return (db: Executor, id: string) => statement.rows(db, { id }, (values) => reader.read(values));
}

describe('the fast row reader reads what drizzle reads', () => {
  beforeAll(seed);

  it.each(readTables)('%s, from the database', async (_name, table, ids) => {
    const read = fastSelect(table);
    for (const id of ids) {
      const fast = await read(database.db, id);
      const drizzle = await database.db.select().from(table).where(eq(table.id, id));
      expect(drizzle).toHaveLength(1);
      expect(fast).toStrictEqual(drizzle);
    }
  });

  it.each(readTables)(
    '%s, in a transaction under a time zone with minutes in its offset',
    async (_name, table, ids) => {
      const read = fastSelect(table);
      await database.db.transaction(async (tx) => {
        // timestamptz comes back as text in the session's zone: +05:45 exercises the offset parser.
        await tx.execute(sql`set local time zone 'Asia/Kathmandu'`);
        for (const id of ids) {
          const fast = await read(tx, id);
          expect(fast).toStrictEqual(await tx.select().from(table).where(eq(table.id, id)));
        }
      });
    },
  );

  it('writes whole rows as drizzle would: what RowWriter inserts, drizzle reads back unchanged', async () => {
    const sessionWriter = new RowWriter(checkoutSessionTable, 's_');
    const intentWriter = new RowWriter(paymentIntentTable, 'i_');
    const insert = new PreparedStatement<Record<string, unknown>>(
      sql`with new_session as (${sessionWriter.insert}) ${intentWriter.insert}`,
    );
    const [sessionId, intentId] = [newId('cs'), newId('pi')];
    const session: InferSelectModel<typeof checkoutSessionTable> = {
      id: sessionId,
      accountId,
      state: 'EXPIRED',
      amount: 123_456_789_012n,
      currency: 'KWD',
      clientReferenceId: null,
      successUrl: 'https://example.com/ok',
      cancelUrl: null,
      metadata: { __proto__: 'kept', order: '7' },
      paymentIntentId: intentId,
      expireTime: at('2026-11-25T19:13:18.999Z'),
      createTime: at('2026-11-25T19:13:18.001Z'),
      updateTime: at('2026-11-25T19:13:18.500Z'),
    };
    const intent: InferSelectModel<typeof paymentIntentTable> = {
      id: intentId,
      accountId,
      checkoutSessionId: sessionId,
      state: 'CANCELED',
      amount: 123_456_789_012n,
      currency: 'KWD',
      cardBrand: 'amex',
      cardLast4: null,
      lastErrorCode: null,
      lastErrorMessage: 'declined',
      createTime: at('2026-11-25T19:13:18.001Z'),
      updateTime: at('2026-11-25T19:13:18.500Z'),
    };
    await insert.run(database.db, { ...sessionWriter.values(session), ...intentWriter.values(intent) });
    const db = database.db;
    expect(await db.select().from(checkoutSessionTable).where(eq(checkoutSessionTable.id, sessionId))).toStrictEqual([
      session,
    ]);
    expect(await db.select().from(paymentIntentTable).where(eq(paymentIntentTable.id, intentId))).toStrictEqual([
      intent,
    ]);
  });

  it.skipIf(!testDatabaseUrl())('runs drizzle statements as named prepared statements on PostgreSQL', async () => {
    // A named statement is listed in pg_prepared_statements while it runs, an unnamed one never.
    // (Each has a parameter: postgres.js sends a statement without any by the simple protocol.)
    const itself = new PreparedStatement<{ one: number }>(
      sql`select count(*)::int from pg_prepared_statements where statement = current_query() and ${sql.placeholder('one')}::int = 1`,
    );
    const listed = async (db: Executor) => (await itself.rows(db, { one: 1 }, (values) => values[0]))[0];
    expect(await listed(database.db)).toBe(1);
    await database.db.transaction(async (tx) => {
      expect(await listed(tx)).toBe(1);
      // And the query builder's statements, in a savepoint too.
      await tx.transaction(async (savepoint) => {
        const [row] = await savepoint
          .select({ listed: sql<number>`count(*)::int` })
          .from(sql`pg_prepared_statements`)
          .where(sql`statement = current_query() and ${1}::int = 1`);
        expect(row?.listed).toBe(1);
      });
    });
  });
});
