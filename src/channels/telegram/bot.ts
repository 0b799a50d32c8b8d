/**
 * The Telegram adapter, assembled: each update once, a turn for its handlers, one error
 * boundary, then the composers (commands, presses, answers to questions, uploads). It holds no
 * workflow rules: every request goes through the channels' use cases.
 */
import { Telegraf } from 'telegraf';
import type { Core } from '../../bootstrap.js';
import type { Logger } from '../../logging.js';
import { TG } from '../../messages/id.js';
import type { UploadLimit } from '../../storage/intake.js';
import { DEFAULT_ALLOWED_EXTENSIONS } from '../../storage/mime.js';
import { ChannelUseCases } from '../use-cases.js';
import { errorBoundary } from './boundary.js';
import { commands, type CommandOptions } from './commands.js';
import { PLATFORM, turns, type BotContext } from './context.js';
import { failedMethod } from './errors.js';
import { presses } from './presses.js';
import { prompts } from './prompts.js';
import { uploads } from './uploads.js';

export interface TelegramBotOptions extends CommandOptions {
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
}

export function createTelegramBot(options: TelegramBotOptions) {
  const { core, logger } = options;
  const desk = new ChannelUseCases(core, PLATFORM, { ...(options.clock ? { clock: options.clock } : {}), ...(options.promptTtlMs ? { promptTtlMs: options.promptTtlMs } : {}) });
  // The lower of the two binds, and the refusal names the one that did.
  const botApiCap = options.maxDownloadBytes ?? 20 * 1024 * 1024;
  const serviceCap = options.maxUploadBytes ?? core.config.maxUploadBytes;
  const limit: UploadLimit = botApiCap < serviceCap ? { bytes: botApiCap, by: 'telegram' } : { bytes: serviceCap, by: 'service' };

  const bot = new Telegraf<BotContext>(options.token, {
    telegram: { ...(options.apiRoot ? { apiRoot: options.apiRoot } : {}), webhookReply: false },
    handlerTimeout: 60_000,
  });

  // Each update once: a webhook retry or a replayed update is dropped here, not even answered
  // (the first handling answers this same callback query, and an empty answer racing it would
  // swallow its "Tercatat" or its refusal).
  bot.use(async (ctx, next) => {
    const id = String(ctx.update.update_id);
    if (!(await desk.once(id, next))) logger.info({ updateId: id }, 'update sudah diproses; diabaikan');
  });
  bot.use(turns(desk));
  bot.use(errorBoundary());

  const upload = uploads({ logger, limit, allowedExtensions: options.allowedExtensions ?? DEFAULT_ALLOWED_EXTENSIONS });
  bot.use(commands(options));
  bot.use(presses(upload.storeUpload));
  bot.use(prompts());
  bot.use(upload.composer);

  bot.catch(async (err, ctx) => {
    // Name the platform call that failed and where, so a 500 from Telegram can be traced.
    logger.error(
      { err: err instanceof Error ? { message: err.message, stack: err.stack } : String(err), method: failedMethod(err), chatId: ctx.chat?.id, updateId: ctx.update.update_id },
      'penanganan update Telegram gagal',
    );
    // A press was already told to try again by its turn; a message is told here.
    if (!ctx.callbackQuery && ctx.chat) await ctx.reply(TG.internalError).catch(() => {});
  });

  return { bot, desk };
}
