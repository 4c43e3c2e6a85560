import type { Principal } from '../domain/accounts.js';
import type { DomainDeps } from '../domain/checkout-sessions.js';
import type { Logger } from '../logger.js';

export interface RestApiDeps {
  deps: DomainDeps;
  logger: Logger;
  authenticate(authorization: unknown): Promise<Principal | null>;
}

/** The seed's REST surface under /v1; null for paths that are not its own. */
export function createRestApi(_getDeps: () => RestApiDeps): (request: Request) => Promise<Response | null> {
  return async () => null;
}
