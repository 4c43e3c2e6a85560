import { randomBytes } from 'node:crypto';
import { sql, type SQL } from 'drizzle-orm';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/**
 * Bytes from the CSPRNG, drawn 4 KiB at a time: one randomBytes call per id cost more than the
 * rest of making the id (Node's own randomUUID buffers its entropy the same way).
 */
const POOL_BYTES = 4096;
let pool = Buffer.alloc(0);
let used = 0;

function randomByte(): number {
  if (used === pool.length) {
    pool = randomBytes(POOL_BYTES);
    used = 0;
  }
  return pool[used++]!;
}

/** Random base62 text; 24 characters carry about 142 bits, enough for a bearer capability. */
export function randomToken(length = 24): string {
  // Rejection sampling keeps every character uniformly distributed (248 = 4 * 62).
  let out = '';
  while (out.length < length) {
    const byte = randomByte();
    if (byte < 248) out += ALPHABET[byte % 62];
  }
  return out;
}

export type IdPrefix = 'acct' | 'key' | 'cs' | 'pi' | 'pa' | 'evt' | 'we' | 'whd' | 'wha';

/*
 * Every id is `<prefix>_<alphanumerics>`, which is all that `hasPrefix` checks. Two makers write
 * them, with bodies of two shapes that existing rows already carry, so both stay valid:
 * - newId, in TypeScript: 24 base62 characters;
 * - sqlNewId, inside a statement that makes a row per selected row (an event's webhook
 *   deliveries, one per endpoint): 32 lower-case hex digits of a gen_random_uuid().
 * test/ids.test.ts holds ids of both makers to the one pattern.
 */

export function newId(prefix: IdPrefix): string {
  return `${prefix}_${randomToken()}`;
}

/**
 * newId as an SQL expression, for ids made by the database in the statement that inserts them.
 * The prefix is a constant of the statement's text (the union above holds only safe literals).
 */
export function sqlNewId(prefix: IdPrefix): SQL {
  return sql.raw(`'${prefix}_' || replace(gen_random_uuid()::text, '-', '')`);
}

export function hasPrefix(id: string, prefix: IdPrefix): boolean {
  return id.startsWith(`${prefix}_`) && /^[A-Za-z0-9]+$/.test(id.slice(prefix.length + 1));
}
