/**
 * What every Slack handler shares: who the app is, the Web API client, and the questions every
 * handler asks (which roles does this channel speak for, may this person act for that role,
 * what is this person called).
 */
import type { Core } from '../../bootstrap.js';
import type { Logger } from '../../logging.js';
import { channelRefusalText, refusalText, TERMS } from '../../messages/id.js';
import { uploadRefusal } from '../../messages/security.js';
import { isUploadRefused } from '../../storage/intake.js';
import { isWorkflowError } from '../../workflow/errors.js';
import { ChannelUseCases, isChannelRefusal, type Person, type Place } from '../use-cases.js';
import { describeSlackError, type WebClient } from './api.js';
import { escapeMrkdwn } from './render.js';

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
  const desk = new ChannelUseCases(core, PLATFORM, { clock: deps.clock, promptTtlMs: deps.promptTtlMs });
  const names = new Map<string, { name: string; at: number }>();

  const placeOf = (channel: string): Place => ({ platform: PLATFORM, chatId: channel, threadId: '' });

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
      logger.warn({ err: describeSlackError(e), method: 'users.info', userId }, 'users.info gagal; nama pengguna tidak diketahui');
      return fallback || userId;
    }
  }

  return {
    ...deps,
    desk,
    service: core.service,
    placeOf,
    rolesOf: (channel: string) => desk.rolesOf(placeOf(channel)),
    roleLabels: (roles: string[]) => desk.roleLabels(roles),

    async personOf(userId: string, fallbackName?: string): Promise<Person> {
      return { userId, name: await nameOf(userId, fallbackName) };
    },

    /** Only that person sees it; failures are logged, never thrown (it is an answer, not the work). */
    async whisper(channel: string, user: string, text: string, threadTs?: string): Promise<void> {
      try {
        await api.chat.postEphemeral({ channel, user, text, ...(threadTs ? { thread_ts: threadTs } : {}) });
      } catch (e) {
        logger.warn({ err: describeSlackError(e), method: 'chat.postEphemeral', channel }, 'chat.postEphemeral gagal');
      }
    },

    async say(channel: string, text: string, threadTs?: string): Promise<string | undefined> {
      try {
        const sent = await api.chat.postMessage({ channel, text, unfurl_links: false, ...(threadTs ? { thread_ts: threadTs } : {}) });
        return sent.ts;
      } catch (e) {
        logger.warn({ err: describeSlackError(e), method: 'chat.postMessage', channel }, 'chat.postMessage gagal');
        return undefined;
      }
    },

    /**
     * Runs a handler's work and turns a refusal (the workflow's, the channel's, an upload's) into
     * an answer in Slack's words through `tell`; anything else is thrown on to app.error.
     */
    async guarded(tell: (text: string) => Promise<unknown>, work: () => Promise<void>): Promise<void> {
      try {
        await work();
      } catch (e) {
        const text = refusalOf(e);
        if (text === undefined) throw e;
        await tell(escapeMrkdwn(text));
      }
    },
  };
}

/** The words for a refusal, or undefined when the error is not one (a fault, to be logged). */
export function refusalOf(e: unknown): string | undefined {
  if (isChannelRefusal(e)) return channelRefusalText(e, 'slack');
  if (isWorkflowError(e)) return refusalText(e, TERMS.slack);
  if (isUploadRefused(e)) return uploadRefusal(e.code, e.params as never);
  return undefined;
}
