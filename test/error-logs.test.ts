/**
 * A failed statement is logged with PostgreSQL's own error (code, constraint, message) and the
 * stack, but without the statement's parameters: they are customer data, or secrets.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { randomToken } from '../src/domain/ids.js';
import { captureLogLines } from './log-capture.js';
import { CREATE_SESSION, errorCodes, startGateway, type Gateway } from './testkit.js';

let gateway: Gateway;
let restoreStderr: (() => void) | undefined;
const lines: string[] = [];

beforeAll(async () => {
  restoreStderr = captureLogLines(lines);
  gateway = await startGateway({ logLevel: 'error' });
});
afterAll(async () => {
  await gateway?.stop();
  restoreStderr?.();
});

it('logs the database error and its stack, not the bound values', async () => {
  const shop = await gateway.createAccount('Logged shop');
  const marker = `forbidden-${randomToken(12)}`;
  const constraint = `test_refuses_${marker.slice(10).toLowerCase()}`;
  const db = gateway.app.database.db;
  // Only this test's own marker is refused, so other tests on the same database are unaffected.
  await db.execute(
    sql.raw(
      `alter table checkout_session add constraint ${constraint} check (client_reference_id is distinct from '${marker}')`,
    ),
  );
  try {
    const email = `alice.${randomToken(8)}@example.com`;
    const response = await gateway.gql(
      CREATE_SESSION,
      {
        input: {
          amount: '31415926',
          currency: 'GBP',
          clientReferenceId: marker,
          metadata: { email },
          successUrl: `https://shop.example/${email}`,
        },
      },
      { key: shop.apiKey },
    );
    expect(errorCodes(response)).toEqual(['INTERNAL_SERVER_ERROR']);
    const log = lines.join('');
    const entry = lines.map((line) => JSON.parse(line)).find((line) => JSON.stringify(line).includes(constraint));
    expect(entry, log).toBeDefined();
    const text = JSON.stringify(entry);
    expect(text).toContain('"code":"23514"');
    expect(text).toContain('violates check constraint');
    expect(text).toMatch(/"stack":"\s*at /);
    for (const value of [marker, email, '31415926']) expect(log).not.toContain(value);
  } finally {
    await db.execute(sql.raw(`alter table checkout_session drop constraint if exists ${constraint}`));
  }
}, 60_000);
