/**
 * The App Home tab: the person's roles and the open tasks of those roles, overdue first.
 *
 * A person's roles: every role whose Slack allow list names them, plus the roles of the bound
 * channels they are a member of (unless that role's allow list leaves them out). That is who
 * can press the buttons on the role's cards, which is what the tab is for.
 */
import type { App } from '@slack/bolt';
import { formatLocal } from '../../calendar/calendar.js';
import * as channelStore from '../../db/channel-store.js';
import { CARD } from '../../messages/id.js';
import { roleName, stepNumber } from '../../workflow/engine.js';
import { describeSlackError } from './api.js';
import { PLATFORM, type SlackContext } from './context.js';
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
  const { db, service } = s;
  const roles = await rolesOfUser(s, user);
  const now = s.clock().getTime();
  const open = roles.length ? await service.openTasks(roles) : [];
  const tasks: (HomeTask & { dueAt: number })[] = [];
  for (const t of open) {
    const def = await service.definitionOf(db, t.sopVersionId, t.sopId);
    const { index, total } = stepNumber(def, t.stepId);
    tasks.push({
      caseRef: t.caseRef,
      caseTitle: t.caseTitle,
      step: CARD.step(t.stepId, index, total, t.visit),
      kegiatan: def.steps.find((x) => x.id === t.stepId)?.kegiatan ?? '',
      roles: t.roles.map((r) => roleName(def, r)),
      due: t.dueAt ? formatLocal(t.dueAt, await service.calendarFor(db, def)) : null,
      overdue: t.dueAt !== null && t.dueAt.getTime() < now,
      dueAt: t.dueAt?.getTime() ?? Number.POSITIVE_INFINITY,
    });
  }
  tasks.sort((a, b) => Number(b.overdue) - Number(a.overdue) || a.dueAt - b.dueAt);
  await s.api.views.publish({ user_id: user, view: homeView(s.roleLabels(roles), tasks) });
}

async function rolesOfUser(s: SlackContext, user: string): Promise<string[]> {
  const roles = new Set(
    (await channelStore.listAllowlist(s.db)).filter((a) => a.platform === PLATFORM && a.userId === user).map((a) => a.role),
  );
  const byChannel = new Map<string, string[]>();
  for (const b of await channelStore.listBindings(s.db)) {
    if (b.platform === PLATFORM) byChannel.set(b.chatId, [...(byChannel.get(b.chatId) ?? []), b.role]);
  }
  for (const [channel, channelRoles] of byChannel) {
    if (channelRoles.every((r) => roles.has(r))) continue;
    if (!(await isMember(s, channel, user))) continue;
    for (const r of channelRoles) if (await channelStore.mayAct(s.db, PLATFORM, r, user)) roles.add(r);
  }
  return [...roles].sort();
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
    s.logger.warn({ err: describeSlackError(e), channel }, 'conversations.members gagal; kanal dilewati');
  }
  return false;
}
