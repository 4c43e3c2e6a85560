/**
 * The limits every GraphQL document is held to (graphql-armor): operations over HTTP, SSE and
 * graphql-ws, and the payload documents of webhook endpoints.
 */
export const OPERATION_LIMITS = {
  maxDepth: { n: 10 },
  maxAliases: { n: 15 },
  maxTokens: { n: 2000 },
  maxDirectives: { n: 20 },
  costLimit: { maxCost: 10_000 },
};
