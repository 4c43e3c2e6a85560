import type { SQL } from 'drizzle-orm';
import { PreparedStatement } from './rows.js';

/**
 * Every statement a list can issue, one per shape (which filters, which cursors, which
 * direction), built up front from an enumeration of the shapes. A list runs only statements
 * from its set, so the plan test, which EXPLAINs every member, sees every statement the list
 * can send: a new filter that is not enumerated fails at once instead of escaping the test.
 */
export class StatementSet<S extends object, V extends Record<string, unknown>> {
  private readonly statements = new Map<string, { shape: S; statement: PreparedStatement<V> }>();

  constructor(
    /** A short label for errors and test names. */
    readonly name: string,
    shapes: readonly S[],
    build: (shape: S) => SQL,
  ) {
    for (const shape of shapes)
      this.statements.set(shapeKey(shape), { shape, statement: new PreparedStatement(build(shape)) });
  }

  /** The statement of `shape`. */
  get(shape: S): PreparedStatement<V> {
    const key = shapeKey(shape);
    const entry = this.statements.get(key);
    if (!entry) throw new Error(`${this.name}: no statement for the shape ${key}`);
    return entry.statement;
  }

  /** Every shape with its statement, for tests that check all of them. */
  entries(): { key: string; shape: S; statement: PreparedStatement<V> }[] {
    return [...this.statements].map(([key, { shape, statement }]) => ({ key, shape, statement }));
  }
}

/** A shape's properties, in a fixed order whatever order they were set in. */
export function shapeKey(shape: object): string {
  return JSON.stringify(Object.fromEntries(Object.entries(shape).sort(([a], [b]) => (a < b ? -1 : 1))));
}

/** Every combination of the given values of each property: the shapes of a list. */
export function everyCombination<T extends Record<string, readonly unknown[]>>(
  dimensions: T,
): { [K in keyof T]: T[K][number] }[] {
  let combinations: Record<string, unknown>[] = [{}];
  for (const [key, values] of Object.entries(dimensions)) {
    combinations = combinations.flatMap((partial) => values.map((value) => ({ ...partial, [key]: value })));
  }
  return combinations as { [K in keyof T]: T[K][number] }[];
}

/**
 * The most rows a list statement returns: a page of 100 and one more, which tells whether
 * another page follows. List statements scan with this constant limit and apply the page's
 * own limit above it: a generic plan (PostgreSQL plans a named prepared statement once for any
 * values after five runs) cannot know a `limit $1`, guesses a tenth of the account, and then
 * prefers reading the whole account and sorting it to an index scan that stops early.
 */
export const MAX_LIST_ROWS = 101;

/** The limit of a list statement, refused above its scan's limit `max` (the scan would stop short). */
export function listLimit(limit: number, max = MAX_LIST_ROWS): number {
  if (!Number.isInteger(limit) || limit < 0 || limit > max)
    throw new Error(`a list reads at most ${max} rows, not ${limit}`);
  return limit;
}
