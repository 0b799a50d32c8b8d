/**
 * Drives a case through the service the way the people of each role would: upload what the
 * step asks, then press the button the story says (Setujui or Kembalikan on a given round,
 * a branch at a decision, Konfirmasi by every role of a joint step).
 */
import { expect } from 'vitest';
import { findStep, missingOutputs } from '../../src/workflow/engine.js';
import type { Actor } from '../../src/workflow/model.js';
import type { WorkflowService } from '../../src/service/workflow-service.js';

export interface CaseStory {
  /** Decision step → branch label to choose (each visit). */
  choose?: Record<string, string>;
  /** Review step → the visits (1-based) on which the reviewer returns it. */
  returnOn?: Record<string, number[]>;
}

export const person = (role: string): Actor => ({ channel: 'telegram', userId: `${role}-user`, name: `Petugas ${role}`, role });

export async function driveCase(service: WorkflowService, sopId: string, story: CaseStory, maxSteps = 60, stopAt?: string) {
  const def = service.sop(sopId).definition;
  const { caseRef } = await service.startCase(sopId, `Uji ${sopId}`, person(def.steps[0]!.role ?? def.steps[0]!.roles![0]!));
  const trace: string[] = [];
  for (let i = 0; i < maxSteps; i++) {
    const details = await service.caseDetails(caseRef);
    if (details.caseRow.status === 'closed') return { caseRef, trace, details };
    const open = details.tasks.filter((t) => t.status === 'open');
    expect(open).toHaveLength(1);
    const task = open[0]!;
    if (task.stepId === stopAt) return { caseRef, trace, details, stoppedAt: task };
    const step = findStep(def, task.stepId);
    trace.push(task.visit > 1 ? `${task.stepId}#${task.visit}` : task.stepId);
    const role = task.roles[0]!;

    for (const name of missingOutputs(step, task, details.documents, details.caseRow.decisions)) {
      await service.attachDocument(
        task.id,
        { kind: 'output', name },
        { fileName: `${name}.pdf`, mimeType: 'application/pdf', sizeBytes: 1000, sha256: 'c'.repeat(64), storageKey: `2026-11/${task.id}` },
        person(role),
      );
    }
    if (task.dueAt === null && step.waktu?.toLowerCase().startsWith('menyesuaikan')) {
      await service.act(task.id, { type: 'set-due', dueAt: new Date('2027-06-30T08:00:00Z') }, person(role));
    }
    switch (step.kind) {
      case 'task':
        await service.act(task.id, { type: 'complete' }, person(role));
        break;
      case 'review':
        if (story.returnOn?.[step.id]?.includes(task.visit)) {
          await service.act(task.id, { type: 'return', reason: `Perbaiki (putaran ${task.visit})` }, person(role));
        } else {
          await service.act(task.id, { type: 'approve' }, person(role));
        }
        break;
      case 'decision': {
        const branch = story.choose?.[step.id];
        if (!branch) throw new Error(`story does not say what to choose at ${step.id}`);
        await service.act(task.id, { type: 'choose', branch }, person(role));
        break;
      }
      case 'joint':
        for (const r of task.roles) {
          const now = (await service.caseDetails(caseRef)).tasks.find((t) => t.id === task.id)!;
          if (now.status !== 'open') break;
          await service.act(task.id, { type: 'confirm' }, person(r));
        }
        break;
    }
  }
  throw new Error(`case ${caseRef} did not end within ${maxSteps} steps: ${trace.join(' → ')}`);
}

/** Drives a new case as `story` says until step `stepId` is open, and returns that open task. */
export async function driveTo(service: WorkflowService, sopId: string, story: CaseStory, stepId: string) {
  const { stoppedAt } = await driveCase(service, sopId, story, 60, stepId);
  if (!stoppedAt) throw new Error(`case of ${sopId} ended before step ${stepId}`);
  return stoppedAt;
}
