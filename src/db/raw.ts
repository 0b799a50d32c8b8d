/**
 * Hand-written SQL for the few statements every button press runs, on either driver.
 *
 * drizzle's query builder costs about 1.4 ms of CPU per press (building the SQL of nine
 * statements and mapping their rows), more than the database spends on them
 * (docs/performance.md). The press path therefore writes its SQL once, as text, and still
 * takes every column name, parser and serializer from the drizzle schema, so the schema stays
 * the one description of the tables.
 */
import { getTableColumns, type Column, type Table } from 'drizzle-orm';
import type { Queryable } from './database.js';

export type RawParam = string | number | boolean | null;
export type RawQuery = (text: string, params: readonly RawParam[]) => Promise<Record<string, unknown>[]>;

interface PostgresJsClient {
  unsafe(text: string, params: readonly RawParam[], options: { prepare: boolean }): Promise<Record<string, unknown>[]>;
}
interface PgliteClient {
  query(text: string, params: readonly RawParam[]): Promise<{ rows: Record<string, unknown>[] }>;
}

/**
 * The driver's own client under a drizzle database or transaction. drizzle keeps it at
 * `session.client` for both drivers; if a drizzle upgrade moves it, every press fails loudly
 * here (and every workflow test with it), never quietly.
 */
export function rawQuery(q: Queryable): RawQuery {
  const client = (q as unknown as { session?: { client?: unknown } }).session?.client as Partial<PostgresJsClient & PgliteClient> | undefined;
  if (client && typeof client.unsafe === 'function') {
    const pg = client as PostgresJsClient;
    return (text, params) => pg.unsafe(text, params, { prepare: true });
  }
  if (client && typeof client.query === 'function') {
    const lite = client as PgliteClient;
    return async (text, params) => (await lite.query(text, params)).rows;
  }
  throw new Error('raw SQL: the drizzle session has no postgres.js or PGlite client (drizzle-orm changed its internals?)');
}

/** A value written as SQL rather than sent as a parameter (it may still add parameters). */
export interface SqlFragment {
  render(params: RawParam[]): string;
}

function isFragment(value: unknown): value is SqlFragment {
  return typeof value === 'object' && value !== null && typeof (value as Partial<SqlFragment>).render === 'function';
}

type RowOf<T extends Table> = T['$inferSelect'];

/** A table's columns for hand-written SQL: names, the select list and the row reader. */
export class RawTable<T extends Table> {
  readonly columns: Record<keyof RowOf<T>, Column>;
  /** `"id", "case_id", ...` in the schema's order. */
  readonly selectList: string;
  private readonly entries: [key: string, column: Column][];

  constructor(table: T) {
    this.columns = getTableColumns(table) as unknown as Record<keyof RowOf<T>, Column>;
    this.entries = Object.entries(this.columns as Record<string, Column>);
    this.selectList = this.entries.map(([, c]) => `"${c.name}"`).join(', ');
  }

  /** A row as drizzle would return it: property names from the schema, values parsed by each column. */
  read(row: Record<string, unknown>): RowOf<T> {
    const out: Record<string, unknown> = {};
    for (const [key, column] of this.entries) {
      const value = row[column.name];
      out[key] = value === null || value === undefined ? null : column.mapFromDriverValue(value);
    }
    return out as RowOf<T>;
  }

  name(key: keyof RowOf<T>): string {
    return `"${this.columns[key].name}"`;
  }

  /** A value as the column sends it (dates as ISO text, JSON as text), with its cast; or a fragment's SQL. */
  param(key: keyof RowOf<T>, value: unknown, params: RawParam[]): string {
    if (isFragment(value)) return value.render(params);
    const column = this.columns[key];
    params.push(value === null || value === undefined ? null : (column.mapToDriverValue(value) as RawParam));
    return `$${params.length}::${column.getSQLType()}`;
  }
}

