/**
 * The App Home tab: the person's roles and the open tasks of those roles, overdue first.
 *
 * A person's roles: every role whose Slack allow list names them, plus the roles of the bound
 * channels they are a member of (unless that role's allow list leaves them out). That is who
 * can press the buttons on the role's cards, which is what the tab is for.
 */
import type { App } from '@slack/bolt';
import { CARD } from '../../messages/id.js';
import { describeSlackError } from './api.js';
import type { SlackContext } from './context.js';
import { homeView, type HomeTask } from './render.js';

/** conversations.members pages of 1000; a role channel with more members than this is not a team. */
const MAX_MEMBER_PAGES = 5;

export function registerHome(app: App, s: SlackContext): void {
  app.event('app_home_opened', async ({ event }) => {
    if (event.tab !== 'home') return;
    await publishHome(s, event.user);
  });
}

export async function publishHome(s: SlackContext, user: string): Promise<void> {
  const roles = await s.desk.rolesOfPerson(user, (channel) => isMember(s, channel, user));
  const now = s.clock().getTime();
  const tasks: (HomeTask & { dueAt: number })[] = (await s.desk.openTaskSummaries(roles)).map((t) => ({
    caseRef: t.caseRef,
    caseTitle: t.caseTitle,
    step: CARD.step(t.step.id, t.step.index, t.step.total, t.step.visit),
    kegiatan: t.kegiatan,
    roles: t.roles,
    due: t.due,
    overdue: t.dueAt !== null && t.dueAt.getTime() < now,
    dueAt: t.dueAt?.getTime() ?? Number.POSITIVE_INFINITY,
  }));
  tasks.sort((a, b) => Number(b.overdue) - Number(a.overdue) || a.dueAt - b.dueAt);
  await s.api.views.publish({ user_id: user, view: homeView(s.roleLabels(roles), tasks) });
}

async function isMember(s: SlackContext, channel: string, user: string): Promise<boolean> {
  let cursor: string | undefined;
  try {
    for (let page = 0; page < MAX_MEMBER_PAGES; page++) {
      const res = await s.api.conversations.members({ channel, limit: 1000, ...(cursor ? { cursor } : {}) });
      if (res.members?.includes(user)) return true;
      cursor = res.response_metadata?.next_cursor || undefined;
      if (!cursor) return false;
    }
  } catch (e) {
    s.logger.warn({ err: describeSlackError(e), method: 'conversations.members', channel }, 'conversations.members gagal; kanal dilewati');
  }
  return false;
}
