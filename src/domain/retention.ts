/**
 * How long rows that only accumulate are kept, and their deletion once past it: idempotency
 * keys, and events with their webhook deliveries and attempts.
 *
 * Every statement deletes at most `limit` rows, picked through an index on their age, by ctid
 * (a TID scan, no second index search): a big delete holds its row locks and bloats the WAL in
 * one go, and would stall writers of a hot table (a concurrent replay of an idempotency key
 * waits on the key row). The caller repeats while a batch comes back full.
 */
import { sql } from 'drizzle-orm';
import type { Executor } from '../db/client.js';
import { tableAs } from '../db/names.js';
import { eventTable, idempotencyKeyTable, webhookAttemptTable, webhookDeliveryTable } from '../db/schema.js';

/** Events older than this are deleted (with their webhook deliveries and attempts). */
export const EVENT_RETENTION_DAYS = 30;

/** The documented minimum: a key replays its first request for at least 24 hours. */
const IDEMPOTENCY_KEY_RETENTION_HOURS = 24;

function deletedCount(result: unknown): number {
  const rows = Array.isArray(result) ? result : (result as { rows: unknown[] }).rows;
  return rows.length;
}

/** Deletes up to `limit` idempotency keys older than the retention; returns how many. */
export async function pruneIdempotencyKeys(
  db: Executor,
  limit = 1000,
  retentionHours = IDEMPOTENCY_KEY_RETENTION_HOURS,
): Promise<number> {
  return deletedCount(
    await db.execute(sql`
      delete from ${idempotencyKeyTable} where ctid = any(array(
        select ctid from ${idempotencyKeyTable} where ${idempotencyKeyTable.createTime} < now() - make_interval(hours => ${retentionHours}) limit ${limit}))
      returning 1`),
  );
}

/**
 * Deletes up to `limit` rows of the event log past the retention, children first, so that no
 * statement's cascade grows with the number of endpoints or attempts: the attempts of the old
 * events' deliveries, else those deliveries, else the old events. Deliveries (and attempts) are
 * kept as long as their event, even a resend made later. Returns how many rows went.
 */
export async function pruneEventLog(db: Executor, limit = 1000, retentionDays = EVENT_RETENTION_DAYS): Promise<number> {
  const cutoff = sql`now() - make_interval(days => ${retentionDays})`;
  const event = eventTable;
  const delivery = tableAs(webhookDeliveryTable, 'delivery');
  const attempt = tableAs(webhookAttemptTable, 'attempt');
  const attempts = deletedCount(
    await db.execute(sql`
      delete from ${webhookAttemptTable} where ctid = any(array(
        select ${sql.identifier(attempt.name)}.ctid from ${event}
          join ${delivery.from} on ${delivery.columns.eventId} = ${event.id}
          join ${attempt.from} on ${attempt.columns.deliveryId} = ${delivery.columns.id}
        where ${event.createTime} < ${cutoff} limit ${limit}))
      returning 1`),
  );
  if (attempts === limit) return attempts;
  const deliveries = deletedCount(
    await db.execute(sql`
      delete from ${webhookDeliveryTable} where ctid = any(array(
        select ${sql.identifier(delivery.name)}.ctid from ${event} join ${delivery.from} on ${delivery.columns.eventId} = ${event.id}
        where ${event.createTime} < ${cutoff} limit ${limit - attempts}))
      returning 1`),
  );
  if (attempts + deliveries === limit) return limit;
  const events = deletedCount(
    await db.execute(sql`
      delete from ${event} where ctid = any(array(
        select ctid from ${event} where ${event.createTime} < ${cutoff} limit ${limit - attempts - deliveries}))
      returning 1`),
  );
  return attempts + deliveries + events;
}
