/**
 * The service at rest: catalog loaded, Telegram bot long polling, dispatcher polling every
 * second as in production, scheduler ticking, one group bound; nothing to do for 10 s.
 */
import type { BenchDatabase } from './db.js';
import { sleep } from './measure.js';
import { bindGroupOf, startWorld } from './world.js';

export async function benchIdle(database: BenchDatabase, ready: () => Promise<void>): Promise<{ idleSeconds: number }> {
  const world = await startWorld(database, { startScheduler: true, dispatcher: { intervalMs: 1000 } });
  try {
    await bindGroupOf(world, 'kabid', 1);
    await world.settled();
    await ready();
    await sleep(10_000);
    return { idleSeconds: 10 };
  } finally {
    await world.close();
  }
}
