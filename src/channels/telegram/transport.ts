/**
 * Sends outbox rows to Telegram: posts cards, edits them after an action, posts notices.
 * Classifies Telegram's errors for the dispatcher (429 retry_after, permanent 400/403).
 */
import { TelegramError, type Telegram } from 'telegraf';
import { CARD, OUTCOME_LABEL } from '../../messages/id.js';
import type { Outcome } from '../../sop/definition.js';
import { DeliveryError, type DeliveryMessage, type Transport, type TransportLimits } from '../../delivery/transport.js';
import type { ChannelUseCases } from '../use-cases.js';
import { failedMethod } from './errors.js';
import { escapeHtml, renderCardKeyboard, renderCardText } from './render.js';

/** Telegram's documented limits for bots: ~30 messages/s overall, 20/min into one group. */
export const TELEGRAM_LIMITS = { globalPerSecond: 30, perChatPerMinute: 20 };

export function telegramTransport(telegram: Telegram, desk: ChannelUseCases, limits: TransportLimits = TELEGRAM_LIMITS): Transport {
  return {
    platform: 'telegram',
    limits,
    async deliver(message: DeliveryMessage) {
      try {
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
      const sent = await telegram.sendMessage(m.chatId, text, { parse_mode: 'HTML', ...thread });
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
