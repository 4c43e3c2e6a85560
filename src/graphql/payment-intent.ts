import { getPaymentIntents } from '../domain/checkout-sessions/reads.js';
import { parseResourceName, paymentIntentName } from '../domain/resource-names.js';
import type { PaymentIntent } from '../domain/checkout-sessions/model.js';
import { notFound } from '../domain/errors.js';
import { builder } from './builder.js';
import { requireAccountId } from './context.js';

const PaymentIntentStateEnum = builder.enumType('PaymentIntentState', {
  description: 'Where a payment intent is in its lifecycle.',
  values: {
    REQUIRES_PAYMENT_METHOD: { description: 'Waiting for the customer to pay.' },
    PROCESSING: { description: 'A payment is being processed.' },
    SUCCEEDED: { description: 'The payment succeeded; the money is collected.' },
    CANCELED: { description: 'The intent was canceled (its session expired) and can no longer be paid.' },
  } as const,
});

export const PaymentErrorRef = builder.objectRef<{ code: string; message: string }>('PaymentError').implement({
  description: 'Why a payment attempt failed.',
  fields: (t) => ({
    code: t.exposeString('code', {
      description: 'The reason as a code, such as "card_declined" or "insufficient_funds".',
    }),
    message: t.exposeString('message', { description: 'A sentence that may be shown to the customer.' }),
  }),
});

export const PaymentIntentRef = builder.loadableNode('PaymentIntent', {
  description: 'The payment behind a checkout session, created with it.',
  id: { resolve: (intent: PaymentIntent) => intent.id },
  load: (ids: string[], ctx) => getPaymentIntents(ctx.deps.db, requireAccountId(ctx), ids),
  sort: (intent) => intent.id,
  fields: (t) => ({
    name: t.string({
      description: 'The resource name, `accounts/acct_…/payment-intents/pi_…`.',
      resolve: (intent) => paymentIntentName(intent.accountId, intent.id),
    }),
    amount: t.string({
      description: 'The amount in the smallest unit of the currency, as decimal digits.',
      resolve: (intent) => intent.amount.toString(),
    }),
    currency: t.exposeString('currency', { description: 'Three-letter ISO 4217 code, upper case.' }),
    state: t.field({
      type: PaymentIntentStateEnum,
      description: 'Where the payment stands.',
      resolve: (intent) => intent.state,
    }),
    cardBrand: t.exposeString('cardBrand', {
      nullable: true,
      description: 'Brand of the card that paid, such as "visa"; null until paid.',
    }),
    cardLast4: t.exposeString('cardLast4', {
      nullable: true,
      description: 'Last four digits of the card that paid; null until paid. The full number is never stored.',
    }),
    lastPaymentError: t.field({
      type: PaymentErrorRef,
      nullable: true,
      description:
        'Why the latest payment attempt was declined; null once the intent succeeds or while nothing was declined.',
      resolve: (intent) =>
        intent.lastErrorCode ? { code: intent.lastErrorCode, message: intent.lastErrorMessage ?? '' } : null,
    }),
    createTime: t.expose('createTime', {
      type: 'DateTime',
      description: 'When the intent was created, with its session.',
    }),
    updateTime: t.expose('updateTime', { type: 'DateTime', description: 'When the intent last changed.' }),
  }),
});

builder.queryField('paymentIntent', (t) =>
  t.field({
    type: PaymentIntentRef,
    nullable: true,
    description: 'A payment intent by resource name. Fails with NOT_FOUND when the account has no such intent.',
    args: { name: t.arg.string({ required: true, description: '`accounts/acct_…/payment-intents/pi_…`' }) },
    resolve: async (_root, { name }, ctx) => {
      const accountId = requireAccountId(ctx);
      const [intent] = await getPaymentIntents(ctx.deps.db, accountId, [
        parseResourceName(name, accountId, 'payment-intents', 'pi'),
      ]);
      if (!intent) throw notFound('Payment intent');
      return intent;
    },
  }),
);
