import type { DomainDeps } from '../domain/checkout-sessions.js';
import type { Logger } from '../logger.js';

export interface HostedPagesDeps {
  deps: DomainDeps;
  logger: Logger;
}

/** The customer-facing payment pages under /checkout; null for paths that are not theirs. */
export function createHostedPages(_getDeps: () => HostedPagesDeps): (request: Request) => Promise<Response | null> {
  return async () => null;
}
