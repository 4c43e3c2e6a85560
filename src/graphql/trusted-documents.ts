import { parse, validate, type GraphQLSchema } from 'graphql';
import { checkManifest, registerTrustedDocuments } from '../domain/trusted-documents.js';
import { builder } from './builder.js';
import { requireAccountId } from './context.js';

/** Told of each account whose trusted documents changed, so request-time caches forget it. */
const changeListeners = new Set<(accountId: string) => void>();
export function onTrustedDocumentsChanged(listener: (accountId: string) => void): () => void {
  changeListeners.add(listener);
  return () => changeListeners.delete(listener);
}

/** A document's problem against the schema (syntax or validation), or undefined when it is sound. */
export function documentProblem(schema: GraphQLSchema, document: string): string | undefined {
  try {
    const errors = validate(schema, parse(document));
    return errors.length ? `is not valid against the schema: ${errors[0]!.message}` : undefined;
  } catch (error) {
    return `is not a GraphQL document: ${(error as Error).message}`;
  }
}

builder.scalarType('TrustedDocumentManifest', {
  description:
    "A persisted-documents manifest: a JSON object mapping each document id (the SHA-256 or SHA-1 of the document in hex) to the document's text, as graphql-codegen's client preset writes persisted-documents.json.",
  serialize: (value) => value,
  parseValue: (value) => value,
  parseLiteral: (ast) =>
    ast.kind === 'ObjectValue'
      ? Object.fromEntries(
          ast.fields.map((field) => [field.name.value, field.value.kind === 'StringValue' ? field.value.value : null]),
        )
      : null,
});

const RegisterTrustedDocumentsInput = builder.inputType('RegisterTrustedDocumentsInput', {
  description: 'Documents to trust for the calling account, and whether it should accept only those.',
  fields: (t) => ({
    documents: t.field({
      type: 'TrustedDocumentManifest',
      required: false,
      description: 'The manifest to register, at most 1000 documents a call; registering a document again is harmless.',
    }),
    onlyTrustedDocuments: t.boolean({
      required: false,
      description:
        'When true, the account accepts only registered documents, sent by id; when false, any document again. Left out, the setting stays as it is.',
    }),
  }),
});

const RegisterTrustedDocumentsPayload = builder
  .objectRef<{ documentIds: string[]; onlyTrustedDocuments: boolean }>('RegisterTrustedDocumentsPayload')
  .implement({
    description: 'What registerTrustedDocuments changed.',
    fields: (t) => ({
      documentIds: t.exposeStringList('documentIds', {
        description: 'The ids of the documents registered by this call.',
      }),
      onlyTrustedDocuments: t.exposeBoolean('onlyTrustedDocuments', {
        description: 'Whether the account now accepts only its registered documents.',
      }),
    }),
  });

builder.mutationField('registerTrustedDocuments', (t) =>
  t.field({
    type: RegisterTrustedDocumentsPayload,
    description:
      "Registers trusted documents for the calling account, so that clients may send a document's id alone, and optionally makes the account accept only those.",
    args: {
      input: t.arg({
        type: RegisterTrustedDocumentsInput,
        required: true,
        description: 'The documents to trust, and whether to accept only those.',
      }),
    },
    resolve: async (_root, { input }, ctx, info) => {
      const accountId = requireAccountId(ctx);
      const manifest = checkManifest(input.documents ?? {}, ['input', 'documents'], (document) =>
        documentProblem(info.schema, document),
      );
      const result = await registerTrustedDocuments(
        ctx.deps.db,
        accountId,
        manifest,
        input.onlyTrustedDocuments ?? undefined,
      );
      for (const listener of changeListeners) listener(accountId);
      return result;
    },
  }),
);
