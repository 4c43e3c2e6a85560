import type { Principal } from '../domain/accounts.js';
import type { DomainDeps } from '../domain/deps.js';
import { authorizeAccount, authorizeAdmin } from '../domain/authorize.js';
import type { EventHub } from '../infra/event-fanout.js';
import type { WebhookSettings } from '../domain/webhooks/settings.js';

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

/** How every transport learns who is calling: HTTP, SSE and graphql-ws here, REST beside them. */
export interface CallerKeys {
  /**
   * Resolves the caller's key and charges its rate limit (throws RATE_LIMITED when spent, or
   * when `clientAddress` failed to authenticate too often).
   */
  authenticate(authorization: unknown, clientAddress: string | undefined): Promise<Principal | null>;
  /** Resolves the key without charging the rate limit (the operations are charged on their own). */
  identify(authorization: string | null, clientAddress: string | undefined): Promise<Principal | null>;
  /** Calls `revoked` once the principal's key is revoked; returns the way to stop watching. */
  watch(principal: Principal, revoked: () => void): () => void;
}

/** The account the caller acts for (see authorizeAccount); the admin key and anonymous callers get an error. */
export function requireAccountId(ctx: GraphQLContext): string {
  return authorizeAccount(ctx.principal);
}

export function requireAdmin(ctx: GraphQLContext): void {
  authorizeAdmin(ctx.principal);
}
