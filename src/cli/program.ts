/**
 * The `sopbot` admin command. `runCli` is the whole program as a function (argv in, exit code
 * out) so tests drive it in-process exactly as an admin would from the terminal.
 */
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { userInfo } from 'node:os';
import { Command, CommanderError } from 'commander';
import { openCore, type Core } from '../bootstrap.js';
import { DateTime } from 'luxon';
import { makeCalendar } from '../calendar/calendar.js';
import { parseDueInput } from '../calendar/due-input.js';
import { ConfigError, loadConfig } from '../config.js';
import * as channelStore from '../db/channel-store.js';
import { openDatabase, type Database } from '../db/database.js';
import { runServed } from '../db/embedded/admin-socket.js';
import { DataFolderInUseError } from '../db/embedded/lock.js';
import * as store from '../db/store.js';
import { CLI } from '../messages/id.js';
import { renderCase, renderStepTable, renderTaskLine } from '../messages/render.js';
import { catalogDir, loadCatalog, loadDefinitionFile } from '../sop/loader.js';
import { findStep, missingOutputs, uploadSlots } from '../workflow/engine.js';
import { isWorkflowError } from '../workflow/errors.js';
import type { SopDefinition } from '../sop/definition.js';
import type { Actor, TaskCommand } from '../workflow/model.js';
import { DEFAULT_ALLOWED_EXTENSIONS, isAllowedFile, mimeTypeOf } from '../storage/mime.js';
import { FileTooLargeError, LocalFileStore, type FileStore } from '../storage/files.js';
import { buildCaseArchive, DamagedDocumentsError } from './archive.js';
import { checkCatalog, checkDatabase, checkDocuments, databaseDown, describeError, type DoctorResult } from './doctor.js';

export interface CliIo {
  env?: NodeJS.ProcessEnv;
  out?: (text: string) => void;
  err?: (text: string) => void;
  clock?: () => Date;
  /** An already open core (tests, or an embedding program); it is left open afterwards. */
  core?: Core;
  /** Where relative paths (case export, task attach, sop validate) are resolved; the process's folder by default. */
  cwd?: string;
  /** Who runs the command, for the audit trail: the operating system user by default (a served command is the CLI's user). */
  user?: string;
}

/** A failure the admin can fix; printed as is, exit code 1. */
class CliError extends Error {}

export async function runCli(argv: string[], io: CliIo = {}): Promise<number> {
  const out = io.out ?? ((t: string) => process.stdout.write(`${t}\n`));
  const err = io.err ?? ((t: string) => process.stderr.write(`${t}\n`));
  const env = io.env ?? process.env;
  let core: Core | undefined = io.core;
  const withCore = async <T>(fn: (core: Core) => Promise<T>): Promise<T> => {
    core ??= await openCore(loadConfig(env), { clock: io.clock });
    for (const f of core.catalogFailures) err(CLI.catalogFailure(f.file, f.errors.map((e) => e.message)));
    return fn(core);
  };

  const program = new Command('sopbot')
    .description(CLI.description)
    .exitOverride()
    .configureOutput({ writeOut: (s) => out(s.trimEnd()), writeErr: (s) => err(s.trimEnd()) })
    .showHelpAfterError();

  const sop = program.command('sop').description(CLI.sop);
  sop
    .command('list')
    .description(CLI.sopList)
    .action(() =>
      withCore(async ({ service, catalogFailures }) => {
        for (const s of service.catalog()) {
          out(`${s.definition.id.padEnd(14)} ${s.definition.code.padEnd(8)} v${s.version}  ${s.definition.steps.length} kegiatan  ${s.definition.identity.nama}`);
        }
        if (catalogFailures.length) throw new CliError(CLI.catalogHasFailures(catalogFailures.length));
      }),
    );
  sop
    .command('validate')
    .description(CLI.sopValidate)
    .argument('<files...>')
    .action(async (files: string[]) => {
      let bad = 0;
      for (const file of files) {
        const result = await loadDefinitionFile(io.cwd ? resolve(io.cwd, file) : file);
        if (result.ok) out(CLI.validOk(file, result.definition.id, result.definition.steps.length));
        else {
          bad++;
          for (const e of result.errors) err(e.message);
        }
      }
      if (bad) throw new CliError(CLI.invalidFiles(bad, files.length));
    });
  sop
    .command('show')
    .description(CLI.sopShow)
    .argument('<id>')
    .action((id: string) =>
      withCore(async ({ service }) => {
        const s = service.sop(id);
        out(renderStepTable(s.definition, s.version));
      }),
    );

  const kasus = program.command('case').description(CLI.case);
  kasus
    .command('start')
    .description(CLI.caseStart)
    .argument('<sop>')
    .requiredOption('--title <judul>', CLI.optTitle)
    .option('--as <peran>', CLI.optAsStart)
    .action((sopId: string, opts: { title: string; as?: string }) =>
      withCore(async ({ service }) => {
        const def = service.sop(sopId).definition;
        const actor = cliActor(opts.as ? resolveRole(def, opts.as) : undefined, io.user);
        const result = await service.startCase(sopId, opts.title, actor);
        out(CLI.caseStarted(result.caseRef));
        await printOpened(result.caseRef);
      }),
    );
  kasus
    .command('list')
    .description(CLI.caseList)
    .option('--status <status>', 'open | closed')
    .option('--sop <id>')
    .action((opts: { status?: string; sop?: string }) =>
      withCore(async ({ database }) => {
        if (opts.status && opts.status !== 'open' && opts.status !== 'closed') throw new CliError(CLI.badStatus(opts.status));
        const rows = await store.listCases(database.db, { status: opts.status as 'open' | 'closed' | undefined, sopId: opts.sop });
        if (!rows.length) out(CLI.noCases);
        for (const c of rows) out(`${c.ref.padEnd(20)} ${(c.status === 'open' ? 'berjalan' : (c.outcome ?? '')).padEnd(10)} ${c.title}`);
      }),
    );
  kasus
    .command('show')
    .description(CLI.caseShow)
    .argument('<ref>')
    .action((ref: string) =>
      withCore(async ({ service, database }) => {
        const details = await service.caseDetails(ref);
        out(renderCase(details, await service.calendarFor(database.db, details.definition)));
      }),
    );
  kasus
    .command('cancel')
    .description(CLI.caseCancel)
    .argument('<ref>')
    .requiredOption('--reason <alasan>')
    .action((ref: string, opts: { reason: string }) =>
      withCore(async ({ service }) => {
        const result = await service.cancelCase(ref, opts.reason, cliActor(undefined, io.user));
        out(CLI.caseCancelled(result.caseRef));
      }),
    );
  kasus
    .command('export')
    .description(CLI.caseExport)
    .argument('<ref>')
    .option('--out <file>', CLI.optOut)
    .option('--force', CLI.optForce)
    .action((ref: string, opts: { out?: string; force?: boolean }) =>
      withCore(async ({ service, database, files }) => {
        const details = await service.caseDetails(ref);
        const target = resolve(io.cwd ?? process.cwd(), opts.out ?? `${details.caseRow.ref}.zip`);
        // Checked before reading every file, and again by the exclusive write below.
        if (!opts.force && existsSync(target)) throw new CliError(CLI.exportExists(target));
        const calendar = await service.calendarFor(database.db, details.definition);
        const archive = await buildCaseArchive(details, calendar, files, io.clock?.() ?? new Date()).catch((e: unknown) => {
          if (e instanceof DamagedDocumentsError) throw new CliError(CLI.exportDamaged(details.caseRow.ref, e.problems));
          throw e;
        });
        await writeFile(target, archive.zip, { flag: opts.force ? 'w' : 'wx' }).catch((e: NodeJS.ErrnoException) => {
          throw new CliError(e.code === 'EEXIST' ? CLI.exportExists(target) : CLI.exportUnwritable(target, e.code ?? e.message));
        });
        out(CLI.exported(details.caseRow.ref, target, archive.documents, archive.zip.length));
      }),
    );

  const task = program.command('task').description(CLI.task);
  task
    .command('list')
    .description(CLI.taskList)
    .option('--role <peran>')
    .action((opts: { role?: string }) =>
      withCore(async ({ service, database }) => {
        const open = await service.openTasks(opts.role ? [opts.role] : undefined);
        if (!open.length) out(CLI.noTasks);
        for (const t of open) {
          const def = await service.definitionOf(database.db, t.sopVersionId, t.sopId);
          out(`${t.caseRef} · ${t.caseTitle}\n${renderTaskLine(def, t, await service.calendarFor(database.db, def))}`);
        }
      }),
    );

  const act = (name: string, description: string, build: (args: string[], opts: Record<string, string>, def: SopDefinition) => TaskCommand, extra: (c: Command) => Command = (c) => c) => {
    const c = task.command(name).description(description).argument('<tugas>', CLI.argTask);
    extra(c)
      .requiredOption('--as <peran>', CLI.optAs)
      .action((...params: unknown[]) => {
        const cmd = params[params.length - 1] as Command;
        const positional = cmd.args;
        const opts = cmd.opts<Record<string, string>>();
        return withCore(async ({ service }) => {
          const target = await resolveTask(positional[0]!, opts.as!);
          const result = await service.act(target.taskId, build(positional.slice(1), opts, target.def), cliActor(target.role, io.user));
          out(result.caseStatus === 'closed' ? CLI.caseEnded(result.caseRef, result.outcome ?? '') : CLI.acted(result.caseRef));
          await printOpened(result.caseRef);
        });
      });
  };
  act('done', CLI.taskDone, () => ({ type: 'complete' }));
  act('approve', CLI.taskApprove, (_a, o) => ({ type: 'approve', comment: o.comment }), (c) => c.option('--comment <catatan>'));
  act('return', CLI.taskReturn, (_a, o) => ({ type: 'return', reason: o.reason ?? '' }), (c) => c.requiredOption('--reason <alasan>'));
  act('choose', CLI.taskChoose, (a) => ({ type: 'choose', branch: a[0] ?? '' }), (c) => c.argument('<cabang>'));
  act('confirm', CLI.taskConfirm, () => ({ type: 'confirm' }));
  act('due', CLI.taskDue, (a, _o, def) => ({ type: 'set-due', dueAt: parseLocalDateTime(a[0] ?? '', def.unit.timezone, io.clock?.() ?? new Date()) }), (c) => c.argument('<waktu>', CLI.argDue));

  task
    .command('attach')
    .description(CLI.taskAttach)
    .argument('<tugas>', CLI.argTask)
    .argument('<file>')
    .requiredOption('--as <peran>', CLI.optAs)
    .option('--slot <nama>', CLI.optSlot)
    .action((ref: string, file: string, opts: { as: string; slot?: string }) =>
      withCore(async ({ service, files, database, config }) => {
        if (!isAllowedFile(file)) throw new CliError(CLI.fileTypeRefused(basename(file), DEFAULT_ALLOWED_EXTENSIONS));
        const target = await resolveTask(ref, opts.as);
        const taskRow = (await store.getTask(database.db, target.taskId))!;
        const step = findStep(target.def, taskRow.stepId);
        const decisions = (await store.getCase(database.db, taskRow.caseId))!.decisions;
        const slots = uploadSlots(step, decisions);
        // Without --slot, the file goes where it obviously belongs: the one output still missing.
        const missing = missingOutputs(step, taskRow, (await store.loadDocuments(database.db, taskRow.caseId)), decisions);
        const slot = opts.slot
          ? (slots.find((s) => s.name.toLowerCase() === opts.slot!.toLowerCase()) ?? { kind: 'output' as const, name: opts.slot })
          : missing.length === 1
            ? { kind: 'output' as const, name: missing[0]! }
            : slots.length === 1
              ? slots[0]!
              : null;
        if (!slot) throw new CliError(CLI.chooseSlot(slots.map((s) => s.name)));
        const bytes = await readFile(io.cwd ? resolve(io.cwd, file) : file).catch(() => {
          throw new CliError(CLI.fileUnreadable(file));
        });
        const stored = await files.put(bytes, { maxBytes: config.maxUploadBytes }).catch((e: unknown) => {
          if (e instanceof FileTooLargeError) throw new CliError(CLI.fileTooLarge(basename(file), config.maxUploadBytes / 1024 / 1024));
          throw e;
        });
        const result = await service.attachDocument(
          target.taskId,
          slot,
          { fileName: basename(file), mimeType: mimeTypeOf(file), ...stored },
          cliActor(target.role, io.user),
        );
        out(CLI.attached(basename(file), result.slotName, stored.sizeBytes, stored.sha256));
      }),
    );

  const bind = program.command('bind').description(CLI.bind);
  for (const platform of ['telegram', 'slack'] as const) {
    bind
      .command(platform)
      .description(CLI.bindPlatform(platform))
      .requiredOption('--role <peran>', CLI.optRole)
      .option('--ttl <jam>', CLI.optTtl, '24')
      .action((opts: { role: string; ttl: string }) =>
        withCore(async ({ service, database }) => {
          const role = knownRole(service.knownRoles(), opts.role);
          const hours = Number(opts.ttl);
          if (!(hours > 0 && hours <= 24 * 7)) throw new CliError(CLI.badTtl(opts.ttl));
          const { code, expiresAt } = await channelStore.createPairingCode(database.db, {
            platform,
            role,
            ttlMs: hours * 3_600_000,
            now: io.clock?.() ?? new Date(),
          });
          out(CLI.pairingCode(platform, code, service.roleLabel(role), expiresAt.toISOString()));
        }),
      );
  }
  bind
    .command('list')
    .description(CLI.bindList)
    .action(() =>
      withCore(async ({ service, database }) => {
        const rows = await channelStore.listBindings(database.db);
        if (!rows.length) out(CLI.noBindings);
        for (const b of rows) {
          out(`${b.role.padEnd(20)} ${b.platform.padEnd(9)} ${b.chatId}${b.threadId ? `/${b.threadId}` : ''}  ${b.label ?? ''} (${service.roleLabel(b.role)})`);
        }
      }),
    );
  bind
    .command('remove')
    .description(CLI.bindRemove)
    .argument('<platform>', 'telegram | slack')
    .argument('<chat-id>')
    .option('--thread <id>', CLI.optThread)
    // Telegram group ids are negative: "-100123/45" (a topic, as `bind list` prints it) would
    // otherwise be taken for an unknown option. A mistyped option still fails as an extra argument.
    .allowUnknownOption()
    .action((platform: string, chatId: string, opts: { thread?: string }) =>
      withCore(async ({ service, database }) => {
        const p = chatPlatform(platform);
        let chat = chatId.trim();
        let thread = opts.thread?.trim() ?? '';
        // `bind list` prints a topic as chat/thread; accept it copied back as is.
        const slash = chat.indexOf('/');
        if (opts.thread === undefined && slash > 0) [chat, thread] = [chat.slice(0, slash), chat.slice(slash + 1)];
        const place = CLI.place(p, chat, thread);
        const roles = await channelStore.unbindPlace(database.db, { platform: p, chatId: chat, threadId: thread });
        if (!roles.length) throw new CliError(CLI.bindingMissing(place));
        out(CLI.unbound(place, roles.map((r) => service.roleLabel(r))));
      }),
    );

  const allow = program.command('allow').description(CLI.allow);
  allow
    .command('add')
    .argument('<platform>', 'telegram | slack')
    .argument('<user-id>')
    .requiredOption('--role <peran>', CLI.optRole)
    .action((platform: string, userId: string, opts: { role: string }) =>
      withCore(async ({ service, database }) => {
        const p = chatPlatform(platform);
        const role = knownRole(service.knownRoles(), opts.role);
        await channelStore.allowUser(database.db, p, role, userId.trim());
        out(CLI.allowed(userId, service.roleLabel(role)));
      }),
    );
  allow
    .command('remove')
    .argument('<platform>', 'telegram | slack')
    .argument('<user-id>')
    .requiredOption('--role <peran>', CLI.optRole)
    .action((platform: string, userId: string, opts: { role: string }) =>
      withCore(async ({ service, database }) => {
        const p = chatPlatform(platform);
        const role = knownRole(service.knownRoles(), opts.role);
        if (!(await channelStore.disallowUser(database.db, p, role, userId.trim()))) throw new CliError(CLI.notAllowed(userId));
        out(CLI.disallowed(userId, service.roleLabel(role)));
      }),
    );
  allow
    .command('list')
    .action(() =>
      withCore(async ({ database }) => {
        const rows = await channelStore.listAllowlist(database.db);
        if (!rows.length) out(CLI.noAllowlist);
        for (const r of rows) out(`${r.platform.padEnd(9)} ${r.role.padEnd(20)} ${r.userId}`);
      }),
    );

  const holiday = program.command('holiday').description(CLI.holiday);
  holiday
    .command('list')
    .action(() =>
      withCore(async ({ database }) => {
        const extra = await store.listExtraHolidays(database.db);
        if (!extra.length) out(CLI.noExtraHolidays);
        for (const h of extra) out(`${h.date}  ${h.name}`);
      }),
    );
  holiday
    .command('add')
    .argument('<tanggal>', 'YYYY-MM-DD')
    .argument('<nama>')
    .action((date: string, name: string) =>
      withCore(async ({ database }) => {
        makeCalendar({ extraHolidays: [date] }); // validates the date with the calendar's own message
        await store.addExtraHoliday(database.db, date, name);
        out(CLI.holidayAdded(date, name));
      }),
    );
  holiday
    .command('remove')
    .argument('<tanggal>', 'YYYY-MM-DD')
    .action((date: string) =>
      withCore(async ({ database }) => {
        if (!(await store.removeExtraHoliday(database.db, date))) throw new CliError(CLI.holidayMissing(date));
        out(CLI.holidayRemoved(date));
      }),
    );

  program
    .command('doctor')
    .description(CLI.doctor)
    .action(async () => {
      const report = (r: DoctorResult) => {
        for (const line of r.lines) out(line);
        return r.problems;
      };
      let problems = 0;
      let opened: Database | undefined;
      try {
        let db: Database['db'] | undefined;
        let files: FileStore;
        if (core) {
          db = core.database.db;
          files = core.files;
          problems += report(checkCatalog(core.service.catalog().length, core.catalogFailures));
        } else {
          // Not openCore: that would apply pending migrations and stop at the first failure,
          // where the doctor should report each part as it finds it.
          const config = loadConfig(env);
          files = new LocalFileStore(config.filesDir);
          try {
            opened = await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir, migrate: false });
            db = opened.db;
          } catch (e) {
            if (e instanceof DataFolderInUseError) throw e; // the running service answers instead
            problems += report(databaseDown(e));
          }
          try {
            const catalog = await loadCatalog(config.catalogDir ?? catalogDir());
            problems += report(checkCatalog(catalog.definitions.length, catalog.failures));
          } catch (e) {
            problems += report({ lines: [CLI.doctorCatalogDown(describeError(e))], problems: 1 });
          }
        }
        if (db) {
          const health = await checkDatabase(db);
          problems += report(health);
          // Unreachable or not migrated: the document query would only repeat the problem above.
          if (!health.problems) problems += report(await checkDocuments(db, files));
        }
      } finally {
        await opened?.close();
      }
      if (problems) throw new CliError(CLI.doctorFailed(problems));
      out(CLI.doctorOk);
    });

  /** Prints the open tasks of a case: who acts next, and by when. */
  async function printOpened(ref: string) {
    const details = await core!.service.caseDetails(ref);
    const calendar = await core!.service.calendarFor(core!.database.db, details.definition);
    for (const t of details.tasks.filter((t) => t.status === 'open')) out(`${CLI.nextTask} ${renderTaskLine(details.definition, t, calendar)}`);
  }

  /** A task is named by its number (#12 or 12) or by its case reference when the role has one open task there. */
  async function resolveTask(ref: string, as: string): Promise<{ taskId: number; role: string; def: SopDefinition }> {
    const { service, database } = core!;
    const numeric = /^#?(\d+)$/.exec(ref.trim());
    if (numeric) {
      const taskRow = await store.getTask(database.db, Number(numeric[1]));
      if (!taskRow) throw new CliError(CLI.taskMissing(ref));
      const caseRow = (await store.getCase(database.db, taskRow.caseId))!;
      const def = await service.definitionOf(database.db, caseRow.sopVersionId, caseRow.sopId);
      return { taskId: taskRow.id, role: resolveRole(def, as), def };
    }
    const details = await service.caseDetails(ref);
    const role = resolveRole(details.definition, as);
    const open = details.tasks.filter((t) => t.status === 'open' && t.roles.includes(role));
    if (open.length === 1) return { taskId: open[0]!.id, role, def: details.definition };
    const anyOpen = details.tasks.filter((t) => t.status === 'open');
    if (!anyOpen.length) throw new CliError(CLI.noOpenTask(details.caseRow.ref));
    if (!open.length) {
      // Let the service explain who the open task belongs to.
      return { taskId: anyOpen[0]!.id, role, def: details.definition };
    }
    throw new CliError(CLI.ambiguousTask(open.map((t) => t.id)));
  }

  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode;
    // The embedded database is held by the running service: it runs this command on it.
    if (e instanceof DataFolderInUseError && e.holder.role === 'service' && !io.core) {
      const served = await runServed(e.dir, e.holder, { argv, cwd: io.cwd ?? process.cwd(), user: cliActor(undefined, io.user).userId }, { out, err });
      if (served !== 'gone') return served;
      return runCli(argv, io); // it stopped meanwhile: the folder is free for this process
    }
    if (e instanceof DataFolderInUseError) {
      err(e.message);
      return 1;
    }
    if (e instanceof CliError || isWorkflowError(e) || e instanceof ConfigError) {
      err(e.message);
      return 1;
    }
    if (e instanceof Error && e.name === 'CalendarConfigError') {
      err(e.message);
      return 1;
    }
    err(CLI.unexpected(e instanceof Error ? (e.stack ?? e.message) : String(e)));
    return 2;
  } finally {
    if (core && core !== io.core) await core.close();
  }
}

function chatPlatform(input: string): 'telegram' | 'slack' {
  if (input !== 'telegram' && input !== 'slack') throw new CliError(CLI.badPlatform(input));
  return input;
}

/** Bindings are per role id, shared by every SOP that has the role. */
function knownRole(roles: Map<string, string[]>, input: string): string {
  const wanted = input.trim().toLowerCase();
  if (roles.has(wanted)) return wanted;
  throw new CliError(CLI.unknownRole(input, [...roles.entries()].map(([id, sops]) => `${id} (${sops.join(', ')})`)));
}

function cliActor(role: string | undefined, user: string | undefined): Actor {
  let name = user ?? 'admin';
  try {
    if (!user) name = userInfo().username;
  } catch {
    // Containers may run as a uid without a passwd entry.
  }
  return { channel: 'cli', userId: name, name: `${name} (CLI)`, ...(role ? { role } : {}) };
}

/** Accepts a role id ("kasie") or its Pelaksana name ("Kasie"), case-insensitive. */
function resolveRole(def: { roles: { id: string; name: string }[] }, input: string): string {
  const wanted = input.trim().toLowerCase();
  const role = def.roles.find((r) => r.id === wanted || r.name.toLowerCase() === wanted);
  if (!role) throw new CliError(CLI.unknownRole(input, def.roles.map((r) => `${r.id} (${r.name})`)));
  return role.id;
}

/** A due date as typed ("30/11 14:00", "2026-12-01 14:00") in the SOP unit's own zone, or a full ISO instant. */
function parseLocalDateTime(text: string, timezone: string, now: Date): Date {
  const date = parseDueInput(text, now, makeCalendar({ timezone })) ?? DateTime.fromISO(text.trim(), { setZone: true }).toJSDate();
  if (Number.isNaN(date.getTime())) throw new CliError(CLI.badDateTime(text));
  return date;
}
