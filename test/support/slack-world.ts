/**
 * The central agency on Slack for end-to-end tests: the real service (Bolt app on the
 * service's own HTTP server, dispatcher, workflow on a test database) against the fake Slack,
 * with one channel per role and a person in each. It can also join a service started by
 * TelegramWorld (attach), for cases that cross both platforms.
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
import { catalogDir, loadCatalog } from '../../src/sop/loader.js';
import { LocalFileStore } from '../../src/storage/files.js';
import { WorkflowService } from '../../src/service/workflow-service.js';
import { createTestDatabase, type TestDatabase } from './db.js';
import { blocksText, buttonsOf, startFakeSlack, type Delivery, type FakeChannel, type FakeSlack, type SlackUser, type StoredMessage, type StoredView } from './fake-slack.js';

export interface SlackDesk {
  role: string;
  channel: FakeChannel;
  person: SlackUser;
}

export interface SlackWorldOptions {
  env?: Record<string, string>;
  dispatcher?: StartOptions['dispatcher'];
  logger?: Logger;
  /** Runs on the core before the service starts (e.g. to slow the database down). */
  prepare?: (core: Core) => void;
  /** Runs on the fake before the service starts (e.g. an outage of auth.test). */
  beforeStart?: (slack: FakeSlack) => void;
}

const WAIT = 20_000;

export class SlackWorld {
  readonly desks = new Map<string, SlackDesk>();

  private constructor(
    readonly slack: FakeSlack,
    readonly core: Core,
    readonly service: RunningService,
    private readonly cleanup: () => Promise<void>,
  ) {
    slack.connect(`http://127.0.0.1:${service.http.port}/slack/events`);
  }

  /** The environment that points the service at the fake. */
  static env(slack: FakeSlack): Record<string, string> {
    return {
      SLACK_BOT_TOKEN: slack.botToken,
      SLACK_SIGNING_SECRET: slack.signingSecret,
      SLACK_API_URL: slack.apiUrl,
      // The fake serves private files from its own address; the token goes there and nowhere else.
      SLACK_FILES_ORIGIN: slack.base,
      // The fake counts nothing; tests about limits set their own.
      SLACK_RATE_PER_CHANNEL_PER_MINUTE: '1000',
    };
  }

  static async start(options: SlackWorldOptions = {}): Promise<SlackWorld> {
    const slack = await startFakeSlack();
    options.beforeStart?.(slack);
    const dir = await mkdtemp(join(tmpdir(), 'sopbot-slack-'));
    const database: TestDatabase = await createTestDatabase();
    const workflow = new WorkflowService(database.db);
    await workflow.registerDefinitions((await loadCatalog(catalogDir())).definitions);
    const config = loadConfig({ SOPBOT_DATA_DIR: dir, PORT: '0', ...SlackWorld.env(slack), ...options.env });
    const core: Core = {
      config,
      database,
      service: workflow,
      files: new LocalFileStore(join(dir, 'files')),
      catalogFailures: [],
      close: async () => {},
    };
    options.prepare?.(core);
    const service = await startService(config, options.logger ?? silentLogger, {
      core,
      host: '127.0.0.1',
      startScheduler: false,
      dispatcher: { intervalMs: 20, ...options.dispatcher },
    });
    return new SlackWorld(slack, core, service, async () => {
      await service.stop();
      await slack.close();
      await database.close();
      await rm(dir, { recursive: true, force: true });
    });
  }

  /** Slack desks on a service someone else started (with SlackWorld.env(slack) in its env). */
  static attach(slack: FakeSlack, core: Core, service: RunningService): SlackWorld {
    return new SlackWorld(slack, core, service, () => slack.close());
  }

  async close(): Promise<void> {
    await this.cleanup();
  }

  /** Every request Slack sent so far has been handled to the end (not only acknowledged). */
  async settled(): Promise<void> {
    await this.service.slack!.settled();
  }

  async pairingCode(role: string): Promise<string> {
    const out: string[] = [];
    const code = await runCli(['bind', 'slack', '--role', role], { core: this.core, out: (t) => out.push(t), err: (t) => out.push(t) });
    expect(code, out.join('\n')).toBe(0);
    expect(out[0]).toContain('/sop daftar');
    return /: ([A-Z0-9]{4}-[A-Z0-9]{4})/.exec(out[0]!)![1]!;
  }

  /** The admin makes a pairing code; someone in the role's channel types /sop daftar KODE. */
  async bindChannel(role: string, options: { person?: SlackUser; appInvited?: boolean } = {}): Promise<SlackDesk> {
    const person = options.person ?? this.slack.addUser({ name: `petugas.${role}`, realName: `Petugas ${role}` });
    const channel = this.slack.addChannel({ name: `sop-${role.replace(/_/g, '-')}`, members: [person], botMember: options.appInvited ?? true });
    const code = await this.pairingCode(role);
    const ack = await this.slack.runCommand(person, channel, `daftar ${code}`);
    expect(ack.status).toBe(200);
    await this.slack.waitFor(() => this.botSaid(channel, 'terdaftar sebagai'), WAIT, `binding of ${role}`);
    const desk = { role, channel, person };
    this.desks.set(role, desk);
    return desk;
  }

  desk(role: string): SlackDesk {
    const d = this.desks.get(role);
    if (!d) throw new Error(`no Slack desk for ${role}`);
    return d;
  }

  botSaid(channel: FakeChannel, fragment: string): StoredMessage | undefined {
    return this.slack.botMessages(channel).find((m) => textOf(m).includes(fragment));
  }

  /** What only `user` saw (ephemeral messages, answers on response_url). */
  async whisperTo(user: SlackUser, fragment: string, after = 0): Promise<string> {
    const found = await this.slack.waitFor(
      () => this.slack.ephemeralsFor(user).slice(after).find((e) => e.text.includes(fragment)),
      WAIT,
      `ephemeral "${fragment}" to ${user.name}`,
    );
    return found.text;
  }

  /** The open card of a case's step in the role's channel (the one still carrying buttons). */
  async card(role: string, caseRef: string, stepId: string, visit = 1): Promise<StoredMessage> {
    const d = this.desk(role);
    const head = `Kegiatan ${stepId} (`;
    return this.slack.waitFor(
      () =>
        this.slack.botMessages(d.channel).find((m) => {
          const text = textOf(m);
          return text.includes(caseRef) && text.includes(head) && (visit > 1 ? text.includes(`putaran ke-${visit}`) : !text.includes('putaran')) && buttonsOf(m.blocks).length > 0;
        }),
      WAIT,
      `card ${caseRef} step ${stepId} visit ${visit} in ${role}`,
    );
  }

  /** Clicks a card's button as the role's person (or `by`); Slack must get its ack. */
  async press(role: string, card: StoredMessage, label: string, by?: SlackUser): Promise<Delivery> {
    const delivery = await this.slack.click(by ?? this.desk(role).person, card, label);
    expect(delivery.status, delivery.body).toBe(200);
    return delivery;
  }

  /** Waits until the card lost its buttons and says who did what. */
  async cardClosed(role: string, card: StoredMessage, fragment: string): Promise<StoredMessage> {
    const d = this.desk(role);
    return this.slack.waitFor(
      () => {
        const now = this.slack.message(d.channel, card.ts);
        return now && !buttonsOf(now.blocks).length && textOf(now).includes(fragment) ? now : undefined;
      },
      WAIT,
      `card ${card.ts} closed with "${fragment}"`,
    );
  }

  /** The modal the app opened for `user` most recently. */
  async modal(user: SlackUser, callbackId: string): Promise<StoredView> {
    return this.slack.waitFor(() => this.slack.openModals(user).filter((v) => v.view.callback_id === callbackId).at(-1), WAIT, `modal ${callbackId} for ${user.name}`);
  }

  /**
   * Posts a PDF in the card's thread and waits for the app's acknowledgement there; when the
   * app asks which document it is, clicks the button named `slot`.
   */
  async upload(role: string, card: StoredMessage, fileName: string, slot?: string, bytes = `%PDF-1.4 ${fileName}`): Promise<StoredMessage> {
    const d = this.desk(role);
    const { message, delivered } = this.slack.shareFile(d.person, d.channel, { name: fileName, bytes, threadTs: card.ts });
    expect((await delivered).status).toBe(200);
    const answer = await this.slack.waitFor(
      () =>
        this.slack
          .botMessages(d.channel, { thread: card.ts })
          .find((m) => m.ts > message.ts && ((textOf(m).includes(fileName) && textOf(m).includes('tersimpan')) || textOf(m).includes('untuk yang mana'))),
      WAIT,
      `answer to the upload of ${fileName}`,
    );
    if (!textOf(answer).includes('untuk yang mana')) return answer;
    const button = buttonsOf(answer.blocks).find((b) => b.text.text === slot);
    if (!button) throw new Error(`the app asked for a slot; none named "${slot}": ${JSON.stringify(buttonsOf(answer.blocks).map((b) => b.text.text))}`);
    expect((await this.slack.clickButton(d.person, answer, button)).status).toBe(200);
    return this.slack.waitFor(
      () => this.slack.botMessages(d.channel, { thread: card.ts }).find((m) => m.ts > answer.ts && textOf(m).includes(`${fileName} tersimpan`)),
      WAIT,
      `acknowledgement of ${fileName}`,
    );
  }

  /** /sop baru in the role's channel, the SOP and title given in the modal; returns the case ref. */
  async startCase(role: string, sopId: string, title: string): Promise<string> {
    const d = this.desk(role);
    const before = this.slack.botMessages(d.channel).length;
    expect((await this.slack.runCommand(d.person, d.channel, 'baru')).status).toBe(200);
    const modal = await this.modal(d.person, 'new_case');
    const submitted = await this.slack.submit(d.person, modal, { sop: sopId, title });
    expect(submitted).toMatchObject({ status: 200, body: '' });
    const started = await this.slack.waitFor(
      () => this.slack.botMessages(d.channel).slice(before).find((m) => textOf(m).includes('dimulai')),
      WAIT,
      `case started in ${role}`,
    );
    return /Kasus \*?([A-Z]+-\d{4}-\d{4})/.exec(textOf(started))![1]!;
  }
}

export function textOf(m: StoredMessage): string {
  return m.blocks.length ? blocksText(m.blocks) : m.text;
}
