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
    ['10 menit', { unit: 'minutes', amount: 10 }],
    ['10 Menit', { unit: 'minutes', amount: 10 }],
    ['1 Jam', { unit: 'minutes', amount: 60 }],
    ['3 jam', { unit: 'minutes', amount: 180 }],
    ['1 hari', { unit: 'days', amount: 1 }],
    ['1 Hari', { unit: 'days', amount: 1 }],
    ['2 hari', { unit: 'days', amount: 2 }],
    ['3 Hari', { unit: 'days', amount: 3 }],
    ['17 Hari', { unit: 'days', amount: 17 }],
    ['1 minggu', { unit: 'days', amount: 5 }],
    ['1 Minggu', { unit: 'days', amount: 5 }],
    ['2 minggu', { unit: 'days', amount: 10 }],
    ['1500', { unit: 'minutes', amount: 1500 }],
    ['600', { unit: 'minutes', amount: 600 }],
    ['30', { unit: 'minutes', amount: 30 }],
  ] as const)('%s', (raw, duration) => {
    expect(parseWaktu(raw)).toEqual({ kind: 'fixed', duration, text: raw });
  });

  it('a number cell (the PUPR "Waktu (menit)" column) is minutes', () => {
    expect(parseWaktu(1500)).toEqual({ kind: 'fixed', duration: { unit: 'minutes', amount: 1500 }, text: '1500' });
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
      duration: { unit: 'days', amount: 7 },
      text: 'Maksimal 7 hari setelah pelaksanaan kegiatan',
    });
    expect(parseWaktu('paling lambat 3 hari sesudah rapat')).toMatchObject({
      kind: 'after-anchor',
      duration: { unit: 'days', amount: 3 },
    });
  });

  it('tolerates extra spaces and case', () => {
    expect(parseWaktu('  2   HARI ')).toEqual({ kind: 'fixed', duration: { unit: 'days', amount: 2 }, text: '2   HARI' });
    expect(parseWaktu('2hari')).toMatchObject({ duration: { unit: 'days', amount: 2 } });
  });

  it('a decimal hour is still whole minutes', () => {
    expect(parseWaktu('1,5 jam')).toMatchObject({ duration: { unit: 'minutes', amount: 90 } });
  });

  it('no time standard written', () => {
    expect(parseWaktu(undefined)).toEqual({ kind: 'none' });
    expect(parseWaktu('')).toEqual({ kind: 'none' });
    expect(parseWaktu(' - ')).toEqual({ kind: 'none' });
  });
});

describe('parseWaktu under the PUPR conversion table', () => {
  it.each([
    ['10 menit', 10],
    ['1 Jam', 60],
    ['1 Hari', 300],
    ['2 hari', 600],
    ['1 Minggu', 1500],
    ['1500', 1500],
    ['1,5 hari', 450],
  ] as const)('%s → %i working minutes', (raw, amount) => {
    expect(parseWaktu(raw, PUPR)).toEqual({ kind: 'fixed', duration: { unit: 'minutes', amount }, text: raw });
  });

  it('a relative SLA is converted too', () => {
    expect(parseWaktu('Maksimal 7 hari setelah pelaksanaan kegiatan', PUPR)).toMatchObject({
      kind: 'after-anchor',
      duration: { unit: 'minutes', amount: 2100 },
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
    expect(describeDuration({ unit: 'days', amount: 2 })).toBe('2 hari kerja');
    expect(describeDuration({ unit: 'minutes', amount: 90 })).toBe('90 menit kerja');
  });
});
