// Compiles src/ to dist/ when dist/ is missing or was built from other sources, so that
// `npm start` and `npx sopbot` run plain JavaScript: tsx compiles in a loader thread and keeps
// esbuild processes beside it, about 100 MB more resident memory on a small server
// (docs/performance.md, "Memory"). esbuild only strips the types (well under a second);
// `npm test` and `npm run typecheck` check them. `npm run build` (tsc) gives the same dist/.
//   node bin/build.js          builds if needed
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'src');
const dist = join(root, 'dist');
const STAMP = '.sources';

function sources(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sources(path);
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [path] : [];
  });
}

function fingerprint(files) {
  const hash = createHash('sha256');
  for (const f of files) hash.update(relative(src, f)).update('\0').update(readFileSync(f)).update('\0');
  return hash.digest('hex');
}

/** dist/ was built from exactly these sources, or there are none (an image with dist/ only). */
export function isBuilt() {
  if (!existsSync(src)) return true;
  const stamp = join(dist, STAMP);
  return existsSync(stamp) && readFileSync(stamp, 'utf8') === fingerprint(sources(src).sort());
}

/**
 * Builds dist/ if needed, in a process of its own: esbuild keeps a service process and its
 * module beside whoever imports it, memory the service would carry for nothing.
 */
export function ensureBuilt() {
  if (isBuilt()) return;
  const result = spawnSync(process.execPath, [fileURLToPath(import.meta.url)], { stdio: 'inherit' });
  if (result.status !== 0) throw new Error(`building dist/ from src/ failed (node bin/build.js: ${result.status ?? result.signal})`);
}

async function build() {
  if (isBuilt()) return;
  const files = sources(src).sort();
  const stamp = fingerprint(files);
  const esbuild = await import('esbuild');
  const tmp = `${dist}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  await esbuild.build({ entryPoints: files, outdir: tmp, outbase: src, format: 'esm', platform: 'node', target: 'node20', logLevel: 'error' });
  await esbuild.stop();
  writeFileSync(join(tmp, STAMP), stamp);
  // Swapped whole, so a process starting meanwhile never loads half of one build and half of another.
  const old = `${dist}.old-${process.pid}`;
  try {
    if (existsSync(dist)) renameSync(dist, old);
    renameSync(tmp, dist);
  } catch {
    // Another process swapped its build in first: the same sources, so use that one.
  } finally {
    rmSync(tmp, { recursive: true, force: true });
    rmSync(old, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await build();
