import { sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  boolean,
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';

const time = (name: string) => timestamp(name, { withTimezone: true, mode: 'date', precision: 3 });

export const checkoutSessionStateEnum = pgEnum('checkout_session_state', ['OPEN', 'COMPLETE', 'EXPIRED']);
export const paymentIntentStateEnum = pgEnum('payment_intent_state', [
  'REQUIRES_PAYMENT_METHOD',
  'PROCESSING',
  'SUCCEEDED',
  'CANCELED',
]);

export const accountTable = pgTable('account', {
  id: text('id').primaryKey(),
  displayName: text('display_name').notNull(),
  createTime: time('create_time').notNull().defaultNow(),
});

/** Account API keys. Only a SHA-256 of the key is kept; the key itself is shown once. */
export const apiKeyTable = pgTable(
  'api_key',
  {
    id: text('id').primaryKey(),
    accountId: text('account_id')
      .notNull()
      .references(() => accountTable.id),
    keyHash: text('key_hash').notNull(),
    /** The first characters of the key, so that a user can tell keys apart. */
    keyPrefix: text('key_prefix').notNull(),
    /** The account's own label for the key, to tell keys apart. */
    displayName: text('display_name').notNull().default('API key'),
    createTime: time('create_time').notNull().defaultNow(),
    revokeTime: time('revoke_time'),
    /** After this the key no longer works, as if revoked then; null for a key without expiry. */
    expireTime: time('expire_time'),
    /** Written at most once a minute per key and process, after the request, never in its path. */
    lastUsedTime: time('last_used_time'),
  },
  (t) => [
    uniqueIndex('api_key_key_hash_idx').on(t.keyHash),
    index('api_key_account_create_idx').on(t.accountId, t.createTime, t.id),
  ],
);

export const checkoutSessionTable = pgTable(
  'checkout_session',
  {
    id: text('id').primaryKey(),
    accountId: text('account_id')
      .notNull()
      .references(() => accountTable.id),
    state: checkoutSessionStateEnum('state').notNull(),
    amount: bigint('amount', { mode: 'bigint' }).notNull(),
    currency: text('currency').notNull(),
    clientReferenceId: text('client_reference_id'),
    successUrl: text('success_url'),
    cancelUrl: text('cancel_url'),
    metadata: jsonb('metadata').$type<Record<string, string>>().notNull().default({}),
    paymentIntentId: text('payment_intent_id').notNull(),
    expireTime: time('expire_time').notNull(),
    createTime: time('create_time').notNull(),
    updateTime: time('update_time').notNull(),
  },
  // Each list shape reads one of these in list order and stops after the page. Ascending keys
  // serve both directions: scanned backwards they give `create_time desc, id desc` exactly
  // (a `desc nulls last` key does not match `order by … desc`, whose nulls come first, and
  // PostgreSQL then read and sorted the whole account).
  (t) => [
    index('checkout_session_account_create_idx').on(t.accountId, t.createTime, t.id),
    index('checkout_session_account_state_create_idx').on(t.accountId, t.state, t.createTime, t.id),
    index('checkout_session_account_reference_idx').on(t.accountId, t.clientReferenceId, t.createTime, t.id),
    // The expiry sweep's, across accounts; and an account's lapsed OPEN rows (listed as EXPIRED).
    index('checkout_session_open_expire_idx').on(t.expireTime).where(sql`${t.state} = 'OPEN'`),
    index('checkout_session_account_open_expire_idx').on(t.accountId, t.expireTime).where(sql`${t.state} = 'OPEN'`),
  ],
);

export const paymentIntentTable = pgTable(
  'payment_intent',
  {
    id: text('id').primaryKey(),
    accountId: text('account_id')
      .notNull()
      .references(() => accountTable.id),
    checkoutSessionId: text('checkout_session_id').notNull(),
    state: paymentIntentStateEnum('state').notNull(),
    amount: bigint('amount', { mode: 'bigint' }).notNull(),
    currency: text('currency').notNull(),
    /** Card brand and last four digits of the successful payment; never the number itself. */
    cardBrand: text('card_brand'),
    cardLast4: text('card_last4'),
    lastErrorCode: text('last_error_code'),
    lastErrorMessage: text('last_error_message'),
    createTime: time('create_time').notNull(),
    updateTime: time('update_time').notNull(),
  },
  (t) => [uniqueIndex('payment_intent_checkout_session_idx').on(t.checkoutSessionId)],
);

/** One row per charge attempt sent to the payment processor, successful or declined. */
export const paymentAttemptTable = pgTable(
  'payment_attempt',
  {
    id: text('id').primaryKey(),
    accountId: text('account_id').notNull(),
    paymentIntentId: text('payment_intent_id')
      .notNull()
      .references(() => paymentIntentTable.id),
    succeeded: boolean('succeeded').notNull(),
    declineCode: text('decline_code'),
    processor: text('processor').notNull(),
    processorReference: text('processor_reference'),
    cardBrand: text('card_brand').notNull(),
    cardLast4: text('card_last4').notNull(),
    createTime: time('create_time').notNull().defaultNow(),
  },
  (t) => [index('payment_attempt_payment_intent_idx').on(t.paymentIntentId)],
);

/**
 * The committed event log. `sequence` orders an account's events in commit order: writers take
 * a per-account advisory lock before inserting, so a later sequence never commits earlier.
 */
export const eventTable = pgTable(
  'event',
  {
    id: text('id').primaryKey(),
    sequence: bigserial('sequence', { mode: 'bigint' }).notNull(),
    accountId: text('account_id').notNull(),
    type: text('type').notNull(),
    checkoutSessionId: text('checkout_session_id'),
    /**
     * 1, 2, 3 … per checkout session, so a receiver can order one session's events. Drawn while
     * the session is locked (or by the create, which writes 1), so two writers never share one.
     */
    sessionSequence: integer('session_sequence'),
    /** The webhook payload's `data` object, as it was when the event happened. */
    data: jsonb('data').$type<Record<string, unknown>>().notNull(),
    createTime: time('create_time').notNull(),
    /** The W3C trace context of the request that caused the event (when traced), so its webhook attempts join that trace. */
    traceparent: text('traceparent'),
  },
  (t) => [
    // Every read of the log is an account's: no index on sequence alone, which the planner
    // would walk through other accounts' events (a bigserial is unique without one).
    index('event_account_sequence_idx').on(t.accountId, t.sequence),
    // The `types` and `checkoutSession` filters of the events list, in list order.
    index('event_account_type_sequence_idx').on(t.accountId, t.type, t.sequence),
    index('event_account_session_sequence_idx').on(t.accountId, t.checkoutSessionId, t.sequence),
    index('event_create_time_idx').on(t.createTime),
  ],
);

/** Idempotency keys, scoped to the account and the operation. */
export const idempotencyKeyTable = pgTable(
  'idempotency_key',
  {
    accountId: text('account_id').notNull(),
    operation: text('operation').notNull(),
    key: text('key').notNull(),
    requestHash: text('request_hash').notNull(),
    /** The id of the resource the first request created. */
    resourceId: text('resource_id').notNull(),
    createTime: time('create_time').notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.accountId, t.operation, t.key] }),
    index('idempotency_key_create_idx').on(t.createTime),
  ],
);

export const webhookEndpointTable = pgTable(
  'webhook_endpoint',
  {
    id: text('id').primaryKey(),
    accountId: text('account_id')
      .notNull()
      .references(() => accountTable.id),
    url: text('url').notNull(),
    description: text('description'),
    enabledEvents: text('enabled_events').array().notNull(),
    disabled: boolean('disabled').notNull().default(false),
    disabledReason: text('disabled_reason'),
    /**
     * Signing secrets, encrypted with SECRET_ENCRYPTION_KEY. More than one while a rotated
     * secret is still valid: `[{ ciphertext, expireTime | null }]`.
     */
    secrets: jsonb('secrets').$type<{ ciphertext: string; expireTime: string | null }[]>().notNull(),
    /** When deliveries to this endpoint began failing without a success since (disables after 5 days). */
    failingSince: time('failing_since'),
    createTime: time('create_time').notNull(),
    updateTime: time('update_time').notNull(),
    /**
     * A GraphQL subscription document shaping each delivery's body; null for the default payload.
     * Last, where the migration added it: page statements read `select *` by position.
     */
    query: text('query'),
  },
  (t) => [index('webhook_endpoint_account_create_idx').on(t.accountId, t.createTime, t.id)],
);

export const webhookDeliveryStateEnum = pgEnum('webhook_delivery_state', ['PENDING', 'SUCCEEDED', 'FAILED']);

/** The outbox: one row per (event, endpoint), written in the event's transaction. */
export const webhookDeliveryTable = pgTable(
  'webhook_delivery',
  {
    id: text('id').primaryKey(),
    accountId: text('account_id').notNull(),
    eventId: text('event_id')
      .notNull()
      .references(() => eventTable.id, { onDelete: 'cascade' }),
    endpointId: text('endpoint_id')
      .notNull()
      .references(() => webhookEndpointTable.id, { onDelete: 'cascade' }),
    state: webhookDeliveryStateEnum('state').notNull().default('PENDING'),
    attemptCount: integer('attempt_count').notNull().default(0),
    nextAttemptTime: time('next_attempt_time'),
    /** A worker's lease on the delivery; an attempt whose worker died is retried once it lapses. */
    leaseExpireTime: time('lease_expire_time'),
    createTime: time('create_time').notNull(),
    updateTime: time('update_time').notNull(),
  },
  (t) => [
    index('webhook_delivery_due_idx').on(t.nextAttemptTime).where(sql`${t.state} = 'PENDING'`),
    // An endpoint's deliveries in list order, unfiltered, by state, and of one event.
    index('webhook_delivery_endpoint_create_idx').on(t.endpointId, t.createTime, t.id),
    index('webhook_delivery_endpoint_state_create_idx').on(t.endpointId, t.state, t.createTime, t.id),
    index('webhook_delivery_event_idx').on(t.eventId, t.endpointId, t.createTime, t.id),
  ],
);

export const webhookAttemptTable = pgTable(
  'webhook_attempt',
  {
    id: text('id').primaryKey(),
    deliveryId: text('delivery_id')
      .notNull()
      .references(() => webhookDeliveryTable.id, { onDelete: 'cascade' }),
    attemptNumber: integer('attempt_number').notNull(),
    startTime: time('start_time').notNull(),
    durationMs: integer('duration_ms').notNull(),
    statusCode: integer('status_code'),
    error: text('error'),
    succeeded: boolean('succeeded').notNull(),
  },
  (t) => [uniqueIndex('webhook_attempt_delivery_number_idx').on(t.deliveryId, t.attemptNumber)],
);

/**
 * Trusted (persisted) documents an account registered: a client preset's manifest, id → text.
 * The id is a hash of the text, so a row never changes once written.
 */
export const trustedDocumentTable = pgTable(
  'trusted_document',
  {
    accountId: text('account_id')
      .notNull()
      .references(() => accountTable.id),
    documentId: text('document_id').notNull(),
    document: text('document').notNull(),
    createTime: time('create_time').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.accountId, t.documentId] })],
);

/** Accounts that accept only their registered documents (no row: any document). */
export const trustedDocumentPolicyTable = pgTable('trusted_document_policy', {
  accountId: text('account_id')
    .primaryKey()
    .references(() => accountTable.id),
  onlyTrustedDocuments: boolean('only_trusted_documents').notNull(),
  updateTime: time('update_time').notNull().defaultNow(),
});
