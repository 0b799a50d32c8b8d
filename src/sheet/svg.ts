/**
 * One page of the laid-out sheet as SVG, the source every other format is made from. Every
 * element says what it is (class and data-* attributes: the cell's column and step, the symbol's
 * step and shape, the arrow's transition), so the tests can check the drawing itself.
 */
import { FONT_FAMILY, glyphOutline, lineMetrics, placeGlyphs, textWidth, unitsPerEm, type FontWeight } from '../graphics/fonts.js';
import type { Arrow, Box, Cell, Page, Swatch, SymbolItem, TextLine } from './model.js';

const INK = '#111827';
const GRID = '#374151';
const COLORS = {
  arrow: '#1f2937',
  /** A case picture dims what the case did not go through. */
  arrowIdle: '#9ca3af',
  path: '#1d4ed8',
  returned: '#c2410c',
  visited: { fill: '#dbeafe', stroke: '#1d4ed8', width: 1.1 },
  open: { fill: '#fde68a', stroke: '#b45309', width: 1.9 },
  overdue: { fill: '#fecaca', stroke: '#dc2626', width: 1.9 },
  cancelled: { fill: '#e5e7eb', stroke: '#6b7280', width: 1.1 },
  plain: { fill: '#ffffff', stroke: INK, width: 0.9 },
} as const;

const n = (v: number) => (Math.round(v * 100) / 100).toString();

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}

function attrs(values: Record<string, string | number | undefined>): string {
  return Object.entries(values)
    .filter(([, v]) => v !== undefined && v !== '')
    .map(([k, v]) => ` ${k}="${typeof v === 'number' ? n(v) : escapeXml(v!)}"`)
    .join('');
}

/**
 * Text as glyph outlines instead of <text>: for the PNG only. resvg shapes and outlines every
 * glyph of every <text> anew (about 60 µs a glyph, most of a picture's time); outlines defined
 * once per page and placed with <use> draw the same pixels several times faster. The SVG files
 * and the PDF keep real text.
 */
interface Outlines {
  used: Map<string, string>;
}

let outlineMode: Outlines | undefined;

const GLYPH_PREFIX: Record<FontWeight, string> = { regular: 'r', bold: 'b', italic: 'i' };

function outlinedText(line: TextLine, cls: string | undefined, o: Outlines): string {
  const k = line.size / unitsPerEm(line.weight);
  const uses: string[] = [];
  for (const g of placeGlyphs(line.text, line.weight)) {
    const id = `${GLYPH_PREFIX[line.weight]}${g.id}`;
    if (!o.used.has(id)) o.used.set(id, glyphOutline(g.id, line.weight));
    if (o.used.get(id)) uses.push(`<use href="#${id}" x="${Math.round(g.x)}"/>`);
  }
  return `<g${attrs({ class: cls, transform: `translate(${n(line.x)} ${n(line.y)}) scale(${k.toFixed(6)} ${(-k).toFixed(6)})`, fill: line.fill ?? INK })}>${uses.join('')}</g>`;
}

function text(line: TextLine, cls?: string): string {
  if (outlineMode) return outlinedText(line, cls, outlineMode);
  return `<text${attrs({ class: cls, x: line.x, y: line.y, 'font-size': line.size, 'font-weight': line.weight === 'bold' ? 'bold' : undefined, 'font-style': line.weight === 'italic' ? 'italic' : undefined, fill: line.fill ?? INK })}>${escapeXml(line.text)}</text>`;
}

function rect(b: Box, extra: Record<string, string | number | undefined>): string {
  return `<rect${attrs({ x: b.x, y: b.y, width: b.w, height: b.h, ...extra })}/>`;
}

function cell(c: Cell): string {
  const box = rect(c, { fill: c.fill ?? 'none', stroke: c.borderless ? undefined : GRID, 'stroke-width': c.borderless ? undefined : 0.5 });
  return `<g${attrs({ class: 'cell', 'data-kind': c.kind, 'data-step': c.step, 'data-role': c.role })}>${box}${c.lines.map((l) => text(l)).join('')}</g>`;
}

function partShape(shape: SymbolItem['shape'], b: Box, style: Record<string, string | number | undefined>): string {
  const cx = b.x + b.w / 2;
  const cy = b.y + b.h / 2;
  switch (shape) {
    case 'process':
      return rect(b, { class: 'part', ...style });
    case 'terminator':
      return rect(b, { class: 'part', rx: b.h / 2, ry: b.h / 2, ...style });
    case 'decision':
      return `<polygon${attrs({ class: 'part', points: [[cx, b.y], [b.x + b.w, cy], [cx, b.y + b.h], [b.x, cy]].map((p) => p.map(n).join(',')).join(' '), ...style })}/>`;
    case 'connector':
      return `<polygon${attrs({
        class: 'part',
        points: [[b.x, b.y], [b.x + b.w, b.y], [b.x + b.w, b.y + b.h * 0.6], [cx, b.y + b.h], [b.x, b.y + b.h * 0.6]].map((p) => p.map(n).join(',')).join(' '),
        ...style,
      })}/>`;
  }
}

function symbol(s: SymbolItem): string {
  const look = s.state ? COLORS[s.state] : s.taken ? COLORS.visited : COLORS.plain;
  const style = { fill: look.fill, stroke: look.stroke, 'stroke-width': look.width };
  const joins = s.joins.map((j) => `<line${attrs({ class: 'join', x1: j.x1, y1: j.y, x2: j.x2, y2: j.y, stroke: look.stroke, 'stroke-width': 0.5 })}/>`).join('');
  return (
    `<g${attrs({ class: 'symbol', 'data-kind': s.kind, 'data-shape': s.shape, 'data-step': s.step, 'data-edge': s.edge, 'data-number': s.number, 'data-state': s.state, 'data-visits': s.visits, 'data-inferred': s.inferred ? 'true' : undefined })}>` +
    joins +
    s.parts.map((p) => partShape(s.shape, p, style)).join('') +
    (s.label ? text(s.label, 'label') : '') +
    `</g>`
  );
}

function arrow(a: Arrow, caseMode: boolean): string {
  const color = a.taken ? (a.kind === 'return' ? COLORS.returned : COLORS.path) : caseMode ? COLORS.arrowIdle : COLORS.arrow;
  const width = a.taken ? 1.5 : 0.8;
  const pts = a.points.map((p) => p.map(n).join(',')).join(' ');
  const [tip, before] = [a.points[a.points.length - 1]!, a.points[a.points.length - 2]!];
  const len = Math.hypot(tip[0] - before[0], tip[1] - before[1]) || 1;
  const [dx, dy] = [(tip[0] - before[0]) / len, (tip[1] - before[1]) / len];
  const head = a.taken ? 4.6 : 4;
  const half = a.taken ? 2.2 : 1.8;
  const back = [tip[0] - dx * head, tip[1] - dy * head];
  const headPts = [tip, [back[0]! - dy * half, back[1]! + dx * half], [back[0]! + dy * half, back[1]! - dx * half]].map((p) => p.map(n).join(',')).join(' ');
  let label = '';
  if (a.label) {
    const w = textWidth(a.label.text, a.label.size);
    const { ascent, descent } = lineMetrics(a.label.size);
    label =
      rect({ x: a.label.x - 0.8, y: a.label.y - ascent, w: w + 1.6, h: ascent + descent }, { class: 'label-bg', fill: '#ffffff', 'fill-opacity': 0.85 }) +
      text({ ...a.label, fill: a.taken ? color : '#374151' }, 'label');
  }
  return (
    `<g${attrs({ class: 'arrow', 'data-edge': a.edge, 'data-kind': a.kind, 'data-from': a.from, 'data-to': a.to, 'data-part': a.part, 'data-connector': a.connector, 'data-taken': a.taken })}>` +
    `<polyline${attrs({ class: 'line', points: pts, fill: 'none', stroke: color, 'stroke-width': width, 'stroke-dasharray': a.dashed ? '3 2' : undefined, 'stroke-linejoin': 'round' })}/>` +
    `<polygon${attrs({ class: 'head', points: headPts, fill: color })}/>` +
    label +
    `</g>`
  );
}

function swatch(s: Swatch): string {
  const b = s.box;
  const y = b.y + b.h / 2;
  switch (s.kind) {
    case 'path':
      return `<line${attrs({ class: 'swatch', x1: b.x, y1: y, x2: b.x + b.w, y2: y, stroke: COLORS.path, 'stroke-width': 1.5 })}/>`;
    case 'returned':
      return `<line${attrs({ class: 'swatch', x1: b.x, y1: y, x2: b.x + b.w, y2: y, stroke: COLORS.returned, 'stroke-width': 1.5, 'stroke-dasharray': '3 2' })}/>`;
    default: {
      const look = COLORS[s.kind];
      return rect(b, { class: 'swatch', fill: look.fill, stroke: look.stroke, 'stroke-width': look.width, rx: 1.5 });
    }
  }
}

export interface PageSvgOptions {
  /** Draw text as glyph outlines (for rasterising with resvg); default: real <text>. */
  outlines?: boolean;
}

export function pageSvg(page: Page, title: string, options: PageSvgOptions = {}): string {
  const o: Outlines | undefined = options.outlines ? { used: new Map() } : undefined;
  outlineMode = o;
  try {
    const body = pageBody(page);
    const defs = o ? `<defs>${[...o.used].filter(([, d]) => d).map(([id, d]) => `<path id="${id}" d="${d}"/>`).join('')}</defs>` : '';
    return (
      `<svg xmlns="http://www.w3.org/2000/svg"${attrs({ width: `${n(page.width)}pt`, height: `${n(page.height)}pt`, viewBox: `0 0 ${n(page.width)} ${n(page.height)}`, 'font-family': FONT_FAMILY, 'data-page': page.number, 'data-kind': page.kind })}>` +
      `<title>${escapeXml(title)}</title>` +
      defs +
      body +
      `</svg>`
    );
  } finally {
    outlineMode = undefined;
  }
}

function pageBody(page: Page): string {
  const caseMode = page.symbols.some((s) => s.state !== undefined) || page.swatches.length > 0;
  return (

    `<rect x="0" y="0" width="${n(page.width)}" height="${n(page.height)}" fill="#ffffff"/>` +
    (page.flowArea ? `<g class="flow-area"${attrs({ 'data-x': page.flowArea.x, 'data-y': page.flowArea.y, 'data-w': page.flowArea.w, 'data-h': page.flowArea.h })}/>` : '') +
    `<g class="cells">${page.cells.map(cell).join('')}</g>` +
    `<g class="arrows">${page.arrows.map((a) => arrow(a, caseMode)).join('')}</g>` +
    `<g class="symbols">${page.symbols.map(symbol).join('')}</g>` +
    `<g class="legend">${page.swatches.map(swatch).join('')}</g>` +
    `<g class="texts">${page.texts.map((t) => text(t)).join('')}</g>`
  );
}
