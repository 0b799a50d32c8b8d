/**
 * The sheet's public face: a definition (and optionally one case on it) in, files out. No I/O
 * besides reading the shipped font; the caller decides where the bytes go (a file, a chat, a zip).
 *
 *   renderSopSheet(def, { format: 'pdf', paper: 'f4' })   the SOP as the regulation draws it
 *   renderCaseSheet(def, caseViewOf(details, now), {...})  the same with the case drawn on it
 *   renderFlowPicture(def, { caseView })                   the flowchart alone as PNG for a chat photo
 */
import { svgToPng } from '../graphics/png.js';
import { SHEET } from '../messages/sheet.js';
import type { SopDefinition } from '../sop/definition.js';
import type { CaseView } from './case-view.js';
import { layoutFlowPicture, layoutSheet } from './layout.js';
import type { Paper, SheetFormat, SheetLayout } from './model.js';
import { pagesToPdf } from './pdf.js';
import { pageSvg } from './svg.js';


export interface RenderedFile {
  /** A suggested file name: "SOP-pemalang.pdf", "PML-2026-0001-alur-2.png". */
  name: string;
  mimeType: string;
  data: Buffer;
}

export interface RenderedSheet {
  format: SheetFormat;
  /** Pages of the sheet (a PDF holds them all; SVG and PNG give one file each). */
  pages: number;
  files: RenderedFile[];
}

export interface SheetRenderOptions {
  format?: SheetFormat;
  paper?: Paper;
  /** PNG only: pixel width of each page (default 1754, A4 at 150 dpi). */
  pngWidth?: number;
  /** PDF only: its creation date (default now). */
  createdAt?: Date;
}

const MIME: Record<SheetFormat, string> = { svg: 'image/svg+xml', png: 'image/png', pdf: 'application/pdf' };

/** The SOP as the regulation draws it: identity page, then the flowchart table. */
export function renderSopSheet(def: SopDefinition, options: SheetRenderOptions = {}): Promise<RenderedSheet> {
  return renderLayout(layoutSheet(def, { ...(options.paper ? { paper: options.paper } : {}) }), SHEET.files.sop(def.id), options);
}

/** The sheet with one case drawn on it: visited steps (×2 where it came back), path, returns, open and late steps. */
export function renderCaseSheet(def: SopDefinition, view: CaseView, options: SheetRenderOptions = {}): Promise<RenderedSheet> {
  return renderLayout(layoutSheet(def, { caseView: view, ...(options.paper ? { paper: options.paper } : {}) }), SHEET.files.case(view.ref), options);
}

/** The SVG of every page (the source of the PNG and PDF), for callers that want to draw it themselves. */
export function sheetSvgs(layout: SheetLayout): string[] {
  return layout.pages.map((p) => pageSvg(p, layout.title));
}

export interface FlowPictureRenderOptions {
  caseView?: CaseView;
  /** Pixel width of the picture (default 1600: sharp on a phone once zoomed, within Telegram's photo sizes). */
  pixelWidth?: number;
}

/**
 * The flowchart as chat photo(s): PNG, width `pixelWidth`, each at most 1.6 times as tall as wide
 * (a phone shows it whole and zooms in; Telegram keeps photos up to 2560 px a side). A long SOP
 * gives several pictures, joined by numbered connectors like the pages of the sheet.
 */
export function renderFlowPicture(def: SopDefinition, options: FlowPictureRenderOptions = {}): RenderedFile[] {
  const layout = layoutFlowPicture(def, options.caseView ? { caseView: options.caseView } : {});
  const width = options.pixelWidth ?? 1600;
  const base = options.caseView ? SHEET.files.case(options.caseView.ref) : SHEET.files.sop(def.id);
  return layout.pages.map((page, i) => ({
    name: layout.pages.length > 1 ? `${base}-${i + 1}.png` : `${base}.png`,
    mimeType: MIME.png,
    data: svgToPng(pageSvg(page, layout.title, { outlines: true }), { width }),
  }));
}

async function renderLayout(layout: SheetLayout, base: string, options: SheetRenderOptions): Promise<RenderedSheet> {
  const format = options.format ?? 'pdf';
  const pages = layout.pages.length;
  if (format === 'png') {
    const files = layout.pages.map((page, i) => ({
      name: pages > 1 ? `${base}-${i + 1}.png` : `${base}.png`,
      mimeType: MIME.png,
      data: svgToPng(pageSvg(page, layout.title, { outlines: true }), { width: options.pngWidth ?? 1754 }),
    }));
    return { format, pages, files };
  }
  const svgs = sheetSvgs(layout);
  if (format === 'pdf') {
    const data = await pagesToPdf(
      layout.pages.map((p, i) => ({ svg: svgs[i]!, width: p.width, height: p.height })),
      { title: layout.title, createdAt: options.createdAt ?? new Date() },
    );
    return { format, pages, files: [{ name: `${base}.pdf`, mimeType: MIME.pdf, data }] };
  }
  const files = svgs.map((svg, i) => ({ name: pages > 1 ? `${base}-${i + 1}.svg` : `${base}.svg`, mimeType: MIME.svg, data: Buffer.from(svg, 'utf8') }));
  return { format, pages, files };
}
