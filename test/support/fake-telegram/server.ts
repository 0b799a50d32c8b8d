/**
 * A fake Telegram Bot API server on loopback for end-to-end tests: real HTTP, real long
 * polling and webhook delivery, a small model of chats, and knobs for failures.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BodyError, MAX_UPLOAD_BYTES, mimeFromFilename, parseParams, readBody } from './body.js';
import { ApiError, Interrupt, defaultDescription, tooManyRequests } from './errors.js';
import { detectUserEntities } from './formatting.js';
import { buildMethods, makePhotoSizes, type Core, type MethodHandler } from './methods.js';
import { World, type ChatRef, type MessageRef, type StoredChat, type StoredFile, type StoredMessage, type UserRef } from './model.js';
import { UpdateQueue } from './updates.js';
import { WebhookDeliverer, sleep } from './webhook.js';
import type {
  CallbackAnswer,
  EditRecord,
  FaultSpec,
  MemberStatus,
  RateLimits,
  RecordedCall,
  TgCallbackQuery,
  TgChat,
  TgEntity,
  TgMessage,
  TgUpdate,
  TgUser,
  WebhookDelivery,
} from './types.js';

export interface FakeTelegramOptions {
  /** Bot token; the part before ':' becomes the bot's user id. */
  token?: string;
  /** 0 (default) picks a free port. */
  port?: number;
  botUsername?: string;
  botName?: string;
  /**
   * Group privacy mode: when on, a bot that is not a group admin only gets commands, replies to
   * its own messages and mentions. Off by default so tests see every group message.
   */
  privacyMode?: boolean;
  firstUpdateId?: number;
  /** Answering a callback query later than this fails with "query is too old". Off by default. */
  callbackQueryTtlMs?: number;
  webhook?: {
    /** Delivery attempts per update before it is dropped (default 4). */
    attempts?: number;
    /** Pause before the first retry, doubling after each failure (default 50 ms). */
    retryDelayMs?: number;
    /** How long the bot may take to answer a delivery (default 10 s). */
    timeoutMs?: number;
  };
  /** Maps the url given to setWebhook to the local address the fake should post to. */
  resolveWebhookUrl?: (url: string) => string;
  /** Clock in ms, for message dates, rate limits and records. */
  now?: () => number;
}

export type OutageMode = 'bad-gateway' | 'reset';

export interface UserSendOptions {
  replyTo?: MessageRef;
  threadId?: number;
  /** Extra entities on top of the bot_command/mention ones detected in the text. */
  entities?: TgEntity[];
}

export interface UserUploadOptions {
  fileName: string;
  mimeType?: string;
  bytes: Buffer | Uint8Array | string;
  caption?: string;
  replyTo?: MessageRef;
  threadId?: number;
  /** Send as a compressed photo (PhotoSize[]) instead of a document. */
  asPhoto?: boolean;
  /** Reported file size, to fake huge files (getFile > 20 MB) without allocating them. */
  fileSize?: number;
  width?: number;
  height?: number;
}

export interface AddGroupOptions {
  title: string;
  forum?: boolean;
  type?: 'group' | 'supergroup';
  username?: string;
  /** The bot's own membership (default 'member'). */
  botStatus?: MemberStatus;
  creator?: UserRef;
  admins?: UserRef[];
  members?: UserRef[];
}

/** Methods that post or change messages, which is what Telegram's flood limits count. */
const RATE_LIMITED = new Set([
  'sendmessage',
  'senddocument',
  'sendphoto',
  'sendmediagroup',
  'copymessage',
  'forwardmessage',
  'editmessagetext',
  'editmessagecaption',
  'editmessagereplymarkup',
]);

const DEFAULT_TOKEN = '123456789:AAFakeTokenForEndToEndTests_abcdefgh';

export class FakeTelegram {
  readonly token: string;
  readonly apiRoot: string;
  readonly port: number;
  /** The bot's own user, as getMe describes it. */
  readonly bot: TgUser;

  /** Every request in arrival order, including refused and faulted ones. */
  readonly calls: RecordedCall[] = [];
  readonly edits: EditRecord[] = [];
  readonly deletedMessages: Array<{ chatId: number; messageId: number; time: number }> = [];
  /** Answers by callback query id. */
  readonly callbackAnswers = new Map<string, CallbackAnswer>();
  readonly webhookDeliveries: WebhookDelivery[] = [];
  readonly downloads: Array<{ path: string; status: number; time: number }> = [];
  /** Exceptions thrown inside the fake itself (answered as 500); should stay empty. */
  readonly internalErrors: Error[] = [];

  private readonly world: World;
  private readonly queue: UpdateQueue;
  private readonly webhook: WebhookDeliverer;
  private readonly methods: Record<string, MethodHandler>;
  private readonly custom = new Map<string, (params: Record<string, unknown>, fake: FakeTelegram) => unknown>();
  private readonly callbackQueries = new Map<string, { query: TgCallbackQuery; createdAt: number }>();
  private readonly commands = new Map<string, unknown[]>();
  private readonly faults = new Map<string, FaultSpec[]>();
  private outage: { mode: OutageMode } | undefined;
  private outageTimer: NodeJS.Timeout | undefined;
  private rateLimits: RateLimits | undefined;
  private readonly chatSends = new Map<string, number[]>();
  private globalSends: number[] = [];
  private nextCallbackSeq = 1;
  private closed = false;
  private readonly shutdown = new AbortController();
  private readonly privacyMode: boolean;
  private readonly clock: () => number;

  private constructor(
    private readonly server: Server,
    port: number,
    options: FakeTelegramOptions,
  ) {
    this.token = options.token ?? DEFAULT_TOKEN;
    this.port = port;
    this.apiRoot = `http://127.0.0.1:${port}`;
    this.clock = options.now ?? Date.now;
    this.privacyMode = options.privacyMode ?? false;
    const botId = Number(this.token.split(':')[0]);
    this.bot = {
      id: Number.isSafeInteger(botId) && botId > 0 ? botId : 123456789,
      is_bot: true,
      first_name: options.botName ?? 'Fake Bot',
      username: options.botUsername ?? 'fake_test_bot',
    };
    this.world = new World(this.bot, () => this.nowSeconds());
    this.queue = new UpdateQueue(options.firstUpdateId ?? 100_000_001);
    this.webhook = new WebhookDeliverer(
      {
        queue: this.queue,
        now: () => this.now(),
        nowSeconds: () => this.nowSeconds(),
        isDown: () => this.outage !== undefined,
        deliveries: this.webhookDeliveries,
        onReply: (contentType, body) => this.runWebhookReply(contentType, body),
      },
      {
        attempts: options.webhook?.attempts ?? 4,
        retryDelayMs: options.webhook?.retryDelayMs ?? 50,
        timeoutMs: options.webhook?.timeoutMs ?? 10_000,
        ...(options.resolveWebhookUrl ? { resolveUrl: options.resolveWebhookUrl } : {}),
      },
    );
    const core: Core = {
      world: this.world,
      queue: this.queue,
      webhook: this.webhook,
      edits: this.edits,
      deletedMessages: this.deletedMessages,
      callbackQueries: this.callbackQueries,
      callbackAnswers: this.callbackAnswers,
      commands: this.commands,
      callbackQueryTtlMs: options.callbackQueryTtlMs,
      privacyMode: this.privacyMode,
      now: () => this.now(),
      nowSeconds: () => this.nowSeconds(),
    };
    this.methods = buildMethods(core, () => ({
      ...this.bot,
      can_join_groups: true,
      can_read_all_group_messages: !this.privacyMode,
      supports_inline_queries: false,
      can_connect_to_business: false,
      has_main_web_app: false,
    }));
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      this.onRequest(req, res).catch((err: unknown) => {
        this.internalErrors.push(err instanceof Error ? err : new Error(String(err)));
        if (!res.headersSent && !res.destroyed) sendJson(res, 500, { ok: false, error_code: 500, description: 'Internal Server Error' });
      });
    });
  }

  /** Internal: use startFakeTelegram(). */
  static async listen(options: FakeTelegramOptions = {}): Promise<FakeTelegram> {
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    return new FakeTelegram(server, (server.address() as AddressInfo).port, options);
  }

  now(): number {
    return this.clock();
  }

  private nowSeconds(): number {
    return Math.floor(this.clock() / 1000);
  }

  // =============================================================================================
  // Chats and users

  addUser(input: { first_name: string; last_name?: string; username?: string; language_code?: string }): TgUser {
    return this.world.addUser(input);
  }

  addGroup(input: AddGroupOptions): TgChat {
    const chat = this.world.addGroup(input);
    if (input.creator !== undefined) this.world.setMember(chat, input.creator, 'creator');
    for (const admin of input.admins ?? []) this.world.setMember(chat, admin, 'administrator');
    for (const member of input.members ?? []) this.world.setMember(chat, member, 'member');
    return chat;
  }

  /** The private chat a user opens by pressing Start; the bot can only write to users who did. */
  addPrivateChat(user: UserRef): TgChat {
    return this.world.addPrivateChat(user);
  }

  /** Creates a forum topic and returns its message_thread_id. */
  addTopic(chat: ChatRef, name: string): number {
    return this.world.addTopic(chat, name);
  }

  /** Sets anyone's membership, the bot's included (`fake.bot`), e.g. 'administrator' or 'kicked'. */
  setMember(chat: ChatRef, user: UserRef, status: MemberStatus, extra: Record<string, unknown> = {}): void {
    this.world.setMember(chat, user, status, extra);
  }

  /** Makes sends to the user's private chat fail with 403 "bot was blocked by the user". */
  blockBot(user: UserRef): void {
    this.world.chat(this.world.user(user).id).blockedBot = true;
  }

  unblockBot(user: UserRef): void {
    this.world.chat(this.world.user(user).id).blockedBot = false;
  }

  chat(chat: ChatRef): TgChat {
    return this.world.chat(chat).chat;
  }

  // =============================================================================================
  // Users acting

  /** A user posts a text message; commands get bot_command entities like on Telegram. */
  userSends(chat: ChatRef, user: UserRef, text: string, options: UserSendOptions = {}): TgMessage {
    const stored = this.world.chat(chat);
    const from = this.actingUser(stored, user);
    const entities = [...detectUserEntities(text), ...(options.entities ?? [])].sort((a, b) => a.offset - b.offset);
    const message = this.world.appendMessage(stored, {
      from,
      sentByBot: false,
      ...this.userPlacement(stored, options),
      fields: { text, ...(entities.length > 0 ? { entities } : {}) },
    });
    this.deliverUserMessage(stored, message, 'message');
    return message;
  }

  /** A user edits one of their own messages (an `edited_message` update). */
  userEdits(chat: ChatRef, user: UserRef, message: MessageRef, text: string): TgMessage {
    const stored = this.world.chat(chat);
    const from = this.world.user(user);
    const target = this.world.message(stored, message);
    if (target.message.from?.id !== from.id) throw new Error('fake-telegram: users can only edit their own messages');
    const entities = detectUserEntities(text);
    target.message.text = text;
    if (entities.length > 0) target.message.entities = entities;
    else delete target.message.entities;
    target.message.edit_date = this.nowSeconds();
    this.deliverUserMessage(stored, target.message, 'edited_message');
    return target.message;
  }

  /**
   * A user presses an inline button; returns the callback query id to look up in
   * `callbackAnswers`. The button must exist on the message unless `force` is set, because
   * Telegram itself refuses callback data that is not on the keyboard.
   */
  userPresses(chat: ChatRef, user: UserRef, message: MessageRef, callbackData: string, options: { force?: boolean } = {}): string {
    const stored = this.world.chat(chat);
    const from = this.actingUser(stored, user);
    const target = this.world.message(stored, message);
    if (!options.force) {
      const buttons = target.message.reply_markup?.inline_keyboard.flat() ?? [];
      if (!buttons.some((b) => b.callback_data === callbackData)) {
        const offered = buttons.map((b) => b.callback_data).filter((d) => d !== undefined);
        throw new Error(
          `fake-telegram: message ${target.message.message_id} in chat ${stored.chat.id} has no button with callback_data ${JSON.stringify(callbackData)} (has ${JSON.stringify(offered)})`,
        );
      }
    }
    const id = `${from.id}${String(this.nextCallbackSeq++).padStart(7, '0')}`;
    const query: TgCallbackQuery = {
      id,
      from,
      message: structuredClone(target.message),
      chat_instance: String(Math.abs(stored.chat.id * 7919) % 9_000_000_000_000_000 + 1_000_000_000),
      data: callbackData,
    };
    this.callbackQueries.set(id, { query, createdAt: this.now() });
    this.queue.push({ callback_query: structuredClone(query) });
    return id;
  }

  /** A user sends a file (document, or a photo with asPhoto) the bot can fetch via getFile. */
  userUploads(chat: ChatRef, user: UserRef, upload: UserUploadOptions): TgMessage {
    const stored = this.world.chat(chat);
    const from = this.actingUser(stored, user);
    const bytes = typeof upload.bytes === 'string' ? Buffer.from(upload.bytes) : Buffer.from(upload.bytes);
    let fields: Partial<TgMessage>;
    if (upload.asPhoto) {
      fields = { photo: makePhotoSizes(this.world, bytes, upload.width, upload.height, upload.fileSize) };
    } else {
      const file = this.world.addFile({
        bytes,
        kind: 'document',
        file_name: upload.fileName,
        mime_type: upload.mimeType ?? mimeFromFilename(upload.fileName),
        ...(upload.fileSize !== undefined ? { size: upload.fileSize } : {}),
      });
      fields = {
        document: {
          file_name: upload.fileName,
          mime_type: file.mime_type!,
          file_id: file.file_id,
          file_unique_id: file.file_unique_id,
          file_size: file.size,
        },
      };
    }
    if (upload.caption) {
      const entities = detectUserEntities(upload.caption);
      fields.caption = upload.caption;
      if (entities.length > 0) fields.caption_entities = entities;
    }
    const message = this.world.appendMessage(stored, {
      from,
      sentByBot: false,
      ...this.userPlacement(stored, upload),
      fields,
    });
    this.deliverUserMessage(stored, message, 'message');
    return message;
  }

  /**
   * Queues a raw update (forged sender, odd shape, or a duplicate by reusing an update_id).
   * Injected updates reach the bot once even when their id is below the confirmed offset.
   */
  injectUpdate(raw: Partial<TgUpdate> & Record<string, unknown>): TgUpdate {
    return this.queue.inject(structuredClone(raw));
  }

  private actingUser(stored: StoredChat, ref: UserRef): TgUser {
    const user = this.world.user(ref);
    if (stored.chat.type === 'private') {
      if (stored.chat.id !== user.id) throw new Error(`fake-telegram: user ${user.id} cannot write in ${stored.chat.id}'s private chat`);
      // Writing to a bot again after blocking it unblocks it.
      stored.blockedBot = false;
      return user;
    }
    const status = this.world.memberStatus(stored, user.id).status;
    if (status === 'kicked') throw new Error(`fake-telegram: user ${user.id} is banned from chat ${stored.chat.id}`);
    // Tests rarely care about joining; people who speak in a group are members of it.
    if (status === 'left') this.world.setMember(stored.chat, user, 'member');
    return user;
  }

  private userPlacement(stored: StoredChat, options: { replyTo?: MessageRef; threadId?: number }): { threadId?: number; replyTo?: StoredMessage } {
    const out: { threadId?: number; replyTo?: StoredMessage } = {};
    if (options.threadId !== undefined) {
      if (!stored.chat.is_forum || !stored.topics.has(options.threadId)) {
        throw new Error(`fake-telegram: chat ${stored.chat.id} has no forum topic ${options.threadId}`);
      }
      out.threadId = options.threadId;
    }
    if (options.replyTo !== undefined) out.replyTo = this.world.message(stored, options.replyTo);
    return out;
  }

  private deliverUserMessage(stored: StoredChat, message: TgMessage, kind: 'message' | 'edited_message'): void {
    if (!this.botSees(stored, message)) return;
    // Snapshot: later edits must not rewrite what the bot was sent earlier.
    this.queue.push({ [kind]: structuredClone(message) });
  }

  private botSees(stored: StoredChat, message: TgMessage): boolean {
    if (stored.chat.type === 'private') return !stored.blockedBot;
    const status = this.world.memberStatus(stored, this.bot.id).status;
    if (status === 'left' || status === 'kicked') return false;
    if (!this.privacyMode || status === 'administrator' || status === 'creator') return true;
    const text = message.text ?? message.caption ?? '';
    const entities = message.entities ?? message.caption_entities ?? [];
    const username = (this.bot.username ?? '').toLowerCase();
    for (const e of entities) {
      const part = text.slice(e.offset, e.offset + e.length).toLowerCase();
      if (e.type === 'bot_command' && e.offset === 0 && (!part.includes('@') || part.endsWith(`@${username}`))) return true;
      if (e.type === 'mention' && part === `@${username}`) return true;
    }
    const replied = message.reply_to_message;
    return replied?.from?.id === this.bot.id && replied.forum_topic_created === undefined;
  }

  // =============================================================================================
  // Faults

  /**
   * The next `times` calls of `method` ('*' for any) fail as described, e.g.
   * `{ status: 429, retryAfter: 3 }`, `{ status: 500 }`, `{ reset: true }`,
   * `{ status: 502, afterProcessing: true }` (done, but the bot never hears so).
   */
  failNext(method: string, fault: FaultSpec, times = 1): void {
    const key = method.toLowerCase();
    const list = this.faults.get(key) ?? [];
    for (let i = 0; i < times; i++) list.push({ ...fault });
    this.faults.set(key, list);
  }

  /** Every request fails until up(): with 502 Bad Gateway, or by dropping the connection. */
  down(mode: OutageMode = 'bad-gateway'): void {
    this.outage = { mode };
    this.queue.failPollers(new Interrupt('outage'));
  }

  up(): void {
    if (this.outageTimer) clearTimeout(this.outageTimer);
    this.outageTimer = undefined;
    this.outage = undefined;
    this.webhook.kick();
  }

  /** down() now and up() after `ms`. */
  setOutage(ms: number, mode: OutageMode = 'bad-gateway'): void {
    this.down(mode);
    if (this.outageTimer) clearTimeout(this.outageTimer);
    this.outageTimer = setTimeout(() => this.up(), ms);
  }

  /** Flood limits like Telegram's (429 with retry_after); pass false to switch them off again. */
  enforceRateLimits(limits: RateLimits | false = { perChatPerMinute: 20, globalPerSecond: 30 }): void {
    this.rateLimits = limits === false ? undefined : { ...limits };
    this.chatSends.clear();
    this.globalSends = [];
  }

  /** Adds or replaces a method; throw ApiError from it for Telegram-shaped errors. */
  handle(method: string, handler: (params: Record<string, unknown>, fake: FakeTelegram) => unknown): void {
    this.custom.set(method.toLowerCase(), handler);
  }

  // =============================================================================================
  // Observation

  callsTo(method: string): RecordedCall[] {
    const key = method.toLowerCase();
    return this.calls.filter((c) => c.method.toLowerCase() === key);
  }

  /** Current (post-edit) messages of a chat, optionally of one forum topic; deleted ones left out. */
  messagesIn(chat: ChatRef, threadId?: number): TgMessage[] {
    return this.world.visibleMessages(this.world.chat(chat), threadId);
  }

  lastMessage(chat: ChatRef, threadId?: number): TgMessage | undefined {
    return this.messagesIn(chat, threadId).at(-1);
  }

  lastBotMessage(chat: ChatRef, threadId?: number): TgMessage | undefined {
    return this.messagesIn(chat, threadId).filter((m) => m.from?.id === this.bot.id).at(-1);
  }

  message(chat: ChatRef, messageId: number): TgMessage | undefined {
    const found = this.world.chat(chat).messages.get(messageId);
    return found && !found.deleted ? found.message : undefined;
  }

  /** The stored file behind a file_id (bytes, name, mime type), e.g. for documents the bot sent. */
  file(fileId: string): StoredFile | undefined {
    return this.world.files.get(fileId);
  }

  /** Commands set with setMyCommands for a scope (default scope when omitted) and language. */
  myCommands(scope: Record<string, unknown> = { type: 'default' }, languageCode = ''): unknown[] | undefined {
    return this.commands.get(`${JSON.stringify(scope, Object.keys(scope).sort())}|${languageCode}`);
  }

  /** Every update created or injected, in order (including ones allowed_updates filtered out). */
  get updates(): readonly TgUpdate[] {
    return this.queue.history;
  }

  /** Updates not yet confirmed (polling) or delivered (webhook). */
  pendingUpdates(): TgUpdate[] {
    return this.queue.pending();
  }

  get webhookUrl(): string | undefined {
    return this.webhook.config?.url;
  }

  /**
   * Polls `predicate` every 10 ms until it returns something truthy and returns that. Throws on
   * timeout with the last predicate error and the most recent calls, so a failing e2e test says
   * what the bot did instead. Exceptions from the predicate count as "not yet", which lets it
   * hold `expect(...)` assertions.
   */
  async waitFor<T>(
    predicate: () => T | Promise<T>,
    timeoutMs = 2000,
    description?: string,
  ): Promise<Exclude<Awaited<T>, false | null | undefined | 0 | ''>> {
    const deadline = Date.now() + timeoutMs;
    let lastError: unknown;
    for (;;) {
      try {
        const value = await predicate();
        if (value) return value as Exclude<Awaited<T>, false | null | undefined | 0 | ''>;
        lastError = undefined;
      } catch (err) {
        lastError = err;
      }
      if (Date.now() >= deadline || this.closed) break;
      await sleep(Math.min(10, Math.max(1, deadline - Date.now())));
    }
    const recent = this.calls
      .slice(-8)
      .map((c) => `${c.method}${c.response ? ` → ${c.response.status}${c.response.description ? ` ${c.response.description}` : ''}` : ' (pending)'}`)
      .join('; ');
    const what = description ?? predicate.toString().replace(/\s+/g, ' ').slice(0, 160);
    const cause = lastError instanceof Error ? `\nlast predicate error: ${lastError.message}` : '';
    throw new Error(
      `fake-telegram waitFor timed out after ${timeoutMs} ms: ${what}${cause}\nrecent calls: ${recent || 'none'}` +
        (this.internalErrors.length > 0 ? `\nfake-telegram internal errors: ${this.internalErrors.map((e) => e.message).join('; ')}` : ''),
    );
  }

  /** Back to an empty world: chats, users, messages, files, updates, webhook, faults, records. */
  reset(): void {
    this.queue.failPollers(new Interrupt('closed'));
    this.webhook.reset();
    this.queue.clear();
    this.world.clear();
    this.calls.length = 0;
    this.edits.length = 0;
    this.deletedMessages.length = 0;
    this.webhookDeliveries.length = 0;
    this.downloads.length = 0;
    this.internalErrors.length = 0;
    this.callbackAnswers.clear();
    this.callbackQueries.clear();
    this.commands.clear();
    this.faults.clear();
    this.custom.clear();
    this.enforceRateLimits(false);
    this.up();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.shutdown.abort();
    if (this.outageTimer) clearTimeout(this.outageTimer);
    this.queue.failPollers(new Interrupt('closed'));
    this.webhook.close();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      // Keep-alive sockets from telegraf's agent would otherwise hold close() open.
      this.server.closeAllConnections();
    });
  }

  // =============================================================================================
  // HTTP

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const fileRoute = /^\/file\/bot([^/]+)\/(.+)$/.exec(url.pathname);
    const apiRoute = /^\/bot([^/]+)\/([A-Za-z0-9_]+)\/?$/.exec(url.pathname);
    const method = apiRoute?.[2] ?? (fileRoute ? '<file>' : url.pathname);

    if (this.outage) {
      const call: RecordedCall = { method, params: {}, time: this.now(), via: 'http', fault: `outage:${this.outage.mode}` };
      if (apiRoute) this.calls.push(call);
      this.answerOutage(req, res, call);
      return;
    }

    if (fileRoute) {
      this.serveFile(req, res, decodeURIComponent(fileRoute[1]!), decodeURIComponent(fileRoute[2]!));
      return;
    }
    if (!apiRoute) {
      req.resume();
      sendJson(res, 404, { ok: false, error_code: 404, description: 'Not Found' });
      return;
    }

    const call: RecordedCall = { method, params: {}, time: this.now(), via: 'http' };
    this.calls.push(call);
    const body = await readBody(req, MAX_UPLOAD_BYTES);
    if (body.tooLarge) {
      this.reply(res, call, new ApiError(413, 'Request Entity Too Large'));
      return;
    }
    try {
      call.params = parseParams(req.headers['content-type'], body.bytes, url.searchParams);
    } catch (err) {
      if (!(err instanceof BodyError)) throw err;
      this.reply(res, call, new ApiError(400, `Bad Request: ${err.message}`));
      return;
    }
    if (decodeURIComponent(apiRoute[1]!) !== this.token) {
      this.reply(res, call, new ApiError(401, 'Unauthorized'));
      return;
    }

    const key = method.toLowerCase();
    const handler = this.handlerFor(key);
    if (!handler) {
      this.reply(res, call, new ApiError(404, 'Not Found'));
      return;
    }

    const fault = this.takeFault(key);
    if (fault?.delayMs) await sleep(fault.delayMs, this.shutdown.signal);
    if (fault && !fault.afterProcessing && (fault.status !== undefined || fault.reset)) {
      this.answerFault(res, call, fault);
      return;
    }

    const limited = this.checkRateLimit(key, call.params);
    if (limited) {
      call.fault = 'rate-limit';
      this.reply(res, call, limited);
      return;
    }

    const abort = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) abort.abort();
    });
    let outcome: { result: unknown } | { error: ApiError };
    try {
      outcome = { result: await handler(call.params, { signal: abort.signal }) };
    } catch (err) {
      if (err instanceof Interrupt) {
        if (err.reason === 'outage' && this.outage) this.answerOutage(req, res, call);
        else this.reply(res, call, { result: [] });
        return;
      }
      if (!(err instanceof ApiError)) throw err;
      outcome = { error: err };
    }
    if ('result' in outcome) this.countSend(key, call.params);
    if (fault?.afterProcessing && (fault.status !== undefined || fault.reset)) {
      this.answerFault(res, call, fault);
      return;
    }
    this.reply(res, call, 'error' in outcome ? outcome.error : outcome);
  }

  private handlerFor(key: string): MethodHandler | undefined {
    const custom = this.custom.get(key);
    if (custom) return (params) => custom(params, this);
    for (const [name, handler] of Object.entries(this.methods)) if (name.toLowerCase() === key) return handler;
    return undefined;
  }

  private reply(res: ServerResponse, call: RecordedCall, outcome: ApiError | { result: unknown }): void {
    let status: number;
    let payload: Record<string, unknown>;
    if (outcome instanceof ApiError) {
      status = outcome.code;
      payload = {
        ok: false,
        error_code: outcome.code,
        description: outcome.description,
        ...(outcome.parameters ? { parameters: outcome.parameters } : {}),
      };
    } else {
      status = 200;
      payload = { ok: true, result: outcome.result };
    }
    const text = JSON.stringify(payload);
    call.response = { status, ...(JSON.parse(text) as Omit<NonNullable<RecordedCall['response']>, 'status'>) };
    sendJson(res, status, text);
  }

  private answerFault(res: ServerResponse, call: RecordedCall, fault: FaultSpec): void {
    if (fault.reset) {
      call.fault = 'reset';
      res.socket?.destroy();
      return;
    }
    const status = fault.status!;
    call.fault = `status:${status}`;
    const retryAfter = status === 429 ? (fault.retryAfter ?? 1) : fault.retryAfter;
    const parameters = { ...(retryAfter !== undefined ? { retry_after: retryAfter } : {}), ...fault.parameters };
    this.reply(
      res,
      call,
      new ApiError(status, fault.description ?? defaultDescription(status, retryAfter), Object.keys(parameters).length > 0 ? parameters : undefined),
    );
  }

  private answerOutage(req: IncomingMessage, res: ServerResponse, call: RecordedCall): void {
    if (this.outage?.mode === 'reset') {
      call.fault = 'outage:reset';
      req.socket.destroy();
      return;
    }
    req.resume();
    this.reply(res, call, new ApiError(502, 'Bad Gateway'));
  }

  private takeFault(key: string): FaultSpec | undefined {
    for (const k of [key, '*']) {
      const list = this.faults.get(k);
      if (list && list.length > 0) {
        const fault = list.shift()!;
        if (list.length === 0) this.faults.delete(k);
        return fault;
      }
    }
    return undefined;
  }

  private checkRateLimit(key: string, params: Record<string, unknown>): ApiError | undefined {
    const limits = this.rateLimits;
    if (!limits || !RATE_LIMITED.has(key)) return undefined;
    const now = this.now();
    this.globalSends = this.globalSends.filter((t) => now - t < 1000);
    const chatKey = String(params.chat_id);
    const chatTimes = (this.chatSends.get(chatKey) ?? []).filter((t) => now - t < 60_000);
    this.chatSends.set(chatKey, chatTimes);
    let waitMs = 0;
    if (limits.globalPerSecond !== undefined && this.globalSends.length >= limits.globalPerSecond) {
      waitMs = Math.max(waitMs, this.globalSends[this.globalSends.length - limits.globalPerSecond]! + 1000 - now);
    }
    if (limits.perChatPerMinute !== undefined && chatTimes.length >= limits.perChatPerMinute) {
      waitMs = Math.max(waitMs, chatTimes[chatTimes.length - limits.perChatPerMinute]! + 60_000 - now);
    }
    return waitMs > 0 ? tooManyRequests(Math.max(1, Math.ceil(waitMs / 1000))) : undefined;
  }

  private countSend(key: string, params: Record<string, unknown>): void {
    if (!this.rateLimits || !RATE_LIMITED.has(key)) return;
    const now = this.now();
    this.globalSends.push(now);
    const chatKey = String(params.chat_id);
    this.chatSends.set(chatKey, [...(this.chatSends.get(chatKey) ?? []), now]);
  }

  private serveFile(req: IncomingMessage, res: ServerResponse, token: string, path: string): void {
    req.resume();
    const record = (status: number): void => {
      this.downloads.push({ path, status, time: this.now() });
    };
    if (token !== this.token) {
      record(401);
      sendJson(res, 401, { ok: false, error_code: 401, description: 'Unauthorized' });
      return;
    }
    const file = this.world.filesByPath.get(path);
    if (!file) {
      record(404);
      sendJson(res, 404, { ok: false, error_code: 404, description: 'Not Found' });
      return;
    }
    record(200);
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': file.bytes.length });
    res.end(req.method === 'HEAD' ? undefined : file.bytes);
  }

  /** Telegram executes a method the bot puts in its webhook response (telegraf's webhookReply). */
  private async runWebhookReply(contentType: string | undefined, body: Buffer): Promise<void> {
    let params: Record<string, unknown>;
    try {
      params = parseParams(contentType, body, new URLSearchParams());
    } catch {
      return;
    }
    if (typeof params.method !== 'string') return;
    const { method, ...rest } = params;
    const call: RecordedCall = { method, params: rest, time: this.now(), via: 'webhook-reply' };
    this.calls.push(call);
    const handler = this.handlerFor(method.toLowerCase());
    if (!handler) {
      call.response = { status: 404, ok: false, error_code: 404, description: 'Not Found' };
      return;
    }
    try {
      const result = await handler(rest, { signal: new AbortController().signal });
      call.response = { status: 200, ok: true, result: JSON.parse(JSON.stringify(result ?? null)) as unknown };
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      call.response = { status: err.code, ok: false, error_code: err.code, description: err.description };
    }
  }
}

function sendJson(res: ServerResponse, status: number, payload: unknown): void {
  if (res.headersSent || res.destroyed) return;
  const text = typeof payload === 'string' ? payload : JSON.stringify(payload);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}
