/**
 * Runs one workflow action: read the case's state, let the pure core decide, write state +
 * audit events + outbox rows in one statement that holds only if nothing changed since the
 * read (else the action runs again under the case's lock). Nothing is sent from here; the
 * outbox dispatcher sends after commit.
 *
 * Its callers (the channels' use cases, the CLI, the scheduler) pass ids and commands, never a
 * database handle: the service owns its queries. The one exception is for a caller that runs
 * inside a transaction of its own (the reminder sweep): PGlite has one connection, so a query
 * on the database from inside a transaction would wait for that transaction forever.
 */
import { makeCalendar, parseDayHours, withAdminSettings, type MakeCalendarOptions, type WorkCalendar } from '../calendar/calendar.js';
import type { Db, Tx } from '../db/database.js';
import * as calendarSettings from '../db/queries/calendar-settings.js';
import * as cases from '../db/queries/cases.js';
import * as documents from '../db/queries/documents.js';
import * as auditEvents from '../db/queries/events.js';
import * as sopVersions from '../db/queries/sop-versions.js';
import * as tasks from '../db/queries/tasks.js';
import * as transitions from '../db/queries/transitions.js';
import { outboxWrites } from '../delivery/outbox-keys.js';
import { roleName, type SopDefinition } from '../sop/definition.js';
import * as engine from '../workflow/engine.js';
import { WorkflowError, refuse } from '../workflow/errors.js';
import type { Actor, FileMeta, TaskCommand, Transition } from '../workflow/model.js';

export interface RegisteredSop {
  definition: SopDefinition;
  versionId: number;
  version: number;
  contentHash: string;
  sourceFile: string | null;
}

export interface ActionResult {
  caseId: number;
  caseRef: string;
  caseStatus: 'open' | 'closed';
  outcome: string | null;
  openedTaskIds: number[];
}

export interface WorkflowServiceOptions {
  /** Office hours, Friday/Ramadan hours, extra dates; the zone comes from each SOP's unit. */
  calendar?: Omit<MakeCalendarOptions, 'timezone'>;
  clock?: () => Date;
}


/** A task with what it takes to show it: its case, its definition and the unit's calendar. */
export interface TaskView {
  task: transitions.TaskForView['task'];
  caseRow: cases.CaseRow;
  definition: SopDefinition;
  documents: documents.StoredDocument[];
  calendar: WorkCalendar;
}

export class WorkflowService {
  private readonly current = new Map<string, RegisteredSop>();
  private readonly definitionsByVersion = new Map<number, SopDefinition>();
  private readonly baseCalendars = new Map<string, WorkCalendar>();
  private readonly clock: () => Date;
  /** Told how long each action took and how it ended (metrics); set by whoever runs the service. */
  observe: ((action: string, seconds: number, outcome: 'ok' | 'refused' | 'error') => void) | undefined;

  constructor(
    private readonly db: Db,
    private readonly options: WorkflowServiceOptions = {},
  ) {
    this.clock = options.clock ?? (() => new Date());
  }

  /** Records each definition's content as a version (once) and makes it the one new cases use. */
  async registerDefinitions(loaded: { definition: SopDefinition; contentHash: string; file?: string | null }[]): Promise<RegisteredSop[]> {
    const registered: RegisteredSop[] = [];
    for (const item of loaded) {
      const stored = await sopVersions.ensureSopVersion(this.db, item.definition, item.contentHash, item.file ?? null);
      const entry: RegisteredSop = {
        definition: item.definition,
        versionId: stored.id,
        version: stored.version,
        contentHash: stored.contentHash,
        sourceFile: item.file ?? null,
      };
      this.current.set(item.definition.id, entry);
      this.definitionsByVersion.set(stored.id, item.definition);
      registered.push(entry);
    }
    return registered;
  }

  /** A role's Pelaksana name as the SOPs write it (role ids are shared across the catalog). */
  roleLabel(roleId: string): string {
    for (const s of this.current.values()) {
      if (s.definition.roles.some((r) => r.id === roleId)) return roleName(s.definition, roleId);
    }
    return roleId;
  }

  /** Every role id of the catalog, with the SOPs it appears in. */
  knownRoles(): Map<string, string[]> {
    const roles = new Map<string, string[]>();
    for (const s of this.catalog()) {
      for (const r of s.definition.roles) roles.set(r.id, [...(roles.get(r.id) ?? []), s.definition.id]);
    }
    return roles;
  }

  catalog(): RegisteredSop[] {
    return [...this.current.values()].sort((a, b) => a.definition.id.localeCompare(b.definition.id));
  }

  sop(sopId: string): RegisteredSop {
    const entry = this.current.get(sopId);
    if (!entry) refuse('sop_not_found', { sopId, known: [...this.current.keys()].sort() });
    return entry;
  }

  private async timed<T>(action: string, run: () => Promise<T>): Promise<T> {
    const started = performance.now();
    let outcome: 'ok' | 'refused' | 'error' = 'ok';
    try {
      return await run();
    } catch (e) {
      outcome = e instanceof WorkflowError ? 'refused' : 'error';
      throw e;
    } finally {
      this.observe?.(action, (performance.now() - started) / 1000, outcome);
    }
  }

  async startCase(sopId: string, title: string, actor: Actor): Promise<ActionResult> {
    return this.timed('start', () => this.startCaseNow(sopId, title, actor));
  }

  private async startCaseNow(sopId: string, title: string, actor: Actor): Promise<ActionResult> {
    const sop = this.sop(sopId);
    if (!title.trim()) refuse('title_required', {});
    const now = this.clock();
    return this.db.transaction(async (tx) => {
      const calendar = await this.calendarFor(sop.definition, tx);
      const transition = engine.startCase(sop.definition, calendar, actor, now);
      const year = Number(new Intl.DateTimeFormat('en', { year: 'numeric', timeZone: sop.definition.unit.timezone }).format(now));
      const ref = await cases.nextCaseRef(tx, sop.definition.code, year);
      const created = await cases.insertCase(tx, {
        ref,
        sopVersionId: sop.versionId,
        sopId,
        title: title.trim(),
        startedBy: actor,
        startedAt: now,
      });
      const { openedIds } = await transitions.writeTransition(tx, created, transition, outboxWrites(transition.messages, created), actor, now);
      return { caseId: created.id, caseRef: ref, caseStatus: 'open' as const, outcome: null, openedTaskIds: openedIds };
    });
  }

  /** Complete, approve, return, choose, confirm or set the due date of a task. */
  async act(taskId: number, command: TaskCommand, actor: Actor, expectedVersion?: number): Promise<ActionResult> {
    return this.timed(command.type, () => this.onCase({ taskId }, actor, (ctx, now) => engine.applyCommand(ctx, taskId, expectedVersion, command, actor, now)));
  }

  /**
   * Refuses, with the core's reason, a command that could not succeed now (a closed or changed
   * task, another role's, a button the step never shows); changes nothing. For asking a
   * question or opening a form only when the answer could be used.
   */
  async checkCommand(taskId: number, type: TaskCommand['type'], actor: Actor, expectedVersion?: number): Promise<void> {
    const state = await this.readCase({ taskId });
    engine.checkCommand(state, taskId, expectedVersion, type, actor);
  }

  async attachDocument(
    taskId: number,
    slot: engine.UploadSlot,
    file: FileMeta,
    actor: Actor,
  ): Promise<ActionResult & { documentId: number; slot: engine.UploadSlot }> {
    let attached: { documentId: number; slot: engine.UploadSlot } | undefined;
    const result = await this.timed('attach', () =>
      this.onLockedCase({ taskId }, actor, async (ctx, now, tx) => {
        const decided = engine.attachDocument(ctx, taskId, slot, file, actor);
        const documentId = await documents.insertDocument(tx, {
          caseId: ctx.caseState.id,
          taskId,
          stepId: decided.stepId,
          slotKind: decided.slot.kind,
          slotName: decided.slot.name,
          file,
          actor,
          at: now,
        });
        attached = { documentId, slot: decided.slot };
        return decided.transition;
      }),
    );
    return { ...result, ...attached! };
  }

  async cancelCase(ref: string, reason: string, actor: Actor): Promise<ActionResult> {
    const found = await cases.findCaseByRef(this.db, ref);
    if (!found) refuse('case_not_found', { ref });
    return this.timed('cancel', () => this.onCase({ caseId: found.id }, actor, (ctx, now) => engine.cancelCase(ctx, reason, actor, now)));
  }

  /** Everything about a case for display: definition version, tasks, documents, timeline. */
  async caseDetails(ref: string) {
    const row = await cases.findCaseByRef(this.db, ref);
    if (!row) refuse('case_not_found', { ref });
    const [definition, taskRows, documentRows, events, version] = await Promise.all([
      this.definitionOf(row.sopVersionId, row.sopId),
      tasks.loadTasks(this.db, row.id),
      documents.loadDocuments(this.db, row.id),
      auditEvents.loadEvents(this.db, row.id),
      sopVersions.getSopVersion(this.db, row.sopVersionId),
    ]);
    return { caseRow: row, definition, sopVersion: version!.version, tasks: taskRows, documents: documentRows, events };
  }

  async caseById(caseId: number): Promise<cases.CaseRow> {
    const row = await cases.getCase(this.db, caseId);
    if (!row) throw new Error(`case ${caseId} missing`);
    return row;
  }

  /** A task with its case, definition, documents and calendar: for its card, its slots, its form. */
  async taskView(taskId: number): Promise<TaskView> {
    const loaded = await transitions.loadTaskForView(this.db, taskId);
    if (!loaded) refuse('task_not_found', { taskId });
    const { task, caseRow } = loaded;
    const definition = await this.definitionOf(caseRow.sopVersionId, caseRow.sopId);
    return { task, caseRow, definition, documents: loaded.documents, calendar: this.calendarWith(definition.unit, loaded) };
  }

  /** Open tasks, nearest deadline first, optionally of some roles only. */
  async openTasks(roles?: string[]) {
    return tasks.listOpenTasks(this.db, roles);
  }

  /** The working calendar of an SOP's unit: its zone and office hours, shipped and admin-added holidays and office-hour spans. */
  async calendarFor(def: SopDefinition, within?: Tx): Promise<WorkCalendar> {
    return this.calendarWith(def.unit, await calendarSettings.loadCalendarSettings(within ?? this.db));
  }

  /** The working calendar of a place in `timezone` with the configured hours (the digest's, say). */
  async calendarForZone(timezone: string, within?: Tx): Promise<WorkCalendar> {
    return this.calendarWith({ timezone }, await calendarSettings.loadCalendarSettings(within ?? this.db));
  }

  /**
   * Building a calendar checks the zone and the hours with luxon, about as costly as a query;
   * only what an admin sets at run time (holidays, office-hour spans) can change while the
   * service runs (in any replica), and callers read those each time.
   */
  calendarWith(unit: SopDefinition['unit'], settings: calendarSettings.CalendarSettings): WorkCalendar {
    const key = JSON.stringify(unit);
    let base = this.baseCalendars.get(key);
    if (!base) {
      // The SOP's own hours win over the service's configured ones, day by day.
      const configured = makeCalendar({ ...this.options.calendar, timezone: unit.timezone });
      const own = unit.officeHours;
      base = makeCalendar({
        ...this.options.calendar,
        timezone: unit.timezone,
        officeHours: own?.mondayToThursday ? parseDayHours(own.mondayToThursday) : configured.officeHours,
        fridayHours: own?.friday ? parseDayHours(own.friday) : configured.fridayHours,
      });
      this.baseCalendars.set(key, base);
    }
    if (!settings.extraHolidays.length && !settings.officeHours.length) return base;
    return withAdminSettings(base, {
      holidays: settings.extraHolidays.map((h) => h.date),
      specialHours: settings.officeHours.map((o) => ({
        from: o.fromDate,
        to: o.toDate,
        hours: parseDayHours(o.hours),
        ...(o.fridayHours ? { fridayHours: parseDayHours(o.fridayHours) } : {}),
        name: o.name,
      })),
    });
  }

  /** The definition a case runs on (its version, not necessarily the catalog's newest). */
  async definitionOf(sopVersionId: number, sopId: string, within?: Tx): Promise<SopDefinition> {
    const cached = this.definitionsByVersion.get(sopVersionId);
    if (cached) return cached;
    const stored = await sopVersions.getSopVersion(within ?? this.db, sopVersionId);
    if (!stored) refuse('definition_changed', { sopId });
    this.definitionsByVersion.set(sopVersionId, stored.definition);
    return stored.definition;
  }

  /** A case's state as the core reads it, without locking (for checks that change nothing). */
  private async readCase(target: { taskId: number } | { caseId: number }): Promise<engine.CaseContext> {
    const loaded = await transitions.loadCaseForAction(this.db, target, { lock: false });
    if (!loaded) notFound(target);
    return this.contextOf(await this.definitionOf(loaded.caseRow.sopVersionId, loaded.caseRow.sopId), loaded);
  }

  /**
   * Decides an action on a case (named by itself or by one of its tasks) and writes it.
   *
   * Without a lock first: read the case in one statement, let the core decide, write it all in
   * one statement that holds only for the versions the core saw. That is two round trips, and a
   * connection is held only while a statement runs. If another action changed the case in
   * between, nothing was written, and the action reads again: most often the core now refuses
   * (the other press closed the task) or decides on the new state. A case that changed under it
   * twice is left to the case's lock, where no change can come in between.
   */
  private async onCase(
    target: { taskId: number } | { caseId: number },
    actor: Actor,
    decide: (ctx: engine.CaseContext, now: Date) => Transition,
  ): Promise<ActionResult> {
    for (let attempt = 1; attempt <= UNLOCKED_ATTEMPTS; attempt++) {
      try {
        const loaded = await transitions.loadCaseForAction(this.db, target, { lock: false });
        if (!loaded) notFound(target);
        const now = this.clock();
        const def = await this.definitionOf(loaded.caseRow.sopVersionId, loaded.caseRow.sopId);
        const transition = decide(this.contextOf(def, loaded), now);
        return await this.write(this.db, loaded.caseRow, transition, actor, now);
      } catch (e) {
        if (!(e instanceof transitions.ConcurrentChangeError)) throw e;
      }
    }
    return this.onLockedCase(target, actor, decide);
  }

  /** Locks the case, decides, and writes it all in one transaction (for a decision that writes more itself). */
  private async onLockedCase(
    target: { taskId: number } | { caseId: number },
    actor: Actor,
    decide: (ctx: engine.CaseContext, now: Date, tx: Tx) => Transition | Promise<Transition>,
  ): Promise<ActionResult> {
    try {
      return await this.db.transaction(async (tx) => {
        const loaded = await transitions.loadCaseForAction(tx, target, { lock: true });
        if (!loaded) notFound(target);
        // Read the clock after the lock: an action that waited for another sees time move on.
        const now = this.clock();
        const def = await this.definitionOf(loaded.caseRow.sopVersionId, loaded.caseRow.sopId, tx);
        const transition = await decide(this.contextOf(def, loaded), now, tx);
        return this.write(tx, loaded.caseRow, transition, actor, now);
      });
    } catch (e) {
      // Under the lock no other action changes the case; a task changed by anything else is refused.
      if (e instanceof transitions.ConcurrentChangeError && e.taskId !== null) throw new WorkflowError('stale_version', { taskId: e.taskId });
      throw e;
    }
  }

  private contextOf(def: SopDefinition, loaded: transitions.CaseForAction): engine.CaseContext {
    return { def, caseState: loaded.caseRow, tasks: loaded.tasks, documents: loaded.documents, calendar: this.calendarWith(def.unit, loaded) };
  }

  private async write(q: Db | Tx, caseRow: cases.CaseRow, transition: Transition, actor: Actor, now: Date): Promise<ActionResult> {
    const { openedIds } = await transitions.writeTransition(q, caseRow, transition, outboxWrites(transition.messages, caseRow), actor, now);
    return {
      caseId: caseRow.id,
      caseRef: caseRow.ref,
      caseStatus: transition.caseChange.status ?? caseRow.status,
      outcome: transition.caseChange.outcome ?? caseRow.outcome,
      openedTaskIds: openedIds,
    };
  }
}

/** Reads and writes without a lock before an action takes the case's lock. */
const UNLOCKED_ATTEMPTS = 2;

function notFound(target: { taskId: number } | { caseId: number }): never {
  if ('taskId' in target) refuse('task_not_found', { taskId: target.taskId });
  throw new Error(`case ${target.caseId} vanished`);
}
