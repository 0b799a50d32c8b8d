/**
 * A catalog larger than a picker (issue 12, item 12): Slack's select holds 100 options and a
 * Telegram keyboard 100 buttons, so with 120 more SOPs the new-case pickers used to lose the
 * rest without a word. Slack groups them (100 groups of 100); Telegram names how many are not
 * shown and starts any of them with /baru <id>. (Oversized branches, slots and ids are refused
 * at validation: test/unit/sop-broken-definitions.test.ts.)
 */
import { afterEach, describe, expect, it } from 'vitest';
import { SECURITY } from '../../src/messages/security.js';
import { parseDefinition } from '../../src/sop/loader.js';
import { startFakeSlack } from '../support/fake-slack.js';
import { SlackWorld } from '../support/slack-world.js';
import { TelegramWorld } from '../support/telegram-world.js';
import { note } from '../reliability/report.js';

const WAIT = 20_000;
let world: TelegramWorld | undefined;
let slack: SlackWorld | undefined;
afterEach(async () => {
  await slack?.close();
  await world?.close();
  world = slack = undefined;
});

function generated(n: number) {
  const id = `sop-uji-${String(n).padStart(3, '0')}`;
  const yaml = `id: ${id}
code: G${String(n).padStart(3, '0')}
identity:
  nomor: "${n}"
  nama: SOP Uji Nomor ${n}
  instansi: [BKD Contoh]
  tanggalPembuatan: 2024-01-15
  disahkanOleh: Kepala BKD
roles:
  - id: kabid
    name: Kabid
steps:
  - id: "1"
    kegiatan: Menerima permohonan
    kind: task
    role: kabid
    end: selesai
`;
  const result = parseDefinition(yaml, `${id}.yaml`);
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result;
}

describe('more SOPs than a picker holds', () => {
  it('Slack groups all 121 in /sop baru; Telegram shows 99, says how many more, and /baru <id> starts any', async (ctx) => {
    note(ctx, { story: 'Bad input', tried: 'a catalog of 121 SOPs startable by one role (issue 12 #12)', times: 2, held: 'Slack\'s /sop baru groups all 121 (groups of at most 100) and one from the last group starts; Telegram shows 99, says how many more, and /baru <id> starts any' });
    const fake = await startFakeSlack();
    world = await TelegramWorld.start({ startScheduler: false, env: SlackWorld.env(fake) });
    const w = world;
    slack = SlackWorld.attach(fake, w.core, w.service);
    await w.core.service.registerDefinitions(Array.from({ length: 120 }, (_, i) => generated(i + 1)) as never);
    const startable = w.core.service.catalog().filter((s) => s.definition.steps[0]!.role === 'kabid').map((s) => s.definition.id);
    expect(startable.length).toBe(121);

    const desk = await slack.bindChannel('kabid');
    expect((await slack.slack.runCommand(desk.person, desk.channel, 'baru')).status).toBe(200);
    const modal = await slack.modal(desk.person, 'new_case');
    const select = (modal.view.blocks as { block_id?: string; element?: { options?: unknown[]; option_groups?: { options: { value: string }[] }[] } }[]).find((b) => b.block_id === 'sop')!.element!;
    expect(select.options).toBeUndefined();
    for (const g of select.option_groups!) expect(g.options.length).toBeLessThanOrEqual(100);
    expect(select.option_groups!.flatMap((g) => g.options.map((o) => o.value)).sort()).toEqual([...startable].sort());
    expect((await slack.slack.submit(desk.person, modal, { sop: 'sop-uji-120', title: 'Kasus ke-121' })).status).toBe(200);
    await slack.slack.waitFor(() => slack!.botSaid(desk.channel, 'dimulai'), WAIT, 'started from a group');

    const kabid = await w.bindGroup('kabid');
    const ask = w.tg.userSends(kabid.chat, kabid.person, '/baru');
    const picker = await w.tg.waitFor(() => w.botMessages(kabid.chat).find((m) => m.message_id > ask.message_id), WAIT, 'picker');
    expect(picker.reply_markup!.inline_keyboard.flat()).toHaveLength(99);
    expect(picker.text).toContain(SECURITY.moreSops(22));
    const named = w.tg.userSends(kabid.chat, kabid.person, '/baru sop-uji-120');
    const question = await w.tg.waitFor(() => w.botMessages(kabid.chat).find((m) => m.message_id > named.message_id), WAIT, 'title question');
    expect(question.text).toContain('SOP Uji Nomor 120');
  }, 90_000);
});
