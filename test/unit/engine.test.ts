/**
 * The pure workflow core, on a small SOP written for these stories: no database, no chat.
 */
import { describe, expect, it } from 'vitest';
import { makeCalendar } from '../../src/calendar/calendar.js';
import { sampleSop } from '../support/sample-sop.js';
import * as engine from '../../src/workflow/engine.js';
import { WorkflowError } from '../../src/workflow/errors.js';
import { refusalText, TERMS } from '../../src/messages/id.js';
import type { Actor, CaseState, DocumentState, TaskState, Transition } from '../../src/workflow/model.js';

const def = sampleSop;

const calendar = makeCalendar({ timezone: 'Asia/Jakarta' });
const as = (role: string): Actor => ({ channel: 'cli', userId: role, name: `Pak ${role}`, role });
// Monday 23 November 2026, 09:00 WIB.
const monday9 = new Date('2026-11-23T02:00:00Z');

/** A tiny in-memory case that applies transitions the way the store does. */
class MemoryCase {
  caseState: CaseState = {
    id: 1, ref: 'CTH-2026-0001', sopId: 'contoh', title: 'Uji', status: 'open', outcome: null,
    decisions: {}, startedAt: monday9, closedAt: null, version: 1,
  };
  tasks: TaskState[] = [];
  documents: DocumentState[] = [];
  private nextId = 1;

  constructor() {
    this.apply(engine.startCase(def, calendar, as('kabid'), monday9), monday9);
  }

  ctx(): engine.CaseContext {
    return { def, caseState: this.caseState, tasks: this.tasks, documents: this.documents, calendar };
  }

  open(): TaskState {
    const open = this.tasks.filter((t) => t.status === 'open');
    expect(open).toHaveLength(1);
    return open[0]!;
  }

  apply(t: Transition, now: Date): Transition {
    Object.assign(this.caseState, t.caseChange);
    this.caseState.version++;
    for (const c of t.taskChanges) {
      const task = this.tasks.find((x) => x.id === c.id)!;
      expect(task.version).toBe(c.expectedVersion);
      Object.assign(task, c.set, { version: task.version + 1 });
    }
    for (const o of t.opened) {
      this.tasks.push({
        id: this.nextId++, ...o, status: 'open', openedAt: now, confirmations: [], doneAt: null, doneBy: null,
        action: null, branch: null, comment: null, wentTo: null, version: 1,
      });
    }
    return t;
  }

  act(role: string, command: Parameters<typeof engine.applyCommand>[3], now = monday9): Transition {
    const task = this.open();
    return this.apply(engine.applyCommand(this.ctx(), task.id, task.version, command, as(role), now), now);
  }
}

/** The core's refusal, with the words a Telegram user reads for it. */
function refusal(fn: () => unknown): { code: WorkflowError['code']; message: string } {
  try {
    fn();
  } catch (e) {
    if (e instanceof WorkflowError) return { code: e.code, message: refusalText(e, TERMS.telegram) };
    throw e;
  }
  throw new Error('expected a refusal');
}

describe('a case runs through the core', () => {
  it('opens the first step for its role with a working-time deadline and a card', () => {
    const c = new MemoryCase();
    const first = c.open();
    expect(first).toMatchObject({ stepId: '1', visit: 1, roles: ['kabid'] });
    expect(first.dueAt?.toISOString()).toBe('2026-11-23T02:10:00.000Z');
  });

  it('takes the Diterima branch, refuses Selesai until the report is uploaded, returns, and ends selesai', () => {
    const c = new MemoryCase();
    c.act('kabid', { type: 'complete' });
    const decide = c.act('subkor', { type: 'choose', branch: 'diterima' });
    expect(c.caseState.decisions).toEqual({ '2': 'Diterima' });
    expect(decide.events.map((e) => e.type)).toEqual(['task.branch_chosen', 'task.opened']);

    const report = c.open();
    expect(report.stepId).toBe('3');
    expect(report.dueAt).toBeNull(); // "menyesuaikan": the Asesor sets it
    expect(engine.allowedCommands(def.steps[2]!, report)).toEqual(['complete', 'set-due']);
    expect(refusal(() => c.act('asesor', { type: 'complete' })).message).toBe(
      'Kegiatan 3 belum dapat diselesaikan karena output berikut belum diunggah: Laporan.',
    );
    c.act('asesor', { type: 'set-due', dueAt: new Date('2026-11-27T08:00:00Z') });
    expect(c.open().dueAt?.toISOString()).toBe('2026-11-27T08:00:00.000Z');

    c.documents.push({ id: 1, taskId: report.id, stepId: '3', slotKind: 'output', slotName: 'Laporan', fileName: 'l.pdf', sizeBytes: 3, sha256: 'x' });
    c.act('asesor', { type: 'complete' });

    expect(refusal(() => c.act('kabid', { type: 'return', reason: '   ' })).code).toBe('reason_required');
    const back = c.act('kabid', { type: 'return', reason: 'Lampiran kurang' });
    expect(back.messages).toContainEqual({ kind: 'task-returned', role: 'asesor', task: { opened: 0 }, reason: 'Lampiran kurang' });
    const again = c.open();
    expect(again).toMatchObject({ stepId: '3', visit: 2, returnReason: 'Lampiran kurang' });
    // The upload of the first round does not count for the second: the report must be revised.
    expect(refusal(() => c.act('asesor', { type: 'complete' })).code).toBe('missing_outputs');
    c.documents.push({ id: 2, taskId: again.id, stepId: '3', slotKind: 'output', slotName: 'Laporan', fileName: 'l2.pdf', sizeBytes: 3, sha256: 'y' });
    c.act('asesor', { type: 'complete' });
    c.act('kabid', { type: 'approve' }, new Date('2026-11-24T03:00:00Z'));

    const meeting = c.open();
    // Seven working days after step 4 was approved (Tuesday 24 Nov 10:00 WIB) → Thursday 3 Dec 10:00 WIB.
    expect(meeting.dueAt?.toISOString()).toBe('2026-12-03T03:00:00.000Z');
    const half = c.act('asesor', { type: 'confirm' });
    expect(half.events[0]).toMatchObject({ type: 'task.confirmed', data: { role: 'asesor', quorumMet: false } });
    expect(refusal(() => c.act('asesor', { type: 'confirm' })).message).toBe('Peran Asesor sudah mengonfirmasi kegiatan ini.');
    const end = c.act('kabid', { type: 'confirm' });
    expect(c.caseState).toMatchObject({ status: 'closed', outcome: 'selesai' });
    expect(end.messages).toContainEqual({ kind: 'case-closed', role: 'kabid', outcome: 'selesai' });
  });

  it('follows the route to "ditolak" when the decision went Ditolak', () => {
    const c = new MemoryCase();
    c.act('kabid', { type: 'complete' });
    c.act('subkor', { type: 'choose', branch: 'Ditolak' });
    expect(c.open().stepId).toBe('5');
    c.act('subkor', { type: 'complete' });
    c.act('kabid', { type: 'confirm' });
    c.act('asesor', { type: 'confirm' });
    expect(c.caseState).toMatchObject({ status: 'closed', outcome: 'ditolak' });
    expect(c.tasks.map((t) => `${t.stepId}:${t.action}`)).toEqual(['1:done', '2:chosen', '5:done', '6:confirmed']);
  });
});

describe('the core refuses what is not allowed, and says why', () => {
  it('refuses a role that is not the step\'s Pelaksana', () => {
    const c = new MemoryCase();
    expect(refusal(() => c.act('asesor', { type: 'complete' })).message).toBe('Kegiatan 1 dikerjakan oleh Kabid, bukan Asesor.');
  });

  it('refuses a stale press and a press on a finished task', () => {
    const c = new MemoryCase();
    const first = c.open();
    expect(refusal(() => engine.applyCommand(c.ctx(), first.id, first.version + 1, { type: 'complete' }, as('kabid'), monday9)).code).toBe('stale_version');
    c.act('kabid', { type: 'complete' });
    const e = refusal(() => engine.applyCommand(c.ctx(), first.id, undefined, { type: 'complete' }, as('kabid'), monday9));
    expect(e.message).toBe('Tugas #1 (kegiatan 1) sudah ditutup; sudah ditangani oleh Pak kabid.');
  });

  it('refuses the wrong kind of action and an unknown branch', () => {
    const c = new MemoryCase();
    expect(refusal(() => c.act('kabid', { type: 'approve' })).message).toBe('Kegiatan 1 berjenis tugas; tindakan yang dapat dilakukan: Selesai.');
    c.act('kabid', { type: 'complete' });
    expect(refusal(() => c.act('subkor', { type: 'choose', branch: 'Mungkin' })).message).toBe(
      'Pilihan "Mungkin" tidak ada. Pilihan yang tersedia: Diterima, Ditolak.',
    );
    expect(refusal(() => c.act('subkor', { type: 'set-due', dueAt: new Date('2027-01-01') })).code).toBe('wrong_action');
  });

  it('cancels a case: open tasks closed, nothing left to act on', () => {
    const c = new MemoryCase();
    c.apply(engine.cancelCase(c.ctx(), 'Permohonan ditarik', as('kabid'), monday9), monday9);
    expect(c.caseState).toMatchObject({ status: 'closed', outcome: 'dibatalkan' });
    expect(c.tasks[0]).toMatchObject({ status: 'cancelled', comment: 'Permohonan ditarik' });
    expect(refusal(() => engine.cancelCase(c.ctx(), 'lagi', as('kabid'), monday9)).code).toBe('case_closed');
  });
});

describe('returns go to the most recently visited target', () => {
  it('picks the later of two return targets', () => {
    const step = { ...def.steps[3]!, returnTo: ['3', '5'] };
    const t = (id: number, stepId: string) => ({ id, stepId }) as TaskState;
    expect(engine.returnTarget(step, [t(1, '3'), t(2, '5')])).toBe('5');
    expect(engine.returnTarget(step, [t(1, '5'), t(2, '3')])).toBe('3');
    expect(engine.returnTarget(step, [])).toBe('3');
  });
});
