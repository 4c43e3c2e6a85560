import type { Plugin } from 'graphql-yoga';

/**
 * A request that is not a GraphQL-over-HTTP request at all (a body that is not JSON, no query)
 * gets 400 whatever media type the client accepts, as the spec asks. Yoga marks these errors
 * `http.spec`, which turns them into 200 for `application/json` clients, as it rightly does for
 * a well-formed request whose document fails validation (those keep their code and 200).
 */
export function requestErrorStatusPlugin(): Plugin {
  return {
    onResultProcess({ result }) {
      for (const one of Array.isArray(result) ? result : [result]) {
        if (!one || typeof one !== 'object' || Symbol.asyncIterator in one) continue;
        for (const error of (
          one as {
            errors?: readonly {
              extensions?: { code?: unknown; http?: { spec?: boolean } } & Record<string, unknown>;
            }[];
          }
        ).errors ?? []) {
          const http = error.extensions?.http;
          if (error.extensions?.code === 'BAD_REQUEST' && http?.spec) error.extensions!.http = { ...http, spec: false };
        }
      }
    },
  };
}
