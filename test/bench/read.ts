/**
 * 2. Read: a page of 50 sessions with each payment intent's state, through GraphQL, against the
 * one SQL statement that returns the same rows.
 */
import { createAccount, createSession } from './client.js';
import type { BenchContext } from './context.js';
import { closedLoop, httpLoad } from './load.js';
import { measureThroughput, type ThroughputFigures } from './throughput.js';
import { rawListCheckoutSessions } from './raw-sql.js';

export type ReadFigures = ThroughputFigures;

const PAGE = 50;
/** More rows than one page, so the query really seeks into the index. */
const SESSIONS = 200;

export const READ_QUERY = `query Page {
  checkoutSessions(first: ${PAGE}) {
    edges { node { id name state amount currency clientReferenceId url createTime paymentIntent { state } } }
    pageInfo { hasNextPage endCursor }
  }
}`;

export async function benchRead(ctx: BenchContext): Promise<ReadFigures> {
  const { options, gateway, sql } = ctx;
  const account = await createAccount(gateway.url, ctx.adminKey, 'Bench read');
  ctx.log(`read: creating ${SESSIONS} sessions`);
  for (let i = 0; i < SESSIONS; i += 20) {
    await Promise.all(Array.from({ length: 20 }, () => createSession(gateway.url, account.apiKey)));
  }
  // A full page whose last node carries a payment intent state: the body is a real answer.
  const fullPage = (body: string) =>
    !body.includes('"errors"') && body.split('"paymentIntent":{"state":"').length === PAGE + 1;
  const load = (durationSeconds: number) =>
    httpLoad({
      url: `${gateway.url}/graphql`,
      headers: { 'content-type': 'application/json', authorization: `Api-Key ${account.apiKey}` },
      body: JSON.stringify({ query: READ_QUERY }),
      connections: options.connections,
      durationSeconds,
      verifyBody: fullPage,
    });
  const raw = (durationSeconds: number) =>
    closedLoop(options.connections, durationSeconds, async () => {
      const rows = await rawListCheckoutSessions(sql, account.accountId, PAGE);
      if (rows.length !== PAGE + 1) throw new Error(`expected ${PAGE + 1} rows, got ${rows.length}`);
    });

  return measureThroughput(ctx, 'read', raw, load);
}
