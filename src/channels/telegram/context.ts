/**
 * What every Telegram handler knows about the update in hand (a "turn"): the place it came
 * from (a chat, or one forum topic), the person, and how to answer them: a reply in the same
 * chat and topic, and the one answer a button press may get.
 */
import type { Context } from 'telegraf';
import type { Message } from 'telegraf/types';
import { TG } from '../../messages/id.js';
import type { ChannelUseCases, Person, Place } from '../use-cases.js';

type ReplyExtra = NonNullable<Parameters<Context['reply']>[1]>;

export interface Turn {
  desk: ChannelUseCases;
  place: Place;
  person: Person;
  /** The update's own name ("u123"): what this request enqueues is keyed by it, so handling it again adds nothing. */
  request: string;
  /** Replies in the same chat and topic, as HTML, without link previews. */
  reply(text: string, extra?: ReplyExtra): Promise<Message.TextMessage>;
  /** Answers the press (once: Telegram refuses a second answer; later calls do nothing). */
  answer(text?: string, options?: { alert?: boolean }): Promise<void>;
  answered(): boolean;
}

export interface BotContext extends Context {
  turn: Turn;
}

export const PLATFORM = 'telegram' as const;

export function placeOf(ctx: Context): Place {
  const msg = (ctx.message ?? ctx.callbackQuery?.message) as (Message & { is_topic_message?: boolean; message_thread_id?: number }) | undefined;
  const topic = msg?.is_topic_message && msg.message_thread_id ? String(msg.message_thread_id) : '';
  return { platform: PLATFORM, chatId: String(ctx.chat?.id ?? ''), threadId: topic };
}

export function personOf(ctx: Context): Person {
  const from = ctx.from;
  if (!from) return { userId: '', name: '' };
  return { userId: String(from.id), name: [from.first_name, from.last_name].filter(Boolean).join(' ') || from.username || String(from.id) };
}

export const inTopic = (place: Place) => (place.threadId ? { message_thread_id: Number(place.threadId) } : {});

/**
 * Sets ctx.turn for the handlers after it. A press that ends without an answer gets an empty
 * one; a press whose handling failed (the database went away) is told to try again, not left
 * with a blank answer that looks as if it worked.
 */
export function turns(desk: ChannelUseCases) {
  return async (ctx: BotContext, next: () => Promise<void>) => {
    const place = placeOf(ctx);
    let answered = false;
    ctx.turn = {
      desk,
      place,
      person: personOf(ctx),
      request: `u${ctx.update.update_id}`,
      reply: (text, extra = {}) =>
        ctx.reply(text, { parse_mode: 'HTML', link_preview_options: { is_disabled: true }, ...inTopic(place), ...extra }),
      answer: async (text, options = {}) => {
        if (answered || !ctx.callbackQuery) return;
        answered = true;
        await ctx.answerCbQuery(text, options.alert ? { show_alert: true } : undefined);
      },
      answered: () => answered,
    };
    let failed = false;
    try {
      await next();
    } catch (e) {
      failed = true;
      throw e;
    } finally {
      if (ctx.callbackQuery && !answered) await ctx.turn.answer(failed ? TG.internalError : undefined).catch(() => {});
    }
  };
}
