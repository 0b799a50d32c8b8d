/**
 * The formal SOP sheet, read back from its SVG with a real XML parser and checked as a drawing:
 * every kegiatan has exactly one symbol, in its row and its Pelaksana's column, in the shape the
 * regulation gives it; every transition of the definition has exactly one arrow (or one arrow
 * to an off-page connector and one from its twin), starting on its step's symbol and ending on
 * the right one; no arrow runs through a symbol; no text leaves its cell, measured with the
 * shipped font. For the five seeds on A4 and F4, as chat pictures, with a case on them, and for
 * a made-up SOP built to be awkward (joint steps over distant columns, a four-way decision with
 * a loop and an end, a conditional route).
 */
import { describe, expect, it } from 'vitest';
import { returnTargets, stepRoles, type SopDefinition } from '../../src/sop/definition.js';
import { catalogDir, loadCatalog, parseDefinition } from '../../src/sop/loader.js';
import type { CaseView, CaseVisit } from '../../src/sheet/case-view.js';
import { layoutFlowPicture, layoutSheet } from '../../src/sheet/layout.js';
import type { Paper } from '../../src/sheet/model.js';
import type { SheetLayout } from '../../src/sheet/model.js';
import { sheetSvgs } from '../../src/sheet/render.js';
import { distanceToOutline, inside, overlaps, parsePage, segmentHitsBox, shrink, textBox, type SvgPage, type SvgPart } from '../support/sheet-svg.js';

const catalog = await loadCatalog(catalogDir());
const seeds = catalog.definitions.map((d) => d.definition);

/** Every transition of a definition, read from the definition itself (not from the sheet's graph). */
function transitions(def: SopDefinition) {
  const list: { from: string; kind: string; to: string; label?: string }[] = [];
  for (const s of def.steps) {
    for (const b of s.branches ?? []) list.push({ from: s.id, kind: 'branch', to: b.next ?? `end:${b.end}`, label: b.label });
    if (s.next) list.push({ from: s.id, kind: 'next', to: s.next });
    if (s.end) list.push({ from: s.id, kind: 'end', to: `end:${s.end}` });
    for (const r of s.route ?? []) list.push({ from: s.id, kind: 'route', to: r.next ?? `end:${r.end}` });
    for (const t of returnTargets(s)) list.push({ from: s.id, kind: 'return', to: t });
  }
  return list;
}

/** The regulation's shapes: capsule for the first and the last kegiatan (plain work), diamond for decisions and reviews. */
function expectedShape(def: SopDefinition, index: number): 'terminator' | 'decision' | 'process' {
  const s = def.steps[index]!;
  if (s.kind === 'decision' || s.kind === 'review') return 'decision';
  if (s.kind === 'task' && index === 0) return 'terminator';
  if (s.kind === 'task' && index === def.steps.length - 1 && s.end && !s.route) return 'terminator';
  return 'process';
}

function drawnShape(part: SvgPart): 'terminator' | 'decision' | 'process' | 'connector' | 'other' {
  if (part.element === 'rect') return Math.abs(part.rx - part.box.h / 2) < 0.01 ? 'terminator' : part.rx === 0 ? 'process' : 'other';
  const [top, right, bottom, left] = part.points;
  const b = part.box;
  const near = (p: [number, number] | undefined, x: number, y: number) => p !== undefined && Math.abs(p[0] - x) < 0.02 && Math.abs(p[1] - y) < 0.02;
  if (part.points.length === 4 && near(top, b.x + b.w / 2, b.y) && near(right, b.x + b.w, b.y + b.h / 2) && near(bottom, b.x + b.w / 2, b.y + b.h) && near(left, b.x, b.y + b.h / 2)) return 'decision';
  if (part.points.length === 5) return 'connector';
  return 'other';
}

/** Where an arrow end touches a part: on its outline; on a diamond, at one of its four corners. */
function touches(point: [number, number], part: SvgPart): boolean {
  if (drawnShape(part) === 'decision') return part.points.some((v) => Math.hypot(v[0] - point[0], v[1] - point[1]) < 0.05);
  return distanceToOutline(point, part.box) < 0.05 && !inside({ x: point[0], y: point[1], w: 0, h: 0 }, shrink(part.box, 0.05), 0);
}

function checkSheet(def: SopDefinition, layout: SheetLayout) {
  const pages = sheetSvgs(layout).map(parsePage);
  const flow = pages.filter((p) => p.kind === 'flow');
  expect(flow.length).toBeGreaterThan(0);
  const problems: string[] = [];

  // --- One symbol per kegiatan, in its row and its role's column, in its shape.
  def.steps.forEach((step, index) => {
    const found = flow.flatMap((p) => p.symbols.filter((s) => s.kind === 'step' && s.step === step.id).map((s) => ({ page: p, s })));
    if (found.length !== 1) {
      problems.push(`kegiatan ${step.id}: ${found.length} symbols`);
      return;
    }
    const { page, s } = found[0]!;
    const row = page.cells.find((c) => c.kind === 'no' && c.step === step.id)?.box;
    if (!row) {
      problems.push(`kegiatan ${step.id}: no row on page ${page.number}`);
      return;
    }
    const columns = new Map(page.cells.filter((c) => c.kind === 'head-role').map((c) => [c.role!, c.box]));
    const roles = stepRoles(step);
    const partRoles = s.parts.map((part) => [...columns.entries()].find(([, col]) => inside(part.box, { x: col.x, y: row.y, w: col.w, h: row.h }))?.[0]);
    expect(partRoles.sort(), `kegiatan ${step.id}: the columns its symbol is drawn in`).toEqual([...roles].sort());
    for (const part of s.parts) expect(drawnShape(part), `kegiatan ${step.id}: shape`).toBe(expectedShape(def, index));
  });
  expect(flow.flatMap((p) => p.symbols.filter((s) => s.kind === 'step'))).toHaveLength(def.steps.length);

  // --- One arrow per transition, from its step's symbol to the right symbol.
  const arrows = flow.flatMap((p) => p.arrows.map((a) => ({ page: p, a })));
  const partsOf = (page: SvgPage, pred: (s: SvgPage['symbols'][number]) => boolean) => page.symbols.filter(pred).flatMap((s) => s.parts);
  let expectedArrows = 0;
  for (const t of transitions(def)) {
    const absorbed = t.kind === 'end' && expectedShape(def, def.steps.findIndex((s) => s.id === t.from)) === 'terminator';
    // A branch is told from its siblings by its label, which the part after a page break does not repeat.
    const labelled = arrows.filter(({ a }) => a.from === t.from && a.kind === t.kind && a.to === t.to && a.part !== 'in' && (t.label === undefined || a.label?.text === t.label));
    const mine = [...labelled, ...arrows.filter(({ a }) => a.part === 'in' && labelled.some((l) => l.a.edge === a.edge))];
    const where = `${t.from} -${t.kind}${t.label ? ` ${t.label}` : ''}-> ${t.to}`;
    if (absorbed) {
      // The last kegiatan's capsule is the end itself.
      expect(mine, where).toHaveLength(0);
      const end = flow.flatMap((p) => p.symbols).find((s) => s.step === t.from)!;
      expect(end.label?.text, where).toMatch(/^Selesai/);
      continue;
    }
    const whole = mine.filter(({ a }) => a.part === 'whole');
    const out = mine.filter(({ a }) => a.part === 'out');
    const into = mine.filter(({ a }) => a.part === 'in');
    const split = whole.length === 0 && out.length === 1 && into.length === 1;
    if (!(whole.length === 1 && out.length + into.length === 0) && !split) {
      problems.push(`${where}: ${whole.length} whole, ${out.length} out, ${into.length} in`);
      continue;
    }
    expectedArrows += split ? 2 : 1;
    const first = split ? out[0]! : whole[0]!;
    const last = split ? into[0]! : whole[0]!;
    const start = first.a.points[0]!;
    const end = last.a.points[last.a.points.length - 1]!;
    if (!partsOf(first.page, (s) => s.kind === 'step' && s.step === t.from).some((p) => touches(start, p))) problems.push(`${where}: does not start on kegiatan ${t.from}`);
    const targetParts = t.to.startsWith('end:') ? partsOf(last.page, (s) => s.kind === 'end' && s.edge === last.a.edge) : partsOf(last.page, (s) => s.kind === 'step' && s.step === t.to);
    if (!targetParts.some((p) => touches(end, p))) problems.push(`${where}: does not end on ${t.to}`);
    if (split) {
      const n = out[0]!.a.connector;
      expect(into[0]!.a.connector, where).toBe(n);
      expect(out[0]!.page.number, where).not.toBe(into[0]!.page.number);
      const outEnd = out[0]!.a.points[out[0]!.a.points.length - 1]!;
      const inStart = into[0]!.a.points[0]!;
      if (!partsOf(out[0]!.page, (s) => s.kind === 'connector' && s.number === n).some((p) => touches(outEnd, p))) problems.push(`${where}: does not reach connector ${n}`);
      if (!partsOf(into[0]!.page, (s) => s.kind === 'connector' && s.number === n).some((p) => touches(inStart, p))) problems.push(`${where}: does not leave connector ${n}`);
      for (const { page } of [out[0]!, into[0]!]) {
        const c = page.symbols.filter((s) => s.kind === 'connector' && s.number === n);
        expect(c, `${where}: connector ${n} on page ${page.number}`).toHaveLength(1);
        expect(drawnShape(c[0]!.parts[0]!)).toBe('connector');
        expect(c[0]!.label?.text).toBe(String(n));
      }
    }
  }
  expect(problems).toEqual([]);
  expect(arrows).toHaveLength(expectedArrows);
  // Decisions: a diamond whose ways out carry their branch labels.
  for (const step of def.steps.filter((s) => s.kind === 'decision')) {
    const labels = arrows.filter(({ a }) => a.from === step.id && a.kind === 'branch' && a.part !== 'in').map(({ a }) => a.label?.text);
    expect(labels.sort(), `decision ${step.id}`).toEqual(step.branches!.map((b) => b.label).sort());
  }

  // --- No arrow through a symbol (any symbol on its page, its own included: it only touches them).
  for (const page of flow) {
    const parts = page.symbols.flatMap((s) => s.parts.map((p) => ({ s, p })));
    for (const a of page.arrows) {
      for (let i = 1; i < a.points.length; i++) {
        for (const { s, p } of parts) {
          if (segmentHitsBox(a.points[i - 1]!, a.points[i]!, shrink(p.box, 0.3))) {
            problems.push(`page ${page.number}: arrow ${a.edge} crosses ${s.kind} ${s.step ?? s.number ?? s.edge}`);
          }
        }
      }
      // Arrows run across and down, never aslant.
      for (let i = 1; i < a.points.length; i++) {
        const [p, q] = [a.points[i - 1]!, a.points[i]!];
        if (Math.abs(p[0] - q[0]) > 0.01 && Math.abs(p[1] - q[1]) > 0.01) problems.push(`page ${page.number}: arrow ${a.edge} runs aslant`);
      }
    }
  }

  // --- No text outside its cell, measured with the shipped font's metrics.
  for (const page of pages) {
    for (const c of page.cells) {
      for (const t of c.texts) if (!inside(textBox(t), c.box)) problems.push(`page ${page.number}: "${t.text}" overflows its ${c.kind} cell${c.step ? ` (kegiatan ${c.step})` : ''}`);
    }
    for (const s of page.symbols) {
      if (s.label && !s.parts.some((p) => inside(textBox(s.label!), p.box))) problems.push(`page ${page.number}: symbol label "${s.label.text}" leaves its symbol`);
    }
    const allParts = page.symbols.flatMap((s) => s.parts);
    for (const a of page.arrows) {
      if (!a.label) continue;
      const box = textBox(a.label);
      if (!inside(box, page.flowArea!)) problems.push(`page ${page.number}: label "${a.label.text}" of ${a.edge} leaves the Pelaksana columns`);
      if (allParts.some((p) => overlaps(box, p.box))) problems.push(`page ${page.number}: label "${a.label.text}" of ${a.edge} covers a symbol`);
      for (const b of page.arrows) {
        if (b !== a && b.label && overlaps(box, textBox(b.label))) problems.push(`page ${page.number}: labels of ${a.edge} and ${b.edge} overlap`);
      }
    }
    for (const t of page.texts) if (!inside(textBox(t), { x: 0, y: 0, w: page.width, h: page.height })) problems.push(`page ${page.number}: "${t.text}" leaves the page`);
  }
  expect(problems).toEqual([]);
  return pages;
}

describe('the sheet of each seed SOP', () => {
  for (const def of seeds) {
    for (const paper of ['a4', 'f4'] as Paper[]) {
      it(`${def.id} on ${paper.toUpperCase()}: identity page, then every kegiatan and transition drawn as the regulation draws them`, () => {
        const pages = checkSheet(def, layoutSheet(def, { paper }));
        const identity = pages[0]!;
        expect(identity.kind).toBe('identity');
        const words = identity.cells.flatMap((c) => c.texts.map((t) => t.text)).join(' ');
        for (const w of ['Nomor SOP', 'Tanggal Pembuatan', 'Tanggal Revisi', 'Tanggal Efektif', 'Disahkan oleh', 'Nama SOP', 'DASAR HUKUM:', 'KUALIFIKASI PELAKSANA:', 'KETERKAITAN:', 'PERALATAN/PERLENGKAPAN:', 'PERINGATAN:', 'PENCATATAN DAN PENDATAAN:']) {
          expect(words).toContain(w);
        }
        expect(words).toContain(def.identity.nomor);
        // The flow pages head their table as the regulation does, in the SOP's role order.
        for (const page of pages.filter((p) => p.kind === 'flow')) {
          const heads = page.cells.filter((c) => c.kind === 'head-role').sort((a, b) => a.box.x - b.box.x);
          expect(heads.map((c) => c.role)).toEqual(def.roles.map((r) => r.id));
          const head = page.cells.filter((c) => c.kind === 'head').flatMap((c) => c.texts.map((t) => t.text));
          expect(head).toEqual(expect.arrayContaining(['No', 'Kegiatan', 'Pelaksana', 'Mutu Baku', 'Kelengkapan', 'Waktu', 'Output', 'Keterangan']));
        }
        expect(pages.map((p) => p.number)).toEqual(pages.map((_, i) => i + 1));
      });
    }
    it(`${def.id} as a chat picture: the flowchart alone, no taller than 1.6 × its width`, () => {
      const pages = checkSheet(def, layoutFlowPicture(def));
      for (const p of pages) expect(p.height).toBeLessThanOrEqual(p.width * 1.6 + 0.01);
    });
  }

  it('breaks a long table into pages joined by numbered connectors (PUPR on A4)', () => {
    const def = seeds.find((d) => d.id === 'pupr')!;
    const pages = checkSheet(def, layoutSheet(def, { paper: 'a4' })).filter((p) => p.kind === 'flow');
    expect(pages.length).toBeGreaterThan(1);
    const numbers = pages.flatMap((p) => p.symbols.filter((s) => s.kind === 'connector').map((s) => s.number!));
    // Each connector appears twice (where the flow leaves a page and where it comes back in), numbered 1, 2, 3, …
    const distinct = [...new Set(numbers)].sort((a, b) => a - b);
    expect(distinct).toEqual(distinct.map((_, i) => i + 1));
    for (const n of distinct) expect(numbers.filter((x) => x === n)).toHaveLength(2);
  });

  it('draws Pemalang as the paper does: a diamond with Ditolak and Diterima, rows shared after it, returns dashed', () => {
    const def = seeds.find((d) => d.id === 'pemalang')!;
    const pages = checkSheet(def, layoutFlowPicture(def));
    const arrows = pages.flatMap((p) => p.arrows);
    const diamond = pages.flatMap((p) => p.symbols).find((s) => s.step === '3')!;
    expect(drawnShape(diamond.parts[0]!)).toBe('decision');
    expect(arrows.filter((a) => a.from === '3').map((a) => `${a.label?.text} → ${a.to}`).sort()).toEqual(['Diterima → 5', 'Ditolak → 4']);
    // 5b sends a faulty letter back to whichever draft was written: two dashed Kembalikan arrows.
    const returns = arrows.filter((a) => a.kind === 'return');
    expect(returns.map((a) => `${a.from} → ${a.to}`).sort()).toEqual(['5b → 4', '5b → 5a', '6 → 5b']);
    for (const r of returns) expect(r.dashed).toBe(true);
    // The two from 5b leave one corner together: "Kembalikan" is written once there.
    expect(returns.map((a) => a.label?.text)).toEqual(['Kembalikan', undefined, 'Kembalikan']);
    expect(arrows.filter((a) => !a.dashed).every((a) => a.kind !== 'return')).toBe(true);
    // Row 8 ends a rejected request: its arrow goes to a terminator, labelled with the condition.
    const rejected = arrows.find((a) => a.from === '8' && a.to === 'end:ditolak')!;
    expect(rejected.label?.text).toBe('Ditolak');
    expect(arrows.find((a) => a.from === '8' && a.to === '9')!.label?.text).toBe('Diterima');
  });

  it('draws a joint step in each of its roles’ columns (Jateng 3 and 4)', () => {
    const def = seeds.find((d) => d.id === 'jateng')!;
    const pages = checkSheet(def, layoutSheet(def));
    const symbols = pages.flatMap((p) => p.symbols);
    expect(symbols.find((s) => s.step === '3')!.parts).toHaveLength(3);
    expect(symbols.find((s) => s.step === '4')!.parts).toHaveLength(2);
  });
});

describe('the cells of the table', () => {
  it('list each kelengkapan and output, with the path an entry belongs to, and mark an inferred Pelaksana', () => {
    const def = seeds.find((d) => d.id === 'pemalang')!;
    const variant: SopDefinition = {
      ...def,
      steps: def.steps.map((s) =>
        s.id === '8'
          ? { ...s, output: [{ name: 'Surat penolakan', document: true, when: { step: '3', branch: 'Ditolak' } }, { name: 'Surat tugas', document: true, when: { step: '3', branch: 'Diterima' } }] }
          : s.id === '2'
            ? { ...s, roleInferred: true }
            : s,
      ),
    };
    const pages = checkSheet(variant, layoutSheet(variant));
    const cell = (step: string, kind: string) =>
      pages.flatMap((p) => p.cells).filter((c) => c.step === step && c.kind === kind).flatMap((c) => c.texts.map((t) => t.text)).join(' ');
    expect(cell('8', 'output')).toBe('1. Surat penolakan (jika Ditolak) 2. Surat tugas (jika Diterima)');
    expect(cell('2', 'no')).toBe('2*');
    const notes = pages.filter((p) => p.kind === 'flow').flatMap((p) => p.texts.map((t) => t.text)).join(' ');
    expect(notes).toContain('* Pelaksana dibaca dari uraian kegiatan');
  });
});

const awkward = parseDefinition(
  `
id: rumit
code: RMT
identity: { nomor: "X/1", nama: Uji Gambar, instansi: [Instansi Uji], disahkanOleh: Kepala }
roles:
  - { id: a, name: Peran A }
  - { id: b, name: Peran B }
  - { id: c, name: Peran C }
  - { id: d, name: Peran D }
steps:
  - { id: "1", kegiatan: Mulai pekerjaan, kind: task, role: a, next: "2" }
  - { id: "2", kegiatan: Rapat bersama A dan C, kind: joint, roles: [a, c], quorum: all, next: "3" }
  - id: "3"
    kegiatan: Memutuskan
    kind: decision
    role: b
    branches:
      - { label: Khusus, next: "4" }
      - { label: Lanjut, next: "5" }
      - { label: Ulang, next: "2" }
      - { label: Tolak, end: ditolak }
  - { id: "4", kegiatan: Penanganan khusus, kind: task, role: d, next: "6" }
  - { id: "5", kegiatan: Pemeriksaan, kind: review, role: c, next: "6", returnTo: ["2", "1"] }
  - id: "6"
    kegiatan: Penyelesaian
    kind: task
    role: a
    route:
      - { when: { step: "3", branch: Khusus }, end: selesai }
      - { next: "7" }
  - { id: "7", kegiatan: "Penutupan oleh B, C dan D", kind: joint, roles: [b, c, d], quorum: all, end: selesai }
`,
  'rumit.yaml',
);

describe('an awkward SOP', () => {
  it('is a valid definition', () => {
    expect(awkward.ok ? [] : awkward.errors.map((e) => e.message)).toEqual([]);
  });
  if (awkward.ok) {
    const def = awkward.definition;
    it('still gets one symbol per kegiatan and one clear arrow per transition, on every paper', () => {
      checkSheet(def, layoutSheet(def, { paper: 'a4' }));
      checkSheet(def, layoutSheet(def, { paper: 'f4' }));
      checkSheet(def, layoutFlowPicture(def));
      // Cramped: pages so short that nearly every arrow crosses a page.
      checkSheet(def, layoutFlowPicture(def, { width: 500, maxHeight: 260 }));
    });
    it('continues a long identity page and a long table on further pages, every line still inside its cell', () => {
      const law = (i: number) => `Peraturan Daerah Nomor ${i} Tahun 2020 tentang Ketentuan yang Sangat Panjang untuk Menguji Pemotongan Halaman Identitas SOP`;
      // Forty kegiatan round four roles, with a review at 30 that sends the case back to 3.
      const roles = def.roles.map((r) => r.id);
      const long: SopDefinition = {
        ...def,
        dasarHukum: Array.from({ length: 70 }, (_, i) => law(i + 1)),
        steps: Array.from({ length: 40 }, (_, i) => ({
          id: String(i + 1),
          kegiatan: `Kegiatan ${i + 1}: memeriksa dan meneruskan berkas permohonan ke pelaksana berikutnya`,
          kind: i === 29 ? ('review' as const) : ('task' as const),
          role: roles[i % roles.length]!,
          kelengkapan: [{ name: `Berkas ${i}` }],
          output: [{ name: `Berkas ${i + 1}`, document: true }],
          waktu: '1 jam',
          ...(i === 29 ? { returnTo: '3' } : {}),
          ...(i < 39 ? { next: String(i + 2) } : { end: 'selesai' as const }),
        })),
      };
      const pages = checkSheet(long, layoutSheet(long));
      const identity = pages.filter((p) => p.kind === 'identity');
      expect(identity.length).toBeGreaterThan(1);
      expect(pages.filter((p) => p.kind === 'flow').length).toBeGreaterThan(3);
      const laws = identity.flatMap((p) => p.cells.flatMap((c) => c.texts.map((t) => t.text))).filter((t) => /^\d+\.$/.test(t));
      expect(laws).toContain('70.');
    });
  }
});

describe('a case on the sheet', () => {
  const def = seeds.find((d) => d.id === 'pemalang')!;
  const t0 = new Date('2026-11-23T02:00:00Z');
  const at = (minutes: number) => new Date(t0.getTime() + minutes * 60_000);
  const visit = (stepId: string, n: number, minute: number, action: CaseVisit['action'], wentTo: string | null, branch: string | null = null): CaseVisit => ({
    stepId,
    visit: n,
    status: action ? 'completed' : 'open',
    action,
    branch,
    wentTo,
    openedAt: at(minute),
    dueAt: at(minute + 10),
    doneAt: action ? at(minute + 5) : null,
  });
  const view: CaseView = {
    ref: 'PML-2026-0001',
    title: 'Permohonan asesor Kab. Batang',
    status: 'open',
    outcome: null,
    startedAt: t0,
    closedAt: null,
    now: at(200),
    tasks: [
      visit('1', 1, 0, 'done', '2'),
      visit('2', 1, 10, 'done', '3'),
      visit('3', 1, 20, 'chosen', '5', 'Diterima'),
      visit('5', 1, 30, 'done', '5a'),
      visit('5a', 1, 40, 'done', '5b'),
      visit('5b', 1, 50, 'returned', '5a'),
      visit('5a', 2, 60, 'done', '5b'),
      visit('5b', 2, 70, 'approved', '6'),
      // Opened at minute 80, due at 90, and now is 200: late.
      visit('6', 1, 80, null, null),
    ],
  };

  it('shows the steps visited (×2 where it came back), the branch and the return taken, and the late step in red', () => {
    for (const layout of [layoutSheet(def, { caseView: view }), layoutFlowPicture(def, { caseView: view })]) {
      const pages = checkSheet(def, layout).filter((p) => p.kind === 'flow');
      const symbols = pages.flatMap((p) => p.symbols).filter((s) => s.kind === 'step');
      const state = Object.fromEntries(symbols.map((s) => [s.step, s.state ?? '-']));
      expect(state).toEqual({ 1: 'visited', 2: 'visited', 3: 'visited', 4: '-', 5: 'visited', '5a': 'visited', '5b': 'visited', 6: 'overdue', 7: '-', 8: '-', 9: '-', 10: '-' });
      expect(symbols.filter((s) => s.visits).map((s) => [s.step, s.visits, s.label?.text])).toEqual([
        ['5a', 2, '×2'],
        ['5b', 2, '×2'],
      ]);
      const taken = pages.flatMap((p) => p.arrows).filter((a) => a.taken);
      expect(taken.map((a) => `${a.from}→${a.to}${a.taken! > 1 ? ` ×${a.taken}` : ''}`).sort()).toEqual(['1→2', '2→3', '3→5', '5a→5b ×2', '5b→5a', '5b→6', '5→5a']);
      expect(taken.find((a) => a.from === '3')!.label?.text).toBe('Diterima');
      expect(taken.find((a) => a.kind === 'return')!.dashed).toBe(true);
      // The red of a late step, and the legend with the case's reference, title and moment.
      const words = pages[0]!.texts.map((t) => t.text).join(' | ');
      expect(words).toContain('Kasus PML-2026-0001: Permohonan asesor Kab. Batang');
      expect(words).toContain('Posisi per Senin, 23 November 2026 12.20 WIB');
      expect(words).toContain('lewat batas waktu');
      expect(words).toContain('×2: kegiatan dikerjakan dua kali');
    }
    const svg = sheetSvgs(layoutFlowPicture(def, { caseView: view }))[0]!;
    expect(svg).toMatch(/data-step="6" data-state="overdue"[^>]*><polygon class="part" points="[^"]+" fill="#fecaca" stroke="#dc2626"/);
  });

  it('reaches the end terminator of a closed case', () => {
    const closed: CaseView = {
      ...view,
      status: 'closed',
      outcome: 'ditolak',
      closedAt: at(150),
      tasks: [
        visit('1', 1, 0, 'done', '2'),
        visit('2', 1, 10, 'done', '3'),
        visit('3', 1, 20, 'chosen', '4', 'Ditolak'),
        visit('4', 1, 30, 'done', '5b'),
        visit('5b', 1, 40, 'approved', '6'),
        visit('6', 1, 50, 'approved', '7'),
        visit('7', 1, 60, 'done', '8'),
        visit('8', 1, 70, 'done', 'end:ditolak'),
      ],
    };
    const pages = checkSheet(def, layoutFlowPicture(def, { caseView: closed }));
    const end = pages.flatMap((p) => p.symbols).find((s) => s.kind === 'end')!;
    expect(pages.flatMap((p) => p.arrows).find((a) => a.edge === end.edge)).toMatchObject({ from: '8', to: 'end:ditolak', taken: 1 });
    expect(pages[0]!.texts.map((t) => t.text).join(' ')).toContain('ditutup (ditolak)');
  });
});
