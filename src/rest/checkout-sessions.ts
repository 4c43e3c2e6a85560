import { createCheckoutSession } from '../domain/checkout-sessions/create.js';
import { expireCheckoutSession } from '../domain/checkout-sessions/lifecycle.js';
import { getCheckoutSessions, listCheckoutSessions } from '../domain/checkout-sessions/reads.js';
import { toCheckoutSessionResource } from '../domain/checkout-sessions/resource.js';
import type { CheckoutSessionState } from '../domain/checkout-sessions/model.js';
import type { DomainDeps } from '../domain/deps.js';
import type { Position } from '../db/keyset.js';
import { badInput, notFound, type InputIssue } from '../domain/errors.js';
import { hasPrefix } from '../domain/ids.js';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../domain/page-size.js';
import { isFourDigitYear } from '../domain/time.js';
import { createCheckoutSessionSchema, type CreateCheckoutSessionInput } from '../domain/checkout-sessions/input.js';
import { parseRfc3339, textProblem, RFC3339_MESSAGE, toInputIssues } from '../domain/validation.js';
import { jsonResponse, readJsonObject } from './http.js';

/** What a handler gets once the route matched and the caller was let into the path's account. */
export interface AccountRequest {
  request: Request;
  url: URL;
  deps: DomainDeps;
  accountId: string;
  /** The `{checkout_session}` path segment, on routes that have one. */
  sessionId?: string;
}

/**
 * The seed's snake_case body fields and their names in the shared zod schema. Anything else in
 * the body is refused, as Stripe refuses unknown parameters: a misspelt `sucess_url` must not
 * silently create a session without its redirect.
 */
const CREATE_FIELDS = {
  amount: 'amount',
  currency: 'currency',
  client_reference_id: 'clientReferenceId',
  success_url: 'successUrl',
  cancel_url: 'cancelUrl',
  metadata: 'metadata',
  expire_time: 'expireTime',
} as const satisfies Record<string, keyof CreateCheckoutSessionInput>;

type RestField = keyof typeof CREATE_FIELDS;
const REST_NAME_OF = Object.fromEntries(
  Object.entries(CREATE_FIELDS).map(([rest, domain]) => [domain, rest]),
) as Record<string, RestField>;

function isRestField(key: string): key is RestField {
  return Object.hasOwn(CREATE_FIELDS, key);
}

/**
 * Turns the REST body into the input of createCheckoutSessionSchema — the schema GraphQL
 * validates with — and reports every problem with its path in the body's own snake_case.
 * Only what JSON cannot express (a date-time) is converted here; every rule stays in the schema.
 */
function parseCreateBody(body: Record<string, unknown>): CreateCheckoutSessionInput {
  const issues: InputIssue[] = [];
  const candidate: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(body)) {
    if (!isRestField(key)) {
      issues.push({
        path: [key],
        message:
          key === 'idempotency_key'
            ? 'is not a body parameter; send the Idempotency-Key header'
            : 'is not a known parameter',
      });
    } else if (key === 'expire_time' && value != null) {
      const date = parseRfc3339(value);
      if (date) candidate.expireTime = date;
      else issues.push({ path: [key], message: RFC3339_MESSAGE });
    } else if (key === 'metadata' && typeof value === 'object' && value !== null && !Array.isArray(value)) {
      // A null-prototype copy, as GraphQL's Metadata scalar makes: "__proto__" stays a plain key.
      candidate.metadata = Object.assign(Object.create(null) as Record<string, unknown>, value);
    } else {
      candidate[CREATE_FIELDS[key]] = value;
    }
  }

  const parsed = createCheckoutSessionSchema.safeParse(candidate);
  if (!parsed.success) {
    for (const issue of toInputIssues(parsed.error.issues)) {
      const [head, ...rest] = issue.path;
      const restName = typeof head === 'string' ? REST_NAME_OF[head] : undefined;
      // The schema only complains about an absent field when the field is required.
      if (restName && !Object.hasOwn(body, restName)) issues.push({ path: [restName], message: 'is required' });
      else issues.push({ path: restName ? [restName, ...rest] : issue.path, message: issue.message });
    }
  }
  // Every problem in the body at once; nothing is written before this point. (The
  // Idempotency-Key header is checked by createCheckoutSession itself, for every surface.)
  if (issues.length > 0 || !parsed.success) throw badInput(issues);
  return parsed.data;
}

export async function createSession({ request, deps, accountId }: AccountRequest): Promise<Response> {
  const body = (await readJsonObject(request)) ?? {};
  const idempotencyKey = request.headers.get('idempotency-key');
  const input = parseCreateBody(body);
  const { session, replayed } = await createCheckoutSession(deps, accountId, input, idempotencyKey);
  // 200, as Stripe answers a create and as the seed shows; a replay answers exactly the same.
  return jsonResponse(
    200,
    toCheckoutSessionResource(session, deps.publicUrl),
    replayed ? { 'idempotent-replayed': 'true' } : {},
  );
}

export async function getSession({ deps, accountId, sessionId }: AccountRequest): Promise<Response> {
  const [session] = hasPrefix(sessionId!, 'cs') ? await getCheckoutSessions(deps.db, accountId, [sessionId!]) : [];
  if (!session) throw notFound('Checkout session');
  return jsonResponse(200, toCheckoutSessionResource(session, deps.publicUrl));
}

export async function expireSession({ request, deps, accountId, sessionId }: AccountRequest): Promise<Response> {
  // The seed sends no body; an empty object is fine too, but no parameters exist to send.
  const body = await readJsonObject(request);
  const unknown = Object.keys(body ?? {});
  if (unknown.length > 0) throw badInput(unknown.map((key) => ({ path: [key], message: 'is not a known parameter' })));
  if (!hasPrefix(sessionId!, 'cs')) throw notFound('Checkout session');
  const session = await expireCheckoutSession(deps, accountId, sessionId!);
  return jsonResponse(200, toCheckoutSessionResource(session, deps.publicUrl));
}

const STATES: readonly CheckoutSessionState[] = ['OPEN', 'COMPLETE', 'EXPIRED'];
const LIST_PARAMETERS = ['page_size', 'page_token', 'state', 'client_reference_id'] as const;

interface PageToken extends Position {
  state: CheckoutSessionState | null;
  clientReferenceId: string | null;
}

/**
 * The position after the last row served plus the filters it was served under: AIP-158 asks
 * that a token be refused with other filters, where it would silently skip or repeat rows.
 */
function encodePageToken(token: PageToken): string {
  return Buffer.from(
    JSON.stringify([token.createTime.toISOString(), token.id, token.state, token.clientReferenceId]),
  ).toString('base64url');
}

function decodePageToken(text: string): PageToken | undefined {
  try {
    const [time, id, state, clientReferenceId] = JSON.parse(
      Buffer.from(text, 'base64url').toString('utf8'),
    ) as unknown[];
    const createTime = parseRfc3339(time) ?? new Date(Number.NaN);
    if (!isFourDigitYear(createTime) || typeof id !== 'string' || !hasPrefix(id, 'cs')) return undefined;
    if (state !== null && !STATES.includes(state as CheckoutSessionState)) return undefined;
    if (clientReferenceId !== null && (typeof clientReferenceId !== 'string' || textProblem(clientReferenceId)))
      return undefined;
    return { createTime, id, state: state as CheckoutSessionState | null, clientReferenceId };
  } catch {
    return undefined;
  }
}

/**
 * AIP-158 paging over the same keyset query as the GraphQL connection. page_size 0 or absent
 * means 20 (AIP-158); above 100 is refused, as GraphQL refuses `first` above 100, rather than
 * silently serving fewer rows than asked.
 */
export async function listSessions({ url, deps, accountId }: AccountRequest): Promise<Response> {
  const issues: InputIssue[] = [];
  const params = url.searchParams;
  for (const key of new Set(params.keys())) {
    if (!(LIST_PARAMETERS as readonly string[]).includes(key))
      issues.push({ path: [key], message: 'is not a known parameter' });
    else if (params.getAll(key).length > 1) issues.push({ path: [key], message: 'may be given only once' });
  }

  let pageSize = DEFAULT_PAGE_SIZE;
  const sizeText = params.get('page_size');
  if (sizeText !== null) {
    const size = /^\d{1,9}$/.test(sizeText) ? Number(sizeText) : NaN;
    if (!(size <= MAX_PAGE_SIZE))
      issues.push({ path: ['page_size'], message: `must be a whole number from 1 to ${MAX_PAGE_SIZE}` });
    else pageSize = size || DEFAULT_PAGE_SIZE;
  }

  const stateText = params.get('state');
  const state = stateText === null ? null : STATES.find((value) => value === stateText);
  if (state === undefined) issues.push({ path: ['state'], message: `must be one of ${STATES.join(', ')}` });
  const clientReferenceId = params.get('client_reference_id');

  let after: PageToken | undefined;
  const tokenText = params.get('page_token');
  if (tokenText) {
    after = decodePageToken(tokenText);
    if (!after) issues.push({ path: ['page_token'], message: 'is not a next_page_token returned by this API' });
    else if (after.state !== (state ?? null) || after.clientReferenceId !== clientReferenceId) {
      issues.push({
        path: ['page_token'],
        message: 'was returned for other filters; repeat the state and client_reference_id it was returned with',
      });
    }
  }
  if (issues.length > 0) throw badInput(issues);

  // One row more than the page tells whether another page follows, without counting.
  const rows = await listCheckoutSessions(deps.db, accountId, {
    limit: pageSize + 1,
    after,
    state: state ?? null,
    clientReferenceId,
  });
  const page = rows.slice(0, pageSize);
  const last = page[page.length - 1];
  const nextPageToken =
    rows.length > pageSize && last
      ? encodePageToken({ createTime: last.createTime, id: last.id, state: state ?? null, clientReferenceId })
      : '';
  return jsonResponse(200, {
    checkout_sessions: page.map((session) => toCheckoutSessionResource(session, deps.publicUrl)),
    next_page_token: nextPageToken,
  });
}
