import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { launchChromium, skipBrowserTests } from './browser.js';
import { test as withGateway } from './fixtures.js';

/** GraphiQL at GET /graphql: a small page, a compressed and cacheable bundle, the demo key only for loopback. */

function assetUrls(html: string): string[] {
  return [...html.matchAll(/\/graphql\/assets\/[\w.-]+/g)].map((match) => match[0]);
}

const test = withGateway.extend('openGraphiQL', ({ gateway }) => (headers: Record<string, string> = {}) => {
  return fetch(`${gateway.url}/graphql`, { headers: { accept: 'text/html', ...headers } });
});
// The demo key exists only on an embedded database outside production.
test.override('gatewayConfig', { databaseUrl: undefined });
test.beforeAll(({ gateway }) => void gateway);

describe('the GraphiQL page', () => {
  test('embeds the demo key for a browser on this machine that connects directly', async ({
    gateway,
    openGraphiQL,
  }) => {
    expect(gateway.app.demoApiKey).toMatch(/^sk_/);
    const html = await (await openGraphiQL()).text();
    expect(html).toContain(gateway.app.demoApiKey);
  });

  test('leaves the key out when the request says it was forwarded, whatever header says so', async ({
    gateway,
    openGraphiQL,
  }) => {
    for (const header of <Record<string, string>[]>[
      { 'x-forwarded-for': '8.8.8.8' },
      { forwarded: 'for=8.8.8.8' },
      { 'x-real-ip': '8.8.8.8' },
      { 'x-forwarded-for': '127.0.0.1' },
    ]) {
      const response = await openGraphiQL(header);
      expect(response.status).toBe(200);
      const html = await response.text();
      expect(html, JSON.stringify(header)).not.toContain(gateway.app.demoApiKey);
      expect(html).toContain('sk_…');
    }
  });

  test('is a small page whose bundle is served compressed and cached for a year', async ({ gateway, openGraphiQL }) => {
    const page = await openGraphiQL({ 'accept-encoding': 'br, gzip' });
    const html = await page.text();
    expect(html.length).toBeLessThan(20_000);
    expect(page.headers.get('cache-control')).toBe('no-store');
    const urls = assetUrls(html);
    expect(urls.length).toBeGreaterThanOrEqual(5);
    let identityBytes = 0;
    let compressedBytes = 0;
    for (const url of urls) {
      for (const [accept, encoding] of [
        ['br, gzip', 'br'],
        ['gzip, deflate', 'gzip'],
        ['identity', null],
      ] as const) {
        // Node's fetch would decode the body; count what crosses the wire with a raw request.
        const response = await fetch(gateway.url + url, { headers: { 'accept-encoding': accept } });
        expect(response.status, url).toBe(200);
        expect(response.headers.get('content-encoding'), `${url} ${accept}`).toBe(encoding);
        expect(response.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
        expect(response.headers.get('vary')).toMatch(/Accept-Encoding/);
        const length = Number(response.headers.get('content-length'));
        if (encoding === 'br') compressedBytes += length;
        if (encoding === null) identityBytes += length;
        await response.arrayBuffer();
      }
    }
    expect(identityBytes).toBeGreaterThan(5_000_000);
    expect(compressedBytes).toBeLessThan(identityBytes / 4);
  });

  test('answers 404 for an asset name it does not know', async ({ gateway }) => {
    expect((await fetch(`${gateway.url}/graphql/assets/graphiql.0000000000000000.js`)).status).toBe(404);
  });
});

describe.skipIf(skipBrowserTests)('GraphiQL in Chromium', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(() => browser?.close());

  test('opens the editor with the example and the demo key, and runs a query with it', { timeout: 150_000 }, async ({
    gateway,
  }) => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));
    const encodings: string[] = [];
    page.on('response', (response) => {
      if (response.url().includes('/graphql/assets/')) encodings.push(response.headers()['content-encoding'] ?? 'none');
    });
    // GraphiQL's first request, the schema's introspection, already carries the demo key.
    const introspection = page.waitForResponse(
      (response) =>
        response.request().method() === 'POST' && (response.request().postData() ?? '').includes('__schema'),
      { timeout: 60_000 },
    );
    await page.goto(`${gateway.url}/graphql`);
    await page.waitForFunction(
      () => document.querySelector('.graphiql-query-editor')?.textContent?.includes('createCheckoutSession'),
      undefined,
      { timeout: 50_000 },
    );
    const schemaAnswer = await introspection;
    expect(schemaAnswer.request().headers().authorization).toBe(`Api-Key ${gateway.app.demoApiKey}`);
    expect((await schemaAnswer.json()).data.__schema.queryType).toEqual({ name: 'Query', kind: 'OBJECT' });
    expect(encodings.length).toBeGreaterThanOrEqual(3);
    expect(
      encodings.every((encoding) => encoding === 'br' || encoding === 'gzip'),
      encodings.join(),
    ).toBe(true);

    // Replace the example with one query and run it: the answer comes back through the demo key.
    const answer = page.waitForResponse(
      (response) =>
        response.request().method() === 'POST' && (response.request().postData() ?? '').includes('displayName'),
      { timeout: 60_000 },
    );
    await page.locator('.graphiql-query-editor .monaco-editor').first().click();
    await page.keyboard.press('ControlOrMeta+A');
    await page.keyboard.insertText('{ account { displayName } }');
    // The editor may have closed the braces itself: drop whatever follows the cursor.
    await page.keyboard.press('Shift+ControlOrMeta+End');
    await page.keyboard.press('Delete');
    await page.waitForFunction(
      () =>
        document.querySelector('.graphiql-query-editor .view-lines')?.textContent?.replace(/\s+/g, ' ').trim() ===
        '{ account { displayName } }',
      undefined,
      { timeout: 20_000 },
    );
    // GraphiQL takes the editor's text into its state a moment later (debounced): a click before
    // that runs the example's two operations, which only opens the operation picker. Click until
    // the typed query goes out.
    let sent = false;
    void answer.then(
      () => (sent = true),
      () => {},
    );
    for (let attempt = 0; attempt < 20 && !sent; attempt += 1) {
      await page.keyboard.press('Escape');
      await page.locator('.graphiql-execute-button').click();
      await page.waitForTimeout(1_000);
    }
    const response = await answer;
    expect(response.request().headers().authorization).toBe(`Api-Key ${gateway.app.demoApiKey}`);
    const body = await response.json();
    expect(body).toEqual({ data: { account: { displayName: expect.any(String) } } });
    expect(problems).toEqual([]);
    await context.close();
  });
});
