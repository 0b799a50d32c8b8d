/**
 * The Slack adapter: the /sop command, card buttons, modals, uploads in card threads and the
 * Home tab in; the channels' use cases do the rest. It holds no workflow rules. Every handler
 * acknowledges first and works after, inside Slack's 3 seconds however slow the database is.
 */
import type { App, CodedError, SlackCommandMiddlewareArgs, types } from '@slack/bolt';
import { createHash } from 'node:crypto';
import { buffer } from 'node:stream/consumers';
import { brief, CASE_VIEW, SLACK, TG } from '../../messages/id.js';
import { fitList, renderCase, renderCaseSummary } from '../../messages/render.js';
import { transportName } from '../../storage/intake.js';
import type { TaskCommand } from '../../workflow/model.js';
import type { FormTarget } from '../use-cases.js';
import { FILE_ACTION, TASK_ACTION, decodePress } from './action-value.js';
import { describeSlackError } from './api.js';
import { refusalOf, type SlackContext } from './context.js';
import { registerHome } from './home.js';
import { INPUT, VIEW, cutMrkdwn, dueModal, escapeMrkdwn, loadingModal, newCaseModal, noticeModal, renderCatalogBlocks, returnModal } from './render.js';
import { registerUploads } from './uploads.js';

export const SLASH_COMMAND = '/sop';

/** One answer's text budget: Slack advises 4 000 characters (and cuts at 40 000). */
const MAX_ANSWER = 3_900;
/** A case summary's budget: room left for escaping inside MAX_ANSWER. */
const MAX_CASE_TEXT = 2_800;
const MAX_LISTED = 30;

type Command = SlackCommandMiddlewareArgs['command'];
type Answer = (text: string, visible?: 'me' | 'channel') => Promise<unknown>;

/** What a task modal carries between opening and submission (Slack hands it back untouched). */
type TaskModalData = Pick<FormTarget, 'taskId' | 'version' | 'unit'> & { channel: string };

export function registerHandlers(app: App, s: SlackContext): void {
  const { desk, service, logger } = s;
  const e = escapeMrkdwn;

  // Each event once: Slack retries an event it thinks was missed, with the same event_id.
  app.use(async ({ body, next }) => {
    const eventId = (body as { type?: string; event_id?: string }).type === 'event_callback' ? (body as { event_id?: string }).event_id : undefined;
    if (!eventId) return next();
    if (!(await desk.once(eventId, next))) logger.info({ eventId }, 'event Slack sudah diproses; diabaikan');
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

  async function once(key: string, work: () => Promise<void>): Promise<void> {
    if (!(await desk.once(key, work))) logger.info({ key }, 'interaksi Slack sudah diproses; diabaikan');
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
    const place = s.placeOf(command.channel_id);
    const answer: Answer = (text, visible = 'me') =>
      respond({ response_type: visible === 'me' ? 'ephemeral' : 'in_channel', text }).catch((err: unknown) =>
        logger.warn({ err: describeSlackError(err), method: 'response_url' }, 'jawaban ke response_url gagal'),
      );
    await s.guarded(answer, async () => {
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
          // Each SOP with a button that sends its sheet here (through the outbox, like a card).
          const sops = service.catalog().map((x, sopIndex) => ({
            line: SLACK.catalogLine(e(x.definition.identity.nama), e(x.definition.identity.nomor), x.definition.id, x.definition.steps.length),
            sopIndex,
          }));
          const text = [SLACK.catalogTitle, ...sops.map((x) => x.line)].join('\n');
          return void (await respond({ response_type: 'ephemeral', text: cutMrkdwn(text, MAX_ANSWER), blocks: renderCatalogBlocks(SLACK.catalogTitle, sops) }).catch((err: unknown) =>
            logger.warn({ err: describeSlackError(err), method: 'response_url' }, 'jawaban ke response_url gagal'),
          ));
        }
        case 'posisi': {
          if (!arg) return void (await answer(SLACK.positionUsage));
          const ref = await desk.sendCasePicture(place, { ref: arg }, `c${command.trigger_id}`);
          return void (await answer(SLACK.pictureComing(e(ref))));
        }
        case 'laporan': {
          const period = await desk.sendMonitoringReport(place, arg, `c${command.trigger_id}`);
          return void (await answer(SLACK.reportComing(e(period))));
        }
        case 'baru':
          return void (await openNewCase(command));
        case 'tugas':
          return void (await tasks(command, answer));
        case 'kasus': {
          if (!arg) return void (await answer(SLACK.caseUsage));
          const { details, calendar } = await desk.caseFor(place, arg);
          // The state and the newest events in the answer; the whole timeline as a file when it does not fit.
          const summary = renderCaseSummary(details, calendar, MAX_CASE_TEXT);
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
    });
  });

  async function bind(command: Command, code: string, answer: Answer) {
    if (!code) return void (await answer(SLACK.bindUsage));
    // Slash commands name a private channel "privategroup"; its real name is in conversations.info.
    const info = await channelInfo(command.channel_id);
    const name = info?.name ?? (command.channel_name && command.channel_name !== 'privategroup' ? command.channel_name : undefined);
    const { role, fresh } = await desk.bind(s.placeOf(command.channel_id), code, name ? `#${name}` : null);
    const label = e(service.roleLabel(role));
    await answer(fresh ? SLACK.bound(label) : SLACK.alreadyBound(label), 'channel');
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

  async function unbind(command: Command, answer: Answer) {
    // Like Telegram's group admins: only the workspace's admins may take a role's cards away.
    const info = await s.api.users.info({ user: command.user_id });
    if (!info.user?.is_admin && !info.user?.is_owner) return void (await answer(SLACK.unbindAdminsOnly));
    const removed = await desk.unbind(s.placeOf(command.channel_id));
    await answer(removed.length ? SLACK.unbound(s.roleLabels(removed).map(e)) : SLACK.notBound, removed.length ? 'channel' : 'me');
  }

  async function openNewCase(command: Command) {
    await openModal(command.trigger_id, async () => {
      const startable = await desk.startableSops(s.placeOf(command.channel_id), command.user_id);
      return newCaseModal(
        JSON.stringify({ channel: command.channel_id }),
        startable.map((x) => ({ id: x.definition.id, name: x.definition.identity.nama })),
        s.roleLabels(await s.rolesOf(command.channel_id)),
      );
    });
  }

  /**
   * A trigger_id dies three seconds after the click, database or not: the modal opens at once
   * with a placeholder, and is filled with the form (or the reason there is none) after.
   */
  async function openModal(triggerId: string, fill: () => Promise<types.ModalView>) {
    const opened = await s.api.views.open({ trigger_id: triggerId, view: loadingModal() });
    let content: types.ModalView;
    try {
      content = await fill();
    } catch (err) {
      const text = refusalOf(err);
      if (text === undefined) throw err;
      content = noticeModal(e(text));
    }
    await s.api.views.update({ view_id: opened.view!.id!, ...(opened.view?.hash ? { hash: opened.view.hash } : {}), view: content });
  }

  async function tasks(command: Command, answer: Answer) {
    const open = await desk.openTasks(s.placeOf(command.channel_id));
    if (!open.length) return void (await answer(SLACK.noTasks));
    // Slack cuts text past 40 000 characters and advises 4 000: the list stops well inside one message.
    const items = open.slice(0, MAX_LISTED).map((t) => `*${e(t.caseRef)}* · ${e(brief(t.caseTitle, 200))}\n${e(t.line)}`);
    await answer(fitList(`*${SLACK.tasksTitle}*`, items, open.length, MAX_ANSWER, e).join('\n\n'));
  }

  async function documents(command: Command, ref: string, answer: Answer) {
    if (!ref) return void (await answer(SLACK.documentsUsage));
    const { details } = await desk.caseFor(s.placeOf(command.channel_id), ref);
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
    const place = s.placeOf(channel);
    const press = decodePress(action.value);
    if (press?.kind !== 'task') return void (await s.whisper(channel, user, SLACK.unknownButton));
    const person = await s.personOf(user, body.user.name ?? body.user.username);

    if (press.action === 'return' || press.action === 'set-due') {
      return void (await openModal(body.trigger_id, async () => {
        const form = await desk.openForm(place, person, press);
        const data = JSON.stringify({ taskId: form.taskId, version: form.version, unit: form.unit, channel } satisfies TaskModalData);
        return form.kind === 'return' ? returnModal(data, form.caseRef, form.stepId) : dueModal(data, form.caseRef, form.stepId, form.unit.timezone);
      }));
    }
    await s.guarded((text) => s.whisper(channel, user, text), async () => {
      await desk.press(place, person, press);
      await s.whisper(channel, user, SLACK.recorded);
    });
  });

  // Posisi (a card's menu, a closed case's button) and an SOP's sheet (the catalog's buttons, a
  // card's menu): answered at once, the file follows through the outbox into the channel.
  app.action(FILE_ACTION, async ({ ack, body, action }) => {
    await ack();
    if (body.type !== 'block_actions') return;
    const channel = body.channel?.id;
    const user = body.user.id;
    if (!channel) return;
    const value = action.type === 'overflow' ? action.selected_option.value : action.type === 'button' ? action.value : undefined;
    const press = decodePress(value);
    // Slack stamps each click with its own action_ts: the same click posted again is the same request.
    const request = `a${user}:${(action as { action_ts?: string }).action_ts ?? body.trigger_id}`;
    const place = s.placeOf(channel);
    await s.guarded((text) => s.whisper(channel, user, text), async () => {
      if (press?.kind === 'position') {
        const ref = await desk.sendCasePicture(place, { caseId: press.caseId }, request);
        return void (await s.whisper(channel, user, SLACK.pictureComing(e(ref))));
      }
      if (press?.kind === 'sheet' || press?.kind === 'case-sheet') {
        const sop = await desk.sendSopSheet(place, press.kind === 'sheet' ? { sopIndex: press.sopIndex } : { caseId: press.caseId }, request);
        return void (await s.whisper(channel, user, SLACK.sheetComing(e(sop.definition.identity.nama))));
      }
      await s.whisper(channel, user, SLACK.unknownButton);
    });
  });

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
    // Read without the database: the answer (or the form's error) must reach Slack within 3 s.
    const due = desk.parseDue(data.unit, inputValue(view.state.values, INPUT.due));
    if (!due) return void (await ack({ response_action: 'errors', errors: { [INPUT.due.block]: SLACK.badDue } }));
    await ack();
    await once(submissionKey(view), () => actFromModal(data, body.user.id, body.user.name, { type: 'set-due', dueAt: due }, () => SLACK.dueSet));
  });

  /** The binding and allow list are checked again at submission: the form may have stayed open a while. */
  async function actFromModal(data: TaskModalData, user: string, userName: string, command: TaskCommand, done: (ref: string) => string) {
    await s.guarded((text) => s.whisper(data.channel, user, text), async () => {
      const result = await desk.submitForm(s.placeOf(data.channel), await s.personOf(user, userName), data, command);
      await s.whisper(data.channel, user, e(done(result.caseRef)));
    });
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
    await once(submissionKey(view), () =>
      s.guarded((text) => s.whisper(channel, user, text), async () => {
        const person = await s.personOf(user, body.user.name);
        const result = await desk.startCase(s.placeOf(channel), person, sopId, title);
        await s.say(channel, SLACK.caseStarted(e(result.caseRef), e(title), e(person.name)));
      }),
    );
  });

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
