/**
 * Fifty presses arrive in one getUpdates answer: their "claim this update" statements go to the
 * database together, while a lone press is written on its own at once.
 */
import { describe, expect, it } from 'vitest';
import { Coalescer } from '../../src/channels/coalesce.js';

/** A write that records each batch it was given and answers when told to. */
function recordingWrite() {
  const batches: string[][] = [];
  const waiting: (() => void)[] = [];
  const write = (keys: string[]) => {
    batches.push(keys);
    return new Promise<string[]>((resolve) => waiting.push(() => resolve(keys.map((k) => `ok:${k}`))));
  };
  const release = () => waiting.splice(0).forEach((go) => go());
  return { batches, write, release };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('coalescing small statements', () => {
  it('writes a lone call by itself, and the calls made meanwhile together in the next statement', async () => {
    const { batches, write, release } = recordingWrite();
    const c = new Coalescer(write);
    const first = c.call('u1');
    await tick();
    expect(batches).toEqual([['u1']]);

    // Three presses arrive while the first statement is still at the database.
    const later = [c.call('u2'), c.call('u3'), c.call('u4')];
    await tick();
    expect(batches).toHaveLength(1);
    release();
    expect(await first).toBe('ok:u1');
    await tick();
    expect(batches).toEqual([['u1'], ['u2', 'u3', 'u4']]);
    release();
    expect(await Promise.all(later)).toEqual(['ok:u2', 'ok:u3', 'ok:u4']);
  });

  it('never puts more than the limit in one statement', async () => {
    const { batches, write, release } = recordingWrite();
    const c = new Coalescer(write, 2);
    const all = Promise.all(['a', 'b', 'c', 'd', 'e'].map((k) => c.call(k)));
    for (let i = 0; i < 5; i++) {
      await tick();
      release();
    }
    expect(await all).toEqual(['ok:a', 'ok:b', 'ok:c', 'ok:d', 'ok:e']);
    expect(batches).toEqual([['a', 'b'], ['c', 'd'], ['e']]);
  });

  it('fails every call of a failed statement, as each alone would have failed, and goes on with the next', async () => {
    let fail = true;
    const c = new Coalescer(async (keys: string[]) => {
      if (fail) throw new Error('koneksi terputus');
      return keys;
    });
    const failed = [c.call('x'), c.call('y')].map((p) => p.then(() => 'ok', (e: Error) => e.message));
    expect(await Promise.all(failed)).toEqual(['koneksi terputus', 'koneksi terputus']);
    fail = false;
    expect(await c.call('z')).toBe('z');
  });

  it('refuses an answer that does not match the batch, rather than answering calls with the wrong results', async () => {
    const c = new Coalescer(async (keys: string[]) => keys.slice(1));
    await expect(c.call('solo')).rejects.toThrow(/answered 0 of 1/);
  });
});
