/**
 * Documents posted in a card's thread: downloaded with the bot token, checked for size and
 * type, stored with their sha256, attached to the task's slot, acknowledged in the thread.
 *
 * The bot token opens every private file of the workspace, so it goes to one origin only:
 * Slack's file host (SLACK_FILES_ORIGIN, https://files.slack.com). External files (Google
 * Drive, Dropbox, links: `is_external`) carry their outside address in url_private; they are
 * refused, and so is any other address, and any redirect away from that origin.
 */
import type { App } from '@slack/bolt';
import { Readable } from 'node:stream';
import type { ReadableStream } from 'node:stream/web';
import { SLACK } from '../../messages/id.js';
import { SECURITY } from '../../messages/security.js';
import { checkFileName, storeChecked, toMb, UploadRefusedError, type UploadLimit } from '../../storage/intake.js';
import type { StoredFile } from '../../storage/files.js';
import type { UploadSlot } from '../../workflow/engine.js';
import type { PendingUpload } from '../use-cases.js';
import { SLOT_ACTION, decodePress } from './action-value.js';
import { describeSlackError } from './api.js';
import type { SlackContext } from './context.js';
import { escapeMrkdwn, renderSlotQuestion } from './render.js';

/** The parts of a message event this handler reads (a file shared into a channel or thread). */
/** The parts of files.info's file this handler reads. */
interface SlackFile {
  name?: string;
  size?: number;
  url_private?: string;
  url_private_download?: string;
  is_external?: boolean;
  external_type?: string;
  mode?: string;
}

interface FileShareMessage {
  type: 'message';
  subtype?: string;
  channel: string;
  user?: string;
  bot_id?: string;
  ts: string;
  thread_ts?: string;
  files?: { id: string }[];
}

/** What a download needs later (after the slot question): where the file is, and where to answer. */
type SlackUpload = PendingUpload<{ url: string; channel: string; threadTs: string }>;

export function registerUploads(app: App, s: SlackContext): void {
  const { desk, logger } = s;
  const e = escapeMrkdwn;
  const limit: UploadLimit = { bytes: s.maxUploadBytes, by: 'service' };
  const tooLarge = () => new UploadRefusedError('too_large', { limitMb: toMb(limit.bytes), by: limit.by });

  app.event('message', async ({ event }) => {
    const m = event as unknown as FileShareMessage;
    // Files come as subtype file_share, or (newer clients) as a plain message carrying files.
    if ((m.subtype && m.subtype !== 'file_share') || !m.files?.length || !m.user || m.bot_id) return;
    if (m.user === s.identity.botUserId) return;
    const place = s.placeOf(m.channel);
    // A file in a channel that speaks for no role is none of this app's business.
    if (!(await desk.rolesOf(place)).length) return;
    const taskId = m.thread_ts ? await desk.taskOfReply(place, m.thread_ts) : null;
    if (!taskId) return void (await s.whisper(m.channel, m.user, SLACK.uploadInThread, m.thread_ts));
    for (const f of m.files) {
      await s.guarded((text) => s.whisper(m.channel, m.user!, text, m.thread_ts), () => received(m, m.user!, taskId, f.id));
    }
  });

  /** Whether the bot token may be sent to this address: https (or the configured scheme) on Slack's file host only. */
  const onFileHost = (url: string) => {
    try {
      return new URL(url).origin === s.filesOrigin;
    } catch {
      return false;
    }
  };

  async function received(m: FileShareMessage, user: string, taskId: number, fileId: string) {
    const thread = m.thread_ts!;
    const refuse = (text: string) => s.whisper(m.channel, user, text, thread);
    let file: SlackFile | undefined;
    try {
      file = (await s.api.files.info({ file: fileId })).file as SlackFile | undefined;
    } catch (err) {
      logger.warn({ err: describeSlackError(err), method: 'files.info', fileId }, 'files.info gagal');
    }
    if (!file) return void (await refuse(SLACK.uploadFailed));
    if (file.is_external || file.mode === 'external') return void (await refuse(SECURITY.slackExternalFile));
    const url = file.url_private_download ?? file.url_private;
    if (!url) return void (await refuse(SLACK.uploadFailed));
    if (!onFileHost(url)) {
      logger.warn({ fileId, host: hostOf(url) }, 'berkas Slack dengan alamat di luar host berkas Slack; tidak diunduh');
      return void (await refuse(SECURITY.slackForeignHost));
    }
    const fileName = file.name ?? `dokumen-${fileId}`;
    // Refused before anything is downloaded: a bad name, an extension not accepted, an announced size over the limit.
    checkFileName(fileName, s.allowedExtensions);
    if ((file.size ?? 0) > limit.bytes) throw tooLarge();

    const person = await s.personOf(user);
    const { upload, obvious } = await desk.uploadTarget(s.placeOf(m.channel), person, taskId, fileName, { url, channel: m.channel, threadTs: thread });
    if (obvious) return void (await storeUpload(upload, obvious, user));

    const prompt = await desk.ask(s.placeOf(m.channel), person, 'upload-slot', upload as unknown as Record<string, unknown>);
    const sent = await s.api.chat.postMessage({
      channel: m.channel,
      thread_ts: thread,
      text: SLACK.chooseSlot,
      blocks: renderSlotQuestion(fileName, prompt, upload.slots),
    });
    if (sent.ts) await desk.setPromptMessage(prompt, sent.ts);
  }

  app.action(SLOT_ACTION, async ({ ack, body, action }) => {
    await ack();
    if (body.type !== 'block_actions' || action.type !== 'button' || !body.channel) return;
    const channel = body.channel.id;
    const user = body.user.id;
    const press = decodePress(action.value);
    if (press?.kind !== 'slot') return void (await s.whisper(channel, user, SLACK.unknownButton));
    await s.guarded(
      (text) => s.whisper(channel, user, text, body.message?.thread_ts),
      async () => {
        const upload: SlackUpload = await desk.takeSlotPrompt(press.promptId, user);
        const slot = upload.slots[press.slotIndex];
        if (!slot) return void (await s.whisper(channel, user, SLACK.unknownButton));
        if (body.message?.ts) {
          // The question is answered: keep the choice, drop the buttons.
          await s.api.chat
            .update({ channel, ts: body.message.ts, text: e(SLACK.slotChosen(upload.fileName, slot.name)), blocks: [] })
            .catch((err: unknown) => logger.warn({ err: describeSlackError(err), method: 'chat.update' }, 'chat.update pertanyaan dokumen gagal'));
        }
        await storeUpload(upload, slot, user);
      },
    );
  });

  /**
   * GET with the bot token, following redirects only within Slack's file host: the header
   * never leaves it (fetch's own redirect handling would carry it along to any host).
   */
  async function download(url: string): Promise<Response> {
    let target = url;
    for (let hop = 0; hop < 5; hop++) {
      if (!onFileHost(target)) throw new ForeignHostError(target);
      const response = await fetch(target, { headers: { authorization: `Bearer ${s.botToken}` }, redirect: 'manual' });
      const location = response.headers.get('location');
      if (response.status < 300 || response.status >= 400 || !location) return response;
      await response.body?.cancel();
      target = new URL(location, target).toString();
    }
    throw new Error('download: too many redirects');
  }

  async function storeUpload(upload: SlackUpload, slot: UploadSlot, user: string) {
    const { channel, threadTs } = upload.source;
    const refuse = (text: string) => s.whisper(channel, user, text, threadTs);
    let stored: StoredFile;
    try {
      // url_private needs the bot token; without it Slack answers with its sign-in page (HTML).
      const response = await download(upload.source.url);
      const type = response.headers.get('content-type') ?? '';
      if (!response.ok || !response.body) throw new Error(`download ${response.status}`);
      if (type.startsWith('text/html')) {
        await response.body.cancel();
        throw new Error('download answered with a web page (token refused?)');
      }
      if (Number(response.headers.get('content-length') ?? 0) > limit.bytes) {
        await response.body.cancel();
        throw tooLarge();
      }
      stored = await storeChecked(s.core.files, Readable.fromWeb(response.body as ReadableStream<Uint8Array>), {
        fileName: upload.fileName,
        allowed: s.allowedExtensions,
        limit,
      });
    } catch (err) {
      if (err instanceof UploadRefusedError) throw err;
      if (err instanceof ForeignHostError) {
        logger.warn({ host: hostOf(err.url) }, 'unduhan berkas Slack diarahkan ke luar host berkas Slack; dihentikan');
        return void (await refuse(SECURITY.slackForeignHost));
      }
      logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'unduhan file Slack gagal');
      return void (await refuse(SLACK.uploadFailed));
    }
    const result = await desk.attach(await s.personOf(user), upload, slot, stored);
    await s.say(channel, e(SLACK.uploaded(upload.fileName, result.slot.name, stored.sizeBytes, stored.sha256)), threadTs);
  }
}

class ForeignHostError extends Error {
  constructor(readonly url: string) {
    super('download address is not on Slack\'s file host');
  }
}

/** Only the host goes to the log: the path of an external link may carry its own secret. */
function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return '(bukan URL)';
  }
}
