/**
 * Calendar boundaries in one configured time zone (TZ_REVIEW, default Asia/Shanghai): which day, week, month and
 * year an instant belongs to, and where that period starts. Pure (Intl only); the database uses the same zone name
 * (`AT TIME ZONE`, three-argument `date_trunc`), so a query and this module agree on every boundary.
 */

export const DEFAULT_REVIEW_TIME_ZONE = 'Asia/Shanghai';

export type Period = 'day' | 'week' | 'month' | 'year';

export interface ZonedParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  /** 1 = Monday … 7 = Sunday (ISO). */
  weekday: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    // Throws RangeError for an unknown zone name: a misconfigured TZ_REVIEW fails at the first use, loudly.
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      weekday: 'short',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

const WEEKDAYS: Record<string, number> = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 };

/** True when `timeZone` is an IANA zone name this runtime knows. */
export function isTimeZone(timeZone: string): boolean {
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** The wall-clock reading of `instant` in `timeZone`. */
export function zonedParts(instant: Date, timeZone: string): ZonedParts {
  const out: Record<string, string> = {};
  for (const p of formatter(timeZone).formatToParts(instant)) out[p.type] = p.value;
  return {
    year: Number(out.year),
    month: Number(out.month),
    day: Number(out.day),
    hour: Number(out.hour),
    minute: Number(out.minute),
    second: Number(out.second),
    weekday: WEEKDAYS[out.weekday ?? ''] ?? 1,
  };
}

/** Offset of `timeZone` from UTC at `instant`, in milliseconds (Shanghai: +8 h). */
function offsetAt(instant: Date, timeZone: string): number {
  const p = zonedParts(instant, timeZone);
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return asUtc - (instant.getTime() - instant.getUTCMilliseconds());
}

/** The instant at which the wall clock in `timeZone` reads this local date at 00:00:00. */
export function zonedMidnight(year: number, month: number, day: number, timeZone: string): Date {
  const guess = Date.UTC(year, month - 1, day);
  // Two rounds settle a DST change between the guess and the answer.
  let t = guess - offsetAt(new Date(guess), timeZone);
  t = guess - offsetAt(new Date(t), timeZone);
  return new Date(t);
}

/** Start of the day / ISO week (Monday) / month / year containing `instant`, in `timeZone`. */
export function startOf(period: Period, instant: Date, timeZone: string): Date {
  const p = zonedParts(instant, timeZone);
  switch (period) {
    case 'day':
      return zonedMidnight(p.year, p.month, p.day, timeZone);
    case 'week': {
      const monday = new Date(Date.UTC(p.year, p.month - 1, p.day - (p.weekday - 1)));
      return zonedMidnight(monday.getUTCFullYear(), monday.getUTCMonth() + 1, monday.getUTCDate(), timeZone);
    }
    case 'month':
      return zonedMidnight(p.year, p.month, 1, timeZone);
    case 'year':
      return zonedMidnight(p.year, 1, 1, timeZone);
  }
}

/** Start of the period after the one containing `instant` (the exclusive end of `startOf`). */
export function endOf(period: Period, instant: Date, timeZone: string): Date {
  const start = startOf(period, instant, timeZone);
  const p = zonedParts(start, timeZone);
  switch (period) {
    case 'day':
      return zonedMidnight(p.year, p.month, p.day + 1, timeZone);
    case 'week':
      return zonedMidnight(p.year, p.month, p.day + 7, timeZone);
    case 'month':
      return zonedMidnight(p.year, p.month + 1, 1, timeZone);
    case 'year':
      return zonedMidnight(p.year + 1, 1, 1, timeZone);
  }
}

const pad = (n: number) => String(n).padStart(2, '0');

/** 'YYYY-MM-DD' of `instant` in `timeZone` (the dashboards' day key). */
export function dayKey(instant: Date, timeZone: string): string {
  const p = zonedParts(instant, timeZone);
  return `${p.year}-${pad(p.month)}-${pad(p.day)}`;
}

/** 'YYYY-MM' of `instant` in `timeZone`. */
export function monthKey(instant: Date, timeZone: string): string {
  const p = zonedParts(instant, timeZone);
  return `${p.year}-${pad(p.month)}`;
}

/** The calendar year of `instant` in `timeZone` (running numbers: 2026-000001). */
export function yearOf(instant: Date, timeZone: string): number {
  return zonedParts(instant, timeZone).year;
}
