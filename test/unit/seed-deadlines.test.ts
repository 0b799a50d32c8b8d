/**
 * Every seed's Mutu Baku "Waktu", walked through the shipped calendar (WIB, Perpres 21/2023
 * hours with their breaks, the SKB 3 Menteri dates) on concrete dates, against the deadline a
 * civil servant counts by hand. Each case names the seed row it follows and shows the count.
 *
 * Calendar around the dates used: Senin 23 Nov 2026 … Jumat 27 Nov, Senin 30 Nov; Kamis 24 Des
 * 2026 cuti bersama Natal, Jumat 25 Des Natal; Jumat 1 Jan 2027 Tahun Baru, Selasa 5 Jan Isra
 * Mikraj; Senin 17 Agu 2026 Proklamasi; Rabu 18 – Selasa 24 Mar 2026 Nyepi and Idulfitri.
 */
import { DateTime } from 'luxon';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeCalendar } from '../../src/calendar/calendar.js';
import type { SopDefinition } from '../../src/sop/definition.js';
import { loadCatalog } from '../../src/sop/loader.js';
import { catalogDir } from '../../src/sop/loader.js';
import { deadlineFor, findStep } from '../../src/workflow/engine.js';
import type { TaskState } from '../../src/workflow/model.js';
import { describeWaktu } from '../../src/messages/render.js';

const WIB = makeCalendar({ timezone: 'Asia/Jakarta' });
const defs = new Map<string, SopDefinition>();

beforeAll(async () => {
  for (const d of (await loadCatalog(catalogDir())).definitions) defs.set(d.definition.id, d.definition);
});

const at = (local: string) => DateTime.fromFormat(local, 'yyyy-MM-dd HH:mm', { zone: 'Asia/Jakarta' }).toJSDate();
const local = (d: Date | null) => (d ? DateTime.fromJSDate(d, { zone: 'Asia/Jakarta' }).toFormat('yyyy-MM-dd HH:mm ccc', { locale: 'en' }) : null);

/** The deadline of `step` of `sop` opened at `opened` (local WIB), with earlier visits `tasks`. */
function due(sop: string, stepId: string, opened: string, tasks: TaskState[] = []): string | null {
  const def = defs.get(sop)!;
  return local(deadlineFor(def, findStep(def, stepId), tasks, WIB, at(opened)));
}

/** A finished visit of a step, for a waktu counted from it ("Maksimal 7 hari setelah ..."). */
function done(stepId: string, doneAt: string): TaskState {
  return {
    id: 1, stepId, visit: 1, kind: 'task', roles: [], status: 'completed', openedAt: at(doneAt), dueAt: null, returnReason: null,
    confirmations: [], doneAt: at(doneAt), doneBy: null, action: 'done', branch: null, comment: null, wentTo: null, version: 2,
  };
}

describe('Pemalang (BKDPML/PA/59/2022)', () => {
  it('row 1 "10 menit", opened 11.55 on a Monday: 5 minutes before the break, 5 after it', () => {
    expect(due('pemalang', '1', '2026-11-23 11:55')).toBe('2026-11-23 13:05 Mon');
  });
  it('row 2 "1 Jam", opened 11.00 on a Friday: 30 minutes to 11.30, the Friday break, 30 from 13.00', () => {
    expect(due('pemalang', '2', '2026-11-27 11:00')).toBe('2026-11-27 13:30 Fri');
  });
  it('row 5 "1 Jam", opened 16.00 on a Friday: 30 minutes to 16.30, 30 from Monday 07.30', () => {
    expect(due('pemalang', '5', '2026-11-27 16:00')).toBe('2026-11-30 08:00 Mon');
  });
  it('row 5a "1 Jam", opened 15.30 on Wednesday 23 December: 30 minutes, then cuti bersama, Natal and the weekend', () => {
    expect(due('pemalang', '5a', '2026-12-23 15:30')).toBe('2026-12-28 08:00 Mon');
  });
  it('row 5b "10 menit", opened on 17 Agustus: counts from Tuesday 07.30', () => {
    expect(due('pemalang', '5b', '2026-08-17 09:00')).toBe('2026-08-18 07:40 Tue');
  });
  it('rows 3 and 4 have no waktu; row 9 "menyesuaikan lamanya kegiatan" waits for the actor', () => {
    expect(due('pemalang', '3', '2026-11-23 09:00')).toBeNull();
    expect(due('pemalang', '4', '2026-11-23 09:00')).toBeNull();
    expect(due('pemalang', '9', '2026-11-23 09:00')).toBeNull();
  });
  it('row 10 "Maksimal 7 hari setelah pelaksanaan kegiatan": 7 working days after row 9 was done, Natal skipped', () => {
    // Row 9 done Thursday 17 Dec 10.00: 18, 21, 22, 23 (24 cuti bersama, 25 Natal), 28, 29, 30.
    expect(due('pemalang', '10', '2026-12-21 08:00', [done('9', '2026-12-17 10:00')])).toBe('2026-12-30 10:00 Wed');
  });
});

describe('Tangerang (065/767-VI.01/BKPSDM)', () => {
  it('row 1 "2 hari", opened Thursday 14.00: Friday, Monday → Monday 14.00', () => {
    expect(due('tangerang', '1', '2026-11-26 14:00')).toBe('2026-11-30 14:00 Mon');
  });
  it('row 2 "2 hari", opened Wednesday 11.45: Friday 11.45 is in Friday\'s break, so the morning\'s end, 11.30', () => {
    expect(due('tangerang', '2', '2026-11-25 11:45')).toBe('2026-11-27 11:30 Fri');
  });
  it('row 4 "1 hari", opened Tuesday 17 March 2026: the Nyepi and Idulfitri block (18–24 March) is skipped', () => {
    expect(due('tangerang', '4', '2026-03-17 10:00')).toBe('2026-03-25 10:00 Wed');
  });
  it('row 5 "3 hari", opened Wednesday 23 December: 28, 29, 30 December', () => {
    expect(due('tangerang', '5', '2026-12-23 09:00')).toBe('2026-12-30 09:00 Wed');
  });
  it('row 8 "1 minggu" is five working days', () => {
    expect(due('tangerang', '8', '2026-11-23 10:00')).toBe('2026-11-30 10:00 Mon');
  });
  it('row 9 "2 minggu", opened Monday 14 December: ten working days, cuti bersama and Natal skipped', () => {
    // 15, 16, 17, 18, 21, 22, 23, 28, 29, 30.
    expect(due('tangerang', '9', '2026-12-14 10:00')).toBe('2026-12-30 10:00 Wed');
  });
  it('row 10 "3 hari", opened Thursday 31 December 11.45: 4, 6, 7 January (1 and 5 January are holidays)', () => {
    expect(due('tangerang', '10', '2026-12-31 11:45')).toBe('2027-01-07 11:45 Thu');
  });
});

describe('Kemenkumham (SDM-307-OT.02.02 TAHUN 2024)', () => {
  it('row 1 "10 Menit", opened during the break: counts from 13.00', () => {
    expect(due('kemenkumham', '1', '2026-11-23 12:30')).toBe('2026-11-23 13:10 Mon');
  });
  it('row 2 "3 Hari", opened Friday 16.15: Monday, Tuesday, Wednesday; 16.15 is after Wednesday\'s closing, so 16.00', () => {
    expect(due('kemenkumham', '2', '2026-11-27 16:15')).toBe('2026-12-02 16:00 Wed');
  });
  it('row 3 "1 Hari", opened on a Saturday: counts from Monday 07.30', () => {
    expect(due('kemenkumham', '3', '2026-11-28 09:00')).toBe('2026-12-01 07:30 Tue');
  });
  it('row 7 "17 Hari": seventeen working days', () => {
    // 24, 25, 26, 27, 30 Nov; 1, 2, 3, 4, 7, 8, 9, 10, 11, 14, 15, 16 Dec.
    expect(due('kemenkumham', '7', '2026-11-23 10:00')).toBe('2026-12-16 10:00 Wed');
  });
  it('row 10 "10 Menit", opened Friday 11.25: 5 minutes, the Friday break, 5 from 13.00', () => {
    expect(due('kemenkumham', '10', '2026-11-27 11:25')).toBe('2026-11-27 13:05 Fri');
  });
});

describe('Jateng (SOP 006 Perumusan Kompetensi)', () => {
  it('row 1 has no waktu', () => {
    expect(due('jateng', '1', '2026-11-23 09:00')).toBeNull();
  });
  it('row 2 "10 menit", opened on cuti bersama Natal: counts from Monday 28 December', () => {
    expect(due('jateng', '2', '2026-12-24 09:00')).toBe('2026-12-28 07:40 Mon');
  });
  it('row 3 "3 jam", opened 10.30: 90 minutes before the break, 90 after', () => {
    expect(due('jateng', '3', '2026-11-23 10:30')).toBe('2026-11-23 14:30 Mon');
  });
  it('row 3 "3 jam", opened Friday 14.00: 150 minutes to 16.30, 30 on Monday', () => {
    expect(due('jateng', '3', '2026-11-27 14:00')).toBe('2026-11-30 08:00 Mon');
  });
  it('row 4 "10 menit", opened 15.55: 5 minutes, then 5 the next morning', () => {
    expect(due('jateng', '4', '2026-11-23 15:55')).toBe('2026-11-24 07:35 Tue');
  });
});

describe('PUPR (PUPR-05.02.CFM.04.SOP.IK.004), "1 Hari = 300 menit, 1 Minggu = 1500 menit"', () => {
  it('row 1 "30", opened 11.45: SOP minutes below a day are clock minutes, 15 before the break and 15 after', () => {
    expect(due('pupr', '1', '2026-11-23 11:45')).toBe('2026-11-23 13:15 Mon');
  });
  it('row 2 "1500" is one working week: opened Monday 14.00, due the next Monday 14.00', () => {
    expect(due('pupr', '2', '2026-11-23 14:00')).toBe('2026-11-30 14:00 Mon');
  });
  it('row 3 "600" is two working days: opened Monday 14.00, due Wednesday 14.00', () => {
    expect(due('pupr', '3', '2026-11-23 14:00')).toBe('2026-11-25 14:00 Wed');
  });
  it('row 4 "60", opened Friday 16.00: 30 minutes to 16.30, 30 on Monday', () => {
    expect(due('pupr', '4', '2026-11-27 16:00')).toBe('2026-11-30 08:00 Mon');
  });
  it('row 6 "1500", opened Wednesday 16 December: 17, 18, 21, 22, 23 December', () => {
    expect(due('pupr', '6', '2026-12-16 09:00')).toBe('2026-12-23 09:00 Wed');
  });
  it('row 8 "120", opened Wednesday 23 December 15.00: 60 minutes, then Natal, 60 on Monday 28', () => {
    expect(due('pupr', '8', '2026-12-23 15:00')).toBe('2026-12-28 08:30 Mon');
  });
  it('row 10 "1500", opened Tuesday 11 August: 12, 13, 14, 18, 19 August (17 Agustus skipped)', () => {
    expect(due('pupr', '10', '2026-08-11 10:00')).toBe('2026-08-19 10:00 Wed');
  });
  it('row 11 "30", opened Tuesday 17 March 15.45: 15 minutes, the holiday block, 15 on 25 March', () => {
    expect(due('pupr', '11', '2026-03-17 15:45')).toBe('2026-03-25 07:45 Wed');
  });
  it('shows the converted duration beside what the SOP wrote', () => {
    const def = defs.get('pupr')!;
    expect(describeWaktu(def, findStep(def, '2'))).toBe('1500 (5 hari kerja)');
    expect(describeWaktu(def, findStep(def, '3'))).toBe('600 (2 hari kerja)');
    expect(describeWaktu(def, findStep(def, '4'))).toBe('60 (1 jam kerja)');
    expect(describeWaktu(def, findStep(def, '1'))).toBe('30 (30 menit kerja)');
  });
});
