/**
 * The one door every uploaded document comes in by, from Telegram, Slack or the CLI: the name is
 * checked first (no control or direction characters, no path, an allowed extension), then the
 * first bytes of the content are read and their signature compared with the extension
 * (executable bytes named laporan.pdf are refused), and only then is anything written, with the
 * size limit counted on the real bytes as they stream. A refusal is an UploadRefusedError with a
 * code whose words are in src/messages/security.ts; a write whose database row then fails is
 * removed again (withStoredFile), so no file is left that no document names.
 */
import { Readable } from 'node:stream';
import { fileTypeFromBuffer } from 'file-type';
import type { UploadRefusalCode, UploadRefusalParams } from '../messages/security.js';
import { FileTooLargeError, type FileStore, type StoredFile } from './files.js';
import { extensionOf } from './mime.js';

export class UploadRefusedError<C extends UploadRefusalCode = UploadRefusalCode> extends Error {
  constructor(
    readonly code: C,
    readonly params: UploadRefusalParams<C>,
  ) {
    // For logs only; each channel renders the catalog's words for the code.
    super(`${code} ${JSON.stringify(params)}`);
    this.name = 'UploadRefusedError';
  }
}

export function isUploadRefused(e: unknown): e is UploadRefusedError {
  return e instanceof UploadRefusedError;
}

/** Which limit an upload ran into: the service's own, or a platform's lower download cap. */
export interface UploadLimit {
  bytes: number;
  by: 'service' | 'telegram';
}

export const MAX_NAME_LENGTH = 200;

/**
 * C0/C1 controls (a NUL cannot even be stored in PostgreSQL text), and the invisible characters
 * that make a name read differently from what it is: bidirectional overrides and isolates
 * ("laporan\u202Efdp.exe" shows as "laporanexe.pdf"), zero-width characters, line separators.
 */
// eslint-disable-next-line no-control-regex
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters in file names is the point
const HIDDEN = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]/;

/** The extension the name ends in, if the name may be stored and the extension is accepted. */
export function checkFileName(fileName: string, allowed: readonly string[]): string {
  if (!fileName.trim()) throw new UploadRefusedError('name_invalid', { reason: 'empty' });
  if (HIDDEN.test(fileName)) throw new UploadRefusedError('name_invalid', { reason: 'control' });
  if ([...fileName].length > MAX_NAME_LENGTH) throw new UploadRefusedError('name_invalid', { reason: 'too_long' });
  // A slash is kept ("Surat 800/12/2026.pdf" is a real name): keys are random, and the archive and transport replace it.
  if (fileName.trim() === '.' || fileName.trim() === '..') throw new UploadRefusedError('name_invalid', { reason: 'path' });
  const extension = extensionOf(fileName);
  if (!extension || !allowed.includes(extension)) throw new UploadRefusedError('type_not_allowed', { allowed: [...allowed] });
  return extension;
}

/**
 * What file-type may call each accepted extension. doc and xls are both OLE compound files
 * ("cfb"), which file-type does not tell apart. An Office Open XML file is a zip; file-type names
 * it docx/xlsx from its [Content_Types].xml, and says only "zip" when that entry is not among the
 * first bytes read (some generators put it last), so a plain zip passes as docx/xlsx: it is
 * still no executable, and Word refuses it.
 */
const EXPECTED: Record<string, string[]> = {
  pdf: ['pdf'],
  jpg: ['jpg'],
  jpeg: ['jpg'],
  png: ['png'],
  doc: ['cfb', 'doc'],
  xls: ['cfb', 'xls'],
  docx: ['docx', 'zip'],
  xlsx: ['xlsx', 'zip'],
};

/** Enough for every signature file-type reads, including the first zip entries of docx/xlsx. */
const HEAD_BYTES = 64 * 1024;

/** Refuses content whose signature is not that of its extension. */
export async function checkContent(head: Uint8Array, extension: string): Promise<void> {
  if (!head.length) throw new UploadRefusedError('empty', {});
  let detected: string | undefined;
  try {
    detected = (await fileTypeFromBuffer(head))?.ext;
  } catch {
    // A truncated container file-type cannot walk: judged as unrecognised below.
    detected = undefined;
  }
  // PDF readers accept the %PDF- header anywhere in the first 1024 bytes.
  if (extension === 'pdf' && !detected && Buffer.from(head.subarray(0, 1024)).includes('%PDF-')) return;
  const expected = EXPECTED[extension];
  if (expected ? detected !== undefined && expected.includes(detected) : detected === undefined || detected === extension) return;
  throw new UploadRefusedError('content_mismatch', { extension, detected: detected ?? null });
}

export interface IntakeOptions {
  fileName: string;
  allowed: readonly string[];
  limit: UploadLimit;
}

/**
 * Checks the name, reads the head of the content and checks its signature, then writes it all
 * with the size limit; the source is closed on any refusal (an HTTP download stops there).
 */
export async function storeChecked(files: FileStore, content: Buffer | Readable | AsyncIterable<Uint8Array>, options: IntakeOptions): Promise<StoredFile> {
  const extension = checkFileName(options.fileName, options.allowed);
  const tooLarge = () => new UploadRefusedError('too_large', { limitMb: toMb(options.limit.bytes), by: options.limit.by });
  const source = Buffer.isBuffer(content) ? Readable.from([content]) : content;
  const iterator = source[Symbol.asyncIterator]();
  const head: Buffer[] = [];
  let headBytes = 0;
  let done = false;
  try {
    while (headBytes < HEAD_BYTES) {
      const next = await iterator.next();
      if (next.done) {
        done = true;
        break;
      }
      const chunk = Buffer.from(next.value);
      head.push(chunk);
      headBytes += chunk.length;
      if (headBytes > options.limit.bytes) throw tooLarge();
    }
    await checkContent(Buffer.concat(head), extension);
  } catch (e) {
    await iterator.return?.();
    throw e;
  }
  async function* all(): AsyncGenerator<Uint8Array> {
    yield* head;
    if (done) return;
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield next.value;
  }
  try {
    return await files.put(all(), { maxBytes: options.limit.bytes });
  } catch (e) {
    await iterator.return?.();
    if (e instanceof FileTooLargeError) throw tooLarge();
    throw e;
  }
}

/** Runs what records the stored file; if it fails, the file goes too (no file without its row). */
export async function withStoredFile<T>(files: FileStore, stored: StoredFile, record: () => Promise<T>): Promise<T> {
  try {
    return await record();
  } catch (e) {
    await files.remove(stored.storageKey).catch(() => {});
    throw e;
  }
}

export function toMb(bytes: number): number {
  return Math.round((bytes / 1024 / 1024) * 10) / 10;
}

/**
 * A stored name made safe to put in a transport header (a multipart Content-Disposition, which
 * telegraf writes without escaping): no quotes, backslashes, line breaks or other hidden
 * characters. The stored original stays as it was, for the archive.
 */
export function transportName(fileName: string): string {
  const safe = stripHidden(fileName)
    .replace(/"/g, "'")
    .replace(/[\\/]/g, '_')
    .trim();
  return safe || 'dokumen';
}

/** The name without control, direction and zero-width characters (a stored name from before the intake check). */
export function stripHidden(name: string): string {
  return name.replace(new RegExp(HIDDEN.source, 'g'), '');
}
