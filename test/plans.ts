/**
 * EXPLAIN ANALYZE of a statement as the gateway sends it (its text and bound parameters), under
 * a custom plan (planned for these values) or a generic one (planned once for any values, as
 * PostgreSQL may do for a named prepared statement after five runs), and what makes a plan cost
 * more than a page.
 */
import { sql } from 'drizzle-orm';
import type { Db } from '../src/db/client.js';

export interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Scan Direction'?: string;
  'Actual Rows': number;
  'Actual Loops': number;
  'Rows Removed by Filter'?: number;
  'Rows Removed by Index Recheck'?: number;
  'Sort Key'?: string[];
  'Index Cond'?: string;
  Filter?: string;
  Plans?: PlanNode[];
}

/** A literal for EXECUTE's argument list; the prepared statement gives it its type. */
function literal(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  if (Array.isArray(value))
    return literal(`{${value.map((item) => `"${String(item).replace(/["\\]/g, '\\$&')}"`).join(',')}}`);
  return `'${String(value).replace(/'/g, "''")}'`;
}

function rowsOf(result: unknown): Record<string, unknown>[] {
  return (Array.isArray(result) ? result : (result as { rows: Record<string, unknown>[] }).rows) as Record<
    string,
    unknown
  >[];
}

/**
 * Runs the statement under EXPLAIN ANALYZE through SQL PREPARE/EXECUTE, in a transaction of its
 * own (one connection, and the plan cache mode reset at its end).
 */
export async function explain(
  db: Db,
  query: { sql: string; params: unknown[] },
  plan: 'custom' | 'generic',
): Promise<PlanNode> {
  return db.transaction(async (tx) => {
    await tx.execute(
      sql.raw(`set local plan_cache_mode = ${plan === 'generic' ? 'force_generic_plan' : 'force_custom_plan'}`),
    );
    await tx.execute(sql.raw(`prepare plan_probe as ${query.sql}`));
    try {
      const arguments_ = query.params.length > 0 ? `(${query.params.map(literal).join(', ')})` : '';
      const [row] = rowsOf(
        await tx.execute(
          sql.raw(`explain (analyze, timing off, summary off, format json) execute plan_probe${arguments_}`),
        ),
      );
      const value = Object.values(row!)[0];
      const parsed = (typeof value === 'string' ? JSON.parse(value) : value) as { Plan: PlanNode }[];
      return parsed[0]!.Plan;
    } finally {
      await tx.execute(sql.raw('deallocate plan_probe'));
    }
  });
}

function* nodes(node: PlanNode): Generator<PlanNode> {
  yield node;
  for (const child of node.Plans ?? []) yield* nodes(child);
}

/** Scans that read a whole table, or a set of rows in no order (which then must be sorted). */
const TABLE_SCANS = ['Seq Scan'];
const UNORDERED_SCANS = ['Bitmap Heap Scan', 'Bitmap Index Scan', 'Tid Scan', 'Tid Range Scan'];

/** Rows a scan looked at: those it returned and those its filter threw away, over all its loops. */
function rowsRead(node: PlanNode): number {
  return (
    (node['Actual Rows'] + (node['Rows Removed by Filter'] ?? 0) + (node['Rows Removed by Index Recheck'] ?? 0)) *
    node['Actual Loops']
  );
}

/**
 * Why the plan costs more than about a page, or nothing: a sequential scan, a scan that reads
 * more than `maxRows` rows (an unordered one more than that, to be sorted), a sort of more than
 * `maxRows` rows, or (when `limited`) no Limit at all.
 */
export function planProblems(plan: PlanNode, maxRows: number, limited = true): string[] {
  const problems: string[] = [];
  let hasLimit = false;
  for (const node of nodes(plan)) {
    const type = node['Node Type'];
    if (type === 'Limit') hasLimit = true;
    if (TABLE_SCANS.includes(type))
      problems.push(`${type} on ${node['Relation Name']} (reads the table, not an index in list order)`);
    // Only where there are few rows to find (an account's 16 endpoints) may the planner
    // rightly prefer them unordered and sorted: the sort is of fewer than `maxRows`.
    if (UNORDERED_SCANS.includes(type) && rowsRead(node) > maxRows)
      problems.push(`${type} on ${node['Relation Name'] ?? node['Index Name']} (not in list order)`);
    if (/Scan/.test(type) && rowsRead(node) > maxRows)
      problems.push(`${type} on ${node['Relation Name'] ?? node['Index Name']} reads ${rowsRead(node)} rows`);
    if (/Sort/.test(type)) {
      const input = (node.Plans ?? []).reduce((sum, child) => sum + child['Actual Rows'] * child['Actual Loops'], 0);
      if (input > maxRows) problems.push(`${type} of ${input} rows`);
    }
  }
  if (limited && !hasLimit) problems.push('no Limit');
  return problems;
}

/** A compact text form of the plan for failure messages and reports. */
export function formatPlan(node: PlanNode, depth = 0): string {
  const details = [
    node['Index Name'] ? `using ${node['Index Name']}` : node['Relation Name'] ? `on ${node['Relation Name']}` : '',
    node['Scan Direction'] && node['Scan Direction'] !== 'Forward' ? node['Scan Direction'].toLowerCase() : '',
    node['Index Cond'] ? `cond ${node['Index Cond']}` : '',
    node.Filter ? `filter ${node.Filter}` : '',
    node['Sort Key'] ? `key ${node['Sort Key'].join(', ')}` : '',
    `rows=${node['Actual Rows']}${node['Actual Loops'] > 1 ? `×${node['Actual Loops']}` : ''}`,
    node['Rows Removed by Filter'] ? `removed=${node['Rows Removed by Filter']}` : '',
  ].filter(Boolean);
  const line = `${'  '.repeat(depth)}${node['Node Type']} ${details.join(' ')}`;
  return [line, ...(node.Plans ?? []).map((child) => formatPlan(child, depth + 1))].join('\n');
}
