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
};
const documents: Documents = {
    "query EventsList($first: Int, $after: String, $filter: EventFilter) {\n  events(first: $first, after: $after, filter: $filter) { edges { node { id name type checkoutSession { name } } } pageInfo { hasNextPage endCursor } }\n}": types.EventsListDocument,
    "mutation EventsExpire($name: String!) { expireCheckoutSession(name: $name) { state } }": types.EventsExpireDocument,
    "query ListingSessions($first: Int, $after: String, $filter: CheckoutSessionFilter) {\n  checkoutSessions(first: $first, after: $after, filter: $filter) {\n    edges { cursor node { name state clientReferenceId paymentIntent { state } } }\n    pageInfo { hasNextPage endCursor }\n  }\n}": types.ListingSessionsDocument,
    "query RaceSessionState($name: String!) {\n  checkoutSession(name: $name) { state paid paymentIntent { state cardLast4 } }\n}": types.RaceSessionStateDocument,
    "mutation RaceExpire($name: String!) { expireCheckoutSession(name: $name) { state } }": types.RaceExpireDocument,
    "\n  mutation Create($input: CreateCheckoutSessionInput!) {\n    createCheckoutSession(input: $input) {\n      id name state amount currency formattedAmount clientReferenceId url paid successUrl cancelUrl metadata\n      expireTime createTime updateTime\n      paymentIntent { id name state amount currency }\n    }\n  }": types.CreateDocument,
    "\n  mutation CreateAccount($input: CreateAccountInput!) {\n    createAccount(input: $input) { account { name displayName } apiKey }\n  }": types.CreateAccountDocument,
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


export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}
