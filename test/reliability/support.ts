/**
 * What the reliability stories share: the invariants that say no action was half-applied, a
 * snapshot of everything an input could change, a second connection pool on a test database,
 * and small timing helpers.
 */
import { asc, sql } from 'drizzle-orm';
import postgres from 'postgres';
import type { FakeTelegram, InlineKeyboardButton, TgChat, TgUser } from '../support/fake-telegram.js';
import type { Db } from '../../src/db/database.js';
import { bindings, cases, documents, events, outbox, pairingCodes, pendingPrompts, roleAllowlist, sopVersions, tasks } from '../../src/db/schema.js';

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Event types that close a task (a joint step closes on the confirmation that meets the quorum). */
const CLOSING_EVENTS = new Set(['task.completed', 'task.approved', 'task.returned', 'task.branch_chosen']);

/**
 * Checks that every transaction the workflow committed is whole. Returns the problems found
 * (empty when everything agrees):
 *  - every case has one case.started event; a closed case has its case.closed or
 *    case.cancelled event and no open task; an open case has exactly one open task;
 *  - every task has exactly one task.opened event and one card row per role;
 *  - every completed task has exactly one closing event, a card edit, and what it went to:
 *    the next task opened at the same instant (by the same transaction), or the case closed
 *    with that outcome.
 */
export async function consistencyProblems(db: Db): Promise<string[]> {
  // One snapshot, so a service still running alongside cannot show half of a later action.
  const { allCases, allTasks, allEvents, rows } = await db.transaction(
    async (tx) => ({
      allCases: await tx.select().from(cases).orderBy(asc(cases.id)),
      allTasks: await tx.select().from(tasks).orderBy(asc(tasks.id)),
      allEvents: await tx.select().from(events).orderBy(asc(events.id)),
      rows: await tx.select({ kind: outbox.kind, taskId: outbox.taskId, dedupeKey: outbox.dedupeKey, platform: outbox.platform }).from(outbox),
    }),
    { isolationLevel: 'repeatable read', accessMode: 'read only' },
  );
  const problems: string[] = [];
  const roleRows = new Set(rows.filter((r) => r.platform === null).map((r) => r.dedupeKey));
  const editsOf = new Map<number, number>();
  for (const r of rows) if (r.platform === null && r.kind === 'card-update' && r.taskId !== null) editsOf.set(r.taskId, (editsOf.get(r.taskId) ?? 0) + 1);

  const eventsOfCase = new Map<number, typeof allEvents>();
  for (const e of allEvents) if (e.caseId !== null) eventsOfCase.set(e.caseId, [...(eventsOfCase.get(e.caseId) ?? []), e]);
  const tasksOfCase = new Map<number, typeof allTasks>();
  for (const t of allTasks) tasksOfCase.set(t.caseId, [...(tasksOfCase.get(t.caseId) ?? []), t]);

  for (const c of allCases) {
    const evs = eventsOfCase.get(c.id) ?? [];
    const ts = tasksOfCase.get(c.id) ?? [];
    const where = `${c.ref}`;
    const count = (type: string, taskId?: number) => evs.filter((e) => e.type === type && (taskId === undefined || e.taskId === taskId)).length;
    if (count('case.started') !== 1) problems.push(`${where}: ${count('case.started')} case.started events`);
    const open = ts.filter((t) => t.status === 'open');
    if (c.status === 'closed') {
      if (count('case.closed') + count('case.cancelled') !== 1) problems.push(`${where}: closed with ${count('case.closed')} case.closed / ${count('case.cancelled')} case.cancelled events`);
      if (open.length) problems.push(`${where}: closed but tasks ${open.map((t) => t.id).join(',')} are open`);
    } else if (open.length !== 1) {
      problems.push(`${where}: open with ${open.length} open tasks`);
    }
    for (const t of ts) {
      const at = `${where} task ${t.id} (step ${t.stepId}#${t.visit})`;
      if (count('task.opened', t.id) !== 1) problems.push(`${at}: ${count('task.opened', t.id)} task.opened events`);
      for (const role of t.roles) if (!roleRows.has(`card:${t.id}:${role}`)) problems.push(`${at}: no card row for ${role}`);
      if (t.status !== 'completed') continue;
      const closing = evs.filter(
        (e) => e.taskId === t.id && (CLOSING_EVENTS.has(e.type) || (e.type === 'task.confirmed' && (e.data as { quorumMet?: boolean }).quorumMet === true)),
      );
      if (closing.length !== 1) problems.push(`${at}: completed with ${closing.length} closing events`);
      if (!editsOf.get(t.id)) problems.push(`${at}: completed without a card edit row`);
      const wentTo = t.wentTo ?? '';
      if (wentTo.startsWith('end:')) {
        if (c.status !== 'closed' || c.outcome !== wentTo.slice(4)) problems.push(`${at}: went to ${wentTo} but the case is ${c.status}/${c.outcome}`);
      } else {
        const next = ts.filter((n) => n.stepId === wentTo && n.openedAt.getTime() === t.doneAt?.getTime());
        if (next.length !== 1) problems.push(`${at}: went to ${wentTo}; ${next.length} tasks opened by that transaction`);
      }
    }
  }
  return problems;
}

/** Everything an input could change (not processed update ids, which every update adds). */
export async function stateSnapshot(db: Db) {
  const [c, t, e, d, o, b, p, a, codes, versions] = await Promise.all([
    db.select().from(cases).orderBy(asc(cases.id)),
    db.select().from(tasks).orderBy(asc(tasks.id)),
    db.select({ id: events.id, type: events.type, taskId: events.taskId }).from(events).orderBy(asc(events.id)),
    db.select().from(documents).orderBy(asc(documents.id)),
    db.select({ id: outbox.id, kind: outbox.kind, role: outbox.role, chatId: outbox.chatId, dedupeKey: outbox.dedupeKey }).from(outbox).orderBy(asc(outbox.id)),
    db.select().from(bindings).orderBy(asc(bindings.id)),
    db.select({ id: pendingPrompts.id, kind: pendingPrompts.kind }).from(pendingPrompts).orderBy(asc(pendingPrompts.id)),
    db.select().from(roleAllowlist),
    db.select({ id: pairingCodes.id, usedAt: pairingCodes.usedAt }).from(pairingCodes).orderBy(asc(pairingCodes.id)),
    db.select({ id: sopVersions.id }).from(sopVersions).orderBy(asc(sopVersions.id)),
  ]);
  return { cases: c, tasks: t, events: e, documents: d, outbox: o, bindings: b, prompts: p, allowlist: a, pairingCodes: codes, sopVersions: versions };
}

/** Runs `fn` over `items` with at most `limit` at a time. */
export async function pool<T, R>(items: T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!, i);
    }
  });
  await Promise.all(workers);
  return results;
}

/** Kills every connection to `database` on the server of `serverUrl` (a database restart, as the service sees it). */
export async function terminateConnections(serverUrl: string, database: string): Promise<number> {
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  try {
    const rows = await admin<{ n: number }[]>`
      select count(pg_terminate_backend(pid))::int as n from pg_stat_activity
      where datname = ${database} and pid <> pg_backend_pid()`;
    return rows[0]?.n ?? 0;
  } finally {
    await admin.end({ timeout: 5 });
  }
}

/** Rows of the outbox that are not done: role rows still pending, deliveries not sent. */
export async function unsentDeliveries(db: Db) {
  return db
    .select({ id: outbox.id, kind: outbox.kind, status: outbox.status, lastError: outbox.lastError, platform: outbox.platform })
    .from(outbox)
    .where(sql`(${outbox.platform} is null and ${outbox.status} in ('pending', 'unrouted')) or (${outbox.platform} is not null and ${outbox.status} <> 'sent')`);
}

/**
 * People at work in Telegram: every `tickMs` each desk's person presses the button their open
 * cards ask for (`choose` picks it from the card's buttons and case reference). A press with no
 * answer after `repressAfterMs`, or answered with one of `retryOn`, is pressed again, as a
 * person would when nothing happens or the bot says to try again.
 */
export class People {
  presses = 0;
  repressed = 0;
  private readonly pressed = new Map<string, { at: number; query: string }>();
  /** Every press: the card's case, the button, and the query id (its answer is in the fake's callbackAnswers). */
  readonly log: { ref: string; button: string; query: string }[] = [];
  private readonly done = new Set<string>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly tg: FakeTelegram,
    private readonly desks: { chat: TgChat; person: TgUser }[],
    private readonly choose: (buttons: InlineKeyboardButton[], ref: string) => InlineKeyboardButton | undefined,
    private readonly options: { tickMs?: number; repressAfterMs?: number; retryOn?: string[] } = {},
  ) {}

  start(): void {
    this.timer = setInterval(() => this.tick(), this.options.tickMs ?? 100);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private tick(): void {
    const now = Date.now();
    const repressAfter = this.options.repressAfterMs ?? 4000;
    for (const { chat, person } of this.desks) {
      for (const m of this.tg.messagesIn(chat)) {
        const buttons = m.reply_markup?.inline_keyboard.flat() ?? [];
        const ref = /📋 (\S+) ·/.exec(m.text ?? '')?.[1];
        if (!buttons.length || !ref) continue;
        const button = this.choose(buttons, ref);
        if (!button?.callback_data) continue;
        const key = `${chat.id}:${m.message_id}:${button.callback_data}`;
        if (this.done.has(key)) continue;
        const previous = this.pressed.get(key);
        if (previous) {
          const answer = this.tg.callbackAnswers.get(previous.query);
          if (answer && !(this.options.retryOn ?? []).includes(answer.text ?? '')) {
            this.done.add(key);
            continue;
          }
          if (now - (answer?.time ?? previous.at) < (answer ? 500 : repressAfter)) continue;
          this.repressed++;
        }
        const query = this.tg.userPresses(chat, person, m, button.callback_data);
        this.pressed.set(key, { at: now, query });
        this.log.push({ ref, button: button.text, query });
        this.presses++;
      }
    }
  }
}
