/**
 * Cards reach Telegram whatever Telegram does: a burst within the flood limits, a storm of
 * 429s, a 30 s outage. The real dispatcher and telegraf transport against the fake Bot API,
 * which counts like Telegram and records every call.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/program.js';
import type { Actor } from '../../src/workflow/model.js';
import type { RecordedCall, TgChat, TgMessage } from '../support/fake-telegram.js';
import { TelegramWorld, type RoleDesk } from '../support/telegram-world.js';
import * as outbox from '../../src/db/queries/outbox.js';

/** No cron ticks: a digest or reminder landing mid-story would blur "the bot said nothing". */
const QUIET = { startScheduler: false } as const;

let world: TelegramWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

/** The first role of each seed SOP: a case of the SOP posts one card to every chat of that role. */
const FIRST_ROLE: Record<string, string> = {
  jateng: 'ka_unit',
  kemenkumham: 'jf_madya',
  pemalang: 'kabid',
  pupr: 'kasie',
  tangerang: 'pemohon',
};

/** Cases started by the admin from outside Telegram (the CLI, an import): no chat is involved. */
async function startCases(w: TelegramWorld, sopId: string, n: number, label: string): Promise<string[]> {
  const actor: Actor = { channel: 'cli', userId: 'admin', name: 'Admin', role: FIRST_ROLE[sopId]! };
  const refs: string[] = [];
  for (let i = 1; i <= n; i++) refs.push((await w.core.service.startCase(sopId, `${label} ${i}`, actor)).caseRef);
  return refs;
}

/** Step-1 cards the bot posted in a chat, in the order they appear there. */
function cardsIn(w: TelegramWorld, chat: TgChat): TgMessage[] {
  return w.botMessages(chat).filter((m) => m.text?.includes('Kegiatan 1 (langkah 1 dari'));
}

const refOf = (m: TgMessage) => /📋 (\S+) ·/.exec(m.text ?? '')?.[1];

/** Refs compare by their running number within one SOP (PML-2026-0001 < PML-2026-0002). */
function expectAscending(refs: string[]) {
  expect([...refs].sort()).toEqual(refs);
}

const okSends = (w: TelegramWorld, since: number) =>
  w.tg.callsTo('sendMessage').filter((c) => c.time >= since && c.response?.status === 200);
const isCard = (c: RecordedCall) => String(c.params.text ?? '').includes('Kegiatan ');

/** The most sends inside any window of `ms` (sliding, starting at each send). */
function maxInWindow(calls: RecordedCall[], ms: number): number {
  const times = calls.map((c) => c.time).sort((a, b) => a - b);
  let best = 0;
  for (let i = 0, j = 0; i < times.length; i++) {
    while (j < times.length && times[j]! < times[i]! + ms) j++;
    best = Math.max(best, j - i);
  }
  return best;
}

/**
 * Every routed card and card edit of the outbox is sent; none waits, none is dead. (Other kinds,
 * such as the Kabid's digest, follow their own schedule.)
 */
async function expectOutboxDone(w: TelegramWorld) {
  const rows = (await outbox.listOutbox(w.database.db)).filter((r) => r.platform === 'telegram' && (r.kind === 'card' || r.kind === 'card-update'));
  expect(rows.filter((r) => r.status !== 'sent').map((r) => `${r.id} ${r.kind} ${r.status} ${r.lastError}`)).toEqual([]);
  return rows;
}

describe('delivery within Telegram’s limits', () => {
  it('a burst of 200 cards to 10 groups: none lost, none twice, no group over 20/min, never over 30/s', async () => {
    world = await TelegramWorld.start({ ...QUIET, env: { TELEGRAM_RATE_PER_CHAT_PER_MINUTE: '20', TELEGRAM_RATE_PER_SECOND: '30' } });
    const w = world;
    // Two groups for each of five roles: each case's card goes to both of its role's groups.
    const groups: RoleDesk[] = [];
    for (const role of Object.values(FIRST_ROLE)) groups.push(await w.bindGroup(role), await w.bindGroup(role));
    w.tg.enforceRateLimits({ perChatPerMinute: 20, globalPerSecond: 30 });
    const t0 = w.tg.now();

    // The admin starts 20 cases of each SOP at once: 100 cases, 200 cards.
    const refsBySop = new Map<string, string[]>();
    for (const sopId of Object.keys(FIRST_ROLE)) refsBySop.set(sopId, await startCases(w, sopId, 20, 'Gelombang'));

    await w.tg.waitFor(() => groups.every((g) => cardsIn(w, g.chat).length >= 20), 60_000, '20 cards in each of the 10 groups');
    await w.tg.waitFor(async () => (await expectOutboxDone(w)).length === 200, 5000, 'outbox drained');

    for (const g of groups) {
      const sopId = Object.keys(FIRST_ROLE).find((s) => FIRST_ROLE[s] === g.role)!;
      const refs = cardsIn(w, g.chat).map(refOf) as string[];
      // Exactly this role's 20 cases, each once, in the order they were started.
      expect(refs).toEqual(refsBySop.get(sopId));
      expectAscending(refs);
    }
    // Windows count everything the bot sent; the exact count is of cards.
    const sends = okSends(w, t0);
    expect(sends.filter(isCard)).toHaveLength(200);
    expect(w.tg.calls.filter((c) => c.response?.status === 429 || c.fault === 'rate-limit')).toEqual([]);
    for (const g of groups) {
      expect(maxInWindow(sends.filter((c) => String(c.params.chat_id) === String(g.chat.id)), 60_000)).toBeLessThanOrEqual(20);
    }
    expect(maxInWindow(sends, 1000)).toBeLessThanOrEqual(30);
    // The global limit was what paced the burst: 200 cards cannot go out in under ~6 s at 30/s.
    const cardSends = sends.filter(isCard);
    const span = cardSends.at(-1)!.time - cardSends[0]!.time;
    expect(span).toBeGreaterThanOrEqual(6000);
  }, 90_000);

  it('a 429 storm: every card arrives once, each chat waits the retry_after it was given, order kept', async () => {
    world = await TelegramWorld.start(QUIET);
    const w = world;
    const groups: RoleDesk[] = [];
    for (const role of Object.values(FIRST_ROLE)) groups.push(await w.bindGroup(role));
    await w.settled();
    const t0 = w.tg.now();
    // Telegram answers the next 25 sendMessage calls with "Too Many Requests: retry after 1".
    w.tg.failNext('sendMessage', { status: 429, retryAfter: 1 }, 25);

    const refsBySop = new Map<string, string[]>();
    for (const sopId of Object.keys(FIRST_ROLE)) refsBySop.set(sopId, await startCases(w, sopId, 4, 'Badai'));

    await w.tg.waitFor(() => groups.every((g) => cardsIn(w, g.chat).length >= 4), 30_000, '4 cards in each group');
    await w.tg.waitFor(async () => (await expectOutboxDone(w)).length === 20, 5000, 'outbox drained');

    const calls = w.tg.callsTo('sendMessage').filter((c) => c.time >= t0);
    expect(calls.filter((c) => c.fault === 'status:429')).toHaveLength(25);
    expect(calls.filter((c) => c.response?.status === 200 && isCard(c))).toHaveLength(20);
    for (const g of groups) {
      const sopId = Object.keys(FIRST_ROLE).find((s) => FIRST_ROLE[s] === g.role)!;
      expect(cardsIn(w, g.chat).map(refOf)).toEqual(refsBySop.get(sopId));
      // After a 429 the chat's next send comes no sooner than retry_after.
      const mine = calls.filter((c) => String(c.params.chat_id) === String(g.chat.id));
      mine.forEach((c, i) => {
        if (c.fault === 'status:429' && mine[i + 1]) expect(mine[i + 1]!.time - c.time).toBeGreaterThanOrEqual(995);
      });
    }
    // A 429 is the server's request to wait, not a failure: no attempt was used up.
    const rows = await expectOutboxDone(w);
    expect(rows.filter((r) => r.attempts > 1)).toEqual([]);
  }, 60_000);

  it('a 30 s API outage: cards and edits made meanwhile are delivered once when it ends', async () => {
    world = await TelegramWorld.start({
      ...QUIET,
      env: { SOPBOT_DISPATCH_MAX_ATTEMPTS: '30' },
      dispatcher: { backoff: { baseMs: 500, capMs: 5000 } },
    });
    const w = world;
    const groups: RoleDesk[] = [];
    for (const role of Object.values(FIRST_ROLE)) groups.push(await w.bindGroup(role));
    const subkor = await w.bindGroup('subkor');

    // Before the outage, the Kabid has a case with its Disposisi uploaded, ready to complete.
    const [first] = await startCases(w, 'pemalang', 1, 'Sebelum gangguan');
    const kabidCard = await w.card('kabid', first!, '1');
    await w.upload('kabid', kabidCard, 'disposisi.pdf');
    await w.tg.waitFor(() => w.tg.message(w.desk('kabid').chat, kabidCard.message_id)?.text?.includes('✅ Disposisi'), 5000, 'upload on card');
    await w.settled();

    w.tg.setOutage(30_000);
    const downAt = w.tg.now();
    // Meanwhile: ten new cases, and the Kabid completes step 1 from the admin CLI.
    const refsBySop = new Map<string, string[]>();
    for (const sopId of Object.keys(FIRST_ROLE)) refsBySop.set(sopId, await startCases(w, sopId, 2, 'Saat gangguan'));
    const out: string[] = [];
    const code = await runCli(['task', 'done', first!, '--as', 'kabid'], { core: w.core, out: (t) => out.push(t), err: (t) => out.push(t) });
    expect(code, out.join('\n')).toBe(0);

    // The dispatcher keeps trying during the outage (and is refused) ...
    await w.tg.waitFor(() => w.tg.callsTo('sendMessage').filter((c) => c.time >= downAt && c.fault?.startsWith('outage')).length >= 3, 10_000, 'attempts during the outage');
    // ... and everything arrives after it.
    await w.tg.waitFor(
      () => groups.every((g) => cardsIn(w, g.chat).length >= (g.role === 'kabid' ? 3 : 2)) && w.botMessages(subkor.chat).some((m) => m.text?.includes(first!)),
      45_000,
      'every card after the outage',
    );
    await w.cardClosed('kabid', kabidCard, '(CLI)');
    const upAt = downAt + 30_000;
    const rows = await w.tg.waitFor(async () => {
      const r = await expectOutboxDone(w);
      return r.length === 14 ? r : undefined; // card, upload edit, 10 cards, completion edit, Subkor's card
    }, 10_000, 'outbox drained');
    expect(rows.filter((r) => r.kind === 'card-update')).toHaveLength(2);

    for (const g of groups) {
      const sopId = Object.keys(FIRST_ROLE).find((s) => FIRST_ROLE[s] === g.role)!;
      const refs = cardsIn(w, g.chat).map(refOf);
      expect(refs).toEqual(g.role === 'kabid' ? [first, ...refsBySop.get(sopId)!] : refsBySop.get(sopId));
    }
    expect(w.botMessages(subkor.chat).filter((m) => m.text?.includes(first!) && m.text.includes('Kegiatan 2 ('))).toHaveLength(1);
    // Nothing got through while Telegram was down; each message went out once after.
    const sends = w.tg.callsTo('sendMessage').filter((c) => c.time >= downAt);
    expect(sends.filter((c) => c.response?.status === 200 && c.time < upAt - 50)).toEqual([]);
    expect(sends.filter((c) => c.response?.status === 200 && isCard(c))).toHaveLength(11);
    expect(w.tg.callsTo('editMessageText').filter((c) => c.time >= downAt && c.response?.status === 200)).toHaveLength(1);

    // The bot hears again too: polling came back by itself.
    const kabid = w.desk('kabid');
    const asked = w.tg.userSends(kabid.chat, kabid.person, '/peran');
    await w.tg.waitFor(() => w.botMessages(kabid.chat).some((m) => m.message_id > asked.message_id && m.text?.includes('terdaftar sebagai')), 10_000, '/peran after the outage');
  }, 90_000);
});
