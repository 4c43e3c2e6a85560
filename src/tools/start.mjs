/**
 * `npm start`: runs the compiled gateway (dist/main.js) in this very process, so the signals
 * npm's `exec` hands to node reach the gateway. dist/ is (re)built first when it is missing or
 * older than any file in src/ (or src/ gained or lost a file); a cluster's workers run this file
 * too, and start at once: their primary has just checked.
 */
import cluster from 'node:cluster';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const src = join(root, 'src');
const marker = join(root, 'dist', '.built');

function newestSource(dir, found = { mtimeMs: 0, files: [] }) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      newestSource(path, found);
    } else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) {
      found.mtimeMs = Math.max(found.mtimeMs, statSync(path).mtimeMs);
      found.files.push(relative(root, path));
    }
  }
  return found;
}

function stale() {
  if (!existsSync(marker)) return true;
  const sources = newestSource(src);
  if (sources.mtimeMs > statSync(marker).mtimeMs) return true;
  // A deleted or renamed source leaves no newer file behind, only a different list.
  const built = readFileSync(marker, 'utf8').trim().split('\n').sort();
  return built.join('\n') !== sources.files.sort().join('\n');
}

if (cluster.isPrimary && stale()) {
  const { buildDist } = await import('./build.mjs');
  await buildDist();
}
await import('../../dist/main.js');
