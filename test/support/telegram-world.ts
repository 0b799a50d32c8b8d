/**
 * A whole agency on Telegram for end-to-end tests: the real service (telegraf bot, dispatcher,
 * workflow on a test database) against the fake Bot API, with one group per role and a
 * person in each.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { Core } from '../../src/bootstrap.js';
import { runCli } from '../../src/cli/program.js';
import { loadConfig } from '../../src/config.js';
import { silentLogger, type Logger } from '../../src/logging.js';
import { startService, type RunningService, type StartOptions } from '../../src/server.js';
import type { TestDatabase } from './db.js';
import { createTestCore } from './test-core.js';
import { startFakeTelegram, type FakeTelegram, type TgChat, type TgMessage, type TgUser } from './fake-telegram.js';

export const WEBHOOK_SECRET = 'rahasia-webhook-uji-1234';

export interface RoleDesk {
  role: string;
  chat: TgChat;
  threadId?: number;
  person: TgUser;
}

export interface TelegramWorldOptions {
  env?: Record<string, string>;
  webhook?: boolean;
  /** Where the service logs (tests that read the logs); silent by default. */
  logger?: Logger;
  /** A database opened by the test (e.g. through a proxy it can cut). */
  database?: TestDatabase;
  /** Dispatcher options for the service (e.g. a short backoff); the 20 ms poll stays unless given. */
  dispatcher?: StartOptions['dispatcher'];
  /** false: no cron ticks (reminders, digest) during the test; the service's default otherwise. */
  startScheduler?: boolean;
  /** Where the service reaches the Bot API, given the fake (e.g. a proxy in front of it that injects faults). */
  apiRoot?: (tg: FakeTelegram) => string | Promise<string>;
}

export class TelegramWorld {
  readonly desks = new Map<string, RoleDesk>();
  private constructor(
    readonly tg: FakeTelegram,
    readonly database: TestDatabase,
    readonly core: Core,
    readonly service: RunningService,
    private readonly dir: string,
  ) {}

  static async start(options: TelegramWorldOptions = {}): Promise<TelegramWorld> {
    const tg = await startFakeTelegram();
    const dir = await mkdtemp(join(tmpdir(), 'sopbot-tg-'));
    const env: Record<string, string> = {
      SOPBOT_DATA_DIR: dir,
      PORT: '0',
      TELEGRAM_BOT_TOKEN: tg.token,
      TELEGRAM_API_ROOT: options.apiRoot ? await options.apiRoot(tg) : tg.apiRoot,
      // The fake counts like Telegram; tests that are about limits set their own.
      TELEGRAM_RATE_PER_CHAT_PER_MINUTE: '1000',
      TELEGRAM_RATE_PER_SECOND: '1000',
      ...options.env,
    };
    const core = await createTestCore({ dir, env, ...(options.database ? { database: options.database } : {}) });
    const { config, database } = core;
    let serviceConfig = config;
    if (options.webhook) {
      // Telegram must be told the URL before updates flow, so the port is chosen up front.
      const port = await freePort();
      serviceConfig = loadConfig({
        ...env,
        PORT: String(port),
        TELEGRAM_WEBHOOK_URL: `http://127.0.0.1:${port}/telegram/webhook`,
        TELEGRAM_WEBHOOK_SECRET: WEBHOOK_SECRET,
      });
    }
    const service = await startService(serviceConfig, options.logger ?? silentLogger, { core, host: '127.0.0.1', dispatcher: { intervalMs: 20, ...options.dispatcher },
      ...(options.startScheduler !== undefined ? { startScheduler: options.startScheduler } : {}),
    });
    return new TelegramWorld(tg, database, core, service, dir);
  }

  async close() {
    await this.service.stop();
    await this.tg.close();
    await this.database.close();
    await rm(this.dir, { recursive: true, force: true });
  }

  /** The admin makes a pairing code; someone in the group sends /daftar with it. */
  async bindGroup(role: string, options: { forumTopic?: boolean; private?: boolean } = {}): Promise<RoleDesk> {
    const person = this.tg.addUser({ first_name: `Petugas ${role}` });
    let chat: TgChat;
    let threadId: number | undefined;
    if (options.private) chat = this.tg.addPrivateChat(person);
    else {
      chat = this.tg.addGroup({ title: `Grup ${role}`, forum: options.forumTopic ?? false, members: [person] } as never);
      if (options.forumTopic) threadId = this.tg.addTopic(chat, role);
    }
    const code = await this.pairingCode(role);
    this.tg.userSends(chat, person, `/daftar ${code}`, threadId ? { threadId } : {});
    await this.tg.waitFor(() => this.botSaid(chat, 'terdaftar sebagai', threadId), 20_000, `binding of ${role}`);
    const desk = { role, chat, person, ...(threadId ? { threadId } : {}) };
    this.desks.set(role, desk);
    return desk;
  }

  async pairingCode(role: string): Promise<string> {
    const out: string[] = [];
    const code = await runCli(['bind', 'telegram', '--role', role], { core: this.core, out: (t) => out.push(t), err: (t) => out.push(t) });
    expect(code, out.join('\n')).toBe(0);
    return /: ([A-Z0-9]{4}-[A-Z0-9]{4})/.exec(out[0]!)![1]!;
  }

  /**
   * Waits until the bot has taken and finished every update so far (long polling confirms a
   * batch only after handling it), so "nothing happened" can be asserted without sleeping.
   */
  async settled(timeoutMs = 20_000): Promise<void> {
    await this.tg.waitFor(() => this.tg.pendingUpdates().length === 0, timeoutMs, 'bot handled every update');
  }

  desk(role: string): RoleDesk {
    const d = this.desks.get(role);
    if (!d) throw new Error(`no desk for ${role}`);
    return d;
  }

  botMessages(chat: TgChat, threadId?: number): TgMessage[] {
    return this.tg.messagesIn(chat, threadId).filter((m) => m.from?.id === this.tg.bot.id);
  }

  botSaid(chat: TgChat, fragment: string, threadId?: number): TgMessage | undefined {
    return this.botMessages(chat, threadId).find((m) => m.text?.includes(fragment));
  }

  /** The open card of a case's step in the role's chat (the one still carrying buttons). */
  async card(role: string, caseRef: string, stepId: string, visit = 1): Promise<TgMessage> {
    const d = this.desk(role);
    const head = `Kegiatan ${stepId} (`;
    return this.tg.waitFor(
      () =>
        this.botMessages(d.chat, d.threadId).find(
          (m) =>
            m.text?.includes(caseRef) &&
            m.text.includes(head) &&
            (visit > 1 ? m.text.includes(`putaran ke-${visit}`) : !m.text.includes('putaran')) &&
            (m.reply_markup?.inline_keyboard.length ?? 0) > 0,
        ),
      20_000,
      `card ${caseRef} step ${stepId} visit ${visit} in ${role}`,
    );
  }

  /** Presses the button whose label contains `label`; returns the callback query id. */
  press(role: string, card: TgMessage, label: string, by?: TgUser): string {
    const d = this.desk(role);
    const button = card.reply_markup!.inline_keyboard.flat().find((b) => b.text.includes(label));
    if (!button) throw new Error(`no button "${label}" on card: ${JSON.stringify(card.reply_markup)}`);
    return this.tg.userPresses(d.chat, by ?? d.person, card, button.callback_data!);
  }

  async answerOf(queryId: string): Promise<string | undefined> {
    const answer = await this.tg.waitFor(() => this.tg.callbackAnswers.get(queryId), 20_000, `answer to ${queryId}`);
    return answer.text;
  }

  /**
   * Replies to the card with a PDF and waits for the bot's acknowledgement; when the bot asks
   * which document it is, presses the button named `slot`.
   */
  async upload(role: string, card: TgMessage, fileName: string, slot?: string, bytes = `%PDF-1.4 ${fileName}`) {
    const d = this.desk(role);
    const sent = this.tg.userUploads(d.chat, d.person, { fileName, bytes, replyTo: card, ...(d.threadId ? { threadId: d.threadId } : {}) });
    const answer = await this.tg.waitFor(
      () =>
        this.botMessages(d.chat, d.threadId).find(
          (m) => m.message_id > sent.message_id && (m.reply_to_message?.message_id === sent.message_id || (m.text?.includes(fileName) && m.text.includes('tersimpan'))),
        ),
      20_000,
      `answer to the upload of ${fileName}`,
    );
    if (!answer.text?.includes('untuk yang mana')) return answer;
    const button = answer.reply_markup!.inline_keyboard.flat().find((b) => b.text === slot);
    if (!button) throw new Error(`bot asked for a slot; none named "${slot}": ${JSON.stringify(answer.reply_markup)}`);
    this.tg.userPresses(d.chat, d.person, answer, button.callback_data!);
    return this.tg.waitFor(
      () => this.botMessages(d.chat, d.threadId).find((m) => m.message_id > answer.message_id && m.text?.includes(`${fileName} tersimpan`)),
      20_000,
      `acknowledgement of ${fileName}`,
    );
  }

  /** Waits until the card's message lost its buttons and says who did what. */
  async cardClosed(role: string, card: TgMessage, fragment: string): Promise<TgMessage> {
    const d = this.desk(role);
    return this.tg.waitFor(
      () => {
        const now = this.tg.messagesIn(d.chat, d.threadId).find((m) => m.message_id === card.message_id);
        return now && !(now.reply_markup?.inline_keyboard.length ?? 0) && now.text?.includes(fragment) ? now : undefined;
      },
      20_000,
      `card ${card.message_id} closed with "${fragment}"`,
    );
  }
}

async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}
