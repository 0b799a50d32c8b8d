/**
 * npm run bench: every benchmark on PGlite and, when BENCH_DATABASE_URL (or TEST_DATABASE_URL)
 * names a PostgreSQL server, on a fresh database there too. Each benchmark runs in a process of
 * its own (see child.ts), one after another, each with a time limit, the whole run within a
 * budget. Prints the tables and writes docs/performance.json and docs/performance.md.
 *
 *   npm run bench
 *   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npm run bench
 *   npm run bench -- --only engine,sweep --drivers postgres --out /tmp/bench
 *   npm run bench -- --only sheet --out /tmp/bench   # the SOP sheet: PNG, PDF, a press of Posisi
 *   BENCH_PROFILE_TOP=1 npm run bench -- --only engine   # also prints the 30 functions with the most self time
 *   BENCH_POOL=25 npm run bench -- --only latency          # the service's pool size (default 10, as the service's)
 *   BENCH_DISPATCH_MS=1000 npm run bench -- --only latency # the dispatcher's poll during the presses (default 20 ms)
 */
import { execFileSync, fork } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { arch, availableParallelism, cpus, loadavg, release, tmpdir, totalmem, type } from 'node:os';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import { BENCHES, type BenchName, type BenchOutput, type ChildReport, type MachineInfo, type RunRecord } from './types.js';
import { benchDatabaseName, dropBenchDatabase, serverUrl, type Driver } from './db.js';
import { renderDocument, renderTables } from './report.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..', '..');
/** A benchmark that has not reported by then is stopped and reported as failed (s). */
const CHILD_LIMIT_S: Record<BenchName, number> = { memory: 300, idle: 90, engine: 240, latency: 240, sweep: 240, delivery: 270, sheet: 120, report: 300 };
/** The whole run: benchmarks not started by then are reported as not run (s). */
const BUDGET_S = 15 * 60;

function option(name: string): string[] | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? '').split(',').filter(Boolean) : undefined;
}

async function main() {
  const only = (option('only') ?? [...BENCHES]) as BenchName[];
  for (const b of only) if (!BENCHES.includes(b)) throw new Error(`unknown benchmark ${b}; known: ${BENCHES.join(', ')}`);
  const url = serverUrl();
  const drivers = (option('drivers') ?? (url ? ['pglite', 'postgres'] : ['pglite'])) as Driver[];
  for (const d of drivers) if (d !== 'pglite' && d !== 'postgres') throw new Error(`unknown driver ${d}; known: pglite, postgres`);
  if (drivers.includes('postgres') && !url) throw new Error('--drivers postgres needs BENCH_DATABASE_URL');
  const outDir = resolve(root, option('out')?.[0] ?? 'docs');
  const benches = BENCHES.filter((b) => only.includes(b));

  const started = Date.now();
  const template = mkdtempSync(join(tmpdir(), 'sopbot-bench-template-'));
  const machine: MachineInfo = {
    cpu: cpuModel(),
    cores: availableParallelism(),
    memoryGb: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    os: `${osName()} (${type()} ${release()}, ${arch()})`,
    node: process.version,
    loadAtStart: loadavg().map(round2),
  };
  try {
    if (drivers.includes('pglite')) {
      const out = execFileSync(process.execPath, ['--import', 'tsx', join(here, 'template.ts'), template], { cwd: root, encoding: 'utf8' });
      // "PostgreSQL 18.6 (PGlite 0.5.16) on ..."; the package's version where it does not say.
      const inside = (JSON.parse(out.trim().split('\n').at(-1)!) as { version: string }).version.split(' on ')[0]!;
      const pkg = packageVersion('@electric-sql/pglite');
      machine.pglite = inside.includes(pkg) ? inside : `${pkg} (${inside})`;
    }
    if (drivers.includes('postgres')) machine.postgres = await serverVersion(url!);
    console.log(`sopbot bench · ${machine.cpu} · ${machine.cores} CPU · ${machine.memoryGb} GB · node ${machine.node} · load ${machine.loadAtStart.join(' ')}`);

    const runs: RunRecord[] = [];
    for (const driver of drivers) {
      for (const bench of benches) {
        process.stdout.write(`  ${driver.padEnd(8)} ${bench.padEnd(9)} … `);
        const loadBefore = loadavg()[0]!;
        const left = BUDGET_S - (Date.now() - started) / 1000;
        const pgDatabase = driver === 'postgres' ? benchDatabaseName() : undefined;
        const pgliteDir = driver === 'pglite' ? join(template, '..', `${basename(template)}-${bench}`) : undefined;
        const report: ChildReport =
          left < 30
            ? { bench, driver, ok: false, seconds: 0, error: `not run: the run's ${BUDGET_S / 60} min budget was spent` }
            : await runChild(bench, driver, template, Math.min(CHILD_LIMIT_S[bench], left), { pgDatabase, pgliteDir });
        runs.push({ ...report, loadBefore: round2(loadBefore), loadAfter: round2(loadavg()[0]!) });
        // A process stopped at its time limit leaves its data folder or database behind.
        if (pgliteDir) rmSync(pgliteDir, { recursive: true, force: true });
        if (!report.ok && pgDatabase) await dropBenchDatabase(pgDatabase).catch((e: unknown) => console.error(`could not drop ${pgDatabase}: ${String(e)}`));
        console.log(report.ok ? `${report.seconds} s` : `FAILED (${report.error?.split('\n')[0]})`);
      }
    }

    const args = process.argv.slice(2);
    const output: BenchOutput = {
      generatedAt: new Date().toISOString(),
      command: `${url ? 'BENCH_DATABASE_URL=… ' : ''}npm run bench${args.length ? ` -- ${args.join(' ')}` : ''}`,
      seconds: Math.round((Date.now() - started) / 1000),
      machine,
      drivers,
      benches,
      runs,
    };
    console.log(`\n${renderTables(output)}`);
    console.log(`\nwhole run: ${output.seconds} s`);
    mkdirSync(outDir, { recursive: true });
    writeFileSync(join(outDir, 'performance.json'), `${JSON.stringify(output, null, 2)}\n`);
    writeFileSync(join(outDir, 'performance.md'), renderDocument(output));
    console.log(`written: ${['performance.json', 'performance.md'].map((f) => relative(process.cwd(), join(outDir, f))).join(', ')}`);
    if (runs.some((r) => !r.ok)) process.exitCode = 1;
  } finally {
    rmSync(template, { recursive: true, force: true });
  }
}

function runChild(
  bench: BenchName,
  driver: Driver,
  template: string,
  limitS: number,
  places: { pgDatabase?: string | undefined; pgliteDir?: string | undefined },
): Promise<ChildReport> {
  return new Promise((resolvePromise) => {
    const child = fork(join(here, 'child.ts'), [bench, driver], {
      cwd: root,
      execArgv: ['--expose-gc', '--import', 'tsx'],
      env: {
        ...process.env,
        BENCH_PGLITE_TEMPLATE: template,
        ...(places.pgDatabase ? { BENCH_PG_DATABASE: places.pgDatabase } : {}),
        ...(places.pgliteDir ? { BENCH_PGLITE_DIR: places.pgliteDir } : {}),
      },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let report: ChildReport | undefined;
    const timer = setTimeout(() => {
      report = { bench, driver, ok: false, seconds: Math.round(limitS), error: `no report within ${Math.round(limitS)} s; stopped` };
      child.kill('SIGKILL');
    }, limitS * 1000);
    child.on('message', (m) => {
      report ??= m as ChildReport;
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolvePromise(report ?? { bench, driver, ok: false, seconds: 0, error: `exited (${signal ?? code}) without a report` });
    });
  });
}

function cpuModel(): string {
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('model name'));
    if (line) return line.split(':')[1]!.trim();
  } catch {
    // Not Linux: the os module's name will do.
  }
  return cpus()[0]?.model ?? 'unknown';
}

function osName(): string {
  try {
    const pretty = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(readFileSync('/etc/os-release', 'utf8'));
    if (pretty) return pretty[1]!;
  } catch {
    // Not Linux.
  }
  return process.platform;
}

function packageVersion(name: string): string {
  return (JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
}

async function serverVersion(url: string): Promise<string> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const [row] = await sql<{ v: string }[]>`select version() as v`;
    return row!.v.split(' on ')[0]!;
  } finally {
    await sql.end();
  }
}

const round2 = (n: number) => Math.round(n * 100) / 100;

void main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
