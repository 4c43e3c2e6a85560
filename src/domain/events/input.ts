/**
 * Event names and lists of event types as callers write them, checked before anything is read.
 */
import { parseResourceName } from '../checkout-sessions.js';
import { DomainError } from '../errors.js';
import { hasPrefix } from '../ids.js';
import { EVENT_TYPES, type EventType } from './event.js';

function isEventType(type: string): type is EventType {
  return (EVENT_TYPES as readonly string[]).includes(type);
}

/** Checks a list of event type names from a caller; `path` locates it in their input. */
export function parseEventTypes(
  types: readonly string[] | null | undefined,
  path: (string | number)[],
): EventType[] | null {
  if (!types || types.length === 0) return null;
  const issues = types.flatMap((type, index) =>
    isEventType(type)
      ? []
      : [{ path: [...path, index], message: `"${type}" is not an event type; use one of ${EVENT_TYPES.join(', ')}` }],
  );
  if (issues.length > 0) throw new DomainError('BAD_USER_INPUT', `Invalid input: ${issues[0]!.message}`, { issues });
  return [...new Set(types as EventType[])];
}

/** Accepts an event id (`evt_…`) or its resource name (`accounts/acct_…/events/evt_…`). */
export function parseEventReference(reference: string, accountId: string, argument: string): string {
  if (reference.startsWith('accounts/')) return parseResourceName(reference, accountId, 'events', 'evt');
  if (hasPrefix(reference, 'evt')) return reference;
  throw new DomainError('BAD_USER_INPUT', `"${reference}" is not an event id (evt_…) or event name.`, {
    issues: [{ path: [argument], message: 'must be an event id (evt_…) or accounts/acct_…/events/evt_…' }],
  });
}
