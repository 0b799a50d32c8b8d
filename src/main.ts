/**
 * The service: database (PGlite in ./data unless DATABASE_URL), catalog, HTTP health, and the
 * channels that are configured. Stops cleanly on SIGINT/SIGTERM.
 */
import { sql } from 'drizzle-orm';
import { openCore } from './bootstrap.js';
import { ConfigError, loadConfig } from './config.js';
import { startHttpServer } from './http/server.js';
import { createLogger } from './logging.js';

const log = createLogger();

async function main() {
  const config = loadConfig();
  const core = await openCore(config);
  for (const f of core.catalogFailures) {
    log.error({ file: f.file, errors: f.errors.map((e) => e.message) }, 'definisi SOP tidak dimuat');
  }
  log.info(
    {
      database: core.database.driver,
      dataDir: core.database.driver === 'pglite' ? config.dataDir : undefined,
      sops: core.service.catalog().map((s) => `${s.definition.id}@v${s.version}`),
    },
    'SOP bot berjalan',
  );

  const http = await startHttpServer({
    port: Number(process.env.PORT ?? 8080),
    ready: async () => {
      await core.database.db.execute(sql`select 1`);
      return true;
    },
  });
  log.info({ port: http.port }, 'HTTP siap (/healthz, /readyz)');

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'berhenti');
    await http.close();
    await core.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((e: unknown) => {
  if (e instanceof ConfigError) log.fatal(e.message);
  else log.fatal({ err: e }, 'gagal memulai');
  process.exit(1);
});
