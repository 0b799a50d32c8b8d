/**
 * PGlite as the service runs it: in-process, in `<data>/pglite`, with memory settings for a
 * small office server. Figures behind each choice: docs/performance.md, "Memory".
 */
import { fork } from 'node:child_process';
import { existsSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite, type PGliteOptions } from '@electric-sql/pglite';
import { EMBEDDED } from '../../messages/embedded.js';
import { pidAlive } from './lock.js';

/**
 * Postgres settings on top of PGlite's own start parameters (later -c wins). shared_buffers is
 * the one that matters: PGlite's default 128 MB is memory the WebAssembly heap touches as pages
 * are read and never gives back (measured: 325 MB resident for PGlite alone, 165 MB at 16 MB).
 * maintenance_work_mem bounds what a VACUUM or an index build may grow that heap by.
 */
export const PGLITE_SETTINGS: Record<string, string> = {
  shared_buffers: '16MB',
  maintenance_work_mem: '16MB',
};

export function pgliteOptions(pgDir: string | undefined): PGliteOptions {
  const params = Object.entries(PGLITE_SETTINGS).flatMap(([k, v]) => ['-c', `${k}=${v}`]);
  return { ...(pgDir ? { dataDir: pgDir } : {}), startParams: [...PGlite.defaultStartParams, ...params] };
}

/** A folder PGlite has initialised (initdb ran there). */
export function isInitialised(pgDir: string): boolean {
  return existsSync(join(pgDir, 'PG_VERSION'));
}

/**
 * Runs initdb for a new folder in a short-lived child process. PGlite runs initdb in a second
 * WebAssembly instance, and in this process that instance's memory is never returned (a first
 * start held 700 MB, a restart on the same folder 250 MB); a child takes it with it when it exits.
 * The child writes a folder of its own beside the real one (`pglite.new-<its pid>`), renamed into
 * place once complete: a start killed halfway leaves no folder that looks initialised but is not.
 * The caller holds the folder's lock.
 */
export async function initialiseInChild(pgDir: string): Promise<void> {
  const target = resolve(pgDir);
  removeUnfinished(target);
  const here = dirname(fileURLToPath(import.meta.url));
  const script = existsSync(join(here, 'create-folder.js')) ? join(here, 'create-folder.js') : join(here, 'create-folder.ts');
  // From the TypeScript source (tests, development) the child needs tsx, found from the project root.
  const execArgv = script.endsWith('.ts') ? ['--import', 'tsx'] : [];
  const output: string[] = [];
  let fresh: string | undefined;
  const code = await new Promise<number | null>((done, reject) => {
    const child = fork(script, [target], { cwd: join(here, '..', '..', '..'), execArgv, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
    child.stdout?.on('data', (d: Buffer) => output.push(d.toString()));
    child.stderr?.on('data', (d: Buffer) => output.push(d.toString()));
    child.on('message', (m: { created?: string }) => {
      if (typeof m.created === 'string') fresh = m.created;
    });
    child.on('error', reject);
    child.on('exit', (c) => done(c));
  });
  if (code !== 0 || !fresh) {
    if (fresh) rmSync(fresh, { recursive: true, force: true });
    throw new Error(EMBEDDED.initFailed(pgDir, output.join('').trim().split('\n').slice(-3).join(' ') || `kode keluar ${code}`));
  }
  renameSync(fresh, target);
}

/**
 * Removes folders that starts killed during initdb left beside `pgDir` (called under the lock at
 * every open). A child whose parent was killed runs on until its next pause (WebAssembly blocks
 * the event loop); its folder is left alone while it lives and removed at a later open.
 */
export function removeUnfinished(pgDir: string): void {
  const target = resolve(pgDir);
  const prefix = `${basename(target)}.new-`;
  let names: string[];
  try {
    names = readdirSync(dirname(target));
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const pid = Number(name.slice(prefix.length));
    // The child that writes `<pglite>.new-<its pid>` still runs: leave it its folder.
    if (pidAlive(pid)) continue;
    rmSync(join(dirname(target), name), { recursive: true, force: true });
  }
}

