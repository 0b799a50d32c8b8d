/**
 * A service core for tests: a fresh test database with the catalog registered, a files folder,
 * and a config from the given environment. The database stays the caller's to close.
 */
import { join } from 'node:path';
import type { Core } from '../../src/bootstrap.js';
import { loadConfig } from '../../src/config.js';
import { catalogDir, loadCatalog } from '../../src/sop/loader.js';
import { LocalFileStore } from '../../src/storage/files.js';
import { WorkflowService } from '../../src/service/workflow-service.js';
import { createTestDatabase, type TestDatabase } from './db.js';

export async function createTestCore(options: {
  dir: string;
  env?: Record<string, string>;
  database?: TestDatabase;
  filesDir?: string;
  clock?: () => Date;
}): Promise<Core & { database: TestDatabase }> {
  const database = options.database ?? (await createTestDatabase());
  const service = new WorkflowService(database.db, options.clock ? { clock: options.clock } : {});
  await service.registerDefinitions((await loadCatalog(catalogDir())).definitions);
  return {
    config: loadConfig({ SOPBOT_DATA_DIR: options.dir, ...options.env }),
    database,
    service,
    files: new LocalFileStore(options.filesDir ?? join(options.dir, 'files')),
    catalogFailures: [],
    close: async () => {},
  };
}
