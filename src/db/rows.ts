import {
  Column,
  fillPlaceholders,
  getTableColumns,
  getTableName,
  sql,
  type InferSelectModel,
  type Query,
  type SQL,
  type Table,
} from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import type { Executor } from './client.js';
import { parsePostgresTimestamptz } from './timestamps.js';

interface ColumnReader {
  key: string;
  /** Decodes a non-null driver value. */
  decode: (value: unknown) => unknown;
}

const asIs = (value: unknown) => value;

/** The column's own decoding, but timestamptz text (five per session row) through the fast parser. */
function decoderOf(column: Column): (value: unknown) => unknown {
  if (column.mapFromDriverValue === Column.prototype.mapFromDriverValue) return asIs;
  const drizzle = (value: unknown) => column.mapFromDriverValue(value);
  if (
    column.columnType !== 'PgTimestamp' ||
    column.dataType !== 'date' ||
    !(column as unknown as { withTimezone: boolean }).withTimezone
  )
    return drizzle;
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
    const tableName = getTableName(table);
    const columns = Object.entries(getTableColumns(table));
    this.readers = columns.map(([key, column]) => ({ key, decode: decoderOf(column) }));
    this.width = this.readers.length;
    this.columns = sql.raw(columns.map(([, column]) => `"${tableName}"."${column.name}"`).join(', '));
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
 * A statement whose text drizzle builds once, from a template with `sql.placeholder`s; each run
 * only binds the values (drizzle's prepared queries, run through the session of `db` so that a
 * transaction's works too). For the create and list paths, where building the statement with
 * the query builder cost more CPU than the rest of the request.
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
    await db._.session.prepareQuery(this.query, undefined, undefined, false).execute(values);
  }

  /**
   * Runs a select and maps each row, asking the driver for rows as arrays of values (as
   * drizzle's query builder does: both postgres.js and PGlite build those more cheaply than
   * objects keyed by column name).
   */
  async rows<R>(db: Executor, values: V, mapRow: (values: readonly unknown[]) => R): Promise<R[]> {
    const prepared = db._.session.prepareQuery<{ execute: R[]; all: unknown; values: unknown }>(
      this.query,
      undefined,
      undefined,
      true,
      (rows) => (rows as unknown[][]).map(mapRow),
    );
    return prepared.execute(values);
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
