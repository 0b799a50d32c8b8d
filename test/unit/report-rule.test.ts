/**
 * The rule of "berjalan dengan baik" and the way figures are written for a Kabid: the edges the
 * README states (no run, no waktu, exactly on the threshold), percentiles as PostgreSQL's
 * percentile_cont, Indonesian numbers; and the month a Kabid types after /laporan.
 */
import { describe, expect, it } from 'vitest';
import { decimal, percent, shortKegiatan, workingDuration } from '../../src/messages/report.js';
import { parseMonth } from '../../src/report/build.js';
import { judge, percentile } from '../../src/report/compute.js';
import { DEFAULT_RULE } from '../../src/report/model.js';

describe('the judgment of a step', () => {
  const f = (runs: number, withDue: number, onTime: number, sentBack: number) => ({
    runs,
    withDue,
    onTimeShare: withDue ? onTime / withDue : null,
    sentBackShare: runs ? sentBack / runs : null,
  });

  it('is "baik" at exactly 80% on time and 20% returned, "tidak baik" just past either', () => {
    expect(judge(f(10, 10, 8, 2), DEFAULT_RULE)).toEqual({ judgment: 'baik', basis: 'on-time-and-returns' });
    expect(judge(f(10, 10, 7, 0), DEFAULT_RULE).judgment).toBe('tidak_baik');
    expect(judge(f(10, 10, 10, 3), DEFAULT_RULE).judgment).toBe('tidak_baik');
  });

  it('leaves a step that did not run unjudged, and judges a step without waktu on returns only', () => {
    expect(judge(f(0, 0, 0, 0), DEFAULT_RULE)).toEqual({ judgment: 'tidak_dinilai', basis: 'none' });
    expect(judge(f(4, 0, 0, 0), DEFAULT_RULE)).toEqual({ judgment: 'baik', basis: 'returns-only' });
    expect(judge(f(4, 0, 0, 2), DEFAULT_RULE)).toEqual({ judgment: 'tidak_baik', basis: 'returns-only' });
  });

  it('follows a configured rule', () => {
    expect(judge(f(10, 10, 9, 0), { minOnTimeShare: 0.95, maxReturnShare: 0.2 }).judgment).toBe('tidak_baik');
    expect(judge(f(10, 10, 6, 5), { minOnTimeShare: 0.5, maxReturnShare: 0.5 }).judgment).toBe('baik');
  });
});

describe('figures for people', () => {
  it('interpolates percentiles as percentile_cont does', () => {
    expect(percentile([], 0.5)).toBeNull();
    expect(percentile([5], 0.9)).toBe(5);
    expect(percentile([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(percentile([10, 20, 30, 40, 50, 60, 70, 80, 90, 100], 0.9)).toBe(91);
  });

  it('writes working time with a decimal comma in the unit a reader expects', () => {
    expect(workingDuration(1173, 510)).toBe('2,3 hari kerja');
    expect(workingDuration(510, 510)).toBe('1 hari kerja');
    expect(workingDuration(210, 510)).toBe('3,5 jam kerja');
    expect(workingDuration(45, 510)).toBe('45 menit kerja');
    expect(decimal(12)).toBe('12');
    expect(percent(0.8166)).toBe('82%');
  });

  it('shortens a kegiatan to its first words', () => {
    expect(shortKegiatan('Memutuskan')).toBe('Memutuskan');
    expect(shortKegiatan('Menerima surat permohonan penilaian kompetensi dari instansi pengusul beserta lampirannya')).toBe(
      'Menerima surat permohonan penilaian…',
    );
  });
});

describe('a month as people write it in a chat', () => {
  it('reads "2026-11", "11/2026", "November 2026", "Nop 2026" as one month', () => {
    for (const typed of ['2026-11', ' 2026-11 ', '11/2026', '11-2026', 'November 2026', 'november  2026', 'Nopember 2026', 'Nov 2026', 'nov. 2026']) {
      expect(parseMonth(typed), typed).toBe('2026-11');
    }
    expect(parseMonth('1/2027')).toBe('2027-01');
    expect(parseMonth('Agustus 2027')).toBe('2027-08');
    expect(parseMonth('Mei 2026')).toBe('2026-05');
  });

  it('says null to anything else, so the chat can say what it accepts', () => {
    for (const typed of ['', 'kemarin', '2026', '13/2026', '0/2026', '2026-13', 'November', 'Novembre 2026', '11/26', '2026/11', 'November 2026 lalu', '1999-12']) {
      expect(parseMonth(typed), typed).toBeNull();
    }
  });
});
