// Typed operations for the tests: every `graphql(`…`)` document under test/ is checked against the
// checked-in schema.graphql, so a renamed or removed field fails `tsc` in the tests too.
// Regenerate with `npm run codegen` after changing a document or the schema; CI fails on drift.
import type { CodegenConfig } from '@graphql-codegen/cli';

const config: CodegenConfig = {
  schema: 'schema.graphql',
  documents: ['test/**/*.ts', '!test/__generated__/**', '!test/bench/**', '!test/clients/**'],
  generates: {
    'test/__generated__/': {
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: {
        documentMode: 'string',
        enumsAsTypes: true,
        useTypeImports: true,
        importExtension: '.js',
        scalars: {
          DateTime: 'string',
          Metadata: 'Record<string, string>',
          TrustedDocumentManifest: 'Record<string, string>',
        },
      },
    },
  },
  silent: true,
};

export default config;
