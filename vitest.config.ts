import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // Node (and so every dependency) loads graphql's CommonJS entry, while Vite would hand our
    // own files its .mjs copy: two GraphQLError classes, and instanceof checks that fail.
    alias: [{ find: /^graphql$/, replacement: 'graphql/index.js' }],
  },
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Two cores: more workers only contend for them.
    maxWorkers: 2,
  },
});
