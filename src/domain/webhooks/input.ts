/**
 * What an endpoint may be given: its URL, its event types and its note, as one zod model per
 * change. The domain parses every create and update with it, whichever surface sent them.
 */
import { z } from 'zod';
import { enabledEventsSchema } from '../events/input.js';
import { normaliseHttpUrl, parseInput } from '../validation.js';
import { webhookUrlProblem } from './addresses.js';
import type { WebhookSettings } from './settings.js';

export const MAX_URL_CHARS = 2048;
export const MAX_DESCRIPTION_CHARS = 500;

const descriptionSchema = z.string().max(MAX_DESCRIPTION_CHARS, `must be at most ${MAX_DESCRIPTION_CHARS} characters`);

function urlSchema(settings: WebhookSettings) {
  return z
    .string()
    .max(MAX_URL_CHARS, `must be at most ${MAX_URL_CHARS} characters`)
    .transform((text, ctx) => {
      // Stored normalised, by the rule of every URL we accept (validation.ts).
      const { href, problem: formProblem } = normaliseHttpUrl(text);
      const problem = formProblem ?? webhookUrlProblem(href!, settings.allowPrivateNetworks);
      if (problem) {
        ctx.addIssue({ code: 'custom', message: problem });
        return z.NEVER;
      }
      return href!;
    });
}

export interface CreateWebhookEndpointInput {
  url: string;
  enabledEvents: readonly string[];
  description?: string | null;
  /** A payload document, already checked by the API layer (the domain does not read GraphQL). */
  query?: string | null;
}

/** A new endpoint's input, parsed; BAD_USER_INPUT lists every problem under `input`. */
export function parseCreateWebhookEndpointInput(settings: WebhookSettings, input: CreateWebhookEndpointInput) {
  return parseInput(
    z.object({
      url: urlSchema(settings),
      enabledEvents: enabledEventsSchema,
      description: descriptionSchema.nullish(),
      query: z.string().nullish(),
    }),
    input,
    ['input'],
  );
}

export interface UpdateWebhookEndpointInput {
  url?: string | null;
  enabledEvents?: readonly string[] | null;
  /** Null clears it; undefined leaves it. */
  description?: string | null;
  disabled?: boolean | null;
  /** Null returns to the default payload; undefined leaves it. Checked by the API layer. */
  query?: string | null;
}

/** An endpoint's changes, parsed; BAD_USER_INPUT lists every problem under `input`. */
export function parseUpdateWebhookEndpointInput(settings: WebhookSettings, input: UpdateWebhookEndpointInput) {
  return parseInput(
    z.object({
      url: urlSchema(settings).nullish(),
      enabledEvents: enabledEventsSchema.nullish(),
      description: descriptionSchema.nullish(),
      disabled: z.boolean().nullish(),
      query: z.string().nullish(),
    }),
    input,
    ['input'],
  );
}
