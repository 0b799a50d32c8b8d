/**
 * Hostile text on its way out (issue 12, items 3 and 8). A file named
 * `<!channel> <https://evil.example/login|Klik untuk unduh>.pdf` put a live @channel and a
 * disguised link into the bot's own slot question; every string a person gave (file names, case
 * titles, reasons, display names) must reach Slack escaped, in every kind of message the app
 * sends. And lists filled with 10 000-character titles stay inside each platform's limits
 * (Slack's /sop tugas gave 51 570 characters; Slack allows 40 000, a section 3 000).
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Block } from '../support/fake-slack.js';
import { buttonsOf } from '../support/fake-slack.js';
import { SlackWorld, textOf } from '../support/slack-world.js';
import { TelegramWorld } from '../support/telegram-world.js';
import { note } from '../reliability/report.js';

const WAIT = 20_000;
const HOSTILE = '<!channel> <https://evil.example/login|Klik untuk unduh> <@U0BOT0001> <#C0000001> <!here>';
/** What Slack would turn into a ping, a mention or a link. */
const LIVE = /<[!@#]|<(https?|mailto):/;

let slack: SlackWorld | undefined;
let tg: TelegramWorld | undefined;
afterEach(async () => {
  await slack?.close();
  await tg?.close();
  slack = tg = undefined;
});

/** Every piece of text Slack parses as mrkdwn that the app produced, with where it was. */
function mrkdwnOut(w: SlackWorld): { where: string; text: string }[] {
  const out: { where: string; text: string }[] = [];
  const walk = (where: string, value: unknown) => {
    if (Array.isArray(value)) return value.forEach((v, i) => walk(`${where}[${i}]`, v));
    if (!value || typeof value !== 'object') return;
    const o = value as Record<string, unknown>;
    if (o.type === 'mrkdwn' && typeof o.text === 'string') out.push({ where, text: o.text });
    for (const [k, v] of Object.entries(o)) if (k !== 'text' || typeof v !== 'string') walk(`${where}.${k}`, v);
  };
  for (const m of w.slack.messages.filter((x) => x.botId === w.slack.bot.botId)) {
    for (const version of [...m.history, m]) {
      out.push({ where: `message ${m.ts} text`, text: version.text });
      walk(`message ${m.ts} blocks`, version.blocks as Block[]);
    }
  }
  for (const e of w.slack.ephemerals) out.push({ where: `ephemeral via ${e.via}`, text: e.text });
  for (const v of w.slack.views.values()) walk(`view ${v.id}`, v.view);
  for (const h of w.slack.homePublishes) walk('home', h.view);
  return out;
}

describe('Slack: every string a person gave is escaped in every message kind', () => {
  it('a hostile display name, case title, file name and return reason never become a ping, a mention or a link', async (ctx) => {
    note(ctx, { story: 'Bad input', tried: 'Slack mrkdwn injection (issue 12 #3): <!channel> <https://evil.example/login|Klik untuk unduh> <@U…> <#C…> <!here> as display names, case title, file name and return reason, through the case-started note, slot question and its edit, acknowledgement, cards, notices, /sop tugas, /sop kasus, /sop dokumen and the Home tab', times: 4, held: 'every mrkdwn text the app produced holds them escaped (&lt;!channel&gt;…); none is a live ping, mention or link; the stored file name is the original' });
    slack = await SlackWorld.start();
    const w = slack;
    const person = (role: string) => w.slack.addUser({ name: `petugas.${role}`, realName: `${HOSTILE} ${role}` });
    await w.bindChannel('kasie', { person: person('kasie') });
    await w.bindChannel('asesor_eksternal', { person: person('asesor') });
    await w.bindChannel('staf', { person: person('staf') });
    const kasie = w.desk('kasie');

    // The title, typed in the /sop baru modal (Slack's input allows 200 characters).
    const ref = await w.startCase('kasie', 'pupr', `${HOSTILE} judul`);
    const card1 = await w.card('kasie', ref, '1');

    // The file name from the review, in a step with several slots: the app asks which one.
    const evilName = '<!channel> <https://evil.example/login|Klik untuk unduh>.pdf';
    const { delivered } = w.slack.shareFile(kasie.person, kasie.channel, { name: evilName, bytes: '%PDF-1.4 rekap', threadTs: card1.ts });
    expect((await delivered).status).toBe(200);
    const question = await w.slack.waitFor(() => w.slack.botMessages(kasie.channel, { thread: card1.ts }).find((m) => buttonsOf(m.blocks).length), WAIT, 'slot question');
    expect(textOf(question)).toContain('&lt;!channel&gt;');
    expect((await w.slack.click(kasie.person, question, 'Format Rekap')).status).toBe(200);
    await w.slack.waitFor(() => w.slack.botMessages(kasie.channel, { thread: card1.ts }).find((m) => m.text.includes('tersimpan')), WAIT, 'stored');
    // The question, edited to the choice, still shows the name escaped.
    expect(w.slack.message(kasie.channel, question.ts)!.text).toContain('&lt;!channel&gt;');
    for (const [i, name] of ['Format Laporan', 'Form Klasifikasi kompetensi pegawai'].entries()) await w.upload('kasie', card1, `laporan-${i}.pdf`, name);
    await pressWhenReady(w, 'kasie', card1, 'Selesai', 'laporan-1.pdf');

    const card2 = await w.card('asesor_eksternal', ref, '2');
    const step2 = (await w.core.service.caseDetails(ref)).definition.steps.find((s) => s.id === '2')!;
    for (const [i, o] of step2.output.entries()) if (o.document) await w.upload('asesor_eksternal', w.slack.message(card2.channel, card2.ts)!, `hasil-${i}.pdf`, o.name);
    await pressWhenReady(w, 'asesor_eksternal', card2, 'Selesai', `hasil-${step2.output.length - 1}.pdf`);

    // The Staf sends it back with a hostile reason, typed in the Kembalikan modal.
    const card3 = await w.card('staf', ref, '3');
    await w.press('staf', card3, 'Kembalikan');
    const modal = await w.modal(w.desk('staf').person, 'return_reason');
    expect(await w.slack.submit(w.desk('staf').person, modal, { reason: `${HOSTILE} alasan` })).toMatchObject({ status: 200 });
    await w.card('asesor_eksternal', ref, '2', 2);

    // Lists and views: /sop tugas, /sop kasus, /sop dokumen and the Home tab.
    const asesor = w.desk('asesor_eksternal');
    for (const text of ['tugas', `kasus ${ref}`, `dokumen ${ref}`]) expect((await w.slack.runCommand(asesor.person, asesor.channel, text)).status).toBe(200);
    expect((await w.slack.openHome(asesor.person)).status).toBe(200);
    await w.settled();
    await w.slack.waitFor(() => w.slack.homePublishes.length > 0, WAIT, 'home published');

    const all = mrkdwnOut(w);
    // The hostile text did reach every kind of message (escaped): the case-started note (title and
    // display name), the slot question and its edit, the acknowledgement, the cards (title, names,
    // reason), the answers to /sop tugas and /sop kasus, and the Home tab ...
    const has = (where: RegExp, fragment = '&lt;!channel&gt;') => all.some((x) => where.test(x.where) && x.text.includes(fragment));
    const started = w.slack.botMessages(kasie.channel).find((m) => m.text.includes('dimulai'))!;
    expect(started.text).toContain(`&lt;!channel&gt; &lt;https://evil.example/login|Klik untuk unduh&gt; &lt;@U0BOT0001&gt; &lt;#C0000001&gt; &lt;!here&gt; judul`);
    expect(started.text).toContain('&lt;!here&gt; kasie');
    const ack = w.slack.botMessages(kasie.channel, { thread: card1.ts }).find((m) => m.text.includes('tersimpan'))!;
    expect(ack.text).toContain('&lt;!channel&gt; &lt;https://evil.example/login|Klik untuk unduh&gt;.pdf tersimpan');
    const returned = await w.card('asesor_eksternal', ref, '2', 2);
    expect(textOf(returned)).toContain('&lt;!here&gt; alasan');
    expect(textOf(w.slack.message(card3.channel, card3.ts)!)).toContain('&lt;!here&gt; staf');
    expect(has(/ephemeral via response_url/, '&lt;!here&gt; judul')).toBe(true);
    expect(has(/^home/, '&lt;!here&gt; judul')).toBe(true);
    // ... and nowhere is any of it live.
    expect(all.filter((x) => LIVE.test(x.text))).toEqual([]);
    // The uploaded file's name is stored as given (the archive keeps the original).
    expect((await w.core.service.caseDetails(ref)).documents.map((d) => d.fileName)).toContain(evilName);
  }, 60_000);
});

describe('lists stay inside each platform\'s limits', () => {
  it('six open tasks with 10 000-character titles: Slack /sop tugas, /sop kasus and Home; Telegram /tugas, /kasus', async (ctx) => {
    note(ctx, { story: 'Bad input', tried: 'lists with 10 000-character titles (issue 12 #8): six open tasks per role; Slack /sop tugas, /sop kasus and Home, Telegram /tugas and /kasus', times: 5, held: 'every Slack answer under 4 000 characters (was 51 570), every Home section under 3 000; every Telegram message under 4 096 and accepted' });
    const { startFakeSlack } = await import('../support/fake-slack.js');
    const fake = await startFakeSlack();
    tg = await TelegramWorld.start({ startScheduler: false, env: SlackWorld.env(fake) });
    const w = tg;
    slack = SlackWorld.attach(fake, w.core, w.service);
    const s = slack;
    const kabidTg = await w.bindGroup('kabid');
    const kasie = await s.bindChannel('kasie');
    const long = (n: number) => `${n} ${'Permohonan <&> sangat panjang '.repeat(400)}`.slice(0, 10_000);
    const refs: string[] = [];
    for (let i = 0; i < 6; i++) {
      refs.push((await w.core.service.startCase('pupr', long(i), { channel: 'cli', userId: 'admin', name: 'Admin', role: 'kasie' })).caseRef);
      await w.core.service.startCase('pemalang', long(i), { channel: 'cli', userId: 'admin', name: 'Admin', role: 'kabid' });
    }

    for (const text of ['tugas', `kasus ${refs[0]}`]) expect((await s.slack.runCommand(kasie.person, kasie.channel, text)).status).toBe(200);
    expect((await s.slack.openHome(kasie.person)).status).toBe(200);
    await s.settled();
    const answers = await s.slack.waitFor(() => (s.slack.ephemeralsFor(kasie.person).length >= 2 ? s.slack.ephemeralsFor(kasie.person) : undefined), WAIT, 'answers');
    for (const a of answers) expect(a.text.length, a.text.slice(0, 80)).toBeLessThan(4_000);
    const tugas = answers.find((a) => a.text.includes('Tugas'))!;
    for (const ref of refs) expect(tugas.text).toContain(ref);
    expect(tugas.text).toContain('…');
    const home = await s.slack.waitFor(() => s.slack.home(kasie.person), WAIT, 'home');
    for (const block of home.blocks as { text?: { text: string } }[]) expect(block.text?.text.length ?? 0).toBeLessThanOrEqual(3_000);
    expect(JSON.stringify(home).length).toBeLessThan(40_000);

    for (const command of ['/tugas', `/kasus ${refs[0]}`]) {
      const sent = w.tg.userSends(kabidTg.chat, kabidTg.person, command.replace(refs[0]!, (await w.core.service.openTasks(['kabid']))[0]!.caseRef));
      const answer = await w.tg.waitFor(() => w.botMessages(kabidTg.chat).find((m) => m.message_id > sent.message_id), WAIT, command);
      expect(answer.text!.length).toBeLessThanOrEqual(4096);
    }
    const refused = w.tg.calls.filter((c) => c.method === 'sendMessage' && c.response && !c.response.ok);
    expect(refused).toEqual([]);
  }, 60_000);
});

/** Presses a button once the card shows it (after the uploads redrew it). */
async function pressWhenReady(w: SlackWorld, role: string, card: { channel: string; ts: string }, label: string, shows: string) {
  const ready = await w.slack.waitFor(() => {
    const m = w.slack.message(card.channel, card.ts);
    return m && buttonsOf(m.blocks).some((b) => b.text.text.includes(label)) && textOf(m).includes(shows) ? m : undefined;
  }, WAIT, `${label} ready on ${card.ts}`);
  await w.press(role, ready, label);
}
