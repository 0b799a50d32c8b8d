/**
 * SOP definition versions: every distinct content of a definition file is recorded once, and a
 * case keeps the version it started with.
 */
import { and, eq, max } from 'drizzle-orm';
import { sopDefinitionSchema, type SopDefinition } from '../../sop/definition.js';
import type { Queryable } from '../database.js';
import { sopVersions } from '../schema.js';

export interface StoredSopVersion {
  id: number;
  sopId: string;
  version: number;
  contentHash: string;
  definition: SopDefinition;
}

/** Records a definition's content as a version, once; the same content keeps its version. */
export async function ensureSopVersion(
  q: Queryable,
  def: SopDefinition,
  contentHash: string,
  sourceFile: string | null,
): Promise<StoredSopVersion> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const existing = await q
      .select()
      .from(sopVersions)
      .where(and(eq(sopVersions.sopId, def.id), eq(sopVersions.contentHash, contentHash)))
      .limit(1);
    if (existing[0]) return toSopVersion(existing[0]);
    const [top] = await q.select({ v: max(sopVersions.version) }).from(sopVersions).where(eq(sopVersions.sopId, def.id));
    const inserted = await q
      .insert(sopVersions)
      .values({ sopId: def.id, version: (top?.v ?? 0) + 1, contentHash, definition: def, sourceFile })
      .onConflictDoNothing()
      .returning();
    // Another replica may have inserted the same content or taken the number: read again.
    if (inserted[0]) return toSopVersion(inserted[0]);
  }
  throw new Error(`could not record a version of SOP ${def.id}`);
}

export async function getSopVersion(q: Queryable, id: number): Promise<StoredSopVersion | null> {
  const rows = await q.select().from(sopVersions).where(eq(sopVersions.id, id)).limit(1);
  return rows[0] ? toSopVersion(rows[0]) : null;
}

function toSopVersion(row: typeof sopVersions.$inferSelect): StoredSopVersion {
  return {
    id: row.id,
    sopId: row.sopId,
    version: row.version,
    contentHash: row.contentHash,
    definition: normalizeStored(row.definition),
  };
}

/**
 * A version stored by an earlier release keeps its JSON as it was then (kelengkapan as plain
 * names, say); reading it through today's schema gives the shape today's code expects. It was
 * valid when stored, so it parses; were it ever not to, it is used as stored.
 */
function normalizeStored(stored: unknown): SopDefinition {
  const parsed = sopDefinitionSchema.safeParse(stored);
  return parsed.success ? parsed.data : (stored as SopDefinition);
}
