/**
 * The service as the crash story runs it in a child process: exactly what src/main.ts starts
 * (configuration from the environment, every part of startService), with two settings a test
 * needs: a short delivery lease (REL_LEASE_MS), so a delivery claimed by a killed process is
 * taken up again within seconds instead of the production two minutes, and a fast dispatcher
 * poll. The cron scheduler stays off: its notices have their own dedupe keys and tests.
 * SIGTERM stops cleanly; SIGKILL is what the story is about.
 */
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logging.js';
import { startService } from '../../src/server.js';

const log = createLogger();
const service = await startService(loadConfig(), log, {
  startScheduler: false,
  dispatcher: { intervalMs: 20, leaseMs: Number(process.env.REL_LEASE_MS ?? 3000), backoff: { baseMs: 200, capMs: 2000 } },
});
process.once('SIGTERM', () => {
  void service.stop().then(
    () => process.exit(0),
    () => process.exit(1),
  );
});
