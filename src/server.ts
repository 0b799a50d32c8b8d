/**
 * The running service, as one object: database and catalog, HTTP (health, webhooks), the
 * chat channels that are configured, and the outbox dispatcher. `main.ts` starts it from the
 * environment; end-to-end tests start it against fake platform servers.
 */
import { openCore, type Core } from './bootstrap.js';
import type { SlackChannel } from './channels/slack/index.js';
import type { TelegramChannel } from './channels/telegram/index.js';
import { fileRenderer } from './channels/files.js';
import type { Config } from './config.js';
import { startAdminSocket, type AdminSocket } from './db/embedded/admin-socket.js';
import { OutboxDispatcher, type DispatcherOptions } from './delivery/dispatcher.js';
import type { Transport } from './delivery/transport.js';
import { databaseHealth } from './db/database.js';
import { startHttpServer, type HttpServer, type Readiness } from './http/server.js';
import { Metrics } from './metrics.js';
import type { Logger } from './logging.js';
import { Scheduler } from './schedule/scheduler.js';

export interface RunningService {
  core: Core;
  http: HttpServer;
  telegram: TelegramChannel | undefined;
  slack: SlackChannel | undefined;
  metrics: Metrics;
  dispatcher: OutboxDispatcher;
  scheduler: Scheduler;
  stop(): Promise<void>;
}

export interface StartOptions {
  clock?: () => Date;
  /** An already open core (tests); otherwise opened from the config. */
  core?: Core;
  dispatcher?: Partial<Omit<DispatcherOptions, 'db' | 'transports'>> & { intervalMs?: number };
  /** Tests drive the scheduler by hand (scheduler.tick) instead of by cron. */
  startScheduler?: boolean;
  host?: string;
}

export async function startService(config: Config, logger: Logger, options: StartOptions = {}): Promise<RunningService> {
  // What has started so far, stopped in reverse order if a later part fails to start.
  const started: { name: string; stop: () => Promise<void> }[] = [];
  try {
    return await startParts(config, logger, options, started);
  } catch (e) {
    for (const part of started.reverse()) {
      await part.stop().catch((err: unknown) => logger.error({ err: err instanceof Error ? err.message : String(err), part: part.name }, 'gagal menghentikan bagian layanan setelah start gagal'));
    }
    throw e;
  }
}

async function startParts(
  config: Config,
  logger: Logger,
  options: StartOptions,
  started: { name: string; stop: () => Promise<void> }[],
): Promise<RunningService> {
  const core = options.core ?? (await openCore(config, { clock: options.clock, role: 'service' }));
  if (!options.core) started.push({ name: 'database', stop: () => core.close() });
  for (const f of core.catalogFailures) {
    logger.error({ file: f.file, errors: f.errors.map((e) => e.message) }, 'definisi SOP tidak dimuat');
  }
  const metrics = new Metrics(core.database.db);
  core.service.observe = (action, seconds, outcome) => metrics.actionSeconds.observe({ action, outcome }, seconds);
  // Filled in as channels start; /readyz reports each by name.
  const channelReadiness: Record<string, () => boolean> = {};
  const http = await startHttpServer({
    port: config.port,
    host: options.host ?? config.host,
    ...(config.metrics.token ? { metricsToken: config.metrics.token } : {}),
    ...(config.metrics.port !== undefined ? { metricsListener: { port: config.metrics.port, host: options.host ?? config.metrics.host } } : {}),
    ready: async () => {
      const health = await databaseHealth(core.database.db);
      const parts: Readiness = { database: health.reachable, migrations: health.migrated };
      for (const [name, ready] of Object.entries(channelReadiness)) parts[name] = ready();
      return parts;
    },
    metrics: () => metrics.render(),
  });
  started.push({ name: 'http', stop: () => http.close() });

  const scheduler = new Scheduler({
    db: core.database.db,
    service: core.service,
    logger,
    clock: options.clock,
    reminders: config.scheduler.reminders,
    escalationChain: config.scheduler.escalationChain,
    digest: config.scheduler.digest,
    cron: config.scheduler.cron,
    reportRule: config.report.rule,
    observe: (job, seconds) => metrics.cronSeconds.observe({ job }, seconds),
  });
  // Files and pictures the outbox sends (sheets, case pictures, reports, the digest's picture).
  const renderFile = fileRenderer({ core, digestPicture: (at) => scheduler.digestPicture(at), ...(options.clock ? { clock: options.clock } : {}) });
  const transports: Transport[] = [];
  let telegram: TelegramChannel | undefined;
  // Each channel's code (Slack's brings an HTTP framework of its own) loads only when configured:
  // tens of MB of resident memory on a small server otherwise (docs/performance.md, "Memory").
  if (config.telegram) {
    const { startTelegram } = await import('./channels/telegram/index.js');
    telegram = await startTelegram(
      {
        token: config.telegram.token,
        apiRoot: config.telegram.apiRoot,
        webhookUrl: config.telegram.webhookUrl,
        webhookSecret: config.telegram.webhookSecret,
        maxDownloadBytes: config.telegram.maxDownloadBytes,
        maxUploadBytes: config.maxUploadBytes,
        limits: config.telegram.limits,
        renderFile,
        digest: { role: config.scheduler.digest.role, build: (now) => scheduler.buildDigest(now) },
        allowedExtensions: config.allowedExtensions,
        clock: options.clock,
      },
      core,
      logger,
      http,
    );
    started.push({ name: 'telegram', stop: () => telegram!.stop() });
    transports.push(metrics.countDeliveries(telegram.transport));
    channelReadiness.telegram = telegram.ready;
  }
  let slack: SlackChannel | undefined;
  if (config.slack) {
    const { startSlack } = await import('./channels/slack/index.js');
    slack = await startSlack(
      {
        botToken: config.slack.botToken,
        signingSecret: config.slack.signingSecret,
        appToken: config.slack.appToken,
        apiUrl: config.slack.apiUrl,
        filesOrigin: config.slack.filesOrigin,
        maxUploadBytes: config.maxUploadBytes,
        limits: config.slack.limits,
        renderFile,
        allowedExtensions: config.allowedExtensions,
        clock: options.clock,
        digest: { role: config.scheduler.digest.role, build: (now) => scheduler.buildDigest(now) },
      },
      core,
      logger,
      http,
    );
    started.push({ name: 'slack', stop: () => slack!.stop() });
    transports.push(metrics.countDeliveries(slack.transport));
    channelReadiness.slack = slack.ready;
  }

  const { intervalMs = 1000, ...dispatcherOptions } = options.dispatcher ?? {};
  const dispatcher = new OutboxDispatcher({
    db: core.database.db,
    transports,
    logger,
    maxAttempts: config.dispatchMaxAttempts,
    ...(options.clock ? { now: options.clock } : {}),
    ...dispatcherOptions,
  });
  dispatcher.start({ intervalMs });
  started.push({ name: 'dispatcher', stop: () => dispatcher.stop() });

  if (options.startScheduler ?? true) scheduler.start();
  started.push({ name: 'scheduler', stop: () => scheduler.stop() });

  // The embedded database is this process's alone: the `sopbot` CLI's commands run here.
  let admin: AdminSocket | undefined;
  const lock = core.database.lock;
  if (lock) {
    admin = await startAdminSocket(lock, async (request, io) => {
      const { runCli } = await import('./cli/program.js');
      return runCli(request.argv, { core, out: io.out, err: io.err, cwd: request.cwd, user: request.user, clock: options.clock });
    });
    started.push({ name: 'admin socket', stop: () => admin!.close() });
  }

  logger.info(
    {
      database: core.database.driver,
      sops: core.service.catalog().map((s) => `${s.definition.id}@v${s.version}`),
      port: http.port,
      host: options.host ?? config.host,
      metricsPort: http.metricsPort,
      telegram: telegram ? (config.telegram?.webhookUrl ? 'webhook' : 'polling') : 'mati',
      slack: slack ? slack.mode : 'mati',
    },
    'SOP bot berjalan',
  );

  let stopped: Promise<void> | undefined;
  return {
    core,
    http,
    telegram,
    slack,
    metrics,
    dispatcher,
    scheduler,
    stop: () =>
      (stopped ??= (async () => {
        // First: a command already taken finishes on the open database, none is taken after.
        await admin?.close();
        await scheduler.stop();
        await telegram?.stop();
        await slack?.stop();
        await dispatcher.stop();
        await http.close();
        if (!options.core) await core.close();
      })()),
  };
}
