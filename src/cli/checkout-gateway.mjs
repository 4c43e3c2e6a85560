#!/usr/bin/env node
// The `checkout-gateway` command. It runs the compiled CLI when a build exists beside the sources
// (dist/), and otherwise the TypeScript itself through tsx, as `npm start` does.
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const compiled = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
if (existsSync(compiled)) {
  await import(pathToFileURL(compiled).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('./main.ts');
}
