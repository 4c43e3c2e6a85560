import { timingSafeEqual } from 'node:crypto';
import { randomToken } from '../domain/ids.js';
import { SCRIPT_HASH, STYLE_HASH } from './assets.js';

/**
 * Headers of every hosted page. The page takes card numbers, so: nothing cached anywhere, no
 * framing (clickjacking), no script or style but our own hashed ones, no referrer (the URL is a
 * bearer capability), and forms may only post to us. `formTargets` adds the origins a form
 * submission may be redirected to: Chromium applies form-action to the redirect after a POST.
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
    'referrer-policy': 'no-referrer',
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
 */

export const CSRF_COOKIE = 'checkout_csrf';
export const CSRF_FIELD = 'csrf_token';
const TOKEN_PATTERN = /^[A-Za-z0-9]{32}$/;

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
export function csrfTokenFor(request: Request): string {
  const existing = cookieValue(request, CSRF_COOKIE);
  return existing && TOKEN_PATTERN.test(existing) ? existing : randomToken(32);
}

export function csrfCookie(token: string, secure: boolean): string {
  return `${CSRF_COOKIE}=${token}; Path=/checkout; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`;
}

/** True when the form's token matches the cookie and nothing says the POST came from elsewhere. */
export function csrfValid(request: Request, formToken: string | null): boolean {
  // Browsers label cross-site requests; refuse those outright, whatever they carry.
  if (request.headers.get('sec-fetch-site') === 'cross-site') return false;
  const cookie = cookieValue(request, CSRF_COOKIE);
  if (!cookie || !formToken || !TOKEN_PATTERN.test(cookie) || !TOKEN_PATTERN.test(formToken)) return false;
  return timingSafeEqual(Buffer.from(cookie), Buffer.from(formToken));
}
