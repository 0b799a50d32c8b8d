/**
 * The append-only audit trail of a case.
 */
import { asc, eq } from 'drizzle-orm';
import type { Actor } from '../../workflow/model.js';
import type { Queryable } from '../database.js';
import { events } from '../schema.js';

export interface StoredEvent {
  id: number;
  caseId: number | null;
  taskId: number | null;
  type: string;
  actor: Actor | null;
  channel: string | null;
  data: Record<string, unknown>;
  at: Date;
}

export async function loadEvents(q: Queryable, caseId: number): Promise<StoredEvent[]> {
  return q.select().from(events).where(eq(events.caseId, caseId)).orderBy(asc(events.id));
}

