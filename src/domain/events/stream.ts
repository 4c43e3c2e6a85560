/**
 * One subscriber's feed of the committed event log: a replay `after` an event, then the live
 * events the process's fan-out (infra/event-fanout.ts) hands it, without a gap or a duplicate.
 */
import type { Db } from '../../db/client.js';
import type { EventRecord } from './event.js';
import { eventMatches, readEventsAfter, type EventFilter } from './reads.js';

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
    for (const event of events) if (eventMatches(this.filter, event)) this.live.push(event);
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
