import { z } from 'zod';
import { badInput, type InputIssue } from './errors.js';
import { isCurrency } from './money.js';

/** Zod issues as the contract's `{ path, message }` list. */
export function toInputIssues(issues: readonly { path?: readonly PropertyKey[] | readonly unknown[]; message: string }[], prefix: (string | number)[] = []): InputIssue[] {
  return issues.map((issue) => ({
    path: [
      ...prefix,
      ...(issue.path ?? []).map((part) => {
        const key = typeof part === 'object' && part !== null && 'key' in part ? (part as { key: PropertyKey }).key : part;
        return typeof key === 'number' ? key : String(key);
      }),
    ],
    message: issue.message,
  }));
}

/** Parses with `schema` or throws BAD_USER_INPUT listing every problem with its path. */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, prefix: (string | number)[] = []): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw badInput(toInputIssues(result.error.issues, prefix));
  return result.data;
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
export const RFC3339_MESSAGE = 'must be an RFC 3339 date-time with an offset, such as 2025-11-18T16:00:00Z';

/** An RFC 3339 date-time with an offset (what every surface accepts), or undefined. */
export function parseRfc3339(value: unknown): Date | undefined {
  if (typeof value !== 'string' || !RFC3339.test(value)) return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

export const amountSchema = z
  .string()
  .regex(/^[1-9][0-9]{0,11}$/, 'must be a whole number of minor units from 1 to 999999999999, digits only')
  .transform((text) => BigInt(text));

export const currencySchema = z
  .string()
  .refine((code) => /^[A-Za-z]{3}$/.test(code) && isCurrency(code), 'must be a current ISO 4217 currency code, such as GBP')
  .transform((code) => code.toUpperCase());

export const httpUrlSchema = z
  .string()
  .max(2048, 'must be at most 2048 characters')
  .refine((text) => {
    try {
      const url = new URL(text);
      return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
    } catch {
      return false;
    }
  }, 'must be an absolute http or https URL')
  // A customer is sent there: credentials in it would leak, or disguise the real host.
  .refine((text) => !URL.canParse(text) || (new URL(text).username === '' && new URL(text).password === ''), 'must not contain a user name or password');

/**
 * Metadata: a JSON object of at most 50 string values under keys of 1–40 characters without
 * `[` or `]`. Checked by hand rather than with z.record, which rebuilds the object and so
 * silently drops a "__proto__" key (a valid key here).
 */
export const metadataSchema = z
  .unknown()
  .superRefine((value, ctx) => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      ctx.addIssue({ code: 'custom', message: 'must be a JSON object whose values are strings' });
      return;
    }
    const entries = Object.entries(value);
    if (entries.length > 50) ctx.addIssue({ code: 'custom', message: `at most 50 keys (got ${entries.length})` });
    for (const [key, entry] of entries) {
      if (key.length < 1 || key.length > 40) ctx.addIssue({ code: 'custom', path: [key], message: 'keys must be 1 to 40 characters' });
      else if (/[[\]]/.test(key)) ctx.addIssue({ code: 'custom', path: [key], message: 'keys may not contain [ or ]' });
      if (typeof entry !== 'string') ctx.addIssue({ code: 'custom', path: [key], message: 'values must be strings' });
      else if (entry.length > 500) ctx.addIssue({ code: 'custom', path: [key], message: 'values must be at most 500 characters' });
    }
  })
  // fromEntries defines own properties, so "__proto__" stays a key and never becomes a prototype.
  .transform((value) => Object.fromEntries(Object.entries(value as Record<string, string>)));

export const idempotencyKeySchema = z
  .string()
  .min(1, 'must be 1 to 255 characters')
  .max(255, 'must be 1 to 255 characters');

const MINUTE = 60_000;
/** Clients compute "now + 30 minutes" before the request travels; a minute of grace absorbs that. */
const EXPIRE_GRACE = MINUTE;
export const MIN_EXPIRE_MS = 30 * MINUTE;
export const MAX_EXPIRE_MS = 24 * 60 * MINUTE;

export const createCheckoutSessionSchema = z.object({
  amount: amountSchema,
  currency: currencySchema,
  clientReferenceId: z.string().min(1, 'must be 1 to 200 characters').max(200, 'must be 1 to 200 characters').nullish(),
  successUrl: httpUrlSchema.nullish(),
  cancelUrl: httpUrlSchema.nullish(),
  metadata: metadataSchema.nullish(),
  expireTime: z
    .date({ error: RFC3339_MESSAGE })
    .refine((date) => {
      const fromNow = date.getTime() - Date.now();
      return fromNow >= MIN_EXPIRE_MS - EXPIRE_GRACE && fromNow <= MAX_EXPIRE_MS + EXPIRE_GRACE;
    }, 'must be between 30 minutes and 24 hours from now')
    .nullish(),
  idempotencyKey: idempotencyKeySchema.nullish(),
});

export type CreateCheckoutSessionInput = z.output<typeof createCheckoutSessionSchema>;
