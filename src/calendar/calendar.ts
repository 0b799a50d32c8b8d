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

export interface OfficeHours {
  /** 'HH:MM', local time. */
  readonly start: string;
  /** 'HH:MM', local time; must be after start (no shifts across midnight). */
  readonly end: string;
}

export interface RamadanPeriod {
  /** First day, YYYY-MM-DD, inclusive. */
  readonly from: string;
  /** Last day, YYYY-MM-DD, inclusive. */
  readonly to: string;
  readonly hours: OfficeHours;
  /** Friday hours inside the period; falls back to `hours`. */
  readonly fridayHours?: OfficeHours;
}

export interface WorkCalendar {
  /** IANA zone name (WIB/WITA/WIT are stored as Asia/Jakarta, Asia/Makassar, Asia/Jayapura). */
  readonly timezone: string;
  readonly officeHours: OfficeHours;
  readonly fridayHours?: OfficeHours;
  readonly ramadan: readonly RamadanPeriod[];
  /** Local dates (YYYY-MM-DD) that are not working days even though they are Mon–Fri. */
  readonly holidays: ReadonlySet<string>;
}

export const DEFAULT_OFFICE_HOURS: OfficeHours = { start: '07:30', end: '16:00' };

/** Indonesian zone abbreviations people type in config, mapped to their IANA zones. */
export const INDONESIAN_ZONES = {
  WIB: 'Asia/Jakarta',
  WITA: 'Asia/Makassar',
  WIT: 'Asia/Jayapura',
} as const;

export type CalendarErrorCode = 'zona' | 'jam' | 'tanggal' | 'ramadan' | 'durasi';

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
  officeHours?: OfficeHours;
  fridayHours?: OfficeHours;
  ramadan?: RamadanPeriod[];
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
  const officeHours = checkHours(opts.officeHours ?? DEFAULT_OFFICE_HOURS, 'jam kantor');
  const fridayHours = opts.fridayHours ? checkHours(opts.fridayHours, 'jam kantor hari Jumat') : undefined;
  const ramadan = (opts.ramadan ?? []).map(checkRamadan);

  const holidays = new Set<string>();
  if (opts.includeShipped ?? true) {
    const withCuti = opts.includeCutiBersama ?? true;
    for (const h of listShippedHolidays()) {
      if (withCuti || h.kind === 'libur') holidays.add(h.date);
    }
  }
  for (const d of opts.extraHolidays ?? []) holidays.add(checkDate(d, 'tanggal libur'));

  const cal: WorkCalendar = { timezone, officeHours, ramadan, holidays };
  return fridayHours ? { ...cal, fridayHours } : cal;
}

/** A copy of the calendar with more holidays, for an admin adding dates at run time. */
export function withHolidays(cal: WorkCalendar, dates: readonly string[]): WorkCalendar {
  const holidays = new Set(cal.holidays);
  for (const d of dates) holidays.add(checkDate(d, 'tanggal libur'));
  return { ...cal, holidays };
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

function checkHours(h: OfficeHours, label: string): OfficeHours {
  const start = toMinutes(h.start);
  const end = toMinutes(h.end);
  if (start === undefined || end === undefined) {
    throw new CalendarConfigError(
      'jam',
      `${label} "${h.start}–${h.end}" tidak sah; tulis jam dengan format JJ:MM, misalnya 07:30–16:00`,
    );
  }
  if (end <= start) {
    throw new CalendarConfigError(
      'jam',
      `${label} "${h.start}–${h.end}" tidak sah: jam selesai harus sesudah jam mulai`,
    );
  }
  return { start: h.start, end: h.end };
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

function checkDate(d: string, label: string): string {
  if (!ISO_DATE.test(d) || !DateTime.fromISO(d, { zone: 'UTC' }).isValid) {
    throw new CalendarConfigError('tanggal', `${label} "${d}" tidak sah; tulis dengan format TTTT-BB-HH, misalnya 2026-08-17`);
  }
  return d;
}

function checkRamadan(r: RamadanPeriod): RamadanPeriod {
  const from = checkDate(r.from, 'awal Ramadan');
  const to = checkDate(r.to, 'akhir Ramadan');
  if (to < from) {
    throw new CalendarConfigError('ramadan', `periode Ramadan ${from} s.d. ${to} tidak sah: tanggal akhir sebelum tanggal awal`);
  }
  const hours = checkHours(r.hours, 'jam kantor Ramadan');
  const period: RamadanPeriod = { from, to, hours };
  return r.fridayHours ? { ...period, fridayHours: checkHours(r.fridayHours, 'jam kantor Jumat Ramadan') } : period;
}

// ---------------------------------------------------------------------------------------------
// Days
//
// A local calendar day is an integer: days since 1970-01-01 in the unit's own wall clock.
// Weekday and ISO text of such a day need no zone at all, and luxon's zone is asked only
// for UTC offsets, which keeps a 20-day or 1500-minute deadline to a few dozen offset lookups.

const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;

/** Opening and closing instants (ms) of a working day. */
interface Period {
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

/** Office hours that apply on a day, or undefined when it is not a working day. */
function hoursOn(day: number, cal: WorkCalendar): OfficeHours | undefined {
  const weekday = weekdayOf(day);
  if (weekday > 5) return undefined;
  const iso = isoOf(day);
  if (cal.holidays.has(iso)) return undefined;
  const friday = weekday === 5;
  const ramadan = cal.ramadan.find((r) => r.from <= iso && iso <= r.to);
  if (ramadan) return friday ? (ramadan.fridayHours ?? ramadan.hours) : ramadan.hours;
  return friday ? (cal.fridayHours ?? cal.officeHours) : cal.officeHours;
}

function msOfClock(hhmm: string): number {
  return toMinutes(hhmm)! * MINUTE_MS;
}

function periodOn(day: number, cal: WorkCalendar, zone: Zone): Period | undefined {
  const h = hoursOn(day, cal);
  return h ? { open: instantOf(day, msOfClock(h.start), zone), close: instantOf(day, msOfClock(h.end), zone) } : undefined;
}

/** The first working day strictly after `day`. Terminates because the holiday set is finite. */
function nextWorkingDay(day: number, cal: WorkCalendar): number {
  let d = day + 1;
  while (!hoursOn(d, cal)) d++;
  return d;
}

export function isWorkingDay(isoDate: string, cal: WorkCalendar): boolean {
  return hoursOn(dayOfIso(checkDate(isoDate, 'tanggal')), cal) !== undefined;
}

/** Inside office hours of a working day; the closing minute itself is already outside. */
export function isWorkingTime(at: Date, cal: WorkCalendar): boolean {
  const zone = zoneOf(cal);
  const t = at.getTime();
  const p = periodOn(localDayOf(t, zone), cal, zone);
  return p !== undefined && p.open <= t && t < p.close;
}

/** `at` itself when it is working time, otherwise the next opening. */
export function nextWorkingStart(at: Date, cal: WorkCalendar): Date {
  return new Date(nextWorkingStartMs(at.getTime(), cal, zoneOf(cal)));
}

function nextWorkingStartMs(t: number, cal: WorkCalendar, zone: Zone): number {
  const day = localDayOf(t, zone);
  const p = periodOn(day, cal, zone);
  if (p && t < p.close) return Math.max(t, p.open);
  return periodOn(nextWorkingDay(day, cal), cal, zone)!.open;
}

// ---------------------------------------------------------------------------------------------
// Deadlines

/**
 * When a step that opens at `start` with a time standard of `duration` is due.
 *
 * minutes: working minutes counted inside office hours from the first working instant at or
 *   after `start`; a deadline that ends exactly at closing stays at closing.
 * days: from the first working instant at or after `start`, the same local clock time N
 *   working days later, clamped into that day's office hours (Friday/Ramadan hours may be
 *   shorter, or open later, than the day the step started).
 */
export function dueAt(start: Date, duration: Duration, cal: WorkCalendar): Date {
  const { amount } = duration;
  if (!Number.isFinite(amount) || amount < 0) {
    throw new CalendarConfigError('durasi', `lama waktu ${amount} tidak sah; harus angka 0 atau lebih`);
  }
  if (duration.unit === 'days' && !Number.isInteger(amount)) {
    throw new CalendarConfigError('durasi', `lama waktu ${amount} hari tidak sah; hari kerja harus bilangan bulat`);
  }
  const zone = zoneOf(cal);
  const t0 = nextWorkingStartMs(start.getTime(), cal, zone);
  return new Date(
    duration.unit === 'minutes' ? addWorkingMinutes(t0, amount, cal, zone) : addWorkingDays(t0, amount, cal, zone),
  );
}

function addWorkingMinutes(t0: number, minutes: number, cal: WorkCalendar, zone: Zone): number {
  let remaining = minutes * MINUTE_MS;
  let t = t0;
  let day = localDayOf(t, zone);
  for (;;) {
    const p = periodOn(day, cal, zone)!;
    const available = p.close - t;
    if (remaining <= available) return t + remaining;
    remaining -= available;
    day = nextWorkingDay(day, cal);
    t = periodOn(day, cal, zone)!.open;
  }
}

function addWorkingDays(t0: number, days: number, cal: WorkCalendar, zone: Zone): number {
  const wall = wallOf(t0, zone);
  let day = Math.floor(wall / DAY_MS);
  const clock = wall - day * DAY_MS;
  for (let i = 0; i < days; i++) day = nextWorkingDay(day, cal);
  const p = periodOn(day, cal, zone)!;
  return Math.min(Math.max(instantOf(day, clock, zone), p.open), p.close);
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
    const p = periodOn(day, cal, zone);
    if (!p) continue;
    const from = Math.max(p.open, ta);
    const to = Math.min(p.close, tb);
    if (to > from) total += to - from;
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
  // Hand-rolled names: Intl's Indonesian data depends on the ICU build Node ships with.
  const d = DateTime.fromJSDate(at, { zone: cal.timezone });
  const zone = ZONE_ABBREVIATION[cal.timezone] ?? offsetLabel(d.offset);
  const hh = String(d.hour).padStart(2, '0');
  const mm = String(d.minute).padStart(2, '0');
  return `${HARI[d.weekday - 1]}, ${d.day} ${BULAN[d.month - 1]} ${d.year} ${hh}.${mm} ${zone}`;
}
