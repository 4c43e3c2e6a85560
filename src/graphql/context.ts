import type { Principal } from '../domain/accounts.js';
import type { DomainDeps } from '../domain/deps.js';
import { DomainError } from '../domain/errors.js';
import type { EventHub } from '../domain/event-stream.js';
import type { WebhookSettings } from '../domain/webhooks.js';

/** Per-operation context, shared by HTTP, SSE and graphql-ws (built by the same Yoga factory). */
export interface GraphQLContext {
  deps: DomainDeps;
  principal: Principal | null;
  /** The `Idempotency-Key` header of an HTTP request, if any. */
  idempotencyKey: string | null;
  /** Set by a resolver that replayed an idempotent result; turned into header and extension. */
  idempotentReplayed: boolean;
  /** The process's feed of committed events, for subscriptions. */
  events: EventHub;
  webhooks: WebhookSettings;
}

/** The account the caller acts for; the admin key and anonymous callers get an error. */
export function requireAccountId(ctx: GraphQLContext): string {
  if (!ctx.principal) {
    throw new DomainError('UNAUTHENTICATED', 'Send a valid API key as "Authorization: Api-Key <key>".');
  }
  if (ctx.principal.role !== 'account') {
    throw new DomainError(
      'FORBIDDEN',
      'The platform key may only create accounts; use an account key for account data.',
    );
  }
  return ctx.principal.accountId;
}

export function requireAdmin(ctx: GraphQLContext): void {
  if (!ctx.principal) {
    throw new DomainError('UNAUTHENTICATED', 'Send a valid API key as "Authorization: Api-Key <key>".');
  }
  if (ctx.principal.role !== 'admin') {
    throw new DomainError('FORBIDDEN', 'Only the platform key (ADMIN_API_KEY) may create accounts.');
  }
}
