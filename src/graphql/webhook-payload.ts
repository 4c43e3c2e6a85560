/**
 * Webhook payloads shaped by a subscription document (an endpoint's `query`): the document is
 * checked when it is stored, by the limits of any operation, and executed once per delivery with
 * the event as its root value, acting for the endpoint's account, read-only.
 */
import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import {
  execute,
  getOperationAST,
  GraphQLError,
  Kind,
  parse,
  specifiedRules,
  validate,
  type DocumentNode,
} from 'graphql';
import { envelop, useSchema, type Plugin } from 'graphql-yoga';
import { DomainError, type InputIssue } from '../domain/errors.js';
import type { EventRecord } from '../domain/events/event.js';
import type { GraphQLContext } from './context.js';
import { OPERATION_LIMITS } from './limits.js';
import { schema } from './schema.js';

/** The one root field of a payload document: the event being delivered. */
const PAYLOAD_ROOT_FIELD = 'event';
const MAX_DOCUMENT_CHARS = 10_000;

/** graphql-js's parse and validate, for the armor plugin to wrap (Yoga does this for itself). */
const graphqlJs: Plugin = {
  onParse: ({ setParseFn }) => setParseFn(parse),
  onValidate: ({ setValidationFn, addValidationRule }) => {
    setValidationFn(validate);
    specifiedRules.forEach(addValidationRule);
  },
};

/** Built on first use: this module and the schema import each other. */
let envelopedOnce: ReturnType<typeof envelop> | undefined;
function enveloped() {
  envelopedOnce ??= envelop({
    plugins: [graphqlJs, useSchema(schema), EnvelopArmorPlugin(OPERATION_LIMITS)],
  });
  return envelopedOnce();
}

function describe(error: GraphQLError): string {
  const at = error.locations?.map((l) => `${l.line}:${l.column}`).join(', ');
  return at ? `${error.message} (at ${at})` : error.message;
}

/** The problems of a payload document, each under `path`; empty when it may be stored. */
function problemsOf(query: string, path: (string | number)[]): { document?: DocumentNode; issues: InputIssue[] } {
  if (query.length > MAX_DOCUMENT_CHARS)
    return { issues: [{ path, message: `must be at most ${MAX_DOCUMENT_CHARS} characters` }] };
  const { parse, validate, schema: envelopedSchema } = enveloped();
  let document: DocumentNode;
  let errors: readonly GraphQLError[];
  // graphql-armor throws its limits from parse and validate rather than returning them.
  try {
    document = parse(query);
    errors = validate(envelopedSchema, document);
  } catch (error) {
    if (error instanceof GraphQLError) return { issues: [{ path, message: describe(error) }] };
    throw error;
  }
  if (errors.length) return { issues: errors.map((error: GraphQLError) => ({ path, message: describe(error) })) };
  const operations = document.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION);
  const operation = getOperationAST(document);
  // A subscription is read-only by construction: no mutation can run in a payload.
  if (!operation || operations.length !== 1 || operation.operation !== 'subscription') {
    return {
      issues: [
        {
          path,
          message:
            'must be one subscription operation, e.g. subscription { event { id type checkoutSession { name state } } }',
        },
      ],
    };
  }
  if (operation.variableDefinitions?.length)
    return { issues: [{ path, message: 'may not declare variables: nothing supplies them' }] };
  const [root] = operation.selectionSet.selections;
  if (root?.kind !== Kind.FIELD || root.name.value !== PAYLOAD_ROOT_FIELD) {
    return {
      issues: [
        { path, message: `must select the \`${PAYLOAD_ROOT_FIELD}\` field at its root: the event being delivered` },
      ],
    };
  }
  return { document, issues: [] };
}

/** Throws BAD_USER_INPUT, every problem under `path`, unless the document may be stored. */
export function checkPayloadDocument(query: string, path: (string | number)[]): void {
  const { issues } = problemsOf(query, path);
  if (issues.length) throw new DomainError('BAD_USER_INPUT', 'The webhook payload document is not valid.', { issues });
}

/** Documents seen recently, parsed: endpoints keep theirs, so each is parsed about once. */
const parsed = new Map<string, DocumentNode>();
const MAX_PARSED = 256;

function documentOf(query: string): DocumentNode {
  let document = parsed.get(query);
  if (!document) {
    const result = problemsOf(query, ['query']);
    // Stored documents were checked when stored; a schema change may have broken one since.
    if (!result.document)
      throw new DomainError(
        'FAILED_PRECONDITION',
        `The endpoint's payload document is no longer valid: ${result.issues[0]!.message}`,
      );
    document = result.document;
    if (parsed.size >= MAX_PARSED) parsed.delete(parsed.keys().next().value!);
    parsed.set(query, document);
  }
  return document;
}

export type PayloadContextBase = Pick<GraphQLContext, 'deps' | 'events' | 'webhooks'>;

/**
 * The body for an endpoint with a payload document: `{ data }` (and `errors`, masked as over
 * HTTP, when a field failed), executed as the event's own account.
 */
export async function renderPayloadDocument(
  base: PayloadContextBase,
  event: EventRecord,
  query: string,
): Promise<string> {
  const document = documentOf(query);
  const contextValue: GraphQLContext = {
    ...base,
    principal: { role: 'account', accountId: event.accountId, keyId: '' },
    idempotencyKey: null,
    idempotentReplayed: false,
  };
  const result = await execute({ schema, document, rootValue: event, contextValue });
  const errors = result.errors?.map((error) => {
    const known = error.originalError instanceof DomainError ? error.originalError : null;
    return {
      message: known ? error.message : 'Internal error.',
      path: error.path,
      extensions: { code: known?.code ?? 'INTERNAL' },
    };
  });
  return JSON.stringify(errors?.length ? { data: result.data ?? null, errors } : { data: result.data ?? null });
}
