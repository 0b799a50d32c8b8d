/**
 * Which files the service accepts as documents, by extension. Office documents, PDFs and
 * photos cover what the SOPs ask for (surat, laporan, daftar hadir, foto kegiatan).
 */
import { extname } from 'node:path';

export const MIME_BY_EXTENSION: Record<string, string> = {
  pdf: 'application/pdf',
  doc: 'application/msword',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  xls: 'application/vnd.ms-excel',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  png: 'image/png',
};

export const DEFAULT_ALLOWED_EXTENSIONS = ['pdf', 'doc', 'docx', 'xls', 'xlsx', 'jpg', 'jpeg', 'png'];

export function extensionOf(fileName: string): string {
  return extname(fileName).slice(1).toLowerCase();
}

export function mimeTypeOf(fileName: string): string {
  return MIME_BY_EXTENSION[extensionOf(fileName)] ?? 'application/octet-stream';
}
