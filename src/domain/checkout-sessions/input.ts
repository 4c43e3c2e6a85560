/**
 * The one model of a new checkout session's input. The GraphQL argument validates with it and
 * the REST body is mapped onto it, so both surfaces accept and refuse exactly the same things.
 */
import { z } from 'zod';
import { AMOUNT_PATTERN, isCurrency, MAX_AMOUNT } from '../money.js';
import { httpUrlSchema, RFC3339_MESSAGE, textProblem } from '../validation.js';

const amountSchema = z
  .string()
  .regex(new RegExp(AMOUNT_PATTERN), `must be a whole number of minor units from 1 to ${MAX_AMOUNT}, digits only`)
  .transform((text) => BigInt(text));

const currencySchema = z
  .string()
  .refine(
    (code) => /^[A-Za-z]{3}$/.test(code) && isCurrency(code),
    'must be a current ISO 4217 currency code, such as GBP',
  )
  .transform((code) => code.toUpperCase());

/**
 * Metadata: a JSON object of at most 50 string values under keys of 1–40 characters without
 * `[` or `]`. Checked by hand rather than with z.record, which rebuilds the object and so
 * silently drops a "__proto__" key (a valid key here).
 */
const metadataSchema = z
  .unknown()
  .superRefine((value, ctx) => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      ctx.addIssue({ code: 'custom', message: 'must be a JSON object whose values are strings' });
      return;
    }
    const entries = Object.entries(value);
    if (entries.length > 50) ctx.addIssue({ code: 'custom', message: `at most 50 keys (got ${entries.length})` });
    for (const [key, entry] of entries) {
      if (key.length < 1 || key.length > 40)
        ctx.addIssue({ code: 'custom', path: [key], message: 'keys must be 1 to 40 characters' });
      else if (/[[\]]/.test(key)) ctx.addIssue({ code: 'custom', path: [key], message: 'keys may not contain [ or ]' });
      if (typeof entry !== 'string') ctx.addIssue({ code: 'custom', path: [key], message: 'values must be strings' });
      else if (entry.length > 500)
        ctx.addIssue({ code: 'custom', path: [key], message: 'values must be at most 500 characters' });
    }
  })
  // fromEntries defines own properties, so "__proto__" stays a key and never becomes a prototype.
  .transform((value) => Object.fromEntries(Object.entries(value as Record<string, string>)));

export const idempotencyKeySchema = z
  .string()
  .min(1, 'must be 1 to 255 characters')
  .max(255, 'must be 1 to 255 characters')
  .superRefine((text, ctx) => {
    const problem = textProblem(text);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

const MINUTE = 60_000;
/** Clients compute "now + 30 minutes" before the request travels; a minute of grace absorbs that. */
const EXPIRE_GRACE = MINUTE;
const MIN_EXPIRE_MS = 30 * MINUTE;
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
