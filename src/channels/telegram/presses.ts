/**
 * Button presses: a card's buttons (Selesai, Setujui, Konfirmasi, a branch act at once;
 * Kembalikan and Tentukan batas waktu ask a question first; Posisi sends the case's picture
 * through the outbox and is answered at once), the SOP picker of /baru, the sheet buttons of
 * /sop, and the slot question of an upload. Each press is only a request: the use cases check
 * the chat, the person and the card's version again.
 */
import { Composer } from 'telegraf';
import { TG } from '../../messages/id.js';
import type { RegisteredSop } from '../../service/workflow-service.js';
import { ChannelRefusal } from '../use-cases.js';
import { decodePress } from './callback-data.js';
import { askTitle } from './commands.js';
import type { BotContext } from './context.js';
import { escapeHtml } from './render.js';
import type { StoreUpload, TelegramUpload } from './uploads.js';

export function presses(storeUpload: StoreUpload): Composer<BotContext> {
  const c = new Composer<BotContext>();

  c.on('callback_query', async (ctx) => {
    const { desk, place, person } = ctx.turn;
    const press = decodePress('data' in ctx.callbackQuery ? ctx.callbackQuery.data : undefined);
    if (!press) throw new ChannelRefusal('unknown_button');

    if (press.kind === 'start') {
      const sop = desk.service.catalog()[press.sopIndex];
      const startable = await desk.startableSops(place, person.userId).catch((): RegisteredSop[] => []);
      if (!sop || !startable.includes(sop)) throw new ChannelRefusal('no_startable_sop');
      await ctx.turn.answer();
      return void (await askTitle(ctx, sop.definition.id));
    }

    if (press.kind === 'position') {
      await desk.sendCasePicture(place, { caseId: press.caseId }, ctx.turn.request);
      return void (await ctx.turn.answer(TG.pictureComing));
    }

    if (press.kind === 'sheet' || press.kind === 'case-sheet') {
      await desk.sendSopSheet(place, press.kind === 'sheet' ? { sopIndex: press.sopIndex } : { caseId: press.caseId }, ctx.turn.request);
      return void (await ctx.turn.answer(TG.sheetComing));
    }

    if (press.kind === 'slot') {
      const upload: TelegramUpload = await desk.takeSlotPrompt(press.promptId, person.userId);
      const slot = upload.slots[press.slotIndex];
      if (!slot) throw new ChannelRefusal('unknown_button');
      await ctx.turn.answer();
      await ctx.editMessageReplyMarkup(undefined).catch(() => {});
      return void (await storeUpload(ctx, upload, slot));
    }

    if (press.action === 'return' || press.action === 'set-due') {
      const form = await desk.openForm(place, person, press);
      const prompt = await desk.ask(place, person, form.kind === 'return' ? 'return-reason' : 'due-date', { taskId: form.taskId, version: form.version });
      await ctx.turn.answer(form.kind === 'return' ? TG.writeReason : TG.writeDue);
      const mention = escapeHtml(person.name);
      const sent = await ctx.turn.reply(form.kind === 'return' ? TG.askReason(mention, form.caseRef) : TG.askDue(mention, form.caseRef), {
        reply_markup: { force_reply: true, selective: true },
        reply_parameters: { message_id: ctx.callbackQuery.message!.message_id, allow_sending_without_reply: true },
      });
      return void (await desk.setPromptMessage(prompt, String(sent.message_id)));
    }

    await desk.press(place, person, press);
    await ctx.turn.answer(TG.recorded);
  });

  return c;
}
