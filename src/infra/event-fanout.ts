/**
 * The process's one LISTEN on the events channel, fanned out to every live subscription (each an
 * EventStream, which buffers for its subscriber) and to the webhook delivery workers: per account
 * with subscribers, a watermark, and a timer that re-reads the log regardless of NOTIFY.
 *
 * How a feed stays exact. Writers take a per-account advisory lock before inserting an event
 * (recordEvent), so within one account a higher `sequence` always commits later. Each process
 * keeps, per account that has subscribers, a watermark: the highest sequence it has handed out.
 * A NOTIFY (sent by PostgreSQL only after commit) merely says "look again"; the process then
 * reads `sequence > watermark` from the table. A lost or late NOTIFY therefore cannot lose an
 * event, and a periodic re-read covers a LISTEN connection that dropped and came back.
 */
import { eq, max } from 'drizzle-orm';
import type { Database, Db } from '../db/client.js';
import { eventTable } from '../db/schema.js';
import { notFound } from '../domain/errors.js';
import { EVENTS_CHANNEL, type EventRecord } from '../domain/events/event.js';
import { getEvent, readEventsAfter, type EventFilter } from '../domain/events/reads.js';
import { EventStream } from '../domain/events/stream.js';
import type { Logger } from '../observability/logger.js';
import { eventsCommitted } from '../observability/metrics.js';

/** What a NOTIFY on EVENTS_CHANNEL may carry (sent with every event written, and by a webhook resend). */
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
