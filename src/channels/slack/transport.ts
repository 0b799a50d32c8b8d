/**
 * Sends outbox rows to Slack: posts cards (chat.postMessage), edits them after an action
 * (chat.update), posts notices, uploads files and pictures (files.uploadV2, rendered now from
 * what the row names). Classifies Slack's errors for the dispatcher.
 */
import { webApi } from '@slack/bolt';
import { CARD, OUTCOME_LABEL } from '../../messages/id.js';
import type { Outcome } from '../../sop/definition.js';
import { FILE_KIND, fileSpecOf, type FileRenderer } from '../../delivery/files.js';
import { DeliveryError, type DeliveryMessage, type Transport, type TransportLimits } from '../../delivery/transport.js';
import type { ChannelUseCases } from '../use-cases.js';
import type { WebClient } from './api.js';
import { cutMrkdwn, escapeMrkdwn, renderCardBlocks, renderCardText, renderClosedNotice } from './render.js';

/** chat.postMessage allows about one message per second into a channel (short bursts tolerated). */
export const SLACK_LIMITS: TransportLimits = { perChatPerMinute: 60 };

/**
 * Refusals that no retry can change: the channel is gone, archived, or the app is not in it;
 * the token is revoked; the message to edit no longer exists; the blocks are malformed.
 */
const PERMANENT = new Set([
  'channel_not_found',
  'not_in_channel',
  'is_archived',
  'restricted_action',
  'restricted_action_read_only_channel',
  'restricted_action_thread_only_channel',
  'restricted_action_non_threadable_channel',
  'ekm_access_denied',
  'team_access_not_granted',
  'message_not_found',
  'cant_update_message',
  'edit_window_closed',
  'msg_too_long',
  'no_text',
  'invalid_blocks',
  'invalid_blocks_format',
  'too_many_attachments',
  'invalid_auth',
  'not_authed',
  'account_inactive',
  'token_revoked',
  'token_expired',
  'no_permission',
  'missing_scope',
  'not_allowed_token_type',
  'invalid_arguments',
]);

/** Where a Slack message lives; the same keys as Telegram's so card lookups work for both. */
export interface SlackMessageRef {
  chatId: string;
  /** The message's ts. */
  messageId: string;
}

/** A file's comment: Slack advises messages under 4 000 characters. */
const COMMENT_MAX = 3_000;
/** files.uploadV2 shares at most 10 files with one message. */
const MAX_FILES = 10;

export function slackTransport(client: WebClient, desk: ChannelUseCases, limits: TransportLimits = SLACK_LIMITS, renderFile?: FileRenderer): Transport {
  return {
    platform: 'slack',
    limits,
    async deliver(message: DeliveryMessage) {
      try {
        if (message.kind === FILE_KIND) return await uploadFile(client, message, renderFile);
        return await deliver(client, desk, message);
      } catch (e) {
        throw classify(e, message.kind === 'card-update' ? 'chat.update' : message.kind === FILE_KIND ? 'files.uploadV2' : 'chat.postMessage');
      }
    },
  };
}

async function deliver(client: WebClient, desk: ChannelUseCases, m: DeliveryMessage): Promise<{ messageRef: Record<string, unknown> | null }> {
  const thread = m.threadId ? { thread_ts: m.threadId } : {};
  switch (m.kind) {
    case 'card': {
      const card = await desk.card(m.taskId!);
      const sent = await client.chat.postMessage({ channel: m.chatId, text: renderCardText(card), blocks: renderCardBlocks(card), unfurl_links: false, ...thread });
      return { messageRef: ref(sent.channel ?? m.chatId, sent.ts) };
    }
    case 'card-update': {
      const target = m.targetRef as SlackMessageRef | null;
      if (!target) return { messageRef: null };
      const card = await desk.card(m.taskId!);
      await client.chat.update({ channel: target.chatId, ts: target.messageId, text: renderCardText(card), blocks: renderCardBlocks(card) });
      return { messageRef: target as unknown as Record<string, unknown> };
    }
    case 'case-closed': {
      const caseRow = await desk.service.caseById(m.caseId!);
      const outcome = OUTCOME_LABEL[(m.payload.outcome as Outcome) ?? 'selesai'];
      const text = `🏁 ${escapeMrkdwn(CARD.caseClosedNotice(caseRow.ref, caseRow.title, outcome))}`;
      const sent = await client.chat.postMessage({ channel: m.chatId, text, blocks: renderClosedNotice(text, caseRow.id), ...thread });
      return { messageRef: ref(sent.channel ?? m.chatId, sent.ts) };
    }
    default: {
      // Reminders, escalations and digests carry their text in the payload; HTML is for Telegram.
      const text = typeof m.payload.text === 'string' ? escapeMrkdwn(m.payload.text) : typeof m.payload.html === 'string' ? htmlToMrkdwn(m.payload.html) : '';
      if (!text) throw new DeliveryError(`nothing to send for kind ${m.kind}`, { permanent: true });
      // A notice about a task goes into its card's thread (and to the channel), so it leads back to the card.
      const card = m.taskId ? await desk.cardMessageIn(m.chatId, m.taskId) : null;
      const sent = await client.chat.postMessage({
        channel: m.chatId,
        text,
        unfurl_links: false,
        ...(card ? { thread_ts: card, reply_broadcast: true } : thread),
      });
      return { messageRef: ref(sent.channel ?? m.chatId, sent.ts) };
    }
  }
}

/**
 * A file row: rendered now, then files.uploadV2 (files.getUploadURLExternal for each file, the
 * bytes to the URL it gives, one files.completeUploadExternal that shares them all with the
 * comment). A failure before the last step leaves nothing in the channel, so a retry starts over
 * without a duplicate.
 */
async function uploadFile(client: WebClient, m: DeliveryMessage, renderFile: FileRenderer | undefined): Promise<{ messageRef: Record<string, unknown> }> {
  const spec = fileSpecOf(m.payload);
  if (!spec || !renderFile) throw new DeliveryError(`no renderer for file row ${m.id}`, { permanent: true });
  const rendered = await renderFile(spec);
  if (!rendered.files.length) throw new DeliveryError(`nothing rendered for ${spec.render}`, { permanent: true });
  const result = (await client.filesUploadV2({
    channel_id: m.chatId,
    ...(m.threadId ? { thread_ts: m.threadId } : {}),
    initial_comment: cutMrkdwn(escapeMrkdwn(rendered.caption), COMMENT_MAX),
    file_uploads: rendered.files.slice(0, MAX_FILES).map((f) => ({ file: f.data, filename: f.name, title: f.name })),
  })) as { files?: { files?: { id?: string }[] }[] };
  const fileIds = (result.files ?? []).flatMap((c) => c.files ?? []).map((f) => f.id ?? '');
  return { messageRef: { chatId: m.chatId, fileIds } };
}

function ref(channel: string, ts: string | undefined): Record<string, unknown> {
  if (!ts) throw new DeliveryError('slack returned no ts', { permanent: false });
  return { chatId: channel, messageId: ts } satisfies SlackMessageRef;
}

function htmlToMrkdwn(html: string): string {
  const text = html
    .replace(/<\/?b>/g, '*')
    .replace(/<\/?i>/g, '_')
    .replace(/<[^>]+>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
  return escapeMrkdwn(text);
}

export function classify(e: unknown, method?: string): DeliveryError {
  if (e instanceof DeliveryError) return e;
  if (e instanceof webApi.WebAPIRateLimitedError) {
    return new DeliveryError(e.message, { method, status: 429, retryAfterSeconds: e.retryAfter, cause: e });
  }
  if (e instanceof webApi.WebAPIPlatformError) {
    const code = e.data.error;
    // A 200 with ok:false and "ratelimited" happens on some methods instead of a 429.
    if (code === 'ratelimited') return new DeliveryError(code, { method, retryAfterSeconds: e.data.response_metadata?.retryAfter ?? 1, cause: e });
    return new DeliveryError(`slack: ${code}`, { method, permanent: PERMANENT.has(code), cause: e });
  }
  if (e instanceof webApi.WebAPIHTTPError) {
    return new DeliveryError(`slack http ${e.statusCode}`, { method, status: e.statusCode, permanent: e.statusCode >= 400 && e.statusCode < 500, cause: e });
  }
  return new DeliveryError(e instanceof Error ? e.message : String(e), { method, cause: e });
}
