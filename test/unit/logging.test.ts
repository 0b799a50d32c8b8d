/**
 * Secrets never reach the logs: redacted fields, and tokens inside messages and error texts.
 */
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, scrubSecrets } from '../../src/logging.js';

describe('the logger', () => {
  it('hides Telegram and Slack tokens wherever they appear in a line', () => {
    expect(scrubSecrets('GET https://api.telegram.org/file/bot123456:AAH-abcdefghijklmnopqrstuv/documents/a.pdf failed')).toBe(
      'GET https://api.telegram.org/file/[disembunyikan]/documents/a.pdf failed',
    );
    expect(scrubSecrets('auth with xoxb-1-2-abc and xapp-1-A-xyz')).toBe('auth with [disembunyikan] and [disembunyikan]');
  });

  it('scrubs objects and messages before they are written', () => {
    const written: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        written.push(chunk.toString());
        done();
      },
    });
    const log = createLogger('info', sink);
    log.error({ err: { message: 'fetch https://x/file/bot99:ZZZZZZZZZZZZZZZZZZZZZZZZ/a failed' }, token: 'rahasia' }, 'gagal bot99:ZZZZZZZZZZZZZZZZZZZZZZZZ');
    const out = written.join('');
    expect(out).not.toContain('ZZZZZZZZZZZZZZZZZZZZ');
    expect(out).not.toContain('rahasia');
    expect(JSON.parse(out)).toMatchObject({ msg: 'gagal [disembunyikan]', token: '[disembunyikan]', err: { message: 'fetch https://x/file/[disembunyikan]/a failed' } });
  });
});
