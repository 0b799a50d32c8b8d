/**
 * Answers to the bot's questions (the reason of a Kembalikan, a due date, a new case's title),
 * written as replies; and a command this bot does not know.
 */
import { Composer } from 'telegraf';
import { brief, TG } from '../../messages/id.js';
import type { BotContext } from './context.js';
import { escapeHtml } from './render.js';

export function prompts(): Composer<BotContext> {
  const c = new Composer<BotContext>();

  c.on('text', async (ctx, next) => {
    if (ctx.message.text.startsWith('/')) return next();
    const { desk, place, person } = ctx.turn;
    const prompt = await desk.takePrompt(place, person.userId);
    if (!prompt) return next();
    const text = ctx.message.text.trim();
    const data = prompt.data as { taskId?: number; version?: number; sopId?: string };
    switch (prompt.kind) {
      case 'return-reason': {
        const result = await desk.submitForm(place, person, { taskId: data.taskId!, version: data.version! }, { type: 'return', reason: text });
        return void (await ctx.turn.reply(escapeHtml(TG.returnDone(result.caseRef))));
      }
      case 'due-date': {
        const due = desk.parseDue((await desk.service.taskView(data.taskId!)).definition.unit, text);
        if (!due) {
          // Keep asking: the question is put back for another try.
          await desk.askAgain(prompt);
          return void (await ctx.turn.reply(TG.badDue));
        }
        await desk.submitForm(place, person, { taskId: data.taskId!, version: data.version! }, { type: 'set-due', dueAt: due });
        return void (await ctx.turn.reply(TG.dueSet));
      }
      case 'case-title': {
        const result = await desk.startCase(place, person, data.sopId!, text);
        return void (await ctx.turn.reply(TG.caseStarted(escapeHtml(result.caseRef))));
      }
      default:
        return next();
    }
  });

  // A command this bot does not have (a typo, an old habit): say so, unless it was meant for another bot.
  c.on('text', async (ctx) => {
    const command = /^\/([^\s@]+)(?:@(\S+))?/.exec(ctx.message.text);
    if (!command) return;
    if (command[2] && command[2].toLowerCase() !== ctx.me?.toLowerCase()) return;
    await ctx.turn.reply(TG.unknownCommand(escapeHtml(brief(command[1]!, 41))));
  });

  return c;
}
