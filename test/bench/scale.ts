/**
 * 6. Scale: the read phase's queries against an account of 200 sessions and one of 1,000,000
 * (issue 11: a page must cost the same however large the account). Both accounts are written
 * with SQL (seed.ts) with the same mix of states and references, so every filter returns full
 * pages on both; each query then runs against both in alternating windows, and the first page
 * also against the raw SQL of the read baseline on each account.
 */
import { encodeTimeIdCursor } from '../../src/graphql/pagination.js';
import { createAccount, type BenchAccount } from './client.js';
import type { BenchContext } from './context.js';
import { alternateSides, closedLoop, httpLoad, type LoadResult, type LoadWindow } from './load.js';
import { rawListCheckoutSessions } from './raw-sql.js';
import { READ_QUERY } from './read.js';
import { seedAccount, SEEDED_TABLES, SHARED_REFERENCE, vacuumAnalyze, type SeedCounts } from './seed.js';
import { ratio, round, sleep, summarize } from './stats.js';

const PAGE = 50;
const DAY_MS = 24 * 60 * 60 * 1000;
/** Rows skipped by the deep page: 10,000 on the large account, half the small one. */
const DEEP = { small: 100, large: 10_000 };
/** One client's requests per query and account: at most this many, for at most this long. */
const ONE_CLIENT_REQUESTS = 11;
const ONE_CLIENT_MAX_MS = 10_000;
/**
 * Windows per account and query (small, large, large, small, …): the machine's load swings
 * within seconds, and more turns share it more evenly between the two accounts.
 */
export const SCALE_WINDOWS = 4;
/** The longest wait for the statements a window left running. */
const SETTLE_MAX_MS = 60_000;
/** A request unanswered after this long counts as failed: long enough to measure a slow plan. */
const TIMEOUT_SECONDS = 30;

type AccountSize = 'small' | 'large';

interface ScaleQueryFigures {
  query: string;
  small: LoadResult;
  large: LoadResult;
  /** large ÷ small throughput (target ≥ 0.9). */
  ratio: number;
  /** Median latency of one client's requests, one after another, on an otherwise idle gateway (ms). */
  oneClient: Record<AccountSize, number>;
}

interface RelationSize {
  table: string;
  rows: number;
  tableBytes: number;
  indexBytes: number;
  totalBytes: number;
  indexes: { name: string; bytes: number }[];
}

export interface ScaleFigures {
  accounts: Record<AccountSize, SeedCounts>;
  /** Wall-clock seconds to write both accounts' rows (indexes included), and to VACUUM ANALYZE. */
  seedSeconds: number;
  vacuumSeconds: number;
  sizes: RelationSize[];
  queries: ScaleQueryFigures[];
  /** The first page through the gateway against the baseline's SQL, per account (target ≥ 0.5). */
  raw: Record<AccountSize, { gateway: LoadResult; baseline: LoadResult; ratio: number }>;
}

const PAGE_QUERY = `query Page($after: String, $filter: CheckoutSessionFilter) {
  checkoutSessions(first: ${PAGE}, after: $after, filter: $filter) {
    edges { node { id name state amount currency clientReferenceId url createTime paymentIntent { state } } }
    pageInfo { hasNextPage endCursor }
  }
}`;

/** A full page whose every node carries its payment intent's state. */
const fullPage = (body: string) =>
  !body.includes('"errors"') && body.split('"paymentIntent":{"state":"').length === PAGE + 1;

interface Query {
  name: string;
  /** The request for one account, and how to tell its answer is the right one. */
  request(account: SeededAccount): {
    method: 'POST' | 'GET';
    path: string;
    body?: string;
    verify: (body: string) => boolean;
  };
}

interface SeededAccount extends BenchAccount {
  size: AccountSize;
  /** The position after which the deep page starts, and the id of that page's first row. */
  deep: { createTime: Date; id: string; firstId: string };
}

const graphqlRequest = (variables: Record<string, unknown>, verify: (body: string) => boolean) => ({
  method: 'POST' as const,
  path: '/graphql',
  body: JSON.stringify({ query: PAGE_QUERY, variables }),
  verify: (body: string) => fullPage(body) && verify(body),
});

/** The REST list's next_page_token, as src/rest/checkout-sessions.ts encodes it (no filters). */
function restPageToken(position: { createTime: Date; id: string }): string {
  return Buffer.from(JSON.stringify([position.createTime.toISOString(), position.id, null, null])).toString(
    'base64url',
  );
}

const QUERIES: Query[] = [
  {
    name: 'first page',
    request: () => ({
      method: 'POST',
      path: '/graphql',
      body: JSON.stringify({ query: READ_QUERY }),
      verify: fullPage,
    }),
  },
  {
    name: `page after ${DEEP.large.toLocaleString('en')} rows (after ${DEEP.small} on the small account), by cursor`,
    request: (account) =>
      graphqlRequest({ after: encodeTimeIdCursor(account.deep) }, (body) =>
        body.includes(`checkout-sessions/${account.deep.firstId}"`),
      ),
  },
  ...(['OPEN', 'COMPLETE', 'EXPIRED'] as const).map(
    (state): Query => ({
      name: `filter state ${state}`,
      request: () =>
        graphqlRequest({ filter: { state } }, (body) => body.split(`"state":"${state}","amount"`).length === PAGE + 1),
    }),
  ),
  {
    name: `filter clientReferenceId (${SHARED_REFERENCE})`,
    request: () =>
      graphqlRequest(
        { filter: { clientReferenceId: SHARED_REFERENCE } },
        (body) => body.split(`"clientReferenceId":"${SHARED_REFERENCE}"`).length === PAGE + 1,
      ),
  },
  {
    name: `REST GET …/checkout-sessions?page_size=${PAGE}&page_token= (same position as the deep page)`,
    request: (account) => ({
      method: 'GET',
      path: `/v1/accounts/${account.accountId}/checkout-sessions?page_size=${PAGE}&page_token=${restPageToken(account.deep)}`,
      verify: (body) =>
        body.split('"payment_intent":"').length === PAGE + 1 &&
        body.includes(`checkout-sessions/${account.deep.firstId}"`) &&
        !body.includes('"next_page_token":""'),
    }),
  },
];

/** Table, index and total sizes of the seeded tables (the whole database: both accounts and the rest of the run). */
async function relationSizes(ctx: BenchContext): Promise<RelationSize[]> {
  const tables = await ctx.sql<
    { table: string; rows: string; table_bytes: string; index_bytes: string; total_bytes: string }[]
  >`
    select c.relname as table, c.reltuples::bigint as rows,
           pg_table_size(c.oid) as table_bytes, pg_indexes_size(c.oid) as index_bytes, pg_total_relation_size(c.oid) as total_bytes
    from pg_class c
    where c.relname = any(${[...SEEDED_TABLES]}::text[]) and c.relnamespace = 'public'::regnamespace
    order by c.relname`;
  const indexes = await ctx.sql<{ table: string; name: string; bytes: string }[]>`
    select t.relname as table, c.relname as name, pg_relation_size(c.oid) as bytes
    from pg_index i join pg_class c on c.oid = i.indexrelid join pg_class t on t.oid = i.indrelid
    where t.relname = any(${[...SEEDED_TABLES]}::text[]) and t.relnamespace = 'public'::regnamespace
    order by t.relname, c.relname`;
  return tables.map((row) => ({
    table: row.table,
    rows: Number(row.rows),
    tableBytes: Number(row.table_bytes),
    indexBytes: Number(row.index_bytes),
    totalBytes: Number(row.total_bytes),
    indexes: indexes
      .filter((index) => index.table === row.table)
      .map((index) => ({ name: index.name, bytes: Number(index.bytes) })),
  }));
}

/**
 * Runs a window, then waits until PostgreSQL has finished the statements it left running: when
 * a window ends, requests still queued in the gateway's pool run on (the gateway does not cancel
 * them), and a slow plan's leftovers would otherwise fall into the next side's window.
 */
async function settled(ctx: BenchContext, window: () => Promise<LoadWindow>): Promise<LoadWindow> {
  const result = await window();
  const until = performance.now() + SETTLE_MAX_MS;
  while (performance.now() < until) {
    const [row] = await ctx.sql<{ active: number }[]>`
      select count(*)::int as active from pg_stat_activity
      where datname = current_database() and state = 'active' and pid <> pg_backend_pid() and query not ilike '%pg_stat_activity%'`;
    if (!row?.active) break;
    await sleep(100);
  }
  return result;
}

/** The row after which a page `depth` rows deep starts, and the first row of that page, in list order. */
async function deepPosition(ctx: BenchContext, accountId: string, depth: number): Promise<SeededAccount['deep']> {
  const rows = await ctx.sql<{ create_time: Date; id: string }[]>`
    select create_time, id from checkout_session where account_id = ${accountId}
    order by create_time desc, id desc offset ${depth - 1} limit 2`;
  if (rows.length < 2) throw new Error(`scale: account ${accountId} has fewer than ${depth + 1} sessions`);
  return { createTime: rows[0]!.create_time, id: rows[0]!.id, firstId: rows[1]!.id };
}

export async function benchScale(ctx: BenchContext): Promise<ScaleFigures> {
  const { options, gateway, sql } = ctx;
  const sessions = { small: 200, large: options.scaleSessions };
  const accounts = {} as Record<AccountSize, SeededAccount>;
  const counts = {} as Record<AccountSize, SeedCounts>;

  const seedStart = performance.now();
  for (const size of ['small', 'large'] as const) {
    const account = await createAccount(gateway.url, ctx.adminKey, `Bench scale ${size}`);
    const n = sessions[size];
    ctx.log(`scale: seeding ${n.toLocaleString('en')} sessions (${size} account) with SQL`);
    counts[size] = await seedAccount(sql, {
      accountId: account.accountId,
      sessions: n,
      // The large account: a year of orders (or fewer days, for a smaller --scale-sessions, so
      // that its last 24 hours hold 200 sessions: more than a page of OPEN ones). The small one:
      // two days (a new merchant), so that its 200 sessions hold more than a page of each state.
      stepMs:
        size === 'large' ? Math.round(Math.min(365 * DAY_MS, n * (DAY_MS / 200)) / n) : Math.round((2 * DAY_MS) / n),
      sharedReferenceEvery: size === 'large' ? 100 : 3,
      eventDays: 29,
      publicUrl: gateway.url,
    });
    accounts[size] = { ...account, size, deep: { createTime: new Date(0), id: '', firstId: '' } };
  }
  const seedSeconds = round((performance.now() - seedStart) / 1000, 1);
  const vacuumStart = performance.now();
  await vacuumAnalyze(sql);
  const vacuumSeconds = round((performance.now() - vacuumStart) / 1000, 1);
  ctx.log(`scale: seeded in ${seedSeconds} s (VACUUM ANALYZE ${vacuumSeconds} s): ${JSON.stringify(counts)}`);
  for (const size of ['small', 'large'] as const)
    accounts[size].deep = await deepPosition(ctx, accounts[size].accountId, DEEP[size]);
  const sizes = await relationSizes(ctx);

  const load = (account: SeededAccount, query: Query) => {
    const request = query.request(account);
    return (seconds: number) =>
      settled(ctx, () =>
        httpLoad({
          url: `${gateway.url}${request.path}`,
          method: request.method,
          headers: { 'content-type': 'application/json', authorization: `Api-Key ${account.apiKey}` },
          body: request.body,
          connections: options.connections,
          durationSeconds: seconds,
          timeoutSeconds: TIMEOUT_SECONDS,
          verifyBody: request.verify,
        }),
      );
  };
  const raw = (account: SeededAccount) => (seconds: number) =>
    settled(ctx, () =>
      closedLoop(options.connections, seconds, async () => {
        const rows = await rawListCheckoutSessions(sql, account.accountId, PAGE);
        if (rows.length !== PAGE + 1) throw new Error(`expected ${PAGE + 1} rows, got ${rows.length}`);
      }),
    );

  // One client first: every answer checked (a wrong cursor or token fails here, before any
  // load), and the latency of a request that waits for nothing but itself.
  const oneClient = new Map<Query, Record<AccountSize, number>>();
  for (const query of QUERIES) {
    const latencies = {} as Record<AccountSize, number>;
    for (const account of Object.values(accounts)) {
      const request = query.request(account);
      const samples: number[] = [];
      const until = performance.now() + ONE_CLIENT_MAX_MS;
      while (samples.length < ONE_CLIENT_REQUESTS && (samples.length === 0 || performance.now() < until)) {
        const start = performance.now();
        const response = await fetch(`${gateway.url}${request.path}`, {
          method: request.method,
          headers: { 'content-type': 'application/json', authorization: `Api-Key ${account.apiKey}` },
          body: request.body,
          signal: AbortSignal.timeout(TIMEOUT_SECONDS * 1000),
        });
        const body = await response.text();
        samples.push(performance.now() - start);
        if (!response.ok || !request.verify(body))
          throw new Error(
            `scale: "${query.name}" on the ${account.size} account answered ${response.status}: ${body.slice(0, 500)}`,
          );
      }
      // The first request of a statement shape prepares it on its connection: not counted.
      latencies[account.size] = summarize(samples.length > 1 ? samples.slice(1) : samples).p50;
    }
    oneClient.set(query, latencies);
  }

  const warmup = (window: (seconds: number) => Promise<LoadWindow>) =>
    options.warmup > 0 ? window(Math.min(options.warmup, 2)) : undefined;
  const queries: ScaleQueryFigures[] = [];
  let rawFigures: ScaleFigures['raw'] | undefined;
  for (const [index, query] of QUERIES.entries()) {
    const small = load(accounts.small, query);
    const large = load(accounts.large, query);
    ctx.log(
      `scale: ${query.name}: 200 vs ${sessions.large.toLocaleString('en')} sessions, ${options.duration}s each in ${SCALE_WINDOWS} alternating windows`,
    );
    await warmup(small);
    await warmup(large);
    if (index === 0) {
      // The first page also against the read baseline's SQL on each account, in the same windows.
      await warmup(raw(accounts.small));
      await warmup(raw(accounts.large));
      const figures = await alternateSides(SCALE_WINDOWS, options.duration, {
        small,
        large,
        rawSmall: raw(accounts.small),
        rawLarge: raw(accounts.large),
      });
      queries.push({
        query: query.name,
        small: figures.small,
        large: figures.large,
        ratio: ratio(figures.large.throughput, figures.small.throughput),
        oneClient: oneClient.get(query)!,
      });
      rawFigures = {
        small: {
          gateway: figures.small,
          baseline: figures.rawSmall,
          ratio: ratio(figures.small.throughput, figures.rawSmall.throughput),
        },
        large: {
          gateway: figures.large,
          baseline: figures.rawLarge,
          ratio: ratio(figures.large.throughput, figures.rawLarge.throughput),
        },
      };
    } else {
      const figures = await alternateSides(SCALE_WINDOWS, options.duration, { small, large });
      queries.push({
        query: query.name,
        small: figures.small,
        large: figures.large,
        ratio: ratio(figures.large.throughput, figures.small.throughput),
        oneClient: oneClient.get(query)!,
      });
    }
  }
  return { accounts: counts, seedSeconds, vacuumSeconds, sizes, queries, raw: rawFigures! };
}
