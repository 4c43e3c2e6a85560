/**
 * The API keys an account manages itself: list, create, revoke and roll (Stripe's roll: a new
 * key, the old one working for a while beside it). Authentication itself is in accounts.ts.
 *
 * One rule holds throughout: an account always keeps a key that neither is revoked nor has an
 * expiry, so it can never lock itself out. Every change that could break it takes the account
 * row's lock first, so two concurrent revokes of the last two such keys leave one.
 */
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Db, Executor, Tx } from '../db/client.js';
import { type KeysetPage, keysetBounds, keysetOrder, keysetShape } from '../db/keyset.js';
import { accountTable, apiKeyTable } from '../db/schema.js';
import { generateApiKey, hashKey } from './accounts.js';
import { badInput, DomainError, notFound, type InputIssue } from './errors.js';
import { newId } from './ids.js';
import { textProblem } from './validation.js';

/** A key as its account sees it: never the key itself, nor its hash. */
export interface ApiKey {
  id: string;
  accountId: string;
  displayName: string;
  keyPrefix: string;
  createTime: Date;
  revokeTime: Date | null;
  expireTime: Date | null;
  lastUsedTime: Date | null;
}

const apiKeyColumns = {
  id: apiKeyTable.id,
  accountId: apiKeyTable.accountId,
  displayName: apiKeyTable.displayName,
  keyPrefix: apiKeyTable.keyPrefix,
  createTime: apiKeyTable.createTime,
  revokeTime: apiKeyTable.revokeTime,
  expireTime: apiKeyTable.expireTime,
  lastUsedTime: apiKeyTable.lastUsedTime,
};

/** The longest a rolled key keeps working beside its successor. */
export const MAX_ROLL_OVERLAP_SECONDS = 7 * 24 * 3600;
/** Keys an account may hold that are not revoked (expired ones included until revoked). */
export const MAX_API_KEYS = 50;
const MAX_DISPLAY_NAME = 100;

export function apiKeyName(accountId: string, keyId: string): string {
  return `accounts/${accountId}/api-keys/${keyId}`;
}

/** Usable now: neither revoked nor past its expiry. */
export function apiKeyUsable(key: ApiKey, now = new Date()): boolean {
  return key.revokeTime === null && (key.expireTime === null || key.expireTime.getTime() > now.getTime());
}

/** What keeps an account from being locked out: usable, and never expiring. */
function permanent(key: ApiKey): boolean {
  return key.revokeTime === null && key.expireTime === null;
}

export async function getApiKeys(db: Executor, accountId: string, ids: readonly string[]): Promise<ApiKey[]> {
  if (ids.length === 0) return [];
  return db
    .select(apiKeyColumns)
    .from(apiKeyTable)
    .where(and(eq(apiKeyTable.accountId, accountId), inArray(apiKeyTable.id, [...ids])));
}

/** The account's keys, newest first (oldest first when inverted), revoked ones included. */
export async function listApiKeys(db: Executor, accountId: string, page: KeysetPage): Promise<ApiKey[]> {
  const t = apiKeyTable;
  return db
    .select(apiKeyColumns)
    .from(t)
    .where(and(eq(t.accountId, accountId), ...keysetBounds(t, page)))
    .orderBy(keysetOrder(t, keysetShape(page), true))
    .limit(page.limit);
}

/**
 * Takes the account's lock for key changes and reads its keys under it. Every change to an
 * account's keys goes through here, so the count of usable keys cannot change underneath.
 */
async function lockAccountKeys(tx: Tx, accountId: string): Promise<ApiKey[]> {
  await tx.select({ id: accountTable.id }).from(accountTable).where(eq(accountTable.id, accountId)).for('update');
  // A statement after the lock: under READ COMMITTED it sees whatever the previous holder committed.
  return tx.select(apiKeyColumns).from(apiKeyTable).where(eq(apiKeyTable.accountId, accountId));
}

function displayNameIssues(displayName: string, path: (string | number)[]): InputIssue[] {
  const problem = textProblem(displayName);
  if (problem) return [{ path, message: problem }];
  if (displayName.trim() === '') return [{ path, message: 'must not be empty' }];
  if (displayName.length > MAX_DISPLAY_NAME)
    return [{ path, message: `must be at most ${MAX_DISPLAY_NAME} characters` }];
  return [];
}

async function insertKey(tx: Tx, accountId: string, displayName: string, expireTime: Date | null, now: Date) {
  const secret = generateApiKey();
  const [row] = await tx
    .insert(apiKeyTable)
    .values({
      id: newId('key'),
      accountId,
      keyHash: hashKey(secret),
      keyPrefix: secret.slice(0, 7),
      displayName,
      expireTime,
      createTime: now,
    })
    .returning(apiKeyColumns);
  return { apiKey: row!, secret };
}

export interface CreateApiKeyInput {
  displayName: string;
  /** When the key stops working; null or absent for never. */
  expireTime?: Date | null;
}

/** Creates a key; `secret` is the key itself, returned here and never again. */
export async function createApiKey(
  db: Db,
  accountId: string,
  input: CreateApiKeyInput,
): Promise<{ apiKey: ApiKey; secret: string }> {
  const now = new Date();
  const issues = displayNameIssues(input.displayName, ['input', 'displayName']);
  if (input.expireTime && input.expireTime.getTime() <= now.getTime()) {
    issues.push({ path: ['input', 'expireTime'], message: 'must be in the future' });
  }
  if (issues.length > 0) throw badInput(issues);
  return db.transaction(async (tx) => {
    const keys = await lockAccountKeys(tx, accountId);
    if (keys.filter((key) => key.revokeTime === null).length >= MAX_API_KEYS) {
      throw new DomainError(
        'FAILED_PRECONDITION',
        `An account may hold at most ${MAX_API_KEYS} keys that are not revoked; revoke one first.`,
      );
    }
    return insertKey(tx, accountId, input.displayName.trim(), input.expireTime ?? null, now);
  });
}

function lastKeyError(): DomainError {
  return new DomainError(
    'FAILED_PRECONDITION',
    "This is the account's last key without an expiry: create another key before revoking this one, or roll it instead.",
  );
}

/**
 * Revokes a key now. Revoking a revoked key returns it unchanged. Refused (FAILED_PRECONDITION)
 * when it would leave the account no key that is unrevoked and never expires.
 */
export async function revokeApiKey(db: Db, accountId: string, keyId: string): Promise<ApiKey> {
  return db.transaction(async (tx) => {
    const keys = await lockAccountKeys(tx, accountId);
    const key = keys.find((candidate) => candidate.id === keyId);
    if (!key) throw notFound('API key');
    if (key.revokeTime !== null) return key;
    if (permanent(key) && !keys.some((other) => other.id !== key.id && permanent(other))) throw lastKeyError();
    const [revoked] = await tx
      .update(apiKeyTable)
      .set({ revokeTime: sql`now()` })
      .where(eq(apiKeyTable.id, key.id))
      .returning(apiKeyColumns);
    return revoked!;
  });
}

/**
 * Stripe's roll: a new key with the old one's name, and the old key expiring in
 * `oldKeyExpiresInSeconds` (0: at once; at most MAX_ROLL_OVERLAP_SECONDS), so that deployments
 * can switch over without downtime. The old key must still be usable.
 */
export async function rollApiKey(
  db: Db,
  accountId: string,
  keyId: string,
  oldKeyExpiresInSeconds: number,
): Promise<{ apiKey: ApiKey; secret: string; oldApiKey: ApiKey }> {
  if (
    !Number.isInteger(oldKeyExpiresInSeconds) ||
    oldKeyExpiresInSeconds < 0 ||
    oldKeyExpiresInSeconds > MAX_ROLL_OVERLAP_SECONDS
  ) {
    throw badInput([
      {
        path: ['input', 'oldKeyExpiresIn'],
        message: `must be a whole number of seconds from 0 to ${MAX_ROLL_OVERLAP_SECONDS} (7 days)`,
      },
    ]);
  }
  return db.transaction(async (tx) => {
    const keys = await lockAccountKeys(tx, accountId);
    const key = keys.find((candidate) => candidate.id === keyId);
    if (!key) throw notFound('API key');
    const now = new Date();
    if (!apiKeyUsable(key, now))
      throw new DomainError('FAILED_PRECONDITION', 'The key is revoked or expired: only a usable key can be rolled.');
    const expireTime = new Date(now.getTime() + oldKeyExpiresInSeconds * 1000);
    // An earlier expiry the key already had stays.
    const [oldApiKey] = await tx
      .update(apiKeyTable)
      .set({ expireTime: sql`least(${apiKeyTable.expireTime}, ${expireTime.toISOString()}::timestamptz)` })
      .where(eq(apiKeyTable.id, key.id))
      .returning(apiKeyColumns);
    // The successor never expires, so the account keeps a permanent key whatever the old one had.
    const created = await insertKey(tx, accountId, key.displayName, null, now);
    return { ...created, oldApiKey: oldApiKey! };
  });
}
