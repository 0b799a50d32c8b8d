/**
 * Fake Telegram Bot API for end-to-end tests. See fake-telegram/server.ts for the model.
 *
 *   const tg = await startFakeTelegram();
 *   const bot = new Telegraf(tg.token, { telegram: { apiRoot: tg.apiRoot, webhookReply: false } });
 *   ...
 *   await tg.close();
 */
import { FakeTelegram, type FakeTelegramOptions } from './fake-telegram/server.js';

export function startFakeTelegram(options: FakeTelegramOptions = {}): Promise<FakeTelegram> {
  return FakeTelegram.listen(options);
}

export { FakeTelegram };
export type { FakeTelegramOptions } from './fake-telegram/server.js';
export type * from './fake-telegram/types.js';
