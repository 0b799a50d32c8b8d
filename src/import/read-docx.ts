import type { DocumentModel } from './model.js';
export function readDocx(_bytes: Uint8Array, _file: string): DocumentModel {
  return { format: 'docx', lines: [] };
}
