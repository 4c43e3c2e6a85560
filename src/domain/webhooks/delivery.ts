/**
 * The delivery of events to endpoints, each attempt once, signed per Standard Webhooks.
 *
 * Deliveries are rows of an outbox (webhook_delivery) written in the event's own transaction
 * (recordEvent). Any process may claim due rows with FOR UPDATE SKIP LOCKED and a lease; the
 * lease is what makes "each attempt once" hold across processes, and what lets a delivery whose
 * worker was killed be picked up again once it lapses. Every attempt is a webhook_attempt row.
 */
import { and, asc, eq, inArray, isNull, lte, or, sql } from 'drizzle-orm';
import type { Db, Executor, Tx } from '../../db/client.js';
import { eventTable, webhookAttemptTable, webhookDeliveryTable, webhookEndpointTable } from '../../db/schema.js';
import { newId } from '../ids.js';
import type { WebhookDelivery, WebhookDeliveryState, WebhookEndpointDisabledReason } from './model.js';
import { webhookBody, type PayloadRenderer } from './payload.js';
import { leaseMs, type WebhookSettings } from './settings.js';
import { signingSecrets, signWebhook } from './signing.js';

/** An endpoint failing without a single success for this long is disabled. */
const FAILING_DISABLE_MS = 5 * 24 * 3_600_000;

export interface SendResult {
  statusCode: number | null;
  /** Why the attempt failed when the status code alone does not say. */
  error: string | null;
  durationMs: number;
  succeeded: boolean;
}

/** The transport: POSTs one attempt and reports how it went (the delivery worker provides it). */
export type WebhookSender = (
  /** `traceparent`: the trace of the request that caused the event, for the attempt's span (never sent). */
  request: { url: string; body: string; headers: Record<string, string>; traceparent?: string | null },
  options: { timeoutMs: number; allowPrivateNetworks: boolean },
) => Promise<SendResult>;

/** Applies ±10 % jitter, so that retries of many deliveries failed together spread out. */
function withJitter(delayMs: number): number {
  return delayMs <= 0 ? 0 : Math.round(delayMs * (0.9 + Math.random() * 0.2));
}

/** Pending deliveries of an endpoint that no worker holds: give them up (they can be resent). */
export async function abandonPendingDeliveries(tx: Tx, endpointId: string): Promise<void> {
  await tx
    .update(webhookDeliveryTable)
    .set({ state: 'FAILED', nextAttemptTime: null, updateTime: sql`now()` })
    .where(
      and(
        eq(webhookDeliveryTable.endpointId, endpointId),
        eq(webhookDeliveryTable.state, 'PENDING'),
        or(isNull(webhookDeliveryTable.leaseExpireTime), lte(webhookDeliveryTable.leaseExpireTime, sql`now()`)),
      ),
    );
}

export interface ClaimedDelivery {
  id: string;
  /** The lease this worker holds; it also fences the worker's writes. */
  leaseExpireTime: Date;
}

/**
 * Leases up to `limit` due deliveries. SKIP LOCKED lets concurrent claimers in other processes
 * take different rows instead of waiting; the lease keeps a row away from them until this
 * worker records its attempt, or until it lapses because the worker died.
 */
export async function claimDueWebhookDeliveries(
  db: Db,
  settings: WebhookSettings,
  limit: number,
): Promise<ClaimedDelivery[]> {
  const t = webhookDeliveryTable;
  const due = db
    .select({ id: t.id })
    .from(t)
    .where(
      and(
        eq(t.state, 'PENDING'),
        lte(t.nextAttemptTime, sql`now()`),
        or(isNull(t.leaseExpireTime), lte(t.leaseExpireTime, sql`now()`)),
      ),
    )
    .orderBy(asc(t.nextAttemptTime))
    .limit(limit)
    .for('update', { skipLocked: true });
  return db
    .update(t)
    .set({ leaseExpireTime: sql`now() + make_interval(secs => ${leaseMs(settings) / 1000})` })
    .where(inArray(t.id, due))
    .returning({ id: t.id, leaseExpireTime: t.leaseExpireTime }) as Promise<ClaimedDelivery[]>;
}

/**
 * Deliveries due now and not yet delivered (the outbox's backlog), counted up to a cap so that a
 * scrape stays cheap even when a receiver has been down for days.
 */
export async function countDueWebhookDeliveries(db: Db, cap = 100_000): Promise<number> {
  const t = webhookDeliveryTable;
  const due = db
    .select({ one: sql`1`.as('one') })
    .from(t)
    .where(and(eq(t.state, 'PENDING'), lte(t.nextAttemptTime, sql`now()`)))
    .limit(cap)
    .as('due');
  const [row] = await db.select({ count: sql<number>`count(*)::int` }).from(due);
  return Number(row?.count ?? 0);
}

export type AttemptOutcome =
  /** `eventTime`: when the event was committed (for the delivery lag). */
  | { kind: 'attempted'; succeeded: boolean; nextAttemptTime: Date | null; eventTime: Date }
  /** Nothing was sent: the delivery was abandoned (endpoint disabled) or postponed. */
  | { kind: 'skipped'; nextAttemptTime: Date | null }
  /** Another worker holds the delivery now (this one's lease lapsed): nothing was recorded. */
  | { kind: 'lost' };

/** Writes `changes` to the delivery only while this worker's lease is still the current one. */
async function updateLeased(tx: Executor, claim: ClaimedDelivery, changes: Partial<WebhookDelivery>) {
  return tx
    .update(webhookDeliveryTable)
    .set({ ...changes, leaseExpireTime: null })
    .where(and(eq(webhookDeliveryTable.id, claim.id), eq(webhookDeliveryTable.leaseExpireTime, claim.leaseExpireTime)))
    .returning();
}

/**
 * Makes one attempt of a claimed delivery and records it: the attempt row, the delivery's next
 * state (SUCCEEDED, a retry on the schedule, or FAILED when the schedule is spent), and the
 * endpoint's health (410 or five days of failures disable it).
 */
export async function attemptWebhookDelivery(
  db: Db,
  settings: WebhookSettings,
  claim: ClaimedDelivery,
  send: WebhookSender,
  renderPayload?: PayloadRenderer,
): Promise<AttemptOutcome> {
  const [loaded] = await db
    .select({ delivery: webhookDeliveryTable, event: eventTable, endpoint: webhookEndpointTable })
    .from(webhookDeliveryTable)
    .innerJoin(eventTable, eq(eventTable.id, webhookDeliveryTable.eventId))
    .innerJoin(webhookEndpointTable, eq(webhookEndpointTable.id, webhookDeliveryTable.endpointId))
    .where(eq(webhookDeliveryTable.id, claim.id));
  if (!loaded || loaded.delivery.leaseExpireTime?.getTime() !== claim.leaseExpireTime.getTime())
    return { kind: 'lost' };
  const { delivery, event, endpoint } = loaded;
  const now = new Date();

  if (endpoint.disabled) {
    const updated = await updateLeased(db, claim, { state: 'FAILED', nextAttemptTime: null, updateTime: now });
    return updated.length ? { kind: 'skipped', nextAttemptTime: null } : { kind: 'lost' };
  }
  const firstDelay = settings.retrySchedule[0] ?? 0;
  if (delivery.attemptCount === 0 && firstDelay > 0 && delivery.createTime.getTime() + firstDelay > now.getTime()) {
    const nextAttemptTime = new Date(delivery.createTime.getTime() + firstDelay);
    const updated = await updateLeased(db, claim, { nextAttemptTime, updateTime: now });
    return updated.length ? { kind: 'skipped', nextAttemptTime } : { kind: 'lost' };
  }

  const startTime = new Date();
  let result: SendResult | undefined;
  let secrets: string[] | undefined;
  try {
    secrets = signingSecrets(settings, endpoint, startTime);
  } catch {
    secrets = undefined;
  }
  let body: string | null = null;
  if (!secrets || secrets.length === 0) {
    // The key changed under the stored secrets (or none is current): sending unsigned would
    // teach receivers to skip verification, so the attempt fails without a request.
    result = {
      statusCode: null,
      error: 'the signing secret could not be read (was SECRET_ENCRYPTION_KEY changed?)',
      durationMs: 0,
      succeeded: false,
    };
  } else if (endpoint.query == null) {
    body = webhookBody(event);
  } else {
    try {
      if (!renderPayload) throw new Error('no payload renderer');
      body = await renderPayload(event, endpoint.query);
    } catch (error) {
      // Retried on the schedule like a failed request; nothing unshaped is sent instead.
      result = {
        statusCode: null,
        error: `the payload document could not be executed: ${(error as Error).message}`,
        durationMs: 0,
        succeeded: false,
      };
    }
  }
  if (body !== null && secrets) {
    const timestamp = Math.floor(startTime.getTime() / 1000);
    result = await send(
      {
        url: endpoint.url,
        body,
        traceparent: event.traceparent,
        headers: {
          'content-type': 'application/json',
          'user-agent': 'checkout-gateway-webhooks/1',
          'webhook-id': event.id,
          'webhook-timestamp': String(timestamp),
          'webhook-signature': signWebhook(secrets, event.id, timestamp, body),
        },
      },
      { timeoutMs: settings.timeoutMs, allowPrivateNetworks: settings.allowPrivateNetworks },
    );
  }
  return recordAttempt(db, settings, claim, delivery, endpoint.id, startTime, result!, event.createTime);
}

async function recordAttempt(
  db: Db,
  settings: WebhookSettings,
  claim: ClaimedDelivery,
  delivery: WebhookDelivery,
  endpointId: string,
  startTime: Date,
  result: SendResult,
  eventTime: Date,
): Promise<AttemptOutcome> {
  return db.transaction(async (tx) => {
    const recordTime = new Date();
    // Endpoint first, then delivery: the same lock order as updateWebhookEndpoint.
    const [endpoint] = await tx
      .select()
      .from(webhookEndpointTable)
      .where(eq(webhookEndpointTable.id, endpointId))
      .for('no key update');
    if (!endpoint) return { kind: 'lost' } as const;

    let disableWith: WebhookEndpointDisabledReason | null = null;
    let failingSince: Date | null = null;
    if (!result.succeeded && !endpoint.disabled) {
      failingSince = endpoint.failingSince ?? startTime;
      if (result.statusCode === 410) disableWith = 'GONE';
      else if (recordTime.getTime() - failingSince.getTime() >= FAILING_DISABLE_MS) disableWith = 'FAILING';
    }

    const attemptNumber = delivery.attemptCount + 1;
    let state: WebhookDeliveryState = 'PENDING';
    let nextAttemptTime: Date | null = null;
    if (result.succeeded) state = 'SUCCEEDED';
    else if (disableWith || endpoint.disabled || attemptNumber >= settings.retrySchedule.length) state = 'FAILED';
    else nextAttemptTime = new Date(recordTime.getTime() + withJitter(settings.retrySchedule[attemptNumber]!));

    const updated = await updateLeased(tx, claim, {
      state,
      attemptCount: attemptNumber,
      nextAttemptTime,
      updateTime: recordTime,
    });
    if (updated.length === 0) return { kind: 'lost' } as const;
    await tx.insert(webhookAttemptTable).values({
      id: newId('wha'),
      deliveryId: delivery.id,
      attemptNumber,
      startTime,
      durationMs: result.durationMs,
      statusCode: result.statusCode,
      error: result.error,
      succeeded: result.succeeded,
    });

    if (result.succeeded) {
      if (endpoint.failingSince)
        await tx
          .update(webhookEndpointTable)
          .set({ failingSince: null })
          .where(eq(webhookEndpointTable.id, endpointId));
    } else if (disableWith) {
      await tx
        .update(webhookEndpointTable)
        .set({ failingSince, disabled: true, disabledReason: disableWith, updateTime: recordTime })
        .where(eq(webhookEndpointTable.id, endpointId));
      await abandonPendingDeliveries(tx, endpointId);
    } else if (failingSince && !endpoint.failingSince) {
      await tx.update(webhookEndpointTable).set({ failingSince }).where(eq(webhookEndpointTable.id, endpointId));
    }
    return { kind: 'attempted', succeeded: result.succeeded, nextAttemptTime, eventTime } as const;
  });
}
