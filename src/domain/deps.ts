import type { Db } from '../db/client.js';
import type { PaymentProcessor } from './payments/processor.js';

/** What every domain service is handed by the composition root; the domain builds none of it. */
export interface DomainDeps {
  db: Db;
  /** Base of hosted page URLs, without a trailing slash. */
  publicUrl: string;
  /** Who charges cards on the hosted page (the sandbox processor outside production). */
  paymentProcessor: PaymentProcessor;
}
