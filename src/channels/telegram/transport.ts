/**
 * Sends outbox rows to Telegram: posts cards, edits them after an action, posts notices, sends
 * files and pictures (rendered now, from what the row names). Classifies Telegram's errors for
 * the dispatcher (429 retry_after, permanent 400/403).
 */
import { TelegramError, type Telegram } from 'telegraf';
import type { InputMediaPhoto } from 'telegraf/types';
import { CARD, OUTCOME_LABEL } from '../../messages/id.js';
import type { Outcome } from '../../sop/definition.js';
import { FILE_KIND, fileSpecOf, type FileRenderer, type OutgoingFile } from '../../delivery/files.js';
import { DeliveryError, type DeliveryMessage, type Transport, type TransportLimits } from '../../delivery/transport.js';
import type { ChannelUseCases } from '../use-cases.js';
import { failedMethod } from './errors.js';
import { cutHtml, escapeHtml, positionButton, renderCardKeyboard, renderCardText } from './render.js';

/** Telegram's documented limits for bots: ~30 messages/s overall, 20/min into one group. */
export const TELEGRAM_LIMITS = { globalPerSecond: 30, perChatPerMinute: 20 };

/** The Bot API's limits for what a bot sends (core.telegram.org/bots/api#sendphoto, #senddocument). */
const PHOTO_MAX_BYTES = 10 * 1024 * 1024;
const PHOTO_MAX_SIDES = 10_000;
const PHOTO_MAX_RATIO = 20;
const DOCUMENT_MAX_BYTES = 50 * 1024 * 1024;
const CAPTION_MAX = 1024;

export function telegramTransport(telegram: Telegram, desk: ChannelUseCases, limits: TransportLimits = TELEGRAM_LIMITS, renderFile?: FileRenderer): Transport {
  return {
    platform: 'telegram',
    limits,
    async deliver(message: DeliveryMessage) {
      try {
        if (message.kind === FILE_KIND) return await sendFile(telegram, message, renderFile);
        return await deliver(telegram, desk, message);
      } catch (e) {
        throw classify(e);
      }
    },
  };
}

async function deliver(telegram: Telegram, desk: ChannelUseCases, m: DeliveryMessage) {
  const thread = m.threadId ? { message_thread_id: Number(m.threadId) } : {};
  switch (m.kind) {
    case 'card': {
      const card = await desk.card(m.taskId!);
      const sent = await telegram.sendMessage(m.chatId, renderCardText(card), {
        parse_mode: 'HTML',
        reply_markup: renderCardKeyboard(card),
        link_preview_options: { is_disabled: true },
        ...thread,
      });
      return { messageRef: { chatId: String(sent.chat.id), messageId: String(sent.message_id) } };
    }
    case 'card-update': {
      const target = m.targetRef as { chatId: string; messageId: string } | null;
      if (!target) return { messageRef: null };
      const card = await desk.card(m.taskId!);
      try {
        await telegram.editMessageText(target.chatId, Number(target.messageId), undefined, renderCardText(card), {
          parse_mode: 'HTML',
          reply_markup: renderCardKeyboard(card),
          link_preview_options: { is_disabled: true },
        });
      } catch (e) {
        // Two edits that render the same card: the second one has nothing to change.
        if (!(e instanceof TelegramError && /message is not modified/i.test(e.description))) throw e;
      }
      return { messageRef: target };
    }
    case 'case-closed': {
      const text = await closedNotice(desk, m);
      // The case's picture is one press away: where it went, how it ended.
      const keyboard = m.caseId ? { reply_markup: { inline_keyboard: [[positionButton(m.caseId)]] } } : {};
      const sent = await telegram.sendMessage(m.chatId, text, { parse_mode: 'HTML', ...keyboard, ...thread });
      return { messageRef: { chatId: String(sent.chat.id), messageId: String(sent.message_id) } };
    }
    default: {
      // Reminders, escalations and digests carry their text in the payload.
      const text = typeof m.payload.html === 'string' ? m.payload.html : escapeHtml(String(m.payload.text ?? ''));
      if (!text) throw new DeliveryError(`nothing to send for kind ${m.kind}`, { permanent: true });
      // A notice about a task answers that task's card in this chat, so one tap leads back to it.
      const card = m.taskId ? await desk.cardMessageIn(m.chatId, m.taskId) : null;
      const sent = await telegram.sendMessage(m.chatId, text, {
        parse_mode: 'HTML',
        link_preview_options: { is_disabled: true },
        ...thread,
        ...(card ? { reply_parameters: { message_id: Number(card), allow_sending_without_reply: true } } : {}),
      });
      return { messageRef: { chatId: String(sent.chat.id), messageId: String(sent.message_id) } };
    }
  }
}

async function closedNotice(desk: ChannelUseCases, m: DeliveryMessage): Promise<string> {
  const caseRow = await desk.service.caseById(m.caseId!);
  const outcome = OUTCOME_LABEL[(m.payload.outcome as Outcome) ?? 'selesai'];
  return `🏁 ${escapeHtml(CARD.caseClosedNotice(caseRow.ref, caseRow.title, outcome))}`;
}

/**
 * A file row: rendered now, then sent as Telegram shows it best. Pictures go as a photo (several
 * as one album) when they keep to the photo limits, else as documents; a document over 50 MB can
 * never be sent and is given up at once.
 */
async function sendFile(telegram: Telegram, m: DeliveryMessage, renderFile: FileRenderer | undefined) {
  const spec = fileSpecOf(m.payload);
  if (!spec || !renderFile) throw new DeliveryError(`no renderer for file row ${m.id}`, { permanent: true, method: 'sendDocument' });
  const rendered = await renderFile(spec);
  const files = rendered.files;
  if (!files.length) throw new DeliveryError(`nothing rendered for ${spec.render}`, { permanent: true, method: 'sendDocument' });
  const caption = { caption: cutHtml(escapeHtml(rendered.caption), CAPTION_MAX), parse_mode: 'HTML' as const };
  const thread = m.threadId ? { message_thread_id: Number(m.threadId) } : {};
  const refOf = (sent: { chat: { id: number }; message_id: number }) => ({
    messageRef: { chatId: String(sent.chat.id), messageId: String(sent.message_id) },
  });

  if (rendered.as === 'photo' && files.every(fitsPhoto)) {
    if (files.length === 1) {
      return refOf(await telegram.sendPhoto(m.chatId, { source: files[0]!.data, filename: files[0]!.name }, { ...caption, ...thread }));
    }
    const album: InputMediaPhoto[] = files.map((f, i) => ({ type: 'photo', media: { source: f.data, filename: f.name }, ...(i === 0 ? caption : {}) }));
    const sent = await telegram.sendMediaGroup(m.chatId, album, thread);
    return refOf(sent[0]!);
  }
  const tooBig = files.find((f) => f.data.length > DOCUMENT_MAX_BYTES);
  if (tooBig) throw new DeliveryError(`${tooBig.name} is ${tooBig.data.length} bytes, over Telegram's 50 MB`, { permanent: true, method: 'sendDocument' });
  if (files.length === 1) {
    return refOf(await telegram.sendDocument(m.chatId, { source: files[0]!.data, filename: files[0]!.name }, { ...caption, ...thread }));
  }
  const sent = await telegram.sendMediaGroup(
    m.chatId,
    files.map((f, i) => ({ type: 'document' as const, media: { source: f.data, filename: f.name }, ...(i === files.length - 1 ? caption : {}) })),
    thread,
  );
  return refOf(sent[0]!);
}

/** A PNG Telegram takes as a photo: at most 10 MB, width + height at most 10 000, sides at most 20:1. */
function fitsPhoto(f: OutgoingFile): boolean {
  const png = f.data.length > 24 && f.data.readUInt32BE(0) === 0x89504e47 && f.data.toString('latin1', 12, 16) === 'IHDR';
  if (!png || f.data.length > PHOTO_MAX_BYTES) return false;
  const width = f.data.readUInt32BE(16);
  const height = f.data.readUInt32BE(20);
  return width > 0 && height > 0 && width + height <= PHOTO_MAX_SIDES && Math.max(width, height) / Math.min(width, height) <= PHOTO_MAX_RATIO;
}

function classify(e: unknown): DeliveryError {
  if (e instanceof DeliveryError) return e;
  if (e instanceof TelegramError) {
    const status = e.code;
    const method = failedMethod(e);
    if (status === 429) {
      return new DeliveryError(e.description, { status, method, retryAfterSeconds: e.parameters?.retry_after ?? 1, cause: e });
    }
    if (status >= 500) return new DeliveryError(e.description, { status, method, cause: e });
    // 400 chat not found / message to edit not found, 403 bot removed from the group: retrying cannot help.
    return new DeliveryError(e.description, { status, method, permanent: true, cause: e });
  }
  return new DeliveryError(e instanceof Error ? e.message : String(e), { cause: e });
}
