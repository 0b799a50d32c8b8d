/**
 * Prepared statements for PGlite, as postgres.js has them on a real server.
 *
 * PGlite's own `query()` parses, plans and describes every statement anew and talks to its
 * WebAssembly Postgres in six separate protocol calls (parse, describe, bind, describe, execute,
 * sync). Planning was about 45% of a statement's time, and the calls themselves most of the rest:
 * a press's lock-and-read transaction took 1.6 ms that way and 0.6 ms with a statement prepared
 * once and then run in one call (bind, execute, sync). On the embedded database every statement
 * of the service waits behind the one before, so this is what fifty people pressing at once wait
 * for (docs/speed.md).
 *
 * `installPreparedStatements` replaces `query` on the PGlite instance and on each transaction it
 * opens, keeping everything else of `query()` as it was: the same locks (one statement at a time,
 * none beside a transaction), the same parameter serializers chosen by the parameter types the
 * server reports, the same row parsers and result shape, the same errors, the same flush to disk
 * after a statement outside a transaction. Options it does not handle (blobs, notice callbacks,
 * declared parameter types) go to PGlite's own `query()`.
 */
import { parse, protocol, type PGlite, type QueryOptions, type Results, type Transaction } from '@electric-sql/pglite';

/** Statements kept prepared, least recently used closed first: each holds a plan in a heap that never shrinks. */
export const PREPARED_LIMIT = 100;

type Message = Parameters<typeof parse.parseResults>[0][number];

interface Statement {
  name: string;
  paramTypes: number[];
  /** The server's description of its rows (none for a statement that returns none). */
  rows: Message | undefined;
}

type Query = <T>(text: string, params?: unknown[], options?: QueryOptions) => Promise<Results<T>>;

const HANDLED_OPTIONS = new Set(['rowMode', 'parsers', 'serializers']);

/** Commands that read or write rows and leave the schema as it was; any other forgets every kept statement. */
const ROW_COMMANDS = new Set(['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'MERGE', 'COPY', 'FETCH', 'MOVE', 'VALUES', 'SHOW', 'SET', 'RESET', 'LOCK', 'SAVEPOINT', 'RELEASE', 'ROLLBACK', 'NOTIFY', 'LISTEN', 'UNLISTEN']);

/** SQLSTATEs after which a kept statement cannot be used again: it is gone, or its result type changed. */
const STALE_STATEMENT = new Set(['26000', '0A000']);

export interface PreparedStatements {
  /** Statements prepared now. */
  readonly size: number;
  /** Statements run on a statement prepared before (for tests and the benchmark). */
  readonly reused: number;
}

export function installPreparedStatements(pg: PGlite): PreparedStatements {
  const statements = new Map<string, Statement>();
  /** Statements dropped from the map but not yet closed on the server: closed with the next preparation. */
  const unclosed: string[] = [];
  let counter = 0;
  let reused = 0;
  const pglite = pg as PGlite & { query: Query };
  const ownQuery: Query = pglite.query.bind(pg);
  const ownTransaction = pg.transaction.bind(pg);

  const handled = (options: QueryOptions | undefined) =>
    !options || Object.keys(options).every((k) => HANDLED_OPTIONS.has(k) || (options as Record<string, unknown>)[k] === undefined);

  /** One exchange with the server: all of `messages` and a Sync, so a failure leaves it ready for the next. */
  const exchange = async (messages: Uint8Array[]): Promise<Message[]> => {
    const parts = [...messages, protocol.serialize.sync()];
    const buffer = new Uint8Array(parts.reduce((n, m) => n + m.length, 0));
    let at = 0;
    for (const m of parts) {
      buffer.set(m, at);
      at += m.length;
    }
    return (await pg.execProtocolStream(buffer, { syncToFs: false })) as unknown as Message[];
  };

  const forget = (text: string) => {
    const statement = statements.get(text);
    if (!statement) return;
    statements.delete(text);
    unclosed.push(statement.name);
  };

  /**
   * After a change of the schema every kept statement is forgotten. The server would plan them
   * again, but keep the parameter types it inferred at their preparation (a value for a column
   * changed from integer to text would still be read as an integer), and refuse, inside a
   * transaction, one whose rows changed shape. PGlite has one session, so every change of the
   * schema passes through here: a statement whose command is not plain reading or writing of
   * rows, or anything sent through exec() (migrations are).
   */
  const forgetAll = () => {
    for (const text of [...statements.keys()]) forget(text);
  };

  /** A statement's result, after which every kept statement is forgotten if it changed the schema. */
  const checked = <T>(result: Results<T>): Results<T> => {
    const { command } = result as Results<T> & { command?: string };
    if (command !== undefined && !ROW_COMMANDS.has(command)) forgetAll();
    return result;
  };

  const prepare = async (text: string): Promise<Statement> => {
    const known = statements.get(text);
    if (known) {
      // Most recently used last.
      statements.delete(text);
      statements.set(text, known);
      reused++;
      return known;
    }
    while (statements.size >= PREPARED_LIMIT) forget(statements.keys().next().value as string);
    // Closing a statement the server no longer has is no error, so these go out unconditionally.
    const closing = unclosed.splice(0).map((name) => protocol.serialize.close({ type: 'S', name }));
    const name = `sopbot_${++counter}`;
    const replies = await exchange([...closing, protocol.serialize.parse({ name, text }), protocol.serialize.describe({ type: 'S', name })]);
    const statement: Statement = {
      name,
      paramTypes: parse.parseDescribeStatementResults(replies),
      rows: replies.find((m) => m.name === 'rowDescription'),
    };
    statements.set(text, statement);
    return statement;
  };

  const execute = async (text: string, params: unknown[], options: QueryOptions | undefined): Promise<{ replies: Message[]; statement: Statement }> => {
    const statement = await prepare(text);
    const values = params.map((value, i) => {
      if (value === null || value === undefined) return null;
      const type = statement.paramTypes[i]!;
      const serialize = options?.serializers?.[type] ?? pg.serializers[type];
      return serialize ? serialize(value) : String(value);
    });
    try {
      return { replies: await exchange([protocol.serialize.bind({ statement: statement.name, values }), protocol.serialize.execute({})]), statement };
    } catch (e) {
      if (STALE_STATEMENT.has(String((e as { code?: unknown }).code))) forget(text);
      throw e;
    }
  };

  const run = <T>(text: string, params: unknown[], options: QueryOptions | undefined, inTransaction: boolean): Promise<Results<T>> =>
    pg._runExclusiveQuery(async () => {
      let done: { replies: Message[]; statement: Statement };
      try {
        const cached = statements.has(text);
        done = await execute(text, params, options).catch((e: unknown) => {
          // Outside a transaction nothing was done yet: prepare it again and run it once more.
          // Inside one the failure has ended the transaction, which fails as it would have.
          if (cached && !inTransaction && !statements.has(text)) return execute(text, params, options);
          throw e;
        });
      } catch (e) {
        // As PGlite's own query() reports a failed statement.
        if (e instanceof Error && 'code' in e) Object.assign(e, { query: text, params, queryOptions: options });
        throw e;
      }
      if (!inTransaction) await pg.syncToFs();
      // PGlite's own reading of the replies, with the rows described once at preparation.
      const replies = done.statement.rows ? [done.statement.rows, ...done.replies] : done.replies;
      return checked(parse.parseResults(replies, pg.parsers, options)[0] as Results<T>);
    });

  pglite.query = (<T>(text: string, params?: unknown[], options?: QueryOptions): Promise<Results<T>> => {
    if (!handled(options)) return ownQuery<T>(text, params, options).then(checked);
    return pg._checkReady().then(() => pg._runExclusiveTransaction(() => run<T>(text, params ?? [], options, false)));
  }) as PGlite['query'];

  const ownExec = pg.exec.bind(pg);
  pg.exec = ((...args: Parameters<PGlite['exec']>) => ownExec(...args).finally(forgetAll)) as PGlite['exec'];

  pg.transaction = (<T>(callback: (tx: Transaction) => Promise<T>) =>
    ownTransaction((tx) => {
      const ownTxQuery: Query = tx.query.bind(tx);
      const ownTxExec = tx.exec.bind(tx);
      const prepared = Object.create(tx, {
        exec: {
          value: (...args: Parameters<Transaction['exec']>) => ownTxExec(...args).finally(forgetAll),
          writable: true,
          configurable: true,
          enumerable: true,
        },
        query: {
          value: <R>(text: string, params?: unknown[], options?: QueryOptions): Promise<Results<R>> => {
            if (!handled(options) || tx.closed) return ownTxQuery<R>(text, params, options).then(checked);
            return run<R>(text, params ?? [], options, true);
          },
          writable: true,
          configurable: true,
          enumerable: true,
        },
      }) as Transaction;
      return callback(prepared);
    })) as PGlite['transaction'];

  return {
    get size() {
      return statements.size;
    },
    get reused() {
      return reused;
    },
  };
}
