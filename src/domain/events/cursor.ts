/**
 * The cursor of a page of events: the event's place in its account's log, opaque to clients.
 */
import { DomainError } from '../errors.js';
import type { EventRecord } from './event.js';

const MAX_SEQUENCE = 2n ** 63n - 1n;

export function eventSequenceCursor(event: EventRecord): string {
  return Buffer.from(`evt|${event.sequence.toString()}`).toString('base64url');
}

export function parseEventSequenceCursor(cursor: string | undefined, argument: 'after' | 'before'): bigint | null {
  if (cursor === undefined) return null;
  const match = /^evt\|(\d{1,19})$/.exec(Buffer.from(cursor, 'base64url').toString());
  // A sequence is a bigint column: a larger number would fail the query instead of the cursor.
  if (!match || BigInt(match[1]!) > MAX_SEQUENCE) {
    throw new DomainError('BAD_USER_INPUT', `The ${argument} cursor is not one this API returned.`, {
      issues: [{ path: [argument], message: 'is not a cursor returned by this API' }],
    });
  }
  return BigInt(match[1]!);
}
