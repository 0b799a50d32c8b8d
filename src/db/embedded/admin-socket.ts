/**
 * The CLI beside a running service on the embedded database. PGlite is one process's database:
 * a second process cannot share the folder (see lock.ts), and serving SQL to it over a socket
 * (pglite-socket) mixes the two processes' transactions on PGlite's single session (measured:
 * 26 of 50 CLI transactions ran partly inside the service's). So the service runs the CLI's
 * command itself: the CLI sends its arguments over a local socket, the service runs the same
 * `sopbot` program on its own open database and streams the lines back.
 *
 * The socket lives in the data folder (or, where that path is too long for a Unix socket, in
 * the temporary folder under a name derived from it), readable by its owner only; every request
 * also carries the token from the lock file, which only those who may open the folder can read.
 *
 * One request per connection, newline-delimited JSON:
 *   → {"token": "…", "argv": ["holiday", "add", …], "cwd": "/home/admin", "user": "admin"}
 *   ← {"out": "line"} | {"err": "line"} … then {"exit": 0}
 */
import { createHash } from 'node:crypto';
import { chmod, unlink } from 'node:fs/promises';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { EMBEDDED } from '../../messages/embedded.js';
import { LOCK_FILE, readLock, type DataFolderLock, type LockContent } from './lock.js';

export interface ServedRequest {
  argv: string[];
  /** The CLI's working folder: relative paths in the command are its, not the service's. */
  cwd: string;
  /** The CLI's operating system user, for the audit trail. */
  user?: string;
}
export interface ServedIo {
  out(text: string): void;
  err(text: string): void;
}
export type ServeHandler = (request: ServedRequest, io: ServedIo) => Promise<number>;

export interface AdminSocket {
  path: string;
  /** Stops taking commands and waits (bounded) for those running. */
  close(): Promise<void>;
}

const MAX_REQUEST_BYTES = 1024 * 1024;
const DRAIN_MS = 15_000;

/** Unix sockets take paths of about 100 bytes; a longer data folder gets one in the temporary folder. */
export function socketPathFor(dataDir: string): string {
  const hash = createHash('sha256').update(resolve(dataDir)).digest('hex').slice(0, 16);
  if (process.platform === 'win32') return `\\\\.\\pipe\\sopbot-${hash}`;
  const inFolder = join(resolve(dataDir), 'sopbot.sock');
  return Buffer.byteLength(inFolder) < 100 ? inFolder : join(tmpdir(), `sopbot-${hash}.sock`);
}

export async function startAdminSocket(lock: DataFolderLock, handler: ServeHandler): Promise<AdminSocket> {
  const path = socketPathFor(lock.dir);
  // We hold the folder's lock, so a socket file there is a dead holder's.
  if (process.platform !== 'win32') await unlink(path).catch(() => {});
  const running = new Set<Promise<void>>();
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    const work = serve(socket, lock, handler).finally(() => running.delete(work));
    running.add(work);
  });
  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(path, () => {
      server.off('error', fail);
      done();
    });
  });
  if (process.platform !== 'win32') await chmod(path, 0o600);
  await lock.setSocket(path);
  return {
    path,
    async close() {
      await new Promise<void>((done) => server.close(() => done()));
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([Promise.allSettled([...running]), new Promise((r) => (timer = setTimeout(r, DRAIN_MS)))]);
      clearTimeout(timer);
      for (const s of sockets) s.destroy();
    },
  };
}

async function serve(socket: Socket, lock: DataFolderLock, handler: ServeHandler): Promise<void> {
  const send = (message: object) => {
    if (!socket.destroyed) socket.write(`${JSON.stringify(message)}\n`);
  };
  let request: { token?: unknown; argv?: unknown; cwd?: unknown; user?: unknown };
  try {
    request = JSON.parse(await firstLine(socket)) as typeof request;
  } catch {
    socket.destroy();
    return;
  }
  if (!lock.accepts(request.token)) {
    send({ err: EMBEDDED.badToken });
    send({ exit: 1 });
    socket.end();
    return;
  }
  const argv = Array.isArray(request.argv) ? request.argv.map(String) : [];
  const cwd = typeof request.cwd === 'string' ? request.cwd : process.cwd();
  const user = typeof request.user === 'string' && request.user ? request.user.slice(0, 64) : undefined;
  let exit: number;
  try {
    exit = await handler({ argv, cwd, ...(user ? { user } : {}) }, { out: (text) => send({ out: text }), err: (text) => send({ err: text }) });
  } catch (e) {
    send({ err: EMBEDDED.servedFailed(e instanceof Error ? e.message : String(e)) });
    exit = 2;
  }
  send({ exit });
  socket.end();
}

function firstLine(socket: Socket): Promise<string> {
  return new Promise((done, fail) => {
    let buffered = '';
    const onData = (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      const end = buffered.indexOf('\n');
      if (end >= 0) {
        socket.off('data', onData);
        done(buffered.slice(0, end));
      } else if (buffered.length > MAX_REQUEST_BYTES) fail(new Error('request too large'));
    };
    socket.on('data', onData);
    socket.once('end', () => fail(new Error('closed before a request')));
    socket.once('error', fail);
  });
}

/**
 * Runs a CLI command in the service holding `dir`. 'gone' when that service let go of the folder
 * before taking the command (it stopped): the caller may then open the folder itself.
 */
export async function runServed(dir: string, holder: LockContent, request: ServedRequest, io: ServedIo, waitMs = 60_000): Promise<number | 'gone'> {
  const deadline = Date.now() + waitMs;
  let current = holder;
  let lastError = '';
  for (;;) {
    if (current.socket) {
      const result = await exchange(current.socket, current.token, request, io).catch((e: NodeJS.ErrnoException) => {
        lastError = e.code ?? e.message;
        return undefined;
      });
      if (result !== undefined) return result;
    }
    // Not listening yet (still opening the database) or just stopped: look at the lock again.
    const found = await readLock(join(dir, LOCK_FILE));
    if (!found || found.stale || found.content.token !== holder.token) return 'gone';
    current = found.content;
    if (Date.now() >= deadline) {
      io.err(EMBEDDED.serviceUnreachable(dir, holder, lastError || 'belum siap'));
      return 1;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** undefined result never: rejects when no connection could be made, so the caller may retry. */
function exchange(path: string, token: string, request: ServedRequest, io: ServedIo): Promise<number> {
  return new Promise((done, fail) => {
    const socket = createConnection(path);
    let connected = false;
    let buffered = '';
    let exit: number | undefined;
    socket.once('connect', () => {
      connected = true;
      socket.write(`${JSON.stringify({ token, ...request })}\n`);
    });
    socket.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      let end: number;
      while ((end = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, end);
        buffered = buffered.slice(end + 1);
        const message = JSON.parse(line) as { out?: string; err?: string; exit?: number };
        if (typeof message.out === 'string') io.out(message.out);
        if (typeof message.err === 'string') io.err(message.err);
        if (typeof message.exit === 'number') exit = message.exit;
      }
    });
    socket.on('error', (e) => {
      if (!connected) fail(e);
    });
    socket.on('close', () => {
      if (!connected) return;
      if (exit === undefined) {
        io.err(EMBEDDED.servedInterrupted);
        done(2);
      } else done(exit);
    });
  });
}
