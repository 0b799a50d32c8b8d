/**
 * The `sopbot` admin command. `runCli` is the whole program as a function (argv in, exit code
 * out) so tests drive it in-process exactly as an admin would from the terminal.
 */
import { existsSync } from 'node:fs';
import { type FileHandle, mkdir, open, writeFile } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { userInfo } from 'node:os';
import { Command, CommanderError, Help } from 'commander';
import { openCore, type Core } from '../bootstrap.js';
import { DateTime } from 'luxon';
import { formatDayHours, formatLocal, isWorkingTime, makeCalendar, nextWorkingStart, parseDayHours } from '../calendar/calendar.js';
import { parseWaktu } from '../calendar/waktu.js';
import { parseDueInput } from '../calendar/due-input.js';
import { ConfigError, loadConfig } from '../config.js';
import { isConnectionFailure, openDatabase, systemErrorOf, type Database } from '../db/database.js';
import { runServed } from '../db/embedded/admin-socket.js';
import { DataFolderInUseError } from '../db/embedded/lock.js';
import { brief, CLI, CLI_LIBRARY, refusalText, TERMS } from '../messages/id.js';
import { uploadRefusal } from '../messages/security.js';
import { describeWaktu, renderCase, renderStepTable, renderTaskLine } from '../messages/render.js';
import { catalogDir, loadCatalog, loadDefinitionFile } from '../sop/loader.js';
import { deadlineFor, findStep, missingOutputs, uploadSlots } from '../workflow/engine.js';
import { isWorkflowError } from '../workflow/errors.js';
import type { SopDefinition } from '../sop/definition.js';
import type { Actor, TaskCommand, TaskState } from '../workflow/model.js';
import { mimeTypeOf } from '../storage/mime.js';
import { LocalFileStore, type FileStore } from '../storage/files.js';
import { checkFileName, isUploadRefused, storeChecked, stripHidden, withStoredFile } from '../storage/intake.js';
import { registerSheetCommands, writeValidationSheet, type SheetCommandContext } from './sheet-commands.js';
import { SHEET } from '../messages/sheet.js';
import { checkCatalog, checkDatabase, checkDocuments, databaseDown, describeError, type DoctorResult } from './doctor.js';
import { registerImportCommands } from '../import/cli.js';
import { registerReportCommands } from '../report/cli.js';
import * as bindings from '../db/queries/bindings.js';
import * as calendarSettings from '../db/queries/calendar-settings.js';
import * as cases from '../db/queries/cases.js';
import * as tasks from '../db/queries/tasks.js';

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
    .configureOutput({ writeOut: (s) => out(s.trimEnd()), writeErr: (s) => err(s.trimEnd()), outputError: (s, write) => write(indonesianError(s)) })
    .configureHelp({ formatHelp: (cmd, helper) => indonesianHelp(Help.prototype.formatHelp.call(helper, cmd, helper)) })
    .helpOption('-h, --help', CLI_LIBRARY.helpOption)
    .helpCommand('help [perintah]', CLI_LIBRARY.helpCommand)
    .showHelpAfterError();
  const sheetCtx: SheetCommandContext = {
    out,
    withCore,
    cwd: io.cwd ?? process.cwd(),
    now: () => io.clock?.() ?? new Date(),
    fail: (message) => {
      throw new CliError(message);
    },
  };

  const sop = program.command('sop').description(CLI.sop);
  sop
    .command('list')
    .description(CLI.sopList)
    .action(() =>
      withCore(async ({ service, catalogFailures }) => {
        for (const s of service.catalog()) {
          const d = s.definition;
          out(`${d.id.padEnd(14)} ${d.code.padEnd(8)} v${s.version}  ${d.steps.length} kegiatan  ${d.identity.nama} · Nomor ${d.identity.nomor}`);
        }
        if (catalogFailures.length) throw new CliError(CLI.catalogHasFailures(catalogFailures.length));
      }),
    );
  sop
    .command('validate')
    .description(CLI.sopValidate)
    .argument('<files...>')
    .option('--sheet [folder]', SHEET.cli.optSheet)
    .action(async (files: string[], opts: { sheet?: string | true }) => {
      let bad = 0;
      for (const file of files) {
        const result = await loadDefinitionFile(io.cwd ? resolve(io.cwd, file) : file);
        if (result.ok) {
          out(CLI.validOk(file, result.definition.id, result.definition.steps.length));
          if (opts.sheet !== undefined) out(await writeValidationSheet(io.cwd ? resolve(io.cwd, file) : file, result.definition, opts.sheet, sheetCtx));
        } else {
          bad++;
          for (const e of result.errors) err(e.message);
        }
      }
      if (bad) throw new CliError(CLI.invalidFiles(bad, files.length));
    });
  registerImportCommands(sop, { out, err, env, cwd: io.cwd, fail: (message) => { throw new CliError(message); } });
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

  sop
    .command('due')
    .description(CLI.sopDue)
    .argument('<id>')
    .argument('<kegiatan>', CLI.argStep)
    .option('--from <waktu>', CLI.optFrom)
    .action((id: string, stepId: string, opts: { from?: string }) =>
      withCore(async ({ service }) => {
        const def = service.sop(id).definition;
        const step = def.steps.find((s) => s.id === stepId.trim());
        if (!step) throw new CliError(CLI.unknownStep(stepId, def.steps.map((s) => s.id)));
        const calendar = await service.calendarFor(def);
        const now = io.clock?.() ?? new Date();
        // A date alone is an opening time here, so the start of that day (as a deadline it would be the close).
        const from = !opts.from
          ? now
          : /^\d{4}-\d{2}-\d{2}$/.test(opts.from.trim()) && DateTime.fromISO(opts.from.trim()).isValid
            ? DateTime.fromISO(opts.from.trim(), { zone: def.unit.timezone }).startOf('day').toJSDate()
            : parseLocalDateTime(opts.from, def.unit.timezone, now);
        const waktu = parseWaktu(step.waktu, def.konversiWaktu);
        if (waktu.kind === 'none') return void out(CLI.noWaktu(step.id));
        if (waktu.kind === 'actor-sets') return void out(CLI.actorSetsWaktu(step.id, waktu.text));
        // A waktu counted from another step: as if that step was done at --from.
        const anchorDone: TaskState[] = waktu.kind === 'after-anchor' && step.anchor ? [doneVisit(step.anchor, from)] : [];
        const due = deadlineFor(def, step, anchorDone, calendar, from)!;
        out(`${DateTime.fromJSDate(due, { zone: calendar.timezone }).toFormat('yyyy-MM-dd HH:mm')} (${formatLocal(due, calendar)})`);
        out(
          waktu.kind === 'after-anchor'
            ? CLI.dueAfterAnchor(describeWaktu(def, step), step.anchor ?? '', formatLocal(from, calendar))
            : isWorkingTime(from, calendar)
              ? CLI.dueFrom(describeWaktu(def, step), formatLocal(from, calendar))
              : CLI.dueFromNextWorking(describeWaktu(def, step), formatLocal(nextWorkingStart(from, calendar), calendar), formatLocal(from, calendar)),
        );
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
    .option('--status <status>', 'berjalan | selesai (atau open | closed)')
    .option('--sop <id>')
    .action((opts: { status?: string; sop?: string }) =>
      withCore(async ({ database }) => {
        // The words the list itself shows are accepted too.
        const status = opts.status === undefined ? undefined : CASE_STATUS[opts.status.trim().toLowerCase()];
        if (opts.status !== undefined && !status) throw new CliError(CLI.badStatus(opts.status));
        const rows = await cases.listCases(database.db, { status, sopId: opts.sop });
        if (!rows.length) out(CLI.noCases);
        // One line per case, whatever the title holds: line breaks and direction overrides would break the list.
        for (const c of rows) out(`${c.ref.padEnd(20)} ${(c.status === 'open' ? 'berjalan' : (c.outcome ?? '')).padEnd(10)} ${brief(oneLine(c.title), 120)}`);
      }),
    );
  kasus
    .command('show')
    .description(CLI.caseShow)
    .argument('<ref>')
    .action((ref: string) =>
      withCore(async ({ service }) => {
        const details = await service.caseDetails(ref);
        out(renderCase(details, await service.calendarFor(details.definition)));
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
      withCore(async ({ service, files }) => {
        const details = await service.caseDetails(ref);
        const target = resolve(io.cwd ?? process.cwd(), opts.out ?? `${details.caseRow.ref}.zip`);
        // Checked before reading every file, and again by the exclusive write below.
        if (!opts.force && existsSync(target)) throw new CliError(CLI.exportExists(target));
        const calendar = await service.calendarFor(details.definition);
        // The archive draws the case's sheet: its renderers load here, not with every command.
        const { buildCaseArchive, DamagedDocumentsError } = await import('./archive.js');
        const archive = await buildCaseArchive(details, calendar, files, io.clock?.() ?? new Date()).catch((e: unknown) => {
          if (e instanceof DamagedDocumentsError) throw new CliError(CLI.exportDamaged(details.caseRow.ref, e.problems));
          throw e;
        });
        await mkdir(dirname(target), { recursive: true }).catch(() => {}); // a failure shows in the write below
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
      withCore(async ({ service }) => {
        const open = await service.openTasks(opts.role ? [knownRole(service.knownRoles(), opts.role)] : undefined);
        if (!open.length) out(CLI.noTasks);
        for (const t of open) {
          const def = await service.definitionOf(t.sopVersionId, t.sopId);
          out(`${t.caseRef} · ${brief(oneLine(t.caseTitle), 120)}\n${renderTaskLine(def, t, await service.calendarFor(def))}`);
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
      withCore(async ({ service, files, config }) => {
        // The same door as Telegram and Slack: SOPBOT_ALLOWED_EXTENSIONS, the name, the content's signature, the size.
        try {
          checkFileName(basename(file), config.allowedExtensions);
        } catch (e) {
          if (isUploadRefused(e) && e.code === 'type_not_allowed') throw new CliError(CLI.fileTypeRefused(basename(file), config.allowedExtensions));
          if (isUploadRefused(e)) throw new CliError(uploadRefusal(e.code, e.params));
          throw e;
        }
        const target = await resolveTask(ref, opts.as);
        // The file and its content first: a missing or disguised file is the problem to hear of,
        // not which slot it would have gone to.
        const path = io.cwd ? resolve(io.cwd, file) : file;
        let source: FileHandle;
        try {
          source = await open(path);
          if ((await source.stat()).isDirectory()) {
            await source.close();
            throw new CliError(CLI.fileIsFolder(file));
          }
        } catch (e) {
          if (e instanceof CliError) throw e;
          throw new CliError((e as NodeJS.ErrnoException).code === 'ENOENT' ? CLI.fileNotFound(file) : CLI.fileUnreadable(file));
        }
        const stored = await storeChecked(files, source.createReadStream(), {
          fileName: basename(file),
          allowed: config.allowedExtensions,
          limit: { bytes: config.maxUploadBytes, by: 'service' },
        }).catch((e: unknown) => {
          if (isUploadRefused(e) && e.code === 'too_large') throw new CliError(CLI.fileTooLarge(basename(file), config.maxUploadBytes / 1024 / 1024));
          if (isUploadRefused(e)) throw new CliError(`${basename(file)}: ${uploadRefusal(e.code, e.params)}`);
          throw e;
        });
        const result = await withStoredFile(files, stored, async () => {
          const view = await service.taskView(target.taskId);
          const step = findStep(view.definition, view.task.stepId);
          const slots = uploadSlots(step, view.caseRow.decisions);
          // Without --slot, the file goes where it obviously belongs: the one output still missing.
          const missing = missingOutputs(step, view.task, view.documents, view.caseRow.decisions);
          const slot = opts.slot
            ? (slots.find((s) => s.name.toLowerCase() === opts.slot!.toLowerCase()) ?? { kind: 'output' as const, name: opts.slot })
            : missing.length === 1
              ? { kind: 'output' as const, name: missing[0]! }
              : slots.length === 1
                ? slots[0]!
                : null;
          if (!slot) throw new CliError(CLI.chooseSlot(slots.map((s) => s.name)));
          return service.attachDocument(target.taskId, slot, { fileName: basename(file), mimeType: mimeTypeOf(file), ...stored }, cliActor(target.role, io.user));
        });
        out(CLI.attached(basename(file), result.slot.name, stored.sizeBytes, stored.sha256));
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
        withCore(async ({ service, database, config }) => {
          const role = knownRole(service.knownRoles(), opts.role);
          const hours = Number(opts.ttl);
          if (!(hours > 0 && hours <= 24 * 7)) throw new CliError(CLI.badTtl(opts.ttl));
          const { code, expiresAt } = await bindings.createPairingCode(database.db, {
            platform,
            role,
            ttlMs: hours * 3_600_000,
            now: io.clock?.() ?? new Date(),
          });
          const calendar = await service.calendarForZone(config.scheduler.timezone);
          out(CLI.pairingCode(platform, code, service.roleLabel(role), formatLocal(expiresAt, calendar)));
        }),
      );
  }
  bind
    .command('list')
    .description(CLI.bindList)
    .action(() =>
      withCore(async ({ service, database }) => {
        const rows = await bindings.listBindings(database.db);
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
        const roles = await bindings.unbindPlace(database.db, { platform: p, chatId: chat, threadId: thread });
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
        // A mistyped id (a @name, a mention) would allow nobody while looking done.
        if (!USER_ID[p].test(userId.trim())) throw new CliError(CLI.badUserId(p, userId));
        await bindings.allowUser(database.db, p, role, userId.trim());
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
        if (!(await bindings.disallowUser(database.db, p, role, userId.trim()))) throw new CliError(CLI.notAllowed(userId));
        out(CLI.disallowed(userId, service.roleLabel(role)));
      }),
    );
  allow
    .command('list')
    .action(() =>
      withCore(async ({ database }) => {
        const rows = await bindings.listAllowlist(database.db);
        if (!rows.length) out(CLI.noAllowlist);
        for (const r of rows) out(`${r.platform.padEnd(9)} ${r.role.padEnd(20)} ${r.userId}`);
      }),
    );

  const holiday = program.command('holiday').description(CLI.holiday);
  holiday
    .command('list')
    .action(() =>
      withCore(async ({ database }) => {
        const extra = await calendarSettings.listExtraHolidays(database.db);
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
        const previous = await calendarSettings.addExtraHoliday(database.db, date, name);
        out(previous === undefined || previous === name ? CLI.holidayAdded(date, name) : CLI.holidayRenamed(date, previous, name));
      }),
    );
  holiday
    .command('remove')
    .argument('<tanggal>', 'YYYY-MM-DD')
    .action((date: string) =>
      withCore(async ({ database }) => {
        if (!(await calendarSettings.removeExtraHoliday(database.db, date))) throw new CliError(CLI.holidayMissing(date));
        out(CLI.holidayRemoved(date));
      }),
    );

  const hours = program.command('hours').description(CLI.hours);
  hours
    .command('list')
    .action(() =>
      withCore(async ({ database, config }) => {
        const rows = await calendarSettings.listOfficeHours(database.db);
        const configured = config.calendar.specialHours ?? [];
        if (!rows.length && !configured.length) out(CLI.noOfficeHours);
        for (const h of configured) out(CLI.officeHoursFromConfig(h.from, h.to, formatDayHours(h.hours), h.fridayHours ? formatDayHours(h.fridayHours) : null));
        for (const h of rows) {
          out(CLI.officeHoursLine(h.id, h.fromDate, h.toDate, formatDayHours(parseDayHours(h.hours)), h.fridayHours ? formatDayHours(parseDayHours(h.fridayHours)) : null, h.name));
        }
      }),
    );
  hours
    .command('add')
    .description(CLI.hoursAdd)
    .argument('<dari>', 'YYYY-MM-DD')
    .argument('<sampai>', 'YYYY-MM-DD')
    .requiredOption('--hours <periode>', CLI.optHours)
    .option('--friday <periode>', CLI.optFridayHours)
    .requiredOption('--name <nama>', CLI.optHoursName)
    .action((from: string, to: string, opts: { hours: string; friday?: string; name: string }) =>
      withCore(async ({ database, config }) => {
        // Checked with the calendar's own rules and messages before anything is stored.
        const span = { from, to, hours: parseDayHours(opts.hours), ...(opts.friday ? { fridayHours: parseDayHours(opts.friday) } : {}) };
        makeCalendar({ includeShipped: false, specialHours: [span] });
        // Two spans over one day: which hours hold would depend on their order, and nobody would see it.
        const stored = await calendarSettings.listOfficeHours(database.db);
        const clash =
          stored.find((h) => h.fromDate <= to && from <= h.toDate) ?? (config.calendar.specialHours ?? []).find((h) => h.from <= to && from <= h.to);
        if (clash) {
          const other = 'id' in clash ? `#${clash.id} "${clash.name}" (${clash.fromDate} s.d. ${clash.toDate})` : `${clash.from} s.d. ${clash.to} dari SOPBOT_RAMADAN_HOURS`;
          throw new CliError(CLI.officeHoursOverlap(from, to, other));
        }
        const id = await calendarSettings.addOfficeHours(database.db, {
          fromDate: from,
          toDate: to,
          hours: opts.hours.trim(),
          fridayHours: opts.friday?.trim() ?? null,
          name: opts.name.trim(),
        });
        out(CLI.officeHoursAdded(id, from, to, formatDayHours(span.hours), span.fridayHours ? formatDayHours(span.fridayHours) : null, opts.name.trim()));
      }),
    );
  hours
    .command('remove')
    .argument('<nomor>', CLI.argHoursId)
    .action((id: string) =>
      withCore(async ({ database }) => {
        const n = Number(id.replace(/^#/, ''));
        if (!Number.isInteger(n) || !(await calendarSettings.removeOfficeHours(database.db, n))) throw new CliError(CLI.officeHoursMissing(id));
        out(CLI.officeHoursRemoved(n));
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

  registerSheetCommands(program, sheetCtx);
  registerReportCommands(program, { withCore, out, cwd: io.cwd, clock: io.clock, fail: (message) => { throw new CliError(message); } });

  /** Prints the open tasks of a case: who acts next, and by when. */
  async function printOpened(ref: string) {
    const details = await core!.service.caseDetails(ref);
    const calendar = await core!.service.calendarFor(details.definition);
    for (const t of details.tasks.filter((t) => t.status === 'open')) out(`${CLI.nextTask} ${renderTaskLine(details.definition, t, calendar)}`);
  }

  /** A task is named by its number (#12 or 12) or by its case reference when the role has one open task there. */
  async function resolveTask(ref: string, as: string): Promise<{ taskId: number; role: string; def: SopDefinition }> {
    const { service, database } = core!;
    const numeric = /^#?(\d+)$/.exec(ref.trim());
    if (numeric) {
      const taskRow = await tasks.getTask(database.db, Number(numeric[1]));
      if (!taskRow) throw new CliError(CLI.taskMissing(ref));
      const caseRow = (await cases.getCase(database.db, taskRow.caseId))!;
      const def = await service.definitionOf(caseRow.sopVersionId, caseRow.sopId);
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
    if (isWorkflowError(e)) {
      err(refusalText(e, TERMS.cli));
      return 1;
    }
    if (isUploadRefused(e)) {
      err(uploadRefusal(e.code, e.params));
      return 1;
    }
    if (e instanceof CliError || e instanceof ConfigError) {
      err(e.message);
      return 1;
    }
    if (e instanceof Error && e.name === 'CalendarConfigError') {
      // The calendar's sentences continue a variable's name in the configuration; alone, they start a sentence.
      err(e.message.charAt(0).toUpperCase() + e.message.slice(1));
      return 1;
    }
    const system = systemErrorOf(e);
    if (system && (system.code === 'EACCES' || system.code === 'EPERM') && system.path) {
      err(CLI.noPermission(system.path, system.code));
      return 1;
    }
    if (system && isConnectionFailure(system.code)) {
      err(CLI.databaseUnreachable(describeError(e)));
      return 1;
    }
    err(CLI.unexpected(e instanceof Error ? (e.stack ?? e.message) : String(e)));
    return 2;
  } finally {
    if (core && core !== io.core) await core.close();
  }
}

/** The library's error, said in Indonesian (see CLI_LIBRARY); the library's suggestion kept. */
function indonesianError(text: string): string {
  const suggestion = /\(Did you mean (one of )?(.+)\?\)/.exec(text);
  const said = suggestion ? (suggestion[1] ? CLI_LIBRARY.suggestions(suggestion[2]!) : CLI_LIBRARY.suggestion(suggestion[2]!)) : '';
  for (const [pattern, say] of CLI_LIBRARY.errors) {
    const m = pattern.exec(text);
    if (m) return `${(say as (...a: (string | undefined)[]) => string)(...m.slice(1))}${said ? `\n${said}` : ''}\n`;
  }
  return text;
}

function indonesianHelp(text: string): string {
  return CLI_LIBRARY.helpText.reduce((t, [en, id]) => t.split(en).join(id), text);
}

function oneLine(text: string): string {
  return stripHidden(text.replace(/\s+/g, ' ')).trim();
}

const CASE_STATUS: Record<string, 'open' | 'closed'> = { open: 'open', berjalan: 'open', closed: 'closed', selesai: 'closed', ditutup: 'closed' };

/** What a user id looks like on each platform: Telegram's a number, Slack's U… or W… (Enterprise Grid). */
const USER_ID = { telegram: /^\d{1,20}$/, slack: /^[UW][A-Z0-9]{2,20}$/ } as const;

function chatPlatform(input: string): 'telegram' | 'slack' {
  if (input !== 'telegram' && input !== 'slack') throw new CliError(CLI.badPlatform(input));
  return input;
}

/** Bindings are per role id, shared by every SOP that has the role. */
function knownRole(roles: Map<string, string[]>, input: string): string {
  const wanted = input.trim().toLowerCase();
  if (roles.has(wanted)) return wanted;
  throw new CliError(CLI.unknownCatalogRole(input, [...roles.entries()].map(([id, sops]) => `${id} (${sops.join(', ')})`)));
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

/** A finished visit of a step, to count a waktu that runs from that step's completion. */
function doneVisit(stepId: string, at: Date): TaskState {
  return {
    id: 0, stepId, visit: 1, kind: 'task', roles: [], status: 'completed', openedAt: at, dueAt: null, returnReason: null,
    confirmations: [], doneAt: at, doneBy: null, action: 'done', branch: null, comment: null, wentTo: null, version: 1,
  };
}
