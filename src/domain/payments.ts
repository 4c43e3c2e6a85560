/**
 * Paying a checkout session with a card: card validation, the payment processor interface with
 * its sandbox implementation, and the one transaction that turns a successful charge into a
 * COMPLETE session. No HTTP and no HTML in here; the hosted page adapts.
 *
 * Card numbers and security codes live only in memory for the length of a request: they are
 * handed to the processor and never written to the database or a log.
 */
import { and, eq } from 'drizzle-orm';
import { accountTable, checkoutSessionTable, paymentAttemptTable, paymentIntentTable } from '../db/schema.js';
import type { Executor } from '../db/client.js';
import {
  effectiveSession,
  lockCheckoutSession,
  recordCheckoutSessionEvent,
  toCheckoutSessionResource,
  type CheckoutSession,
  type DomainDeps,
} from './checkout-sessions.js';
import { badInput, notFound, type InputIssue } from './errors.js';
import { recordEvent } from './events/record.js';
import { hasPrefix, newId, randomToken } from './ids.js';
import { formatInstant } from './time.js';

// ---------------------------------------------------------------------------------------------
// Cards

type CardBrand = 'visa' | 'mastercard' | 'amex' | 'discover' | 'diners' | 'jcb' | 'unionpay' | 'unknown';

/** What the customer typed, untrusted. Field names double as issue paths. */
export interface CardInput {
  cardNumber?: string | null;
  /** `MM/YY` (also accepted: `MMYY`, `MM/YYYY`, spaces around the slash). */
  expiry?: string | null;
  securityCode?: string | null;
  nameOnCard?: string | null;
}

/** A card that passed validation. Keep it in memory only; `toString` hides the number. */
interface Card {
  /** Digits only. */
  number: string;
  brand: CardBrand;
  last4: string;
  expMonth: number;
  /** Four digits. */
  expYear: number;
  securityCode: string;
  name: string;
}

const CARD_BRAND_LABELS: Record<CardBrand, string> = {
  visa: 'Visa',
  mastercard: 'Mastercard',
  amex: 'American Express',
  discover: 'Discover',
  diners: 'Diners Club',
  jcb: 'JCB',
  unionpay: 'UnionPay',
  unknown: 'Card',
};

function luhnValid(digits: string): boolean {
  if (!/^\d+$/.test(digits)) return false;
  let sum = 0;
  for (let i = 0; i < digits.length; i += 1) {
    let digit = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return sum % 10 === 0;
}

/** The brand from the issuer prefix (IIN ranges as the card networks publish them). */
function detectCardBrand(digits: string): CardBrand {
  const prefix = (length: number) => Number(digits.slice(0, length));
  if (/^4/.test(digits)) return 'visa';
  if (/^3[47]/.test(digits)) return 'amex';
  if (/^5[1-5]/.test(digits) || (prefix(4) >= 2221 && prefix(4) <= 2720)) return 'mastercard';
  if (/^(6011|65)/.test(digits) || (prefix(3) >= 644 && prefix(3) <= 649)) return 'discover';
  if (/^(36|38|39)/.test(digits) || (prefix(3) >= 300 && prefix(3) <= 305)) return 'diners';
  if (prefix(4) >= 3528 && prefix(4) <= 3589) return 'jcb';
  if (/^62/.test(digits)) return 'unionpay';
  return 'unknown';
}

/** How far ahead an expiry date may be before it is more likely a typo than a card. */
const MAX_EXPIRY_YEARS_AHEAD = 20;

/**
 * Checks everything that can be checked without a processor and reports every problem with its
 * field, so the customer fixes them all at once. Nothing is charged for a card that fails here.
 */
function validateCard(
  input: CardInput,
  now = new Date(),
): { card: Card; issues?: undefined } | { card?: undefined; issues: InputIssue[] } {
  const issues: InputIssue[] = [];
  const number = (input.cardNumber ?? '').replace(/[\s-]/g, '');
  const expiry = (input.expiry ?? '').trim();
  const securityCode = (input.securityCode ?? '').trim();
  const name = (input.nameOnCard ?? '').trim();

  let brand: CardBrand = 'unknown';
  if (number === '') {
    issues.push({ path: ['cardNumber'], message: 'Enter your card number.' });
  } else if (!/^\d+$/.test(number)) {
    issues.push({ path: ['cardNumber'], message: 'Enter the card number using digits only.' });
  } else if (number.length < 12 || number.length > 19 || !luhnValid(number)) {
    issues.push({ path: ['cardNumber'], message: 'Your card number is invalid. Check it and try again.' });
  } else {
    brand = detectCardBrand(number);
    if (brand === 'amex' && number.length !== 15) {
      issues.push({ path: ['cardNumber'], message: 'Your card number is invalid. Check it and try again.' });
    }
  }

  let expMonth = 0;
  let expYear = 0;
  const expiryMatch = /^(\d{1,2})\s*\/?\s*(\d{2}|\d{4})$/.exec(expiry);
  if (expiry === '') {
    issues.push({ path: ['expiry'], message: 'Enter the expiry date, as MM/YY.' });
  } else if (!expiryMatch || Number(expiryMatch[1]) < 1 || Number(expiryMatch[1]) > 12) {
    issues.push({ path: ['expiry'], message: 'Enter the expiry date as MM/YY, for example 04/29.' });
  } else {
    expMonth = Number(expiryMatch[1]);
    expYear = Number(expiryMatch[2]!.length === 2 ? `20${expiryMatch[2]}` : expiryMatch[2]);
    // A card is valid through the last day of its expiry month.
    const monthsNow = now.getUTCFullYear() * 12 + now.getUTCMonth();
    const monthsCard = expYear * 12 + (expMonth - 1);
    if (monthsCard < monthsNow) {
      issues.push({
        path: ['expiry'],
        message: 'Your card has expired. Use a card with an expiry date in the future.',
      });
    } else if (monthsCard > monthsNow + MAX_EXPIRY_YEARS_AHEAD * 12) {
      issues.push({ path: ['expiry'], message: 'The expiry date is too far in the future. Check it and try again.' });
    }
  }

  const codeLength = brand === 'amex' ? 4 : 3;
  if (securityCode === '') {
    issues.push({ path: ['securityCode'], message: 'Enter the security code from your card.' });
  } else if (!new RegExp(`^\\d{${codeLength}}$`).test(securityCode)) {
    issues.push({
      path: ['securityCode'],
      message:
        brand === 'amex'
          ? 'The security code is the 4 digits on the front of your card.'
          : 'The security code is the 3 digits on the back of your card.',
    });
  }

  if (name === '') {
    issues.push({ path: ['nameOnCard'], message: 'Enter the name shown on your card.' });
  } else if (name.length > 200) {
    issues.push({ path: ['nameOnCard'], message: 'The name on the card must be at most 200 characters.' });
  }

  if (issues.length > 0) return { issues };
  const card: Card = { number, brand, last4: number.slice(-4), expMonth, expYear, securityCode, name };
  // A card that ends up in a log line or a JSON dump by accident shows nothing sensitive.
  const masked = `${CARD_BRAND_LABELS[brand]} ending ${card.last4}`;
  Object.defineProperties(card, {
    toString: { value: () => masked, enumerable: false },
    toJSON: { value: () => ({ brand, last4: card.last4 }), enumerable: false },
    [Symbol.for('nodejs.util.inspect.custom')]: { value: () => `Card <${masked}>`, enumerable: false },
  });
  return { card };
}

// ---------------------------------------------------------------------------------------------
// Processors

interface ChargeRequest {
  /**
   * Unique per attempt; a real processor must use it as its idempotency key, so that a retried
   * network call never charges twice.
   */
  attemptId: string;
  amount: bigint;
  currency: string;
  card: Card;
  /** The payment intent's resource name, for the processor's own records. */
  reference: string;
}

type ChargeResult =
  | { succeeded: true; processorReference: string }
  | { succeeded: false; declineCode: string; message: string; processorReference: string | null };

/**
 * Everything the page and the state machine need from whoever moves the money. A real
 * processor is another implementation of this; nothing else changes. `charge` resolves with a
 * decline for expected refusals and rejects only when the outcome is unknown (network failure),
 * which rolls the payment back and lets the customer try again.
 */
export interface PaymentProcessor {
  /** Stored on each payment attempt, e.g. "sandbox". */
  readonly name: string;
  /** True when no real money moves; the page says so. */
  readonly testMode: boolean;
  charge(request: ChargeRequest): Promise<ChargeResult>;
}

/** The decline codes the contract names, with what the customer is told. */
const DECLINE_MESSAGES: Record<string, string> = {
  card_declined: 'Your card was declined. Try another card, or contact your card issuer.',
  insufficient_funds: 'Your card has insufficient funds. Try another card.',
};

/** Test card numbers with a fixed outcome; any other valid card succeeds. */
const SANDBOX_DECLINES = new Map<string, string>([
  ['4000000000000002', 'card_declined'],
  ['4000000000009995', 'insufficient_funds'],
]);

/** Follows the contract's test cards; no network, no money. */
const sandboxProcessor: PaymentProcessor = {
  name: 'sandbox',
  testMode: true,
  async charge(request) {
    const declineCode = SANDBOX_DECLINES.get(request.card.number);
    if (declineCode) {
      return {
        succeeded: false,
        declineCode,
        message: DECLINE_MESSAGES[declineCode]!,
        processorReference: `sbx_${randomToken()}`,
      };
    }
    return { succeeded: true, processorReference: `sbx_${randomToken()}` };
  },
};

// ---------------------------------------------------------------------------------------------
// The hosted checkout: reading and paying

export interface PaymentDeps extends DomainDeps {
  /** Defaults to the sandbox processor. */
  paymentProcessor?: PaymentProcessor;
}

export function paymentProcessorOf(deps: PaymentDeps): PaymentProcessor {
  return deps.paymentProcessor ?? sandboxProcessor;
}

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
export async function payCheckoutSession(deps: PaymentDeps, sessionId: string, input: CardInput): Promise<PayResult> {
  const validated = validateCard(input);
  if (validated.issues) throw badInput(validated.issues);
  const card = validated.card;
  if (!hasPrefix(sessionId, 'cs')) throw notFound('Checkout session');
  const processor = paymentProcessorOf(deps);

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
    const intentName = `accounts/${row.accountId}/payment-intents/${row.paymentIntentId}`;
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
            checkout_session: `accounts/${row.accountId}/checkout-sessions/${row.id}`,
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
