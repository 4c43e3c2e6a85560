/**
 * Writing events: inside the transaction of the change they report, with their webhook
 * deliveries queued (the outbox) and a NOTIFY that PostgreSQL sends only after commit.
 */
import { sql, type Placeholder, type SQL } from 'drizzle-orm';
import type { Tx } from '../../db/client.js';
import { columnNames, columnOf, tableAs } from '../../db/names.js';
import { PreparedStatement } from '../../db/rows.js';
import { eventTable, webhookDeliveryTable, webhookEndpointTable } from '../../db/schema.js';
import { currentTraceparent } from '../../observability/tracing.js';
import { newId, sqlNewId } from '../ids.js';
import { formatInstant } from '../time.js';
import { ALL_EVENT_TYPES, EVENTS_CHANNEL, type EventType } from './event.js';

/** The all-types marker as an SQL literal: a constant of the statement's text, not a parameter. */
const ALL_TYPES_LITERAL = sql.raw(`'${ALL_EVENT_TYPES}'`);

/** An event about to be written. */
export interface NewEvent {
  accountId: string;
  type: EventType;
  checkoutSessionId: string | null;
  data: Record<string, unknown>;
  createTime: Date;
}

/**
 * Serialises event writers of one account until commit, so that event sequence numbers of an
 * account commit in order; without it a reader resuming `after` an event could skip one that
 * took a lower number but committed later. A query to put first in the statement that takes the
 * sequence number (a CTE it selects from), so that the lock costs no round trip of its own: the
 * lock is held until commit, and every round trip made while holding it stalls the account.
 */
function accountEventLogLock(accountId: string | Placeholder) {
  return sql`select pg_advisory_xact_lock(hashtext('events:' || ${accountId}))`;
}

/**
 * The statement that writes an event, queues its webhook deliveries (the outbox) and announces
 * it, as a template whose values `eventValues` binds. `alongside`: data-modifying CTEs of the
 * change itself (such as a new session's inserts), so that a change and its event can be one
 * statement.
 */
export function eventStatement(alongside?: SQL): SQL {
  const p = (name: keyof ReturnType<typeof eventValues>) => sql.placeholder(name);
  // Selecting the row from `lock` takes the account's lock before the sequence number is drawn.
  // The session's own sequence is one more than its last event's: every writer of a session's
  // events holds the session row's lock from an earlier statement (pay, expire, a decline), and
  // a create's statement writes the first, so no two events of a session draw one number.
  const event = eventTable;
  const { from: previousFrom, columns: previous } = tableAs(eventTable, 'previous');
  const delivery = webhookDeliveryTable;
  const { from: endpointFrom, columns: endpoint } = tableAs(webhookEndpointTable, 'endpoint');
  const insertedId = columnOf('inserted', event.id);
  return sql`
    with ${alongside ? sql`${alongside}, ` : sql.empty()}lock as (${accountEventLogLock(p('eventAccountId'))}), inserted as (
      insert into ${event} (${columnNames(event.id, event.accountId, event.type, event.checkoutSessionId, event.sessionSequence, event.data, event.createTime, event.traceparent)})
      select ${p('eventId')}, ${p('eventAccountId')}, ${p('eventType')}, ${p('eventCheckoutSessionId')},
             case when ${p('eventCheckoutSessionId')}::text is null then null else coalesce((
               select max(${previous.sessionSequence}) from ${previousFrom}
               where ${previous.accountId} = ${p('eventAccountId')} and ${previous.checkoutSessionId} = ${p('eventCheckoutSessionId')}
             ), 0) + 1 end,
             ${p('eventData')}::jsonb, ${p('eventCreateTime')}::timestamptz, ${p('eventTraceparent')}::text
      from lock
      returning ${columnNames(event.id, event.sequence)}
    ), deliveries as (
      insert into ${delivery} (${columnNames(delivery.id, delivery.accountId, delivery.eventId, delivery.endpointId, delivery.state, delivery.nextAttemptTime, delivery.createTime, delivery.updateTime)})
      select ${sqlNewId('whd')}, ${endpoint.accountId}, ${insertedId}, ${endpoint.id},
             'PENDING', ${p('eventCreateTime')}::timestamptz, ${p('eventCreateTime')}::timestamptz, ${p('eventCreateTime')}::timestamptz
      from inserted, ${endpointFrom}
      where ${endpoint.accountId} = ${p('eventAccountId')} and not ${endpoint.disabled}
        and (${p('eventType')} = any(${endpoint.enabledEvents}) or ${ALL_TYPES_LITERAL} = any(${endpoint.enabledEvents}))
      returning 1
    )
    select pg_notify(${EVENTS_CHANNEL}, json_build_object(
      'accountId', ${p('eventAccountId')}::text, 'id', ${insertedId}, 'sequence', ${columnOf('inserted', event.sequence)}::text,
      'type', ${p('eventType')}::text, 'checkoutSessionId', ${p('eventCheckoutSessionId')}::text,
      'deliveries', (select count(*) from deliveries))::text)
    from inserted`;
}

/** The values of eventStatement's placeholders for event `id`. */
export function eventValues(id: string, event: NewEvent) {
  return {
    eventId: id,
    eventAccountId: event.accountId,
    eventType: event.type,
    eventCheckoutSessionId: event.checkoutSessionId,
    eventData: JSON.stringify(event.data),
    eventCreateTime: formatInstant(event.createTime),
    eventTraceparent: currentTraceparent() ?? null,
  };
}

const recordEventStatement = new PreparedStatement<ReturnType<typeof eventValues>>(eventStatement());

/**
 * Writes an event inside the transaction of the change it reports, queues its webhook
 * deliveries (the outbox) and announces it. PostgreSQL holds a NOTIFY until commit and drops
 * it on rollback, so nobody hears of a change that did not happen.
 */
export async function recordEvent(tx: Tx, event: NewEvent): Promise<string> {
  const id = newId('evt');
  await recordEventStatement.run(tx, eventValues(id, event));
  return id;
}
