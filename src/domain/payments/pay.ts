/**
 * Paying a checkout session with a card on the hosted page: reading the session by its id, and
 * the one transaction that turns a successful charge into a COMPLETE session. No HTTP and no
 * HTML in here; the hosted page adapts.
 *
 * Card numbers and security codes live only in memory for the length of a request: they are
 * handed to the processor and never written to the database or a log.
 */
import { and, eq } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { accountTable, checkoutSessionTable, paymentAttemptTable, paymentIntentTable } from '../../db/schema.js';
import { lockCheckoutSession, recordCheckoutSessionEvent } from '../checkout-sessions/lifecycle.js';
import { effectiveSession, type CheckoutSession } from '../checkout-sessions/model.js';
import { toCheckoutSessionResource } from '../checkout-sessions/resource.js';
import type { DomainDeps } from '../deps.js';
import { badInput, notFound } from '../errors.js';
import { recordEvent } from '../events/record.js';
import { hasPrefix, newId } from '../ids.js';
import { checkoutSessionName, paymentIntentName } from '../resource-names.js';
import { formatInstant } from '../time.js';
import { validateCard, type CardInput } from './cards.js';

/** What the hosted page shows: the session as every reader sees it and whom it pays. */
export interface HostedCheckout {
  session: CheckoutSession;
  merchantName: string;
}

/**
 * Looks a session up by id alone: the id in the URL is the bearer capability. Undefined for
 * anything that is not an existing session id.
 */
export async function getHostedCheckout(
  db: Executor,
  sessionId: string,
  now = new Date(),
): Promise<HostedCheckout | undefined> {
  if (!hasPrefix(sessionId, 'cs') || sessionId.length > 64) return undefined;
  const [row] = await db
    .select({ session: checkoutSessionTable, merchantName: accountTable.displayName })
    .from(checkoutSessionTable)
    .innerJoin(accountTable, eq(accountTable.id, checkoutSessionTable.accountId))
    .where(eq(checkoutSessionTable.id, sessionId));
  return row && { session: effectiveSession(row.session, now), merchantName: row.merchantName };
}

export type PayResult =
  /** Charged; the session is COMPLETE and `checkout_session.paid` is written. */
  | { outcome: 'succeeded'; session: CheckoutSession }
  /** The processor refused; the session stays OPEN and another card may be tried. */
  | { outcome: 'declined'; session: CheckoutSession; declineCode: string; message: string }
  /** Nothing was charged: the session had been paid already. */
  | { outcome: 'already_paid'; session: CheckoutSession }
  /** Nothing was charged: the session is expired (or lapsed past its expireTime). */
  | { outcome: 'expired'; session: CheckoutSession };

/**
 * Pays an OPEN session with a card, in one transaction: lock the session row, check it is OPEN
 * and not past `expireTime`, charge, record the attempt (brand and last four only), and on
 * success move the payment intent to SUCCEEDED and the session to COMPLETE with its event.
 *
 * The row lock is what makes "paid at most once" hold across concurrent submissions and
 * processes: a second submission waits for the first to commit, then sees COMPLETE and charges
 * nothing. The same lock orders pay against expire, so exactly one of them wins.
 *
 * Throws BAD_USER_INPUT (every card problem, nothing recorded) and NOT_FOUND.
 */
export async function payCheckoutSession(deps: DomainDeps, sessionId: string, input: CardInput): Promise<PayResult> {
  const validated = validateCard(input);
  if (validated.issues) throw badInput(validated.issues);
  const card = validated.card;
  if (!hasPrefix(sessionId, 'cs')) throw notFound('Checkout session');
  const processor = deps.paymentProcessor;

  return deps.db.transaction(async (tx) => {
    const row = await lockCheckoutSession(tx, null, sessionId);
    if (!row) throw notFound('Checkout session');
    const now = new Date();
    const session = effectiveSession(row, now);
    if (session.state === 'COMPLETE') return { outcome: 'already_paid', session };
    // A lapsed OPEN row is left for the expiry sweep to persist (with its event); here it is
    // enough that it is never charged.
    if (session.state === 'EXPIRED') return { outcome: 'expired', session };

    const attemptId = newId('pa');
    const intentName = paymentIntentName(row.accountId, row.paymentIntentId);
    // Held under the row lock on purpose: the lock is the guarantee against a double charge.
    const result = await processor.charge({
      attemptId,
      amount: row.amount,
      currency: row.currency,
      card,
      reference: intentName,
    });

    await tx.insert(paymentAttemptTable).values({
      id: attemptId,
      accountId: row.accountId,
      paymentIntentId: row.paymentIntentId,
      succeeded: result.succeeded,
      declineCode: result.succeeded ? null : result.declineCode,
      processor: processor.name,
      processorReference: result.processorReference,
      cardBrand: card.brand,
      cardLast4: card.last4,
      createTime: now,
    });

    if (!result.succeeded) {
      await tx
        .update(paymentIntentTable)
        .set({ lastErrorCode: result.declineCode, lastErrorMessage: result.message, updateTime: now })
        .where(eq(paymentIntentTable.id, row.paymentIntentId));
      // In the decline's transaction and under the session's lock, like every event of the session.
      await recordEvent(tx, {
        accountId: row.accountId,
        type: 'payment_intent.payment_failed',
        checkoutSessionId: row.id,
        data: {
          payment_intent: {
            name: intentName,
            state: 'REQUIRES_PAYMENT_METHOD',
            amount: row.amount.toString(),
            currency: row.currency,
            checkout_session: checkoutSessionName(row.accountId, row.id),
            last_payment_error: { code: result.declineCode, message: result.message },
            card_brand: card.brand,
            card_last4: card.last4,
            create_time: formatInstant(row.createTime),
            update_time: formatInstant(now),
          },
          checkout_session: toCheckoutSessionResource(session, deps.publicUrl),
        },
        createTime: now,
      });
      return { outcome: 'declined', session, declineCode: result.declineCode, message: result.message };
    }

    const intents = await tx
      .update(paymentIntentTable)
      .set({
        state: 'SUCCEEDED',
        cardBrand: card.brand,
        cardLast4: card.last4,
        lastErrorCode: null,
        lastErrorMessage: null,
        updateTime: now,
      })
      .where(
        and(eq(paymentIntentTable.id, row.paymentIntentId), eq(paymentIntentTable.state, 'REQUIRES_PAYMENT_METHOD')),
      )
      .returning({ id: paymentIntentTable.id });
    const [paid] = await tx
      .update(checkoutSessionTable)
      .set({ state: 'COMPLETE', updateTime: now })
      .where(and(eq(checkoutSessionTable.id, row.id), eq(checkoutSessionTable.state, 'OPEN')))
      .returning();
    // Under the lock an OPEN session has an unpaid intent; anything else is corrupt data, and
    // throwing rolls the charge record back rather than completing half of it.
    if (intents.length !== 1 || !paid) throw new Error(`checkout session ${row.id} and its payment intent disagree`);
    await recordCheckoutSessionEvent(tx, deps, 'checkout_session.paid', paid, now);
    return { outcome: 'succeeded', session: paid };
  });
}

/** Where the customer goes after paying: `successUrl` with the session id filled in. */
export function successRedirectUrl(session: CheckoutSession): string | null {
  if (!session.successUrl) return null;
  return session.successUrl
    .replaceAll('{CHECKOUT_SESSION_ID}', session.id)
    .replaceAll('%7BCHECKOUT_SESSION_ID%7D', session.id);
}
