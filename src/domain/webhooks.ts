/**
 * Webhook endpoints and the delivery of events to them, signed per Standard Webhooks.
 *
 * Deliveries are rows of an outbox (webhook_delivery) written in the event's own transaction
 * (recordEvent). Any process may claim due rows with FOR UPDATE SKIP LOCKED and a lease; the
 * lease is what makes "each attempt once" hold across processes, and what lets a delivery whose
 * worker was killed be picked up again once it lapses. Every attempt is a webhook_attempt row.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { and, asc, count, eq, inArray, isNull, lte, or, sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import type { Db, Executor, Tx } from '../db/client.js';
import { PreparedStatement, RowReader } from '../db/rows.js';
import { everyCombination, listLimit, MAX_LIST_ROWS, StatementSet } from '../db/statement-set.js';
import {
  accountTable,
  eventTable,
  webhookAttemptTable,
  webhookDeliveryTable,
  webhookEndpointTable,
} from '../db/schema.js';
import { DomainError, notFound } from './errors.js';
import { EVENTS_CHANNEL, type EventRecord } from './events/event.js';
import { enabledEventsSchema } from './events/input.js';
import { newId } from './ids.js';
import { formatInstant } from './time.js';
import { decryptSecret, encryptSecret, resolveSecretKey } from './secrets.js';
import { webhookUrlProblem } from './webhook-addresses.js';
import { normaliseHttpUrl, parseInput } from './validation.js';

export type WebhookEndpoint = typeof webhookEndpointTable.$inferSelect;
export type WebhookDelivery = typeof webhookDeliveryTable.$inferSelect;
export type WebhookAttempt = typeof webhookAttemptTable.$inferSelect;
type WebhookDeliveryState = WebhookDelivery['state'];
type DisabledReason = 'GONE' | 'FAILING' | 'USER';

export interface WebhookSettings {
  /** AES-256-GCM key for signing secrets at rest. */
  secretKey: Buffer;
  /** Delay before each attempt, in ms: entry 0 before the first, entry n after the n-th failure. */
  retrySchedule: number[];
  /** Whether endpoints may resolve to loopback, private and link-local addresses. */
  allowPrivateNetworks: boolean;
  /** An attempt without a response within this time fails (15 s unless a test shortens it). */
  timeoutMs: number;
}

export function webhookSettingsFromConfig(
  config: {
    secretEncryptionKey: string | undefined;
    webhookRetrySchedule: number[];
    webhookAllowPrivateNetworks: boolean;
    webhookTimeoutMs: number;
  },
  warn: (message: string) => void,
): WebhookSettings {
  const { key, development } = resolveSecretKey(config.secretEncryptionKey);
  if (development) {
    warn(
      'SECRET_ENCRYPTION_KEY is not set: webhook secrets are encrypted with the fixed development key, which is not secret. Set it before real use.',
    );
  }
  return {
    secretKey: key,
    retrySchedule: config.webhookRetrySchedule.length > 0 ? config.webhookRetrySchedule : [0],
    allowPrivateNetworks: config.webhookAllowPrivateNetworks,
    timeoutMs: config.webhookTimeoutMs,
  };
}

/** An endpoint failing without a single success for this long is disabled. */
const FAILING_DISABLE_MS = 5 * 24 * 3_600_000;
/** A rotated-out secret keeps signing beside the new one for this long. */
const ROTATED_SECRET_VALID_MS = 24 * 3_600_000;
const MAX_ENDPOINTS_PER_ACCOUNT = 16;
const SECRET_BYTES = 32;

export function webhookEndpointName(accountId: string, endpointId: string): string {
  return `accounts/${accountId}/webhook-endpoints/${endpointId}`;
}

/** How long a claimed delivery stays reserved: the attempt's timeout plus room to record it. */
function leaseMs(settings: WebhookSettings): number {
  return Math.max(2 * settings.timeoutMs, settings.timeoutMs + 2_000);
}

// ---------------------------------------------------------------------------------------------
// Endpoints

function generateSecret(): string {
  return `whsec_${randomBytes(SECRET_BYTES).toString('base64')}`;
}

const descriptionSchema = z.string().max(500, 'must be at most 500 characters');

function urlSchema(settings: WebhookSettings) {
  return z
    .string()
    .max(2048, 'must be at most 2048 characters')
    .transform((text, ctx) => {
      // Stored normalised, by the rule of every URL we accept (validation.ts).
      const { href, problem: formProblem } = normaliseHttpUrl(text);
      const problem = formProblem ?? webhookUrlProblem(href!, settings.allowPrivateNetworks);
      if (problem) {
        ctx.addIssue({ code: 'custom', message: problem });
        return z.NEVER;
      }
      return href!;
    });
}

export interface CreateWebhookEndpointInput {
  url: string;
  enabledEvents: readonly string[];
  description?: string | null;
  /** A payload document, already checked by the API layer (the domain does not read GraphQL). */
  query?: string | null;
}

/** The body of a delivery to an endpoint with a payload document (the API layer provides it). */
export type PayloadRenderer = (event: EventRecord, query: string) => Promise<string>;

/** Creates an endpoint; its signing secret is returned here and never again. */
export async function createWebhookEndpoint(
  db: Db,
  settings: WebhookSettings,
  accountId: string,
  input: CreateWebhookEndpointInput,
): Promise<{ endpoint: WebhookEndpoint; secret: string }> {
  const parsed = parseInput(
    z.object({
      url: urlSchema(settings),
      enabledEvents: enabledEventsSchema,
      description: descriptionSchema.nullish(),
      query: z.string().nullish(),
    }),
    input,
    ['input'],
  );
  const id = newId('we');
  const secret = generateSecret();
  const now = new Date();
  const endpoint = await db.transaction(async (tx) => {
    // The account row lock serialises creations, so the per-account limit holds under races.
    await tx.select({ id: accountTable.id }).from(accountTable).where(eq(accountTable.id, accountId)).for('update');
    const [existing] = await tx
      .select({ n: count() })
      .from(webhookEndpointTable)
      .where(eq(webhookEndpointTable.accountId, accountId));
    if ((existing?.n ?? 0) >= MAX_ENDPOINTS_PER_ACCOUNT) {
      throw new DomainError(
        'FAILED_PRECONDITION',
        `An account may have at most ${MAX_ENDPOINTS_PER_ACCOUNT} webhook endpoints; delete one first.`,
      );
    }
    const [row] = await tx
      .insert(webhookEndpointTable)
      .values({
        id,
        accountId,
        url: parsed.url,
        description: parsed.description ?? null,
        enabledEvents: parsed.enabledEvents,
        query: parsed.query ?? null,
        secrets: [{ ciphertext: encryptSecret(settings.secretKey, secret, id), expireTime: null }],
        createTime: now,
        updateTime: now,
      })
      .returning();
    return row!;
  });
  return { endpoint, secret };
}

export async function getWebhookEndpoint(
  db: Executor,
  accountId: string,
  endpointId: string,
): Promise<WebhookEndpoint | undefined> {
  const [row] = await db
    .select()
    .from(webhookEndpointTable)
    .where(and(eq(webhookEndpointTable.id, endpointId), eq(webhookEndpointTable.accountId, accountId)));
  return row;
}

/** Batch read for DataLoader: the account's endpoints among `ids`, in no particular order. */
export async function getWebhookEndpoints(
  db: Executor,
  accountId: string,
  ids: readonly string[],
): Promise<WebhookEndpoint[]> {
  if (ids.length === 0) return [];
  return db
    .select()
    .from(webhookEndpointTable)
    .where(and(eq(webhookEndpointTable.accountId, accountId), inArray(webhookEndpointTable.id, [...ids])));
}

interface TimeIdCursor {
  createTime: Date;
  id: string;
}

export interface PageOptions {
  limit: number;
  after?: TimeIdCursor | null;
  before?: TimeIdCursor | null;
  inverted?: boolean;
}

/** Which cursors a page on (createTime, id) has, and its direction. */
interface TimeIdPageShape {
  after: boolean;
  before: boolean;
  inverted: boolean;
}

interface TimeIdPageValues extends Record<string, unknown> {
  afterTime: string | null;
  afterId: string | null;
  beforeTime: string | null;
  beforeId: string | null;
  limit: number;
}

function timeIdPageValues(options: PageOptions): TimeIdPageValues {
  return {
    afterTime: options.after ? formatInstant(options.after.createTime) : null,
    afterId: options.after?.id ?? null,
    beforeTime: options.before ? formatInstant(options.before.createTime) : null,
    beforeId: options.before?.id ?? null,
    limit: listLimit(options.limit),
  };
}

const placeholder = (name: string) => sql.placeholder(name);

/**
 * At most MAX_LIST_ROWS rows of `table` meeting `conditions`, from the cursor on, newest first
 * (oldest first when inverted), and the page's own limit above: a range of an index ending in
 * (create_time, id), which the row comparisons bound.
 */
function timeIdPage(
  table: typeof webhookEndpointTable | typeof webhookDeliveryTable,
  conditions: SQL[],
  shape: TimeIdPageShape,
): SQL {
  const all = [...conditions];
  if (shape.after)
    all.push(
      sql`(${table.createTime}, ${table.id}) < (${placeholder('afterTime')}::timestamptz, ${placeholder('afterId')}::text)`,
    );
  if (shape.before)
    all.push(
      sql`(${table.createTime}, ${table.id}) > (${placeholder('beforeTime')}::timestamptz, ${placeholder('beforeId')}::text)`,
    );
  const order = sql.raw(shape.inverted ? 'create_time asc, id asc' : 'create_time desc, id desc');
  return sql`select * from (select * from ${table} where ${and(...all)} order by ${order} limit ${sql.raw(String(MAX_LIST_ROWS))}) as ${table} order by ${order} limit ${placeholder('limit')}`;
}

const timeIdPageShapes = everyCombination({ after: [false, true], before: [false, true], inverted: [false, true] });

function timeIdPageShape(options: PageOptions): TimeIdPageShape {
  return { after: !!options.after, before: !!options.before, inverted: !!options.inverted };
}

/** Every statement that reads a page of an account's endpoints (exported for the plan test). */
export const webhookEndpointListStatements = new StatementSet<
  TimeIdPageShape,
  TimeIdPageValues & { accountId: string }
>('webhook endpoint list', timeIdPageShapes, (shape) =>
  timeIdPage(webhookEndpointTable, [eq(webhookEndpointTable.accountId, placeholder('accountId'))], shape),
);

const endpointReader = new RowReader(webhookEndpointTable);

export function webhookEndpointListQuery(accountId: string, options: PageOptions) {
  return { shape: timeIdPageShape(options), values: { accountId, ...timeIdPageValues(options) } };
}

/** The account's endpoints, newest first. */
export async function listWebhookEndpoints(
  db: Executor,
  accountId: string,
  options: PageOptions,
): Promise<WebhookEndpoint[]> {
  const { shape, values } = webhookEndpointListQuery(accountId, options);
  return webhookEndpointListStatements.get(shape).rows(db, values, (row) => endpointReader.read(row));
}

export interface UpdateWebhookEndpointInput {
  url?: string | null;
  enabledEvents?: readonly string[] | null;
  /** Null clears it; undefined leaves it. */
  description?: string | null;
  disabled?: boolean | null;
  /** Null returns to the default payload; undefined leaves it. Checked by the API layer. */
  query?: string | null;
}

/** Locks one of the account's endpoints for the rest of the transaction; NOT_FOUND otherwise. */
async function lockAccountEndpoint(tx: Tx, accountId: string, endpointId: string): Promise<WebhookEndpoint> {
  const [current] = await tx
    .select()
    .from(webhookEndpointTable)
    .where(and(eq(webhookEndpointTable.id, endpointId), eq(webhookEndpointTable.accountId, accountId)))
    .for('no key update');
  if (!current) throw notFound('Webhook endpoint');
  return current;
}

/**
 * Changes an endpoint. Disabling it abandons its pending deliveries (they can be resent);
 * enabling it forgets why it was disabled and how long it had been failing.
 */
export async function updateWebhookEndpoint(
  db: Db,
  settings: WebhookSettings,
  accountId: string,
  endpointId: string,
  input: UpdateWebhookEndpointInput,
): Promise<WebhookEndpoint> {
  const parsed = parseInput(
    z.object({
      url: urlSchema(settings).nullish(),
      enabledEvents: enabledEventsSchema.nullish(),
      description: descriptionSchema.nullish(),
      disabled: z.boolean().nullish(),
      query: z.string().nullish(),
    }),
    input,
    ['input'],
  );
  const now = new Date();
  return db.transaction(async (tx) => {
    const current = await lockAccountEndpoint(tx, accountId, endpointId);
    const changes: Partial<WebhookEndpoint> = { updateTime: now };
    if (parsed.url != null) changes.url = parsed.url;
    if (parsed.enabledEvents != null) changes.enabledEvents = parsed.enabledEvents;
    if (input.description !== undefined) changes.description = parsed.description ?? null;
    if (input.query !== undefined) changes.query = parsed.query ?? null;
    if (parsed.disabled === true && !current.disabled) {
      changes.disabled = true;
      changes.disabledReason = 'USER';
    } else if (parsed.disabled === false && current.disabled) {
      changes.disabled = false;
      changes.disabledReason = null;
      changes.failingSince = null;
    }
    const [row] = await tx
      .update(webhookEndpointTable)
      .set(changes)
      .where(eq(webhookEndpointTable.id, endpointId))
      .returning();
    if (changes.disabled === true) await abandonPendingDeliveries(tx, endpointId);
    return row!;
  });
}

/** Deletes an endpoint with its deliveries and their attempts; returns it as it was. */
export async function deleteWebhookEndpoint(db: Db, accountId: string, endpointId: string): Promise<WebhookEndpoint> {
  const [row] = await db
    .delete(webhookEndpointTable)
    .where(and(eq(webhookEndpointTable.id, endpointId), eq(webhookEndpointTable.accountId, accountId)))
    .returning();
  if (!row) throw notFound('Webhook endpoint');
  return row;
}

/**
 * Issues a new signing secret (returned once). Secrets still current keep signing beside it for
 * 24 hours, so receivers can switch without dropping a delivery; expired ones are forgotten.
 */
export async function rotateWebhookEndpointSecret(
  db: Db,
  settings: WebhookSettings,
  accountId: string,
  endpointId: string,
): Promise<{ endpoint: WebhookEndpoint; secret: string; previousSecretExpireTime: Date }> {
  const secret = generateSecret();
  const now = new Date();
  const previousSecretExpireTime = new Date(now.getTime() + ROTATED_SECRET_VALID_MS);
  const endpoint = await db.transaction(async (tx) => {
    const current = await lockAccountEndpoint(tx, accountId, endpointId);
    const kept = current.secrets
      .filter((entry) => entry.expireTime === null || Date.parse(entry.expireTime) > now.getTime())
      .map((entry) => ({
        ciphertext: entry.ciphertext,
        expireTime: entry.expireTime ?? previousSecretExpireTime.toISOString(),
      }));
    const [row] = await tx
      .update(webhookEndpointTable)
      .set({
        secrets: [{ ciphertext: encryptSecret(settings.secretKey, secret, endpointId), expireTime: null }, ...kept],
        updateTime: now,
      })
      .where(eq(webhookEndpointTable.id, endpointId))
      .returning();
    return row!;
  });
  return { endpoint, secret, previousSecretExpireTime };
}

/** The secrets that sign at `now`, newest first, decrypted. */
function signingSecrets(settings: WebhookSettings, endpoint: WebhookEndpoint, now: Date): string[] {
  return endpoint.secrets
    .filter((entry) => entry.expireTime === null || Date.parse(entry.expireTime) > now.getTime())
    .map((entry) => decryptSecret(settings.secretKey, entry.ciphertext, endpoint.id));
}

// ---------------------------------------------------------------------------------------------
// Signing and the request

/** `v1,<base64 HMAC-SHA256 of "id.timestamp.body">` per secret, space-separated (Standard Webhooks). */
export function signWebhook(secrets: readonly string[], messageId: string, timestamp: number, body: string): string {
  return secrets
    .map((secret) => {
      const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
      return `v1,${createHmac('sha256', key).update(`${messageId}.${timestamp}.${body}`).digest('base64')}`;
    })
    .join(' ');
}

/** The order of the seed's resource fields; jsonb storage forgets key order, receivers' eyes do not. */
const RESOURCE_FIELD_ORDER = [
  'name',
  'state',
  'amount',
  'currency',
  'client_reference_id',
  'url',
  'payment_intent',
  'paid',
  'success_url',
  'cancel_url',
  'metadata',
  'expire_time',
  'create_time',
  'update_time',
];

function inFieldOrder(resource: Record<string, unknown>): Record<string, unknown> {
  const ordered: Record<string, unknown> = {};
  for (const key of RESOURCE_FIELD_ORDER) if (key in resource) ordered[key] = resource[key];
  for (const [key, value] of Object.entries(resource)) if (!(key in ordered)) ordered[key] = value;
  return ordered;
}

/** The request body of an event (api.md §5); the same bytes on every attempt. */
export function webhookBody(event: EventRecord): string {
  const data: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(event.data)) {
    data[key] =
      value && typeof value === 'object' && !Array.isArray(value)
        ? inFieldOrder(value as Record<string, unknown>)
        : value;
  }
  return JSON.stringify({
    id: event.id,
    type: event.type,
    create_time: event.createTime.toISOString(),
    sequence: event.sessionSequence,
    data,
  });
}

export interface SendResult {
  statusCode: number | null;
  /** Why the attempt failed when the status code alone does not say. */
  error: string | null;
  durationMs: number;
  succeeded: boolean;
}

/** The transport: POSTs one attempt and reports how it went (the delivery worker provides it). */
export type WebhookSender = (
  /** `traceparent`: the trace of the request that caused the event, for the attempt's span (never sent). */
  request: { url: string; body: string; headers: Record<string, string>; traceparent?: string | null },
  options: { timeoutMs: number; allowPrivateNetworks: boolean },
) => Promise<SendResult>;

// ---------------------------------------------------------------------------------------------
// Delivery

/** Applies ±10 % jitter, so that retries of many deliveries failed together spread out. */
function withJitter(delayMs: number): number {
  return delayMs <= 0 ? 0 : Math.round(delayMs * (0.9 + Math.random() * 0.2));
}

/** Pending deliveries of an endpoint that no worker holds: give them up (they can be resent). */
async function abandonPendingDeliveries(tx: Tx, endpointId: string): Promise<void> {
  await tx
    .update(webhookDeliveryTable)
    .set({ state: 'FAILED', nextAttemptTime: null, updateTime: sql`now()` })
    .where(
      and(
        eq(webhookDeliveryTable.endpointId, endpointId),
        eq(webhookDeliveryTable.state, 'PENDING'),
        or(isNull(webhookDeliveryTable.leaseExpireTime), lte(webhookDeliveryTable.leaseExpireTime, sql`now()`)),
      ),
    );
}

export interface ClaimedDelivery {
  id: string;
  /** The lease this worker holds; it also fences the worker's writes. */
  leaseExpireTime: Date;
}

/**
 * Leases up to `limit` due deliveries. SKIP LOCKED lets concurrent claimers in other processes
 * take different rows instead of waiting; the lease keeps a row away from them until this
 * worker records its attempt, or until it lapses because the worker died.
 */
export async function claimDueWebhookDeliveries(
  db: Db,
  settings: WebhookSettings,
  limit: number,
): Promise<ClaimedDelivery[]> {
  const t = webhookDeliveryTable;
  const due = db
    .select({ id: t.id })
    .from(t)
    .where(
      and(
        eq(t.state, 'PENDING'),
        lte(t.nextAttemptTime, sql`now()`),
        or(isNull(t.leaseExpireTime), lte(t.leaseExpireTime, sql`now()`)),
      ),
    )
    .orderBy(asc(t.nextAttemptTime))
    .limit(limit)
    .for('update', { skipLocked: true });
  return db
    .update(t)
    .set({ leaseExpireTime: sql`now() + make_interval(secs => ${leaseMs(settings) / 1000})` })
    .where(inArray(t.id, due))
    .returning({ id: t.id, leaseExpireTime: t.leaseExpireTime }) as Promise<ClaimedDelivery[]>;
}

/**
 * Deliveries due now and not yet delivered (the outbox's backlog), counted up to a cap so that a
 * scrape stays cheap even when a receiver has been down for days.
 */
export async function countDueWebhookDeliveries(db: Db, cap = 100_000): Promise<number> {
  const t = webhookDeliveryTable;
  const due = db
    .select({ one: sql`1`.as('one') })
    .from(t)
    .where(and(eq(t.state, 'PENDING'), lte(t.nextAttemptTime, sql`now()`)))
    .limit(cap)
    .as('due');
  const [row] = await db.select({ count: sql<number>`count(*)::int` }).from(due);
  return Number(row?.count ?? 0);
}

export type AttemptOutcome =
  /** `eventTime`: when the event was committed (for the delivery lag). */
  | { kind: 'attempted'; succeeded: boolean; nextAttemptTime: Date | null; eventTime: Date }
  /** Nothing was sent: the delivery was abandoned (endpoint disabled) or postponed. */
  | { kind: 'skipped'; nextAttemptTime: Date | null }
  /** Another worker holds the delivery now (this one's lease lapsed): nothing was recorded. */
  | { kind: 'lost' };

/** Writes `changes` to the delivery only while this worker's lease is still the current one. */
async function updateLeased(tx: Executor, claim: ClaimedDelivery, changes: Partial<WebhookDelivery>) {
  return tx
    .update(webhookDeliveryTable)
    .set({ ...changes, leaseExpireTime: null })
    .where(and(eq(webhookDeliveryTable.id, claim.id), eq(webhookDeliveryTable.leaseExpireTime, claim.leaseExpireTime)))
    .returning();
}

/**
 * Makes one attempt of a claimed delivery and records it: the attempt row, the delivery's next
 * state (SUCCEEDED, a retry on the schedule, or FAILED when the schedule is spent), and the
 * endpoint's health (410 or five days of failures disable it).
 */
export async function attemptWebhookDelivery(
  db: Db,
  settings: WebhookSettings,
  claim: ClaimedDelivery,
  send: WebhookSender,
  renderPayload?: PayloadRenderer,
): Promise<AttemptOutcome> {
  const [loaded] = await db
    .select({ delivery: webhookDeliveryTable, event: eventTable, endpoint: webhookEndpointTable })
    .from(webhookDeliveryTable)
    .innerJoin(eventTable, eq(eventTable.id, webhookDeliveryTable.eventId))
    .innerJoin(webhookEndpointTable, eq(webhookEndpointTable.id, webhookDeliveryTable.endpointId))
    .where(eq(webhookDeliveryTable.id, claim.id));
  if (!loaded || loaded.delivery.leaseExpireTime?.getTime() !== claim.leaseExpireTime.getTime())
    return { kind: 'lost' };
  const { delivery, event, endpoint } = loaded;
  const now = new Date();

  if (endpoint.disabled) {
    const updated = await updateLeased(db, claim, { state: 'FAILED', nextAttemptTime: null, updateTime: now });
    return updated.length ? { kind: 'skipped', nextAttemptTime: null } : { kind: 'lost' };
  }
  const firstDelay = settings.retrySchedule[0] ?? 0;
  if (delivery.attemptCount === 0 && firstDelay > 0 && delivery.createTime.getTime() + firstDelay > now.getTime()) {
    const nextAttemptTime = new Date(delivery.createTime.getTime() + firstDelay);
    const updated = await updateLeased(db, claim, { nextAttemptTime, updateTime: now });
    return updated.length ? { kind: 'skipped', nextAttemptTime } : { kind: 'lost' };
  }

  const startTime = new Date();
  let result: SendResult | undefined;
  let secrets: string[] | undefined;
  try {
    secrets = signingSecrets(settings, endpoint, startTime);
  } catch {
    secrets = undefined;
  }
  let body: string | null = null;
  if (!secrets || secrets.length === 0) {
    // The key changed under the stored secrets (or none is current): sending unsigned would
    // teach receivers to skip verification, so the attempt fails without a request.
    result = {
      statusCode: null,
      error: 'the signing secret could not be read (was SECRET_ENCRYPTION_KEY changed?)',
      durationMs: 0,
      succeeded: false,
    };
  } else if (endpoint.query == null) {
    body = webhookBody(event);
  } else {
    try {
      if (!renderPayload) throw new Error('no payload renderer');
      body = await renderPayload(event, endpoint.query);
    } catch (error) {
      // Retried on the schedule like a failed request; nothing unshaped is sent instead.
      result = {
        statusCode: null,
        error: `the payload document could not be executed: ${(error as Error).message}`,
        durationMs: 0,
        succeeded: false,
      };
    }
  }
  if (body !== null && secrets) {
    const timestamp = Math.floor(startTime.getTime() / 1000);
    result = await send(
      {
        url: endpoint.url,
        body,
        traceparent: event.traceparent,
        headers: {
          'content-type': 'application/json',
          'user-agent': 'checkout-gateway-webhooks/1',
          'webhook-id': event.id,
          'webhook-timestamp': String(timestamp),
          'webhook-signature': signWebhook(secrets, event.id, timestamp, body),
        },
      },
      { timeoutMs: settings.timeoutMs, allowPrivateNetworks: settings.allowPrivateNetworks },
    );
  }
  return recordAttempt(db, settings, claim, delivery, endpoint.id, startTime, result!, event.createTime);
}

async function recordAttempt(
  db: Db,
  settings: WebhookSettings,
  claim: ClaimedDelivery,
  delivery: WebhookDelivery,
  endpointId: string,
  startTime: Date,
  result: SendResult,
  eventTime: Date,
): Promise<AttemptOutcome> {
  return db.transaction(async (tx) => {
    const recordTime = new Date();
    // Endpoint first, then delivery: the same lock order as updateWebhookEndpoint.
    const [endpoint] = await tx
      .select()
      .from(webhookEndpointTable)
      .where(eq(webhookEndpointTable.id, endpointId))
      .for('no key update');
    if (!endpoint) return { kind: 'lost' } as const;

    let disableWith: DisabledReason | null = null;
    let failingSince: Date | null = null;
    if (!result.succeeded && !endpoint.disabled) {
      failingSince = endpoint.failingSince ?? startTime;
      if (result.statusCode === 410) disableWith = 'GONE';
      else if (recordTime.getTime() - failingSince.getTime() >= FAILING_DISABLE_MS) disableWith = 'FAILING';
    }

    const attemptNumber = delivery.attemptCount + 1;
    let state: WebhookDeliveryState = 'PENDING';
    let nextAttemptTime: Date | null = null;
    if (result.succeeded) state = 'SUCCEEDED';
    else if (disableWith || endpoint.disabled || attemptNumber >= settings.retrySchedule.length) state = 'FAILED';
    else nextAttemptTime = new Date(recordTime.getTime() + withJitter(settings.retrySchedule[attemptNumber]!));

    const updated = await updateLeased(tx, claim, {
      state,
      attemptCount: attemptNumber,
      nextAttemptTime,
      updateTime: recordTime,
    });
    if (updated.length === 0) return { kind: 'lost' } as const;
    await tx.insert(webhookAttemptTable).values({
      id: newId('wha'),
      deliveryId: delivery.id,
      attemptNumber,
      startTime,
      durationMs: result.durationMs,
      statusCode: result.statusCode,
      error: result.error,
      succeeded: result.succeeded,
    });

    if (result.succeeded) {
      if (endpoint.failingSince)
        await tx
          .update(webhookEndpointTable)
          .set({ failingSince: null })
          .where(eq(webhookEndpointTable.id, endpointId));
    } else if (disableWith) {
      await tx
        .update(webhookEndpointTable)
        .set({ failingSince, disabled: true, disabledReason: disableWith, updateTime: recordTime })
        .where(eq(webhookEndpointTable.id, endpointId));
      await abandonPendingDeliveries(tx, endpointId);
    } else if (failingSince && !endpoint.failingSince) {
      await tx.update(webhookEndpointTable).set({ failingSince }).where(eq(webhookEndpointTable.id, endpointId));
    }
    return { kind: 'attempted', succeeded: result.succeeded, nextAttemptTime, eventTime } as const;
  });
}

// ---------------------------------------------------------------------------------------------
// Reading deliveries, resending

export interface ListDeliveriesOptions extends PageOptions {
  state?: WebhookDeliveryState | null;
  eventId?: string | null;
}

interface DeliveryListShape extends TimeIdPageShape {
  state: boolean;
  event: boolean;
}

interface DeliveryListValues extends TimeIdPageValues, Record<string, unknown> {
  accountId: string;
  endpointId: string;
  state: WebhookDeliveryState | null;
  eventId: string | null;
}

/** Every statement that reads a page of an endpoint's deliveries (exported for the plan test). */
export const webhookDeliveryListStatements = new StatementSet<DeliveryListShape, DeliveryListValues>(
  'webhook delivery list',
  everyCombination({
    state: [false, true],
    event: [false, true],
    after: [false, true],
    before: [false, true],
    inverted: [false, true],
  }),
  (shape) => {
    const t = webhookDeliveryTable;
    const conditions: SQL[] = [eq(t.endpointId, placeholder('endpointId')), eq(t.accountId, placeholder('accountId'))];
    if (shape.state) conditions.push(sql`${t.state} = ${placeholder('state')}::webhook_delivery_state`);
    if (shape.event) conditions.push(eq(t.eventId, placeholder('eventId')));
    return timeIdPage(t, conditions, shape);
  },
);

const deliveryReader = new RowReader(webhookDeliveryTable);

export function webhookDeliveryListQuery(accountId: string, endpointId: string, options: ListDeliveriesOptions) {
  return {
    shape: { ...timeIdPageShape(options), state: !!options.state, event: !!options.eventId },
    values: {
      accountId,
      endpointId,
      state: options.state ?? null,
      eventId: options.eventId ?? null,
      ...timeIdPageValues(options),
    },
  };
}

/** An endpoint's deliveries, newest first. */
export async function listWebhookDeliveries(
  db: Executor,
  accountId: string,
  endpointId: string,
  options: ListDeliveriesOptions,
): Promise<WebhookDelivery[]> {
  const { shape, values } = webhookDeliveryListQuery(accountId, endpointId, options);
  return webhookDeliveryListStatements.get(shape).rows(db, values, (row) => deliveryReader.read(row));
}

const attemptReader = new RowReader(webhookAttemptTable);

/**
 * The attempts of a page of deliveries, in attempt order, as one statement whatever the number
 * of deliveries (the ids are one array parameter): a range of (delivery_id, attempt_number) per id.
 */
export const webhookAttemptsStatement = new PreparedStatement<{ deliveryIds: string[] }>(
  sql`select ${attemptReader.columns} from ${webhookAttemptTable} where ${webhookAttemptTable.deliveryId} = any(${placeholder('deliveryIds')}::text[]) order by delivery_id, attempt_number`,
);

/** Batch read for DataLoader: the attempts of these deliveries, in attempt order. */
export async function getWebhookAttempts(db: Executor, deliveryIds: readonly string[]): Promise<WebhookAttempt[]> {
  if (deliveryIds.length === 0) return [];
  return webhookAttemptsStatement.rows(db, { deliveryIds: [...deliveryIds] }, (row) => attemptReader.read(row));
}

/** Batch read for DataLoader: the account's deliveries among `ids`, in no particular order. */
export async function getWebhookDeliveries(
  db: Executor,
  accountId: string,
  ids: readonly string[],
): Promise<WebhookDelivery[]> {
  if (ids.length === 0) return [];
  return db
    .select()
    .from(webhookDeliveryTable)
    .where(and(eq(webhookDeliveryTable.accountId, accountId), inArray(webhookDeliveryTable.id, [...ids])));
}

/** Batch read for DataLoader: the attempts among `ids` whose delivery is the account's. */
export async function getWebhookAttemptsById(
  db: Executor,
  accountId: string,
  ids: readonly string[],
): Promise<WebhookAttempt[]> {
  if (ids.length === 0) return [];
  return db
    .select({ attempt: webhookAttemptTable })
    .from(webhookAttemptTable)
    .innerJoin(webhookDeliveryTable, eq(webhookDeliveryTable.id, webhookAttemptTable.deliveryId))
    .where(and(eq(webhookDeliveryTable.accountId, accountId), inArray(webhookAttemptTable.id, [...ids])))
    .then((rows) => rows.map((row) => row.attempt));
}

/**
 * Queues the event for the endpoint again, as a new delivery with its own attempts and retry
 * schedule, and wakes the delivery workers. The webhook-id stays the event id, so receivers
 * that deduplicate still recognise it.
 */
export async function resendWebhookEvent(
  db: Db,
  accountId: string,
  endpointId: string,
  eventId: string,
): Promise<WebhookDelivery> {
  return db.transaction(async (tx) => {
    const endpoint = await getWebhookEndpoint(tx, accountId, endpointId);
    if (!endpoint) throw notFound('Webhook endpoint');
    if (endpoint.disabled)
      throw new DomainError('FAILED_PRECONDITION', 'The webhook endpoint is disabled; enable it before resending.');
    const [event] = await tx
      .select({ id: eventTable.id })
      .from(eventTable)
      .where(and(eq(eventTable.id, eventId), eq(eventTable.accountId, accountId)));
    if (!event) throw notFound('Event');
    const now = new Date();
    const [delivery] = await tx
      .insert(webhookDeliveryTable)
      .values({
        id: newId('whd'),
        accountId,
        eventId,
        endpointId,
        state: 'PENDING',
        nextAttemptTime: now,
        createTime: now,
        updateTime: now,
      })
      .returning();
    // Delivered at commit, like an event's own notice; carries no event id, so feeds ignore it.
    await tx.execute(sql`select pg_notify(${EVENTS_CHANNEL}, ${JSON.stringify({ accountId, deliveries: 1 })})`);
    return delivery!;
  });
}
