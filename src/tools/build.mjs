/**
 * `npm run build`: transpiles src/ to dist/ file by file (esbuild, no bundling, so each module
 * keeps its path and `new URL('../../drizzle', import.meta.url)` still finds the migrations).
 * Types are checked by `npm run typecheck`, not here: this only has to be fast.
 */
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('../..', import.meta.url));
const src = join(root, 'src');
const dist = join(root, 'dist');

function sources(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

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

/** True when dist/ is missing, older than a file of src/, or built from another list of files. */
export function isStale() {
  if (!existsSync(marker)) return true;
  const sources = newestSource(src);
  if (sources.mtimeMs > statSync(marker).mtimeMs) return true;
  // A deleted or renamed source leaves no newer file behind, only a different list.
  const built = readFileSync(marker, 'utf8').trim().split('\n').sort();
  return built.join('\n') !== sources.files.sort().join('\n');
}

export async function buildDist() {
  const entryPoints = sources(src);
  rmSync(dist, { recursive: true, force: true });
  await build({
    entryPoints,
    outdir: dist,
    outbase: src,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    sourcemap: 'linked',
    logLevel: 'warning',
  });
  // Written last: its presence says the build finished (a half-written dist/ counts as stale).
  writeFileSync(join(dist, '.built'), `${entryPoints.map((path) => relative(root, path)).join('\n')}\n`);
  // Once per PGlite version: the initialised embedded database a first start copies instead of
  // running initdb (src/db/pglite-template.ts). Without it a start is only slower.
  try {
    const { ensurePgliteTemplate } = await import(pathToFileURL(join(dist, 'db', 'pglite-template.js')).href);
    await ensurePgliteTemplate();
  } catch (error) {
    process.stderr.write(`no embedded database template (a first start on PGlite runs initdb): ${error.message}\n`);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const started = performance.now();
  await buildDist();
  process.stderr.write(`dist/ built in ${Math.round(performance.now() - started)} ms\n`);
}
