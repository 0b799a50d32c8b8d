/**
 * Splitting a list that lost its structure ("1. A2. B3. C", "- A - B", "A; B") into its items.
 * Numbers inside the items (years, "Nomor 26 Tahun 2019", "No. 5") must not be taken for
 * item numbers, so a marker is only accepted where the next number of the sequence can stand.
 */
import { clean } from './model.js';

export interface ListItem {
  /** The marker as written: "1.", "2", "-", "•"; empty when split on separators. */
  marker: string;
  text: string;
}

export interface SplitList {
  items: ListItem[];
  how: 'numbered' | 'bullets' | 'semicolons' | 'repeated-prefix' | 'single';
  /** Item numbers the sequence jumps over (Pemalang's Peralatan: 1, 2, 3, 5). */
  skipped: number[];
}

/** Words after which a bare number is part of the text, not an item number. */
const NUMBER_CONTEXT = /\b(nomor|no\.?|tahun|pasal|ayat|angka|huruf|bab|kegiatan|langkah|lampiran|butir|pukul|jam|ke|tgl|tanggal|nip|tingkat|gelombang|sebanyak)\s*$/i;
const YEAR = /^(19|20)\d\d$/;

const isDigit = (c: string | undefined) => c !== undefined && c >= '0' && c <= '9';
const isUpper = (c: string | undefined) => c !== undefined && /\p{Lu}/u.test(c);

/** Where item `n` can start, searching from `from`; -1 when nowhere. */
function findMarker(text: string, n: number, from: number, dotted: boolean): { at: number; end: number; marker: string } | null {
  const digits = String(n);
  let i = text.indexOf(digits, from);
  while (i >= 0) {
    const after = i + digits.length;
    let j = i;
    while (j > 0 && isDigit(text[j - 1])) j--;
    const prefix = text.slice(j, i);
    const prefixOk = prefix === '' || YEAR.test(prefix);
    const next = text[after];
    if (prefixOk && !isDigit(next)) {
      if (dotted && (next === '.' || next === ')')) {
        const rest = text.slice(after + 1);
        const ws = /^\s+/.exec(rest)?.[0] ?? '';
        const first = rest[ws.length];
        // "1. A2. B": the marker may be glued to the previous item, but not followed by a digit ("2.5").
        if ((ws.length > 0 || /\p{L}/u.test(first ?? '')) && first !== undefined && !isDigit(first)) {
          return { at: i, end: after + 1 + ws.length, marker: `${digits}${next}` };
        }
      } else if (!dotted && next !== undefined && /\s/.test(next)) {
        const rest = text.slice(after);
        const ws = /^\s+/.exec(rest)![0];
        const before = text.slice(Math.max(0, j - 20), j);
        if (isUpper(rest[ws.length]) && (prefix !== '' || !NUMBER_CONTEXT.test(before))) {
          return { at: i, end: after + ws.length, marker: digits };
        }
      }
    }
    i = text.indexOf(digits, i + 1);
  }
  return null;
}

function numbered(text: string): SplitList | null {
  const first = /^\s*1([.)])?\s*/.exec(text);
  if (!first || first[0].length === text.length) return null;
  const dotted = first[1] !== undefined;
  if (!dotted && !/\s$/.test(first[0])) return null;
  const starts: { at: number; end: number; marker: string }[] = [{ at: 0, end: first[0].length, marker: `1${first[1] ?? ''}` }];
  const skipped: number[] = [];
  let n = 1;
  for (;;) {
    const from = starts[starts.length - 1]!.end;
    const nextOne = findMarker(text, n + 1, from, dotted);
    if (nextOne) {
      starts.push(nextOne);
      n += 1;
      continue;
    }
    // A number skipped in the source ("3. Kertas5. Surat Perintah").
    const afterSkip = findMarker(text, n + 2, from, dotted);
    if (afterSkip) {
      skipped.push(n + 1);
      starts.push(afterSkip);
      n += 2;
      continue;
    }
    break;
  }
  if (starts.length < 2 && !dotted) return null;
  const items = starts.map((s, k) => ({ marker: s.marker, text: clean(text.slice(s.end, starts[k + 1]?.at ?? text.length)) }));
  return { items: items.filter((it) => it.text !== ''), how: 'numbered', skipped };
}

const BULLET = /(?:^|\s)([-•·–*▪●○■])(?=\s)/g;

function bullets(text: string): SplitList | null {
  const t = text.trim();
  const lead = /^([-•·–*▪●■])\s/.exec(t);
  if (!lead) return null;
  const marks = [...t.matchAll(BULLET)].filter((m) => m[1] === lead[1] || m[1] === '•' || m[1] === '-');
  if (marks.length === 0) return null;
  const items: ListItem[] = [];
  marks.forEach((m, k) => {
    const start = m.index! + m[0].length;
    const end = marks[k + 1]?.index ?? t.length;
    const body = clean(t.slice(start, end));
    if (body !== '') items.push({ marker: m[1]!, text: body });
  });
  return items.length > 0 ? { items, how: 'bullets', skipped: [] } : null;
}

function semicolons(text: string): SplitList | null {
  const parts = text.split(/;\s+/).map(clean).filter((p) => p !== '');
  if (parts.length < 2) return null;
  return { items: parts.map((p) => ({ marker: '', text: p.replace(/;$/, '') })), how: 'semicolons', skipped: [] };
}

/** "SOP Alur surat SOP Pembuatan surat": items that each start with the same word. */
function repeatedPrefix(text: string): SplitList | null {
  const t = clean(text);
  const word = /^(SOP|IK)\s/.exec(t)?.[1];
  if (!word) return null;
  const parts = t.split(new RegExp(`\\s(?=${word}\\s)`)).map(clean);
  if (parts.length < 2) return null;
  return { items: parts.map((p) => ({ marker: '', text: p })), how: 'repeated-prefix', skipped: [] };
}

/** The items of one flattened list, by the first way of writing a list that fits. */
export function splitList(text: string): SplitList {
  const t = clean(text);
  return (
    numbered(t) ??
    bullets(t) ??
    semicolons(t) ??
    repeatedPrefix(t) ?? { items: t === '' ? [] : [{ marker: '', text: t }], how: 'single', skipped: [] }
  );
}

/**
 * Items that a lost line break glued together: "Data Sekunder (tusi jabatan)LCD, PC/Laptop".
 * Returns the pieces; one piece when nothing looks glued.
 */
export function unglue(text: string): string[] {
  return text
    .split(/(?<=\))(?=\p{Lu})|(?<=\p{Ll}{3})(?=\p{Lu}\p{Ll}{2,}\s)/u)
    .map(clean)
    .filter((p) => p !== '');
}
