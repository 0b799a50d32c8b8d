import { describe, expect, it } from 'vitest';
import { isClosedConnectionWrite } from '../../src/db/database.js';

/** The error postgres.js 3.4.x throws from a setImmediate when it writes to a socket it already closed. */
function closedWriteError(): TypeError {
  const e = new TypeError("Cannot read properties of null (reading 'write')");
  e.stack = [
    "TypeError: Cannot read properties of null (reading 'write')",
    '    at nextWrite (/srv/sopbot/node_modules/postgres/src/connection.js:250:19)',
    '    at process.processImmediate (node:internal/timers:478:21)',
  ].join('\n');
  return e;
}

describe('the one uncaught error the service survives', () => {
  it('is postgres.js writing to a connection it already closed', () => {
    expect(isClosedConnectionWrite(closedWriteError())).toBe(true);
  });

  it('is not the same message from our own code, nor any other error', () => {
    const ours = new TypeError("Cannot read properties of null (reading 'write')");
    ours.stack = `${ours.message}\n    at nextWrite (/srv/sopbot/src/delivery/dispatcher.ts:10:1)`;
    expect(isClosedConnectionWrite(ours)).toBe(false);
    const other = closedWriteError();
    other.message = "Cannot read properties of null (reading 'end')";
    expect(isClosedConnectionWrite(other)).toBe(false);
    expect(isClosedConnectionWrite(new Error('connection closed'))).toBe(false);
    expect(isClosedConnectionWrite("reading 'write'")).toBe(false);
  });
});
