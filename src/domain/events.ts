import { sql, type SQL } from 'drizzle-orm';
import { accountEventLogLock, type Tx } from '../db/client.js';
import { newId } from './ids.js';

export const EVENT_TYPES = ['checkout_session.created', 'checkout_session.paid', 'checkout_session.expired'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** The NOTIFY channel on which committed events are announced to every process. */
export const EVENTS_CHANNEL = 'checkout_events';

/** What a NOTIFY on EVENTS_CHANNEL carries; readers load the event itself from the table. */
export interface EventNotice {
  accountId: string;
  id: string;
  sequence: string;
  type: EventType;
  checkoutSessionId: string | null;
}

export function eventName(accountId: string, eventId: string): string {
  return `accounts/${accountId}/events/${eventId}`;
}

/** An event about to be written. */
export interface NewEvent {
  accountId: string;
  type: EventType;
  checkoutSessionId: string | null;
  data: Record<string, unknown>;
  createTime: Date;
}

/**
 * The statement that writes event `id`, queues its webhook deliveries (the outbox) and
 * announces it. `alongside`: data-modifying CTEs of the change itself (such as a new session's
 * inserts), so that a change and its event can be one statement.
 */
export function eventStatement(id: string, event: NewEvent, alongside?: SQL): SQL {
  const createTime = event.createTime.toISOString();
  // Selecting the row from `lock` takes the account's lock before the sequence number is drawn.
  return sql`
    with ${alongside ? sql`${alongside}, ` : sql.empty()}lock as (${accountEventLogLock(event.accountId)}), inserted as (
      insert into event (id, account_id, type, checkout_session_id, data, create_time)
      select ${id}, ${event.accountId}, ${event.type}, ${event.checkoutSessionId},
             ${JSON.stringify(event.data)}::jsonb, ${createTime}::timestamptz
      from lock
      returning id, sequence
    ), deliveries as (
      insert into webhook_delivery (id, account_id, event_id, endpoint_id, state, next_attempt_time, create_time, update_time)
      select 'whd_' || replace(gen_random_uuid()::text, '-', ''), endpoint.account_id, inserted.id, endpoint.id,
             'PENDING', ${createTime}::timestamptz, ${createTime}::timestamptz, ${createTime}::timestamptz
      from inserted, webhook_endpoint endpoint
      where endpoint.account_id = ${event.accountId} and not endpoint.disabled
        and (${event.type} = any(endpoint.enabled_events) or '*' = any(endpoint.enabled_events))
      returning 1
    )
    select pg_notify(${EVENTS_CHANNEL}, json_build_object(
      'accountId', ${event.accountId}::text, 'id', inserted.id, 'sequence', inserted.sequence::text,
      'type', ${event.type}::text, 'checkoutSessionId', ${event.checkoutSessionId}::text,
      'deliveries', (select count(*) from deliveries))::text)
    from inserted`;
}

/**
 * Writes an event inside the transaction of the change it reports, queues its webhook
 * deliveries (the outbox) and announces it. PostgreSQL holds a NOTIFY until commit and drops
 * it on rollback, so nobody hears of a change that did not happen.
 */
export async function recordEvent(tx: Tx, event: NewEvent): Promise<string> {
  const id = newId('evt');
  await tx.execute(eventStatement(id, event));
  return id;
}
