import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** Helpers that act as the customer's browser on the hosted page: Chromium, or plain HTTP. */

const CHROMIUM_PATH = '/usr/bin/chromium';

/**
 * Browser tests skip only on a machine without Chromium, and only when nobody demands them:
 * CI sets REQUIRE_BROWSER=1, and then a missing browser fails the run instead of hiding it.
 */
export const skipBrowserTests = !existsSync(CHROMIUM_PATH) && !process.env.REQUIRE_BROWSER;

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

/** An expiry date a few years ahead, as a customer would type it. */
export function futureExpiry(): string {
  return `12/${String((new Date().getUTCFullYear() + 3) % 100).padStart(2, '0')}`;
}

export const GOOD_CARD = '4242 4242 4242 4242';
export const DECLINED_CARD = '4000 0000 0000 0002';
export const INSUFFICIENT_FUNDS_CARD = '4000 0000 0000 9995';

export interface OpenedForm {
  status: number;
  headers: Headers;
  html: string;
  /** `name=value` of the CSRF cookie, ready for a Cookie header; null when none was set. */
  cookie: string | null;
  /** The hidden field's token; null when the page has no form. */
  csrfToken: string | null;
}

/** GETs a hosted page the way a browser without JavaScript would, keeping what a POST needs. */
export async function openForm(url: string, headers: Record<string, string> = {}): Promise<OpenedForm> {
  const response = await fetch(url, { redirect: 'manual', headers });
  const html = await response.text();
  const setCookie = response.headers.get('set-cookie');
  return {
    status: response.status,
    headers: response.headers,
    html,
    cookie: setCookie ? setCookie.split(';')[0]! : null,
    csrfToken: /name="csrf_token" value="([^"]*)"/.exec(html)?.[1] ?? null,
  };
}

export interface CardFields {
  card_number?: string;
  expiry?: string;
  security_code?: string;
  name_on_card?: string;
}

/** POSTs the card form as the page's own form would (urlencoded, cookie and hidden token). */
export async function submitCard(
  url: string,
  form: Pick<OpenedForm, 'cookie' | 'csrfToken'>,
  fields: CardFields = {},
  headers: Record<string, string> = {},
): Promise<Response> {
  const body = new URLSearchParams({
    csrf_token: form.csrfToken ?? '',
    card_number: GOOD_CARD,
    expiry: futureExpiry(),
    security_code: '123',
    name_on_card: 'Ada Lovelace',
    ...fields,
  });
  return fetch(url, {
    method: 'POST',
    redirect: 'manual',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      ...(form.cookie ? { cookie: form.cookie } : {}),
      ...headers,
    },
    body,
  });
}
