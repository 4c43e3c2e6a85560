/**
 * `checkout-gateway listen`: the account's events, from the gateway's `events` subscription,
 * forwarded to a local URL as signed webhooks, so a handler can be developed on a laptop
 * without a public URL.
 */
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { toCheckoutSessionResource } from '../domain/checkout-sessions/resource.js';
import type { CheckoutSession } from '../domain/checkout-sessions/model.js';
import type { EventRecord } from '../domain/events/event.js';
import { webhookBody } from '../domain/webhooks/payload.js';
import { generateSecret, signWebhook } from '../domain/webhooks/signing.js';
import { accountOf, authorization, CliError, type GatewayOptions } from './gateway-client.js';

export interface ListenOptions {
  gateway: GatewayOptions;
  forwardTo: string;
  /** EventType enum names; empty for every type. */
  types: string[];
  secret?: string;
  out: (line: string) => void;
  err: (line: string) => void;
}

const EVENTS_SUBSCRIPTION = /* GraphQL */ `
  subscription Listen($types: [EventType!], $after: String) {
    events(types: $types, after: $after) {
      id
      type
      createTime
      sequence
      checkoutSessionSnapshot {
        name state amount currency clientReferenceId url paymentIntent { name } paid
        successUrl cancelUrl metadata expireTime createTime updateTime
      }
    }
  }
`;

interface SnapshotFields {
  name: string;
  state: CheckoutSession['state'];
  amount: string;
  currency: string;
  clientReferenceId: string | null;
  url: string;
  paymentIntent: { name: string };
  successUrl: string | null;
  cancelUrl: string | null;
  metadata: Record<string, string>;
  expireTime: string;
  createTime: string;
  updateTime: string;
}

interface ReceivedEvent {
  id: string;
  type: string;
  createTime: string;
  sequence: number | null;
  checkoutSessionSnapshot: SnapshotFields;
}

const BACKOFF_FIRST_MS = 250;
const BACKOFF_MAX_MS = 5_000;
const FORWARD_TIMEOUT_MS = 15_000;

/**
 * The body a real delivery of this event would carry: the event rebuilt as the domain records
 * it, then serialised by the same function the delivery worker uses.
 */
function bodyOf(event: ReceivedEvent): string {
  const s = event.checkoutSessionSnapshot;
  const [, accountId, , id] = s.name.split('/');
  const session: CheckoutSession = {
    id: id!,
    accountId: accountId!,
    state: s.state,
    amount: BigInt(s.amount),
    currency: s.currency,
    clientReferenceId: s.clientReferenceId,
    successUrl: s.successUrl,
    cancelUrl: s.cancelUrl,
    metadata: s.metadata,
    paymentIntentId: s.paymentIntent.name.split('/').pop()!,
    expireTime: new Date(s.expireTime),
    createTime: new Date(s.createTime),
    updateTime: new Date(s.updateTime),
  } as CheckoutSession;
  // The page URL is the gateway's own (its PUBLIC_URL), as it sent it.
  const resource = { ...toCheckoutSessionResource(session, 'http://unused.invalid'), url: s.url };
  const record = {
    id: event.id,
    type: event.type,
    createTime: new Date(event.createTime),
    sessionSequence: event.sequence,
    accountId,
    data: { checkout_session: resource },
  };
  return webhookBody(record as unknown as EventRecord);
}

interface Forwarded {
  status: string;
  ms: number;
}

async function forward(target: string, secret: string, event: ReceivedEvent): Promise<Forwarded> {
  const body = bodyOf(event);
  const timestamp = Math.floor(Date.now() / 1000);
  const started = performance.now();
  try {
    const response = await fetch(target, {
      method: 'POST',
      redirect: 'manual',
      signal: AbortSignal.timeout(FORWARD_TIMEOUT_MS),
      headers: {
        'content-type': 'application/json',
        'user-agent': 'checkout-gateway-cli/1',
        'webhook-id': event.id,
        'webhook-timestamp': String(timestamp),
        'webhook-signature': signWebhook([secret], event.id, timestamp, body),
      },
      body,
    });
    await response.arrayBuffer().catch(() => undefined);
    return { status: String(response.status), ms: Math.round(performance.now() - started) };
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).name;
    return { status: `failed (${cause})`, ms: Math.round(performance.now() - started) };
  }
}

function websocketUrl(base: string): string {
  const url = new URL('/graphql', base);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return url.href;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function isNetworkError(error: unknown): boolean {
  return error instanceof TypeError && /fetch failed/.test(error.message);
}

/** Why a subscription ended: a lost connection is retried, anything else ends the command. */
function fatalReason(error: unknown): string | null {
  if (Array.isArray(error)) {
    const first = error[0] as { message?: string; extensions?: { code?: string } } | undefined;
    if (first?.extensions?.code === 'UNAUTHENTICATED') return `The API key was refused (${first.message}).`;
    return `The gateway refused the subscription: ${first?.extensions?.code ?? 'ERROR'}: ${first?.message ?? 'unknown error'}`;
  }
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 4403)
    return 'The API key was refused or revoked (WebSocket closed 4403). Pass a valid one with --api-key or CHECKOUT_API_KEY.';
  if (code === 4400 || code === 4500)
    return `The gateway closed the subscription (${code}: ${(error as { reason?: string }).reason ?? ''}).`;
  return null;
}

/** Runs until a signal or a fatal error; resolves with the exit code. */
export async function listen(options: ListenOptions, stopSignal: AbortSignal): Promise<number> {
  const { gateway, forwardTo, out, err } = options;
  const target = new URL(forwardTo);
  if (target.protocol !== 'http:' && target.protocol !== 'https:')
    throw new CliError(`--forward-to must be an http(s) URL, not ${forwardTo}`);
  const secret = options.secret ?? generateSecret();
  if (!/^whsec_[A-Za-z0-9+/]+=*$/.test(secret)) throw new CliError('--secret must look like whsec_<base64>.');

  let backoff = BACKOFF_FIRST_MS;
  let account: { name: string; displayName: string } | undefined;
  while (!account) {
    try {
      account = await accountOf(gateway);
    } catch (error) {
      if (!isNetworkError(error)) throw error;
      if (stopSignal.aborted) return 0;
      err(`Cannot reach ${gateway.url}; retrying in ${backoff} ms…`);
      await sleep(backoff);
      backoff = Math.min(backoff * 2, BACKOFF_MAX_MS);
    }
  }
  out(`Ready! Forwarding events of ${account.name} (${account.displayName}) to ${target.href}`);
  out(`Your webhook signing secret is ${secret} (verify the webhook-signature header with it)`);
  out(`Events: ${options.types.length ? options.types.join(', ') : 'all'}. Press Ctrl-C to stop.`);

  let lastId: string | null = null;
  backoff = BACKOFF_FIRST_MS;
  while (!stopSignal.aborted) {
    let client: Client | undefined;
    // Events are forwarded one at a time, in order; `lastId` moves only once one has been
    // forwarded, so a reconnection resumes right after the last event the receiver was sent.
    let queue = Promise.resolve();
    const ended = await new Promise<unknown>((resolve) => {
      client = createClient({
        url: websocketUrl(gateway.url),
        webSocketImpl: WebSocket,
        connectionParams: { Authorization: authorization(gateway.apiKey) },
        retryAttempts: 0,
        lazy: true,
        on: {
          connected: () => {
            if (lastId !== null || backoff !== BACKOFF_FIRST_MS)
              err(`Connected again; resuming after ${lastId ?? 'the start'}.`);
            backoff = BACKOFF_FIRST_MS;
          },
        },
      });
      const stop = () => resolve(undefined);
      stopSignal.addEventListener('abort', stop, { once: true });
      client.subscribe<ReceivedEvent>(
        {
          query: EVENTS_SUBSCRIPTION,
          variables: { types: options.types.length ? options.types : null, after: lastId },
        },
        {
          next: (result) => {
            if (result.errors?.length) {
              resolve(result.errors);
              return;
            }
            const event = (result.data as unknown as { events: ReceivedEvent }).events;
            queue = queue.then(async () => {
              const answer = await forward(target.href, secret, event);
              lastId = event.id;
              out(
                `${event.createTime}  ${event.type.padEnd(26)} ${event.id}  ${event.checkoutSessionSnapshot.name}  → ${answer.status} (${answer.ms} ms)`,
              );
            });
          },
          error: (error) => resolve(error ?? new Error('subscription failed')),
          complete: () => resolve(new Error('the gateway ended the subscription')),
        },
      );
    });
    await queue;
    await client?.dispose();
    if (stopSignal.aborted) break;
    const fatal = fatalReason(ended);
    if (fatal) {
      err(fatal);
      return 1;
    }
    err(`Connection to ${gateway.url} lost; reconnecting in ${backoff} ms…`);
    await sleep(backoff);
    backoff = Math.min(backoff * 2, BACKOFF_MAX_MS);
  }
  return 0;
}
