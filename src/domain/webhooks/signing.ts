/**
 * Signing per Standard Webhooks: an endpoint's secrets (made here, stored encrypted, kept beside
 * their successor for a while after a rotation) and the `webhook-signature` they produce.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { decryptSecret, encryptSecret } from '../secrets.js';
import type { WebhookEndpoint } from './model.js';
import type { WebhookSettings } from './settings.js';

/** A rotated-out secret keeps signing beside the new one for this long. */
const ROTATED_SECRET_VALID_MS = 24 * 3_600_000;
const SECRET_BYTES = 32;

type StoredSecret = WebhookEndpoint['secrets'][number];

/** A Standard Webhooks secret, `whsec_` and base64 of 32 random bytes: an endpoint's, or `listen`'s. */
export function generateSecret(): string {
  return `whsec_${randomBytes(SECRET_BYTES).toString('base64')}`;
}

/** A new secret as stored: encrypted for its endpoint, and current until the next rotation. */
export function storedSecret(settings: WebhookSettings, secret: string, endpointId: string): StoredSecret {
  return { ciphertext: encryptSecret(settings.secretKey, secret, endpointId), expireTime: null };
}

/**
 * The endpoint's secrets once `secret` replaces them at `now`: the new one first, then those
 * still current, each signing until `previousSecretExpireTime` at the latest; expired ones are forgotten.
 */
export function rotatedSecrets(
  settings: WebhookSettings,
  endpoint: WebhookEndpoint,
  secret: string,
  now: Date,
): { secrets: StoredSecret[]; previousSecretExpireTime: Date } {
  const previousSecretExpireTime = new Date(now.getTime() + ROTATED_SECRET_VALID_MS);
  const kept = endpoint.secrets
    .filter((entry) => entry.expireTime === null || Date.parse(entry.expireTime) > now.getTime())
    .map((entry) => ({
      ciphertext: entry.ciphertext,
      expireTime: entry.expireTime ?? previousSecretExpireTime.toISOString(),
    }));
  return { secrets: [storedSecret(settings, secret, endpoint.id), ...kept], previousSecretExpireTime };
}

/** The secrets that sign at `now`, newest first, decrypted. */
export function signingSecrets(settings: WebhookSettings, endpoint: WebhookEndpoint, now: Date): string[] {
  return endpoint.secrets
    .filter((entry) => entry.expireTime === null || Date.parse(entry.expireTime) > now.getTime())
    .map((entry) => decryptSecret(settings.secretKey, entry.ciphertext, endpoint.id));
}

/** `v1,<base64 HMAC-SHA256 of "id.timestamp.body">` per secret, space-separated (Standard Webhooks). */
export function signWebhook(secrets: readonly string[], messageId: string, timestamp: number, body: string): string {
  return secrets
    .map((secret) => {
      const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
      return `v1,${createHmac('sha256', key).update(`${messageId}.${timestamp}.${body}`).digest('base64')}`;
    })
    .join(' ');
}
