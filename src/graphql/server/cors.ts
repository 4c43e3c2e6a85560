import type { CORSOptions } from 'graphql-yoga';

const LOCALHOST_ORIGIN = /^https?:\/\/(localhost|127\.0\.0\.1|\[::1\])(:\d{1,5})?$/;

/** Headers a browser client may send, and the ones its scripts may read, on /graphql. */
const ALLOWED_HEADERS = ['Authorization', 'Content-Type', 'Accept', 'Idempotency-Key', 'X-GraphQL-Event-Stream-Token'];
const EXPOSED_HEADERS = ['Idempotent-Replayed', 'Retry-After'];

/**
 * Yoga's CORS options for one request: only an allowed Origin is echoed, and never with
 * `Access-Control-Allow-Credentials` (keys travel in the Authorization header, not cookies).
 * Another origin gets no CORS header at all, so its scripts cannot read the answer.
 * (Yoga's own default reflects any Origin with credentials.)
 */
export function corsPolicy(allowed: string[] | 'localhost') {
  const allows = (origin: string) =>
    allowed === 'localhost' ? LOCALHOST_ORIGIN.test(origin) : allowed.includes(origin);
  return (request: Request): CORSOptions => {
    const origin = request.headers.get('origin');
    if (origin === null || !allows(origin)) return false;
    return {
      origin: [origin],
      credentials: false,
      methods: ['GET', 'POST', 'PUT', 'DELETE'],
      allowedHeaders: ALLOWED_HEADERS,
      exposedHeaders: EXPOSED_HEADERS,
      maxAge: 600,
    };
  };
}
