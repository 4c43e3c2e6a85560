/* eslint-disable */
import * as types from './graphql.js';



/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "query EventsList($first: Int, $after: String, $filter: EventFilter) {\n  events(first: $first, after: $after, filter: $filter) { edges { node { id name type checkoutSession { name } } } pageInfo { hasNextPage endCursor } }\n}": typeof types.EventsListDocument,
    "mutation EventsExpire($name: String!) { expireCheckoutSession(name: $name) { state } }": typeof types.EventsExpireDocument,
    "query ListingSessions($first: Int, $after: String, $filter: CheckoutSessionFilter) {\n  checkoutSessions(first: $first, after: $after, filter: $filter) {\n    edges { cursor node { name state clientReferenceId paymentIntent { state } } }\n    pageInfo { hasNextPage endCursor }\n  }\n}": typeof types.ListingSessionsDocument,
    "query RaceSessionState($name: String!) {\n  checkoutSession(name: $name) { state paid paymentIntent { state cardLast4 } }\n}": typeof types.RaceSessionStateDocument,
    "mutation RaceExpire($name: String!) { expireCheckoutSession(name: $name) { state } }": typeof types.RaceExpireDocument,
    "\n  mutation Create($input: CreateCheckoutSessionInput!) {\n    createCheckoutSession(input: $input) {\n      id name state amount currency formattedAmount clientReferenceId url paid successUrl cancelUrl metadata\n      expireTime createTime updateTime\n      paymentIntent { id name state amount currency }\n    }\n  }": typeof types.CreateDocument,
    "\n  mutation CreateAccount($input: CreateAccountInput!) {\n    createAccount(input: $input) { account { name displayName } apiKey }\n  }": typeof types.CreateAccountDocument,
    "mutation DeliveryCreateEndpoint($input: CreateWebhookEndpointInput!) {\n  createWebhookEndpoint(input: $input) { webhookEndpoint { id name url enabledEvents allEventsEnabled description disabled } secret }\n}": typeof types.DeliveryCreateEndpointDocument,
    "query DeliveryEndpoint($name: String!) {\n  webhookEndpoint(name: $name) {\n    name url enabledEvents description disabled disabledReason failingSince previousSecretExpireTime\n    deliveries(first: 50) { edges { node {\n      id state attemptCount nextAttemptTime\n      event { id type checkoutSession { name } }\n      attempts { attemptNumber statusCode error succeeded durationMs startTime }\n    } } }\n  }\n}": typeof types.DeliveryEndpointDocument,
    "mutation DeliveryUpdateEndpoint($input: UpdateWebhookEndpointInput!) {\n  updateWebhookEndpoint(input: $input) { webhookEndpoint { name url enabledEvents allEventsEnabled description disabled disabledReason } }\n}": typeof types.DeliveryUpdateEndpointDocument,
    "mutation DeliveryRotateSecret($name: String!) {\n  rotateWebhookEndpointSecret(input: { name: $name }) { secret previousSecretExpireTime webhookEndpoint { name } }\n}": typeof types.DeliveryRotateSecretDocument,
    "mutation DeliveryExpire($name: String!) { expireCheckoutSession(name: $name) { state } }": typeof types.DeliveryExpireDocument,
};
const documents: Documents = {
    "query EventsList($first: Int, $after: String, $filter: EventFilter) {\n  events(first: $first, after: $after, filter: $filter) { edges { node { id name type checkoutSession { name } } } pageInfo { hasNextPage endCursor } }\n}": types.EventsListDocument,
    "mutation EventsExpire($name: String!) { expireCheckoutSession(name: $name) { state } }": types.EventsExpireDocument,
    "query ListingSessions($first: Int, $after: String, $filter: CheckoutSessionFilter) {\n  checkoutSessions(first: $first, after: $after, filter: $filter) {\n    edges { cursor node { name state clientReferenceId paymentIntent { state } } }\n    pageInfo { hasNextPage endCursor }\n  }\n}": types.ListingSessionsDocument,
    "query RaceSessionState($name: String!) {\n  checkoutSession(name: $name) { state paid paymentIntent { state cardLast4 } }\n}": types.RaceSessionStateDocument,
    "mutation RaceExpire($name: String!) { expireCheckoutSession(name: $name) { state } }": types.RaceExpireDocument,
    "\n  mutation Create($input: CreateCheckoutSessionInput!) {\n    createCheckoutSession(input: $input) {\n      id name state amount currency formattedAmount clientReferenceId url paid successUrl cancelUrl metadata\n      expireTime createTime updateTime\n      paymentIntent { id name state amount currency }\n    }\n  }": types.CreateDocument,
    "\n  mutation CreateAccount($input: CreateAccountInput!) {\n    createAccount(input: $input) { account { name displayName } apiKey }\n  }": types.CreateAccountDocument,
    "mutation DeliveryCreateEndpoint($input: CreateWebhookEndpointInput!) {\n  createWebhookEndpoint(input: $input) { webhookEndpoint { id name url enabledEvents allEventsEnabled description disabled } secret }\n}": types.DeliveryCreateEndpointDocument,
    "query DeliveryEndpoint($name: String!) {\n  webhookEndpoint(name: $name) {\n    name url enabledEvents description disabled disabledReason failingSince previousSecretExpireTime\n    deliveries(first: 50) { edges { node {\n      id state attemptCount nextAttemptTime\n      event { id type checkoutSession { name } }\n      attempts { attemptNumber statusCode error succeeded durationMs startTime }\n    } } }\n  }\n}": types.DeliveryEndpointDocument,
    "mutation DeliveryUpdateEndpoint($input: UpdateWebhookEndpointInput!) {\n  updateWebhookEndpoint(input: $input) { webhookEndpoint { name url enabledEvents allEventsEnabled description disabled disabledReason } }\n}": types.DeliveryUpdateEndpointDocument,
    "mutation DeliveryRotateSecret($name: String!) {\n  rotateWebhookEndpointSecret(input: { name: $name }) { secret previousSecretExpireTime webhookEndpoint { name } }\n}": types.DeliveryRotateSecretDocument,
    "mutation DeliveryExpire($name: String!) { expireCheckoutSession(name: $name) { state } }": types.DeliveryExpireDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query EventsList($first: Int, $after: String, $filter: EventFilter) {\n  events(first: $first, after: $after, filter: $filter) { edges { node { id name type checkoutSession { name } } } pageInfo { hasNextPage endCursor } }\n}"): typeof import('./graphql.js').EventsListDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation EventsExpire($name: String!) { expireCheckoutSession(name: $name) { state } }"): typeof import('./graphql.js').EventsExpireDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query ListingSessions($first: Int, $after: String, $filter: CheckoutSessionFilter) {\n  checkoutSessions(first: $first, after: $after, filter: $filter) {\n    edges { cursor node { name state clientReferenceId paymentIntent { state } } }\n    pageInfo { hasNextPage endCursor }\n  }\n}"): typeof import('./graphql.js').ListingSessionsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query RaceSessionState($name: String!) {\n  checkoutSession(name: $name) { state paid paymentIntent { state cardLast4 } }\n}"): typeof import('./graphql.js').RaceSessionStateDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation RaceExpire($name: String!) { expireCheckoutSession(name: $name) { state } }"): typeof import('./graphql.js').RaceExpireDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation Create($input: CreateCheckoutSessionInput!) {\n    createCheckoutSession(input: $input) {\n      id name state amount currency formattedAmount clientReferenceId url paid successUrl cancelUrl metadata\n      expireTime createTime updateTime\n      paymentIntent { id name state amount currency }\n    }\n  }"): typeof import('./graphql.js').CreateDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateAccount($input: CreateAccountInput!) {\n    createAccount(input: $input) { account { name displayName } apiKey }\n  }"): typeof import('./graphql.js').CreateAccountDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation DeliveryCreateEndpoint($input: CreateWebhookEndpointInput!) {\n  createWebhookEndpoint(input: $input) { webhookEndpoint { id name url enabledEvents allEventsEnabled description disabled } secret }\n}"): typeof import('./graphql.js').DeliveryCreateEndpointDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query DeliveryEndpoint($name: String!) {\n  webhookEndpoint(name: $name) {\n    name url enabledEvents description disabled disabledReason failingSince previousSecretExpireTime\n    deliveries(first: 50) { edges { node {\n      id state attemptCount nextAttemptTime\n      event { id type checkoutSession { name } }\n      attempts { attemptNumber statusCode error succeeded durationMs startTime }\n    } } }\n  }\n}"): typeof import('./graphql.js').DeliveryEndpointDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation DeliveryUpdateEndpoint($input: UpdateWebhookEndpointInput!) {\n  updateWebhookEndpoint(input: $input) { webhookEndpoint { name url enabledEvents allEventsEnabled description disabled disabledReason } }\n}"): typeof import('./graphql.js').DeliveryUpdateEndpointDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation DeliveryRotateSecret($name: String!) {\n  rotateWebhookEndpointSecret(input: { name: $name }) { secret previousSecretExpireTime webhookEndpoint { name } }\n}"): typeof import('./graphql.js').DeliveryRotateSecretDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation DeliveryExpire($name: String!) { expireCheckoutSession(name: $name) { state } }"): typeof import('./graphql.js').DeliveryExpireDocument;


export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}
