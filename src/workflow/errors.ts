/**
 * Why an action was refused: a code and its data, nothing a person reads. The words are in the
 * message catalog (src/messages/id.ts, REFUSALS), which the compiler holds to cover every code,
 * and each channel renders them in its own terms (its command names, its formatting).
 */
import type { StepKind } from '../sop/definition.js';
import type { TaskCommand } from './model.js';

export interface RefusalParams {
  case_not_found: { ref: string };
  task_not_found: { taskId: number };
  sop_not_found: { sopId: string; known: string[] };
  case_closed: { ref: string; outcome: string };
  task_not_open: { taskId: number; stepId: string; by: string | null };
  stale_version: { taskId: number };
  /** `needed` and `actorRole` are the Pelaksana names as the SOP writes them. */
  wrong_role: { stepId: string; needed: string[]; actorRole: string | null };
  wrong_action: { stepId: string; kind: StepKind; allowed: TaskCommand['type'][] };
  missing_outputs: { stepId: string; missing: string[] };
  reason_required: Record<string, never>;
  unknown_branch: { branch: string; options: string[] };
  already_confirmed: { role: string };
  due_in_past: Record<string, never>;
  unknown_slot: { stepId: string; slot: string; options: string[] };
  title_required: Record<string, never>;
  cancel_reason_required: Record<string, never>;
  definition_changed: { sopId: string };
}

export type RefusalCode = keyof RefusalParams;

export class WorkflowError<C extends RefusalCode = RefusalCode> extends Error {
  readonly code: C;
  readonly params: RefusalParams[C];

  constructor(code: C, params: RefusalParams[C]) {
    // For logs and stack traces only; people read the catalog's words.
    super(`${code} ${JSON.stringify(params)}`);
    this.name = 'WorkflowError';
    this.code = code;
    this.params = params;
  }
}

export function refuse<C extends RefusalCode>(code: C, params: RefusalParams[C]): never {
  throw new WorkflowError(code, params);
}

export function isWorkflowError(e: unknown): e is WorkflowError {
  return e instanceof WorkflowError;
}
