import { parseResourceName } from '../domain/resource-names.js';
import { notFound } from '../domain/errors.js';
import type { EventType } from '../domain/events/event.js';
import { parseEventReference } from '../domain/events/input.js';
import { EVENT_RETENTION_DAYS } from '../domain/retention.js';
import {
  createWebhookEndpoint,
  deleteWebhookEndpoint,
  MAX_ENDPOINTS_PER_ACCOUNT,
  rotateWebhookEndpointSecret,
  updateWebhookEndpoint,
  webhookEndpointName,
} from '../domain/webhooks/endpoints.js';
import { MAX_DESCRIPTION_CHARS, MAX_URL_CHARS } from '../domain/webhooks/input.js';
import { ALL_EVENT_TYPES } from '../domain/events/event.js';
import type {
  WebhookAttempt,
  WebhookDelivery,
  WebhookEndpoint,
  WebhookEndpointDisabledReason,
} from '../domain/webhooks/model.js';
import {
  getWebhookAttempts,
  getWebhookAttemptsById,
  getWebhookDeliveries,
  getWebhookEndpoint,
  getWebhookEndpoints,
  listWebhookDeliveries,
  listWebhookEndpoints,
} from '../domain/webhooks/reads.js';
import { resendWebhookEvent } from '../domain/webhooks/resend.js';
import { builder } from './builder.js';
import { requireAccountId } from './context.js';
import {
  CheckoutSessionEventRef,
  EventTypeEnum,
  eventTypesOf,
  eventTypeValuesOf,
  type EventTypeValue,
} from './events.js';
import { encodeGlobalId } from './global-ids.js';
import { resolveTimeIdConnection } from './pagination.js';
import { checkPayloadDocument } from './webhook-payload.js';

function endpointIdOf(name: string, accountId: string): string {
  return parseResourceName(name, accountId, 'webhook-endpoints', 'we');
}

const DisabledReasonEnum = builder.enumType('WebhookEndpointDisabledReason', {
  description: 'Why a webhook endpoint stopped receiving events.',
  values: {
    GONE: { description: 'It answered 410 Gone.' },
    FAILING: { description: 'Every delivery to it failed for five days.' },
    USER: { description: 'It was disabled through updateWebhookEndpoint.' },
  } as const,
});

const DeliveryStateEnum = builder.enumType('WebhookDeliveryState', {
  description: 'Where the delivery of one event to one endpoint stands.',
  values: {
    PENDING: { description: 'Waiting for its first attempt or for a retry.' },
    SUCCEEDED: { description: 'An attempt got a 2xx answer.' },
    FAILED: { description: 'Given up: the retry schedule ran out, or the endpoint was disabled.' },
  } as const,
});

const WebhookAttemptRef = builder.loadableNode('WebhookAttempt', {
  description: 'One HTTP request of a delivery.',
  id: { resolve: (attempt: WebhookAttempt) => attempt.id },
  load: (ids: string[], ctx) => getWebhookAttemptsById(ctx.deps.db, requireAccountId(ctx), ids),
  sort: (attempt) => attempt.id,
  fields: (t) => ({
    attemptNumber: t.exposeInt('attemptNumber', {
      description: '1 for the first attempt of the delivery, then 2, 3, …',
    }),
    startTime: t.expose('startTime', { type: 'DateTime', description: 'When the request was started.' }),
    durationMs: t.exposeInt('durationMs', { description: 'Milliseconds until the answer, the error or the timeout.' }),
    statusCode: t.exposeInt('statusCode', {
      nullable: true,
      description: 'The HTTP status of the answer; null when there was none.',
    }),
    error: t.exposeString('error', {
      nullable: true,
      description:
        'Why the attempt failed when the status does not say: timeout, connection refused, blocked address, redirect, …',
    }),
    succeeded: t.exposeBoolean('succeeded', { description: 'True for a 2xx answer.' }),
  }),
});

const WebhookDeliveryRef = builder.loadableNode('WebhookDelivery', {
  description: 'The delivery of one event to one endpoint, with its attempts (retried on WEBHOOK_RETRY_SCHEDULE).',
  id: { resolve: (delivery: WebhookDelivery) => delivery.id },
  load: (ids: string[], ctx) => getWebhookDeliveries(ctx.deps.db, requireAccountId(ctx), ids),
  sort: (delivery) => delivery.id,
  fields: (t) => ({
    event: t.field({ type: CheckoutSessionEventRef, description: 'The event delivered.', resolve: (d) => d.eventId }),
    state: t.field({ type: DeliveryStateEnum, description: 'Where the delivery stands.', resolve: (d) => d.state }),
    attemptCount: t.exposeInt('attemptCount', { description: 'Attempts made so far.' }),
    nextAttemptTime: t.expose('nextAttemptTime', {
      type: 'DateTime',
      nullable: true,
      description: 'When the next attempt is due; null once SUCCEEDED or FAILED.',
    }),
    attempts: t.loadableGroup({
      type: WebhookAttemptRef,
      description: 'Every attempt, first to last.',
      load: (ids: string[], ctx) => getWebhookAttempts(ctx.deps.db, ids),
      // A node ref also accepts ids as values; this loader only ever returns rows.
      group: (attempt) => (attempt as WebhookAttempt).deliveryId,
      resolve: (d) => d.id,
    }),
    createTime: t.expose('createTime', {
      type: 'DateTime',
      description: 'When the delivery was queued, with its event or by a resend.',
    }),
    updateTime: t.expose('updateTime', {
      type: 'DateTime',
      description: 'When the delivery last changed (an attempt, a lease, giving up).',
    }),
  }),
});

const DeliveryFilter = builder.inputType('WebhookDeliveryFilter', {
  description: 'Narrows a list of deliveries; conditions combine with AND.',
  fields: (t) => ({
    state: t.field({ type: DeliveryStateEnum, description: 'Only deliveries in this state.' }),
    event: t.string({ description: 'Only deliveries of this event (`evt_…` or its name).' }),
  }),
});

/** The API's list of event types for the domain: absent or empty means every type (ALL_EVENT_TYPES there). */
function enabledEventsIn(values: readonly EventTypeValue[]): string[] {
  return values.length === 0 ? [ALL_EVENT_TYPES] : eventTypesOf(values);
}

const WebhookEndpointRef = builder.loadableNode('WebhookEndpoint', {
  description: "A URL of the merchant's that receives events as signed HTTP POSTs (Standard Webhooks).",
  id: { resolve: (endpoint: WebhookEndpoint) => endpoint.id },
  load: (ids: string[], ctx) => getWebhookEndpoints(ctx.deps.db, requireAccountId(ctx), ids),
  sort: (endpoint) => endpoint.id,
  fields: (t) => ({
    name: t.string({
      description: 'The resource name, `accounts/acct_…/webhook-endpoints/we_…`.',
      resolve: (e) => webhookEndpointName(e.accountId, e.id),
    }),
    url: t.exposeString('url', { description: 'Where events are POSTed.' }),
    description: t.exposeString('description', {
      nullable: true,
      description: "The merchant's own note about the endpoint.",
    }),
    query: t.exposeString('query', {
      nullable: true,
      description:
        "The subscription document that shapes each delivery's body; null when deliveries carry the default payload.",
    }),
    enabledEvents: t.field({
      type: [EventTypeEnum],
      description: 'The event types sent here; empty when every type is (see `allEventsEnabled`).',
      resolve: (e) =>
        e.enabledEvents.includes(ALL_EVENT_TYPES) ? [] : eventTypeValuesOf(e.enabledEvents as EventType[]),
    }),
    allEventsEnabled: t.boolean({
      description: 'True when the endpoint receives every event type, including types added later.',
      resolve: (e) => e.enabledEvents.includes(ALL_EVENT_TYPES),
    }),
    disabled: t.exposeBoolean('disabled', { description: 'True while it receives nothing.' }),
    disabledReason: t.field({
      type: DisabledReasonEnum,
      nullable: true,
      description: 'Why the endpoint is disabled; null while it is enabled.',
      resolve: (e) => (e.disabled ? ((e.disabledReason as WebhookEndpointDisabledReason | null) ?? 'USER') : null),
    }),
    failingSince: t.expose('failingSince', {
      type: 'DateTime',
      nullable: true,
      description: 'Since when deliveries have failed without a success; after five days the endpoint is disabled.',
    }),
    previousSecretExpireTime: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'While a rotated-out secret still signs beside the current one: when it stops.',
      resolve: (e) => {
        const times = e.secrets.flatMap((entry) =>
          entry.expireTime && Date.parse(entry.expireTime) > Date.now() ? [Date.parse(entry.expireTime)] : [],
        );
        return times.length > 0 ? new Date(Math.max(...times)) : null;
      },
    }),
    deliveries: t.connection(
      {
        type: WebhookDeliveryRef,
        description: `Deliveries to this endpoint, newest first; kept as long as their events (${EVENT_RETENTION_DAYS} days).`,
        args: {
          filter: t.arg({ type: DeliveryFilter, description: 'Only the deliveries that match it; absent for all.' }),
        },
        resolve: (endpoint, args, ctx) => {
          const accountId = requireAccountId(ctx);
          return resolveTimeIdConnection(args, (page) =>
            listWebhookDeliveries(ctx.deps.db, accountId, endpoint.id, {
              ...page,
              state: args.filter?.state,
              eventId: args.filter?.event == null ? null : parseEventReference(args.filter.event, accountId, 'event'),
            }),
          );
        },
      },
      { name: 'WebhookDeliveryConnection', description: 'A page of deliveries.' },
      { name: 'WebhookDeliveryEdge', description: 'One of deliveries in a page, with its cursor.' },
    ),
    createTime: t.expose('createTime', { type: 'DateTime', description: 'When the endpoint was created.' }),
    updateTime: t.expose('updateTime', { type: 'DateTime', description: 'When the endpoint was last changed.' }),
  }),
});

const QUERY_INPUT_DESCRIPTION =
  'A GraphQL subscription document shaping each delivery\'s body, such as `subscription { event { id type checkoutSession { name state paymentIntent { cardBrand cardLast4 } } } }`: its one root field is `event`, the event being delivered, and the body is the document\'s result (`{ "data": … }`), read as this account. It is held to the limits of any operation (depth, aliases, tokens, cost) and may not declare variables; absent for the default payload.';

const CreateWebhookEndpointInput = builder.inputType('CreateWebhookEndpointInput', {
  description: 'A new webhook endpoint.',
  fields: (t) => ({
    url: t.string({
      required: true,
      description: `An absolute http(s) URL without credentials, at most ${MAX_URL_CHARS} characters; in production it may not reach private networks.`,
    }),
    enabledEvents: t.field({
      type: [EventTypeEnum],
      description: 'The event types to send; absent or empty for every type, including types added later.',
    }),
    description: t.string({ description: `Your own note, at most ${MAX_DESCRIPTION_CHARS} characters.` }),
    query: t.string({ description: QUERY_INPUT_DESCRIPTION }),
  }),
});

const CreateWebhookEndpointPayload = builder
  .objectRef<{ endpoint: WebhookEndpoint; secret: string }>('CreateWebhookEndpointPayload')
  .implement({
    description: 'The new endpoint and its signing secret.',
    fields: (t) => ({
      webhookEndpoint: t.field({
        type: WebhookEndpointRef,
        description: 'The new endpoint.',
        resolve: (p) => p.endpoint,
      }),
      secret: t.exposeString('secret', {
        description:
          'The signing secret, `whsec_…`: shown here once, stored encrypted. Verify the `webhook-signature` header with it.',
      }),
    }),
  });

const UpdateWebhookEndpointInput = builder.inputType('UpdateWebhookEndpointInput', {
  description: 'Changes to a webhook endpoint; omitted fields stay as they are.',
  fields: (t) => ({
    name: t.string({
      required: true,
      description: "The endpoint's resource name, `accounts/acct_…/webhook-endpoints/we_…`.",
    }),
    url: t.string({ description: 'A new URL (same rules as on creation).' }),
    enabledEvents: t.field({
      type: [EventTypeEnum],
      description:
        'A new list of event types; empty for every type, including types added later. Absent leaves the list as it is.',
    }),
    description: t.string({ description: 'A new note; null clears it.' }),
    query: t.string({
      description: `${QUERY_INPUT_DESCRIPTION} Null returns to the default payload; absent leaves it.`,
    }),
    disabled: t.boolean({
      description: 'True stops deliveries (pending ones are given up; resend them later); false enables it again.',
    }),
  }),
});

const RotateWebhookEndpointSecretPayload = builder
  .objectRef<{ endpoint: WebhookEndpoint; secret: string; previousSecretExpireTime: Date }>(
    'RotateWebhookEndpointSecretPayload',
  )
  .implement({
    description: 'The endpoint and its new signing secret.',
    fields: (t) => ({
      webhookEndpoint: t.field({
        type: WebhookEndpointRef,
        description: 'The endpoint, with its new `previousSecretExpireTime`.',
        resolve: (p) => p.endpoint,
      }),
      secret: t.exposeString('secret', { description: 'The new signing secret, `whsec_…`, shown here once.' }),
      previousSecretExpireTime: t.expose('previousSecretExpireTime', {
        type: 'DateTime',
        description: 'Until then the previous secret signs too: `webhook-signature` carries both signatures.',
      }),
    }),
  });

const ResendWebhookEventInput = builder.inputType('ResendWebhookEventInput', {
  description: 'An event to deliver to an endpoint again.',
  fields: (t) => ({
    webhookEndpoint: t.string({
      required: true,
      description: "The endpoint's resource name, `accounts/acct_…/webhook-endpoints/we_…`.",
    }),
    event: t.string({ required: true, description: "The event's id (`evt_…`) or resource name." }),
  }),
});

const UpdateWebhookEndpointPayload = builder
  .objectRef<{ endpoint: WebhookEndpoint }>('UpdateWebhookEndpointPayload')
  .implement({
    description: 'The endpoint after the change.',
    fields: (t) => ({
      webhookEndpoint: t.field({
        type: WebhookEndpointRef,
        description: 'The endpoint as it is now.',
        resolve: (p) => p.endpoint,
      }),
    }),
  });

const WebhookEndpointNameInput = (name: string, action: string) =>
  builder.inputType(name, {
    description: `The webhook endpoint to ${action}.`,
    fields: (t) => ({
      name: t.string({
        required: true,
        description: "The endpoint's resource name, `accounts/acct_…/webhook-endpoints/we_…`.",
      }),
    }),
  });

const DeleteWebhookEndpointInput = WebhookEndpointNameInput('DeleteWebhookEndpointInput', 'delete');
const RotateWebhookEndpointSecretInput = WebhookEndpointNameInput(
  'RotateWebhookEndpointSecretInput',
  'issue a new signing secret for',
);

const DeleteWebhookEndpointPayload = builder.objectRef<WebhookEndpoint>('DeleteWebhookEndpointPayload').implement({
  description: 'What was deleted, so that clients can drop it from their caches.',
  fields: (t) => ({
    deletedWebhookEndpointId: t.id({
      description: 'The global id the deleted endpoint had.',
      resolve: (e) => encodeGlobalId('WebhookEndpoint', e.id),
    }),
    deletedWebhookEndpointName: t.string({
      description: 'The resource name the deleted endpoint had.',
      resolve: (e) => webhookEndpointName(e.accountId, e.id),
    }),
  }),
});

const ResendWebhookEventPayload = builder.objectRef<WebhookDelivery>('ResendWebhookEventPayload').implement({
  description: 'The new delivery of the event.',
  fields: (t) => ({
    webhookDelivery: t.field({
      type: WebhookDeliveryRef,
      description: 'The new delivery, PENDING until its first attempt.',
      resolve: (d) => d,
    }),
  }),
});

builder.queryFields((t) => ({
  webhookEndpoint: t.field({
    type: WebhookEndpointRef,
    nullable: true,
    description: 'A webhook endpoint by resource name. Fails with NOT_FOUND when the account has no such endpoint.',
    args: {
      name: t.arg.string({
        required: true,
        description: "The endpoint's resource name, `accounts/acct_…/webhook-endpoints/we_…`.",
      }),
    },
    resolve: async (_root, { name }, ctx) => {
      const accountId = requireAccountId(ctx);
      const endpoint = await getWebhookEndpoint(ctx.deps.db, accountId, endpointIdOf(name, accountId));
      if (!endpoint) throw notFound('Webhook endpoint');
      return endpoint;
    },
  }),
  webhookEndpoints: t.connection(
    {
      type: WebhookEndpointRef,
      description: "The account's webhook endpoints, newest first.",
      resolve: (_root, args, ctx) => {
        const accountId = requireAccountId(ctx);
        return resolveTimeIdConnection(args, (page) => listWebhookEndpoints(ctx.deps.db, accountId, page));
      },
    },
    { name: 'WebhookEndpointConnection', description: 'A page of webhook endpoints.' },
    { name: 'WebhookEndpointEdge', description: 'One of webhook endpoints in a page, with its cursor.' },
  ),
}));

builder.mutationFields((t) => ({
  createWebhookEndpoint: t.field({
    type: CreateWebhookEndpointPayload,
    description: `Creates a webhook endpoint and returns its signing secret, once. At most ${MAX_ENDPOINTS_PER_ACCOUNT} per account.`,
    args: {
      input: t.arg({
        type: CreateWebhookEndpointInput,
        required: true,
        description: 'The URL, the event types and a note.',
      }),
    },
    resolve: (_root, { input }, ctx) => {
      const accountId = requireAccountId(ctx);
      if (input.query != null) checkPayloadDocument(input.query, ['input', 'query']);
      return createWebhookEndpoint(ctx.deps.db, ctx.webhooks, accountId, {
        ...input,
        enabledEvents: enabledEventsIn(input.enabledEvents ?? []),
      });
    },
  }),
  updateWebhookEndpoint: t.field({
    type: UpdateWebhookEndpointPayload,
    description: 'Changes the URL, the event types or the description of an endpoint, or disables or enables it.',
    args: {
      input: t.arg({
        type: UpdateWebhookEndpointInput,
        required: true,
        description: 'The endpoint and the changes to make.',
      }),
    },
    resolve: async (_root, { input }, ctx) => {
      const accountId = requireAccountId(ctx);
      const { name, enabledEvents, ...changes } = input;
      if (input.query != null) checkPayloadDocument(input.query, ['input', 'query']);
      const endpoint = await updateWebhookEndpoint(
        ctx.deps.db,
        ctx.webhooks,
        accountId,
        endpointIdOf(name, accountId),
        {
          ...changes,
          enabledEvents: enabledEvents == null ? enabledEvents : enabledEventsIn(enabledEvents),
        },
      );
      return { endpoint };
    },
  }),
  deleteWebhookEndpoint: t.field({
    type: DeleteWebhookEndpointPayload,
    description: 'Deletes an endpoint with its delivery history, and returns the id and name it had.',
    args: {
      input: t.arg({ type: DeleteWebhookEndpointInput, required: true, description: 'The endpoint to delete.' }),
    },
    resolve: (_root, { input }, ctx) => {
      const accountId = requireAccountId(ctx);
      return deleteWebhookEndpoint(ctx.deps.db, accountId, endpointIdOf(input.name, accountId));
    },
  }),
  rotateWebhookEndpointSecret: t.field({
    type: RotateWebhookEndpointSecretPayload,
    description: 'Issues a new signing secret (shown once). The previous one keeps signing beside it for 24 hours.',
    args: {
      input: t.arg({
        type: RotateWebhookEndpointSecretInput,
        required: true,
        description: 'The endpoint whose secret to rotate.',
      }),
    },
    resolve: (_root, { input }, ctx) => {
      const accountId = requireAccountId(ctx);
      return rotateWebhookEndpointSecret(ctx.deps.db, ctx.webhooks, accountId, endpointIdOf(input.name, accountId));
    },
  }),
  resendWebhookEvent: t.field({
    type: ResendWebhookEventPayload,
    description:
      'Delivers an event to an endpoint again, as a new delivery with its own retries. The endpoint must be enabled.',
    args: {
      input: t.arg({
        type: ResendWebhookEventInput,
        required: true,
        description: 'The endpoint and the event to deliver again.',
      }),
    },
    resolve: (_root, { input }, ctx) => {
      const accountId = requireAccountId(ctx);
      return resendWebhookEvent(
        ctx.deps.db,
        accountId,
        endpointIdOf(input.webhookEndpoint, accountId),
        parseEventReference(input.event, accountId, 'event'),
      );
    },
  }),
}));
