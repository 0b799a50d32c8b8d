/**
 * Cross-field rules of an SOP definition: the ones zod cannot express because they relate
 * one part of the file to another (a transition names a real step, every step can reach an
 * end, a waktu parses under the SOP's own conversion table).
 *
 * Route semantics (the engine follows the same rule, see `forwardTarget` in
 * workflow/engine.ts): the entries of a `route` are tried in order. An entry with
 * `when: {step, branch}` matches when the branch chosen at the most recent visit of that
 * decision step is `branch`; an entry without `when` always matches. The first matching
 * entry wins, so the one unconditional entry must come last, as the fallback:
 *
 *   route: [{when: {step: "3", branch: "Ditolak"}, end: ditolak}, {next: "9"}]
 *
 * Messages are Indonesian, written for the person editing the YAML, and name the step.
 */
import { IANAZone } from 'luxon';
import { CalendarConfigError, makeCalendar, parseDayHours } from '../calendar/calendar.js';
import { parseWaktu, type Waktu } from '../calendar/waktu.js';

import { LIMIT, returnTargets, type PathCondition, type SopDefinition, type StepDefinition } from './definition.js';

export interface DefinitionProblem {
  /** Where in the file, as zod reports it: `['steps', 3, 'next']`. */
  path: (string | number)[];
  message: string;
}

const KIND_NAME: Record<StepDefinition['kind'], string> = {
  task: 'tugas (task)',
  review: 'pemeriksaan (review)',
  decision: 'keputusan (decision)',
  joint: 'langkah bersama (joint)',
};

export function validateDefinition(def: SopDefinition): DefinitionProblem[] {
  const problems: DefinitionProblem[] = [];
  const report = (path: (string | number)[], message: string) => problems.push({ path, message });

  checkTimezone(def, report);
  checkRoles(def, report);

  // The graph checks below assume step ids are unique, every reference resolves and every
  // step has exactly one way out; when that is not so they would only repeat the same
  // mistake in other words.
  const before = problems.length;
  const stepIndex = new Map<string, number>();
  def.steps.forEach((step, i) => {
    const first = stepIndex.get(step.id);
    if (first === undefined) stepIndex.set(step.id, i);
    else report(['steps', i, 'id'], `langkah "${step.id}": nomor langkah ganda, sudah dipakai oleh steps[${first}]`);
  });
  const forEachStep = (check: (step: StepDefinition, at: At, say: Report) => void) =>
    def.steps.forEach((step, i) =>
      check(step, (...rest) => ['steps', i, ...rest], (path, text) => report(path, `langkah "${step.id}": ${text}`)),
    );
  forEachStep((step, at, say) => checkExits(def, step, stepIndex, at, say));
  const structureOk = problems.length === before;
  forEachStep((step, at, say) => checkActors(def, step, at, say));
  forEachStep((step, at, say) => checkOutputs(step, at, say));

  const waktu = def.steps.map((step, i) => {
    try {
      return parseWaktu(step.waktu, def.konversiWaktu);
    } catch (e) {
      report(['steps', i, 'waktu'], `langkah "${step.id}": ${(e as Error).message}`);
      return undefined;
    }
  });

  const graph = structureOk ? buildGraph(def) : undefined;
  def.steps.forEach((step, i) => checkAnchor(step, i, waktu[i], stepIndex, graph, report));
  if (graph) checkGraph(def, graph, report);

  return problems;
}

type Report = (path: (string | number)[], message: string) => void;
type At = (...rest: (string | number)[]) => (string | number)[];

function checkTimezone(def: SopDefinition, report: Report) {
  const zone = def.unit.timezone;
  if (!IANAZone.isValidZone(zone)) {
    report(
      ['unit', 'timezone'],
      `zona waktu "${zone}" tidak dikenal; pakai nama IANA seperti "Asia/Jakarta", "Asia/Makassar" atau "Asia/Jayapura"`,
    );
  }
  for (const day of ['mondayToThursday', 'friday'] as const) {
    const text = def.unit.officeHours?.[day];
    if (text === undefined) continue;
    try {
      makeCalendar({ timezone: 'UTC', includeShipped: false, officeHours: parseDayHours(text) });
    } catch (e) {
      if (!(e instanceof CalendarConfigError)) throw e;
      report(['unit', 'officeHours', day], e.message);
    }
  }
}

function checkRoles(def: SopDefinition, report: Report) {
  const seen = new Map<string, number>();
  def.roles.forEach((role, i) => {
    const first = seen.get(role.id);
    if (first === undefined) seen.set(role.id, i);
    else report(['roles', i, 'id'], `peran "${role.id}": id peran ganda, sudah dipakai oleh roles[${first}]`);
  });
  const supervisorOf = new Map(def.roles.map((r) => [r.id, r.supervisor]));
  def.roles.forEach((role, i) => {
    if (role.supervisor === undefined) return;
    if (!seen.has(role.supervisor)) {
      report(['roles', i, 'supervisor'], `peran "${role.id}": atasan "${role.supervisor}" tidak ada di daftar pelaksana`);
      return;
    }
    // An escalation that walks the chain of supervisors must stop somewhere.
    const chain = [role.id];
    let current: string | undefined = role.supervisor;
    while (current !== undefined && !chain.includes(current)) {
      chain.push(current);
      current = supervisorOf.get(current);
    }
    if (current === role.id) {
      report(['roles', i, 'supervisor'], `peran "${role.id}": rantai atasan berputar (${[...chain, role.id].join(' → ')})`);
    }
  });
}

function checkActors(def: SopDefinition, step: StepDefinition, at: At, say: Report) {
  const known = new Set(def.roles.map((r) => r.id));
  const unknown = (role: string, path: (string | number)[]) => {
    if (!known.has(role)) say(path, `peran "${role}" tidak ada di daftar pelaksana`);
  };
  if (step.kind === 'joint') {
    if (step.role !== undefined) say(at('role'), `${KIND_NAME.joint} memakai "roles", bukan "role"`);
    if (step.roles === undefined) say(at('roles'), `${KIND_NAME.joint} wajib menyebut "roles" (paling sedikit dua peran)`);
    if (step.quorum === undefined) say(at('quorum'), `${KIND_NAME.joint} wajib menyebut "quorum": all atau any`);
    step.roles?.forEach((role, j) => {
      unknown(role, at('roles', j));
      if (step.roles!.indexOf(role) !== j) say(at('roles', j), `peran "${role}" disebut dua kali`);
    });
    return;
  }
  if (step.roles !== undefined) say(at('roles'), `hanya ${KIND_NAME.joint} yang memakai "roles"; pakai "role"`);
  if (step.quorum !== undefined) say(at('quorum'), `"quorum" hanya untuk ${KIND_NAME.joint}`);
  if (step.role === undefined) say(at('role'), `${KIND_NAME[step.kind]} wajib menyebut pelaksana ("role")`);
  else unknown(step.role, at('role'));
}

function checkExits(def: SopDefinition, step: StepDefinition, stepIndex: Map<string, number>, at: At, say: Report) {
  const exists = (target: string, path: (string | number)[], what = 'langkah tujuan') => {
    if (!stepIndex.has(target)) say(path, `${what} "${target}" tidak ada`);
  };

  const ways = (['next', 'end', 'route', 'branches'] as const).filter((k) => step[k] !== undefined);
  if (step.kind === 'decision') {
    if (step.branches === undefined) say(at('branches'), `${KIND_NAME.decision} wajib punya "branches"`);
    for (const k of ways.filter((w) => w !== 'branches')) {
      say(at(k), `${KIND_NAME.decision} keluar lewat "branches"; hapus "${k}"`);
    }
  } else if (step.branches !== undefined) {
    say(at('branches'), `hanya ${KIND_NAME.decision} yang boleh punya "branches"`);
  } else if (ways.length === 0) {
    say(at(), `tidak punya jalan keluar; tulis "next", "end" atau "route"`);
  } else if (ways.length > 1) {
    say(at(ways[1]!), `hanya boleh satu jalan keluar, tetapi ada "${ways[0]}" dan "${ways[1]}"`);
  }

  if (step.next !== undefined) exists(step.next, at('next'));

  step.branches?.forEach((branch, j) => {
    if ((branch.next === undefined) === (branch.end === undefined)) {
      say(at('branches', j), `cabang "${branch.label}" butuh tepat satu dari "next" atau "end"`);
    }
    if (branch.next !== undefined) exists(branch.next, at('branches', j, 'next'));
    if (step.branches!.findIndex((b) => b.label === branch.label) !== j) {
      say(at('branches', j, 'label'), `cabang "${branch.label}" ditulis dua kali`);
    }
  });

  if (step.route !== undefined) {
    const fallbacks = step.route.flatMap((entry, j) => (entry.when === undefined ? [j] : []));
    if (fallbacks.length !== 1) {
      say(at('route'), `rute butuh tepat satu entri tanpa "when" sebagai jalan bawaan, ada ${fallbacks.length}`);
    } else if (fallbacks[0] !== step.route.length - 1) {
      say(at('route', fallbacks[0]!), `entri tanpa "when" harus yang terakhir; entri sesudahnya tidak akan pernah dipakai`);
    }
    step.route.forEach((entry, j) => {
      if ((entry.next === undefined) === (entry.end === undefined)) {
        say(at('route', j), `entri rute butuh tepat satu dari "next" atau "end"`);
      }
      if (entry.next !== undefined) exists(entry.next, at('route', j, 'next'));
      if (entry.when !== undefined) checkCondition(def, entry.when, stepIndex, (...rest) => at('route', j, 'when', ...rest), say, 'rute');
    });
  }
  for (const part of ['kelengkapan', 'output'] as const) {
    step[part].forEach((item, j) => {
      if (item.when !== undefined) checkCondition(def, item.when, stepIndex, (...rest) => at(part, j, 'when', ...rest), say, part);
    });
  }

  if (step.kind === 'review') {
    if (step.returnTo === undefined) say(at('returnTo'), `${KIND_NAME.review} wajib punya "returnTo" (tujuan Kembalikan)`);
  } else if (step.returnTo !== undefined) {
    say(at('returnTo'), `"returnTo" hanya untuk ${KIND_NAME.review}`);
  }
  const targets = returnTargets(step);
  targets.forEach((target, j) => {
    const path = Array.isArray(step.returnTo) ? at('returnTo', j) : at('returnTo');
    if (target === step.id) say(path, `tidak boleh dikembalikan ke dirinya sendiri`);
    else exists(target, path, 'langkah tujuan Kembalikan');
  });
}

/** A `when` names a decision step of this SOP and one of its branches. */
function checkCondition(def: SopDefinition, when: PathCondition, stepIndex: Map<string, number>, at: At, say: Report, what: string) {
  const decisionIndex = stepIndex.get(when.step);
  const decision = decisionIndex === undefined ? undefined : def.steps[decisionIndex];
  if (decision === undefined) {
    say(at('step'), `${what} menyebut langkah "${when.step}" yang tidak ada`);
  } else if (decision.kind !== 'decision') {
    say(at('step'), `${what} menyebut langkah "${decision.id}", padahal itu bukan ${KIND_NAME.decision}`);
  } else if (decision.branches !== undefined) {
    const labels = decision.branches.map((b) => b.label);
    if (!labels.includes(when.branch)) {
      say(at('branch'), `langkah "${decision.id}" tidak punya cabang "${when.branch}" (cabangnya: ${labels.join(', ')})`);
    }
  }
}

/**
 * A Slack actions block holds 25 buttons: a card carries the branches plus Kembalikan and
 * Tetapkan batas waktu, the slot question one button per document. Past that, buttons were
 * dropped without a word; such a definition is refused here instead.
 */
export const MAX_BRANCHES = 23;
export const MAX_UPLOAD_SLOTS = 25;

function checkOutputs(step: StepDefinition, at: At, say: Report) {
  const names = step.output.map((o) => o.name);
  names.forEach((name, j) => {
    if (names.indexOf(name) !== j) say(at('output', j), `output "${name}" ditulis dua kali`);
  });
  const branches = step.branches?.length ?? 0;
  if (branches > MAX_BRANCHES) say(at('branches'), LIMIT.tooManyBranches(branches, MAX_BRANCHES));
  // Every entry counts, whatever its `when`: on some path all of them are asked for.
  const slots = step.kelengkapan.length + step.output.filter((o) => o.document).length;
  if (slots > MAX_UPLOAD_SLOTS) say(at(), LIMIT.tooManySlots(slots, MAX_UPLOAD_SLOTS));
}

interface Graph {
  /** Every step a step can lead to: next, branches, route entries and Kembalikan targets. */
  edges: Map<string, string[]>;
  /** Steps with at least one way that ends the case. */
  ends: Set<string>;
}

function buildGraph(def: SopDefinition): Graph {
  const edges = new Map<string, string[]>();
  const ends = new Set<string>();
  for (const step of def.steps) {
    const out: string[] = [];
    const add = (t: { next?: string | undefined; end?: string | undefined }) => {
      if (t.next !== undefined) out.push(t.next);
      if (t.end !== undefined) ends.add(step.id);
    };
    add(step);
    step.branches?.forEach(add);
    step.route?.forEach(add);
    out.push(...returnTargets(step));
    edges.set(step.id, out);
  }
  return { edges, ends };
}

/** Every step reachable from `from` (itself included only when a loop leads back to it). */
function reachableFrom(graph: Graph, from: string): Set<string> {
  const seen = new Set<string>();
  const queue = [...(graph.edges.get(from) ?? [])];
  while (queue.length > 0) {
    const id = queue.pop()!;
    if (seen.has(id)) continue;
    seen.add(id);
    queue.push(...(graph.edges.get(id) ?? []));
  }
  return seen;
}

function checkGraph(def: SopDefinition, graph: Graph, report: Report) {
  const first = def.steps[0]!;
  const reachable = reachableFrom(graph, first.id);
  reachable.add(first.id);

  // Walk backwards from the steps that end the case: whatever is not met has no way out.
  const reverse = new Map<string, string[]>();
  for (const [from, tos] of graph.edges) {
    for (const to of tos) reverse.set(to, [...(reverse.get(to) ?? []), from]);
  }
  const canEnd = new Set<string>();
  const queue = [...graph.ends];
  while (queue.length > 0) {
    const id = queue.pop()!;
    if (canEnd.has(id)) continue;
    canEnd.add(id);
    queue.push(...(reverse.get(id) ?? []));
  }

  def.steps.forEach((step, i) => {
    if (!reachable.has(step.id)) {
      report(['steps', i], `langkah "${step.id}": tidak dapat dicapai dari langkah pertama "${first.id}"`);
    } else if (!canEnd.has(step.id)) {
      report(['steps', i], `langkah "${step.id}": tidak punya jalan menuju akhir ("end"); alurnya berputar tanpa keluar`);
    }
    // A condition on a decision the case cannot have passed would never match.
    const conditions = [
      ...(step.route ?? []).map((entry, j) => ({ when: entry.when, path: ['route', j], what: 'rute' })),
      ...step.kelengkapan.map((item, j) => ({ when: item.when, path: ['kelengkapan', j], what: 'kelengkapan' })),
      ...step.output.map((item, j) => ({ when: item.when, path: ['output', j], what: 'output' })),
    ];
    for (const { when, path, what } of conditions) {
      if (when === undefined || !def.steps.some((s) => s.id === when.step && s.kind === 'decision')) continue;
      if (!reachableFrom(graph, when.step).has(step.id)) {
        report(
          ['steps', i, ...path, 'when', 'step'],
          `langkah "${step.id}": ${what} menyebut langkah "${when.step}" yang tidak pernah dilalui sebelum langkah ini`,
        );
      }
    }
  });
}

function checkAnchor(
  step: StepDefinition,
  i: number,
  waktu: Waktu | undefined,
  stepIndex: Map<string, number>,
  graph: Graph | undefined,
  report: Report,
) {
  const say = (text: string) => report(['steps', i, 'anchor'], `langkah "${step.id}": ${text}`);
  if (waktu === undefined) return;
  if (waktu.kind !== 'after-anchor') {
    if (step.anchor !== undefined) say(`"anchor" hanya dipakai bila waktu dihitung "setelah" kegiatan lain`);
    return;
  }
  if (step.anchor === undefined) {
    say(`waktu "${waktu.text}" dihitung dari kegiatan lain; tulis "anchor" (nomor langkah acuan)`);
  } else if (step.anchor === step.id) {
    say(`langkah acuan tidak boleh langkah ini sendiri`);
  } else if (!stepIndex.has(step.anchor)) {
    say(`langkah acuan "${step.anchor}" tidak ada`);
  } else if (graph && !reachableFrom(graph, step.anchor).has(step.id)) {
    say(`langkah acuan "${step.anchor}" tidak pernah dilalui sebelum langkah ini`);
  }
}

