/**
 * Whoever moves the money, behind one interface, and the sandbox implementation of it. The
 * composition root chooses the processor; the domain never falls back to one on its own.
 */
import { randomToken } from '../ids.js';
import type { Card } from './cards.js';

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
export const sandboxProcessor: PaymentProcessor = {
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
