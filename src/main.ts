/**
 * Entry point: reads the environment, starts the service, stops cleanly on SIGINT/SIGTERM.
 */
import { ConfigError, loadConfig } from './config.js';
import { createLogger } from './logging.js';
import { startService } from './server.js';

const log = createLogger();

try {
  const service = await startService(loadConfig(), log);
  const stop = (signal: string) => {
    log.info({ signal }, 'berhenti');
    service.stop().then(
      () => process.exit(0),
      (e: unknown) => {
        log.error({ err: e }, 'gagal berhenti dengan rapi');
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
} catch (e) {
  if (e instanceof ConfigError) log.fatal(e.message);
  else log.fatal({ err: e }, 'gagal memulai');
  process.exit(1);
}
