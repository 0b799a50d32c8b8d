/**
 * Turns the Telegram channel on: the bot (long polling, or a webhook behind the service's
 * HTTP server with a secret token) and its transport for the outbox dispatcher.
 */
import { timingSafeEqual } from 'node:crypto';
import type { Core } from '../../bootstrap.js';
import type { FileRenderer } from '../../delivery/files.js';
import type { Transport, TransportLimits } from '../../delivery/transport.js';
import { BodyTooLargeError, readBody, tooLarge, type HttpServer } from '../../http/server.js';
import type { Logger } from '../../logging.js';
import { TG } from '../../messages/id.js';
import { createTelegramBot, type TelegramBotOptions } from './bot.js';
import { telegramTransport } from './transport.js';

export interface TelegramChannelOptions extends Omit<TelegramBotOptions, 'core' | 'logger'> {
  /** Public https URL Telegram posts updates to; unset = long polling. */
  webhookUrl?: string;
  webhookSecret?: string;
  limits?: TransportLimits;
  /** Renders the files and pictures the outbox sends (src/channels/files.ts). */
  renderFile?: FileRenderer;
}

export interface TelegramChannel {
  transport: Transport;
  bot: ReturnType<typeof createTelegramBot>['bot'];
  /** The Bot API answered getMe (token valid, server reachable). */
  ready(): boolean;
  stop(): Promise<void>;
}


export async function startTelegram(options: TelegramChannelOptions, core: Core, logger: Logger, http?: HttpServer): Promise<TelegramChannel> {
  const { bot, desk } = createTelegramBot({ ...options, core, logger });
  const transport = telegramTransport(bot.telegram, desk, options.limits, options.renderFile);

  try {
    await bot.telegram.setMyCommands([...TG.commands]);
  } catch (e) {
    // The command menu is a convenience; the bot works without it.
    logger.warn({ err: e instanceof Error ? e.message : String(e) }, 'setMyCommands gagal; bot tetap berjalan');
  }

  try {
    bot.botInfo = await bot.telegram.getMe();
  } catch (e) {
    // Not fatal: polling retries by itself and /readyz says Telegram is not ready meanwhile.
    logger.error({ err: e instanceof Error ? e.message : String(e) }, 'Telegram getMe gagal');
  }

  if (options.webhookUrl) {
    if (!http) throw new Error('webhook mode needs the HTTP server');
    const secret = options.webhookSecret;
    if (!secret) throw new Error('TELEGRAM_WEBHOOK_SECRET is required with TELEGRAM_WEBHOOK_URL');
    const handle = bot.webhookCallback(new URL(options.webhookUrl).pathname);
    const expected = Buffer.from(secret);
    http.mount(new URL(options.webhookUrl).pathname, async (req, res) => {
      const given = Buffer.from(String(req.headers['x-telegram-bot-api-secret-token'] ?? ''));
      if (req.method !== 'POST' || given.length !== expected.length || !timingSafeEqual(given, expected)) {
        req.resume();
        res.writeHead(401, { 'content-type': 'text/plain' }).end('unauthorized');
        return;
      }
      // Read here, capped (a body past the cap is cut off with 413), not by telegraf, which buffers any size.
      let update: unknown;
      try {
        update = JSON.parse((await readBody(req)).toString('utf8'));
      } catch (e) {
        if (e instanceof BodyTooLargeError) return tooLarge(req, res);
        return void res.writeHead(415, { 'content-type': 'text/plain' }).end('not JSON');
      }
      // `null` or a number is JSON but no update: telegraf would fail on it with a 500.
      if (!update || typeof update !== 'object' || Array.isArray(update) || typeof (update as { update_id?: unknown }).update_id !== 'number') {
        return void res.writeHead(400, { 'content-type': 'text/plain' }).end('not a Telegram update');
      }
      (req as typeof req & { body?: unknown }).body = update;
      await handle(req, res);
    });
    await bot.telegram.setWebhook(options.webhookUrl, { secret_token: secret, allowed_updates: ['message', 'callback_query'] });
    logger.info({ url: options.webhookUrl }, 'Telegram: mode webhook');
    return {
      transport,
      bot,
      ready: () => bot.botInfo !== undefined,
      stop: async () => {},
    };
  }

  // launch() resolves only when polling stops; it must not be awaited here. A Bot API that is
  // unreachable at start (launch fails on getMe/deleteWebhook) is retried until it answers.
  let stopping = false;
  let wake: (() => void) | undefined;
  const polling = (async () => {
    while (!stopping) {
      try {
        await bot.launch({ allowedUpdates: ['message', 'callback_query'] });
        return;
      } catch (e) {
        if (stopping) return;
        logger.error({ err: e instanceof Error ? e.message : String(e) }, 'Telegram polling gagal dimulai; dicoba lagi dalam 5 detik');
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, 5000).unref();
        });
      }
    }
  })();
  logger.info('Telegram: mode long polling');
  return {
    transport,
    bot,
    ready: () => bot.botInfo !== undefined,
    stop: async () => {
      stopping = true;
      wake?.();
      try {
        bot.stop('shutdown');
      } catch {
        // Not polling (start never succeeded): nothing to stop.
      }
      await polling;
    },
  };
}
