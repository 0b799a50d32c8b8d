/**
 * The document model read as an SOP of PermenPAN-RB 35/2012: the identity block, the paired
 * sections, the Pelaksana columns of the activity table and every row with its Mutu Baku and
 * Keterangan, text as written. Nothing here decides what a row means (that is infer.ts); it
 * only finds where each part is, and records what it found odd so the admin can be asked.
 *
 * Layouts differ between documents and between pages of one document: a header row shifted by
 * a cell against its data rows, an extra empty cell in some rows, labels of the identity block
 * stacked apart from their values. So positions are found from content where content can tell
 * (the Waktu cell is the one that reads as a time), and from the header only where it cannot.
 */
import { parseWaktu } from '../calendar/waktu.js';
import { ImportError } from './errors.js';
import { splitList } from './lists.js';
import { cellText, clean, isBlankLine, lineTexts, type Cell, type DocumentModel, type Line, type Mark, type Para } from './model.js';

export type SectionKey = 'dasarHukum' | 'kualifikasiPelaksana' | 'keterkaitan' | 'peralatan' | 'peringatan' | 'pencatatan';
export type IdentityKey = 'nomor' | 'nama' | 'tanggalPembuatan' | 'tanggalRevisi' | 'tanggalEfektif' | 'disahkanOleh';

/** Something the extractor noticed that the admin should know; turned into words by the inferrer. */
export type Finding =
  | { kind: 'identity-stacked'; labels: string[] }
  | { kind: 'identity-conflict'; key: IdentityKey; first: string; second: string }
  | { kind: 'role-name-variants'; names: string[]; chosen: string }
  | { kind: 'header-data-mismatch'; headerRoles: number; dataRoles: number }
  | { kind: 'glued-rows'; at: number; first: string; second: string }
  | { kind: 'waktu-split'; at: number; waktu: string }
  | { kind: 'stray-line'; at: number; text: string }
  | { kind: 'mark-outside-roles'; at: number; no: string; column: number }
  | { kind: 'columns-by-order'; names: string[] };

export interface RawField {
  text: string;
  paras: Para[];
}

export interface RawMark {
  /** Index into RawSop.roles. */
  role: number;
  mark: Mark;
}

export interface RawRow {
  /** The number as written ("3", "5a"), or null for an unnumbered row. */
  no: string | null;
  kegiatan: string;
  marks: RawMark[];
  kelengkapan: RawField;
  waktu: string;
  output: RawField;
  keterangan: RawField;
  /** Line of the source, for messages. */
  at: number;
  /** Marks of connector-only rows (no number, no text) just above this row. */
  connectorsAbove: RawMark[];
  /** The row was not laid out as a table row (text without cells). */
  loose?: boolean;
}

export interface RawRole {
  name: string;
  /** Every heading this column had on the pages of the table ("Kelbid.", "Kabid."). */
  variants: string[];
}

export interface RawSection {
  heading: string;
  items: string[];
  /** How the items were separated, when the source did not mark them as a list. */
  how: ReturnType<typeof splitList>['how'] | 'paragraphs' | 'empty';
  skipped: number[];
}

export interface RawSop {
  identity: Partial<Record<IdentityKey, { text: string; label: string; at: number }>>;
  /** Instansi lines and where they came from. */
  instansi: { lines: string[]; from: 'identity' | 'letterhead' | 'heading'; joined?: string };
  letterhead: string[];
  /** Lines of the signature under the table ("KEPALA ...", name, NIP). */
  signature: string[];
  sections: Partial<Record<SectionKey, RawSection>>;
  roles: RawRole[];
  rows: RawRow[];
  /** "Waktu (menit)": the table's unit for bare numbers. */
  waktuHeading: string;
  hasKeterangan: boolean;
  konversi?: { jam: number; hari: number; minggu: number; text: string };
  findings: Finding[];
  /** First and last line of this SOP in the source. */
  span: [number, number];
}

// ---------------------------------------------------------------------------------------
// Words of the format

const IDENTITY_LABELS: [IdentityKey, RegExp][] = [
  ['nomor', /^(nomor|no\.?)(\s+sop)?$/i],
  ['tanggalPembuatan', /^tanggal\s+pembuatan$/i],
  ['tanggalRevisi', /^tanggal\s+revisi$/i],
  ['tanggalEfektif', /^tanggal\s+(efektif|pengesahan|berlaku)$/i],
  ['disahkanOleh', /^disahkan\s+oleh$/i],
  ['nama', /^(nama|judul)(\s+sop)?$/i],
];

const SECTION_HEADINGS: [SectionKey, RegExp][] = [
  ['dasarHukum', /^dasar\s+hukum\b/i],
  ['kualifikasiPelaksana', /^kualifikasi\s+pelaksana/i],
  ['keterkaitan', /^keterkaitan\b/i],
  ['peralatan', /^(peralatan|perlengkapan|sarana\b|alat\b)/i],
  ['peringatan', /^peringatan\b/i],
  ['pencatatan', /^pencatatan\b/i],
];

const NO_HEADING = /^(no\.?|nomor|no\.?\s*urut)$/i;
const KEGIATAN_HEADING = /^(kegiatan|aktivitas|uraian(\s+kegiatan)?|uraian\s+prosedur)$/i;
const GROUP_HEADING = /^(pelaksana(an)?|mutu\s+baku|ket\.?|keterangan)$/i;
const KELENGKAPAN_HEADING = /^(persyaratan\s*\/?\s*)?kelengkapan$|^persyaratan$/i;
const WAKTU_HEADING = /^waktu\b/i;
const OUTPUT_HEADING = /^(output|keluaran)$/i;
const KETERANGAN_HEADING = /^(ket\.?|keterangan)$/i;

const labelText = (text: string) => clean(text.replace(/:\s*$/, '').replace(/\s*\/\s*/g, '/').replace(/\s+/g, ' '));

function identityKey(text: string): IdentityKey | undefined {
  const t = labelText(text);
  return IDENTITY_LABELS.find(([, re]) => re.test(t))?.[0];
}

function sectionKey(text: string): SectionKey | undefined {
  const t = labelText(text);
  if (t.length > 60) return undefined;
  return SECTION_HEADINGS.find(([, re]) => re.test(t))?.[0];
}

function isTableHeader(line: Line): boolean {
  const texts = lineTexts(line).map(labelText);
  return texts.some((t) => NO_HEADING.test(t)) && texts.some((t) => KEGIATAN_HEADING.test(t));
}

const STEP_NO = /^(\d{1,3})([a-z])?\.?$/i;

/** A Mutu Baku Waktu as the seeds write it, or a near miss worth trying as one. */
export function looksLikeWaktu(text: string): boolean {
  const t = clean(text);
  if (t === '' || t === '-') return false;
  try {
    const w = parseWaktu(t);
    if (w.kind !== 'none') return true;
  } catch {
    // fall through to the looser patterns
  }
  return /^[\d.,\s\-–]+\s*(menit|mnt|jam|hari|minggu|pekan|bulan)\b/i.test(t) || /^(menyesuaikan|maksimal|paling lambat|selambat)/i.test(t);
}

/** A cell of a role column that holds a swimlane mark written as text. */
function textMark(cell: Cell): Mark | undefined {
  const t = cellText(cell);
  if (t === '') return undefined;
  if (/^(mulai|start|selesai|finish|end)$/i.test(t)) return { shape: 'terminator', text: t, source: 'symbol' };
  if (/^[○◯⬭⬬●⊂⊃()]+$/.test(t)) return { shape: 'terminator', text: t, source: 'symbol' };
  if (/^[□▭▯■☐]+$/.test(t)) return { shape: 'process', text: t, source: 'symbol' };
  if (/^[◇◆⬦⬥♦]+$/.test(t)) return { shape: 'decision', text: t, source: 'symbol' };
  if (/^[▽▼⬠⌂]+$/.test(t)) return { shape: 'connector', text: t, source: 'symbol' };
  if (/^[→←↓↑➔➜⟶]+$/.test(t)) return { shape: 'arrow', text: t, source: 'symbol' };
  if (/^\d{1,3}[a-z]?$/i.test(t)) return { shape: 'process', text: t, source: 'symbol' };
  if (/^[x✓✔√v]$/i.test(t)) return { shape: 'process', text: t, source: 'symbol' };
  // A short word in a Pelaksana cell is a mark; a sentence there is text out of place.
  return t.length <= 12 ? { shape: 'other', text: t, source: 'symbol' } : undefined;
}

// ---------------------------------------------------------------------------------------

/** Every SOP of a document, in order. Throws ImportError when there is none. */
export function extractSops(model: DocumentModel): RawSop[] {
  const { lines } = model;
  const headerLines = lines.map((l, i) => (isTableHeader(l) ? i : -1)).filter((i) => i >= 0);
  if (headerLines.length === 0) {
    const anyIdentity = lines.some((l) => l.cells.some((c) => identityKey(cellText(c))));
    throw new ImportError(anyIdentity ? 'no_table' : 'not_sop');
  }
  return segment(lines).map(([from, to]) => extractOne(lines, from, to));
}

/**
 * Where each SOP of the file begins and ends. A new SOP begins at a "Nomor SOP" label that
 * comes after rows of an activity table; its signature (up to the last NIP after the table)
 * stays with the SOP before.
 */
function segment(lines: Line[]): [number, number][] {
  const starts = [0];
  let sawRows = false;
  let lastRow = -1;
  lines.forEach((line, i) => {
    if (isTableHeader(line)) return;
    const texts = lineTexts(line);
    if (line.table !== null && STEP_NO.test(texts[0] ?? '') && texts.filter((t) => t !== '').length >= 2) {
      sawRows = true;
      lastRow = i;
      return;
    }
    if (sawRows && texts.some((t) => identityKey(t) === 'nomor')) {
      let start = lastRow + 1;
      for (let j = lastRow + 1; j < i; j++) if (/\bNIP\b/.test(lineTexts(lines[j]!).join(' '))) start = j + 1;
      starts.push(Math.min(start, i));
      sawRows = false;
    }
  });
  return starts.map((s, k) => [s, (starts[k + 1] ?? lines.length) - 1]);
}

function extractOne(all: Line[], from: number, to: number): RawSop {
  const lines = all.slice(from, to + 1);
  const findings: Finding[] = [];
  const firstHeader = lines.findIndex(isTableHeader);
  if (firstHeader < 0) throw new ImportError('no_table');
  const front = lines.slice(0, firstHeader);

  const table = readTable(lines.slice(firstHeader), findings);
  const sop: RawSop = {
    identity: {},
    instansi: { lines: [], from: 'identity' },
    letterhead: [],
    signature: table.trailing.signature,
    sections: {},
    roles: table.roles,
    rows: table.rows,
    waktuHeading: table.waktuHeading,
    hasKeterangan: table.hasKeterangan,
    findings,
    span: [lines[0]?.at ?? 0, lines[lines.length - 1]?.at ?? 0],
  };
  readFrontMatter(front, sop);
  // A repeated identity block above the table (KemenkumHAM) is read as the front matter is.
  const konversi = readKonversi(lines);
  if (konversi) sop.konversi = konversi;
  return sop;
}

// ---------------------------------------------------------------------------------------
// Front matter: identity block, letterhead, paired sections

function readFrontMatter(lines: Line[], sop: RawSop) {
  const pending: { key: IdentityKey; label: string }[] = [];
  const leftOfLabels: string[] = [];
  const headings: string[] = [];
  let sectionHeads: { key: SectionKey; heading: string; column: number }[] | null = null;
  let vertical: { key: SectionKey; heading: string; paras: Para[] } | null = null;

  const setIdentity = (key: IdentityKey, label: string, raw: string, at: number) => {
    const text = clean(raw.replace(/^:\s*/, ''));
    const existing = sop.identity[key];
    if (existing && existing.text !== '') {
      if (clean(existing.text) !== text && text !== '') {
        sop.findings.push({ kind: 'identity-conflict', key, first: existing.text, second: text });
      }
      return;
    }
    sop.identity[key] = { text, label, at };
  };
  const closeVertical = () => {
    if (vertical) sop.sections[vertical.key] = sectionItems(vertical.heading, vertical.paras);
    vertical = null;
  };

  for (const line of lines) {
    const texts = lineTexts(line);
    if (isBlankLine(line)) continue;

    // A row of paired section headings: its contents are the next line's cells, column by column.
    const heads = texts.map((t, column) => ({ t, column })).filter(({ t }) => t !== '');
    if (heads.length > 0 && heads.every(({ t }) => sectionKey(t))) {
      closeVertical();
      const found = heads.map(({ t, column }) => ({ key: sectionKey(t)!, heading: labelText(t), column }));
      if (found.length === 1 && line.cells.length === 1) {
        vertical = { key: found[0]!.key, heading: found[0]!.heading, paras: [] };
        sectionHeads = null;
      } else {
        sectionHeads = found;
      }
      continue;
    }
    if (sectionHeads) {
      for (const head of sectionHeads) {
        const cell = line.cells[head.column];
        sop.sections[head.key] = sectionItems(head.heading, cell?.paras ?? []);
      }
      sectionHeads = null;
      continue;
    }

    // Identity labels, with their value in the next cell, or later when stacked apart.
    let labelled = false;
    line.cells.forEach((cell, c) => {
      const text = cellText(cell);
      const inline = /^([^:]{3,30}?)\s*:\s*(.+)$/.exec(text);
      const key = identityKey(text) ?? (inline ? identityKey(inline[1]!) : undefined);
      if (!key) return;
      labelled = true;
      if (vertical) closeVertical();
      if (c > 0 && !line.cells.slice(0, c).some((x) => identityKey(cellText(x)))) {
        const left = line.cells
          .slice(0, c)
          .map(cellText)
          .filter((t) => t !== '');
        leftOfLabels.push(...left.map((t) => t));
        for (const cellLeft of line.cells.slice(0, c)) {
          if (cellLeft.paras.length > 1) leftOfLabels.splice(leftOfLabels.length - left.length, left.length, ...cellLeft.paras.map((p) => clean(p.text)));
        }
      }
      if (inline && !identityKey(text)) {
        setIdentity(key, labelText(inline[1]!), inline[2]!, line.at);
        return;
      }
      const value = line.cells.slice(c + 1).find((x) => cellText(x) !== '' && !identityKey(cellText(x)));
      const valueIndex = value ? line.cells.indexOf(value) : -1;
      const labelBetween = line.cells.slice(c + 1, valueIndex < 0 ? c + 1 : valueIndex).some((x) => identityKey(cellText(x)));
      if (value && !labelBetween) setIdentity(key, labelText(text), cellText(value), line.at);
      // A label with an empty cell after it is an empty field of the identity table; a label
      // that ends its line has its value somewhere below (labels stacked apart from values).
      else if (c < line.cells.length - 1) setIdentity(key, labelText(text), '', line.at);
      else pending.push({ key, label: labelText(text) });
    });
    if (labelled) continue;

    // A value line for labels that came stacked apart from their values.
    if (pending.length > 0) {
      const value = texts.find((t) => t !== '');
      if (value !== undefined) {
        const p = pending.shift()!;
        setIdentity(p.key, p.label, value, line.at);
        if (pending.length === 0) sop.findings.push({ kind: 'identity-stacked', labels: [] });
        continue;
      }
    }

    if (vertical) {
      vertical.paras.push(...line.cells.flatMap((c) => c.paras));
      continue;
    }
    if (line.cells.length === 1) {
      const para = line.cells[0]!.paras;
      if (para.some((p) => p.bold)) sop.letterhead.push(...para.map((p) => clean(p.text)));
      else headings.push(...para.map((p) => clean(p.text)));
    }
  }
  closeVertical();
  if (sop.findings.some((f) => f.kind === 'identity-stacked')) {
    sop.findings = sop.findings.filter((f) => f.kind !== 'identity-stacked');
    sop.findings.push({ kind: 'identity-stacked', labels: Object.keys(sop.identity) });
  }

  const institution = /^(PEMERINTAH|PEMERINAH|KEMENTERIAN|BADAN|LEMBAGA|DINAS|KANTOR|SEKRETARIAT|INSPEKTORAT|BIRO|PUSAT|BALAI|BIDANG|UNIT|UPT|BAGIAN|DIREKTORAT|DEPUTI|KOMISI)\b/;
  const left = leftOfLabels.filter((t) => institution.test(t));
  if (left.length > 0) {
    sop.instansi = left.length === 1 ? { lines: splitInstansi(left[0]!), from: 'identity', joined: left[0]! } : { lines: left, from: 'identity' };
  } else if (sop.letterhead.some((t) => institution.test(t))) {
    sop.instansi = { lines: sop.letterhead.filter((t) => institution.test(t)), from: 'letterhead' };
  } else {
    // The unit's names at the top, one per line, or run together on one line.
    const found = headings.filter((t) => institution.test(t) && t === t.toUpperCase()).slice(0, 4);
    if (found.length === 1) sop.instansi = { lines: splitInstansi(found[0]!), from: 'heading', joined: found[0]! };
    else if (found.length > 1) sop.instansi = { lines: found, from: 'heading' };
  }
  if (sop.instansi.lines.length === 1 && sop.instansi.joined === sop.instansi.lines[0]) delete sop.instansi.joined;
}

/** "KEMENTERIAN X BADAN Y BALAI Z" into its three lines: one per institution head word. */
export function splitInstansi(text: string): string[] {
  const words = clean(text).split(' ');
  const heads = /^(PEMERINTAH|PEMERINAH|KEMENTERIAN|BADAN|BPSDM|LEMBAGA|DINAS|KANTOR|SEKRETARIAT|INSPEKTORAT|BIRO|PUSAT|BALAI|BIDANG|UNIT|UPT|BAGIAN|DIREKTORAT|DEPUTI|KOMISI)$/;
  const out: string[][] = [];
  for (const w of words) {
    const current = out[out.length - 1];
    if (current && current.length >= 2 && heads.test(w)) out.push([w]);
    else if (current) current.push(w);
    else out.push([w]);
  }
  return out.map((ws) => ws.join(' '));
}

function sectionItems(heading: string, paras: Para[]): RawSection {
  const texts = paras.map((p) => ({ ...p, text: clean(p.text) })).filter((p) => p.text !== '');
  if (texts.length === 0 || (texts.length === 1 && /^-+$/.test(texts[0]!.text))) return { heading, items: [], how: 'empty', skipped: [] };
  const items: string[] = [];
  let how: RawSection['how'] = 'paragraphs';
  const skipped: number[] = [];
  for (const p of texts) {
    // DOCX list items are paragraphs of their own: one item each.
    if (texts.length > 1 && !p.glued) {
      items.push(p.text);
      continue;
    }
    const split = splitList(p.text);
    // A lone paragraph that reads as one item is one item; only a list whose markers were lost is in doubt.
    if (split.how !== 'single' || p.glued) how = split.how;
    skipped.push(...split.skipped);
    items.push(...split.items.map((i) => i.text));
  }
  return { heading, items, how, skipped };
}

// ---------------------------------------------------------------------------------------
// The activity table

interface Page {
  /** Column index → heading text, from the header line(s). */
  names: Map<number, string>;
  kegiatanCol: number;
  waktuCol: number;
  kelengkapanCol: number;
  outputCol: number;
  keteranganCol: number;
  width: number;
}

interface TableRead {
  roles: RawRole[];
  rows: RawRow[];
  waktuHeading: string;
  hasKeterangan: boolean;
  trailing: { signature: string[] };
}

function readPage(headerLines: Line[]): Page {
  const names = new Map<number, string>();
  let kegiatanCol = 1;
  let waktuCol = -1;
  let kelengkapanCol = -1;
  let outputCol = -1;
  let keteranganCol = -1;
  let width = 0;
  // Deeper header rows win: "PELAKSANA" over a column is a group, the name is below it.
  headerLines.forEach((line) => {
    width = Math.max(width, line.cells.length);
    line.cells.forEach((cell, i) => {
      const t = labelText(cellText(cell));
      if (t === '' || cell.spanned) return;
      if (KEGIATAN_HEADING.test(t)) kegiatanCol = i;
      else if (NO_HEADING.test(t)) return;
      else if (WAKTU_HEADING.test(t)) waktuCol = i;
      else if (KELENGKAPAN_HEADING.test(t)) kelengkapanCol = i;
      else if (OUTPUT_HEADING.test(t)) outputCol = i;
      else if (KETERANGAN_HEADING.test(t)) keteranganCol = i;
      else if (!GROUP_HEADING.test(t)) names.set(i, cellText(cell));
    });
  });
  const mutuStart = kelengkapanCol >= 0 ? kelengkapanCol : waktuCol >= 0 ? waktuCol : Infinity;
  for (const i of [...names.keys()]) if (i <= kegiatanCol || i >= mutuStart) names.delete(i);
  return { names, kegiatanCol, waktuCol, kelengkapanCol, outputCol, keteranganCol, width };
}

function readTable(lines: Line[], findings: Finding[]): TableRead {
  const pages: Page[] = [];
  const rows: RawRow[] = [];
  let page: Page | undefined;
  let headerBlock: Line[] = [];
  const rowLines: { line: Line; page: Page; kind: 'row' | 'loose' | 'connector' }[] = [];
  let lastRowIndex = -1;
  let waktuHeading = 'Waktu';
  let hasKeterangan = false;

  // Pass 1: classify lines into header blocks, data rows and the rest.
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (isTableHeader(line)) {
      headerBlock = [line];
      // The second header row: the Pelaksana names and the Mutu Baku sub-columns.
      while (i + 1 < lines.length) {
        const next = lines[i + 1]!;
        const texts = lineTexts(next);
        if (next.table !== line.table || STEP_NO.test(texts[0] ?? '') || isBlankLine(next)) break;
        if (texts[1] && texts[1] !== '' && !GROUP_HEADING.test(labelText(texts[1]))) break;
        headerBlock.push(next);
        i++;
      }
      page = readPage(headerBlock);
      pages.push(page);
      const w = headerBlock.flatMap(lineTexts).find((t) => WAKTU_HEADING.test(labelText(t)));
      if (w) waktuHeading = clean(w);
      if (headerBlock.flatMap(lineTexts).some((t) => KETERANGAN_HEADING.test(labelText(t)))) hasKeterangan = true;
      continue;
    }
    if (!page || isBlankLine(line)) continue;
    const texts = lineTexts(line);
    if (line.table === null || line.cells.length < 3) {
      const text = texts.join(' ').trim();
      // "Menit" alone under a row whose Waktu is a bare number: the time split across lines.
      const prev = rowLines[rowLines.length - 1];
      if (prev && prev.kind === 'row' && lastRowIndex === i - 1 && /^(menit|mnt|jam|hari|minggu)\b/i.test(text)) {
        rowLines.push({ line, page, kind: 'loose' });
        lastRowIndex = i;
        continue;
      }
      if (/^\d{1,3}[.)]?\s+\p{L}/u.test(text) && i < nextHeaderOrEnd(lines, i) && lastRowIndex >= 0 && i - lastRowIndex <= 2) {
        rowLines.push({ line, page, kind: 'loose' });
        lastRowIndex = i;
      }
      continue;
    }
    const hasNo = STEP_NO.test(texts[0] ?? '');
    const kegiatan = texts[page.kegiatanCol] ?? '';
    const marksOnly = !hasNo && kegiatan === '' && line.cells.some((c, k) => k > page!.kegiatanCol && (c.marks.length > 0 || textMark(c)));
    if (marksOnly) {
      rowLines.push({ line, page, kind: 'connector' });
      lastRowIndex = i;
      continue;
    }
    if (hasNo || kegiatan !== '') {
      rowLines.push({ line, page, kind: 'row' });
      lastRowIndex = i;
    }
  }
  if (pages.length === 0) throw new ImportError('no_table');

  // Roles: the union of every page's named columns, by position; names may vary per page.
  const roleColumns = new Map<number, string[]>();
  for (const p of pages) for (const [col, name] of p.names) roleColumns.set(col, [...(roleColumns.get(col) ?? []), clean(name)]);
  const cols = [...roleColumns.keys()].sort((a, b) => a - b);
  if (cols.length === 0) throw new ImportError('no_role_columns');
  const roles: RawRole[] = cols.map((col) => {
    const variants = [...new Set(roleColumns.get(col)!)];
    // The heading most pages agree on; on a tie the later page, which is usually the corrected one.
    const counts = variants.map((v) => roleColumns.get(col)!.filter((n) => n === v).length);
    const best = Math.max(...counts);
    const name = variants.filter((_v, k) => counts[k] === best).pop()!;
    if (variants.length > 1) findings.push({ kind: 'role-name-variants', names: variants, chosen: name });
    return { name, variants };
  });
  const roleAt = (col: number) => cols.indexOf(col);

  // Pass 2: place each row's cells. The Waktu cell is found by what it says; the others sit
  // around it in the regulation's order (Kelengkapan, Waktu, Output, Keterangan).
  const waktuGuess = (p: Page) => (p.waktuCol >= 0 ? p.waktuCol : p.kelengkapanCol >= 0 ? p.kelengkapanCol + 1 : p.width - 3);
  const observed = new Map<Page, number[]>();
  for (const r of rowLines) {
    if (r.kind !== 'row') continue;
    const best = waktuIndex(r.line, r.page, waktuGuess(r.page));
    if (best !== undefined) observed.set(r.page, [...(observed.get(r.page) ?? []), best]);
  }
  const usualWaktu = (p: Page) => {
    const seen = observed.get(p) ?? [];
    if (seen.length === 0) return waktuGuess(p);
    const tally = new Map<number, number>();
    for (const k of seen) tally.set(k, (tally.get(k) ?? 0) + 1);
    return [...tally.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0]![0];
  };

  const dataRoleCounts = new Set<number>();
  let connectors: RawMark[] = [];
  for (let n = 0; n < rowLines.length; n++) {
    const { line, page: p, kind } = rowLines[n]!;
    if (kind === 'connector') {
      line.cells.forEach((cell, k) => {
        const marks = cell.marks.length > 0 ? cell.marks : textMark(cell) ? [textMark(cell)!] : [];
        const role = roleAt(k);
        if (role >= 0) for (const mark of marks) connectors.push({ role, mark });
      });
      continue;
    }
    if (kind === 'loose') {
      const text = lineTexts(line).join(' ').trim();
      const prev = rows[rows.length - 1];
      if (prev && /^(menit|mnt|jam|hari|minggu)\b/i.test(text) && /^\d+([.,]\d+)?$/.test(prev.waktu)) {
        const [unit, ...rest] = text.split(/\s+/);
        prev.waktu = `${prev.waktu} ${unit}`;
        findings.push({ kind: 'waktu-split', at: line.at, waktu: prev.waktu });
        const more = clean(rest.join(' '));
        if (more !== '') {
          if (prev.output.text === '') prev.output = { text: more, paras: [{ text: more }] };
          else findings.push({ kind: 'stray-line', at: line.at, text: more });
        }
        continue;
      }
      const m = /^(\d{1,3})[.)]?\s+(.*)$/su.exec(text)!;
      rows.push({
        no: m[1]!,
        kegiatan: clean(m[2]!),
        marks: [],
        kelengkapan: emptyField(),
        waktu: '',
        output: emptyField(),
        keterangan: emptyField(),
        at: line.at,
        connectorsAbove: connectors,
        loose: true,
      });
      connectors = [];
      continue;
    }

    const parts = splitGlued(line, p, findings);
    for (const part of parts) {
      const row = placeRow(part, p, usualWaktu(p), roleAt, findings);
      row.connectorsAbove = connectors;
      connectors = [];
      rows.push(row);
      const cellsInRoleRegion = Math.max(0, Math.min(part.cells.length, kelengkapanIndex(part, p, usualWaktu(p))) - p.kegiatanCol - 1);
      dataRoleCounts.add(cellsInRoleRegion);
    }
  }

  const headerRoles = cols.length;
  const dataRoles = Math.min(...dataRoleCounts);
  if (dataRoleCounts.size > 0 && dataRoles < headerRoles) findings.push({ kind: 'header-data-mismatch', headerRoles, dataRoles });

  // Lines after the last row: the signature (title, name, rank, NIP), konversi and notes.
  const lastRowAt = rows[rows.length - 1]?.at ?? 0;
  const after = lines.filter((l) => l.at > lastRowAt && !isBlankLine(l));
  const signature: string[] = [];
  const nipAt = after.map((l) => /\bNIP\b/.test(lineTexts(l).join(' '))).lastIndexOf(true);
  if (nipAt >= 0) {
    for (const l of after.slice(0, nipAt + 1)) {
      const t = clean(lineTexts(l).join(' '));
      if (/^(konversi|keterangan tambahan|warna|1\s+(jam|hari|minggu)\s*=)/i.test(t)) continue;
      signature.push(t);
    }
  }
  return { roles, rows, waktuHeading, hasKeterangan, trailing: { signature } };
}

function nextHeaderOrEnd(lines: Line[], i: number): number {
  for (let k = i + 1; k < lines.length; k++) if (isTableHeader(lines[k]!)) return k;
  return lines.length;
}

const emptyField = (): RawField => ({ text: '', paras: [] });

function field(cell: Cell | undefined): RawField {
  if (!cell) return emptyField();
  return { text: cellText(cell), paras: cell.paras.map((p) => ({ ...p, text: clean(p.text) })).filter((p) => p.text !== '') };
}

/**
 * The cell of a row that reads as a time, nearest to where the page usually has it. A bare
 * number in a Pelaksana column is a shape's number (PUPR), not minutes.
 */
function waktuIndex(line: Line, p: Page, usual: number): number | undefined {
  const found = line.cells
    .map((cell, k) => ({ k, t: cellText(cell) }))
    .filter(({ k, t }) => k > p.kegiatanCol && looksLikeWaktu(t) && !(/^\d+$/.test(t) && p.names.has(k) && k < usual - 1));
  return found.sort((a, b) => Math.abs(a.k - usual) - Math.abs(b.k - usual))[0]?.k;
}

function kelengkapanIndex(line: Line, p: Page, usual: number): number {
  return (waktuIndex(line, p, usual) ?? usual) - 1;
}

function placeRow(line: Line, p: Page, usualWaktu: number, roleAt: (col: number) => number, findings: Finding[]): RawRow {
  const texts = lineTexts(line);
  const noText = texts[0] ?? '';
  const no = STEP_NO.test(noText) ? noText.replace(/\.$/, '') : null;
  const kelIdx = kelengkapanIndex(line, p, usualWaktu);
  const waktuIdx = kelIdx + 1;
  const marks: RawMark[] = [];
  for (let k = p.kegiatanCol + 1; k < kelIdx; k++) {
    const cell = line.cells[k];
    if (!cell || cell.spanned) continue;
    const found = cell.marks.length > 0 ? cell.marks : textMark(cell) ? [textMark(cell)!] : [];
    if (found.length === 0) {
      if (cellText(cell) !== '') findings.push({ kind: 'stray-line', at: line.at, text: cellText(cell) });
      continue;
    }
    const role = roleAt(k);
    if (role < 0) {
      findings.push({ kind: 'mark-outside-roles', at: line.at, no: no ?? '', column: k });
      continue;
    }
    for (const mark of found) marks.push({ role, mark });
  }
  const kegiatanCell = line.cells[p.kegiatanCol];
  const rest = line.cells.slice(waktuIdx + 1);
  const [outputCell, keteranganCell, ...beyond] = rest.filter((c) => !c.spanned);
  const extra = beyond.map(cellText).filter((t) => t !== '');
  const keterangan = field(keteranganCell);
  if (extra.length > 0) {
    findings.push({ kind: 'stray-line', at: line.at, text: extra.join(' | ') });
  }
  return {
    no,
    kegiatan: cellText(kegiatanCell),
    marks,
    kelengkapan: field(line.cells[kelIdx]),
    waktu: cellText(line.cells[waktuIdx]),
    output: field(outputCell),
    keterangan,
    at: line.at,
    connectorsAbove: [],
  };
}

/**
 * Two rows on one line: more cells than the header has, and a cell that is the next step's
 * number followed by text. Split there; the admin is told.
 */
function splitGlued(line: Line, p: Page, findings: Finding[]): Line[] {
  if (line.cells.length <= p.width + 1) return [line];
  const texts = lineTexts(line);
  const first = Number(/^\d+/.exec(texts[0] ?? '')?.[0] ?? NaN);
  for (let k = p.kegiatanCol + 2; k < line.cells.length - 1; k++) {
    const m = /^(.*?)\s*\b(\d{1,3})$/.exec(texts[k] ?? '');
    if (!m) continue;
    const n = Number(m[2]);
    if (Number.isFinite(first) && n <= first) continue;
    if ((texts[k + 1] ?? '').split(' ').length < 2) continue;
    const head: Line = { ...line, cells: [...line.cells.slice(0, k), ...(m[1] ? [{ ...line.cells[k]!, paras: [{ text: m[1] }] }] : [])] };
    const tail: Line = { ...line, cells: [{ paras: [{ text: m[2]! }], marks: [], span: 1 }, ...line.cells.slice(k + 1)] };
    findings.push({ kind: 'glued-rows', at: line.at, first: texts[0] ?? '', second: m[2]! });
    return [head, ...splitGlued(tail, p, findings)];
  }
  return [line];
}

function readKonversi(lines: Line[]): RawSop['konversi'] {
  const text = lines.map((l) => lineTexts(l).join(' ')).join('\n');
  const jam = /1\s*jam\s*=\s*(\d+)\s*menit/i.exec(text);
  const hari = /1\s*hari\s*=\s*(\d+)\s*menit/i.exec(text);
  const minggu = /1\s*minggu\s*=\s*(\d+)\s*menit/i.exec(text);
  if (!jam && !hari && !minggu) return undefined;
  return {
    jam: Number(jam?.[1] ?? 60),
    hari: Number(hari?.[1] ?? 300),
    minggu: Number(minggu?.[1] ?? 1500),
    text: [jam?.[0], hari?.[0], minggu?.[0]].filter(Boolean).join(', '),
  };
}
