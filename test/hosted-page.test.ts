import { createHash } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkoutSessionTable, eventTable, paymentAttemptTable, paymentIntentTable } from '../src/db/schema.js';
import { DECLINED_CARD, INSUFFICIENT_FUNDS_CARD, openForm, submitCard } from './browser.js';
import { createSession, startGateway, testDatabaseUrl, type Gateway } from './testkit.js';

let gateway: Gateway;
let shop: { accountId: string; apiKey: string };
/** Every log line the gateway wrote while this file ran (it runs in this process). */
const logLines: string[] = [];
const originalStderrWrite = process.stderr.write.bind(process.stderr);

beforeAll(async () => {
  process.stderr.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    if (text.startsWith('{"level"')) {
      logLines.push(text);
      return true;
    }
    return (originalStderrWrite as (...args: unknown[]) => boolean)(chunk, ...rest);
  }) as typeof process.stderr.write;
  gateway = await startGateway({ logLevel: 'debug' });
  shop = await gateway.createAccount('Bramble & Co');
});
afterAll(async () => {
  await gateway?.stop();
  process.stderr.write = originalStderrWrite;
});

const SESSION_STATE = `query($name: String!) {
  checkoutSession(name: $name) { state paid url paymentIntent { state cardBrand cardLast4 } }
}`;

async function sessionState(name: string) {
  return (await gateway.ok(SESSION_STATE, { name }, { key: shop.apiKey })).checkoutSession;
}

function idOf(session: { name: string }): string {
  return session.name.split('/').pop()!;
}

async function attemptsOf(session: { paymentIntent: { name: string } }) {
  const paymentIntentId = session.paymentIntent.name.split('/').pop()!;
  return gateway.app.database.db
    .select()
    .from(paymentAttemptTable)
    .where(eq(paymentAttemptTable.paymentIntentId, paymentIntentId));
}

async function eventTypesOf(session: { name: string }) {
  const rows = await gateway.app.database.db
    .select({ type: eventTable.type })
    .from(eventTable)
    .where(eq(eventTable.checkoutSessionId, idOf(session)))
    .orderBy(eventTable.sequence);
  return rows.map((row) => row.type);
}

describe('the OPEN page', () => {
  it('shows merchant, amount, expiry, a labelled card form, a Pay button and a Back link', async () => {
    const session = await createSession(gateway, shop.apiKey, { cancelUrl: 'https://shop.example/cart?x=1&y=2' });
    const page = await openForm(session.url);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const { html } = page;
    expect(html).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
    expect(html).toContain('Bramble &amp; Co');
    expect(html).toMatch(/<h1>£100\.00<\/h1>/);
    expect(html).toContain(`<time datetime="${new Date(session.expireTime).toISOString()}">`);
    for (const [id, label] of [
      ['card-number', 'Card number'],
      ['expiry', 'Expiry date'],
      ['security-code', 'Security code'],
      ['name-on-card', 'Name on card'],
    ]) {
      expect(html).toContain(`<label for="${id}">${label}</label>`);
      expect(html).toMatch(new RegExp(`<input id="${id}" `));
    }
    expect(html).toContain('autocomplete="cc-number"');
    expect(html).toContain('<span class="hint" id="expiry-hint">MM/YY</span>');
    expect(html).toContain('<button type="submit">Pay £100.00</button>');
    expect(html).toContain(`<form method="post" action="/checkout?s_checkout_session=${idOf(session)}"`);
    expect(html).toContain('<a href="https://shop.example/cart?x=1&amp;y=2">Back</a>');
  });

  it('formats the amount in the currency of the session', async () => {
    const session = await createSession(gateway, shop.apiKey, { amount: '5000', currency: 'JPY' });
    const { html } = await openForm(session.url);
    expect(html).toContain('<button type="submit">Pay ¥5,000</button>');
    expect(html).not.toContain('>Back</a>');
  });

  it('sends a strict CSP whose hashes match the inline style and script, no caching and no framing', async () => {
    const session = await createSession(gateway, shop.apiKey, { successUrl: 'https://shop.example:8443/thanks' });
    const { headers, html, cookie } = await openForm(session.url);
    const csp = headers.get('content-security-policy')!;
    const directives = Object.fromEntries(csp.split(/;\s*/).map((d) => [d.split(' ')[0], d.split(' ').slice(1)]));
    expect(directives['default-src']).toEqual(["'none'"]);
    expect(directives['frame-ancestors']).toEqual(["'none'"]);
    expect(directives['base-uri']).toEqual(["'none'"]);
    expect(directives['form-action']).toEqual(["'self'", 'https://shop.example:8443']);
    expect(csp).not.toContain('unsafe');
    const hash = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;
    expect(directives['style-src']).toEqual([hash(/<style>([\s\S]*?)<\/style>/.exec(html)![1]!)]);
    expect(directives['script-src']).toEqual([hash(/<script>([\s\S]*?)<\/script>/.exec(html)![1]!)]);
    expect(headers.get('cache-control')).toBe('no-store');
    expect(headers.get('x-frame-options')).toBe('DENY');
    expect(headers.get('referrer-policy')).toBe('same-origin');
    expect(headers.get('x-content-type-options')).toBe('nosniff');
    const setCookie = headers.get('set-cookie')!;
    expect(setCookie).toMatch(/^checkout_csrf=[A-Za-z0-9]{32}; /);
    expect(setCookie).toContain('HttpOnly');
    expect(setCookie).toContain('SameSite=Strict');
    expect(cookie).toBe(`checkout_csrf=${/name="csrf_token" value="([^"]*)"/.exec(html)![1]}`);
  });

  it('answers 404 without a form for an unknown, malformed or missing session id', async () => {
    for (const query of [
      '?s_checkout_session=cs_doesNotExist0000000000',
      '?s_checkout_session=<script>',
      '?s_checkout_session=',
      '',
    ]) {
      const page = await openForm(`${gateway.url}/checkout${query}`);
      expect(page.status, query).toBe(404);
      expect(page.html).toContain('Payment link not found');
      expect(page.html).not.toContain('<form');
      expect(page.headers.get('cache-control')).toBe('no-store');
    }
    expect((await openForm(`${gateway.url}/checkout/elsewhere`)).status).toBe(404);
  });

  it('refuses other methods with 405', async () => {
    const session = await createSession(gateway, shop.apiKey);
    const response = await fetch(session.url, { method: 'PUT', body: 'x' });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET, HEAD, POST');
  });
});

describe('paying', () => {
  it('charges 4242…, redirects 303 to successUrl with the id filled in, and completes the session', async () => {
    const session = await createSession(gateway, shop.apiKey, {
      successUrl: 'https://shop.example/thanks?session={CHECKOUT_SESSION_ID}',
    });
    const form = await openForm(session.url);
    const response = await submitCard(session.url, form);
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe(`https://shop.example/thanks?session=${idOf(session)}`);
    expect(await sessionState(session.name)).toEqual({
      state: 'COMPLETE',
      paid: true,
      url: null,
      paymentIntent: { state: 'SUCCEEDED', cardBrand: 'visa', cardLast4: '4242' },
    });
    expect(await eventTypesOf(session)).toEqual(['checkout_session.created', 'checkout_session.paid']);
    const attempts = await attemptsOf(session);
    expect(attempts).toMatchObject([
      { succeeded: true, processor: 'sandbox', cardBrand: 'visa', cardLast4: '4242', declineCode: null },
    ]);

    const after = await openForm(session.url);
    expect(after.status).toBe(200);
    expect(after.html).toContain('Payment complete');
    expect(after.html).toContain('£100.00 paid to Bramble &amp; Co');
    expect(after.html).not.toContain('<form');
  });

  it('without successUrl, redirects to the hosted success page', async () => {
    const session = await createSession(gateway, shop.apiKey);
    const response = await submitCard(session.url, await openForm(session.url));
    expect(response.status).toBe(303);
    const location = response.headers.get('location')!;
    expect(location).toBe(`/checkout/success?s_checkout_session=${idOf(session)}`);
    const success = await openForm(new URL(location, gateway.url).toString());
    expect(success.status).toBe(200);
    expect(success.html).toContain('Payment complete');
    expect(success.html).not.toContain('<form');
  });

  it('sends the customer on to a successUrl with an IDN host, € and an emoji, as its normalised form', async () => {
    const session = await createSession(gateway, shop.apiKey, {
      successUrl: 'https://bücher.example/danke/€/🎉?cs={CHECKOUT_SESSION_ID}&name=Zoë',
    });
    const response = await submitCard(session.url, await openForm(session.url));
    expect(response.status, await response.clone().text()).toBe(303);
    expect(response.headers.get('location')).toBe(
      `https://xn--bcher-kva.example/danke/%E2%82%AC/%F0%9F%8E%89?cs=${idOf(session)}&name=Zo%C3%AB`,
    );
    expect((await sessionState(session.name)).state).toBe('COMPLETE');
  });

  it('once paid, says paid even when the stored successUrl cannot be sent as a redirect', async () => {
    // URLs stored before they were normalised: one a redirect can be built from once
    // normalised, one from which none can (a space in the host), one with CR/LF.
    for (const [stored, expected] of [
      [
        'https://bücher.example/€?cs={CHECKOUT_SESSION_ID}',
        (id: string) => `https://xn--bcher-kva.example/%E2%82%AC?cs=${id}`,
      ],
      ['https://shop example/€', (id: string) => `/checkout/success?s_checkout_session=${id}`],
      ['https://shop.example/done\r\nSet-Cookie: a=b', (_id: string) => `https://shop.example/doneSet-Cookie:%20a=b`],
    ] as const) {
      const session = await createSession(gateway, shop.apiKey);
      await gateway.app.database.db
        .update(checkoutSessionTable)
        .set({ successUrl: stored })
        .where(eq(checkoutSessionTable.id, idOf(session)));
      const response = await submitCard(session.url, await openForm(session.url));
      const body = await response.text();
      expect(response.status, `${stored}: ${body}`).toBe(303);
      expect(response.headers.get('location'), stored).toBe(expected(idOf(session)));
      expect(body).not.toContain('not been charged');
      expect((await sessionState(session.name)).state).toBe('COMPLETE');
    }
  });

  it('once committed, says paid even when an error follows the commit', async () => {
    const session = await createSession(gateway, shop.apiKey, { successUrl: 'https://shop.example/thanks' });
    const form = await openForm(session.url);
    // The real database, with the fault a connection lost on COMMIT's answer gives: the
    // payment's transaction committed, the caller sees an error. (Only the payment's: the
    // expiry sweep runs transactions of its own meanwhile.)
    const db = gateway.app.database.db;
    const transaction = db.transaction;
    let faults = 0;
    db.transaction = (async (...args: Parameters<typeof transaction>) => {
      const result = (await transaction.apply(db, args)) as { outcome?: string };
      if (result?.outcome === 'succeeded' && faults++ === 0) throw new Error('connection lost after commit');
      return result;
    }) as typeof transaction;
    try {
      const response = await submitCard(session.url, form);
      const body = await response.text();
      expect(faults).toBe(1);
      expect(response.status, body).toBe(303);
      expect(response.headers.get('location')).toBe('https://shop.example/thanks');
      expect(body).not.toContain('not been charged');
    } finally {
      db.transaction = transaction;
    }
    expect((await sessionState(session.name)).state).toBe('COMPLETE');
  });

  it('shows a decline beside the form, keeps the session OPEN, and takes another card afterwards', async () => {
    const session = await createSession(gateway, shop.apiKey, { successUrl: 'https://shop.example/thanks' });
    const form = await openForm(session.url);

    const declined = await submitCard(session.url, form, {
      card_number: DECLINED_CARD,
      name_on_card: 'Ada <Lovelace>',
    });
    expect(declined.status).toBe(402);
    const declinedHtml = await declined.text();
    expect(declinedHtml).toContain('<div class="alert" role="alert" id="problems"><p>Your card was declined.');
    expect(declinedHtml).toContain('<form');
    expect(declinedHtml).toContain('value="Ada &lt;Lovelace&gt;"');
    expect(declinedHtml).not.toContain('4000 0000 0000 0002');
    expect(await sessionState(session.name)).toMatchObject({
      state: 'OPEN',
      paid: false,
      paymentIntent: { state: 'REQUIRES_PAYMENT_METHOD', cardLast4: null },
    });

    const poor = await submitCard(session.url, form, { card_number: INSUFFICIENT_FUNDS_CARD });
    expect(poor.status).toBe(402);
    expect(await poor.text()).toContain('Your card has insufficient funds.');
    const lastError = `query($name: String!) { checkoutSession(name: $name) { paymentIntent { state lastPaymentError { code message } } } }`;
    const declinedIntent = (await gateway.ok(lastError, { name: session.name }, { key: shop.apiKey })).checkoutSession
      .paymentIntent;
    expect(declinedIntent).toEqual({
      state: 'REQUIRES_PAYMENT_METHOD',
      lastPaymentError: { code: 'insufficient_funds', message: 'Your card has insufficient funds. Try another card.' },
    });

    const paid = await submitCard(session.url, form);
    expect(paid.status).toBe(303);
    expect(paid.headers.get('location')).toBe('https://shop.example/thanks');
    expect(await sessionState(session.name)).toMatchObject({
      state: 'COMPLETE',
      paymentIntent: { state: 'SUCCEEDED', cardLast4: '4242' },
    });
    expect(
      (await gateway.ok(lastError, { name: session.name }, { key: shop.apiKey })).checkoutSession.paymentIntent
        .lastPaymentError,
    ).toBeNull();
    const attempts = (await attemptsOf(session)).sort((a, b) => a.createTime.getTime() - b.createTime.getTime());
    expect(attempts.map((a) => [a.succeeded, a.declineCode, a.cardLast4])).toEqual([
      [false, 'card_declined', '0002'],
      [false, 'insufficient_funds', '9995'],
      [true, null, '4242'],
    ]);
    expect(await eventTypesOf(session)).toEqual([
      'checkout_session.created',
      'payment_intent.payment_failed',
      'payment_intent.payment_failed',
      'checkout_session.paid',
    ]);
  });

  it('rejects an invalid number, a past expiry and missing fields with clear messages and no charge attempt', async () => {
    const session = await createSession(gateway, shop.apiKey);
    const form = await openForm(session.url);
    const cases: [Record<string, string>, Record<string, string>][] = [
      [
        { card_number: '4242 4242 4242 4241' },
        { 'card-number': 'Your card number is invalid. Check it and try again.' },
      ],
      [{ expiry: '01/20' }, { expiry: 'Your card has expired. Use a card with an expiry date in the future.' }],
      [{ expiry: '13/30' }, { expiry: 'Enter the expiry date as MM/YY, for example 04/29.' }],
      [
        { card_number: '', expiry: '', security_code: '', name_on_card: '' },
        {
          'card-number': 'Enter your card number.',
          expiry: 'Enter the expiry date, as MM/YY.',
          'security-code': 'Enter the security code from your card.',
          'name-on-card': 'Enter the name shown on your card.',
        },
      ],
    ];
    for (const [fields, expected] of cases) {
      const response = await submitCard(session.url, form, fields);
      expect(response.status, JSON.stringify(fields)).toBe(422);
      const html = await response.text();
      expect(html).toContain('role="alert"');
      expect(html).not.toContain('4242 4242 4242 4241');
      for (const [id, message] of Object.entries(expected)) {
        expect(html).toContain(`<p class="error" id="${id}-error">${message}</p>`);
        expect(html).toMatch(
          new RegExp(`<input id="${id}" [^>]*aria-describedby="[^"]*${id}-error"[^>]*aria-invalid="true"`),
        );
      }
    }
    expect(await attemptsOf(session)).toEqual([]);
    expect((await sessionState(session.name)).state).toBe('OPEN');
  });
});

describe('cross-site request forgery', () => {
  it('charges nothing when the token is missing, differs from the cookie, or the browser says cross-site', async () => {
    const session = await createSession(gateway, shop.apiKey);
    const form = await openForm(session.url);
    const other = await openForm(session.url);
    const forged = [
      await submitCard(session.url, { cookie: null, csrfToken: form.csrfToken }),
      await submitCard(session.url, { cookie: form.cookie, csrfToken: null }),
      await submitCard(session.url, { cookie: form.cookie, csrfToken: other.csrfToken }),
      await submitCard(session.url, form, {}, { 'sec-fetch-site': 'cross-site' }),
    ];
    for (const response of forged) {
      expect(response.status).toBe(403);
      const html = await response.text();
      expect(html).toContain('For your security this form has to be sent again.');
      expect(html).toContain('<form');
    }
    expect(await attemptsOf(session)).toEqual([]);
    expect((await sessionState(session.name)).state).toBe('OPEN');
    // The same browser, same-origin, pays normally.
    expect((await submitCard(session.url, form, {}, { 'sec-fetch-site': 'same-origin' })).status).toBe(303);
  });

  it.skipIf(!testDatabaseUrl())('accepts a form served by one gateway process and posted to another', async () => {
    const second = await startGateway();
    try {
      const session = await createSession(gateway, shop.apiKey);
      const form = await openForm(session.url);
      const elsewhere = session.url.replace(gateway.url, second.url);
      const response = await submitCard(elsewhere, form);
      expect(response.status).toBe(303);
      expect((await sessionState(session.name)).state).toBe('COMPLETE');
    } finally {
      await second.stop();
    }
  });
});

describe('closed sessions', () => {
  it('an expired session says so with 410, shows no form and cannot be paid', async () => {
    const session = await createSession(gateway, shop.apiKey, { cancelUrl: 'https://shop.example/cart' });
    const form = await openForm(session.url);
    await gateway.ok(
      `mutation($name: String!) { expireCheckoutSession(name: $name) { state } }`,
      { name: session.name },
      { key: shop.apiKey },
    );
    const page = await openForm(session.url);
    expect(page.status).toBe(410);
    expect(page.html).toContain('This payment link has expired');
    expect(page.html).not.toContain('<form');
    expect(page.headers.get('cache-control')).toBe('no-store');
    expect((await submitCard(session.url, form)).status).toBe(410);
    expect(await attemptsOf(session)).toEqual([]);
  });

  it('an OPEN session past its expireTime reads as expired (410) and is never charged', async () => {
    const session = await createSession(gateway, shop.apiKey);
    const form = await openForm(session.url);
    // The sweep has not run: only the clock says it has lapsed.
    await gateway.app.database.db
      .update(checkoutSessionTable)
      .set({ expireTime: sql`now() - interval '1 second'` })
      .where(eq(checkoutSessionTable.id, idOf(session)));
    expect((await openForm(session.url)).status).toBe(410);
    const response = await submitCard(session.url, form);
    expect(response.status).toBe(410);
    expect(await response.text()).toContain('This payment link has expired');
    expect(await attemptsOf(session)).toEqual([]);
    expect(await sessionState(session.name)).toMatchObject({
      state: 'EXPIRED',
      paid: false,
      paymentIntent: { state: 'CANCELED' },
    });
  });
});

describe('card data', () => {
  it('is never stored or logged: only brand and last four digits', async () => {
    const session = await createSession(gateway, shop.apiKey);
    const form = await openForm(session.url);
    await submitCard(session.url, form, { card_number: '4000000000000002', security_code: '731' });
    await submitCard(session.url, form, { card_number: '4242424242424242', security_code: '731' });
    expect((await sessionState(session.name)).state).toBe('COMPLETE');
    const db = gateway.app.database.db;
    const everything = JSON.stringify(
      [
        await db.select().from(paymentAttemptTable),
        await db.select().from(paymentIntentTable),
        await db.select().from(checkoutSessionTable),
        await db.select().from(eventTable),
      ],
      (_key, value) => (typeof value === 'bigint' ? value.toString() : value),
    );
    expect(everything).toContain('"cardLast4":"4242"');
    expect(everything).not.toContain('4242424242424242');
    expect(everything).not.toContain('4000000000000002');
    expect(logLines.some((line) => line.includes('checkout session paid'))).toBe(true);
    const log = logLines.join('');
    expect(log).not.toContain('4242424242424242');
    expect(log).not.toContain('4000000000000002');
    expect(log).not.toMatch(/"731"|security_code|cvc/i);
  });
});
