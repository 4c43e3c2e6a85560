/**
 * An account's history written straight into the tables with set-based SQL (generate_series), as
 * the gateway would have written it over weeks: sessions, their payment intents and their events.
 * A million sessions through the API would take the bench an hour; this takes about a minute.
 *
 * Row i (0 = newest) was created i × `stepMs` ago. What a merchant's account looks like:
 * - sessions of the last 24 hours: 60 % still OPEN (expireTime 24 h after creation, in the
 *   future), 35 % COMPLETE, 5 % expired by the merchant;
 * - older ones: half COMPLETE, half EXPIRED (abandoned carts, expired by the sweeper at expireTime);
 * - clientReferenceId: every `sharedReferenceEvery`-th session carries SHARED_REFERENCE (a
 *   customer who comes back), one in twenty none, the rest an order number of their own;
 * - a paid intent has a card and SUCCEEDED, an expired one CANCELED, some open ones a decline;
 * - events: `checkout_session.created` for every session and `.paid` / `.expired` for those that
 *   ended, with the payload the gateway writes, in time order (so `sequence` follows time), for
 *   the days the gateway keeps events (older ones its pruning job would delete).
 * Ids are the gateway's shape (prefix, 24 base62 characters): hex from md5 of the account and
 * the row number, so they are unique and scattered through the id index like random ones.
 */
import type { Sql } from 'postgres';

/** The clientReferenceId the filter figures ask for. */
export const SHARED_REFERENCE = 'customer_42';

export interface SeedPlan {
  accountId: string;
  sessions: number;
  /** Milliseconds between two consecutive sessions. */
  stepMs: number;
  sharedReferenceEvery: number;
  /**
   * Events are written for the last this many days only: the gateway's own pruning job deletes
   * older ones (EVENT_RETENTION_DAYS), so a live account has no older ones either.
   */
  eventDays: number;
  /** The gateway's PUBLIC_URL (the payloads' `url` of an OPEN session). */
  publicUrl: string;
}

export interface SeedCounts {
  sessions: number;
  open: number;
  complete: number;
  expired: number;
  sharedReference: number;
  events: number;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * The rows, as a query over generate_series: $1 account, $2 sessions, $3 step (ms), $4 now,
 * $5 every how many a shared reference. Oldest first, the order the gateway inserted them in, so
 * that the table's physical order follows createTime as it does in production.
 */
const PLAN = `
  select i, b, id, pi, create_time, create_time + interval '1 day' as expire_time,
         case when recent then (case when b < 12 then 'OPEN' when b < 19 then 'COMPLETE' else 'EXPIRED' end)
              else (case when b < 10 then 'COMPLETE' else 'EXPIRED' end) end as state,
         case when recent then least($4::timestamptz, create_time + (case when b < 19 then (1 + b) * interval '1 minute' else interval '30 minutes' end))
              else create_time + (case when b < 10 then (1 + b) * interval '1 minute' else interval '1 day' end) end as end_time,
         (100 + (i * 7919) % 99900)::bigint as amount,
         case when b = 4 then 'EUR' else 'GBP' end as currency,
         case when i % $5::int = 1 then '${SHARED_REFERENCE}' when b = 13 then null else 'order_' || ($2 - i) end as reference,
         case when b % 2 = 0 then 'https://shop.example/cart' end as cancel_url,
         jsonb_build_object('cart', ($2 - i)::text) as metadata
  from (
    select i, i % 20 as b,
           'cs_' || substr(md5('cs' || $1 || i), 1, 24) as id,
           'pi_' || substr(md5('pi' || $1 || i), 1, 24) as pi,
           $4::timestamptz - i * $3::bigint * interval '1 millisecond' as create_time,
           i * $3::bigint < ${DAY_MS} as recent
    from generate_series($2::bigint - 1, 0, -1) as i
  ) numbered`;

const SUCCESS_URL = 'https://shop.example/thanks?session={CHECKOUT_SESSION_ID}';
/** formatInstant's text (toISOString) from SQL. */
const iso = (column: string) => `to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/** The payload of an event: the session as it was then (toCheckoutSessionResource). */
function payload(state: string, updateTime: string) {
  return `jsonb_build_object('checkout_session', jsonb_build_object(
    'name', 'accounts/' || $1 || '/checkout-sessions/' || p.id, 'state', ${state}, 'amount', p.amount::text,
    'currency', p.currency, 'client_reference_id', p.reference,
    'url', case when ${state} = 'OPEN' then $6 || '/checkout?s_checkout_session=' || p.id end,
    'payment_intent', 'accounts/' || $1 || '/payment-intents/' || p.pi, 'paid', ${state} = 'COMPLETE',
    'success_url', '${SUCCESS_URL}', 'cancel_url', p.cancel_url, 'metadata', p.metadata,
    'expire_time', ${iso('p.expire_time')}, 'create_time', ${iso('p.create_time')}, 'update_time', ${iso(updateTime)}))`;
}

/** One statement: a transaction of its own, so a failed seed leaves nothing behind. */
const SEED = `
  with plan as materialized (${PLAN}),
  sessions as (
    insert into checkout_session (id, account_id, state, amount, currency, client_reference_id, success_url, cancel_url,
                                  metadata, payment_intent_id, expire_time, create_time, update_time)
    select id, $1, state::checkout_session_state, amount, currency, reference, '${SUCCESS_URL}', cancel_url,
           metadata, pi, expire_time, create_time, case when state = 'OPEN' then create_time else end_time end
    from plan
  ),
  intents as (
    insert into payment_intent (id, account_id, checkout_session_id, state, amount, currency, card_brand, card_last4,
                                last_error_code, last_error_message, create_time, update_time)
    select pi, $1, id,
           (case state when 'OPEN' then 'REQUIRES_PAYMENT_METHOD' when 'COMPLETE' then 'SUCCEEDED' else 'CANCELED' end)::payment_intent_state,
           amount, currency,
           case when state = 'COMPLETE' then 'visa' end, case when state = 'COMPLETE' then '4242' end,
           case when state = 'OPEN' and b = 2 then 'card_declined' end,
           case when state = 'OPEN' and b = 2 then 'Your card was declined.' end,
           create_time, case when state = 'OPEN' then create_time else end_time end
    from plan
  ),
  events as (
    insert into event (id, account_id, type, checkout_session_id, data, create_time)
    select id, $1, type, session_id, data, create_time from (
      select 'evt_' || substr(md5('evc' || $1 || p.i), 1, 24) as id, 'checkout_session.created' as type, p.id as session_id,
             ${payload("'OPEN'", 'p.create_time')} as data, p.create_time
      from plan p where p.create_time > $7::timestamptz
      union all
      select 'evt_' || substr(md5('eve' || $1 || p.i), 1, 24),
             case p.state when 'COMPLETE' then 'checkout_session.paid' else 'checkout_session.expired' end, p.id,
             ${payload('p.state', 'p.end_time')}, p.end_time
      from plan p where p.state <> 'OPEN' and p.end_time > $7::timestamptz
    ) all_events
    order by create_time
    returning 1
  )
  select count(*)::int as sessions,
         count(*) filter (where state = 'OPEN')::int as open,
         count(*) filter (where state = 'COMPLETE')::int as complete,
         count(*) filter (where state = 'EXPIRED')::int as expired,
         count(*) filter (where reference = '${SHARED_REFERENCE}')::int as shared_reference,
         (select count(*) from events)::int as events
  from plan`;

/** The tables the seed writes. */
export const SEEDED_TABLES = ['checkout_session', 'payment_intent', 'event'] as const;

/**
 * Writes the account's history. The account row must exist (create it through the API).
 *
 * A bulk load, done as one: in one transaction, the seeded tables' secondary indexes (those that
 * back no constraint) are dropped, the rows written, and the indexes built again from their own
 * definitions (pg_get_indexdef, so whatever the migrations define is what gets built). Building
 * an index by sorting is several times faster than a million scattered insertions into it; the
 * result is the same index. No wait for the WAL flush at commit (the rows are the bench's own).
 */
export async function seedAccount(sql: Sql, plan: SeedPlan): Promise<SeedCounts> {
  const now = new Date();
  return sql.begin(async (tx) => {
    await tx.unsafe(`set local synchronous_commit = off`);
    await tx.unsafe(`set local work_mem = '256MB'`);
    await tx.unsafe(`set local maintenance_work_mem = '256MB'`);
    const indexes = await tx.unsafe<{ name: string; definition: string }[]>(
      `select c.relname as name, pg_get_indexdef(i.indexrelid) as definition
       from pg_index i join pg_class c on c.oid = i.indexrelid join pg_class t on t.oid = i.indrelid
       where t.relname = any($1::text[]) and t.relnamespace = 'public'::regnamespace
         and not exists (select 1 from pg_constraint k where k.conindid = i.indexrelid)`,
      [[...SEEDED_TABLES]],
    );
    for (const index of indexes) await tx.unsafe(`drop index "${index.name}"`);
    const [counts] = await tx.unsafe<
      [{ sessions: number; open: number; complete: number; expired: number; shared_reference: number; events: number }]
    >(SEED, [
      plan.accountId,
      plan.sessions,
      plan.stepMs,
      now.toISOString(),
      plan.sharedReferenceEvery,
      plan.publicUrl,
      new Date(now.getTime() - plan.eventDays * DAY_MS).toISOString(),
    ]);
    for (const index of indexes) await tx.unsafe(index.definition);
    return {
      sessions: counts.sessions,
      open: counts.open,
      complete: counts.complete,
      expired: counts.expired,
      sharedReference: counts.shared_reference,
      events: counts.events,
    };
  });
}

/** Statistics and visibility map as autovacuum would have left them on a live database. */
export async function vacuumAnalyze(sql: Sql): Promise<void> {
  for (const table of SEEDED_TABLES) await sql.unsafe(`vacuum (analyze) ${table}`);
}
