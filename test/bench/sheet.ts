/**
 * The formal SOP sheet (issue 15): how long the largest seed takes to draw as the chat picture
 * (PNG) and as the printable sheet (PDF, every page), and what one press of Posisi costs: read
 * the case from the database, draw it on its SOP, encode the PNG. Each figure is the median of
 * RUNS after WARMUP runs that are not counted (fonts loaded, code compiled), one at a time.
 */
import { catalogDir, loadCatalog } from '../../src/sop/loader.js';
import type { SopDefinition } from '../../src/sop/definition.js';
import { caseViewOf } from '../../src/sheet/case-view.js';
import { layoutSheet } from '../../src/sheet/layout.js';
import { renderFlowPicture, renderSopSheet } from '../../src/sheet/render.js';
import { findStep, missingOutputs } from '../../src/workflow/engine.js';
import type { Actor, TaskCommand } from '../../src/workflow/model.js';
import { WorkflowService } from '../../src/service/workflow-service.js';
import type { BenchDatabase } from './db.js';
import { percentile } from './measure.js';

const WARMUP = 3;
const RUNS = 15;
/** The target for each figure. */
export const SHEET_TARGET_MS = 300;

interface Timing {
  /** Wall time, ms. */
  p50: number;
  p95: number;
  max: number;
  /** CPU time of the process for one run, ms (median): the cost itself, whatever else the machine runs. */
  cpuP50: number;
}

export interface SheetResult {
  seed: string;
  steps: number;
  roles: number;
  runs: number;
  png: Timing & { bytes: number; width: number; height: number };
  pdf: Timing & { bytes: number; pages: number };
  posisi: Timing & { bytes: number; visits: number };
}

/** Each run is its own event, as each press is: the event loop turns between runs. */
const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

async function timed(run: () => unknown | Promise<unknown>, sample: () => void): Promise<Timing> {
  for (let i = 0; i < WARMUP; i++) {
    await run();
    await turn();
  }
  const ms: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    await run();
    ms.push(performance.now() - started);
    const used = process.cpuUsage(cpuBefore);
    cpu.push((used.user + used.system) / 1000);
    sample();
    await turn();
  }
  const r = (n: number) => Math.round(n * 10) / 10;
  return { p50: r(percentile(ms, 50)), p95: r(percentile(ms, 95)), max: r(Math.max(...ms)), cpuP50: r(percentile(cpu, 50)) };
}

/** The seed whose sheet is the largest drawing: the most pages on A4, then the most kegiatan. */
function largest(defs: SopDefinition[]): SopDefinition {
  const pages = new Map(defs.map((d) => [d.id, layoutSheet(d).pages.length]));
  return [...defs].sort((a, b) => pages.get(b.id)! - pages.get(a.id)! || b.steps.length - a.steps.length)[0]!;
}

const person = (role: string): Actor => ({ channel: 'telegram', userId: `${role}-bench`, name: `Petugas ${role}`, role });

/** Runs a case until `stop` visits have been opened, returning at the review visits named (step → visits). */
async function caseWithReturns(service: WorkflowService, def: SopDefinition, returnOn: Record<string, number[]>, stop: number): Promise<string> {
  const { caseRef } = await service.startCase(def.id, 'Penyampaian hasil asesmen (bench)', person(def.steps[0]!.role!));
  for (;;) {
    const details = await service.caseDetails(caseRef);
    const task = details.tasks.find((t) => t.status === 'open');
    if (!task || details.tasks.length >= stop) return caseRef;
    const step = findStep(def, task.stepId);
    const role = task.roles[0]!;
    for (const name of missingOutputs(step, task, details.documents, details.caseRow.decisions)) {
      await service.attachDocument(
        task.id,
        { kind: 'output', name },
        { fileName: `${name}.pdf`, mimeType: 'application/pdf', sizeBytes: 1000, sha256: 'b'.repeat(64), storageKey: `bench/${task.id}` },
        person(role),
      );
    }
    const back = step.kind === 'review' && returnOn[step.id]?.includes(task.visit);
    const command: TaskCommand = back
      ? { type: 'return', reason: 'Perbaiki' }
      : step.kind === 'review'
        ? { type: 'approve' }
        : step.kind === 'decision'
          ? { type: 'choose', branch: step.branches![0]!.label }
          : step.kind === 'joint'
            ? { type: 'confirm' }
            : { type: 'complete' };
    for (const r of step.kind === 'joint' ? task.roles : [role]) await service.act(task.id, command, person(r));
  }
}

export async function benchSheet(database: BenchDatabase, ready: () => Promise<void>, sample: () => void): Promise<SheetResult> {
  const catalog = await loadCatalog(catalogDir());
  const def = largest(catalog.definitions.map((d) => d.definition));
  const service = new WorkflowService(database.db);
  await service.registerDefinitions(catalog.definitions);
  // Every review returns once (PUPR: verification at 3 back to 2, validation at 8 back to 1, …);
  // the picture is asked at the 14th visit.
  const reviews = Object.fromEntries(def.steps.filter((s) => s.kind === 'review').map((s) => [s.id, [1]]));
  const ref = await caseWithReturns(service, def, reviews, 14);
  await ready();

  let png: Buffer = Buffer.alloc(0);
  const pngTiming = await timed(() => {
    png = renderFlowPicture(def)[0]!.data;
  }, sample);
  let pdf = { bytes: 0, pages: 0 };
  const pdfTiming = await timed(async () => {
    const sheet = await renderSopSheet(def, { format: 'pdf' });
    pdf = { bytes: sheet.files[0]!.data.length, pages: sheet.pages };
  }, sample);
  let posisi = { bytes: 0, visits: 0 };
  const posisiTiming = await timed(async () => {
    // What the Posisi button does: the case from the store, drawn on its own SOP version.
    const details = await service.caseDetails(ref);
    const files = renderFlowPicture(details.definition, { caseView: caseViewOf(details, new Date()) });
    posisi = { bytes: files.reduce((n, f) => n + f.data.length, 0), visits: details.tasks.length };
  }, sample);

  return {
    seed: def.id,
    steps: def.steps.length,
    roles: def.roles.length,
    runs: RUNS,
    png: { ...pngTiming, bytes: png.length, width: png.readUInt32BE(16), height: png.readUInt32BE(20) },
    pdf: { ...pdfTiming, ...pdf },
    posisi: { ...posisiTiming, ...posisi },
  };
}
