import type { IncomingMessage } from 'node:http';
import type { UploadedFile } from './types.js';

/** The public Bot API refuses uploads above 50 MB with HTTP 413. */
export const MAX_UPLOAD_BYTES = 50 * 1024 * 1024;

export interface RawBody {
  bytes: Buffer;
  tooLarge: boolean;
}

/**
 * Reads the whole body but stops keeping bytes past the limit: draining the rest lets the
 * client see a proper 413 instead of a reset connection.
 */
export async function readBody(req: IncomingMessage, limit = MAX_UPLOAD_BYTES): Promise<RawBody> {
  const chunks: Buffer[] = [];
  let size = 0;
  let tooLarge = false;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > limit) tooLarge = true;
    if (!tooLarge) chunks.push(buf);
  }
  return { bytes: tooLarge ? Buffer.alloc(0) : Buffer.concat(chunks), tooLarge };
}

/** Fields that clients send as JSON text inside form bodies (telegraf does so for multipart). */
const JSON_FIELDS = new Set([
  'reply_markup',
  'reply_parameters',
  'allowed_updates',
  'entities',
  'caption_entities',
  'commands',
  'scope',
  'link_preview_options',
  'media',
]);

export class BodyError extends Error {}

/**
 * Turns any of the three encodings Telegram accepts (plus query-string parameters) into one
 * params object. Values stay strings where the encoding only has strings; handlers coerce.
 */
export function parseParams(
  contentType: string | undefined,
  body: Buffer,
  query: URLSearchParams,
): Record<string, unknown> {
  const params: Record<string, unknown> = {};
  for (const [k, v] of query) params[k] = v;
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();

  if (body.length > 0) {
    if (type === 'application/json') {
      let parsed: unknown;
      try {
        parsed = JSON.parse(body.toString('utf8'));
      } catch {
        throw new BodyError("can't parse JSON body");
      }
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
        throw new BodyError('JSON body must be an object');
      }
      Object.assign(params, parsed);
    } else if (type === 'application/x-www-form-urlencoded') {
      for (const [k, v] of new URLSearchParams(body.toString('utf8'))) params[k] = v;
    } else if (type === 'multipart/form-data') {
      const boundary = headerParam(contentType ?? '', 'boundary');
      if (!boundary) throw new BodyError('multipart body without boundary');
      const { fields, files } = parseMultipart(body, boundary);
      Object.assign(params, fields, files);
    }
  }

  for (const key of Object.keys(params)) {
    const value = params[key];
    if (JSON_FIELDS.has(key) && typeof value === 'string') {
      try {
        params[key] = JSON.parse(value);
      } catch {
        throw new BodyError(`can't parse ${key} JSON object`);
      }
    }
  }
  return params;
}

export interface Multipart {
  fields: Record<string, string>;
  files: Record<string, UploadedFile>;
}

export function parseMultipart(body: Buffer, boundary: string): Multipart {
  const fields: Record<string, string> = {};
  const files: Record<string, UploadedFile> = {};
  const delimiter = Buffer.from(`--${boundary}`);
  const nextDelimiter = Buffer.from(`\r\n--${boundary}`);

  let pos = body.indexOf(delimiter);
  if (pos < 0) throw new BodyError('multipart body without a first boundary');
  pos += delimiter.length;

  for (;;) {
    // "--" right after a delimiter closes the body.
    if (body[pos] === 0x2d && body[pos + 1] === 0x2d) break;
    if (body[pos] === 0x0d && body[pos + 1] === 0x0a) pos += 2;
    const headerEnd = body.indexOf('\r\n\r\n', pos);
    if (headerEnd < 0) throw new BodyError('multipart part without a header end');
    const headers = parseHeaders(body.subarray(pos, headerEnd).toString('utf8'));
    const contentStart = headerEnd + 4;
    const contentEnd = body.indexOf(nextDelimiter, contentStart);
    if (contentEnd < 0) throw new BodyError('multipart part without a closing boundary');
    const content = body.subarray(contentStart, contentEnd);

    const disposition = headers['content-disposition'] ?? '';
    const name = headerParam(disposition, 'name');
    const filename = headerParam(disposition, 'filename*') ?? headerParam(disposition, 'filename');
    if (name !== undefined) {
      if (filename !== undefined) {
        files[name] = {
          kind: 'upload',
          field: name,
          filename: decodeExtendedFilename(filename),
          mimeType: headers['content-type'],
          // Copy so the stored file does not pin the whole request buffer.
          bytes: Buffer.from(content),
        };
      } else {
        fields[name] = content.toString('utf8');
      }
    }
    pos = contentEnd + nextDelimiter.length;
  }
  return { fields, files };
}

function parseHeaders(block: string): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of block.split('\r\n')) {
    // telegraf writes "content-disposition:form-data; ..." with no space after the colon.
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return headers;
}

/** Reads `key=value` or `key="quoted \" value"` out of a header such as content-disposition. */
export function headerParam(header: string, key: string): string | undefined {
  const lower = header.toLowerCase();
  let from = 0;
  for (;;) {
    const at = lower.indexOf(`${key.toLowerCase()}=`, from);
    if (at < 0) return undefined;
    const before = at === 0 ? ';' : lower[at - 1]!;
    from = at + key.length + 1;
    if (before !== ';' && before !== ' ' && before !== '\t') continue;
    if (header[from] === '"') {
      let out = '';
      for (let i = from + 1; i < header.length; i++) {
        const c = header[i]!;
        if (c === '\\' && i + 1 < header.length) out += header[++i];
        else if (c === '"') return out;
        else out += c;
      }
      return out;
    }
    const end = header.indexOf(';', from);
    return header.slice(from, end < 0 ? undefined : end).trim();
  }
}

function decodeExtendedFilename(value: string): string {
  const match = /^([\w-]+)'[^']*'(.*)$/.exec(value);
  if (!match) return value;
  try {
    return decodeURIComponent(match[2]!);
  } catch {
    return value;
  }
}

const MIME_BY_EXTENSION: Record<string, string> = {
  pdf: 'application/pdf',
  txt: 'text/plain',
  csv: 'text/csv',
  json: 'application/json',
  xml: 'application/xml',
  zip: 'application/zip',
  doc: 'application/msword',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  xls: 'application/vnd.ms-excel',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  ppt: 'application/vnd.ms-powerpoint',
  pptx: 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  odt: 'application/vnd.oasis.opendocument.text',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  mp4: 'video/mp4',
  mp3: 'audio/mpeg',
  ogg: 'audio/ogg',
};

/** Telegram derives a document's mime type from its name; multipart parts from telegraf carry none. */
export function mimeFromFilename(filename: string): string {
  const ext = filename.includes('.') ? filename.split('.').pop()!.toLowerCase() : '';
  return MIME_BY_EXTENSION[ext] ?? 'application/octet-stream';
}

export function extensionOf(filename: string | undefined, fallback: string): string {
  if (!filename?.includes('.')) return fallback;
  const ext = filename.split('.').pop()!.toLowerCase();
  return /^[a-z0-9]{1,8}$/.test(ext) ? ext : fallback;
}
