import { checkoutSessionName, parseResourceName } from '../domain/resource-names.js';
import { checkoutSessionUrl } from '../domain/checkout-sessions/resource.js';
import { createCheckoutSession } from '../domain/checkout-sessions/create.js';
import { expireCheckoutSession } from '../domain/checkout-sessions/lifecycle.js';
import { getCheckoutSessions, listCheckoutSessionsWithPaymentIntents } from '../domain/checkout-sessions/reads.js';
import type { CheckoutSession, PaymentIntent } from '../domain/checkout-sessions/model.js';
import { DomainError, notFound } from '../domain/errors.js';
import { AMOUNT_DESCRIPTION, formatAmount, isLocale } from '../domain/money.js';
import { createCheckoutSessionSchema } from '../domain/checkout-sessions/input.js';
import { builder, type BuilderTypes } from './builder.js';
import { requireAccountId } from './context.js';
import { resolveTimeIdConnection } from './pagination.js';
import { PaymentIntentRef } from './payment-intent.js';

const CheckoutSessionStateEnum = builder.enumType('CheckoutSessionState', {
  description: 'Where a checkout session is in its lifecycle.',
  values: {
    OPEN: { description: 'The customer can open the URL and pay.' },
    COMPLETE: { description: 'The payment succeeded.' },
    EXPIRED: { description: 'The session expired, or was expired, without payment; its URL no longer works.' },
  } as const,
});

export const CheckoutSessionRef = builder.loadableNode('CheckoutSession', {
  description: 'A request for one payment of a fixed amount, paid by the customer on the hosted page behind `url`.',
  id: { resolve: (session: CheckoutSession) => session.id },
  load: (ids: string[], ctx) => getCheckoutSessions(ctx.deps.db, requireAccountId(ctx), ids),
  sort: (session) => session.id,
  fields: (t) => checkoutSessionFields(t, 'live'),
});

/**
 * The fields a checkout session shares with its snapshot at an event (CheckoutSessionSnapshot):
 * the same names, types and rules, resolved from a row either way.
 */
export function checkoutSessionFields<Shape extends CheckoutSession>(
  t: PothosSchemaTypes.ObjectFieldBuilder<BuilderTypes, Shape>,
  as: 'live' | 'snapshot',
) {
  const then = as === 'snapshot' ? ' At the event, as it was then.' : '';
  return {
    name: t.string({
      description: 'The resource name, `accounts/acct_…/checkout-sessions/cs_…`.',
      resolve: (s) => checkoutSessionName(s.accountId, s.id),
    }),
    state: t.field({
      type: CheckoutSessionStateEnum,
      description:
        as === 'live'
          ? 'OPEN until paid (COMPLETE) or expired (EXPIRED). Past `expireTime` an unpaid session is EXPIRED.'
          : 'The state the event recorded: OPEN, COMPLETE or EXPIRED.',
      resolve: (s) => s.state,
    }),
    amount: t.string({
      description: 'The amount in the smallest unit of the currency, as decimal digits: "10000" is 100.00 GBP.',
      resolve: (s) => s.amount.toString(),
    }),
    currency: t.string({ description: 'Three-letter ISO 4217 code, upper case.', resolve: (s) => s.currency }),
    formattedAmount: t.string({
      description: 'The amount formatted for people, such as "£100.00", with the currency\'s own number of decimals.',
      args: {
        locale: t.arg.string({ description: 'A BCP 47 locale such as "en-GB" or "de-DE"; default "en".' }),
      },
      resolve: (s, { locale }) => {
        if (locale != null && !isLocale(locale)) {
          throw new DomainError('BAD_USER_INPUT', `"${locale}" is not a supported locale.`, {
            issues: [{ path: ['locale'], message: 'must be a supported BCP 47 locale such as en-GB' }],
          });
        }
        return formatAmount(s.amount, s.currency, locale ?? 'en');
      },
    }),
    clientReferenceId: t.string({
      resolve: (s) => s.clientReferenceId,
      nullable: true,
      description: "The merchant's own reference, such as an order id.",
    }),
    url: t.string({
      nullable: true,
      description: `The hosted payment page to send the customer to; null unless the session is OPEN.${then}`,
      resolve: (s, _args, ctx) => checkoutSessionUrl(ctx.deps.publicUrl, s),
    }),
    paymentIntent: t.field({
      type: PaymentIntentRef,
      description: 'The payment intent created with this session, as it is now.',
      // A session of a page comes with its intent; any other goes through the loader (which a
      // create has primed).
      resolve: (s: CheckoutSession & { paymentIntent?: PaymentIntent }) => s.paymentIntent ?? s.paymentIntentId,
    }),
    paid: t.boolean({ description: 'True once the payment has succeeded.', resolve: (s) => s.state === 'COMPLETE' }),
    successUrl: t.string({
      resolve: (s) => s.successUrl,
      nullable: true,
      description: 'Where the customer goes after paying; without it a hosted success page is shown.',
    }),
    cancelUrl: t.string({
      resolve: (s) => s.cancelUrl,
      nullable: true,
      description: 'When set, the hosted page shows a Back link to it.',
    }),
    metadata: t.field({ type: 'Metadata', description: "The merchant's key-value pairs.", resolve: (s) => s.metadata }),
    expireTime: t.field({
      type: 'DateTime',
      resolve: (s) => s.expireTime,
      description: 'When the session expires if unpaid.',
    }),
    createTime: t.field({
      type: 'DateTime',
      resolve: (s) => s.createTime,
      description: 'When the session was created.',
    }),
    updateTime: t.field({
      type: 'DateTime',
      resolve: (s) => s.updateTime,
      description: `When the session last changed state.${then}`,
    }),
  };
}

builder.objectField(PaymentIntentRef, 'checkoutSession', (t) =>
  t.field({
    type: CheckoutSessionRef,
    description: 'The checkout session this payment intent belongs to.',
    resolve: (intent) => intent.checkoutSessionId,
  }),
);

const CheckoutSessionFilter = builder.inputType('CheckoutSessionFilter', {
  description: 'Narrows a list of checkout sessions; conditions combine with AND.',
  fields: (t) => ({
    state: t.field({ type: CheckoutSessionStateEnum, description: 'Only sessions that read as this state now.' }),
    clientReferenceId: t.string({ description: 'Only sessions with this client reference.' }),
  }),
});

const CreateCheckoutSessionInput = builder.inputType('CreateCheckoutSessionInput', {
  description: 'A new checkout session.',
  fields: (t) => ({
    amount: t.string({
      required: true,
      description: AMOUNT_DESCRIPTION,
    }),
    currency: t.string({ required: true, description: 'A current ISO 4217 code; lower case is accepted.' }),
    clientReferenceId: t.string({ description: 'Your own reference, such as an order id; at most 200 characters.' }),
    successUrl: t.string({
      description:
        'Absolute http(s) URL for after payment, at most 2048 characters. `{CHECKOUT_SESSION_ID}` is replaced by the session id.',
    }),
    cancelUrl: t.string({ description: "Absolute http(s) URL behind the page's Back link, at most 2048 characters." }),
    metadata: t.field({
      type: 'Metadata',
      description: 'At most 50 keys of 1–40 characters (no [ or ]), string values up to 500 characters.',
    }),
    expireTime: t.field({
      type: 'DateTime',
      description: '30 minutes to 24 hours from now; default 24 hours from now.',
    }),
    idempotencyKey: t.string({
      description: 'Same meaning as the Idempotency-Key header: retries with it create nothing new.',
    }),
  }),
});

builder.queryFields((t) => ({
  checkoutSession: t.field({
    type: CheckoutSessionRef,
    nullable: true,
    description: 'A checkout session by resource name. Fails with NOT_FOUND when the account has no such session.',
    args: { name: t.arg.string({ required: true, description: '`accounts/acct_…/checkout-sessions/cs_…`' }) },
    resolve: async (_root, { name }, ctx) => {
      const accountId = requireAccountId(ctx);
      const [session] = await getCheckoutSessions(ctx.deps.db, accountId, [
        parseResourceName(name, accountId, 'checkout-sessions', 'cs'),
      ]);
      if (!session) throw notFound('Checkout session');
      return session;
    },
  }),
  checkoutSessions: t.connection(
    {
      type: CheckoutSessionRef,
      description: "The account's checkout sessions, newest first; at most 100 per page.",
      args: {
        filter: t.arg({ type: CheckoutSessionFilter, description: 'Only the sessions that match it; absent for all.' }),
      },
      resolve: (_root, args, ctx) => {
        const accountId = requireAccountId(ctx);
        return resolveTimeIdConnection(args, (page) =>
          listCheckoutSessionsWithPaymentIntents(ctx.deps.db, accountId, {
            ...page,
            state: args.filter?.state,
            clientReferenceId: args.filter?.clientReferenceId,
          }),
        );
      },
    },
    { name: 'CheckoutSessionConnection', description: 'A page of checkout sessions.' },
    { name: 'CheckoutSessionEdge', description: 'One of checkout sessions in a page, with its cursor.' },
  ),
}));

builder.mutationFields((t) => ({
  createCheckoutSession: t.field({
    type: CheckoutSessionRef,
    description:
      'Creates an OPEN checkout session and its payment intent. With an idempotency key, a retry returns the first result (marked `idempotentReplayed`).',
    args: {
      input: t
        .arg({
          type: CreateCheckoutSessionInput,
          required: true,
          description: 'The amount, the currency and the rest of the new session.',
        })
        .validate(createCheckoutSessionSchema),
    },
    resolve: async (_root, { input }, ctx) => {
      const accountId = requireAccountId(ctx);
      const result = await createCheckoutSession(ctx.deps, accountId, input, ctx.idempotencyKey);
      if (result.replayed) ctx.idempotentReplayed = true;
      // The create wrote the intent: `paymentIntent { … }` reads it from the request's loader
      // instead of a second statement.
      if (result.paymentIntent)
        PaymentIntentRef.getDataloader(ctx).prime(result.paymentIntent.id, result.paymentIntent);
      return result.session;
    },
  }),
  expireCheckoutSession: t.field({
    type: CheckoutSessionRef,
    description:
      'Expires an OPEN session so its URL stops working, and cancels its payment intent. An EXPIRED session is returned unchanged; a COMPLETE one fails with FAILED_PRECONDITION.',
    args: { name: t.arg.string({ required: true, description: '`accounts/acct_…/checkout-sessions/cs_…`' }) },
    resolve: async (_root, { name }, ctx) => {
      const accountId = requireAccountId(ctx);
      return expireCheckoutSession(ctx.deps, accountId, parseResourceName(name, accountId, 'checkout-sessions', 'cs'));
    },
  }),
}));
