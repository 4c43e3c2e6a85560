import { Column, getTableColumns, getTableName, sql, type InferSelectModel, type Query, type SQL, type Table } from 'drizzle-orm';
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

/**
 * A statement whose text drizzle builds once, when the module loads, from a template with
 * `sql.placeholder`s; each run only binds the values (drizzle's prepared queries, run through
 * the session of `db` so that a transaction's works too). For the create path, where building
 * the statement with the query builder cost more CPU than the rest of the request.
 */
export class PreparedStatement<V extends Record<string, unknown>> {
  private readonly query: Query;

  constructor(template: SQL) {
    this.query = dialect.sqlToQuery(template);
  }

  async run(db: Executor, values: V): Promise<void> {
    await db._.session.prepareQuery(this.query, undefined, undefined, false).execute(values);
  }
}

/**
 * `insert into <table> (<every column>) values (<a placeholder per column>)`, for a
 * PreparedStatement; `values(row)` encodes a whole row for it as drizzle's insert would (each
 * column's `mapToDriverValue`, null kept), under placeholder names `<prefix><property>`.
 */
export class RowWriter<T extends Table> {
  readonly insert: SQL;
  private readonly writers: { key: string; name: string; column: Column }[];

  constructor(table: T, prefix: string) {
    this.writers = Object.entries(getTableColumns(table)).map(([key, column]) => ({ key, name: `${prefix}${key}`, column }));
    const names = this.writers.map(({ column }) => `"${column.name}"`).join(', ');
    this.insert = sql`${sql.raw(`insert into "${getTableName(table)}" (${names}) values (`)}${sql.join(
      this.writers.map(({ name }) => sql.placeholder(name)),
      sql.raw(', '),
    )})`;
  }

  values(row: InferSelectModel<T>): Record<string, unknown> {
    const values: Record<string, unknown> = {};
    for (const { key, name, column } of this.writers) {
      const value = (row as Record<string, unknown>)[key];
      values[name] = value === null || value === undefined ? null : column.mapToDriverValue(value);
    }
    return values;
  }
}
