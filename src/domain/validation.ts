import { z } from 'zod';
import { badInput, type InputIssue } from './errors.js';

/** Zod issues as the contract's `{ path, message }` list. */
export function toInputIssues(
  issues: readonly { path?: readonly PropertyKey[] | readonly unknown[]; message: string }[],
  prefix: (string | number)[] = [],
): InputIssue[] {
  return issues.map((issue) => ({
    path: [
      ...prefix,
      ...(issue.path ?? []).map((part) => {
        const key =
          typeof part === 'object' && part !== null && 'key' in part ? (part as { key: PropertyKey }).key : part;
        return typeof key === 'number' ? key : String(key);
      }),
    ],
    message: issue.message,
  }));
}

/** Parses with `schema` or throws BAD_USER_INPUT listing every problem with its path. */
export function parseInput<S extends z.ZodType>(
  schema: S,
  value: unknown,
  prefix: (string | number)[] = [],
): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw badInput(toInputIssues(result.error.issues, prefix));
  return result.data;
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?(?:[Zz]|[+-](\d{2}):(\d{2}))$/;
export const RFC3339_MESSAGE = 'must be an RFC 3339 date-time with an offset, such as 2025-11-18T16:00:00Z';

function daysInMonth(year: number, month: number): number {
  return month === 2
    ? year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)
      ? 29
      : 28
    : [4, 6, 9, 11].includes(month)
      ? 30
      : 31;
}

/**
 * An RFC 3339 date-time with an offset (what every surface accepts), or undefined. Each field is
 * range-checked first: JavaScript's Date rolls the 31st of November over to December 1st, and
 * a client that sent an impossible instant has a bug we should report, not guess around.
 * (A leap second, :60, is refused too: no instant we store can hold it.)
 */
export function parseRfc3339(value: unknown): Date | undefined {
  if (typeof value !== 'string') return undefined;
  const match = RFC3339.exec(value);
  if (!match) return undefined;
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const offsetHours = match[8] === undefined ? 0 : Number(match[8]);
  const offsetMinutes = match[9] === undefined ? 0 : Number(match[9]);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) || hour > 23 || minute > 59 || second > 59)
    return undefined;
  if (offsetHours > 23 || offsetMinutes > 59) return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** A lone UTF-16 surrogate: JavaScript strings may hold one, UTF-8 (and so PostgreSQL) cannot. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Why `text` cannot be stored as text, or undefined. PostgreSQL refuses NUL in text and
 * anything that is not valid UTF-8; sent through, either one failed the statement and the
 * caller got INTERNAL_SERVER_ERROR instead of being told what was wrong with the input.
 */
export function textProblem(text: string): string | undefined {
  if (text.includes('\u0000')) return 'must not contain NUL (U+0000) characters';
  if (LONE_SURROGATE.test(text)) return 'must not contain unpaired UTF-16 surrogates (not valid Unicode)';
  return undefined;
}

/**
 * Every string in a JSON-like input (object keys included) that `textProblem` refuses, each with
 * its path from `path`. The transports run it over everything a caller sends, before anything
 * else reads it, so no field (present or future) can carry such text to the database.
 */
export function illFormedTextIssues(value: unknown, path: (string | number)[] = []): InputIssue[] {
  if (typeof value === 'string') {
    const problem = textProblem(value);
    return problem ? [{ path, message: problem }] : [];
  }
  if (Array.isArray(value)) return value.flatMap((item, index) => illFormedTextIssues(item, [...path, index]));
  if (typeof value !== 'object' || value === null || value instanceof Date) return [];
  const issues: InputIssue[] = [];
  for (const [key, item] of Object.entries(value)) {
    const problem = textProblem(key);
    if (problem) issues.push({ path: [...path, key], message: `keys ${problem}` });
    else issues.push(...illFormedTextIssues(item, [...path, key]));
  }
  return issues;
}

/** Throws BAD_USER_INPUT listing every string of `value` that could not be stored. */
export function assertWellFormedText(value: unknown, path: (string | number)[] = []): void {
  const issues = illFormedTextIssues(value, path);
  if (issues.length > 0) throw badInput(issues);
}

/** Spaces and control characters (C0, DEL, C1): new URL() would drop or encode them silently. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is this pattern's job.
const WHITESPACE_OR_CONTROL = /[\s\u0000-\u001f\u007f-\u009f]/;

/**
 * The normalised form of an absolute http(s) URL, or the reason it is refused. The rule: an
 * absolute URL written with its `//` authority (`https:example.com` and `https:///example.com`
 * are refused, though a browser would guess), with no whitespace, control characters or
 * backslashes. What is stored and returned is `new URL(text).href`: host in punycode, path and
 * query percent-encoded, so the URL is always a valid HTTP header value. (The hosted page sends it
 * as `Location` after the payment committed; an invalid one told a paying customer they were
 * not charged.)
 */
export function normaliseHttpUrl(
  text: string,
): { href: string; problem?: undefined } | { href?: undefined; problem: string } {
  // WHATWG URL skips extra slashes (`https:///x` is https://x/) and reads `\` as `/`: refused, not guessed.
  if (!/^https?:\/\/[^/?#\\]/i.test(text))
    return { problem: 'must be an absolute http or https URL, such as https://example.com/done' };
  if (WHITESPACE_OR_CONTROL.test(text))
    return { problem: 'must not contain spaces or control characters (percent-encode them)' };
  if (text.includes('\\')) return { problem: 'must not contain backslashes (percent-encode them as %5C)' };
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { problem: 'must be an absolute http or https URL, such as https://example.com/done' };
  }
  if (url.hostname === '') return { problem: 'must name a host' };
  return { href: url.href };
}

/** An absolute http(s) URL a customer may be sent to, stored normalised (see normaliseHttpUrl). */
export const httpUrlSchema = z
  .string()
  .max(2048, 'must be at most 2048 characters')
  .transform((text, ctx) => {
    const { href, problem } = normaliseHttpUrl(text);
    if (problem !== undefined) {
      ctx.addIssue({ code: 'custom', message: problem });
      return z.NEVER;
    }
    const url = new URL(href);
    // A customer is sent there: credentials in it would leak, or disguise the real host.
    if (url.username !== '' || url.password !== '')
      ctx.addIssue({ code: 'custom', message: 'must not contain a user name or password' });
    else if (href.length > 2048)
      ctx.addIssue({
        code: 'custom',
        message: 'must be at most 2048 characters once normalised (percent-encoded, host in punycode)',
      });
    return href;
  });
