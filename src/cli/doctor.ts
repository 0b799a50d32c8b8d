/**
 * `sopbot doctor`: what an admin runs after a restore, a disk incident or a move of the files
 * folder. The database only records each document's key, size and sha256; this reads every
 * stored file back and compares, so a lost or altered document is found before someone needs it.
 */
import { sql } from 'drizzle-orm';
import type { Db } from '../db/database.js';
import { databaseHealth } from '../db/database.js';
import { CLI } from '../messages/id.js';
import { SECURITY } from '../messages/security.js';
import type { CatalogFailure } from '../sop/loader.js';
import type { FileStore } from '../storage/files.js';
import { listAllDocuments } from '../db/queries/documents.js';

export interface DoctorResult {
  /** Every line of the report, problems marked; printed in order. */
  lines: string[];
  problems: number;
}

export function databaseDown(e: unknown): DoctorResult {
  return { lines: [CLI.doctorDatabaseDown(describeError(e))], problems: 1 };
}

/** Reachable and fully migrated; a problem line otherwise. */
export async function checkDatabase(db: Db): Promise<DoctorResult & { reachable: boolean }> {
  try {
    await db.execute(sql`select 1`);
  } catch (e) {
    return { ...databaseDown(e), reachable: false };
  }
  const health = await databaseHealth(db);
  return health.migrated
    ? { lines: [CLI.doctorDatabaseOk], problems: 0, reachable: true }
    : { lines: [CLI.doctorMigrationsPending], problems: 1, reachable: true };
}

export function checkCatalog(loaded: number, failures: CatalogFailure[]): DoctorResult {
  return {
    lines: [CLI.doctorCatalogOk(loaded), ...failures.map((f) => CLI.doctorCatalogFailure(f.file, f.errors.map((e) => e.message)))],
    problems: failures.length,
  };
}

export async function checkDocuments(db: Db, files: FileStore): Promise<DoctorResult> {
  let docs: Awaited<ReturnType<typeof listAllDocuments>>;
  try {
    docs = await listAllDocuments(db);
  } catch (e) {
    return { lines: [CLI.doctorDocumentsUnlisted(describeError(e))], problems: 1 };
  }
  const lines: string[] = [];
  for (const doc of docs) {
    const problem = await documentProblem(files, doc);
    if (problem) lines.push(CLI.doctorDocument(doc.caseRef, doc.stepId, doc.slotName, doc.fileName, problem));
  }
  lines.push(lines.length ? CLI.doctorDocumentsChecked(docs.length, lines.length) : CLI.doctorDocumentsOk(docs.length));
  const orphans = await orphanFiles(files, new Set(docs.map((d) => d.storageKey)));
  return { lines: [...lines, ...orphans.lines], problems: lines.length - 1 + orphans.problems };
}

/** The reverse check: files in the folder that no document names (an upload whose row failed, a stray copy). */
async function orphanFiles(files: FileStore, named: Set<string>): Promise<DoctorResult> {
  let stored: { storageKey: string; sizeBytes: number }[];
  try {
    stored = await files.list();
  } catch (e) {
    return { lines: [CLI.doctorDocumentsUnlisted(describeError(e))], problems: 1 };
  }
  const orphans = stored.filter((f) => !named.has(f.storageKey));
  if (!orphans.length) return { lines: [SECURITY.doctorOrphansOk], problems: 0 };
  return { lines: [...orphans.map((f) => SECURITY.doctorOrphanFile(f.storageKey, f.sizeBytes)), SECURITY.doctorOrphansFound(orphans.length)], problems: orphans.length };
}

async function documentProblem(files: FileStore, doc: { storageKey: string; sizeBytes: number; sha256: string }): Promise<string | null> {
  let actual: { sizeBytes: number; sha256: string } | null;
  try {
    actual = await files.inspect(doc.storageKey);
  } catch (e) {
    return CLI.fileUnreadableDetail(describeError(e));
  }
  if (!actual) return CLI.fileMissing;
  if (actual.sizeBytes !== doc.sizeBytes) return CLI.fileSizeDiffers(actual.sizeBytes, doc.sizeBytes);
  if (actual.sha256 !== doc.sha256) return CLI.fileHashDiffers(actual.sha256, doc.sha256);
  return null;
}

/**
 * The driver's own words on one line. drizzle wraps the real error ("Failed query: ...") and
 * Node may leave the message empty with only a code, so the innermost cause is the useful part;
 * anything URL-shaped is cut because a connection string carries the password.
 */
export function describeError(e: unknown): string {
  let inner = e;
  while (inner instanceof Error && inner.cause instanceof Error) inner = inner.cause;
  const err = inner as (Error & { code?: string; errors?: Error[] }) | undefined;
  const text = err instanceof Error ? err.message || err.errors?.[0]?.message || err.code || err.name : String(inner);
  return text
    .replace(/\b[a-z][a-z0-9+.-]*:\/\/\S*/gi, '<url>')
    .replace(/\s+/g, ' ')
    .trim();
}
