/**
 * The flowchart table of the regulation: No | Kegiatan | one column per Pelaksana | Kelengkapan |
 * Waktu | Output | Keterangan, each kegiatan drawn in its row and its role's column, and the
 * arrows between them, broken into pages with numbered off-page connectors.
 *
 * How arrows stay clear of symbols, by construction rather than by search:
 * - every symbol sits centred in its column, narrower than the column by a margin on each side;
 * - an arrow runs vertically only in those margins ("lanes", one track per arrow where two
 *   would overlap), or straight between a row's symbol and the next row's;
 * - it runs horizontally only in a row's bands above and below its symbol, at the height of
 *   its own symbol's side port (a row holds one kegiatan only), or in the connector bands.
 * So a symbol is only ever touched by its own arrows, at its ports.
 */
import { lineMetrics, textWidth } from '../graphics/fonts.js';
import { SHEET } from '../messages/sheet.js';
import { stepDocuments, type SopDefinition, type StepDefinition } from '../sop/definition.js';
import type { Overlay } from './case-view.js';
import { isEnd, stepColumns, type Edge, type FlowGraph, type Shape } from './graph.js';
import type { Box, Page, SymbolItem, TextLine } from './model.js';
import { centred, ellipsize, placeRows, rowsThatFit, setParas, textHeight, type Para, type Rows } from './text.js';

export const FLOW = {
  body: 6.8,
  head: 6.8,
  role: 6.4,
  label: 5.6,
  labelSmall: 4.8,
  title: 9,
  note: 6,
  pad: 3,
  noWidth: 22,
  procH: 15,
  termH: 15,
  diamondH: 22,
  endTermH: 13,
  connW: 14,
  connH: 13,
  /** Distance of the first lane from the column's border, and between lanes. */
  laneEdge: 3.5,
  laneGap: 3.2,
  /** Between the innermost lane and the symbol. */
  symGap: 3,
  minSymW: 18,
  maxSymW: 56,
  maxDiamondW: 46,
  /** Minimum space between a symbol and its row's border. */
  band: 9.5,
  /** Where arrows turn above (into the top port) and below (out of the bottom port) a symbol. */
  portOffset: 5,
  bandH: 32,
  head1H: 13.5,
} as const;

type Side = 'left' | 'right';
type Exit = 'bottom' | Side;

interface Route {
  edge: Edge;
  fromRow: number;
  /** Row of the target step; for an end, the source row. */
  toRow: number;
  exit: Exit;
  /** Column of the source part the arrow leaves. */
  srcCol: number;
  /** Column of the target part the arrow enters (steps), or of the end terminator. */
  dstCol: number;
  lane?: { col: number; side: Side; track: number };
  /** Ends: the terminator beside (in column dstCol) or below the symbol. */
  terminal?: 'beside' | 'below';
  /** Index among the arrows leaving the same side of the same symbol (rectangles spread them). */
  slot: number;
  slots: number;
  /** Shares its first run and its label with an earlier arrow (two Kembalikan from one corner): labelled once. */
  quiet?: boolean;
}

interface StepInfo {
  step: StepDefinition;
  row: number;
  cols: number[];
  shape: Shape;
  inferred: boolean;
}

export interface FlowOptions {
  width: number;
  /** Page height; Infinity for one page as tall as its content. */
  height: number;
  /** With a finite height: make each page only as tall as its content (chat pictures). */
  fitHeight?: boolean;
  margin: number;
  overlay?: Overlay;
  /** Heading lines above the table (SOP title, case legend); the same on every page. */
  heading: { left: TextLine[]; height: number };
  /** Lines below the table on every page (notes, legend); laid out by the caller. */
  footer: { height: number; draw: (page: Page, top: number) => void };
}

/** The Pelaksana columns, the text columns around them, and the lane margins of each column. */
interface Columns {
  x: Record<'no' | 'kegiatan' | 'kelengkapan' | 'waktu' | 'output' | 'keterangan', { x: number; w: number }>;
  roleX: number[];
  roleW: number;
  margin: number[];
  symW: number[];
  left: number;
  right: number;
}

export function layoutFlowPages(def: SopDefinition, graph: FlowGraph, opts: FlowOptions): Page[] {
  const columns = new Map(def.roles.map((r, i) => [r.id, i]));
  const steps: StepInfo[] = def.steps.map((step, row) => ({
    step,
    row,
    cols: stepColumns(def, step, columns),
    shape: graph.shapes.get(step.id)!,
    inferred: step.roleInferred === true,
  }));
  const byId = new Map(steps.map((s) => [s.step.id, s]));
  const nCols = def.roles.length;
  const routes = planRoutes(steps, byId, graph, nCols);
  const cols = layoutColumns(routes, nCols, opts);
  const tableX = cols.left;
  const tableW = cols.right - cols.left;

  // Header rows: the Pelaksana names may wrap; every page repeats them.
  // One size for all the Pelaksana names: the largest at which no word has to be broken.
  const words = def.roles.flatMap((r) => r.name.split(/\s+/));
  const roleSize = [FLOW.role, FLOW.role - 0.6, FLOW.role - 1.2].find((size) => words.every((w) => textWidth(w, size, 'bold') <= cols.roleW - 2 * FLOW.pad)) ?? FLOW.role - 1.2;
  const roleHeads = def.roles.map((r) => setParas([{ text: r.name, weight: 'bold' }], cols.roleW - 2 * FLOW.pad, roleSize));
  const head2H = Math.max(FLOW.head1H, ...roleHeads.map((r) => textHeight(r.length, roleSize) + 2 * FLOW.pad));
  const headH = FLOW.head1H + head2H;

  // Body rows: the tallest of the text cells and the symbol with its bands.
  const bodies = steps.map((s) => rowTexts(s, cols));
  const symbolNeed = steps.map((s) => {
    const h = symbolHeight(s.shape);
    const below = routes.some((r) => r.edge.from === s.step.id && r.terminal === 'below');
    return h + 2 * FLOW.band + (below ? FLOW.endTermH + 8 : 0);
  });
  const fullRowH = steps.map((_, i) => Math.max(symbolNeed[i]!, ...bodies[i]!.map((b) => textHeight(b.rows.length, FLOW.body) + 2 * FLOW.pad)));

  const top = opts.margin + opts.heading.height;
  const bottomReserve = opts.margin + opts.footer.height;
  const onePage = opts.height === Infinity || top + headH + sum(fullRowH) + bottomReserve <= opts.height;
  const capacity = onePage ? Infinity : opts.height - top - headH - bottomReserve - 2 * FLOW.bandH;
  if (capacity < Math.max(...symbolNeed)) throw new Error('page too small for the flowchart');
  const rowH = fullRowH.map((h) => Math.min(h, capacity));

  // Rows to pages, greedily: a row is never split (its text is cut with "…" when it alone is taller than a page).
  const pageRows: number[][] = [[]];
  let used = 0;
  rowH.forEach((h, i) => {
    if (used + h > capacity && pageRows[pageRows.length - 1]!.length) {
      pageRows.push([]);
      used = 0;
    }
    pageRows[pageRows.length - 1]!.push(i);
    used += h;
  });
  const pageOfRow = new Map<number, number>();
  pageRows.forEach((rows, p) => rows.forEach((r) => pageOfRow.set(r, p)));

  // Connector numbers, in reading order: pages, then source rows.
  const connectorOf = new Map<string, number>();
  for (const route of [...routes].sort((a, b) => Math.min(a.fromRow, a.toRow) - Math.min(b.fromRow, b.toRow) || a.fromRow - b.fromRow)) {
    if (route.terminal) continue;
    if (pageOfRow.get(route.fromRow) !== pageOfRow.get(route.toRow)) connectorOf.set(route.edge.id, connectorOf.size + 1);
  }

  const pages: Page[] = [];
  pageRows.forEach((rows) => {
    const page: Page = { number: 0, kind: 'flow', width: opts.width, height: opts.height, cells: [], symbols: [], arrows: [], texts: [], swatches: [] };
    for (const t of opts.heading.left) page.texts.push({ ...t });
    let y = top;
    drawHeader(def, page, cols, roleHeads, roleSize, y, head2H);
    y += headH;
    // Connector bands only where this page has connectors: above the rows for arrows arriving
    // from an earlier page (or returning to one), below for the others.
    const here = new Set(rows);
    const crossing = routes.filter((r) => !r.terminal && here.has(r.fromRow) !== here.has(r.toRow));
    const needTop = crossing.some((r) => here.has(r.fromRow) !== r.toRow > r.fromRow);
    const needBottom = crossing.some((r) => here.has(r.fromRow) === r.toRow > r.fromRow);
    const bandTop = needTop ? { top: y, h: FLOW.bandH } : undefined;
    if (bandTop) {
      page.cells.push({ kind: 'band', x: tableX, y, w: tableW, h: FLOW.bandH, lines: [] });
      y += FLOW.bandH;
    }
    const rowY = new Map<number, { y: number; h: number }>();
    for (const r of rows) {
      rowY.set(r, { y, h: rowH[r]! });
      drawRow(def, page, steps[r]!, bodies[r]!, cols, y, rowH[r]!, opts.overlay);
      y += rowH[r]!;
    }
    const bandBottom = needBottom ? { top: y, h: FLOW.bandH } : undefined;
    if (bandBottom) {
      page.cells.push({ kind: 'band', x: tableX, y, w: tableW, h: FLOW.bandH, lines: [] });
      y += FLOW.bandH;
    }
    page.flowArea = { x: cols.roleX[0]!, y: top + headH, w: cols.roleW * nCols, h: y - top - headH };

    const geo = new PageGeometry(steps, cols, rowY, routes);
    for (const r of rows) page.symbols.push(geo.stepSymbol(steps[r]!, opts.overlay));
    drawArrows(page, geo, routes, rows, connectorOf, { top: bandTop, bottom: bandBottom }, opts.overlay);

    const footerTop = opts.fitHeight || opts.height === Infinity ? y + 6 : Math.max(y + 6, opts.height - opts.margin - opts.footer.height);
    opts.footer.draw(page, footerTop);
    if (opts.fitHeight || opts.height === Infinity) page.height = footerTop + opts.footer.height + opts.margin;
    pages.push(page);
  });
  return pages;
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

function symbolHeight(shape: string): number {
  return shape === 'decision' ? FLOW.diamondH : shape === 'terminator' ? FLOW.termH : FLOW.procH;
}

// ---------------------------------------------------------------------------------------------
// Routing plan: which port each arrow leaves, which lane it runs in

function planRoutes(steps: StepInfo[], byId: Map<string, StepInfo>, graph: FlowGraph, nCols: number): Route[] {
  const routes: Route[] = [];
  for (const s of steps) {
    const out = graph.edges.filter((e) => e.from === s.step.id && !e.absorbed);
    const forward = out.filter((e) => !isEnd(e.to) && byId.get(e.to)!.row > s.row);
    const back = out.filter((e) => !isEnd(e.to) && byId.get(e.to)!.row <= s.row);
    const ends = out.filter((e) => isEnd(e.to));
    const min = s.cols[0]!;
    const max = s.cols[s.cols.length - 1]!;
    const mine: Route[] = [];
    const nearest = (cols: number[], to: number) => cols.reduce((best, c) => (Math.abs(c - to) < Math.abs(best - to) ? c : best), cols[0]!);
    const stepRoute = (edge: Edge, exit: Exit): Route => {
      const target = byId.get(edge.to)!;
      const srcCol = exit === 'left' ? min : exit === 'right' ? max : nearest(s.cols, nearest(target.cols, (min + max) / 2));
      return { edge, fromRow: s.row, toRow: target.row, exit, srcCol, dstCol: nearest(target.cols, srcCol), slot: 0, slots: 1 };
    };
    /** The side a target lies on, or undefined when it shares the source's columns (either side will do). */
    const strictSide = (edge: Edge): Side | undefined => {
      const t = byId.get(edge.to)!;
      if (t.cols[t.cols.length - 1]! < min) return 'left';
      if (t.cols[0]! > max) return 'right';
      return undefined;
    };
    const used = (side: Side) => mine.filter((r) => r.exit === side).length;
    const toSide = (edge: Edge, isBack: boolean) => {
      const strict = strictSide(edge);
      // Either side: the less used one, so a diamond's two corners carry one arrow each.
      const side = strict ?? (used('left') === used('right') ? (isBack ? 'right' : 'left') : used('left') < used('right') ? 'left' : 'right');
      mine.push(stepRoute(edge, side));
    };
    const byDistance = [...forward].sort((a, b) => byId.get(a.to)!.row - byId.get(b.to)!.row);
    const bottom = byDistance[0];
    if (bottom) mine.push(stepRoute(bottom, 'bottom'));
    const sideways = [...byDistance.slice(1).map((e) => ({ e, back: false })), ...back.map((e) => ({ e, back: true }))];
    // Arrows bound to a side first; the others then balance the two sides.
    for (const { e, back: isBack } of sideways.filter((x) => strictSide(x.e))) toSide(e, isBack);
    for (const { e, back: isBack } of sideways.filter((x) => !strictSide(x.e))) toSide(e, isBack);
    for (const e of ends) {
      // The terminator goes in the next column on a side where no other arrow has to pass it
      // (those that turn within the step's own columns do not).
      const clear = (side: Side) =>
        (side === 'left' ? min > 0 : max < nCols - 1) &&
        mine.filter((r) => r.exit === side).every((r) => {
          const { col } = laneSpot(r, steps);
          return r.terminal === undefined && col >= min && col <= max;
        });
      const sides = (['right', 'left'] as Side[]).filter(clear).sort((a, b) => used(a) - used(b));
      const side = sides[0];
      if (side) {
        mine.push({ edge: e, fromRow: s.row, toRow: s.row, exit: side, srcCol: side === 'left' ? min : max, dstCol: side === 'left' ? min - 1 : max + 1, terminal: 'beside', slot: 0, slots: 1 });
        continue;
      }
      // No clear side: the terminator goes under the symbol, and whatever left by the bottom
      // moves to a side (it runs in a lane from there). A second such end shares the spot.
      const below = mine.find((r) => r.exit === 'bottom' && !r.terminal);
      if (below) {
        mine.splice(mine.indexOf(below), 1);
        toSide(below.edge, false);
      }
      const col = nearest(s.cols, (min + max) / 2);
      mine.push({ edge: e, fromRow: s.row, toRow: s.row, exit: 'bottom', srcCol: col, dstCol: col, terminal: 'below', slot: 0, slots: 1 });
    }
    // Spread arrows that leave the same side (rectangles only; a diamond has one vertex a side).
    for (const side of ['left', 'right'] as Side[]) {
      const same = mine.filter((r) => r.exit === side);
      same.forEach((r, i) => {
        r.slot = i;
        r.slots = same.length;
        if (s.shape !== 'process' && same.slice(0, i).some((o) => o.edge.label === r.edge.label)) r.quiet = true;
      });
    }
    routes.push(...mine);
  }
  assignLanes(routes, steps);
  return routes;
}

/** Position of a route's vertical run in row units: upper band −0.25, centre 0, lower band +0.25. */
function laneInterval(r: Route): [number, number] {
  const start = r.exit === 'bottom' ? r.fromRow + 0.25 : r.fromRow;
  const end = r.toRow - 0.25;
  return start < end ? [start, end] : [end, start];
}

/**
 * The margin an arrow runs in: the target's margin facing the source when the target lies
 * beside it, else round the source's own side (never back across the symbol it left).
 */
function laneSpot(r: Route, steps: StepInfo[]): { col: number; side: Side } {
  const target = steps[r.toRow]!;
  const t0 = target.cols[0]!;
  const t1 = target.cols[target.cols.length - 1]!;
  const src = steps[r.fromRow]!;
  const s0 = src.cols[0]!;
  const s1 = src.cols[src.cols.length - 1]!;
  if (r.terminal) return { col: r.dstCol, side: r.exit === 'left' ? 'right' : 'left' };
  if (r.exit === 'left') return t1 < s0 ? { col: r.dstCol, side: 'right' } : { col: Math.min(s0, t0), side: 'left' };
  if (r.exit === 'right') return t0 > s1 ? { col: r.dstCol, side: 'left' } : { col: Math.max(s1, t1), side: 'right' };
  return { col: r.dstCol, side: r.srcCol > r.dstCol ? 'right' : 'left' };
}

function assignLanes(routes: Route[], steps: StepInfo[]) {
  const byLane = new Map<string, { interval: [number, number]; track: number }[]>();
  const needsLane = routes.filter((r) => !r.terminal && !(r.exit === 'bottom' && r.toRow === r.fromRow + 1));
  // Short runs first, so they take the tracks nearest the column border and long runs go around.
  needsLane.sort((a, b) => {
    const [a0, a1] = laneInterval(a);
    const [b0, b1] = laneInterval(b);
    return a1 - a0 - (b1 - b0) || a.fromRow - b.fromRow;
  });
  for (const r of needsLane) {
    const { col, side } = laneSpot(r, steps);
    const key = `${col}:${side}`;
    const taken = byLane.get(key) ?? [];
    const interval = laneInterval(r);
    let track = 0;
    while (taken.some((t) => t.track === track && t.interval[0] <= interval[1] && interval[0] <= t.interval[1])) track++;
    taken.push({ interval, track });
    byLane.set(key, taken);
    r.lane = { col, side, track };
  }
}

// ---------------------------------------------------------------------------------------------
// Columns

function layoutColumns(routes: Route[], nCols: number, opts: FlowOptions): Columns {
  const tracks = Array.from({ length: nCols }, () => ({ left: 0, right: 0 }));
  for (const r of routes) if (r.lane) tracks[r.lane.col]![r.lane.side] = Math.max(tracks[r.lane.col]![r.lane.side], r.lane.track + 1);
  const margin = tracks.map((t) => {
    const n = Math.max(t.left, t.right);
    return n === 0 ? FLOW.symGap + 3 : FLOW.laneEdge + (n - 1) * FLOW.laneGap + FLOW.symGap + 1;
  });
  const left = opts.margin;
  const right = opts.width - opts.margin;
  const usable = right - left - FLOW.noWidth;
  const needed = Math.max(...margin.map((m) => 2 * m + FLOW.minSymW), 44);
  const roleW = Math.max(needed, Math.min(66, (usable * 0.4) / nCols));
  const textW = usable - roleW * nCols;
  const weights = { kegiatan: 3, kelengkapan: 2.1, waktu: 1.2, output: 2.1, keterangan: 2.1 };
  const total = sum(Object.values(weights));
  let x = left;
  const at = (w: number) => {
    const c = { x, w };
    x += w;
    return c;
  };
  const no = at(FLOW.noWidth);
  const kegiatan = at((textW * weights.kegiatan) / total);
  const roleX: number[] = [];
  for (let i = 0; i < nCols; i++) roleX.push(at(roleW).x);
  const kelengkapan = at((textW * weights.kelengkapan) / total);
  const waktu = at((textW * weights.waktu) / total);
  const output = at((textW * weights.output) / total);
  const keterangan = at(right - x);
  const symW = margin.map((m) => Math.max(FLOW.minSymW, Math.min(FLOW.maxSymW, roleW - 2 * m)));
  return { x: { no, kegiatan, kelengkapan, waktu, output, keterangan }, roleX, roleW, margin, symW, left, right };
}

// ---------------------------------------------------------------------------------------------
// Header and body cells

function drawHeader(def: SopDefinition, page: Page, cols: Columns, roleHeads: Rows[], roleSize: number, y: number, head2H: number) {
  const t = SHEET.table;
  const headCell = (text: string, x: number, w: number, top: number, h: number, kind: 'head' | 'head-role' = 'head', role?: string, rows?: Rows) => {
    const r = rows ?? setParas([{ text, weight: 'bold' }], w - 2 * FLOW.pad, FLOW.head);
    const size = rows ? roleSize : FLOW.head;
    const th = textHeight(r.length, size);
    const lines = placeRows(r, x + FLOW.pad, top + Math.max(0, (h - th) / 2), size, w - 2 * FLOW.pad, Math.max(1, rowsThatFit(h - 2, size)));
    // Centre each line in its cell, as the paper heads its columns.
    for (const l of lines) l.x = x + (w - textWidth(l.text, size, l.weight)) / 2;
    page.cells.push({ kind, x, y: top, w, h, lines, fill: '#eef1f4', ...(role ? { role } : {}) });
  };
  const full = FLOW.head1H + head2H;
  headCell(t.no, cols.x.no.x, cols.x.no.w, y, full);
  headCell(t.kegiatan, cols.x.kegiatan.x, cols.x.kegiatan.w, y, full);
  headCell(t.pelaksana, cols.roleX[0]!, cols.roleW * def.roles.length, y, FLOW.head1H);
  def.roles.forEach((r, i) => headCell(r.name, cols.roleX[i]!, cols.roleW, y + FLOW.head1H, head2H, 'head-role', r.id, roleHeads[i]));
  const mb = cols.x.kelengkapan;
  headCell(t.mutuBaku, mb.x, cols.x.output.x + cols.x.output.w - mb.x, y, FLOW.head1H);
  headCell(t.kelengkapan, mb.x, mb.w, y + FLOW.head1H, head2H);
  headCell(t.waktu, cols.x.waktu.x, cols.x.waktu.w, y + FLOW.head1H, head2H);
  headCell(t.output, cols.x.output.x, cols.x.output.w, y + FLOW.head1H, head2H);
  headCell(t.keterangan, cols.x.keterangan.x, cols.x.keterangan.w, y, full);
}

type TextColumn = 'no' | 'kegiatan' | 'kelengkapan' | 'waktu' | 'output' | 'keterangan';

function rowTexts(s: StepInfo, cols: Columns): { kind: TextColumn; rows: Rows }[] {
  const t = SHEET.table;
  const w = (k: TextColumn) => cols.x[k].w - 2 * FLOW.pad;
  const docs = stepDocuments(s.step);
  const entries = (items: { name: string; when?: { branch: string } | undefined; document?: boolean }[]): Para[] =>
    items.map((item, i) => ({
      text: [item.name, item.when ? t.onlyWhen(item.when.branch) : '', item.document === false ? t.notDocument : ''].filter(Boolean).join(' '),
      ...(items.length > 1 ? { marker: `${i + 1}.` } : {}),
    }));
  const no = s.inferred ? `${s.step.id}${SHEET.page.inferredMark}` : s.step.id;
  return [
    { kind: 'no', rows: setParas([{ text: no }], w('no'), FLOW.body) },
    { kind: 'kegiatan', rows: setParas([{ text: s.step.kegiatan }], w('kegiatan'), FLOW.body) },
    { kind: 'kelengkapan', rows: setParas(entries(docs.kelengkapan), w('kelengkapan'), FLOW.body) },
    { kind: 'waktu', rows: setParas([{ text: s.step.waktu ?? t.noWaktu }], w('waktu'), FLOW.body) },
    { kind: 'output', rows: setParas(entries(docs.output), w('output'), FLOW.body) },
    { kind: 'keterangan', rows: setParas((s.step.keterangan ?? '').split('\n').filter((l) => l.trim()).map((text) => ({ text })), w('keterangan'), FLOW.body) },
  ];
}

const STATE_FILL = { visited: '#dbeafe', open: '#fde68a', overdue: '#fecaca', cancelled: '#e5e7eb' } as const;

function drawRow(def: SopDefinition, page: Page, s: StepInfo, texts: { kind: TextColumn; rows: Rows }[], cols: Columns, y: number, h: number, overlay?: Overlay) {
  const maxRows = Math.max(1, rowsThatFit(h - 2 * FLOW.pad, FLOW.body));
  const state = overlay?.state.get(s.step.id);
  for (const t of texts) {
    const c = cols.x[t.kind];
    const lines = placeRows(t.rows, c.x + FLOW.pad, y + FLOW.pad, FLOW.body, c.w - 2 * FLOW.pad, maxRows);
    const fill = t.kind === 'no' && state && state !== 'visited' ? STATE_FILL[state] : undefined;
    page.cells.push({ kind: t.kind, x: c.x, y, w: c.w, h, lines, step: s.step.id, ...(fill ? { fill } : {}) });
  }
  def.roles.forEach((r, i) => page.cells.push({ kind: 'role', x: cols.roleX[i]!, y, w: cols.roleW, h, lines: [], step: s.step.id, role: r.id }));
}

// ---------------------------------------------------------------------------------------------
// Geometry of one page

interface RowPlace {
  y: number;
  h: number;
}

class PageGeometry {
  constructor(
    readonly steps: StepInfo[],
    readonly cols: Columns,
    readonly rowY: Map<number, RowPlace>,
    readonly routes: Route[],
  ) {}

  cx(col: number): number {
    return this.cols.roleX[col]! + this.cols.roleW / 2;
  }

  cy(row: number): number {
    const r = this.rowY.get(row)!;
    const below = this.routes.some((x) => x.fromRow === row && x.terminal === 'below');
    // A terminator under the symbol takes the lower part of the row.
    return below ? r.y + FLOW.band + symbolHeight(this.steps[row]!.shape) / 2 + 2 : r.y + r.h / 2;
  }

  symW(col: number, shape: string): number {
    const w = this.cols.symW[col]!;
    return shape === 'decision' ? Math.min(w, FLOW.maxDiamondW) : w;
  }

  part(row: number, col: number): Box {
    const shape = this.steps[row]!.shape;
    const w = this.symW(col, shape);
    const h = symbolHeight(shape);
    return { x: this.cx(col) - w / 2, y: this.cy(row) - h / 2, w, h };
  }

  yIn(row: number): number {
    return this.cy(row) - symbolHeight(this.steps[row]!.shape) / 2 - FLOW.portOffset;
  }

  yOut(row: number): number {
    return this.cy(row) + symbolHeight(this.steps[row]!.shape) / 2 + FLOW.portOffset;
  }

  laneX(lane: NonNullable<Route['lane']>): number {
    const x0 = this.cols.roleX[lane.col]!;
    const off = FLOW.laneEdge + lane.track * FLOW.laneGap;
    return lane.side === 'left' ? x0 + off : x0 + this.cols.roleW - off;
  }

  /** The point an arrow leaves from. */
  exitPoint(r: Route): [number, number] {
    const box = this.part(r.fromRow, r.srcCol);
    const shape = this.steps[r.fromRow]!.shape;
    if (r.exit === 'bottom') return [box.x + box.w / 2, box.y + box.h];
    const x = r.exit === 'left' ? box.x : box.x + box.w;
    // Rectangles spread several arrows along a side; a diamond or capsule has one point there.
    const spread = shape === 'process' && r.slots > 1 ? ((r.slot + 1) / (r.slots + 1) - 0.5) * (box.h - 4) : 0;
    return [x, box.y + box.h / 2 + spread];
  }

  stepSymbol(s: StepInfo, overlay?: Overlay): SymbolItem {
    const parts = s.cols.map((c) => this.part(s.row, c));
    const joins = parts.slice(1).map((p, i) => ({ x1: parts[i]!.x + parts[i]!.w, y: p.y + p.h / 2, x2: p.x }));
    const item: SymbolItem = { kind: 'step', shape: s.shape, parts, joins, step: s.step.id };
    if (s.inferred) item.inferred = true;
    const first = parts[0]!;
    const visits = overlay?.visits.get(s.step.id);
    const state = overlay?.state.get(s.step.id);
    if (state) item.state = state;
    if (visits && visits > 1) item.visits = visits;
    const count = visits && visits > 1 ? SHEET.legend.count(visits) : '';
    if (s.shape === 'terminator') {
      const word = s.row === 0 ? SHEET.symbols.start : SHEET.symbols.end;
      const text = count && textWidth(`${word} ${count}`, FLOW.label, 'bold') <= first.w - 5 ? `${word} ${count}` : count || word;
      const line = centred(text, first.x + first.w / 2, first.y + first.h / 2 + FLOW.label * 0.36, first.w - 5, FLOW.label, 'bold');
      if (line.text) item.label = line;
    } else if (count) {
      const line = centred(count, first.x + first.w / 2, first.y + first.h / 2 + FLOW.label * 0.36, first.w - 5, FLOW.label, 'bold');
      if (line.text) item.label = line;
    }
    return item;
  }
}

// ---------------------------------------------------------------------------------------------
// Arrows

type Pt = [number, number];

interface Bands {
  top: { top: number; h: number } | undefined;
  bottom: { top: number; h: number } | undefined;
}

function drawArrows(
  page: Page,
  geo: PageGeometry,
  routes: Route[],
  rows: number[],
  connectorOf: Map<string, number>,
  bands: Bands,
  overlay?: Overlay,
) {
  const here = new Set(rows);
  // Connectors first: their places depend on one another (no two overlap in a band).
  const wanted: { route: Route; band: 'top' | 'bottom'; part: 'out' | 'in'; x: number }[] = [];
  for (const r of routes) {
    if (r.terminal) continue;
    const src = here.has(r.fromRow);
    const dst = here.has(r.toRow);
    if (src === dst) continue;
    const forward = r.toRow > r.fromRow;
    const part = src ? 'out' : 'in';
    // Forward arrows leave at the bottom and arrive at the top; returns the other way round.
    const band = (part === 'out') === forward ? 'bottom' : 'top';
    const x = r.lane ? geo.cx(r.lane.col) : geo.cx(r.dstCol);
    wanted.push({ route: r, band, part, x });
  }
  const placed = new Map<string, { x: number; y: number; track: number; band: 'top' | 'bottom' }>();
  for (const band of ['top', 'bottom'] as const) {
    const list = wanted.filter((w) => w.band === band).sort((a, b) => a.x - b.x || connectorOf.get(a.route.edge.id)! - connectorOf.get(b.route.edge.id)!);
    const area = page.flowArea!;
    const step = FLOW.connW + 4;
    let last = -Infinity;
    const xs = list.map((w) => {
      const x = Math.max(w.x, last + step, area.x + FLOW.connW / 2 + 2);
      last = x;
      return x;
    });
    // Pushed past the right edge: shift the whole run back left.
    const overflow = (xs[xs.length - 1] ?? 0) - (area.x + area.w - FLOW.connW / 2 - 2);
    if (overflow > 0) for (let i = xs.length - 1, limit = area.x + area.w - FLOW.connW / 2 - 2; i >= 0; i--, limit -= step) xs[i] = Math.min(xs[i]!, limit);
    const b = bands[band]!;
    list.forEach((w, i) => {
      const y = band === 'bottom' ? b.top + b.h - FLOW.connH - 3 : b.top + 3;
      placed.set(w.route.edge.id, { x: xs[i]!, y, track: i, band });
    });
  }
  const trackY = (band: 'top' | 'bottom', track: number, count: number) => {
    const b = bands[band]!;
    const room = b.h - FLOW.connH - 9;
    const gap = Math.min(3, room / Math.max(1, count));
    return band === 'bottom' ? b.top + 3 + track * gap : b.top + FLOW.connH + 6 + track * gap;
  };
  const counts = { top: wanted.filter((w) => w.band === 'top').length, bottom: wanted.filter((w) => w.band === 'bottom').length };

  for (const r of routes) {
    const src = here.has(r.fromRow);
    const dst = r.terminal ? src : here.has(r.toRow);
    if (!src && !dst) continue;
    const taken = overlay?.taken.get(r.edge.id);
    const base = { edge: r.edge.id, kind: r.edge.kind, from: r.edge.from, to: r.edge.to, dashed: r.edge.dashed, ...(taken ? { taken } : {}) };

    if (r.terminal) {
      const { points, terminal } = endPath(geo, r);
      const reached = overlay !== undefined && overlay.view.status === 'closed' && taken !== undefined;
      page.symbols.push({ kind: 'end', shape: 'terminator', parts: [terminal], joins: [], edge: r.edge.id, label: centred(SHEET.symbols.end, terminal.x + terminal.w / 2, terminal.y + terminal.h / 2 + FLOW.label * 0.36, terminal.w - 4, FLOW.label, 'bold'), ...(reached ? { taken: true } : {}) });
      page.arrows.push({ ...base, points, part: 'whole', ...labelled(geo, r, points) });
      continue;
    }
    if (src && dst) {
      const points = wholePath(geo, r);
      page.arrows.push({ ...base, points, part: 'whole', ...labelled(geo, r, points) });
      continue;
    }
    const c = placed.get(r.edge.id)!;
    const number = connectorOf.get(r.edge.id)!;
    const conn: Box = { x: c.x - FLOW.connW / 2, y: c.y, w: FLOW.connW, h: FLOW.connH };
    page.symbols.push({
      kind: 'connector',
      shape: 'connector',
      parts: [conn],
      joins: [],
      edge: r.edge.id,
      number,
      label: centred(String(number), c.x, conn.y + FLOW.connH * 0.45 + FLOW.label * 0.36, FLOW.connW - 3, FLOW.label, 'bold'),
      ...(taken ? { taken: true } : {}),
    });
    const ty = trackY(c.band, c.track, counts[c.band]);
    const points = src ? outPath(geo, r, conn, ty) : inPath(geo, r, conn, ty);
    page.arrows.push({ ...base, points, part: src ? 'out' : 'in', connector: number, ...(src ? labelled(geo, r, points) : {}) });
  }
}

function dedupe(points: Pt[]): Pt[] {
  const out: Pt[] = [];
  for (const pt of points) {
    const last = out[out.length - 1];
    if (last && Math.abs(last[0] - pt[0]) < 0.01 && Math.abs(last[1] - pt[1]) < 0.01) continue;
    out.push(pt);
  }
  // Drop middle points of straight runs.
  return out.filter((pt, i) => {
    const a = out[i - 1];
    const b = out[i + 1];
    if (!a || !b) return true;
    return !((Math.abs(a[0] - pt[0]) < 0.01 && Math.abs(pt[0] - b[0]) < 0.01) || (Math.abs(a[1] - pt[1]) < 0.01 && Math.abs(pt[1] - b[1]) < 0.01));
  });
}

/** From the exit port to the point where the arrow starts its vertical run (lane or straight). */
function leave(geo: PageGeometry, r: Route, x: number): Pt[] {
  const start = geo.exitPoint(r);
  if (r.exit === 'bottom') {
    const y = geo.yOut(r.fromRow);
    return [start, [start[0], y], [x, y]];
  }
  return [start, [x, start[1]]];
}

/** From the vertical run into the top port of the target. */
function arrive(geo: PageGeometry, r: Route, x: number): Pt[] {
  const box = geo.part(r.toRow, r.dstCol);
  const top: Pt = [box.x + box.w / 2, box.y];
  const y = geo.yIn(r.toRow);
  return [[x, y], [top[0], y], top];
}

function wholePath(geo: PageGeometry, r: Route): Pt[] {
  if (!r.lane) {
    // The next row, from the bottom port: down, across in the band, down into the top.
    const box = geo.part(r.toRow, r.dstCol);
    return dedupe([...leave(geo, r, box.x + box.w / 2), [box.x + box.w / 2, box.y]]);
  }
  const x = geo.laneX(r.lane);
  return dedupe([...leave(geo, r, x), ...arrive(geo, r, x)]);
}

function outPath(geo: PageGeometry, r: Route, conn: Box, trackY: number): Pt[] {
  const forward = r.toRow > r.fromRow;
  const cx = conn.x + conn.w / 2;
  const entry: Pt = forward ? [cx, conn.y] : [cx, conn.y + conn.h];
  if (!r.lane) return dedupe([...leave(geo, r, cx), entry]);
  const x = geo.laneX(r.lane);
  return dedupe([...leave(geo, r, x), [x, trackY], [cx, trackY], entry]);
}

function inPath(geo: PageGeometry, r: Route, conn: Box, trackY: number): Pt[] {
  const forward = r.toRow > r.fromRow;
  const cx = conn.x + conn.w / 2;
  const exit: Pt = forward ? [cx, conn.y + conn.h] : [cx, conn.y];
  if (!r.lane) return dedupe([exit, ...arrive(geo, r, cx)]);
  const x = geo.laneX(r.lane);
  return dedupe([exit, [cx, trackY], [x, trackY], ...arrive(geo, r, x)]);
}

function endPath(geo: PageGeometry, r: Route): { points: Pt[]; terminal: Box } {
  const start = geo.exitPoint(r);
  const w = Math.min(40, geo.symW(r.dstCol, 'terminator'));
  const h = FLOW.endTermH;
  if (r.terminal === 'below') {
    const box = geo.part(r.fromRow, r.srcCol);
    const terminal = { x: box.x + box.w / 2 - w / 2, y: box.y + box.h + 8, w, h };
    return { points: [start, [start[0], terminal.y]], terminal };
  }
  // At the far side of the next column (inside its lane margin), leaving room for the label.
  const cy = start[1];
  const left = geo.cols.roleX[r.dstCol]!;
  const margin = geo.cols.margin[r.dstCol]!;
  const x = r.exit === 'left' ? left + margin : left + geo.cols.roleW - margin - w;
  const terminal = { x, y: cy - h / 2, w, h };
  const endX = r.exit === 'left' ? terminal.x + terminal.w : terminal.x;
  return { points: [start, [endX, cy]], terminal };
}

/** The label in the largest of the label sizes that fits `room`, cut with "…" at the smallest. */
function fitLabel(text: string, room: number): { text: string; size: number } {
  for (const size of [FLOW.label, FLOW.labelSmall]) if (textWidth(text, size) <= room) return { text, size };
  return { text: ellipsize(text, room, FLOW.labelSmall), size: FLOW.labelSmall };
}

/** The label of a branch, route or review arrow, beside where it leaves its symbol, inside the Pelaksana columns. */
function labelled(geo: PageGeometry, r: Route, points: Pt[]): { label?: TextLine } {
  if (!r.edge.label || r.quiet) return {};
  const areaLeft = geo.cols.roleX[0]!;
  const areaRight = geo.cols.roleX[geo.cols.roleX.length - 1]! + geo.cols.roleW;
  const [x0, y0] = points[0]!;
  const line = (x: number, baseline: number, f: { text: string; size: number }): { label?: TextLine } =>
    f.text ? { label: { x, y: baseline, text: f.text, size: f.size, weight: 'regular' } } : {};
  if (r.terminal === 'below') {
    const f = fitLabel(r.edge.label, areaRight - x0 - 24);
    return line(x0 + Math.min(40, geo.symW(r.dstCol, 'terminator')) / 2 + 2, points[1]![1] + 8, f);
  }
  if (r.exit === 'bottom') {
    // Beside the first drop, on the side the arrow does not turn to, if it has room there.
    const turn = points[2] ? points[2][0] - x0 : 0;
    const roomRight = areaRight - x0 - 3;
    const roomLeft = x0 - 3 - areaLeft;
    const want = textWidth(r.edge.label, FLOW.labelSmall);
    const right = turn > 0.01 ? roomLeft < want && roomRight > roomLeft : !(roomRight < want && roomLeft > roomRight);
    const f = fitLabel(r.edge.label, Math.min(right ? roomRight : roomLeft, 70));
    const x = right ? x0 + 2 : x0 - 2 - textWidth(f.text, f.size);
    return line(x, y0 + 0.8 + lineMetrics(f.size).ascent, f);
  }
  // Above the first run out of a side: up to the terminator it leads to, or the table's edge.
  const end = points[1]![0];
  const room = r.terminal ? Math.abs(end - x0) - 4 : Math.min(70, r.exit === 'left' ? x0 - 3 - areaLeft : areaRight - x0 - 3);
  const f = fitLabel(r.edge.label, room);
  const x = r.exit === 'left' ? x0 - 2 - textWidth(f.text, f.size) : x0 + 2;
  // Two arrows out of one corner of a diamond: the second label goes under the line.
  const shared = geo.steps[r.fromRow]!.shape !== 'process' && r.slot % 2 === 1;
  return line(x, shared ? y0 + 1.2 + lineMetrics(f.size).ascent : y0 - 1.6, f);
}
