/**
 * Calendar periods for quotas, in UTC: a quota of 1000 per day resets at 00:00 UTC for everyone, and
 * every gateway instance agrees on which period a request falls in.
 */

/** The `period` option. */
export type QuotaPeriod = "minute" | "hour" | "day" | "week" | "month";

/** One period: [start, end) in epoch ms, and a label naming it in store keys. */
export interface PeriodBounds {
  readonly start: number;
  readonly end: number;
  /** e.g. `2030-01-15` for a day, `2030-01` for a month, `2030-W03` for a week. */
  readonly label: string;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** The longest a period can last (a 31-day month), for clean-up timers. */
export const LONGEST_PERIOD_MS = 31 * DAY;

const pad = (n: number): string => String(n).padStart(2, "0");

/** The period of kind `period` containing `now`. */
export function periodAt(period: QuotaPeriod, now: number): PeriodBounds {
  const d = new Date(now);
  const date = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
  switch (period) {
    case "minute": {
      const start = now - (now % MINUTE);
      return { start, end: start + MINUTE, label: `${date}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}` };
    }
    case "hour": {
      const start = now - (now % HOUR);
      return { start, end: start + HOUR, label: `${date}T${pad(d.getUTCHours())}` };
    }
    case "day": {
      const start = now - (now % DAY);
      return { start, end: start + DAY, label: date };
    }
    case "week": {
      // ISO weeks start on Monday; 1970-01-01 was a Thursday, three days after a Monday.
      const days = Math.floor(now / DAY);
      const start = (days - ((days + 3) % 7)) * DAY;
      return { start, end: start + 7 * DAY, label: isoWeekLabel(start) };
    }
    case "month": {
      const start = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
      return { start, end: Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1), label: date.slice(0, 7) };
    }
  }
}

function isoWeekLabel(monday: number): string {
  // The ISO year of a week is the year of its Thursday.
  const thursday = new Date(monday + 3 * DAY);
  const year = thursday.getUTCFullYear();
  const week = Math.floor((thursday.getTime() - Date.UTC(year, 0, 1)) / (7 * DAY)) + 1;
  return `${year}-W${pad(week)}`;
}

/** Returns `periodAt(period, now)`, computed once per period rather than per request. */
export function createPeriodClock(period: QuotaPeriod): (now: number) => PeriodBounds {
  let current = periodAt(period, 0);
  return (now) => {
    if (now < current.start || now >= current.end) current = periodAt(period, now);
    return current;
  };
}
