/**
 * Working-time calendar of one unit: which instants count toward an SLA.
 *
 * Pure: every function takes the calendar as data and returns new values, so the engine,
 * the scheduler and the reminder job can all compute the same deadline without sharing state.
 * All arithmetic is done on instants (ms since epoch) of the unit's local opening/closing
 * times, so a zone with DST (any IANA name is accepted) still counts real minutes.
 */
import { DateTime, IANAZone } from 'luxon';
import type { Duration } from './waktu.js';
import { listShippedHolidays } from './holidays.js';

/** One working period of a day, local wall-clock 'HH:MM' (start inclusive, end exclusive). */
export interface WorkPeriod {
  readonly start: string;
  readonly end: string;
}

/** One day's office hours: its working periods in order; the gaps between them are breaks. */
export type DayHours = readonly WorkPeriod[];

/** Different office hours for a span of dates, such as Ramadan. */
export interface SpecialHours {
  /** First day, YYYY-MM-DD, inclusive. */
  readonly from: string;
  /** Last day, YYYY-MM-DD, inclusive. */
  readonly to: string;
  /** Monday to Thursday inside the span. */
  readonly hours: DayHours;
  /** Friday inside the span; falls back to `hours`. */
  readonly fridayHours?: DayHours;
  readonly name?: string;
}

export interface WorkCalendar {
  /** IANA zone name (WIB/WITA/WIT are stored as Asia/Jakarta, Asia/Makassar, Asia/Jayapura). */
  readonly timezone: string;
  /** Monday to Thursday. */
  readonly officeHours: DayHours;
  readonly fridayHours: DayHours;
  /** Spans with other hours (Ramadan); a later entry wins where two overlap. */
  readonly specialHours: readonly SpecialHours[];
  /** Local dates (YYYY-MM-DD) that are not working days even though they are Mon–Fri. */
  readonly holidays: ReadonlySet<string>;
}

/**
 * Perpres 21/2023 (37,5 jam kerja seminggu): Monday to Thursday 07.30–16.00 with a break
 * 12.00–13.00, Friday 07.30–16.30 with a break 11.30–13.00; 7,5 working hours every day.
 */
export const DEFAULT_OFFICE_HOURS: DayHours = [
  { start: '07:30', end: '12:00' },
  { start: '13:00', end: '16:00' },
];
export const DEFAULT_FRIDAY_HOURS: DayHours = [
  { start: '07:30', end: '11:30' },
  { start: '13:00', end: '16:30' },
];

/** Indonesian zone abbreviations people type in config, mapped to their IANA zones. */
export const INDONESIAN_ZONES = {
  WIB: 'Asia/Jakarta',
  WITA: 'Asia/Makassar',
  WIT: 'Asia/Jayapura',
} as const;

export type CalendarErrorCode = 'zona' | 'jam' | 'tanggal' | 'periode' | 'durasi';

export class CalendarConfigError extends Error {
  constructor(
    readonly code: CalendarErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'CalendarConfigError';
  }
}

export interface MakeCalendarOptions {
  /** IANA name, or WIB / WITA / WIT. Default WIB. */
  timezone?: string;
  /** Monday to Thursday; default DEFAULT_OFFICE_HOURS. */
  officeHours?: DayHours;
  /** Default: DEFAULT_FRIDAY_HOURS, or `officeHours` when only those were given. */
  fridayHours?: DayHours;
  specialHours?: readonly SpecialHours[];
  /** Dates an admin adds for this unit (libur daerah, a Keppres change). */
  extraHolidays?: string[];
  /** Include the shipped SKB 3 Menteri dates. Default true. */
  includeShipped?: boolean;
  /**
   * Include shipped cuti bersama. Default true: offices close on it. A unit that serves the
   * public on cuti bersama sets false and keeps only the libur nasional.
   */
  includeCutiBersama?: boolean;
}

export function makeCalendar(opts: MakeCalendarOptions = {}): WorkCalendar {
  const timezone = resolveZone(opts.timezone ?? 'WIB');
  const officeHours = checkDayHours(opts.officeHours ?? DEFAULT_OFFICE_HOURS, 'jam kantor');
  const fridayHours = checkDayHours(
    opts.fridayHours ?? (opts.officeHours ? officeHours : DEFAULT_FRIDAY_HOURS),
    'jam kantor hari Jumat',
  );
  const specialHours = (opts.specialHours ?? []).map(checkSpecialHours);

  const holidays = new Set<string>();
  if (opts.includeShipped ?? true) {
    const withCuti = opts.includeCutiBersama ?? true;
    for (const h of listShippedHolidays()) {
      if (withCuti || h.kind === 'libur') holidays.add(h.date);
    }
  }
  for (const d of opts.extraHolidays ?? []) holidays.add(checkDate(d, 'tanggal libur'));

  return { timezone, officeHours, fridayHours, specialHours, holidays };
}

/**
 * A copy of the calendar with what an admin set at run time: more holidays, and office hours
 * for spans of dates (Ramadan), which win over the configured ones where they overlap.
 */
export function withAdminSettings(
  cal: WorkCalendar,
  settings: { holidays?: readonly string[]; specialHours?: readonly SpecialHours[] },
): WorkCalendar {
  const holidays = new Set(cal.holidays);
  for (const d of settings.holidays ?? []) holidays.add(checkDate(d, 'tanggal libur'));
  const specialHours = [...cal.specialHours, ...(settings.specialHours ?? []).map(checkSpecialHours)];
  return { ...cal, holidays, specialHours };
}

/** A copy of the calendar with more holidays, for an admin adding dates at run time. */
export function withHolidays(cal: WorkCalendar, dates: readonly string[]): WorkCalendar {
  return withAdminSettings(cal, { holidays: dates });
}

// ---------------------------------------------------------------------------------------------
// Office hours as people write them

const RANGE = /^\s*(\d{1,2})[:.](\d{2})\s*[-–]\s*(\d{1,2})[:.](\d{2})\s*$/;

/**
 * "07:30-12:00, 13:00-16:00" (or with dots, as EYD writes times, and an en dash) → periods.
 * Only the shape is read here; makeCalendar checks that they are real, ordered times.
 */
export function parseDayHours(text: string): DayHours {
  const parts = text.split(',');
  return parts.map((part) => {
    const m = RANGE.exec(part);
    if (!m) {
      throw new CalendarConfigError(
        'jam',
        `jam kerja "${text.trim()}" tidak sah; tulis periode JJ.MM-JJ.MM dipisah koma, misalnya 07.30-12.00, 13.00-16.00`,
      );
    }
    const pad = (h: string) => h.padStart(2, '0');
    return { start: `${pad(m[1]!)}:${m[2]}`, end: `${pad(m[3]!)}:${m[4]}` };
  });
}

/** "07.30–12.00, 13.00–16.00": EYD V writes times with a dot and ranges with an en dash. */
export function formatDayHours(hours: DayHours): string {
  return hours.map((p) => `${p.start.replace(':', '.')}–${p.end.replace(':', '.')}`).join(', ');
}

/** Working minutes of one day with these hours. */
export function dayHoursMinutes(hours: DayHours): number {
  return hours.reduce((sum, p) => sum + toMinutes(p.end)! - toMinutes(p.start)!, 0);
}

// ---------------------------------------------------------------------------------------------
// Validation

function resolveZone(raw: string): string {
  const key = raw.trim().toUpperCase();
  if (Object.hasOwn(INDONESIAN_ZONES, key)) return INDONESIAN_ZONES[key as keyof typeof INDONESIAN_ZONES];
  const name = raw.trim();
  // A unit's zone is a place; a fixed offset ("UTC+7") would silently go wrong under DST.
  if (!name.includes('/') && name.toUpperCase() !== 'UTC') throw badZone(raw);
  if (!IANAZone.isValidZone(name)) throw badZone(raw);
  // Canonical spelling, so "asia/jakarta" still formats as WIB and compares equal.
  return new Intl.DateTimeFormat('en', { timeZone: name }).resolvedOptions().timeZone;
}

function badZone(raw: string): CalendarConfigError {
  return new CalendarConfigError(
    'zona',
    `zona waktu "${raw}" tidak dikenal; pakai WIB (Asia/Jakarta), WITA (Asia/Makassar), ` +
      `WIT (Asia/Jayapura) atau nama zona IANA lain`,
  );
}

const HHMM = /^([01]\d|2[0-3]):([0-5]\d)$/;

function toMinutes(hhmm: string): number | undefined {
  const m = HHMM.exec(hhmm);
  return m ? Number(m[1]) * 60 + Number(m[2]) : undefined;
}

const dotted = (hhmm: string) => hhmm.replace(':', '.');

function checkDayHours(hours: DayHours, label: string): DayHours {
  if (hours.length === 0) throw new CalendarConfigError('jam', `${label} tidak boleh kosong; tulis paling sedikit satu periode, misalnya 07.30-16.00`);
  let previousEnd = -1;
  for (const p of hours) {
    const start = toMinutes(p.start);
    const end = toMinutes(p.end);
    const text = `${dotted(p.start)}–${dotted(p.end)}`;
    if (start === undefined || end === undefined) {
      throw new CalendarConfigError('jam', `${label} "${text}" tidak sah; tulis jam dengan format JJ.MM, misalnya 07.30–16.00`);
    }
    if (end <= start) throw new CalendarConfigError('jam', `${label} "${text}" tidak sah: jam selesai harus sesudah jam mulai`);
    if (start < previousEnd) {
      throw new CalendarConfigError('jam', `${label} "${formatDayHours(hours)}" tidak sah: periode harus berurutan dan tidak bertumpang tindih`);
    }
    previousEnd = end;
  }
  return hours.map((p) => ({ start: p.start, end: p.end }));
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

function checkDate(d: string, label: string): string {
  if (!ISO_DATE.test(d) || !DateTime.fromISO(d, { zone: 'UTC' }).isValid) {
    throw new CalendarConfigError('tanggal', `${label} "${d}" tidak sah; tulis dengan format TTTT-BB-HH, misalnya 2026-08-17`);
  }
  return d;
}

function checkSpecialHours(r: SpecialHours): SpecialHours {
  const from = checkDate(r.from, 'tanggal awal periode');
  const to = checkDate(r.to, 'tanggal akhir periode');
  if (to < from) {
    throw new CalendarConfigError('periode', `periode jam kerja ${from} s.d. ${to} tidak sah: tanggal akhir sebelum tanggal awal`);
  }
  const hours = checkDayHours(r.hours, 'jam kerja periode');
  const period: SpecialHours = { from, to, hours, ...(r.name ? { name: r.name } : {}) };
  return r.fridayHours ? { ...period, fridayHours: checkDayHours(r.fridayHours, 'jam kerja Jumat periode') } : period;
}

// ---------------------------------------------------------------------------------------------
// Days
//
// A local calendar day is an integer: days since 1970-01-01 in the unit's own wall clock.
// Weekday and ISO text of such a day need no zone at all, and luxon's zone is asked only
// for UTC offsets, which keeps a 20-day or 1500-minute deadline to a few dozen offset lookups.

const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;

/** Opening and closing instants (ms) of one working period. */
interface Interval {
  readonly open: number;
  readonly close: number;
}

/** A zone's UTC offset in minutes at an instant. */
export interface Zone {
  offset(t: number): number;
}

const HOUR_MS = 3_600_000;
const zones = new Map<string, Zone>();

function zoneOf(cal: WorkCalendar): Zone {
  let zone = zones.get(cal.timezone);
  if (!zone) {
    zone = hourlyOffsets(IANAZone.create(cal.timezone));
    zones.set(cal.timezone, zone);
  }
  return zone;
}

/**
 * luxon reads an IANA offset through Intl each time, the largest cost of a deadline
 * (docs/performance.md). Offsets change at most once in an hour, so one read at each end of a
 * UTC hour settles the whole hour when they agree; an hour with a change in it is always asked
 * exactly. Each cached hour holds one number; the cache starts over past 50 000 hours.
 */
export function hourlyOffsets(zone: Zone): Zone {
  const byHour = new Map<number, number>();
  return {
    offset(t) {
      const hour = Math.floor(t / HOUR_MS);
      const known = byHour.get(hour);
      if (known !== undefined) return known;
      const start = zone.offset(hour * HOUR_MS);
      if (zone.offset((hour + 1) * HOUR_MS - 1) !== start) return zone.offset(t);
      if (byHour.size >= 50_000) byHour.clear();
      byHour.set(hour, start);
      return start;
    },
  };
}

/** Wall-clock ms since the local epoch for an instant. */
function wallOf(t: number, zone: Zone): number {
  return t + zone.offset(t) * MINUTE_MS;
}

function localDayOf(t: number, zone: Zone): number {
  return Math.floor(wallOf(t, zone) / DAY_MS);
}

/**
 * The instant of a local wall-clock time. Re-reads the offset at the first guess, so a day
 * whose offset changes (DST) still lands on the right instant; a wall time inside a DST gap
 * comes out shifted by the gap, which is what the clock on the wall would show.
 */
function instantOf(day: number, msOfDay: number, zone: Zone): number {
  const wall = day * DAY_MS + msOfDay;
  const guess = wall - zone.offset(wall) * MINUTE_MS;
  return wall - zone.offset(guess) * MINUTE_MS;
}

/** ISO weekday, 1 = Monday … 7 = Sunday (1970-01-01 was a Thursday). */
function weekdayOf(day: number): number {
  return ((((day + 3) % 7) + 7) % 7) + 1;
}

function isoOf(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

function dayOfIso(iso: string): number {
  return Date.parse(`${iso}T00:00:00Z`) / DAY_MS;
}

/** Office hours that apply on a day; empty when it is not a working day. */
function hoursOn(day: number, cal: WorkCalendar): DayHours {
  const weekday = weekdayOf(day);
  if (weekday > 5) return [];
  const iso = isoOf(day);
  if (cal.holidays.has(iso)) return [];
  const friday = weekday === 5;
  const special = cal.specialHours.findLast((r) => r.from <= iso && iso <= r.to);
  if (special) return friday ? (special.fridayHours ?? special.hours) : special.hours;
  return friday ? cal.fridayHours : cal.officeHours;
}

function msOfClock(hhmm: string): number {
  return toMinutes(hhmm)! * MINUTE_MS;
}

/** The working periods of a day as instants, in order; empty on a day off. */
function intervalsOn(day: number, cal: WorkCalendar, zone: Zone): Interval[] {
  return hoursOn(day, cal).map((p) => ({ open: instantOf(day, msOfClock(p.start), zone), close: instantOf(day, msOfClock(p.end), zone) }));
}

/** The first working day strictly after `day`. Terminates because the holiday set is finite. */
function nextWorkingDay(day: number, cal: WorkCalendar): number {
  let d = day + 1;
  while (hoursOn(d, cal).length === 0) d++;
  return d;
}

export function isWorkingDay(isoDate: string, cal: WorkCalendar): boolean {
  return hoursOn(dayOfIso(checkDate(isoDate, 'tanggal')), cal).length > 0;
}

/** Inside a working period of a working day; the closing minute of a period is already outside. */
export function isWorkingTime(at: Date, cal: WorkCalendar): boolean {
  const zone = zoneOf(cal);
  const t = at.getTime();
  return intervalsOn(localDayOf(t, zone), cal, zone).some((p) => p.open <= t && t < p.close);
}

/** `at` itself when it is working time, otherwise the next opening (after a break, a night, a weekend or a holiday). */
export function nextWorkingStart(at: Date, cal: WorkCalendar): Date {
  return new Date(nextWorkingStartMs(at.getTime(), cal, zoneOf(cal)));
}

function nextWorkingStartMs(t: number, cal: WorkCalendar, zone: Zone): number {
  const day = localDayOf(t, zone);
  const period = intervalsOn(day, cal, zone).find((p) => t < p.close);
  if (period) return Math.max(t, period.open);
  return intervalsOn(nextWorkingDay(day, cal), cal, zone)[0]!.open;
}

/** When the office closes on a working day (the end of its last period), for a due date typed without a time. */
export function closingTime(isoDate: string, cal: WorkCalendar): Date {
  const zone = zoneOf(cal);
  const day = dayOfIso(checkDate(isoDate, 'tanggal'));
  const hours = hoursOn(day, cal);
  const last = hours.length ? hours[hours.length - 1]! : (cal.officeHours[cal.officeHours.length - 1] ?? { end: '16:00' });
  return new Date(instantOf(day, msOfClock(last.end), zone));
}

// ---------------------------------------------------------------------------------------------
// Deadlines

/**
 * When a step that opens at `start` with a time standard of `duration` is due.
 *
 * From the first working instant at or after `start`:
 * - days: the same local clock time N working days later. When that clock time is not working
 *   time on that day (a break, a shorter Friday or Ramadan day), the deadline is the end of the
 *   working period before it, or the day's opening when it is earlier than that: no working
 *   minute lies between that moment and the clock time, so it is the same deadline.
 * - then minutes: working minutes counted inside the periods, breaks and nights skipped; a
 *   deadline that ends exactly at a period's end stays there.
 */
export function dueAt(start: Date, duration: Duration, cal: WorkCalendar): Date {
  const { days, minutes } = duration;
  if (!Number.isFinite(minutes) || minutes < 0 || !Number.isFinite(days) || days < 0) {
    throw new CalendarConfigError('durasi', `lama waktu ${days ? `${days} hari ` : ''}${minutes} menit tidak sah; harus angka 0 atau lebih`);
  }
  if (!Number.isInteger(days)) {
    throw new CalendarConfigError('durasi', `lama waktu ${days} hari tidak sah; hari kerja harus bilangan bulat`);
  }
  const zone = zoneOf(cal);
  let t = nextWorkingStartMs(start.getTime(), cal, zone);
  if (days > 0) t = addWorkingDays(t, days, cal, zone);
  if (minutes > 0) t = addWorkingMinutes(nextWorkingStartMs(t, cal, zone), minutes, cal, zone);
  return new Date(t);
}

/** `t0` must be working time. */
function addWorkingMinutes(t0: number, minutes: number, cal: WorkCalendar, zone: Zone): number {
  let remaining = minutes * MINUTE_MS;
  let day = localDayOf(t0, zone);
  let t = t0;
  for (;;) {
    for (const p of intervalsOn(day, cal, zone)) {
      if (p.close <= t) continue;
      const from = Math.max(t, p.open);
      const available = p.close - from;
      if (remaining <= available) return from + remaining;
      remaining -= available;
      t = p.close;
    }
    day = nextWorkingDay(day, cal);
    t = Number.NEGATIVE_INFINITY;
  }
}

function addWorkingDays(t0: number, days: number, cal: WorkCalendar, zone: Zone): number {
  const wall = wallOf(t0, zone);
  let day = Math.floor(wall / DAY_MS);
  const clock = wall - day * DAY_MS;
  for (let i = 0; i < days; i++) day = nextWorkingDay(day, cal);
  const periods = intervalsOn(day, cal, zone);
  const target = instantOf(day, clock, zone);
  let due = periods[0]!.open;
  for (const p of periods) {
    if (target >= p.open) due = Math.min(target, p.close);
  }
  return due;
}

/**
 * Working minutes between two instants (fractional when the instants carry seconds).
 * Signed: negative when `b` is before `a`, so "elapsed" and "remaining" use the same call.
 */
export function workingMinutesBetween(a: Date, b: Date, cal: WorkCalendar): number {
  const ta = a.getTime();
  const tb = b.getTime();
  if (tb < ta) return -workingMinutesBetween(b, a, cal);
  const zone = zoneOf(cal);
  let total = 0;
  const last = localDayOf(tb, zone);
  for (let day = localDayOf(ta, zone); day <= last; day++) {
    for (const p of intervalsOn(day, cal, zone)) {
      const from = Math.max(p.open, ta);
      const to = Math.min(p.close, tb);
      if (to > from) total += to - from;
    }
  }
  return total / MINUTE_MS;
}

// ---------------------------------------------------------------------------------------------
// Display

const HARI = ['Senin', 'Selasa', 'Rabu', 'Kamis', 'Jumat', 'Sabtu', 'Minggu'];
const BULAN = [
  'Januari', 'Februari', 'Maret', 'April', 'Mei', 'Juni',
  'Juli', 'Agustus', 'September', 'Oktober', 'November', 'Desember',
];

/** Zones whose Indonesian abbreviation a reader expects instead of an offset. */
const ZONE_ABBREVIATION: Record<string, string> = {
  'Asia/Jakarta': 'WIB',
  'Asia/Pontianak': 'WIB',
  'Asia/Makassar': 'WITA',
  'Asia/Ujung_Pandang': 'WITA',
  'Asia/Jayapura': 'WIT',
};

function offsetLabel(offsetMinutes: number): string {
  if (offsetMinutes === 0) return 'UTC';
  const sign = offsetMinutes > 0 ? '+' : '-';
  const abs = Math.abs(offsetMinutes);
  const h = Math.floor(abs / 60);
  const m = abs % 60;
  return `UTC${sign}${h}${m ? `.${String(m).padStart(2, '0')}` : ''}`;
}

/** "Senin, 23 November 2026 14.30 WIB": the unit's local time, in Indonesian. */
export function formatLocal(at: Date, cal: WorkCalendar): string {
  // Hand-rolled names: Intl's Indonesian data depends on the ICU build Node ships with. The
  // wall clock comes from the calendar's cached zone offsets, not a luxon DateTime: every card
  // and every notice of a sweep writes a deadline, and luxon read the offset through Intl each time.
  const offset = zoneOf(cal).offset(at.getTime());
  const wall = new Date(at.getTime() + offset * MINUTE_MS);
  const zone = ZONE_ABBREVIATION[cal.timezone] ?? offsetLabel(offset);
  const hh = String(wall.getUTCHours()).padStart(2, '0');
  const mm = String(wall.getUTCMinutes()).padStart(2, '0');
  // getUTCDay counts from Sunday; HARI from Monday.
  return `${HARI[(wall.getUTCDay() + 6) % 7]}, ${wall.getUTCDate()} ${BULAN[wall.getUTCMonth()]} ${wall.getUTCFullYear()} ${hh}.${mm} ${zone}`;
}
