import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';
import { decryptSecret, encryptSecret, parseSecretKey, resolveSecretKey } from '../src/domain/secrets.js';
import { webhookSettingsFromConfig } from '../src/domain/webhooks/settings.js';

describe('webhook secrets at rest', () => {
  const key = randomBytes(32);

  it('encrypts so that only the same key and owning row can read it back', () => {
    const secret = `whsec_${randomBytes(32).toString('base64')}`;
    const stored = encryptSecret(key, secret, 'we_one');
    expect(stored).not.toContain(secret.slice(6));
    expect(encryptSecret(key, secret, 'we_one')).not.toBe(stored); // a fresh IV every time
    expect(decryptSecret(key, stored, 'we_one')).toBe(secret);
    expect(() => decryptSecret(key, stored, 'we_two')).toThrow();
    expect(() => decryptSecret(randomBytes(32), stored, 'we_one')).toThrow();
    const tampered = stored.slice(0, -4) + (stored.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    expect(() => decryptSecret(key, tampered, 'we_one')).toThrow();
  });

  it('reads SECRET_ENCRYPTION_KEY as 64 hex digits or base64 of 32 bytes, and refuses anything else', () => {
    expect(parseSecretKey(key.toString('hex'))).toEqual(key);
    expect(parseSecretKey(key.toString('base64'))).toEqual(key);
    expect(parseSecretKey(key.toString('base64url'))).toEqual(key);
    expect(parseSecretKey('correct horse battery staple')).toBeUndefined();
    expect(parseSecretKey(randomBytes(16).toString('base64'))).toBeUndefined();
    expect(() => loadConfig({ SECRET_ENCRYPTION_KEY: 'too short' })).toThrow(ConfigError);
    expect(() => loadConfig({ SECRET_ENCRYPTION_KEY: 'too short' })).toThrow(/SECRET_ENCRYPTION_KEY: must be 32 bytes/);
    expect(() => loadConfig({ NODE_ENV: 'production', ADMIN_API_KEY: 'admin_key_0123456789abcdef' })).toThrow(
      /SECRET_ENCRYPTION_KEY: required in production/,
    );
  });

  it('falls back to the development key outside production, and says so', () => {
    expect(resolveSecretKey(undefined).development).toBe(true);
    const warnings: string[] = [];
    const config = loadConfig({ NODE_ENV: 'development' });
    const settings = webhookSettingsFromConfig(config, (message) => warnings.push(message));
    expect(settings.secretKey).toEqual(resolveSecretKey(undefined).key);
    expect(warnings).toEqual([expect.stringContaining('SECRET_ENCRYPTION_KEY is not set')]);
    const configured = webhookSettingsFromConfig(
      loadConfig({ SECRET_ENCRYPTION_KEY: key.toString('hex') }),
      (message) => warnings.push(message),
    );
    expect(configured.secretKey).toEqual(key);
    expect(warnings).toHaveLength(1);
    expect(configured.timeoutMs).toBe(15_000);
  });
});
