/**
 * Delivery of a backlog: 2 000 cards waiting for 100 Telegram groups (20 each), sent by the real
 * dispatcher and telegraf transport to the fake Bot API, which answers 429 like Telegram beyond
 * 30 messages in any second overall or 20 in any minute into one group.
 *
 * What the limits allow: 20 cards per group fit one group's minute, and 100 groups × 20/min is
 * 33/s, so the overall 30/s is what binds. N sends spread over T seconds (first to last) touch
 * at most ⌊T⌋ + 1 one-second windows, so N ≤ 30 × (⌊T⌋ + 1): the 2 000th card can go no sooner
 * than 66 s after the first. The achieved rate is therefore N / (T + 1 s), which a sender keeping
 * to 30/s can never push past 30/s (2 000 cards in exactly 66 s: 29.9/s); T is counted from the
 * dispatcher's start, so getting going (routing the backlog to the groups) is part of it.
 *
 * The backlog: one case per group's SOP started through the service, then 19 copies of each of
 * those rows (case, first task, card row) made in SQL, since 2 000 start-ups are not what is
 * measured here. The card rows are written group by group (all of group 0's, then group 1's, …),
 * as a backlog that built up office by office would be. The dispatcher is stopped while it is
 * written and started when all is there.
 */
import type { Actor } from '../../src/workflow/model.js';
import type { RecordedCall, TgChat } from '../support/fake-telegram.js';
import type { BenchDatabase, Driver } from './db.js';
import { round, sleep } from './measure.js';
import { groupSop } from './sops.js';
import { bindDirect, startWorld } from './world.js';
import * as outboxQ from '../../src/db/queries/outbox.js';

const GROUPS = 100;
const CARDS_PER_GROUP = 20;
export const LIMITS = { globalPerSecond: 30, perChatPerMinute: 20 };
/** Upper bound of the run: 66 s is the least it can take; past this the run is reported as cut off. */
const CUTOFF_MS = 150_000;
/** Width of the timeline's buckets. */
const BUCKET_MS = 10_000;

export interface DeliveryResult {
  cards: number;
  groups: number;
  delivered: number;
  /** Cards given up (dead) or recorded as sent that no group received. */
  lost: number;
  /** Cards still waiting in the outbox when the run was cut off (not lost: they would go on). */
  waitingAtCutoff: number;
  duplicates: number;
  /** Groups whose cards arrived out of case order. */
  outOfOrder: number;
  received429: number;
  /** From the dispatcher's start to the first and to the last card accepted by the Bot API, s. */
  firstSeconds: number;
  seconds: number;
  /** The least the limits allow for the last card: ⌈cards / 30⌉ − 1 s after the first. */
  idealSeconds: number;
  /** cards / (seconds + 1): see above. */
  ratePerSecond: number;
  /** ratePerSecond / 30. */
  shareOfLimit: number;
  /** The same for a sender exactly at the limits: cards / (idealSeconds + 1) / 30. */
  idealShare: number;
  busiestSecond: number;
  busiestGroupMinute: number;
  /** Cards accepted in each 10 s from the dispatcher's start. */
  timeline: number[];
  /** Groups that received a card in each 10 s from the dispatcher's start. */
  groupsServed: number[];
  /** Database statements the service sent meanwhile (routing, claiming, rendering, recording), per card sent; and rows they returned. */
  statementsPerCard: number;
  rowsPerCard: number;
  outbox: { sent: number; dead: number; unsent: number };
  completed: boolean;
}

export async function benchDelivery(database: BenchDatabase, _driver: Driver, ready: () => Promise<void>, sample: () => void): Promise<DeliveryResult> {
  const world = await startWorld(database, {
    env: { TELEGRAM_RATE_PER_CHAT_PER_MINUTE: String(LIMITS.perChatPerMinute), TELEGRAM_RATE_PER_SECOND: String(LIMITS.globalPerSecond) },
  });
  try {
    await world.service.dispatcher.stop();
    const sops = Array.from({ length: GROUPS }, (_, i) => groupSop(i));
    await world.core.service.registerDefinitions(sops);
    const chats = new Map<string, TgChat>();
    const person = world.tg.addUser({ first_name: 'Petugas' });
    for (const sop of sops) {
      const chat = world.tg.addGroup({ title: `Grup ${sop.role}`, members: [person] });
      await bindDirect(world, chat, sop.role);
      chats.set(sop.role, chat);
    }
    for (const sop of sops) {
      const actor: Actor = { channel: 'cli', userId: 'admin', name: 'Admin', role: sop.role };
      await world.core.service.startCase(sop.definition.id, 'Berkas 1', actor);
    }
    await copyBacklog(database);
    const backlog = (await outboxQ.listOutbox(world.database.db)).filter((r) => r.kind === 'card' && r.platform === null && r.status === 'pending');
    const expected = GROUPS * CARDS_PER_GROUP;
    if (backlog.length !== expected) throw new Error(`backlog has ${backlog.length} cards, expected ${expected}`);

    world.tg.enforceRateLimits(LIMITS);
    await ready();
    const startedAt = Date.now();
    const isCardSend = (c: RecordedCall) => c.method === 'sendMessage' && c.time >= startedAt && c.response?.status === 200 && String(c.params.text ?? '').includes('Kegiatan 1 (');
    // Every statement the service sends meanwhile is counted: routing, claiming, rendering, recording.
    const { value: completed, count } = await database.countServiceStatements(async () => {
      // The service's own polling interval (1 s); the dispatcher also wakes when a deferred row falls due.
      world.service.dispatcher.start({ intervalMs: 1000 });
      let done = false;
      while (Date.now() - startedAt < CUTOFF_MS) {
        sample();
        if (world.tg.calls.filter(isCardSend).length >= expected) {
          done = true;
          break;
        }
        await sleep(250);
      }
      await world.service.dispatcher.stop();
      return done;
    });

    const calls = world.tg.calls.filter((c) => c.time >= startedAt);
    const sends = calls.filter(isCardSend);
    const received429 = calls.filter((c) => c.response?.status === 429 || c.fault === 'rate-limit').length;
    let delivered = 0;
    let duplicates = 0;
    let outOfOrder = 0;
    const received = new Set<string>();
    for (const chat of chats.values()) {
      const refs = world.botMessages(chat).map((m) => /📋 (\S+) ·/.exec(m.text ?? '')?.[1]).filter((r): r is string => r !== undefined);
      const distinct = new Set(refs);
      for (const ref of distinct) received.add(`${chat.id}/${ref}`);
      delivered += distinct.size;
      duplicates += refs.length - distinct.size;
      if ([...refs].sort().join() !== refs.join()) outOfOrder++;
    }
    const rows = (await outboxQ.listOutbox(world.database.db)).filter((r) => r.kind === 'card' && r.platform === 'telegram');
    const outbox = {
      sent: rows.filter((r) => r.status === 'sent').length,
      dead: rows.filter((r) => r.status === 'dead').length,
      unsent: rows.filter((r) => r.status !== 'sent' && r.status !== 'dead').length,
    };
    const refOfCase = new Map((await database.raw("select id, ref from cases where sop_id like 'bench-grup-%'")).map((c) => [Number(c.id), String(c.ref)]));
    const sentNotReceived = rows.filter((r) => r.status === 'sent' && !received.has(`${r.chatId}/${refOfCase.get(r.caseId!)}`)).length;
    const lastAt = sends.length ? Math.max(...sends.map((c) => c.time)) : Date.now();
    const firstAt = sends.length ? Math.min(...sends.map((c) => c.time)) : Date.now();
    const seconds = (lastAt - startedAt) / 1000;
    const ratePerSecond = sends.length / (seconds + 1);
    const idealSeconds = Math.ceil(expected / LIMITS.globalPerSecond) - 1;
    const allSends = calls.filter((c) => c.response?.status === 200 && c.method === 'sendMessage');
    const buckets = Math.ceil((lastAt - startedAt + 1) / BUCKET_MS);
    const bucketOf = (c: RecordedCall) => Math.floor((c.time - startedAt) / BUCKET_MS);
    const timeline = Array.from({ length: buckets }, (_, b) => sends.filter((c) => bucketOf(c) === b).length);
    const groupsServed = Array.from({ length: buckets }, (_, b) => new Set(sends.filter((c) => bucketOf(c) === b).map((c) => String(c.params.chat_id))).size);
    return {
      cards: expected,
      groups: GROUPS,
      delivered,
      lost: outbox.dead + sentNotReceived,
      waitingAtCutoff: outbox.unsent,
      duplicates,
      outOfOrder,
      received429,
      firstSeconds: round((firstAt - startedAt) / 1000, 1),
      seconds: round(seconds, 1),
      idealSeconds,
      ratePerSecond: round(ratePerSecond, 2),
      shareOfLimit: round(ratePerSecond / LIMITS.globalPerSecond, 3),
      idealShare: round(expected / (idealSeconds + 1) / LIMITS.globalPerSecond, 3),
      busiestSecond: maxInWindow(allSends.map((c) => c.time), 1000),
      busiestGroupMinute: Math.max(
        ...[...chats.values()].map((chat) => maxInWindow(allSends.filter((c) => String(c.params.chat_id) === String(chat.id)).map((c) => c.time), 60_000)),
      ),
      timeline,
      groupsServed,
      statementsPerCard: round(count.statements / Math.max(sends.length, 1), 1),
      rowsPerCard: round(count.rows / Math.max(sends.length, 1), 1),
      outbox,
      completed,
    };
  } finally {
    await world.close();
  }
}

/** 19 more of each started case, exactly as startCase wrote the first: case, open first task, role-addressed card row. */
async function copyBacklog(database: BenchDatabase) {
  await database.raw(
    `with originals as (
       select c.*, t.id as task_id from cases c join tasks t on t.case_id = c.id where c.sop_id like 'bench-grup-%'
     ), copies as (
       insert into cases (ref, sop_version_id, sop_id, title, status, decisions, started_by, started_at, version)
       select regexp_replace(o.ref, '[0-9]{4}$', lpad(g::text, 4, '0')), o.sop_version_id, o.sop_id, 'Berkas ' || g,
              o.status, o.decisions, o.started_by, o.started_at, o.version
         from originals o cross join generate_series(2, ${CARDS_PER_GROUP}) g
        order by g, o.id
       returning id, ref, sop_id
     )
     insert into tasks (case_id, step_id, visit, kind, roles, status, opened_at, due_at, confirmations, next_check_at)
     select c.id, t.step_id, t.visit, t.kind, t.roles, t.status, t.opened_at, t.due_at, t.confirmations, t.next_check_at
       from copies c join originals o on o.sop_id = c.sop_id join tasks t on t.id = o.task_id
      order by c.id`,
  );
  // Card rows in case order, so each group's cards are due oldest first, as if started one by one.
  await database.raw(
    `insert into outbox (kind, role, case_id, task_id, payload, dedupe_key)
     select 'card', t.roles->>0, t.case_id, t.id, '{}'::jsonb, 'card:' || t.id || ':' || (t.roles->>0)
       from tasks t join cases c on c.id = t.case_id
      where c.sop_id like 'bench-grup-%' and not exists (select 1 from outbox o where o.task_id = t.id)
      order by c.ref`,
  );
  await database.raw(`update case_counters set last = ${CARDS_PER_GROUP} where prefix like 'BG%'`);
}

function maxInWindow(times: number[], ms: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while (j < sorted.length && sorted[j]! < sorted[i]! + ms) j++;
    best = Math.max(best, j - i);
  }
  return best;
}
