/**
 * The baseline for fan-out and webhooks, run as a child process like the gateway: the least a
 * process can do to move a committed event on. It LISTENs on the events channel, reads the
 * event row once per NOTIFY, and either writes it to every raw WebSocket connected to it or
 * POSTs it to RECEIVER_URL (at most 16 requests in flight, as the gateway's delivery worker).
 * No GraphQL, no protocol, no signing, no bookkeeping of attempts.
 *
 * Environment: DATABASE_URL, ACCOUNT_IDS (comma list), EVENT_TYPE, RECEIVER_URL (optional).
 * Prints `listening <port>` once ready; exits when its stdin closes (the bench ended) or after
 * ten minutes, whichever comes first.
 */
import { createServer } from 'node:http';
import postgres from 'postgres';
import { WebSocketServer, type WebSocket } from 'ws';

const databaseUrl = process.env.DATABASE_URL!;
const accountIds = new Set(process.env.ACCOUNT_IDS!.split(','));
const eventType = process.env.EVENT_TYPE!;
const receiverUrl = process.env.RECEIVER_URL || undefined;
const MAX_IN_FLIGHT = 16;

const sql = postgres(databaseUrl, { max: 4, onnotice: () => {} });
const server = createServer((_req, res) => res.writeHead(404).end());
const sockets = new Set<WebSocket>();
const wss = new WebSocketServer({ server });
wss.on('connection', (socket) => {
  sockets.add(socket);
  socket.on('close', () => sockets.delete(socket));
});

const queue: string[] = [];
let inFlight = 0;

async function relay(eventId: string) {
  const [event] = await sql`select id, type, create_time, data from event where id = ${eventId}`;
  if (!event) return;
  const body = JSON.stringify({ id: event.id, type: event.type, create_time: event.create_time, data: event.data });
  for (const socket of sockets) socket.send(body);
  if (receiverUrl) {
    const response = await fetch(receiverUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'webhook-id': String(event.id) },
      body,
      signal: AbortSignal.timeout(15_000),
    });
    await response.arrayBuffer();
  }
}

function pump() {
  while (inFlight < MAX_IN_FLIGHT && queue.length > 0) {
    const eventId = queue.shift()!;
    inFlight += 1;
    relay(eventId)
      .catch((error: unknown) => process.stderr.write(`relay: ${String(error)}\n`))
      .finally(() => {
        inFlight -= 1;
        pump();
      });
  }
}

await sql.listen('checkout_events', (payload) => {
  const notice = JSON.parse(payload) as { accountId?: string; id?: string; type?: string };
  if (!accountIds.has(notice.accountId ?? '') || notice.type !== eventType || !notice.id) return;
  queue.push(notice.id);
  pump();
});

server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`listening ${typeof address === 'object' && address ? address.port : 0}\n`);
});

async function shutdown() {
  for (const socket of sockets) socket.terminate();
  wss.close();
  server.close();
  await sql.end({ timeout: 2 });
  process.exit(0);
}
process.stdin.on('end', () => void shutdown());
process.stdin.resume();
process.on('SIGTERM', () => void shutdown());
setTimeout(() => void shutdown(), 10 * 60_000).unref();
