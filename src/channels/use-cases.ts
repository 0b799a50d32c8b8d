/**
 * What a person can do from a chat, the same on every platform: bind a chat to a role, start a
 * case, list a role's tasks, read a case, press a card's button, answer a form, upload a
 * document. Each use case checks what the chat and the person may do (the binding, the allow
 * list, the card still being current) and then asks the workflow service; it answers with data,
 * or refuses with a code (ChannelRefusal, or the core's WorkflowError) that each adapter puts
 * in its own words. The adapters only translate: updates in, rendered answers out.
 *
 * Like Bolt's receivers feeding one processEvent, Telegram and Slack feed this one layer, so a
 * third channel is an adapter, not a copy.
 */
import { DateTime } from 'luxon';
import type { Core } from '../bootstrap.js';
import { formatLocal } from '../calendar/calendar.js';
import { parseDueInput } from '../calendar/due-input.js';
import * as bindings from '../db/queries/bindings.js';
import * as outbox from '../db/queries/outbox.js';
import * as prompts from '../db/queries/prompts.js';
import * as updates from '../db/queries/updates.js';
import { rerouteUnrouted } from '../delivery/dispatcher.js';
import { FILE_KIND, type FileSpec } from '../delivery/files.js';
import { fileAnswerKey } from '../delivery/outbox-keys.js';
import { periodText } from '../messages/report.js';
import { monthPeriod, parseMonth, previousMonth } from '../report/build.js';
import { buildCard, type Card } from '../messages/card.js';
import { brief, type ChannelRefusalCode } from '../messages/id.js';
import { renderTaskLine } from '../messages/render.js';
import type { RegisteredSop } from '../service/workflow-service.js';
import { roleName, type SopDefinition } from '../sop/definition.js';
import type { StoredFile } from '../storage/files.js';
import { withStoredFile } from '../storage/intake.js';
import { mimeTypeOf } from '../storage/mime.js';
import { findStep, missingOutputs, stepNumber, uploadSlots, type UploadSlot } from '../workflow/engine.js';
import { isWorkflowError } from '../workflow/errors.js';
import type { Actor, TaskCommand } from '../workflow/model.js';
import type { TaskPress } from './button-press.js';
import { Coalescer } from './coalesce.js';

export type ChatPlatform = bindings.ChatPlatform;
export type Place = bindings.Place;

/** A person in a chat: their platform id, and their name as colleagues know it. */
export interface Person {
  userId: string;
  name: string;
}

/** The chat or the person may not do this here; the words are the catalog's, per platform. */
export class ChannelRefusal extends Error {
  constructor(
    readonly code: ChannelRefusalCode,
    /** What the words need: the text typed, a role's name. */
    readonly params: Record<string, string> = {},
  ) {
    super(code);
    this.name = 'ChannelRefusal';
  }
}

export function isChannelRefusal(e: unknown): e is ChannelRefusal {
  return e instanceof ChannelRefusal;
}

/** A Kembalikan or due-date press whose form may be shown: what the form needs, and carries back. */
export interface FormTarget {
  kind: 'return' | 'set-due';
  taskId: number;
  version: number;
  caseRef: string;
  stepId: string;
  /** The SOP's unit (zone, office hours): enough to read a typed due date without the database. */
  unit: SopDefinition['unit'];
}

/** A document someone sent for a task, before its slot is known; `source` is the platform's own handle. */
export interface PendingUpload<S = Record<string, unknown>> {
  taskId: number;
  role: string;
  fileName: string;
  slots: UploadSlot[];
  source: S;
}

export interface TaskLine {
  caseRef: string;
  caseTitle: string;
  line: string;
}

const PROMPT_TTL_MS = 10 * 60 * 1000;

export class ChannelUseCases {
  private readonly clock: () => Date;
  private readonly promptTtlMs: number;

  constructor(
    readonly core: Core,
    readonly platform: ChatPlatform,
    options: { clock?: () => Date; promptTtlMs?: number } = {},
  ) {
    this.clock = options.clock ?? (() => new Date());
    this.promptTtlMs = options.promptTtlMs ?? PROMPT_TTL_MS;
  }

  /** Updates that arrive together are claimed, and finished, together (see Coalescer). */
  private readonly claims = new Coalescer<string, boolean>(async (keys) => {
    const claimed = await updates.claimUpdates(this.db, this.platform, keys);
    // The same update twice in one batch (a replay racing the original): handled once.
    return keys.map((key, i) => claimed.has(key) && keys.indexOf(key) === i);
  });

  private readonly finishes = new Coalescer<string, void>(async (keys) => {
    await updates.finishUpdates(this.db, this.platform, keys);
    return keys.map(() => undefined);
  });

  private get db() {
    return this.core.database.db;
  }

  get service() {
    return this.core.service;
  }

  now(): Date {
    return this.clock();
  }

  // ------------------------------------------------------------------------------------------
  // Places, roles and people

  rolesOf(place: Place): Promise<string[]> {
    return bindings.rolesOfPlace(this.db, place);
  }

  roleLabels(roles: string[]): string[] {
    return roles.map((r) => this.service.roleLabel(r));
  }

  /** The roles of the place this person may act for (a role with an allow list names them). */
  async actingRoles(place: Place, userId: string): Promise<string[]> {
    const roles = await this.rolesOf(place);
    const ok = await Promise.all(roles.map((r) => bindings.mayAct(this.db, this.platform, r, userId)));
    return roles.filter((_, i) => ok[i]);
  }

  actor(person: Person, role?: string): Actor {
    return { channel: this.platform, userId: person.userId, name: person.name, ...(role ? { role } : {}) };
  }

  /** The role this place acts as for a task's roles, if the person may act for it. */
  private async roleFor(place: Place, person: Person, taskRoles: string[]): Promise<string> {
    const role = (await this.rolesOf(place)).find((r) => taskRoles.includes(r));
    return actingRole(role, role !== undefined && (await bindings.mayAct(this.db, this.platform, role, person.userId)));
  }

  /**
   * The roles a person acts for anywhere on this platform: every role whose allow list names
   * them, plus the roles of the bound chats they are a member of (unless that role's allow list
   * leaves them out). `isMember` asks the platform, only for the chats it must.
   */
  async rolesOfPerson(userId: string, isMember: (chatId: string) => Promise<boolean>): Promise<string[]> {
    const roles = new Set(
      (await bindings.listAllowlist(this.db)).filter((a) => a.platform === this.platform && a.userId === userId).map((a) => a.role),
    );
    const byChat = new Map<string, string[]>();
    for (const b of await bindings.listBindings(this.db)) {
      if (b.platform === this.platform) byChat.set(b.chatId, [...(byChat.get(b.chatId) ?? []), b.role]);
    }
    for (const [chatId, chatRoles] of byChat) {
      if (chatRoles.every((r) => roles.has(r))) continue;
      if (!(await isMember(chatId))) continue;
      for (const r of chatRoles) if (await bindings.mayAct(this.db, this.platform, r, userId)) roles.add(r);
    }
    return [...roles].sort();
  }

  /** Open tasks of some roles with what a list shows of them: step, kegiatan, Pelaksana, deadline. */
  async openTaskSummaries(roles: string[]) {
    const open = roles.length ? await this.service.openTasks(roles) : [];
    const out = [];
    for (const t of open) {
      const def = await this.service.definitionOf(t.sopVersionId, t.sopId);
      const { index, total } = stepNumber(def, t.stepId);
      out.push({
        caseRef: t.caseRef,
        caseTitle: t.caseTitle,
        step: { id: t.stepId, index, total, visit: t.visit },
        kegiatan: def.steps.find((x) => x.id === t.stepId)?.kegiatan ?? '',
        roles: t.roles.map((r) => roleName(def, r)),
        dueAt: t.dueAt,
        due: t.dueAt ? formatLocal(t.dueAt, await this.service.calendarFor(def)) : null,
      });
    }
    return out;
  }

  private async boundRoles(place: Place): Promise<string[]> {
    const roles = await this.rolesOf(place);
    if (!roles.length) throw new ChannelRefusal('not_bound');
    return roles;
  }

  // ------------------------------------------------------------------------------------------
  // Each update once

  /**
   * Runs `work` unless the update (Telegram update_id, Slack event_id or interaction key) was
   * handled already or is being handled; false when skipped. A failure releases it for a retry.
   */
  async once(key: string, work: () => Promise<void>): Promise<boolean> {
    if (!(await this.claims.call(key))) return false;
    try {
      await work();
    } catch (e) {
      await updates.releaseUpdate(this.db, this.platform, key).catch(() => {});
      throw e;
    }
    // The work is committed: a batch's failed finish (a connection blip) must not leave every
    // update of the batch claimed but unfinished, to be done again after the claim goes stale.
    // Each is finished alone once more, after a moment.
    await this.finishes.call(key).catch(async () => {
      await new Promise((r) => setTimeout(r, 200));
      await updates.finishUpdate(this.db, this.platform, key);
    });
    return true;
  }

  // ------------------------------------------------------------------------------------------
  // Binding

  /** Redeems a one-time pairing code for this place; the role's waiting messages find it at once. */
  async bind(place: Place, code: string, label: string | null): Promise<{ role: string; fresh: boolean }> {
    const redeemed = await this.db.transaction(async (tx) => {
      const r = await bindings.redeemPairingCode(tx, this.platform, code, this.clock());
      if (!r.ok) return r;
      return { ...r, fresh: await bindings.bindPlace(tx, place, r.role, label) };
    });
    if (!redeemed.ok) throw new ChannelRefusal(redeemed.reason === 'unknown' ? 'code_unknown' : redeemed.reason === 'used' ? 'code_used' : 'code_expired');
    await rerouteUnrouted(this.db, redeemed.role);
    return { role: redeemed.role, fresh: redeemed.fresh };
  }

  unbind(place: Place): Promise<string[]> {
    return bindings.unbindPlace(this.db, place);
  }

  // ------------------------------------------------------------------------------------------
  // Starting a case

  /** The SOPs this person may start here: those whose first step is done by a role they act for. */
  async startableSops(place: Place, userId: string): Promise<RegisteredSop[]> {
    await this.boundRoles(place);
    const roles = await this.actingRoles(place, userId);
    if (!roles.length) throw new ChannelRefusal('not_allowed');
    const startable = this.service.catalog().filter((s) => roles.includes(s.definition.steps[0]!.role ?? ''));
    if (!startable.length) throw new ChannelRefusal('no_startable_sop');
    return startable;
  }

  /** Checked again at the answer: the chat may have been unbound, or the person struck off, meanwhile. */
  async startCase(place: Place, person: Person, sopId: string, title: string) {
    const sop = this.service.sop(sopId);
    const first = sop.definition.steps[0]!.role;
    if (!(await this.rolesOf(place)).some((r) => r === first)) throw new ChannelRefusal('no_startable_sop');
    if (!(await this.actingRoles(place, person.userId)).includes(first!)) throw new ChannelRefusal('not_allowed');
    return this.service.startCase(sopId, title, this.actor(person, first));
  }

  // ------------------------------------------------------------------------------------------
  // Reading

  /** The open tasks of the place's roles, nearest deadline first, each as one line of text. */
  async openTasks(place: Place): Promise<TaskLine[]> {
    const open = await this.service.openTasks(await this.boundRoles(place));
    const lines: TaskLine[] = [];
    for (const t of open) {
      const def = await this.service.definitionOf(t.sopVersionId, t.sopId);
      lines.push({ caseRef: t.caseRef, caseTitle: t.caseTitle, line: renderTaskLine(def, t, await this.service.calendarFor(def)) });
    }
    return lines;
  }

  /** A case, if the place speaks for a role that takes part in it. */
  async caseFor(place: Place, ref: string) {
    const roles = await this.boundRoles(place);
    const details = await this.service.caseDetails(ref);
    const caseRoles = new Set(details.tasks.flatMap((t) => t.roles));
    if (!roles.some((r) => caseRoles.has(r))) throw new ChannelRefusal('not_in_case');
    return { details, calendar: await this.service.calendarFor(details.definition) };
  }

  // ------------------------------------------------------------------------------------------
  // Presses and forms

  /**
   * The task a press names, its definition, and the role this place presses it as: one
   * statement, for a press is answered only once it acted (the task's state and version are
   * checked again by the action itself).
   */
  private async pressed(place: Place, person: Person, press: TaskPress): Promise<{ target: bindings.PressTarget; definition: SopDefinition; role: string }> {
    const target = await bindings.pressTarget(this.db, place, person.userId, press.taskId);
    if (!target) throw new ChannelRefusal('unknown_button');
    const role = target.placeRoles.find((r) => target.taskRoles.includes(r));
    return {
      target,
      definition: await this.service.definitionOf(target.sopVersionId, target.sopId),
      role: actingRole(role, role !== undefined && target.allowedRoles.includes(role)),
    };
  }

  /** Selesai, Setujui, Konfirmasi or a branch: acted on at once, against the version on the card. */
  async press(place: Place, person: Person, press: TaskPress) {
    const { target, definition, role } = await this.pressed(place, person, press);
    let command: TaskCommand;
    if (press.action === 'choose') {
      const branch = findStep(definition, target.stepId).branches?.[press.branchIndex];
      if (!branch) throw new ChannelRefusal('unknown_button');
      command = { type: 'choose', branch: branch.label };
    } else if (press.action === 'return' || press.action === 'set-due') {
      throw new ChannelRefusal('unknown_button');
    } else {
      command = { type: press.action };
    }
    return this.service.act(press.taskId, command, this.actor(person, role), press.version);
  }

  /**
   * Kembalikan or Tentukan batas waktu: the form (or question) is only worth filling in if the
   * press could succeed; otherwise the refusal says why now. A button this step never shows (a
   * forged press) opens nothing.
   */
  async openForm(place: Place, person: Person, press: TaskPress): Promise<FormTarget> {
    if (press.action !== 'return' && press.action !== 'set-due') throw new ChannelRefusal('unknown_button');
    const { target, definition, role } = await this.pressed(place, person, press);
    try {
      await this.service.checkCommand(press.taskId, press.action, this.actor(person, role), press.version);
    } catch (e) {
      if (isWorkflowError(e) && e.code === 'wrong_action') throw new ChannelRefusal('unknown_button');
      throw e;
    }
    return {
      kind: press.action,
      taskId: target.taskId,
      version: press.version,
      caseRef: target.caseRef,
      stepId: target.stepId,
      unit: definition.unit,
    };
  }

  /** A form's answer, checked again: the form may have stayed open while the chat or the task changed. */
  async submitForm(place: Place, person: Person, target: { taskId: number; version: number }, command: TaskCommand) {
    const { role } = await this.pressed(place, person, { kind: 'task', taskId: target.taskId, version: target.version, action: 'complete' });
    return this.service.act(target.taskId, command, this.actor(person, role), target.version);
  }

  /**
   * A due date as typed ("30/11 14.00") in the unit's zone; a day alone is that day's closing
   * time. Null when it does not read as one. Needs no database (a Slack form must be answered
   * within 3 s); the workflow checks the date again when it is set.
   */
  parseDue(unit: SopDefinition['unit'], text: string): Date | null {
    return parseDueInput(text, this.clock(), this.service.calendarWith(unit, { extraHolidays: [], officeHours: [] }));
  }

  // ------------------------------------------------------------------------------------------
  // Questions waiting for an answer

  async ask(place: Place, person: Person, kind: prompts.PromptKind, data: Record<string, unknown>): Promise<number> {
    return prompts.openPrompt(this.db, {
      platform: this.platform,
      chatId: place.chatId,
      userId: person.userId,
      kind,
      data,
      expiresAt: new Date(this.clock().getTime() + this.promptTtlMs),
    });
  }

  /** Asks the same again (a due date that did not parse), keeping the first question's message and expiry. */
  async askAgain(prompt: NonNullable<Awaited<ReturnType<typeof prompts.takePrompt>>>): Promise<void> {
    await prompts.openPrompt(this.db, {
      platform: prompt.platform,
      chatId: prompt.chatId,
      userId: prompt.userId,
      kind: prompt.kind,
      data: prompt.data,
      expiresAt: prompt.expiresAt,
      ...(prompt.promptMessageId ? { promptMessageId: prompt.promptMessageId } : {}),
    });
  }

  setPromptMessage(promptId: number, messageId: string): Promise<void> {
    return prompts.setPromptMessage(this.db, promptId, messageId);
  }

  /** The person's open question in this chat, taken (an answer is used once). */
  takePrompt(place: Place, userId: string) {
    return prompts.takePrompt(this.db, this.platform, place.chatId, userId, this.clock());
  }

  async takeSlotPrompt<S>(promptId: number, userId: string): Promise<PendingUpload<S>> {
    const prompt = await prompts.takePromptById(this.db, promptId, userId, this.clock());
    if (prompt?.kind !== 'upload-slot') throw new ChannelRefusal('prompt_gone');
    return prompt.data as unknown as PendingUpload<S>;
  }

  cancelPrompts(place: Place, userId: string): Promise<number> {
    return prompts.cancelPrompts(this.db, this.platform, place.chatId, userId);
  }

  // ------------------------------------------------------------------------------------------
  // Documents

  /** The task whose card a message replied to (a Telegram reply, a Slack thread), if any. */
  taskOfReply(place: Place, messageId: string): Promise<number | null> {
    return outbox.taskOfRepliedCard(this.db, this.platform, place.chatId, messageId);
  }

  /**
   * Where a document sent for a task can go: the slots of its step on this case's path, and the
   * obvious one when no question is needed (the only slot, or the only output still missing).
   */
  async uploadTarget<S>(place: Place, person: Person, taskId: number, fileName: string, source: S): Promise<{ upload: PendingUpload<S>; obvious: UploadSlot | undefined }> {
    const view = await this.service.taskView(taskId);
    const role = await this.roleFor(place, person, view.task.roles);
    const step = findStep(view.definition, view.task.stepId);
    const slots = uploadSlots(step, view.caseRow.decisions);
    if (!slots.length) throw new ChannelRefusal('no_slots');
    const missing = missingOutputs(step, view.task, view.documents, view.caseRow.decisions);
    const obvious = slots.length === 1 ? slots[0] : missing.length === 1 ? slots.find((s) => s.kind === 'output' && s.name === missing[0]) : undefined;
    return { upload: { taskId, role, fileName, slots, source }, obvious };
  }

  /** Records a stored file in its slot; if the workflow refuses, the file is removed again. */
  attach(person: Person, upload: PendingUpload<unknown>, slot: UploadSlot, stored: StoredFile) {
    return withStoredFile(this.core.files, stored, () =>
      this.service.attachDocument(upload.taskId, slot, { fileName: upload.fileName, mimeType: mimeTypeOf(upload.fileName), ...stored }, this.actor(person, upload.role)),
    );
  }

  // ------------------------------------------------------------------------------------------
  // Files and pictures. Only what to render is enqueued, addressed to this place; the outbox
  // renders and sends it (src/delivery/files.ts), so the answer to the person comes at once.
  // `request` names the command or press (update id, trigger, action): handled again, it adds nothing.

  /** The SOP's sheet (PDF) and its flowchart (photo) into this place. */
  async sendSopSheet(place: Place, sop: { sopId: string } | { sopIndex: number } | { caseId: number }, request: string): Promise<RegisteredSop> {
    await this.boundRoles(place);
    let registered: RegisteredSop | undefined;
    if ('sopIndex' in sop) registered = this.service.catalog()[sop.sopIndex];
    else if ('caseId' in sop) registered = this.service.sop((await this.caseOf(sop.caseId)).sopId);
    else registered = this.service.sop(sop.sopId.trim().toLowerCase());
    if (!registered) throw new ChannelRefusal('unknown_button');
    const sopId = registered.definition.id;
    await this.enqueueFiles(place, request, null, [
      { render: 'sop-sheet', sopId },
      { render: 'sop-picture', sopId },
    ]);
    return registered;
  }

  /** Where a case stands, drawn on its flowchart, into this place; only for a place whose roles take part. */
  async sendCasePicture(place: Place, target: { ref: string } | { caseId: number }, request: string): Promise<string> {
    const ref = 'ref' in target ? target.ref : (await this.caseOf(target.caseId)).ref;
    const { details } = await this.caseFor(place, ref);
    await this.enqueueFiles(place, request, details.caseRow.id, [{ render: 'case-picture', caseId: details.caseRow.id }]);
    return details.caseRow.ref;
  }

  /**
   * The monitoring form (XLSX and PDF) of a month into this place, for the digest role's chats
   * only. `args` is what followed the command: "[ID] [bulan]", the month as "2026-11",
   * "November 2026" or "11/2026"; the previous month by default. Returns the period in words.
   */
  async sendMonitoringReport(place: Place, args: string, request: string): Promise<string> {
    const roles = await this.boundRoles(place);
    const digestRole = this.core.config.scheduler.digest.role;
    if (!roles.includes(digestRole)) throw new ChannelRefusal('report_digest_only', { role: this.service.roleLabel(digestRole) });
    const { sopId, month } = this.reportRequest(args);
    const timezone = this.core.config.scheduler.timezone;
    const current = formatMonth(this.clock(), timezone);
    if (month && month > current) throw new ChannelRefusal('future_month', { month });
    const { from, to } = month ? monthPeriod(month) : previousMonth(this.clock(), timezone);
    const base = { render: 'monitoring' as const, from, to, ...(sopId ? { sopId } : {}) };
    await this.enqueueFiles(place, request, null, [
      { ...base, format: 'xlsx' },
      { ...base, format: 'pdf' },
    ]);
    return periodText(from, to, true);
  }

  /** "[ID] [bulan]": a first word that is a catalog SOP's id is the SOP; the rest is the month. */
  private reportRequest(args: string): { sopId?: string; month?: string } {
    const words = args.trim().split(/\s+/).filter(Boolean);
    if (!words.length) return {};
    const first = words[0]!.toLowerCase();
    const known = this.service.catalog().some((s) => s.definition.id === first);
    const monthText = (known ? words.slice(1) : words).join(' ');
    const month = monthText ? parseMonth(monthText) : undefined;
    if (month === null) {
      // One word that is neither a month nor a known SOP: most likely a mistyped SOP id, which the
      // workflow's refusal names together with the SOPs there are.
      if (!known && words.length === 1 && /^[a-z][a-z0-9_-]*$/.test(first)) this.service.sop(first);
      throw new ChannelRefusal('bad_month', { text: brief(monthText, 41) });
    }
    return { ...(known ? { sopId: first } : {}), ...(month ? { month } : {}) };
  }

  private async caseOf(caseId: number) {
    try {
      return await this.service.caseById(caseId);
    } catch {
      // A press naming a case that is not there (forged, or from another installation).
      throw new ChannelRefusal('unknown_button');
    }
  }

  private async enqueueFiles(place: Place, request: string, caseId: number | null, specs: FileSpec[]): Promise<void> {
    const part = (spec: FileSpec) => ('format' in spec ? `${spec.render}.${spec.format}` : spec.render);
    await outbox.enqueueOutbox(
      this.db,
      specs.map((spec) => ({
        kind: FILE_KIND,
        role: null,
        caseId,
        taskId: null,
        payload: { ...spec },
        dedupeKey: fileAnswerKey(place, request, part(spec)),
        platform: place.platform,
        chatId: place.chatId,
        threadId: place.threadId,
        nextAttemptAt: this.clock(),
      })),
    );
  }

  // ------------------------------------------------------------------------------------------
  // Cards, for the transports

  /** The card of a task as it stands now (for the first post and for every edit). */
  async card(taskId: number): Promise<Card> {
    const view = await this.service.taskView(taskId);
    return buildCard({ def: view.definition, caseRow: view.caseRow, task: view.task, documents: view.documents, calendar: view.calendar });
  }

  /** The message of a task's card in a chat, so a notice about the task can answer it. */
  cardMessageIn(chatId: string, taskId: number): Promise<string | null> {
    return outbox.cardMessageIn(this.db, this.platform, chatId, taskId);
  }
}

/** "2026-11": the month `at` falls in, in the zone. */
function formatMonth(at: Date, timezone: string): string {
  return DateTime.fromJSDate(at, { zone: timezone }).toFormat('yyyy-MM');
}

/** A place acts for a task as the first of its roles that the task names, if the person may act for that role. */
function actingRole(role: string | undefined, personMayAct: boolean): string {
  if (role === undefined) throw new ChannelRefusal('wrong_chat');
  if (!personMayAct) throw new ChannelRefusal('not_allowed');
  return role;
}
