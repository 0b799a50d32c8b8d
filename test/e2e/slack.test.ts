/**
 * The central agency on Slack: each role's channel is bound with a pairing code from the CLI
 * (/sop daftar), cases start from the /sop baru modal, every step arrives as a Block Kit card
 * with buttons, Kembalikan asks for the reason in a modal, documents are posted in the card's
 * thread, the Home tab lists what is open. The real Bolt app and dispatcher run against the
 * project's fake Slack, which posts signed requests to the service's own HTTP server.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { runCli } from '../../src/cli/program.js';
import { buttonsOf } from '../support/fake-slack.js';
import { SlackWorld, textOf } from '../support/slack-world.js';
import { startFakeSlack } from '../support/fake-slack.js';
import { TelegramWorld } from '../support/telegram-world.js';
import * as outboxQ from '../../src/db/queries/outbox.js';

let world: SlackWorld | undefined;
let telegram: TelegramWorld | undefined;
afterEach(async () => {
  await world?.close();
  await telegram?.close();
  world = undefined;
  telegram = undefined;
});

const KUMHAM_ROLES = ['jf_madya', 'jf_muda', 'asesor', 'asesor_admin', 'tenaga_pendukung'];
const WAIT = 20_000;

function outputsOf(w: SlackWorld, sopId: string, stepId: string): string[] {
  const def = w.core.service.sop(sopId).definition;
  return def.steps.find((s) => s.id === stepId)!.output.filter((o) => o.document).map((o) => o.name);
}

/** Works one step as its role: posts each missing output in the card's thread, then clicks. */
async function work(w: SlackWorld, sopId: string, role: string, ref: string, step: string, button: string, visit = 1) {
  const card = await w.card(role, ref, step, visit);
  const outputs = outputsOf(w, sopId, step);
  for (const name of outputs) await w.upload(role, card, `${name.slice(0, 40)}.pdf`, name);
  const current = await w.slack.waitFor(
    () => {
      const m = w.slack.message(card.channel, card.ts)!;
      const missing = outputs.filter((o) => !textOf(m).includes(`✅ ${o}:`));
      if (missing.length) throw new Error(`not yet uploaded ${missing.join(', ')} on:\n${textOf(m)}`);
      return m;
    },
    WAIT,
    `card ${step} updated after uploads`,
  );
  await w.press(role, current, button);
  return card;
}

describe('a Kemenkumham case in Slack channels', () => {
  it('runs from /sop baru to the end, the joint meeting confirmed by each role, documents in threads', async () => {
    world = await SlackWorld.start();
    const w = world;
    for (const role of KUMHAM_ROLES) await w.bindChannel(role);
    const madya = w.desk('jf_madya');

    // The channel says which role it is; an unknown code and a used code are refused.
    await w.slack.runCommand(madya.person, madya.channel, 'peran');
    expect(await w.whisperTo(madya.person, 'terdaftar sebagai')).toContain('*JF MADYA*');
    await w.slack.runCommand(madya.person, madya.channel, 'daftar ABCD-EFGH');
    expect(await w.whisperTo(madya.person, 'tidak dikenal')).toContain('Kode pendaftaran tidak dikenal');

    const ref = await w.startCase('jf_madya', 'kemenkumham', 'Penilaian kompetensi gelombang 1');
    expect(ref).toMatch(/^KUMHAM-\d{4}-0001$/);

    const first = await w.card('jf_madya', ref, '1');
    const text = textOf(first);
    expect(text).toContain(`📋 *${ref}* · Penilaian kompetensi gelombang 1`);
    expect(text).toContain('_PELAKSANAAN PENILAIAN KOMPETENSI OLEH ASESOR_');
    expect(text).toContain('*Kegiatan 1 (langkah 1 dari 10)*');
    expect(text).toContain('👤 Pelaksana: JF MADYA');
    expect(text).toContain('⬜ Disposisi');
    expect(text).toContain('⬜ Disposisi: belum ada');
    expect(text).toMatch(/📅 Batas: \w+, \d+ \w+ 20\d\d \d\d\.\d\d WIB/);
    expect(text).toContain('Nomor SOP SDM-307-OT.02.02 TAHUN 2024');
    expect(text).toContain('utas');
    expect(buttonsOf(first.blocks).map((b) => b.text.text)).toEqual(['✅ Selesai']);
    expect(first.text).toContain(ref);

    // Selesai before the upload is refused, with the missing output named, to the presser only.
    await w.press('jf_madya', first, 'Selesai');
    expect(await w.whisperTo(madya.person, 'belum diunggah')).toContain('Disposisi');

    // A file outside the card's thread, or of a refused type, is not taken.
    const loose = w.slack.shareFile(madya.person, madya.channel, { name: 'lepas.pdf', bytes: '%PDF lepas' });
    await loose.delivered;
    expect(await w.whisperTo(madya.person, 'utas')).toContain('kirim berkas di utas');
    const exe = w.slack.shareFile(madya.person, madya.channel, { name: 'virus.exe', bytes: 'MZ', threadTs: first.ts });
    await exe.delivered;
    expect(await w.whisperTo(madya.person, 'tidak diterima')).toContain('pdf');

    await work(w, 'kemenkumham', 'jf_madya', ref, '1', 'Selesai');
    const closed1 = await w.cardClosed('jf_madya', first, 'Diselesaikan oleh Petugas jf_madya (JF MADYA)');
    expect(textOf(closed1)).toContain('✅ Disposisi: Disposisi.pdf');
    expect(buttonsOf(closed1.blocks)).toEqual([]);

    await work(w, 'kemenkumham', 'jf_muda', ref, '2', 'Selesai');

    // Step 3, the preparation meeting: one card in each of the four roles' channels.
    const cards3 = await Promise.all(['jf_madya', 'jf_muda', 'asesor', 'asesor_admin'].map((r) => w.card(r, ref, '3')));
    expect(w.slack.botMessages(w.desk('tenaga_pendukung').channel).some((m) => textOf(m).includes('Kegiatan 3 ('))).toBe(false);
    const output3 = outputsOf(w, 'kemenkumham', '3')[0]!;
    await w.upload('jf_muda', cards3[1]!, 'matriks-final.pdf', output3);
    // The upload redraws all four cards; a press on an older drawing would be refused as stale.
    for (const c of cards3) {
      await w.slack.waitFor(() => textOf(w.slack.message(c.channel, c.ts)!).includes(`✅ ${output3}: matriks-final.pdf`), WAIT, 'upload on every card');
    }
    for (const [i, role] of ['jf_madya', 'jf_muda', 'asesor'].entries()) {
      await w.press(role, cards3[i]!, 'Konfirmasi');
      // Every channel's card shows who has confirmed so far (with the new version on its
      // buttons), and keeps its buttons.
      for (const c of cards3) {
        await w.slack.waitFor(
          () => {
            const m = w.slack.message(c.channel, c.ts)!;
            return textOf(m).includes(`Petugas ${role})`) && buttonsOf(m.blocks).length > 0;
          },
          WAIT,
          `confirmation of ${role} shown`,
        );
      }
    }
    // A second press by a role that has confirmed changes nothing.
    await w.press('jf_madya', cards3[0]!, 'Konfirmasi');
    expect(await w.whisperTo(madya.person, 'sudah mengonfirmasi')).toContain('JF MADYA');
    await w.press('asesor_admin', cards3[3]!, 'Konfirmasi');
    const closed3 = await w.cardClosed('asesor', cards3[2]!, 'Dikonfirmasi oleh Petugas asesor_admin (ASESOR ADMIN)');
    expect(textOf(closed3)).toContain('☑️ Sudah mengonfirmasi: JF MADYA (Petugas jf_madya), JF MUDA (Petugas jf_muda), ASESOR (Petugas asesor), ASESOR ADMIN (Petugas asesor_admin)');

    await work(w, 'kemenkumham', 'asesor', ref, '4', 'Selesai');

    // Step 5 takes one output and five kelengkapan: the first file is the missing output, a
    // second one makes the app ask which document it is.
    const card5 = await w.card('asesor_admin', ref, '5');
    const output5 = outputsOf(w, 'kemenkumham', '5')[0]!;
    expect(textOf(await w.upload('asesor_admin', card5, 'data-hasil.pdf'))).toContain(`data-hasil.pdf tersimpan sebagai "${output5}"`);
    expect(textOf(await w.upload('asesor_admin', card5, 'drh.pdf', 'DRH'))).toContain('drh.pdf tersimpan sebagai "DRH"');
    // The question keeps the answer and loses its buttons.
    const question = w.slack.botMessages(card5.channel, { thread: card5.ts }).find((m) => m.history.some((h) => h.text.includes('untuk yang mana')))!;
    expect(question.text).toBe('drh.pdf → DRH');
    expect(buttonsOf(question.blocks)).toEqual([]);
    await w.slack.waitFor(() => textOf(w.slack.message(card5.channel, card5.ts)!).includes('✅ DRH (drh.pdf)'), WAIT, 'DRH shown as present');
    await w.press('asesor_admin', w.slack.message(card5.channel, card5.ts)!, 'Selesai');
    for (const [role, step] of [
      ['tenaga_pendukung', '6'],
      ['asesor', '7'],
      ['jf_madya', '8'],
      ['asesor', '9'],
      ['jf_madya', '10'],
    ] as const) {
      await work(w, 'kemenkumham', role, ref, step, 'Selesai');
    }
    await w.slack.waitFor(() => w.botSaid(madya.channel, `Kasus ${ref} (Penilaian kompetensi gelombang 1) telah ditutup: selesai.`), WAIT, 'closed notice');

    const details = await w.core.service.caseDetails(ref);
    expect(details.caseRow).toMatchObject({ status: 'closed', outcome: 'selesai' });
    expect(details.tasks.find((t) => t.stepId === '3')!.confirmations.map((c) => c.actor.channel)).toEqual(['slack', 'slack', 'slack', 'slack']);
    // Every document came from a Slack thread, downloaded with the bot token, stored with its sha256.
    expect(details.documents.length).toBe(8);
    for (const d of details.documents) {
      expect(d.uploadedBy.channel).toBe('slack');
      expect(d.sha256).toBe(createHash('sha256').update(`%PDF-1.4 ${d.fileName}`).digest('hex'));
      expect(await w.core.files.exists(d.storageKey)).toBe(true);
    }
    expect(w.slack.downloads.length).toBe(8);
    expect(w.slack.downloads.every((d) => d.authorized)).toBe(true);

    // The digest answers only in the digest role's channel.
    await w.slack.runCommand(madya.person, madya.channel, 'ringkasan');
    await w.whisperTo(madya.person, 'Ringkasan hanya tersedia di chat yang terdaftar sebagai Kabid');
    const kabid = await w.bindChannel('kabid');
    await w.slack.runCommand(kabid.person, kabid.channel, 'ringkasan');
    expect(await w.whisperTo(kabid.person, 'Ringkasan harian')).toMatch(/Selesai\/ditutup sejak ringkasan terakhir: 1 \(KUMHAM-\d{4}-0001 selesai\)/);

    // /sop tugas has nothing left; /sop kasus shows the history; /sop dokumen sends the files.
    await w.slack.runCommand(madya.person, madya.channel, 'tugas');
    await w.whisperTo(madya.person, 'Tidak ada tugas terbuka');
    await w.slack.runCommand(madya.person, madya.channel, `kasus ${ref}`);
    expect(await w.whisperTo(madya.person, `${ref} · Penilaian`)).toContain('ditutup (selesai)');
    await w.slack.runCommand(madya.person, madya.channel, `dokumen ${ref}`);
    const shared = await w.slack.waitFor(
      () => {
        // The case's documents (its timeline, shared by /sop kasus above when it is long, is not one of them).
        const msgs = w.slack.botMessages(madya.channel).filter((m) => m.subtype === 'file_share' && (m.text ?? '').includes(`${ref} · kegiatan`));
        return msgs.length === details.documents.length ? msgs : undefined;
      },
      WAIT,
      'documents shared into the channel',
    );
    expect(shared[0]!.text).toContain(`${ref} · kegiatan 1 · Disposisi`);
    const sent = w.slack.files.get(shared[0]!.files![0]!)!;
    expect(sent.bytes!.toString()).toBe('%PDF-1.4 Disposisi.pdf');
    const timelines = w.slack.botMessages(madya.channel).filter((m) => m.subtype === 'file_share' && !(m.text ?? '').includes(`${ref} · kegiatan`)).length;
    expect(timelines).toBeLessThanOrEqual(1);
    expect(w.slack.callsOf('files.getUploadURLExternal')).toHaveLength(details.documents.length + timelines);
    expect(w.slack.callsOf('files.completeUploadExternal')).toHaveLength(details.documents.length + timelines);
    expect(w.slack.callsOf('files.upload')).toEqual([]);

    const outbox = await outboxQ.listOutbox(w.core.database.db, details.caseRow.id);
    expect(outbox.filter((o) => o.status === 'dead')).toEqual([]);
    // Slack got every ack well within its 3 seconds.
    expect(Math.max(...w.slack.app.deliveries.map((d) => d.ms))).toBeLessThan(3000);
  }, 180_000);
});

describe('a Kemenkumham case across Slack and Telegram', () => {
  it('goes from Slack channels to Telegram groups and back; the joint meeting is confirmed on both', async () => {
    const slack = await startFakeSlack();
    telegram = await TelegramWorld.start({ env: SlackWorld.env(slack) });
    world = SlackWorld.attach(slack, telegram.core, telegram.service);
    const s = world;
    const t = telegram;
    // The central agency's roles in Slack; the unit's in Telegram.
    for (const role of ['jf_madya', 'asesor']) await s.bindChannel(role);
    for (const role of ['jf_muda', 'asesor_admin', 'tenaga_pendukung']) await t.bindGroup(role);

    const ref = await s.startCase('jf_madya', 'kemenkumham', 'Penilaian lintas platform');
    await work(s, 'kemenkumham', 'jf_madya', ref, '1', 'Selesai');

    // Step 2 is the JF Muda's, in Telegram: the card there, the upload a reply to it.
    const tgCard2 = await t.card('jf_muda', ref, '2');
    const output2 = outputsOf(s, 'kemenkumham', '2')[0]!;
    await t.upload('jf_muda', tgCard2, 'draft.pdf');
    await t.tg.waitFor(() => t.tg.messagesIn(t.desk('jf_muda').chat).find((m) => m.message_id === tgCard2.message_id && m.text?.includes(`✅ ${output2}: draft.pdf`)), WAIT, 'draft on the Telegram card');
    const current2 = t.tg.messagesIn(t.desk('jf_muda').chat).find((m) => m.message_id === tgCard2.message_id)!;
    expect(await t.answerOf(t.press('jf_muda', current2, 'Selesai'))).toContain('Tercatat');

    // Step 3: four cards, two in Slack channels and two in Telegram groups.
    const slackMadya = await s.card('jf_madya', ref, '3');
    const slackAsesor = await s.card('asesor', ref, '3');
    const tgMuda = await t.card('jf_muda', ref, '3');
    const tgAdmin = await t.card('asesor_admin', ref, '3');
    // Kelengkapan from both platforms: the Disposisi uploaded in Slack, the drafts in Telegram.
    expect(textOf(slackMadya)).toContain('✅ disposisi (Disposisi.pdf)');
    expect(textOf(slackMadya)).toMatch(/✅ draft matriks[^\n]* \(draft\.pdf\)/);
    expect(tgMuda.text).toContain('✅ disposisi (Disposisi.pdf)');
    const output3 = outputsOf(s, 'kemenkumham', '3')[0]!;
    await s.upload('asesor', slackAsesor, 'matriks-final.pdf', output3);
    // The upload redraws every card; a press on an older drawing would be refused as stale.
    await s.slack.waitFor(() => textOf(s.slack.message(slackMadya.channel, slackMadya.ts)!).includes(`✅ ${output3}: matriks-final.pdf`), WAIT, 'upload on the card');
    await s.press('jf_madya', slackMadya, 'Konfirmasi');
    // Every confirmation edits all four cards (new version on the buttons), on both platforms.
    const tgMudaNow = await t.tg.waitFor(
      () => t.tg.messagesIn(t.desk('jf_muda').chat).find((m) => m.message_id === tgMuda.message_id && m.text?.includes('JF MADYA (Petugas jf_madya)')),
      WAIT,
      'Slack confirmation on the Telegram card',
    );
    expect(await t.answerOf(t.press('jf_muda', tgMudaNow, 'Konfirmasi'))).toContain('Tercatat');
    // The Slack card tells who confirmed in Telegram.
    await s.slack.waitFor(() => textOf(s.slack.message(slackAsesor.channel, slackAsesor.ts)!).includes('JF MUDA (Petugas jf_muda)'), WAIT, 'Telegram confirmation on the Slack card');
    await s.press('asesor', s.slack.message(slackAsesor.channel, slackAsesor.ts)!, 'Konfirmasi');
    const tgAdminNow = await t.tg.waitFor(
      () => t.tg.messagesIn(t.desk('asesor_admin').chat).find((m) => m.message_id === tgAdmin.message_id && m.text?.includes('ASESOR (Petugas asesor)')),
      WAIT,
      'Slack confirmations on the Telegram card',
    );
    expect(await t.answerOf(t.press('asesor_admin', tgAdminNow, 'Konfirmasi'))).toContain('Tercatat');
    await s.cardClosed('jf_madya', slackMadya, 'Dikonfirmasi oleh Petugas asesor_admin (ASESOR ADMIN)');
    await t.cardClosed('jf_muda', tgMuda, 'Dikonfirmasi oleh Petugas asesor_admin (ASESOR ADMIN)');

    await work(s, 'kemenkumham', 'asesor', ref, '4', 'Selesai');
    for (const [role, step] of [
      ['asesor_admin', '5'],
      ['tenaga_pendukung', '6'],
    ] as const) {
      const card = await t.card(role, ref, step);
      const output = outputsOf(s, 'kemenkumham', step)[0]!;
      await t.upload(role, card, `${step}.pdf`, output);
      const now = await t.tg.waitFor(() => t.tg.messagesIn(t.desk(role).chat).find((m) => m.message_id === card.message_id && m.text?.includes(`✅ ${output}: ${step}.pdf`)), WAIT, `upload on ${step}`);
      expect(await t.answerOf(t.press(role, now, 'Selesai'))).toContain('Tercatat');
    }
    for (const [role, step] of [
      ['asesor', '7'],
      ['jf_madya', '8'],
      ['asesor', '9'],
      ['jf_madya', '10'],
    ] as const) {
      await work(s, 'kemenkumham', role, ref, step, 'Selesai');
    }

    // The starting role hears that the case is closed, in Slack.
    await s.slack.waitFor(() => s.botSaid(s.desk('jf_madya').channel, `Kasus ${ref} (Penilaian lintas platform) telah ditutup: selesai.`), WAIT, 'closed in Slack');
    const details = await s.core.service.caseDetails(ref);
    expect(details.caseRow.status).toBe('closed');
    const by = (step: string) => details.tasks.find((x) => x.stepId === step)!.doneBy!.channel;
    expect(['1', '2', '3', '4', '5', '6', '7'].map(by)).toEqual(['slack', 'telegram', 'telegram', 'slack', 'telegram', 'telegram', 'slack']);
    expect(details.tasks.find((x) => x.stepId === '3')!.confirmations.map((c) => c.actor.channel)).toEqual(['slack', 'telegram', 'slack', 'telegram']);
    const outbox = await outboxQ.listOutbox(s.core.database.db, details.caseRow.id);
    expect(outbox.filter((o) => o.status === 'dead')).toEqual([]);
    expect(new Set(outbox.filter((o) => o.platform).map((o) => o.platform))).toEqual(new Set(['slack', 'telegram']));
  }, 180_000);
});

describe('binding a private channel', () => {
  it('lists it under its own name, not the "privategroup" Slack sends in slash commands', async () => {
    world = await SlackWorld.start();
    const w = world;
    const person = w.slack.addUser({ name: 'petugas.kabid', realName: 'Petugas Kabid' });
    const channel = w.slack.addChannel({ name: 'sop-kabid-rahasia', members: [person], isPrivate: true });
    const code = await w.pairingCode('kabid');
    await w.slack.runCommand(person, channel, `daftar ${code}`);
    await w.slack.waitFor(() => w.botSaid(channel, 'terdaftar sebagai'), 20_000, 'binding');
    const out: string[] = [];
    expect(await runCli(['bind', 'list'], { core: w.core, out: (t) => out.push(t), err: (t) => out.push(t) })).toBe(0);
    expect(out.join('\n')).toContain('#sop-kabid-rahasia');
    expect(out.join('\n')).not.toContain('privategroup');
  });
});
