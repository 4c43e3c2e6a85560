/**
 * How webhooks are read: one endpoint, the batches DataLoader asks for, and the pages of
 * endpoints, deliveries and attempts with the statements behind them (the plan test runs those).
 */
import { and, eq, inArray, sql, type SQL } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { PreparedStatement, RowReader } from '../../db/rows.js';
import {
  KEYSET_DIMENSIONS,
  type KeysetPage,
  type KeysetShape,
  type KeysetValues,
  keysetPage,
  keysetShape,
  keysetValues,
} from '../../db/keyset.js';
import { everyCombination, StatementSet } from '../../db/statement-set.js';
import { webhookAttemptTable, webhookDeliveryTable, webhookEndpointTable } from '../../db/schema.js';
import type { WebhookAttempt, WebhookDelivery, WebhookDeliveryState, WebhookEndpoint } from './model.js';

export async function getWebhookEndpoint(
  db: Executor,
  accountId: string,
  endpointId: string,
): Promise<WebhookEndpoint | undefined> {
  const [row] = await db
    .select()
    .from(webhookEndpointTable)
    .where(and(eq(webhookEndpointTable.id, endpointId), eq(webhookEndpointTable.accountId, accountId)));
  return row;
}

/** Batch read for DataLoader: the account's endpoints among `ids`, in no particular order. */
export async function getWebhookEndpoints(
  db: Executor,
  accountId: string,
  ids: readonly string[],
): Promise<WebhookEndpoint[]> {
  if (ids.length === 0) return [];
  return db
    .select()
    .from(webhookEndpointTable)
    .where(and(eq(webhookEndpointTable.accountId, accountId), inArray(webhookEndpointTable.id, [...ids])));
}

const placeholder = (name: string) => sql.placeholder(name);

const timeIdPageShapes = everyCombination(KEYSET_DIMENSIONS);

/** Every statement that reads a page of an account's endpoints (exported for the plan test). */
export const webhookEndpointListStatements = new StatementSet<KeysetShape, KeysetValues & { accountId: string }>(
  'webhook endpoint list',
  timeIdPageShapes,
  (shape) => keysetPage(webhookEndpointTable, [eq(webhookEndpointTable.accountId, placeholder('accountId'))], shape),
);

const endpointReader = new RowReader(webhookEndpointTable);

export function webhookEndpointListQuery(accountId: string, options: KeysetPage) {
  return { shape: keysetShape(options), values: { accountId, ...keysetValues(options) } };
}

/** The account's endpoints, newest first. */
export async function listWebhookEndpoints(
  db: Executor,
  accountId: string,
  options: KeysetPage,
): Promise<WebhookEndpoint[]> {
  const { shape, values } = webhookEndpointListQuery(accountId, options);
  return webhookEndpointListStatements.get(shape).rows(db, values, (row) => endpointReader.read(row));
}

export interface ListDeliveriesOptions extends KeysetPage {
  state?: WebhookDeliveryState | null;
  eventId?: string | null;
}

interface DeliveryListShape extends KeysetShape {
  state: boolean;
  event: boolean;
}

interface DeliveryListValues extends KeysetValues, Record<string, unknown> {
  accountId: string;
  endpointId: string;
  state: WebhookDeliveryState | null;
  eventId: string | null;
}

/** Every statement that reads a page of an endpoint's deliveries (exported for the plan test). */
export const webhookDeliveryListStatements = new StatementSet<DeliveryListShape, DeliveryListValues>(
  'webhook delivery list',
  everyCombination({
    state: [false, true],
    event: [false, true],
    after: [false, true],
    before: [false, true],
    inverted: [false, true],
  }),
  (shape) => {
    const t = webhookDeliveryTable;
    const conditions: SQL[] = [eq(t.endpointId, placeholder('endpointId')), eq(t.accountId, placeholder('accountId'))];
    if (shape.state) conditions.push(sql`${t.state} = ${placeholder('state')}::webhook_delivery_state`);
    if (shape.event) conditions.push(eq(t.eventId, placeholder('eventId')));
    return keysetPage(t, conditions, shape);
  },
);

const deliveryReader = new RowReader(webhookDeliveryTable);

export function webhookDeliveryListQuery(accountId: string, endpointId: string, options: ListDeliveriesOptions) {
  return {
    shape: { ...keysetShape(options), state: !!options.state, event: !!options.eventId },
    values: {
      accountId,
      endpointId,
      state: options.state ?? null,
      eventId: options.eventId ?? null,
      ...keysetValues(options),
    },
  };
}

/** An endpoint's deliveries, newest first. */
export async function listWebhookDeliveries(
  db: Executor,
  accountId: string,
  endpointId: string,
  options: ListDeliveriesOptions,
): Promise<WebhookDelivery[]> {
  const { shape, values } = webhookDeliveryListQuery(accountId, endpointId, options);
  return webhookDeliveryListStatements.get(shape).rows(db, values, (row) => deliveryReader.read(row));
}

const attemptReader = new RowReader(webhookAttemptTable);

/**
 * The attempts of a page of deliveries, in attempt order, as one statement whatever the number
 * of deliveries (the ids are one array parameter): a range of (delivery_id, attempt_number) per id.
 */
export const webhookAttemptsStatement = new PreparedStatement<{ deliveryIds: string[] }>(
  sql`select ${attemptReader.columns} from ${webhookAttemptTable} where ${webhookAttemptTable.deliveryId} = any(${placeholder('deliveryIds')}::text[]) order by delivery_id, attempt_number`,
);

/** Batch read for DataLoader: the attempts of these deliveries, in attempt order. */
export async function getWebhookAttempts(db: Executor, deliveryIds: readonly string[]): Promise<WebhookAttempt[]> {
  if (deliveryIds.length === 0) return [];
  return webhookAttemptsStatement.rows(db, { deliveryIds: [...deliveryIds] }, (row) => attemptReader.read(row));
}

/** Batch read for DataLoader: the account's deliveries among `ids`, in no particular order. */
export async function getWebhookDeliveries(
  db: Executor,
  accountId: string,
  ids: readonly string[],
): Promise<WebhookDelivery[]> {
  if (ids.length === 0) return [];
  return db
    .select()
    .from(webhookDeliveryTable)
    .where(and(eq(webhookDeliveryTable.accountId, accountId), inArray(webhookDeliveryTable.id, [...ids])));
}

/** Batch read for DataLoader: the attempts among `ids` whose delivery is the account's. */
export async function getWebhookAttemptsById(
  db: Executor,
  accountId: string,
  ids: readonly string[],
): Promise<WebhookAttempt[]> {
  if (ids.length === 0) return [];
  return db
    .select({ attempt: webhookAttemptTable })
    .from(webhookAttemptTable)
    .innerJoin(webhookDeliveryTable, eq(webhookDeliveryTable.id, webhookAttemptTable.deliveryId))
    .where(and(eq(webhookDeliveryTable.accountId, accountId), inArray(webhookAttemptTable.id, [...ids])))
    .then((rows) => rows.map((row) => row.attempt));
}
