/**
 * Entry point: reads the environment, starts the service, stops cleanly on SIGINT/SIGTERM,
 * including a signal that arrives while it is still starting.
 */
import { ConfigError, loadConfig } from './config.js';
import { DataFolderInUseError } from './db/embedded/lock.js';
import { isConnectionFailure, systemErrorOf } from './db/database.js';
import { CLI } from './messages/id.js';
import { describeError } from './cli/doctor.js';
import { createLogger } from './logging.js';
import { startService, type RunningService } from './server.js';

const log = createLogger();
let service: RunningService | undefined;
let stopRequested: string | undefined;

async function stop(signal: string) {
  log.info({ signal }, 'berhenti');
  try {
    await service?.stop();
    process.exit(0);
  } catch (e) {
    log.error({ err: e }, 'gagal berhenti dengan rapi');
    process.exit(1);
  }
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    stopRequested = signal;
    // Still starting: stop as soon as the start has finished, so nothing is left half-open.
    if (service) void stop(signal);
  });
}

try {
  service = await startService(loadConfig(), log);
  if (stopRequested) await stop(stopRequested);
} catch (e) {
  const system = systemErrorOf(e);
  if (e instanceof ConfigError || e instanceof DataFolderInUseError) log.fatal(e.message);
  else if (system && isConnectionFailure(system.code)) log.fatal({ code: system.code }, CLI.databaseUnreachable(describeError(e)));
  else log.fatal({ err: e }, 'gagal memulai');
  process.exit(1);
}
