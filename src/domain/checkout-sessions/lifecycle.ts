import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Tx } from '../../db/client.js';
import { checkoutSessionTable, paymentIntentTable } from '../../db/schema.js';
import type { DomainDeps } from '../deps.js';
import { DomainError, notFound } from '../errors.js';
import { recordEvent, type NewEvent } from '../events/record.js';
import type { EventType } from '../events/event.js';
import type { CheckoutSession, CheckoutSessionRow } from './model.js';
import { toCheckoutSessionResource } from './resource.js';

/** The event of a checkout session change; its payload carries the session as it now is. */
export function checkoutSessionEvent(deps: DomainDeps, type: EventType, session: CheckoutSession, at: Date): NewEvent {
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
  // A lapsed session has read as EXPIRED since its expireTime, updated then (effectiveSession):
  // persisting it later must not move the updateTime clients have already seen.
  const updateTime = row.expireTime.getTime() <= now.getTime() ? row.expireTime : now;
  const [expired] = await tx
    .update(checkoutSessionTable)
    .set({ state: 'EXPIRED', updateTime })
    .where(and(eq(checkoutSessionTable.id, row.id), eq(checkoutSessionTable.state, 'OPEN')))
    .returning();
  await tx
    .update(paymentIntentTable)
    .set({ state: 'CANCELED', updateTime })
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
