/**
 * The database goes away between a new connection's handshake and its first answer. The query
 * that was waiting fails, and nothing else: no stray rejection that would end the service.
 */
import { sql } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../src/db/database.js';
import { createTestDatabase, onRealPostgres, type TestDatabase } from '../support/db.js';
import { Relay } from '../support/relay.js';

let direct: TestDatabase | undefined;
let viaRelay: Database | undefined;
let relay: Relay | undefined;

afterEach(async () => {
  await viaRelay?.close();
  await relay?.down();
  await direct?.close();
  viaRelay = relay = direct = undefined;
});

describe('a connection lost right after its handshake', () => {
  it.skipIf(!onRealPostgres)('fails the waiting query, leaves no unhandled rejection, and recovers', async () => {
    direct = await createTestDatabase();
    const target = new URL(direct.url!);
    relay = await Relay.start({ host: target.hostname, port: Number(target.port) });
    const url = new URL(direct.url!);
    url.port = String(relay.port);
    viaRelay = await openDatabase({ url: url.toString(), maxConnections: 1, migrate: false });

    const stray: unknown[] = [];
    const collect = (reason: unknown) => stray.push(reason);
    process.on('unhandledRejection', collect);
    try {
      relay.cutAtFirstQuery();
      await expect(viaRelay.db.execute(sql`select 1 as one`)).rejects.toThrow();
      // A stray rejection surfaces on a later turn of the event loop; give it several.
      await new Promise((r) => setTimeout(r, 500));
      expect(stray).toEqual([]);
    } finally {
      process.off('unhandledRejection', collect);
    }

    await relay.up();
    const rows = (await viaRelay.db.execute(sql`select 1 as one`)) as unknown as { one: number }[];
    expect(rows[0]?.one).toBe(1);
  }, 30_000);
});
