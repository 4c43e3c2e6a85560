/** The webhook nouns as stored: an endpoint, the delivery of one event to it, and each attempt. */
import type { webhookAttemptTable, webhookDeliveryTable, webhookEndpointTable } from '../../db/schema.js';

export type WebhookEndpoint = typeof webhookEndpointTable.$inferSelect;
export type WebhookDelivery = typeof webhookDeliveryTable.$inferSelect;
export type WebhookAttempt = typeof webhookAttemptTable.$inferSelect;
export type WebhookDeliveryState = WebhookDelivery['state'];
/** Why an endpoint stopped receiving: it answered 410, it failed for days, or its owner said so. */
export type WebhookEndpointDisabledReason = 'GONE' | 'FAILING' | 'USER';
