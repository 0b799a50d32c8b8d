/**
 * Runs one workflow action in one database transaction: lock the case row, load its state,
 * let the pure core decide, write state + audit events + outbox rows, commit. Nothing is
 * sent from here; the outbox dispatcher sends after commit.
 */
import { makeCalendar, parseDayHours, withAdminSettings, type MakeCalendarOptions, type WorkCalendar } from '../calendar/calendar.js';
import type { Db, Tx } from '../db/database.js';
import * as store from '../db/store.js';
import type { SopDefinition } from '../sop/definition.js';
import { buildCard, type Card } from './card.js';
import * as engine from './engine.js';
import { WorkflowError, refuse } from './errors.js';
import type { Actor, FileMeta, TaskCommand, Transition } from './model.js';

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
      const stored = await store.ensureSopVersion(this.db, item.definition, item.contentHash, item.file ?? null);
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
      if (s.definition.roles.some((r) => r.id === roleId)) return engine.roleName(s.definition, roleId);
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
      const calendar = await this.calendarFor(tx, sop.definition);
      const transition = engine.startCase(sop.definition, calendar, actor, now);
      const year = Number(new Intl.DateTimeFormat('en', { year: 'numeric', timeZone: sop.definition.unit.timezone }).format(now));
      const ref = await store.nextCaseRef(tx, sop.definition.code, year);
      const created = await store.insertCase(tx, {
        ref,
        sopVersionId: sop.versionId,
        sopId,
        title: title.trim(),
        startedBy: actor,
        startedAt: now,
      });
      const { openedIds } = await store.writeTransition(tx, created, transition, actor, now);
      return { caseId: created.id, caseRef: ref, caseStatus: 'open' as const, outcome: null, openedTaskIds: openedIds };
    });
  }

  /** Complete, approve, return, choose, confirm or set the due date of a task. */
  async act(taskId: number, command: TaskCommand, actor: Actor, expectedVersion?: number): Promise<ActionResult> {
    return this.timed(command.type, () => this.onCase({ taskId }, actor, (ctx, now) => engine.applyCommand(ctx, taskId, expectedVersion, command, actor, now)));
  }

  async attachDocument(
    taskId: number,
    slot: { kind: 'kelengkapan' | 'output'; name: string },
    file: FileMeta,
    actor: Actor,
  ): Promise<ActionResult & { documentId: number; slotName: string }> {
    let documentId = 0;
    let slotName = slot.name;
    const result = await this.timed('attach', () => this.onCase({ taskId }, actor, async (ctx, now, tx) => {
      const transition = engine.attachDocument(ctx, taskId, slot, file, actor);
      const data = transition.events[0]!.data as { slotKind: 'kelengkapan' | 'output'; slotName: string };
      const task = ctx.tasks.find((t) => t.id === taskId)!;
      slotName = data.slotName;
      documentId = await store.insertDocument(tx, {
        caseId: ctx.caseState.id,
        taskId,
        stepId: task.stepId,
        slotKind: data.slotKind,
        slotName: data.slotName,
        file,
        actor,
        at: now,
      });
      return transition;
    }));
    return { ...result, documentId, slotName };
  }

  async cancelCase(ref: string, reason: string, actor: Actor): Promise<ActionResult> {
    const found = await store.findCaseByRef(this.db, ref);
    if (!found) refuse('case_not_found', { ref });
    return this.timed('cancel', () => this.onCase({ caseId: found.id }, actor, (ctx, now) => engine.cancelCase(ctx, reason, actor, now)));
  }

  /** Everything about a case for display: definition version, tasks, documents, timeline. */
  async caseDetails(ref: string) {
    const row = await store.findCaseByRef(this.db, ref);
    if (!row) refuse('case_not_found', { ref });
    const [definition, tasks, documents, events] = await Promise.all([
      this.definitionOf(this.db, row.sopVersionId, row.sopId),
      store.loadTasks(this.db, row.id),
      store.loadDocuments(this.db, row.id),
      store.loadEvents(this.db, row.id),
    ]);
    const version = await store.getSopVersion(this.db, row.sopVersionId);
    return { caseRow: row, definition, sopVersion: version!.version, tasks, documents, events };
  }

  async caseById(caseId: number) {
    const row = await store.getCase(this.db, caseId);
    if (!row) throw new Error(`case ${caseId} missing`);
    return row;
  }

  /** The card of a task as it stands now (for the first post and for every edit). */
  async cardFor(taskId: number): Promise<Card> {
    const task = await store.getTask(this.db, taskId);
    if (!task) refuse('task_not_found', { taskId });
    const caseRow = (await store.getCase(this.db, task.caseId))!;
    const def = await this.definitionOf(this.db, caseRow.sopVersionId, caseRow.sopId);
    return buildCard({
      def,
      caseRow,
      task,
      documents: await store.loadDocuments(this.db, caseRow.id),
      calendar: await this.calendarFor(this.db, def),
    });
  }

  async openTasks(roles?: string[]) {
    return store.listOpenTasks(this.db, roles);
  }

  /** The working calendar of an SOP's unit: its zone and office hours, shipped and admin-added holidays and office-hour spans. */
  async calendarFor(q: Db | Tx, def: SopDefinition): Promise<WorkCalendar> {
    return this.calendarWith(def.unit, await store.loadCalendarSettings(q));
  }

  /** The working calendar of a place in `timezone` with the configured hours (the digest's, say). */
  async calendarForZone(q: Db | Tx, timezone: string): Promise<WorkCalendar> {
    return this.calendarWith({ timezone }, await store.loadCalendarSettings(q));
  }

  /**
   * Building a calendar checks the zone and the hours with luxon, about as costly as a query;
   * only what an admin sets at run time (holidays, office-hour spans) can change while the
   * service runs (in any replica), and callers read those each time.
   */
  calendarWith(unit: SopDefinition['unit'], settings: store.CalendarSettings): WorkCalendar {
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

  async definitionOf(q: Db | Tx, sopVersionId: number, sopId: string): Promise<SopDefinition> {
    const cached = this.definitionsByVersion.get(sopVersionId);
    if (cached) return cached;
    const stored = await store.getSopVersion(q, sopVersionId);
    if (!stored) refuse('definition_changed', { sopId });
    this.definitionsByVersion.set(sopVersionId, stored.definition);
    return stored.definition;
  }

  /** Locks the case (named by itself or by one of its tasks), decides, and writes it all in one transaction. */
  private async onCase(
    target: { taskId: number } | { caseId: number },
    actor: Actor,
    decide: (ctx: engine.CaseContext, now: Date, tx: Tx) => Transition | Promise<Transition>,
  ): Promise<ActionResult> {
    try {
      return await this.db.transaction(async (tx) => {
        const loaded = await store.loadCaseForAction(tx, target);
        if (!loaded) {
          if ('taskId' in target) refuse('task_not_found', { taskId: target.taskId });
          throw new Error(`case ${target.caseId} vanished`);
        }
        const { caseRow, tasks, documents } = loaded;
        const caseId = caseRow.id;
        // Read the clock after the lock: an action that waited for another sees time move on.
        const now = this.clock();
        const def = await this.definitionOf(tx, caseRow.sopVersionId, caseRow.sopId);
        const calendar = this.calendarWith(def.unit, loaded);
        const ctx: engine.CaseContext = { def, caseState: caseRow, tasks, documents, calendar };
        const transition = await decide(ctx, now, tx);
        const { openedIds } = await store.writeTransition(tx, caseRow, transition, actor, now);
        return {
          caseId,
          caseRef: caseRow.ref,
          caseStatus: transition.caseChange.status ?? caseRow.status,
          outcome: transition.caseChange.outcome ?? caseRow.outcome,
          openedTaskIds: openedIds,
        };
      });
    } catch (e) {
      if (e instanceof store.ConcurrentChangeError) throw new WorkflowError('stale_version', { taskId: e.taskId });
      throw e;
    }
  }
}
