/**
 * The baseline: the same SQL the gateway runs, issued directly with postgres.js from the bench
 * process. It pays for the database round trips and nothing else (no HTTP, no GraphQL, no ORM).
 */
import type { Sql } from 'postgres';
import { newId } from '../../src/domain/ids.js';

const EVENTS_CHANNEL = 'checkout_events';
const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * createCheckoutSession without an idempotency key, statement for statement what the domain
 * function issues: one statement (so one implicit transaction) that inserts the session and its
 * payment intent, takes the per-account event lock, inserts the event with its webhook outbox
 * rows, and NOTIFYs.
 */
export async function rawCreateCheckoutSession(sql: Sql, accountId: string, publicUrl: string): Promise<string> {
  const now = new Date();
  const sessionId = newId('cs');
  const paymentIntentId = newId('pi');
  const eventId = newId('evt');
  const expireTime = new Date(now.getTime() + DAY_MS);
  const metadata = { cart: '42' };
  const successUrl = 'https://shop.example/thanks?session={CHECKOUT_SESSION_ID}';
  const data = {
    checkout_session: {
      name: `accounts/${accountId}/checkout-sessions/${sessionId}`,
      state: 'OPEN',
      amount: '10000',
      currency: 'GBP',
      client_reference_id: 'order_12345',
      url: `${publicUrl}/checkout?s_checkout_session=${sessionId}`,
      payment_intent: `accounts/${accountId}/payment-intents/${paymentIntentId}`,
      paid: false,
      success_url: successUrl,
      cancel_url: null,
      metadata,
      expire_time: expireTime.toISOString(),
      create_time: now.toISOString(),
      update_time: now.toISOString(),
    },
  };
  const createTime = now.toISOString();
  const type = 'checkout_session.created';
  await sql`
    with new_session as (
      insert into checkout_session (id, account_id, state, amount, currency, client_reference_id, success_url, cancel_url,
                                    metadata, payment_intent_id, expire_time, create_time, update_time)
      values (${sessionId}, ${accountId}, 'OPEN', ${'10000'}, 'GBP', 'order_12345', ${successUrl}, null,
              ${sql.json(metadata)}, ${paymentIntentId}, ${expireTime}, ${now}, ${now})
    ), new_intent as (
      insert into payment_intent (id, account_id, checkout_session_id, state, amount, currency, create_time, update_time)
      values (${paymentIntentId}, ${accountId}, ${sessionId}, 'REQUIRES_PAYMENT_METHOD', ${'10000'}, 'GBP', ${now}, ${now})
    ), lock as (select pg_advisory_xact_lock(hashtext(${`events:${accountId}`}))), inserted as (
      insert into event (id, account_id, type, checkout_session_id, data, create_time)
      select ${eventId}, ${accountId}, ${type}, ${sessionId}, ${JSON.stringify(data)}::jsonb, ${createTime}::timestamptz
      from lock
      returning id, sequence
    ), deliveries as (
      insert into webhook_delivery (id, account_id, event_id, endpoint_id, state, next_attempt_time, create_time, update_time)
      select 'whd_' || replace(gen_random_uuid()::text, '-', ''), endpoint.account_id, inserted.id, endpoint.id,
             'PENDING', ${createTime}::timestamptz, ${createTime}::timestamptz, ${createTime}::timestamptz
      from inserted, webhook_endpoint endpoint
      where endpoint.account_id = ${accountId} and not endpoint.disabled
        and (${type} = any(endpoint.enabled_events) or '*' = any(endpoint.enabled_events))
      returning 1
    )
    select pg_notify(${EVENTS_CHANNEL}, json_build_object(
      'accountId', ${accountId}::text, 'id', inserted.id, 'sequence', inserted.sequence::text,
      'type', ${type}::text, 'checkoutSessionId', ${sessionId}::text,
      'deliveries', (select count(*) from deliveries))::text)
    from inserted`;
  return sessionId;
}

/** The rows `checkoutSessions(first: 50) { … paymentIntent { state } }` returns, in one join. */
export async function rawListCheckoutSessions(sql: Sql, accountId: string, first: number) {
  return sql`
    select cs.*, pi.id as pi_id, pi.state as pi_state
    from checkout_session cs join payment_intent pi on pi.id = cs.payment_intent_id
    where cs.account_id = ${accountId}
    order by cs.create_time desc, cs.id desc
    limit ${first + 1}`;
}
