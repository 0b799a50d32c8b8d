/**
 * What an admin sets at run time that every calendar must know: holidays added on top of the
 * shipped SKB dates, and office hours for spans of dates (Ramadan). Read with every action.
 */
import { eq } from 'drizzle-orm';
import type { Queryable } from '../database.js';
import { rawQuery, RawTable } from '../raw.js';
import { extraHolidays, officeHours } from '../schema.js';

/** What an admin set at run time that a calendar must know: added holidays and office hours for spans of dates. */
export interface CalendarSettings {
  extraHolidays: { date: string; name: string }[];
  officeHours: StoredOfficeHours[];
}

const rawHolidays = new RawTable(extraHolidays);
const HOLIDAYS_SQL = `select ${rawHolidays.selectList} from extra_holidays order by "date"`;

export function toHoliday(row: Record<string, unknown>): { date: string; name: string } {
  const { date, name } = rawHolidays.read(row);
  return { date, name };
}

export async function listExtraHolidays(q: Queryable): Promise<{ date: string; name: string }[]> {
  return (await rawQuery(q)(HOLIDAYS_SQL, [])).map(toHoliday);
}

/** Adds or renames the holiday of `date`; returns the name it had before, if it was there. */
export async function addExtraHoliday(q: Queryable, date: string, name: string): Promise<string | undefined> {
  const [before] = await q.select({ name: extraHolidays.name }).from(extraHolidays).where(eq(extraHolidays.date, date));
  await q.insert(extraHolidays).values({ date, name }).onConflictDoUpdate({ target: extraHolidays.date, set: { name } });
  return before?.name;
}

export async function removeExtraHoliday(q: Queryable, date: string): Promise<boolean> {
  const rows = await q.delete(extraHolidays).where(eq(extraHolidays.date, date)).returning();
  return rows.length > 0;
}

export interface StoredOfficeHours {
  id: number;
  fromDate: string;
  toDate: string;
  hours: string;
  fridayHours: string | null;
  name: string;
}

const rawOfficeHours = new RawTable(officeHours);

export function toOfficeHours(row: Record<string, unknown>): StoredOfficeHours {
  const { id, fromDate, toDate, hours, fridayHours, name } = rawOfficeHours.read(row);
  return { id, fromDate, toDate, hours, fridayHours, name };
}

export async function listOfficeHours(q: Queryable): Promise<StoredOfficeHours[]> {
  const rows = await rawQuery(q)(`select ${rawOfficeHours.selectList} from office_hours order by "id"`, []);
  return rows.map(toOfficeHours);
}

/** Holidays and office-hour spans in one round trip, for a calendar outside an action. */
export async function loadCalendarSettings(q: Queryable): Promise<CalendarSettings> {
  const [row] = await rawQuery(q)(
    `select (select coalesce(json_agg(h order by h."date"), '[]') from extra_holidays h) as holidays,
            (select coalesce(json_agg(o order by o."id"), '[]') from office_hours o) as office_hours`,
    [],
  );
  return {
    extraHolidays: (row!.holidays as Record<string, unknown>[]).map(toHoliday),
    officeHours: (row!.office_hours as Record<string, unknown>[]).map(toOfficeHours),
  };
}

export async function addOfficeHours(q: Queryable, values: Omit<StoredOfficeHours, 'id'>): Promise<number> {
  const [row] = await q.insert(officeHours).values(values).returning({ id: officeHours.id });
  return row!.id;
}

export async function removeOfficeHours(q: Queryable, id: number): Promise<boolean> {
  const rows = await q.delete(officeHours).where(eq(officeHours.id, id)).returning();
  return rows.length > 0;
}

