/**
 * Opens what every entry point needs: the database (migrated), the catalog (each definition
 * recorded as a version), the workflow service and the file store.
 */
import type { Config } from './config.js';
import { openDatabase, type Database } from './db/database.js';
import { catalogDir, loadCatalog, type CatalogFailure } from './sop/loader.js';
import { LocalFileStore, type FileStore } from './storage/files.js';
import { WorkflowService } from './service/workflow-service.js';

export interface Core {
  config: Config;
  database: Database;
  service: WorkflowService;
  files: FileStore;
  /** Files of the catalog that did not load; the good ones are registered anyway. */
  catalogFailures: CatalogFailure[];
  close(): Promise<void>;
}

export async function openCore(config: Config, options: { clock?: () => Date; role?: 'service' | 'cli' } = {}): Promise<Core> {
  const database = await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir, role: options.role });
  try {
    const service = new WorkflowService(database.db, { calendar: config.calendar, clock: options.clock });
    const catalog = await loadCatalog(config.catalogDir ?? catalogDir());
    await service.registerDefinitions(catalog.definitions);
    return {
      config,
      database,
      service,
      files: new LocalFileStore(config.filesDir),
      catalogFailures: catalog.failures,
      close: () => database.close(),
    };
  } catch (e) {
    await database.close();
    throw e;
  }
}
