/**
 * One error boundary for every Telegram handler (grammY's errorBoundary, in telegraf's terms):
 * a refusal (the workflow's, the chat's, an upload's) becomes an answer in Telegram's words, on
 * the press that asked or as a reply; anything else goes on to bot.catch, which logs it.
 */
import { channelRefusalText, refusalText, TERMS } from '../../messages/id.js';
import { uploadRefusal } from '../../messages/security.js';
import { isUploadRefused } from '../../storage/intake.js';
import { isWorkflowError } from '../../workflow/errors.js';
import { isChannelRefusal } from '../use-cases.js';
import type { BotContext } from './context.js';
import { escapeHtml } from './render.js';

/** Telegram shows at most 200 characters in a press's answer. */
const MAX_ANSWER = 190;
/** A longer answer is shown as an alert the person dismisses, rather than a passing toast. */
const TOAST = 60;

/** The words for a refusal, or undefined when the error is not one (a fault, to be logged). */
export function refusalOf(e: unknown): { text: string; alert: boolean } | undefined {
  if (isChannelRefusal(e)) {
    // Being the wrong chat or person for a card is worth a dismissable alert; the rest are toasts.
    return { text: channelRefusalText(e, 'telegram'), alert: e.code === 'wrong_chat' || e.code === 'not_allowed' };
  }
  if (isWorkflowError(e)) {
    const text = refusalText(e, TERMS.telegram);
    return { text, alert: text.length > TOAST };
  }
  if (isUploadRefused(e)) return { text: uploadRefusal(e.code, e.params as never), alert: true };
  return undefined;
}

export function errorBoundary() {
  return async (ctx: BotContext, next: () => Promise<void>) => {
    try {
      await next();
    } catch (e) {
      const refusal = refusalOf(e);
      if (!refusal) throw e;
      if (ctx.callbackQuery && !ctx.turn.answered()) return void (await ctx.turn.answer(refusal.text.slice(0, MAX_ANSWER), { alert: refusal.alert }));
      // A refused upload is answered as a reply to it: several may be in flight in one group.
      const upload = ctx.message && ('document' in ctx.message || 'photo' in ctx.message) ? ctx.message.message_id : undefined;
      await ctx.turn.reply(escapeHtml(refusal.text), upload ? { reply_parameters: { message_id: upload } } : {});
    }
  };
}
