/**
 * The identity page of the regulation's template: the header block (instansi on the left; Nomor
 * SOP, the dates, Disahkan oleh and Nama SOP on the right) and the paired sections below it
 * (Dasar Hukum | Kualifikasi Pelaksana, Keterkaitan | Peralatan/Perlengkapan, Peringatan |
 * Pencatatan dan Pendataan). A long SOP continues on the next page, row by row.
 */
import { textWidth } from '../graphics/fonts.js';
import { SHEET, tanggal } from '../messages/sheet.js';
import type { SopDefinition } from '../sop/definition.js';
import type { Cell, Page } from './model.js';
import { placeRows, rowsThatFit, setParas, textHeight, type Para, type Rows } from './text.js';

const ID = { instansi: 9.5, label: 7.8, value: 7.8, section: 7.8, item: 7.4, pad: 4.5 } as const;

interface Block {
  /** Cells of one table row, relative to the row's top; split only between text rows. */
  cells: { kind: Cell['kind']; x: number; w: number; rows: Rows; size: number; fill?: string }[];
  height: number;
}

export function layoutIdentityPages(def: SopDefinition, width: number, height: number, margin: number): Page[] {
  const x0 = margin;
  const iw = width - 2 * margin;
  const t = SHEET.identity;
  const leftW = iw * 0.4;
  const labelW = iw * 0.16;
  const valueW = iw - leftW - labelW;
  const id = def.identity;

  // Header block: the instansi cell spans the metadata rows beside it.
  const meta: [string, string, boolean][] = [
    [t.nomor, id.nomor, false],
    [t.tanggalPembuatan, tanggal(id.tanggalPembuatan), false],
    [t.tanggalRevisi, tanggal(id.tanggalRevisi), false],
    [t.tanggalEfektif, tanggal(id.tanggalEfektif), false],
    [t.disahkanOleh, id.disahkanOleh, false],
    [t.nama, id.nama, true],
  ];
  const metaRows = meta.map(([label, value, bold]) => {
    const l = setParas([{ text: label }], labelW - 2 * ID.pad, ID.label);
    const v = setParas([{ text: value, weight: bold ? 'bold' : 'regular' }], valueW - 2 * ID.pad, ID.value);
    return { l, v, h: Math.max(textHeight(l.length, ID.label), textHeight(v.length, ID.value)) + 2 * ID.pad };
  });
  const instansi = setParas(id.instansi.map((text) => ({ text, weight: 'bold' as const })), leftW - 4 * ID.pad, ID.instansi);
  const metaH = metaRows.reduce((a, r) => a + r.h, 0);
  const headerH = Math.max(metaH, textHeight(instansi.length, ID.instansi) + 4 * ID.pad);

  const half = iw / 2;
  const list = (items: string[]): Para[] => (items.length ? items.map((text, i) => ({ text, marker: `${i + 1}.` })) : [{ text: t.empty }]);
  const related = def.keterkaitan.map((k) => (k.sopId ? t.relatedId(k.title, k.sopId) : k.title));
  const pairs: [string, string[], string, string[]][] = [
    [t.dasarHukum, def.dasarHukum, t.kualifikasi, def.kualifikasiPelaksana],
    [t.keterkaitan, related, t.peralatan, def.peralatan],
    [t.peringatan, def.peringatan, t.pencatatan, def.pencatatan],
  ];
  const blocks: Block[] = [];
  for (const [la, a, lb, b] of pairs) {
    const heads = [la, lb].map((text) => setParas([{ text: `${text.toUpperCase()}:`, weight: 'bold' }], half - 2 * ID.pad, ID.section));
    blocks.push({
      cells: heads.map((rows, i) => ({ kind: 'identity-section', x: x0 + i * half, w: half, rows, size: ID.section, fill: '#eef1f4' })),
      height: Math.max(...heads.map((r) => textHeight(r.length, ID.section))) + 2 * ID.pad,
    });
    const bodies = [a, b].map((items) => setParas(list(items), half - 2 * ID.pad, ID.item));
    blocks.push({
      cells: bodies.map((rows, i) => ({ kind: 'identity-value', x: x0 + i * half, w: half, rows, size: ID.item })),
      height: Math.max(...bodies.map((r) => textHeight(r.length, ID.item))) + 2 * ID.pad,
    });
  }

  const pages: Page[] = [];
  const newPage = (): Page => {
    const page: Page = { number: 0, kind: 'identity', width, height, cells: [], symbols: [], arrows: [], texts: [], swatches: [] };
    pages.push(page);
    return page;
  };
  let page = newPage();
  let y = margin;

  // The header block is drawn whole on the first page.
  page.cells.push({
    kind: 'identity-instansi',
    x: x0,
    y,
    w: leftW,
    h: headerH,
    lines: centredRows(instansi, x0, leftW, y + (headerH - textHeight(instansi.length, ID.instansi)) / 2, ID.instansi),
  });
  let my = y;
  for (const r of metaRows) {
    const h = r === metaRows[metaRows.length - 1] ? headerH - (my - y) : r.h;
    page.cells.push({ kind: 'identity-label', x: x0 + leftW, y: my, w: labelW, h, lines: placeRows(r.l, x0 + leftW + ID.pad, my + ID.pad, ID.label, labelW - 2 * ID.pad), fill: '#f6f7f9' });
    page.cells.push({ kind: 'identity-value', x: x0 + leftW + labelW, y: my, w: valueW, h, lines: placeRows(r.v, x0 + leftW + labelW + ID.pad, my + ID.pad, ID.value, valueW - 2 * ID.pad) });
    my += h;
  }
  y += headerH;

  // The sections, continued on a new page where a row does not fit; a row taller than a whole
  // page is split between its text lines.
  const bottom = height - margin - 10;
  for (const block of blocks) {
    let from = block.cells.map(() => 0);
    let remaining = block.height;
    while (remaining > 0) {
      const room = bottom - y;
      if (remaining <= room) {
        drawBlock(page, block, from, Infinity, y);
        y += remaining;
        break;
      }
      const size = Math.max(...block.cells.map((c) => c.size));
      const fitRows = rowsThatFit(room - 2 * ID.pad, size);
      const atTop = y <= margin + 0.01;
      if (atTop && fitRows < 1) throw new Error('page too small for the identity sections');
      // Split here when two lines fit (one alone would be a stray line), or always on a fresh page.
      if (fitRows >= 2 || atTop) {
        const h = drawBlock(page, block, from, fitRows, y);
        from = from.map((f, i) => Math.min(block.cells[i]!.rows.length, f + fitRows));
        remaining = Math.max(...block.cells.map((c, i) => (c.rows.length - from[i]! > 0 ? textHeight(c.rows.length - from[i]!, c.size) + 2 * ID.pad : 0)));
        y += h;
      }
      page = newPage();
      y = margin;
    }
  }
  return pages;
}

/** Draws rows [from, from + count) of each cell of a block; returns the height used. */
function drawBlock(page: Page, block: Block, from: number[], count: number, y: number): number {
  const slices = block.cells.map((c, i) => c.rows.slice(from[i], from[i]! + count));
  const h = Math.max(...block.cells.map((c, i) => textHeight(slices[i]!.length, c.size))) + 2 * ID.pad;
  block.cells.forEach((c, i) => {
    page.cells.push({ kind: c.kind, x: c.x, y, w: c.w, h, lines: placeRows(slices[i]!, c.x + ID.pad, y + ID.pad, c.size, c.w - 2 * ID.pad), ...(c.fill ? { fill: c.fill } : {}) });
  });
  return h;
}

function centredRows(rows: Rows, x: number, w: number, y: number, size: number) {
  const lines = placeRows(rows, x, y, size, w);
  return lines.map((l) => ({ ...l, x: x + (w - textWidth(l.text, size, l.weight)) / 2 }));
}
