/**
 * The laid-out sheet: pages of positioned cells, symbols, arrows and text lines, in points
 * (1/72 inch) from the page's top left corner. Pure data: the SVG writer draws it, the tests
 * measure it, and nothing here knows a file format.
 */
import type { FontWeight } from '../graphics/fonts.js';
import type { StepState } from './case-view.js';
import type { EdgeKind, Shape } from './graph.js';

/** The file formats and papers a sheet is rendered in; here, not beside the renderers, so that a
 * command can check its options without loading fonts, resvg and pdfkit. */
export type SheetFormat = 'svg' | 'png' | 'pdf';
export const SHEET_FORMATS: readonly SheetFormat[] = ['svg', 'png', 'pdf'];
export type Paper = 'a4' | 'f4';
export const PAPERS: readonly Paper[] = ['a4', 'f4'];

export interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** One line of text; `y` is the baseline, `x` the start (every line is drawn start-anchored). */
export interface TextLine {
  x: number;
  y: number;
  text: string;
  size: number;
  weight: FontWeight;
  fill?: string;
}

export type CellKind =
  | 'no'
  | 'kegiatan'
  | 'role'
  | 'kelengkapan'
  | 'waktu'
  | 'output'
  | 'keterangan'
  | 'head'
  | 'head-role'
  | 'identity-instansi'
  | 'identity-label'
  | 'identity-value'
  | 'identity-section'
  | 'band';

/** A table cell: its box, its text (inside the box), and what it is for the tests and the SVG. */
export interface Cell extends Box {
  kind: CellKind;
  lines: TextLine[];
  /** The step of the row (flow table body). */
  step?: string;
  /** The role of a Pelaksana column (its header and body cells). */
  role?: string;
  fill?: string;
  /** No border: a cell only there to hold text (a title). */
  borderless?: boolean;
}

export type SymbolShape = Shape | 'connector';

export interface SymbolItem {
  kind: 'step' | 'end' | 'connector';
  shape: SymbolShape;
  /** One box per run of adjacent columns: a joint step over columns 1 and 3 has two. */
  parts: Box[];
  /** Lines joining the parts of a joint step that are not adjacent. */
  joins: { x1: number; y: number; x2: number }[];
  /** Text inside the symbol ("Mulai", a connector's number). */
  label?: TextLine;
  step?: string;
  /** The edge an end terminator closes, or a connector carries. */
  edge?: string;
  /** Off-page connectors: the number shared by both ends. */
  number?: number;
  /** Case overlay. */
  state?: StepState;
  visits?: number;
  /** A reached end terminator or a taken connector. */
  taken?: boolean;
  /** The step's Pelaksana was read from the text (a small mark beside the number). */
  inferred?: boolean;
}

export interface Arrow {
  edge: string;
  kind: EdgeKind;
  from: string;
  to: string;
  /** The polyline; the head is at the last point. */
  points: [number, number][];
  dashed: boolean;
  label?: TextLine;
  /** A transition split at a page break: the part to the connector, and the part from it. */
  part: 'whole' | 'out' | 'in';
  connector?: number;
  /** Case overlay: the case went along it (count). */
  taken?: number;
}

export interface Swatch {
  box: Box;
  kind: 'visited' | 'open' | 'overdue' | 'cancelled' | 'path' | 'returned';
}

export interface Page {
  /** 1-based, over the whole document. */
  number: number;
  kind: 'identity' | 'flow';
  width: number;
  height: number;
  cells: Cell[];
  symbols: SymbolItem[];
  arrows: Arrow[];
  /** Titles, notes, page numbers, legend words: text outside the table cells. */
  texts: TextLine[];
  swatches: Swatch[];
  /** The table's Pelaksana area on a flow page (where arrows and their labels live). */
  flowArea?: Box;
}

export interface SheetLayout {
  pages: Page[];
  title: string;
}
