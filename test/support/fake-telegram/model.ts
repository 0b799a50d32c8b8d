/**
 * The fake's picture of Telegram: users, chats, memberships, topics, messages and files.
 * Plain data and lookups; HTTP concerns live in server.ts and methods.ts.
 */
import { randomBytes } from 'node:crypto';
import { badRequest, forbidden } from './errors.js';
import type {
  InlineKeyboardMarkup,
  MemberStatus,
  TgChat,
  TgMessage,
  TgUser,
} from './types.js';

/** Anything with an id works, so telegraf's own Chat/User/Message objects can be passed too. */
export type ChatRef = { id: number } | number;
export type UserRef = { id: number } | number;
export type MessageRef = { message_id: number } | number;

export interface MemberRecord {
  status: MemberStatus;
  /** Extra ChatMember fields (permissions, custom_title, ...) merged over the defaults. */
  extra: Record<string, unknown>;
}

export interface StoredMessage {
  message: TgMessage;
  sentByBot: boolean;
  deleted: boolean;
}

export interface Topic {
  threadId: number;
  name: string;
  created: TgMessage;
}

export interface StoredChat {
  chat: TgChat;
  nextMessageId: number;
  messages: Map<number, StoredMessage>;
  members: Map<number, MemberRecord>;
  topics: Map<number, Topic>;
  /** Private chats only: the user pressed "Stop and block bot". */
  blockedBot: boolean;
}

export interface StoredFile {
  file_id: string;
  file_unique_id: string;
  bytes: Buffer;
  /** May exceed bytes.length when a test fakes a huge file without allocating it. */
  size: number;
  kind: 'document' | 'photo';
  file_name?: string;
  mime_type?: string;
  file_path?: string;
}

const TOPIC_ICON_COLOR = 7322096;

export class World {
  readonly users = new Map<number, TgUser>();
  readonly chats = new Map<number, StoredChat>();
  readonly files = new Map<string, StoredFile>();
  readonly filesByPath = new Map<string, StoredFile>();

  private nextUserId = 700_000_001;
  private nextGroupSeq = 1;
  private nextFileSeq = 1;

  constructor(
    readonly bot: TgUser,
    private readonly nowSeconds: () => number,
  ) {
    this.users.set(bot.id, bot);
  }

  clear(): void {
    this.users.clear();
    this.users.set(this.bot.id, this.bot);
    this.chats.clear();
    this.files.clear();
    this.filesByPath.clear();
  }

  // --- users and chats -----------------------------------------------------------------------

  addUser(input: { first_name: string; last_name?: string; username?: string; language_code?: string; is_bot?: boolean; id?: number }): TgUser {
    const id = input.id ?? this.nextUserId++;
    const user: TgUser = {
      id,
      is_bot: input.is_bot ?? false,
      first_name: input.first_name,
      ...(input.last_name !== undefined ? { last_name: input.last_name } : {}),
      ...(input.username !== undefined ? { username: input.username } : {}),
      ...(input.language_code !== undefined ? { language_code: input.language_code } : {}),
    };
    this.users.set(id, user);
    return user;
  }

  addGroup(input: { title: string; forum?: boolean; type?: 'group' | 'supergroup'; username?: string; botStatus?: MemberStatus }): TgChat {
    const forum = input.forum === true;
    const type = forum ? 'supergroup' : (input.type ?? 'supergroup');
    const seq = this.nextGroupSeq++;
    // Same id ranges as the real thing: supergroups are -100…, basic groups plain negative.
    const id = type === 'supergroup' ? -(1_000_000_000_000 + seq) : -(400_000_000 + seq);
    const chat: TgChat = {
      id,
      type,
      title: input.title,
      ...(input.username !== undefined ? { username: input.username } : {}),
      ...(forum ? { is_forum: true as const } : {}),
    };
    const stored = this.storeChat(chat);
    stored.members.set(this.bot.id, { status: input.botStatus ?? 'member', extra: {} });
    return chat;
  }

  addPrivateChat(userRef: UserRef): TgChat {
    const user = this.user(userRef);
    const existing = this.chats.get(user.id);
    if (existing) {
      existing.blockedBot = false;
      return existing.chat;
    }
    const chat: TgChat = {
      id: user.id,
      type: 'private',
      first_name: user.first_name,
      ...(user.last_name !== undefined ? { last_name: user.last_name } : {}),
      ...(user.username !== undefined ? { username: user.username } : {}),
    };
    const stored = this.storeChat(chat);
    stored.members.set(user.id, { status: 'member', extra: {} });
    stored.members.set(this.bot.id, { status: 'member', extra: {} });
    return chat;
  }

  private storeChat(chat: TgChat): StoredChat {
    const stored: StoredChat = {
      chat,
      nextMessageId: 1,
      messages: new Map(),
      members: new Map(),
      topics: new Map(),
      blockedBot: false,
    };
    this.chats.set(chat.id, stored);
    return stored;
  }

  addTopic(chatRef: ChatRef, name: string, creator: UserRef = this.bot): number {
    const stored = this.chat(chatRef);
    if (!stored.chat.is_forum) throw new Error(`fake-telegram: chat ${stored.chat.id} is not a forum`);
    const threadId = stored.nextMessageId;
    // The topic's id is the id of its "topic created" service message, as on Telegram.
    const created = this.appendMessage(stored, {
      from: this.user(creator),
      sentByBot: this.user(creator).id === this.bot.id,
      fields: { message_thread_id: threadId, is_topic_message: true, forum_topic_created: { name, icon_color: TOPIC_ICON_COLOR } },
    });
    stored.topics.set(threadId, { threadId, name, created });
    return threadId;
  }

  setMember(chatRef: ChatRef, userRef: UserRef, status: MemberStatus, extra: Record<string, unknown> = {}): void {
    const stored = this.chat(chatRef);
    const user = this.user(userRef);
    stored.members.set(user.id, { status, extra });
  }

  memberStatus(stored: StoredChat, userId: number): MemberRecord {
    return stored.members.get(userId) ?? { status: 'left', extra: {} };
  }

  chatMember(stored: StoredChat, user: TgUser): Record<string, unknown> {
    const { status, extra } = this.memberStatus(stored, user.id);
    switch (status) {
      case 'creator':
        return { status, user, is_anonymous: false, ...extra };
      case 'administrator':
        return {
          status,
          user,
          can_be_edited: false,
          is_anonymous: false,
          can_manage_chat: true,
          can_delete_messages: true,
          can_manage_video_chats: true,
          can_restrict_members: true,
          can_promote_members: false,
          can_change_info: true,
          can_invite_users: true,
          can_post_stories: false,
          can_edit_stories: false,
          can_delete_stories: false,
          can_pin_messages: true,
          can_manage_topics: true,
          ...extra,
        };
      case 'restricted':
        return {
          status,
          user,
          is_member: true,
          can_send_messages: false,
          can_send_audios: false,
          can_send_documents: false,
          can_send_photos: false,
          can_send_videos: false,
          can_send_video_notes: false,
          can_send_voice_notes: false,
          can_send_polls: false,
          can_send_other_messages: false,
          can_add_web_page_previews: false,
          can_change_info: false,
          can_invite_users: false,
          can_pin_messages: false,
          can_manage_topics: false,
          until_date: 0,
          ...extra,
        };
      case 'kicked':
        return { status, user, until_date: 0, ...extra };
      default:
        return { status, user, ...extra };
    }
  }

  // --- lookups for test-side helpers (throw plain Errors: a test bug, not an API answer) -----

  user(ref: UserRef): TgUser {
    const id = typeof ref === 'number' ? ref : ref.id;
    const user = this.users.get(id);
    if (!user) throw new Error(`fake-telegram: unknown user ${id}; create it with addUser()`);
    return user;
  }

  chat(ref: ChatRef): StoredChat {
    const id = typeof ref === 'number' ? ref : ref.id;
    const stored = this.chats.get(id);
    if (!stored) throw new Error(`fake-telegram: unknown chat ${id}; create it with addGroup()/addPrivateChat()`);
    return stored;
  }

  message(stored: StoredChat, ref: MessageRef): StoredMessage {
    const id = typeof ref === 'number' ? ref : ref.message_id;
    const found = stored.messages.get(id);
    if (!found || found.deleted) throw new Error(`fake-telegram: no message ${id} in chat ${stored.chat.id}`);
    return found;
  }

  // --- lookups for API handlers (throw API errors, worded like Telegram) ----------------------

  /**
   * Resolves a chat_id parameter: numeric id (number or string) or "@username". When posting,
   * a known user without a private chat gets Telegram's 403 rather than "chat not found".
   */
  apiChat(chatId: unknown, posting = true): StoredChat {
    if (chatId === undefined || chatId === null || chatId === '') throw badRequest('chat_id is empty');
    if (typeof chatId === 'string' && chatId.startsWith('@')) {
      const name = chatId.slice(1).toLowerCase();
      for (const stored of this.chats.values()) {
        if (stored.chat.username?.toLowerCase() === name && stored.chat.type !== 'private') return stored;
      }
      throw badRequest('chat not found');
    }
    const id = typeof chatId === 'number' ? chatId : Number(chatId);
    if (!Number.isSafeInteger(id)) throw badRequest('chat not found');
    const stored = this.chats.get(id);
    if (stored) return stored;
    if (posting && this.users.has(id) && id !== this.bot.id) throw forbidden("bot can't initiate conversation with a user");
    throw badRequest('chat not found');
  }

  /** The checks Telegram makes before the bot may post into a chat. */
  assertBotCanPost(stored: StoredChat, kind: 'text messages' | 'documents' | 'photos'): void {
    const chat = stored.chat;
    if (chat.type === 'private') {
      if (stored.blockedBot) throw forbidden('bot was blocked by the user');
      return;
    }
    const groupWord = chat.type === 'supergroup' ? 'supergroup chat' : 'group chat';
    const { status, extra } = this.memberStatus(stored, this.bot.id);
    if (status === 'kicked') throw forbidden(`bot was kicked from the ${groupWord}`);
    if (status === 'left') throw forbidden(`bot is not a member of the ${groupWord}`);
    if (status === 'restricted') {
      const flag = kind === 'text messages' ? 'can_send_messages' : kind === 'documents' ? 'can_send_documents' : 'can_send_photos';
      if (extra[flag] !== true) throw badRequest(`not enough rights to send ${kind} to the chat`);
    }
  }

  // --- messages --------------------------------------------------------------------------------

  /**
   * Adds a message to a chat. Inside a forum topic the message gets `message_thread_id`,
   * `is_topic_message`, and — when it is not an explicit reply — `reply_to_message` pointing at
   * the topic's creation message, which is what real Telegram does and what trips up bots that
   * treat every reply_to_message as a user reply.
   */
  appendMessage(
    stored: StoredChat,
    input: {
      from: TgUser;
      sentByBot: boolean;
      threadId?: number;
      replyTo?: StoredMessage;
      fields: Partial<TgMessage>;
    },
  ): TgMessage {
    const messageId = stored.nextMessageId++;
    const message: TgMessage = {
      message_id: messageId,
      from: input.from,
      chat: stored.chat,
      date: this.nowSeconds(),
    };
    const threadId = input.threadId ?? input.replyTo?.message.message_thread_id;
    if (stored.chat.is_forum && threadId !== undefined) {
      message.message_thread_id = threadId;
      message.is_topic_message = true;
    }
    const replyTarget = input.replyTo?.message ?? (
      stored.chat.is_forum && threadId !== undefined && input.fields.forum_topic_created === undefined
        ? stored.topics.get(threadId)?.created
        : undefined
    );
    if (replyTarget) message.reply_to_message = shallowForReply(replyTarget);
    Object.assign(message, input.fields);
    stored.messages.set(messageId, { message, sentByBot: input.sentByBot, deleted: false });
    return message;
  }

  /** Messages still visible in the chat, optionally only those of one forum topic. */
  visibleMessages(stored: StoredChat, threadId?: number): TgMessage[] {
    const out: TgMessage[] = [];
    for (const m of stored.messages.values()) {
      if (m.deleted) continue;
      if (threadId !== undefined && m.message.message_thread_id !== threadId) continue;
      out.push(m.message);
    }
    return out;
  }

  // --- files -----------------------------------------------------------------------------------

  addFile(input: { bytes: Buffer; size?: number; kind: 'document' | 'photo'; file_name?: string; mime_type?: string }): StoredFile {
    const seq = this.nextFileSeq++;
    const prefix = input.kind === 'photo' ? 'AgACAgQAAxkBAAI' : 'BQACAgQAAxkBAAI';
    const file: StoredFile = {
      file_id: `${prefix}${seq.toString(36)}${randomBytes(18).toString('base64url')}`,
      file_unique_id: `AgAD${seq.toString(36)}${randomBytes(6).toString('base64url')}`,
      bytes: input.bytes,
      size: input.size ?? input.bytes.length,
      kind: input.kind,
      ...(input.file_name !== undefined ? { file_name: input.file_name } : {}),
      ...(input.mime_type !== undefined ? { mime_type: input.mime_type } : {}),
    };
    this.files.set(file.file_id, file);
    return file;
  }

  /** getFile hands out a download path lazily, like the real server does. */
  assignFilePath(file: StoredFile, extension: string): string {
    if (!file.file_path) {
      const dir = file.kind === 'photo' ? 'photos' : 'documents';
      file.file_path = `${dir}/file_${this.filesByPath.size}.${extension}`;
      this.filesByPath.set(file.file_path, file);
    }
    return file.file_path;
  }
}

/** Telegram nests reply_to_message only one level deep. */
export function shallowForReply(message: TgMessage): TgMessage {
  const { reply_to_message: _nested, ...rest } = message;
  return { ...rest };
}

export function inlineKeyboardOf(markup: unknown): InlineKeyboardMarkup | undefined {
  if (markup && typeof markup === 'object' && 'inline_keyboard' in markup) {
    const keyboard = (markup as InlineKeyboardMarkup).inline_keyboard;
    if (Array.isArray(keyboard) && keyboard.some((row) => Array.isArray(row) && row.length > 0)) {
      return { inline_keyboard: keyboard };
    }
  }
  return undefined;
}
