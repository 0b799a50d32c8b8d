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
import * as channelStore from '../../db/channel-store.js';
import * as store from '../../db/store.js';
import { SLACK } from '../../messages/id.js';
import { SECURITY, uploadRefusal } from '../../messages/security.js';
import { checkFileName, isUploadRefused, storeChecked, toMb, UploadRefusedError, withStoredFile, type UploadLimit } from '../../storage/intake.js';
import { mimeTypeOf } from '../../storage/mime.js';
import { findStep, missingOutputs, uploadSlots } from '../../workflow/engine.js';
import { isWorkflowError } from '../../workflow/errors.js';
import { SLOT_ACTION, decodePress } from './action-value.js';
import { describeSlackError } from './api.js';
import { PLATFORM, type SlackContext } from './context.js';
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

type Slot = { kind: 'kelengkapan' | 'output'; name: string };

interface PendingUpload {
  taskId: number;
  role: string;
  channel: string;
  threadTs: string;
  fileName: string;
  url: string;
  slots: Slot[];
}

export function registerUploads(app: App, s: SlackContext): void {
  const { db, service, logger } = s;
  const e = escapeMrkdwn;
  const limit: UploadLimit = { bytes: s.maxUploadBytes, by: 'service' };

  app.event('message', async ({ event }) => {
    const m = event as unknown as FileShareMessage;
    // Files come as subtype file_share, or (newer clients) as a plain message carrying files.
    if ((m.subtype && m.subtype !== 'file_share') || !m.files?.length || !m.user || m.bot_id) return;
    if (m.user === s.identity.botUserId) return;
    // A file in a channel that speaks for no role is none of this app's business.
    if (!(await s.rolesOf(m.channel)).length) return;
    const taskId = m.thread_ts ? await channelStore.taskOfRepliedCard(db, PLATFORM, m.channel, m.thread_ts) : null;
    if (!taskId) return void (await s.whisper(m.channel, m.user, SLACK.uploadInThread, m.thread_ts));
    for (const f of m.files) await received(m, m.user, taskId, f.id);
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
      logger.warn({ err: describeSlackError(err), fileId }, 'files.info gagal');
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
    try {
      checkFileName(fileName, s.allowedExtensions);
    } catch (err) {
      if (isUploadRefused(err)) return void (await refuse(e(err.message)));
      throw err;
    }
    if ((file.size ?? 0) > limit.bytes) return void (await refuse(uploadRefusal('too_large', { limitMb: toMb(limit.bytes), by: limit.by })));

    const task = (await store.getTask(db, taskId))!;
    const who = await s.roleForTask(m.channel, user, task.roles);
    if ('refusal' in who) return void (await refuse(who.refusal));
    const caseRow = (await store.getCase(db, task.caseId))!;
    const def = await service.definitionOf(db, caseRow.sopVersionId, caseRow.sopId);
    const step = findStep(def, task.stepId);
    const slots = uploadSlots(step, caseRow.decisions);
    if (!slots.length) return void (await refuse(SLACK.noSlots));
    const missing = missingOutputs(step, task, await store.loadDocuments(db, caseRow.id), caseRow.decisions);
    const upload: PendingUpload = { taskId, role: who.role, channel: m.channel, threadTs: thread, fileName, url, slots };
    // The obvious slot needs no question: the only one, or the only output still missing.
    const obvious = slots.length === 1 ? slots[0] : missing.length === 1 ? slots.find((x) => x.kind === 'output' && x.name === missing[0]) : undefined;
    if (obvious) return void (await storeUpload(upload, obvious, user));

    const prompt = await channelStore.openPrompt(db, {
      platform: PLATFORM,
      chatId: m.channel,
      userId: user,
      kind: 'upload-slot',
      data: upload as unknown as Record<string, unknown>,
      expiresAt: new Date(s.clock().getTime() + s.promptTtlMs),
    });
    const sent = await s.api.chat.postMessage({
      channel: m.channel,
      thread_ts: thread,
      text: SLACK.chooseSlot,
      blocks: renderSlotQuestion(fileName, prompt, slots),
    });
    if (sent.ts) await channelStore.setPromptMessage(db, prompt, sent.ts);
  }

  app.action(SLOT_ACTION, async ({ ack, body, action }) => {
    await ack();
    if (body.type !== 'block_actions' || action.type !== 'button' || !body.channel) return;
    const channel = body.channel.id;
    const user = body.user.id;
    const press = decodePress(action.value);
    if (!press || press.kind !== 'slot') return void (await s.whisper(channel, user, SLACK.unknownButton));
    const prompt = await channelStore.takePromptById(db, press.promptId, user, s.clock());
    if (!prompt || prompt.kind !== 'upload-slot') return void (await s.whisper(channel, user, SLACK.promptGone, body.message?.thread_ts));
    const upload = prompt.data as unknown as PendingUpload;
    const slot = upload.slots[press.slotIndex];
    if (!slot) return void (await s.whisper(channel, user, SLACK.unknownButton));
    if (body.message?.ts) {
      // The question is answered: keep the choice, drop the buttons.
      await s.api.chat
        .update({ channel, ts: body.message.ts, text: e(SLACK.slotChosen(upload.fileName, slot.name)), blocks: [] })
        .catch((err: unknown) => logger.warn({ err: describeSlackError(err) }, 'chat.update pertanyaan dokumen gagal'));
    }
    await storeUpload(upload, slot, user);
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

  async function storeUpload(upload: PendingUpload, slot: Slot, user: string) {
    const refuse = (text: string) => s.whisper(upload.channel, user, text, upload.threadTs);
    let stored;
    try {
      // url_private needs the bot token; without it Slack answers with its sign-in page (HTML).
      const response = await download(upload.url);
      const type = response.headers.get('content-type') ?? '';
      if (!response.ok || !response.body) throw new Error(`download ${response.status}`);
      if (type.startsWith('text/html')) {
        await response.body.cancel();
        throw new Error('download answered with a web page (token refused?)');
      }
      if (Number(response.headers.get('content-length') ?? 0) > limit.bytes) {
        await response.body.cancel();
        throw new UploadRefusedError('too_large', { limitMb: toMb(limit.bytes), by: limit.by });
      }
      stored = await storeChecked(s.core.files, Readable.fromWeb(response.body as ReadableStream<Uint8Array>), {
        fileName: upload.fileName,
        allowed: s.allowedExtensions,
        limit,
      });
    } catch (err) {
      if (isUploadRefused(err)) return void (await refuse(e(err.message)));
      if (err instanceof ForeignHostError) {
        logger.warn({ host: hostOf(err.url) }, 'unduhan berkas Slack diarahkan ke luar host berkas Slack; dihentikan');
        return void (await refuse(SECURITY.slackForeignHost));
      }
      logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'unduhan file Slack gagal');
      return void (await refuse(SLACK.uploadFailed));
    }
    try {
      const result = await withStoredFile(s.core.files, stored, async () =>
        service.attachDocument(
          upload.taskId,
          slot,
          { fileName: upload.fileName, mimeType: mimeTypeOf(upload.fileName), ...stored },
          await s.actorOf(user, upload.role),
        ),
      );
      await s.say(upload.channel, e(SLACK.uploaded(upload.fileName, result.slotName, stored.sizeBytes, stored.sha256)), upload.threadTs);
    } catch (err) {
      if (!isWorkflowError(err)) throw err;
      await refuse(e(err.message));
    }
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
