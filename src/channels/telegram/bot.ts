/**
 * The Telegram adapter: commands, button presses, replies and uploads in, workflow actions
 * out. It holds no workflow rules: every press is checked again by the service.
 */
import { Readable } from 'node:stream';
import { Telegraf, type Context } from 'telegraf';
import { failedMethod } from './errors.js';
import type { Message, Update } from 'telegraf/types';
import type { Core } from '../../bootstrap.js';
import { parseDueInput } from '../../calendar/due-input.js';
import * as channelStore from '../../db/channel-store.js';
import { rerouteUnrouted } from '../../delivery/dispatcher.js';
import * as store from '../../db/store.js';
import type { Logger } from '../../logging.js';
import { brief, CASE_VIEW, NOTICE, TG } from '../../messages/id.js';
import { renderCase, renderCaseSummary, renderTaskLine } from '../../messages/render.js';
import { SECURITY } from '../../messages/security.js';
import { checkFileName, isUploadRefused, storeChecked, transportName, UploadRefusedError, withStoredFile, toMb, type UploadLimit } from '../../storage/intake.js';
import { DEFAULT_ALLOWED_EXTENSIONS, mimeTypeOf } from '../../storage/mime.js';
import { allowedCommands, findStep, missingOutputs, uploadSlots } from '../../workflow/engine.js';
import { isWorkflowError } from '../../workflow/errors.js';
import type { Actor, TaskCommand } from '../../workflow/model.js';
import { decodePress, encodePress } from './callback-data.js';
import { escapeHtml } from './render.js';

export interface TelegramBotOptions {
  token: string;
  /** Another Bot API server (self-hosted, or the tests' fake). */
  apiRoot?: string;
  core: Core;
  logger: Logger;
  clock?: () => Date;
  /** getFile limit of the Bot API server: 20 MB on the public one (TELEGRAM_MAX_DOWNLOAD_MB). */
  maxDownloadBytes?: number;
  /** The service's own upload limit, the same for every channel (SOPBOT_MAX_UPLOAD_MB). */
  maxUploadBytes?: number;
  allowedExtensions?: string[];
  /** How long a question (return reason, case title) waits for its answer. */
  promptTtlMs?: number;
  /** The daily digest on demand (/ringkasan), for chats bound to its role. */
  digest?: { role: string; build: (now: Date) => Promise<string[]> };
}

type Place = channelStore.Place;
/** Buttons one inline keyboard holds. */
const MAX_PICKER = 100;
const PLATFORM = 'telegram' as const;

export function createTelegramBot(options: TelegramBotOptions) {
  const { core, logger } = options;
  const { service, database } = core;
  const db = database.db;
  const clock = options.clock ?? (() => new Date());
  // The lower of the two binds, and the refusal names the one that did.
  const botApiCap = options.maxDownloadBytes ?? 20 * 1024 * 1024;
  const serviceCap = options.maxUploadBytes ?? core.config.maxUploadBytes;
  const limit: UploadLimit = botApiCap < serviceCap ? { bytes: botApiCap, by: 'telegram' } : { bytes: serviceCap, by: 'service' };
  const tooLarge = () => new UploadRefusedError('too_large', { limitMb: toMb(limit.bytes), by: limit.by });
  const allowed = options.allowedExtensions ?? DEFAULT_ALLOWED_EXTENSIONS;
  const promptTtl = options.promptTtlMs ?? 10 * 60 * 1000;

  const bot = new Telegraf(options.token, {
    telegram: { ...(options.apiRoot ? { apiRoot: options.apiRoot } : {}), webhookReply: false },
    handlerTimeout: 60_000,
  });

  const html = { parse_mode: 'HTML' as const, link_preview_options: { is_disabled: true } };

  const placeOf = (ctx: Context): Place => {
    const msg = (ctx.message ?? ctx.callbackQuery?.message) as (Message & { is_topic_message?: boolean; message_thread_id?: number }) | undefined;
    const topic = msg?.is_topic_message && msg.message_thread_id ? String(msg.message_thread_id) : '';
    return { platform: PLATFORM, chatId: String(ctx.chat!.id), threadId: topic };
  };
  const threadExtra = (place: Place) => (place.threadId ? { message_thread_id: Number(place.threadId) } : {});
  const actorOf = (ctx: Context, role?: string): Actor => {
    const from = ctx.from!;
    const name = [from.first_name, from.last_name].filter(Boolean).join(' ') || from.username || String(from.id);
    return { channel: PLATFORM, userId: String(from.id), name, ...(role ? { role } : {}) };
  };
  const reply = (ctx: Context, text: string, extra: Record<string, unknown> = {}) =>
    ctx.reply(text, { ...html, ...threadExtra(placeOf(ctx)), ...extra });
  const roleLabels = (roles: string[]) => roles.map((r) => service.roleLabel(r));

  // Each update once: a webhook retry or a replayed update is dropped here.
  bot.use(async (ctx, next) => {
    const id = String(ctx.update.update_id);
    if (!(await channelStore.claimUpdate(db, PLATFORM, id))) {
      // Not even answered: the first handling answers this same callback query, and an empty
      // answer racing it would swallow its "Tercatat" or its refusal.
      logger.info({ updateId: id }, 'update sudah diproses; diabaikan');
      return;
    }
    try {
      await next();
    } catch (e) {
      await channelStore.releaseUpdate(db, PLATFORM, id).catch(() => {});
      throw e;
    }
    await channelStore.finishUpdate(db, PLATFORM, id);
  });

  // Every callback query gets exactly one answer: Telegram refuses a second one. A press whose
  // handling failed (the database went away) is told to try again, not left with a blank answer
  // that looks as if it worked.
  bot.on('callback_query', async (ctx, next) => {
    let answered = false;
    const original = ctx.answerCbQuery.bind(ctx);
    ctx.answerCbQuery = ((...args: Parameters<typeof original>) => {
      if (answered) return Promise.resolve(true);
      answered = true;
      return original(...args);
    }) as typeof ctx.answerCbQuery;
    let failed = false;
    try {
      await next();
    } catch (e) {
      failed = true;
      throw e;
    } finally {
      if (!answered) await ctx.answerCbQuery(failed ? TG.internalError : undefined).catch(() => {});
    }
  });

  bot.command(['start', 'bantuan'], async (ctx) => {
    const roles = await channelStore.rolesOfPlace(db, placeOf(ctx));
    await reply(ctx, TG.help(roleLabels(roles).map(escapeHtml)));
  });

  bot.command('daftar', async (ctx) => {
    const code = ctx.payload.trim();
    if (!code) return void (await reply(ctx, TG.bindUsage));
    const place = placeOf(ctx);
    const redeemed = await db.transaction(async (tx) => {
      const r = await channelStore.redeemPairingCode(tx, PLATFORM, code, clock());
      if (!r.ok) return r;
      const title = 'title' in ctx.chat! ? ctx.chat.title : actorOf(ctx).name;
      const fresh = await channelStore.bindPlace(tx, place, r.role, title ?? null);
      return { ...r, fresh };
    });
    if (!redeemed.ok) {
      const text = redeemed.reason === 'unknown' ? TG.codeUnknown : redeemed.reason === 'used' ? TG.codeUsed : TG.codeExpired;
      return void (await reply(ctx, text));
    }
    await rerouteUnrouted(db, redeemed.role);
    const label = escapeHtml(service.roleLabel(redeemed.role));
    await reply(ctx, redeemed.fresh ? TG.bound(label) : TG.alreadyBound(label));
  });

  bot.command('lepas', async (ctx) => {
    const place = placeOf(ctx);
    if (ctx.chat.type !== 'private') {
      const member = await ctx.telegram.getChatMember(ctx.chat.id, ctx.from.id);
      if (member.status !== 'administrator' && member.status !== 'creator') return void (await reply(ctx, TG.unbindAdminsOnly));
    }
    const removed = await channelStore.unbindPlace(db, place);
    await reply(ctx, removed.length ? TG.unbound(roleLabels(removed).map(escapeHtml)) : TG.notBound);
  });

  bot.command('peran', async (ctx) => {
    const roles = await channelStore.rolesOfPlace(db, placeOf(ctx));
    await reply(ctx, roles.length ? TG.roles(roleLabels(roles).map(escapeHtml)) : TG.notBound);
  });

  bot.command('sop', async (ctx) => {
    const lines = service
      .catalog()
      .map((s) => TG.catalogLine(escapeHtml(s.definition.identity.nama), escapeHtml(s.definition.identity.nomor), s.definition.id, s.definition.steps.length));
    await reply(ctx, [TG.catalogTitle, ...lines].join('\n'));
  });

  bot.command('baru', async (ctx) => {
    const bound = await channelStore.rolesOfPlace(db, placeOf(ctx));
    if (!bound.length) return void (await reply(ctx, TG.notBound));
    const roles = await actingRoles(ctx, bound);
    if (!roles.length) return void (await reply(ctx, TG.notAllowed));
    const catalog = service.catalog();
    const startable = catalog.filter((s) => roles.includes(s.definition.steps[0]!.role ?? ''));
    if (!startable.length) return void (await reply(ctx, TG.noStartableSop));
    // "/baru pupr" starts that SOP at once: the way to the ones past the picker's limit.
    const named = startable.find((s) => s.definition.id === ctx.payload.trim().toLowerCase());
    if (named) return void (await askTitle(ctx, named.definition.id));
    if (startable.length === 1) return void (await askTitle(ctx, startable[0]!.definition.id));
    // An inline keyboard holds 100 buttons: past that, the rest are named, not dropped.
    const shown = startable.length > MAX_PICKER ? startable.slice(0, MAX_PICKER - 1) : startable;
    const rest = startable.length - shown.length;
    await reply(ctx, rest ? `${TG.chooseSop}\n${escapeHtml(SECURITY.moreSops(rest))}` : TG.chooseSop, {
      reply_markup: {
        inline_keyboard: shown.map((s) => [
          { text: s.definition.identity.nama.slice(0, 60), callback_data: encodePress({ kind: 'start', sopIndex: catalog.indexOf(s) }) },
        ]),
      },
    });
  });

  bot.command('tugas', async (ctx) => {
    const roles = await channelStore.rolesOfPlace(db, placeOf(ctx));
    if (!roles.length) return void (await reply(ctx, TG.notBound));
    const open = await service.openTasks(roles);
    if (!open.length) return void (await reply(ctx, TG.noTasks));
    const lines: string[] = [TG.tasksTitle];
    // One message holds 4096 characters: the list stops before, and says how many are left.
    let length = TG.tasksTitle.length;
    for (const [i, t] of open.slice(0, 30).entries()) {
      const def = await service.definitionOf(db, t.sopVersionId, t.sopId);
      const title = brief(t.caseTitle, 200);
      const taskLine = renderTaskLine(def, t, await service.calendarFor(db, def));
      length += t.caseRef.length + title.length + taskLine.length + 6;
      if (length > 3900) {
        lines.push(escapeHtml(NOTICE.more(open.length - i)));
        break;
      }
      lines.push(`<b>${escapeHtml(t.caseRef)}</b> · ${escapeHtml(title)}\n${escapeHtml(taskLine)}`);
    }
    // More than 30 that all fit: still say the list is not all of them.
    if (open.length > 30 && length <= 3900) lines.push(escapeHtml(NOTICE.more(open.length - 30)));
    await reply(ctx, lines.join('\n\n'));
  });

  bot.command('kasus', async (ctx) => {
    const details = await caseForChat(ctx);
    if (!details) return;
    const calendar = await service.calendarFor(db, details.definition);
    // The state and the newest events in the message; the whole timeline as a file when it does not fit.
    const summary = renderCaseSummary(details, calendar, 3900);
    await reply(ctx, `<pre>${escapeHtml(summary.text)}</pre>`);
    if (!summary.complete) {
      const ref = details.caseRow.ref;
      await ctx.replyWithDocument(
        { source: Buffer.from(renderCase(details, calendar)), filename: CASE_VIEW.fileName(ref) },
        { caption: CASE_VIEW.fileCaption(ref), ...threadExtra(placeOf(ctx)) },
      );
    }
  });

  bot.command('dokumen', async (ctx) => {
    const details = await caseForChat(ctx);
    if (!details) return;
    if (!details.documents.length) return void (await reply(ctx, TG.noDocuments(details.caseRow.ref)));
    for (const d of details.documents) {
      await ctx.replyWithDocument(
        { source: core.files.open(d.storageKey), filename: transportName(d.fileName) },
        { caption: `${details.caseRow.ref} · kegiatan ${d.stepId} · ${d.slotName}`, ...threadExtra(placeOf(ctx)) },
      );
    }
  });

  bot.command('ringkasan', async (ctx) => {
    const roles = await channelStore.rolesOfPlace(db, placeOf(ctx));
    if (!options.digest || !roles.includes(options.digest.role)) {
      return void (await reply(ctx, TG.digestOnlyFor(escapeHtml(service.roleLabel(options.digest?.role ?? 'kabid')))));
    }
    for (const part of await options.digest.build(clock())) await reply(ctx, escapeHtml(part));
  });

  bot.command('batal', async (ctx) => {
    const n = await channelStore.cancelPrompts(db, PLATFORM, String(ctx.chat.id), String(ctx.from.id));
    await reply(ctx, n ? TG.promptCancelled : TG.nothingToCancel);
  });

  /** The case named in the command, if this chat speaks for a role of its SOP; otherwise says why. */
  async function caseForChat(ctx: Context & { payload: string }) {
    const ref = ctx.payload.trim();
    if (!ref) return void (await reply(ctx, TG.caseUsage));
    const roles = await channelStore.rolesOfPlace(db, placeOf(ctx));
    if (!roles.length) return void (await reply(ctx, TG.notBound));
    try {
      const details = await service.caseDetails(ref);
      const caseRoles = new Set(details.tasks.flatMap((t) => t.roles));
      if (!roles.some((r) => caseRoles.has(r))) return void (await reply(ctx, TG.notInCase));
      return details;
    } catch (e) {
      if (isWorkflowError(e)) return void (await reply(ctx, escapeHtml(e.message)));
      throw e;
    }
  }

  async function askTitle(ctx: Context, sopId: string) {
    const prompt = await channelStore.openPrompt(db, {
      platform: PLATFORM,
      chatId: String(ctx.chat!.id),
      userId: String(ctx.from!.id),
      kind: 'case-title',
      data: { sopId },
      expiresAt: new Date(clock().getTime() + promptTtl),
    });
    const sent = await reply(ctx, TG.askTitle(escapeHtml(service.sop(sopId).definition.identity.nama)), {
      reply_markup: { force_reply: true, selective: true },
    });
    await channelStore.setPromptMessage(db, prompt, String(sent.message_id));
  }

  /** The chat's roles this person may act for (allow lists). */
  async function actingRoles(ctx: Context, roles: string[]): Promise<string[]> {
    const ok = await Promise.all(roles.map((r) => channelStore.mayAct(db, PLATFORM, r, String(ctx.from!.id))));
    return roles.filter((_, i) => ok[i]);
  }

  /** The role this chat acts as for a task, or a reason it may not. */
  async function roleForTask(ctx: Context, taskRoles: string[]): Promise<{ role: string } | { refusal: string }> {
    const roles = await channelStore.rolesOfPlace(db, placeOf(ctx));
    const role = roles.find((r) => taskRoles.includes(r));
    if (!role) return { refusal: TG.wrongChat };
    if (!(await channelStore.mayAct(db, PLATFORM, role, String(ctx.from!.id)))) return { refusal: TG.notAllowed };
    return { role };
  }

  bot.on('callback_query', async (ctx) => {
    const data = 'data' in ctx.callbackQuery ? ctx.callbackQuery.data : undefined;
    const press = decodePress(data);
    if (!press) return void (await ctx.answerCbQuery(TG.unknownButton));
    try {
      if (press.kind === 'start') {
        const sop = service.catalog()[press.sopIndex];
        const roles = await actingRoles(ctx, await channelStore.rolesOfPlace(db, placeOf(ctx)));
        if (!sop || !roles.includes(sop.definition.steps[0]!.role ?? '')) return void (await ctx.answerCbQuery(TG.noStartableSop));
        await ctx.answerCbQuery();
        await askTitle(ctx, sop.definition.id);
        return;
      }
      if (press.kind === 'slot') {
        const prompt = await channelStore.takePromptById(db, press.promptId, String(ctx.from.id), clock());
        if (!prompt || prompt.kind !== 'upload-slot') return void (await ctx.answerCbQuery(TG.promptGone));
        const upload = prompt.data as unknown as PendingUpload;
        const slot = upload.slots[press.slotIndex];
        if (!slot) return void (await ctx.answerCbQuery(TG.unknownButton));
        await ctx.answerCbQuery();
        await ctx.editMessageReplyMarkup(undefined).catch(() => {});
        await storeUpload(ctx, upload, slot);
        return;
      }

      const task = await store.getTask(db, press.taskId);
      if (!task) return void (await ctx.answerCbQuery(TG.unknownButton));
      const who = await roleForTask(ctx, task.roles);
      if ('refusal' in who) return void (await ctx.answerCbQuery(who.refusal, { show_alert: true }));
      const actor = actorOf(ctx, who.role);

      if (press.action === 'return' || press.action === 'set-due') {
        // Check now that the press could succeed, so nobody is asked a question for nothing.
        if (task.status !== 'open' || task.version !== press.version) {
          return void (await act(ctx, press.taskId, { type: 'complete' }, actor, press.version));
        }
        const caseRow = (await store.getCase(db, task.caseId))!;
        const def = await service.definitionOf(db, caseRow.sopVersionId, caseRow.sopId);
        // A Kembalikan / due-date button this step never shows (forged data): refuse, ask nothing.
        if (!allowedCommands(findStep(def, task.stepId), task).includes(press.action)) {
          return void (await ctx.answerCbQuery(TG.unknownButton));
        }
        const prompt = await channelStore.openPrompt(db, {
          platform: PLATFORM,
          chatId: String(ctx.chat!.id),
          userId: actor.userId,
          kind: press.action === 'return' ? 'return-reason' : 'due-date',
          data: { taskId: task.id, version: press.version, role: who.role },
          expiresAt: new Date(clock().getTime() + promptTtl),
        });
        await ctx.answerCbQuery(press.action === 'return' ? TG.writeReason : TG.writeDue);
        const mention = escapeHtml(actor.name);
        const sent = await reply(ctx, press.action === 'return' ? TG.askReason(mention, caseRow.ref) : TG.askDue(mention, caseRow.ref), {
          reply_markup: { force_reply: true, selective: true },
          reply_parameters: { message_id: ctx.callbackQuery.message!.message_id, allow_sending_without_reply: true },
        });
        await channelStore.setPromptMessage(db, prompt, String(sent.message_id));
        return;
      }
      let command: TaskCommand;
      if (press.action === 'choose') {
        const caseRow = (await store.getCase(db, task.caseId))!;
        const def = await service.definitionOf(db, caseRow.sopVersionId, caseRow.sopId);
        const branch = findStep(def, task.stepId).branches?.[press.branchIndex];
        if (!branch) return void (await ctx.answerCbQuery(TG.unknownButton));
        command = { type: 'choose', branch: branch.label };
      } else {
        command = { type: press.action };
      }
      await act(ctx, press.taskId, command, actor, press.version);
    } catch (e) {
      if (!isWorkflowError(e)) throw e;
      await ctx.answerCbQuery(e.message.slice(0, 190), { show_alert: true });
    }
  });

  /** Runs a workflow action from a press; answers the press with the result. */
  async function act(ctx: Context, taskId: number, command: TaskCommand, actor: Actor, version: number) {
    try {
      await service.act(taskId, command, actor, version);
      if (ctx.callbackQuery) await ctx.answerCbQuery(TG.recorded);
      return true;
    } catch (e) {
      if (!isWorkflowError(e)) throw e;
      if (ctx.callbackQuery) await ctx.answerCbQuery(e.message.slice(0, 190), { show_alert: e.message.length > 60 });
      else await reply(ctx, escapeHtml(e.message));
      return false;
    }
  }

  bot.on('text', async (ctx, next) => {
    if (ctx.message.text.startsWith('/')) return next();
    const prompt = await channelStore.takePrompt(db, PLATFORM, String(ctx.chat.id), String(ctx.from.id), clock());
    if (!prompt) return next();
    const text = ctx.message.text.trim();
    const data = prompt.data as { taskId?: number; version?: number; role?: string; sopId?: string };
    switch (prompt.kind) {
      case 'return-reason': {
        const ok = await act(ctx, data.taskId!, { type: 'return', reason: text }, actorOf(ctx, data.role), data.version!);
        if (ok) {
          const caseRow = (await store.getCase(db, (await store.getTask(db, data.taskId!))!.caseId))!;
          await reply(ctx, escapeHtml(TG.returnDone(caseRow.ref)));
        }
        return;
      }
      case 'due-date': {
        const caseRow = (await store.getCase(db, (await store.getTask(db, data.taskId!))!.caseId))!;
        const def = await service.definitionOf(db, caseRow.sopVersionId, caseRow.sopId);
        const due = parseDueInput(text, clock(), await service.calendarFor(db, def));
        if (!due) {
          // Keep asking: put the question back for another try.
          await channelStore.openPrompt(db, { ...prompt, data: prompt.data, expiresAt: prompt.expiresAt, promptMessageId: prompt.promptMessageId ?? undefined });
          return void (await reply(ctx, TG.badDue));
        }
        if (await act(ctx, data.taskId!, { type: 'set-due', dueAt: due }, actorOf(ctx, data.role), data.version!)) {
          await reply(ctx, TG.dueSet);
        }
        return;
      }
      case 'case-title': {
        const sop = service.sop(data.sopId!);
        const roles = await actingRoles(ctx, await channelStore.rolesOfPlace(db, placeOf(ctx)));
        const role = roles.find((r) => r === sop.definition.steps[0]!.role);
        // Unbound or struck off the allow list since the question: nobody to start it as.
        if (!role) return void (await reply(ctx, TG.notAllowed));
        try {
          const result = await service.startCase(sop.definition.id, text, actorOf(ctx, role));
          await reply(ctx, TG.caseStarted(escapeHtml(result.caseRef)));
        } catch (e) {
          if (!isWorkflowError(e)) throw e;
          await reply(ctx, escapeHtml(e.message));
        }
        return;
      }
      default:
        return next();
    }
  });

  // A command this bot does not have (a typo, an old habit): say so, unless it was meant for another bot.
  bot.on('text', async (ctx) => {
    const command = /^\/([^\s@]+)(?:@(\S+))?/.exec(ctx.message.text);
    if (!command) return;
    if (command[2] && command[2].toLowerCase() !== ctx.me?.toLowerCase()) return;
    await reply(ctx, TG.unknownCommand(escapeHtml(brief(command[1]!, 41))));
  });

  interface PendingUpload {
    taskId: number;
    role: string;
    fileId: string;
    fileName: string;
    mimeType: string;
    slots: { kind: 'kelengkapan' | 'output'; name: string }[];
  }

  bot.on(['document', 'photo'], async (ctx) => {
    const message = ctx.message as Message.DocumentMessage | Message.PhotoMessage;
    const replyTo = message.reply_to_message;
    // Only a reply to the bot's own message can be a reply to a card (in a forum topic every message "replies" to the topic's first one).
    const toBot = replyTo?.from?.id === ctx.botInfo.id;
    const taskId = replyTo && toBot ? await channelStore.taskOfRepliedCard(db, PLATFORM, String(ctx.chat.id), String(replyTo.message_id)) : null;
    if (!taskId) return void (await reply(ctx, TG.uploadReplyToCard, { reply_parameters: { message_id: message.message_id } }));

    let file: { fileId: string; fileName: string; size: number | undefined };
    if ('document' in message) {
      file = { fileId: message.document.file_id, fileName: message.document.file_name ?? `dokumen-${message.message_id}`, size: message.document.file_size };
    } else {
      const largest = message.photo[message.photo.length - 1]!;
      file = { fileId: largest.file_id, fileName: `foto-${message.message_id}.jpg`, size: largest.file_size };
    }
    const refuse = (text: string) => reply(ctx, text, { reply_parameters: { message_id: message.message_id } });
    try {
      checkFileName(file.fileName, allowed);
      if (file.size !== undefined && file.size > limit.bytes) throw tooLarge();
    } catch (e) {
      if (isUploadRefused(e)) return void (await refuse(escapeHtml(e.message)));
      throw e;
    }

    const task = (await store.getTask(db, taskId))!;
    const who = await roleForTask(ctx, task.roles);
    if ('refusal' in who) return void (await refuse(who.refusal));
    const caseRow = (await store.getCase(db, task.caseId))!;
    const def = await service.definitionOf(db, caseRow.sopVersionId, caseRow.sopId);
    const step = findStep(def, task.stepId);
    const slots = uploadSlots(step, caseRow.decisions);
    if (!slots.length) return void (await refuse(TG.noSlots));
    const missing = missingOutputs(step, task, await store.loadDocuments(db, caseRow.id), caseRow.decisions);
    const upload: PendingUpload = { taskId, role: who.role, ...file, mimeType: mimeTypeOf(file.fileName), slots };
    // The obvious slot needs no question: the only one, or the only output still missing.
    const obvious = slots.length === 1 ? slots[0] : missing.length === 1 ? slots.find((s) => s.kind === 'output' && s.name === missing[0]) : undefined;
    if (obvious) return void (await storeUpload(ctx, upload, obvious));

    const prompt = await channelStore.openPrompt(db, {
      platform: PLATFORM,
      chatId: String(ctx.chat.id),
      userId: String(ctx.from.id),
      kind: 'upload-slot',
      data: upload as unknown as Record<string, unknown>,
      expiresAt: new Date(clock().getTime() + promptTtl),
    });
    await reply(ctx, TG.chooseSlot, {
      reply_parameters: { message_id: message.message_id },
      reply_markup: {
        inline_keyboard: slots.map((s, i) => [{ text: s.name.slice(0, 60), callback_data: encodePress({ kind: 'slot', promptId: prompt, slotIndex: i }) }]),
      },
    });
  });

  async function storeUpload(ctx: Context, upload: PendingUpload, slot: { kind: 'kelengkapan' | 'output'; name: string }) {
    let stored;
    try {
      const link = await ctx.telegram.getFileLink(upload.fileId);
      const response = await fetch(link);
      if (!response.ok || !response.body) throw new Error(`download ${response.status}`);
      // The announced size may lie (or be missing): the length header, then the bytes themselves, are counted too.
      if (Number(response.headers.get('content-length') ?? 0) > limit.bytes) {
        await response.body.cancel();
        throw tooLarge();
      }
      stored = await storeChecked(core.files, Readable.fromWeb(response.body as import('node:stream/web').ReadableStream<Uint8Array>), {
        fileName: upload.fileName,
        allowed,
        limit,
      });
    } catch (e) {
      if (isUploadRefused(e)) return void (await reply(ctx, escapeHtml(e.message)));
      logger.warn({ err: e instanceof Error ? e.message : String(e) }, 'unduhan file Telegram gagal');
      return void (await reply(ctx, TG.uploadFailed));
    }
    try {
      const result = await withStoredFile(core.files, stored, () =>
        service.attachDocument(upload.taskId, slot, { fileName: upload.fileName, mimeType: upload.mimeType, ...stored }, actorOf(ctx, upload.role)),
      );
      await reply(ctx, escapeHtml(TG.uploaded(upload.fileName, result.slotName, stored.sizeBytes, stored.sha256)));
    } catch (e) {
      if (!isWorkflowError(e)) throw e;
      await reply(ctx, escapeHtml(e.message));
    }
  }

  bot.catch(async (err, ctx) => {
    // Name the platform call that failed and where, so a 500 from Telegram can be traced.
    const method = failedMethod(err);
    logger.error(
      { err: err instanceof Error ? { message: err.message, stack: err.stack } : String(err), method, chatId: ctx.chat?.id, updateId: ctx.update.update_id },
      'penanganan update Telegram gagal',
    );
    if (ctx.callbackQuery) await ctx.answerCbQuery(TG.internalError).catch(() => {});
    else if (ctx.chat) await ctx.reply(TG.internalError).catch(() => {});
  });

  return bot;
}

export type TelegramUpdate = Update;
