/**
 * Pictures and files in Slack: /sop katalog lists each SOP with a button for its sheet, a card's
 * menu (⋮) and /sop posisi send the case drawn on its flowchart, /sop laporan the monitoring form
 * for the digest role's channel. Slack's 3 s are kept by answering first: the file follows
 * through the outbox as files.uploadV2 (getUploadURLExternal → upload → completeUploadExternal),
 * retried like a card when Slack refuses with 429 or 500.
 */
import { afterEach, describe, expect, it } from 'vitest';
import * as outbox from '../../src/db/queries/outbox.js';
import type { Actor } from '../../src/workflow/model.js';
import type { FakeChannel, StoredMessage } from '../support/fake-slack.js';
import { pdfText } from '../support/pdf-text.js';
import { pngSize } from '../support/png.js';
import { SlackWorld, textOf } from '../support/slack-world.js';

const WAIT = 30_000;

let world: SlackWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

const admin: Actor = { channel: 'cli', userId: 'admin', name: 'Admin', role: 'kabid' };

/** Messages the app shared files with in a channel after `after` (a ts), with the files' bytes. */
function fileShares(w: SlackWorld, channel: FakeChannel, after = '0'): (StoredMessage & { shared: { name: string; bytes: Buffer }[] })[] {
  return w.slack
    .botMessages(channel)
    .filter((m) => m.ts > after && m.subtype === 'file_share')
    .map((m) => ({ ...m, shared: (m.files ?? []).map((id) => ({ name: w.slack.files.get(id)!.name, bytes: w.slack.files.get(id)!.bytes! })) }));
}

function lastTs(w: SlackWorld, channel: FakeChannel): string {
  return w.slack.messagesIn(channel).at(-1)?.ts ?? '0';
}

describe('files and pictures in Slack channels', () => {
  it('/sop katalog: a button beside each SOP sends its sheet (PDF) and flowchart (PNG) into the channel', async () => {
    world = await SlackWorld.start();
    const w = world;
    const subkor = await w.bindChannel('subkor');
    const before = w.slack.ephemeralsFor(subkor.person).length;
    const ack = await w.slack.runCommand(subkor.person, subkor.channel, 'katalog');
    expect(ack.status).toBe(200);
    const list = await w.slack.waitFor(() => w.slack.ephemeralsFor(subkor.person).slice(before).find((e) => e.blocks?.length), WAIT, 'catalog');
    expect(list.text).toContain('id `pemalang`');

    const after = lastTs(w, subkor.channel);
    const nama = w.core.service.sop('pemalang').definition.identity.nama;
    const row = list.blocks!.findIndex((b) => JSON.stringify(b).includes(nama));
    const click = await w.slack.clickEphemeral(subkor.person, { ...list, blocks: [list.blocks![row]!] }, 'Lembar SOP');
    expect(click.status).toBe(200);
    expect(click.ms).toBeLessThan(3000);
    expect(await w.whisperTo(subkor.person, 'sedang disiapkan')).toContain(`Lembar SOP *${nama}*`);

    const shares = await w.slack.waitFor(() => {
      const s = fileShares(w, subkor.channel, after);
      return s.length === 2 ? s : undefined;
    }, WAIT, 'sheet and flowchart');
    const [sheet, picture] = shares;
    expect(sheet!.shared.map((f) => f.name)).toEqual(['SOP-pemalang.pdf']);
    expect(sheet!.shared[0]!.bytes.subarray(0, 5).toString()).toBe('%PDF-');
    const pages = (await pdfText(sheet!.shared[0]!.bytes)).pages.length;
    expect(pages).toBeGreaterThanOrEqual(2);
    expect(sheet!.text).toContain(`${pages} halaman`);
    expect(picture!.shared.map((f) => f.name)).toEqual(['SOP-pemalang.png']);
    expect(pngSize(picture!.shared[0]!.bytes).width).toBe(1600);
    // Each went the three steps of files.uploadV2.
    expect(w.slack.callsOf('files.getUploadURLExternal').filter((c) => c.ok)).toHaveLength(2);
    expect(w.slack.callsOf('files.completeUploadExternal').filter((c) => c.ok)).toHaveLength(2);
  }, 60_000);

  it("a card's menu (⋮) sends where the case stands; a channel outside the case is refused", async () => {
    world = await SlackWorld.start();
    const w = world;
    const kabid = await w.bindChannel('kabid');
    const sekretaris = await w.bindChannel('sekretaris');
    const title = '<!channel> & <https://contoh.test|tautan> darurat';
    const { caseRef } = await w.core.service.startCase('pemalang', title, admin);
    const card = await w.card('kabid', caseRef, '1');

    const after = lastTs(w, kabid.channel);
    const pick = await w.slack.chooseFromMenu(kabid.person, card, 'Posisi kasus');
    expect(pick.status).toBe(200);
    expect(pick.ms).toBeLessThan(3000);
    expect(await w.whisperTo(kabid.person, 'Gambar posisi kasus')).toContain(`*${caseRef}*`);
    const [share] = await w.slack.waitFor(() => {
      const s = fileShares(w, kabid.channel, after);
      return s.length ? s : undefined;
    }, WAIT, 'the case picture');
    expect(share!.shared.map((f) => f.name)).toEqual([`${caseRef}-alur.png`]);
    const size = pngSize(share!.shared[0]!.bytes);
    expect(size.width).toBe(1600);
    expect(size.height).toBeGreaterThan(600);
    // The title is shown as typed: no @channel, no link.
    expect(share!.text).toContain(`Posisi kasus ${caseRef} (&lt;!channel&gt; &amp; &lt;https://contoh.test|tautan&gt; darurat): sedang di kegiatan 1 (Kabid).`);

    // /sop posisi in a channel whose role has no step in the case: refused, nothing shared.
    await w.slack.runCommand(sekretaris.person, sekretaris.channel, `posisi ${caseRef}`);
    expect(await w.whisperTo(sekretaris.person, 'tidak melibatkan')).toBe('Kasus ini tidak melibatkan peran kanal ini.');
    await w.slack.runCommand(kabid.person, kabid.channel, 'posisi');
    expect(await w.whisperTo(kabid.person, 'Tulis nomor kasusnya')).toContain('/sop posisi');
    await w.settled();
    expect(fileShares(w, sekretaris.channel)).toEqual([]);

    // The case is cancelled: its closing notice has a 📍 Posisi button.
    await w.core.service.cancelCase(caseRef, 'Ditarik', admin);
    const notice = await w.slack.waitFor(() => w.botSaid(kabid.channel, 'telah ditutup: dibatalkan'), WAIT, 'closed notice');
    const before = lastTs(w, kabid.channel);
    expect((await w.slack.click(kabid.person, notice, 'Posisi')).status).toBe(200);
    const [closed] = await w.slack.waitFor(() => {
      const s = fileShares(w, kabid.channel, before);
      return s.length ? s : undefined;
    }, WAIT, 'picture of the closed case');
    expect(closed!.text).toContain('ditutup (dibatalkan)');
    expect(textOf(notice)).toContain(`Kasus ${caseRef}`);
  }, 60_000);

  it('an upload refused with 429 and 500 is sent again and shared once', async () => {
    world = await SlackWorld.start({ dispatcher: { backoff: { baseMs: 50, capMs: 200 } } });
    const w = world;
    const kabid = await w.bindChannel('kabid');
    const { caseRef } = await w.core.service.startCase('pemalang', 'Uji gangguan Slack', admin);
    const card = await w.card('kabid', caseRef, '1');
    w.slack.fail('files.getUploadURLExternal', { retryAfter: 1 });
    w.slack.fail('files.completeUploadExternal', { httpStatus: 500 });
    const after = lastTs(w, kabid.channel);
    await w.slack.chooseFromMenu(kabid.person, card, 'Posisi kasus');
    await w.slack.waitFor(() => fileShares(w, kabid.channel, after).length === 1, WAIT, 'shared after the faults');
    await w.slack.waitFor(async () => (await outbox.listOutbox(w.core.database.db)).some((r) => r.kind === 'file' && r.status === 'sent'), WAIT, 'recorded sent');
    expect(w.slack.callsOf('files.getUploadURLExternal').map((c) => c.status)).toEqual([429, 200, 200]);
    expect(w.slack.callsOf('files.completeUploadExternal').map((c) => c.status)).toEqual([500, 200]);
    await w.settled();
    expect(fileShares(w, kabid.channel, after)).toHaveLength(1);
  }, 60_000);

  it('/sop laporan: the monitoring form for the digest role\'s channel only', async () => {
    world = await SlackWorld.start();
    const w = world;
    const kabid = await w.bindChannel('kabid');
    const subkor = await w.bindChannel('subkor');
    await w.slack.runCommand(subkor.person, subkor.channel, 'laporan');
    expect(await w.whisperTo(subkor.person, 'Laporan monitoring')).toBe('Laporan monitoring hanya dikirim ke kanal yang terdaftar sebagai Kabid.');
    await w.slack.runCommand(kabid.person, kabid.channel, 'laporan bulan lalu');
    expect(await w.whisperTo(kabid.person, 'tidak dikenali')).toBe('Bulan "bulan lalu" tidak dikenali. Tulis misalnya 2026-11, November 2026 atau 11/2026.');

    const after = lastTs(w, kabid.channel);
    const ack = await w.slack.runCommand(kabid.person, kabid.channel, 'laporan 10/2026');
    expect(ack.ms).toBeLessThan(3000);
    expect(await w.whisperTo(kabid.person, 'sedang disiapkan')).toContain('Formulir monitoring Oktober 2026 (XLSX dan PDF)');
    const shares = await w.slack.waitFor(() => {
      const s = fileShares(w, kabid.channel, after);
      return s.length === 2 ? s : undefined;
    }, WAIT, 'both files');
    expect(shares.map((s) => s.shared[0]!.name)).toEqual(['monev-2026-10.xlsx', 'monev-2026-10.pdf']);
    expect(shares[0]!.shared[0]!.bytes.subarray(0, 2).toString()).toBe('PK');
    expect(shares[1]!.shared[0]!.bytes.subarray(0, 5).toString()).toBe('%PDF-');
    expect(shares[0]!.text).toContain('Formulir monitoring SOP Oktober 2026: 0 SOP; tidak ada SOP yang berjalan.');
    expect(fileShares(w, subkor.channel)).toEqual([]);
  }, 60_000);
});
