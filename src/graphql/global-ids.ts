import { hasPrefix, type IdPrefix } from '../domain/ids.js';

/**
 * The types a global id can name, with the prefix their own ids carry. `node` and `nodes` refetch
 * exactly these; anything else (another type, a foreign prefix, text that is not an id) names
 * nothing and reads as null.
 */
const NODE_ID_PREFIXES = {
  Account: 'acct',
  CheckoutSession: 'cs',
  PaymentIntent: 'pi',
  CheckoutSessionEvent: 'evt',
  CheckoutSessionSnapshot: 'evt',
  WebhookEndpoint: 'we',
  WebhookDelivery: 'whd',
  WebhookAttempt: 'wha',
  ApiKey: 'key',
} as const satisfies Record<string, IdPrefix>;

export type NodeTypeName = keyof typeof NODE_ID_PREFIXES;

/** What a global id that names nothing decodes to: no type is called that, so it loads nothing. */
const NOTHING = { typename: '', id: '' } as const;

/**
 * An event's global id is its own `evt_…` id: webhooks carry that id (`webhook-id`), and
 * subscriptions resume `after` it, so one event has one identity everywhere. The prefix keeps it
 * apart from every other global id (base64 text never contains `_`).
 */
const RAW_ID_TYPES: ReadonlySet<string> = new Set<NodeTypeName>(['CheckoutSessionEvent']);

export function isNodeTypeName(typename: string): typename is NodeTypeName {
  return Object.hasOwn(NODE_ID_PREFIXES, typename);
}

export function encodeGlobalId(typename: string, id: string | number | bigint): string {
  if (RAW_ID_TYPES.has(typename)) return String(id);
  return Buffer.from(`${typename}:${id}`).toString('base64');
}

/**
 * Never throws: Relay's `node(id)` answers null, without an error, for an id that names nothing,
 * and Apollo's default error policy would throw away the whole response for one such id.
 */
export function decodeGlobalId(globalId: string): { typename: string; id: string } {
  if (hasPrefix(globalId, 'evt')) return { typename: 'CheckoutSessionEvent', id: globalId };
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(globalId)) return NOTHING;
  const [typename = '', id = '', ...rest] = Buffer.from(globalId, 'base64').toString('utf8').split(':');
  if (rest.length > 0 || !isNodeTypeName(typename) || !hasPrefix(id, NODE_ID_PREFIXES[typename])) return NOTHING;
  return { typename, id };
}
