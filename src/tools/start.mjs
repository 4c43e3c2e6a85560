/**
 * `npm start`: runs the compiled gateway (dist/main.js) in this very process, so the signals
 * npm's `exec` hands to node reach the gateway. dist/ is (re)built first when it is missing or
 * older than any file in src/ (or src/ gained or lost a file); a cluster's workers run this file
 * too, and start at once: their primary has just checked.
 */
import cluster from 'node:cluster';
import { isStale } from './build.mjs';

if (cluster.isPrimary && isStale()) {
  const { buildDist } = await import('./build.mjs');
  await buildDist();
}
await import('../../dist/main.js');
