/**
 * Cron-driven work that only enqueues: each tick sweeps the tasks whose next check has come
 * (reminders, overdue notices, escalations), writes the daily digest (text and picture) once its
 * hour has passed, and the monthly monitoring report on the first working day of a month. Outbox
 * dedupe keys make a rerun, a restart or a second replica send nothing twice; a tick missed while
 * the service was down is made up by the next one.
 */
import { DateTime } from 'luxon';
import cron, { type ScheduledTask } from 'node-cron';
import { dayHoursMinutes, formatLocal, isWorkingDay, workingMinutesBetween, type WorkCalendar } from '../calendar/calendar.js';
import type { Db } from '../db/database.js';
import type { Logger } from '../logging.js';
import { NOTICE, workingTimeText } from '../messages/id.js';
import { DIGEST, shortKegiatan } from '../messages/report.js';
import { anythingRan, previousMonth } from '../report/build.js';
import type { DigestChartData } from '../report/charts.js';
import type { SopDefinition } from '../sop/definition.js';
import { roleName } from '../sop/definition.js';
import { findStep } from '../workflow/engine.js';
import type { WorkflowService } from '../service/workflow-service.js';
import { decide, DEFAULT_REMINDER_SETTINGS, type ReminderSettings } from './policy.js';
import * as schedule from '../db/queries/schedule.js';
import * as updates from '../db/queries/updates.js';
import { enqueueOutbox, type NewOutboxRow } from '../db/queries/outbox.js';
import { FILE_KIND, type FileSpec } from '../delivery/files.js';
import { digestChartKey, digestKey, monthlyReportKey, noticeForRole } from '../delivery/outbox-keys.js';

export interface SchedulerOptions {
  db: Db;
  service: WorkflowService;
  logger: Logger;
  clock?: () => Date;
  reminders?: ReminderSettings;
  /** Role → role that overdue work escalates to, when the SOP names no supervisor. */
  escalationChain?: Record<string, string>;
  digest?: { role: string; time: string; timezone: string };
  /** node-cron expression of the tick (default every minute). */
  cron?: string;
  batchSize?: number;
  /** The monitoring rule, for the line "baik" on the digest's picture. */
  reportRule?: { minOnTimeShare: number };
  /** Told how long each run took (metrics). */
  observe?: (job: string, seconds: number) => void;
}

export interface SweepResult {
  checked: number;
  enqueued: number;
}

/** Telegram allows 4096 characters; Slack more. Parts stay well below both. */
const DIGEST_PART_LIMIT = 3500;

const HOUR_MS = 3_600_000;
/** How long an incoming update id is remembered: twice Telegram's 24-hour redelivery window. */
const UPDATE_MEMORY_MS = 48 * HOUR_MS;

export class Scheduler {
  private readonly clock: () => Date;
  private readonly settings: ReminderSettings;
  private readonly digest: { role: string; time: string; timezone: string };
  private task: ScheduledTask | undefined;
  private running: Promise<unknown> = Promise.resolve();
  private prunedAt: Date | undefined;
  /** The month ("2026-12") whose report this instance has written, or found written. */
  private monthlyDone: string | undefined;

  constructor(private readonly options: SchedulerOptions) {
    this.clock = options.clock ?? (() => new Date());
    this.settings = options.reminders ?? DEFAULT_REMINDER_SETTINGS;
    this.digest = options.digest ?? { role: 'kabid', time: '07:30', timezone: 'Asia/Jakarta' };
  }

  start(): void {
    this.task = cron.schedule(this.options.cron ?? '* * * * *', () => void this.tick(), {
      timezone: this.digest.timezone,
      noOverlap: true,
      name: 'sopbot-scheduler',
    });
  }

  async stop(): Promise<void> {
    await this.task?.stop();
    await this.task?.destroy();
    this.task = undefined;
    await this.running;
  }

  /** One run: the sweep, then the digest, then the monthly report. Runs of one instance never overlap. */
  tick(now: Date = this.clock()): Promise<{ sweep: SweepResult; digest: boolean; monthly: boolean }> {
    const run = this.running.then(async () => {
      const started = performance.now();
      try {
        const sweep = await this.sweep(now);
        const digest = await this.maybeDigest(now);
        const monthly = await this.maybeMonthlyReport(now);
        await this.maybePrune(now);
        if (sweep.enqueued || digest || monthly) this.options.logger.info({ ...sweep, digest, monthly }, 'penjadwal: pesan diantrekan');
        return { sweep, digest, monthly };
      } catch (e) {
        this.options.logger.error({ err: e instanceof Error ? e.message : String(e) }, 'penjadwal gagal; dicoba lagi pada detik berikutnya');
        return { sweep: { checked: 0, enqueued: 0 }, digest: false, monthly: false };
      } finally {
        this.options.observe?.('tick', (performance.now() - started) / 1000);
      }
    });
    this.running = run;
    return run;
  }

  /** Once an hour, forgets incoming update ids too old to be delivered again. */
  private async maybePrune(now: Date): Promise<void> {
    if (this.prunedAt && now.getTime() - this.prunedAt.getTime() < HOUR_MS) return;
    this.prunedAt = now;
    await updates.pruneProcessedUpdates(this.options.db, new Date(now.getTime() - UPDATE_MEMORY_MS));
  }

  /**
   * Looks at every open task whose next check has come, in batches, and writes its notices. Each
   * batch is three statements whatever its size (lock the due tasks, insert their notices, set
   * their next checks): the time grows with what is due, and a round trip per notice was most
   * of it (1 000 due took 1.4 s on PostgreSQL, 2.8 s on PGlite).
   */
  async sweep(now: Date): Promise<SweepResult> {
    const { db, service } = this.options;
    const batch = this.options.batchSize ?? 500;
    const result: SweepResult = { checked: 0, enqueued: 0 };
    const calendars = new Map<string, WorkCalendar>();
    for (let round = 0; round < 1000; round++) {
      const n = await db.transaction(async (tx) => {
        const due = await schedule.lockDueChecks(tx, now, batch);
        const rows: NewOutboxRow[] = [];
        const nextChecks: { id: number; at: Date | null }[] = [];
        for (const task of due) {
          const def = await service.definitionOf(task.sopVersionId, task.sopId, tx);
          // The SOP's own unit: its zone and, where it sets them, its office hours (as its cards count).
          const unitKey = JSON.stringify(def.unit);
          let cal = calendars.get(unitKey);
          if (!cal) {
            cal = await service.calendarFor(def, tx);
            calendars.set(unitKey, cal);
          }
          const decision = decide(task, now, cal, this.settings);
          if (decision.notices.length) rows.push(...this.noticeRows(task, decision.notices, def, cal));
          nextChecks.push({ id: task.id, at: decision.nextCheckAt });
        }
        result.enqueued += await enqueueOutbox(tx, rows);
        await schedule.setNextChecks(tx, nextChecks);
        return due.length;
      });
      result.checked += n;
      if (n < batch) break;
    }
    return result;
  }

  /** The outbox rows of a task's notices (the deadline is written once for all of them). */
  private noticeRows(task: schedule.DueTask, notices: ReturnType<typeof decide>['notices'], def: SopDefinition, cal: WorkCalendar): NewOutboxRow[] {
    const step = findStep(def, task.stepId);
    const dayMinutes = officeDayMinutes(cal);
    const due = formatLocal(task.dueAt!, cal);
    const base = { caseId: task.caseId, taskId: task.id };
    return notices.flatMap((notice): NewOutboxRow[] => {
      const amount = workingTimeText(notice.workingMinutes, dayMinutes);
      if (notice.kind === 'escalation') {
        const to = this.supervisorOf(def, task.roles[0]!);
        if (!to) return [];
        const who = task.roles.map((r) => roleName(def, r)).join(' + ');
        const text = NOTICE.escalation(task.caseRef, task.caseTitle, step.id, step.kegiatan, who, amount, due);
        return [{ ...base, kind: 'escalation', role: to, payload: { text }, dedupeKey: noticeForRole(notice.key, to) }];
      }
      const text =
        notice.kind === 'reminder'
          ? NOTICE.reminder(task.caseRef, step.id, step.kegiatan, amount, due)
          : NOTICE.overdue(task.caseRef, step.id, step.kegiatan, amount, due);
      return task.roles.map((role) => ({ ...base, kind: notice.kind, role, payload: { text }, dedupeKey: noticeForRole(notice.key, role) }));
    });
  }

  /** The SOP's own supervisor of a role, else the unit-wide chain, else the digest role. */
  supervisorOf(def: SopDefinition, role: string): string | null {
    const candidate = def.roles.find((r) => r.id === role)?.supervisor ?? this.options.escalationChain?.[role] ?? this.digest.role;
    return candidate && candidate !== role ? candidate : null;
  }

  /** Writes today's digest once its local hour has passed on a working day. */
  async maybeDigest(now: Date): Promise<boolean> {
    const cal = await this.options.service.calendarForZone(this.digest.timezone);
    const local = DateTime.fromJSDate(now, { zone: cal.timezone });
    const today = local.toISODate()!;
    if (!isWorkingDay(today, cal)) return false;
    const [h, m] = this.digest.time.split(':').map(Number);
    if (local < local.set({ hour: h!, minute: m!, second: 0, millisecond: 0 })) return false;
    const parts = await this.buildDigest(now);
    let wrote = false;
    for (const [i, text] of parts.entries()) {
      const fresh = await enqueueOutbox(this.options.db, [
        { kind: 'digest', role: this.digest.role, caseId: null, taskId: null, payload: { text }, dedupeKey: digestKey(this.digest.role, today, i + 1) },
      ]);
      wrote ||= fresh > 0;
    }
    return (await this.enqueueDigestPicture(today, now)) || wrote;
  }

  /**
   * The digest's picture, after its text parts (a chat's messages keep their order), once per
   * day like them. Only what to draw is written; the outbox draws it when it sends it.
   */
  private async enqueueDigestPicture(day: string, now: Date): Promise<boolean> {
    const spec: FileSpec = { render: 'digest-chart', at: now.toISOString() };
    const fresh = await enqueueOutbox(this.options.db, [
      { kind: FILE_KIND, role: this.digest.role, caseId: null, taskId: null, payload: { ...spec }, dedupeKey: digestChartKey(this.digest.role, day) },
    ]);
    return fresh > 0;
  }

  /**
   * On the first working day of a month (the digest's calendar, from the digest's hour), the
   * previous month's monitoring form of every SOP that ran, as XLSX and PDF, to the digest role's
   * chats. Once per month and file by the outbox's dedupe key, however many replicas tick; a
   * service that was down that day sends it at its first tick later in the month.
   */
  async maybeMonthlyReport(now: Date): Promise<boolean> {
    const local = DateTime.fromJSDate(now, { zone: this.digest.timezone });
    const month = local.toFormat('yyyy-MM');
    if (this.monthlyDone === month) return false;
    const cal = await this.options.service.calendarForZone(this.digest.timezone);
    const first = firstWorkingDay(local.startOf('month'), cal);
    const [h, m] = this.digest.time.split(':').map(Number);
    if (!first || local < first.set({ hour: h!, minute: m!, second: 0, millisecond: 0 })) return false;
    const { from, to } = previousMonth(now, cal.timezone);
    const reported = from.slice(0, 7);
    let wrote = false;
    // A month in which no case ran (a new installation) gets no empty form.
    if (!(await anythingRan(this.options.db, { from, to, timezone: cal.timezone }))) {
      this.monthlyDone = month;
      return false;
    }
    for (const format of ['xlsx', 'pdf'] as const) {
      const spec: FileSpec = { render: 'monitoring', from, to, format, auto: true };
      const fresh = await enqueueOutbox(this.options.db, [
        { kind: FILE_KIND, role: this.digest.role, caseId: null, taskId: null, payload: { ...spec }, dedupeKey: monthlyReportKey(this.digest.role, reported, format) },
      ]);
      wrote ||= fresh > 0;
    }
    // Written (here or by another replica): nothing more to check until next month.
    this.monthlyDone = month;
    return wrote;
  }

  /**
   * The digest as text parts that each fit one message. It leads with what needs the digest
   * role's action (overdue tasks, returns since the last digest, tasks waiting for the role
   * itself), then the state of things; each step is named by a short form of its kegiatan.
   */
  async buildDigest(now: Date): Promise<string[]> {
    const { db, service } = this.options;
    const cal = await service.calendarForZone(this.digest.timezone);
    const local = DateTime.fromJSDate(now, { zone: cal.timezone });
    const since = (await schedule.lastDigestAt(db, this.digest.role)) ?? local.minus({ days: 1 }).toJSDate();
    const dayMinutes = officeDayMinutes(cal);
    const sopName = (id: string) => {
      try {
        return service.sop(id).definition.identity.nama;
      } catch {
        return id;
      }
    };
    const roleOf = (roles: string[]) => roles.map((r) => service.roleLabel(r)).join(' + ');
    const kegiatan = async (t: { sopVersionId: number; sopId: string; stepId: string }) => {
      try {
        const step = (await service.definitionOf(t.sopVersionId, t.sopId)).steps.find((x) => x.id === t.stepId);
        return step ? shortKegiatan(step.kegiatan) : '';
      } catch {
        return '';
      }
    };
    const list = (refs: string[]) => (refs.length > 10 ? `${refs.slice(0, 10).join(', ')}, ${DIGEST.more(refs.length - 10)}` : refs.join(', '));
    /** At most `max` lines of a list, then "…dan N lainnya". */
    const capped = async <T>(items: T[], line: (t: T) => Promise<string>, max = 15) => {
      const lines = await Promise.all(items.slice(0, max).map(line));
      if (items.length > max) lines.push(`  ${DIGEST.more(items.length - max)}`);
      return lines;
    };

    const lines: string[] = [DIGEST.title(formatLocal(now, cal)), ''];

    // What needs action first.
    const overdue = await schedule.overdueTasks(db, now);
    const returned = await schedule.returnsSince(db, since);
    const waiting = (await schedule.openTasksOfRole(db, this.digest.role)).filter((t) => !(t.dueAt && t.dueAt < now));
    lines.push(`${DIGEST.actionTitle}:`);
    if (!overdue.length && !returned.length && !waiting.length) lines.push(DIGEST.nothingToAct);
    if (overdue.length) {
      lines.push(`${DIGEST.overdueTitle(overdue.length)}:`);
      lines.push(
        ...(await capped(overdue, async (t) =>
          DIGEST.overdueLine(t.caseRef, t.stepId, await kegiatan(t), roleOf(t.roles), workingTimeText(workingMinutesBetween(t.dueAt!, now, cal), dayMinutes)),
        )),
      );
    }
    if (returned.length) {
      lines.push(`${DIGEST.returnsTitle(returned.length)}:`);
      lines.push(...(await capped(returned, async (r) => DIGEST.returnLine(r.ref, r.stepId, await kegiatan(r), r.reason))));
    }
    if (waiting.length) {
      lines.push(`${DIGEST.waitingTitle(service.roleLabel(this.digest.role))} (${waiting.length}):`);
      lines.push(...(await capped(waiting, async (t) => DIGEST.waitingLine(t.caseRef, t.stepId, await kegiatan(t), t.dueAt ? formatLocal(t.dueAt, cal) : null))));
    }

    // Then the state of things.
    lines.push('', `${DIGEST.dueToday}:`);
    const dueToday = await schedule.openTasksDueBetween(db, local.startOf('day').toJSDate(), local.endOf('day').toJSDate());
    if (!dueToday.length) lines.push(DIGEST.noneDueToday);
    lines.push(...(await capped(dueToday, async (t) => DIGEST.dueLine(t.caseRef, t.stepId, await kegiatan(t), roleOf(t.roles), formatLocal(t.dueAt!, cal)))));

    const open = await schedule.openCasesPerSop(db);
    lines.push('', `${DIGEST.openCases}:`);
    if (!open.length) lines.push(DIGEST.noOpenCases);
    for (const o of open) lines.push(`• ${sopName(o.sopId)}: ${o.open}`);
    const closed = await schedule.casesClosedSince(db, since);
    lines.push(DIGEST.finished(closed.length, list(closed.map((c) => `${c.ref} ${c.outcome ?? ''}`.trim()))));

    const onTime = await schedule.onTimeSince(db, local.startOf('month').toJSDate());
    lines.push('', `${DIGEST.onTimeTitle}:`);
    if (!onTime.length) lines.push(DIGEST.noOnTime);
    for (const s of perSop(onTime)) {
      lines.push(DIGEST.onTimeLine(sopName(s.sopId), s.onTime, s.total));
      const def = service.catalog().find((c) => c.definition.id === s.sopId)?.definition;
      for (const r of onTime.filter((x) => x.sopId === s.sopId)) {
        const step = def?.steps.find((x) => x.id === r.stepId);
        lines.push(DIGEST.onTimeStepLine(r.stepId, step ? shortKegiatan(step.kegiatan) : '', r.onTime, r.total));
      }
    }
    return splitLines(lines, DIGEST_PART_LIMIT);
  }

  /**
   * The figures of the digest's picture: this month's on-time share per SOP and the tasks
   * overdue now per role. `renderDigestChart(await scheduler.digestChartData(now))` is the PNG.
   */
  async digestChartData(now: Date): Promise<DigestChartData> {
    const { db, service } = this.options;
    const cal = await service.calendarForZone(this.digest.timezone);
    const local = DateTime.fromJSDate(now, { zone: cal.timezone });
    const onTime = perSop(await schedule.onTimeSince(db, local.startOf('month').toJSDate())).map((s) => {
      let label = s.sopId;
      try {
        label = service.sop(s.sopId).definition.identity.nama;
      } catch {
        // A SOP no longer in the catalog keeps its id.
      }
      return { label: shortKegiatan(label, 24), onTime: s.onTime, total: s.total };
    });
    const perRole = new Map<string, number>();
    for (const t of await schedule.overdueTasks(db, now)) for (const r of t.roles) perRole.set(r, (perRole.get(r) ?? 0) + 1);
    const overdueByRole = [...perRole.entries()]
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
      .map(([role, count]) => ({ label: service.roleLabel(role), count }));
    return { onTime, overdueByRole, ...(this.options.reportRule ? { target: this.options.reportRule.minOnTimeShare } : {}) };
  }

  /** The digest's picture as PNG (800 × 400 drawn at 1600 × 800). */
  async digestPicture(now: Date): Promise<Buffer> {
    // ECharts, resvg and the fonts load at the first picture, not at start: about 2 900 modules
    // a service that never sends a digest picture need not carry.
    const { renderDigestChart } = await import('../report/charts.js');
    return renderDigestChart(await this.digestChartData(now));
  }
}

function perSop(rows: { sopId: string; total: number; onTime: number }[]): { sopId: string; total: number; onTime: number }[] {
  const map = new Map<string, { sopId: string; total: number; onTime: number }>();
  for (const r of rows) {
    const s = map.get(r.sopId) ?? { sopId: r.sopId, total: 0, onTime: 0 };
    s.total += r.total;
    s.onTime += r.onTime;
    map.set(r.sopId, s);
  }
  return [...map.values()];
}

/** The first working day of the month that starts at `start` (local), as the start of that day. */
function firstWorkingDay(start: DateTime, cal: WorkCalendar): DateTime | undefined {
  for (let day = start; day.month === start.month; day = day.plus({ days: 1 })) {
    if (isWorkingDay(day.toISODate()!, cal)) return day;
  }
  return undefined;
}

/** Minutes of a regular office day (Monday to Thursday), to say "1 hari 2 jam" instead of "570 menit". */
function officeDayMinutes(cal: WorkCalendar): number {
  return dayHoursMinutes(cal.officeHours);
}

/** Splits at line boundaries into parts of at most `limit` characters, numbering them when more than one. */
export function splitLines(lines: string[], limit: number): string[] {
  const parts: string[][] = [[]];
  let size = 0;
  for (const raw of lines) {
    const line = raw.length > limit - 40 ? `${raw.slice(0, limit - 41)}…` : raw;
    if (size + line.length + 1 > limit - 40 && parts.at(-1)!.length) {
      parts.push([]);
      size = 0;
    }
    parts.at(-1)!.push(line);
    size += line.length + 1;
  }
  if (parts.length === 1) return [parts[0]!.join('\n')];
  return parts.map((p, i) => `${NOTICE.part(i + 1, parts.length)}\n${p.join('\n')}`);
}
