import { DomainError, type ErrorCode, type InputIssue } from '../domain/errors.js';
import { assertWellFormedText } from '../domain/validation.js';
import type { Logger } from '../observability/logger.js';

/**
 * HTTP status per contract code. IDEMPOTENCY_KEY_REUSED is 422, not 409, following the IETF
 * Idempotency-Key draft (draft-ietf-httpapi-idempotency-key-header): 422 for a key reused with
 * another payload, 409 only for a retry racing the original — which the domain never reports,
 * since such retries wait for the first request and replay it. 409 stays for the resource's
 * state forbidding the change (expiring a paid session).
 */
export const STATUS_BY_CODE: Record<ErrorCode, number> = {
  BAD_USER_INPUT: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  FAILED_PRECONDITION: 409,
  IDEMPOTENCY_KEY_REUSED: 422,
  RATE_LIMITED: 429,
  INTERNAL_SERVER_ERROR: 500,
};

/** The body of every REST failure. */
interface ErrorBody {
  error: {
    code: ErrorCode;
    message: string;
    /** Every problem with the input, with its path as the caller sent it; empty otherwise. */
    details: InputIssue[];
    /** RATE_LIMITED only: seconds to wait, as in the Retry-After header. */
    retry_after?: number;
  };
}

const JSON_TYPE = 'application/json; charset=utf-8';

export function jsonResponse(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  // Account data must not sit in shared caches; a retry must reach the server.
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': JSON_TYPE, 'cache-control': 'no-store', ...headers },
  });
}

/**
 * An HTTP-level failure that has no domain cause (wrong method, body too large, wrong media
 * type). It still carries one of the contract's codes, so clients can switch on a closed set.
 */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

/** Maps a thrown value to the JSON error response; anything unexpected is logged and masked. */
export function errorResponse(error: unknown, logger: Logger): Response {
  if (error instanceof HttpError) {
    return jsonResponse(
      error.status,
      { error: { code: error.code, message: error.message, details: [] } } satisfies ErrorBody,
      error.headers,
    );
  }
  if (error instanceof DomainError) {
    const status = STATUS_BY_CODE[error.code];
    const headers: Record<string, string> = {};
    const body: ErrorBody = {
      error: { code: error.code, message: error.message, details: error.details.issues ?? [] },
    };
    if (error.code === 'UNAUTHENTICATED') headers['www-authenticate'] = 'Api-Key';
    if (error.code === 'RATE_LIMITED' && error.details.retryAfter !== undefined) {
      const seconds = Math.max(1, Math.ceil(error.details.retryAfter));
      headers['retry-after'] = String(seconds);
      body.error.retry_after = seconds;
    }
    if (status === 500) logger.error('domain reported an internal error on the REST API', { error });
    return jsonResponse(status, body, headers);
  }
  logger.error('unexpected error on the REST API', { error });
  return jsonResponse(500, {
    error: { code: 'INTERNAL_SERVER_ERROR', message: 'Unexpected error.', details: [] },
  } satisfies ErrorBody);
}

/** Large enough for 50 metadata pairs at their limits and two 2048-character URLs. */
export const MAX_BODY_BYTES = 64 * 1024;

/**
 * Reads the body as a JSON object, or undefined when there is none. Refuses more than
 * MAX_BODY_BYTES without reading on, so a huge upload costs us nothing beyond the limit.
 */
export async function readJsonObject(request: Request): Promise<Record<string, unknown> | undefined> {
  const contentType = request.headers.get('content-type');
  const declared = Number(request.headers.get('content-length') ?? NaN);
  if (declared > MAX_BODY_BYTES) throw tooLarge();

  const chunks: Uint8Array[] = [];
  let size = 0;
  if (request.body) {
    const reader = request.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > MAX_BODY_BYTES) {
        await reader.cancel();
        throw tooLarge();
      }
      chunks.push(value);
    }
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return undefined;

  // No content type is read as JSON (the benefit of the doubt); any other type is refused,
  // because form-encoded bodies (curl -d without -H) would otherwise fail as "malformed JSON".
  if (contentType !== null && !/^application\/([\w.+-]+\+)?json\s*(;|$)/i.test(contentType)) {
    throw new HttpError(
      415,
      'BAD_USER_INPUT',
      `Send the body as JSON with "Content-Type: application/json", not "${contentType}".`,
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new DomainError('BAD_USER_INPUT', `The body is not valid JSON: ${(error as Error).message}`, {
      issues: [{ path: [], message: 'is not valid JSON' }],
    });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new DomainError('BAD_USER_INPUT', 'The body must be a JSON object.', {
      issues: [{ path: [], message: 'must be a JSON object' }],
    });
  }
  // Text the database cannot hold (NUL, lone surrogates from `\ud800` escapes), anywhere in the body.
  assertWellFormedText(value);
  return value as Record<string, unknown>;
}

function tooLarge(): HttpError {
  // Closing the connection spares reading (and discarding) whatever the client still sends.
  return new HttpError(413, 'BAD_USER_INPUT', `The body is larger than ${MAX_BODY_BYTES} bytes.`, {
    connection: 'close',
  });
}
