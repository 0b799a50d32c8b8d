/**
 * The text/HTML export of an SOP, as the five seed documents are: one line per table row with
 * tab-separated cells (or `| a | b |` rows), lists flattened as `<ol>1. A2. B</ol>`, paragraphs
 * as `<p>`, italics as `<i>`, bold letterheads as `**...**` spanning lines.
 */
import { clean, type Cell, type DocumentModel, type Line, type Para } from './model.js';

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };

export function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, name: string) => {
    if (name[0] === '#') {
      const code = name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
      return Number.isFinite(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return ENTITIES[name.toLowerCase()] ?? whole;
  });
}

/** Bytes to text: UTF-8 (with or without BOM), else Windows-1252, which old Word exports use. */
export function decodeText(bytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    return new TextDecoder('windows-1252').decode(bytes);
  }
}

const MARKDOWN_RULE = /^\s*\|?[\s:|-]*-[\s:|-]*\|?\s*$/;

export function readText(text: string): DocumentModel {
  const lines: Line[] = [];
  let table = 0;
  let inTable = false;
  let bold = false;
  const raw = text.replace(/\r\n?/g, '\n').split('\n');
  raw.forEach((source, i) => {
    const at = i + 1;
    let content = source;
    // "**PEMERINTAH ...\nBADAN ...**": bold that opens on one line and closes on a later one.
    const opens = /^\s*\*\*/.test(content);
    const closes = /\*\*\s*$/.test(content);
    const lineBold = bold || opens;
    if (opens) content = content.replace(/^\s*\*\*/, '');
    if (closes && (lineBold || opens)) content = content.replace(/\*\*\s*$/, '');
    bold = lineBold && !closes;

    const isMarkdownRow = /^\s*\|.*\|\s*$/.test(content);
    if (isMarkdownRow && MARKDOWN_RULE.test(content)) return;
    const cellsRaw = isMarkdownRow
      ? content.trim().slice(1, -1).split('|')
      : content.includes('\t')
        ? content.split('\t')
        : null;
    if (cellsRaw === null) {
      inTable = false;
      lines.push({ cells: [htmlCell(content, lineBold)], table: null, at });
      return;
    }
    if (!inTable) table++;
    inTable = true;
    lines.push({ cells: cellsRaw.map((c) => htmlCell(c, lineBold)), table, at });
  });
  return { format: 'text', lines };
}

/**
 * One cell of the export: `<p>` blocks become paragraphs, the text after `<ol>`/`<ul>` one
 * glued list paragraph, other tags are dropped (their text kept).
 */
export function htmlCell(raw: string, bold = false): Cell {
  const paras: Para[] = [];
  const push = (text: string, list?: Para['list']) => {
    const t = clean(decodeEntities(text.replace(/<[^>]*>/g, ' ').replace(/\*\*/g, '')));
    if (t === '') return;
    paras.push({ text: t, ...(list ? { list, glued: true } : {}), ...(bold ? { bold } : {}) });
  };
  // Inline formatting must not split words: "<i>Intake data</i>" is one phrase.
  const normalized = raw.replace(/<\/?(i|em|b|strong|u|span|font|sup|sub)\b[^>]*>/gi, '');
  const listAt = normalized.search(/<(ol|ul)\b/i);
  const before = listAt >= 0 ? normalized.slice(0, listAt) : normalized;
  for (const block of before.split(/<\/?p\b[^>]*>|<br\s*\/?>/i)) push(block);
  if (listAt >= 0) {
    const kind = /^<ol/i.test(normalized.slice(listAt)) ? 'ordered' : 'bullet';
    push(normalized.slice(listAt), kind);
  }
  return { paras, marks: [], span: 1 };
}
