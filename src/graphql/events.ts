import { clearAllDataLoaders } from '@pothos/plugin-dataloader';
import { resolveCursorConnection, type ResolveCursorConnectionArgs } from '@pothos/plugin-relay';
import { getCheckoutSessions } from '../domain/checkout-sessions/reads.js';
import { parseResourceName } from '../domain/resource-names.js';
import type { CheckoutSession } from '../domain/checkout-sessions/model.js';
import { DomainError, notFound } from '../domain/errors.js';
import { eventSequenceCursor, parseEventSequenceCursor } from '../domain/events/cursor.js';
import { EVENT_TYPES, eventName, type EventRecord, type EventType } from '../domain/events/event.js';
import { parseEventReference, parseEventTypes } from '../domain/events/input.js';
import { getEvent, getEvents, listEvents } from '../domain/events/reads.js';
import { checkoutSessionAtEvent } from '../domain/events/snapshot.js';
import type { EventStream } from '../domain/events/stream.js';
import { EVENT_RETENTION_DAYS } from '../domain/retention.js';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../domain/page-size.js';
import { builder } from './builder.js';
import { checkPageSize } from './pagination.js';
import { CheckoutSessionRef } from './checkout-session.js';
import { PaymentErrorRef } from './payment-intent.js';
import { CheckoutSessionSnapshotRef, type CheckoutSessionSnapshot } from './checkout-session-snapshot.js';
import { requireAccountId, type GraphQLContext } from './context.js';

/** The enum's value for each event type; the enum's names stand for these strings. */
const EVENT_TYPE_VALUES = {
  CHECKOUT_SESSION_CREATED: 'checkout_session.created',
  CHECKOUT_SESSION_PAID: 'checkout_session.paid',
  CHECKOUT_SESSION_EXPIRED: 'checkout_session.expired',
  PAYMENT_INTENT_PAYMENT_FAILED: 'payment_intent.payment_failed',
} as const satisfies Record<string, EventType>;

export type EventTypeValue = keyof typeof EVENT_TYPE_VALUES;

/**
 * The enum keeps its names as its internal values, translated here. (It was written when
 * graphql-jit ran subscriptions and re-coerced their already coerced variables for every event,
 * where an internal value unlike the name failed; subscriptions now run on graphql-js, and one
 * translation table is still the simplest place for the mapping.)
 */
export function eventTypesOf(values: readonly EventTypeValue[]): EventType[] {
  return values.map((value) => EVENT_TYPE_VALUES[value]);
}

export function eventTypeValuesOf(types: readonly EventType[]): EventTypeValue[] {
  const names = Object.keys(EVENT_TYPE_VALUES) as EventTypeValue[];
  return types.flatMap((type) => names.filter((name) => EVENT_TYPE_VALUES[name] === type));
}

export const EventTypeEnum = builder.enumType('EventType', {
  description:
    'A kind of event, to choose events by. Each value stands for the `type` string events and webhooks carry.',
  values: {
    CHECKOUT_SESSION_CREATED: { description: 'A checkout session was created (`checkout_session.created`).' },
    CHECKOUT_SESSION_PAID: {
      description: 'A checkout session was paid and is now COMPLETE (`checkout_session.paid`).',
    },
    CHECKOUT_SESSION_EXPIRED: {
      description: 'A checkout session expired, or was expired, without payment (`checkout_session.expired`).',
    },
    PAYMENT_INTENT_PAYMENT_FAILED: {
      description:
        'A payment attempt on a checkout session was declined; the session stays OPEN (`payment_intent.payment_failed`).',
    },
  } as const satisfies Record<EventTypeValue, { description: string }>,
});

/** The payment intent a `payment_intent.payment_failed` event recorded; undefined for other events. */
function paymentFailureOf(event: EventRecord) {
  if (event.type !== 'payment_intent.payment_failed') return undefined;
  return (
    event.data as {
      payment_intent?: {
        last_payment_error: { code: string; message: string };
        card_brand: string;
        card_last4: string;
      };
    }
  ).payment_intent;
}

/**
 * A live event reaches every subscriber of its account as one shared object (EventHub hands the
 * same rows to each listener): they share one read of its session, instead of a thousand
 * subscribers of checkoutSessionPaid reading the session a thousand times per payment. Lists
 * batch their sessions through the loader instead.
 */
const sessionReadForDelivery = new WeakMap<EventRecord, Promise<CheckoutSession | string>>();

function liveSessionOf(
  event: EventRecord,
  ctx: GraphQLContext,
  delivered: boolean,
): string | Promise<CheckoutSession | string> {
  const id = event.checkoutSessionId ?? checkoutSessionAtEvent(event).id;
  if (!delivered || requireAccountId(ctx) !== event.accountId) return id;
  let read = sessionReadForDelivery.get(event);
  if (!read) {
    // Not found (it cannot be, today): the id, for the loader to answer as for any missing session.
    read = getCheckoutSessions(ctx.deps.db, event.accountId, [id]).then(([session]) => session ?? id);
    sessionReadForDelivery.set(event, read);
  }
  return read;
}

export const CheckoutSessionEventRef = builder.loadableNode('CheckoutSessionEvent', {
  description: `Something that happened to a checkout session or its payment: ${EVENT_TYPES.join(', ')}. Events are kept ${EVENT_RETENTION_DAYS} days.`,
  id: {
    resolve: (event: EventRecord) => event.id,
    description:
      'The event id, `evt_…`, which is also its global id: pass it as `after` to resume a subscription, or to `node`. Webhooks carry it as `id` and in the `webhook-id` header.',
  },
  load: (ids: string[], ctx) => getEvents(ctx.deps.db, requireAccountId(ctx), ids),
  sort: (event: EventRecord) => event.id,
  fields: (t) => ({
    name: t.string({
      description: 'The resource name, `accounts/acct_…/events/evt_…`.',
      resolve: (event) => eventName(event.accountId, event.id),
    }),
    type: t.exposeString('type', {
      description: `One of ${EVENT_TYPES.join(', ')}: the string webhooks carry as \`type\`.`,
    }),
    sequence: t.int({
      description:
        "The event's place among its checkout session's events: 1 for `checkout_session.created`, then 2, 3, … in the order they happened. Webhooks carry it as `sequence`, so a receiver can tell when events arrive out of order.",
      // Every event today is a session's; the migration numbered the ones written before the column.
      resolve: (event) => event.sessionSequence ?? 0,
    }),
    paymentError: t.field({
      type: PaymentErrorRef,
      nullable: true,
      description: 'For `payment_intent.payment_failed`: why the attempt was declined. Null for other events.',
      resolve: (event) => paymentFailureOf(event)?.last_payment_error ?? null,
    }),
    cardBrand: t.string({
      nullable: true,
      description:
        'For `payment_intent.payment_failed`: the declined card\'s brand, such as "visa". Null for other events.',
      resolve: (event) => paymentFailureOf(event)?.card_brand ?? null,
    }),
    cardLast4: t.string({
      nullable: true,
      description:
        'For `payment_intent.payment_failed`: the last four digits of the declined card. Null for other events.',
      resolve: (event) => paymentFailureOf(event)?.card_last4 ?? null,
    }),
    createTime: t.expose('createTime', { type: 'DateTime', description: 'When the change happened.' }),
    checkoutSession: t.field({
      type: CheckoutSessionRef,
      description:
        'The checkout session as it is now, under its own id, so a normalised cache only ever receives its current state. For the session as it was when the event happened, read `checkoutSessionSnapshot`.',
      resolve: (event, _args, ctx, info) => liveSessionOf(event, ctx, info.operation.operation === 'subscription'),
    }),
    checkoutSessionSnapshot: t.field({
      type: CheckoutSessionSnapshotRef,
      description:
        "The checkout session as it was when the event happened: the webhook payload's `checkout_session`. It has an id of its own, never the live session's.",
      resolve: (event): CheckoutSessionSnapshot => ({ ...checkoutSessionAtEvent(event), eventId: event.id }),
    }),
  }),
});

const EventFilter = builder.inputType('EventFilter', {
  description: 'Narrows a list of events; conditions combine with AND.',
  fields: (t) => ({
    types: t.field({
      type: [EventTypeEnum],
      description: 'Only events of these types; absent or empty for every type.',
    }),
    checkoutSession: t.string({
      description: 'Only events of this checkout session, `accounts/acct_…/checkout-sessions/cs_…`.',
    }),
  }),
});

/** The checkout session id behind an optional `name` argument; NOT_FOUND unless the account has it. */
async function checkoutSessionIdOf(
  ctx: GraphQLContext,
  accountId: string,
  name: string | null | undefined,
): Promise<string | null> {
  if (name == null) return null;
  const id = parseResourceName(name, accountId, 'checkout-sessions', 'cs');
  const [session] = await getCheckoutSessions(ctx.deps.db, accountId, [id]);
  if (!session) throw notFound('Checkout session');
  return id;
}

async function openStream(
  ctx: GraphQLContext,
  options: { types: EventType[] | null; name?: string | null; after?: string | null },
): Promise<EventStream> {
  const accountId = requireAccountId(ctx);
  const checkoutSessionId = await checkoutSessionIdOf(ctx, accountId, options.name);
  const afterId = options.after == null ? null : parseEventReference(options.after, accountId, 'after');
  return ctx.events.open({ accountId, types: options.types, checkoutSessionId }, afterId);
}

/**
 * A subscription keeps one context, and with it one set of DataLoaders, for every event it
 * delivers: without clearing them, the live `checkoutSession` of a later event would be the one
 * loaded for an earlier event (an EXPIRED session delivered as OPEN).
 */
function freshFor(ctx: GraphQLContext, event: EventRecord): EventRecord {
  clearAllDataLoaders(ctx);
  return event;
}

builder.subscriptionType({
  description:
    "Live feeds of the caller's account over graphql-ws or server-sent events, fed from committed events only.",
});

builder.subscriptionFields((t) => ({
  checkoutSessionPaid: t.field({
    type: CheckoutSessionEventRef,
    description:
      'Each `checkout_session.paid` event of the account, or of one session with `name`. With `after` (an event id received earlier), every such event committed after that one is replayed first, in order, then the feed goes live without a gap or a duplicate. An unknown `after` fails with NOT_FOUND.',
    args: {
      name: t.arg.string({ description: 'Only this checkout session, `accounts/acct_…/checkout-sessions/cs_…`.' }),
      after: t.arg.string({
        description: 'An event id (`evt_…`) or event name: replay what was committed after it first.',
      }),
    },
    subscribe: (_root, args, ctx) =>
      openStream(ctx, { types: ['checkout_session.paid'], name: args.name, after: args.after }),
    resolve: (event: EventRecord, _args, ctx) => freshFor(ctx, event),
  }),
  events: t.field({
    type: CheckoutSessionEventRef,
    description:
      'Every event of the account, or only some `types` and one checkout session (`name`). `after` replays, then goes live, as for checkoutSessionPaid.',
    args: {
      types: t.arg({
        type: [EventTypeEnum],
        description: 'Only events of these types; absent or empty for every type.',
      }),
      name: t.arg.string({ description: 'Only this checkout session, `accounts/acct_…/checkout-sessions/cs_…`.' }),
      after: t.arg.string({
        description: 'An event id (`evt_…`) or event name: replay what was committed after it first.',
      }),
    },
    subscribe: (_root, args, ctx) =>
      openStream(ctx, {
        types: parseEventTypes(eventTypesOf(args.types ?? []), ['types']),
        name: args.name,
        after: args.after,
      }),
    resolve: (event: EventRecord, _args, ctx) => freshFor(ctx, event),
  }),
}));

builder.subscriptionField('event', (t) =>
  t.field({
    type: CheckoutSessionEventRef,
    description:
      "The event being delivered, in a webhook endpoint's payload document (its `query`): the root of that document. It is not a live feed: subscribing to it fails with BAD_USER_INPUT; subscribe to `events` instead.",
    subscribe: (): AsyncIterable<EventRecord> => {
      throw new DomainError(
        'BAD_USER_INPUT',
        '`event` is the root of webhook payload documents only; subscribe to `events` for a live feed.',
      );
    },
    // In a payload document the event itself is the root value.
    resolve: (event: EventRecord, _args, ctx) => freshFor(ctx, event),
  }),
);

builder.queryFields((t) => ({
  event: t.field({
    type: CheckoutSessionEventRef,
    nullable: true,
    description: 'An event by resource name or id. Fails with NOT_FOUND when the account has no such event.',
    args: { name: t.arg.string({ required: true, description: '`accounts/acct_…/events/evt_…` or `evt_…`' }) },
    resolve: async (_root, { name }, ctx) => {
      const accountId = requireAccountId(ctx);
      const event = await getEvent(ctx.deps.db, accountId, parseEventReference(name, accountId, 'name'));
      if (!event) throw notFound('Event');
      return event;
    },
  }),
  events: t.connection(
    {
      type: CheckoutSessionEventRef,
      description: `The account's events, newest first; at most 100 per page. Events are kept ${EVENT_RETENTION_DAYS} days.`,
      args: { filter: t.arg({ type: EventFilter, description: 'Only the events that match it; absent for all.' }) },
      resolve: async (_root, args, ctx) => {
        const accountId = requireAccountId(ctx);
        checkPageSize(args);
        const types = parseEventTypes(eventTypesOf(args.filter?.types ?? []), ['filter', 'types']);
        const checkoutSessionId =
          args.filter?.checkoutSession == null
            ? null
            : parseResourceName(args.filter.checkoutSession, accountId, 'checkout-sessions', 'cs');
        return resolveCursorConnection(
          { args, toCursor: eventSequenceCursor, defaultSize: DEFAULT_PAGE_SIZE, maxSize: MAX_PAGE_SIZE },
          ({ before, after, limit, inverted }: ResolveCursorConnectionArgs) =>
            listEvents(
              ctx.deps.db,
              { accountId, types, checkoutSessionId },
              {
                limit,
                inverted,
                after: parseEventSequenceCursor(after, 'after'),
                before: parseEventSequenceCursor(before, 'before'),
              },
            ),
        );
      },
    },
    { name: 'CheckoutSessionEventConnection', description: 'A page of events.' },
    { name: 'CheckoutSessionEventEdge', description: 'One of events in a page, with its cursor.' },
  ),
}));
