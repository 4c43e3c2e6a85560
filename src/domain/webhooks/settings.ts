/** How this deployment delivers webhooks: its configuration, mapped once, and what follows from it. */
import { resolveSecretKey } from '../secrets.js';

export interface WebhookSettings {
  /** AES-256-GCM key for signing secrets at rest. */
  secretKey: Buffer;
  /** Delay before each attempt, in ms: entry 0 before the first, entry n after the n-th failure. */
  retrySchedule: number[];
  /** Whether endpoints may resolve to loopback, private and link-local addresses. */
  allowPrivateNetworks: boolean;
  /** An attempt without a response within this time fails (15 s unless a test shortens it). */
  timeoutMs: number;
}

export function webhookSettingsFromConfig(
  config: {
    secretEncryptionKey: string | undefined;
    webhookRetrySchedule: number[];
    webhookAllowPrivateNetworks: boolean;
    webhookTimeoutMs: number;
  },
  warn: (message: string) => void,
): WebhookSettings {
  const { key, development } = resolveSecretKey(config.secretEncryptionKey);
  if (development) {
    warn(
      'SECRET_ENCRYPTION_KEY is not set: webhook secrets are encrypted with the fixed development key, which is not secret. Set it before real use.',
    );
  }
  return {
    secretKey: key,
    retrySchedule: config.webhookRetrySchedule.length > 0 ? config.webhookRetrySchedule : [0],
    allowPrivateNetworks: config.webhookAllowPrivateNetworks,
    timeoutMs: config.webhookTimeoutMs,
  };
}

/** How long a claimed delivery stays reserved: the attempt's timeout plus room to record it. */
export function leaseMs(settings: WebhookSettings): number {
  return Math.max(2 * settings.timeoutMs, settings.timeoutMs + 2_000);
}
