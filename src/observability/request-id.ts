import { randomUUID } from 'node:crypto';

/** An id a client or proxy may choose: short, and nothing a log reader or terminal would misread. */
const SANE_REQUEST_ID = /^[\w.:@/+=-]{1,128}$/;

/** The request's `X-Request-Id` when it is sane, or a new one. */
export function requestIdFrom(header: string | string[] | undefined): string {
  const given = Array.isArray(header) ? header[0] : header;
  return given !== undefined && SANE_REQUEST_ID.test(given) ? given : randomUUID();
}
