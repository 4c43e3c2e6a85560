import { describe, expect, it } from 'vitest';
import { DomainError } from '../src/domain/errors.js';
import { enabledEventsSchema, parseEventTypes } from '../src/domain/events/input.js';
import { parseInput } from '../src/domain/validation.js';

const TYPES =
  'checkout_session.created, checkout_session.paid, checkout_session.expired, payment_intent.payment_failed';

function thrown(call: () => unknown): DomainError {
  try {
    call();
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error('expected a DomainError');
}

describe("one rule for callers' lists of event types", () => {
  it('reads a filter: none means every type, repeats go, each wrong entry is reported at its index', () => {
    expect(parseEventTypes(null, ['types'])).toBeNull();
    expect(parseEventTypes([], ['types'])).toBeNull();
    expect(
      parseEventTypes(['checkout_session.paid', 'checkout_session.created', 'checkout_session.paid'], ['types']),
    ).toEqual(['checkout_session.paid', 'checkout_session.created']);

    const error = thrown(() => parseEventTypes(['checkout_session.paid', 'nope', '*'], ['filter', 'types']));
    expect(error.code).toBe('BAD_USER_INPUT');
    expect(error.message).toBe(`Invalid input: "nope" is not an event type; use one of ${TYPES}`);
    expect(error.details.issues).toEqual([
      { path: ['filter', 'types', 1], message: `"nope" is not an event type; use one of ${TYPES}` },
      { path: ['filter', 'types', 2], message: `"*" is not an event type; use one of ${TYPES}` },
    ]);
  });

  it('reads a webhook endpoint\'s subscription: at least one entry, "*" allowed, at most one more than there are types', () => {
    expect(parseInput(enabledEventsSchema, ['*', 'checkout_session.paid', '*'])).toEqual([
      '*',
      'checkout_session.paid',
    ]);

    const wrong = thrown(() =>
      parseInput(enabledEventsSchema, ['checkout_session.paid', 'nope'], ['input', 'enabledEvents']),
    );
    expect(wrong.message).toBe(
      `Invalid input: input.enabledEvents.1: "nope" is not an event type; use one of ${TYPES} or "*"`,
    );

    const empty = thrown(() => parseInput(enabledEventsSchema, [], ['input', 'enabledEvents']));
    expect(empty.details.issues).toEqual([
      { path: ['input', 'enabledEvents'], message: 'must list at least one event type, or "*" for all' },
    ]);

    const many = thrown(() => parseInput(enabledEventsSchema, Array(6).fill('*')));
    expect(many.details.issues).toEqual([{ path: [], message: 'at most 5 entries' }]);
  });
});
