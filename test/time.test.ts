import { describe, expect, it } from 'vitest';
import { parsePostgresTimestamptz } from '../src/db/timestamps.js';
import { formatInstant } from '../src/domain/time.js';
import { parseRfc3339 } from '../src/domain/validation.js';

describe('instants as text', () => {
  it('formats every instant exactly as toISOString does', () => {
    const edges = [
      0, -1, 1, -62_167_219_200_000, 253_402_300_799_999, -62_167_219_200_001, 253_402_300_800_000, 951_782_400_000,
      4_107_542_399_999,
    ];
    const random = Array.from({ length: 20_000 }, () => Math.floor((Math.random() - 0.1) * 300_000_000_000_000));
    for (const time of [...edges, ...random])
      expect(formatInstant(new Date(time)), String(time)).toBe(new Date(time).toISOString());
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
    for (const text of read)
      expect(parsePostgresTimestamptz(text)?.toISOString(), text).toBe(new Date(text).toISOString());
    for (const text of [
      '2026-11-25 19:13:18.123+00 BC',
      'infinity',
      '-infinity',
      '12026-11-25 19:13:18+00',
      '0099-01-01 00:00:00+00',
      '2026-11-25T19:13:18Z',
      '2026-11-25 19:13:18+00:00:30',
      '',
    ]) {
      expect(parsePostgresTimestamptz(text), text).toBeUndefined();
    }
  });
});

describe('RFC 3339 input', () => {
  it.each([
    '2026-11-31T12:00:00Z', // November has 30 days
    '2027-02-29T12:00:00Z', // not a leap year
    '2100-02-29T12:00:00Z', // divisible by 100, not by 400
    '2026-04-31T00:00:00Z',
    '2026-13-01T00:00:00Z',
    '2026-00-10T00:00:00Z',
    '2026-01-00T00:00:00Z',
    '2026-01-01T12:60:00Z',
    '2026-01-01T24:00:00Z',
    '2026-01-01T12:00:60Z',
    '2026-01-01T12:00:00+24:00',
    '2026-01-01T12:00:00+01:60',
  ])('refuses the impossible %s', (text) => {
    expect(parseRfc3339(text)).toBeUndefined();
  });

  it.each([
    ['2028-02-29T12:00:00Z', '2028-02-29T12:00:00.000Z'],
    ['2000-02-29T23:59:59.999+01:00', '2000-02-29T22:59:59.999Z'],
    ['2026-12-31T23:59:59-23:59', '2027-01-01T23:58:59.000Z'],
    ['2026-11-30t00:00:00z', '2026-11-30T00:00:00.000Z'],
  ])('reads %s as %s', (text, iso) => {
    expect(parseRfc3339(text)?.toISOString()).toBe(iso);
  });
});
