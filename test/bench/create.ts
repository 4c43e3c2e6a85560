/**
 * 1. Create: createCheckoutSession over HTTP against the same transaction issued directly with
 * postgres.js, both at the same concurrency, on one account (so both queue on its event lock).
 */
import { CREATE_INPUT, CREATE_MUTATION, createAccount } from './client.js';
import type { BenchContext } from './context.js';
import { closedLoop, httpLoad } from './load.js';
import { measureThroughput, type ThroughputFigures } from './throughput.js';
import { rawCreateCheckoutSession } from './raw-sql.js';

export type CreateFigures = ThroughputFigures;

export async function benchCreate(ctx: BenchContext): Promise<CreateFigures> {
  const { options, gateway, sql } = ctx;
  const account = await createAccount(gateway.url, ctx.adminKey, 'Bench create');
  const load = (durationSeconds: number) =>
    httpLoad({
      url: `${gateway.url}/graphql`,
      headers: { 'content-type': 'application/json', authorization: `Api-Key ${account.apiKey}` },
      body: JSON.stringify({ query: CREATE_MUTATION, variables: { input: CREATE_INPUT } }),
      connections: options.connections,
      durationSeconds,
      verifyBody: (body) => body.includes('"state":"OPEN"') && !body.includes('"errors"'),
    });
  const raw = (durationSeconds: number) =>
    closedLoop(options.connections, durationSeconds, () => rawCreateCheckoutSession(sql, account.accountId, gateway.url));

  return measureThroughput(ctx, 'create', raw, load);
}
