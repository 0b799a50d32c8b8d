/**
 * The outbox dispatcher against a real schema (PGlite, or Postgres with TEST_DATABASE_URL),
 * with fake transports and, mostly, a fake clock so limits and backoffs cost no real time.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { openDatabase, type Database, type Db } from '../../src/db/database.js';
import { bindings, cases, sopVersions, tasks } from '../../src/db/schema.js';
import {
  DeliveryError,
  OutboxDispatcher,
  rerouteUnrouted,
  type DeliveryMessage,
  type DispatcherOptions,
  type Platform,
  type RunCounts,
  type Transport,
  type TransportLimits,
} from '../../src/delivery/dispatcher.js';
import { createTestDatabase, onRealPostgres, type TestDatabase } from '../support/db.js';
import { loadEvents } from '../../src/db/queries/events.js';
import { type NewOutboxRow, enqueueOutbox, listOutbox, nextAttemptAfter } from '../../src/db/queries/outbox.js';

const T0 = Date.parse('2026-03-02T02:00:00.000Z');

class FakeClock {
  constructor(private t = T0) {}
  now = (): Date => new Date(this.t);
  set(at: Date | number) {
    this.t = typeof at === 'number' ? at : at.getTime();
  }
  advance(ms: number) {
    this.t += ms;
  }
}

interface Call {
  message: DeliveryMessage;
  at: number;
  ok: boolean;
}

/** Records every call; `fail` decides per call whether (and how) it fails. */
class FakeTransport implements Transport {
  calls: Call[] = [];
  private seq = 0;
  constructor(
    readonly platform: Platform,
    private readonly now: () => Date,
    readonly limits?: TransportLimits,
    private readonly fail?: (m: DeliveryMessage, tries: number) => Error | undefined,
  ) {}
  get sent(): DeliveryMessage[] {
    return this.calls.filter((c) => c.ok).map((c) => c.message);
  }
  async deliver(message: DeliveryMessage) {
    const tries = this.calls.filter((c) => c.message.id === message.id).length + 1;
    const error = this.fail?.(message, tries);
    this.calls.push({ message, at: this.now().getTime(), ok: !error });
    if (error) throw error;
    return { messageRef: { chatId: message.chatId, messageId: ++this.seq } };
  }
}

const logger = () => ({ info: vi.fn(), warn: vi.fn(), error: vi.fn() });

let database: TestDatabase;
let db: Db;
let clock: FakeClock;

beforeEach(async () => {
  database = await createTestDatabase();
  db = database.db;
  clock = new FakeClock();
});
afterEach(async () => {
  await database.close();
});

function dispatcher(transports: Transport[], options: Partial<DispatcherOptions> = {}) {
  return new OutboxDispatcher({ db, transports, now: clock.now, random: () => 1, ...options });
}

async function bind(role: string, platform: Platform, chatId: string, threadId = '') {
  await db.insert(bindings).values({ role, platform, chatId, threadId });
}

/** A case with one open task, because cards point at a task. */
async function openTask(): Promise<{ caseId: number; taskId: number }> {
  const [version] = await db
    .insert(sopVersions)
    .values({ sopId: 'uji', version: 1, contentHash: `h${Math.random()}`, definition: {} })
    .returning();
  const [c] = await db
    .insert(cases)
    .values({
      ref: `UJI-2026-${Math.floor(Math.random() * 1e6)}`,
      sopVersionId: version!.id,
      sopId: 'uji',
      title: 'Uji kompetensi',
      status: 'open',
      startedBy: { channel: 'cli', userId: 'admin', name: 'Admin' },
      startedAt: clock.now(),
    })
    .returning();
  const [t] = await db
    .insert(tasks)
    .values({ caseId: c!.id, stepId: '1', visit: 1, kind: 'task', roles: ['Asesor'], status: 'open', openedAt: clock.now() })
    .returning();
  return { caseId: c!.id, taskId: t!.id };
}

async function enqueue(...rows: (Partial<NewOutboxRow> & { dedupeKey: string })[]) {
  await enqueueOutbox(
    db,
    rows.map((r) => ({ kind: 'notice', role: null, payload: {}, nextAttemptAt: clock.now(), ...r })),
  );
}

async function rows() {
  return listOutbox(db);
}
async function deliveries() {
  return (await rows()).filter((r) => r.platform !== null);
}

function add(total: RunCounts, c: RunCounts) {
  total.sent += c.sent;
  total.failed += c.failed;
  total.dead += c.dead;
  total.deferred += c.deferred;
}

/** Runs until nothing waits any more, jumping the clock to each next due moment. */
async function drain(d: OutboxDispatcher, maxSteps = 500): Promise<RunCounts> {
  const total: RunCounts = { sent: 0, failed: 0, dead: 0, deferred: 0 };
  for (let step = 0; step < maxSteps; step++) {
    add(total, await d.runOnce());
    const next = await nextAttemptAfter(db, clock.now());
    if (!next) return total;
    clock.set(next);
  }
  throw new Error(`outbox did not settle in ${maxSteps} steps`);
}

describe('routing', () => {
  it('a card for a role goes to both chats bound to it, once each', async () => {
    const { caseId, taskId } = await openTask();
    await bind('Asesor', 'telegram', '-1001', '7');
    await bind('Asesor', 'slack', 'C0ASESOR');
    await bind('Kabid', 'telegram', '-1009'); // another role: must not get it
    const telegram = new FakeTransport('telegram', clock.now);
    const slack = new FakeTransport('slack', clock.now);
    const d = dispatcher([telegram, slack]);

    await enqueue({ kind: 'card', role: 'Asesor', caseId, taskId, dedupeKey: `card:${taskId}:Asesor`, payload: { note: 'x' } });
    expect(await d.runOnce()).toMatchObject({ sent: 2, failed: 0, dead: 0 });

    expect(telegram.sent).toMatchObject([{ kind: 'card', role: 'Asesor', taskId, caseId, chatId: '-1001', threadId: '7', payload: { note: 'x' }, targetRef: null, attempt: 1 }]);
    expect(slack.sent).toMatchObject([{ chatId: 'C0ASESOR', threadId: null }]);

    const [parent, ...children] = await rows();
    expect(parent).toMatchObject({ status: 'routed', platform: null });
    expect(children).toHaveLength(2);
    for (const child of children) {
      expect(child).toMatchObject({ status: 'sent', parentId: parent!.id, sentAt: clock.now(), attempts: 1 });
      expect(child.messageRef).toMatchObject({ messageId: 1 });
      expect(child.dedupeKey.startsWith(`${parent!.dedupeKey}@`)).toBe(true);
    }
    expect(new Set(children.map((c) => c.dedupeKey)).size).toBe(2);

    expect(await d.runOnce()).toMatchObject({ sent: 0 });
    expect(telegram.calls.length + slack.calls.length).toBe(2);
  });

  it('a message for a role with no chat waits, and goes once a chat is bound', async () => {
    const { caseId } = await openTask();
    const telegram = new FakeTransport('telegram', clock.now);
    const log = logger();
    const d = dispatcher([telegram], { logger: log });

    await enqueue({ kind: 'case-closed', role: 'Kabid', caseId, dedupeKey: `case-closed:${caseId}:Kabid`, payload: { outcome: 'selesai' } });
    expect(await d.runOnce()).toMatchObject({ sent: 0 });
    expect(await rows()).toMatchObject([{ status: 'unrouted' }]);
    expect(log.warn).toHaveBeenCalledWith(expect.objectContaining({ role: 'Kabid' }), expect.any(String));

    clock.advance(3_600_000);
    expect(await d.runOnce()).toMatchObject({ sent: 0 }); // still nowhere to go, still kept
    expect(await rows()).toMatchObject([{ status: 'unrouted' }]);

    await bind('Kabid', 'telegram', '-1002');
    expect(await rerouteUnrouted(db, 'Kabid', clock.now())).toBe(1);
    expect(await rerouteUnrouted(db, 'Kabid', clock.now())).toBe(0);
    expect(await d.runOnce()).toMatchObject({ sent: 1 });
    expect(telegram.sent).toMatchObject([{ kind: 'case-closed', chatId: '-1002', payload: { outcome: 'selesai' } }]);
    expect((await rows())[0]).toMatchObject({ status: 'routed' });
  });

  it('a card update waits for its card, then edits it by the ref the card got', async () => {
    const { caseId, taskId } = await openTask();
    await bind('Asesor', 'telegram', '-1001');
    await bind('Asesor', 'slack', 'C0ASESOR');
    const telegram = new FakeTransport('telegram', clock.now);
    // Slack is down for the card's first two tries.
    const slack = new FakeTransport('slack', clock.now, undefined, (m, tries) =>
      m.kind === 'card' && tries <= 2 ? new DeliveryError('service unavailable', { status: 503 }) : undefined,
    );
    const d = dispatcher([telegram, slack], { backoff: { baseMs: 10_000 }, editWaitMs: 3_600_000 });

    await enqueue(
      { kind: 'card', role: 'Asesor', caseId, taskId, dedupeKey: `card:${taskId}:Asesor` },
      { kind: 'card-update', role: null, caseId, taskId, dedupeKey: `card-update:${taskId}:c2` },
    );
    const first = await d.runOnce();
    expect(first).toMatchObject({ sent: 1, failed: 1 });
    expect(first.deferred).toBeGreaterThan(0);
    // The Telegram card is out, but the Slack one is not: no edit anywhere yet.
    expect([...telegram.sent, ...slack.sent].map((m) => m.kind)).toEqual(['card']);
    expect((await rows()).find((r) => r.kind === 'card-update')).toMatchObject({ status: 'pending' });

    clock.advance(10_000);
    expect(await d.runOnce()).toMatchObject({ sent: 0, failed: 1 });
    expect(slack.sent).toHaveLength(0);

    // The card's success wakes the edit at once, long before its one-hour safety net.
    clock.advance(20_000);
    expect(await d.runOnce()).toMatchObject({ sent: 3, failed: 0 });
    const cards = await deliveries();
    const telegramCard = cards.find((r) => r.kind === 'card' && r.platform === 'telegram')!;
    const slackCard = cards.find((r) => r.kind === 'card' && r.platform === 'slack')!;
    expect(telegram.sent.map((m) => m.kind)).toEqual(['card', 'card-update']);
    expect(slack.sent.map((m) => m.kind)).toEqual(['card', 'card-update']);
    expect(telegram.sent[1]!.targetRef).toEqual(telegramCard.messageRef);
    expect(slack.sent[1]!.targetRef).toEqual(slackCard.messageRef);
    expect(slack.sent[1]!.targetRef).toEqual({ chatId: 'C0ASESOR', messageId: 1 });
    expect((await rows()).find((r) => r.kind === 'card-update' && r.platform === null)).toMatchObject({ status: 'routed' });
  });
});

describe('failures', () => {
  it('a 429 waits exactly retry_after, and holds the rest of that chat back', async () => {
    const telegram = new FakeTransport('telegram', clock.now, undefined, (m, tries) =>
      m.dedupeKey === 'a1' && tries === 1 ? new DeliveryError('Too Many Requests', { retryAfterSeconds: 7, status: 429 }) : undefined,
    );
    const d = dispatcher([telegram], { backoff: { baseMs: 1 } });
    await enqueue(
      { platform: 'telegram', chatId: 'A', dedupeKey: 'a1' },
      { platform: 'telegram', chatId: 'A', dedupeKey: 'a2' },
      { platform: 'telegram', chatId: 'B', dedupeKey: 'b1' },
    );
    expect(await d.runOnce()).toMatchObject({ sent: 1, failed: 1 });
    expect(telegram.sent.map((m) => m.dedupeKey)).toEqual(['b1']);
    const a1 = (await rows()).find((r) => r.dedupeKey === 'a1')!;
    expect(a1).toMatchObject({ status: 'pending', attempts: 0 }); // asked to wait: no failure
    expect(a1.nextAttemptAt.getTime()).toBe(T0 + 7_000);

    clock.set(T0 + 6_999);
    expect(await d.runOnce()).toMatchObject({ sent: 0 });
    clock.set(T0 + 7_000);
    expect(await d.runOnce()).toMatchObject({ sent: 2 });
    expect(telegram.sent.map((m) => m.dedupeKey)).toEqual(['b1', 'a1', 'a2']);
  });

  it('a bot-wide 429 pauses the whole platform for retry_after', async () => {
    const telegram = new FakeTransport('telegram', clock.now, undefined, (m, tries) =>
      m.dedupeKey === 'a1' && tries === 1
        ? new DeliveryError('Too Many Requests', { retryAfterSeconds: 5, scope: 'platform', status: 429 })
        : undefined,
    );
    const slack = new FakeTransport('slack', clock.now);
    const d = dispatcher([telegram, slack]);
    await enqueue({ platform: 'telegram', chatId: 'A', dedupeKey: 'a1' });
    expect(await d.runOnce()).toMatchObject({ failed: 1 });

    await enqueue(
      { platform: 'telegram', chatId: 'B', dedupeKey: 'b1' },
      { platform: 'slack', chatId: 'C', dedupeKey: 'c1' },
    );
    clock.advance(1_000);
    expect(await d.runOnce()).toMatchObject({ sent: 1 }); // Slack is not Telegram
    expect(slack.sent).toHaveLength(1);
    expect(telegram.sent).toHaveLength(0);
    clock.set(T0 + 5_000);
    expect(await d.runOnce()).toMatchObject({ sent: 2 });
    expect(telegram.sent.map((m) => m.dedupeKey).sort()).toEqual(['a1', 'b1']);
  });

  it('5xx and network errors are retried with exponential backoff until they succeed', async () => {
    const telegram = new FakeTransport('telegram', clock.now, undefined, (_m, tries) =>
      tries === 1 ? new DeliveryError('Bad Gateway', { status: 502 }) : tries === 2 ? new TypeError('fetch failed') : undefined,
    );
    const d = dispatcher([telegram], { backoff: { baseMs: 1_000, capMs: 60_000 }, random: () => 1 });
    await enqueue({ platform: 'telegram', chatId: 'A', dedupeKey: 'x' });

    expect(await d.runOnce()).toMatchObject({ failed: 1 });
    expect((await rows())[0]).toMatchObject({ status: 'pending', attempts: 1, lastError: 'DeliveryError: Bad Gateway' });
    expect((await rows())[0]!.nextAttemptAt.getTime()).toBe(T0 + 1_000);

    clock.set(T0 + 999);
    expect(await d.runOnce()).toMatchObject({ sent: 0, failed: 0 });
    clock.set(T0 + 1_000);
    expect(await d.runOnce()).toMatchObject({ failed: 1 });
    expect((await rows())[0]!.nextAttemptAt.getTime()).toBe(T0 + 1_000 + 2_000);

    clock.set(T0 + 3_000);
    expect(await d.runOnce()).toMatchObject({ sent: 1 });
    expect((await rows())[0]).toMatchObject({ status: 'sent', attempts: 3, lastError: null });
    expect(telegram.calls.map((c) => c.at - T0)).toEqual([0, 1_000, 3_000]);
  });

  it('jitter keeps a retry between half and all of its backoff, and the cap holds', async () => {
    const telegram = new FakeTransport('telegram', clock.now, undefined, () => new DeliveryError('oops', { status: 500 }));
    const d = dispatcher([telegram], { backoff: { baseMs: 1_000, capMs: 4_000 }, random: () => 0, maxAttempts: 6 });
    await enqueue({ platform: 'telegram', chatId: 'A', dedupeKey: 'x' });
    await drain(d);
    const gaps = telegram.calls.slice(1).map((c, i) => c.at - telegram.calls[i]!.at);
    expect(gaps).toEqual([500, 1_000, 2_000, 2_000, 2_000]);
  });

  it('a permanent error is dead at once, with an audit event and an error log', async () => {
    const { caseId, taskId } = await openTask();
    await bind('Asesor', 'telegram', '-404');
    const telegram = new FakeTransport('telegram', clock.now, undefined, () =>
      new DeliveryError('Bad Request: chat not found', { permanent: true, status: 400 }),
    );
    const log = logger();
    const d = dispatcher([telegram], { logger: log });
    await enqueue({ kind: 'card', role: 'Asesor', caseId, taskId, dedupeKey: 'card:1:Asesor' });

    expect(await d.runOnce()).toMatchObject({ sent: 0, dead: 1 });
    expect(await drain(d)).toMatchObject({ sent: 0, failed: 0, dead: 0 });
    expect(telegram.calls).toHaveLength(1);
    const [delivery] = await deliveries();
    expect(delivery).toMatchObject({ status: 'dead', attempts: 1, lastError: 'DeliveryError: Bad Request: chat not found' });
    expect(await loadEvents(db, caseId)).toMatchObject([
      {
        type: 'delivery.dead',
        taskId,
        data: { outboxId: delivery!.id, platform: 'telegram', chatId: '-404', lastError: 'DeliveryError: Bad Request: chat not found', attempts: 1 },
      },
    ]);
    expect(log.error).toHaveBeenCalledWith(expect.objectContaining({ outboxId: delivery!.id }), expect.any(String));
  });

  it('after maxAttempts transient failures the row is dead, with an audit event', async () => {
    const { caseId } = await openTask();
    const telegram = new FakeTransport('telegram', clock.now, undefined, () => new DeliveryError('Service Unavailable', { status: 503 }));
    const log = logger();
    const d = dispatcher([telegram], { maxAttempts: 4, backoff: { baseMs: 1_000 }, logger: log });
    await enqueue({ platform: 'telegram', chatId: 'A', caseId, dedupeKey: 'x' });

    expect(await drain(d)).toMatchObject({ sent: 0, failed: 3, dead: 1 });
    expect(telegram.calls).toHaveLength(4);
    expect((await rows())[0]).toMatchObject({ status: 'dead', attempts: 4 });
    const events = await loadEvents(db, caseId);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: 'delivery.dead', data: { platform: 'telegram', chatId: 'A', attempts: 4 } });
    expect(log.error).toHaveBeenCalledTimes(1);
  });

  it('keeps each chat in order through retries and a dead row, without holding other chats', async () => {
    const telegram = new FakeTransport('telegram', clock.now, undefined, (m, tries) => {
      if (m.dedupeKey === 'a2' && tries <= 2) return new DeliveryError('Internal Server Error', { status: 500 });
      if (m.dedupeKey === 'a3') return new DeliveryError('Forbidden: bot was kicked', { permanent: true, status: 403 });
      return undefined;
    });
    const d = dispatcher([telegram], { backoff: { baseMs: 5_000 } });
    await enqueue(
      ...['a1', 'a2', 'b1', 'a3', 'b2', 'a4', 'b3'].map((k) => ({ platform: 'telegram', chatId: k[0]!.toUpperCase(), dedupeKey: k })),
    );
    expect(await drain(d)).toMatchObject({ sent: 6, failed: 2, dead: 1 });

    const tried = (chat: string) => telegram.calls.filter((c) => c.message.chatId === chat).map((c) => c.message.dedupeKey);
    expect(tried('A')).toEqual(['a1', 'a2', 'a2', 'a2', 'a3', 'a4']);
    expect(tried('B')).toEqual(['b1', 'b2', 'b3']);
    // Chat B did not wait for chat A's trouble.
    const at = (key: string) => telegram.calls.find((c) => c.ok && c.message.dedupeKey === key)!.at;
    expect(at('b3')).toBeLessThan(at('a2'));
    expect((await rows()).map((r) => [r.dedupeKey, r.status])).toEqual([
      ['a1', 'sent'],
      ['a2', 'sent'],
      ['b1', 'sent'],
      ['a3', 'dead'],
      ['b2', 'sent'],
      ['a4', 'sent'],
      ['b3', 'sent'],
    ]);
  });
});

describe('rate limits', () => {
  it('a burst of 200 rows to 10 chats: none lost, none twice, no chat or second over its limit', async () => {
    const perChatPerMinute = 5;
    const globalPerSecond = 3;
    const roles = Array.from({ length: 10 }, (_, i) => `Peran${i}`);
    for (const [i, role] of roles.entries()) await bind(role, 'telegram', `-100${i}`);
    // A few first attempts fail, so retries mix into the limits too.
    const telegram = new FakeTransport('telegram', clock.now, { perChatPerMinute, globalPerSecond }, (m, tries) =>
      tries === 1 && m.id % 17 === 0 ? new DeliveryError('Bad Gateway', { status: 502 }) : undefined,
    );
    const d = dispatcher([telegram], { backoff: { baseMs: 2_000 } });
    await enqueue(
      ...Array.from({ length: 200 }, (_, n) => ({ kind: 'reminder', role: roles[n % 10]!, dedupeKey: `burst:${n}`, payload: { n } })),
    );

    const total = await drain(d, 2_000);
    expect(total.sent).toBe(200);
    expect(total.deferred).toBeGreaterThan(0);

    const sent = telegram.calls.filter((c) => c.ok);
    const payloads = sent.map((c) => c.message.payload['n'] as number);
    expect(new Set(payloads).size).toBe(200); // none lost
    expect(payloads).toHaveLength(200); // none twice
    expect((await deliveries()).every((r) => r.status === 'sent')).toBe(true);

    const maxInWindow = (times: number[], windowMs: number) =>
      Math.max(...times.map((t) => times.filter((u) => u >= t && u < t + windowMs).length));
    expect(maxInWindow(sent.map((c) => c.at), 1_000)).toBeLessThanOrEqual(globalPerSecond);
    for (let i = 0; i < 10; i++) {
      const chat = sent.filter((c) => c.message.chatId === `-100${i}`);
      expect(maxInWindow(chat.map((c) => c.at), 60_000)).toBeLessThanOrEqual(perChatPerMinute);
      const order = chat.map((c) => c.message.payload['n'] as number);
      expect(order).toEqual([...order].sort((a, b) => a - b));
    }
    // 20 rows per chat at 5 a minute: four minutes and a bit, not more.
    expect(Math.max(...sent.map((c) => c.at)) - T0).toBeLessThan(5 * 60_000);
  }, 120_000);
});

describe('claims', () => {
  it('a replica that died mid-delivery loses its claim when the lease expires', async () => {
    let release!: () => void;
    let called!: () => void;
    const inDeliver = new Promise<void>((resolve) => (called = resolve));
    const stuck: Transport = {
      platform: 'telegram',
      deliver: () => {
        called();
        return new Promise((resolve) => (release = () => resolve({ messageRef: { by: 'dead replica' } })));
      },
    };
    const log = logger();
    const dying = dispatcher([stuck], { leaseMs: 60_000, logger: log });
    const healthy = new FakeTransport('telegram', clock.now);
    const survivor = dispatcher([healthy], { leaseMs: 60_000 });
    await enqueue({ platform: 'telegram', chatId: 'A', dedupeKey: 'x' }, { platform: 'telegram', chatId: 'A', dedupeKey: 'y' });

    const dyingRun = dying.runOnce();
    await inDeliver;
    expect((await rows())[0]).toMatchObject({ status: 'sending', attempts: 1 });
    clock.advance(59_999);
    expect(await survivor.runOnce()).toMatchObject({ sent: 0 });
    clock.advance(1);
    expect(await survivor.runOnce()).toMatchObject({ sent: 2 });
    expect(healthy.sent.map((m) => m.dedupeKey)).toEqual(['x', 'y']);

    release();
    expect(await dyingRun).toMatchObject({ sent: 0 });
    expect((await rows())[0]).toMatchObject({ status: 'sent', attempts: 2, messageRef: { chatId: 'A', messageId: 1 } });
    expect(log.warn).toHaveBeenCalledWith(expect.objectContaining({ outboxId: (await rows())[0]!.id }), expect.any(String));
  });

  it('a live replica keeps its claim however slow the platform is', async () => {
    let sends = 0;
    let started!: () => void;
    const inDeliver = new Promise<void>((r) => (started = r));
    const slow: Transport = {
      platform: 'telegram',
      deliver: async () => {
        sends++;
        started();
        await new Promise((r) => setTimeout(r, 600));
        return { messageRef: { messageId: sends } };
      },
    };
    const eager = new FakeTransport('telegram', () => new Date());
    // Real clock, a lease far shorter than one delivery: only renewal keeps the claim.
    const a = new OutboxDispatcher({ db, transports: [slow], leaseMs: 150 });
    const b = new OutboxDispatcher({ db, transports: [eager], leaseMs: 150 });
    await enqueue({ platform: 'telegram', chatId: 'A', dedupeKey: 'x', nextAttemptAt: new Date() });

    const run = a.runOnce();
    await inDeliver;
    const deadline = Date.now() + 550;
    while (Date.now() < deadline) {
      await b.runOnce();
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(await run).toMatchObject({ sent: 1 });
    expect(eager.calls).toHaveLength(0);
    expect(sends).toBe(1);
  });

  it('start() polls, and stop() waits for the delivery in flight', async () => {
    let started!: () => void;
    const inFlight = new Promise<void>((r) => (started = r));
    const transport: Transport = {
      platform: 'slack',
      deliver: async () => {
        started();
        await new Promise((r) => setTimeout(r, 150));
        return { messageRef: { ts: '1.2' } };
      },
    };
    const d = new OutboxDispatcher({ db, transports: [transport] });
    d.start({ intervalMs: 20 });
    await enqueue({ platform: 'slack', chatId: 'C1', dedupeKey: 'x', nextAttemptAt: new Date() });
    await inFlight;
    await d.stop();
    expect((await rows())[0]).toMatchObject({ status: 'sent', messageRef: { ts: '1.2' } });
  });

  it.skipIf(!onRealPostgres)('two dispatcher replicas on one database send 300 rows exactly once, in order per chat', async () => {
    const second: Database = await openDatabase({ url: database.url!, maxConnections: 5 });
    try {
      const roles = Array.from({ length: 30 }, (_, i) => `Peran${i}`);
      for (const [i, role] of roles.entries()) await bind(role, 'telegram', `-200${i}`);
      await enqueue(
        ...Array.from({ length: 300 }, (_, n) => ({
          kind: 'reminder',
          role: roles[n % 30]!,
          dedupeKey: `r:${n}`,
          payload: { n },
          nextAttemptAt: new Date(),
        })),
      );

      const log: { replica: string; key: string; chat: string; n: number }[] = [];
      const replica = (name: string): Transport => ({
        platform: 'telegram',
        deliver: async (m) => {
          log.push({ replica: name, key: m.dedupeKey, chat: m.chatId, n: m.payload['n'] as number });
          await new Promise((r) => setTimeout(r, Math.random() * 4));
          return { messageRef: { by: name } };
        },
      });
      const a = new OutboxDispatcher({ db, transports: [replica('a')], batchSize: 10 });
      const b = new OutboxDispatcher({ db: second.db, transports: [replica('b')], batchSize: 10 });
      a.start({ intervalMs: 10 });
      b.start({ intervalMs: 10 });
      const deadline = Date.now() + 30_000;
      while (log.length < 300 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
      await new Promise((r) => setTimeout(r, 200)); // anything extra would show up now
      await Promise.all([a.stop(), b.stop()]);

      expect(log).toHaveLength(300);
      expect(new Set(log.map((e) => e.key)).size).toBe(300);
      expect(log.some((e) => e.replica === 'a') && log.some((e) => e.replica === 'b')).toBe(true);
      for (let i = 0; i < 30; i++) {
        const order = log.filter((e) => e.chat === `-200${i}`).map((e) => e.n);
        expect(order).toEqual([...order].sort((x, y) => x - y));
      }
      const all = await deliveries();
      expect(all).toHaveLength(300);
      expect(all.every((r) => r.status === 'sent' && r.attempts === 1)).toBe(true);
    } finally {
      await second.close();
    }
  }, 60_000);
});
