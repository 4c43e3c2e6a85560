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