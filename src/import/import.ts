/**
 * The whole import as one pure function: bytes of a document in, one draft per SOP out
 * (definition, YAML text with comments, questions). The CLI adds only files and printing.
 */
import { ImportError } from './errors.js';
import { extractSops, type RawSop } from './extract.js';
import { inferDraft, type Draft } from './infer.js';
import { readDocx } from './read-docx.js';
import { isHtmlDocument, readHtml } from './read-html.js';
import { decodeText, readText } from './read-text.js';
import { writeDraft } from './write.js';

/** Larger than any SOP document with its letterhead images; a bigger file is refused before it is read. */
export const MAX_IMPORT_BYTES = 20 * 1024 * 1024;

export interface ImportedDraft extends Draft {
  yaml: string;
}

export interface ImportOptions {
  /** The file's name as given, for messages and the draft's header. */
  file: string;
  id?: string;
  code?: string;
  takenIds?: Set<string>;
  takenCodes?: Set<string>;
  existing?: { id: string; code: string; nomor: string }[];
}

export type SourceFormat = 'docx' | 'text';

/** What the bytes are, by content: a zip is treated as DOCX whatever its name says. */
export function detectFormat(bytes: Uint8Array, file: string): SourceFormat {
  const head = (n: number) => Array.from(bytes.subarray(0, n));
  const starts = (sig: number[]) => sig.every((b, i) => bytes[i] === b);
  if (starts([0x50, 0x4b, 0x03, 0x04]) || starts([0x50, 0x4b, 0x05, 0x06])) return 'docx';
  if (/\.docx$/i.test(file)) throw new ImportError('not_zip', { file });
  if (starts([0xd0, 0xcf, 0x11, 0xe0])) throw new ImportError('unsupported_format', { file, detail: 'dokumen Word lama (.doc); simpan ulang sebagai .docx' });
  if (starts([0x25, 0x50, 0x44, 0x46])) throw new ImportError('unsupported_format', { file, detail: 'PDF; impor DOCX aslinya atau teks yang diekspor' });
  if (head(4096).includes(0)) throw new ImportError('unsupported_format', { file, detail: 'berkas biner yang bukan DOCX' });
  return 'text';
}

export function importDocument(bytes: Uint8Array, options: ImportOptions): ImportedDraft[] {
  if (bytes.length > MAX_IMPORT_BYTES) {
    throw new ImportError('too_large', { file: options.file, sizeBytes: bytes.length, limitBytes: MAX_IMPORT_BYTES });
  }
  const format = detectFormat(bytes, options.file);
  const text = format === 'text' ? decodeText(bytes) : '';
  const model = format === 'docx' ? readDocx(bytes, options.file) : isHtmlDocument(text) ? readHtml(text) : readText(text);
  let raws: RawSop[];
  try {
    raws = extractSops(model);
  } catch (e) {
    if (e instanceof ImportError) throw new ImportError(e.code, { ...e.data, file: options.file });
    throw e;
  }
  const takenIds = new Set(options.takenIds ?? []);
  const takenCodes = new Set(options.takenCodes ?? []);
  return raws.map((raw, k) => {
    if (raw.rows.length === 0) throw new ImportError('no_rows', { file: options.file });
    const suffix = k === 0 ? '' : String(k + 1);
    const draft = inferDraft(raw, {
      file: options.file,
      ...(options.id ? { id: k === 0 ? options.id : `${options.id}_${suffix}` } : {}),
      ...(options.code ? { code: k === 0 ? options.code : `${options.code.slice(0, 9)}${suffix}` } : {}),
      takenIds,
      takenCodes,
      ...(options.existing ? { existing: options.existing } : {}),
    });
    takenIds.add(draft.id);
    takenCodes.add(draft.code);
    return { ...draft, yaml: writeDraft(draft) };
  });
}
