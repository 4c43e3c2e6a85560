import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { testDatabaseUrl } from './testkit.js';

export interface OwnDatabase {
  /** A PostgreSQL URL, or undefined for PGlite in `dataDir`. */
  databaseUrl: string | undefined;
  /** A fresh directory for PGlite (unused on PostgreSQL). */
  dataDir: string;
  /** Drops the database, or removes the directory. */
  drop(): Promise<void>;
}

/**
 * A database no other test file writes to, on the suite's database server (or a PGlite
 * directory that a gateway can open after the test has seeded it): for tests whose assertions
 * another file's gateway could disturb (its sweeps and pruning, its rows in the statistics).
 */
export async function ownDatabase(suffix: string): Promise<OwnDatabase> {
  const dataDir = mkdtempSync(join(tmpdir(), `gateway-${suffix}-`));
  const removeDir = () => rmSync(dataDir, { recursive: true, force: true });
  if (!testDatabaseUrl()) return { databaseUrl: undefined, dataDir, drop: async () => removeDir() };
  const url = new URL(testDatabaseUrl());
  const name = `${url.pathname.slice(1)}_${suffix}`;
  const admin = postgres(url.toString(), { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  url.pathname = `/${name}`;
  return {
    databaseUrl: url.toString(),
    dataDir,
    async drop() {
      removeDir();
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
    },
  };
}
