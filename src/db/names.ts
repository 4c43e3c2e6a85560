/**
 * Table and column names for statements written as SQL text, taken from the drizzle tables of
 * schema.ts: a renamed column or table renames itself in every statement, or fails tsc, instead
 * of leaving a statement that names the old one until it runs.
 */
import { sql, type Column, type SQL } from 'drizzle-orm';
import { alias, type AnyPgTable } from 'drizzle-orm/pg-core';

/**
 * Columns by their bare names, for an insert's column list and a `returning` list (a column of
 * an insert's list cannot be qualified; a bare `returning` name is what the CTE's readers see).
 */
export function columnNames(...columns: Column[]): SQL {
  return sql.join(
    columns.map((column) => sql.identifier(column.name)),
    sql`, `,
  );
}

/** `relation.column` for a CTE or subquery that returns `column` under its bare name. */
export function columnOf(relation: string, column: Column): SQL {
  return sql`${sql.identifier(relation)}.${sql.identifier(column.name)}`;
}

/**
 * A table under another name in the statement: `from` renders `"table" "name"` (drizzle's
 * alias alone renders only the name), and `columns` render qualified by the name.
 */
export function tableAs<T extends AnyPgTable, N extends string>(table: T, name: N) {
  return { from: sql`${table} ${sql.identifier(name)}`, columns: alias(table, name), name };
}
