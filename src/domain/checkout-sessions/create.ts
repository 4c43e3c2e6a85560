import { eq, sql } from 'drizzle-orm';
import { PreparedStatement, RowWriter } from '../../db/rows.js';
import { checkoutSessionTable, paymentIntentTable } from '../../db/schema.js';
import type { DomainDeps } from '../deps.js';
import { eventStatement, eventValues } from '../events/record.js';
import { newId } from '../ids.js';
import { claimIdempotencyKey, idempotencyKeyOf } from './idempotency.js';
import { MAX_EXPIRE_MS, type CreateCheckoutSessionInput } from './input.js';
import { checkoutSessionEvent } from './lifecycle.js';
import {
  effectiveSession,
  type CheckoutSession,
  type CheckoutSessionRow,
  type PaymentIntent,
  type PaymentIntentRow,
} from './model.js';

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
  const key = idempotencyKeyOf(input, idempotencyKey);
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
    const earlierId = await claimIdempotencyKey(tx, accountId, key, input, sessionId, now);
    if (earlierId !== null) {
      const [row] = await tx.select().from(checkoutSessionTable).where(eq(checkoutSessionTable.id, earlierId));
      if (!row) throw new Error('idempotency key points at a missing checkout session');
      return { session: effectiveSession(row, now), replayed: true };
    }
    await createStatement.run(tx, values);
    return { session, replayed: false, paymentIntent: intent };
  });
}
