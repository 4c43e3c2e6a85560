// The schema lint (`npm run lint:schema`, run by .ci/run): @graphql-eslint's schema and Relay
// rules over the printed schema.graphql, with every description required.
import graphql from '@graphql-eslint/eslint-plugin';

export default [
  {
    files: ['schema.graphql'],
    languageOptions: {
      parser: graphql.parser,
      parserOptions: { graphQLConfig: { schema: './schema.graphql' } },
    },
    plugins: { '@graphql-eslint': graphql },
    rules: {
      ...graphql.configs['flat/schema-recommended'].rules,
      ...graphql.configs['flat/schema-relay'].rules,
      '@graphql-eslint/require-description': [
        'error',
        {
          types: true,
          rootField: true,
          FieldDefinition: true,
          InputValueDefinition: true,
          EnumValueDefinition: true,
          DirectiveDefinition: true,
          OperationDefinition: false,
        },
      ],
      // Objects a client can see twice carry an id; pages, edges, payloads and a payment's error
      // are parts of their parent, never refetched on their own.
      '@graphql-eslint/strict-id-in-types': [
        'error',
        {
          acceptedIdNames: ['id'],
          acceptedIdTypes: ['ID'],
          exceptions: { types: ['PageInfo', 'PaymentError'], suffixes: ['Connection', 'Edge', 'Payload'] },
        },
      ],
      '@graphql-eslint/relay-edge-types': [
        'error',
        { shouldImplementNode: true, listTypeCanWrapOnlyEdgeType: false, withEdgeSuffix: true },
      ],
    },
  },
];
