/**
 * Every list statement the gateway can send reads about a page, however large the account: on
 * an account of many sessions (with their intents, events, deliveries and attempts), EXPLAIN
 * ANALYZE of each statement shape, under a custom plan and under a generic one, shows index
 * scans in list order under a Limit, no scan reading more than a few pages of rows and no sort
 * of more than that. The shapes come from the statement sets the lists run from, so a new
 * filter or direction cannot escape this test.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database, type Db } from '../src/db/client.js';
import type { PreparedStatement } from '../src/db/rows.js';
import { shapeKey, type StatementSet } from '../src/db/statement-set.js';
import {
  checkoutSessionListQuery,
  checkoutSessionListStatements,
} from '../src/domain/checkout-sessions/list-statements.js';
import { eventListQuery, eventListStatements } from '../src/domain/events/reads.js';
import {
  webhookAttemptsStatement,
  webhookDeliveryListQuery,
  webhookDeliveryListStatements,
  webhookEndpointListQuery,
  webhookEndpointListStatements,
} from '../src/domain/webhooks/reads.js';
import { BIG_ACCOUNT, BIG_ENDPOINT, seedStatements, sessionId } from './large-account.js';
import { explain, formatPlan, planProblems } from './plans.js';
import { ownDatabase, type OwnDatabase } from './own-database.js';
import { testDatabaseUrl } from './testkit.js';

const onPostgres = testDatabaseUrl() !== '';
/** Enough sessions that reading the account costs far more than a page (a PGlite seed is slower). */
const SESSIONS = onPostgres ? 100_000 : 30_000;
const PAGE = 51;
/** A page, the page of a second part merged with it, and some slack: far below the account. */
const MAX_ROWS = 4 * PAGE;

let database: Database;
let db: Db;
let own: OwnDatabase;

beforeAll(async () => {
  // A database of its own: other files' sweeps and rows must not change these plans mid-test.
  own = await ownDatabase('plans');
  database = await openDatabase({ databaseUrl: own.databaseUrl, dataDir: null, poolSize: 2 });
  db = database.db;
  await database.migrate();
  const started = performance.now();
  await db.transaction(async (tx) => {
    // The seed's rows refer to each other correctly by construction: skip the per-row checks.
    await tx.execute(sql.raw('set local session_replication_role = replica'));
    for (const statement of seedStatements({ sessions: SESSIONS, endpointAccounts: 1000 }))
      await tx.execute(sql.raw(statement));
  });
  console.info(
    `list plans: seeded ${SESSIONS} sessions on ${database.kind} in ${Math.round(performance.now() - started)} ms`,
  );
}, 300_000);

afterAll(async () => {
  await database?.close();
  await own?.drop();
});

async function one(query: string): Promise<Record<string, any>> {
  const result = await db.execute(sql.raw(query));
  return (Array.isArray(result) ? result : (result as unknown as { rows: Record<string, any>[] }).rows)[0]!;
}

const quote = (value: string) => `'${value.replace(/'/g, "''")}'`;

/** Where a row sits in a (createTime, id) list. */
async function timeIdPosition(table: string, id: string) {
  const row = await one(
    `select (extract(epoch from create_time) * 1000)::float8 as ms from ${table} where id = ${quote(id)}`,
  );
  return { createTime: new Date(Number(row.ms)), id };
}

interface Checked {
  key: string;
  statement: PreparedStatement<any>;
  values: Record<string, unknown>;
  /** False for a statement bounded by its parameters rather than by a LIMIT. */
  limited?: boolean;
}

/**
 * EXPLAINs each statement with its values under both plans; returns what is wrong, with the
 * plan, for every statement that reads more than about a page.
 */
async function problemsOf(checked: Checked[]): Promise<string[]> {
  const failures: string[] = [];
  for (const { key, statement, values, limited = true } of checked) {
    for (const mode of ['custom', 'generic'] as const) {
      const plan = await explain(db, statement.bind(values), mode);
      const problems = planProblems(plan, MAX_ROWS, limited);
      if (problems.length > 0) failures.push(`${key} (${mode} plan): ${problems.join('; ')}\n${formatPlan(plan)}`);
    }
  }
  return failures;
}

/** Checks that the test drives every shape of the set, each with values of exactly that shape. */
function covering<S extends object, V extends Record<string, unknown>>(
  set: StatementSet<S, V>,
  query: (shape: S) => { shape: S; values: V },
): Checked[] {
  return set.entries().map(({ key, shape, statement }) => {
    const built = query(shape);
    expect(shapeKey(built.shape), `${set.name}: values built for ${key}`).toBe(key);
    return { key: `${set.name} ${key}`, statement, values: built.values };
  });
}

describe('every list statement reads about a page of a large account', () => {
  it('checkoutSessions and the REST list: each filter, cursor and direction', async () => {
    const after = await timeIdPosition('checkout_session', sessionId(BIG_ACCOUNT, SESSIONS / 2));
    const before = await timeIdPosition('checkout_session', sessionId(BIG_ACCOUNT, SESSIONS / 4));
    const checked = covering(checkoutSessionListStatements, (shape) =>
      checkoutSessionListQuery(
        BIG_ACCOUNT,
        {
          limit: PAGE,
          state: shape.state,
          // Shared by four sessions, from the middle of the account.
          clientReferenceId: shape.clientReferenceId ? `order_${SESSIONS / 8 + 1}` : null,
          after: shape.after ? after : null,
          before: shape.before ? before : null,
          inverted: shape.inverted,
        },
        shape.withPaymentIntents,
      ),
    );
    expect(checked).toHaveLength(128);
    expect(await problemsOf(checked)).toEqual([]);
  });

  it('events: each number of types, the session filter, cursors and directions', async () => {
    const after = (
      await one(`select sequence from event where id = 'evt_bc${sessionId(BIG_ACCOUNT, SESSIONS / 2).slice(3)}'`)
    ).sequence;
    const before = (
      await one(`select sequence from event where id = 'evt_bc${sessionId(BIG_ACCOUNT, SESSIONS / 4).slice(3)}'`)
    ).sequence;
    // The rarest type first: a filter on it reads furthest through the log.
    const types = ['checkout_session.expired', 'checkout_session.paid', 'checkout_session.created'];
    const checked = covering(eventListStatements, (shape) =>
      eventListQuery(
        {
          accountId: BIG_ACCOUNT,
          types: types.slice(0, shape.types),
          checkoutSessionId: shape.checkoutSession ? sessionId(BIG_ACCOUNT, SESSIONS / 2 - 1) : null,
        },
        {
          limit: PAGE,
          after: shape.after ? BigInt(after) : null,
          before: shape.before ? BigInt(before) : null,
          inverted: shape.inverted,
        },
      ),
    );
    expect(checked).toHaveLength(64);
    expect(await problemsOf(checked)).toEqual([]);
  });

  it('webhook deliveries of an endpoint: the state and event filters, cursors and directions', async () => {
    const deliveryOf = (i: number) => `whd_bc${sessionId(BIG_ACCOUNT, i).slice(3)}`;
    const after = await timeIdPosition('webhook_delivery', deliveryOf(SESSIONS / 2));
    const before = await timeIdPosition('webhook_delivery', deliveryOf(SESSIONS / 4));
    const checked = covering(webhookDeliveryListStatements, (shape) =>
      webhookDeliveryListQuery(BIG_ACCOUNT, BIG_ENDPOINT, {
        limit: PAGE,
        // FAILED is the rarest state.
        state: shape.state ? 'FAILED' : null,
        eventId: shape.event ? `evt_bc${sessionId(BIG_ACCOUNT, SESSIONS / 2 - 1).slice(3)}` : null,
        after: shape.after ? after : null,
        before: shape.before ? before : null,
        inverted: shape.inverted,
      }),
    );
    expect(checked).toHaveLength(32);
    expect(await problemsOf(checked)).toEqual([]);
  });

  it('webhook endpoints and the attempts of a page of deliveries', async () => {
    const endpoint = (n: number) => `${BIG_ENDPOINT.slice(0, -2)}${String(n).padStart(2, '0')}`;
    const after = await timeIdPosition('webhook_endpoint', endpoint(4));
    const before = await timeIdPosition('webhook_endpoint', endpoint(12));
    const checked = covering(webhookEndpointListStatements, (shape) =>
      webhookEndpointListQuery(BIG_ACCOUNT, {
        limit: PAGE,
        after: shape.after ? after : null,
        before: shape.before ? before : null,
        inverted: shape.inverted,
      }),
    );
    expect(checked).toHaveLength(8);
    const deliveryIds = Array.from(
      { length: PAGE },
      (_, i) => `whd_bc${sessionId(BIG_ACCOUNT, SESSIONS / 2 - i).slice(3)}`,
    );
    // Bounded by the deliveries asked for (a page) rather than by a LIMIT.
    checked.push({
      key: 'webhook attempts of a page of deliveries',
      statement: webhookAttemptsStatement,
      values: { deliveryIds },
      limited: false,
    });
    expect(await problemsOf(checked)).toEqual([]);
  });
});
