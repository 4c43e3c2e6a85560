import { and, eq, sql, type SQL } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { RowReader } from '../../db/rows.js';
import { checkoutSessionTable, paymentIntentTable } from '../../db/schema.js';
import {
  KEYSET_DIMENSIONS,
  type KeysetPage,
  type KeysetShape,
  type KeysetValues,
  keysetConditions,
  keysetOrder,
  keysetShape,
  keysetValues,
  pageLimit,
  scanLimit,
} from '../../db/keyset.js';
import { everyCombination, StatementSet } from '../../db/statement-set.js';
import type { CheckoutSessionRow, CheckoutSessionState, PaymentIntentRow } from './model.js';

export interface ListCheckoutSessionsOptions extends KeysetPage {
  state?: CheckoutSessionState | null;
  clientReferenceId?: string | null;
}

/** The values a list statement binds; each statement uses those of its shape. */
interface ListValues extends KeysetValues {
  accountId: string;
  clientReferenceId: string | null;
}

/** What decides a list statement's text: which filters, which cursors, which direction. */
export interface SessionListShape extends KeysetShape {
  withPaymentIntents: boolean;
  state: CheckoutSessionState | null;
  clientReferenceId: boolean;
}

function sessionListShape(options: ListCheckoutSessionsOptions, withPaymentIntents: boolean): SessionListShape {
  return {
    withPaymentIntents,
    state: options.state ?? null,
    clientReferenceId: options.clientReferenceId != null,
    ...keysetShape(options),
  };
}

const p = (name: Exclude<keyof ListValues, number>) => sql.placeholder(name);

/** The conditions every part of a page shares: the account, the reference, the cursors. */
function rangeConditions(shape: SessionListShape): SQL[] {
  const t = checkoutSessionTable;
  const conditions: SQL[] = [eq(t.accountId, p('accountId'))];
  if (shape.clientReferenceId) conditions.push(eq(t.clientReferenceId, p('clientReferenceId')));
  conditions.push(...keysetConditions(t, shape));
  return conditions;
}

const listOrder = (shape: SessionListShape, qualified = false) => keysetOrder(checkoutSessionTable, shape, qualified);

/**
 * At most a page of the rows of one state (or of all), in list order (MAX_LIST_ROWS: the page's
 * own limit is applied above, and only as many rows as it takes are read): a range of
 * (account_id[, state | client_reference_id], create_time, id) read from the cursor on.
 */
function sessionRange(shape: SessionListShape, stateCondition: SQL | null): SQL {
  const conditions = rangeConditions(shape);
  if (stateCondition) conditions.push(stateCondition);
  return sql`select * from ${checkoutSessionTable} where ${and(...conditions)} order by ${listOrder(shape)} ${scanLimit()}`;
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
      )} ${scanLimit()}) as ${t}`;
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
  return sql`select ${sessionReader.columns}${from} order by ${listOrder(shape, true)} ${pageLimit()}`;
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
    ...KEYSET_DIMENSIONS,
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
      ...keysetValues(options),
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
