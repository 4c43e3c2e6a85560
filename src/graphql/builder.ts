import SchemaBuilder from '@pothos/core';
import DataloaderPlugin from '@pothos/plugin-dataloader';
import RelayPlugin, { resolveNodes } from '@pothos/plugin-relay';
import ValidationPlugin from '@pothos/plugin-validation';
import { badInput, DomainError } from '../domain/errors.js';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../domain/page-size.js';
import { toInputIssues } from '../domain/validation.js';
import { requireAccountId, type GraphQLContext } from './context.js';
import { decodeGlobalId, encodeGlobalId, isNodeTypeName } from './global-ids.js';

/** The most ids one `nodes` call reads (a page of any list holds at most 100 too). */
const MAX_NODES = 100;

interface Types {
  Context: GraphQLContext;
  DefaultFieldNullability: false;
  Scalars: {
    DateTime: { Input: Date; Output: Date };
    Metadata: { Input: unknown; Output: Record<string, string> };
    TrustedDocumentManifest: { Input: unknown; Output: Record<string, string> };
    ID: { Input: string; Output: string };
  };
}

/** The schema's types as Pothos sees them, for helpers that take a field builder. */
export type BuilderTypes = PothosSchemaTypes.ExtendDefaultTypes<Types>;

// Typed by hand: the node resolvers below refer to the builder inside its own options.
export const builder: PothosSchemaTypes.SchemaBuilder<BuilderTypes> = new SchemaBuilder<Types>({
  plugins: [RelayPlugin, DataloaderPlugin, ValidationPlugin],
  defaultFieldNullability: false,
  relay: {
    clientMutationId: 'omit',
    cursorType: 'String',
    encodeGlobalID: (typename, id) => encodeGlobalId(typename, id),
    decodeGlobalID: (globalID) => decodeGlobalId(globalID),
    nodeTypeOptions: {
      description: 'An object with a stable global id, which `node` and `nodes` refetch.',
    },
    idFieldOptions: {
      description:
        "The object's global id: opaque, stable, and unique across every type. Pass it to `node` to refetch the object.",
    },
    pageInfoTypeOptions: { description: 'Where a page of a list stands, and the cursors to read the pages beside it.' },
    hasNextPageFieldOptions: {
      description: 'True when more items follow this page (read them with `after: endCursor`).',
    },
    hasPreviousPageFieldOptions: {
      description: 'True when items precede this page (read them with `before: startCursor`).',
    },
    startCursorFieldOptions: { description: 'The cursor of the first item of the page; null when the page is empty.' },
    endCursorFieldOptions: { description: 'The cursor of the last item of the page; null when the page is empty.' },
    edgesFieldOptions: { description: 'The items of this page, each with its cursor.' },
    pageInfoFieldOptions: { description: 'Where this page stands in the list.' },
    nodeFieldOptions: { description: 'The item.' },
    cursorFieldOptions: {
      description: "The item's position in the list: pass it as `after` or `before` to read the items beside it.",
    },
    firstArgOptions: {
      description: `Read at most this many items after \`after\` (0 to ${MAX_PAGE_SIZE}; default ${DEFAULT_PAGE_SIZE}).`,
    },
    afterArgOptions: { description: 'Read the items after this cursor.' },
    lastArgOptions: { description: `Read at most this many items before \`before\` (0 to ${MAX_PAGE_SIZE}).` },
    beforeArgOptions: { description: 'Read the items before this cursor.' },
    nodeQueryOptions: {
      description:
        "Any object of the account by its global id. Null, without an error, when the id names nothing the account has (another account's object, a deleted one, or text that is not an id).",
      args: { id: { description: "A global id, as the object's `id` field returned it." } },
      resolve: async (_root, args, ctx, info) => {
        requireAccountId(ctx);
        const [node] = await resolveNodes(builder, ctx, info, [isNodeTypeName(args.id.typename) ? args.id : null]);
        return node ?? null;
      },
    },
    nodesQueryOptions: {
      description:
        'Objects of the account by their global ids, in the order asked; null in each place whose id names nothing the account has. At most 100 ids.',
      args: { ids: { description: "Global ids, as the objects' `id` fields returned them." } },
      resolve: async (_root, args, ctx, info) => {
        requireAccountId(ctx);
        if (args.ids.length > MAX_NODES) {
          throw new DomainError('BAD_USER_INPUT', `Ask for at most ${MAX_NODES} ids at once.`, {
            issues: [{ path: ['ids'], message: `must list at most ${MAX_NODES} ids` }],
          });
        }
        return resolveNodes(
          builder,
          ctx,
          info,
          args.ids.map((id) => (isNodeTypeName(id.typename) ? id : null)),
        );
      },
    },
  },
  validation: {
    // Every problem, each with its full path from the field's arguments.
    validationError: (failure) => badInput(toInputIssues(failure.issues)),
  },
});

builder.queryType({ description: "Reads of the caller's account." });
builder.mutationType({ description: "Changes to the caller's account." });
