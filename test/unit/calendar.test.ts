import { DateTime, IANAZone } from 'luxon';
import { describe, expect, it } from 'vitest';
import {
  CalendarConfigError,
  dueAt,
  formatLocal,
  hourlyOffsets,
  isWorkingDay,
  isWorkingTime,
  makeCalendar,
  nextWorkingStart,
  dayHoursMinutes,
  formatDayHours,
  parseDayHours,
  withAdminSettings,
  withHolidays,
  workingMinutesBetween,
  type WorkCalendar,
} from '../../src/calendar/calendar.js';
import {
  SHIPPED_HOLIDAYS,
  SHIPPED_YEARS,
  listShippedHolidays,
  shippedHolidayOn,
  shippedYear,
} from '../../src/calendar/holidays.js';
import { parseWaktu, type Duration, type KonversiWaktu } from '../../src/calendar/waktu.js';

/** The shipped default: Perpres 21/2023 hours with their breaks, WIB. */
const WIB = makeCalendar();
/**
 * One unbroken period 07:30–16:00 every weekday (510 minutes): the counting mechanics (nights,
 * weekends, holidays, zones) are easier to follow without breaks; the breaks have tests of their own.
 */
const PLAIN = makeCalendar({ officeHours: [{ start: '07:30', end: '16:00' }] });
const minutes = (amount: number): Duration => ({ days: 0, minutes: amount });
const days = (amount: number): Duration => ({ days: amount, minutes: 0 });

/** A local wall-clock time in the calendar's zone, e.g. at('2026-11-23 09:00'). */
function at(local: string, cal: WorkCalendar = WIB): Date {
  const dt = DateTime.fromFormat(local, 'yyyy-MM-dd HH:mm', { zone: cal.timezone });
  if (!dt.isValid) throw new Error(`bad test time ${local}`);
  return dt.toJSDate();
}

/** The same instant back as local wall-clock text, so expectations read like the story. */
function local(d: Date, cal: WorkCalendar = WIB): string {
  return DateTime.fromJSDate(d, { zone: cal.timezone }).toFormat('yyyy-MM-dd HH:mm (ccc)', { locale: 'en' });
}

function expectConfigError(fn: () => unknown, code: string, message: string): void {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(CalendarConfigError);
    expect((e as CalendarConfigError).code).toBe(code);
    expect((e as Error).message).toBe(message);
    return;
  }
  throw new Error('expected a CalendarConfigError');
}

describe('shipped holidays (SKB 3 Menteri)', () => {
  it('ships 2026 and 2027, each naming its decree', () => {
    expect(SHIPPED_YEARS).toEqual([2026, 2027]);
    expect(shippedYear(2026)?.decree).toMatchObject({
      nomorMenteriAgama: 'Nomor 1497 Tahun 2025',
      nomorMenteriKetenagakerjaan: 'Nomor 2 Tahun 2025',
      nomorMenteriPanRb: 'Nomor 5 Tahun 2025',
      ditetapkan: '2025-09-19',
    });
    expect(shippedYear(2027)?.decree).toMatchObject({
      nomorMenteriAgama: 'Nomor 1205 Tahun 2026',
      nomorMenteriKetenagakerjaan: 'Nomor 3 Tahun 2026',
      nomorMenteriPanRb: 'Nomor 2 Tahun 2026',
      ditetapkan: '2026-09-15',
    });
    expect(shippedYear(2028)).toBeUndefined();
  });

  it('has the counts the decrees announce: 2026 = 17 + 8, 2027 = 18 + 8', () => {
    expect(listShippedHolidays({ year: 2026, kind: 'libur' })).toHaveLength(17);
    expect(listShippedHolidays({ year: 2026, kind: 'cuti_bersama' })).toHaveLength(8);
    expect(listShippedHolidays({ year: 2027, kind: 'libur' })).toHaveLength(18);
    expect(listShippedHolidays({ year: 2027, kind: 'cuti_bersama' })).toHaveLength(8);
  });

  it('every entry is a real date in its own year, unique and sorted', () => {
    for (const y of SHIPPED_HOLIDAYS) {
      const dates = y.holidays.map((h) => h.date);
      expect(new Set(dates).size).toBe(dates.length);
      expect([...dates].sort()).toEqual(dates);
      for (const h of y.holidays) {
        expect(DateTime.fromISO(h.date).isValid).toBe(true);
        expect(h.date.startsWith(`${y.year}-`)).toBe(true);
        expect(h.name.length).toBeGreaterThan(0);
      }
      // A decree-backed year must never be provisional; an unbacked one must say so.
      expect(y.provisional).toBe(y.decree === null);
      expect(y.sources.length).toBeGreaterThan(0);
    }
  });

  it('falls on the weekdays the decree texts print (catches a mistyped day)', () => {
    const weekday = (d: string) => DateTime.fromISO(d).toFormat('ccc', { locale: 'en' });
    const printed: Record<string, string> = {
      '2026-01-01': 'Thu', '2026-01-16': 'Fri', '2026-02-16': 'Mon', '2026-02-17': 'Tue',
      '2026-03-18': 'Wed', '2026-03-19': 'Thu', '2026-03-20': 'Fri', '2026-03-21': 'Sat',
      '2026-03-22': 'Sun', '2026-03-23': 'Mon', '2026-03-24': 'Tue', '2026-04-03': 'Fri',
      '2026-04-05': 'Sun', '2026-05-01': 'Fri', '2026-05-14': 'Thu', '2026-05-15': 'Fri',
      '2026-05-27': 'Wed', '2026-05-28': 'Thu', '2026-05-31': 'Sun', '2026-06-01': 'Mon',
      '2026-06-16': 'Tue', '2026-08-17': 'Mon', '2026-08-25': 'Tue', '2026-12-24': 'Thu',
      '2026-12-25': 'Fri',
      '2027-03-09': 'Tue', '2027-03-10': 'Wed', '2027-03-11': 'Thu', '2027-03-12': 'Fri',
      '2027-03-15': 'Mon', '2027-03-25': 'Thu', '2027-05-17': 'Mon', '2027-08-15': 'Sun',
      '2027-12-26': 'Sun',
    };
    for (const [date, day] of Object.entries(printed)) {
      expect(shippedHolidayOn(date), date).toBeDefined();
      expect(weekday(date), date).toBe(day);
    }
  });

  it('tells libur nasional from cuti bersama', () => {
    expect(shippedHolidayOn('2026-08-17')).toEqual({ date: '2026-08-17', kind: 'libur', name: 'Proklamasi Kemerdekaan' });
    expect(shippedHolidayOn('2026-03-23')?.kind).toBe('cuti_bersama');
    expect(shippedHolidayOn('2026-11-23')).toBeUndefined();
  });
});

describe('makeCalendar', () => {
  it('defaults to WIB and the Perpres 21/2023 hours with their breaks, shipped holidays included', () => {
    expect(WIB.timezone).toBe('Asia/Jakarta');
    expect(formatDayHours(WIB.officeHours)).toBe('07.30–12.00, 13.00–16.00');
    expect(formatDayHours(WIB.fridayHours)).toBe('07.30–11.30, 13.00–16.30');
    // 37,5 jam kerja seminggu: 7,5 hours every day.
    expect(dayHoursMinutes(WIB.officeHours)).toBe(450);
    expect(dayHoursMinutes(WIB.fridayHours)).toBe(450);
    expect(WIB.holidays.has('2026-08-17')).toBe(true);
    expect(WIB.holidays.has('2026-03-23')).toBe(true);
    expect(WIB.holidays.has('2027-03-10')).toBe(true);
  });

  it('accepts WIB / WITA / WIT and any IANA name, in any case', () => {
    expect(makeCalendar({ timezone: 'WITA' }).timezone).toBe('Asia/Makassar');
    expect(makeCalendar({ timezone: 'wit' }).timezone).toBe('Asia/Jayapura');
    expect(makeCalendar({ timezone: 'asia/jakarta' }).timezone).toBe('Asia/Jakarta');
    expect(makeCalendar({ timezone: 'Europe/Amsterdam' }).timezone).toBe('Europe/Amsterdam');
  });

  it('rejects an unknown zone and a bare offset with an Indonesian message', () => {
    const msg = (z: string) =>
      `zona waktu "${z}" tidak dikenal; pakai WIB (Asia/Jakarta), WITA (Asia/Makassar), WIT (Asia/Jayapura) atau nama zona IANA lain`;
    expectConfigError(() => makeCalendar({ timezone: 'Asia/Jakrta' }), 'zona', msg('Asia/Jakrta'));
    expectConfigError(() => makeCalendar({ timezone: 'UTC+7' }), 'zona', msg('UTC+7'));
    expectConfigError(() => makeCalendar({ timezone: '' }), 'zona', msg(''));
  });

  it('rejects bad office hours, writing times as EYD V does', () => {
    expectConfigError(
      () => makeCalendar({ officeHours: [{ start: '7:30', end: '16:00' }] }),
      'jam',
      'jam kantor "7.30–16.00" tidak sah; tulis jam dengan format JJ.MM, misalnya 07.30–16.00',
    );
    expectConfigError(
      () => makeCalendar({ officeHours: [{ start: '16:00', end: '07:30' }] }),
      'jam',
      'jam kantor "16.00–07.30" tidak sah: jam selesai harus sesudah jam mulai',
    );
    expectConfigError(
      () => makeCalendar({ fridayHours: [{ start: '07:30', end: '24:00' }] }),
      'jam',
      'jam kantor hari Jumat "07.30–24.00" tidak sah; tulis jam dengan format JJ.MM, misalnya 07.30–16.00',
    );
    expectConfigError(
      () => makeCalendar({ officeHours: [{ start: '07:30', end: '12:30' }, { start: '12:00', end: '16:00' }] }),
      'jam',
      'jam kantor "07.30–12.30, 12.00–16.00" tidak sah: periode harus berurutan dan tidak bertumpang tindih',
    );
    expectConfigError(() => makeCalendar({ officeHours: [] }), 'jam', 'jam kantor tidak boleh kosong; tulis paling sedikit satu periode, misalnya 07.30-16.00');
  });

  it('reads office hours as people write them: periods, with colons or dots, separated by commas', () => {
    expect(parseDayHours('07:30-12:00, 13:00-16:00')).toEqual([
      { start: '07:30', end: '12:00' },
      { start: '13:00', end: '16:00' },
    ]);
    expect(parseDayHours('7.30–11.30,13.00-16.30')).toEqual([
      { start: '07:30', end: '11:30' },
      { start: '13:00', end: '16:30' },
    ]);
    expectConfigError(
      () => parseDayHours('pagi sampai sore'),
      'jam',
      'jam kerja "pagi sampai sore" tidak sah; tulis periode JJ.MM-JJ.MM dipisah koma, misalnya 07.30-12.00, 13.00-16.00',
    );
  });

  it('rejects bad holiday dates and Ramadan periods', () => {
    expectConfigError(
      () => makeCalendar({ extraHolidays: ['17-08-2026'] }),
      'tanggal',
      'tanggal libur "17-08-2026" tidak sah; tulis dengan format TTTT-BB-HH, misalnya 2026-08-17',
    );
    expectConfigError(
      () => makeCalendar({ extraHolidays: ['2026-02-30'] }),
      'tanggal',
      'tanggal libur "2026-02-30" tidak sah; tulis dengan format TTTT-BB-HH, misalnya 2026-08-17',
    );
    expectConfigError(
      () => makeCalendar({ specialHours: [{ from: '2026-03-19', to: '2026-02-19', hours: [{ start: '08:00', end: '15:00' }] }] }),
      'periode',
      'periode jam kerja 2026-03-19 s.d. 2026-02-19 tidak sah: tanggal akhir sebelum tanggal awal',
    );
  });

  it('can leave out the shipped list, or only its cuti bersama', () => {
    expect(makeCalendar({ includeShipped: false }).holidays.size).toBe(0);
    const noCuti = makeCalendar({ includeCutiBersama: false });
    expect(noCuti.holidays.has('2026-08-17')).toBe(true);
    expect(noCuti.holidays.has('2026-03-23')).toBe(false);
  });
});

describe('working days and working time', () => {
  it('Mon–Fri are working days, weekends and holidays are not', () => {
    expect(isWorkingDay('2026-11-23', WIB)).toBe(true); // Senin
    expect(isWorkingDay('2026-11-28', WIB)).toBe(false); // Sabtu
    expect(isWorkingDay('2026-11-29', WIB)).toBe(false); // Minggu
    expect(isWorkingDay('2026-08-17', WIB)).toBe(false); // libur nasional
    expect(isWorkingDay('2026-03-23', WIB)).toBe(false); // cuti bersama
    expectConfigError(() => isWorkingDay('2026-13-01', WIB), 'tanggal', 'tanggal "2026-13-01" tidak sah; tulis dengan format TTTT-BB-HH, misalnya 2026-08-17');
  });

  it('office hours are [opening, closing): the closing minute is already outside', () => {
    expect(isWorkingTime(at('2026-11-23 07:29'), WIB)).toBe(false);
    expect(isWorkingTime(at('2026-11-23 07:30'), WIB)).toBe(true);
    expect(isWorkingTime(at('2026-11-23 15:59'), WIB)).toBe(true);
    expect(isWorkingTime(at('2026-11-23 16:00'), WIB)).toBe(false);
    expect(isWorkingTime(at('2026-11-28 10:00'), WIB)).toBe(false);
  });

  it('the break is not working time: 12.00–13.00 Monday to Thursday, 11.30–13.00 on Friday', () => {
    expect(isWorkingTime(at('2026-11-23 11:59'), WIB)).toBe(true);
    expect(isWorkingTime(at('2026-11-23 12:00'), WIB)).toBe(false);
    expect(isWorkingTime(at('2026-11-23 12:59'), WIB)).toBe(false);
    expect(isWorkingTime(at('2026-11-23 13:00'), WIB)).toBe(true);
    expect(isWorkingTime(at('2026-11-27 11:29'), WIB)).toBe(true); // Jumat
    expect(isWorkingTime(at('2026-11-27 11:30'), WIB)).toBe(false);
    expect(isWorkingTime(at('2026-11-27 12:30'), WIB)).toBe(false);
    expect(isWorkingTime(at('2026-11-27 13:00'), WIB)).toBe(true);
    expect(isWorkingTime(at('2026-11-27 16:15'), WIB)).toBe(true);
    expect(isWorkingTime(at('2026-11-27 16:30'), WIB)).toBe(false);
    expect(local(nextWorkingStart(at('2026-11-23 12:15'), WIB))).toBe('2026-11-23 13:00 (Mon)');
    expect(local(nextWorkingStart(at('2026-11-27 11:45'), WIB))).toBe('2026-11-27 13:00 (Fri)');
  });

  it('nextWorkingStart keeps a working instant and rolls anything else to the next opening', () => {
    expect(local(nextWorkingStart(at('2026-11-23 10:15'), WIB))).toBe('2026-11-23 10:15 (Mon)');
    expect(local(nextWorkingStart(at('2026-11-23 06:00'), WIB))).toBe('2026-11-23 07:30 (Mon)');
    expect(local(nextWorkingStart(at('2026-11-23 16:00'), WIB))).toBe('2026-11-24 07:30 (Tue)');
    expect(local(nextWorkingStart(at('2026-11-28 10:00'), WIB))).toBe('2026-11-30 07:30 (Mon)');
    expect(local(nextWorkingStart(at('2026-03-17 16:30'), WIB))).toBe('2026-03-25 07:30 (Wed)');
  });
});

describe('dueAt in working minutes (one unbroken period a day)', () => {
  it('"10 menit" inside the day', () => {
    expect(local(dueAt(at('2026-11-23 09:00'), minutes(10), PLAIN))).toBe('2026-11-23 09:10 (Mon)');
  });

  it('a deadline that ends exactly at closing stays at closing', () => {
    expect(local(dueAt(at('2026-11-23 15:00'), minutes(60), PLAIN))).toBe('2026-11-23 16:00 (Mon)');
  });

  it('carries the rest over to the next morning', () => {
    expect(local(dueAt(at('2026-11-23 15:30'), minutes(60), PLAIN))).toBe('2026-11-24 08:00 (Tue)');
  });

  it('skips the weekend', () => {
    expect(local(dueAt(at('2026-11-27 15:00'), minutes(120), PLAIN))).toBe('2026-11-30 08:30 (Mon)');
  });

  it('starts before opening: counts from opening', () => {
    expect(local(dueAt(at('2026-11-23 06:00'), minutes(30), PLAIN))).toBe('2026-11-23 08:00 (Mon)');
  });

  it('starts after closing: counts from the next opening', () => {
    expect(local(dueAt(at('2026-11-23 17:00'), minutes(30), PLAIN))).toBe('2026-11-24 08:00 (Tue)');
  });

  it('starts on a Saturday: counts from Monday opening', () => {
    expect(local(dueAt(at('2026-11-28 10:00'), minutes(10), PLAIN))).toBe('2026-11-30 07:40 (Mon)');
  });

  it('skips a libur nasional (Senin 17 Agustus 2026)', () => {
    expect(local(dueAt(at('2026-08-14 15:50'), minutes(20), PLAIN))).toBe('2026-08-18 07:40 (Tue)');
  });

  it('skips the Nyepi + Idulfitri 2026 block of libur and cuti bersama (18–24 Maret)', () => {
    expect(local(dueAt(at('2026-03-17 15:00'), minutes(120), PLAIN))).toBe('2026-03-25 08:30 (Wed)');
  });

  it('"1500" (PUPR, bare minutes) crosses several days at 510 working minutes a day', () => {
    // Mon 10:00–16:00 = 360, Tue 510, Wed 510 → 120 left on Thursday.
    expect(local(dueAt(at('2026-11-23 10:00'), minutes(1500), PLAIN))).toBe('2026-11-26 09:30 (Thu)');
  });

  it('PUPR conversion: "2 hari" is 600 SOP minutes, two working days', () => {
    const pupr: KonversiWaktu = { jam: 60, hari: 300, minggu: 1500 };
    const w = parseWaktu('2 hari', pupr);
    expect(w).toEqual({ kind: 'fixed', duration: { days: 2, minutes: 0 }, text: '2 hari' });
    if (w.kind !== 'fixed') throw new Error('unreachable');
    expect(local(dueAt(at('2026-11-23 07:30'), w.duration, PLAIN))).toBe('2026-11-25 07:30 (Wed)');
    expect(local(dueAt(at('2026-11-23 09:00'), w.duration, PLAIN))).toBe('2026-11-25 09:00 (Wed)');
  });

  it('crosses the year end over Natal cuti bersama, Natal and Tahun Baru', () => {
    // Wed 23 Dec 15:00: 60 today; 24, 25 Dec off; Mon 28–Wed 30 = 1530; Thu 31 = 510; 1 Jan off.
    expect(local(dueAt(at('2026-12-23 15:00'), minutes(60 + 1530 + 510 + 30), PLAIN))).toBe('2027-01-04 08:00 (Mon)');
  });

  it('zero minutes is the first working instant', () => {
    expect(local(dueAt(at('2026-11-28 10:00'), minutes(0), PLAIN))).toBe('2026-11-30 07:30 (Mon)');
  });
});

describe('dueAt in working days (one unbroken period a day)', () => {
  it('"2 hari": the same clock time two working days later', () => {
    expect(local(dueAt(at('2026-11-23 10:00'), days(2), PLAIN))).toBe('2026-11-25 10:00 (Wed)');
  });

  it('over a weekend', () => {
    expect(local(dueAt(at('2026-11-26 14:00'), days(2), PLAIN))).toBe('2026-11-30 14:00 (Mon)');
  });

  it('from a Saturday: rolls to Monday opening first', () => {
    expect(local(dueAt(at('2026-11-28 10:00'), days(2), PLAIN))).toBe('2026-12-02 07:30 (Wed)');
  });

  it('from after closing: rolls to the next opening first', () => {
    expect(local(dueAt(at('2026-11-23 18:00'), days(1), PLAIN))).toBe('2026-11-25 07:30 (Wed)');
  });

  it('over a libur nasional', () => {
    expect(local(dueAt(at('2026-08-14 10:00'), days(1), PLAIN))).toBe('2026-08-18 10:00 (Tue)');
  });

  it('over cuti bersama Idulfitri 2026 (and only libur when cuti bersama is left out)', () => {
    expect(local(dueAt(at('2026-03-17 10:00'), days(1), PLAIN))).toBe('2026-03-25 10:00 (Wed)');
    expect(local(dueAt(at('2026-03-17 10:00'), days(3), PLAIN))).toBe('2026-03-27 10:00 (Fri)');
    const noCuti = makeCalendar({ includeCutiBersama: false });
    expect(local(dueAt(at('2026-03-17 10:00', noCuti), days(1), noCuti), noCuti)).toBe('2026-03-18 10:00 (Wed)');
    expect(local(dueAt(at('2026-03-17 10:00', noCuti), days(2), noCuti), noCuti)).toBe('2026-03-20 10:00 (Fri)');
  });

  it('"17 Hari" and "1 minggu" style spans cross several weeks and Christmas', () => {
    expect(local(dueAt(at('2026-11-23 10:00'), days(20), PLAIN))).toBe('2026-12-21 10:00 (Mon)');
    expect(local(dueAt(at('2026-11-23 10:00'), days(25), PLAIN))).toBe('2026-12-30 10:00 (Wed)');
  });

  it('rejects a negative amount and fractional days', () => {
    expectConfigError(() => dueAt(at('2026-11-23 10:00'), minutes(-1), PLAIN), 'durasi', 'lama waktu -1 menit tidak sah; harus angka 0 atau lebih');
    expectConfigError(() => dueAt(at('2026-11-23 10:00'), days(1.5), PLAIN), 'durasi', 'lama waktu 1.5 hari tidak sah; hari kerja harus bilangan bulat');
  });
});

describe('the three Indonesian zones', () => {
  const plain = { officeHours: [{ start: '07:30', end: '16:00' }] };
  const zones = [
    { abbr: 'WIB', cal: makeCalendar({ timezone: 'WIB', ...plain }), utc: '2026-11-24T01:30:00.000Z' },
    { abbr: 'WITA', cal: makeCalendar({ timezone: 'WITA', ...plain }), utc: '2026-11-24T00:30:00.000Z' },
    { abbr: 'WIT', cal: makeCalendar({ timezone: 'WIT', ...plain }), utc: '2026-11-23T23:30:00.000Z' },
  ];

  it('the same wall-clock story gives the same wall-clock deadline at different instants', () => {
    for (const { abbr, cal, utc } of zones) {
      const due = dueAt(at('2026-11-23 15:00', cal), minutes(120), cal);
      expect(local(due, cal), abbr).toBe('2026-11-24 08:30 (Tue)');
      expect(due.toISOString(), abbr).toBe(utc);
      expect(formatLocal(due, cal)).toBe(`Selasa, 24 November 2026 08.30 ${abbr}`);
    }
  });

  it('one instant is office time in Jakarta but after closing in Makassar and Jayapura', () => {
    const instant = new Date('2026-11-23T08:45:00Z'); // 15.45 WIB, 16.45 WITA, 17.45 WIT
    const [wib, wita, wit] = zones.map(({ cal }) => dueAt(instant, minutes(30), cal));
    expect(formatLocal(wib!, zones[0]!.cal)).toBe('Selasa, 24 November 2026 07.45 WIB');
    expect(formatLocal(wita!, zones[1]!.cal)).toBe('Selasa, 24 November 2026 08.00 WITA');
    expect(formatLocal(wit!, zones[2]!.cal)).toBe('Selasa, 24 November 2026 08.00 WIT');
  });
});

describe('Friday hours and Ramadan', () => {
  it('Friday keeps the office open until 16.30, after its longer break', () => {
    expect(local(dueAt(at('2026-11-27 16:00'), minutes(20), WIB))).toBe('2026-11-27 16:20 (Fri)');
    expect(local(dueAt(at('2026-11-27 16:00'), minutes(20), PLAIN))).toBe('2026-11-30 07:50 (Mon)');
  });

  it('a day deadline whose clock time is after a short Friday closes at Friday closing', () => {
    const cal = makeCalendar({ officeHours: [{ start: '07:30', end: '16:00' }], fridayHours: [{ start: '07:30', end: '11:30' }] });
    expect(local(dueAt(at('2026-11-26 14:00', cal), days(1), cal), cal)).toBe('2026-11-27 11:30 (Fri)');
    expect(local(dueAt(at('2026-11-26 09:00', cal), days(1), cal), cal)).toBe('2026-11-27 09:00 (Fri)');
  });

  const ramadan2026 = makeCalendar({
    specialHours: [
      {
        from: '2026-02-19',
        to: '2026-03-19',
        hours: [{ start: '08:00', end: '12:00' }, { start: '12:30', end: '15:00' }],
        fridayHours: [{ start: '08:00', end: '11:30' }, { start: '13:00', end: '15:30' }],
        name: 'Ramadan 1447 H',
      },
    ],
  });

  it('Ramadan hours, with their own breaks, apply inside the period only', () => {
    expect(isWorkingTime(at('2026-03-02 07:45', ramadan2026), ramadan2026)).toBe(false);
    expect(isWorkingTime(at('2026-03-02 12:15', ramadan2026), ramadan2026)).toBe(false);
    expect(isWorkingTime(at('2026-03-02 12:30', ramadan2026), ramadan2026)).toBe(true);
    expect(isWorkingTime(at('2026-03-02 14:59', ramadan2026), ramadan2026)).toBe(true);
    expect(isWorkingTime(at('2026-03-02 15:00', ramadan2026), ramadan2026)).toBe(false);
    expect(isWorkingTime(at('2026-03-06 15:15', ramadan2026), ramadan2026)).toBe(true); // Jumat
    expect(isWorkingTime(at('2026-02-18 15:30', ramadan2026), ramadan2026)).toBe(true); // sebelum Ramadan
  });

  it('counts minutes in Ramadan hours', () => {
    // Senin 2 Maret: 14.30–15.00 is 30 minutes, the other 30 from 08.00 on Tuesday.
    expect(local(dueAt(at('2026-03-02 14:30', ramadan2026), minutes(60), ramadan2026), ramadan2026)).toBe('2026-03-03 08:30 (Tue)');
    // 11.30 + 60: 30 before the 12.00 break, 30 after 12.30.
    expect(local(dueAt(at('2026-03-02 11:30', ramadan2026), minutes(60), ramadan2026), ramadan2026)).toBe('2026-03-02 13:00 (Mon)');
  });

  it('clamps a day deadline into the shorter Ramadan day', () => {
    // Rabu 18 Feb is before Ramadan; Kamis 19 Feb opens at 08.00 and closes at 15.00.
    expect(local(dueAt(at('2026-02-18 15:30', ramadan2026), days(1), ramadan2026), ramadan2026)).toBe('2026-02-19 15:00 (Thu)');
    expect(local(dueAt(at('2026-02-18 07:45', ramadan2026), days(1), ramadan2026), ramadan2026)).toBe('2026-02-19 08:00 (Thu)');
  });

  it('an admin adds the year\'s Ramadan hours at run time, and a later span wins over an earlier one', () => {
    const cal = withAdminSettings(WIB, {
      specialHours: [{ from: '2027-02-08', to: '2027-03-08', hours: [{ start: '08:00', end: '15:00' }], name: 'Ramadan 1448 H' }],
    });
    expect(isWorkingTime(at('2027-02-10 12:30', cal), cal)).toBe(true);
    expect(isWorkingTime(at('2027-02-10 12:30'), WIB)).toBe(false);
    const shorter = withAdminSettings(cal, { specialHours: [{ from: '2027-02-10', to: '2027-02-10', hours: [{ start: '08:00', end: '11:00' }] }] });
    expect(isWorkingTime(at('2027-02-10 12:30', shorter), shorter)).toBe(false);
    expect(isWorkingTime(at('2027-02-11 12:30', shorter), shorter)).toBe(true);
  });
});

describe('the break in deadlines (Perpres 21/2023 hours)', () => {
  it('"1 Jam" opened at 11.30 is due 13.30, not 12.30', () => {
    expect(local(dueAt(at('2026-11-23 11:30'), minutes(60), WIB))).toBe('2026-11-23 13:30 (Mon)');
  });

  it('a step opened during the break counts from 13.00', () => {
    expect(local(dueAt(at('2026-11-23 12:15'), minutes(10), WIB))).toBe('2026-11-23 13:10 (Mon)');
  });

  it('Friday\'s break is 11.30–13.00', () => {
    expect(local(dueAt(at('2026-11-27 11:00'), minutes(60), WIB))).toBe('2026-11-27 13:30 (Fri)');
  });

  it('a deadline that ends exactly at the break stays before it', () => {
    expect(local(dueAt(at('2026-11-23 11:00'), minutes(60), WIB))).toBe('2026-11-23 12:00 (Mon)');
  });

  it('a whole day is 450 working minutes, a week 37,5 hours', () => {
    expect(workingMinutesBetween(at('2026-11-23 07:30'), at('2026-11-23 16:00'), WIB)).toBe(450);
    expect(workingMinutesBetween(at('2026-11-23 07:30'), at('2026-11-30 07:30'), WIB)).toBe(37.5 * 60);
    expect(workingMinutesBetween(at('2026-11-27 07:30'), at('2026-11-27 16:30'), WIB)).toBe(450);
  });

  it('a day deadline whose clock time falls in the break is the end of the morning', () => {
    // Kamis 11.45 + 1 hari: Friday 11.45 is inside Friday's break, which starts at 11.30.
    expect(local(dueAt(at('2026-11-26 11:45'), days(1), WIB))).toBe('2026-11-27 11:30 (Fri)');
    expect(workingMinutesBetween(at('2026-11-26 11:45'), dueAt(at('2026-11-26 11:45'), days(1), WIB), WIB)).toBe(450 - 15);
  });

  it('a Friday afternoon deadline carried to a Monday ends at Monday closing', () => {
    expect(local(dueAt(at('2026-11-27 16:15'), days(1), WIB))).toBe('2026-11-30 16:00 (Mon)');
  });

  it('counts working minutes across the break and the night, measured back the same', () => {
    // Senin 15.30 + 60: 30 today, 30 from Tuesday 07.30.
    expect(local(dueAt(at('2026-11-23 15:30'), minutes(60), WIB))).toBe('2026-11-24 08:00 (Tue)');
    for (const s of ['2026-11-23 06:00', '2026-11-23 11:59', '2026-11-23 12:30', '2026-11-27 11:00', '2026-11-27 16:29']) {
      for (const m of [1, 30, 60, 449, 450, 451, 1500, 5000]) {
        const start = at(s);
        expect(workingMinutesBetween(start, dueAt(start, minutes(m), WIB), WIB), `${s} + ${m}`).toBe(m);
      }
    }
  });
});

describe('admin-added holidays', () => {
  it('an extra date (libur daerah) is skipped like any holiday', () => {
    const cal = makeCalendar({ officeHours: [{ start: '07:30', end: '16:00' }], extraHolidays: ['2026-11-24'] });
    expect(isWorkingDay('2026-11-24', cal)).toBe(false);
    expect(local(dueAt(at('2026-11-23 10:00'), days(1), cal))).toBe('2026-11-25 10:00 (Wed)');
  });

  it('withHolidays adds dates without touching the original calendar', () => {
    const cal = withHolidays(PLAIN, ['2026-11-24']);
    expect(isWorkingDay('2026-11-24', cal)).toBe(false);
    expect(isWorkingDay('2026-11-24', PLAIN)).toBe(true);
    expect(local(dueAt(at('2026-11-23 15:30'), minutes(60), cal))).toBe('2026-11-25 08:00 (Wed)');
  });
});

describe('workingMinutesBetween', () => {
  it('counts only office time, and is signed', () => {
    expect(workingMinutesBetween(at('2026-11-23 15:00'), at('2026-11-24 09:00'), PLAIN)).toBe(150);
    expect(workingMinutesBetween(at('2026-11-24 09:00'), at('2026-11-23 15:00'), PLAIN)).toBe(-150);
    expect(workingMinutesBetween(at('2026-11-27 15:00'), at('2026-11-30 08:30'), PLAIN)).toBe(120);
    expect(workingMinutesBetween(at('2026-11-28 08:00'), at('2026-11-29 20:00'), PLAIN)).toBe(0);
    expect(workingMinutesBetween(at('2026-03-17 16:00'), at('2026-03-25 07:30'), PLAIN)).toBe(0);
  });

  it('agrees with dueAt: the SLA measured back is the SLA given', () => {
    const starts = ['2026-11-23 06:00', '2026-11-23 15:59', '2026-11-27 12:00', '2026-03-17 13:00', '2026-12-23 10:00'];
    for (const s of starts) {
      for (const m of [1, 10, 60, 509, 510, 600, 1500, 5000]) {
        const start = at(s);
        const due = dueAt(start, minutes(m), PLAIN);
        expect(workingMinutesBetween(start, due, PLAIN), `${s} + ${m}`).toBe(m);
      }
    }
  });

  it('a day SLA measured back is N full office days when the start is in office time', () => {
    expect(workingMinutesBetween(at('2026-11-23 10:00'), dueAt(at('2026-11-23 10:00'), days(2), PLAIN), PLAIN)).toBe(1020);
  });
});

describe('formatLocal', () => {
  it('writes the unit’s local time in Indonesian', () => {
    expect(formatLocal(new Date('2026-11-23T07:30:00Z'), WIB)).toBe('Senin, 23 November 2026 14.30 WIB');
    expect(formatLocal(new Date('2026-08-16T23:05:00Z'), WIB)).toBe('Senin, 17 Agustus 2026 06.05 WIB');
    expect(formatLocal(new Date('2027-01-01T00:00:00Z'), makeCalendar({ timezone: 'WIT' }))).toBe('Jumat, 1 Januari 2027 09.00 WIT');
    expect(formatLocal(new Date('2026-05-31T16:00:00Z'), makeCalendar({ timezone: 'WITA' }))).toBe('Senin, 1 Juni 2026 00.00 WITA');
  });

  it('falls back to the UTC offset outside Indonesia', () => {
    expect(formatLocal(new Date('2026-11-23T07:30:00Z'), makeCalendar({ timezone: 'Asia/Kolkata' }))).toBe(
      'Senin, 23 November 2026 13.00 UTC+5.30',
    );
    expect(formatLocal(new Date('2026-07-01T10:00:00Z'), makeCalendar({ timezone: 'Europe/Amsterdam' }))).toBe(
      'Rabu, 1 Juli 2026 12.00 UTC+2',
    );
    expect(formatLocal(new Date('2026-07-01T10:00:00Z'), makeCalendar({ timezone: 'America/New_York' }))).toBe(
      'Rabu, 1 Juli 2026 06.00 UTC-4',
    );
    expect(formatLocal(new Date('2026-07-01T10:00:00Z'), makeCalendar({ timezone: 'UTC' }))).toBe('Rabu, 1 Juli 2026 10.00 UTC');
  });
});

describe('a zone with DST still counts real minutes', () => {
  it('over the Amsterdam spring-forward weekend (29 March 2026)', () => {
    const ams = makeCalendar({ timezone: 'Europe/Amsterdam', includeShipped: false, officeHours: [{ start: '07:30', end: '16:00' }] });
    expect(local(dueAt(at('2026-03-27 15:00', ams), minutes(120), ams), ams)).toBe('2026-03-30 08:30 (Mon)');
    expect(local(dueAt(at('2026-03-27 15:00', ams), days(1), ams), ams)).toBe('2026-03-30 15:00 (Mon)');
  });
});

describe('offsets cached by the hour', () => {
  it('agree with the zone at every minute around changes, including one in the middle of a UTC hour', () => {
    const cases: [zone: string, from: string][] = [
      ['Europe/Amsterdam', '2026-03-29T00:00:00Z'], // spring forward at 01:00 UTC
      ['Europe/Amsterdam', '2026-10-25T00:00:00Z'], // fall back at 01:00 UTC
      ['Asia/Kathmandu', '1985-12-31T17:00:00Z'], // +5:30 → +5:45 at 18:30 UTC
      ['Asia/Jakarta', '2026-11-23T00:00:00Z'],
    ];
    for (const [name, from] of cases) {
      const exact = IANAZone.create(name);
      const cached = hourlyOffsets(exact);
      const start = Date.parse(from);
      for (let pass = 0; pass < 2; pass++) {
        for (let t = start; t < start + 3 * 3_600_000; t += 60_000) expect(cached.offset(t), `${name} at ${new Date(t).toISOString()}`).toBe(exact.offset(t));
      }
    }
  });
});

describe('speed', () => {
  it('iterates by day, not by minute', () => {
    const t = performance.now();
    for (let i = 0; i < 200; i++) {
      dueAt(at('2026-11-23 10:00'), minutes(1500), WIB);
      dueAt(at('2026-11-23 10:00'), days(20), WIB);
    }
    dueAt(at('2026-11-23 10:00'), minutes(100_000), WIB); // ~196 working days
    expect(performance.now() - t).toBeLessThan(1000);
  });
});
