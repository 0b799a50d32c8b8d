/**
 * Reading the few entries of a DOCX that the importer needs, with the guards an upload from
 * outside needs: a zip is read from its central directory, every entry's declared sizes and
 * compression ratio are checked before anything is inflated, and inflation stops the moment
 * the output passes the limit, whatever the headers claimed (a zip bomb lies in its headers).
 *
 * fflate (already a dependency for the case archive) inflates; its streaming Inflate lets the
 * output be counted chunk by chunk, which its one-shot unzipSync does not.
 */
import { Inflate } from 'fflate';
import { ImportError } from './errors.js';

export interface ZipLimits {
  /** Most entries a DOCX may have (a real one has tens). */
  maxEntries: number;
  /** Largest uncompressed size of one entry that is read. */
  maxEntryBytes: number;
  /** Largest sum of the declared uncompressed sizes of all entries. */
  maxTotalBytes: number;
  /** Highest compression ratio of an entry larger than 1 MB (XML compresses 10-20×; bombs 1000×). */
  maxRatio: number;
}

export const DOCX_LIMITS: ZipLimits = {
  maxEntries: 2000,
  maxEntryBytes: 32 * 1024 * 1024,
  maxTotalBytes: 256 * 1024 * 1024,
  maxRatio: 200,
};

interface Entry {
  name: string;
  method: number;
  compressedSize: number;
  size: number;
  localOffset: number;
}

const u16 = (b: Uint8Array, o: number) => b[o]! | (b[o + 1]! << 8);
const u32 = (b: Uint8Array, o: number) => (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0;

export function listZip(bytes: Uint8Array, file: string, limits: ZipLimits = DOCX_LIMITS): Map<string, Entry> {
  const corrupt = (detail: string) => new ImportError('corrupt_zip', { file, detail });
  const bomb = (detail: string) => new ImportError('zip_bomb', { file, detail });
  // The end-of-central-directory record sits in the last 22 bytes, plus a comment of up to 64 KB.
  let eocd = -1;
  for (let i = bytes.length - 22; i >= Math.max(0, bytes.length - 22 - 0xffff); i--) {
    if (u32(bytes, i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw corrupt('akhir direktori zip tidak ditemukan');
  const count = u16(bytes, eocd + 10);
  const cdSize = u32(bytes, eocd + 12);
  const cdOffset = u32(bytes, eocd + 16);
  if (count === 0xffff || cdOffset === 0xffffffff) throw corrupt('format ZIP64 tidak didukung');
  if (count > limits.maxEntries) throw bomb(`${count} entri, paling banyak ${limits.maxEntries}`);
  if (cdOffset + cdSize > bytes.length) throw corrupt('direktori zip terpotong');

  const entries = new Map<string, Entry>();
  let total = 0;
  let p = cdOffset;
  for (let k = 0; k < count; k++) {
    if (p + 46 > bytes.length || u32(bytes, p) !== 0x02014b50) throw corrupt('entri direktori zip rusak');
    const nameLength = u16(bytes, p + 28);
    const entry: Entry = {
      method: u16(bytes, p + 10),
      compressedSize: u32(bytes, p + 20),
      size: u32(bytes, p + 24),
      localOffset: u32(bytes, p + 42),
      name: new TextDecoder().decode(bytes.subarray(p + 46, p + 46 + nameLength)),
    };
    total += entry.size;
    if (total > limits.maxTotalBytes) throw bomb(`isi terurai lebih dari ${Math.round(limits.maxTotalBytes / 1024 / 1024)} MB`);
    if (entry.size > 1024 * 1024 && entry.size / Math.max(1, entry.compressedSize) > limits.maxRatio) {
      throw bomb(`${entry.name} terurai ${Math.round(entry.size / Math.max(1, entry.compressedSize))}× ukurannya`);
    }
    entries.set(entry.name, entry);
    p += 46 + nameLength + u16(bytes, p + 30) + u16(bytes, p + 32);
  }
  return entries;
}

/** One entry's bytes, inflated under the limit. */
export function readEntry(bytes: Uint8Array, entry: Entry, file: string, limits: ZipLimits = DOCX_LIMITS): Uint8Array {
  const corrupt = (detail: string) => new ImportError('corrupt_zip', { file, detail });
  const at = entry.localOffset;
  if (at + 30 > bytes.length || u32(bytes, at) !== 0x04034b50) throw corrupt(`${entry.name}: kepala entri rusak`);
  const start = at + 30 + u16(bytes, at + 26) + u16(bytes, at + 28);
  const end = start + entry.compressedSize;
  if (end > bytes.length) throw corrupt(`${entry.name}: isi terpotong`);
  const data = bytes.subarray(start, end);
  if (entry.method === 0) {
    if (data.length > limits.maxEntryBytes) throw new ImportError('zip_bomb', { file, detail: `${entry.name} lebih dari batas` });
    return data;
  }
  if (entry.method !== 8) throw corrupt(`${entry.name}: metode kompresi ${entry.method} tidak didukung`);

  const chunks: Uint8Array[] = [];
  let size = 0;
  let over = false;
  const inflater = new Inflate((chunk) => {
    size += chunk.length;
    if (size > limits.maxEntryBytes) over = true;
    else chunks.push(chunk);
  });
  const step = 16 * 1024;
  try {
    for (let o = 0; o < data.length && !over; o += step) inflater.push(data.subarray(o, Math.min(data.length, o + step)), o + step >= data.length);
  } catch (e) {
    throw corrupt(`${entry.name}: ${(e as Error).message}`);
  }
  if (over) throw new ImportError('zip_bomb', { file, detail: `${entry.name} terurai lebih dari ${Math.round(limits.maxEntryBytes / 1024 / 1024)} MB` });
  const out = new Uint8Array(size);
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}
