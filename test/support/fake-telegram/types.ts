/**
 * The subset of Bot API object shapes the fake produces. Deliberately looser than
 * typegram's unions so tests can read fields without narrowing on every line.
 */

export interface TgUser {
  id: number;
  is_bot: boolean;
  first_name: string;
  last_name?: string;
  username?: string;
  language_code?: string;
}

export type ChatType = 'private' | 'group' | 'supergroup' | 'channel';

export interface TgChat {
  id: number;
  type: ChatType;
  title?: string;
  username?: string;
  first_name?: string;
  last_name?: string;
  is_forum?: true;
}

export interface TgEntity {
  type: string;
  offset: number;
  length: number;
  url?: string;
  language?: string;
  custom_emoji_id?: string;
  user?: TgUser;
}

export interface InlineKeyboardButton {
  text: string;
  callback_data?: string;
  url?: string;
  [field: string]: unknown;
}

export interface InlineKeyboardMarkup {
  inline_keyboard: InlineKeyboardButton[][];
}

export interface TgDocument {
  file_id: string;
  file_unique_id: string;
  file_name?: string;
  mime_type?: string;
  file_size?: number;
}

export interface TgPhotoSize {
  file_id: string;
  file_unique_id: string;
  width: number;
  height: number;
  file_size?: number;
}

export interface TgMessage {
  message_id: number;
  date: number;
  chat: TgChat;
  from?: TgUser;
  message_thread_id?: number;
  is_topic_message?: boolean;
  reply_to_message?: TgMessage;
  edit_date?: number;
  text?: string;
  entities?: TgEntity[];
  caption?: string;
  caption_entities?: TgEntity[];
  document?: TgDocument;
  photo?: TgPhotoSize[];
  /** Telegram only ever echoes inline keyboards here; force_reply etc. are not stored on the message. */
  reply_markup?: InlineKeyboardMarkup;
  forum_topic_created?: { name: string; icon_color: number };
  [field: string]: unknown;
}

export interface TgCallbackQuery {
  id: string;
  from: TgUser;
  message?: TgMessage;
  chat_instance: string;
  data?: string;
}

export interface TgUpdate {
  update_id: number;
  message?: TgMessage;
  edited_message?: TgMessage;
  callback_query?: TgCallbackQuery;
  [field: string]: unknown;
}

export type MemberStatus = 'creator' | 'administrator' | 'member' | 'restricted' | 'left' | 'kicked';

/** A file as the multipart parser hands it over. */
export interface UploadedFile {
  kind: 'upload';
  field: string;
  filename: string;
  mimeType: string | undefined;
  bytes: Buffer;
}

/** Every request the fake saw, in arrival order. `response` is filled once it has been answered. */
export interface RecordedCall {
  method: string;
  params: Record<string, unknown>;
  time: number;
  /** 'http' for real requests, 'webhook-reply' for a method returned in a webhook response body. */
  via: 'http' | 'webhook-reply';
  response?: {
    status: number;
    ok: boolean;
    result?: unknown;
    error_code?: number;
    description?: string;
    parameters?: Record<string, unknown>;
  };
  /** Set when an injected fault, an outage or a rate limit answered instead of the method. */
  fault?: string;
}

export interface EditRecord {
  method: string;
  chatId: number;
  messageId: number;
  time: number;
  before: Pick<TgMessage, 'text' | 'caption' | 'entities' | 'caption_entities' | 'reply_markup'>;
  after: Pick<TgMessage, 'text' | 'caption' | 'entities' | 'caption_entities' | 'reply_markup'>;
}

export interface CallbackAnswer {
  callback_query_id: string;
  text?: string;
  show_alert: boolean;
  url?: string;
  cache_time?: number;
  time: number;
}

export interface WebhookDelivery {
  update_id: number;
  url: string;
  attempt: number;
  time: number;
  /** HTTP status of the bot's answer; absent when the connection failed. */
  status?: number;
  error?: string;
  /** True once the fake gave up on this update after the last retry. */
  dropped?: boolean;
}

/**
 * What `failNext` injects. `status` answers with a Telegram-shaped error; `reset` drops the
 * connection instead; `delayMs` holds the answer back. `afterProcessing` runs the method first
 * and then fails, which is how real duplicate sends happen (the message exists, the bot never
 * heard back).
 */
export interface FaultSpec {
  status?: number;
  retryAfter?: number;
  description?: string;
  parameters?: Record<string, unknown>;
  reset?: boolean;
  delayMs?: number;
  afterProcessing?: boolean;
}

export interface RateLimits {
  perChatPerMinute?: number;
  globalPerSecond?: number;
}
