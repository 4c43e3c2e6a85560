import type { Principal } from './accounts.js';
import { DomainError, notFound } from './errors.js';

/** What a caller without a valid key is told, on every transport. */
export const MISSING_KEY_MESSAGE = 'Send a valid API key as "Authorization: Api-Key <key>".';

/**
 * The account the caller acts for, for GraphQL and REST alike: anonymous callers are
 * UNAUTHENTICATED and the platform key is FORBIDDEN. When the request names an account (REST's
 * path), any account but the key's own reads as missing, so other accounts' ids cannot be probed.
 */
export function authorizeAccount(principal: Principal | null, namedAccountId?: string): string {
  if (!principal) throw new DomainError('UNAUTHENTICATED', MISSING_KEY_MESSAGE);
  if (principal.role !== 'account') {
    throw new DomainError(
      'FORBIDDEN',
      'The platform key may only create accounts; use an account key for account data.',
    );
  }
  if (namedAccountId !== undefined && principal.accountId !== namedAccountId) throw notFound('Account');
  return principal.accountId;
}

/** Lets only the platform key (ADMIN_API_KEY) through: it alone creates accounts. */
export function authorizeAdmin(principal: Principal | null): void {
  if (!principal) throw new DomainError('UNAUTHENTICATED', MISSING_KEY_MESSAGE);
  if (principal.role !== 'admin') {
    throw new DomainError('FORBIDDEN', 'Only the platform key (ADMIN_API_KEY) may create accounts.');
  }
}
