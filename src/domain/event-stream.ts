/**
 * Reading the committed event log: look-ups, pages, and live feeds that replay `after` an event
 * and then follow new commits without a gap or a duplicate, in every process.
 *
 * How a feed stays exact. Writers take a per-account advisory lock before inserting an event
 * (recordEvent), so within one account a higher `sequence` always commits later. Each process
 * keeps, per account that has subscribers, a watermark: the highest sequence it has handed out.
 * A NOTIFY (sent by PostgreSQL only after commit) merely says "look again"; the process then
 * reads `sequence > watermark` from the table. A lost or late NOTIFY therefore cannot lose an
 * event, and a periodic re-read covers a LISTEN connection that dropped and came back.
 */
import { and, eq, inArray, max, sql, type SQL, type SQLWrapper } from 'drizzle-orm';
import type { Database, Db, Executor } from '../db/client.js';
import { RowReader } from '../db/rows.js';
import { everyCombination, listLimit, StatementSet } from '../db/statement-set.js';
import { eventTable } from '../db/schema.js';
import type { Logger } from '../logger.js';
import { parseResourceName } from './resource-names.js';
import type { CheckoutSession } from './checkout-sessions/model.js';
import type { CheckoutSessionResource } from './checkout-sessions/resource.js';
import { DomainError, notFound } from './errors.js';
import { EVENT_TYPES, EVENTS_CHANNEL, type EventType } from './events.js';
import { hasPrefix } from './ids.js';
import { eventsCommitted } from '../observability/metrics.js';

export type EventRecord = typeof eventTable.$inferSelect;

/** Events older than this are deleted (with their webhook deliveries and attempts). */
export const EVENT_RETENTION_DAYS = 30;

export interface EventFilter {
  accountId: string;
  /** Only these types; null or empty: every type. */
  types?: readonly string[] | null;
  checkoutSessionId?: string | null;
}

function isEventType(type: string): type is EventType {
  return (EVENT_TYPES as readonly string[]).includes(type);
}

/** Checks a list of event type names from a caller; `path` locates it in their input. */
export function parseEventTypes(
  types: readonly string[] | null | undefined,
  path: (string | number)[],
): EventType[] | null {
  if (!types || types.length === 0) return null;
  const issues = types.flatMap((type, index) =>
    isEventType(type)
      ? []
      : [{ path: [...path, index], message: `"${type}" is not an event type; use one of ${EVENT_TYPES.join(', ')}` }],
  );
  if (issues.length > 0) throw new DomainError('BAD_USER_INPUT', `Invalid input: ${issues[0]!.message}`, { issues });
  return [...new Set(types as EventType[])];
}

/** Accepts an event id (`evt_…`) or its resource name (`accounts/acct_…/events/evt_…`). */
export function parseEventReference(reference: string, accountId: string, argument: string): string {
  if (reference.startsWith('accounts/')) return parseResourceName(reference, accountId, 'events', 'evt');
  if (hasPrefix(reference, 'evt')) return reference;
  throw new DomainError('BAD_USER_INPUT', `"${reference}" is not an event id (evt_…) or event name.`, {
    issues: [{ path: [argument], message: 'must be an event id (evt_…) or accounts/acct_…/events/evt_…' }],
  });
}

function matches(filter: EventFilter, event: EventRecord): boolean {
  return (
    event.accountId === filter.accountId &&
    (!filter.types || filter.types.length === 0 || filter.types.includes(event.type)) &&
    (!filter.checkoutSessionId || event.checkoutSessionId === filter.checkoutSessionId)
  );
}

export async function getEvent(db: Executor, accountId: string, eventId: string): Promise<EventRecord | undefined> {
  const [row] = await db
    .select()
    .from(eventTable)
    .where(and(eq(eventTable.id, eventId), eq(eventTable.accountId, accountId)));
  return row;
}

/** Batch read for DataLoader: the account's events among `ids`, in no particular order. */
export async function getEvents(db: Executor, accountId: string, ids: readonly string[]): Promise<EventRecord[]> {
  if (ids.length === 0) return [];
  return db
    .select()
    .from(eventTable)
    .where(and(eq(eventTable.accountId, accountId), inArray(eventTable.id, [...ids])));
}

export interface ListEventsOptions {
  limit: number;
  /** Keyset bounds on `sequence`: rows strictly below `after`, strictly above `before`. */
  after?: bigint | null;
  before?: bigint | null;
  /** Oldest first instead of newest first (for backward pagination). */
  inverted?: boolean;
}

/** The most events one read returns: a live feed catches up 500 at a time. */
const MAX_EVENT_ROWS = 500;

/** What decides an events statement's text. */
export interface EventListShape {
  /** How many event types the filter names (0: every type); each is read from its own range. */
  types: 0 | 1 | 2 | 3;
  checkoutSession: boolean;
  after: boolean;
  before: boolean;
  inverted: boolean;
}

interface EventListValues extends Record<string, unknown> {
  accountId: string;
  type1: string | null;
  type2: string | null;
  type3: string | null;
  checkoutSessionId: string | null;
  after: string | null;
  before: string | null;
  limit: number;
}

const eventPlaceholder = (name: Exclude<keyof EventListValues, number>) => sql.placeholder(name);
const TYPE_PLACEHOLDERS = ['type1', 'type2', 'type3'] as const;

/**
 * At most MAX_EVENT_ROWS of the account's events (of one type, when `type` is given) from the
 * cursor on, in list order: a range of (account_id[, type | checkout_session_id], sequence).
 */
function eventRange(shape: EventListShape, type: SQLWrapper | null): SQL {
  const t = eventTable;
  const conditions: SQL[] = [eq(t.accountId, eventPlaceholder('accountId'))];
  if (type) conditions.push(sql`${t.type} = ${type}`);
  if (shape.checkoutSession) conditions.push(eq(t.checkoutSessionId, eventPlaceholder('checkoutSessionId')));
  if (shape.after) conditions.push(sql`${t.sequence} < ${eventPlaceholder('after')}::bigint`);
  if (shape.before) conditions.push(sql`${t.sequence} > ${eventPlaceholder('before')}::bigint`);
  return sql`select * from ${t} where ${and(...conditions)} order by sequence ${sql.raw(shape.inverted ? 'asc' : 'desc')} limit ${sql.raw(String(MAX_EVENT_ROWS))}`;
}

/**
 * Newest first (oldest first when inverted), keyset-paginated on the account's sequence. Several
 * types are read as one range per type, merged: `type in (…)` would be a filter on the
 * account's whole log, read until a page of the rarest type turned up.
 */
function eventListTemplate(shape: EventListShape): SQL {
  const ranges =
    shape.types === 0
      ? [eventRange(shape, null)]
      : TYPE_PLACEHOLDERS.slice(0, shape.types).map((name) => eventRange(shape, eventPlaceholder(name)));
  const union = sql.join(
    ranges.map((range) => sql`(${range})`),
    sql` union all `,
  );
  return sql`select ${eventReader.columns} from (${union}) as ${eventTable} order by sequence ${sql.raw(shape.inverted ? 'asc' : 'desc')} limit ${eventPlaceholder('limit')}`;
}

const eventReader = new RowReader(eventTable);

/** Every statement that reads a page of events (exported for the plan test). */
export const eventListStatements = new StatementSet<EventListShape, EventListValues>(
  'event list',
  everyCombination({
    types: [0, 1, 2, 3] as const,
    checkoutSession: [false, true],
    after: [false, true],
    before: [false, true],
    inverted: [false, true],
  }),
  eventListTemplate,
);

function distinctTypes(filter: EventFilter): string[] {
  return [...new Set(filter.types ?? [])];
}

/** The shape and values of the statement that reads `options` of `filter`. */
export function eventListQuery(
  filter: EventFilter,
  options: ListEventsOptions,
): { shape: EventListShape; values: EventListValues } {
  const types = distinctTypes(filter);
  if (types.length > TYPE_PLACEHOLDERS.length)
    throw new Error(`an events filter names at most ${TYPE_PLACEHOLDERS.length} types`);
  return {
    shape: {
      types: types.length as EventListShape['types'],
      checkoutSession: !!filter.checkoutSessionId,
      after: options.after != null,
      before: options.before != null,
      inverted: !!options.inverted,
    },
    values: {
      accountId: filter.accountId,
      type1: types[0] ?? null,
      type2: types[1] ?? null,
      type3: types[2] ?? null,
      checkoutSessionId: filter.checkoutSessionId ?? null,
      after: options.after?.toString() ?? null,
      before: options.before?.toString() ?? null,
      limit: listLimit(options.limit, MAX_EVENT_ROWS),
    },
  };
}

/** Newest first, keyset-paginated on the account's sequence. */
export async function listEvents(
  db: Executor,
  filter: EventFilter,
  options: ListEventsOptions,
): Promise<EventRecord[]> {
  const { shape, values } = eventListQuery(filter, options);
  return eventListStatements.get(shape).rows(db, values, (row) => eventReader.read(row));
}

/** Committed events after `afterSequence`, up to `upTo` inclusive, oldest first. */
async function readEventsAfter(
  db: Executor,
  filter: EventFilter,
  afterSequence: bigint,
  upTo: bigint | null,
  limit: number,
) {
  return listEvents(db, filter, {
    limit,
    inverted: true,
    before: afterSequence,
    after: upTo === null ? null : upTo + 1n,
  });
}

/**
 * The checkout session as the event recorded it (the webhook payload's object), in the shape
 * of a row, so that readers see the session as it was when the event happened.
 */
export function checkoutSessionAtEvent(event: EventRecord): CheckoutSession {
  const resource = (event.data as { checkout_session?: CheckoutSessionResource }).checkout_session;
  if (!resource) throw new Error(`event ${event.id} carries no checkout_session`);
  return {
    id: resource.name.split('/').pop()!,
    accountId: event.accountId,
    state: resource.state,
    amount: BigInt(resource.amount),
    currency: resource.currency,
    clientReferenceId: resource.client_reference_id,
    successUrl: resource.success_url,
    cancelUrl: resource.cancel_url,
    metadata: resource.metadata,
    paymentIntentId: resource.payment_intent.split('/').pop()!,
    expireTime: new Date(resource.expire_time),
    createTime: new Date(resource.create_time),
    updateTime: new Date(resource.update_time),
  };
}

// ---------------------------------------------------------------------------------------------
// Live fan-out

/** What a NOTIFY on EVENTS_CHANNEL may carry (events.ts writes events; webhooks.ts resends). */
interface Notice {
  accountId?: string;
  id?: string;
  /** Webhook deliveries the change queued: a reason to wake the delivery workers. */
  deliveries?: number;
}

type Listener = (events: EventRecord[]) => void;

const PAGE = 500;

/** One account's watermark and listeners within this process. */
class AccountFeed {
  readonly listeners = new Set<Listener>();
  /** Highest sequence handed to listeners; unset until the first read of the log. */
  watermark: bigint | undefined;
  readonly ready: Promise<void>;
  private reading = false;
  private again = false;

  constructor(
    private readonly db: Db,
    private readonly accountId: string,
    private readonly logger: Logger,
  ) {
    this.ready = this.init();
  }

  private async init() {
    const [row] = await this.db
      .select({ top: max(eventTable.sequence) })
      .from(eventTable)
      .where(eq(eventTable.accountId, this.accountId));
    this.watermark = row?.top ?? 0n;
    if (this.again) this.refresh();
  }

  /** Reads what committed past the watermark and hands it out; coalesces concurrent calls. */
  refresh() {
    if (this.watermark === undefined || this.reading) {
      this.again = true;
      return;
    }
    this.reading = true;
    void (async () => {
      try {
        do {
          this.again = false;
          const rows = await readEventsAfter(this.db, { accountId: this.accountId }, this.watermark!, null, PAGE);
          if (rows.length === 0) break;
          // Watermark and hand-out in one synchronous step: a listener that registers between
          // two reads gets exactly the events above the watermark it was given.
          this.watermark = rows[rows.length - 1]!.sequence;
          for (const listener of this.listeners) listener(rows);
          if (rows.length === PAGE) this.again = true;
        } while (this.again && this.listeners.size > 0);
      } catch (error) {
        // The next NOTIFY or the periodic re-read tries again from the same watermark.
        this.logger.error('reading the event log failed', { error, accountId: this.accountId });
      } finally {
        this.reading = false;
      }
    })();
  }
}

/**
 * The process's one LISTEN on the events channel, shared by every subscription and by the
 * webhook delivery workers.
 */
export class EventHub {
  private readonly feeds = new Map<string, AccountFeed>();
  private readonly streams = new Set<EventStream>();
  private readonly webhookWaiters = new Set<() => void>();
  private unlisten: (() => Promise<void>) | undefined;
  private timer: NodeJS.Timeout | undefined;
  private db: Db | undefined;

  constructor(
    private readonly logger: Logger,
    /** How often live accounts re-read the log regardless of NOTIFY (a dropped LISTEN connection loses notices). */
    private readonly rereadMs = 10_000,
  ) {}

  async start(database: Database): Promise<void> {
    this.db = database.db;
    this.unlisten = await database.listen(EVENTS_CHANNEL, (payload) => this.onNotice(payload));
    this.timer = setInterval(() => {
      for (const feed of this.feeds.values()) feed.refresh();
    }, this.rereadMs);
    this.timer.unref();
  }

  /** Ends every open stream (their clients see the subscription complete) and stops listening. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    for (const stream of [...this.streams]) stream.end();
    const unlisten = this.unlisten;
    this.unlisten = undefined;
    await unlisten?.().catch((error: unknown) => this.logger.warn('unlisten failed', { error }));
  }

  /**
   * A view of the hub whose streams also end when `watch` calls its `end`: the subscriber is
   * handed `error` as the stream's last item, then the stream completes. The caller's key being
   * revoked is the reason today; `watch` returns the function that stops watching.
   */
  endingWhen(watch: (end: (error: Error) => void) => () => void): EventHub {
    const view = Object.create(this) as EventHub;
    view.open = async (filter, afterEventId) => {
      const stream = await this.open(filter, afterEventId);
      stream.onEnded(watch((error) => stream.fail(error)));
      return stream;
    };
    return view;
  }

  /** Calls `wake` whenever a committed change queued webhook deliveries. */
  onWebhookWork(wake: () => void): () => void {
    this.webhookWaiters.add(wake);
    return () => this.webhookWaiters.delete(wake);
  }

  private onNotice(payload: string) {
    let notice: Notice;
    try {
      notice = JSON.parse(payload) as Notice;
    } catch {
      this.logger.warn('ignored a malformed notice on the events channel');
      return;
    }
    if ((notice.deliveries ?? 0) > 0) for (const wake of this.webhookWaiters) wake();
    if (notice.accountId && notice.id) {
      eventsCommitted.inc();
      this.feeds.get(notice.accountId)?.refresh();
    }
  }

  /**
   * Starts handing the account's newly committed events to `listener`. Resolves with the
   * watermark: the listener gets exactly the events above it, in order, each once.
   */
  async register(accountId: string, listener: Listener): Promise<{ watermark: bigint; unregister(): void }> {
    if (!this.db) throw new Error('the event hub has not started');
    let feed = this.feeds.get(accountId);
    if (!feed) {
      feed = new AccountFeed(this.db, accountId, this.logger);
      this.feeds.set(accountId, feed);
    }
    const current = feed;
    try {
      await current.ready;
    } catch (error) {
      if (this.feeds.get(accountId) === current && current.listeners.size === 0) this.feeds.delete(accountId);
      throw error;
    }
    // Synchronous from here to the return: no read can complete in between.
    current.listeners.add(listener);
    return {
      watermark: current.watermark!,
      unregister: () => {
        current.listeners.delete(listener);
        if (current.listeners.size === 0 && this.feeds.get(accountId) === current) this.feeds.delete(accountId);
      },
    };
  }

  /**
   * A feed of the account's committed events matching `filter`: with `afterEventId`, first
   * every matching event committed after that one, in order, then live ones. Throws NOT_FOUND
   * when the account has no such event (or it is older than the retention).
   */
  async open(filter: EventFilter, afterEventId?: string | null): Promise<EventStream> {
    const stream = new EventStream(this.db!, filter, () => this.streams.delete(stream));
    // Listen before reading the log: whatever commits while we replay waits in the buffer.
    const registration = await this.register(filter.accountId, (events) => stream.push(events));
    stream.attach(registration.unregister);
    this.streams.add(stream);
    try {
      if (afterEventId) {
        const after = await getEvent(this.db!, filter.accountId, afterEventId);
        if (!after) throw notFound('Event');
        stream.replayBetween(after.sequence, registration.watermark);
      } else {
        stream.startLiveAbove(registration.watermark);
      }
    } catch (error) {
      stream.end();
      throw error;
    }
    return stream;
  }
}

/** Live events a slow client may leave unread before its stream is ended (it can resume `after`). */
const MAX_BUFFERED = 10_000;
const REPLAY_PAGE = 200;

/**
 * An async iterator over one subscriber's events. Pull-based while replaying (one page of the
 * log at a time), buffered while live. `return()` (the client went away) ends it at once, even
 * while a `next()` is waiting.
 */
export class EventStream implements AsyncIterableIterator<EventRecord> {
  private readonly live: EventRecord[] = [];
  private replayed: EventRecord[] = [];
  /** Replay reads the log in (replayFrom, replayTo]; live events are all above replayTo. */
  private replayFrom: bigint | null = null;
  private replayTo = 0n;
  /** Highest sequence handed out: a second guard against duplicates. */
  private lastSent = -1n;
  private waiting: ((result: IteratorResult<EventRecord>) => void) | undefined;
  private ended = false;
  private unregister: (() => void) | undefined;
  private readonly cleanups: (() => void)[] = [];
  /** Handed to the subscriber as the last item when the stream was ended by `fail`. */
  private failure: Error | undefined;

  constructor(
    private readonly db: Db,
    private readonly filter: EventFilter,
    private readonly onEnd: () => void,
  ) {}

  attach(unregister: () => void) {
    this.unregister = unregister;
  }

  replayBetween(afterSequence: bigint, upTo: bigint) {
    this.replayFrom = afterSequence;
    this.replayTo = upTo;
    this.lastSent = afterSequence;
  }

  startLiveAbove(watermark: bigint) {
    this.lastSent = watermark;
  }

  push(events: EventRecord[]) {
    if (this.ended) return;
    for (const event of events) if (matches(this.filter, event)) this.live.push(event);
    if (this.live.length > MAX_BUFFERED) {
      this.end();
      return;
    }
    this.deliver();
  }

  /** Hands the next buffered live event to a waiting `next()`, if both exist. */
  private deliver() {
    if (!this.waiting || this.replayFrom !== null) return;
    const event = this.takeLive();
    if (!event) return;
    const resolve = this.waiting;
    this.waiting = undefined;
    resolve({ value: event, done: false });
  }

  private takeLive(): EventRecord | undefined {
    while (this.live.length > 0) {
      const event = this.live.shift()!;
      if (event.sequence > this.lastSent) {
        this.lastSent = event.sequence;
        return event;
      }
    }
    return undefined;
  }

  async next(): Promise<IteratorResult<EventRecord>> {
    while (!this.ended && this.replayFrom !== null) {
      if (this.replayed.length === 0) {
        const page = await readEventsAfter(this.db, this.filter, this.replayFrom, this.replayTo, REPLAY_PAGE);
        if (this.ended) break;
        if (page.length === 0) {
          this.replayFrom = null;
          break;
        }
        this.replayFrom = page[page.length - 1]!.sequence;
        this.replayed = page;
      }
      const event = this.replayed.shift()!;
      this.lastSent = event.sequence;
      return { value: event, done: false };
    }
    if (this.ended) return this.finalResult();
    const event = this.takeLive();
    if (event) return { value: event, done: false };
    return new Promise((resolve) => {
      this.waiting = resolve;
    });
  }

  /** Runs `cleanup` when the stream ends (at once if it has). */
  onEnded(cleanup: () => void) {
    if (this.ended) cleanup();
    else this.cleanups.push(cleanup);
  }

  /** Stops the stream: releases its registration and completes a pending `next()`. */
  end() {
    if (this.ended) return;
    this.ended = true;
    this.unregister?.();
    this.onEnd();
    for (const cleanup of this.cleanups.splice(0)) cleanup();
    this.live.length = 0;
    this.replayed = [];
    const resolve = this.waiting;
    this.waiting = undefined;
    resolve?.(this.finalResult());
  }

  /** Ends the stream with `error` as its last item (GraphQL reports it as the field's error). */
  fail(error: Error) {
    if (this.ended) return;
    this.failure = error;
    this.end();
  }

  /**
   * After the end: the failure once, if there is one, then done. The failure is handed out as
   * an item, not thrown: graphql-js reports a resolved Error value as an ordinary error in the
   * payload, which every transport then sends, whereas a throwing iterator merely aborts an SSE
   * response.
   */
  private finalResult(): IteratorResult<EventRecord> {
    const failure = this.failure;
    this.failure = undefined;
    return failure ? { value: failure as unknown as EventRecord, done: false } : { value: undefined, done: true };
  }

  async return(): Promise<IteratorResult<EventRecord>> {
    this.end();
    return { value: undefined, done: true };
  }

  async throw(error?: unknown): Promise<IteratorResult<EventRecord>> {
    this.end();
    throw error;
  }

  [Symbol.asyncIterator]() {
    return this;
  }
}

const MAX_SEQUENCE = 2n ** 63n - 1n;

export function eventSequenceCursor(event: EventRecord): string {
  return Buffer.from(`evt|${event.sequence.toString()}`).toString('base64url');
}

export function parseEventSequenceCursor(cursor: string | undefined, argument: 'after' | 'before'): bigint | null {
  if (cursor === undefined) return null;
  const match = /^evt\|(\d{1,19})$/.exec(Buffer.from(cursor, 'base64url').toString());
  // A sequence is a bigint column: a larger number would fail the query instead of the cursor.
  if (!match || BigInt(match[1]!) > MAX_SEQUENCE) {
    throw new DomainError('BAD_USER_INPUT', `The ${argument} cursor is not one this API returned.`, {
      issues: [{ path: [argument], message: 'is not a cursor returned by this API' }],
    });
  }
  return BigInt(match[1]!);
}
