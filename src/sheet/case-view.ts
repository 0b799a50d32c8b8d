/**
 * One case as the sheet draws it over its SOP: which steps it visited and how often, which are
 * open now (and late), and which arrows it went along. The input is plain data the service
 * already has (`caseDetails`), so a channel can draw a case without knowing the store.
 */
import type { Outcome } from '../sop/definition.js';
import type { TaskAction, TaskStatus } from '../workflow/model.js';
import type { Edge, FlowGraph } from './graph.js';

export interface CaseVisit {
  stepId: string;
  visit: number;
  status: TaskStatus;
  action: TaskAction | null;
  /** The branch chosen at a decision. */
  branch: string | null;
  /** Where the case went from here: a step id, or "end:<outcome>". */
  wentTo: string | null;
  openedAt: Date;
  dueAt: Date | null;
  doneAt: Date | null;
}

export interface CaseView {
  ref: string;
  title: string;
  status: 'open' | 'closed';
  outcome: Outcome | null;
  startedAt: Date;
  closedAt: Date | null;
  /** The moment the picture shows: an open step past its due time is drawn late. */
  now: Date;
  tasks: CaseVisit[];
}

/** From `WorkflowService.caseDetails(ref)` (or any rows of the same shape). */
export function caseViewOf(
  details: {
    caseRow: { ref: string; title: string; status: 'open' | 'closed'; outcome: Outcome | null; startedAt: Date; closedAt: Date | null };
    tasks: readonly CaseVisit[];
  },
  now: Date,
): CaseView {
  const { caseRow } = details;
  return {
    ref: caseRow.ref,
    title: caseRow.title,
    status: caseRow.status,
    outcome: caseRow.outcome,
    startedAt: caseRow.startedAt,
    closedAt: caseRow.closedAt,
    now,
    tasks: details.tasks.map((t) => ({
      stepId: t.stepId,
      visit: t.visit,
      status: t.status,
      action: t.action,
      branch: t.branch,
      wentTo: t.wentTo,
      openedAt: t.openedAt,
      dueAt: t.dueAt,
      doneAt: t.doneAt,
    })),
  };
}

export type StepState = 'visited' | 'open' | 'overdue' | 'cancelled';

export interface Overlay {
  view: CaseView;
  /** Visits per step (the ×2 of a step the case came back to). */
  visits: Map<string, number>;
  state: Map<string, StepState>;
  /** Edges the case went along, with how often. */
  taken: Map<string, number>;
}

const RANK: Record<StepState, number> = { visited: 0, cancelled: 1, open: 2, overdue: 3 };

export function overlayOf(view: CaseView, graph: FlowGraph): Overlay {
  const visits = new Map<string, number>();
  const state = new Map<string, StepState>();
  const taken = new Map<string, number>();
  const mark = (stepId: string, s: StepState) => {
    const before = state.get(stepId);
    if (!before || RANK[s] > RANK[before]) state.set(stepId, s);
  };
  for (const t of view.tasks) {
    visits.set(t.stepId, Math.max(visits.get(t.stepId) ?? 0, t.visit));
    if (t.status === 'open') mark(t.stepId, t.dueAt && t.dueAt.getTime() < view.now.getTime() ? 'overdue' : 'open');
    else if (t.status === 'cancelled') mark(t.stepId, 'cancelled');
    else mark(t.stepId, 'visited');
    const edge = t.status === 'completed' ? edgeTaken(t, graph.edges) : undefined;
    if (edge) taken.set(edge.id, (taken.get(edge.id) ?? 0) + 1);
  }
  return { view, visits, state, taken };
}

/** The arrow a finished visit went along, read from what was done there and where it led. */
function edgeTaken(t: CaseVisit, edges: Edge[]): Edge | undefined {
  if (!t.wentTo) return undefined;
  const from = edges.filter((e) => e.from === t.stepId);
  if (t.action === 'returned') return from.find((e) => e.kind === 'return' && e.to === t.wentTo);
  if (t.action === 'chosen') return from.find((e) => e.kind === 'branch' && e.label === t.branch) ?? from.find((e) => e.kind === 'branch' && e.to === t.wentTo);
  return from.find((e) => e.kind !== 'return' && e.kind !== 'branch' && e.to === t.wentTo);
}
