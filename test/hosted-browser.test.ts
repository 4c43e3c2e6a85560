import { mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DECLINED_CARD, GOOD_CARD, futureExpiry, launchChromium, skipBrowserTests } from './browser.js';
import { createSession, startGateway, type Gateway } from './testkit.js';

const ARTIFACTS = new URL('../test-artifacts/', import.meta.url);

/** The merchant's own site: where successUrl and cancelUrl point. It records what it was asked for. */
async function startMerchantSite(): Promise<{ url: string; visits: string[]; server: Server }> {
  const visits: string[] = [];
  const server = createServer((req, res) => {
    visits.push(req.url ?? '');
    res
      .writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
      .end(`<!doctype html><title>Merchant</title><h1>Merchant page ${req.url}</h1>`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, visits, server };
}

describe.skipIf(skipBrowserTests)('the hosted page in Chromium', () => {
  let gateway: Gateway;
  let shop: { accountId: string; apiKey: string };
  let merchant: Awaited<ReturnType<typeof startMerchantSite>>;
  let browser: Browser;

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    [gateway, merchant, browser] = await Promise.all([startGateway(), startMerchantSite(), launchChromium()]);
    shop = await gateway.createAccount('Bramble & Co');
  });
  afterAll(async () => {
    await browser?.close();
    await gateway?.stop();
    merchant?.server.close();
  });

  /** A fresh browser profile (own cookies) that fails the test on any CSP violation or page error. */
  async function newPage(
    options: { javaScriptEnabled?: boolean; phone?: boolean } = {},
  ): Promise<{ page: Page; problems: string[] }> {
    const context = await browser.newContext({
      javaScriptEnabled: options.javaScriptEnabled ?? true,
      viewport: options.phone ? { width: 390, height: 844 } : { width: 1024, height: 800 },
      isMobile: options.phone ?? false,
      hasTouch: options.phone ?? false,
    });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('console', (message) => {
      // A 402 or 422 page is an answer, not a fault; anything else logged as an error is.
      if (
        message.type() === 'error' &&
        !/^Failed to load resource: the server responded with a status of 4\d\d/.test(message.text())
      ) {
        problems.push(message.text());
      }
    });
    page.on('pageerror', (error) => problems.push(error.message));
    return { page, problems };
  }

  async function checkoutState(name: string) {
    const data = await gateway.ok(
      `query($name: String!) { checkoutSession(name: $name) { state paid paymentIntent { state cardBrand cardLast4 } } }`,
      { name },
      { key: shop.apiKey },
    );
    return data.checkoutSession;
  }

  async function fillCard(page: Page, number: string) {
    await page.getByLabel('Card number').fill(number);
    await page.getByLabel('Expiry date').fill(futureExpiry());
    await page.getByLabel('Security code').fill('123');
    await page.getByLabel('Name on card').fill('Ada Lovelace');
  }

  it('pays with 4242… on a phone, lands on successUrl and the session is COMPLETE', async () => {
    const session = await createSession(gateway, shop.apiKey, {
      successUrl: `${merchant.url}/thanks?session={CHECKOUT_SESSION_ID}`,
      cancelUrl: `${merchant.url}/cart`,
    });
    const sessionId = session.name.split('/').pop();
    const { page, problems } = await newPage({ phone: true });
    const response = await page.goto(session.url);
    expect(response?.status()).toBe(200);
    await expect(page.title()).resolves.toBe('Pay Bramble & Co · £100.00');
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('£100.00');
    expect(await page.getByText('Bramble & Co', { exact: true }).isVisible()).toBe(true);
    expect(await page.getByText(/This payment link expires on/).isVisible()).toBe(true);
    const pay = page.getByRole('button', { name: 'Pay £100.00' });
    expect(await pay.isVisible()).toBe(true);
    // The style sheet applied (so the CSP hash matches) and nothing overflows a phone's width.
    expect(await pay.evaluate((el) => getComputedStyle(el).backgroundColor)).toBe('rgb(29, 78, 216)');
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await page.screenshot({ path: new URL('hosted-page-open.png', ARTIFACTS).pathname, fullPage: true });

    await fillCard(page, GOOD_CARD);
    await Promise.all([page.waitForURL(`${merchant.url}/thanks?session=${sessionId}`), pay.click()]);
    expect(merchant.visits).toContain(`/thanks?session=${sessionId}`);
    expect(await checkoutState(session.name)).toEqual({
      state: 'COMPLETE',
      paid: true,
      paymentIntent: { state: 'SUCCEEDED', cardBrand: 'visa', cardLast4: '4242' },
    });
    expect(problems).toEqual([]);

    // Coming back to the link shows it paid, without a form.
    await page.goto(session.url);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Payment complete');
    expect(await page.locator('form').count()).toBe(0);
  });

  it('pays and lands on a successUrl with an IDN host, € and an emoji in it', async () => {
    // *.localhost resolves to this machine in Chromium, so an IDN host can reach the merchant.
    const port = new URL(merchant.url).port;
    const session = await createSession(gateway, shop.apiKey, {
      successUrl: `http://bücher.localhost:${port}/danke/€/🎉?session={CHECKOUT_SESSION_ID}`,
    });
    const sessionId = session.name.split('/').pop();
    const landing = `http://xn--bcher-kva.localhost:${port}/danke/%E2%82%AC/%F0%9F%8E%89?session=${sessionId}`;
    expect(session.successUrl).toBe(
      `http://xn--bcher-kva.localhost:${port}/danke/%E2%82%AC/%F0%9F%8E%89?session={CHECKOUT_SESSION_ID}`,
    );
    const { page, problems } = await newPage();
    await page.goto(session.url);
    await fillCard(page, GOOD_CARD);
    await Promise.all([page.waitForURL(landing), page.getByRole('button', { name: 'Pay £100.00' }).click()]);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe(
      `Merchant page /danke/%E2%82%AC/%F0%9F%8E%89?session=${sessionId}`,
    );
    expect(await page.getByText('not been charged').count()).toBe(0);
    expect((await checkoutState(session.name)).state).toBe('COMPLETE');
    expect(problems).toEqual([]);
  });

  it('shows a decline beside the form, then pays with another card, using the keyboard only', async () => {
    const session = await createSession(gateway, shop.apiKey);
    const { page, problems } = await newPage();
    await page.goto(session.url);

    // Tab order follows the form: number, expiry, security code, name, then the Pay button.
    const typeInto = async (expectedId: string, text: string) => {
      await page.keyboard.press('Tab');
      expect(await page.evaluate(() => document.activeElement?.id)).toBe(expectedId);
      await page.keyboard.type(text);
    };
    await typeInto('card-number', DECLINED_CARD);
    await typeInto('expiry', futureExpiry());
    await typeInto('security-code', '123');
    await typeInto('name-on-card', 'Ada Lovelace');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Pay £100.00');
    await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), page.keyboard.press('Enter')]);
    await page.waitForLoadState();

    const alert = page.getByRole('alert');
    expect(await alert.textContent()).toContain('Your card was declined.');
    expect(await page.getByLabel('Card number').inputValue()).toBe('');
    expect(await page.getByLabel('Name on card').inputValue()).toBe('Ada Lovelace');
    expect((await checkoutState(session.name)).state).toBe('OPEN');

    await page.getByLabel('Card number').fill(GOOD_CARD);
    await page.getByLabel('Security code').fill('123');
    await page.getByLabel('Security code').press('Enter');
    await page.waitForURL(/\/checkout\/success\?s_checkout_session=/);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Payment complete');
    expect(await checkoutState(session.name)).toMatchObject({
      state: 'COMPLETE',
      paymentIntent: { state: 'SUCCEEDED' },
    });
    expect(problems).toEqual([]);
  });

  it('ties each error to its field, focuses the first one, and works with JavaScript turned off', async () => {
    const session = await createSession(gateway, shop.apiKey);
    const { page } = await newPage({ javaScriptEnabled: false });
    await page.goto(session.url);
    await page.getByLabel('Card number').fill('4242 4242 4242 4241');
    await page.getByLabel('Expiry date').fill('01/20');
    await page.getByRole('button', { name: 'Pay £100.00' }).click();
    await page.waitForLoadState();

    const description = (label: string) =>
      page.getByLabel(label).evaluate((input) =>
        (input.getAttribute('aria-describedby') ?? '')
          .split(' ')
          .map((id) => document.getElementById(id)?.textContent ?? '')
          .join(' '),
      );
    expect(await description('Card number')).toBe('Your card number is invalid. Check it and try again.');
    expect(await description('Expiry date')).toBe(
      'MM/YY Your card has expired. Use a card with an expiry date in the future.',
    );
    expect(await description('Security code')).toContain('Enter the security code from your card.');
    expect(await page.getByLabel('Card number').getAttribute('aria-invalid')).toBe('true');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('card-number');
    expect(await page.getByRole('alert').textContent()).toContain('There are 4 problems');
    await page.screenshot({ path: new URL('hosted-page-errors.png', ARTIFACTS).pathname, fullPage: true });

    // Without any script, the plain form post pays.
    await page.getByLabel('Card number').fill(GOOD_CARD);
    await page.getByLabel('Expiry date').fill(futureExpiry());
    await page.getByLabel('Security code').fill('123');
    await page.getByLabel('Name on card').fill('Ada Lovelace');
    await page.getByRole('button', { name: 'Pay £100.00' }).click();
    await page.waitForURL(/\/checkout\/success\?/);
    expect((await checkoutState(session.name)).state).toBe('COMPLETE');
  });

  it('an expired session shows it has expired (410) and no form', async () => {
    const session = await createSession(gateway, shop.apiKey);
    await gateway.ok(
      `mutation($name: String!) { expireCheckoutSession(name: $name) { state } }`,
      { name: session.name },
      { key: shop.apiKey },
    );
    const { page } = await newPage();
    const response = await page.goto(session.url);
    expect(response?.status()).toBe(410);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('This payment link has expired');
    expect(await page.locator('form').count()).toBe(0);
  });

  it('the Back link takes the customer to cancelUrl', async () => {
    const session = await createSession(gateway, shop.apiKey, { cancelUrl: `${merchant.url}/cart?order=42` });
    const { page } = await newPage();
    await page.goto(session.url);
    await Promise.all([
      page.waitForURL(`${merchant.url}/cart?order=42`),
      page.getByRole('link', { name: 'Back' }).click(),
    ]);
    expect(merchant.visits).toContain('/cart?order=42');
    expect((await checkoutState(session.name)).state).toBe('OPEN');
  });
});
