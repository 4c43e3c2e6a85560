/**
 * How an account's webhook endpoints change: created (up to a limit per account), updated,
 * disabled and enabled, deleted, and given a new signing secret. Reads are in reads.ts.
 */
import { and, count, eq } from 'drizzle-orm';
import type { Db, Tx } from '../../db/client.js';
import { accountTable, webhookEndpointTable } from '../../db/schema.js';
import { DomainError, notFound } from '../errors.js';
import { newId } from '../ids.js';
import { abandonPendingDeliveries } from './delivery.js';
import {
  parseCreateWebhookEndpointInput,
  parseUpdateWebhookEndpointInput,
  type CreateWebhookEndpointInput,
  type UpdateWebhookEndpointInput,
} from './input.js';
import type { WebhookEndpoint } from './model.js';
import type { WebhookSettings } from './settings.js';
import { generateSecret, rotatedSecrets, storedSecret } from './signing.js';

export const MAX_ENDPOINTS_PER_ACCOUNT = 16;

export function webhookEndpointName(accountId: string, endpointId: string): string {
  return `accounts/${accountId}/webhook-endpoints/${endpointId}`;
}

/** Creates an endpoint; its signing secret is returned here and never again. */
export async function createWebhookEndpoint(
  db: Db,
  settings: WebhookSettings,
  accountId: string,
  input: CreateWebhookEndpointInput,
): Promise<{ endpoint: WebhookEndpoint; secret: string }> {
  const parsed = parseCreateWebhookEndpointInput(settings, input);
  const id = newId('we');
  const secret = generateSecret();
  const now = new Date();
  const endpoint = await db.transaction(async (tx) => {
    // The account row lock serialises creations, so the per-account limit holds under races.
    await tx.select({ id: accountTable.id }).from(accountTable).where(eq(accountTable.id, accountId)).for('update');
    const [existing] = await tx
      .select({ n: count() })
      .from(webhookEndpointTable)
      .where(eq(webhookEndpointTable.accountId, accountId));
    if ((existing?.n ?? 0) >= MAX_ENDPOINTS_PER_ACCOUNT) {
      throw new DomainError(
        'FAILED_PRECONDITION',
        `An account may have at most ${MAX_ENDPOINTS_PER_ACCOUNT} webhook endpoints; delete one first.`,
      );
    }
    const [row] = await tx
      .insert(webhookEndpointTable)
      .values({
        id,
        accountId,
        url: parsed.url,
        description: parsed.description ?? null,
        enabledEvents: parsed.enabledEvents,
        query: parsed.query ?? null,
        secrets: [storedSecret(settings, secret, id)],
        createTime: now,
        updateTime: now,
      })
      .returning();
    return row!;
  });
  return { endpoint, secret };
}

/** Locks one of the account's endpoints for the rest of the transaction; NOT_FOUND otherwise. */
async function lockAccountEndpoint(tx: Tx, accountId: string, endpointId: string): Promise<WebhookEndpoint> {
  const [current] = await tx
    .select()
    .from(webhookEndpointTable)
    .where(and(eq(webhookEndpointTable.id, endpointId), eq(webhookEndpointTable.accountId, accountId)))
    .for('no key update');
  if (!current) throw notFound('Webhook endpoint');
  return current;
}

/**
 * Changes an endpoint. Disabling it abandons its pending deliveries (they can be resent);
 * enabling it forgets why it was disabled and how long it had been failing.
 */
export async function updateWebhookEndpoint(
  db: Db,
  settings: WebhookSettings,
  accountId: string,
  endpointId: string,
  input: UpdateWebhookEndpointInput,
): Promise<WebhookEndpoint> {
  const parsed = parseUpdateWebhookEndpointInput(settings, input);
  const now = new Date();
  return db.transaction(async (tx) => {
    const current = await lockAccountEndpoint(tx, accountId, endpointId);
    const changes: Partial<WebhookEndpoint> = { updateTime: now };
    if (parsed.url != null) changes.url = parsed.url;
    if (parsed.enabledEvents != null) changes.enabledEvents = parsed.enabledEvents;
    if (input.description !== undefined) changes.description = parsed.description ?? null;
    if (input.query !== undefined) changes.query = parsed.query ?? null;
    if (parsed.disabled === true && !current.disabled) {
      changes.disabled = true;
      changes.disabledReason = 'USER';
    } else if (parsed.disabled === false && current.disabled) {
      changes.disabled = false;
      changes.disabledReason = null;
      changes.failingSince = null;
    }
    const [row] = await tx
      .update(webhookEndpointTable)
      .set(changes)
      .where(eq(webhookEndpointTable.id, endpointId))
      .returning();
    if (changes.disabled === true) await abandonPendingDeliveries(tx, endpointId);
    return row!;
  });
}

/** Deletes an endpoint with its deliveries and their attempts; returns it as it was. */
export async function deleteWebhookEndpoint(db: Db, accountId: string, endpointId: string): Promise<WebhookEndpoint> {
  const [row] = await db
    .delete(webhookEndpointTable)
    .where(and(eq(webhookEndpointTable.id, endpointId), eq(webhookEndpointTable.accountId, accountId)))
    .returning();
  if (!row) throw notFound('Webhook endpoint');
  return row;
}

/**
 * Issues a new signing secret (returned once). Secrets still current keep signing beside it for
 * 24 hours, so receivers can switch without dropping a delivery; expired ones are forgotten.
 */
export async function rotateWebhookEndpointSecret(
  db: Db,
  settings: WebhookSettings,
  accountId: string,
  endpointId: string,
): Promise<{ endpoint: WebhookEndpoint; secret: string; previousSecretExpireTime: Date }> {
  const secret = generateSecret();
  const now = new Date();
  const { endpoint, previousSecretExpireTime } = await db.transaction(async (tx) => {
    const current = await lockAccountEndpoint(tx, accountId, endpointId);
    const rotation = rotatedSecrets(settings, current, secret, now);
    const [row] = await tx
      .update(webhookEndpointTable)
      .set({ secrets: rotation.secrets, updateTime: now })
      .where(eq(webhookEndpointTable.id, endpointId))
      .returning();
    return { endpoint: row!, previousSecretExpireTime: rotation.previousSecretExpireTime };
  });
  return { endpoint, secret, previousSecretExpireTime };
}
