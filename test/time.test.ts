import { describe, expect, it } from 'vitest';
import { parsePostgresTimestamptz } from '../src/db/timestamps.js';
import { formatInstant } from '../src/domain/time.js';

describe('instants as text', () => {
  it('formats every instant exactly as toISOString does', () => {
    const edges = [0, -1, 1, -62_167_219_200_000, 253_402_300_799_999, -62_167_219_200_001, 253_402_300_800_000, 951_782_400_000, 4_107_542_399_999];
    const random = Array.from({ length: 20_000 }, () => Math.floor((Math.random() - 0.1) * 300_000_000_000_000));
    for (const time of [...edges, ...random]) expect(formatInstant(new Date(time)), String(time)).toBe(new Date(time).toISOString());
    expect(() => formatInstant(new Date(Number.NaN))).toThrow(RangeError);
  });

  it('reads PostgreSQL timestamptz text as the same instant as JavaScript does, and leaves other forms to it', () => {
    const read = [
      '2026-11-25 19:13:18.123+00',
      '2026-11-25 19:13:18+00',
      '2026-11-25 19:13:18.1+01',
      '2026-11-25 19:13:18.123456-05:30',
      '1999-12-31 23:59:59.999+14',
      '2000-02-29 00:00:00-12',
      '1970-01-01 00:00:00+00',
    ];
    for (const text of read) expect(parsePostgresTimestamptz(text)?.toISOString(), text).toBe(new Date(text).toISOString());
    for (const text of ['2026-11-25 19:13:18.123+00 BC', 'infinity', '-infinity', '12026-11-25 19:13:18+00', '0099-01-01 00:00:00+00', '2026-11-25T19:13:18Z', '2026-11-25 19:13:18+00:00:30', '']) {
      expect(parsePostgresTimestamptz(text), text).toBeUndefined();
    }
  });
});
