/**
 * Why a document could not be imported at all. Each failure has a code and the data its
 * message needs; the Indonesian words are in src/messages/import.ts.
 */
import { IMPORT, type ImportErrorWords } from '../messages/import.js';
export type ImportErrorCode =
  | 'too_large'
  | 'not_zip'
  | 'corrupt_zip'
  | 'zip_bomb'
  | 'not_docx'
  | 'bad_xml'
  | 'unsupported_format'
  | 'not_sop'
  | 'no_table'
  | 'no_role_columns'
  | 'no_rows';

export type ImportErrorData = ImportErrorWords;

// Every code has its sentence in the catalog.
IMPORT.error satisfies Record<ImportErrorCode, (d: ImportErrorData) => string>;

export class ImportError extends Error {
  constructor(
    readonly code: ImportErrorCode,
    readonly data: ImportErrorData = {},
  ) {
    super(`${code}${data.detail ? `: ${data.detail}` : ''}`);
    this.name = 'ImportError';
  }
}
