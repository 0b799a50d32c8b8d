/**
 * Bad input: malformed and hostile input from every side the service listens to — broken SOP
 * definition files, forged and oversized button data, a task of another chat, Slack requests
 * without a valid signature or replayed from long ago, Telegram webhook posts without the
 * secret, files too big or of a refused type, unknown commands and wrong codes, and text with
 * SQL, HTML and Markdown control characters in titles and reasons. Each gets a clear answer
 * in Indonesian where the platform has a place for one, and changes nothing; text is stored
 * as typed and shown as typed, never breaking the message it is shown in.
 */
import { createHmac } from 'node:crypto';
import { request } from 'node:http';
import { copyFile, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { eq } from 'drizzle-orm';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/program.js';
import { loadConfig } from '../../src/config.js';
import { outbox, processedUpdates, sopVersions } from '../../src/db/schema.js';
import { escapeMrkdwn, INPUT } from '../../src/channels/slack/render.js';
import { escapeHtml } from '../../src/channels/telegram/render.js';
import { brief, SLACK, TG } from '../../src/messages/id.js';
import { uploadRefusal } from '../../src/messages/security.js';
import { startService, type RunningService } from '../../src/server.js';
import { catalogDir } from '../../src/sop/loader.js';
import { findStep, uploadSlots } from '../../src/workflow/engine.js';
import type { Actor, TaskCommand } from '../../src/workflow/model.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { buttonsOf, startFakeSlack, type ButtonElement, type FakeSlack, type StoredMessage } from '../support/fake-slack.js';
import { startFakeTelegram, type FakeTelegram, type TgChat, type TgEntity, type TgMessage, type TgUser } from '../support/fake-telegram.js';
import { SlackWorld, textOf } from '../support/slack-world.js';
import { TelegramWorld, WEBHOOK_SECRET, type RoleDesk } from '../support/telegram-world.js';
import { note } from './report.js';
import { stateSnapshot } from './support.js';
import * as bindings from '../../src/db/queries/bindings.js';

const STORY = 'Bad input';
const WAIT = 20_000;

// ---------------------------------------------------------------------------------------------
// Hostile text, used in titles, reasons, commands and codes.

const SQL = "'); drop table cases; --";
const HTML = '<b>tebal</b> </a> <i>miring & <a href="tg://user?id=1">tautan</a> <script>alert(1)</script> &amp; &lt;';
const MARKDOWN = '*tebal* _miring_ [tautan](http://contoh.example) ~coret~ `kode` ```blok``` > kutip #tag \\*';
const SLACK_MENTIONS = '<!channel> <!here> <@U0BOT0001> <#C0000001> <https://contoh.example|klik di sini> & *tebal*';
const CONTROL = 'Judul\u200b dengan \u202eterbalik\u202c, tab\tdan bel\u0007 🙂';

// ---------------------------------------------------------------------------------------------
// Telegram helpers

const where = (threadId?: number) => (threadId ? { threadId } : {});

function botAfter(w: TelegramWorld, chat: TgChat, afterId: number): TgMessage[] {
  return w.botMessages(chat).filter((m) => m.message_id > afterId);
}

/** Someone writes; resolves with the bot's first later message in that chat. */
async function answerTo(w: TelegramWorld, chat: TgChat, user: TgUser, text: string, options: { replyTo?: TgMessage; threadId?: number } = {}): Promise<TgMessage> {
  const sent = w.tg.userSends(chat, user, text, { ...where(options.threadId), ...(options.replyTo ? { replyTo: options.replyTo } : {}) });
  return w.tg.waitFor(() => botAfter(w, chat, sent.message_id)[0], WAIT, `an answer to ${JSON.stringify(text.slice(0, 60))}`);
}

/** /baru in a role's chat: picks the SOP when asked, answers the title question; returns the answer. */
async function startCaseTg(w: TelegramWorld, desk: RoleDesk, title: string, sopId = 'pemalang'): Promise<TgMessage> {
  const { chat, person } = desk;
  const sent = w.tg.userSends(chat, person, '/baru');
  let question = await w.tg.waitFor(
    () => botAfter(w, chat, sent.message_id).find((m) => /Judul kasus baru|SOP mana/.test(m.text ?? '')),
    WAIT,
    '/baru question',
  );
  if (question.text!.includes('SOP mana')) {
    const nama = w.core.service.sop(sopId).definition.identity.nama.slice(0, 60);
    const button = question.reply_markup!.inline_keyboard.flat().find((b) => b.text === nama)!;
    const picker = question;
    w.tg.userPresses(chat, person, picker, button.callback_data!);
    question = await w.tg.waitFor(() => botAfter(w, chat, picker.message_id).find((m) => m.text?.includes('Judul kasus baru')), WAIT, 'title question');
  }
  return answerTo(w, chat, person, title, { replyTo: question });
}

function dataOf(card: TgMessage, label: string): string {
  const b = card.reply_markup?.inline_keyboard.flat().find((x) => x.text.includes(label));
  if (!b) throw new Error(`no button "${label}" on ${JSON.stringify(card.reply_markup)}`);
  return b.callback_data!;
}

/** The entities of a bot message that overlap [start, start + length) of its text. */
function entitiesOver(m: TgMessage, start: number, length: number): TgEntity[] {
  return (m.entities ?? []).filter((e) => e.offset < start + length && e.offset + e.length > start);
}

/**
 * Sends and edits Telegram refused (bad markup, too long). Not counted: "message is not
 * modified", Telegram's answer to a second edit drawing the same card, which the service expects.
 */
function refusedSends(tg: FakeTelegram, sinceCall = 0): string[] {
  return tg.calls
    .slice(sinceCall)
    .filter((c) => ['sendMessage', 'editMessageText', 'sendDocument'].includes(c.method) && c.response && !c.response.ok)
    .filter((c) => !/message is not modified/.test(c.response!.description ?? ''))
    .map((c) => `${c.method}: ${c.response!.description}`);
}

// ---------------------------------------------------------------------------------------------
// Slack helpers

/** Every ephemeral answer the person got after index `from`, once Slack's requests are all handled. */
async function whispersAfter(s: SlackWorld, user: { id: string }, from: number, atLeast = 1): Promise<string[]> {
  await s.settled();
  return s.slack.waitFor(() => {
    const all = s.slack.ephemerals.filter((e) => e.user === user.id).slice(from);
    return all.length >= atLeast ? all.map((e) => e.text) : undefined;
  }, WAIT, `ephemeral answer #${from + atLeast} to ${user.id}`);
}

const ephemeralCount = (s: SlackWorld, user: { id: string }) => s.slack.ephemerals.filter((e) => e.user === user.id).length;

/** What a Slack reader sees of mrkdwn text (the three escapes undone). */
const slackPlain = (t: string) => t.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

/**
 * Problems with mrkdwn text carrying user input: a raw < or > (a link, a mention, @channel),
 * an & that is not one of Slack's three escapes (an escape cut in half), a section over 3000.
 */
function mrkdwnProblems(texts: string[]): string[] {
  const problems: string[] = [];
  for (const t of texts) {
    if (/[<>]/.test(t)) problems.push(`raw < or > in ${JSON.stringify(t.slice(0, 80))}`);
    const bad = /&(?!amp;|lt;|gt;)/.exec(t);
    if (bad) problems.push(`bare & at ${bad.index} in …${JSON.stringify(t.slice(Math.max(0, bad.index - 20), bad.index + 20))}`);
    if (t.length > 3000) problems.push(`text of ${t.length} characters`);
  }
  return problems;
}

/** The mrkdwn texts of a message: its text and every section and context element. */
function mrkdwnOf(m: StoredMessage): string[] {
  const out = [m.text];
  for (const b of m.blocks) {
    const text = (b as { text?: { text?: string } }).text?.text;
    if (typeof text === 'string') out.push(text);
    for (const el of ((b as { elements?: { text?: unknown }[] }).elements ?? [])) if (typeof el.text === 'string') out.push(el.text);
  }
  return out.filter(Boolean);
}

// ---------------------------------------------------------------------------------------------
// The workflow driven directly (setup only: what the chats then show is what is under test).

const actorFor = (role: string): Actor => ({ channel: 'telegram', userId: `uji-${role}`, name: `Petugas ${role}`, role });

async function openTaskOf(w: TelegramWorld, ref: string) {
  const open = (await w.core.service.caseDetails(ref)).tasks.filter((t) => t.status === 'open');
  expect(open).toHaveLength(1);
  return open[0]!;
}

/** Uploads the open step's documents (placeholder files) and runs `command` on it. */
async function step(w: TelegramWorld, ref: string, command: TaskCommand): Promise<void> {
  const task = await openTaskOf(w, ref);
  const d = await w.core.service.caseDetails(ref);
  const s = findStep(d.definition, task.stepId);
  if (command.type !== 'return') {
    for (const slot of uploadSlots(s, d.caseRow.decisions).filter((x) => x.kind === 'output')) {
      await w.core.service.attachDocument(
        task.id,
        slot,
        { fileName: 'berkas-uji.pdf', mimeType: 'application/pdf', sizeBytes: 10, sha256: 'a'.repeat(64), storageKey: `uji/${task.id}` },
        actorFor(task.roles[0]!),
      );
    }
  }
  await w.core.service.act(task.id, command, actorFor(task.roles[0]!));
}

/** Pemalang from its start to step 5b (the Kabid's review): Disposisi, 2, Ditolak, 4. */
async function pemalangTo5b(w: TelegramWorld, ref: string): Promise<void> {
  await step(w, ref, { type: 'complete' });
  await step(w, ref, { type: 'complete' });
  await step(w, ref, { type: 'choose', branch: 'Ditolak' });
  await step(w, ref, { type: 'complete' });
}

/**
 * One HTTP request on its own connection (so a refused upload cut short cannot spoil a pooled
 * connection for the next request). A connection the server closed mid-request gives status 0.
 */
function post(url: string, init: { method?: string; headers?: Record<string, string>; body?: string }): Promise<{ status: number; text: string }> {
  return new Promise((resolve) => {
    const body = init.body === undefined ? undefined : Buffer.from(init.body);
    const req = request(url, { method: init.method ?? 'POST', agent: false, headers: { ...init.headers, ...(body ? { 'content-length': String(body.length) } : {}) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
      res.on('error', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
    });
    req.on('error', (e) => resolve({ status: 0, text: e.message }));
    req.end(body);
  });
}

async function filesIn(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir, { recursive: true, withFileTypes: true })).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
  } catch {
    return [];
  }
}

// =============================================================================================

describe('broken SOP definition files', () => {
  let service: RunningService | undefined;
  let tg: FakeTelegram | undefined;
  let database: TestDatabase | undefined;
  let dir: string | undefined;
  afterEach(async () => {
    await service?.stop();
    await tg?.close();
    await database?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
    [service, tg, database, dir] = [undefined, undefined, undefined, undefined];
  });

  const VALID = `id: ujicoba
code: UJI
identity:
  nomor: "800/001/2026"
  nama: SOP Uji Masukan
  instansi: [BKD Uji]
  tanggalPembuatan: 2026-01-05
  disahkanOleh: Kepala BKD
roles:
  - id: kabid
    name: Kabid
  - id: subkor
    name: Subkoordinator
steps:
  - id: "1"
    kegiatan: Menyiapkan berkas
    kind: task
    role: kabid
    waktu: 10 menit
    next: "2"
  - id: "2"
    kegiatan: Memeriksa berkas
    kind: review
    role: subkor
    waktu: 1 jam
    returnTo: "1"
    end: selesai
`;
  const broken = (from: string, to: string, base = VALID) => {
    expect(base.split(from)).toHaveLength(2);
    return base.replace(from, to);
  };
  /** One file per kind of mistake, and where its message must point (after "<file>: "). */
  const BROKEN: { file: string; kind: string; yaml: string | Buffer; where: string; says: RegExp }[] = [
    { file: 'rusak-sintaks.yaml', kind: 'YAML syntax error (unclosed quote)', yaml: broken('  - id: "1"\n', '  - id: "1\n'), where: '15:11', says: /sintaks YAML tidak valid/ },
    { file: 'rusak-tab.yaml', kind: 'tab indentation', yaml: broken('  - id: "2"', '\t- id: "2"'), where: '21:1', says: /tab tidak boleh/ },
    { file: 'rusak-peran.yaml', kind: 'unknown role', yaml: broken('kind: task\n    role: kabid', 'kind: task\n    role: kepala_dinas'), where: 'steps[0].role', says: /peran "kepala_dinas" tidak ada/ },
    { file: 'rusak-tujuan.yaml', kind: 'transition to a missing step', yaml: broken('next: "2"', 'next: "9"'), where: 'steps[0].next', says: /langkah tujuan "9" tidak ada/ },
    { file: 'rusak-waktu.yaml', kind: 'bad waktu', yaml: broken('waktu: 1 jam', 'waktu: secepatnya'), where: 'steps[1].waktu', says: /waktu "secepatnya" tidak dikenali/ },
    { file: 'rusak-jenis.yaml', kind: 'unknown step kind', yaml: broken('kind: review', 'kind: approval'), where: 'steps[1].kind', says: /task, review, decision, joint/ },
    { file: 'rusak-kosong.yaml', kind: 'empty file', yaml: '', where: '(dokumen)', says: /berkas kosong/ },
    { file: 'rusak-biner.yaml', kind: 'binary garbage', yaml: Buffer.from([0xff, 0xfe, 0x00, 0x01, 0x9c, 0x80, 0x1b, 0x5b, 0x33, 0x31, 0x6d, 0xc3, 0x28]), where: '(dokumen)', says: /harus berupa objek/ },
    { file: 'rusak-alias.yaml', kind: 'alias without its anchor', yaml: `${VALID}peringatan: [*tidak_ada]\n`, where: '28:14', says: /alias "\*tidak_ada"/ },
    {
      file: 'rusak-bom-alias.yaml',
      kind: 'alias bomb ("billion laughs")',
      yaml: `${VALID}${['a: &a [x, x, x, x, x, x, x, x, x]', ...'bcdefg'.split('').map((k, i) => `${k}: &${k} [${Array(9).fill(`*${'abcdefg'[i]}`).join(', ')}]`)].join('\n')}\n`,
      where: '(dokumen)',
      says: /alias/,
    },
    { file: 'zz-ganda.yaml', kind: 'id of another SOP', yaml: broken('id: ujicoba\ncode: UJI', 'id: pemalang\ncode: UJIB'), where: 'id', says: /SOP "pemalang" sudah dimuat/ },
  ];

  it('each file fails alone, named with the place of the mistake; every good SOP loads and works', async (ctx) => {
    dir = await mkdtemp(join(tmpdir(), 'sopbot-bad-catalog-'));
    const catalog = join(dir, 'katalog');
    await mkdir(catalog);
    const seeds = (await readdir(catalogDir())).filter((f) => f.endsWith('.yaml'));
    for (const f of seeds) await copyFile(join(catalogDir(), f), join(catalog, f));
    await writeFile(join(catalog, 'ujicoba.yaml'), VALID);
    for (const b of BROKEN) await writeFile(join(catalog, b.file), b.yaml);

    // The real start-up path: the service opens the database and the catalog from its config.
    tg = await startFakeTelegram();
    database = await createTestDatabase();
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const config = loadConfig({
      SOPBOT_DATA_DIR: join(dir, 'data'),
      SOPBOT_CATALOG_DIR: catalog,
      ...(database.url ? { DATABASE_URL: database.url } : {}),
      PORT: '0',
      TELEGRAM_BOT_TOKEN: tg.token,
      TELEGRAM_API_ROOT: tg.apiRoot,
      TELEGRAM_RATE_PER_CHAT_PER_MINUTE: '1000',
      TELEGRAM_RATE_PER_SECOND: '1000',
    });
    service = await startService(config, pino({ level: 'info' }, sink), { host: '127.0.0.1', startScheduler: false, dispatcher: { intervalMs: 20 } });
    const core = service.core;

    // Good SOPs: the five seeds and the valid new one.
    const loaded = core.service.catalog().map((s) => s.definition.id).sort();
    expect(loaded).toEqual(['jateng', 'kemenkumham', 'pemalang', 'pupr', 'tangerang', 'ujicoba']);
    // Every broken file is a failure of its own, each message "<file>: <place>: <what>".
    expect(core.catalogFailures.map((f) => f.file.split('/').at(-1)).sort()).toEqual(BROKEN.map((b) => b.file).sort());
    const logged = lines.map((l) => JSON.parse(l) as { msg: string; file?: string; errors?: string[] }).filter((l) => l.msg === 'definisi SOP tidak dimuat');
    for (const b of BROKEN) {
      const failure = core.catalogFailures.find((f) => f.file.endsWith(`/${b.file}`))!;
      const first = failure.errors[0]!.message;
      expect(first, b.kind).toContain(`${join(catalog, b.file)}: ${b.where}: `);
      expect(first, b.kind).toMatch(b.says);
      expect(logged.find((l) => l.file === failure.file)?.errors?.[0], `log of ${b.file}`).toBe(first);
    }
    // Nothing of the broken files reached the database.
    const versions = await core.database.db.select().from(sopVersions);
    expect(versions.map((v) => v.sopId).sort()).toEqual(loaded);

    // The admin's tools say the same, file by file.
    const out: string[] = [];
    const io = { core, out: (t: string) => out.push(t), err: (t: string) => out.push(t) };
    expect(await runCli(['sop', 'validate', ...BROKEN.map((b) => join(catalog, b.file))], io)).toBe(1);
    for (const b of BROKEN.filter((x) => x.file !== 'zz-ganda.yaml')) expect(out.join('\n')).toContain(`${join(catalog, b.file)}: ${b.where}: `);
    out.length = 0;
    expect(await runCli(['doctor'], io)).toBe(1);
    expect(out.filter((l) => l.startsWith('MASALAH katalog:'))).toHaveLength(BROKEN.length);

    // In a chat the catalog shows the good SOPs only, and the new one can be started.
    out.length = 0;
    expect(await runCli(['bind', 'telegram', '--role', 'kabid'], io)).toBe(0);
    const code = /: ([A-Z0-9]{4}-[A-Z0-9]{4})\n/.exec(out.join('\n'))![1]!;
    const person = tg.addUser({ first_name: 'Kabid' });
    const group = tg.addGroup({ title: 'Grup Kabid', members: [person] });
    const said = (after: TgMessage) => tg!.waitFor(() => tg!.messagesIn(group).find((m) => m.from?.id === tg!.bot.id && m.message_id > after.message_id), WAIT, 'answer');
    expect((await said(tg.userSends(group, person, `/daftar ${code}`))).text).toContain('terdaftar sebagai');
    const list = (await said(tg.userSends(group, person, '/sop'))).text!;
    for (const s of core.service.catalog()) expect(list).toContain(s.definition.identity.nama);
    expect(list.match(/• /g)).toHaveLength(6);
    const started = await core.service.startCase('ujicoba', 'Kasus SOP baru', actorFor('kabid'));
    expect(started.caseRef).toMatch(/^UJI-\d{4}-0001$/);

    note(ctx, {
      story: STORY,
      tried: `broken SOP definition files in the catalog beside the good ones: ${BROKEN.map((b) => b.kind).join(', ')}`,
      times: BROKEN.length,
      held: `the service started; each broken file failed alone with \`<file>: <place>: <what is wrong>\` in Indonesian (line:column for syntax, steps[i].field for content), in the log, in sopbot sop validate and in sopbot doctor; the 5 seed SOPs and the new valid one loaded, were listed by /sop and could start cases; no SOP version recorded for any broken file`,
    });
  }, 90_000);
});

// =============================================================================================

describe('one running service, Telegram (webhook) and Slack', () => {
  let t: TelegramWorld;
  let s: SlackWorld;
  let kabid: RoleDesk;
  let subkor: RoleDesk;
  /** A Pemalang case at step 1, its card in the Kabid group. */
  let refA: string;
  /** A Pemalang case at step 2, the Subkor's. */
  let refB: string;
  /** A Kemenkumham case at step 1, its card in the JF Madya's Slack channel. */
  let refC: string;

  beforeAll(async () => {
    const slack = await startFakeSlack();
    t = await TelegramWorld.start({
      startScheduler: false,
      webhook: true,
      // Small download limits so an oversized file is cheap to make.
      env: { ...SlackWorld.env(slack), TELEGRAM_MAX_DOWNLOAD_MB: '1', SOPBOT_MAX_UPLOAD_MB: '1' },
    });
    s = SlackWorld.attach(slack, t.core, t.service);
    kabid = await t.bindGroup('kabid');
    subkor = await t.bindGroup('subkor');
    await s.bindChannel('jf_madya');
    await s.bindChannel('sekretaris');
    const started = await startCaseTg(t, kabid, 'Permohonan asesor Dinas Arsip');
    refA = /Kasus (\S+) dimulai/.exec(started.text!)![1]!;
    refB = (await t.core.service.startCase('pemalang', 'Permohonan pembanding', actorFor('kabid'))).caseRef;
    await step(t, refB, { type: 'complete' });
    refC = await s.startCase('jf_madya', 'kemenkumham', 'Penilaian kompetensi JF');
    await t.card('kabid', refA, '1');
    await t.card('subkor', refB, '2');
    await s.card('jf_madya', refC, '1');
  }, 120_000);

  afterAll(async () => {
    await s?.close();
    await t?.close();
  });

  it('forged, oversized and foreign button data: each answered, nothing changes', async (ctx) => {
    const card = await t.card('kabid', refA, '1');
    const task = await openTaskOf(t, refA);
    const other = await openTaskOf(t, refB);
    const slackTask = await openTaskOf(t, refC);
    const id = task.id.toString(36);
    const v = task.version.toString(36);
    expect(dataOf(card, 'Selesai')).toBe(`t:${id}:${v}:c`);
    await t.settled();
    await s.settled();
    const before = await stateSnapshot(t.database.db);
    const callsBefore = t.tg.calls.length;
    const lastInKabid = t.botMessages(kabid.chat).at(-1)!.message_id;
    const lastInSubkor = t.botMessages(subkor.chat).at(-1)!.message_id;

    const stranger = t.tg.addUser({ first_name: 'Orang', last_name: 'Luar' });
    const strayGroup = t.tg.addGroup({ title: 'Grup Lain', members: [stranger] });
    const strayMsg = await answerTo(t, strayGroup, stranger, '/peran');
    const privateChat = t.tg.addPrivateChat(stranger);
    const privateMsg = await answerTo(t, privateChat, stranger, '/peran');
    const subkorMsg = t.botSaid(subkor.chat, 'terdaftar sebagai')!;

    type Press = { what: string; data: string; expected: string | RegExp; chat?: TgChat; user?: TgUser; on?: TgMessage };
    const stale = /sudah berubah sejak pesan ini dikirim/;
    const presses: Press[] = [
      { what: 'text', data: 'halo', expected: TG.unknownButton },
      { what: 'empty', data: '', expected: TG.unknownButton },
      { what: 'a real payload padded past 64 bytes', data: `t:${id}:${v}:c${'0'.repeat(64)}`, expected: TG.unknownButton },
      { what: '65 bytes', data: 'x'.repeat(65), expected: TG.unknownButton },
      { what: '4 KB', data: 'A'.repeat(4096), expected: TG.unknownButton },
      { what: 'emoji past 64 bytes', data: '🙂'.repeat(17), expected: TG.unknownButton },
      { what: 'SQL', data: `t:1';drop table tasks;--:0:c`, expected: TG.unknownButton },
      { what: 'HTML', data: `t:<b>${id}</b>:${v}:c`, expected: TG.unknownButton },
      { what: 'an extra field', data: `t:${id}:${v}:c:1`, expected: TG.unknownButton },
      { what: 'a negative id', data: `t:-${id}:${v}:c`, expected: TG.unknownButton },
      { what: 'an id of 12 digits', data: `t:zzzzzzzzzzzz:${v}:c`, expected: TG.unknownButton },
      { what: 'a task that does not exist', data: 't:zzzzzz:0:c', expected: TG.unknownButton },
      { what: 'an unknown action', data: `t:${id}:${v}:q`, expected: TG.unknownButton },
      { what: 'a version ahead', data: `t:${id}:${(task.version + 1).toString(36)}:c`, expected: stale },
      { what: 'a version far ahead on Setujui', data: `t:${id}:${(task.version + 7).toString(36)}:a`, expected: stale },
      { what: 'Setujui on a plain task', data: `t:${id}:${v}:a`, expected: /tindakan yang dapat dilakukan: Selesai/ },
      { what: 'a branch on a plain task', data: `t:${id}:${v}:b0`, expected: TG.unknownButton },
      { what: 'Kembalikan on a plain task', data: `t:${id}:${v}:r`, expected: TG.unknownButton },
      { what: 'a due date on a timed step', data: `t:${id}:${v}:d`, expected: TG.unknownButton },
      { what: 'an upload question that does not exist', data: 's:zz:0', expected: TG.promptGone },
      { what: 'an SOP index out of range', data: 'n:zz', expected: TG.noStartableSop },
      { what: "the Subkor's task, from the Kabid group", data: `t:${other.id.toString(36)}:${other.version.toString(36)}:c`, expected: TG.wrongChat },
      { what: "a Slack channel's task, from the Kabid group", data: `t:${slackTask.id.toString(36)}:${slackTask.version.toString(36)}:c`, expected: TG.wrongChat },
      { what: "the Kabid's button, from the Subkor group", data: `t:${id}:${v}:c`, expected: TG.wrongChat, chat: subkor.chat, user: subkor.person, on: subkorMsg },
      { what: "the Kabid's button, from an unbound group", data: `t:${id}:${v}:c`, expected: TG.wrongChat, chat: strayGroup, user: stranger, on: strayMsg },
      { what: "the Kabid's button, from a private chat", data: `t:${id}:${v}:c`, expected: TG.wrongChat, chat: privateChat, user: stranger, on: privateMsg },
    ];
    const queries = presses.map((p) => t.tg.userPresses(p.chat ?? kabid.chat, p.user ?? kabid.person, p.on ?? card, p.data, { force: true }));
    for (const [i, p] of presses.entries()) {
      const answer = await t.answerOf(queries[i]!);
      if (typeof p.expected === 'string') expect(answer, p.what).toBe(p.expected);
      else expect(answer, p.what).toMatch(p.expected);
      expect(answer!.length, p.what).toBeLessThanOrEqual(200);
    }

    // Slack: button values this app never made, or made for another channel.
    const desk = s.desk('jf_madya');
    const slackCard = await s.card('jf_madya', refC, '1');
    const selesai = buttonsOf(slackCard.blocks).find((b) => b.text.text.includes('Selesai'))!;
    const sv = slackTask.version;
    const slackPresses: { what: string; button: ButtonElement; expected: string | RegExp }[] = [
      { what: 'text', button: { ...selesai, value: 'halo' }, expected: SLACK.unknownButton },
      { what: 'no value', button: { ...selesai, value: undefined }, expected: SLACK.unknownButton },
      { what: '65 characters', button: { ...selesai, value: `t:${slackTask.id}:${sv}:c${'0'.repeat(60)}` }, expected: SLACK.unknownButton },
      { what: 'SQL', button: { ...selesai, value: `t:1';drop table tasks;--:0:c` }, expected: SLACK.unknownButton },
      { what: 'a task that does not exist', button: { ...selesai, value: 't:999999:0:c' }, expected: SLACK.unknownButton },
      { what: 'an upload answer on a card button', button: { ...selesai, value: 's:1:0' }, expected: SLACK.unknownButton },
      { what: 'a branch on a plain task', button: { ...selesai, action_id: 'task:b0', value: `t:${slackTask.id}:${sv}:b0` }, expected: SLACK.unknownButton },
      { what: 'a version ahead', button: { ...selesai, value: `t:${slackTask.id}:${sv + 1}:c` }, expected: stale },
      { what: 'Setujui on a plain task', button: { ...selesai, action_id: 'task:a', value: `t:${slackTask.id}:${sv}:a` }, expected: /tindakan yang dapat dilakukan: Selesai/ },
      { what: "a Telegram group's task", button: { ...selesai, value: `t:${task.id}:${task.version}:c` }, expected: SLACK.wrongChannel },
    ];
    // One at a time: Slack gets its ack at once and the answer follows, so answers could cross.
    for (const p of slackPresses) {
      const from = ephemeralCount(s, desk.person);
      expect((await s.slack.clickButton(desk.person, slackCard, p.button)).status, p.what).toBe(200);
      const whispers = await whispersAfter(s, desk.person, from);
      expect(whispers, p.what).toHaveLength(1);
      if (typeof p.expected === 'string') expect(whispers[0], p.what).toBe(p.expected);
      else expect(whispers[0], p.what).toMatch(p.expected);
    }
    // Kembalikan / due date forged onto a plain task: the modal says why, and offers no form.
    const modalPresses = [
      { action_id: 'task:r', value: `t:${slackTask.id}:${sv}:r` },
      { action_id: 'task:d', value: `t:${slackTask.id}:${sv}:d` },
    ];
    for (const p of modalPresses) {
      const modalsBefore = s.slack.openModals(desk.person).length;
      expect((await s.slack.clickButton(desk.person, slackCard, { ...selesai, ...p })).status).toBe(200);
      await s.settled();
      const modal = await s.slack.waitFor(() => s.slack.openModals(desk.person).slice(modalsBefore).at(-1), WAIT, 'modal');
      expect(modal.view.callback_id, p.action_id).toBe('notice');
      expect(JSON.stringify(modal.view.blocks), p.action_id).toContain(SLACK.unknownButton);
    }

    await t.settled();
    await s.settled();
    expect(await stateSnapshot(t.database.db)).toEqual(before);
    expect(botAfter(t, kabid.chat, lastInKabid)).toEqual([]);
    expect(botAfter(t, subkor.chat, lastInSubkor)).toEqual([]);
    expect(t.tg.edits.filter((e) => e.messageId === card.message_id)).toEqual([]);
    expect(buttonsOf(s.slack.message(slackCard.channel, slackCard.ts)!.blocks).length).toBeGreaterThan(0);
    expect(refusedSends(t.tg, callsBefore)).toEqual([]);

    note(ctx, {
      story: STORY,
      tried: `forged, oversized (65 B to 4 KB), stale and foreign button data: ${presses.length} Telegram callback payloads (text, empty, SQL, HTML, padded past 64 bytes, unknown ids and actions, a version ahead, buttons the step never shows, another role's and a Slack channel's task, the Kabid's button pressed in the Subkor's, an unbound and a private chat) and ${slackPresses.length + modalPresses.length} Slack button values`,
      times: presses.length + slackPresses.length + modalPresses.length,
      held: `every press answered once in Indonesian ("${TG.unknownButton}", "${TG.wrongChat}", "…sudah berubah sejak pesan ini dikirim…", "…tindakan yang dapat dilakukan: Selesai"; Slack privately, or a modal without a form); no task, event, document, outbox row, prompt, binding or code changed; no card edited, nothing posted in any chat`,
    });
  }, 120_000);

  it('requests without the right Slack signature or Telegram secret: refused, nothing changes', async (ctx) => {
    const desk = s.desk('jf_madya');
    const slackCard = await s.card('jf_madya', refC, '1');
    await s.upload('jf_madya', slackCard, 'disposisi.pdf');
    const ready = await s.slack.waitFor(() => (textOf(s.slack.message(desk.channel, slackCard.ts)!).includes('✅ Disposisi:') ? s.slack.message(desk.channel, slackCard.ts) : undefined), WAIT, 'upload shown');
    // A new channel and a pairing code someone would use there.
    const newcomer = s.slack.addUser({ name: 'petugas.asesor', realName: 'Petugas Asesor' });
    const channel = s.slack.addChannel({ name: 'sop-asesor', members: [newcomer] });
    const slackCode = await s.pairingCode('asesor');
    // Telegram: the Kabid's card ready for Selesai, and a new group with its code.
    const card = await t.card('kabid', refA, '1');
    await t.upload('kabid', card, 'disposisi.pdf');
    const tgReady = await t.tg.waitFor(() => {
      const m = t.tg.message(kabid.chat, card.message_id);
      return m?.text?.includes('✅ Disposisi') ? m : undefined;
    }, WAIT, 'Telegram card shows the upload');
    const tgCode = await t.pairingCode('sekretaris');
    const person = t.tg.addUser({ first_name: 'Sekretaris' });
    const group = t.tg.addGroup({ title: 'Grup Sekretaris', members: [person] });
    await t.settled();
    await s.settled();
    const before = await stateSnapshot(t.database.db);
    const ephemeralsBefore = s.slack.ephemerals.length;
    const downloadsBefore = s.slack.downloads.length;
    const slackPostsBefore = s.slack.callsOf('chat.postMessage').length;
    const answersBefore = t.tg.callsTo('answerCallbackQuery').length;

    // Slack: three kinds of request (a command, a click, a file in a card thread), each sent
    // with every way a signature can be wrong.
    const now = Math.floor(Date.now() / 1000);
    const sig = (ts: number, body: string) => `v0=${createHmac('sha256', s.slack.signingSecret).update(`v0:${ts}:${body}`).digest('hex')}`;
    const tampers: { what: string; options: Parameters<FakeSlack['runCommand']>[3] }[] = [
      { what: 'a forged signature', options: { tamper: 'forged' } },
      { what: 'no signature or timestamp', options: { tamper: 'missing' } },
      { what: 'signed with another secret', options: { tamper: 'wrong-secret' } },
      { what: 'a timestamp 5½ minutes old', options: { tamper: 'stale' } },
      { what: 'a valid signature an hour old (replayed)', options: { signedAt: now - 3600 } },
      { what: 'a valid signature a day old (replayed)', options: { signedAt: now - 86_400 } },
      { what: 'a timestamp 10 minutes ahead', options: { signedAt: now + 600 } },
      { what: 'a timestamp that is not a number', options: { headers: { 'x-slack-request-timestamp': 'kemarin' } } },
      { what: 'a v1 signature', options: { headers: { 'x-slack-signature': `v1=${'a'.repeat(64)}` } } },
      { what: "another body's valid signature", options: { signedAt: now, headers: { 'x-slack-signature': sig(now, 'payload=%7B%7D') } } },
      { what: 'the signature without its timestamp', options: { headers: { 'x-slack-request-timestamp': '' } } },
    ];
    const statuses: number[] = [];
    for (const { what, options } of tampers) {
      const sent = [
        await s.slack.runCommand(newcomer, channel, `daftar ${slackCode}`, options),
        await s.slack.click(desk.person, ready, 'Selesai', options),
        await s.slack.shareFile(desk.person, desk.channel, { name: 'palsu.pdf', bytes: '%PDF palsu', threadTs: slackCard.ts }, options).delivered,
        await s.slack.openHome(desk.person, options),
      ];
      for (const d of sent) expect(d.status, `${what}: ${d.what}`).toBe(401);
      statuses.push(...sent.map((d) => d.status));
    }
    // A body far larger than anything Slack sends, validly signed.
    const hugeBody = `payload=${'x'.repeat(2 * 1024 * 1024)}`;
    const huge = await post(s.slack.app.url, {
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': String(now), 'x-slack-signature': sig(now, hugeBody) },
      body: hugeBody,
    });
    // Refused before the signature is even checked: 413, or the connection closed on the sender.
    expect([413, 0], huge.text).toContain(huge.status);
    // Validly signed, but not what it claims to be.
    const garbled = await s.slack.app.raw('payload=%7Bbukan-json', 'application/x-www-form-urlencoded');
    expect(garbled.status).toBe(400);

    // Telegram webhook: the press that would finish the Kabid's step, and a /daftar that would
    // bind a group, posted straight to the service without the right secret.
    const url = `http://127.0.0.1:${t.service.http.port}/telegram/webhook`;
    let updateId = 900_000_000;
    const ids: number[] = [];
    const updates = () => {
      const pressId = ++updateId;
      const daftarId = ++updateId;
      ids.push(pressId, daftarId);
      return [
        { update_id: pressId, callback_query: { id: `9${pressId}`, from: kabid.person, message: tgReady, chat_instance: '42', data: dataOf(tgReady, 'Selesai') } },
        {
          update_id: daftarId,
          message: { message_id: 9000 + daftarId % 1000, from: person, chat: group, date: now, text: `/daftar ${tgCode}`, entities: [{ type: 'bot_command', offset: 0, length: 7 }] },
        },
      ];
    };
    const json = { 'content-type': 'application/json' };
    const secret = (value: string) => ({ ...json, 'x-telegram-bot-api-secret-token': value });
    const hooks: { what: string; headers: Record<string, string>; method?: string; path?: string }[] = [
      { what: 'no secret header', headers: json },
      { what: 'a wrong secret of the same length', headers: secret('x'.repeat(WEBHOOK_SECRET.length)) },
      { what: 'a prefix of the secret', headers: secret(WEBHOOK_SECRET.slice(0, 16)) },
      { what: 'the secret and more', headers: secret(`${WEBHOOK_SECRET}x`) },
      { what: 'the secret in upper case', headers: secret(WEBHOOK_SECRET.toUpperCase()) },
      { what: 'the secret under another header', headers: { ...json, 'x-telegram-secret': WEBHOOK_SECRET } },
      { what: 'the secret in the query string', headers: json, path: `?secret_token=${WEBHOOK_SECRET}` },
      { what: 'the bot token as the secret', headers: secret(t.tg.token) },
      { what: 'the right secret on a PUT', headers: secret(WEBHOOK_SECRET), method: 'PUT' },
    ];
    let hookCount = 0;
    for (const hook of hooks) {
      for (const update of updates()) {
        const res = await post(`${url}${hook.path ?? ''}`, { headers: hook.headers, body: JSON.stringify(update), ...(hook.method ? { method: hook.method } : {}) });
        expect(res, hook.what).toEqual({ status: 401, text: 'unauthorized' });
        hookCount++;
      }
    }
    // With the right secret, a body that is not an update at all.
    const notJson = await post(url, { headers: secret(WEBHOOK_SECRET), body: '{"update_id": 1, "message": ' });
    expect(notJson.status).toBe(415);

    await t.settled();
    await s.settled();
    expect(await stateSnapshot(t.database.db)).toEqual(before);
    // None of the refused update ids was claimed: the real ones would still be handled.
    const claimed = await t.database.db.select().from(processedUpdates);
    expect(claimed.filter((u) => ids.map(String).includes(u.updateId))).toEqual([]);
    expect(s.slack.ephemerals.length).toBe(ephemeralsBefore);
    expect(s.slack.downloads.length).toBe(downloadsBefore);
    expect(s.slack.callsOf('chat.postMessage').length).toBe(slackPostsBefore);
    expect(t.tg.messagesIn(group).filter((m) => m.from?.id === t.tg.bot.id)).toEqual([]);
    expect(t.tg.callsTo('answerCallbackQuery').length).toBe(answersBefore);

    // The same things done properly still work: the codes were not spent, the tasks not touched.
    expect((await answerTo(t, group, person, `/daftar ${tgCode}`)).text).toContain('terdaftar sebagai');
    expect(await t.answerOf(t.press('kabid', tgReady, 'Selesai'))).toBe(TG.recorded);
    expect((await s.slack.runCommand(newcomer, channel, `daftar ${slackCode}`)).status).toBe(200);
    await s.slack.waitFor(() => s.botSaid(channel, 'terdaftar sebagai'), WAIT, 'Slack binding');
    await s.press('jf_madya', ready, 'Selesai');
    await s.cardClosed('jf_madya', slackCard, 'Diselesaikan oleh');

    note(ctx, {
      story: STORY,
      tried: `Slack requests (a /sop daftar, a click on Selesai, a file in a card thread, the Home tab) with ${tampers.length} kinds of bad signature: forged, missing, another secret, 5½ min old, validly signed 1 h and 1 day ago (replayed), 10 min ahead, a timestamp that is not a number, a v1 signature, another body's signature, no timestamp; plus a validly signed 2 MB body and a signed body that is not JSON`,
      times: statuses.length + 2,
      held: `all ${statuses.length} answered 401 before anything was parsed, the 2 MB body 413, the garbled one 400; no binding, no code spent, no task or document changed, no file downloaded, nothing said in any channel; the same command, click and upload signed properly worked afterwards`,
    });
    note(ctx, {
      story: STORY,
      tried: `Telegram webhook posts (a Selesai press and a /daftar) without the right secret: ${hooks.map((h) => h.what).join(', ')}; and one with the secret but a body that is not JSON`,
      times: hookCount + 1,
      held: `every post without the secret answered 401 and not read further; the broken body 415; no update id claimed, no press answered, no task, binding or code changed; the real press and /daftar through Telegram worked afterwards`,
    });
  }, 120_000);

  it('oversized files, refused types and loose files: refused in words, nothing stored', async (ctx) => {
    const refD = (await t.core.service.startCase('pemalang', 'Permohonan dengan berkas', actorFor('kabid'))).caseRef;
    const refE = (await t.core.service.startCase('kemenkumham', 'Penilaian dengan berkas', actorFor('jf_madya'))).caseRef;
    const card = await t.card('kabid', refD, '1');
    const desk = s.desk('jf_madya');
    const slackCard = await s.card('jf_madya', refE, '1');
    await t.settled();
    await s.settled();
    const before = await stateSnapshot(t.database.db);
    const filesBefore = await filesIn(t.core.config.filesDir);
    const lastInKabid = t.botMessages(kabid.chat).at(-1)!.message_id;
    const allowed = uploadRefusal('type_not_allowed', { allowed: ['pdf', 'doc', 'docx', 'xls', 'xlsx', 'jpg', 'jpeg', 'png'] });
    const tooBig = uploadRefusal('too_large', { limitMb: 1, by: 'service' });
    const bound = t.botSaid(kabid.chat, 'terdaftar sebagai')!;
    const own = t.tg.userSends(kabid.chat, kabid.person, 'catatan sendiri');
    const big = Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.alloc(1536 * 1024, 0x41)]);

    const tgUploads: { what: string; upload: Parameters<FakeTelegram['userUploads']>[2]; expected: string }[] = [
      { what: 'a PDF of 5 MB (limit 1 MB)', upload: { fileName: 'pindaian.pdf', bytes: '%PDF-1.4', fileSize: 5 * 1024 * 1024, replyTo: card }, expected: tooBig },
      { what: 'a PDF that says 1 KB and is 1.5 MB', upload: { fileName: 'bohong.pdf', bytes: big, fileSize: 1000, replyTo: card }, expected: tooBig },
      { what: 'an .exe', upload: { fileName: 'disposisi.exe', bytes: 'MZ\x90\x00', replyTo: card }, expected: allowed },
      { what: 'a .js', upload: { fileName: 'skrip.js', bytes: 'alert(1)', replyTo: card }, expected: allowed },
      { what: 'an .html', upload: { fileName: 'halaman.html', bytes: '<html></html>', replyTo: card }, expected: allowed },
      { what: 'an .svg', upload: { fileName: 'gambar.svg', bytes: '<svg onload="alert(1)"/>', replyTo: card }, expected: allowed },
      { what: 'a .zip', upload: { fileName: 'arsip.zip', bytes: 'PK\x03\x04', replyTo: card }, expected: allowed },
      { what: 'a .pdf.exe', upload: { fileName: 'disposisi.pdf.exe', bytes: 'MZ', replyTo: card }, expected: allowed },
      { what: 'no extension', upload: { fileName: 'disposisi', bytes: '%PDF-1.4', replyTo: card }, expected: allowed },
      { what: 'a PDF replying to nothing', upload: { fileName: 'disposisi.pdf', bytes: '%PDF-1.4' }, expected: TG.uploadReplyToCard },
      { what: "a PDF replying to the bot's other message", upload: { fileName: 'disposisi.pdf', bytes: '%PDF-1.4', replyTo: bound }, expected: TG.uploadReplyToCard },
      { what: "a PDF replying to the sender's own message", upload: { fileName: 'disposisi.pdf', bytes: '%PDF-1.4', replyTo: own }, expected: TG.uploadReplyToCard },
    ];
    for (const u of tgUploads) {
      const sent = t.tg.userUploads(kabid.chat, kabid.person, u.upload);
      const answer = await t.tg.waitFor(() => botAfter(t, kabid.chat, sent.message_id)[0], WAIT, `answer to ${u.what}`);
      expect(answer.text, u.what).toBe(u.expected);
    }

    const slackUploads: { what: string; file: Parameters<FakeSlack['shareFile']>[2]; expected: string }[] = [
      { what: 'a PDF of 5 MB (limit 1 MB)', file: { name: 'pindaian.pdf', bytes: '%PDF', size: 5 * 1024 * 1024, threadTs: slackCard.ts }, expected: tooBig },
      { what: 'a PDF that says 100 bytes and is 1.5 MB', file: { name: 'bohong.pdf', bytes: big, size: 100, threadTs: slackCard.ts }, expected: tooBig },
      { what: 'an .exe', file: { name: 'virus.exe', bytes: 'MZ', threadTs: slackCard.ts }, expected: allowed },
      { what: 'an .html', file: { name: 'index.html', bytes: '<html></html>', mimetype: 'text/html', threadTs: slackCard.ts }, expected: allowed },
      { what: 'a .pdf.js', file: { name: 'laporan.pdf.js', bytes: 'x', threadTs: slackCard.ts }, expected: allowed },
      { what: 'a PDF outside any thread', file: { name: 'disposisi.pdf', bytes: '%PDF' }, expected: SLACK.uploadInThread },
      { what: 'a PDF in the thread of another message', file: { name: 'disposisi.pdf', bytes: '%PDF', threadTs: s.botSaid(desk.channel, 'terdaftar sebagai')!.ts }, expected: SLACK.uploadInThread },
    ];
    const from = ephemeralCount(s, desk.person);
    for (const u of slackUploads) expect((await s.slack.shareFile(desk.person, desk.channel, u.file).delivered).status, u.what).toBe(200);
    const whispers = await whispersAfter(s, desk.person, from, slackUploads.length);
    // A file is refused after its download, the others before: the answers come in any order.
    expect([...whispers].sort()).toEqual(slackUploads.map((u) => u.expected).sort());

    await t.settled();
    await s.settled();
    expect(await stateSnapshot(t.database.db)).toEqual(before);
    expect(await filesIn(t.core.config.filesDir)).toEqual(filesBefore);
    // The refusals are all the bot said: nothing stored, no card redrawn.
    expect(botAfter(t, kabid.chat, lastInKabid).map((m) => m.text).sort()).toEqual(tgUploads.map((u) => u.expected).sort());
    expect(t.tg.edits.filter((e) => e.messageId === card.message_id)).toEqual([]);
    expect(s.slack.botMessages(desk.channel, { thread: slackCard.ts })).toEqual([]);

    note(ctx, {
      story: STORY,
      tried: `files that must not be stored: ${tgUploads.length} in Telegram and ${slackUploads.length} in Slack — declared too big, declared small but too big when downloaded, .exe .js .html .svg .zip .pdf.exe .pdf.js and no extension, and files not sent as a reply to a card / in a card's thread`,
      times: tgUploads.length + slackUploads.length,
      held: `each answered in Indonesian ("${tooBig}", "Jenis berkas ini tidak diterima. Jenis yang diterima: pdf, …", "${TG.uploadReplyToCard}", "${SLACK.uploadInThread}"); no document row, no file left in storage (the lying one was cut off at 1 MB and removed), no card changed`,
    });
  }, 120_000);

  it('unknown commands, malformed case numbers and wrong pairing codes: answered, nothing changes', async (ctx) => {
    const stranger = t.tg.addUser({ first_name: 'Tamu' });
    const lobby = t.tg.addGroup({ title: 'Lobi', members: [stranger] });
    const db = t.database.db;
    const expiredTg = await bindings.createPairingCode(db, { platform: 'telegram', role: 'kabid', ttlMs: 3_600_000, now: new Date(Date.now() - 2 * 3_600_000) });
    const expiredSlack = await bindings.createPairingCode(db, { platform: 'slack', role: 'asesor', ttlMs: 3_600_000, now: new Date(Date.now() - 2 * 3_600_000) });
    const slackCode = await s.pairingCode('tenaga_pendukung');
    const tgCode = await t.pairingCode('kepala_bkd');
    // A code used once already, by another group.
    const usedCode = await t.pairingCode('asesor_sdma');
    const first = t.tg.addGroup({ title: 'Grup Asesor', members: [stranger] });
    expect((await answerTo(t, first, stranger, `/daftar ${usedCode}`)).text).toContain('terdaftar sebagai');
    const desk = s.desk('jf_madya');
    const outsider = s.slack.addUser({ name: 'tamu', realName: 'Tamu' });
    const hall = s.slack.addChannel({ name: 'umum', members: [outsider] });
    await t.settled();
    await s.settled();
    const before = await stateSnapshot(db);
    const callsBefore = t.tg.calls.length;

    const shown = (html: string) => html.replace(/<[^>]+>/g, '').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
    const long = 'X'.repeat(4089);
    type Said = { what: string; text: string; chat?: TgChat; user?: TgUser; expected: string | null };
    const tgInputs: Said[] = [
      { what: 'an unknown command', text: '/hapus', expected: shown(TG.unknownCommand('hapus')) },
      { what: 'an unknown command with arguments', text: '/admin semua kasus', expected: shown(TG.unknownCommand('admin')) },
      { what: 'SQL as a command', text: '/DROP TABLE cases; --', expected: shown(TG.unknownCommand('DROP')) },
      { what: 'HTML as a command', text: '/<b>tebal</b>&amp;', expected: shown(TG.unknownCommand(escapeHtml('<b>tebal</b>&amp;'))) },
      { what: 'a 4 KB command', text: `/${long.slice(0, 4000)}`, expected: shown(TG.unknownCommand(`${'X'.repeat(40)}…`)) },
      { what: 'an unknown command in an unbound group', text: '/mulai', chat: lobby, user: stranger, expected: shown(TG.unknownCommand('mulai')) },
      { what: 'a command addressed to another bot', text: '/tugas@BotLain', expected: null },
      { what: '/kasus of a case that does not exist', text: '/kasus PML-2020-9999', expected: 'Kasus PML-2020-9999 tidak ditemukan.' },
      { what: '/kasus with SQL', text: `/kasus ${SQL}`, expected: `Kasus ${SQL} tidak ditemukan.` },
      { what: '/kasus with HTML', text: `/kasus ${HTML}`, expected: `Kasus ${brief(HTML, 41)} tidak ditemukan.` },
      { what: '/kasus with a 4 KB reference', text: `/kasus ${long}`, expected: `Kasus ${'X'.repeat(40)}… tidak ditemukan.` },
      { what: '/kasus without a reference', text: '/kasus', expected: TG.caseUsage },
      { what: "/kasus of a case the chat's role has no part in", text: `/kasus ${refC}`, expected: TG.notInCase },
      { what: '/dokumen of a case that does not exist', text: '/dokumen NOPE-0000-0000', expected: 'Kasus NOPE-0000-0000 tidak ditemukan.' },
      { what: '/daftar with an unknown code', text: '/daftar ABCD-EFGH', chat: lobby, user: stranger, expected: TG.codeUnknown },
      { what: '/daftar with an expired code', text: `/daftar ${expiredTg.code}`, chat: lobby, user: stranger, expected: TG.codeExpired },
      { what: '/daftar with a code used by another group', text: `/daftar ${usedCode}`, chat: lobby, user: stranger, expected: TG.codeUsed },
      { what: '/daftar with a Slack code', text: `/daftar ${slackCode}`, chat: lobby, user: stranger, expected: TG.codeUnknown },
      { what: '/daftar with SQL', text: `/daftar ${SQL}`, chat: lobby, user: stranger, expected: TG.codeUnknown },
      { what: '/daftar with HTML', text: `/daftar ${HTML}`, chat: lobby, user: stranger, expected: TG.codeUnknown },
      { what: '/daftar with a 4 KB code', text: `/daftar ${long}`, chat: lobby, user: stranger, expected: TG.codeUnknown },
      { what: '/daftar without a code', text: '/daftar', chat: lobby, user: stranger, expected: TG.bindUsage },
      { what: '/tugas in an unbound group', text: '/tugas', chat: lobby, user: stranger, expected: TG.notBound },
      { what: '/baru in an unbound group', text: '/baru', chat: lobby, user: stranger, expected: TG.notBound },
      { what: '/lepas by a member who is not an admin', text: '/lepas', expected: TG.unbindAdminsOnly },
      { what: '/batal with no question pending', text: '/batal', expected: TG.nothingToCancel },
    ];
    for (const input of tgInputs) {
      const chat = input.chat ?? kabid.chat;
      const user = input.user ?? kabid.person;
      if (input.expected === null) {
        const sent = t.tg.userSends(chat, user, input.text);
        await t.settled();
        expect(botAfter(t, chat, sent.message_id), input.what).toEqual([]);
        continue;
      }
      const answer = await answerTo(t, chat, user, input.text);
      expect(answer.text, input.what).toBe(input.expected);
    }

    const e = escapeMrkdwn;
    const slackInputs: { what: string; text: string; user?: typeof outsider; channel?: typeof hall; expected: string }[] = [
      { what: 'an unknown subcommand', text: 'hapus', expected: SLACK.unknownSubcommand('hapus') },
      { what: 'a mention of @channel as a subcommand', text: '<!channel> halo', expected: SLACK.unknownSubcommand(e('<!channel>')) },
      { what: 'SQL as a subcommand', text: "');drop table cases;--", expected: SLACK.unknownSubcommand(e("');drop")) },
      { what: 'a 3 KB subcommand', text: 'y'.repeat(3000), expected: SLACK.unknownSubcommand(`${'y'.repeat(40)}…`) },
      { what: 'kasus of a case that does not exist', text: 'kasus KUMHAM-2020-9999', expected: 'Kasus KUMHAM-2020-9999 tidak ditemukan.' },
      { what: 'kasus with SQL', text: `kasus ${SQL}`, expected: e(`Kasus ${SQL} tidak ditemukan.`) },
      { what: 'kasus with mentions and a link', text: `kasus ${SLACK_MENTIONS}`, expected: e(`Kasus ${brief(SLACK_MENTIONS, 41)} tidak ditemukan.`) },
      { what: 'kasus without a reference', text: 'kasus', expected: SLACK.caseUsage },
      { what: 'dokumen without a reference', text: 'dokumen', expected: SLACK.documentsUsage },
      { what: 'daftar with an unknown code', text: 'daftar ABCD-EFGH', user: outsider, channel: hall, expected: SLACK.codeUnknown },
      { what: 'daftar with an expired code', text: `daftar ${expiredSlack.code}`, user: outsider, channel: hall, expected: SLACK.codeExpired },
      { what: 'daftar with a Telegram code', text: `daftar ${tgCode}`, user: outsider, channel: hall, expected: SLACK.codeUnknown },
      { what: 'daftar with HTML', text: `daftar ${HTML}`, user: outsider, channel: hall, expected: SLACK.codeUnknown },
      { what: 'tugas in an unbound channel', text: 'tugas', user: outsider, channel: hall, expected: SLACK.notBound },
      { what: 'lepas by someone who is not an admin', text: 'lepas', expected: SLACK.unbindAdminsOnly },
    ];
    const slackAnswers: string[] = [];
    for (const input of slackInputs) {
      const user = input.user ?? desk.person;
      const from = ephemeralCount(s, user);
      expect((await s.slack.runCommand(user, input.channel ?? desk.channel, input.text)).status, input.what).toBe(200);
      const [answer] = await whispersAfter(s, user, from);
      expect(answer, input.what).toBe(input.expected);
      slackAnswers.push(answer!);
    }
    // Echoed input never becomes a mention, a link or a half escape.
    expect(mrkdwnProblems(slackAnswers)).toEqual([]);

    await t.settled();
    await s.settled();
    expect(await stateSnapshot(db)).toEqual(before);
    expect(refusedSends(t.tg, callsBefore)).toEqual([]);

    note(ctx, {
      story: STORY,
      tried: `${tgInputs.length} Telegram and ${slackInputs.length} Slack commands that cannot be carried out: unknown commands (plain, with SQL, HTML, 3–4 KB long, for another bot), /kasus and /dokumen with a missing, malformed, SQL, HTML, mention or 4 KB reference or a case of other roles, /daftar with unknown, expired, used, other-platform, SQL, HTML and 4 KB codes, commands in unbound chats, /lepas by a non-admin`,
      times: tgInputs.length + slackInputs.length,
      held: `each answered with one Indonesian sentence naming the problem ("${shown(TG.unknownCommand('hapus'))}", "Kasus … tidak ditemukan.", "${TG.codeExpired}", …), the input echoed literally and at most 40 characters of it; the command meant for another bot left alone; no binding, code, case, task, event or outbox row changed; every reply accepted by Telegram`,
    });
  }, 120_000);

  it('titles and reasons with SQL, HTML, Markdown, control characters, 4 KB and nothing: stored and shown as typed', async (ctx) => {
    const db = t.database.db;
    const callsBefore = t.tg.calls.length;
    // Dense in what must be escaped: escaped, each grows to several times its length.
    const LONG_TG = `Permohonan ${'<&>'.repeat(1400)}`.slice(0, 4096);
    const LONG_SLACK = `Alasan ${'<&>'.repeat(700)}`.slice(0, 2000);
    const cardHead = (m: TgMessage | undefined) => m?.text?.includes('Kegiatan') && (m.reply_markup?.inline_keyboard.length ?? 0) > 0;

    /** The card shows `text` (or its start, when long) literally, outside any bold/italic/link. */
    const showsLiterally = (m: TgMessage, text: string, what: string) => {
      const shown = text.length > 150 ? text.slice(0, 150) : text;
      const at = m.text!.indexOf(shown);
      expect(at, `${what}: ${JSON.stringify(m.text!.slice(0, 300))}`).toBeGreaterThanOrEqual(0);
      return at;
    };

    // Titles typed in Telegram.
    const titles: { what: string; text: string }[] = [
      { what: 'SQL', text: SQL },
      { what: 'HTML', text: HTML },
      { what: 'Markdown', text: MARKDOWN },
      { what: 'control and zero-width characters', text: CONTROL },
      { what: '4 KB with < & >', text: LONG_TG },
    ];
    const refs: string[] = [];
    for (const title of titles) {
      const started = await startCaseTg(t, kabid, title.text);
      expect(started.text, title.what).toMatch(/^Kasus \S+ dimulai/);
      const ref = /Kasus (\S+) dimulai/.exec(started.text!)![1]!;
      refs.push(ref);
      expect((await t.core.service.caseDetails(ref)).caseRow.title, title.what).toBe(title.text.trim());
      const card = await t.card('kabid', ref, '1');
      expect(card.text!.length).toBeLessThanOrEqual(4096);
      const at = showsLiterally(card, title.text, title.what);
      expect(entitiesOver(card, at, Math.min(title.text.length, 150)), title.what).toEqual([]);
      expect(cardHead(card), title.what).toBe(true);
    }
    // /tugas and /kasus show them too, in messages Telegram accepts.
    const list = await answerTo(t, kabid.chat, kabid.person, '/tugas');
    for (const [i, title] of titles.entries()) {
      expect(list.text, title.what).toContain(refs[i]!);
      showsLiterally(list, title.text, `/tugas: ${title.what}`);
    }
    for (const [i, title] of titles.entries()) {
      const history = await answerTo(t, kabid.chat, kabid.person, `/kasus ${refs[i]}`);
      showsLiterally(history, title.text, `/kasus: ${title.what}`);
    }
    // Nothing to start a case with: refused, no case.
    const casesBefore = (await stateSnapshot(db)).cases.length;
    const empty = await startCaseTg(t, kabid, '   ');
    expect(empty.text).toBe('Judul kasus wajib diisi.');
    expect((await stateSnapshot(db)).cases.length).toBe(casesBefore);
    // The long-titled case is cancelled: its closing notice names it and is delivered.
    const out: string[] = [];
    expect(await runCli(['case', 'cancel', refs.at(-1)!, '--reason', HTML], { core: t.core, out: (x) => out.push(x), err: (x) => out.push(x) }), out.join('\n')).toBe(0);
    const closed = await t.tg.waitFor(() => t.botMessages(kabid.chat).find((m) => m.text?.startsWith(`🏁 Kasus ${refs.at(-1)}`)), WAIT, 'closing notice');
    showsLiterally(closed, LONG_TG, 'closing notice');

    // Return reasons typed in Telegram, on the Kabid's review (5b), back to the Subkor's step 4.
    const refR = (await t.core.service.startCase('pemalang', 'Kasus alasan', actorFor('kabid'))).caseRef;
    await pemalangTo5b(t, refR);
    const reasons: { what: string; text: string }[] = [
      { what: 'SQL', text: SQL },
      { what: 'HTML', text: HTML },
      { what: 'Markdown', text: MARKDOWN },
      { what: '4 KB with < & >', text: LONG_TG },
    ];
    for (const [i, reason] of reasons.entries()) {
      const review = await t.card('kabid', refR, '5b', i + 1);
      expect(await t.answerOf(t.press('kabid', review, 'Kembalikan'))).toBe(TG.writeReason);
      const question = await t.tg.waitFor(() => botAfter(t, kabid.chat, review.message_id).find((m) => m.text?.includes('tulis alasan pengembalian') && m.text.includes(refR)), WAIT, 'reason question');
      const done = await answerTo(t, kabid.chat, kabid.person, reason.text, { replyTo: question });
      expect(done.text, reason.what).toBe(TG.returnDone(refR));
      const task = (await t.core.service.caseDetails(refR)).tasks.filter((x) => x.stepId === '5b').at(-1)!;
      expect(task.comment, reason.what).toBe(reason.text.trim());
      const closedCard = await t.cardClosed('kabid', review, 'Dikembalikan oleh');
      const at = showsLiterally(closedCard, reason.text, `closed card: ${reason.what}`);
      expect(entitiesOver(closedCard, at, Math.min(reason.text.length, 150)).map((x) => x.type), reason.what).toEqual(['italic']);
      const back = await t.card('subkor', refR, '4', i + 2);
      showsLiterally(back, reason.text, `returned card: ${reason.what}`);
      expect(back.text!.length).toBeLessThanOrEqual(4096);
      await step(t, refR, { type: 'complete' });
    }
    // A reason of nothing but spaces: refused, nothing changes.
    const review = await t.card('kabid', refR, '5b', reasons.length + 1);
    const beforeEmpty = await stateSnapshot(db);
    expect(await t.answerOf(t.press('kabid', review, 'Kembalikan'))).toBe(TG.writeReason);
    const question = await t.tg.waitFor(() => botAfter(t, kabid.chat, review.message_id).find((m) => m.text?.includes('tulis alasan pengembalian')), WAIT, 'reason question');
    expect((await answerTo(t, kabid.chat, kabid.person, '   ', { replyTo: question })).text).toBe('Alasan pengembalian wajib diisi.');
    await t.settled();
    expect(await stateSnapshot(db)).toEqual(beforeEmpty);

    // Titles typed into Slack's modal.
    const desk = s.desk('jf_madya');
    const slackTitles: { what: string; text: string }[] = [
      { what: 'SQL', text: SQL },
      { what: 'mentions of @channel, a user, a channel and a link', text: SLACK_MENTIONS },
      { what: 'HTML', text: HTML },
      { what: 'Markdown', text: MARKDOWN },
      { what: '200 characters (the modal limit) of < & >', text: '<&>'.repeat(67).slice(0, 200) },
    ];
    for (const title of slackTitles) {
      const ref = await s.startCase('jf_madya', 'kemenkumham', title.text);
      expect((await t.core.service.caseDetails(ref)).caseRow.title, title.what).toBe(title.text);
      const started = s.slack.botMessages(desk.channel).find((m) => m.text.includes(`*${ref}*`) && m.text.includes('dimulai'))!;
      expect(started.text, title.what).toContain(`(${escapeMrkdwn(title.text)})`);
      expect(mrkdwnProblems(mrkdwnOf(started)), title.what).toEqual([]);
      const card = await s.card('jf_madya', ref, '1');
      expect(mrkdwnProblems(mrkdwnOf(card)), title.what).toEqual([]);
      expect(slackPlain(textOf(card)), title.what).toContain(`${ref}* · ${title.text}\n`);
    }
    for (const blank of ['', '   \n ']) {
      expect((await s.slack.runCommand(desk.person, desk.channel, 'baru')).status).toBe(200);
      const modal = await s.modal(desk.person, 'new_case');
      const refused = await s.slack.submit(desk.person, modal, { sop: 'kemenkumham', title: blank });
      expect(JSON.parse(refused.body)).toEqual({ response_action: 'errors', errors: { [INPUT.title.block]: SLACK.titleRequired } });
      expect(modal.open).toBe(true);
    }

    // Return reasons typed into Slack's modal, on the Sekretaris' review (6), back to the Kabid in Telegram (5b).
    const sekretaris = s.desk('sekretaris');
    const refS = (await t.core.service.startCase('pemalang', 'Kasus alasan Slack', actorFor('kabid'))).caseRef;
    await pemalangTo5b(t, refS);
    await step(t, refS, { type: 'approve' });
    const slackReasons: { what: string; text: string }[] = [
      { what: 'mentions and a link', text: SLACK_MENTIONS },
      { what: 'HTML', text: HTML },
      { what: '2000 characters (the modal limit) of < & >', text: LONG_SLACK },
    ];
    for (const [i, reason] of slackReasons.entries()) {
      const card = await s.card('sekretaris', refS, '6', i + 1);
      await s.press('sekretaris', card, 'Kembalikan');
      const modal = await s.modal(sekretaris.person, 'return_reason');
      if (i === 0) {
        for (const blank of ['', '  \n  ']) {
          const refused = await s.slack.submit(sekretaris.person, modal, { reason: blank });
          expect(JSON.parse(refused.body)).toEqual({ response_action: 'errors', errors: { [INPUT.reason.block]: SLACK.reasonRequired } });
        }
      }
      expect(await s.slack.submit(sekretaris.person, modal, { reason: reason.text })).toMatchObject({ status: 200, body: '' });
      const closedCard = await s.cardClosed('sekretaris', card, 'Dikembalikan oleh');
      expect(mrkdwnProblems(mrkdwnOf(closedCard)), reason.what).toEqual([]);
      expect(slackPlain(textOf(closedCard)), reason.what).toContain(`Alasan: _${reason.text.slice(0, 150)}`);
      expect((await t.core.service.caseDetails(refS)).tasks.filter((x) => x.stepId === '6').at(-1)!.comment, reason.what).toBe(reason.text.trim());
      // In Telegram, the Kabid's card shows the Slack reason literally.
      const back = await t.card('kabid', refS, '5b', i + 2);
      const at = showsLiterally(back, reason.text, `Telegram card: ${reason.what}`);
      expect(entitiesOver(back, at, Math.min(reason.text.length, 150)).map((x) => x.type), reason.what).toEqual(['italic']);
      await step(t, refS, { type: 'approve' });
    }

    await t.settled();
    await s.settled();
    expect(refusedSends(t.tg, callsBefore)).toEqual([]);
    // Every card, edit and notice went out: none given up on.
    expect(await db.select({ id: outbox.id, kind: outbox.kind, lastError: outbox.lastError }).from(outbox).where(eq(outbox.status, 'dead'))).toEqual([]);

    const texts = titles.length + 1 + reasons.length + 1 + slackTitles.length + 2 + slackReasons.length + 2;
    note(ctx, {
      story: STORY,
      tried: `case titles and return reasons with SQL (\`${SQL}\`), HTML (\`<b>\`, \`</a>\`, \`<script>\`, \`&amp;\`), Markdown (\`*_[]()~\` and a backquote), Slack mentions and links (\`<!channel>\`, \`<@U…>\`, \`<https://…|…>\`), control and zero-width characters, 4 KB (Telegram's maximum) and 2000 characters (Slack's) of \`<&>\`, and empty or blank text: ${titles.length + 1} titles and ${reasons.length + 1} reasons typed in Telegram, ${slackTitles.length + 2} titles and ${slackReasons.length + 2} reasons in Slack modals`,
      times: texts,
      held: `every text stored exactly as typed (trimmed) and shown literally on the cards, in /tugas, /kasus and the closing notice (cards, /tugas and notices show up to 200 characters of a title and 1000 of a reason, then "…"; the card keeps its step, role and buttons); in Telegram outside any bold/italic/link entity but the reason's own italics, every message accepted (0 refused for markup or length); in Slack \`<\`, \`>\` and \`&\` always escaped (no mention, no link, no escape cut in half, no section over 3000; mrkdwn has no escape for \`*_~\`, which are kept as typed); blank titles and reasons refused in Indonesian, nothing created`,
    });
  }, 180_000);
});
