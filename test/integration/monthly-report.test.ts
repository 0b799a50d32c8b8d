/**
 * The monthly monitoring report (issue 17): on the first working day of a month, from the
 * digest's hour, the previous month's form goes to the digest role's chats through the outbox,
 * as XLSX and PDF, once per month, however many replicas tick at that moment.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Core } from '../../src/bootstrap.js';
import { fileRenderer } from '../../src/channels/files.js';
import { openDatabase, type Database } from '../../src/db/database.js';
import { addExtraHoliday } from '../../src/db/queries/calendar-settings.js';
import { bindPlace } from '../../src/db/queries/bindings.js';
import * as outbox from '../../src/db/queries/outbox.js';
import { OutboxDispatcher, type Transport } from '../../src/delivery/dispatcher.js';
import { fileSpecOf } from '../../src/delivery/files.js';
import { silentLogger } from '../../src/logging.js';
import { Scheduler } from '../../src/schedule/scheduler.js';
import { WorkflowService } from '../../src/service/workflow-service.js';
import { catalogDir, loadCatalog } from '../../src/sop/loader.js';
import { onRealPostgres } from '../support/db.js';
import { createTestCore } from '../support/test-core.js';
import { sampleSopInput } from '../support/sample-sop.js';
import { sopDefinitionSchema } from '../../src/sop/definition.js';
import { contentHash } from '../../src/sop/loader.js';

/** A moment in WIB, written as people read it. */
const wib = (local: string) => new Date(`${local}:00+07:00`);

let core: Core;
let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sopbot-monthly-'));
  core = await createTestCore({ dir });
});
afterEach(async () => {
  await core.database.close();
  await rm(dir, { recursive: true, force: true });
});

function scheduler(service: WorkflowService = core.service, db = core.database.db) {
  return new Scheduler({ db, service, logger: silentLogger, digest: { role: 'kabid', time: '07:30', timezone: 'Asia/Jakarta' } });
}

async function monthlyKeys(): Promise<string[]> {
  return (await outbox.listOutbox(core.database.db)).filter((r) => r.parentId === null && r.dedupeKey.startsWith('monthly-report:')).map((r) => r.dedupeKey);
}

describe('the first working day of the month', () => {
  it('after a holiday 1st, and after a day the admin declared a holiday, from the digest hour on', async () => {
    const s = scheduler();
    // A case opened in November and still running: December and January each had work to report.
    await startedAt(wib('2026-11-30T09:00'), 'Berjalan lintas bulan');
    // 1 January 2027 is a Friday and Tahun Baru: the first working day is Monday the 4th.
    for (const at of ['2027-01-01T10:00', '2027-01-02T10:00', '2027-01-03T10:00', '2027-01-04T07:29']) {
      expect((await s.tick(wib(at))).monthly, at).toBe(false);
    }
    expect(await monthlyKeys()).toEqual([]);
    expect((await s.tick(wib('2027-01-04T07:30'))).monthly).toBe(true);
    expect(await monthlyKeys()).toEqual(['monthly-report:kabid:2026-12:xlsx', 'monthly-report:kabid:2026-12:pdf']);
    const [xlsx] = (await outbox.listOutbox(core.database.db)).filter((r) => r.dedupeKey === 'monthly-report:kabid:2026-12:xlsx');
    expect(xlsx).toMatchObject({ kind: 'file', role: 'kabid', payload: { render: 'monitoring', from: '2026-12-01', to: '2026-12-31', format: 'xlsx', auto: true } });

    // The unit made Monday 1 February 2027 a holiday of its own: Tuesday the 2nd is the day.
    await addExtraHoliday(core.database.db, '2027-02-01', 'Hari jadi kabupaten');
    const again = scheduler();
    expect((await again.tick(wib('2027-02-01T09:00'))).monthly).toBe(false);
    expect((await again.tick(wib('2027-02-02T08:00'))).monthly).toBe(true);
    // A scheduler started later in the month (a restart) finds it written and writes nothing.
    expect((await scheduler().tick(wib('2027-02-10T08:00'))).monthly).toBe(false);
    expect(await monthlyKeys()).toEqual([
      'monthly-report:kabid:2026-12:xlsx',
      'monthly-report:kabid:2026-12:pdf',
      'monthly-report:kabid:2027-01:xlsx',
      'monthly-report:kabid:2027-01:pdf',
    ]);
  });
});

describe('a month in which nothing ran', () => {
  it('gets no form: a new installation is not sent an empty one, and the next month with work is', async () => {
    const s = scheduler();
    expect((await s.tick(wib('2026-12-01T08:00'))).monthly).toBe(false);
    expect(await monthlyKeys()).toEqual([]);
    await startedAt(wib('2026-12-10T09:00'), 'Kasus pertama');
    expect((await scheduler().tick(wib('2027-01-04T08:00'))).monthly).toBe(true);
    expect(await monthlyKeys()).toEqual(['monthly-report:kabid:2026-12:xlsx', 'monthly-report:kabid:2026-12:pdf']);
  });
});

/** Starts a Pemalang case as if at `at` (the service's clock is the real one). */
async function startedAt(at: Date, title: string) {
  const service = new WorkflowService(core.database.db, { clock: () => at });
  await service.registerDefinitions((await loadCatalog(catalogDir())).definitions);
  return service.startCase('pemalang', title, { channel: 'cli', userId: 'admin', name: 'Admin', role: 'kabid' });
}

describe('one file for several chats', () => {
  it('is drawn once when it does not depend on the moment; a case picture is drawn at every send', async () => {
    let drawn = 0;
    const render = fileRenderer({
      core,
      digestPicture: async (at) => {
        drawn++;
        return scheduler().digestPicture(at);
      },
    });
    const spec = { render: 'digest-chart', at: wib('2026-11-24T08:00').toISOString() } as const;
    const [a, b] = await Promise.all([render(spec), render(spec)]);
    const c = await render(spec);
    expect(drawn).toBe(1);
    expect(a.files[0]!.data.equals(b.files[0]!.data) && b.files[0]!.data.equals(c.files[0]!.data)).toBe(true);
    await render({ ...spec, at: wib('2026-11-25T08:00').toISOString() });
    expect(drawn).toBe(2);

    const { caseId } = await core.service.startCase('pemalang', 'Dua kali', { channel: 'cli', userId: 'admin', name: 'Admin', role: 'kabid' });
    const first = await render({ render: 'case-picture', caseId });
    await core.service.cancelCase((await core.service.caseById(caseId)).ref, 'Uji', { channel: 'cli', userId: 'admin', name: 'Admin', role: 'kabid' });
    const second = await render({ render: 'case-picture', caseId });
    expect(first.caption).toContain('sedang di kegiatan 1');
    expect(second.caption).toContain('ditutup (dibatalkan)');
  });
});

describe('several replicas', () => {
  it.skipIf(!onRealPostgres)('two schedulers ticking at once on the first working day: one report, delivered once to each chat', async () => {
    const url = (core.database as Database & { url?: string }).url!;
    const second = await openDatabase({ url, maxConnections: 5 });
    try {
      const otherService = new WorkflowService(second.db);
      await otherService.registerDefinitions((await loadCatalog(catalogDir())).definitions);
      await bindPlace(core.database.db, { platform: 'telegram', chatId: '-1001', threadId: '' }, 'kabid', 'Grup Kabid');
      await bindPlace(core.database.db, { platform: 'slack', chatId: 'C0KABID', threadId: '' }, 'kabid', '#kabid');

      await startedAt(wib('2026-11-20T09:00'), 'Kasus November');
      // Replica A on one connection pool, replica B on another, ticking at the same moments.
      const [a, b] = [scheduler(), scheduler(otherService, second.db)];
      const at = wib('2026-12-01T07:31');
      const results = await Promise.all([a.tick(at), b.tick(at), a.tick(at), b.tick(at)]);
      expect(results.filter((r) => r.monthly)).not.toHaveLength(0);
      expect(await monthlyKeys()).toEqual(['monthly-report:kabid:2026-11:xlsx', 'monthly-report:kabid:2026-11:pdf']);

      // Each replica's dispatcher sends (the day's digest too); a file is rendered when sent.
      const render = fileRenderer({ core, digestPicture: (when) => a.digestPicture(when) });
      const sent: { replica: string; platform: string; chat: string; file: string; bytes: number }[] = [];
      const replica = (name: string, platform: 'telegram' | 'slack'): Transport => ({
        platform,
        deliver: async (m) => {
          const spec = fileSpecOf(m.payload);
          if (spec?.render !== 'monitoring') return { messageRef: null };
          const files = await render(spec);
          sent.push({ replica: name, platform, chat: m.chatId, file: files.files[0]!.name, bytes: files.files[0]!.data.length });
          return { messageRef: { id: `${name}-${sent.length}` } };
        },
      });
      const dispatchers = [
        new OutboxDispatcher({ db: core.database.db, transports: [replica('a', 'telegram'), replica('a', 'slack')] }),
        new OutboxDispatcher({ db: second.db, transports: [replica('b', 'telegram'), replica('b', 'slack')] }),
      ];
      for (const d of dispatchers) d.start({ intervalMs: 10 });
      const deadline = Date.now() + 30_000;
      while (sent.length < 4 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
      await new Promise((r) => setTimeout(r, 300)); // anything extra would show up now
      await Promise.all(dispatchers.map((d) => d.stop()));

      expect(sent.map((s) => `${s.platform}:${s.chat}:${s.file}`).sort()).toEqual([
        'slack:C0KABID:monev-2026-11.pdf',
        'slack:C0KABID:monev-2026-11.xlsx',
        'telegram:-1001:monev-2026-11.pdf',
        'telegram:-1001:monev-2026-11.xlsx',
      ]);
      expect(sent.every((s) => s.bytes > 1000)).toBe(true);

      const deliveries = (await outbox.listOutbox(core.database.db)).filter((r) => r.parentId !== null && r.dedupeKey.startsWith('monthly-report:'));
      expect(deliveries.map((r) => [r.status, r.attempts])).toEqual([
        ['sent', 1],
        ['sent', 1],
        ['sent', 1],
        ['sent', 1],
      ]);
      // Ticking on through the day and the month adds nothing.
      await Promise.all([a.tick(wib('2026-12-01T09:00')), b.tick(wib('2026-12-02T09:00'))]);
      expect(await monthlyKeys()).toHaveLength(2);
    } finally {
      await second.close();
    }
  }, 60_000);
});

describe('a flowchart longer than one album', () => {
  it('sends the first ten pictures and says in the caption that the PDF holds the rest', async () => {
    const steps = Array.from({ length: 400 }, (_, i) => ({
      id: String(i + 1),
      kegiatan: `Kegiatan panjang nomor ${i + 1}`,
      kind: 'task' as const,
      role: i % 2 ? 'kabid' : 'subkor',
      waktu: '10 menit',
      ...(i < 399 ? { next: String(i + 2) } : { end: 'selesai' as const }),
    }));
    const long = sopDefinitionSchema.parse({ ...sampleSopInput, id: 'panjang', code: 'PJG', identity: { ...sampleSopInput.identity, nama: 'Panjang' }, steps });
    await core.service.registerDefinitions([{ definition: long, contentHash: contentHash(long) }]);
    const rendered = await fileRenderer({ core, digestPicture: async () => Buffer.alloc(0) })({ render: 'sop-picture', sopId: 'panjang' });
    expect(rendered.files).toHaveLength(10);
    const all = Number(/\((\d+) gambar bersambung\)/.exec(rendered.caption)?.[1]);
    expect(all).toBeGreaterThan(10);
    expect(rendered.caption).toBe(`Bagan alur SOP Panjang (${all} gambar bersambung).\nDitampilkan gambar 1–10 dari ${all}; bagan lengkap ada di lembar SOP (PDF).`);
  }, 60_000);
});
