import { and, eq, sql, type SQL } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { RowReader } from '../../db/rows.js';
import { checkoutSessionTable, paymentIntentTable } from '../../db/schema.js';
import { everyCombination, listLimit, MAX_LIST_ROWS, StatementSet } from '../../db/statement-set.js';
import { formatInstant } from '../time.js';
import type { CheckoutSessionRow, CheckoutSessionState, PaymentIntentRow } from './model.js';

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

/** List order: by the columns' bare names (a union's order by takes no table name) unless `qualified`. */
function listOrder(shape: SessionListShape, qualified = false): SQL {
  const t = checkoutSessionTable;
  const [time, id] = qualified
    ? [sql`${t.createTime}`, sql`${t.id}`]
    : [sql.identifier(t.createTime.name), sql.identifier(t.id.name)];
  const direction = shape.inverted ? sql`asc` : sql`desc`;
  return sql`${time} ${direction}, ${id} ${direction}`;
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
  return sql`select ${sessionReader.columns}${from} order by ${listOrder(shape, true)} limit ${p('limit')}`;
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

/** The rows of the page `options` asks for, each read as `mapRow` makes it. */
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

/** A page of session rows, as stored (readers apply the effective state). */
export function readSessionPage(
  db: Executor,
  accountId: string,
  options: ListCheckoutSessionsOptions,
): Promise<CheckoutSessionRow[]> {
  return readPage(db, accountId, options, false, (values) => sessionReader.read(values));
}

/** A page of session rows, each with its payment intent's row, as stored. */
export function readSessionPageWithPaymentIntents(
  db: Executor,
  accountId: string,
  options: ListCheckoutSessionsOptions,
): Promise<{ session: CheckoutSessionRow; paymentIntent: PaymentIntentRow }[]> {
  return readPage(db, accountId, options, true, (values) => ({
    session: sessionReader.read(values),
    paymentIntent: intentReader.read(values, sessionReader.width),
  }));
}
