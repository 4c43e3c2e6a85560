/**
 * Every entry point limits what it reads while reading: a body larger than its limit is refused
 * before the client has finished sending it, and the connection is closed rather than drained.
 */
import { connect, type Socket } from 'node:net';
import { describe, expect } from 'vitest';
import WebSocket from 'ws';
import { createSession } from './testkit.js';
import { test as withGateway } from './fixtures.js';

interface Upload {
  /** The status line's code, or 0 when no answer came. */
  status: number;
  head: string;
  /** Body bytes written before the answer arrived (or all of them). */
  sentBytes: number;
  /** True when the answer arrived while the body was still being sent. */
  answeredEarly: boolean;
  /** True when the server closed the connection after answering. */
  closedByServer: boolean;
}

/**
 * Sends a chunked body of up to `maxBytes` over a raw socket, 64 KiB at a time, stopping as soon
 * as the server answers; then waits briefly to see whether the server closes the connection.
 */
const test = withGateway
  .extend(
    'chunkedUpload',
    ({ gateway }) =>
      async (path: string, headers: Record<string, string>, maxBytes = 16 * 1024 * 1024): Promise<Upload> => {
        const { hostname, port } = new URL(gateway.url);
        const socket: Socket = connect(Number(port), hostname === 'localhost' ? '127.0.0.1' : hostname);
        await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
        let received = '';
        let closed = false;
        socket.on('data', (data) => {
          received += data.toString('latin1');
        });
        socket.on('error', () => {});
        const closedPromise = new Promise<void>((resolve) =>
          socket.once('close', () => {
            closed = true;
            resolve();
          }),
        );
        const head = [
          `POST ${path} HTTP/1.1`,
          `Host: ${hostname}:${port}`,
          'Transfer-Encoding: chunked',
          ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
          '',
          '',
        ].join('\r\n');
        socket.write(head);
        const chunk = Buffer.alloc(64 * 1024, 'a');
        let sent = 0;
        let answeredEarly = false;
        while (sent < maxBytes) {
          if (received.length > 0 || closed) {
            answeredEarly = true;
            break;
          }
          const flushed =
            socket.write(`${chunk.length.toString(16)}\r\n`) && socket.write(chunk) && socket.write('\r\n');
          sent += chunk.length;
          if (!flushed) {
            await Promise.race([
              new Promise((resolve) => socket.once('drain', resolve)),
              closedPromise,
              new Promise((resolve) => setTimeout(resolve, 2000)),
            ]);
          } else {
            await new Promise((resolve) => setImmediate(resolve));
          }
        }
        if (!answeredEarly && !closed) socket.write('0\r\n\r\n');
        const deadline = Date.now() + 10_000;
        while (!received.includes('\r\n\r\n') && !closed && Date.now() < deadline)
          await new Promise((resolve) => setTimeout(resolve, 20));
        await Promise.race([closedPromise, new Promise((resolve) => setTimeout(resolve, 2000))]);
        const closedByServer = closed;
        socket.destroy();
        const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(received)?.[1] ?? 0);
        return { status, head: received.split('\r\n\r\n')[0]!, sentBytes: sent, answeredEarly, closedByServer };
      },
  )
  /** Opens a graphql-ws socket and resolves with what happened first: an acknowledgement or a close. */
  .extend(
    'openGraphqlWs',
    ({ gateway }) =>
      async (
        init: unknown | undefined,
      ): Promise<{ socket: WebSocket; outcome: Promise<{ acked: boolean; closeCode?: number; reason?: string }> }> => {
        const socket = new WebSocket(`${gateway.url.replace('http', 'ws')}/graphql`, 'graphql-transport-ws');
        const outcome = new Promise<{ acked: boolean; closeCode?: number; reason?: string }>((resolve) => {
          socket.on('message', (data) => {
            if (JSON.parse(String(data)).type === 'connection_ack') resolve({ acked: true });
          });
          socket.on('close', (code, reason) => resolve({ acked: false, closeCode: code, reason: String(reason) }));
          socket.on('error', () => {});
        });
        await new Promise<void>((resolve, reject) => socket.once('open', resolve).once('error', reject));
        if (init !== undefined) socket.send(typeof init === 'string' ? init : JSON.stringify(init));
        return { socket, outcome };
      },
  );
test.override('shopName', 'Limited shop');
test.beforeAll(({ gateway }) => void gateway);

describe('request bodies are limited while they are read', () => {
  test('refuses an oversized chunked payment form with 413 before it has all arrived, and closes the connection', async ({
    gateway,
    shop,
    chunkedUpload,
  }) => {
    const session = await createSession(gateway, shop.apiKey);
    const path = new URL(session.url).pathname + new URL(session.url).search;
    const upload = await chunkedUpload(path, { 'Content-Type': 'application/x-www-form-urlencoded' });
    expect(upload.status, JSON.stringify(upload)).toBe(413);
    expect(upload.answeredEarly).toBe(true);
    expect(upload.sentBytes).toBeLessThan(12 * 1024 * 1024);
    expect(upload.closedByServer).toBe(true);
  });

  test('refuses an oversized chunked REST body with 413 and closes the connection instead of draining it', async ({
    shop,
    chunkedUpload,
  }) => {
    const upload = await chunkedUpload(`/v1/accounts/${shop.accountId}/checkout-sessions`, {
      'Content-Type': 'application/json',
      Authorization: `Api-Key ${shop.apiKey}`,
    });
    expect(upload.status, JSON.stringify(upload)).toBe(413);
    expect(upload.answeredEarly).toBe(true);
    expect(upload.sentBytes).toBeLessThan(12 * 1024 * 1024);
    expect(upload.closedByServer).toBe(true);
  });

  test('refuses a chunked /graphql body (SSE included) at once, and a GraphQL GET whose query string is too long', async ({
    gateway,
    shop,
    chunkedUpload,
  }) => {
    for (const accept of ['application/json', 'text/event-stream']) {
      const upload = await chunkedUpload('/graphql', {
        'Content-Type': 'application/json',
        Accept: accept,
        Authorization: `Api-Key ${shop.apiKey}`,
      });
      expect(upload.status, upload.head).toBe(411);
      expect(upload.answeredEarly).toBe(true);
      expect(upload.closedByServer).toBe(true);
    }
    // Node's HTTP parser holds the request line and headers to 16 KiB.
    const query = encodeURIComponent(`{ account { name } } # ${'x'.repeat(20_000)}`);
    const response = await fetch(`${gateway.url}/graphql?query=${query}`, {
      headers: { authorization: `Api-Key ${shop.apiKey}` },
    });
    expect(response.status).toBe(431);
  });
});

describe('WebSocket connections', () => {
  test('closes a connection whose message is larger than the frame limit (1009), before authentication', async ({
    openGraphqlWs,
  }) => {
    const { outcome } = await openGraphqlWs({ type: 'connection_init', payload: { pad: 'x'.repeat(1024 * 1024) } });
    expect(await outcome).toMatchObject({ acked: false, closeCode: 1009 });
  });

  test('closes a connection without a valid key at connection_init with 4403, and acknowledges a valid one', async ({
    shop,
    openGraphqlWs,
  }) => {
    for (const payload of [{}, { Authorization: 'Api-Key sk_not_a_real_key' }, { Authorization: 'Bearer nonsense' }]) {
      const { outcome } = await openGraphqlWs({ type: 'connection_init', payload });
      expect(await outcome, JSON.stringify(payload)).toMatchObject({ acked: false, closeCode: 4403 });
    }
    const { socket, outcome } = await openGraphqlWs({
      type: 'connection_init',
      payload: { Authorization: `Api-Key ${shop.apiKey}` },
    });
    expect(await outcome).toEqual({ acked: true });
    socket.close();
  });

  test('closes a connection that never sends connection_init (4408)', async ({ openGraphqlWs }) => {
    const { outcome } = await openGraphqlWs(undefined);
    expect(await outcome).toMatchObject({ acked: false, closeCode: 4408 });
  });
});
