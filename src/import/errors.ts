/**
 * Why a document could not be imported at all. Each failure has a code and the data its
 * message needs; the Indonesian words are in src/messages/import.ts.
 */
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

export interface ImportErrorData {
  /** The file's name as the admin gave it. */
  file?: string;
  limitBytes?: number;
  sizeBytes?: number;
  detail?: string;
}

export class ImportError extends Error {
  constructor(
    readonly code: ImportErrorCode,
    readonly data: ImportErrorData = {},
  ) {
    super(`${code}${data.detail ? `: ${data.detail}` : ''}`);
    this.name = 'ImportError';
  }
}

export function isImportError(e: unknown): e is ImportError {
  return e instanceof ImportError;
}
