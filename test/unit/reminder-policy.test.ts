/**
 * The reminder policy and typed due dates, without a database.
 */
import { describe, expect, it } from 'vitest';
import { makeCalendar } from '../../src/calendar/calendar.js';
import { parseDueInput } from '../../src/calendar/due-input.js';
import { workingTimeText } from '../../src/messages/id.js';
import { decide, reminderAt } from '../../src/schedule/policy.js';

const wib = makeCalendar({ timezone: 'Asia/Jakarta' });
const wita = makeCalendar({ timezone: 'Asia/Makassar' });
const at = (local: string, zone = '+07:00') => new Date(`${local}:00${zone}`);
const settings = { fraction: 0.25, minMinutes: 15 };

describe('when a reminder goes', () => {
  it('comes with a quarter of the working time left, counted across the night', () => {
    // Monday 09.00 to Wednesday 09.00 = 360 + 450 + 90 = 900 working minutes (breaks excluded); a
    // quarter is 225 left, so the reminder comes 675 minutes in: 360 on Monday, then 270 before
    // Tuesday's break and 45 after it → Tuesday 13.45.
    expect(reminderAt(at('2026-11-23T09:00'), at('2026-11-25T09:00'), wib, settings)).toEqual(at('2026-11-24T13:45'));
  });

  it('never with less than 15 minutes left, and not at all for a step shorter than that', () => {
    expect(reminderAt(at('2026-11-23T09:00'), at('2026-11-23T09:40'), wib, settings)).toEqual(at('2026-11-23T09:25'));
    expect(reminderAt(at('2026-11-23T09:00'), at('2026-11-23T09:10'), wib, settings)).toBeNull();
  });

  it('says nothing at night and looks again when the office opens', () => {
    const d = decide({ id: 1, openedAt: at('2026-11-23T09:00'), dueAt: at('2026-11-23T10:00') }, at('2026-11-23T20:00'), wib, settings);
    expect(d).toEqual({ notices: [], nextCheckAt: at('2026-11-24T07:30') });
  });

  it('gives one overdue key per deadline and one escalation key per working day', () => {
    const task = { id: 7, openedAt: at('2026-11-23T09:00'), dueAt: at('2026-11-23T10:00') };
    const monday = decide(task, at('2026-11-23T11:00'), wib, settings);
    const tuesday = decide(task, at('2026-11-24T08:00'), wib, settings);
    expect(monday.notices.map((n) => n.key)).toEqual(['overdue:7:2026-11-23T03:00:00.000Z', 'escalation:7:2026-11-23T03:00:00.000Z:2026-11-23']);
    expect(tuesday.notices.map((n) => n.key)).toEqual(['overdue:7:2026-11-23T03:00:00.000Z', 'escalation:7:2026-11-23T03:00:00.000Z:2026-11-24']);
    // Monday 10.00–12.00 and 13.00–16.00, Tuesday 07.30–08.00.
    expect(tuesday.notices[0]!.workingMinutes).toBe(330);
    expect(monday.nextCheckAt).toEqual(at('2026-11-24T07:30'));
  });

  it('writes lateness in working days, hours and minutes', () => {
    expect(workingTimeText(390, 450)).toBe('6 jam 30 menit kerja');
    expect(workingTimeText(450 + 65, 450)).toBe('1 hari 1 jam 5 menit kerja');
    expect(workingTimeText(0, 450)).toBe('0 menit kerja');
  });
});

describe('a due date typed in a chat', () => {
  const now = at('2026-11-23T10:00');
  it('reads day/month with or without a time, in the unit\'s zone', () => {
    expect(parseDueInput('30/11', now, wib)).toEqual(at('2026-11-30T16:00'));
    expect(parseDueInput('30/11 14:00', now, wib)).toEqual(at('2026-11-30T14:00'));
    expect(parseDueInput('30/11 14.00', now, wita)).toEqual(at('2026-11-30T14:00', '+08:00'));
    expect(parseDueInput('2026-12-01 09:15', now, wib)).toEqual(at('2026-12-01T09:15'));
    expect(parseDueInput('5/1', now, wib)).toEqual(at('2027-01-05T16:00')); // next occurrence
  });
  it('refuses what is not a date', () => {
    for (const bad of ['besok', '31/02', '2026-13-01', '30/11 25:00', '']) expect(parseDueInput(bad, now, wib)).toBeNull();
  });
});
