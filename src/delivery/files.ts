/**
 * Files and pictures through the outbox. A row of kind `file` names WHAT to render, never the
 * bytes: rows stay small, and a retry renders again (a case's picture then shows the case as it
 * stands at that attempt). The transport of each platform asks a FileRenderer for the bytes at
 * send time and sends them in its own terms (Telegram sendPhoto / sendMediaGroup / sendDocument,
 * Slack files.uploadV2); the dispatcher passes the row through claim → send → record like a card.
 */

export const FILE_KIND = 'file';

/** What a `file` row asks for; the row's payload. */
export type FileSpec =
  /** The flowchart with one case drawn on it (photo). */
  | { render: 'case-picture'; caseId: number }
  /** The SOP sheet as the regulation draws it (PDF document). */
  | { render: 'sop-sheet'; sopId: string }
  /** The SOP's flowchart alone (photo). */
  | { render: 'sop-picture'; sopId: string }
  /** The monitoring form of a period (XLSX or PDF document); every SOP that ran unless `sopId`; `auto`: the monthly one. */
  | { render: 'monitoring'; from: string; to: string; sopId?: string; format: 'xlsx' | 'pdf'; auto?: boolean }
  /** The daily digest's picture as of `at` (photo). */
  | { render: 'digest-chart'; at: string };

export interface OutgoingFile {
  name: string;
  mimeType: string;
  data: Buffer;
}

export interface RenderedFiles {
  /** 'photo': pictures to show inline (one or an album); 'document': exactly one file to keep. */
  as: 'photo' | 'document';
  files: OutgoingFile[];
  /** Plain text; each transport escapes it and cuts it to its platform's caption limit. */
  caption: string;
}

/** Renders what a row names. Throws a permanent DeliveryError when it never can (the SOP is gone). */
export type FileRenderer = (spec: FileSpec) => Promise<RenderedFiles>;

const RENDERS = new Set<FileSpec['render']>(['case-picture', 'sop-sheet', 'sop-picture', 'monitoring', 'digest-chart']);

/** The payload of a row back as a FileSpec, or null when it is not one this service writes. */
export function fileSpecOf(payload: Record<string, unknown>): FileSpec | null {
  return typeof payload.render === 'string' && RENDERS.has(payload.render as FileSpec['render']) ? (payload as unknown as FileSpec) : null;
}
