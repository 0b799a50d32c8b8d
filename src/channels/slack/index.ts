/**
 * Turns the Slack channel on: the Bolt app (HTTP mode on the service's own server, or Socket
 * Mode with an app token) and its transport for the outbox dispatcher.
 *
 * Start-up makes no network call that could hang: Bolt is given an authorize function instead
 * of a token, so it never calls auth.test itself. The app learns who it is (auth.test) and, in
 * Socket Mode, connects in the background, retrying while Slack is unreachable; Telegram and
 * the rest of the service run meanwhile.
 */
import { App } from '@slack/bolt';
import type { Core } from '../../bootstrap.js';
import type { FileRenderer } from '../../delivery/files.js';
import type { Transport, TransportLimits } from '../../delivery/transport.js';
import type { HttpServer } from '../../http/server.js';
import type { Logger } from '../../logging.js';
import { DEFAULT_ALLOWED_EXTENSIONS } from '../../storage/mime.js';
import { boltLogger, describeSlackError, slackClient, slackClientOptions } from './api.js';
import { registerHandlers } from './bot.js';
import { slackContext, type SlackIdentity } from './context.js';
import { SLACK_EVENTS_PATH, ServiceReceiver } from './receiver.js';
import { SLACK_LIMITS, slackTransport } from './transport.js';

import type { SlackDeps } from './context.js';


export interface SlackChannelOptions {
  botToken: string;
  /** HTTP mode: requests to /slack/events are verified with it. */
  signingSecret?: string;
  /** Socket Mode (no public URL) when there is no signing secret. */
  appToken?: string;
  apiUrl?: string;
  limits?: TransportLimits;
  maxUploadBytes?: number;
  /** Slack's file host; the bot token is sent nowhere else (default https://files.slack.com). */
  filesOrigin?: string;
  allowedExtensions?: string[];
  /** How long the "which document is this?" question waits for its answer. */
  promptTtlMs?: number;
  clock?: () => Date;
  digest?: SlackDeps['digest'];
  /** Renders the files and pictures the outbox sends (src/channels/files.ts). */
  renderFile?: FileRenderer;
  /** Pauses between attempts to reach Slack at start: doubling from first to max. */
  retry?: { firstMs?: number; maxMs?: number };
}

export interface SlackChannel {
  transport: Transport;
  app: App;
  mode: 'http' | 'socket';
  identity: SlackIdentity;
  /** Slack answered auth.test (token valid, API reachable) and, in Socket Mode, the socket is up. */
  ready(): boolean;
  /** HTTP mode: resolves when every request received so far has been handled to the end. */
  settled(): Promise<void>;
  stop(): Promise<void>;
}

export async function startSlack(options: SlackChannelOptions, core: Core, logger: Logger, http?: HttpServer): Promise<SlackChannel> {
  const identity: SlackIdentity = {};
  const api = slackClient({ token: options.botToken, apiUrl: options.apiUrl, logger, mode: 'interactive' });
  const delivery = slackClient({ token: options.botToken, apiUrl: options.apiUrl, logger, mode: 'delivery' });
  const clock = options.clock ?? (() => new Date());

  const receiver = options.signingSecret ? new ServiceReceiver({ signingSecret: options.signingSecret, logger, clock }) : undefined;
  if (!receiver && !options.appToken) throw new Error('Slack needs a signing secret (HTTP mode) or an app token (Socket Mode)');
  const app = new App({
    authorize: async () => ({ botToken: options.botToken, botId: identity.botId, botUserId: identity.botUserId }),
    ...(receiver ? { receiver } : { socketMode: true, appToken: options.appToken }),
    logger: boltLogger(logger),
    clientOptions: slackClientOptions({ apiUrl: options.apiUrl, logger, mode: 'interactive' }),
    convoStore: false,
    extendedErrorHandler: true,
  });
  const context = slackContext({
      core,
      logger,
      api,
      botToken: options.botToken,
      clock,
      identity,
      maxUploadBytes: options.maxUploadBytes ?? core.config.maxUploadBytes,
      filesOrigin: options.filesOrigin ?? 'https://files.slack.com',
      allowedExtensions: options.allowedExtensions ?? DEFAULT_ALLOWED_EXTENSIONS,
      promptTtlMs: options.promptTtlMs ?? 10 * 60 * 1000,
      ...(options.digest ? { digest: options.digest } : {}),
  });
  registerHandlers(app, context);
  if (receiver) {
    if (!http) throw new Error('Slack HTTP mode needs the HTTP server');
    http.mount(SLACK_EVENTS_PATH, receiver.route);
  }

  const background = new Background(logger, options.retry);
  let socketUp = false;
  void background.untilDone('auth.test', async () => {
    const me = await api.auth.test();
    Object.assign(identity, { botUserId: me.user_id, botId: me.bot_id, teamId: me.team_id });
    logger.info({ team: me.team, botUserId: me.user_id }, 'Slack: terhubung');
  });
  if (!receiver) {
    void background.untilDone('socket mode', async () => {
      await app.start();
      socketUp = true;
    });
  }
  logger.info({ mode: receiver ? 'http' : 'socket', path: receiver ? SLACK_EVENTS_PATH : undefined }, 'Slack: aktif');

  return {
    transport: slackTransport(delivery, context.desk, options.limits ?? SLACK_LIMITS, options.renderFile),
    app,
    mode: receiver ? 'http' : 'socket',
    identity,
    ready: () => identity.botUserId !== undefined && (receiver !== undefined || socketUp),
    settled: async () => receiver?.settled(),
    stop: async () => {
      background.stop();
      if (receiver) await receiver.stop();
      // Not awaiting a connection attempt: the socket client's own reconnect wait never ends once stopped.
      else await app.stop().catch(() => {});
    },
  };
}

/** Tries a start-up call until it works or the channel stops, logging each failure once. */
class Background {
  private stopped = false;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly wakers = new Set<() => void>();

  constructor(
    private readonly logger: Logger,
    private readonly retry: { firstMs?: number; maxMs?: number } = {},
  ) {}

  untilDone(what: string, task: () => Promise<void>): Promise<void> {
    return (async () => {
      let pause = this.retry.firstMs ?? 1_000;
      for (let attempt = 1; !this.stopped; attempt++) {
        try {
          await task();
          return;
        } catch (e) {
          this.logger.warn({ err: describeSlackError(e), attempt, retryInMs: pause }, `Slack belum bisa dihubungi (${what}); dicoba lagi`);
        }
        await this.sleep(pause);
        pause = Math.min(pause * 2, this.retry.maxMs ?? 60_000);
      }
    })();
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    for (const wake of this.wakers) wake();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.timers.delete(timer);
        this.wakers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      timer.unref();
      this.timers.add(timer);
      this.wakers.add(done);
    });
  }
}
