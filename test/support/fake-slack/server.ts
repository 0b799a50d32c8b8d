/**
 * A fake Slack for end-to-end tests, on loopback, in two halves:
 *  - the Web API the app calls (chat.*, views.*, files.*, users.info, conversations.*,
 *    auth.test), private file downloads that need the bot token, upload URLs, response_urls;
 *    every call recorded; 429 with Retry-After or any error code on demand;
 *  - Slack's side of the app's endpoint: people run /sop, click buttons, submit modals, share
 *    files in threads and open the Home tab, and the fake posts the signed requests (see
 *    requests.ts) to the app, as Slack would.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { blocksText, buttonsOf, overflowsOf, type Block, type ButtonElement } from './blocks.js';
import { SlackRequests, type Delivery, type SendOptions } from './requests.js';

export interface FakeSlackOptions {
  botToken?: string;
  signingSecret?: string;
  /** Slack's trigger_id lives 3 s; views.open after that fails with expired_trigger_id. */
  triggerTtlMs?: number;
}

export interface SlackUser {
  id: string;
  name: string;
  realName: string;
  isAdmin: boolean;
}

export interface FakeChannel {
  id: string;
  name: string;
  isPrivate: boolean;
  archived: boolean;
  members: Set<string>;
}

export interface StoredMessage {
  channel: string;
  ts: string;
  user?: string;
  botId?: string;
  subtype?: string;
  text: string;
  blocks: Block[];
  threadTs?: string;
  files?: string[];
  /** Earlier versions, oldest first (chat.update). */
  history: { text: string; blocks: Block[] }[];
}

export interface EphemeralMessage {
  channel: string;
  user: string;
  text: string;
  /** Buttons only its reader sees and can click (clickEphemeral). */
  blocks?: Block[];
  threadTs?: string;
  via: 'chat.postEphemeral' | 'response_url';
}

export interface StoredView {
  id: string;
  user: string;
  view: Record<string, unknown>;
  open: boolean;
  /** The app's answers to submissions of this view (response_action errors...). */
  answers: unknown[];
}

export interface StoredFile {
  id: string;
  name: string;
  title: string;
  mimetype: string;
  size: number;
  bytes: Buffer | undefined;
  user: string;
  channels: string[];
  threadTs?: string;
  /** A file that lives outside Slack (Google Drive, Dropbox, a link): url_private is that address. */
  external?: { url: string; type: string };
  /** url_private / url_private_download point here although the file is not flagged external. */
  urlOverride?: string;
  /** The file host answers the download with a redirect to this address. */
  redirectTo?: string;
}

export interface RecordedCall {
  method: string;
  params: Record<string, unknown>;
  status: number;
  ok: boolean;
  error?: string;
  at: number;
}

export interface Fault {
  /** ok:false with this error code (channel_not_found, not_in_channel, ...). */
  error?: string;
  /** HTTP 429 with this Retry-After. */
  retryAfter?: number;
  /** Any other HTTP status (503 for an outage). */
  httpStatus?: number;
  /** How many calls it hits (default 1). */
  times?: number;
  /** Only calls whose parameters match (default: every call of the method). */
  when?: (params: Record<string, unknown>) => boolean;
}

const TEAM = { id: 'T0SOPBOT', domain: 'pusat-penilaian', name: 'Pusat Penilaian Kompetensi' };
const APP_ID = 'A0SOPBOT';
const BOT = { userId: 'U0BOT0001', botId: 'B0BOT0001', name: 'sopbot' };

export class FakeSlack {
  readonly botToken: string;
  readonly signingSecret: string;
  readonly team = TEAM;
  readonly bot = BOT;
  readonly users = new Map<string, SlackUser>();
  readonly channels = new Map<string, FakeChannel>();
  readonly messages: StoredMessage[] = [];
  readonly ephemerals: EphemeralMessage[] = [];
  readonly views = new Map<string, StoredView>();
  /** views.publish calls, in order; the last per user is what their Home tab shows. */
  readonly homePublishes: { user: string; view: Record<string, unknown> }[] = [];
  readonly files = new Map<string, StoredFile>();
  readonly downloads: { fileId: string; authorized: boolean }[] = [];
  readonly calls: RecordedCall[] = [];
  private readonly faults = new Map<string, Fault[]>();
  private readonly triggers = new Map<string, { at: number; used: boolean; user: string }>();
  private readonly responseUrls = new Map<string, { channel: string; user: string }>();
  private readonly triggerTtlMs: number;
  private seq = 0;
  private lastTs = 0;
  private requests: SlackRequests | undefined;
  private closed = false;

  private constructor(
    private readonly server: Server,
    readonly base: string,
    options: FakeSlackOptions,
  ) {
    this.botToken = options.botToken ?? 'xoxb-0000000001-fake-slack-bot-token';
    this.signingSecret = options.signingSecret ?? randomBytes(16).toString('hex');
    this.triggerTtlMs = options.triggerTtlMs ?? 3_000;
  }

  static async listen(options: FakeSlackOptions = {}): Promise<FakeSlack> {
    let fake: FakeSlack | undefined;
    const server = createServer((req, res) => {
      fake!.handle(req, res).catch((e: unknown) => {
        if (!res.headersSent) res.writeHead(500).end(String(e));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    fake = new FakeSlack(server, `http://127.0.0.1:${port}`, options);
    return fake;
  }

  /** The Web API address for the app (SLACK_API_URL). */
  get apiUrl(): string {
    return `${this.base}/api/`;
  }

  /** Where Slack delivers commands, interactions and events: the app's /slack/events. */
  connect(appUrl: string): SlackRequests {
    this.requests = new SlackRequests(appUrl, this.signingSecret);
    return this.requests;
  }

  get app(): SlackRequests {
    if (!this.requests) throw new Error('fake Slack is not connected to the app (connect(url))');
    return this.requests;
  }

  async close(): Promise<void> {
    this.closed = true;
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  // ---- the world ----

  addUser(options: { name: string; realName?: string; isAdmin?: boolean }): SlackUser {
    const user = { id: `U${this.next()}`, name: options.name, realName: options.realName ?? options.name, isAdmin: options.isAdmin ?? false };
    this.users.set(user.id, user);
    return user;
  }

  addChannel(options: { name: string; members?: SlackUser[]; isPrivate?: boolean; botMember?: boolean }): FakeChannel {
    const channel: FakeChannel = {
      id: `C${this.next()}`,
      name: options.name,
      isPrivate: options.isPrivate ?? false,
      archived: false,
      members: new Set((options.members ?? []).map((m) => m.id)),
    };
    if (options.botMember ?? true) channel.members.add(BOT.userId);
    this.channels.set(channel.id, channel);
    return channel;
  }

  /** The next calls of `method` fail as described. */
  fail(method: string, fault: Fault): void {
    const list = this.faults.get(method) ?? [];
    list.push({ ...fault, times: fault.times ?? 1 });
    this.faults.set(method, list);
  }

  // ---- what people see ----

  messagesIn(channel: FakeChannel | string, options: { thread?: string } = {}): StoredMessage[] {
    const id = typeof channel === 'string' ? channel : channel.id;
    return this.messages.filter((m) => m.channel === id && (options.thread === undefined ? !m.threadTs || m.threadTs === m.ts : m.threadTs === options.thread));
  }

  botMessages(channel: FakeChannel | string, options: { thread?: string } = {}): StoredMessage[] {
    return this.messagesIn(channel, options).filter((m) => m.botId === BOT.botId);
  }

  message(channel: FakeChannel | string, ts: string): StoredMessage | undefined {
    const id = typeof channel === 'string' ? channel : channel.id;
    return this.messages.find((m) => m.channel === id && m.ts === ts);
  }

  ephemeralsFor(user: SlackUser, channel?: FakeChannel): EphemeralMessage[] {
    return this.ephemerals.filter((e) => e.user === user.id && (!channel || e.channel === channel.id));
  }

  openModals(user: SlackUser): StoredView[] {
    return [...this.views.values()].filter((v) => v.user === user.id && v.open);
  }

  home(user: SlackUser): Record<string, unknown> | undefined {
    return this.homePublishes.filter((p) => p.user === user.id).at(-1)?.view;
  }

  callsOf(method: string): RecordedCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  /** Polls until the predicate gives something truthy; fails with the last calls for context. */
  async waitFor<T>(predicate: () => T | Promise<T>, timeoutMs = 5_000, description = 'condition'): Promise<Exclude<Awaited<T>, false | null | undefined | 0 | ''>> {
    const deadline = Date.now() + timeoutMs;
    let lastError: unknown;
    for (;;) {
      try {
        const value = await predicate();
        if (value) return value as Exclude<Awaited<T>, false | null | undefined | 0 | ''>;
        lastError = undefined;
      } catch (e) {
        lastError = e;
      }
      if (Date.now() >= deadline || this.closed) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    const recent = this.calls
      .slice(-10)
      .map((c) => `${c.method} → ${c.ok ? 'ok' : (c.error ?? c.status)}`)
      .join(', ');
    const cause = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
    throw new Error(`fake-slack waitFor timed out after ${timeoutMs} ms: ${description}${cause}\nrecent calls: ${recent || 'none'}`);
  }

  // ---- what people do (Slack posts it to the app) ----

  runCommand(user: SlackUser, channel: FakeChannel, text: string, options: SendOptions = {}): Promise<Delivery> {
    const responseUrl = this.responseUrl(channel.id, user.id);
    return this.app.command(
      {
        token: 'legacy-verification-token',
        team_id: TEAM.id,
        team_domain: TEAM.domain,
        channel_id: channel.id,
        // As Slack does: a private channel is named "privategroup" in a slash command.
        channel_name: channel.isPrivate ? 'privategroup' : channel.name,
        user_id: user.id,
        user_name: user.name,
        command: '/sop',
        text,
        api_app_id: APP_ID,
        is_enterprise_install: 'false',
        response_url: responseUrl,
        trigger_id: this.trigger(user.id),
      },
      options,
    );
  }

  /** Clicks the button whose label contains `label` (or whose action_id is `label`). */
  click(user: SlackUser, message: StoredMessage, label: string, options: SendOptions = {}): Promise<Delivery> {
    const current = this.message(message.channel, message.ts) ?? message;
    const button = buttonsOf(current.blocks).find((b) => b.action_id === label || b.text.text.includes(label));
    if (!button) throw new Error(`no button "${label}" on message: ${JSON.stringify(buttonsOf(current.blocks).map((b) => b.text.text))}`);
    return this.clickButton(user, current, button, options);
  }

  /**
   * Clicks a button of an ephemeral message (an answer only `user` sees). Slack sends no copy of
   * such a message with the click: only its container, marked ephemeral.
   */
  clickEphemeral(user: SlackUser, message: EphemeralMessage, label: string, options: SendOptions = {}): Promise<Delivery> {
    if (message.user !== user.id) throw new Error('only its reader sees an ephemeral message');
    const button = buttonsOf(message.blocks).find((b) => b.action_id === label || b.text.text.includes(label));
    if (!button) throw new Error(`no button "${label}" on ephemeral: ${JSON.stringify(buttonsOf(message.blocks).map((b) => b.text.text))}`);
    const channel = this.channels.get(message.channel)!;
    return this.blockActions(
      user,
      channel,
      { container: { type: 'message', message_ts: this.ts(), channel_id: channel.id, is_ephemeral: true } },
      { type: 'button', action_id: button.action_id, block_id: button.block_id, text: button.text, value: button.value },
      options,
    );
  }

  /** Opens a message's overflow menu (⋮) and picks the option whose text contains `label`. */
  chooseFromMenu(user: SlackUser, message: StoredMessage, label: string, options: SendOptions = {}): Promise<Delivery> {
    const current = this.message(message.channel, message.ts) ?? message;
    const menus = overflowsOf(current.blocks);
    const menu = menus.find((m) => m.options.some((o) => o.text.text.includes(label)));
    if (!menu) throw new Error(`no menu with "${label}" on message: ${JSON.stringify(menus.map((m) => m.options.map((o) => o.text.text)))}`);
    const option = menu.options.find((o) => o.text.text.includes(label))!;
    const channel = this.channels.get(current.channel)!;
    return this.blockActions(
      user,
      channel,
      {
        container: { type: 'message', message_ts: current.ts, channel_id: channel.id, is_ephemeral: false },
        message: { type: 'message', user: current.user ?? BOT.userId, bot_id: current.botId, ts: current.ts, text: current.text, blocks: current.blocks },
      },
      { type: 'overflow', action_id: menu.action_id, block_id: menu.block_id, selected_option: option },
      options,
    );
  }

  clickButton(user: SlackUser, message: StoredMessage, button: ButtonElement, options: SendOptions = {}): Promise<Delivery> {
    const channel = this.channels.get(message.channel)!;
    const thread = message.threadTs ? { thread_ts: message.threadTs } : {};
    return this.blockActions(
      user,
      channel,
      {
        container: { type: 'message', message_ts: message.ts, channel_id: channel.id, is_ephemeral: false, ...thread },
        message: { type: 'message', user: message.user ?? BOT.userId, bot_id: message.botId, ts: message.ts, text: message.text, blocks: message.blocks, ...thread },
      },
      {
        type: 'button',
        action_id: button.action_id,
        block_id: button.block_id,
        text: button.text,
        value: button.value,
        ...(button.style ? { style: button.style } : {}),
      },
      options,
    );
  }

  /** A block_actions interaction as Slack posts it: who, where, on what, and the one action. */
  private blockActions(
    user: SlackUser,
    channel: FakeChannel,
    on: { container: Record<string, unknown>; message?: Record<string, unknown> },
    action: Record<string, unknown>,
    options: SendOptions,
  ): Promise<Delivery> {
    return this.app.interaction(
      {
        type: 'block_actions',
        user: { id: user.id, username: user.name, name: user.name, team_id: TEAM.id },
        api_app_id: APP_ID,
        token: 'legacy-verification-token',
        container: on.container,
        trigger_id: this.trigger(user.id),
        team: { id: TEAM.id, domain: TEAM.domain },
        enterprise: null,
        is_enterprise_install: false,
        channel: { id: channel.id, name: channel.name },
        ...(on.message ? { message: on.message } : {}),
        state: { values: {} },
        response_url: this.responseUrl(channel.id, user.id),
        actions: [{ ...action, action_ts: `${Date.now() / 1000}` }],
      },
      options,
    );
  }

  /**
   * Submits an open modal with the given input values (block_id → value; a static_select takes
   * the option's value). The modal closes unless the app answers with errors.
   */
  async submit(user: SlackUser, view: StoredView, values: Record<string, string>, options: SendOptions = {}): Promise<Delivery> {
    const state: Record<string, Record<string, unknown>> = {};
    for (const block of (view.view.blocks as Block[] | undefined) ?? []) {
      if (block.type !== 'input') continue;
      const element = block.element as { type: string; action_id: string; options?: { text: unknown; value: string }[]; option_groups?: { options: { text: unknown; value: string }[] }[] };
      const choices = element.options ?? element.option_groups?.flatMap((g) => g.options);
      const given = values[String(block.block_id)];
      state[String(block.block_id)] = {
        [element.action_id]:
          element.type === 'static_select'
            ? { type: 'static_select', selected_option: given === undefined ? null : (choices?.find((o) => o.value === given) ?? null) }
            : { type: element.type, value: given ?? null },
      };
    }
    const delivery = await this.app.interaction(
      {
        type: 'view_submission',
        team: { id: TEAM.id, domain: TEAM.domain },
        user: { id: user.id, username: user.name, name: user.name, team_id: TEAM.id },
        api_app_id: APP_ID,
        token: 'legacy-verification-token',
        trigger_id: this.trigger(user.id),
        view: { ...view.view, id: view.id, team_id: TEAM.id, app_id: APP_ID, bot_id: BOT.botId, state: { values: state }, hash: `h${this.next()}` },
        response_urls: [],
        is_enterprise_install: false,
        enterprise: null,
      },
      options,
    );
    const answer = delivery.body ? (JSON.parse(delivery.body) as unknown) : undefined;
    view.answers.push(answer);
    if (delivery.status === 200 && !(answer && typeof answer === 'object' && (answer as { response_action?: string }).response_action === 'errors')) view.open = false;
    return delivery;
  }

  /** Shares a file, in a thread when threadTs is given; Slack sends the app a message event. */
  shareFile(
    user: SlackUser,
    channel: FakeChannel,
    file: {
      name: string;
      bytes: Buffer | string;
      mimetype?: string;
      size?: number;
      threadTs?: string;
      external?: StoredFile['external'];
      urlOverride?: string;
      redirectTo?: string;
    },
    options: SendOptions & { eventId?: string } = {},
  ): { file: StoredFile; message: StoredMessage; event: Record<string, unknown>; delivered: Promise<Delivery> } {
    const bytes = Buffer.isBuffer(file.bytes) ? file.bytes : Buffer.from(file.bytes);
    const stored: StoredFile = {
      id: `F${this.next()}`,
      name: file.name,
      title: file.name,
      mimetype: file.mimetype ?? mimeOf(file.name),
      size: file.size ?? bytes.length,
      bytes,
      user: user.id,
      channels: [channel.id],
      ...(file.threadTs ? { threadTs: file.threadTs } : {}),
      ...(file.external ? { external: file.external } : {}),
      ...(file.urlOverride ? { urlOverride: file.urlOverride } : {}),
      ...(file.redirectTo ? { redirectTo: file.redirectTo } : {}),
    };
    this.files.set(stored.id, stored);
    const message = this.store({ channel: channel.id, user: user.id, subtype: 'file_share', text: '', blocks: [], files: [stored.id], ...(file.threadTs ? { threadTs: file.threadTs } : {}) });
    const event = {
      type: 'message',
      subtype: 'file_share',
      channel: channel.id,
      channel_type: channel.isPrivate ? 'group' : 'channel',
      user: user.id,
      text: '',
      ts: message.ts,
      ...(file.threadTs ? { thread_ts: file.threadTs } : {}),
      // Slack's event carries the file, often trimmed; the app asks files.info for the rest.
      files: [{ id: stored.id, name: stored.name, mimetype: stored.mimetype, file_access: 'check_file_info' }],
      upload: true,
      event_ts: message.ts,
    };
    return { file: stored, message, event, delivered: this.deliverEvent(event, options) };
  }

  openHome(user: SlackUser, options: SendOptions & { eventId?: string } = {}): Promise<Delivery> {
    return this.deliverEvent({ type: 'app_home_opened', user: user.id, channel: `D${this.next()}`, tab: 'home', event_ts: this.ts() }, options);
  }

  /** An Events API callback around `event`; pass the same eventId again to replay it. */
  deliverEvent(event: Record<string, unknown>, options: SendOptions & { eventId?: string } = {}): Promise<Delivery> {
    const { eventId, ...send } = options;
    return this.app.event(
      {
        token: 'legacy-verification-token',
        team_id: TEAM.id,
        api_app_id: APP_ID,
        event,
        type: 'event_callback',
        event_id: eventId ?? `Ev${this.next()}${randomBytes(3).toString('hex').toUpperCase()}`,
        event_time: Math.floor(Date.now() / 1000),
        authorizations: [{ enterprise_id: null, team_id: TEAM.id, user_id: BOT.userId, is_bot: true, is_enterprise_install: false }],
        is_ext_shared_channel: false,
      },
      send,
    );
  }

  // ---- the HTTP server ----

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.base);
    const body = await readAll(req);
    if (url.pathname.startsWith('/api/')) return this.api(url.pathname.slice(5), req, body, res);
    if (req.method === 'GET' && url.pathname.startsWith('/files-pri/')) return this.download(url.pathname, req, res);
    if (url.pathname.startsWith('/upload/')) return this.receiveUpload(url.pathname.slice(8), req, body, res);
    if (url.pathname.startsWith('/response/')) return this.receiveResponse(url.pathname.slice(10), body, res);
    res.writeHead(404).end();
  }

  private async api(method: string, req: IncomingMessage, raw: Buffer, res: ServerResponse): Promise<void> {
    const params = await parseParams(req, raw);
    const auth = String(req.headers.authorization ?? '');
    const token = auth.startsWith('Bearer ') ? auth.slice(7) : typeof params.token === 'string' ? params.token : '';
    const { token: _token, ...recorded } = params;
    const call: RecordedCall = { method, params: recorded, status: 200, ok: true, at: Date.now() };
    this.calls.push(call);
    const reply = (status: number, payload: Record<string, unknown>, headers: Record<string, string> = {}) => {
      call.status = status;
      call.ok = payload.ok === true;
      if (typeof payload.error === 'string') call.error = payload.error;
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers }).end(JSON.stringify(payload));
    };

    const fault = this.takeFault(method, params);
    if (fault?.retryAfter !== undefined) return reply(429, { ok: false, error: 'ratelimited' }, { 'retry-after': String(fault.retryAfter) });
    if (fault?.httpStatus !== undefined) {
      call.status = fault.httpStatus;
      call.ok = false;
      return void res.writeHead(fault.httpStatus, { 'content-type': 'text/plain' }).end('upstream unavailable');
    }
    if (fault?.error) return reply(200, { ok: false, error: fault.error });
    if (!token) return reply(200, { ok: false, error: 'not_authed' });
    if (token !== this.botToken) return reply(200, { ok: false, error: 'invalid_auth' });

    try {
      reply(200, { ok: true, ...this.method(method, params) });
    } catch (e) {
      if (e instanceof ApiRefusal) return reply(200, { ok: false, error: e.code });
      throw e;
    }
  }

  private method(method: string, p: Record<string, unknown>): Record<string, unknown> {
    const str = (k: string) => (typeof p[k] === 'string' ? (p[k] as string) : undefined);
    const json = <T>(k: string): T | undefined => (typeof p[k] === 'string' ? (JSON.parse(p[k] as string) as T) : (p[k] as T | undefined));
    switch (method) {
      case 'auth.test':
        return { url: `https://${TEAM.domain}.slack.com/`, team: TEAM.name, user: BOT.name, team_id: TEAM.id, user_id: BOT.userId, bot_id: BOT.botId, is_enterprise_install: false };
      case 'chat.postMessage': {
        const channel = this.postable(str('channel'));
        checkBlocks(json<Block[]>('blocks'));
        const message = this.store({
          channel: channel.id,
          botId: BOT.botId,
          user: BOT.userId,
          text: str('text') ?? '',
          blocks: json<Block[]>('blocks') ?? [],
          ...(str('thread_ts') ? { threadTs: str('thread_ts')! } : {}),
        });
        return { channel: channel.id, ts: message.ts, message: { type: 'message', text: message.text, ts: message.ts, bot_id: BOT.botId } };
      }
      case 'chat.update': {
        const channel = this.channel(str('channel'));
        const message = this.messages.find((m) => m.channel === channel.id && m.ts === str('ts'));
        if (!message) throw new ApiRefusal('message_not_found');
        if (message.botId !== BOT.botId) throw new ApiRefusal('cant_update_message');
        checkBlocks(json<Block[]>('blocks'));
        message.history.push({ text: message.text, blocks: message.blocks });
        if (p.text !== undefined) message.text = str('text') ?? '';
        if (p.blocks !== undefined) message.blocks = json<Block[]>('blocks') ?? [];
        return { channel: channel.id, ts: message.ts, text: message.text };
      }
      case 'chat.postEphemeral': {
        const channel = this.postable(str('channel'));
        const user = str('user') ?? '';
        if (!channel.members.has(user)) throw new ApiRefusal('user_not_in_channel');
        this.ephemerals.push({ channel: channel.id, user, text: str('text') ?? blocksText(json<Block[]>('blocks')), via: 'chat.postEphemeral', ...(str('thread_ts') ? { threadTs: str('thread_ts')! } : {}) });
        return { message_ts: this.ts() };
      }
      case 'views.open': {
        const trigger = this.triggers.get(str('trigger_id') ?? '');
        if (!trigger) throw new ApiRefusal('invalid_trigger_id');
        if (trigger.used || Date.now() - trigger.at > this.triggerTtlMs) throw new ApiRefusal('expired_trigger_id');
        trigger.used = true;
        const view = json<Record<string, unknown>>('view');
        if (view?.type !== 'modal') throw new ApiRefusal('invalid_arguments');
        checkView(view);
        const stored: StoredView = { id: `V${this.next()}`, user: trigger.user, view, open: true, answers: [] };
        this.views.set(stored.id, stored);
        return { view: { ...view, id: stored.id } };
      }
      case 'views.update': {
        const stored = this.views.get(str('view_id') ?? '');
        if (!stored) throw new ApiRefusal('not_found');
        const view = json<Record<string, unknown>>('view')!;
        checkView(view);
        stored.view = view;
        return { view: { ...view, id: stored.id } };
      }
      case 'views.publish': {
        const user = str('user_id') ?? '';
        if (!this.users.has(user)) throw new ApiRefusal('user_not_found');
        const view = json<Record<string, unknown>>('view');
        if (view?.type !== 'home') throw new ApiRefusal('invalid_arguments');
        checkView(view);
        this.homePublishes.push({ user, view });
        return { view: { ...view, id: `V${this.next()}` } };
      }
      case 'users.info': {
        const user = this.users.get(str('user') ?? '');
        if (!user) throw new ApiRefusal('user_not_found');
        return {
          user: {
            id: user.id,
            team_id: TEAM.id,
            name: user.name,
            real_name: user.realName,
            is_admin: user.isAdmin,
            is_owner: false,
            is_bot: false,
            profile: { real_name: user.realName, display_name: user.name },
          },
        };
      }
      case 'conversations.info': {
        const channel = this.channel(str('channel'));
        return { channel: { id: channel.id, name: channel.name, is_channel: !channel.isPrivate, is_private: channel.isPrivate, is_archived: channel.archived, is_member: channel.members.has(BOT.userId) } };
      }
      case 'conversations.members': {
        const channel = this.channel(str('channel'));
        const all = [...channel.members];
        const limit = Number(p.limit ?? 100) || 100;
        const start = Number(str('cursor') ?? 0) || 0;
        const page = all.slice(start, start + limit);
        const next = start + limit < all.length ? String(start + limit) : '';
        return { members: page, response_metadata: { next_cursor: next } };
      }
      case 'files.info': {
        const file = this.files.get(str('file') ?? '');
        if (!file) throw new ApiRefusal('file_not_found');
        return { file: this.fileObject(file) };
      }
      case 'files.getUploadURLExternal': {
        const name = str('filename');
        const length = Number(p.length);
        if (!name || !(length > 0)) throw new ApiRefusal('invalid_arguments');
        const file: StoredFile = { id: `F${this.next()}`, name, title: name, mimetype: mimeOf(name), size: length, bytes: undefined, user: BOT.userId, channels: [] };
        this.files.set(file.id, file);
        return { upload_url: `${this.base}/upload/${file.id}`, file_id: file.id };
      }
      case 'files.completeUploadExternal': {
        const list = json<{ id: string; title?: string }[]>('files') ?? [];
        const channelId = str('channel_id');
        const channel = channelId ? this.postable(channelId) : undefined;
        const done: StoredFile[] = [];
        for (const f of list) {
          const file = this.files.get(f.id);
          if (!file?.bytes) throw new ApiRefusal('file_not_found');
          if (f.title) file.title = f.title;
          if (channel) file.channels.push(channel.id);
          done.push(file);
        }
        if (channel) {
          this.store({
            channel: channel.id,
            botId: BOT.botId,
            user: BOT.userId,
            subtype: 'file_share',
            text: str('initial_comment') ?? '',
            blocks: [],
            files: done.map((f) => f.id),
            ...(str('thread_ts') ? { threadTs: str('thread_ts')! } : {}),
          });
        }
        return { files: done.map((f) => ({ id: f.id, title: f.title, name: f.name })) };
      }
      default:
        throw new ApiRefusal('unknown_method');
    }
  }

  private download(path: string, req: IncomingMessage, res: ServerResponse): void {
    const m = /^\/files-pri\/[^/]+-(F[0-9A-Z]+)\//.exec(path);
    const file = m ? this.files.get(m[1]!) : undefined;
    const authorized = req.headers.authorization === `Bearer ${this.botToken}`;
    if (file) this.downloads.push({ fileId: file.id, authorized });
    if (!file?.bytes) return void res.writeHead(404).end();
    if (file.redirectTo) return void res.writeHead(302, { location: file.redirectTo }).end();
    // Like Slack: without the token the private URL answers with the sign-in page, not the file.
    if (!authorized) return void res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end('<!DOCTYPE html><html><body>Sign in to Slack</body></html>');
    res.writeHead(200, { 'content-type': file.mimetype, 'content-length': String(file.bytes.length) }).end(file.bytes);
  }

  private async receiveUpload(fileId: string, req: IncomingMessage, raw: Buffer, res: ServerResponse): Promise<void> {
    const file = this.files.get(fileId);
    if (!file) return void res.writeHead(404).end();
    const type = String(req.headers['content-type'] ?? '');
    let bytes = raw;
    if (type.startsWith('multipart/form-data')) {
      const form = await new Response(new Uint8Array(raw), { headers: { 'content-type': type } }).formData();
      const part = [...form.values()].find((v) => typeof v !== 'string');
      bytes = part && typeof part !== 'string' ? Buffer.from(await part.arrayBuffer()) : Buffer.alloc(0);
    }
    file.bytes = bytes;
    file.size = bytes.length;
    res.writeHead(200, { 'content-type': 'text/plain' }).end(`OK - ${bytes.length}`);
  }

  private receiveResponse(id: string, raw: Buffer, res: ServerResponse): void {
    const target = this.responseUrls.get(id);
    if (!target) return void res.writeHead(404).end('invalid response_url');
    const payload = JSON.parse(raw.toString('utf8') || '{}') as { response_type?: string; text?: string; blocks?: Block[] };
    try {
      checkBlocks(payload.blocks);
    } catch (e) {
      if (e instanceof ApiRefusal) return void res.writeHead(400, { 'content-type': 'text/plain' }).end(e.code);
      throw e;
    }
    const text = payload.text ?? blocksText(payload.blocks);
    if (payload.response_type === 'in_channel') {
      this.store({ channel: target.channel, botId: BOT.botId, user: BOT.userId, text, blocks: payload.blocks ?? [] });
    } else {
      this.ephemerals.push({ channel: target.channel, user: target.user, text, ...(payload.blocks ? { blocks: payload.blocks } : {}), via: 'response_url' });
    }
    res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
  }

  // ---- helpers ----

  private channel(id: string | undefined): FakeChannel {
    const channel = id ? this.channels.get(id) : undefined;
    if (!channel) throw new ApiRefusal('channel_not_found');
    return channel;
  }

  /** A channel the bot may post in. */
  private postable(id: string | undefined): FakeChannel {
    const channel = this.channel(id);
    if (channel.archived) throw new ApiRefusal('is_archived');
    if (!channel.members.has(BOT.userId)) throw new ApiRefusal('not_in_channel');
    return channel;
  }

  private store(m: Omit<StoredMessage, 'ts' | 'history'>): StoredMessage {
    const message: StoredMessage = { ...m, ts: this.ts(), history: [] };
    this.messages.push(message);
    return message;
  }

  private fileObject(f: StoredFile): Record<string, unknown> {
    const path = `${this.base}/files-pri/${TEAM.id}-${f.id}`;
    const shares: Record<string, { ts: string; thread_ts?: string }[]> = {};
    for (const m of this.messages) if (m.files?.includes(f.id)) (shares[m.channel] ??= []).push({ ts: m.ts, ...(m.threadTs ? { thread_ts: m.threadTs } : {}) });
    // Slack's documented shape of an external file: is_external, external_type, mode "external",
    // and the outside address in url_private (no url_private_download).
    if (f.external) {
      return { id: f.id, name: f.name, title: f.title, mimetype: f.mimetype, filetype: f.name.split('.').pop(), user: f.user, size: f.size,
        is_external: true, external_type: f.external.type, mode: 'external', url_private: f.external.url, permalink: f.external.url, channels: f.channels, shares: { public: shares } };
    }
    return {
      id: f.id,
      name: f.name,
      title: f.title,
      mimetype: f.mimetype,
      filetype: f.name.split('.').pop(),
      user: f.user,
      size: f.size,
      is_external: false,
      mode: 'hosted',
      url_private: f.urlOverride ?? `${path}/${encodeURIComponent(f.name)}`,
      url_private_download: f.urlOverride ?? `${path}/download/${encodeURIComponent(f.name)}`,
      channels: f.channels,
      shares: { public: shares },
    };
  }

  private takeFault(method: string, params: Record<string, unknown>): Fault | undefined {
    const list = this.faults.get(method) ?? [];
    const fault = list.find((f) => !f.when || f.when(params));
    if (!fault) return undefined;
    fault.times = (fault.times ?? 1) - 1;
    if (fault.times <= 0) list.splice(list.indexOf(fault), 1);
    return fault;
  }

  private trigger(user: string): string {
    const id = `${this.next()}.${randomBytes(6).toString('hex')}`;
    this.triggers.set(id, { at: Date.now(), used: false, user });
    return id;
  }

  private responseUrl(channel: string, user: string): string {
    const id = `R${this.next()}`;
    this.responseUrls.set(id, { channel, user });
    return `${this.base}/response/${id}`;
  }

  private next(): string {
    return String(++this.seq).padStart(6, '0');
  }

  /** Slack's ts: seconds.micro, strictly increasing. */
  private ts(): string {
    const micros = Math.max(Date.now() * 1000, this.lastTs + 1);
    this.lastTs = micros;
    return `${Math.floor(micros / 1e6)}.${String(micros % 1e6).padStart(6, '0')}`;
  }
}

class ApiRefusal extends Error {
  constructor(readonly code: string) {
    super(code);
  }
}

/**
 * What Slack refuses in a message's blocks (invalid_blocks): more than 50 blocks, section text
 * over 3 000 characters, more than 25 elements in an actions block, an action_id used twice in
 * one block, button or option text over 75 characters, an overflow menu with other than 2–5
 * options (block-kit reference, block elements).
 */
function checkBlocks(blocks: Block[] | undefined): void {
  if (!blocks) return;
  if (blocks.length > 50) throw new ApiRefusal('invalid_blocks');
  const plainTooLong = (t: unknown) => ((t as { text?: string } | undefined)?.text?.length ?? 0) > 75;
  for (const b of blocks) {
    if (b.type === 'section' && ((b.text as { text?: string } | undefined)?.text?.length ?? 0) > 3000) throw new ApiRefusal('invalid_blocks');
    const elements = b.type === 'actions' ? ((b.elements as Record<string, unknown>[] | undefined) ?? []) : b.accessory ? [b.accessory as Record<string, unknown>] : [];
    if (elements.length > 25) throw new ApiRefusal('invalid_blocks');
    const ids = elements.map((el) => el.action_id).filter((id) => id !== undefined);
    if (new Set(ids).size !== ids.length) throw new ApiRefusal('invalid_blocks');
    for (const el of elements) {
      if (el.type === 'button' && plainTooLong(el.text)) throw new ApiRefusal('invalid_blocks');
      if (el.type === 'overflow') {
        const options = (el.options as { text?: unknown }[] | undefined) ?? [];
        if (options.length < 2 || options.length > 5 || options.some((o) => plainTooLong(o.text))) throw new ApiRefusal('invalid_blocks');
      }
    }
  }
}

/** What Slack itself refuses in a view: over-long titles, too many blocks. */
function checkView(view: Record<string, unknown>): void {
  for (const key of ['title', 'submit', 'close'] as const) {
    const text = (view[key] as { text?: string } | undefined)?.text;
    if (text !== undefined && text.length > 24) throw new ApiRefusal('invalid_arguments');
  }
  if (((view.blocks as unknown[] | undefined) ?? []).length > 100) throw new ApiRefusal('invalid_arguments');
}

async function readAll(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

async function parseParams(req: IncomingMessage, raw: Buffer): Promise<Record<string, unknown>> {
  const type = String(req.headers['content-type'] ?? '');
  if (!raw.length) return {};
  if (type.includes('application/json')) return JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
  if (type.startsWith('multipart/form-data')) {
    const form = await new Response(new Uint8Array(raw), { headers: { 'content-type': type } }).formData();
    const out: Record<string, unknown> = {};
    for (const [k, v] of form.entries()) out[k] = typeof v === 'string' ? v : Buffer.from(await v.arrayBuffer());
    return out;
  }
  return Object.fromEntries(new URLSearchParams(raw.toString('utf8')));
}

function mimeOf(name: string): string {
  const ext = name.split('.').pop()?.toLowerCase();
  return (
    { pdf: 'application/pdf', png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg', docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', exe: 'application/octet-stream' }[ext ?? ''] ??
    'application/octet-stream'
  );
}

export { blocksText, buttonsOf };
export type { Block, ButtonElement, Delivery, SendOptions };
