/**
 * Bolt's receiver for HTTP mode, fed from a route on the service's own HTTP server instead of
 * a server of Bolt's. Every request is checked before anything is parsed or processed: a v0
 * signature with the signing secret over a timestamp at most five minutes old, else 401.
 *
 * Slack gives an interaction three seconds. The HTTP response goes out the moment a handler
 * calls ack(); the handler's work goes on after it, tracked so stop() can wait for it.
 */
import type { App, Receiver, ReceiverEvent } from '@slack/bolt';
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBody, tooLarge } from '../../http/server.js';
import type { Logger } from '../../logging.js';

export const SLACK_EVENTS_PATH = '/slack/events';

/** Slack's replay window for signed requests. */
const MAX_AGE_SECONDS = 5 * 60;
/** Slack's payloads are small; anything far larger is not from Slack. */
const MAX_BODY_BYTES = 1024 * 1024;

export interface ServiceReceiverOptions {
  signingSecret: string;
  logger: Logger;
  clock?: () => Date;
  /**
   * If a handler has not acknowledged by then, answer 200 anyway: late is worse than empty
   * (Slack shows the user an error after 3 s). Handlers ack first, so this is a safety net.
   */
  ackDeadlineMs?: number;
}

export type SignatureCheck = { ok: true } | { ok: false; reason: 'missing' | 'stale' | 'mismatch' };

/** Slack's v0 request signature: HMAC-SHA256 of "v0:{timestamp}:{raw body}" with the signing secret. */
export function verifySlackSignature(
  secret: string,
  headers: { signature: string | undefined; timestamp: string | undefined },
  rawBody: Buffer,
  now: Date,
): SignatureCheck {
  const { signature, timestamp } = headers;
  if (!signature || !timestamp || !/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: 'missing' };
  if (Math.abs(now.getTime() / 1000 - Number(timestamp)) > MAX_AGE_SECONDS) return { ok: false, reason: 'stale' };
  const expected = Buffer.from(`v0=${createHmac('sha256', secret).update(`v0:${timestamp}:`).update(rawBody).digest('hex')}`);
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'mismatch' };
  return { ok: true };
}

export class ServiceReceiver implements Receiver {
  private app: App | undefined;
  private readonly inFlight = new Set<Promise<unknown>>();
  private stopping = false;
  private readonly clock: () => Date;
  private readonly ackDeadlineMs: number;

  constructor(private readonly options: ServiceReceiverOptions) {
    this.clock = options.clock ?? (() => new Date());
    this.ackDeadlineMs = options.ackDeadlineMs ?? 2_500;
  }

  init(app: App): void {
    this.app = app;
  }

  /** The route is mounted on the service's server by the channel; nothing to listen on here. */
  async start(): Promise<void> {}

  /** Takes no more requests and waits for handlers still working after their ack, so the database outlives them. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.settled();
  }

  /** Resolves when no request is being handled (acked or not). */
  async settled(): Promise<void> {
    while (this.inFlight.size) await Promise.allSettled([...this.inFlight]);
  }

  /** The HTTP route; its promise ends when the request's work does (the answer goes out at the ack). */
  readonly route = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const handling = this.handle(req, res);
    this.inFlight.add(handling);
    try {
      await handling;
    } finally {
      this.inFlight.delete(handling);
    }
  };

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'POST') {
      req.resume();
      return void res.writeHead(405, { allow: 'POST' }).end();
    }
    if (this.stopping) {
      // Shutting down: Slack redelivers events later (to this replica restarted, or another).
      req.resume();
      return void res.writeHead(503, { 'retry-after': '1' }).end();
    }
    let raw: Buffer;
    try {
      raw = await readBody(req, MAX_BODY_BYTES);
    } catch {
      return void tooLarge(req, res);
    }
    const check = verifySlackSignature(
      this.options.signingSecret,
      { signature: header(req, 'x-slack-signature'), timestamp: header(req, 'x-slack-request-timestamp') },
      raw,
      this.clock(),
    );
    if (!check.ok) {
      this.options.logger.warn({ reason: check.reason }, 'permintaan Slack ditolak: tanda tangan tidak sah');
      return void res.writeHead(401, { 'content-type': 'text/plain' }).end('unauthorized');
    }

      let body: Record<string, unknown>;
    try {
      body = parseBody(raw, header(req, 'content-type') ?? '');
    } catch {
      return void res.writeHead(400).end();
    }
    if (body.ssl_check) return void res.writeHead(200).end();
    if (body.type === 'url_verification') {
      return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ challenge: body.challenge }));
    }

    let acked = false;
    const respond = (response?: unknown) => {
      if (acked || res.writableEnded) return;
      acked = true;
      clearTimeout(deadline);
      if (response === undefined || response === '') res.writeHead(200).end();
      else if (typeof response === 'string') res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }).end(response);
      else res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(response));
    };
    const deadline = setTimeout(() => {
      if (acked) return;
      this.options.logger.warn({ type: kindOf(body) }, 'Slack: handler belum ack setelah batas waktu; dijawab 200');
      respond();
    }, this.ackDeadlineMs);

    const retryNum = Number(header(req, 'x-slack-retry-num') ?? NaN);
    const event: ReceiverEvent = {
      body,
      ack: async (response?: unknown) => respond(response),
      ...(Number.isInteger(retryNum) ? { retryNum } : {}),
      ...(header(req, 'x-slack-retry-reason') ? { retryReason: header(req, 'x-slack-retry-reason') } : {}),
    };
    try {
      await this.app!.processEvent(event);
    } catch (e) {
      this.options.logger.error({ err: e instanceof Error ? { message: e.message, stack: e.stack } : String(e), type: kindOf(body) }, 'Slack: penanganan gagal');
    } finally {
      // Nothing listened (an event type the app does not use): Slack still wants its 200.
      respond();
    }
  }
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** Events come as JSON; slash commands as a form; interactivity as a form with a JSON `payload`. */
function parseBody(raw: Buffer, contentType: string): Record<string, unknown> {
  const text = raw.toString('utf8');
  const object = (value: unknown) => {
    // `null`, a number or a list is JSON, but no Slack payload: 400, not a crash in a handler.
    if (!value || typeof value !== 'object' || Array.isArray(value)) throw new Error('not a JSON object');
    return value as Record<string, unknown>;
  };
  if (contentType.includes('application/json')) return object(JSON.parse(text));
  const form = Object.fromEntries(new URLSearchParams(text));
  if (typeof form.payload === 'string') return object(JSON.parse(form.payload));
  return form;
}

function kindOf(body: Record<string, unknown>): string {
  if (typeof body.command === 'string') return `command ${body.command}`;
  if (body.type === 'event_callback') return `event ${(body.event as { type?: string } | undefined)?.type}`;
  return String(body.type ?? 'unknown');
}
