/**
 * Reading the committed event log: one event, a batch for DataLoader, and pages in the
 * account's sequence order (newest first, or oldest first for replays and backward paging).
 */
import { and, eq, inArray, sql, type SQL, type SQLWrapper } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { RowReader } from '../../db/rows.js';
import { eventTable } from '../../db/schema.js';
import { everyCombination, listLimit, StatementSet } from '../../db/statement-set.js';
import type { EventRecord } from './event.js';

export interface EventFilter {
  accountId: string;
  /** Only these types; null or empty: every type. */
  types?: readonly string[] | null;
  checkoutSessionId?: string | null;
}

/** Whether `event` is one `filter` selects: the filter as the live feed applies it in memory. */
export function eventMatches(filter: EventFilter, event: EventRecord): boolean {
  return (
    event.accountId === filter.accountId &&
    (!filter.types || filter.types.length === 0 || filter.types.includes(event.type)) &&
    (!filter.checkoutSessionId || event.checkoutSessionId === filter.checkoutSessionId)
  );
}

export async function getEvent(db: Executor, accountId: string, eventId: string): Promise<EventRecord | undefined> {
  const [row] = await db
    .select()
    .from(eventTable)
    .where(and(eq(eventTable.id, eventId), eq(eventTable.accountId, accountId)));
  return row;
}

/** Batch read for DataLoader: the account's events among `ids`, in no particular order. */
export async function getEvents(db: Executor, accountId: string, ids: readonly string[]): Promise<EventRecord[]> {
  if (ids.length === 0) return [];
  return db
    .select()
    .from(eventTable)
    .where(and(eq(eventTable.accountId, accountId), inArray(eventTable.id, [...ids])));
}

export interface ListEventsOptions {
  limit: number;
  /** Keyset bounds on `sequence`: rows strictly below `after`, strictly above `before`. */
  after?: bigint | null;
  before?: bigint | null;
  /** Oldest first instead of newest first (for backward pagination). */
  inverted?: boolean;
}

/** The most events one read returns: a live feed catches up 500 at a time. */
const MAX_EVENT_ROWS = 500;

/** What decides an events statement's text. */
export interface EventListShape {
  /** How many event types the filter names (0: every type); each is read from its own range. */
  types: 0 | 1 | 2 | 3;
  checkoutSession: boolean;
  after: boolean;
  before: boolean;
  inverted: boolean;
}

interface EventListValues extends Record<string, unknown> {
  accountId: string;
  type1: string | null;
  type2: string | null;
  type3: string | null;
  checkoutSessionId: string | null;
  after: string | null;
  before: string | null;
  limit: number;
}

const eventPlaceholder = (name: Exclude<keyof EventListValues, number>) => sql.placeholder(name);
const TYPE_PLACEHOLDERS = ['type1', 'type2', 'type3'] as const;

/**
 * At most MAX_EVENT_ROWS of the account's events (of one type, when `type` is given) from the
 * cursor on, in list order: a range of (account_id[, type | checkout_session_id], sequence).
 */
function eventRange(shape: EventListShape, type: SQLWrapper | null): SQL {
  const t = eventTable;
  const conditions: SQL[] = [eq(t.accountId, eventPlaceholder('accountId'))];
  if (type) conditions.push(sql`${t.type} = ${type}`);
  if (shape.checkoutSession) conditions.push(eq(t.checkoutSessionId, eventPlaceholder('checkoutSessionId')));
  if (shape.after) conditions.push(sql`${t.sequence} < ${eventPlaceholder('after')}::bigint`);
  if (shape.before) conditions.push(sql`${t.sequence} > ${eventPlaceholder('before')}::bigint`);
  return sql`select * from ${t} where ${and(...conditions)} order by sequence ${sql.raw(shape.inverted ? 'asc' : 'desc')} limit ${sql.raw(String(MAX_EVENT_ROWS))}`;
}

/**
 * Newest first (oldest first when inverted), keyset-paginated on the account's sequence. Several
 * types are read as one range per type, merged: `type in (…)` would be a filter on the
 * account's whole log, read until a page of the rarest type turned up.
 */
function eventListTemplate(shape: EventListShape): SQL {
  const ranges =
    shape.types === 0
      ? [eventRange(shape, null)]
      : TYPE_PLACEHOLDERS.slice(0, shape.types).map((name) => eventRange(shape, eventPlaceholder(name)));
  const union = sql.join(
    ranges.map((range) => sql`(${range})`),
    sql` union all `,
  );
  return sql`select ${eventReader.columns} from (${union}) as ${eventTable} order by sequence ${sql.raw(shape.inverted ? 'asc' : 'desc')} limit ${eventPlaceholder('limit')}`;
}

const eventReader = new RowReader(eventTable);

/** Every statement that reads a page of events (exported for the plan test). */
export const eventListStatements = new StatementSet<EventListShape, EventListValues>(
  'event list',
  everyCombination({
    types: [0, 1, 2, 3] as const,
    checkoutSession: [false, true],
    after: [false, true],
    before: [false, true],
    inverted: [false, true],
  }),
  eventListTemplate,
);

function distinctTypes(filter: EventFilter): string[] {
  return [...new Set(filter.types ?? [])];
}

/** The shape and values of the statement that reads `options` of `filter`. */
export function eventListQuery(
  filter: EventFilter,
  options: ListEventsOptions,
): { shape: EventListShape; values: EventListValues } {
  const types = distinctTypes(filter);
  if (types.length > TYPE_PLACEHOLDERS.length)
    throw new Error(`an events filter names at most ${TYPE_PLACEHOLDERS.length} types`);
  return {
    shape: {
      types: types.length as EventListShape['types'],
      checkoutSession: !!filter.checkoutSessionId,
      after: options.after != null,
      before: options.before != null,
      inverted: !!options.inverted,
    },
    values: {
      accountId: filter.accountId,
      type1: types[0] ?? null,
      type2: types[1] ?? null,
      type3: types[2] ?? null,
      checkoutSessionId: filter.checkoutSessionId ?? null,
      after: options.after?.toString() ?? null,
      before: options.before?.toString() ?? null,
      limit: listLimit(options.limit, MAX_EVENT_ROWS),
    },
  };
}

/** Newest first, keyset-paginated on the account's sequence. */
export async function listEvents(
  db: Executor,
  filter: EventFilter,
  options: ListEventsOptions,
): Promise<EventRecord[]> {
  const { shape, values } = eventListQuery(filter, options);
  return eventListStatements.get(shape).rows(db, values, (row) => eventReader.read(row));
}

/** Committed events after `afterSequence`, up to `upTo` inclusive, oldest first. */
export async function readEventsAfter(
  db: Executor,
  filter: EventFilter,
  afterSequence: bigint,
  upTo: bigint | null,
  limit: number,
) {
  return listEvents(db, filter, {
    limit,
    inverted: true,
    before: afterSequence,
    after: upTo === null ? null : upTo + 1n,
  });
}
