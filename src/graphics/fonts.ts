/**
 * The one typeface every picture and document of the service is laid out and drawn with:
 * Noto Sans (SIL Open Font License), shipped as TTF in an npm package so that a layout measured
 * here is drawn the same on every machine, in Docker too, with no system fonts involved.
 *
 * Widths come from the font's own glyph advances (fontkit), the same numbers resvg and pdfkit
 * draw with; kerning only ever narrows Latin text, so a line that fits here fits when drawn.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as fontkit from 'fontkit';

export type FontWeight = 'regular' | 'bold' | 'italic';

/** The family name as SVG `font-family` must say it for resvg and svg-to-pdfkit to find the shipped files. */
export const FONT_FAMILY = 'Noto Sans';

const require = createRequire(import.meta.url);
const packageDir = dirname(require.resolve('@expo-google-fonts/noto-sans/package.json'));

export const FONT_FILES: Record<FontWeight, string> = {
  regular: join(packageDir, '400Regular', 'NotoSans_400Regular.ttf'),
  bold: join(packageDir, '700Bold', 'NotoSans_700Bold.ttf'),
  italic: join(packageDir, '400Regular_Italic', 'NotoSans_400Regular_Italic.ttf'),
};

interface Metrics {
  unitsPerEm: number;
  ascent: number;
  descent: number;
  advance: Map<number, number>;
  font: fontkit.Font;
}

const loaded = new Map<FontWeight, Metrics>();

function metrics(weight: FontWeight): Metrics {
  let m = loaded.get(weight);
  if (!m) {
    const font = fontkit.openSync(FONT_FILES[weight]) as fontkit.Font;
    m = { unitsPerEm: font.unitsPerEm, ascent: font.ascent, descent: font.descent, advance: new Map(), font };
    loaded.set(weight, m);
  }
  return m;
}

function advanceOf(m: Metrics, codePoint: number): number {
  let width = m.advance.get(codePoint);
  if (width === undefined) {
    width = m.font.glyphForCodePoint(codePoint).advanceWidth;
    m.advance.set(codePoint, width);
  }
  return width;
}

/** Width of `text` drawn at `size` (px or pt, whichever the caller lays out in). */
export function textWidth(text: string, size: number, weight: FontWeight = 'regular'): number {
  const m = metrics(weight);
  let units = 0;
  for (const ch of text) units += advanceOf(m, ch.codePointAt(0)!);
  return (units / m.unitsPerEm) * size;
}

/** Ascent and descent (positive, below the baseline) of a line at `size`. */
export function lineMetrics(size: number, weight: FontWeight = 'regular'): { ascent: number; descent: number } {
  const m = metrics(weight);
  return { ascent: (m.ascent / m.unitsPerEm) * size, descent: (Math.abs(m.descent) / m.unitsPerEm) * size };
}

/**
 * Breaks text into lines no wider than `width`: at spaces where it can, inside a word only when
 * the word alone is wider than the line (a long file name or reference). Line breaks in the
 * text are kept.
 */
export function wrapText(text: string, width: number, size: number, weight: FontWeight = 'regular'): string[] {
  const lines: string[] = [];
  for (const paragraph of text.split(/\r?\n/)) {
    let line = '';
    for (const word of paragraph.split(/\s+/).filter(Boolean)) {
      const candidate = line ? `${line} ${word}` : word;
      if (textWidth(candidate, size, weight) <= width) {
        line = candidate;
        continue;
      }
      if (line) lines.push(line);
      line = '';
      // A word wider than the line is cut where it must be.
      let rest = word;
      while (textWidth(rest, size, weight) > width) {
        let cut = 1;
        const chars = [...rest];
        while (cut < chars.length && textWidth(chars.slice(0, cut + 1).join(''), size, weight) <= width) cut++;
        lines.push(chars.slice(0, cut).join(''));
        rest = chars.slice(cut).join('');
      }
      line = rest;
    }
    lines.push(line);
  }
  return lines;
}

/**
 * The parsed font itself, shared: a PDF writer given this object (pdfkit accepts a fontkit font)
 * does not parse the TTF again for every document.
 */
export function fontOf(weight: FontWeight): fontkit.Font {
  return metrics(weight).font;
}

export interface PlacedGlyph {
  /** Glyph id in the weight's font. */
  id: number;
  /** Offset from the start of the line, in font units. */
  x: number;
}

/**
 * The glyphs of a line placed by their advances, exactly as `textWidth` measures them (no
 * kerning), for drawing text as outlines where a renderer's own text engine is too slow.
 */
export function placeGlyphs(text: string, weight: FontWeight = 'regular'): PlacedGlyph[] {
  const m = metrics(weight);
  const out: PlacedGlyph[] = [];
  let x = 0;
  for (const ch of text) {
    const glyph = m.font.glyphForCodePoint(ch.codePointAt(0)!);
    out.push({ id: glyph.id, x });
    x += advanceOf(m, ch.codePointAt(0)!);
  }
  return out;
}

const outlines = new Map<string, string>();

/** The outline of a glyph as SVG path data, in font units with y up. */
export function glyphOutline(id: number, weight: FontWeight = 'regular'): string {
  const key = `${weight}:${id}`;
  let d = outlines.get(key);
  if (d === undefined) {
    d = metrics(weight).font.getGlyph(id).path.toSVG();
    outlines.set(key, d);
  }
  return d;
}

export function unitsPerEm(weight: FontWeight = 'regular'): number {
  return metrics(weight).unitsPerEm;
}

