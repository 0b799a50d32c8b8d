/**
 * What every Slack handler shares: who the app is, the Web API client, and the questions every
 * handler asks (which roles does this channel speak for, may this person act for that role,
 * what is this person called).
 */
import type { Core } from '../../bootstrap.js';
import * as channelStore from '../../db/channel-store.js';
import type { Logger } from '../../logging.js';
import { SLACK } from '../../messages/id.js';
import type { Actor } from '../../workflow/model.js';
import { describeSlackError, type WebClient } from './api.js';

export const PLATFORM = 'slack' as const;

/** Learned from auth.test once Slack answers; until then the app simply does not know itself. */
export interface SlackIdentity {
  botUserId?: string;
  botId?: string;
  teamId?: string;
}

export interface SlackDeps {
  core: Core;
  logger: Logger;
  api: WebClient;
  botToken: string;
  clock: () => Date;
  identity: SlackIdentity;
  /** SOPBOT_MAX_UPLOAD_MB, the one upload limit of every channel. */
  maxUploadBytes: number;
  /** The only origin the bot token is sent to for downloads (SLACK_FILES_ORIGIN). */
  filesOrigin: string;
  allowedExtensions: string[];
  promptTtlMs: number;
  /** The daily digest on demand (/sop ringkasan), for channels bound to its role. */
  digest?: { role: string; build: (now: Date) => Promise<string[]> };
}

const NAME_TTL_MS = 60 * 60 * 1000;

export type SlackContext = ReturnType<typeof slackContext>;

export function slackContext(deps: SlackDeps) {
  const { core, logger, api } = deps;
  const db = core.database.db;
  const names = new Map<string, { name: string; at: number }>();

  const placeOf = (channel: string): channelStore.Place => ({ platform: PLATFORM, chatId: channel, threadId: '' });

  /** A person's name as colleagues know it (cards say who did what); their id if Slack cannot tell. */
  async function nameOf(userId: string, fallback?: string): Promise<string> {
    const cached = names.get(userId);
    if (cached && Date.now() - cached.at < NAME_TTL_MS) return cached.name;
    try {
      const info = await api.users.info({ user: userId });
      const u = info.user;
      const name = u?.profile?.real_name || u?.real_name || u?.profile?.display_name || u?.name || fallback || userId;
      names.set(userId, { name, at: Date.now() });
      return name;
    } catch (e) {
      logger.warn({ err: describeSlackError(e), userId }, 'users.info gagal; nama pengguna tidak diketahui');
      return fallback || userId;
    }
  }

  return {
    ...deps,
    db,
    service: core.service,
    placeOf,
    rolesOf: (channel: string) => channelStore.rolesOfPlace(db, placeOf(channel)),
    roleLabels: (roles: string[]) => roles.map((r) => core.service.roleLabel(r)),
    nameOf,

    async actorOf(userId: string, role?: string, fallbackName?: string): Promise<Actor> {
      return { channel: PLATFORM, userId, name: await nameOf(userId, fallbackName), ...(role ? { role } : {}) };
    },

    /** The role this channel acts as for a task, or why this person may not act here. */
    async roleForTask(channel: string, userId: string, taskRoles: string[]): Promise<{ role: string } | { refusal: string }> {
      const roles = await channelStore.rolesOfPlace(db, placeOf(channel));
      const role = roles.find((r) => taskRoles.includes(r));
      if (!role) return { refusal: SLACK.wrongChannel };
      if (!(await channelStore.mayAct(db, PLATFORM, role, userId))) return { refusal: SLACK.notAllowed };
      return { role };
    },

    /** Only that person sees it; failures are logged, never thrown (it is an answer, not the work). */
    async whisper(channel: string, user: string, text: string, threadTs?: string): Promise<void> {
      try {
        await api.chat.postEphemeral({ channel, user, text, ...(threadTs ? { thread_ts: threadTs } : {}) });
      } catch (e) {
        logger.warn({ err: describeSlackError(e), channel }, 'chat.postEphemeral gagal');
      }
    },

    async say(channel: string, text: string, threadTs?: string): Promise<string | undefined> {
      try {
        const sent = await api.chat.postMessage({ channel, text, unfurl_links: false, ...(threadTs ? { thread_ts: threadTs } : {}) });
        return sent.ts;
      } catch (e) {
        logger.warn({ err: describeSlackError(e), channel }, 'chat.postMessage gagal');
        return undefined;
      }
    },
  };
}
