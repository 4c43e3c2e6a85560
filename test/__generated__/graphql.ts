/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';
/** Narrows a list of checkout sessions; conditions combine with AND. */
export type CheckoutSessionFilter = {
  /** Only sessions with this client reference. */
  clientReferenceId?: string | null | undefined;
  /** Only sessions that read as this state now. */
  state?: CheckoutSessionState | null | undefined;
};

/** Where a checkout session is in its lifecycle. */
export type CheckoutSessionState =
  /** The payment succeeded. */
  | 'COMPLETE'
  /** The session expired, or was expired, without payment; its URL no longer works. */
  | 'EXPIRED'
  /** The customer can open the URL and pay. */
  | 'OPEN';

/** A new merchant account. */
export type CreateAccountInput = {
  /** The name customers see on the hosted payment page; 1 to 100 characters. */
  displayName: string;
};

/** A new checkout session. */
export type CreateCheckoutSessionInput = {
  /** Smallest currency unit as decimal digits, 1 to 999999999999: "10000" is 100.00 GBP. */
  amount: string;
  /** Absolute http(s) URL behind the page's Back link, at most 2048 characters. */
  cancelUrl?: string | null | undefined;
  /** Your own reference, such as an order id; at most 200 characters. */
  clientReferenceId?: string | null | undefined;
  /** A current ISO 4217 code; lower case is accepted. */
  currency: string;
  /** 30 minutes to 24 hours from now; default 24 hours from now. */
  expireTime?: string | null | undefined;
  /** Same meaning as the Idempotency-Key header: retries with it create nothing new. */
  idempotencyKey?: string | null | undefined;
  /** At most 50 keys of 1–40 characters (no [ or ]), string values up to 500 characters. */
  metadata?: Record<string, string> | null | undefined;
  /** Absolute http(s) URL for after payment, at most 2048 characters. `{CHECKOUT_SESSION_ID}` is replaced by the session id. */
  successUrl?: string | null | undefined;
};

/** A new webhook endpoint. */
export type CreateWebhookEndpointInput = {
  /** Your own note, at most 500 characters. */
  description?: string | null | undefined;
  /** The event types to send; absent or empty for every type, including types added later. */
  enabledEvents?: Array<EventType> | null | undefined;
  /** A GraphQL subscription document shaping each delivery's body, such as `subscription { event { id type checkoutSession { name state paymentIntent { cardBrand cardLast4 } } } }`: its one root field is `event`, the event being delivered, and the body is the document's result (`{ "data": … }`), read as this account. It is held to the limits of any operation (depth, aliases, tokens, cost) and may not declare variables; absent for the default payload. */
  query?: string | null | undefined;
  /** An absolute http(s) URL without credentials, at most 2048 characters; in production it may not reach private networks. */
  url: string;
};

/** Narrows a list of events; conditions combine with AND. */
export type EventFilter = {
  /** Only events of this checkout session, `accounts/acct_…/checkout-sessions/cs_…`. */
  checkoutSession?: string | null | undefined;
  /** Only events of these types; absent or empty for every type. */
  types?: Array<EventType> | null | undefined;
};

/** A kind of event, to choose events by. Each value stands for the `type` string events and webhooks carry. */
export type EventType =
  /** A checkout session was created (`checkout_session.created`). */
  | 'CHECKOUT_SESSION_CREATED'
  /** A checkout session expired, or was expired, without payment (`checkout_session.expired`). */
  | 'CHECKOUT_SESSION_EXPIRED'
  /** A checkout session was paid and is now COMPLETE (`checkout_session.paid`). */
  | 'CHECKOUT_SESSION_PAID'
  /** A payment attempt on a checkout session was declined; the session stays OPEN (`payment_intent.payment_failed`). */
  | 'PAYMENT_INTENT_PAYMENT_FAILED';

/** Where a payment intent is in its lifecycle. */
export type PaymentIntentState =
  /** The intent was canceled (its session expired) and can no longer be paid. */
  | 'CANCELED'
  /** A payment is being processed. */
  | 'PROCESSING'
  /** Waiting for the customer to pay. */
  | 'REQUIRES_PAYMENT_METHOD'
  /** The payment succeeded; the money is collected. */
  | 'SUCCEEDED';

/** Changes to a webhook endpoint; omitted fields stay as they are. */
export type UpdateWebhookEndpointInput = {
  /** A new note; null clears it. */
  description?: string | null | undefined;
  /** True stops deliveries (pending ones are given up; resend them later); false enables it again. */
  disabled?: boolean | null | undefined;
  /** A new list of event types; empty for every type, including types added later. Absent leaves the list as it is. */
  enabledEvents?: Array<EventType> | null | undefined;
  /** The endpoint's resource name, `accounts/acct_…/webhook-endpoints/we_…`. */
  name: string;
  /** A GraphQL subscription document shaping each delivery's body, such as `subscription { event { id type checkoutSession { name state paymentIntent { cardBrand cardLast4 } } } }`: its one root field is `event`, the event being delivered, and the body is the document's result (`{ "data": … }`), read as this account. It is held to the limits of any operation (depth, aliases, tokens, cost) and may not declare variables; absent for the default payload. Null returns to the default payload; absent leaves it. */
  query?: string | null | undefined;
  /** A new URL (same rules as on creation). */
  url?: string | null | undefined;
};

/** Where the delivery of one event to one endpoint stands. */
export type WebhookDeliveryState =
  /** Given up: the retry schedule ran out, or the endpoint was disabled. */
  | 'FAILED'
  /** Waiting for its first attempt or for a retry. */
  | 'PENDING'
  /** An attempt got a 2xx answer. */
  | 'SUCCEEDED';

/** Why a webhook endpoint stopped receiving events. */
export type WebhookEndpointDisabledReason =
  /** Every delivery to it failed for five days. */
  | 'FAILING'
  /** It answered 410 Gone. */
  | 'GONE'
  /** It was disabled through updateWebhookEndpoint. */
  | 'USER';

export type EventsListQueryVariables = Exact<{
  first?: number | null | undefined;
  after?: string | null | undefined;
  filter?: EventFilter | null | undefined;
}>;


export type EventsListQuery = { events: { edges: Array<{ node: { id: string, name: string, type: string, checkoutSession: { name: string } } }>, pageInfo: { hasNextPage: boolean, endCursor: string | null } } };

export type EventsExpireMutationVariables = Exact<{
  name: string;
}>;


export type EventsExpireMutation = { expireCheckoutSession: { state: CheckoutSessionState } };

export type ListingSessionsQueryVariables = Exact<{
  first?: number | null | undefined;
  after?: string | null | undefined;
  filter?: CheckoutSessionFilter | null | undefined;
}>;


export type ListingSessionsQuery = { checkoutSessions: { edges: Array<{ cursor: string, node: { name: string, state: CheckoutSessionState, clientReferenceId: string | null, paymentIntent: { state: PaymentIntentState } } }>, pageInfo: { hasNextPage: boolean, endCursor: string | null } } };

export type RaceSessionStateQueryVariables = Exact<{
  name: string;
}>;


export type RaceSessionStateQuery = { checkoutSession: { state: CheckoutSessionState, paid: boolean, paymentIntent: { state: PaymentIntentState, cardLast4: string | null } } | null };

export type RaceExpireMutationVariables = Exact<{
  name: string;
}>;


export type RaceExpireMutation = { expireCheckoutSession: { state: CheckoutSessionState } };

export type CreateMutationVariables = Exact<{
  input: CreateCheckoutSessionInput;
}>;


export type CreateMutation = { createCheckoutSession: { id: string, name: string, state: CheckoutSessionState, amount: string, currency: string, formattedAmount: string, clientReferenceId: string | null, url: string | null, paid: boolean, successUrl: string | null, cancelUrl: string | null, metadata: Record<string, string>, expireTime: string, createTime: string, updateTime: string, paymentIntent: { id: string, name: string, state: PaymentIntentState, amount: string, currency: string } } };

export type CreateAccountMutationVariables = Exact<{
  input: CreateAccountInput;
}>;


export type CreateAccountMutation = { createAccount: { apiKey: string, account: { name: string, displayName: string } } };

export type DeliveryCreateEndpointMutationVariables = Exact<{
  input: CreateWebhookEndpointInput;
}>;


export type DeliveryCreateEndpointMutation = { createWebhookEndpoint: { secret: string, webhookEndpoint: { id: string, name: string, url: string, enabledEvents: Array<EventType>, allEventsEnabled: boolean, description: string | null, disabled: boolean } } };

export type DeliveryEndpointQueryVariables = Exact<{
  name: string;
}>;


export type DeliveryEndpointQuery = { webhookEndpoint: { name: string, url: string, enabledEvents: Array<EventType>, description: string | null, disabled: boolean, disabledReason: WebhookEndpointDisabledReason | null, failingSince: string | null, previousSecretExpireTime: string | null, deliveries: { edges: Array<{ node: { id: string, state: WebhookDeliveryState, attemptCount: number, nextAttemptTime: string | null, event: { id: string, type: string, checkoutSession: { name: string } }, attempts: Array<{ attemptNumber: number, statusCode: number | null, error: string | null, succeeded: boolean, durationMs: number, startTime: string }> } }> } } | null };

export type DeliveryUpdateEndpointMutationVariables = Exact<{
  input: UpdateWebhookEndpointInput;
}>;


export type DeliveryUpdateEndpointMutation = { updateWebhookEndpoint: { webhookEndpoint: { name: string, url: string, enabledEvents: Array<EventType>, allEventsEnabled: boolean, description: string | null, disabled: boolean, disabledReason: WebhookEndpointDisabledReason | null } } };

export type DeliveryRotateSecretMutationVariables = Exact<{
  name: string;
}>;


export type DeliveryRotateSecretMutation = { rotateWebhookEndpointSecret: { secret: string, previousSecretExpireTime: string, webhookEndpoint: { name: string } } };

export type DeliveryExpireMutationVariables = Exact<{
  name: string;
}>;


export type DeliveryExpireMutation = { expireCheckoutSession: { state: CheckoutSessionState } };

export class TypedDocumentString<TResult, TVariables>
  extends String
  implements DocumentTypeDecoration<TResult, TVariables>
{
  __apiType?: NonNullable<DocumentTypeDecoration<TResult, TVariables>['__apiType']>;
  private value: string;
  public __meta__?: Record<string, any> | undefined;

  constructor(value: string, __meta__?: Record<string, any> | undefined) {
    super(value);
    this.value = value;
    this.__meta__ = __meta__;
  }

  override toString(): string & DocumentTypeDecoration<TResult, TVariables> {
    return this.value;
  }
}

export const EventsListDocument = new TypedDocumentString(`
    query EventsList($first: Int, $after: String, $filter: EventFilter) {
  events(first: $first, after: $after, filter: $filter) {
    edges {
      node {
        id
        name
        type
        checkoutSession {
          name
        }
      }
    }
    pageInfo {
      hasNextPage
      endCursor
    }
  }
}
    `) as unknown as TypedDocumentString<EventsListQuery, EventsListQueryVariables>;
export const EventsExpireDocument = new TypedDocumentString(`
    mutation EventsExpire($name: String!) {
  expireCheckoutSession(name: $name) {
    state
  }
}
    `) as unknown as TypedDocumentString<EventsExpireMutation, EventsExpireMutationVariables>;
export const ListingSessionsDocument = new TypedDocumentString(`
    query ListingSessions($first: Int, $after: String, $filter: CheckoutSessionFilter) {
  checkoutSessions(first: $first, after: $after, filter: $filter) {
    edges {
      cursor
      node {
        name
        state
        clientReferenceId
        paymentIntent {
          state
        }
      }
    }
    pageInfo {
      hasNextPage
      endCursor
    }
  }
}
    `) as unknown as TypedDocumentString<ListingSessionsQuery, ListingSessionsQueryVariables>;
export const RaceSessionStateDocument = new TypedDocumentString(`
    query RaceSessionState($name: String!) {
  checkoutSession(name: $name) {
    state
    paid
    paymentIntent {
      state
      cardLast4
    }
  }
}
    `) as unknown as TypedDocumentString<RaceSessionStateQuery, RaceSessionStateQueryVariables>;
export const RaceExpireDocument = new TypedDocumentString(`
    mutation RaceExpire($name: String!) {
  expireCheckoutSession(name: $name) {
    state
  }
}
    `) as unknown as TypedDocumentString<RaceExpireMutation, RaceExpireMutationVariables>;
export const CreateDocument = new TypedDocumentString(`
    mutation Create($input: CreateCheckoutSessionInput!) {
  createCheckoutSession(input: $input) {
    id
    name
    state
    amount
    currency
    formattedAmount
    clientReferenceId
    url
    paid
    successUrl
    cancelUrl
    metadata
    expireTime
    createTime
    updateTime
    paymentIntent {
      id
      name
      state
      amount
      currency
    }
  }
}
    `) as unknown as TypedDocumentString<CreateMutation, CreateMutationVariables>;
export const CreateAccountDocument = new TypedDocumentString(`
    mutation CreateAccount($input: CreateAccountInput!) {
  createAccount(input: $input) {
    account {
      name
      displayName
    }
    apiKey
  }
}
    `) as unknown as TypedDocumentString<CreateAccountMutation, CreateAccountMutationVariables>;
export const DeliveryCreateEndpointDocument = new TypedDocumentString(`
    mutation DeliveryCreateEndpoint($input: CreateWebhookEndpointInput!) {
  createWebhookEndpoint(input: $input) {
    webhookEndpoint {
      id
      name
      url
      enabledEvents
      allEventsEnabled
      description
      disabled
    }
    secret
  }
}
    `) as unknown as TypedDocumentString<DeliveryCreateEndpointMutation, DeliveryCreateEndpointMutationVariables>;
export const DeliveryEndpointDocument = new TypedDocumentString(`
    query DeliveryEndpoint($name: String!) {
  webhookEndpoint(name: $name) {
    name
    url
    enabledEvents
    description
    disabled
    disabledReason
    failingSince
    previousSecretExpireTime
    deliveries(first: 50) {
      edges {
        node {
          id
          state
          attemptCount
          nextAttemptTime
          event {
            id
            type
            checkoutSession {
              name
            }
          }
          attempts {
            attemptNumber
            statusCode
            error
            succeeded
            durationMs
            startTime
          }
        }
      }
    }
  }
}
    `) as unknown as TypedDocumentString<DeliveryEndpointQuery, DeliveryEndpointQueryVariables>;
export const DeliveryUpdateEndpointDocument = new TypedDocumentString(`
    mutation DeliveryUpdateEndpoint($input: UpdateWebhookEndpointInput!) {
  updateWebhookEndpoint(input: $input) {
    webhookEndpoint {
      name
      url
      enabledEvents
      allEventsEnabled
      description
      disabled
      disabledReason
    }
  }
}
    `) as unknown as TypedDocumentString<DeliveryUpdateEndpointMutation, DeliveryUpdateEndpointMutationVariables>;
export const DeliveryRotateSecretDocument = new TypedDocumentString(`
    mutation DeliveryRotateSecret($name: String!) {
  rotateWebhookEndpointSecret(input: {name: $name}) {
    secret
    previousSecretExpireTime
    webhookEndpoint {
      name
    }
  }
}
    `) as unknown as TypedDocumentString<DeliveryRotateSecretMutation, DeliveryRotateSecretMutationVariables>;
export const DeliveryExpireDocument = new TypedDocumentString(`
    mutation DeliveryExpire($name: String!) {
  expireCheckoutSession(name: $name) {
    state
  }
}
    `) as unknown as TypedDocumentString<DeliveryExpireMutation, DeliveryExpireMutationVariables>;