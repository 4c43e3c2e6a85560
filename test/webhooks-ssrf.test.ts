import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classifyAddress, webhookUrlProblem } from '../src/domain/webhooks/addresses.js';
import { createWebhookEndpoint } from '../src/domain/webhooks/endpoints.js';
import type { WebhookSettings } from '../src/domain/webhooks/settings.js';
import { sendWebhook } from '../src/workers/webhook-sender.js';
import { startReceiver, type Receiver } from './events-kit.js';

let receiver: Receiver;
beforeAll(async () => {
  receiver = await startReceiver();
});
afterAll(() => receiver?.close());

describe('which addresses a webhook may reach', () => {
  it.each([
    ['8.8.8.8', 'public'],
    ['2606:4700:4700::1111', 'public'],
    ['127.0.0.1', 'private'],
    ['127.1.2.3', 'private'],
    ['10.0.0.1', 'private'],
    ['172.16.5.4', 'private'],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'private'],
    ['169.254.1.1', 'private'],
    ['0.0.0.0', 'private'],
    ['::1', 'private'],
    ['::', 'private'],
    ['fe80::1', 'private'],
    ['fc00::1', 'private'],
    ['::ffff:127.0.0.1', 'private'],
    ['::ffff:7f00:1', 'private'],
    ['64:ff9b::a00:1', 'private'],
    ['2002:c0a8:101::1', 'private'],
    ['169.254.169.254', 'metadata'],
    ['::ffff:169.254.169.254', 'metadata'],
    ['fd00:ec2::254', 'metadata'],
    // IPv4 carried inside IPv6, in every form that reaches an IPv4 host.
    ['::127.0.0.1', 'private'], // IPv4-compatible (deprecated ::/96)
    ['::7f00:1', 'private'],
    ['::8.8.8.8', 'private'], // the whole deprecated range is unroutable
    ['::169.254.169.254', 'metadata'],
    ['::ffff:0:127.0.0.1', 'private'], // SIIT ::ffff:0:0/96
    ['::ffff:0:169.254.169.254', 'metadata'],
    ['::ffff:0:8.8.8.8', 'private'],
    ['64:ff9b::169.254.169.254', 'metadata'],
    ['64:ff9b:1::a00:1', 'private'], // local-use NAT64
    ['2002:a9fe:a9fe::1', 'metadata'], // 6to4 of 169.254.169.254
    ['2001:0:4136:e378:8000:63bf:80ff:fffe', 'private'], // Teredo, client 127.0.0.1 (stored inverted)
    ['2001:0:4136:e378:8000:63bf:f7f7:f7f7', 'public'], // Teredo, client 8.8.8.8
    ['::ffff:8.8.8.8', 'public'],
    ['not-an-address', 'private'],
  ])('%s is %s', (address, expected) => {
    expect(classifyAddress(address)).toBe(expected);
  });

  it('checks what the URL itself shows', () => {
    expect(webhookUrlProblem('https://hooks.example/x', false)).toBeUndefined();
    expect(webhookUrlProblem('file:///etc/passwd', true)).toMatch(/http or https/);
    expect(webhookUrlProblem('https://a:b@hooks.example', true)).toMatch(/credentials/);
    expect(webhookUrlProblem('https://user@hooks.example', true)).toMatch(/credentials/);
    expect(webhookUrlProblem('http://127.0.0.1:8080/', false)).toMatch(/loopback, private/);
    expect(webhookUrlProblem('http://[::1]/', false)).toMatch(/loopback, private/);
    expect(webhookUrlProblem('http://localhost/', false)).toMatch(/loopback, private/);
    expect(webhookUrlProblem('http://2130706433/', false)).toMatch(/loopback, private/); // 127.0.0.1 as one number
    expect(webhookUrlProblem('http://127.0.0.1:8080/', true)).toBeUndefined();
    // Metadata services stay out of reach even where private networks are allowed.
    expect(webhookUrlProblem('http://169.254.169.254/latest', true)).toMatch(/metadata/);
  });

  it('refuses at creation exactly the literal addresses that delivery refuses', async () => {
    const port = new URL(receiver.url).port;
    for (const allowPrivateNetworks of [false, true]) {
      for (const host of [
        '[::127.0.0.1]',
        '[::ffff:0:127.0.0.1]',
        '[::ffff:127.0.0.1]',
        '[::169.254.169.254]',
        '[::ffff:0:a9fe:a9fe]',
        '[64:ff9b:1::1]',
        '127.0.0.1',
        '[::1]',
      ]) {
        const url = `http://${host}:${port}/hook`;
        const created = webhookUrlProblem(url, allowPrivateNetworks);
        const delivered = await sendWebhook(
          { url, body: '{}', headers: {} },
          { timeoutMs: 2_000, allowPrivateNetworks },
        );
        const deliveryRefused = /loopback, private/.test(delivered.error ?? '');
        expect(
          created !== undefined,
          `${url} (private networks ${allowPrivateNetworks ? 'allowed' : 'refused'}): ${created} / ${delivered.error}`,
        ).toBe(deliveryRefused);
        if (!allowPrivateNetworks) expect(created, url).toMatch(/loopback, private/);
      }
    }
  });

  it('refuses private URLs when creating an endpoint where private networks are not allowed', async () => {
    const settings: WebhookSettings = {
      secretKey: Buffer.alloc(32),
      retrySchedule: [0],
      allowPrivateNetworks: false,
      timeoutMs: 1_000,
    };
    // The check precedes any database access, so no database is needed here.
    const db = null as never;
    await expect(
      createWebhookEndpoint(db, settings, 'acct_x', { url: 'http://10.1.2.3/hook', enabledEvents: ['*'] }),
    ).rejects.toMatchObject({
      code: 'BAD_USER_INPUT',
      details: { issues: [{ path: ['input', 'url'], message: expect.stringMatching(/private/) }] },
    });
  });
});

describe('the connect-time check, after DNS', () => {
  const request = (url: string) => ({ url, body: '{}', headers: { 'content-type': 'application/json' } });

  it('blocks a host name that resolves to a loopback address, before anything is sent', async () => {
    const port = new URL(receiver.url).port;
    const before = receiver.requests.length;
    // "localhost" passes no literal-address check: only the resolved address gives it away.
    const result = await sendWebhook(request(`http://localhost:${port}/hook`), {
      timeoutMs: 2_000,
      allowPrivateNetworks: false,
    });
    expect(result).toMatchObject({ succeeded: false, statusCode: null });
    expect(result.error).toMatch(/loopback, private, link-local or cloud metadata address/);
    for (const literal of [`http://127.0.0.1:${port}/hook`, `http://[::ffff:127.0.0.1]:${port}/hook`]) {
      const blocked = await sendWebhook(request(literal), { timeoutMs: 2_000, allowPrivateNetworks: false });
      expect(blocked.error, literal).toMatch(/loopback, private/);
    }
    expect(receiver.requests.length).toBe(before);
  });

  it('connects when private networks are allowed (development and tests)', async () => {
    const port = new URL(receiver.url).port;
    const result = await sendWebhook(request(`http://localhost:${port}/hook`), {
      timeoutMs: 2_000,
      allowPrivateNetworks: true,
    });
    expect(result).toMatchObject({ succeeded: true, statusCode: 204, error: null });
    expect(receiver.requests.at(-1)?.path).toBe('/hook');
  });

  it('reports a refused connection and an unknown host as failures', async () => {
    const closed = await startReceiver();
    const url = `${closed.url}/hook`;
    await closed.close();
    expect(await sendWebhook(request(url), { timeoutMs: 2_000, allowPrivateNetworks: true })).toMatchObject({
      succeeded: false,
      statusCode: null,
      error: 'connection refused',
    });
    const unknown = await sendWebhook(request('http://no-such-host.invalid/hook'), {
      timeoutMs: 2_000,
      allowPrivateNetworks: true,
    });
    expect(unknown).toMatchObject({ succeeded: false, statusCode: null, error: 'host not found' });
  });
});
