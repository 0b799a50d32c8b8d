/**
 * Two drivers, one schema: PGlite in a data folder by default (nothing to install),
 * postgres.js when DATABASE_URL names a real server. Migrations apply at open. A data folder
 * has one writer at a time (src/db/embedded/lock.ts); its holder is `Database.lock`.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { sql, type ExtractTablesWithRelations } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import * as schema from './schema.js';
import { EMBEDDED } from '../messages/embedded.js';
import { DataFolderLock } from './embedded/lock.js';
import { installPreparedStatements } from './embedded/prepared.js';
import { initialiseInChild, isInitialised, pgliteOptions, removeUnfinished } from './embedded/pglite.js';

export type Schema = typeof schema;
export type Db = PgDatabase<PgQueryResultHKT, Schema>;
export type Tx = PgTransaction<PgQueryResultHKT, Schema, ExtractTablesWithRelations<Schema>>;
/** Anything queries can run on: the database or an open transaction. */
export type Queryable = Db | Tx;

export interface Database {
  db: Db;
  driver: 'pglite' | 'postgres';
  /** PGlite in a data folder: this process holds the folder (and may serve it to the CLI). */
  lock?: DataFolderLock;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** postgres://... — a real server. */
  url?: string;
  /** PGlite data folder; `memory://` for a throw-away database. */
  dataDir?: string;
  /** Pool size for postgres.js. */
  maxConnections?: number;
  /** false: open as found, so `sopbot doctor` can report pending migrations instead of applying them. */
  migrate?: boolean;
  /** Who opens a PGlite folder: said to whoever finds it held, and a service refuses a second service. */
  role?: 'service' | 'cli';
  /** How long to wait for a folder held by a CLI command (they are short) before giving up. */
  lockWaitMs?: number;
}

export const MIGRATIONS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'migrations');

// Any fixed number works; it only has to be the same in every replica.
const MIGRATION_LOCK_KEY = 7_350_235_012;

/** Codes with which a connection to the database fails (postgres.js passes Node's own). */
const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'CONNECT_TIMEOUT']);

/** The operating system's error inside `e` (its causes, an AggregateError's first), if any. */
export function systemErrorOf(e: unknown): { code: string; path?: string } | undefined {
  for (let inner = e, depth = 0; inner instanceof Error && depth < 5; depth++) {
    const { code, path } = inner as Error & { code?: unknown; path?: unknown };
    if (typeof code === 'string') return { code, ...(typeof path === 'string' ? { path } : {}) };
    inner = inner.cause ?? (inner as Error & { errors?: unknown[] }).errors?.[0];
  }
  return undefined;
}

/** Whether an error code means the database server could not be reached. */
export function isConnectionFailure(code: string): boolean {
  return CONNECTION_CODES.has(code);
}

export async function openDatabase(options: DatabaseOptions = {}): Promise<Database> {
  const migrate = options.migrate ?? true;
  if (options.url) return openPostgres(options.url, options.maxConnections ?? 10, migrate);
  const dataDir = options.dataDir ?? './data';
  if (dataDir.startsWith('memory://')) return openPgliteClient(await PGlite.create(pgliteOptions(undefined)), migrate);
  return openPgliteFolder(resolve(dataDir), migrate, options.role ?? 'cli', options.lockWaitMs ?? 15_000);
}

async function openPgliteFolder(dataDir: string, migrate: boolean, role: 'service' | 'cli', waitMs: number): Promise<Database> {
  mkdirSync(dataDir, { recursive: true });
  let client: PGlite | undefined;
  const lock = await DataFolderLock.acquire(dataDir, {
    role,
    waitMs,
    // A CLI asks a running service instead of waiting; a second service is refused outright.
    immediateIfService: true,
    refusal: (holder, waited) =>
      holder.role === 'service' && !waited ? EMBEDDED.serviceRefused(dataDir, holder) : EMBEDDED.busy(dataDir, holder, Math.round(waitMs / 1000)),
    onStale: (previous) => process.emitWarning(EMBEDDED.staleLockTaken(previous), { code: 'SOPBOT_STALE_LOCK' }),
    // Someone took the folder while we were unresponsive for a minute: stop writing to it at once.
    onLost: () => {
      process.emitWarning(EMBEDDED.lockLost, { code: 'SOPBOT_LOCK_LOST' });
      void client?.close().catch(() => {});
    },
  });
  try {
    const pgDir = join(dataDir, 'pglite');
    removeUnfinished(pgDir);
    if (!isInitialised(pgDir)) await initialiseInChild(pgDir);
    client = await PGlite.create(pgliteOptions(pgDir));
    const database = await openPgliteClient(client, migrate).catch(async (e: unknown) => {
      await client?.close().catch(() => {});
      throw e;
    });
    return {
      ...database,
      lock,
      close: async () => {
        try {
          await database.close();
        } finally {
          await lock.release();
        }
      },
    };
  } catch (e) {
    await lock.release();
    throw e;
  }
}

async function openPgliteClient(client: PGlite, migrate: boolean): Promise<Database> {
  const db = drizzlePglite(client, { schema });
  // The folder's lock (or memory://) gives this process the database alone: no lock around migrations.
  if (migrate) await migratePglite(db, { migrationsFolder: MIGRATIONS_DIR });
  // After the migrations, whose statements run once; drizzle looks up query() at every call.
  installPreparedStatements(client);
  return {
    db: db as unknown as Db,
    driver: 'pglite',
    close: () => client.close(),
  };
}

/*
 * fetch_types off: on each new connection postgres.js would first ask the server for its array
 * types, from a promise nobody awaits; when the server goes away right then, that rejection is
 * unhandled and Node ends the process (found by test/integration/connection-loss.test.ts). The
 * schema has no array columns and no query returns an array, so nothing needs those parsers;
 * a future array column must add its own parser or turn this back on.
 */
const CLIENT_OPTIONS = { onnotice: () => {}, fetch_types: false } as const;

async function openPostgres(url: string, max: number, migrate: boolean): Promise<Database> {
  if (migrate) await migrateWithLock(url);
  guardClosedConnectionWrites();
  let client = postgres(url, { ...CLIENT_OPTIONS, max });
  let current = drizzlePostgres(preparing(client), { schema });
  // Callers keep this one object; after a pool reset it speaks through the new pool.
  const db = new Proxy(current, {
    get(_target, property) {
      const value: unknown = Reflect.get(current, property, current);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(current) : value;
    },
  });
  const reset: PoolReset = () => {
    const old = client;
    client = postgres(url, { ...CLIENT_OPTIONS, max });
    current = drizzlePostgres(preparing(client), { schema });
    // The old pool's healthy queries get 5 s to finish; its broken connection is dropped.
    void old.end({ timeout: 5 }).catch(() => {});
  };
  livePools.add(reset);
  return {
    db: db as unknown as Db,
    driver: 'postgres',
    close: () => {
      livePools.delete(reset);
      return client.end({ timeout: 5 });
    },
  };
}

/*
 * postgres.js (3.4.9 and earlier) writes to a connection's socket from a setImmediate. When the
 * connection was closed under a transaction (the database restarted, or ended the backend) and
 * the transaction's next statement, often its rollback, goes to it, that write throws an
 * uncaught "TypeError: Cannot read properties of null (reading 'write')" (porsager/postgres
 * #1154, #1208; not fixed in a release). Left alone it ends the whole service at a database
 * restart. The transaction has already failed with CONNECTION_CLOSED, so the error itself loses
 * nothing, but that connection object is left unable to reconnect; so the process survives this
 * one error and replaces its pools. Every other uncaught exception still ends the process.
 */
type PoolReset = () => void;
const livePools = new Set<PoolReset>();
let guarded = false;

/** The uncaught TypeError of postgres.js writing to a connection it has already closed. */
export function isClosedConnectionWrite(error: unknown): boolean {
  const stack = error instanceof Error ? (error.stack ?? '') : '';
  return error instanceof TypeError && error.message.includes("reading 'write'") && stack.includes('nextWrite') && /[\\/]postgres[\\/]/.test(stack);
}

function guardClosedConnectionWrites(): void {
  if (guarded) return;
  guarded = true;
  process.on('uncaughtException', (error) => {
    if (isClosedConnectionWrite(error)) {
      process.emitWarning('koneksi basis data terputus di tengah transaksi; kumpulan koneksi diganti (postgres.js #1208)', { code: 'SOPBOT_PG_CLOSED_WRITE' });
      for (const reset of livePools) reset();
      return;
    }
    // Nobody else listens: end the process as Node does for an uncaught exception.
    if (process.listenerCount('uncaughtException') === 1) {
      process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exit(1);
    }
  });
}

/**
 * drizzle sends each query with `prepare: false`, and postgres.js runs an unprepared query that
 * has parameters in two round trips (Parse + Describe, wait for the parameter types, then Bind +
 * Execute) and holds back the queries pipelined behind it. A prepared statement, kept per
 * connection after its first use, takes one round trip: every workflow action paid about twice
 * the latency it needed (docs/performance.md). postgres.js re-prepares by itself when a
 * migration invalidates a cached plan. (A pooler in transaction mode, such as PgBouncer before
 * 1.21, cannot keep prepared statements: point DATABASE_URL at Postgres or a session pooler.)
 */
function preparing<T extends postgres.Sql | postgres.TransactionSql>(sql: T): T {
  return new Proxy(sql, {
    get(target, prop, receiver) {
      if (prop === 'unsafe') {
        return (query: string, params?: postgres.ParameterOrJSON<never>[], options?: postgres.UnsafeQueryOptions) =>
          target.unsafe(query, params, { ...options, prepare: true });
      }
      if (prop === 'begin' || prop === 'savepoint') {
        // Transactions and savepoints hand drizzle a new client: wrap that one too.
        const open = Reflect.get(target, prop, receiver) as (...args: unknown[]) => unknown;
        return (...args: unknown[]) => {
          const body = args.pop() as (tx: postgres.TransactionSql) => unknown;
          return open.call(target, ...args, (tx: postgres.TransactionSql) => body(preparing(tx)));
        };
      }
      return Reflect.get(target, prop, receiver);
    },
  });
}

/**
 * drizzle's migrator takes no lock, so two replicas starting together could both apply a
 * migration. A session advisory lock on a one-connection client serialises them.
 */
async function migrateWithLock(url: string): Promise<void> {
  const client = postgres(url, { ...CLIENT_OPTIONS, max: 1 });
  try {
    await client`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`;
    try {
      await migratePostgres(drizzlePostgres(client), { migrationsFolder: MIGRATIONS_DIR });
    } finally {
      await client`select pg_advisory_unlock(${MIGRATION_LOCK_KEY})`;
    }
  } finally {
    await client.end({ timeout: 5 });
  }
}

/** Reachable, and every migration shipped in `migrations/` recorded as applied. */
export async function databaseHealth(db: Db, timeoutMs = 2000): Promise<{ reachable: boolean; migrated: boolean }> {
  // A probe must answer: while the server is away, a query can wait for a connection far longer
  // than any load balancer waits for /readyz. No answer in time counts as unreachable.
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('database health check timed out')), timeoutMs);
  });
  try {
    const query = db.execute(sql`select count(*)::int as n from drizzle.__drizzle_migrations`);
    query.catch(() => {});
    const result = (await Promise.race([query, timedOut])) as unknown as { n: number }[] | { rows: { n: number }[] };
    const applied = Number((Array.isArray(result) ? result : result.rows)[0]?.n ?? 0);
    const journal = JSON.parse(readFileSync(join(MIGRATIONS_DIR, 'meta', '_journal.json'), 'utf8')) as { entries: unknown[] };
    return { reachable: true, migrated: applied >= journal.entries.length };
  } catch {
    return { reachable: false, migrated: false };
  } finally {
    clearTimeout(timer);
  }
}
