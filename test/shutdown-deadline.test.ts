/**
 * A client that sends half a request cannot hold a graceful shutdown: after the deadline
 * (SHUTDOWN_TIMEOUT, shortened here) its connection is closed and stop() finishes.
 */
import { connect, type Socket } from 'node:net';
import { expect, it } from 'vitest';
import { startGateway } from './testkit.js';

async function openSocket(url: string, text: string): Promise<{ socket: Socket; closed: Promise<string> }> {
  const { port } = new URL(url);
  const socket = connect(Number(port), '127.0.0.1');
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  socket.on('error', () => {});
  let received = '';
  socket.on('data', (data) => (received += data));
  const closed = new Promise<string>((resolve) => socket.once('close', () => resolve(received)));
  socket.write(text);
  return { socket, closed };
}

it('closes half-sent requests after the deadline, so stop() finishes, while a request sent whole is answered', async () => {
  const gateway = await startGateway({ shutdownTimeoutMs: 500 });
  const halfHead = await openSocket(gateway.url, 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ');
  const halfBody = await openSocket(
    gateway.url,
    'POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"query":',
  );
  // A request on another connection, sent whole as the shutdown begins, still gets its answer.
  const whole = fetch(`${gateway.url}/healthz`).then((response) => response.status);
  await new Promise((resolve) => setTimeout(resolve, 200));

  const stopped = gateway.stop().then(() => 'stopped');
  const outcome = await Promise.race([
    stopped,
    new Promise((resolve) => setTimeout(() => resolve('still waiting'), 20_000)),
  ]);
  expect(outcome).toBe('stopped');
  expect(await whole).toBe(200);
  // Closed without an answer: they never finished asking.
  expect(await halfHead.closed).toBe('');
  expect(await halfBody.closed).toBe('');
}, 60_000);
