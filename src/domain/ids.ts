import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** Random base62 text; 24 characters carry about 142 bits, enough for a bearer capability. */
export function randomToken(length = 24): string {
  // Rejection sampling keeps every character uniformly distributed (248 = 4 * 62).
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < 248) out += ALPHABET[byte % 62];
      if (out.length === length) break;
    }
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
