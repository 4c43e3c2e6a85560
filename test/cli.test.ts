/**
 * The `checkout-gateway` command as a developer runs it: spawned as a process against a running
 * gateway, forwarding to a real HTTP receiver that verifies signatures with `standardwebhooks`,
 * and across a gateway restart on the same database.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, privateDatabase, signatureHeaders, startReceiver } from './events-kit.js';
import { launch, type Launched } from './spawn.js';
import { startGateway, type Gateway } from './testkit.js';

const BIN = 'src/cli/checkout-gateway.mjs';

/** Runs the package's bin as `npx checkout-gateway …` would. */
function cli(args: string[], env: Record<string, string> = {}): Launched {
  return launch(BIN, args, env);
}

let dataDir: string | null = null;
let database: Awaited<ReturnType<typeof privateDatabase>>;
let gateway: Gateway;
let port = 0;
const running: Launched[] = [];

/** A gateway on this file's database (PostgreSQL, or PGlite kept on disk), on `port` once known. */
async function startOnSharedDatabase(): Promise<Gateway> {
  const started = await startGateway({ port, ...(database ? { databaseUrl: database.url } : { dataDir }) });
  port = Number(new URL(started.url).port);
  return started;
}

beforeAll(async () => {
  database = await privateDatabase('cli');
  if (!database) dataDir = mkdtempSync(join(tmpdir(), 'cli-gateway-'));
  gateway = await startOnSharedDatabase();
}, 60_000);

afterAll(async () => {
  await Promise.all(running.map((run) => run.stop('SIGKILL')));
  await gateway?.stop();
  await database?.drop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

const EVENTS = `{ events(first: 100) { edges { node { id type checkoutSession { name } } } } }`;

describe('checkout-gateway listen and trigger', () => {
  it('forwards every event, signed, across a gateway restart, with nothing lost or duplicated; trigger drives sessions', async () => {
    const shop = await gateway.createAccount('CLI shop');
    const local = await startReceiver();
    const real = await startReceiver();
    try {
      // A real endpoint too: what listen forwards must be the body a real delivery carries.
      const endpoint = await gateway.ok(
        `mutation($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) { secret } }`,
        { input: { url: `${real.url}/real` } },
        { key: shop.apiKey },
      );
      const listen = cli(['listen', '--url', gateway.url, '--forward-to', `${local.url}/webhooks`], {
        CHECKOUT_API_KEY: shop.apiKey,
      });
      running.push(listen);
      await eventually(
        () => /Press Ctrl-C/.test(listen.stdout()),
        () => `listen to start:\n${listen.stdout()}\n${listen.stderr()}`,
        60_000,
      );
      const secret = /signing secret is (whsec_\S+)/.exec(listen.stdout())?.[1];
      expect(secret, listen.stdout()).toBeDefined();
      expect(listen.stdout()).toContain(`Forwarding events of ${shop.name} (CLI shop) to ${local.url}/webhooks`);

      const paid = cli(['trigger', 'checkout_session.paid', '--url', gateway.url, '--api-key', shop.apiKey]);
      expect(await paid.exited, paid.stderr()).toBe(0);
      const sessionName = /Created checkout session (\S+)/.exec(paid.stdout())?.[1];
      expect(sessionName).toMatch(/^accounts\/acct_\w+\/checkout-sessions\/cs_\w+$/);
      expect(paid.stdout()).toMatch(
        /Paid it on the hosted page with visa ending 4242 \(303\) → checkout_session\.paid/,
      );
      const session = await gateway.ok(
        `query($n: String!) { checkoutSession(name: $n) { state paymentIntent { cardLast4 } } }`,
        { n: sessionName },
        { key: shop.apiKey },
      );
      expect(session.checkoutSession).toEqual({ state: 'COMPLETE', paymentIntent: { cardLast4: '4242' } });
      await eventually(
        () => local.requests.length >= 2,
        () => `2 forwarded, got ${local.requests.length}\n${listen.stdout()}`,
      );

      // The gateway goes away and comes back on the same database and port; events committed
      // before listen has reconnected must arrive too.
      await gateway.stop();
      await eventually(
        () => /lost; reconnecting/.test(listen.stderr()),
        () => listen.stderr(),
      );
      gateway = await startOnSharedDatabase();
      for (let i = 0; i < 3; i++) {
        await gateway.ok(
          `mutation { createCheckoutSession(input: { amount: "500", currency: "EUR" }) { name } }`,
          {},
          { key: shop.apiKey },
        );
      }
      const expired = cli(['trigger', 'checkout_session.expired', '--url', gateway.url], {
        CHECKOUT_API_KEY: shop.apiKey,
      });
      expect(await expired.exited, expired.stderr()).toBe(0);
      expect(expired.stdout()).toMatch(/Expired it \(EXPIRED\) → checkout_session\.expired/);

      const all = (await gateway.ok(EVENTS, {}, { key: shop.apiKey })).events.edges
        .map((edge: any) => edge.node)
        .reverse();
      expect(all).toHaveLength(7);
      await eventually(
        () => local.requests.length >= all.length,
        () => `${all.length} forwarded, got ${local.requests.length}\n${listen.stdout()}\n${listen.stderr()}`,
      );
      await eventually(
        () => real.requests.length >= all.length,
        () => `${all.length} delivered, got ${real.requests.length}`,
      );
      await new Promise((resolve) => setTimeout(resolve, 500));

      // Every event once, in order, verified with the secret listen printed.
      expect(local.requests.map((request) => request.headers['webhook-id'])).toEqual(all.map((event: any) => event.id));
      const webhook = new Webhook(secret!);
      for (const request of local.requests) {
        expect(request.path).toBe('/webhooks');
        const verified = webhook.verify(request.body, signatureHeaders(request)) as any;
        const delivered = real.requests.find((candidate) => candidate.headers['webhook-id'] === verified.id)!;
        expect(
          new Webhook(endpoint.createWebhookEndpoint.secret).verify(delivered.body, signatureHeaders(delivered)),
        ).toBeTruthy();
        expect(request.body).toBe(delivered.body);
        expect(() =>
          new Webhook(endpoint.createWebhookEndpoint.secret).verify(request.body, signatureHeaders(request)),
        ).toThrow();
      }
      // One line per event: time, type, id, session, the local answer and its time.
      for (const event of all) {
        expect(listen.stdout()).toMatch(
          new RegExp(
            `\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z\\s+${event.type.replace('.', '\\.')}\\s+${event.id}\\s+${event.checkoutSession.name}\\s+→ 204 \\(\\d+ ms\\)`,
          ),
        );
      }
      expect(
        listen
          .stdout()
          .split('\n')
          .filter((line) => / → /.test(line)),
      ).toHaveLength(all.length);

      listen.child.kill('SIGTERM');
      expect(await listen.exited).toBe(0);
    } finally {
      await local.close();
      await real.close();
    }
  }, 120_000);

  it('only forwards the chosen --events and uses a given --secret', async () => {
    const shop = await gateway.createAccount('Filtered shop');
    const local = await startReceiver();
    try {
      const secret = `whsec_${Buffer.from('a fixed local secret for tests!!').toString('base64')}`;
      const listen = cli([
        'listen',
        '--url',
        gateway.url,
        '--forward-to',
        `${local.url}/hook`,
        '--events',
        'checkout_session.expired',
        '--secret',
        secret,
        '--api-key',
        shop.apiKey,
      ]);
      running.push(listen);
      await eventually(
        () => /Press Ctrl-C/.test(listen.stdout()),
        () => listen.stdout() + listen.stderr(),
        60_000,
      );
      expect(listen.stdout()).toContain(`signing secret is ${secret}`);
      const run = cli(['trigger', 'checkout_session.expired', '--url', gateway.url, '--api-key', shop.apiKey]);
      expect(await run.exited, run.stderr()).toBe(0);
      await eventually(
        () => local.requests.length >= 1,
        () => listen.stdout(),
      );
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(local.requests).toHaveLength(1);
      const event = new Webhook(secret).verify(local.requests[0]!.body, signatureHeaders(local.requests[0]!)) as any;
      expect(event.type).toBe('checkout_session.expired');
      expect(event.data.checkout_session.state).toBe('EXPIRED');
      listen.child.kill('SIGINT');
      expect(await listen.exited).toBe(0);
    } finally {
      await local.close();
    }
  }, 90_000);

  it('exits 1 with a clear message on a bad key, an unknown event type or a missing option', async () => {
    const badListen = cli([
      'listen',
      '--url',
      gateway.url,
      '--forward-to',
      'http://127.0.0.1:9/x',
      '--api-key',
      'sk_not_a_real_key_0000000000000000',
    ]);
    const badTrigger = cli(['trigger', 'checkout_session.paid', '--url', gateway.url], {
      CHECKOUT_API_KEY: 'sk_not_a_real_key_0000000000000000',
    });
    const unknownType = cli(['trigger', 'checkout_session.refunded', '--url', gateway.url, '--api-key', 'sk_x']);
    const noTarget = cli(['listen', '--url', gateway.url, '--api-key', 'sk_x']);
    expect(await badListen.exited).toBe(1);
    expect(badListen.stderr()).toMatch(/API key was refused/);
    expect(await badTrigger.exited).toBe(1);
    expect(badTrigger.stderr()).toMatch(/API key was refused/);
    expect(await unknownType.exited).toBe(1);
    expect(unknownType.stderr()).toMatch(/Cannot trigger "checkout_session.refunded"/);
    expect(await noTarget.exited).toBe(1);
    expect(noTarget.stderr()).toMatch(/--forward-to/);
  }, 90_000);
});
