/**
 * Event names and lists of event types as callers write them, checked before anything is read.
 */
import { z } from 'zod';
import { parseResourceName } from '../resource-names.js';
import { DomainError } from '../errors.js';
import { hasPrefix } from '../ids.js';
import { toInputIssues } from '../validation.js';
import { ALL_EVENT_TYPES, EVENT_TYPES, type EventType } from './event.js';

function isEventType(type: string): type is EventType {
  return (EVENT_TYPES as readonly string[]).includes(type);
}

/**
 * The one rule for a caller's list of event types: every entry names an event type (or, where
 * `wildcard` allows it, is "*" for all of them), each wrong entry is reported at its index, and
 * repeats are dropped.
 */
function eventTypeList(list: z.ZodArray<z.ZodString>, wildcard: boolean) {
  const choices = `${EVENT_TYPES.join(', ')}${wildcard ? ` or "${ALL_EVENT_TYPES}"` : ''}`;
  return list
    .superRefine((types, ctx) => {
      types.forEach((type, index) => {
        if (!(wildcard && type === ALL_EVENT_TYPES) && !isEventType(type)) {
          ctx.addIssue({
            code: 'custom',
            path: [index],
            message: `"${type}" is not an event type; use one of ${choices}`,
          });
        }
      });
    })
    .transform((types) => [...new Set(types)]);
}

/** The types a filter (a list or a feed of events) selects: any number of event types. */
const eventTypesSchema = eventTypeList(z.array(z.string()), false);

/** The types a webhook endpoint is sent: at least one, each an event type or "*" for every type. */
export const enabledEventsSchema = eventTypeList(
  z
    .array(z.string())
    .min(1, `must list at least one event type, or "${ALL_EVENT_TYPES}" for all`)
    .max(EVENT_TYPES.length + 1, `at most ${EVENT_TYPES.length + 1} entries`),
  true,
);

/**
 * Checks a filter's event types from a caller; `path` locates them in their input. Null for
 * none: every type.
 */
export function parseEventTypes(
  types: readonly string[] | null | undefined,
  path: (string | number)[],
): EventType[] | null {
  if (!types || types.length === 0) return null;
  const result = eventTypesSchema.safeParse(types);
  if (!result.success) {
    const issues = toInputIssues(result.error.issues, path);
    // The message names the first problem alone; its path is in `issues`.
    throw new DomainError('BAD_USER_INPUT', `Invalid input: ${issues[0]!.message}`, { issues });
  }
  return result.data as EventType[];
}

/** Accepts an event id (`evt_…`) or its resource name (`accounts/acct_…/events/evt_…`). */
export function parseEventReference(reference: string, accountId: string, argument: string): string {
  if (reference.startsWith('accounts/')) return parseResourceName(reference, accountId, 'events', 'evt');
  if (hasPrefix(reference, 'evt')) return reference;
  throw new DomainError('BAD_USER_INPUT', `"${reference}" is not an event id (evt_…) or event name.`, {
    issues: [{ path: [argument], message: 'must be an event id (evt_…) or accounts/acct_…/events/evt_…' }],
  });
}
