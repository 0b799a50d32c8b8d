/**
 * The archive of one case for the SOP's "Pencatatan dan pendataan": one zip that a records
 * officer can open without the service. It holds a readable timeline (RIWAYAT.txt), the raw
 * rows (kasus.json, for a later import or audit), every stored file, and SHA256SUMS so the
 * archive can be checked years later with the standard `sha256sum -c`.
 */
import { createHash } from 'node:crypto';
import { strToU8, zipSync, type Zippable } from 'fflate';
import { formatLocal, type WorkCalendar } from '../calendar/calendar.js';
import { CLI } from '../messages/id.js';
import { renderCase } from '../messages/render.js';
import { SHEET } from '../messages/sheet.js';
import { caseViewOf } from '../sheet/case-view.js';
import { renderCaseSheet } from '../sheet/render.js';
import type { FileStore } from '../storage/files.js';
import { stripHidden } from '../storage/intake.js';
import type { WorkflowService } from '../service/workflow-service.js';

export type CaseDetails = Awaited<ReturnType<WorkflowService['caseDetails']>>;

export interface CaseArchive {
  zip: Uint8Array;
  documents: number;
}

/** A stored file that is gone or no longer what the database says; the archive is then not written. */
export class DamagedDocumentsError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
    this.name = 'DamagedDocumentsError';
  }
}

export async function buildCaseArchive(details: CaseDetails, calendar: WorkCalendar, files: FileStore, now: Date): Promise<CaseArchive> {
  const stored: { path: string; bytes: Uint8Array; doc: CaseDetails['documents'][number] }[] = [];
  const taken = new Set<string>();
  const problems: string[] = [];
  for (const doc of details.documents) {
    const problem = (text: string) => problems.push(CLI.exportProblem(doc.stepId, doc.slotName, doc.fileName, text));
    let bytes: Buffer;
    try {
      bytes = await readAll(files, doc.storageKey);
    } catch (e) {
      problem((e as NodeJS.ErrnoException).code === 'ENOENT' ? CLI.fileMissing : CLI.fileUnreadableDetail(e instanceof Error ? e.message : String(e)));
      continue;
    }
    const sha256 = sha256Of(bytes);
    if (bytes.length !== doc.sizeBytes) problem(CLI.fileSizeDiffers(bytes.length, doc.sizeBytes));
    else if (sha256 !== doc.sha256) problem(CLI.fileHashDiffers(sha256, doc.sha256));
    else stored.push({ path: uniquePath(`dokumen/${safeName(`${doc.stepId}-${doc.slotName}`)}/${safeName(doc.fileName)}`, taken), bytes, doc });
  }
  // An archive is kept for years as the record: better none than one with a wrong file in it.
  if (problems.length) throw new DamagedDocumentsError(problems);

  const timeline = [
    ...identityBlock(details, formatLocal(now, calendar)),
    '',
    CLI.archive.timeline,
    '',
    renderCase(details, calendar),
    '',
    CLI.archive.files,
    ...(stored.length ? stored.map((s) => `- ${CLI.archive.fileLine(s.path, s.doc.stepId, s.doc.slotName)}`) : [CLI.archive.noFiles]),
    '',
    CLI.archive.contents,
    SHEET.files.archiveContents,
    CLI.archive.verify,
    '',
  ].join('\n');
  const pathOf = new Map(stored.map((s) => [s.doc.id, s.path]));
  const raw = {
    format: 'sopbot-kasus/1',
    exportedAt: now.toISOString(),
    sop: { id: details.definition.id, version: details.sopVersion, identity: details.definition.identity },
    case: details.caseRow,
    tasks: details.tasks,
    events: details.events,
    documents: details.documents.map((d) => ({ ...d, archivePath: pathOf.get(d.id) })),
  };

  // Insertion order is the order in the zip: the timeline first, where a reader looks.
  const entries: Zippable = {};
  const sums: string[] = [];
  // Made on Unix (os 3) with plain file modes: Info-ZIP's unzip honours the UTF-8 name flag
  // (which fflate sets) only then; with fflate's default MS-DOS origin it reads "José" as CP437.
  const attributes = { os: 3, attrs: 0o100644 << 16 };
  const add = (path: string, bytes: Uint8Array, mtime: Date) => {
    entries[path] = [bytes, { mtime, ...attributes }];
    sums.push(`${sha256Of(bytes)}  ${path}`);
  };
  add('RIWAYAT.txt', strToU8(timeline), now);
  add('kasus.json', strToU8(`${JSON.stringify(raw, null, 2)}\n`), now);
  // The case on its SOP as the regulation draws it: where it went, where it stands.
  const sheet = await renderCaseSheet(details.definition, caseViewOf(details, now), { format: 'pdf', createdAt: now });
  add(SHEET.files.archiveEntry, sheet.files[0]!.data, now);
  for (const s of stored) add(s.path, s.bytes, s.doc.uploadedAt);
  entries['SHA256SUMS'] = [strToU8(`${sums.join('\n')}\n`), { mtime: now, ...attributes }];
  return { zip: zipSync(entries), documents: stored.length };
}

function sha256Of(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function identityBlock(details: CaseDetails, madeAt: string): string[] {
  const { definition: def, caseRow } = details;
  const a = CLI.archive;
  const id = def.identity;
  const field = (label: string, value: string | undefined) => (value ? [`${label}: ${value}`] : []);
  const list = (label: string, items: string[]) => (items.length ? [`${label}:`, ...items.map((i, n) => `  ${n + 1}. ${i}`)] : []);
  return [
    a.title(caseRow.ref, caseRow.title),
    a.made(madeAt),
    '',
    a.identity,
    ...field(a.nama, id.nama),
    ...field(a.nomor, id.nomor),
    `${a.instansi}: ${id.instansi.join(' / ')}`,
    ...field(a.tanggalPembuatan, id.tanggalPembuatan),
    ...field(a.tanggalRevisi, id.tanggalRevisi),
    ...field(a.tanggalEfektif, id.tanggalEfektif),
    ...field(a.disahkanOleh, id.disahkanOleh),
    `${a.version}: ${def.id} versi ${details.sopVersion}`,
    ...list(a.dasarHukum, def.dasarHukum),
    ...list(a.pencatatan, def.pencatatan),
  ];
}

async function readAll(files: FileStore, storageKey: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of files.open(storageKey) as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/**
 * A name any unzip tool on any system accepts and shows as it is: NFC (one form for "é"), no
 * control, direction or zero-width characters (a right-to-left override makes "laporan\u202Efdp.exe"
 * read as "laporanexe.pdf"), no separators or reserved characters; cut to 120 characters keeping
 * the extension, so the file still opens with the right program.
 */
function safeName(name: string): string {
  const cleaned = stripHidden(name.normalize('NFC'))
    .replace(/[/\\:*?"<>|]+/g, '_')
    .replace(/^[.\s]+|[.\s]+$/g, '');
  const chars = [...cleaned];
  if (chars.length <= MAX_NAME) return cleaned || '_';
  const ext = /\.[\p{L}\p{N}]{1,10}$/u.exec(cleaned)?.[0] ?? '';
  return `${chars.slice(0, MAX_NAME - [...ext].length).join('').replace(/[.\s]+$/, '')}${ext}`;
}

const MAX_NAME = 120;

/** A slot uploaded on several visits keeps every file: later ones get " (2)", " (3)". */
function uniquePath(path: string, taken: Set<string>): string {
  // Case-insensitive: Windows and macOS would overwrite one with the other when extracting.
  let candidate = path;
  const dot = path.lastIndexOf('.');
  const slash = path.lastIndexOf('/');
  const [stem, ext] = dot > slash + 1 ? [path.slice(0, dot), path.slice(dot)] : [path, ''];
  for (let n = 2; taken.has(candidate.toLowerCase()); n++) candidate = `${stem} (${n})${ext}`;
  taken.add(candidate.toLowerCase());
  return candidate;
}
