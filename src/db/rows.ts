import { Column, getTableColumns, getTableName, sql, type InferSelectModel, type SQL, type Table } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import type { Executor } from './client.js';

interface ColumnReader {
  key: string;
  column: Column;
  /** Text, enum and other columns whose driver value is already the row's value. */
  asIs: boolean;
}

/**
 * Reads whole rows of one table out of a select written with `reader.columns`, decoding each
 * value as drizzle's own query builder does (the column's `mapFromDriverValue`, null kept).
 *
 * For hot queries only: drizzle's generic row mapper checks the kind of every selected field of
 * every row again (`is(field, Column)` walks class chains) and allocates an iterator per value,
 * which made up a quarter of the CPU of listing 50 sessions with their payment intents. Here
 * the per-column work is decided once, when the reader is made.
 */
export class RowReader<T extends Table> {
  /** The select list: every column of the table, in the order `read` expects them. */
  readonly columns: SQL;
  /** How many values of a result row the table's columns take. */
  readonly width: number;
  private readonly readers: ColumnReader[];

  constructor(table: T) {
    const tableName = getTableName(table);
    this.readers = Object.entries(getTableColumns(table)).map(([key, column]) => ({
      key,
      column,
      asIs: column.mapFromDriverValue === Column.prototype.mapFromDriverValue,
    }));
    this.width = this.readers.length;
    this.columns = sql.raw(this.readers.map(({ column }) => `"${tableName}"."${column.name}"`).join(', '));
  }

  /** The row whose columns start at `offset` of a result row's values. */
  read(values: readonly unknown[], offset = 0): InferSelectModel<T> {
    const row: Record<string, unknown> = {};
    for (let i = 0; i < this.readers.length; i += 1) {
      const { key, column, asIs } = this.readers[i]!;
      const value = values[offset + i];
      row[key] = value === null || value === undefined ? null : asIs ? value : column.mapFromDriverValue(value);
    }
    return row as InferSelectModel<T>;
  }
}

const dialect = new PgDialect();

/**
 * Runs a hand-written select through the session of `db` (a transaction's too), asking the
 * driver for rows as arrays of values, the form drizzle's query builder also reads: both
 * postgres.js and PGlite build them more cheaply than objects keyed by column name.
 */
export async function selectRows<R>(db: Executor, query: SQL, mapRow: (values: readonly unknown[]) => R): Promise<R[]> {
  const prepared = db._.session.prepareQuery<{ execute: R[]; all: unknown; values: unknown }>(
    dialect.sqlToQuery(query),
    undefined,
    undefined,
    true,
    (rows) => (rows as unknown[][]).map(mapRow),
  );
  return prepared.execute();
}
