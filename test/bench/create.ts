/**
 * 1. Create: createCheckoutSession over HTTP against the same transaction issued directly with
 * postgres.js, both at the same concurrency, on one account (so both queue on its event lock).
 */
import { CREATE_INPUT, CREATE_MUTATION, CREATE_MUTATION_WITH_INTENT, createAccount } from './client.js';
import type { BenchContext } from './context.js';
import { cpuMs } from './gateway-process.js';
import { alternateSides, closedLoop, httpLoad, type LoadResult, type LoadWindow } from './load.js';
import { ratio, round } from './stats.js';
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
    closedLoop(options.connections, durationSeconds, () =>
      rawCreateCheckoutSession(sql, account.accountId, gateway.url),
    );

  return measureThroughput(ctx, 'create', raw, load);
}

export interface CreateIntentFigures {
  /** createCheckoutSession selecting the session's fields only (the create phase's mutation). */
  without: LoadResult;
  /** The same with `paymentIntent { name state amount currency }` selected. */
  with: LoadResult;
  /** with ÷ without throughput (target ≥ 0.9: the intent must cost no second round trip). */
  ratio: number;
  /** The gateway process's CPU time per successful create, each over its own windows (ms). */
  serverCpuMsPerRequest: { with: number; without: number };
}

/**
 * 1b. Create with the payment intent selected against create without it, on one account in
 * alternating windows: the create already holds the intent, so selecting it should cost nothing
 * like a second statement.
 */
export async function benchCreateIntent(ctx: BenchContext): Promise<CreateIntentFigures> {
  const { options, gateway } = ctx;
  const account = await createAccount(gateway.url, ctx.adminKey, 'Bench create intent');
  const load = (query: string) => (durationSeconds: number) =>
    httpLoad({
      url: `${gateway.url}/graphql`,
      headers: { 'content-type': 'application/json', authorization: `Api-Key ${account.apiKey}` },
      body: JSON.stringify({ query, variables: { input: CREATE_INPUT } }),
      connections: options.connections,
      durationSeconds,
      verifyBody: (body) =>
        body.includes('"state":"OPEN"') &&
        !body.includes('"errors"') &&
        (query === CREATE_MUTATION || body.includes('"state":"REQUIRES_PAYMENT_METHOD"')),
    });
  const cpu = { with: 0, without: 0 };
  /** Adds the gateway's CPU time over each measured window to its side. */
  const metered =
    (side: keyof typeof cpu, window: (seconds: number) => Promise<LoadWindow>) => async (seconds: number) => {
      const before = cpuMs(gateway.serverPid);
      const result = await window(seconds);
      cpu[side] += cpuMs(gateway.serverPid) - before;
      return result;
    };
  const sides = { without: load(CREATE_MUTATION), with: load(CREATE_MUTATION_WITH_INTENT) };
  ctx.log(
    `create-intent: create without and with paymentIntent selected, ${options.connections} clients, ${options.duration}s each in 2 alternating windows`,
  );
  if (options.warmup > 0) {
    await sides.without(options.warmup);
    await sides.with(options.warmup);
  }
  const figures = await alternateSides(2, options.duration, {
    without: metered('without', sides.without),
    with: metered('with', sides.with),
  });
  return {
    ...figures,
    ratio: ratio(figures.with.throughput, figures.without.throughput),
    serverCpuMsPerRequest: {
      with: round(cpu.with / Math.max(1, figures.with.ok), 3),
      without: round(cpu.without / Math.max(1, figures.without.ok), 3),
    },
  };
}
