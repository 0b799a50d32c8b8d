/**
 * The printed report laid out as pages of SVG (A4 landscape, in points): a summary page, then
 * the monitoring form of each SOP, with its chart. The same pages become the PDF (svg-to-pdfkit,
 * text kept as text in the shipped typeface) and PNG pictures (resvg), so what the README shows
 * is what the Kabid prints. Text is measured with the font itself (src/graphics/fonts.ts) and
 * wrapped to its column; a table that does not fit continues on the next page under its header.
 */
import { DateTime } from 'luxon';
import { FONT_FAMILY, lineMetrics, textWidth, wrapText, type FontWeight } from '../graphics/fonts.js';
import { FORM, SUMMARY, dateText, percent, reportPeriodLine, workingDuration } from '../messages/report.js';
import { runningAsOf } from './compute.js';
import { renderRoleChart, renderStepChart, renderTrendChart, CHART_HEIGHT, CHART_WIDTH } from './charts.js';
import type { MonitoringReport, SopReport } from './model.js';

export const PAGE_WIDTH = 842;
export const PAGE_HEIGHT = 595;
const MARGIN = 36;
const CONTENT_WIDTH = PAGE_WIDTH - 2 * MARGIN;
const FOOTER_Y = PAGE_HEIGHT - 20;
const BOTTOM = PAGE_HEIGHT - 40;

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

interface TextStyle {
  size: number;
  weight?: FontWeight;
  anchor?: 'start' | 'middle' | 'end';
  color?: string;
}

/** One page being drawn: SVG elements in page coordinates. */
class Page {
  readonly parts: string[] = [];
  y = MARGIN;

  text(x: number, baseline: number, text: string, style: TextStyle): void {
    const weight = style.weight === 'bold' ? ' font-weight="bold"' : style.weight === 'italic' ? ' font-style="italic"' : '';
    const anchor = style.anchor && style.anchor !== 'start' ? ` text-anchor="${style.anchor}"` : '';
    this.parts.push(
      `<text x="${r(x)}" y="${r(baseline)}" font-family="${FONT_FAMILY}" font-size="${style.size}"${weight}${anchor} fill="${style.color ?? '#111'}">${esc(text)}</text>`,
    );
  }

  /** Wrapped text whose first line's top is at `top`; returns the height used. */
  block(x: number, top: number, width: number, text: string, style: TextStyle): number {
    const lines = wrapText(text, width, style.size, style.weight ?? 'regular');
    const lh = style.size * 1.28;
    const { ascent } = lineMetrics(style.size, style.weight ?? 'regular');
    const ax = style.anchor === 'middle' ? x + width / 2 : style.anchor === 'end' ? x + width : x;
    lines.forEach((line, i) => this.text(ax, top + ascent + i * lh, line, style));
    return lines.length * lh;
  }

  rect(x: number, y: number, w: number, h: number, fill: string, stroke?: string): void {
    this.parts.push(`<rect x="${r(x)}" y="${r(y)}" width="${r(w)}" height="${r(h)}" fill="${fill}"${stroke ? ` stroke="${stroke}" stroke-width="0.6"` : ''}/>`);
  }

  line(x1: number, y1: number, x2: number, y2: number, stroke = '#333', width = 0.6): void {
    this.parts.push(`<line x1="${r(x1)}" y1="${r(y1)}" x2="${r(x2)}" y2="${r(y2)}" stroke="${stroke}" stroke-width="${width}"/>`);
  }

  /** The form's mark: a check drawn as a path (the typeface has no ✓). */
  check(cx: number, cy: number, size: number): void {
    const s = size / 2;
    this.parts.push(
      `<path d="M${r(cx - s)} ${r(cy)} L${r(cx - s * 0.3)} ${r(cy + s * 0.7)} L${r(cx + s)} ${r(cy - s * 0.8)}" fill="none" stroke="#111" stroke-width="${r(size / 7)}" stroke-linecap="round" stroke-linejoin="round"/>`,
    );
  }

  /** A chart's SVG, scaled into a box. */
  svg(x: number, y: number, w: number, h: number, svg: string): void {
    const inner = svg.replace(/^[\s\S]*?<svg[^>]*>/, '').replace(/<\/svg>\s*$/, '');
    this.parts.push(`<svg x="${r(x)}" y="${r(y)}" width="${r(w)}" height="${r(h)}" viewBox="0 0 ${CHART_WIDTH} ${CHART_HEIGHT}">${inner}</svg>`);
  }

  toSvg(footer: string): string {
    return [
      `<svg xmlns="http://www.w3.org/2000/svg" width="${PAGE_WIDTH}" height="${PAGE_HEIGHT}" viewBox="0 0 ${PAGE_WIDTH} ${PAGE_HEIGHT}">`,
      `<rect width="${PAGE_WIDTH}" height="${PAGE_HEIGHT}" fill="#ffffff"/>`,
      ...this.parts,
      `<text x="${MARGIN}" y="${FOOTER_Y}" font-family="${FONT_FAMILY}" font-size="7" fill="#666">${esc(footer)}</text>`,
      '</svg>',
    ].join('\n');
  }
}

const r = (n: number) => Math.round(n * 100) / 100;

interface Column {
  header: string;
  width: number;
  align?: 'start' | 'middle' | 'end';
}

interface Cell {
  text?: string;
  check?: boolean;
  weight?: FontWeight;
}

/** Draws a table row by row, starting new pages as needed; `newPage` gives a fresh page with its heading drawn. */
class Table {
  private readonly size: number;
  constructor(
    private readonly columns: Column[],
    private readonly pages: { current: Page; next: () => Page },
    private readonly drawHeader: (page: Page, top: number) => number,
    size = 8,
  ) {
    this.size = size;
  }

  start(): void {
    this.pages.current.y += this.drawHeader(this.pages.current, this.pages.current.y);
  }

  row(cells: Cell[], fill?: string): void {
    const pad = 3;
    const heights = cells.map((c, i) => (c.text ? wrapText(c.text, this.columns[i]!.width - 2 * pad, this.size, c.weight ?? 'regular').length * this.size * 1.28 : 0));
    const h = Math.max(this.size * 1.28, ...heights) + 2 * pad;
    let page = this.pages.current;
    if (page.y + h > BOTTOM) {
      page = this.pages.next();
      page.y += this.drawHeader(page, page.y);
    }
    let x = MARGIN;
    const top = page.y;
    cells.forEach((c, i) => {
      const col = this.columns[i]!;
      page.rect(x, top, col.width, h, fill ?? '#ffffff', '#333');
      if (c.check) page.check(x + col.width / 2, top + Math.min(h / 2, 12), 9);
      else if (c.text) page.block(x + pad, top + pad, col.width - 2 * pad, c.text, { size: this.size, weight: c.weight, anchor: col.align });
      x += col.width;
    });
    page.y += h;
  }
}

/** Header cells over one or two rows: `spans` groups some columns under a title. */
function headerDrawer(columns: Column[], size: number, group?: { title: string; from: number; to: number }) {
  return (page: Page, top: number): number => {
    const pad = 3;
    const lh = size * 1.28;
    const heights = columns.map((c) => wrapText(c.header, c.width - 2 * pad, size, 'bold').length * lh);
    const sub = Math.max(...heights) + 2 * pad;
    const groupH = group ? lh + 2 * pad : 0;
    const total = groupH + sub;
    let x = MARGIN;
    columns.forEach((c, i) => {
      const inGroup = group && i >= group.from && i <= group.to;
      const y = inGroup ? top + groupH : top;
      const h = inGroup ? sub : total;
      page.rect(x, y, c.width, h, '#e8eef4', '#333');
      const textH = wrapText(c.header, c.width - 2 * pad, size, 'bold').length * lh;
      page.block(x + pad, y + (h - textH) / 2, c.width - 2 * pad, c.header, { size, weight: 'bold', anchor: 'middle' });
      x += c.width;
    });
    if (group) {
      const gx = MARGIN + columns.slice(0, group.from).reduce((n, c) => n + c.width, 0);
      const gw = columns.slice(group.from, group.to + 1).reduce((n, c) => n + c.width, 0);
      page.rect(gx, top, gw, groupH, '#e8eef4', '#333');
      page.block(gx + pad, top + pad, gw - 2 * pad, group.title, { size, weight: 'bold', anchor: 'middle' });
    }
    return total;
  };
}

function periodLine(report: MonitoringReport): string {
  return reportPeriodLine(report.period, runningAsOf(report));
}

/** Label : value lines of a header block; returns the height used. */
function labelled(page: Page, top: number, rows: [string, string][], size = 9.5): number {
  const labelWidth = Math.max(...rows.map(([l]) => textWidth(l, size, 'bold'))) + 8;
  let y = top;
  for (const [label, value] of rows) {
    const { ascent } = lineMetrics(size);
    page.text(MARGIN, y + ascent, label, { size, weight: 'bold' });
    page.text(MARGIN + labelWidth, y + ascent, ':', { size });
    y += page.block(MARGIN + labelWidth + 8, y, CONTENT_WIDTH - labelWidth - 8, value, { size }) + 2;
  }
  return y - top;
}

/** Every page of the report as SVG: the summary first, then each SOP's form. */
export function reportPageSvgs(report: MonitoringReport): string[] {
  const pages: Page[] = [];
  const next = () => {
    const p = new Page();
    pages.push(p);
    return p;
  };
  summaryPages(report, next);
  for (const sop of report.sops) formPages(report, sop, next);
  const generated = DateTime.fromISO(report.generatedAt, { zone: report.period.timezone }).setLocale('id');
  const footer = FORM.generated(`${dateText(generated.toISODate()!)} ${generated.toFormat('HH.mm')}`);
  return pages.map((p, i) => p.toSvg(`${footer} · ${FORM.page(i + 1, pages.length)}`));
}

function summaryPages(report: MonitoringReport, next: () => Page) {
  let page = next();
  page.y += page.block(MARGIN, page.y, CONTENT_WIDTH, FORM.reportTitle, { size: 16, weight: 'bold' }) + 2;
  page.y += page.block(MARGIN, page.y, CONTENT_WIDTH, FORM.reportBasis, { size: 8.5, color: '#555' }) + 8;
  const units = [...new Set(report.sops.flatMap((s) => s.instansi))];
  page.y += labelled(page, page.y, [
    [FORM.period, periodLine(report)],
    [FORM.unit, units.join(', ') || '—'],
    [FORM.evaluator, report.evaluator || FORM.evaluatorBlank],
  ]) + 4;
  page.y += page.block(MARGIN, page.y, CONTENT_WIDTH, FORM.rule(report.rule.minOnTimeShare, report.rule.maxReturnShare), { size: 7.5, weight: 'italic', color: '#444' }) + 10;

  const holder = { current: page, next: () => (holder.current = next()) };
  const C = SUMMARY.caseColumns;
  page.y += page.block(MARGIN, page.y, CONTENT_WIDTH, SUMMARY.cases, { size: 11, weight: 'bold' }) + 4;
  const caseCols: Column[] = [
    { header: C.sop, width: 200 },
    { header: C.started, width: 60, align: 'end' },
    { header: C.finished, width: 60, align: 'end' },
    { header: C.rejected, width: 60, align: 'end' },
    { header: C.cancelled, width: 66, align: 'end' },
    { header: C.running, width: 84, align: 'end' },
    { header: C.median, width: 120, align: 'end' },
    { header: C.baku, width: 120, align: 'end' },
  ];
  const cases = new Table(caseCols, holder, headerDrawer(caseCols, 8));
  cases.start();
  const d = (m: number | null, dayMinutes: number) => (m === null ? '—' : workingDuration(m, dayMinutes));
  const caseRow = (name: string, c: MonitoringReport['summary']['cases'], dayMinutes: number, weight?: FontWeight) =>
    cases.row([
      { text: name, weight },
      ...[c.started, c.finished, c.rejected, c.cancelled, c.running].map((n) => ({ text: String(n), weight })),
      { text: d(c.medianEndToEndMinutes, dayMinutes), weight },
      { text: d(c.medianBakuPathMinutes, dayMinutes), weight },
    ]);
  for (const sop of report.sops) caseRow(sop.nama, sop.cases, sop.dayMinutes);
  if (report.sops.length !== 1) caseRow(SUMMARY.total, report.summary.cases, report.dayMinutes, 'bold');
  page = holder.current;
  page.y += 4;
  const notes: string[] = report.sops.length ? [] : [SUMMARY.noActivity];
  if (report.summary.notRun.length) notes.push(SUMMARY.notRun(report.summary.notRun));
  for (const n of notes) page.y += page.block(MARGIN, page.y, CONTENT_WIDTH, n, { size: 8.5 }) + 2;
  page.y += 10;

  if (page.y + 80 > BOTTOM) page = holder.next();
  page.y += page.block(MARGIN, page.y, CONTENT_WIDTH, SUMMARY.costliestTitle, { size: 11, weight: 'bold' }) + 4;
  const K = SUMMARY.costliestColumns;
  const costCols: Column[] = [
    { header: K.no, width: 26, align: 'end' },
    { header: K.sop, width: 170 },
    { header: K.step, width: 260 },
    { header: K.pelaksana, width: 110 },
    { header: K.late, width: 90, align: 'end' },
    { header: K.lateVisits, width: 56, align: 'end' },
    { header: K.onTime, width: 58, align: 'end' },
  ];
  if (!report.summary.costliest.length) {
    page.y += page.block(MARGIN, page.y, CONTENT_WIDTH, SUMMARY.noLateness, { size: 8.5 }) + 4;
  } else {
    const costly = new Table(costCols, holder, headerDrawer(costCols, 8));
    costly.start();
    report.summary.costliest.forEach((c, i) =>
      costly.row([
        { text: String(i + 1) },
        { text: c.sopName },
        { text: `${c.stepId}. ${c.kegiatan}` },
        { text: c.roleNames.join(' + ') },
        { text: workingDuration(c.lateMinutes, c.dayMinutes) },
        { text: `${c.lateVisits} dari ${c.withDue}` },
        { text: percent(c.withDue ? c.onTime / c.withDue : 0) },
      ]),
    );
  }
  page = holder.current;
  page.y += 10;
  // The two charts side by side, on this page if they fit.
  const w = (CONTENT_WIDTH - 10) / 2;
  const h = (w * CHART_HEIGHT) / CHART_WIDTH;
  if (page.y + h > BOTTOM) page = holder.next();
  page.svg(MARGIN, page.y, w, h, renderTrendChart(report, 'svg'));
  page.svg(MARGIN + w + 10, page.y, w, h, renderRoleChart(report, 'svg'));
  page.y += h;
}

function formPages(report: MonitoringReport, sop: SopReport, next: () => Page) {
  let page = next();
  page.y += page.block(MARGIN, page.y, CONTENT_WIDTH, FORM.title, { size: 14, weight: 'bold', anchor: 'middle' }) + 8;
  page.y += labelled(page, page.y, [
    [FORM.sopName, sop.nama],
    [FORM.sopNumber, sop.nomor],
    [FORM.unit, sop.instansi.join(', ')],
    [FORM.period, periodLine(report)],
    [FORM.evaluator, report.evaluator || FORM.evaluatorBlank],
  ]) + 8;

  const c = FORM.columns;
  const columns: Column[] = [
    { header: c.no, width: 26, align: 'middle' },
    { header: c.prosedur, width: 150 },
    { header: c.baik, width: 56 },
    { header: c.tidakBaik, width: 56 },
    { header: c.catatan, width: 270 },
    { header: c.tindakan, width: 166 },
    { header: c.paraf, width: 46 },
  ];
  const holder = { current: page, next: () => (holder.current = next()) };
  const drawHeader = headerDrawer(columns, 8, { title: c.penilaian, from: 2, to: 3 });
  const table = new Table(
    columns,
    holder,
    (p, top) => {
      // A continued table says whose form it is.
      if (p !== page) {
        const used = p.block(MARGIN, top, CONTENT_WIDTH, `${FORM.title} — ${sop.nama} ${FORM.continued}`, { size: 9, weight: 'bold' }) + 4;
        return used + drawHeader(p, top + used);
      }
      return drawHeader(p, top);
    },
    7.5,
  );
  table.start();
  for (const step of sop.steps) {
    table.row([
      { text: String(step.no) },
      { text: `${step.kegiatan} (${step.roleNames.join(' + ')})` },
      step.judgment === 'baik' ? { check: true } : {},
      step.judgment === 'tidak_baik' ? { check: true } : {},
      { text: step.catatan },
      { text: step.tindakan },
      {},
    ]);
  }
  page = holder.current;
  page.y += 6;
  page.y += page.block(MARGIN, page.y, CONTENT_WIDTH, FORM.rule(report.rule.minOnTimeShare, report.rule.maxReturnShare), { size: 7, weight: 'italic', color: '#444' }) + 6;
  // Signature block at the right.
  if (page.y + 70 > BOTTOM) page = holder.next();
  const signX = PAGE_WIDTH - MARGIN - 220;
  page.block(signX, page.y, 220, FORM.signPlace, { size: 9, anchor: 'middle' });
  page.block(signX, page.y + 48, 220, report.evaluator || FORM.signName, { size: 9, anchor: 'middle' });
  page.y += 70;

  // The chart of this SOP: under the form when it fits, else on a page of its own.
  if (!sop.steps.some((s) => s.figures.withDue > 0)) return;
  const w = 500;
  const h = (w * CHART_HEIGHT) / CHART_WIDTH;
  if (page.y + h > BOTTOM) page = holder.next();
  page.svg(MARGIN, page.y, w, h, renderStepChart(sop, report.rule, 'svg'));
  page.y += h;
}
