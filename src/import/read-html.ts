/**
 * An SOP saved as a web page (Word's "Save as HTML", or an export with real <table> markup)
 * into the neutral model: each <tr> a line on its table's grid, colspan and rowspan resolved
 * as in a DOCX, <p>/<li> inside a cell its paragraphs, text outside tables paragraphs of their
 * own. htmlparser2 is a forgiving tokenizer (pure JS), so unclosed tags of a hand-made export
 * do not lose the rows after them.
 */
import { Parser } from 'htmlparser2';
import { clean, type Cell, type DocumentModel, type Line, type Para } from './model.js';

/** Whether a text is an HTML document with table markup, rather than the seeds' line layout. */
export function isHtmlDocument(text: string): boolean {
  return /<table[\s>]/i.test(text) && /<t[dh][\s>]/i.test(text);
}

interface OpenTable {
  id: number;
  rows: Line[];
  /** Per grid column, how many more rows a rowspan above still covers. */
  carry: number[];
  row: Cell[] | null;
  cell: { paras: Para[]; span: number; rowSpan: number; text: string; list: boolean; bold: number; chars: number } | null;
}

const BLOCK = new Set(['p', 'div', 'li', 'br', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'tr', 'ol', 'ul']);

export function readHtml(html: string): DocumentModel {
  const lines: Line[] = [];
  const tables: OpenTable[] = [];
  let tableCount = 0;
  let outside = '';
  let outsideBold = 0;
  let outsideChars = 0;
  let boldDepth = 0;
  let skip = 0;

  const flushOutside = () => {
    const text = clean(outside);
    if (text !== '') lines.push({ cells: [{ paras: [{ text, ...(outsideBold === outsideChars ? { bold: true } : {}) }], marks: [], span: 1 }], table: null, at: lines.length + 1 });
    outside = '';
    outsideBold = 0;
    outsideChars = 0;
  };
  const flushCellPara = (t: OpenTable) => {
    const c = t.cell;
    if (!c) return;
    const text = clean(c.text);
    if (text !== '') c.paras.push({ text, ...(c.list ? { list: 'ordered' as const } : {}), ...(c.bold === c.chars ? { bold: true } : {}) });
    c.text = '';
    c.list = false;
    c.bold = 0;
    c.chars = 0;
  };
  const startRow = (t: OpenTable) => {
    t.row = [];
    // Columns still covered by a rowspan from above come first, as continued cells.
    while ((t.carry[t.row.length] ?? 0) > 0) {
      t.carry[t.row.length]!--;
      t.row.push({ paras: [], marks: [], span: 1, continued: true });
    }
  };
  const fillCarried = (t: OpenTable) => {
    while (t.row && (t.carry[t.row.length] ?? 0) > 0) {
      t.carry[t.row.length]!--;
      t.row.push({ paras: [], marks: [], span: 1, continued: true });
    }
  };

  const parser = new Parser(
    {
      onopentag(name, attribs) {
        const t = tables[tables.length - 1];
        if (name === 'script' || name === 'style' || name === 'head') skip++;
        if (name === 'b' || name === 'strong') boldDepth++;
        if (name === 'table') {
          if (t?.cell) flushCellPara(t);
          else flushOutside();
          tables.push({ id: ++tableCount, rows: [], carry: [], row: null, cell: null });
          return;
        }
        if (!t) {
          if (BLOCK.has(name)) flushOutside();
          return;
        }
        if (name === 'tr' && tables.length === 1) startRow(t);
        else if ((name === 'td' || name === 'th') && tables.length === 1) {
          if (!t.row) startRow(t);
          fillCarried(t);
          const span = Math.max(1, Math.min(64, Number(attribs.colspan) || 1));
          const rowSpan = Math.max(1, Math.min(500, Number(attribs.rowspan) || 1));
          t.cell = { paras: [], span, rowSpan, text: '', list: false, bold: 0, chars: 0 };
        } else if (t.cell && BLOCK.has(name)) {
          flushCellPara(t);
          if (name === 'li') t.cell.list = true;
        }
      },
      ontext(data) {
        if (skip > 0) return;
        const t = tables[tables.length - 1];
        const target = t?.cell;
        const bold = boldDepth > 0 ? data.trim().length : 0;
        if (target) {
          target.text += data;
          target.chars += data.trim().length;
          target.bold += bold;
        } else if (!t) {
          outside += data;
          outsideChars += data.trim().length;
          outsideBold += bold;
        }
      },
      onclosetag(name) {
        if (name === 'script' || name === 'style' || name === 'head') skip = Math.max(0, skip - 1);
        if (name === 'b' || name === 'strong') boldDepth = Math.max(0, boldDepth - 1);
        const t = tables[tables.length - 1];
        if (!t) {
          if (BLOCK.has(name)) flushOutside();
          return;
        }
        if (name === 'table') {
          closeCell(t);
          closeRow(t);
          tables.pop();
          const outer = tables[tables.length - 1];
          if (outer?.cell) {
            // A table inside a cell: its rows become paragraphs of that cell.
            for (const line of t.rows) {
              const text = clean(line.cells.map((c) => c.paras.map((p) => p.text).join(' ')).join(' '));
              if (text !== '') outer.cell.paras.push({ text });
            }
          } else {
            for (const line of t.rows) lines.push({ ...line, at: lines.length + 1 });
          }
          return;
        }
        if (tables.length > 1) return;
        if (name === 'td' || name === 'th') closeCell(t);
        else if (name === 'tr') closeRow(t);
        else if (t.cell && BLOCK.has(name)) flushCellPara(t);
      },
    },
    { decodeEntities: true, lowerCaseTags: true },
  );

  function closeCell(t: OpenTable) {
    const c = t.cell;
    if (!c || !t.row) return;
    flushCellPara(t);
    const at = t.row.length;
    t.row.push({ paras: c.paras, marks: [], span: c.span });
    for (let k = 1; k < c.span; k++) t.row.push({ paras: [], marks: [], span: 1, spanned: true });
    if (c.rowSpan > 1) for (let k = 0; k < c.span; k++) t.carry[at + k] = c.rowSpan - 1;
    t.cell = null;
  }
  function closeRow(t: OpenTable) {
    closeCell(t);
    if (!t.row) return;
    fillCarried(t);
    t.rows.push({ cells: t.row, table: t.id, at: 0 });
    t.row = null;
  }

  parser.write(html);
  parser.end();
  while (tables.length > 0) {
    const t = tables.pop()!;
    closeRow(t);
    for (const line of t.rows) lines.push({ ...line, at: lines.length + 1 });
  }
  flushOutside();
  return { format: 'text', lines };
}
