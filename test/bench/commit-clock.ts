/**
 * When did a change commit? PostgreSQL delivers a NOTIFY only at commit, so the bench's own
 * LISTEN on the events channel (one connection, loopback, sub-millisecond) timestamps every
 * event's commit on the same clock the subscribers and the webhook receiver use.
 */
import { performance } from 'node:perf_hooks';
import type { Sql } from 'postgres';

interface Commit {
  eventId: string;
  at: number;
}

export class CommitClock {
  private readonly byEvent = new Map<string, number>();
  /** `${checkoutSessionId} ${type}` → the commit of that event. */
  private readonly bySession = new Map<string, Commit>();
  private readonly waiters = new Map<string, (commit: Commit) => void>();
  private unlisten: (() => Promise<void>) | undefined;

  async start(sql: Sql): Promise<void> {
    const subscription = await sql.listen('checkout_events', (payload) => {
      const at = performance.now();
      const notice = JSON.parse(payload) as { id?: string; type?: string; checkoutSessionId?: string | null };
      if (!notice.id) return;
      this.byEvent.set(notice.id, at);
      if (notice.checkoutSessionId && notice.type) {
        const key = `${notice.checkoutSessionId} ${notice.type}`;
        const commit = { eventId: notice.id, at };
        this.bySession.set(key, commit);
        this.waiters.get(key)?.(commit);
        this.waiters.delete(key);
      }
    });
    this.unlisten = () => subscription.unlisten();
  }

  /** The commit of `checkout_session.<type>` for a session, waiting up to `timeoutMs` for it. */
  commitOf(checkoutSessionId: string, type: string, timeoutMs = 10_000): Promise<Commit> {
    const key = `${checkoutSessionId} ${type}`;
    const known = this.bySession.get(key);
    if (known) return Promise.resolve(known);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(key);
        reject(new Error(`no commit of ${type} for ${checkoutSessionId} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.set(key, (commit) => {
        clearTimeout(timer);
        resolve(commit);
      });
    });
  }

  commitTimeOfEvent(eventId: string): number | undefined {
    return this.byEvent.get(eventId);
  }

  async stop(): Promise<void> {
    await this.unlisten?.();
  }
}
