import {
  apiKeyName,
  apiKeyUsable,
  createApiKey,
  getApiKeys,
  listApiKeys,
  MAX_API_KEYS,
  MAX_ROLL_OVERLAP_SECONDS,
  revokeApiKey,
  rollApiKey,
  type ApiKey,
} from '../domain/api-keys.js';
import { parseResourceName } from '../domain/resource-names.js';
import { builder } from './builder.js';
import { requireAccountId } from './context.js';
import { resolveTimeIdConnection } from './pagination.js';

function keyIdOf(name: string, accountId: string): string {
  return parseResourceName(name, accountId, 'api-keys', 'key');
}

const ApiKeyRef = builder.loadableNode('ApiKey', {
  description:
    'An API key of the account. The key itself is shown once, when created or rolled; only its prefix is kept readable.',
  id: { resolve: (key: ApiKey) => key.id },
  load: (ids: string[], ctx) => getApiKeys(ctx.deps.db, requireAccountId(ctx), ids),
  sort: (key) => key.id,
  fields: (t) => ({
    name: t.string({
      description: 'The resource name, `accounts/acct_…/api-keys/key_…`.',
      resolve: (k) => apiKeyName(k.accountId, k.id),
    }),
    displayName: t.exposeString('displayName', { description: "The account's own label for the key." }),
    prefix: t.exposeString('keyPrefix', {
      description: 'The first characters of the key (`sk_…`), to tell keys apart.',
    }),
    usable: t.boolean({
      description: 'True while the key works: it is neither revoked nor past its expireTime.',
      resolve: (k) => apiKeyUsable(k),
    }),
    createTime: t.expose('createTime', { type: 'DateTime', description: 'When the key was created.' }),
    expireTime: t.expose('expireTime', {
      type: 'DateTime',
      nullable: true,
      description: 'When the key stops working (as if revoked then); null for a key that does not expire.',
    }),
    revokeTime: t.expose('revokeTime', {
      type: 'DateTime',
      nullable: true,
      description: 'When the key was revoked; null while it is not.',
    }),
    lastUsedTime: t.expose('lastUsedTime', {
      type: 'DateTime',
      nullable: true,
      description: 'When the key was last used, to the minute; null if never.',
    }),
  }),
});

const CreateApiKeyInput = builder.inputType('CreateApiKeyInput', {
  description: 'A new API key.',
  fields: (t) => ({
    displayName: t.string({ required: true, description: 'Your own label for the key, 1 to 100 characters.' }),
    expireTime: t.field({
      type: 'DateTime',
      description: 'When the key stops working; absent for never. It must be in the future.',
    }),
  }),
});

const ApiKeyNameInput = (name: string, action: string) =>
  builder.inputType(name, {
    description: `The API key to ${action}.`,
    fields: (t) => ({
      name: t.string({ required: true, description: "The key's resource name, `accounts/acct_…/api-keys/key_…`." }),
    }),
  });

const RevokeApiKeyInput = ApiKeyNameInput('RevokeApiKeyInput', 'revoke');

const RollApiKeyInput = builder.inputType('RollApiKeyInput', {
  description: 'The API key to replace, and how long it keeps working beside its successor.',
  fields: (t) => ({
    name: t.string({ required: true, description: "The key's resource name, `accounts/acct_…/api-keys/key_…`." }),
    oldKeyExpiresIn: t.int({
      description: `Seconds the old key keeps working, from 0 (it stops at once, the default) to ${MAX_ROLL_OVERLAP_SECONDS} (7 days).`,
    }),
  }),
});

const CreateApiKeyPayload = builder.objectRef<{ apiKey: ApiKey; secret: string }>('CreateApiKeyPayload').implement({
  description: 'The new key, and the key itself, shown this once.',
  fields: (t) => ({
    apiKey: t.field({ type: ApiKeyRef, description: 'The new key.', resolve: (p) => p.apiKey }),
    secret: t.exposeString('secret', {
      description:
        'The key itself (`sk_…`), for `Authorization: Api-Key <key>`. It is shown here once and stored only as a hash.',
    }),
  }),
});

const RevokeApiKeyPayload = builder.objectRef<ApiKey>('RevokeApiKeyPayload').implement({
  description: 'The key after its revocation.',
  fields: (t) => ({
    apiKey: t.field({ type: ApiKeyRef, description: 'The revoked key, with its revokeTime.', resolve: (k) => k }),
  }),
});

const RollApiKeyPayload = builder
  .objectRef<{ apiKey: ApiKey; secret: string; oldApiKey: ApiKey }>('RollApiKeyPayload')
  .implement({
    description: 'The successor key, the key itself shown this once, and the old key with its new expireTime.',
    fields: (t) => ({
      apiKey: t.field({
        type: ApiKeyRef,
        description: "The new key, with the old one's displayName and no expiry.",
        resolve: (p) => p.apiKey,
      }),
      secret: t.exposeString('secret', {
        description: 'The new key itself (`sk_…`), shown here once and stored only as a hash.',
      }),
      oldApiKey: t.field({
        type: ApiKeyRef,
        description: 'The old key: it works until its expireTime.',
        resolve: (p) => p.oldApiKey,
      }),
    }),
  });

builder.queryFields((t) => ({
  apiKeys: t.connection(
    {
      type: ApiKeyRef,
      description: "The account's API keys, revoked and expired ones included, newest first.",
      resolve: (_root, args, ctx) => {
        const accountId = requireAccountId(ctx);
        return resolveTimeIdConnection(args, (page) => listApiKeys(ctx.deps.db, accountId, page));
      },
    },
    { name: 'ApiKeyConnection', description: 'A page of API keys.' },
    { name: 'ApiKeyEdge', description: 'One of API keys in a page, with its cursor.' },
  ),
}));

builder.mutationFields((t) => ({
  createApiKey: t.field({
    type: CreateApiKeyPayload,
    description: `Creates an API key for the account and returns it, once. At most ${MAX_API_KEYS} keys that are not revoked.`,
    args: { input: t.arg({ type: CreateApiKeyInput, required: true, description: "The key's label and expiry." }) },
    resolve: (_root, { input }, ctx) => createApiKey(ctx.deps.db, requireAccountId(ctx), input),
  }),
  revokeApiKey: t.field({
    type: RevokeApiKeyPayload,
    description:
      "Revokes a key at once: its requests fail with UNAUTHENTICATED and its subscriptions end within API_KEY_CACHE_TTL. Fails with FAILED_PRECONDITION for the account's last key without an expiry.",
    args: { input: t.arg({ type: RevokeApiKeyInput, required: true, description: 'The key to revoke.' }) },
    resolve: (_root, { input }, ctx) => {
      const accountId = requireAccountId(ctx);
      return revokeApiKey(ctx.deps.db, accountId, keyIdOf(input.name, accountId));
    },
  }),
  rollApiKey: t.field({
    type: RollApiKeyPayload,
    description:
      'Replaces a key: a new key (shown once), and the old one working for `oldKeyExpiresIn` seconds more, so deployments can switch without downtime.',
    args: { input: t.arg({ type: RollApiKeyInput, required: true, description: 'The key to roll and the overlap.' }) },
    resolve: (_root, { input }, ctx) => {
      const accountId = requireAccountId(ctx);
      return rollApiKey(ctx.deps.db, accountId, keyIdOf(input.name, accountId), input.oldKeyExpiresIn ?? 0);
    },
  }),
}));
