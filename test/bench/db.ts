/**
 * The database of one benchmark run: PGlite in a copy of a migrated data folder, or a fresh
 * database on the server named by BENCH_DATABASE_URL (or TEST_DATABASE_URL), dropped afterwards.
 * Also a raw client beside drizzle, for the hand-written baseline and for set-up in bulk.
 */
import { randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PGlite, Transaction } from '@electric-sql/pglite';
import postgres from 'postgres';
import { openDatabase, type Database } from '../../src/db/database.js';

export type Driver = 'pglite' | 'postgres';

export const serverUrl = (): string | undefined => process.env.BENCH_DATABASE_URL || process.env.TEST_DATABASE_URL || undefined;

/** Statements sent and rows they returned (BEGIN and COMMIT not counted). */
export interface StatementCount {
  statements: number;
  rows: number;
}

export interface BenchDatabase extends Database {
  url?: string;
  /** Runs `fn` in one transaction with plain SQL text and $n parameters on the driver's own client. */
  rawTransaction<T>(fn: (query: RawQuery) => Promise<T>): Promise<T>;
  /** One statement outside a transaction. */
  raw: RawQuery;
  /** What went through the raw client so far. */
  rawCount: StatementCount;
  /** Runs `work` with every statement the service's drizzle client sends counted. */
  countServiceStatements<T>(work: () => Promise<T>): Promise<{ value: T; count: StatementCount }>;
  /**
   * PostgreSQL on this machine: Pss of the server processes serving the service's connections
   * (not the raw client's), summed, MB. Undefined where it cannot be read.
   */
  serverMemory?: () => Promise<{ mb: number; backends: number } | undefined>;
}

export type RawQuery = (text: string, params?: unknown[]) => Promise<Record<string, unknown>[]>;

/** The raw client's connections, told apart from the service's in pg_stat_activity. */
const RAW_APPLICATION = 'sopbot-bench-raw';

/**
 * The service's default is PGlite in a data folder, opened as found after the first start. A
 * first start runs initdb in a second instance whose memory stays with the process, and memory://
 * keeps the files in memory too: either would misstate what a running service holds. So each
 * PGlite run opens its own copy of a folder made (and migrated) once by template.ts.
 */
export async function openBenchDatabase(driver: Driver, options: { maxConnections?: number; pgliteTemplate?: string } = {}): Promise<BenchDatabase> {
  const rawCount: StatementCount = { statements: 0, rows: 0 };
  const counted = (rows: Record<string, unknown>[]) => {
    rawCount.statements++;
    rawCount.rows += rows.length;
    return rows;
  };
  if (driver === 'pglite') {
    let dataDir = 'memory://';
    if (options.pgliteTemplate) {
      // Named by the runner, which removes it should this process be stopped before it could.
      dataDir = process.env.BENCH_PGLITE_DIR || mkdtempSync(join(tmpdir(), 'sopbot-bench-'));
      cpSync(options.pgliteTemplate, dataDir, { recursive: true });
    }
    const database = await openDatabase({ dataDir });
    const session = drizzleSession<PGlite>(database);
    const client = session.client;
    const raw: RawQuery = async (text, params) => counted((await client.query<Record<string, unknown>>(text, params ?? [])).rows);
    return {
      ...database,
      raw,
      rawCount,
      rawTransaction: (fn) => client.transaction((tx) => fn(async (text, params) => counted((await tx.query<Record<string, unknown>>(text, params ?? [])).rows))),
      countServiceStatements: (work) => withCountingClient(session, (count) => countingPglite(client, count), work),
      async close() {
        await database.close();
        if (dataDir !== 'memory://') rmSync(dataDir, { recursive: true, force: true });
      },
    };
  }
  const base = serverUrl();
  if (!base) throw new Error('postgres benchmark without BENCH_DATABASE_URL');
  // Named by the runner, which drops it should this process be stopped before it could.
  const name = process.env.BENCH_PG_DATABASE || benchDatabaseName();
  const admin = postgres(base, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  await admin.end();
  const url = new URL(base);
  url.pathname = `/${name}`;
  const maxConnections = options.maxConnections ?? 10;
  const database = await openDatabase({ url: url.toString(), maxConnections });
  // A pool of its own, as large as the service's: the service's client sits behind a proxy
  // (src/db/database.ts replaces its pool after a lost connection) that does not hand it out.
  const client = postgres(url.toString(), { max: maxConnections, onnotice: () => {}, connection: { application_name: RAW_APPLICATION } });
  // Prepared statements, as the service's queries are (src/db/database.ts) and as a
  // hand-written implementation would have them.
  const run = (c: postgres.Sql | postgres.TransactionSql): RawQuery => async (text, params) =>
    counted((await c.unsafe(text, (params ?? []) as postgres.ParameterOrJSON<never>[], { prepare: true })) as unknown as Record<string, unknown>[]);
  const session = drizzleSession<postgres.Sql>(database);
  const serverMemory = async () => {
    const rows = await client.unsafe<{ pid: number }[]>(
      `select pid from pg_stat_activity
        where datname = current_database() and backend_type = 'client backend' and application_name <> $1`,
      [RAW_APPLICATION],
    );
    let kb = 0;
    for (const { pid } of rows) {
      try {
        kb += Number(/^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))?.[1] ?? Number.NaN);
      } catch {
        // The server is elsewhere, or its processes are not ours to read.
        return undefined;
      }
    }
    return Number.isFinite(kb) ? { mb: Math.round((kb / 1024) * 10) / 10, backends: rows.length } : undefined;
  };
  return {
    ...database,
    url: url.toString(),
    raw: run(client),
    rawCount,
    rawTransaction: (fn) => client.begin((tx) => fn(run(tx))) as Promise<Awaited<ReturnType<typeof fn>>>,
    countServiceStatements: (work) => withCountingClient(session, (count) => countingPostgres(session.client, count), work),
    serverMemory,
    async close() {
      await client.end({ timeout: 5 });
      await database.close();
      const cleanup = postgres(base, { max: 1, onnotice: () => {} });
      await cleanup.unsafe(`drop database if exists ${name} with (force)`);
      await cleanup.end();
    },
  };
}

export const benchDatabaseName = () => `sopbot_bench_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;

/** Drops a benchmark's database on the server (after a benchmark process was stopped). */
export async function dropBenchDatabase(name: string): Promise<void> {
  const base = serverUrl();
  if (!base || !/^sopbot_bench_[a-z0-9_]+$/.test(name)) return;
  const admin = postgres(base, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`drop database if exists ${name} with (force)`);
  } finally {
    await admin.end();
  }
}

/** drizzle's session, whose `client` every query and transaction of the service goes through. */
function drizzleSession<C>(database: Database): { client: C } {
  return (database.db as unknown as { session: { client: C } }).session;
}

async function withCountingClient<C, T>(
  session: { client: C },
  counting: (count: StatementCount) => C,
  work: () => Promise<T>,
): Promise<{ value: T; count: StatementCount }> {
  const original = session.client;
  const count: StatementCount = { statements: 0, rows: 0 };
  session.client = counting(count);
  try {
    return { value: await work(), count };
  } finally {
    session.client = original;
  }
}

function countingPglite(client: PGlite, count: StatementCount): PGlite {
  const wrap = <Q extends PGlite | Transaction>(target: Q): Q =>
    new Proxy(target, {
      get(t, prop, receiver) {
        if (prop === 'query') {
          return async (...args: Parameters<Q['query']>) => {
            const result = await (t.query as (...a: unknown[]) => Promise<{ rows: unknown[] }>)(...args);
            count.statements++;
            count.rows += result.rows.length;
            return result;
          };
        }
        if (prop === 'transaction') {
          return (fn: (tx: Transaction) => Promise<unknown>) => (t as PGlite).transaction((tx) => fn(wrap(tx)));
        }
        const value: unknown = Reflect.get(t, prop, receiver);
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(t) : value;
      },
    });
  return wrap(client);
}

function countingPostgres(client: postgres.Sql, count: StatementCount): postgres.Sql {
  const wrap = <S extends postgres.Sql | postgres.TransactionSql>(target: S): S =>
    new Proxy(target, {
      get(t, prop, receiver) {
        if (prop === 'unsafe') {
          return (...args: Parameters<S['unsafe']>) => {
            const pending = (t.unsafe as (...a: unknown[]) => postgres.PendingQuery<postgres.Row[]>)(...args);
            // drizzle awaits the query itself (or calls .values() on it): count when it is done.
            void Promise.resolve(pending).then(
              (rows) => {
                count.statements++;
                count.rows += rows.length;
              },
              () => {},
            );
            return pending;
          };
        }
        if (prop === 'begin' || prop === 'savepoint') {
          const open = Reflect.get(t, prop, receiver) as (...a: unknown[]) => unknown;
          return (...args: unknown[]) => {
            const body = args.pop() as (tx: postgres.TransactionSql) => unknown;
            return open.call(t, ...args, (tx: postgres.TransactionSql) => body(wrap(tx)));
          };
        }
        return Reflect.get(t, prop, receiver);
      },
    });
  return wrap(client);
}
