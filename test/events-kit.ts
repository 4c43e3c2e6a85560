/**
 * Test helpers for events and webhooks: a graphql-ws subscriber, an SSE subscriber, a real
 * HTTP webhook receiver, and a private PostgreSQL database.
 */
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createClient, type Client } from 'graphql-ws';
import postgres from 'postgres';
import WebSocket from 'ws';
import { testDatabaseUrl } from './testkit.js';

/** Polls `check` until it returns a value other than undefined/false, or fails with `describe()`. */
export async function eventually<T>(
  check: () => T | undefined | false | Promise<T | undefined | false>,
  describe: () => string,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting: ${describe()}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

export interface Collected {
  /** Every `data` payload received, in order. */
  readonly items: any[];
  /** Every `errors` array received. */
  readonly errors: any[];
  completed: boolean;
  /** Resolves once `count` items arrived. */
  waitFor(count: number, timeoutMs?: number): Promise<any[]>;
  close(): Promise<void>;
}

function collector(close: () => Promise<void>): Collected & { push(item: any): void; fail(errors: any): void } {
  const collected = {
    items: [] as any[],
    errors: [] as any[],
    completed: false,
    push(item: any) {
      collected.items.push(item);
    },
    fail(errors: any) {
      collected.errors.push(errors);
    },
    waitFor: (count: number, timeoutMs = 20_000) =>
      eventually(
        () =>
          collected.items.length >= count
            ? collected.items
            : collected.errors.length > 0
              ? Promise.reject(new Error(JSON.stringify(collected.errors)))
              : undefined,
        () => `${count} items, got ${collected.items.length}: ${JSON.stringify(collected.items)}`,
        timeoutMs,
      ),
    close,
  };
  return collected;
}

export function wsClient(baseUrl: string, key: string | null): Client {
  return createClient({
    url: `${baseUrl.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: key ? { Authorization: `Api-Key ${key}` } : {},
    retryAttempts: 0,
    lazy: true,
  });
}

/** Subscribes over graphql-ws; each `next` payload's data (or errors) is collected. */
export function subscribeWs(
  baseUrl: string,
  key: string | null,
  query: string,
  variables: Record<string, unknown> = {},
): Collected {
  const client = wsClient(baseUrl, key);
  const result = collector(async () => {
    unsubscribe();
    await client.dispose();
  });
  const unsubscribe = client.subscribe(
    { query, variables },
    {
      next: (payload) => (payload.errors ? result.fail(payload.errors) : result.push(payload.data)),
      error: (error) =>
        result.fail(error instanceof Error ? error.message : ((error as { code?: number })?.code ?? error)),
      complete: () => {
        result.completed = true;
      },
    },
  );
  return result;
}

/**
 * Subscribes over server-sent events (Yoga's GraphQL over SSE). Resolves once the response
 * head arrived, which Yoga sends only after the subscription was set up.
 */
export async function subscribeSse(
  baseUrl: string,
  key: string,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<Collected & { status: number }> {
  const abort = new AbortController();
  const response = await fetch(`${baseUrl}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Api-Key ${key}` },
    body: JSON.stringify({ query, variables }),
    signal: abort.signal,
  });
  const result = Object.assign(
    collector(async () => {
      abort.abort();
    }),
    { status: response.status },
  );
  void (async () => {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
          const message = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event = /^event: (.*)$/m.exec(message)?.[1];
          const data = message
            .split('\n')
            .filter((line) => line.startsWith('data:'))
            .map((line) => line.slice(5).trim())
            .join('\n');
          if (event === 'complete') result.completed = true;
          else if (data) {
            const payload = JSON.parse(data);
            if (payload.errors) result.fail(payload.errors);
            else result.push(payload.data);
          }
        }
      }
      result.completed = true;
    } catch {
      // aborted by close()
    }
  })();
  return result;
}

export interface ReceivedWebhook {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface Receiver {
  url: string;
  requests: ReceivedWebhook[];
  /** Decides each answer; the default answers 204. Return undefined to leave the request hanging. */
  respond: (request: ReceivedWebhook, response: ServerResponse) => number | undefined | undefined;
  close(): Promise<void>;
}

/** A real HTTP server on 127.0.0.1 that records every request it gets. */
export async function startReceiver(): Promise<Receiver> {
  const hanging = new Set<ServerResponse>();
  const receiver: Receiver = {
    url: '',
    requests: [],
    respond: () => 204,
    close: () =>
      new Promise<void>((resolve) => {
        for (const response of hanging) response.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  const server = createServer((request, response) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      const received = { method: request.method ?? '', path: request.url ?? '', headers: request.headers, body };
      receiver.requests.push(received);
      const status = receiver.respond(received, response);
      if (typeof status === 'number') response.writeHead(status).end();
      else if (!response.writableEnded) hanging.add(response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return receiver;
}

/** The headers standardwebhooks' verify() reads. */
export function signatureHeaders(request: ReceivedWebhook): Record<string, string> {
  return {
    'webhook-id': String(request.headers['webhook-id']),
    'webhook-timestamp': String(request.headers['webhook-timestamp']),
    'webhook-signature': String(request.headers['webhook-signature']),
  };
}

/**
 * On PostgreSQL, a database of this file's own, so that gateways of other test files (running
 * at the same time with other retry schedules) do not claim this file's webhook deliveries.
 * Undefined on PGlite, where every gateway has its own in-memory database anyway.
 */
export async function privateDatabase(label: string): Promise<{ url: string; drop(): Promise<void> } | undefined> {
  const shared = testDatabaseUrl();
  if (!shared) return undefined;
  const name = `${new URL(shared).pathname.slice(1)}_${label}`;
  const admin = postgres(shared, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  await admin.end();
  const url = new URL(shared);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const again = postgres(shared, { max: 1, onnotice: () => {} });
      await again.unsafe(`drop database if exists ${name} with (force)`);
      await again.end();
    },
  };
}
