/**
 * The bot's commands: binding a chat (/daftar, /lepas, /peran), the catalog and an SOP's sheet
 * (/sop, /sop ID), starting a case (/baru), a role's tasks (/tugas), a case (/kasus, /dokumen,
 * /posisi), the digest (/ringkasan), the monitoring form (/laporan), help, and abandoning a
 * question (/batal). Files and pictures go through the outbox; the command only asks for them.
 */
import { Composer } from 'telegraf';
import { brief, CASE_VIEW, TG } from '../../messages/id.js';
import { fitList, renderCase, renderCaseSummary } from '../../messages/render.js';
import { SECURITY } from '../../messages/security.js';
import { transportName } from '../../storage/intake.js';
import { encodePress } from './callback-data.js';
import { inTopic, type BotContext } from './context.js';
import { escapeHtml } from './render.js';

export interface CommandOptions {
  /** The daily digest on demand (/ringkasan), for chats bound to its role. */
  digest?: { role: string; build: (now: Date) => Promise<string[]> };
}

/** Buttons one inline keyboard holds. */
const MAX_PICKER = 100;
/** One message holds 4096 characters; lists stop before, and say how many are left. */
const MAX_TEXT = 3900;
const MAX_LISTED = 30;

export function commands(options: CommandOptions): Composer<BotContext> {
  const c = new Composer<BotContext>();
  const labels = (ctx: BotContext, roles: string[]) => ctx.turn.desk.roleLabels(roles).map(escapeHtml);

  c.command(['start', 'bantuan'], async (ctx) => {
    await ctx.turn.reply(TG.help(labels(ctx, await ctx.turn.desk.rolesOf(ctx.turn.place))));
  });

  c.command('daftar', async (ctx) => {
    const code = ctx.payload.trim();
    if (!code) return void (await ctx.turn.reply(TG.bindUsage));
    const title = 'title' in ctx.chat ? ctx.chat.title : ctx.turn.person.name;
    const { role, fresh } = await ctx.turn.desk.bind(ctx.turn.place, code, title ?? null);
    const label = escapeHtml(ctx.turn.desk.service.roleLabel(role));
    await ctx.turn.reply(fresh ? TG.bound(label) : TG.alreadyBound(label));
  });

  c.command('lepas', async (ctx) => {
    // Only a group's admins may take a role's cards away from it.
    if (ctx.chat.type !== 'private') {
      const member = await ctx.telegram.getChatMember(ctx.chat.id, ctx.from.id);
      if (member.status !== 'administrator' && member.status !== 'creator') return void (await ctx.turn.reply(TG.unbindAdminsOnly));
    }
    const removed = await ctx.turn.desk.unbind(ctx.turn.place);
    await ctx.turn.reply(removed.length ? TG.unbound(labels(ctx, removed)) : TG.notBound);
  });

  c.command('peran', async (ctx) => {
    const roles = await ctx.turn.desk.rolesOf(ctx.turn.place);
    await ctx.turn.reply(roles.length ? TG.roles(labels(ctx, roles)) : TG.notBound);
  });

  c.command('sop', async (ctx) => {
    // "/sop pemalang": that SOP's sheet (PDF) and flowchart (photo), through the outbox.
    const id = ctx.payload.trim();
    if (id) {
      await ctx.turn.desk.sendSopSheet(ctx.turn.place, { sopId: id }, ctx.turn.request);
      return void (await ctx.sendChatAction('upload_document', inTopic(ctx.turn.place)).catch(() => {}));
    }
    const catalog = ctx.turn.desk.service.catalog();
    const lines = catalog.map((s) => TG.catalogLine(escapeHtml(s.definition.identity.nama), escapeHtml(s.definition.identity.nomor), s.definition.id, s.definition.steps.length));
    // A button per SOP for its sheet, as /sop ID gives it (an inline keyboard holds 100 buttons).
    const buttons = catalog.slice(0, MAX_PICKER).map((s, sopIndex) => [{ text: `📄 ${brief(s.definition.identity.nama, 60)}`, callback_data: encodePress({ kind: 'sheet', sopIndex }) }]);
    await ctx.turn.reply([TG.catalogTitle, ...lines].join('\n'), { reply_markup: { inline_keyboard: buttons } });
  });

  c.command('baru', async (ctx) => {
    const { desk, place, person } = ctx.turn;
    const startable = await desk.startableSops(place, person.userId);
    // "/baru pupr" starts that SOP at once: the way to the ones past the picker's limit.
    const named = startable.find((s) => s.definition.id === ctx.payload.trim().toLowerCase());
    if (named) return void (await askTitle(ctx, named.definition.id));
    if (startable.length === 1) return void (await askTitle(ctx, startable[0]!.definition.id));
    // An inline keyboard holds 100 buttons: past that, the rest are named, not dropped.
    const catalog = desk.service.catalog();
    const shown = startable.length > MAX_PICKER ? startable.slice(0, MAX_PICKER - 1) : startable;
    const rest = startable.length - shown.length;
    await ctx.turn.reply(rest ? `${TG.chooseSop}\n${escapeHtml(SECURITY.moreSops(rest))}` : TG.chooseSop, {
      reply_markup: {
        inline_keyboard: shown.map((s) => [
          { text: s.definition.identity.nama.slice(0, 60), callback_data: encodePress({ kind: 'start', sopIndex: catalog.indexOf(s) }) },
        ]),
      },
    });
  });

  c.command('tugas', async (ctx) => {
    const open = await ctx.turn.desk.openTasks(ctx.turn.place);
    if (!open.length) return void (await ctx.turn.reply(TG.noTasks));
    const items = open.slice(0, MAX_LISTED).map((t) => `<b>${escapeHtml(t.caseRef)}</b> · ${escapeHtml(brief(t.caseTitle, 200))}\n${escapeHtml(t.line)}`);
    await ctx.turn.reply(fitList(TG.tasksTitle, items, open.length, MAX_TEXT, escapeHtml).join('\n\n'));
  });

  c.command('kasus', async (ctx) => {
    const ref = ctx.payload.trim();
    if (!ref) return void (await ctx.turn.reply(TG.caseUsage));
    const { details, calendar } = await ctx.turn.desk.caseFor(ctx.turn.place, ref);
    // The state and the newest events in the message; the whole timeline as a file when it does not fit.
    const summary = renderCaseSummary(details, calendar, MAX_TEXT);
    await ctx.turn.reply(`<pre>${escapeHtml(summary.text)}</pre>`);
    if (!summary.complete) {
      const caseRef = details.caseRow.ref;
      await ctx.replyWithDocument(
        { source: Buffer.from(renderCase(details, calendar)), filename: CASE_VIEW.fileName(caseRef) },
        { caption: CASE_VIEW.fileCaption(caseRef), ...inTopic(ctx.turn.place) },
      );
    }
  });

  c.command('dokumen', async (ctx) => {
    const ref = ctx.payload.trim();
    if (!ref) return void (await ctx.turn.reply(TG.caseUsage));
    const { details } = await ctx.turn.desk.caseFor(ctx.turn.place, ref);
    if (!details.documents.length) return void (await ctx.turn.reply(TG.noDocuments(details.caseRow.ref)));
    for (const d of details.documents) {
      await ctx.replyWithDocument(
        { source: ctx.turn.desk.core.files.open(d.storageKey), filename: transportName(d.fileName) },
        { caption: `${details.caseRow.ref} · kegiatan ${d.stepId} · ${d.slotName}`, ...inTopic(ctx.turn.place) },
      );
    }
  });

  c.command('posisi', async (ctx) => {
    const ref = ctx.payload.trim();
    if (!ref) return void (await ctx.turn.reply(TG.positionUsage));
    await ctx.turn.desk.sendCasePicture(ctx.turn.place, { ref }, ctx.turn.request);
    // Telegram shows "sending a photo…" until the picture arrives, without a message of its own.
    await ctx.sendChatAction('upload_photo', inTopic(ctx.turn.place)).catch(() => {});
  });

  c.command('laporan', async (ctx) => {
    const period = await ctx.turn.desk.sendMonitoringReport(ctx.turn.place, ctx.payload, ctx.turn.request);
    await ctx.turn.reply(escapeHtml(TG.reportComing(period)));
  });

  c.command('ringkasan', async (ctx) => {
    const { desk, place } = ctx.turn;
    const roles = await desk.rolesOf(place);
    if (!options.digest || !roles.includes(options.digest.role)) {
      return void (await ctx.turn.reply(TG.digestOnlyFor(escapeHtml(desk.service.roleLabel(options.digest?.role ?? 'kabid')))));
    }
    for (const part of await options.digest.build(desk.now())) await ctx.turn.reply(escapeHtml(part));
  });

  c.command('batal', async (ctx) => {
    const n = await ctx.turn.desk.cancelPrompts(ctx.turn.place, ctx.turn.person.userId);
    await ctx.turn.reply(n ? TG.promptCancelled : TG.nothingToCancel);
  });

  return c;
}

/** Asks the person for the new case's title, as a reply they answer (prompts.ts takes the answer). */
export async function askTitle(ctx: BotContext, sopId: string): Promise<void> {
  const { desk, place, person } = ctx.turn;
  const sop = desk.service.sop(sopId);
  const prompt = await desk.ask(place, person, 'case-title', { sopId });
  const sent = await ctx.turn.reply(TG.askTitle(escapeHtml(sop.definition.identity.nama)), { reply_markup: { force_reply: true, selective: true } });
  await desk.setPromptMessage(prompt, String(sent.message_id));
}
