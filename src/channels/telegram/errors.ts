import { TelegramError } from 'telegraf';

/** The Bot API method a TelegramError came from (telegraf keeps it in `on`, typed as {}), for the logs. */
export function failedMethod(e: unknown): string | undefined {
  if (!(e instanceof TelegramError)) return undefined;
  const method = (e.on as { method?: unknown } | undefined)?.method;
  return typeof method === 'string' ? method : undefined;
}
