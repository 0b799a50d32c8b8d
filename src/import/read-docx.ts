/**
 * A Word document (DOCX) into the neutral model, read from word/document.xml directly.
 *
 * Why not mammoth: its HTML keeps neither gridSpan/vMerge (a merged header cell becomes one
 * cell, and every column after it shifts) nor the shapes drawn in a cell, and those shapes are
 * the swimlane marks that say which Pelaksana does a row. The XML has both: w:gridSpan and
 * w:vMerge on each cell, and w:drawing (DrawingML, a:prstGeom "flowChartDecision") or w:pict
 * (VML, v:shape type "#_x0000_t110") anchored in the cell's paragraph. @xmldom/xmldom parses
 * it into a DOM (pure JS, no native build); a DOCTYPE is refused before parsing, so no entity
 * can expand.
 */
import { DOMParser, type Element, type Node } from '@xmldom/xmldom';
import { ImportError } from './errors.js';
import { clean, type Cell, type DocumentModel, type Line, type Mark, type Para, type ShapeKind } from './model.js';
import { listZip, readEntry } from './zip.js';

const ELEMENT = 1;

function children(node: Node | Element, name?: string): Element[] {
  const out: Element[] = [];
  for (let c = node.firstChild; c; c = c.nextSibling) {
    if (c.nodeType === ELEMENT && (name === undefined || (c as Element).localName === name)) out.push(c as Element);
  }
  return out;
}

function child(node: Element, name: string): Element | undefined {
  return children(node, name)[0];
}

function descendants(node: Element, name: string): Element[] {
  const out: Element[] = [];
  const walk = (n: Element) => {
    for (const c of children(n)) {
      if (c.localName === name) out.push(c);
      walk(c);
    }
  };
  walk(node);
  return out;
}

/** A w:val, with or without its namespace prefix. */
function val(el: Element | undefined, name = 'val'): string | null {
  if (!el) return null;
  for (let i = 0; i < el.attributes.length; i++) {
    const a = el.attributes.item(i)!;
    if (a.localName === name) return a.value;
  }
  return null;
}

function isOn(el: Element | undefined): boolean {
  if (!el) return false;
  const v = val(el);
  return v === null || !/^(0|false|off|none)$/i.test(v);
}

export function readDocx(bytes: Uint8Array, file: string): DocumentModel {
  const entries = listZip(bytes, file);
  const main = entries.get('word/document.xml');
  if (!main) throw new ImportError('not_docx', { file });
  const xml = new TextDecoder('utf-8').decode(readEntry(bytes, main, file));
  if (/<!DOCTYPE|<!ENTITY/i.test(xml.slice(0, 4096)) || /<!ENTITY/i.test(xml)) {
    throw new ImportError('bad_xml', { file, detail: 'DOCTYPE/ENTITY tidak diizinkan di dokumen Word' });
  }
  let root: Element | null;
  try {
    const doc = new DOMParser({
      onError: (level: string, message: string) => {
        if (level !== 'warning') throw new Error(message);
      },
    }).parseFromString(xml, 'text/xml');
    root = doc.documentElement;
  } catch (e) {
    throw new ImportError('bad_xml', { file, detail: clean((e as Error).message).slice(0, 120) });
  }
  const body = root && child(root, 'body');
  if (root?.localName !== 'document' || !body) throw new ImportError('not_docx', { file });

  const reader = new BodyReader();
  reader.block(body);
  return { format: 'docx', lines: reader.lines };
}

interface ParaRead {
  /** The paragraph's text split at its tabs. */
  segments: string[];
  bold: boolean;
  list: boolean;
  marks: Mark[];
}

class BodyReader {
  readonly lines: Line[] = [];
  private tables = 0;

  block(node: Element) {
    for (const el of children(node)) {
      switch (el.localName) {
        case 'p':
          this.paragraph(el);
          break;
        case 'tbl':
          this.table(el);
          break;
        case 'sdt': {
          const content = child(el, 'sdtContent');
          if (content) this.block(content);
          break;
        }
        case 'customXml':
          this.block(el);
          break;
        default:
          break;
      }
    }
  }

  private paragraph(p: Element) {
    const read = readParagraph(p);
    // A soft line break inside a paragraph starts a new line, as it does on the page.
    const texts = read.segments.join('\t').split('\n');
    for (const text of texts) {
      const cells = text.split('\t').map((t): Cell => ({ paras: t.trim() === '' ? [] : [{ text: t, ...(read.bold ? { bold: true } : {}) }], marks: [], span: 1 }));
      if (read.marks.length > 0) cells[0]!.marks.push(...read.marks);
      this.lines.push({ cells, table: null, at: this.lines.length + 1 });
    }
  }

  private table(tbl: Element) {
    this.tables++;
    const table = this.tables;
    for (const tr of rowsOf(tbl)) {
      const cells: Cell[] = [];
      const trPr = child(tr, 'trPr');
      const before = Number(val(trPr && child(trPr, 'gridBefore')) ?? 0);
      for (let k = 0; k < before; k++) cells.push({ paras: [], marks: [], span: 1 });
      for (const tc of cellsOf(tr)) {
        const tcPr = child(tc, 'tcPr');
        const span = Math.max(1, Math.min(64, Number(val(tcPr && child(tcPr, 'gridSpan')) ?? 1) || 1));
        const vMerge = tcPr && child(tcPr, 'vMerge');
        const continued = vMerge !== undefined && val(vMerge) !== 'restart';
        const cell = continued ? { paras: [], marks: [], span, continued: true } : readCell(tc, span);
        cells.push(cell);
        for (let k = 1; k < span; k++) cells.push({ paras: [], marks: [], span: 1, spanned: true });
      }
      this.lines.push({ cells, table, at: this.lines.length + 1, ...(trPr && child(trPr, 'tblHeader') && isOn(child(trPr, 'tblHeader')) ? { repeatedHeader: true } : {}) });
    }
  }
}

/** Rows of a table, including those wrapped in content controls. */
function rowsOf(tbl: Element): Element[] {
  return children(tbl).flatMap((el) => (el.localName === 'tr' ? [el] : el.localName === 'sdt' || el.localName === 'customXml' ? rowsOf(child(el, 'sdtContent') ?? el) : []));
}

function cellsOf(tr: Element): Element[] {
  return children(tr).flatMap((el) => (el.localName === 'tc' ? [el] : el.localName === 'sdt' || el.localName === 'customXml' ? cellsOf(child(el, 'sdtContent') ?? el) : []));
}

function readCell(tc: Element, span: number): Cell {
  const paras: Para[] = [];
  const marks: Mark[] = [];
  const visit = (node: Element) => {
    for (const el of children(node)) {
      if (el.localName === 'p') {
        const read = readParagraph(el);
        marks.push(...read.marks);
        for (const line of read.segments.join(' ').split('\n')) {
          const text = clean(line);
          if (text !== '') paras.push({ text, ...(read.list ? { list: 'ordered' as const } : {}), ...(read.bold ? { bold: true } : {}) });
        }
      } else if (el.localName === 'tbl') {
        // A table inside a cell: its rows become lines of the cell.
        for (const tr of rowsOf(el)) {
          const parts: string[] = [];
          for (const inner of cellsOf(tr)) {
            const c = readCell(inner, 1);
            marks.push(...c.marks);
            const t = clean(c.paras.map((p) => p.text).join(' '));
            if (t !== '') parts.push(t);
          }
          if (parts.length > 0) paras.push({ text: parts.join(' ') });
        }
      } else if (el.localName === 'sdt') {
        const content = child(el, 'sdtContent');
        if (content) visit(content);
      } else if (el.localName === 'customXml') {
        visit(el);
      }
    }
  };
  visit(tc);
  return { paras, marks, span };
}

function readParagraph(p: Element): ParaRead {
  let text = '';
  let boldChars = 0;
  let allChars = 0;
  const marks: Mark[] = [];
  const pPr = child(p, 'pPr');
  const list = !!(pPr && child(pPr, 'numPr'));
  const paraBold = isOn(pPr && child(pPr, 'rPr') && child(child(pPr, 'rPr')!, 'b'));

  const run = (r: Element) => {
    const rPr = child(r, 'rPr');
    const bold = rPr ? isOn(child(rPr, 'b')) : paraBold;
    for (const el of children(r)) {
      switch (el.localName) {
        case 't': {
          const t = el.textContent ?? '';
          text += t;
          allChars += t.length;
          if (bold) boldChars += t.length;
          break;
        }
        case 'tab':
          text += '\t';
          break;
        case 'br':
        case 'cr':
          text += '\n';
          break;
        case 'noBreakHyphen':
          text += '-';
          break;
        case 'sym': {
          const code = parseInt(val(el, 'char') ?? '', 16);
          if (Number.isFinite(code)) {
            const symbol = symbolChar(code, val(el, 'font') ?? '');
            text += symbol;
            const mark = symbolMark(symbol);
            if (mark) marks.push(mark);
          }
          break;
        }
        case 'drawing':
          marks.push(...drawingMarks(el));
          break;
        case 'pict':
        case 'object':
          marks.push(...vmlMarks(el));
          break;
        case 'AlternateContent': {
          // The DrawingML choice and its VML fallback draw the same shape once.
          const choice = child(el, 'Choice');
          const fallback = child(el, 'Fallback');
          const fromChoice = choice ? [...descendants(choice, 'drawing').flatMap(drawingMarks)] : [];
          marks.push(...(fromChoice.length > 0 ? fromChoice : fallback ? [...descendants(fallback, 'pict').flatMap(vmlMarks)] : []));
          break;
        }
        default:
          break;
      }
    }
  };
  const inline = (node: Element) => {
    for (const el of children(node)) {
      if (el.localName === 'r') run(el);
      else if (['hyperlink', 'ins', 'smartTag', 'fldSimple', 'customXml', 'sdtContent', 'moveTo', 'sdt'].includes(el.localName ?? '')) inline(el);
      // w:del and w:moveFrom are deleted text: not part of the document as it reads.
    }
  };
  inline(p);
  return { segments: text.split('\t'), bold: allChars > 0 && boldChars === allChars, list, marks };
}

const PRESET: [RegExp, ShapeKind][] = [
  [/^(flowChartTerminator|ellipse|flowChartAlternateProcess|roundRect|can|flowChartConnector)$/, 'terminator'],
  [/^(flowChartProcess|rect|flowChartPredefinedProcess|flowChartDocument)$/, 'process'],
  [/^(flowChartDecision|diamond)$/, 'decision'],
  [/^(flowChartOffpageConnector|homePlate|pentagon)$/, 'connector'],
  [/(Connector\d*|Arrow|^line)$/, 'arrow'],
];

function shapeText(el: Element): string | undefined {
  const t = clean(descendants(el, 't').map((x) => x.textContent ?? '').join(' '));
  return t === '' ? undefined : t;
}

/** DrawingML shapes (wps:wsp, also inside groups) anchored in a paragraph. */
function drawingMarks(drawing: Element): Mark[] {
  const shapes = descendants(drawing, 'wsp');
  const marks: Mark[] = [];
  for (const wsp of shapes) {
    const geom = descendants(wsp, 'prstGeom')[0];
    const prst = val(geom, 'prst') ?? '';
    const connector = descendants(wsp, 'cNvCnPr').length > 0;
    const shape: ShapeKind = connector ? 'arrow' : (PRESET.find(([re]) => re.test(prst))?.[1] ?? 'other');
    const text = shapeText(wsp);
    marks.push({ shape, source: 'drawing', ...(text ? { text } : {}) });
  }
  return marks;
}

const VML_TYPES: Record<string, ShapeKind> = {
  '116': 'terminator',
  '176': 'terminator',
  '120': 'terminator',
  '109': 'process',
  '112': 'process',
  '110': 'decision',
  '4': 'decision',
  '177': 'connector',
  '15': 'connector',
  '32': 'arrow',
  '33': 'arrow',
  '34': 'arrow',
};

/** VML shapes (older Word, and the fallback of newer files). */
function vmlMarks(pict: Element): Mark[] {
  const marks: Mark[] = [];
  const visit = (el: Element) => {
    for (const c of children(el)) {
      const name = c.localName ?? '';
      let shape: ShapeKind | undefined;
      if (name === 'shape') {
        const type = /_x0000_t(\d+)/.exec(val(c, 'type') ?? '')?.[1];
        shape = type ? (VML_TYPES[type] ?? 'other') : 'other';
      } else if (name === 'oval' || name === 'roundrect') shape = 'terminator';
      else if (name === 'rect') shape = 'process';
      else if (name === 'line' || name === 'polyline' || name === 'curve') shape = 'arrow';
      if (shape) {
        const text = shapeText(c);
        marks.push({ shape, source: 'vml', ...(text ? { text } : {}) });
      } else if (name === 'group') visit(c);
    }
  };
  visit(pict);
  return marks;
}

/** Symbol fonts put a flowchart glyph in the private use area; map the usual ones to Unicode. */
function symbolChar(code: number, font: string): string {
  const c = code >= 0xf000 ? code - 0xf000 : code;
  if (/wingdings/i.test(font)) {
    const wingdings: Record<number, string> = { 108: '●', 110: '■', 111: '□', 113: '❑', 117: '◆', 119: '⬥', 161: '○', 168: '◻', 224: '→' };
    return wingdings[c] ?? '';
  }
  if (/symbol/i.test(font)) {
    const symbol: Record<number, string> = { 224: '◊', 174: '→', 183: '•' };
    return symbol[c] ?? '';
  }
  return String.fromCodePoint(code);
}

function symbolMark(symbol: string): Mark | undefined {
  if (/^[○●]$/.test(symbol)) return { shape: 'terminator', text: symbol, source: 'symbol' };
  if (/^[□■❑◻]$/.test(symbol)) return { shape: 'process', text: symbol, source: 'symbol' };
  if (/^[◆⬥◊◇]$/.test(symbol)) return { shape: 'decision', text: symbol, source: 'symbol' };
  return undefined;
}
