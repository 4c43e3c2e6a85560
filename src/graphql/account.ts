import {
  type Account,
  accountDisplayNameSchema,
  accountName,
  createAccount,
  getAccount,
  MAX_ACCOUNT_NAME_CHARS,
} from '../domain/accounts.js';
import { notFound } from '../domain/errors.js';
import { builder } from './builder.js';
import { requireAccountId, requireAdmin, type GraphQLContext } from './context.js';

/** A key sees only its own account: any other account id loads nothing. */
async function loadOwnAccount(ids: readonly string[], ctx: GraphQLContext): Promise<Account[]> {
  const accountId = requireAccountId(ctx);
  if (!ids.includes(accountId)) return [];
  const account = await getAccount(ctx.deps.db, accountId);
  return account ? [account] : [];
}

const AccountRef = builder.loadableNode('Account', {
  description: 'A merchant account. Every other resource belongs to exactly one account.',
  id: { resolve: (account: Account) => account.id },
  load: (ids: string[], ctx) => loadOwnAccount(ids, ctx),
  sort: (account) => account.id,
  fields: (t) => ({
    name: t.string({ description: 'The resource name, `accounts/acct_…`.', resolve: (a) => accountName(a.id) }),
    displayName: t.exposeString('displayName', { description: 'The name customers see on the hosted payment page.' }),
    createTime: t.expose('createTime', { type: 'DateTime', description: 'When the account was created.' }),
  }),
});

const CreateAccountInput = builder.inputType('CreateAccountInput', {
  description: 'A new merchant account.',
  fields: (t) => ({
    displayName: t.string({
      required: true,
      description: `The name customers see on the hosted payment page; 1 to ${MAX_ACCOUNT_NAME_CHARS} characters.`,
      validate: accountDisplayNameSchema,
    }),
  }),
});

const CreateAccountPayload = builder.objectRef<{ account: Account; apiKey: string }>('CreateAccountPayload').implement({
  description: 'The new account and its first API key.',
  fields: (t) => ({
    account: t.field({ type: AccountRef, description: 'The new account.', resolve: (p) => p.account }),
    apiKey: t.exposeString('apiKey', {
      description: "The account's first API key (`sk_…`). It is shown here once and stored only as a hash.",
    }),
  }),
});

builder.queryField('account', (t) =>
  t.field({
    type: AccountRef,
    description: 'The account of the API key making the request.',
    resolve: async (_root, _args, ctx) => {
      const account = await getAccount(ctx.deps.db, requireAccountId(ctx));
      if (!account) throw notFound('Account');
      return account;
    },
  }),
);

builder.mutationField('createAccount', (t) =>
  t.field({
    type: CreateAccountPayload,
    description: 'Creates a merchant account and its first API key. Only the platform key (ADMIN_API_KEY) may call it.',
    args: {
      input: t.arg({ type: CreateAccountInput, required: true, description: "The new account's display name." }),
    },
    resolve: async (_root, { input }, ctx) => {
      requireAdmin(ctx);
      return createAccount(ctx.deps.db, input.displayName.trim());
    },
  }),
);
