import type { checkoutSessionTable, paymentIntentTable } from '../../db/schema.js';

export type CheckoutSessionState = 'OPEN' | 'COMPLETE' | 'EXPIRED';

export type CheckoutSessionRow = typeof checkoutSessionTable.$inferSelect;
export type PaymentIntentRow = typeof paymentIntentTable.$inferSelect;

/** A checkout session as every reader sees it: past `expireTime` an OPEN row reads as EXPIRED. */
export type CheckoutSession = CheckoutSessionRow;
/** A payment intent as readers see it: CANCELED once its session has lapsed unpaid. */
export type PaymentIntent = PaymentIntentRow;

export function effectiveSession(row: CheckoutSessionRow, now = new Date()): CheckoutSession {
  if (row.state === 'OPEN' && row.expireTime.getTime() <= now.getTime()) {
    return { ...row, state: 'EXPIRED', updateTime: row.expireTime };
  }
  return row;
}

export function effectivePaymentIntent(
  row: PaymentIntentRow,
  sessionExpireTime: Date,
  now = new Date(),
): PaymentIntent {
  if (row.state === 'REQUIRES_PAYMENT_METHOD' && sessionExpireTime.getTime() <= now.getTime()) {
    return { ...row, state: 'CANCELED', updateTime: sessionExpireTime };
  }
  return row;
}
