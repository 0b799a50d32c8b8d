/**
 * The reminder policy, pure: given an open task's deadline and the time now, which notices are
 * due, and when to look again. Every rule about reminding, overdue notices and escalation is
 * here; the scheduler only runs it and writes what it says.
 */
import { DateTime } from 'luxon';
import { dueAt as addWorkingTime, isWorkingTime, nextWorkingStart, workingMinutesBetween, type WorkCalendar } from '../calendar/calendar.js';
import { escalationKey, overdueKey, reminderKey } from '../delivery/outbox-keys.js';

export interface ReminderSettings {
  /** Remind when this share of the step's time is left (default a quarter). */
  fraction: number;
  /** ...but never with less than this many working minutes left (default 15). */
  minMinutes: number;
}

export const DEFAULT_REMINDER_SETTINGS: ReminderSettings = { fraction: 0.25, minMinutes: 15 };

export type NoticeKind = 'reminder' | 'overdue' | 'escalation';

export interface Notice {
  kind: NoticeKind;
  /** Same key for the same notice, whoever computes it and however often: the outbox dedupe key. */
  key: string;
  /** Working minutes left (reminder) or late (overdue, escalation). */
  workingMinutes: number;
}

export interface Decision {
  notices: Notice[];
  /** When the sweep should look at the task again; null when nothing can ever be due. */
  nextCheckAt: Date | null;
}

/** When a task whose time runs from `openedAt` to `due` gets its reminder; null when its whole time is shorter than the threshold. */
export function reminderAt(openedAt: Date, due: Date, cal: WorkCalendar, settings: ReminderSettings): Date | null {
  const total = workingMinutesBetween(openedAt, due, cal);
  const threshold = Math.max(settings.minMinutes, total * settings.fraction);
  // A step shorter than the threshold would be reminded as it opens; its card is reminder enough.
  if (total <= threshold) return null;
  return addWorkingTime(openedAt, { days: 0, minutes: Math.round(total - threshold) }, cal);
}

/**
 * What a decision needs of the moment alone: the local day (for "once per working day" keys)
 * and the next working start from tomorrow. A sweep decides for a thousand tasks at one moment,
 * and this zone arithmetic (luxon) was three quarters of each decision's time; so it is kept for
 * the last moment asked, per calendar.
 */
const moments = new WeakMap<WorkCalendar, { at: number; day: string; nextCheckAfterToday: Date }>();

function momentOf(now: Date, cal: WorkCalendar): { day: string; nextCheckAfterToday: Date } {
  const cached = moments.get(cal);
  if (cached?.at === now.getTime()) return cached;
  const local = DateTime.fromJSDate(now, { zone: cal.timezone });
  const tomorrow = local.plus({ days: 1 }).startOf('day').toJSDate();
  const moment = { at: now.getTime(), day: local.toISODate()!, nextCheckAfterToday: nextWorkingStart(tomorrow, cal) };
  moments.set(cal, moment);
  return moment;
}

export function decide(
  task: { id: number; openedAt: Date; dueAt: Date | null },
  now: Date,
  cal: WorkCalendar,
  settings: ReminderSettings = DEFAULT_REMINDER_SETTINGS,
): Decision {
  if (!task.dueAt) return { notices: [], nextCheckAt: null };
  // Nothing goes out at night, at weekends or on holidays: look again when the office opens.
  if (!isWorkingTime(now, cal)) return { notices: [], nextCheckAt: nextWorkingStart(now, cal) };

  const due = task.dueAt;
  if (now < due) {
    const remindAt = reminderAt(task.openedAt, due, cal, settings);
    if (!remindAt || now < remindAt) return { notices: [], nextCheckAt: remindAt && remindAt < due ? remindAt : due };
    return {
      notices: [{ kind: 'reminder', key: reminderKey(task.id, due), workingMinutes: Math.round(workingMinutesBetween(now, due, cal)) }],
      nextCheckAt: due,
    };
  }

  const late = Math.round(workingMinutesBetween(due, now, cal));
  const moment = momentOf(now, cal);
  return {
    notices: [
      { kind: 'overdue', key: overdueKey(task.id, due), workingMinutes: late },
      { kind: 'escalation', key: escalationKey(task.id, due, moment.day), workingMinutes: late },
    ],
    nextCheckAt: moment.nextCheckAfterToday,
  };
}
