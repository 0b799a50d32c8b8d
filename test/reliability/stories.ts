/**
 * Scripted cases for the concurrency story: for case number i of an SOP, what each role does
 * at each step (upload what is asked, set a due date when the SOP leaves it open, return on
 * the first visit of some reviews, pick a branch by number). The same script runs on one
 * service one case at a time, and on two replicas racing each other; the results must match.
 */
import type { Db } from '../../src/db/database.js';
import { findStep, uploadSlots } from '../../src/workflow/engine.js';
import { WorkflowError } from '../../src/workflow/errors.js';
import type { ActionResult, WorkflowService } from '../../src/service/workflow-service.js';
import type { Actor, TaskCommand, TaskState } from '../../src/workflow/model.js';
import * as tasks from '../../src/db/queries/tasks.js';

export const SEED_SOPS = ['jateng', 'kemenkumham', 'pemalang', 'pupr', 'tangerang'] as const;

export const personOf = (role: string): Actor => ({ channel: 'telegram', userId: `${role}-user`, name: `Petugas ${role}`, role });

const file = (name: string, taskId: number) => ({
  fileName: `${name.slice(0, 40)}.pdf`,
  mimeType: 'application/pdf',
  sizeBytes: 1000,
  sha256: 'c'.repeat(64),
  storageKey: `uji/${taskId}`,
});

/** The one decision of case i at a task: what to press. */
export function commandFor(i: number, kind: TaskState['kind'], visit: number, branches: string[]): TaskCommand {
  switch (kind) {
    case 'task':
      return { type: 'complete' };
    case 'review':
      return i % 4 === 1 && visit === 1 ? { type: 'return', reason: `Perbaiki berkas (${i % 4})` } : { type: 'approve' };
    case 'decision':
      return { type: 'choose', branch: branches[(i + visit) % branches.length]! };
    case 'joint':
      return { type: 'confirm' };
  }
}

/** The script depends on i only through these, so case i ends like case i mod SCRIPT_PERIOD of the same SOP. */
export const scriptKey = (i: number) => `${i % 4}:${i % 2}`;

export interface Replica {
  service: WorkflowService;
  db: Db;
}

export interface RaceTally {
  /** Presses sent to both replicas at once. */
  raced: number;
  /** The losing half of each race, by refusal code. */
  refusals: Record<string, number>;
  /** Joint steps whose roles all confirmed at once, on alternating replicas. */
  jointRaces: number;
}

/**
 * Runs case i of `sopId` to its end. With one replica: one action at a time. With two: every
 * press goes to both at the same moment with the version the card showed, and exactly one may
 * win; a joint step's roles all confirm at once, on alternating replicas.
 */
export async function runScriptedCase(replicas: Replica[], sopId: string, i: number, tally?: RaceTally): Promise<string> {
  const at = (n: number) => replicas[n % replicas.length]!;
  const def = replicas[0]!.service.sop(sopId).definition;
  const first = def.steps[0]!;
  const started = await at(i).service.startCase(sopId, `Kasus ${i}`, personOf(first.role ?? first.roles![0]!));
  let taskId = started.openedTaskIds[0]!;
  for (let n = 0; n < 100; n++) {
    const r = at(i + n);
    const task = (await tasks.getTask(r.db, taskId))!;
    const step = findStep(def, task.stepId);
    const role = task.roles[0]!;
    let version = task.version;
    // The outputs this case's path asks for here (Pemalang's letters depend on the decision at 3).
    const decisions = (await r.service.taskView(task.id)).caseRow.decisions;
    for (const slot of uploadSlots(step, decisions).filter((x) => x.kind === 'output')) {
      await r.service.attachDocument(task.id, slot, file(slot.name, task.id), personOf(role));
    }
    if (task.dueAt === null && step.waktu?.toLowerCase().startsWith('menyesuaikan')) {
      await press(replicas, task.id, { type: 'set-due', dueAt: new Date('2027-06-30T08:00:00Z') }, personOf(role), version, tally);
      version++;
    }
    let result: ActionResult;
    if (step.kind === 'joint') {
      const confirm = (role: string, k: number) => at(i + n + k).service.act(task.id, { type: 'confirm' }, personOf(role));
      if (replicas.length > 1) {
        const results = await Promise.all(task.roles.map(confirm));
        result = results.find((x) => x.openedTaskIds.length || x.caseStatus === 'closed')!;
        if (tally) tally.jointRaces++;
      } else {
        for (const [k, role] of task.roles.entries()) result = await confirm(role, k);
        result = result!;
      }
    } else {
      const command = commandFor(i, step.kind, task.visit, (step.branches ?? []).map((b) => b.label));
      result = await press(replicas, task.id, command, personOf(role), version, tally);
    }
    if (result.caseStatus === 'closed') return started.caseRef;
    taskId = result.openedTaskIds[0]!;
  }
  throw new Error(`${started.caseRef} did not end within 100 actions`);
}

async function press(replicas: Replica[], taskId: number, command: TaskCommand, actor: Actor, version: number, tally?: RaceTally): Promise<ActionResult> {
  if (replicas.length === 1) return replicas[0]!.service.act(taskId, command, actor, version);
  const outcomes = await Promise.allSettled(replicas.map((r) => r.service.act(taskId, command, actor, version)));
  const won = outcomes.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []));
  if (won.length !== 1) throw new Error(`task ${taskId} ${command.type}: ${won.length} replicas succeeded`);
  for (const o of outcomes) {
    if (o.status === 'fulfilled') continue;
    if (!(o.reason instanceof WorkflowError)) throw o.reason;
    if (tally) tally.refusals[o.reason.code] = (tally.refusals[o.reason.code] ?? 0) + 1;
  }
  if (tally) tally.raced++;
  return won[0]!;
}
