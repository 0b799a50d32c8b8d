/**
 * From what the document says (extract.ts) to a draft definition: step kinds, roles,
 * transitions, waktu. Every value the text only implies is recorded with the reason it was
 * inferred from (written as a YAML comment next to it), and every guess an admin must settle
 * becomes a question tied to its step and field.
 */
import { parseWaktu, type KonversiWaktu } from '../calendar/waktu.js';
import { IMPORT as M } from '../messages/import.js';
import type { RawField, RawMark, RawRow, RawSop, SectionKey } from './extract.js';
import { splitList, unglue } from './lists.js';
import { clean, type ShapeKind } from './model.js';
import { rank, RoleMatcher, words } from './roles.js';

// Every shape and section has its word in the catalog.
M.shape satisfies Record<ShapeKind, string>;
M.sectionTitle satisfies Record<SectionKey, string>;

export type QuestionTopic =
  | 'identity'
  | 'section'
  | 'id'
  | 'role'
  | 'kind'
  | 'next'
  | 'kegiatan'
  | 'kelengkapan'
  | 'waktu'
  | 'output'
  | 'keterangan'
  | 'numbering'
  | 'columns';

export interface Question {
  /** The step the question is about (its id in the draft), if any. */
  step?: string;
  topic: QuestionTopic;
  text: string;
}

/** A YAML comment: before the key at `path` (or the item, for a list entry). */
export interface DraftComment {
  path: (string | number)[];
  text: string;
}

export interface Draft {
  id: string;
  code: string;
  /** The definition as it will be written, keys in the catalog's order. */
  definition: Record<string, unknown>;
  comments: DraftComment[];
  /** Comment lines at the top of the file. */
  header: string[];
  questions: Question[];
}

export interface InferOptions {
  id?: string;
  code?: string;
  /** The source's name, for the header comment. */
  file: string;
  /** Ids and codes already taken (the catalog, or earlier SOPs of the same file). */
  takenIds?: Set<string>;
  takenCodes?: Set<string>;
  /** SOPs already in the catalog, to recognise a document imported before by its Nomor SOP. */
  existing?: { id: string; code: string; nomor: string }[];
}

interface Branch {
  label: string;
  next?: string;
  end?: 'selesai' | 'ditolak';
}

interface RouteEntry {
  when?: { step: string; branch: string };
  next?: string;
  end?: 'selesai' | 'ditolak';
}

interface Item {
  name: string;
  document?: boolean;
}

interface WorkStep {
  id: string;
  row: RawRow | undefined;
  kegiatan: string;
  kind: 'task' | 'review' | 'decision' | 'joint';
  role?: number;
  roles?: number[];
  roleReason?: string;
  roleInferred?: boolean;
  /** A decision made of label rows ("Ditolak", "Diterima"). */
  labels?: { label: string; target?: number }[];
  branches?: Branch[];
  next?: string;
  end?: 'selesai' | 'ditolak';
  route?: RouteEntry[];
  returnTo?: string[];
  anchor?: string;
  comments: Map<string, string[]>;
}

const LABEL_WORDS = /^(ya|tidak|ditolak|diterima|tolak|terima|sesuai|tidak sesuai|setuju|tidak setuju|disetujui|tidak disetujui|lengkap|tidak lengkap|benar|salah|memenuhi|tidak memenuhi|valid|tidak valid)$/i;
const NEGATIVE = /^(tidak\b.*|ditolak|tolak|salah)$/i;

function isLabelRow(row: RawRow): boolean {
  const k = clean(row.kegiatan.replace(/[.:!]+$/, ''));
  return LABEL_WORDS.test(k) && row.kelengkapan.text === '' && row.output.text === '' && row.waktu === '';
}

function complement(a: string, b: string): boolean {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  const pairs = [
    ['ya', 'tidak'],
    ['ditolak', 'diterima'],
    ['tolak', 'terima'],
    ['sesuai', 'tidak sesuai'],
    ['setuju', 'tidak setuju'],
    ['disetujui', 'tidak disetujui'],
    ['lengkap', 'tidak lengkap'],
    ['benar', 'salah'],
    ['memenuhi', 'tidak memenuhi'],
    ['valid', 'tidak valid'],
  ];
  return pairs.some(([p, q]) => (x === p && y === q) || (x === q && y === p));
}

/** The root a branch label shares with the rows of its path: "Ditolak" → "tolak". */
function labelRoot(label: string): string | undefined {
  const w = label.toLowerCase();
  if (/^tidak\b|^ya$|^benar$|^salah$/.test(w)) return undefined;
  const root = w.replace(/^(di|ter|me)/, '').replace(/(kan|i)$/, '');
  return root.length >= 4 ? root : undefined;
}

/**
 * Whether a word carries the root, prefixes included: peN-/meN- drop a root's first t, p, k
 * or s ("tolak" → "penolakan", "terima" → "penerimaan").
 */
function hasRoot(word: string, root: string): boolean {
  if (word.includes(root)) return true;
  return /^[tpks]/.test(root) && root.length >= 5 && /^(pe|me)(n|m|ng|ny)/.test(word) && word.includes(root.slice(1));
}

const RETURN_TO_STEP = /(?:dikembalikan|kembali)\s+(?:lagi\s+)?(?:ke|kepada|pada)\s+(?:kegiatan|langkah|tahap|proses|nomor|no\.?)\s*(?:nomor\s*)?(\d+[a-z]?)/gi;
const FORWARD_TO_STEP = /(?:dilanjutkan|lanjut|diteruskan|menuju|berlanjut)\s+(?:ke|pada|dengan)?\s*(?:kegiatan|langkah|tahap|proses|nomor|no\.?)\s*(\d+[a-z]?)/gi;
const RETURN_TO_ROLE = /(?:dikembalikan|kembali)\s+(?:lagi\s+)?(?:ke|kepada)\s+(?!kegiatan|langkah|tahap|proses|nomor|no\b)(.{2,60})/i;
const STOP = /\b(?:jika|apabila|bila|kalau)\b[^.;]*?\b(?:tidak|belum|kurang)\b[^.;]*?\b(ditolak|dihentikan|berhenti|tidak dilanjutkan|selesai)\b/i;

const DOC_HEADS = /^(Peraturan|Surat|Data|Jadwal|Berita|Laporan|Form|Formulir|Daftar|Dokumen|Draft|Draf|Kamus|Nota|Instrumen|Lembar|Buku|Berkas|Standar|Soal|SK)$/;
/** Words that open a document's name without being one: "Draft Surat tugas" is one document. */
const MODIFIERS = /^(Draft|Draf|Konsep|Salinan|Fotokopi|Format|Final|Contoh)$/;
const CONNECTORS = new Set(['dan', 'atau', 'dengan', 'di', 'ke', 'dari', 'untuk', 'yang', 'pada', 'serta', 'oleh', 'dalam', 'sesuai', 'dan/atau']);

/** A single list item that may still hold several names ("Jadwal Pelaksanaan Kamus kompetensi Peraturan ..."). */
function maybeSeveral(text: string): 'comma' | 'words' | undefined {
  if (/,\s*\S/.test(text)) return 'comma';
  const ws = text.split(/\s+/);
  for (let i = 1; i < ws.length; i++) {
    const w = ws[i]!;
    const prev = ws[i - 1]!;
    if (DOC_HEADS.test(w) && /^\p{Lu}/u.test(prev) && !MODIFIERS.test(prev)) return 'words';
    if (/^\p{Lu}\p{Ll}+$/u.test(w) && /^\p{Ll}+$/u.test(prev) && !CONNECTORS.has(prev)) return 'words';
  }
  return undefined;
}

const NOT_A_FILE_START = /^(kesiapan|penyampaian|pelaksanaan|terlaksana\w*|tersampaikan\w*|database|basis data|entri|input|koordinasi|pemahaman)\b/i;
const NOT_A_FILE_END = /\b(ter\w+kan|diterima\b.*)\.?$/i;

/** Months as the seeds write dates: "15 September 2022", "4 Oktober 2024". */
const MONTHS: Record<string, number> = {
  januari: 1, jan: 1, februari: 2, pebruari: 2, feb: 2, maret: 3, mar: 3, april: 4, apr: 4, mei: 5,
  juni: 6, jun: 6, juli: 7, jul: 7, agustus: 8, agt: 8, agu: 8, ags: 8, september: 9, sep: 9, sept: 9,
  oktober: 10, okt: 10, november: 11, nopember: 11, nov: 11, nop: 11, desember: 12, des: 12,
};

export function parseTanggal(text: string): string | undefined {
  const t = clean(text).toLowerCase();
  const pad = (n: number) => String(n).padStart(2, '0');
  const valid = (y: number, m: number, d: number) => {
    const date = new Date(Date.UTC(y, m - 1, d));
    return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d ? `${y}-${pad(m)}-${pad(d)}` : undefined;
  };
  let m = /^(\d{1,2})\s+([a-z]+)\.?\s+(\d{4})$/.exec(t);
  if (m && MONTHS[m[2]!]) return valid(Number(m[3]), MONTHS[m[2]!]!, Number(m[1]));
  m = /^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$/.exec(t);
  if (m) return valid(Number(m[3]), Number(m[2]), Number(m[1]));
  m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(t);
  if (m) return valid(Number(m[1]), Number(m[2]), Number(m[3]));
  return undefined;
}

export function slug(text: string, sep = '_', max = 30): string {
  const base = text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, sep)
    .replace(new RegExp(`^\\${sep}+|\\${sep}+$`, 'g'), '');
  if (base.length <= max) return base;
  const cut = base.slice(0, max);
  const at = cut.lastIndexOf(sep);
  return at > 8 ? cut.slice(0, at) : cut;
}

// ---------------------------------------------------------------------------------------

export function inferDraft(raw: RawSop, options: InferOptions): Draft {
  const questions: Question[] = [];
  const comments: DraftComment[] = [];
  const ask = (topic: QuestionTopic, text: string, step?: string) => questions.push({ topic, text, ...(step ? { step } : {}) });
  const header: string[] = [M.header(options.file, raw.span[0], raw.span[1])];

  // ----- identity
  const identity: Record<string, unknown> = {};
  const nomor = raw.identity.nomor?.text;
  const nama = raw.identity.nama?.text;
  if (nomor) identity.nomor = nomor;
  else ask('identity', M.q.identityMissing('Nomor SOP'));
  if (nama) identity.nama = nama;
  else ask('identity', M.q.identityMissing('Nama SOP'));

  let instansi = raw.instansi.lines;
  if (raw.instansi.joined) comments.push({ path: ['identity', 'instansi'], text: M.c.instansiSplit(raw.instansi.joined) });
  if (raw.instansi.from === 'letterhead') comments.push({ path: ['identity', 'instansi'], text: M.c.instansiLetterhead });
  if (raw.instansi.from === 'heading') comments.push({ path: ['identity', 'instansi'], text: M.c.instansiHeading });
  // A line of the identity box that differs from the letterhead by a slip of the pen.
  instansi = instansi.map((line, i) => {
    const fix = raw.letterhead.find((l) => l !== line && editDistance(l.toUpperCase(), line.toUpperCase()) <= 2 && l.length > 8);
    if (!fix) return line;
    comments.push({ path: ['identity', 'instansi', i], text: M.c.instansiSpelling(line, fix) });
    ask('identity', M.q.instansiSpelling(line, fix));
    return fix;
  });
  if (instansi.length > 0) identity.instansi = instansi;
  else ask('identity', M.q.identityMissing('instansi'));

  for (const key of ['tanggalPembuatan', 'tanggalRevisi', 'tanggalEfektif'] as const) {
    const found = raw.identity[key];
    const label = { tanggalPembuatan: 'Tanggal Pembuatan', tanggalRevisi: 'Tanggal Revisi', tanggalEfektif: 'Tanggal Efektif' }[key];
    if (!found || found.text === '' || /^-+$/.test(found.text)) {
      comments.push({ path: ['identity', key], text: M.c.dateEmpty(found?.label ?? label, found?.text ?? '') });
      continue;
    }
    const date = parseTanggal(found.text);
    if (date) {
      identity[key] = date;
      if (key === 'tanggalEfektif' && !/efektif/i.test(found.label)) comments.push({ path: ['identity', key], text: M.c.dateLabel(found.label) });
    } else {
      comments.push({ path: ['identity', key], text: M.c.dateUnreadable(found.label, found.text) });
      ask('identity', M.q.dateUnreadable(found.label, found.text));
    }
  }
  let disahkan = raw.identity.disahkanOleh?.text;
  if (disahkan && !/\bNIP\b/i.test(disahkan) && raw.signature.length > 0) {
    const joined = clean(raw.signature.join(' '));
    if (joined.toUpperCase().startsWith(clean(disahkan).toUpperCase()) && joined.length > disahkan.length) {
      comments.push({ path: ['identity', 'disahkanOleh'], text: M.c.signatureJoined });
      ask('identity', M.q.signatureJoined(joined));
      disahkan = joined;
    }
  } else if (disahkan && raw.signature.length > 0 && /\bNIP\b/.test(raw.signature.join(' '))) {
    header.push(M.c.acknowledgedBy(clean(raw.signature.join(' '))));
  }
  if (disahkan) identity.disahkanOleh = disahkan;
  else ask('identity', M.q.identityMissing('Disahkan oleh'));

  for (const f of raw.findings) {
    if (f.kind === 'identity-stacked') ask('identity', M.q.identityStacked);
    if (f.kind === 'identity-conflict') ask('identity', M.q.identityConflict(f.key, f.first, f.second));
  }

  // ----- sections
  const sections: Record<string, string[]> = {};
  for (const key of ['dasarHukum', 'kualifikasiPelaksana', 'keterkaitan', 'peralatan', 'peringatan', 'pencatatan'] as const) {
    const s = raw.sections[key];
    sections[key] = s?.items ?? [];
    if (!s) {
      comments.push({ path: [key], text: M.c.sectionMissing });
      continue;
    }
    if (s.heading.toLowerCase() !== M.sectionTitle[key].toLowerCase()) comments.push({ path: [key], text: M.c.sectionHeading(s.heading) });
    if (s.skipped.length > 0) comments.push({ path: [key], text: M.c.sectionSkipped(s.skipped) });
    if (s.how === 'single' && s.items.length === 1 && s.items[0]!.split(' ').length >= 3 && maybeSeveral(s.items[0]!) !== undefined) {
      ask('section', M.q.sectionOneItem(s.heading, s.items[0]!));
    } else if (s.how === 'single' && s.items.length === 1 && /^(\p{Lu}[\p{L}/]*\s){2,}/u.test(`${s.items[0]!} `) && s.items[0]!.split(' ').length <= 6) {
      ask('section', M.q.sectionOneItem(s.heading, s.items[0]!));
    }
    if (s.how === 'semicolons' || s.how === 'repeated-prefix') comments.push({ path: [key], text: M.c.sectionSplit(s.how) });
    if (s.how === 'semicolons') ask('section', M.q.sectionSemicolons(s.heading));
  }

  // ----- roles
  const matcher = new RoleMatcher(raw.roles);
  const roleIds: string[] = [];
  for (const r of raw.roles) {
    let id = slug(r.name) || 'peran';
    if (!/^[a-z0-9]/.test(id)) id = `peran_${id}`;
    let n = 2;
    const base = id;
    while (roleIds.includes(id)) id = `${base}_${n++}`;
    roleIds.push(id);
  }
  for (const f of raw.findings) {
    if (f.kind === 'role-name-variants') ask('columns', M.q.roleVariants(f.names, f.chosen));
    if (f.kind === 'header-data-mismatch') ask('columns', M.q.headerDataMismatch(f.headerRoles, f.dataRoles));
    if (f.kind === 'glued-rows') ask('numbering', M.q.gluedRows(f.at, f.first, f.second));
    if (f.kind === 'waktu-split') ask('waktu', M.q.waktuSplit(f.at, f.waktu));
    if (f.kind === 'stray-line') ask('numbering', M.q.strayText(f.at, f.text));
    if (f.kind === 'mark-outside-roles') ask('columns', M.q.markOutsideRoles(f.at, f.no));
  }

  // ----- steps: ids, decisions made of label rows
  const steps: WorkStep[] = [];
  const used = new Set<string>();
  let base = 0;
  let letter = 0;
  let lastNumber = 0;
  let openDecision: WorkStep | undefined;
  const pendingTargets: { decision: WorkStep; label: number }[] = [];
  const nextId = (row: RawRow): string => {
    if (row.no !== null) {
      const n = Number(/^\d+/.exec(row.no)![0]);
      let id = row.no.toLowerCase();
      if (n < lastNumber) ask('numbering', M.q.outOfOrder(id, String(lastNumber)), id);
      lastNumber = Math.max(lastNumber, n);
      base = n;
      letter = 0;
      if (used.has(id)) {
        let k = 0;
        while (used.has(`${n}${String.fromCharCode(97 + k)}`)) k++;
        const renamed = `${n}${String.fromCharCode(97 + k)}`;
        ask('numbering', M.q.duplicateNumber(id, renamed), renamed);
        id = renamed;
      }
      used.add(id);
      return id;
    }
    let id: string;
    do id = `${base}${String.fromCharCode(97 + letter++)}`;
    while (used.has(id) && letter < 26);
    used.add(id);
    return id;
  };

  raw.rows.forEach((row) => {
    if (isLabelRow(row)) {
      const label = clean(row.kegiatan.replace(/[.:!]+$/, ''));
      const joinable =
        openDecision &&
        !openDecision.labels!.some((l) => l.label.toLowerCase() === label.toLowerCase()) &&
        (openDecision.labels!.length < 2 || openDecision.labels!.some((l) => complement(l.label, label)));
      if (openDecision && joinable) {
        openDecision.labels!.push({ label });
        pendingTargets.push({ decision: openDecision, label: openDecision.labels!.length - 1 });
        return;
      }
      const decision: WorkStep = { id: nextId(row), row, kegiatan: label, kind: 'decision', labels: [{ label }], comments: new Map() };
      steps.push(decision);
      openDecision = decision;
      pendingTargets.push({ decision, label: 0 });
      return;
    }
    const step: WorkStep = { id: nextId(row), row, kegiatan: row.kegiatan, kind: 'task', comments: new Map() };
    if (row.loose) ask('kegiatan', M.q.looseRow(row.at), step.id);
    if (clean(row.kegiatan) === '') ask('kegiatan', M.q.kegiatanEmpty(row.at), step.id);
    steps.push(step);
    for (const p of pendingTargets.splice(0)) p.decision.labels![p.label]!.target = steps.length - 1;
  });
  if (steps.length === 0) ask('numbering', M.q.noSteps);
  // Numbers the table never uses, asked once at the step that follows the gap.
  const numbers = raw.rows.flatMap((r) => (r.no === null ? [] : [Number.parseInt(r.no, 10)]));
  const present = new Set(numbers);
  const gaps: number[] = [];
  for (let n = 1; n < Math.max(0, ...numbers); n++) if (!present.has(n)) gaps.push(n);
  for (const gap of gaps) {
    const after = steps.find((s) => Number.parseInt(s.id, 10) === Math.min(...numbers.filter((n) => n > gap)));
    ask('numbering', M.q.numbersSkipped([String(gap)]), after?.id);
  }
  for (const p of pendingTargets) ask('next', M.q.branchWithoutRows(p.decision.labels![p.label]!.label), p.decision.id);

  const say = (step: WorkStep, key: string, text: string) => step.comments.set(key, [...(step.comments.get(key) ?? []), text]);
  // Without a closing period, so "di kolom Kabid." does not end in two.
  const roleName = (r: number) => raw.roles[r]!.name.replace(/\.$/, '');

  // ----- roles of the steps
  const textOf = (s: WorkStep) => `${s.kegiatan} ${s.row?.keterangan.text ?? ''}`;
  const returnRole = (s: WorkStep): number | undefined => {
    const m = RETURN_TO_ROLE.exec(textOf(s));
    if (!m) return undefined;
    return matcher.mentions(m[1]!).find((x) => x.at === 0)?.role;
  };
  const above = (r: number): number | undefined => {
    const mine = rank(roleName(r));
    const higher = raw.roles.map((x, k) => ({ k, rank: rank(x.name) })).filter((x) => x.rank > mine && x.rank < 9);
    higher.sort((a, b) => a.rank - b.rank || Math.abs(a.k - r) - Math.abs(b.k - r));
    return higher[0]?.k;
  };
  const below = (r: number): number | undefined => {
    const mine = rank(roleName(r));
    const lower = raw.roles.map((x, k) => ({ k, rank: rank(x.name) })).filter((x) => x.rank < mine && x.rank > 0);
    lower.sort((a, b) => b.rank - a.rank || Math.abs(a.k - r) - Math.abs(b.k - r));
    return lower[0]?.k;
  };
  const top = (): number | undefined => {
    const inside = raw.roles.map((x, k) => ({ k, rank: rank(x.name) })).filter((x) => x.rank > 0 && x.rank < 8);
    inside.sort((a, b) => b.rank - a.rank || b.k - a.k);
    return inside[0]?.k;
  };

  steps.forEach((step, i) => {
    const row = step.row!;
    const marks = row.marks.filter((m) => m.mark.shape !== 'arrow');
    const strong = marks.filter((m) => m.mark.shape !== 'connector');
    const used = strong.length > 0 ? strong : marks;
    const markRoles = [...new Set(used.map((m) => m.role))];
    const subject = matcher.mentions(step.kegiatan).find((m) => m.at === 0 && m.how !== 'word');
    if (markRoles.length > 0) {
      if (markRoles.length === 1 || step.kind === 'decision') {
        step.role = markRoles[0]!;
      } else {
        step.roles = markRoles;
        step.kind = 'joint';
        say(step, 'quorum', M.c.quorumAll);
      }
      say(step, step.roles ? 'roles' : 'role', M.c.roleFromMark(describeMarks(used, roleName)));
      if (subject && !markRoles.includes(subject.role)) {
        const connectors = [...new Set(row.connectorsAbove.filter((c) => c.mark.shape === 'connector').map((c) => roleName(c.role)))];
        ask('role', M.q.markVersusSentence(roleName(markRoles[0]!), roleName(subject.role), connectors), step.id);
        say(step, step.roles ? 'roles' : 'role', M.c.markVersusSentence(roleName(subject.role)));
      }
      const prev = steps[i - 1];
      if (prev && step.role !== undefined && prev.role === step.role && /^(mengajukan permintaan|meminta|memerintahkan|menugaskan|mendisposisikan)\b/i.test(prev.kegiatan)) {
        ask('role', M.q.sameRoleAfterRequest(step.id, prev.id, roleName(step.role)), step.id);
      }
      return;
    }

    step.roleInferred = true;
    const prev = steps[i - 1];
    const nextStep = steps[i + 1];
    const set = (role: number | undefined, reason: string) => {
      if (role === undefined || step.role !== undefined) return;
      step.role = role;
      step.roleReason = reason;
    };
    if (subject) set(subject.role, M.c.roleSubject(roleName(subject.role)));
    for (const source of [step.kegiatan, row.keterangan.text]) {
      const w = words(source);
      const oleh = w.indexOf('oleh');
      if (oleh >= 0) {
        const r = matcher.at(source, oleh + 1);
        if (r !== undefined) set(r, M.c.roleOleh(roleName(r)));
      }
      const sebagai = w.indexOf('sebagai');
      if (sebagai >= 0) {
        const r = matcher.at(source, sebagai + 1);
        if (r !== undefined) set(r, M.c.roleSebagai(roleName(r)));
      }
    }
    if (nextStep && step.kind !== 'decision') {
      const r = returnRole(nextStep);
      if (r !== undefined) set(r, M.c.roleReturnedTo(nextStep.id, roleName(r)));
    }
    const back = returnRole(step);
    if (back !== undefined) {
      const r = above(back);
      if (r !== undefined) set(r, M.c.roleChecker(roleName(back), roleName(r)));
    }
    if (/^(menandatangani|mengesahkan|menetapkan)\b/i.test(step.kegiatan)) {
      const r = top();
      if (r !== undefined) set(r, M.c.roleSigns(roleName(r)));
    }
    if (prev?.role !== undefined && step.kind !== 'decision') {
      const disposisi = prev.row?.output.text.toLowerCase().includes('disposisi') || /^(memerintahkan|menugaskan|mendisposisikan)\b/i.test(prev.kegiatan);
      if (disposisi) {
        const r = below(prev.role);
        if (r !== undefined) set(r, M.c.roleBelow(prev.id, roleName(prev.role), roleName(r)));
      }
    }
    if (!prev && /^(memerintahkan|menugaskan|mendisposisikan)\b/i.test(step.kegiatan)) {
      const r = top();
      if (r !== undefined) set(r, M.c.roleAssigns(roleName(r)));
    }
    if (step.kind !== 'decision') {
      const r = matcher.byStem(step.kegiatan);
      if (r !== undefined) set(r, M.c.roleStem(roleName(r)));
    }
    if (prev && prev.role !== undefined) set(prev.role, M.c.rolePrevious(prev.id));
    if (prev && prev.role === undefined && prev.roles) set(prev.roles[0], M.c.rolePrevious(prev.id));
    if (raw.roles.length > 0) set(0, M.c.roleFirstColumn);
    say(step, 'role', step.roleReason!);
    ask('role', M.q.roleGuessed(step.id, roleName(step.role!), step.roleReason!), step.id);
    if (/\brapat\b/i.test(step.kegiatan)) ask('kind', M.q.meetingMaybeJoint(step.id), step.id);
  });

  // ----- forward transitions
  const index = new Map(steps.map((s, i) => [s.id, i]));
  const following = (i: number) => steps[i + 1]?.id;
  const setEnd = (s: WorkStep, i: number) => {
    const n = following(i);
    if (n) s.next = n;
    else s.end = 'selesai';
  };
  steps.forEach((s, i) => {
    if (s.kind === 'decision' && s.labels) return;
    setEnd(s, i);
  });

  for (const [i, d] of steps.entries()) {
    if (!d.labels) continue;
    const labels = d.labels;
    d.kegiatan = labels.map((l) => l.label).join(' / ');
    d.branches = labels.map((l) => (l.target !== undefined ? { label: l.label, next: steps[l.target]!.id } : { label: l.label, end: NEGATIVE.test(l.label) ? 'ditolak' : 'selesai' }));
    say(d, 'kegiatan', M.c.decisionFromLabels(labels.map((l) => l.label)));
    if (d.role !== undefined && d.roleInferred) say(d, 'role', d.roleReason!);
    if (labels.length < 2) {
      ask('kind', M.q.decisionOneLabel(d.id, labels[0]!.label), d.id);
      const only = d.branches[0]!;
      const other = NEGATIVE.test(only.label) ? 'Ya' : 'Tidak';
      d.branches.push(NEGATIVE.test(other) ? { label: other, end: 'ditolak' } : { label: other, next: following(i) ?? only.next ?? d.id });
      if (d.branches[1]!.next === d.id) d.branches[1] = { label: other, end: 'selesai' };
    }
    // Each branch but the last runs from its target to the row before the next label.
    const lastTarget = labels[labels.length - 1]!.target;
    for (let b = 0; b < labels.length - 1; b++) {
      const from = labels[b]!.target;
      const to = labels[b + 1]!.target;
      if (from === undefined || to === undefined) continue;
      const endOfBranch = steps[to - 1]!;
      if (to - 1 < from) continue;
      const root = labelRoot(labels[b]!.label);
      const merge = root === undefined ? -1 : steps.findIndex((s, k) => k >= (lastTarget ?? to) && words(s.kegiatan).some((w) => hasRoot(w, root)));
      if (merge >= 0) {
        endOfBranch.next = steps[merge]!.id;
        delete endOfBranch.end;
        say(endOfBranch, 'next', M.c.branchMerges(labels[b]!.label, steps[merge]!.id, root!));
        // The shared rows go on as long as they mention this branch; after them it ends.
        let last = merge;
        while (last + 1 < steps.length && words(steps[last + 1]!.kegiatan).some((w) => hasRoot(w, root!))) last++;
        if (last + 1 < steps.length) {
          const shared = steps[last]!;
          shared.route = [
            { when: { step: d.id, branch: labels[b]!.label }, end: NEGATIVE.test(labels[b]!.label) ? 'ditolak' : 'selesai' },
            { next: steps[last + 1]!.id },
          ];
          delete shared.next;
          delete shared.end;
          say(shared, 'route', M.c.branchEndsAfter(labels[b]!.label, shared.id, root!));
          ask('next', M.q.branchEndsAfter(labels[b]!.label, shared.id, steps[last + 1]!.id), shared.id);
        }
      } else if (NEGATIVE.test(labels[b]!.label)) {
        delete endOfBranch.next;
        endOfBranch.end = 'ditolak';
        say(endOfBranch, 'end', M.c.branchEnds(labels[b]!.label));
        ask('next', M.q.branchEndUnknown(labels[b]!.label, endOfBranch.id, 'ditolak'), endOfBranch.id);
      } else {
        ask('next', M.q.branchEndUnknown(labels[b]!.label, endOfBranch.id, endOfBranch.next ?? 'selesai'), endOfBranch.id);
      }
    }
  }

  // Transitions written in the text: "dilanjutkan pada kegiatan 4", "kembali ke kegiatan 2", "jika tidak ... ditolak".
  const pendingRoleReturns: { step: WorkStep; role: number }[] = [];
  steps.forEach((s, i) => {
    if (s.kind === 'decision' && s.labels) return;
    const text = textOf(s);
    const forward = [...text.matchAll(FORWARD_TO_STEP)].map((m) => m[1]!.toLowerCase());
    const back: string[] = [];
    for (const m of text.matchAll(RETURN_TO_STEP)) {
      const target = m[1]!.toLowerCase();
      const at = index.get(target);
      // "Back" is by number as the SOP counts, even where its rows are out of order.
      const earlier = Number.parseInt(target, 10) < Number.parseInt(s.id, 10) || (Number.parseInt(target, 10) === Number.parseInt(s.id, 10) && at !== undefined && at < i);
      if (at === undefined) ask('next', M.q.unknownTarget(s.id, target), s.id);
      else if (!earlier) forward.push(target);
      else back.push(target);
    }
    const known = [...new Set(forward)].filter((t) => {
      if (!index.has(t)) {
        ask('next', M.q.unknownTarget(s.id, t), s.id);
        return false;
      }
      // "Dilanjutkan ke kegiatan N" where row N stands above this one would loop with no way out.
      if (index.get(t)! <= i) {
        ask('next', M.q.forwardBehind(t), s.id);
        return false;
      }
      return true;
    });
    const stop = STOP.exec(text);
    if (known.length >= 2) {
      s.kind = 'decision';
      s.branches = known.slice(0, 2).map((t, k) => ({ label: k === 0 ? 'Ya' : 'Tidak', next: t }));
      delete s.next;
      delete s.end;
      say(s, 'branches', M.c.branchesFromText(known));
      ask('kind', M.q.unlabelledBranches(s.id, known), s.id);
    } else if (stop) {
      const onward = known[0] ?? s.next;
      s.kind = 'decision';
      s.branches = [onward ? { label: 'Ya', next: onward } : { label: 'Ya', end: 'selesai' }, { label: 'Tidak', end: 'ditolak' }];
      delete s.next;
      delete s.end;
      say(s, 'branches', M.c.branchStop(clean(stop[0])));
      ask('kind', M.q.unlabelledBranches(s.id, [onward ?? 'selesai', 'ditolak']), s.id);
    } else if (known.length === 1 && known[0] !== s.next) {
      s.next = known[0]!;
      delete s.end;
      say(s, 'next', M.c.nextFromText(known[0]!));
    }
    if (back.length > 0 && s.kind !== 'decision') {
      s.kind = s.kind === 'joint' ? 'joint' : 'review';
      s.returnTo = [...new Set(back)];
      say(s, 'returnTo', M.c.returnFromText);
      if (s.kind === 'joint') ask('kind', M.q.jointWithReturn(s.id), s.id);
    } else if (back.length === 0 && s.kind !== 'decision') {
      const r = returnRole(s);
      if (r !== undefined) pendingRoleReturns.push({ step: s, role: r });
      else if (/\b(dikembalikan|kembali)\b/i.test(text) && /\b(jika|apabila|bila)\b/i.test(text)) ask('next', M.q.returnUnclear(s.id), s.id);
    }
  });

  // A diamond with no labels and no written branches: a check of the work before it.
  steps.forEach((s, i) => {
    const diamond = s.row?.marks.some((m) => m.mark.shape === 'decision');
    if (!diamond || s.labels || s.branches || s.returnTo || s.kind === 'joint') return;
    const prev = steps[i - 1];
    if (!prev) return;
    s.kind = 'review';
    s.returnTo = [prev.id];
    say(s, 'kind', M.c.diamondAsReview(prev.id));
    ask('kind', M.q.diamondWithoutLabels(s.id, prev.id), s.id);
  });

  // Returns to a role ("dikembalikan ke subkoor"): the nearest step of that role on every path in.
  const preds = new Map<string, string[]>();
  for (const s of steps) {
    const outs = [s.next, ...(s.branches ?? []).map((b) => b.next), ...(s.route ?? []).map((r) => r.next)].filter((x): x is string => x !== undefined);
    for (const o of outs) preds.set(o, [...(preds.get(o) ?? []), s.id]);
  }
  for (const { step, role } of pendingRoleReturns) {
    const found = new Set<string>();
    const seen = new Set<string>();
    const queue = [...(preds.get(step.id) ?? [])];
    while (queue.length > 0) {
      const id = queue.shift()!;
      if (seen.has(id)) continue;
      seen.add(id);
      const s = steps[index.get(id)!]!;
      if (s.role === role || s.roles?.includes(role)) found.add(id);
      else queue.push(...(preds.get(id) ?? []));
    }
    if (found.size === 0) {
      ask('next', M.q.returnRoleNotFound(step.id, roleName(role)), step.id);
      continue;
    }
    step.kind = step.kind === 'joint' ? 'joint' : 'review';
    step.returnTo = steps.filter((s) => found.has(s.id)).map((s) => s.id);
    say(step, 'returnTo', M.c.returnToRole(roleName(role), step.returnTo));
  }

  // ----- fields
  const konversi: KonversiWaktu | undefined = raw.konversi ? { jam: raw.konversi.jam, hari: raw.konversi.hari, minggu: raw.konversi.minggu } : undefined;
  const out: Record<string, unknown>[] = steps.map((s, i) => {
    const row = s.row!;
    const step: Record<string, unknown> = { id: s.id, kegiatan: s.kegiatan, kind: s.kind };
    if (s.roles) {
      step.roles = s.roles.map((r) => roleIds[r]!);
      step.quorum = 'all';
    } else if (s.role !== undefined) step.role = roleIds[s.role];
    if (s.roleInferred) step.roleInferred = true;
    if (s.kegiatan !== row.kegiatan && !s.labels) say(s, 'kegiatan', M.c.kegiatanCleaned);

    if (!s.labels) {
      const kel = items(row.kelengkapan, 'kelengkapan', s, say, ask);
      if (kel.length > 0) step.kelengkapan = kel.map((k) => k.name);

      const w = clean(row.waktu);
      if (w === '' || /^-+$/.test(w)) {
        say(s, 'waktu', M.c.waktuEmpty(w));
      } else {
        try {
          const parsed = parseWaktu(w, konversi);
          step.waktu = w;
          if (parsed.kind === 'actor-sets') say(s, 'waktu', M.c.waktuActorSets);
          if (parsed.kind === 'after-anchor') {
            const named = /(?:setelah|sesudah)\s+(?:kegiatan|langkah)\s*(\d+[a-z]?)/i.exec(w)?.[1];
            const anchor = named && index.has(named.toLowerCase()) ? named.toLowerCase() : steps[i - 1]?.id;
            if (anchor) {
              s.anchor = anchor;
              step.anchor = anchor;
              say(s, 'anchor', named ? M.c.anchorNamed(anchor) : M.c.anchorPrevious(anchor));
              if (!named) ask('waktu', M.q.anchorGuessed(s.id, w, anchor), s.id);
            }
          }
          if (/^\d+$/.test(w) && !konversi && !/menit/i.test(raw.waktuHeading)) say(s, 'waktu', M.c.waktuBareMinutes);
        } catch {
          say(s, 'waktu', M.c.waktuUnreadable(w));
          ask('waktu', M.q.waktuUnreadable(s.id, w), s.id);
        }
      }

      const outputs = items(row.output, 'output', s, say, ask);
      if (outputs.length > 0) {
        step.output = outputs.map((o) => {
          if (NOT_A_FILE_START.test(o.name) || NOT_A_FILE_END.test(o.name)) {
            say(s, 'output', M.c.notAFile(o.name));
            ask('output', M.q.notAFile(s.id, o.name), s.id);
            return { name: o.name, document: false };
          }
          return o.name;
        });
      }
      const ket = keterangan(row.keterangan);
      if (ket !== undefined) step.keterangan = ket;
    }
    if (s.anchor && !step.anchor) step.anchor = s.anchor;

    if (s.branches) step.branches = s.branches;
    else if (s.route) step.route = s.route;
    else if (s.next !== undefined) step.next = s.next;
    else step.end = s.end ?? 'selesai';
    if (s.returnTo) step.returnTo = s.returnTo.length === 1 ? s.returnTo[0] : s.returnTo;

    const at = steps.indexOf(s);
    for (const [key, texts] of s.comments) for (const text of texts) comments.push({ path: ['steps', at, key], text });
    return step;
  });

  // ----- id and code
  // The same SOP imported again keeps its catalog id and code, so its file is the one refused without --force.
  const same = nomor ? options.existing?.find((e) => e.nomor === nomor) : undefined;
  if (same && !options.id) ask('id', M.q.sameNomor(nomor!, same.id));
  const id = options.id ?? same?.id ?? uniqueId(slug(nama ?? options.file, '_', 40) || 'sop_impor', options.takenIds);
  if (!options.id && !same) ask('id', M.q.idChosen(id));
  const code = options.code ?? same?.code ?? uniqueCode(initials(nama ?? id), options.takenCodes);
  if (!options.code && !same) ask('id', M.q.codeChosen(code));

  const definition: Record<string, unknown> = {
    id,
    code,
    identity,
    ...sections,
    unit: { timezone: 'Asia/Jakarta' },
    ...(raw.konversi ? { konversiWaktu: { jam: raw.konversi.jam, hari: raw.konversi.hari, minggu: raw.konversi.minggu } } : {}),
    roles: raw.roles.map((r, k) => ({ id: roleIds[k], name: r.name })),
    steps: out,
  };
  comments.push({ path: ['unit'], text: M.c.timezoneDefault });
  if (raw.konversi) comments.push({ path: ['konversiWaktu'], text: M.c.konversi(raw.konversi.text) });
  return { id, code, definition, comments, header, questions };
}

function describeMarks(marks: RawMark[], roleName: (r: number) => string): string {
  return marks.map((m) => `${M.shape[m.mark.shape]}${m.mark.text && m.mark.source !== 'symbol' ? ` "${m.mark.text}"` : m.mark.text ? ` ${m.mark.text}` : ''} ${M.c.inColumn(roleName(m.role))}`).join(', ');
}

/** Kelengkapan or output entries: one per list item; a run of text with no marks stays whole, and is asked about. */
function items(
  f: RawField,
  what: 'kelengkapan' | 'output',
  s: WorkStep,
  say: (s: WorkStep, key: string, text: string) => void,
  ask: (topic: QuestionTopic, text: string, step?: string) => void,
): Item[] {
  const text = clean(f.text);
  if (text === '' || /^-+$/.test(text)) return [];
  const paras = f.paras.filter((p) => p.text !== '');
  let names: string[];
  let how: string;
  if (paras.length > 1 && paras.every((p) => !p.glued)) {
    names = paras.map((p) => clean(p.text.replace(/^([-•·–*▪]|\d{1,2}[.)])\s+/, '')));
    how = 'paragraphs';
  } else {
    const split = splitList(text);
    names = split.items.map((it) => it.text);
    how = split.how;
  }
  const out: string[] = [];
  for (const n of names) {
    const pieces = unglue(n);
    if (pieces.length > 1) {
      say(s, what, M.c.unglued(n, pieces));
      ask(what, M.q.unglued(s.id, what, n, pieces), s.id);
    }
    out.push(...pieces);
  }
  if (how === 'single' || how === 'semicolons' || how === 'repeated-prefix') {
    for (const n of out) {
      const several = maybeSeveral(n);
      if (several) ask(what, M.q.maybeSeveral(s.id, what, n, several), s.id);
    }
  } else {
    for (const n of out) if (maybeSeveral(n) === 'comma') ask(what, M.q.maybeSeveral(s.id, what, n, 'comma'), s.id);
  }
  return [...new Set(out)].map((name) => ({ name }));
}

/** Keterangan as written; a list in it ("1. ... 2. ...", "- ... - ...") one item per line. */
function keterangan(f: RawField): string | undefined {
  const text = clean(f.text);
  if (text === '' || /^-+$/.test(text)) return undefined;
  const paras = f.paras.filter((p) => p.text !== '');
  if (paras.length > 1) return paras.map((p) => clean(p.text)).join('\n');
  const split = splitList(text);
  if ((split.how === 'numbered' || split.how === 'bullets') && split.items.length > 1) {
    return split.items.map((it) => `${it.marker} ${it.text}`).join('\n');
  }
  return text;
}

function uniqueId(base: string, taken?: Set<string>): string {
  let id = /^[a-z0-9]/.test(base) ? base : `sop_${base}`;
  let n = 2;
  const start = id;
  while (taken?.has(id)) id = `${start}_${n++}`;
  return id;
}

function initials(text: string): string {
  const ws = text.split(/[^A-Za-z0-9]+/).filter((w) => w.length > 0 && !CONNECTORS.has(w.toLowerCase()));
  let code = ws.map((w) => w[0]!.toUpperCase()).join('').slice(0, 6);
  if (code.length < 2) code = (ws[0] ?? 'SOP').toUpperCase().replace(/[^A-Z0-9]/g, '').slice(0, 4);
  if (!/^[A-Z]/.test(code)) code = `S${code}`.slice(0, 10);
  return code.length >= 2 ? code : 'SOP';
}

function uniqueCode(base: string, taken?: Set<string>): string {
  let code = base;
  let n = 2;
  while (taken?.has(code)) code = `${base.slice(0, 8)}${n++}`;
  return code;
}

export function editDistance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) next[j] = Math.min(row[j]! + 1, next[j - 1]! + 1, row[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    row = next;
  }
  return row[b.length]!;
}
