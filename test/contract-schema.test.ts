import {
  getNamedType,
  type GraphQLInputObjectType,
  type GraphQLObjectType,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isObjectType,
} from 'graphql';
import { describe, expect, it } from 'vitest';
import { schema } from '../src/graphql/schema.js';

/**
 * The core schema of the public contract (api.md §3), field by field: these names and types are
 * fixed, so a refactor that renames or retypes one must fail here.
 */
const CONTRACT: Record<string, Record<string, string>> = {
  CheckoutSession: {
    id: 'ID!',
    name: 'String!',
    state: 'CheckoutSessionState!',
    amount: 'String!',
    currency: 'String!',
    formattedAmount: 'String!',
    clientReferenceId: 'String',
    url: 'String',
    paymentIntent: 'PaymentIntent!',
    paid: 'Boolean!',
    successUrl: 'String',
    cancelUrl: 'String',
    metadata: 'Metadata!',
    expireTime: 'DateTime!',
    createTime: 'DateTime!',
    updateTime: 'DateTime!',
  },
  PaymentIntent: {
    id: 'ID!',
    name: 'String!',
    amount: 'String!',
    currency: 'String!',
    state: 'PaymentIntentState!',
    checkoutSession: 'CheckoutSession!',
    createTime: 'DateTime!',
    updateTime: 'DateTime!',
  },
  Query: {
    node: 'Node',
    checkoutSession: 'CheckoutSession',
    checkoutSessions: 'CheckoutSessionConnection!',
    paymentIntent: 'PaymentIntent',
  },
  CheckoutSessionFilter: { state: 'CheckoutSessionState', clientReferenceId: 'String' },
  CreateCheckoutSessionInput: {
    amount: 'String!',
    currency: 'String!',
    clientReferenceId: 'String',
    successUrl: 'String',
    cancelUrl: 'String',
    metadata: 'Metadata',
    expireTime: 'DateTime',
    idempotencyKey: 'String',
  },
  Mutation: {
    createCheckoutSession: 'CheckoutSession!',
    expireCheckoutSession: 'CheckoutSession!',
    createAccount: 'CreateAccountPayload!',
    createWebhookEndpoint: 'CreateWebhookEndpointPayload!',
  },
  CreateAccountInput: { displayName: 'String!' },
  CreateAccountPayload: { account: 'Account!', apiKey: 'String!' },
  Account: { name: 'String!', displayName: 'String!' },
  CreateWebhookEndpointPayload: { webhookEndpoint: 'WebhookEndpoint!', secret: 'String!' },
  WebhookEndpoint: { name: 'String!', url: 'String!' },
  Subscription: { checkoutSessionPaid: 'CheckoutSessionEvent!' },
  CheckoutSessionEvent: {
    id: 'ID!',
    name: 'String!',
    type: 'String!',
    createTime: 'DateTime!',
    checkoutSession: 'CheckoutSession!',
  },
};

const ARGUMENTS: [string, string, Record<string, string>][] = [
  ['Query', 'node', { id: 'ID!' }],
  ['Query', 'checkoutSession', { name: 'String!' }],
  ['Query', 'checkoutSessions', { first: 'Int', after: 'String', filter: 'CheckoutSessionFilter' }],
  ['Query', 'paymentIntent', { name: 'String!' }],
  ['Mutation', 'createCheckoutSession', { input: 'CreateCheckoutSessionInput!' }],
  ['Mutation', 'expireCheckoutSession', { name: 'String!' }],
  ['Mutation', 'createAccount', { input: 'CreateAccountInput!' }],
  ['Subscription', 'checkoutSessionPaid', { name: 'String', after: 'String' }],
  ['CheckoutSession', 'formattedAmount', { locale: 'String' }],
];

describe('the printed schema keeps the contract', () => {
  it.each(Object.entries(CONTRACT))("%s has the contract's fields and types", (typeName, fields) => {
    const type = schema.getType(typeName);
    expect(type, typeName).toBeDefined();
    const actual = (
      isObjectType(type) || isInputObjectType(type)
        ? (type as GraphQLObjectType | GraphQLInputObjectType).getFields()
        : {}
    ) as Record<string, { type: unknown }>;
    for (const [field, typeString] of Object.entries(fields)) {
      expect(String(actual[field]?.type), `${typeName}.${field}`).toBe(typeString);
    }
  });

  it.each(ARGUMENTS)("%s.%s takes the contract's arguments", (typeName, field, args) => {
    const fieldDef = (schema.getType(typeName) as GraphQLObjectType).getFields()[field]!;
    for (const [arg, typeString] of Object.entries(args)) {
      expect(String(fieldDef.args.find((a) => a.name === arg)?.type), `${typeName}.${field}(${arg})`).toBe(typeString);
    }
  });

  it("has the contract's enum values", () => {
    const values = (name: string) => (schema.getType(name) as any).getValues().map((v: { name: string }) => v.name);
    expect(values('CheckoutSessionState')).toEqual(['COMPLETE', 'EXPIRED', 'OPEN']);
    expect(values('PaymentIntentState')).toEqual(['CANCELED', 'PROCESSING', 'REQUIRES_PAYMENT_METHOD', 'SUCCEEDED']);
    expect(getNamedType((schema.getType('CheckoutSession') as GraphQLObjectType).getInterfaces()[0]!).name).toBe(
      'Node',
    );
  });
});

describe('the schema beyond the contract', () => {
  it("makes every object with an id a Node, and no snapshot shares the live session's type", () => {
    const objects = Object.values(schema.getTypeMap()).filter(
      (type): type is GraphQLObjectType => isObjectType(type) && !type.name.startsWith('__'),
    );
    const withId = objects.filter((type) => 'id' in type.getFields());
    expect(withId.map((type) => type.name).sort()).toEqual([
      'Account',
      'ApiKey',
      'CheckoutSession',
      'CheckoutSessionEvent',
      'CheckoutSessionSnapshot',
      'PaymentIntent',
      'WebhookAttempt',
      'WebhookDelivery',
      'WebhookEndpoint',
    ]);
    for (const type of withId)
      expect(
        type.getInterfaces().map((i) => i.name),
        type.name,
      ).toEqual(['Node']);
    const event = (schema.getType('CheckoutSessionEvent') as GraphQLObjectType).getFields();
    expect(String(event.checkoutSessionSnapshot!.type)).toBe('CheckoutSessionSnapshot!');
  });

  it('describes every type, field, argument and enum value', () => {
    const missing: string[] = [];
    for (const type of Object.values(schema.getTypeMap())) {
      if (type.name.startsWith('__') || ['String', 'Int', 'Float', 'Boolean', 'ID'].includes(type.name)) continue;
      if (!type.description) missing.push(type.name);
      if (isObjectType(type) || isInputObjectType(type) || isInterfaceType(type)) {
        for (const field of Object.values(type.getFields())) {
          if (!field.description) missing.push(`${type.name}.${field.name}`);
          for (const arg of 'args' in field ? field.args : [])
            if (!arg.description) missing.push(`${type.name}.${field.name}(${arg.name})`);
        }
      }
      if (isEnumType(type))
        for (const value of type.getValues()) if (!value.description) missing.push(`${type.name}.${value.name}`);
    }
    expect(missing).toEqual([]);
  });
});
