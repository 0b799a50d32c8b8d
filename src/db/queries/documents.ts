/**
 * Documents: the files uploaded as a step's kelengkapan or output, by their storage key and sha256.
 */
import { asc, eq } from 'drizzle-orm';
import type { Actor, DocumentState, FileMeta } from '../../workflow/model.js';
import type { Queryable } from '../database.js';
import { rawQuery, RawTable } from '../raw.js';
import { cases, documents } from '../schema.js';

export const rawDocuments = new RawTable(documents);

export interface StoredDocument extends DocumentState {
  mimeType: string;
  storageKey: string;
  uploadedBy: Actor;
  uploadedAt: Date;
}

export async function loadDocuments(q: Queryable, caseId: number): Promise<StoredDocument[]> {
  const rows = await rawQuery(q)(`select ${rawDocuments.selectList} from documents where "case_id" = $1 order by "id"`, [caseId]);
  return rows.map((r) => toStoredDocument(rawDocuments.read(r)));
}

export function toStoredDocument(r: typeof documents.$inferSelect): StoredDocument {
  return {
    id: r.id,
    taskId: r.taskId,
    stepId: r.stepId,
    slotKind: r.slotKind,
    slotName: r.slotName,
    fileName: r.fileName,
    mimeType: r.mimeType,
    sizeBytes: r.sizeBytes,
    sha256: r.sha256,
    storageKey: r.storageKey,
    uploadedBy: r.uploadedBy,
    uploadedAt: r.uploadedAt,
  };
}

/** Every stored document with its case reference, oldest first (for `sopbot doctor`). */
export async function listAllDocuments(q: Queryable) {
  return q
    .select({
      id: documents.id,
      caseRef: cases.ref,
      stepId: documents.stepId,
      slotName: documents.slotName,
      fileName: documents.fileName,
      sizeBytes: documents.sizeBytes,
      sha256: documents.sha256,
      storageKey: documents.storageKey,
    })
    .from(documents)
    .innerJoin(cases, eq(cases.id, documents.caseId))
    .orderBy(asc(documents.id));
}

export async function insertDocument(
  q: Queryable,
  values: { caseId: number; taskId: number; stepId: string; slotKind: 'kelengkapan' | 'output'; slotName: string; file: FileMeta; actor: Actor; at: Date },
): Promise<number> {
  const [row] = await q
    .insert(documents)
    .values({
      caseId: values.caseId,
      taskId: values.taskId,
      stepId: values.stepId,
      slotKind: values.slotKind,
      slotName: values.slotName,
      fileName: values.file.fileName,
      mimeType: values.file.mimeType,
      sizeBytes: values.file.sizeBytes,
      sha256: values.file.sha256,
      storageKey: values.file.storageKey,
      uploadedBy: values.actor,
      uploadedAt: values.at,
    })
    .returning({ id: documents.id });
  return row!.id;
}

