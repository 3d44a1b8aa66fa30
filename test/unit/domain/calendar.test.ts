import { dayKey, endOf, monthKey, startOf, yearOf, zonedMidnight } from '../../../src/domain/calendar';

/** Day, week, month and year boundaries in TZ_REVIEW (Beijing time, UTC+8, no DST) and in a DST zone. */
const SH = 'Asia/Shanghai';
const at = (iso: string) => new Date(iso);

describe('calendar boundaries in TZ_REVIEW', () => {
  it.each([
    // Beijing 12-03 23:59 is 15:59 UTC; 12-04 00:01 is 16:01 UTC on 12-03 (a UTC day would put both on 12-03).
    ['2026-12-03T15:59:00Z', '2026-12-03'],
    ['2026-12-03T16:01:00Z', '2026-12-04'],
    ['2026-12-03T16:24:00Z', '2026-12-04'],
  ])('%s is on Beijing day %s', (iso, day) => {
    expect(dayKey(at(iso), SH)).toBe(day);
  });

  it('今日 starts at 00:00 Beijing time, not 08:00', () => {
    expect(startOf('day', at('2026-12-04T01:00:00Z'), SH).toISOString()).toBe('2026-12-03T16:00:00.000Z');
    expect(startOf('day', at('2026-12-03T16:01:00Z'), SH).toISOString()).toBe('2026-12-03T16:00:00.000Z');
    expect(startOf('day', at('2026-12-03T15:59:00Z'), SH).toISOString()).toBe('2026-12-02T16:00:00.000Z');
    expect(endOf('day', at('2026-12-03T15:59:00Z'), SH).toISOString()).toBe('2026-12-03T16:00:00.000Z');
  });

  it('a week starts on Monday 00:00, a month on the 1st, a year on 1 January, all in Beijing time', () => {
    // 2026-12-07 is a Monday; 00:01 Beijing on it is 2026-12-06T16:01Z (a Sunday in UTC).
    expect(startOf('week', at('2026-12-06T16:01:00Z'), SH).toISOString()).toBe('2026-12-06T16:00:00.000Z');
    expect(startOf('week', at('2026-12-06T15:59:00Z'), SH).toISOString()).toBe('2026-11-29T16:00:00.000Z');
    expect(startOf('month', at('2026-11-30T16:30:00Z'), SH).toISOString()).toBe('2026-11-30T16:00:00.000Z');
    expect(monthKey(at('2026-11-30T16:30:00Z'), SH)).toBe('2026-12');
    expect(endOf('month', at('2026-12-15T00:00:00Z'), SH).toISOString()).toBe('2026-12-31T16:00:00.000Z');
  });

  it('running numbers: 00:30 Beijing on 1 January belongs to the new year; 23:59 on 31 December to the old one', () => {
    expect(yearOf(at('2026-12-31T16:30:00Z'), SH)).toBe(2027);
    expect(yearOf(at('2026-12-31T15:59:00Z'), SH)).toBe(2026);
    expect(startOf('year', at('2026-12-31T16:30:00Z'), SH).toISOString()).toBe('2026-12-31T16:00:00.000Z');
    expect(endOf('year', at('2026-06-01T00:00:00Z'), SH).toISOString()).toBe('2026-12-31T16:00:00.000Z');
  });

  it('works in a zone with daylight saving time too', () => {
    // Europe/Berlin: 2026-03-29 the clock jumps 02:00 → 03:00; midnight that day is 23:00 UTC the day before.
    expect(zonedMidnight(2026, 3, 29, 'Europe/Berlin').toISOString()).toBe('2026-03-28T23:00:00.000Z');
    expect(zonedMidnight(2026, 3, 30, 'Europe/Berlin').toISOString()).toBe('2026-03-29T22:00:00.000Z');
    expect(dayKey(at('2026-03-29T22:30:00Z'), 'Europe/Berlin')).toBe('2026-03-30');
  });

  it('refuses an unknown zone name loudly', () => {
    expect(() => dayKey(new Date(), 'Mars/Olympus')).toThrow(RangeError);
  });
});
