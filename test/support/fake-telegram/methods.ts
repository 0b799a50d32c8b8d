/**
 * Bot API method handlers. Validation and error wording follow the public server closely
 * enough that the bot's error handling (not modified, blocked, too old, too big) is exercised.
 */
import { extensionOf, mimeFromFilename } from './body.js';
import { ApiError, DESCRIPTIONS, badRequest } from './errors.js';
import { formatText, type Formatted } from './formatting.js';
import { inlineKeyboardOf, type StoredChat, type StoredFile, type StoredMessage, type World } from './model.js';
import type { UpdateQueue } from './updates.js';
import type { WebhookDeliverer } from './webhook.js';
import type {
  CallbackAnswer,
  EditRecord,
  InlineKeyboardMarkup,
  TgCallbackQuery,
  TgMessage,
  TgPhotoSize,
  TgUpdate,
  UploadedFile,
} from './types.js';

export interface MethodContext {
  /** Aborted when the client gives up on the request (telegraf's bot.stop() during a long poll). */
  signal: AbortSignal;
}

export type MethodHandler = (params: Record<string, unknown>, ctx: MethodContext) => unknown;

/** The fake's state the handlers work on. */
export interface Core {
  world: World;
  queue: UpdateQueue;
  webhook: WebhookDeliverer;
  edits: EditRecord[];
  deletedMessages: Array<{ chatId: number; messageId: number; time: number }>;
  callbackQueries: Map<string, { query: TgCallbackQuery; createdAt: number }>;
  callbackAnswers: Map<string, CallbackAnswer>;
  commands: Map<string, unknown[]>;
  callbackQueryTtlMs: number | undefined;
  privacyMode: boolean;
  now(): number;
  nowSeconds(): number;
}

/** Telegram's getFile refuses anything above 20 MB for bots on the public server. */
export const MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024;
const MAX_TEXT = 4096;
const MAX_CAPTION = 1024;
/** sendPhoto: at most 10 MB, width + height at most 10 000, sides at most 20:1 (core.telegram.org/bots/api#sendphoto). */
const MAX_PHOTO_BYTES = 10 * 1024 * 1024;
const MAX_PHOTO_SIDES = 10_000;
const MAX_PHOTO_RATIO = 20;

const CHAT_ACTIONS = new Set([
  'typing',
  'upload_photo',
  'record_video',
  'upload_video',
  'record_voice',
  'upload_voice',
  'upload_document',
  'choose_sticker',
  'find_location',
  'record_video_note',
  'upload_video_note',
]);

const BUTTON_ACTIONS = [
  'callback_data',
  'url',
  'web_app',
  'login_url',
  'switch_inline_query',
  'switch_inline_query_current_chat',
  'switch_inline_query_chosen_chat',
  'copy_text',
  'callback_game',
  'pay',
];

// --- parameter coercion: form bodies carry everything as strings ------------------------------

function optInt(p: Record<string, unknown>, name: string): number | undefined {
  const v = p[name];
  if (v === undefined || v === null || v === '') return undefined;
  const n = typeof v === 'number' ? v : Number(v);
  if (!Number.isInteger(n)) throw badRequest(`invalid ${name} specified`);
  return n;
}

function optStr(p: Record<string, unknown>, name: string): string | undefined {
  const v = p[name];
  if (v === undefined || v === null) return undefined;
  return typeof v === 'string' ? v : String(v);
}

function flag(p: Record<string, unknown>, name: string): boolean {
  const v = p[name];
  return v === true || v === 'true' || v === 1 || v === '1';
}

function isUpload(v: unknown): v is UploadedFile {
  return typeof v === 'object' && v !== null && (v as UploadedFile).kind === 'upload';
}

// --- shared pieces ------------------------------------------------------------------------------

interface ParsedMarkup {
  /** What gets stored on the message (only inline keyboards are). */
  inline: InlineKeyboardMarkup | undefined;
  isInline: boolean;
}

function parseMarkup(markup: unknown): ParsedMarkup {
  if (markup === undefined || markup === null || markup === '') return { inline: undefined, isInline: false };
  if (typeof markup !== 'object' || Array.isArray(markup)) {
    throw badRequest("can't parse reply keyboard markup JSON object");
  }
  const m = markup as Record<string, unknown>;
  if ('inline_keyboard' in m) {
    const rows = m.inline_keyboard;
    if (!Array.isArray(rows) || rows.some((row) => !Array.isArray(row))) {
      throw badRequest('field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays');
    }
    for (const row of rows as unknown[][]) {
      for (const raw of row) {
        const button = raw as Record<string, unknown>;
        if (typeof button !== 'object' || button === null || typeof button.text !== 'string') {
          throw badRequest("can't parse inline keyboard button: Field \"text\" must be of type String");
        }
        const actions = BUTTON_ACTIONS.filter((a) => button[a] !== undefined);
        if (actions.length === 0) throw badRequest('text buttons are unallowed in the inline keyboard');
        if (button.callback_data !== undefined) {
          const bytes = Buffer.byteLength(String(button.callback_data), 'utf8');
          if (typeof button.callback_data !== 'string' || bytes < 1 || bytes > 64) {
            throw badRequest('BUTTON_DATA_INVALID');
          }
        }
        if (button.url !== undefined && (typeof button.url !== 'string' || !/^\S+$/.test(button.url))) {
          throw badRequest(`inline keyboard button URL '${String(button.url)}' is invalid: Wrong HTTP URL`);
        }
      }
    }
    return { inline: inlineKeyboardOf(m), isInline: true };
  }
  if ('force_reply' in m || 'keyboard' in m || 'remove_keyboard' in m) return { inline: undefined, isInline: false };
  throw badRequest("can't parse reply keyboard markup JSON object");
}

function inlineOnly(markup: unknown): InlineKeyboardMarkup | undefined {
  const parsed = parseMarkup(markup);
  if (markup !== undefined && markup !== null && markup !== '' && !parsed.isInline) {
    throw badRequest('inline keyboard expected');
  }
  return parsed.inline;
}

interface Placement {
  threadId?: number;
  replyTo?: StoredMessage;
}

function placement(stored: StoredChat, p: Record<string, unknown>): Placement {
  const out: Placement = {};
  const thread = optInt(p, 'message_thread_id');
  if (thread !== undefined) {
    if (!stored.chat.is_forum || !stored.topics.has(thread)) throw badRequest('message thread not found');
    out.threadId = thread;
  }
  const rp = p.reply_parameters as { message_id?: unknown; chat_id?: unknown; allow_sending_without_reply?: unknown } | undefined;
  const replyId = rp?.message_id ?? p.reply_to_message_id;
  if (replyId !== undefined && replyId !== null && replyId !== '') {
    const allowWithout = rp ? rp.allow_sending_without_reply === true : flag(p, 'allow_sending_without_reply');
    const sameChat = rp?.chat_id === undefined || String(rp.chat_id) === String(stored.chat.id);
    const target = sameChat ? stored.messages.get(Number(replyId)) : undefined;
    if (target && !target.deleted) out.replyTo = target;
    else if (!allowWithout) throw badRequest('message to be replied not found');
  }
  return out;
}

function formatted(f: Formatted, textKey: 'text' | 'caption'): Partial<TgMessage> {
  const entitiesKey = textKey === 'text' ? 'entities' : 'caption_entities';
  return { [textKey]: f.text, ...(f.entities.length > 0 ? { [entitiesKey]: f.entities } : {}) };
}

function captionOf(p: Record<string, unknown>): Partial<TgMessage> {
  const caption = optStr(p, 'caption');
  if (caption === undefined || caption === '') return {};
  const f = formatText(caption, p.parse_mode, p.caption_entities);
  if (f.text.length > MAX_CAPTION) throw badRequest('message caption is too long');
  return formatted(f, 'caption');
}

function documentObject(file: StoredFile): NonNullable<TgMessage['document']> {
  return {
    ...(file.file_name !== undefined ? { file_name: file.file_name } : {}),
    ...(file.mime_type !== undefined ? { mime_type: file.mime_type } : {}),
    file_id: file.file_id,
    file_unique_id: file.file_unique_id,
    file_size: file.size,
  };
}

/** Width and height of a PNG (IHDR) or JPEG (its SOF marker); undefined for anything else. */
export function imageSize(bytes: Buffer): { width: number; height: number } | undefined {
  if (bytes.length > 24 && bytes.readUInt32BE(0) === 0x89504e47 && bytes.toString('latin1', 12, 16) === 'IHDR') {
    return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
  }
  if (bytes.length > 4 && bytes[0] === 0xff && bytes[1] === 0xd8) {
    for (let i = 2; i + 9 < bytes.length; ) {
      if (bytes[i] !== 0xff) return undefined;
      const marker = bytes[i + 1]!;
      const length = bytes.readUInt16BE(i + 2);
      if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
        return { width: bytes.readUInt16BE(i + 7), height: bytes.readUInt16BE(i + 5) };
      }
      i += 2 + length;
    }
  }
  return undefined;
}

/** Telegram stores a few scaled copies of every photo (up to 2560 a side); the fake keeps the original bytes in each. */
export function makePhotoSizes(world: World, bytes: Buffer, width = 1280, height = 960, size?: number): TgPhotoSize[] {
  const sizes: TgPhotoSize[] = [];
  for (const side of [90, 320, 800, 1280, 2560]) {
    const scale = Math.min(1, side / Math.max(width, height));
    if (sizes.length > 0 && scale === 1 && sizes.at(-1)!.width === width) break;
    const file = world.addFile({ bytes, kind: 'photo', ...(size !== undefined ? { size } : {}) });
    sizes.push({
      file_id: file.file_id,
      file_unique_id: file.file_unique_id,
      width: Math.round(width * scale),
      height: Math.round(height * scale),
      file_size: file.size,
    });
    if (scale === 1) break;
  }
  return sizes;
}

type EditableKeys = 'text' | 'entities' | 'caption' | 'caption_entities' | 'reply_markup';
const EDITABLE: EditableKeys[] = ['text', 'entities', 'caption', 'caption_entities', 'reply_markup'];

function snapshot(m: TgMessage): EditRecord['before'] {
  const out: EditRecord['before'] = {};
  for (const key of EDITABLE) if (m[key] !== undefined) (out as Record<string, unknown>)[key] = structuredClone(m[key]);
  return out;
}

/** JSON with sorted keys, so key order in a resent keyboard does not count as a change. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

// --- handlers -------------------------------------------------------------------------------------

export function buildMethods(core: Core, getMe: () => Record<string, unknown>): Record<string, MethodHandler> {
  const { world, queue } = core;
  const bot = world.bot;

  function editable(p: Record<string, unknown>): { stored: StoredChat; target: StoredMessage } {
    if (p.inline_message_id !== undefined) throw badRequest('fake-telegram does not model inline messages');
    const stored = world.apiChat(p.chat_id, false);
    const messageId = optInt(p, 'message_id');
    if (messageId === undefined) throw badRequest('message identifier is not specified');
    const target = stored.messages.get(messageId);
    if (!target || target.deleted) throw badRequest('message to edit not found');
    if (!target.sentByBot) throw badRequest("message can't be edited");
    return { stored, target };
  }

  function applyEdit(method: string, stored: StoredChat, target: StoredMessage, next: Partial<Pick<TgMessage, EditableKeys>>): TgMessage {
    const message = target.message;
    const before = snapshot(message);
    const after: Record<string, unknown> = { ...before };
    for (const [key, value] of Object.entries(next)) {
      if (value === undefined) delete after[key];
      else after[key] = value;
    }
    if (canonical(before) === canonical(after)) throw badRequest(DESCRIPTIONS.notModified);
    for (const [key, value] of Object.entries(next)) {
      if (value === undefined) delete message[key];
      else message[key] = value;
    }
    message.edit_date = core.nowSeconds();
    core.edits.push({ method, chatId: stored.chat.id, messageId: message.message_id, time: core.now(), before, after: snapshot(message) });
    return message;
  }

  async function getUpdates(p: Record<string, unknown>, ctx: MethodContext): Promise<TgUpdate[]> {
    if (core.webhook.config) throw new ApiError(409, DESCRIPTIONS.webhookConflict);
    const offset = optInt(p, 'offset') ?? 0;
    const requested = optInt(p, 'limit') ?? 0;
    const limit = requested <= 0 ? 100 : Math.min(100, requested);
    const timeout = Math.max(0, optInt(p, 'timeout') ?? 0);
    if (p.allowed_updates !== undefined) queue.setAllowed(p.allowed_updates);
    queue.supersedePollers();
    queue.confirm(offset);

    if (queue.peek(limit).length === 0 && timeout > 0 && !ctx.signal.aborted) {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => finish(), timeout * 1000);
        const poller = { wake: () => finish(), fail: (e: Error) => finish(e) };
        const onAbort = (): void => finish();
        function finish(error?: Error): void {
          clearTimeout(timer);
          queue.pollers.delete(poller);
          ctx.signal.removeEventListener('abort', onAbort);
          if (error) reject(error);
          else resolve();
        }
        ctx.signal.addEventListener('abort', onAbort, { once: true });
        queue.pollers.add(poller);
      });
    }
    // A client that hung up never sees these, so they stay unconfirmed without counting as handed out.
    const updates = queue.peek(limit);
    if (!ctx.signal.aborted) queue.markHandedOut(updates);
    return updates;
  }

  function sendMessage(p: Record<string, unknown>): TgMessage {
    const stored = world.apiChat(p.chat_id);
    world.assertBotCanPost(stored, 'text messages');
    const raw = optStr(p, 'text');
    if (raw === undefined || raw === '') throw badRequest('message text is empty');
    const f = formatText(raw, p.parse_mode, p.entities);
    if (f.text.trim() === '') throw badRequest('message text is empty');
    if (f.text.length > MAX_TEXT) throw badRequest('message is too long');
    const markup = parseMarkup(p.reply_markup);
    return world.appendMessage(stored, {
      from: bot,
      sentByBot: true,
      ...placement(stored, p),
      fields: { ...formatted(f, 'text'), ...(markup.inline ? { reply_markup: markup.inline } : {}) },
    });
  }

  function sendDocument(p: Record<string, unknown>): TgMessage {
    const stored = world.apiChat(p.chat_id);
    world.assertBotCanPost(stored, 'documents');
    const doc = p.document;
    let file: StoredFile | undefined;
    if (isUpload(doc)) {
      file = world.addFile({
        bytes: doc.bytes,
        kind: 'document',
        file_name: doc.filename,
        mime_type: doc.mimeType ?? mimeFromFilename(doc.filename),
      });
    } else if (typeof doc === 'string' && doc !== '') {
      file = world.files.get(doc);
      if (!file) {
        // The fake never fetches remote URLs; telegraf uploads { url } sources itself anyway.
        throw badRequest(/^https?:\/\//.test(doc) ? 'failed to get HTTP URL content' : 'wrong file identifier/HTTP URL specified');
      }
      if (file.kind !== 'document') throw badRequest("can't use file of type Photo as Document");
    } else {
      throw badRequest('there is no document in the request');
    }
    const caption = captionOf(p);
    const markup = parseMarkup(p.reply_markup);
    return world.appendMessage(stored, {
      from: bot,
      sentByBot: true,
      ...placement(stored, p),
      fields: { document: documentObject(file), ...caption, ...(markup.inline ? { reply_markup: markup.inline } : {}) },
    });
  }

  /** A photo as Telegram takes it: uploaded bytes of a real image within the photo limits, or a known photo's file_id. */
  function photoSizes(photo: unknown): TgPhotoSize[] {
    if (isUpload(photo)) {
      if (photo.bytes.length > MAX_PHOTO_BYTES) throw badRequest('PHOTO_SAVE_FILE_INVALID');
      const size = imageSize(photo.bytes);
      if (!size) throw badRequest('IMAGE_PROCESS_FAILED');
      const { width, height } = size;
      if (width + height > MAX_PHOTO_SIDES || Math.max(width, height) / Math.min(width, height) > MAX_PHOTO_RATIO) {
        throw badRequest('PHOTO_INVALID_DIMENSIONS');
      }
      return makePhotoSizes(world, photo.bytes, width, height);
    }
    if (typeof photo === 'string' && photo !== '') {
      const file = world.files.get(photo);
      if (!file) throw badRequest('wrong file identifier/HTTP URL specified');
      if (file.kind !== 'photo') throw badRequest("can't use file of type Document as Photo");
      return [{ file_id: file.file_id, file_unique_id: file.file_unique_id, width: 1280, height: 960, file_size: file.size }];
    }
    throw badRequest('there is no photo in the request');
  }

  function sendPhoto(p: Record<string, unknown>): TgMessage {
    const stored = world.apiChat(p.chat_id);
    world.assertBotCanPost(stored, 'photos');
    const sizes = photoSizes(p.photo);
    const caption = captionOf(p);
    const markup = parseMarkup(p.reply_markup);
    return world.appendMessage(stored, {
      from: bot,
      sentByBot: true,
      ...placement(stored, p),
      fields: { photo: sizes, ...caption, ...(markup.inline ? { reply_markup: markup.inline } : {}) },
    });
  }

  /**
   * An album: 2–10 photos, or 2–10 documents (the two do not mix), each given as a file_id or as
   * "attach://<field>" naming a part of the multipart body; each item may carry its own caption.
   * Every message of the album shares one media_group_id.
   */
  function sendMediaGroup(p: Record<string, unknown>): TgMessage[] {
    const stored = world.apiChat(p.chat_id);
    const media = p.media;
    if (!Array.isArray(media)) throw badRequest('media not found');
    if (media.length < 2 || media.length > 10) throw badRequest('wrong number of media in the album: must be between 2 and 10');
    const items = media as Record<string, unknown>[];
    const types = new Set(items.map((m) => m.type));
    if ([...types].some((t) => t !== 'photo' && t !== 'document')) throw badRequest("can't parse InputMedia: unsupported type");
    if (types.size > 1) throw badRequest("documents can't be mixed with other media types");
    const kind = [...types][0] === 'photo' ? 'photos' : 'documents';
    world.assertBotCanPost(stored, kind);
    const resolve = (ref: unknown): unknown => {
      if (typeof ref === 'string' && ref.startsWith('attach://')) {
        const part = p[ref.slice('attach://'.length)];
        if (!isUpload(part)) throw badRequest('wrong file identifier/HTTP URL specified');
        return part;
      }
      return ref;
    };
    // Checked whole before anything is posted: Telegram refuses the album, not part of it.
    const fields = items.map((item) => {
      const caption = captionOf(item);
      if (item.type === 'photo') return { photo: photoSizes(resolve(item.media)), ...caption };
      const doc = resolve(item.media);
      if (!isUpload(doc)) throw badRequest('there is no document in the request');
      const file = world.addFile({ bytes: doc.bytes, kind: 'document', file_name: doc.filename, mime_type: doc.mimeType ?? mimeFromFilename(doc.filename) });
      return { document: documentObject(file), ...caption };
    });
    const groupId = String(core.now()) + String(stored.nextMessageId);
    const where = placement(stored, p);
    return fields.map((f) => world.appendMessage(stored, { from: bot, sentByBot: true, ...where, fields: { ...f, media_group_id: groupId } }));
  }

  function editMessageText(p: Record<string, unknown>): TgMessage {
    const { stored, target } = editable(p);
    if (target.message.text === undefined) throw badRequest('there is no text in the message to edit');
    const raw = optStr(p, 'text');
    if (raw === undefined || raw === '') throw badRequest('message text is empty');
    const f = formatText(raw, p.parse_mode, p.entities);
    if (f.text.trim() === '') throw badRequest('message text is empty');
    if (f.text.length > MAX_TEXT) throw badRequest('message is too long');
    // Omitting reply_markup removes the keyboard, exactly as on Telegram.
    return applyEdit('editMessageText', stored, target, {
      text: f.text,
      entities: f.entities.length > 0 ? f.entities : undefined,
      reply_markup: inlineOnly(p.reply_markup),
    });
  }

  function editMessageCaption(p: Record<string, unknown>): TgMessage {
    const { stored, target } = editable(p);
    if (target.message.document === undefined && target.message.photo === undefined) {
      throw badRequest('there is no caption in the message to edit');
    }
    const caption = captionOf(p);
    return applyEdit('editMessageCaption', stored, target, {
      caption: caption.caption,
      caption_entities: caption.caption_entities,
      reply_markup: inlineOnly(p.reply_markup),
    });
  }

  function editMessageReplyMarkup(p: Record<string, unknown>): TgMessage {
    const { stored, target } = editable(p);
    return applyEdit('editMessageReplyMarkup', stored, target, { reply_markup: inlineOnly(p.reply_markup) });
  }

  function deleteMessage(p: Record<string, unknown>): boolean {
    const stored = world.apiChat(p.chat_id, false);
    const messageId = optInt(p, 'message_id');
    const target = messageId === undefined ? undefined : stored.messages.get(messageId);
    if (!target || target.deleted) throw badRequest('message to delete not found');
    if (!target.sentByBot && stored.chat.type !== 'private') {
      const status = world.memberStatus(stored, bot.id).status;
      if (status !== 'administrator' && status !== 'creator') throw badRequest("message can't be deleted");
    }
    target.deleted = true;
    core.deletedMessages.push({ chatId: stored.chat.id, messageId: target.message.message_id, time: core.now() });
    return true;
  }

  function answerCallbackQuery(p: Record<string, unknown>): boolean {
    const id = optStr(p, 'callback_query_id') ?? '';
    const entry = core.callbackQueries.get(id);
    const expired = entry !== undefined && core.callbackQueryTtlMs !== undefined && core.now() - entry.createdAt > core.callbackQueryTtlMs;
    if (!entry || expired || core.callbackAnswers.has(id)) throw badRequest(DESCRIPTIONS.queryTooOld);
    const text = optStr(p, 'text');
    if (text !== undefined && text.length > 200) throw badRequest('MESSAGE_TOO_LONG');
    const url = optStr(p, 'url');
    const cacheTime = optInt(p, 'cache_time');
    core.callbackAnswers.set(id, {
      callback_query_id: id,
      ...(text !== undefined ? { text } : {}),
      show_alert: flag(p, 'show_alert'),
      ...(url !== undefined ? { url } : {}),
      ...(cacheTime !== undefined ? { cache_time: cacheTime } : {}),
      time: core.now(),
    });
    return true;
  }

  function getFile(p: Record<string, unknown>): Record<string, unknown> {
    const file = world.files.get(optStr(p, 'file_id') ?? '');
    if (!file) throw badRequest('invalid file_id');
    if (file.size > MAX_DOWNLOAD_BYTES) throw badRequest('file is too big');
    const path = world.assignFilePath(file, file.kind === 'photo' ? 'jpg' : extensionOf(file.file_name, 'dat'));
    return { file_id: file.file_id, file_unique_id: file.file_unique_id, file_size: file.size, file_path: path };
  }

  function commandsKey(p: Record<string, unknown>): string {
    const scope = (p.scope as Record<string, unknown> | undefined) ?? { type: 'default' };
    return `${JSON.stringify(scope, Object.keys(scope).sort())}|${optStr(p, 'language_code') ?? ''}`;
  }

  function setMyCommands(p: Record<string, unknown>): boolean {
    const commands = p.commands;
    if (!Array.isArray(commands)) throw badRequest('parameter "commands" is required');
    if (commands.length > 100) throw badRequest('too many commands');
    for (const c of commands as Array<Record<string, unknown>>) {
      if (typeof c?.command !== 'string' || !/^[a-z0-9_]{1,32}$/.test(c.command)) throw badRequest('BOT_COMMAND_INVALID');
      if (typeof c.description !== 'string' || c.description.length < 1 || c.description.length > 256) {
        throw badRequest('BOT_COMMAND_DESCRIPTION_INVALID');
      }
    }
    core.commands.set(commandsKey(p), structuredClone(commands));
    return true;
  }

  function getChatMember(p: Record<string, unknown>): Record<string, unknown> {
    const stored = world.apiChat(p.chat_id, false);
    const userId = optInt(p, 'user_id');
    const user = userId === undefined ? undefined : world.users.get(userId);
    if (!user) throw badRequest('user not found');
    return world.chatMember(stored, user);
  }

  function getChatAdministrators(p: Record<string, unknown>): Array<Record<string, unknown>> {
    const stored = world.apiChat(p.chat_id, false);
    if (stored.chat.type === 'private') throw badRequest('there are no administrators in the private chat');
    const out: Array<Record<string, unknown>> = [];
    for (const [userId, member] of stored.members) {
      const user = world.users.get(userId);
      if (user && (member.status === 'creator' || member.status === 'administrator')) out.push(world.chatMember(stored, user));
    }
    return out;
  }

  function getChat(p: Record<string, unknown>): Record<string, unknown> {
    const stored = world.apiChat(p.chat_id, false);
    const base = { ...stored.chat, accent_color_id: 0, max_reaction_count: 11 };
    if (stored.chat.type === 'private') return base;
    return {
      ...base,
      permissions: {
        can_send_messages: true,
        can_send_documents: true,
        can_send_photos: true,
        can_send_other_messages: true,
        can_invite_users: true,
        can_pin_messages: false,
        can_manage_topics: false,
      },
    };
  }

  const methods: Record<string, MethodHandler> = {
    getMe: () => getMe(),
    logOut: () => true,
    getUpdates,
    setWebhook: (p) => {
      const url = optStr(p, 'url') ?? '';
      if (flag(p, 'drop_pending_updates')) queue.dropAll();
      if (url === '') {
        core.webhook.set(undefined);
        return true;
      }
      try {
        new URL(url);
      } catch {
        throw badRequest('bad webhook: Invalid URL');
      }
      const secret = optStr(p, 'secret_token');
      if (secret !== undefined && !/^[A-Za-z0-9_-]{1,256}$/.test(secret)) {
        throw badRequest('secret token contains unallowed characters');
      }
      const maxConnections = optInt(p, 'max_connections') ?? 40;
      if (maxConnections < 1 || maxConnections > 100) throw badRequest('bad webhook: max_connections must be between 1 and 100');
      const allowed = Array.isArray(p.allowed_updates) ? p.allowed_updates.map(String) : undefined;
      if (allowed) queue.setAllowed(allowed);
      const ip = optStr(p, 'ip_address');
      core.webhook.set({
        url,
        ...(secret !== undefined && secret !== '' ? { secretToken: secret } : {}),
        maxConnections,
        ...(allowed ? { allowedUpdates: allowed } : {}),
        ...(ip !== undefined ? { ipAddress: ip } : {}),
      });
      queue.failPollers(new ApiError(409, DESCRIPTIONS.webhookConflict));
      return true;
    },
    deleteWebhook: (p) => {
      if (flag(p, 'drop_pending_updates')) queue.dropAll();
      core.webhook.set(undefined);
      return true;
    },
    getWebhookInfo: () => {
      const config = core.webhook.config;
      const lastError = core.webhook.lastError;
      return {
        url: config?.url ?? '',
        has_custom_certificate: false,
        pending_update_count: queue.pendingCount,
        ...(lastError ? { last_error_date: lastError.date, last_error_message: lastError.message } : {}),
        ...(config ? { max_connections: config.maxConnections } : {}),
        ...(config?.ipAddress ? { ip_address: config.ipAddress } : {}),
        ...(config?.allowedUpdates ? { allowed_updates: config.allowedUpdates } : {}),
      };
    },
    sendMessage,
    sendDocument,
    sendPhoto,
    sendMediaGroup,
    editMessageText,
    editMessageCaption,
    editMessageReplyMarkup,
    deleteMessage,
    answerCallbackQuery,
    getFile,
    setMyCommands,
    getMyCommands: (p) => core.commands.get(commandsKey(p)) ?? [],
    deleteMyCommands: (p) => {
      core.commands.delete(commandsKey(p));
      return true;
    },
    getChatMember,
    getChatAdministrators,
    getChatMemberCount: (p) => {
      const stored = world.apiChat(p.chat_id, false);
      return [...stored.members.values()].filter((m) => m.status !== 'left' && m.status !== 'kicked').length;
    },
    getChat,
    sendChatAction: (p) => {
      const stored = world.apiChat(p.chat_id);
      world.assertBotCanPost(stored, 'text messages');
      if (!CHAT_ACTIONS.has(optStr(p, 'action') ?? '')) throw badRequest('wrong parameter action in request');
      return true;
    },
  };
  return methods;
}
