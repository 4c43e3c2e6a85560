import { and, eq, sql, type SQL } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';
import type { Executor } from '../../db/client.js';
import { checkoutSessionTable, paymentIntentTable } from '../../db/schema.js';
import {
  readSessionPage,
  readSessionPageWithPaymentIntents,
  type ListCheckoutSessionsOptions,
} from './list-statements.js';
import { effectivePaymentIntent, effectiveSession, type CheckoutSession, type PaymentIntent } from './model.js';

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

export async function listCheckoutSessions(
  db: Executor,
  accountId: string,
  options: ListCheckoutSessionsOptions,
): Promise<CheckoutSession[]> {
  const now = new Date();
  const rows = await readSessionPage(db, accountId, options);
  return rows.map((row) => effectiveSession(row, now));
}

/** A session of a page, with the payment intent it was read with. */
export interface ListedCheckoutSession extends CheckoutSession {
  paymentIntent: PaymentIntent;
}

/**
 * The same page with each session's payment intent, joined in the one statement: a list screen
 * almost always shows the payment's state, and this spares the second round trip. The intent is
 * set on the session (read just now, owned by nobody else): a wrapper object, a WeakMap or the
 * request's dataloader each cost a page measurably more CPU (A/B: the loader ×1.31).
 */
export async function listCheckoutSessionsWithPaymentIntents(
  db: Executor,
  accountId: string,
  options: ListCheckoutSessionsOptions,
): Promise<ListedCheckoutSession[]> {
  const now = new Date();
  const rows = await readSessionPageWithPaymentIntents(db, accountId, options);
  return rows.map(({ session, paymentIntent }) =>
    Object.assign(effectiveSession(session, now), {
      paymentIntent: effectivePaymentIntent(paymentIntent, session.expireTime, now),
    }),
  );
}
