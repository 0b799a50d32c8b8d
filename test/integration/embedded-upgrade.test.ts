/**
 * An agency upgrading in place: the data folder was made by the release before issue 14, which
 * opened PGlite (0.5.x) in `data/pglite` with PGlite's own settings and no lock. The new release
 * opens that folder as it is at the first start, with its memory settings, and nothing is lost.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { drizzle } from 'drizzle-orm/pglite';
import { migrate } from 'drizzle-orm/pglite/migrator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCore } from '../../src/bootstrap.js';
import { loadConfig } from '../../src/config.js';
import { MIGRATIONS_DIR, type Db } from '../../src/db/database.js';
import * as schema from '../../src/db/schema.js';
import * as calendarSettings from '../../src/db/queries/calendar-settings.js';
import { catalogDir, loadCatalog } from '../../src/sop/loader.js';
import { WorkflowService } from '../../src/service/workflow-service.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sopbot-upgrade-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const admin = { channel: 'cli' as const, userId: 'admin', name: 'Admin' };

describe('a data folder made by the previous release', () => {
  it('opens at the first start of the new one, with its memory settings and every record', async () => {
    // Exactly what the previous release's openDatabase did for SOPBOT_DATA_DIR=<dir>/data.
    await mkdir(join(dir, 'data'), { recursive: true });
    const old = new PGlite(join(dir, 'data', 'pglite'));
    const oldDb = drizzle(old, { schema });
    await migrate(oldDb, { migrationsFolder: MIGRATIONS_DIR });
    const oldService = new WorkflowService(oldDb as unknown as Db);
    await oldService.registerDefinitions((await loadCatalog(catalogDir())).definitions);
    const started = await oldService.startCase('pemalang', 'Sebelum pembaruan', admin);
    await calendarSettings.addExtraHoliday(oldDb as unknown as Db, '2027-01-04', 'Uji A');
    expect((await old.query<{ shared_buffers: string }>('show shared_buffers')).rows[0]?.shared_buffers).toBe('128MB');
    await old.close();

    const core = await openCore(loadConfig({ SOPBOT_DATA_DIR: join(dir, 'data') }), { role: 'service' });
    try {
      expect(core.database.driver).toBe('pglite');
      expect(core.database.lock).toBeDefined();
      const client = (core.database.db as unknown as { session: { client: PGlite } }).session.client;
      expect((await client.query<{ shared_buffers: string }>('show shared_buffers')).rows[0]?.shared_buffers).toBe('16MB');
      expect((await calendarSettings.listExtraHolidays(core.database.db)).map((h) => `${h.date} ${h.name}`)).toEqual(['2027-01-04 Uji A']);
      const details = await core.service.caseDetails(started.caseRef);
      expect(details.caseRow.title).toBe('Sebelum pembaruan');
      // And it keeps working on it: the next case gets the next number.
      const next = await core.service.startCase('pemalang', 'Sesudah pembaruan', admin);
      expect(next.caseRef).toBe(started.caseRef.replace(/0001$/, '0002'));
    } finally {
      await core.close();
    }
  }, 120_000);
});
