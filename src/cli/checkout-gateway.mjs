#!/usr/bin/env node
// The `checkout-gateway` command. It runs the compiled CLI when an up-to-date build exists
// beside the sources (dist/), and otherwise the TypeScript itself through tsx.
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { isStale } from '../tools/build.mjs';

const compiled = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
if (existsSync(compiled) && !isStale()) {
  await import(pathToFileURL(compiled).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('./main.ts');
}
