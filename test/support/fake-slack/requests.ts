/**
 * Slack's side of the app's HTTP endpoint: posts slash commands, interactivity payloads and
 * Events API callbacks to the running app, signed with the signing secret the way Slack signs
 * them (v0, HMAC-SHA256 over "v0:{timestamp}:{body}"), and measures how long the ack took.
 * Signatures can be forged, left out or made stale to test the app's refusals.
 */
import { createHmac } from 'node:crypto';

export type Tamper = 'forged' | 'stale' | 'missing' | 'wrong-secret';

export interface SendOptions {
  tamper?: Tamper;
  /** X-Slack-Retry-Num / X-Slack-Retry-Reason, as on Slack's redeliveries of an event. */
  retryNum?: number;
  retryReason?: string;
  /** Signs (validly) as of this Unix time in seconds: an old request replayed, or a sender whose clock runs ahead. */
  signedAt?: number;
  /** Headers sent instead of, or besides, the computed ones (a malformed timestamp or signature). */
  headers?: Record<string, string>;
}

export interface Delivery {
  kind: 'command' | 'interaction' | 'event' | 'raw';
  /** What it was about, for failure messages: "/sop daftar", "block_actions task:c", "event message". */
  what: string;
  status: number;
  /** The app's answer (the ack's payload); '' for an empty 200. */
  body: string;
  /** From the start of the request to the end of the answer. */
  ms: number;
  tamper?: Tamper;
  retryNum?: number;
  /** What was posted, exactly (signature and timestamp included), for replay(). */
  request: { body: string; headers: Record<string, string> };
}

export class SlackRequests {
  /** Every request sent, in order. */
  readonly deliveries: Delivery[] = [];

  constructor(
    readonly url: string,
    private readonly signingSecret: string,
    private readonly now: () => number = Date.now,
  ) {}

  command(fields: Record<string, string>, options: SendOptions = {}): Promise<Delivery> {
    return this.send('command', `${fields.command} ${fields.text?.split(' ')[0] ?? ''}`.trim(), new URLSearchParams(fields).toString(), 'application/x-www-form-urlencoded', options);
  }

  interaction(payload: Record<string, unknown>, options: SendOptions = {}): Promise<Delivery> {
    const what =
      payload.type === 'block_actions'
        ? `block_actions ${(payload.actions as { action_id: string }[])[0]?.action_id}`
        : `${String(payload.type)} ${(payload.view as { callback_id?: string } | undefined)?.callback_id ?? ''}`;
    const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
    return this.send('interaction', what, body, 'application/x-www-form-urlencoded', options);
  }

  event(envelope: Record<string, unknown>, options: SendOptions = {}): Promise<Delivery> {
    const what = `event ${(envelope.event as { type?: string } | undefined)?.type}`;
    return this.send('event', what, JSON.stringify(envelope), 'application/json', options);
  }

  /**
   * Posts a delivered request again, byte for byte with its signature and timestamp: what a
   * double submission or a replay by someone who saw the request looks like (valid for 5 min).
   */
  async replay(delivery: Delivery): Promise<Delivery> {
    const started = performance.now();
    const response = await fetch(this.url, { method: 'POST', headers: delivery.request.headers, body: delivery.request.body });
    const again: Delivery = { ...delivery, status: response.status, body: await response.text(), ms: performance.now() - started };
    this.deliveries.push(again);
    return again;
  }

  /** Any body, signed (or tampered) like the rest. */
  raw(body: string, contentType: string, options: SendOptions = {}): Promise<Delivery> {
    return this.send('raw', 'raw', body, contentType, options);
  }

  private async send(kind: Delivery['kind'], what: string, body: string, contentType: string, options: SendOptions): Promise<Delivery> {
    const seconds = options.signedAt ?? Math.floor(this.now() / 1000) - (options.tamper === 'stale' ? 5 * 60 + 30 : 0);
    const secret = options.tamper === 'wrong-secret' ? `${this.signingSecret}x` : this.signingSecret;
    let signature = `v0=${createHmac('sha256', secret).update(`v0:${seconds}:${body}`).digest('hex')}`;
    if (options.tamper === 'forged') signature = `v0=${'0'.repeat(64)}`;
    const headers: Record<string, string> = { 'content-type': contentType };
    if (options.tamper !== 'missing') {
      headers['x-slack-request-timestamp'] = String(seconds);
      headers['x-slack-signature'] = signature;
    }
    if (options.retryNum !== undefined) {
      headers['x-slack-retry-num'] = String(options.retryNum);
      headers['x-slack-retry-reason'] = options.retryReason ?? 'http_timeout';
    }
    Object.assign(headers, options.headers);
    const started = performance.now();
    const response = await fetch(this.url, { method: 'POST', headers, body });
    const text = await response.text();
    const delivery: Delivery = {
      kind,
      what,
      status: response.status,
      body: text,
      ms: performance.now() - started,
      request: { body, headers },
      ...(options.tamper ? { tamper: options.tamper } : {}),
      ...(options.retryNum !== undefined ? { retryNum: options.retryNum } : {}),
    };
    this.deliveries.push(delivery);
    return delivery;
  }
}
