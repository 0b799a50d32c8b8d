/**
 * Pushes queued updates to the bot's webhook, one at a time and in order, retrying failed
 * deliveries a few times with a growing pause, like Telegram (only much faster).
 */
import { request } from 'node:http';
import type { UpdateQueue } from './updates.js';
import type { TgUpdate, WebhookDelivery } from './types.js';

export interface WebhookConfig {
  url: string;
  secretToken?: string;
  maxConnections: number;
  allowedUpdates?: string[];
  ipAddress?: string;
}

export interface WebhookOptions {
  /** Total delivery attempts per update before it is dropped. */
  attempts: number;
  /** Pause before the first retry; doubles each time. */
  retryDelayMs: number;
  timeoutMs: number;
  /** Maps the registered url to where the fake actually posts (e.g. https://bot.example → local server). */
  resolveUrl?: (url: string) => string;
}

export interface WebhookHost {
  queue: UpdateQueue;
  nowSeconds(): number;
  now(): number;
  isDown(): boolean;
  deliveries: WebhookDelivery[];
  /** Runs a method the bot returned in its webhook response body. */
  onReply(contentType: string | undefined, body: Buffer): Promise<void>;
}

interface PostOutcome {
  status?: number;
  contentType?: string;
  body?: Buffer;
  error?: string;
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

export class WebhookDeliverer {
  config: WebhookConfig | undefined;
  lastError: { date: number; message: string } | undefined;
  private running = false;
  private closed = false;
  private attempts = new WeakMap<TgUpdate, number>();
  private requests = new AbortController();
  private pause = new AbortController();

  constructor(
    private readonly host: WebhookHost,
    private readonly options: WebhookOptions,
  ) {
    host.queue.onEnqueue(() => this.kick());
  }

  set(config: WebhookConfig | undefined): void {
    this.config = config;
    if (!config) this.lastError = undefined;
    // A new registration should not wait out a retry pause meant for the old one.
    this.pause.abort();
    this.pause = new AbortController();
    this.kick();
  }

  close(): void {
    this.closed = true;
    this.requests.abort();
    this.pause.abort();
  }

  reset(): void {
    this.set(undefined);
  }

  kick(): void {
    if (!this.running && this.config && !this.closed && !this.host.isDown()) void this.loop();
  }

  private async loop(): Promise<void> {
    this.running = true;
    try {
      for (;;) {
        const config = this.config;
        if (!config || this.closed || this.host.isDown()) return;
        const update = this.host.queue.first();
        if (!update) return;
        const attempt = (this.attempts.get(update) ?? 0) + 1;
        this.attempts.set(update, attempt);

        const target = this.options.resolveUrl ? this.options.resolveUrl(config.url) : config.url;
        const outcome = await this.post(target, config.secretToken, update);
        if (this.closed) return;

        const delivery: WebhookDelivery = {
          update_id: update.update_id,
          url: target,
          attempt,
          time: this.host.now(),
          ...(outcome.status !== undefined ? { status: outcome.status } : {}),
          ...(outcome.error !== undefined ? { error: outcome.error } : {}),
        };
        this.host.deliveries.push(delivery);

        if (outcome.status !== undefined && outcome.status >= 200 && outcome.status < 300) {
          this.host.queue.remove(update);
          if (outcome.body && outcome.body.length > 0) {
            await this.host.onReply(outcome.contentType, outcome.body).catch(() => undefined);
          }
          continue;
        }

        this.lastError = { date: this.host.nowSeconds(), message: outcome.error ?? 'Wrong response from the webhook' };
        if (attempt >= this.options.attempts) {
          delivery.dropped = true;
          this.host.queue.remove(update);
          continue;
        }
        await sleep(this.options.retryDelayMs * 2 ** (attempt - 1), this.pause.signal);
      }
    } finally {
      this.running = false;
    }
  }

  private post(target: string, secretToken: string | undefined, update: TgUpdate): Promise<PostOutcome> {
    let url: URL;
    try {
      url = new URL(target);
    } catch {
      return Promise.resolve({ error: `Bad webhook url: ${target}` });
    }
    // The fake must never reach beyond this machine, whatever url the bot registers.
    if (url.protocol !== 'http:' || !LOOPBACK_HOSTS.has(url.hostname)) {
      return Promise.resolve({
        error: `fake-telegram only delivers to http://127.0.0.1 or localhost (got ${target}); pass resolveWebhookUrl to map it`,
      });
    }
    const payload = Buffer.from(JSON.stringify(update));
    return new Promise((resolve) => {
      const req = request(
        url,
        {
          method: 'POST',
          // A fresh connection per delivery, so no keep-alive socket outlives close().
          agent: false,
          signal: this.requests.signal,
          timeout: this.options.timeoutMs,
          headers: {
            'content-type': 'application/json',
            'content-length': payload.length,
            ...(secretToken ? { 'x-telegram-bot-api-secret-token': secretToken } : {}),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const status = res.statusCode ?? 0;
            resolve({
              status,
              contentType: res.headers['content-type'],
              body: Buffer.concat(chunks),
              ...(status < 200 || status >= 300
                ? { error: `Wrong response from the webhook: ${status} ${res.statusMessage ?? ''}`.trim() }
                : {}),
            });
          });
          res.on('error', (err) => resolve({ error: err.message }));
        },
      );
      req.on('timeout', () => req.destroy(new Error('Read timeout expired')));
      req.on('error', (err: NodeJS.ErrnoException) => {
        resolve({ error: err.code === 'ECONNREFUSED' ? 'Connection refused' : err.message });
      });
      req.end(payload);
    });
  }
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
