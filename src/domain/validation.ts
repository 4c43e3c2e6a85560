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
  }, 'must be an absolute http or https URL');

export const metadataSchema = z
  .record(
    z
      .string()
      .min(1, 'keys must be 1 to 40 characters')
      .max(40, 'keys must be 1 to 40 characters')
      .refine((key) => !/[[\]]/.test(key), 'keys may not contain [ or ]'),
    z.string({ error: 'values must be strings' }).max(500, 'values must be at most 500 characters'),
  )
  .refine((record) => Object.keys(record).length <= 50, 'at most 50 keys');

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
    .date()
    .refine((date) => !Number.isNaN(date.getTime()), 'must be a valid date-time')
    .refine((date) => {
      const fromNow = date.getTime() - Date.now();
      return fromNow >= MIN_EXPIRE_MS - EXPIRE_GRACE && fromNow <= MAX_EXPIRE_MS + EXPIRE_GRACE;
    }, 'must be between 30 minutes and 24 hours from now')
    .nullish(),
  idempotencyKey: idempotencyKeySchema.nullish(),
});

export type CreateCheckoutSessionInput = z.output<typeof createCheckoutSessionSchema>;
