/**
 * The payment form refuses a POST another origin sent, whatever it carries, and on https its
 * CSRF cookie is `__Host-` prefixed, so that no sibling host can plant one.
 */
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { paymentAttemptTable } from '../src/db/schema.js';
import { openForm, submitCard } from './browser.js';
import { createSession, startGateway, type Gateway } from './testkit.js';

let gateway: Gateway;
let secure: Gateway;
let shop: { apiKey: string };
let secureShop: { apiKey: string };
const PUBLIC_URL = 'https://pay.example.test';

beforeAll(async () => {
  [gateway, secure] = await Promise.all([startGateway(), startGateway({ publicUrl: PUBLIC_URL })]);
  [shop, secureShop] = await Promise.all([gateway.createAccount('Origin shop'), secure.createAccount('Secure shop')]);
}, 180_000);
afterAll(() => Promise.all([gateway?.stop(), secure?.stop()]));

async function attempts(g: Gateway, session: { paymentIntent: { name: string } }) {
  return g.app.database.db
    .select()
    .from(paymentAttemptTable)
    .where(eq(paymentAttemptTable.paymentIntentId, session.paymentIntent.name.split('/').pop()!));
}

describe('the Origin of a payment form POST', () => {
  it('refuses a POST from another origin (Origin, or Referer without Origin, or Origin: null) even with a valid token', async () => {
    const session = await createSession(gateway, shop.apiKey);
    const form = await openForm(session.url);
    const foreign: Record<string, string>[] = [
      { origin: 'https://evil.example' },
      { origin: 'null' },
      { referer: 'https://evil.example/pay.html' },
    ];
    for (const headers of foreign) {
      const response = await submitCard(session.url, form, {}, headers);
      expect(response.status, JSON.stringify(headers)).toBe(403);
      expect(await response.text()).toContain('For your security this form has to be sent again.');
    }
    expect(await attempts(gateway, session)).toEqual([]);
    const own = new URL(session.url).origin;
    expect((await submitCard(session.url, form, {}, { origin: own, referer: session.url })).status).toBe(303);
  });
});

describe('the CSRF cookie on an https page', () => {
  it('is __Host- prefixed (Secure, Path=/, no Domain), and a plain-named cookie is not accepted in its place', async () => {
    const session = await createSession(secure, secureShop.apiKey);
    expect(session.url.startsWith(`${PUBLIC_URL}/checkout?`)).toBe(true);
    const local = session.url.replace(PUBLIC_URL, secure.url);
    const form = await openForm(local);
    const setCookie = form.headers.get('set-cookie')!;
    expect(setCookie).toMatch(/^__Host-checkout_csrf=[A-Za-z0-9]{32}; /);
    const attributes = setCookie.split(/;\s*/).slice(1);
    expect(attributes).toEqual(expect.arrayContaining(['Path=/', 'HttpOnly', 'SameSite=Strict', 'Secure']));
    expect(attributes.some((attribute) => /^domain=/i.test(attribute))).toBe(false);

    const planted = await submitCard(
      local,
      { cookie: `checkout_csrf=${form.csrfToken}`, csrfToken: form.csrfToken },
      {},
      { origin: PUBLIC_URL },
    );
    expect(planted.status).toBe(403);
    expect(await attempts(secure, session)).toEqual([]);
    expect((await submitCard(local, form, {}, { origin: PUBLIC_URL })).status).toBe(303);
  });
});
