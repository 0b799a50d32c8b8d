/**
 * A due date as people type it in a chat: "30/11", "30/11 14:00", "30/11/2026", "2026-11-30",
 * "2026-11-30 14:00". A day without a time means the end of that day's office hours; a day
 * without a year means its next occurrence.
 */
import { DateTime } from 'luxon';
import type { WorkCalendar } from './calendar.js';

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
    const [endH, endM] = cal.officeHours.end.split(':').map(Number);
    const local = DateTime.fromJSDate(now, { zone: cal.timezone });
    const build = (year: number) =>
      DateTime.fromObject({ year, month: p.mo, day: p.d, hour: p.h ?? endH!, minute: p.mi ?? endM! }, { zone: cal.timezone });
    let at = build(p.y ?? local.year);
    if (!at.isValid) return null;
    if (p.y === undefined && at < local) at = build(local.year + 1);
    return at.isValid ? at.toJSDate() : null;
  }
  return null;
}
