/**
 * The neutral document model both readers produce: a document is a list of lines, each line a
 * row of cells. A paragraph of the document is a line of one cell (or of several, when it was
 * laid out with tabs); a table row is a line whose cells sit on the table's grid, merged cells
 * already resolved. Cells keep their paragraphs (a list item is a paragraph) and the shapes or
 * symbols anchored in them, because that is where a swimlane mark survives.
 *
 * Keeping DOCX and the text export in one shape lets a single extractor read both, and lets
 * the messy cases (labels stacked apart, rows glued together) be handled once.
 */

export interface Para {
  text: string;
  /** A list item: "ordered" (numbered) or "bullet". */
  list?: 'ordered' | 'bullet';
  /**
   * The list's items were flattened into this one text (the text export writes
   * `<ol>1. A2. B</ol>`), so they still have to be split at their markers.
   */
  glued?: boolean;
  bold?: boolean;
}

/** A flowchart shape as PermenPAN-RB 35/2012 draws it. */
export type ShapeKind = 'terminator' | 'process' | 'decision' | 'connector' | 'arrow' | 'other';

/** A shape or symbol anchored in a cell: the swimlane mark of a row. */
export interface Mark {
  shape: ShapeKind;
  /** Text written inside the shape ("MULAI", "3"), if any. */
  text?: string;
  /** How it was found, for the reason written next to an inferred value. */
  source: 'drawing' | 'vml' | 'symbol';
}

export interface Cell {
  paras: Para[];
  marks: Mark[];
  /** How many grid columns this cell covers (gridSpan); the covered columns follow as `spanned` cells. */
  span: number;
  /** A placeholder for a grid column covered by the cell to its left. */
  spanned?: boolean;
  /** A vertically merged cell continuing the one above (vMerge); it has no text of its own. */
  continued?: boolean;
}

export interface Line {
  cells: Cell[];
  /** Which table of the document the line is a row of; null for a paragraph. */
  table: number | null;
  /** 1-based line of the text file, or the paragraph/row counter of a DOCX, for messages. */
  at: number;
  /** A row Word repeats at the top of every page (w:tblHeader). */
  repeatedHeader?: boolean;
}

export interface DocumentModel {
  format: 'docx' | 'text';
  lines: Line[];
}

const SPACE = /[\s\u00a0]+/g;

/** Whitespace collapsed and trimmed: how every text of a draft is written. */
export function clean(text: string): string {
  return text.replace(SPACE, ' ').trim();
}

/** A cell's text, its paragraphs joined by a space. */
export function cellText(cell: Cell | undefined): string {
  if (!cell) return '';
  return clean(cell.paras.map((p) => p.text).join(' '));
}

export function lineTexts(line: Line): string[] {
  return line.cells.map(cellText);
}

export function isBlankLine(line: Line): boolean {
  return line.cells.every((c) => cellText(c) === '' && c.marks.length === 0);
}
