/**
 * The Slack adapter: the /sop command, card buttons, modals, uploads in card threads and the
 * Home tab in; workflow actions out. It holds no workflow rules: every press is checked again
 * by the service. Every handler acknowledges first and works after, inside Slack's 3 seconds
 * however slow the database is.
 */
import type { App, CodedError, SlackCommandMiddlewareArgs, types } from '@slack/bolt';
import { createHash } from 'node:crypto';
import { buffer } from 'node:stream/consumers';
import { makeCalendar } from '../../calendar/calendar.js';
import { parseDueInput } from '../../calendar/due-input.js';
import * as channelStore from '../../db/channel-store.js';
import { rerouteUnrouted } from '../../delivery/dispatcher.js';
import * as store from '../../db/store.js';
import { brief, CASE_VIEW, NOTICE, TG, SLACK } from '../../messages/id.js';
import { renderCase, renderCaseSummary, renderTaskLine } from '../../messages/render.js';
import { transportName } from '../../storage/intake.js';
import { allowedCommands, findStep } from '../../workflow/engine.js';
import { isWorkflowError } from '../../workflow/errors.js';
import type { Actor, TaskCommand } from '../../workflow/model.js';
import { TASK_ACTION, decodePress } from './action-value.js';
import { describeSlackError } from './api.js';
import { PLATFORM, type SlackContext } from './context.js';
import { registerHome } from './home.js';
import { INPUT, VIEW, cutMrkdwn, dueModal, escapeMrkdwn, loadingModal, newCaseModal, noticeModal, returnModal } from './render.js';
import { registerUploads } from './uploads.js';

export const SLASH_COMMAND = '/sop';

/** One answer's text budget: Slack advises 4 000 characters (and cuts at 40 000). */
const MAX_ANSWER = 3_900;

type Command = SlackCommandMiddlewareArgs['command'];

/** What a modal carries between opening and submission (Slack hands it back untouched). */
interface TaskModalData {
  taskId: number;
  version: number;
  channel: string;
  zone: string;
}

export function registerHandlers(app: App, s: SlackContext): void {
  const { db, service, logger } = s;
  const e = escapeMrkdwn;

  // Each event once: Slack retries an event it thinks was missed, with the same event_id.
  app.use(async ({ body, next }) => {
    const eventId = (body as { type?: string; event_id?: string }).type === 'event_callback' ? (body as { event_id?: string }).event_id : undefined;
    if (!eventId) return next();
    if (!(await channelStore.claimUpdate(db, PLATFORM, eventId))) {
      logger.info({ eventId }, 'event Slack sudah diproses; diabaikan');
      return;
    }
    try {
      await next();
    } catch (err) {
      await channelStore.releaseUpdate(db, PLATFORM, eventId).catch(() => {});
      throw err;
    }
    await channelStore.finishUpdate(db, PLATFORM, eventId);
  });

  // A button press once: the same signed block_actions posted again (a double click, a replay)
  // carries the same action_ts. Presses are also guarded by the card's version; this keeps the
  // second copy from even answering.
  app.use(async ({ body, next }) => {
    const b = body as { type?: string; user?: { id?: string }; actions?: { action_ts?: string; action_id?: string; value?: string }[] };
    const action = b.type === 'block_actions' ? b.actions?.[0] : undefined;
    if (!action?.action_ts) return next();
    const key = `action:${b.user?.id ?? ''}:${action.action_ts}:${digest(`${action.action_id ?? ''}|${action.value ?? ''}`)}`;
    await once(key, next);
  });

  /**
   * Runs `work` unless the same key was handled already (or is being handled): the same mark
   * the Events API's event_id gets (processed_updates), released again if the work fails.
   */
  async function once(key: string, work: () => Promise<void>): Promise<void> {
    if (!(await channelStore.claimUpdate(db, PLATFORM, key))) {
      logger.info({ key }, 'interaksi Slack sudah diproses; diabaikan');
      return;
    }
    try {
      await work();
    } catch (err) {
      await channelStore.releaseUpdate(db, PLATFORM, key).catch(() => {});
      throw err;
    }
    await channelStore.finishUpdate(db, PLATFORM, key);
  }

  /**
   * A form submitted twice (the same signed view_submission posted again) must not act twice.
   * Slack gives the view's id and hash; the hash does not change when a person corrects a
   * refused form, so what they typed is part of the key.
   */
  const submissionKey = (view: { id: string; hash: string; state: { values: unknown } }) =>
    `view:${view.id}:${view.hash}:${digest(JSON.stringify(view.state.values))}`;

  app.command(SLASH_COMMAND, async ({ command, ack, respond }) => {
    await ack();
    const [word = '', ...rest] = command.text.trim().split(/\s+/);
    const arg = rest.join(' ').trim();
    const answer = (text: string, visible: 'me' | 'channel' = 'me') =>
      respond({ response_type: visible === 'me' ? 'ephemeral' : 'in_channel', text }).catch((err: unknown) =>
        logger.warn({ err: describeSlackError(err) }, 'jawaban ke response_url gagal'),
      );
    try {
      switch (word.toLowerCase()) {
        case '':
        case 'bantuan':
        case 'help':
          return void (await answer(SLACK.help(s.roleLabels(await s.rolesOf(command.channel_id)).map(e))));
        case 'daftar':
          return void (await bind(command, arg, answer));
        case 'lepas':
          return void (await unbind(command, answer));
        case 'peran': {
          const roles = await s.rolesOf(command.channel_id);
          return void (await answer(roles.length ? SLACK.roles(s.roleLabels(roles).map(e)) : SLACK.notBound));
        }
        case 'katalog':
        case 'sop': {
          const lines = service
            .catalog()
            .map((x) => SLACK.catalogLine(e(x.definition.identity.nama), e(x.definition.identity.nomor), x.definition.id, x.definition.steps.length));
          return void (await answer([SLACK.catalogTitle, ...lines].join('\n')));
        }
        case 'baru':
          return void (await openNewCase(command));
        case 'tugas':
          return void (await tasks(command, answer));
        case 'kasus': {
          const details = await caseForChannel(command, arg, SLACK.caseUsage, answer);
          if (!details) return;
          const calendar = await service.calendarFor(db, details.definition);
          // The state and the newest events in the answer; the whole timeline as a file when it does not fit.
          const summary = renderCaseSummary(details, calendar, 2800);
          // Cut after escaping (an escape is up to five characters), never through one.
          await answer(`\`\`\`${cutMrkdwn(e(summary.text), MAX_ANSWER - 10)}\`\`\``);
          if (!summary.complete) {
            const ref = details.caseRow.ref;
            await s.api.filesUploadV2({
              channel_id: command.channel_id,
              file: Buffer.from(renderCase(details, calendar)),
              filename: CASE_VIEW.fileName(ref),
              title: CASE_VIEW.fileCaption(ref),
            });
          }
          return;
        }
        case 'dokumen':
          return void (await documents(command, arg, answer));
        case 'ringkasan': {
          const roles = await s.rolesOf(command.channel_id);
          if (!s.digest || !roles.includes(s.digest.role)) {
            return void (await answer(e(TG.digestOnlyFor(service.roleLabel(s.digest?.role ?? 'kabid')))));
          }
          return void (await answer((await s.digest.build(s.clock())).map(e).join('\n\n')));
        }
        default:
          return void (await answer(SLACK.unknownSubcommand(e(brief(word, 41)))));
      }
    } catch (err) {
      if (!isWorkflowError(err)) throw err;
      await answer(e(err.message));
    }
  });

  async function bind(command: Command, code: string, answer: (t: string, v?: 'me' | 'channel') => Promise<unknown>) {
    if (!code) return void (await answer(SLACK.bindUsage));
    const place = s.placeOf(command.channel_id);
    // Slash commands name a private channel "privategroup"; its real name is in conversations.info.
    const info = await channelInfo(command.channel_id);
    const name = info?.name ?? (command.channel_name && command.channel_name !== 'privategroup' ? command.channel_name : undefined);
    const redeemed = await db.transaction(async (tx) => {
      const r = await channelStore.redeemPairingCode(tx, PLATFORM, code, s.clock());
      if (!r.ok) return r;
      const fresh = await channelStore.bindPlace(tx, place, r.role, name ? `#${name}` : null);
      return { ...r, fresh };
    });
    if (!redeemed.ok) {
      return void (await answer(redeemed.reason === 'unknown' ? SLACK.codeUnknown : redeemed.reason === 'used' ? SLACK.codeUsed : SLACK.codeExpired));
    }
    await rerouteUnrouted(db, redeemed.role);
    const label = e(service.roleLabel(redeemed.role));
    await answer(redeemed.fresh ? SLACK.bound(label) : SLACK.alreadyBound(label), 'channel');
    // The command works anywhere, cards only where the app is a member: say so now, not when cards fail.
    if (info?.isMember !== true) await answer(SLACK.inviteApp);
  }

  async function channelInfo(channel: string): Promise<{ name: string | undefined; isMember: boolean } | undefined> {
    try {
      const found = (await s.api.conversations.info({ channel })).channel;
      return { name: found?.name, isMember: found?.is_member === true };
    } catch (err) {
      logger.warn({ err: describeSlackError(err), method: 'conversations.info', channel }, 'conversations.info gagal');
      return undefined;
    }
  }

  async function unbind(command: Command, answer: (t: string, v?: 'me' | 'channel') => Promise<unknown>) {
    // Like Telegram's group admins: only the workspace's admins may take a role's cards away.
    const info = await s.api.users.info({ user: command.user_id });
    if (!info.user?.is_admin && !info.user?.is_owner) return void (await answer(SLACK.unbindAdminsOnly));
    const removed = await channelStore.unbindPlace(db, s.placeOf(command.channel_id));
    await answer(removed.length ? SLACK.unbound(s.roleLabels(removed).map(e)) : SLACK.notBound, removed.length ? 'channel' : 'me');
  }

  async function openNewCase(command: Command) {
    await openModal(command.trigger_id, async () => {
      const roles = await s.rolesOf(command.channel_id);
      if (!roles.length) return SLACK.notBound;
      const startable = service.catalog().filter((x) => roles.includes(x.definition.steps[0]!.role ?? ''));
      if (!startable.length) return SLACK.noStartableSop;
      return newCaseModal(
        JSON.stringify({ channel: command.channel_id }),
        startable.map((x) => ({ id: x.definition.id, name: x.definition.identity.nama })),
        s.roleLabels(roles),
      );
    });
  }

  /**
   * A trigger_id dies three seconds after the click, database or not: the modal opens at once
   * with a placeholder, and is filled with the form (or the reason there is none) after.
   */
  async function openModal(triggerId: string, fill: () => Promise<types.ModalView | string>) {
    const opened = await s.api.views.open({ trigger_id: triggerId, view: loadingModal() });
    let content: types.ModalView | string;
    try {
      content = await fill();
    } catch (err) {
      if (!isWorkflowError(err)) throw err;
      content = err.message;
    }
    await s.api.views.update({
      view_id: opened.view!.id!,
      ...(opened.view?.hash ? { hash: opened.view.hash } : {}),
      view: typeof content === 'string' ? noticeModal(e(content)) : content,
    });
  }

  async function tasks(command: Command, answer: (t: string) => Promise<unknown>) {
    const roles = await s.rolesOf(command.channel_id);
    if (!roles.length) return void (await answer(SLACK.notBound));
    const open = await service.openTasks(roles);
    if (!open.length) return void (await answer(SLACK.noTasks));
    const lines: string[] = [`*${SLACK.tasksTitle}*`];
    // Like Telegram's /tugas: a brief title, and the list stops well inside one message (Slack
    // cuts text past 40 000 characters and advises 4 000), saying how many are left.
    let length = lines[0]!.length;
    for (const [i, t] of open.slice(0, 30).entries()) {
      const def = await service.definitionOf(db, t.sopVersionId, t.sopId);
      const line = `*${e(t.caseRef)}* · ${e(brief(t.caseTitle, 200))}\n${e(renderTaskLine(def, t, await service.calendarFor(db, def)))}`;
      length += line.length + 2;
      if (length > MAX_ANSWER) {
        lines.push(e(NOTICE.more(open.length - i)));
        break;
      }
      lines.push(line);
    }
    if (open.length > 30 && length <= MAX_ANSWER) lines.push(e(NOTICE.more(open.length - 30)));
    await answer(lines.join('\n\n'));
  }

  /** The case named in the command, if this channel speaks for a role of its SOP; otherwise says why. */
  async function caseForChannel(command: Command, ref: string, usage: string, answer: (t: string) => Promise<unknown>) {
    if (!ref) return void (await answer(usage));
    const roles = await s.rolesOf(command.channel_id);
    if (!roles.length) return void (await answer(SLACK.notBound));
    const details = await service.caseDetails(ref);
    const caseRoles = new Set(details.tasks.flatMap((t) => t.roles));
    if (!roles.some((r) => caseRoles.has(r))) return void (await answer(SLACK.notInCase));
    return details;
  }

  async function documents(command: Command, ref: string, answer: (t: string) => Promise<unknown>) {
    const details = await caseForChannel(command, ref, SLACK.documentsUsage, answer);
    if (!details) return;
    if (!details.documents.length) return void (await answer(SLACK.noDocuments(e(details.caseRow.ref))));
    await answer(SLACK.documentsSending(e(details.caseRow.ref), details.documents.length));
    for (const d of details.documents) {
      // files.uploadV2: getUploadURLExternal, the bytes to the URL it gives, completeUploadExternal.
      await s.api.filesUploadV2({
        channel_id: command.channel_id,
        file: await buffer(s.core.files.open(d.storageKey)),
        filename: transportName(d.fileName),
        title: d.fileName,
        initial_comment: e(SLACK.documentCaption(details.caseRow.ref, d.stepId, d.slotName)),
      });
    }
  }

  app.action(TASK_ACTION, async ({ ack, body, action }) => {
    await ack();
    if (body.type !== 'block_actions' || action.type !== 'button') return;
    const channel = body.channel?.id;
    const user = body.user.id;
    if (!channel) return;
    const press = decodePress(action.value);
    if (!press || press.kind !== 'task') return void (await s.whisper(channel, user, SLACK.unknownButton));

    if (press.action === 'return' || press.action === 'set-due') {
      const kind = press.action;
      return void (await openModal(body.trigger_id, async () => {
        const task = await store.getTask(db, press.taskId);
        if (!task) return SLACK.unknownButton;
        const who = await s.roleForTask(channel, user, task.roles);
        if ('refusal' in who) return who.refusal;
        // The form is only worth filling in if the press could succeed; otherwise say why not.
        if (task.status !== 'open' || task.version !== press.version) {
          await service.act(task.id, { type: 'complete' }, await s.actorOf(user, who.role), press.version);
        }
        const caseRow = (await store.getCase(db, task.caseId))!;
        const def = await service.definitionOf(db, caseRow.sopVersionId, caseRow.sopId);
        // A Kembalikan / due-date button this step never shows (a forged value): no form for nothing.
        if (!allowedCommands(findStep(def, task.stepId), task).includes(kind)) return SLACK.unknownButton;
        const data = JSON.stringify({ taskId: task.id, version: press.version, channel, zone: def.unit.timezone } satisfies TaskModalData);
        return kind === 'return' ? returnModal(data, caseRow.ref, task.stepId) : dueModal(data, caseRow.ref, task.stepId, def.unit.timezone);
      }));
    }

    try {
      const task = await store.getTask(db, press.taskId);
      if (!task) return void (await s.whisper(channel, user, SLACK.unknownButton));
      const who = await s.roleForTask(channel, user, task.roles);
      if ('refusal' in who) return void (await s.whisper(channel, user, who.refusal));
      const actor = await s.actorOf(user, who.role, body.user.name ?? body.user.username);
      let command: TaskCommand;
      if (press.action === 'choose') {
        const caseRow = (await store.getCase(db, task.caseId))!;
        const def = await service.definitionOf(db, caseRow.sopVersionId, caseRow.sopId);
        const branch = findStep(def, task.stepId).branches?.[press.branchIndex];
        if (!branch) return void (await s.whisper(channel, user, SLACK.unknownButton));
        command = { type: 'choose', branch: branch.label };
      } else {
        command = { type: press.action };
      }
      await act(channel, user, press.taskId, command, actor, press.version);
    } catch (err) {
      if (!isWorkflowError(err)) throw err;
      await s.whisper(channel, user, e(err.message));
    }
  });

  /** Runs a workflow action and tells the person the result (the card itself changes through the outbox). */
  async function act(channel: string, user: string, taskId: number, command: TaskCommand, actor: Actor, version: number): Promise<void> {
    try {
      await service.act(taskId, command, actor, version);
      await s.whisper(channel, user, SLACK.recorded);
    } catch (err) {
      if (!isWorkflowError(err)) throw err;
      await s.whisper(channel, user, e(err.message));
    }
  }

  const inputValue = (values: Record<string, Record<string, { value?: string | null }>>, input: { block: string; action: string }) =>
    (values[input.block]?.[input.action]?.value ?? '').trim();

  app.view(VIEW.returnReason, async ({ ack, view, body }) => {
    const reason = inputValue(view.state.values, INPUT.reason);
    if (!reason) return void (await ack({ response_action: 'errors', errors: { [INPUT.reason.block]: SLACK.reasonRequired } }));
    await ack();
    const data = JSON.parse(view.private_metadata) as TaskModalData;
    await once(submissionKey(view), () => actFromModal(data, body.user.id, body.user.name, { type: 'return', reason }, SLACK.returnDone));
  });

  app.view(VIEW.dueDate, async ({ ack, view, body }) => {
    const data = JSON.parse(view.private_metadata) as TaskModalData;
    // Parsing needs only the zone and office hours, not the database: the answer stays within 3 s.
    const calendar = makeCalendar({ ...s.core.config.calendar, timezone: data.zone });
    const due = parseDueInput(inputValue(view.state.values, INPUT.due), s.clock(), calendar);
    if (!due) return void (await ack({ response_action: 'errors', errors: { [INPUT.due.block]: SLACK.badDue } }));
    await ack();
    await once(submissionKey(view), () => actFromModal(data, body.user.id, body.user.name, { type: 'set-due', dueAt: due }, () => SLACK.dueSet));
  });

  /** The binding and allow list are checked again at submission: the form may have stayed open a while. */
  async function actFromModal(data: TaskModalData, user: string, userName: string, command: TaskCommand, done: (ref: string) => string) {
    try {
      const task = await store.getTask(db, data.taskId);
      if (!task) return void (await s.whisper(data.channel, user, SLACK.unknownButton));
      const who = await s.roleForTask(data.channel, user, task.roles);
      if ('refusal' in who) return void (await s.whisper(data.channel, user, who.refusal));
      const result = await service.act(data.taskId, command, await s.actorOf(user, who.role, userName), data.version);
      await s.whisper(data.channel, user, e(done(result.caseRef)));
    } catch (err) {
      if (!isWorkflowError(err)) throw err;
      await s.whisper(data.channel, user, e(err.message));
    }
  }

  app.view(VIEW.newCase, async ({ ack, view, body }) => {
    const title = inputValue(view.state.values, INPUT.title);
    const sopId = view.state.values[INPUT.sop.block]?.[INPUT.sop.action]?.selected_option?.value;
    if (!title || !sopId) {
      const errors: Record<string, string> = {};
      if (!sopId) errors[INPUT.sop.block] = SLACK.chooseSop;
      if (!title) errors[INPUT.title.block] = SLACK.titleRequired;
      return void (await ack({ response_action: 'errors', errors }));
    }
    await ack();
    const { channel } = JSON.parse(view.private_metadata) as { channel: string };
    const user = body.user.id;
    await once(submissionKey(view), () => startFromModal(channel, user, body.user.name, sopId, title));
  });

  async function startFromModal(channel: string, user: string, userName: string, sopId: string, title: string) {
    try {
      const sop = service.sop(sopId);
      const roles = await s.rolesOf(channel);
      const role = roles.find((r) => r === sop.definition.steps[0]!.role);
      if (!role) return void (await s.whisper(channel, user, SLACK.noStartableSop));
      if (!(await channelStore.mayAct(db, PLATFORM, role, user))) return void (await s.whisper(channel, user, SLACK.notAllowed));
      const actor = await s.actorOf(user, role, userName);
      const result = await service.startCase(sopId, title, actor);
      await s.say(channel, SLACK.caseStarted(e(result.caseRef), e(title), e(actor.name)));
    } catch (err) {
      if (!isWorkflowError(err)) throw err;
      await s.whisper(channel, user, e(err.message));
    }
  }

  registerUploads(app, s);
  registerHome(app, s);

  app.error(async ({ error, body }: { error: CodedError; body: unknown }) => {
    logger.error({ err: { message: error.message, code: error.code, stack: error.stack } }, 'penanganan Slack gagal');
    const b = body as { user?: { id?: string } | string; user_id?: string; channel?: { id?: string } | string; channel_id?: string } | undefined;
    const user = typeof b?.user === 'object' ? b.user.id : (b?.user_id ?? undefined);
    const channel = typeof b?.channel === 'object' ? b.channel.id : (b?.channel_id ?? undefined);
    if (user && channel) await s.whisper(channel, user, SLACK.internalError);
  });
}

function digest(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 24);
}
