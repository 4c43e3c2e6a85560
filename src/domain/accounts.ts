import { createHash, timingSafeEqual } from 'node:crypto';
import { and, eq, isNull, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { accountTable, apiKeyTable } from '../db/schema.js';
import { newId, randomToken } from './ids.js';

export interface Account {
  id: string;
  displayName: string;
  createTime: Date;
}

export function accountName(accountId: string): string {
  return `accounts/${accountId}`;
}

function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** A new account key: `sk_` and 32 base62 characters (about 190 random bits). */
function generateApiKey(): string {
  return `sk_${randomToken(32)}`;
}

export async function createApiKey(db: Db, accountId: string): Promise<string> {
  const key = generateApiKey();
  await db.insert(apiKeyTable).values({
    id: newId('key'),
    accountId,
    keyHash: hashKey(key),
    keyPrefix: key.slice(0, 7),
  });
  return key;
}

/** Creates an account and its first API key; the key is returned here and never again. */
export async function createAccount(db: Db, displayName: string): Promise<{ account: Account; apiKey: string }> {
  const key = generateApiKey();
  const account = await db.transaction(async (tx) => {
    const [row] = await tx.insert(accountTable).values({ id: newId('acct'), displayName }).returning();
    await tx.insert(apiKeyTable).values({
      id: newId('key'),
      accountId: row!.id,
      keyHash: hashKey(key),
      keyPrefix: key.slice(0, 7),
    });
    return row!;
  });
  return { account, apiKey: key };
}

export async function getAccount(db: Db, accountId: string): Promise<Account | undefined> {
  const [row] = await db.select().from(accountTable).where(eq(accountTable.id, accountId));
  return row;
}

export type Principal = { role: 'admin' } | { role: 'account'; accountId: string };

/**
 * Resolves `Authorization: Api-Key …` values. Successful look-ups are cached briefly, since
 * every request pays for one; a revoked key therefore stops working within `cacheMs`.
 */
export class ApiKeyAuthenticator {
  private readonly cache = new Map<string, { accountId: string; expires: number }>();
  private readonly adminHash: Buffer | undefined;

  constructor(
    private readonly db: Db,
    adminApiKey: string | undefined,
    private readonly cacheMs = 10_000,
  ) {
    this.adminHash = adminApiKey ? Buffer.from(hashKey(adminApiKey), 'hex') : undefined;
  }

  /** Null for a missing, unknown or revoked key. */
  async authenticate(authorization: string | null | undefined): Promise<Principal | null> {
    const match = /^Api-Key\s+(\S+)\s*$/i.exec(authorization ?? '');
    if (!match) return null;
    const key = match[1]!;
    const hash = hashKey(key);
    if (this.adminHash && timingSafeEqual(this.adminHash, Buffer.from(hash, 'hex'))) return { role: 'admin' };
    if (!key.startsWith('sk_')) return null;
    const cached = this.cache.get(hash);
    const now = Date.now();
    if (cached && cached.expires > now) return { role: 'account', accountId: cached.accountId };
    const [row] = await this.db
      .select({ accountId: apiKeyTable.accountId })
      .from(apiKeyTable)
      .where(and(eq(apiKeyTable.keyHash, hash), isNull(apiKeyTable.revokeTime)));
    if (!row) {
      this.cache.delete(hash);
      return null;
    }
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(hash, { accountId: row.accountId, expires: now + this.cacheMs });
    return { role: 'account', accountId: row.accountId };
  }
}

export const DEMO_ACCOUNT_NAME = 'Demo account';

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
