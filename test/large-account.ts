/**
 * A large account seeded with SQL (generate_series), for tests that look at query plans: its
 * checkout sessions, their payment intents and events, an endpoint with a delivery (and an
 * attempt) per created event; a small account beside it; and many accounts with endpoints, so
 * that the endpoint table is large while each account's list stays short.
 */
export const BIG_ACCOUNT = 'acct_plans_big';
const SMALL_ACCOUNT = 'acct_plans_small';
export const BIG_ENDPOINT = 'we_plans_big_01';

/** The id of the account's `i`th session (1 is the oldest); ids sort like their creation order. */
export function sessionId(account: string, i: number): string {
  return `cs_${account === BIG_ACCOUNT ? 'b' : 's'}${String(i).padStart(9, '0')}`;
}

export interface SeedOptions {
  sessions: number;
  /** Accounts that hold only endpoints (16 each). */
  endpointAccounts: number;
}

/**
 * Statements that seed one account with `sessions` sessions, one a second up to `now`: older
 * than a day they are COMPLETE or EXPIRED (and one in 10,000 OPEN but lapsed, as if the expiry
 * sweep had not yet reached it), within the last day half OPEN. One session in three has no
 * client reference; the others share theirs with three more.
 */
function accountStatements(account: string, sessions: number, prefix: string, endpoint: string): string[] {
  const cs = `'cs_${prefix}' || lpad(i::text, 9, '0')`;
  const pi = `'pi_${prefix}' || lpad(i::text, 9, '0')`;
  const createTime = `(now() - (${sessions} - i) * interval '1 second')`;
  const state = `(case when ${createTime} > now() - interval '23 hours' then (case when i % 2 = 0 then 'OPEN' else 'COMPLETE' end)
                       when i % 10000 = 5 then 'OPEN' when i % 10 < 7 then 'COMPLETE' else 'EXPIRED' end)`;
  return [
    `insert into account (id, display_name) values ('${account}', '${account}')`,
    `insert into checkout_session (id, account_id, state, amount, currency, client_reference_id, payment_intent_id, expire_time, create_time, update_time)
     select ${cs}, '${account}', s.state::checkout_session_state, 1000 + i % 5000, 'GBP',
            case when i % 3 = 0 then null else 'order_' || (i / 4) end, ${pi}, s.create_time + interval '24 hours', s.create_time, s.create_time
     from generate_series(1, ${sessions}) i, lateral (select ${createTime} as create_time, ${state} as state) s`,
    `insert into payment_intent (id, account_id, checkout_session_id, state, amount, currency, create_time, update_time)
     select payment_intent_id, account_id, id,
            (case state when 'COMPLETE' then 'SUCCEEDED' when 'EXPIRED' then 'CANCELED' else 'REQUIRES_PAYMENT_METHOD' end)::payment_intent_state,
            amount, currency, create_time, update_time
     from checkout_session where account_id = '${account}'`,
    `insert into event (id, account_id, type, checkout_session_id, data, create_time)
     select 'evt_${prefix}c' || substr(id, 4), account_id, 'checkout_session.created', id, '{}', create_time
     from checkout_session where account_id = '${account}' order by create_time, id`,
    `insert into event (id, account_id, type, checkout_session_id, data, create_time)
     select 'evt_${prefix}x' || substr(id, 4), account_id,
            case state when 'COMPLETE' then 'checkout_session.paid' else 'checkout_session.expired' end, id, '{}', create_time + interval '1 minute'
     from checkout_session where account_id = '${account}' and state <> 'OPEN' order by create_time, id`,
    `insert into webhook_endpoint (id, account_id, url, enabled_events, secrets, create_time, update_time)
     select '${endpoint.slice(0, -2)}' || lpad(n::text, 2, '0'), '${account}', 'https://example.com/hook/' || n, '{*}', '[]', now() - n * interval '1 hour', now()
     from generate_series(1, 16) n`,
    `insert into webhook_delivery (id, account_id, event_id, endpoint_id, state, attempt_count, next_attempt_time, create_time, update_time)
     select 'whd_' || substr(id, 5), account_id, id, '${endpoint}',
            (case when sequence % 100 = 0 then 'FAILED' when create_time > now() - interval '10 seconds' then 'PENDING' else 'SUCCEEDED' end)::webhook_delivery_state,
            1, null, create_time, create_time
     from event where account_id = '${account}' and type = 'checkout_session.created'`,
    `insert into webhook_attempt (id, delivery_id, attempt_number, start_time, duration_ms, status_code, succeeded)
     select 'wha_' || substr(id, 5), id, 1, create_time, 20, case state when 'FAILED' then 500 else 200 end, state = 'SUCCEEDED'
     from webhook_delivery where account_id = '${account}' and state <> 'PENDING'`,
  ];
}

export function seedStatements(options: SeedOptions): string[] {
  return [
    ...accountStatements(BIG_ACCOUNT, options.sessions, 'b', BIG_ENDPOINT),
    ...accountStatements(SMALL_ACCOUNT, 200, 's', 'we_plans_small_01'),
    `insert into account (id, display_name) select 'acct_plans_e' || a, 'Endpoints ' || a from generate_series(1, ${options.endpointAccounts}) a`,
    `insert into webhook_endpoint (id, account_id, url, enabled_events, secrets, create_time, update_time)
     select 'we_plans_e' || a || '_' || n, 'acct_plans_e' || a, 'https://example.com/hook/' || n, '{*}', '[]', now() - n * interval '1 hour', now()
     from generate_series(1, ${options.endpointAccounts}) a, generate_series(1, 16) n`,
    'analyze',
  ];
}
