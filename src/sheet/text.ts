/**
 * Text set into boxes with the shipped font's own metrics: wrapped lines, numbered lists with a
 * hanging indent, and a cut with "…" where a cell cannot grow. Every width here is the width the
 * renderers draw, so a line that fits here fits on the page.
 */
import { lineMetrics, textWidth, wrapText, type FontWeight } from '../graphics/fonts.js';
import type { TextLine } from './model.js';

export const LINE_GAP = 1.22;

export interface Para {
  text: string;
  /** A list number or bullet: set before the first line, the rest hangs under the text. */
  marker?: string;
  weight?: FontWeight;
}

export interface Piece {
  dx: number;
  text: string;
  weight: FontWeight;
}

/** Rows of text, each row one or two pieces (a marker and its text) at offsets from the box's left. */
export type Rows = Piece[][];

export function setParas(paras: Para[], width: number, size: number): Rows {
  const rows: Rows = [];
  for (const p of paras) {
    const weight = p.weight ?? 'regular';
    const indent = p.marker ? textWidth(`${p.marker} `, size, weight) : 0;
    const wrapped = wrapText(p.text, Math.max(1, width - indent), size, weight);
    wrapped.forEach((text, i) => {
      const row: Piece[] = [];
      if (i === 0 && p.marker) row.push({ dx: 0, text: p.marker, weight });
      if (text) row.push({ dx: indent, text, weight });
      rows.push(row);
    });
  }
  return rows;
}

export function textHeight(rows: number, size: number): number {
  if (rows === 0) return 0;
  const { ascent, descent } = lineMetrics(size);
  return (rows - 1) * size * LINE_GAP + ascent + descent;
}

/** How many rows of text fit in `height` (0 when not even one). */
export function rowsThatFit(height: number, size: number): number {
  const first = textHeight(1, size);
  if (height + 1e-6 < first) return 0;
  return Math.floor((height - first) / (size * LINE_GAP) + 1e-6) + 1;
}

/**
 * Places rows in a box from its top left (plus padding). At most `maxRows`; when cut, the last
 * row kept ends with "…" and still fits the width.
 */
export function placeRows(
  rows: Rows,
  x: number,
  y: number,
  size: number,
  width: number,
  maxRows = Infinity,
  fill?: string,
): TextLine[] {
  const { ascent } = lineMetrics(size);
  const out: TextLine[] = [];
  const kept = rows.slice(0, Math.max(0, Math.min(rows.length, maxRows)));
  kept.forEach((row, r) => {
    const cut = r === kept.length - 1 && kept.length < rows.length;
    for (const piece of row) {
      let text = piece.text;
      if (cut && piece === row[row.length - 1]) text = ellipsize(`${text}…`, width - piece.dx, size, piece.weight);
      out.push({ x: x + piece.dx, y: y + ascent + r * size * LINE_GAP, text, size, weight: piece.weight, ...(fill ? { fill } : {}) });
    }
  });
  return out;
}

/** Shortens text (keeping a trailing "…") until it fits `width`. */
export function ellipsize(text: string, width: number, size: number, weight: FontWeight = 'regular'): string {
  if (textWidth(text, size, weight) <= width) return text;
  const chars = [...text.replace(/…$/, '')];
  while (chars.length > 0 && textWidth(`${chars.join('')}…`, size, weight) > width) chars.pop();
  return chars.length ? `${chars.join('').trimEnd()}…` : '';
}

/** One line centred in a box horizontally, at baseline `y`; cut to fit. */
export function centred(text: string, cx: number, y: number, width: number, size: number, weight: FontWeight = 'regular', fill?: string): TextLine {
  const fitted = ellipsize(text, width, size, weight);
  const w = textWidth(fitted, size, weight);
  return { x: cx - w / 2, y, text: fitted, size, weight, ...(fill ? { fill } : {}) };
}
