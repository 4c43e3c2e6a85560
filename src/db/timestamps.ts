/**
 * PostgreSQL's timestamptz text to a Date, on the hot path of reading a page of sessions (five
 * per joined row): V8's parser of this form took several times as long as this. Any form other
 * than the usual one is left to the caller's own parser.
 */

/** The value of `count` decimal digits of `text` from `from`, or NaN if one is not a digit. */
function digits(text: string, from: number, count: number): number {
  let value = 0;
  for (let i = from; i < from + count; i += 1) {
    const digit = text.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return Number.NaN;
    value = value * 10 + digit;
  }
  return value;
}

/**
 * PostgreSQL's text of a timestamptz under DateStyle ISO, such as "2026-11-25 19:13:18.123+00"
 * or "2026-11-25 20:13:18.1+01:00" (fraction and the offset's minutes optional; digits past
 * milliseconds dropped, as `new Date` does). Undefined for any other form (BC dates, years
 * past 9999, infinity, seconds in the offset): the caller then parses it the slow way.
 */
export function parsePostgresTimestamptz(text: string): Date | undefined {
  const length = text.length;
  if (
    length < 22 ||
    text.charCodeAt(4) !== 45 ||
    text.charCodeAt(7) !== 45 ||
    text.charCodeAt(10) !== 32 ||
    text.charCodeAt(13) !== 58 ||
    text.charCodeAt(16) !== 58
  ) {
    return undefined;
  }
  let at = 19;
  let ms = 0;
  if (text.charCodeAt(at) === 46) {
    at += 1;
    let scale = 100;
    while (at < length) {
      const digit = text.charCodeAt(at) - 48;
      if (digit < 0 || digit > 9) break;
      ms += digit * scale;
      scale /= 10;
      at += 1;
    }
    ms = Math.floor(ms);
  }
  const sign = text.charCodeAt(at) === 43 ? 1 : text.charCodeAt(at) === 45 ? -1 : 0;
  if (sign === 0) return undefined;
  const offsetHours = digits(text, at + 1, 2);
  let offsetMinutes = 0;
  if (length === at + 6 && text.charCodeAt(at + 3) === 58) offsetMinutes = digits(text, at + 4, 2);
  else if (length !== at + 3) return undefined;
  const year = digits(text, 0, 4);
  if (year < 100) return undefined; // Date.UTC would read 0–99 as 1900–1999
  const time =
    Date.UTC(
      year,
      digits(text, 5, 2) - 1,
      digits(text, 8, 2),
      digits(text, 11, 2),
      digits(text, 14, 2),
      digits(text, 17, 2),
      ms,
    ) -
    sign * (offsetHours * 60 + offsetMinutes) * 60_000;
  return Number.isNaN(time) ? undefined : new Date(time);
}
