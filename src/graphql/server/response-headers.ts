import type { Plugin } from 'graphql-yoga';

/**
 * `Cache-Control: no-store` on every /graphql answer that did not choose its own (GraphiQL's
 * hashed assets do): results are per key and often secret, and GraphiQL's page may hold the
 * demo key. `Vary: Origin` because the CORS headers depend on it.
 */
export function responseHeadersPlugin(): Plugin {
  return {
    onResponse({ response }) {
      if (!response.headers.has('cache-control')) response.headers.set('cache-control', 'no-store');
      const vary = response.headers.get('vary');
      if (!vary || !/\borigin\b/i.test(vary)) response.headers.set('vary', vary ? `${vary}, Origin` : 'Origin');
    },
  };
}
