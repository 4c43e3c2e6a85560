/**
 * Ids are made in TypeScript (newId) and, for rows a statement makes per selected row, in SQL
 * (sqlNewId). Rows of both kinds exist, so every reader of ids must take both: one pattern.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../src/db/client.js';
import { hasPrefix, newId, sqlNewId } from '../src/domain/ids.js';
import { ownDatabase, type OwnDatabase } from './own-database.js';

const ID_PATTERN = /^whd_[A-Za-z0-9]+$/;

let own: OwnDatabase;
let database: Database | undefined;

beforeAll(async () => {
  own = await ownDatabase('ids');
  database = await openDatabase({ databaseUrl: own.databaseUrl, dataDir: own.databaseUrl ? null : own.dataDir });
});

afterAll(async () => {
  await database?.close();
  await own?.drop();
});

async function idsFromSql(count: number): Promise<string[]> {
  const result = await database!.db.execute(sql`select ${sqlNewId('whd')} as id from generate_series(1, ${count})`);
  const rows = (Array.isArray(result) ? result : (result as { rows: unknown[] }).rows) as { id: string }[];
  return rows.map((row) => row.id);
}

describe('one id format, two makers', () => {
  it('makes ids in TypeScript and in SQL that the one pattern and hasPrefix accept', async () => {
    const fromTypeScript = Array.from({ length: 20 }, () => newId('whd'));
    const fromSql = await idsFromSql(20);
    for (const id of [...fromTypeScript, ...fromSql]) {
      expect(id).toMatch(ID_PATTERN);
      expect(hasPrefix(id, 'whd')).toBe(true);
      expect(hasPrefix(id, 'wha')).toBe(false);
    }
    // Each keeps the body its existing rows have: 24 base62 characters, 32 hex digits.
    for (const id of fromTypeScript) expect(id).toMatch(/^whd_[0-9A-Za-z]{24}$/);
    for (const id of fromSql) expect(id).toMatch(/^whd_[0-9a-f]{32}$/);
    expect(new Set([...fromTypeScript, ...fromSql]).size).toBe(40);
  });
});
