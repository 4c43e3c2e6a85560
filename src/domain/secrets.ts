/**
 * Encryption at rest for secrets we must be able to read back (webhook signing secrets), with
 * AES-256-GCM under SECRET_ENCRYPTION_KEY. API keys are hashed instead: we never need them again.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/** The stored form's version tag, so that a future key or algorithm change can coexist. */
const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * Outside production, without SECRET_ENCRYPTION_KEY, secrets are encrypted under this fixed,
 * publicly known key. It is NOT a secret: it only keeps development and test databases free
 * of clear-text secrets and lets every local process read what another wrote. Production
 * refuses to start without a real key (config.ts).
 */
const DEVELOPMENT_KEY = createHash('sha256')
  .update('checkout-gateway development key; set SECRET_ENCRYPTION_KEY in production')
  .digest();

/** Parses a 32-byte key given as 64 hex digits or as base64; undefined when malformed. */
export function parseSecretKey(text: string): Buffer | undefined {
  const trimmed = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(trimmed)) return Buffer.from(trimmed, 'hex');
  if (/^[A-Za-z0-9+/_-]+={0,2}$/.test(trimmed)) {
    const bytes = Buffer.from(trimmed, trimmed.includes('-') || trimmed.includes('_') ? 'base64url' : 'base64');
    if (bytes.length === 32) return bytes;
  }
  return undefined;
}

/** The key to encrypt with; `development` is true when the fixed development key stands in. */
export function resolveSecretKey(configured: string | undefined): { key: Buffer; development: boolean } {
  if (configured === undefined) return { key: DEVELOPMENT_KEY, development: true };
  const key = parseSecretKey(configured);
  if (!key) throw new Error('SECRET_ENCRYPTION_KEY must be 32 bytes, written as 64 hex digits or as base64');
  return { key, development: false };
}

/**
 * Encrypts `plaintext`; `context` (such as the owning row's id) is authenticated but not stored,
 * so a ciphertext copied onto another row fails to decrypt rather than signing for it.
 */
export function encryptSecret(key: Buffer, plaintext: string, context: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(context));
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return `${VERSION}.${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64')}`;
}

/** Throws when the key or the context differs from encryption time, or the text was altered. */
export function decryptSecret(key: Buffer, stored: string, context: string): string {
  const [version, payload] = stored.split('.', 2);
  if (version !== VERSION || !payload) throw new Error('unknown secret ciphertext format');
  const bytes = Buffer.from(payload, 'base64');
  const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, IV_BYTES));
  decipher.setAAD(Buffer.from(context));
  decipher.setAuthTag(bytes.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
  return Buffer.concat([decipher.update(bytes.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
}
