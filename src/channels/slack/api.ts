/**
 * The Slack Web API client as this service uses it, a pino bridge for Bolt's logger, and the
 * classification of Slack's errors.
 */
import { LogLevel, webApi } from '@slack/bolt';
import type { Logger } from '../../logging.js';

export type WebClient = webApi.WebClient;

export interface SlackApiOptions {
  token: string;
  /** Another Web API address (the tests' fake); Slack's own by default. */
  apiUrl?: string;
  logger: Logger;
  /**
   * 'interactive': a couple of quick retries, so a click still gets its answer after a hiccup.
   * 'delivery': no retries and 429 thrown at once; the outbox dispatcher owns both.
   */
  mode: 'interactive' | 'delivery';
}

export function slackClient(options: SlackApiOptions): WebClient {
  return new webApi.WebClient(options.token, slackClientOptions(options));
}

export function slackClientOptions(options: Omit<SlackApiOptions, 'token'>): webApi.WebClientOptions {
  const base = options.apiUrl ? { slackApiUrl: options.apiUrl.endsWith('/') ? options.apiUrl : `${options.apiUrl}/` } : {};
  return {
    ...base,
    logger: boltLogger(options.logger),
    timeout: 15_000,
    ...(options.mode === 'delivery'
      ? { retryConfig: { retries: 0 }, rejectRateLimitedCalls: true }
      : { retryConfig: { retries: 2, factor: 2, minTimeout: 200, maxTimeout: 2_000 } }),
  };
}

/**
 * Bolt and the Web API client log through this. Their debug output can carry request bodies,
 * so it is dropped; their info (routine chatter) becomes pino's debug.
 */
export function boltLogger(logger: Logger): import('@slack/bolt').Logger {
  const text = (msg: unknown[]) => msg.map((m) => (m instanceof Error ? m.message : typeof m === 'string' ? m : JSON.stringify(m))).join(' ');
  return {
    debug: () => {},
    // Their words are English; the line stays in the service's language, with theirs as detail.
    info: (...msg: unknown[]) => logger.debug({ source: 'slack', detail: text(msg) }, 'pesan dari pustaka Slack'),
    warn: (...msg: unknown[]) => logger.warn({ source: 'slack', detail: text(msg) }, 'peringatan dari pustaka Slack'),
    error: (...msg: unknown[]) => logger.error({ source: 'slack', detail: text(msg) }, 'galat dari pustaka Slack'),
    setLevel: () => {},
    getLevel: () => LogLevel.INFO,
    setName: () => {},
  };
}

/** The `error` string of a Slack API refusal ("channel_not_found"), if that is what `e` is. */
export function platformError(e: unknown): string | undefined {
  return e instanceof webApi.WebAPIPlatformError ? e.data.error : undefined;
}

export function describeSlackError(e: unknown): string {
  const code = platformError(e);
  if (code) return `slack: ${code}`;
  return e instanceof Error ? e.message : String(e);
}
