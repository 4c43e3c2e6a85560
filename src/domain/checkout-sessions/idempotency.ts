import { createHash } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import type { Tx } from '../../db/client.js';
import { idempotencyKeyTable } from '../../db/schema.js';
import { DomainError } from '../errors.js';
import { parseInput } from '../validation.js';
import { idempotencyKeySchema, type CreateCheckoutSessionInput } from './input.js';

const OPERATION = 'createCheckoutSession';

/**
 * The key of a create: the Idempotency-Key header or `input.idempotencyKey` (they must agree
 * when both are sent), or null. The header is checked here, for every surface that passes one.
 */
export function idempotencyKeyOf(input: CreateCheckoutSessionInput, header: string | null | undefined): string | null {
  if (header != null) parseInput(idempotencyKeySchema, header, ['Idempotency-Key']);
  if (header && input.idempotencyKey && header !== input.idempotencyKey) {
    throw new DomainError('BAD_USER_INPUT', 'The Idempotency-Key header and input.idempotencyKey differ.', {
      issues: [{ path: ['input', 'idempotencyKey'], message: 'differs from the Idempotency-Key header' }],
    });
  }
  return header ?? input.idempotencyKey ?? null;
}

/** What a create asked for, canonically: a replay must ask for the same. */
function requestFingerprint(input: CreateCheckoutSessionInput): string {
  const metadata = input.metadata
    ? Object.fromEntries(Object.entries(input.metadata).sort(([a], [b]) => (a < b ? -1 : 1)))
    : null;
  const canonical = JSON.stringify([
    input.amount.toString(),
    input.currency,
    input.clientReferenceId ?? null,
    input.successUrl ?? null,
    input.cancelUrl ?? null,
    metadata,
    input.expireTime ? input.expireTime.toISOString() : null,
  ]);
  return createHash('sha256').update(canonical).digest('hex');
}

/**
 * Claims `key` for the session `resourceId` about to be created in `tx`. Returns null when this
 * request claimed it, or the id of the session an earlier request with the key created.
 * Concurrent requests with one key queue on its primary key until the first commits; one that
 * reuses the key with other input fails with IDEMPOTENCY_KEY_REUSED.
 */
export async function claimIdempotencyKey(
  tx: Tx,
  accountId: string,
  key: string,
  input: CreateCheckoutSessionInput,
  resourceId: string,
  now: Date,
): Promise<string | null> {
  const requestHash = requestFingerprint(input);
  const claimed = await tx
    .insert(idempotencyKeyTable)
    .values({ accountId, operation: OPERATION, key, requestHash, resourceId, createTime: now })
    .onConflictDoNothing()
    .returning({ key: idempotencyKeyTable.key });
  if (claimed.length > 0) return null;
  const [earlier] = await tx
    .select()
    .from(idempotencyKeyTable)
    .where(
      and(
        eq(idempotencyKeyTable.accountId, accountId),
        eq(idempotencyKeyTable.operation, OPERATION),
        eq(idempotencyKeyTable.key, key),
      ),
    );
  if (!earlier) throw new Error('idempotency key row vanished between insert and select');
  if (earlier.requestHash !== requestHash) {
    throw new DomainError(
      'IDEMPOTENCY_KEY_REUSED',
      'This idempotency key was already used with different input; use a new key for a new request.',
    );
  }
  return earlier.resourceId;
}
