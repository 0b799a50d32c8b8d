/**
 * The embedded database keeps its statements prepared (src/db/embedded/prepared.ts). Whatever the
 * service sends must come back exactly as PGlite's own query() returns it, fail as it fails, and
 * keep a transaction to itself; only the time it takes may differ.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PGlite, types } from '@electric-sql/pglite';
import { installPreparedStatements, PREPARED_LIMIT, type PreparedStatements } from '../../src/db/embedded/prepared.js';

let plain: PGlite;
let prepared: PGlite;
let statements: PreparedStatements;

const SCHEMA = `
  create table notes (id bigint generated always as identity primary key, title text not null, body jsonb, at timestamptz, big bigint, ok boolean);
  insert into notes (title, body, at, big, ok) values
    ('Surat tugas', '{"nomor": "800/12"}', '2026-11-30 07:30+07', 9007199254740993, true),
    ('Tanpa isi', null, null, null, null);
`;

beforeAll(async () => {
  [plain, prepared] = await Promise.all([PGlite.create(), PGlite.create()]);
  statements = installPreparedStatements(prepared);
  await plain.exec(SCHEMA);
  await prepared.exec(SCHEMA);
});
afterAll(async () => {
  await Promise.all([plain.close(), prepared.close()]);
});

describe('a statement on the embedded database', () => {
  it('returns what PGlite itself returns: rows, arrays, parsers, counts, parameters of every kind', async () => {
    const cases: [string, unknown[], Parameters<PGlite['query']>[2]?][] = [
      ['select * from notes order by id', []],
      ['select * from notes order by id', [], { rowMode: 'array' }],
      ['select at, big from notes where id = $1', [1], { parsers: { [types.TIMESTAMPTZ]: (v: string) => `teks:${v}` } }],
      ['select $1::jsonb as j, $2::timestamptz as t, $3::bool as b, $4::text as n', [{ a: [1, 'dua'] }, new Date('2026-12-01T01:02:03Z'), false, null]],
      ["insert into notes (title) values ($1), ($2) returning id", ['Ketiga', 'Keempat']],
      ['update notes set ok = $1 where ok is null', [true]],
      ['delete from notes where title = $1', ['Keempat']],
      ['select count(*) from notes', []],
      ["select 'baris' || g as teks from generate_series(1, 3) g", []],
    ];
    for (const [text, params, options] of cases) {
      const [expected, actual] = await Promise.all([plain.query(text, params, options), prepared.query(text, params, options)]);
      expect(actual, text).toEqual(expected);
    }
  });

  it('is prepared once and then reused', async () => {
    const before = statements.reused;
    for (let i = 0; i < 5; i++) await prepared.query('select title from notes where id = $1', [1]);
    expect(statements.reused - before).toBeGreaterThanOrEqual(4);
    const onServer = await prepared.query<{ n: number }>("select count(*)::int as n from pg_prepared_statements where name like 'sopbot_%'");
    expect(onServer.rows[0]!.n).toBe(statements.size);
  });

  it('fails as PGlite fails, and the next statement still works', async () => {
    const failure = (db: PGlite) => db.query('select * from no_such_table where id = $1', [1]).then(() => undefined, (e: unknown) => e as Error & { code?: string; query?: string });
    const [expected, actual] = await Promise.all([failure(plain), failure(prepared)]);
    expect(actual?.code).toBe('42P01');
    expect(actual?.message).toBe(expected?.message);
    expect(actual?.query).toBe(expected?.query);
    const badValue = await prepared.query('select $1::int as n', ['bukan angka']).catch((e: { code?: string }) => e.code);
    expect(badValue).toBe('22P02');
    expect((await prepared.query<{ n: number }>('select $1::int as n', [7])).rows).toEqual([{ n: 7 }]);
  });

  it('inside a transaction sees its own writes, and a failure rolls all of them back', async () => {
    const count = async () => (await prepared.query<{ n: number }>("select count(*)::int as n from notes where title like 'Transaksi%'")).rows[0]!.n;
    await expect(
      prepared.transaction(async (tx) => {
        await tx.query('insert into notes (title) values ($1)', ['Transaksi 1']);
        expect((await tx.query<{ n: number }>("select count(*)::int as n from notes where title like 'Transaksi%'")).rows[0]!.n).toBe(1);
        await tx.query('insert into notes (title) values ($1)', [null]); // not null: fails
      }),
    ).rejects.toMatchObject({ code: '23502' });
    expect(await count()).toBe(0);
    await prepared.transaction(async (tx) => {
      await tx.query('insert into notes (title) values ($1)', ['Transaksi 2']);
    });
    expect(await count()).toBe(1);
  });

  it('outside a transaction waits for the one running, and never runs inside it', async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let inserted!: () => void;
    const didInsert = new Promise<void>((r) => (inserted = r));
    const transaction = prepared.transaction(async (tx) => {
      await tx.query('insert into notes (title) values ($1)', ['Belum tetap']);
      inserted();
      await held;
      await tx.rollback();
    });
    await didInsert;
    // Sent while the transaction holds the database: it must wait, and must not see or join it.
    const outside = prepared.query<{ n: number }>("select count(*)::int as n from notes where title = 'Belum tetap'");
    const early = await Promise.race([outside.then(() => 'answered'), new Promise((r) => setTimeout(() => r('waiting'), 100))]);
    expect(early).toBe('waiting');
    release();
    await transaction;
    expect((await outside).rows[0]!.n).toBe(0);
  });

  it('keeps at most its limit prepared, closing the least recently used', async () => {
    for (let i = 0; i < PREPARED_LIMIT + 20; i++) await prepared.query(`select ${i} as n, $1::text as t`, ['x']);
    expect(statements.size).toBe(PREPARED_LIMIT);
    const onServer = await prepared.query<{ n: number }>("select count(*)::int as n from pg_prepared_statements where name like 'sopbot_%'");
    // The count itself was prepared, closing one more.
    expect(onServer.rows[0]!.n).toBe(PREPARED_LIMIT);
    // An evicted statement is simply prepared again.
    expect((await prepared.query('select 0 as n, $1::text as t', ['lagi'])).rows).toEqual([{ n: 0, t: 'lagi' }]);
  });

  it('prepares again the statements a DEALLOCATE dropped, inside a transaction too', async () => {
    for (const drop of [(db: PGlite) => db.exec('deallocate all'), (db: PGlite) => db.query('deallocate all')]) {
      await prepared.query('select title from notes where id = $1', [2]);
      await drop(prepared);
      expect((await prepared.query('select title from notes where id = $1', [2])).rows).toEqual([{ title: 'Tanpa isi' }]);
      await prepared.query('select id from notes where id = $1', [2]);
      await drop(prepared);
      expect((await prepared.transaction((tx) => tx.query('select id from notes where id = $1', [2]))).rows).toEqual([{ id: 2 }]);
    }
  });

  it('forgets its statements when the schema changes, so none reads a value by an old type or an old shape', async () => {
    const both = async (text: string, params: unknown[] = []) => {
      const [expected, actual] = await Promise.all([plain.query(text, params), prepared.query(text, params)]);
      expect(actual, text).toEqual(expected);
      return actual;
    };
    await both('create table kode (a int)');
    await both('insert into kode (a) values ($1)', ['7']);
    // The column becomes text: a statement prepared for an integer would store '007' as 7.
    await both('alter table kode alter column a type text');
    await both('insert into kode (a) values ($1)', ['007']);
    await both('insert into kode (a) values ($1)', ['abc']);
    expect((await both('select a from kode order by a')).rows).toEqual([{ a: '007' }, { a: '7' }, { a: 'abc' }]);
    // A new column, added through exec() as migrations do: a kept `select *` inside a transaction
    // would fail with "cached plan must not change result type".
    await prepared.query('select * from kode');
    await Promise.all([plain.exec('alter table kode add column b int'), prepared.exec('alter table kode add column b int')]);
    const inTransaction = (db: PGlite) => db.transaction((tx) => tx.query('select * from kode order by a'));
    const [expected, actual] = await Promise.all([inTransaction(plain), inTransaction(prepared)]);
    expect(actual).toEqual(expected);
    // Every statement forgotten was also closed on the server.
    await prepared.query('select $1::int as n', [1]);
    const onServer = await prepared.query<{ n: number }>("select count(*)::int as n from pg_prepared_statements where name like 'sopbot_%'");
    expect(onServer.rows[0]!.n).toBe(statements.size);
  });
});
