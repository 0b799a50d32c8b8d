/**
 * A due date as people type it in a chat: "30/11", "30/11 14:00", "30/11/2026", "2026-11-30",
 * "2026-11-30 14.00". A day without a time means the close of that day's office hours (16.30 on a
 * Friday); a day without a year means its next occurrence.
 */
import { DateTime } from 'luxon';
import { closingTime, type WorkCalendar } from './calendar.js';

const PATTERNS: { re: RegExp; parts: (m: RegExpExecArray) => { y?: number; mo: number; d: number; h?: number; mi?: number } }[] = [
  {
    re: /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2})[:.](\d{2}))?$/,
    parts: (m) => ({ y: +m[1]!, mo: +m[2]!, d: +m[3]!, ...(m[4] ? { h: +m[4], mi: +m[5]! } : {}) }),
  },
  {
    re: /^(\d{1,2})[/-](\d{1,2})(?:[/-](\d{4}))?(?:\s+(\d{1,2})[:.](\d{2}))?$/,
    parts: (m) => ({ ...(m[3] ? { y: +m[3] } : {}), mo: +m[2]!, d: +m[1]!, ...(m[4] ? { h: +m[4], mi: +m[5]! } : {}) }),
  },
];

export function parseDueInput(text: string, now: Date, cal: WorkCalendar): Date | null {
  const input = text.trim().replace(/\s+/g, ' ');
  for (const { re, parts } of PATTERNS) {
    const m = re.exec(input);
    if (!m) continue;
    const p = parts(m);
    const local = DateTime.fromJSDate(now, { zone: cal.timezone });
    const build = (year: number): DateTime | null => {
      const day = DateTime.fromObject({ year, month: p.mo, day: p.d }, { zone: cal.timezone });
      if (!day.isValid) return null;
      if (p.h === undefined) return DateTime.fromJSDate(closingTime(day.toISODate()!, cal), { zone: cal.timezone });
      const at = day.set({ hour: p.h, minute: p.mi! });
      return at.isValid && at.hour === p.h ? at : null;
    };
    let at = build(p.y ?? local.year);
    if (!at) return null;
    if (p.y === undefined && at < local) at = build(local.year + 1);
    return at ? at.toJSDate() : null;
  }
  return null;
}
