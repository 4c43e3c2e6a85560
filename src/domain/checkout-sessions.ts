import { createHash } from 'node:crypto';
import { and, eq, inArray, sql, type SQL } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';
import type { Db, Executor, Tx } from '../db/client.js';
import { PreparedStatement, RowReader, RowWriter } from '../db/rows.js';
import { everyCombination, listLimit, MAX_LIST_ROWS, StatementSet } from '../db/statement-set.js';
import { checkoutSessionTable, idempotencyKeyTable, paymentIntentTable } from '../db/schema.js';
import { DomainError, notFound } from './errors.js';
import type { EventType } from './events/event.js';
import { eventStatement, eventValues, recordEvent, type NewEvent } from './events/record.js';
import { hasPrefix, newId } from './ids.js';
import { formatInstant } from './time.js';
import { idempotencyKeySchema, MAX_EXPIRE_MS, parseInput, type CreateCheckoutSessionInput } from './validation.js';

export type CheckoutSessionState = 'OPEN' | 'COMPLETE' | 'EXPIRED';

type CheckoutSessionRow = typeof checkoutSessionTable.$inferSelect;
type PaymentIntentRow = typeof paymentIntentTable.$inferSelect;

/** A checkout session as every reader sees it: past `expireTime` an OPEN row reads as EXPIRED. */
export type CheckoutSession = CheckoutSessionRow;
/** A payment intent as readers see it: CANCELED once its session has lapsed unpaid. */
export type PaymentIntent = PaymentIntentRow;

export interface DomainDeps {
  db: Db;
  /** Base of hosted page URLs, without a trailing slash. */
  publicUrl: string;
}

export function checkoutSessionName(accountId: string, id: string): string {
  return `accounts/${accountId}/checkout-sessions/${id}`;
}

export function paymentIntentName(accountId: string, id: string): string {
  return `accounts/${accountId}/payment-intents/${id}`;
}

export function checkoutSessionUrl(publicUrl: string, session: CheckoutSession): string | null {
  return session.state === 'OPEN' ? `${publicUrl}/checkout?s_checkout_session=${session.id}` : null;
}

/**
 * Parses `accounts/acct_…/<collection>/<prefix>_…`. A well-formed name of another account is
 * reported exactly like a missing resource, so that names leak nothing across tenants.
 */
export function parseResourceName(
  name: string,
  accountId: string,
  collection: 'checkout-sessions' | 'payment-intents' | 'events' | 'webhook-endpoints' | 'api-keys',
  prefix: 'cs' | 'pi' | 'evt' | 'we' | 'key',
): string {
  const parts = name.split('/');
  if (
    parts.length !== 4 ||
    parts[0] !== 'accounts' ||
    !hasPrefix(parts[1]!, 'acct') ||
    parts[2] !== collection ||
    !hasPrefix(parts[3]!, prefix)
  ) {
    throw new DomainError(
      'BAD_USER_INPUT',
      `"${name}" is not a resource name of the form accounts/acct_…/${collection}/${prefix}_….`,
      {
        issues: [{ path: ['name'], message: `must look like accounts/acct_…/${collection}/${prefix}_…` }],
      },
    );
  }
  if (parts[1] !== accountId) throw notFound(RESOURCE_LABELS[collection]);
  return parts[3]!;
}

/** The words of each collection's NOT_FOUND message, the same whether the name is foreign or missing. */
const RESOURCE_LABELS = {
  'checkout-sessions': 'Checkout session',
  'payment-intents': 'Payment intent',
  events: 'Event',
  'webhook-endpoints': 'Webhook endpoint',
  'api-keys': 'API key',
} as const;

export function effectiveSession(row: CheckoutSessionRow, now = new Date()): CheckoutSession {
  if (row.state === 'OPEN' && row.expireTime.getTime() <= now.getTime()) {
    return { ...row, state: 'EXPIRED', updateTime: row.expireTime };
  }
  return row;
}

function effectivePaymentIntent(row: PaymentIntentRow, sessionExpireTime: Date, now = new Date()): PaymentIntent {
  if (row.state === 'REQUIRES_PAYMENT_METHOD' && sessionExpireTime.getTime() <= now.getTime()) {
    return { ...row, state: 'CANCELED', updateTime: sessionExpireTime };
  }
  return row;
}

/** The seed's REST representation, also the `checkout_session` object of webhook payloads. */
export function toCheckoutSessionResource(session: CheckoutSession, publicUrl: string) {
  return {
    name: checkoutSessionName(session.accountId, session.id),
    state: session.state,
    amount: session.amount.toString(),
    currency: session.currency,
    client_reference_id: session.clientReferenceId,
    url: checkoutSessionUrl(publicUrl, session),
    payment_intent: paymentIntentName(session.accountId, session.paymentIntentId),
    paid: session.state === 'COMPLETE',
    success_url: session.successUrl,
    cancel_url: session.cancelUrl,
    metadata: session.metadata,
    expire_time: formatInstant(session.expireTime),
    create_time: formatInstant(session.createTime),
    update_time: formatInstant(session.updateTime),
  };
}

export type CheckoutSessionResource = ReturnType<typeof toCheckoutSessionResource>;

/** The event of a checkout session change; its payload carries the session as it now is. */
function checkoutSessionEvent(deps: DomainDeps, type: EventType, session: CheckoutSession, at: Date): NewEvent {
  return {
    accountId: session.accountId,
    type,
    checkoutSessionId: session.id,
    data: { checkout_session: toCheckoutSessionResource(session, deps.publicUrl) },
    createTime: at,
  };
}

/** Writes the event of a checkout session change, inside that change's transaction. */
export async function recordCheckoutSessionEvent(
  tx: Tx,
  deps: DomainDeps,
  type: EventType,
  session: CheckoutSession,
  at: Date,
): Promise<string> {
  return recordEvent(tx, checkoutSessionEvent(deps, type, session, at));
}

function requestFingerprint(input: CreateCheckoutSessionInput): string {
  const metadata = input.metadata
    ? Object.fromEntries(Object.entries(input.metadata).sort(([a], [b]) => (a < b ? -1 : 1)))
    : null;
  const canonical = JSON.stringify([
    input.amount.toString(),
    input.currency,
    input.clientReferenceId ?? null,
    input.successUrl ?? null,
    input.cancelUrl ?? null,
    metadata,
    input.expireTime ? input.expireTime.toISOString() : null,
  ]);
  return createHash('sha256').update(canonical).digest('hex');
}

export interface CreateResult {
  session: CheckoutSession;
  /** True when an earlier request with the same idempotency key created this session. */
  replayed: boolean;
  /** The payment intent created with the session; absent on a replay, which did not read it. */
  paymentIntent?: PaymentIntent;
}

const sessionWriter = new RowWriter(checkoutSessionTable, 'session_');
const intentWriter = new RowWriter(paymentIntentTable, 'intent_');

/**
 * The session, its payment intent and its event in one statement: one round trip, and the
 * account's event lock is then held only while PostgreSQL runs it, never while a busy process
 * gets round to sending the next statement (which would stall every create of the account).
 */
const createStatement = new PreparedStatement<Record<string, unknown>>(
  eventStatement(sql`new_session as (${sessionWriter.insert}), new_intent as (${intentWriter.insert})`),
);

/**
 * Creates a session and its payment intent, and records `checkout_session.created`, in one
 * transaction. With an idempotency key, the key row is claimed first in that same transaction:
 * concurrent requests with one key queue on its primary key, and all but the first replay it.
 */
export async function createCheckoutSession(
  deps: DomainDeps,
  accountId: string,
  input: CreateCheckoutSessionInput,
  idempotencyKey?: string | null,
): Promise<CreateResult> {
  if (idempotencyKey != null) parseInput(idempotencyKeySchema, idempotencyKey, ['Idempotency-Key']);
  if (idempotencyKey && input.idempotencyKey && idempotencyKey !== input.idempotencyKey) {
    throw new DomainError('BAD_USER_INPUT', 'The Idempotency-Key header and input.idempotencyKey differ.', {
      issues: [{ path: ['input', 'idempotencyKey'], message: 'differs from the Idempotency-Key header' }],
    });
  }
  const key = idempotencyKey ?? input.idempotencyKey ?? null;
  const now = new Date();
  const sessionId = newId('cs');
  const paymentIntentId = newId('pi');

  const expireTime = input.expireTime ?? new Date(now.getTime() + MAX_EXPIRE_MS);
  const session: CheckoutSessionRow = {
    id: sessionId,
    accountId,
    state: 'OPEN',
    amount: input.amount,
    currency: input.currency,
    clientReferenceId: input.clientReferenceId ?? null,
    successUrl: input.successUrl ?? null,
    cancelUrl: input.cancelUrl ?? null,
    metadata: input.metadata ?? {},
    paymentIntentId,
    expireTime,
    createTime: now,
    updateTime: now,
  };
  const intent: PaymentIntentRow = {
    id: paymentIntentId,
    accountId,
    checkoutSessionId: sessionId,
    state: 'REQUIRES_PAYMENT_METHOD',
    amount: input.amount,
    currency: input.currency,
    cardBrand: null,
    cardLast4: null,
    lastErrorCode: null,
    lastErrorMessage: null,
    createTime: now,
    updateTime: now,
  };
  const values = {
    ...sessionWriter.values(session),
    ...intentWriter.values(intent),
    ...eventValues(newId('evt'), checkoutSessionEvent(deps, 'checkout_session.created', session, now)),
  };
  if (!key) {
    // A single statement is a transaction of its own.
    await createStatement.run(deps.db, values);
    return { session, replayed: false, paymentIntent: intent };
  }

  return deps.db.transaction(async (tx) => {
    const requestHash = requestFingerprint(input);
    const claimed = await tx
      .insert(idempotencyKeyTable)
      .values({
        accountId,
        operation: 'createCheckoutSession',
        key,
        requestHash,
        resourceId: sessionId,
        createTime: now,
      })
      .onConflictDoNothing()
      .returning({ key: idempotencyKeyTable.key });
    if (claimed.length === 0) {
      const [earlier] = await tx
        .select()
        .from(idempotencyKeyTable)
        .where(
          and(
            eq(idempotencyKeyTable.accountId, accountId),
            eq(idempotencyKeyTable.operation, 'createCheckoutSession'),
            eq(idempotencyKeyTable.key, key),
          ),
        );
      if (!earlier) throw new Error('idempotency key row vanished between insert and select');
      if (earlier.requestHash !== requestHash) {
        throw new DomainError(
          'IDEMPOTENCY_KEY_REUSED',
          'This idempotency key was already used with different input; use a new key for a new request.',
        );
      }
      const [row] = await tx.select().from(checkoutSessionTable).where(eq(checkoutSessionTable.id, earlier.resourceId));
      if (!row) throw new Error('idempotency key points at a missing checkout session');
      return { session: effectiveSession(row, now), replayed: true };
    }
    await createStatement.run(tx, values);
    return { session, replayed: false, paymentIntent: intent };
  });
}

/** Locks a session row for the rest of the transaction; undefined when not in the account. */
export async function lockCheckoutSession(
  tx: Tx,
  accountId: string | null,
  sessionId: string,
): Promise<CheckoutSessionRow | undefined> {
  const [row] = await tx
    .select()
    .from(checkoutSessionTable)
    .where(
      accountId === null
        ? eq(checkoutSessionTable.id, sessionId)
        : and(eq(checkoutSessionTable.id, sessionId), eq(checkoutSessionTable.accountId, accountId)),
    )
    .for('update');
  return row;
}

/**
 * The one guarded transition OPEN → EXPIRED (payment intent → CANCELED), with its event.
 * The caller holds the row lock. Returns the row unchanged when it is not OPEN.
 */
async function expireLockedSession(
  tx: Tx,
  deps: DomainDeps,
  row: CheckoutSessionRow,
  now: Date,
): Promise<CheckoutSessionRow> {
  if (row.state !== 'OPEN') return row;
  const [expired] = await tx
    .update(checkoutSessionTable)
    .set({ state: 'EXPIRED', updateTime: now })
    .where(and(eq(checkoutSessionTable.id, row.id), eq(checkoutSessionTable.state, 'OPEN')))
    .returning();
  await tx
    .update(paymentIntentTable)
    .set({ state: 'CANCELED', updateTime: now })
    .where(
      and(
        eq(paymentIntentTable.id, row.paymentIntentId),
        inArray(paymentIntentTable.state, ['REQUIRES_PAYMENT_METHOD', 'PROCESSING']),
      ),
    );
  await recordCheckoutSessionEvent(tx, deps, 'checkout_session.expired', expired!, now);
  return expired!;
}

/** OPEN → EXPIRED; EXPIRED stays as it is; COMPLETE cannot be expired. */
export async function expireCheckoutSession(
  deps: DomainDeps,
  accountId: string,
  sessionId: string,
): Promise<CheckoutSession> {
  return deps.db.transaction(async (tx) => {
    const row = await lockCheckoutSession(tx, accountId, sessionId);
    if (!row) throw notFound('Checkout session');
    if (row.state === 'COMPLETE') {
      throw new DomainError(
        'FAILED_PRECONDITION',
        'The checkout session is COMPLETE: it was paid and can no longer be expired.',
      );
    }
    return expireLockedSession(tx, deps, row, new Date());
  });
}

/**
 * Moves OPEN sessions whose `expireTime` has passed to EXPIRED, at most `limit` per call.
 * SKIP LOCKED lets every process sweep at once without waiting on each other or on a payment.
 */
export async function sweepExpiredCheckoutSessions(deps: DomainDeps, limit = 100): Promise<number> {
  return deps.db.transaction(async (tx) => {
    const rows = await tx
      .select()
      .from(checkoutSessionTable)
      .where(and(eq(checkoutSessionTable.state, 'OPEN'), sql`${checkoutSessionTable.expireTime} <= now()`))
      .orderBy(checkoutSessionTable.expireTime)
      .limit(limit)
      .for('update', { skipLocked: true });
    const now = new Date();
    for (const row of rows) await expireLockedSession(tx, deps, row, now);
    return rows.length;
  });
}

/**
 * `column = any($1)` with the ids as one array parameter. inArray binds a parameter per id, and
 * building and sending a page's worth of them was a good part of a list request's CPU; the
 * statement text is also the same for every batch size, so it is prepared once per connection.
 */
function idIn(column: AnyPgColumn, ids: readonly string[]): SQL {
  return sql`${column} = any(${sql.param([...ids])}::text[])`;
}

/** Batch read for DataLoader: rows in the account among `ids`, in no particular order. */
export async function getCheckoutSessions(
  db: Executor,
  accountId: string,
  ids: readonly string[],
): Promise<CheckoutSession[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .select()
    .from(checkoutSessionTable)
    .where(and(eq(checkoutSessionTable.accountId, accountId), idIn(checkoutSessionTable.id, ids)));
  const now = new Date();
  return rows.map((row) => effectiveSession(row, now));
}

/** Batch read for DataLoader, keyed by payment intent id. */
export async function getPaymentIntents(
  db: Executor,
  accountId: string,
  ids: readonly string[],
): Promise<PaymentIntent[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .select({ intent: paymentIntentTable, expireTime: checkoutSessionTable.expireTime })
    .from(paymentIntentTable)
    .innerJoin(checkoutSessionTable, eq(checkoutSessionTable.id, paymentIntentTable.checkoutSessionId))
    .where(and(eq(paymentIntentTable.accountId, accountId), idIn(paymentIntentTable.id, ids)));
  const now = new Date();
  return rows.map((row) => effectivePaymentIntent(row.intent, row.expireTime, now));
}

export interface ListCheckoutSessionsOptions {
  /** Rows to return (callers ask for one more than a page to learn whether more follow). */
  limit: number;
  /** Position of a row: its creation time and id. */
  after?: SessionCursor | null;
  before?: SessionCursor | null;
  /** Oldest first instead of newest first (for backward pagination). */
  inverted?: boolean;
  state?: CheckoutSessionState | null;
  clientReferenceId?: string | null;
}

export interface SessionCursor {
  createTime: Date;
  id: string;
}

/** The values a list statement binds; each statement uses those of its shape. */
interface ListValues extends Record<string, unknown> {
  accountId: string;
  clientReferenceId: string | null;
  afterTime: string | null;
  afterId: string | null;
  beforeTime: string | null;
  beforeId: string | null;
  limit: number;
}

/** What decides a list statement's text: which filters, which cursors, which direction. */
export interface SessionListShape {
  withPaymentIntents: boolean;
  state: CheckoutSessionState | null;
  clientReferenceId: boolean;
  after: boolean;
  before: boolean;
  inverted: boolean;
}

function sessionListShape(options: ListCheckoutSessionsOptions, withPaymentIntents: boolean): SessionListShape {
  return {
    withPaymentIntents,
    state: options.state ?? null,
    clientReferenceId: options.clientReferenceId != null,
    after: !!options.after,
    before: !!options.before,
    inverted: !!options.inverted,
  };
}

const p = (name: Exclude<keyof ListValues, number>) => sql.placeholder(name);

/** The conditions every part of a page shares: the account, the reference, the cursors. */
function rangeConditions(shape: SessionListShape): SQL[] {
  const t = checkoutSessionTable;
  const conditions: SQL[] = [eq(t.accountId, p('accountId'))];
  if (shape.clientReferenceId) conditions.push(eq(t.clientReferenceId, p('clientReferenceId')));
  // A row comparison is an index condition on (…, create_time, id): the scan starts at the cursor.
  if (shape.after)
    conditions.push(sql`(${t.createTime}, ${t.id}) < (${p('afterTime')}::timestamptz, ${p('afterId')}::text)`);
  if (shape.before)
    conditions.push(sql`(${t.createTime}, ${t.id}) > (${p('beforeTime')}::timestamptz, ${p('beforeId')}::text)`);
  return conditions;
}

/** List order, by the columns' bare names (a union's order by takes no table name). */
function listOrder(shape: SessionListShape, table = sql.empty()): SQL {
  return shape.inverted ? sql`${table}create_time asc, ${table}id asc` : sql`${table}create_time desc, ${table}id desc`;
}

/**
 * At most a page of the rows of one state (or of all), in list order (MAX_LIST_ROWS: the page's
 * own limit is applied above, and only as many rows as it takes are read): a range of
 * (account_id[, state | client_reference_id], create_time, id) read from the cursor on.
 */
function sessionRange(shape: SessionListShape, stateCondition: SQL | null): SQL {
  const conditions = rangeConditions(shape);
  if (stateCondition) conditions.push(stateCondition);
  return sql`select * from ${checkoutSessionTable} where ${and(...conditions)} order by ${listOrder(shape)} limit ${sql.raw(String(MAX_LIST_ROWS))}`;
}

/**
 * The page's sessions, as a table named checkout_session. Each effective state reads an index
 * in list order: OPEN is `state = 'OPEN'` not yet past expireTime (the expiry sweep keeps the
 * lapsed ones few), COMPLETE is the state alone. EXPIRED is the EXPIRED rows (a page at most)
 * and the lapsed OPEN ones, merged: an OR of the two is in no index's order, and PostgreSQL then
 * read and sorted the whole account. The lapsed OPEN rows are found by expireTime, all of them
 * (they are few, the sweep's backlog): asked for in list order with a limit, the planner would
 * walk every OPEN row of the account, betting on most of them having lapsed.
 */
function sessionPage(shape: SessionListShape): SQL {
  const t = checkoutSessionTable;
  switch (shape.state) {
    case null:
      return sql`(${sessionRange(shape, null)}) as ${t}`;
    case 'OPEN':
      return sql`(${sessionRange(shape, sql`${t.state} = 'OPEN' and ${t.expireTime} > now()`)}) as ${t}`;
    case 'COMPLETE':
      return sql`(${sessionRange(shape, sql`${t.state} = 'COMPLETE'`)}) as ${t}`;
    case 'EXPIRED': {
      const lapsed = and(...rangeConditions(shape), sql`${t.state} = 'OPEN' and ${t.expireTime} <= now()`);
      return sql`((${sessionRange(shape, sql`${t.state} = 'EXPIRED'`)}) union all (select * from ${t} where ${lapsed}) order by ${listOrder(
        shape,
      )} limit ${sql.raw(String(MAX_LIST_ROWS))}) as ${t}`;
    }
  }
}

/**
 * Newest first, keyset-paginated on (createTime, id): one statement that reads about a page of
 * rows, however large the account. Each session's payment intent is fetched by id, as a lateral
 * subquery (`offset 0` keeps it one), so that no plan can hash the whole payment_intent table.
 */
function listTemplate(shape: SessionListShape): SQL {
  const intent = sql`lateral (select * from ${paymentIntentTable} where ${paymentIntentTable.id} = ${checkoutSessionTable.paymentIntentId} offset 0) as ${paymentIntentTable}`;
  const from = shape.withPaymentIntents
    ? sql`, ${intentReader.columns} from ${sessionPage(shape)} cross join ${intent}`
    : sql` from ${sessionPage(shape)}`;
  return sql`select ${sessionReader.columns}${from} order by ${listOrder(shape, sql`${checkoutSessionTable}.`)} limit ${p('limit')}`;
}

const sessionReader = new RowReader(checkoutSessionTable);
const intentReader = new RowReader(paymentIntentTable);

/**
 * Every list statement, built once (building one anew for each page was a tenth of a page's
 * CPU); each runs with placeholders bound to the values of the page asked for.
 */
export const checkoutSessionListStatements = new StatementSet<SessionListShape, ListValues>(
  'checkout session list',
  everyCombination({
    withPaymentIntents: [false, true],
    state: [null, 'OPEN', 'COMPLETE', 'EXPIRED'] as const,
    clientReferenceId: [false, true],
    after: [false, true],
    before: [false, true],
    inverted: [false, true],
  }),
  listTemplate,
);

/** The shape and values of the statement that reads the page `options` asks for. */
export function checkoutSessionListQuery(
  accountId: string,
  options: ListCheckoutSessionsOptions,
  withPaymentIntents: boolean,
) {
  return {
    shape: sessionListShape(options, withPaymentIntents),
    values: {
      accountId,
      clientReferenceId: options.clientReferenceId ?? null,
      afterTime: options.after ? formatInstant(options.after.createTime) : null,
      afterId: options.after?.id ?? null,
      beforeTime: options.before ? formatInstant(options.before.createTime) : null,
      beforeId: options.before?.id ?? null,
      limit: listLimit(options.limit),
    } satisfies ListValues,
  };
}

function readPage<R>(
  db: Executor,
  accountId: string,
  options: ListCheckoutSessionsOptions,
  withPaymentIntents: boolean,
  mapRow: (values: readonly unknown[]) => R,
): Promise<R[]> {
  const { shape, values } = checkoutSessionListQuery(accountId, options, withPaymentIntents);
  return checkoutSessionListStatements.get(shape).rows(db, values, mapRow);
}

export async function listCheckoutSessions(
  db: Executor,
  accountId: string,
  options: ListCheckoutSessionsOptions,
): Promise<CheckoutSession[]> {
  const now = new Date();
  return readPage(db, accountId, options, false, (values) => effectiveSession(sessionReader.read(values), now));
}

/**
 * The same page with each session's payment intent, joined in the one statement: a list screen
 * almost always shows the payment's state, and this spares the second round trip.
 */
export async function listCheckoutSessionsWithPaymentIntents(
  db: Executor,
  accountId: string,
  options: ListCheckoutSessionsOptions,
): Promise<{ session: CheckoutSession; paymentIntent: PaymentIntent }[]> {
  const now = new Date();
  return readPage(db, accountId, options, true, (values) => {
    const session = sessionReader.read(values);
    const paymentIntent = intentReader.read(values, sessionReader.width);
    return {
      session: effectiveSession(session, now),
      paymentIntent: effectivePaymentIntent(paymentIntent, session.expireTime, now),
    };
  });
}
