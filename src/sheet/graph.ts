/**
 * The flow of a definition as the sheet draws it: one edge per transition (next, each decision
 * branch, each route entry, each return, each end), with the label the paper writes beside it,
 * and the symbol each step is drawn with.
 */
import { returnTargets, stepRoles, type Outcome, type SopDefinition, type StepDefinition } from '../sop/definition.js';
import { SHEET } from '../messages/sheet.js';

export type EdgeKind = 'next' | 'branch' | 'route' | 'return' | 'end';
export type Shape = 'terminator' | 'process' | 'decision';

export interface Edge {
  /** Unique within the definition: "3/branch/1". */
  id: string;
  kind: EdgeKind;
  from: string;
  /** A step id, or "end:<outcome>". */
  to: string;
  label?: string;
  /** Returns (Kembalikan) are drawn dashed. */
  dashed: boolean;
  /**
   * The end of a step drawn as the SOP's closing terminator: the capsule is the end itself, so
   * no arrow is drawn for it.
   */
  absorbed: boolean;
}

export interface FlowGraph {
  edges: Edge[];
  shapes: Map<string, Shape>;
  /** Row index of each step (the definition's order is the table's order). */
  row: Map<string, number>;
}

export function endTarget(outcome: Outcome): string {
  return `end:${outcome}`;
}

export function isEnd(to: string): boolean {
  return to.startsWith('end:');
}

/**
 * Process, decision, or terminator. The regulation draws the first and the last kegiatan as
 * capsules: the first row when it is plain work, the last row when it is plain work that closes
 * the case. A review is a decision on the paper (Setujui or Kembalikan), so it is a diamond.
 */
function shapeOf(def: SopDefinition, step: StepDefinition, index: number): Shape {
  if (step.kind === 'decision' || step.kind === 'review') return 'decision';
  const plain = step.kind === 'task';
  if (plain && index === 0) return 'terminator';
  if (plain && index === def.steps.length - 1 && step.end && !step.route) return 'terminator';
  return 'process';
}

export function flowGraph(def: SopDefinition): FlowGraph {
  const edges: Edge[] = [];
  const shapes = new Map<string, Shape>();
  const row = new Map<string, number>();
  def.steps.forEach((step, i) => {
    row.set(step.id, i);
    shapes.set(step.id, shapeOf(def, step, i));
  });
  def.steps.forEach((step, i) => {
    const shape = shapes.get(step.id)!;
    const add = (kind: EdgeKind, to: string, label?: string) => {
      const n = edges.filter((e) => e.from === step.id && e.kind === kind).length;
      edges.push({
        id: `${step.id}/${kind}/${n}`,
        kind,
        from: step.id,
        to,
        ...(label !== undefined ? { label } : {}),
        dashed: kind === 'return',
        absorbed: kind === 'end' && shape === 'terminator' && i > 0,
      });
    };
    const forwardLabel = step.kind === 'review' ? SHEET.symbols.approve : undefined;
    for (const b of step.branches ?? []) add('branch', b.next ?? endTarget(b.end!), b.label);
    if (step.next) add('next', step.next, forwardLabel);
    if (step.end) add('end', endTarget(step.end), forwardLabel);
    const route = step.route ?? [];
    for (const r of route) add('route', r.next ?? endTarget(r.end!), r.when ? r.when.branch : otherwiseLabel(def, route));
    for (const t of returnTargets(step)) add('return', t, SHEET.symbols.return);
  });
  return { edges, shapes, row };
}

/**
 * The unconditional entry of a route is labelled with the branches it stands for: Pemalang 8's
 * "else → 9" is the Diterima path. When the conditions name several decisions, "selain itu".
 */
function otherwiseLabel(def: SopDefinition, route: NonNullable<StepDefinition['route']>): string {
  const conditions = route.flatMap((r) => (r.when ? [r.when] : []));
  const decisions = new Set(conditions.map((c) => c.step));
  if (decisions.size !== 1) return SHEET.symbols.otherwise;
  const decision = def.steps.find((s) => s.id === conditions[0]!.step);
  const named = new Set(conditions.map((c) => c.branch));
  const rest = (decision?.branches ?? []).map((b) => b.label).filter((l) => !named.has(l));
  return rest.length ? rest.join(' / ') : SHEET.symbols.otherwise;
}

/** Column index of each role, in the SOP's order. */
export function roleColumns(def: SopDefinition): Map<string, number> {
  return new Map(def.roles.map((r, i) => [r.id, i]));
}

/** The columns of a step, sorted. */
export function stepColumns(def: SopDefinition, step: StepDefinition, columns = roleColumns(def)): number[] {
  return [...new Set(stepRoles(step).map((r) => columns.get(r)!))].filter((c) => c !== undefined).sort((a, b) => a - b);
}
