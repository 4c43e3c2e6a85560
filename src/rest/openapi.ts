import { CHECKOUT_SESSION_RESOURCE_FIELDS } from '../domain/checkout-sessions/resource.js';
import { AMOUNT_DESCRIPTION, AMOUNT_PATTERN } from '../domain/money.js';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../domain/page-size.js';
import { MAX_BODY_BYTES, STATUS_BY_CODE } from './http.js';

/**
 * The OpenAPI 3.1 description of the REST surface, served at GET /v1/openapi.json.
 * test/rest-openapi.test.ts sends a valid request to every operation here and checks the real
 * responses against these schemas, so this document cannot drift from the server unnoticed.
 */

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const response = (name: string) => ({ $ref: `#/components/responses/${name}` });
const parameter = (name: string) => ({ $ref: `#/components/parameters/${name}` });
const nullable = (schema: { type: string } & Record<string, unknown>) => ({ ...schema, type: [schema.type, 'null'] });

const checkoutSession = {
  type: 'object',
  description: 'A request for one payment of a fixed amount, paid by the customer on the hosted page behind `url`.',
  additionalProperties: false,
  required: [...CHECKOUT_SESSION_RESOURCE_FIELDS],
  properties: {
    name: {
      type: 'string',
      pattern: '^accounts/acct_[A-Za-z0-9]+/checkout-sessions/cs_[A-Za-z0-9]+$',
      description: 'The resource name, `accounts/acct_…/checkout-sessions/cs_…`.',
    },
    state: ref('CheckoutSessionState'),
    amount: {
      type: 'string',
      pattern: '^[1-9][0-9]{0,11}$',
      description: 'Smallest currency unit as decimal digits: "10000" is 100.00 GBP.',
    },
    currency: { type: 'string', pattern: '^[A-Z]{3}$', description: 'ISO 4217 code, upper case.' },
    client_reference_id: nullable({ type: 'string', description: 'Your own reference, such as an order id.' }),
    url: nullable({
      type: 'string',
      format: 'uri',
      description: 'The hosted payment page to send the customer to; null unless `state` is OPEN.',
    }),
    payment_intent: {
      type: 'string',
      pattern: '^accounts/acct_[A-Za-z0-9]+/payment-intents/pi_[A-Za-z0-9]+$',
      description: 'The payment intent created with this session.',
    },
    paid: { type: 'boolean', description: 'True once the payment has succeeded.' },
    success_url: nullable({
      type: 'string',
      format: 'uri',
      description: 'Where the customer goes after paying; without it a hosted success page is shown.',
    }),
    cancel_url: nullable({
      type: 'string',
      format: 'uri',
      description: 'When set, the hosted page shows a Back link to it.',
    }),
    metadata: ref('Metadata'),
    expire_time: { type: 'string', format: 'date-time', description: 'When the session expires if unpaid.' },
    create_time: { type: 'string', format: 'date-time' },
    update_time: { type: 'string', format: 'date-time' },
  },
};

const createRequest = {
  type: 'object',
  description:
    'A new checkout session. Unknown parameters are refused (400), so a misspelt field never goes unnoticed.',
  additionalProperties: false,
  required: ['amount', 'currency'],
  properties: {
    amount: {
      type: 'string',
      pattern: AMOUNT_PATTERN,
      description: AMOUNT_DESCRIPTION,
    },
    currency: {
      type: 'string',
      pattern: '^[A-Za-z]{3}$',
      description: 'A current ISO 4217 code; lower case is accepted and stored upper case.',
    },
    client_reference_id: nullable({
      type: 'string',
      minLength: 1,
      maxLength: 200,
      description: 'Your own reference, such as an order id.',
    }),
    success_url: nullable({
      type: 'string',
      format: 'uri',
      maxLength: 2048,
      description:
        'Absolute http(s) URL for after payment. `{CHECKOUT_SESSION_ID}` in it is replaced by the session id.',
    }),
    cancel_url: nullable({
      type: 'string',
      format: 'uri',
      maxLength: 2048,
      description: "Absolute http(s) URL behind the hosted page's Back link.",
    }),
    metadata: { anyOf: [ref('Metadata'), { type: 'null' }] },
    expire_time: nullable({
      type: 'string',
      format: 'date-time',
      description: 'RFC 3339 with an offset, 30 minutes to 24 hours from now; default 24 hours from now.',
    }),
  },
};

const errorCodes = Object.keys(STATUS_BY_CODE);

function errorResponse(description: string, code: string, headers?: Record<string, unknown>) {
  return {
    description,
    ...(headers ? { headers } : {}),
    content: {
      'application/json': {
        schema: ref('Error'),
        example: { error: { code, message: description, details: [] } },
      },
    },
  };
}

const sessionResponse = (description: string, headers?: Record<string, unknown>) => ({
  description,
  ...(headers ? { headers } : {}),
  content: { 'application/json': { schema: ref('CheckoutSession') } },
});

/**
 * The failures every operation on an account's resources can answer with: the key, the account
 * gate, the path, the method, the rate limit and the unexpected.
 */
const accountErrors = () => ({
  '401': response('Unauthenticated'),
  '403': response('Forbidden'),
  '404': response('NotFound'),
  '405': response('MethodNotAllowed'),
  '429': response('RateLimited'),
  '500': response('InternalError'),
});

/** The failures of an operation that reads a JSON body. */
const bodyErrors = () => ({
  '400': response('BadRequest'),
  '413': response('PayloadTooLarge'),
  '415': response('UnsupportedMediaType'),
});

const security = [{ ApiKey: [] }];

export function openApiDocument(serverUrl: string) {
  return {
    openapi: '3.1.0',
    info: {
      title: 'Checkout gateway REST API',
      version: '1.0.0',
      description:
        'Checkout sessions over REST, served by the same domain as the GraphQL API at /graphql: the same ' +
        'validation, idempotency, error codes and resource names. Every failure is JSON ' +
        '`{ "error": { "code", "message", "details" } }` whose `code` is one of the GraphQL API\'s error codes.',
    },
    servers: [{ url: serverUrl }],
    security,
    tags: [{ name: 'Checkout sessions' }],
    paths: {
      '/v1/accounts/{account}/checkout-sessions': {
        parameters: [parameter('Account')],
        post: {
          operationId: 'createCheckoutSession',
          tags: ['Checkout sessions'],
          summary: 'Create a checkout session',
          description:
            'Creates an OPEN session and its payment intent. Answers 200, as the seed and Stripe do; a retry with ' +
            'the same Idempotency-Key and body answers 200 with the first session and `Idempotent-Replayed: true`.',
          parameters: [parameter('IdempotencyKey')],
          requestBody: {
            required: true,
            content: {
              'application/json': {
                schema: ref('CreateCheckoutSessionRequest'),
                example: {
                  amount: '10000',
                  currency: 'GBP',
                  client_reference_id: 'order_12345',
                  success_url: 'https://example.com/success',
                  cancel_url: 'https://example.com/cancel',
                },
              },
            },
          },
          responses: {
            '200': sessionResponse('The new session, or the first one again for a replayed Idempotency-Key.', {
              'Idempotent-Replayed': {
                description: '`true` when an earlier request with this Idempotency-Key created the session.',
                schema: { type: 'string', enum: ['true'] },
              },
            }),
            ...accountErrors(),
            ...bodyErrors(),
            '422': errorResponse(
              'The Idempotency-Key was already used with a different body (IDEMPOTENCY_KEY_REUSED).',
              'IDEMPOTENCY_KEY_REUSED',
            ),
          },
        },
        get: {
          operationId: 'listCheckoutSessions',
          tags: ['Checkout sessions'],
          summary: 'List checkout sessions',
          description:
            "The account's sessions, newest first, a page at a time (AIP-158). Pass `next_page_token` back as " +
            '`page_token` with the same filters for the next page; it is empty on the last page.',
          parameters: [
            parameter('PageSize'),
            parameter('PageToken'),
            parameter('State'),
            parameter('ClientReferenceId'),
          ],
          responses: {
            '200': {
              description: 'One page of sessions.',
              content: { 'application/json': { schema: ref('ListCheckoutSessionsResponse') } },
            },
            '400': response('BadRequest'),
            ...accountErrors(),
          },
        },
      },
      '/v1/accounts/{account}/checkout-sessions/{checkout_session}': {
        parameters: [parameter('Account'), parameter('CheckoutSession')],
        get: {
          operationId: 'getCheckoutSession',
          tags: ['Checkout sessions'],
          summary: 'Get a checkout session',
          description:
            'Past its `expire_time` an unpaid session reads as EXPIRED, whether or not the sweep has reached it.',
          responses: {
            '200': sessionResponse('The session.'),
            ...accountErrors(),
          },
        },
      },
      '/v1/accounts/{account}/checkout-sessions/{checkout_session}:expire': {
        parameters: [parameter('Account'), parameter('CheckoutSession')],
        post: {
          operationId: 'expireCheckoutSession',
          tags: ['Checkout sessions'],
          summary: 'Expire a checkout session',
          description:
            'OPEN → EXPIRED, and its payment intent → CANCELED, so the payment link stops working. An EXPIRED ' +
            'session is returned unchanged; a COMPLETE one cannot be expired (409). The colon may also be sent ' +
            'percent-encoded (`%3Aexpire`). No body is needed; an empty JSON object is accepted.',
          requestBody: {
            required: false,
            content: {
              'application/json': { schema: { type: 'object', additionalProperties: false, properties: {} } },
            },
          },
          responses: {
            '200': sessionResponse('The session, now EXPIRED.'),
            ...accountErrors(),
            ...bodyErrors(),
            '409': errorResponse(
              'The session is COMPLETE: it was paid and can no longer be expired (FAILED_PRECONDITION).',
              'FAILED_PRECONDITION',
            ),
          },
        },
      },
      '/v1/openapi.json': {
        get: {
          operationId: 'getOpenApiDocument',
          summary: 'This document',
          security: [],
          responses: {
            '200': {
              description: 'The OpenAPI 3.1 document of this API.',
              content: { 'application/json': { schema: { type: 'object' } } },
            },
            '405': response('MethodNotAllowed'),
          },
        },
      },
    },
    components: {
      securitySchemes: {
        ApiKey: {
          type: 'apiKey',
          in: 'header',
          name: 'Authorization',
          description:
            "The account's key, sent as `Authorization: Api-Key sk_…`. The platform key (ADMIN_API_KEY) is refused with 403.",
        },
      },
      parameters: {
        Account: {
          name: 'account',
          in: 'path',
          required: true,
          description: "The account id, `acct_…`. Only the key's own account is found; any other answers 404.",
          schema: { type: 'string', example: 'acct_YOUR_ACCOUNT' },
        },
        CheckoutSession: {
          name: 'checkout_session',
          in: 'path',
          required: true,
          description: 'The session id, `cs_…`.',
          schema: { type: 'string', example: 'cs_SESSION_ID' },
        },
        IdempotencyKey: {
          name: 'Idempotency-Key',
          in: 'header',
          required: false,
          description:
            'Makes retries safe: the same key with the same body returns the first result and creates nothing new; with a ' +
            "different body it fails with 422. Scoped to the account and the operation, shared with GraphQL's " +
            'createCheckoutSession, kept at least 24 hours.',
          schema: { type: 'string', minLength: 1, maxLength: 255 },
        },
        PageSize: {
          name: 'page_size',
          in: 'query',
          required: false,
          description: `Sessions per page, 1 to ${MAX_PAGE_SIZE}; 0 or absent means ${DEFAULT_PAGE_SIZE}.`,
          schema: { type: 'integer', minimum: 0, maximum: MAX_PAGE_SIZE, default: DEFAULT_PAGE_SIZE },
        },
        PageToken: {
          name: 'page_token',
          in: 'query',
          required: false,
          description: 'The `next_page_token` of the previous page, sent with the same filters.',
          schema: { type: 'string' },
        },
        State: {
          name: 'state',
          in: 'query',
          required: false,
          description: 'Only sessions that read as this state now.',
          schema: ref('CheckoutSessionState'),
        },
        ClientReferenceId: {
          name: 'client_reference_id',
          in: 'query',
          required: false,
          description: 'Only sessions with this client reference.',
          schema: { type: 'string' },
        },
      },
      schemas: {
        CheckoutSession: checkoutSession,
        CheckoutSessionState: {
          type: 'string',
          enum: ['OPEN', 'COMPLETE', 'EXPIRED'],
          description: 'OPEN until paid (COMPLETE) or expired (EXPIRED).',
        },
        Metadata: {
          type: 'object',
          description:
            'Your key-value pairs: at most 50 keys of 1–40 characters without [ or ], string values of at most 500 characters.',
          maxProperties: 50,
          propertyNames: { minLength: 1, maxLength: 40, pattern: '^[^\\[\\]]*$' },
          additionalProperties: { type: 'string', maxLength: 500 },
        },
        CreateCheckoutSessionRequest: createRequest,
        ListCheckoutSessionsResponse: {
          type: 'object',
          additionalProperties: false,
          required: ['checkout_sessions', 'next_page_token'],
          properties: {
            checkout_sessions: { type: 'array', items: ref('CheckoutSession') },
            next_page_token: {
              type: 'string',
              description: 'Pass as `page_token` for the next page; empty on the last page.',
            },
          },
        },
        Error: {
          type: 'object',
          additionalProperties: false,
          required: ['error'],
          properties: {
            error: {
              type: 'object',
              additionalProperties: false,
              required: ['code', 'message', 'details'],
              properties: {
                code: {
                  type: 'string',
                  enum: errorCodes,
                  description: "The same codes as the GraphQL API's `extensions.code`.",
                },
                message: { type: 'string', description: 'For people; never reveals internals.' },
                details: {
                  type: 'array',
                  description:
                    'For BAD_USER_INPUT, every problem with its path as sent (body field, query parameter or header name); empty otherwise.',
                  items: ref('Issue'),
                },
                retry_after: {
                  type: 'integer',
                  minimum: 1,
                  description: 'RATE_LIMITED only: seconds to wait, as in Retry-After.',
                },
              },
            },
          },
        },
        Issue: {
          type: 'object',
          additionalProperties: false,
          required: ['path', 'message'],
          properties: {
            path: { type: 'array', items: { type: ['string', 'integer'] }, example: ['metadata', 'order'] },
            message: { type: 'string' },
          },
        },
      },
      responses: {
        BadRequest: errorResponse(
          'Invalid input: malformed JSON, an unknown parameter, or a value breaking a rule (BAD_USER_INPUT).',
          'BAD_USER_INPUT',
        ),
        Unauthenticated: errorResponse(
          'No key, an unknown key or a revoked key (UNAUTHENTICATED).',
          'UNAUTHENTICATED',
          {
            'WWW-Authenticate': { schema: { type: 'string', enum: ['Api-Key'] } },
          },
        ),
        Forbidden: errorResponse('The platform key may not read or change account data (FORBIDDEN).', 'FORBIDDEN'),
        NotFound: errorResponse(
          "No such session in the key's account, or an account that is not the key's own (NOT_FOUND).",
          'NOT_FOUND',
        ),
        MethodNotAllowed: errorResponse(
          'The path exists but not with this method; see the Allow header (BAD_USER_INPUT).',
          'BAD_USER_INPUT',
          {
            Allow: { schema: { type: 'string' } },
          },
        ),
        PayloadTooLarge: errorResponse(
          `The body is larger than ${MAX_BODY_BYTES} bytes (BAD_USER_INPUT).`,
          'BAD_USER_INPUT',
        ),
        UnsupportedMediaType: errorResponse(
          'The body is not sent as application/json (BAD_USER_INPUT).',
          'BAD_USER_INPUT',
        ),
        RateLimited: errorResponse('Too many requests for this key (RATE_LIMITED).', 'RATE_LIMITED', {
          'Retry-After': { description: 'Seconds to wait.', schema: { type: 'integer', minimum: 1 } },
        }),
        InternalError: errorResponse(
          'Something unexpected went wrong; the message reveals nothing internal (INTERNAL_SERVER_ERROR).',
          'INTERNAL_SERVER_ERROR',
        ),
      },
    },
  };
}
