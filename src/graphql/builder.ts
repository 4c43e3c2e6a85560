import SchemaBuilder from '@pothos/core';
import DataloaderPlugin from '@pothos/plugin-dataloader';
import RelayPlugin from '@pothos/plugin-relay';
import ValidationPlugin from '@pothos/plugin-validation';
import { badInput, notFound } from '../domain/errors.js';
import { toInputIssues } from '../domain/validation.js';
import { requireAccountId, type GraphQLContext } from './context.js';

export const builder = new SchemaBuilder<{
  Context: GraphQLContext;
  DefaultFieldNullability: false;
  Scalars: {
    DateTime: { Input: Date; Output: Date };
    Metadata: { Input: unknown; Output: Record<string, string> };
    TrustedDocumentManifest: { Input: unknown; Output: Record<string, string> };
    ID: { Input: string; Output: string };
  };
}>({
  plugins: [RelayPlugin, DataloaderPlugin, ValidationPlugin],
  defaultFieldNullability: false,
  relay: {
    clientMutationId: 'omit',
    cursorType: 'String',
    nodesQueryOptions: false,
    // A malformed global id names nothing in the account: answer as for any missing object.
    decodeGlobalID: (globalID) => {
      const [typename, id, ...rest] = Buffer.from(globalID, 'base64').toString('utf8').split(':');
      if (!typename || !id || rest.length > 0 || !/^[A-Za-z]+$/.test(typename)) throw notFound('Node');
      return { typename, id };
    },
    nodeQueryOptions: {
      description: 'A checkout session or payment intent by its global id. Fails with NOT_FOUND when the account has no such object.',
      resolve: async (_root, args, ctx, _info, resolveNode) => {
        requireAccountId(ctx);
        const node = await resolveNode(args.id);
        if (node == null) throw notFound('Node');
        return node;
      },
    },
  },
  validation: {
    // Every problem, each with its full path from the field's arguments.
    validationError: (failure) => badInput(toInputIssues(failure.issues)),
  },
});

builder.queryType({ description: 'Reads of the caller\'s account.' });
builder.mutationType({ description: 'Changes to the caller\'s account.' });
