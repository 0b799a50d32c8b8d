/**
 * Start-up errors keep their words (issue 12, item 10): the scrubber used to copy an Error's
 * enumerable fields only, so "password authentication failed" and ECONNREFUSED never reached
 * the log. Message and stack stay, with secrets taken out; a failed query's values (what people
 * typed) never reach the log (item 5).
 */
import { connect } from 'node:net';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logging.js';
import { note } from '../reliability/report.js';

function capture() {
  const written: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      written.push(chunk.toString());
      done();
    },
  });
  return { log: createLogger('info', sink), lines: () => written.map((l) => JSON.parse(l) as Record<string, any>) };
}

describe('errors in the log', () => {
  it('keep message and stack: a refused password and a refused connection are named', async (ctx) => {
    note(ctx, { story: 'Bad input', tried: 'start-up errors in the log (issue 12 #10): password authentication failed, ECONNREFUSED', times: 2, held: 'message, code and stack kept (the scrubber kept only enumerable fields)' });
    const { log, lines } = capture();
    const auth = Object.assign(new Error('password authentication failed for user "sopbot"'), { code: '28P01', severity: 'FATAL' });
    log.fatal({ err: auth }, 'gagal memulai');
    const refused = await new Promise<Error>((resolve) => connect(1, '127.0.0.1').on('error', resolve));
    log.fatal({ err: refused }, 'gagal memulai');
    const [a, b] = lines();
    expect(a!.err).toMatchObject({ type: 'Error', message: 'password authentication failed for user "sopbot"', code: '28P01', severity: 'FATAL' });
    expect(a!.err.stack).toContain('logging-errors.test.ts');
    expect(b!.err).toMatchObject({ message: 'connect ECONNREFUSED 127.0.0.1:1', code: 'ECONNREFUSED' });
  });

  it('an error as the first argument, its cause, and an AggregateError (dual-stack connects) keep their words', (ctx) => {
    note(ctx, { story: 'Bad input', tried: 'an Error as the first log argument, with an AggregateError cause', times: 1, held: 'message and the inner errors\' messages kept' });
    const { log, lines } = capture();
    const inner = new Error('connect ECONNREFUSED ::1:5432');
    log.error(new Error('koneksi gagal', { cause: new AggregateError([inner], '') }), 'gagal');
    const [line] = lines();
    expect(line).toMatchObject({ message: 'koneksi gagal', cause: { type: 'AggregateError', errors: [{ message: 'connect ECONNREFUSED ::1:5432' }] } });
  });

  it('secrets are cut from message and stack; a failed query\'s values are not logged at all', (ctx) => {
    note(ctx, { story: 'Bad input', tried: 'a bot token and a connection-string password in an error; a failed query with a NUL file name and a person\'s name in its parameters', times: 2, held: 'token and password cut from message and stack; the query\'s values dropped (params: [disembunyikan]), its statement and cause kept' });
    const { log, lines } = capture();
    const token = new Error('GET https://api.telegram.org/file/bot123456:AAH-abcdefghijklmnopqrstuv/a.pdf gagal; postgres://sopbot:Sandi-Rahasia-9@db:5432/sopbot');
    log.error({ err: token }, 'unduhan gagal');
    const query = Object.assign(new Error('Failed query: insert into "documents" ("file_name", "uploaded_by") values ($1, $2)\nparams: lapo\u0000ran.pdf,Ibu Rahasia Pengguna'), {
      cause: Object.assign(new Error('invalid byte sequence for encoding "UTF8": 0x00'), { parameters: ['lapo\u0000ran.pdf', 'Ibu Rahasia Pengguna'], query: 'insert …' }),
    });
    log.error({ err: query }, 'penanganan update Telegram gagal');
    const text = JSON.stringify(lines());
    expect(text).not.toContain('AAH-abcdefghijklmnopqrstuv');
    expect(text).not.toContain('Sandi-Rahasia-9');
    expect(text).not.toContain('Rahasia Pengguna');
    expect(text).not.toContain('lapo');
    const [, q] = lines();
    expect(q!.err.message).toBe('Failed query: insert into "documents" ("file_name", "uploaded_by") values ($1, $2)\nparams: [disembunyikan]');
    expect(q!.err.cause.message).toBe('invalid byte sequence for encoding "UTF8": 0x00');
  });
});
