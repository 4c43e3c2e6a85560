/**
 * A freshly initialised embedded database, kept beside the build, that a first start copies into
 * an empty DATA_DIR instead of running PGlite's initdb: initdb (a WebAssembly program of its own,
 * compiled and run once per new data directory) was most of a first start's time; copying its
 * result takes milliseconds. The copy is the very cluster initdb makes (migrations still run
 * after it). Made by `npm run build` once per PGlite version; without it, PGlite runs initdb as
 * before.
 */
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';

const cacheDir = fileURLToPath(new URL('../../.cache', import.meta.url));

function pgliteVersion(): string {
  const entry = createRequire(import.meta.url).resolve('@electric-sql/pglite');
  const manifest = JSON.parse(readFileSync(join(dirname(entry), '..', 'package.json'), 'utf8')) as { version: string };
  return manifest.version;
}

/** Where the template for the installed PGlite lives (a data directory once it holds PG_VERSION). */
function templateDir(): string {
  return join(cacheDir, `pglite-${pgliteVersion()}`);
}

/**
 * Fills `dataDir` from the template when `dataDir` holds no database yet (missing or empty) and
 * the template exists; returns whether it did.
 */
export function seedFromTemplate(dataDir: string): boolean {
  const template = templateDir();
  if (!existsSync(join(template, 'PG_VERSION'))) return false;
  if (existsSync(dataDir) && readdirSync(dataDir).length > 0) return false;
  cpSync(template, dataDir, { recursive: true });
  return true;
}

/**
 * Makes the template unless it exists; old versions' templates are removed.
 * @public called by the build (src/tools/build.mjs) from dist/.
 */
export async function ensurePgliteTemplate(): Promise<void> {
  const template = templateDir();
  if (existsSync(join(template, 'PG_VERSION'))) return;
  mkdirSync(cacheDir, { recursive: true });
  for (const entry of readdirSync(cacheDir)) {
    if (entry.startsWith('pglite-')) rmSync(join(cacheDir, entry), { recursive: true, force: true });
  }
  // Made aside and renamed into place, so a start never copies a half-made template.
  const making = `${template}.${process.pid}.tmp`;
  const client = new PGlite(making);
  await client.waitReady;
  await client.close();
  renameSync(making, template);
}
