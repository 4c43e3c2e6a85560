/**
 * A freshly initialised and migrated embedded database, kept beside the build, that a first
 * start copies into an empty DATA_DIR instead of running PGlite's initdb and every migration:
 * initdb (a WebAssembly program of its own, compiled and run once per new data directory) was
 * most of a first start's time; copying its result takes milliseconds. The copy is the very
 * cluster initdb and the migrations make (the start's own migrate then finds nothing to do). Made
 * by `npm run build` once per PGlite version and set of migrations; without a matching one,
 * PGlite runs initdb and the migrations run, as before.
 */
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { drizzle } from 'drizzle-orm/pglite';
import { migrate } from 'drizzle-orm/pglite/migrator';

const cacheDir = fileURLToPath(new URL('../../.cache', import.meta.url));
const migrationsFolder = fileURLToPath(new URL('../../drizzle', import.meta.url));

/** A digest of every migration file: a template made before a migration changed is not used. */
function migrationsDigest(): string {
  const hash = createHash('sha256');
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else hash.update(`${entry.name}\0`).update(readFileSync(path));
    }
  };
  walk(migrationsFolder);
  return hash.digest('hex').slice(0, 16);
}

function pgliteVersion(): string {
  const entry = createRequire(import.meta.url).resolve('@electric-sql/pglite');
  const manifest = JSON.parse(readFileSync(join(dirname(entry), '..', 'package.json'), 'utf8')) as { version: string };
  return manifest.version;
}

/** Where the template for the installed PGlite and these migrations lives (a data directory once it holds PG_VERSION). */
function templateDir(): string {
  return join(cacheDir, `pglite-${pgliteVersion()}-${migrationsDigest()}`);
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
  await migrate(drizzle(client), { migrationsFolder });
  await client.close();
  renameSync(making, template);
}
