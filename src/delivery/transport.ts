/**
 * What a platform adapter gives the dispatcher. The dispatcher knows nothing of rendering:
 * it hands over the row as it is and records what comes back.
 */

export type Platform = 'telegram' | 'slack';

export interface DeliveryMessage {
  /** The delivery's outbox id. */
  id: number;
  /** Stable across retries: a platform that supports idempotency keys can pass it on. */
  dedupeKey: string;
  kind: string;
  role: string | null;
  caseId: number | null;
  taskId: number | null;
  payload: Record<string, unknown>;
  platform: Platform;
  chatId: string;
  /** Forum topic (Telegram) or thread; null for the chat itself. */
  threadId: string | null;
  /** For edits: the messageRef returned when the edited message was sent. */
  targetRef: Record<string, unknown> | null;
  /** 1 for the first try. */
  attempt: number;
}

export interface TransportLimits {
  /** All chats together (Telegram: about 30 per second per bot). */
  globalPerSecond?: number;
  /** One chat (Telegram groups: 20 per minute). */
  perChatPerMinute?: number;
}

export interface Transport {
  platform: Platform;
  limits?: TransportLimits;
  /**
   * Sends or edits. Must give up (throw) well within the dispatcher's lease; anything thrown
   * that is not a DeliveryError counts as a transient failure (network).
   */
  deliver(message: DeliveryMessage): Promise<{ messageRef: Record<string, unknown> | null }>;
}

export interface DeliveryErrorOptions {
  /** The server's retry_after (429): the row waits exactly this long. */
  retryAfterSeconds?: number;
  /** 'platform' when the limit is on the whole bot/app: the dispatcher pauses the platform too. */
  scope?: 'chat' | 'platform';
  /** Will never succeed (400 chat not found, bot kicked): dead at once. */
  permanent?: boolean;
  /** HTTP status or the platform's error code, for the logs. */
  status?: number;
  /** The platform method that failed (sendMessage, chat.update), for the logs. */
  method?: string;
  cause?: unknown;
}

/** A failed delivery, classified by the transport. Without options: transient (5xx), retried with backoff. */
export class DeliveryError extends Error {
  readonly retryAfterSeconds?: number;
  readonly scope: 'chat' | 'platform';
  readonly permanent: boolean;
  readonly status?: number;
  readonly method?: string;

  constructor(message: string, options: DeliveryErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'DeliveryError';
    if (options.retryAfterSeconds !== undefined) this.retryAfterSeconds = options.retryAfterSeconds;
    this.scope = options.scope ?? 'chat';
    this.permanent = options.permanent ?? false;
    if (options.status !== undefined) this.status = options.status;
    if (options.method !== undefined) this.method = options.method;
  }
}
