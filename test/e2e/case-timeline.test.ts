/**
 * A long case, read back in chat: a PUPR case that went through every return loop (four
 * returns, 29 visits, about a hundred events) is asked for with /kasus on Telegram and
 * /sop kasus on Slack. The message keeps the state, the outcome, the last returns and their
 * reasons; the whole timeline comes along as a text file, written in sentences.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { CASE_VIEW } from '../../src/messages/id.js';
import { driveCase } from '../support/case-driver.js';
import { startFakeSlack } from '../support/fake-slack.js';
import { SlackWorld } from '../support/slack-world.js';
import { TelegramWorld } from '../support/telegram-world.js';

const WAIT = 20_000;
const EVERY_RETURN = { returnOn: { '3': [1], '4': [1], '6': [1], '8': [1] } };

let telegram: TelegramWorld | undefined;
let slack: SlackWorld | undefined;
afterEach(async () => {
  await slack?.close();
  await telegram?.close();
  slack = undefined;
  telegram = undefined;
});

function expectFullTimeline(text: string, ref: string) {
  expect(text).toContain(`${ref} · Uji pupr`);
  expect(text).toMatch(/· Kasus dimulai oleh Petugas kasie \(Kasie Penyelenggaraan\)\./);
  expect(text).toMatch(/· Dikembalikan ke kegiatan 2 oleh Petugas staf \(Staf Penyelenggara\): Perbaiki \(putaran 1\)/);
  expect(text).toMatch(/· Kegiatan 2 dibuka kembali \(putaran ke-2\) untuk Asesor Eksternal; batas /);
  expect(text).toContain('· Kasus ditutup: selesai.');
  // Sentences, not machine fields.
  expect(text).not.toMatch(/\b(reason|branch|sopId|dueAt|stepId|visit)=/);
}

describe('/kasus of a case with many returns', () => {
  it('Telegram: the message shows the outcome and the newest returns; the full timeline is attached', async () => {
    telegram = await TelegramWorld.start({ startScheduler: false });
    const w = telegram;
    const kasie = await w.bindGroup('kasie');
    const { caseRef } = await driveCase(w.core.service, 'pupr', EVERY_RETURN);
    const events = (await w.core.service.caseDetails(caseRef)).events.length;
    expect(events).toBeGreaterThan(80);

    const ask = w.tg.userSends(kasie.chat, kasie.person, `/kasus ${caseRef}`);
    const answer = await w.tg.waitFor(
      () => w.botMessages(kasie.chat).find((m) => m.message_id > ask.message_id && m.text?.startsWith(`${caseRef} · `)),
      WAIT,
      'the /kasus answer',
    );
    const text = answer.text!;
    expect(text.length).toBeLessThanOrEqual(4096);
    expect(text).toContain('Status: ditutup (selesai)');
    expect(text).toContain('· Kasus ditutup: selesai.');
    expect(text).toMatch(/Dikembalikan ke kegiatan 1 oleh Petugas kabid_pemetaan_karir \(Kepala Bidang Pemetaan Karir\): Perbaiki \(putaran 1\)/);
    expect(text).toMatch(/Riwayat terbaru \(\d+ dari \d+ peristiwa\):/);

    const file = await w.tg.waitFor(
      () => w.botMessages(kasie.chat).find((m) => m.message_id > ask.message_id && m.document),
      WAIT,
      'the timeline file',
    );
    expect(file.document!.file_name).toBe(CASE_VIEW.fileName(caseRef));
    expect(file.caption).toBe(CASE_VIEW.fileCaption(caseRef));
    expectFullTimeline(w.tg.file(file.document!.file_id)!.bytes.toString('utf8'), caseRef);
  }, 60_000);

  it('Slack: the answer shows the outcome; the full timeline is shared into the channel as a file', async () => {
    const fake = await startFakeSlack();
    telegram = await TelegramWorld.start({ env: SlackWorld.env(fake), startScheduler: false });
    slack = SlackWorld.attach(fake, telegram.core, telegram.service);
    const s = slack;
    const kasie = await s.bindChannel('kasie');
    const { caseRef } = await driveCase(telegram.core.service, 'pupr', EVERY_RETURN);

    await s.slack.runCommand(kasie.person, kasie.channel, `kasus ${caseRef}`);
    const text = await s.whisperTo(kasie.person, 'Status: ditutup (selesai)');
    expect(text).toContain('· Kasus ditutup: selesai.');
    const shared = await s.slack.waitFor(
      () => s.slack.botMessages(kasie.channel).find((m) => m.subtype === 'file_share'),
      WAIT,
      'the timeline file shared',
    );
    const sent = s.slack.files.get(shared.files![0]!)!;
    expect(sent.name).toBe(CASE_VIEW.fileName(caseRef));
    expectFullTimeline(sent.bytes!.toString('utf8'), caseRef);
  }, 60_000);
});
