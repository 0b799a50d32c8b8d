/**
 * A fresh, migrated database for one test: PGlite in memory by default, or a new database on
 * the real server named by TEST_DATABASE_URL (dropped afterwards).
 */
import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import postgres from 'postgres';
import { openDatabase, type Database } from '../../src/db/database.js';

export const onRealPostgres = Boolean(process.env.TEST_DATABASE_URL);

export interface TestDatabase extends Database {
  /** postgres:// URL of this test's database (real server only), for a second connection. */
  url?: string;
}

// Starting PGlite and migrating takes seconds; each test file (one worker) keeps one instance
// and empties it between tests instead.
let sharedPglite: Promise<Database> | undefined;

async function emptyPglite(): Promise<TestDatabase> {
  sharedPglite ??= openDatabase({ dataDir: 'memory://' });
  const database = await sharedPglite;
  const tables = (await database.db.execute(sql`select tablename from pg_tables where schemaname = 'public'`)) as unknown as {
    rows: { tablename: string }[];
  };
  const names = tables.rows.map((r) => `"${r.tablename}"`).join(', ');
  if (names) await database.db.execute(sql.raw(`truncate ${names} restart identity cascade`));
  return { ...database, close: async () => {} };
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const serverUrl = process.env.TEST_DATABASE_URL;
  if (!serverUrl) return emptyPglite();

  const name = `sopbot_test_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const database = await openDatabase({ url: url.toString(), maxConnections: 10 });
  return {
    ...database,
    url: url.toString(),
    async close() {
      await database.close();
      const cleanup = postgres(serverUrl, { max: 1, onnotice: () => {} });
      await cleanup.unsafe(`drop database if exists ${name} with (force)`);
      await cleanup.end();
    },
  };
}
