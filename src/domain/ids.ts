import { randomBytes } from 'node:crypto';

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

export function newId(prefix: IdPrefix): string {
  return `${prefix}_${randomToken()}`;
}

export function hasPrefix(id: string, prefix: IdPrefix): boolean {
  return id.startsWith(`${prefix}_`) && /^[A-Za-z0-9]+$/.test(id.slice(prefix.length + 1));
}
