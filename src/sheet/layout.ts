/**
 * The whole sheet as pages: the identity page(s) and the flowchart table on landscape paper
 * (A4 or F4), or the flowchart alone as a picture for chat. Pure: a definition, optionally a
 * case, and the paper in; positioned cells, symbols, arrows and text out.
 */
import { formatLocal, makeCalendar } from '../calendar/calendar.js';
import { lineMetrics, textWidth } from '../graphics/fonts.js';
import { SHEET } from '../messages/sheet.js';
import type { SopDefinition } from '../sop/definition.js';
import { overlayOf, type CaseView, type Overlay } from './case-view.js';
import { FLOW, layoutFlowPages } from './flow.js';
import { flowGraph } from './graph.js';
import { layoutIdentityPages } from './identity.js';
import type { Page, Paper, SheetLayout, Swatch, TextLine } from './model.js';
import { ellipsize, LINE_GAP, placeRows, setParas } from './text.js';


/** Landscape, in points: A4 297 × 210 mm, F4 330 × 215 mm. */
export const PAPER_SIZE: Record<Paper, { width: number; height: number }> = {
  a4: { width: 841.89, height: 595.28 },
  f4: { width: 935.43, height: 609.45 },
};

const MARGIN = 24;

export interface SheetLayoutOptions {
  paper?: Paper;
  /** Draw this case on the sheet. */
  caseView?: CaseView;
}

/** The printable sheet: identity page(s), then the flowchart pages. */
export function layoutSheet(def: SopDefinition, options: SheetLayoutOptions = {}): SheetLayout {
  const paper = PAPER_SIZE[options.paper ?? 'a4'];
  const graph = flowGraph(def);
  const overlay = options.caseView ? overlayOf(options.caseView, graph) : undefined;
  const identity = layoutIdentityPages(def, paper.width, paper.height, MARGIN);
  const flow = layoutFlowPages(def, graph, {
    width: paper.width,
    height: paper.height,
    margin: MARGIN,
    ...(overlay ? { overlay } : {}),
    heading: heading(def, paper.width, MARGIN, overlay),
    footer: footer(def, paper.width, MARGIN, overlay),
  });
  return { pages: numbered([...identity, ...flow], MARGIN), title: title(def, options.caseView) };
}

export interface FlowPictureOptions {
  caseView?: CaseView;
  /** Width of the picture's layout, pt (the PNG is scaled to its pixel width). */
  width?: number;
  /** Tallest picture, pt; a longer flowchart continues in a second picture, with connectors. */
  maxHeight?: number;
}

/**
 * The flowchart alone, for a chat photo: no identity page, no paper, each picture only as tall
 * as its rows, at most `maxHeight` (so a phone can zoom into it rather than get a thin strip).
 */
export function layoutFlowPicture(def: SopDefinition, options: FlowPictureOptions = {}): SheetLayout {
  const width = options.width ?? PAPER_SIZE.a4.width;
  const margin = 14;
  const graph = flowGraph(def);
  const overlay = options.caseView ? overlayOf(options.caseView, graph) : undefined;
  const pages = layoutFlowPages(def, graph, {
    width,
    height: options.maxHeight ?? width * 1.6,
    fitHeight: true,
    margin,
    ...(overlay ? { overlay } : {}),
    heading: heading(def, width, margin, overlay),
    footer: footer(def, width, margin, overlay),
  });
  return { pages: pages.length > 1 ? numbered(pages, margin) : pages.map((p) => ({ ...p, number: 1 })), title: title(def, options.caseView) };
}

function title(def: SopDefinition, view?: CaseView): string {
  return view ? `${view.ref} · ${def.identity.nama}` : SHEET.page.title(def.identity.nama);
}

function numbered(pages: Page[], margin: number): Page[] {
  return pages.map((page, i) => {
    const text = SHEET.page.of(i + 1, pages.length);
    const size = FLOW.note;
    page.texts.push({ x: page.width - margin - textWidth(text, size), y: page.height - margin / 2 - 2, text, size, weight: 'regular', fill: '#4b5563' });
    return { ...page, number: i + 1 };
  });
}

/** The lines above the table: the SOP, and for a case its reference, title and moment. */
function heading(def: SopDefinition, width: number, margin: number, overlay?: Overlay): { left: TextLine[]; height: number } {
  const w = width - 2 * margin;
  const lines: { text: string; size: number; weight: 'regular' | 'bold' }[] = [];
  const sop = `${SHEET.page.title(def.identity.nama)} · ${SHEET.page.nomor(def.identity.nomor)}`;
  if (overlay) {
    const v = overlay.view;
    const cal = makeCalendar({ timezone: def.unit.timezone, includeShipped: false });
    const status = v.status === 'open' ? SHEET.legend.status.open : SHEET.legend.status.closed(v.outcome);
    lines.push({ text: SHEET.legend.title(v.ref, v.title), size: FLOW.title, weight: 'bold' });
    lines.push({ text: sop, size: FLOW.note + 0.5, weight: 'regular' });
    lines.push({
      text: `${SHEET.legend.at(formatLocal(v.status === 'closed' && v.closedAt ? v.closedAt : v.now, cal))} · ${status} · ${SHEET.legend.started(formatLocal(v.startedAt, cal))}`,
      size: FLOW.note + 0.5,
      weight: 'regular',
    });
  } else {
    lines.push({ text: SHEET.page.title(def.identity.nama), size: FLOW.title, weight: 'bold' });
    lines.push({ text: `${SHEET.page.nomor(def.identity.nomor)} · ${def.identity.instansi.join(' · ')}`, size: FLOW.note + 0.5, weight: 'regular' });
  }
  const out: TextLine[] = [];
  let y = margin;
  for (const l of lines) {
    const { ascent } = lineMetrics(l.size);
    out.push({ x: margin, y: y + ascent, text: ellipsize(l.text, w, l.size, l.weight), size: l.size, weight: l.weight });
    y += l.size * LINE_GAP;
  }
  return { left: out, height: y - margin + 5 };
}

/** Notes under the table (the inferred-Pelaksana mark, the SOP's time conversion) and the case legend. */
function footer(def: SopDefinition, width: number, margin: number, overlay?: Overlay): { height: number; draw: (page: Page, top: number) => void } {
  const w = width - 2 * margin;
  const notes: string[] = [];
  if (def.steps.some((s) => s.roleInferred)) notes.push(SHEET.page.inferredNote);
  if (def.konversiWaktu) notes.push(SHEET.page.konversi(def.konversiWaktu));
  const noteRows = setParas(notes.map((text) => ({ text })), w, FLOW.note);
  const noteH = noteRows.length * FLOW.note * LINE_GAP;
  const legend = overlay ? legendItems(overlay) : [];
  const legendH = legend.length ? 12 : 0;
  return {
    height: noteH + legendH + 4,
    draw: (page, top) => {
      let y = top;
      if (legend.length) {
        drawLegend(page, legend, margin, y, w);
        y += legendH;
      }
      page.texts.push(...placeRows(noteRows, margin, y, FLOW.note, w, Infinity, '#374151'));
    },
  };
}

type LegendItem = { kind: Swatch['kind']; text: string } | { kind: 'text'; text: string };

function legendItems(overlay: Overlay): LegendItem[] {
  const l = SHEET.legend;
  const states = new Set(overlay.state.values());
  const items: LegendItem[] = [{ kind: 'visited', text: l.visited }, { kind: 'open', text: l.openNow }];
  if (states.has('overdue')) items.push({ kind: 'overdue', text: l.overdue });
  if (states.has('cancelled')) items.push({ kind: 'cancelled', text: l.cancelled });
  items.push({ kind: 'path', text: l.path }, { kind: 'returned', text: l.returned });
  if ([...overlay.visits.values()].some((n) => n > 1)) items.push({ kind: 'text', text: l.countNote });
  return items;
}

function drawLegend(page: Page, items: LegendItem[], x0: number, top: number, width: number) {
  const size = FLOW.note;
  const { ascent } = lineMetrics(size);
  let x = x0;
  for (const item of items) {
    const textW = textWidth(item.text, size);
    const swatchW = item.kind === 'text' ? 0 : 16;
    if (x + swatchW + 3 + textW > x0 + width) break;
    if (item.kind !== 'text') {
      page.swatches.push({ kind: item.kind, box: { x, y: top + 1, w: swatchW, h: 7 } });
      x += swatchW + 3;
    }
    page.texts.push({ x, y: top + 1 + ascent, text: item.text, size, weight: 'regular', fill: '#111827' });
    x += textW + 10;
  }
}
