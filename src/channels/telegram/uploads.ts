/**
 * Documents replied to a card: the name and size checked before anything is downloaded, the
 * slot asked when it is not obvious, the bytes downloaded from the Bot API and stored through
 * the one upload door (storage/intake.ts), then recorded in the task's slot.
 */
import { Readable } from 'node:stream';
import type { ReadableStream } from 'node:stream/web';
import { Composer } from 'telegraf';
import type { Message } from 'telegraf/types';
import type { Logger } from '../../logging.js';
import { TG } from '../../messages/id.js';
import { checkFileName, storeChecked, toMb, UploadRefusedError, type UploadLimit } from '../../storage/intake.js';
import type { StoredFile } from '../../storage/files.js';
import type { UploadSlot } from '../../workflow/engine.js';
import type { PendingUpload } from '../use-cases.js';
import { encodePress } from './callback-data.js';
import type { BotContext } from './context.js';
import { escapeHtml } from './render.js';

/** What the Bot API needs to download a document later (after the slot question). */
export type TelegramUpload = PendingUpload<{ fileId: string }>;

export interface UploadOptions {
  logger: Logger;
  /** The lower of the service's upload limit and the Bot API server's download cap. */
  limit: UploadLimit;
  allowedExtensions: readonly string[];
}

export type StoreUpload = (ctx: BotContext, upload: TelegramUpload, slot: UploadSlot) => Promise<void>;

/** The upload handlers, and the step that stores a document once its slot is known (also after the slot question). */
export function uploads(options: UploadOptions): { composer: Composer<BotContext>; storeUpload: StoreUpload } {
  const storeUpload = storer(options);
  const c = new Composer<BotContext>();

  c.on(['document', 'photo'], async (ctx) => {
    const { desk, place, person } = ctx.turn;
    const message = ctx.message as Message.DocumentMessage | Message.PhotoMessage;
    const replyTo = message.reply_to_message;
    // Only a reply to the bot's own message can be a reply to a card (in a forum topic every message "replies" to the topic's first one).
    const taskId = replyTo && replyTo.from?.id === ctx.botInfo.id ? await desk.taskOfReply(place, String(replyTo.message_id)) : null;
    if (!taskId) return void (await ctx.turn.reply(TG.uploadReplyToCard, { reply_parameters: { message_id: message.message_id } }));

    const file =
      'document' in message
        ? { fileId: message.document.file_id, fileName: message.document.file_name ?? `dokumen-${message.message_id}`, size: message.document.file_size }
        : (() => {
            const largest = message.photo[message.photo.length - 1]!;
            return { fileId: largest.file_id, fileName: `foto-${message.message_id}.jpg`, size: largest.file_size };
          })();
    // Refused before anything is downloaded: a bad name, an extension not accepted, an announced size over the limit.
    checkFileName(file.fileName, options.allowedExtensions);
    if (file.size !== undefined && file.size > options.limit.bytes) throw tooLarge(options.limit);

    const { upload, obvious } = await desk.uploadTarget(place, person, taskId, file.fileName, { fileId: file.fileId });
    if (obvious) return void (await storeUpload(ctx, upload, obvious));
    const prompt = await desk.ask(place, person, 'upload-slot', upload as unknown as Record<string, unknown>);
    await ctx.turn.reply(TG.chooseSlot, {
      reply_parameters: { message_id: message.message_id },
      reply_markup: {
        inline_keyboard: upload.slots.map((s, i) => [{ text: s.name.slice(0, 60), callback_data: encodePress({ kind: 'slot', promptId: prompt, slotIndex: i }) }]),
      },
    });
  });

  return { composer: c, storeUpload };
}

function tooLarge(limit: UploadLimit): UploadRefusedError {
  return new UploadRefusedError('too_large', { limitMb: toMb(limit.bytes), by: limit.by });
}

/** Downloads the document and records it in `slot`; the announced size may lie, so the bytes are counted too. */
function storer({ limit, allowedExtensions, logger }: UploadOptions): StoreUpload {
  return async (ctx, upload, slot) => {
  const { desk, person } = ctx.turn;
  let stored: StoredFile;
  try {
    const response = await fetch(await ctx.telegram.getFileLink(upload.source.fileId));
    if (!response.ok || !response.body) throw new Error(`download ${response.status}`);
    if (Number(response.headers.get('content-length') ?? 0) > limit.bytes) {
      await response.body.cancel();
      throw tooLarge(limit);
    }
    stored = await storeChecked(desk.core.files, Readable.fromWeb(response.body as ReadableStream<Uint8Array>), { fileName: upload.fileName, allowed: allowedExtensions, limit });
  } catch (e) {
    if (e instanceof UploadRefusedError) throw e;
    logger.warn({ err: e instanceof Error ? e.message : String(e), method: 'getFile' }, 'unduhan file Telegram gagal');
    return void (await ctx.turn.reply(TG.uploadFailed));
  }
  const result = await desk.attach(person, upload, slot, stored);
  await ctx.turn.reply(escapeHtml(TG.uploaded(upload.fileName, result.slot.name, stored.sizeBytes, stored.sha256)));
  };
}
