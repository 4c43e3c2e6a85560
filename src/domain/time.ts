/**
 * Instants as text, on the hot paths of reads and creates: a page of 50 sessions formats a
 * hundred of them, and V8's `Date.prototype.toISOString` took several times as long as this.
 * Outside years 0000–9999 it defers to JavaScript's own. (Parsing PostgreSQL's text, the other
 * direction, is in db/timestamps.ts.)
 */

const MIN_FOUR_DIGIT_YEAR_MS = -62_167_219_200_000; // 0000-01-01T00:00:00.000Z
const MAX_FOUR_DIGIT_YEAR_MS = 253_402_300_799_999; // 9999-12-31T23:59:59.999Z

/** True for a valid Date in years 0000–9999, the instants PostgreSQL and RFC 3339 text both hold. */
export function isFourDigitYear(date: Date): boolean {
  const time = date.getTime();
  return time >= MIN_FOUR_DIGIT_YEAR_MS && time <= MAX_FOUR_DIGIT_YEAR_MS;
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : `${n}`;
}

/** Exactly what `date.toISOString()` returns ("2025-11-18T16:00:00.000Z"), and throws as it does. */
export function formatInstant(date: Date): string {
  if (!isFourDigitYear(date)) return date.toISOString();
  const year = date.getUTCFullYear();
  const ms = date.getUTCMilliseconds();
  return (
    `${year < 1000 ? String(year).padStart(4, '0') : year}-${pad2(date.getUTCMonth() + 1)}-${pad2(date.getUTCDate())}` +
    `T${pad2(date.getUTCHours())}:${pad2(date.getUTCMinutes())}:${pad2(date.getUTCSeconds())}` +
    `.${ms < 10 ? `00${ms}` : ms < 100 ? `0${ms}` : ms}Z`
  );
}
