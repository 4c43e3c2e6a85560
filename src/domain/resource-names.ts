import { DomainError, notFound } from './errors.js';
import { hasPrefix } from './ids.js';

export function checkoutSessionName(accountId: string, id: string): string {
  return `accounts/${accountId}/checkout-sessions/${id}`;
}

export function paymentIntentName(accountId: string, id: string): string {
  return `accounts/${accountId}/payment-intents/${id}`;
}

/** The words of each collection's NOT_FOUND message, the same whether the name is foreign or missing. */
const RESOURCE_LABELS = {
  'checkout-sessions': 'Checkout session',
  'payment-intents': 'Payment intent',
  events: 'Event',
  'webhook-endpoints': 'Webhook endpoint',
  'api-keys': 'API key',
} as const;

/**
 * Parses `accounts/acct_…/<collection>/<prefix>_…`. A well-formed name of another account is
 * reported exactly like a missing resource, so that names leak nothing across tenants.
 */
export function parseResourceName(
  name: string,
  accountId: string,
  collection: keyof typeof RESOURCE_LABELS,
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
