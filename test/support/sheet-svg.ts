/**
 * Reads a page of the SOP sheet back from its SVG with a real XML parser, into the geometry the
 * tests check: cells with their text, symbols with their drawn parts, arrows with their
 * polylines. Only what is drawn counts: boxes come from rect/polygon attributes, not from the
 * layout's own numbers.
 */
import { XMLParser } from 'fast-xml-parser';
import { lineMetrics, textWidth, type FontWeight } from '../../src/graphics/fonts.js';

export interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface SvgText {
  x: number;
  y: number;
  text: string;
  size: number;
  weight: FontWeight;
}

export interface SvgPart {
  element: 'rect' | 'polygon';
  box: Box;
  rx: number;
  points: [number, number][];
}

export interface SvgPage {
  number: number;
  kind: string;
  width: number;
  height: number;
  flowArea?: Box;
  cells: { kind: string; step?: string; role?: string; box: Box; texts: SvgText[]; fill?: string }[];
  symbols: { kind: string; shape: string; step?: string; edge?: string; number?: number; state?: string; visits?: number; parts: SvgPart[]; label?: SvgText }[];
  arrows: { edge: string; kind: string; from: string; to: string; part: string; connector?: number; taken?: number; points: [number, number][]; dashed: boolean; label?: SvgText }[];
  texts: SvgText[];
}

type Node = Record<string, unknown>;

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  textNodeName: '#text',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  isArray: (name) => ['g', 'rect', 'text', 'polygon', 'polyline', 'line'].includes(name),
});

const num = (v: unknown) => Number(v);
const list = (node: Node, tag: string) => (node[tag] as Node[] | undefined) ?? [];

function points(attr: unknown): [number, number][] {
  return String(attr)
    .trim()
    .split(/\s+/)
    .map((p) => p.split(',').map(Number) as [number, number]);
}

function boundsOf(pts: [number, number][]): Box {
  const xs = pts.map((p) => p[0]);
  const ys = pts.map((p) => p[1]);
  return { x: Math.min(...xs), y: Math.min(...ys), w: Math.max(...xs) - Math.min(...xs), h: Math.max(...ys) - Math.min(...ys) };
}

function text(node: Node): SvgText {
  return {
    x: num(node.x),
    y: num(node.y),
    text: String(node['#text'] ?? ''),
    size: num(node['font-size']),
    weight: node['font-weight'] === 'bold' ? 'bold' : node['font-style'] === 'italic' ? 'italic' : 'regular',
  };
}

function rectBox(node: Node): Box {
  return { x: num(node.x), y: num(node.y), w: num(node.width), h: num(node.height) };
}

function group(svg: Node, cls: string): Node[] {
  const top = list(svg, 'g').find((g) => g.class === cls);
  return top ? list(top, 'g') : [];
}

export function parsePage(source: string): SvgPage {
  const doc = parser.parse(source) as { svg: Node };
  const svg = doc.svg;
  const [, , width, height] = String(svg.viewBox).split(' ').map(Number) as [number, number, number, number];
  const area = list(svg, 'g').find((g) => g.class === 'flow-area');
  const page: SvgPage = {
    number: num(svg['data-page']),
    kind: String(svg['data-kind']),
    width,
    height,
    ...(area ? { flowArea: { x: num(area['data-x']), y: num(area['data-y']), w: num(area['data-w']), h: num(area['data-h']) } } : {}),
    cells: group(svg, 'cells').map((g) => ({
      kind: String(g['data-kind']),
      ...(g['data-step'] !== undefined ? { step: String(g['data-step']) } : {}),
      ...(g['data-role'] !== undefined ? { role: String(g['data-role']) } : {}),
      box: rectBox(list(g, 'rect')[0]!),
      texts: list(g, 'text').map(text),
      ...(list(g, 'rect')[0]!.fill !== 'none' ? { fill: String(list(g, 'rect')[0]!.fill) } : {}),
    })),
    symbols: group(svg, 'symbols').map((g) => {
      const parts: SvgPart[] = [
        ...list(g, 'rect').filter((r) => r.class === 'part').map((r) => ({ element: 'rect' as const, box: rectBox(r), rx: num(r.rx ?? 0), points: [] })),
        ...list(g, 'polygon').filter((p) => p.class === 'part').map((p) => {
          const pts = points(p.points);
          return { element: 'polygon' as const, box: boundsOf(pts), rx: 0, points: pts };
        }),
      ];
      const label = list(g, 'text')[0];
      return {
        kind: String(g['data-kind']),
        shape: String(g['data-shape']),
        ...(g['data-step'] !== undefined ? { step: String(g['data-step']) } : {}),
        ...(g['data-edge'] !== undefined ? { edge: String(g['data-edge']) } : {}),
        ...(g['data-number'] !== undefined ? { number: num(g['data-number']) } : {}),
        ...(g['data-state'] !== undefined ? { state: String(g['data-state']) } : {}),
        ...(g['data-visits'] !== undefined ? { visits: num(g['data-visits']) } : {}),
        parts,
        ...(label ? { label: text(label) } : {}),
      };
    }),
    arrows: group(svg, 'arrows').map((g) => {
      const line = list(g, 'polyline')[0]!;
      const label = list(g, 'text')[0];
      return {
        edge: String(g['data-edge']),
        kind: String(g['data-kind']),
        from: String(g['data-from']),
        to: String(g['data-to']),
        part: String(g['data-part']),
        ...(g['data-connector'] !== undefined ? { connector: num(g['data-connector']) } : {}),
        ...(g['data-taken'] !== undefined ? { taken: num(g['data-taken']) } : {}),
        points: points(line.points),
        dashed: line['stroke-dasharray'] !== undefined,
        ...(label ? { label: text(label) } : {}),
      };
    }),
    texts: list(list(svg, 'g').find((g) => g.class === 'texts') ?? {}, 'text').map(text),
  };
  return page;
}

/** The box a line of text occupies when drawn in the shipped font. */
export function textBox(t: SvgText): Box {
  const { ascent, descent } = lineMetrics(t.size, t.weight);
  return { x: t.x, y: t.y - ascent, w: textWidth(t.text, t.size, t.weight), h: ascent + descent };
}

export function inside(inner: Box, outer: Box, tolerance = 0.05): boolean {
  return (
    inner.x >= outer.x - tolerance &&
    inner.y >= outer.y - tolerance &&
    inner.x + inner.w <= outer.x + outer.w + tolerance &&
    inner.y + inner.h <= outer.y + outer.h + tolerance
  );
}

export function overlaps(a: Box, b: Box): boolean {
  return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
}

export function shrink(b: Box, by: number): Box {
  return { x: b.x + by, y: b.y + by, w: b.w - 2 * by, h: b.h - 2 * by };
}

/** Whether the segment a→b passes through the open box (Liang–Barsky clipping). */
export function segmentHitsBox(a: [number, number], b: [number, number], box: Box): boolean {
  let t0 = 0;
  let t1 = 1;
  const dx = b[0] - a[0];
  const dy = b[1] - a[1];
  const checks: [number, number][] = [
    [-dx, a[0] - box.x],
    [dx, box.x + box.w - a[0]],
    [-dy, a[1] - box.y],
    [dy, box.y + box.h - a[1]],
  ];
  for (const [p, q] of checks) {
    if (p === 0) {
      if (q <= 0) return false;
      continue;
    }
    const r = q / p;
    if (p < 0) t0 = Math.max(t0, r);
    else t1 = Math.min(t1, r);
    if (t0 >= t1) return false;
  }
  return t1 - t0 > 1e-9;
}

/** Distance from a point to the outline of a box (0 on it). */
export function distanceToOutline(p: [number, number], b: Box): number {
  const [x, y] = p;
  const insideX = x >= b.x && x <= b.x + b.w;
  const insideY = y >= b.y && y <= b.y + b.h;
  if (insideX && insideY) return Math.min(x - b.x, b.x + b.w - x, y - b.y, b.y + b.h - y);
  const dx = Math.max(b.x - x, 0, x - (b.x + b.w));
  const dy = Math.max(b.y - y, 0, y - (b.y + b.h));
  return Math.hypot(dx, dy);
}
