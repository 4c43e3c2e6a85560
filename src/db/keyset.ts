import { and, type SQL, sql } from 'drizzle-orm';
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core';
import { listLimit, MAX_LIST_ROWS } from './statement-set.js';

/**
 * Keyset pagination on (createTime, id), the order of every list but the event log's (which
 * pages by its sequence): one position type, one pair of range conditions, one order, one page
 * statement. GraphQL cursors and REST page tokens are only encodings of a Position.
 */

/** A row's place in a list ordered by (createTime, id). */
export interface Position {
  createTime: Date;
  id: string;
}

/** What a list is asked for: how many rows, between which positions, in which direction. */
export interface KeysetPage {
  /** Rows to return (callers ask for one more than a page to learn whether more follow). */
  limit: number;
  after?: Position | null;
  before?: Position | null;
  /** Oldest first instead of newest first (for paging backwards). */
  inverted?: boolean;
}

/** What decides the text of a keyset statement: which positions it has, and its direction. */
export interface KeysetShape {
  after: boolean;
  before: boolean;
  inverted: boolean;
}

/** Every keyset shape's values, for a StatementSet's enumeration (everyCombination). */
export const KEYSET_DIMENSIONS = { after: [false, true], before: [false, true], inverted: [false, true] } as const;

/** The values a keyset statement binds, besides its list's own filters. */
export interface KeysetValues extends Record<string, unknown> {
  afterTime: string | null;
  afterId: string | null;
  beforeTime: string | null;
  beforeId: string | null;
  limit: number;
}

/** A table listed by (createTime, id). */
interface Keyed {
  createTime: PgColumn;
  id: PgColumn;
}

export function keysetShape(page: KeysetPage): KeysetShape {
  return { after: !!page.after, before: !!page.before, inverted: !!page.inverted };
}

export function keysetValues(page: KeysetPage): KeysetValues {
  return {
    afterTime: page.after ? page.after.createTime.toISOString() : null,
    afterId: page.after?.id ?? null,
    beforeTime: page.before ? page.before.createTime.toISOString() : null,
    beforeId: page.before?.id ?? null,
    limit: listLimit(page.limit),
  };
}

const placeholder = (name: keyof KeysetValues & string) => sql.placeholder(name);

/** The row comparisons that bound a page: an index condition on (…, create_time, id). */
function bounds(table: Keyed, after: [unknown, unknown] | null, before: [unknown, unknown] | null): SQL[] {
  const conditions: SQL[] = [];
  if (after) conditions.push(sql`(${table.createTime}, ${table.id}) < (${after[0]}::timestamptz, ${after[1]}::text)`);
  if (before)
    conditions.push(sql`(${table.createTime}, ${table.id}) > (${before[0]}::timestamptz, ${before[1]}::text)`);
  return conditions;
}

/**
 * The positions of a statement of `shape`, as placeholders bound to keysetValues: the scan
 * starts at the cursor instead of filtering the account.
 */
export function keysetConditions(table: Keyed, shape: KeysetShape): SQL[] {
  return bounds(
    table,
    shape.after ? [placeholder('afterTime'), placeholder('afterId')] : null,
    shape.before ? [placeholder('beforeTime'), placeholder('beforeId')] : null,
  );
}

/** The positions of `page` as parameters, for a statement built per request (a short list). */
export function keysetBounds(table: Keyed, page: KeysetPage): SQL[] {
  const at = (position: Position | null | undefined): [unknown, unknown] | null =>
    position ? [position.createTime.toISOString(), position.id] : null;
  return bounds(table, at(page.after), at(page.before));
}

/**
 * List order: by the columns' bare names (a union's or a subquery's order by takes no table
 * name) unless `qualified`; named from the column objects, so a rename fails the type check.
 */
export function keysetOrder(table: Keyed, shape: KeysetShape, qualified = false): SQL {
  const [time, id] = qualified
    ? [sql`${table.createTime}`, sql`${table.id}`]
    : [sql.identifier(table.createTime.name), sql.identifier(table.id.name)];
  const direction = shape.inverted ? sql`asc` : sql`desc`;
  return sql`${time} ${direction}, ${id} ${direction}`;
}

/** The page's own limit, applied above a scan bounded by MAX_LIST_ROWS. */
export const pageLimit = (): SQL => sql`limit ${placeholder('limit')}`;

/** The scan's constant bound (see MAX_LIST_ROWS: it keeps a generic plan on the index). */
export const scanLimit = (): SQL => sql`limit ${sql.raw(String(MAX_LIST_ROWS))}`;

/**
 * A page of `table`'s rows meeting `conditions`: at most MAX_LIST_ROWS of them from the
 * positions on, in list order, and the page's own limit above.
 */
export function keysetPage(table: PgTable & Keyed, conditions: SQL[], shape: KeysetShape): SQL {
  const all = and(...conditions, ...keysetConditions(table, shape));
  const order = keysetOrder(table, shape);
  return sql`select * from (select * from ${table} where ${all} order by ${order} ${scanLimit()}) as ${table} order by ${order} ${pageLimit()}`;
}
