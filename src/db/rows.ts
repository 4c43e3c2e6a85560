import {
  Column,
  fillPlaceholders,
  getTableColumns,
  is,
  sql,
  type InferSelectModel,
  type Query,
  type SQL,
  type Table,
} from 'drizzle-orm';
import { PgDialect, PgTimestamp } from 'drizzle-orm/pg-core';
import type { Executor } from './client.js';
import { columnNames } from './names.js';
import { parsePostgresTimestamptz } from './timestamps.js';

interface ColumnReader {
  key: string;
  /** Decodes a non-null driver value. */
  decode: (value: unknown) => unknown;
}

const asIs = (value: unknown) => value;

/**
 * The column's own decoding, but timestamptz text (five per session row) through the fast
 * parser. A column that does not override Column's mapFromDriverValue (which returns the value
 * as it is) skips the call. test/row-reader.test.ts holds both shortcuts to drizzle's own select.
 */
function decoderOf(column: Column): (value: unknown) => unknown {
  if (column.mapFromDriverValue === Column.prototype.mapFromDriverValue) return asIs;
  const drizzle = (value: unknown) => column.mapFromDriverValue(value);
  if (!is(column, PgTimestamp) || !column.withTimezone) return drizzle;
  return (value) => (typeof value === 'string' && parsePostgresTimestamptz(value)) || drizzle(value);
}

/**
 * Reads whole rows of one table out of a select written with `reader.columns`, decoding each
 * value as drizzle's own query builder does (the column's `mapFromDriverValue`, null kept;
 * timestamptz text goes through a faster parser to the same Date).
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
    const columns = Object.entries(getTableColumns(table));
    this.readers = columns.map(([key, column]) => ({ key, decode: decoderOf(column) }));
    this.width = this.readers.length;
    // Each column renders qualified by its table's name, "table"."column".
    this.columns = sql.join(
      columns.map(([, column]) => column),
      sql`, `,
    );
  }

  /** The row whose columns start at `offset` of a result row's values. */
  read(values: readonly unknown[], offset = 0): InferSelectModel<T> {
    const row: Record<string, unknown> = {};
    for (let i = 0; i < this.readers.length; i += 1) {
      const { key, decode } = this.readers[i]!;
      const value = values[offset + i];
      row[key] = value === null || value === undefined ? null : decode(value);
    }
    return row as InferSelectModel<T>;
  }
}

const dialect = new PgDialect();

/**
 * drizzle's own prepared query for a statement built once, on the session of `db` (the
 * database's, or a transaction's, so the statement joins it). drizzle has no public way to
 * prepare a raw SQL template with placeholders (`db.execute` builds the text anew on every
 * call), so this is the one place that reaches into `db._.session`, typed by drizzle's own
 * declarations. drizzle-orm is pinned exactly in package.json for it, and
 * test/row-reader.test.ts runs it on both drivers against drizzle's query builder.
 */
function prepareOn<R>(db: Executor, query: Query, arrayMode: boolean, mapRows?: (rows: unknown[]) => R[]) {
  return db._.session.prepareQuery<{ execute: R[]; all: unknown; values: unknown }>(
    query,
    undefined,
    undefined,
    arrayMode,
    mapRows,
  );
}

/**
 * A statement whose text drizzle builds once, from a template with `sql.placeholder`s; each run
 * only binds the values. For the create and list paths, where building the statement with the
 * query builder cost more CPU than the rest of the request.
 */
export class PreparedStatement<V extends Record<string, unknown>> {
  private readonly query: Query;

  constructor(template: SQL) {
    this.query = dialect.sqlToQuery(template);
  }

  /** The statement's text and its parameters with `values` bound, as they are sent (for EXPLAIN). */
  bind(values: V): { sql: string; params: unknown[] } {
    return { sql: this.query.sql, params: fillPlaceholders(this.query.params, values) };
  }

  async run(db: Executor, values: V): Promise<void> {
    await prepareOn(db, this.query, false).execute(values);
  }

  /**
   * Runs a select and maps each row, asking the driver for rows as arrays of values (as
   * drizzle's query builder does: both postgres.js and PGlite build those more cheaply than
   * objects keyed by column name).
   */
  async rows<R>(db: Executor, values: V, mapRow: (values: readonly unknown[]) => R): Promise<R[]> {
    return prepareOn(db, this.query, true, (rows) => (rows as unknown[][]).map(mapRow)).execute(values);
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
    this.writers = Object.entries(getTableColumns(table)).map(([key, column]) => ({
      key,
      name: `${prefix}${key}`,
      column,
    }));
    // An insert's column list takes bare names.
    const names = columnNames(...this.writers.map(({ column }) => column));
    const placeholders = sql.join(
      this.writers.map(({ name }) => sql.placeholder(name)),
      sql`, `,
    );
    this.insert = sql`insert into ${table} (${names}) values (${placeholders})`;
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
