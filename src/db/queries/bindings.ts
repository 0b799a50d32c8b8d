/**
 * Which chat speaks for which role: one-time pairing codes, the bindings of chats (or forum
 * topics, or Slack channels) to roles, and the optional per-role allow lists.
 */
import { createHash, randomInt } from 'node:crypto';
import { and, asc, eq, gt, inArray, isNull, sql } from 'drizzle-orm';
import type { Queryable } from '../database.js';
import { rawQuery } from '../raw.js';
import { bindings, pairingCodes, roleAllowlist } from '../schema.js';

export type BindingRow = typeof bindings.$inferSelect;

export type ChatPlatform = 'telegram' | 'slack';

/** A chat, or one forum topic / thread of it. */
export interface Place {
  platform: ChatPlatform;
  chatId: string;
  /** '' for the whole chat. */
  threadId: string;
}

// No 0/O, 1/I/L: codes are read off a screen and typed into a phone.
const CODE_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';

function hashCode(code: string): string {
  return createHash('sha256').update(code.replace(/[\s-]/g, '').toUpperCase()).digest('hex');
}

export async function createPairingCode(
  q: Queryable,
  values: { platform: ChatPlatform; role: string; ttlMs: number; now: Date },
): Promise<{ code: string; expiresAt: Date }> {
  const raw = Array.from({ length: 8 }, () => CODE_ALPHABET[randomInt(CODE_ALPHABET.length)]).join('');
  const code = `${raw.slice(0, 4)}-${raw.slice(4)}`;
  const expiresAt = new Date(values.now.getTime() + values.ttlMs);
  await q.insert(pairingCodes).values({ codeHash: hashCode(code), platform: values.platform, role: values.role, expiresAt });
  return { code, expiresAt };
}

export type RedeemResult = { ok: true; role: string } | { ok: false; reason: 'unknown' | 'used' | 'expired' };

/** Uses a code once: the update is conditional, so two groups racing for one code cannot both win. */
export async function redeemPairingCode(q: Queryable, platform: ChatPlatform, code: string, now: Date): Promise<RedeemResult> {
  const codeHash = hashCode(code);
  const used = await q
    .update(pairingCodes)
    .set({ usedAt: now })
    .where(and(eq(pairingCodes.codeHash, codeHash), eq(pairingCodes.platform, platform), isNull(pairingCodes.usedAt), gt(pairingCodes.expiresAt, now)))
    .returning({ role: pairingCodes.role });
  if (used[0]) return { ok: true, role: used[0].role };
  const [row] = await q.select().from(pairingCodes).where(and(eq(pairingCodes.codeHash, codeHash), eq(pairingCodes.platform, platform)));
  if (!row) return { ok: false, reason: 'unknown' };
  return { ok: false, reason: row.usedAt ? 'used' : 'expired' };
}

/** Call inside the transaction that also reroutes the role's waiting rows (see lockRoleRouting). */
export async function bindPlace(q: Queryable, place: Place, role: string, label: string | null): Promise<boolean> {
  await lockRoleRouting(q, role);
  const inserted = await q
    .insert(bindings)
    .values({ platform: place.platform, chatId: place.chatId, threadId: place.threadId, role, label })
    .onConflictDoNothing()
    .returning({ id: bindings.id });
  return inserted.length > 0;
}

export async function unbindPlace(q: Queryable, place: Place): Promise<string[]> {
  const removed = await q
    .delete(bindings)
    .where(and(eq(bindings.platform, place.platform), eq(bindings.chatId, place.chatId), eq(bindings.threadId, place.threadId)))
    .returning({ role: bindings.role });
  return removed.map((r) => r.role);
}

/** Roles a place speaks for: its own binding, else the whole chat's (a topic inherits its group). */
export async function rolesOfPlace(q: Queryable, place: Place): Promise<string[]> {
  const rows = await q
    .select({ role: bindings.role, threadId: bindings.threadId })
    .from(bindings)
    .where(and(eq(bindings.platform, place.platform), eq(bindings.chatId, place.chatId)))
    .orderBy(asc(bindings.id));
  return placeRoles(rows, place.threadId);
}

/** The rule of rolesOfPlace over a chat's bindings (in binding order). */
function placeRoles(chatBindings: readonly { role: string; threadId: string }[], threadId: string): string[] {
  const own = chatBindings.filter((r) => r.threadId === threadId).map((r) => r.role);
  if (own.length || threadId === '') return own;
  return chatBindings.filter((r) => r.threadId === '').map((r) => r.role);
}

/** The rule of mayAct over a role's allow list. */
const allowedBy = (allowList: readonly { userId: string }[], userId: string): boolean => allowList.length === 0 || allowList.some((a) => a.userId === userId);

/** A task as a press sees it before acting, with what the pressing place and person may do about it. */
export interface PressTarget {
  taskId: number;
  stepId: string;
  taskRoles: string[];
  caseRef: string;
  sopId: string;
  sopVersionId: number;
  /** The roles the place speaks for (rolesOfPlace). */
  placeRoles: string[];
  /** Of those roles that the task names, the ones whose allow list lets the person act (mayAct). */
  allowedRoles: string[];
}

/**
 * Everything a button press is checked against before it acts, in one statement: the task and
 * its case, the chat's bindings, and the allow lists of the task's roles. The same rules as
 * rolesOfPlace and mayAct, which would cost a press five statements more. Null: no such task.
 */
export async function pressTarget(q: Queryable, place: Place, userId: string, taskId: number): Promise<PressTarget | null> {
  const [row] = await rawQuery(q)(
    `select t."step_id", t."roles", c."ref", c."sop_id", c."sop_version_id",
       (select coalesce(json_agg(json_build_object('role', b."role", 'threadId', b."thread_id") order by b."id"), '[]')
          from bindings b where b."platform" = $2 and b."chat_id" = $3) as bound,
       (select coalesce(json_agg(json_build_object('role', a."role", 'userId', a."user_id")), '[]')
          from role_allowlist a where a."platform" = $2 and t."roles" ? a."role") as allow
     from tasks t join cases c on c."id" = t."case_id"
     where t."id" = $1`,
    [taskId, place.platform, place.chatId],
  );
  if (!row) return null;
  const taskRoles = parseJson<string[]>(row.roles);
  const bound = parseJson<{ role: string; threadId: string }[]>(row.bound);
  const allow = parseJson<{ role: string; userId: string }[]>(row.allow);
  const roles = placeRoles(bound, place.threadId);
  return {
    taskId,
    stepId: String(row.step_id),
    taskRoles,
    caseRef: String(row.ref),
    sopId: String(row.sop_id),
    sopVersionId: Number(row.sop_version_id),
    placeRoles: roles,
    allowedRoles: taskRoles.filter((r) => allowedBy(allow.filter((a) => a.role === r), userId)),
  };
}

/** jsonb and json arrive parsed from both drivers; text (a driver that leaves them) is parsed here. */
const parseJson = <T>(value: unknown): T => (typeof value === 'string' ? (JSON.parse(value) as T) : (value as T));

export async function listBindings(q: Queryable) {
  return q.select().from(bindings).orderBy(asc(bindings.role), asc(bindings.id));
}

/** Without an allow list for the role, any member of a bound chat may act. */
export async function mayAct(q: Queryable, platform: ChatPlatform, role: string, userId: string): Promise<boolean> {
  const rows = await q
    .select({ userId: roleAllowlist.userId })
    .from(roleAllowlist)
    .where(and(eq(roleAllowlist.platform, platform), eq(roleAllowlist.role, role)));
  return allowedBy(rows, userId);
}

export async function allowUser(q: Queryable, platform: ChatPlatform, role: string, userId: string): Promise<void> {
  await q.insert(roleAllowlist).values({ platform, role, userId }).onConflictDoNothing();
}

export async function disallowUser(q: Queryable, platform: ChatPlatform, role: string, userId: string): Promise<boolean> {
  const rows = await q
    .delete(roleAllowlist)
    .where(and(eq(roleAllowlist.platform, platform), eq(roleAllowlist.role, role), eq(roleAllowlist.userId, userId)))
    .returning();
  return rows.length > 0;
}

export async function listAllowlist(q: Queryable) {
  return q.select().from(roleAllowlist).orderBy(asc(roleAllowlist.platform), asc(roleAllowlist.role), asc(roleAllowlist.userId));
}

/** The places bound to any of `roles`, in binding order. */
export async function bindingsForRoles(q: Queryable, roles: readonly string[]): Promise<BindingRow[]> {
  if (!roles.length) return [];
  return q.select().from(bindings).where(inArray(bindings.role, [...roles])).orderBy(asc(bindings.id));
}

const routeLockKey = (role: string) => `sopbot:route:${role}`;

/**
 * Serialises "route a role's row" with "bind a chat to that role" until the transaction ends.
 * Without it a row routed while a chat is being bound can be marked unrouted after the binding's
 * reroute already looked, and wait for a binding that already exists.
 */
async function lockRoleRouting(q: Queryable, role: string): Promise<void> {
  await q.execute(sql`select pg_advisory_xact_lock(hashtext(${routeLockKey(role)}))`);
}

/** lockRoleRouting for many roles in one statement, always in the same order (no deadlock between two routers). */
export async function lockRolesRouting(q: Queryable, roles: readonly string[]): Promise<void> {
  const keys = [...new Set(roles)].sort().map(routeLockKey);
  if (!keys.length) return;
  await rawQuery(q)(
    `select pg_advisory_xact_lock(hashtext(k)) from jsonb_array_elements_text($1::jsonb) with ordinality as l(k, n) order by n`,
    [JSON.stringify(keys)],
  );
}
