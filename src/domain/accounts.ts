import { createHash, timingSafeEqual } from 'node:crypto';
import { and, eq, gt, inArray, isNull, lt, or, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { accountTable, apiKeyTable } from '../db/schema.js';
import { z } from 'zod';
import { newId, randomToken } from './ids.js';

export interface Account {
  id: string;
  displayName: string;
  createTime: Date;
}

export function accountName(accountId: string): string {
  return `accounts/${accountId}`;
}

export function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** A new account key: `sk_` and 32 base62 characters (about 190 random bits). */
export function generateApiKey(): string {
  return `sk_${randomToken(32)}`;
}

export async function createApiKey(db: Db, accountId: string): Promise<string> {
  const key = generateApiKey();
  await db.insert(apiKeyTable).values({
    id: newId('key'),
    accountId,
    keyHash: hashKey(key),
    keyPrefix: key.slice(0, 7),
    displayName: 'Demo key',
  });
  return key;
}

/** Creates an account and its first API key; the key is returned here and never again. */
/** The most characters an account's display name may have. */
export const MAX_ACCOUNT_NAME_CHARS = 100;

/** A new account's display name as a caller may give it: trimmed, 1 to 100 characters. */
export const accountDisplayNameSchema = z
  .string()
  .trim()
  .min(1, `must be 1 to ${MAX_ACCOUNT_NAME_CHARS} characters`)
  .max(MAX_ACCOUNT_NAME_CHARS, `must be 1 to ${MAX_ACCOUNT_NAME_CHARS} characters`);

export async function createAccount(db: Db, displayName: string): Promise<{ account: Account; apiKey: string }> {
  const key = generateApiKey();
  const account = await db.transaction(async (tx) => {
    const [row] = await tx
      .insert(accountTable)
      .values({ id: newId('acct'), displayName })
      .returning();
    await tx.insert(apiKeyTable).values({
      id: newId('key'),
      accountId: row!.id,
      keyHash: hashKey(key),
      keyPrefix: key.slice(0, 7),
      displayName: 'Default key',
    });
    return row!;
  });
  return { account, apiKey: key };
}

export async function getAccount(db: Db, accountId: string): Promise<Account | undefined> {
  const [row] = await db.select().from(accountTable).where(eq(accountTable.id, accountId));
  return row;
}

/** Who is calling: the platform key, or an account key (`keyId` names the key, for revocation). */
export type Principal = { role: 'admin' } | { role: 'account'; accountId: string; keyId: string };

/**
 * Failed look-ups allowed per client address. The composition root passes a rate limiter (its
 * counters may live in Redis); the domain only needs these two calls of it.
 */
export interface FailureBudget {
  /** Throws RATE_LIMITED when `key` has nothing left, without taking anything. */
  check(key: string): Promise<void>;
  /** Takes one for `key` if any is left; never throws (the next `check` refuses). */
  spend(key: string): Promise<void>;
}

export interface AuthenticatorOptions {
  /**
   * How long a successful look-up is trusted, and how often keys with open streams are checked
   * again: a revoked key stops working, and its streams end, within about this long.
   */
  cacheMs?: number;
  /** Failed look-ups per client address, checked before the database is asked. */
  failures: FailureBudget;
}

/** Entries per cache: an attacker's flood of unknown keys evicts the oldest, never grows memory. */
const MAX_CACHED_KEYS = 10_000;

/** Keeps at most MAX_CACHED_KEYS entries, evicting the oldest (Maps iterate in insertion order). */
function remember<V>(cache: Map<string, V>, key: string, value: V) {
  cache.delete(key);
  if (cache.size >= MAX_CACHED_KEYS) cache.delete(cache.keys().next().value!);
  cache.set(key, value);
}

/** The condition a key must meet to be used: an expired key counts as a revoked one. */
const keyIsLive = () =>
  and(isNull(apiKeyTable.revokeTime), or(isNull(apiKeyTable.expireTime), gt(apiKeyTable.expireTime, sql`now()`)));

/** "Last used" is written at most this often per key and process, so requests never wait on it. */
const LAST_USED_RESOLUTION_MS = 60_000;

/**
 * Resolves `Authorization: Api-Key …` values. Every request pays for one look-up, so:
 * - successful look-ups are cached for `cacheMs`, so a revoked key stops working within that;
 * - failed ones too (briefly, in a bounded map), so repeating a wrong key costs no query;
 * - failures are limited per client address, checked before the database is asked, so a flood
 *   of random `sk_` keys costs at most the burst in queries, then RATE_LIMITED answers.
 * Keys with open streams are checked again every `cacheMs` (`watch`): a revoked key's streams
 * end within the same bound as its requests.
 */
export class ApiKeyAuthenticator {
  private readonly cache = new Map<string, { accountId: string; keyId: string; expires: number }>();
  private readonly unknown = new Map<string, number>();
  private readonly watchers = new Map<string, Set<() => void>>();
  /** When each key's "last used" was last written from here. */
  private readonly lastUsedWritten = new Map<string, number>();
  private readonly failures: FailureBudget;
  private readonly adminHash: Buffer | undefined;
  private readonly cacheMs: number;
  private timer: NodeJS.Timeout | undefined;
  private revalidating: Promise<void> | undefined;

  constructor(
    private readonly db: Db,
    adminApiKey: string | undefined,
    options: AuthenticatorOptions,
  ) {
    this.adminHash = adminApiKey ? Buffer.from(hashKey(adminApiKey), 'hex') : undefined;
    this.cacheMs = options.cacheMs ?? 10_000;
    this.failures = options.failures;
  }

  /**
   * Null for a missing, unknown or revoked key. Throws RATE_LIMITED when `clientAddress` has
   * failed too often, for any key that is not already known good.
   */
  authenticate(authorization: string | null | undefined, clientAddress = 'unknown'): Promise<Principal | null> {
    return this.lookUp(authorization, clientAddress, true);
  }

  /**
   * Like authenticate, for a look-up made ahead of the one that charges the request (a trusted
   * document's account, an SSE stream's owner): refused when the address is over its failed-key
   * limit, but a failure here is not counted, so one request counts one failure, not two.
   */
  identify(authorization: string | null | undefined, clientAddress = 'unknown'): Promise<Principal | null> {
    return this.lookUp(authorization, clientAddress, false);
  }

  private async lookUp(
    authorization: string | null | undefined,
    clientAddress: string,
    countFailure: boolean,
  ): Promise<Principal | null> {
    const match = /^Api-Key\s+(\S+)\s*$/i.exec(authorization ?? '');
    if (!match) return null;
    const key = match[1]!;
    const hash = hashKey(key);
    if (this.adminHash && timingSafeEqual(this.adminHash, Buffer.from(hash, 'hex'))) return { role: 'admin' };
    // Nothing else can be a key: no look-up, nothing to limit.
    if (!key.startsWith('sk_')) return null;
    const now = Date.now();
    const cached = this.cache.get(hash);
    if (cached && cached.expires > now) {
      this.noteUse(cached.keyId, now);
      return { role: 'account', accountId: cached.accountId, keyId: cached.keyId };
    }
    await this.failures.check(clientAddress);
    if ((this.unknown.get(hash) ?? 0) > now) {
      if (countFailure) await this.failures.spend(clientAddress);
      return null;
    }
    const [row] = await this.db
      .select({ accountId: apiKeyTable.accountId, keyId: apiKeyTable.id, expireTime: apiKeyTable.expireTime })
      .from(apiKeyTable)
      .where(and(eq(apiKeyTable.keyHash, hash), keyIsLive()));
    if (!row) {
      this.cache.delete(hash);
      remember(this.unknown, hash, now + this.cacheMs);
      if (countFailure) await this.failures.spend(clientAddress);
      return null;
    }
    // A key that expires sooner than the cache period stops at its expiry exactly.
    const expires = Math.min(now + this.cacheMs, row.expireTime?.getTime() ?? Number.POSITIVE_INFINITY);
    remember(this.cache, hash, { accountId: row.accountId, keyId: row.keyId, expires });
    this.noteUse(row.keyId, now);
    return { role: 'account', accountId: row.accountId, keyId: row.keyId };
  }

  /**
   * Records that a key was used, at most once a minute per key, after the request and without
   * waiting: a write per request would double the cost of every read. A failed write is skipped
   * (the next minute writes again).
   */
  private noteUse(keyId: string, now: number) {
    if ((this.lastUsedWritten.get(keyId) ?? 0) > now - LAST_USED_RESOLUTION_MS) return;
    remember(this.lastUsedWritten, keyId, now);
    const usedAt = new Date(now);
    // Other processes write too: only ever move the time forward.
    setImmediate(() => {
      this.db
        .update(apiKeyTable)
        .set({ lastUsedTime: usedAt })
        .where(
          and(eq(apiKeyTable.id, keyId), or(isNull(apiKeyTable.lastUsedTime), lt(apiKeyTable.lastUsedTime, usedAt))),
        )
        .then(
          () => {},
          () => {},
        );
    });
  }

  /**
   * Calls `onGone` once when the principal's key is found revoked (or deleted) by a later check,
   * run every `cacheMs` while anything watches. Returns the function that stops watching.
   * The platform key lives in the configuration and cannot be revoked while running.
   */
  watch(principal: Principal, onGone: () => void): () => void {
    if (principal.role !== 'account') return () => {};
    const { keyId } = principal;
    let set = this.watchers.get(keyId);
    if (!set) {
      set = new Set();
      this.watchers.set(keyId, set);
    }
    // A wrapper per call, so watching twice with one callback needs two unwatches.
    const entry = () => onGone();
    set.add(entry);
    if (!this.timer) {
      this.timer = setInterval(() => void this.revalidate(), this.cacheMs);
      this.timer.unref();
    }
    return () => {
      const current = this.watchers.get(keyId);
      if (!current?.delete(entry) || current.size > 0) return;
      this.watchers.delete(keyId);
      if (this.watchers.size === 0) this.stopTimer();
    };
  }

  /**
   * Checks every watched key against the database now; ends the watches of those no longer
   * live and forgets them from the cache. The timer runs it; a revocation made in this process
   * may call it to act at once.
   */
  revalidate(): Promise<void> {
    this.revalidating ??= this.checkWatchedKeys().finally(() => (this.revalidating = undefined));
    return this.revalidating;
  }

  private async checkWatchedKeys(): Promise<void> {
    const keyIds = [...this.watchers.keys()];
    const live = new Set<string>();
    try {
      for (let index = 0; index < keyIds.length; index += 1000) {
        const rows = await this.db
          .select({ keyId: apiKeyTable.id })
          .from(apiKeyTable)
          .where(and(inArray(apiKeyTable.id, keyIds.slice(index, index + 1000)), keyIsLive()));
        for (const row of rows) live.add(row.keyId);
      }
    } catch {
      // The database is away: streams keep going, and the next round checks again.
      return;
    }
    const gone = keyIds.filter((keyId) => !live.has(keyId));
    if (gone.length === 0) return;
    const goneSet = new Set(gone);
    for (const [hash, entry] of this.cache) if (goneSet.has(entry.keyId)) this.cache.delete(hash);
    for (const keyId of gone) {
      const callbacks = this.watchers.get(keyId);
      this.watchers.delete(keyId);
      for (const callback of callbacks ?? []) callback();
    }
    if (this.watchers.size === 0) this.stopTimer();
  }

  private stopTimer() {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Stops the periodic checks (on shutdown). */
  close(): void {
    this.stopTimer();
    this.watchers.clear();
  }
}

const DEMO_ACCOUNT_NAME = 'Demo account';

/**
 * For the embedded development database: makes sure a demo account exists and issues a fresh
 * key for it, so that each start can print (and prefill into GraphiQL) a key that works.
 */
export async function issueDemoApiKey(
  db: Db,
  { createIfMissing }: { createIfMissing: boolean },
): Promise<{ accountId: string; apiKey: string; created: boolean } | undefined> {
  const [existing] = await db
    .select()
    .from(accountTable)
    .where(eq(accountTable.displayName, DEMO_ACCOUNT_NAME))
    .orderBy(sql`${accountTable.createTime} asc`)
    .limit(1);
  if (existing) return { accountId: existing.id, apiKey: await createApiKey(db, existing.id), created: false };
  if (!createIfMissing) return undefined;
  const { account, apiKey } = await createAccount(db, DEMO_ACCOUNT_NAME);
  return { accountId: account.id, apiKey, created: true };
}

export async function countAccounts(db: Db): Promise<number> {
  const [row] = await db.select({ n: sql<number>`count(*)::int` }).from(accountTable);
  return row?.n ?? 0;
}
