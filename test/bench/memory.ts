/**
 * Issue 14's memory check, as an admin meets it: the service started as `npm start` starts it
 * (bin/start.js, compiled JavaScript) on a new data folder, or on a new PostgreSQL database;
 * 30 s after /readyz first answers 200, the resident memory of every process it runs is added
 * up. Meanwhile `sopbot bind list` and `sopbot holiday add 2027-01-04 "Uji"` run as separate
 * processes against the same data, and the service must list the holiday afterwards.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import { openCore, type Core } from '../../src/bootstrap.js';
import { runCli } from '../../src/cli/program.js';
import { loadConfig } from '../../src/config.js';
import { runServed } from '../../src/db/embedded/admin-socket.js';
import type { LockContent } from '../../src/db/embedded/lock.js';
import { startFakeTelegram, type FakeTelegram, type TgChat, type TgUser } from '../support/fake-telegram.js';
import { benchDatabaseName, serverUrl, type Driver } from './db.js';
import { sleep } from './measure.js';
import type { BenchOutput } from './types.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const IDLE_AFTER_READY_S = 30;

export interface MemoryProcess {
  pid: number;
  command: string;
  mb: number;
}

export interface CliRun {
  command: string;
  code: number;
  ms: number;
  out: string;
}

export interface MemoryResult {
  driver: Driver;
  /** From spawning the service to the first 200 from /readyz. */
  startSeconds: number;
  /** Every process of the service's tree, 30 s after ready (Linux /proc; empty elsewhere). */
  processes: MemoryProcess[];
  /** Their resident memory added up, 30 s after ready. */
  idleMb: number;
  /** The highest sum seen, sampled every second from ready to the 30 s mark (the CLI commands fall in it). */
  peakMb: number;
  cli: CliRun[];
  /** `holiday list` afterwards named the holiday added meanwhile. */
  holidaySeen: boolean;
  stopSeconds: number;
  stopCode: number | null;
  /** PostgreSQL on this machine: Pss of the server processes serving the service's connections. */
  serverMb?: number;
  /** A second start, with Telegram, under 50 people pressing at once (see underLoad). */
  load?: LoadFigures;
}

export interface LoadFigures {
  /** Resident memory of the service's processes just before the first press. */
  beforeMb: number;
  /** The highest sum, sampled every 20 ms from the first case started to the last press answered. */
  peakMb: number;
  cases: number;
  presses: number;
  answered: number;
  /** From the first press to the last answer. */
  seconds: number;
}

/** The processes of a tree (pid and every descendant) with their VmRSS, from /proc. */
function tree(pid: number): MemoryProcess[] {
  const found: MemoryProcess[] = [];
  const visit = (p: number) => {
    try {
      const rss = Number(/^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${p}/status`, 'utf8'))?.[1] ?? 0);
      const command = readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ').slice(0, 80);
      found.push({ pid: p, command, mb: Math.round((rss / 1024) * 10) / 10 });
      for (const task of readFileSync(`/proc/${p}/task/${p}/children`, 'utf8').split(' ').filter(Boolean)) visit(Number(task));
    } catch {
      // Exited meanwhile, or not Linux.
    }
  };
  visit(pid);
  return found;
}

const sum = (ps: MemoryProcess[]) => Math.round(ps.reduce((t, p) => t + p.mb, 0) * 10) / 10;

/** On PGlite a new data folder; on PostgreSQL a new, empty database (the service migrates it), dropped afterwards. */
export async function benchMemory(driver: Driver): Promise<MemoryResult> {
  if (driver === 'pglite') return { ...(await measure(driver, undefined)), load: await underLoad(undefined) };
  const base = serverUrl();
  if (!base) throw new Error('postgres benchmark without BENCH_DATABASE_URL');
  const name = process.env.BENCH_PG_DATABASE || benchDatabaseName();
  const admin = postgres(base, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`create database ${name}`);
    await admin.unsafe(`create database ${name}_load`);
    const url = new URL(base);
    url.pathname = `/${name}`;
    const loadUrl = new URL(base);
    loadUrl.pathname = `/${name}_load`;
    const idle = await measure(driver, url.toString(), async () => {
      const rows = await admin.unsafe<{ pid: number }[]>(`select pid from pg_stat_activity where datname = $1 and backend_type = 'client backend'`, [name]);
      let kb = 0;
      for (const { pid } of rows) kb += Number(/^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))?.[1] ?? 0);
      return { mb: Math.round((kb / 1024) * 10) / 10 };
    });
    return { ...idle, load: await underLoad(loadUrl.toString()) };
  } finally {
    await admin.unsafe(`drop database if exists ${name} with (force)`).catch(() => {});
    await admin.unsafe(`drop database if exists ${name}_load with (force)`).catch(() => {});
    await admin.end();
  }
}

async function measure(driver: Driver, databaseUrl: string | undefined, serverMemory?: () => Promise<{ mb: number } | undefined>): Promise<MemoryResult> {
  const dir = mkdtempSync(join(tmpdir(), 'sopbot-bench-memory-'));
  // What a fresh machine has: no settings but the port and the data folder (and the database URL).
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? dir,
    SOPBOT_DATA_DIR: join(dir, 'data'),
    PORT: '0',
    LOG_FORMAT: 'json',
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
  };
  const started = performance.now();
  const child = spawn(process.execPath, ['bin/start.js'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const log: string[] = [];
  child.stdout.on('data', (d: Buffer) => log.push(d.toString()));
  child.stderr.on('data', (d: Buffer) => log.push(d.toString()));
  const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
  try {
    const port = await portOf(log, exited);
    const base = `http://127.0.0.1:${port}`;
    while ((await fetch(`${base}/readyz`).then((r) => r.status, () => 0)) !== 200) await sleep(100);
    const ready = performance.now();
    const startSeconds = Math.round((ready - started) / 100) / 10;

    let peakMb = sum(tree(child.pid!));
    const sampler = setInterval(() => {
      peakMb = Math.max(peakMb, sum(tree(child.pid!)));
    }, 1000);
    const sopbot = (...args: string[]) => run(args, env);
    const cli = await Promise.all([sopbot('bind', 'list'), sopbot('holiday', 'add', '2027-01-04', 'Uji')]);
    const listed = await sopbot('holiday', 'list');
    cli.push(listed);
    const holidaySeen = listed.code === 0 && listed.out.includes('2027-01-04  Uji');

    await sleep(Math.max(0, IDLE_AFTER_READY_S * 1000 - (performance.now() - ready)));
    clearInterval(sampler);
    const processes = tree(child.pid!);
    const idleMb = sum(processes);
    peakMb = Math.max(peakMb, idleMb);
    const server = await serverMemory?.().catch(() => undefined);

    const stopping = performance.now();
    child.kill('SIGTERM');
    const stopCode = await exited;
    return {
      driver,
      startSeconds,
      processes,
      idleMb,
      peakMb,
      cli,
      holidaySeen,
      stopSeconds: Math.round((performance.now() - stopping) / 100) / 10,
      stopCode,
      ...(server ? { serverMb: server.mb } : {}),
    };
  } catch (e) {
    child.kill('SIGKILL');
    throw new Error(`${e instanceof Error ? e.message : String(e)}\n${log.join('').slice(-2000)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The first step's role of each shipped SOP: one Telegram group each. */
const FIRST_ROLES: [sop: string, role: string][] = [
  ['jateng', 'ka_unit'],
  ['kemenkumham', 'jf_madya'],
  ['pemalang', 'kabid'],
  ['pupr', 'kasie'],
  ['tangerang', 'pemohon'],
];
const PER_GROUP = 10;
const LOAD_ROUNDS = 6;

/**
 * The peak under load, of the service alone: the same start (bin/start.js, new folder or new
 * database), now with Telegram pointed at the fake Bot API in this process. Five groups of ten
 * people, one per shipped SOP's first role, bound with `sopbot bind telegram` and /daftar; 60
 * cases per group started with `sopbot case start`; then six rounds in which all 50 people press
 * Selesai on 50 different cards at the same moment, each round once the last is answered. The
 * `sopbot` commands go where an admin's would: on PGlite to the running service over its socket,
 * on PostgreSQL to the database directly. Sampled every 20 ms from the first case to the last
 * answer: the service's whole tree, in another process than the load and the fake Telegram.
 */
async function underLoad(databaseUrl: string | undefined): Promise<LoadFigures> {
  const tg = await startFakeTelegram();
  const dir = mkdtempSync(join(tmpdir(), 'sopbot-bench-load-'));
  const dataDir = join(dir, 'data');
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? dir,
    SOPBOT_DATA_DIR: dataDir,
    PORT: '0',
    LOG_FORMAT: 'json',
    TELEGRAM_BOT_TOKEN: tg.token,
    TELEGRAM_API_ROOT: tg.apiRoot,
    // The load is the presses, not Telegram's limits (the delivery benchmark's subject).
    TELEGRAM_RATE_PER_SECOND: '1000',
    TELEGRAM_RATE_PER_CHAT_PER_MINUTE: '100000',
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
  };
  const child = spawn(process.execPath, ['bin/start.js'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const log: string[] = [];
  // Kept short: the start line is all that is read, and 300 presses log a line each.
  const keep = (d: Buffer) => {
    log.push(d.toString());
    if (log.length > 200) log.splice(0, 100);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
  let core: Core | undefined;
  let sampler: NodeJS.Timeout | undefined;
  try {
    const port = await portOf(log, exited);
    while ((await fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.status, () => 0)) !== 200) await sleep(100);

    const sopbot = async (argv: string[]): Promise<string> => {
      const lines: string[] = [];
      const io = { out: (t: string) => lines.push(t), err: (t: string) => lines.push(t) };
      let code: number | 'gone';
      if (databaseUrl) {
        core ??= await openCore(loadConfig({ DATABASE_URL: databaseUrl, SOPBOT_DATA_DIR: dataDir }));
        code = await runCli(argv, { core, ...io });
      } else {
        const holder = JSON.parse(readFileSync(join(dataDir, 'sopbot.lock'), 'utf8')) as LockContent;
        code = await runServed(dataDir, holder, { argv, cwd: dir }, io);
      }
      if (code !== 0) throw new Error(`sopbot ${argv.join(' ')} → ${code}: ${lines.join('\n')}`);
      return lines.join('\n');
    };

    const groups: { sop: string; role: string; chat: TgChat; people: TgUser[] }[] = [];
    for (const [sop, role] of FIRST_ROLES) {
      const people = Array.from({ length: PER_GROUP }, (_, i) => tg.addUser({ first_name: `Petugas ${role} ${i + 1}` }));
      const chat = tg.addGroup({ title: `Grup ${role}`, members: people });
      const code = /\/daftar (\S+)/.exec(await sopbot(['bind', 'telegram', '--role', role]))?.[1];
      if (!code) throw new Error(`no pairing code for ${role}`);
      tg.userSends(chat, people[0]!, `/daftar ${code}`);
      await tg.waitFor(() => botSaid(tg, chat, 'terdaftar sebagai'), 30_000, `binding of ${role}`);
      groups.push({ sop, role, chat, people });
    }

    let peakMb = 0;
    sampler = setInterval(() => {
      peakMb = Math.max(peakMb, sum(tree(child.pid!)));
    }, 20);
    const cases = LOAD_ROUNDS * PER_GROUP;
    for (const g of groups) for (let i = 0; i < cases; i++) await sopbot(['case', 'start', g.sop, '--title', `Beban ${i + 1}`, '--as', g.role]);
    const cards = new Map<TgChat, { message: NonNullable<ReturnType<FakeTelegram['message']>>; data: string }[]>();
    await tg.waitFor(
      () => {
        for (const g of groups) cards.set(g.chat, pressable(tg, g.chat));
        return groups.every((g) => cards.get(g.chat)!.length >= cases) || undefined;
      },
      180_000,
      'every card in its group',
    );

    const beforeMb = sum(tree(child.pid!));
    const first = performance.now();
    let presses = 0;
    for (let r = 0; r < LOAD_ROUNDS; r++) {
      const batch = groups.flatMap((g) =>
        g.people.map((person, i) => {
          const card = cards.get(g.chat)![r * PER_GROUP + i]!;
          return tg.userPresses(g.chat, person, card.message, card.data);
        }),
      );
      presses += batch.length;
      await tg.waitFor(() => batch.every((q) => tg.callbackAnswers.has(q)) || undefined, 60_000, `round ${r + 1} answered`);
    }
    const seconds = Math.round((performance.now() - first) / 100) / 10;
    clearInterval(sampler);
    peakMb = Math.max(peakMb, sum(tree(child.pid!)));
    child.kill('SIGTERM');
    await exited;
    return { beforeMb, peakMb, cases: cases * groups.length, presses, answered: tg.callbackAnswers.size, seconds };
  } catch (e) {
    child.kill('SIGKILL');
    throw new Error(`under load: ${e instanceof Error ? e.message : String(e)}\n${log.join('').slice(-2000)}`);
  } finally {
    clearInterval(sampler);
    await core?.close();
    await tg.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function botSaid(tg: FakeTelegram, chat: TgChat, text: string): boolean {
  return tg.messagesIn(chat).some((m) => m.from?.id === tg.bot.id && (m.text ?? '').includes(text));
}

/** The bot's cards in a chat that offer Selesai, in the order they arrived. */
function pressable(tg: FakeTelegram, chat: TgChat): { message: NonNullable<ReturnType<FakeTelegram['message']>>; data: string }[] {
  const found = [];
  for (const m of tg.messagesIn(chat)) {
    if (m.from?.id !== tg.bot.id) continue;
    const button = m.reply_markup?.inline_keyboard.flat().find((b) => b.text.includes('Selesai') && b.callback_data);
    if (button?.callback_data) found.push({ message: m, data: button.callback_data });
  }
  return found;
}

async function portOf(log: string[], exited: Promise<number | null>): Promise<number> {
  let gone = false;
  void exited.then(() => (gone = true));
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline && !gone) {
    for (const line of log.join('').split('\n')) {
      if (line.includes('SOP bot berjalan')) return (JSON.parse(line) as { port: number }).port;
    }
    await sleep(100);
  }
  throw new Error(gone ? 'the service exited before it was up' : 'the service was not up within 120 s');
}

/** `npx sopbot ...`, i.e. bin/sopbot.js, as its own process. */
function run(args: string[], env: NodeJS.ProcessEnv): Promise<CliRun> {
  const started = performance.now();
  return new Promise((done) => {
    execFile(process.execPath, ['bin/sopbot.js', ...args], { cwd: root, env }, (error, stdout, stderr) => {
      done({
        command: `sopbot ${args.map((a) => (a.includes(' ') ? `"${a}"` : a)).join(' ')}`,
        code: error ? Number(error.code ?? 1) : 0,
        ms: Math.round(performance.now() - started),
        out: `${stdout}${stderr}`.trim(),
      });
    });
  });
}

/** The issue's memory targets (MB). */
export const MEMORY_TARGETS = { embeddedIdleMb: 250, embeddedPeakMb: 350, postgresIdleMb: 150 } as const;

interface MemoryVerdict {
  what: string;
  target: string;
  figures: Partial<Record<Driver, string>>;
  held?: boolean;
}

function resultOf(out: BenchOutput, driver: Driver): MemoryResult | undefined {
  const run = out.runs.find((r) => r.bench === 'memory' && r.driver === driver);
  return run?.ok ? (run.result as MemoryResult) : undefined;
}

const cliOk = (r: MemoryResult) => r.cli.every((c) => c.code === 0) && r.holidaySeen;

/** Lines of the targets table: idle memory per driver, and the CLI beside the service. */
export function memoryVerdicts(out: BenchOutput): MemoryVerdict[] {
  if (!out.benches.includes('memory')) return [];
  const idle: MemoryVerdict = {
    what: '`npm start`, new data folder / new database: resident memory of all its processes 30 s after ready',
    target: `PGlite ≤ ${MEMORY_TARGETS.embeddedIdleMb} MB; PostgreSQL < ${MEMORY_TARGETS.postgresIdleMb} MB`,
    figures: {},
  };
  const cli: MemoryVerdict = { what: '`sopbot bind list` and `holiday add` while it runs; the service lists the holiday', target: 'both exit 0, holiday seen', figures: {} };
  const peak: MemoryVerdict = {
    what: 'The same service with Telegram, 50 people pressing at once (6 rounds): highest resident memory of its processes',
    target: `PGlite < ${MEMORY_TARGETS.embeddedPeakMb} MB`,
    figures: {},
  };
  const checks: boolean[] = [];
  const cliChecks: boolean[] = [];
  const peakChecks: boolean[] = [];
  for (const d of out.drivers) {
    const r = resultOf(out, d);
    if (!r) {
      idle.figures[d] = cli.figures[d] = 'not measured';
      continue;
    }
    idle.figures[d] = `${r.idleMb.toFixed(0)} MB (${r.processes.length} process${r.processes.length === 1 ? '' : 'es'}; highest ${r.peakMb.toFixed(0)} MB while the CLI ran); ready in ${r.startSeconds} s`;
    checks.push(r.idleMb <= (d === 'pglite' ? MEMORY_TARGETS.embeddedIdleMb : MEMORY_TARGETS.postgresIdleMb - 0.1));
    cli.figures[d] = `${r.cli.map((c) => `${c.command.split(' ').slice(1, 3).join(' ')}: exit ${c.code} in ${c.ms} ms`).join('; ')}; holiday ${r.holidaySeen ? 'seen' : 'NOT seen'}`;
    cliChecks.push(cliOk(r));
    const l = r.load;
    peak.figures[d] = l
      ? `${l.peakMb.toFixed(0)} MB (${l.beforeMb.toFixed(0)} MB before the first press); ${l.answered} of ${l.presses} presses answered in ${l.seconds} s, ${l.cases} cases`
      : 'not measured';
    if (d === 'pglite' && l) peakChecks.push(l.peakMb < MEMORY_TARGETS.embeddedPeakMb && l.answered >= l.presses);
  }
  if (checks.length) idle.held = checks.every(Boolean);
  if (cliChecks.length) cli.held = cliChecks.every(Boolean);
  if (peakChecks.length) peak.held = peakChecks.every(Boolean);
  return [idle, peak, cli];
}

/** The processes behind the idle figure, the CLI runs and the stop. */
export function memoryTables(out: BenchOutput): string[] {
  const rows: string[] = [];
  for (const d of out.drivers) {
    const r = resultOf(out, d);
    if (!r) continue;
    const name = d === 'pglite' ? 'PGlite (embedded, new data folder)' : 'PostgreSQL (new database)';
    const procs = r.processes.map((p) => `${p.mb.toFixed(0)} MB \`${p.command}\``).join(' + ') || '– (no /proc)';
    rows.push(
      `| ${name} | ${r.startSeconds} s | ${procs} | ${r.idleMb.toFixed(0)} | ${r.peakMb.toFixed(0)} | ${r.serverMb !== undefined ? `${r.serverMb.toFixed(0)}` : '–'} | ${r.cli.map((c) => `\`${c.command}\` → ${c.code} (${c.ms} ms)`).join('<br>')} | ${r.stopCode} in ${r.stopSeconds} s |`,
    );
  }
  if (!rows.length) return [];
  return [
    '### Memory of the service as `npm start` runs it (MB, resident; 30 s after ready)',
    [
      '| database | ready after | processes (at 30 s) | sum | highest sum, ready → 30 s | PostgreSQL server, its connections (Pss) | CLI meanwhile (exit code) | SIGTERM → exit |',
      '| --- | --- | --- | --- | --- | --- | --- | --- |',
      ...rows,
    ].join('\n'),
  ];
}
