import { timingSafeEqual } from 'node:crypto';
import { randomToken } from '../domain/ids.js';
import { SCRIPT_HASH, STYLE_HASH } from './assets.js';

/**
 * Headers of every hosted page. The page takes card numbers, so: nothing cached anywhere, no
 * framing (clickjacking), no script or style but our own hashed ones, no referrer to other
 * sites (the URL is a bearer capability), and forms may only post to us. `formTargets` adds the
 * origins a form submission may be redirected to: Chromium applies form-action to the redirect after a POST.
 */
export function securityHeaders(formTargets: readonly string[] = []): Record<string, string> {
  const formAction = ["'self'", ...formTargets].join(' ');
  return {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    pragma: 'no-cache',
    'content-security-policy': [
      "default-src 'none'",
      `style-src ${STYLE_HASH}`,
      `script-src ${SCRIPT_HASH}`,
      `form-action ${formAction}`,
      "frame-ancestors 'none'",
      "base-uri 'none'",
    ].join('; '),
    'x-frame-options': 'DENY',
    // Same-origin only: the URL is a bearer capability and must not reach another site, while
    // our own form POST keeps a real Origin header (no-referrer would make it `null`).
    'referrer-policy': 'same-origin',
    'x-content-type-options': 'nosniff',
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-resource-policy': 'same-origin',
    'permissions-policy': 'camera=(), microphone=(), geolocation=(), payment=()',
  };
}

/** The origin of an absolute http(s) URL, for form-action; null for anything else. */
export function originOf(url: string | null): string | null {
  if (!url) return null;
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed.origin : null;
  } catch {
    return null;
  }
}

/*
 * Cross-site request forgery: a double-submit token. The page puts a random token both in a
 * SameSite=Strict, HttpOnly cookie and in a hidden form field; a POST is accepted only when the
 * two match. Another site can neither read the field nor make the browser send the cookie with
 * its cross-site POST. Nothing is kept on the server, so any gateway process on the database
 * accepts a form another process served, and no per-process secret exists to disagree on.
 *
 * When the page is served over https the cookie is `__Host-` prefixed: browsers then accept it
 * only with Secure, Path=/ and no Domain, so a sibling subdomain (or a plain-http page of the
 * same host) cannot plant a cookie of its own choosing. Over plain http (local development)
 * browsers refuse such cookies outside localhost, so the plain name is used there.
 */

const CSRF_COOKIE_NAME = 'checkout_csrf';
export const CSRF_FIELD = 'csrf_token';
const TOKEN_PATTERN = /^[A-Za-z0-9]{32}$/;

/** The cookie's name: `__Host-checkout_csrf` on https pages, `checkout_csrf` on http ones. */
function csrfCookieName(secure: boolean): string {
  return secure ? `__Host-${CSRF_COOKIE_NAME}` : CSRF_COOKIE_NAME;
}

function cookieValue(request: Request, name: string): string | null {
  const header = request.headers.get('cookie');
  if (!header) return null;
  for (const part of header.split(';')) {
    const index = part.indexOf('=');
    if (index < 0) continue;
    if (part.slice(0, index).trim() === name) return part.slice(index + 1).trim();
  }
  return null;
}

/**
 * The token for a page about to be served: the browser's current one when it sent a valid one
 * (a reload, or a re-shown form, must not invalidate a form open in another tab), else a new one.
 */
export function csrfTokenFor(request: Request, secure: boolean): string {
  const existing = cookieValue(request, csrfCookieName(secure));
  return existing && TOKEN_PATTERN.test(existing) ? existing : randomToken(32);
}

export function csrfCookie(token: string, secure: boolean): string {
  return secure
    ? `${csrfCookieName(true)}=${token}; Path=/; HttpOnly; SameSite=Strict; Secure`
    : `${csrfCookieName(false)}=${token}; Path=/checkout; HttpOnly; SameSite=Strict`;
}

/**
 * False when the browser says the POST came from another origin: its `Origin` (or, when a
 * browser sends none, its `Referer`) is present and none of `ownOrigins`. `Origin: null` (a
 * sandboxed frame, or a page that asked for no referrer) is refused too: an attacker can ask
 * for it, and our own page never causes it (its Referrer-Policy is same-origin).
 */
function sameOriginPost(request: Request, ownOrigins: readonly string[]): boolean {
  const origin = request.headers.get('origin');
  if (origin !== null) return ownOrigins.includes(origin.trim().toLowerCase());
  const referer = request.headers.get('referer');
  if (referer === null) return true;
  const refererOrigin = originOf(referer);
  return refererOrigin !== null && ownOrigins.includes(refererOrigin);
}

/** True when the form's token matches the cookie and nothing says the POST came from elsewhere. */
export function csrfValid(
  request: Request,
  formToken: string | null,
  secure: boolean,
  ownOrigins: readonly string[],
): boolean {
  // Browsers label cross-site requests; refuse those outright, whatever they carry.
  if (request.headers.get('sec-fetch-site') === 'cross-site') return false;
  if (!sameOriginPost(request, ownOrigins)) return false;
  const cookie = cookieValue(request, csrfCookieName(secure));
  if (!cookie || !formToken || !TOKEN_PATTERN.test(cookie) || !TOKEN_PATTERN.test(formToken)) return false;
  return timingSafeEqual(Buffer.from(cookie), Buffer.from(formToken));
}

/**
 * Reads a request body of at most `maxBytes`, counting while it arrives: a chunked or lying
 * upload is cut off at the limit instead of being buffered whole. Null when it is larger.
 */
export async function readBodyWithin(request: Request, maxBytes: number): Promise<Buffer | null> {
  if (Number(request.headers.get('content-length') ?? 0) > maxBytes) return null;
  if (!request.body) return Buffer.alloc(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => {});
      return null;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}
