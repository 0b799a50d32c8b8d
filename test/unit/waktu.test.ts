import { describe, expect, it } from 'vitest';
import { WaktuParseError, describeDuration, parseWaktu, type KonversiWaktu } from '../../src/calendar/waktu.js';

/** The conversion table PUPR prints under its SOP. */
const PUPR: KonversiWaktu = { jam: 60, hari: 300, minggu: 1500 };

const message = (text: string) =>
  `waktu "${text}" tidak dikenali; tulis misalnya "10 menit", "1 jam", "2 hari", "1 minggu", ` +
  `"1500" (menit), "menyesuaikan lamanya kegiatan" atau "maksimal 7 hari setelah ..."`;

function expectParseError(raw: string, konversi?: KonversiWaktu): void {
  let thrown: unknown;
  try {
    parseWaktu(raw, konversi);
  } catch (e) {
    thrown = e;
  }
  expect(thrown, raw).toBeInstanceOf(WaktuParseError);
  expect((thrown as WaktuParseError).message).toBe(message(raw.trim()));
  expect((thrown as WaktuParseError).text).toBe(raw.trim());
}

describe('parseWaktu: every wording in the seed SOPs (default convention)', () => {
  it.each([
    ['10 menit', { days: 0, minutes: 10 }],
    ['10 Menit', { days: 0, minutes: 10 }],
    ['1 Jam', { days: 0, minutes: 60 }],
    ['3 jam', { days: 0, minutes: 180 }],
    ['1 hari', { days: 1, minutes: 0 }],
    ['1 Hari', { days: 1, minutes: 0 }],
    ['2 hari', { days: 2, minutes: 0 }],
    ['3 Hari', { days: 3, minutes: 0 }],
    ['17 Hari', { days: 17, minutes: 0 }],
    ['1 minggu', { days: 5, minutes: 0 }],
    ['1 Minggu', { days: 5, minutes: 0 }],
    ['2 minggu', { days: 10, minutes: 0 }],
    ['1500', { days: 0, minutes: 1500 }],
    ['600', { days: 0, minutes: 600 }],
    ['30', { days: 0, minutes: 30 }],
  ] as const)('%s', (raw, duration) => {
    expect(parseWaktu(raw)).toEqual({ kind: 'fixed', duration, text: raw });
  });

  it('a number cell (the PUPR "Waktu (menit)" column) is minutes', () => {
    expect(parseWaktu(1500)).toEqual({ kind: 'fixed', duration: { days: 0, minutes: 1500 }, text: '1500' });
  });

  it('"menyesuaikan lamanya kegiatan": the actor sets the due date', () => {
    expect(parseWaktu('menyesuaikan lamanya kegiatan\t\t\t')).toEqual({
      kind: 'actor-sets',
      text: 'menyesuaikan lamanya kegiatan',
    });
  });

  it('"Maksimal 7 hari setelah pelaksanaan kegiatan": counted from an earlier date', () => {
    expect(parseWaktu('Maksimal 7 hari setelah pelaksanaan kegiatan\t\t\t')).toEqual({
      kind: 'after-anchor',
      duration: { days: 7, minutes: 0 },
      text: 'Maksimal 7 hari setelah pelaksanaan kegiatan',
    });
    expect(parseWaktu('paling lambat 3 hari sesudah rapat')).toMatchObject({
      kind: 'after-anchor',
      duration: { days: 3, minutes: 0 },
    });
  });

  it('tolerates extra spaces and case', () => {
    expect(parseWaktu('  2   HARI ')).toEqual({ kind: 'fixed', duration: { days: 2, minutes: 0 }, text: '2   HARI' });
    expect(parseWaktu('2hari')).toMatchObject({ duration: { days: 2, minutes: 0 } });
  });

  it('a decimal hour is still whole minutes', () => {
    expect(parseWaktu('1,5 jam')).toMatchObject({ duration: { days: 0, minutes: 90 } });
  });

  it('no time standard written', () => {
    expect(parseWaktu(undefined)).toEqual({ kind: 'none' });
    expect(parseWaktu('')).toEqual({ kind: 'none' });
    expect(parseWaktu(' - ')).toEqual({ kind: 'none' });
  });
});

describe('parseWaktu under the PUPR conversion table ("1 Jam = 60 menit, 1 Hari = 300 menit, 1 Minggu = 1500 menit")', () => {
  it.each([
    // Below one SOP day (300) its minutes are clock minutes: the table itself says 1 Jam = 60 menit.
    ['30', { days: 0, minutes: 30 }],
    ['60', { days: 0, minutes: 60 }],
    ['120', { days: 0, minutes: 120 }],
    ['10 menit', { days: 0, minutes: 10 }],
    ['1 Jam', { days: 0, minutes: 60 }],
    // From one SOP day up they count in office days.
    ['300', { days: 1, minutes: 0 }],
    ['600', { days: 2, minutes: 0 }],
    ['1500', { days: 5, minutes: 0 }],
    ['1 Hari', { days: 1, minutes: 0 }],
    ['2 hari', { days: 2, minutes: 0 }],
    ['1 Minggu', { days: 5, minutes: 0 }],
    // A day and a half: one working day, then the remaining 150 SOP minutes as clock minutes.
    ['450', { days: 1, minutes: 150 }],
    ['1,5 hari', { days: 1, minutes: 150 }],
  ] as const)('%s → %o', (raw, duration) => {
    expect(parseWaktu(raw, PUPR)).toEqual({ kind: 'fixed', duration, text: raw });
  });

  it('a relative SLA is converted too', () => {
    expect(parseWaktu('Maksimal 7 hari setelah pelaksanaan kegiatan', PUPR)).toMatchObject({
      kind: 'after-anchor',
      duration: { days: 7, minutes: 0 },
    });
  });
});

describe('parseWaktu rejects what it cannot count, with the exact message', () => {
  it.each([
    'sebentar',
    '2 bulan',
    'maksimal 3. Dokumen Persyaratan yang akurat',
    '0',
    '0 menit',
    '0 hari',
    '-5 menit',
    '1,5 hari', // a fraction of a working day has no clock time under the default convention
    '1.500 menit', // thousands separator reads as 1.5 minutes: refuse rather than guess
    'Maksimal 0 hari setelah kegiatan',
  ])('%s', (raw) => {
    expectParseError(raw);
  });

  it('WaktuParseError carries its name for logs', () => {
    expect(() => parseWaktu('sebentar')).toThrow(WaktuParseError);
    try {
      parseWaktu('sebentar');
    } catch (e) {
      expect((e as Error).name).toBe('WaktuParseError');
    }
  });
});

describe('describeDuration', () => {
  it('names the unit in Indonesian', () => {
    expect(describeDuration({ days: 2, minutes: 0 })).toBe('2 hari kerja');
    expect(describeDuration({ days: 0, minutes: 90 })).toBe('1 jam 30 menit kerja');
    expect(describeDuration({ days: 0, minutes: 30 })).toBe('30 menit kerja');
    expect(describeDuration({ days: 1, minutes: 150 })).toBe('1 hari 2 jam 30 menit kerja');
    expect(describeDuration({ days: 5, minutes: 0 })).toBe('5 hari kerja');
  });
});
