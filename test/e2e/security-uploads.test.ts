/**
 * Attacks through uploaded documents, as an outside review made them (issue 12, items 1, 2, 4
 * and 5): a Slack file whose address is not Slack's (an external Google Drive file, a foreign
 * url_private, a redirect away from the file host) must never receive the bot token; one size
 * limit (SOPBOT_MAX_UPLOAD_MB) binds Telegram, Slack and the CLI, checked on the announced size
 * and on the bytes; executable bytes named laporan.pdf are refused by their signature; a name
 * with a NUL byte is refused before anything is written, and nothing is ever left on disk that
 * no document names.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { zipSync, strToU8 } from 'fflate';
import { afterEach, describe, expect, it } from 'vitest';
import { SECURITY, uploadRefusal } from '../../src/messages/security.js';
import { TG } from '../../src/messages/id.js';
import type { TgChat, TgMessage } from '../support/fake-telegram.js';
import { startOutsideServer, type OutsideServer } from '../support/outside-server.js';
import { SlackWorld, textOf } from '../support/slack-world.js';
import { TelegramWorld } from '../support/telegram-world.js';
import { note } from '../reliability/report.js';

const WAIT = 20_000;
const QUIET = { startScheduler: false } as const;

let tg: TelegramWorld | undefined;
let slack: SlackWorld | undefined;
let outside: OutsideServer | undefined;
afterEach(async () => {
  await tg?.close();
  await slack?.close();
  await outside?.close();
  tg = slack = outside = undefined;
});

/** Every file under the files folder (nothing may be there that no document names). */
async function filesOnDisk(dir: string): Promise<string[]> {
  const found: string[] = [];
  const walk = async (d: string) => {
    for (const e of await readdir(d, { withFileTypes: true }).catch(() => [])) {
      if (e.isDirectory()) await walk(join(d, e.name));
      else found.push(join(d, e.name));
    }
  };
  await walk(dir);
  return found;
}

const EXE = Buffer.concat([Buffer.from('MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00', 'latin1'), Buffer.alloc(200, 0x41)]);

describe('Slack: the bot token goes to Slack\'s file host only', () => {
  it('an external file, a foreign url_private and a redirect off the host are refused; the outside server never sees the token', async (ctx) => {
    note(ctx, { story: 'Bad input', tried: 'the Slack bot token sent away (issue 12 #1): a file shared in a card thread that is external (is_external, gdrive, its url_private on another server), one whose url_private is on another host, and one on Slack\'s file host that redirects to another host; the other host is a loopback server recording the Authorization header', times: 3, held: 'each refused in Indonesian (external: upload the file itself; foreign address: not downloaded); the other server received no request at all, so never the token; only the redirecting file was fetched, once, from SLACK_FILES_ORIGIN; no document, no file on disk; a normal file still stored' });
    outside = await startOutsideServer();
    slack = await SlackWorld.start();
    const w = slack;
    const desk = await w.bindChannel('jf_madya');
    const ref = await w.startCase('jf_madya', 'kemenkumham', 'Uji berkas luar');
    const card = await w.card('jf_madya', ref, '1');

    const attempts = [
      // Slack's own shape of a Google Drive file: is_external, the outside address in url_private.
      { name: 'disposisi.pdf', external: { url: `${outside.base}/drive/file/d/abc/view`, type: 'gdrive' }, expected: SECURITY.slackExternalFile },
      // Not flagged external, but its address is not Slack's file host.
      { name: 'disposisi.pdf', urlOverride: `${outside.base}/files-pri/T0-F1/disposisi.pdf`, expected: SECURITY.slackForeignHost },
      // On Slack's host, which answers with a redirect to the outside server.
      { name: 'disposisi.pdf', redirectTo: `${outside.base}/stolen`, expected: SECURITY.slackForeignHost },
    ];
    for (const a of attempts) {
      const before = w.slack.ephemeralsFor(desk.person).length;
      const { delivered } = w.slack.shareFile(desk.person, desk.channel, { bytes: '%PDF-1.4 x', threadTs: card.ts, ...a });
      expect((await delivered).status).toBe(200);
      await w.settled();
      const said = await w.slack.waitFor(() => w.slack.ephemeralsFor(desk.person).slice(before)[0], WAIT, `answer to ${JSON.stringify(a)}`);
      expect(said.text).toBe(a.expected);
    }
    expect(outside.requests.filter((r) => r.authorization)).toEqual([]);
    expect(outside.requests).toEqual([]);
    // The redirecting file was asked for once, on Slack's host, with the token; then nothing more.
    expect(w.slack.downloads).toEqual([{ fileId: expect.any(String), authorized: true }]);
    expect((await w.core.service.caseDetails(ref)).documents).toEqual([]);
    expect(await filesOnDisk(join(w.core.config.dataDir, 'files'))).toEqual([]);

    // A file on Slack's own host is still downloaded with the token and stored.
    const ok = await w.upload('jf_madya', card, 'disposisi.pdf');
    expect(textOf(ok)).toContain('disposisi.pdf tersimpan');
  });
});

describe('one upload limit (SOPBOT_MAX_UPLOAD_MB) for every channel', () => {
  it('Telegram: a 2 MB PDF with SOPBOT_MAX_UPLOAD_MB=1 is refused, announced or not, and nothing is stored', async (ctx) => {
    note(ctx, { story: 'Bad input', tried: 'SOPBOT_MAX_UPLOAD_MB=1 on Telegram (issue 12 #2): a 2 MB PDF replying to a card, announced as 2 MB, and announced as 1 KB (a lie)', times: 2, held: 'both refused naming SOPBOT_MAX_UPLOAD_MB (1 MB); the announced one before any getFile; the lying one cut off at the limit; no document row, no file on disk' });
    tg = await TelegramWorld.start({ ...QUIET, env: { SOPBOT_MAX_UPLOAD_MB: '1' } });
    const w = tg;
    const kabid = await w.bindGroup('kabid');
    w.tg.userSends(kabid.chat, kabid.person, '/baru');
    const ref = await startPemalang(w);
    const card = await w.card('kabid', ref, '1');
    const twoMb = Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.alloc(2 * 1024 * 1024, 0x20)]);
    const refusal = uploadRefusal('too_large', { limitMb: 1, by: 'service' });

    // Announced as 2 MB: refused before any download.
    const announced = w.tg.userUploads(kabid.chat, kabid.person, { fileName: 'laporan.pdf', bytes: twoMb, replyTo: card });
    expect((await answerTo(w, kabid.chat, announced)).text).toBe(refusal);
    expect(w.tg.callsTo('getFile')).toEqual([]);
    // Announced as 1 KB (a lie): the download is cut at the limit.
    const lying = w.tg.userUploads(kabid.chat, kabid.person, { fileName: 'laporan.pdf', bytes: twoMb, fileSize: 1024, replyTo: card });
    expect((await answerTo(w, kabid.chat, lying)).text).toBe(refusal);
    await w.settled();
    expect((await w.core.service.caseDetails(ref)).documents).toEqual([]);
    expect(await filesOnDisk(join(w.core.config.dataDir, 'files'))).toEqual([]);

    // The Bot API's own lower cap is named when it is the one that binds.
    expect(refusal).not.toBe(uploadRefusal('too_large', { limitMb: 1, by: 'telegram' }));
  });

  it('Telegram: with the Bot API cap lower than SOPBOT_MAX_UPLOAD_MB, the refusal names the Bot API cap', async (ctx) => {
    note(ctx, { story: 'Bad input', tried: 'a 21 MB file with SOPBOT_MAX_UPLOAD_MB=50 and the Bot API\'s 20 MB cap', times: 1, held: 'refused naming the Bot API\'s 20 MB limit, the lower of the two' });
    tg = await TelegramWorld.start({ ...QUIET, env: { SOPBOT_MAX_UPLOAD_MB: '50', TELEGRAM_MAX_DOWNLOAD_MB: '20' } });
    const w = tg;
    const kabid = await w.bindGroup('kabid');
    w.tg.userSends(kabid.chat, kabid.person, '/baru');
    const ref = await startPemalang(w);
    const card = await w.card('kabid', ref, '1');
    const huge = w.tg.userUploads(kabid.chat, kabid.person, { fileName: 'pindaian.pdf', bytes: '%PDF-1.4', fileSize: 21 * 1024 * 1024, replyTo: card });
    expect((await answerTo(w, kabid.chat, huge)).text).toBe(uploadRefusal('too_large', { limitMb: 20, by: 'telegram' }));
  });

  it('Slack: a 2 MB file with SOPBOT_MAX_UPLOAD_MB=1 is refused, announced or not', async (ctx) => {
    note(ctx, { story: 'Bad input', tried: 'SOPBOT_MAX_UPLOAD_MB=1 on Slack: a 2 MB file, announced truly and announced as 1 KB', times: 2, held: 'both refused naming SOPBOT_MAX_UPLOAD_MB; nothing stored' });
    slack = await SlackWorld.start({ env: { SOPBOT_MAX_UPLOAD_MB: '1' } });
    const w = slack;
    const desk = await w.bindChannel('jf_madya');
    const ref = await w.startCase('jf_madya', 'kemenkumham', 'Uji batas ukuran');
    const card = await w.card('jf_madya', ref, '1');
    const twoMb = Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.alloc(2 * 1024 * 1024, 0x20)]);
    for (const size of [undefined, 1024]) {
      const before = w.slack.ephemeralsFor(desk.person).length;
      const { delivered } = w.slack.shareFile(desk.person, desk.channel, { name: 'laporan.pdf', bytes: twoMb, threadTs: card.ts, ...(size ? { size } : {}) });
      expect((await delivered).status).toBe(200);
      const said = await w.slack.waitFor(() => w.slack.ephemeralsFor(desk.person).slice(before)[0], WAIT, 'refusal');
      expect(said.text).toBe(uploadRefusal('too_large', { limitMb: 1, by: 'service' }));
    }
    await w.settled();
    expect((await w.core.service.caseDetails(ref)).documents).toEqual([]);
    expect(await filesOnDisk(join(w.core.config.dataDir, 'files'))).toEqual([]);
  });
});

describe('the content must be what the extension says', () => {
  it('Telegram: executable bytes named laporan.pdf, x.exe.pdf or foto.png, a spreadsheet named .docx and an empty PDF are refused; a real DOCX is stored', async (ctx) => {
    note(ctx, { story: 'Bad input', tried: 'content against extension on Telegram (issue 12 #4): executable (MZ) bytes named laporan.pdf, x.exe.pdf and foto.png, a spreadsheet (xlsx) named surat.docx, an empty PDF', times: 5, held: 'each refused with what the content really is ("isinya berkas exe", "…xlsx", empty); nothing stored, /dokumen has nothing to serve; a real DOCX is stored' });
    tg = await TelegramWorld.start(QUIET);
    const w = tg;
    const kabid = await w.bindGroup('kabid');
    w.tg.userSends(kabid.chat, kabid.person, '/baru');
    const ref = await startPemalang(w);
    const card = await w.card('kabid', ref, '1');
    const xlsx = officeZip('xl/workbook.xml', 'spreadsheetml.sheet');
    for (const [fileName, bytes, expected] of [
      ['laporan.pdf', EXE, uploadRefusal('content_mismatch', { extension: 'pdf', detected: 'exe' })],
      ['x.exe.pdf', EXE, uploadRefusal('content_mismatch', { extension: 'pdf', detected: 'exe' })],
      ['foto.png', EXE, uploadRefusal('content_mismatch', { extension: 'png', detected: 'exe' })],
      ['surat.docx', xlsx, uploadRefusal('content_mismatch', { extension: 'docx', detected: 'xlsx' })],
      ['kosong.pdf', Buffer.alloc(0), uploadRefusal('empty', {})],
    ] as const) {
      const sent = w.tg.userUploads(kabid.chat, kabid.person, { fileName, bytes, replyTo: card });
      expect((await answerTo(w, kabid.chat, sent)).text, fileName).toBe(expected);
    }
    await w.settled();
    expect((await w.core.service.caseDetails(ref)).documents).toEqual([]);
    expect(await filesOnDisk(join(w.core.config.dataDir, 'files'))).toEqual([]);
    // /dokumen has nothing to serve as PDF.
    w.tg.userSends(kabid.chat, kabid.person, `/dokumen ${ref}`);
    await w.tg.waitFor(() => w.botSaid(kabid.chat, TG.noDocuments(ref)), WAIT, '/dokumen answer');

    const docx = officeZip('word/document.xml', 'wordprocessingml.document');
    const real = await w.upload('kabid', card, 'disposisi.docx', undefined, docx as unknown as string);
    expect(real.text).toContain('disposisi.docx tersimpan');
  });

  it('Slack: executable bytes named laporan.pdf are refused with the reason', async (ctx) => {
    note(ctx, { story: 'Bad input', tried: 'executable bytes named laporan.pdf shared in a Slack card thread', times: 1, held: 'refused after the first bytes were read, with the reason; nothing stored' });
    slack = await SlackWorld.start();
    const w = slack;
    const desk = await w.bindChannel('jf_madya');
    const ref = await w.startCase('jf_madya', 'kemenkumham', 'Uji jenis berkas');
    const card = await w.card('jf_madya', ref, '1');
    const before = w.slack.ephemeralsFor(desk.person).length;
    const { delivered } = w.slack.shareFile(desk.person, desk.channel, { name: 'laporan.pdf', bytes: EXE, threadTs: card.ts });
    expect((await delivered).status).toBe(200);
    const said = await w.slack.waitFor(() => w.slack.ephemeralsFor(desk.person).slice(before)[0], WAIT, 'refusal');
    expect(said.text).toBe(uploadRefusal('content_mismatch', { extension: 'pdf', detected: 'exe' }));
    await w.settled();
    expect((await w.core.service.caseDetails(ref)).documents).toEqual([]);
    expect(await filesOnDisk(join(w.core.config.dataDir, 'files'))).toEqual([]);
  });
});

describe('names that cannot be stored', () => {
  it('Telegram: a NUL byte, a right-to-left override or a line break in the name is refused before anything is written', async (ctx) => {
    note(ctx, { story: 'Bad input', tried: 'file names that cannot be stored (issue 12 #5): a NUL byte, a right-to-left override (laporan, U+202E, fdp.exe.pdf), a line break', times: 3, held: 'each refused before any download or write (no getFile, no file, no row), instead of a system error after the bytes were written' });
    tg = await TelegramWorld.start(QUIET);
    const w = tg;
    const kabid = await w.bindGroup('kabid');
    w.tg.userSends(kabid.chat, kabid.person, '/baru');
    const ref = await startPemalang(w);
    const card = await w.card('kabid', ref, '1');
    for (const fileName of ['lapo\u0000ran.pdf', 'laporan\u202Efdp.exe.pdf', 'baris\nbaru.pdf']) {
      const sent = w.tg.userUploads(kabid.chat, kabid.person, { fileName, bytes: '%PDF-1.4 x', replyTo: card });
      expect((await answerTo(w, kabid.chat, sent)).text, JSON.stringify(fileName)).toBe(uploadRefusal('name_invalid', { reason: 'control' }));
    }
    await w.settled();
    expect(w.tg.callsTo('getFile')).toEqual([]);
    expect((await w.core.service.caseDetails(ref)).documents).toEqual([]);
    expect(await filesOnDisk(join(w.core.config.dataDir, 'files'))).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------

/** Answers the /baru title question already sent; returns the case ref. */
async function startPemalang(w: TelegramWorld): Promise<string> {
  const d = w.desk('kabid');
  const question = await w.tg.waitFor(() => w.botSaid(d.chat, 'Judul kasus baru') ?? pickPemalang(w), WAIT, 'title question');
  const sent = w.tg.userSends(d.chat, d.person, 'Permohonan uji keamanan', { replyTo: question });
  const started = await w.tg.waitFor(() => w.botMessages(d.chat).find((m) => m.message_id > sent.message_id && m.text?.includes('dimulai')), WAIT, 'case started');
  return /Kasus (\S+) dimulai/.exec(started.text!)![1]!;
}

/** When the Kabid may start several SOPs, the bot asks which: Pemalang's. */
function pickPemalang(w: TelegramWorld): undefined {
  const d = w.desk('kabid');
  const picker = w.botSaid(d.chat, 'SOP mana');
  if (picker && !(picker as TgMessage & { pressed?: boolean }).pressed) {
    (picker as TgMessage & { pressed?: boolean }).pressed = true;
    const nama = w.core.service.sop('pemalang').definition.identity.nama.slice(0, 60);
    const button = picker.reply_markup!.inline_keyboard.flat().find((b) => b.text === nama)!;
    w.tg.userPresses(d.chat, d.person, picker, button.callback_data!);
  }
  return undefined;
}

async function answerTo(w: TelegramWorld, chat: TgChat, sent: TgMessage): Promise<TgMessage> {
  return w.tg.waitFor(
    // A refusal before the download replies to the upload; one after it (from the bytes) follows it.
    () => w.botMessages(chat).find((m) => m.message_id > sent.message_id),
    WAIT,
    `answer to upload ${sent.message_id}`,
  );
}

/** A minimal Office Open XML file: [Content_Types].xml first, as Word and Excel write it. */
function officeZip(part: string, kind: string): Buffer {
  const types = `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Override PartName="/${part}" ContentType="application/vnd.openxmlformats-officedocument.${kind}.main+xml"/></Types>`;
  return Buffer.from(zipSync({ '[Content_Types].xml': strToU8(types), [part]: strToU8('<x/>') }));
}

describe('names on their way out', () => {
  it('/dokumen sends names with a quote or a line break intact as a name: no header is cut or injected; the stored original is kept', async (ctx) => {
    note(ctx, { story: 'Bad input', tried: 'header injection through /dokumen (issue 12 #6): stored names with a double quote, with CR LF and a header after it, with a backslash', times: 3, held: 'sent as one intact name each (quote → \', line breaks removed, backslash → _), every sendDocument accepted; the stored originals unchanged' });
    tg = await TelegramWorld.start(QUIET);
    const w = tg;
    const kabid = await w.bindGroup('kabid');
    const admin = { channel: 'cli' as const, userId: 'admin', name: 'Admin', role: 'kabid' };
    const { caseRef, openedTaskIds } = await w.core.service.startCase('pemalang', 'Uji nama berkas', admin);
    // Names as an older version stored them (today's intake refuses the line break).
    const names = ['kutip"ganda.pdf', 'baris\r\nContent-Type: text/html\r\nX-Sisip: 1.pdf', 'miring\\balik.pdf'];
    for (const fileName of names) {
      const stored = await w.core.files.put(Buffer.from(`%PDF-1.4 ${fileName}`));
      await w.core.service.attachDocument(openedTaskIds[0]!, { kind: 'output', name: 'Disposisi' }, { fileName, mimeType: 'application/pdf', ...stored }, admin);
    }
    const ask = w.tg.userSends(kabid.chat, kabid.person, `/dokumen ${caseRef}`);
    const sent = await w.tg.waitFor(() => {
      const docs = w.botMessages(kabid.chat).filter((m) => m.message_id > ask.message_id && m.document);
      return docs.length === names.length ? docs : undefined;
    }, WAIT, 'three documents sent');
    expect(sent.map((m) => m.document!.file_name)).toEqual(["kutip'ganda.pdf", 'barisContent-Type: text_htmlX-Sisip: 1.pdf', 'miring_balik.pdf']);
    expect(w.tg.callsTo('sendDocument').every((c) => c.response?.ok)).toBe(true);
    expect((await w.core.service.caseDetails(caseRef)).documents.map((d) => d.fileName)).toEqual(names);
  });
});
